//! Pages and API of the auth room: login, logout, registration and confirmation,
//! password reset, the account page with API tokens, notifications, and administration
//! of users, roles, the audit log and the mail outbox.

use super::captcha;
use super::store::{self, Purpose, TokenState};
use super::{Role, audit, identity, password, register, sessions, throttle, tokens};
use crate::App;
use crate::jobs::{mail, notify};
use crate::web::ctx::{ACCOUNT_COOKIE, CSRF_COOKIE, SESSION_COOKIE, redirect_with_flash, safe_next, session_csrf, set_cookie};
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use sqlx::Row;

pub fn routes() -> Routes {
    Routes::new()
        .get("/captcha/{file}", Access::Public, captcha::image)
        .get("/api/v1/captcha", Access::Public, captcha::api_new)
        .get("/login", Access::Public, login_page)
        .post("/login", Access::Public, login_submit)
        .post("/logout", Access::Public, logout)
        .get("/register", Access::Public, register::register_page)
        .post("/register", Access::Public, register::register_submit)
        .get("/confirm/{token}", Access::Public, register::confirm)
        .get("/password/forgot", Access::Public, forgot_page)
        .post("/password/forgot", Access::Public, forgot_submit)
        .get("/password/reset/{token}", Access::Public, reset_page)
        .post("/password/reset/{token}", Access::Public, reset_submit)
        .get("/account", Access::User, account_page)
        .post("/account/password", Access::User, super::account::password_submit)
        .post("/account/email", Access::User, super::account::email_submit)
        .post("/account/language", Access::User, super::account::language_submit)
        .get("/account/email/confirm/{token}", Access::Public, super::account::email_confirm)
        .post("/account/tokens", Access::User, token_create)
        .post("/account/tokens/{id}/revoke", Access::User, token_revoke)
        .get("/notifications", Access::User, notifications_page)
        .post("/notifications/read", Access::User, notifications_read)
        .get("/admin/users", Access::Admin, admin_users)
        .get("/admin/users/{id}", Access::Admin, admin_user)
        .post("/admin/users/{id}/roles", Access::Admin, admin_set_roles)
        .post("/admin/users/{id}/confirm", Access::Admin, super::account::admin_confirm)
        .post("/admin/users/{id}/reset-link", Access::Admin, super::account::admin_reset_link)
        .get("/admin/audit", Access::Admin, admin_audit)
        .get("/admin/outbox", Access::Admin, admin_outbox)
        .post("/api/v1/session", Access::Public, api_login)
        .delete("/api/v1/session", Access::User, api_logout)
        .post("/api/v1/users", Access::Public, register::api_register)
        .post("/api/v1/password-reset", Access::Public, api_forgot)
        .get("/api/v1/me", Access::User, api_me)
        .put("/api/v1/me", Access::User, super::account::api_me_update)
        .post("/api/v1/me/password", Access::User, super::account::api_password)
        .post("/api/v1/me/email", Access::User, super::account::api_email)
        .get("/api/v1/me/tokens", Access::User, api_tokens)
        .post("/api/v1/me/tokens", Access::User, api_token_create)
        .delete("/api/v1/me/tokens/{id}", Access::User, api_token_revoke)
        .get("/api/v1/me/notifications", Access::User, api_notifications)
        .put("/api/v1/users/{id}/roles", Access::Admin, api_set_roles)
        .get("/api/v1/audit", Access::Admin, api_audit)
        .merge(test_hooks())
}

#[cfg(debug_assertions)]
fn test_hooks() -> Routes {
    Routes::new().get("/__test/captcha/{id}", Access::Public, captcha::test_answer)
}
#[cfg(not(debug_assertions))]
fn test_hooks() -> Routes {
    Routes::new()
}

// ---------------------------------------------------------------------------------------
// Login

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginInput {
    /// User name or mail address.
    pub account: String,
    pub password: String,
    /// Needed only after a failed log-in from the same address or for the same account
    /// (the error then names `captcha_answer`); when sent, always checked.
    #[serde(default)]
    pub captcha_id: String,
    #[serde(default)]
    pub captcha_answer: String,
    /// Keep the account name (never the password) in a long-lived cookie.
    #[serde(default, deserialize_with = "checkbox")]
    pub remember: bool,
    #[serde(default)]
    pub next: Option<String>,
}

