//! Index lifecycle: schema, open/create/wipe, writes and commit.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::collector::Count;
use tantivy::directory::Directory;
use tantivy::query::TermQuery;
use tantivy::schema::{Facet, IndexRecordOption, Schema};
use tantivy::{IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analysis::{self, TOK_EN, TOK_RAW, TOK_TERMS, TOK_WS, TOK_ZH};
use crate::schema::{Fields, Inner, build_schema};
use crate::{Doc, Results, SearchError};

/// Bump when the schema or the analysis changes in a way that needs a reindex.
pub(crate) const SCHEMA_VERSION: &str = "biaozhun-search-10";
const VERSION_FILE: &str = "biaozhun-search.version";
const WRITER_BUDGET: usize = 100_000_000;

/// The search index. Cheap to clone (shared state); `Send + Sync`.
#[derive(Clone)]
pub struct Index {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("search::Index").finish_non_exhaustive()
    }
}

fn register_tokenizers(index: &tantivy::Index) {
    let m = index.tokenizers();
    m.register(TOK_ZH, analysis::zh_analyzer());
    m.register(TOK_EN, analysis::en_analyzer());
    m.register(TOK_WS, analysis::ws_analyzer());
    m.register(TOK_RAW, analysis::raw_analyzer());
    m.register(TOK_TERMS, analysis::terms_analyzer());
}

/// Opens the index in `dir` if it exists with the expected schema.
fn try_open_existing(dir: &Path, schema: &Schema) -> Option<tantivy::Index> {
    let version = std::fs::read_to_string(dir.join(VERSION_FILE)).ok()?;
    if version.trim() != SCHEMA_VERSION {
        return None;
    }
    let index = tantivy::Index::open_in_dir(dir).ok()?;
    if &index.schema() != schema {
        return None;
    }
    Some(index)
}

impl Index {
    /// Opens the index in `dir`, creating it if absent. An index with another
    /// schema (or unreadable) is wiped and recreated: it is derived data, and
    /// the caller should then rebuild it (see [`Index::count`]).
    pub fn open(dir: &Path) -> Result<Index, SearchError> {
        let (schema, fields) = build_schema();
        std::fs::create_dir_all(dir)?;
        let index = match try_open_existing(dir, &schema) {
            Some(index) => index,
            None => {
                // Never wipe under a live writer (another process on the same
                // directory): fail instead, like opening a busy index would.
                let mmap = tantivy::directory::MmapDirectory::open(dir)?;
                let _lock = mmap
                    .acquire_lock(&tantivy::directory::INDEX_WRITER_LOCK)
                    .map_err(|e| SearchError::Other(format!("{}: {e}", crate::BUSY)))?;
                // Wipe only what lives inside `dir` (the directory itself stays).
                for entry in std::fs::read_dir(dir)? {
                    let path = entry?.path();
                    if path.is_dir() {
                        std::fs::remove_dir_all(&path)?;
                    } else {
                        std::fs::remove_file(&path)?;
                    }
                }
                let index = tantivy::Index::create_in_dir(dir, schema)?;
                std::fs::write(dir.join(VERSION_FILE), SCHEMA_VERSION)?;
                index
            }
        };
        Self::from_tantivy(index, fields)
    }

    /// A fresh index held in memory (tests, or a throw-away catalogue).
    pub fn in_memory() -> Result<Index, SearchError> {
        let (schema, fields) = build_schema();
        Self::from_tantivy(tantivy::Index::create_in_ram(schema), fields)
    }

