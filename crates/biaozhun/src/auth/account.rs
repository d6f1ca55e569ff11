//! A person's own account: changing the password, the mail address (confirmed by a link
//! mailed to the new address, with a notice to the old one), and the language of the mails
//! and notices the account receives. And what lets a single machine
//! without a mail server work end to end: an administrator confirms an account, or issues a
//! password-reset link that is mailed as usual and also shown on the user's admin page, to be
//! passed on by other means.

use super::routes::RESET_TTL;
use super::store::{self, Purpose, TokenState};
use super::{audit, password, sessions};
use crate::App;
use crate::jobs::mail;
use crate::web::ctx::redirect_with_flash;
use crate::web::{AppError, AppResult, Ctx, Form, JsonIn, Lang};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

/// How long a link confirming a new mail address stays valid.
pub const EMAIL_CHANGE_TTL: i64 = 24 * 3600;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    /// 10–128 characters, not a common password, not the user name.
    #[schema(min_length = 10, max_length = 128)]
    pub new_password: String,
    /// Must equal `new_password` (forms only; the API may omit it).
    #[serde(default)]
    pub new_password_confirm: Option<String>,
}

/// Checks the current password (a wrong one counts as a failed log-in for the account) and
/// sets the new one; every other session of the user ends.
async fn change_password_core(app: &App, ctx: &Ctx, input: &PasswordChange) -> AppResult<()> {
    let user = ctx.require_user()?;
    let acct = store::find_by_id(app, user.id).await?.ok_or(AppError::Unauthorized)?;
    if !password::verify_async(input.current_password.clone(), acct.password_hash.clone()).await {
        super::throttle::record(app, &[super::throttle::account_key(&acct.username)]).await?;
        return Err(AppError::invalid("current_password", ctx.t("account.current_password_wrong")));
    }
    if let Err(k) = password::check_policy(&input.new_password, &acct.username, &acct.email) {
        return Err(AppError::invalid("new_password", ctx.t(k)));
    }
    if input.new_password_confirm.as_deref().is_some_and(|c| c != input.new_password) {
        return Err(AppError::invalid("new_password_confirm", ctx.t("auth.password_mismatch")));
    }
    if input.new_password == input.current_password {
        return Err(AppError::invalid("new_password", ctx.t("account.password_same")));
    }
    let hash = password::hash_async(input.new_password.clone()).await?;
    let mut tx = app.db.begin().await?;
    store::set_password(&mut tx, acct.id, &hash).await?;
    sessions::destroy_all_for(&mut tx, acct.id, user.session_id.as_deref()).await?;
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "password.change", target: format!("user:{}", acct.id), detail: "other sessions ended".into() }).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct EmailChange {
    #[schema(max_length = 254, pattern = "^[^@\\s]+@[^@\\s]+$")]
    pub email: String,
    /// The current password, so that an unattended session cannot take over the account.
    pub password: String,
}

/// Mails a confirmation link to the new address; the address changes only when it is
/// followed. The answer is the same whether or not the address belongs to another account.
async fn change_email_core(app: &App, ctx: &Ctx, input: &EmailChange) -> AppResult<String> {
    let user = ctx.require_user()?;
    let acct = store::find_by_id(app, user.id).await?.ok_or(AppError::Unauthorized)?;
    let email = input.email.trim().to_string();
    if let Err(k) = store::check_email(&email) {
        return Err(AppError::invalid("email", ctx.t(k)));
    }
    if email.to_lowercase() == acct.email.to_lowercase() {
        return Err(AppError::invalid("email", ctx.t("account.email_same")));
    }
    if !password::verify_async(input.password.clone(), acct.password_hash.clone()).await {
        super::throttle::record(app, &[super::throttle::account_key(&acct.username)]).await?;
        return Err(AppError::invalid("password", ctx.t("account.current_password_wrong")));
    }
    let mut tx = app.db.begin().await?;
    let token = store::issue_token(&mut tx, acct.id, Purpose::EmailChange, EMAIL_CHANGE_TTL).await?;
    store::set_token_email(&mut tx, &token, &email).await?;
    let link = format!("{}/account/email/confirm/{token}", app.config.base_url.trim_end_matches('/'));
    let body = ctx.tf("mail.email_change.body", &[("name", &acct.username), ("link", &link), ("email", &email)]);
    mail::enqueue(&mut tx, &email, &ctx.t("mail.email_change.subject"), &body).await?;
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "user.email_change_requested", target: format!("user:{}", acct.id), detail: String::new() }).await?;
    tx.commit().await?;
    Ok(email)
}

