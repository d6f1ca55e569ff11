//! Accounts: creation, look-up, roles, and the single-use mailed tokens (confirmation,
//! password reset, invitation).

use super::{Role, identity};
use crate::App;
use crate::db::Tx;
use crate::web::{AppError, Lang};

pub struct Account {
    pub id: i64,
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub confirmed: bool,
    pub active: bool,
    pub locale: Lang,
}

/// The case-insensitive key of a user name (NFKC, lower case; see `auth::identity`).
pub fn username_key(s: &str) -> String {
    identity::key(s)
}

/// 3–32 characters after NFKC: letters (Chinese too), ASCII digits, `_ . -`; not all digits
/// (so it cannot be confused with a mobile number); no mixing of scripts beyond what CJK
/// text does with Latin (`auth::identity::check`).
pub fn check_username(s: &str) -> Result<(), &'static str> {
    identity::check(s).map(|_| ())
}

pub fn check_email(s: &str) -> Result<(), &'static str> {
    let s = s.trim();
    let ok = s.len() <= 254
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !s.chars().any(|c| c.is_whitespace() || c == '<' || c == '>' || c == ',');
    if ok { Ok(()) } else { Err("auth.email_invalid") }
}

/// Mainland mobile numbers: 11 digits starting 1[3-9]; `+86` and spaces allowed.
pub fn check_mobile(s: &str) -> Result<String, &'static str> {
    let digits: String = s.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    let digits = digits.strip_prefix("+86").unwrap_or(&digits).to_string();
    if digits.len() == 11 && digits.starts_with('1') && digits.as_bytes()[1].is_ascii_digit() && digits.as_bytes()[1] >= b'3' && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(digits)
    } else {
        Err("auth.mobile_invalid")
    }
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub mobile: Option<&'a str>,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub confirmed: bool,
    pub locale: Lang,
}

/// Why an account could not be inserted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// The name, compared case-insensitively after NFKC.
    Username,
    /// Another name looks the same (same confusable skeleton).
    LookAlike,
    /// The mail address belongs to this account.
    Email(i64),
}

impl Taken {
    /// The error a form shows for it, on its field.
    pub fn error(self, lang: Lang) -> AppError {
        let (field, key) = match self {
            Taken::Username => ("username", "auth.username_taken"),
            Taken::LookAlike => ("username", "auth.username_confusable"),
            Taken::Email(_) => ("email", "auth.email_taken"),
        };
        AppError::invalid(field, crate::web::i18n::t(lang, key))
    }
}

/// What stands in the way of a new account with this name and address, if anything: the
/// name first, then a look-alike name, then the address.
async fn taken(tx: &mut Tx, key: &str, skeleton: &str, email_key: &str) -> Result<Option<Taken>, sqlx::Error> {
    let same: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE username_key = $1").bind(key).fetch_optional(&mut **tx).await?;
    if same.is_some() {
        return Ok(Some(Taken::Username));
    }
    let alike: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE username_skeleton = $1").bind(skeleton).fetch_optional(&mut **tx).await?;
    if alike.is_some() {
        return Ok(Some(Taken::LookAlike));
    }
    let mail: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1").bind(email_key).fetch_optional(&mut **tx).await?;
    Ok(mail.map(Taken::Email))
}

