//! Recognising and canonicalising the prefix of a standard number.

use super::Kind;
use crate::text::NChar;

/// Chinese industry (sector) standard codes.
pub(crate) const INDUSTRY: &[&str] = &[
    "AQ", "BB", "CB", "CH", "CJ", "CY", "DA", "DB", "DL", "DZ", "EJ", "FZ", "GA", "GH", "GM", "GY",
    "HB", "HG", "HJ", "HS", "HY", "JB", "JC", "JG", "JR", "JT", "JY", "LB", "LD", "LS", "LY", "MH",
    "MT", "MZ", "NB", "NY", "QB", "QC", "QJ", "QX", "SB", "SC", "SH", "SJ", "SL", "SN", "SY", "TB",
    "TD", "TJ", "TY", "WB", "WH", "WJ", "WM", "WS", "WW", "XB", "YB", "YC", "YD", "YS", "YY", "YZ",
    "ZY", // engineering construction and metrology codes
    "JGJ", "CJJ", "JTG", "JTJ", "JJG", "JJF",
];

/// Bodies whose standards are treated as [`Kind::Foreign`].
const FOREIGN: &[&str] = &[
    "EN", "PREN", "BS", "DIN", "NF", "ANSI", "ASTM", "JIS", "KS", "IEEE", "UL", "AS", "NZS", "CSA",
    "CAN", "SAE", "API", "ASME", "NFPA", "ETSI", "GOST", "IPC", "JEDEC", "AATCC", "TAPPI", "AWS",
    "NEMA", "ASHRAE", "CNS", "SS", "NEN", "UNE", "UNI", "OENORM", "SFS", "DS", "TCVN", "CEN",
    "CENELEC", "VDE", "VDI", "ECE", "UNECE", "AASHTO", "ISA", "ICC",
];

/// ISO/IEC deliverable types that may follow the body name.
const DOC_TYPES: &[&str] = &[
    "TS", "TR", "PAS", "DIS", "FDIS", "CD", "DTS", "DTR", "NP", "WD", "AWI", "IS", "R", "GUIDE",
    "SRD", "ISP", "DPAS", "TTA", "IWA", "PRF", "PWI",
];

/// Bodies that publish documents jointly with ISO or IEC, as they appear after the
/// first body and a slash: `ISO/IEC`, `ISO/IEC/IEEE`, `IEC/IEEE`, `ISO/ASTM`, `ISO/CIE`,
/// `ISO/HL7`, `ISO/SAE`, `ISO/ASME`, `ISO/OECD`, `ISO/UNDP`, `IEC/ISO`.
pub(crate) const CO_PUBLISHERS: &[&str] = &[
    "IEC", "ISO", "IEEE", "ASTM", "CIE", "HL7", "SAE", "ASME", "OECD", "UNDP",
];

/// Result of reading a prefix.
#[derive(Debug, Clone)]
pub(crate) struct Prefix {
    pub canonical: String,
    pub kind: Kind,
    /// Index just past the prefix.
    pub end: usize,
    /// Numbers may begin with letters (`ASTM D1234`, `ITU-T X.509`).
    pub letter_numbers: bool,
    /// JIS/KS style division letter (`JIS C 8201`).
    pub division: bool,
    /// Ends in `/T` or `/Z`.
    pub has_tz: bool,
    /// Written without the slash (`GBT 19001`).
    pub missing_slash: bool,
}

pub(crate) fn ch(s: &[NChar], i: usize) -> Option<char> {
    s.get(i).map(|n| n.c)
}

pub(crate) fn is_upper_at(s: &[NChar], i: usize) -> bool {
    ch(s, i).is_some_and(|c| c.is_ascii_uppercase())
}

pub(crate) fn is_digit_at(s: &[NChar], i: usize) -> bool {
    ch(s, i).is_some_and(|c| c.is_ascii_digit())
}

pub(crate) fn is_alnum_at(s: &[NChar], i: usize) -> bool {
    ch(s, i).is_some_and(|c| c.is_ascii_alphanumeric())
}

pub(crate) fn letter_end(s: &[NChar], mut i: usize) -> usize {
    while is_upper_at(s, i) {
        i += 1;
    }
    i
}

pub(crate) fn digit_end(s: &[NChar], mut i: usize) -> usize {
    while is_digit_at(s, i) {
        i += 1;
    }
    i
}

pub(crate) fn skip_spaces(s: &[NChar], mut i: usize) -> usize {
    while ch(s, i) == Some(' ') {
        i += 1;
    }
    i
}

pub(crate) fn word(s: &[NChar], a: usize, b: usize) -> String {
    s[a..b].iter().map(|n| n.c).collect()
}

/// End of a body or document-type token: its letters, and the `7` of `HL7`.
fn token_end(s: &[NChar], i: usize) -> usize {
    let e = letter_end(s, i);
    if e == i + 2 && ch(s, i) == Some('H') && ch(s, i + 1) == Some('L') && ch(s, e) == Some('7') {
        return e + 1;
    }
    e
}

