//! The pages of local technical specifications: the public list, a specification's page
//! (stage, history, drafts with their differences, comments and the comment form), the
//! disposition table (意见汇总处理表) as XLSX, and a committee secretary's dashboard.

use super::model::CommentKind;
use super::routes::{CommentIn, spec_out};
use super::store;
use crate::App;
use crate::committees::policy::CommitteeAct;
use crate::web::ctx::redirect_with_flash;
use crate::web::pager::Pager;
use crate::web::{Access, AppError, AppResult, Ctx, Form, Routes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .get("/specs", Access::Public, list)
        .get("/specs/new", Access::Member, new_form)
        .post("/specs/new", Access::Member, create)
        .get("/specs/{id}", Access::Public, page)
        .post("/specs/{id}/step", Access::User, step)
        .post("/specs/{id}/drafts", Access::User, draft)
        .post("/specs/{id}/comments/{cid}/answer", Access::User, answer)
        .post("/specs/{id}/comments", Access::User, comment)
        .get("/specs/{id}/disposition.xlsx", Access::Public, disposition)
        .get("/committees/{id}/work", Access::User, dashboard)
}

#[derive(Deserialize, Default)]
struct ListQuery {
    page: Option<i64>,
}

async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let staff = ctx.user.as_deref().is_some_and(|u| u.has(crate::auth::Role::Staff));
    let page = crate::web::pager::page(q.page);
    let (items, total) = store::list(&app, None, None, !staff, (page - 1) * 20, 20).await?;
    let pg = Pager::new(total, page, 20);
    ctx.render(&app, "specs/list.html", context! { items => items, pg => pg })
}

async fn page_with(app: &App, ctx: &Ctx, id: i64, status: StatusCode, error: Option<String>, field: Option<String>) -> AppResult<Response> {
    let s = spec_out(app, ctx, id).await?;
    let comments = store::comments(app, id).await?;
    let diff = match s.drafts.last() {
        Some(d) => Some(super::routes::diff_of(app, ctx, id, d.no).await?),
        None => None,
    };
    let novelty: serde_json::Value = serde_json::from_str(&s.spec.novelty).unwrap_or_default();
    let drafter = super::policy::must_draft(app, ctx, &s.spec).await.is_ok();
    let may_draft = drafter && matches!(s.spec.stage.as_str(), "drafting" | "reviewed");
    let may_answer = drafter && matches!(s.spec.stage.as_str(), "consultation" | "review_submitted");
    ctx.render_status(app, status, "specs/spec.html", context! {
        s => s, comments => comments, diff => diff, novelty => novelty, error => error, field => field, may_draft => may_draft, may_answer => may_answer,
    })
}

async fn page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    page_with(&app, &ctx, id, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
struct CommentForm {
    #[serde(default)]
    clause: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    proposed: String,
}

async fn comment(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<CommentForm>) -> AppResult<Response> {
    let kind = match f.kind.as_str() {
        "general" => CommentKind::General,
        "technical" => CommentKind::Technical,
        "editorial" => CommentKind::Editorial,
        _ => return page_with(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(ctx.t("specs.err_kind")), Some("kind".into())).await,
    };
    let input = CommentIn { clause: f.clause, kind, comment: f.comment, proposed: f.proposed };
    match super::routes::add_comment(&app, &ctx, id, &input).await {
        Ok(_) => Ok(redirect_with_flash(&app, &format!("/specs/{id}#comments"), "spec_commented")),
        Err(AppError::Invalid { field, message }) => page_with(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(message), field).await,
        Err(e) => Err(e),
    }
}

/// The comment-and-disposition table (意见汇总处理表) as XLSX.
async fn disposition(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let s = spec_out(&app, &ctx, id).await?;
    let comments = store::comments(&app, id).await?;
    let bytes = disposition_xlsx(ctx.lang, &s.spec.title, &comments)?;
    let name = format!("{}-{}.xlsx", ctx.t("specs.disposition_file"), id);
    Ok(crate::web::download::attachment(bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &name))
}

pub fn disposition_xlsx(lang: crate::web::Lang, title: &str, comments: &[store::Comment]) -> AppResult<Vec<u8>> {
    let t = |k: &str| crate::web::i18n::t(lang, k);
    let head: Vec<String> = ["no", "clause", "kind", "comment", "proposed", "author", "answer", "reason"].iter().map(|k| t(&format!("specs.col_{k}"))).collect();
    let rows: Vec<Vec<String>> = comments
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let answer = if c.answer.is_empty() { t("specs.unanswered") } else { t(&format!("specs.answer_{}", c.answer)) };
            vec![(i + 1).to_string(), c.clause.clone(), t(&format!("specs.kind_{}", c.kind)), c.body.clone(), c.proposed.clone(), c.author.clone(), answer, c.reason.clone()]
        })
        .collect();
    let facts = vec![(t("specs.spec_title"), title.to_string()), (t("specs.comments_n"), comments.len().to_string())];
    crate::web::download::xlsx_document(&t("specs.disposition"), &facts, &head, &rows, &[])
}

/// A committee secretary's dashboard: the committee, its standards and projects, and its
/// local technical specifications at every stage with what is overdue.
async fn dashboard(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.must(&app, &CommitteeAct::Run, id).await?;
    let c = crate::committees::routes::full(&app, id).await?;
    let secretaries = crate::auth::scopes::holders(&app.db.pool, crate::auth::scopes::ScopedRole::CommitteeSecretary, &crate::committees::policy::committee_scope(id)).await?;
    let secretaries: Vec<String> = secretaries.into_iter().map(|(_, n)| n).collect();
    let stages = store::stage_counts(&app, id).await?;
    let (specs, total) = store::list(&app, None, Some(id), false, 0, 50).await?;
    let now = crate::util::now();
    ctx.render(&app, "specs/dashboard.html", context! { c => c, secretaries => secretaries, stages => stages, specs => specs, total => total, now => now })
}