/// Inserts an account under its normal name (NFKC), its key and its look-alike skeleton.
/// The unique indexes on all three decide between concurrent registrations: the insert
/// that loses is reported like a name or address found taken beforehand.
pub async fn insert_user(tx: &mut Tx, u: NewUser<'_>) -> Result<Result<i64, Taken>, sqlx::Error> {
    let now = crate::util::now();
    let username = identity::normalize(u.username);
    let key = identity::key(&username);
    let skeleton = identity::skeleton(&username);
    let email_key = u.email.trim().to_lowercase();
    if let Some(t) = taken(tx, &key, &skeleton, &email_key).await? {
        return Ok(Err(t));
    }
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO users (username, username_key, username_skeleton, email, email_key, mobile, display_name, locale, password_hash, \
         email_confirmed_at, status, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'active',$11,$11) \
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(&username)
    .bind(&key)
    .bind(&skeleton)
    .bind(u.email.trim())
    .bind(&email_key)
    .bind(u.mobile)
    .bind(u.display_name.trim())
    .bind(u.locale.code())
    .bind(u.password_hash)
    .bind(if u.confirmed { Some(now) } else { None })
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    match id {
        Some(id) => Ok(Ok(id)),
        // Someone else's insert committed in between: say which of the three it took.
        None => Ok(Err(taken(tx, &key, &skeleton, &email_key).await?.unwrap_or(Taken::Username))),
    }
}

/// Inserts an account; a taken name, a look-alike or a taken address is reported on its field.
pub async fn create(tx: &mut Tx, u: NewUser<'_>, lang: Lang) -> Result<i64, AppError> {
    insert_user(tx, u).await?.map_err(|t| t.error(lang))
}

/// Gives accounts made before look-alike keys existed theirs (at start). Two old accounts
/// that look alike keep the second without one, with a warning: an administrator renames it.
pub async fn fill_skeletons(app: &App) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, username FROM users WHERE username_skeleton IS NULL ORDER BY id").fetch_all(&app.db.pool).await?;
    for (id, name) in rows {
        let skeleton = identity::skeleton(&name);
        let res = sqlx::query(
            "UPDATE users SET username_skeleton = $1 WHERE id = $2 AND NOT EXISTS (SELECT 1 FROM users o WHERE o.username_skeleton = $1)",
        )
        .bind(&skeleton)
        .bind(id)
        .execute(&app.db.pool)
        .await;
        match res {
            Ok(r) if r.rows_affected() == 1 => {}
            Ok(_) | Err(_) => tracing::warn!("user {id} ({name:?}) looks like another account's name; rename one of them"),
        }
    }
    Ok(())
}

/// A `users` row as [`ACCOUNT_COLS`] reads it.
#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    username: String,
    email: String,
    password_hash: String,
    email_confirmed_at: Option<i64>,
    status: String,
    locale: String,
}

impl From<AccountRow> for Account {
    fn from(r: AccountRow) -> Account {
        Account {
            id: r.id,
            username: r.username,
            email: r.email,
            password_hash: r.password_hash,
            confirmed: r.email_confirmed_at.is_some(),
            active: r.status == "active",
            locale: Lang::parse(&r.locale).unwrap_or_default(),
        }
    }
}

const ACCOUNT_COLS: &str = "id, username, email, password_hash, email_confirmed_at, status, locale";

/// Finds an account by user name or mail address (case-insensitive).
pub async fn find_by_account(app: &App, account: &str) -> Result<Option<Account>, AppError> {
    let row = sqlx::query_as::<_, AccountRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {ACCOUNT_COLS} FROM users WHERE username_key = $1 OR email_key = $2 LIMIT 1"
    )))
    .bind(identity::key(account))
    .bind(account.trim().to_lowercase())
    .fetch_optional(&app.db.pool)
    .await?;
    Ok(row.map(Account::from))
}

pub async fn find_by_id(app: &App, id: i64) -> Result<Option<Account>, AppError> {
    let row = sqlx::query_as::<_, AccountRow>(sqlx::AssertSqlSafe(format!("SELECT {ACCOUNT_COLS} FROM users WHERE id = $1")))
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?;
    Ok(row.map(Account::from))
}

