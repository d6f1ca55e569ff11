//! Publication: a specification enters the standards catalogue with its number
//! (DB4401/T …), its relations (the numbers it replaces) and its drafting organisations,
//! through the standards room's one-record upsert, whose change events tell the watchers of
//! a replaced standard.

use crate::App;
use crate::web::{AppError, AppResult};

pub async fn into_catalogue(app: &App, id: i64) -> AppResult<()> {
    let s = super::store::get(app, id).await?;
    let replaces: Vec<String> = s.replaces.split([',', ';', '，', '；', '\n']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect();
    let committee = match s.committee_id {
        Some(c) => crate::committees::store::get(app, c).await.map(|c| c.number).unwrap_or_default(),
        None => String::new(),
    };
    let p = crate::standards::store::Published {
        number: &s.number,
        title_zh: &s.title,
        status: "in_force",
        published_at: s.published_at,
        implemented_at: s.published_at,
        drafting_orgs: &s.drafting_orgs,
        committee: &committee,
        issuer: "广州市市场监督管理局",
        scope: &s.scope,
        replaces: &replaces,
        source: "specs",
    };
    crate::standards::store::upsert_one(app, &p).await.map_err(AppError::Internal)
}
