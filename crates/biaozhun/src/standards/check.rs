//! Validity check (标准查新): the numbers found in a text, each matched to the catalogue
//! with its status and, when replaced or withdrawn, the in-force successor reached by
//! following the whole chain of replace relations and editions of the same number.
//!
//! Rules: editions of one base number form a chain even when no relation is recorded; a
//! relation may lead to another number; a document under development is never current; a
//! standard replaced by a published one counts as replaced whatever its own record says;
//! a number without year means the current edition.

use super::model::{self, Record};
use super::store::{self, Rel};
use crate::App;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use stdnum::standard::Kind;

#[derive(Debug, Clone)]
pub struct Node {
    pub norm: String,
    pub base: String,
    pub year: Option<i64>,
    pub status: String,
    pub amendment: bool,
    pub title_zh: String,
    pub title_en: String,
}

/// The part of the catalogue a check needs, loaded in a few batched queries.
#[derive(Default)]
pub struct Graph {
    pub nodes: HashMap<String, Node>,
    /// base → editions (not amendments), oldest first.
    pub editions: HashMap<String, Vec<String>>,
    /// norm → numbers that replace it.
    pub replaced_by: HashMap<String, Vec<String>>,
    /// norm → numbers it replaces.
    pub replaces: HashMap<String, Vec<String>>,
    /// norm → (adopted or adopting number, degree, direction "adopts"/"adopted_by").
    pub adoptions: HashMap<String, Vec<(String, String, &'static str)>>,
}

impl Graph {
    /// Loads every edition of these bases and follows relations (to other numbers and
    /// their editions) for a few rounds.
    pub async fn load(app: &App, bases: Vec<String>) -> anyhow::Result<Graph> {
        let mut g = Graph::default();
        let mut seen_bases: HashSet<String> = HashSet::new();
        let mut seen_rel: HashSet<String> = HashSet::new();
        let mut pending: Vec<String> = bases.into_iter().filter(|b| !b.is_empty()).collect();
        for _round in 0..6 {
            pending.retain(|b| seen_bases.insert(b.clone()));
            if pending.is_empty() {
                break;
            }
            let recs = store::by_bases(app, &pending).await?;
            let mut norms: Vec<String> = pending.iter().cloned().collect::<Vec<_>>();
            norms.clear();
            for (_, r) in recs {
                norms.push(r.norm.clone());
                g.add_record(&r);
            }
            norms.retain(|n| seen_rel.insert(n.clone()));
            let rels = store::relations_of(app, &norms).await?;
            pending = Vec::new();
            for rel in &rels {
                g.add_relation(rel);
                if rel.kind == "replaces" {
                    pending.extend([&rel.from, &rel.to].into_iter().filter_map(|n| model::ident(n)).map(|id| id.base));
                }
            }
        }
        g.finish();
        Ok(g)
    }

    /// Adds a stored record as a node.
    pub fn add_record(&mut self, r: &Record) {
        let node = Node { norm: r.norm.clone(), base: r.base.clone(), year: r.year, status: r.status.clone(), amendment: r.is_amendment, title_zh: r.title_zh.clone(), title_en: r.title_en.clone() };
        self.nodes.insert(r.norm.clone(), node);
    }

    /// Adds a relation: a replacement chain link (both ways) or an adoption (both ways).
    pub fn add_relation(&mut self, rel: &Rel) {
        let (from, to) = (&rel.from, &rel.to);
        if rel.kind == "replaces" {
            self.replaced_by.entry(to.clone()).or_default().push(from.clone());
            self.replaces.entry(from.clone()).or_default().push(to.clone());
        } else if rel.kind == "adopts" {
            self.adoptions.entry(from.clone()).or_default().push((to.clone(), rel.degree.clone(), "adopts"));
            self.adoptions.entry(to.clone()).or_default().push((from.clone(), rel.degree.clone(), "adopted_by"));
        }
    }

    /// Once every node and relation is in: chains without repeats, and each base's
    /// editions (not amendments) oldest first, equal years in number order.
    pub fn finish(&mut self) {
        for v in self.replaced_by.values_mut().chain(self.replaces.values_mut()) {
            v.sort();
            v.dedup();
        }
        for n in self.nodes.values() {
            if !n.amendment {
                self.editions.entry(n.base.clone()).or_default().push(n.norm.clone());
            }
        }
        let nodes = &self.nodes;
        for list in self.editions.values_mut() {
            list.sort_by_key(|n| (nodes.get(n).and_then(|x| x.year).unwrap_or(0), n.clone()));
        }
    }

