//! What other rooms read of the catalogue (standards drafted by an organisation, those a
//! committee is responsible for, the counts of the strategy dashboard) and the one record
//! they publish into it (a local technical specification). Re-exported by `store`.

use super::model::{self, Record, Relation, Row};
use super::store::{upsert_batch, watched_bases};
use crate::App;
use serde::Serialize;

/// `text` for a `LIKE … ESCAPE '\\'` pattern: its own `%`, `_` and `\\` match themselves.
fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Standards whose drafting organisations (起草单位) name the organisation: (number, Chinese
/// title), newest first. For forms that the platform fills in (the programmes room).
pub async fn drafted_by(app: &App, org_name: &str, limit: i64) -> Result<Vec<(String, String)>, sqlx::Error> {
    let name = org_name.trim();
    if name.chars().count() < 2 {
        return Ok(vec![]);
    }
    let pattern = format!("%{}%", like_escape(name));
    sqlx::query_as("SELECT number, title_zh FROM standards WHERE drafting_orgs LIKE $1 ESCAPE '\\' ORDER BY id DESC LIMIT $2")
        .bind(pattern)
        .bind(limit)
        .fetch_all(&app.db.pool)
        .await
}

/// A standard a committee is responsible for (the catalogue's `committee` field), as the
/// committees room lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ByCommittee {
    pub number: String,
    pub norm: String,
    pub title_zh: String,
    pub title_en: String,
    pub status: String,
}

/// Standards whose `committee` field names `number` (`ISO/TC 176` matches `ISO/TC 176`
/// and `ISO/TC 176/SC 2` but not `ISO/TC 17` nor `ISO/TC 1760`), newest first, at most
/// `limit`; with `developing` only those under development (the committee's projects).
pub async fn by_committee(app: &App, number: &str, developing: bool, limit: usize) -> Result<Vec<ByCommittee>, sqlx::Error> {
    let number = number.trim();
    if number.is_empty() {
        return Ok(Vec::new());
    }
    let pattern = format!("%{}%", like_escape(number));
    let status = if developing { "developing" } else { "" };
    let rows: Vec<(ByCommittee, String)> = sqlx::query_as::<_, (String, String, String, String, String, String)>(
        "SELECT number, norm, title_zh, title_en, status, committee FROM standards WHERE committee LIKE $1 ESCAPE '\\' \
         AND ($2 = '' OR status = $2) ORDER BY COALESCE(published_at, 0) DESC, norm LIMIT 5000",
    )
    .bind(pattern)
    .bind(status)
    .fetch_all(&app.db.pool)
    .await?
    .into_iter()
    .map(|(number, norm, title_zh, title_en, status, committee)| (ByCommittee { number, norm, title_zh, title_en, status }, committee))
    .collect();
    let bounded = |field: &str| {
        field.match_indices(number).any(|(i, _)| {
            let after = field[i + number.len()..].chars().next();
            let before = field[..i].chars().next_back();
            !after.is_some_and(|c| c.is_ascii_alphanumeric()) && !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '/')
        })
    };
    Ok(rows.into_iter().filter(|(_, c)| bounded(c)).map(|(b, _)| b).take(limit).collect())
}

/// One record as another room publishes it (a local technical specification entering the
/// catalogue): the number, titles, status, dates, drafting organisations, committee and the
/// numbers it replaces. Goes through [`upsert_batch`], so the search index follows and the
/// watchers of a replaced standard are told (its change events).
pub struct Published<'a> {
    pub number: &'a str,
    pub title_zh: &'a str,
    pub status: &'a str,
    pub published_at: Option<i64>,
    pub implemented_at: Option<i64>,
    pub drafting_orgs: &'a str,
    pub committee: &'a str,
    pub issuer: &'a str,
    pub scope: &'a str,
    pub replaces: &'a [String],
    pub source: &'a str,
}

/// Inserts or updates one record of the catalogue (see [`Published`]); an unreadable
/// number is an error naming it.
pub async fn upsert_one(app: &App, p: &Published<'_>) -> anyhow::Result<()> {
    let id = model::ident(p.number).ok_or_else(|| anyhow::anyhow!("not a standard number: {}", p.number))?;
    let rec = Record {
        number: p.number.to_string(),
        norm: id.norm.clone(),
        base: id.base,
        kind: id.kind.as_str().to_string(),
        prefix: id.prefix,
        part: id.part,
        year: id.year.map(i64::from),
        is_amendment: id.is_amendment,
        title_zh: p.title_zh.to_string(),
        status: p.status.to_string(),
        published_at: p.published_at,
        implemented_at: p.implemented_at,
        drafting_orgs: p.drafting_orgs.to_string(),
        committee: p.committee.to_string(),
        issuer: p.issuer.to_string(),
        scope: p.scope.to_string(),
        source: p.source.to_string(),
        flags: if id.unknown_prefix { "unknown_prefix".into() } else { String::new() },
        ..Record::default()
    };
    let relations = p
        .replaces
        .iter()
        .filter_map(|t| model::ident(t))
        .filter(|t| t.norm != id.norm)
        .map(|t| Relation { from: id.norm.clone(), to: t.norm, kind: "replaces", degree: String::new() })
        .collect();
    let watched = watched_bases(app).await?;
    if let Some(indexing) = upsert_batch(app, vec![Row { line: 0, family: super::ranking::family(&rec), record: Box::new(rec), relations }], &watched).await?.indexing {
        indexing.await??;
    }
    app.indexer.kick();
    Ok(())
}

