//! What SPS notifications add to the TBT room (no I/O): the agreement of a record, the SPS
//! objectives as ePing words them, the relevant international standard (Codex, WOAH/OIE,
//! IPPC or none) and conformity to it, and emergency measures.

use stdnum::wto::Agreement;

/// The five objectives of the SPS notification form, keyed; the first text is the ePing
/// wording stored on the record (and labelled in Chinese by `tbt_objective.*` in the
/// locale files), the others are how sources also write it.
pub const OBJECTIVES: [(&str, &[&str]); 5] = [
    ("food_safety", &["Food safety", "食品安全"]),
    ("animal_health", &["Animal health", "动物健康", "动物卫生"]),
    ("plant_protection", &["Plant protection", "植物保护"]),
    (
        "human_pests",
        &[
            "Protect humans from animal/plant pest or disease",
            "Protection of humans from animal/plant pests or diseases",
            "Protect humans from animal/plant pests or diseases",
            "保护人类免受动植物有害生物或疾病危害",
            "保护人类免受动/植物有害生物或疾病",
        ],
    ),
    (
        "territory",
        &[
            "Protect territory from other damage from pests",
            "Protection of territory from other damage from pests",
            "保护国家免受有害生物的其他损害",
            "保护领土免受有害生物的其他损害",
        ],
    ),
];

fn fold(s: &str) -> String {
    s.trim().trim_end_matches(['.', '。']).to_lowercase().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The key of an SPS objective written in any of its forms (`food_safety` …).
pub fn objective_key(text: &str) -> Option<&'static str> {
    let t = fold(text);
    OBJECTIVES.iter().find(|(k, names)| *k == t || names.iter().any(|n| fold(n) == t)).map(|(k, _)| *k)
}

/// The stored (ePing) wording of an SPS objective key.
pub fn objective_text(key: &str) -> Option<&'static str> {
    OBJECTIVES.iter().find(|(k, _)| *k == key).map(|(_, n)| n[0])
}

/// SPS objectives written in any form become the ePing wording, so facets and statistics
/// count them together; other text is kept as written.
pub fn normalise_objectives(list: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for o in list {
        let v = objective_key(&o).and_then(objective_text).map(str::to_string).unwrap_or(o);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// The objective keys of a record's objectives.
pub fn objective_keys(objectives: &[String]) -> Vec<&'static str> {
    objectives.iter().filter_map(|o| objective_key(o)).collect()
}

/// International standard-setting bodies of the SPS Agreement (Annex A, 3).
pub const STANDARDS: [&str; 4] = ["codex", "woah", "ippc", "none"];

/// The bodies named in an "international standard" cell: Codex Alimentarius, WOAH (the
/// former OIE), IPPC, or none.
pub fn intl_standards(cell: &str) -> Vec<String> {
    let t = cell.to_lowercase();
    let mut out = Vec::new();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["codex", "食品法典"]) {
        out.push("codex".to_string());
    }
    if has(&["woah", "oie", "world organisation for animal health", "world organization for animal health", "世界动物卫生组织", "动物卫生组织"]) {
        out.push("woah".to_string());
    }
    if has(&["ippc", "plant protection convention", "国际植物保护公约", "植保公约"]) {
        out.push("ippc".to_string());
    }
    if out.is_empty() && (has(&["none", "no international standard", "无国际标准", "无"]) || t.trim() == "no") {
        out.push("none".to_string());
    }
    out
}

/// Whether the measure conforms to the relevant international standard: `yes`, `no` or
/// `` when not said. Reads "Yes", "No", "是", "否", "conforms", "does not conform" and the
/// ePing answer written after the question.
pub fn conformity(cell: &str) -> &'static str {
    let t = cell.trim().to_lowercase();
    if t.is_empty() {
        return "";
    }
    let last = t.rsplit(['?', '？', ':', '：']).next().unwrap_or(&t).trim().trim_end_matches('.');
    if ["no", "否", "不符合", "does not conform", "not in conformity"].iter().any(|w| last == *w || last.starts_with(&format!("{w} ")))
        || t.contains("does not conform")
        || t.contains("不符合")
    {
        return "no";
    }
    if ["yes", "是", "符合", "conforms", "in conformity"].iter().any(|w| last == *w || last.starts_with(&format!("{w} ")) || last.starts_with(&format!("{w},")))
    {
        return "yes";
    }
    ""
}

/// An emergency measure: the notification type says so (ePing "Emergency", 紧急通报), an
/// explicit emergency cell says yes, or it was notified under the emergency provisions
/// (SPS Art. 6 / Annex B para. 6; TBT 2.10.1 / 5.7.1).
pub fn is_emergency(agreement: Agreement, notification_type: &str, flag: &str, notified_under: &[String]) -> bool {
    let ty = notification_type.to_lowercase();
    if ty.contains("emergency") || ty.contains("紧急") {
        return true;
    }
    if matches!(flag.trim().to_lowercase().as_str(), "yes" | "y" | "true" | "1" | "是" | "emergency") {
        return true;
    }
    notified_under.iter().any(|a| {
        let a = a.to_lowercase().replace(' ', "");
        match agreement {
            Agreement::Sps => a.contains("annexb.6") || a.contains("annexb(6)") || a.contains("annexbpara6") || a.contains("annexb,para.6") || a == "6" || a.starts_with("art.6") || a.starts_with("article6"),
            Agreement::Tbt => a.starts_with("2.10") || a.starts_with("5.7"),
        }
    })
}

/// The agreement of a record's first symbol.
pub fn agreement_of(symbols: &[String]) -> Agreement {
    symbols.first().and_then(|s| stdnum::wto::parse_symbol(s).ok()).map(|s| s.agreement).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_in_every_wording() {
        assert_eq!(objective_key("Food safety"), Some("food_safety"));
        assert_eq!(objective_key(" protection of humans from animal/plant pests or diseases. "), Some("human_pests"));
        assert_eq!(objective_key("植物保护"), Some("plant_protection"));
        assert_eq!(objective_key("territory"), Some("territory"));
        assert_eq!(objective_key("Protection of the environment"), None);
        let v = normalise_objectives(vec!["食品安全".into(), "Food safety".into(), "Quality requirements".into()]);
        assert_eq!(v, ["Food safety", "Quality requirements"]);
    }

    #[test]
    fn standards_and_conformity() {
        assert_eq!(intl_standards("Codex Alimentarius Commission"), ["codex"]);
        assert_eq!(intl_standards("World Organisation for Animal Health (WOAH, former OIE); IPPC"), ["woah", "ippc"]);
        assert_eq!(intl_standards("None"), ["none"]);
        assert!(intl_standards("").is_empty());
        assert_eq!(conformity("Yes"), "yes");
        assert_eq!(conformity("Does this proposed regulation conform to the relevant international standard? No"), "no");
        assert_eq!(conformity("否"), "no");
        assert_eq!(conformity("The measure does not conform to ISPM 15"), "no");
        assert_eq!(conformity(""), "");
    }

    #[test]
    fn emergency_measures() {
        assert!(is_emergency(Agreement::Sps, "Emergency", "", &[]));
        assert!(is_emergency(Agreement::Sps, "", "", &["Annex B, para. 6".into()]));
        assert!(is_emergency(Agreement::Tbt, "", "", &["2.10.1".into()]));
        assert!(!is_emergency(Agreement::Tbt, "Regular notification", "", &["2.9.2".into()]));
        assert!(is_emergency(Agreement::Sps, "Regular", "yes", &[]));
    }
}
