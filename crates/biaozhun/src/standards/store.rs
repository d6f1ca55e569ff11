//! SQL of the standards room: batched upserts, search documents, detail and relations,
//! change events with their notifications and watchlists (saved checks: `reports::store`).

use super::{DOMAIN, ranking};
use super::model::{self, Record, Relation, Row, merge};
use crate::App;
use crate::db::Tx;
use crate::jobs::notify::{self, Notice};
use crate::orgs::Owner;
use serde::Serialize;
use sqlx::Row as _;
use std::collections::{HashMap, HashSet};

pub const COLS: &str = "number, norm, base, kind, prefix, part, year, is_amendment, title_zh, title_en, title_fr, status, \
published_at, implemented_at, withdrawn_at, ics, ccs, competent_dept, committee, issuer, drafting_orgs, drafters, scope, \
remark, fulltext_url, source, flags, patents";
const NCOLS: usize = 28;

/// A stored standard (the columns of [`COLS`]); the 0/1 flag is read apart, as the database
/// keeps booleans as BIGINT.
pub fn record_from_row(r: &crate::db::Row) -> Result<Record, sqlx::Error> {
    use sqlx::FromRow;
    let mut rec = Record::from_row(r)?;
    rec.is_amendment = r.try_get::<i64, _>("is_amendment")? != 0;
    Ok(rec)
}

/// Bases of every watched standard (small: what the users follow), and those the rooms
/// that follow the catalogue's changes name ([`follow_changes`]).
pub async fn watched_bases(app: &App) -> Result<HashSet<String>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT DISTINCT base FROM standard_watch").fetch_all(&app.db.pool).await?;
    let mut out: HashSet<String> = rows.into_iter().map(|r| r.0).collect();
    let followers: Vec<Follower> = FOLLOWERS.lock().map(|f| f.clone()).unwrap_or_default();
    for (bases, _) in followers {
        out.extend(bases(app).await?);
    }
    Ok(out)
}

