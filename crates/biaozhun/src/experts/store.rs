//! The experts room's SQL: profiles with their way into the pool, the fields a draw reads,
//! availability, the public and staff lists, the eligible pool of a draw, and the talent
//! tiers. Every write is one transaction with its events and audit entry.

use super::model::{self, DrawRequest, Profile, ProfileInput, Tier, TIERS};
use crate::App;
use crate::db::Tx;
use crate::web::{AppError, AppResult, Ctx};
use crate::workflow::{self, Actor, Step};
use serde::Serialize;
use sqlx::Row;
use std::collections::{BTreeMap, HashSet};

/// An expert as staff see them (the public sees name, title and fields only).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Expert {
    pub id: i64,
    pub user_id: Option<i64>,
    pub name: String,
    pub title: String,
    pub org_id: Option<i64>,
    pub org_name: String,
    pub org_uscc: String,
    /// ICS codes, `; `-joined.
    pub fields: String,
    pub industry: String,
    pub qualifications: String,
    pub languages: String,
    pub intl_roles: String,
    pub committees: String,
    pub email: String,
    pub phone: String,
    pub id_number: String,
    /// draft, submitted, returned, approved, suspended.
    pub status: String,
    /// high_end, expert, backbone, or empty.
    pub tier: String,
    pub version: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, user_id, name, title, org_id, org_name, org_uscc, fields, industry, qualifications, languages, intl_roles, \
    committees, email, phone, id_number, status, tier, version, updated_at";

pub fn invalid(ctx: &Ctx, (field, key): model::FieldError) -> AppError {
    AppError::invalid(field, ctx.t(key))
}

pub async fn get(app: &App, id: i64) -> AppResult<Expert> {
    let sql = format!("SELECT {COLUMNS} FROM experts WHERE id = $1");
    sqlx::query_as::<_, Expert>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&app.db.pool).await?.ok_or(AppError::NotFound)
}