pub use crate::web::form::checkbox;

/// Checks captcha, throttling and credentials; on success starts a session.
async fn login_core(app: &App, ctx: &Ctx, input: &LoginInput) -> AppResult<(i64, String)> {
    let account = input.account.trim();
    let keys = [throttle::account_key(account), throttle::ip_key(&ctx.ip)];
    if let Some(wait) = throttle::blocked_for(app, &keys, throttle::MAX_FAILURES, throttle::WINDOW_SECS).await? {
        audit::log(app, ctx, "login.refused_throttled", format!("account:{account}"), "").await;
        let minutes = ((wait + 59) / 60).to_string();
        return Err(AppError::TooMany { message: ctx.tf("auth.throttled", &[("minutes", &minutes)]), retry_after: wait });
    }
    let sent = !input.captcha_id.trim().is_empty();
    if !sent && captcha_needed(app, &ctx.ip, account).await? {
        return Err(AppError::invalid("captcha_answer", ctx.t("auth.captcha_required")));
    }
    if sent {
        if let Some(key) = captcha::verify(app, &input.captcha_id, &input.captcha_answer).await?.problem() {
            throttle::record(app, &keys[1..]).await?;
            return Err(AppError::invalid("captcha_answer", ctx.t(key)));
        }
    }
    let found = store::find_by_account(app, account).await?;
    let hash = found.as_ref().map(|a| a.password_hash.clone()).unwrap_or_else(|| password::DUMMY_HASH.clone());
    let pw = input.password.clone();
    let ok = password::verify_async(pw, hash).await;
    let Some(acct) = found.filter(|a| ok && a.active) else {
        throttle::record(app, &keys).await?;
        audit::log(app, ctx, "login.failed", format!("account:{account}"), "").await;
        return Err(AppError::invalid("password", ctx.t("auth.bad_credentials")));
    };
    if !acct.confirmed {
        return Err(AppError::invalid("account", ctx.t("auth.unconfirmed")));
    }
    throttle::clear(app, &keys[0]).await?;
    let token = sessions::create(app, acct.id, &ctx.ip, &ctx.user_agent).await?;
    let user_ctx = Ctx { user: sessions::load_user(app, acct.id).await?.map(std::sync::Arc::new), ..ctx.clone() };
    audit::log(app, &user_ctx, "login.success", format!("user:{}", acct.id), "").await;
    Ok((acct.id, token))
}

/// Characters that may not appear raw in a cookie value.
const COOKIE_VALUE: &percent_encoding::AsciiSet =
    &percent_encoding::CONTROLS.add(b' ').add(b'"').add(b',').add(b';').add(b'\\').add(b'%').add(b'=');

fn login_cookies(app: &App, resp: &mut Response, session: &str, remember: Option<&str>) {
    let h = resp.headers_mut();
    h.append(header::SET_COOKIE, set_cookie(app, SESSION_COOKIE, session, None, true));
    match remember {
        Some(account) => {
            let v = percent_encoding::utf8_percent_encode(account, COOKIE_VALUE).to_string();
            h.append(header::SET_COOKIE, set_cookie(app, ACCOUNT_COOKIE, &v, Some(365 * 24 * 3600), true));
        }
        None => {
            h.append(header::SET_COOKIE, set_cookie(app, ACCOUNT_COOKIE, "", Some(0), true));
        }
    }
    // The pre-session CSRF value gives way to the new session's own token.
    h.append(header::SET_COOKIE, set_cookie(app, CSRF_COOKIE, &session_csrf(&app.secret, &crate::util::sha256_hex(session)), None, true));
}

