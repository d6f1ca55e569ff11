//! Backup and restore (docs/reliability/backup.md):
//! - SQLite: `VACUUM INTO` writes a consistent copy of the database file while the server
//!   keeps serving; restore checks the copy (integrity, schema) before replacing the live file.
//! - The portable archive (gzip JSON lines), read in one snapshot transaction and restored
//!   into an empty database in one transaction, with no external tools: PostgreSQL's backup,
//!   and on SQLite `--archive`, the way to move an instance from one backend to the other.

use super::{Db, DbKind};
use crate::config::Config;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

/// Writes a backup and returns its path: the portable archive on PostgreSQL or when `archive`
/// is asked for, a copy of the database file otherwise.
pub async fn backup(db: &Db, data_dir: &Path, out: Option<PathBuf>, archive: bool) -> anyhow::Result<PathBuf> {
    let archive = archive || db.kind == DbKind::Postgres;
    let out = match out {
        Some(p) => p,
        None => {
            let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
            let ext = if archive { "jsonl.gz" } else { "db" };
            data_dir.join("backups").join(format!("biaozhun-{stamp}.{ext}"))
        }
    };
    if out.exists() {
        bail!("{} exists already; choose another file", out.display());
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    if archive {
        backup_archive(db, &out).await?;
        return Ok(out);
    }
    let target = out.to_str().context("backup path must be valid UTF-8")?.replace('\'', "''");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'"))).execute(&db.pool).await.context("writing the backup")?;
    Ok(out)
}

/// Restores a backup into the configured database and says where it went. An archive (from
/// either backend) is loaded into an empty database; an SQLite file is checked (integrity,
/// schema) and copied over the configured SQLite database.
pub async fn restore(cfg: &Config, file: &Path) -> anyhow::Result<String> {
    let url = cfg.effective_database_url();
    let mut magic = [0u8; 2];
    let _ = std::io::Read::read(&mut std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?, &mut magic)?;
    if magic == [0x1f, 0x8b] {
        return restore_archive(&url, file).await;
    }
    let Some(live) = url.strip_prefix("sqlite://") else {
        bail!("{} is not a biaozhun archive; an SQLite backup file restores only into SQLite (make an archive with `biaozhun backup --archive`)", file.display());
    };
    let live = PathBuf::from(live.split('?').next().unwrap_or(live));
    if let Some(dir) = live.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Check a copy (never the backup itself), then move the checked copy into place.
    let tmp = live.with_extension("db.restoring");
    std::fs::copy(file, &tmp).with_context(|| format!("copying {}", file.display()))?;
    let checked = async {
        let check = Db::connect(&format!("sqlite://{}?mode=rw", tmp.display()), 2).await.context("opening the backup")?;
        let ok: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&check.pool).await.context("the file is not an SQLite database")?;
        if ok != "ok" {
            bail!("the backup fails SQLite's integrity check: {ok}");
        }
        let version = check.schema_version().await.context("the file is not a biaozhun database")?;
        sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(&check.pool).await?;
        check.pool.close().await;
        Ok::<i64, anyhow::Error>(version)
    }
    .await;
    let version = match checked {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    for ext in ["db-wal", "db-shm"] {
        let _ = std::fs::remove_file(live.with_extension(ext));
    }
    std::fs::rename(&tmp, &live)?;
    tracing::info!("restored schema version {version}");
    Ok(live.display().to_string())
}

// ---------------------------------------------------------------------------------------
// The portable archive, written and read by the application itself on either backend.
//
// Format (gzip, one JSON value per line):
//   {"format":"biaozhun-archive","format_version":1,"schema_version":N,"source":"postgres"|"sqlite","created_at":T}
//   {"table":"users","columns":["id",...],"types":["bigint",...]}   then one JSON array per row
//   ... every table, parents before children (foreign keys) ...
//   {"end":true,"tables":K,"rows":R}
// Integers are numbers, text is a string, bytes are base64 strings, NULL is null. Every table is
// read inside one transaction (REPEATABLE READ READ ONLY on PostgreSQL, a WAL read snapshot
// on SQLite): one consistent snapshot while the servers keep serving.

pub const ARCHIVE_FORMAT: &str = "biaozhun-archive";
pub const ARCHIVE_VERSION: i64 = 1;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ColType {
    Int,
    Text,
    Bytes,
}

impl ColType {
    fn parse(s: &str) -> anyhow::Result<ColType> {
        Ok(match s {
            "bigint" | "integer" | "int" | "smallint" => ColType::Int,
            "text" | "character varying" | "character" => ColType::Text,
            "bytea" | "blob" => ColType::Bytes,
            other => bail!("column type {other} is not handled by the archive"),
        })
    }
    fn name(self) -> &'static str {
        match self {
            ColType::Int => "bigint",
            ColType::Text => "text",
            ColType::Bytes => "bytea",
        }
    }
}

