//! Personal API tokens: created and revoked by their owner, stored as SHA-256 hashes,
//! shown once. A token acts as its owner, within its scopes:
//!
//! - `read` (every token): GET and HEAD requests;
//! - `write`: any other method (a token without it gets 403 on every change);
//! - `admin`: the administrator routes (when the owner is an administrator) and the
//!   management of tokens (list, create, revoke).
//!
//! Scopes cap the owner's roles and never widen them: a token without `admin` acts as its
//! owner without the administrator role; an `admin` token of a non-administrator reaches no
//! administrator route. A token made by a token (its parent) gets at most the parent's
//! scopes and dies with it: revoking a token revokes every token made from it.

use super::{CurrentUser, Role};
use crate::App;
use crate::web::AppError;
use axum::http::Method;
use serde::{Deserialize, Serialize};
use sqlx::Row;

pub const PREFIX: &str = "bz_";

/// One right a token can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Reading (GET, HEAD); every token has it.
    Read,
    /// Changing: any method other than GET and HEAD.
    Write,
    /// Administrator routes (if the owner is an administrator) and token management.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Admin];
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// The scopes of a token: `read` always, `write` and `admin` when given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scopes {
    pub write: bool,
    pub admin: bool,
}

impl Scopes {
    /// Everything the owner may do (the command line's default, and tokens older than scopes).
    pub const FULL: Scopes = Scopes { write: true, admin: true };

    pub fn of(list: &[Scope]) -> Scopes {
        Scopes { write: list.contains(&Scope::Write), admin: list.contains(&Scope::Admin) }
    }

    /// A comma-separated list (`read,write`); an unknown word is an error naming it.
    pub fn parse(s: &str) -> Result<Scopes, String> {
        let mut list = Vec::new();
        for word in s.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            list.push(Scope::parse(word).ok_or_else(|| format!("unknown scope {word:?} (read, write, admin)"))?);
        }
        Ok(Scopes::of(&list))
    }

    pub fn list(self) -> Vec<Scope> {
        let mut v = vec![Scope::Read];
        if self.write {
            v.push(Scope::Write);
        }
        if self.admin {
            v.push(Scope::Admin);
        }
        v
    }

    pub fn to_db(self) -> String {
        self.list().iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
    }

    /// Whether these scopes include all of `other`'s.
    pub fn covers(self, other: Scopes) -> bool {
        (self.write || !other.write) && (self.admin || !other.admin)
    }
}

/// Routes that manage tokens: a browser session, or a token with the `admin` scope.
const MANAGEMENT: [&str; 2] = ["/api/v1/me/tokens", "/account/tokens"];

/// Why a request made with a token of these scopes is refused (an i18n key), if it is.
pub fn refusal(scopes: Scopes, method: &Method, path: &str) -> Option<&'static str> {
    let manages = MANAGEMENT.iter().any(|m| path == *m || path.strip_prefix(m).is_some_and(|rest| rest.starts_with('/')));
    if manages && !scopes.admin {
        return Some("error.token_scope_admin");
    }
    let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !reads && !scopes.write {
        return Some("error.token_scope_write");
    }
    None
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    /// First characters of the token, to recognise it.
    pub prefix: String,
    /// What the token may do (`read` always).
    pub scopes: Vec<Scope>,
    /// The token that made this one, if a token made it; revoking that one revokes this one.
    pub parent_id: Option<i64>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl TokenInfo {
    fn from_row(r: &crate::db::Row) -> Result<TokenInfo, sqlx::Error> {
        let scopes: String = r.try_get("scopes")?;
        Ok(TokenInfo {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            prefix: r.try_get("prefix")?,
            scopes: Scopes::parse(&scopes).unwrap_or_default().list(),
            parent_id: r.try_get("parent_id")?,
            created_at: r.try_get("created_at")?,
            last_used_at: r.try_get("last_used_at")?,
            revoked_at: r.try_get("revoked_at")?,
        })
    }
}

pub async fn authenticate(app: &App, token: &str) -> Result<Option<CurrentUser>, AppError> {
    if !token.starts_with(PREFIX) || token.len() > 100 {
        return Ok(None);
    }
    let hash = crate::util::sha256_hex(token);
    let row = sqlx::query(
        "SELECT id, user_id, last_used_at, scopes, parent_id FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
    )
    .bind(&hash)
    .fetch_optional(&app.db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let id: i64 = row.try_get("id")?;
    let user_id: i64 = row.try_get("user_id")?;
    let last: Option<i64> = row.try_get("last_used_at")?;
    let scopes = Scopes::parse(&row.try_get::<String, _>("scopes")?).unwrap_or_default();
    let parent: Option<i64> = row.try_get("parent_id")?;
    // A token made by a token whose line was revoked meanwhile (say, while it was being
    // made) is dead too, whatever its own row says.
    if parent.is_some() && ancestor_revoked(app, id).await? {
        return Ok(None);
    }
    let now = crate::util::now();
    if last.is_none_or(|t| now - t > 60) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(&app.db.pool).await?;
    }
    let mut user = super::sessions::load_user(app, user_id).await?;
    if let Some(u) = user.as_mut() {
        u.token_id = Some(id);
        u.token_scopes = Some(scopes);
        if !scopes.admin {
            u.roles.retain(|r| *r != Role::Admin);
        }
    }
    Ok(user)
}

