//! The experts' rolled-up counts for the strategy dashboard (`db::tallies`): experts in the
//! pool (approved) recognised in each talent tier (百千万人才). Every write that changes an
//! expert's status or tier settles them in its transaction: a profile's step, a tier
//! decision, an imported row.

use super::model::{TIERS, Tier};
use crate::App;
use crate::db::tallies::{self, Tally};
use crate::web::AppResult;

pub static TALLIES: [Tally; 3] = [
    Tally::new("experts.tier_high_end", "SELECT COUNT(*) FROM experts WHERE status = 'approved' AND tier = 'high_end'"),
    Tally::new("experts.tier_expert", "SELECT COUNT(*) FROM experts WHERE status = 'approved' AND tier = 'expert'"),
    Tally::new("experts.tier_backbone", "SELECT COUNT(*) FROM experts WHERE status = 'approved' AND tier = 'backbone'"),
];

fn of(tier: Tier) -> &'static Tally {
    &TALLIES[TIERS.iter().position(|t| *t == tier).unwrap_or(0)]
}

/// The tallies an expert in `status` with `tier` counts in.
pub fn keys(status: &str, tier: &str) -> Vec<String> {
    match Tier::parse(tier) {
        Some(t) if status == "approved" => vec![of(t).key.to_string()],
        _ => vec![],
    }
}

/// The tallies the expert counts in now, read in the writer's transaction (none for an
/// expert not there).
pub async fn counted(conn: &mut sqlx::AnyConnection, id: i64) -> Result<Vec<String>, sqlx::Error> {
    let row: Option<(String, String)> = sqlx::query_as("SELECT status, tier FROM experts WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
    Ok(row.map(|(s, t)| keys(&s, &t)).unwrap_or_default())
}

/// After a write to the expert: moves it from the tallies it counted in `before` to those
/// it counts in now.
pub async fn settle(conn: &mut sqlx::AnyConnection, id: i64, before: &[String]) -> Result<(), sqlx::Error> {
    let after = counted(conn, id).await?;
    tallies::settle(conn, before, &after).await
}

/// Approved experts recognised in `tier`.
pub async fn count(app: &App, tier: Tier) -> AppResult<i64> {
    Ok(tallies::read(app, of(tier)).await?)
}
