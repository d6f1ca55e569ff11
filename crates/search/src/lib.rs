//! Embedded full-text index for the standards catalogue and WTO TBT
//! notifications (tantivy + jieba).
//!
//! The index is derived data: it can be thrown away and rebuilt from the
//! database at any time ([`Index::open`] wipes an incompatible index).
//! Callers keep it in sync with [`Index::upsert`] / [`Index::delete`] and make
//! changes visible with [`Index::commit`].
//!
//! Matching, per query (all interpretations are OR-ed and scored together):
//! * exact number: the compact form of the query (`GB/T 1.1` → `gbt1.1`)
//!   equals a code, with or without its edition year — strongest boost;
//! * code phrase: the query's code tokens appear consecutively in the code;
//! * code substring (n-grams), when the query contains a digit (`19001`);
//! * words: every word must match a title/body/code field (jieba for Chinese,
//!   stemmed English otherwise, British spellings read as American); an English word of
//!   five letters or more that the index does not know is matched fuzzily (one edit, two
//!   from eight letters; a swap of two letters is one edit); if that finds nothing, every
//!   such word may be fuzzy, and then any word may match;
//! * translations: a phrase the caller's glossary knows also matches its equivalent.
//!
//! Scores are multiplied by each document's [`Doc::weight`] when sorting by relevance.

mod analysis;
mod facets;
mod highlight;
mod index;
mod query;
mod schema;
mod spelling;

pub use analysis::{code_tokens, compact, warm_up};
pub use spelling::americanize;
pub use index::Index;

use std::collections::BTreeMap;

/// A document to index. `key` is unique; upserting an existing key replaces it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Doc {
    /// Unique key, e.g. "std:123" or "tbt:55".
    pub key: String,
    /// Searches are scoped to one domain ("standard", "tbt", ...).
    pub domain: String,
    /// Numbers/symbols, one number per line (`"ISO/IEC 27002:2022\nISO 27002:2022"`): a number
    /// is matched whole, without its year, or by a substring of three characters or more, and
    /// none of these terms spans two lines.
    pub code: String,
    /// Titles in Chinese and English, newline separated: analysed as words, stems and
    /// phrases, and shown with the query's words highlighted.
    pub title: String,
    /// Titles in further languages (the French title of an ISO or IEC document): found by
    /// their words as written (case and accents folded), not stemmed, not as phrases, not
    /// highlighted. Kept apart because they are seldom searched and would otherwise double
    /// the index's title terms. Empty = none.
    pub title_other: String,
    /// Longer text (scope, description, products).
    pub body: String,
    /// (name, value) pairs; multi-valued allowed. `ics` ("65.160.10") and
    /// `hs` ("841460") are hierarchical: filtering on a prefix ("65", "8414")
    /// matches.
    pub facets: Vec<(String, String)>,
    /// Unix seconds, for date sort and range filters.
    pub date: Option<i64>,
    /// Opaque text stored with the document and given back with each hit
    /// ([`Hit::payload`]), typically the fields a result list shows, so that
    /// listing results needs no other lookup. Not searchable. Empty = none.
    pub payload: String,
    /// The document's own title where its title also names a series it shares with sibling
    /// documents (`General requirements` of `Household appliances — Safety — Part 1: General
    /// requirements`): words found here weigh more than words found only in the series.
    /// Empty = none (the whole title is its own).
    pub title_own: String,
    /// Static quality that multiplies the relevance score (status, type of document);
    /// 0.0 = neutral (1.0).
    pub weight: f32,
    /// Hidden from a collapsed search ([`Query::collapse`]) unless the query names the
    /// document by its full number: an older edition folded under the current one. Such a
    /// document is indexed lighter, as it is found mostly through its lead: not by its
    /// further-language titles ([`Doc::title_other`]) nor by its own title
    /// ([`Doc::title_own`]: its words count as title words only).
    pub folded: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first. With empty text this behaves as `DateDesc`.
    #[default]
    Relevance,
    /// Newest first; documents without a date last.
    DateDesc,
    /// Oldest first; documents without a date last.
    DateAsc,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub domain: String,
    /// Free text: words and optional "quoted phrases". Never a parse error.
    /// Empty = all documents of the domain.
    pub text: String,
    /// AND across names, OR within the same name.
    pub filters: Vec<(String, String)>,
    /// Inclusive bounds on `Doc::date`; docs without a date never match a range.
    pub date_from: Option<i64>,
    pub date_to: Option<i64>,
    pub sort: Sort,
    pub offset: usize,
    /// Clamped so that `offset + limit <= MAX_WINDOW` (10 000).
    pub limit: usize,
    /// Facet names to count over the whole filtered result set (top 50 values
    /// each, by count). `"ics"` counts top-level values ("65"); `"ics:65"`
    /// counts the children of "65" ("65.160"); same for `hs`. The key in
    /// `Results::facets` is the requested string as given.
    pub facet_fields: Vec<String>,
    /// Leave out documents marked [`Doc::folded`], unless the text names one by a number
    /// with its year (`ISO 9001:2008`).
    pub collapse: bool,
    /// Equivalents for phrases of the text (a glossary): `("质量管理", "quality
    /// management")` lets each occurrence of the first in the text match the second too
    /// (as a phrase of English words). Longest phrases are taken first.
    pub translations: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub key: String,
    /// Relevance score (0.0 when sorting by date or browsing without text).
    pub score: f32,
    /// The title lines that contain a query word, joined with '\n', HTML
    /// escaped, matches wrapped in `<b>…</b>`. `None` when no title line matches.
    pub title_snippet: Option<String>,
    /// The document's [`Doc::payload`], if it had one.
    pub payload: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    /// Number of matching documents (exact).
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: BTreeMap<String, Vec<(String, u64)>>,
}

/// Largest `offset + limit` honoured by [`Index::search`].
pub const MAX_WINDOW: usize = 10_000;
/// Values returned per facet in [`Results::facets`].
pub const MAX_FACET_VALUES: usize = 50;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index io: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index: {0}")]
    Other(String),
}

impl SearchError {
    /// The directory's writer lock is held by another process (a server using the index).
    pub fn is_busy(&self) -> bool {
        match self {
            SearchError::Tantivy(tantivy::TantivyError::LockFailure(..)) => true,
            SearchError::Other(m) => m.starts_with(BUSY),
            _ => false,
        }
    }
}

/// How [`Index::open`] words a directory whose lock is taken while it would wipe it.
pub(crate) const BUSY: &str = "index directory is busy";

impl From<tantivy::directory::error::OpenDirectoryError> for SearchError {
    fn from(e: tantivy::directory::error::OpenDirectoryError) -> Self {
        SearchError::Other(e.to_string())
    }
}

#[cfg(test)]
mod tests;
