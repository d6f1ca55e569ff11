//! Reads and writes of the signs room. Every write is one transaction that also keeps the
//! per-district counts (`sign_district_counts`) current, so the statistics read 11 rows
//! whatever the size of the register.

use super::model::{Checked, Finding, RECTIFY_DAYS, district_name};
use crate::App;
use crate::auth::audit::{self, Entry};
use crate::db::Tx;
use crate::jobs::notify::{self, Notice};
use crate::orgs::Owner;
use crate::web::{AppError, AppResult, Ctx, Lang, i18n};
use crate::workflow::{self, Actor, Step};
use serde::Serialize;

/// A sign as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Sign {
    pub id: i64,
    pub code: String,
    pub set_id: Option<i64>,
    pub set_name: String,
    pub district: String,
    pub street: String,
    pub address: String,
    pub lat_e6: Option<i64>,
    pub lon_e6: Option<i64>,
    #[serde(rename = "type")]
    pub sign_type: String,
    pub standard: String,
    pub owner_org: Option<i64>,
    pub conforming: i64,
    pub inspected_at: Option<i64>,
    pub created_at: i64,
    /// Grows by one with every change of the sign's fields (an edit, an import of its code).
    pub version: i64,
}

const SIGN_COLS: &str = "id, code, set_id, set_name, district, street, address, lat_e6, lon_e6, sign_type, standard, owner_org, conforming, inspected_at, created_at, version";

/// Adds to a district's counts (in the caller's transaction).
pub async fn bump(tx: &mut Tx, district: &str, signs: i64, conforming: i64, inspections: i64, open_cases: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sign_district_counts (district, signs, conforming, inspections, open_cases) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (district) DO UPDATE SET signs = sign_district_counts.signs + excluded.signs, \
         conforming = sign_district_counts.conforming + excluded.conforming, inspections = sign_district_counts.inspections + excluded.inspections, \
         open_cases = sign_district_counts.open_cases + excluded.open_cases",
    )
    .bind(district)
    .bind(signs)
    .bind(conforming)
    .bind(inspections)
    .bind(open_cases)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The owner's organisation id from its credit code, or 422 on `owner`.
pub async fn owner_id(tx: &mut Tx, uscc: Option<&str>, lang: Lang) -> AppResult<Option<i64>> {
    let Some(code) = uscc else { return Ok(None) };
    let id = crate::orgs::store::id_by_uscc(&mut **tx, code).await?;
    id.map(Some).ok_or_else(|| super::model::field_error(lang, "owner"))
}

/// What a write of a sign did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Added(i64),
    Updated(i64),
}

fn lang_of(ctx: Option<&Ctx>) -> Lang {
    ctx.map_or(Lang::En, |c| c.lang)
}

/// Inserts a sign, or (when `replace` and its code is known) updates the one with that code;
/// a known code without `replace` is 409. The set named is found or made; counts and the
/// audit line go in the same transaction, which the caller commits.
pub async fn save(tx: &mut Tx, ctx: Option<&Ctx>, s: &Checked, replace: bool) -> AppResult<Saved> {
    let lang = lang_of(ctx);
    let owner = owner_id(tx, s.owner_uscc.as_deref(), lang).await?;
    let now = crate::util::now();
    let existing: Option<i64> = match &s.code {
        Some(code) => sqlx::query_scalar("SELECT id FROM signs WHERE code = $1").bind(code).fetch_optional(&mut **tx).await?,
        None => None,
    };
    if let Some(id) = existing {
        if !replace {
            return Err(AppError::Conflict(i18n::t(lang, "signs.err_field_code_taken")));
        }
        // Take the row (and its version) first: an edit in the browser meanwhile is stale.
        sqlx::query("UPDATE signs SET version = version + 1 WHERE id = $1").bind(id).execute(&mut **tx).await?;
        write_fields(tx, ctx, id, s, Some(owner)).await?;
        return Ok(Saved::Updated(id));
    }
    let set_id = super::sets::set_for(tx, ctx, &s.set_name, &s.district, owner).await?;
    let code = s.code.clone().unwrap_or_else(|| format!("S{}-{}", s.district, crate::util::random_token(5).to_uppercase()));
    let insert = sqlx::query(
        "INSERT INTO signs (set_id, set_name, district, street, address, lat_e6, lon_e6, sign_type, standard, owner_org, code, conforming, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,0,$12,$13,$13) RETURNING id",
    );
    let row = bind_fields(insert, set_id, s, owner).bind(&code).bind(ctx.and_then(Ctx::user_id)).bind(now).fetch_one(&mut **tx).await?;
    let id: i64 = sqlx::Row::try_get(&row, 0)?;
    bump(tx, &s.district, 1, 0, 0, 0).await?;
    log(tx, ctx, "signs.create", id, format!("{} {}", code, s.district)).await?;
    Ok(Saved::Added(id))
}