    fn from_tantivy(index: tantivy::Index, fields: Fields) -> Result<Index, SearchError> {
        register_tokenizers(&index);
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .clamp(1, 4);
        let writer = index.writer_with_num_threads(threads, WRITER_BUDGET)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Index {
            inner: Arc::new(Inner {
                reader,
                writer: Mutex::new(writer),
                fields,
                facets: Default::default(),
            }),
        })
    }

    fn writer(&self) -> MutexGuard<'_, IndexWriter> {
        self.inner.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds or replaces (by key) documents. Buffered: visible after [`Index::commit`].
    pub fn upsert(&self, docs: &[Doc]) -> Result<(), SearchError> {
        let f = self.inner.fields;
        let prepared: Vec<TantivyDocument> = docs.iter().map(|d| to_tantivy(&f, d)).collect();
        let writer = self.writer();
        for (d, td) in docs.iter().zip(prepared) {
            writer.delete_term(Term::from_field_text(f.key, &d.key));
            writer.add_document(td)?;
        }
        Ok(())
    }

    /// Deletes documents by key. Visible after [`Index::commit`].
    pub fn delete(&self, keys: &[String]) -> Result<(), SearchError> {
        let f = self.inner.fields;
        let writer = self.writer();
        for k in keys {
            writer.delete_term(Term::from_field_text(f.key, k));
        }
        Ok(())
    }

    /// Deletes every document of a domain. Visible after [`Index::commit`].
    pub fn delete_domain(&self, domain: &str) -> Result<(), SearchError> {
        let f = self.inner.fields;
        self.writer()
            .delete_term(Term::from_field_text(f.domain, domain));
        Ok(())
    }

    /// Commits buffered changes and reloads the reader so that the next
    /// search sees them.
    pub fn commit(&self) -> Result<(), SearchError> {
        {
            let mut writer = self.writer();
            writer.commit()?;
        }
        self.inner.reader.reload()?;
        let live = self.inner.reader.searcher().segment_readers().iter().map(|s| s.segment_id()).collect();
        self.inner.facets.retain(&live);
        Ok(())
    }

    /// Number of (committed) documents in a domain.
    pub fn count(&self, domain: &str) -> Result<u64, SearchError> {
        let f = self.inner.fields;
        let q = TermQuery::new(
            Term::from_field_text(f.domain, domain),
            IndexRecordOption::Basic,
        );
        let n = self.inner.reader.searcher().search(&q, &Count)?;
        Ok(n as u64)
    }

    /// Runs a query. Never fails because of the query text.
    pub fn search(&self, q: &crate::Query) -> Result<Results, SearchError> {
        crate::query::search(&self.inner, q)
    }
}

/// A weight as stored: thousandths, 0 (unset) meaning neutral.
fn weight_milli(w: f32) -> u64 {
    if w <= 0.0 || !w.is_finite() { 1000 } else { (w * 1000.0).round().clamp(1.0, 100_000.0) as u64 }
}

fn to_tantivy(f: &Fields, d: &Doc) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.key, &d.key);
    doc.add_text(f.domain, &d.domain);
    let (exact, grams) = analysis::code_terms(&d.code);
    if !exact.is_empty() {
        doc.add_text(f.code_exact, exact.join(" "));
    }
    let toks = analysis::code_tokens(&d.code);
    if !toks.is_empty() {
        doc.add_text(f.code_tok, toks.join(" "));
    }
    if !grams.is_empty() {
        doc.add_text(f.code_ng, grams.join(" "));
    }
    if !d.title.is_empty() {
        doc.add_text(f.title, &d.title);
        let cjk: Vec<&str> = d.title.lines().filter(|l| l.chars().any(analysis::is_cjk)).collect();
        if !cjk.is_empty() {
            doc.add_text(f.title_zh, cjk.join("\n"));
        }
        doc.add_text(f.title_en, &d.title);
        doc.add_text(f.title_raw, &d.title);
    }
    // A folded document is indexed lighter (see [`Doc::folded`]).
    if !d.title_other.is_empty() && !d.folded {
        doc.add_text(f.title_raw, &d.title_other);
    }
    if !d.title_own.is_empty() && !d.folded {
        doc.add_text(f.title_own, &d.title_own);
    }
    if !d.folded {
        doc.add_text(f.lead, "1");
    }
    doc.add_u64(f.weight, weight_milli(d.weight));
    if !d.body.is_empty() {
        if d.body.chars().any(analysis::is_cjk) {
            doc.add_text(f.body_zh, &d.body);
        }
        doc.add_text(f.body_en, &d.body);
    }
    // A document has a handful of facets: a list finds the repeated ones.
    let mut facets: Vec<Facet> = Vec::with_capacity(d.facets.len());
    for (name, value) in &d.facets {
        let path = analysis::facet_path(name, value);
        if path.len() >= 2 && !path[0].is_empty() {
            let facet = Facet::from_path(path);
            if !facets.contains(&facet) {
                facets.push(facet);
            }
        }
    }
    for facet in facets {
        doc.add_facet(f.facet, facet);
    }
    if let Some(date) = d.date {
        doc.add_i64(f.date, date);
    }
    if !d.payload.is_empty() {
        doc.add_text(f.payload, &d.payload);
    }
    doc
}
