//! Types and rules of the standards catalogue (no I/O): statuses, the record as imported,
//! the code lists (ICS, CCS) and how column headers and catalogue stages are read.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::sync::LazyLock;
use stdnum::standard::{self, Kind};

/// Status of a standard, as stored and as written in JSON.
pub const STATUSES: [&str; 5] = ["in_force", "upcoming", "withdrawn", "replaced", "developing"];

/// A standard as a search result lists it. Stored with the record's search document (as its
/// payload), so a result page is read from the index alone.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SearchItem {
    pub number: String,
    pub title_zh: String,
    pub title_en: String,
    pub status: String,
    pub kind: String,
    pub ics: Vec<String>,
    pub published: Option<String>,
    pub implemented: Option<String>,
    /// Escaped HTML with matches in <b>; null when no title line matched.
    pub title_snippet: Option<String>,
    /// How many other records of the same document this hit stands for (earlier editions,
    /// upcoming editions, drafts, amendments and corrigenda); 0 when it folds none.
    #[serde(default)]
    pub folded_count: usize,
    /// What the hit folds, by kind.
    #[serde(default)]
    pub folded: super::ranking::Folded,
}

impl SearchItem {
    pub fn of(r: &Record) -> SearchItem {
        SearchItem {
            number: r.norm.clone(),
            title_zh: r.title_zh.clone(),
            title_en: r.title_en.clone(),
            status: r.status.clone(),
            kind: r.kind.clone(),
            ics: r.ics.split_whitespace().map(str::to_string).collect(),
            published: r.published_at.map(crate::util::fmt_date),
            implemented: r.implemented_at.map(crate::util::fmt_date),
            title_snippet: None,
            folded_count: 0,
            folded: Default::default(),
        }
    }
}

/// Reads a status cell in Chinese or English (`现行`, `即将实施`, `废止`, `被代替`, `Active` …).
/// `None` for an unknown word; `Some("")` for an empty cell.
pub fn parse_status(s: &str) -> Option<&'static str> {
    let t = stdnum::text::normalize(s).trim().to_lowercase();
    let t = t.as_str();
    if t.is_empty() {
        return Some("");
    }
    if STATUSES.contains(&t) {
        return STATUSES.iter().find(|x| **x == t).copied();
    }
    Some(match t {
        "现行" | "现行有效" | "有效" | "active" | "in force" | "current" | "valid" | "published" => "in_force",
        "即将实施" | "尚未实施" | "upcoming" | "to be implemented" | "not yet in force" => "upcoming",
        "废止" | "已废止" | "作废" | "withdrawn" | "abolished" | "annulled" | "obsolete" => "withdrawn",
        "被代替" | "已被代替" | "被替代" | "replaced" | "superseded" | "revised" => "replaced",
        "制定中" | "修订中" | "在研" | "征求意见" | "征求意见稿" | "报批稿" | "草案" | "draft" | "developing"
        | "under development" => "developing",
        _ => return None,
    })
}

/// ISO harmonized stage code to status (60.60 and 90.xx in force, 95.99 withdrawn, below 60
/// and 60.00 under development). IEC writes PUBLISHED/REVISED/REPLACED/WITHDRAWN.
pub fn status_from_stage(stage: Option<&str>, substage: Option<&str>) -> &'static str {
    let Some(stage) = stage.map(str::trim).filter(|s| !s.is_empty()) else { return "" };
    match stage.to_ascii_uppercase().as_str() {
        "PUBLISHED" | "CONFIRMED" => return "in_force",
        "REVISED" | "REPLACED" => return "replaced",
        "WITHDRAWN" => return "withdrawn",
        "PREPARING" | "DRAFT" | "PROPOSAL" => return "developing",
        _ => {}
    }
    let (major, minor) = match stage.split_once('.') {
        Some((a, b)) => (a.to_string(), b.to_string()),
        None => (stage.to_string(), substage.unwrap_or("").trim().to_string()),
    };
    let major: u32 = major.parse().unwrap_or(0);
    let minor: u32 = minor.parse().unwrap_or(0);
    match major {
        0..=59 => "developing",
        60 if minor < 60 => "developing",
        60..=94 => "in_force",
        95 if minor >= 99 => "withdrawn",
        95 => "in_force",
        _ => "",
    }
}

