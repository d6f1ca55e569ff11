//! The database room: one pool for SQLite or PostgreSQL through sqlx's `Any` driver,
//! the migrations, and the few places where the two dialects differ.
//!
//! Conventions (shared with every domain's `store.rs`): `$1` placeholders, ids and
//! times as BIGINT (times are Unix seconds, UTC), booleans as BIGINT 0/1, JSON as TEXT.

pub mod backup;
mod migrate;
pub mod tallies;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Transaction};
use std::time::Duration;

pub use migrate::{MIGRATIONS, Migration, render_for};

/// How a column of [`DbKind::json_rows`] is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonCol {
    Text,
    Int,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

impl DbKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DbKind::Sqlite => "sqlite",
            DbKind::Postgres => "postgres",
        }
    }

    /// `n` bind parameters, the first numbered `start`, for statements whose size is known
    /// only at run time (IN lists, multi-row INSERTs). On SQLite they are anonymous `?`:
    /// sqlx looks up the name of every numbered parameter in a list that SQLite scans from
    /// the start, so `$1…$N` costs time in the square of N (a 1,450-parameter INSERT spent
    /// most of an import there), while `?` costs nothing. Anonymous parameters are numbered
    /// by their order in the text, so a statement that uses this must take every one of its
    /// parameters from it, in the order they are bound.
    pub fn params(self, start: usize, n: usize) -> String {
        match self {
            DbKind::Sqlite => vec!["?"; n].join(","),
            DbKind::Postgres => (start..start + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(","),
        }
    }

    /// The VALUES list of a multi-row INSERT: `rows` tuples of `cols` parameters, all of the
    /// statement's parameters (see [`DbKind::params`]).
    pub fn rows(self, rows: usize, cols: usize) -> String {
        (0..rows).map(|i| format!("({})", self.params(i * cols + 1, cols))).collect::<Vec<_>>().join(",")
    }

    /// A SELECT of the rows of a JSON array of arrays bound as `$param`, each inner array a
    /// row with its values in the order of `cols` (text, or an integer read as BIGINT; JSON
    /// `null` is NULL): for bulk writes, whose thousands of rows then take one bound value.
    /// sqlx's `Any` driver copies each bound text twice and allocates four times for it: the
    /// catalogues' import takes about a twentieth less CPU this way (docs/benchmarks.md). On
    /// SQLite the rows are read as JSONB, whose values are not parsed again for each column.
    /// It ends with a WHERE clause, which SQLite needs before an `ON CONFLICT` that follows it.
    pub fn json_rows(self, param: usize, cols: &[JsonCol]) -> String {
        let cells = cols.iter().enumerate().map(|(i, c)| match (self, c) {
            (DbKind::Sqlite, _) => format!("value ->> {i}"),
            (DbKind::Postgres, JsonCol::Text) => format!("value ->> {i}"),
            (DbKind::Postgres, JsonCol::Int) => format!("(value ->> {i})::bigint"),
        });
        let cells = cells.collect::<Vec<_>>().join(", ");
        match self {
            DbKind::Sqlite => format!("SELECT {cells} FROM jsonb_each(${param}) WHERE true"),
            DbKind::Postgres => format!("SELECT {cells} FROM json_array_elements(${param}::json) AS r(value) WHERE true"),
        }
    }

    /// `col` is one of the values `select` gives, where `select` gives a few rows (a
    /// common table expression's result, say). PostgreSQL plans `IN (SELECT …)` from
    /// estimates that do not know how few rows a recursive expression yields, and scanned
    /// a whole table of relations for a page about twenty standards (4.8 ms instead of
    /// 0.8 ms); `= ANY(ARRAY(…))` makes it look each value up in the index. SQLite probes
    /// the index for `IN (SELECT …)` already.
    pub fn in_small_set(self, col: &str, select: &str) -> String {
        match self {
            DbKind::Sqlite => format!("{col} IN ({select})"),
            DbKind::Postgres => format!("{col} = ANY(ARRAY({select}))"),
        }
    }

    /// The backend of a connection (inside a transaction, where `App` is not at hand).
    pub fn of(conn: &sqlx::AnyConnection) -> DbKind {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") { DbKind::Postgres } else { DbKind::Sqlite }
    }
}

