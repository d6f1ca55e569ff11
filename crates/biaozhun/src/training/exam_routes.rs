//! Examinations over HTTP, the candidate's side and the teacher's: an exam's page, starting or
//! resuming an attempt, the paper (one form with a save button, working without script; a
//! small inline script saves each answer as it changes through the API), submitting, the
//! result; the teacher's marking queue and statistics; and the JSON API.

use super::exam_model::QuestionKind;
use super::exam_paper::{self, Exam, ExamInput};
use super::exam_policy::{AttemptAct, ExamAct};
use super::exam_take::{self as take, Attempt, ItemOut, SaveOut};
use super::model::rfc3339;
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_exam, api_create_exam, api_start, api_save, api_submit, api_attempt),
    components(schemas(ExamOut, AttemptOut, ResultOut, ItemOut, super::exam_take::OptionOut, SaveIn, SaveOut, ExamInput, QuestionKind, super::exam_model::DrawRule, AttemptBrief))
)]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/training/exams/{id}", Access::User, exam_page)
        .post("/training/exams/{id}/start", Access::User, start)
        .get("/training/attempts/{id}", Access::User, attempt_page)
        .post("/training/attempts/{id}/save", Access::User, save_form)
        .post("/training/attempts/{id}/submit", Access::User, submit)
        .get("/training/exams/{id}/marking", Access::User, marking_page)
        .post("/training/exams/{id}/marking", Access::User, mark)
        .get("/training/exams/{id}/stats", Access::User, stats_page)
        .get("/api/v1/exams/{id}", Access::User, api_exam)
        .post("/api/v1/exams", Access::Staff, api_create_exam)
        .post("/api/v1/exams/{id}/attempts", Access::User, api_start)
        .put("/api/v1/attempts/{id}/answers/{question}", Access::User, api_save)
        .post("/api/v1/attempts/{id}/submit", Access::User, api_submit)
        .get("/api/v1/attempts/{id}", Access::User, api_attempt)
        .merge(super::exam_staff::routes())
}

/// The exams of a session as its page lists them.
pub async fn session_exams(app: &App, session: i64) -> AppResult<Vec<serde_json::Value>> {
    let now = crate::util::now();
    Ok(exam_paper::of_session(app, session).await?.iter().map(|e| e.view(now)).collect())
}

fn attempt_view(a: &Attempt, now: i64) -> serde_json::Value {
    let mut v = serde_json::to_value(a).unwrap_or_default();
    v["remaining"] = a.remaining(now).into();
    v
}

async fn exam_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let user = ctx.require_user()?.id;
    let exam = exam_paper::get(&app, id).await?;
    let session = super::store::get(&app, exam.session_id).await?;
    super::policy::may_read(&ctx, &session)?;
    let teaches = ctx.can(&app, &ExamAct::Teach, id).await?;
    // Anyone signed in sees what the exam is; only those admitted get the start button.
    let admitted = exam_paper::admitted(&app, &exam, user).await?;
    let mut attempts = take::of_user(&app, id, user).await?;
    let now = crate::util::now();
    for a in attempts.iter_mut() {
        if a.overdue(now) {
            *a = take::current(&app, &ctx, a.id).await?;
        }
    }
    let open = attempts.iter().find(|a| a.status == "open").map(|a| a.id);
    let refusal = if open.is_some() || !admitted { None } else { take::refusal(&exam, &attempts, now).map(|k| ctx.t(k)) };
    let attempts: Vec<_> = attempts.iter().map(|a| attempt_view(a, now)).collect();
    ctx.render(&app, "training/exam.html", context! {
        e => exam.view(now), s => super::routes::view(&session), attempts => attempts, open => open, refusal => refusal, admitted => admitted, teaches => teaches,
    })
}

async fn start(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (a, _) = take::start(&app, &ctx, id).await?;
    Ok(axum::response::Redirect::to(&format!("/training/attempts/{}", a.id)).into_response())
}