struct TableInfo {
    name: String,
    columns: Vec<(String, ColType)>,
}

/// Tables whose rows matter only for minutes (rate-limit counts): not archived, and an
/// archive without them is complete.
const TRANSIENT: &[&str] = &["rate_counts"];

/// The application's tables, parents before children, with their columns in order.
async fn tables(conn: &mut sqlx::AnyConnection) -> anyhow::Result<Vec<TableInfo>> {
    let kind = DbKind::of(conn);
    let (names_sql, edges_sql, columns_sql) = match kind {
        DbKind::Postgres => (
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
            "SELECT ch.relname::text, pa.relname::text FROM pg_constraint c \
             JOIN pg_class ch ON ch.oid = c.conrelid JOIN pg_class pa ON pa.oid = c.confrelid \
             JOIN pg_namespace n ON n.oid = ch.relnamespace \
             WHERE c.contype = 'f' AND n.nspname = current_schema()",
            "SELECT column_name::text, data_type::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        ),
        DbKind::Sqlite => (
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
            "SELECT m.name, f.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table'",
            "SELECT name, lower(type) FROM pragma_table_info($1) ORDER BY cid",
        ),
    };
    let mut names: Vec<String> = sqlx::query_scalar(names_sql).fetch_all(&mut *conn).await?;
    names.retain(|n| !TRANSIENT.contains(&n.as_str()));
    let edges: Vec<(String, String)> = sqlx::query_as(edges_sql).fetch_all(&mut *conn).await?;
    // Topological order (a self-reference is satisfied by rows in key order).
    let mut order: Vec<String> = Vec::new();
    let mut left: Vec<String> = names.clone();
    while !left.is_empty() {
        let ready: Vec<String> = left
            .iter()
            .filter(|t| edges.iter().all(|(ch, pa)| ch != *t || pa == *t || order.contains(pa) || !names.contains(pa)))
            .cloned()
            .collect();
        if ready.is_empty() {
            bail!("foreign keys form a cycle among {left:?}");
        }
        left.retain(|t| !ready.contains(t));
        order.extend(ready);
    }
    let mut out = Vec::new();
    for name in order {
        let cols: Vec<(String, String)> = sqlx::query_as(columns_sql).bind(&name).fetch_all(&mut *conn).await?;
        let columns = cols.into_iter().map(|(c, t)| Ok((c, ColType::parse(&t)?))).collect::<anyhow::Result<Vec<_>>>()?;
        out.push(TableInfo { name, columns });
    }
    Ok(out)
}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn cell(row: &sqlx::any::AnyRow, i: usize, ty: ColType) -> anyhow::Result<serde_json::Value> {
    use base64::Engine;
    use sqlx::Row;
    Ok(match ty {
        ColType::Int => row.try_get::<Option<i64>, _>(i)?.map(serde_json::Value::from).unwrap_or_default(),
        ColType::Text => row.try_get::<Option<String>, _>(i)?.map(serde_json::Value::from).unwrap_or_default(),
        ColType::Bytes => row
            .try_get::<Option<Vec<u8>>, _>(i)?
            .map(|b| serde_json::Value::from(base64::engine::general_purpose::STANDARD.encode(b)))
            .unwrap_or_default(),
    })
}

async fn backup_archive(db: &Db, out: &Path) -> anyhow::Result<()> {
    use futures_util::TryStreamExt;
    use std::io::Write;
    let tmp = out.with_extension("partial");
    let file = std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut w = flate2::write::GzEncoder::new(std::io::BufWriter::new(file), flate2::Compression::default());
    let result = async {
        // SQLite's snapshot starts with the transaction's first read and lasts until its end.
        let (begin, source) = match db.kind {
            DbKind::Postgres => ("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "postgres"),
            DbKind::Sqlite => ("BEGIN", "sqlite"),
        };
        let mut tx = db.pool.begin_with(begin).await?;
        let version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetch_one(&mut *tx).await?;
        let header = serde_json::json!({"format": ARCHIVE_FORMAT, "format_version": ARCHIVE_VERSION, "schema_version": version,
            "source": source, "created_at": crate::util::now()});
        writeln!(w, "{header}")?;
        let tables = tables(&mut *tx).await?;
        let mut total = 0i64;
        for t in &tables {
            let names: Vec<&str> = t.columns.iter().map(|c| c.0.as_str()).collect();
            let types: Vec<&str> = t.columns.iter().map(|c| c.1.name()).collect();
            writeln!(w, "{}", serde_json::json!({"table": t.name, "columns": names, "types": types}))?;
            let cols: Vec<String> = names.iter().map(|c| quote_ident(c)).collect();
            let sql = format!("SELECT {} FROM {} ORDER BY 1", cols.join(", "), quote_ident(&t.name));
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *tx);
            while let Some(row) = rows.try_next().await? {
                let vals = t.columns.iter().enumerate().map(|(i, c)| cell(&row, i, c.1)).collect::<anyhow::Result<Vec<_>>>()?;
                serde_json::to_writer(&mut w, &vals)?;
                w.write_all(b"\n")?;
                total += 1;
            }
        }
        drop(tx);
        writeln!(w, "{}", serde_json::json!({"end": true, "tables": tables.len(), "rows": total}))?;
        let inner = w.finish()?;
        inner.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        Ok::<(), anyhow::Error>(())
    }
    .await;
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.context("writing the backup"));
    }
    std::fs::rename(&tmp, out)?;
    Ok(())
}