#[derive(Deserialize, Default)]
struct NewForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    related_numbers: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    drafting_orgs: String,
    #[serde(default)]
    replaces: String,
    #[serde(default)]
    kind: String,
}

fn new_page(app: &App, ctx: &Ctx, status: StatusCode, f: &NewForm, error: Option<(Option<String>, String)>) -> AppResult<Response> {
    let (field, message) = error.map(|(f, m)| (f, Some(m))).unwrap_or((None, None));
    ctx.render_status(app, status, "specs/new.html", context! {
        f => context! { title => f.title, related_numbers => f.related_numbers, scope => f.scope, drafting_orgs => f.drafting_orgs, replaces => f.replaces, kind => f.kind },
        field => field, error => message,
    })
}

#[derive(Deserialize, Default)]
struct NewQuery {
    #[serde(default)]
    kind: String,
}

async fn new_form(State(app): State<App>, ctx: Ctx, Query(q): Query<NewQuery>) -> AppResult<Response> {
    super::policy::must_propose(&ctx)?;
    let kind = if q.kind == "group" { "group" } else { "local" };
    new_page(&app, &ctx, StatusCode::OK, &NewForm { kind: kind.into(), ..NewForm::default() }, None)
}

async fn create(State(app): State<App>, ctx: Ctx, Form(f): Form<NewForm>) -> AppResult<Response> {
    super::policy::must_propose(&ctx)?;
    let Some(kind) = super::model::SpecKind::parse(if f.kind.is_empty() { "local" } else { &f.kind }) else {
        return new_page(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, &f, Some((Some("kind".into()), ctx.t("specs.err_spec_kind"))));
    };
    let input = super::routes::SpecIn {
        title: f.title.clone(), scope: f.scope.clone(), related_numbers: f.related_numbers.clone(), drafting_orgs: f.drafting_orgs.clone(), replaces: f.replaces.clone(), committee_id: None, kind,
    };
    let new = match super::routes::new_spec(&app, &ctx, &input).await {
        Ok(n) => n,
        Err(AppError::Invalid { field, message }) => return new_page(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, &f, Some((field, message))),
        Err(e) => return Err(e),
    };
    let id = store::create(&app, &ctx, &new).await?;
    Ok(axum::response::Redirect::to(&format!("/specs/{id}")).into_response())
}

#[derive(Deserialize)]
struct StepForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
}

async fn step(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<StepForm>) -> AppResult<Response> {
    let spec = store::get(&app, id).await?;
    super::policy::may_read(&app, &ctx, &spec).await?;
    match store::act(&app, &ctx, id, f.action.trim(), &f.note).await {
        Ok(_) => Ok(axum::response::Redirect::to(&format!("/specs/{id}")).into_response()),
        Err(AppError::Invalid { field, message }) => page_with(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(message), field).await,
        Err(AppError::Conflict(message)) => page_with(&app, &ctx, id, StatusCode::CONFLICT, Some(message), Some("action".into())).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct DraftForm {
    #[serde(default)]
    body: String,
}

async fn draft(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<DraftForm>) -> AppResult<Response> {
    let spec = store::get(&app, id).await?;
    super::policy::may_read(&app, &ctx, &spec).await?;
    super::policy::must_draft(&app, &ctx, &spec).await?;
    let body = match super::model::check_text("body", &f.body, true, 500_000, ctx.lang) {
        Ok(b) => b,
        Err(AppError::Invalid { field, message }) => return page_with(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(message), field).await,
        Err(e) => return Err(e),
    };
    store::add_draft(&app, &ctx, id, &body).await?;
    Ok(axum::response::Redirect::to(&format!("/specs/{id}")).into_response())
}

#[derive(Deserialize)]
struct AnswerForm {
    #[serde(default)]
    answer: String,
    #[serde(default)]
    reason: String,
}

/// The working group answers one comment from the specification's page.
async fn answer(State(app): State<App>, ctx: Ctx, Path((id, cid)): Path<(i64, i64)>, Form(f): Form<AnswerForm>) -> AppResult<Response> {
    let spec = store::get(&app, id).await?;
    super::policy::may_read(&app, &ctx, &spec).await?;
    super::policy::must_draft(&app, &ctx, &spec).await?;
    let answer = match f.answer.as_str() {
        "accepted" => super::model::Answer::Accepted,
        "partly" => super::model::Answer::Partly,
        "not_accepted" => super::model::Answer::NotAccepted,
        _ => return page_with(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(ctx.t("specs.err_answer")), Some("answer".into())).await,
    };
    let reason = match super::model::check_text("reason", &f.reason, false, 2000, ctx.lang) {
        Ok(r) => r,
        Err(AppError::Invalid { field, message }) => return page_with(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(message), field).await,
        Err(e) => return Err(e),
    };
    match store::answer(&app, &ctx, id, cid, answer, &reason).await {
        Ok(()) => Ok(axum::response::Redirect::to(&format!("/specs/{id}#comments")).into_response()),
        Err(AppError::Invalid { field, message }) => page_with(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(message), field).await,
        Err(e) => Err(e),
    }
}
