//! Pages and API of the orgs room: a user's organisations, the acting switcher and the
//! invitations to them (`/orgs`); one organisation's users and invitations (`/orgs/{id}`).
//! Every route needs a signed-in user; what they may do to an organisation follows from
//! their role in it (404 to outsiders, 403 to staff for administrators' acts).

use super::invitations::{self, Invitation};
use super::model::{OrgRef, OrgRole};
use super::store;
use crate::App;
use crate::web::ctx::{redirect_with_flash, safe_next};
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

#[derive(utoipa::OpenApi)]
#[openapi(paths(api_mine, api_set_acting, api_accept, api_decline, super::details::api_update), components(schemas(super::details::DetailsIn, store::Organisation)))]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/orgs", Access::User, mine_page)
        .post("/orgs/acting", Access::User, switch)
        .post("/orgs/invitations/{id}/accept", Access::User, accept)
        .post("/orgs/invitations/{id}/decline", Access::User, decline)
        .get("/orgs/{id}", Access::User, org_page)
        .post("/orgs/{id}/invitations", Access::User, invite)
        .post("/orgs/{id}/invitations/{inv}/revoke", Access::User, revoke)
        .post("/orgs/{id}/users/{uid}/role", Access::User, set_role)
        .post("/orgs/{id}/users/{uid}/remove", Access::User, remove)
        .post("/orgs/{id}/leave", Access::User, leave)
        .post("/orgs/{id}/details", Access::User, super::details::form)
        .put("/api/v1/orgs/{id}/details", Access::User, super::details::api_update)
        .get("/api/v1/orgs", Access::User, api_mine)
        .put("/api/v1/orgs/acting", Access::User, api_set_acting)
        .post("/api/v1/orgs/invitations/{id}/accept", Access::User, api_accept)
        .post("/api/v1/orgs/invitations/{id}/decline", Access::User, api_decline)
}

/// What pages of other rooms show of the user's organisations: whom they act for (with the
/// switcher's choices) and the invitations waiting for their answer. Rendered with the
/// macros of `templates/orgs/macros.html`.
pub async fn panel(app: &App, user_id: i64) -> AppResult<Value> {
    let acting = store::acting(app, user_id).await?;
    let invitations = invitations::for_user(app, user_id).await?;
    Ok(context! { acting => acting, invitations => invitations })
}

async fn mine_page(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    ctx.render(&app, "orgs/index.html", context! { orgs => panel(&app, user.id).await? })
}

#[derive(Deserialize)]
struct SwitchForm {
    /// An organisation id, or empty for oneself.
    #[serde(default)]
    org: String,
    #[serde(default)]
    next: Option<String>,
}

fn parse_org(ctx: &Ctx, s: &str) -> AppResult<Option<i64>> {
    match s.trim() {
        "" | "personal" => Ok(None),
        s => s.parse().map(Some).map_err(|_| AppError::invalid("org", ctx.t("orgs.err_not_yours"))),
    }
}

async fn switch(State(app): State<App>, ctx: Ctx, Form(f): Form<SwitchForm>) -> AppResult<Response> {
    let org = parse_org(&ctx, &f.org)?;
    store::set_acting(&app, &ctx, org).await?;
    let next = match f.next.as_deref() {
        Some(n) if !n.is_empty() => safe_next(Some(n)),
        _ => "/orgs".to_string(),
    };
    Ok(redirect_with_flash(&app, &next, "org_acting_saved"))
}

#[derive(Deserialize)]
struct AcceptForm {
    /// Act for the organisation from now on.
    #[serde(default, deserialize_with = "crate::web::form::checkbox")]
    act: bool,
}

/// Which page an answer to an invitation was given on (`?from=account`), to return there.
#[derive(Deserialize)]
struct BackQuery {
    #[serde(default)]
    from: Option<String>,
}

impl BackQuery {
    fn page(&self) -> &'static str {
        match self.from.as_deref() {
            Some("account") => "/account",
            _ => "/orgs",
        }
    }
}

async fn accept(
    State(app): State<App>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<BackQuery>,
    Form(f): Form<AcceptForm>,
) -> AppResult<Response> {
    invitations::accept(&app, &ctx, id, f.act).await?;
    Ok(redirect_with_flash(&app, q.page(), "org_invitation_accepted"))
}

async fn decline(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<BackQuery>) -> AppResult<Response> {
    invitations::decline(&app, &ctx, id).await?;
    Ok(redirect_with_flash(&app, q.page(), "org_invitation_declined"))
}