/// Restores an archive (from either backend) into an empty database: migrates it to this
/// version's schema, refuses an archive of another schema version or a database that holds
/// data, then loads every table in one transaction and, on PostgreSQL, moves the id sequences
/// past the restored ids (SQLite's follow the largest id by themselves).
async fn restore_archive(url: &str, file: &Path) -> anyhow::Result<String> {
    use std::io::BufRead;
    let f = std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let mut lines = std::io::BufReader::new(flate2::read::GzDecoder::new(f)).lines();
    let header: serde_json::Value = match lines.next() {
        Some(Ok(l)) => serde_json::from_str(&l).context("the file is not a biaozhun archive")?,
        _ => bail!("the file is not a biaozhun archive (a .jsonl.gz file written by `biaozhun backup`)"),
    };
    if header["format"] != ARCHIVE_FORMAT || header["format_version"].as_i64() != Some(ARCHIVE_VERSION) {
        bail!("the file is not a biaozhun archive of format version {ARCHIVE_VERSION}");
    }
    let db = Db::connect(url, 2).await?;
    db.migrate().await?;
    let version = db.schema_version().await?;
    if header["schema_version"].as_i64() != Some(version) {
        bail!("the archive has schema version {}, this biaozhun has {version}: restore with the version that made it", header["schema_version"]);
    }
    let tables = tables(&mut *db.pool.acquire().await?).await?;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(&db.pool).await?;
    if users > 0 {
        bail!("the target database holds data already; restore into an empty database");
    }
    let mut tx = db.begin().await?;
    // Migrations may have written rows (their own log): the archive replaces every table.
    for t in tables.iter().rev() {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", quote_ident(&t.name)))).execute(&mut *tx).await?;
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut current: Option<(String, Vec<ColType>)> = None;
    let mut batch: Vec<Vec<serde_json::Value>> = Vec::new();
    let mut total = 0i64;
    let mut ended = false;
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(&line.context("reading the archive")?).context("a damaged archive line")?;
        if let serde_json::Value::Array(vals) = v {
            let Some((_, types)) = &current else { bail!("a row before any table") };
            if vals.len() != types.len() {
                bail!("a row with {} values for {} columns", vals.len(), types.len());
            }
            batch.push(vals);
            total += 1;
            if batch.len() * types.len() >= 30_000 {
                insert_batch(&mut tx, current.as_ref().unwrap(), &tables, &batch).await?;
                batch.clear();
            }
            continue;
        }
        if let Some(c) = &current {
            insert_batch(&mut tx, c, &tables, &batch).await?;
            batch.clear();
        }
        if v["end"] == true {
            if v["rows"].as_i64() != Some(total) {
                bail!("the archive ends with {} rows announced, {total} read", v["rows"]);
            }
            ended = true;
            break;
        }
        let name = v["table"].as_str().context("a damaged archive line")?.to_string();
        let Some(t) = tables.iter().find(|t| t.name == name) else { bail!("the archive has a table {name} this schema does not") };
        let cols: Vec<String> = serde_json::from_value(v["columns"].clone())?;
        if cols != t.columns.iter().map(|c| c.0.clone()).collect::<Vec<_>>() {
            bail!("the columns of {name} differ from this schema's");
        }
        seen.insert(name.clone());
        current = Some((name, t.columns.iter().map(|c| c.1).collect()));
    }
    if !ended {
        bail!("the archive is truncated (no end line)");
    }
    if seen.len() != tables.len() {
        bail!("the archive lacks tables of this schema");
    }
    // Move every serial/identity sequence past the restored ids.
    let serials: Vec<(String, String)> = if db.kind == DbKind::Postgres {
        sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')",
        )
        .fetch_all(&mut *tx)
        .await?
    } else {
        Vec::new()
    };
    for (table, col) in serials {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence($1, $2), GREATEST(COALESCE(MAX({c}), 0), 1), COALESCE(MAX({c}), 0) > 0)::bigint FROM {t}",
            c = quote_ident(&col),
            t = quote_ident(&table)
        );
        let _: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(quote_ident(&table)).bind(&col).fetch_one(&mut *tx).await?;
    }
    tx.commit().await?;
    db.pool.close().await;
    tracing::info!("restored schema version {version}: {total} rows in {} tables", seen.len());
    let backend = if db.kind == DbKind::Postgres { "PostgreSQL" } else { "SQLite" };
    Ok(format!("the {backend} database ({total} rows in {} tables, from {})", seen.len(), header["source"].as_str().unwrap_or("?")))
}