/// Binds a sign's fields in the order the insert and the update both name them: set id, set
/// name, district, street, address, latitude, longitude, type, standard, owner.
fn bind_fields<'q>(q: AnyQuery<'q>, set_id: Option<i64>, s: &'q Checked, owner: Option<i64>) -> AnyQuery<'q> {
    q.bind(set_id).bind(&s.set_name).bind(&s.district).bind(&s.street).bind(&s.address).bind(s.lat_e6).bind(s.lon_e6).bind(&s.sign_type).bind(&s.standard).bind(owner)
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Writes a sign's fields over the row the caller has taken (its version already moved on),
/// moving its counts and cases when the district changed. `owner`: the new owner, or `None`
/// to keep the one it has.
async fn write_fields(tx: &mut Tx, ctx: Option<&Ctx>, id: i64, s: &Checked, owner: Option<Option<i64>>) -> AppResult<()> {
    let (old_district, conforming, old_owner): (String, i64, Option<i64>) =
        sqlx::query_as("SELECT district, conforming, owner_org FROM signs WHERE id = $1").bind(id).fetch_one(&mut **tx).await?;
    let owner = owner.unwrap_or(old_owner);
    let set_id = super::sets::set_for(tx, ctx, &s.set_name, &s.district, owner).await?;
    let update = sqlx::query(
        "UPDATE signs SET set_id = $1, set_name = $2, district = $3, street = $4, address = $5, lat_e6 = $6, lon_e6 = $7, sign_type = $8, standard = $9, owner_org = $10, updated_at = $11 WHERE id = $12",
    );
    bind_fields(update, set_id, s, owner).bind(crate::util::now()).bind(id).execute(&mut **tx).await?;
    if owner != old_owner {
        // The new owner rectifies what is still open.
        sqlx::query("UPDATE sign_cases SET owner_org = $1 WHERE sign_id = $2 AND state IN ('open','rectified')").bind(owner).bind(id).execute(&mut **tx).await?;
    }
    if old_district != s.district {
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_cases WHERE sign_id = $1 AND state IN ('open','rectified')").bind(id).fetch_one(&mut **tx).await?;
        let inspections: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_inspections WHERE sign_id = $1").bind(id).fetch_one(&mut **tx).await?;
        sqlx::query("UPDATE sign_cases SET district = $1 WHERE sign_id = $2").bind(&s.district).bind(id).execute(&mut **tx).await?;
        bump(tx, &old_district, -1, -conforming, -inspections, -open).await?;
        bump(tx, &s.district, 1, conforming, inspections, open).await?;
    }
    log(tx, ctx, "signs.update", id, s.district.clone()).await?;
    Ok(())
}

/// An edit of a sign made on the copy of `version`: refused with 409 when the sign has
/// changed since (another edit, an import of its code), never written over it. The code
/// stays; `owner` is the new owner's credit code (`Some(None)`: none) or `None` to keep it.
/// One transaction with the counts and the audit line.
pub async fn edit(app: &App, ctx: &Ctx, id: i64, version: i64, s: &Checked, owner: Option<Option<String>>) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    let taken = sqlx::query("UPDATE signs SET version = version + 1 WHERE id = $1 AND version = $2").bind(id).bind(version).execute(&mut *tx).await?.rows_affected();
    if taken == 0 {
        let exists: Option<i64> = sqlx::query_scalar("SELECT version FROM signs WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
        return Err(match exists {
            Some(_) => AppError::Conflict(ctx.t("signs.err_stale")),
            None => AppError::NotFound,
        });
    }
    let owner = match owner {
        Some(uscc) => Some(owner_id(&mut tx, uscc.as_deref(), ctx.lang).await?),
        None => None,
    };
    write_fields(&mut tx, Some(ctx), id, s, owner).await?;
    tx.commit().await?;
    Ok(())
}

/// The owner's credit code, for the edit form.
pub async fn owner_uscc(app: &App, org: Option<i64>) -> AppResult<Option<String>> {
    let Some(org) = org else { return Ok(None) };
    Ok(sqlx::query_scalar("SELECT uscc FROM organisations WHERE id = $1").bind(org).fetch_optional(&app.db.pool).await?.flatten())
}

/// The audit line of a write: the request's actor, or the command line.
pub(super) async fn log(tx: &mut Tx, ctx: Option<&Ctx>, action: &str, id: i64, detail: String) -> Result<(), sqlx::Error> {
    match ctx {
        Some(ctx) => audit::log_tx(tx, ctx, Entry { action, target: format!("sign:{id}"), detail }).await,
        None => audit::log_command_line(&mut **tx, action, format!("sign:{id}"), detail).await,
    }
}

pub async fn get(app: &App, id: i64) -> AppResult<Sign> {
    let sql = format!("SELECT {SIGN_COLS} FROM signs WHERE id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&app.db.pool).await?.ok_or(AppError::NotFound)
}

/// Signs of a district (or all), by id, after `after`.
pub async fn list(app: &App, district: Option<&str>, after: i64, limit: i64) -> AppResult<Vec<Sign>> {
    let sql = format!("SELECT {SIGN_COLS} FROM signs WHERE ($1 = '' OR district = $1) AND id > $2 ORDER BY id LIMIT $3");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(district.unwrap_or("")).bind(after).bind(limit).fetch_all(&app.db.pool).await?)
}

/// The signs of a set, by code (at most `limit`), in one query.
pub async fn of_set(app: &App, set_id: i64, limit: i64) -> AppResult<Vec<Sign>> {
    let sql = format!("SELECT {SIGN_COLS} FROM signs WHERE set_id = $1 ORDER BY code LIMIT $2");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(set_id).bind(limit).fetch_all(&app.db.pool).await?)
}

