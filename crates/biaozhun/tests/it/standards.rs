//! Standards catalogue: import of real samples, search, detail, validity check, watchlists,
//! feeds and exports.

use crate::scenario;
use crate::support::TestApp;
use reqwest::{Method, StatusCode};
use std::io::{Read, Write};

/// The test data shipped in the repository (tests/data/README.md).
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

/// The first `n` lines of a gzipped catalogue, gzipped again.
fn head_gz(name: &str, n: usize) -> Vec<u8> {
    let bytes = std::fs::read(format!("{DATA}/catalogues/{name}")).expect("catalogue");
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_string(&mut text).expect("gunzip");
    let head: String = text.lines().take(n).map(|l| format!("{l}\n")).collect();
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(head.as_bytes()).unwrap();
    enc.finish().unwrap()
}

/// Lines of a catalogue that mention `needle` (so the tests hold ISO 9001 whatever its position).
fn grep_gz(name: &str, needle: &str) -> String {
    let bytes = std::fs::read(format!("{DATA}/catalogues/{name}")).expect("catalogue");
    let mut text = String::new();
    flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_string(&mut text).expect("gunzip");
    text.lines().filter(|l| l.contains(needle)).map(|l| format!("{l}\n")).collect()
}

/// Page text with the escaped slashes of minijinja turned back.
fn html(s: &str) -> String {
    s.replace("&#x2f;", "/")
}

async fn import(t: &TestApp, name: &str, bytes: &[u8]) -> biaozhun::standards::import::Report {
    let r = biaozhun::standards::import::import_bytes(&t.app, name, bytes, biaozhun::standards::import::Progress::None).await.expect("import");
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
    r
}

const CHAIN_CSV: &str = "标准号,中文标准名称,标准状态,发布日期,实施日期,ICS,中国标准分类号,代替标准,备注,起草单位\n\
GB/T 1.1—2000,标准化工作导则 第1部分：标准的结构和编写规则,废止,2000年10月17日,2000-12-1,01.120,A00,,,中国标准化研究院、全国标准化原理与方法标准化技术委员会\n\
ＧＢ／Ｔ　１．１－２００９,标准化工作导则 第1部分：标准的结构和编写,被代替,2009/6/17,2010-1-1,01.120; 99.999,A00,GB/T 1.1-2000,,\n\
GB 8898-2011,音频、视频及类似电子设备 安全要求,,2011-12-30,2012-12-01,97.020,,,,\n\
GB 4943.1-2022,音视频、信息技术和通信技术设备 第1部分：安全要求,现行,2022-07-19,2023-08-01,33.160,,GB 4943.1-2011、GB 8898-2011,,\n\
GB/T 99999-2020,坏日期的标准,现行,2020-13-45,,,,,,\n\
,没有标准号,现行,,,,,,,\n";

async fn seed(t: &TestApp) {
    let cn = std::fs::read(format!("{DATA}/samples/cn_standards_examples.jsonl")).unwrap();
    let r = import(t, "cn_standards_examples.jsonl", &cn).await;
    assert_eq!(r.created, 7, "{r:?}");
    let r = import(t, "chain.csv", CHAIN_CSV.as_bytes()).await;
    assert_eq!(r.created, 5, "{r:?}");
    // The bad date is reported with its line and column; the row itself is kept.
    assert!(r.errors.iter().any(|e| e.line == 6 && e.column == "发布日期"), "{:?}", r.errors);
    assert!(r.errors.iter().any(|e| e.line == 3 && e.column == "ICS" && e.message.contains("99.999")), "{:?}", r.errors);
    assert!(r.errors.iter().any(|e| e.line == 7 && e.column == "标准号"), "{:?}", r.errors);
    let iso = head_gz("iso.jsonl.gz", 2000);
    let r = import(t, "iso.jsonl.gz", &iso).await;
    assert!(r.created > 1500, "{r:?}");
    let iec = head_gz("iec.jsonl.gz", 2000);
    import(t, "iec.jsonl.gz", &iec).await;
    let extra = grep_gz("iso.jsonl.gz", "\"docid\": \"ISO 9001");
    assert!(!extra.is_empty());
    import(t, "iso-9001.jsonl", extra.as_bytes()).await;
}