async fn ancestor_revoked(app: &App, id: i64) -> Result<bool, AppError> {
    let n: i64 = sqlx::query_scalar(
        "WITH RECURSIVE line(id, parent_id, revoked_at) AS ( \
           SELECT id, parent_id, revoked_at FROM api_tokens WHERE id = $1 \
           UNION ALL SELECT t.id, t.parent_id, t.revoked_at FROM api_tokens t JOIN line ON t.id = line.parent_id) \
         SELECT COUNT(*) FROM line WHERE revoked_at IS NOT NULL",
    )
    .bind(id)
    .fetch_one(&app.db.pool)
    .await?;
    Ok(n > 0)
}

/// Who is making a token: the owner, and the token they use if any (whose scopes bound the
/// new one's).
pub struct Maker {
    pub user_id: i64,
    pub via: Option<(i64, Scopes)>,
}

impl Maker {
    pub fn of(user: &CurrentUser) -> Maker {
        Maker { user_id: user.id, via: user.token_id.zip(user.token_scopes) }
    }
}

/// Creates a token in the caller's transaction; the plain value is returned once and never
/// stored.
pub async fn create(tx: &mut crate::db::Tx, maker: &Maker, name: &str, scopes: Scopes) -> Result<(TokenInfo, String), AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::invalid("name", "1–80 characters"));
    }
    if let Some((_, parent)) = maker.via {
        if !parent.covers(scopes) {
            let given = parent.to_db();
            return Err(AppError::invalid("scopes", format!("a token can give only the scopes it has ({given})")));
        }
    }
    let token = format!("{PREFIX}{}", crate::util::random_token(32));
    let prefix: String = token.chars().take(10).collect();
    let now = crate::util::now();
    let parent_id = maker.via.map(|(id, _)| id);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, scopes, parent_id) \
         VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
    )
    .bind(maker.user_id)
    .bind(name)
    .bind(crate::util::sha256_hex(&token))
    .bind(&prefix)
    .bind(now)
    .bind(scopes.to_db())
    .bind(parent_id)
    .fetch_one(&mut **tx)
    .await?;
    let info = TokenInfo {
        id,
        name: name.to_string(),
        prefix,
        scopes: scopes.list(),
        parent_id,
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    Ok((info, token))
}

pub async fn list(app: &App, user_id: i64) -> Result<Vec<TokenInfo>, AppError> {
    let rows = sqlx::query(
        "SELECT id, name, prefix, scopes, parent_id, created_at, last_used_at, revoked_at FROM api_tokens \
         WHERE user_id = $1 ORDER BY id DESC",
    )
    .bind(user_id)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows.iter().map(TokenInfo::from_row).collect::<Result<_, _>>()?)
}

/// Revokes one of the user's own tokens and every token made from it, in one statement;
/// another user's token is "not found". Returns how many tokens it revoked.
pub async fn revoke(tx: &mut crate::db::Tx, user_id: i64, id: i64) -> Result<u64, AppError> {
    let n = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND user_id = $3 AND id IN ( \
           WITH RECURSIVE tree(id) AS ( \
             SELECT id FROM api_tokens WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL \
             UNION SELECT t.id FROM api_tokens t JOIN tree ON t.parent_id = tree.id) \
           SELECT id FROM tree)",
    )
    .bind(crate::util::now())
    .bind(id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if n == 0 { Err(AppError::NotFound) } else { Ok(n) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_print_and_cover() {
        assert_eq!(Scopes::parse("read").unwrap(), Scopes::default());
        assert_eq!(Scopes::parse("").unwrap(), Scopes::default());
        assert_eq!(Scopes::parse(" write , admin ").unwrap(), Scopes::FULL);
        assert_eq!(Scopes::FULL.to_db(), "read,write,admin");
        assert_eq!(Scopes::parse("read,root").unwrap_err(), "unknown scope \"root\" (read, write, admin)");
        assert!(Scopes::FULL.covers(Scopes { write: true, admin: false }));
        assert!(!Scopes { write: true, admin: false }.covers(Scopes::FULL));
        assert!(!Scopes::default().covers(Scopes { write: true, admin: false }));
    }

    #[test]
    fn refusals_follow_method_and_route() {
        let read = Scopes::default();
        let write = Scopes { write: true, admin: false };
        assert_eq!(refusal(read, &Method::GET, "/api/v1/standards"), None);
        assert_eq!(refusal(read, &Method::POST, "/api/v1/standards/check"), Some("error.token_scope_write"));
        assert_eq!(refusal(read, &Method::DELETE, "/api/v1/session"), Some("error.token_scope_write"));
        assert_eq!(refusal(write, &Method::PUT, "/api/v1/articles/1"), None);
        for path in ["/api/v1/me/tokens", "/api/v1/me/tokens/3", "/account/tokens", "/account/tokens/3/revoke"] {
            assert_eq!(refusal(write, &Method::POST, path), Some("error.token_scope_admin"), "{path}");
            assert_eq!(refusal(Scopes::FULL, &Method::POST, path), None, "{path}");
        }
        assert_eq!(refusal(read, &Method::GET, "/api/v1/me/tokens"), Some("error.token_scope_admin"));
        assert_eq!(refusal(write, &Method::GET, "/api/v1/me/tokensx"), None);
    }
}
