//! Organisations and their users: the only SQL that reads `organisations`' users
//! (`org_users`) and the acting choice (`org_acting`). Invitations are in `invitations.rs`.

use super::model::{Acting, OrgRef, OrgRole, Owner, choose};
use crate::App;
use crate::auth::audit;
use crate::db::Tx;
use crate::jobs::notify::{self, Notice};
use crate::web::{AppError, AppResult, Ctx};
use serde::Serialize;
use std::collections::HashMap;

/// The ids of a user's organisations as a subquery, the user's id being the statement's
/// parameter `param` (`$1`): for one-statement reads elsewhere (the request context asks
/// for the membership of a user's organisations on every request).
pub fn org_ids_of_user_sql(param: &str) -> String {
    format!("SELECT org_id FROM org_users WHERE user_id = {param}")
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: i64,
    name: String,
    uscc: String,
    org_role: String,
}

impl From<OrgRow> for OrgRef {
    fn from(r: OrgRow) -> OrgRef {
        // Roles are written only as admin or staff; anything else reads as the lesser one.
        OrgRef { id: r.id, name: r.name, uscc: r.uscc, role: OrgRole::parse(&r.org_role).unwrap_or(OrgRole::Staff) }
    }
}

/// Every organisation of a user, by name.
pub async fn orgs_of<'e, E>(ex: E, user_id: i64) -> Result<Vec<OrgRef>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let rows: Vec<OrgRow> = sqlx::query_as(
        "SELECT o.id, o.name, o.uscc, ou.org_role FROM org_users ou JOIN organisations o ON o.id = ou.org_id \
         WHERE ou.user_id = $1 ORDER BY o.name, o.id",
    )
    .bind(user_id)
    .fetch_all(ex)
    .await?;
    Ok(rows.into_iter().map(OrgRef::from).collect())
}

/// The saved choice: `Some(None)` for personal, `Some(Some(org))`, or `None` if never chosen.
async fn stored_choice<'e, E>(ex: E, user_id: i64) -> Result<Option<Option<i64>>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let row: Option<(Option<i64>,)> = sqlx::query_as("SELECT org_id FROM org_acting WHERE user_id = $1").bind(user_id).fetch_optional(ex).await?;
    Ok(row.map(|r| r.0))
}

/// Whom a user acts for now, with the organisations they may choose from.
pub async fn acting(app: &App, user_id: i64) -> AppResult<Acting> {
    let orgs = orgs_of(&app.db.pool, user_id).await?;
    let stored = stored_choice(&app.db.pool, user_id).await?;
    let org = choose(&orgs, stored).cloned();
    Ok(Acting { user_id, org, orgs })
}

/// The owner of what a user sees and adds now (see the room's rule in `orgs/mod.rs`).
pub async fn acting_owner(app: &App, user_id: i64) -> AppResult<Owner> {
    Ok(acting(app, user_id).await?.owner())
}

/// The organisation a user acts for, if any.
pub async fn acting_org(app: &App, user_id: i64) -> AppResult<Option<OrgRef>> {
    Ok(acting(app, user_id).await?.org)
}

/// Saves whom the user acts for (`None`: themselves).
pub(super) async fn choose_in(tx: &mut Tx, user_id: i64, org: Option<i64>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO org_acting (user_id, org_id, chosen_at) VALUES ($1,$2,$3) \
         ON CONFLICT (user_id) DO UPDATE SET org_id = excluded.org_id, chosen_at = excluded.chosen_at",
    )
    .bind(user_id)
    .bind(org)
    .bind(crate::util::now())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes down whom the user acts for now, if they never chose: called before their
