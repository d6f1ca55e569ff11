//! SQL of the TBT room's notifications: batched upserts keyed by symbol, families, the
//! search documents and listing (deadlines and statistics are in `stats.rs`).

use super::model::{self, Record};
use super::{DOMAIN, codes, members};
use crate::App;
use crate::web::{AppError, AppResult};
use serde::Serialize;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// Rows per multi-row statement: sqlx binds SQLite parameters in time growing with the
/// square of their count, so statements stay small (see standards::store).
pub const BATCH: usize = 50;

/// Records per transaction in an import: one commit (one fsync on SQLite) covers this many,
/// while each statement inside stays at [`BATCH`] rows.
pub const TX_BATCH: usize = 2000;

/// Ids or symbols per `IN (...)` lookup.
const LOOKUP: usize = 500;

type Q<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

pub(super) fn list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

const COLS: &str = "symbol, root_symbol, doc_kind, member, members, member_text, distribution_date, distribution_raw, agency, notified_under, products_text, \
    hs, ics, title, description, objectives, keywords, regions, notification_type, proposed_adoption, adoption_date, \
    proposed_entry_into_force, entry_into_force_date, comment_text, comment_deadline, domestic_deadline, language, \
    link_notification, link_summary, links_full, source_url, content_hash, created_at, updated_at, \
    agreement, emergency, intl_standards, conformity, enquiry_point";
const NCOLS: usize = 39;

fn bind_record<'q>(q: Q<'q>, r: &Record, hash: &str, now: i64) -> Q<'q> {
    q.bind(r.symbols[0].clone())
        .bind(r.root_symbol())
        .bind(r.doc_kind())
        .bind(r.member.clone())
        .bind(json(&r.members))
        .bind(r.member_text.clone())
        .bind(r.distribution_date.clone())
        .bind(r.distribution_raw.clone())
        .bind(r.agency.clone())
        .bind(json(&r.notified_under))
        .bind(r.products_text.clone())
        .bind(json(&r.hs))
        .bind(json(&r.ics))
        .bind(r.title.clone())
        .bind(r.description.clone())
        .bind(json(&r.objectives))
        .bind(json(&r.keywords))
        .bind(r.regions.clone())
        .bind(r.notification_type.clone())
        .bind(r.proposed_adoption.clone())
        .bind(r.adoption_date.clone())
        .bind(r.proposed_entry_into_force.clone())
        .bind(r.entry_into_force_date.clone())
        .bind(r.comment_text.clone())
        .bind(r.comment_deadline.clone())
        .bind(model::default_domestic(r.comment_deadline.as_deref()))
        .bind(r.language.clone())
        .bind(r.link_notification.clone())
        .bind(r.link_summary.clone())
        .bind(json(&r.links_full))
        .bind(r.source_url.clone())
        .bind(hash.to_string())
        .bind(now)
        .bind(now)
        .bind(r.agreement())
        .bind(i64::from(r.emergency))
        .bind(json(&r.intl_standards))
        .bind(r.conformity.clone())
        .bind(r.enquiry_point.clone())
}

#[derive(Default)]
pub struct BatchResult {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub changed_ids: Vec<i64>,
}

