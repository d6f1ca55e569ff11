//! The question banks and the exam form: staff and teachers keep banks (import a workbook,
//! add and edit questions online); staff set an exam up for a session.

use super::exam_bank::{self as bank, QuestionIn};
use super::exam_model::{self as m, QuestionKind};
use super::exam_paper::{self, ExamInput};
use super::exam_policy::BankAct;
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, Routes};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes() -> Routes {
    Routes::new()
        .get("/training/exam-banks", Access::User, banks_page)
        .post("/training/exam-banks", Access::Staff, create_bank)
        .get("/training/exam-banks/{id}", Access::User, bank_page)
        .post("/training/exam-banks/{id}/import", Access::User, import)
        .post("/training/exam-banks/{id}/questions", Access::User, add_question)
        .get("/training/exam-questions/{id}", Access::User, question_page)
        .post("/training/exam-questions/{id}", Access::User, edit_question)
        .get("/staff/exams/new", Access::Staff, exam_form)
        .post("/staff/exams", Access::Staff, create_exam)
}

/// The banks, for staff and teachers; anyone else is told whom the page is for.
async fn banks_page(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    if !ctx.can(&app, &BankAct::Edit, 0).await? {
        return ctx.render(&app, "training/exam_banks.html", context! { closed => true });
    }
    banks_view(&app, &ctx, StatusCode::OK, None).await
}

async fn banks_view(app: &App, ctx: &Ctx, status: StatusCode, error: Option<AppError>) -> AppResult<Response> {
    let (error_field, error) = crate::web::form::field_error(error);
    let banks: Vec<_> = bank::banks(app).await?.into_iter().map(|(b, n)| serde_json::json!({ "id": b.id, "title": b.title, "questions": n, "updated_at": b.updated_at })).collect();
    let staff = ctx.user.as_deref().is_some_and(|u| u.has(crate::auth::Role::Staff));
    ctx.render_status(app, status, "training/exam_banks.html", context! { banks => banks, staff => staff, error => error, error_field => error_field })
}

#[derive(Deserialize)]
struct BankForm {
    #[serde(default)]
    title: String,
}

/// A new bank (staff; teachers keep the banks' questions).
async fn create_bank(State(app): State<App>, ctx: Ctx, Form(f): Form<BankForm>) -> AppResult<Response> {
    match bank::create_bank(&app, &ctx, &f.title).await {
        Ok(id) => Ok(redirect_with_flash(&app, &format!("/training/exam-banks/{id}"), "exam_bank_created")),
        Err(e @ AppError::Invalid { .. }) => banks_view(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, Some(e)).await,
        Err(e) => Err(e),
    }
}

/// The question form as typed (also the fields of a re-shown form).
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
struct QuestionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    a: String,
    #[serde(default)]
    b: String,
    #[serde(default)]
    c: String,
    #[serde(default)]
    d: String,
    #[serde(default)]
    e: String,
    #[serde(default)]
    f: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    version: i64,
}

impl QuestionForm {
    fn of(q: &bank::Question) -> QuestionForm {
        let mut o = m::options_of(&q.options).into_iter();
        let mut next = || o.next().unwrap_or_default();
        let (a, b, c, d, e, f) = (next(), next(), next(), next(), next(), next());
        let key = match q.kind() {
            QuestionKind::Single | QuestionKind::Multiple => m::letters(&q.answer),
            _ => q.answer.clone(),
        };
        QuestionForm { kind: q.kind.clone(), body: q.body.clone(), a, b, c, d, e, f, answer: key, points: q.points.to_string(), topic: q.topic.clone(), explanation: q.explanation.clone(), version: q.version }
    }

    /// The question, or the field at fault.
    fn read(&self, ctx: &Ctx) -> AppResult<QuestionIn> {
        let kind = QuestionKind::parse(&self.kind).ok_or_else(|| AppError::invalid("kind", ctx.t("exam.err_kind")))?;
        let body = self.body.trim().to_string();
        if body.is_empty() || body.chars().count() > bank::MAX_BODY {
            return Err(AppError::invalid("body", ctx.t("exam.err_body")));
        }
        let mut options: Vec<String> = [&self.a, &self.b, &self.c, &self.d, &self.e, &self.f].iter().map(|s| s.trim().replace(['\r', '\n'], " ")).collect();
        while options.last().is_some_and(|o| o.is_empty()) {
            options.pop();
        }
        if kind.is_choice() {
            if options.len() < 2 || options.iter().any(|o| o.is_empty() || o.chars().count() > bank::MAX_OPTION) {
                return Err(AppError::invalid("a", ctx.t("exam.err_options")));
            }
        } else {
            options.clear();
        }
        let answer = m::parse_key(kind, &self.answer, options.len()).map_err(|_| AppError::invalid("answer", ctx.t("exam.err_key")))?;
        if kind == QuestionKind::Short && answer.chars().count() > bank::MAX_BODY {
            return Err(AppError::invalid("answer", ctx.t("exam.err_key")));
        }
        let points: i64 = self.points.trim().parse().ok().filter(|p| (1..=100).contains(p)).ok_or_else(|| AppError::invalid("points", ctx.t("exam.err_points")))?;
        let topic: String = self.topic.trim().chars().take(100).collect();
        let explanation: String = self.explanation.trim().chars().take(bank::MAX_BODY).collect();
        Ok(QuestionIn { line: 0, kind, body, options, answer, points, topic, explanation })
    }
}

