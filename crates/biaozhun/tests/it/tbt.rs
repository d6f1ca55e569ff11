//! TBT early warning: import (JSONL, ePing CSV and XLSX), search, alerts, calendars,
//! the comment workflow, statistics and the API.

use crate::scenario;
use crate::support::{Client, TestApp};
use biaozhun::auth::Role;
use reqwest::{Method, StatusCode};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/seed/tbt_notifications_examples.jsonl");

pub(crate) fn day(offset: i64) -> String {
    biaozhun::util::fmt_date(biaozhun::util::now() + offset * 86400)
}

/// Page text with the slashes minijinja escapes put back.
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
}

pub(crate) fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

pub(crate) const HEADER: &str = "Notifying Member(s),Symbol,Title,Description of content,Distribution date,Products (free text),Products (HS/ICS code),Objectives,Keywords,Regions or countries affected,Final date for comments,Notification type,Link to notification,Link to notification summary,Link(s) to full text";

pub(crate) fn eping_csv() -> String {
    let rows = [
        format!("越南,G/TBT/N/VNM/300,Energy labelling of range hoods,Minimum energy performance for kitchen range hoods.,{},Range hoods,\"8414; 97.040.20\",\"Consumer information, labelling; Protection of the environment\",range hood,,60 days from notification,Regular notification,https://example.org/n,https://example.org/s,https://example.org/full", day(-5)),
        "\"United Arab Emirates; Kingdom of Bahrain\",\"G/TBT/N/ARE/500, G/TBT/N/BHR/600\",Gulf toy safety regulation,Toys.,2024-03-01,Toys,95,Protection of human health or safety,toys,,2024-05-01,Regular notification,,,".to_string(),
        "欧盟,G/TBT/N/EU/1004/Add.1,Biocidal products: adoption,Adopted.,2024-01-10,Biocidal products,3808,,,,,Addendum,,,".to_string(),
        "REPUBLIC OF KOREA,G/TBT/N/KOR/1251,Electrical appliances safety,Household appliances.,2024-02-01,Appliances,8516,,,,,Regular notification,,,".to_string(),
        "USA,G/TBT/X/1,Bad symbol,,2024-02-01,,,,,,,,,,".to_string(),
        "美国,G/TBT/N/USA/2000,Bad date,,2024-13-45,,,,,,,,,,".to_string(),
        format!("台澎金马单独关税区,G/TBT/N/TPKM/555,Electric cookers,Cookers.,{},Cookers,8516,,,,自通报之日起60天,Regular notification,,,", day(-3)),
    ];
    format!("{HEADER}\n{}\n", rows.join("\n"))
}

pub(crate) fn eping_xlsx() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in HEADER.split(',').enumerate() {
        ws.write_string(0, i as u16, h).unwrap();
    }
    // A member written in Chinese, HS as a number, the date as a real Excel date.
    ws.write_string(1, 0, "泰国").unwrap();
    ws.write_string(1, 1, "G/TBT/N/THA/700").unwrap();
    ws.write_string(1, 2, "Air conditioners: energy efficiency").unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 6, 3).unwrap();
    ws.write_datetime_with_format(1, 4, &d, &fmt).unwrap();
    ws.write_number(1, 6, 8415.0).unwrap();
    ws.write_string(1, 10, "2024-08-02").unwrap();
    ws.write_string(2, 0, "Singapore").unwrap();
    ws.write_string(2, 1, "G/TBT/N/SGP/80/Rev.1").unwrap();
    ws.write_string(2, 2, "Revised labelling").unwrap();
    ws.write_string(2, 4, "2024/7/1").unwrap();
    wb.save_to_buffer().unwrap()
}