/// organisations change, so that joining or leaving one does not switch them by default.
/// With `first_too` false, a user without any organisation is left to the default (so the
/// organisation they register becomes the one they act for).
async fn keep_choice(tx: &mut Tx, user_id: i64, first_too: bool) -> Result<(), sqlx::Error> {
    let stored = stored_choice(&mut **tx, user_id).await?;
    if stored.is_some() {
        return Ok(());
    }
    let orgs = orgs_of(&mut **tx, user_id).await?;
    if orgs.is_empty() && !first_too {
        return Ok(());
    }
    let current = choose(&orgs, None).map(|o| o.id);
    choose_in(tx, user_id, current).await
}

/// Switches whom the signed-in user acts for: `None` for themselves, or one of their
/// organisations (anything else is refused on the field `org`).
pub async fn set_acting(app: &App, ctx: &Ctx, org: Option<i64>) -> AppResult<Acting> {
    let user = ctx.require_user()?;
    let mut tx = app.db.begin().await?;
    if let Some(id) = org {
        if role_in(&mut *tx, id, user.id).await?.is_none() {
            return Err(AppError::invalid("org", ctx.t("orgs.err_not_yours")));
        }
    }
    choose_in(&mut tx, user.id, org).await?;
    tx.commit().await?;
    acting(app, user.id).await
}

/// A user's role in an organisation, if they belong to it.
pub async fn role_in<'e, E>(ex: E, org_id: i64, user_id: i64) -> Result<Option<OrgRole>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let role: Option<String> = sqlx::query_scalar("SELECT org_role FROM org_users WHERE org_id = $1 AND user_id = $2")
        .bind(org_id)
        .bind(user_id)
        .fetch_optional(ex)
        .await?;
    Ok(role.map(|r| OrgRole::parse(&r).unwrap_or(OrgRole::Staff)))
}

/// The users of an organisation (everyone who hears of its records), by id.
pub async fn members_of<'e, E>(ex: E, org_id: i64) -> Result<Vec<i64>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT user_id FROM org_users WHERE org_id = $1 ORDER BY user_id").bind(org_id).fetch_all(ex).await
}

/// The administrators of an organisation, by id.
pub async fn admins_of<'e, E>(ex: E, org_id: i64) -> Result<Vec<i64>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT user_id FROM org_users WHERE org_id = $1 AND org_role = 'admin' ORDER BY user_id").bind(org_id).fetch_all(ex).await
}

/// Who hears of an owner's records: the person, or every user of the organisation.
pub async fn recipients<'e, E>(ex: E, owner: Owner) -> Result<Vec<i64>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    match owner {
        Owner::User(id) => Ok(vec![id]),
        Owner::Org(id) => members_of(ex, id).await,
    }
}

/// The users of every organisation, for jobs that fan out to many owners at once.
pub async fn members_by_org(app: &App) -> Result<HashMap<i64, Vec<i64>>, sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT org_id, user_id FROM org_users ORDER BY org_id, user_id").fetch_all(&app.db.pool).await?;
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for (org, user) in rows {
        out.entry(org).or_default().push(user);
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub uscc: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub contact_email: String,
    pub address: String,
    pub district_code: String,
    pub industry: String,
    pub created_at: i64,
}

pub async fn get<'e, E>(ex: E, id: i64) -> AppResult<Organisation>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as::<_, Organisation>(
        "SELECT id, name, uscc, contact_name, contact_phone, contact_email, address, district_code, industry, created_at \
         FROM organisations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(ex)
    .await?
    .ok_or(AppError::NotFound)?)
}

/// The organisation registered under a unified social credit code, if any.
pub async fn id_by_uscc<'e, E>(ex: E, uscc: &str) -> Result<Option<i64>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT id FROM organisations WHERE uscc = $1").bind(uscc).fetch_optional(ex).await
}

/// The organisation whose credit code embeds a legacy organisation code (GB 11714, the
/// credit code's characters 9–17), if any; `code` is as `stdnum::orgcode::validate` gives it.
pub async fn id_by_org_code<'e, E>(ex: E, code: &str) -> Result<Option<i64>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT id FROM organisations WHERE substr(uscc, 9, 9) = $1 ORDER BY id LIMIT 1").bind(code).fetch_optional(ex).await
}

