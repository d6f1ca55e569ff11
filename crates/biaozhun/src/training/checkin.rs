//! Check-in by code: each enrolment has a code signed with the site's secret (an HMAC over
//! the enrolment and the session), shown to the enrolled person on the session's page as
//! text and as a QR code. Staff and the session's teachers open `/training/{id}/checkin` on a
//! phone and type or paste the code (a plain form, no script needed), or scan it with the
//! camera where the browser has `BarcodeDetector` (`static/checkin.js`). A valid code checks
//! the person in through the roster's path (`attendance::check_in`: hours credited once); a
//! forged code, or one of another session, is refused and says which.

use super::policy::SessionAct;
use super::store;
use crate::App;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hmac::{Hmac, Mac};
use minijinja::context;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

pub fn routes() -> Routes {
    Routes::new()
        .get("/training/{id}/checkin", Access::User, page)
        .post("/training/{id}/checkin", Access::User, submit)
        .post("/api/v1/trainings/{id}/checkin", Access::User, api_check_in_by_code)
}

/// Hex digits of the signature in a code (48 bits).
const MAC_HEX: usize = 12;

fn mac(secret: &[u8], session: i64, enrolment: i64) -> String {
    let mut m = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret).expect("any key length works");
    m.update(format!("training-checkin\0{session}\0{enrolment}").as_bytes());
    let bytes = m.finalize().into_bytes();
    hex::encode_upper(&bytes[..MAC_HEX / 2])
}

/// The code of an enrolment: `session-enrolment-signature`, such as `12-345-7F3A9C2B1D0E`.
pub fn code(secret: &[u8], session: i64, enrolment: i64) -> String {
    format!("{session}-{enrolment}-{}", mac(secret, session, enrolment))
}

/// A code as read from what was typed, pasted or scanned (the code, or the check-in address
/// holding it as `?code=`; spaces and case do not matter).
#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    pub session: i64,
    pub enrolment: i64,
    pub signature: String,
}

pub fn parse(typed: &str) -> Option<Code> {
    let t = typed.trim();
    let t = match t.find("code=") {
        Some(i) => t[i + 5..].split(['&', '#']).next().unwrap_or(""),
        None => t,
    };
    let t: String = t.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_ascii_uppercase();
    let mut parts = t.split('-');
    let session = parts.next()?.parse().ok()?;
    let enrolment = parts.next()?.parse().ok()?;
    let signature = parts.next()?.to_string();
    if parts.next().is_some() || signature.len() != MAC_HEX || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(Code { session, enrolment, signature })
}

impl Code {
    /// Whether the signature is the site's (compared in constant time).
    pub fn signed(&self, secret: &[u8]) -> bool {
        mac(secret, self.session, self.enrolment).as_bytes().ct_eq(self.signature.as_bytes()).into()
    }
}

/// The check-in address a code's QR code holds: a phone's camera app opens the staff page
/// with the code filled in.
pub fn url(app: &App, session: i64, code: &str) -> String {
    format!("{}/training/{session}/checkin?code={code}", app.config.base_url.trim_end_matches('/'))
}

/// What the enrolled person's part of the session's page shows: the code and its QR code.
pub async fn mine(app: &App, session: i64, user: i64) -> AppResult<Option<serde_json::Value>> {
    let row: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT id, attended_at FROM training_enrolments WHERE session_id = $1 AND user_id = $2 AND status = 'enrolled'")
            .bind(session)
            .bind(user)
            .fetch_optional(&app.db.pool)
            .await?;
    Ok(row.map(|(id, attended_at)| {
        let c = code(&app.secret, session, id);
        let qr = super::certificates::qr_svg(&url(app, session, &c));
        serde_json::json!({ "code": c, "qr": qr, "attended_at": attended_at })
    }))
}

#[derive(Deserialize, Default)]
struct CodeQuery {
    #[serde(default)]
    code: String,
}

async fn render(app: &App, ctx: &Ctx, id: i64, status: StatusCode, typed: &str, error: Option<String>, done: Option<serde_json::Value>) -> AppResult<Response> {
    let s = store::get(app, id).await?;
    let present: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM training_enrolments WHERE session_id = $1 AND status = 'enrolled' AND attended_at IS NOT NULL")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await?;
    ctx.render_status(app, status, "training/checkin.html", context! {
        s => super::routes::view(&s), typed => typed, error => error, done => done, present => present,
    })
}

/// The staff page (a phone's width): the form, prefilled from `?code=` when the camera app
/// opened it from a QR code. Nothing is checked in by a GET.
async fn page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<CodeQuery>) -> AppResult<Response> {
    ctx.must(&app, &SessionAct::Teach, id).await?;
    let typed = parse(&q.code).map(|c| format!("{}-{}-{}", c.session, c.enrolment, c.signature)).unwrap_or_default();
    render(&app, &ctx, id, StatusCode::OK, &typed, None, None).await
}