/// One district's figures.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DistrictStats {
    pub code: String,
    pub name: String,
    pub signs: i64,
    pub conforming: i64,
    pub inspections: i64,
    pub open_cases: i64,
}

/// Every Guangzhou district's figures from the counts table (zeros where nothing is yet).
pub async fn stats(app: &App) -> AppResult<Vec<DistrictStats>> {
    let rows: Vec<(String, i64, i64, i64, i64)> =
        sqlx::query_as("SELECT district, signs, conforming, inspections, open_cases FROM sign_district_counts").fetch_all(&app.db.pool).await?;
    Ok(super::model::districts()
        .into_iter()
        .map(|(code, name)| {
            let r = rows.iter().find(|r| r.0 == code);
            DistrictStats {
                code: code.to_string(),
                name: name.to_string(),
                signs: r.map_or(0, |r| r.1),
                conforming: r.map_or(0, |r| r.2),
                inspections: r.map_or(0, |r| r.3),
                open_cases: r.map_or(0, |r| r.4),
            }
        })
        .collect())
}

/// A photo as it came through the upload checks.
pub struct Photo {
    pub name: String,
    pub content_type: &'static str,
    pub data: Vec<u8>,
}

/// An inspection as recorded.
pub struct Inspection<'a> {
    pub findings: &'a [Finding],
    pub note: &'a str,
    pub photos: Vec<Photo>,
}

/// What an inspection did to the sign's case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub inspection: i64,
    pub case: Option<i64>,
    #[schema(value_type = Option<String>)]
    pub case_state: Option<&'static str>,
}

