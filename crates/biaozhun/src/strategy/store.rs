//! The strategy room's reads and writes: outlines (loaded from a data file, kept whole as
//! JSON), values reported by departments, and the daily snapshot of every indicator.
//! Progress reports are in `reports.rs`.

use super::model::{self, Outline};
use crate::App;
use crate::web::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::HashMap;

/// The city's district codes (`*` in an outline stands for them).
pub fn district_codes() -> Vec<String> {
    crate::membership::model::DISTRICTS.iter().map(|d| d.code.clone()).collect()
}

pub fn district_name(code: &str) -> String {
    crate::membership::model::district_name(code)
}

/// A loaded outline as lists show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct OutlineRow {
    pub key: String,
    pub title: String,
    pub period_from: i64,
    pub period_to: i64,
    pub loaded_at: i64,
}

/// Loads (or reloads) an outline from its file's text, in one transaction; answers the
/// outline and whether it was new. Reloading keeps its reports and values.
pub async fn import(app: &App, text: &str) -> Result<(Outline, bool), AppError> {
    let o = Outline::parse(text, &district_codes()).map_err(|e| AppError::invalid(e.at.clone(), e.to_string()))?;
    let data = serde_json::to_string(&o).map_err(|e| AppError::Internal(e.into()))?;
    let mut tx = app.db.begin().await?;
    let existed: Option<i64> = sqlx::query_scalar("SELECT id FROM strategy_outlines WHERE key = $1").bind(&o.key).fetch_optional(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO strategy_outlines (key, title, period_from, period_to, data, loaded_at) VALUES ($1,$2,$3,$4,$5,$6) \
         ON CONFLICT (key) DO UPDATE SET title = excluded.title, period_from = excluded.period_from, period_to = excluded.period_to, data = excluded.data",
    )
    .bind(&o.key)
    .bind(&o.title)
    .bind(o.from)
    .bind(o.to)
    .bind(&data)
    .bind(crate::util::now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((o, existed.is_none()))
}

/// The platform's own outline is there from the first read on.
/// (Outlines are never removed: once seen, the app's cache remembers it for an hour.)
async fn ensure_default(app: &App) -> AppResult<()> {
    const SEEN: &str = "strategy.default_outline";
    if app.cache.get(SEEN).is_some() {
        return Ok(());
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM strategy_outlines WHERE key = $1").bind(model::GUANGZHOU_KEY).fetch_one(&app.db.pool).await?;
    if n == 0 {
        let o = Outline::parse(model::GUANGZHOU, &district_codes()).map_err(|e| AppError::Internal(anyhow::anyhow!("the embedded outline: {e}")))?;
        let data = serde_json::to_string(&o).map_err(|e| AppError::Internal(e.into()))?;
        sqlx::query("INSERT INTO strategy_outlines (key, title, period_from, period_to, data, loaded_at) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (key) DO NOTHING")
            .bind(&o.key)
            .bind(&o.title)
            .bind(o.from)
            .bind(o.to)
            .bind(&data)
            .bind(crate::util::now())
            .execute(&app.db.pool)
            .await?;
    }
    app.cache.put(SEEN, std::time::Duration::from_secs(3600), std::sync::Arc::new(serde_json::Value::Bool(true)));
    Ok(())
}

pub async fn outlines(app: &App) -> AppResult<Vec<OutlineRow>> {
    ensure_default(app).await?;
    Ok(sqlx::query_as("SELECT key, title, period_from, period_to, loaded_at FROM strategy_outlines ORDER BY period_from, key").fetch_all(&app.db.pool).await?)
}

/// An outline by key (404 when none is loaded under it), with when it was loaded; its tasks
/// carry the responsible units as staff assigned them (`assign.rs`).
pub async fn outline(app: &App, key: &str) -> AppResult<(Outline, i64)> {
    ensure_default(app).await?;
    let row: Option<(String, i64)> = sqlx::query_as("SELECT data, loaded_at FROM strategy_outlines WHERE key = $1").bind(key).fetch_optional(&app.db.pool).await?;
    let (data, loaded) = row.ok_or(AppError::NotFound)?;
    let mut o: Outline = serde_json::from_str(&data).map_err(|e| AppError::Internal(e.into()))?;
    super::assign::overlay(app, &mut o).await?;
    Ok((o, loaded))
}

/// A value a department filed for an indicator.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Reported {
    pub id: i64,
    pub indicator: String,
    pub value: i64,
    pub as_of: i64,
    pub evidence: String,
    pub department: String,
    pub reported_by: Option<i64>,
    pub created_at: i64,
}

/// Files a reported value: the indicator's department (its scoped role) or staff.
pub async fn report_value(app: &App, ctx: &Ctx, outline_key: &str, indicator: &str, value: i64, as_of: i64, evidence: &str) -> AppResult<i64> {
    let user = ctx.require_user()?;
    let (o, _) = outline(app, outline_key).await?;
    let ind = o.indicators.iter().find(|i| i.key == indicator).ok_or_else(|| AppError::invalid("indicator", ctx.tf("strategy.err_indicator", &[("key", indicator)])))?;
    if !super::policy::may_report_value(app, user, &ind.department).await? {
        return Err(AppError::Forbidden);
    }
    if value < 0 {
        return Err(AppError::invalid("value", ctx.t("strategy.err_value")));
    }
    if evidence.trim().is_empty() {
        return Err(AppError::invalid("evidence", ctx.t("strategy.err_evidence")));
    }
    if evidence.chars().count() > 2000 {
        return Err(AppError::invalid("evidence", ctx.t("strategy.err_long")));
    }
    if as_of > crate::util::now() + 86400 {
        return Err(AppError::invalid("as_of", ctx.t("strategy.err_future")));
    }
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO strategy_reported (outline, indicator, value, as_of, evidence, department, reported_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(&o.key)
    .bind(indicator)
    .bind(value)
    .bind(as_of)
    .bind(evidence.trim())
    .bind(&ind.department)
    .bind(user.id)
    .bind(crate::util::now())
    .fetch_one(&mut *tx)
    .await?;
    let entry = crate::auth::audit::Entry { action: "strategy.value", target: format!("{}/{indicator}", o.key), detail: value.to_string() };
    crate::auth::audit::log_tx(&mut tx, ctx, entry).await?;
    tx.commit().await?;
    Ok(id)
}

/// The latest reported value of each indicator of the outline.
pub async fn latest_reported(app: &App, outline_key: &str) -> AppResult<HashMap<String, Reported>> {
    let rows: Vec<Reported> = sqlx::query_as(
        "SELECT r.id, r.indicator, r.value, r.as_of, r.evidence, r.department, r.reported_by, r.created_at FROM strategy_reported r \
         WHERE r.outline = $1 AND r.id = (SELECT MAX(x.id) FROM strategy_reported x WHERE x.outline = r.outline AND x.indicator = r.indicator \
         AND x.as_of = (SELECT MAX(y.as_of) FROM strategy_reported y WHERE y.outline = r.outline AND y.indicator = r.indicator))",
    )
    .bind(outline_key)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.indicator.clone(), r)).collect())
}