async fn attempt_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.must(&app, &AttemptAct::Read, id).await?;
    let a = take::current(&app, &ctx, id).await?;
    let exam = exam_paper::get(&app, a.exam_id).await?;
    let now = crate::util::now();
    let mine = ctx.user_id() == Some(a.user_id);
    let teaches = ctx.can(&app, &ExamAct::Teach, exam.id).await?;
    let review = a.status != "open" && (exam.review_open(now) || teaches);
    let items: Vec<serde_json::Value> = take::items(&app, id, review)
        .await?
        .iter()
        .map(|q| {
            let mut v = serde_json::to_value(q).unwrap_or_default();
            v["picked"] = q.answer.split(',').filter(|p| !p.is_empty()).collect::<Vec<_>>().into();
            v
        })
        .collect();
    let left = a.remaining(now);
    let certificate = match a.certificate_id {
        Some(c) => Some(super::cert_store::get(&app, c).await?),
        None => None,
    };
    let server_ms = (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64;
    ctx.render(&app, "training/attempt.html", context! {
        a => attempt_view(&a, now), e => exam.view(now), items => items, mine => mine, review => review, certificate => certificate,
        server_ms => server_ms, deadline_text => crate::util::fmt_datetime(a.deadline), remaining_text => format!("{}:{:02}", left / 60, left % 60),
    })
}

/// The paper's form: `q<id>` fields (repeated for a multiple choice), and `was<id>` with the
/// answer the page showed: only answers that differ from it are saved, so a page left open in
/// another tab does not undo what this one saved.
async fn save_form(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(fields): Form<Vec<(String, String)>>) -> AppResult<Response> {
    ctx.must(&app, &AttemptAct::Take, id).await?;
    match save_fields(&app, &ctx, id, &fields).await {
        Ok(()) => Ok(redirect_with_flash(&app, &format!("/training/attempts/{id}"), "exam_saved")),
        // Past the deadline: the attempt is submitted with what was saved, and its page says so.
        Err(AppError::Conflict(_)) => {
            take::current(&app, &ctx, id).await?;
            Ok(redirect_with_flash(&app, &format!("/training/attempts/{id}"), "exam_too_late"))
        }
        Err(e) => Err(e),
    }
}

async fn save_fields(app: &App, ctx: &Ctx, id: i64, fields: &[(String, String)]) -> AppResult<()> {
    for (k, was) in fields {
        let Some(q) = k.strip_prefix("was").and_then(|n| n.parse::<i64>().ok()) else { continue };
        let name = format!("q{q}");
        let given: Vec<&str> = fields.iter().filter(|(k, _)| *k == name).map(|(_, v)| v.as_str()).collect();
        let given = given.join(",");
        if given != *was {
            take::save(app, ctx, id, q, &given, None).await?;
        }
    }
    Ok(())
}

async fn submit(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(fields): Form<Vec<(String, String)>>) -> AppResult<Response> {
    ctx.must(&app, &AttemptAct::Take, id).await?;
    let a = take::current(&app, &ctx, id).await?;
    if a.status == "open" {
        // What the form holds is saved first (the candidate may press 交卷 without saving).
        save_fields(&app, &ctx, id, &fields).await?;
        take::submit(&app, &ctx, id, false).await?;
    }
    Ok(redirect_with_flash(&app, &format!("/training/attempts/{id}"), "exam_submitted"))
}

async fn marking_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.must(&app, &ExamAct::Teach, id).await?;
    let exam = exam_paper::get(&app, id).await?;
    let queue = take::marking_queue(&app, id).await?;
    ctx.render(&app, "training/exam_marking.html", context! { e => exam.view(crate::util::now()), queue => queue })
}

#[derive(Deserialize)]
struct MarkForm {
    attempt: i64,
    question: i64,
    #[serde(default)]
    points: String,
}

async fn mark(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<MarkForm>) -> AppResult<Response> {
    ctx.must(&app, &ExamAct::Teach, id).await?;
    let exam: i64 = sqlx::query_scalar("SELECT exam_id FROM exam_attempts WHERE id = $1").bind(f.attempt).fetch_optional(&app.db.pool).await?.ok_or(AppError::NotFound)?;
    if exam != id {
        return Err(AppError::NotFound);
    }
    let points: i64 = f.points.trim().parse().map_err(|_| AppError::invalid("points", ctx.t("exam.err_points")))?;
    take::give_points(&app, &ctx, f.attempt, f.question, points).await?;
    Ok(redirect_with_flash(&app, &format!("/training/exams/{id}/marking"), "exam_marked"))
}

