//! The rows a staff import refuses or keeps with a remark are told in the reader's language:
//! the job's page in Chinese or English as the page is, the API with a stable code beside the
//! message (for both importers: the standards catalogue and the TBT notifications).

use crate::scenario;
use crate::support::{Client, TestApp};
use crate::tbt::eping_csv;
use reqwest::StatusCode;

/// Uploads a file to a staff import page; returns the job's page.
async fn upload(who: &Client, path: &str, name: &str, data: Vec<u8>) -> String {
    let csrf = who.csrf().await;
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(data).file_name(name.to_string()));
    let r = who.http.post(who.url(&format!("{path}?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    r.headers()["location"].to_str().unwrap().to_string()
}

/// Page text with the escapes minijinja writes for slashes and quotes put back.
fn text(s: &str) -> String {
    s.replace("&#x2f;", "/").replace("&#x27;", "'").replace("&quot;", "\"")
}

const BAD_STANDARDS: &str = "标准号,中文标准名称,标准状态,发布日期,ICS\n\
GB/T 99998-2020,坏日期的标准,现行,2020-13-45,01.120\n\
GB/T 99997-2021,坏分类号的标准,某种状态,2021-01-01,99.999\n";

scenario!(import_problems_speak_the_readers_language, |t: TestApp| async move {
    let desk = t.staff("problem_desk").await;

    // The standards import: a date that is none, an unknown status, an unknown ICS code.
    let job = upload(&desk, "/staff/standards/import", "bad.csv", BAD_STANDARDS.as_bytes().to_vec()).await;
    t.run_jobs().await;
    let zh = text(&desk.get(&job).await.text);
    assert!(zh.contains("无法识别的 ICS 分类号：99.999"), "{zh}");
    assert!(zh.contains("无法识别的状态：某种状态"), "{zh}");
    // The parser's reason is in Chinese too.
    let reason = zh.split("不是日期：2020-13-45（").nth(1).expect("the bad date, quoted").split('）').next().unwrap();
    assert!(!reason.is_empty() && !reason.chars().any(|c| c.is_ascii_alphabetic()), "the reason in Chinese: {reason}");
    assert!(!zh.contains("unknown ICS code") && !zh.contains("not a date"), "no English on the Chinese page: {zh}");
    // The counts above them too.
    assert!(zh.contains("共 2 行：新增 2 条，更新 0 条，未变 0 条，并入其他记录 0 条，问题 3 处"), "{zh}");

    // The same job read in English.
    assert_eq!(desk.get("/lang/en?next=/").await.status, StatusCode::SEE_OTHER);
    let en = text(&desk.get(&job).await.text);
    assert!(en.contains("unknown ICS code: 99.999") && en.contains("unknown status: 某种状态"), "{en}");
    assert!(en.contains("not a date: 2020-13-45 ("), "{en}");
    assert!(!en.contains("无法识别的 ICS 分类号"), "{en}");
    assert!(en.contains("2 rows: 2 created, 0 updated, 0 unchanged, 0 merged into other records, 3 problems"), "{en}");

    // The API keeps a stable code and the values beside the message in the caller's language.
    let id = job.rsplit('/').next().unwrap();
    let j = desk.get(&format!("/api/v1/jobs/{id}")).await.json();
    let errors = j["result"]["errors"].as_array().expect("errors");
    let ics = errors.iter().find(|e| e["code"] == "unknown_ics").expect("unknown_ics");
    assert_eq!((ics["line"].as_u64(), ics["column"].as_str(), ics["args"]["code"].as_str()), (Some(3), Some("ICS"), Some("99.999")), "{ics}");
    assert_eq!(ics["message"], "unknown ICS code: 99.999");
    let date = errors.iter().find(|e| e["code"] == "not_a_date").expect("not_a_date");
    assert!(date["cause"]["key"].as_str().is_some_and(|k| k.starts_with("date.")), "{date}");

    // The TBT import, back in Chinese: a refused symbol and a date kept as written.
    assert_eq!(desk.get("/lang/zh-CN?next=/").await.status, StatusCode::SEE_OTHER);
    let job = upload(&desk, "/staff/tbt/import", "eping.csv", eping_csv().into_bytes()).await;
    t.run_jobs().await;
    let zh = text(&desk.get(&job).await.text);
    assert!(zh.contains("“2024-13-45”无法识别为日期，已按原文保留"), "{zh}");
    assert!(zh.contains("G/TBT/X/1："), "the refused symbol is quoted: {zh}");
    assert!(!zh.contains("could not be read as a date"), "{zh}");
    assert_eq!(desk.get("/lang/en?next=/").await.status, StatusCode::SEE_OTHER);
    let en = text(&desk.get(&job).await.text);
    assert!(en.contains("`2024-13-45` could not be read as a date; kept as written"), "{en}");
    let id = job.rsplit('/').next().unwrap();
    let j = desk.get(&format!("/api/v1/jobs/{id}")).await.json();
    let kept = &j["result"]["warnings"][0];
    assert_eq!((kept["code"].as_str(), kept["args"]["text"].as_str()), (Some("date_kept"), Some("2024-13-45")), "{kept}");
});