/// A throttled form page says when to come back, as the API's 429 does.
fn with_retry_after(mut resp: Response, e: &AppError) -> Response {
    if let AppError::TooMany { retry_after, .. } = e {
        if let Ok(v) = header::HeaderValue::from_str(&retry_after.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
    /// `question` asks the sum in words instead of the picture.
    captcha: Option<String>,
}

/// Whether a log-in must answer a captcha: only after a failed attempt, within the throttle
/// window, from this address or (when known) for this account.
pub async fn captcha_needed(app: &App, ip: &str, account: &str) -> AppResult<bool> {
    let mut keys = vec![throttle::ip_key(ip)];
    if !account.trim().is_empty() {
        keys.push(throttle::account_key(account.trim()));
    }
    Ok(throttle::blocked_for(app, &keys, 1, throttle::WINDOW_SECS).await?.is_some())
}

/// The captcha fields of a form (`captcha_fields` in macros.html): a picture, or the question.
pub fn captcha_context(app: &App, ctx: &Ctx, kind: captcha::Kind) -> minijinja::Value {
    let ch = captcha::challenge(app, kind, ctx.lang);
    context! { captcha_id => ch.id, captcha_image => ch.image, captcha_question => ch.question }
}

/// The log-in box without a captcha (the home page's box; a first attempt needs none).
pub fn login_form_context(_app: &App, ctx: &Ctx) -> minijinja::Value {
    context! { remembered => &ctx.remembered_account }
}

/// The log-in box, with the captcha when this address or account has failed recently.
async fn login_box_context(app: &App, ctx: &Ctx, account: &str, kind: Option<&str>) -> AppResult<minijinja::Value> {
    let base = login_form_context(app, ctx);
    if kind.is_some() || captcha_needed(app, &ctx.ip, account).await? {
        let ch = captcha_context(app, ctx, captcha::Kind::from_query(kind));
        return Ok(context! { ..ch, ..base });
    }
    Ok(base)
}

async fn login_page(State(app): State<App>, ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let login = login_box_context(&app, &ctx, "", q.captcha.as_deref()).await?;
    let extra = context! { next => safe_next(q.next.as_deref()), login => login };
    ctx.render(&app, "auth/login.html", extra)
}

async fn login_submit(State(app): State<App>, ctx: Ctx, Form(input): Form<LoginInput>) -> AppResult<Response> {
    match login_core(&app, &ctx, &input).await {
        Ok((_, token)) => {
            if let Some(old) = ctx.user.as_ref().and_then(|u| u.session_id.clone()) {
                sessions::destroy(&app, &old).await?;
            }
            let mut resp = Redirect::to(&safe_next(input.next.as_deref())).into_response();
            login_cookies(&app, &mut resp, &token, input.remember.then_some(input.account.trim()));
            Ok(resp)
        }
        Err(e @ (AppError::Invalid { .. } | AppError::TooMany { .. })) => {
            let status = e.status();
            let (field, message) = match &e {
                AppError::Invalid { field, message } => (field.clone(), message.clone()),
                AppError::TooMany { message, .. } => (None, message.clone()),
                _ => (None, String::new()),
            };
            let login = login_box_context(&app, &ctx, input.account.trim(), None).await?;
            let extra = context! {
                next => safe_next(input.next.as_deref()),
                error => message, error_field => field, account => input.account.trim(),
                login => login,
            };
            Ok(with_retry_after(ctx.render_status(&app, status, "auth/login.html", extra)?, &e))
        }
        Err(e) => Err(e),
    }
}

async fn logout(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    if let Some(u) = &ctx.user {
        if let Some(sid) = &u.session_id {
            sessions::destroy(&app, sid).await?;
        }
        audit::log(&app, &ctx, "logout", format!("user:{}", u.id), "").await;
    }
    let mut resp = redirect_with_flash(&app, "/", "logged_out");
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(&app, SESSION_COOKIE, "", Some(0), true));
    // A new pre-session CSRF value: the ended session's token is of no further use.
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(&app, CSRF_COOKIE, &crate::util::random_token(32), None, true));
    Ok(resp)
}

pub const RESET_TTL: i64 = 30 * 60;

// ---------------------------------------------------------------------------------------
// Password reset

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ForgotInput {
    /// User name or mail address.
    pub account: String,
    pub captcha_id: String,
    pub captcha_answer: String,
}

