//! Validity-check reports (issue 11, items 3 and 6): the limit on entries per check, the
//! compact stored form, private reports (404 to anyone else, neighbours included), the
//! public verification code that shows the summary only, the owner's list and deletion,
//! and the expiry of anonymous reports. See docs/reliability/security.md.

use crate::scenario;
use crate::support::*;
use reqwest::{Method, StatusCode};
use std::time::{Duration, Instant};

async fn check(c: &Client, text: &str) -> Resp {
    c.api(Method::POST, "/api/v1/standards/check", Some(serde_json::json!({ "text": text }))).await
}

/// A report made through the form, as a browser makes it: its number (from the redirect).
async fn form_check(c: &Client, text: &str) -> String {
    let r = c.post_form("/standards/check", &[("text", text)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    r.location().trim_start_matches("/standards/check/").to_string()
}

fn neighbours(no: &str) -> Vec<String> {
    let (head, n) = no.rsplit_once('-').unwrap();
    let n: i64 = n.parse().unwrap();
    [n - 1, n + 1].iter().filter(|&&k| k > 0).map(|k| format!("{head}-{k:06}")).collect()
}

async fn row_sizes(t: &TestApp) -> Vec<(i64, i64)> {
    sqlx::query_as("SELECT CAST(COALESCE(LENGTH(packed), 0) AS BIGINT), CAST(LENGTH(items) AS BIGINT) FROM standard_checks ORDER BY id").fetch_all(&t.app.db.pool).await.unwrap()
}

scenario!(a_megabyte_line_of_numbers_is_refused_at_once_and_stores_nothing, |t: TestApp| async move {
    // The probe's line, `ISO 1 ISO 1 …`, was 2 MB (333,000 numbers); the test server takes
    // bodies up to 1 MB, so this one has 166,000. The refusal comes after the first 16 KB
    // of the line either way.
    let line = "ISO 1 ".repeat(166_000);
    let anon = t.client_from("198.51.100.30");
    let started = Instant::now();
    let r = check(&anon, &line).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", &r.text[..r.text.len().min(300)]);
    assert!(started.elapsed() < Duration::from_secs(5), "answered in {:?}", started.elapsed());
    assert!(r.text.len() < 2_000, "a short answer, not the items: {} bytes", r.text.len());
    let j = r.json();
    let e = &j["error"];
    assert_eq!(e["field"], "text", "{j}");
    assert!(e["message"].as_str().unwrap().contains("2,000") && e["message"].as_str().unwrap().contains("10,000"), "names the limits: {e}");
    assert_eq!(t.count("SELECT COUNT(*) FROM standard_checks").await, 0, "nothing stored");

    // Logged in, the limit is higher, and named.
    let user = t.user("bulk_checker").await;
    let r = check(&user, &line).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("10,000"), "{}", r.text);
    // The form shows the message beside the text box.
    let r = anon.post_form("/standards/check", &[("text", &"GB 1 ".repeat(2_001))]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("2,000") && r.text.contains("id=\"err-text\""), "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM standard_checks").await, 0);

    // Up to the limit is checked, and the stored row stays small.
    let r = check(&anon, &"ISO 1 ".repeat(2_000)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", &r.text[..r.text.len().min(300)]);
    let j = r.json();
    assert_eq!(j["items"].as_array().unwrap().len(), 2_000);
    assert_eq!(j["total"], 2_000);
    // A saved report is read in pages of 500.
    let no = j["check_no"].as_str().unwrap();
    let page = anon.get(&format!("/standards/check/{no}?page=4")).await;
    assert!(page.text.contains("4 / 4") && page.text.contains("rel=\"prev\"") && page.text.matches("<tr>").count() == 501, "{}", page.text.len());
    let p2 = anon.api(Method::GET, &format!("/api/v1/standards/checks/{no}?page=2"), None).await.json();
    assert_eq!((p2["page"].as_u64(), p2["items_total"].as_u64(), p2["items"].as_array().map(Vec::len)), (Some(2), Some(2_000), Some(500)));
    let r = check(&user, &"GB/T 19001-2016\n".repeat(10_000)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["items"].as_array().unwrap().len(), 10_000);
    for (packed, items) in row_sizes(&t).await {
        assert!(packed > 0 && packed < 64 * 1024 && items == 0, "stored packed: {packed} bytes (and {items} of JSON)");
    }
});

scenario!(reports_are_private_to_their_owner_and_numbers_reveal_nothing, |t: TestApp| async move {
    let alice = t.user("alice_checks").await;
    let bob = t.user("bob_checks").await;
    let browser = t.client_from("198.51.100.31");
    let other_browser = t.client_from("198.51.100.32");
    let secret = "合同 HT-2026-0042\nGB/T 19001-2016";

    let a = form_check(&alice, secret).await;
    let b = form_check(&browser, secret).await;
    let c = form_check(&other_browser, secret).await;
    let d = check(&bob, secret).await.json()["check_no"].as_str().unwrap().to_string();
    assert!(b.starts_with("CX-") && a != b, "{a} {b}");

    // Each owner reads their own: page, XLSX, API.
    for (who, no) in [(&alice, &a), (&browser, &b), (&other_browser, &c), (&bob, &d)] {
        let r = who.get(&format!("/standards/check/{no}")).await;
        assert_eq!(r.status, StatusCode::OK, "{no}: {}", r.text);
        assert!(r.text.contains("HT-2026-0042"));
        assert!(r.headers["cache-control"].to_str().unwrap().contains("no-store"));
        assert_eq!(who.get(&format!("/standards/check/{no}/xlsx")).await.status, StatusCode::OK);
        assert_eq!(who.api(Method::GET, &format!("/api/v1/standards/checks/{no}"), None).await.status, StatusCode::OK);
    }
    // Anyone else gets 404, as for a number that does not exist: another user, another
    // browser, a browser without cookies, and the neighbours of one's own number.
    let nobody = t.client_from("198.51.100.33");
    let tries: Vec<(&Client, &String)> = vec![(&bob, &a), (&browser, &a), (&nobody, &a), (&alice, &b), (&other_browser, &b), (&bob, &b), (&nobody, &b), (&browser, &c), (&alice, &d)];
    for (who, no) in tries {
        for path in [format!("/standards/check/{no}"), format!("/standards/check/{no}/xlsx"), format!("/api/v1/standards/checks/{no}")] {
            let r = who.get(&path).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.status);
            assert!(!r.text.contains("HT-2026-0042"));
        }
        assert_eq!(who.api(Method::DELETE, &format!("/api/v1/standards/checks/{no}"), None).await.status, StatusCode::NOT_FOUND);
        assert_eq!(who.post_form(&format!("/standards/check/{no}/delete"), &[]).await.status, StatusCode::NOT_FOUND);
    }
    assert_eq!(bob.post_form(&format!("/standards/check/{a}/watch"), &[]).await.status, StatusCode::NOT_FOUND);
    for no in neighbours(&b) {
        assert_eq!(browser.get(&format!("/standards/check/{no}")).await.status, StatusCode::NOT_FOUND, "neighbour {no}");
    }
    let missing = format!("{}-999999", b.rsplit_once('-').unwrap().0);
    assert_eq!(browser.get(&format!("/standards/check/{missing}")).await.status, StatusCode::NOT_FOUND);
    // The anonymous browser's key is an unguessable cookie, never stored as such.
    let key = browser.cookie("bz_checks").expect("key cookie");
    assert!(key.len() >= 40);
    let owners: Vec<String> = sqlx::query_scalar("SELECT owner FROM standard_checks").fetch_all(&t.app.db.pool).await.unwrap();
    assert!(owners.iter().all(|o| !o.contains(&key)), "{owners:?}");

    // The owner's organisation reads it too (an organisation with two users acting for it).
    let org = t.org_with_admin("carol_checks", "示例厨电", "91440101MA5CYLXX2R").await;
    let carol = org.admin.clone();
    let dave = t.user("dave_checks").await;
    t.join_org(&org, &dave, "dave_checks@example.com", "staff", true).await;
    let e = form_check(&carol, secret).await;
    assert_eq!(dave.get(&format!("/standards/check/{e}")).await.status, StatusCode::OK, "a colleague reads it");
    assert_eq!(alice.get(&format!("/standards/check/{e}")).await.status, StatusCode::NOT_FOUND);
});

