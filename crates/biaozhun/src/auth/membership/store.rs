//! Membership records: applications, decisions, memberships, organisations and their users.

use super::model::ApplicationInput;
use crate::App;
use crate::auth::audit;
use crate::jobs::notify::{self, Notice};
use crate::web::{AppError, AppResult, Ctx};
use crate::workflow::{Actor, Step};
use serde::Serialize;
use sqlx::Row;

/// Membership term granted by default.
pub const TERM_YEARS: i32 = 1;
/// Members may renew this long before the end of their term.
pub const RENEW_WINDOW_SECS: i64 = 60 * 24 * 3600;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Application {
    pub id: i64,
    pub user_id: i64,
    pub username: String,
    pub kind: String,
    /// `join` or `renew`.
    pub purpose: String,
    pub membership_id: Option<i64>,
    pub org_name: String,
    pub uscc: String,
    pub real_name: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub address: String,
    pub district_code: String,
    pub district: String,
    pub industry: String,
    pub statement: String,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    pub decision_reason: String,
    pub reviewed_at: Option<i64>,
    pub created_at: i64,
    /// Send back with a decision; a changed version means someone else decided first.
    pub version: i64,
}

const APP_COLS: &str = "a.id, a.user_id, u.username, a.kind, a.purpose, a.membership_id, a.org_name, a.uscc, a.real_name, \
    a.contact_name, a.contact_phone, a.contact_email, a.address, a.district_code, a.industry, a.statement, a.status, \
    a.decision_reason, a.reviewed_at, a.created_at, a.version";

fn app_from(r: &crate::db::Row) -> Result<Application, sqlx::Error> {
    let district_code: String = r.try_get("district_code")?;
    Ok(Application {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        kind: r.try_get("kind")?,
        purpose: r.try_get("purpose")?,
        membership_id: r.try_get("membership_id")?,
        org_name: r.try_get("org_name")?,
        uscc: r.try_get("uscc")?,
        real_name: r.try_get("real_name")?,
        contact_name: r.try_get("contact_name")?,
        contact_phone: r.try_get("contact_phone")?,
        contact_email: r.try_get("contact_email")?,
        address: r.try_get("address")?,
        district: super::model::district_name(&district_code),
        district_code,
        industry: r.try_get("industry")?,
        statement: r.try_get("statement")?,
        status: r.try_get("status")?,
        decision_reason: r.try_get("decision_reason")?,
        reviewed_at: r.try_get("reviewed_at")?,
        created_at: r.try_get("created_at")?,
        version: r.try_get("version")?,
    })
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Membership {
    pub id: i64,
    pub member_no: String,
    pub kind: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    pub starts_at: i64,
    pub ends_at: i64,
    pub status: String,
    /// In force now.
    pub active: bool,
    /// Within the renewal window or already expired.
    pub renewable: bool,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub membership: Option<Membership>,
    pub pending: Option<Application>,
    pub last_decision: Option<Application>,
    /// The user administers the organisation's membership (may add its staff).
    pub org_admin: bool,
}

/// The membership that covers a user (own, or through an organisation), newest first.
pub async fn membership_for(app: &App, user_id: i64) -> AppResult<Option<Membership>> {
    let r = sqlx::query(
        "SELECT m.id, m.member_no, m.kind, m.org_id, o.name AS org_name, m.starts_at, m.ends_at, m.status \
         FROM memberships m LEFT JOIN organisations o ON o.id = m.org_id \
         WHERE m.user_id = $1 OR m.org_id IN (SELECT org_id FROM org_users WHERE user_id = $1) \
         ORDER BY m.ends_at DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(&app.db.pool)
    .await?;
    let now = crate::util::now();
    Ok(r.map(|r| -> Result<Membership, sqlx::Error> {
        let ends_at: i64 = r.try_get("ends_at")?;
        let starts_at: i64 = r.try_get("starts_at")?;
        let status: String = r.try_get("status")?;
        Ok(Membership {
            id: r.try_get("id")?,
            member_no: r.try_get("member_no")?,
            kind: r.try_get("kind")?,
            org_id: r.try_get("org_id")?,
            org_name: r.try_get("org_name")?,
            active: status == "active" && starts_at <= now && ends_at > now,
            renewable: status == "active" && ends_at - now < RENEW_WINDOW_SECS,
            starts_at,
            ends_at,
            status,
        })
    })
    .transpose()?)
}

pub async fn summary_for(app: &App, user_id: i64) -> AppResult<Summary> {
    let membership = membership_for(app, user_id).await?;
    let pending = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {APP_COLS} FROM membership_applications a JOIN users u ON u.id = a.user_id \
         WHERE a.user_id = $1 AND a.status = 'pending' ORDER BY a.id DESC LIMIT 1"
    )))
    .bind(user_id)
    .fetch_optional(&app.db.pool)
    .await?
    .as_ref()
    .map(app_from)
    .transpose()?;
    let last_decision = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {APP_COLS} FROM membership_applications a JOIN users u ON u.id = a.user_id \
         WHERE a.user_id = $1 AND a.status <> 'pending' ORDER BY a.reviewed_at DESC, a.id DESC LIMIT 1"
    )))
    .bind(user_id)
    .fetch_optional(&app.db.pool)
    .await?
    .as_ref()
    .map(app_from)
    .transpose()?;
    let org_admin = match membership.as_ref().and_then(|m| m.org_id) {
        Some(org) => is_org_admin(app, org, user_id).await?,
        None => false,
    };
    Ok(Summary { membership, pending, last_decision, org_admin })
}

