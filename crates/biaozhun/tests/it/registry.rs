//! The registry room through HTTP: products added by an organisation's administrators (and
//! staff), refused for bad fields and other organisations; the product search by GTIN,
//! standard and organisation; an organisation's public part; self-declarations, public and
//! searchable, flagged when a cited standard is replaced; the product import, re-run.

use crate::scenario;
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

pub(crate) const USCC_A: &str = "91440101MA59ABCD1D";
pub(crate) const USCC_B: &str = "9144030071526726XG";
pub(crate) const USCC_UNKNOWN: &str = "91110000600037341L";
const USCC_BAD_CHECK: &str = "91440101MA59ABCD1E";

pub(crate) async fn catalogue(t: &TestApp, csv: &str) {
    biaozhun::standards::import::import_bytes(&t.app, "c.csv", csv.as_bytes(), biaozhun::standards::import::Progress::None).await.expect("import");
}

pub(crate) const CATALOGUE: &str = "标准号,中文标准名称,标准状态,发布日期,实施日期\n\
GB 4706.1-2005,家用和类似用途电器的安全 第1部分：通用要求,现行,2005-08-26,2006-08-01\n\
GB 4706.19-2008,家用和类似用途电器的安全 液体加热器的特殊要求,现行,2008-12-30,2010-02-01\n";

pub(crate) fn product(org: &str, name: &str, gtin: &str, standards: &[&str]) -> serde_json::Value {
    json!({"organisation": org, "name": name, "model": "K-17", "gtin": gtin, "hs": "8516.79", "standards": standards})
}

