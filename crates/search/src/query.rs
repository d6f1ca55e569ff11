//! Query building (never from a query parser: the user's text cannot cause a
//! parse error), search execution, facet counting and title highlighting.

use std::collections::BTreeMap;
use std::ops::Bound;

use tantivy::collector::{Collector, Count, MultiCollector, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, PhraseQuery,
    Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Order, Searcher, TantivyDocument, Term};

use crate::analysis::{self, is_cjk};
use crate::facets::FacetCounter;
use crate::schema::{Fields, Inner};
use crate::{Hit, MAX_FACET_VALUES, MAX_WINDOW, Results, SearchError, Sort};

const MAX_QUERY_CHARS: usize = 256;
const MAX_UNITS: usize = 16;
const MAX_FACET_FIELDS: usize = 16;

const BOOST_EXACT: f32 = 60.0;
const BOOST_CODE_PHRASE: f32 = 4.0;
const SCORE_NGRAM: f32 = 1.0;
const BOOST_TITLE: f32 = 3.0;
const BOOST_CODE_WORD: f32 = 2.0;
/// Added when a word is found in the document's own title (not only its series title).
const BOOST_OWN: f32 = 1.5;
/// A fuzzy match counts as this constant score (a title word matched exactly weighs more).
const SCORE_FUZZY: f32 = 1.5;
/// A word found as written in a title of a further language ([`crate::Doc::title_other`]),
/// or in the same form in an English title (scored there by the English fields already).
const SCORE_AS_WRITTEN: f32 = 0.25;
/// Shortest word (in letters) matched fuzzily.
const FUZZY_MIN: usize = 5;
/// From this length two edits are allowed.
const FUZZY_TWO: usize = 8;

type Q = Box<dyn Query>;

fn term(field: Field, text: &str) -> Term {
    Term::from_field_text(field, text)
}

fn term_q(field: Field, text: &str) -> Q {
    Box::new(TermQuery::new(
        term(field, text),
        IndexRecordOption::WithFreqs,
    ))
}

fn boost(q: Q, b: f32) -> Q {
    if (b - 1.0).abs() < f32::EPSILON {
        q
    } else {
        Box::new(BoostQuery::new(q, b))
    }
}

fn should(qs: Vec<Q>) -> Option<Q> {
    match qs.len() {
        0 => None,
        1 => qs.into_iter().next(),
        _ => Some(Box::new(BooleanQuery::new(
            qs.into_iter().map(|q| (Occur::Should, q)).collect(),
        ))),
    }
}

fn must(qs: Vec<Q>) -> Option<Q> {
    match qs.len() {
        0 => None,
        1 => qs.into_iter().next(),
        _ => Some(Box::new(BooleanQuery::new(
            qs.into_iter().map(|q| (Occur::Must, q)).collect(),
        ))),
    }
}

/// Term or phrase over positioned tokens (positions from the analyzer).
fn seq_q(field: Field, toks: &[(usize, String)]) -> Option<Q> {
    match toks.len() {
        0 => None,
        1 => Some(term_q(field, &toks[0].1)),
        _ => {
            let base = toks[0].0;
            let terms = toks
                .iter()
                .map(|(p, t)| (p - base, term(field, t)))
                .collect();
            Some(Box::new(PhraseQuery::new_with_offset(terms)))
        }
    }
}

/// One word-unit of the text query, matched in any text field.
struct Unit {
    q: Q,
    required: bool,
}

/// When misspelt words are matched approximately.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fuzzy {
    /// Only words the index does not know at all.
    Unknown,
    /// Every word long enough (when exact words found nothing).
    All,
}

/// Context of query building: the fields, the searcher (for the dictionary) and the
/// fuzzy mode.
struct Ctx<'a> {
    f: &'a Fields,
    searcher: &'a Searcher,
    fuzzy: Fuzzy,
    /// Set when some word was matched fuzzily.
    fuzzed: std::cell::Cell<bool>,
}

