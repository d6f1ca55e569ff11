//! iCalendar (RFC 5545) for sessions: one event per session with its start and end in UTC,
//! the place or online link, cancelled sessions marked so calendars strike them.

use super::store::Session;

fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            ';' => o.push_str("\\;"),
            ',' => o.push_str("\\,"),
            '\n' => o.push_str("\\n"),
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o
}

/// Writes a content line, folded at 75 octets without splitting a character.
fn line(l: &str, out: &mut String) {
    let mut n = 0;
    for c in l.chars() {
        if n + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            n = 1;
        }
        out.push(c);
        n += c.len_utf8();
    }
    out.push_str("\r\n");
}

fn stamp(ts: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ts).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{:04}{:02}{:02}T{:02}{:02}{:02}Z", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second())
}

/// A calendar of `sessions`; `base` is the site's address for links and the UID's host.
pub fn calendar(name: &str, sessions: &[Session], base: &str, now: i64) -> String {
    let base = base.trim_end_matches('/');
    let host = base.split("://").nth(1).unwrap_or(base).split('/').next().unwrap_or("biaozhun");
    let mut out = String::new();
    for l in ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//biaozhun//Training//EN", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"] {
        line(l, &mut out);
    }
    line(&format!("X-WR-CALNAME:{}", escape(name)), &mut out);
    for s in sessions {
        let url = format!("{base}/training/{}", s.id);
        line("BEGIN:VEVENT", &mut out);
        line(&format!("UID:training-{}@{host}", s.id), &mut out);
        line(&format!("DTSTAMP:{}", stamp(now)), &mut out);
        line(&format!("DTSTART:{}", stamp(s.starts_at)), &mut out);
        line(&format!("DTEND:{}", stamp(s.ends_at)), &mut out);
        line(&format!("SUMMARY:{}", escape(&s.title)), &mut out);
        let place = if s.location.is_empty() { &s.online_url } else { &s.location };
        if !place.is_empty() {
            line(&format!("LOCATION:{}", escape(place)), &mut out);
        }
        let mut desc = s.summary.clone();
        if !s.online_url.is_empty() {
            desc = format!("{desc}\n{}", s.online_url).trim().to_string();
        }
        if !desc.is_empty() {
            line(&format!("DESCRIPTION:{}", escape(&desc)), &mut out);
        }
        line(&format!("URL:{url}"), &mut out);
        line(&format!("SEQUENCE:{}", s.version), &mut out);
        line(if s.status == "cancelled" { "STATUS:CANCELLED" } else { "STATUS:CONFIRMED" }, &mut out);
        line("END:VEVENT", &mut out);
    }
    line("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn folds_and_escapes() {
        let mut out = String::new();
        super::line(&format!("SUMMARY:{}", super::escape(&"标准，化;".repeat(10))), &mut out);
        assert!(out.lines().all(|l| l.len() <= 75));
        assert!(out.contains("\\;"));
        assert_eq!(super::stamp(0), "19700101T000000Z");
    }
}