scenario!(registry_products_declarations_and_flags, |t: TestApp| async move {
    catalogue(&t, CATALOGUE).await;
    let a = t.org_with_admin("reg_a", "广州甲电器有限公司", USCC_A).await;
    let b = t.org_with_admin("reg_b", "广州乙电器有限公司", USCC_B).await;
    let a_staff = t.org_member(&a, "reg_a_staff").await;
    let staff = t.staff("reg_staff").await;
    let visitor = t.client();

    // Fields are checked and named.
    let r = a.admin.api(Method::POST, "/api/v1/products", Some(product(USCC_A, "电热水壶", "6901234567893", &["GB 4706.1-2005"]))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["error"]["field"], "gtin", "{}", r.text);
    for code in [USCC_BAD_CHECK, USCC_UNKNOWN] {
        let r = a.admin.api(Method::POST, "/api/v1/products", Some(product(code, "电热水壶", "6901234567892", &[]))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{code}: {}", r.text);
        assert_eq!(r.json()["error"]["field"], "organisation", "{}", r.text);
    }
    let mut bad_hs = product(USCC_A, "电热水壶", "6901234567892", &[]);
    bad_hs["hs"] = json!("9999.99");
    let r = a.admin.api(Method::POST, "/api/v1/products", Some(bad_hs)).await;
    assert_eq!(r.json()["error"]["field"], "hs", "{}", r.text);

    // One organisation never adds to another's products; its plain users do not either.
    let kettle = product(USCC_A, "电热水壶", "6901234567892", &["GB 4706.1-2005", "gb4706.19—2008", "Q/GZJ 001-2024"]);
    assert_eq!(b.admin.api(Method::POST, "/api/v1/products", Some(kettle.clone())).await.status, StatusCode::FORBIDDEN);
    assert_eq!(a_staff.api(Method::POST, "/api/v1/products", Some(kettle.clone())).await.status, StatusCode::FORBIDDEN);
    assert_eq!(visitor.api(Method::POST, "/api/v1/products", Some(kettle.clone())).await.status, StatusCode::UNAUTHORIZED);
    let r = a.admin.api(Method::POST, "/api/v1/products", Some(kettle.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let p = r.json();
    let pid = p["id"].as_i64().unwrap();
    assert_eq!((p["gtin"].as_str(), p["hs"].as_str(), p["organisation"].as_str()), (Some("6901234567892"), Some("851679"), Some(USCC_A)));
    let cited = p["standards"].as_array().unwrap();
    assert_eq!(cited.len(), 3, "{p}");
    let gb1 = cited.iter().find(|c| c["norm"] == "GB 4706.1-2005").unwrap();
    assert_eq!((gb1["status"].as_str(), gb1["current"].as_str()), (Some("in_force"), Some("GB 4706.1-2005")));
    let own = cited.iter().find(|c| c["number"] == "Q/GZJ 001-2024").unwrap();
    assert_eq!(own["status"], "unknown");
    // The enterprise uploads its own standard with its indicators: now it is judged its own.
    let own_std = json!({"organisation": USCC_A, "number": "Q/GZJ 001-2024", "title": "电热水壶企业标准", "indicators": "煮沸时间 ≤ 5 min"});
    assert_eq!(b.admin.api(Method::POST, "/api/v1/own-standards", Some(own_std.clone())).await.status, StatusCode::FORBIDDEN);
    let mut not_q = own_std.clone();
    not_q["number"] = json!("GB 4706.1-2005");
    assert_eq!(a.admin.api(Method::POST, "/api/v1/own-standards", Some(not_q)).await.json()["error"]["field"], "number");
    assert_eq!(a.admin.api(Method::POST, "/api/v1/own-standards", Some(own_std)).await.status, StatusCode::CREATED);
    assert_eq!(visitor.get(&format!("/api/v1/own-standards?organisation={USCC_A}")).await.json()[0]["indicators"], "煮沸时间 ≤ 5 min");
    let p = visitor.get("/api/v1/products?gtin=6901234567892").await.json();
    let own = p["items"][0]["standards"].as_array().unwrap().iter().find(|c| c["number"] == "Q/GZJ 001-2024").unwrap().clone();
    assert_eq!((own["status"].as_str(), own["current"].as_str()), (Some("own"), Some("Q/GZJ 001-2024")), "{p}");
    // The same product again is a conflict; its GTIN on another product is refused.
    assert_eq!(a.admin.api(Method::POST, "/api/v1/products", Some(kettle.clone())).await.status, StatusCode::CONFLICT);
    let r = staff.api(Method::POST, "/api/v1/products", Some(product(USCC_B, "电饭锅", "6901234567892", &[]))).await;
    assert_eq!(r.json()["error"]["field"], "gtin", "{}", r.text);
    // Staff add for any organisation.
    let r = staff.api(Method::POST, "/api/v1/products", Some(product(USCC_B, "电饭锅", "4006381333931", &["GB 4706.1"]))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

    // Search by GTIN, standard (with or without the year) and organisation.
    let ids = |v: serde_json::Value| v["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(ids(visitor.get("/api/v1/products?gtin=6901234567892").await.json()), vec!["电热水壶"]);
    assert_eq!(visitor.get("/api/v1/products?gtin=6901234567891").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ids(visitor.get("/api/v1/products?standard=GB%204706.1").await.json()), vec!["电饭锅", "电热水壶"]);
    assert_eq!(ids(visitor.get("/api/v1/products?standard=GB%204706.19-2008").await.json()), vec!["电热水壶"]);
    assert_eq!(ids(visitor.get(&format!("/api/v1/products?organisation={USCC_B}")).await.json()), vec!["电饭锅"]);
    assert_eq!(ids(visitor.get(&format!("/api/v1/products?organisation={USCC_UNKNOWN}")).await.json()), Vec::<String>::new());

    // An organisation's public part.
    let o = visitor.get(&format!("/api/v1/organisations/{USCC_A}")).await;
    assert_eq!(o.status, StatusCode::OK, "{}", o.text);
    let o = o.json();
    assert_eq!((o["name"].as_str(), o["district_code"].as_str(), o["declarations"].as_i64()), (Some("广州甲电器有限公司"), Some("440113"), Some(0)));
    assert!(!o["district"].as_str().unwrap().is_empty());
    assert!(o.get("contact_phone").is_none(), "the contact stays private: {o}");
    assert_eq!(visitor.get(&format!("/api/v1/organisations/{USCC_BAD_CHECK}")).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(visitor.get(&format!("/api/v1/organisations/{USCC_UNKNOWN}")).await.status, StatusCode::NOT_FOUND);
    // A legacy organisation code (GB 11714) finds the organisation whose credit code embeds it.
    assert_eq!(visitor.get("/api/v1/organisations/MA59ABCD-1").await.json()["credit_code"], USCC_A);
    assert_eq!(visitor.get("/api/v1/organisations/MA59ABCD2").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A new name keeps the old one.
    t.org_with_admin("reg_a2", "广州甲电器集团有限公司", USCC_A).await;
    let o = visitor.get(&format!("/api/v1/organisations/{USCC_A}")).await.json();
    assert_eq!((o["name"].as_str(), o["former_names"][0].as_str()), (Some("广州甲电器集团有限公司"), Some("广州甲电器有限公司")), "{o}");

    // Declaring: only the organisation's administrators (or staff).
    assert_eq!(b.admin.api(Method::POST, "/api/v1/declarations", Some(json!({"product": pid}))).await.status, StatusCode::FORBIDDEN);
    assert!(visitor.get("/api/v1/declarations?standard=GB%204706.1-2005").await.json()["items"].as_array().unwrap().is_empty(), "nothing declared yet");
    let r = a.admin.api(Method::POST, "/api/v1/declarations", Some(json!({"product": pid}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let did = r.json()["id"].as_i64().unwrap();
    let found = visitor.get("/api/v1/declarations?standard=GB%204706.1-2005").await.json();
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{found}");
    assert_eq!(items[0]["product"], "电热水壶");
    let s = items[0]["standards"].as_array().unwrap().iter().find(|c| c["number"] == "GB 4706.1-2005").unwrap();
    assert_eq!((s["status"].as_str(), s["current"].as_str()), (Some("in_force"), Some("GB 4706.1-2005")));
    assert!(items[0]["flags"].as_array().unwrap().is_empty());
    assert_eq!(visitor.get("/api/v1/declarations?q=甲电器").await.json()["items"].as_array().unwrap().len(), 1);
    assert_eq!(visitor.get("/api/v1/declarations?gtin=4006381333931").await.json()["items"].as_array().unwrap().len(), 0, "not declared");
    assert_eq!(visitor.get(&format!("/api/v1/organisations/{USCC_A}")).await.json()["declarations"], 1);

    // The catalogue changes: a new edition replaces the cited one. The declaration is
    // flagged with the successor named, its history says so and the organisation hears.
    catalogue(&t, "标准号,中文标准名称,标准状态,发布日期,实施日期,代替标准\nGB 4706.1-2024,家用和类似用途电器的安全 第1部分：通用要求,现行,2024-03-15,2024-06-01,GB 4706.1-2005\n").await;
    t.run_jobs().await;
    let found = visitor.get("/api/v1/declarations?standard=GB%204706.1-2005").await.json();
    let d = &found["items"][0];
    let s = d["standards"].as_array().unwrap().iter().find(|c| c["number"] == "GB 4706.1-2005").unwrap();
    assert_eq!((s["status"].as_str(), s["current"].as_str()), (Some("replaced"), Some("GB 4706.1-2024")), "{d}");
    assert_eq!(d["flags"][0], "GB 4706.1-2005 → GB 4706.1-2024", "{d}");
    let h = visitor.get(&format!("/api/v1/declarations/{did}/history")).await.json();
    let kinds: Vec<&str> = h.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["declared", "flagged"], "{h}");
    assert!(h[1]["detail"].as_str().unwrap().contains("GB 4706.1-2024"));
    let page = visitor.get(&format!("/registry/declarations/{did}")).await.text;
    assert!(page.contains("所引标准 GB 4706.1-2005 已被代替，现行标准为 GB 4706.1-2024") && page.contains("标出所引标准变更") && page.contains("公开声明"), "{page}");
    let search = visitor.get("/registry?standard=GB+4706.1-2005").await.text;
    assert!(search.contains("所引标准 GB 4706.1-2005 已被代替，现行标准为 GB 4706.1-2024"), "{search}");
    let told = t.count("SELECT COUNT(*) FROM notifications WHERE kind = 'registry'").await;
    assert_eq!(told, 3, "the three users of the organisation are told (two administrators, one staff)");
    let (subject, body, _) = t.last_mail("reg_a@example.com").await;
    assert!(subject.contains("电热水壶") && body.contains("GB 4706.1-2024"), "{subject} {body}");
    // The daily re-check finds nothing new to tell.
    biaozhun::registry::declarations::recheck_job(t.app.clone(), 0, json!({})).await.unwrap();
    assert_eq!(t.count("SELECT COUNT(*) FROM notifications WHERE kind = 'registry'").await, 3);
});

const PRODUCTS_CSV: &str = "产品名称,型号,商品条码,HS编码,执行标准\n\
电热水壶,K-17,6901234567892,8516.79,GB 4706.1-2005；GB 4706.19-2008\n\
电饭锅,R-2,6901234567893,8516.60,GB 4706.1-2005\n\
吹风机,H-1,,9999,\n\
电暖器,N-1,4006381333931,8516.29,GB 4706.23-2007\n";

scenario!(registry_product_import_reports_rows_and_reruns_change_nothing, |t: TestApp| async move {
    let a = t.org_with_admin("imp_a", "广州甲电器有限公司", USCC_A).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("products.csv");
    std::fs::write(&file, PRODUCTS_CSV).unwrap();
    let path = file.to_string_lossy().to_string();
    let (ok, out, err) = t.cli(&["import", "products", &path, "--org", USCC_A], "");
    assert!(ok, "{out} {err}");
    assert!(out.contains("4 rows: 2 created, 0 updated, 0 unchanged, 2 problems"), "{out}");
    assert!(out.contains("line 3: 商品条码") && out.contains("line 4: HS编码"), "{out}");
    let (ok, out, _) = t.cli(&["import", "products", &path, "--org", USCC_A], "");
    assert!(ok && out.contains("0 created, 0 updated, 2 unchanged"), "{out}");
    assert_eq!(t.count("SELECT COUNT(*) FROM registry_products").await, 2);
    let (ok, _, err) = t.cli(&["import", "products", &path, "--org", USCC_BAD_CHECK], "");
    assert!(!ok && err.contains("--org"), "{err}");
    let items = a.admin.get(&format!("/api/v1/products?organisation={USCC_A}")).await.json();
    assert_eq!(items["items"].as_array().unwrap().len(), 2, "{items}");
});

scenario!(registry_bodies_record_results_shown_on_products_and_declarations, |t: TestApp| async move {
    catalogue(&t, CATALOGUE).await;
    let maker = t.org_with_admin("res_maker", "广州甲电器有限公司", USCC_A).await;
    let lab = t.org_with_admin("res_lab", "广州检测中心", USCC_B).await;
    let staff = t.staff("res_staff").await;
    let r = maker.admin.api(Method::POST, "/api/v1/products", Some(product(USCC_A, "电热水壶", "6901234567892", &["GB 4706.1-2005", "GB 4706.19-2008"]))).await;
    let pid = r.json()["id"].as_i64().unwrap();
    maker.admin.api(Method::POST, "/api/v1/declarations", Some(json!({"product": pid}))).await;
    let result = json!({"body": USCC_B, "product": pid, "standard": "GB 4706.1-2005", "outcome": "pass", "report_no": "GZ-2026-0001", "tested_on": "2026-03-01", "valid_until": "2029-02-28"});
    // Not yet a body.
    let r = lab.admin.api(Method::POST, "/api/v1/results", Some(result.clone())).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("body")), "{}", r.text);
    // Staff register the body with its scope; only staff may.
    let body = json!({"organisation": USCC_B, "accreditation": "CNAS L0001", "scope": ["GB 4706.1"]});
    assert_eq!(lab.admin.api(Method::POST, "/api/v1/bodies", Some(body.clone())).await.status, StatusCode::FORBIDDEN);
    let r = staff.api(Method::POST, "/api/v1/bodies", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let bid = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["accepted"], false);
    // The maker cannot record results in the body's name; the body cannot go beyond its scope.
    assert_eq!(maker.admin.api(Method::POST, "/api/v1/results", Some(result.clone())).await.status, StatusCode::FORBIDDEN);
    let mut out_of_scope = result.clone();
    out_of_scope["standard"] = json!("GB 4706.19-2008");
    assert_eq!(lab.admin.api(Method::POST, "/api/v1/results", Some(out_of_scope)).await.json()["error"]["field"], "standard");
    let mut bad_date = result.clone();
    bad_date["valid_until"] = json!("2025-01-01");
    assert_eq!(lab.admin.api(Method::POST, "/api/v1/results", Some(bad_date)).await.json()["error"]["field"], "valid_until");
    let r = lab.admin.api(Method::POST, "/api/v1/results", Some(result.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(lab.admin.api(Method::POST, "/api/v1/results", Some(result.clone())).await.status, StatusCode::CONFLICT, "the same report twice");
    // Staff mark the body accepted; the product and its declaration show the result.
    assert_eq!(staff.api(Method::POST, &format!("/api/v1/bodies/{bid}/accepted"), Some(json!({"accepted": true}))).await.json()["accepted"], true);
    let p = t.client().get("/api/v1/products?gtin=6901234567892").await.json();
    let res = &p["items"][0]["results"][0];
    assert_eq!((res["outcome"].as_str(), res["report_no"].as_str(), res["tested_on"].as_str(), res["valid_until"].as_str(), res["body_accepted"].as_bool()),
        (Some("pass"), Some("GZ-2026-0001"), Some("2026-03-01"), Some("2029-02-28"), Some(true)), "{p}");
    let d = t.client().get("/api/v1/declarations?gtin=6901234567892").await.json();
    assert_eq!(d["items"][0]["results"][0]["body"], "广州检测中心", "{d}");
    assert_eq!(t.client().get("/api/v1/bodies").await.json()[0]["scope"][0], "GB 4706.1");
});

scenario!(registry_open_data_exports_declarations_whole_and_since_a_day, |t: TestApp| async move {
    catalogue(&t, CATALOGUE).await;
    let a = t.org_with_admin("od_a", "广州甲电器有限公司", USCC_A).await;
    let mut ids = vec![];
    for (name, gtin) in [("电热水壶", "6901234567892"), ("电饭锅", "4006381333931")] {
        let r = a.admin.api(Method::POST, "/api/v1/products", Some(product(USCC_A, name, gtin, &["GB 4706.1-2005", "Q/GZJ 001-2024"]))).await;
        ids.push(r.json()["id"].as_i64().unwrap());
    }
    a.admin.api(Method::POST, "/api/v1/declarations", Some(json!({"product": ids[0]}))).await;
    let visitor = t.client();
    let csv = visitor.get("/api/v1/open/declarations/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("declaration_id,credit_code,organisation,product"), "{}", csv.text);
    assert_eq!(lines.len(), 3, "one line per cited standard of the one declaration: {}", csv.text);
    assert!(csv.text.contains("电热水壶") && !csv.text.contains("电饭锅") && csv.text.contains("GB 4706.1-2005,in_force"), "{}", csv.text);
    let jl = visitor.get("/api/v1/open/declarations/export.jsonl").await;
    let first: serde_json::Value = serde_json::from_str(jl.text.lines().next().unwrap()).unwrap();
    assert_eq!(first["gtin"], "6901234567892");
    assert_eq!(jl.text.lines().count(), 1);
    // Changes since a day: today's declaration is in, a day in the future has nothing.
    let today = biaozhun::util::fmt_date(biaozhun::util::now());
    assert_eq!(visitor.get(&format!("/api/v1/open/declarations/export.jsonl?since={today}")).await.text.lines().count(), 1);
    assert_eq!(visitor.get("/api/v1/open/declarations/export.jsonl?since=2099-01-01").await.text.lines().count(), 0);
    assert_eq!(visitor.get("/api/v1/open/declarations/export.csv?since=2026-13-45").await.status, StatusCode::UNPROCESSABLE_ENTITY);
});

scenario!(registry_webhooks_are_signed_retried_with_the_same_id_and_logged, |t: TestApp| async move {
    use std::sync::{Arc, Mutex};
    // A subscriber that fails its first delivery and takes the next.
    // (delivery id, event, signature, body) of each request.
    type Seen = Arc<Mutex<Vec<(String, String, String, String)>>>;
    let seen: Seen = Arc::default();
    let s2 = seen.clone();
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: String| {
            let seen = s2.clone();
            async move {
                let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                let mut l = seen.lock().unwrap();
                l.push((h("x-biaozhun-delivery"), h("x-biaozhun-event"), h("x-biaozhun-signature"), body));
                if l.len() == 1 { axum::http::StatusCode::INTERNAL_SERVER_ERROR } else { axum::http::StatusCode::OK }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, hook).await.unwrap() });

    catalogue(&t, CATALOGUE).await;
    let a = t.org_with_admin("wh_a", "广州甲电器有限公司", USCC_A).await;
    let sub = t.user("wh_sub").await;
    assert_eq!(sub.api(Method::POST, "/api/v1/webhooks", Some(json!({"url": "ftp://example.com/x"}))).await.json()["error"]["field"], "url");
    let r = sub.api(Method::POST, "/api/v1/webhooks", Some(json!({"url": format!("http://{addr}/hook")}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let (hid, secret) = (r.json()["id"].as_i64().unwrap(), r.json()["secret"].as_str().unwrap().to_string());
    assert_eq!(a.admin.get(&format!("/api/v1/webhooks/{hid}/deliveries")).await.status, StatusCode::NOT_FOUND, "another's log");

    let pid = a.admin.api(Method::POST, "/api/v1/products", Some(product(USCC_A, "电热水壶", "6901234567892", &["GB 4706.1-2005"]))).await.json()["id"].as_i64().unwrap();
    a.admin.api(Method::POST, "/api/v1/declarations", Some(json!({"product": pid}))).await;
    t.run_jobs().await;
    let log = sub.get(&format!("/api/v1/webhooks/{hid}/deliveries")).await.json();
    assert_eq!((log[0]["status"].as_str(), log[0]["attempts"].as_i64(), log[0]["last_status"].as_i64()), (Some("retrying"), Some(1), Some(500)), "{log}");
    // The queue retries later (backoff); here the time has come.
    sqlx::query("UPDATE jobs SET run_at = 0 WHERE kind = 'registry_webhook' AND status = 'queued'").execute(&t.app.db.pool).await.unwrap();
    t.run_jobs().await;
    let log = sub.get(&format!("/api/v1/webhooks/{hid}/deliveries")).await.json();
    assert_eq!((log[0]["status"].as_str(), log[0]["attempts"].as_i64(), log[0]["last_status"].as_i64()), (Some("delivered"), Some(2), Some(200)), "{log}");
    let got = seen.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].0, got[1].0, "the same delivery id on the retry");
    assert_eq!(got[0].0, log[0]["id"].as_str().unwrap());
    assert_eq!(got[1].1, "declaration.declared");
    assert_eq!(got[1].2, biaozhun::registry::webhooks::sign(&secret, got[1].3.as_bytes()), "signed with the secret");
    let body: serde_json::Value = serde_json::from_str(&got[1].3).unwrap();
    assert_eq!(body["data"]["gtin"], "6901234567892");
    assert_eq!(body["data"]["standards"][0]["status"], "in_force");
});

scenario!(registry_pages_add_declare_and_find_a_product, |t: TestApp| async move {
    catalogue(&t, CATALOGUE).await;
    let a = t.org_with_admin("pg_a", "广州甲电器有限公司", USCC_A).await;
    let plain = t.user("pg_plain").await;
    assert!(plain.get("/registry/products").await.text.contains("只有单位管理员"));
    assert_eq!(plain.post_form("/registry/products", &[("name", "x")]).await.location(), "/registry/products");
    assert_eq!(t.count("SELECT COUNT(*) FROM registry_products").await, 0);
    // A bad GTIN comes back at its field with the text kept.
    let form = [("name", "电热水壶"), ("model", "K-17"), ("gtin", "6901234567893"), ("hs", "8516.79"), ("standards", "GB 4706.1-2005；Q/GZJ 001-2024")];
    let r = a.admin.post_form("/registry/products", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-gtin\"") && r.text.contains("电热水壶"), "{}", r.text);
    let mut form = form;
    form[2] = ("gtin", "6901234567892");
    let r = a.admin.post_form("/registry/products", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = a.admin.get("/registry/products").await.text;
    assert!(page.contains("电热水壶") && page.contains("GB 4706.1-2005 — 现行") && page.contains("公开声明"), "{page}");
    let pid = t.count("SELECT MAX(id) FROM registry_products").await;
    assert_eq!(a.admin.post_form(&format!("/registry/products/{pid}/declare"), &[]).await.status, StatusCode::SEE_OTHER);
    let found = t.client().get("/registry?standard=GB+4706.1").await.text;
    assert!(found.contains("电热水壶") && found.contains("广州甲电器有限公司") && found.contains("现行"), "{found}");
    assert!(t.client().get("/registry?q=乙公司").await.text.contains("没有符合条件的自我声明"));
    assert!(t.client().get("/registry?gtin=123").await.text.contains("id=\"err-gtin\""));
});

scenario!(registry_staff_upload_a_product_list_and_read_its_problems_on_the_job_page, |t: TestApp| async move {
    t.org_with_admin("up_a", "广州甲电器有限公司", USCC_A).await;
    let staff = t.staff("up_staff").await;
    let page = staff.get(&format!("/staff/registry/import?org={USCC_A}")).await.text;
    assert!(page.contains("广州甲电器有限公司") && page.contains("id=\"registry-import\""), "{page}");
    assert!(staff.get(&format!("/staff/registry/import?org={USCC_BAD_CHECK}")).await.text.contains("id=\"err-org\""));
    let csrf = staff.csrf().await;
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(PRODUCTS_CSV.as_bytes().to_vec()).file_name("products.csv"));
    let r = staff.http.post(staff.url(&format!("/staff/registry/import?org={USCC_A}&_csrf={csrf}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let job = r.headers()["location"].to_str().unwrap().to_string();
    t.run_jobs().await;
    let text = staff.get(&job).await.text.replace("&#x2f;", "/").replace("&quot;", "\"");
    assert!(text.contains("共 4 行：新增 2，更新 0，未变 0，问题 2"), "{text}");
    assert!(text.contains("商品条码“6901234567893”有误") && text.contains("HS 编码“9999”不在 HS 2022 目录中"), "{text}");
    assert_eq!(t.count("SELECT COUNT(*) FROM registry_products").await, 2);
});

scenario!(registry_api_list_is_in_the_openapi_document, |t: TestApp| async move {
    // The API list, with the answers it names, is in the OpenAPI document.
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    let p = &doc["paths"];
    for code in ["200", "404", "422"] {
        assert!(p["/api/v1/organisations/{credit_code}"]["get"]["responses"][code].is_object(), "organisation {code}");
    }
    for code in ["201", "403", "422"] {
        assert!(p["/api/v1/products"]["post"]["responses"][code].is_object(), "POST products {code}");
    }
    let params: Vec<&str> = p["/api/v1/products"]["get"]["parameters"].as_array().expect("product filters").iter().filter_map(|x| x["name"].as_str()).collect();
    assert!(["gtin", "standard", "organisation"].iter().all(|n| params.contains(n)), "{params:?}");
    let dparams: Vec<&str> = p["/api/v1/declarations"]["get"]["parameters"].as_array().expect("declaration filters").iter().filter_map(|x| x["name"].as_str()).collect();
    assert!(dparams.contains(&"standard"), "{dparams:?}");
    let cited = &doc["components"]["schemas"];
    let out = cited.as_object().unwrap().iter().find(|(k, _)| k.contains("CitedOut")).map(|(_, v)| v.clone()).expect("CitedOut schema");
    for f in ["number", "status", "current"] {
        assert!(out["properties"][f].is_object(), "cited standard carries {f}");
    }
});