    fn stored(&self, norm: &str) -> &str {
        self.nodes.get(norm).map(|n| n.status.as_str()).unwrap_or("")
    }

    /// Published (in force, or since superseded) — as opposed to drafts and unknowns.
    fn published(&self, norm: &str) -> bool {
        matches!(self.stored(norm), "in_force" | "replaced" | "withdrawn")
    }

    /// Later editions of the same base, oldest first.
    fn later_editions(&self, norm: &str) -> Vec<&String> {
        let Some(n) = self.nodes.get(norm) else { return vec![] };
        let y = n.year.unwrap_or(0);
        self.editions.get(&n.base).map(|l| l.iter().filter(|e| self.nodes.get(*e).and_then(|x| x.year).unwrap_or(0) > y).collect()).unwrap_or_default()
    }

    /// Status as it should be reported, taking replacements into account.
    pub fn status(&self, norm: &str) -> String {
        let st = self.stored(norm);
        if st == "developing" || st == "upcoming" {
            return st.into();
        }
        let by_relation = self.replaced_by.get(norm).is_some_and(|l| l.iter().any(|r| self.published(r)));
        let by_edition = self.nodes.get(norm).is_some_and(|n| !n.amendment) && self.later_editions(norm).iter().any(|e| self.published(e));
        if by_relation || by_edition {
            return "replaced".into();
        }
        st.into()
    }

    /// The next step of the chain: a published replacement by relation, else the next
    /// published edition of the same base; unimported relation targets are still steps.
    fn next(&self, norm: &str) -> Option<String> {
        if let Some(l) = self.replaced_by.get(norm) {
            let mut cands: Vec<&String> = l.iter().filter(|r| self.stored(r) != "developing").collect();
            cands.sort_by_key(|r| (self.published(r), self.nodes.get(*r).and_then(|n| n.year)));
            if let Some(c) = cands.last() {
                return Some((*c).clone());
            }
        }
        self.later_editions(norm).into_iter().find(|e| self.published(e) || self.stored(e) == "upcoming").cloned()
    }

    /// Follows the chain from `norm`: (the steps after it, the in-force standard to use now).
    pub fn follow(&self, norm: &str) -> (Vec<String>, Option<String>) {
        let mut chain = Vec::new();
        let mut seen = HashSet::new();
        let mut cur = norm.to_string();
        seen.insert(cur.clone());
        loop {
            let st = self.status(&cur);
            if st == "in_force" {
                return (chain, Some(cur));
            }
            if st == "upcoming" {
                // Not yet in force: what it replaces stays current until then.
                let prev = self.replaces.get(&cur).into_iter().flatten().chain(self.editions.get(self.nodes.get(&cur).map(|n| n.base.as_str()).unwrap_or("")).into_iter().flatten()).find(|p| self.stored(p) == "in_force").cloned();
                return (chain, prev);
            }
            match self.next(&cur) {
                Some(n) if seen.insert(n.clone()) => {
                    chain.push(n.clone());
                    cur = n;
                }
                _ => return (chain, None),
            }
        }
    }

    /// The edition a number without year stands for: the newest in force, else the
    /// newest published one, else the newest of any kind.
    pub fn edition_for_base(&self, base: &str) -> Option<String> {
        let list = self.editions.get(base)?;
        list.iter()
            .rev()
            .find(|e| self.status(e) == "in_force")
            .or_else(|| list.iter().rev().find(|e| self.published(e)))
            .or_else(|| list.last())
            .cloned()
    }
}

#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CheckItem {
    /// 1-based line of the input where the number was found.
    pub line: usize,
    /// The text as found (or the whole line when nothing was recognised).
    pub input: String,
    /// The canonical number recognised, null when nothing was.
    pub recognised: Option<String>,
    /// The catalogue record matched (for a number without year: the current edition).
    pub number: Option<String>,
    pub title_zh: Option<String>,
    pub title_en: Option<String>,
    /// in_force, upcoming, withdrawn, replaced, developing, unknown; null when not found.
    pub status: Option<String>,
    /// The in-force edition to use now, null when there is none.
    pub current: Option<String>,
    pub current_title: Option<String>,
    /// Successors from the matched record to the end of the chain.
    pub chain: Vec<String>,
    /// ok, replaced, no_successor, developing, unknown_status, not_found, unrecognised.
    pub outcome: String,
}

/// A joint record a number may name under one of its bodies (`ISO 27002` → `ISO/IEC 27002`).
#[derive(Debug, Clone)]
pub struct JointBase {
    pub base: String,
    pub prefix: String,
    pub kind: Kind,
}

