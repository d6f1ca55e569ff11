use super::*;

fn doc(
    key: &str,
    domain: &str,
    code: &str,
    title: &str,
    body: &str,
    facets: &[(&str, &str)],
    date: Option<i64>,
) -> Doc {
    Doc {
        key: key.into(),
        domain: domain.into(),
        code: code.into(),
        title: title.into(),
        body: body.into(),
        facets: facets
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
        date,
        payload: format!("payload of {key}"),
        ..Default::default()
    }
}

const Y2015: i64 = 1_442_000_000;
const Y2016: i64 = 1_483_000_000;
const Y2020: i64 = 1_583_000_000;

fn sample() -> Vec<Doc> {
    vec![
        doc(
            "std:1",
            "standard",
            "GB/T 1.1-2020 GB/T1.1-2020",
            "标准化工作导则  第1部分：标准化文件的结构和起草规则\nDirectives for standardization—Part 1: Rules for the structure and drafting of standardizing documents",
            "本文件确立了标准化文件的结构及其起草的总体原则和要求。",
            &[
                ("kind", "national_recommended"),
                ("status", "in_force"),
                ("ics", "01.120"),
            ],
            Some(Y2020),
        ),
        doc(
            "std:2",
            "standard",
            "GB/T 1.2-2020",
            "标准化工作导则  第2部分：以ISO、IEC等国际标准化文件为基础的标准化文件起草规则",
            "",
            &[
                ("kind", "national_recommended"),
                ("status", "in_force"),
                ("ics", "01.120"),
            ],
            Some(Y2020 + 10),
        ),
        doc(
            "std:3",
            "standard",
            "ISO 9001:2015",
            "Quality management systems — Requirements\nSystèmes de management de la qualité — Exigences",
            "This document specifies requirements for a quality management system.",
            &[
                ("kind", "iso"),
                ("status", "in_force"),
                ("ics", "03.120.10"),
            ],
            Some(Y2015),
        ),
        doc(
            "std:4",
            "standard",
            "GB/T 19001-2016 GB/T19001-2016",
            "质量管理体系  要求\nQuality management systems—Requirements",
            "本标准等同采用 ISO 9001:2015。",
            &[
                ("kind", "national_recommended"),
                ("status", "in_force"),
                ("ics", "03.120.10"),
            ],
            Some(Y2016),
        ),
        doc(
            "std:5",
            "standard",
            "IEC 60335-1:2020",
            "Household and similar electrical appliances - Safety - Part 1: General requirements",
            "deals with the safety of electrical appliances for household purposes",
            &[
                ("kind", "iec"),
                ("status", "in_force"),
                ("ics", "13.120"),
                ("ics", "97.030"),
            ],
            Some(Y2020),
        ),
        doc(
            "std:6",
            "standard",
            "ISO 19011:2018",
            "Guidelines for auditing management systems",
            "guidance on auditing management systems, including ISO 9001 quality management systems",
            &[
                ("kind", "iso"),
                ("status", "in_force"),
                ("ics", "03.120.20"),
            ],
            Some(Y2020 - 5),
        ),
        doc(
            "std:7",
            "standard",
            "ISO 9001:2008",
            "Quality management systems — Requirements",
            "",
            &[
                ("kind", "iso"),
                ("status", "withdrawn"),
                ("ics", "03.120.10"),
            ],
            None,
        ),
        doc(
            "tbt:1",
            "tbt",
            "G/TBT/N/USA/1234",
            "Energy conservation program: test procedures for ceiling fans",
            "Ceiling fans (HS 841451) and other fans",
            &[("member", "USA"), ("hs", "841451"), ("ics", "97.180")],
            Some(Y2020),
        ),
        doc(
            "tbt:2",
            "tbt",
            "G/TBT/N/CHN/1500",
            "电动自行车安全技术规范\nSafety technical specification for electric bicycles",
            "Electric bicycles",
            &[("member", "CHN"), ("hs", "871160"), ("group", "APEC")],
            Some(Y2016),
        ),
        doc(
            "tbt:3",
            "tbt",
            "G/TBT/N/EU/800",
            "Draft regulation on fans driven by electric motors",
            "fans, ventilation",
            &[("member", "EU"), ("hs", "841459"), ("hs", "841460")],
            Some(Y2015),
        ),
    ]
}

fn index() -> Index {
    let ix = Index::in_memory().unwrap();
    ix.upsert(&sample()).unwrap();
    ix.commit().unwrap();
    ix
}

