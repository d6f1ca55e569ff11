//! The committees room's SQL: the registry with its search by number and name, one
//! committee with its members, the import's upsert, and the counts by level and district.

use super::model::{self, Level};
use crate::App;
use crate::db::Tx;
use crate::web::{AppError, AppResult};
use serde::Serialize;

/// A committee as lists, pages and the API show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Committee {
    pub id: i64,
    /// `ISO/TC 176`, `SAC/TC 28/SC 1`.
    pub number: String,
    pub name_zh: String,
    pub name_en: String,
    /// international, national, provincial or city.
    pub level: String,
    pub parent_id: Option<i64>,
    /// 届.
    pub term: String,
    pub guiding_unit: String,
    /// The international committee a national one mirrors.
    pub mirror_number: String,
    pub secretariat: String,
    /// The secretariat's unified social credit code, where known.
    pub secretariat_uscc: String,
    /// GB/T 2260 code of the Guangzhou district the secretariat is in; empty elsewhere.
    pub district_code: String,
    pub chair: String,
    pub secretary: String,
    pub scope: String,
    pub status: String,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, number, name_zh, name_en, level, parent_id, term, guiding_unit, mirror_number, secretariat, secretariat_uscc, \
    district_code, chair, secretary, scope, status, updated_at";

/// A member of a committee.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Member {
    pub name: String,
    /// chair, vice_chair, secretary, deputy_secretary, member, observer.
    pub role: String,
    pub organisation: String,
    pub term_from: Option<i64>,
    pub term_to: Option<i64>,
}

/// What a list asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub q: String,
    pub level: Option<Level>,
    pub district: Option<String>,
}

fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// The WHERE clause and its values: a number typed any way (`TC 176`, `tc176`,
/// `ISO/TC176`) matches by key, the committee itself before its subcommittees; other
/// words match the names and the secretariat.
fn where_of(f: &Filter) -> (String, Vec<String>, String) {
    let mut clauses = vec!["1 = 1".to_string()];
    let mut binds: Vec<String> = Vec::new();
    let mut order = "number_key".to_string();
    let arg = |binds: &mut Vec<String>, v: String| {
        binds.push(v);
        format!("${}", binds.len())
    };
    if let Some(l) = f.level {
        let p = arg(&mut binds, l.as_str().to_string());
        clauses.push(format!("level = {p}"));
    }
    if let Some(d) = &f.district {
        let p = arg(&mut binds, d.clone());
        clauses.push(format!("district_code = {p}"));
    }
    let q = f.q.trim();
    if !q.is_empty() {
        let words = format!("%{}%", like_escape(&q.to_lowercase()));
        let w = arg(&mut binds, words);
        let mut alts = vec![format!("LOWER(name_en) LIKE {w} ESCAPE '\\'"), format!("name_zh LIKE {w} ESCAPE '\\'"), format!("LOWER(secretariat) LIKE {w} ESCAPE '\\'")];
        if let Some(key) = model::search_key(q) {
            let exact = arg(&mut binds, key.clone());
            let tail = arg(&mut binds, format!("%/{}", like_escape(&key)));
            let head = arg(&mut binds, format!("{}/%", like_escape(&key)));
            let inner = arg(&mut binds, format!("%/{}/%", like_escape(&key)));
            alts.push(format!("number_key = {exact}"));
            alts.push(format!("number_key LIKE {tail} ESCAPE '\\'"));
            alts.push(format!("number_key LIKE {head} ESCAPE '\\'"));
            alts.push(format!("number_key LIKE {inner} ESCAPE '\\'"));
            order = format!(
                "CASE WHEN number_key = {exact} THEN 0 WHEN number_key LIKE {tail} ESCAPE '\\' THEN 1 ELSE 2 END, LENGTH(number_key), number_key"
            );
        }
        clauses.push(format!("({})", alts.join(" OR ")));
    }
    (clauses.join(" AND "), binds, order)
}