/// The profile kept by this account, if any.
pub async fn of_user(app: &App, user_id: i64) -> AppResult<Option<Expert>> {
    let sql = format!("SELECT {COLUMNS} FROM experts WHERE user_id = $1");
    Ok(sqlx::query_as::<_, Expert>(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_optional(&app.db.pool).await?)
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// An ICS code (with its children) or an industry.
    pub field: Option<String>,
    pub tier: Option<Tier>,
    /// A state; `None`: approved only (the public pool).
    pub status: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// Experts matching the filter, by name, and how many there are.
pub async fn list(app: &App, f: &Filter) -> AppResult<(Vec<Expert>, i64)> {
    let status = f.status.clone().unwrap_or_else(|| "approved".into());
    let field = f.field.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(model::draw_key).unwrap_or_default();
    let tier = f.tier.map(|t| t.as_str()).unwrap_or("");
    let cond = "($1 = '' OR status = $1) AND ($2 = '' OR id IN (SELECT expert_id FROM expert_fields WHERE field = $2)) AND ($3 = '' OR tier = $3)";
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM experts WHERE {cond}")))
        .bind(if status == "all" { "" } else { status.as_str() })
        .bind(&field)
        .bind(tier)
        .fetch_one(&app.db.pool)
        .await?;
    let sql = format!("SELECT {COLUMNS} FROM experts WHERE {cond} ORDER BY name, id LIMIT $4 OFFSET $5");
    let rows = sqlx::query_as::<_, Expert>(sqlx::AssertSqlSafe(sql))
        .bind(if status == "all" { "" } else { status.as_str() })
        .bind(&field)
        .bind(tier)
        .bind(f.limit)
        .bind(f.offset)
        .fetch_all(&app.db.pool)
        .await?;
    Ok((rows, total))
}

/// The organisation registered under the credit code, if any.
async fn org_of(tx: &mut Tx, uscc: &str) -> AppResult<Option<i64>> {
    if uscc.is_empty() {
        return Ok(None);
    }
    Ok(crate::orgs::store::id_by_uscc(&mut **tx, uscc).await?)
}

/// Rewrites the rows a draw selects on.
pub async fn set_fields(tx: &mut Tx, id: i64, fields: &str, industry: &str) -> AppResult<()> {
    sqlx::query("DELETE FROM expert_fields WHERE expert_id = $1").bind(id).execute(&mut **tx).await?;
    for key in model::field_keys(fields, industry) {
        sqlx::query("INSERT INTO expert_fields (expert_id, field) VALUES ($1, $2)").bind(id).bind(key).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Inserts a profile in `status`; answers its id.
pub async fn insert(tx: &mut Tx, p: &Profile, user_id: Option<i64>, status: &str, created_by: Option<i64>) -> AppResult<i64> {
    let now = crate::util::now();
    let org_id = org_of(tx, &p.org_uscc).await?;
    let sql = "INSERT INTO experts (name, title, org_id, org_name, org_uscc, fields, industry, qualifications, languages, intl_roles, committees, \
         email, email_key, phone, id_number, user_id, status, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$19) RETURNING id";
    let id: i64 = bind_profile(sqlx::query(sql), org_id, p)
        .bind(user_id)
        .bind(status)
        .bind(created_by)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?
        .try_get::<i64, _>(0)?;
    set_fields(tx, id, &p.fields, &p.industry).await?;
    Ok(id)
}

/// Binds a profile's fifteen columns, in the order the INSERT and the UPDATE name them.
fn bind_profile<'q>(q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>, org_id: Option<i64>, p: &'q Profile) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(&p.name)
        .bind(&p.title)
        .bind(org_id)
        .bind(&p.org_name)
        .bind(&p.org_uscc)
        .bind(&p.fields)
        .bind(&p.industry)
        .bind(&p.qualifications)
        .bind(&p.languages)
        .bind(&p.intl_roles)
        .bind(&p.committees)
        .bind(&p.email)
        .bind(&p.email_key)
        .bind(&p.phone)
        .bind(&p.id_number)
}

/// Overwrites a profile's text at the version read (409 when it moved or changed first).
pub async fn overwrite(tx: &mut Tx, id: i64, version: i64, p: &Profile) -> AppResult<bool> {
    let org_id = org_of(tx, &p.org_uscc).await?;
    let sql = "UPDATE experts SET name = $1, title = $2, org_id = $3, org_name = $4, org_uscc = $5, fields = $6, industry = $7, qualifications = $8, \
         languages = $9, intl_roles = $10, committees = $11, email = $12, email_key = $13, phone = $14, id_number = $15, \
         version = version + 1, updated_at = $16 WHERE id = $17 AND version = $18";
    let n = bind_profile(sqlx::query(sql), org_id, p)
        .bind(crate::util::now())
        .bind(id)
        .bind(version)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    set_fields(tx, id, &p.fields, &p.industry).await?;
    Ok(true)
}

/// A profile kept without an account (entered by staff or imported) under the account's
/// confirmed address: the expert takes it over on their first save instead of starting a
/// second one.
pub async fn unclaimed_for(app: &App, email: &str) -> AppResult<Option<Expert>> {
    let key = email.trim().to_lowercase();
    if key.is_empty() {
        return Ok(None);
    }
    let sql = format!("SELECT {COLUMNS} FROM experts WHERE user_id IS NULL AND email_key = $1 ORDER BY id LIMIT 1");
    Ok(sqlx::query_as::<_, Expert>(sqlx::AssertSqlSafe(sql)).bind(key).fetch_optional(&app.db.pool).await?)
}

/// Saves the caller's own profile: creates it as a draft (or takes over the profile kept
/// under their address without an account), or saves the text over the version read.
/// Answers the profile's id.
pub async fn save_own(app: &App, ctx: &Ctx, input: &ProfileInput) -> AppResult<i64> {
    let user = ctx.require_user()?;
    let p = input.check().map_err(|e| invalid(ctx, e))?;
    let actor = Actor::of(ctx)?;
    let claim = unclaimed_for(app, &user.email).await?;
    let mut tx = app.db.begin().await?;
    let mut existing: Option<(i64, i64)> = sqlx::query_as("SELECT id, version FROM experts WHERE user_id = $1").bind(user.id).fetch_optional(&mut *tx).await?;
    if let (None, Some(c)) = (existing, &claim) {
        let n = sqlx::query("UPDATE experts SET user_id = $1 WHERE id = $2 AND user_id IS NULL").bind(user.id).bind(c.id).execute(&mut *tx).await?.rows_affected();
        if n == 0 {
            return Err(AppError::Conflict(ctx.t("experts.err_stale")));
        }
        sqlx::query("UPDATE expert_invitations SET user_id = $1 WHERE expert_id = $2").bind(user.id).bind(c.id).execute(&mut *tx).await?;
        sqlx::query("UPDATE expert_tier_applications SET user_id = $1 WHERE expert_id = $2").bind(user.id).bind(c.id).execute(&mut *tx).await?;
        crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "experts.claim", target: format!("expert:{}", c.id), detail: user.email.clone() }).await?;
        existing = Some((c.id, c.version));
    }
    let id = match existing {
        None => {
            let id = insert(&mut tx, &p, Some(user.id), "draft", Some(user.id)).await?;
            workflow::start(&mut tx, app, &super::PROFILE_FLOW, id, &actor, Step::action("create")).await?;
            id
        }
        Some((id, version)) => {
            let read: i64 = input.version.as_deref().and_then(|v| v.trim().parse().ok()).unwrap_or(version);
            if !overwrite(&mut tx, id, read, &p).await? {
                return Err(AppError::Conflict(ctx.t("experts.err_stale")));
            }
            id
        }
    };
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "experts.profile", target: format!("expert:{id}"), detail: p.name.clone() }).await?;
    tx.commit().await?;
    Ok(id)
}

