//! SPS notifications in the TBT room and the specific trade concerns raised about them, as an
//! exporter of food, plants and animal products in Guangzhou meets them: one search filtered
//! by agreement, the SPS facts of a notification (emergency, objective, HS codes, the
//! international standard), the concerns other members raised about it, alerts that keep to
//! SPS and to an objective, deadlines in the calendar, statistics by agreement and group.

use crate::scenario;
use crate::support::{Client, TestApp};
use crate::tbt::{day, enc, upload};
use biaozhun::web::{Lang, i18n};
use reqwest::{Method, StatusCode};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sps");
const TBT_EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/seed/tbt_notifications_examples.jsonl");

fn file(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DATA}/{name}")).unwrap()
}

/// Page text with the slashes minijinja escapes put back.
fn text(s: &str) -> String {
    s.replace("&#x2f;", "/").replace("&#x27;", "'")
}

/// Uploads a file of trade concerns on the staff import page and returns the job's result.
async fn upload_concerns(t: &TestApp, staff: &Client, name: &str, data: Vec<u8>) -> serde_json::Value {
    let csrf = staff.csrf().await;
    let part = reqwest::multipart::Part::bytes(data).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("file", part);
    let r = staff.http.post(staff.url(&format!("/staff/tbt/trade-concerns/import?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    t.run_jobs().await;
    let job: i64 = loc.trim_start_matches("/staff/jobs/").parse().unwrap();
    let result: String = sqlx::query_scalar("SELECT result FROM jobs WHERE id = $1").bind(job).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(staff.get(&loc).await.status, StatusCode::OK);
    serde_json::from_str(&result).unwrap()
}

async fn import_mixed(t: &TestApp, staff: &Client) {
    let r = upload(t, staff, "sps.jsonl", file("sps_notifications.jsonl")).await;
    assert_eq!(r["created"], 8, "{r}");
    let r = upload(t, staff, "sps_eping.csv", file("sps_eping.csv")).await;
    assert_eq!(r["created"], 4, "{r}");
    let errors = r["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["line"] == 6 && e["column"] == "Symbol"), "a bad SPS symbol is refused on its line and column: {r}");
    let r = upload(t, staff, "tbt.jsonl", std::fs::read(TBT_EXAMPLES).unwrap()).await;
    assert_eq!(r["created"], 3, "{r}");
    // Re-importing changes nothing.
    let r = upload(t, staff, "sps.jsonl", file("sps_notifications.jsonl")).await;
    assert_eq!((r["created"].as_i64(), r["updated"].as_i64(), r["unchanged"].as_i64()), (Some(0), Some(0), Some(8)), "{r}");
    let r = upload(t, staff, "sps_eping.csv", file("sps_eping.csv")).await;
    assert_eq!(r["unchanged"], 4, "{r}");
    let r = upload_concerns(t, staff, "stc.csv", file("trade_concerns.csv")).await;
    assert_eq!(r["created"], 4, "{r}");
    let errors = r["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["line"] == 6 && e["column"] == "Status" && e["code"] == "stc_status_unknown"), "{r}");
    let r = upload_concerns(t, staff, "stc.csv", file("trade_concerns.csv")).await;
    assert_eq!((r["created"].as_i64(), r["unchanged"].as_i64()), (Some(0), Some(4)), "{r}");
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
}

scenario!(sps_notifications_search_api_and_trade_concerns, |t: TestApp| async move {
    let staff = t.staff("sps_desk").await;
    import_mixed(&t, &staff).await;
    let anon = t.client();

    // One search, filtered by agreement; each item says its agreement.
    let all = anon.get("/api/v1/tbt/notifications?per_page=100").await.json();
    assert_eq!(all["total"], 15, "{all}");
    let sps = anon.get("/api/v1/tbt/notifications?agreement=sps&per_page=100").await.json();
    assert_eq!(sps["total"], 12, "{sps}");
    assert!(sps["items"].as_array().unwrap().iter().all(|n| n["agreement"] == "sps" && n["symbol"].as_str().unwrap().starts_with("G/SPS/N/")));
    let tbt = anon.get("/api/v1/tbt/notifications?agreement=TBT").await.json();
    assert_eq!(tbt["total"], 3, "{tbt}");
    assert!(tbt["items"].as_array().unwrap().iter().all(|n| n["agreement"] == "tbt"));
    let bad = anon.get("/api/v1/tbt/notifications?agreement=scm").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("agreement"), "{}", bad.text);
    // Emergency measures, and an SPS objective in any wording.
    let em = anon.get("/api/v1/tbt/notifications?emergency=1").await.json();
    let mut syms: Vec<&str> = em["items"].as_array().unwrap().iter().map(|n| n["symbol"].as_str().unwrap()).collect();
    syms.sort();
    assert_eq!(syms, ["G/SPS/N/PHL/560", "G/SPS/N/USA/3401"], "{em}");
    let plant = anon.get(&format!("/api/v1/tbt/notifications?objective={}", enc("植物保护"))).await.json();
    let mut syms: Vec<&str> = plant["items"].as_array().unwrap().iter().map(|n| n["symbol"].as_str().unwrap()).collect();
    syms.sort();
    assert_eq!(syms, ["G/SPS/N/IDN/170", "G/SPS/N/VNM/150"], "{plant}");

    // An SPS symbol answers with its SPS facts.
    let r = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("g/sps/n/usa/3401"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = r.json();
    assert_eq!((j["agreement"].as_str(), j["emergency"].as_bool()), (Some("sps"), Some(true)));
    assert_eq!(j["member"]["code"], "USA");
    assert_eq!(j["intl_standards"], serde_json::json!(["woah"]));
    assert_eq!(j["conformity"], "yes");
    assert_eq!(j["objectives"], serde_json::json!(["Animal health", "Protect humans from animal/plant pest or disease"]));
    assert_eq!(j["hs"][0]["code"], "0105");
    assert!(j["enquiry_point"].as_str().unwrap().contains("SPS Enquiry Point"));
    assert_eq!(j["comment_deadline"], "2025-04-15");
    assert_eq!(j["trade_concerns"][0]["number"], "600", "{j}");
    // The Vietnamese record in Chinese: objectives in ePing's wording, IPPC, deadline counted.
    let j = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("G/SPS/N/VNM/150"))).await.json();
    assert_eq!(j["objectives"], serde_json::json!(["Plant protection", "Protect territory from other damage from pests"]));
    assert_eq!((j["intl_standards"][0].as_str(), j["conformity"].as_str()), (Some("ippc"), Some("yes")));
    assert_eq!(j["comment_deadline"], "2025-07-01");
    assert_eq!(j["member"]["code"], "VNM");
    // Families: addenda, corrigenda and revisions, in either file.
    let root = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("G/SPS/N/CHN/1302"))).await.json();
    let fam: Vec<&str> = root["family"].as_array().unwrap().iter().map(|f| f["symbols"][0].as_str().unwrap()).collect();
    assert_eq!(fam.len(), 3, "{fam:?}");
    assert!(fam.contains(&"G/SPS/N/CHN/1302/Add.1") && fam.contains(&"G/SPS/N/CHN/1302/Corr.1"), "{fam:?}");
    let corr = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("G/SPS/N/CHN/1302/Corr.1"))).await.json();
    assert_eq!((corr["doc_kind"].as_str(), corr["parent_id"].as_i64()), (Some("corrigendum"), root["id"].as_i64()));
    let rev_add = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("G/SPS/N/JPN/1240/Rev.1/Add.2"))).await.json();
    assert_eq!(rev_add["doc_kind"], "addendum");
    assert_eq!(rev_add["family"].as_array().unwrap().len(), 2, "{rev_add}");
    // The concern cited on the root shows on the corrigendum too (same family).
    assert_eq!(corr["trade_concerns"][0]["number"], "591", "{corr}");
    assert_eq!(root["trade_concerns"][0]["raising"][0]["code"], "JPN");

    // Trade concerns: search by member (raising or maintaining, groups too) and words.
    let jpn = anon.get("/api/v1/trade-concerns?member=JPN").await.json();
    assert_eq!(jpn["total"], 1, "{jpn}");
    let c = &jpn["items"][0];
    assert_eq!((c["agreement"].as_str(), c["number"].as_str(), c["status"].as_str()), (Some("sps"), Some("591"), Some("not_reported")));
    assert_eq!(c["maintaining"][0]["code"], "CHN");
    assert_eq!(c["meetings"].as_array().unwrap().len(), 3);
    assert_eq!(c["first_raised"], "2024-11-01");
    let links: Vec<(&str, bool)> = c["notifications"].as_array().unwrap().iter().map(|n| (n["symbol"].as_str().unwrap(), n["id"].is_i64())).collect();
    assert_eq!(links, [("G/SPS/N/CHN/1302", true), ("G/SPS/N/CHN/1302/Add.1", true)], "linked both ways");
    let asean = anon.get("/api/v1/trade-concerns?member=ASEAN").await.json();
    assert_eq!(asean["total"], 2, "THA and IDN raise 448, IDN and MYS raise 725: {asean}");
    let q = anon.get("/api/v1/trade-concerns?q=pesticides&agreement=sps").await.json();
    assert_eq!((q["total"].as_i64(), q["items"][0]["number"].as_str()), (Some(1), Some("448")));
    assert_eq!(anon.get("/api/v1/trade-concerns?member=Atlantis").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let id = c["id"].as_i64().unwrap();
    let one = anon.get(&format!("/api/v1/trade-concerns/{id}")).await.json();
    assert_eq!(one["title"], "China's import measures on aquatic products");
    assert_eq!(anon.get("/api/v1/trade-concerns/999999").await.status, StatusCode::NOT_FOUND);
    let page = text(&anon.get(&format!("/trade-concerns/{id}")).await.text);
    assert!(page.contains("SPS STC 591") && page.contains("G/SPS/N/CHN/1302/Add.1") && page.contains(&i18n::t(Lang::Zh, "sps.status_not_reported")), "{page}");
    let list = text(&anon.get("/trade-concerns?member=EU").await.text);
    assert!(list.contains(&i18n::tf(Lang::Zh, "sps.stcs_found", &[("n", "2")])), "{list}");

    // The search page, filtered to SPS emergency measures, in Chinese.
    let page = text(&anon.get("/tbt?agreement=sps&emergency=1").await.text);
    assert!(page.contains("G/SPS/N/USA/3401") && page.contains("G/SPS/N/PHL/560") && !page.contains("G/SPS/N/EU/812"), "{page}");
    assert!(page.contains(&i18n::t(Lang::Zh, "sps.emergency")), "{page}");
    // The notification page: emergency, objective in Chinese, HS codes, the concern raised.
    let page = text(&anon.get(&format!("/tbt/notifications/{}", enc("G/SPS/N/USA/3401"))).await.text);
    for want in [
        i18n::t(Lang::Zh, "sps.emergency"),
        i18n::t(Lang::Zh, "sps.emergency_note"),
        "动物健康".to_string(),
        "0105".into(),
        i18n::t(Lang::Zh, "sps.std_woah"),
        "US import restrictions on poultry products related to HPAI".into(),
        i18n::tf(Lang::Zh, "sps.stc_raised", &[("n", "1")]),
    ] {
        assert!(page.contains(&want), "{want}: {page}");
    }

    // The comment workflow cites the concern: an exporter's concern, consolidated by staff.
    let exporter = t.user("poultry_exporter").await;
    let csrf = exporter.csrf().await;
    let form = reqwest::multipart::Form::new().text("body", "The restriction should apply by zone, as WOAH regionalisation allows.");
    let r = exporter
        .http
        .post(exporter.url(&format!("/tbt/notifications/{}/concerns?_csrf={csrf}", enc("G/SPS/N/USA/3401"))))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = staff.post_form(&format!("/staff/tbt/notifications/{}/comments", j_id(&anon, "G/SPS/N/USA/3401").await), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let comment = text(&staff.get(&r.location()).await.text);
    assert!(comment.contains("SPS STC 600") && comment.contains("regionalisation"), "{comment}");
    let md = staff.get(&format!("{}/export.md", r.location())).await.text;
    assert!(md.contains("- Agreement: SPS (emergency measure)") && md.contains("SPS STC 600 \"US import restrictions on poultry products related to HPAI\""), "{md}");

    // Statistics by agreement and member group, with a chart each; the CSV has them too.
    let page = anon.get("/tbt/stats?agreement=sps").await.text;
    assert!(page.contains(&i18n::tf(Lang::Zh, "tbt.stats_total", &[("n", "7")])), "SPS notifications, not addenda or revisions: {page}");
    assert!(page.contains(&i18n::t(Lang::Zh, "sps.stats_by_group")) && page.matches("<svg").count() == 6, "{page}");
    let csv = anon.get("/tbt/stats.csv").await.text;
    assert!(csv.contains("agreement,sps,,,7") && csv.contains("agreement,tbt,,,3"), "{csv}");
    assert!(csv.contains("\ngroup,ASEAN,"), "{csv}");
    assert_eq!(anon.get("/tbt/stats?agreement=x").await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Concerns as JSON Lines: member names in Chinese, the status in Chinese, the symbols as a list.
    let jsonl = r#"{"number": "STC 700", "agreement": "SPS", "title": "Philippine ban on poultry from HPAI areas", "raised by": ["泰国"], "notifications": ["G/SPS/N/PHL/560"], "meetings": ["2025-11-05"], "status": "已解决"}"#;
    let r = upload_concerns(&t, &staff, "stc.jsonl", format!("{jsonl}\n").into_bytes()).await;
    assert_eq!(r["created"], 1, "{r}");
    let j = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("G/SPS/N/PHL/560"))).await.json();
    let c = &j["trade_concerns"][0];
    assert_eq!((c["number"].as_str(), c["status"].as_str(), c["raising"][0]["code"].as_str(), c["maintaining"][0]["code"].as_str()), (Some("700"), Some("resolved"), Some("THA"), Some("PHL")), "{j}");
    assert_eq!(c["first_raised"], "2025-11-05");

    // The command line imports concerns as the staff page does.
    let path = format!("{DATA}/trade_concerns.csv");
    let (ok, out, err) = t.cli(&["import", "trade-concerns", &path], "");
    assert!(ok, "{out}{err}");
    assert!(out.contains("0 created") && out.contains("4 unchanged") && out.contains("line 6, column Status"), "{out}");
});

