//! The JSON API of local technical specifications: propose, step through the lifecycle,
//! drafts and their differences, comments of the consultation and their answers, the working
//! group and the review panel. The pages are in `pages.rs`.

use super::model::{self, Answer, CommentKind};
use super::policy;
use super::store::{self, Comment, Draft, Line, NewSpec, Spec};
use crate::App;
use crate::auth::scopes::{self, ScopedRole};
use crate::web::{Access, AppError, AppResult, Ctx, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_create, api_get, api_act, api_draft, api_diff, api_comments, api_comment, api_answer, api_panel, api_working_group),
    components(schemas(Spec, Line, Draft, Comment, CommentKind, Answer, SpecOut, SpecList, SpecIn, ActIn, DraftIn, CommentIn, AnswerIn, PanelIn, MemberIn, DiffOut))
)]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/specs", Access::Public, api_list)
        .post("/api/v1/specs", Access::Member, api_create)
        .get("/api/v1/specs/{id}", Access::Public, api_get)
        .post("/api/v1/specs/{id}/actions", Access::User, api_act)
        .post("/api/v1/specs/{id}/drafts", Access::User, api_draft)
        .get("/api/v1/specs/{id}/drafts/{no}/diff", Access::Public, api_diff)
        .get("/api/v1/specs/{id}/comments", Access::Public, api_comments)
        .post("/api/v1/specs/{id}/comments", Access::User, api_comment)
        .post("/api/v1/specs/{id}/comments/{cid}/answer", Access::User, api_answer)
        .post("/api/v1/specs/{id}/panel", Access::Staff, api_panel)
        .post("/api/v1/specs/{id}/working-group", Access::Staff, api_working_group)
        .merge(super::pages::routes())
        .merge(super::group_routes::routes())
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct ListQuery {
    pub stage: Option<String>,
    pub committee: Option<i64>,
    pub page: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SpecList {
    pub items: Vec<Line>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

pub const PER_PAGE: i64 = 50;

/// The lifecycle list: staff see every stage; others the stages that are public (from the
/// consultation on).
#[utoipa::path(get, path = "/api/v1/specs", tag = "specs", params(ListQuery), responses((status = 200, body = SpecList), (status = 422)))]
pub async fn api_list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Json<SpecList>> {
    let stage = q.stage.as_deref().filter(|s| !s.is_empty());
    if let Some(s) = stage {
        if !model::STAGES.contains(&s) {
            return Err(AppError::invalid("stage", ctx.t("specs.err_stage")));
        }
    }
    let staff = ctx.user.as_deref().is_some_and(|u| u.has(crate::auth::Role::Staff));
    let page = crate::web::pager::page(q.page);
    let (items, total) = store::list(&app, stage, q.committee, !staff, (page - 1) * PER_PAGE, PER_PAGE).await?;
    let pager = crate::web::pager::Pager::new(total, page, PER_PAGE);
    Ok(Json(SpecList { items, total, page: pager.page, pages: pager.pages }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SpecIn {
    /// 1 to 200 characters.
    pub title: String,
    #[serde(default)]
    pub scope: String,
    /// Standards it relates to (numbers, one a line or comma-separated): checked for the 查新 report.
    #[serde(default)]
    pub related_numbers: String,
    #[serde(default)]
    pub drafting_orgs: String,
    /// Numbers of the standards it replaces.
    #[serde(default)]
    pub replaces: String,
    pub committee_id: Option<i64>,
    /// `local` (地方技术规范, the default) or `group` (团体标准).
    #[serde(default)]
    pub kind: model::SpecKind,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SpecOut {
    #[serde(flatten)]
    pub spec: Spec,
    /// Events with actor, time, action and the stage after.
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<crate::workflow::EventView>,
    pub drafts: Vec<Draft>,
    /// The actions the caller may take now.
    pub actions: Vec<String>,
    /// Names of the review panel.
    pub panel: Vec<String>,
}

pub async fn spec_out(app: &App, ctx: &Ctx, id: i64) -> AppResult<SpecOut> {
    let spec = store::get(app, id).await?;
    policy::may_read(app, ctx, &spec).await?;
    let history = crate::workflow::history(&app.db, &super::FLOW, id).await?;
    let drafts = store::drafts(app, id).await?;
    let actions = match ctx.user.as_deref() {
        Some(u) => {
            let mut actor = crate::workflow::Actor::user(u.id, &u.roles, ctx.lang);
            if policy::in_working_group(app, u.id, id).await? {
                actor = actor.with_scope(model::WORKING_GROUP);
            }
            super::FLOW
                .choices(&spec.stage, &actor, Some(spec.created_by))
                .iter()
                .filter(|m| model::kind_allows(&spec.kind, &spec.stage, m.action))
                .map(|m| m.action.to_string())
                .collect()
        }
        None => Vec::new(),
    };
    let panel = super::review::panel(app, id).await?.into_iter().map(|p| p.1).collect();
    Ok(SpecOut { spec, history, drafts, actions, panel })
}

/// Proposes a specification (staff, or a member: a person or an organisation in good
/// standing); the 查新 report of the validity check is attached by itself.
#[utoipa::path(post, path = "/api/v1/specs", tag = "specs", request_body = SpecIn, responses((status = 201, body = SpecOut), (status = 403), (status = 422)))]
pub async fn api_create(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<SpecIn>) -> AppResult<Response> {
    policy::must_propose(&ctx)?;
    let new = new_spec(&app, &ctx, &input).await?;
    let id = store::create(&app, &ctx, &new).await?;
    Ok((StatusCode::CREATED, Json(spec_out(&app, &ctx, id).await?)).into_response())
}

pub async fn new_spec(app: &App, ctx: &Ctx, input: &SpecIn) -> AppResult<NewSpec> {
    let title = model::check_text("title", &input.title, true, 200, ctx.lang)?;
    let scope = model::check_text("scope", &input.scope, false, 4000, ctx.lang)?;
    let related_numbers = model::check_text("related_numbers", &input.related_numbers, false, 4000, ctx.lang)?;
    let drafting_orgs = model::check_text("drafting_orgs", &input.drafting_orgs, false, 1000, ctx.lang)?;
    let replaces = model::check_text("replaces", &input.replaces, false, 1000, ctx.lang)?;
    if let Some(c) = input.committee_id {
        crate::committees::store::get(app, c).await.map_err(|_| AppError::invalid("committee_id", ctx.t("specs.err_committee")))?;
    }
    let org_id = match ctx.user_id() {
        Some(u) => crate::orgs::store::acting_org(app, u).await?.map(|o| o.id),
        None => None,
    };
    Ok(NewSpec { title, scope, related_numbers, drafting_orgs, committee_id: input.committee_id, replaces, org_id, kind: input.kind })
}

/// A specification with its stage, history, drafts and the caller's possible actions
/// (before the consultation: staff, the proposer, the working group and the committee's
/// secretary only; 404 to others).
#[utoipa::path(get, path = "/api/v1/specs/{id}", tag = "specs", params(("id" = i64, Path)), responses((status = 200, body = SpecOut), (status = 404)))]
pub async fn api_get(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<SpecOut>> {
    Ok(Json(spec_out(&app, &ctx, id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ActIn {
    pub action: String,
    #[serde(default)]
    pub note: String,
}

/// Takes one step: 409 when the action is not allowed in the current stage (or what the
/// stage needs is missing), 403 when not for this user; nothing changes then.
#[utoipa::path(post, path = "/api/v1/specs/{id}/actions", tag = "specs", params(("id" = i64, Path)), request_body = ActIn,
    responses((status = 200, body = SpecOut), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn api_act(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<ActIn>) -> AppResult<Json<SpecOut>> {
    let spec = store::get(&app, id).await?;
    policy::may_read(&app, &ctx, &spec).await?;
    store::act(&app, &ctx, id, input.action.trim(), &input.note).await?;
    Ok(Json(spec_out(&app, &ctx, id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DraftIn {
    /// The draft's text, at most 500,000 characters.
    pub body: String,
}

/// Adds the next draft version (the working group or staff, while drafting).
#[utoipa::path(post, path = "/api/v1/specs/{id}/drafts", tag = "specs", params(("id" = i64, Path)), request_body = DraftIn,
    responses((status = 201, body = Object), (status = 403), (status = 409), (status = 422)))]
pub async fn api_draft(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<DraftIn>) -> AppResult<Response> {
    let spec = store::get(&app, id).await?;
    policy::may_read(&app, &ctx, &spec).await?;
    policy::must_draft(&app, &ctx, &spec).await?;
    let body = model::check_text("body", &input.body, true, 500_000, ctx.lang)?;
    let no = store::add_draft(&app, &ctx, id, &body).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "no": no }))).into_response())
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DiffOut {
    pub no: i64,
    /// The version compared against (0: none before).
    pub against: i64,
    /// Runs of same, insert and delete text.
    #[schema(value_type = Vec<Object>)]
    pub runs: Vec<super::diff::Run>,
}

pub async fn diff_of(app: &App, ctx: &Ctx, id: i64, no: i64) -> AppResult<DiffOut> {
    let spec = store::get(app, id).await?;
    policy::may_read(app, ctx, &spec).await?;
    let drafts = store::drafts(app, id).await?;
    let i = drafts.iter().position(|d| d.no == no).ok_or(AppError::NotFound)?;
    let (old, against) = if i == 0 { ("", 0) } else { (drafts[i - 1].body.as_str(), drafts[i - 1].no) };
    Ok(DiffOut { no, against, runs: super::diff::diff(old, &drafts[i].body) })
}

/// The difference of a draft against the one before (character runs for Chinese text).
#[utoipa::path(get, path = "/api/v1/specs/{id}/drafts/{no}/diff", tag = "specs", params(("id" = i64, Path), ("no" = i64, Path)),
    responses((status = 200, body = DiffOut), (status = 404)))]
pub async fn api_diff(State(app): State<App>, ctx: Ctx, Path((id, no)): Path<(i64, i64)>) -> AppResult<Json<DiffOut>> {
    Ok(Json(diff_of(&app, &ctx, id, no).await?))
}

/// The comments of the consultation with the working group's answers.
#[utoipa::path(get, path = "/api/v1/specs/{id}/comments", tag = "specs", params(("id" = i64, Path)), responses((status = 200, body = Vec<Comment>), (status = 404)))]
pub async fn api_comments(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Vec<Comment>>> {
    let spec = store::get(&app, id).await?;
    policy::may_read(&app, &ctx, &spec).await?;
    Ok(Json(store::comments(&app, id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CommentIn {
    /// The clause commented on (`4.2`, `附录A`), 1 to 50 characters.
    pub clause: String,
    pub kind: CommentKind,
    /// 1 to 4,000 characters.
    pub comment: String,
    #[serde(default)]
    pub proposed: String,
}

pub async fn add_comment(app: &App, ctx: &Ctx, id: i64, input: &CommentIn) -> AppResult<i64> {
    let spec = store::get(app, id).await?;
    policy::may_read(app, ctx, &spec).await?;
    let clause = model::check_text("clause", &input.clause, true, 50, ctx.lang)?;
    let body = model::check_text("comment", &input.comment, true, 4000, ctx.lang)?;
    let proposed = model::check_text("proposed", &input.proposed, false, 4000, ctx.lang)?;
    store::comment(app, ctx, id, &clause, input.kind, &body, &proposed).await
}

/// Comments on the draft under consultation (anyone signed in; 409 outside the consultation).
#[utoipa::path(post, path = "/api/v1/specs/{id}/comments", tag = "specs", params(("id" = i64, Path)), request_body = CommentIn,
    responses((status = 201, body = Object), (status = 409), (status = 422)))]
pub async fn api_comment(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<CommentIn>) -> AppResult<Response> {
    let cid = add_comment(&app, &ctx, id, &input).await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": cid }))).into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AnswerIn {
    pub answer: Answer,
    /// Required unless accepted.
    #[serde(default)]
    pub reason: String,
}

/// The working group answers a comment (accepted, partly, not accepted, with a reason).
#[utoipa::path(post, path = "/api/v1/specs/{id}/comments/{cid}/answer", tag = "specs", params(("id" = i64, Path), ("cid" = i64, Path)), request_body = AnswerIn,
    responses((status = 204), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn api_answer(State(app): State<App>, ctx: Ctx, Path((id, cid)): Path<(i64, i64)>, JsonIn(input): JsonIn<AnswerIn>) -> AppResult<StatusCode> {
    let spec = store::get(&app, id).await?;
    policy::may_read(&app, &ctx, &spec).await?;
    policy::must_draft(&app, &ctx, &spec).await?;
    let reason = model::check_text("reason", &input.reason, false, 2000, ctx.lang)?;
    store::answer(&app, &ctx, id, cid, input.answer, &reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PanelIn {
    /// User ids of experts (the Expert role), 1 to 30; or
    #[serde(default)]
    pub experts: Vec<i64>,
    /// a draw from the expert pool (`POST /api/v1/experts/draws`'s request; only experts
    /// with an account here are drawn), whose panel is seated.
    #[serde(default)]
    pub draw: Option<crate::experts::model::DrawRequest>,
}

/// Seats the technical review meeting's panel (staff): the experts named, or a panel drawn
/// from the pool in the same transaction (`draw_id` in the answer).
#[utoipa::path(post, path = "/api/v1/specs/{id}/panel", tag = "specs", params(("id" = i64, Path)), request_body = PanelIn,
    responses((status = 200, description = "{\"draw_id\": N} for a drawn panel, null otherwise"), (status = 409), (status = 422)))]
pub async fn api_panel(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<PanelIn>) -> AppResult<axum::Json<serde_json::Value>> {
    let draw_id = match input.draw {
        Some(req) => Some(super::review::draw_panel(&app, &ctx, id, req).await?),
        None => {
            super::review::assign_panel(&app, &ctx, id, &input.experts).await?;
            None
        }
    };
    Ok(axum::Json(serde_json::json!({ "draw_id": draw_id })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MemberIn {
    pub user_id: i64,
}

/// Adds a user to the specification's working group (staff).
#[utoipa::path(post, path = "/api/v1/specs/{id}/working-group", tag = "specs", params(("id" = i64, Path)), request_body = MemberIn,
    responses((status = 204), (status = 404)))]
pub async fn api_working_group(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<MemberIn>) -> AppResult<StatusCode> {
    store::get(&app, id).await?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE id = $1").bind(input.user_id).fetch_optional(&app.db.pool).await?;
    exists.ok_or_else(|| AppError::invalid("user_id", ctx.t("specs.err_user")))?;
    let mut tx = app.db.begin().await?;
    scopes::grant(&mut tx, input.user_id, ScopedRole::WorkingGroup, &policy::spec_scope(id), ctx.user_id()).await?;
    crate::auth::audit::log_tx(&mut tx, &ctx, crate::auth::audit::Entry { action: "spec.working_group", target: format!("spec:{id}"), detail: format!("user:{}", input.user_id) }).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
