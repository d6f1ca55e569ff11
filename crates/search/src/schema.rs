//! The index schema: the fields a document is split into, and the shared state of an open
//! index (reader, writer, facet cache). Used by `index` (writes) and `query` (reads).

use std::sync::Mutex;

use tantivy::schema::{
    FacetOptions, Field, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::{IndexReader, IndexWriter};

use crate::analysis::{TOK_EN, TOK_RAW, TOK_TERMS, TOK_WS, TOK_ZH};

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
    /// The document's own title (without a series title shared with sibling parts).
    pub title_own: Field,
    /// Title words lowercased and folded but not stemmed: the dictionary of fuzzy matching,
    /// and where titles in further languages ([`crate::Doc::title_other`]) are found.
    pub title_raw: Field,
    pub body_zh: Field,
    pub body_en: Field,
    pub facet: Field,
    pub date: Field,
    pub payload: Field,
    /// "1" on documents that stand for themselves in a collapsed search (not folded).
    pub lead: Field,
    /// Static quality of the document, in thousandths (1000 = neutral): multiplies the
    /// relevance score.
    pub weight: Field,
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

/// A field of whole terms apart by spaces, matched only as terms (no frequencies).
fn terms() -> TextOptions {
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOK_TERMS)
            .set_index_option(IndexRecordOption::Basic),
    )
}

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let f = Fields {
        key: b.add_text_field("key", STRING | STORED),
        domain: b.add_text_field("domain", STRING),
        // A document's exact number terms and its number grams are each given as one
        // value, the terms apart by spaces (none holds a space): one value to take in
        // instead of a value per term.
        code_exact: b.add_text_field("code_exact", terms()),
        code_tok: b.add_text_field("code_tok", text(TOK_WS, true, false)),
        code_ng: b.add_text_field("code_ng", terms()),
        // The whole title, stored for snippets; indexed in the fields below.
        title: b.add_text_field("title", STORED),
        // Only text with CJK characters goes to the jieba fields: jieba finds nothing
        // in Latin text that the English fields do not, and would cost most of the
        // indexing time of a catalogue in English.
        title_zh: b.add_text_field("title_zh", text(TOK_ZH, true, false)),
        title_en: b.add_text_field("title_en", text(TOK_EN, true, false)),
        title_own: b.add_text_field("title_own", text(TOK_EN, true, false)),
        title_raw: b.add_text_field("title_raw", text(TOK_RAW, false, false)),
        body_zh: b.add_text_field("body_zh", text(TOK_ZH, false, false)),
        body_en: b.add_text_field("body_en", text(TOK_EN, true, false)),
        facet: b.add_facet_field("facet", FacetOptions::default()),
        date: b.add_i64_field("date", NumericOptions::default().set_indexed().set_fast()),
        payload: b.add_text_field("payload", STORED),
        lead: b.add_text_field("lead", STRING),
        weight: b.add_u64_field("weight", NumericOptions::default().set_fast()),
    };
    (b.build(), f)
}

pub(crate) struct Inner {
    pub reader: IndexReader,
    pub writer: Mutex<IndexWriter>,
    pub fields: Fields,
    pub facets: crate::facets::FacetCache,
}

