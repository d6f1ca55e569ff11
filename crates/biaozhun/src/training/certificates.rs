//! Certificates in the training room: staff issue them (an exam held on paper, or a finished
//! session) and revoke them with a reason; anyone verifies a number on a public page or the
//! API (rate-limited as a search, so numbers are not cheaply enumerated) and sees the
//! validity and the holder's name only; the holder prints an A4 page of each.

use super::cert_store::{self as cs, Certificate, IssueInput, NumberError};
use crate::App;
use crate::auth::Role;
use crate::web::ctx::redirect_with_flash;
use crate::web::ratelimit::Class;
use crate::web::{Access, AppError, AppResult, Ctx, Form, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes {
    Routes::new()
        .get("/certificates/verify", Access::Public, verify_form)
        .limit(Class::Search)
        .get("/certificates/{number}", Access::Public, verify_page)
        .limit(Class::Search)
        .get("/api/v1/certificates/{number}", Access::Public, api_verify)
        .limit(Class::Search)
        .get("/training/certificates/{id}", Access::User, printable)
        .get("/staff/certificates", Access::Staff, staff_page)
        .post("/staff/certificates", Access::Staff, staff_issue)
        .post("/staff/certificates/{id}/revoke", Access::Staff, staff_revoke)
}

/// A certificate as pages show it, with its status.
pub fn view(c: &Certificate, now: i64) -> serde_json::Value {
    let mut v = serde_json::to_value(c).unwrap_or_default();
    v["status"] = c.status(now).into();
    v
}

fn lookup_error(ctx: &Ctx, e: NumberError) -> String {
    match e {
        NumberError::Malformed => ctx.t("certificate.err_malformed"),
        NumberError::CheckFailed => ctx.t("certificate.err_check"),
    }
}

#[derive(Deserialize)]
struct VerifyQuery {
    number: Option<String>,
}

/// The form; with `?number=` it reads the number and goes to its page, or says what is wrong.
async fn verify_form(State(app): State<App>, ctx: Ctx, Query(q): Query<VerifyQuery>) -> AppResult<Response> {
    let typed = q.number.unwrap_or_default();
    if typed.trim().is_empty() {
        return ctx.render(&app, "training/certificate_verify.html", context! { typed => "", error => None::<String> });
    }
    let error = match cs::parse_number(&typed) {
        Ok(n) => match cs::by_number(&app, &n).await? {
            Some(_) => return Ok(Redirect::to(&format!("/certificates/{n}")).into_response()),
            None => ctx.tf("certificate.err_unknown", &[("number", &n)]),
        },
        Err(e) => lookup_error(&ctx, e),
    };
    ctx.render_status(&app, StatusCode::NOT_FOUND, "training/certificate_verify.html", context! { typed => typed, error => Some(error) })
}

/// The public page of a number: validity and the holder's name, nothing else personal.
async fn verify_page(State(app): State<App>, ctx: Ctx, Path(number): Path<String>) -> AppResult<Response> {
    let found = match cs::parse_number(&number) {
        Ok(n) => cs::by_number(&app, &n).await?.ok_or_else(|| ctx.tf("certificate.err_unknown", &[("number", &n)])),
        Err(e) => Err(lookup_error(&ctx, e)),
    };
    match found {
        Ok(c) => {
            if c.number != number {
                return Ok(Redirect::to(&format!("/certificates/{}", c.number)).into_response());
            }
            Ok(cacheable(ctx.render(&app, "training/certificate_public.html", context! { c => public_view(&c) })?, "private, max-age=60"))
        }
        Err(error) => ctx.render_status(&app, StatusCode::NOT_FOUND, "training/certificate_verify.html", context! { typed => number, error => Some(error) }),
    }
}

/// What a verifier may see of a certificate.
fn public_view(c: &Certificate) -> serde_json::Value {
    serde_json::json!({
        "number": c.number, "kind": c.kind, "holder": c.holder_name, "title": c.title, "issued_on": c.issued_on, "expires_on": c.expires_on,
        "status": c.status(crate::util::now()), "revoked_at": c.revoked_at, "revoke_reason": c.revoke_reason,
    })
}

/// A certificate as the public API answers it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CertificateOut {
    pub number: String,
    /// The holder's name.
    pub holder: String,
    pub title: String,
    /// `YYYY-MM-DD` (Beijing).
    pub issued_on: String,
    /// `YYYY-MM-DD` (Beijing), the last valid day.
    pub expires_on: String,
    /// `valid`, `expired` or `revoked`.
    pub status: String,
}

