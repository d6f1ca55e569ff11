//! Membership pages and API.

use super::model::{self, ApplicationInput, DISTRICTS};
use super::store::{self, Approval};
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::{Value, context};
use serde::Deserialize;

#[derive(utoipa::OpenApi)]
#[openapi(paths(api_districts, api_mine, api_apply, api_queue, api_decide))]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/membership", Access::Public, membership_page)
        .post("/membership/apply", Access::User, apply)
        .post("/membership/renew", Access::User, renew)
        .get("/staff/memberships", Access::Staff, staff_queue)
        .get("/staff/memberships/{id}", Access::Staff, staff_application)
        .post("/staff/memberships/{id}/approve", Access::Staff, staff_approve)
        .post("/staff/memberships/{id}/reject", Access::Staff, staff_reject)
        .get("/api/v1/districts", Access::Public, api_districts)
        .get("/api/v1/membership", Access::User, api_mine)
        .post("/api/v1/membership/applications", Access::User, api_apply)
        .get("/api/v1/membership/applications", Access::Staff, api_queue)
        .post("/api/v1/membership/applications/{id}/decision", Access::Staff, api_decide)
}

/// The form's lists: districts, and GB/T 4754-2017 sections each with its divisions (the
/// orgs room's code list; the select groups the divisions under their section).
fn choices(ctx: &Ctx) -> Value {
    context! { districts => &*DISTRICTS, industries => crate::orgs::codes::industry_groups(ctx.lang) }
}

#[derive(Deserialize)]
struct KindQuery {
    /// Which application to show: `organisation` or `individual` (else the introduction).
    kind: Option<String>,
}

fn kind_of(k: Option<&str>) -> Option<&'static str> {
    match k {
        Some("organisation") => Some("organisation"),
        Some("individual") => Some("individual"),
        _ => None,
    }
}

/// The membership page: what membership gives and costs and who may apply, with the two
/// applications as separate paths; for a signed-in user also their membership and the
/// application under review. Visitors see all but the form, which asks them to log in.
async fn render_membership(app: &App, ctx: &Ctx, status: StatusCode, kind: Option<&'static str>, form: Option<&ApplicationInput>, error: Option<(Option<String>, String)>) -> AppResult<Response> {
    let (summary, history) = match ctx.user.as_deref() {
        Some(user) => {
            let summary = store::summary_for(app, user.id).await?;
            // The history of the application on show (the pending one, else the last decided).
            let history = match summary.pending.as_ref().or(summary.last_decision.as_ref()) {
                Some(a) => super::review::history(app, a.id).await?,
                None => Vec::new(),
            };
            (Value::from_serialize(&summary), history)
        }
        None => (context! {}, Vec::new()),
    };
    let (error_field, error) = error.map(|(f, m)| (f, Some(m))).unwrap_or((None, None));
    let fees = context! { organisation => &app.config.membership.fee_organisation, individual => &app.config.membership.fee_individual };
    let extra = context! {
        summary => summary, history => history, form => form, error => error, error_field => error_field, choices => choices(ctx),
        kind => kind, fees => fees, term_years => store::TERM_YEARS,
    };
    ctx.render_status(app, status, "membership/index.html", extra)
}

async fn membership_page(State(app): State<App>, ctx: Ctx, Query(q): Query<KindQuery>) -> AppResult<Response> {
    render_membership(&app, &ctx, StatusCode::OK, kind_of(q.kind.as_deref()), None, None).await
}

async fn apply_or_renew(app: &App, ctx: &Ctx, input: ApplicationInput, renew: bool) -> AppResult<Response> {
    match store::submit(app, ctx, input.clone(), renew).await {
        Ok(_) => Ok(redirect_with_flash(app, "/membership", "application_submitted")),
        Err(AppError::Invalid { field, message }) => {
            let kind = kind_of(Some(input.kind.as_str())).or(Some("organisation"));
            render_membership(app, ctx, StatusCode::UNPROCESSABLE_ENTITY, kind, Some(&input), Some((field, message))).await
        }
        Err(AppError::Conflict(message)) => render_membership(app, ctx, StatusCode::CONFLICT, None, Some(&input), Some((None, message))).await,
        Err(e) => Err(e),
    }
}

