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
use crate::web::{Access, AppError, AppResult, Ctx, Form, Routes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use hmac::{Hmac, Mac};
use minijinja::context;
use serde::Deserialize;
use subtle::ConstantTimeEq;

pub fn routes() -> Routes {
    Routes::new().get("/training/{id}/checkin", Access::User, page).post("/training/{id}/checkin", Access::User, submit)
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

async fn submit(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<CodeQuery>) -> AppResult<Response> {
    ctx.must(&app, &SessionAct::Teach, id).await?;
    let refuse = |key: &str, args: &[(&str, &str)]| ctx.tf(key, args);
    let Some(code) = parse(&f.code) else {
        let msg = if f.code.trim().is_empty() { ctx.t("checkin.err_empty") } else { refuse("checkin.err_malformed", &[]) };
        return render(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, &f.code, Some(msg), None).await;
    };
    if !code.signed(&app.secret) {
        return render(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, &f.code, Some(ctx.t("checkin.err_forged")), None).await;
    }
    if code.session != id {
        let title: Option<String> = sqlx::query_scalar("SELECT title FROM training_sessions WHERE id = $1").bind(code.session).fetch_optional(&app.db.pool).await?;
        let msg = ctx.tf("checkin.err_other_session", &[("title", title.as_deref().unwrap_or("?")), ("id", &code.session.to_string())]);
        return render(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, &f.code, Some(msg), None).await;
    }
    let row: Option<(i64, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT e.user_id, u.username, u.display_name, e.attended_at FROM training_enrolments e JOIN users u ON u.id = e.user_id WHERE e.id = $1 AND e.session_id = $2",
    )
    .bind(code.enrolment)
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?;
    let Some((user, username, display_name, attended_at)) = row else {
        return render(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, &f.code, Some(ctx.t("checkin.err_forged")), None).await;
    };
    let name = if display_name.trim().is_empty() { username.clone() } else { display_name };
    if let Err(e) = super::attendance::check_in(&app, &ctx, id, user, true).await {
        return match e {
            AppError::Conflict(msg) => render(&app, &ctx, id, StatusCode::CONFLICT, &f.code, Some(format!("{name}: {msg}")), None).await,
            e => Err(e),
        };
    }
    let hours: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(hours), 0) FROM training_hours WHERE user_id = $1 AND session_id = $2").bind(user).bind(id).fetch_one(&app.db.pool).await?;
    let done = serde_json::json!({ "name": name, "username": username, "already": attended_at, "hours": hours });
    render(&app, &ctx, id, StatusCode::OK, "", None, Some(done)).await
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