/// For each cited ISO or IEC number whose base has no record in `g`, the bases of the joint
/// records with the same key (the number with co-publishers left out), keyed by the cited
/// base. A document may have changed co-publishers between editions (ISO/IEC 42010:2007,
/// ISO/IEC/IEEE 42010:2022), so there may be several.
pub async fn joint_bases(app: &App, g: &Graph, ids: &[&model::Ident]) -> anyhow::Result<HashMap<String, Vec<JointBase>>> {
    let present: HashSet<&str> = g.nodes.values().map(|n| n.base.as_str()).collect();
    let mut wanted: HashMap<String, HashSet<&str>> = HashMap::new();
    let mut parts: HashSet<String> = HashSet::new();
    for id in ids {
        let intl = matches!(id.kind, Kind::Iso | Kind::Iec | Kind::IsoIec);
        if intl && !present.contains(id.base.as_str()) && !g.replaced_by.contains_key(&id.norm) {
            wanted.entry(stdnum::standard::base_key(&id.prefix, id.kind, &id.part)).or_default().insert(&id.base);
            parts.insert(id.part.clone());
        }
    }
    let mut out: HashMap<String, Vec<JointBase>> = HashMap::new();
    if wanted.is_empty() {
        return Ok(out);
    }
    let mut rows = store::intl_bases_by_part(app, &parts.into_iter().collect::<Vec<_>>()).await?;
    rows.sort();
    for (base, prefix, kind, part) in rows {
        let Some(kind) = Kind::from_code(&kind) else { continue };
        let Some(cited) = wanted.get(&stdnum::standard::base_key(&prefix, kind, &part)) else { continue };
        for c in cited.iter().filter(|c| **c != base) {
            out.entry(c.to_string()).or_default().push(JointBase { base: base.clone(), prefix: prefix.clone(), kind });
        }
    }
    Ok(out)
}

/// The cited number respelt under a joint record's prefix, year and amendments kept.
fn as_joint(id: &model::Ident, joint: &JointBase) -> Option<model::Ident> {
    let mut n = stdnum::standard::parse(&id.norm).ok()?;
    n.prefix = joint.prefix.clone();
    n.kind = joint.kind;
    model::ident(&n.normalized()).filter(|j| j.base == joint.base)
}

/// Which joint record a number cited under one body stands for, once the candidates are in
/// the graph: the one holding the edition named; without a year, the one whose current
/// edition is in force; else the first that has editions.
fn pick_joint(g: &Graph, id: &model::Ident, candidates: &[JointBase]) -> Option<model::Ident> {
    let spelt: Vec<model::Ident> = candidates.iter().filter_map(|j| as_joint(id, j)).collect();
    let in_force = |j: &&model::Ident| g.edition_for_base(&j.base).is_some_and(|e| g.status(&e) == "in_force");
    let pos = spelt
        .iter()
        .position(|j| g.nodes.contains_key(&j.norm))
        .or_else(|| if id.year.is_none() { spelt.iter().position(|j| in_force(&j)) } else { None })
        .or_else(|| spelt.iter().position(|j| g.editions.contains_key(&j.base)))?;
    spelt.into_iter().nth(pos)
}

/// The record a spelling stands for: the number itself, else (without year) its current
/// edition, reached through the joint record when it is cited under one body; with the
/// graph around it. `None` when the catalogue has no such record.
pub async fn locate(app: &App, raw: &str) -> anyhow::Result<Option<(String, Graph)>> {
    let Some(mut id) = model::ident(raw) else { return Ok(None) };
    let mut g = Graph::load(app, vec![id.base.clone()]).await?;
    if let Some(candidates) = joint_bases(app, &g, &[&id]).await?.remove(&id.base) {
        g = Graph::load(app, candidates.iter().map(|j| j.base.clone()).collect()).await?;
        if let Some(joint) = pick_joint(&g, &id, &candidates) {
            id = joint;
        }
    }
    let norm = if g.nodes.contains_key(&id.norm) { Some(id.norm.clone()) } else if id.year.is_none() { g.edition_for_base(&id.base) } else { None };
    Ok(norm.map(|n| (n, g)))
}

/// What a check found in its text: the line, the text as found, and the number recognised
/// (none for a short line with digits but no number).
pub type Entry = (usize, String, Option<model::Ident>);

/// The text holds more than `max` entries (numbers and unrecognised lines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyEntries {
    pub max: usize,
}