/// Mails a reset link if the account exists; the answer is the same either way.
async fn forgot_core(app: &App, ctx: &Ctx, input: &ForgotInput) -> AppResult<()> {
    let account = input.account.trim();
    let keys = [format!("reset-account:{}", identity::key(account)), format!("reset-ip:{}", ctx.ip)];
    if let Some(wait) = throttle::blocked_for(app, &keys, throttle::MAX_FAILURES, throttle::WINDOW_SECS).await? {
        let minutes = ((wait + 59) / 60).to_string();
        return Err(AppError::TooMany { message: ctx.tf("auth.throttled", &[("minutes", &minutes)]), retry_after: wait });
    }
    if let Some(key) = captcha::verify(app, &input.captcha_id, &input.captcha_answer).await?.problem() {
        return Err(AppError::invalid("captcha_answer", ctx.t(key)));
    }
    throttle::record(app, &keys).await?;
    if let Some(acct) = store::find_by_account(app, account).await?.filter(|a| a.active) {
        let mut tx = app.db.begin().await?;
        super::account::mail_reset_link(app, &mut tx, &acct).await?;
        audit::log_tx(&mut tx, ctx, audit::Entry { action: "password.reset_requested", target: format!("user:{}", acct.id), detail: String::new() }).await?;
        tx.commit().await?;
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct CaptchaQuery {
    /// `question` asks the sum in words instead of the picture.
    pub captcha: Option<String>,
}

async fn forgot_page(State(app): State<App>, ctx: Ctx, Query(q): Query<CaptchaQuery>) -> AppResult<Response> {
    let kind = captcha::Kind::from_query(q.captcha.as_deref());
    ctx.render(&app, "auth/forgot.html", context! { login => captcha_context(&app, &ctx, kind) })
}

async fn forgot_submit(State(app): State<App>, ctx: Ctx, Form(input): Form<ForgotInput>) -> AppResult<Response> {
    match forgot_core(&app, &ctx, &input).await {
        Ok(()) => ctx.render(&app, "message.html", context! { title => ctx.t("auth.forgot_title"), message => ctx.t("auth.reset_sent"), ok => true }),
        Err(e @ (AppError::Invalid { .. } | AppError::TooMany { .. })) => {
            let status = e.status();
            let extra = context! { error => e.to_string(), account => input.account.trim(), login => captcha_context(&app, &ctx, captcha::Kind::Image) };
            Ok(with_retry_after(ctx.render_status(&app, status, "auth/forgot.html", extra)?, &e))
        }
        Err(e) => Err(e),
    }
}

fn token_message(state: &TokenState) -> &'static str {
    match state {
        TokenState::Valid(_) => "",
        TokenState::Expired => "auth.link_expired",
        TokenState::Used => "auth.link_used",
        TokenState::Unknown => "auth.link_invalid",
    }
}

async fn reset_page(State(app): State<App>, ctx: Ctx, Path(token): Path<String>) -> AppResult<Response> {
    let state = store::peek_token(&app, &token, Purpose::Reset).await?;
    if !matches!(state, TokenState::Valid(_)) {
        let status = axum::http::StatusCode::GONE;
        return ctx.render_status(&app, status, "message.html", context! { title => ctx.t("auth.reset_title"), message => ctx.t(token_message(&state)), link => "/password/forgot" });
    }
    ctx.render(&app, "auth/reset.html", context! { token => token })
}

#[derive(Deserialize)]
struct ResetInput {
    password: String,
    password_confirm: String,
}

async fn reset_submit(State(app): State<App>, ctx: Ctx, Path(token): Path<String>, Form(input): Form<ResetInput>) -> AppResult<Response> {
    let user = match store::peek_token(&app, &token, Purpose::Reset).await? {
        TokenState::Valid(uid) => store::find_by_id(&app, uid).await?.ok_or(AppError::NotFound)?,
        other => {
            return ctx.render_status(&app, axum::http::StatusCode::GONE, "message.html", context! { title => ctx.t("auth.reset_title"), message => ctx.t(token_message(&other)), link => "/password/forgot" });
        }
    };
    let problem = password::check_policy(&input.password, &user.username, &user.email)
        .err()
        .or((input.password != input.password_confirm).then_some("auth.password_mismatch"));
    if let Some(k) = problem {
        return ctx.render_status(&app, axum::http::StatusCode::UNPROCESSABLE_ENTITY, "auth/reset.html", context! { token => token, error => ctx.t(k) });
    }
    let pw = input.password.clone();
    let hash = password::hash_async(pw).await?;
    let mut tx = app.db.begin().await?;
    match store::consume_token(&mut tx, &token, Purpose::Reset).await? {
        TokenState::Valid(uid) if uid == user.id => {}
        other => {
            tx.rollback().await?;
            return ctx.render_status(&app, axum::http::StatusCode::GONE, "message.html", context! { title => ctx.t("auth.reset_title"), message => ctx.t(token_message(&other)) });
        }
    }
    store::set_password(&mut tx, user.id, &hash).await?;
    // The link reached the mailbox, which confirms the address (invited users start here).
    sqlx::query("UPDATE users SET email_confirmed_at = COALESCE(email_confirmed_at, $1) WHERE id = $2")
        .bind(crate::util::now())
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
    sessions::destroy_all_for(&mut tx, user.id, None).await?;
    audit::log_tx(&mut tx, &ctx, audit::Entry { action: "password.reset", target: format!("user:{}", user.id), detail: "all sessions ended".into() }).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&app, "/login", "password_changed"))
}

