//! Unified social credit code (统一社会信用代码, GB 32100-2015) and the
//! organisation code it embeds (组织机构代码, GB 11714-1997).

/// The 31 characters allowed in a USCC, in value order (no I, O, S, V, Z).
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Why a code is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("the code is empty")]
    Empty,
    #[error("the code must have {expected} characters, found {found}")]
    WrongLength { expected: usize, found: usize },
    #[error("character {position} (`{ch}`) is not allowed in this code")]
    InvalidChar { position: usize, ch: char },
    #[error("wrong check character `{found}`, expected `{expected}`")]
    WrongCheck { expected: char, found: char },
    #[error(
        "the embedded organisation code has a wrong check character `{found}`, expected `{expected}`"
    )]
    WrongOrgCheck { expected: char, found: char },
    #[error("`{0}` (character 1) is not a registration authority code of GB 32100")]
    UnknownAuthority(char),
    #[error(
        "`{category}` (character 2) is not an organisation category of registration authority `{authority}`"
    )]
    UnknownCategory { authority: char, category: char },
    #[error(
        "characters 3 to 8 (`{0}`) must be the six digits of an administrative division code (GB/T 2260)"
    )]
    BadDivision(String),
}

/// Registration authorities (登记管理部门, character 1) and the organisation categories
/// (机构类别, character 2) each may issue, after GB 32100-2015 Annex A as amended
/// (A and N were added for the armed forces' and rural collective organisations).
const AUTHORITIES: &[(char, &str)] = &[
    ('1', "1239"),   // 机构编制: 机关, 事业单位, 中央编办管理的群众团体, 其他
    ('2', "19"),     // 外交: 外国常驻新闻机构, 其他
    ('3', "123459"), // 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    ('4', "19"),     // 文化: 外国在华文化中心, 其他
    ('5', "1239"),   // 民政: 社会团体, 民办非企业单位, 基金会, 其他
    ('6', "129"),    // 旅游: 外国及港澳台旅游部门常驻代表机构, 其他
    ('7', "129"),    // 宗教: 宗教活动场所, 宗教院校, 其他
    ('8', "19"),     // 工会: 基层工会, 其他
    ('9', "123"),    // 工商: 企业, 个体工商户, 农民专业合作社
    ('A', "19"),     // 中央军委改革和编制办公室: 军队事业单位, 其他
    ('N', "1239"),   // 农业: 组级、村级、乡镇级集体经济组织, 其他
    ('Y', "1"),      // 其他
];

/// First two digits of a GB/T 2260 division code: the provinces, autonomous regions,
/// municipalities and special administrative regions, and `10` for bodies registered
/// centrally.
const PROVINCES: &[&str] = &[
    "10", "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82",
];

/// Checks the structure of characters 1–8: a known registration authority and a
/// category it issues, then a division code of six digits in a known province.
fn check_structure(code: &[char]) -> Result<(), UsccError> {
    let (authority, category) = (code[0], code[1]);
    let categories = AUTHORITIES
        .iter()
        .find(|(a, _)| *a == authority)
        .map(|(_, c)| *c)
        .ok_or(UsccError::UnknownAuthority(authority))?;
    if !categories.contains(category) {
        return Err(UsccError::UnknownCategory {
            authority,
            category,
        });
    }
    let division: String = code[2..8].iter().collect();
    if !division.bytes().all(|b| b.is_ascii_digit()) || !PROVINCES.contains(&&division[..2]) {
        return Err(UsccError::BadDivision(division));
    }
    Ok(())
}

/// Upper-cases, folds full-width forms and drops blanks and dashes.
fn clean(s: &str) -> Vec<char> {
    s.chars()
        .map(crate::text::normalize_char)
        .filter(|&c| c != ' ' && c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn value(c: char) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u32)
}

/// Computes the USCC check character for the first 17 characters.
/// Returns `None` when `first17` has the wrong length or bad characters.
pub fn check_char(first17: &str) -> Option<char> {
    let chars: Vec<char> = first17.chars().collect();
    if chars.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in chars.iter().zip(WEIGHTS) {
        sum += value(*c)? * w;
    }
    let v = (31 - sum % 31) % 31;
    Some(ALPHABET[v as usize] as char)
}