/// Records an inspection with its photos, the sign's standing, the counts and the case
/// (opened, reopened or closed) in one transaction: all of it or nothing. The caller has
/// checked that the actor may inspect this sign.
pub async fn inspect(app: &App, ctx: &Ctx, sign: &Sign, i: Inspection<'_>) -> AppResult<Recorded> {
    use sha2::Digest;
    let inspector = ctx.require_user()?.id;
    let conforming = i.findings.is_empty();
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    // Take the sign's row first: a second inspection of the same sign waits here, then reads
    // the standing and the case this one left (counted once, one case).
    sqlx::query("UPDATE signs SET updated_at = $1 WHERE id = $2").bind(now).bind(sign.id).execute(&mut *tx).await?;
    let findings = serde_json::to_string(i.findings).map_err(|e| AppError::Internal(e.into()))?;
    let iid: i64 = sqlx::query_scalar("INSERT INTO sign_inspections (sign_id, inspector, conforming, findings, note, created_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id")
        .bind(sign.id)
        .bind(inspector)
        .bind(i64::from(conforming))
        .bind(&findings)
        .bind(i.note)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    for p in i.photos {
        sqlx::query("INSERT INTO sign_photos (inspection_id, filename, content_type, size, sha256, data, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)")
            .bind(iid)
            .bind(&p.name)
            .bind(p.content_type)
            .bind(p.data.len() as i64)
            .bind(hex::encode(sha2::Sha256::digest(&p.data)))
            .bind(p.data)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    // The sign's standing, read under the row lock so two inspections count once each.
    let before: i64 = sqlx::query_scalar("SELECT conforming FROM signs WHERE id = $1").bind(sign.id).fetch_one(&mut *tx).await?;
    sqlx::query("UPDATE signs SET conforming = $1, inspected_at = $2, updated_at = $2 WHERE id = $3").bind(i64::from(conforming)).bind(now).bind(sign.id).execute(&mut *tx).await?;
    let actor = Actor::of(ctx)?.with_scope("inspector");
    let case: Option<(i64, String, i64)> =
        sqlx::query_as("SELECT id, state, version FROM sign_cases WHERE sign_id = $1 AND state IN ('open','rectified') ORDER BY id DESC LIMIT 1")
            .bind(sign.id)
            .fetch_optional(&mut *tx)
            .await?;
    let mut open_delta = 0;
    let recorded = match (case, conforming) {
        (Some((cid, _, version)), true) => {
            workflow::transition(&mut tx, app, &super::CASE_FLOW, cid, version, &actor, Step::action("close")).await?;
            open_delta = -1;
            Recorded { inspection: iid, case: Some(cid), case_state: Some("closed") }
        }
        (Some((cid, state, version)), false) => {
            if state == "rectified" {
                workflow::transition(&mut tx, app, &super::CASE_FLOW, cid, version, &actor, Step::action("reopen")).await?;
                sqlx::query("UPDATE sign_cases SET inspection_id = $1, due_at = $2 WHERE id = $3").bind(iid).bind(now + RECTIFY_DAYS * 86400).bind(cid).execute(&mut *tx).await?;
                tell_owner(&mut tx, app, sign, cid, now + RECTIFY_DAYS * 86400, i.findings).await?;
            }
            Recorded { inspection: iid, case: Some(cid), case_state: Some("open") }
        }
        (None, false) => {
            let due = now + RECTIFY_DAYS * 86400;
            let cid: i64 = sqlx::query_scalar(
                "INSERT INTO sign_cases (sign_id, inspection_id, district, owner_org, state, version, due_at, created_at, updated_at) VALUES ($1,$2,$3,$4,'open',0,$5,$6,$6) RETURNING id",
            )
            .bind(sign.id)
            .bind(iid)
            .bind(&sign.district)
            .bind(sign.owner_org)
            .bind(due)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            workflow::start(&mut tx, app, &super::CASE_FLOW, cid, &actor, Step::action("open")).await?;
            tell_owner(&mut tx, app, sign, cid, due, i.findings).await?;
            open_delta = 1;
            Recorded { inspection: iid, case: Some(cid), case_state: Some("open") }
        }
        (None, true) => Recorded { inspection: iid, case: None, case_state: None },
    };
    bump(&mut tx, &sign.district, 0, i64::from(conforming) - before, 1, open_delta).await?;
    let detail = format!("inspection:{iid} {}", if conforming { "conforming" } else { "nonconforming" });
    audit::log_tx(&mut tx, ctx, Entry { action: "signs.inspect", target: format!("sign:{}", sign.id), detail }).await?;
    tx.commit().await?;
    Ok(recorded)
}

/// Tells every user of the owning organisation what to rectify and by when.
async fn tell_owner(tx: &mut Tx, app: &App, sign: &Sign, case: i64, due: i64, findings: &[Finding]) -> AppResult<()> {
    let Some(org) = sign.owner_org else { return Ok(()) };
    let clauses = findings.iter().map(|f| f.clause.as_str()).collect::<Vec<_>>().join(", ");
    let due = crate::util::fmt_date(due);
    let link = format!("/signs/cases/{case}");
    let args = [("code", sign.code.as_str()), ("address", sign.address.as_str()), ("clauses", clauses.as_str()), ("due", due.as_str())];
    for u in crate::orgs::store::recipients(&mut **tx, Owner::Org(org)).await? {
        notify::send(tx, app, u, Notice { kind: "signs", key: "signs.notice_case", args: &args, link: &link, mail: true }).await?;
    }
    Ok(())
}

/// A case as its page shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Case {
    pub id: i64,
    pub sign_id: i64,
    pub inspection_id: i64,
    pub district: String,
    pub owner_org: Option<i64>,
    pub state: String,
    pub version: i64,
    pub due_at: i64,
    pub created_at: i64,
}

