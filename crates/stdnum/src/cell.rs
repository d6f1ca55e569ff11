//! Multi-valued spreadsheet cells and the HS/ICS code column of ePing
//! exports.

use crate::text::{is_space, normalize};

/// Splits a cell holding several values on `;`, `；`, `,`, `，`, `、` and
/// line breaks. Pieces are trimmed and empty ones dropped. Separators that
/// fall inside a standard number (as recognised by
/// [`crate::standard::find_all`] rules) never split it.
pub fn split_multi(s: &str) -> Vec<String> {
    // Spans of standard numbers, so that nothing inside them is a separator.
    let protected: Vec<(usize, usize)> = crate::standard::find_all(s)
        .into_iter()
        .map(|f| (f.start, f.end))
        .collect();
    let inside = |i: usize| protected.iter().any(|&(a, b)| a <= i && i < b);

    let mut out = Vec::new();
    let mut piece_start = 0;
    for (i, c) in s.char_indices() {
        let is_sep = matches!(
            c,
            ';' | '；' | ',' | '，' | '、' | '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{FF64}'
        );
        if is_sep && !inside(i) {
            push_piece(&mut out, &s[piece_start..i]);
            piece_start = i + c.len_utf8();
        }
    }
    push_piece(&mut out, &s[piece_start..]);
    out
}

fn push_piece(out: &mut Vec<String>, piece: &str) {
    let t = piece.trim_matches(is_space);
    if !t.is_empty() {
        out.push(t.to_string());
    }
}

/// A product classification code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Code {
    /// Harmonized System code, digits only (`8415.10` → `841510`).
    Hs(String),
    /// International Classification for Standards code (`97.200.50`).
    Ics(String),
}

impl Code {
    /// The code text.
    pub fn as_str(&self) -> &str {
        match self {
            Code::Hs(s) | Code::Ics(s) => s,
        }
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Tells an HS code from an ICS code.
///
/// * ICS codes have the dotted 2-3-2 shape: `97.200`, `97.200.50`
///   (a bare two-digit field such as `13` is ambiguous and treated as an HS
///   chapter unless labelled `ICS 13`).
/// * HS codes are 2–10 digits, possibly dotted after the heading
///   (`8415.10`, `8415.10.00`, `84.15`). Odd lengths are taken to have lost
///   a leading zero in a spreadsheet (`101` → `0101`).
///
/// A leading label `HS`, `HS code`, `ICS` (with an optional colon) forces the
/// interpretation. Anything else gives `None`.
pub fn classify_code(s: &str) -> Option<Code> {
    let t = normalize(s);
    let mut t = t.trim_end_matches('.').trim();
    let upper = t.to_ascii_uppercase();
    let mut forced: Option<bool> = None; // Some(true) = ICS
    for (label, ics) in [("HS CODE", false), ("ICS", true), ("HS", false)] {
        if upper.starts_with(label)
            && !upper[label.len()..].starts_with(|c: char| c.is_ascii_alphabetic())
        {
            forced = Some(ics);
            t = t[label.len()..].trim_start_matches([':', ' ', '-']).trim();
            break;
        }
    }
    let parts: Vec<&str> = t.split('.').collect();
    if !parts.iter().all(|p| all_digits(p)) {
        return None;
    }
    let lens: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    let ics_shape = matches!(lens.as_slice(), [2] | [2, 3] | [2, 3, 2]);
    let hs_shape = match lens.as_slice() {
        [n] => (1..=10).contains(n),
        [2, 2] => true,
        [4, rest @ ..] => !rest.is_empty() && rest.iter().sum::<usize>() <= 6,
        _ => false,
    };
    let want_ics = match forced {
        Some(ics) => ics,
        None => ics_shape && lens.len() > 1,
    };
    if want_ics {
        return ics_shape.then(|| Code::Ics(t.to_string()));
    }
    if !hs_shape {
        return None;
    }
    let mut digits: String = parts.concat();
    if digits.len() % 2 == 1 {
        digits.insert(0, '0');
    }
    (digits.len() <= 10).then_some(Code::Hs(digits))
}

/// Splits a cell with [`split_multi`] and classifies every piece, dropping
/// pieces that are neither HS nor ICS codes.
pub fn classify_codes(s: &str) -> Vec<Code> {
    split_multi(s)
        .iter()
        .filter_map(|p| classify_code(p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting() {
        assert_eq!(
            split_multi("a; b；c,d，e、f\ng\r\nh"),
            ["a", "b", "c", "d", "e", "f", "g", "h"]
        );
        assert_eq!(split_multi(" ; ,, \n"), Vec::<String>::new());
        assert_eq!(split_multi(""), Vec::<String>::new());
        assert_eq!(split_multi("  solo \u{3000}"), ["solo"]);
        assert_eq!(
            split_multi("IEC 60335-1:2020+AMD1:2023; GB/T 19001-2016，ISO 9001:2015"),
            [
                "IEC 60335-1:2020+AMD1:2023",
                "GB/T 19001-2016",
                "ISO 9001:2015"
            ]
        );
        assert_eq!(
            split_multi("8715; 95; 97.200.50"),
            ["8715", "95", "97.200.50"]
        );
        assert_eq!(split_multi("中国、美国，欧盟"), ["中国", "美国", "欧盟"]);
    }

    #[test]
    fn codes() {
        let hs = |s: &str| Some(Code::Hs(s.to_string()));
        let ics = |s: &str| Some(Code::Ics(s.to_string()));
        assert_eq!(classify_code("8715"), hs("8715"));
        assert_eq!(classify_code("95"), hs("95"));
        assert_eq!(classify_code("8415.10"), hs("841510"));
        assert_eq!(classify_code("8415.10.00"), hs("84151000"));
        assert_eq!(classify_code("8415100010"), hs("8415100010"));
        assert_eq!(classify_code("84.15"), hs("8415"));
        assert_eq!(classify_code("101"), hs("0101"));
        assert_eq!(classify_code("97.200.50"), ics("97.200.50"));
        assert_eq!(classify_code("97.200"), ics("97.200"));
        assert_eq!(classify_code("１３．０２０"), ics("13.020"));
        assert_eq!(classify_code("ICS 13"), ics("13"));
        assert_eq!(classify_code("ICS: 97.200.50"), ics("97.200.50"));
        assert_eq!(classify_code("HS 8415.10"), hs("841510"));
        assert_eq!(classify_code("HS code: 0101"), hs("0101"));
        assert_eq!(classify_code("97.2000.50"), None);
        assert_eq!(classify_code("12345678901"), None);
        assert_eq!(classify_code("abc"), None);
        assert_eq!(classify_code(""), None);
        assert_eq!(classify_code("ICS 8415.10"), None);
        assert_eq!(
            classify_codes("8715; 95; 97.200.50; n/a"),
            vec![
                Code::Hs("8715".into()),
                Code::Hs("95".into()),
                Code::Ics("97.200.50".into())
            ]
        );
    }
}
