//! Rate limits for the expensive public routes (search, validity check, bulk exports): per
//! client address for visitors, per account for logged-in users (a shared office address
//! does not throttle its members, who have their own, higher budget), held across every
//! server.
//!
//! Each budget is a sliding minute, estimated from two fixed minutes as
//! `previous × (share of the window still inside the previous minute) + current`. A server
//! decides at once from what it knows (one short lock on one of 16 shards, no database on the
//! request path); about once a second [`spawn_sync`] adds what it served to `rate_counts` and
//! reads back every server's totals of the keys with some use. Behind a load balancer an
//! address can so exceed its budget by at most what the other servers served it within the
//! last second, plus under a tenth of the smallest budget per other server (keys below that
//! are not read back); while the database is unreachable each server goes on limiting with
//! its own counts.

use crate::App;
use crate::config::RateLimit;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Which budget a request draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(usize)]
pub enum Class {
    Search,
    Check,
    /// Bulk exports (thousands of rows a request): served at `…/export.<format>`.
    Export,
}

/// Counts one request of the caller (its account when logged in, else its address) in
/// `class`, or answers 429 with the seconds to wait. Routes name their class when they are
/// registered ([`super::Routes::limit`]); the route guard calls this after the access rule.
pub fn draw(app: &App, ctx: &super::Ctx, class: Class) -> Result<(), super::AppError> {
    let (key, per_min) = match &ctx.user {
        Some(u) => (format!("u{}", u.id), limit_for(&app.config.rate_limit, class, true)),
        None => (ctx.ip.clone(), limit_for(&app.config.rate_limit, class, false)),
    };
    let Some(per_min) = per_min else { return Ok(()) };
    app.limiter.take(class, &key, per_min).map_err(|wait| super::AppError::TooMany {
        message: super::i18n::tf(ctx.lang, "error.rate_limited", &[("seconds", &wait.to_string())]),
        retry_after: wait as i64,
    })
}

/// Every class, in the order of [`Class::index`].
const CLASSES: [Class; 3] = [Class::Search, Class::Check, Class::Export];

impl Class {
    fn index(self) -> usize {
        self as usize
    }
    pub fn name(self) -> &'static str {
        match self {
            Class::Search => "search",
            Class::Check => "check",
            Class::Export => "export",
        }
    }
    fn parse(s: &str) -> Option<Class> {
        CLASSES.into_iter().find(|c| c.name() == s)
    }
}

/// One key's requests in one class: in the current and the previous minute (every server's
/// as of the last sync, plus this server's since), and this server's own requests not yet
/// written to `rate_counts`.
#[derive(Default, Clone, Copy)]
struct Counts {
    minute: i64,
    cur: u64,
    prev: u64,
    /// Requests in `minute` not yet written.
    unsynced: u64,
    /// Requests in `minute - 1` not yet written.
    unsynced_prev: u64,
}

impl Counts {
    /// Moves the window forward to `minute`.
    fn roll(&mut self, minute: i64) {
        if minute <= self.minute {
            return;
        }
        if minute == self.minute + 1 {
            self.prev = self.cur;
            self.unsynced_prev = self.unsynced;
        } else {
            self.prev = 0;
            self.unsynced_prev = 0;
        }
        self.cur = 0;
        self.unsynced = 0;
        self.minute = minute;
    }

    fn idle(&self) -> bool {
        self.cur == 0 && self.prev == 0 && self.unsynced == 0 && self.unsynced_prev == 0
    }
}

/// Requests this server served that `rate_counts` does not hold yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta {
    pub class: Class,
    pub key: String,
    pub minute: i64,
    pub count: u64,
}

const SHARDS: usize = 16;
/// How often a server exchanges its counts with the others.
pub const SYNC_EVERY: Duration = Duration::from_secs(1);

type Shard = HashMap<String, [Counts; CLASSES.len()]>;

pub struct Limiter {
    shards: Vec<Mutex<Shard>>,
    /// One exchange at a time: two would both write the same unsynced counts.
    syncing: tokio::sync::Mutex<()>,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter { shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(), syncing: Default::default() }
    }
}