/// Staff enter an expert straight into the pool (the API's `POST /api/v1/experts`).
pub async fn enter(app: &App, ctx: &Ctx, input: &ProfileInput) -> AppResult<i64> {
    let p = input.check().map_err(|e| invalid(ctx, e))?;
    let actor = Actor::of(ctx)?;
    let mut tx = app.db.begin().await?;
    if !p.email_key.is_empty() || !p.id_number.is_empty() {
        let dup: Option<i64> = sqlx::query_scalar("SELECT id FROM experts WHERE ($1 <> '' AND email_key = $1) OR ($2 <> '' AND id_number = $2)")
            .bind(&p.email_key)
            .bind(&p.id_number)
            .fetch_optional(&mut *tx)
            .await?;
        if dup.is_some() {
            return Err(AppError::invalid(if p.email_key.is_empty() { "id_number" } else { "email" }, ctx.t("experts.err_duplicate")));
        }
    }
    let id = insert(&mut tx, &p, None, "approved", actor.user_id()).await?;
    workflow::start(&mut tx, app, &super::PROFILE_FLOW, id, &actor, Step::action("enter")).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "experts.enter", target: format!("expert:{id}"), detail: p.name.clone() }).await?;
    tx.commit().await?;
    Ok(id)
}

/// A step on a profile's way into the pool (submit, approve, return, suspend, reinstate).
pub async fn step(app: &App, ctx: &Ctx, id: i64, version: i64, action: &str, note: &str) -> AppResult<()> {
    let actor = Actor::of(ctx)?;
    let mut tx = app.db.begin().await?;
    let counted = super::tally::counted(&mut tx, id).await?;
    let ev = workflow::transition(&mut tx, app, &super::PROFILE_FLOW, id, version, &actor, Step::action(action).note(note)).await?;
    super::tally::settle(&mut tx, id, &counted).await?;
    let owner: Option<i64> = sqlx::query_scalar("SELECT user_id FROM experts WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
    if let Some(user_id) = owner.filter(|u| actor.user_id() != Some(*u)) {
        let state = crate::web::i18n::t(ctx.lang, &super::PROFILE_FLOW.state_key(&ev.to_state));
        let n = crate::jobs::notify::Notice { kind: "experts_profile", key: "experts.notice_profile", args: &[("state", &state), ("note", &ev.note)], link: "/experts/me", mail: true };
        crate::jobs::notify::send(&mut tx, app, user_id, n).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A period the expert is not available.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Away {
    pub id: i64,
    pub from_day: i64,
    pub to_day: i64,
    pub note: String,
}

pub async fn away_of(app: &App, expert_id: i64) -> AppResult<Vec<Away>> {
    Ok(sqlx::query_as("SELECT id, from_day, to_day, note FROM expert_unavailable WHERE expert_id = $1 ORDER BY from_day, id")
        .bind(expert_id)
        .fetch_all(&app.db.pool)
        .await?)
}

/// Records a period the expert is not available (days as typed, `YYYY-MM-DD`).
pub async fn add_away(app: &App, ctx: &Ctx, expert_id: i64, from: &str, to: &str, note: &str) -> AppResult<()> {
    let from_day = crate::util::parse_local_date(from).ok_or_else(|| AppError::invalid("from", ctx.t("experts.err_date")))?;
    let to_day = crate::util::parse_local_date(if to.trim().is_empty() { from } else { to }).ok_or_else(|| AppError::invalid("to", ctx.t("experts.err_date")))?;
    if to_day < from_day {
        return Err(AppError::invalid("to", ctx.t("experts.err_period")));
    }
    if note.chars().count() > 200 {
        return Err(AppError::invalid("note", ctx.t("experts.err_long")));
    }
    let mut tx = app.db.begin().await?;
    sqlx::query("INSERT INTO expert_unavailable (expert_id, from_day, to_day, note) VALUES ($1,$2,$3,$4)")
        .bind(expert_id)
        .bind(from_day)
        .bind(to_day)
        .bind(note.trim())
        .execute(&mut *tx)
        .await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "experts.away", target: format!("expert:{expert_id}"), detail: format!("{from}..{to}") }).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_away(app: &App, expert_id: i64, away_id: i64) -> AppResult<()> {
    let n = sqlx::query("DELETE FROM expert_unavailable WHERE id = $1 AND expert_id = $2").bind(away_id).bind(expert_id).execute(&app.db.pool).await?.rows_affected();
    if n == 0 { Err(AppError::NotFound) } else { Ok(()) }
}

// ---------------------------------------------------------------------------------------
// The eligible pool of a draw

/// One expert of a draw's eligible pool, with what made them eligible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Eligible {
    pub id: i64,
    /// The requested fields the expert is in.
    pub fields: Vec<String>,
    /// The organisation's credit code (checked against the avoided ones).
    pub org: String,
}

/// An expert of the fields who was left out, and why (`organisation`, `person`, `recent`,
/// `unavailable`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Excluded {
    pub id: i64,
    pub why: String,
}

