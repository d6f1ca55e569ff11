//! iCalendar (RFC 5545) for sessions: one event per session with its start and end in UTC,
//! the place or online link, cancelled sessions marked so calendars strike them.

use super::store::Session;
use crate::web::ical::{escape, utc as stamp, Calendar};

/// A calendar of `sessions`; `base` is the site's address for links and the UID's host.
pub fn calendar(name: &str, sessions: &[Session], base: &str, now: i64) -> String {
    let base = base.trim_end_matches('/');
    let host = base.split("://").nth(1).unwrap_or(base).split('/').next().unwrap_or("biaozhun");
    let mut out = Calendar::new("Training", name);
    for s in sessions {
        let url = format!("{base}/training/{}", s.id);
        out.line("BEGIN:VEVENT");
        out.line(&format!("UID:training-{}@{host}", s.id));
        out.line(&format!("DTSTAMP:{}", stamp(now)));
        out.line(&format!("DTSTART:{}", stamp(s.starts_at)));
        out.line(&format!("DTEND:{}", stamp(s.ends_at)));
        out.line(&format!("SUMMARY:{}", escape(&s.title)));
        let place = if s.location.is_empty() { &s.online_url } else { &s.location };
        if !place.is_empty() {
            out.line(&format!("LOCATION:{}", escape(place)));
        }
        let mut desc = s.summary.clone();
        if !s.online_url.is_empty() {
            desc = format!("{desc}\n{}", s.online_url).trim().to_string();
        }
        if !desc.is_empty() {
            out.line(&format!("DESCRIPTION:{}", escape(&desc)));
        }
        out.line(&format!("URL:{url}"));
        out.line(&format!("SEQUENCE:{}", s.version));
        out.line(if s.status == "cancelled" { "STATUS:CANCELLED" } else { "STATUS:CONFIRMED" });
        out.line("END:VEVENT");
    }
    out.finish()
}