/// An ePing SPS export saved as a workbook: a title row above the headings, the date as an
/// Excel date, the HS code as a number.
fn eping_sps_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "ePing SPS notifications export").unwrap();
    let head = ["Symbol", "Notifying Member", "Title", "Distribution date", "HS Code(s)", "Objectives", "International standard", "Conformity", "Notification type", "Enquiry point"];
    for (i, h) in head.iter().enumerate() {
        ws.write_string(1, i as u16, *h).unwrap();
    }
    ws.write_string(2, 0, "G/SPS/N/MYS/90").unwrap();
    ws.write_string(2, 1, "马来西亚").unwrap();
    ws.write_string(2, 2, "Import conditions for fresh durian").unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    ws.write_datetime_with_format(2, 3, &rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 8, 20).unwrap(), &fmt).unwrap();
    ws.write_number(2, 4, 81060.0).unwrap();
    ws.write_string(2, 5, "Plant protection").unwrap();
    ws.write_string(2, 6, "International Plant Protection Convention (IPPC)").unwrap();
    ws.write_string(2, 7, "No").unwrap();
    ws.write_string(2, 8, "Regular").unwrap();
    ws.write_string(2, 9, "Department of Agriculture Malaysia").unwrap();
    wb.save_to_buffer().unwrap()
}