/// `POST /account/password`.
pub async fn password_submit(State(app): State<App>, ctx: Ctx, Form(input): Form<PasswordChange>) -> AppResult<Response> {
    match change_password_core(&app, &ctx, &input).await {
        Ok(()) => Ok(redirect_with_flash(&app, "/account", "password_updated")),
        Err(AppError::Invalid { field, message }) => super::routes::account_page_with(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, context! { error => message, error_field => field, error_form => "password" }).await,
        Err(e) => Err(e),
    }
}

/// `POST /account/email`.
pub async fn email_submit(State(app): State<App>, ctx: Ctx, Form(input): Form<EmailChange>) -> AppResult<Response> {
    match change_email_core(&app, &ctx, &input).await {
        Ok(email) => super::routes::account_page_with(&app, &ctx, StatusCode::OK, context! { email_sent => email }).await,
        Err(AppError::Invalid { field, message }) => {
            let extra = context! { error => message, error_field => field, error_form => "email", new_email => input.email.trim() };
            super::routes::account_page_with(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, extra).await
        }
        Err(e) => Err(e),
    }
}

/// `GET /account/email/confirm/{token}`: the link mailed to the new address. Works in any
/// browser (the link is the proof); the old address hears of the change.
pub async fn email_confirm(State(app): State<App>, ctx: Ctx, Path(token): Path<String>) -> AppResult<Response> {
    let mut tx = app.db.begin().await?;
    let state = store::consume_token(&mut tx, &token, Purpose::EmailChange).await?;
    let key = match state {
        TokenState::Valid(uid) => {
            let new_email = store::token_email(&mut tx, &token).await?.unwrap_or_default();
            let old = store::find_by_id(&app, uid).await?.ok_or(AppError::NotFound)?;
            if store::set_email(&mut tx, uid, &new_email).await? {
                let body = crate::web::i18n::tf(old.locale, "mail.email_changed.body", &[("name", &old.username), ("email", &new_email)]);
                mail::enqueue(&mut tx, &old.email, &crate::web::i18n::t(old.locale, "mail.email_changed.subject"), &body).await?;
                let detail = format!("{} -> {}", old.email, new_email);
                audit::log_tx(&mut tx, &ctx, audit::Entry { action: "user.email_changed", target: format!("user:{uid}"), detail }).await?;
                "account.email_changed"
            } else {
                "account.email_in_use"
            }
        }
        TokenState::Expired => "auth.link_expired",
        TokenState::Used => "auth.link_used",
        TokenState::Unknown => "auth.link_invalid",
    };
    tx.commit().await?;
    let ok = key == "account.email_changed";
    let status = if ok { StatusCode::OK } else { StatusCode::GONE };
    ctx.render_status(&app, status, "message.html", context! { title => ctx.t("account.email_title"), message => ctx.t(key), ok => ok, link => "/account" })
}

/// Change the current user's password (browser sessions; other sessions end).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = PasswordChange,
    responses((status = 204), (status = 422, description = "Wrong current password, or a new one the policy refuses")))]
pub async fn api_password(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<PasswordChange>) -> AppResult<StatusCode> {
    change_password_core(&app, &ctx, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EmailChangeSent {
    /// The address the confirmation link went to; the account's address changes when it is followed.
    pub sent_to: String,
}

/// Ask to change the current user's mail address: a link goes to the new address.
#[utoipa::path(post, path = "/api/v1/me/email", tag = "auth", request_body = EmailChange,
    responses((status = 202, body = EmailChangeSent), (status = 422)))]
