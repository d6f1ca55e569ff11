//! The committees' vocabulary: levels, member roles, and the committee number as people
//! write it (`ISO/TC 176`, `SAC/TC 28/SC 1`, `tc176`) with the key it is matched by.

use serde::{Deserialize, Serialize};

/// 级别: where a committee sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    International,
    National,
    Provincial,
    City,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::International, Level::National, Level::Provincial, Level::City];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::International => "international",
            Level::National => "national",
            Level::Provincial => "provincial",
            Level::City => "city",
        }
    }

    /// The English word or the Chinese one (`国际`, `全国`/`国家`, `省级`, `市级`).
    pub fn parse(s: &str) -> Option<Level> {
        let t = stdnum::text::normalize(s).trim().to_lowercase();
        Level::ALL.into_iter().find(|l| l.as_str() == t).or(match t.as_str() {
            "国际" | "国际级" => Some(Level::International),
            "全国" | "国家" | "国家级" | "全国专业标准化技术委员会" => Some(Level::National),
            "省" | "省级" | "广东省" => Some(Level::Provincial),
            "市" | "市级" | "广州市" => Some(Level::City),
            _ => None,
        })
    }

    /// The level a number implies (`ISO/…`, `IEC/…` international; `SAC/…` national;
    /// `GD/TC …` provincial; `GZ/TC …` city).
    pub fn of_number(number: &str) -> Option<Level> {
        let head = number.split('/').next().unwrap_or("");
        match head {
            "ISO" | "IEC" | "ITU" | "JTC" => Some(Level::International),
            "SAC" => Some(Level::National),
            "GD" | "GDTC" => Some(Level::Provincial),
            "GZ" | "GZTC" => Some(Level::City),
            _ => None,
        }
    }
}

/// A member's role in a committee.
pub const MEMBER_ROLES: [&str; 6] = ["chair", "vice_chair", "secretary", "deputy_secretary", "member", "observer"];

/// Reads a role in English or Chinese (`主任委员`, `副主任委员`, `秘书长`, `副秘书长`, `委员`, `观察员`).
pub fn parse_member_role(s: &str) -> Option<&'static str> {
    let t = stdnum::text::normalize(s).trim().to_lowercase().replace([' ', '-'], "_");
    MEMBER_ROLES.iter().find(|r| **r == t).copied().or(match t.as_str() {
        "主任委员" | "主任" => Some("chair"),
        "副主任委员" | "副主任" => Some("vice_chair"),
        "秘书长" | "秘书" => Some("secretary"),
        "副秘书长" => Some("deputy_secretary"),
        "委员" => Some("member"),
        "观察员" | "通讯成员" => Some("observer"),
        _ => None,
    })
}

/// Why a number cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    Empty,
    /// A character other than letters, digits, spaces, `/`, `-` and `.`.
    Character(char),
    /// No committee mark (`TC`, `SC`, `WG`, `JTC`, `PC`, …) in it.
    NoCommittee,
}

impl std::fmt::Display for NumberError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NumberError::Empty => write!(f, "the number is empty"),
            NumberError::Character(c) => write!(f, "the number holds {c:?}"),
            NumberError::NoCommittee => write!(f, "no TC, SC, WG, JTC or PC in the number"),
        }
    }
}

/// Marks of a committee segment.
const MARKS: [&str; 10] = ["JTC", "TC", "SC", "WG", "PC", "JWG", "AG", "SYC", "JSYC", "SWG"];