impl Ctx<'_> {
    fn known(&self, stems: &[(usize, String)]) -> bool {
        stems.iter().all(|(_, s)| {
            [self.f.title_en, self.f.body_en]
                .iter()
                .any(|fd| self.searcher.doc_freq(&term(*fd, s)).unwrap_or(0) > 0)
        })
    }

    /// Approximate match of a written word in titles, if the word is long enough.
    fn fuzzy_q(&self, tok: &str) -> Option<Q> {
        let letters = tok.chars().count();
        if letters < FUZZY_MIN || !tok.chars().all(|c| c.is_alphabetic()) {
            return None;
        }
        let word = tok.to_lowercase();
        let distance = if letters >= FUZZY_TWO { 2 } else { 1 };
        let q: Q = Box::new(FuzzyTermQuery::new(term(self.f.title_raw, &word), distance, true));
        Some(Box::new(ConstScoreQuery::new(q, SCORE_FUZZY)))
    }
}

/// Units for a Latin/number segment: each code token must match
/// (title_en/body_en stemmed, or code_tok verbatim); a word the index does not know (or,
/// in [`Fuzzy::All`], any word) may match a similar title word.
fn latin_units(cx: &Ctx, seg: &str, en: &mut tantivy::tokenizer::TextAnalyzer) -> Vec<Unit> {
    let f = cx.f;
    let mut out = Vec::new();
    let mut raw = analysis::raw_analyzer();
    for tok in analysis::code_tokens(seg) {
        let stems = analysis::analyze(en, &tok);
        let mut alts = Vec::new();
        let unknown = !stems.is_empty() && !cx.known(&stems);
        let fuzzy = if unknown || cx.fuzzy == Fuzzy::All { cx.fuzzy_q(&tok) } else { None };
        if fuzzy.is_some() {
            cx.fuzzed.set(true);
        }
        if !(unknown && fuzzy.is_some()) {
            alts.extend(english_alts(f, &stems));
        }
        alts.extend(fuzzy);
        // The word as written (English stop words stay out: they are not searched).
        if !stems.is_empty() {
            for (_, word) in analysis::analyze(&mut raw, &tok) {
                alts.push(Box::new(ConstScoreQuery::new(term_q(f.title_raw, &word), SCORE_AS_WRITTEN)));
            }
        }
        if stems.is_empty() && tok.chars().count() < 3 {
            continue; // stop word
        }
        alts.push(boost(term_q(f.code_tok, &tok), BOOST_CODE_WORD));
        if let Some(q) = should(alts) {
            out.push(Unit { q, required: true });
        }
    }
    out
}

/// English stems as a sequence in the title (weighted), the document's own title (weighted)
/// or the body.
fn english_alts(f: &Fields, stems: &[(usize, String)]) -> Vec<Q> {
    let mut alts = Vec::new();
    if let Some(q) = seq_q(f.title_en, stems) {
        alts.push(boost(q, BOOST_TITLE));
    }
    if let Some(q) = seq_q(f.title_own, stems) {
        alts.push(boost(q, BOOST_OWN));
    }
    if let Some(q) = seq_q(f.body_en, stems) {
        alts.push(q);
    }
    alts
}

/// A phrase of English words (a glossary's equivalent) in the title or body.
fn english_phrase_q(f: &Fields, text: &str, en: &mut tantivy::tokenizer::TextAnalyzer) -> Option<Q> {
    let stems = analysis::analyze(en, text);
    should(english_alts(f, &stems))
}

/// Matches a jieba word in the Chinese fields: the word itself, or all of the
/// shorter words jieba's search mode finds inside it.
fn zh_word_q(f: &Fields, w: &str) -> Q {
    let direct = |w: &str| {
        should(vec![
            boost(term_q(f.title_zh, w), BOOST_TITLE),
            term_q(f.body_zh, w),
        ])
        .expect("two clauses")
    };
    let mut alts = vec![direct(w)];
    if w.chars().count() > 2 {
        let subs: Vec<Q> = analysis::jieba_words(w, true)
            .into_iter()
            .filter(|s| s != w)
            .map(|s| direct(&s))
            .collect();
        if let Some(q) = must(subs) {
            alts.push(q);
        }
    }
    should(alts).expect("non-empty")
}

