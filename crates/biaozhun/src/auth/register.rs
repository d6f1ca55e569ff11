//! Registration and confirmation of the mail address (form and API).
//!
//! The answer does not tell whether an address has an account: for a known address no
//! account is made and the address's owner gets a mail saying someone tried to register
//! with it (log in, or reset the password); for a new one the account is made and the
//! confirmation link mailed. Either way the page (or the API's 202) says "we sent you a
//! mail". User names are public and are still refused when taken or alike
//! (`auth::identity`).

use super::captcha;
use super::routes::{CaptchaQuery, captcha_context};
use super::store::{self, Purpose, Taken, TokenState};
use super::{audit, identity, password};
use crate::App;
use crate::jobs::mail;
use crate::web::{AppError, AppResult, Ctx, Form, JsonIn};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RegisterInput {
    /// 3–32 characters; stored in NFKC form, compared without case; may not mix scripts
    /// (beyond Chinese, Japanese or Korean with Latin) nor look like an existing name.
    #[schema(min_length = 3, max_length = 32)]
    pub username: String,
    #[schema(max_length = 254, pattern = "^[^@\\s]+@[^@\\s]+$")]
    pub email: String,
    #[serde(default)]
    pub mobile: Option<String>,
    /// 10–128 characters, not a common password, not the user name.
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    /// Must equal `password` (forms only; the API may omit it).
    #[serde(default)]
    pub password_confirm: Option<String>,
    pub captcha_id: String,
    pub captcha_answer: String,
}

pub const CONFIRM_TTL: i64 = 3 * 24 * 3600;

/// Checks the input, then either makes the account and mails the confirmation link, or,
/// when the address already has an account, mails its owner a notice. The caller learns
/// nothing of which (both are `Ok`).
async fn register_core(app: &App, ctx: &Ctx, input: &RegisterInput) -> AppResult<()> {
    let bad = |field: &str, key: &str| Err(AppError::invalid(field, ctx.t(key)));
    let username = match identity::check(&input.username) {
        Ok(n) => n,
        Err(k) => return bad("username", k),
    };
    let email = input.email.trim();
    if let Err(k) = store::check_email(email) {
        return bad("email", k);
    }
    let mobile = match input.mobile.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => match store::check_mobile(m) {
            Ok(m) => Some(m),
            Err(k) => return bad("mobile", k),
        },
        None => None,
    };
    if let Err(k) = password::check_policy(&input.password, &username, email) {
        return bad("password", k);
    }
    if input.password_confirm.as_deref().is_some_and(|c| c != input.password) {
        return bad("password_confirm", "auth.password_mismatch");
    }
    if let Some(k) = captcha::verify(app, &input.captcha_id, &input.captcha_answer).await?.problem() {
        return bad("captcha_answer", k);
    }
    // Hashed whether or not the account is made, so the time taken tells nothing either.
    let hash = password::hash_async(input.password.clone()).await?;
    let mut tx = app.db.begin().await?;
    let new = store::NewUser {
        username: &username,
        email,
        mobile: mobile.as_deref(),
        display_name: &username,
        password_hash: &hash,
        confirmed: false,
        locale: ctx.lang,
    };
    match store::insert_user(&mut tx, new).await? {
        Ok(id) => {
            let token = store::issue_token(&mut tx, id, Purpose::Confirm, CONFIRM_TTL).await?;
            let link = format!("{}/confirm/{token}", app.config.base_url.trim_end_matches('/'));
            let body = ctx.tf("mail.confirm.body", &[("name", &username), ("link", &link)]);
            mail::enqueue(&mut tx, email, &ctx.t("mail.confirm.subject"), &body).await?;
            audit::log_tx(&mut tx, ctx, audit::Entry { action: "user.register", target: format!("user:{id}"), detail: String::new() }).await?;
        }
        Err(Taken::Email(owner)) => {
            let acct = store::find_by_id(app, owner).await?.ok_or(AppError::NotFound)?;
            let base = app.config.base_url.trim_end_matches('/');
            let args = [("name", acct.username.as_str()), ("login", &format!("{base}/login")), ("forgot", &format!("{base}/password/forgot"))];
            let body = crate::web::i18n::tf(acct.locale, "mail.register_existing.body", &args);
            mail::enqueue(&mut tx, &acct.email, &crate::web::i18n::t(acct.locale, "mail.register_existing.subject"), &body).await?;
            let entry = audit::Entry { action: "user.register_existing_address", target: format!("user:{owner}"), detail: String::new() };
            audit::log_tx(&mut tx, ctx, entry).await?;
        }
        Err(taken) => return Err(taken.error(ctx.lang)),
    }
    tx.commit().await?;
    Ok(())
}