pub async fn set_password(tx: &mut Tx, user_id: i64, hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(crate::util::now())
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn roles_of(app: &App, user_id: i64) -> Result<Vec<Role>, AppError> {
    let roles: Vec<String> = sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
        .bind(user_id)
        .fetch_all(&app.db.pool)
        .await?;
    Ok(roles.iter().filter_map(|r| Role::parse(r)).collect())
}

/// Replaces a user's roles; returns (added, removed).
pub async fn set_roles(tx: &mut Tx, user_id: i64, roles: &[Role], by: Option<i64>) -> Result<(Vec<Role>, Vec<Role>), sqlx::Error> {
    let current: Vec<String> = sqlx::query_scalar("SELECT role FROM user_roles WHERE user_id = $1")
        .bind(user_id)
        .fetch_all(&mut **tx)
        .await?;
    let current: Vec<Role> = current.iter().filter_map(|r| Role::parse(r)).collect();
    // Each role once, however often it is asked for (a role twice would be a duplicate row).
    let mut added: Vec<Role> = Vec::new();
    for r in roles {
        if !current.contains(r) && !added.contains(r) {
            added.push(*r);
        }
    }
    let removed: Vec<Role> = current.iter().copied().filter(|r| !roles.contains(r)).collect();
    for r in &removed {
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1 AND role = $2").bind(user_id).bind(r.as_str()).execute(&mut **tx).await?;
    }
    for r in &added {
        sqlx::query("INSERT INTO user_roles (user_id, role, granted_by, granted_at) VALUES ($1,$2,$3,$4)")
            .bind(user_id)
            .bind(r.as_str())
            .bind(by)
            .bind(crate::util::now())
            .execute(&mut **tx)
            .await?;
    }
    Ok((added, removed))
}

// ---------------------------------------------------------------------------------------
// Mailed single-use tokens

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Confirm,
    Reset,
    /// Confirms a new mail address (kept in the token's `new_email`).
    EmailChange,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Confirm => "confirm",
            Purpose::Reset => "reset",
            Purpose::EmailChange => "email_change",
        }
    }
}

pub async fn issue_token(tx: &mut Tx, user_id: i64, purpose: Purpose, ttl: i64) -> Result<String, sqlx::Error> {
    let token = crate::util::random_token(32);
    let now = crate::util::now();
    sqlx::query("INSERT INTO email_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1,$2,$3,$4,$5)")
        .bind(crate::util::sha256_hex(&token))
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(now)
        .bind(now + ttl)
        .execute(&mut **tx)
        .await?;
    Ok(token)
}

/// Records the address a token confirms.
pub async fn set_token_email(tx: &mut Tx, token: &str, email: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_tokens SET new_email = $1 WHERE token_hash = $2")
        .bind(email)
        .bind(crate::util::sha256_hex(token))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The address a token confirms.
pub async fn token_email(tx: &mut Tx, token: &str) -> Result<Option<String>, sqlx::Error> {
    let v: Option<Option<String>> = sqlx::query_scalar("SELECT new_email FROM email_tokens WHERE token_hash = $1")
        .bind(crate::util::sha256_hex(token))
        .fetch_optional(&mut **tx)
        .await?;
    Ok(v.flatten())
}

/// Sets the language of a user's mails and notices.
pub async fn set_locale(tx: &mut Tx, user_id: i64, lang: Lang) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET locale = $1, updated_at = $2 WHERE id = $3").bind(lang.code()).bind(crate::util::now()).bind(user_id).execute(&mut **tx).await?;
    Ok(())
}