/// The bases a following room cares about (read at the start of each import).
pub type BasesOf = for<'a> fn(&'a App) -> futures_util::future::BoxFuture<'a, Result<HashSet<String>, sqlx::Error>>;
type Follower = (BasesOf, &'static str);
static FOLLOWERS: std::sync::Mutex<Vec<Follower>> = std::sync::Mutex::new(Vec::new());

/// A room above follows the catalogue's changes: change events are recorded for the bases
/// it names as for watched ones, and each event queues its job `job_kind` in the importing
/// transaction (at most one a second), which reads them with [`events_since`]. Called from
/// the room's `install()`; a second call with the same job changes nothing.
pub fn follow_changes(bases: BasesOf, job_kind: &'static str) {
    if let Ok(mut f) = FOLLOWERS.lock()
        && !f.iter().any(|(_, k)| *k == job_kind)
    {
        f.push((bases, job_kind));
    }
}

/// Loads stored records by canonical number.
pub async fn by_norms(conn: &mut sqlx::AnyConnection, norms: &[String]) -> Result<HashMap<String, (i64, Record)>, sqlx::Error> {
    let mut out = HashMap::new();
    let kind = crate::db::DbKind::of(conn);
    for chunk in norms.chunks(2000) {
        let sql = format!("SELECT id, {COLS} FROM standards WHERE norm IN ({})", kind.params(1, chunk.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for n in chunk {
            q = q.bind(n);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let rec = record_from_row(&r)?;
            out.insert(rec.norm.clone(), (r.try_get("id")?, rec));
        }
    }
    Ok(out)
}

/// What [`upsert_batch`] did.
pub struct Upserted {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// This process's index taking the batch's documents in (none when a server indexes).
    pub indexing: Option<crate::indexer::Handing>,
}

/// Writes one batch in one transaction, and hands the search documents of what changed,
/// built from the records in hand, to this process's index.
pub async fn upsert_batch(app: &App, rows: Vec<Row>, watched: &HashSet<String>) -> anyhow::Result<Upserted> {
    let mut tx = app.db.begin().await?;
    let norms: Vec<String> = rows.iter().map(|r| r.record.norm.clone()).collect();
    let mut existing = by_norms(&mut tx, &norms).await?;
    let mut changed: Vec<(Record, Option<(i64, Record)>)> = Vec::new();
    let mut unchanged = 0;
    let mut rels: Vec<Relation> = Vec::new();
    for row in rows {
        rels.extend(row.relations);
        match existing.remove(&row.record.norm) {
            // A new record is stored as it came.
            None => changed.push((*row.record, None)),
            Some(old) => {
                let m = merge(Some(&old.1), &row.record);
                if old.1 == m {
                    unchanged += 1;
                } else {
                    changed.push((m, Some(old)));
                }
            }
        }
    }
    let created = changed.iter().filter(|c| c.1.is_none()).count();
    let updated = changed.len() - created;
    super::tally::settle(&mut tx, changed.iter().map(|(now, old)| (now, old.as_ref().map(|o| &o.1)))).await?;
    let now = crate::util::now();
    if !changed.is_empty() {
        let cells: Vec<Cells> = changed.iter().map(|(r, _)| Cells(r, now)).collect();
        let cells = serde_json::to_string(&cells)?;
        sqlx::query(sqlx::AssertSqlSafe(upsert_sql(app.db.kind))).bind(cells).execute(&mut *tx).await?;
    }
    let changed_norms: Vec<String> = changed.iter().map(|c| c.0.norm.clone()).collect();
    let id_of = crate::db::ids_by_key(&mut tx, "standards", "norm", &changed_norms).await?;
    // Relations: keyed by numbers, inserted once.
    if !rels.is_empty() {
        let cells: Vec<[&str; 4]> = rels.iter().map(|r| [r.from.as_str(), r.to.as_str(), r.kind, r.degree.as_str()]).collect();
        let sql = format!(
            "INSERT INTO standard_relations (from_norm, to_norm, kind, degree) {} ON CONFLICT (from_norm, to_norm, kind) DO NOTHING",
            app.db.kind.json_rows(1, &[crate::db::JsonCol::Text; 4])
        );
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(serde_json::to_string(&cells)?).execute(&mut *tx).await?;
    }
    // Adopted international standards show who adopts them: re-index those.
    let changed_norms: HashSet<&str> = changed_norms.iter().map(String::as_str).collect();
    let adopted: Vec<String> = rels.iter().filter(|r| r.kind == "adopts" && changed_norms.contains(r.from.as_str())).map(|r| r.to.clone()).collect();
    let mut adopted_recs: Vec<(i64, Record)> = Vec::new();
    if !adopted.is_empty() {
        for (_, (id, rec)) in by_norms(&mut tx, &adopted).await? {
            if !id_of.contains_key(&rec.norm) {
                adopted_recs.push((id, rec));
            }
        }
    }
    // Change events for watched standards.
    if !watched.is_empty() {
        for (rec, old) in &changed {
            if !watched.contains(&rec.base) {
                continue;
            }
            let id = id_of.get(&rec.norm).copied().unwrap_or(0);
            match old {
                None => {
                    let kind = if rec.is_amendment { "amendment" } else { "new_edition" };
                    record_event(&mut tx, app, id, &rec.norm, &rec.base, kind, "", &rec.status, &rec.norm).await?;
                }
                Some((_, o)) if o.status != rec.status => {
                    let kind = event_kind(&o.status, &rec.status);
                    record_event(&mut tx, app, id, &rec.norm, &rec.base, kind, &o.status, &rec.status, "").await?;
                }
                _ => {}
            }
        }
        // A new standard that replaces a watched one of another number (GB 8898 → GB 4943.1).
        for r in rels.iter().filter(|r| r.kind == "replaces" && changed_norms.contains(r.from.as_str())) {
            if let Some(t) = model::ident(&r.to) {
                let from_base = model::ident(&r.from).map(|f| f.base).unwrap_or_default();
                if watched.contains(&t.base) && t.base != from_base {
                    record_event(&mut tx, app, 0, &t.norm, &t.base, "replaced", "", "replaced", &r.from).await?;
                }
            }
        }
    }
    // The other records of each changed document: which of them leads may have changed.
    // (and the documents adopted: their lead shows the adoption's title.)
    let mut recs: HashMap<i64, Record> = HashMap::with_capacity(changed.len() + adopted_recs.len());
    for (rec, _) in changed {
        if let Some(id) = id_of.get(&rec.norm) {
            recs.insert(*id, rec);
        }
    }
    recs.extend(adopted_recs);
    let (families, siblings) = family_members(&mut tx, &recs).await?;
    recs.extend(siblings);
    let ids: Vec<i64> = recs.keys().copied().collect();
    let logged = crate::indexer::changed(&mut tx, DOMAIN, &ids).await?;
    let ctx = contexts(&mut tx, &recs, &families).await?;
    // The documents themselves are written on the indexing thread, off the storing path.
    let docs = Box::new(move || docs_of(&recs, &ctx).into_iter().map(|(_, d)| d).collect());
    let indexing = crate::indexer::commit_built(app, tx, crate::indexer::Built { logged, docs }).await?;
    Ok(Upserted { created, updated, unchanged, indexing })
}

/// The columns of [`COLS`] that hold integers (the others hold text).
const INT_COLS: [&str; 5] = ["year", "is_amendment", "published_at", "implemented_at", "withdrawn_at"];

/// A record's values in the order of [`COLS`], then its creation and update time: a row of
/// the upsert's JSON ([`crate::db::DbKind::json_rows`]).
struct Cells<'a>(&'a Record, i64);

impl Serialize for Cells<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let (r, now) = (self.0, self.1);
        let mut q = s.serialize_seq(Some(NCOLS + 2))?;
        for t in [&r.number, &r.norm, &r.base, &r.kind, &r.prefix, &r.part] {
            q.serialize_element(t)?;
        }
        q.serialize_element(&r.year)?;
        q.serialize_element(&i64::from(r.is_amendment))?;
        for t in [&r.title_zh, &r.title_en, &r.title_fr, &r.status] {
            q.serialize_element(t)?;
        }
        for t in [r.published_at, r.implemented_at, r.withdrawn_at] {
            q.serialize_element(&t)?;
        }
        for t in [
            &r.ics, &r.ccs, &r.competent_dept, &r.committee, &r.issuer, &r.drafting_orgs, &r.drafters, &r.scope, &r.remark, &r.fulltext_url, &r.source, &r.flags, &r.patents,
        ] {
            q.serialize_element(t)?;
        }
        q.serialize_element(&now)?;
        q.serialize_element(&now)?;
        q.end()
    }
}