/// The current minute since the epoch and the seconds into it, from the wall clock, which
/// every server shares.
fn clock() -> (i64, f64) {
    let t = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    ((t / 60.0).floor() as i64, t.rem_euclid(60.0))
}

impl Limiter {
    /// Counts one request of `key` in `class` if it stays within `per_minute`; otherwise
    /// returns `Err(seconds)` to wait.
    pub fn take(&self, class: Class, key: &str, per_minute: u32) -> Result<(), u64> {
        let (minute, sec) = clock();
        self.take_at(class, key, per_minute, minute, sec)
    }

    fn take_at(&self, class: Class, key: &str, per_minute: u32, minute: i64, sec: f64) -> Result<(), u64> {
        if per_minute == 0 {
            return Ok(());
        }
        let mut shard = self.lock(key);
        let c = match shard.get_mut(key) {
            Some(per_class) => &mut per_class[class.index()],
            None => &mut shard.entry(key.to_string()).or_default()[class.index()],
        };
        c.roll(minute);
        let limit = per_minute as f64;
        let (prev, cur) = (c.prev as f64, c.cur as f64);
        if prev * (1.0 - sec / 60.0) + cur + 1.0 <= limit {
            c.cur += 1;
            c.unsynced += 1;
            Ok(())
        } else {
            Err(wait_secs(prev, cur, limit, sec))
        }
    }

    fn lock(&self, key: &str) -> std::sync::MutexGuard<'_, Shard> {
        guard(&self.shards[shard_of(key)])
    }

    /// What this server served that it has not written yet (nothing is reset: see
    /// [`Limiter::written`]).
    pub fn unsynced(&self) -> Vec<Delta> {
        let mut out = Vec::new();
        for shard in &self.shards {
            let s = guard(shard);
            for (key, per_class) in s.iter() {
                for (c, class) in per_class.iter().zip(CLASSES) {
                    for (minute, count) in [(c.minute - 1, c.unsynced_prev), (c.minute, c.unsynced)] {
                        if count > 0 {
                            out.push(Delta { class, key: key.clone(), minute, count });
                        }
                    }
                }
            }
        }
        out
    }

    /// Marks `deltas` as written to `rate_counts`; requests counted since they were taken
    /// stay unsynced.
    pub fn written(&self, deltas: &[Delta]) {
        for d in deltas {
            let mut shard = self.lock(&d.key);
            let Some(c) = shard.get_mut(&d.key).map(|p| &mut p[d.class.index()]) else { continue };
            if d.minute == c.minute {
                c.unsynced = c.unsynced.saturating_sub(d.count);
            } else if d.minute == c.minute - 1 {
                c.unsynced_prev = c.unsynced_prev.saturating_sub(d.count);
            }
        }
    }

    /// Takes every server's totals for `minute` and the one before (rows of `rate_counts`,
    /// which include what this server has written) and forgets keys without recent use.
    pub fn absorb(&self, minute: i64, totals: &[(Class, String, i64, u64)]) {
        for (class, key, m, count) in totals {
            let mut shard = self.lock(key);
            let c = &mut shard.entry(key.clone()).or_default()[class.index()];
            c.roll(minute);
            if *m == minute {
                c.cur = count + c.unsynced;
            } else if *m == minute - 1 {
                c.prev = count + c.unsynced_prev;
            }
        }
        for shard in &self.shards {
            let mut s = guard(shard);
            s.retain(|_, per_class| {
                per_class.iter_mut().for_each(|c| c.roll(minute));
                !per_class.iter().all(Counts::idle)
            });
        }
    }
}