/// Order used when two catalogues disagree about a joint document: later life stages win.
pub fn status_rank(s: &str) -> u8 {
    match s {
        "replaced" => 5,
        "withdrawn" => 4,
        "in_force" => 3,
        "upcoming" => 2,
        "developing" => 1,
        _ => 0,
    }
}

/// A standard as read from a file (one row), before it is stored; also as read back from
/// `standards` (the columns of `store::COLS`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, sqlx::FromRow)]
pub struct Record {
    pub number: String,
    pub norm: String,
    pub base: String,
    pub kind: String,
    pub prefix: String,
    pub part: String,
    pub year: Option<i64>,
    /// Stored as 0/1 (read by `store::record_from_row`).
    #[sqlx(skip)]
    pub is_amendment: bool,
    pub title_zh: String,
    pub title_en: String,
    pub title_fr: String,
    pub status: String,
    pub published_at: Option<i64>,
    pub implemented_at: Option<i64>,
    pub withdrawn_at: Option<i64>,
    /// ICS codes, space separated.
    pub ics: String,
    pub ccs: String,
    pub competent_dept: String,
    pub committee: String,
    pub issuer: String,
    pub drafting_orgs: String,
    pub drafters: String,
    /// Disclosed patents, "; "-separated, as declared.
    pub patents: String,
    pub scope: String,
    pub remark: String,
    pub fulltext_url: String,
    pub source: String,
    pub flags: String,
}

/// One parsed row.
pub struct Row {
    pub line: usize,
    /// Boxed: an import moves its rows several times (pieces joined, files joined,
    /// duplicates merged, sorted by document), a pointer rather than the whole record.
    pub record: Box<Record>,
    pub relations: Vec<Relation>,
    /// The document the record belongs to ([`super::ranking::family`]), worked out where
    /// the row is read: on the threads that parse an import's file, not after them.
    pub family: String,
}

/// A relation read with a record: `replaces` (this record replaces `to`), `replaced_by`
/// (turned around when stored) and `adopts`.
#[derive(Debug, Clone, PartialEq)]
pub struct Relation {
    pub from: String,
    pub to: String,
    pub kind: &'static str,
    pub degree: String,
}

fn catalogue(src: &str) -> bool {
    src.starts_with("relaton:")
}

/// What a stored record becomes when `new` is imported over it. Filled cells overwrite;
/// empty cells never erase. A joint ISO/IEC document seen in the other catalogue only fills
/// gaps, and the later life stage wins, so the order of the two imports does not matter.
pub fn merge(old: Option<&Record>, new: &Record) -> Record {
    let Some(old) = old else { return new.clone() };
    let joint = catalogue(&old.source) && catalogue(&new.source) && old.source != new.source;
    let mut m = old.clone();
    macro_rules! take {
        ($($f:ident),*) => {$(
            if joint { if m.$f.is_empty() { m.$f = new.$f.clone(); } }
            else if !new.$f.is_empty() { m.$f = new.$f.clone(); }
        )*};
    }
    take!(number, title_zh, title_en, title_fr, ics, ccs, competent_dept, committee, issuer, drafting_orgs, drafters, patents, scope, remark, fulltext_url, flags);
    macro_rules! take_opt {
        ($($f:ident),*) => {$(
            if joint { if m.$f.is_none() { m.$f = new.$f; } }
            else if new.$f.is_some() { m.$f = new.$f; }
        )*};
    }
    take_opt!(published_at, implemented_at, withdrawn_at);
    if joint {
        if status_rank(&new.status) > status_rank(&m.status) {
            m.status = new.status.clone();
        }
        if !m.source.contains(&new.source) && !new.source.contains(&m.source) {
            let mut parts: Vec<&str> = m.source.split(' ').chain(new.source.split(' ')).collect();
            parts.sort_unstable();
            parts.dedup();
            m.source = parts.join(" ");
        }
    } else {
        if !new.status.is_empty() {
            m.status = new.status.clone();
        }
        if !catalogue(&m.source) || !catalogue(&new.source) {
            m.source = new.source.clone();
        }
    }
    m
}