/// One page of the registry and the number of committees that match.
pub async fn search(app: &App, f: &Filter, offset: i64, limit: i64) -> AppResult<(Vec<Committee>, i64)> {
    let (cond, binds, order) = where_of(f);
    let count_sql = format!("SELECT COUNT(*) FROM committees WHERE {cond}");
    let mut cq = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
    for b in &binds {
        cq = cq.bind(b.clone());
    }
    let total = cq.fetch_one(&app.db.pool).await?;
    let n = binds.len();
    let sql = format!("SELECT {COLUMNS} FROM committees WHERE {cond} ORDER BY {order} LIMIT ${} OFFSET ${}", n + 1, n + 2);
    let mut q = sqlx::query_as::<_, Committee>(sqlx::AssertSqlSafe(sql));
    for b in &binds {
        q = q.bind(b.clone());
    }
    let rows = q.bind(limit).bind(offset).fetch_all(&app.db.pool).await?;
    Ok((rows, total))
}

pub async fn get(app: &App, id: i64) -> AppResult<Committee> {
    let sql = format!("SELECT {COLUMNS} FROM committees WHERE id = $1");
    sqlx::query_as::<_, Committee>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&app.db.pool).await?.ok_or(AppError::NotFound)
}

/// The committee of a number written any way, if registered.
pub async fn by_number(app: &App, number: &str) -> AppResult<Option<Committee>> {
    let Ok(key) = model::number_key(number) else { return Ok(None) };
    let sql = format!("SELECT {COLUMNS} FROM committees WHERE number_key = $1");
    Ok(sqlx::query_as::<_, Committee>(sqlx::AssertSqlSafe(sql)).bind(key).fetch_optional(&app.db.pool).await?)
}

/// The committees directly under one.
pub async fn children(app: &App, id: i64) -> AppResult<Vec<Committee>> {
    let sql = format!("SELECT {COLUMNS} FROM committees WHERE parent_id = $1 ORDER BY number_key LIMIT 500");
    Ok(sqlx::query_as::<_, Committee>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&app.db.pool).await?)
}

