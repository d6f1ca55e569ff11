//! The catalogue's rolled-up counts for the strategy dashboard (`db::tallies`), kept by the
//! one write of catalogue records (`store::upsert_batch`, in the batch's transaction): the
//! records drafted by an organisation in Guangzhou (drafting organisations naming “广州”) and
//! Guangzhou's local technical specifications (numbers `DB4401…`, imported or published
//! through the specifications room). Every status counts: what was issued.

use super::model::Record;
use crate::App;
use crate::db::tallies::{self, Tally};
use crate::web::AppResult;

/// Standards led or joined by Guangzhou organisations: records whose drafting organisations
/// (`drafting_orgs`, as the catalogue has them) name an organisation in Guangzhou, read as a
/// name containing “广州” (an organisation located in Guangzhou carries the city in its
/// registered name; one registered without it is not counted). Withdrawn and replaced
/// editions count too: they were drafted all the same.
pub const GUANGZHOU_DRAFTED: Tally = Tally::new("standards.guangzhou_drafted", "SELECT COUNT(*) FROM standards WHERE drafting_orgs LIKE '%广州%'");

/// The prefix of Guangzhou's local technical specifications.
pub const LOCAL_PREFIX: &str = "DB4401";

pub const LOCAL_SPECIFICATIONS: Tally = Tally::new("standards.db4401", "SELECT COUNT(*) FROM standards WHERE norm LIKE 'DB4401%'");

pub static TALLIES: [Tally; 2] = [GUANGZHOU_DRAFTED, LOCAL_SPECIFICATIONS];

/// The tallies a record counts in (by the same rules as the SQL above).
fn counts_in(r: &Record) -> [bool; 2] {
    [r.drafting_orgs.contains("广州"), r.norm.starts_with(LOCAL_PREFIX)]
}

/// A batch wrote `changed` (the record now, and the one it replaced): the tallies' changes.
pub async fn settle<'a>(conn: &mut sqlx::AnyConnection, changed: impl Iterator<Item = (&'a Record, Option<&'a Record>)>) -> Result<(), sqlx::Error> {
    let mut delta = [0i64; 2];
    for (now, old) in changed {
        let (a, b) = (counts_in(now), old.map(counts_in).unwrap_or_default());
        for i in 0..2 {
            delta[i] += a[i] as i64 - b[i] as i64;
        }
    }
    for (t, d) in TALLIES.iter().zip(delta) {
        tallies::bump(conn, t.key, d).await?;
    }
    Ok(())
}

/// Catalogue records drafted by an organisation in Guangzhou.
pub async fn guangzhou_drafted(app: &App) -> AppResult<i64> {
    Ok(tallies::read(app, &GUANGZHOU_DRAFTED).await?)
}

/// Guangzhou's local technical specifications in the catalogue.
pub async fn local_specifications(app: &App) -> AppResult<i64> {
    Ok(tallies::read(app, &LOCAL_SPECIFICATIONS).await?)
}