/// Validates an 18-character unified social credit code and returns it in
/// normalised upper-case form. Blanks, dashes, lower case and full-width
/// characters in the input are tolerated.
///
/// Besides the GB 32100 check character in position 18, the organisation
/// code in positions 9–17 must pass its own GB 11714 check, and positions 1–8
/// must have the structure of GB 32100: a registration authority, a category
/// that authority issues, and a six-digit GB/T 2260 division code.
pub fn validate(s: &str) -> Result<String, UsccError> {
    let chars = clean(s);
    if chars.is_empty() {
        return Err(UsccError::Empty);
    }
    if chars.len() != 18 {
        return Err(UsccError::WrongLength {
            expected: 18,
            found: chars.len(),
        });
    }
    for (i, &c) in chars.iter().enumerate() {
        if value(c).is_none() {
            return Err(UsccError::InvalidChar {
                position: i + 1,
                ch: c,
            });
        }
    }
    let code: String = chars.iter().collect();
    let expected = check_char(&code[..17]).unwrap_or('?');
    if expected != chars[17] {
        return Err(UsccError::WrongCheck {
            expected,
            found: chars[17],
        });
    }
    check_structure(&chars)?;
    let org_expected = orgcode::check_char(&code[8..16]).unwrap_or('?');
    if org_expected != chars[16] {
        return Err(UsccError::WrongOrgCheck {
            expected: org_expected,
            found: chars[16],
        });
    }
    Ok(code)
}

/// True when [`validate`] succeeds.
pub fn is_valid(s: &str) -> bool {
    validate(s).is_ok()
}

/// The 9-character organisation code (组织机构代码, GB 11714).
pub mod orgcode {
    use super::UsccError;

    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

    fn value(c: char) -> Option<u32> {
        match c {
            '0'..='9' => Some(c as u32 - '0' as u32),
            'A'..='Z' => Some(c as u32 - 'A' as u32 + 10),
            _ => None,
        }
    }

    /// Check character for the first eight characters (`0`–`9` or `X`).
    pub fn check_char(first8: &str) -> Option<char> {
        let chars: Vec<char> = first8.chars().collect();
        if chars.len() != 8 {
            return None;
        }
        let mut sum = 0u32;
        for (c, w) in chars.iter().zip(WEIGHTS) {
            sum += value(*c)? * w;
        }
        Some(match 11 - sum % 11 {
            10 => 'X',
            11 => '0',
            v => char::from_digit(v, 10).unwrap_or('0'),
        })
    }

    /// Validates an organisation code, with or without the dash before the
    /// check character (`XXXXXXXX-X`). Returns the 9 characters without the
    /// dash, upper-cased.
    pub fn validate(s: &str) -> Result<String, UsccError> {
        let chars = super::clean(s);
        if chars.is_empty() {
            return Err(UsccError::Empty);
        }
        if chars.len() != 9 {
            return Err(UsccError::WrongLength {
                expected: 9,
                found: chars.len(),
            });
        }
        for (i, &c) in chars.iter().enumerate() {
            let ok = if i < 8 {
                value(c).is_some()
            } else {
                c.is_ascii_digit() || c == 'X'
            };
            if !ok {
                return Err(UsccError::InvalidChar {
                    position: i + 1,
                    ch: c,
                });
            }
        }
        let code: String = chars.iter().collect();
        let expected = check_char(&code[..8]).unwrap_or('?');
        if expected != chars[8] {
            return Err(UsccError::WrongCheck {
                expected,
                found: chars[8],
            });
        }
        Ok(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples() -> Vec<String> {
        // python-stdnum 2.2's test codes, shipped in tests/data (see its README).
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/uscc_examples.txt");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect()
    }

    #[test]
    fn real_examples_are_valid() {
        let codes = examples();
        assert_eq!(codes.len(), 200);
        for c in &codes {
            assert_eq!(validate(c).as_deref(), Ok(c.as_str()), "{c}");
            assert!(orgcode::validate(&c[8..17]).is_ok(), "{c}");
        }
    }

    #[test]
    fn broken_examples_are_rejected() {
        let codes = examples();
        // Change the check character.
        let mut bad = codes[0].clone();
        let last = bad.pop().unwrap();
        bad.push(if last == '0' { '1' } else { '0' });
        match validate(&bad) {
            Err(UsccError::WrongCheck { expected, .. }) => assert_eq!(expected, last),
            other => panic!("{other:?}"),
        }
        // Swap two adjacent characters.
        // Swap two different adjacent characters: the weights differ and 31
        // is prime, so every such transposition is caught.
        for c in &codes {
            let b = c.as_bytes();
            for i in 0..17 {
                if b[i] != b[i + 1] {
                    let mut v = b.to_vec();
                    v.swap(i, i + 1);
                    let swapped = String::from_utf8(v).unwrap();
                    assert!(validate(&swapped).is_err(), "{swapped}");
                }
            }
        }
        // Three invalid codes: wrong check, wrong length, forbidden letter.
        assert!(validate("91310115MA1K3BTP2A").is_err());
        assert!(validate("91310115MA1K3BTP2BB").is_err());
        assert!(validate("91310115MA1K3BTO2B").is_err());
        // A valid USCC check but a broken embedded organisation code.
        let body = "91310115MA1K3BTP3";
        let forged = format!("{body}{}", check_char(body).unwrap());
        assert!(matches!(
            validate(&forged),
            Err(UsccError::WrongOrgCheck { expected: '2', .. })
        ));
    }

    /// A code with a correct check character built around the given first 17 characters.
    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_char(first17).unwrap())
    }

