//! Invitations (邀请加入单位): an administrator invites an address; the person behind it
//! accepts or declines on their own pages. Until they accept, nothing changes for anyone.
//!
//! The administrator's answer is the same whether the address has an account or not: the
//! same mail goes out either way (with the way to register), and the invitation waits,
//! matched by address, for the account that has it or will have it. Accepting needs a
//! signed-in account whose confirmed address is the invited one.

use super::model::{self, INVITATION_DAYS, InvitationState, MAX_INVITATIONS_PER_ADDRESS_PER_DAY, MAX_INVITATIONS_PER_DAY, MAX_OPEN_INVITATIONS, OrgRole};
use super::store;
use crate::App;
use crate::auth::audit;
use crate::db::Tx;
use crate::jobs::notify::{self, Notice};
use crate::web::{AppError, AppResult, Ctx};
use serde::Serialize;

/// An invitation as its organisation's administrators, or the person invited, see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Invitation {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// The organisation's unified social credit code.
    pub org_uscc: String,
    pub email: String,
    /// The role the person gets on accepting.
    pub role: OrgRole,
    pub state: InvitationState,
    /// The administrator who sent it ('' if their account is gone).
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub decided_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    org_id: i64,
    org_name: String,
    org_uscc: String,
    email: String,
    org_role: String,
    status: String,
    invited_by: Option<String>,
    created_at: i64,
    expires_at: i64,
    decided_at: Option<i64>,
}

const COLS: &str = "i.id, i.org_id, o.name AS org_name, o.uscc AS org_uscc, i.email, i.org_role, i.status, \
    (SELECT username FROM users WHERE id = i.invited_by) AS invited_by, i.created_at, i.expires_at, i.decided_at";

impl Row {
    fn view(self, now: i64) -> Invitation {
        Invitation {
            id: self.id,
            org_id: self.org_id,
            org_name: self.org_name,
            org_uscc: self.org_uscc,
            email: self.email,
            role: OrgRole::parse(&self.org_role).unwrap_or(OrgRole::Staff),
            state: InvitationState::of(&self.status, self.expires_at, now),
            invited_by: self.invited_by.unwrap_or_default(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            decided_at: self.decided_at,
        }
    }
}

/// Open invitations to the signed-in user's (confirmed) address.
pub async fn for_user(app: &App, user_id: i64) -> AppResult<Vec<Invitation>> {
    let now = crate::util::now();
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM org_invitations i JOIN organisations o ON o.id = i.org_id JOIN users u ON u.email_key = i.email_key \
         WHERE u.id = $1 AND u.email_confirmed_at IS NOT NULL AND i.status = 'pending' AND i.expires_at > $2 ORDER BY i.id"
    )))
    .bind(user_id)
    .bind(now)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows.into_iter().map(|r| r.view(now)).collect())
}

/// An organisation's invitations, newest first (its administrators' view).
pub async fn of_org(app: &App, org_id: i64) -> AppResult<Vec<Invitation>> {
    let now = crate::util::now();
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM org_invitations i JOIN organisations o ON o.id = i.org_id WHERE i.org_id = $1 ORDER BY i.id DESC LIMIT 100"
    )))
    .bind(org_id)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows.into_iter().map(|r| r.view(now)).collect())
}

