//! The public side of the training room: the list with its filters, a session's page,
//! enrolment and cancellation (a person, or an organisation administrator for the
//! organisation's users), the calendars, and the JSON API. Staff pages are in `staff.rs`.

use super::model::{EnrolmentStatus, KINDS, SessionInput, fmt_fee, rfc3339};
use super::policy;
use super::store::{self, Outcome, Session, When};
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(utoipa::OpenApi)]
#[openapi(paths(api_list, api_get, api_create, api_enrol, api_cancel, super::attendance::api_check_in, super::checkin::api_check_in_by_code, super::attendance::api_my_hours, super::certificates::api_verify), components(schemas(super::checkin::CodeIn, super::checkin::CheckedIn, super::certificates::CertificateOut, super::model::SessionKind, super::model::SessionStatus, EnrolmentStatus)))]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/training", Access::Public, list)
        .get("/training/calendar.ics", Access::Public, feed)
        .get("/training/{id}", Access::Public, page)
        .get("/training/{id}/calendar.ics", Access::Public, one_calendar)
        .post("/training/{id}/enrol", Access::User, enrol)
        .post("/training/{id}/cancel", Access::User, cancel)
        .get("/training/{id}/org", Access::User, org_page)
        .post("/training/{id}/org", Access::User, org_enrol)
        .post("/training/{id}/org/list", Access::User, org_enrol_list)
        .get("/api/v1/trainings", Access::Public, api_list)
        .get("/api/v1/trainings/{id}", Access::Public, api_get)
        .post("/api/v1/trainings", Access::Staff, api_create)
        .post("/api/v1/trainings/{id}/enrolments", Access::User, api_enrol)
        .delete("/api/v1/trainings/{id}/enrolments/me", Access::User, api_cancel)
        .merge(super::staff::routes())
        .merge(super::attendance::routes())
        .merge(super::certificates::routes())
        .merge(super::checkin::routes())
        .merge(super::materials::routes())
        .merge(super::exam_routes::routes())
}

/// A session as templates show it: the stored fields with the fee in yuan.
pub fn view(s: &Session) -> serde_json::Value {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    v["fee"] = fmt_fee(s.fee_fen).into();
    v["seats_left"] = s.seats_left().into();
    v["cancel_deadline"] = s.cancel_deadline().into();
    v
}

#[derive(Deserialize, Default)]
struct ListQuery {
    kind: Option<String>,
    when: Option<String>,
}

async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let kind = q.kind.as_deref().filter(|k| KINDS.contains(k));
    let past = q.when.as_deref() == Some("past");
    let sessions = store::list(&app, kind, if past { When::Past } else { When::Upcoming }, 200).await?;
    let sessions: Vec<_> = sessions.iter().map(view).collect();
    ctx.render(&app, "training/list.html", context! { sessions => sessions, kinds => KINDS, kind => kind.unwrap_or(""), past => past })
}

async fn page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let s = store::get(&app, id).await?;
    policy::may_read(&ctx, &s)?;
    let place = match ctx.user_id() {
        Some(u) => store::place_of(&app, id, u).await?,
        None => None,
    };
    let now = crate::util::now();
    let org = policy::administered_org(&app, &ctx).await?;
    let manages = policy::manages(&ctx);
    let history = if manages { crate::workflow::history(&app.db, &super::FLOW, id).await? } else { vec![] };
    let teaches = ctx.can(&app, &policy::SessionAct::Teach, id).await?;
    let teachers = if manages { crate::auth::scopes::holders(&app.db.pool, crate::auth::scopes::ScopedRole::Teacher, &policy::session_scope(id)).await? } else { vec![] };
    let teachers: Vec<String> = teachers.into_iter().map(|(_, name)| name).collect();
    let more = super::materials::session_extras(&app, &ctx, id).await?;
    let exams = super::exam_routes::session_exams(&app, id).await?;
    ctx.render(&app, "training/session.html", context! { more => more,
        s => view(&s), place => place, open => s.open(now), may_cancel => now <= s.cancel_deadline(),
        org => org, manages => manages, history => history, teaches => teaches, teacher_accounts => teachers, exams => exams,
    })
}