async fn stats_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.must(&app, &ExamAct::Teach, id).await?;
    let exam = exam_paper::get(&app, id).await?;
    let stats = super::exam_stats::of_exam(&app, id, &exam.title, &ctx.t("exam.correct_rate")).await?;
    let attempts: Vec<(i64, String, i64, String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT t.id, u.username, t.number, t.status, t.score, t.passed FROM exam_attempts t JOIN users u ON u.id = t.user_id WHERE t.exam_id = $1 ORDER BY u.username, t.number",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await?;
    let chart = minijinja::Value::from_safe_string(stats.chart.clone());
    let charts: Vec<minijinja::Value> = stats.questions.iter().map(|q| minijinja::Value::from_safe_string(q.chart.clone())).collect();
    ctx.render(&app, "training/exam_stats.html", context! { e => exam.view(crate::util::now()), stats => stats, chart => chart, charts => charts, attempts => attempts })
}

// ---------------------------------------------------------------------------------------
// API

/// An exam as a candidate sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ExamOut {
    pub id: i64,
    pub session_id: i64,
    pub title: String,
    pub time_limit_seconds: i64,
    pub pass_mark: i64,
    pub max_score: i64,
    pub max_attempts: i64,
    /// RFC 3339.
    pub opens_at: String,
    pub closes_at: String,
    /// Whether the caller may sit it (enrolled, or checked in when the exam asks for it).
    pub admitted: bool,
    /// Why the caller cannot start an attempt now, or `null`.
    pub refusal: Option<String>,
    /// The caller's attempts, first first.
    pub attempts: Vec<AttemptBrief>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AttemptBrief {
    pub id: i64,
    pub number: i64,
    /// `open`, `submitted` (short answers wait for a teacher) or `marked`.
    pub status: String,
    pub score: Option<i64>,
    pub passed: Option<bool>,
}

fn brief(a: &Attempt) -> AttemptBrief {
    AttemptBrief { id: a.id, number: a.number, status: a.status.clone(), score: a.score, passed: a.passed.map(|p| p == 1) }
}

/// An exam: its rules as a candidate needs them, whether the caller may sit it, and their attempts.
#[utoipa::path(get, path = "/api/v1/exams/{id}", tag = "training", params(("id" = i64, Path)),
    responses((status = 200, body = ExamOut), (status = 404, description = "no such exam, or its session is a draft")))]
pub async fn api_exam(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ExamOut>> {
    let user = ctx.require_user()?.id;
    let exam = exam_paper::get(&app, id).await?;
    super::policy::may_read(&ctx, &super::store::get(&app, exam.session_id).await?)?;
    let admitted = exam_paper::admitted(&app, &exam, user).await?;
    let now = crate::util::now();
    let mut attempts = take::of_user(&app, id, user).await?;
    for a in attempts.iter_mut() {
        if a.overdue(now) {
            *a = take::current(&app, &ctx, a.id).await?;
        }
    }
    let refusal = if !admitted || attempts.iter().any(|a| a.status == "open") { None } else { take::refusal(&exam, &attempts, now).map(|k| ctx.t(k)) };
    Ok(Json(exam_out(&exam, admitted, refusal, &attempts)))
}

fn exam_out(exam: &Exam, admitted: bool, refusal: Option<String>, attempts: &[Attempt]) -> ExamOut {
    ExamOut {
        id: exam.id,
        session_id: exam.session_id,
        title: exam.title.clone(),
        time_limit_seconds: exam.time_limit,
        pass_mark: exam.pass_mark,
        max_score: exam.max_score(),
        max_attempts: exam.max_attempts,
        opens_at: rfc3339(exam.opens_at),
        closes_at: rfc3339(exam.closes_at),
        admitted,
        refusal,
        attempts: attempts.iter().map(brief).collect(),
    }
}

/// Creates an exam (staff): the fields of the exam form. 201 with the exam.
#[utoipa::path(post, path = "/api/v1/exams", tag = "training", request_body = ExamInput, responses((status = 201, body = ExamOut), (status = 422)))]
pub async fn api_create_exam(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<ExamInput>) -> AppResult<Response> {
    let id = exam_paper::create(&app, &ctx, &input).await?;
    let exam = exam_paper::get(&app, id).await?;
    Ok((StatusCode::CREATED, Json(exam_out(&exam, false, None, &[]))).into_response())
}

/// An attempt: the time left by the server's clock, the questions in the candidate's order with
/// the saved answers, and the result once there is one.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AttemptOut {
    pub id: i64,
    pub exam_id: i64,
    pub number: i64,
    pub status: String,
    /// RFC 3339.
    pub started_at: String,
    pub deadline: String,
    /// Seconds left by the server's clock; 0 once submitted.
    pub remaining_seconds: i64,
    /// Whether it was submitted at the deadline rather than by the candidate.
    pub auto_submitted: bool,
    pub questions: Vec<ItemOut>,
    pub result: Option<ResultOut>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ResultOut {
    /// `null` while short answers wait for a teacher.
    pub score: Option<i64>,
    pub max_score: i64,
    pub pass_mark: i64,
    pub passed: Option<bool>,
    /// The certificate a pass earned.
    pub certificate: Option<String>,
}

async fn attempt_out(app: &App, ctx: &Ctx, id: i64) -> AppResult<AttemptOut> {
    let a = take::current(app, ctx, id).await?;
    let exam = exam_paper::get(app, a.exam_id).await?;
    let now = crate::util::now();
    let review = a.status != "open" && (exam.review_open(now) || ctx.can(app, &ExamAct::Teach, exam.id).await?);
    let certificate = match a.certificate_id {
        Some(c) => Some(super::cert_store::get(app, c).await?.number),
        None => None,
    };
    let result = (a.status != "open").then(|| ResultOut { score: a.score, max_score: a.max_score, pass_mark: exam.pass_mark, passed: a.passed.map(|p| p == 1), certificate });
    Ok(AttemptOut {
        id: a.id,
        exam_id: a.exam_id,
        number: a.number,
        status: a.status.clone(),
        started_at: rfc3339(a.started_at),
        deadline: rfc3339(a.deadline),
        remaining_seconds: a.remaining(now),
        auto_submitted: a.auto_submitted == 1,
        questions: take::items(app, id, review).await?,
        result,
    })
}

/// Starts an attempt, or answers the caller's open one (a second tab, a reload): 201 for a new
/// attempt, 200 for the open one. 403 for someone the exam does not admit; 409 outside the
/// window, past the attempts allowed or after a pass.
#[utoipa::path(post, path = "/api/v1/exams/{id}/attempts", tag = "training", params(("id" = i64, Path)),
    responses((status = 201, body = AttemptOut), (status = 200, body = AttemptOut), (status = 403), (status = 404), (status = 409)))]
