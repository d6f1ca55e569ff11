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

/// What the process opening the index is: a server (it searches, so it needs an index even
/// when another server holds the shared one) or a command (it only writes: a running server
/// indexes its changes from the log).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opener {
    Server,
    Command,
}

pub struct Indexer {
    pub index: search::Index,
    /// Set for a command beside a running server: the server owns the shared index and takes
    /// this process's changes in from the log, so this process indexes nothing.
    left_to_server: bool,
    /// This server's own copy (the shared index was taken), removed when it stops.
    private_copy: Option<std::path::PathBuf>,
    /// One rebuild, catch-up or handing-in of built documents at a time per server, so a
    /// rebuild's clearing of a domain never interleaves with a catch-up's additions, and
    /// documents built by a writer reach the index before a later edit read from the log.
    /// It holds the follower's reading of the log, which only its holder changes.
    busy: Arc<tokio::sync::Mutex<Reading>>,
    /// Every log entry up to this id is in the committed index (or was given up on: see
    /// [`HOLE_WAIT`]).
    applied: AtomicI64,
    /// The time (`at`) of the log entry `applied`, 0 when not known: tells this database's
    /// log from another one with entries of the same ids (a restored backup).
    applied_at: AtomicI64,
    kick: Notify,
    /// Where the last applied change id is kept (none for an index left to a server).
    state_file: Option<std::path::PathBuf>,
}

/// The search key of a record.
pub fn key(domain: &str, id: i64) -> String {
    format!("{domain}:{id}")
}

/// Parses a key back into its id, if it belongs to `domain`.
pub fn id_of(domain: &str, key: &str) -> Option<i64> {
    key.strip_prefix(domain)?.strip_prefix(':')?.parse().ok()
}

/// Records that these records of `domain` changed (call inside the edit's transaction);
/// returns the log entries' ids.
pub async fn changed(tx: &mut Tx, domain: &str, ids: &[i64]) -> Result<Vec<i64>, sqlx::Error> {
    let now = crate::util::now();
    let kind = crate::db::DbKind::of(tx);
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    use crate::db::{DbKind, JsonCol};
    let rows: Vec<(&str, i64, i64)> = ids.iter().map(|id| (domain, *id, now)).collect();
    let rows = serde_json::to_string(&rows).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let sql = format!("INSERT INTO search_changes (domain, entity_id, at) {}", kind.json_rows(1, &[JsonCol::Text, JsonCol::Int, JsonCol::Int]));
    match kind {
        // The transaction holds SQLite's only write lock, and one INSERT gives its rows
        // consecutive AUTOINCREMENT keys: the log entries are as many as the ids up to the
        // last one. (Returned row by row, each would wake this task from the driver's
        // thread: see `db::ids_by_key`.)
        DbKind::Sqlite => {
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(rows).execute(&mut **tx).await?;
            let last: i64 = sqlx::query_scalar("SELECT last_insert_rowid()").fetch_one(&mut **tx).await?;
            Ok((last + 1 - ids.len() as i64..=last).collect())
        }
        DbKind::Postgres => sqlx::query_scalar(sqlx::AssertSqlSafe(format!("{sql} RETURNING id"))).bind(rows).fetch_all(&mut **tx).await,
    }
}

/// Documents a writer built from the records it holds, in the transaction that logged
/// their changes (an import has them in memory): this process's index takes them without
/// reading them back, and its follower skips their log entries. Other servers read them
/// from the log as for any edit.
pub struct Built {
    /// The log entries of the transaction ([`changed`]).
    pub logged: Vec<i64>,
    /// Writes the documents (run on the indexing thread, after the commit).
    pub docs: Box<dyn FnOnce() -> Vec<search::Doc> + Send>,
}

/// The indexing of a [`Built`] batch, on a blocking thread; await it before relying on the
/// documents being in the writer (the next [`commit_built`] waits for it anyway).
pub type Handing = tokio::task::JoinHandle<anyhow::Result<()>>;