/// The parts of a number: segments of letters and a number (`["ISO", "TC 176", "SC 2"]`).
fn segments(raw: &str) -> Result<Vec<(String, String)>, NumberError> {
    let t = stdnum::text::normalize(raw).trim().to_uppercase();
    if t.is_empty() {
        return Err(NumberError::Empty);
    }
    if let Some(c) = t.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, ' ' | '/' | '-' | '.' | '\''))) {
        return Err(NumberError::Character(c));
    }
    let mut out = Vec::new();
    for seg in t.split('/').map(str::trim).filter(|s| !s.is_empty()) {
        // A segment may hold several parts without slashes ("ISO TC 176", "TC176SC1").
        let compact: String = seg.chars().filter(|c| !c.is_whitespace()).collect();
        let mut letters = String::new();
        let mut digits = String::new();
        for c in compact.chars() {
            if c.is_ascii_digit() || (!digits.is_empty() && matches!(c, '-' | '.')) {
                digits.push(c);
            } else if c.is_ascii_alphabetic() {
                if !digits.is_empty() {
                    out.push((std::mem::take(&mut letters), std::mem::take(&mut digits)));
                }
                letters.push(c);
            } else if !digits.is_empty() || !letters.is_empty() {
                // A '-' or '.' between letters ("ISO-TC"): a separator.
                if !letters.is_empty() && digits.is_empty() {
                    out.push((std::mem::take(&mut letters), String::new()));
                }
            }
        }
        if !letters.is_empty() || !digits.is_empty() {
            out.push((letters, digits));
        }
    }
    // A body written against its mark ("ISOTC") is split off the mark.
    let mut split = Vec::new();
    for (letters, digits) in out {
        match MARKS.iter().filter(|m| letters.len() > m.len() && letters.ends_with(*m)).max_by_key(|m| m.len()) {
            Some(m) if !digits.is_empty() && !MARKS.contains(&letters.as_str()) => {
                split.push((letters[..letters.len() - m.len()].to_string(), String::new()));
                split.push((m.to_string(), digits));
            }
            _ => split.push((letters, digits)),
        }
    }
    if !split.iter().any(|(l, d)| MARKS.contains(&l.as_str()) && !d.is_empty()) {
        return Err(NumberError::NoCommittee);
    }
    Ok(split)
}

/// The number as it is shown: `ISO/TC 176`, `SAC/TC 28/SC 1`, `ISO/IEC JTC 1/SC 7`.
pub fn normalize_number(raw: &str) -> Result<String, NumberError> {
    let segs = segments(raw)?;
    let mut out = String::new();
    for (i, (letters, digits)) in segs.iter().enumerate() {
        if i > 0 {
            // A body joins the next body with '/', as does each committee part; a mark
            // follows a body with '/' too, except a joint one (`ISO/IEC JTC 1`).
            let prev_is_body = segs[i - 1].1.is_empty();
            let sep = if prev_is_body && letters == "JTC" && i >= 2 { " " } else { "/" };
            out.push_str(sep);
        }
        out.push_str(letters);
        if !digits.is_empty() {
            if !letters.is_empty() {
                out.push(' ');
            }
            out.push_str(digits);
        }
    }
    Ok(out)
}

/// The key a number is matched by: capitals and digits, the parts joined by `/`
/// (`ISO/TC176`, `TC176` for a search without a body).
pub fn number_key(raw: &str) -> Result<String, NumberError> {
    let segs = segments(raw)?;
    Ok(segs.iter().map(|(l, d)| format!("{l}{d}")).collect::<Vec<_>>().join("/"))
}

/// What a search for `q` matches by number: the key itself, or `None` when `q` is not a number.
pub fn search_key(q: &str) -> Option<String> {
    number_key(q).ok()
}

/// The number of the committee one level up (`ISO/TC 176/SC 2` → `ISO/TC 176`).
pub fn parent_number(number: &str) -> Option<String> {
    let segs = segments(number).ok()?;
    let committee_parts = segs.iter().filter(|(l, d)| MARKS.contains(&l.as_str()) && !d.is_empty()).count();
    if committee_parts < 2 {
        return None;
    }
    let last = segs.iter().rposition(|(l, d)| MARKS.contains(&l.as_str()) && !d.is_empty())?;
    let head: Vec<String> = segs[..last].iter().map(|(l, d)| if d.is_empty() { l.clone() } else { format!("{l} {d}") }).collect();
    normalize_number(&head.join("/")).ok()
}