/// A code redeemed: who was checked in, the hours credited, and when they had been checked
/// in already (a second scan credits nothing).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CheckedIn {
    pub user_id: i64,
    /// The display name, or the account name when there is none.
    pub name: String,
    pub username: String,
    /// The session's hours credited to the person (once).
    pub hours: i64,
    /// Unix seconds of the earlier check-in, when the code had been used already.
    pub already_at: Option<i64>,
}

/// Checks in the holder of `typed` at session `id`: 422 on `code` for no code, a code with a
/// wrong signature or a code of another session (named); 409 for someone no longer enrolled
/// or before check-in opens. The caller has checked the session's Teach policy.
pub async fn redeem(app: &App, ctx: &Ctx, id: i64, typed: &str) -> AppResult<CheckedIn> {
    let Some(code) = parse(typed) else {
        let key = if typed.trim().is_empty() { "checkin.err_empty" } else { "checkin.err_malformed" };
        return Err(AppError::invalid("code", ctx.t(key)));
    };
    if !code.signed(&app.secret) {
        return Err(AppError::invalid("code", ctx.t("checkin.err_forged")));
    }
    if code.session != id {
        let title: Option<String> = sqlx::query_scalar("SELECT title FROM training_sessions WHERE id = $1").bind(code.session).fetch_optional(&app.db.pool).await?;
        let msg = ctx.tf("checkin.err_other_session", &[("title", title.as_deref().unwrap_or("?")), ("id", &code.session.to_string())]);
        return Err(AppError::invalid("code", msg));
    }
    let row: Option<(i64, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT e.user_id, u.username, u.display_name, e.attended_at FROM training_enrolments e JOIN users u ON u.id = e.user_id WHERE e.id = $1 AND e.session_id = $2",
    )
    .bind(code.enrolment)
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?;
    let (user_id, username, display_name, already_at) = row.ok_or_else(|| AppError::invalid("code", ctx.t("checkin.err_forged")))?;
    let name = if display_name.trim().is_empty() { username.clone() } else { display_name };
    super::attendance::check_in(app, ctx, id, user_id, true).await.map_err(|e| match e {
        AppError::Conflict(msg) => AppError::Conflict(format!("{name}: {msg}")),
        e => e,
    })?;
    let hours: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(hours), 0) FROM training_hours WHERE user_id = $1 AND session_id = $2").bind(user_id).bind(id).fetch_one(&app.db.pool).await?;
    Ok(CheckedIn { user_id, name, username, hours, already_at })
}

async fn submit(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<CodeQuery>) -> AppResult<Response> {
    ctx.must(&app, &SessionAct::Teach, id).await?;
    match redeem(&app, &ctx, id, &f.code).await {
        Ok(done) => {
            let done = serde_json::json!({ "name": done.name, "username": done.username, "already": done.already_at, "hours": done.hours });
            render(&app, &ctx, id, StatusCode::OK, "", None, Some(done)).await
        }
        Err(AppError::Invalid { message, .. }) => render(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, &f.code, Some(message), None).await,
        Err(AppError::Conflict(message)) => render(&app, &ctx, id, StatusCode::CONFLICT, &f.code, Some(message), None).await,
        Err(e) => Err(e),
    }
}

/// A check-in code as the API takes it.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CodeIn {
    /// The code (`12-345-7F3A9C2B1D0E`) or the check-in address holding it.
    #[schema(max_length = 300)]
    pub code: String,
}

/// Checks a person in by their signed check-in code (staff and the session's teachers), as
/// the phone page does.
#[utoipa::path(post, path = "/api/v1/trainings/{id}/checkin", tag = "training", params(("id" = i64, Path)), request_body = CodeIn,
    responses((status = 200, body = CheckedIn), (status = 403), (status = 404),
        (status = 409, description = "no longer enrolled, or before check-in opens"),
        (status = 422, description = "no code, a forged code, or another session's code")))]
pub async fn api_check_in_by_code(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<CodeIn>) -> AppResult<Json<CheckedIn>> {
    ctx.must(&app, &SessionAct::Teach, id).await?;
    Ok(Json(redeem(&app, &ctx, id, &input.code).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_signed_and_read_back_from_text_or_address() {
        let secret = b"secret one";
        let c = code(secret, 12, 345);
        let read = parse(&c).unwrap();
        assert_eq!((read.session, read.enrolment), (12, 345));
        assert!(read.signed(secret));
        assert!(!read.signed(b"another site"));
        let typed = format!("  {} ", c.to_lowercase());
        assert!(parse(&typed).unwrap().signed(secret), "case and spaces do not matter");
        let from_url = parse(&format!("https://example.org/training/12/checkin?code={c}&x=1")).unwrap();
        assert!(from_url.signed(secret));
        // Another enrolment's number with this signature is refused.
        let forged = parse(&c.replacen("-345-", "-346-", 1)).unwrap();
        assert!(!forged.signed(secret));
        assert_eq!(parse("12-345"), None);
        assert_eq!(parse("12-345-XYZ"), None);
        assert_eq!(parse(""), None);
    }
}