/// Invites an address to an organisation (its administrators only). The answer does not
/// depend on whether the address has an account.
pub async fn invite(app: &App, ctx: &Ctx, org_id: i64, email: &str, role: OrgRole) -> AppResult<i64> {
    let admin = ctx.require_user()?;
    store::require_admin(&app.db.pool, org_id, admin.id).await?;
    let email = email.trim();
    if crate::auth::store::check_email(email).is_err() {
        return Err(AppError::invalid("email", ctx.t("auth.email_invalid")));
    }
    let key = model::email_key(email);
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    // Its administrators see the organisation's users with their addresses: saying that one
    // of them has this address tells them nothing new.
    let already: Option<i64> = sqlx::query_scalar(
        "SELECT ou.user_id FROM org_users ou JOIN users u ON u.id = ou.user_id WHERE ou.org_id = $1 AND u.email_key = $2",
    )
    .bind(org_id)
    .bind(&key)
    .fetch_optional(&mut *tx)
    .await?;
    if already.is_some() {
        return Err(AppError::invalid("email", ctx.t("orgs.err_already_user")));
    }
    sqlx::query("UPDATE org_invitations SET status = 'expired' WHERE org_id = $1 AND email_key = $2 AND status = 'pending' AND expires_at <= $3")
        .bind(org_id)
        .bind(&key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let (open, today, to_address): (i64, i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN status = 'pending' AND expires_at > $2 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN created_at > $3 THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN created_at > $3 AND email_key = $4 THEN 1 ELSE 0 END), 0) FROM org_invitations WHERE org_id = $1",
    )
    .bind(org_id)
    .bind(now)
    .bind(now - 24 * 3600)
    .bind(&key)
    .fetch_one(&mut *tx)
    .await?;
    let limit = [
        (open, MAX_OPEN_INVITATIONS, "orgs.err_too_many"),
        (today, MAX_INVITATIONS_PER_DAY, "orgs.err_too_many_today"),
        (to_address, MAX_INVITATIONS_PER_ADDRESS_PER_DAY, "orgs.err_too_many_to_address"),
    ];
    if let Some((_, n, key)) = limit.iter().find(|(count, max, _)| count >= max) {
        return Err(AppError::invalid("email", ctx.tf(key, &[("n", &n.to_string())])));
    }
    let expires_at = now + INVITATION_DAYS * 24 * 3600;
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO org_invitations (org_id, email, email_key, org_role, status, invited_by, created_at, expires_at) \
         VALUES ($1,$2,$3,$4,'pending',$5,$6,$7) RETURNING id",
    )
    .bind(org_id)
    .bind(email)
    .bind(&key)
    .bind(role.as_str())
    .bind(admin.id)
    .bind(now)
    .bind(expires_at)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(e) if crate::db::is_unique_violation(&e) => return Err(AppError::invalid("email", ctx.t("orgs.err_already_invited"))),
        Err(e) => return Err(e.into()),
    };
    let org = store::get(&mut *tx, org_id).await?;
    let base = app.config.base_url.trim_end_matches('/');
    let (until, link, register) = (crate::util::fmt_date(expires_at), format!("{base}/orgs"), format!("{base}/register"));
    let args = [
        ("org", org.name.as_str()),
        ("uscc", org.uscc.as_str()),
        ("inviter", admin.username.as_str()),
        ("email", email),
        ("until", until.as_str()),
        ("link", link.as_str()),
        ("register", register.as_str()),
    ];
    crate::jobs::mail::enqueue(&mut tx, email, &ctx.tf("mail.org_invite.subject", &args), &ctx.tf("mail.org_invite.body", &args)).await?;
    // An account with the address also finds it among its notices (no second mail).
    let account: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1 AND email_confirmed_at IS NOT NULL")
        .bind(&key)
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(uid) = account {
        notify::send(&mut tx, app, uid, Notice { kind: "org.invited", key: "notice.org_invited", args: &args, link: "/orgs", mail: false }).await?;
    }
    let detail = format!("invitation:{id} {email} {}", role.as_str());
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "org.invite", target: format!("org:{org_id}"), detail }).await?;
    tx.commit().await?;
    Ok(id)
}

/// The open invitation `id` to the signed-in user, or why it is not open.
async fn open_for(tx: &mut Tx, ctx: &Ctx, id: i64) -> AppResult<(i64, OrgRole, Option<i64>)> {
    let user = ctx.require_user()?;
    let row: Option<(i64, String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT i.org_id, i.org_role, i.status, i.expires_at, i.invited_by FROM org_invitations i JOIN users u ON u.email_key = i.email_key \
         WHERE i.id = $1 AND u.id = $2 AND u.email_confirmed_at IS NOT NULL",
    )
    .bind(id)
    .bind(user.id)
    .fetch_optional(&mut **tx)
    .await?;
    // Someone else's invitation does not exist as far as this user can tell.
    let (org_id, role, status, expires_at, inviter) = row.ok_or(AppError::NotFound)?;
    match InvitationState::of(&status, expires_at, crate::util::now()) {
        InvitationState::Pending => Ok((org_id, OrgRole::parse(&role).unwrap_or(OrgRole::Staff), inviter)),
        state => Err(AppError::Conflict(ctx.t(&format!("orgs.err_invitation_{}", state.as_str())))),
    }
}

