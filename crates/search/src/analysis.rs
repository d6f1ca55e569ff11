//! Text analysis: tokenizers registered on the tantivy index, and the pure
//! functions that turn standard numbers ("codes") into index terms.
//!
//! The same functions are used at index time and at query time, so that a
//! user typing `gb/t1.1`, `GB/T 1.1` or `ＧＢ／Ｔ　１．１` produces the same terms.

use std::collections::HashSet;
use std::sync::LazyLock;

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer,
    StopWordFilter, TextAnalyzer, Token, TokenStream, Tokenizer, WhitespaceTokenizer,
};
use tantivy_jieba::JiebaTokenizer;

/// Tokenizer names registered on every index.
pub(crate) const TOK_ZH: &str = "bz_zh";
pub(crate) const TOK_EN: &str = "bz_en";
pub(crate) const TOK_WS: &str = "bz_ws";
pub(crate) const TOK_RAW: &str = "bz_raw";
pub(crate) const TOK_TERMS: &str = "bz_terms";

/// The jieba dictionary lives in a process-wide static inside `tantivy-jieba`, loaded on
/// the first Chinese text: a process that indexes only English titles (an import of the
/// ISO catalogue) never loads it. A server loads it at start ([`warm_up`]).
static ZH: LazyLock<ZhTokenizer> = LazyLock::new(|| ZhTokenizer {
    inner: JiebaTokenizer::with_ordinal_position_mode(true),
});

/// Loads the jieba dictionary now (it is otherwise loaded on the first Chinese text).
/// Cheap after the first call.
pub fn warm_up() {
    let mut t = ZH.clone();
    let mut s = t.token_stream("标准化");
    while s.advance() {}
}

/// Jieba (search mode, ordinal positions) with tokens that contain no letter
/// or digit (spaces, punctuation) dropped and positions renumbered.
#[derive(Clone)]
pub(crate) struct ZhTokenizer {
    inner: JiebaTokenizer,
}

pub(crate) struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }
    fn token(&self) -> &Token {
        &self.tokens[self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1))]
    }
    fn token_mut(&mut self) -> &mut Token {
        let i = self
            .next
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[i]
    }
}

impl Tokenizer for ZhTokenizer {
    type TokenStream<'a> = VecTokenStream;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let mut tokens = Vec::new();
        let mut inner = self.inner.token_stream(text);
        while inner.advance() {
            let t = inner.token();
            if !t.text.chars().any(char::is_alphanumeric) {
                continue;
            }
            let mut t = t.clone();
            t.position = tokens.len();
            t.position_length = 1;
            tokens.push(t);
        }
        if tokens.is_empty() {
            // `token()` must be callable even on an empty stream.
            return VecTokenStream {
                tokens: vec![Token::default()],
                next: 1,
            };
        }
        VecTokenStream { tokens, next: 0 }
    }
}

pub(crate) fn zh_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(ZH.clone())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .build()
}

pub(crate) fn en_analyzer() -> TextAnalyzer {
    let stop = StopWordFilter::new(Language::English).expect("english stop words");
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(stop)
        .filter(crate::spelling::SpellStem)
        .build()
}

/// Words as written (lowercased, folded to ASCII), not stemmed: what fuzzy matching
/// compares a misspelt word with.
pub(crate) fn raw_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// Terms given whole, apart by spaces ([`code_terms`]): each is indexed as it is.
pub(crate) fn terms_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WhitespaceTokenizer::default()).build()
}

pub(crate) fn ws_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(WhitespaceTokenizer::default())
        .filter(RemoveLongFilter::limit(64))
        .build()
}

/// Runs an analyzer and returns (position, text) pairs.
pub(crate) fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut s = analyzer.token_stream(text);
    while s.advance() {
        let t = s.token();
        out.push((t.position, t.text.clone()));
    }
    out
}

/// Jieba tokens of `text` (no punctuation/space tokens), default or search mode.
pub(crate) fn jieba_words(text: &str, search_mode: bool) -> Vec<String> {
    LazyLock::force(&ZH);
    let mut t = JiebaTokenizer::with_search_mode(search_mode);
    let mut s = t.token_stream(text);
    let mut out = Vec::new();
    while s.advance() {
        let w = &s.token().text;
        if w.chars().any(char::is_alphanumeric) {
            out.push(w.to_lowercase());
        }
    }
    out
}

/// CJK ideographs, kana and hangul: text handled by jieba.
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FDF | 0x3005..=0x3007 | 0x3040..=0x30FF | 0x3400..=0x4DBF |
        0x4E00..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF)
}