scenario!(sps_eping_workbook, |t: TestApp| async move {
    let desk = t.staff("sps_xlsx_desk").await;
    let r = upload(&t, &desk, "eping_sps.xlsx", eping_sps_xlsx()).await;
    assert_eq!(r["created"], 1, "{r}");
    let j = t.client().get(&format!("/api/v1/tbt/notifications/{}", enc("G/SPS/N/MYS/90"))).await.json();
    assert_eq!((j["agreement"].as_str(), j["member"]["code"].as_str(), j["distribution_date"].as_str()), (Some("sps"), Some("MYS"), Some("2025-08-20")));
    assert_eq!(j["hs"][0]["code"], "081060");
    assert_eq!((j["intl_standards"][0].as_str(), j["conformity"].as_str(), j["emergency"].as_bool()), (Some("ippc"), Some("no"), Some(false)));
    assert_eq!(j["enquiry_point"], "Department of Agriculture Malaysia");
    let again = upload(&t, &desk, "eping_sps.xlsx", eping_sps_xlsx()).await;
    assert_eq!(again["unchanged"], 1, "{again}");
});

async fn j_id(c: &Client, symbol: &str) -> i64 {
    c.get(&format!("/api/v1/tbt/notifications/{}", enc(symbol))).await.json()["id"].as_i64().unwrap()
}