pub async fn api_email(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<EmailChange>) -> AppResult<(StatusCode, axum::Json<EmailChangeSent>)> {
    let sent_to = change_email_core(&app, &ctx, &input).await?;
    Ok((StatusCode::ACCEPTED, axum::Json(EmailChangeSent { sent_to })))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct MeUpdate {
    /// The language of the account's mails and notices (invitations, reminders, password
    /// resets…): `zh-CN` or `en`. The site's own language is the visitor's choice (a cookie).
    #[schema(example = "en", max_length = 16)]
    pub locale: String,
}

/// Sets the language the account's mails and notices are written in (`users.locale`, read
/// by every mail and notice to the account); audited with the old and new language. Setting
/// the language it already has changes nothing.
async fn change_language_core(app: &App, ctx: &Ctx, input: &MeUpdate) -> AppResult<Lang> {
    let user = ctx.require_user()?;
    let lang = Lang::parse(&input.locale).ok_or_else(|| AppError::invalid("locale", ctx.t("account.locale_invalid")))?;
    let mut tx = app.db.begin().await?;
    let old: String = sqlx::query_scalar("SELECT locale FROM users WHERE id = $1").bind(user.id).fetch_optional(&mut *tx).await?.ok_or(AppError::Unauthorized)?;
    if old != lang.code() {
        store::set_locale(&mut tx, user.id, lang).await?;
        let detail = format!("{old} -> {}", lang.code());
        audit::log_tx(&mut tx, ctx, audit::Entry { action: "user.locale", target: format!("user:{}", user.id), detail }).await?;
    }
    tx.commit().await?;
    Ok(lang)
}

/// `POST /account/language`.
pub async fn language_submit(State(app): State<App>, ctx: Ctx, Form(input): Form<MeUpdate>) -> AppResult<Response> {
    match change_language_core(&app, &ctx, &input).await {
        Ok(_) => Ok(redirect_with_flash(&app, "/account", "language_saved")),
        Err(AppError::Invalid { field, message }) => super::routes::account_page_with(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, context! { error => message, error_field => field, error_form => "language" }).await,
        Err(e) => Err(e),
    }
}

/// Change the current user's settings: the language of their mails and notices. Answers the
/// user as `GET /api/v1/me` does, with the new language.
#[utoipa::path(put, path = "/api/v1/me", tag = "auth", request_body = MeUpdate,
    responses((status = 200, body = super::routes::Me), (status = 422, description = "A language other than `zh-CN` or `en` (field `locale`)")))]
pub async fn api_me_update(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<MeUpdate>) -> AppResult<axum::Json<super::routes::Me>> {
    let lang = change_language_core(&app, &ctx, &input).await?;
    let mut me = super::routes::me_of(ctx.require_user()?);
    me.locale = lang.code().to_string();
    Ok(axum::Json(me))
}

// ---------------------------------------------------------------------------------------
// Administrators, for a machine without a mail server

/// `POST /admin/users/{id}/confirm`: marks the account's address confirmed (the person
/// showed it some other way), so that they can log in.
pub async fn admin_confirm(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    store::find_by_id(&app, id).await?.ok_or(AppError::NotFound)?;
    let mut tx = app.db.begin().await?;
    let n = sqlx::query("UPDATE users SET email_confirmed_at = $1, updated_at = $1 WHERE id = $2 AND email_confirmed_at IS NULL")
        .bind(crate::util::now())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n > 0 {
        audit::log_tx(&mut tx, &ctx, audit::Entry { action: "user.confirmed_by_admin", target: format!("user:{id}"), detail: String::new() }).await?;
    }
    tx.commit().await?;
    Ok(redirect_with_flash(&app, &format!("/admin/users/{id}"), "account_confirmed"))
}

/// `POST /admin/users/{id}/reset-link`: a password-reset link, mailed to the user as the
/// forgotten-password form would, and shown to the administrator to pass on.
pub async fn admin_reset_link(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let acct = store::find_by_id(&app, id).await?.ok_or(AppError::NotFound)?;
    let mut tx = app.db.begin().await?;
    let link = mail_reset_link(&app, &mut tx, &acct).await?;
    audit::log_tx(&mut tx, &ctx, audit::Entry { action: "password.reset_link_by_admin", target: format!("user:{id}"), detail: String::new() }).await?;
    tx.commit().await?;
    super::routes::admin_user_page(&app, &ctx, id, context! { reset_link => link }).await
}

/// Issues a password-reset token for `acct` and mails its link in the account's language,
/// in the caller's transaction; returns the link. The one way a reset link is made (the
/// forgotten-password form and an administrator's button).
pub(super) async fn mail_reset_link(app: &App, tx: &mut crate::db::Tx, acct: &store::Account) -> AppResult<String> {
    let token = store::issue_token(tx, acct.id, Purpose::Reset, RESET_TTL).await?;
    let link = format!("{}/password/reset/{token}", app.config.base_url.trim_end_matches('/'));
    let lang = acct.locale;
    let body = crate::web::i18n::tf(lang, "mail.reset.body", &[("name", &acct.username), ("link", &link)]);
    mail::enqueue(tx, &acct.email, &crate::web::i18n::t(lang, "mail.reset.subject"), &body).await?;
    Ok(link)
}