// ---------------------------------------------------------------------------------------
// One organisation

/// Re-shown form input and the error of a refused act.
#[derive(Default, Serialize)]
struct Refused {
    error: Option<String>,
    error_field: Option<String>,
    email: String,
    /// The details form as typed (district, industry, address), when it was refused.
    details: Option<serde_json::Value>,
}

async fn render_org(app: &App, ctx: &Ctx, org_id: i64, status: StatusCode, refused: Refused) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let role = store::require_role(&app.db.pool, org_id, user.id).await?;
    let org = store::get(&app.db.pool, org_id).await?;
    let users = store::users_of(app, org_id).await?;
    let admin = role == OrgRole::Admin;
    let invitations = if admin { invitations::of_org(app, org_id).await? } else { Vec::new() };
    let admins = users.iter().filter(|u| u.org_role == "admin").count();
    let extra = context! {
        org => org, users => users, role => role.as_str(), is_admin => admin, invitations => invitations,
        last_admin => admin && admins == 1, error => refused.error, error_field => refused.error_field, email => refused.email,
        details => refused.details.unwrap_or_else(|| serde_json::json!({"district_code": org.district_code, "industry": org.industry, "address": org.address})),
        district => super::codes::district(&org.district_code).map(|d| d.name.clone()).unwrap_or_default(),
        industry => super::codes::industry_label(&org.industry, ctx.lang),
        districts => &*super::codes::DISTRICTS, industries => super::codes::industry_groups(ctx.lang),
    };
    ctx.render_status(app, status, "orgs/org.html", extra)
}

async fn org_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    render_org(&app, &ctx, id, StatusCode::OK, Refused::default()).await
}

/// After an act on an organisation: back to its page with a message, or the page again
/// with the error where the form is (422 on a field, 409 on a stale state).
async fn answer(app: &App, ctx: &Ctx, org_id: i64, result: AppResult<()>, flash: &str, email: &str) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(redirect_with_flash(app, &format!("/orgs/{org_id}"), flash)),
        Err(AppError::Invalid { field, message }) => {
            let refused = Refused { error: Some(message), error_field: field, email: email.to_string(), details: None };
            render_org(app, ctx, org_id, StatusCode::UNPROCESSABLE_ENTITY, refused).await
        }
        Err(AppError::Conflict(message)) => {
            let refused = Refused { error: Some(message), ..Default::default() };
            render_org(app, ctx, org_id, StatusCode::CONFLICT, refused).await
        }
        Err(e) => Err(e),
    }
}

/// After the details form: the organisation's page, or the page again with the form as typed.
pub(super) async fn answer_details(app: &App, ctx: &Ctx, org_id: i64, result: AppResult<()>, f: &super::details::DetailsIn) -> AppResult<Response> {
    match result {
        Err(AppError::Invalid { field, message }) => {
            let details = Some(serde_json::json!({"district_code": f.district_code, "industry": f.industry, "address": f.address}));
            let refused = Refused { error: Some(message), error_field: field, details, ..Default::default() };
            render_org(app, ctx, org_id, StatusCode::UNPROCESSABLE_ENTITY, refused).await
        }
        result => answer(app, ctx, org_id, result, "org_details_saved", "").await,
    }
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    /// `staff` (default) or `admin`.
    #[serde(default)]
    role: String,
}

fn role_field(ctx: &Ctx, s: &str, default: Option<OrgRole>) -> AppResult<OrgRole> {
    match (s.trim(), default) {
        ("", Some(d)) => Ok(d),
        (s, _) => OrgRole::parse(s).ok_or_else(|| AppError::invalid("role", ctx.t("orgs.err_role"))),
    }
}

async fn invite(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<InviteForm>) -> AppResult<Response> {
    let result = match role_field(&ctx, &f.role, Some(OrgRole::Staff)) {
        Ok(role) => invitations::invite(&app, &ctx, id, &f.email, role).await.map(|_| ()),
        Err(e) => Err(e),
    };
    answer(&app, &ctx, id, result, "org_invitation_sent", &f.email).await
}