/// A notification shaped as ePing exports them, distributed yesterday.
fn week(rows: &[&str]) -> String {
    format!("Symbol,Notifying Member,Title,Distribution date,HS Code(s),Objectives,Final date for comments,Notification type\n{}\n", rows.join("\n"))
}

scenario!(sps_alerts_keep_to_the_agreement_and_objective_and_reach_the_calendar, |t: TestApp| async move {
    let desk = t.staff("sps_alert_desk").await;
    let exporter = t.user("shrimp_exporter").await;
    // Frozen shrimp to China: SPS food-safety measures only.
    let r = exporter
        .api(Method::POST, "/api/v1/tbt/subscriptions", Some(serde_json::json!({"members": ["CHN"], "hs": ["0306"], "agreements": ["sps"], "sps_objectives": ["Food safety"]})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!((r.json()["agreements"][0].as_str(), r.json()["sps_objectives"][0].as_str()), (Some("sps"), Some("food_safety")));
    let bad = exporter.api(Method::POST, "/api/v1/tbt/subscriptions", Some(serde_json::json!({"members": ["CHN"], "sps_objectives": ["weather"]}))).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("sps_objectives"), "{}", bad.text);
    // A colleague follows China on the profile page, both agreements.
    let colleague = t.user("chn_watcher").await;
    let r = colleague.post_form("/tbt/profile", &[("markets", "CHN"), ("hs", "0306"), ("frequency", "immediate")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // A third keeps the profile to SPS animal health (the ticks of the profile form).
    let vet = t.user("vet_watcher").await;
    let r = vet.post_form("/tbt/profile", &[("markets", "CHN"), ("hs", "0306"), ("agreements", "sps"), ("sps_objectives", "animal_health"), ("frequency", "immediate")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let subs = vet.api(Method::GET, "/api/v1/tbt/subscriptions", None).await.json();
    assert_eq!((subs[0]["agreements"][0].as_str(), subs[0]["sps_objectives"][0].as_str(), subs[0]["from_profile"].as_bool()), (Some("sps"), Some("animal_health"), Some(true)), "{subs}");
    let page = vet.get("/tbt/profile").await.text;
    assert!(page.contains(r#"value="animal_health" checked"#) && !page.contains(r#"value="food_safety" checked"#), "the profile form keeps the ticks");

    let d = day(-1);
    let csv = week(&[
        &format!("G/SPS/N/CHN/1400,China,Maximum levels of contaminants in aquatic products,{d},030617,Food safety,60 days from notification,Regular"),
        &format!("G/SPS/N/CHN/1401,China,Quarantine of live crustaceans,{d},030619,Animal health,60 days from notification,Regular"),
        &format!("G/TBT/N/CHN/2000,China,Labelling of prepackaged frozen shrimp,{d},030617,Consumer information; labelling,60 days from notification,Regular notification"),
    ]);
    upload(&t, &desk, "week.csv", csv.into_bytes()).await;
    t.run_jobs().await;

    let notices = text(&exporter.get("/notifications").await.text);
    assert!(notices.contains("G/SPS/N/CHN/1400"), "{notices}");
    assert!(!notices.contains("G/SPS/N/CHN/1401") && !notices.contains("G/TBT/N/CHN/2000"), "the objective and the agreement narrow the alerts: {notices}");
    let (_, body, _) = t.last_mail("shrimp_exporter@example.com").await;
    assert!(body.contains("SPS · Food safety · CHN · HS 0306"), "the reason names agreement and objective: {body}");
    let vet_notices = text(&vet.get("/notifications").await.text);
    assert!(vet_notices.contains("G/SPS/N/CHN/1401") && !vet_notices.contains("G/SPS/N/CHN/1400") && !vet_notices.contains("G/TBT/N/CHN/2000"), "{vet_notices}");
    let both = text(&colleague.get("/notifications").await.text);
    assert!(both.contains("G/SPS/N/CHN/1400") && both.contains("G/SPS/N/CHN/1401") && both.contains("G/TBT/N/CHN/2000"), "{both}");

    // The public calendar and the user's feed hold the SPS deadlines, WTO and domestic.
    let cal = anon_calendar(&t).await;
    assert!(cal.contains("WTO SPS G/SPS/N/CHN/1400: final date for comments") && cal.contains("WTO TBT G/TBT/N/CHN/2000"), "{cal}");
    let profile = text(&exporter.get("/tbt/profile").await.text);
    let start = profile.find("/tbt/calendar/").expect("the feed's address");
    let url = &profile[start..start + profile[start..].find(".ics").unwrap() + 4];
    let feed = exporter.get(url).await.text.replace("\r\n ", "");
    assert!(feed.contains("G/SPS/N/CHN/1400: domestic comment deadline") && !feed.contains("G/SPS/N/CHN/1401"), "{feed}");
});

async fn anon_calendar(t: &TestApp) -> String {
    t.client().get("/tbt/calendar.ics?member=CHN").await.text.replace("\r\n ", "")
}