/// Maps full-width ASCII (Ｇ／１．) to ASCII and the ideographic space to ' '.
pub(crate) fn normalize_width(s: &str) -> String {
    s.chars().map(width_fold).collect()
}

fn width_fold(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// Walks a code by the token rules of [`code_tokens`], full-width characters folded:
/// `keep(c, starts_token)` for each character a token keeps, in order.
fn walk_code(s: &str, mut keep: impl FnMut(char, bool)) {
    let mut chars = s.chars().map(width_fold).peekable();
    // Whether the last character kept is a digit; none after a separator.
    let mut last: Option<bool> = None;
    while let Some(c) = chars.next() {
        let is_digit = c.is_ascii_digit() || (c.is_numeric() && !is_cjk(c));
        if is_digit || (c.is_alphabetic() && !is_cjk(c)) {
            keep(c, last != Some(is_digit));
            last = Some(is_digit);
        } else if c == '.' && last == Some(true) && chars.peek().is_some_and(char::is_ascii_digit) {
            keep('.', false);
        } else {
            last = None;
        }
    }
}

/// Splits a code into lowercase tokens: runs of letters, runs of digits
/// (a '.' between two digits stays inside: "1.1", "65.160.10"); everything
/// else separates, and so does a letter/digit boundary.
/// `"GB/T19001-2016"` → `["gb", "t", "19001", "2016"]`.
pub fn code_tokens(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    walk_code(s, |c, starts| match out.last_mut() {
        Some(t) if !starts => t.extend(c.to_lowercase()),
        _ => out.push(c.to_lowercase().collect()),
    });
    out
}

/// Compact form of a code: its tokens concatenated. `"GB/T 1.1-2020"` → `"gbt1.12020"`.
pub fn compact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    walk_code(s, |c, _| out.extend(c.to_lowercase()));
    out
}

/// Windows of up to this many chunks give exact-match terms.
const MAX_WINDOW: usize = 4;

/// The whitespace-separated chunks of a code (at most 64), each as its compact form and,
/// when it ends with an edition year, the compact form without it.
struct Chunk {
    compact: String,
    /// Characters in the chunk.
    chars: usize,
    /// The compact form with a trailing year cut (`9001:2015` → `9001`).
    without_year: Option<String>,
}

fn chunks(code: &str) -> Vec<Chunk> {
    let norm = normalize_width(code);
    norm.split_whitespace()
        .take(64)
        .map(|c| {
            let chars = c.chars().count();
            let without_year = year_cut(c).map(compact);
            Chunk { compact: compact(c), chars, without_year }
        })
        .collect()
}

/// The text before a trailing edition year (`-2016`, `:2015`, `—2008`; a year is 19xx or
/// 20xx), for a chunk that ends with one.
fn year_cut(s: &str) -> Option<&str> {
    let mut tail = s.char_indices().rev();
    let mut year = [0u8; 4];
    for slot in year.iter_mut().rev() {
        let (_, c) = tail.next()?;
        *slot = u8::try_from(c).ok().filter(u8::is_ascii_digit)?;
    }
    let (sep_idx, sep) = tail.next()?;
    if !matches!(sep, '-' | ':' | '—' | '–' | '－' | '：') {
        return None;
    }
    matches!(&year[..2], b"19" | b"20").then(|| &s[..sep_idx])
}

/// The exact-match terms and the n-grams of a code string, from one pass over its chunks.
///
/// Each line of `code` is one number (a document's canonical number, its number as
/// published, the number it is cited by); windows never span two lines, so no term joins
/// the end of one number to the start of the next. Exact terms: the compact form of every
/// window of up to [`MAX_WINDOW`] whitespace-separated chunks, with and without a trailing
/// edition year. Grams: the character trigrams of the compact form of every window of one
/// or two chunks; substring search on codes matches all of a query's trigrams against these.
pub(crate) fn code_terms(code: &str) -> (Vec<String>, Vec<String>) {
    let mut exact: Vec<String> = Vec::new();
    let mut windows: Vec<String> = Vec::new();
    for line in code.lines() {
        let chunks = chunks(line);
        for i in 0..chunks.len() {
            let mut head = String::new();
            let mut chars = 0;
            for (j, c) in chunks.iter().enumerate().skip(i).take(MAX_WINDOW) {
                // The window's text is its chunks joined by single spaces.
                chars += c.chars + usize::from(j > i);
                // A window of six characters or more ending with a year also counts without it.
                if let Some(cut) = &c.without_year
                    && chars >= 6
                {
                    exact.push(format!("{head}{cut}"));
                }
                head.push_str(&c.compact);
                exact.push(head.clone());
            }
        }
        // A chunk's grams are among those of the pair it belongs to, when it has a neighbour.
        match chunks.len() {
            0 => {}
            1 => windows.push(chunks[0].compact.clone()),
            _ => windows.extend(chunks.windows(2).map(|w| format!("{}{}", w[0].compact, w[1].compact))),
        }
    }
    exact.retain(|t| !t.is_empty());
    exact.sort_unstable();
    exact.dedup();
    let mut grams: Vec<&str> = Vec::new();
    for w in &windows {
        let ends: Vec<usize> = w.char_indices().map(|(i, _)| i).chain(std::iter::once(w.len())).collect();
        for k in 0..ends.len().saturating_sub(GRAM) {
            grams.push(&w[ends[k]..ends[k + GRAM]]);
        }
    }
    grams.sort_unstable();
    grams.dedup();
    let grams = grams.into_iter().map(str::to_string).collect();
    (exact, grams)
}