pub async fn members(app: &App, id: i64) -> AppResult<Vec<Member>> {
    Ok(sqlx::query_as::<_, Member>(
        "SELECT name, role, organisation, term_from, term_to FROM committee_members WHERE committee_id = $1 \
         ORDER BY CASE role WHEN 'chair' THEN 0 WHEN 'vice_chair' THEN 1 WHEN 'secretary' THEN 2 WHEN 'deputy_secretary' THEN 3 WHEN 'member' THEN 4 ELSE 5 END, name",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await?)
}

/// A committee as an import brings it (the number already normalised).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Incoming {
    pub number: String,
    pub name_zh: String,
    pub name_en: String,
    pub level: String,
    pub parent_number: Option<String>,
    pub term: String,
    pub guiding_unit: String,
    pub mirror_number: String,
    pub secretariat: String,
    pub secretariat_uscc: String,
    pub district_code: String,
    pub chair: String,
    pub secretary: String,
    pub scope: String,
    pub status: String,
    pub source: String,
    pub members: Vec<IncomingMember>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncomingMember {
    pub name: String,
    pub role: String,
    pub organisation: String,
    pub term_from: Option<i64>,
    pub term_to: Option<i64>,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Stored {
    number: String,
    name_zh: String,
    name_en: String,
    level: String,
    term: String,
    guiding_unit: String,
    mirror_number: String,
    secretariat: String,
    secretariat_uscc: String,
    district_code: String,
    chair: String,
    secretary: String,
    scope: String,
    status: String,
}

/// Inserts or updates one committee by its number key (in the caller's transaction); the
/// parent is linked by number when it is registered. Running it again changes nothing.
pub async fn upsert(tx: &mut Tx, c: &Incoming) -> Result<Upserted, sqlx::Error> {
    let key = model::number_key(&c.number).unwrap_or_else(|_| c.number.clone());
    let parent_id: Option<i64> = match &c.parent_number {
        Some(p) => match model::number_key(p) {
            Ok(pk) => sqlx::query_scalar("SELECT id FROM committees WHERE number_key = $1").bind(pk).fetch_optional(&mut **tx).await?,
            Err(_) => None,
        },
        None => None,
    };
    let now = crate::util::now();
    let old: Option<(i64, Option<i64>)> = sqlx::query_as("SELECT id, parent_id FROM committees WHERE number_key = $1").bind(&key).fetch_optional(&mut **tx).await?;
    let want = Stored {
        number: c.number.clone(), name_zh: c.name_zh.clone(), name_en: c.name_en.clone(), level: c.level.clone(), term: c.term.clone(),
        guiding_unit: c.guiding_unit.clone(), mirror_number: c.mirror_number.clone(), secretariat: c.secretariat.clone(),
        secretariat_uscc: c.secretariat_uscc.clone(), district_code: c.district_code.clone(), chair: c.chair.clone(), secretary: c.secretary.clone(),
        scope: c.scope.clone(), status: c.status.clone(),
    };
    let id = match old {
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO committees (number, number_key, name_zh, name_en, level, parent_id, term, guiding_unit, mirror_number, secretariat, \
                 secretariat_uscc, district_code, chair, secretary, scope, status, source, created_at, updated_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$18) RETURNING id",
            )
            .bind(&c.number).bind(&key).bind(&c.name_zh).bind(&c.name_en).bind(&c.level).bind(parent_id).bind(&c.term).bind(&c.guiding_unit)
            .bind(&c.mirror_number).bind(&c.secretariat).bind(&c.secretariat_uscc).bind(&c.district_code).bind(&c.chair).bind(&c.secretary)
            .bind(&c.scope).bind(&c.status).bind(&c.source).bind(now)
            .fetch_one(&mut **tx)
            .await?;
            replace_members(tx, id, &c.members).await?;
            crate::db::tallies::settle(tx, &[], &super::tally::keys(&c.level, &c.district_code)).await?;
            return Ok(Upserted::Created);
        }
        Some((id, old_parent)) => {
            let have: Stored = sqlx::query_as(
                "SELECT number, name_zh, name_en, level, term, guiding_unit, mirror_number, secretariat, secretariat_uscc, district_code, chair, secretary, scope, status \
                 FROM committees WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
            let members_now = member_rows(tx, id).await?;
            let parent = parent_id.or(old_parent);
            if have == want && parent == old_parent && members_now == c.members {
                return Ok(Upserted::Unchanged);
            }
            sqlx::query(
                "UPDATE committees SET number = $1, name_zh = $2, name_en = $3, level = $4, parent_id = $5, term = $6, guiding_unit = $7, mirror_number = $8, \
                 secretariat = $9, secretariat_uscc = $10, district_code = $11, chair = $12, secretary = $13, scope = $14, status = $15, source = $16, updated_at = $17 WHERE id = $18",
            )
            .bind(&c.number).bind(&c.name_zh).bind(&c.name_en).bind(&c.level).bind(parent).bind(&c.term).bind(&c.guiding_unit).bind(&c.mirror_number)
            .bind(&c.secretariat).bind(&c.secretariat_uscc).bind(&c.district_code).bind(&c.chair).bind(&c.secretary).bind(&c.scope).bind(&c.status)
            .bind(&c.source).bind(now).bind(id)
            .execute(&mut **tx)
            .await?;
            if members_now != c.members {
                replace_members(tx, id, &c.members).await?;
            }
            let (before, after) = (super::tally::keys(&have.level, &have.district_code), super::tally::keys(&c.level, &c.district_code));
            crate::db::tallies::settle(tx, &before, &after).await?;
            id
        }
    };
    let _ = id;
    Ok(Upserted::Updated)
}

async fn member_rows(tx: &mut Tx, id: i64) -> Result<Vec<IncomingMember>, sqlx::Error> {
    let rows: Vec<(String, String, String, Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT name, role, organisation, term_from, term_to FROM committee_members WHERE committee_id = $1 ORDER BY id").bind(id).fetch_all(&mut **tx).await?;
    Ok(rows.into_iter().map(|(name, role, organisation, term_from, term_to)| IncomingMember { name, role, organisation, term_from, term_to }).collect())
}

async fn replace_members(tx: &mut Tx, id: i64, members: &[IncomingMember]) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM committee_members WHERE committee_id = $1").bind(id).execute(&mut **tx).await?;
    let now = crate::util::now();
    for m in members {
        sqlx::query(
            "INSERT INTO committee_members (committee_id, name, role, organisation, term_from, term_to, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) \
             ON CONFLICT (committee_id, name, role) DO NOTHING",
        )
        .bind(id).bind(&m.name).bind(&m.role).bind(&m.organisation).bind(m.term_from).bind(m.term_to).bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Links each committee without a parent to the committee its number names one level up
/// (an import may bring a subcommittee before its committee).
pub async fn link_parents(tx: &mut Tx) -> Result<u64, sqlx::Error> {
    let orphans: Vec<(i64, String)> = sqlx::query_as("SELECT id, number FROM committees WHERE parent_id IS NULL").fetch_all(&mut **tx).await?;
    let mut linked = 0;
    for (id, number) in orphans {
        let Some(parent) = model::parent_number(&number) else { continue };
        let Ok(pk) = model::number_key(&parent) else { continue };
        let r = sqlx::query("UPDATE committees SET parent_id = (SELECT p.id FROM committees p WHERE p.number_key = $1) WHERE id = $2 AND EXISTS (SELECT 1 FROM committees p WHERE p.number_key = $1)")
            .bind(pk)
            .bind(id)
            .execute(&mut **tx)
            .await?;
        linked += r.rows_affected();
    }
    Ok(linked)
}

/// Counts by level and by Guangzhou district, for the strategy dashboard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Counts {
    /// (level, committees) for every level, zeros included.
    pub by_level: Vec<(String, i64)>,
    /// (GB/T 2260 code, district name, committees with their secretariat there), largest first.
    pub by_district: Vec<(String, String, i64)>,
    /// Secretariats in Guangzhou, all levels.
    pub in_guangzhou: i64,
    /// International committees (ISO, IEC) with their secretariat in Guangzhou.
    pub international_in_guangzhou: i64,
    pub total: i64,
}

pub async fn counts(app: &App) -> AppResult<Counts> {
    let levels: Vec<(String, i64)> = sqlx::query_as("SELECT level, COUNT(*) FROM committees GROUP BY level").fetch_all(&app.db.pool).await?;
    let by_level: Vec<(String, i64)> =
        Level::ALL.iter().map(|l| (l.as_str().to_string(), levels.iter().find(|(k, _)| k == l.as_str()).map(|x| x.1).unwrap_or(0))).collect();
    let districts: Vec<(String, i64)> =
        sqlx::query_as("SELECT district_code, COUNT(*) FROM committees WHERE district_code <> '' GROUP BY district_code ORDER BY COUNT(*) DESC, district_code").fetch_all(&app.db.pool).await?;
    let in_guangzhou = districts.iter().map(|d| d.1).sum();
    let by_district = districts.into_iter().map(|(code, n)| (code.clone(), crate::membership::model::district_name(&code), n)).collect();
    let total = by_level.iter().map(|x| x.1).sum();
    let international_in_guangzhou = sqlx::query_scalar("SELECT COUNT(*) FROM committees WHERE level = $1 AND district_code <> ''")
        .bind(Level::International.as_str())
        .fetch_one(&app.db.pool)
        .await?;
    Ok(Counts { by_level, by_district, in_guangzhou, international_in_guangzhou, total })
}
