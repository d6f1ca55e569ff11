//! Index lifecycle: schema, open/create/wipe, writes and commit.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::collector::Count;
use tantivy::directory::Directory;
use tantivy::query::TermQuery;
use tantivy::schema::{
    Facet, FacetOptions, Field, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::{IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analysis::{self, TOK_EN, TOK_WS, TOK_ZH};
use crate::{Doc, Results, SearchError};

/// Bump when the schema or the analysis changes in a way that needs a reindex.
pub(crate) const SCHEMA_VERSION: &str = "biaozhun-search-5";
const VERSION_FILE: &str = "biaozhun-search.version";
const WRITER_BUDGET: usize = 100_000_000;

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub key: Field,
    pub domain: Field,
    pub code_exact: Field,
    pub code_tok: Field,
    pub code_ng: Field,
    pub title: Field,
    pub title_zh: Field,
    pub title_en: Field,
    pub body_zh: Field,
    pub body_en: Field,
    pub facet: Field,
    pub date: Field,
    pub payload: Field,
}

fn text(tokenizer: &str, positions: bool, stored: bool) -> TextOptions {
    let rec = if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    };
    let o = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(tokenizer)
            .set_index_option(rec),
    );
    if stored { o.set_stored() } else { o }
}

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let f = Fields {
        key: b.add_text_field("key", STRING | STORED),
        domain: b.add_text_field("domain", STRING),
        code_exact: b.add_text_field("code_exact", STRING),
        code_tok: b.add_text_field("code_tok", text(TOK_WS, true, false)),
        code_ng: b.add_text_field(
            "code_ng",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::Basic),
            ),
        ),
        // The whole title, stored for snippets; indexed in the fields below.
        title: b.add_text_field("title", STORED),
        // Only text with CJK characters goes to the jieba fields: jieba finds nothing
        // in Latin text that the English fields do not, and would cost most of the
        // indexing time of a catalogue in English.
        title_zh: b.add_text_field("title_zh", text(TOK_ZH, true, false)),
        title_en: b.add_text_field("title_en", text(TOK_EN, true, false)),
        body_zh: b.add_text_field("body_zh", text(TOK_ZH, false, false)),
        body_en: b.add_text_field("body_en", text(TOK_EN, true, false)),
        facet: b.add_facet_field("facet", FacetOptions::default()),
        date: b.add_i64_field("date", NumericOptions::default().set_indexed().set_fast()),
        payload: b.add_text_field("payload", STORED),
    };
    (b.build(), f)
}

pub(crate) struct Inner {
    pub reader: IndexReader,
    pub writer: Mutex<IndexWriter>,
    pub fields: Fields,
    pub facets: crate::facets::FacetCache,
}

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
        analysis::warm_up();
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

fn to_tantivy(f: &Fields, d: &Doc) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(f.key, &d.key);
    doc.add_text(f.domain, &d.domain);
    for t in analysis::exact_terms(&d.code) {
        doc.add_text(f.code_exact, &t);
    }
    let toks = analysis::code_tokens(&d.code);
    if !toks.is_empty() {
        doc.add_text(f.code_tok, toks.join(" "));
    }
    for g in analysis::code_grams(&d.code) {
        doc.add_text(f.code_ng, &g);
    }
    if !d.title.is_empty() {
        doc.add_text(f.title, &d.title);
        let cjk: Vec<&str> = d.title.lines().filter(|l| l.chars().any(analysis::is_cjk)).collect();
        if !cjk.is_empty() {
            doc.add_text(f.title_zh, cjk.join("\n"));
        }
        doc.add_text(f.title_en, &d.title);
    }
    if !d.body.is_empty() {
        if d.body.chars().any(analysis::is_cjk) {
            doc.add_text(f.body_zh, &d.body);
        }
        doc.add_text(f.body_en, &d.body);
    }
    let mut seen = std::collections::HashSet::new();
    for (name, value) in &d.facets {
        let path = analysis::facet_path(name, value);
        if path.len() >= 2 && !path[0].is_empty() && seen.insert(path.clone()) {
            doc.add_facet(f.facet, Facet::from_path(path));
        }
    }
    if let Some(date) = d.date {
        doc.add_i64(f.date, date);
    }
    if !d.payload.is_empty() {
        doc.add_text(f.payload, &d.payload);
    }
    doc
}
