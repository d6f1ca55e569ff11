//! Migrations: one SQL text per version under `migrations/`, rendered for each dialect.
//!
//! Instead of two folders that must be kept in step by hand, each file is written once in
//! the common subset of SQLite and PostgreSQL, with two placeholders where they differ:
//! `{{ID}}` (an auto-increment BIGINT primary key) and `{{BLOB}}` (binary data). The same
//! version numbers therefore exist for both backends by construction, and the test suite
//! applies them on both.

use super::{Db, DbKind};
use anyhow::Context;
use include_dir::{Dir, include_dir};

static DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// All migrations, ordered by version (file names start with the zero-padded version).
pub static MIGRATIONS: std::sync::LazyLock<Vec<Migration>> = std::sync::LazyLock::new(|| {
    let mut list: Vec<Migration> = DIR
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "sql"))
        .filter_map(|f| {
            let name = f.path().file_stem()?.to_str()?;
            let version = name.split('_').next()?.parse().ok()?;
            Some(Migration { version, name, sql: f.contents_utf8()? })
        })
        .collect();
    list.sort_by_key(|m| m.version);
    list
});

pub fn render_for(kind: DbKind, sql: &str) -> String {
    let (id, blob) = match kind {
        DbKind::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
        DbKind::Postgres => ("BIGSERIAL PRIMARY KEY", "BYTEA"),
    };
    sql.replace("{{ID}}", id).replace("{{BLOB}}", blob)
}

pub(super) async fn run(db: &Db) -> anyhow::Result<Vec<i64>> {
    let mut conn = db.pool.acquire().await?;
    // Serialise concurrent starters: an advisory lock on PostgreSQL, the write lock on SQLite.
    if db.kind == DbKind::Postgres {
        sqlx::query("SELECT pg_advisory_lock(724001)").execute(&mut *conn).await?;
    }
    let result = apply_all(db, &mut conn).await;
    if db.kind == DbKind::Postgres {
        sqlx::query("SELECT pg_advisory_unlock(724001)").execute(&mut *conn).await?;
    }
    result
}

async fn apply_all(
    db: &Db,
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
) -> anyhow::Result<Vec<i64>> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut **conn)
    .await?;
    let mut applied = Vec::new();
    for m in MIGRATIONS.iter() {
        let begin = if db.kind == DbKind::Sqlite { "BEGIN IMMEDIATE" } else { "BEGIN" };
        sqlx::raw_sql(begin).execute(&mut **conn).await?;
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(m.version)
                .fetch_optional(&mut **conn)
                .await?;
        if done.is_some() {
            sqlx::raw_sql("COMMIT").execute(&mut **conn).await?;
            continue;
        }
        let sql = render_for(db.kind, m.sql);
        let res = async {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut **conn).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(m.version)
                .bind(m.name)
                .bind(crate::util::now())
                .execute(&mut **conn)
                .await?;
            Ok::<_, sqlx::Error>(())
        }
        .await;
        match res {
            Ok(()) => {
                sqlx::raw_sql("COMMIT").execute(&mut **conn).await?;
                applied.push(m.version);
            }
            Err(e) => {
                let _ = sqlx::raw_sql("ROLLBACK").execute(&mut **conn).await;
                return Err(e).with_context(|| format!("applying migration {}", m.name));
            }
        }
    }
    Ok(applied)
}
