//! Counters of failed or costly attempts, kept in the database so that a limit holds
//! across every server. Used for login, password reset and (later) anonymous search.

use crate::App;
use crate::web::AppError;

pub const WINDOW_SECS: i64 = 15 * 60;
pub const MAX_FAILURES: i64 = 5;

/// If any key has `limit` or more events in the window, the seconds until the oldest
/// of the last `limit` events leaves the window; otherwise `None`.
pub async fn blocked_for(app: &App, keys: &[String], limit: i64, window: i64) -> Result<Option<i64>, AppError> {
    let now = crate::util::now();
    let mut wait = None::<i64>;
    for key in keys {
        let times: Vec<i64> = sqlx::query_scalar(
            "SELECT at FROM auth_failures WHERE key = $1 AND at > $2 ORDER BY at DESC LIMIT $3",
        )
        .bind(key)
        .bind(now - window)
        .bind(limit)
        .fetch_all(&app.db.pool)
        .await?;
        if times.len() as i64 >= limit {
            let oldest = times.last().copied().unwrap_or(now);
            let w = (oldest + window - now).max(1);
            wait = Some(wait.map_or(w, |x: i64| x.max(w)));
        }
    }
    Ok(wait)
}

pub async fn record(app: &App, keys: &[String]) -> Result<(), AppError> {
    let now = crate::util::now();
    for key in keys {
        sqlx::query("INSERT INTO auth_failures (key, at) VALUES ($1, $2)")
            .bind(key)
            .bind(now)
            .execute(&app.db.pool)
            .await?;
    }
    Ok(())
}

pub async fn clear(app: &App, key: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM auth_failures WHERE key = $1").bind(key).execute(&app.db.pool).await?;
    Ok(())
}

/// Drops events older than any window in use.
pub async fn purge(app: &App) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM auth_failures WHERE at < $1")
        .bind(crate::util::now() - 24 * 3600)
        .execute(&app.db.pool)
        .await?;
    Ok(())
}

/// The per-account counter, under the same key log-in looks the account up by (NFKC, lower
/// case), so that `ｖｉｃｔｉｍ` and `VICTIM` spend the budget of `victim`.
pub fn account_key(account: &str) -> String {
    format!("login-account:{}", super::identity::key(account))
}
pub fn ip_key(ip: &str) -> String {
    format!("login-ip:{ip}")
}
