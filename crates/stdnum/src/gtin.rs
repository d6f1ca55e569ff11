//! GTIN-8, GTIN-12 (UPC-A), GTIN-13 (EAN-13) and GTIN-14 check digits.

/// Why a GTIN is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    #[error("the code is empty")]
    Empty,
    #[error("a GTIN has 8, 12, 13 or 14 digits, found {0}")]
    WrongLength(usize),
    #[error("character {position} (`{ch}`) is not a digit")]
    InvalidChar { position: usize, ch: char },
    #[error("wrong check digit `{found}`, expected `{expected}`")]
    WrongCheck { expected: char, found: char },
}

/// Check digit for the given digits (everything but the check digit).
/// Weights alternate 3, 1, … starting from the rightmost digit.
pub fn check_digit(body: &str) -> Option<char> {
    let mut sum = 0u32;
    for (i, c) in body.chars().rev().enumerate() {
        let d = c.to_digit(10)?;
        sum += if i % 2 == 0 { d * 3 } else { d };
    }
    char::from_digit((10 - sum % 10) % 10, 10)
}

/// Validates a GTIN of 8, 12, 13 or 14 digits (blanks and dashes are
/// ignored) and returns the digits.
pub fn validate(s: &str) -> Result<String, GtinError> {
    let chars: Vec<char> = s
        .chars()
        .map(crate::text::normalize_char)
        .filter(|&c| c != ' ' && c != '-')
        .collect();
    if chars.is_empty() {
        return Err(GtinError::Empty);
    }
    if let Some(i) = chars.iter().position(|c| !c.is_ascii_digit()) {
        return Err(GtinError::InvalidChar {
            position: i + 1,
            ch: chars[i],
        });
    }
    if !matches!(chars.len(), 8 | 12 | 13 | 14) {
        return Err(GtinError::WrongLength(chars.len()));
    }
    let code: String = chars.iter().collect();
    let (body, last) = code.split_at(code.len() - 1);
    let expected = check_digit(body).unwrap_or('?');
    let found = last.chars().next().unwrap_or('?');
    if expected != found {
        return Err(GtinError::WrongCheck { expected, found });
    }
    Ok(code)
}

/// True when [`validate`] succeeds.
pub fn is_valid(s: &str) -> bool {
    validate(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_codes() {
        for c in [
            "96385074",       // GTIN-8
            "036000291452",   // UPC-A
            "4006381333931",  // EAN-13
            "6901234567892",  // Chinese 690 prefix
            "9780306406157",  // ISBN-13
            "10036000291459", // GTIN-14 (packaging level 1)
            "00036000291452", // UPC-A padded to 14
        ] {
            assert_eq!(validate(c).as_deref(), Ok(c), "{c}");
        }
        assert_eq!(validate("400-6381 333931").unwrap(), "4006381333931");
        assert_eq!(
            validate("４００６３８１３３３９３１").unwrap(),
            "4006381333931"
        );
    }

    #[test]
    fn invalid_codes() {
        assert_eq!(validate(""), Err(GtinError::Empty));
        assert_eq!(
            validate("4006381333932"),
            Err(GtinError::WrongCheck {
                expected: '1',
                found: '2'
            })
        );
        assert_eq!(validate("123"), Err(GtinError::WrongLength(3)));
        assert_eq!(
            validate("40063813339x1"),
            Err(GtinError::InvalidChar {
                position: 12,
                ch: 'x'
            })
        );
        assert!(!is_valid("12345678901"));
    }
}
