//! The indicator source registry. Each indicator of an outline names a source key; a room
//! that holds the records offers the source through its portal hooks
//! (`Hooks { indicators: &[IndicatorSource { key, read }], .. }`), and the value is then
//! computed live from its records ("computed", linking to them). Until a source exists (or
//! while it answers `None`), a responsible department files the value with evidence
//! ("reported"). The sources below are the ones this room computes through other rooms'
//! public functions (never their tables); each reads the room's rolled-up count
//! (`db::tallies`), kept in the transaction that writes the records.

use super::model::{Indicator, Outline};
use super::store;
use crate::App;
use crate::web::AppResult;
use crate::web::domain::{Fut, Href, IndicatorSource, Measure};
use serde::Serialize;

/// Computed from the records, or filed by a department.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Computed,
    Reported,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Computed => "computed",
            Source::Reported => "reported",
        }
    }
}

/// One indicator with its figures and its value now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Value {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub goal: String,
    pub baseline: Option<i64>,
    pub target: Option<i64>,
    pub target_text: String,
    pub deadline: String,
    /// None until a room computes it or a department reports it.
    pub value: Option<i64>,
    pub source: Source,
    /// When the value held (Unix seconds): now for a computed value, the reported date else.
    pub as_of: Option<i64>,
    /// The records behind a computed value, or the indicator's page.
    pub href: String,
    /// The source key the indicator names.
    pub source_key: String,
    pub department: String,
    /// Share of the target reached, in per cent (None without a numeric target or value).
    pub percent: Option<i64>,
}

/// This room's own sources, through the public functions of the rooms that hold the data.
pub static OWN: [IndicatorSource; 6] = [
    IndicatorSource { key: "programmes.demonstrations", read: demonstrations },
    IndicatorSource { key: "programmes.grade_aaaa", read: grade_aaaa },
    IndicatorSource { key: "experts.tier_high_end", read: tier_high_end },
    IndicatorSource { key: "experts.tier_expert", read: tier_expert },
    IndicatorSource { key: "experts.tier_backbone", read: tier_backbone },
    IndicatorSource { key: "standards.guangzhou_drafted", read: guangzhou_drafted },
];

fn demonstrations(app: &App) -> Fut<'_, Option<Measure>> {
    Box::pin(async move {
        let n = crate::programmes::tally::demonstrations(app).await?;
        Ok(Some(Measure { value: n, href: Href::new("/programmes/notices", "") }))
    })
}

fn grade_aaaa(app: &App) -> Fut<'_, Option<Measure>> {
    Box::pin(async move {
        let n = crate::programmes::tally::grade_aaaa(app).await?;
        Ok(Some(Measure { value: n, href: Href::new("/programmes/notices", "") }))
    })
}

fn tier(app: &App, tier: crate::experts::model::Tier) -> Fut<'_, Option<Measure>> {
    Box::pin(async move {
        let n = crate::experts::tally::count(app, tier).await?;
        Ok(Some(Measure { value: n, href: Href::new("/experts?tier=", tier.as_str()) }))
    })
}

fn tier_high_end(app: &App) -> Fut<'_, Option<Measure>> {
    tier(app, crate::experts::model::Tier::HighEnd)
}
fn tier_expert(app: &App) -> Fut<'_, Option<Measure>> {
    tier(app, crate::experts::model::Tier::Expert)
}
fn tier_backbone(app: &App) -> Fut<'_, Option<Measure>> {
    tier(app, crate::experts::model::Tier::Backbone)
}

fn guangzhou_drafted(app: &App) -> Fut<'_, Option<Measure>> {
    Box::pin(async move {
        let n = crate::standards::tally::guangzhou_drafted(app).await?;
        Ok(Some(Measure { value: n, href: Href::new("/standards?q=", "广州") }))
    })
}

/// Every source the installed rooms offer, by key.
pub fn registry(app: &App) -> Vec<IndicatorSource> {
    app.domains.iter().flat_map(|d| d.hooks.indicators.iter().copied()).collect()
}

fn percent(value: Option<i64>, target: Option<i64>) -> Option<i64> {
    match (value, target) {
        (Some(v), Some(t)) if t > 0 => Some(v * 100 / t),
        _ => None,
    }
}

fn value_of(ind: &Indicator, outline: &str, computed: Option<Measure>, reported: Option<&store::Reported>) -> Value {
    let (value, source, as_of, href) = match (computed, reported) {
        (Some(m), _) => (Some(m.value), Source::Computed, Some(crate::util::now()), m.href.as_str().to_string()),
        (None, Some(r)) => (Some(r.value), Source::Reported, Some(r.as_of), indicator_href(outline, &ind.key)),
        (None, None) => (None, Source::Reported, None, indicator_href(outline, &ind.key)),
    };
    Value {
        key: ind.key.clone(),
        name: ind.name.clone(),
        name_en: ind.name_en.clone(),
        goal: ind.goal.clone(),
        baseline: ind.baseline,
        target: ind.target,
        target_text: ind.target_text.clone(),
        deadline: ind.deadline.clone(),
        percent: percent(value, ind.target),
        value,
        source,
        as_of,
        href,
        source_key: ind.source.clone(),
        department: ind.department.clone(),
    }
}

pub fn indicator_href(outline: &str, key: &str) -> String {
    format!("/strategy/indicators/{key}?outline={outline}")
}

/// Every indicator of the outline with its value now: computed where a source answers,
/// else the latest reported value.
/// The sources are read at once, not one after the other, and the rolled-up counts they
/// read come from one query of the tallies (`db::tallies::at_once`).
pub async fn values(app: &App, o: &Outline) -> AppResult<Vec<Value>> {
    let sources = registry(app);
    let reads = o.indicators.iter().map(|ind| {
        let source = sources.iter().find(|s| s.key == ind.source).copied();
        async move {
            match source {
                Some(s) => (s.read)(app).await,
                None => Ok(None),
            }
        }
    });
    let (computed, reported) = crate::db::tallies::at_once(app, async { tokio::try_join!(futures_util::future::try_join_all(reads), store::latest_reported(app, &o.key)) }).await??;
    Ok(o.indicators.iter().zip(computed).map(|(ind, c)| value_of(ind, &o.key, c, reported.get(&ind.key))).collect())
}