/// The names an organisation had before its current one, oldest first: (name, until).
pub async fn name_history<'e, E>(ex: E, org_id: i64) -> Result<Vec<(String, i64)>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_as("SELECT name, until_at FROM org_name_history WHERE org_id = $1 ORDER BY id").bind(org_id).fetch_all(ex).await
}

#[derive(Debug, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct OrgUser {
    pub user_id: i64,
    pub username: String,
    pub email: String,
    /// `admin` or `staff`.
    pub org_role: String,
    pub added_at: i64,
}

pub async fn users_of(app: &App, org_id: i64) -> AppResult<Vec<OrgUser>> {
    Ok(sqlx::query_as::<_, OrgUser>(
        "SELECT ou.user_id, u.username, u.email, ou.org_role, ou.added_at FROM org_users ou JOIN users u ON u.id = ou.user_id \
         WHERE ou.org_id = $1 ORDER BY ou.added_at, ou.user_id",
    )
    .bind(org_id)
    .fetch_all(&app.db.pool)
    .await?)
}

/// The details an organisation is registered with (from an approved membership application
/// today, from the enterprise registry later).
pub struct NewOrg<'a> {
    pub name: &'a str,
    pub uscc: &'a str,
    pub contact_name: &'a str,
    pub contact_phone: &'a str,
    pub contact_email: &'a str,
    pub address: &'a str,
    pub district_code: &'a str,
    pub industry: &'a str,
}

/// Creates the organisation of a credit code, or refreshes its details, and makes `admin`
/// one of its administrators: the person who asked for it (their approved application is
/// their consent). Nothing else adds a user to an organisation but an accepted invitation.
/// Their first organisation becomes the one they act for; another one does not.
pub async fn register(tx: &mut Tx, org: &NewOrg<'_>, admin: i64) -> Result<i64, sqlx::Error> {
    let now = crate::util::now();
    // A new name keeps the old one in the organisation's name history.
    let before: Option<(i64, String)> = sqlx::query_as("SELECT id, name FROM organisations WHERE uscc = $1").bind(org.uscc).fetch_optional(&mut **tx).await?;
    if let Some((id, old)) = before.filter(|(_, n)| n != org.name) {
        sqlx::query("INSERT INTO org_name_history (org_id, name, until_at) VALUES ($1,$2,$3)").bind(id).bind(old).bind(now).execute(&mut **tx).await?;
    }
    let org_id: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (name, uscc, contact_name, contact_phone, contact_email, address, district_code, \
         industry, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$9) \
         ON CONFLICT (uscc) DO UPDATE SET name = excluded.name, contact_name = excluded.contact_name, \
         contact_phone = excluded.contact_phone, contact_email = excluded.contact_email, address = excluded.address, \
         district_code = excluded.district_code, industry = excluded.industry, updated_at = excluded.updated_at \
         RETURNING id",
    )
    .bind(org.name)
    .bind(org.uscc)
    .bind(org.contact_name)
    .bind(org.contact_phone)
    .bind(org.contact_email)
    .bind(org.address)
    .bind(org.district_code)
    .bind(org.industry)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    keep_choice(tx, admin, false).await?;
    sqlx::query(
        "INSERT INTO org_users (org_id, user_id, org_role, added_at) VALUES ($1,$2,'admin',$3) \
         ON CONFLICT (org_id, user_id) DO UPDATE SET org_role = 'admin'",
    )
    .bind(org_id)
    .bind(admin)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(org_id)
}