/// Characters in a code n-gram. A query of fewer characters is not searched as a
/// substring: two characters (`45`) are inside a tenth of all numbers.
const GRAM: usize = 3;

/// Grams a query must all match to be a substring of some code (empty: no
/// n-gram search for this query).
pub(crate) fn query_grams(compact_query: &str) -> Vec<String> {
    let chars: Vec<char> = compact_query.chars().collect();
    match chars.len() {
        0..GRAM => Vec::new(),
        _ => {
            let mut seen = HashSet::new();
            chars
                .windows(GRAM)
                .map(|g| g.iter().collect::<String>())
                .filter(|g| seen.insert(g.clone()))
                .take(24)
                .collect()
        }
    }
}

/// Facet path for a filter/facet value. `ics` and `hs` are hierarchical:
/// every prefix becomes a path step, so a filter on a prefix is one term.
pub(crate) fn facet_path(name: &str, value: &str) -> Vec<String> {
    let clean = |s: &str| if s.contains('\0') { s.replace('\0', "") } else { s.to_string() };
    let name = clean(name.trim());
    let value = clean(value.trim());
    let mut path = vec![name.clone()];
    match name.as_str() {
        "ics" => {
            let parts: Vec<&str> = value.split('.').filter(|p| !p.is_empty()).collect();
            for i in 1..=parts.len() {
                path.push(parts[..i].join("."));
            }
        }
        "hs" => {
            let digits: String = value
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            let mut len = 2;
            while len < digits.len() {
                path.push(digits[..len].to_string());
                len += 2;
            }
            if !digits.is_empty() {
                path.push(digits);
            }
        }
        _ => {
            if !value.is_empty() {
                path.push(value);
            }
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_tokenization() {
        assert_eq!(code_tokens("GB/T19001-2016"), ["gb", "t", "19001", "2016"]);
        assert_eq!(code_tokens("GB/T 1.1-2020"), ["gb", "t", "1.1", "2020"]);
        assert_eq!(code_tokens("ＧＢ／Ｔ　１．１"), ["gb", "t", "1.1"]);
        assert_eq!(code_tokens("ISO 9001:2015."), ["iso", "9001", "2015"]);
        assert_eq!(code_tokens("1..2"), ["1", "2"]);
        assert_eq!(code_tokens("1.a .5"), ["1", "a", "5"]);
        assert_eq!(code_tokens("v1.2.3rc4"), ["v", "1.2.3", "rc", "4"]);
        assert_eq!(compact("GB/T 1.1"), "gbt1.1");
        assert!(code_tokens("").is_empty());
        assert!(code_tokens("...//--").is_empty());
    }

    #[test]
    fn compact_is_the_tokens_joined() {
        for s in ["GB/T 1.1-2020", "ＧＢ／Ｔ　１．１—２０２０", "1..2", "a.1", "1.a", "1.", ".5", "ISO/IEC 27002:2022", "DB4401/T 1—2018 地方", "Ⅻ-Ⅳ 2.3.4", "ÉCO 9 ß", "", "v1.2.3rc4"] {
            assert_eq!(compact(s), code_tokens(s).concat(), "{s}");
        }
    }

    #[test]
    fn exact_and_grams() {
        let exact_terms = |c| code_terms(c).0;
        let e = exact_terms("GB/T 19001-2016 GB/T19001-2016");
        assert!(e.contains(&"gbt190012016".to_string()));
        assert!(e.contains(&"gbt19001".to_string()));
        let e = exact_terms("ISO 9001:2015");
        assert!(e.contains(&"iso9001".to_string()));
        assert!(e.contains(&"iso90012015".to_string()));
        let e = exact_terms("GB/T 1.1-2020");
        assert!(e.contains(&"gbt1.1".to_string()));
        let g = code_terms("GB/T 19001-2016").1;
        for q in query_grams("19001") {
            assert!(g.contains(&q), "{q}");
        }
        // Numbers on lines of their own: each found whole, none joined to the next.
        let (e, g) = code_terms("ISO/IEC 27002:2022\nISO 27002:2022");
        for t in ["isoiec270022022", "isoiec27002", "iso270022022", "iso27002", "270022022"] {
            assert!(e.contains(&t.to_string()), "{t}");
        }
        assert!(!e.iter().any(|t| t.contains("2022iso")), "{e:?}");
        assert!(!g.iter().any(|t| t == "22i" || t == "2is"), "{g:?}");
    }

    // The first way these terms were computed (each window's text analysed again), kept as
    // the reference the chunked computation must agree with.
    /// A window's text without its trailing edition year, for a window of six characters or
    /// more.
    fn strip_year(s: &str) -> Option<&str> {
        let t = s.trim_end();
        if t.chars().count() < 6 { None } else { year_cut(t) }
    }

    /// Whitespace-chunk windows of each line of a code string (1..=MAX_WINDOW chunks).
    fn windows(code: &str, max: usize) -> Vec<String> {
        let mut out = Vec::new();
        for line in code.lines() {
            let norm = normalize_width(line);
            let chunks: Vec<&str> = norm.split_whitespace().take(64).collect();
            for i in 0..chunks.len() {
                for j in i + 1..=(i + max).min(chunks.len()) {
                    out.push(chunks[i..j].join(" "));
                }
            }
        }
        out
    }

    fn exact_reference(code: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for w in windows(code, MAX_WINDOW) {
            out.push(compact(&w));
            if let Some(stripped) = strip_year(&w) {
                out.push(compact(stripped));
            }
        }
        out.retain(|t| !t.is_empty());
        out.sort_unstable();
        out.dedup();
        out
    }

    fn grams_reference(code: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for w in windows(code, 2) {
            let chars: Vec<char> = compact(&w).chars().collect();
            for g in chars.windows(GRAM) {
                out.push(g.iter().collect());
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn chunked_terms_agree_with_the_reference() {
        for code in [
            "GB/T 19001-2016 GB/T19001-2016",
            "ISO/IEC 27001:2022 ISO 27001:2022",
            "ISO 9001:2015",
            "GB/T 19001 -2016",
            "ISO 9001 :2015",
            "X :2015",
            "ＧＢ／Ｔ　１．１—２０２０",
            "IEC 62115:2017+AMD1:2025 CSV IEC 62115:2017+AMD1:2025 CSV",
            "DB4401/T 1—2018 地方 标准 2018",
            "ISO/IEC DIR 1 ISO SUP:2003",
            "a b c d e f g h 1999",
            "",
            "   ",
            "2015",
            "-2015",
            "Ü—1990 ß:2020",
            "ISO/IEC 27002:2022\nISO 27002:2022",
            "ISO/IEC 14496-4:2004+AMD13:2007+COR2:2009\nISO/IEC 14496-4:2004/Amd 13:2007/Cor 2:2009\nISO 14496-4:2004",
            "\n\nGB/T 1.1-2020\n",
        ] {
            assert_eq!(code_terms(code), (exact_reference(code), grams_reference(code)), "{code}");
        }
    }

    #[test]
    fn facet_paths() {
        assert_eq!(
            facet_path("ics", "65.160.10"),
            ["ics", "65", "65.160", "65.160.10"]
        );
        assert_eq!(facet_path("hs", "841460"), ["hs", "84", "8414", "841460"]);
        assert_eq!(facet_path("hs", "84146"), ["hs", "84", "8414", "84146"]);
        assert_eq!(facet_path("member", "USA"), ["member", "USA"]);
    }

    #[test]
    fn zh_tokens_drop_punctuation() {
        let mut a = zh_analyzer();
        let toks = analyze(
            &mut a,
            "标准化工作导则  第1部分：标准化文件的结构和起草规则",
        );
        assert!(toks.iter().all(|(_, t)| !t.trim().is_empty() && t != "："));
        assert!(toks.iter().any(|(_, t)| t == "导则"));
        for (i, (p, _)) in toks.iter().enumerate() {
            assert_eq!(*p, i);
        }
    }
}
