//! Password hashing (argon2id) and the password policy.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use argon2::Argon2;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// Passwords too common to allow whatever their length.
const COMMON: &[&str] = &[
    "1234567890", "12345678910", "123456789a", "a123456789", "qwertyuiop", "1qaz2wsx3edc",
    "password123", "password1234", "iloveyou123", "abcdefghij", "0123456789", "1111111111",
    "aaaaaaaaaa", "woaini1314", "qwerty123456", "zxcvbnm123", "abc1234567", "admin12345",
    "administrator", "passw0rd123",
];

/// The policy: 10–128 characters, not a well-known password, not the account name or
/// mail address, and not one character repeated. Returns the i18n key of the problem.
pub fn check_policy(password: &str, username: &str, email: &str) -> Result<(), &'static str> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err("auth.password_too_short");
    }
    if n > MAX_LEN {
        return Err("auth.password_too_long");
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        return Err("auth.password_common");
    }
    if (!username.is_empty() && lower.contains(&username.to_lowercase()))
        || (!email.is_empty() && lower.contains(&email.to_lowercase()))
    {
        return Err("auth.password_contains_name");
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err("auth.password_too_simple");
    }
    Ok(())
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so that the answer takes
/// as long as for a real account and reveals nothing.
pub static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash("not-a-real-password-0").unwrap_or_default());

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(check_policy("short", "u", "e@x"), Err("auth.password_too_short"));
        assert_eq!(check_policy("1234567890", "u", "e@x"), Err("auth.password_common"));
        assert_eq!(check_policy("zhangsan-secret", "zhangsan", "e@x"), Err("auth.password_contains_name"));
        assert_eq!(check_policy("ababababab", "u", "e@x"), Err("auth.password_too_simple"));
        assert!(check_policy("正确的马电池钉书钉书", "u", "e@x").is_ok());
        assert!(check_policy("correct horse battery", "u", "e@x").is_ok());
    }

    #[test]
    fn hashes_verify() {
        let h = hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong horse battery", &h));
        assert!(!verify("x", "not a hash"));
    }
}
