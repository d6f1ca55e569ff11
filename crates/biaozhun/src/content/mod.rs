//! The content room: news, notices and policy documents (the outline among them), their
//! attachments, the home page and site search over published articles.

pub mod markdown;
pub mod routes;
pub mod seed;
pub mod store;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The home page's lists, kept for a moment: the page is the most visited and its lists
/// change rarely. Each server keeps its own copy; a change shows within [`HOME_TTL`].
#[derive(Default)]
pub struct HomeCache(Mutex<Option<(Instant, Arc<serde_json::Value>)>>);

pub const HOME_TTL: Duration = Duration::from_secs(2);

impl HomeCache {
    pub fn get(&self) -> Option<Arc<serde_json::Value>> {
        let guard = self.0.lock().ok()?;
        guard.as_ref().filter(|(at, _)| at.elapsed() < HOME_TTL).map(|(_, v)| v.clone())
    }
    pub fn put(&self, v: Arc<serde_json::Value>) {
        if let Ok(mut g) = self.0.lock() {
            *g = Some((Instant::now(), v));
        }
    }
    pub fn clear(&self) {
        if let Ok(mut g) = self.0.lock() {
            *g = None;
        }
    }
}
