//! Membership records: applications, decisions, memberships. Organisations and their users
//! are the orgs room's (`crate::orgs`); an approved organisation application registers one there.

use super::model::ApplicationInput;
use crate::App;
use crate::auth::audit;
use crate::jobs::notify::{self, Notice};
use crate::web::{AppError, AppResult, Ctx};
use crate::workflow::{Actor, Step};
use serde::Serialize;

/// Membership term granted by default.
pub const TERM_YEARS: i32 = 1;
/// Members may renew this long before the end of their term.
pub const RENEW_WINDOW_SECS: i64 = 60 * 24 * 3600;

#[derive(Debug, Serialize, utoipa::ToSchema, sqlx::FromRow)]
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
    /// The district's name (from `district_code`).
    #[sqlx(skip)]
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

/// An application as read, with its district's name.
fn named(mut a: Application) -> Application {
    a.district = super::model::district_name(&a.district_code);
    a
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
    /// The user administers the organisation of the membership (invites its users at `/orgs/{id}`).
    pub org_admin: bool,
}

#[derive(sqlx::FromRow)]
struct MembershipRow {
    id: i64,
    member_no: String,
    kind: String,
    org_id: Option<i64>,
    starts_at: i64,
    ends_at: i64,
    status: String,
}

/// The membership that covers a user: the one of whom they act for (their organisation, or
/// themselves) if there is one, else the newest of their own and their organisations'.
pub async fn membership_for(app: &App, user_id: i64) -> AppResult<Option<Membership>> {
    let acting = crate::orgs::acting(app, user_id).await?;
    let orgs = acting.org_ids();
    let sql = format!(
        "SELECT id, member_no, kind, org_id, starts_at, ends_at, status FROM memberships WHERE user_id = {}{} ORDER BY ends_at DESC",
        app.db.kind.params(1, 1),
        if orgs.is_empty() { String::new() } else { format!(" OR org_id IN ({})", app.db.kind.params(2, orgs.len())) }
    );
    let mut q = sqlx::query_as::<_, MembershipRow>(sqlx::AssertSqlSafe(sql)).bind(user_id);
    for id in &orgs {
        q = q.bind(*id);
    }
    let rows = q.fetch_all(&app.db.pool).await?;
    let own = acting.org.as_ref().map(|o| o.id);
    let Some(r) = rows.iter().find(|r| r.org_id == own).or(rows.first()) else { return Ok(None) };
    let now = crate::util::now();
    Ok(Some(Membership {
        id: r.id,
        member_no: r.member_no.clone(),
        kind: r.kind.clone(),
        org_id: r.org_id,
        org_name: r.org_id.and_then(|id| acting.orgs.iter().find(|o| o.id == id)).map(|o| o.name.clone()),
        active: r.status == "active" && r.starts_at <= now && r.ends_at > now,
        renewable: r.status == "active" && r.ends_at - now < RENEW_WINDOW_SECS,
        starts_at: r.starts_at,
        ends_at: r.ends_at,
        status: r.status.clone(),
    }))
}