pub(crate) async fn upload(t: &TestApp, staff: &Client, name: &str, data: Vec<u8>) -> serde_json::Value {
    let csrf = staff.csrf().await;
    let part = reqwest::multipart::Part::bytes(data).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("file", part);
    let r = staff
        .http
        .post(staff.url(&format!("/staff/tbt/import?_csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("/staff/jobs/"), "{loc}");
    t.run_jobs().await;
    let job: i64 = loc.trim_start_matches("/staff/jobs/").parse().unwrap();
    let result: String = sqlx::query_scalar("SELECT result FROM jobs WHERE id = $1")
        .bind(job)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    let page = staff.get(&loc).await;
    assert_eq!(page.status, StatusCode::OK);
    serde_json::from_str(&result).unwrap()
}

async fn import_all(t: &TestApp, staff: &Client) {
    let r = upload(t, staff, "examples.jsonl", std::fs::read(EXAMPLES).unwrap()).await;
    assert_eq!(r["created"], 3, "{r}");
    let r = upload(t, staff, "eping.csv", eping_csv().into_bytes()).await;
    assert_eq!(r["created"], 6, "{r}");
    let errors = r["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["line"] == 6 && e["column"] == "Symbol"), "{r}");
    // A date that cannot be read costs a warning, never the notification.
    let warnings = r["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|e| e["line"] == 7 && e["column"] == "Distribution date"), "{r}");
    let r = upload(t, staff, "eping.xlsx", eping_xlsx()).await;
    assert_eq!(r["created"], 2, "{r}");
    // Idempotent.
    let r = upload(t, staff, "eping.csv", eping_csv().into_bytes()).await;
    assert_eq!(
        (r["created"].as_i64(), r["updated"].as_i64(), r["unchanged"].as_i64()),
        (Some(0), Some(0), Some(6)),
        "{r}"
    );
    let r = upload(t, staff, "examples.jsonl", std::fs::read(EXAMPLES).unwrap()).await;
    assert_eq!(r["unchanged"], 3, "{r}");
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
}

scenario!(tbt_import_search_and_api, |t: TestApp| async move {
    let staff = t.user_with_roles("tbtstaff", &[Role::Staff]).await;
    import_all(&t, &staff).await;
    assert_eq!(t.count("SELECT COUNT(*) FROM tbt_notifications").await, 11);

    let anon = t.client();
    // The Korean record in Chinese: 韩国 → KOR, relative deadline computed.
    let r = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("G/TBT/N/KOR/1250"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let j = r.json();
    assert_eq!(j["member"]["code"], "KOR");
    assert_eq!(j["member"]["name"], "韩国");
    assert_eq!(j["distribution_date"], "2025-01-08");
    assert_eq!(j["comment_deadline"], "2025-03-09");
    assert_eq!(j["hs"][0]["code"], "33");
    assert_eq!(j["ics"][0], "71.100.99");
    // Joint notification, reached by its second symbol.
    let j = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("G/TBT/N/BHR/600"))).await.json();
    assert_eq!(j["symbols"], serde_json::json!(["G/TBT/N/ARE/500", "G/TBT/N/BHR/600"]));
    assert_eq!(j["member"]["code"], "ARE");
    assert_eq!(j["members"][1]["code"], "BHR");
    // The addendum is linked to its parent and both show the family.
    let parent = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("G/TBT/N/EU/1004"))).await.json();
    let add = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("G/TBT/N/EU/1004/Add.1"))).await.json();
    assert_eq!(add["parent_id"], parent["id"]);
    assert_eq!(add["doc_kind"], "addendum");
    assert_eq!(parent["family"].as_array().unwrap().len(), 2);
    assert_eq!(parent["family"][1]["symbols"][0], "G/TBT/N/EU/1004/Add.1");
    // Chinese Taipei.
    let j = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("G/TBT/N/TPKM/555"))).await.json();
    assert_eq!(j["member"]["code"], "TPKM");
    assert_eq!(j["comment_deadline"], day(57).as_str());
    assert_eq!(j["open"], true);
    // XLSX: Excel date, numeric HS code, a revision.
    let j = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("G/TBT/N/THA/700"))).await.json();
    assert_eq!(j["distribution_date"], "2024-06-03");
    assert_eq!(j["hs"][0]["code"], "8415");
    let j = anon.get(&format!("/api/v1/tbt/notifications/{}", enc("G/TBT/N/SGP/80/Rev.1"))).await.json();
    assert_eq!(j["doc_kind"], "revision");
    assert_eq!(
        anon.get("/api/v1/tbt/notifications/G%2FTBT%2FN%2FUSA%2F99999").await.status,
        StatusCode::NOT_FOUND
    );

    // Search and filters.
    let symbols = |j: serde_json::Value| -> Vec<String> {
        j["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["symbol"].as_str().unwrap().to_string())
            .collect()
    };
    let asean = symbols(anon.get("/api/v1/tbt/notifications?member=ASEAN").await.json());
    assert!(
        asean.contains(&"G/TBT/N/VNM/300".to_string()) && asean.contains(&"G/TBT/N/THA/700".to_string()),
        "{asean:?}"
    );
    assert!(!asean.iter().any(|s| s.contains("/EU/")), "{asean:?}");
    let hs = symbols(anon.get("/api/v1/tbt/notifications?hs=8414").await.json());
    assert_eq!(hs, vec!["G/TBT/N/VNM/300".to_string()]);
    let open = symbols(anon.get("/api/v1/tbt/notifications?open=1").await.json());
    assert!(
        open.contains(&"G/TBT/N/VNM/300".to_string()) && open.contains(&"G/TBT/N/TPKM/555".to_string()),
        "{open:?}"
    );
    assert!(!open.contains(&"G/TBT/N/ARE/500".to_string()), "{open:?}");
    let j = anon.get("/api/v1/tbt/notifications?q=%E5%8D%AB%E7%94%9F%E7%94%A8%E5%93%81").await.json();
    assert_eq!(symbols(j.clone())[0], "G/TBT/N/KOR/1250");
    assert!(j["total"].as_u64().unwrap() >= 1);
    let j = anon.get("/api/v1/tbt/notifications?q=gramineous%20seed").await.json();
    assert_eq!(symbols(j)[0], "G/TBT/N/CHN/1786");
    assert_eq!(anon.get("/api/v1/tbt/notifications?hs=8").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        anon.get("/api/v1/tbt/notifications?member=Atlantis").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Pages.
    let mut r = anon.get("/tbt?member=ASEAN&open=1").await;
    r.text = unescape(&r.text);
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("G/TBT/N/VNM/300") && !r.text.contains("G/TBT/N/KOR/1250"), "{}", r.text);
    let mut r = anon.get(&format!("/tbt/notifications/{}", enc("G/TBT/N/EU/1004/Add.1"))).await;
    r.text = unescape(&r.text);
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("G/TBT/N/EU/1004") && r.text.contains("3808"));
    let r = anon.get(&format!("/tbt/notifications/{}", enc("G/TBT/N/VNM/300"))).await;
    assert!(r.text.contains("Air or vacuum pumps"), "HS description shown");

    // Statistics.
    let r = anon.get("/tbt/stats").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("<svg") && r.text.contains("<rect"));
    assert!(!r.text.contains("style="));
    let r = anon.get("/tbt/stats.csv").await;
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(r.text.contains("dimension,key,name,year,count"));
    assert!(r.text.contains("member,VNM,Viet Nam,"));
    assert!(r.text.contains("hs_section,XVI,"));
});

