//! SQL of saved reports (`standard_checks`).

use super::super::check::CheckItem;
use super::{Viewer, codec};
use crate::App;
use serde::Serialize;

const COLUMNS: &str = "id, check_no, owner, user_id, verify_code, total, problems, created_at, expires_at";

/// A report without its items.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Report {
    #[serde(skip)]
    pub id: i64,
    pub check_no: String,
    #[serde(skip)]
    pub owner: String,
    #[serde(skip)]
    pub user_id: Option<i64>,
    /// Stored form (see `reports::show_code` for the shown one); none on reports made
    /// before codes existed, until first opened.
    #[serde(skip)]
    pub verify_code: Option<String>,
    pub total: i64,
    pub problems: i64,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

/// Saves a report for the viewer, numbered `CX-<year>-<id>`, with a new verification code.
pub async fn save(app: &App, viewer: &Viewer, items: &[CheckItem], problems: i64) -> anyhow::Result<Report> {
    let now = crate::util::now();
    let packed = codec::pack(items)?;
    let expires_at = viewer.user_id.is_none().then_some(now + super::ANONYMOUS_DAYS * 86_400);
    let mut tx = app.db.begin().await?;
    let tmp = format!("tmp-{}", crate::util::random_token(12));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO standard_checks (check_no, user_id, owner, items, packed, total, problems, verify_code, created_at, expires_at) \
         VALUES ($1,$2,$3,'',$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(&tmp)
    .bind(viewer.user_id)
    .bind(&viewer.owner)
    .bind(packed)
    .bind(items.len() as i64)
    .bind(problems)
    .bind(super::new_code())
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await?;
    let no = format!("CX-{}-{id:06}", crate::util::to_local(now).year());
    sqlx::query("UPDATE standard_checks SET check_no = $1 WHERE id = $2").bind(&no).bind(id).execute(&mut *tx).await?;
    let r = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM standard_checks WHERE id = $1"))).bind(id).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(r)
}

/// A report that has not expired, by number.
pub async fn get(app: &App, no: &str) -> Result<Option<Report>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM standard_checks WHERE check_no = $1 AND (expires_at IS NULL OR expires_at > $2)");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(no).bind(crate::util::now()).fetch_optional(&app.db.pool).await
}

/// A report that has not expired, by verification code (stored form).
pub async fn by_code(app: &App, code: &str) -> Result<Option<Report>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM standard_checks WHERE verify_code = $1 AND (expires_at IS NULL OR expires_at > $2)");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code).bind(crate::util::now()).fetch_optional(&app.db.pool).await
}

/// The report's verification code, drawn now for a report made before codes existed.
pub async fn code_of(app: &App, r: &Report) -> Result<String, sqlx::Error> {
    if let Some(c) = &r.verify_code {
        return Ok(c.clone());
    }
    sqlx::query("UPDATE standard_checks SET verify_code = $1 WHERE id = $2 AND verify_code IS NULL").bind(super::new_code()).bind(r.id).execute(&app.db.pool).await?;
    sqlx::query_scalar("SELECT verify_code FROM standard_checks WHERE id = $1").bind(r.id).fetch_one(&app.db.pool).await
}

/// The items of a report: packed, or (reports made before packing) a JSON list.
pub async fn items(app: &App, r: &Report) -> anyhow::Result<Vec<CheckItem>> {
    let (packed, legacy): (Option<Vec<u8>>, String) =
        sqlx::query_as("SELECT packed, items FROM standard_checks WHERE id = $1").bind(r.id).fetch_one(&app.db.pool).await?;
    match packed {
        Some(bytes) => codec::unpack(&bytes),
        None => Ok(serde_json::from_str(&legacy)?),
    }
}

/// The viewer's reports, newest first: a page of them and how many there are.
pub async fn list(app: &App, viewer: &Viewer, offset: i64, limit: i64) -> Result<(Vec<Report>, i64), sqlx::Error> {
    let scope = "(owner = $1 OR user_id = $2) AND (expires_at IS NULL OR expires_at > $3)";
    let now = crate::util::now();
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM standard_checks WHERE {scope}")))
        .bind(&viewer.owner)
        .bind(viewer.user_id)
        .bind(now)
        .fetch_one(&app.db.pool)
        .await?;
    let sql = format!("SELECT {COLUMNS} FROM standard_checks WHERE {scope} ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5");
    let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(&viewer.owner).bind(viewer.user_id).bind(now).bind(limit).bind(offset).fetch_all(&app.db.pool).await?;
    Ok((rows, total))
}

pub async fn delete(app: &App, id: i64) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM standard_checks WHERE id = $1").bind(id).execute(&app.db.pool).await?.rows_affected())
}

/// Deletes the anonymous reports whose week is over.
pub async fn expire(app: App, _job: i64, _p: serde_json::Value) -> anyhow::Result<()> {
    let n = sqlx::query("DELETE FROM standard_checks WHERE expires_at <= $1").bind(crate::util::now()).execute(&app.db.pool).await?.rows_affected();
    if n > 0 {
        tracing::info!("deleted {n} expired anonymous check reports");
    }
    Ok(())
}