fn q(domain: &str, text: &str) -> Query {
    Query {
        domain: domain.into(),
        text: text.into(),
        limit: 10,
        ..Default::default()
    }
}

fn keys(r: &Results) -> Vec<&str> {
    r.hits.iter().map(|h| h.key.as_str()).collect()
}

#[test]
fn number_substring_finds_codes() {
    let ix = index();
    let r = ix.search(&q("standard", "19001")).unwrap();
    let k = keys(&r);
    assert_eq!(k[0], "std:4", "{k:?}");
    // 19001 does not leak into ISO 19011
    assert!(!k.contains(&"std:6"), "{k:?}");
    let r = ix.search(&q("standard", "9001")).unwrap();
    let k = keys(&r);
    assert!(
        k.contains(&"std:3") && k.contains(&"std:4") && k.contains(&"std:7"),
        "{k:?}"
    );
}

#[test]
fn chinese_title() {
    let ix = index();
    let r = ix.search(&q("standard", "标准化工作导则")).unwrap();
    let k = keys(&r);
    assert!(
        k.len() >= 2 && k[..2].contains(&"std:1") && k[..2].contains(&"std:2"),
        "{k:?}"
    );
    let snip = r.hits[0].title_snippet.as_deref().unwrap();
    assert!(snip.contains("<b>"), "{snip}");
    let r = ix.search(&q("standard", "质量管理")).unwrap();
    assert_eq!(keys(&r)[0], "std:4");
    let r = ix.search(&q("standard", "起草规则")).unwrap();
    assert!(keys(&r).contains(&"std:1"));
}

#[test]
fn english_title() {
    let ix = index();
    let r = ix.search(&q("standard", "quality management")).unwrap();
    let k = keys(&r);
    assert!(k[..3].contains(&"std:3"), "{k:?}");
    let h = r.hits.iter().find(|h| h.key == "std:3").unwrap();
    let snip = h.title_snippet.as_deref().unwrap();
    assert!(snip.contains("<b>Quality</b> <b>management</b>"), "{snip}");
    let r = ix
        .search(&q("standard", "household appliance safety"))
        .unwrap();
    assert_eq!(keys(&r)[0], "std:5");
    let r = ix
        .search(&q("standard", "\"general requirements\""))
        .unwrap();
    assert_eq!(keys(&r), ["std:5"]);
}

#[test]
fn codes_rank_first() {
    let ix = index();
    let r = ix.search(&q("standard", "GB/T 1.1")).unwrap();
    assert_eq!(keys(&r)[0], "std:1", "{:?}", keys(&r));
    let r = ix.search(&q("standard", "gbt1.1")).unwrap();
    assert_eq!(keys(&r)[0], "std:1");
    let r = ix.search(&q("standard", "iso 9001")).unwrap();
    let k = keys(&r);
    assert!(
        k[..2].contains(&"std:3") && k[..2].contains(&"std:7"),
        "{k:?}"
    );
    let r = ix.search(&q("standard", "ISO 9001:2015")).unwrap();
    assert_eq!(keys(&r)[0], "std:3");
    let r = ix.search(&q("standard", "GB/T 19001-2016")).unwrap();
    assert_eq!(keys(&r)[0], "std:4");
    let r = ix.search(&q("standard", "IEC 60335-1")).unwrap();
    assert_eq!(keys(&r)[0], "std:5");
    let r = ix.search(&q("standard", "ＧＢ／Ｔ　１９００１")).unwrap();
    assert_eq!(keys(&r)[0], "std:4");
}

#[test]
fn domains_are_separate() {
    let ix = index();
    assert_eq!(ix.count("standard").unwrap(), 7);
    assert_eq!(ix.count("tbt").unwrap(), 3);
    let r = ix.search(&q("tbt", "electric")).unwrap();
    assert!(keys(&r).iter().all(|k| k.starts_with("tbt:")));
    assert_eq!(r.total, 2);
    let r = ix.search(&q("tbt", "电动自行车")).unwrap();
    assert_eq!(keys(&r), ["tbt:2"]);
}