pub async fn is_org_admin(app: &App, org_id: i64, user_id: i64) -> AppResult<bool> {
    let role: Option<String> = sqlx::query_scalar("SELECT org_role FROM org_users WHERE org_id = $1 AND user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .fetch_optional(&app.db.pool)
        .await?;
    Ok(role.as_deref() == Some("admin"))
}

/// Files an application (to join, or to renew the membership that covers the user).
pub async fn submit(app: &App, ctx: &Ctx, input: ApplicationInput, renew: bool) -> AppResult<i64> {
    let user = ctx.require_user()?;
    let input = input.validate(ctx.lang)?;
    let current = membership_for(app, user.id).await?;
    let membership_id = match (&current, renew) {
        (Some(m), true) if m.renewable => Some(m.id),
        (_, true) => return Err(AppError::Conflict(ctx.t("membership.err_not_renewable"))),
        (Some(m), false) if m.active => return Err(AppError::Conflict(ctx.t("membership.err_already_member"))),
        _ => None,
    };
    let mut tx = app.db.begin().await?;
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM membership_applications WHERE user_id = $1 AND status = 'pending'")
        .bind(user.id)
        .fetch_one(&mut *tx)
        .await?;
    if pending > 0 {
        return Err(AppError::Conflict(ctx.t("membership.err_pending")));
    }
    if input.kind == "organisation" && !renew {
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT m.id FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE o.uscc = $1 AND m.status = 'active' AND m.ends_at > $2",
        )
        .bind(&input.uscc)
        .bind(crate::util::now())
        .fetch_optional(&mut *tx)
        .await?;
        if taken.is_some() {
            return Err(AppError::invalid("uscc", ctx.t("membership.err_org_member")));
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO membership_applications (user_id, kind, purpose, membership_id, org_name, uscc, real_name, contact_name, \
         contact_phone, contact_email, address, district_code, industry, statement, status, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,'pending',$15) RETURNING id",
    )
    .bind(user.id)
    .bind(&input.kind)
    .bind(if renew { "renew" } else { "join" })
    .bind(membership_id)
    .bind(&input.org_name)
    .bind(&input.uscc)
    .bind(&input.real_name)
    .bind(&input.contact_name)
    .bind(&input.contact_phone)
    .bind(&input.contact_email)
    .bind(&input.address)
    .bind(&input.district_code)
    .bind(&input.industry)
    .bind(&input.statement)
    .bind(crate::util::now())
    .fetch_one(&mut *tx)
    .await?;
    super::review::submitted(&mut tx, app, &Actor::of(ctx)?, id).await?;
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "membership.apply", target: format!("application:{id}"), detail: input.kind.clone() }).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn get(app: &App, id: i64) -> AppResult<Application> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {APP_COLS} FROM membership_applications a JOIN users u ON u.id = a.user_id WHERE a.id = $1"
    )))
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(app_from(&r)?)
}

pub async fn queue(app: &App, status: &str) -> AppResult<Vec<Application>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {APP_COLS} FROM membership_applications a JOIN users u ON u.id = a.user_id \
         WHERE ($1 = '' OR a.status = $1) ORDER BY a.created_at ASC, a.id ASC LIMIT 500"
    )))
    .bind(status)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows.iter().map(app_from).collect::<Result<_, _>>()?)
}

pub async fn pending_count(app: &App) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM membership_applications WHERE status = 'pending'").fetch_one(&app.db.pool).await?)
}

/// Suggests the next member number: `GZ<kind letter><year>-<sequence>`.
pub async fn suggest_member_no(app: &App, kind: &str) -> AppResult<String> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships").fetch_one(&app.db.pool).await?;
    let year = crate::util::to_local(crate::util::now()).year();
    let letter = if kind == "organisation" { "T" } else { "G" };
    Ok(format!("GZ{letter}{year}-{:04}", n + 1))
}

pub struct Approval {
    pub version: i64,
    pub member_no: String,
    pub starts_at: i64,
    /// `None`: one term after the start, or for a renewal one term after the current end.
    pub ends_at: Option<i64>,
}

