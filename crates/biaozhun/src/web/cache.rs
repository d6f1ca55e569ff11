//! A small per-server cache of computed page parts (for example the home page's boxes),
//! each kept for a short time. It belongs to the `App`, so two apps in one process (tests,
//! a second server) never share entries.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct Cache(Mutex<HashMap<String, (Instant, Duration, Arc<serde_json::Value>)>>);

impl Cache {
    /// The entry under `key` if it is younger than the time it was stored for.
    pub fn get(&self, key: &str) -> Option<Arc<serde_json::Value>> {
        let guard = self.0.lock().ok()?;
        guard.get(key).filter(|(at, ttl, _)| at.elapsed() < *ttl).map(|(_, _, v)| v.clone())
    }

    pub fn put(&self, key: &str, ttl: Duration, v: Arc<serde_json::Value>) {
        if let Ok(mut g) = self.0.lock() {
            g.retain(|_, (at, ttl, _)| at.elapsed() < *ttl);
            g.insert(key.to_string(), (Instant::now(), ttl, v));
        }
    }

    /// Forgets everything (after an edit that shows on cached pages).
    pub fn clear(&self) {
        if let Ok(mut g) = self.0.lock() {
            g.clear();
        }
    }
}
