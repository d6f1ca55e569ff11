//! The code lists notifications are classified by: the Harmonized System 2022 (chapters,
//! headings, subheadings, with sections) and the ICS. Shipped in `seed/` (sources named
//! in docs/tbt.md) and read once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

pub struct HsEntry {
    pub code: String,
    pub description: String,
    pub parent: String,
    pub section: String,
}

pub struct Hs {
    pub entries: HashMap<String, HsEntry>,
    /// Children of a code (chapters under a section code like "XVI", headings under a
    /// chapter…), in code order.
    pub children: HashMap<String, Vec<String>>,
    /// Section → name.
    pub sections: BTreeMap<String, String>,
    /// Section codes in order (I..XXI).
    pub section_order: Vec<String>,
}

fn roman(s: &str) -> u32 {
    let v = |c| match c {
        'I' => 1,
        'V' => 5,
        'X' => 10,
        'L' => 50,
        _ => 0,
    };
    let cs: Vec<u32> = s.chars().map(v).collect();
    let mut n = 0i64;
    for i in 0..cs.len() {
        let x = cs[i] as i64;
        if i + 1 < cs.len() && (cs[i + 1] as i64) > x {
            n -= x;
        } else {
            n += x;
        }
    }
    n.max(0) as u32
}

pub static HS: LazyLock<Hs> = LazyLock::new(|| {
    let mut entries = HashMap::new();
    let mut children: HashMap<String, Vec<String>> = HashMap::new();
    let mut r = csv::Reader::from_reader(include_str!("../../seed/hs2022.csv").as_bytes());
    for rec in r.records().flatten() {
        let (Some(section), Some(code), Some(desc), Some(parent)) = (rec.get(0), rec.get(1), rec.get(2), rec.get(3)) else {
            continue;
        };
        if section == "TOTAL" || !code.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let parent_key = if parent == "TOTAL" { section.to_string() } else { parent.to_string() };
        children.entry(parent_key.clone()).or_default().push(code.to_string());
        entries.insert(
            code.to_string(),
            HsEntry {
                code: code.to_string(),
                description: desc.to_string(),
                parent: parent_key,
                section: section.to_string(),
            },
        );
    }
    for v in children.values_mut() {
        v.sort();
    }
    let mut sections = BTreeMap::new();
    let text = include_str!("../../seed/hs2022_sections.csv").trim_start_matches('\u{feff}');
    let mut r = csv::Reader::from_reader(text.as_bytes());
    for rec in r.records().flatten() {
        if let (Some(s), Some(n)) = (rec.get(0), rec.get(1)) {
            sections.insert(s.to_string(), n.to_string());
        }
    }
    let mut section_order: Vec<String> = sections.keys().cloned().collect();
    section_order.sort_by_key(|s| roman(s));
    Hs {
        entries,
        children,
        sections,
        section_order,
    }
});

/// Is this (digits-only) HS code a real chapter, heading or subheading? National
/// tariff lines (8 or 10 digits) are accepted when their 6-digit subheading exists.
pub fn hs_valid(code: &str) -> bool {
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match code.len() {
        2 | 4 | 6 => HS.entries.contains_key(code),
        8 | 10 => HS.entries.contains_key(&code[..6]),
        _ => false,
    }
}

/// The description of the nearest known level of an HS code.
pub fn hs_description(code: &str) -> Option<&'static str> {
    let mut c = code;
    while c.len() >= 2 {
        if let Some(e) = HS.entries.get(c) {
            return Some(&e.description);
        }
        c = &c[..c.len() - 2];
    }
    None
}

/// Section (roman numeral) of an HS code.
pub fn hs_section(code: &str) -> Option<&'static str> {
    HS.entries.get(code.get(..2)?).map(|e| e.section.as_str())
}

/// Chinese names of the HS sections (roman numerals) and chapters (two digits), as the
/// Customs Tariff of the People's Republic of China (2022, after HS 2022) titles them
/// (`seed/hs2022_zh.csv`; headings and subheadings keep their English descriptions).
static HS_ZH: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let mut r = csv::Reader::from_reader(include_str!("../../seed/hs2022_zh.csv").as_bytes());
    r.records().flatten().filter_map(|rec| Some((rec.get(0)?.to_string(), rec.get(1)?.to_string()))).collect()
});