/// Approves an application: records the decision (the review step, which tells the
/// applicant), creates or extends the membership (and the organisation). One transaction;
/// a stale version is refused.
pub async fn approve(app: &App, ctx: &Ctx, id: i64, a: Approval) -> AppResult<String> {
    let actor = Actor::of(ctx)?;
    let appl = get(app, id).await?;
    let mut tx = app.db.begin().await?;
    let now = crate::util::now();
    let renewing = appl.membership_id.filter(|_| appl.purpose == "renew");
    let ends_at = match (a.ends_at, renewing) {
        (Some(e), _) => e,
        (None, Some(mid)) => {
            let end: i64 = sqlx::query_scalar("SELECT ends_at FROM memberships WHERE id = $1").bind(mid).fetch_one(&mut *tx).await?;
            crate::util::add_years(end.max(now), TERM_YEARS)
        }
        (None, None) => crate::util::add_years(a.starts_at, TERM_YEARS),
    };
    if ends_at <= a.starts_at {
        return Err(AppError::invalid("ends_on", ctx.t("membership.err_dates")));
    }
    // The member number is settled before the step, so that its notice can carry it.
    let member_no = match renewing {
        Some(mid) => sqlx::query_scalar::<_, String>("SELECT member_no FROM memberships WHERE id = $1").bind(mid).fetch_one(&mut *tx).await?,
        None => a.member_no.trim().to_string(),
    };
    if member_no.is_empty() || member_no.chars().count() > 40 {
        return Err(AppError::invalid("member_no", ctx.t("membership.err_member_no")));
    }
    let until = crate::util::fmt_date(ends_at);
    let data = serde_json::json!({ "member_no": member_no, "until": until });
    super::review::decide(&mut tx, app, &actor, id, a.version, Step::action("approve").data(data)).await?;
    if let Some(mid) = renewing {
        sqlx::query("UPDATE memberships SET ends_at = $1, status = 'active', updated_at = $2 WHERE id = $3")
            .bind(ends_at)
            .bind(now)
            .bind(mid)
            .execute(&mut *tx)
            .await?;
    } else {
        let org_id = if appl.kind == "organisation" {
            // One statement creates the organisation or refreshes its details.
            let org_id: i64 = sqlx::query_scalar(
                "INSERT INTO organisations (name, uscc, contact_name, contact_phone, contact_email, address, district_code, \
                 industry, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) \
                 ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, contact_name = excluded.contact_name, \
                 contact_phone = excluded.contact_phone, contact_email = excluded.contact_email, address = excluded.address, \
                 district_code = excluded.district_code, industry = excluded.industry, updated_at = excluded.updated_at \
                 RETURNING id",
            )
            .bind(&appl.org_name)
            .bind(&appl.uscc)
            .bind(&appl.contact_name)
            .bind(&appl.contact_phone)
            .bind(&appl.contact_email)
            .bind(&appl.address)
            .bind(&appl.district_code)
            .bind(&appl.industry)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO org_users (org_id, user_id, org_role, added_at) VALUES ($1,$2,'admin',$3) \
                 ON CONFLICT (org_id, user_id) DO UPDATE SET org_role = 'admin'",
            )
            .bind(org_id)
            .bind(appl.user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            Some(org_id)
        } else {
            None
        };
        let inserted = sqlx::query(
            "INSERT INTO memberships (member_no, kind, user_id, org_id, starts_at, ends_at, status, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,'active',$7,$7)",
        )
        .bind(&member_no)
        .bind(&appl.kind)
        .bind(if org_id.is_none() { Some(appl.user_id) } else { None })
        .bind(org_id)
        .bind(a.starts_at)
        .bind(ends_at)
        .bind(now)
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            return Err(if crate::db::is_unique_violation(&e) {
                AppError::invalid("member_no", ctx.t("membership.err_member_no_taken"))
            } else {
                e.into()
            });
        }
    }
    let detail = serde_json::json!({ "member_no": member_no, "until": until }).to_string();
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "membership.approve", target: format!("application:{id}"), detail }).await?;
    tx.commit().await?;
    Ok(member_no)
}

/// Rejects an application with its reason (the review step, which tells the applicant).
pub async fn reject(app: &App, ctx: &Ctx, id: i64, version: i64, reason: &str) -> AppResult<()> {
    let actor = Actor::of(ctx)?;
    let mut tx = app.db.begin().await?;
    super::review::decide(&mut tx, app, &actor, id, version, Step::action("reject").note(reason)).await?;
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "membership.reject", target: format!("application:{id}"), detail: reason.trim().to_string() }).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct OrgUser {
    pub user_id: i64,
    pub username: String,
    pub email: String,
    pub org_role: String,
    pub added_at: i64,
}