fn is_intl_body(w: &str) -> bool {
    matches!(w, "ISO" | "IEC" | "CISPR")
}

/// May `w` follow the tokens read so far after a slash?
fn slash_ok(toks: &[String], w: &str) -> bool {
    let first = toks[0].as_str();
    let last = toks[toks.len() - 1].as_str();
    if matches!(w, "T" | "Z") {
        return toks.len() == 1 && !is_intl_body(first) && !FOREIGN.contains(&first);
    }
    if is_intl_body(first) {
        let has_doc_type = toks.iter().skip(1).any(|t| DOC_TYPES.contains(&t.as_str()));
        if DOC_TYPES.contains(&w) {
            return !has_doc_type;
        }
        // Co-publishers come before any document type: `ISO/IEC/IEEE`, `ISO/ASTM DIS`.
        return first != "CISPR"
            && CO_PUBLISHERS.contains(&w)
            && !has_doc_type
            && !toks.iter().any(|t| t == w)
            && toks.len() < 3
            && !matches!(
                last,
                "IEEE" | "ASTM" | "CIE" | "HL7" | "SAE" | "ASME" | "OECD" | "UNDP"
            );
    }
    if first == "ANSI" {
        return toks.len() == 1;
    }
    if FOREIGN.contains(&first) {
        return toks.len() < 3 && (FOREIGN.contains(&w) || is_intl_body(w));
    }
    false
}

/// May `w` follow the tokens read so far after a blank?
fn space_ok(toks: &[String], w: &str) -> bool {
    let first = toks[0].as_str();
    let intl = is_intl_body(first);
    if !(intl || FOREIGN.contains(&first)) || toks.len() >= 4 {
        return false;
    }
    if w == "STD" {
        return first == "IEEE";
    }
    if matches!(w, "EN" | "ISO" | "IEC") {
        return !toks.iter().any(|t| t == w);
    }
    let has_body = toks.iter().any(|t| is_intl_body(t));
    has_body
        && DOC_TYPES.contains(&w)
        && !matches!(w, "IS" | "R")
        && !toks.iter().any(|t| DOC_TYPES.contains(&t.as_str()))
}

/// Reads a prefix starting at `i`. Returns `None` when there is none.
pub(crate) fn read_prefix(s: &[NChar], i: usize) -> Option<Prefix> {
    let e1 = letter_end(s, i);
    if e1 == i || e1 - i > 10 {
        return None;
    }
    let w1 = word(s, i, e1);

    // ITU-T / ITU-R
    if w1 == "ITU"
        && ch(s, e1) == Some('-')
        && matches!(ch(s, e1 + 1), Some('T' | 'R' | 'D'))
        && !is_upper_at(s, e1 + 2)
    {
        let sector = ch(s, e1 + 1).unwrap_or('T');
        return Some(Prefix {
            canonical: format!("ITU-{sector}"),
            kind: Kind::Itu,
            end: e1 + 2,
            letter_numbers: true,
            division: false,
            has_tz: false,
            missing_slash: false,
        });
    }

    // Group (T/...) and enterprise (Q/...) standards.
    if (w1 == "T" || w1 == "Q") && ch(s, e1) == Some('/') {
        let j = skip_spaces(s, e1 + 1);
        let e = letter_end(s, j);
        if e == j || e - j > 20 {
            return None;
        }
        let kind = if w1 == "T" {
            Kind::Group
        } else {
            Kind::Enterprise
        };
        return Some(Prefix {
            canonical: format!("{w1}/{}", word(s, j, e)),
            kind,
            end: e,
            letter_numbers: true,
            division: false,
            has_tz: false,
            missing_slash: false,
        });
    }

    // Local standards: DB + 2..6 digits of the administrative division.
    // `DB 44/T` (blank before the division code) only with /T or /Z.
    let mut e1 = e1;
    if w1 == "DB" && ch(s, e1) == Some(' ') {
        let j = skip_spaces(s, e1);
        let d = digit_end(s, j);
        if (2..=6).contains(&(d - j))
            && ch(s, d) == Some('/')
            && matches!(ch(s, d + 1), Some('T' | 'Z'))
        {
            e1 = j;
        }
    }
    if w1 == "DB" && is_digit_at(s, e1) {
        let d = digit_end(s, e1);
        if !(2..=6).contains(&(d - e1)) {
            return None;
        }
        let mut canonical = format!("DB{}", word(s, e1, d));
        let mut end = d;
        let mut has_tz = false;
        // `DB44/T`, also `DB44 / T`.
        let k = skip_spaces(s, d);
        let t = skip_spaces(s, k + 1);
        if ch(s, k) == Some('/') && matches!(ch(s, t), Some('T' | 'Z')) && !is_upper_at(s, t + 1) {
            canonical.push('/');
            canonical.push(ch(s, t).unwrap_or('T'));
            end = t + 1;
            has_tz = true;
        }
        return Some(Prefix {
            canonical,
            kind: Kind::Local,
            end,
            letter_numbers: false,
            division: false,
            has_tz,
            missing_slash: false,
        });
    }

    // `GBT 19001`, `JBT 1234`: the slash was left out.
    if w1.len() == 3 && w1.ends_with('T') && !is_upper_at(s, e1) {
        let code = &w1[..2];
        if (code == "GB" || INDUSTRY.contains(&code)) && !INDUSTRY.contains(&w1.as_str()) {
            let toks = vec![code.to_string(), "T".to_string()];
            return classify(toks, vec!['/'], e1).map(|mut p| {
                p.missing_slash = true;
                p
            });
        }
    }

    // `GB T 19001`, `GB-T 19001`, `GB_T 19001`: file names cannot hold a slash, so
    // people put something else in its place.
    if (w1 == "GB" || INDUSTRY.contains(&w1.as_str())) && matches!(ch(s, e1), Some(' ' | '-' | '_'))
    {
        let j = if ch(s, e1) == Some(' ') {
            skip_spaces(s, e1)
        } else {
            e1 + 1
        };
        if matches!(ch(s, j), Some('T' | 'Z'))
            && !is_alnum_at(s, j + 1)
            && is_digit_at(s, skip_spaces(s, j + 1))
            && skip_spaces(s, j + 1) > j + 1
        {
            let toks = vec![w1.clone(), word(s, j, j + 1)];
            return classify(toks, vec!['/'], j + 1).map(|mut p| {
                p.missing_slash = true;
                p
            });
        }
    }

    // Generic: body tokens joined by '/' (blanks around it allowed) or blanks.
    let mut toks: Vec<String> = vec![w1];
    let mut seps: Vec<char> = Vec::new();
    let mut end = e1;
    loop {
        let k = skip_spaces(s, end);
        if ch(s, k) == Some('/') {
            let j = skip_spaces(s, k + 1);
            let e = token_end(s, j);
            if e > j && e - j <= 8 {
                let w = word(s, j, e);
                if slash_ok(&toks, &w) {
                    toks.push(w);
                    seps.push('/');
                    end = e;
                    continue;
                }
            }
        }
        if ch(s, end) == Some(' ') {
            let j = skip_spaces(s, end);
            let e = letter_end(s, j);
            if e > j && e - j <= 8 && !is_digit_at(s, e) && ch(s, e) != Some('.') {
                let w = word(s, j, e);
                if space_ok(&toks, &w) {
                    toks.push(w);
                    seps.push(' ');
                    end = e;
                    continue;
                }
            }
        }
        break;
    }
    classify(toks, seps, end)
}