fn ics(body: String, name: &str) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

async fn feed(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let mut sessions = store::list(&app, None, When::Upcoming, 500).await?;
    sessions.extend(store::list(&app, None, When::Past, 200).await?);
    Ok(ics(super::ical::calendar(&ctx.t("training.title"), &sessions, &app.config.base_url, crate::util::now()), "training.ics"))
}

async fn one_calendar(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let s = store::get(&app, id).await?;
    policy::may_read(&ctx, &s)?;
    Ok(ics(super::ical::calendar(&s.title, std::slice::from_ref(&s), &app.config.base_url, crate::util::now()), &format!("training-{id}.ics")))
}

async fn enrol(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let user = ctx.require_user()?.id;
    let out = store::enrol(&app, &ctx, id, user, None).await?;
    let flash = if out.status == EnrolmentStatus::Enrolled { "training_enrolled" } else { "training_waitlisted" };
    Ok(redirect_with_flash(&app, &format!("/training/{id}"), flash))
}

async fn cancel(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let user = ctx.require_user()?.id;
    store::cancel(&app, &ctx, id, user).await?;
    Ok(redirect_with_flash(&app, &format!("/training/{id}"), "training_cancelled"))
}

// ---------------------------------------------------------------------------------------
// An organisation administrator enrols the organisation's users

async fn org_view(app: &App, ctx: &Ctx, id: i64, status: StatusCode, error: Option<String>) -> AppResult<Response> {
    org_view_with(app, ctx, id, status, error, None).await
}

async fn org_view_with(app: &App, ctx: &Ctx, id: i64, status: StatusCode, error: Option<String>, report: Option<serde_json::Value>) -> AppResult<Response> {
    let s = store::get(app, id).await?;
    policy::may_read(ctx, &s)?;
    let org = policy::must_administer(app, ctx).await?;
    let users = crate::orgs::store::users_of(app, org.id).await?;
    let ids: Vec<i64> = users.iter().map(|u| u.user_id).collect();
    let places = store::places_of_users(app, id, &ids).await?;
    let people: Vec<_> = users
        .iter()
        .map(|u| serde_json::json!({ "id": u.user_id, "username": u.username, "email": u.email, "status": places.get(&u.user_id) }))
        .collect();
    ctx.render_status(app, status, "training/org.html", context! { s => view(&s), org => org, people => people, open => s.open(crate::util::now()), error => error, report => report })
}

async fn org_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    org_view(&app, &ctx, id, StatusCode::OK, None).await
}

/// The form sends one `user` field per ticked person, as `u<id>=1`.
async fn org_enrol(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(fields): Form<HashMap<String, String>>) -> AppResult<Response> {
    let s = store::get(&app, id).await?;
    policy::may_read(&ctx, &s)?;
    let org = policy::must_administer(&app, &ctx).await?;
    let members = crate::orgs::store::members_of(&app.db.pool, org.id).await?;
    let picked: Vec<i64> = fields.keys().filter_map(|k| k.strip_prefix('u')).filter_map(|n| n.parse().ok()).collect();
    if picked.is_empty() {
        return org_view(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(ctx.t("training.err_pick"))).await;
    }
    if picked.iter().any(|u| !members.contains(u)) {
        return Err(AppError::Forbidden);
    }
    let by = ctx.require_user()?.id;
    let mut sorted = picked;
    sorted.sort_unstable();
    store::enrol_many(&app, &ctx, id, &sorted, (by, org.id)).await?;
    Ok(redirect_with_flash(&app, &format!("/training/{id}/org"), "training_org_enrolled"))
}

