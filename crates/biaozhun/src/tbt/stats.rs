//! Deadlines and statistics of TBT notifications: the domestic comment deadline set by
//! staff, the queue of notifications whose deadlines come near, and the counts of the
//! statistics page.

use super::store::list;
use super::{codes, members, model};
use crate::App;
use crate::web::{AppError, AppResult};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};

pub async fn set_domestic(app: &App, id: i64, date: Option<&str>) -> AppResult<()> {
    let (value, set) = match date.map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => (Some(model::iso_date(d).ok_or_else(|| AppError::invalid("domestic_deadline", "YYYY-MM-DD"))?), 1),
        None => {
            let dl: Option<Option<String>> = sqlx::query_scalar("SELECT comment_deadline FROM tbt_notifications WHERE id = $1")
                .bind(id)
                .fetch_optional(&app.db.pool)
                .await?;
            (model::default_domestic(dl.ok_or(AppError::NotFound)?.as_deref()), 0)
        }
    };
    let n = sqlx::query("UPDATE tbt_notifications SET domestic_deadline = $1, domestic_set = $2 WHERE id = $3")
        .bind(value)
        .bind(set)
        .bind(id)
        .execute(&app.db.pool)
        .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct QueueItem {
    pub id: i64,
    pub symbol: String,
    pub member: String,
    pub title: String,
    pub comment_deadline: Option<String>,
    pub domestic_deadline: Option<String>,
    pub days_left: Option<i64>,
    pub concerns: i64,
}

/// Notifications whose domestic deadline falls within `days` (or passed recently) and
/// that are still open, with their concern counts.
pub async fn queue(app: &App, days: i64, lang: &str) -> AppResult<Vec<QueueItem>> {
    let today = model::today();
    let until = model::add_days(&today, days).unwrap_or_else(|| today.clone());
    #[derive(sqlx::FromRow)]
    struct QueueRow {
        id: i64,
        symbol: String,
        member: String,
        title: String,
        comment_deadline: Option<String>,
        domestic_deadline: Option<String>,
        concerns: i64,
    }
    let rows: Vec<QueueRow> = sqlx::query_as(
        "SELECT n.id, n.symbol, n.member, n.title, n.comment_deadline, n.domestic_deadline, \
         (SELECT COUNT(*) FROM tbt_concerns c WHERE c.notification_id = n.id) AS concerns \
         FROM tbt_notifications n WHERE n.comment_deadline >= $1 AND n.domestic_deadline <= $2 ORDER BY n.domestic_deadline, n.id LIMIT 200",
    )
    .bind(&today)
    .bind(&until)
    .fetch_all(&app.db.pool)
    .await?;
    let out = rows
        .into_iter()
        .map(|r| QueueItem {
            id: r.id,
            symbol: r.symbol,
            member: members::name(&r.member, lang),
            title: r.title,
            comment_deadline: r.comment_deadline,
            days_left: model::days_left(r.domestic_deadline.as_deref(), &today),
            domestic_deadline: r.domestic_deadline,
            concerns: r.concerns,
        })
        .collect();
    Ok(out)
}

#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub years: Vec<String>,
    /// (member code, per year counts, total)
    pub by_member: Vec<(String, BTreeMap<String, i64>, i64)>,
    pub by_objective: Vec<(String, i64)>,
    /// (section, name, count)
    pub by_section: Vec<(String, String, i64)>,
    pub by_year: Vec<(String, i64)>,
    pub total: i64,
}

/// Counts over every notification (not addenda), computed in one pass.
pub async fn stats(app: &App) -> AppResult<Stats> {
    let rows: Vec<(Option<String>, String, String, String)> =
        sqlx::query_as("SELECT distribution_date, members, objectives, hs FROM tbt_notifications WHERE doc_kind = 'notification'")
            .fetch_all(&app.db.pool)
            .await?;
    let mut by_member: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    let mut by_obj: HashMap<String, i64> = HashMap::new();
    let mut by_sec: HashMap<String, i64> = HashMap::new();
    let mut by_year: BTreeMap<String, i64> = BTreeMap::new();
    for (date, ms, objs, hs) in &rows {
        let year = date.as_deref().and_then(|d| d.get(..4)).unwrap_or("?").to_string();
        *by_year.entry(year.clone()).or_default() += 1;
        for m in list(ms) {
            *by_member.entry(m).or_default().entry(year.clone()).or_default() += 1;
        }
        for o in list(objs) {
            *by_obj.entry(o).or_default() += 1;
        }
        let secs: HashSet<&str> = list(hs).iter().filter_map(|h| codes::hs_section(h)).collect();
        for s in secs {
            *by_sec.entry(s.to_string()).or_default() += 1;
        }
    }
    let mut bm: Vec<(String, BTreeMap<String, i64>, i64)> = by_member
        .into_iter()
        .map(|(m, y)| {
            let t = y.values().sum();
            (m, y, t)
        })
        .collect();
    bm.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    let mut bo: Vec<(String, i64)> = by_obj.into_iter().collect();
    bo.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let by_section = codes::HS
        .section_order
        .iter()
        .filter_map(|s| by_sec.get(s).map(|n| (s.clone(), codes::HS.sections.get(s).cloned().unwrap_or_default(), *n)))
        .collect();
    Ok(Stats {
        years: by_year.keys().cloned().collect(),
        by_year: by_year.into_iter().collect(),
        by_member: bm,
        by_objective: bo,
        by_section,
        total: rows.len() as i64,
    })
}