/// Creates or updates one batch of records (up to [`TX_BATCH`]) in one transaction:
/// existing symbols and content hashes are looked up in chunks, new records go in
/// multi-row INSERTs of [`BATCH`] rows returning their ids.
pub async fn upsert_batch(app: &App, recs: &[Record]) -> anyhow::Result<BatchResult> {
    let now = crate::util::now();
    let mut res = BatchResult::default();
    let all_symbols: Vec<&String> = recs.iter().flat_map(|r| r.symbols.iter()).collect();
    let mut tx = app.db.begin().await?;
    let mut existing: HashMap<String, i64> = HashMap::new();
    for chunk in all_symbols.chunks(LOOKUP) {
        let sql = format!(
            "SELECT symbol, notification_id FROM tbt_symbols WHERE symbol IN ({})",
            app.db.kind.params(1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql));
        for s in chunk {
            q = q.bind(s.to_string());
        }
        existing.extend(q.fetch_all(&mut *tx).await?);
    }
    let ids: Vec<i64> = existing.values().copied().collect::<HashSet<_>>().into_iter().collect();
    let mut hashes: HashMap<i64, (String, i64)> = HashMap::new();
    for chunk in ids.chunks(LOOKUP) {
        let sql = format!(
            "SELECT id, content_hash, domestic_set FROM tbt_notifications WHERE id IN ({})",
            app.db.kind.params(1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (i64, String, i64)>(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for (id, h, d) in q.fetch_all(&mut *tx).await? {
            hashes.insert(id, (h, d));
        }
    }
    let mut fresh: Vec<(&Record, String)> = Vec::new();
    let mut symbol_rows: Vec<(String, i64)> = Vec::new();
    let mut changed = Vec::new();
    for r in recs {
        let hash = r.hash();
        match r.symbols.iter().find_map(|s| existing.get(s)) {
            Some(&id) => {
                let (old, domestic_set) = hashes.get(&id).cloned().unwrap_or_default();
                if old == hash {
                    res.unchanged += 1;
                    continue;
                }
                let sql = "UPDATE tbt_notifications SET root_symbol=$1, doc_kind=$2, member=$3, members=$4, member_text=$5, distribution_date=$6, \
                    agency=$7, notified_under=$8, products_text=$9, hs=$10, ics=$11, title=$12, description=$13, objectives=$14, keywords=$15, \
                    regions=$16, notification_type=$17, proposed_adoption=$18, adoption_date=$19, proposed_entry_into_force=$20, \
                    entry_into_force_date=$21, comment_text=$22, comment_deadline=$23, domestic_deadline=CASE WHEN domestic_set = 1 THEN domestic_deadline ELSE $24 END, \
                    language=$25, link_notification=$26, link_summary=$27, links_full=$28, source_url=$29, content_hash=$30, updated_at=$31, distribution_raw=$33, \
                    agreement=$34, emergency=$35, intl_standards=$36, conformity=$37, enquiry_point=$38 WHERE id=$32";
                let _ = domestic_set;
                sqlx::query(sql)
                    .bind(r.root_symbol())
                    .bind(r.doc_kind())
                    .bind(r.member.clone())
                    .bind(json(&r.members))
                    .bind(r.member_text.clone())
                    .bind(r.distribution_date.clone())
                    .bind(r.agency.clone())
                    .bind(json(&r.notified_under))
                    .bind(r.products_text.clone())
                    .bind(json(&r.hs))
                    .bind(json(&r.ics))
                    .bind(r.title.clone())
                    .bind(r.description.clone())
                    .bind(json(&r.objectives))
                    .bind(json(&r.keywords))
                    .bind(r.regions.clone())
                    .bind(r.notification_type.clone())
                    .bind(r.proposed_adoption.clone())
                    .bind(r.adoption_date.clone())
                    .bind(r.proposed_entry_into_force.clone())
                    .bind(r.entry_into_force_date.clone())
                    .bind(r.comment_text.clone())
                    .bind(r.comment_deadline.clone())
                    .bind(model::default_domestic(r.comment_deadline.as_deref()))
                    .bind(r.language.clone())
                    .bind(r.link_notification.clone())
                    .bind(r.link_summary.clone())
                    .bind(json(&r.links_full))
                    .bind(r.source_url.clone())
                    .bind(hash)
                    .bind(now)
                    .bind(id)
                    .bind(r.distribution_raw.clone())
                    .bind(r.agreement())
                    .bind(i64::from(r.emergency))
                    .bind(json(&r.intl_standards))
                    .bind(r.conformity.clone())
                    .bind(r.enquiry_point.clone())
                    .execute(&mut *tx)
                    .await?;
                for s in &r.symbols {
                    symbol_rows.push((s.clone(), id));
                }
                res.updated += 1;
                changed.push(id);
            }
            None => fresh.push((r, hash)),
        }
    }
    for chunk in fresh.chunks(BATCH) {
        let mut sql = format!("INSERT INTO tbt_notifications ({COLS}) VALUES {}", app.db.kind.rows(chunk.len(), NCOLS));
        sql.push_str(" ON CONFLICT (symbol) DO NOTHING RETURNING id, symbol");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (r, h) in chunk {
            q = bind_record(q, r, h, now);
        }
        let mut got: HashMap<String, i64> = HashMap::with_capacity(chunk.len());
        for row in q.fetch_all(&mut *tx).await? {
            got.insert(row.try_get(1)?, row.try_get(0)?);
        }
        for (r, _) in chunk {
            if let Some(id) = got.get(&r.symbols[0]) {
                for s in &r.symbols {
                    symbol_rows.push((s.clone(), *id));
                }
                changed.push(*id);
                res.created += 1;
            }
        }
    }
    for chunk in symbol_rows.chunks(LOOKUP) {
        let mut sql = format!("INSERT INTO tbt_symbols (symbol, notification_id) VALUES {}", app.db.kind.rows(chunk.len(), 2));
        sql.push_str(" ON CONFLICT (symbol) DO NOTHING");
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (s, id) in chunk {
            q = q.bind(s.clone()).bind(*id);
        }
        q.execute(&mut *tx).await?;
    }
    crate::indexer::changed(&mut tx, DOMAIN, &changed).await?;
    tx.commit().await?;
    res.changed_ids = changed;
    Ok(res)
}

/// Links addenda, corrigenda and revisions to their root document once it is known.
pub async fn link_parents(app: &App) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE tbt_notifications SET parent_id = (SELECT s.notification_id FROM tbt_symbols s WHERE s.symbol = tbt_notifications.root_symbol) \
         WHERE parent_id IS NULL AND doc_kind <> 'notification'",
    )
    .execute(&app.db.pool)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reading

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MemberRef {
    /// The code WTO symbols use: USA, KOR, EU, TPKM, CHN …
    pub code: String,
    /// Display name in the request's language.
    pub name: String,
    pub name_en: String,
    pub name_zh: String,
}

pub fn member_ref(code: &str, lang: &str) -> MemberRef {
    MemberRef {
        code: code.to_string(),
        name: members::name(code, lang),
        name_en: members::name(code, "en"),
        name_zh: members::name(code, "zh-CN"),
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HsRef {
    pub code: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FamilyItem {
    pub id: i64,
    pub symbols: Vec<String>,
    /// notification, addendum, corrigendum, revision, supplement
    pub doc_kind: String,
    pub distribution_date: Option<String>,
    pub title: String,
    pub comment_deadline: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `tbt` or `sps`: the WTO agreement the notification is made under.
    pub agreement: String,
    /// An emergency measure (SPS Art. 6 / Annex B para. 6, TBT 2.10 / 5.7): in force at once.
    pub emergency: bool,
    /// SPS: the relevant international standard-setting bodies: `codex`, `woah` (OIE), `ippc`, `none`.
    pub intl_standards: Vec<String>,
    /// SPS: conforms to the international standard: `yes`, `no` or empty when not said.
    pub conformity: String,
    /// The enquiry point that answers comments and gives the text.
    pub enquiry_point: String,
    pub symbol: String,
    pub symbols: Vec<String>,
    pub root_symbol: String,
    pub parent_id: Option<i64>,
    pub doc_kind: String,
    pub member: MemberRef,
    pub members: Vec<MemberRef>,
    pub distribution_date: Option<String>,
    /// The distribution date as the source wrote it, when it could not be read (else empty).
    pub distribution_raw: String,
    pub agency: String,
    pub notified_under: Vec<String>,
    pub products_text: String,
    pub hs: Vec<HsRef>,
    pub ics: Vec<String>,
    pub title: String,
    pub description: String,
    pub objectives: Vec<String>,
    pub keywords: Vec<String>,
    pub regions: String,
    pub notification_type: String,
    pub proposed_adoption: String,
    pub adoption_date: Option<String>,
    pub proposed_entry_into_force: String,
    pub entry_into_force_date: Option<String>,
    /// The final date for comments as written.
    pub comment_text: String,
    /// The final date for comments (YYYY-MM-DD), computed from relative forms when needed.
    pub comment_deadline: Option<String>,
    /// Internal deadline for comments to reach the consolidating staff.
    pub domestic_deadline: Option<String>,
    /// Days left until the WTO deadline (negative once passed).
    pub days_left: Option<i64>,
    pub open: bool,
    pub language: String,
    pub link_notification: String,
    pub link_summary: String,
    pub links_full: Vec<String>,
    pub source_url: String,
}

const SEL: &str = "id, symbol, root_symbol, parent_id, doc_kind, member, members, distribution_date, distribution_raw, agency, notified_under, products_text, hs, ics, \
    title, description, objectives, keywords, regions, notification_type, proposed_adoption, adoption_date, proposed_entry_into_force, \
    entry_into_force_date, comment_text, comment_deadline, domestic_deadline, language, link_notification, link_summary, links_full, source_url, \
    agreement, emergency, intl_standards, conformity, enquiry_point";

/// A `tbt_notifications` row as stored (lists as `;`-joined text); [`NotificationRow::view`]
/// makes the [`Notification`] shown, in a language and as of a day.
#[derive(sqlx::FromRow)]
struct NotificationRow {
    id: i64,
    symbol: String,
    root_symbol: String,
    parent_id: Option<i64>,
    doc_kind: String,
    member: String,
    members: String,
    distribution_date: Option<String>,
    distribution_raw: String,
    agency: String,
    notified_under: String,
    products_text: String,
    hs: String,
    ics: String,
    title: String,
    description: String,
    objectives: String,
    keywords: String,
    regions: String,
    notification_type: String,
    proposed_adoption: String,
    adoption_date: Option<String>,
    proposed_entry_into_force: String,
    entry_into_force_date: Option<String>,
    comment_text: String,
    comment_deadline: Option<String>,
    domestic_deadline: Option<String>,
    language: String,
    link_notification: String,
    link_summary: String,
    links_full: String,
    source_url: String,
    agreement: String,
    emergency: i64,
    intl_standards: String,
    conformity: String,
    enquiry_point: String,
}

impl NotificationRow {
    fn view(self, lang: &str, today: &str) -> Notification {
        let days_left = model::days_left(self.comment_deadline.as_deref(), today);
        Notification {
            id: self.id,
            agreement: self.agreement,
            emergency: self.emergency != 0,
            intl_standards: list(&self.intl_standards),
            conformity: self.conformity,
            enquiry_point: self.enquiry_point,
            symbols: vec![self.symbol.clone()],
            symbol: self.symbol,
            root_symbol: self.root_symbol,
            parent_id: self.parent_id,
            doc_kind: self.doc_kind,
            member: member_ref(&self.member, lang),
            members: list(&self.members).iter().map(|m| member_ref(m, lang)).collect(),
            distribution_date: self.distribution_date,
            distribution_raw: self.distribution_raw,
            agency: self.agency,
            notified_under: list(&self.notified_under),
            products_text: self.products_text,
            hs: list(&self.hs)
                .into_iter()
                .map(|c| HsRef {
                    description: codes::hs_description(&c).unwrap_or("").to_string(),
                    code: c,
                })
                .collect(),
            ics: list(&self.ics),
            title: self.title,
            description: self.description,
            objectives: list(&self.objectives),
            keywords: list(&self.keywords),
            regions: self.regions,
            notification_type: self.notification_type,
            proposed_adoption: self.proposed_adoption,
            adoption_date: self.adoption_date,
            proposed_entry_into_force: self.proposed_entry_into_force,
            entry_into_force_date: self.entry_into_force_date,
            comment_text: self.comment_text,
            open: days_left.is_some_and(|d| d >= 0),
            days_left,
            comment_deadline: self.comment_deadline,
            domestic_deadline: self.domestic_deadline,
            language: self.language,
            link_notification: self.link_notification,
            link_summary: self.link_summary,
            links_full: list(&self.links_full),
            source_url: self.source_url,
        }
    }
}

/// Notifications by id, in the order asked, with all their symbols.
pub async fn by_ids(app: &App, ids: &[i64], lang: &str) -> Result<Vec<Notification>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let today = model::today();
    let mut found: HashMap<i64, Notification> = HashMap::new();
    let mut syms: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(1000) {
        let sql = format!("SELECT {SEL} FROM tbt_notifications WHERE id IN ({})", app.db.kind.params(1, chunk.len()));
        let mut q = sqlx::query_as::<_, NotificationRow>(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&app.db.pool).await? {
            let n = r.view(lang, &today);
            found.insert(n.id, n);
        }
        let sql = format!(
            "SELECT notification_id, symbol FROM tbt_symbols WHERE notification_id IN ({})",
            app.db.kind.params(1, chunk.len())
        );
        let mut q = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for (id, s) in q.fetch_all(&app.db.pool).await? {
            syms.entry(id).or_default().push(s);
        }
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(mut n) = found.remove(id) {
            let mut others: Vec<String> = syms.remove(id).unwrap_or_default().into_iter().filter(|s| *s != n.symbol).collect();
            others.sort();
            n.symbols.extend(others);
            out.push(n);
        }
    }
    Ok(out)
}

/// The notification carrying a symbol (any of a joint notification's).
pub async fn id_by_symbol(app: &App, symbol: &str) -> AppResult<i64> {
    let norm = stdnum::wto::parse_symbol(symbol).map(|s| s.to_string()).map_err(|_| AppError::NotFound)?;
    let id: Option<i64> = sqlx::query_scalar("SELECT notification_id FROM tbt_symbols WHERE symbol = $1")
        .bind(norm)
        .fetch_optional(&app.db.pool)
        .await?;
    id.ok_or(AppError::NotFound)
}

pub async fn get(app: &App, id: i64, lang: &str) -> AppResult<Notification> {
    by_ids(app, &[id], lang).await?.into_iter().next().ok_or(AppError::NotFound)
}

/// The whole family: the root notification and every addendum, corrigendum and revision,
/// oldest first.
pub async fn family(app: &App, n: &Notification) -> AppResult<Vec<FamilyItem>> {
    let mut roots: Vec<String> = n
        .symbols
        .iter()
        .filter_map(|s| stdnum::wto::parse_symbol(s).ok())
        .map(|s| s.root().to_string())
        .collect();
    roots.push(n.root_symbol.clone());
    roots.sort();
    roots.dedup();
    let sql = format!(
        "SELECT n.id FROM tbt_notifications n WHERE n.root_symbol IN ({}) OR n.id IN (SELECT notification_id FROM tbt_symbols WHERE symbol IN ({}))",
        app.db.kind.params(1, roots.len()),
        app.db.kind.params(roots.len() + 1, roots.len())
    );
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
    for r in roots.iter().chain(roots.iter()) {
        q = q.bind(r.clone());
    }
    let mut ids = q.fetch_all(&app.db.pool).await?;
    ids.sort();
    ids.dedup();
    let mut items: Vec<FamilyItem> = by_ids(app, &ids, "en")
        .await?
        .into_iter()
        .map(|x| FamilyItem {
            id: x.id,
            symbols: x.symbols,
            doc_kind: x.doc_kind,
            distribution_date: x.distribution_date,
            title: x.title,
            comment_deadline: x.comment_deadline,
        })
        .collect();
    items.sort_by(|a, b| {
        (a.doc_kind != "notification", &a.distribution_date, &a.symbols[0]).cmp(&(b.doc_kind != "notification", &b.distribution_date, &b.symbols[0]))
    });
    Ok(items)
}

// ---------------------------------------------------------------------------------------
// Search documents

pub async fn load_docs(app: &App, ids: &[i64]) -> anyhow::Result<Vec<(i64, Option<search::Doc>)>> {
    let found = by_ids(app, ids, "zh-CN").await?;
    let mut out: Vec<(i64, Option<search::Doc>)> = Vec::with_capacity(ids.len());
    let mut seen = HashSet::new();
    for n in found {
        seen.insert(n.id);
        let mut facets: Vec<(String, String)> = Vec::new();
        for m in &n.members {
            facets.push(("member".into(), m.code.clone()));
            for g in members::GROUPS {
                if g.members.contains(&m.code.as_str()) && !facets.iter().any(|(k, v)| k == "group" && v == g.code) {
                    facets.push(("group".into(), g.code.into()));
                }
            }
        }
        for h in &n.hs {
            facets.push(("hs".into(), h.code.clone()));
        }
        for i in &n.ics {
            facets.push(("ics".into(), i.clone()));
        }
        for o in &n.objectives {
            facets.push(("objective".into(), o.clone()));
        }
        if let Some(d) = &n.distribution_date {
            facets.push(("year".into(), d[..4.min(d.len())].to_string()));
        }
        if let Some(d) = &n.comment_deadline {
            facets.extend(deadline_facets(d).into_iter().map(|v| ("dl".to_string(), v)));
        }
        facets.push(("kind".into(), n.doc_kind.clone()));
        facets.push(("agreement".into(), n.agreement.clone()));
        if n.emergency {
            facets.push(("emergency".into(), "1".into()));
        }
        for k in super::sps::objective_keys(&n.objectives) {
            facets.push(("sps_objective".into(), k.into()));
        }
        let names: Vec<String> = n.members.iter().flat_map(|m| [m.name_en.clone(), m.name_zh.clone()]).collect();
        let doc = search::Doc {
            key: crate::indexer::key(DOMAIN, n.id),
            domain: DOMAIN.into(),
            code: n.symbols.join("\n"),
            title: n.title.clone(),
            body: format!(
                "{}\n{}\n{}\n{}\n{}\n{}\n{}",
                n.enquiry_point,
                n.description,
                n.products_text,
                n.keywords.join(" "),
                n.objectives.join(" "),
                n.agency,
                names.join(" ")
            ),
            facets,
            date: n.distribution_date.as_deref().and_then(crate::util::parse_local_date),
            payload: serde_json::to_string(&model::SearchLine { symbol: n.symbol.clone(), title: n.title.clone() })?,
            ..Default::default()
        };
        out.push((n.id, Some(doc)));
    }
    for id in ids {
        if !seen.contains(id) {
            out.push((*id, None));
        }
    }
    Ok(out)
}

pub async fn all_ids(app: &App) -> anyhow::Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM tbt_notifications ORDER BY id")
        .fetch_all(&app.db.pool)
        .await?)
}

pub use super::search::{Filters, Found, FACETS, build_query, deadline_facets, open_deadline_terms, search};
pub use super::stats::{QueueItem, Stats, queue, set_domestic, stats};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_terms_cover_exactly_the_days_from_today() {
        let terms = open_deadline_terms("2026-11-28", "2028-03-01");
        assert_eq!(terms.len(), 3 + 1 + 2);
        let matches = |d: &str| deadline_facets(d).iter().any(|v| terms.contains(v));
        for (d, open) in [
            ("2026-11-27", false),
            ("2026-11-28", true),
            ("2026-11-30", true),
            ("2026-12-01", true),
            ("2027-06-15", true),
            ("2028-02-29", true),
            ("2025-12-31", false),
            ("2026-10-30", false),
        ] {
            assert_eq!(matches(d), open, "{d}");
        }
        assert_eq!(open_deadline_terms("2026-12-31", "2026-12-31"), vec!["2026-12-31".to_string()]);
    }
}