/// Longest piece of a line handed to the number finder at once. Real lines are far shorter;
/// a line of megabytes (one pasted blob) is cut so that the finder's work and memory stay
/// small and the limit on entries is met after the first piece that reaches it.
const PIECE: usize = 16 * 1024;

/// A line cut into pieces of at most [`PIECE`] bytes, each cut made before a capital letter
/// that follows a space (where a number may start, so none is cut in two), else after a
/// space, else at a character boundary.
fn pieces(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while rest.len() > PIECE {
        let b = rest.as_bytes();
        let cut = (1..PIECE)
            .rev()
            .find(|&i| b[i].is_ascii_uppercase() && b[i - 1].is_ascii_whitespace())
            .or_else(|| (1..PIECE).rev().find(|&i| b[i - 1].is_ascii_whitespace() && rest.is_char_boundary(i)))
            .unwrap_or_else(|| (1..PIECE).rev().find(|&i| rest.is_char_boundary(i)).unwrap_or(PIECE));
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out.push(rest);
    out
}

/// The entries of a text: numbers found anywhere, and short lines with digits but no number
/// (listed as unrecognised). Stops as soon as there are more than `max`.
pub fn entries(text: &str, max: usize) -> Result<Vec<Entry>, TooManyEntries> {
    let mut found: Vec<Entry> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let before = found.len();
        for piece in pieces(line) {
            for f in stdnum::standard::find_all(piece) {
                found.push((i + 1, f.raw, model::ident(&f.number.normalized())));
            }
            if found.len() > max {
                return Err(TooManyEntries { max });
            }
        }
        if found.len() == before {
            let t = line.trim();
            if !t.is_empty() && t.chars().count() <= 60 && t.chars().any(|c| c.is_ascii_digit()) {
                found.push((i + 1, t.to_string(), None));
                if found.len() > max {
                    return Err(TooManyEntries { max });
                }
            }
        }
    }
    Ok(found)
}

/// Checks entries against the catalogue (a few batched queries per 1,000 distinct numbers);
/// a number cited under one body of a joint record is judged as the joint record.
pub async fn check_entries(app: &App, found: Vec<Entry>) -> anyhow::Result<Vec<CheckItem>> {
    let mut bases: HashSet<String> = found.iter().filter_map(|f| f.2.as_ref().map(|i| i.base.clone())).collect();
    let mut g = Graph::load(app, bases.iter().cloned().collect()).await?;
    let ids: Vec<&model::Ident> = found.iter().filter_map(|f| f.2.as_ref()).collect();
    let joints = joint_bases(app, &g, &ids).await?;
    if !joints.is_empty() {
        bases.extend(joints.values().flatten().map(|j| j.base.clone()));
        g = Graph::load(app, bases.into_iter().collect()).await?;
    }
    Ok(found
        .into_iter()
        .map(|(line, input, id)| {
            let joint = id.as_ref().and_then(|i| pick_joint(&g, i, joints.get(&i.base)?));
            resolve(&g, line, input, id, joint)
        })
        .collect())
}

/// Checks a text of at most `max` entries.
pub async fn check_text(app: &App, text: &str, max: usize) -> anyhow::Result<Result<Vec<CheckItem>, TooManyEntries>> {
    match entries(text, max) {
        Ok(found) => Ok(Ok(check_entries(app, found).await?)),
        Err(e) => Ok(Err(e)),
    }
}

