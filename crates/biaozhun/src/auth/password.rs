//! Password hashing (argon2id) and the password policy.

use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{LazyLock, Mutex};

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

/// Work buffers for argon2, reused: each verification needs 19 MiB, and allocating it
/// afresh on every login left the allocator holding hundreds of MiB after a burst.
static BUFFERS: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// At most one hashing per core at a time, so memory stays bounded under a login storm.
static SLOTS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2))
});

pub fn verify(password: &str, stored: &str) -> bool {
    let Ok(h) = PasswordHash::new(stored) else { return false };
    let (Ok(params), Some(salt), Some(expected)) = (Params::try_from(&h), h.salt, h.hash) else { return false };
    let Ok(alg) = Algorithm::try_from(h.algorithm) else { return false };
    let version = h.version.and_then(|v| Version::try_from(v).ok()).unwrap_or(Version::V0x13);
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else { return false };
    let mut out = vec![0u8; expected.len()];
    let blocks_needed = params.block_count();
    let argon = Argon2::new(alg, version, params);
    let mut blocks = BUFFERS.lock().ok().and_then(|mut b| b.pop()).unwrap_or_default();
    if blocks.len() < blocks_needed {
        blocks = vec![Block::default(); blocks_needed];
    }
    let ok = argon.hash_password_into_with_memory(password.as_bytes(), salt, &mut out, &mut blocks[..blocks_needed]).is_ok()
        && crate::util::ct_eq_bytes(&out, expected.as_bytes());
    if let Ok(mut b) = BUFFERS.lock() {
        b.push(blocks);
    }
    ok
}

/// [`verify`] on a blocking thread, one per core at most.
pub async fn verify_async(password: String, stored: String) -> bool {
    let Ok(_slot) = SLOTS.acquire().await else { return false };
    tokio::task::spawn_blocking(move || verify(&password, &stored)).await.unwrap_or(false)
}

/// [`hash`] on a blocking thread, one per core at most.
pub async fn hash_async(password: String) -> anyhow::Result<String> {
    let _slot = SLOTS.acquire().await?;
    tokio::task::spawn_blocking(move || hash(&password)).await?
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