/// The identity of a number: canonical spelling, base, kind, prefix, part, year, amendment.
pub struct Ident {
    pub norm: String,
    pub base: String,
    pub kind: Kind,
    pub prefix: String,
    pub part: String,
    pub year: Option<u16>,
    pub is_amendment: bool,
    pub unknown_prefix: bool,
}

/// Suffixes of IEC versions of a published document: consolidated with its amendments,
/// redline, commented, extended.
pub const VERSION_MARKS: [&str; 6] = ["EXV-CMV", "EXV-RLV", "CSV", "RLV", "CMV", "EXV"];

/// Reads a standard number; numbers the grammar cannot read whole are kept under their
/// squeezed spelling (kind `unknown`) rather than dropped.
pub fn ident(raw: &str) -> Option<Ident> {
    let squeezed: String = stdnum::text::normalize(raw).split_whitespace().collect::<Vec<_>>().join(" ");
    if squeezed.is_empty() {
        return None;
    }
    match standard::parse(&squeezed) {
        Ok(n) => Some(Ident {
            norm: n.normalized(),
            base: n.base(),
            kind: n.kind,
            prefix: n.prefix.clone(),
            part: n.number.clone(),
            year: n.year,
            is_amendment: !n.amendments.is_empty(),
            unknown_prefix: n.has_flag(standard::Flag::UnknownPrefix),
        }),
        Err(_) => {
            let upper = squeezed.to_uppercase();
            // A consolidated, redline, commented or extended version (`IEC 62115:2017+AMD1:2025
            // CSV`, `IEC 62911:2025 RLV`): an amendment-like record of the document it starts
            // with.
            let head = upper.split('+').next().unwrap_or(&upper);
            let head = VERSION_MARKS.iter().fold(head.trim(), |h, m| h.strip_suffix(m).map(str::trim_end).unwrap_or(h));
            if head.len() < upper.len()
                && let Ok(n) = standard::parse(head)
            {
                return Some(Ident {
                    norm: upper.clone(),
                    base: n.base(),
                    kind: n.kind,
                    prefix: n.prefix.clone(),
                    part: n.number.clone(),
                    year: n.year,
                    is_amendment: true,
                    unknown_prefix: n.has_flag(standard::Flag::UnknownPrefix),
                });
            }
            let base = match upper.rsplit_once(':') {
                Some((b, y)) if y.len() == 4 && y.bytes().all(|c| c.is_ascii_digit()) => b.to_string(),
                _ => upper.clone(),
            };
            Some(Ident {
                norm: upper,
                base,
                kind: Kind::Unknown,
                prefix: String::new(),
                part: String::new(),
                year: None,
                is_amendment: false,
                unknown_prefix: true,
            })
        }
    }
}

/// A local calendar date (Asia/Shanghai midnight) as Unix seconds.
pub fn date_ts(y: i32, m: u8, d: u8) -> i64 {
    stdnum::date::days_from_civil(y, m, d) * 86_400 - 8 * 3600
}

/// Parses a date cell; a bare year is read as 1 January. `Ok(None)` for an empty cell.
pub fn parse_date_cell(s: &str) -> Result<Option<i64>, stdnum::date::DateError> {
    let t = s.trim();
    if t.is_empty() || t == "-" || t == "—" || t == "/" {
        return Ok(None);
    }
    if t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit()) {
        let y: i32 = t.parse().unwrap_or(0);
        return Ok(Some(date_ts(y, 1, 1)));
    }
    match stdnum::date::parse_date(t) {
        Ok((y, m, d)) => Ok(Some(date_ts(y, m, d))),
        Err(e) => Err(e),
    }
}