// ---------------------------------------------------------------------------------------
// Account, tokens, notifications

async fn account_page(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    account_page_with(&app, &ctx, axum::http::StatusCode::OK, context! {}).await
}

/// The account page, with what a form on it needs to show (a new token, an error, a sent link).
pub(super) async fn account_page_with(app: &App, ctx: &Ctx, status: axum::http::StatusCode, extra: minijinja::Value) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let tokens = tokens::list(app, user.id).await?;
    let roles: Vec<&str> = user.roles.iter().map(|r| r.as_str()).collect();
    let orgs = crate::orgs::routes::panel(app, user.id).await?;
    // What the domains show of this user here (a membership's number and term, …).
    let mut panels: Vec<crate::web::domain::Panel> = Vec::new();
    for d in app.domains.iter() {
        if let Some(hook) = d.hooks.account {
            panels.extend(hook(app, ctx).await?);
        }
    }
    panels.sort_by_key(|p| p.order);
    let (facts, sections): (Vec<_>, Vec<_>) = panels.into_iter().partition(|p| p.place == crate::web::domain::Place::Side);
    let base = context! { tokens => tokens, roles => roles, email => &user.email, locale => user.locale.code(), orgs => orgs, facts => facts, sections => sections };
    ctx.render_status(app, status, "auth/account.html", context! { ..extra, ..base })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenInput {
    /// 1–80 characters.
    #[schema(min_length = 1, max_length = 80)]
    pub name: String,
    /// What the token may do: `read` (always), `write` (any change), `admin` (administrator
    /// routes if you are an administrator, and token management). Default: `["read"]`. A
    /// token making a token can give only the scopes it has.
    #[serde(default)]
    #[schema(value_type = Vec<tokens::Scope>)]
    pub scopes: Vec<String>,
}

/// The scopes named in a form or request; an unknown word is a 422 on `scopes`.
fn scopes_of<'a>(ctx: &Ctx, words: impl IntoIterator<Item = &'a str>) -> AppResult<tokens::Scopes> {
    let mut list = Vec::new();
    for w in words {
        list.push(tokens::Scope::parse(w).ok_or_else(|| AppError::invalid("scopes", ctx.t("account.scope_unknown")))?);
    }
    Ok(tokens::Scopes::of(&list))
}

/// Makes a token for the current user, and its audit entry, in one transaction.
async fn create_token(app: &App, ctx: &Ctx, name: &str, scopes: tokens::Scopes) -> AppResult<(tokens::TokenInfo, String)> {
    let maker = tokens::Maker::of(ctx.require_user()?);
    let mut tx = app.db.begin().await?;
    let (info, token) = tokens::create(&mut tx, &maker, name, scopes).await?;
    let detail = format!("{} ({})", info.name, scopes.to_db());
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "token.create", target: format!("token:{}", info.id), detail }).await?;
    tx.commit().await?;
    Ok((info, token))
}

/// Revokes a token of the current user and those made from it, with the audit entry.
async fn revoke_token(app: &App, ctx: &Ctx, id: i64) -> AppResult<()> {
    let user = ctx.require_user()?;
    let mut tx = app.db.begin().await?;
    let n = tokens::revoke(&mut tx, user.id, id).await?;
    let detail = if n > 1 { format!("and {} token(s) made from it", n - 1) } else { String::new() };
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "token.revoke", target: format!("token:{id}"), detail }).await?;
    tx.commit().await?;
    Ok(())
}