    #[test]
    fn structure_of_gb_32100() {
        // The probe's code: a letter in the division code, yet a correct check character.
        assert_eq!(check_char("91A40100600037341"), Some('J'));
        assert_eq!(
            validate("91A40100600037341J"),
            Err(UsccError::BadDivision("A40100".into()))
        );
        // The real code it was made from (python-stdnum's example).
        assert_eq!(
            validate("91110000600037341L").as_deref(),
            Ok("91110000600037341L")
        );
        // Real codes (python-stdnum's examples) of public institutions, enterprises and
        // individual businesses.
        for c in [
            "121200004013590816",
            "911522010783762860",
            "91310115MA1K3BTP2B",
            "91340600MA2PBM9HXD",
            "92340621MA2UK2XX21",
            "9144030071526726XG",
        ] {
            assert_eq!(validate(c).as_deref(), Ok(c));
        }
        // Division codes outside GB/T 2260's provinces.
        assert_eq!(
            validate(&with_check("91990000600037341")),
            Err(UsccError::BadDivision("990000".into()))
        );
        assert_eq!(
            validate(&with_check("9100000060003734X")),
            Err(UsccError::BadDivision("000000".into()))
        );
        // Unknown registration authorities and categories.
        assert_eq!(
            validate(&with_check("B1110000600037341")),
            Err(UsccError::UnknownAuthority('B'))
        );
        assert_eq!(
            validate(&with_check("0111000060003734X")),
            Err(UsccError::UnknownAuthority('0'))
        );
        assert_eq!(
            validate(&with_check("94110000600037341")),
            Err(UsccError::UnknownCategory {
                authority: '9',
                category: '4'
            })
        );
        assert_eq!(
            validate(&with_check("Y2110000600037341")),
            Err(UsccError::UnknownCategory {
                authority: 'Y',
                category: '2'
            })
        );
        // Each authority's categories pass with a real organisation code.
        for (authority, categories) in AUTHORITIES {
            for category in categories.chars() {
                let code = with_check(&format!("{authority}{category}440100MA1K3BTP2"));
                assert_eq!(validate(&code).as_deref(), Ok(code.as_str()));
            }
        }
        let msg = validate("91A40100600037341J").unwrap_err().to_string();
        assert!(
            msg.contains("characters 3 to 8") && msg.contains("A40100"),
            "{msg}"
        );
    }

    #[test]
    fn error_kinds() {
        assert_eq!(validate(""), Err(UsccError::Empty));
        assert_eq!(
            validate("91310115MA1K3BTP2"),
            Err(UsccError::WrongLength {
                expected: 18,
                found: 17
            })
        );
        assert_eq!(
            validate("91310115MA1K3BTI2B"),
            Err(UsccError::InvalidChar {
                position: 16,
                ch: 'I'
            })
        );
        assert_eq!(
            validate("91310115MA1K3BTP2C"),
            Err(UsccError::WrongCheck {
                expected: 'B',
                found: 'C'
            })
        );
        let msg = validate("91310115MA1K3BTP2C").unwrap_err().to_string();
        assert!(msg.contains("expected `B`"), "{msg}");
    }

    #[test]
    fn tolerant_input() {
        assert_eq!(
            validate(" 91310115ma1k3btp2b ").unwrap(),
            "91310115MA1K3BTP2B"
        );
        assert_eq!(
            validate("９１３１０１１５ＭＡ１Ｋ３ＢＴＰ２Ｂ").unwrap(),
            "91310115MA1K3BTP2B"
        );
        assert!(is_valid("91310115MA1K3BTP2B"));
    }

    #[test]
    fn organisation_codes() {
        assert_eq!(orgcode::validate("MA1K3BTP-2").unwrap(), "MA1K3BTP2");
        assert_eq!(orgcode::validate("078376286").unwrap(), "078376286");
        assert_eq!(orgcode::validate("07837941-X").unwrap(), "07837941X");
        assert!(matches!(
            orgcode::validate("07837941-1"),
            Err(UsccError::WrongCheck { expected: 'X', .. })
        ));
        assert!(matches!(
            orgcode::validate("0783"),
            Err(UsccError::WrongLength { expected: 9, .. })
        ));
        assert!(matches!(
            orgcode::validate("0783!9410"),
            Err(UsccError::InvalidChar { position: 5, .. })
        ));
    }
}
