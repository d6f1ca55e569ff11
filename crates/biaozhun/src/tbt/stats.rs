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

/// Counts per key and year, with the total: (key, year → count, total), largest first.
pub type Series = Vec<(String, BTreeMap<String, i64>, i64)>;

#[derive(Debug, Default, Serialize)]
pub struct Stats {
    /// `tbt`, `sps`, or empty for both.
    pub agreement: String,
    pub years: Vec<String>,
    /// (member code, per year counts, total)
    pub by_member: Series,
    /// Member groups (ASEAN, EU, RCEP, Guangzhou's markets) per year.
    pub by_group: Series,
    /// TBT and SPS per year.
    pub by_agreement: Series,
    /// Objectives per year (SPS objectives in the ePing wording).
    pub by_objective: Series,
    /// (section, name, per year counts, count)
    pub by_section: Vec<(String, String, BTreeMap<String, i64>, i64)>,
    pub by_year: Vec<(String, i64)>,
    pub total: i64,
}

fn series(m: HashMap<String, BTreeMap<String, i64>>) -> Series {
    let mut v: Series = m
        .into_iter()
        .map(|(k, y)| {
            let t = y.values().sum();
            (k, y, t)
        })
        .collect();
    v.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    v
}

/// Counts over every notification (not addenda) of one agreement or both, in one pass.
pub async fn stats(app: &App, agreement: Option<&str>) -> AppResult<Stats> {
    let agreement = match agreement.map(str::trim).filter(|s| !s.is_empty()) {
        Some(a) => stdnum::wto::Agreement::parse(a).ok_or_else(|| AppError::invalid("agreement", "tbt or sps"))?.code(),
        None => "",
    };
    let rows: Vec<(Option<String>, String, String, String, String)> = sqlx::query_as(
        "SELECT distribution_date, members, objectives, hs, agreement FROM tbt_notifications WHERE doc_kind = 'notification' AND ($1 = '' OR agreement = $1)",
    )
    .bind(agreement)
    .fetch_all(&app.db.pool)
    .await?;
    let mut by_member: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    let mut by_group: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    let mut by_agr: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    let mut by_obj: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    let mut by_sec: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    let mut by_year: BTreeMap<String, i64> = BTreeMap::new();
    for (date, ms, objs, hs, agr) in &rows {
        let year = date.as_deref().and_then(|d| d.get(..4)).unwrap_or("?").to_string();
        let bump = |m: &mut HashMap<String, BTreeMap<String, i64>>, k: String| *m.entry(k).or_default().entry(year.clone()).or_default() += 1;
        *by_year.entry(year.clone()).or_default() += 1;
        bump(&mut by_agr, agr.clone());
        let ms = list(ms);
        for g in members::GROUPS {
            if ms.iter().any(|m| g.members.contains(&m.as_str())) {
                bump(&mut by_group, g.code.to_string());
            }
        }
        for m in ms {
            bump(&mut by_member, m);
        }
        for o in list(objs) {
            bump(&mut by_obj, o);
        }
        let secs: HashSet<&str> = list(hs).iter().filter_map(|h| codes::hs_section(h)).collect();
        for s in secs {
            bump(&mut by_sec, s.to_string());
        }
    }
    let by_section = codes::HS
        .section_order
        .iter()
        .filter_map(|s| {
            by_sec
                .get(s)
                .map(|y| (s.clone(), codes::HS.sections.get(s).cloned().unwrap_or_default(), y.clone(), y.values().sum()))
        })
        .collect();
    Ok(Stats {
        agreement: agreement.to_string(),
        years: by_year.keys().cloned().collect(),
        by_year: by_year.into_iter().collect(),
        by_member: series(by_member),
        by_group: series(by_group),
        by_agreement: series(by_agr),
        by_objective: series(by_obj),
        by_section,
        total: rows.len() as i64,
    })
}
