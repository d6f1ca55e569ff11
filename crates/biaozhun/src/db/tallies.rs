//! Rolled-up counts (`tallies`): a figure such as "experts recognised in the top tier" kept
//! as one row, changed by the writer in the same transaction as the records it counts
//! ([`bump`]), so reading it ([`read`]) costs one indexed lookup however many records there
//! are. A room declares each of its tallies ([`Tally`]: a key and the SQL that counts it from
//! the records) in its `Domain::tallies`; that SQL is used only to fill a tally that is not
//! there yet (the first read after the table was created, or after a room added a key) and
//! by `biaozhun admin recount`, which rebuilds every tally from the records.
//!
//! A bump is `UPDATE … SET value = value + $1`: two writers on PostgreSQL never lose each
//! other's change (the row lock orders them), unlike a read-then-write. A bump of a key not
//! filled yet does nothing; the fill that comes later counts the record itself. The fill
//! locks the table against bumps while it counts (PostgreSQL: `SHARE ROW EXCLUSIVE`; SQLite:
//! its transactions write one at a time), so no writer's bump can fall between its count and
//! its row.
//!
//! A tally may also count records that stop counting at a moment (a certificate in force
//! until its expiry): [`bump_until`] keeps those in rows by that moment, and [`read`] adds
//! only the rows whose moment is still ahead (the row at `until = 0` holds the rest and marks
//! the tally as filled).

use super::{DbKind, Tx};
use crate::App;
use sqlx::AnyConnection;

/// A rolled-up count a room keeps: `key` (`"experts.tier_high_end"`) and `recount`, SQL that
/// counts it from the records: one row `(COUNT)`; or, when `expiring`, rows
/// `(until, COUNT)` grouped by the moment each record stops counting (NULL: never).
#[derive(Debug, Clone, Copy)]
pub struct Tally {
    pub key: &'static str,
    pub recount: &'static str,
    pub expiring: bool,
}

impl Tally {
    pub const fn new(key: &'static str, recount: &'static str) -> Tally {
        Tally { key, recount, expiring: false }
    }

    pub const fn expiring(key: &'static str, recount: &'static str) -> Tally {
        Tally { key, recount, expiring: true }
    }
}

