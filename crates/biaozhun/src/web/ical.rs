//! iCalendar (RFC 5545) writing for every room that offers calendars (TBT deadlines, training
//! sessions): escaping of text values, UTC stamps, content lines folded at 75 octets without
//! splitting a character, and the calendar's frame.

/// Escapes a TEXT value: backslash, semicolon, comma and newline; other control characters go.
pub fn escape(s: &str) -> String {
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

/// A UTC date-time value (`20250310T083000Z`).
pub fn utc(ts: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ts).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!("{:04}{:02}{:02}T{:02}{:02}{:02}Z", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute(), t.second())
}

/// A calendar being written: the header on creation, one content line at a time, the end on
/// [`Calendar::finish`].
pub struct Calendar {
    out: String,
}

impl Calendar {
    /// Starts a published calendar named `name` (shown by calendar programs) from `product`
    /// (the PRODID's last part, e.g. "TBT deadlines").
    pub fn new(product: &str, name: &str) -> Calendar {
        let mut c = Calendar { out: String::new() };
        for l in ["BEGIN:VCALENDAR", "VERSION:2.0", &format!("PRODID:-//biaozhun//{product}//EN"), "CALSCALE:GREGORIAN", "METHOD:PUBLISH"] {
            c.line(l);
        }
        c.line(&format!("X-WR-CALNAME:{}", escape(name)));
        c
    }

    /// Writes one content line, folded at 75 octets.
    pub fn line(&mut self, l: &str) {
        let mut n = 0;
        for ch in l.chars() {
            if n + ch.len_utf8() > 75 {
                self.out.push_str("\r\n ");
                n = 1;
            }
            self.out.push(ch);
            n += ch.len_utf8();
        }
        self.out.push_str("\r\n");
    }

    pub fn finish(mut self) -> String {
        self.line("END:VCALENDAR");
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let mut c = Calendar::new("Test", "x");
        c.line(&format!("SUMMARY:{}", "标准".repeat(40)));
        let s = c.finish();
        assert!(s.split("\r\n").all(|l| l.len() <= 75), "{s}");
        assert!(s.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//biaozhun//Test//EN\r\n"));
        assert!(s.ends_with("END:VCALENDAR\r\n"));
        assert_eq!(escape("a, b; c\\d\ne\r"), "a\\, b\\; c\\\\d\\ne");
        assert_eq!(utc(0), "19700101T000000Z");
    }
}