/// Adds a user who accepted an invitation (invitations.rs).
pub(super) async fn join(tx: &mut Tx, org_id: i64, user_id: i64, role: OrgRole) -> Result<(), sqlx::Error> {
    keep_choice(tx, user_id, true).await?;
    sqlx::query("INSERT INTO org_users (org_id, user_id, org_role, added_at) VALUES ($1,$2,$3,$4) ON CONFLICT (org_id, user_id) DO NOTHING")
        .bind(org_id)
        .bind(user_id)
        .bind(role.as_str())
        .bind(crate::util::now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Adds a user as staff of an organisation on an operator's word (`biaozhun import people`:
/// the operator brings in the organisation's own list of its staff). Answers whether the
/// user was not in it before.
pub async fn add_by_operator(tx: &mut Tx, org_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    let already = role_in(&mut **tx, org_id, user_id).await?;
    if already.is_some() {
        return Ok(false);
    }
    join(tx, org_id, user_id, OrgRole::Staff).await?;
    Ok(true)
}

/// The caller's role in an organisation; 404 for an organisation they do not belong to
/// (it is none of their business whether it exists).
pub async fn require_role<'e, E>(ex: E, org_id: i64, user_id: i64) -> AppResult<OrgRole>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    role_in(ex, org_id, user_id).await?.ok_or(AppError::NotFound)
}

/// As [`require_role`], and 403 unless the caller administers the organisation.
pub async fn require_admin<'e, E>(ex: E, org_id: i64, user_id: i64) -> AppResult<()>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    match require_role(ex, org_id, user_id).await? {
        OrgRole::Admin => Ok(()),
        OrgRole::Staff => Err(AppError::Forbidden),
    }
}

/// Starts a change to an organisation's users: takes the organisation's row lock (on
/// PostgreSQL; SQLite writes one transaction at a time), so that two administrators leaving
/// at once cannot both see the other one stay.
async fn lock(tx: &mut Tx, org_id: i64) -> AppResult<()> {
    let n = sqlx::query("UPDATE organisations SET updated_at = $1 WHERE id = $2")
        .bind(crate::util::now())
        .bind(org_id)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n == 0 { Err(AppError::NotFound) } else { Ok(()) }
}

async fn admin_count(tx: &mut Tx, org_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM org_users WHERE org_id = $1 AND org_role = 'admin'").bind(org_id).fetch_one(&mut **tx).await
}

/// Takes a user out of an organisation; acting for it falls back to personal, and acting
/// for anyone else stays as it was (a remaining only organisation does not take over).
async fn drop_user(tx: &mut Tx, org_id: i64, user_id: i64) -> Result<u64, sqlx::Error> {
    keep_choice(tx, user_id, true).await?;
    let n = sqlx::query("DELETE FROM org_users WHERE org_id = $1 AND user_id = $2").bind(org_id).bind(user_id).execute(&mut **tx).await?.rows_affected();
    sqlx::query("UPDATE org_acting SET org_id = NULL, chosen_at = $3 WHERE user_id = $1 AND org_id = $2")
        .bind(user_id)
        .bind(org_id)
        .bind(crate::util::now())
        .execute(&mut **tx)
        .await?;
    Ok(n)
}

async fn set_role_row(tx: &mut Tx, org_id: i64, user_id: i64, role: OrgRole) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE org_users SET org_role = $1 WHERE org_id = $2 AND user_id = $3")
        .bind(role.as_str())
        .bind(org_id)
        .bind(user_id)
        .execute(&mut **tx)
        .await?
        .rows_affected())
}

/// The signed-in user leaves an organisation. The last administrator names a successor
/// among the other users (`successor`), who becomes an administrator in the same step.
pub async fn leave(app: &App, ctx: &Ctx, org_id: i64, successor: Option<i64>) -> AppResult<()> {
    let user = ctx.require_user()?;
    let mut tx = app.db.begin().await?;
    lock(&mut tx, org_id).await?;
    let role = require_role(&mut *tx, org_id, user.id).await?;
    let mut detail = String::new();
    if role == OrgRole::Admin && admin_count(&mut tx, org_id).await? == 1 {
        let others = members_of(&mut *tx, org_id).await?.into_iter().filter(|u| *u != user.id).count();
        let Some(next) = successor.filter(|s| *s != user.id) else {
            let key = if others == 0 { "orgs.err_last_user" } else { "orgs.err_last_admin" };
            return Err(AppError::invalid("successor", ctx.t(key)));
        };
        if set_role_row(&mut tx, org_id, next, OrgRole::Admin).await? == 0 {
            return Err(AppError::invalid("successor", ctx.t("orgs.err_successor")));
        }
        detail = format!("successor user:{next}");
        audit::log_tx(&mut tx, ctx, audit::Entry { action: "org.role", target: format!("org:{org_id}"), detail: format!("user:{next} admin") }).await?;
    }
    drop_user(&mut tx, org_id, user.id).await?;
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "org.leave", target: format!("org:{org_id}"), detail }).await?;
    tx.commit().await?;
    Ok(())
}