pub async fn summary_for(app: &App, user_id: i64) -> AppResult<Summary> {
    let membership = membership_for(app, user_id).await?;
    let pending = sqlx::query_as::<_, Application>(sqlx::AssertSqlSafe(format!(
        "SELECT {APP_COLS} FROM membership_applications a JOIN users u ON u.id = a.user_id \
         WHERE a.user_id = $1 AND a.status = 'pending' ORDER BY a.id DESC LIMIT 1"
    )))
    .bind(user_id)
    .fetch_optional(&app.db.pool)
    .await?
    .map(named);
    let last_decision = sqlx::query_as::<_, Application>(sqlx::AssertSqlSafe(format!(
        "SELECT {APP_COLS} FROM membership_applications a JOIN users u ON u.id = a.user_id \
         WHERE a.user_id = $1 AND a.status <> 'pending' ORDER BY a.reviewed_at DESC, a.id DESC LIMIT 1"
    )))
    .bind(user_id)
    .fetch_optional(&app.db.pool)
    .await?
    .map(named);
    let org_admin = match membership.as_ref().and_then(|m| m.org_id) {
        Some(org) => crate::orgs::store::role_in(&app.db.pool, org, user_id).await? == Some(crate::orgs::OrgRole::Admin),
        None => false,
    };
    Ok(Summary { membership, pending, last_decision, org_admin })
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
        let taken: Option<i64> = match crate::orgs::store::id_by_uscc(&mut *tx, &input.uscc).await? {
            Some(org) => sqlx::query_scalar("SELECT id FROM memberships WHERE org_id = $1 AND status = 'active' AND ends_at > $2")
                .bind(org)
                .bind(crate::util::now())
                .fetch_optional(&mut *tx)
                .await?,
            None => None,
        };
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
    let a = sqlx::query_as::<_, Application>(sqlx::AssertSqlSafe(format!(
        "SELECT {APP_COLS} FROM membership_applications a JOIN users u ON u.id = a.user_id WHERE a.id = $1"
    )))
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(named(a))
}

pub async fn queue(app: &App, status: &str) -> AppResult<Vec<Application>> {
    let rows = sqlx::query_as::<_, Application>(sqlx::AssertSqlSafe(format!(
        "SELECT {APP_COLS} FROM membership_applications a JOIN users u ON u.id = a.user_id \
         WHERE ($1 = '' OR a.status = $1) ORDER BY a.created_at ASC, a.id ASC LIMIT 500"
    )))
    .bind(status)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows.into_iter().map(named).collect())
}

/// The end of the latest membership in force covering the user: their own, or one of an
/// organisation they belong to.
pub async fn member_until(app: &App, user_id: i64) -> AppResult<Option<i64>> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT MAX(ends_at) FROM memberships WHERE status = 'active' AND starts_at <= $2 AND \
         (user_id = $1 OR org_id IN ({}))",
        crate::orgs::store::org_ids_of_user_sql("$1")
    )))
    .bind(user_id)
    .bind(crate::util::now())
    .fetch_one(&app.db.pool)
    .await?)
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
            let org = crate::orgs::store::NewOrg {
                name: &appl.org_name,
                uscc: &appl.uscc,
                contact_name: &appl.contact_name,
                contact_phone: &appl.contact_phone,
                contact_email: &appl.contact_email,
                address: &appl.address,
                district_code: &appl.district_code,
                industry: &appl.industry,
            };
            let org_id = crate::orgs::store::register(&mut tx, &org, appl.user_id).await?;
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

/// Daily job: tells members whose term ends within 30 days (once per term): a person, or
/// the administrators of an organisation.
pub async fn reminders(app: App, _job: i64, _p: serde_json::Value) -> anyhow::Result<()> {
    let now = crate::util::now();
    let rows: Vec<(i64, String, i64, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT id, member_no, ends_at, user_id, org_id FROM memberships WHERE status = 'active' AND ends_at > $1 AND ends_at <= $2",
    )
    .bind(now)
    .bind(now + 30 * 24 * 3600)
    .fetch_all(&app.db.pool)
    .await?;
    for (mid, no, ends, user, org) in rows {
        let mut tx = app.db.begin().await?;
        let to = match (user, org) {
            (Some(u), _) => vec![u],
            (None, Some(o)) => crate::orgs::store::admins_of(&mut *tx, o).await?,
            (None, None) => continue,
        };
        let key = format!("membership-reminder:{mid}:{ends}");
        let fresh = sqlx::query("INSERT INTO settings (key, value) VALUES ($1, '1') ON CONFLICT (key) DO NOTHING")
            .bind(&key)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if fresh == 1 {
            let until = crate::util::fmt_date(ends);
            for uid in to {
                notify::send(&mut tx, &app, uid, Notice {
                    kind: "membership.expiring",
                    key: "notice.membership_expiring",
                    args: &[("member_no", &no), ("until", &until)],
                    link: "/membership",
                    mail: true,
                })
                .await?;
            }
        }
        tx.commit().await?;
    }
    Ok(())
}
