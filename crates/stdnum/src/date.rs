//! Loosely written calendar dates and relative comment deadlines.

/// Why a date could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("the date is empty")]
    Empty,
    #[error("`{0}` is not a recognised date format")]
    Unrecognized(String),
    #[error("{year}-{month:02}-{day:02} is not a valid calendar date")]
    InvalidDate { year: i32, month: u32, day: u32 },
    #[error("`{0}` is ambiguous: day and month order cannot be told apart")]
    Ambiguous(String),
}

/// True for leap years of the proleptic Gregorian calendar.
pub fn is_leap_year(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Number of days in a month (0 for a month outside 1..=12).
pub fn days_in_month(y: i32, m: u8) -> u8 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// True when the triple is a real date with a year in 1..=9999.
pub fn is_valid_ymd(y: i32, m: u8, d: u8) -> bool {
    (1..=9999).contains(&y) && d >= 1 && d <= days_in_month(y, m)
}

/// Days since 1970-01-01 for a proleptic Gregorian date.
pub fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`]. Inputs far outside ±5 million years are
/// clamped.
pub fn civil_from_days(z: i64) -> (i32, u8, u8) {
    let z = z.clamp(-1_800_000_000, 1_800_000_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let y = y + i64::from(m <= 2);
    (
        y.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
        m,
        d,
    )
}

/// Formats a date as `YYYY-MM-DD`.
pub fn to_iso(y: i32, m: u8, d: u8) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// Converts an Excel serial day number (1900 date system) to a date.
/// Serial 60 is Excel's fictitious 1900-02-29 and is rejected.
pub fn from_excel_serial(serial: u32) -> Option<(i32, u8, u8)> {
    if serial == 0 || serial == 60 || serial > 2_958_465 {
        return None;
    }
    // Before the fake leap day Excel counts from 1899-12-31, after it from 1899-12-30.
    let base = days_from_civil(1899, 12, if serial < 60 { 31 } else { 30 });
    Some(civil_from_days(base + i64::from(serial)))
}

fn check(y: i64, m: i64, d: i64) -> Result<(i32, u8, u8), DateError> {
    let (yy, mm, dd) = (
        y.clamp(0, 99_999) as i32,
        m.clamp(0, 99) as u8,
        d.clamp(0, 99) as u8,
    );
    if i64::from(yy) == y && i64::from(mm) == m && i64::from(dd) == d && is_valid_ymd(yy, mm, dd) {
        Ok((yy, mm, dd))
    } else {
        Err(DateError::InvalidDate {
            year: y.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32,
            month: m.clamp(0, i64::from(u32::MAX)) as u32,
            day: d.clamp(0, i64::from(u32::MAX)) as u32,
        })
    }
}

fn num(p: &str) -> Option<i64> {
    if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

/// Parses a date written in any of the usual ways:
/// `2015-06-01`, `2015-6-1`, `2015/6/1`, `2015.6.1`, `2015年6月1日`,
/// `20150601`, an Excel serial number (`42156`, `42156.0`), an ISO date-time
/// (`2015-06-01T00:00:00Z`, `2015-06-01 08:30`), a year and month
/// (`2015-06`, `2015年6月` → day 1), and day-first or month-first forms when
/// they are unambiguous (`31.12.2015`, `12/31/2015`).
pub fn parse_date(s: &str) -> Result<(i32, u8, u8), DateError> {
    let t = crate::text::normalize(s);
    if t.is_empty() {
        return Err(DateError::Empty);
    }
    let unrecognized = || DateError::Unrecognized(t.clone());

    // Drop a time part: `T...` or ` 08:30...`.
    let mut date = t.as_str();
    if let Some(p) = date.find(['T', 't'])
        && p >= 6
    {
        date = &date[..p];
    }
    if let Some(p) = date.find(' ')
        && date[p + 1..].contains(':')
    {
        date = &date[..p];
    }
    let date = date.trim();

    // Chinese: 2015年6月1日, 2015年6月
    if date.contains('年') {
        let cleaned: String = date
            .chars()
            .map(|c| if c == '年' || c == '月' { '-' } else { c })
            .filter(|&c| c != '日' && c != '号' && c != ' ')
            .collect();
        let cleaned = cleaned.trim_end_matches('-');
        return parse_parts(cleaned, '-').ok_or_else(unrecognized)?;
    }

    // Digits only: YYYYMMDD or an Excel serial (with an optional fraction).
    let (int_part, frac) = match date.split_once('.') {
        Some((a, b)) if b.bytes().all(|c| c.is_ascii_digit()) && !b.is_empty() && !a.is_empty() => {
            (a, Some(b))
        }
        _ => (date, None),
    };
    if !int_part.is_empty() && int_part.bytes().all(|b| b.is_ascii_digit()) {
        let len = int_part.len();
        if len == 8 && frac.is_none() {
            let v = num(int_part).ok_or_else(unrecognized)?;
            return check(v / 10_000, v / 100 % 100, v % 100);
        }
        if len == 5 {
            let v = num(int_part).ok_or_else(unrecognized)?;
            return from_excel_serial(v as u32).ok_or_else(unrecognized);
        }
    }

    for sep in ['-', '/', '.'] {
        if date.contains(sep) {
            return parse_parts(date, sep).ok_or_else(unrecognized)?;
        }
    }
    Err(unrecognized())
}

/// `Y-M-D`, `Y-M`, `D.M.Y`, `M/D/Y`. `None` when the shape is wrong.
fn parse_parts(date: &str, sep: char) -> Option<Result<(i32, u8, u8), DateError>> {
    let parts: Vec<&str> = date.split(sep).map(str::trim).collect();
    let nums: Vec<i64> = parts.iter().map(|p| num(p)).collect::<Option<_>>()?;
    match (parts.as_slice(), nums.as_slice()) {
        ([y, ..], [yv, mv]) if y.len() == 4 => Some(check(*yv, *mv, 1)),
        ([y, ..], [yv, mv, dv]) if y.len() == 4 => Some(check(*yv, *mv, *dv)),
        ([_, _, y], [a, b, yv]) if y.len() == 4 => {
            if *a > 12 || sep == '.' {
                Some(check(*yv, *b, *a))
            } else if *b > 12 || a == b {
                Some(check(*yv, *a, *b))
            } else {
                Some(Err(DateError::Ambiguous(date.to_string())))
            }
        }
        _ => None,
    }
}

const NUMBER_WORDS: &[(&str, u32)] = &[
    ("thirty", 30),
    ("forty-five", 45),
    ("forty five", 45),
    ("sixty", 60),
    ("ninety", 90),
    ("ten", 10),
    ("fifteen", 15),
    ("twenty", 20),
];

/// Reads a comment period given relative to the notification, such as
/// "60 days from notification", "60 days after the date of circulation",
/// "自通报之日起60天", "通报后60日" or "sixty days". Returns the number of days.
pub fn parse_relative_days(s: &str) -> Option<u32> {
    let t = crate::text::normalize(s).to_lowercase();
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_digit()) {
            let mut e = i;
            while e < b.len() && b[e].is_ascii_digit() {
                e += 1;
            }
            if e - i <= 4 && is_day_word(&t[e..]) {
                return t[i..e].parse().ok();
            }
            i = e;
            continue;
        }
        i += 1;
    }
    for (w, n) in NUMBER_WORDS {
        if let Some(p) = t.find(w) {
            let before_ok = p == 0 || !b[p - 1].is_ascii_alphabetic();
            if before_ok && is_day_word(&t[p + w.len()..]) {
                return Some(*n);
            }
        }
    }
    None
}

/// Does `rest` (right after a number) start with a word for "days"?
fn is_day_word(rest: &str) -> bool {
    let r = rest.trim_start_matches([' ', '-', '(']);
    let r = r.strip_prefix("calendar").map_or(r, |x| x.trim_start());
    let r = r.strip_prefix('个').unwrap_or(r);
    let r = r.strip_prefix("自然").unwrap_or(r);
    r.starts_with("day") || r.starts_with('天') || r.starts_with('日')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        for s in [
            "2015-06-01",
            "2015-6-1",
            "2015/6/1",
            "2015.6.1",
            "2015年6月1日",
            "2015 年 6 月 1 日",
            "20150601",
            "42156",
            "42156.0",
            "42156.75",
            "2015-06-01T00:00:00Z",
            "2015-06-01T08:00:00+08:00",
            "2015-06-01 08:30:00",
            "２０１５－０６－０１",
            "2015-06",
            "2015年6月",
            "1.6.2015",
        ] {
            assert_eq!(parse_date(s), Ok((2015, 6, 1)), "{s}");
        }
        assert_eq!(parse_date("31/12/2015"), Ok((2015, 12, 31)));
        assert_eq!(parse_date("12/31/2015"), Ok((2015, 12, 31)));
        assert_eq!(parse_date("2024-02-29"), Ok((2024, 2, 29)));
    }

    #[test]
    fn rejects() {
        assert_eq!(parse_date(""), Err(DateError::Empty));
        assert!(matches!(
            parse_date("2015-02-30"),
            Err(DateError::InvalidDate { .. })
        ));
        assert!(matches!(
            parse_date("2023-02-29"),
            Err(DateError::InvalidDate { .. })
        ));
        assert!(matches!(
            parse_date("2015-13-01"),
            Err(DateError::InvalidDate { .. })
        ));
        assert!(matches!(
            parse_date("20151301"),
            Err(DateError::InvalidDate { .. })
        ));
        assert!(matches!(
            parse_date("3/4/2015"),
            Err(DateError::Ambiguous(_))
        ));
        assert!(matches!(
            parse_date("tomorrow"),
            Err(DateError::Unrecognized(_))
        ));
        assert!(parse_date("60").is_err());
        assert!(parse_date("2015").is_err());
        assert!(parse_date("99999999999999999999-1-1").is_err());
        assert_eq!(
            parse_date("2015-02-30").unwrap_err().to_string(),
            "2015-02-30 is not a valid calendar date"
        );
    }

    #[test]
    fn excel_serials() {
        assert_eq!(from_excel_serial(1), Some((1900, 1, 1)));
        assert_eq!(from_excel_serial(59), Some((1900, 2, 28)));
        assert_eq!(from_excel_serial(60), None);
        assert_eq!(from_excel_serial(61), Some((1900, 3, 1)));
        assert_eq!(from_excel_serial(42156), Some((2015, 6, 1)));
        assert_eq!(from_excel_serial(45292), Some((2024, 1, 1)));
    }

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for z in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(z);
            assert!(is_valid_ymd(y, m, d) || y < 1, "{z}");
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(to_iso(2015, 6, 1), "2015-06-01");
        let _ = civil_from_days(i64::MAX);
        let _ = civil_from_days(i64::MIN);
    }

    #[test]
    fn relative_deadlines() {
        for (s, n) in [
            ("60 days from notification", 60),
            ("60 days after the date of circulation", 60),
            ("90 calendar days from notification", 90),
            ("60-day comment period", 60),
            ("自通报之日起60天", 60),
            ("通报后60日", 60),
            ("通报后60个自然日", 60),
            ("Sixty days from notification", 60),
        ] {
            assert_eq!(parse_relative_days(s), Some(n), "{s}");
        }
        assert_eq!(parse_relative_days("2015-06-01"), None);
        assert_eq!(parse_relative_days("not stated"), None);
        assert_eq!(parse_relative_days(""), None);
    }
}
