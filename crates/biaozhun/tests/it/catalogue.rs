//! The catalogue as a standards user searches it (issue 14): one result per document with its
//! editions folded under the edition in force, ranking by status and type, misspelt and
//! British words, Chinese queries reaching the ISO and IEC catalogues (adoptions and the
//! glossary), import summaries that account for every row, and the standard's page.

use crate::scenario;
use crate::support::TestApp;
use reqwest::Method;
use std::io::Read;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

/// Lines of a catalogue whose number starts with one of `prefixes` (`"ISO 22301"` keeps
/// `ISO 22301:2019`, `ISO 22301:2019/Amd 1:2024` …).
fn records(name: &str, prefixes: &[&str]) -> String {
    let bytes = std::fs::read(format!("{DATA}/catalogues/{name}")).expect("catalogue");
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_string(&mut text).expect("gunzip");
    text.lines()
        .filter(|l| {
            let Some(rest) = l.split("\"docid\": \"").nth(1) else { return false };
            let docid = rest.split('"').next().unwrap_or("");
            prefixes.iter().any(|p| docid == *p || docid.starts_with(&format!("{p}:")) || docid.starts_with(&format!("{p}/")) || docid.starts_with(&format!("{p}.")))
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

async fn import(t: &TestApp, name: &str, bytes: &[u8]) -> biaozhun::standards::import::Report {
    let r = biaozhun::standards::import::import_bytes(&t.app, name, bytes, biaozhun::standards::import::Progress::None).await.expect("import");
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
    r
}

/// The standard numbers of a search answer, in rank order.
pub(crate) fn numbers(j: &serde_json::Value) -> Vec<String> {
    j["items"].as_array().unwrap().iter().map(|i| i["number"].as_str().unwrap().to_string()).collect()
}

async fn search(t: &TestApp, q: &str) -> serde_json::Value {
    let path = format!("/api/v1/standards?q={}", percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC));
    t.client().api(Method::GET, &path, None).await.json()
}

const ISO_FAMILIES: &[&str] = &[
    "ISO 22301", "ISO/TS 22331", "ISO 22313", "ISO 55001", "ISO/DIS 55001", "ISO/FDIS 55001", "ISO 55000", "ISO 9001", "ISO/CD 9001",
    "ISO 9002", "ISO 9003", "ISO 9000", "ISO 9004", "ISO 10005", "ISO/IEC 27002", "ISO/IEC 27001", "ISO 105-A01", "ISO 105-A02", "ISO 690", "ISO 13485",
    "ISO 14001", "ISO 8124-1",
];

async fn seed(t: &TestApp) {
    let iso = records("iso.jsonl.gz", ISO_FAMILIES);
    import(t, "iso.jsonl", iso.as_bytes()).await;
    let iec = records("iec.jsonl.gz", &["IEC 62115", "ISO/IEC 27002", "IEC 60335-1", "IEC 60335-2-40"]);
    import(t, "iec.jsonl", iec.as_bytes()).await;
}

scenario!(one_hit_per_document_with_the_edition_in_force, |t: TestApp| async move {
    seed(&t).await;
    let j = search(&t, "business continuity management systems").await;
    let n = numbers(&j);
    assert_eq!(n.first().map(String::as_str), Some("ISO 22301:2019"), "{n:?}");
    // The withdrawn edition and the amendments are folded under it, not listed.
    assert_eq!(n.iter().filter(|x| x.starts_with("ISO 22301")).count(), 1, "{n:?}");
    let lead = &j["items"][0];
    assert!(lead["folded_count"].as_u64().unwrap() >= 2, "{lead}");
    assert_eq!(lead["folded"]["earlier"], 1, "{lead}");
    assert!(lead["folded"]["amendments"].as_u64().unwrap() >= 1, "{lead}");
    assert_eq!(j["grouped"], true);
    // A technical specification ranks below the standard for the same words.
    let ts = n.iter().position(|x| x.starts_with("ISO/TS 22331"));
    assert!(ts.is_none_or(|p| p > 0), "{n:?}");

    // Drafts of the next edition fold too: ISO 55001:2024 leads its family.
    let n = numbers(&search(&t, "asset management systems requirements").await);
    assert_eq!(n.first().map(String::as_str), Some("ISO 55001:2024"), "{n:?}");
    assert!(!n.iter().any(|x| x.contains("DIS 55001")), "{n:?}");
    // One result for IEC 62115 (not its consolidated versions and amendments).
    let n = numbers(&search(&t, "electric toys safety").await);
    assert_eq!(n.iter().filter(|x| x.contains("62115")).count(), 1, "{n:?}");
    assert_eq!(n[0], "IEC 62115:2017", "{n:?}");

    // A query naming an edition by its year finds that edition.
    let n = numbers(&search(&t, "ISO 22301:2012").await);
    assert_eq!(n.first().map(String::as_str), Some("ISO 22301:2012"), "{n:?}");
    let n = numbers(&search(&t, "ISO 9001:2008").await);
    assert_eq!(n.first().map(String::as_str), Some("ISO 9001:2008"), "{n:?}");
    // A number without year means the current edition, and it comes first.
    let n = numbers(&search(&t, "ISO 9001").await);
    assert_eq!(n.first().map(String::as_str), Some("ISO 9001:2015"), "{n:?}");
    assert_eq!(n.iter().filter(|x| x.starts_with("ISO 9001") || x.starts_with("ISO/CD 9001")).count(), 1, "{n:?}");
    let n = numbers(&search(&t, "ISO 27002").await);
    assert_eq!(n.first().map(String::as_str), Some("ISO/IEC 27002:2022"), "{n:?}");

    // A status filter reaches the folded editions.
    let j = t.client().api(Method::GET, "/api/v1/standards?q=business+continuity&status=withdrawn", None).await.json();
    assert!(numbers(&j).contains(&"ISO 22301:2012".to_string()), "{j}");
    assert_eq!(j["grouped"], false);

    // Parts rank below the main part for the same words.
    let n = numbers(&search(&t, "household and similar electrical appliances safety").await);
    let p1 = n.iter().position(|x| x.starts_with("IEC 60335-1")).expect("part 1");
    let p2 = n.iter().position(|x| x.starts_with("IEC 60335-2-40")).unwrap_or(usize::MAX);
    assert!(p1 < p2, "{n:?}");

    // The page says what each hit folds, in the visitor's language.
    let c = t.client();
    let r = c.get("/standards?q=business+continuity+management+systems").await;
    assert!(r.text.contains("1 个早期版本"), "{}", r.text);
    c.get("/lang/en?next=/").await;
    let r = c.get("/standards?q=business+continuity+management+systems").await;
    assert!(r.text.contains("1 earlier editions"), "{}", r.text);
});

scenario!(misspelt_and_british_words_still_find_the_standard, |t: TestApp| async move {
    seed(&t).await;
    for (q, want) in [
        ("buisness continuity", "ISO 22301:2019"),
        ("informaton security controls", "ISO/IEC 27002:2022"),
        ("enviromental management systems", "ISO 14001:2015"),
        ("medical devises quality management", "ISO 13485:2016"),
        ("electic toys safety", "IEC 62115:2017"),
    ] {
        let n = numbers(&search(&t, q).await);
        assert!(n.iter().take(3).any(|x| x == want), "{q}: {n:?}");
    }
    // American spelling of a British title, and the British one, find the same standard.
    for q in ["color fastness general principles of testing", "colour fastness general principles of testing"] {
        let n = numbers(&search(&t, q).await);
        assert_eq!(n.first().map(String::as_str), Some("ISO 105-A01:2010"), "{q}: {n:?}");
    }
    // Singular for plural.
    let n = numbers(&search(&t, "quality management system requirement").await);
    assert_eq!(n.first().map(String::as_str), Some("ISO 9001:2015"), "{n:?}");
});

scenario!(chinese_queries_reach_international_standards, |t: TestApp| async move {
    seed(&t).await;
    // Only ISO and IEC records: the glossary carries the Chinese words over.
    let j = search(&t, "质量管理").await;
    let n = numbers(&j);
    assert!(n.iter().take(5).any(|x| x == "ISO 9001:2015"), "{n:?}");
    assert!(j["glossary"].as_array().unwrap().iter().any(|g| g["zh"] == "质量管理" && g["en"] == "quality management"), "{j}");
    let n = numbers(&search(&t, "医疗器械 质量管理体系").await);
    assert_eq!(n.first().map(String::as_str), Some("ISO 13485:2016"), "{n:?}");
    let n = numbers(&search(&t, "信息安全控制").await);
    assert_eq!(n.first().map(String::as_str), Some("ISO/IEC 27002:2022"), "{n:?}");
    // The page names the glossary term it used.
    let r = t.client().get("/standards?q=%E8%B4%A8%E9%87%8F%E7%AE%A1%E7%90%86").await;
    assert!(r.text.contains("已按术语表同时检索英文") && r.text.contains("quality management"), "{}", r.text);

    // An adoption carries the Chinese title to the adopted standard (and its current
    // edition), and the English title to the national standard.
    let csv = "标准号,中文标准名称,标准状态,发布日期,采用国际标准\nGB/T 7714-2015,信息与文献 参考文献著录规则,现行,2015-05-15,ISO 690:2010 MOD\n";
    import(&t, "gb.csv", csv.as_bytes()).await;
    let n = numbers(&search(&t, "参考文献著录规则").await);
    assert!(n.contains(&"GB/T 7714-2015".to_string()), "{n:?}");
    assert!(n.contains(&"ISO 690:2021".to_string()), "{n:?}");
    let n = numbers(&search(&t, "bibliographic references").await);
    assert!(n.contains(&"GB/T 7714-2015".to_string()), "{n:?}");
    // No glossary term for a query it does not cover.
    let j = search(&t, "参考文献著录规则").await;
    assert!(j["glossary"].as_array().unwrap().is_empty(), "{j}");
});

scenario!(import_summaries_account_for_every_row, |t: TestApp| async move {
    // A joint document listed twice in one file is stored once: the second row is merged.
    let csv = "标准号,中文标准名称,英文标准名称,标准状态\nISO/IEC 27002:2022,,Information security controls,现行\nISO/IEC 27002:2022,信息安全控制,,现行\nGB/T 19001-2016,质量管理体系 要求,,现行\n";
    let r = import(&t, "joint.csv", csv.as_bytes()).await;
    assert_eq!((r.rows, r.created, r.merged), (3, 2, 1), "{r:?}");
    assert_eq!(r.rows, r.created + r.updated + r.unchanged + r.merged, "{r:?}");
    assert!(r.summary().contains("1 merged into other records"), "{}", r.summary());
    let j = t.client().api(Method::GET, "/api/v1/standards/ISO%2FIEC%2027002%3A2022", None).await.json();
    assert_eq!(j["title_zh"], "信息安全控制", "{j}");
    assert_eq!(j["title_en"], "Information security controls", "{j}");
});

scenario!(both_catalogues_in_one_command_are_merged_and_indexed_as_stored, |t: TestApp| async move {
    // `biaozhun import standards iso.jsonl.gz iec.jsonl.gz`: the joint documents both list
    // are merged in memory and written once, and the command's own index takes each batch's
    // documents as it is stored (the follower then has nothing of the import left to read).
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
    let dir = &t.app.config.data_dir;
    let (iso, iec) = (dir.join("iso.jsonl"), dir.join("iec.jsonl"));
    std::fs::write(&iso, records("iso.jsonl.gz", &["ISO/IEC 27002", "ISO 9001"])).unwrap();
    std::fs::write(&iec, records("iec.jsonl.gz", &["ISO/IEC 27002", "IEC 62115"])).unwrap();
    let summary = biaozhun::standards::import::run_cli(&t.app, &[iso, iec]).await.expect("import");
    assert!(summary.contains(", 0 updated,") && !summary.contains(" 0 merged"), "{summary}");
    assert_eq!(biaozhun::indexer::follow_once(&t.app).await.unwrap(), 0, "the import's log entries are read again");
    let joint: String = sqlx::query_scalar("SELECT source FROM standards WHERE norm = 'ISO/IEC 27002:2022'").fetch_one(&t.app.db.pool).await.unwrap();
    assert!(joint.contains("relaton:iso") && joint.contains("relaton:iec"), "{joint}");
    // Searchable at once, folded as a lead: one hit for the joint document.
    let j = search(&t, "ISO 27002").await;
    assert_eq!(numbers(&j).first().map(String::as_str), Some("ISO/IEC 27002:2022"), "{j}");
    assert!(j["items"][0]["folded_count"].as_u64().unwrap() >= 1, "{j}");
    assert!(numbers(&search(&t, "toys safety").await).iter().any(|n| n.starts_with("IEC 62115")));
    // The French title is found by its words as written (accents or not).
    let j = search(&t, "systèmes de management de la qualite").await;
    assert_eq!(numbers(&j).first().map(String::as_str), Some("ISO 9001:2015"), "{j}");
    // An edit after the import still reaches the index through the log.
    sqlx::query("UPDATE standards SET title_en = 'Quality management systems — Requirements (relabelled)' WHERE norm = 'ISO 9001:2015'").execute(&t.app.db.pool).await.unwrap();
    let id: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE norm = 'ISO 9001:2015'").fetch_one(&t.app.db.pool).await.unwrap();
    let mut tx = t.app.db.begin().await.unwrap();
    biaozhun::indexer::changed(&mut tx, "standards", &[id]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(biaozhun::indexer::follow_once(&t.app).await.unwrap(), 1);
    assert_eq!(numbers(&search(&t, "relabelled").await), ["ISO 9001:2015"]);
});

scenario!(a_standards_page_shows_one_clear_timeline, |t: TestApp| async move {
    seed(&t).await;
    let cn = std::fs::read(format!("{DATA}/samples/cn_standards_examples.jsonl")).unwrap();
    import(&t, "cn_standards_examples.jsonl", &cn).await;
    let c = t.client();
    let j = c.api(Method::GET, "/api/v1/standards/ISO%209001%3A2015", None).await.json();
    let tl = &j["timeline"];
    let editions: Vec<&str> = tl["editions"].as_array().unwrap().iter().map(|e| e["number"].as_str().unwrap()).collect();
    // Every edition once, oldest first; the amendments nested under their edition.
    assert_eq!(editions, ["ISO 9001:1987", "ISO 9001:1994", "ISO 9001:2000", "ISO 9001:2008", "ISO 9001:2015"], "{tl}");
    let e1994 = &tl["editions"][1];
    assert_eq!(e1994["amendments"][0]["number"], "ISO 9001:1994+COR1:1995", "{tl}");
    let e2015 = &tl["editions"][4];
    assert_eq!(e2015["this"], true);
    assert!(e2015["amendments"].as_array().unwrap().iter().any(|a| a["number"] == "ISO 9001:2015+AMD1:2024"), "{tl}");
    // Drafts are in development, never successors.
    let dev: Vec<&str> = tl["in_development"].as_array().unwrap().iter().map(|e| e["number"].as_str().unwrap()).collect();
    assert!(dev.contains(&"ISO/CD 9001"), "{tl}");
    assert!(!j["replaced_by"].as_array().unwrap().iter().any(|l| l["number"].as_str().unwrap().contains("CD")), "{j}");
    assert_eq!(j["status"], "in_force");
    // ISO 9002 and 9003 were merged into ISO 9001:2000: related, not editions.
    let related: Vec<(&str, &str)> = tl["related"].as_array().unwrap().iter().map(|r| (r["number"].as_str().unwrap(), r["relation"].as_str().unwrap())).collect();
    assert!(related.contains(&("ISO 9002:1994", "merged_into")), "{related:?}");
    assert!(related.contains(&("ISO 9003:1994", "merged_into")), "{related:?}");
    assert!(related.iter().all(|r| !r.0.contains("COR") && !r.0.contains("WD")), "{related:?}");
    // Adoptions both ways.
    assert_eq!(j["adopted_by"][0]["number"], "GB/T 19001-2016", "{j}");
    let g = c.api(Method::GET, "/api/v1/standards/GB%2FT%2019001-2016", None).await.json();
    assert_eq!(g["adopts"][0]["number"], "ISO 9001:2015", "{g}");

    // The page shows the same, each edition once.
    let r = c.get("/standards/ISO%209001%3A2015").await;
    let page = r.text.replace("&#x2f;", "/");
    assert_eq!(page.matches(">ISO 9001:2008<").count(), 1, "{page}");
    assert!(page.contains("制修订中") && page.contains("相关标准") && page.contains("并入 ISO 9001:2000"), "{page}");
    // Any spelling still redirects to the canonical page.
    let r = c.get("/standards/iso9001").await;
    assert_eq!(r.location(), "/standards/ISO%209001%3A2015");
});