/// The approved experts of the request's fields who pass its avoidance rules, ordered by id
/// (the snapshot's order), and those of the fields left out with the reason. Reads in the
/// caller's transaction, so the draw sees one state of the pool. The field lookup is the
/// primary key of `expert_fields`.
pub async fn eligible(tx: &mut Tx, req: &DrawRequest, review_day: Option<i64>) -> AppResult<(Vec<Eligible>, Vec<Excluded>)> {
    let mut keys: Vec<String> = req.fields.iter().map(|f| f.trim()).filter(|f| !f.is_empty()).map(model::draw_key).collect();
    keys.dedup();
    let mut by_id: BTreeMap<i64, Eligible> = BTreeMap::new();
    let mut offline: HashSet<i64> = HashSet::new();
    for key in &keys {
        let rows: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
            "SELECT e.id, e.org_uscc, e.user_id FROM expert_fields f JOIN experts e ON e.id = f.expert_id WHERE f.field = $1 AND e.status = 'approved'",
        )
        .bind(key)
        .fetch_all(&mut **tx)
        .await?;
        for (id, org, user) in rows {
            if req.online && user.is_none() {
                offline.insert(id);
            }
            let shown = key.strip_prefix("industry:").unwrap_or(key).to_string();
            by_id.entry(id).or_insert_with(|| Eligible { id, fields: Vec::new(), org }).fields.push(shown);
        }
    }
    let orgs: HashSet<String> = req.avoid_organisations.iter().map(|o| o.trim().to_uppercase()).filter(|o| !o.is_empty()).collect();
    let persons: HashSet<i64> = req.avoid_experts.iter().copied().collect();
    let recent: HashSet<i64> = if req.avoid_recent_draws > 0 {
        sqlx::query_scalar::<_, i64>(
            "SELECT expert_id FROM expert_invitations WHERE status IN ('invited','accepted') AND draw_id IN \
             (SELECT id FROM expert_draws ORDER BY id DESC LIMIT $1)",
        )
        .bind(req.avoid_recent_draws as i64)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect()
    } else {
        HashSet::new()
    };
    let away: HashSet<i64> = match review_day {
        Some(day) => sqlx::query_scalar::<_, i64>("SELECT expert_id FROM expert_unavailable WHERE to_day >= $1 AND from_day <= $1")
            .bind(day)
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .collect(),
        None => HashSet::new(),
    };
    let mut pool = Vec::with_capacity(by_id.len());
    let mut left = Vec::new();
    for (id, e) in by_id {
        let why = if !e.org.is_empty() && orgs.contains(&e.org) {
            Some("organisation")
        } else if persons.contains(&id) {
            Some("person")
        } else if recent.contains(&id) {
            Some("recent")
        } else if away.contains(&id) {
            Some("unavailable")
        } else if offline.contains(&id) {
            Some("no_account")
        } else {
            None
        };
        match why {
            Some(w) => left.push(Excluded { id, why: w.into() }),
            None => pool.push(e),
        }
    }
    Ok((pool, left))
}

/// The accounts of these experts (those who keep their profile here): expert id → user id.
pub async fn accounts(tx: &mut Tx, experts: &[i64]) -> AppResult<BTreeMap<i64, i64>> {
    let mut out = BTreeMap::new();
    for id in experts {
        if let Some(Some(user)) = sqlx::query_scalar::<_, Option<i64>>("SELECT user_id FROM experts WHERE id = $1").bind(id).fetch_optional(&mut **tx).await? {
            out.insert(*id, user);
        }
    }
    Ok(out)
}