fn cjk_units(f: &Fields, seg: &str) -> Vec<Unit> {
    analysis::jieba_words(seg, false)
        .into_iter()
        // Latin inside a CJK segment is handled by latin_units.
        .filter(|w| w.chars().any(is_cjk))
        .map(|w| Unit {
            q: zh_word_q(f, &w),
            // Single characters are weak evidence and often particles (的, 和).
            required: w.chars().count() > 1,
        })
        .collect()
}

/// Units of a CJK segment with the caller's translations: a phrase of the glossary (longest
/// first) matches itself or its equivalent; the rest goes word by word.
fn cjk_units_translated(
    f: &Fields,
    seg: &str,
    translations: &[(String, String)],
    en: &mut tantivy::tokenizer::TextAnalyzer,
) -> Vec<Unit> {
    let mut best: Option<(usize, &(String, String))> = None;
    for t in translations {
        if t.0.chars().count() < 2 {
            continue;
        }
        if let Some(pos) = seg.find(t.0.as_str()) {
            let better = best.is_none_or(|(_, b)| t.0.len() > b.0.len());
            if better {
                best = Some((pos, t));
            }
        }
    }
    let Some((pos, (zh, en_text))) = best else { return cjk_units(f, seg) };
    let mut units = cjk_units_translated(f, &seg[..pos], translations, en);
    let own = cjk_units(f, zh);
    let mut alts: Vec<Q> = Vec::new();
    let req: Vec<Q> = own.iter().filter(|u| u.required).map(|u| u.q.box_clone()).collect();
    alts.extend(must(req));
    alts.extend(english_phrase_q(f, en_text, en));
    if let Some(q) = should(alts) {
        units.push(Unit { q, required: true });
    }
    units.extend(cjk_units_translated(f, &seg[pos + zh.len()..], translations, en));
    units
}

/// Splits into runs of CJK and non-CJK text.
fn script_runs(s: &str) -> Vec<(bool, &str)> {
    let mut out: Vec<(bool, &str)> = Vec::new();
    let mut start = 0;
    let mut cur: Option<bool> = None;
    for (i, c) in s.char_indices() {
        let k = is_cjk(c);
        match cur {
            Some(prev) if prev != k => {
                out.push((prev, &s[start..i]));
                start = i;
                cur = Some(k);
            }
            None => cur = Some(k),
            _ => {}
        }
    }
    if let Some(k) = cur {
        out.push((k, &s[start..]));
    }
    out
}

/// Units for a quoted phrase: the words in order, in one field.
fn phrase_unit(cx: &Ctx, phrase: &str, en: &mut tantivy::tokenizer::TextAnalyzer) -> Vec<Unit> {
    let f = cx.f;
    if phrase.chars().any(is_cjk) {
        let mut units = Vec::new();
        for (cjk, seg) in script_runs(phrase) {
            if cjk {
                units.extend(cjk_units(f, seg));
            } else {
                units.extend(latin_units(cx, seg, en));
            }
        }
        return units;
    }
    let stems = analysis::analyze(en, phrase);
    let codes: Vec<(usize, String)> = analysis::code_tokens(phrase)
        .into_iter()
        .enumerate()
        .collect();
    let mut alts = Vec::new();
    if let Some(q) = seq_q(f.title_en, &stems) {
        alts.push(boost(q, BOOST_TITLE));
    }
    if let Some(q) = seq_q(f.body_en, &stems) {
        alts.push(q);
    }
    if let Some(q) = seq_q(f.code_tok, &codes) {
        alts.push(boost(q, BOOST_CODE_WORD));
    }
    should(alts)
        .map(|q| vec![Unit { q, required: true }])
        .unwrap_or_default()
}

/// Parsed text: the word units and the code-oriented interpretations.
struct TextQuery {
    units: Vec<Unit>,
    extra: Vec<Q>,
    /// Words to highlight in titles.
    highlight: Vec<String>,
    /// Documents the text names by a number with an edition year (shown even when folded).
    named: Option<Q>,
}

