//! The core reader: prefix, number, year and amendments, over normalised
//! characters.

use super::prefix::{
    ch, digit_end, is_alnum_at, is_digit_at, is_upper_at, letter_end, read_prefix, skip_spaces,
    word,
};
use super::{Flag, Kind, StdNumber, YearStyle, year_style};
use crate::text::NChar;

/// Why nothing could be read at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    NoPrefix,
    NoNumber(String),
}

/// Longest number part we are willing to read; anything longer is noise.
const MAX_NUMBER_LEN: usize = 40;

fn plausible_year(y: u32) -> bool {
    (1900..=2099).contains(&y)
}

fn expand_two_digit(y: u32) -> u16 {
    if y <= 30 {
        2000 + y as u16
    } else {
        1900 + y as u16
    }
}

/// Reads digits `a..b` as a number; callers keep the range short.
fn digits_value(s: &[NChar], a: usize, b: usize) -> u32 {
    s[a..b].iter().fold(0u32, |acc, n| {
        acc.saturating_mul(10)
            .saturating_add(n.c as u32 - '0' as u32)
    })
}

/// Reads a year of two or four digits at `i` that is not followed by another
/// digit. Returns the year, whether it had two digits, and the end index.
fn read_year(s: &[NChar], i: usize, allow_two: bool) -> Option<(u16, bool, usize)> {
    let d = digit_end(s, i);
    match d - i {
        4 => {
            let y = digits_value(s, i, d);
            plausible_year(y).then_some((y as u16, false, d))
        }
        2 if allow_two => Some((expand_two_digit(digits_value(s, i, d)), true, d)),
        _ => None,
    }
}