pub async fn reported_of(app: &App, outline_key: &str, indicator: &str) -> AppResult<Vec<Reported>> {
    Ok(sqlx::query_as(
        "SELECT id, indicator, value, as_of, evidence, department, reported_by, created_at FROM strategy_reported \
         WHERE outline = $1 AND indicator = $2 ORDER BY as_of DESC, id DESC LIMIT 200",
    )
    .bind(outline_key)
    .bind(indicator)
    .fetch_all(&app.db.pool)
    .await?)
}

/// The day number (Asia/Shanghai) of a moment.
pub fn day_of(ts: i64) -> i64 {
    (ts + 8 * 3600).div_euclid(86400)
}

/// Keeps today's value of every indicator of every outline (one transaction per outline;
/// running it again the same day overwrites the day's value). Answers the values kept.
pub async fn snapshot(app: &App) -> AppResult<usize> {
    let day = day_of(crate::util::now());
    let mut kept = 0;
    for row in outlines(app).await? {
        let (o, _) = outline(app, &row.key).await?;
        let values = super::indicators::values(app, &o).await?;
        let mut tx = app.db.begin().await?;
        for v in values.iter() {
            let Some(value) = v.value else { continue };
            sqlx::query(
                "INSERT INTO strategy_values (outline, indicator, day, value, source) VALUES ($1,$2,$3,$4,$5) \
                 ON CONFLICT (outline, indicator, day) DO UPDATE SET value = excluded.value, source = excluded.source",
            )
            .bind(&o.key)
            .bind(&v.key)
            .bind(day)
            .bind(value)
            .bind(v.source.as_str())
            .execute(&mut *tx)
            .await?;
            kept += 1;
        }
        tx.commit().await?;
    }
    // The trends cached for the day (`trends`) now miss today's value.
    app.cache.clear();
    Ok(kept)
}

