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
    parse_date_ordered(s, DayOrder::Unknown)
}

/// Which of day and month comes first in all-number dates such as `03/04/1997`, when
/// the numbers themselves cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayOrder {
    /// Refuse the date as [`DateError::Ambiguous`].
    Unknown,
    /// `03/04/1997` is 3 April 1997: the convention of the WTO and of Europe.
    DayFirst,
}

/// [`parse_date`] with a convention for day and month order. Month names are read in
/// English, French and Spanish (the WTO's languages), in full or abbreviated, in any
/// order with the day: `14 July 1997`, `July 14, 1997`, `14-Jul-1997`, `14-Jul-97`,
/// `Monday, 14th July 1997`, `14 juillet 1997`, `14 de julio de 1997`.
pub fn parse_date_ordered(s: &str, order: DayOrder) -> Result<(i32, u8, u8), DateError> {
    let t = crate::text::normalize(s);
    if t.is_empty() {
        return Err(DateError::Empty);
    }
    let unrecognized = || DateError::Unrecognized(t.clone());
    if let Some(r) = with_month_name(&t) {
        return r;
    }

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
        return parse_parts(cleaned, '-', order).ok_or_else(unrecognized)?;
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
            return parse_parts(date, sep, order).ok_or_else(unrecognized)?;
        }
    }
    Err(unrecognized())
}

/// Month names and their usual abbreviations in English, French and Spanish.
const MONTHS: &[(&str, u8)] = &[
    ("january", 1),
    ("jan", 1),
    ("janvier", 1),
    ("janv", 1),
    ("enero", 1),
    ("ene", 1),
    ("february", 2),
    ("feb", 2),
    ("février", 2),
    ("fevrier", 2),
    ("févr", 2),
    ("fév", 2),
    ("fev", 2),
    ("febrero", 2),
    ("march", 3),
    ("mar", 3),
    ("mars", 3),
    ("marzo", 3),
    ("april", 4),
    ("apr", 4),
    ("avril", 4),
    ("avr", 4),
    ("abril", 4),
    ("abr", 4),
    ("may", 5),
    ("mai", 5),
    ("mayo", 5),
    ("june", 6),
    ("jun", 6),
    ("juin", 6),
    ("junio", 6),
    ("july", 7),
    ("jul", 7),
    ("juillet", 7),
    ("juil", 7),
    ("julio", 7),
    ("august", 8),
    ("aug", 8),
    ("août", 8),
    ("aout", 8),
    ("agosto", 8),
    ("ago", 8),
    ("september", 9),
    ("sep", 9),
    ("sept", 9),
    ("septembre", 9),
    ("septiembre", 9),
    ("setiembre", 9),
    ("set", 9),
    ("october", 10),
    ("oct", 10),
    ("octobre", 10),
    ("octubre", 10),
    ("november", 11),
    ("nov", 11),
    ("novembre", 11),
    ("noviembre", 11),
    ("december", 12),
    ("dec", 12),
    ("décembre", 12),
    ("decembre", 12),
    ("déc", 12),
    ("diciembre", 12),
    ("dic", 12),
];

/// Words that may surround a written date without changing it: weekdays and the small
/// words of French and Spanish dates (`le 1er juillet`, `14 de julio de 1997`).
const FILLERS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "mon",
    "tue",
    "tues",
    "wed",
    "thu",
    "thur",
    "thurs",
    "fri",
    "sat",
    "sun",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "lunes",
    "martes",
    "miércoles",
    "miercoles",
    "jueves",
    "viernes",
    "sábado",
    "sabado",
    "domingo",
    "le",
    "de",
    "del",
    "the",
    "of",
];

/// A day number with an optional ordinal ending: `14`, `14th`, `1st`, `1er`, `1º`.
fn day_token(w: &str) -> Option<&str> {
    let digits = w.trim_end_matches(|c: char| !c.is_ascii_digit());
    let suffix = &w[digits.len()..];
    let ok = matches!(
        suffix,
        "" | "st" | "nd" | "rd" | "th" | "er" | "re" | "º" | "°" | "o"
    );
    (ok && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// A date with a month name, or `None` when `t` (already normalised) has none.
fn with_month_name(t: &str) -> Option<Result<(i32, u8, u8), DateError>> {
    let lower = t.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '.' | '-' | '/'))
        .filter(|w| !w.is_empty())
        .collect();
    let month_at = words
        .iter()
        .position(|w| MONTHS.iter().any(|(name, _)| name == w))?;
    let month = MONTHS.iter().find(|(name, _)| *name == words[month_at])?.1;
    let mut nums: Vec<(usize, &str)> = Vec::new();
    for (i, w) in words.iter().enumerate() {
        if i == month_at || FILLERS.contains(w) {
            continue;
        }
        match day_token(w) {
            Some(d) if nums.len() < 2 => nums.push((i, d)),
            _ => return Some(Err(DateError::Unrecognized(t.to_string()))),
        }
    }
    let [(first_at, a), (_, b)] = nums[..] else {
        return Some(Err(DateError::Unrecognized(t.to_string())));
    };
    let value = |x: &str| x.parse::<i64>().unwrap_or(-1);
    let (day, year) = match (a.len(), b.len()) {
        // `1997 Jul 14`, `1997-07-14` written with a name.
        (4, 1..=2) if first_at < month_at => (b, a),
        (1..=2, 4) => (a, b),
        // `14-Jul-97`: a two-digit year only last, read as spreadsheets do (30–99 → 19xx).
        (1..=2, 2) => {
            let y = value(b);
            let y = if y < 30 { 2000 + y } else { 1900 + y };
            return Some(check(y, i64::from(month), value(a)));
        }
        _ => return Some(Err(DateError::Unrecognized(t.to_string()))),
    };
    Some(check(value(year), i64::from(month), value(day)))
}

