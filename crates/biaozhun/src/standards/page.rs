//! The standard's page from one recursive query: the record, every record of its document
//! (editions, drafts, amendments, versions) and of the documents related to it by
//! replacement or adoption, up to three steps away, with the relations among them. From
//! those rows: the validity graph (the same rules as the check), and the page's timeline.
//!
//! The timeline lists each published edition of the document once, oldest first, with its
//! amendments and corrigenda nested under it; drafts are "in development" (a draft is never
//! a successor); documents of another number that were merged into an edition or that
//! replaced one are "related"; adoptions are listed both ways.

use super::check::Graph;
use super::model::{self, Record};
use super::ranking;
use super::store::{self, Std};
use crate::App;
use crate::db::DbKind;
use serde::Serialize;
use sqlx::Row as _;
use std::collections::{HashMap, HashSet};

/// Steps of relations followed from the document.
const DEPTH: i64 = 3;

/// An entry of the page: a number, its reported status and title, its publication date.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub number: String,
    /// Reported status ('' when the standard is not in the catalogue).
    pub status: String,
    pub title: String,
    pub published: Option<String>,
}

/// One published edition with its amendments, corrigenda and versions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Edition {
    #[serde(flatten)]
    pub entry: Entry,
    /// True for the edition the page shows.
    pub this: bool,
    pub amendments: Vec<Entry>,
}

/// A document of another number linked to this one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Related {
    #[serde(flatten)]
    pub entry: Entry,
    /// `merged_into`: it was replaced by an edition of this document (`ISO 9002:1994` into
    /// `ISO 9001:2000`); `replaced_by`: it replaced an edition of this document.
    pub relation: String,
    /// The edition of this document at the other end.
    pub edition: String,
}

/// The timeline part of a standard's page.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Timeline {
    /// Published editions, oldest first.
    pub editions: Vec<Edition>,
    /// Drafts of the next edition (or of amendments).
    pub in_development: Vec<Entry>,
    pub related: Vec<Related>,
}

const COLS_S: &str = "s.id, s.number, s.norm, s.base, s.kind, s.prefix, s.part, s.year, s.is_amendment, s.title_zh, s.title_en, s.title_fr, s.status, \
s.published_at, s.implemented_at, s.withdrawn_at, s.ics, s.ccs, s.competent_dept, s.committee, s.issuer, s.drafting_orgs, s.drafters, s.scope, \
s.remark, s.fulltext_url, s.source, s.flags, s.patents";

/// The rows of one page: records and relations (one statement, recursive over relations).
fn sql(kind: DbKind) -> String {
    let node = |col: &str| kind.in_small_set(col, "SELECT norm FROM nodes");
    let (s_in, from_in, to_in) = (node("s.norm"), node("r.from_norm"), node("r.to_norm"));
    let rel_blanks = "0, '', '', '', '', '', '', NULL, 0, '', '', '', '', NULL, NULL, NULL, '', '', '', '', '', '', '', '', '', '', '', '', ''";
    format!(
        "WITH RECURSIVE seed(norm) AS ( \
            SELECT s.norm FROM standards s JOIN standards t ON t.norm = $1 \
            WHERE s.norm = t.norm OR (t.part <> '' AND s.part = t.part AND s.kind = t.kind) \
         ), walk(norm, depth) AS ( \
            SELECT norm, 0 FROM seed \
            UNION \
            SELECT CASE WHEN r.from_norm = w.norm THEN r.to_norm ELSE r.from_norm END, w.depth + 1 \
            FROM walk w JOIN standard_relations r ON r.from_norm = w.norm OR r.to_norm = w.norm \
            WHERE w.depth < {DEPTH} \
         ), nodes(norm) AS (SELECT DISTINCT norm FROM walk) \
         SELECT 's' AS row_kind, {COLS_S}, '' AS rel_from, '' AS rel_to, '' AS rel_kind, '' AS rel_degree \
         FROM standards s WHERE {s_in} \
         UNION ALL \
         SELECT 'r', {rel_blanks}, r.from_norm, r.to_norm, r.kind, r.degree \
         FROM standard_relations r WHERE {from_in} AND {to_in}"
    )
}

/// What one query brought back: the records by norm (with ids) and the relations.
pub struct Loaded {
    pub records: HashMap<String, (i64, Record)>,
    pub relations: Vec<store::Rel>,
}