/// An uploaded list (TXT, CSV, XLSX or DOCX; one person a line, by account name or e-mail
/// address): the users of the organisation it names are enrolled in one transaction, and the
/// page lists the lines that name nobody of the organisation.
async fn org_enrol_list(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, mut mp: axum::extract::Multipart) -> AppResult<Response> {
    let s = store::get(&app, id).await?;
    policy::may_read(&ctx, &s)?;
    let org = policy::must_administer(&app, &ctx).await?;
    let file = crate::web::upload::one_file(&mut mp, &ctx.t("training.err_no_file")).await?;
    let limits = app.config.imports.clone();
    let text = crate::imports::off_thread(move || crate::imports::file_text(&file.data, &limits)).await.map_err(|r| r.to_app_error(ctx.lang))?;
    let users = crate::orgs::store::users_of(&app, org.id).await?;
    let known: Vec<(String, i64)> = users.iter().flat_map(|u| [(u.username.to_lowercase(), u.user_id), (u.email.to_lowercase(), u.user_id)]).collect();
    let (found, refused) = super::model::match_people(&text, &known);
    let by = ctx.require_user()?.id;
    let outcomes = if found.is_empty() { vec![] } else { store::enrol_many(&app, &ctx, id, &found, (by, org.id)).await? };
    let enrolled = outcomes.iter().filter(|o| o.status == EnrolmentStatus::Enrolled).count();
    let report = serde_json::json!({
        "enrolled": enrolled, "waitlisted": outcomes.len() - enrolled,
        "refused": refused.iter().map(|(line, text)| serde_json::json!({ "line": line, "text": text })).collect::<Vec<_>>(),
    });
    let status = if found.is_empty() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    org_view_with(&app, &ctx, id, status, None, Some(report)).await
}

// ---------------------------------------------------------------------------------------
// API

/// A session as the API lists it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TrainingOut {
    pub id: i64,
    pub title: String,
    #[schema(value_type = super::model::SessionKind)]
    pub kind: String,
    /// RFC 3339.
    pub starts_at: String,
    /// RFC 3339.
    pub ends_at: String,
    /// The place, or the online link when there is no place.
    pub location: String,
    pub online_url: String,
    /// Seats; `null`: no limit.
    pub capacity: Option<i64>,
    pub enrolled: i64,
    pub waiting: i64,
    /// Continuing-education hours credited for attending.
    pub hours: i64,
    #[schema(value_type = super::model::SessionStatus)]
    pub status: String,
    pub teachers: String,
    /// The fee in yuan, recorded (not charged).
    pub fee: String,
    /// RFC 3339; enrolled people may cancel until then.
    pub cancel_until: String,
}

