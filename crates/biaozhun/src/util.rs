//! Small helpers shared by every room: clock, random tokens, hashing, dates.

use rand::RngCore;
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, UtcOffset};

/// 2000000 → `2,000,000` (thousands separated, as limits are shown in messages).
pub fn grouped(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Seconds since the Unix epoch, UTC.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// A URL-safe random token with `bytes` bytes of entropy.
pub fn random_token(bytes: usize) -> String {
    use base64::Engine;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Hex SHA-256 of a string; how every secret token is stored.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// China Standard Time has had no daylight saving since 1991: a fixed offset is exact.
pub const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

pub fn to_local(ts: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(ts)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(CST)
}

/// `2026-11-28` in Asia/Shanghai.
pub fn fmt_date(ts: i64) -> String {
    let d = to_local(ts);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `2026-11-28 18:03` in Asia/Shanghai.
pub fn fmt_datetime(ts: i64) -> String {
    let d = to_local(ts);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute()
    )
}

/// Parses `YYYY-MM-DD` (as typed in a form, local time) into the epoch second of
/// that day's start in Asia/Shanghai.
pub fn parse_local_date(s: &str) -> Option<i64> {
    let (y, m, d) = stdnum::date::parse_date(s.trim()).ok()?;
    let month = time::Month::try_from(m).ok()?;
    let date = time::Date::from_calendar_date(y, month, d).ok()?;
    Some(date.midnight().assume_offset(CST).unix_timestamp())
}

/// Adds whole calendar years to a local date, keeping Feb 29 sensible.
pub fn add_years(ts: i64, years: i32) -> i64 {
    let d = to_local(ts);
    let target_year = d.year() + years;
    let date = d.date();
    let shifted = date
        .replace_year(target_year)
        .or_else(|_| date.replace_day(28).and_then(|x| x.replace_year(target_year)))
        .unwrap_or(date);
    shifted.with_time(d.time()).assume_offset(CST).unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_dates_round_trip() {
        let ts = parse_local_date("2026-02-28").unwrap();
        assert_eq!(fmt_date(ts), "2026-02-28");
        assert_eq!(fmt_date(add_years(ts, 1)), "2027-02-28");
        let leap = parse_local_date("2028-02-29").unwrap();
        assert_eq!(fmt_date(add_years(leap, 1)), "2029-02-28");
    }

    #[test]
    fn tokens_are_distinct_and_hashed() {
        let a = random_token(32);
        assert_ne!(a, random_token(32));
        assert_eq!(sha256_hex(&a).len(), 64);
    }
}

/// A small deterministic pseudo-random generator (xorshift64) for pictures and generated
/// benchmark data: the same seed gives the same sequence on every server. Not for secrets.
pub struct XorShift(pub u64);

impl XorShift {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    /// A number in [0, 1).
    pub fn unit(&mut self) -> f32 {
        (self.next() % 10_000) as f32 / 10_000.0
    }
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() % v.len().max(1) as u64) as usize]
    }
}

/// Constant-time string comparison for secrets.
pub fn ct_eq(a: &str, b: &str) -> bool {
    ct_eq_bytes(a.as_bytes(), b.as_bytes())
}

pub fn ct_eq_bytes(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Text of an uploaded file: UTF-8 (with or without BOM), UTF-16 with BOM, or else GB18030
/// (the superset of GBK and GB 2312 that spreadsheet programs on Chinese systems save CSV
/// and TXT in). `None` for binary data or bytes that are none of these.
pub fn decode_text(bytes: &[u8]) -> Option<String> {
    if let Some((enc, _)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _, bad) = enc.decode(bytes);
        return (!bad).then(|| text.into_owned());
    }
    if bytes.contains(&0) {
        return None;
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Some(s.to_string());
    }
    encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes).map(|s| s.into_owned())
}

#[cfg(test)]
mod decode_tests {
    #[test]
    fn decodes_utf8_utf16_and_gbk() {
        assert_eq!(super::decode_text("标准号,名称".as_bytes()).as_deref(), Some("标准号,名称"));
        assert_eq!(super::decode_text(b"\xEF\xBB\xBFGB/T 1.1").as_deref(), Some("GB/T 1.1"));
        let (gbk, _, _) = encoding_rs::GBK.encode("标准号,中文标准名称\nGB/T 1.1-2020,标准化工作导则");
        assert_eq!(super::decode_text(&gbk).as_deref(), Some("标准号,中文标准名称\nGB/T 1.1-2020,标准化工作导则"));
        let utf16: Vec<u8> = [0xFF, 0xFE].into_iter().chain("标准".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(super::decode_text(&utf16).as_deref(), Some("标准"));
        assert_eq!(super::decode_text(b"PK\x03\x04\x00\x00"), None);
    }
}

/// Escapes text for an XML text node or attribute (Atom feeds, SVG charts), dropping the
/// control characters XML 1.0 does not allow.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// At most `n` characters of `s`, with an ellipsis when cut (chart labels, notice subjects).
pub fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        return s.to_string();
    }
    let mut out: String = s.chars().take(n).collect();
    out.push('…');
    out
}
