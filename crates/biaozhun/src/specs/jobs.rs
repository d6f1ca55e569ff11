//! The specs room's clock: reminders to the owner of an overdue stage (once a week), stalled
//! proposals flagged for cancellation after a configurable time (the setting
//! `specs.stall_days`, 180 by default), published specifications brought into force after
//! 30 days, and specifications in force put under periodic review when five years have passed.

use crate::App;
use crate::jobs::notify::{self, Notice};

pub fn register(r: &mut crate::jobs::Registry) {
    r.on("specs_clock", clock_job);
    r.every("specs_clock", 3600);
}

/// Days after which a proposal that has not moved is flagged for cancellation.
pub async fn stall_days(app: &App) -> anyhow::Result<i64> {
    Ok(app.db.setting_or_insert("specs.stall_days", "180").await?.trim().parse().unwrap_or(180))
}

pub async fn clock_job(app: App, _job: i64, _p: serde_json::Value) -> anyhow::Result<()> {
    clock(&app, crate::util::now()).await?;
    Ok(())
}

/// What one run of the clock did: reminders sent, proposals flagged, steps taken.
pub async fn clock(app: &App, now: i64) -> anyhow::Result<(usize, usize, usize)> {
    let stall = stall_days(app).await?;
    let mut tx = app.db.begin().await?;
    let due: Vec<(i64, String, Option<i64>, i64)> = sqlx::query_as(
        "SELECT id, title, stage_owner_id, created_by FROM specs WHERE stage_due_at < $1 AND (reminded_at IS NULL OR reminded_at < $2) ORDER BY id LIMIT 500",
    )
    .bind(now)
    .bind(now - 7 * 86400)
    .fetch_all(&mut *tx)
    .await?;
    for (id, title, owner, creator) in &due {
        let link = format!("/specs/{id}");
        let args = [("title", title.as_str())];
        notify::send(&mut tx, app, owner.unwrap_or(*creator), Notice { kind: "specs", key: "specs.notice_overdue", args: &args, link: &link, mail: true }).await?;
        sqlx::query("UPDATE specs SET reminded_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
    }
    let flagged = sqlx::query("UPDATE specs SET flagged_at = $1 WHERE stage = 'proposal' AND flagged_at IS NULL AND updated_at < $2")
        .bind(now)
        .bind(now - stall * 86400)
        .execute(&mut *tx)
        .await?
        .rows_affected() as usize;
    tx.commit().await?;
    super::publish::catch_up(app).await?;
    let mut steps = 0;
    let into_force: Vec<i64> = sqlx::query_scalar("SELECT id FROM specs WHERE stage = 'published' AND published_at < $1").bind(now - 30 * 86400).fetch_all(&app.db.pool).await?;
    for id in into_force {
        super::store::act_as_system(app, id, "bring_into_force", "").await?;
        steps += 1;
    }
    let review: Vec<i64> = sqlx::query_scalar("SELECT id FROM specs WHERE stage = 'in_force' AND review_due_at < $1").bind(now).fetch_all(&app.db.pool).await?;
    for id in review {
        super::store::act_as_system(app, id, "start_review", "").await?;
        steps += 1;
    }
    Ok((due.len(), flagged, steps))
}
