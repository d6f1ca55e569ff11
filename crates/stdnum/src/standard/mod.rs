//! Standard numbers: Chinese national, industry, local, group and enterprise
//! standards as well as ISO, IEC, ITU and other foreign standards.
//!
//! * [`parse`] reads exactly one number (with lenient spelling),
//! * [`find_all`] picks numbers out of free text,
//! * [`parse_adoption`] reads "adopted from" cells such as `IEC 62368-1:2018 MOD`.

mod adoption;
mod find;
mod grammar;
mod prefix;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod typed_tests;

use std::fmt;

pub use adoption::{Degree, parse_adoption};
pub use find::{Found, find_all};

/// The family a standard belongs to, derived from its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `GB`: mandatory national standard.
    NationalMandatory,
    /// `GB/T`: recommended national standard.
    NationalRecommended,
    /// `GB/Z`: national guidance technical document.
    NationalGuidance,
    /// Chinese industry (sector) standards: `JB/T`, `HG/T`, `YY`, …
    Industry,
    /// Chinese local standards: `DB44`, `DB44/T`, `DB4401/T`.
    Local,
    /// Chinese group (association) standards: `T/XXX`.
    Group,
    /// Chinese enterprise standards: `Q/XXX`.
    Enterprise,
    /// ISO standards and ISO deliverables (`ISO/TS`, `ISO/DIS`, …).
    Iso,
    /// IEC standards (`IEC`, `IEC TS`, `CISPR`, …).
    Iec,
    /// Joint ISO/IEC standards.
    IsoIec,
    /// ITU recommendations (`ITU-T`, `ITU-R`).
    Itu,
    /// Other national or regional bodies: EN, BS, DIN, ANSI, ASTM, JIS, …
    Foreign,
    /// A prefix that was not recognised.
    Unknown,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 13] = [
        Kind::NationalMandatory,
        Kind::NationalRecommended,
        Kind::NationalGuidance,
        Kind::Industry,
        Kind::Local,
        Kind::Group,
        Kind::Enterprise,
        Kind::Iso,
        Kind::Iec,
        Kind::IsoIec,
        Kind::Itu,
        Kind::Foreign,
        Kind::Unknown,
    ];

    /// Stable snake_case code, suitable for storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NationalMandatory => "national_mandatory",
            Kind::NationalRecommended => "national_recommended",
            Kind::NationalGuidance => "national_guidance",
            Kind::Industry => "industry",
            Kind::Local => "local",
            Kind::Group => "group",
            Kind::Enterprise => "enterprise",
            Kind::Iso => "iso",
            Kind::Iec => "iec",
            Kind::IsoIec => "iso_iec",
            Kind::Itu => "itu",
            Kind::Foreign => "foreign",
            Kind::Unknown => "unknown",
        }
    }

    /// Inverse of [`Kind::as_str`].
    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Kind::NationalMandatory => "强制性国家标准",
            Kind::NationalRecommended => "推荐性国家标准",
            Kind::NationalGuidance => "国家标准化指导性技术文件",
            Kind::Industry => "行业标准",
            Kind::Local => "地方标准",
            Kind::Group => "团体标准",
            Kind::Enterprise => "企业标准",
            Kind::Iso => "ISO标准",
            Kind::Iec => "IEC标准",
            Kind::IsoIec => "ISO/IEC联合标准",
            Kind::Itu => "ITU建议书",
            Kind::Foreign => "国外标准",
            Kind::Unknown => "未识别",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Kind::NationalMandatory => "Mandatory national standard",
            Kind::NationalRecommended => "Recommended national standard",
            Kind::NationalGuidance => "National guidance document",
            Kind::Industry => "Industry standard",
            Kind::Local => "Local standard",
            Kind::Group => "Group standard",
            Kind::Enterprise => "Enterprise standard",
            Kind::Iso => "ISO standard",
            Kind::Iec => "IEC standard",
            Kind::IsoIec => "Joint ISO/IEC standard",
            Kind::Itu => "ITU recommendation",
            Kind::Foreign => "Foreign standard",
            Kind::Unknown => "Unrecognised",
        }
    }

    /// True for the Chinese families (national, industry, local, group,
    /// enterprise).
    pub fn is_chinese(self) -> bool {
        matches!(
            self,
            Kind::NationalMandatory
                | Kind::NationalRecommended
                | Kind::NationalGuidance
                | Kind::Industry
                | Kind::Local
                | Kind::Group
                | Kind::Enterprise
        )
    }

    /// True for ISO, IEC, ISO/IEC and ITU.
    pub fn is_international(self) -> bool {
        matches!(self, Kind::Iso | Kind::Iec | Kind::IsoIec | Kind::Itu)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Remarks about how a number was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    /// The prefix is not a known one; the number was kept anyway.
    UnknownPrefix,
    /// No year (edition) was given.
    NoYear,
    /// The year was written with two digits and expanded (`85` → 1985).
    TwoDigitYear,
    /// The year was separated the "wrong" way for this family, e.g.
    /// `ISO 9001-2015` or `GB/T 19001:2016`.
    NonStandardSeparator,
    /// The slash of the prefix was left out (`GBT 19001`, `JBT 1234`).
    MissingSlash,
    /// An equivalent standard followed after a slash
    /// (`GB/T 19001-2016/ISO 9001:2015`); only the first one is returned
    /// here, [`find_all`] yields both.
    DualNumber,
}