/// Judges one cited number; `joint` is the joint record's spelling of it, when it was cited
/// under one body and only the joint record exists.
fn resolve(g: &Graph, line: usize, input: String, id: Option<model::Ident>, joint: Option<model::Ident>) -> CheckItem {
    let mut item = CheckItem {
        line,
        input,
        recognised: None,
        number: None,
        title_zh: None,
        title_en: None,
        status: None,
        current: None,
        current_title: None,
        chain: vec![],
        outcome: "unrecognised".into(),
    };
    let Some(id) = id else { return item };
    item.recognised = Some(id.norm.clone());
    let id = joint.unwrap_or(id);
    let matched = if g.nodes.contains_key(&id.norm) {
        Some(id.norm.clone())
    } else if id.year.is_none() {
        g.edition_for_base(&id.base)
    } else if id.is_amendment {
        // An amendment we do not list: judge the edition it amends.
        g.editions.get(&id.base).and_then(|l| l.iter().find(|e| g.nodes.get(*e).and_then(|n| n.year) == id.year.map(i64::from)).cloned())
    } else {
        None
    };
    let Some(m) = matched else {
        // Not in the catalogue itself, but known to be superseded: a recorded standard
        // replaces it, or a later published edition of the same number exists.
        let via_relation = g.replaced_by.contains_key(&id.norm);
        let year = id.year.map(i64::from).unwrap_or(i64::MAX);
        let later = g
            .editions
            .get(&id.base)
            .and_then(|l| l.iter().find(|e| g.nodes.get(*e).and_then(|n| n.year).unwrap_or(0) > year && g.published(e)).cloned());
        let (chain, current) = match (via_relation, later) {
            (true, _) => g.follow(&id.norm),
            (false, Some(next)) => {
                let (rest, current) = g.follow(&next);
                (std::iter::once(next).chain(rest).collect(), current)
            }
            (false, None) => {
                item.outcome = "not_found".into();
                return item;
            }
        };
        item.status = Some("replaced".into());
        item.outcome = if current.is_some() { "replaced" } else { "no_successor" }.into();
        item.current_title = current.as_ref().and_then(|c| g.nodes.get(c)).map(|n| if n.title_zh.is_empty() { n.title_en.clone() } else { n.title_zh.clone() });
        item.current = current;
        item.chain = chain;
        return item;
    };
    let node = &g.nodes[&m];
    item.title_zh = Some(node.title_zh.clone());
    item.title_en = Some(node.title_en.clone());
    let status = g.status(&m);
    let (chain, current) = g.follow(&m);
    item.status = Some(if status.is_empty() { "unknown".into() } else { status.clone() });
    item.outcome = match status.as_str() {
        "in_force" => "ok",
        "developing" => "developing",
        "upcoming" => "upcoming",
        "" if current.is_none() => "unknown_status",
        _ if current.is_some() => "replaced",
        _ => "no_successor",
    }
    .into();
    item.current_title = current.as_ref().and_then(|c| g.nodes.get(c)).map(|n| if n.title_zh.is_empty() { n.title_en.clone() } else { n.title_zh.clone() });
    item.current = current;
    item.chain = chain;
    item.number = Some(m);
    item
}

/// Whether an item needs attention (anything but "in force").
pub fn is_problem(i: &CheckItem) -> bool {
    i.outcome != "ok"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_stop_past_the_limit() {
        let text = "GB/T 19001-2016\nnothing here\n合同 2024-118\nISO 9001:2015 and GB 8898-2011\n";
        let e = entries(text, 10).unwrap();
        let lines: Vec<(usize, &str, bool)> = e.iter().map(|(l, s, id)| (*l, s.as_str(), id.is_some())).collect();
        assert_eq!(lines, vec![(1, "GB/T 19001-2016", true), (3, "合同 2024-118", false), (4, "ISO 9001:2015", true), (4, "GB 8898-2011", true)]);
        assert!(entries(text, 4).is_ok());
        assert_eq!(entries(text, 3).err(), Some(TooManyEntries { max: 3 }));
    }

    #[test]
    fn a_huge_line_is_cut_without_cutting_a_number() {
        // 2 MB of "ISO 1 ": refused after the first piece, not after parsing all of it.
        let line = "ISO 1 ".repeat(350_000);
        let t = std::time::Instant::now();
        assert_eq!(entries(&line, 2_000).err(), Some(TooManyEntries { max: 2_000 }));
        assert!(t.elapsed().as_millis() < 2_000, "{:?}", t.elapsed());
        // Every number of a long line is found whole.
        let line = "GB/T 19001-2016 ".repeat(3_000);
        let e = entries(&line, 10_000).unwrap();
        assert_eq!(e.len(), 3_000);
        assert!(e.iter().all(|(_, s, id)| s == "GB/T 19001-2016" && id.is_some()));
        // A long line without spaces or capitals is cut at character boundaries.
        let line = "标".repeat(20_000);
        assert!(pieces(&line).iter().all(|p| p.len() <= PIECE && !p.is_empty()));
        assert_eq!(pieces(&line).concat(), line);
    }
}

/// The status each number should be reported with (`Graph::status`: an edition replaced by a
/// later one, or by relation, is "replaced" whatever its stored status), so that a watchlist
/// says what the report and the detail page say. Numbers not in the catalogue are left out.
pub async fn reported_statuses(app: &App, norms: &[String]) -> anyhow::Result<HashMap<String, String>> {
    let bases: HashSet<String> = norms.iter().filter_map(|n| model::ident(n).map(|i| i.base)).collect();
    if bases.is_empty() {
        return Ok(HashMap::new());
    }
    let g = Graph::load(app, bases.into_iter().collect()).await?;
    Ok(norms.iter().filter(|n| g.nodes.contains_key(n.as_str())).map(|n| (n.clone(), g.status(n))).collect())
}