pub async fn register_page(State(app): State<App>, ctx: Ctx, Query(q): Query<CaptchaQuery>) -> AppResult<Response> {
    let kind = captcha::Kind::from_query(q.captcha.as_deref());
    ctx.render(&app, "auth/register.html", context! { login => captcha_context(&app, &ctx, kind) })
}

pub async fn register_submit(State(app): State<App>, ctx: Ctx, Form(input): Form<RegisterInput>) -> AppResult<Response> {
    match register_core(&app, &ctx, &input).await {
        Ok(()) => ctx.render(&app, "auth/registered.html", context! { email => input.email.trim() }),
        Err(AppError::Invalid { field, message }) => {
            // Only the captcha was wrong: the passwords were accepted, so the form keeps them
            // (on a page that is never stored) rather than making the person type both again.
            let keep = field.as_deref() == Some("captcha_answer");
            let (pw, pw2) = if keep { (input.password.as_str(), input.password_confirm.as_deref().unwrap_or("")) } else { ("", "") };
            let kind = if input.captcha_id.contains(".q.") { captcha::Kind::Question } else { captcha::Kind::Image };
            let extra = context! {
                error => message, error_field => field,
                form => context! { username => input.username.trim(), email => input.email.trim(), mobile => input.mobile, password => pw, password_confirm => pw2 },
                login => captcha_context(&app, &ctx, kind),
            };
            let mut resp = ctx.render_status(&app, StatusCode::UNPROCESSABLE_ENTITY, "auth/register.html", extra)?;
            resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

pub async fn confirm(State(app): State<App>, ctx: Ctx, Path(token): Path<String>) -> AppResult<Response> {
    let mut tx = app.db.begin().await?;
    let state = store::consume_token(&mut tx, &token, Purpose::Confirm).await?;
    let message = match state {
        TokenState::Valid(user_id) => {
            sqlx::query("UPDATE users SET email_confirmed_at = $1 WHERE id = $2 AND email_confirmed_at IS NULL")
                .bind(crate::util::now())
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            audit::log_tx(&mut tx, &ctx, audit::Entry { action: "user.confirm_email", target: format!("user:{user_id}"), detail: String::new() }).await?;
            "auth.confirmed"
        }
        TokenState::Expired => "auth.link_expired",
        TokenState::Used => "auth.link_used",
        TokenState::Unknown => "auth.link_invalid",
    };
    tx.commit().await?;
    ctx.render(&app, "message.html", context! { title => ctx.t("auth.confirm_title"), message => ctx.t(message), ok => message == "auth.confirmed", link => "/login" })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Registered {
    /// Always true: a mail went to the address, with a confirmation link for a new account
    /// (login works once it is followed) or, if the address already has an account, a note
    /// to its owner. The answer is the same either way.
    pub mail_sent: bool,
}

/// Register an account. The answer is the same whether or not the address already has an
/// account (see `Registered`); a taken or look-alike user name is a 422 on `username`.
#[utoipa::path(post, path = "/api/v1/users", tag = "auth", request_body = RegisterInput, responses((status = 202, body = Registered), (status = 422)))]
pub async fn api_register(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<RegisterInput>) -> AppResult<Response> {
    register_core(&app, &ctx, &input).await?;
    Ok((StatusCode::ACCEPTED, Json(Registered { mail_sent: true })).into_response())
}