/// Runs the page's query for a canonical number; `None` when no record has it.
pub async fn load(app: &App, norm: &str) -> anyhow::Result<Option<Loaded>> {
    // The statement of each dialect, written once (it serves every page view).
    static SQL: std::sync::LazyLock<[String; 2]> = std::sync::LazyLock::new(|| [sql(DbKind::Sqlite), sql(DbKind::Postgres)]);
    let sql = match app.db.kind {
        DbKind::Sqlite => &SQL[0],
        DbKind::Postgres => &SQL[1],
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(norm).fetch_all(&app.db.pool).await?;
    let mut records = HashMap::new();
    let mut relations = Vec::new();
    let mut seen = HashSet::new();
    for r in rows {
        let row_kind: String = r.try_get("row_kind")?;
        if row_kind == "s" {
            let rec = store::record_from_row(&r)?;
            records.insert(rec.norm.clone(), (r.try_get::<i64, _>("id")?, rec));
        } else {
            let rel = store::Rel { from: r.try_get("rel_from")?, to: r.try_get("rel_to")?, kind: r.try_get("rel_kind")?, degree: r.try_get("rel_degree")? };
            if seen.insert((rel.from.clone(), rel.to.clone(), rel.kind.clone())) {
                relations.push(rel);
            }
        }
    }
    if !records.contains_key(norm) {
        return Ok(None);
    }
    Ok(Some(Loaded { records, relations }))
}

impl Loaded {
    /// The stored record the page is about.
    pub fn std(&self, norm: &str) -> Option<Std> {
        self.records.get(norm).map(|(id, rec)| Std { id: *id, rec: rec.clone() })
    }

    /// The validity graph of these rows (statuses, chains, adoptions), as the check builds it.
    pub fn graph(&self) -> Graph {
        let mut g = Graph::default();
        for (_, r) in self.records.values() {
            g.add_record(r);
        }
        for rel in &self.relations {
            g.add_relation(rel);
        }
        g.finish();
        g
    }

    fn entry(&self, g: &Graph, norm: &str) -> Entry {
        let rec = self.records.get(norm).map(|r| &r.1);
        Entry {
            number: norm.to_string(),
            status: if rec.is_some() { g.status(norm) } else { String::new() },
            title: rec.map(|r| if r.title_zh.is_empty() { r.title_en.clone() } else { r.title_zh.clone() }).unwrap_or_default(),
            published: rec.and_then(|r| r.published_at).map(crate::util::fmt_date),
        }
    }

    /// The timeline of the document `norm` belongs to.
    pub fn timeline(&self, g: &Graph, norm: &str) -> Timeline {
        let Some((_, this)) = self.records.get(norm) else { return Timeline::default() };
        let family = ranking::family(this);
        let mut members: Vec<&Record> = self.records.values().map(|r| &r.1).filter(|r| ranking::family(r) == family).collect();
        members.sort_by_key(|r| (r.year.unwrap_or(i64::MAX), r.published_at.unwrap_or(i64::MAX), r.norm.clone()));
        let mut t = Timeline::default();
        let draft = |r: &Record| r.status == "developing";
        for r in members.iter().filter(|r| !r.is_amendment && !draft(r)) {
            t.editions.push(Edition { entry: self.entry(g, &r.norm), this: r.norm == norm, amendments: Vec::new() });
        }
        for r in members.iter().filter(|r| r.is_amendment) {
            // Nested under the edition of its year; a draft amendment is still "in development".
            let host = t.editions.iter_mut().find(|e| self.records.get(&e.entry.number).is_some_and(|h| h.1.year == r.year));
            match host {
                Some(e) if !draft(r) => e.amendments.push(self.entry(g, &r.norm)),
                _ if draft(r) => t.in_development.push(self.entry(g, &r.norm)),
                _ => t.editions.push(Edition { entry: self.entry(g, &r.norm), this: r.norm == norm, amendments: Vec::new() }),
            }
        }
        for r in members.iter().filter(|r| !r.is_amendment && draft(r)) {
            t.in_development.push(self.entry(g, &r.norm));
        }
        // Documents of other numbers: merged into an edition, or replacing one. Drafts never
        // count as successors.
        let in_family: HashSet<&str> = members.iter().map(|r| r.norm.as_str()).collect();
        let mut seen = HashSet::new();
        for rel in self.relations.iter().filter(|r| r.kind == "replaces") {
            let (other, edition, relation) = if in_family.contains(rel.from.as_str()) && !in_family.contains(rel.to.as_str()) {
                (&rel.to, &rel.from, "merged_into")
            } else if in_family.contains(rel.to.as_str()) && !in_family.contains(rel.from.as_str()) {
                (&rel.from, &rel.to, "replaced_by")
            } else {
                continue;
            };
            let other_rec = self.records.get(other).map(|r| &r.1);
            if other_rec.is_some_and(|o| draft(o) || ranking::family(o) == family) {
                continue;
            }
            // Amendments of other documents and drafts (stored or only named) are not
            // documents of their own here; nor is a link from a draft of this one.
            if model::ident(other).is_none_or(|i| i.is_amendment || ranking::is_draft_prefix(&i.prefix))
                || self.records.get(edition).is_some_and(|e| draft(&e.1))
            {
                continue;
            }
            if seen.insert(other.clone()) {
                t.related.push(Related { entry: self.entry(g, other), relation: relation.into(), edition: edition.clone() });
            }
        }
        t.related.sort_by(|a, b| a.entry.number.cmp(&b.entry.number));
        t
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_query_is_one_statement() {
        for kind in [crate::db::DbKind::Sqlite, crate::db::DbKind::Postgres] {
            let s = super::sql(kind);
            assert_eq!(s.matches("WITH RECURSIVE").count(), 1);
            assert!(!s.contains(';'));
        }
    }
}