/// Marks the invitation decided; a second answer racing this one finds it no longer open.
async fn decide(tx: &mut Tx, ctx: &Ctx, id: i64, status: &str) -> AppResult<()> {
    let user = ctx.require_user()?;
    let n = sqlx::query("UPDATE org_invitations SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND status = 'pending'")
        .bind(status)
        .bind(crate::util::now())
        .bind(user.id)
        .bind(id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict(ctx.t("orgs.err_invitation_closed")));
    }
    Ok(())
}

/// Tells the administrator who invited how the person answered (in the site only).
async fn tell_inviter(tx: &mut Tx, app: &App, ctx: &Ctx, inviter: Option<i64>, org_id: i64, key: &str) -> AppResult<()> {
    let (Some(inviter), Some(user)) = (inviter, ctx.user.as_deref()) else { return Ok(()) };
    let org = store::get(&mut **tx, org_id).await?;
    let link = format!("/orgs/{org_id}");
    notify::send(tx, app, inviter, Notice { kind: "org.answer", key, args: &[("org", &org.name), ("name", &user.username)], link: &link, mail: false }).await?;
    Ok(())
}

/// Accepts an invitation: the user joins the organisation with the invited role, and acts
/// for it from now on if `act`; otherwise whom they act for stays as it was.
pub async fn accept(app: &App, ctx: &Ctx, id: i64, act: bool) -> AppResult<i64> {
    let user = ctx.require_user()?;
    let mut tx = app.db.begin().await?;
    let (org_id, role, inviter) = open_for(&mut tx, ctx, id).await?;
    decide(&mut tx, ctx, id, "accepted").await?;
    store::join(&mut tx, org_id, user.id, role).await?;
    if act {
        store::choose_in(&mut tx, user.id, Some(org_id)).await?;
    }
    tell_inviter(&mut tx, app, ctx, inviter, org_id, "notice.org_accepted").await?;
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "org.accept", target: format!("org:{org_id}"), detail: format!("invitation:{id} {}", role.as_str()) }).await?;
    tx.commit().await?;
    Ok(org_id)
}

/// Declines an invitation; nothing else changes.
pub async fn decline(app: &App, ctx: &Ctx, id: i64) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    let (org_id, _, inviter) = open_for(&mut tx, ctx, id).await?;
    decide(&mut tx, ctx, id, "declined").await?;
    tell_inviter(&mut tx, app, ctx, inviter, org_id, "notice.org_declined").await?;
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "org.decline", target: format!("org:{org_id}"), detail: format!("invitation:{id}") }).await?;
    tx.commit().await?;
    Ok(())
}

/// Withdraws an open invitation (the organisation's administrators).
pub async fn revoke(app: &App, ctx: &Ctx, org_id: i64, id: i64) -> AppResult<()> {
    let admin = ctx.require_user()?;
    let mut tx = app.db.begin().await?;
    store::require_admin(&mut *tx, org_id, admin.id).await?;
    let row: Option<(String, i64)> = sqlx::query_as("SELECT status, expires_at FROM org_invitations WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org_id)
        .fetch_optional(&mut *tx)
        .await?;
    let (status, expires_at) = row.ok_or(AppError::NotFound)?;
    let state = InvitationState::of(&status, expires_at, crate::util::now());
    if state != InvitationState::Pending {
        return Err(AppError::Conflict(ctx.t(&format!("orgs.err_invitation_{}", state.as_str()))));
    }
    decide(&mut tx, ctx, id, "revoked").await?;
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "org.revoke", target: format!("org:{org_id}"), detail: format!("invitation:{id}") }).await?;
    tx.commit().await?;
    Ok(())
}