impl From<&Session> for TrainingOut {
    fn from(s: &Session) -> TrainingOut {
        TrainingOut {
            id: s.id,
            title: s.title.clone(),
            kind: s.kind.clone(),
            starts_at: rfc3339(s.starts_at),
            ends_at: rfc3339(s.ends_at),
            location: if s.location.is_empty() { s.online_url.clone() } else { s.location.clone() },
            online_url: s.online_url.clone(),
            capacity: s.capacity,
            enrolled: s.enrolled,
            waiting: s.waiting,
            hours: s.hours,
            status: s.status.clone(),
            teachers: s.teachers.clone(),
            fee: fmt_fee(s.fee_fen),
            cancel_until: rfc3339(s.cancel_deadline()),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TrainingList {
    pub items: Vec<TrainingOut>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ApiListParams {
    /// `promotion`, `engineer`, `supervisor` or `continuing`; all when absent.
    pub kind: Option<String>,
}

/// Upcoming public sessions (published or cancelled, not yet ended), soonest first.
#[utoipa::path(get, path = "/api/v1/trainings", tag = "training", params(ApiListParams), responses((status = 200, body = TrainingList), (status = 422)))]
pub async fn api_list(State(app): State<App>, ctx: Ctx, Query(q): Query<ApiListParams>) -> AppResult<Json<TrainingList>> {
    if let Some(k) = q.kind.as_deref() {
        if !KINDS.contains(&k) {
            return Err(AppError::invalid("kind", ctx.t("training.err_kind")));
        }
    }
    let items = store::list(&app, q.kind.as_deref(), When::Upcoming, 500).await?;
    Ok(Json(TrainingList { items: items.iter().map(TrainingOut::from).collect() }))
}

/// One session (drafts: staff only; 404 to others).
#[utoipa::path(get, path = "/api/v1/trainings/{id}", tag = "training", params(("id" = i64, Path)), responses((status = 200, body = TrainingOut), (status = 404)))]
pub async fn api_get(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<TrainingOut>> {
    let s = store::get(&app, id).await?;
    policy::may_read(&ctx, &s)?;
    Ok(Json(TrainingOut::from(&s)))
}

/// Creates a session (staff), as a draft unless `publish` is true.
#[utoipa::path(post, path = "/api/v1/trainings", tag = "training", request_body = CreateIn, responses((status = 201, body = TrainingOut), (status = 422)))]
pub async fn api_create(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<CreateIn>) -> AppResult<Response> {
    let id = store::create(&app, &ctx, &input.session()).await?;
    if input.publish {
        store::step(&app, &ctx, id, 0, "publish", "").await?;
    }
    let s = store::get(&app, id).await?;
    Ok((StatusCode::CREATED, Json(TrainingOut::from(&s))).into_response())
}

/// The API's body for a new session: its fields, typed as JSON types them, and whether to
/// publish it at once.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateIn {
    /// 1–200 characters.
    #[schema(max_length = 200)]
    pub title: String,
    pub kind: super::model::SessionKind,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub summary: String,
    /// RFC 3339, or local (Beijing) `YYYY-MM-DDTHH:MM`.
    pub starts_at: String,
    /// After `starts_at`.
    pub ends_at: String,
    /// The venue; a venue or an online link is required.
    #[serde(default)]
    #[schema(max_length = 300)]
    pub location: String,
    /// An `https://` or `http://` link for an online session.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub online_url: String,
    /// Seats; absent or null: no limit.
    #[schema(minimum = 1, maximum = 100000)]
    pub capacity: Option<i64>,
    /// The fee in yuan with at most two decimals (recorded, not charged).
    #[schema(example = "800.00")]
    pub fee: Option<String>,
    #[serde(default)]
    #[schema(max_length = 500)]
    pub teachers: String,
    /// Continuing-education hours credited for attending.
    #[schema(minimum = 0, maximum = 200)]
    pub hours: Option<i64>,
    /// Enrolled people may cancel until then (not after `starts_at`); absent: until the start.
    #[serde(default)]
    pub cancel_until: String,
    /// Publish at once (enrolment opens); default false (a draft).
    #[serde(default)]
    pub publish: bool,
}

impl CreateIn {
    fn session(&self) -> SessionInput {
        SessionInput {
            title: self.title.clone(),
            kind: self.kind.as_str().to_string(),
            summary: self.summary.clone(),
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            location: self.location.clone(),
            online_url: self.online_url.clone(),
            capacity: self.capacity.map(|c| c.to_string()),
            fee: self.fee.clone(),
            teachers: self.teachers.clone(),
            hours: self.hours.map(|h| h.to_string()),
            cancel_until: self.cancel_until.clone(),
            version: None,
        }
    }
}

/// Enrols the caller; when the session is full they join the waiting list.
#[utoipa::path(post, path = "/api/v1/trainings/{id}/enrolments", tag = "training", params(("id" = i64, Path)),
    responses((status = 200, body = EnrolOut), (status = 404), (status = 409, description = "not open for enrolment")))]
pub async fn api_enrol(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<EnrolOut>> {
    let user = ctx.require_user()?.id;
    let o: Outcome = store::enrol(&app, &ctx, id, user, None).await?;
    Ok(Json(EnrolOut { status: o.status, position: o.position }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EnrolOut {
    /// `enrolled` or `waitlisted`.
    pub status: EnrolmentStatus,
    /// Place on the waiting list (1 = next); only when waitlisted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<i64>,
}

/// Cancels the caller's enrolment or place on the waiting list; a freed seat goes at once to
/// the first person waiting.
#[utoipa::path(delete, path = "/api/v1/trainings/{id}/enrolments/me", tag = "training", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, description = "no place held"), (status = 409, description = "after the cancellation deadline")))]
pub async fn api_cancel(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<StatusCode> {
    let user = ctx.require_user()?.id;
    store::cancel(&app, &ctx, id, user).await?;
    Ok(StatusCode::NO_CONTENT)
}