fn build_text(cx: &Ctx, text: &str, translations: &[(String, String)]) -> TextQuery {
    let f = cx.f;
    let text: String = analysis::normalize_width(text)
        .chars()
        .take(MAX_QUERY_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut en = analysis::en_analyzer();
    let mut units = Vec::new();
    let mut highlight = Vec::new();
    // Quotes: odd-numbered pieces are phrases. Curly quotes count too.
    let unified: String = text
        .chars()
        .map(|c| {
            if matches!(c, '“' | '”' | '„' | '«' | '»') {
                '"'
            } else {
                c
            }
        })
        .collect();
    for (i, piece) in unified.split('"').enumerate() {
        if piece.trim().is_empty() {
            continue;
        }
        if i % 2 == 1 {
            units.extend(phrase_unit(cx, piece, &mut en));
            highlight.push(piece.trim().to_lowercase());
            continue;
        }
        for (cjk, seg) in script_runs(piece) {
            if cjk {
                units.extend(cjk_units_translated(f, seg, translations, &mut en));
                highlight.extend(analysis::jieba_words(seg, false));
                for (zh, en_text) in translations {
                    if seg.contains(zh.as_str()) {
                        highlight.extend(en_text.split_whitespace().map(str::to_lowercase));
                    }
                }
            } else {
                units.extend(latin_units(cx, seg, &mut en));
                for w in seg.split_whitespace() {
                    highlight.push(w.to_lowercase());
                }
                highlight.extend(analysis::code_tokens(seg));
            }
        }
    }
    // Too many words: keep the first ones required, the rest optional.
    for u in units.iter_mut().skip(MAX_UNITS) {
        u.required = false;
    }
    units.truncate(MAX_UNITS * 2);

    // Code interpretations on the whole text.
    let mut extra: Vec<Q> = Vec::new();
    let compact = analysis::compact(&text);
    if !compact.is_empty() && compact.len() <= 64 {
        let q = term_q(f.code_exact, &compact);
        extra.push(Box::new(ConstScoreQuery::new(q, BOOST_EXACT)));
    }
    let codes: Vec<(usize, String)> = analysis::code_tokens(&text)
        .into_iter()
        .take(12)
        .enumerate()
        .collect();
    if codes.len() >= 2
        && let Some(q) = seq_q(f.code_tok, &codes)
    {
        extra.push(boost(q, BOOST_CODE_PHRASE));
    }
    if compact.chars().any(|c| c.is_ascii_digit()) {
        let grams: Vec<Q> = analysis::query_grams(&compact)
            .iter()
            .map(|g| term_q(f.code_ng, g))
            .collect();
        if let Some(q) = must(grams) {
            extra.push(Box::new(ConstScoreQuery::new(q, SCORE_NGRAM)));
        }
    }
    let year = codes.iter().skip(1).any(|(_, t)| {
        t.len() == 4 && t.parse::<u32>().is_ok_and(|y| (1900..2100).contains(&y))
    });
    let named = if year {
        let mut alts: Vec<Q> = vec![term_q(f.code_exact, &compact)];
        alts.extend(seq_q(f.code_tok, &codes));
        should(alts)
    } else {
        None
    };
    highlight.retain(|w| w.chars().count() >= 2 || w.chars().any(is_cjk));
    highlight.sort_by_key(|w| std::cmp::Reverse(w.len()));
    highlight.dedup();
    TextQuery {
        units,
        extra,
        highlight,
        named,
    }
}

/// The text part of the query. `and`: all required units must match.
fn text_query(tq: &TextQuery, and: bool) -> Option<Q> {
    let mut clauses: Vec<(Occur, Q)> = Vec::new();
    for u in &tq.units {
        let occur = if and && u.required {
            Occur::Must
        } else {
            Occur::Should
        };
        clauses.push((occur, u.q.box_clone()));
    }
    let words: Option<Q> = if clauses.is_empty() {
        None
    } else {
        Some(Box::new(BooleanQuery::new(clauses)))
    };
    let mut alts: Vec<Q> = tq.extra.iter().map(|q| q.box_clone()).collect();
    alts.extend(words);
    should(alts)
}

fn filter_query(f: &Fields, q: &crate::Query, named: Option<&Q>) -> Vec<Q> {
    let mut out: Vec<Q> = vec![Box::new(TermQuery::new(
        term(f.domain, &q.domain),
        IndexRecordOption::Basic,
    ))];
    if q.collapse {
        let mut shown: Vec<Q> = vec![Box::new(TermQuery::new(term(f.lead, "1"), IndexRecordOption::Basic))];
        shown.extend(named.map(|n| n.box_clone()));
        out.extend(should(shown));
    }
    let mut groups: BTreeMap<&str, Vec<Q>> = BTreeMap::new();
    for (name, value) in &q.filters {
        let path = analysis::facet_path(name, value);
        let t = Term::from_facet(f.facet, &Facet::from_path(path));
        groups
            .entry(name.trim())
            .or_default()
            .push(Box::new(TermQuery::new(t, IndexRecordOption::Basic)));
    }
    for (_, qs) in groups {
        out.extend(should(qs));
    }
    if q.date_from.is_some() || q.date_to.is_some() {
        let lo = q.date_from.map_or(Bound::Unbounded, |d| {
            Bound::Included(Term::from_field_i64(f.date, d))
        });
        let hi = q.date_to.map_or(Bound::Unbounded, |d| {
            Bound::Included(Term::from_field_i64(f.date, d))
        });
        out.push(Box::new(RangeQuery::new(lo, hi)));
    }
    out
}

fn with_filters(main: Option<Q>, filters: &[Q]) -> Q {
    let mut clauses: Vec<(Occur, Q)> = Vec::new();
    clauses.push((Occur::Must, main.unwrap_or_else(|| Box::new(AllQuery))));
    for fq in filters {
        clauses.push((
            Occur::Must,
            Box::new(ConstScoreQuery::new(fq.box_clone(), 0.0)),
        ));
    }
    Box::new(BooleanQuery::new(clauses))
}

/// Requested facet → (the facet whose children are counted).
fn facet_root(spec: &str) -> Facet {
    let (name, value) = match spec.split_once(':') {
        Some((n, v)) => (n, v),
        None => (spec, ""),
    };
    Facet::from_path(analysis::facet_path(name, value))
}

struct Collected {
    total: usize,
    top: Vec<(f32, DocAddress)>,
    facets: BTreeMap<String, Vec<(String, u64)>>,
}

fn collect<C>(
    inner: &Inner,
    searcher: &Searcher,
    query: &dyn Query,
    top: Option<C>,
    facet_specs: &[String],
    to_score: impl Fn(C::Fruit) -> Vec<(f32, DocAddress)>,
) -> Result<Collected, SearchError>
where
    C: Collector + 'static,
{
    let mut multi = MultiCollector::new();
    let count_h = multi.add_collector(Count);
    let top_h = top.map(|c| multi.add_collector(c));
    let counter = (!facet_specs.is_empty()).then(|| FacetCounter {
        field: "facet",
        roots: facet_specs.iter().map(|s| facet_root(s)).collect(),
        cache: &inner.facets,
    });
    let (mut fruits, counts) = searcher.search(query, &(multi, counter))?;
    let total = count_h.extract(&mut fruits);
    let top = top_h
        .map(|h| to_score(h.extract(&mut fruits)))
        .unwrap_or_default();
    let mut facets = BTreeMap::new();
    for (spec, values) in facet_specs.iter().zip(counts.unwrap_or_default()) {
        let mut values: Vec<(String, u64)> = values.into_iter().collect();
        values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        values.truncate(MAX_FACET_VALUES);
        facets.insert(spec.clone(), values);
    }
    Ok(Collected { total, top, facets })
}

/// Relevance times the document's static weight (thousandths).
fn weighted(t: TopDocs) -> impl Collector<Fruit = Vec<(f32, DocAddress)>> {
    t.tweak_score(|seg: &tantivy::SegmentReader| {
        let col = seg
            .fast_fields()
            .u64("weight")
            .ok()
            .map(|c| c.first_or_default_col(1000));
        move |doc: tantivy::DocId, score: tantivy::Score| {
            let w = col.as_ref().map_or(1000, |c| c.get_val(doc));
            score * (w as f32 / 1000.0)
        }
    })
}

fn run(
    inner: &Inner,
    searcher: &Searcher,
    query: &dyn Query,
    sort: Sort,
    offset: usize,
    limit: usize,
    facet_specs: &[String],
) -> Result<Collected, SearchError> {
    let limit = limit.min(MAX_WINDOW.saturating_sub(offset));
    let offset = offset.min(MAX_WINDOW);
    let top = (limit > 0).then(|| TopDocs::with_limit(limit).and_offset(offset));
    match sort {
        Sort::Relevance => collect(
            inner,
            searcher,
            query,
            top.map(weighted),
            facet_specs,
            |v| v,
        ),
        Sort::DateDesc | Sort::DateAsc => {
            let order = if sort == Sort::DateDesc {
                Order::Desc
            } else {
                Order::Asc
            };
            collect(
                inner,
                searcher,
                query,
                top.map(|t| t.order_by_fast_field::<i64>("date", order)),
                facet_specs,
                |v| v.into_iter().map(|(_, a)| (0.0, a)).collect(),
            )
        }
    }
}

pub(crate) fn search(inner: &Inner, q: &crate::Query) -> Result<Results, SearchError> {
    let f = &inner.fields;
    let searcher = inner.reader.searcher();
    let mut facet_specs: Vec<String> = Vec::new();
    for s in q.facet_fields.iter().take(MAX_FACET_FIELDS) {
        if !s.trim().is_empty() && !facet_specs.contains(s) {
            facet_specs.push(s.clone());
        }
    }

    let has_text = q.text.chars().any(|c| c.is_alphanumeric());
    let (collected, tq) = if !has_text {
        let sort = if q.sort == Sort::Relevance {
            Sort::DateDesc
        } else {
            q.sort
        };
        let filters = filter_query(f, q, None);
        let query = with_filters(None, &filters);
        (
            run(inner, &searcher, &*query, sort, q.offset, q.limit, &facet_specs)?,
            None,
        )
    } else {
        let mut cx = Ctx { f, searcher: &searcher, fuzzy: Fuzzy::Unknown, fuzzed: Default::default() };
        let mut tq = build_text(&cx, &q.text, &q.translations);
        let filters = filter_query(f, q, tq.named.as_ref());
        let query = with_filters(text_query(&tq, true), &filters);
        let mut c = run(inner, &searcher, &*query, q.sort, q.offset, q.limit, &facet_specs)?;
        if c.total == 0 {
            // Nothing has every word as written: let every long word be a near miss.
            cx.fuzzy = Fuzzy::All;
            let fuzzy_tq = build_text(&cx, &q.text, &q.translations);
            if cx.fuzzed.get() {
                let query = with_filters(text_query(&fuzzy_tq, true), &filters);
                c = run(inner, &searcher, &*query, q.sort, q.offset, q.limit, &facet_specs)?;
                tq = fuzzy_tq;
            }
        }
        let required = tq.units.iter().filter(|u| u.required).count();
        if c.total == 0 && required > 1 {
            // Nothing has every word: fall back to any word.
            let query = with_filters(text_query(&tq, false), &filters);
            c = run(inner, &searcher, &*query, q.sort, q.offset, q.limit, &facet_specs)?;
        }
        (c, Some(tq))
    };

    let mut hits = Vec::with_capacity(collected.top.len());
    for (score, addr) in collected.top {
        let doc: TantivyDocument = searcher.doc(addr)?;
        let key = doc
            .get_first(f.key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        let title_snippet = tq.as_ref().and_then(|tq| {
            let title = doc
                .get_first(f.title)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            crate::highlight::highlight(title, &tq.highlight)
        });
        let payload = doc
            .get_first(f.payload)
            .and_then(|v| v.as_str())
            .map(str::to_string);
        hits.push(Hit {
            key,
            score,
            title_snippet,
            payload,
        });
    }
    Ok(Results {
        total: collected.total,
        hits,
        facets: collected.facets,
    })
}
