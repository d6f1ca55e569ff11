//! The committees' rolled-up counts for the strategy dashboard (`db::tallies`), kept by the
//! one write of a committee (`store::upsert`, in its transaction): committees registered,
//! those with their secretariat in a Guangzhou district (a district recorded), and the
//! international ones among them.

use super::model::Level;
use crate::App;
use crate::db::tallies::{self, Tally};
use crate::web::AppResult;

pub const TOTAL: Tally = Tally::new("committees.total", "SELECT COUNT(*) FROM committees");
pub const SECRETARIATS: Tally = Tally::new("committees.secretariats", "SELECT COUNT(*) FROM committees WHERE district_code <> ''");
pub const INTERNATIONAL: Tally =
    Tally::new("committees.international_secretariats", "SELECT COUNT(*) FROM committees WHERE district_code <> '' AND level = 'international'");

pub static TALLIES: [Tally; 3] = [TOTAL, SECRETARIATS, INTERNATIONAL];

/// The tallies a committee at `level` with its secretariat in `district` counts in.
pub fn keys(level: &str, district: &str) -> Vec<String> {
    let mut out = vec![TOTAL.key.to_string()];
    if !district.is_empty() {
        out.push(SECRETARIATS.key.to_string());
        if level == Level::International.as_str() {
            out.push(INTERNATIONAL.key.to_string());
        }
    }
    out
}

/// The figures the dashboard reads: (committees, secretariats in Guangzhou, international
/// secretariats in Guangzhou).
pub async fn counts(app: &App) -> AppResult<(i64, i64, i64)> {
    Ok((tallies::read(app, &TOTAL).await?, tallies::read(app, &SECRETARIATS).await?, tallies::read(app, &INTERNATIONAL).await?))
}