/// The upsert of records given as one JSON array of [`Cells`] (their ids are read
/// afterwards: [`crate::db::ids_by_key`]).
fn upsert_sql(kind: crate::db::DbKind) -> String {
    use crate::db::JsonCol;
    let mut types: Vec<JsonCol> = COLS.split(", ").map(|c| if INT_COLS.contains(&c) { JsonCol::Int } else { JsonCol::Text }).collect();
    types.extend([JsonCol::Int, JsonCol::Int]);
    let mut sql = format!("INSERT INTO standards ({COLS}, created_at, updated_at) {}", kind.json_rows(1, &types));
    sql.push_str(" ON CONFLICT (norm) DO UPDATE SET ");
    let sets: Vec<String> = COLS.split(", ").filter(|c| *c != "norm").map(|c| format!("{c} = excluded.{c}")).collect();
    sql.push_str(&sets.join(", "));
    sql.push_str(", updated_at = excluded.updated_at, version = standards.version + 1");
    sql
}

pub fn event_kind(old: &str, new: &str) -> &'static str {
    match new {
        "withdrawn" => "withdrawn",
        "replaced" => "replaced",
        "in_force" if old == "upcoming" => "in_force",
        _ => "status",
    }
}

/// Users who receive the notices of an owner stored as its key (`u:<id>`, `o:<id>`): the
/// user, or every user of the organisation.
pub async fn recipients(tx: &mut Tx, owner: &str) -> Result<Vec<i64>, sqlx::Error> {
    match Owner::parse_key(owner) {
        Some(o) => crate::orgs::store::recipients(&mut **tx, o).await,
        None => Ok(vec![]),
    }
}