/// The fields a column header can stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Number,
    TitleZh,
    TitleEn,
    TitleFr,
    Status,
    Published,
    Implemented,
    Withdrawn,
    Ics,
    Ccs,
    Replaces,
    ReplacedBy,
    Adopts,
    CompetentDept,
    Committee,
    Issuer,
    DraftingOrgs,
    Drafters,
    Patents,
    Scope,
    Remark,
    FulltextUrl,
}

/// Matches a column header (English or Chinese, any case, blanks ignored).
pub fn header_field(h: &str) -> Option<Field> {
    let k: String = stdnum::text::normalize(h).to_lowercase().chars().filter(|c| !c.is_whitespace() && *c != '_' && *c != '-').collect();
    let k = k.trim_start_matches('\u{feff}');
    Some(match k {
        "标准号" | "标准编号" | "标准代号" | "number" | "code" | "standard" | "standardnumber" | "stdno" | "docid" => Field::Number,
        "中文标准名称" | "标准名称" | "中文名称" | "名称" | "titlezh" | "title" | "chinesetitle" => Field::TitleZh,
        "英文标准名称" | "英文名称" | "titleen" | "englishtitle" => Field::TitleEn,
        "法文名称" | "titlefr" | "frenchtitle" => Field::TitleFr,
        "标准状态" | "状态" | "status" => Field::Status,
        "发布日期" | "发布时间" | "published" | "publicationdate" | "publishdate" => Field::Published,
        "实施日期" | "实施时间" | "implemented" | "implementationdate" | "effectivedate" => Field::Implemented,
        "废止日期" | "作废日期" | "withdrawn" | "withdrawaldate" => Field::Withdrawn,
        "ics" | "ics号" | "ics分类" | "国际标准分类号" | "icscodes" => Field::Ics,
        "ccs" | "中国标准分类号" | "中标分类号" | "中标分类" | "ccs/中国标准分类号" | "ccscode" => Field::Ccs,
        "代替标准" | "替代标准" | "代替" | "replaces" => Field::Replaces,
        "被代替标准" | "被替代标准" | "replacedby" => Field::ReplacedBy,
        "采用国际标准" | "采标情况" | "采用标准" | "adopts" | "adoption" => Field::Adopts,
        "主管部门" | "competentdept" | "competentdepartment" => Field::CompetentDept,
        "归口单位" | "归口部门" | "技术归口" | "committee" | "tc" | "tcdept" | "responsiblecommittee" => Field::Committee,
        "发布单位" | "发布部门" | "issuer" => Field::Issuer,
        "起草单位" | "draftingorgs" | "draftingorganisations" | "draftingorganizations" => Field::DraftingOrgs,
        "起草人" | "drafters" => Field::Drafters,
        "涉及专利" | "专利" | "专利信息" | "必要专利" | "披露专利" | "patents" | "patent" | "disclosedpatents" => Field::Patents,
        "适用范围" | "范围" | "scope" => Field::Scope,
        "备注" | "remark" | "remarks" | "note" | "notes" => Field::Remark,
        "全文链接" | "全文" | "fulltext" | "fulltexturl" | "link" | "url" | "src" => Field::FulltextUrl,
        _ => return None,
    })
}

fn load_codes(csv_text: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    let mut rd = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(csv_text.trim_start_matches('\u{feff}').as_bytes());
    for r in rd.records().flatten() {
        if let Some(c) = r.get(0) {
            out.insert(c.trim().to_string());
        }
    }
    out
}

// Code lists shipped with the project. ICS: ISO Open Data (ics.csv); CCS (中国标准文献分类):
// metanorma/cnccs, BSD-2 (ccs_level1..3.csv). Copied from the shared data folder.
static ICS: LazyLock<HashSet<String>> = LazyLock::new(|| load_codes(include_str!("../../seed/ics.csv")));
static CCS: LazyLock<HashSet<String>> = LazyLock::new(|| load_codes(include_str!("../../seed/ccs_level3.csv")));