#[test]
fn hierarchical_filters_and_facets() {
    let ix = index();
    let mut query = q("standard", "");
    query.filters = vec![("ics".into(), "03".into())];
    query.facet_fields = vec![
        "ics".into(),
        "ics:03".into(),
        "kind".into(),
        "status".into(),
    ];
    let r = ix.search(&query).unwrap();
    assert_eq!(r.total, 4);
    assert_eq!(r.facets["ics"], vec![("03".to_string(), 4)]);
    let sub = &r.facets["ics:03"];
    assert_eq!(sub, &vec![("03.120".to_string(), 4)]);
    assert_eq!(r.facets["kind"][0], ("iso".to_string(), 3));
    assert!(r.facets["status"].contains(&("withdrawn".to_string(), 1)));

    query.filters = vec![("ics".into(), "03.120.10".into())];
    assert_eq!(ix.search(&query).unwrap().total, 3);
    // OR within a name, AND across names.
    query.filters = vec![
        ("ics".into(), "03.120.20".into()),
        ("ics".into(), "13".into()),
        ("status".into(), "in_force".into()),
    ];
    let r = ix.search(&query).unwrap();
    let mut k = keys(&r);
    k.sort();
    assert_eq!(k, ["std:5", "std:6"]);
    query.filters.push(("kind".into(), "iec".into()));
    assert_eq!(keys(&ix.search(&query).unwrap()), ["std:5"]);

    let mut t = q("tbt", "");
    t.filters = vec![("hs".into(), "8414".into())];
    t.facet_fields = vec!["member".into(), "hs:8414".into()];
    let r = ix.search(&t).unwrap();
    assert_eq!(r.total, 2);
    assert_eq!(r.facets["member"].len(), 2);
    let hs: Vec<&str> = r.facets["hs:8414"]
        .iter()
        .map(|(v, _)| v.as_str())
        .collect();
    assert!(
        hs.contains(&"841451") && hs.contains(&"841460") && hs.contains(&"841459"),
        "{hs:?}"
    );
    t.filters = vec![("hs".into(), "84".into()), ("member".into(), "USA".into())];
    assert_eq!(keys(&ix.search(&t).unwrap()), ["tbt:1"]);
    t.filters = vec![("hs".into(), "87".into())];
    t.text = "bicycles".into();
    assert_eq!(keys(&ix.search(&t).unwrap()), ["tbt:2"]);
    t.filters = vec![("member".into(), "NOPE".into())];
    assert_eq!(ix.search(&t).unwrap().total, 0);
}

#[test]
fn date_sort_and_range() {
    let ix = index();
    let mut query = q("standard", "");
    let r = ix.search(&query).unwrap();
    assert_eq!(r.total, 7);
    assert_eq!(keys(&r)[0], "std:2"); // newest
    assert_eq!(*keys(&r).last().unwrap(), "std:7"); // no date: last
    assert!(r.hits[0].title_snippet.is_none());
    query.sort = Sort::DateAsc;
    let r = ix.search(&query).unwrap();
    assert_eq!(keys(&r)[0], "std:3");
    assert_eq!(*keys(&r).last().unwrap(), "std:7");
    query.date_from = Some(Y2016);
    query.date_to = Some(Y2020);
    let r = ix.search(&query).unwrap();
    assert_eq!(r.total, 4);
    let k = keys(&r);
    assert_eq!(k[..2], ["std:4", "std:6"]);
    assert!(k[2..].contains(&"std:1") && k[2..].contains(&"std:5"));
    query.sort = Sort::DateDesc;
    let r = ix.search(&query).unwrap();
    assert_eq!(keys(&r)[2..], ["std:6", "std:4"]);
    // text + date sort
    let mut query = q("standard", "quality management");
    query.sort = Sort::DateDesc;
    let r = ix.search(&query).unwrap();
    assert_eq!(keys(&r)[0], "std:6");
    // paging
    let mut query = q("standard", "");
    query.offset = 5;
    let r = ix.search(&query).unwrap();
    assert_eq!(r.total, 7);
    assert_eq!(r.hits.len(), 2);
    query.limit = 0;
    let r = ix.search(&query).unwrap();
    assert!(r.hits.is_empty());
    assert_eq!(r.total, 7);
}

#[test]
fn delete_and_replace() {
    let ix = index();
    let mut d = sample()[2].clone();
    d.title = "Totally new title about widgets".into();
    ix.upsert(&[d.clone(), d]).unwrap();
    ix.delete(&["std:5".to_string()]).unwrap();
    // Not visible before commit.
    assert_eq!(ix.search(&q("standard", "widgets")).unwrap().total, 0);
    ix.commit().unwrap();
    assert_eq!(
        keys(&ix.search(&q("standard", "widgets")).unwrap()),
        ["std:3"]
    );
    assert_eq!(ix.count("standard").unwrap(), 6);
    assert_eq!(ix.search(&q("standard", "household")).unwrap().total, 0);
    ix.delete_domain("tbt").unwrap();
    ix.commit().unwrap();
    assert_eq!(ix.count("tbt").unwrap(), 0);
    assert_eq!(ix.count("standard").unwrap(), 6);
}

