//! Keeps this server's search index (crate `search`) in step with the database.
//!
//! A domain that wants its records searchable registers a [`Source`] in `app.rs` and calls
//! [`changed`] in the same transaction as every edit. Each server follows the
//! `search_changes` log (every second, and at once after its own edits), asks the domain's
//! `load` for the current documents of the changed ids, and applies them. An index that is
//! empty, of another schema, or too far behind is rebuilt from the database, so it can
//! always be thrown away.

use crate::App;
use crate::db::Tx;
use futures_util::future::BoxFuture;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

/// Documents of one domain: `load` returns, for each id asked, the document to index or
/// `None` when the record is gone (or must not be searchable); `all_ids` lists every id,
/// for a rebuild.
#[derive(Clone, Copy)]
pub struct Source {
    pub domain: &'static str,
    pub load: for<'a> fn(&'a App, &'a [i64]) -> BoxFuture<'a, anyhow::Result<Vec<(i64, Option<search::Doc>)>>>,
    pub all_ids: for<'a> fn(&'a App) -> BoxFuture<'a, anyhow::Result<Vec<i64>>>,
}

pub struct Indexer {
    pub index: search::Index,
    /// One rebuild or catch-up at a time per server, so a rebuild's clearing of a domain
    /// never interleaves with a catch-up's additions.
    busy: tokio::sync::Mutex<()>,
    applied: AtomicI64,
    /// Changes up to this id are in the writer but not yet committed (see [`stage`]).
    staged: AtomicI64,
    kick: Notify,
    state_file: std::path::PathBuf,
}

/// The search key of a record.
pub fn key(domain: &str, id: i64) -> String {
    format!("{domain}:{id}")
}

/// Parses a key back into its id, if it belongs to `domain`.
pub fn id_of(domain: &str, key: &str) -> Option<i64> {
    key.strip_prefix(domain)?.strip_prefix(':')?.parse().ok()
}