scenario!(standards_import_search_detail, |t: TestApp| async move {
    seed(&t).await;
    // Idempotent: the same files again change nothing.
    let r = import(&t, "chain.csv", CHAIN_CSV.as_bytes()).await;
    assert_eq!((r.created, r.updated), (0, 0), "{r:?}");
    let iso = head_gz("iso.jsonl.gz", 2000);
    let r = import(&t, "iso.jsonl.gz", &iso).await;
    assert_eq!((r.created, r.updated), (0, 0), "{r:?}");

    let c = t.client();
    let j = c.api(Method::GET, "/api/v1/standards?q=19001", None).await.json();
    let nums: Vec<String> = j["items"].as_array().unwrap().iter().map(|i| i["number"].as_str().unwrap().to_string()).collect();
    assert_eq!(nums.first().map(String::as_str), Some("GB/T 19001-2016"), "{nums:?}");
    assert!(nums.iter().any(|n| n.starts_with("ISO 9001")), "{nums:?}");
    let j = c.api(Method::GET, "/api/v1/standards?q=%E6%A0%87%E5%87%86%E5%8C%96%E5%B7%A5%E4%BD%9C%E5%AF%BC%E5%88%99", None).await.json();
    assert!(j["items"].as_array().unwrap().iter().any(|i| i["number"] == "GB/T 1.1-2020"), "{j}");
    let j = c.api(Method::GET, "/api/v1/standards?q=quality+management", None).await.json();
    assert!(j["items"].as_array().unwrap().iter().take(20).any(|i| i["number"].as_str().unwrap().starts_with("ISO 9001")), "{j}");
    // Filters and facets.
    let j = c.api(Method::GET, "/api/v1/standards?status=in_force&kind=national_recommended", None).await.json();
    assert!(j["total"].as_u64().unwrap() >= 2);
    assert!(j["items"].as_array().unwrap().iter().all(|i| i["status"] == "in_force"));
    let j = c.api(Method::GET, "/api/v1/standards?ics=01&kind=national_recommended&facets=true", None).await.json();
    assert!(j["items"].as_array().unwrap().iter().any(|i| i["number"] == "GB/T 1.1-2020"), "{j}");
    assert!(j["facets"]["kind"].as_array().is_some());
    let plain = c.api(Method::GET, "/api/v1/standards?ics=01", None).await.json();
    assert!(plain["facets"].as_object().is_none_or(|f| f.is_empty()), "facets are counted only on request");

    // Pages.
    let r = c.get("/standards?q=19001").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(html(&r.text).contains("GB/T 19001-2016"));
    let r = c.get("/standards/export.xlsx?q=19001").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.as_bytes().starts_with(b"PK") || r.headers["content-type"].to_str().unwrap().contains("spreadsheet"));
    let r = c.get("/standards/export.csv?q=19001").await;
    assert!(r.text.contains("GB/T 19001-2016"));

    // Detail by any spelling redirects to the canonical number.
    let r = c.get("/standards/GBT19001-2016").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/standards/GB%2FT%2019001%2D2016");
    let j = c.api(Method::GET, "/api/v1/standards/GB%2FT%2019001%E2%80%942016", None).await.json();
    assert_eq!(j["number"], "GB/T 19001-2016");
    assert_eq!(j["adopts"][0]["number"], "ISO 9001:2015");
    assert_eq!(j["adopts"][0]["degree"], "IDT");
    let j = c.api(Method::GET, "/api/v1/standards/ISO%209001%3A2015", None).await.json();
    assert_eq!(j["adopted_by"][0]["number"], "GB/T 19001-2016", "{j}");
    let j = c.api(Method::GET, "/api/v1/standards/GB%2FT%201.1-2009", None).await.json();
    assert_eq!(j["replaces"][0]["number"], "GB/T 1.1-2000");
    assert_eq!(j["status"], "replaced");
    let r = c.get(&format!("/standards/{}", "GB%2FT%201.1-2020")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(html(&r.text).contains("GB/T 1.1-2000") && html(&r.text).contains("GB/T 1.1-2009"), "timeline");
    assert_eq!(c.get("/standards/NOPE%20123").await.status, StatusCode::NOT_FOUND);

    // Feeds are well-formed Atom.
    let r = c.get("/standards/feeds/new.atom?kind=national_recommended").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.starts_with("<?xml") && r.text.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">") && r.text.trim_end().ends_with("</feed>"));
    assert!(r.text.contains("GB/T 1.1-2020"));
    assert_eq!(r.text.matches("<entry>").count(), r.text.matches("</entry>").count());
    assert!(!r.text.contains("& "), "unescaped ampersand");
    assert_eq!(c.get("/standards/feeds/nope.atom").await.status, StatusCode::NOT_FOUND);
});

