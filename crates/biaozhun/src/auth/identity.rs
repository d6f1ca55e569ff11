//! User names as people see them: one normal form, one case-insensitive key, and one
//! look-alike key, so that `ｕｓｅｒ１` (full-width), `USER1` and `usеr1` (a Cyrillic е) cannot
//! stand beside an existing `user1`.
//!
//! - The stored name is the trimmed NFKC form: full-width and other compatibility forms
//!   become their plain letters and digits.
//! - `key` is the NFKC form lower-cased: what log-in, the unique `username_key` and the
//!   log-in throttle compare.
//! - `skeleton` is the confusable skeleton of Unicode TS #39 (`unicode-security`), taken on
//!   the NFKC form and again on its lower-case, so that `I`/`l`/`1` and `O`/`0`/`o` fall
//!   together whatever their case. The `username_skeleton` column holds it under a unique
//!   index, which decides between two look-alikes registered at the same moment.
//! - A name may mix scripts only as Chinese, Japanese and Korean text does with Latin
//!   (TS #39 "highly restrictive"): `张三`, `zhang张三`, `田中さん` pass, Latin with Cyrillic
//!   or Greek letters does not. Digits must be ASCII digits (after NFKC), so that no name
//!   mixes number systems.

use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, RestrictionLevel, RestrictionLevelDetection};

pub const MIN_CHARS: usize = 3;
pub const MAX_CHARS: usize = 32;

/// The form a name is stored and shown in: trimmed, NFKC.
pub fn normalize(name: &str) -> String {
    name.trim().nfkc().collect::<String>().trim().to_string()
}

/// The case-insensitive key of a name (or of a mail address typed in the account field).
pub fn key(name: &str) -> String {
    normalize(name).to_lowercase()
}

/// The look-alike key: two names with the same skeleton would be mistaken for each other.
pub fn skeleton(name: &str) -> String {
    let once: String = unicode_security::skeleton(&normalize(name)).collect();
    unicode_security::skeleton(&once.to_lowercase()).collect::<String>().to_lowercase()
}

/// Checks a name (as typed) and returns its stored form, or the i18n key of the problem.
pub fn check(name: &str) -> Result<String, &'static str> {
    let n = normalize(name);
    let count = n.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&count) {
        return Err("auth.username_length");
    }
    let char_ok = |c: char| {
        matches!(c, '_' | '.' | '-')
            || rare_han(c)
            || (c.is_alphanumeric() && c.identifier_allowed() && (!c.is_numeric() || c.is_ascii_digit()))
    };
    if !n.chars().all(char_ok) || n.chars().all(|c| c.is_ascii_digit()) {
        return Err("auth.username_chars");
    }
    // The detection treats characters outside TS #39's identifier profile as unrestricted;
    // a rare ideograph is Han like any other, so it stands in as a common one.
    let probe: String = n.chars().map(|c| if rare_han(c) { '中' } else { c }).collect();
    match probe.as_str().detect_restriction_level() {
        RestrictionLevel::ASCIIOnly | RestrictionLevel::SingleScript | RestrictionLevel::HighlyRestrictive => Ok(n),
        _ => Err("auth.username_mixed_script"),
    }
}

/// Ideographs of the CJK extensions beyond A, which TS #39 leaves out of identifiers as
/// uncommon, yet people's names in China (and Japan) use some of them: `𠮷`, `𬌗`.
fn rare_han(c: char) -> bool {
    matches!(c, '\u{20000}'..='\u{2A6DF}' | '\u{2A700}'..='\u{2EE5F}' | '\u{30000}'..='\u{323AF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compatibility_forms_and_case_share_one_key() {
        assert_eq!(normalize(" ｕｓｅｒ１ "), "user1");
        assert_eq!(key("ＵＳＥＲ１"), "user1");
        assert_eq!(key("User1"), key("user1"));
        assert_eq!(check("ｕｓｅｒ１"), Ok("user1".to_string()));
    }

    #[test]
    fn look_alikes_share_a_skeleton() {
        let base = skeleton("user1");
        for twin in ["usеr1", "userl", "userI", "USER1", "ｕｓｅｒ１", "uѕer1", "user１"] {
            assert_eq!(skeleton(twin), base, "{twin:?}");
        }
        assert_eq!(skeleton("rnodern"), skeleton("modern"));
        assert_eq!(skeleton("b0b"), skeleton("bob"));
        for other in ["user2", "users1", "usr1", "张三"] {
            assert_ne!(skeleton(other), base, "{other:?}");
        }
    }

    #[test]
    fn chinese_and_cjk_with_latin_are_allowed() {
        for ok in ["张三丰", "李四_2024", "zhang张三", "广州标准院", "田中さん", "김철수abc", "hood-maker.gz", "𠮷野家", "王𬌗明", "䶮之家"] {
            assert!(check(ok).is_ok(), "{ok:?}: {:?}", check(ok));
        }
    }

    #[test]
    fn mixed_scripts_and_odd_characters_are_refused() {
        assert_eq!(check("usеr1"), Err("auth.username_mixed_script"), "Latin with a Cyrillic е");
        assert_eq!(check("pαypal"), Err("auth.username_mixed_script"), "Latin with a Greek α");
        assert_eq!(check("用户а"), Err("auth.username_mixed_script"), "Han with a Cyrillic а");
        for bad in ["user\u{200b}1", "user\u{202e}1", "us er", "user١٢", "userq\u{301}", "a@b", "12345", "ab"] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
        assert_eq!(check("ab"), Err("auth.username_length"));
        assert_eq!(check(&"x".repeat(33)), Err("auth.username_length"));
    }
}