/// Records that these records of `domain` changed (call inside the edit's transaction).
pub async fn changed(tx: &mut Tx, domain: &str, ids: &[i64]) -> Result<(), sqlx::Error> {
    let now = crate::util::now();
    let kind = crate::db::DbKind::of(tx);
    for chunk in ids.chunks(500) {
        let sql = format!("INSERT INTO search_changes (domain, entity_id, at) VALUES {}", kind.rows(chunk.len(), 3));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(domain).bind(*id).bind(now);
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

impl Indexer {
    /// Opens the index under the data directory. A second process on the same directory
    /// (the writer lock is taken) gets an index of its own beside it.
    pub fn open(data_dir: &Path) -> anyhow::Result<Indexer> {
        let shared = data_dir.join("index");
        let (index, dir) = match search::Index::open(&shared) {
            Ok(i) => (i, shared),
            Err(e) => {
                let own = data_dir.join(format!("index-{}-{}", std::process::id(), crate::util::random_token(4)));
                tracing::info!("search index in {} is busy ({e}); using {}", shared.display(), own.display());
                let _ = std::fs::remove_dir_all(&own);
                (search::Index::open(&own)?, own)
            }
        };
        let state_file = dir.join("applied_change_id");
        let applied = std::fs::read_to_string(&state_file).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(-1);
        Ok(Indexer { index, busy: tokio::sync::Mutex::new(()), applied: AtomicI64::new(applied), staged: AtomicI64::new(applied), kick: Notify::new(), state_file })
    }

    /// Runs a search for a request. The one way the domains query the index.
    pub async fn search(&self, query: search::Query) -> Result<search::Results, crate::web::AppError> {
        self.index.search(&query).map_err(|e| crate::web::AppError::Internal(e.into()))
    }

    /// Asks the follower to apply changes now (after an edit on this server).
    pub fn kick(&self) {
        self.kick.notify_one();
    }

    fn save_applied(&self, id: i64) {
        self.applied.store(id, Ordering::SeqCst);
        self.staged.fetch_max(id, Ordering::SeqCst);
        let _ = std::fs::write(&self.state_file, id.to_string());
    }
}

/// Rebuilds every domain from the database when the index is new or too far behind.
pub async fn ensure_built(app: &App) -> anyhow::Result<()> {
    let ix = &app.indexer;
    let _busy = ix.busy.lock().await;
    let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(id) FROM search_changes").fetch_one(&app.db.pool).await?;
    let applied = ix.applied.load(Ordering::SeqCst);
    let behind = oldest.is_some_and(|o| applied < o - 1);
    if applied >= 0 && !behind {
        return Ok(());
    }
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM search_changes").fetch_one(&app.db.pool).await?;
    for source in app.index_sources.iter() {
        ix.index.delete_domain(source.domain)?;
        let ids = (source.all_ids)(app).await?;
        apply_pipelined(app, source, &ids).await?;
    }
    ix.index.commit()?;
    ix.save_applied(newest.unwrap_or(0));
    Ok(())
}

/// The documents of some ids, read from the database: to index, and keys to delete.
struct Loaded {
    docs: Vec<search::Doc>,
    gone: Vec<String>,
}

async fn load(app: &App, source: &Source, ids: &[i64]) -> anyhow::Result<Loaded> {
    let loaded = (source.load)(app, ids).await?;
    let mut docs = Vec::with_capacity(loaded.len());
    let mut gone = Vec::new();
    for (id, doc) in loaded {
        match doc {
            Some(d) => docs.push(d),
            None => gone.push(key(source.domain, id)),
        }
    }
    // Ids the domain did not answer for are gone too.
    let answered: std::collections::HashSet<String> = docs.iter().map(|d| d.key.clone()).chain(gone.iter().cloned()).collect();
    gone.extend(ids.iter().map(|id| key(source.domain, *id)).filter(|k| !answered.contains(k)));
    Ok(Loaded { docs, gone })
}

fn put(index: &search::Index, l: Loaded) -> anyhow::Result<()> {
    index.upsert(&l.docs)?;
    if !l.gone.is_empty() {
        index.delete(&l.gone)?;
    }
    Ok(())
}

/// Applies ids in chunks, reading the next chunk from the database while the previous one
/// is turned into index documents on another thread (the writer's own threads analyse them).
async fn apply_pipelined(app: &App, source: &Source, ids: &[i64]) -> anyhow::Result<()> {
    let mut pending: Option<tokio::task::JoinHandle<anyhow::Result<()>>> = None;
    for chunk in ids.chunks(1000) {
        let l = load(app, source, chunk).await?;
        if let Some(h) = pending.take() {
            h.await??;
        }
        let index = app.indexer.index.clone();
        pending = Some(tokio::task::spawn_blocking(move || put(&index, l)));
    }
    if let Some(h) = pending {
        h.await??;
    }
    Ok(())
}

/// Adds the changes logged since the last commit or stage to the index writer, without
/// committing; returns how many log entries it read.
async fn stage(app: &App) -> anyhow::Result<usize> {
    let ix = &app.indexer;
    let mut total = 0;
    loop {
        let from = ix.applied.load(Ordering::SeqCst).max(ix.staged.load(Ordering::SeqCst));
        let rows: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT id, domain, entity_id FROM search_changes WHERE id > $1 ORDER BY id LIMIT 20000")
                .bind(from)
                .fetch_all(&app.db.pool)
                .await?;
        let Some(last) = rows.last().map(|r| r.0) else { break };
        for source in app.index_sources.iter() {
            let mut ids: Vec<i64> = rows.iter().filter(|r| r.1 == source.domain).map(|r| r.2).collect();
            ids.sort_unstable();
            ids.dedup();
            apply_pipelined(app, source, &ids).await?;
        }
        ix.staged.store(last, Ordering::SeqCst);
        total += rows.len();
    }
    Ok(total)
}

/// Applies the changes logged since the last run and commits once; returns how many log
/// entries were applied (including those staged before).
pub async fn follow_once(app: &App) -> anyhow::Result<usize> {
    let ix = &app.indexer;
    let _busy = ix.busy.lock().await;
    let total = stage(app).await?;
    let staged = ix.staged.load(Ordering::SeqCst);
    if staged > ix.applied.load(Ordering::SeqCst) {
        ix.index.commit()?;
        ix.save_applied(staged);
    }
    Ok(total)
}

/// Stages changes as they are logged until `done` is set, then returns: a command-line
/// import builds the index while it stores, and commits once at the end ([`follow_once`]).
pub async fn stage_until(app: &App, done: &std::sync::atomic::AtomicBool) -> anyhow::Result<()> {
    loop {
        let finished = done.load(Ordering::SeqCst);
        {
            let _busy = app.indexer.busy.lock().await;
            stage(app).await?;
        }
        if finished {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// How often the follower looks at the change log when nothing kicks it.
pub const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The follower of `serve`.
pub fn spawn_follower(app: App) {
    tokio::spawn(async move {
        if let Err(e) = ensure_built(&app).await {
            tracing::error!("building the search index: {e:#}");
        }
        loop {
            if let Err(e) = follow_once(&app).await {
                tracing::warn!("search index follower: {e:#}");
            }
            let kick = app.indexer.kick.notified();
            let _ = tokio::time::timeout(FOLLOW_EVERY, kick).await;
        }
    });
}

/// Purges log entries every server has had time to apply (older than a day); a server
/// that was away longer rebuilds.
pub async fn purge(app: &App) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM search_changes WHERE at < $1").bind(crate::util::now() - 24 * 3600).execute(&app.db.pool).await?;
    Ok(())
}

pub type Shared = Arc<Indexer>;
