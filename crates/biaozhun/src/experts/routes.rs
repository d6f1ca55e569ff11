//! The public and the expert's side of the experts room: the public list (names, titles and
//! fields; staff see everything), the talent programme's counts, the expert's own profile
//! (`/experts/me`) with availability, tier applications and invitations, the answer to an
//! invitation from its link, and the JSON API. Staff pages are in `staff.rs`.

use super::draw;
use super::model::{ProfileInput, TIERS, Tier};
use super::store::{self, Expert, Filter};
use crate::App;
use crate::auth::Role;
use crate::web::ctx::redirect_with_flash;
use crate::web::pager::Pager;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_create, api_tiers, api_draw, api_get_draw, api_replay),
    components(schemas(ExpertOut, ExpertList, ProfileInput, Tier, store::TierCount, super::model::DrawRequest, draw::Draw, DrawOut, draw::DrawInvitation))
)]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/experts", Access::Public, list)
        .get("/experts/talent", Access::Public, talent)
        .get("/experts/me", Access::Expert, me)
        .post("/experts/me", Access::Expert, save_me)
        .post("/experts/me/submit", Access::Expert, submit_me)
        .post("/experts/me/away", Access::Expert, add_away)
        .post("/experts/me/away/{id}/remove", Access::Expert, remove_away)
        .post("/experts/me/tier", Access::Expert, apply_tier)
        .get("/experts/invitations/{id}", Access::Public, invitation_page)
        .post("/experts/invitations/{id}", Access::Public, answer)
        .get("/api/v1/experts", Access::Public, api_list)
        .post("/api/v1/experts", Access::Staff, api_create)
        .get("/api/v1/experts/tiers", Access::Public, api_tiers)
        .post("/api/v1/experts/draws", Access::Staff, api_draw)
        .get("/api/v1/experts/draws/{id}", Access::Staff, api_get_draw)
        .post("/api/v1/experts/draws/{id}/replay", Access::Staff, api_replay)
        .merge(super::staff::routes())
}

/// Whether the visitor sees the whole record (contact data, organisation, state).
pub fn sees_all(ctx: &Ctx) -> bool {
    ctx.user.as_deref().is_some_and(|u| u.has(Role::Staff))
}

const PER_PAGE: i64 = 50;

fn urlq(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub field: Option<String>,
    pub tier: Option<String>,
    pub status: Option<String>,
    pub page: Option<String>,
}

impl ListQuery {
    fn page(&self) -> i64 {
        self.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1).clamp(1, crate::web::pager::MAX_PAGE)
    }
    fn filter(&self, staff: bool, page: i64) -> Filter {
        let status = if staff { self.status.clone().filter(|s| !s.is_empty()) } else { None };
        Filter {
            field: self.field.clone(),
            tier: self.tier.as_deref().and_then(Tier::parse),
            status,
            offset: (page - 1) * PER_PAGE,
            limit: PER_PAGE,
        }
    }
}

async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let staff = sees_all(&ctx);
    let page = q.page();
    let (rows, total) = store::list(&app, &q.filter(staff, page)).await?;
    let items: Vec<ExpertOut> = rows.iter().map(|e| ExpertOut::of(e, staff)).collect();
    let pager = Pager::new(total, page, PER_PAGE);
    let href = format!(
        "/experts?field={}&tier={}&",
        urlq(q.field.as_deref().unwrap_or("")),
        urlq(q.tier.as_deref().unwrap_or(""))
    );
    ctx.render(&app, "experts/list.html", context! {
        items => items, total => total, pager => pager, href => href, staff => staff,
        field => q.field.unwrap_or_default(), tier => q.tier.unwrap_or_default(), tiers => TIERS.map(|t| t.as_str()),
    })
}

async fn talent(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let counts = store::tier_counts(&app).await?;
    let bars: Vec<(String, i64, bool)> = counts
        .iter()
        .flat_map(|c| {
            let name = ctx.t(&format!("experts.tier_{}", c.tier.as_str()));
            [(name.clone(), c.count, true), (ctx.tf("experts.target_of", &[("tier", &name)]), c.target, false)]
        })
        .collect();
    let chart = crate::web::chart::bar(&ctx.t("experts.talent_chart"), &bars);
    ctx.render(&app, "experts/talent.html", context! { counts => counts, chart => minijinja::Value::from_safe_string(chart) })
}