#[test]
fn reopen_from_disk_and_wipe_incompatible() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("idx");
    {
        let ix = Index::open(&path).unwrap();
        ix.upsert(&sample()).unwrap();
        ix.commit().unwrap();
    }
    {
        let ix = Index::open(&path).unwrap();
        assert_eq!(ix.count("standard").unwrap(), 7);
        assert_eq!(
            keys(&ix.search(&q("standard", "GB/T 1.1")).unwrap())[0],
            "std:1"
        );
    }
    // Simulate an index written by an older schema version.
    std::fs::write(path.join("biaozhun-search.version"), "old").unwrap();
    let ix = Index::open(&path).unwrap();
    assert_eq!(ix.count("standard").unwrap(), 0);
    ix.upsert(&sample()).unwrap();
    ix.commit().unwrap();
    assert_eq!(ix.count("standard").unwrap(), 7);
    // A live writer elsewhere: the index is not wiped from under it.
    std::fs::write(path.join("biaozhun-search.version"), "old").unwrap();
    assert!(Index::open(&path).is_err());
    ix.upsert(&sample()[..1]).unwrap();
    ix.commit().unwrap();
    assert_eq!(ix.count("standard").unwrap(), 7);
    std::fs::write(
        path.join("biaozhun-search.version"),
        crate::index::SCHEMA_VERSION,
    )
    .unwrap();
    assert!(Index::open(&path).is_err(), "compatible but busy");
    assert_eq!(ix.count("standard").unwrap(), 7);
    // Garbage in the directory is also wiped.
    drop(ix);
    std::fs::write(path.join("meta.json"), "{not json").unwrap();
    let ix = Index::open(&path).unwrap();
    assert_eq!(ix.count("standard").unwrap(), 0);
}

#[test]
fn garbage_queries_do_not_panic() {
    let ix = index();
    let long = "质量".repeat(5000) + &"a:b(c)[d]\"".repeat(1000);
    let inputs = [
        "",
        " ",
        "\"",
        "\"\"",
        "\"unterminated phrase",
        "a:b",
        "title:foo",
        "(((",
        ")]}",
        "[1 TO 2]",
        "+-!^~*?\\/",
        "AND OR NOT",
        "\u{0}\u{1}\u{7f}",
        "🙂🙂",
        "ㄅㄆ",
        "ｑｕａｌｉｔｙ",
        "的",
        "的的的 和",
        "-",
        "...",
        "1",
        "1.",
        ".1",
        "GB/",
        "/T",
        "é",
        "İ",
        "ß",
        "\u{200b}",
        "<script>alert(1)</script>",
        "&amp;",
        &long,
        "the of and",
        "“引号”",
        "«quality»",
    ];
    for s in inputs {
        let mut query = q("standard", s);
        query.facet_fields = vec![
            "ics".into(),
            "".into(),
            ":".into(),
            "ics:".into(),
            "x\u{0}y".into(),
        ];
        query.filters = vec![
            ("".into(), "".into()),
            ("ics".into(), "..".into()),
            ("hs".into(), "x".into()),
        ];
        let r = ix.search(&query);
        assert!(r.is_ok(), "{s:?}: {r:?}");
    }
    let mut query = q("standard", "quality");
    query.offset = usize::MAX;
    query.limit = usize::MAX;
    assert!(ix.search(&query).is_ok());
}

#[test]
fn snippet_escapes_html() {
    let ix = Index::in_memory().unwrap();
    ix.upsert(&[doc("x:1", "d", "", "Fish & <chips> safety", "", &[], None)])
        .unwrap();
    ix.commit().unwrap();
    let r = ix.search(&q("d", "chips")).unwrap();
    assert_eq!(
        r.hits[0].title_snippet.as_deref(),
        Some("Fish &amp; &lt;<b>chips</b>&gt; safety")
    );
}