pub async fn case(app: &App, id: i64) -> AppResult<Case> {
    sqlx::query_as("SELECT id, sign_id, inspection_id, district, owner_org, state, version, due_at, created_at FROM sign_cases WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

/// The owner marks a case rectified (with what was done); the counts do not move until a
/// re-inspection closes it.
pub async fn rectify(app: &App, ctx: &Ctx, actor: &Actor, id: i64, version: i64, note: &str) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    workflow::transition(&mut tx, app, &super::CASE_FLOW, id, version, actor, Step::action("rectify").note(note)).await?;
    audit::log_tx(&mut tx, ctx, Entry { action: "signs.rectify", target: format!("sign_case:{id}"), detail: String::new() }).await?;
    tx.commit().await?;
    Ok(())
}

/// An inspection as listed on a sign's page.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InspectionRow {
    pub id: i64,
    pub conforming: i64,
    pub findings: String,
    pub note: String,
    pub created_at: i64,
    pub inspector_name: String,
    #[sqlx(skip)]
    pub photos: Vec<(i64, String)>,
}

pub async fn inspections(app: &App, sign: i64) -> AppResult<Vec<InspectionRow>> {
    let mut rows: Vec<InspectionRow> = sqlx::query_as(
        "SELECT i.id, i.conforming, i.findings, i.note, i.created_at, COALESCE(u.username, '') AS inspector_name FROM sign_inspections i \
         LEFT JOIN users u ON u.id = i.inspector WHERE i.sign_id = $1 ORDER BY i.id DESC LIMIT 50",
    )
    .bind(sign)
    .fetch_all(&app.db.pool)
    .await?;
    for r in &mut rows {
        r.photos = sqlx::query_as("SELECT id, filename FROM sign_photos WHERE inspection_id = $1 ORDER BY id").bind(r.id).fetch_all(&app.db.pool).await?;
    }
    Ok(rows)
}

/// Cases past their due date and still open (for the staff queue).
pub async fn overdue(app: &App) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sign_cases WHERE state = 'open' AND due_at < $1").bind(crate::util::now()).fetch_one(&app.db.pool).await?)
}

/// The name of a district code for pages (the code itself if unknown).
pub fn district_label(code: &str) -> String {
    district_name(code).map(str::to_string).unwrap_or_else(|| code.to_string())
}