// ---------------------------------------------------------------------------------------
// The expert's own profile

async fn me_view(app: &App, ctx: &Ctx, status: StatusCode, form: Option<&ProfileInput>, error: Option<AppError>) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let expert = match store::of_user(app, user.id).await? {
        Some(e) => Some(e),
        // Kept for them already (entered or imported under their address): shown to take over.
        None => store::unclaimed_for(app, &user.email).await?,
    };
    let (error_field, error) = crate::web::form::field_error(error);
    let form = match (form, &expert) {
        (Some(f), _) => f.clone(),
        (None, Some(e)) => form_of(e),
        (None, None) => ProfileInput { name: if user.display_name.is_empty() { user.username.clone() } else { user.display_name.clone() }, email: user.email.clone(), ..Default::default() },
    };
    let (history, away, tiers, invitations) = match &expert {
        Some(e) => (
            crate::workflow::history(&app.db, &super::PROFILE_FLOW, e.id).await?,
            store::away_of(app, e.id).await?,
            store::tier_applications(app, Some(e.id)).await?,
            draw::invitations_of_expert(app, e.id).await?,
        ),
        None => (vec![], vec![], vec![], vec![]),
    };
    let claimable = expert.as_ref().is_some_and(|e| e.user_id.is_none());
    let may_submit = !claimable && expert.as_ref().is_some_and(|e| e.status == "draft" || e.status == "returned");
    ctx.render_status(app, status, "experts/me.html", context! {
        expert => expert, form => form, error => error, error_field => error_field, history => history, away => away,
        tiers => tiers, invitations => invitations, may_submit => may_submit, claimable => claimable, tier_names => TIERS.map(|t| t.as_str()),
        roles => super::model::INTL_ROLES, now => crate::util::now(),
    })
}

pub fn form_of(e: &Expert) -> ProfileInput {
    ProfileInput {
        name: e.name.clone(),
        title: e.title.clone(),
        org_name: e.org_name.clone(),
        org_uscc: e.org_uscc.clone(),
        fields: e.fields.clone(),
        industry: e.industry.clone(),
        qualifications: e.qualifications.clone(),
        languages: e.languages.clone(),
        intl_roles: e.intl_roles.clone(),
        committees: e.committees.clone(),
        email: e.email.clone(),
        phone: e.phone.clone(),
        id_number: e.id_number.clone(),
        version: Some(e.version.to_string()),
    }
}

async fn me(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    me_view(&app, &ctx, StatusCode::OK, None, None).await
}

async fn save_me(State(app): State<App>, ctx: Ctx, Form(input): Form<ProfileInput>) -> AppResult<Response> {
    match store::save_own(&app, &ctx, &input).await {
        Ok(_) => Ok(redirect_with_flash(&app, "/experts/me", "experts_saved")),
        Err(e) if crate::web::form::reshown(&e) => me_view(&app, &ctx, e.status(), Some(&input), Some(e)).await,
        Err(e) => Err(e),
    }
}

/// The caller's own profile, or 404.
async fn own(app: &App, ctx: &Ctx) -> AppResult<Expert> {
    store::of_user(app, ctx.require_user()?.id).await?.ok_or(AppError::NotFound)
}

async fn submit_me(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let e = own(&app, &ctx).await?;
    store::step(&app, &ctx, e.id, e.version, "submit", "").await?;
    Ok(redirect_with_flash(&app, "/experts/me", "experts_submitted"))
}

#[derive(Deserialize, Default)]
struct AwayForm {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    note: String,
}

async fn add_away(State(app): State<App>, ctx: Ctx, Form(f): Form<AwayForm>) -> AppResult<Response> {
    let e = own(&app, &ctx).await?;
    store::add_away(&app, &ctx, e.id, &f.from, &f.to, &f.note).await?;
    Ok(redirect_with_flash(&app, "/experts/me", "experts_saved"))
}

async fn remove_away(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let e = own(&app, &ctx).await?;
    store::remove_away(&app, e.id, id).await?;
    Ok(redirect_with_flash(&app, "/experts/me", "experts_saved"))
}

