//! The programmes' rolled-up counts for the strategy dashboard (`db::tallies`), kept by
//! every step of an application (the flow's notices hook, in the step's transaction):
//! demonstration projects approved (final or later) and AAAA grades in force (final, until
//! the certificate's expiry).

use crate::App;
use crate::db::Tx;
use crate::db::tallies::{self, Tally};
use crate::web::AppResult;

/// The states of an approved demonstration project.
const APPROVED: [&str; 4] = ["final", "follow_up", "acceptance", "completed"];

pub const DEMONSTRATIONS: Tally = Tally::new(
    "programmes.demonstrations",
    "SELECT COUNT(*) FROM applications WHERE programme = 'demonstration' AND state IN ('final', 'follow_up', 'acceptance', 'completed')",
);

/// AAAA grades of any grading programme, by the certificate's expiry.
pub const GRADE_AAAA: Tally = Tally::expiring("programmes.grade_aaaa", "SELECT valid_until, COUNT(*) FROM applications WHERE grade = 'AAAA' AND state = 'final' GROUP BY valid_until");

pub static TALLIES: [Tally; 2] = [DEMONSTRATIONS, GRADE_AAAA];

/// A step of an application moved it from `e.from_state` to `e.to_state`: the counts it
/// leaves and enters. The grade and the expiry are written before the step that enters
/// `final` and do not change while it is there.
pub async fn step(tx: &mut Tx, e: &crate::workflow::Event) -> AppResult<()> {
    let (from, to) = (e.from_state.as_str(), e.to_state.as_str());
    if from == to {
        return Ok(());
    }
    let (programme, grade, until): (String, String, Option<i64>) =
        sqlx::query_as("SELECT programme, grade, valid_until FROM applications WHERE id = $1").bind(e.record_id).fetch_one(&mut **tx).await?;
    if programme == "demonstration" {
        tallies::bump(tx, DEMONSTRATIONS.key, APPROVED.contains(&to) as i64 - APPROVED.contains(&from) as i64).await?;
    }
    if grade == "AAAA" {
        tallies::bump_until(tx, GRADE_AAAA.key, until, (to == "final") as i64 - (from == "final") as i64).await?;
    }
    Ok(())
}

pub async fn demonstrations(app: &App) -> AppResult<i64> {
    Ok(tallies::read(app, &DEMONSTRATIONS).await?)
}

pub async fn grade_aaaa(app: &App) -> AppResult<i64> {
    Ok(tallies::read(app, &GRADE_AAAA).await?)
}