/// Parses one standard number starting at index `i` of `s`. On success
/// returns the number and the index just past its last character (trailing
/// blanks are never consumed).
pub(crate) fn parse_at(s: &[NChar], i: usize) -> Result<(StdNumber, usize), Failure> {
    let p = read_prefix(s, i).ok_or(Failure::NoPrefix)?;
    let style = year_style(&p.canonical, p.kind);
    let mut flags = Vec::new();
    if p.kind == Kind::Unknown {
        flags.push(Flag::UnknownPrefix);
    }
    if p.missing_slash {
        flags.push(Flag::MissingSlash);
    }

    let mut j = skip_spaces(s, p.end);
    let mut number = String::new();

    // Letters in front of the digits: `JIS C 8201`, `ASTM D1234`, `ITU-T X.509`.
    if p.division && is_upper_at(s, j) && !is_upper_at(s, j + 1) {
        let k = skip_spaces(s, j + 1);
        if is_digit_at(s, k) {
            number.push(ch(s, j).unwrap_or('A'));
            number.push(' ');
            j = k;
        }
    } else if p.letter_numbers && is_upper_at(s, j) {
        let e = letter_end(s, j);
        let digit_follows = is_digit_at(s, e) || (ch(s, e) == Some('.') && is_digit_at(s, e + 1));
        if e - j <= 3 && digit_follows {
            number.push_str(&word(s, j, e));
            j = e;
            if ch(s, j) == Some('.') {
                number.push('.');
                j += 1;
            }
        }
    }
    let d = digit_end(s, j);
    if d == j {
        return Err(Failure::NoNumber(p.canonical));
    }
    number.push_str(&word(s, j, d));
    j = d;

    // Further segments: `.1`, `-1`, `.11`, `-351`.
    let mut last_dash: Option<usize> = None; // byte index into `number`
    let mut last_dash_at = 0usize; // char index into `s`
    loop {
        match ch(s, j) {
            Some('.') if is_alnum_at(s, j + 1) => {
                let mut e = j + 1;
                while is_alnum_at(s, e) {
                    e += 1;
                }
                number.push_str(&word(s, j, e));
                j = e;
            }
            Some('-') if is_digit_at(s, j + 1) => {
                let e = digit_end(s, j + 1);
                last_dash = Some(number.len());
                last_dash_at = j;
                number.push_str(&word(s, j, e));
                j = e;
            }
            _ => break,
        }
        if number.len() > MAX_NUMBER_LEN {
            return Err(Failure::NoNumber(p.canonical));
        }
    }

    // Year written with a dash at the end of the number.
    let mut year: Option<u16> = None;
    if let Some(pos) = last_dash {
        let allow_two = matches!(style, YearStyle::Chinese | YearStyle::DashShort);
        let tail_start = last_dash_at + 1;
        let tail_is_whole = digit_end(s, tail_start) == j;
        if tail_is_whole
            && pos > 0
            && let Some((y, two, _)) = read_year(s, tail_start, allow_two)
        {
            let take = match style {
                YearStyle::Colon => {
                    // `ISO 9001-2015`: only when no colon year follows.
                    let k = skip_spaces(s, j);
                    !two && (ch(s, k) != Some(':') || !is_digit_at(s, skip_spaces(s, k + 1)))
                }
                _ => true,
            };
            if take {
                year = Some(y);
                number.truncate(pos);
                if two && style == YearStyle::Chinese {
                    flags.push(Flag::TwoDigitYear);
                }
                if style == YearStyle::Colon {
                    flags.push(Flag::NonStandardSeparator);
                }
            }
        }
    }

    // Year after a colon: `ISO 9001:2015`, `ISO 9001 : 2015`.
    if year.is_none() {
        let k = skip_spaces(s, j);
        if ch(s, k) == Some(':') {
            let k2 = skip_spaces(s, k + 1);
            if let Some((y, two, e)) = read_year(s, k2, true)
                && (!is_alnum_at(s, e) || (style == YearStyle::DashShort && !s[e].upper))
            {
                year = Some(y);
                j = e;
                if two {
                    flags.push(Flag::TwoDigitYear);
                }
                if style != YearStyle::Colon {
                    flags.push(Flag::NonStandardSeparator);
                }
            }
        }
    }

    // Year after a dash surrounded by blanks: `GB/T 19001 — 2016`, `ISO 9001 - 2015`.
    if year.is_none() {
        let k = skip_spaces(s, j);
        if k > j && ch(s, k) == Some('-') {
            let k2 = skip_spaces(s, k + 1);
            if let Some((y, _, e)) = read_year(s, k2, false)
                && !is_alnum_at(s, e)
            {
                year = Some(y);
                j = e;
                if style == YearStyle::Colon {
                    flags.push(Flag::NonStandardSeparator);
                }
            }
        }
    }

    // ASTM revision letter (`E84-21a`) is accepted and dropped.
    if style == YearStyle::DashShort
        && year.is_some()
        && is_upper_at(s, j)
        && !s[j].upper
        && !is_alnum_at(s, j + 1)
    {
        j += 1;
    }

    let amendments = read_amendments(s, &mut j, style);

    // ISO language marker: `ISO 9001:2015(E)`.
    if style == YearStyle::Colon {
        let k = skip_spaces(s, j);
        let e = letter_end(s, k + 1);
        if ch(s, k) == Some('(') && (1..=2).contains(&(e - k - 1)) && ch(s, e) == Some(')') {
            j = e + 1;
        }
    }

    if year.is_none() {
        flags.push(Flag::NoYear);
    }
    Ok((
        StdNumber {
            prefix: p.canonical,
            kind: p.kind,
            number,
            year,
            amendments,
            flags,
        },
        j,
    ))
}

/// Reads `+AMD1:2023`, `/Amd 1:2023`, `+A11:2014`, `/COR1`, `/XG1-2015`, …
fn read_amendments(s: &[NChar], j: &mut usize, style: YearStyle) -> Vec<String> {
    let mut out = Vec::new();
    while out.len() < 16 {
        let k = skip_spaces(s, *j);
        if !matches!(ch(s, k), Some('+' | '/')) {
            break;
        }
        let k = skip_spaces(s, k + 1);
        let e = letter_end(s, k);
        if e == k || e - k > 12 {
            break;
        }
        let kind = match word(s, k, e).as_str() {
            "AMD" | "AM" | "AMDT" | "AMENDMENT" => "AMD",
            "A" => "A",
            "COR" | "CORR" | "CORRIGENDUM" => "COR",
            "XG" => "XG",
            _ => break,
        };
        let mut m = e;
        if ch(s, m) == Some('.') {
            m += 1;
        }
        m = skip_spaces(s, m);
        let d = digit_end(s, m);
        if d == m || d - m > 3 {
            break;
        }
        let mut text = format!("{kind}{}", word(s, m, d));
        let mut end = d;
        if matches!(ch(s, d), Some(':' | '-'))
            && let Some((y, _, ye)) = read_year(s, d + 1, false)
        {
            let sep = if style == YearStyle::Chinese {
                '-'
            } else {
                ':'
            };
            text.push(sep);
            text.push_str(&y.to_string());
            end = ye;
        }
        if is_alnum_at(s, end) {
            break;
        }
        out.push(text);
        *j = end;
    }
    out
}
