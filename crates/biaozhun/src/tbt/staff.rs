//! Staff pages: the import upload, the queue of notifications nearing their domestic
//! deadline, domestic deadlines, and the consolidated comments with their workflow.

use super::routes::{lang, sym_url};
use super::{comments, store};
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, Routes, download};
use crate::workflow::{Actor, Step};
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/tbt", Access::Staff, queue)
        .get("/staff/tbt/import", Access::Staff, import_page)
        .post("/staff/tbt/import", Access::Staff, import_upload)
        .post("/staff/tbt/trade-concerns/import", Access::Staff, stc_upload)
        .post("/staff/tbt/notifications/{id}/domestic", Access::Staff, set_domestic)
        .post("/staff/tbt/notifications/{id}/comments", Access::Staff, create_comment)
        .get("/staff/tbt/comments/{id}", Access::Staff, comment_page)
        .post("/staff/tbt/comments/{id}", Access::Staff, save_comment)
        .post("/staff/tbt/comments/{id}/state", Access::Staff, move_comment)
        .get("/staff/tbt/comments/{id}/export.md", Access::Staff, export_md).limit(crate::web::ratelimit::Class::Export)
        .get("/staff/tbt/comments/{id}/print", Access::Staff, print)
}

async fn queue(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let items = store::queue(&app, 30, lang(&ctx)).await?;
    let items: Vec<serde_json::Value> = items.iter().map(|i| serde_json::json!({"i": i, "url": sym_url(&i.symbol)})).collect();
    let list = comments::comments_by_state(&app).await?;
    ctx.render(&app, "tbt/staff.html", context! { items => items, comments => list })
}

async fn import_page(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    ctx.render(
        &app,
        "tbt/import.html",
        context! { max_upload_mb => app.config.max_upload_bytes / (1024 * 1024) },
    )
}

async fn import_upload(State(app): State<App>, ctx: Ctx, mut mp: Multipart) -> AppResult<Response> {
    crate::imports::stage_upload(&app, &ctx, &mut mp, "tbt_import", &ctx.t("tbt.err_file")).await
}

/// A file of specific trade concerns (job `tbt_stc_import`).
async fn stc_upload(State(app): State<App>, ctx: Ctx, mut mp: Multipart) -> AppResult<Response> {
    crate::imports::stage_upload(&app, &ctx, &mut mp, "tbt_stc_import", &ctx.t("tbt.err_file")).await
}

#[derive(Deserialize)]
struct DomesticForm {
    #[serde(default)]
    domestic_deadline: String,
}

async fn set_domestic(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<DomesticForm>) -> AppResult<Response> {
    store::set_domestic(&app, id, Some(&f.domestic_deadline)).await?;
    let n = store::get(&app, id, lang(&ctx)).await?;
    Ok(redirect_with_flash(&app, &sym_url(&n.symbol), "tbt_domestic_saved"))
}

async fn create_comment(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = comments::create_comment(&app, &Actor::of(&ctx)?, id).await?;
    Ok(redirect_with_flash(&app, &format!("/staff/tbt/comments/{c}"), "tbt_comment_saved"))
}

async fn comment_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    render_comment(&app, &ctx, id, axum::http::StatusCode::OK, None).await
}

async fn render_comment(app: &App, ctx: &Ctx, id: i64, status: axum::http::StatusCode, error: Option<String>) -> AppResult<Response> {
    let c = comments::get_comment(app, id).await?;
    let n = store::get(app, c.notification_id, lang(ctx)).await?;
    let concerns: Vec<_> = comments::concerns(app, c.notification_id, None, true)
        .await?
        .into_iter()
        .filter(|x| x.comment_id == Some(id))
        .collect();
    let hist = comments::history(app, id).await?;
    let reviewers = super::review::reviewers(app, id).await?;
    // The steps this staff member may take now, as buttons.
    let actions: Vec<_> = comments::FLOW
        .choices(&c.state, &Actor::of(ctx)?, Some(c.created_by))
        .iter()
        .map(|m| context! { action => m.action, label => comments::FLOW.action_key(m.action) })
        .collect();
    ctx.render_status(
        app,
        status,
        "tbt/comment.html",
        context! { c => &c, n => &n, concerns => concerns, history => hist, actions => actions, url => sym_url(&n.symbol), error => error, reviewers => reviewers },
    )
}

#[derive(Deserialize)]
struct SaveForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    version: i64,
}

async fn save_comment(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<SaveForm>) -> AppResult<Response> {
    match comments::save_comment(&app, id, &f.title, &f.body, f.version).await {
        Ok(_) => Ok(redirect_with_flash(&app, &format!("/staff/tbt/comments/{id}"), "tbt_comment_saved")),
        Err(AppError::Conflict(_)) => render_comment(&app, &ctx, id, axum::http::StatusCode::CONFLICT, Some(ctx.t("tbt.err_stale"))).await,
        Err(e) => Err(e),
    }
}

/// A step: the page's buttons send `action`; `to` (the next state) is accepted too.
#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: i64,
}

async fn move_comment(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<MoveForm>) -> AppResult<Response> {
    let step = if f.action.is_empty() && !f.to.is_empty() { Step::towards(&f.to) } else { Step::action(&f.action) };
    match comments::move_comment(&app, &Actor::of(&ctx)?, id, f.version, step.note(&f.note)).await {
        Ok(()) => Ok(redirect_with_flash(&app, &format!("/staff/tbt/comments/{id}"), "tbt_comment_moved")),
        Err(e @ (AppError::Conflict(_) | AppError::Invalid { .. })) => render_comment(&app, &ctx, id, e.status(), Some(e.to_string())).await,
        Err(e) => Err(e),
    }
}

async fn export_md(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = comments::get_comment(&app, id).await?;
    let n = store::get(&app, c.notification_id, lang(&ctx)).await?;
    let concerns: Vec<_> = comments::concerns(&app, c.notification_id, None, true)
        .await?
        .into_iter()
        .filter(|x| x.comment_id == Some(id))
        .collect();
    let hist = comments::history(&app, id).await?;
    let md = comments::markdown(&c, &n, &concerns, &hist);
    let name = format!("{}-comment.md", n.symbol.replace('/', "_"));
    Ok(download::attachment(md.into_bytes(), "text/markdown; charset=utf-8", &name))
}

async fn print(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = comments::get_comment(&app, id).await?;
    let n = store::get(&app, c.notification_id, lang(&ctx)).await?;
    let concerns: Vec<_> = comments::concerns(&app, c.notification_id, None, true)
        .await?
        .into_iter()
        .filter(|x| x.comment_id == Some(id))
        .collect();
    ctx.render(&app, "tbt/print.html", context! { c => &c, n => &n, concerns => concerns })
}