/// Records a change and tells the owners who watch the standard's family: at once (with
/// mail) for `immediate`, in-site now and by the next digest for `daily` / `weekly`.
#[allow(clippy::too_many_arguments)]
pub async fn record_event(tx: &mut Tx, app: &App, standard_id: i64, norm: &str, base: &str, kind: &str, old: &str, new: &str, successor: &str) -> Result<(), sqlx::Error> {
    let event_id: i64 = sqlx::query_scalar(
        "INSERT INTO standard_events (standard_id, norm, base, kind, old_status, new_status, successor, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(standard_id)
    .bind(norm)
    .bind(base)
    .bind(kind)
    .bind(old)
    .bind(new)
    .bind(successor)
    .bind(crate::util::now())
    .fetch_one(&mut **tx)
    .await?;
    let owners: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT DISTINCT w.owner, p.frequency FROM standard_watch w LEFT JOIN standard_watch_prefs p ON p.owner = w.owner WHERE w.base = $1",
    )
    .bind(base)
    .fetch_all(&mut **tx)
    .await?;
    let jobs: Vec<&'static str> = FOLLOWERS.lock().map(|f| f.iter().map(|(_, k)| *k).collect()).unwrap_or_default();
    for job in jobs {
        let dedupe = format!("{job}:{}", crate::util::now());
        crate::jobs::enqueue(tx, job, serde_json::json!({}), Some(&dedupe)).await?;
    }
    let link = format!("/standards/{}", percent_encoding::utf8_percent_encode(norm, percent_encoding::NON_ALPHANUMERIC));
    let key = format!("standards.notice_{kind}");
    for (owner, freq) in owners {
        let immediate = freq.as_deref() == Some("immediate");
        for uid in recipients(tx, &owner).await? {
            let n = Notice { kind: "standards", key: &key, args: &[("number", norm), ("successor", successor)], link: &link, mail: immediate };
            notify::send(tx, app, uid, n).await?;
        }
        if !immediate {
            sqlx::query("INSERT INTO standard_digest_queue (owner, event_id) VALUES ($1,$2) ON CONFLICT (owner, event_id) DO NOTHING")
                .bind(&owner)
                .bind(event_id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// Change events after `after` (id, base, kind, norm, successor), oldest first: for rooms
/// that follow the catalogue's changes (the registry flags declarations with them).
pub async fn events_since(app: &App, after: i64, limit: i64) -> Result<Vec<(i64, String, String, String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, base, kind, norm, successor FROM standard_events WHERE id > $1 ORDER BY id LIMIT $2").bind(after).bind(limit).fetch_all(&app.db.pool).await
}

// ---------------------------------------------------------------------------------------
// Reading

/// A stored standard with its id, for pages and the API.
#[derive(Debug, Clone, Serialize)]
pub struct Std {
    pub id: i64,
    #[serde(flatten)]
    pub rec: Record,
}

pub async fn get_by_norm(app: &App, norm: &str) -> Result<Option<Std>, sqlx::Error> {
    let sql = format!("SELECT id, {COLS} FROM standards WHERE norm = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(norm).fetch_optional(&app.db.pool).await?;
    r.map(|r| Ok(Std { id: r.try_get("id")?, rec: record_from_row(&r)? })).transpose()
}

pub async fn by_ids(app: &App, ids: &[i64]) -> Result<HashMap<i64, Record>, sqlx::Error> {
    by_ids_in(&mut *app.db.pool.acquire().await?, ids).await
}

async fn by_ids_in(conn: &mut sqlx::AnyConnection, ids: &[i64]) -> Result<HashMap<i64, Record>, sqlx::Error> {
    let mut out = HashMap::new();
    let kind = crate::db::DbKind::of(conn);
    for chunk in ids.chunks(1000) {
        let sql = format!("SELECT id, {COLS} FROM standards WHERE id IN ({})", kind.params(1, chunk.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.insert(r.try_get("id")?, record_from_row(&r)?);
        }
    }
    Ok(out)
}

pub async fn by_bases(app: &App, bases: &[String]) -> Result<Vec<(i64, Record)>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in bases.chunks(1000) {
        let sql = format!("SELECT id, {COLS} FROM standards WHERE base IN ({})", app.db.kind.params(1, chunk.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in chunk {
            q = q.bind(b);
        }
        for r in q.fetch_all(&app.db.pool).await? {
            out.push((r.try_get("id")?, record_from_row(&r)?));
        }
    }
    Ok(out)
}

/// ISO and IEC records whose number proper is one of these, as distinct (base, prefix, kind,
/// part): the candidates for a joint document cited under one of its bodies.
pub async fn intl_bases_by_part(app: &App, parts: &[String]) -> Result<Vec<(String, String, String, String)>, sqlx::Error> {
    let mut out = Vec::new();
    for chunk in parts.chunks(1000) {
        let sql = format!(
            "SELECT DISTINCT base, prefix, kind, part FROM standards WHERE part IN ({}) AND kind IN ('iso', 'iec', 'iso_iec')",
            app.db.kind.params(1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (String, String, String, String)>(sqlx::AssertSqlSafe(sql));
        for p in chunk {
            q = q.bind(p);
        }
        out.extend(q.fetch_all(&app.db.pool).await?);
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize)]
pub struct Rel {
    pub from: String,
    pub to: String,
    pub kind: String,
    pub degree: String,
}

/// Relations touching any of these numbers (either end).
pub async fn relations_of(app: &App, norms: &[String]) -> Result<Vec<Rel>, sqlx::Error> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for chunk in norms.chunks(1000) {
        for col in ["from_norm", "to_norm"] {
            let sql = format!("SELECT from_norm, to_norm, kind, degree FROM standard_relations WHERE {col} IN ({})", app.db.kind.params(1, chunk.len()));
            let mut q = sqlx::query_as::<_, (String, String, String, String)>(sqlx::AssertSqlSafe(sql));
            for n in chunk {
                q = q.bind(n);
            }
            for (from, to, kind, degree) in q.fetch_all(&app.db.pool).await? {
                if seen.insert((from.clone(), to.clone(), kind.clone())) {
                    out.push(Rel { from, to, kind, degree });
                }
            }
        }
    }
    Ok(out)
}

/// What a record's search document needs beside the record: its adoption partners and
/// its family (the other editions, stages and amendments of the same document).
#[derive(Debug, Default)]
pub struct DocContext {
    /// Adoption partners in either direction: (number, Chinese title, English title).
    pub linked: Vec<(String, String, String)>,
    /// Set on the family's lead: what it folds. `None` when another record leads.
    pub folded: Option<ranking::Folded>,
    /// Titles of the other editions that differ from the record's own (lead only): a query
    /// naming a former title still finds the document.
    pub other_titles: Vec<String>,
}

/// Every record of the families of these records, as family members; with the records it
/// read because they were not in hand (an edition stored by an earlier import). Of the
/// stored records only the ids are read, and the whole of those not in hand.
async fn family_members(conn: &mut sqlx::AnyConnection, in_hand: &HashMap<i64, Record>) -> Result<(HashMap<String, Vec<ranking::Member>>, HashMap<i64, Record>), sqlx::Error> {
    let wanted: HashSet<String> = in_hand.values().map(ranking::family).collect();
    // Numbers proper to look up: a committee draft's iteration (`ISO/CD 9001.2`) belongs to
    // `ISO 9001`, so both are asked for from the draft's side (the edition's own lookup does
    // not see the iteration: its fold count leaves it out).
    let mut parts: Vec<&str> = Vec::new();
    for r in in_hand.values().filter(|r| !r.part.is_empty()) {
        parts.push(&r.part);
        if matches!(r.kind.as_str(), "iso" | "iec" | "iso_iec")
            && ranking::is_draft_prefix(&r.prefix)
            && let Some((p, n)) = r.part.rsplit_once('.')
            && n.bytes().all(|b| b.is_ascii_digit())
        {
            parts.push(p);
        }
    }
    parts.sort_unstable();
    parts.dedup();
    let kind = crate::db::DbKind::of(conn);
    let mut out: HashMap<String, Vec<ranking::Member>> = HashMap::new();
    let mut stored: Vec<i64> = Vec::new();
    for chunk in parts.chunks(1000) {
        let sql = format!("SELECT id FROM standards WHERE part IN ({})", kind.params(1, chunk.len()));
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
        for p in chunk {
            q = q.bind(*p);
        }
        for id in q.fetch_all(&mut *conn).await? {
            match in_hand.get(&id) {
                Some(r) => out.entry(ranking::family(r)).or_default().push(ranking::Member::of(id, r)),
                None => stored.push(id),
            }
        }
    }
    let mut read = by_ids_in(conn, &stored).await?;
    read.retain(|_, r| wanted.contains(&ranking::family(r)));
    for (id, r) in &read {
        out.entry(ranking::family(r)).or_default().push(ranking::Member::of(*id, r));
    }
    Ok((out, read))
}

/// Ids of every record in the families of these records (their leads change with them).
pub async fn family_ids(conn: &mut sqlx::AnyConnection, recs: &HashMap<i64, Record>) -> Result<Vec<i64>, sqlx::Error> {
    Ok(family_members(conn, recs).await?.0.into_values().flatten().map(|m| m.id).collect())
}

/// Adoption partners of these numbers, either direction: norm → (partner, its Chinese and
/// English titles).
async fn adoption_partners(conn: &mut sqlx::AnyConnection, norms: &[String]) -> Result<HashMap<String, Vec<(String, String, String)>>, sqlx::Error> {
    let mut out: HashMap<String, Vec<(String, String, String)>> = HashMap::new();
    let kind = crate::db::DbKind::of(conn);
    for chunk in norms.chunks(1000) {
        for (col, other) in [("from_norm", "to_norm"), ("to_norm", "from_norm")] {
            let sql = format!(
                "SELECT r.{col}, r.{other}, COALESCE(s.title_zh, ''), COALESCE(s.title_en, '') FROM standard_relations r LEFT JOIN standards s ON s.norm = r.{other} WHERE r.kind = 'adopts' AND r.{col} IN ({})",
                kind.params(1, chunk.len())
            );
            let mut q = sqlx::query_as::<_, (String, String, String, String)>(sqlx::AssertSqlSafe(sql));
            for n in chunk {
                q = q.bind(n);
            }
            for (a, b, zh, en) in q.fetch_all(&mut *conn).await? {
                out.entry(a).or_default().push((b, zh, en));
            }
        }
    }
    Ok(out)
}

/// The search document of each id (batched), read from the database.
pub async fn load_docs(app: &App, ids: &[i64]) -> anyhow::Result<Vec<(i64, Option<search::Doc>)>> {
    let mut conn = app.db.pool.acquire().await?;
    let recs = by_ids_in(&mut conn, ids).await?;
    let (families, _) = family_members(&mut conn, &recs).await?;
    let ctx = contexts(&mut conn, &recs, &families).await?;
    let mut docs: HashMap<i64, search::Doc> = docs_of(&recs, &ctx).into_iter().collect();
    Ok(ids.iter().map(|id| (*id, docs.remove(id))).collect())
}

/// The search document of each record, with its context ([`contexts`]).
fn docs_of(recs: &HashMap<i64, Record>, ctx: &HashMap<i64, DocContext>) -> Vec<(i64, search::Doc)> {
    let alone = DocContext { folded: Some(Default::default()), ..Default::default() };
    recs.iter().map(|(id, r)| (*id, to_doc(*id, r, ctx.get(id).unwrap_or(&alone)))).collect()
}

/// What the search documents of records in hand need beside them, given the members of
/// their families: what each lead folds, the titles of its other editions, and the
/// adoption partners, read in `conn` (an import's transaction, or the pool).
async fn contexts(conn: &mut sqlx::AnyConnection, recs: &HashMap<i64, Record>, families: &HashMap<String, Vec<ranking::Member>>) -> Result<HashMap<i64, DocContext>, sqlx::Error> {
    let mut ctx: HashMap<i64, DocContext> = HashMap::new();
    // Norms whose adoptions a document shows: its own, and a lead's other editions' (GB/T
    // 7714-2015 adopts ISO 690:2010, which ISO 690:2021 leads).
    let mut wanted: Vec<(i64, String)> = Vec::new();
    for (id, r) in recs {
        wanted.push((*id, r.norm.clone()));
        let c = ctx.entry(*id).or_default();
        let Some(members) = families.get(&ranking::family(r)) else {
            c.folded = Some(Default::default());
            continue;
        };
        let Some(lead) = ranking::lead(members) else { continue };
        if lead.id != *id {
            continue;
        }
        c.folded = Some(ranking::folded(members, *id));
        for m in members.iter().filter(|m| m.id != *id && !m.is_amendment) {
            wanted.push((*id, m.norm.clone()));
            for t in [&m.title_en, &m.title_zh] {
                if !t.is_empty() && *t != r.title_en && *t != r.title_zh && !c.other_titles.contains(t) {
                    c.other_titles.push(t.clone());
                }
            }
        }
    }
    // Adoption links in both directions make "19001" find ISO 9001 and the reverse, and
    // carry the partner's titles across (a Chinese query finds the adopted ISO standard).
    let mut norms: Vec<String> = wanted.iter().map(|w| w.1.clone()).collect();
    norms.sort_unstable();
    norms.dedup();
    let partners = adoption_partners(conn, &norms).await?;
    for (id, norm) in wanted {
        let c = ctx.entry(id).or_default();
        for p in partners.get(&norm).into_iter().flatten() {
            if !c.linked.iter().any(|l| l.0 == p.0) {
                c.linked.push(p.clone());
            }
        }
    }
    Ok(ctx)
}

pub fn to_doc(id: i64, r: &Record, cx: &DocContext) -> search::Doc {
    // One number a line: the canonical one, as published, and as cited.
    let mut code = r.norm.clone();
    if r.number != r.norm {
        code.push('\n');
        code.push_str(&r.number);
    }
    // A joint document cited under its first body (`ISO 27002:2022` for ISO/IEC 27002:2022).
    if stdnum::standard::is_joint_prefix(&r.prefix) {
        let kind = stdnum::standard::Kind::from_code(&r.kind).unwrap_or(stdnum::standard::Kind::Iso);
        let key = stdnum::standard::base_key(&r.prefix, kind, &r.part);
        code.push('\n');
        code.push_str(&key);
        if let Some(y) = r.year {
            code.push_str(&format!(":{y}"));
        }
    }
    let title = [r.title_zh.as_str(), r.title_en.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join("\n");
    let mut body = cx.linked.iter().map(|l| l.0.as_str()).collect::<Vec<_>>().join(" ");
    for (_, zh, en) in &cx.linked {
        for t in [zh, en] {
            if !t.is_empty() {
                body.push('\n');
                body.push_str(t);
            }
        }
    }
    for t in &cx.other_titles {
        body.push('\n');
        body.push_str(t);
    }
    if !r.scope.is_empty() {
        body.push('\n');
        body.push_str(&r.scope);
    }
    let mut facets = vec![("kind".to_string(), r.kind.clone()), ("status".to_string(), if r.status.is_empty() { "unknown".into() } else { r.status.clone() })];
    for c in r.ics.split_whitespace() {
        facets.push(("ics".into(), c.to_string()));
    }
    for c in r.ccs.split_whitespace() {
        facets.push(("ccs".into(), c.to_string()));
    }
    if !r.committee.is_empty() {
        facets.push(("committee".into(), r.committee.clone()));
    }
    let mut item = super::model::SearchItem::of(r);
    if let Some(f) = cx.folded {
        item.folded_count = f.total();
        item.folded = f;
    }
    search::Doc {
        key: crate::indexer::key(DOMAIN, id),
        domain: DOMAIN.into(),
        code,
        title,
        body,
        facets,
        date: r.published_at.or(r.implemented_at),
        payload: serde_json::to_string(&item).unwrap_or_default(),
        // Not indexed for a folded edition (`search::Doc::folded`): not worked out either.
        title_other: if cx.folded.is_some() { r.title_fr.clone() } else { String::new() },
        title_own: if cx.folded.is_some() { ranking::own_title(&r.title_en) } else { String::new() },
        weight: ranking::weight(r),
        folded: cx.folded.is_none(),
    }
}

pub async fn all_ids(app: &App) -> anyhow::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT id FROM standards ORDER BY id").fetch_all(&app.db.pool).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

// ---------------------------------------------------------------------------------------
// Watchlists

// A watchlist belongs to whom its user acts for (`crate::orgs::acting_owner`); its rows
// store the owner's key.

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WatchItem {
    pub number: String,
    pub title_zh: String,
    pub title_en: String,
    /// Stored status of the watched edition ('' when it is not in the catalogue).
    pub status: String,
    pub added_at: i64,
}

pub async fn watch_list(app: &App, owner: Owner) -> Result<Vec<WatchItem>, sqlx::Error> {
    let rows: Vec<(String, i64, Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT w.norm, w.created_at, s.title_zh, s.title_en, s.status FROM standard_watch w LEFT JOIN standards s ON s.norm = w.norm WHERE w.owner = $1 ORDER BY w.norm",
    )
    .bind(owner.key())
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(number, added_at, zh, en, st)| WatchItem { number, title_zh: zh.unwrap_or_default(), title_en: en.unwrap_or_default(), status: st.unwrap_or_default(), added_at })
        .collect())
}

/// Adds numbers to a watchlist; returns how many were new.
pub async fn watch_add(app: &App, owner: Owner, user_id: i64, norms: &[(String, String)]) -> Result<usize, sqlx::Error> {
    let mut tx = app.db.begin().await?;
    let mut added = 0;
    for (norm, base) in norms {
        let r = sqlx::query("INSERT INTO standard_watch (owner, norm, base, added_by, created_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (owner, norm) DO NOTHING")
            .bind(owner.key())
            .bind(norm)
            .bind(base)
            .bind(user_id)
            .bind(crate::util::now())
            .execute(&mut *tx)
            .await?;
        added += r.rows_affected() as usize;
    }
    sqlx::query("INSERT INTO standard_watch_prefs (owner, frequency, last_digest_at) VALUES ($1, 'daily', 0) ON CONFLICT (owner) DO NOTHING")
        .bind(owner.key())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(added)
}

pub async fn watch_remove(app: &App, owner: Owner, norm: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM standard_watch WHERE owner = $1 AND norm = $2").bind(owner.key()).bind(norm).execute(&app.db.pool).await?.rows_affected())
}

pub async fn frequency(app: &App, owner: Owner) -> Result<String, sqlx::Error> {
    let f: Option<(String,)> = sqlx::query_as("SELECT frequency FROM standard_watch_prefs WHERE owner = $1").bind(owner.key()).fetch_optional(&app.db.pool).await?;
    Ok(f.map(|f| f.0).unwrap_or_else(|| "daily".into()))
}

pub async fn set_frequency(app: &App, owner: Owner, freq: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO standard_watch_prefs (owner, frequency, last_digest_at) VALUES ($1,$2,0) ON CONFLICT (owner) DO UPDATE SET frequency = excluded.frequency")
        .bind(owner.key())
        .bind(freq)
        .execute(&app.db.pool)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Feeds

#[derive(Debug, Clone, Serialize)]
pub struct FeedEntry {
    pub id: i64,
    pub norm: String,
    pub title_zh: String,
    pub title_en: String,
    pub status: String,
    pub at: i64,
}

/// Newest 50 of a feed: `new` by publication, `upcoming` by implementation date, `withdrawn`
/// by withdrawal (or last change).
pub async fn feed(app: &App, which: &str, kind: Option<&str>, ics: Option<&str>) -> Result<Vec<FeedEntry>, sqlx::Error> {
    let (cond, order) = match which {
        "upcoming" => ("status = 'upcoming'", "COALESCE(implemented_at, updated_at)"),
        "withdrawn" => ("status IN ('withdrawn','replaced')", "COALESCE(withdrawn_at, updated_at)"),
        _ => ("published_at IS NOT NULL AND status <> 'developing'", "published_at"),
    };
    let mut sql = format!("SELECT id, norm, title_zh, title_en, status, {order} AS at, ics FROM standards WHERE {cond}");
    let mut n = 0;
    if kind.is_some() {
        n += 1;
        sql.push_str(&format!(" AND kind = ${n}"));
    }
    if ics.is_some() {
        n += 1;
        sql.push_str(&format!(" AND (' ' || ics) LIKE ${n}"));
    }
    sql.push_str(&format!(" ORDER BY {order} DESC, id DESC LIMIT 50"));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(k) = kind {
        q = q.bind(k);
    }
    if let Some(i) = ics {
        q = q.bind(format!("% {}%", i.replace(['%', '_'], "")));
    }
    let rows = q.fetch_all(&app.db.pool).await?;
    rows.iter()
        .map(|r| {
            Ok(FeedEntry {
                id: r.try_get("id")?,
                norm: r.try_get("norm")?,
                title_zh: r.try_get("title_zh")?,
                title_en: r.try_get("title_en")?,
                status: r.try_get("status")?,
                at: r.try_get::<Option<i64>, _>("at")?.unwrap_or(0),
            })
        })
        .collect()
}

// What other rooms read of the catalogue, and the one record they publish into it.
pub use super::lookups::*;

#[cfg(test)]
mod tests {
    use super::*;

    /// Each value of an upsert's row sits under its column: every text field holds its
    /// column's name, every integer a number.
    #[test]
    fn an_upsert_row_gives_each_column_its_value() {
        let mut r = Record { year: Some(2015), is_amendment: true, published_at: Some(1), implemented_at: Some(2), withdrawn_at: Some(3), ..Default::default() };
        for (f, name) in [
            (&mut r.number, "number"), (&mut r.norm, "norm"), (&mut r.base, "base"), (&mut r.kind, "kind"), (&mut r.prefix, "prefix"), (&mut r.part, "part"),
            (&mut r.title_zh, "title_zh"), (&mut r.title_en, "title_en"), (&mut r.title_fr, "title_fr"), (&mut r.status, "status"), (&mut r.ics, "ics"),
            (&mut r.ccs, "ccs"), (&mut r.competent_dept, "competent_dept"), (&mut r.committee, "committee"), (&mut r.issuer, "issuer"),
            (&mut r.drafting_orgs, "drafting_orgs"), (&mut r.drafters, "drafters"), (&mut r.scope, "scope"), (&mut r.remark, "remark"),
            (&mut r.fulltext_url, "fulltext_url"), (&mut r.source, "source"), (&mut r.flags, "flags"), (&mut r.patents, "patents"),
        ] {
            *f = name.to_string();
        }
        let row = serde_json::to_value(Cells(&r, 7)).unwrap();
        let row = row.as_array().unwrap();
        let cols: Vec<&str> = COLS.split(", ").collect();
        assert_eq!((cols.len(), row.len()), (NCOLS, NCOLS + 2));
        for (col, v) in cols.iter().zip(row) {
            if INT_COLS.contains(col) {
                assert!(v.is_i64(), "{col}: {v}");
            } else {
                assert_eq!(v.as_str(), Some(*col));
            }
        }
        assert_eq!(&row[NCOLS..], &[serde_json::json!(7), serde_json::json!(7)]);
    }
}
