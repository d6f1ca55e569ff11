//! Browser sessions, stored in the database (hash of the cookie value), so any server
//! can serve any request. Idle sessions end after 12 hours, all sessions after 7 days.

use super::{CurrentUser, Role};
use crate::App;
use crate::web::AppError;
use sqlx::Row;

pub const IDLE_SECS: i64 = 12 * 3600;
pub const MAX_SECS: i64 = 7 * 24 * 3600;
const TOUCH_EVERY: i64 = 300;

/// Creates a session and returns the cookie value (never stored as such).
pub async fn create(app: &App, user_id: i64, ip: &str, user_agent: &str) -> Result<String, AppError> {
    let token = crate::util::random_token(32);
    let now = crate::util::now();
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at, expires_at, ip, user_agent) VALUES ($1,$2,$3,$3,$4,$5,$6)",
    )
    .bind(crate::util::sha256_hex(&token))
    .bind(user_id)
    .bind(now)
    .bind(now + IDLE_SECS)
    .bind(ip)
    .bind(user_agent)
    .execute(&app.db.pool)
    .await?;
    Ok(token)
}

pub async fn destroy(app: &App, token_or_hash: &str) -> Result<(), AppError> {
    let hash = if token_or_hash.len() == 64 && token_or_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        token_or_hash.to_string()
    } else {
        crate::util::sha256_hex(token_or_hash)
    };
    sqlx::query("DELETE FROM sessions WHERE id = $1").bind(hash).execute(&app.db.pool).await?;
    Ok(())
}

/// Ends every session of a user except `keep` (a session hash), e.g. after a password change.
pub async fn destroy_all_for(tx: &mut crate::db::Tx, user_id: i64, keep: Option<&str>) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The user behind a session cookie, if the session is alive.
pub async fn load(app: &App, token: &str) -> Result<Option<CurrentUser>, AppError> {
    if token.len() > 100 {
        return Ok(None);
    }
    let hash = crate::util::sha256_hex(token);
    let now = crate::util::now();
    let row = sqlx::query(
        "SELECT s.user_id, s.created_at, s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.id = $1 AND s.expires_at > $2 AND u.status = 'active'",
    )
    .bind(&hash)
    .bind(now)
    .fetch_optional(&app.db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let user_id: i64 = row.try_get("user_id")?;
    let created: i64 = row.try_get("created_at")?;
    let last_seen: i64 = row.try_get("last_seen_at")?;
    if now - last_seen > TOUCH_EVERY {
        let expires = (now + IDLE_SECS).min(created + MAX_SECS);
        sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3")
            .bind(now)
            .bind(expires)
            .bind(&hash)
            .execute(&app.db.pool)
            .await?;
    }
    let mut user = load_user(app, user_id).await?;
    if let Some(u) = user.as_mut() {
        u.session_id = Some(hash);
    }
    Ok(user)
}

/// Everything the request context needs to know about a user, in three small queries.
pub async fn load_user(app: &App, user_id: i64) -> Result<Option<CurrentUser>, AppError> {
    let row = sqlx::query(
        "SELECT id, username, display_name, email, locale, \
         (SELECT COUNT(*) FROM notifications n WHERE n.user_id = users.id AND n.read_at IS NULL) AS unread \
         FROM users WHERE id = $1 AND status = 'active'",
    )
    .bind(user_id)
    .fetch_optional(&app.db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let roles: Vec<String> = sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&app.db.pool)
        .await?;
    // Membership is a domain's: the installed rooms that know it answer (the latest end wins).
    let mut member_until: Option<i64> = None;
    for ask in app.domains.iter().filter_map(|d| d.member_until) {
        member_until = member_until.max(ask(app, user_id).await?);
    }
    let roles: Vec<Role> = roles.iter().filter_map(|r| Role::parse(r)).collect();
    let staff = roles.iter().any(|r| matches!(r, Role::Staff | Role::Admin));
    let outbox = if staff && app.config.smtp.host.is_empty() {
        Some(sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM mail_outbox WHERE status IN ('queued', 'outbox')").fetch_one(&app.db.pool).await?)
    } else {
        None
    };
    Ok(Some(CurrentUser {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        email: row.try_get("email")?,
        locale: crate::web::Lang::parse(&row.try_get::<String, _>("locale")?).unwrap_or_default(),
        roles,
        member_until,
        unread: row.try_get("unread")?,
        outbox,
        session_id: None,
        token_id: None,
        token_scopes: None,
    }))
}

pub async fn purge(app: &App) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(crate::util::now()).execute(&app.db.pool).await?;
    Ok(())
}
