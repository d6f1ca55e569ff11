//! Certificates' records: the number scheme with its check character, issuing and revoking
//! (one transaction each, audited), the validity a verifier sees, and the expiry reminders.

use crate::App;
use crate::jobs::notify::{self, Notice};
use crate::web::{AppError, AppResult, Ctx};
use serde::{Deserialize, Serialize};

/// The issuer's prefix of every number.
pub const PREFIX: &str = "GZBA";

/// Certificate kinds with their default validity in years.
pub const KINDS: [(&str, i32); 4] = [("engineer_junior", 3), ("engineer_intermediate", 3), ("supervisor", 3), ("completion", 2)];

/// The default validity of a kind, in years.
pub fn default_years(kind: &str) -> Option<i32> {
    KINDS.iter().find(|(k, _)| *k == kind).map(|(_, y)| *y)
}

/// The ISO 7064 MOD 11-2 check character of a string of digits (`0`–`9` or `X`): it catches
/// every single mistyped digit and every swap of two neighbouring digits.
pub fn check_char(digits: &str) -> Option<char> {
    let mut p: u32 = 0;
    for c in digits.chars() {
        p = ((p + c.to_digit(10)?) * 2) % 11;
    }
    let v = (12 - p % 11) % 11;
    Some(if v == 10 { 'X' } else { char::from_digit(v, 10)? })
}

/// A certificate's number from its year and serial: `GZBA-2026-000123-C`.
pub fn format_number(year: i64, serial: i64) -> String {
    let digits = format!("{year:04}{serial:06}");
    let c = check_char(&digits).unwrap_or('0');
    format!("{PREFIX}-{year:04}-{serial:06}-{c}")
}

/// Why a typed number is not a number.
#[derive(Debug, PartialEq, Eq)]
pub enum NumberError {
    /// Not of the form GZBA-YYYY-NNNNNN-C.
    Malformed,
    /// Well formed, but the check character does not match: a typo.
    CheckFailed,
}

/// Reads a typed number, tolerating spaces, hyphens, other dashes and lower case; answers the
/// canonical form.
pub fn parse_number(typed: &str) -> Result<String, NumberError> {
    let s: String = typed.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_uppercase();
    let rest = s.strip_prefix(PREFIX).ok_or(NumberError::Malformed)?;
    if rest.len() != 11 || !rest[..10].bytes().all(|b| b.is_ascii_digit()) {
        return Err(NumberError::Malformed);
    }
    let (digits, check) = rest.split_at(10);
    if check_char(digits).map(String::from).as_deref() != Some(check) {
        return Err(NumberError::CheckFailed);
    }
    Ok(format!("{PREFIX}-{}-{}-{check}", &digits[..4], &digits[4..]))
}

/// A certificate as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Certificate {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub user_id: i64,
    pub holder_name: String,
    pub title: String,
    pub session_id: Option<i64>,
    pub issued_on: i64,
    pub expires_on: i64,
    pub revoked_at: Option<i64>,
    pub revoke_reason: Option<String>,
}

const COLUMNS: &str = "id, number, kind, user_id, holder_name, title, session_id, issued_on, expires_on, revoked_at, revoke_reason";

impl Certificate {
    /// `valid`, `expired` (after the expiry day, local time) or `revoked`.
    pub fn status(&self, now: i64) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if now >= self.expires_on + 86400 {
            "expired"
        } else {
            "valid"
        }
    }
}

pub async fn by_number(app: &App, number: &str) -> AppResult<Option<Certificate>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM training_certificates WHERE number = $1"))).bind(number).fetch_optional(&app.db.pool).await?)
}

pub async fn get(app: &App, id: i64) -> AppResult<Certificate> {
    let c: Option<Certificate> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM training_certificates WHERE id = $1"))).bind(id).fetch_optional(&app.db.pool).await?;
    c.ok_or(AppError::NotFound)
}

/// A person's certificates, latest first.
pub async fn of_user(app: &App, user: i64) -> AppResult<Vec<Certificate>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM training_certificates WHERE user_id = $1 ORDER BY issued_on DESC, id DESC"))).bind(user).fetch_all(&app.db.pool).await?)
}

/// The latest certificates (staff list).
pub async fn latest(app: &App, limit: i64) -> AppResult<Vec<Certificate>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM training_certificates ORDER BY id DESC LIMIT $1"))).bind(limit).fetch_all(&app.db.pool).await?)
}