pub async fn api_start(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let (a, created) = take::start(&app, &ctx, id).await?;
    let out = attempt_out(&app, &ctx, a.id).await?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(out)).into_response())
}

/// One answer.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SaveIn {
    /// Option keys comma-separated (`"2"`, `"0,3"`; empty for none), `true`/`false`, or the text of a short answer.
    #[serde(default)]
    pub answer: String,
    /// The client's sequence number: a save with a lower one than stored changes nothing.
    /// The server's clock in milliseconds when absent.
    pub seq: Option<i64>,
}

/// Saves one answer (an upsert; idempotent). 409 once the deadline has passed or the attempt
/// is submitted.
#[utoipa::path(put, path = "/api/v1/attempts/{id}/answers/{question}", tag = "training", params(("id" = i64, Path), ("question" = i64, Path)), request_body = SaveIn,
    responses((status = 200, body = SaveOut), (status = 403), (status = 404), (status = 409, description = "past the deadline or submitted"), (status = 422)))]
pub async fn api_save(State(app): State<App>, ctx: Ctx, Path((id, question)): Path<(i64, i64)>, JsonIn(input): JsonIn<SaveIn>) -> AppResult<Json<SaveOut>> {
    ctx.must(&app, &AttemptAct::Take, id).await?;
    let out = take::save(&app, &ctx, id, question, &input.answer, input.seq).await;
    if matches!(out, Err(AppError::Conflict(_))) {
        // Past the deadline: the attempt is submitted now rather than at the next page.
        take::current(&app, &ctx, id).await?;
    }
    Ok(Json(out?))
}

/// Submits the attempt (a second submit changes nothing) and answers it with the result.
#[utoipa::path(post, path = "/api/v1/attempts/{id}/submit", tag = "training", params(("id" = i64, Path)), responses((status = 200, body = AttemptOut), (status = 403), (status = 404)))]
pub async fn api_submit(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<AttemptOut>> {
    ctx.must(&app, &AttemptAct::Take, id).await?;
    take::submit(&app, &ctx, id, false).await?;
    Ok(Json(attempt_out(&app, &ctx, id).await?))
}

/// An attempt (the candidate's; staff and the session's teachers read it too).
#[utoipa::path(get, path = "/api/v1/attempts/{id}", tag = "training", params(("id" = i64, Path)), responses((status = 200, body = AttemptOut), (status = 403), (status = 404)))]
pub async fn api_attempt(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<AttemptOut>> {
    ctx.must(&app, &AttemptAct::Read, id).await?;
    Ok(Json(attempt_out(&app, &ctx, id).await?))
}