/// True when the ICS code (2, 2-3 or 2-3-2 digits) is in the published list.
pub fn ics_known(code: &str) -> bool {
    ICS.contains(code)
}

/// True when the CCS code (`A00`, `X87`) is in the published list.
pub fn ccs_known(code: &str) -> bool {
    CCS.contains(code)
}

/// Normalises a CCS cell piece: `a 00` → `A00`.
pub fn norm_ccs(s: &str) -> String {
    stdnum::text::normalize(s).chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase()
}

/// Numbers named in a remark after 代替/替代/replaces: `2005-03-01实施,代替GB/T 5606.1-1996`.
pub fn replaced_in_remark(remark: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["代替", "替代", "replaces", "Replaces", "supersedes"] {
        let mut rest = remark;
        while let Some(p) = rest.find(marker) {
            let after = &rest[p + marker.len()..];
            // The list runs to the end of the clause.
            let end = after.find(['。', '\n']).unwrap_or(after.len());
            for f in standard::find_all(&after[..end]) {
                let n = f.number.normalized();
                if !out.contains(&n) {
                    out.push(n);
                }
            }
            rest = &after[end..];
        }
    }
    // "被…代替" means the opposite; those are not ours to claim.
    if remark.contains('被') {
        out.retain(|n| !remark.contains(&format!("被{n}")));
    }
    out
}

/// A status label for the visitor's language.
pub fn status_key(s: &str) -> String {
    if s.is_empty() { "standards.status_unknown".into() } else { format!("standards.status_{s}") }
}

/// Splits an ICS list into valid and unknown codes.
pub fn split_ics(cell: &str) -> (Vec<String>, Vec<String>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for piece in stdnum::cell::split_multi(cell) {
        for part in piece.split_whitespace() {
            let p = part.trim_start_matches("ICS").trim_start_matches(':').trim();
            if p.is_empty() {
                continue;
            }
            match stdnum::cell::classify_code(&format!("ICS {p}")) {
                Some(stdnum::cell::Code::Ics(c)) if ics_known(&c) => {
                    if !ok.contains(&c) {
                        ok.push(c)
                    }
                }
                _ => bad.push(p.to_string()),
            }
        }
    }
    (ok, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(parse_status("现行"), Some("in_force"));
        assert_eq!(parse_status(" Active "), Some("in_force"));
        assert_eq!(parse_status("被代替"), Some("replaced"));
        assert_eq!(parse_status("foo"), None);
        assert_eq!(status_from_stage(Some("90"), Some("93")), "in_force");
        assert_eq!(status_from_stage(Some("95"), Some("99")), "withdrawn");
        assert_eq!(status_from_stage(Some("40"), Some("20")), "developing");
        assert_eq!(status_from_stage(Some("60"), Some("00")), "developing");
        assert_eq!(status_from_stage(Some("60"), Some("60")), "in_force");
        assert_eq!(status_from_stage(Some("REVISED"), None), "replaced");
    }

    #[test]
    fn codes_and_remarks() {
        assert!(ics_known("65.160"));
        assert!(!ics_known("99.999"));
        assert!(ccs_known("A00"));
        assert_eq!(replaced_in_remark("2005-03-01实施,代替GB/T 5606.1-1996"), vec!["GB/T 5606.1-1996"]);
        let (ok, bad) = split_ics("65.160; 01.120、99.999");
        assert_eq!(ok, vec!["65.160", "01.120"]);
        assert_eq!(bad, vec!["99.999"]);
        assert_eq!(parse_date_cell("2015年6月1日").unwrap(), Some(date_ts(2015, 6, 1)));
        assert!(parse_date_cell("2015-13-45").is_err());
        assert_eq!(header_field("中文标准名称"), Some(Field::TitleZh));
        assert_eq!(header_field("CCS/中国标准分类号"), Some(Field::Ccs));
    }
}
