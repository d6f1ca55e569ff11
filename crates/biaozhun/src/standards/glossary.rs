//! The Chinese–English glossary of the field: lets a Chinese query reach records whose titles
//! are only in English and French (the ISO and IEC catalogues), where no adoption links a
//! Chinese title to them. Shipped as `seed/glossary.tsv` (a Chinese term, a tab, the English
//! term; `#` starts a comment); the association extends it with a file of the same form at
//! `<data_dir>/glossary.tsv`, read again whenever it changes (no restart).

use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::SystemTime;

/// A pair of the glossary, as a search reports it used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Term {
    pub zh: String,
    pub en: String,
}

/// Reads glossary lines; bad lines (no tab, an empty side) are skipped.
pub fn parse(text: &str) -> Vec<Term> {
    text.lines()
        .map(|l| l.trim_start_matches('\u{feff}'))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let (zh, en) = l.split_once('\t')?;
            let (zh, en) = (zh.trim(), en.trim());
            (!zh.is_empty() && !en.is_empty()).then(|| Term { zh: zh.to_string(), en: en.to_string() })
        })
        .collect()
}

static SHIPPED: LazyLock<Vec<Term>> = LazyLock::new(|| parse(include_str!("../../seed/glossary.tsv")));

type Cached = (Option<SystemTime>, Arc<Vec<Term>>);
static EXTENDED: LazyLock<Mutex<HashMap<PathBuf, Cached>>> = LazyLock::new(Default::default);

/// The glossary in force for a data directory: the shipped terms, then the association's
/// (which win for the same Chinese term).
pub fn terms(data_dir: &Path) -> Arc<Vec<Term>> {
    let file = data_dir.join("glossary.tsv");
    let mtime = std::fs::metadata(&file).and_then(|m| m.modified()).ok();
    let mut cache = EXTENDED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((t, terms)) = cache.get(&file)
        && *t == mtime
    {
        return terms.clone();
    }
    let mut all: Vec<Term> = Vec::new();
    let extra = mtime.and_then(|_| std::fs::read_to_string(&file).ok()).map(|t| parse(&t)).unwrap_or_default();
    for t in extra.iter().chain(SHIPPED.iter()) {
        if !all.iter().any(|a| a.zh == t.zh) {
            all.push(t.clone());
        }
    }
    let terms = Arc::new(all);
    cache.insert(file, (mtime, terms.clone()));
    terms
}

/// The glossary terms a query uses: in each run of Chinese text, the longest term found
/// first, then the longest in what is left on either side (the same choice the search makes
/// with them).
pub fn used(terms: &[Term], query: &str) -> Vec<Term> {
    let mut out = Vec::new();
    pick(terms, query, &mut out);
    out
}

fn pick(terms: &[Term], text: &str, out: &mut Vec<Term>) {
    let best = terms.iter().filter(|t| t.zh.chars().count() >= 2).filter_map(|t| text.find(t.zh.as_str()).map(|p| (p, t))).max_by_key(|(_, t)| t.zh.len());
    let Some((pos, t)) = best else { return };
    pick(terms, &text[..pos], out);
    if !out.contains(t) {
        out.push(t.clone());
    }
    pick(terms, &text[pos + t.zh.len()..], out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_glossary_is_large_and_clean() {
        let g = &*SHIPPED;
        assert!(g.len() >= 300, "{} terms", g.len());
        let mut zh: Vec<&str> = g.iter().map(|t| t.zh.as_str()).collect();
        zh.sort();
        let n = zh.len();
        zh.dedup();
        assert_eq!(n, zh.len(), "a Chinese term appears twice");
        assert!(g.iter().all(|t| t.en.is_ascii()), "English side is ASCII");
    }

    #[test]
    fn longest_terms_win() {
        let g = parse("质量管理\tquality management\n质量管理体系\tquality management systems\n医疗器械\tmedical devices\n# comment\nbad line\n");
        assert_eq!(g.len(), 3);
        let u = used(&g, "医疗器械 质量管理体系");
        assert_eq!(u.iter().map(|t| t.zh.as_str()).collect::<Vec<_>>(), vec!["医疗器械", "质量管理体系"]);
        assert_eq!(used(&g, "质量管理").len(), 1);
        assert!(used(&g, "卷烟").is_empty());
    }
}