/// Commits `tx` and hands its built documents to this process's index (not committed:
/// the follower or [`follow_once`] commits). Nothing else reaches the index between the
/// commit and the hand-in, so a later edit, read from the log, is never overwritten by
/// these documents. When the index stays busy (a rebuild, a long catch-up) for
/// [`HAND_IN_WAIT`], the transaction is committed without handing anything in and the
/// follower reads its entries from the log like any edit's: the open transaction would
/// otherwise hold back every other writer of an SQLite database meanwhile.
pub async fn commit_built(app: &App, tx: Tx, built: Built) -> anyhow::Result<Option<Handing>> {
    let ix = &app.indexer;
    if ix.left_to_server {
        tx.commit().await?;
        return Ok(None);
    }
    let Ok(mut reading) = tokio::time::timeout(HAND_IN_WAIT, ix.busy.clone().lock_owned()).await else {
        tracing::debug!("search index busy: {} log entries left to the follower", built.logged.len());
        tx.commit().await?;
        return Ok(None);
    };
    tx.commit().await?;
    reading.built.extend(built.logged.iter().copied());
    let ix = app.indexer.clone();
    Ok(Some(tokio::task::spawn_blocking(move || {
        let handed = ix.index.upsert(&(built.docs)());
        match handed {
            // Committed by the next look even when a missing entry keeps the mark below these.
            Ok(()) => reading.dirty = true,
            // The follower reads these entries from the log after all.
            Err(_) => {
                for id in &built.logged {
                    reading.built.remove(id);
                }
            }
        }
        handed.map_err(Into::into)
    })))
}

/// How long a writer's transaction waits, open, for the index to take its built documents
/// ([`commit_built`]). Longer than handing in the previous batch of an import takes.
pub const HAND_IN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl Indexer {
    /// Opens the index under the data directory. When another process holds it (the writer
    /// lock is taken), a server gets an index of its own beside it and a command gets none:
    /// it leaves the indexing of its changes to the running server ([`Indexer::left_to_server`]).
    /// Copies left by servers that are gone are removed first.
    pub fn open(data_dir: &Path, opener: Opener) -> anyhow::Result<Indexer> {
        remove_stale_copies(data_dir);
        let shared = data_dir.join("index");
        let (index, dir, private_copy) = match search::Index::open(&shared) {
            Ok(i) => (i, Some(shared), None),
            Err(e) if opener == Opener::Command && e.is_busy() => {
                tracing::debug!("search index in {} is held by a server ({e}); leaving the indexing to it", shared.display());
                let index = search::Index::in_memory()?;
                return Ok(Indexer { index, left_to_server: true, private_copy: None, busy: Default::default(), applied: AtomicI64::new(-1), applied_at: AtomicI64::new(0), kick: Notify::new(), state_file: None });
            }
            Err(e) => {
                let own = data_dir.join(format!("{COPY_PREFIX}{}-{}", std::process::id(), crate::util::random_token(4)));
                tracing::info!("search index in {} is busy ({e}); this server keeps its own in {}", shared.display(), own.display());
                let _ = std::fs::remove_dir_all(&own);
                (search::Index::open(&own)?, Some(own.clone()), Some(own))
            }
        };
        let state_file = dir.map(|d| d.join("applied_change_id"));
        // "ID AT": the last applied log entry and its time (an older index wrote the id alone).
        let state = state_file.as_ref().and_then(|f| std::fs::read_to_string(f).ok()).unwrap_or_default();
        let mut words = state.split_whitespace().map(|w| w.parse::<i64>().ok());
        let applied = words.next().flatten().unwrap_or(-1);
        let applied_at = words.next().flatten().unwrap_or(0);
        let reading = Reading { read_to: applied.max(0), ..Default::default() };
        Ok(Indexer {
            index,
            left_to_server: false,
            private_copy,
            busy: Arc::new(tokio::sync::Mutex::new(reading)),
            applied: AtomicI64::new(applied),
            applied_at: AtomicI64::new(applied_at),
            kick: Notify::new(),
            state_file,
        })
    }

    /// True for a command that found a server holding the index: its changes reach the
    /// search through that server's follower, within a second or so.
    pub fn left_to_server(&self) -> bool {
        self.left_to_server
    }

    /// Removes this server's own copy of the index (at shutdown); the shared index stays.
    /// Waits (a few seconds at most) for a rebuild or catch-up in progress, which would write
    /// into it meanwhile; what a stop cuts short is removed by the next start.
    pub async fn discard_private_copy(&self) {
        let Some(dir) = &self.private_copy else { return };
        let _busy = tokio::time::timeout(std::time::Duration::from_secs(5), self.busy.lock()).await;
        for _ in 0..20 {
            match std::fs::remove_dir_all(dir) {
                Err(_) if dir.exists() => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
                _ => return,
            }
        }
        tracing::warn!("could not remove the search index copy {}", dir.display());
    }

    /// Runs a search for a request. The one way the domains query the index.
    pub async fn search(&self, query: search::Query) -> Result<search::Results, crate::web::AppError> {
        self.index.search(&query).map_err(|e| crate::web::AppError::Internal(e.into()))
    }

    /// Holds the index as a rebuild does, until the guard is dropped: for tests of what
    /// waits for it.
    #[doc(hidden)]
    pub async fn hold(&self) -> impl Send + use<> {
        self.busy.clone().lock_owned().await
    }

    /// Asks the follower to apply changes now (after an edit on this server).
    pub fn kick(&self) {
        self.kick.notify_one();
    }

    /// Notes that every log entry up to `id` (of time `at`, when known) is in the committed
    /// index, in memory and in the state file.
    fn save_applied(&self, id: i64, at: Option<i64>) {
        self.applied.store(id, Ordering::SeqCst);
        self.applied_at.store(at.unwrap_or(0), Ordering::SeqCst);
        if let Some(f) = &self.state_file {
            let text = match at {
                Some(at) => format!("{id} {at}"),
                None => id.to_string(),
            };
            let _ = std::fs::write(f, text);
        }
    }
}