/// The ids of the rows of `table` whose text column `col` holds one of `keys`, by key, read
/// as one row of JSON. sqlx's SQLite driver hands each row of a result from its worker
/// thread to the caller's and wakes it for each: an import of the catalogues spent a tenth
/// of its time on those wake-ups while every upsert returned its records' ids row by row.
/// The keys go in as one JSON array; `table` and `col` are the caller's constants.
pub async fn ids_by_key(conn: &mut sqlx::AnyConnection, table: &str, col: &str, keys: &[String]) -> Result<std::collections::HashMap<String, i64>, sqlx::Error> {
    if keys.is_empty() {
        return Ok(Default::default());
    }
    let sql = match DbKind::of(conn) {
        DbKind::Sqlite => format!("SELECT json_group_array(json_array(id, {col})) FROM {table} WHERE {col} IN (SELECT value FROM json_each($1))"),
        DbKind::Postgres => format!("SELECT json_agg(json_build_array(id, {col}))::text FROM {table} WHERE {col} IN (SELECT json_array_elements_text($1::json))"),
    };
    let keys = serde_json::to_string(keys).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let found: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(keys).fetch_one(conn).await?;
    let pairs: Vec<(i64, String)> = match found {
        Some(text) => serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        None => Vec::new(),
    };
    Ok(pairs.into_iter().map(|(id, key)| (key, id)).collect())
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub kind: DbKind,
}

pub type Tx = Transaction<'static, Any>;
pub type Row = AnyRow;

/// How long a request waits for a database connection before it is answered 503, unless
/// configured (`db_acquire_timeout_secs`).
pub const DEFAULT_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

impl Db {
    /// Connects (creating the SQLite file and its folder if needed) without migrating.
    pub async fn connect(url: &str, pool_size: u32) -> anyhow::Result<Db> {
        Db::connect_with(url, pool_size, DEFAULT_ACQUIRE_TIMEOUT, 0).await
    }