#[derive(Deserialize, Default)]
struct TierForm {
    #[serde(default)]
    tier: String,
    #[serde(default)]
    statement: String,
}

async fn apply_tier(State(app): State<App>, ctx: Ctx, Form(f): Form<TierForm>) -> AppResult<Response> {
    let e = own(&app, &ctx).await?;
    store::apply_tier(&app, &ctx, &e, &f.tier, &f.statement).await?;
    Ok(redirect_with_flash(&app, "/experts/me", "experts_tier_applied"))
}

// ---------------------------------------------------------------------------------------
// Answering an invitation

#[derive(Deserialize, Default)]
struct TokenQuery {
    token: Option<String>,
}

async fn invitation_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<TokenQuery>) -> AppResult<Response> {
    let inv = draw::invitation(&app, id).await?;
    draw::answerer(&inv, &ctx, q.token.as_deref())?;
    let open = inv.status == "invited" && inv.deadline.is_none_or(|d| d >= crate::util::now());
    ctx.render(&app, "experts/invitation.html", context! { inv => inv, token => q.token.unwrap_or_default(), open => open })
}

#[derive(Deserialize, Default)]
struct AnswerForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    answer: String,
    #[serde(default)]
    note: String,
    /// Where to go back to (`me` for the expert's page).
    #[serde(default)]
    back: String,
}

async fn answer(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<AnswerForm>) -> AppResult<Response> {
    let accept = match f.answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            draw::invitation(&app, id).await?;
            return Err(AppError::invalid("answer", ctx.t("experts.err_answer")));
        }
    };
    let token = Some(f.token.as_str()).filter(|t| !t.is_empty());
    draw::answer(&app, &ctx, id, token, accept, &f.note).await?;
    let flash = if accept { "experts_accepted" } else { "experts_declined" };
    let to = if f.back == "me" { "/experts/me".to_string() } else { format!("/experts/invitations/{id}?token={}", urlq(&f.token)) };
    Ok(redirect_with_flash(&app, &to, flash))
}

// ---------------------------------------------------------------------------------------
// API

/// An expert as the API lists them: name, title and fields for everyone; the rest for staff.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExpertOut {
    pub id: i64,
    pub name: String,
    pub title: String,
    /// ICS codes.
    pub fields: Vec<String>,
    /// Staff only from here on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub industry: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_uscc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qualifications: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub languages: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intl_roles: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub committees: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
}