/// Verifies a certificate number (spaces and case tolerated); public, rate-limited as a search.
#[utoipa::path(get, path = "/api/v1/certificates/{number}", tag = "training", params(("number" = String, Path, example = "GZBA-2026-000123-7")),
    responses((status = 200, body = CertificateOut), (status = 404, description = "unknown number, or a typo caught by the check character")))]
pub async fn api_verify(State(app): State<App>, Path(number): Path<String>) -> AppResult<Response> {
    // A typo caught by the check character is an unknown number too.
    let n = cs::parse_number(&number).map_err(|_| AppError::NotFound)?;
    let c = cs::by_number(&app, &n).await?.ok_or(AppError::NotFound)?;
    let out = Json(CertificateOut {
        number: c.number.clone(),
        holder: c.holder_name.clone(),
        title: c.title.clone(),
        issued_on: crate::util::fmt_date(c.issued_on),
        expires_on: crate::util::fmt_date(c.expires_on),
        status: c.status(crate::util::now()).into(),
    });
    Ok(cacheable(out.into_response(), "public, max-age=60"))
}

/// A verification answer may be kept a minute (a revocation shows within it): shared caches
/// may keep the API's JSON, which holds nothing of the asker; the page only the browser, as
/// it carries the visitor's own header.
fn cacheable(mut r: Response, policy: &'static str) -> Response {
    r.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static(policy));
    r
}

/// The holder's (or staff's) printable A4 page of one certificate; `{number}.pdf` is its PDF
/// (`cert_pdf.rs`).
async fn printable(State(app): State<App>, ctx: Ctx, Path(key): Path<String>) -> AppResult<Response> {
    if let Some(number) = key.strip_suffix(".pdf") {
        return super::cert_pdf::download(&app, &ctx, number).await;
    }
    let id: i64 = key.parse().map_err(|_| AppError::NotFound)?;
    let user = ctx.require_user()?;
    let c = cs::get(&app, id).await?;
    let staff = user.has(Role::Staff);
    if c.user_id != user.id && !staff {
        return Err(AppError::Forbidden);
    }
    let verify_url = format!("{}/certificates/{}", app.config.base_url.trim_end_matches('/'), c.number);
    let qr = qr_svg(&verify_url);
    let pdf_fits = super::pdf::covers(&c.holder_name);
    ctx.render(&app, "training/certificate.html", context! { c => view(&c, crate::util::now()), verify_url => verify_url, qr => qr, staff => staff, pdf_fits => pdf_fits })
}

/// The verification address as a QR code, an inline SVG drawn on the server (no script).
pub fn qr_svg(url: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M).ok()?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(140, 140).quiet_zone(true).build();
    // Inline in HTML: drop the XML declaration.
    Some(svg.find("<svg").map_or(svg.clone(), |i| svg[i..].to_string()))
}

#[derive(Deserialize, Default)]
struct StaffQuery {
    session: Option<i64>,
}

async fn staff_view(app: &App, ctx: &Ctx, status: StatusCode, form: &IssueInput, error: Option<AppError>) -> AppResult<Response> {
    let (error_field, error) = crate::web::form::field_error(error);
    let now = crate::util::now();
    let list: Vec<_> = cs::latest(app, 200).await?.iter().map(|c| view(c, now)).collect();
    let kinds: Vec<_> = cs::KINDS.iter().map(|(k, y)| serde_json::json!({ "kind": k, "years": y })).collect();
    ctx.render_status(app, status, "training/certificate_staff.html", context! { form => form, kinds => kinds, list => list, error => error, error_field => error_field })
}

async fn staff_page(State(app): State<App>, ctx: Ctx, Query(q): Query<StaffQuery>) -> AppResult<Response> {
    let mut form = IssueInput { kind: "completion".into(), ..Default::default() };
    if let Some(sid) = q.session {
        let s = super::store::get(&app, sid).await?;
        form.session = sid.to_string();
        form.title = s.title;
    }
    staff_view(&app, &ctx, StatusCode::OK, &form, None).await
}

async fn staff_issue(State(app): State<App>, ctx: Ctx, Form(input): Form<IssueInput>) -> AppResult<Response> {
    match cs::issue(&app, &ctx, &input).await {
        Ok(c) => Ok(redirect_with_flash(&app, &format!("/training/certificates/{}", c.id), "certificate_issued")),
        Err(e @ AppError::Invalid { .. }) => staff_view(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, &input, Some(e)).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    #[serde(default)]
    reason: String,
}

async fn staff_revoke(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<RevokeForm>) -> AppResult<Response> {
    cs::revoke(&app, &ctx, id, &f.reason).await?;
    Ok(redirect_with_flash(&app, &format!("/training/certificates/{id}"), "certificate_revoked"))
}