/// Adds `delta` to the tally `key`, in the writer's transaction.
pub async fn bump(conn: &mut AnyConnection, key: &str, delta: i64) -> Result<(), sqlx::Error> {
    if delta != 0 {
        sqlx::query("UPDATE tallies SET value = value + $1 WHERE key = $2 AND until = 0").bind(delta).bind(key).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds `delta` to the tally `key` for records that count until `until` (Unix seconds;
/// None: for good). A moment already past changes nothing any read would see.
pub async fn bump_until(conn: &mut AnyConnection, key: &str, until: Option<i64>, delta: i64) -> Result<(), sqlx::Error> {
    match until {
        None => bump(conn, key, delta).await,
        Some(u) if u <= crate::util::now() || delta == 0 => Ok(()),
        Some(u) => {
            sqlx::query(
                "INSERT INTO tallies (key, until, value) SELECT CAST($1 AS TEXT), CAST($2 AS BIGINT), CAST($3 AS BIGINT) WHERE EXISTS (SELECT 1 FROM tallies WHERE key = $1 AND until = 0) \
                 ON CONFLICT (key, until) DO UPDATE SET value = tallies.value + excluded.value",
            )
            .bind(key)
            .bind(u)
            .bind(delta)
            .execute(&mut *conn)
            .await?;
            Ok(())
        }
    }
}

/// Adds the changes of one record: -1 for each key it counted in before, +1 for each it
/// counts in now (the same key on both sides cancels out).
pub async fn settle(conn: &mut AnyConnection, before: &[String], after: &[String]) -> Result<(), sqlx::Error> {
    for k in before.iter().filter(|k| !after.contains(k)) {
        bump(conn, k, -1).await?;
    }
    for k in after.iter().filter(|k| !before.contains(k)) {
        bump(conn, k, 1).await?;
    }
    Ok(())
}

tokio::task_local! {
    /// Every filled tally as one query read them, for the reads inside [`at_once`].
    static SEEN: std::collections::HashMap<String, i64>;
}

/// Runs `f` with every filled tally read first in one query; a [`read`] inside `f` answers
/// from that (a page showing many counts, the strategy dashboard, reads the table once, not
/// once per count). A tally not filled yet is read, and filled, as usual.
pub async fn at_once<F: std::future::Future>(app: &App, f: F) -> Result<F::Output, sqlx::Error> {
    let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT key, CAST(COUNT(CASE WHEN until = 0 THEN 1 END) AS BIGINT), CAST(SUM(value) AS BIGINT) FROM tallies WHERE until = 0 OR until > $1 GROUP BY key",
    )
    .bind(crate::util::now())
    .fetch_all(&app.db.pool)
    .await?;
    let seen = rows.into_iter().filter(|(_, filled, _)| *filled > 0).map(|(k, _, v)| (k, v.unwrap_or(0))).collect();
    Ok(SEEN.scope(seen, f).await)
}

/// The tally now: one lookup when it is filled (none inside [`at_once`]), else filled from
/// the records first.
pub async fn read(app: &App, t: &Tally) -> Result<i64, sqlx::Error> {
    if let Ok(Some(v)) = SEEN.try_with(|m| m.get(t.key).copied()) {
        return Ok(v);
    }
    if let Some(v) = stored(&app.db.pool, t.key).await? {
        return Ok(v);
    }
    fill(app, t).await
}

/// The stored value (None: not filled yet).
pub async fn stored<'c, E: sqlx::Executor<'c, Database = sqlx::Any>>(conn: E, key: &str) -> Result<Option<i64>, sqlx::Error> {
    let (filled, value): (i64, Option<i64>) = sqlx::query_as(
        "SELECT CAST(COUNT(CASE WHEN until = 0 THEN 1 END) AS BIGINT), CAST(SUM(value) AS BIGINT) FROM tallies WHERE key = $1 AND (until = 0 OR until > $2)",
    )
    .bind(key)
    .bind(crate::util::now())
    .fetch_one(conn)
    .await?;
    Ok((filled > 0).then_some(value.unwrap_or(0)))
}

/// What `t` counts in the records now (the tally's SQL, nothing written).
pub async fn recount(conn: &mut AnyConnection, t: &Tally) -> Result<Vec<(Option<i64>, i64)>, sqlx::Error> {
    if t.expiring {
        sqlx::query_as(t.recount).fetch_all(&mut *conn).await
    } else {
        let n: i64 = sqlx::query_scalar(t.recount).fetch_one(&mut *conn).await?;
        Ok(vec![(None, n)])
    }
}

/// The sum of a recount as [`read`] would see it now.
pub fn total(rows: &[(Option<i64>, i64)]) -> i64 {
    let now = crate::util::now();
    rows.iter().filter(|(u, _)| u.is_none_or(|u| u > now)).map(|(_, n)| n).sum()
}

/// Counts `t` from the records and stores it, replacing what was there; answers the value.
pub async fn fill(app: &App, t: &Tally) -> Result<i64, sqlx::Error> {
    let mut tx: Tx = app.db.begin().await?;
    if app.db.kind == DbKind::Postgres {
        sqlx::query("LOCK TABLE tallies IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
    }
    let rows = recount(&mut tx, t).await?;
    sqlx::query("DELETE FROM tallies WHERE key = $1").bind(t.key).execute(&mut *tx).await?;
    let now = crate::util::now();
    let forever: i64 = rows.iter().filter(|(u, _)| u.is_none()).map(|(_, n)| n).sum();
    sqlx::query("INSERT INTO tallies (key, until, value) VALUES ($1, 0, $2)").bind(t.key).bind(forever).execute(&mut *tx).await?;
    for (u, n) in rows.iter().filter_map(|(u, n)| u.filter(|u| *u > now).map(|u| (u, *n))) {
        sqlx::query("INSERT INTO tallies (key, until, value) VALUES ($1, $2, $3) ON CONFLICT (key, until) DO UPDATE SET value = tallies.value + excluded.value")
            .bind(t.key)
            .bind(u)
            .bind(n)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(total(&rows))
}

/// Every tally the installed rooms declare.
pub fn all(app: &App) -> Vec<Tally> {
    app.domains.iter().flat_map(|d| d.tallies.iter().copied()).collect()
}

/// Rebuilds every tally from the records (`biaozhun admin recount`); answers (key, value
/// stored before or None, value now).
pub async fn recount_all(app: &App) -> Result<Vec<(&'static str, Option<i64>, i64)>, sqlx::Error> {
    let mut out = Vec::new();
    for t in all(app) {
        let before = stored(&app.db.pool, t.key).await?;
        let now = fill(app, &t).await?;
        out.push((t.key, before, now));
    }
    Ok(out)
}