scenario!(tbt_alerts_calendar_and_comments, |t: TestApp| async move {
    let staff = t.user_with_roles("desk", &[Role::Staff]).await;
    let exporter = t.user("exporter").await;
    let digester = t.user("digester").await;
    // Subscriptions before the import.
    let r = exporter
        .api(
            Method::POST,
            "/api/v1/tbt/subscriptions",
            Some(serde_json::json!({"members": ["ASEAN"], "hs": ["8414"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let bad = exporter
        .api(Method::POST, "/api/v1/tbt/subscriptions", Some(serde_json::json!({"hs": ["8499"]})))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json()["error"]["field"], "hs");
    let r = digester
        .api(
            Method::POST,
            "/api/v1/tbt/subscriptions",
            Some(serde_json::json!({"keywords": ["range hood"], "frequency": "daily"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let del = digester
        .api(Method::POST, "/api/v1/tbt/subscriptions", Some(serde_json::json!({"members": ["USA"]})))
        .await
        .json();
    let r = digester.api(Method::DELETE, &format!("/api/v1/tbt/subscriptions/{}", del["id"]), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        exporter
            .api(Method::DELETE, &format!("/api/v1/tbt/subscriptions/{}", del["id"]), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let subs = digester.api(Method::GET, "/api/v1/tbt/subscriptions", None).await.json();
    assert_eq!(subs.as_array().unwrap().len(), 1);

    let r = upload(&t, &staff, "eping.csv", eping_csv().into_bytes()).await;
    assert_eq!(r["created"], 6);
    t.run_jobs().await;
    // Immediate: mail and in-site notice, saying why and when.
    let (subject, body, link) = t.last_mail("exporter@example.com").await;
    assert!(subject.contains("G/TBT/N/VNM/300"), "{subject}");
    assert!(body.contains("ASEAN (VNM) · HS 8414"), "{body}");
    assert!(body.contains(&day(45)), "domestic deadline in the mail: {body}");
    assert_eq!(link.as_deref(), Some("/tbt/notifications/G%2FTBT%2FN%2FVNM%2F300"));
    let notices: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'exporter' AND n.kind = 'tbt_match'")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(notices, 1);
    // Daily: nothing yet, then one digest.
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'digester@example.com'")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    let mut tx = t.app.db.begin().await.unwrap();
    biaozhun::jobs::enqueue(&mut tx, "tbt_digest", serde_json::json!({}), None).await.unwrap();
    tx.commit().await.unwrap();
    t.run_jobs().await;
    let (subject, body, _) = t.last_mail("digester@example.com").await;
    assert!(subject.contains('1'), "{subject}");
    assert!(body.contains("keyword 'range hood'"), "{body}");
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'digester@example.com'")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(after, before + 1);
    // Re-importing does not alert again.
    upload(&t, &staff, "eping.csv", eping_csv().into_bytes()).await;
    t.run_jobs().await;
    assert_eq!(t.count("SELECT COUNT(*) FROM tbt_matches").await, 2);

    // Profile: HS browser without JavaScript, default subscription.
    let r = exporter.get("/tbt/profile?hs_open=XVI").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("value=\"84\""));
    let r = exporter.get("/tbt/profile?hs_open=8414").await;
    assert!(r.text.contains("value=\"841460\""));
    let r = exporter
        .post_form(
            "/tbt/profile",
            &[
                ("hs", "8516"),
                ("pick", "841460"),
                ("markets", "EU"),
                ("markets", "TPKM"),
                ("keywords", ""),
                ("frequency", "immediate"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let subs = exporter.api(Method::GET, "/api/v1/tbt/subscriptions", None).await.json();
    let from_profile: Vec<&serde_json::Value> = subs.as_array().unwrap().iter().filter(|s| s["from_profile"] == true).collect();
    assert_eq!(from_profile.len(), 1);
    assert_eq!(from_profile[0]["hs"], serde_json::json!(["8516", "841460"]));
    let r = exporter.post_form("/tbt/profile", &[("hs", "12345"), ("markets", "EU")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Calendars.
    let page = unescape(&exporter.get("/tbt/profile").await.text);
    assert!(page.contains("/tbt/calendar/"), "{page}");
    let start = page.find("/tbt/calendar/").unwrap();
    let url = &page[start..start + page[start..].find(".ics").unwrap() + 4];
    let r = t.client().get(url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.headers["content-type"].to_str().unwrap().starts_with("text/calendar"));
    assert!(r.text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert!(r.text.contains(&format!("DTSTART;VALUE=DATE:{}\r\n", day(55).replace('-', ""))));
    assert!(r.text.contains("G/TBT/N/VNM/300"));
    assert!(r.text.ends_with("END:VCALENDAR\r\n"));
    assert!(r.text.split("\r\n").all(|l| l.len() <= 75 && !l.contains('\n')));
    let r = t.client().get("/tbt/calendar.ics?member=ASEAN").await;
    assert!(r.text.contains("G/TBT/N/VNM/300") && !r.text.contains("TPKM"));
    assert_eq!(t.client().get("/tbt/calendar/nope.ics").await.status, StatusCode::NOT_FOUND);

    // Concern with an attachment, then the staff comment.
    let csrf = exporter.csrf().await;
    let path = format!("/tbt/notifications/{}/concerns?_csrf={csrf}", enc("G/TBT/N/VNM/300"));
    let form = reqwest::multipart::Form::new()
        .text("body", "The 60-day test period is too short for our range hoods.")
        .text("clauses", "Art. 4.2")
        .text("trade_impact", "USD 2 million of exports a year")
        .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.4 test".to_vec()).file_name("evidence.pdf"));
    let r = exporter.http.post(exporter.url(&path)).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let bad = reqwest::multipart::Form::new()
        .text("body", "x")
        .part("file", reqwest::multipart::Part::bytes(b"MZ".to_vec()).file_name("a.exe"));
    let r = exporter.http.post(exporter.url(&path)).multipart(bad).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let nid: i64 = sqlx::query_scalar("SELECT notification_id FROM tbt_symbols WHERE symbol = 'G/TBT/N/VNM/300'")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();

    // Staff bring the domestic deadline forward: it enters the 30-day queue.
    let r = staff
        .post_form(&format!("/staff/tbt/notifications/{nid}/domestic"), &[("domestic_deadline", &day(20))])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = staff.get("/staff/tbt").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(unescape(&r.text).contains("G/TBT/N/VNM/300"), "queue shows the notification");
    let r = staff.post_form(&format!("/staff/tbt/notifications/{nid}/comments"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cid: i64 = r.location().trim_start_matches("/staff/tbt/comments/").parse().unwrap();
    let page = staff.get(&format!("/staff/tbt/comments/{cid}")).await;
    assert!(page.text.contains("too short for our range hoods"));
    let cpath = format!("/staff/tbt/comments/{cid}/state");
    // Illegal move, then a legal one, then a stale version.
    assert_eq!(
        staff.post_form(&cpath, &[("to", "submitted"), ("version", "1")]).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        staff
            .post_form(&cpath, &[("to", "internal_review"), ("version", "1"), ("note", "please check")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        staff.post_form(&cpath, &[("to", "submitted"), ("version", "1")]).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        staff
            .post_form(&format!("/staff/tbt/comments/{cid}"), &[("title", "x"), ("body", "y"), ("version", "1")])
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        staff
            .post_form(
                &format!("/staff/tbt/comments/{cid}"),
                &[
                    ("title", "Comments of Guangzhou exporters"),
                    ("body", "Please extend the period."),
                    ("version", "2")
                ]
            )
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        staff.post_form(&cpath, &[("to", "submitted"), ("version", "3")]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(t.count("SELECT COUNT(*) FROM tbt_comment_history").await, 3);
    let told: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id WHERE u.username = 'exporter' AND n.kind = 'tbt_comment'")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(told, 3, "told at creation and at each move");
    let md = staff.get(&format!("/staff/tbt/comments/{cid}/export.md")).await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(md.text.contains("G/TBT/N/VNM/300") && md.text.contains("Please extend the period.") && md.text.contains("internal_review → submitted"));
    assert_eq!(staff.get(&format!("/staff/tbt/comments/{cid}/print")).await.status, StatusCode::OK);
    // Attachments: the author and staff, not others.
    let aid: i64 = t.count("SELECT MAX(id) FROM tbt_concerns").await;
    assert_eq!(exporter.get(&format!("/tbt/concerns/{aid}/attachment")).await.status, StatusCode::OK);
    assert_eq!(digester.get(&format!("/tbt/concerns/{aid}/attachment")).await.status, StatusCode::FORBIDDEN);
    // Comments are staff-only.
    assert_eq!(exporter.get(&format!("/staff/tbt/comments/{cid}")).await.status, StatusCode::FORBIDDEN);
    // Domestic deadline set by staff survives a re-import.
    upload(
        &t,
        &staff,
        "eping2.csv",
        eping_csv()
            .replace("Energy labelling of range hoods", "Energy labelling of cooker hoods")
            .into_bytes(),
    )
    .await;
    let j = t.client().get(&format!("/api/v1/tbt/notifications/{}", enc("G/TBT/N/VNM/300"))).await.json();
    assert_eq!(j["title"], "Energy labelling of cooker hoods");
    assert_eq!(j["domestic_deadline"], day(20).as_str());
});

scenario!(tbt_org_profile_alerts_reach_every_user_of_the_organisation, |t: TestApp| async move {
    let staff = t.user_with_roles("desk2", &[Role::Staff]).await;
    // An organisation with two users: its administrator, and a colleague who accepted an invitation.
    let pool = &t.app.db.pool;
    let org = t.org_with_admin("exportboss", "广州示例电器有限公司", "91440101MA59ABCD1D").await;
    let boss = &org.admin;
    let colleague = t.org_member(&org, "exportclerk").await;
    t.user("someoneelse").await;
    // The organisation's profile (saved by its admin) is its default subscription.
    let r = boss.post_form("/tbt/profile", &[("hs", "8414"), ("markets", "ASEAN"), ("frequency", "immediate")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    upload(&t, &staff, "eping.csv", eping_csv().into_bytes()).await;
    t.run_jobs().await;
    // Both users of the organisation are told, once each; nobody else is.
    for name in ["exportboss", "exportclerk"] {
        let id = t.user_id(name).await;
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'tbt_match'").bind(id).fetch_one(pool).await.unwrap();
        assert_eq!(n, 1, "{name}");
    }
    let others: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE kind = 'tbt_match' AND user_id = $1")
        .bind(t.user_id("someoneelse").await)
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(others, 0);
    let page = colleague.get("/notifications").await;
    assert!(page.text.contains("G/TBT/N/VNM/300") || page.text.contains("G&#x2f;TBT&#x2f;N&#x2f;VNM&#x2f;300"), "the colleague's inbox lists the match");
    // Acting for the organisation, the colleague sees its profile's matches (read-only).
    let r = colleague.post_form("/orgs/acting", &[("org", &org.id.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = colleague.get("/tbt/profile").await;
    assert!(page.text.contains("广州示例电器有限公司") && !page.text.contains("action=\"/tbt/profile\""));
    assert!(page.text.contains("G/TBT/N/VNM/300") || page.text.contains("G&#x2f;TBT&#x2f;N&#x2f;VNM&#x2f;300"), "the organisation's matches");
});

/// Dates as the WTO's records have written them since 1995, and cells that are no date.
const DATES_CSV: &str = "Symbol,Notifying Member(s),Title,Distribution date,Final date for comments,Proposed date of adoption,Proposed date of entry into force\n\
G/TBT/Notif.97.305,European Communities,Dangerous substances,14 July 1997,60 days from notification,,\n\
G/TBT/Notif.97.306,Canada,Motor vehicle safety,14/07/1997,31 August 1997,To be determined,6 months after publication\n\
G/TBT/Notif.97.307,Switzerland,Electrical equipment,14.07.1997,15.09.1997,1 January 1998,\n\
G/TBT/N/USA/150,,Lighting products,\"July 14, 1997\",60 days after publication,,\n\
G/TBT/N/JPN/30,,Medical devices,14-Jul-1997,1997-09-12,,\n\
G/TBT/N/MEX/1,,Tyres,35625,Sixty (60) days from notification,,\n\
G/TBT/N/NZL/1,,Food labelling,circulated mid-July,60 days from notification,1998-13-01,\n\
G/TBT/N/AUS/1,,Toys,03/04/1997,31/31/1997,,\n";

scenario!(tbt_dates_in_every_style, |t: TestApp| async move {
    let staff = t.user_with_roles("datestaff", &[Role::Staff]).await;
    let r = upload(&t, &staff, "dates.csv", DATES_CSV.as_bytes().to_vec()).await;
    assert_eq!((r["created"].as_i64(), r["errors"].as_array().map(Vec::len)), (Some(8), Some(0)), "every row is kept: {r}");
    let warned = |line: i64, column: &str| r["warnings"].as_array().unwrap().iter().any(|w| w["line"] == line && w["column"] == column);
    assert!(warned(8, "Distribution date") && warned(8, "Final date for comments") && warned(8, "Proposed date of adoption"), "{r}");
    assert!(warned(9, "Final date for comments"), "{r}");
    assert!(!warned(2, "Distribution date") && !warned(7, "Final date for comments") && !warned(3, "Proposed date of adoption"), "{r}");

    let anon = t.client();
    let get = |sym: &'static str| {
        let anon = anon.clone();
        async move { anon.get(&format!("/api/v1/tbt/notifications/{}", enc(sym))).await.json() }
    };
    // (symbol, distribution date, final date for comments)
    for (sym, dist, deadline) in [
        ("G/TBT/Notif.97.305", "1997-07-14", "1997-09-12"),
        ("G/TBT/Notif.97.306", "1997-07-14", "1997-08-31"),
        ("G/TBT/Notif.97.307", "1997-07-14", "1997-09-15"),
        ("G/TBT/N/USA/150", "1997-07-14", "1997-09-12"),
        ("G/TBT/N/JPN/30", "1997-07-14", "1997-09-12"),
        ("G/TBT/N/MEX/1", "1997-07-14", "1997-09-12"),
    ] {
        let j = get(sym).await;
        assert_eq!((j["distribution_date"].as_str(), j["comment_deadline"].as_str()), (Some(dist), Some(deadline)), "{sym}: {j}");
        assert_eq!(j["distribution_raw"], "", "{sym}");
    }
    let j = get("G/TBT/Notif.97.305").await;
    assert_eq!(j["member"]["code"], "EU");
    let j = get("G/TBT/Notif.97.307").await;
    assert_eq!(j["adoption_date"], "1998-01-01");
    // Day first, as the WTO writes it.
    let j = get("G/TBT/N/AUS/1").await;
    assert_eq!(j["distribution_date"], "1997-04-03");
    assert!(j["comment_deadline"].is_null() && j["comment_text"] == "31/31/1997", "{j}");
    // The odd cell is kept as written and shown; the relative deadline has nothing to count from.
    let j = get("G/TBT/N/NZL/1").await;
    assert!(j["distribution_date"].is_null(), "{j}");
    assert_eq!(j["distribution_raw"], "circulated mid-July");
    assert!(j["comment_deadline"].is_null() && j["comment_text"] == "60 days from notification", "{j}");
    assert_eq!(j["proposed_adoption"], "1998-13-01");
    let page = anon.get(&format!("/tbt/notifications/{}", enc("G/TBT/N/NZL/1"))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("circulated mid-July") && page.text.contains("原文照录"), "{}", page.text);
    assert!(page.text.contains("60 days from notification"));

    // The same file again changes nothing; a corrected date replaces the raw text.
    let r = upload(&t, &staff, "dates.csv", DATES_CSV.as_bytes().to_vec()).await;
    assert_eq!((r["created"].as_i64(), r["updated"].as_i64(), r["unchanged"].as_i64()), (Some(0), Some(0), Some(8)), "{r}");
    let fixed = "Symbol,Distribution date,Final date for comments\nG/TBT/N/NZL/1,15 July 1997,60 days from notification\n";
    let r = upload(&t, &staff, "fixed.csv", fixed.as_bytes().to_vec()).await;
    assert_eq!(r["updated"], 1, "{r}");
    let j = get("G/TBT/N/NZL/1").await;
    assert_eq!((j["distribution_date"].as_str(), j["distribution_raw"].as_str(), j["comment_deadline"].as_str()), (Some("1997-07-15"), Some(""), Some("1997-09-13")), "{j}");

    // An XLSX with a date cell and a bare Excel serial number.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in ["Symbol", "Distribution date", "Final date for comments"].iter().enumerate() {
        ws.write_string(0, i as u16, *h).unwrap();
    }
    let fmt = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
    ws.write_string(1, 0, "G/TBT/N/CHL/1").unwrap();
    ws.write_datetime_with_format(1, 1, &rust_xlsxwriter::ExcelDateTime::from_ymd(1997, 7, 14).unwrap(), &fmt).unwrap();
    ws.write_string(1, 2, "60 days from notification").unwrap();
    ws.write_string(2, 0, "G/TBT/N/PER/1").unwrap();
    ws.write_number(2, 1, 35625.0).unwrap();
    ws.write_number(2, 2, 35685.0).unwrap();
    let r = upload(&t, &staff, "dates.xlsx", wb.save_to_buffer().unwrap()).await;
    assert_eq!((r["created"].as_i64(), r["warnings"].as_array().map(Vec::len)), (Some(2), Some(0)), "{r}");
    for sym in ["G/TBT/N/CHL/1", "G/TBT/N/PER/1"] {
        let j = get(sym).await;
        assert_eq!((j["distribution_date"].as_str(), j["comment_deadline"].as_str()), (Some("1997-07-14"), Some("1997-09-12")), "{sym}: {j}");
    }
});