    /// As `connect`, with the time a caller waits for a connection (a database that cannot
    /// be reached then fails requests after this long instead of holding them) and, on
    /// SQLite, the memory each connection keeps pages in (MiB; 0: SQLite's default).
    pub async fn connect_with(url: &str, pool_size: u32, acquire_timeout: Duration, sqlite_cache_mib: u32) -> anyhow::Result<Db> {
        sqlx::any::install_default_drivers();
        let kind = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            DbKind::Postgres
        } else if url.starts_with("sqlite:") {
            DbKind::Sqlite
        } else {
            anyhow::bail!("database URL must start with sqlite:// or postgres:// (got {url:?})");
        };
        let url = match kind {
            DbKind::Sqlite => {
                let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
                let path = path.split('?').next().unwrap_or(path);
                if let Some(dir) = std::path::Path::new(path).parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir)
                            .with_context(|| format!("creating {}", dir.display()))?;
                    }
                }
                if url.contains('?') { url.to_string() } else { format!("{url}?mode=rwc") }
            }
            DbKind::Postgres => url.to_string(),
        };
        let mut opts = AnyPoolOptions::new()
            .max_connections(pool_size.max(2))
            .acquire_timeout(acquire_timeout.max(Duration::from_millis(100)));
        if kind == DbKind::Sqlite {
            // A negative cache size is in KiB.
            let cache = if sqlite_cache_mib > 0 { format!(" PRAGMA cache_size=-{};", u64::from(sqlite_cache_mib) * 1024) } else { String::new() };
            let pragmas = format!("PRAGMA journal_mode=WAL; PRAGMA busy_timeout=10000; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;{cache}");
            opts = opts.after_connect(move |conn, _meta| {
                let pragmas = pragmas.clone();
                Box::pin(async move {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(pragmas)).execute(conn).await?;
                    Ok(())
                })
            });
        }
        let pool = opts
            .connect(&url)
            .await
            .with_context(|| format!("connecting to the {} database", kind.as_str()))?;
        Ok(Db { pool, kind })
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`) so two writers wait for each other instead of failing midway.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        match self.kind {
            DbKind::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            DbKind::Postgres => self.pool.begin().await,
        }
    }

    /// `FOR UPDATE SKIP LOCKED` where the dialect has it; SQLite serialises writers anyway.
    pub fn skip_locked(&self) -> &'static str {
        match self.kind {
            DbKind::Sqlite => "",
            DbKind::Postgres => " FOR UPDATE SKIP LOCKED",
        }
    }

    /// The newest applied migration version.
    pub async fn schema_version(&self) -> Result<i64, sqlx::Error> {
        let v: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?;
        Ok(v.unwrap_or(0))
    }

    pub async fn migrate(&self) -> anyhow::Result<Vec<i64>> {
        migrate::run(self).await
    }

    /// A setting kept in the database (shared by every server).
    pub async fn setting(&self, key: &str) -> Result<Option<String>, sqlx::Error> {
        sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
    }

    /// Stores `value` unless the key already exists, and returns the stored value:
    /// several servers starting at once agree on one value.
    pub async fn setting_or_insert(&self, key: &str, value: &str) -> Result<String, sqlx::Error> {
        sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(self.setting(key).await?.unwrap_or_else(|| value.to_string()))
    }
}

/// A database error that is the database's condition rather than the request's fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Unreachable, connection lost, shutting down or starting, locked: try again later.
    Unavailable,
    /// The disk under the database is full: writes fail until space is freed.
    StorageFull,
}

/// Classifies `e` (both dialects); `None` for errors that are the statement's own
/// (constraint violations, syntax, decoding …).
pub fn fault(e: &sqlx::Error) -> Option<Fault> {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => Some(Fault::Unavailable),
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
            let msg = d.message().to_ascii_lowercase();
            kind_of_code(&code, &msg)
        }
        _ => None,
    }
}

fn kind_of_code(code: &str, msg: &str) -> Option<Fault> {
    // PostgreSQL SQLSTATE: 53100 disk_full; 08xxx connection exception; 57P01..57P03
    // admin/crash shutdown, cannot connect now; 53300 too many connections.
    if code == "53100" || msg.contains("database or disk is full") || msg.contains("no space left on device") {
        return Some(Fault::StorageFull);
    }
    if code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300") {
        return Some(Fault::Unavailable);
    }
    // SQLite primary result codes (extended codes keep them in the low byte):
    // 5 BUSY, 6 LOCKED, 8 READONLY, 10 IOERR, 13 FULL, 14 CANTOPEN. They have at most four
    // digits; a SQLSTATE always has five.
    if let Some(n) = code.parse::<i64>().ok().filter(|_| code.len() < 5) {
        return match n & 0xff {
            13 => Some(Fault::StorageFull),
            5 | 6 | 8 | 10 | 14 => Some(Fault::Unavailable),
            _ => None,
        };
    }
    if msg.contains("database is locked") || msg.contains("disk i/o error") || msg.contains("unable to open database") {
        return Some(Fault::Unavailable);
    }
    None
}

/// True when PostgreSQL refused text it cannot store (a NUL character, SQLSTATE 22021). The
/// web layer refuses such text first; this keeps any path that slips by a 422, not a 500.
pub fn is_unstorable_text(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.code().as_deref() == Some("22021"))
}

/// True when the error is a unique-constraint violation (both dialects).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            d.is_unique_violation()
                || d.message().contains("UNIQUE constraint failed")
                || d.code().as_deref() == Some("23505")
        }
        _ => false,
    }
}

/// True when the error is a foreign-key violation (both dialects): a row still referred to,
/// or a reference to a row that is gone.
pub fn is_reference_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => d.is_foreign_key_violation() || d.message().contains("FOREIGN KEY constraint failed") || d.code().as_deref() == Some("23503"),
        _ => false,
    }
}