#[test]
fn concurrent_search() {
    let ix = index();
    std::thread::scope(|s| {
        for i in 0..4 {
            let ix = ix.clone();
            s.spawn(move || {
                for _ in 0..50 {
                    let r = ix
                        .search(&q("standard", if i % 2 == 0 { "iso 9001" } else { "导则" }))
                        .unwrap();
                    assert!(r.total > 0);
                }
            });
        }
    });
}

#[test]
fn hits_carry_their_payload() {
    let ix = index();
    let r = ix.search(&q("standard", "19001")).unwrap();
    assert!(!r.hits.is_empty());
    for h in &r.hits {
        assert_eq!(h.payload.as_deref(), Some(format!("payload of {}", h.key).as_str()));
    }
    // A document without a payload gives none back.
    let bare = Doc { key: "std:900".into(), domain: "standard".into(), code: "GB 900-2000".into(), ..Default::default() };
    ix.upsert(&[bare]).unwrap();
    ix.commit().unwrap();
    let r = ix.search(&q("standard", "GB 900-2000")).unwrap();
    assert_eq!(r.hits[0].key, "std:900");
    assert_eq!(r.hits[0].payload, None);
}

#[test]
fn facet_counts_follow_new_segments_and_replacements() {
    let ix = Index::in_memory().unwrap();
    let mk = |k: &str, m: &str, hs: &str| doc(k, "tbt", k, "title", "", &[("member", m), ("hs", hs)], None);
    ix.upsert(&[mk("tbt:1", "USA", "841451"), mk("tbt:2", "USA", "841459")]).unwrap();
    ix.commit().unwrap();
    let mut query = q("tbt", "");
    query.facet_fields = vec!["member".into(), "hs".into(), "hs:8414".into()];
    let r = ix.search(&query).unwrap();
    assert_eq!(r.facets["member"], vec![("USA".to_string(), 2)]);
    // Two codes under one heading count the heading once per document.
    assert_eq!(r.facets["hs"], vec![("84".to_string(), 2)]);
    // A second segment, and a replacement that moves tbt:2 to another member.
    ix.upsert(&[mk("tbt:3", "KOR", "030211"), mk("tbt:2", "EU", "841459")]).unwrap();
    ix.commit().unwrap();
    let r = ix.search(&query).unwrap();
    assert_eq!(r.facets["member"], vec![("EU".to_string(), 1), ("KOR".to_string(), 1), ("USA".to_string(), 1)]);
    assert_eq!(r.facets["hs"], vec![("84".to_string(), 2), ("03".to_string(), 1)]);
    assert_eq!(r.facets["hs:8414"], vec![("841451".to_string(), 1), ("841459".to_string(), 1)]);
    // Facet counts obey the text and filters of the search.
    query.filters = vec![("member".into(), "KOR".into())];
    let r = ix.search(&query).unwrap();
    assert_eq!(r.facets["member"], vec![("KOR".to_string(), 1)]);
    assert!(!r.facets["hs:8414"].iter().any(|(_, n)| *n > 0));
}

fn catalogue_index(docs: Vec<Doc>) -> Index {
    let ix = Index::in_memory().unwrap();
    ix.upsert(&docs).unwrap();
    ix.commit().unwrap();
    ix
}

#[test]
fn collapse_hides_folded_editions_unless_named_with_year() {
    let mut old = doc("std:10", "standard", "ISO 22301:2012", "Societal security — Business continuity management systems — Requirements", "", &[], None);
    old.folded = true;
    old.weight = 0.55;
    let mut new = doc("std:11", "standard", "ISO 22301:2019", "Security and resilience — Business continuity management systems — Requirements", "", &[], None);
    new.weight = 1.0;
    let mut ts = doc("std:12", "standard", "ISO/TS 22331:2018", "Security and resilience — Business continuity management systems — Guidelines for business continuity strategy", "", &[], None);
    ts.weight = 0.75;
    let ix = catalogue_index(vec![old, new, ts]);
    let mut query = q("standard", "business continuity management systems");
    query.collapse = true;
    let r = ix.search(&query).unwrap();
    assert_eq!(keys(&r), ["std:11", "std:12"]);
    query.collapse = false;
    assert_eq!(ix.search(&query).unwrap().total, 3);
    let mut named = q("standard", "ISO 22301:2012");
    named.collapse = true;
    assert_eq!(keys(&ix.search(&named).unwrap()).first(), Some(&"std:10"));
}

