//! Saved validity-check reports (查新报告): the check pages and API, who may read a
//! report, how it is kept, and its public verification.
//!
//! A report belongs to an owner: the user's organisation or the user (as watchlists do), or
//! for a visitor the browser that made it, through a random key in the `bz_checks` cookie
//! (the owner is `a:` and the key's SHA-256, so the database never holds the key). Its
//! sequential number (`CX-2026-000071`) names it to its owner and opens it to nobody else:
//! any other visitor gets 404, as for a number that does not exist. The public verifies a
//! report by a separate random code, which shows the number, date and counts only.
//!
//! A check takes at most [`MAX_ENTRIES_ANONYMOUS`] entries (numbers found, and short lines
//! with digits but no number) from a visitor and [`MAX_ENTRIES_USER`] from a logged-in
//! user; a text with more is refused (422) naming the limit, before any lookup. Items are
//! stored packed ([`codec`]); an anonymous report expires after [`ANONYMOUS_DAYS`] days
//! (job `standards_reports_expire`), a user's stays until the user deletes it.

pub mod codec;
pub mod routes;
pub mod store;

use crate::App;
use crate::web::{AppResult, Ctx};
use axum::http::HeaderMap;

pub const MAX_ENTRIES_ANONYMOUS: usize = 2_000;
pub const MAX_ENTRIES_USER: usize = 10_000;
/// Days an anonymous report is kept.
pub const ANONYMOUS_DAYS: i64 = 7;
/// The cookie with an anonymous browser's report key.
pub const KEY_COOKIE: &str = "bz_checks";

/// Who asks for reports: the owner a new report of theirs gets, and what else they may read.
pub struct Viewer {
    pub owner: String,
    pub user_id: Option<i64>,
    /// An anonymous browser's key (as presented, or new): given back in the cookie with
    /// each report it makes, so that it lasts as long as the newest report.
    pub key: Option<String>,
}

impl Viewer {
    /// May this viewer read (and delete) the report? The owner's scope, or the user who
    /// made it (a personal report made before joining an organisation stays theirs).
    pub fn may_read(&self, r: &store::Report) -> bool {
        r.owner == self.owner || (self.user_id.is_some() && r.user_id == self.user_id)
    }
}

/// The one place that decides whose reports a request may see. A user's reports belong to
/// whom they act for (`orgs::acting_owner`, as the watchlists do): their organisation's
/// reports are shared by its users, and the reports they made themselves stay theirs.
pub async fn viewer(app: &App, ctx: &Ctx, headers: &HeaderMap) -> AppResult<Viewer> {
    if let Some(u) = ctx.user.as_deref() {
        return Ok(Viewer { owner: crate::orgs::acting_owner(app, u.id).await?.key(), user_id: Some(u.id), key: None });
    }
    let key = crate::web::ctx::cookie(headers, KEY_COOKIE)
        .filter(|k| (32..=64).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        .map(str::to_string)
        .unwrap_or_else(|| crate::util::random_token(32));
    Ok(Viewer { owner: format!("a:{}", crate::util::sha256_hex(&key)), user_id: None, key: Some(key) })
}

/// Letters of verification codes: Crockford's base 32 (no I, L, O, U), 5 bits each.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LEN: usize = 16;

/// A new verification code: 16 random letters (80 bits), stored without separators.
pub fn new_code() -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..CODE_LEN).map(|_| CODE_ALPHABET[rng.gen_range(0..32)] as char).collect()
}

/// A code as typed (any case, with spaces or dashes, O for 0, I or L for 1) in its stored
/// form, or `None` when it cannot be one.
pub fn parse_code(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| CODE_ALPHABET.contains(&b))).then_some(code)
}

/// A stored code as shown: groups of four letters (`7KQ4-M2XD-PW4R-8HTC`).
pub fn show_code(code: &str) -> String {
    code.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_random_and_read_as_typed() {
        let a = new_code();
        assert_eq!(a.len(), CODE_LEN);
        assert_ne!(a, new_code());
        let shown = show_code(&a);
        assert_eq!(shown.len(), CODE_LEN + 3);
        assert_eq!(parse_code(&shown).as_deref(), Some(a.as_str()));
        assert_eq!(parse_code(&shown.to_lowercase()).as_deref(), Some(a.as_str()));
        assert_eq!(parse_code("o1il-0000-1111-2222").as_deref(), Some("0111000011112222"));
        for bad in ["", "CX-2026-000071", "ABCD-ABCD-ABCD-ABCU", "ABCD-ABCD-ABCD-ABC", "../../etc/passwd"] {
            assert_eq!(parse_code(bad), None, "{bad}");
        }
    }
}