/// A parsed standard number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StdNumber {
    /// Canonical prefix: `GB/T`, `ISO/IEC`, `DB4401/T`, `T/GZAEPI`, `IEC TS`, …
    pub prefix: String,
    pub kind: Kind,
    /// The number proper, without year: `19001`, `1.1`, `60335-1`, `X.509`.
    pub number: String,
    /// Four-digit year of the edition, when given.
    pub year: Option<u16>,
    /// Amendments in canonical form: `AMD1:2023`, `COR1:2010`, `A11:2014`,
    /// `XG1-2015` (Chinese 修改单).
    pub amendments: Vec<String>,
    pub flags: Vec<Flag>,
}

/// How the year is attached to the number in canonical form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum YearStyle {
    /// `GB/T 19001-2016`
    Chinese,
    /// `ISO 9001:2015`
    Colon,
    /// `IEEE 802.3-2018`
    Dash,
    /// `ASTM D1234-20`
    DashShort,
}

pub(crate) fn year_style(prefix: &str, kind: Kind) -> YearStyle {
    match kind {
        Kind::Iso | Kind::Iec | Kind::IsoIec | Kind::Itu => YearStyle::Colon,
        Kind::Foreign => {
            let first = prefix.split(['/', ' ']).next().unwrap_or_default();
            match first {
                "ASTM" => YearStyle::DashShort,
                "ANSI" | "IEEE" | "UL" | "NFPA" | "ASME" | "SAE" | "API" | "AWS" | "NEMA"
                | "IPC" | "JEDEC" | "ASHRAE" | "AATCC" | "TAPPI" | "CSA" | "CAN" => YearStyle::Dash,
                _ => YearStyle::Colon,
            }
        }
        _ => YearStyle::Chinese,
    }
}

impl StdNumber {
    /// Canonical spelling including year and amendments:
    /// `GB/T 19001-2016`, `ISO/IEC 27001:2022`, `IEC 60335-1:2020+AMD1:2023`.
    pub fn normalized(&self) -> String {
        let mut out = self.base();
        let style = year_style(&self.prefix, self.kind);
        if let Some(y) = self.year {
            match style {
                YearStyle::Chinese | YearStyle::Dash => {
                    out.push('-');
                    out.push_str(&y.to_string());
                }
                YearStyle::DashShort => {
                    out.push_str(&format!("-{:02}", y % 100));
                }
                YearStyle::Colon => {
                    out.push(':');
                    out.push_str(&y.to_string());
                }
            }
        }
        let joiner = if style == YearStyle::Chinese {
            '/'
        } else {
            '+'
        };
        for a in &self.amendments {
            out.push(joiner);
            out.push_str(a);
        }
        out
    }

    /// The number without year or amendments (`GB/T 19001`, `IEC 60335-1`);
    /// all editions of one standard share it.
    pub fn base(&self) -> String {
        let mut out = String::with_capacity(self.prefix.len() + self.number.len() + 1);
        out.push_str(&self.prefix);
        out.push(' ');
        out.push_str(&self.number);
        out
    }

    /// The base number with the co-publishers of a joint document left out, so that a
    /// joint document cited under its first body alone is found: `ISO/IEC 27002` and
    /// `ISO 27002` both give `ISO 27002`, `ISO/IEC TR 27019` and `ISO/TR 27019` give
    /// `ISO TR 27019`, `IEC/IEEE 60255-118-1` gives `IEC 60255-118-1`. Outside ISO and
    /// IEC it is [`StdNumber::base`]. Compare keys with keys only.
    pub fn base_key(&self) -> String {
        base_key(&self.prefix, self.kind, &self.number)
    }