/// Name of a server's own copy: `index-<pid>-<random>`.
const COPY_PREFIX: &str = "index-";

/// Removes the own copies of servers whose process is gone (they are derived data, and a
/// restarted server rebuilds or reuses the shared index). Where process ids cannot be looked
/// up (no `/proc`), copies are left alone.
pub fn remove_stale_copies(data_dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(data_dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(pid) = name.strip_prefix(COPY_PREFIX).and_then(|rest| rest.split('-').next()).and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() && entry.path().is_dir() {
            match std::fs::remove_dir_all(entry.path()) {
                Ok(()) => tracing::info!("removed the search index copy {name} of a server that is gone"),
                Err(e) => tracing::warn!("removing the stale search index copy {name}: {e}"),
            }
        }
    }
}

/// Rebuilds every domain from the database when the index is new, too far behind, or
/// following another log than this database's (a restored backup: the log went back, or
/// its entry at the applied id is another one).
pub async fn ensure_built(app: &App) -> anyhow::Result<()> {
    let ix = &app.indexer;
    if ix.left_to_server {
        return Ok(());
    }
    let mut reading = ix.busy.lock().await;
    let (oldest, newest): (Option<i64>, Option<i64>) = sqlx::query_as("SELECT MIN(id), MAX(id) FROM search_changes").fetch_one(&app.db.pool).await?;
    let applied = ix.applied.load(Ordering::SeqCst);
    let behind = oldest.is_some_and(|o| applied < o - 1);
    let elsewhere = applied > 0 && {
        let at: Option<i64> = sqlx::query_scalar("SELECT at FROM search_changes WHERE id = $1").bind(applied).fetch_optional(&app.db.pool).await?;
        match at {
            Some(at) => ![0, at].contains(&ix.applied_at.load(Ordering::SeqCst)),
            // Purged (the newest entry never is) or never committed; unless the log ends
            // below it: then it was written by another database.
            None => newest.unwrap_or(0) < applied,
        }
    };
    if applied >= 0 && !behind && !elsewhere {
        return Ok(());
    }
    if elsewhere {
        tracing::info!("the search index followed another change log (up to entry {applied}; a restored backup?): rebuilding it from the database");
    }
    rebuild(app, &mut reading, None).await?;
    Ok(())
}