/// The expert profiles these accounts keep: their expert ids.
pub async fn of_accounts(tx: &mut Tx, users: &[i64]) -> AppResult<Vec<i64>> {
    let mut out = Vec::new();
    for u in users {
        if let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM experts WHERE user_id = $1").bind(u).fetch_optional(&mut **tx).await? {
            out.push(id);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Talent tiers

/// One tier's count against the outline's target.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TierCount {
    pub tier: Tier,
    /// Approved experts recognised in the tier.
    pub count: i64,
    pub target: i64,
}

/// Recognised experts per tier against the outline's 100 / 1,000 / 10,000, for the talent
/// page and the strategy dashboard.
pub async fn tier_counts(app: &App) -> AppResult<Vec<TierCount>> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT tier, COUNT(*) FROM experts WHERE status = 'approved' AND tier <> '' GROUP BY tier").fetch_all(&app.db.pool).await?;
    Ok(TIERS
        .iter()
        .map(|t| TierCount { tier: *t, count: rows.iter().find(|r| r.0 == t.as_str()).map(|r| r.1).unwrap_or(0), target: t.target() })
        .collect())
}

/// An application for a tier as lists show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TierApplication {
    pub id: i64,
    pub expert_id: i64,
    pub name: String,
    pub tier: String,
    pub statement: String,
    pub status: String,
    pub version: i64,
    pub created_at: i64,
}

pub async fn tier_applications(app: &App, expert_id: Option<i64>) -> AppResult<Vec<TierApplication>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.expert_id, e.name, a.tier, a.statement, a.status, a.version, a.created_at FROM expert_tier_applications a \
         JOIN experts e ON e.id = a.expert_id WHERE ($1 = 0 OR a.expert_id = $1) ORDER BY CASE WHEN a.status = 'applied' THEN 0 ELSE 1 END, a.id DESC LIMIT 500",
    )
    .bind(expert_id.unwrap_or(0))
    .fetch_all(&app.db.pool)
    .await?)
}

/// The expert applies for a tier (one open application at a time).
pub async fn apply_tier(app: &App, ctx: &Ctx, expert: &Expert, tier: &str, statement: &str) -> AppResult<i64> {
    let tier = Tier::parse(tier).ok_or_else(|| AppError::invalid("tier", ctx.t("experts.err_tier")))?;
    if statement.chars().count() > 2000 {
        return Err(AppError::invalid("statement", ctx.t("experts.err_long")));
    }
    if expert.status != "approved" {
        return Err(AppError::Conflict(ctx.t("experts.err_not_in_pool")));
    }
    let actor = Actor::of(ctx)?;
    let mut tx = app.db.begin().await?;
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM expert_tier_applications WHERE expert_id = $1 AND status = 'applied'").bind(expert.id).fetch_one(&mut *tx).await?;
    if open > 0 {
        return Err(AppError::Conflict(ctx.t("experts.err_tier_open")));
    }
    let now = crate::util::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO expert_tier_applications (expert_id, user_id, tier, statement, status, created_at, updated_at) VALUES ($1,$2,$3,$4,'applied',$5,$5) RETURNING id",
    )
    .bind(expert.id)
    .bind(expert.user_id)
    .bind(tier.as_str())
    .bind(statement.trim())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    workflow::start(&mut tx, app, &super::TIER_FLOW, id, &actor, Step::action("apply")).await?;
    tx.commit().await?;
    Ok(id)
}

/// Staff recognise or decline an application; recognition sets the expert's tier.
pub async fn decide_tier(app: &App, ctx: &Ctx, id: i64, version: i64, action: &str, note: &str) -> AppResult<()> {
    let actor = Actor::of(ctx)?;
    let mut tx = app.db.begin().await?;
    let ev = workflow::transition(&mut tx, app, &super::TIER_FLOW, id, version, &actor, Step::action(action).note(note)).await?;
    if ev.to_state == "recognised" {
        let expert: i64 = sqlx::query_scalar("SELECT expert_id FROM expert_tier_applications WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
        let counted = super::tally::counted(&mut tx, expert).await?;
        sqlx::query("UPDATE experts SET tier = (SELECT tier FROM expert_tier_applications WHERE id = $1), updated_at = $2 WHERE id = $3")
            .bind(id)
            .bind(crate::util::now())
            .bind(expert)
            .execute(&mut *tx)
            .await?;
        super::tally::settle(&mut tx, expert, &counted).await?;
    }
    tx.commit().await?;
    Ok(())
}