    /// The other bodies of a joint document, in the order written (`IEC`, `IEEE` for
    /// `ISO/IEC/IEEE`); empty for a document of one body.
    pub fn co_publishers(&self) -> Vec<&str> {
        if !matches!(self.kind, Kind::Iso | Kind::Iec | Kind::IsoIec) {
            return Vec::new();
        }
        co_publishers_of(&self.prefix).collect()
    }

    /// True when the given flag is set.
    pub fn has_flag(&self, flag: Flag) -> bool {
        self.flags.contains(&flag)
    }
}

impl fmt::Display for StdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized())
    }
}

fn co_publishers_of(prefix: &str) -> impl Iterator<Item = &str> {
    let intl = prefix.starts_with("ISO") || prefix.starts_with("IEC");
    prefix
        .split(['/', ' '])
        .skip(1)
        .filter(move |t| intl && prefix::CO_PUBLISHERS.contains(t))
}

/// True when a canonical ISO or IEC prefix names more than one body (`ISO/IEC`,
/// `IEC/IEEE`, `ISO/ASTM DIS`), i.e. the document is a joint one.
pub fn is_joint_prefix(prefix: &str) -> bool {
    co_publishers_of(prefix).next().is_some()
}

/// [`StdNumber::base_key`] from the stored parts of a number (canonical prefix, kind and
/// number proper), for records read back from a database.
pub fn base_key(prefix: &str, kind: Kind, number: &str) -> String {
    let mut out = String::with_capacity(prefix.len() + number.len() + 1);
    if matches!(kind, Kind::Iso | Kind::Iec | Kind::IsoIec) {
        let mut toks = prefix.split(['/', ' ']).filter(|t| !t.is_empty());
        out.push_str(toks.next().unwrap_or_default());
        for t in toks.filter(|t| !prefix::CO_PUBLISHERS.contains(t)) {
            out.push(' ');
            out.push_str(t);
        }
        out.make_ascii_uppercase();
    } else {
        out.push_str(prefix);
    }
    out.push(' ');
    out.push_str(number);
    out
}

/// Why a string could not be read as a standard number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the input is empty")]
    Empty,
    #[error("`{0}` does not start with a standard prefix such as GB/T or ISO")]
    NoPrefix(String),
    #[error("the prefix `{0}` is not followed by a number")]
    NoNumber(String),
    #[error("unexpected text `{rest}` after the standard number `{parsed}`")]
    TrailingText { parsed: String, rest: String },
}

/// Parses exactly one standard number.
///
/// Spelling is forgiving: full-width characters, any dash, missing or extra
/// blanks and lower case are all accepted. Trailing punctuation such as a
/// full stop or a closing bracket is ignored; any other trailing text is an
/// error (use [`find_all`] for free text).
pub fn parse(s: &str) -> Result<StdNumber, ParseError> {
    let chars = crate::text::nchars(s);
    let start = match chars.iter().position(|n| !" ([{《【“\"'<".contains(n.c)) {
        Some(i) => i,
        None => return Err(ParseError::Empty),
    };
    let (mut num, mut end) = grammar::parse_at(&chars, start).map_err(|f| match f {
        grammar::Failure::NoPrefix => ParseError::NoPrefix(crate::text::normalize(s)),
        grammar::Failure::NoNumber(p) => ParseError::NoNumber(p),
    })?;
    // `GB/T 19001-2016/ISO 9001:2015`: accept a second, equivalent number.
    let k = chars[end..]
        .iter()
        .position(|n| n.c != ' ')
        .map(|k| end + k);
    if let Some(k) = k.filter(|&k| chars[k].c == '/') {
        let k2 = chars[k + 1..]
            .iter()
            .position(|n| n.c != ' ')
            .map_or(chars.len(), |x| k + 1 + x);
        if let Ok((_, e2)) = grammar::parse_at(&chars, k2) {
            num.flags.push(Flag::DualNumber);
            end = e2;
        }
    }
    let only_punct = chars[end..]
        .iter()
        .all(|n| n.c == ' ' || ".;,)]。；，、》>\"'".contains(n.c));
    if !only_punct {
        let rest = chars.get(end).map_or("", |n| &s[n.start..]);
        return Err(ParseError::TrailingText {
            parsed: num.normalized(),
            rest: rest.trim().to_string(),
        });
    }
    Ok(num)
}

impl std::str::FromStr for StdNumber {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}