impl ExpertOut {
    pub fn of(e: &Expert, staff: bool) -> ExpertOut {
        let s = |v: &String| if staff { Some(v.clone()) } else { None };
        ExpertOut {
            id: e.id,
            name: e.name.clone(),
            title: e.title.clone(),
            fields: e.fields.split(';').map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect(),
            industry: s(&e.industry),
            org_name: s(&e.org_name),
            org_uscc: s(&e.org_uscc),
            qualifications: s(&e.qualifications),
            languages: s(&e.languages),
            intl_roles: s(&e.intl_roles),
            committees: s(&e.committees),
            email: s(&e.email),
            phone: s(&e.phone),
            id_number: s(&e.id_number),
            status: s(&e.status),
            tier: s(&e.tier),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ExpertList {
    pub items: Vec<ExpertOut>,
    pub total: i64,
    pub page: i64,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ApiListParams {
    /// An ICS code (experts of its sub-fields too) or an industry.
    pub field: Option<String>,
    /// high_end, expert or backbone.
    pub tier: Option<String>,
    /// Staff only: a state (draft, submitted, returned, approved, suspended) or `all`; default approved.
    pub status: Option<String>,
    /// From 1; 50 a page.
    pub page: Option<i64>,
}

/// Experts of the pool (approved) by field and tier: name, title and fields for everyone,
/// the whole record for staff.
#[utoipa::path(get, path = "/api/v1/experts", tag = "experts", params(ApiListParams), responses((status = 200, body = ExpertList), (status = 422)))]
pub async fn api_list(State(app): State<App>, ctx: Ctx, Query(q): Query<ApiListParams>) -> AppResult<Json<ExpertList>> {
    if let Some(t) = q.tier.as_deref().filter(|t| !t.is_empty()) {
        Tier::parse(t).ok_or_else(|| AppError::invalid("tier", ctx.t("experts.err_tier")))?;
    }
    if let Some(s) = q.status.as_deref().filter(|s| !s.is_empty() && *s != "all") {
        if !super::PROFILE_FLOW.states().contains(&s) {
            return Err(AppError::invalid("status", ctx.t("experts.err_status")));
        }
    }
    let staff = sees_all(&ctx);
    let page = crate::web::pager::page(q.page);
    let lq = ListQuery { field: q.field, tier: q.tier, status: q.status, page: None };
    let (rows, total) = store::list(&app, &lq.filter(staff, page)).await?;
    Ok(Json(ExpertList { items: rows.iter().map(|e| ExpertOut::of(e, staff)).collect(), total, page }))
}

/// Enters an expert into the pool (staff); an address or identity number already in the
/// pool is refused (422).
#[utoipa::path(post, path = "/api/v1/experts", tag = "experts", request_body = ProfileInput, responses((status = 201, body = ExpertOut), (status = 422)))]
pub async fn api_create(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<ProfileInput>) -> AppResult<Response> {
    let id = store::enter(&app, &ctx, &input).await?;
    let e = store::get(&app, id).await?;
    Ok((StatusCode::CREATED, Json(ExpertOut::of(&e, true))).into_response())
}

/// Recognised experts per talent tier against the outline's targets (100 / 1,000 / 10,000).
#[utoipa::path(get, path = "/api/v1/experts/tiers", tag = "experts", responses((status = 200, body = Vec<store::TierCount>)))]
pub async fn api_tiers(State(app): State<App>) -> AppResult<Json<Vec<store::TierCount>>> {
    Ok(Json(store::tier_counts(&app).await?))
}

/// Draws a panel (staff): the eligible pool is recorded with the seed, the panel is invited
/// by mail, the backups wait in order. One transaction: the draw is whole or absent.
#[utoipa::path(post, path = "/api/v1/experts/draws", tag = "experts", request_body = super::model::DrawRequest,
    responses((status = 201, body = draw::Draw), (status = 422, description = "a field of the request, or fewer eligible experts than the panel needs")))]
pub async fn api_draw(State(app): State<App>, ctx: Ctx, JsonIn(req): JsonIn<super::model::DrawRequest>) -> AppResult<Response> {
    let d = draw::draw(&app, &req, &ctx).await?;
    Ok((StatusCode::CREATED, Json(d)).into_response())
}

/// A recorded draw with its invitations as they stand.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DrawOut {
    pub id: i64,
    pub title: String,
    pub seed: u64,
    pub algorithm: String,
    pub snapshot_sha256: String,
    /// Experts in the recorded pool.
    pub pool: usize,
    pub panel: Vec<i64>,
    pub backups: Vec<i64>,
    pub request: super::model::DrawRequest,
    pub invitations: Vec<draw::DrawInvitation>,
}

/// A draw (staff).
#[utoipa::path(get, path = "/api/v1/experts/draws/{id}", tag = "experts", params(("id" = i64, Path)), responses((status = 200, body = DrawOut), (status = 404)))]
pub async fn api_get_draw(State(app): State<App>, Path(id): Path<i64>) -> AppResult<Json<DrawOut>> {
    let r = draw::recorded(&app, id).await?;
    let snap = r.snapshot()?;
    Ok(Json(DrawOut {
        id,
        title: r.title.clone(),
        seed: r.seed(),
        algorithm: r.algorithm.clone(),
        snapshot_sha256: r.snapshot_sha256.clone(),
        pool: snap.pool.len(),
        panel: r.panel_ids(),
        backups: r.backup_ids(),
        request: r.request(),
        invitations: draw::invitations_of_draw(&app, id).await?,
    }))
}

/// Replays a draw from its recorded snapshot and seed alone (staff): the same panel and
/// backups, whatever the pool has become; 409 when the snapshot no longer matches its hash.
#[utoipa::path(post, path = "/api/v1/experts/draws/{id}/replay", tag = "experts", params(("id" = i64, Path)),
    responses((status = 200, body = draw::Draw), (status = 404), (status = 409, description = "the recorded snapshot was altered")))]
pub async fn api_replay(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<draw::Draw>> {
    Ok(Json(draw::replay(&app, &ctx, id).await?))
}