pub async fn org_users(app: &App, org_id: i64) -> AppResult<Vec<OrgUser>> {
    Ok(sqlx::query_as::<_, OrgUser>(
        "SELECT ou.user_id, u.username, u.email, ou.org_role, ou.added_at FROM org_users ou JOIN users u ON u.id = ou.user_id \
         WHERE ou.org_id = $1 ORDER BY ou.added_at",
    )
    .bind(org_id)
    .fetch_all(&app.db.pool)
    .await?)
}

/// Adds a person to an organisation by mail address: an existing account is linked; for
/// a new address an account is created and a link to choose a password is mailed.
pub async fn add_org_user(app: &App, ctx: &Ctx, org_id: i64, email: &str, username: &str) -> AppResult<i64> {
    let admin = ctx.require_user()?;
    if !is_org_admin(app, org_id, admin.id).await? {
        return Err(AppError::Forbidden);
    }
    let email = email.trim();
    if crate::auth::store::check_email(email).is_err() {
        return Err(AppError::invalid("email", ctx.t("auth.email_invalid")));
    }
    let mut tx = app.db.begin().await?;
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1")
        .bind(email.to_lowercase())
        .fetch_optional(&mut *tx)
        .await?;
    let org_name: String = sqlx::query_scalar("SELECT name FROM organisations WHERE id = $1").bind(org_id).fetch_one(&mut *tx).await?;
    let user_id = match existing {
        Some(id) => {
            notify::send(&mut tx, app, id, Notice { kind: "org.added", key: "notice.org_added", args: &[("org", &org_name)], link: "/membership", mail: true }).await?;
            id
        }
        None => {
            let username = username.trim();
            if let Err(k) = crate::auth::store::check_username(username) {
                return Err(AppError::invalid("username", ctx.t(k)));
            }
            let random = crate::util::random_token(24);
            let hash = crate::auth::password::hash_async(random).await?;
            let id = crate::auth::store::create(
                &mut tx,
                crate::auth::store::NewUser { username, email, mobile: None, display_name: username, password_hash: &hash, confirmed: false, locale: ctx.lang },
                ctx.lang,
            )
            .await?;
            let token = crate::auth::store::issue_token(&mut tx, id, crate::auth::store::Purpose::Reset, 3 * 24 * 3600).await?;
            let link = format!("{}/password/reset/{token}", app.config.base_url.trim_end_matches('/'));
            let body = ctx.tf("mail.invite.body", &[("org", &org_name), ("name", username), ("link", &link)]);
            crate::jobs::mail::enqueue(&mut tx, email, &ctx.tf("mail.invite.subject", &[("org", &org_name)]), &body).await?;
            id
        }
    };
    let n = sqlx::query("INSERT INTO org_users (org_id, user_id, org_role, added_at) VALUES ($1,$2,'staff',$3) ON CONFLICT (org_id, user_id) DO NOTHING")
        .bind(org_id)
        .bind(user_id)
        .bind(crate::util::now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::invalid("email", ctx.t("membership.err_already_in_org")));
    }
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "org.add_user", target: format!("org:{org_id}"), detail: format!("user:{user_id}") }).await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Daily job: tells members whose term ends within 30 days (once per term).
pub async fn reminders(app: App, _job: i64, _p: serde_json::Value) -> anyhow::Result<()> {
    let now = crate::util::now();
    let rows = sqlx::query(
        "SELECT m.id, m.member_no, m.ends_at, COALESCE(m.user_id, ou.user_id) AS uid FROM memberships m \
         LEFT JOIN org_users ou ON ou.org_id = m.org_id AND ou.org_role = 'admin' \
         WHERE m.status = 'active' AND m.ends_at > $1 AND m.ends_at <= $2",
    )
    .bind(now)
    .bind(now + 30 * 24 * 3600)
    .fetch_all(&app.db.pool)
    .await?;
    for r in rows {
        let Some(uid) = r.try_get::<Option<i64>, _>("uid")? else { continue };
        let mid: i64 = r.try_get("id")?;
        let ends: i64 = r.try_get("ends_at")?;
        let no: String = r.try_get("member_no")?;
        let mut tx = app.db.begin().await?;
        let key = format!("membership-reminder:{mid}:{ends}");
        let fresh = sqlx::query("INSERT INTO settings (key, value) VALUES ($1, '1') ON CONFLICT (key) DO NOTHING")
            .bind(&key)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if fresh == 1 {
            let until = crate::util::fmt_date(ends);
            notify::send(&mut tx, &app, uid, Notice {
                kind: "membership.expiring",
                key: "notice.membership_expiring",
                args: &[("member_no", &no), ("until", &until)],
                link: "/membership",
                mail: true,
            })
            .await?;
        }
        tx.commit().await?;
    }
    Ok(())
}