/// The issuing form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct IssueInput {
    #[serde(default)]
    pub kind: String,
    /// The holder's account name or e-mail address.
    #[serde(default)]
    pub holder: String,
    #[serde(default)]
    pub title: String,
    /// `YYYY-MM-DD`; today when empty.
    #[serde(default)]
    pub issued_on: String,
    /// `YYYY-MM-DD`; the kind's validity after the issue date when empty.
    #[serde(default)]
    pub expires_on: String,
    /// A session id, or empty.
    #[serde(default)]
    pub session: String,
}

/// Issues a certificate in one transaction (number allocated per year, audited); answers it.
pub async fn issue(app: &App, ctx: &Ctx, input: &IssueInput) -> AppResult<Certificate> {
    let staff = ctx.require_user()?.id;
    let mut tx = app.db.begin().await?;
    let (id, _) = issue_in(&mut tx, app, ctx, input, Some(staff)).await?;
    tx.commit().await?;
    get(app, id).await
}

/// Issues a certificate within the caller's transaction (an exam's final mark issues it in
/// the transaction that records the pass); `issued_by` is `None` when no person issues it.
/// Answers its id and number.
pub async fn issue_in(tx: &mut crate::db::Tx, app: &App, ctx: &Ctx, input: &IssueInput, issued_by: Option<i64>) -> AppResult<(i64, String)> {
    let years = default_years(&input.kind).ok_or_else(|| AppError::invalid("kind", ctx.t("certificate.err_kind")))?;
    let who = input.holder.trim();
    if who.is_empty() {
        return Err(AppError::invalid("holder", ctx.t("certificate.err_holder")));
    }
    let holder: Option<(i64, String, String)> = sqlx::query_as("SELECT id, username, display_name FROM users WHERE LOWER(username) = LOWER($1) OR LOWER(email) = LOWER($1)")
        .bind(who)
        .fetch_optional(&mut **tx)
        .await?;
    let (user_id, username, display_name) = holder.ok_or_else(|| AppError::invalid("holder", ctx.tf("certificate.err_no_account", &[("who", who)])))?;
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::invalid("title", ctx.t("certificate.err_title")));
    }
    let now = crate::util::now();
    let issued_on = if input.issued_on.trim().is_empty() {
        crate::util::parse_local_date(&crate::util::fmt_date(now)).unwrap_or(now)
    } else {
        crate::util::parse_local_date(&input.issued_on).ok_or_else(|| AppError::invalid("issued_on", ctx.t("certificate.err_date")))?
    };
    let expires_on = if input.expires_on.trim().is_empty() {
        crate::util::add_years(issued_on, years) - 86400
    } else {
        crate::util::parse_local_date(&input.expires_on).ok_or_else(|| AppError::invalid("expires_on", ctx.t("certificate.err_date")))?
    };
    if expires_on < issued_on {
        return Err(AppError::invalid("expires_on", ctx.t("certificate.err_expiry_order")));
    }
    let session = match input.session.trim() {
        "" => None,
        s => Some(s.parse::<i64>().map_err(|_| AppError::invalid("session", ctx.t("certificate.err_session")))?),
    };
    if let Some(sid) = session {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM training_sessions WHERE id = $1").bind(sid).fetch_optional(&mut **tx).await?;
        found.ok_or_else(|| AppError::invalid("session", ctx.t("certificate.err_session")))?;
    }
    let year = i64::from(crate::util::to_local(issued_on).year());
    let serial: i64 = sqlx::query_scalar("SELECT CAST(COALESCE(MAX(serial), 0) + 1 AS BIGINT) FROM training_certificates WHERE year = $1").bind(year).fetch_one(&mut **tx).await?;
    let number = format_number(year, serial);
    let name = if display_name.trim().is_empty() { username } else { display_name };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO training_certificates (number, year, serial, kind, user_id, holder_name, title, session_id, issued_on, expires_on, issued_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id",
    )
    .bind(&number)
    .bind(year)
    .bind(serial)
    .bind(&input.kind)
    .bind(user_id)
    .bind(&name)
    .bind(title)
    .bind(session)
    .bind(issued_on)
    .bind(expires_on)
    .bind(issued_by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| match e {
        // Two staff issuing in the same instant took the same serial: the later one retries.
        sqlx::Error::Database(d) if d.is_unique_violation() => AppError::Conflict(ctx.t("certificate.err_busy")),
        e => e.into(),
    })?;
    let link = format!("/training/certificates/{id}");
    let args = [("title", title), ("number", number.as_str())];
    notify::send(tx, app, user_id, Notice { kind: "training", key: "certificate.notice_issued", args: &args, link: &link, mail: true }).await?;
    crate::auth::audit::log_tx(tx, ctx, crate::auth::audit::Entry { action: "certificate.issue", target: format!("certificate:{id}"), detail: format!("{number} user:{user_id}") }).await?;
    Ok((id, number))
}

