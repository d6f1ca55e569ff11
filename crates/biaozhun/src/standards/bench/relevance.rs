//! The relevance report: the judged queries of `judged.tsv` run through the catalogue search
//! (the same function the API uses) and, on the same records in the same database, through
//! two plain SQLite FTS5 tables (trigram and unicode61), the baselines. For each system:
//! success@1, success@5 (the expected standard among the first one or five results) and the
//! mean reciprocal rank over the first ten, overall and per kind of query.

use crate::App;
use std::collections::BTreeMap;

/// One judged query: what a user typed and the numbers that answer it (any of them).
#[derive(Debug, Clone)]
pub struct Judged {
    pub kind: String,
    pub query: String,
    pub expected: Vec<String>,
}

/// The judged set shipped with the project.
pub fn judged() -> Vec<Judged> {
    parse(include_str!("judged.tsv"))
}

fn parse(text: &str) -> Vec<Judged> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let mut cols = l.split('\t');
            let (kind, query, expected) = (cols.next()?, cols.next()?, cols.next()?);
            Some(Judged { kind: kind.into(), query: query.into(), expected: expected.split('|').map(|e| e.trim().to_string()).collect() })
        })
        .collect()
}

/// Sums of one system over some queries.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub queries: usize,
    pub at1: usize,
    pub at5: usize,
    pub rr: f64,
}

impl Tally {
    fn add(&mut self, rank: Option<usize>) {
        self.queries += 1;
        if let Some(r) = rank {
            self.at1 += usize::from(r == 1);
            self.at5 += usize::from(r <= 5);
            self.rr += 1.0 / r as f64;
        }
    }
    pub fn s1(&self) -> f64 {
        self.at1 as f64 / self.queries.max(1) as f64
    }
    pub fn s5(&self) -> f64 {
        self.at5 as f64 / self.queries.max(1) as f64
    }
    pub fn mrr(&self) -> f64 {
        self.rr / self.queries.max(1) as f64
    }
}

pub const SYSTEMS: [&str; 3] = ["ours", "fts5 trigram", "fts5 unicode61"];

/// Per system, per kind (and "all"): the tallies; plus the queries ours missed in the top 5.
pub struct Report {
    pub tallies: BTreeMap<(usize, String), Tally>,
    pub misses: Vec<(Judged, Vec<String>)>,
}

impl Report {
    pub fn get(&self, system: usize, kind: &str) -> Tally {
        self.tallies.get(&(system, kind.to_string())).copied().unwrap_or_default()
    }

    pub fn print(&self) {
        let mut kinds: Vec<String> = self.tallies.keys().map(|k| k.1.clone()).filter(|k| k != "all").collect();
        kinds.sort();
        kinds.dedup();
        kinds.push("all".into());
        println!("relevance on {} judged queries (success@1 / success@5 / MRR@10):", self.get(0, "all").queries);
        println!("  {:<10} {:>5}  {:>22}  {:>22}  {:>22}", "kind", "n", SYSTEMS[0], SYSTEMS[1], SYSTEMS[2]);
        for k in &kinds {
            let cells: Vec<String> = (0..SYSTEMS.len())
                .map(|s| {
                    let t = self.get(s, k);
                    format!("{:>5.1} {:>5.1} {:>6.3}", t.s1() * 100.0, t.s5() * 100.0, t.mrr())
                })
                .collect();
            println!("  {:<10} {:>5}  {:>22}  {:>22}  {:>22}", k, self.get(0, k).queries, cells[0], cells[1], cells[2]);
        }
        if !self.misses.is_empty() {
            println!("  not in our first five ({}):", self.misses.len());
            for (j, got) in &self.misses {
                println!("    [{}] {:?} wants {} — got {}", j.kind, j.query, j.expected.join(" | "), got.iter().take(3).cloned().collect::<Vec<_>>().join(", "));
            }
        }
    }
}

/// Rank (1-based, first ten) of the first result that is one of the expected numbers.
fn rank_of(results: &[String], expected: &[String]) -> Option<usize> {
    let want: Vec<String> = expected.iter().map(|e| search::compact(e)).collect();
    results.iter().take(10).position(|r| want.contains(&search::compact(r))).map(|p| p + 1)
}

