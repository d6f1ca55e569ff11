//! The standards room: catalogue (import, search, detail pages), the validity check
//! (标准查新) and its private reports, watchlists with change notifications, and Atom feeds.

pub mod bench;
pub mod check;
pub mod glossary;
pub mod hooks;
pub mod import;
pub mod lookups;
pub mod model;
pub mod page;
pub mod ranking;
pub mod reports;
pub mod routes;
pub mod store;
pub mod tally;

use crate::App;

/// Search domain of this room.
pub const DOMAIN: &str = "standards";

pub const SEARCH_SOURCE: crate::indexer::Source = crate::indexer::Source {
    domain: DOMAIN,
    load: |app, ids| Box::pin(store::load_docs(app, ids)),
    all_ids: |app| Box::pin(store::all_ids(app)),
};

/// The room as the house installs it.
pub fn install() -> crate::web::Domain {
    crate::web::Domain {
        api: Some(|| <routes::ApiDoc as utoipa::OpenApi>::openapi()),
        jobs: Some(register_jobs),
        search: Some(SEARCH_SOURCE),
        hooks: crate::web::Hooks { home: Some(hooks::home_hook), search: Some(hooks::SEARCH), ..crate::web::Hooks::NONE },
        migrations: &["0010_standards", "0011_standard_patents", "0012_private_check_reports"],
        tallies: &tally::TALLIES,
        ..crate::web::Domain::new("standards", routes::routes)
    }
}

pub fn register_jobs(r: &mut crate::jobs::Registry) {
    r.on("standards_import", import::job);
    r.on("standards_daily", daily);
    r.every("standards_daily", 3600);
    r.on("standards_digest", digest);
    r.every("standards_digest", 3600);
    r.on("standards_reports_expire", reports::store::expire);
    r.every("standards_reports_expire", 3600);
}

/// Flips upcoming standards whose implementation date has come to in force, and in-force
/// ones whose withdrawal date has passed to withdrawn, with change events.
pub async fn daily(app: App, _job: i64, _p: serde_json::Value) -> anyhow::Result<()> {
    let now = crate::util::now();
    #[derive(sqlx::FromRow)]
    struct Due {
        id: i64,
        norm: String,
        base: String,
        status: String,
    }
    let rows: Vec<Due> = sqlx::query_as(
        "SELECT id, norm, base, status FROM standards WHERE (status = 'upcoming' AND implemented_at <= $1) OR (status = 'in_force' AND withdrawn_at <= $1)",
    )
    .bind(now)
    .fetch_all(&app.db.pool)
    .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut tx = app.db.begin().await?;
    let mut ids = Vec::new();
    for Due { id, norm, base, status: old } in rows {
        let new = if old == "upcoming" { "in_force" } else { "withdrawn" };
        sqlx::query("UPDATE standards SET status = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND status = $4")
            .bind(new)
            .bind(now)
            .bind(id)
            .bind(&old)
            .execute(&mut *tx)
            .await?;
        store::record_event(&mut tx, &app, id, &norm, &base, store::event_kind(&old, new), &old, new, "").await?;
        ids.push(id);
    }
    // A lead that changes status may hand the lead of its document to another edition.
    let recs = store::by_ids(&app, &ids).await?;
    let mut siblings = store::family_ids(&mut tx, &recs).await?;
    siblings.retain(|i| !ids.contains(i));
    ids.extend(siblings);
    crate::indexer::changed(&mut tx, DOMAIN, &ids).await?;
    tx.commit().await?;
    app.indexer.kick();
    Ok(())
}

/// Mails each owner's pending changes once per day or week, as they chose.
pub async fn digest(app: App, _job: i64, _p: serde_json::Value) -> anyhow::Result<()> {
    let now = crate::util::now();
    let owners: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT DISTINCT q.owner, COALESCE(p.frequency, 'daily'), COALESCE(p.last_digest_at, 0) FROM standard_digest_queue q LEFT JOIN standard_watch_prefs p ON p.owner = q.owner",
    )
    .fetch_all(&app.db.pool)
    .await?;
    for (owner, freq, last) in owners {
        let period = if freq == "weekly" { 7 * 86_400 } else { 86_400 };
        if freq != "immediate" && now - last < period - 600 {
            continue;
        }
        send_digest(&app, &owner).await?;
    }
    Ok(())
}

/// Sends one owner's digest now (all recipients), and empties their queue.
pub async fn send_digest(app: &App, owner: &str) -> anyhow::Result<usize> {
    use crate::web::{Lang, i18n};
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    let events: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT e.id, e.norm, e.kind, e.new_status, e.successor FROM standard_digest_queue q JOIN standard_events e ON e.id = q.event_id WHERE q.owner = $1 ORDER BY e.id",
    )
    .bind(owner)
    .fetch_all(&mut *tx)
    .await?;
    if events.is_empty() {
        return Ok(0);
    }
    let users = store::recipients(&mut tx, owner).await?;
    let base = app.config.base_url.trim_end_matches('/').to_string();
    for uid in users {
        let row: Option<(String, String)> = sqlx::query_as("SELECT email, locale FROM users WHERE id = $1").bind(uid).fetch_optional(&mut *tx).await?;
        let Some((email, locale)) = row else { continue };
        let lang = Lang::parse(&locale).unwrap_or_default();
        let mut body = i18n::t(lang, "standards.digest_intro");
        body.push_str("\n\n");
        for (_, norm, kind, _, successor) in &events {
            let line = i18n::tf(lang, &format!("standards.notice_{kind}.body"), &[("number", norm), ("successor", successor)]);
            let link = format!("{base}/standards/{}", percent_encoding::utf8_percent_encode(norm, percent_encoding::NON_ALPHANUMERIC));
            body.push_str(&format!("- {line}\n  {link}\n"));
        }
        body.push_str(&format!("\n{base}/standards/watchlist\n"));
        let subject = i18n::tf(lang, "standards.digest_subject", &[("n", &events.len().to_string())]);
        crate::jobs::mail::enqueue(&mut tx, &email, &subject, &body).await?;
    }
    sqlx::query("DELETE FROM standard_digest_queue WHERE owner = $1").bind(owner).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO standard_watch_prefs (owner, frequency, last_digest_at) VALUES ($1, 'daily', $2) ON CONFLICT (owner) DO UPDATE SET last_digest_at = excluded.last_digest_at")
        .bind(owner)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(events.len())
}