/// Revokes a certificate with a reason, in one transaction (audited). A revoked one stays so.
pub async fn revoke(app: &App, ctx: &Ctx, id: i64, reason: &str) -> AppResult<()> {
    let staff = ctx.require_user()?.id;
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::invalid("reason", ctx.t("certificate.err_reason")));
    }
    let mut tx = app.db.begin().await?;
    let row: Option<(String, Option<i64>)> = sqlx::query_as("SELECT number, revoked_at FROM training_certificates WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
    let (number, revoked) = row.ok_or(AppError::NotFound)?;
    if revoked.is_some() {
        return Err(AppError::Conflict(ctx.t("certificate.err_revoked")));
    }
    let now = crate::util::now();
    sqlx::query("UPDATE training_certificates SET revoked_at = $1, revoked_by = $2, revoke_reason = $3 WHERE id = $4 AND revoked_at IS NULL")
        .bind(now)
        .bind(staff)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "certificate.revoke", target: format!("certificate:{id}"), detail: format!("{number}: {reason}") }).await?;
    tx.commit().await?;
    Ok(())
}

/// The `certificate_reminders` job (hourly).
pub async fn reminders_job(app: App, _id: i64, _payload: serde_json::Value) -> anyhow::Result<()> {
    send_reminders(&app).await?;
    Ok(())
}

/// Mails the holders of valid certificates that expire within 60 days, and again within 7
/// days; each reminder once. A certificate already within 7 days gets only the second.
pub async fn send_reminders(app: &App) -> AppResult<usize> {
    let now = crate::util::now();
    let mut sent = 0;
    for (days, column) in [(7i64, "reminded_7_at"), (60, "reminded_60_at")] {
        let due: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, user_id, number, title, expires_on FROM training_certificates \
             WHERE revoked_at IS NULL AND {column} IS NULL AND expires_on + 86400 > $1 AND expires_on <= $2 ORDER BY id LIMIT 1000"
        )))
        .bind(now)
        .bind(now + days * 86400)
        .fetch_all(&app.db.pool)
        .await?;
        for (id, user, number, title, expires_on) in due {
            let mut tx = app.db.begin().await?;
            // Claimed in the transaction that queues the mail; the 7-day reminder also settles
            // the 60-day one so a late-issued certificate is not told twice.
            let also = if days == 7 { ", reminded_60_at = COALESCE(reminded_60_at, $1)" } else { "" };
            let claimed = sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE training_certificates SET {column} = $1{also} WHERE id = $2 AND {column} IS NULL"))).bind(now).bind(id).execute(&mut *tx).await?;
            if claimed.rows_affected() == 1 {
                let date = crate::util::fmt_date(expires_on);
                let link = format!("/training/certificates/{id}");
                let args = [("title", title.as_str()), ("number", number.as_str()), ("date", date.as_str())];
                notify::send(&mut tx, app, user, Notice { kind: "training", key: "certificate.notice_expiring", args: &args, link: &link, mail: true }).await?;
                sent += 1;
            }
            tx.commit().await?;
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_carry_a_check_character_that_catches_typos() {
        let n = format_number(2026, 123);
        assert!(n.starts_with("GZBA-2026-000123-"), "{n}");
        assert_eq!(parse_number(&n), Ok(n.clone()));
        let loose = n.to_lowercase().replace('-', " ");
        assert_eq!(parse_number(&format!("  {loose} ")), Ok(n.clone()));
        // Every single changed digit and every swap of neighbours is caught.
        let digits = "2026000123";
        for i in 0..digits.len() {
            for d in b'0'..=b'9' {
                let mut b = digits.as_bytes().to_vec();
                if b[i] == d {
                    continue;
                }
                b[i] = d;
                let typed = format!("GZBA{}{}", std::str::from_utf8(&b).unwrap(), n.chars().last().unwrap());
                assert_eq!(parse_number(&typed), Err(NumberError::CheckFailed), "{typed}");
            }
        }
        assert_eq!(parse_number("GZBA-2026-000123"), Err(NumberError::Malformed));
        assert_eq!(parse_number("hello"), Err(NumberError::Malformed));
    }
}
