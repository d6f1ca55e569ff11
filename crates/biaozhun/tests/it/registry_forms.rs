//! The registry completed (issue 18): an organisation's standards watchlist and its TBT
//! alerts show the same products (through the rooms' `org_records` hook); the HTML forms of
//! bodies, results, enterprise standards and product editing, each with its authorization
//! rows (anonymous, a member of another organisation, the organisation's administrator, a
//! body's user, staff); organisation details checked against GB/T 4754 and GB/T 2260; and
//! flag notices in the reader's language.

use crate::registry::{CATALOGUE, USCC_A, USCC_B, catalogue, product};
use crate::scenario;
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A testing laboratory's credit code (python-stdnum's test list, GB 32100 check passes).
const USCC_LAB: &str = "911522010783762860";

/// Page text with the slashes minijinja escapes put back.
fn text(s: &str) -> String {
    s.replace("&#x2f;", "/")
}

fn denied_anon(r: &Resp) -> bool {
    r.status == StatusCode::UNAUTHORIZED || (r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login?next="))
}

scenario!(registry_watchlist_and_tbt_alerts_show_the_organisations_products, |t: TestApp| async move {
    catalogue(&t, CATALOGUE).await;
    let a = t.org_with_admin("wl_a", "广州甲电器有限公司", USCC_A).await;
    let b = t.org_with_admin("wl_b", "广州乙电器有限公司", USCC_B).await;
    let desk = t.staff("wl_desk").await;
    let r = a.admin.api(Method::POST, "/api/v1/products", Some(product(USCC_A, "电热水壶", "6901234567892", &["GB 4706.1-2005"]))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let kettle = r.json()["id"].as_i64().unwrap();
    let mut fan = product(USCC_A, "换气扇", "", &["GB 4706.19-2008"]);
    fan["hs"] = json!("8414.51");
    assert_eq!(a.admin.api(Method::POST, "/api/v1/products", Some(fan)).await.status, StatusCode::CREATED);
    // Another organisation's product citing the same standard, with the same HS code.
    assert_eq!(b.admin.api(Method::POST, "/api/v1/products", Some(product(USCC_B, "乙牌电水壶", "4006381333931", &["GB 4706.1"]))).await.status, StatusCode::CREATED);

    // The organisation watches the standard: its product citing it is listed under it, not
    // the other organisation's, nor its own product citing something else.
    let r = a.admin.post_form("/standards/watchlist", &[("numbers", "GB 4706.1-2005")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = text(&a.admin.get("/standards/watchlist").await.text);
    assert!(page.contains(&format!("href=\"/registry/products/{kettle}\"")) && page.contains("电热水壶 K-17"), "{page}");
    assert!(page.contains("引用 GB 4706.1-2005（现行）· 未公开声明"), "{page}");
    assert!(!page.contains("乙牌电水壶") && !page.contains("换气扇"), "{page}");
    assert_eq!(a.admin.api(Method::POST, "/api/v1/declarations", Some(json!({"product": kettle}))).await.status, StatusCode::CREATED);
    assert!(text(&a.admin.get("/standards/watchlist").await.text).contains("引用 GB 4706.1-2005（现行）· 已公开声明"));
    // The other organisation's watchlist of the same standard shows its own product only.
    b.admin.post_form("/standards/watchlist", &[("numbers", "GB 4706.1-2005")]).await;
    let other = text(&b.admin.get("/standards/watchlist").await.text);
    assert!(other.contains("乙牌电水壶") && !other.contains("电热水壶 K-17"), "{other}");

    // Its TBT profile follows HS 8516; the alerts for notifications on 8516 show the same
    // product (by its HS code 851679), and the alert on 8414 is not there.
    let r = a.admin.post_form("/tbt/profile", &[("hs", "8516"), ("keywords", ""), ("frequency", "immediate")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // The other organisation follows the same chapter in a daily digest.
    let r = b.admin.post_form("/tbt/profile", &[("hs", "8516"), ("keywords", ""), ("frequency", "daily")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    crate::tbt::upload(&t, &desk, "eping.csv", crate::tbt::eping_csv().into_bytes()).await;
    t.run_jobs().await;
    // The alert's mail names the organisation's product the notification concerns (through
    // the same hook), not its fan nor the other organisation's kettle.
    let (_, body, link) = t.last_mail("wl_a@example.com").await;
    assert!(body.contains("本单位相关产品（按 HS 编码）：") && body.contains("电热水壶 K-17（HS 851679"), "{body}");
    assert!(!body.contains("换气扇") && !body.contains("乙牌电水壶"), "{body}");
    assert_eq!(link.as_deref(), Some("/tbt/notifications/G%2FTBT%2FN%2FTPKM%2F555"));
    // The daily digest names the products too: under the notification, the digest reader's
    // organisation's kettle, not the first organisation's.
    let mut tx = t.app.db.begin().await.unwrap();
    biaozhun::jobs::enqueue(&mut tx, "tbt_digest", json!({}), None).await.unwrap();
    tx.commit().await.unwrap();
    t.run_jobs().await;
    let (subject, body, _) = t.last_mail("wl_b@example.com").await;
    assert!(subject.contains("每日预警"), "{subject}");
    let at = body.find("G/TBT/N/TPKM/555").expect("the notification is in the digest");
    assert!(body[at..].contains("本单位相关产品（按 HS 编码）：\n- 乙牌电水壶 K-17（HS 851679"), "{body}");
    assert!(!body.contains("电热水壶 K-17（") && !body.contains("G/TBT/N/VNM/300"), "{body}");
    let profile = text(&a.admin.get("/tbt/profile").await.text);
    assert!(profile.contains("G/TBT/N/TPKM/555") && !profile.contains("G/TBT/N/VNM/300"), "{profile}");
    assert!(profile.contains("本单位相关产品（按 HS 编码）") && profile.contains(&format!("href=\"/registry/products/{kettle}\"")), "{profile}");
    assert!(profile.contains("HS 851679 · 已公开声明") && !profile.contains("换气扇") && !profile.contains("乙牌电水壶"), "{profile}");
    // The notification's page shows them too, to the organisation's users only.
    let notice = text(&a.admin.get("/tbt/notifications/G%2FTBT%2FN%2FTPKM%2F555").await.text);
    assert!(notice.contains(&format!("href=\"/registry/products/{kettle}\"")) && !notice.contains("乙牌电水壶"), "{notice}");
    let on_b = text(&b.admin.get("/tbt/notifications/G%2FTBT%2FN%2FTPKM%2F555").await.text);
    assert!(on_b.contains("乙牌电水壶") && !on_b.contains(&format!("/registry/products/{kettle}\"")), "{on_b}");
    assert!(!text(&t.client().get("/tbt/notifications/G%2FTBT%2FN%2FTPKM%2F555").await.text).contains("/registry/products/"));
    // In English, the same lines in English.
    a.admin.get("/lang/en?next=/tbt/profile").await;
    let english = text(&a.admin.get("/standards/watchlist").await.text);
    assert!(english.contains("cites GB 4706.1-2005 (in force) · Declared"), "{english}");
    // A user acting for themselves sees no organisation's products.
    let solo = t.user("wl_solo").await;
    solo.post_form("/standards/watchlist", &[("numbers", "GB 4706.1-2005")]).await;
    assert!(!text(&solo.get("/standards/watchlist").await.text).contains("/registry/products/"));
});

scenario!(registry_flag_notices_speak_the_readers_language, |t: TestApp| async move {
    catalogue(&t, CATALOGUE).await;
    let a = t.org_with_admin("fl_a", "广州甲电器有限公司", USCC_A).await;
    let reader = t.org_member(&a, "fl_reader").await;
    // The colleague reads the site in English.
    sqlx::query("UPDATE users SET locale = 'en' WHERE username = 'fl_reader'").execute(&t.app.db.pool).await.unwrap();
    let pid = a.admin.api(Method::POST, "/api/v1/products", Some(product(USCC_A, "电热水壶", "6901234567892", &["GB 4706.1-2005", "GB 4706.19-2008"]))).await.json()["id"].as_i64().unwrap();
    let did = a.admin.api(Method::POST, "/api/v1/declarations", Some(json!({"product": pid}))).await.json()["id"].as_i64().unwrap();
    // One standard is replaced by a new edition, the other withdrawn without a successor.
    catalogue(&t, "标准号,中文标准名称,标准状态,发布日期,实施日期,代替标准\n\
        GB 4706.1-2024,家用和类似用途电器的安全 第1部分：通用要求,现行,2024-03-15,2024-06-01,GB 4706.1-2005\n\
        GB 4706.19-2008,家用和类似用途电器的安全 液体加热器的特殊要求,废止,2008-12-30,2010-02-01,\n").await;
    t.run_jobs().await;
    let (subject, body, _) = t.last_mail("fl_a@example.com").await;
    assert!(subject.contains("电热水壶"), "{subject}");
    assert!(body.contains("所引标准 GB 4706.1-2005 已被代替，现行标准为 GB 4706.1-2024") && body.contains("所引标准 GB 4706.19-2008 已废止，无代替标准"), "{body}");
    assert!(!body.contains("withdrawn") && !body.contains("→"), "all in Chinese: {body}");
    let (subject, body, _) = t.last_mail("fl_reader@example.com").await;
    assert!(subject.contains("A standard of your self-declaration changed"), "{subject}");
    assert!(body.contains("The cited GB 4706.1-2005 is replaced; GB 4706.1-2024 is in force") && body.contains("The cited GB 4706.19-2008 is withdrawn"), "{body}");
    assert!(!body.contains("已"), "all in English: {body}");
    let notices = reader.get("/notifications").await.text;
    assert!(notices.contains("GB 4706.1-2024 is in force"), "{notices}");
    // The history speaks the page's language too; the API keeps the stored form.
    let page = a.admin.get(&format!("/registry/declarations/{did}")).await.text;
    assert!(page.contains("标出所引标准变更 · 所引标准 GB 4706.1-2005 已被代替，现行标准为 GB 4706.1-2024；所引标准 GB 4706.19-2008 已废止，无代替标准"), "{page}");
    let h = t.client().get(&format!("/api/v1/declarations/{did}/history")).await.json();
    assert_eq!(h[1]["detail"], "GB 4706.1-2005 → GB 4706.1-2024; GB 4706.19-2008 withdrawn", "{h}");
});

scenario!(registry_organisation_details_are_checked_against_gbt4754_and_gbt2260, |t: TestApp| async move {
    let a = t.org_with_admin("od_admin", "广州甲电器有限公司", USCC_A).await;
    let colleague = t.org_member(&a, "od_colleague").await;
    let other = t.org_with_admin("od_other", "广州乙电器有限公司", USCC_B).await;
    let staff = t.staff("od_staff").await;
    let path = format!("/api/v1/orgs/{}/details", a.id);
    // The membership application offers the divisions too, grouped under their section.
    let form = colleague.get("/membership?kind=organisation").await.text;
    let group = form.find("<optgroup label=\"C 制造业\">").expect(&form);
    assert!(form[group..].find("<option value=\"38\">38 ").is_some_and(|d| d < form[group..].find("</optgroup>").unwrap()), "{form}");
    let good = json!({"district_code": "440106", "industry": "38", "address": "天河路 1 号"});
    // Who: anonymous must log in; another organisation does not see it; a plain user of it may not.
    assert!(denied_anon(&t.client().api(Method::PUT, &path, Some(good.clone())).await));
    assert_eq!(other.admin.api(Method::PUT, &path, Some(good.clone())).await.status, StatusCode::NOT_FOUND);
    assert_eq!(colleague.api(Method::PUT, &path, Some(good.clone())).await.status, StatusCode::FORBIDDEN);
    // The field at fault is named.
    for (district, industry, field) in [("110101", "38", "district_code"), ("", "38", "district_code"), ("440106", "98", "industry"), ("440106", "U", "industry"), ("440106", "", "industry")] {
        let r = a.admin.api(Method::PUT, &path, Some(json!({"district_code": district, "industry": industry}))).await;
        assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{district} {industry}: {}", r.text);
    }
    let r = a.admin.api(Method::PUT, &path, Some(good)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!((r.json()["district_code"].as_str(), r.json()["industry"].as_str()), (Some("440106"), Some("38")));
    // Staff change any organisation's; a section is a valid industry too (lower case read).
    let r = staff.api(Method::PUT, &format!("/api/v1/orgs/{}/details", other.id), Some(json!({"district_code": "440113", "industry": "c"}))).await;
    assert_eq!((r.status, r.json()["industry"].as_str()), (StatusCode::OK, Some("C")), "{}", r.text);
    // The form on the organisation's page re-shows itself at the field.
    let r = a.admin.post_form(&format!("/orgs/{}/details", a.id), &[("district_code", "440106"), ("industry", "99"), ("address", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-industry\"") && text(&r.text).contains("GB/T 4754-2017"), "{}", r.text);
    let r = a.admin.post_form(&format!("/orgs/{}/details", a.id), &[("district_code", "440104"), ("industry", "39"), ("address", "越秀路 2 号")]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, format!("/orgs/{}", a.id)), "{}", r.text);
    let page = a.admin.get(&format!("/orgs/{}", a.id)).await.text;
    assert!(page.contains("越秀区") && page.contains("39 计算机、通信和其他电子设备制造业") && page.contains("越秀路 2 号"), "{page}");
    assert!(!colleague.get(&format!("/orgs/{}", a.id)).await.text.contains("id=\"org-details\""), "only administrators see the form");
    assert_eq!(t.client().get(&format!("/api/v1/organisations/{USCC_A}")).await.json()["district"], "越秀区");
    // Registration (an organisation's membership application): the same lists.
    let applicant = t.user("od_applicant").await;
    let mut body = json!({"kind": "organisation", "org_name": "广州丙公司", "uscc": USCC_LAB, "industry": "98", "contact_name": "丙",
        "contact_phone": "020-8888 0000", "contact_email": "od_applicant@example.com", "district_code": "440113", "address": ""});
    let r = applicant.api(Method::POST, "/api/v1/membership/applications", Some(body.clone())).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("industry")), "{}", r.text);
    body["industry"] = json!("38");
    body["district_code"] = json!("110101");
    let r = applicant.api(Method::POST, "/api/v1/membership/applications", Some(body.clone())).await;
    assert_eq!(r.json()["error"]["field"], "district_code", "{}", r.text);
    body["district_code"] = json!("440113");
    assert_eq!(applicant.api(Method::POST, "/api/v1/membership/applications", Some(body)).await.status, StatusCode::CREATED, "a division is accepted");
});

scenario!(registry_forms_for_bodies_results_own_standards_and_products, |t: TestApp| async move {
    catalogue(&t, CATALOGUE).await;
    let maker = t.org_with_admin("fm_maker", "广州甲电器有限公司", USCC_A).await;
    let other = t.org_with_admin("fm_other", "广州乙电器有限公司", USCC_B).await;
    let lab = t.org_with_admin("fm_lab", "广州检测中心", USCC_LAB).await;
    let lab_user = t.org_member(&lab, "fm_lab_user").await;
    let staff = t.staff("fm_staff").await;
    let anon = t.client();
    let pid = maker.admin.api(Method::POST, "/api/v1/products", Some(product(USCC_A, "电热水壶", "6901234567892", &["GB 4706.1-2005", "GB 4706.19-2008"]))).await.json()["id"].as_i64().unwrap();

    // Staff register a body with its scope on the bodies page; nobody else reaches it.
    let body_form = [("organisation", USCC_LAB), ("accreditation", "CNAS L0001"), ("scope", "GB 4706.1")];
    assert!(denied_anon(&anon.get("/staff/registry/bodies").await));
    for c in [&other.admin, &maker.admin, &lab.admin, &lab_user] {
        assert_eq!(c.get("/staff/registry/bodies").await.status, StatusCode::FORBIDDEN);
        assert_eq!(c.post_form("/staff/registry/bodies", &body_form).await.status, StatusCode::FORBIDDEN);
    }
    let r = staff.post_form("/staff/registry/bodies", &[("organisation", "91440101MA59ABCD1E"), ("accreditation", ""), ("scope", "GB 4706.1")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-organisation\""), "{}", r.text);
    assert_eq!(staff.post_form("/staff/registry/bodies", &body_form).await.status, StatusCode::SEE_OTHER);
    let bid = t.count("SELECT MAX(id) FROM registry_bodies").await;
    let page = staff.get("/staff/registry/bodies").await.text;
    assert!(page.contains("广州检测中心") && page.contains("CNAS L0001") && page.contains("GB 4706.1") && page.contains("未标注采信"), "{page}");
    // Marking it accepted: staff only.
    let accept = format!("/staff/registry/bodies/{bid}/accepted");
    assert_eq!(lab.admin.post_form(&accept, &[("accepted", "1")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.post_form(&accept, &[("accepted", "1")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.client().get("/api/v1/bodies").await.json()[0]["accepted"], true);

    // The product page: public; the result form only for the body's users and staff, the
    // edit form only for the organisation's administrators and staff.
    let ppath = format!("/registry/products/{pid}");
    let seen = |s: &str| (s.contains("id=\"result-form\""), s.contains("id=\"product-edit\""));
    assert_eq!(seen(&anon.get(&ppath).await.text), (false, false));
    assert_eq!(seen(&other.admin.get(&ppath).await.text), (false, false));
    assert_eq!(seen(&maker.admin.get(&ppath).await.text), (false, true));
    assert_eq!(seen(&lab_user.get(&ppath).await.text), (true, false));
    assert_eq!(seen(&staff.get(&ppath).await.text), (true, true));

    // Recording a result: who may, and the fields at fault.
    let rpath = format!("/registry/products/{pid}/results");
    let result = [("body", USCC_LAB), ("standard", "GB 4706.1-2005"), ("outcome", "pass"), ("report_no", "GZ-2026-0001"), ("tested_on", "2026-03-01"), ("valid_until", "2029-02-28"), ("next", "")];
    assert!(denied_anon(&anon.post_form(&rpath, &result).await));
    assert_eq!(other.admin.post_form(&rpath, &result).await.status, StatusCode::FORBIDDEN);
    assert_eq!(maker.admin.post_form(&rpath, &result).await.status, StatusCode::FORBIDDEN, "the maker does not test its own product");
    let mut out_of_scope = result;
    out_of_scope[1] = ("standard", "GB 4706.19-2008");
    let r = lab_user.post_form(&rpath, &out_of_scope).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-standard\"") && r.text.contains("GZ-2026-0001"), "re-shown at its field: {}", r.text);
    let mut bad_date = result;
    bad_date[4] = ("tested_on", "2026-02-30");
    assert!(lab_user.post_form(&rpath, &bad_date).await.text.contains("id=\"err-tested_on\""));
    let r = lab_user.post_form(&rpath, &result).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, ppath.clone()), "{}", r.text);
    let r = staff.post_form(&rpath, &result).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the same report twice");
    let page = anon.get(&ppath).await.text;
    assert!(page.contains("GZ-2026-0001") && page.contains("合格") && page.contains("政府采信") && page.contains("2029-02-28"), "{page}");

    // Editing the product: its administrator (fields named), staff; not others.
    let edit = [("name", "电热水壶"), ("model", "K-18"), ("gtin", "6901234567892"), ("hs", "8516.79"), ("standards", "GB 4706.1-2005\nGB 4706.19-2008")];
    assert!(denied_anon(&anon.post_form(&ppath, &edit).await));
    assert_eq!(other.admin.post_form(&ppath, &edit).await.status, StatusCode::FORBIDDEN);
    assert_eq!(lab_user.post_form(&ppath, &edit).await.status, StatusCode::FORBIDDEN);
    let mut bad = edit;
    bad[3] = ("hs", "9999.99");
    let r = maker.admin.post_form(&ppath, &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-hs\"") && r.text.contains("K-18"), "{}", r.text);
    assert_eq!(maker.admin.post_form(&ppath, &edit).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.client().get("/api/v1/products?gtin=6901234567892").await.json()["items"][0]["model"], "K-18");
    let mut by_staff = edit;
    by_staff[4] = ("standards", "GB 4706.1-2005");
    assert_eq!(staff.post_form(&ppath, &by_staff).await.status, StatusCode::SEE_OTHER);
    let p = t.client().get("/api/v1/products?gtin=6901234567892").await.json();
    assert_eq!(p["items"][0]["standards"].as_array().unwrap().len(), 1, "{p}");

    // The declaration page carries the same: results and, for the body, its form.
    let did = maker.admin.api(Method::POST, "/api/v1/declarations", Some(json!({"product": pid}))).await.json()["id"].as_i64().unwrap();
    let dpath = format!("/registry/declarations/{did}");
    let page = lab_user.get(&dpath).await.text;
    assert!(page.contains("GZ-2026-0001") && page.contains("id=\"result-form\""), "{page}");
    let second = [("body", USCC_LAB), ("standard", "GB 4706.1-2005"), ("outcome", "fail"), ("report_no", "GZ-2026-0002"), ("tested_on", "2026-04-01"), ("valid_until", ""), ("next", dpath.as_str())];
    let r = lab_user.post_form(&rpath, &second).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, dpath.clone()), "{}", r.text);
    assert!(anon.get(&dpath).await.text.contains("GZ-2026-0002"));

    // Enterprise standards: the organisation's administrator, acting for it.
    let own = [("number", "Q/GZJ 001-2024"), ("title", "电热水壶企业标准"), ("indicators", "煮沸时间 ≤ 5 min\n噪声 ≤ 55 dB")];
    assert!(denied_anon(&anon.get("/registry/own-standards").await));
    assert!(denied_anon(&anon.post_form("/registry/own-standards", &own).await));
    let colleague = t.org_member(&maker, "fm_colleague").await;
    assert!(colleague.get("/registry/own-standards").await.text.contains("只有单位管理员"));
    assert_eq!(colleague.post_form("/registry/own-standards", &own).await.location(), "/registry/own-standards");
    assert_eq!(lab_user.post_form("/registry/own-standards", &own).await.location(), "/registry/own-standards");
    let r = maker.admin.post_form("/registry/own-standards", &[("number", "GB 4706.1-2005"), ("title", "x"), ("indicators", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-number\""), "{}", r.text);
    assert_eq!(maker.admin.post_form("/registry/own-standards", &own).await.status, StatusCode::SEE_OTHER);
    let page = text(&maker.admin.get("/registry/own-standards").await.text);
    assert!(page.contains("Q/GZJ 001-2024") && page.contains("噪声 ≤ 55 dB"), "{page}");
    assert_eq!(t.client().get(&format!("/api/v1/own-standards?organisation={USCC_A}")).await.json()[0]["title"], "电热水壶企业标准");
    assert!(other.admin.get("/registry/own-standards").await.text.contains("尚未上传企业标准"), "another organisation sees its own list");
    // Each change is in the audit log.
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('registry.body', 'registry.body_accepted', 'registry.result', 'registry.product_edit', 'registry.own_standard')").await, 7);
});