scenario!(standards_validity_check, |t: TestApp| async move {
    seed(&t).await;
    let c = t.client();
    let text = "GB/T 1.1-2000\n按照GB/T 19001的规定，以及 GB 8898-2011。\nGB/T 5606.1-1996\nXYZ 123-2001\nISO 9001:1987\nGB/T 20223-2006\n";
    let j = c.api(Method::POST, "/api/v1/standards/check", Some(serde_json::json!({"text": text}))).await.json();
    let items = j["items"].as_array().unwrap();
    let by = |n: &str| items.iter().find(|i| i["recognised"] == n).unwrap_or_else(|| panic!("{n} in {j}")).clone();
    let a = by("GB/T 1.1-2000");
    assert_eq!(a["status"], "replaced", "{a}");
    assert_eq!(a["current"], "GB/T 1.1-2020", "{a}");
    assert_eq!(a["chain"], serde_json::json!(["GB/T 1.1-2009", "GB/T 1.1-2020"]));
    let b = by("GB/T 19001");
    assert_eq!(b["number"], "GB/T 19001-2016");
    assert_eq!(b["current"], "GB/T 19001-2016");
    let g = by("GB 8898-2011");
    assert_eq!(g["status"], "replaced", "{g}");
    assert_eq!(g["current"], "GB 4943.1-2022");
    let old = by("GB/T 5606.1-1996");
    // No record of its own, but the 2004 edition says it replaces it.
    assert!(old["number"].is_null(), "not imported: {old}");
    assert_eq!(old["status"], "replaced", "{old}");
    assert_eq!(old["current"], "GB/T 5606.1-2004", "{old}");
    let iso = by("ISO 9001:1987");
    assert_eq!(iso["status"], "replaced");
    assert!(iso["current"].as_str().unwrap().starts_with("ISO 9001:"), "{iso}");
    let w = by("GB/T 20223-2006");
    assert_eq!(w["status"], "withdrawn");
    assert!(w["current"].is_null());
    assert_eq!(w["outcome"], "no_successor");
    let no = j["check_no"].as_str().unwrap().to_string();
    assert!(no.starts_with("CX-"));
    let r = c.get(&format!("/standards/check/{no}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains(&no) && html(&r.text).contains("GB/T 1.1-2020"));
    let r = c.get(&format!("/standards/check/{no}/xlsx")).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = c.get("/standards/check/CX-1999-000001").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = c.api(Method::POST, "/api/v1/standards/check", Some(serde_json::json!({"text": "  "}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A Word document built here.
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(r#"<?xml version="1.0"?><w:document><w:body><w:p><w:r><w:t>依据 GB/T 1.1-2009 &amp; GB 8898-2011</w:t></w:r></w:p></w:body></w:document>"#.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    let csrf = c.csrf().await;
    let part = reqwest::multipart::Part::bytes(buf.into_inner()).file_name("list.docx");
    let form = reqwest::multipart::Form::new().part("file", part);
    let r = c.http.post(c.url(&format!("/standards/check/upload?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    let page = c.get(&loc).await;
    assert!(html(&page.text).contains("GB 4943.1-2022"), "{}", page.text);

    // 10,000 lines in one request (logged in; a visitor's check takes 2,000).
    let big: String = (0..10_000).map(|i| if i % 2 == 0 { "GB/T 1.1-2000\n" } else { "GB 8898-2011\n" }).collect();
    let user = t.user("big_list").await;
    let start = std::time::Instant::now();
    let j = user.api(Method::POST, "/api/v1/standards/check", Some(serde_json::json!({"text": big}))).await.json();
    assert_eq!(j["items"].as_array().unwrap().len(), 10_000);
    assert!(start.elapsed().as_secs() < 10);
});

scenario!(standards_watchlist_and_staff, |t: TestApp| async move {
    seed(&t).await;
    let u = t.user("watcher").await;
    let r = u.api(Method::POST, "/api/v1/standards/watchlist", Some(serde_json::json!({"numbers": "GB/T 19001-2016, GB 8898-2011", "frequency": "immediate"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 2);
    assert_eq!(u.get("/standards/watchlist").await.status, StatusCode::OK);
    // A new edition arrives.
    let csv = "标准号,中文标准名称,标准状态,发布日期\nGB/T 19001-2026,质量管理体系 要求,现行,2026-01-01\n";
    import(&t, "new.csv", csv.as_bytes()).await;
    let n = t.count("SELECT COUNT(*) FROM notifications WHERE kind = 'standards'").await;
    assert!(n >= 1, "notification");
    let (subject, body, _) = t.last_mail("watcher@example.com").await;
    assert!(subject.contains("GB/T 19001-2026") || body.contains("GB/T 19001-2026"), "{subject} {body}");
    let j = u.api(Method::GET, "/api/v1/standards/watchlist", None).await.json();
    assert_eq!(j["frequency"], "immediate");
    let r = u.api(Method::DELETE, "/api/v1/standards/watchlist?number=GB%208898-2011", None).await;
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(t.client().api(Method::GET, "/api/v1/standards/watchlist", None).await.status, StatusCode::UNAUTHORIZED);

    // Staff import page → job → progress page.
    assert_eq!(u.get("/staff/standards/import").await.status, StatusCode::FORBIDDEN);
    let s = t.user_with_roles("staffer", &[biaozhun::auth::Role::Staff]).await;
    assert_eq!(s.get("/staff/standards/import").await.status, StatusCode::OK);
    let csrf = s.csrf().await;
    let part = reqwest::multipart::Part::bytes(b"number,title_en,status\nGB/T 30000-2013,Something,in force\n".to_vec()).file_name("x.csv");
    let r = s.http.post(s.url(&format!("/staff/standards/import?_csrf={csrf}"))).multipart(reqwest::multipart::Form::new().part("file", part)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("/staff/jobs/"));
    t.run_jobs().await;
    let page = s.get(&loc).await;
    // The counts in the page's language.
    assert!(page.text.contains("新增 1 条"), "{}", page.text);
});

scenario!(superseded_numbers_missing_from_the_catalogue_still_resolve, |t: TestApp| async move {
    let cn = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/samples/cn_standards_examples.jsonl")).unwrap();
    biaozhun::standards::import::import_bytes(&t.app, "cn.jsonl", &cn, biaozhun::standards::import::Progress::None).await.unwrap();
    let c = t.client();
    // GB/T 5606.1-1996 has no record of its own; GB/T 5606.1-2004 says it replaces it.
    // GB/T 19001-2008 is unknown, but a later edition (2016) is in force.
    let r = c.api(reqwest::Method::POST, "/api/v1/standards/check", Some(serde_json::json!({"text": "GB/T 5606.1—1996\nGB/T 19001-2008\nGB/T 99999-2001"}))).await;
    assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.text);
    let items = r.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["status"], "replaced");
    assert_eq!(items[0]["current"], "GB/T 5606.1-2004");
    assert_eq!(items[1]["status"], "replaced");
    assert_eq!(items[1]["current"], "GB/T 19001-2016");
    assert!(items[2]["current"].is_null() && items[2]["number"].is_null(), "an unknown number is reported as such");
});

scenario!(standards_disclosed_patents, |t: TestApp| async move {
    // A 专利 column: entries split on Chinese or Latin separators, kept as declared.
    let csv = "标准号,中文标准名称,涉及专利\n\
GB/T 39000-2020,示例标准,ZL201510123456.7 一种数据传输方法（示例通信有限公司）；ZL201620000001.2 一种连接装置（示例电气股份有限公司）\n\
GB/T 39001-2020,没有专利的标准,\n";
    let r = import(&t, "patents.csv", csv.as_bytes()).await;
    assert_eq!((r.created, r.errors.len()), (2, 0), "{r:?}");
    let c = t.client();
    let j = c.api(Method::GET, "/api/v1/standards/GB%2FT%2039000-2020", None).await.json();
    assert_eq!(j["patents"].as_array().map(Vec::len), Some(2), "{j}");
    assert!(j["patents"][0].as_str().unwrap().starts_with("ZL201510123456.7"), "{j}");
    let j = c.api(Method::GET, "/api/v1/standards/GB%2FT%2039001-2020", None).await.json();
    assert_eq!(j["patents"].as_array().map(Vec::len), Some(0), "{j}");
    let page = c.get("/standards/GB%2FT%2039000-2020").await;
    assert!(page.text.contains("涉及专利") && page.text.contains("ZL201620000001.2"), "detail page lists the patents");
    // Re-importing the same file changes nothing; a file without the column keeps them.
    let r = import(&t, "patents.csv", csv.as_bytes()).await;
    assert_eq!((r.created, r.updated), (0, 0), "{r:?}");
    let r = import(&t, "titles.csv", "标准号,中文标准名称\nGB/T 39000-2020,示例标准（修订名称）\n".as_bytes()).await;
    assert_eq!(r.updated, 1, "{r:?}");
    let j = c.api(Method::GET, "/api/v1/standards/GB%2FT%2039000-2020", None).await.json();
    assert_eq!(j["patents"].as_array().map(Vec::len), Some(2), "{j}");
});

scenario!(standards_import_reads_gbk_files, |t: TestApp| async move {
    // Spreadsheet programs on Chinese systems save CSV in GBK; the import reads it.
    let (gbk, _, _) = encoding_rs::GBK.encode("标准号,中文标准名称,标准状态\nGB/T 39002-2020,用GBK保存的标准,现行\n");
    let r = import(&t, "gbk.csv", &gbk).await;
    assert_eq!((r.created, r.errors.len()), (1, 0), "{r:?}");
    let j = t.client().api(Method::GET, "/api/v1/standards/GB%2FT%2039002-2020", None).await.json();
    assert_eq!(j["title_zh"], "用GBK保存的标准", "{j}");
    assert_eq!(j["status"], "in_force", "{j}");
});

/// Real records (titles and relations from the ISO, IEC and Chinese catalogues) with joint
/// ISO/IEC, ISO/IEC/IEEE, IEC/IEEE and ISO/ASTM documents, and one number typed loosely.
const TYPED_CSV: &str = "标准号,中文标准名称,英文标准名称,标准状态,代替标准\n\
GB/T 19001-2008,质量管理体系 要求,Quality management systems-Requirements,被代替,\n\
GB/T 19001-2016,质量管理体系 要求,Quality management systems—Requirements,现行,GB/T 19001-2008\n\
GB 8898-2011,音频、视频及类似电子设备 安全要求,,废止,\n\
GB 4943.1-2022,音视频、信息技术和通信技术设备 第1部分：安全要求,,现行,GB 4943.1-2011、GB 8898-2011\n\
HG/T 2006-2006,热固性粉末涂料,Thermosetting powder coatings,现行,\n\
DB4420/T 23-2022,中山市地方标准,,现行,\n\
t/cecs 10001—2019,团体标准,,现行,\n\
ISO 9001:2015,,Quality management systems - Requirements,in force,\n\
ISO 14001:2004,,Environmental management systems - Requirements with guidance for use,withdrawn,\n\
ISO 14001:2015,,Environmental management systems - Requirements with guidance for use,in force,ISO 14001:2004\n\
ISO/IEC 27002:2013,,Information technology - Security techniques - Code of practice for information security controls,withdrawn,\n\
ISO/IEC 27002:2022,,Information security - cybersecurity and privacy protection - Information security controls,in force,ISO/IEC 27002:2013\n\
ISO/IEC 42010:2007,,Systems and software engineering - Recommended practice for architectural description of software-intensive systems,withdrawn,\n\
ISO/IEC/IEEE 42010:2011,,Systems and software engineering - Architecture description,withdrawn,ISO/IEC 42010:2007\n\
ISO/IEC/IEEE 42010:2022,,Software - systems and enterprise - Architecture description,in force,ISO/IEC/IEEE 42010:2011\n\
IEC/IEEE 60255-118-1:2018,,Measuring relays and protection equipment - Part 118-1: Synchrophasor for power systems - Measurements,in force,\n\
ISO/ASTM 52900:2015,,Additive manufacturing - General principles - Terminology,withdrawn,\n\
ISO/ASTM 52900:2021,,Additive manufacturing - General principles - Fundamentals and vocabulary,in force,ISO/ASTM 52900:2015\n";

scenario!(numbers_as_typed_reach_their_records, |t: TestApp| async move {
    let r = import(&t, "typed.csv", TYPED_CSV.as_bytes()).await;
    assert_eq!((r.created, r.errors.len()), (18, 0), "{r:?}");
    let c = t.client();
    // The import read the loosely typed group number.
    let j = c.api(Method::GET, "/api/v1/standards/T%2FCECS%2010001-2019", None).await.json();
    assert_eq!(j["number"], "T/CECS 10001-2019", "{j}");

    let lines = [
        "gb/t19001—2016",
        "gb 8898-2011",
        "iso14001",
        "ISO 27002:2022",
        "ISO 27002",
        "iso 27002：2013",
        "ISO 42010",
        "ISO/IEC 42010:2007",
        "IEC 60255-118-1",
        "ISO 52900:2021",
        "ＧＢ／Ｔ　１９００１－２０１６",
        "hg/t 2006—2006 热固性粉末涂料",
        "db4420/t 23-2022",
        "T/CECS 10001‐2019",
        "GB T 19001-2008 质量管理体系.pdf",
        "GB/T 19001-2016/ISO 9001:2015",
        "IEC 27002:2022",
    ];
    let text = lines.join("\n");
    let j = c.api(Method::POST, "/api/v1/standards/check", Some(serde_json::json!({ "text": text }))).await.json();
    let items = j["items"].as_array().unwrap().clone();
    let at = |line: usize| -> Vec<serde_json::Value> { items.iter().filter(|i| i["line"] == line).cloned().collect() };
    // (line, number matched, status, current edition)
    let want: [(usize, &str, &str, &str); 15] = [
        (1, "GB/T 19001-2016", "in_force", "GB/T 19001-2016"),
        (2, "GB 8898-2011", "replaced", "GB 4943.1-2022"),
        (3, "ISO 14001:2015", "in_force", "ISO 14001:2015"),
        (4, "ISO/IEC 27002:2022", "in_force", "ISO/IEC 27002:2022"),
        (5, "ISO/IEC 27002:2022", "in_force", "ISO/IEC 27002:2022"),
        (6, "ISO/IEC 27002:2013", "replaced", "ISO/IEC 27002:2022"),
        (7, "ISO/IEC/IEEE 42010:2022", "in_force", "ISO/IEC/IEEE 42010:2022"),
        (8, "ISO/IEC 42010:2007", "replaced", "ISO/IEC/IEEE 42010:2022"),
        (9, "IEC/IEEE 60255-118-1:2018", "in_force", "IEC/IEEE 60255-118-1:2018"),
        (10, "ISO/ASTM 52900:2021", "in_force", "ISO/ASTM 52900:2021"),
        (11, "GB/T 19001-2016", "in_force", "GB/T 19001-2016"),
        (12, "HG/T 2006-2006", "in_force", "HG/T 2006-2006"),
        (13, "DB4420/T 23-2022", "in_force", "DB4420/T 23-2022"),
        (14, "T/CECS 10001-2019", "in_force", "T/CECS 10001-2019"),
        (15, "GB/T 19001-2008", "replaced", "GB/T 19001-2016"),
    ];
    for (line, number, status, current) in want {
        let found = at(line);
        assert_eq!(found.len(), 1, "line {line} {:?}: {found:?}", lines[line - 1]);
        let i = &found[0];
        assert_eq!((i["number"].as_str(), i["status"].as_str(), i["current"].as_str()), (Some(number), Some(status), Some(current)), "line {line}: {i}");
    }
    // The number as cited is what was recognised; the joint record is what it matched.
    assert_eq!(at(4)[0]["recognised"], "ISO 27002:2022");
    assert_eq!(at(4)[0]["outcome"], "ok");
    let dual: Vec<String> = at(16).iter().map(|i| i["number"].as_str().unwrap_or("").to_string()).collect();
    assert_eq!(dual, ["GB/T 19001-2016", "ISO 9001:2015"]);
    // ISO and IEC numbers overlap, so a joint document is not looked for under its second body.
    assert_eq!(at(17)[0]["outcome"], "not_found", "{:?}", at(17));

    // The standard's page and the API answer to the same spellings.
    let j = c.api(Method::GET, "/api/v1/standards/iso%2027002", None).await.json();
    assert_eq!(j["number"], "ISO/IEC 27002:2022", "{j}");
    let j = c.api(Method::GET, "/api/v1/standards/ISO%2042010%3A2011", None).await.json();
    assert_eq!(j["number"], "ISO/IEC/IEEE 42010:2011", "{j}");
    let r = c.get("/standards/ISO%2027002%EF%BC%9A2022").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/standards/ISO%2FIEC%2027002%3A2022");
    assert_eq!(c.get("/standards/ISO%2027002%3A1999").await.status, StatusCode::NOT_FOUND);
});
