//! Publication: a specification enters the standards catalogue with its number
//! (DB4401/T …), its relations (the numbers it replaces) and its drafting organisations,
//! through the standards room's one-record upsert, whose change events tell the watchers of
//! a replaced standard. The catalogue write follows the publish step's commit; the clock
//! ([`catch_up`]) writes any published specification the catalogue does not have yet.

use crate::App;
use crate::web::{AppError, AppResult};

pub async fn into_catalogue(app: &App, id: i64) -> AppResult<()> {
    let s = super::store::get(app, id).await?;
    let replaces: Vec<String> = s.replaces.split([',', ';', '，', '；', '\n']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect();
    let committee = match s.committee_id {
        Some(c) => crate::committees::store::get(app, c).await.map(|c| c.number).unwrap_or_default(),
        None => String::new(),
    };
    let drafting_orgs = with_lead(app, s.org_id, &s.drafting_orgs).await?;
    let p = crate::standards::store::Published {
        number: &s.number,
        title_zh: &s.title,
        status: "in_force",
        published_at: s.published_at,
        implemented_at: s.published_at,
        drafting_orgs: &drafting_orgs,
        committee: &committee,
        issuer: super::group::issuer(&s.kind),
        scope: &s.scope,
        replaces: &replaces,
        source: "specs",
    };
    crate::standards::store::upsert_one(app, &p).await.map_err(AppError::Internal)?;
    sqlx::query("UPDATE specs SET catalogued_at = $1 WHERE id = $2").bind(crate::util::now()).bind(id).execute(&app.db.pool).await?;
    Ok(())
}

/// The drafting organisations as the catalogue records them: the organisation that proposed
/// the specification leads it, so it comes first even when the typed list leaves it out (the
/// catalogue's drafting organisations are what a subsidy form lists as "standards led").
async fn with_lead(app: &App, org_id: Option<i64>, typed: &str) -> AppResult<String> {
    let Some(org) = org_id else { return Ok(typed.to_string()) };
    let name = crate::orgs::store::get(&app.db.pool, org).await?.name;
    Ok(if name.trim().is_empty() || typed.contains(name.trim()) {
        typed.to_string()
    } else if typed.trim().is_empty() {
        name
    } else {
        format!("{name}；{typed}")
    })
}

/// Published specifications not yet in the catalogue (the write after the publish step
/// failed, or the process stopped between the two): written now. Answers how many.
pub async fn catch_up(app: &App) -> AppResult<usize> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM specs WHERE number <> '' AND catalogued_at IS NULL AND stage IN ('published', 'in_force', 'periodic_review') ORDER BY id LIMIT 100")
        .fetch_all(&app.db.pool)
        .await?;
    for &id in &ids {
        into_catalogue(app, id).await?;
    }
    Ok(ids.len())
}
