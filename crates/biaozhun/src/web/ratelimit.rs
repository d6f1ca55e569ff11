//! Per-server, in-memory rate limits for anonymous use of the expensive public routes
//! (search and validity check). Each server keeps its own token buckets keyed by client
//! address: behind a load balancer with N servers an address may make up to N times the
//! configured rate in total. Nothing is written to the database; a request costs one
//! short mutex hold on one of 16 shards. Logged-in users have their own, higher limit
//! (keyed by user id), so a shared office address does not throttle its members.

use crate::config::RateLimit;
use axum::http::Method;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Which budget a request draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    Search,
    Check,
}

/// The class of a route, or `None` for routes that are not limited.
pub fn classify(method: &Method, path: &str) -> Option<Class> {
    let p = path.trim_end_matches('/');
    if p.starts_with("/standards/check") || p.starts_with("/api/v1/standards/check") {
        // The empty form itself is cheap; submitting, uploading and reports are not.
        if method == Method::GET && p == "/standards/check" {
            return None;
        }
        return Some(Class::Check);
    }
    if method == Method::GET && matches!(p, "/search" | "/standards" | "/api/v1/standards" | "/tbt" | "/api/v1/tbt/notifications") {
        return Some(Class::Search);
    }
    None
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

const SHARDS: usize = 16;
/// Buckets idle this long are full again and may be forgotten.
const SWEEP_EVERY: usize = 4096;

pub struct Limiter {
    shards: Vec<Mutex<Shard>>,
}

#[derive(Default)]
struct Shard {
    buckets: HashMap<(Class, String), Bucket>,
    calls: usize,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter { shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect() }
    }
}

impl Limiter {
    /// Takes one token from the bucket of `key` for `class`, whose capacity is
    /// `per_minute` and which refills at `per_minute`/60 a second. Returns `Err(seconds)`
    /// to wait when the bucket is empty.
    pub fn take(&self, class: Class, key: &str, per_minute: u32) -> Result<(), u64> {
        if per_minute == 0 {
            return Ok(());
        }
        let cap = per_minute as f64;
        let rate = cap / 60.0;
        let shard = &self.shards[shard_of(key)];
        let mut s = shard.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        s.calls += 1;
        if s.calls % SWEEP_EVERY == 0 {
            // Forget buckets that have refilled completely: they behave like new ones.
            s.buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < cap);
        }
        let b = s.buckets.entry((class, key.to_string())).or_insert(Bucket { tokens: cap, at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * rate).min(cap);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - b.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
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

/// The limit that applies: `None` when limits are off or the route is not limited.
pub fn limit_for(cfg: &RateLimit, class: Class, logged_in: bool) -> Option<u32> {
    if !cfg.enabled {
        return None;
    }
    let per_min = match (class, logged_in) {
        (Class::Search, false) => cfg.search_per_minute,
        (Class::Search, true) => cfg.user_search_per_minute,
        (Class::Check, false) => cfg.check_per_minute,
        (Class::Check, true) => cfg.user_check_per_minute,
    };
    (per_min > 0).then_some(per_min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_empties_and_names_the_wait() {
        let l = Limiter::default();
        for _ in 0..3 {
            assert!(l.take(Class::Check, "1.2.3.4", 3).is_ok());
        }
        let wait = l.take(Class::Check, "1.2.3.4", 3).unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        // Another address and another class have their own buckets.
        assert!(l.take(Class::Check, "1.2.3.5", 3).is_ok());
        assert!(l.take(Class::Search, "1.2.3.4", 3).is_ok());
    }

    #[test]
    fn routes_are_classified() {
        assert_eq!(classify(&Method::GET, "/standards"), Some(Class::Search));
        assert_eq!(classify(&Method::GET, "/standards/check"), None);
        assert_eq!(classify(&Method::POST, "/standards/check"), Some(Class::Check));
        assert_eq!(classify(&Method::POST, "/api/v1/standards/check"), Some(Class::Check));
        assert_eq!(classify(&Method::GET, "/standards/GB%201"), None);
        assert_eq!(classify(&Method::GET, "/"), None);
    }
}
