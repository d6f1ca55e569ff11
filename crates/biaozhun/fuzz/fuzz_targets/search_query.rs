//! Search query syntax: whatever a user types (words, "phrases", numbers, mixed scripts),
//! with any filter, facet and date values, must give results or an error, never a panic.
//! The index (jieba dictionary, tantivy) is built once in `init`, outside the per-input
//! timeout. The input is split on '\u{1}': text, then filters as name=value, facet names, dates.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn index() -> &'static search::Index {
    static INDEX: OnceLock<search::Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let ix = search::Index::in_memory().expect("in-memory index");
        let docs = vec![
            search::Doc {
                key: "std:1".into(),
                domain: "standards".into(),
                code: "GB/T 19001-2016 GB/T19001-2016".into(),
                title: "质量管理体系 要求\nQuality management systems — Requirements".into(),
                body: "本标准规定了质量管理体系要求".into(),
                facets: vec![("kind".into(), "national_recommended".into()), ("ics".into(), "03.120.10".into())],
                date: Some(1_483_228_800),
                payload: String::new(),
                ..Default::default()
            },
            search::Doc {
                key: "tbt:1".into(),
                domain: "tbt".into(),
                code: "G/TBT/N/CHN/1234 G/TBT/N/CHN/1234/Add.1".into(),
                title: "Electric fans\n电风扇".into(),
                body: "Safety requirements for household fans, HS 841451".into(),
                facets: vec![("hs".into(), "841451".into()), ("member".into(), "CHN".into())],
                date: None,
                payload: String::new(),
                ..Default::default()
            },
        ];
        ix.upsert(&docs).expect("upsert");
        ix.commit().expect("commit");
        ix
    })
}

fuzz_target!(init: { index(); }, |s: &str| {
    let mut parts = s.split('\u{1}');
    let text = parts.next().unwrap_or_default().to_string();
    let filters: Vec<(String, String)> = parts
        .next()
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let facet_fields: Vec<String> = parts.next().unwrap_or_default().split(',').filter(|f| !f.is_empty()).map(str::to_string).collect();
    let date_from = parts.next().and_then(biaozhun::util::parse_local_date);
    let date_to = parts.next().and_then(biaozhun::util::parse_local_date);
    let n = s.len();
    for (domain, sort) in [("standards", search::Sort::Relevance), ("tbt", search::Sort::DateDesc), ("standards", search::Sort::DateAsc)] {
        let q = search::Query {
            domain: domain.into(),
            text: text.clone(),
            filters: filters.clone(),
            date_from,
            date_to,
            sort,
            offset: n % 7,
            limit: 1 + n % 30,
            facet_fields: facet_fields.clone(),
            ..Default::default()
        };
        if let Ok(res) = index().search(&q) {
            assert!(res.hits.len() <= q.limit);
        }
    }
    // The web layer's query-string form of the same filters.
    if let Ok(p) = serde_urlencoded::from_str::<biaozhun::standards::routes::SearchParams>(s) {
        let _ = p.from.as_deref().and_then(biaozhun::util::parse_local_date);
        let _ = p.to.as_deref().and_then(biaozhun::util::parse_local_date);
    }
});