/// Asks every server to rebuild its search index from the database (`biaozhun admin
/// reindex`): an entry of the change log that each follower acts on when it reads it.
/// Returns the entry's id.
pub async fn request_rebuild(app: &App) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("INSERT INTO search_changes (domain, entity_id, at) VALUES ($1, 0, $2) RETURNING id").bind(REBUILD).bind(crate::util::now()).fetch_one(&app.db.pool).await
}

/// The domain of a log entry asking for a rebuild ([`request_rebuild`]).
const REBUILD: &str = "*";

/// Rebuilds this process's index from the database now, counting documents on `bar`;
/// returns how many records were read. `None` when a running server holds the index.
pub async fn rebuild_now(app: &App, bar: &indicatif::ProgressBar) -> anyhow::Result<Option<u64>> {
    if app.indexer.left_to_server {
        return Ok(None);
    }
    let mut reading = app.indexer.busy.lock().await;
    Ok(Some(rebuild(app, &mut reading, Some(bar)).await?))
}

/// Clears the index and indexes every record of every domain, then commits; the index then
/// holds everything logged up to the newest entry at the start. Returns the records read.
async fn rebuild(app: &App, reading: &mut Reading, bar: Option<&indicatif::ProgressBar>) -> anyhow::Result<u64> {
    let ix = &app.indexer;
    let started = std::time::Instant::now();
    let newest: Option<(i64, i64)> = sqlx::query_as("SELECT id, at FROM search_changes ORDER BY id DESC LIMIT 1").fetch_optional(&app.db.pool).await?;
    let mut all = Vec::with_capacity(app.index_sources.len());
    for source in app.index_sources.iter() {
        all.push((source, (source.all_ids)(app).await?));
    }
    let total: u64 = all.iter().map(|(_, ids)| ids.len() as u64).sum();
    if let Some(b) = bar {
        b.set_length(total);
    }
    for (source, ids) in &all {
        ix.index.delete_domain(source.domain)?;
        apply_pipelined(app, source, ids, bar).await?;
    }
    ix.index.commit()?;
    reading.read_to = newest.map_or(0, |n| n.0);
    reading.missing.clear();
    reading.built.clear();
    reading.dirty = false;
    ix.save_applied(reading.read_to, newest.map(|n| n.1));
    tracing::info!("search index rebuilt from the database: {total} records in {:.1} s", started.elapsed().as_secs_f64());
    Ok(total)
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
async fn apply_pipelined(app: &App, source: &Source, ids: &[i64], bar: Option<&indicatif::ProgressBar>) -> anyhow::Result<()> {
    let mut pending: Option<tokio::task::JoinHandle<anyhow::Result<()>>> = None;
    for chunk in ids.chunks(1000) {
        let l = load(app, source, chunk).await?;
        if let Some(h) = pending.take() {
            h.await??;
        }
        if let Some(b) = bar {
            b.inc(chunk.len() as u64);
        }
        let index = app.indexer.index.clone();
        pending = Some(tokio::task::spawn_blocking(move || put(&index, l)));
    }
    if let Some(h) = pending {
        h.await??;
    }
    Ok(())
}

/// How long the follower waits for a missing log entry. Ids are taken when a transaction
/// logs its change and become visible when it commits: on PostgreSQL a transaction that
/// logged earlier may commit after one that logged later, so an entry missing below newer
/// ones may still come. One missing this long belongs to a transaction that rolled back
/// (or a sequence that skipped): it is passed.
pub const HOLE_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The follower's reading of the log: how far it has read, and the ids below that it has
/// not seen (kept between looks; see [`stage`]).
#[derive(Default)]
struct Reading {
    /// Log entries whose documents this process's writer built and handed in itself
    /// ([`commit_built`]): the follower skips them.
    built: std::collections::HashSet<i64>,
    /// The highest log id read (or passed as handed in built).
    read_to: i64,
    /// Ranges of ids (inclusive) below `read_to` not seen yet, oldest first, each with the
    /// time it was first missed.
    missing: Vec<(i64, i64, std::time::Instant)>,
    /// Documents were put in the writer since the last commit.
    dirty: bool,
}

impl Reading {
    /// Notes that the ids between `read_to` and `id` are missing, and reads on to `id`.
    fn read(&mut self, id: i64) {
        if id > self.read_to + 1 {
            self.missing.push((self.read_to + 1, id - 1, std::time::Instant::now()));
        }
        self.read_to = self.read_to.max(id);
    }

    /// Takes ids that have appeared (ascending) out of the missing ranges.
    fn found(&mut self, ids: &[i64]) {
        let mut left = Vec::with_capacity(self.missing.len());
        for &(a, b, since) in &self.missing {
            let mut from = a;
            for &id in ids.iter().filter(|id| (a..=b).contains(*id)) {
                if id > from {
                    left.push((from, id - 1, since));
                }
                from = id + 1;
            }
            if from <= b {
                left.push((from, b, since));
            }
        }
        self.missing = left;
    }

    /// Passes ranges missing for [`HOLE_WAIT`] or more (transactions that rolled back).
    fn give_up_old(&mut self) {
        self.missing.retain(|(a, b, since)| {
            let waiting = since.elapsed() < HOLE_WAIT;
            if !waiting {
                tracing::warn!("search index follower: log entries {a}..={b} never came (edits rolled back); passing them");
            }
            waiting
        });
    }

    /// Every entry up to this id has been applied (or given up on).
    fn mark(&self) -> i64 {
        self.missing.first().map_or(self.read_to, |m| m.0 - 1)
    }
}

/// Adds the changes logged since the last commit to the index writer, without committing;
/// returns how many log entries it took in.
///
/// New entries are read above the highest id read so far, and applied at once; ids passed
/// over on the way are remembered as missing and looked up again at each look, so an entry
/// committed late below newer ones is applied when it appears. The mark (`applied` after the
/// commit) stops below the first missing id.
async fn stage(app: &App, reading: &mut Reading) -> anyhow::Result<usize> {
    let mut total = 0;
    // Missing entries that have appeared since.
    let missing: Vec<(i64, i64)> = reading.missing.iter().map(|m| (m.0, m.1)).collect();
    for (a, b) in missing {
        let rows: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT id, domain, entity_id FROM search_changes WHERE id >= $1 AND id <= $2 ORDER BY id LIMIT 20000")
                .bind(a)
                .bind(b)
                .fetch_all(&app.db.pool)
                .await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        total += apply_rows(app, reading, rows).await?;
        reading.found(&ids);
    }
    // New entries.
    loop {
        // A run of entries just above what was read that were all handed in built is passed
        // without reading it: ids are unique, so no other entry lies among them.
        while reading.built.remove(&(reading.read_to + 1)) {
            reading.read_to += 1;
            total += 1;
        }
        let rows: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT id, domain, entity_id FROM search_changes WHERE id > $1 ORDER BY id LIMIT 20000")
                .bind(reading.read_to)
                .fetch_all(&app.db.pool)
                .await?;
        let Some(last) = rows.last().map(|r| r.0) else { break };
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        total += apply_rows(app, reading, rows).await?;
        for id in ids {
            reading.read(id);
        }
        // Built entries at or below `last` are done (a writer that logs out of order
        // leaves none behind).
        reading.built.retain(|id| *id > last);
    }
    reading.give_up_old();
    Ok(total)
}

/// Applies log rows, except those whose documents this process handed in built; returns
/// how many rows there were.
async fn apply_rows(app: &App, reading: &mut Reading, rows: Vec<(i64, String, i64)>) -> anyhow::Result<usize> {
    let n = rows.len();
    // A rebuild asked for: everything logged so far is read again from the database.
    if rows.iter().any(|r| r.1 == REBUILD) {
        rebuild(app, reading, None).await?;
        return Ok(n);
    }
    let fresh: Vec<(i64, String, i64)> =
        if reading.built.is_empty() { rows } else { rows.into_iter().filter(|r| !reading.built.contains(&r.0)).collect() };
    for source in app.index_sources.iter() {
        let mut ids: Vec<i64> = fresh.iter().filter(|r| r.1 == source.domain).map(|r| r.2).collect();
        ids.sort_unstable();
        ids.dedup();
        if !ids.is_empty() {
            apply_pipelined(app, source, &ids, None).await?;
            reading.dirty = true;
        }
    }
    Ok(n)
}

/// Applies the changes logged since the last run and commits once; returns how many log
/// entries were taken in.
pub async fn follow_once(app: &App) -> anyhow::Result<usize> {
    let ix = &app.indexer;
    if ix.left_to_server {
        return Ok(0);
    }
    let mut reading = ix.busy.lock().await;
    let total = stage(app, &mut reading).await?;
    let mark = reading.mark();
    let dirty = std::mem::take(&mut reading.dirty);
    if mark > ix.applied.load(Ordering::SeqCst) || dirty {
        ix.index.commit()?;
        let at: Option<i64> = sqlx::query_scalar("SELECT at FROM search_changes WHERE id = $1").bind(mark).fetch_optional(&app.db.pool).await?;
        ix.save_applied(mark, at);
    }
    Ok(total)
}

/// How often the follower looks at the change log when nothing kicks it.
pub const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The follower of `serve`.
pub fn spawn_follower(app: App) {
    // The Chinese dictionary, loaded before the first Chinese query rather than during it.
    tokio::task::spawn_blocking(search::warm_up);
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
/// that was away longer rebuilds. The newest entry stays: it marks where the log has got
/// to, which tells an index that followed another database's log ([`ensure_built`]).
pub async fn purge(app: &App) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM search_changes WHERE at < $1 AND id < (SELECT MAX(id) FROM search_changes)").bind(crate::util::now() - 24 * 3600).execute(&app.db.pool).await?;
    Ok(())
}

pub type Shared = Arc<Indexer>;

#[cfg(test)]
mod tests {
    use super::{HOLE_WAIT, Reading};
    use std::time::{Duration, Instant};

    fn ranges(g: &Reading) -> Vec<(i64, i64)> {
        g.missing.iter().map(|m| (m.0, m.1)).collect()
    }

    #[test]
    fn missing_log_entries_are_remembered_until_they_come_or_time_out() {
        let mut g = Reading { read_to: 10, ..Default::default() };
        for id in [11, 12, 15, 16, 20] {
            g.read(id);
        }
        assert_eq!(ranges(&g), [(13, 14), (17, 19)]);
        assert_eq!(g.mark(), 12, "applied stops below the first missing id");
        g.found(&[14, 18]);
        assert_eq!(ranges(&g), [(13, 13), (17, 17), (19, 19)]);
        g.found(&[13]);
        assert_eq!(g.mark(), 16);
        g.give_up_old();
        assert_eq!(ranges(&g), [(17, 17), (19, 19)], "still waited for");
        g.missing[0].2 = Instant::now().checked_sub(HOLE_WAIT + Duration::from_secs(1)).expect("uptime");
        g.give_up_old();
        assert_eq!(ranges(&g), [(19, 19)], "passed after the wait");
        g.found(&[19]);
        assert_eq!(g.mark(), 20);
    }
}
