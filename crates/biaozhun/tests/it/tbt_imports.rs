//! Staff import WTO TBT notifications: the upload page, the background job and the report a
//! member of staff reads afterwards (what was created, which rows were refused and why, line
//! by line), then the records as a visitor finds them.

use crate::scenario;
use crate::support::{Client, TestApp};
use crate::tbt::{enc, eping_csv};
use biaozhun::web::{Lang, i18n};
use reqwest::StatusCode;

/// Sends a file as the import page's form does; returns the status and where it leads (or
/// the page shown instead).
async fn send(who: &Client, name: &str, data: Vec<u8>) -> (StatusCode, String) {
    let csrf = who.csrf().await;
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(data).file_name(name.to_string()));
    let r = who.http.post(who.url(&format!("/staff/tbt/import?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    let status = r.status();
    match r.headers().get("location").and_then(|v| v.to_str().ok()) {
        Some(l) => (status, l.to_string()),
        None => (status, r.text().await.unwrap_or_default()),
    }
}

/// Page text with the slashes minijinja escapes put back.
fn text(s: &str) -> String {
    s.replace("&#x2f;", "/")
}

scenario!(tbt_desk_imports_an_eping_export_and_reads_the_report, |t: TestApp| async move {
    let desk = t.staff("tbt_desk").await;
    let exporter = t.user("curious_exporter").await;

    // Only staff import: an exporter is refused the page and the upload.
    assert_eq!(exporter.get("/staff/tbt/import").await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&exporter, "eping.csv", eping_csv().into_bytes()).await.0, StatusCode::FORBIDDEN);
    assert_eq!(t.count("SELECT COUNT(*) FROM tbt_notifications").await, 0);

    // The desk opens the import page: a file field under a Chinese heading.
    let page = desk.get("/staff/tbt/import").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&i18n::t(Lang::Zh, "tbt.import")) && page.text.contains("type=\"file\""), "{}", page.text);

    // The upload becomes a background job; its page says it is waiting.
    let (status, job) = send(&desk, "eping.csv", eping_csv().into_bytes()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(job.starts_with("/staff/jobs/"), "{job}");
    let waiting = desk.get(&job).await;
    assert!(waiting.text.contains(&i18n::t(Lang::Zh, "jobs.status_queued")), "{}", waiting.text);
    assert!(waiting.text.contains(&i18n::t(Lang::Zh, "jobs.kind_tbt_import")));

    // Once the job has run, the same page is the report: the counts, then each refused row
    // with its line, column and reason, and each row kept with a remark.
    t.run_jobs().await;
    let report = text(&desk.get(&job).await.text);
    assert!(report.contains(&i18n::t(Lang::Zh, "jobs.status_done")), "{report}");
    let counts = |rows: &str, created: &str, unchanged: &str, refused: &str, warnings: &str| {
        i18n::tf(Lang::Zh, "tbt.import_summary", &[("rows", rows), ("created", created), ("updated", "0"), ("unchanged", unchanged), ("refused", refused), ("warnings", warnings)])
    };
    assert!(report.contains(&format!("eping.csv: {}", counts("7", "6", "0", "1", "1"))), "the counts, in Chinese: {report}");
    assert!(report.contains(&i18n::tf(Lang::Zh, "jobs.rows_refused", &[("n", "1")])), "{report}");
    assert!(report.contains("<td>6</td><td>Symbol</td>") && report.contains("G/TBT/X/1"), "the refused row names its line and column: {report}");
    assert!(report.contains(&i18n::tf(Lang::Zh, "jobs.rows_warnings", &[("n", "1")])), "{report}");
    assert!(report.contains("<td>7</td><td>Distribution date</td>") && report.contains("2024-13-45"), "{report}");
    assert!(report.contains("href=\"/tbt\""), "the report leads to the database");

    // A visitor now finds what was imported (once this server's index has taken it in, which
    // its follower does within a second), by product and by member.
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
    let anon = t.client();
    let found = text(&anon.get("/tbt?q=range+hood").await.text);
    assert!(found.contains("G/TBT/N/VNM/300"), "{found}");
    let korea = anon.get(&format!("/tbt/notifications/{}", enc("G/TBT/N/KOR/1251"))).await;
    assert_eq!(korea.status, StatusCode::OK);
    assert!(korea.text.contains("Electrical appliances safety"));
    // The row with the unreadable date is there, its date kept as written.
    let usa = anon.get(&format!("/tbt/notifications/{}", enc("G/TBT/N/USA/2000"))).await;
    assert!(usa.text.contains("2024-13-45") && usa.text.contains(&i18n::t(Lang::Zh, "tbt.date_as_written")), "{}", usa.text);
    // The refused one is not.
    assert_eq!(anon.get(&format!("/tbt/notifications/{}", enc("G/TBT/X/1"))).await.status, StatusCode::NOT_FOUND);

    // The same export a week later changes nothing, and the report says so.
    let (_, again) = send(&desk, "eping.csv", eping_csv().into_bytes()).await;
    t.run_jobs().await;
    let report = desk.get(&again).await.text;
    assert!(report.contains(&counts("7", "0", "6", "1", "1")), "{report}");
    assert_eq!(t.count("SELECT COUNT(*) FROM tbt_notifications").await, 6);
});

scenario!(tbt_desk_is_told_what_is_wrong_with_a_file_that_is_no_export, |t: TestApp| async move {
    let desk = t.staff("tbt_desk2").await;
    // A contact list sent by mistake: the report says which column is missing and what the
    // file has instead; nothing is imported.
    let (_, job) = send(&desk, "contacts.csv", "Name,Phone\n陈经理,020-3482 6600\n".as_bytes().to_vec()).await;
    t.run_jobs().await;
    let report = desk.get(&job).await.text;
    assert!(report.contains("contacts.csv: no Symbol column (found: Name, Phone)"), "{report}");
    assert_eq!(t.count("SELECT COUNT(*) FROM tbt_notifications").await, 0);

    // An empty upload never becomes a job: the import page says why.
    let (status, page) = send(&desk, "empty.csv", Vec::new()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains(&i18n::t(Lang::Zh, "tbt.err_file")), "{page}");
    assert_eq!(t.count("SELECT COUNT(*) FROM jobs WHERE kind = 'tbt_import'").await, 1);

    // A spreadsheet straight from ePing is read cell by cell (an Excel date, a numeric HS code).
    let (_, job) = send(&desk, "eping.xlsx", crate::tbt::eping_xlsx()).await;
    t.run_jobs().await;
    let report = desk.get(&job).await.text;
    let counts = i18n::tf(Lang::Zh, "tbt.import_summary", &[("rows", "2"), ("created", "2"), ("updated", "0"), ("unchanged", "0"), ("refused", "0"), ("warnings", "0")]);
    assert!(report.contains(&format!("eping.xlsx: {counts}")), "{report}");
    let j = t.client().get(&format!("/api/v1/tbt/notifications/{}", enc("G/TBT/N/THA/700"))).await.json();
    assert_eq!((j["distribution_date"].as_str(), j["hs"][0]["code"].as_str()), (Some("2024-06-03"), Some("8415")), "{j}");
});