/// Builds the two FTS5 tables over the stored records (numbers and titles in every language).
pub async fn build_baselines(app: &App) -> anyhow::Result<()> {
    for (table, tokenizer) in [("fts_tri", "trigram"), ("fts_uni", "unicode61 remove_diacritics 2")] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {table}"))).execute(&app.db.pool).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE VIRTUAL TABLE {table} USING fts5(norm, titles, tokenize='{tokenizer}')"))).execute(&app.db.pool).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO {table} (rowid, norm, titles) SELECT id, norm, title_zh || ' ' || title_en || ' ' || title_fr FROM standards"))).execute(&app.db.pool).await?;
    }
    Ok(())
}

/// The words of a query as FTS5 strings, all required (the plain use of FTS5). The trigram
/// tokenizer cannot match a word of fewer than three characters: those are left out.
fn fts_match(query: &str, trigram: bool) -> Option<String> {
    let words: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .filter(|w| !trigram || w.chars().count() >= 3)
        .map(|w| format!("\"{w}\""))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

async fn fts_search(app: &App, table: &str, query: &str) -> anyhow::Result<Vec<String>> {
    let Some(m) = fts_match(query, table == "fts_tri") else { return Ok(vec![]) };
    let sql = format!("SELECT norm FROM {table} WHERE {table} MATCH $1 ORDER BY rank LIMIT 10");
    let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(m).fetch_all(&app.db.pool).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Our first ten, as the API gives them.
pub async fn ours(app: &App, query: &str) -> anyhow::Result<Vec<String>> {
    let p = crate::standards::routes::SearchParams { q: Some(query.to_string()), ..Default::default() };
    let out = crate::standards::routes::run_search(app, &p, 0, 10, false).await.map_err(|e| anyhow::anyhow!("{e:?}"))?;
    Ok(out.items.into_iter().map(|i| i.number).collect())
}

/// Runs every judged query through the three systems (the FTS5 tables must exist).
pub async fn report(app: &App) -> anyhow::Result<Report> {
    let mut tallies: BTreeMap<(usize, String), Tally> = BTreeMap::new();
    let mut misses = Vec::new();
    let known: std::collections::HashSet<String> = sqlx::query_as::<_, (String,)>("SELECT norm FROM standards").fetch_all(&app.db.pool).await?.into_iter().map(|r| search::compact(&r.0)).collect();
    for j in judged() {
        if !j.expected.iter().any(|e| known.contains(&search::compact(e))) {
            anyhow::bail!("judged.tsv: none of {:?} (for {:?}) is in the catalogue", j.expected, j.query);
        }
        let results = [ours(app, &j.query).await?, fts_search(app, "fts_tri", &j.query).await?, fts_search(app, "fts_uni", &j.query).await?];
        for (s, r) in results.iter().enumerate() {
            let rank = rank_of(r, &j.expected);
            tallies.entry((s, j.kind.clone())).or_default().add(rank);
            tallies.entry((s, "all".into())).or_default().add(rank);
            if s == 0 && !rank.is_some_and(|r| r <= 5) {
                misses.push((j.clone(), r.clone()));
            }
        }
    }
    Ok(Report { tallies, misses })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_judged_set_is_large_and_varied() {
        let j = judged();
        assert!(j.len() >= 150, "{} queries", j.len());
        for kind in ["number", "partial", "title", "topic", "typo", "variant", "zh"] {
            assert!(j.iter().filter(|q| q.kind == kind).count() >= 10, "{kind}");
        }
        assert!(j.iter().all(|q| !q.query.is_empty() && !q.expected.is_empty() && q.expected.iter().all(|e| !e.is_empty())));
    }

    #[test]
    fn ranks_and_fts_queries() {
        let r = vec!["ISO 22301:2012".to_string(), "ISO 22301:2019".to_string()];
        assert_eq!(rank_of(&r, &["ISO 22301:2019".into()]), Some(2));
        assert_eq!(rank_of(&r, &["ISO 9001:2015".into()]), None);
        let mut t = Tally::default();
        t.add(Some(2));
        t.add(None);
        assert_eq!((t.at1, t.at5), (0, 1));
        assert!((t.mrr() - 0.25).abs() < 1e-9);
        assert_eq!(fts_match("ISO 9001:2015", false).as_deref(), Some("\"ISO\" AND \"9001\" AND \"2015\""));
        assert_eq!(fts_match("卷烟 抽样", true), None);
    }
}
