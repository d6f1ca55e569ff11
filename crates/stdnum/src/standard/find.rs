//! Picking standard numbers out of free text.

use super::grammar::parse_at;
use super::prefix::{INDUSTRY, is_alnum_at, read_prefix};
use super::{Kind, StdNumber};
use crate::text::{NChar, nchars};

/// A standard number found in a longer text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte offset of the first character in the original text.
    pub start: usize,
    /// Byte offset just past the last character in the original text.
    pub end: usize,
    /// The text exactly as it appeared (`text[start..end]`).
    pub raw: String,
    pub number: StdNumber,
}

/// Finds every standard number in `text`, in order of appearance.
///
/// To keep false positives down, a match must start at a word boundary,
/// begin with an upper-case letter and not run into further letters or
/// digits. Industry and unrecognised prefixes additionally need either a
/// `/T` or `/Z` or a year (so `HS 8415` or `PM2.5` are not taken for
/// standards).
pub fn find_all(text: &str) -> Vec<Found> {
    find_impl(text, true)
}

fn byte_end(text: &str, s: &[NChar], k: usize) -> usize {
    s.get(k).map_or(text.len(), |n| n.start)
}

pub(crate) fn find_impl(text: &str, strict: bool) -> Vec<Found> {
    let s = nchars(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i].c;
        if !c.is_ascii_uppercase() || (i > 0 && is_alnum_at(&s, i - 1)) {
            i += 1;
            continue;
        }
        // Prefixes are usually written in capitals; a prefix typed in lower or mixed case
        // (`gb/t19001`, `iso14001`, `Iso 9001`) is taken only from the families whose
        // letters are not ordinary words. Other words are skipped cheaply.
        let mut lower = false;
        if strict {
            let mut e = i;
            while e < s.len() && s[e].c.is_ascii_alphabetic() {
                e += 1;
            }
            lower = s[i..e].iter().any(|n| !n.upper);
            if e - i > 10 || (lower && !lower_case_candidate(&s[i..e])) {
                i = e;
                continue;
            }
        }
        match parse_at(&s, i) {
            Ok((number, end))
                if !is_alnum_at(&s, end)
                    && (!strict
                        || (plausible(&s, i, &number)
                            && (!lower || plausible_in_lower_case(&s, i, &number)))) =>
            {
                let start = s[i].start;
                let stop = byte_end(text, &s, end);
                out.push(Found {
                    start,
                    end: stop,
                    raw: text[start..stop].to_string(),
                    number,
                });
                i = end.max(i + 1);
            }
            _ => {
                // Skip the rest of this word: a prefix never starts inside one.
                i += 1;
                while i < s.len() && s[i].c.is_ascii_alphabetic() {
                    i += 1;
                }
            }
        }
    }
    out
}

/// May this word (upper-cased ASCII letters) begin a prefix typed in lower case? Only the
/// national, ISO/IEC/ITU, local, group and industry families can. Runs for every lower-case
/// word of a text, so it allocates nothing.
fn lower_case_candidate(w: &[NChar]) -> bool {
    if w.len() > 5 {
        return false;
    }
    let mut buf = [0u8; 5];
    for (b, n) in buf.iter_mut().zip(w) {
        *b = u8::try_from(n.c).unwrap_or(b'?');
    }
    let w = std::str::from_utf8(&buf[..w.len()]).unwrap_or_default();
    if matches!(
        w,
        "GB" | "GBT" | "GBZ" | "ISO" | "IEC" | "CISPR" | "ITU" | "DB" | "T"
    ) {
        return true;
    }
    let code = w
        .strip_suffix(['T', 'Z'])
        .filter(|c| c.len() >= 2)
        .unwrap_or(w);
    INDUSTRY.contains(&code)
}

/// A number whose prefix was typed in lower case: national, ISO, IEC, ITU and local
/// numbers; industry numbers with `/T` or `/Z`; group numbers with a year.
fn plausible_in_lower_case(s: &[NChar], i: usize, n: &StdNumber) -> bool {
    match n.kind {
        Kind::NationalMandatory
        | Kind::NationalRecommended
        | Kind::NationalGuidance
        | Kind::Iso
        | Kind::Iec
        | Kind::IsoIec
        | Kind::Itu
        | Kind::Local => true,
        Kind::Industry => read_prefix(s, i).is_some_and(|p| p.has_tz),
        Kind::Group => n.year.is_some(),
        _ => false,
    }
}

/// Extra checks applied to matches in free text.
fn plausible(s: &[NChar], i: usize, n: &StdNumber) -> bool {
    let has_year = n.year.is_some();
    match n.kind {
        Kind::Industry | Kind::Unknown | Kind::Local => {
            let tz = read_prefix(s, i).is_some_and(|p| p.has_tz);
            if !(tz || has_year) {
                return false;
            }
            if n.kind == Kind::Unknown {
                // `WTO 2020-2021`, `TOP 10`: the number itself looks like a year.
                let looks_like_year = n.number.len() == 4
                    && n.number
                        .parse::<u32>()
                        .is_ok_and(|y| (1900..=2099).contains(&y));
                let prefix_letters = n.prefix.split('/').next().unwrap_or_default().len();
                return !looks_like_year && (2..=5).contains(&prefix_letters);
            }
            true
        }
        _ => true,
    }
}