async fn revoke(State(app): State<App>, ctx: Ctx, Path((id, inv)): Path<(i64, i64)>) -> AppResult<Response> {
    let result = invitations::revoke(&app, &ctx, id, inv).await;
    answer(&app, &ctx, id, result, "org_invitation_revoked", "").await
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn set_role(State(app): State<App>, ctx: Ctx, Path((id, uid)): Path<(i64, i64)>, Form(f): Form<RoleForm>) -> AppResult<Response> {
    let result = match role_field(&ctx, &f.role, None) {
        Ok(role) => store::set_role(&app, &ctx, id, uid, role).await,
        Err(e) => Err(e),
    };
    answer(&app, &ctx, id, result, "org_role_saved", "").await
}

async fn remove(State(app): State<App>, ctx: Ctx, Path((id, uid)): Path<(i64, i64)>) -> AppResult<Response> {
    let result = store::remove(&app, &ctx, id, uid).await;
    answer(&app, &ctx, id, result, "org_user_removed", "").await
}

#[derive(Deserialize)]
struct LeaveForm {
    /// The user who becomes an administrator when the last one leaves.
    #[serde(default)]
    successor: String,
}

async fn leave(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<LeaveForm>) -> AppResult<Response> {
    let successor = match f.successor.trim() {
        "" => None,
        s => Some(s.parse::<i64>().map_err(|_| AppError::invalid("successor", ctx.t("orgs.err_successor")))?),
    };
    match store::leave(&app, &ctx, id, successor).await {
        Ok(()) => Ok(redirect_with_flash(&app, "/orgs", "org_left")),
        result => answer(&app, &ctx, id, result, "org_left", "").await,
    }
}

// ---------------------------------------------------------------------------------------
// API

/// Whom the caller acts for.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ActingOut {
    /// `u:<id>` (the caller) or `o:<id>` (an organisation): the owner of what they see and add.
    pub owner: String,
    /// The organisation acted for, if any.
    pub org_id: Option<i64>,
}

/// The caller's organisations, whom they act for, and the invitations waiting for them.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MyOrgs {
    pub acting: ActingOut,
    pub organisations: Vec<OrgRef>,
    pub invitations: Vec<Invitation>,
}

async fn my_orgs(app: &App, user_id: i64) -> AppResult<MyOrgs> {
    let a = store::acting(app, user_id).await?;
    let acting = ActingOut { owner: a.owner().key(), org_id: a.org.as_ref().map(|o| o.id) };
    Ok(MyOrgs { acting, organisations: a.orgs, invitations: invitations::for_user(app, user_id).await? })
}

/// The caller's organisations, whom they act for, and open invitations to their address.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", responses((status = 200, body = MyOrgs)))]
pub async fn api_mine(State(app): State<App>, ctx: Ctx) -> AppResult<Json<MyOrgs>> {
    Ok(Json(my_orgs(&app, ctx.require_user()?.id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActingIn {
    /// One of the caller's organisations, or null to act for oneself.
    #[serde(default)]
    pub org_id: Option<i64>,
}

/// Choose whom the caller acts for (their watchlists, TBT profile and subscriptions follow).
#[utoipa::path(put, path = "/api/v1/orgs/acting", tag = "orgs", request_body = ActingIn, responses((status = 200, body = MyOrgs), (status = 422)))]
pub async fn api_set_acting(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<ActingIn>) -> AppResult<Json<MyOrgs>> {
    let user = ctx.require_user()?;
    store::set_acting(&app, &ctx, input.org_id).await?;
    Ok(Json(my_orgs(&app, user.id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AcceptIn {
    /// Act for the organisation from now on (default: whom the caller acts for stays).
    #[serde(default)]
    pub act: bool,
}

/// Accept an invitation to the caller's address.
#[utoipa::path(post, path = "/api/v1/orgs/invitations/{id}/accept", tag = "orgs", params(("id" = i64, Path)), request_body = AcceptIn,
    responses((status = 200, body = MyOrgs), (status = 404), (status = 409)))]
pub async fn api_accept(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<AcceptIn>) -> AppResult<Json<MyOrgs>> {
    let user = ctx.require_user()?;
    invitations::accept(&app, &ctx, id, input.act).await?;
    Ok(Json(my_orgs(&app, user.id).await?))
}

/// Decline an invitation to the caller's address.
#[utoipa::path(post, path = "/api/v1/orgs/invitations/{id}/decline", tag = "orgs", params(("id" = i64, Path)),
    responses((status = 200, body = MyOrgs), (status = 404), (status = 409)))]
pub async fn api_decline(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<MyOrgs>> {
    let user = ctx.require_user()?;
    invitations::decline(&app, &ctx, id).await?;
    Ok(Json(my_orgs(&app, user.id).await?))
}