scenario!(a_verification_code_shows_the_summary_only, |t: TestApp| async move {
    let owner = t.client_from("198.51.100.40");
    let r = check(&owner, "合同 HT-2026-0042\nGB/T 19001-2016\nGB/T 20223-2006").await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    let no = j["check_no"].as_str().unwrap().to_string();
    let code = j["verify_code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 19, "{code}");
    assert!(j["verify_url"].as_str().unwrap().ends_with(&format!("/standards/check/verify/{code}")));
    // The report page and its XLSX show the code.
    let page = owner.get(&format!("/standards/check/{no}")).await;
    assert!(page.text.contains(&code), "code on the report");
    let xlsx = owner.http.get(owner.url(&format!("/standards/check/{no}/xlsx"))).send().await.unwrap().bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/sharedStrings.xml").unwrap(), &mut strings).unwrap();
    assert!(strings.contains(&code) && strings.contains(&no), "code and number in the XLSX");

    // Anyone verifies with the code: number, date and counts, no items.
    let stranger = t.client_from("198.51.100.41");
    for typed in [code.clone(), code.to_lowercase(), code.replace('-', "")] {
        let r = stranger.get(&format!("/standards/check/verify/{typed}")).await;
        assert_eq!(r.status, StatusCode::OK, "{typed}");
        assert!(r.text.contains(&no) && r.text.contains("共 3 项"), "{}", r.text);
        assert!(!r.text.contains("HT-2026-0042") && !r.text.contains("19001") && !r.text.contains("20223"), "summary only");
    }
    let r = stranger.api(Method::GET, &format!("/api/v1/standards/checks/verify/{code}"), None).await;
    let j = r.json();
    let keys: Vec<&String> = j.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["check_no", "created_at", "problems", "total"], "{j}");
    assert_eq!((j["check_no"].as_str(), j["total"].as_i64()), (Some(no.as_str()), Some(3)));
    // The typed form leads to the same page; a wrong code or the report number finds nothing.
    let r = stranger.get(&format!("/standards/check/verify?code={}", code.to_lowercase())).await;
    assert_eq!(r.location(), format!("/standards/check/verify/{code}"));
    let mut wrong = code.clone().into_bytes();
    wrong[0] = if wrong[0] == b'Z' { b'Y' } else { b'Z' };
    for bad in [String::from_utf8(wrong).unwrap(), no.clone(), "0000-0000-0000-0000".into()] {
        assert_eq!(stranger.get(&format!("/standards/check/verify/{bad}")).await.status, StatusCode::NOT_FOUND, "{bad}");
        assert_eq!(stranger.api(Method::GET, &format!("/api/v1/standards/checks/verify/{bad}"), None).await.status, StatusCode::NOT_FOUND);
    }
    // Deleting the report ends its verification.
    assert_eq!(owner.api(Method::DELETE, &format!("/api/v1/standards/checks/{no}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(stranger.get(&format!("/standards/check/verify/{code}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(owner.get(&format!("/standards/check/{no}")).await.status, StatusCode::NOT_FOUND);
});

scenario!(users_list_and_delete_their_reports_and_anonymous_ones_expire, |t: TestApp| async move {
    let user = t.user("keeper").await;
    let first = form_check(&user, "GB/T 19001-2016").await;
    let second = form_check(&user, "GB 8898-2011").await;
    let page = user.get("/standards/checks").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains(&first) && page.text.contains(&second));
    let list = user.api(Method::GET, "/api/v1/standards/checks", None).await.json();
    assert_eq!(list["total"], 2);
    assert_eq!(list["items"][0]["check_no"], second.as_str(), "newest first");
    assert!(list["items"][0]["expires_at"].is_null(), "a user's report is kept");
    // Deleting by the form: gone from the list and the page.
    let r = user.post_form(&format!("/standards/check/{first}/delete"), &[]).await;
    assert_eq!(r.location(), "/standards/checks");
    assert_eq!(user.get(&format!("/standards/check/{first}")).await.status, StatusCode::NOT_FOUND);
    assert!(!user.get("/standards/checks").await.text.contains(&first));
    // The API list is for accounts; a browser's list shows its own anonymous reports.
    let browser = t.client_from("198.51.100.50");
    assert_eq!(browser.api(Method::GET, "/api/v1/standards/checks", None).await.status, StatusCode::UNAUTHORIZED);
    let mine = form_check(&browser, "GB/T 19001-2016").await;
    let page = browser.get("/standards/checks").await;
    assert!(page.text.contains(&mine) && !page.text.contains(&second), "{}", page.text);
    assert!(!t.client_from("198.51.100.51").get("/standards/checks").await.text.contains(&mine));

    // Anonymous reports end after a week; users' reports stay.
    let expires: Option<i64> = sqlx::query_scalar("SELECT expires_at FROM standard_checks WHERE check_no = $1").bind(&mine).fetch_one(&t.app.db.pool).await.unwrap();
    let week = expires.expect("an anonymous report expires") - biaozhun::util::now();
    assert!((7 * 86_400 - 60..=7 * 86_400).contains(&week), "{week}");
    sqlx::query("UPDATE standard_checks SET expires_at = $1 WHERE check_no = $2").bind(biaozhun::util::now() - 1).bind(&mine).execute(&t.app.db.pool).await.unwrap();
    assert_eq!(browser.get(&format!("/standards/check/{mine}")).await.status, StatusCode::NOT_FOUND, "expired before the job runs");
    let mut tx = t.app.db.begin().await.unwrap();
    biaozhun::jobs::enqueue(&mut tx, "standards_reports_expire", serde_json::json!({}), None).await.unwrap();
    tx.commit().await.unwrap();
    t.run_jobs().await;
    assert_eq!(t.count("SELECT COUNT(*) FROM standard_checks WHERE owner LIKE 'a:%'").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM standard_checks WHERE owner LIKE 'u:%'").await, 1);
    assert_eq!(user.get(&format!("/standards/check/{second}")).await.status, StatusCode::OK);
});

scenario!(reports_saved_before_migration_0012_still_open_for_their_owner, |t: TestApp| async move {
    // A user's report as migration 0012 leaves it: items as JSON, no packed form, no code.
    let user = t.user("early_checker").await;
    let uid = t.user_id("early_checker").await;
    let items = serde_json::json!([{"line": 1, "input": "GB/T 19001-2008", "recognised": "GB/T 19001-2008", "number": null, "title_zh": null,
        "title_en": null, "status": "replaced", "current": "GB/T 19001-2016", "current_title": null, "chain": ["GB/T 19001-2016"], "outcome": "replaced"}]);
    sqlx::query("INSERT INTO standard_checks (check_no, user_id, owner, items, total, problems, created_at) VALUES ('CX-2025-000001', $1, $2, $3, 1, 1, $4)")
        .bind(uid)
        .bind(format!("u:{uid}"))
        .bind(items.to_string())
        .bind(biaozhun::util::now() - 86_400)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let j = user.api(Method::GET, "/api/v1/standards/checks/CX-2025-000001", None).await.json();
    assert_eq!(j["items"][0]["current"], "GB/T 19001-2016", "{j}");
    let code = j["verify_code"].as_str().expect("a code is drawn when first opened").to_string();
    let again = user.api(Method::GET, "/api/v1/standards/checks/CX-2025-000001", None).await.json();
    assert_eq!(again["verify_code"], code.as_str(), "and kept");
    assert_eq!(t.client_from("198.51.100.60").get(&format!("/standards/check/verify/{code}")).await.status, StatusCode::OK);
    assert_eq!(t.client_from("198.51.100.60").get("/standards/check/CX-2025-000001").await.status, StatusCode::NOT_FOUND);
});