async fn insert_batch(tx: &mut super::Tx, current: &(String, Vec<ColType>), tables: &[TableInfo], rows: &[Vec<serde_json::Value>]) -> anyhow::Result<()> {
    use base64::Engine;
    if rows.is_empty() {
        return Ok(());
    }
    let (name, types) = current;
    let t = tables.iter().find(|t| &t.name == name).context("table")?;
    let cols: Vec<String> = t.columns.iter().map(|c| quote_ident(&c.0)).collect();
    let sql = format!("INSERT INTO {} ({}) VALUES {}", quote_ident(name), cols.join(", "), DbKind::of(&**tx).rows(rows.len(), types.len()));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows {
        for (v, ty) in row.iter().zip(types) {
            q = match ty {
                ColType::Int => q.bind(if v.is_null() { None } else { Some(v.as_i64().context("an integer expected")?) }),
                ColType::Text => q.bind(if v.is_null() { None } else { Some(v.as_str().context("text expected")?.to_string()) }),
                ColType::Bytes => q.bind(if v.is_null() {
                    None
                } else {
                    Some(base64::engine::general_purpose::STANDARD.decode(v.as_str().context("bytes expected")?)?)
                }),
            };
        }
    }
    q.execute(&mut **tx).await.with_context(|| format!("restoring {name}"))?;
    Ok(())
}