/// Sets a user's (confirmed) mail address; `false` when another account has it.
pub async fn set_email(tx: &mut Tx, user_id: i64, email: &str) -> Result<bool, sqlx::Error> {
    let key = email.trim().to_lowercase();
    let other: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1 AND id <> $2")
        .bind(&key)
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?;
    if key.is_empty() || other.is_some() {
        return Ok(false);
    }
    let now = crate::util::now();
    sqlx::query("UPDATE users SET email = $1, email_key = $2, email_confirmed_at = $3, updated_at = $3 WHERE id = $4")
        .bind(email.trim())
        .bind(&key)
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

#[derive(Debug, PartialEq, Eq)]
pub enum TokenState {
    Valid(i64),
    Expired,
    Used,
    Unknown,
}

/// An `email_tokens` row: whose, until when, and whether it was used.
#[derive(sqlx::FromRow)]
struct TokenRow {
    user_id: i64,
    expires_at: i64,
    used_at: Option<i64>,
}

impl TokenRow {
    fn state(&self, now: i64) -> TokenState {
        if self.used_at.is_some() {
            TokenState::Used
        } else if self.expires_at < now {
            TokenState::Expired
        } else {
            TokenState::Valid(self.user_id)
        }
    }
}

/// Looks a token up without using it (to show the form).
pub async fn peek_token(app: &App, token: &str, purpose: Purpose) -> Result<TokenState, AppError> {
    let row = sqlx::query_as::<_, TokenRow>("SELECT user_id, expires_at, used_at FROM email_tokens WHERE token_hash = $1 AND purpose = $2")
        .bind(crate::util::sha256_hex(token))
        .bind(purpose.as_str())
        .fetch_optional(&app.db.pool)
        .await?;
    Ok(row.map_or(TokenState::Unknown, |r| r.state(crate::util::now())))
}

/// Uses a token inside the caller's transaction; a second use finds it used.
pub async fn consume_token(tx: &mut Tx, token: &str, purpose: Purpose) -> Result<TokenState, sqlx::Error> {
    let hash = crate::util::sha256_hex(token);
    let now = crate::util::now();
    let row = sqlx::query_as::<_, TokenRow>("SELECT user_id, expires_at, used_at FROM email_tokens WHERE token_hash = $1 AND purpose = $2")
        .bind(&hash)
        .bind(purpose.as_str())
        .fetch_optional(&mut **tx)
        .await?;
    let Some(r) = row else { return Ok(TokenState::Unknown) };
    let state = r.state(now);
    if !matches!(state, TokenState::Valid(_)) {
        return Ok(state);
    }
    let n = sqlx::query("UPDATE email_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL")
        .bind(now)
        .bind(&hash)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Ok(TokenState::Used);
    }
    Ok(state)
}

/// On first start, creates an `admin` account with a random password and returns it,
/// so the operator can log in. Does nothing when any administrator exists.
pub async fn ensure_admin(app: &App) -> anyhow::Result<Option<(String, String)>> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM user_roles WHERE role = 'admin'").fetch_one(&app.db.pool).await?;
    if existing > 0 {
        return Ok(None);
    }
    let password = crate::util::random_token(12);
    let id = create_admin(app, "admin", "admin@localhost", &password).await?;
    tracing::info!("created administrator account {id}");
    Ok(Some(("admin".into(), password)))
}

/// Creates a confirmed administrator (CLI `user create --admin`).
pub async fn create_admin(app: &App, username: &str, email: &str, password: &str) -> anyhow::Result<i64> {
    create_confirmed(app, username, email, password, true).await
}

/// Creates a confirmed account from the command line: an administrator (and staff) with
/// `admin`, else an ordinary account (operators bring in trainees and staff from lists).
/// The audit row is written with it (`user.create_admin` or `user.create`).
pub async fn create_confirmed(app: &App, username: &str, email: &str, password: &str, admin: bool) -> anyhow::Result<i64> {
    check_username(username).map_err(|k| anyhow::anyhow!(crate::web::i18n::t(Lang::En, k)))?;
    let hash = super::password::hash(password)?;
    let mut tx = app.db.begin().await?;
    let id = create(
        &mut tx,
        NewUser { username, email, mobile: None, display_name: username, password_hash: &hash, confirmed: true, locale: Lang::Zh },
        Lang::En,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let action = if admin {
        set_roles(&mut tx, id, &[Role::Admin, Role::Staff], None).await?;
        "user.create_admin"
    } else {
        "user.create"
    };
    sqlx::query("INSERT INTO audit_log (at, action, target, detail) VALUES ($1, $2, $3, 'command line or first start')")
        .bind(crate::util::now())
        .bind(action)
        .bind(format!("user:{id}"))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(id)
}