/// `Y-M-D`, `Y-M`, `D.M.Y`, `M/D/Y`. `None` when the shape is wrong.
fn parse_parts(date: &str, sep: char, order: DayOrder) -> Option<Result<(i32, u8, u8), DateError>> {
    let parts: Vec<&str> = date.split(sep).map(str::trim).collect();
    let nums: Vec<i64> = parts.iter().map(|p| num(p)).collect::<Option<_>>()?;
    match (parts.as_slice(), nums.as_slice()) {
        ([y, ..], [yv, mv]) if y.len() == 4 => Some(check(*yv, *mv, 1)),
        ([y, ..], [yv, mv, dv]) if y.len() == 4 => Some(check(*yv, *mv, *dv)),
        ([_, _, y], [a, b, yv]) if y.len() == 4 => {
            if *a > 12 || sep == '.' || (order == DayOrder::DayFirst && *b <= 12) {
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
    let r = rest.trim_start_matches([' ', '-', '(', ')']);
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
    fn wto_styles_since_1995() {
        // Every style the WTO's records have used for 14 July 1997.
        for s in [
            "1997-07-14",
            "14/07/1997",
            "14.07.1997",
            "14-07-1997",
            "14 July 1997",
            "14 july 1997",
            "14 JULY 1997",
            "14 Jul 1997",
            "14 Jul. 1997",
            "14th July 1997",
            "14 July, 1997",
            "July 14, 1997",
            "July 14 1997",
            "Jul. 14, 1997",
            "July 14th, 1997",
            "Monday, 14 July 1997",
            "Monday, July 14, 1997",
            "14-Jul-1997",
            "14-Jul-97",
            "14/Jul/1997",
            "1997-Jul-14",
            "14 juillet 1997",
            "le 14 juillet 1997",
            "14 de julio de 1997",
            "１４　Ｊｕｌｙ　１９９７",
            "35625",
            "35625.0",
        ] {
            assert_eq!(parse_date(s), Ok((1997, 7, 14)), "{s}");
        }
        assert_eq!(parse_date("31 August 1997"), Ok((1997, 8, 31)));
        assert_eq!(parse_date("1er août 1997"), Ok((1997, 8, 1)));
        assert_eq!(parse_date("1 Sept 2020"), Ok((2020, 9, 1)));
        assert_eq!(parse_date("2 févr. 2001"), Ok((2001, 2, 2)));
        assert_eq!(parse_date("9 diciembre 2019"), Ok((2019, 12, 9)));
        assert_eq!(parse_date("1-Jan-05"), Ok((2005, 1, 1)));
        assert_eq!(parse_date("31-Dec-29"), Ok((2029, 12, 31)));
        assert_eq!(parse_date("1-Jan-30"), Ok((1930, 1, 1)));
        assert!(matches!(
            parse_date("31 June 1997"),
            Err(DateError::InvalidDate { .. })
        ));
        assert!(matches!(
            parse_date("29 February 1997"),
            Err(DateError::InvalidDate { .. })
        ));
        assert_eq!(parse_date("29 February 1996"), Ok((1996, 2, 29)));
        for s in [
            "July 1997",
            "14 July",
            "14 July 1997 tentatively",
            "60 days ago",
            "may apply",
            "14 July 1997 15 July 1997",
        ] {
            assert!(
                matches!(parse_date(s), Err(DateError::Unrecognized(_))),
                "{s}: {:?}",
                parse_date(s)
            );
        }
    }

    #[test]
    fn day_first_convention() {
        assert!(matches!(
            parse_date("03/04/1997"),
            Err(DateError::Ambiguous(_))
        ));
        assert_eq!(
            parse_date_ordered("03/04/1997", DayOrder::DayFirst),
            Ok((1997, 4, 3))
        );
        // Numbers that tell the order themselves are read the same either way.
        assert_eq!(
            parse_date_ordered("07/14/1997", DayOrder::DayFirst),
            Ok((1997, 7, 14))
        );
        assert_eq!(
            parse_date_ordered("14/07/1997", DayOrder::DayFirst),
            Ok((1997, 7, 14))
        );
        assert_eq!(
            parse_date_ordered("1997-04-03", DayOrder::DayFirst),
            Ok((1997, 4, 3))
        );
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
            ("60 days after publication", 60),
            ("Sixty (60) days from notification", 60),
            (
                "90 days after the date of distribution of the notification",
                90,
            ),
        ] {
            assert_eq!(parse_relative_days(s), Some(n), "{s}");
        }
        assert_eq!(parse_relative_days("2015-06-01"), None);
        assert_eq!(parse_relative_days("not stated"), None);
        assert_eq!(parse_relative_days(""), None);
    }
}