pub async fn snapshot_job(app: App, _id: i64, _payload: serde_json::Value) -> anyhow::Result<()> {
    snapshot(&app).await?;
    Ok(())
}

/// The trend of every indicator of the outline over the last `days`, one point every
/// `every` days counted back from today, read by (outline, indicator, day) from the
/// snapshot (its primary key): the page never rescans the records.
///
/// The series change only when the snapshot writes a day's value, so they are kept in the
/// app's cache for the day (`TREND_TTL` at most, in case another process wrote the values)
/// and forgotten by [`snapshot`]: a dashboard reads the ten years once, not on every request.
pub async fn trends(app: &App, outline_key: &str, days: i64, every: i64) -> AppResult<HashMap<String, Vec<(i64, i64)>>> {
    let today = day_of(crate::util::now());
    let key = format!("strategy.trends:{outline_key}:{today}:{days}:{every}");
    if let Some(t) = app.cache.get(&key).and_then(|v| serde_json::from_value::<HashMap<String, Vec<(i64, i64)>>>((*v).clone()).ok()) {
        return Ok(t);
    }
    let t = read_trends(app, outline_key, today, days, every).await?;
    if let Ok(v) = serde_json::to_value(&t) {
        app.cache.put(&key, TREND_TTL, std::sync::Arc::new(v));
    }
    Ok(t)
}

/// How long a trend stays cached at most.
const TREND_TTL: std::time::Duration = std::time::Duration::from_secs(600);

async fn read_trends(app: &App, outline_key: &str, today: i64, days: i64, every: i64) -> AppResult<HashMap<String, Vec<(i64, i64)>>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT indicator, day, value FROM strategy_values WHERE outline = $1 AND day > $2 AND (day - $3) % $4 = 0 ORDER BY indicator, day",
    )
    .bind(outline_key)
    .bind(today - days)
    .bind(today)
    .bind(every.max(1))
    .fetch_all(&app.db.pool)
    .await?;
    let mut out: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    for (k, d, v) in rows {
        out.entry(k).or_default().push((d, v));
    }
    Ok(out)
}

/// An indicator's values by day (newest first) for its page.
pub async fn history(app: &App, outline_key: &str, indicator: &str, limit: i64) -> AppResult<Vec<(i64, i64, String)>> {
    Ok(sqlx::query_as("SELECT day, value, source FROM strategy_values WHERE outline = $1 AND indicator = $2 ORDER BY day DESC LIMIT $3")
        .bind(outline_key)
        .bind(indicator)
        .bind(limit)
        .fetch_all(&app.db.pool)
        .await?)
}

/// `2026-11-30` for a day number.
pub fn fmt_day(day: i64) -> String {
    crate::util::fmt_date(day * 86400 - 8 * 3600 + 3600)
}

/// `biaozhun import outline FILE`: loads the outline; an error names the entry and field.
pub async fn run_cli(app: &App, file: &std::path::Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let (o, new) = match import(app, &text).await {
        Ok(r) => r,
        Err(AppError::Invalid { message, .. }) => anyhow::bail!("{}: {message}", file.display()),
        Err(e) => return Err(e.into()),
    };
    let said = format!(
        "outline {} {} ({}–{}): {} goals, {} tasks, {} indicators",
        o.key,
        if new { "loaded" } else { "reloaded" },
        o.from,
        o.to,
        o.goals.len(),
        o.tasks.len(),
        o.indicators.len()
    );
    println!("{said}");
    Ok(said)
}