/// An administrator removes another user (leaving is how one removes oneself).
pub async fn remove(app: &App, ctx: &Ctx, org_id: i64, user_id: i64) -> AppResult<()> {
    let admin = ctx.require_user()?;
    let mut tx = app.db.begin().await?;
    lock(&mut tx, org_id).await?;
    require_admin(&mut *tx, org_id, admin.id).await?;
    if user_id == admin.id {
        return Err(AppError::invalid("user", ctx.t("orgs.err_remove_self")));
    }
    if drop_user(&mut tx, org_id, user_id).await? == 0 {
        return Err(AppError::NotFound);
    }
    let org = get(&mut *tx, org_id).await?;
    notify::send(&mut tx, app, user_id, Notice { kind: "org.removed", key: "notice.org_removed", args: &[("org", &org.name)], link: "/orgs", mail: true }).await?;
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "org.remove", target: format!("org:{org_id}"), detail: format!("user:{user_id}") }).await?;
    tx.commit().await?;
    Ok(())
}

/// An administrator names a user's role; the last administrator cannot step down.
pub async fn set_role(app: &App, ctx: &Ctx, org_id: i64, user_id: i64, role: OrgRole) -> AppResult<()> {
    let admin = ctx.require_user()?;
    let mut tx = app.db.begin().await?;
    lock(&mut tx, org_id).await?;
    require_admin(&mut *tx, org_id, admin.id).await?;
    let current = role_in(&mut *tx, org_id, user_id).await?.ok_or(AppError::NotFound)?;
    if current == role {
        return Ok(());
    }
    if current == OrgRole::Admin && admin_count(&mut tx, org_id).await? == 1 {
        return Err(AppError::invalid("role", ctx.t("orgs.err_last_admin")));
    }
    set_role_row(&mut tx, org_id, user_id, role).await?;
    audit::log_tx(&mut tx, ctx, audit::Entry { action: "org.role", target: format!("org:{org_id}"), detail: format!("user:{user_id} {}", role.as_str()) }).await?;
    tx.commit().await?;
    Ok(())
}

/// Whether staff marked the organisation seriously untrustworthy (严重失信; migration 0076).
pub async fn untrustworthy<'e, E>(ex: E, org_id: i64) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let flag: Option<i64> = sqlx::query_scalar("SELECT untrustworthy FROM organisations WHERE id = $1").bind(org_id).fetch_optional(ex).await?;
    Ok(flag.unwrap_or(0) != 0)
}

/// Staff mark or clear the flag, with the reason (the list or decision that says so); audited.
pub async fn set_untrustworthy(app: &App, ctx: &Ctx, org_id: i64, flag: bool, note: &str) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    let n = sqlx::query("UPDATE organisations SET untrustworthy = $1, untrustworthy_note = $2, updated_at = $3 WHERE id = $4")
        .bind(i64::from(flag))
        .bind(crate::util::shorten(note.trim(), 500))
        .bind(crate::util::now())
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    let entry = crate::auth::audit::Entry { action: "org.untrustworthy", target: format!("org:{org_id}"), detail: format!("{}: {}", if flag { "set" } else { "cleared" }, note.trim()) };
    crate::auth::audit::log_tx(&mut tx, ctx, entry).await?;
    tx.commit().await?;
    Ok(())
}