/// Seconds until one more request fits: the previous minute's weight falls as the window
/// slides; if the current minute alone is full, the wait runs into the next minute, where
/// today's requests become the previous ones.
fn wait_secs(prev: f64, cur: f64, limit: f64, sec: f64) -> u64 {
    let until = if cur + 1.0 <= limit && prev > 0.0 {
        60.0 * (1.0 - (limit - 1.0 - cur) / prev) - sec
    } else {
        let next = if cur > 0.0 { (60.0 * (1.0 - (limit - 1.0) / cur)).max(0.0) } else { 0.0 };
        60.0 - sec + next
    };
    // (less a hair of floating-point error, so that an exact 5 s stays 5)
    (until - 1e-9).ceil().max(1.0) as u64
}

/// A shard's lock; a panic elsewhere while holding it leaves counts that are still usable.
fn guard(shard: &Mutex<Shard>) -> std::sync::MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(|e| e.into_inner())
}

fn shard_of(key: &str) -> usize {
    // FNV-1a: cheap and good enough to spread addresses over the shards.
    let mut h: u32 = 0x811c9dc5;
    for b in key.bytes() {
        h ^= b as u32;
        h = h.wrapping_mul(0x01000193);
    }
    h as usize % SHARDS
}

/// The least count of a key in `class` another server must have served for this one to
/// read it back: a tenth of the class's smallest budget in use, at least 1.
fn read_back_floor(cfg: &RateLimit, class: Class) -> i64 {
    let smallest = [false, true].into_iter().map(|logged_in| budget(cfg, class, logged_in)).filter(|&n| n > 0).min().unwrap_or(1);
    (i64::from(smallest) / 10).max(1)
}

/// Starts the exchange of counts with the other servers (when limits are on).
pub fn spawn_sync(app: App) {
    if !app.config.rate_limit.enabled {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SYNC_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = sync(&app).await {
                tracing::debug!("rate limit counts not exchanged: {e}");
            }
        }
    });
}