/// The name of an HS section or code in a language (`zh-CN` or `en`): the Chinese title of
/// a section or chapter where the tariff gives one, else the English description.
pub fn hs_name(code: &str, lang: &str) -> Option<&'static str> {
    if lang != "en" {
        if let Some(n) = HS_ZH.get(code) {
            return Some(n.as_str());
        }
    }
    HS.sections.get(code).map(String::as_str).or_else(|| hs_description(code))
}

/// An objective of a notification in a language: WTO's English wording of the usual
/// objectives has a Chinese rendering (`tbt_objective.*` in the locales); other text, and
/// objectives already written in Chinese, are shown as they are.
pub fn objective_label(objective: &str, lang: &str) -> String {
    if lang == "en" {
        return objective.to_string();
    }
    let key = format!("tbt_objective.{}", objective.trim().to_lowercase());
    crate::web::i18n::lookup(crate::web::Lang::Zh, &key).unwrap_or_else(|| objective.to_string())
}

pub static ICS: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let text = include_str!("../../seed/ics.csv").trim_start_matches('\u{feff}');
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().cloned().unwrap_or_default();
    let id = headers.iter().position(|h| h == "identifier").unwrap_or(0);
    let title = headers.iter().position(|h| h == "titleEn").unwrap_or(2);
    let mut m = HashMap::new();
    for rec in r.records().flatten() {
        if let (Some(i), Some(t)) = (rec.get(id), rec.get(title)) {
            m.insert(i.trim().to_string(), t.trim().to_string());
        }
    }
    m
});

pub fn ics_valid(code: &str) -> bool {
    ICS.contains_key(code)
}

pub fn ics_title(code: &str) -> Option<&'static str> {
    ICS.get(code).map(String::as_str)
}

/// Every HS chapter, for the browse page.
pub fn chapters() -> Vec<&'static HsEntry> {
    let mut v: Vec<&HsEntry> = HS.entries.values().filter(|e| e.code.len() == 2).collect();
    v.sort_by(|a, b| a.code.cmp(&b.code));
    v
}

/// Children of a node of the HS tree ("" = sections are handled by the caller).
pub fn hs_children(code: &str) -> Vec<&'static HsEntry> {
    HS.children
        .get(code)
        .map(|v| v.iter().filter_map(|c| HS.entries.get(c)).collect())
        .unwrap_or_default()
}

/// Distinct, valid prefixes of a list; used to keep HS lists tidy.
pub fn dedupe(codes: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    codes.iter().filter(|c| seen.insert(c.as_str().to_string())).cloned().collect()
}

#[cfg(test)]
mod zh_tests {
    #[test]
    fn every_section_and_chapter_has_a_chinese_name() {
        for s in &super::HS.section_order {
            assert!(super::HS_ZH.contains_key(s), "section {s}");
        }
        for c in super::chapters() {
            assert!(super::HS_ZH.contains_key(&c.code), "chapter {}", c.code);
        }
        assert_eq!(super::hs_name("84", "zh-CN"), Some("核反应堆、锅炉、机器、机械器具及其零件"));
        assert!(super::hs_name("84", "en").unwrap().starts_with("Machinery and mechanical appliances"));
        assert!(super::hs_name("841460", "zh-CN").is_some(), "a subheading keeps its English description");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hs_and_ics_tables_load() {
        assert!(hs_valid("84"));
        assert!(hs_valid("8414"));
        assert!(hs_valid("841460"));
        assert!(hs_valid("84146000"));
        assert!(!hs_valid("8499"));
        assert!(!hs_valid("841"));
        assert_eq!(hs_section("8414"), Some("XVI"));
        assert_eq!(HS.section_order.first().map(String::as_str), Some("I"));
        assert_eq!(HS.section_order.len(), 21);
        assert!(hs_description("84146000").is_some_and(|d| d.to_lowercase().contains("hood")));
        assert!(ics_valid("97.200.50"));
        assert!(ics_valid("65.020.01"));
        assert!(!ics_valid("99.999"));
    }
}