#[test]
fn folded_editions_are_found_by_numbers_and_title_words() {
    // Searched without collapsing (a filter on status reaches older editions).
    let mut old = doc("std:13", "standard", "ISO 22000:2005", "Food safety management systems — Requirements for any organization in the food chain", "", &[], None);
    old.folded = true;
    old.title_other = "Systèmes de management de la sécurité des denrées alimentaires".into();
    old.title_own = "Requirements for any organization in the food chain".into();
    let ix = catalogue_index(vec![old]);
    for found in ["ISO 22000:2005", "iso22000", "22000", "2200", "food safety", "fod safety management"] {
        assert_eq!(keys(&ix.search(&q("standard", found)).unwrap()), ["std:13"], "{found}");
    }
    // Not by its title in a further language: its lead is.
    assert!(ix.search(&q("standard", "sécurité des denrées")).unwrap().hits.is_empty());
}

#[test]
fn misspelt_and_british_words_match() {
    let ix = catalogue_index(vec![
        doc("std:20", "standard", "ISO 27002:2022", "Information security controls", "", &[], None),
        doc("std:21", "standard", "ISO 105-A01:2010", "Textiles — Tests for colour fastness — Part A01: General principles of testing", "", &[], None),
        doc("std:22", "standard", "ISO 9999:2020", "Assistive products — Classification", "", &[], None),
    ]);
    assert_eq!(keys(&ix.search(&q("standard", "informaton security controls")).unwrap()), ["std:20"]);
    assert_eq!(keys(&ix.search(&q("standard", "secruity")).unwrap()), ["std:20"]);
    assert_eq!(keys(&ix.search(&q("standard", "color fastness")).unwrap()), ["std:21"]);
    // A short word is never fuzzy.
    assert!(ix.search(&q("standard", "clasx")).unwrap().hits.is_empty());
}

#[test]
fn translations_let_chinese_reach_english_titles() {
    let ix = catalogue_index(vec![
        doc("std:30", "standard", "ISO 9001:2015", "Quality management systems — Requirements", "", &[], None),
        doc("std:31", "standard", "ISO 14001:2015", "Environmental management systems — Requirements with guidance for use", "", &[], None),
    ]);
    let mut query = q("standard", "质量管理体系");
    assert!(ix.search(&query).unwrap().hits.is_empty());
    query.translations = vec![("质量管理体系".into(), "quality management systems".into())];
    assert_eq!(keys(&ix.search(&query).unwrap()), ["std:30"]);
}

#[test]
fn titles_in_further_languages_are_found_as_written() {
    let mut iso = doc("std:40", "standard", "ISO 22000:2018", "Food safety management systems — Requirements for any organization in the food chain", "", &[], None);
    iso.title_other = "Systèmes de management de la sécurité des denrées alimentaires — Exigences pour tout organisme appartenant à la chaîne alimentaire".into();
    let other = doc("std:41", "standard", "ISO 9001:2015", "Quality management systems — Requirements", "", &[], None);
    let ix = catalogue_index(vec![iso, other]);
    // Accents folded; a short word (`lait`-like) without fuzzy help is still found as written.
    assert_eq!(keys(&ix.search(&q("standard", "sécurité des denrées")).unwrap()), ["std:40"]);
    assert_eq!(keys(&ix.search(&q("standard", "chaine alimentaire")).unwrap()), ["std:40"]);
    assert_eq!(keys(&ix.search(&q("standard", "tout")).unwrap()), ["std:40"]);
    // Not stemmed and never highlighted: the snippet shows the English title.
    let r = ix.search(&q("standard", "food exigences")).unwrap();
    assert_eq!(keys(&r), ["std:40"]);
    assert!(r.hits[0].title_snippet.as_deref().is_some_and(|s| !s.contains("Exigences")));
}

#[test]
fn two_character_numbers_are_not_searched_as_substrings() {
    let ix = catalogue_index(vec![
        doc("std:50", "standard", "ISO 14501:2020", "Bearings", "", &[], None),
        doc("std:51", "standard", "ISO 45001:2018", "Occupational health and safety management systems", "", &[], None),
    ]);
    // Three characters or more: any part of a number.
    assert_eq!(keys(&ix.search(&q("standard", "4500")).unwrap()), ["std:51"]);
    assert_eq!(keys(&ix.search(&q("standard", "501")).unwrap()), ["std:50"]);
    // Two are inside too many numbers to mean one of them.
    assert!(ix.search(&q("standard", "45")).unwrap().hits.is_empty());
}
