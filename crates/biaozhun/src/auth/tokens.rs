//! Personal API tokens: created and revoked by their owner, stored as SHA-256 hashes,
//! shown once. A token acts as its owner with the owner's current roles.

use super::CurrentUser;
use crate::App;
use crate::web::AppError;
use serde::Serialize;
use sqlx::Row;

pub const PREFIX: &str = "bz_";

#[derive(Debug, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    /// First characters of the token, to recognise it.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub async fn authenticate(app: &App, token: &str) -> Result<Option<CurrentUser>, AppError> {
    if !token.starts_with(PREFIX) || token.len() > 100 {
        return Ok(None);
    }
    let hash = crate::util::sha256_hex(token);
    let row = sqlx::query("SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
        .bind(&hash)
        .fetch_optional(&app.db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.try_get("id")?;
    let user_id: i64 = row.try_get("user_id")?;
    let last: Option<i64> = row.try_get("last_used_at")?;
    let now = crate::util::now();
    if last.is_none_or(|t| now - t > 60) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(&app.db.pool).await?;
    }
    let mut user = super::sessions::load_user(app, user_id).await?;
    if let Some(u) = user.as_mut() {
        u.token_id = Some(id);
    }
    Ok(user)
}

/// Creates a token; the plain value is returned once and never stored.
pub async fn create(app: &App, user_id: i64, name: &str) -> Result<(TokenInfo, String), AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::invalid("name", "1–80 characters"));
    }
    let token = format!("{PREFIX}{}", crate::util::random_token(32));
    let prefix: String = token.chars().take(10).collect();
    let now = crate::util::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(crate::util::sha256_hex(&token))
    .bind(&prefix)
    .bind(now)
    .fetch_one(&app.db.pool)
    .await?;
    Ok((TokenInfo { id, name: name.to_string(), prefix, created_at: now, last_used_at: None, revoked_at: None }, token))
}

pub async fn list(app: &App, user_id: i64) -> Result<Vec<TokenInfo>, AppError> {
    Ok(sqlx::query_as::<_, TokenInfo>(
        "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens WHERE user_id = $1 ORDER BY id DESC",
    )
    .bind(user_id)
    .fetch_all(&app.db.pool)
    .await?)
}

/// Revokes one of the user's own tokens; another user's token is "not found".
pub async fn revoke(app: &App, user_id: i64, id: i64) -> Result<(), AppError> {
    let n = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
        .bind(crate::util::now())
        .bind(id)
        .bind(user_id)
        .execute(&app.db.pool)
        .await?
        .rows_affected();
    if n == 0 { Err(AppError::NotFound) } else { Ok(()) }
}
