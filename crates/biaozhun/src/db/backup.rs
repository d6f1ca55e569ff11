//! Backup and restore of the embedded SQLite database. `VACUUM INTO` writes a consistent
//! snapshot while the server keeps serving; restore checks the file before replacing the
//! live database. On PostgreSQL use the server's own tools (`pg_dump`, see docs/operations.md).

use super::{Db, DbKind};
use crate::config::Config;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

pub async fn backup(db: &Db, data_dir: &Path, out: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    if db.kind != DbKind::Sqlite {
        bail!("biaozhun backup copies the embedded SQLite database; for PostgreSQL use pg_dump (docs/operations.md)");
    }
    let out = match out {
        Some(p) => p,
        None => {
            let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
            data_dir.join("backups").join(format!("biaozhun-{stamp}.db"))
        }
    };
    if out.exists() {
        bail!("{} exists already; choose another file", out.display());
    }
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let target = out.to_str().context("backup path must be valid UTF-8")?.replace('\'', "''");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM INTO '{target}'"))).execute(&db.pool).await.context("writing the backup")?;
    Ok(out)
}

/// Checks that `file` is a biaozhun database, then copies it over the configured one.
pub async fn restore(cfg: &Config, file: &Path) -> anyhow::Result<PathBuf> {
    let url = cfg.effective_database_url();
    let Some(live) = url.strip_prefix("sqlite://") else {
        bail!("restore replaces the embedded SQLite database; for PostgreSQL use pg_restore");
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
    Ok(live)
}