/// The account page's form: a name and the `scopes` checkboxes.
async fn token_create(State(app): State<App>, ctx: Ctx, body: String) -> AppResult<Response> {
    ctx.require_user()?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&body).map_err(|e| AppError::invalid("name", e.to_string()))?;
    if let Some(field) = crate::web::nul_pair(&pairs) {
        return Err(crate::web::nul_error(field));
    }
    let name = pairs.iter().find(|(k, _)| k == "name").map(|(_, v)| v.as_str()).unwrap_or("");
    let scopes = scopes_of(&ctx, pairs.iter().filter(|(k, _)| k == "scopes").map(|(_, v)| v.as_str()))?;
    let (_, token) = create_token(&app, &ctx, name, scopes).await?;
    account_page_with(&app, &ctx, axum::http::StatusCode::OK, context! { new_token => token }).await
}

async fn token_revoke(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    revoke_token(&app, &ctx, id).await?;
    Ok(redirect_with_flash(&app, "/account", "token_revoked"))
}

async fn notifications_page(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let items = notify::list(&app, user.id, 100).await?;
    ctx.render(&app, "auth/notifications.html", context! { items => items })
}

async fn notifications_read(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    notify::mark_all_read(&app, user.id).await?;
    Ok(Redirect::to("/notifications").into_response())
}

// ---------------------------------------------------------------------------------------
// Administration

#[derive(Deserialize)]
struct UserSearch {
    q: Option<String>,
}

#[derive(Serialize)]
struct UserRow {
    id: i64,
    username: String,
    email: String,
    confirmed: bool,
    status: String,
    /// Role codes (`admin`, `staff` …), named in the page's language by the template.
    roles: Vec<String>,
    created_at: i64,
}