fn classify(toks: Vec<String>, seps: Vec<char>, end: usize) -> Option<Prefix> {
    let first = toks[0].as_str();
    let rest: Vec<&str> = toks[1..].iter().map(String::as_str).collect();
    let has_tz = matches!(rest.last(), Some(&"T" | &"Z"));
    let mut letter_numbers = false;
    let mut division = false;
    let kind = match first {
        "GB" | "GBZ" | "GBJ" => match rest.as_slice() {
            [] => Kind::NationalMandatory,
            ["T"] => Kind::NationalRecommended,
            ["Z"] if first == "GB" => Kind::NationalGuidance,
            ["Z"] => Kind::NationalRecommended,
            _ => Kind::Unknown,
        },
        "ISO" => {
            if rest.contains(&"IEC") {
                Kind::IsoIec
            } else {
                Kind::Iso
            }
        }
        "IEC" if rest.contains(&"ISO") => Kind::IsoIec,
        "IEC" | "CISPR" => Kind::Iec,
        _ if FOREIGN.contains(&first) => {
            letter_numbers = true;
            division = matches!(first, "JIS" | "KS");
            Kind::Foreign
        }
        _ if INDUSTRY.contains(&first) && rest.len() <= 1 => Kind::Industry,
        _ => {
            if first.len() < 2 {
                return None;
            }
            Kind::Unknown
        }
    };

    // Build the canonical spelling.
    let mut canonical = String::from(if first == "PREN" { "prEN" } else { first });
    let intl = is_intl_body(first);
    for (k, t) in rest.iter().enumerate() {
        let prev = toks[k].as_str();
        let is_doc = DOC_TYPES.contains(t);
        let sep = if *t == "STD" {
            continue;
        } else if matches!(*t, "T" | "Z") {
            '/'
        } else if intl && is_doc {
            // ISO/TS but IEC TS and ISO/IEC TR; Guides always with a blank; IS and R
            // (`ISO/R 1234`) always with a slash, as a blank before them is not read.
            if matches!(*t, "IS" | "R") {
                '/'
            } else if *t == "GUIDE"
                || first != "ISO"
                || rest.iter().any(|r| CO_PUBLISHERS.contains(r))
            {
                ' '
            } else {
                '/'
            }
        } else if prev == "ISO" && *t == "IEC" {
            '/'
        } else {
            seps[k]
        };
        canonical.push(sep);
        canonical.push_str(if *t == "GUIDE" { "Guide" } else { t });
    }
    Some(Prefix {
        canonical,
        kind,
        end,
        letter_numbers,
        division,
        has_tz,
        missing_slash: false,
    })
}
