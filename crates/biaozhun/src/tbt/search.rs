//! Search of the TBT room's notifications (TBT and SPS): the index query of the filters,
//! the comment-deadline facets and the listing.

use super::model;
use super::store::{Notification, by_ids};
use super::{DOMAIN, members};
use crate::App;
use crate::web::{AppError, AppResult};
use serde::Serialize;
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------
// Search

#[derive(Debug, Default, Clone, serde::Deserialize, Serialize, utoipa::IntoParams)]
pub struct Filters {
    /// Free text, English or Chinese.
    pub q: Option<String>,
    /// `tbt` or `sps`; empty = both agreements.
    pub agreement: Option<String>,
    /// `1`/`true`: only emergency measures.
    pub emergency: Option<String>,
    /// A member (USA, 欧盟, Republic of Korea…) or a group (ASEAN, EU, RCEP, GZ).
    pub member: Option<String>,
    /// HS prefix: chapter, heading or subheading (84, 8414, 841460).
    pub hs: Option<String>,
    /// ICS prefix (97, 97.040, 97.040.20).
    pub ics: Option<String>,
    pub objective: Option<String>,
    /// Distribution date from (YYYY-MM-DD).
    pub from: Option<String>,
    /// Distribution date to (YYYY-MM-DD).
    pub to: Option<String>,
    /// `1`/`true`: only notifications still open for comments.
    pub open: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl Filters {
    pub fn is_open(&self) -> bool {
        matches!(self.open.as_deref().map(str::trim), Some("1" | "true" | "on" | "yes"))
    }
    pub fn is_emergency(&self) -> bool {
        matches!(self.emergency.as_deref().map(str::trim), Some("1" | "true" | "on" | "yes"))
    }
}

pub struct Found {
    pub items: Vec<Notification>,
    pub total: usize,
    pub facets: BTreeMap<String, Vec<(String, u64)>>,
}

/// The index query for a set of filters (errors name the bad field).
pub async fn build_query(app: &App, f: &Filters) -> AppResult<search::Query> {
    let mut q = search::Query {
        domain: DOMAIN.into(),
        text: f.q.clone().unwrap_or_default().chars().take(200).collect(),
        ..Default::default()
    };
    if let Some(m) = f.member.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if let Some(g) = members::group(m) {
            q.filters.push(("group".into(), g.code.into()));
        } else if let Some(code) = members::normalise(m) {
            q.filters.push(("member".into(), code));
        } else {
            return Err(AppError::invalid("member", "unknown member"));
        }
    }
    if let Some(h) = f.hs.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let digits: String = h.chars().filter(|c| c.is_ascii_digit()).collect();
        if digits.len() < 2 || digits.len() > 10 || digits.len() % 2 == 1 {
            return Err(AppError::invalid("hs", "HS prefix: 2, 4 or 6 digits"));
        }
        q.filters.push(("hs".into(), digits));
    }
    if let Some(i) = f.ics.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if !i.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return Err(AppError::invalid("ics", "ICS prefix such as 97.040"));
        }
        q.filters.push(("ics".into(), i.to_string()));
    }
    if let Some(a) = f.agreement.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let a = stdnum::wto::Agreement::parse(a).ok_or_else(|| AppError::invalid("agreement", "tbt or sps"))?;
        q.filters.push(("agreement".into(), a.code().into()));
    }
    if f.is_emergency() {
        q.filters.push(("emergency".into(), "1".into()));
    }
    if let Some(o) = f.objective.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        // An SPS objective in any wording (or its key) finds every notification of it.
        match super::sps::objective_key(o) {
            Some(k) => q.filters.push(("sps_objective".into(), k.into())),
            None => q.filters.push(("objective".into(), o.to_string())),
        }
    }
    for (field, v, slot) in [("from", &f.from, 0), ("to", &f.to, 1)] {
        if let Some(s) = v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            let ts = crate::util::parse_local_date(s).ok_or_else(|| AppError::invalid(field, "YYYY-MM-DD"))?;
            if slot == 0 {
                q.date_from = Some(ts);
            } else {
                q.date_to = Some(ts + 86399);
            }
        }
    }
    if f.is_open() {
        // The comment deadline is indexed at three grains (day, month, year), so "open" is
        // the rest of this month by day, the rest of this year by month, then whole years
        // up to the latest deadline known: a few dozen terms at most.
        let today = model::today();
        let max: Option<String> = sqlx::query_scalar("SELECT MAX(comment_deadline) FROM tbt_notifications")
            .fetch_one(&app.db.pool)
            .await?;
        let (Some(t), Some(m)) = (model::day_number(&today), max.as_deref().and_then(model::day_number)) else {
            q.filters.push(("dl".into(), "none".into()));
            return Ok(q);
        };
        if m < t {
            q.filters.push(("dl".into(), "none".into()));
        } else {
            let max = model::iso_of_day(m);
            q.filters.extend(open_deadline_terms(&today, &max).into_iter().map(|v| ("dl".to_string(), v)));
        }
    }
    if q.text.trim().is_empty() {
        q.sort = search::Sort::DateDesc;
    }
    Ok(q)
}

/// Facet values of a comment deadline `YYYY-MM-DD`: the day, `m:YYYY-MM` and `y:YYYY`.
pub fn deadline_facets(d: &str) -> Vec<String> {
    let mut out = vec![d.to_string()];
    if d.len() == 10 {
        out.push(format!("m:{}", &d[..7]));
        out.push(format!("y:{}", &d[..4]));
    }
    out
}

/// The `dl` values that together match every deadline from `today` to `max` (both
/// `YYYY-MM-DD`, `today <= max`): the remaining days of this month, the remaining months
/// of this year, then the following years through `max`'s.
pub fn open_deadline_terms(today: &str, max: &str) -> Vec<String> {
    let (Ok((y, m, d)), Ok((my, _, _))) = (stdnum::date::parse_date(today), stdnum::date::parse_date(max)) else {
        return vec!["none".into()];
    };
    let mut out = Vec::new();
    let start = stdnum::date::days_from_civil(y, m, d);
    let mut day = start;
    loop {
        let (yy, mm, _) = stdnum::date::civil_from_days(day);
        if (yy, mm) != (y, m) {
            break;
        }
        out.push(model::iso_of_day(day));
        day += 1;
    }
    for month in m + 1..=12 {
        out.push(format!("m:{y:04}-{month:02}"));
    }
    for year in y + 1..=my {
        out.push(format!("y:{year:04}"));
    }
    out
}

/// The facets the search page shows.
pub const FACETS: [&str; 6] = ["agreement", "member", "group", "objective", "hs", "year"];

pub async fn search(app: &App, f: &Filters, lang: &str, facets: bool) -> AppResult<Found> {
    let mut q = build_query(app, f).await?;
    let per_page = f.per_page.unwrap_or(20).clamp(1, 100) as usize;
    let page = f.page.unwrap_or(1).clamp(1, 500) as usize;
    q.offset = (page - 1) * per_page;
    q.limit = per_page;
    if facets {
        q.facet_fields = FACETS.iter().map(|s| s.to_string()).collect();
    }
    let res = app.indexer.search(q).await?;
    let ids: Vec<i64> = res.hits.iter().filter_map(|h| crate::indexer::id_of(DOMAIN, &h.key)).collect();
    let items = by_ids(app, &ids, lang).await?;
    Ok(Found {
        items,
        total: res.total,
        facets: res.facets,
    })
}

