//! Review of consolidated comments by assigned experts: staff assign an expert of the pool as
//! reviewer of one comment (a scoped role); the reviewer finds it under `/review/tbt`, reads
//! the draft with its concerns and history, and may return it to the drafters with a note
//! while it is in internal review (`policy::Comment::Review`, the flow's `Who::Scope("reviewer")`).

use super::policy::{self, Comment};
use super::routes::{lang, sym_url};
use super::{comments, store};
use crate::App;
use crate::auth::Role;
use crate::auth::scopes::{self, ScopedRole};
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, Routes};
use crate::workflow::{Actor, Step};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .get("/review/tbt", Access::Expert, my_reviews)
        .get("/review/tbt/comments/{id}", Access::Expert, review_page)
        .post("/review/tbt/comments/{id}", Access::Expert, review_step)
        .post("/staff/tbt/comments/{id}/reviewers", Access::Staff, assign)
        .post("/staff/tbt/comments/{id}/reviewers/remove", Access::Staff, unassign)
}

/// The reviewer's actor: their roles, and the reviewer scope on this comment when they hold it.
async fn actor(app: &App, ctx: &Ctx, id: i64) -> AppResult<Actor> {
    let user = ctx.require_user()?;
    let a = Actor::of(ctx)?;
    let assigned = user.has(Role::Expert) && scopes::holds(&app.db.pool, user.id, ScopedRole::Reviewer, &policy::comment_scope(id)).await?;
    Ok(if assigned { a.with_scope("reviewer") } else { a })
}

/// The comments assigned to the signed-in expert.
async fn my_reviews(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let keys = scopes::keys_of(&app.db.pool, user.id, ScopedRole::Reviewer, "tbt_comment").await?;
    let mut items = Vec::new();
    for id in keys.iter().filter_map(|k| k.parse::<i64>().ok()) {
        if let Ok(c) = comments::get_comment(&app, id).await {
            items.push(c);
        }
    }
    ctx.render(&app, "tbt/reviews.html", context! { items => items })
}

async fn review_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    render(&app, &ctx, id, StatusCode::OK, None).await
}

async fn render(app: &App, ctx: &Ctx, id: i64, status: StatusCode, error: Option<String>) -> AppResult<Response> {
    ctx.must(app, &Comment::Read, id).await?;
    let c = comments::get_comment(app, id).await?;
    let n = store::get(app, c.notification_id, lang(ctx)).await?;
    let concerns: Vec<_> = comments::concerns(app, c.notification_id, None, true).await?.into_iter().filter(|x| x.comment_id == Some(id)).collect();
    let history = comments::history(app, id).await?;
    let actor = actor(app, ctx, id).await?;
    let actions: Vec<_> = comments::FLOW
        .choices(&c.state, &actor, Some(c.created_by))
        .iter()
        .map(|m| context! { action => m.action, label => comments::FLOW.action_key(m.action) })
        .collect();
    let extra = context! { c => &c, n => &n, concerns => concerns, history => history, actions => actions, url => sym_url(&n.symbol), error => error };
    ctx.render_status(app, status, "tbt/review.html", extra)
}

#[derive(Deserialize)]
struct StepForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: i64,
}

async fn review_step(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<StepForm>) -> AppResult<Response> {
    ctx.must(&app, &Comment::Review, id).await?;
    let actor = actor(&app, &ctx, id).await?;
    match comments::move_comment(&app, &actor, id, f.version, Step::action(&f.action).note(&f.note)).await {
        Ok(()) => Ok(redirect_with_flash(&app, &format!("/review/tbt/comments/{id}"), "tbt_comment_moved")),
        Err(e @ (AppError::Conflict(_) | AppError::Invalid { .. })) => render(&app, &ctx, id, e.status(), Some(e.to_string())).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct ReviewerForm {
    #[serde(default)]
    username: String,
}

/// The expert named by a form, or a 422 naming the field.
async fn expert_named(app: &App, ctx: &Ctx, name: &str) -> AppResult<i64> {
    let account = crate::auth::store::find_by_account(app, name.trim()).await?;
    let Some(account) = account.filter(|_| !name.trim().is_empty()) else {
        return Err(AppError::invalid("username", ctx.t("tbt_review.err_unknown")));
    };
    let roles = crate::auth::store::roles_of(app, account.id).await?;
    if !roles.iter().any(|r| matches!(r, Role::Expert | Role::Admin)) {
        return Err(AppError::invalid("username", ctx.t("tbt_review.err_not_expert")));
    }
    Ok(account.id)
}

async fn assign(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<ReviewerForm>) -> AppResult<Response> {
    ctx.must(&app, &Comment::Manage, id).await?;
    let user = expert_named(&app, &ctx, &f.username).await?;
    let by = ctx.require_user()?.id;
    let mut tx = app.db.begin().await?;
    scopes::grant(&mut tx, user, ScopedRole::Reviewer, &policy::comment_scope(id), Some(by)).await?;
    crate::auth::audit::log_tx(&mut tx, &ctx, crate::auth::audit::Entry {
        action: "tbt.reviewer_assign",
        target: format!("tbt_comment:{id}"),
        detail: format!("user:{user}"),
    })
    .await?;
    // The reviewer hears of it (in the site and by mail), with the notification's symbol.
    let symbol: String = sqlx::query_scalar("SELECT n.symbol FROM tbt_comments c JOIN tbt_notifications n ON n.id = c.notification_id WHERE c.id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    let link = format!("/review/tbt/comments/{id}");
    let notice = crate::jobs::notify::Notice { kind: "tbt_review", key: "tbt_review.notice", args: &[("symbol", symbol.as_str())], link: &link, mail: true };
    crate::jobs::notify::send(&mut tx, &app, user, notice).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&app, &format!("/staff/tbt/comments/{id}"), "tbt_reviewer_assigned"))
}

async fn unassign(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<ReviewerForm>) -> AppResult<Response> {
    ctx.must(&app, &Comment::Manage, id).await?;
    let account = crate::auth::store::find_by_account(&app, f.username.trim()).await?.ok_or_else(|| AppError::invalid("username", ctx.t("tbt_review.err_unknown")))?;
    let mut tx = app.db.begin().await?;
    if scopes::revoke(&mut tx, account.id, ScopedRole::Reviewer, &policy::comment_scope(id)).await? {
        crate::auth::audit::log_tx(&mut tx, &ctx, crate::auth::audit::Entry {
            action: "tbt.reviewer_remove",
            target: format!("tbt_comment:{id}"),
            detail: format!("user:{}", account.id),
        })
        .await?;
    }
    tx.commit().await?;
    Ok(redirect_with_flash(&app, &format!("/staff/tbt/comments/{id}"), "tbt_reviewer_removed"))
}

/// The reviewers of a comment, for the staff page.
pub async fn reviewers(app: &App, id: i64) -> AppResult<Vec<String>> {
    Ok(scopes::holders(&app.db.pool, ScopedRole::Reviewer, &policy::comment_scope(id)).await?.into_iter().map(|(_, name)| name).collect())
}