async fn apply(State(app): State<App>, ctx: Ctx, Form(input): Form<ApplicationInput>) -> AppResult<Response> {
    apply_or_renew(&app, &ctx, input, false).await
}

/// Renewal re-uses the details of the last approved application.
async fn renew(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let last: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM membership_applications WHERE user_id = $1 AND status = 'approved' ORDER BY id DESC LIMIT 1",
    )
    .bind(user.id)
    .fetch_optional(&app.db.pool)
    .await?;
    let input = match last {
        Some(id) => {
            let a = store::get(&app, id).await?;
            ApplicationInput {
                kind: a.kind,
                real_name: a.real_name,
                org_name: a.org_name,
                uscc: a.uscc,
                contact_name: a.contact_name,
                contact_phone: a.contact_phone,
                contact_email: a.contact_email,
                address: a.address,
                district_code: a.district_code,
                industry: a.industry,
                statement: String::new(),
            }
        }
        None => return Err(AppError::Conflict(ctx.t("membership.err_not_renewable"))),
    };
    apply_or_renew(&app, &ctx, input, true).await
}

// ---------------------------------------------------------------------------------------
// Staff

#[derive(Deserialize)]
pub struct QueueQuery {
    pub status: Option<String>,
}

async fn staff_queue(State(app): State<App>, ctx: Ctx, Query(q): Query<QueueQuery>) -> AppResult<Response> {
    let status = q.status.unwrap_or_else(|| "pending".into());
    let status = if ["pending", "approved", "rejected", ""].contains(&status.as_str()) { status } else { "pending".into() };
    let items = store::queue(&app, &status).await?;
    ctx.render(&app, "membership/staff_queue.html", context! { items => items, status => status })
}

async fn render_application(app: &App, ctx: &Ctx, id: i64, status: StatusCode, error: Option<String>) -> AppResult<Response> {
    let a = store::get(app, id).await?;
    let member_no = store::suggest_member_no(app, &a.kind).await?;
    let today = crate::util::now();
    let starts = crate::util::fmt_date(today);
    let base = a.membership_id.filter(|_| a.purpose == "renew");
    let base_end = match base {
        Some(mid) => sqlx::query_scalar::<_, i64>("SELECT ends_at FROM memberships WHERE id = $1").bind(mid).fetch_optional(&app.db.pool).await?,
        None => None,
    };
    let ends = crate::util::fmt_date(crate::util::add_years(base_end.unwrap_or(today).max(today), store::TERM_YEARS));
    let industry = model::industry_name(&a.industry, ctx.lang);
    let history = super::review::history(app, id).await?;
    // Approving makes the applicant an administrator of the organisation of this credit code:
    // if it is registered already, the reviewer sees who administers it now.
    let existing_admins: Vec<String> = match crate::orgs::store::id_by_uscc(&app.db.pool, &a.uscc).await? {
        Some(org) if a.kind == "organisation" && a.purpose != "renew" => crate::orgs::store::users_of(app, org)
            .await?
            .into_iter()
            .filter(|u| u.org_role == "admin" && u.user_id != a.user_id)
            .map(|u| u.username)
            .collect(),
        _ => Vec::new(),
    };
    let extra = context! {
        a => a, industry => industry, history => history, existing_admins => existing_admins.join(", "),
        suggested_no => member_no, starts_on => starts, ends_on => ends, error => error,
    };
    ctx.render_status(app, status, "membership/staff_application.html", extra)
}

async fn staff_application(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    render_application(&app, &ctx, id, StatusCode::OK, None).await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// `approve` or `reject`.
    #[serde(default)]
    #[schema(value_type = super::model::DecisionName)]
    pub decision: String,
    /// The application's version as read (guards against two reviewers deciding at once).
    pub version: i64,
    #[serde(default)]
    pub member_no: String,
    /// `YYYY-MM-DD`; default today.
    #[serde(default)]
    pub starts_on: String,
    /// `YYYY-MM-DD`; default one year after the start.
    #[serde(default)]
    pub ends_on: String,
    /// Required when rejecting.
    #[serde(default)]
    pub reason: String,
}

