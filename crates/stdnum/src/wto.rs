//! WTO notification symbols: TBT (`G/TBT/N/USA/1436/Add.2`, legacy `G/TBT/Notif.97.323`)
//! and SPS (`G/SPS/N/CHN/1234/Rev.1/Add.2`).

use std::fmt;

/// The WTO agreement a notification is made under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Agreement {
    /// Technical Barriers to Trade (`G/TBT/…`).
    #[default]
    Tbt,
    /// Sanitary and Phytosanitary Measures (`G/SPS/…`).
    Sps,
}

impl Agreement {
    /// `tbt` or `sps`, as stored and in URLs.
    pub fn code(self) -> &'static str {
        match self {
            Agreement::Tbt => "tbt",
            Agreement::Sps => "sps",
        }
    }
    /// The series letters of the symbol: `TBT` or `SPS`.
    pub fn series(self) -> &'static str {
        match self {
            Agreement::Tbt => "TBT",
            Agreement::Sps => "SPS",
        }
    }
    /// `tbt`/`sps` in any case (also `TBT`, `SPS`).
    pub fn parse(s: &str) -> Option<Agreement> {
        match s.trim().to_ascii_lowercase().as_str() {
            "tbt" => Some(Agreement::Tbt),
            "sps" => Some(Agreement::Sps),
            _ => None,
        }
    }
}

/// What kind of follow-up document a suffix denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuffixKind {
    /// Addendum (`Add.n`).
    Add,
    /// Corrigendum (`Corr.n`).
    Corr,
    /// Revision (`Rev.n`).
    Rev,
    /// Supplement (`Suppl.n`).
    Suppl,
}

impl SuffixKind {
    /// The spelling used in symbols: `Add`, `Corr`, `Rev`, `Suppl`.
    pub fn as_str(self) -> &'static str {
        match self {
            SuffixKind::Add => "Add",
            SuffixKind::Corr => "Corr",
            SuffixKind::Rev => "Rev",
            SuffixKind::Suppl => "Suppl",
        }
    }
}

/// One suffix, e.g. `Add.2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Suffix {
    pub kind: SuffixKind,
    pub n: u32,
}

/// A TBT or SPS notification symbol.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Symbol {
    /// `G/TBT/…` or `G/SPS/…`.
    pub agreement: Agreement,
    /// Member code as written in the symbol (`USA`, `EU`, `TPKM`); empty for
    /// legacy symbols, which do not name the member.
    pub member: String,
    pub number: u32,
    /// Pre-2000 form `G/TBT/Notif.97.323`.
    pub legacy: bool,
    /// Four-digit year of a legacy symbol (`97` → 1997).
    pub year: Option<u16>,
    pub suffixes: Vec<Suffix>,
}

/// Why a symbol could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the input is empty")]
    Empty,
    #[error("a notification symbol starts with G/TBT/N/, G/SPS/N/ or G/TBT/Notif.")]
    NotTbt,
    #[error("the member code (such as USA or EU) is missing or malformed")]
    BadMember,
    #[error("the notification number is missing or malformed")]
    BadNumber,
    #[error("`{0}` is not a valid suffix (expected Add.n, Corr.n, Rev.n or Suppl.n)")]
    BadSuffix(String),
    #[error("unexpected text `{0}` after the symbol")]
    TrailingText(String),
}

impl Symbol {
    /// The document this one amends: the symbol without its last suffix.
    /// `None` when there is no suffix.
    pub fn parent(&self) -> Option<Symbol> {
        if self.suffixes.is_empty() {
            return None;
        }
        let mut p = self.clone();
        p.suffixes.pop();
        Some(p)
    }