/// Whether the secretariat's address or district names a Guangzhou district: its GB/T 2260 code.
pub fn district_in(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let districts = &crate::membership::model::DISTRICTS;
    if let Some(d) = districts.iter().find(|d| d.code == t) {
        return Some(d.code.clone());
    }
    // The longest name first, so 黄埔区 is not taken for a shorter one.
    let mut by_len: Vec<_> = districts.iter().collect();
    by_len.sort_by_key(|d| std::cmp::Reverse(d.name.chars().count()));
    by_len.iter().find(|d| t.contains(d.name.as_str()) || t.contains(d.name.trim_end_matches('区'))).map(|d| d.code.clone())
}

/// The ISO/IEC summary's markup as plain text (the catalogue's scope is HTML).
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out.replace("&amp;", "&").replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&#39;", "'").replace("&quot;", "\"");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_one_way() {
        for (raw, want) in [
            ("ISO/TC 176", "ISO/TC 176"),
            ("iso/tc176", "ISO/TC 176"),
            ("ISO TC 176", "ISO/TC 176"),
            ("ISO-TC 176", "ISO/TC 176"),
            ("SAC/TC28/SC1", "SAC/TC 28/SC 1"),
            ("sac / tc 28 / sc 1", "SAC/TC 28/SC 1"),
            ("IEC/TC 108", "IEC/TC 108"),
            ("ISO/IEC JTC 1/SC 7", "ISO/IEC JTC 1/SC 7"),
            ("ISO/TC 176/SC 2/WG 24", "ISO/TC 176/SC 2/WG 24"),
            ("ＩＳＯ／ＴＣ１７６", "ISO/TC 176"),
            ("TC 176", "TC 176"),
        ] {
            assert_eq!(normalize_number(raw).as_deref(), Ok(want), "{raw}");
        }
        assert_eq!(normalize_number(""), Err(NumberError::Empty));
        assert_eq!(normalize_number("ISO 9001"), Err(NumberError::NoCommittee));
        assert_eq!(normalize_number("TC 176; DROP"), Err(NumberError::Character(';')));
    }

    #[test]
    fn keys_match_what_people_type() {
        let k = number_key("ISO/TC 176").unwrap();
        assert_eq!(k, "ISO/TC176");
        for typed in ["ISO/TC176", "iso tc 176", "ISO/TC 176"] {
            assert_eq!(search_key(typed).as_deref(), Some("ISO/TC176"), "{typed}");
        }
        for typed in ["TC 176", "tc176", "Tc  176"] {
            assert_eq!(search_key(typed).as_deref(), Some("TC176"), "{typed}");
        }
        assert_eq!(number_key("SAC/TC 28/SC 1").unwrap(), "SAC/TC28/SC1");
        assert_eq!(search_key("quality"), None);
    }

    #[test]
    fn parents_levels_and_roles() {
        assert_eq!(parent_number("ISO/TC 176/SC 2").as_deref(), Some("ISO/TC 176"));
        assert_eq!(parent_number("SAC/TC 28/SC 1").as_deref(), Some("SAC/TC 28"));
        assert_eq!(parent_number("ISO/IEC JTC 1/SC 7").as_deref(), Some("ISO/IEC JTC 1"));
        assert_eq!(parent_number("ISO/TC 176"), None);
        assert_eq!(Level::of_number("ISO/TC 176"), Some(Level::International));
        assert_eq!(Level::of_number("SAC/TC 28"), Some(Level::National));
        assert_eq!(Level::parse("全国"), Some(Level::National));
        assert_eq!(Level::parse("City"), Some(Level::City));
        assert_eq!(Level::parse("county"), None);
        assert_eq!(parse_member_role("副主任委员"), Some("vice_chair"));
        assert_eq!(parse_member_role("Vice chair"), Some("vice_chair"));
        assert_eq!(parse_member_role("boss"), None);
    }

    #[test]
    fn districts_and_markup() {
        assert_eq!(district_in("广州市天河区体育西路 1 号").as_deref(), Some("440106"));
        assert_eq!(district_in("440112").as_deref(), Some("440112"));
        assert_eq!(district_in("北京市海淀区"), None);
        assert_eq!(plain_text("<p>Standardization in the <b>field</b> of quality&amp;management.</p>"), "Standardization in the field of quality&management.");
    }
}