async fn bank_view(app: &App, ctx: &Ctx, id: i64, status: StatusCode, form: &QuestionForm, error: Option<AppError>, report: Option<serde_json::Value>) -> AppResult<Response> {
    let b = bank::bank(app, id).await?;
    let questions: Vec<_> = bank::questions(app, id).await?.iter().map(|q| q.view()).collect();
    let (error_field, error) = crate::web::form::field_error(error);
    ctx.render_status(app, status, "training/exam_bank.html", context! {
        b => b, questions => questions, form => form, kinds => m::QUESTION_KINDS, error => error, error_field => error_field, report => report,
    })
}

async fn bank_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.must(&app, &BankAct::Edit, id).await?;
    let form = QuestionForm { kind: "single".into(), points: "1".into(), ..Default::default() };
    bank_view(&app, &ctx, id, StatusCode::OK, &form, None, None).await
}

/// A workbook (or CSV) of questions: the good rows kept in one transaction, the others listed
/// by line and column on the bank's page (422 when none could be kept).
async fn import(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, mut mp: Multipart) -> AppResult<Response> {
    ctx.must(&app, &BankAct::Edit, id).await?;
    let file = crate::web::upload::one_file(&mut mp, &ctx.t("exam.err_no_file")).await?;
    let limits = app.config.imports.clone();
    let (rows, problems) = crate::imports::off_thread(move || bank::parse(&file.data, &limits)).await.map_err(|r| r.to_app_error(ctx.lang))?;
    let mut report = if rows.is_empty() { bank::ImportReport::default() } else { bank::store(&app, &ctx, id, &rows).await? };
    report.problems = problems;
    let worded: Vec<_> = report.problems.iter().map(|p| serde_json::json!({ "line": p.line, "column": p.column, "code": p.code, "message": p.worded(ctx.lang) })).collect();
    let summary = serde_json::json!({ "created": report.created, "updated": report.updated, "unchanged": report.unchanged, "problems": worded });
    let status = if rows.is_empty() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let form = QuestionForm { kind: "single".into(), points: "1".into(), ..Default::default() };
    bank_view(&app, &ctx, id, status, &form, None, Some(summary)).await
}

async fn add_question(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<QuestionForm>) -> AppResult<Response> {
    ctx.must(&app, &BankAct::Edit, id).await?;
    let saved = match f.read(&ctx) {
        Ok(q) => bank::save_question(&app, &ctx, id, None, 0, &q).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(redirect_with_flash(&app, &format!("/training/exam-banks/{id}"), "exam_question_saved")),
        Err(e) if crate::web::form::reshown(&e) => bank_view(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, &f, Some(e), None).await,
        Err(e) => Err(e),
    }
}

async fn question_view(app: &App, ctx: &Ctx, q: &bank::Question, status: StatusCode, form: &QuestionForm, error: Option<AppError>) -> AppResult<Response> {
    let (error_field, error) = crate::web::form::field_error(error);
    let b = bank::bank(app, q.bank_id).await?;
    ctx.render_status(app, status, "training/exam_question.html", context! { q => q.view(), b => b, form => form, kinds => m::QUESTION_KINDS, error => error, error_field => error_field })
}

async fn question_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let q = bank::question(&app, id).await?;
    ctx.must(&app, &BankAct::Edit, q.bank_id).await?;
    question_view(&app, &ctx, &q, StatusCode::OK, &QuestionForm::of(&q), None).await
}

async fn edit_question(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<QuestionForm>) -> AppResult<Response> {
    let q = bank::question(&app, id).await?;
    ctx.must(&app, &BankAct::Edit, q.bank_id).await?;
    let saved = match f.read(&ctx) {
        Ok(input) => bank::save_question(&app, &ctx, q.bank_id, Some(id), f.version, &input).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(redirect_with_flash(&app, &format!("/training/exam-banks/{}", q.bank_id), "exam_question_saved")),
        Err(e) if crate::web::form::reshown(&e) => {
            let status = if matches!(e, AppError::Conflict(_)) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            question_view(&app, &ctx, &q, status, &f, Some(e)).await
        }
        Err(e) => Err(e),
    }
}

async fn exam_form_view(app: &App, ctx: &Ctx, status: StatusCode, form: &ExamInput, error: Option<AppError>) -> AppResult<Response> {
    let (error_field, error) = crate::web::form::field_error(error);
    let banks: Vec<_> = bank::banks(app).await?.into_iter().map(|(b, n)| serde_json::json!({ "id": b.id, "title": b.title, "questions": n })).collect();
    let kinds: Vec<&str> = super::cert_store::KINDS.iter().map(|(k, _)| *k).collect();
    ctx.render_status(app, status, "training/exam_new.html", context! { form => form, banks => banks, cert_kinds => kinds, error => error, error_field => error_field })
}

async fn exam_form(State(app): State<App>, ctx: Ctx, Query(q): Query<HashMap<String, String>>) -> AppResult<Response> {
    let mut form = ExamInput { minutes: "30".into(), max_attempts: "1".into(), admit: "enrolled".into(), ..Default::default() };
    if let Some(sid) = q.get("session").and_then(|s| s.parse::<i64>().ok()) {
        let s = super::store::get(&app, sid).await?;
        form.session = sid.to_string();
        form.title = format!("{} · {}", s.title, ctx.t("exam.exam"));
        form.opens_at = super::model::local_input(s.starts_at);
        form.closes_at = super::model::local_input(s.ends_at + 7 * 86400);
    }
    exam_form_view(&app, &ctx, StatusCode::OK, &form, None).await
}

async fn create_exam(State(app): State<App>, ctx: Ctx, Form(f): Form<ExamInput>) -> AppResult<Response> {
    match exam_paper::create(&app, &ctx, &f).await {
        Ok(id) => Ok(redirect_with_flash(&app, &format!("/training/exams/{id}"), "exam_created")),
        Err(e @ AppError::Invalid { .. }) => exam_form_view(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, &f, Some(e)).await,
        Err(e) => Err(e),
    }
}