fn approval_of(ctx: &Ctx, d: &DecisionInput) -> AppResult<Approval> {
    let starts_at = if d.starts_on.trim().is_empty() {
        crate::util::now()
    } else {
        crate::util::parse_local_date(&d.starts_on).ok_or_else(|| AppError::invalid("starts_on", ctx.t("membership.err_dates")))?
    };
    let ends_at = if d.ends_on.trim().is_empty() {
        None
    } else {
        Some(crate::util::parse_local_date(&d.ends_on).ok_or_else(|| AppError::invalid("ends_on", ctx.t("membership.err_dates")))?)
    };
    Ok(Approval { version: d.version, member_no: d.member_no.clone(), starts_at, ends_at })
}

async fn staff_approve(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(d): Form<DecisionInput>) -> AppResult<Response> {
    let result = match approval_of(&ctx, &d) {
        Ok(a) => store::approve(&app, &ctx, id, a).await.map(|_| ()),
        Err(e) => Err(e),
    };
    decision_response(&app, &ctx, id, result).await
}

async fn staff_reject(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(d): Form<DecisionInput>) -> AppResult<Response> {
    let result = store::reject(&app, &ctx, id, d.version, &d.reason).await;
    decision_response(&app, &ctx, id, result).await
}

async fn decision_response(app: &App, ctx: &Ctx, id: i64, result: AppResult<()>) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(redirect_with_flash(app, "/staff/memberships", "decision_saved")),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let status = e.status();
            render_application(app, ctx, id, status, Some(e.to_string())).await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// API

/// Guangzhou's districts (GB/T 2260).
#[utoipa::path(get, path = "/api/v1/districts", tag = "membership", responses((status = 200, body = Vec<model::District>)))]
pub async fn api_districts() -> Json<Vec<model::District>> {
    Json(DISTRICTS.clone())
}

/// The caller's membership, pending application and last decision.
#[utoipa::path(get, path = "/api/v1/membership", tag = "membership", responses((status = 200, body = store::Summary)))]
pub async fn api_mine(State(app): State<App>, ctx: Ctx) -> AppResult<Json<store::Summary>> {
    Ok(Json(store::summary_for(&app, ctx.require_user()?.id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ApplyInput {
    #[serde(flatten)]
    pub application: ApplicationInput,
    /// Renew the membership that covers the caller instead of joining.
    #[serde(default)]
    pub renew: bool,
}

/// Apply for membership (or renewal).
#[utoipa::path(post, path = "/api/v1/membership/applications", tag = "membership", request_body = ApplyInput,
    responses((status = 201, body = store::Application), (status = 409), (status = 422)))]
pub async fn api_apply(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<ApplyInput>) -> AppResult<Response> {
    let id = store::submit(&app, &ctx, input.application, input.renew).await?;
    Ok((StatusCode::CREATED, Json(store::get(&app, id).await?)).into_response())
}

/// The review queue (staff); `status` is pending (default), approved, rejected or empty for all.
#[utoipa::path(get, path = "/api/v1/membership/applications", tag = "membership", params(("status" = Option<String>, Query)),
    responses((status = 200, body = Vec<store::Application>)))]
pub async fn api_queue(State(app): State<App>, Query(q): Query<QueueQuery>) -> AppResult<Json<Vec<store::Application>>> {
    Ok(Json(store::queue(&app, q.status.as_deref().unwrap_or("pending")).await?))
}

/// Approve or reject an application (staff).
#[utoipa::path(post, path = "/api/v1/membership/applications/{id}/decision", tag = "membership", params(("id" = i64, Path)),
    request_body = DecisionInput, responses((status = 200, body = store::Application), (status = 409), (status = 422)))]
pub async fn api_decide(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(d): JsonIn<DecisionInput>) -> AppResult<Json<store::Application>> {
    match model::DecisionName::parse(&d.decision) {
        Some(model::DecisionName::Approve) => {
            let mut a = approval_of(&ctx, &d)?;
            if a.member_no.trim().is_empty() {
                a.member_no = store::suggest_member_no(&app, &store::get(&app, id).await?.kind).await?;
            }
            store::approve(&app, &ctx, id, a).await?;
        }
        Some(model::DecisionName::Reject) => store::reject(&app, &ctx, id, d.version, &d.reason).await?,
        None => return Err(AppError::invalid("decision", ctx.t("membership.err_decision"))),
    }
    Ok(Json(store::get(&app, id).await?))
}