/// Writes this server's new counts, reads every server's totals for the window, and deletes
/// rows too old to matter.
pub async fn sync(app: &App) -> Result<(), sqlx::Error> {
    let _one = app.limiter.syncing.lock().await;
    let deltas = app.limiter.unsynced();
    for chunk in deltas.chunks(500) {
        let sql = format!(
            "INSERT INTO rate_counts (class, key, minute, count) VALUES {} \
             ON CONFLICT (class, key, minute) DO UPDATE SET count = rate_counts.count + excluded.count",
            app.db.kind.rows(chunk.len(), 4)
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for d in chunk {
            q = q.bind(d.class.name()).bind(&d.key).bind(d.minute).bind(d.count as i64);
        }
        q.execute(&app.db.pool).await?;
        app.limiter.written(chunk);
    }
    let (minute, _) = clock();
    // Only keys with some use are read back: a visitor with a handful of requests cannot be
    // near any budget, and a crowd of them (many addresses, each with a few requests) would
    // otherwise make every server read every address every second. What goes unseen is
    // under a tenth of the smallest budget per other server.
    let per_class: Vec<String> = (0..CLASSES.len()).map(|i| format!("(class = ${} AND count >= ${})", 2 + 2 * i, 3 + 2 * i)).collect();
    let sql = format!("SELECT class, key, minute, count FROM rate_counts WHERE minute >= $1 AND ({})", per_class.join(" OR "));
    let mut q = sqlx::query_as::<_, (String, String, i64, i64)>(sqlx::AssertSqlSafe(sql)).bind(minute - 1);
    for class in CLASSES {
        q = q.bind(class.name()).bind(read_back_floor(&app.config.rate_limit, class));
    }
    let rows = q.fetch_all(&app.db.pool).await?;
    let totals: Vec<_> = rows.into_iter().filter_map(|(c, k, m, n)| Some((Class::parse(&c)?, k, m, n.max(0) as u64))).collect();
    app.limiter.absorb(minute, &totals);
    sqlx::query("DELETE FROM rate_counts WHERE minute < $1").bind(minute - 2).execute(&app.db.pool).await?;
    Ok(())
}

/// The limit that applies: `None` when limits are off or the route is not limited.
pub fn limit_for(cfg: &RateLimit, class: Class, logged_in: bool) -> Option<u32> {
    if !cfg.enabled {
        return None;
    }
    let per_min = budget(cfg, class, logged_in);
    (per_min > 0).then_some(per_min)
}

/// The configured budget of a class per minute (0: unlimited).
fn budget(cfg: &RateLimit, class: Class, logged_in: bool) -> u32 {
    match (class, logged_in) {
        (Class::Search, false) => cfg.search_per_minute,
        (Class::Search, true) => cfg.user_search_per_minute,
        (Class::Check, false) => cfg.check_per_minute,
        (Class::Check, true) => cfg.user_check_per_minute,
        (Class::Export, false) => cfg.export_per_minute,
        (Class::Export, true) => cfg.user_export_per_minute,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_runs_out_and_names_the_wait() {
        let l = Limiter::default();
        for _ in 0..3 {
            assert!(l.take_at(Class::Check, "1.2.3.4", 3, 100, 10.0).is_ok());
        }
        // The current minute alone is full: wait for the rest of it and, as its three
        // requests then weigh on the next minute, until they weigh less than 2.
        assert_eq!(l.take_at(Class::Check, "1.2.3.4", 3, 100, 10.0), Err(50 + 20));
        // Another address and another class have their own budgets.
        assert!(l.take_at(Class::Check, "1.2.3.5", 3, 100, 10.0).is_ok());
        assert!(l.take_at(Class::Search, "1.2.3.4", 3, 100, 10.0).is_ok());
        // In the next minute the previous one counts for the part of the window it still covers.
        assert_eq!(l.take_at(Class::Check, "1.2.3.4", 3, 101, 15.0), Err(5));
        assert!(l.take_at(Class::Check, "1.2.3.4", 3, 101, 20.0).is_ok());
        // Two minutes later nothing is left.
        for _ in 0..3 {
            assert!(l.take_at(Class::Check, "1.2.3.4", 3, 103, 0.0).is_ok());
        }
    }

    #[test]
    fn counts_of_other_servers_are_added_and_own_ones_written_once() {
        let l = Limiter::default();
        for _ in 0..4 {
            l.take_at(Class::Search, "9.9.9.9", 10, 100, 5.0).unwrap();
        }
        let d = l.unsynced();
        assert_eq!(d, vec![Delta { class: Class::Search, key: "9.9.9.9".into(), minute: 100, count: 4 }]);
        // One more request while the four are being written: it stays unsynced.
        l.take_at(Class::Search, "9.9.9.9", 10, 100, 5.5).unwrap();
        l.written(&d);
        assert_eq!(l.unsynced()[0].count, 1);
        // The table says 4 from here + 5 from another server; plus the one unsynced: 10.
        l.absorb(100, &[(Class::Search, "9.9.9.9".into(), 100, 9)]);
        assert!(l.take_at(Class::Search, "9.9.9.9", 10, 100, 6.0).is_err(), "the other server's five count here");
        // A key seen only by another server is known here before its first request.
        l.absorb(100, &[(Class::Check, "8.8.8.8".into(), 100, 2)]);
        assert!(l.take_at(Class::Check, "8.8.8.8", 2, 100, 7.0).is_err());
        // Keys without use in the window are forgotten.
        l.absorb(103, &[]);
        assert!(l.shards.iter().all(|s| s.lock().unwrap().is_empty()));
    }

    #[test]
    fn keys_read_back_from_a_tenth_of_the_smallest_budget() {
        let mut cfg = RateLimit::default();
        assert_eq!(read_back_floor(&cfg, Class::Check), 6, "check budget 60 a minute");
        assert_eq!(read_back_floor(&cfg, Class::Search), 60, "search budget 600 a minute");
        assert_eq!(read_back_floor(&cfg, Class::Export), 1, "export budget 10 a minute");
        cfg.check_per_minute = 0;
        assert_eq!(read_back_floor(&cfg, Class::Check), 60, "a budget switched off does not count");
        cfg.search_per_minute = 5;
        assert_eq!(read_back_floor(&cfg, Class::Search), 1);
    }
}