    /// The original notification, without any suffix.
    pub fn root(&self) -> Symbol {
        let mut r = self.clone();
        r.suffixes.clear();
        r
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.legacy {
            let yy = self.year.map_or(0, |y| y % 100);
            write!(f, "G/TBT/Notif.{yy:02}.{}", self.number)?;
        } else {
            write!(f, "G/{}/N/{}/{}", self.agreement.series(), self.member, self.number)?;
        }
        for s in &self.suffixes {
            write!(f, "/{}.{}", s.kind.as_str(), s.n)?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Symbol {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_symbol(s)
    }
}

/// Upper-cased, half-width characters; blanks next to `/` or `.` are
/// dropped and other runs of blanks become one space.
fn squeeze(s: &str) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(s.len());
    let mut pending = false;
    for c in s.chars().map(crate::text::normalize_char) {
        if c == ' ' {
            pending = true;
            continue;
        }
        let c = c.to_ascii_uppercase();
        if pending && !matches!(c, '/' | '.') && !matches!(out.last(), None | Some('/' | '.')) {
            out.push(' ');
        }
        pending = false;
        out.push(c);
    }
    out
}

fn starts(s: &[char], i: usize, lit: &str) -> bool {
    lit.chars()
        .enumerate()
        .all(|(k, c)| s.get(i + k) == Some(&c))
}

fn digits(s: &[char], i: usize) -> (Option<u32>, usize) {
    let mut e = i;
    while e < s.len() && s[e].is_ascii_digit() {
        e += 1;
    }
    if e == i || e - i > 9 {
        return (None, e);
    }
    let v = s[i..e]
        .iter()
        .fold(0u32, |a, c| a * 10 + (*c as u32 - '0' as u32));
    (Some(v), e)
}

/// Reads one symbol at `i` of squeezed text; returns it and the end index.
fn read_at(s: &[char], i: usize) -> Result<(Symbol, usize), ParseError> {
    let mut j = i;
    if starts(s, j, "G/") {
        j += 2;
    }
    let agreement = if starts(s, j, "TBT/") {
        Agreement::Tbt
    } else if starts(s, j, "SPS/") {
        Agreement::Sps
    } else {
        return Err(ParseError::NotTbt);
    };
    j += 4;
    let mut sym = if agreement == Agreement::Tbt && starts(s, j, "NOTIF") {
        // Legacy: G/TBT/Notif.97.323
        j += 5;
        if s.get(j) == Some(&'.') {
            j += 1;
        }
        let (yy, e) = digits(s, j);
        let yy = yy.filter(|_| e - j == 2).ok_or(ParseError::BadNumber)?;
        j = e;
        if s.get(j) != Some(&'.') {
            return Err(ParseError::BadNumber);
        }
        let (n, e) = digits(s, j + 1);
        let n = n.ok_or(ParseError::BadNumber)?;
        j = e;
        let year = if yy <= 30 { 2000 + yy } else { 1900 + yy } as u16;
        Symbol {
            agreement,
            member: String::new(),
            number: n,
            legacy: true,
            year: Some(year),
            suffixes: vec![],
        }
    } else if starts(s, j, "N/") {
        j += 2;
        let m0 = j;
        while j < s.len() && s[j].is_ascii_uppercase() {
            j += 1;
        }
        if !(2..=4).contains(&(j - m0)) || s.get(j) != Some(&'/') {
            return Err(ParseError::BadMember);
        }
        let member: String = s[m0..j].iter().collect();
        let (n, e) = digits(s, j + 1);
        let n = n.ok_or(ParseError::BadNumber)?;
        j = e;
        Symbol {
            agreement,
            member,
            number: n,
            legacy: false,
            year: None,
            suffixes: vec![],
        }
    } else {
        return Err(ParseError::NotTbt);
    };

    // Suffixes: /Add.2, /Corr.1, /Rev.1, /Suppl.1
    while s.get(j) == Some(&'/') && sym.suffixes.len() < 32 {
        let w0 = j + 1;
        let mut e = w0;
        while e < s.len() && s[e].is_ascii_uppercase() {
            e += 1;
        }
        let w: String = s[w0..e].iter().collect();
        let kind = match w.as_str() {
            "ADD" | "ADDENDUM" => SuffixKind::Add,
            "CORR" | "COR" | "CORRIGENDUM" => SuffixKind::Corr,
            "REV" | "REVISION" => SuffixKind::Rev,
            "SUPPL" | "SUP" | "SUPP" | "SUPPLEMENT" => SuffixKind::Suppl,
            _ if w.is_empty() => break,
            _ => return Err(ParseError::BadSuffix(w)),
        };
        let mut k = e;
        if matches!(s.get(k), Some('.' | ' ')) {
            k += 1;
        }
        let (n, e2) = digits(s, k);
        let n = n.ok_or_else(|| ParseError::BadSuffix(s[w0..e2.max(k)].iter().collect()))?;
        sym.suffixes.push(Suffix { kind, n });
        j = e2;
    }
    Ok((sym, j))
}

/// Parses one symbol. Accepts any letter case, blanks anywhere, full-width
/// characters and the legacy `G/TBT/Notif.97.323` form.
pub fn parse_symbol(s: &str) -> Result<Symbol, ParseError> {
    let chars = squeeze(s);
    let body: Vec<char> = {
        let mut v = chars;
        while matches!(v.last(), Some('.' | ',' | ';' | '。')) {
            v.pop();
        }
        v
    };
    if body.is_empty() {
        return Err(ParseError::Empty);
    }
    let (sym, end) = read_at(&body, 0)?;
    if end < body.len() {
        return Err(ParseError::TrailingText(body[end..].iter().collect()));
    }
    Ok(sym)
}

/// Finds every symbol in a cell or text, in order. Joint notifications may
/// abbreviate later symbols to `MEMBER/NUMBER`
/// (`G/TBT/N/ARE/123, BHR/456`); those are expanded.
pub fn find_symbols(text: &str) -> Vec<Symbol> {
    let s = squeeze(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let at_boundary = i == 0 || !s[i - 1].is_ascii_alphanumeric();
        if at_boundary
            && (s[i] == 'G' || s[i] == 'T' || s[i] == 'S')
            && let Ok((sym, end)) = read_at(&s, i)
        {
            let mut j = end;
            let (legacy, agreement) = (sym.legacy, sym.agreement);
            out.push(sym);
            // Abbreviated joint members: ", BHR/456"
            if !legacy {
                loop {
                    let mut k = j;
                    while k < s.len() && matches!(s[k], ',' | ';' | '、' | '&' | ' ') {
                        k += 1;
                    }
                    if k == j {
                        break;
                    }
                    let m0 = k;
                    while k < s.len() && s[k].is_ascii_uppercase() {
                        k += 1;
                    }
                    if !(2..=4).contains(&(k - m0)) || s.get(k) != Some(&'/') {
                        break;
                    }
                    let (n, e) = digits(&s, k + 1);
                    let (Some(n), true) = (
                        n,
                        s.get(e)
                            .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != '/'),
                    ) else {
                        break;
                    };
                    let member: String = s[m0..k].iter().collect();
                    out.push(Symbol {
                        agreement,
                        member,
                        number: n,
                        legacy: false,
                        year: None,
                        suffixes: vec![],
                    });
                    j = e;
                }
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        parse_symbol(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .to_string()
    }

    #[test]
    fn modern_symbols() {
        assert_eq!(p("G/TBT/N/USA/1436"), "G/TBT/N/USA/1436");
        assert_eq!(p("G/TBT/N/USA/1436/Add.2"), "G/TBT/N/USA/1436/Add.2");
        assert_eq!(
            p("G/TBT/N/EU/1001/Rev.1/Add.1"),
            "G/TBT/N/EU/1001/Rev.1/Add.1"
        );
        assert_eq!(p("G/TBT/N/BRA/1234/Corr.1"), "G/TBT/N/BRA/1234/Corr.1");
        assert_eq!(p("g/tbt/n/kor/987/add.1"), "G/TBT/N/KOR/987/Add.1");
        assert_eq!(
            p(" G / TBT / N / TPKM / 500 / Add. 3 "),
            "G/TBT/N/TPKM/500/Add.3"
        );
        assert_eq!(p("Ｇ／ＴＢＴ／Ｎ／ＣＨＮ／１６００"), "G/TBT/N/CHN/1600");
        assert_eq!(p("G/TBT/N/CHN/1600/Suppl.1"), "G/TBT/N/CHN/1600/Suppl.1");
        assert_eq!(p("G/TBT/N/USA/1436/Add2."), "G/TBT/N/USA/1436/Add.2");
        assert_eq!(p("G/TBT/N/USA/1436/Add 2"), "G/TBT/N/USA/1436/Add.2");
        assert!(parse_symbol("G/TBT/N/USA/14 36").is_err());
        let s = parse_symbol("G/TBT/N/EU/1001/Rev.1/Add.1").unwrap();
        assert_eq!(s.member, "EU");
        assert_eq!(s.number, 1001);
        assert!(!s.legacy);
        assert_eq!(
            s.suffixes,
            vec![
                Suffix {
                    kind: SuffixKind::Rev,
                    n: 1
                },
                Suffix {
                    kind: SuffixKind::Add,
                    n: 1
                }
            ]
        );
        assert_eq!(s.parent().unwrap().to_string(), "G/TBT/N/EU/1001/Rev.1");
        assert_eq!(s.root().to_string(), "G/TBT/N/EU/1001");
        assert_eq!(s.root().parent(), None);
    }

    #[test]
    fn sps_symbols() {
        let s = parse_symbol("G/SPS/N/CHN/1234").unwrap();
        assert_eq!((s.agreement, s.member.as_str(), s.number), (Agreement::Sps, "CHN", 1234));
        assert_eq!(s.to_string(), "G/SPS/N/CHN/1234");
        assert_eq!(p("g/sps/n/eu/780/add.1"), "G/SPS/N/EU/780/Add.1");
        assert_eq!(p("G/SPS/N/USA/3456/Corr.1"), "G/SPS/N/USA/3456/Corr.1");
        assert_eq!(p("G/SPS/N/BRA/2100/Rev.1"), "G/SPS/N/BRA/2100/Rev.1");
        assert_eq!(p(" G / SPS / N / JPN / 1200 / Rev. 1 / Add. 2 "), "G/SPS/N/JPN/1200/Rev.1/Add.2");
        assert_eq!(p("Ｇ／ＳＰＳ／Ｎ／ＣＨＮ／１２３４／Ａｄｄ．１"), "G/SPS/N/CHN/1234/Add.1");
        let r = parse_symbol("G/SPS/N/JPN/1200/Rev.1/Add.2/Corr.1").unwrap();
        assert_eq!(r.parent().unwrap().to_string(), "G/SPS/N/JPN/1200/Rev.1/Add.2");
        assert_eq!(r.root().to_string(), "G/SPS/N/JPN/1200");
        assert_eq!(r.root().agreement, Agreement::Sps);
        // The same member and number under the two agreements are two documents.
        assert_ne!(parse_symbol("G/SPS/N/USA/1").unwrap(), parse_symbol("G/TBT/N/USA/1").unwrap());
        let v: Vec<String> = find_symbols("G/SPS/N/ARE/123, BHR/456; G/TBT/N/USA/9 and G/SPS/N/EU/5/Add.1")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(v, ["G/SPS/N/ARE/123", "G/SPS/N/BHR/456", "G/TBT/N/USA/9", "G/SPS/N/EU/5/Add.1"]);
        assert_eq!(Agreement::parse("SPS"), Some(Agreement::Sps));
        assert_eq!(Agreement::parse("x"), None);
    }

    /// The fuzz target's properties (fuzz/fuzz_targets/wto_symbol.rs) on its seeds, so the
    /// ordinary suite runs them too.
    #[test]
    fn fuzz_seeds_keep_the_properties() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds/wto_symbol");
        let mut parsed = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let s = std::fs::read_to_string(e.unwrap().path()).unwrap();
            if let Ok(sym) = parse_symbol(&s) {
                parsed += 1;
                let text = sym.to_string();
                assert_eq!(parse_symbol(&text).as_ref(), Ok(&sym));
                if let Some(p) = sym.parent() {
                    assert_eq!(p.agreement, sym.agreement);
                }
                assert_eq!(sym.root().agreement, sym.agreement);
                assert_eq!(find_symbols(&format!("see {text}.")).first(), Some(&sym), "{text}");
            }
            let _ = find_symbols(&s);
        }
        assert!(parsed >= 10, "{parsed} seeds parse");
    }

    #[test]
    fn legacy_symbols() {
        let s = parse_symbol("G/TBT/Notif.97.323").unwrap();
        assert!(s.legacy);
        assert_eq!((s.member.as_str(), s.number, s.year), ("", 323, Some(1997)));
        assert_eq!(s.to_string(), "G/TBT/Notif.97.323");
        assert_eq!(p("g/tbt/notif. 99.12/Add.1"), "G/TBT/Notif.99.12/Add.1");
    }

    #[test]
    fn errors() {
        assert_eq!(parse_symbol(""), Err(ParseError::Empty));
        assert_eq!(parse_symbol("G/SCM/N/USA/1"), Err(ParseError::NotTbt));
        assert!(parse_symbol("G/SPS/Notif.97.1").is_err(), "SPS has no legacy Notif. series");
        assert_eq!(parse_symbol("G/TBT/N/U/1"), Err(ParseError::BadMember));
        assert_eq!(parse_symbol("G/TBT/N/USA/"), Err(ParseError::BadNumber));
        assert!(matches!(
            parse_symbol("G/TBT/N/USA/1/Foo.1"),
            Err(ParseError::BadSuffix(_))
        ));
        assert!(matches!(
            parse_symbol("G/TBT/N/USA/1 x"),
            Err(ParseError::TrailingText(_))
        ));
    }

    #[test]
    fn several_in_one_cell() {
        let v: Vec<String> = find_symbols("G/TBT/N/ARE/123, G/TBT/N/BHR/456；G/TBT/N/KWT/7/Add.1")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            v,
            ["G/TBT/N/ARE/123", "G/TBT/N/BHR/456", "G/TBT/N/KWT/7/Add.1"]
        );
        let v: Vec<String> = find_symbols("G/TBT/N/ARE/123, BHR/456, KWT/789")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(v, ["G/TBT/N/ARE/123", "G/TBT/N/BHR/456", "G/TBT/N/KWT/789"]);
        assert!(find_symbols("nothing here, USA/12").is_empty());
        assert_eq!(
            find_symbols("see G/TBT/Notif.97.323 and G/TBT/N/USA/1").len(),
            2
        );
        assert_eq!(find_symbols("通报G/TBT/N/USA/1436 2020年")[0].number, 1436);
    }
}