async fn admin_users(State(app): State<App>, ctx: Ctx, Query(q): Query<UserSearch>) -> AppResult<Response> {
    let needle = q.q.as_deref().unwrap_or("").trim().to_lowercase();
    let rows = sqlx::query(
        "SELECT u.id, u.username, u.email, u.email_confirmed_at, u.status, u.created_at FROM users u \
         WHERE ($1 = '' OR u.username_key LIKE $2 OR u.email_key LIKE $2) ORDER BY u.id DESC LIMIT 200",
    )
    .bind(&needle)
    .bind(format!("%{needle}%"))
    .fetch_all(&app.db.pool)
    .await?;
    let grants = sqlx::query("SELECT user_id, role FROM user_roles ORDER BY role").fetch_all(&app.db.pool).await?;
    let roles_of = |id: i64| -> Vec<String> {
        grants
            .iter()
            .filter(|g| g.try_get::<i64, _>("user_id").ok() == Some(id))
            .filter_map(|g| g.try_get::<String, _>("role").ok())
            .collect()
    };
    let users: Vec<UserRow> = rows
        .iter()
        .map(|r| {
            let c: Option<i64> = r.try_get("email_confirmed_at")?;
            Ok(UserRow {
                id: r.try_get("id")?,
                username: r.try_get("username")?,
                email: r.try_get("email")?,
                confirmed: c.is_some(),
                status: r.try_get("status")?,
                roles: roles_of(r.try_get("id")?),
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()?;
    ctx.render(&app, "admin/users.html", context! { users => users, q => q.q })
}

async fn admin_user(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    admin_user_page(&app, &ctx, id, context! {}).await
}

/// A user's admin page: roles, confirmation, a reset link when asked for, recent mail, history.
pub(super) async fn admin_user_page(app: &App, ctx: &Ctx, id: i64, extra: minijinja::Value) -> AppResult<Response> {
    let status = if extra.get_attr("error").is_ok_and(|v| !v.is_undefined()) { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    let acct = store::find_by_id(app, id).await?.ok_or(AppError::NotFound)?;
    let roles = store::roles_of(app, id).await?;
    let all: Vec<(&str, bool)> = Role::ALL.iter().map(|r| (r.as_str(), roles.contains(r))).collect();
    let history = audit_entries(app, Some(&format!("user:{id}")), 50).await?;
    let mails = mail::list(app, Some(&acct.email), 10).await?;
    let base = context! {
        account => context! { id => acct.id, username => acct.username, email => acct.email, confirmed => acct.confirmed },
        roles => all, history => history, mails => mails, smtp => !app.config.smtp.host.is_empty(),
    };
    ctx.render_status(app, status, "admin/user.html", context! { ..extra, ..base })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RolesInput {
    /// The complete set of roles the user should have.
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Why (kept in the audit log).
    pub reason: String,
}

/// Replaces a user's roles, with the reason in the audit log, in one transaction.
async fn set_roles_core(app: &App, ctx: &Ctx, user_id: i64, roles: &[Role], reason: &str) -> AppResult<(Vec<Role>, Vec<Role>)> {
    if reason.trim().is_empty() {
        return Err(AppError::invalid("reason", ctx.t("admin.reason_required")));
    }
    store::find_by_id(app, user_id).await?.ok_or(AppError::NotFound)?;
    let me = ctx.require_user()?;
    if me.id == user_id && !roles.contains(&Role::Admin) {
        return Err(AppError::Conflict(ctx.t("admin.cannot_demote_self")));
    }
    let mut tx = app.db.begin().await?;
    let (added, removed) = store::set_roles(&mut tx, user_id, roles, Some(me.id)).await?;
    if !added.is_empty() || !removed.is_empty() {
        let detail = serde_json::json!({ "added": added, "removed": removed, "reason": reason.trim() }).to_string();
        audit::log_tx(&mut tx, ctx, audit::Entry { action: "user.roles_changed", target: format!("user:{user_id}"), detail }).await?;
    }
    tx.commit().await?;
    Ok((added, removed))
}

async fn admin_set_roles(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, body: String) -> AppResult<Response> {
    // A form with repeated `roles` checkboxes.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&body).map_err(|e| AppError::invalid("roles", e.to_string()))?;
    let roles: Vec<Role> = pairs.iter().filter(|(k, _)| k == "roles").filter_map(|(_, v)| Role::parse(v)).collect();
    let reason = pairs.iter().find(|(k, _)| k == "reason").map(|(_, v)| v.as_str()).unwrap_or("");
    match set_roles_core(&app, &ctx, id, &roles, reason).await {
        Ok(_) => Ok(redirect_with_flash(&app, &format!("/admin/users/{id}"), "roles_saved")),
        Err(AppError::Invalid { message, .. }) | Err(AppError::Conflict(message)) => admin_user_page(&app, &ctx, id, context! { error => message }).await,
        Err(e) => Err(e),
    }
}

#[derive(Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub ip: String,
}

async fn audit_entries(app: &App, target: Option<&str>, limit: i64) -> AppResult<Vec<AuditEntry>> {
    Ok(sqlx::query_as::<_, AuditEntry>(
        "SELECT id, at, actor_name AS actor, action, target, detail, ip FROM audit_log WHERE ($1 = '' OR target = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(target.unwrap_or(""))
    .bind(limit)
    .fetch_all(&app.db.pool)
    .await?)
}

async fn admin_audit(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let entries = audit_entries(&app, None, 300).await?;
    ctx.render(&app, "admin/audit.html", context! { entries => entries })
}

async fn admin_outbox(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let items = mail::list(&app, None, 200).await?;
    ctx.render(&app, "admin/outbox.html", context! { items => items, smtp => !app.config.smtp.host.is_empty() })
}

// ---------------------------------------------------------------------------------------
// API

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub member: bool,
    pub member_until: Option<i64>,
    /// The language of the account's mails and notices: `zh-CN` or `en`.
    pub locale: String,
}

pub(super) fn me_of(u: &super::CurrentUser) -> Me {
    let locale = u.locale.code().to_string();
    Me { id: u.id, username: u.username.clone(), email: u.email.clone(), roles: u.roles.clone(), member: u.is_member(), member_until: u.member_until, locale }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginOutput {
    pub user: Me,
    /// Send as `X-CSRF-Token` with state-changing requests made with the session cookie.
    pub csrf_token: String,
}

/// Log in with account, password and captcha; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/session", tag = "auth", request_body = LoginInput,
    responses((status = 200, body = LoginOutput), (status = 422, description = "wrong captcha or credentials"), (status = 429, description = "throttled")))]
pub async fn api_login(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<LoginInput>) -> AppResult<Response> {
    let (uid, token) = login_core(&app, &ctx, &input).await?;
    let user = sessions::load_user(&app, uid).await?.ok_or(AppError::Unauthorized)?;
    let csrf = session_csrf(&app.secret, &crate::util::sha256_hex(&token));
    let mut resp = Json(LoginOutput { user: me_of(&user), csrf_token: csrf }).into_response();
    login_cookies(&app, &mut resp, &token, input.remember.then_some(input.account.trim()));
    Ok(resp)
}

/// End the current session.
#[utoipa::path(delete, path = "/api/v1/session", tag = "auth", responses((status = 204)))]
pub async fn api_logout(State(app): State<App>, ctx: Ctx) -> AppResult<axum::http::StatusCode> {
    if let Some(sid) = ctx.user.as_ref().and_then(|u| u.session_id.clone()) {
        sessions::destroy(&app, &sid).await?;
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Ask for a password-reset link (same answer whether or not the account exists).
#[utoipa::path(post, path = "/api/v1/password-reset", tag = "auth", request_body = ForgotInput, responses((status = 202), (status = 422), (status = 429)))]
pub async fn api_forgot(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<ForgotInput>) -> AppResult<axum::http::StatusCode> {
    forgot_core(&app, &ctx, &input).await?;
    Ok(axum::http::StatusCode::ACCEPTED)
}

/// The current user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = Me), (status = 401)))]
pub async fn api_me(ctx: Ctx) -> AppResult<Json<Me>> {
    Ok(Json(me_of(ctx.require_user()?)))
}

/// The current user's API tokens, with their scopes. A browser session, or a token with
/// the `admin` scope.
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "auth",
    responses((status = 200, body = Vec<tokens::TokenInfo>), (status = 403, description = "A token without the `admin` scope")))]
pub async fn api_tokens(State(app): State<App>, ctx: Ctx) -> AppResult<Json<Vec<tokens::TokenInfo>>> {
    Ok(Json(tokens::list(&app, ctx.require_user()?.id).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NewToken {
    pub info: tokens::TokenInfo,
    /// Shown once; send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Create an API token with the given scopes. A browser session, or a token with the
/// `admin` scope, which can give the new token only the scopes it has itself; a token made
/// by a token is revoked with it.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "auth", request_body = TokenInput,
    responses((status = 201, body = NewToken), (status = 403, description = "A token without the `admin` and `write` scopes"),
        (status = 422, description = "A bad name, or scopes beyond those of the token making it")))]
pub async fn api_token_create(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<TokenInput>) -> AppResult<Response> {
    let scopes = scopes_of(&ctx, input.scopes.iter().map(String::as_str))?;
    let (info, token) = create_token(&app, &ctx, &input.name, scopes).await?;
    Ok((axum::http::StatusCode::CREATED, Json(NewToken { info, token })).into_response())
}

/// Revoke an API token, and every token made from it. A browser session, or a token with
/// the `admin` scope.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "auth", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, description = "A token without the `admin` and `write` scopes"), (status = 404)))]
pub async fn api_token_revoke(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<axum::http::StatusCode> {
    revoke_token(&app, &ctx, id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The current user's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "auth", responses((status = 200, body = Vec<notify::NotificationView>)))]
pub async fn api_notifications(State(app): State<App>, ctx: Ctx) -> AppResult<Json<Vec<notify::NotificationView>>> {
    Ok(Json(notify::list(&app, ctx.require_user()?.id, 100).await?))
}

/// Set a user's roles (admin); the reason goes to the audit log.
/// What a change of roles did.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RolesChanged {
    pub added: Vec<Role>,
    pub removed: Vec<Role>,
}

#[utoipa::path(put, path = "/api/v1/users/{id}/roles", tag = "admin", params(("id" = i64, Path)), request_body = RolesInput,
    responses((status = 200, body = RolesChanged), (status = 409, description = "An administrator cannot remove their own admin role"), (status = 422)))]
pub async fn api_set_roles(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<RolesInput>) -> AppResult<Json<RolesChanged>> {
    let (added, removed) = set_roles_core(&app, &ctx, id, &input.roles, &input.reason).await?;
    Ok(Json(RolesChanged { added, removed }))
}

/// The audit log, newest first (admin).
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", responses((status = 200, body = Vec<AuditEntry>)))]
pub async fn api_audit(State(app): State<App>) -> AppResult<Json<Vec<AuditEntry>>> {
    Ok(Json(audit_entries(&app, None, 500).await?))
}
