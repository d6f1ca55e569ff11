//! The programmes room through HTTP: an organisation applies for the good-behaviour grading,
//! is returned for changes and resubmits; staff check it and assign reviewers; a reviewer
//! declares a conflict and leaves, another declares none and scores (N/A at full marks);
//! staff close the review (the grade from the shipped CSV's rules), approve; the result goes
//! to public notice, an objection is filed and resolved, and the result is final. The grade
//! table's cases through the engine; subsidies refuse duplicate funding and untrustworthy
//! applicants and list payments; who may see and do what; kill -9 during score submission.

use crate::programme_files::{PDF, post_multipart, upload};
use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub(crate) async fn expert(t: &TestApp, name: &str) -> Client {
    t.user_with_roles(name, &[Role::Expert]).await
}

pub(crate) async fn act(c: &Client, id: i64, action: &str, note: &str) -> Resp {
    c.api(Method::POST, &format!("/api/v1/applications/{id}/actions"), Some(json!({ "action": action, "note": note }))).await
}

pub(crate) async fn ok_act(c: &Client, id: i64, action: &str, note: &str) -> Value {
    let r = act(c, id, action, note).await;
    assert_eq!(r.status, StatusCode::OK, "{action}: {}", r.text);
    r.json()
}

/// The good-behaviour answers that complete a submission (with the self-assessment file).
fn gb_answers() -> Value {
    json!({ "target_grade": "AAAA", "evidence": "第 4 章：标准化机构设置文件；第 5 章：标准体系表。" })
}

/// A sheet of the good-behaviour programme worth `base` + `bonus`, the measurement item
/// ruled not applicable when `na` (counted at full marks).
pub(crate) async fn sheet(c: &Client, base: i64, bonus: i64, na: bool) -> Value {
    sheet_of(c, "good_behaviour", 400, base, bonus, na).await
}

/// A sheet of programme `code` (whose base part is worth `full_base`) worth `base` + `bonus`.
pub(crate) async fn sheet_of(c: &Client, code: &str, full_base: i64, base: i64, bonus: i64, na: bool) -> Value {
    let types = c.get("/api/v1/programmes").await.json();
    let gb = types["items"].as_array().unwrap().iter().find(|p| p["code"] == code).unwrap().clone();
    let full_bonus: i64 = gb["criteria"].as_array().unwrap().iter().filter(|c| c["part"] == "bonus").map(|c| c["max"].as_i64().unwrap()).sum();
    let (mut short_base, mut short_bonus) = (full_base - base, full_bonus - bonus);
    let mut out = serde_json::Map::new();
    for cr in gb["criteria"].as_array().unwrap() {
        let max = cr["max"].as_i64().unwrap();
        let key = cr["key"].as_str().unwrap();
        if na && cr["na_allowed"] == true {
            out.insert(key.into(), json!({ "points": "na", "comment": "不适用：无计量检测业务" }));
            continue;
        }
        let short = if cr["part"] == "bonus" { &mut short_bonus } else { &mut short_base };
        let cut = (*short).min(max);
        *short -= cut;
        out.insert(key.into(), json!({ "points": (max - cut).to_string(), "comment": "" }));
    }
    assert_eq!((short_base, short_bonus), (0, 0), "the sheet reaches {base} + {bonus}");
    json!({ "scores": out })
}

/// An application of `org` for the good-behaviour grading, submitted and taken by staff to
/// expert review; answers its id.
pub(crate) async fn in_review(org: &Org, staff: &Client) -> i64 {
    let r = org.admin.api(Method::POST, "/api/v1/applications", Some(json!({ "programme": "good_behaviour", "answers": gb_answers() }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(upload(&org.admin, id, "self_assessment", "self.pdf", PDF).await.status, StatusCode::CREATED);
    ok_act(&org.admin, id, "submit", "").await;
    ok_act(staff, id, "start_check", "").await;
    ok_act(staff, id, "pass_check", "").await;
    id
}

pub(crate) async fn assign(staff: &Client, id: i64, name: &str) {
    let r = staff.post_form(&format!("/staff/applications/{id}/reviewers"), &[("username", name)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "assign {name}: {}", r.text);
}

pub(crate) async fn declare(c: &Client, id: i64, conflict: bool, note: &str) -> Resp {
    c.api(Method::POST, &format!("/api/v1/applications/{id}/declaration"), Some(json!({ "conflict": conflict, "note": note }))).await
}

scenario!(apply_check_review_decide_notice_object_and_final, |t: TestApp| async move {
    let staff = t.staff("pg_staff").await;
    let org = t.org_with_admin("pg_admin", "广州市良好行为电子有限公司", "91440101MA59TEST1X").await;
    let colleague = t.org_member(&org, "pg_colleague").await;
    let other = t.org_with_admin("pg_other", "另一家公司", "91440101MA59TEST2X").await;
    let e_conflict = expert(&t, "pg_e_conflict").await;
    let e_ok = expert(&t, "pg_e_ok").await;
    let e_idle = expert(&t, "pg_e_idle").await;
    let visitor = t.client();

    // The public sees the programmes (with the grade rules) and not the applications.
    let list = visitor.get("/api/v1/programmes").await.json();
    let codes: Vec<&str> = list["items"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["demonstration", "good_behaviour", "subsidy"]);
    let page = visitor.get("/programmes/good_behaviour").await.text;
    assert!(page.contains("标准化良好行为企业确认") && page.contains("≥ 390") && page.contains("≥ 460"), "{page}");
    assert_eq!(visitor.get("/api/v1/applications").await.status, StatusCode::UNAUTHORIZED);

    // The form is pre-filled from the organisation's record.
    let form = org.admin.get("/programmes/good_behaviour/apply").await.text;
    assert!(form.contains("value=\"广州市良好行为电子有限公司\"") && form.contains("value=\"91440101MA59TEST1X\""), "{form}");
    // A user of the organisation who does not administer it cannot apply for it.
    let r = post_multipart(&colleague, "/programmes/good_behaviour/apply", &[("target_grade", "AA")], &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"org-problem\""), "{}", r.text);
    // Submitting an incomplete form names the field and keeps the text.
    let r = post_multipart(&org.admin, "/programmes/good_behaviour/apply", &[("target_grade", "AAAA"), ("evidence", ""), ("submit", "1")], &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-evidence\""), "{}", r.text);
    let r = post_multipart(&org.admin, "/programmes/good_behaviour/apply", &[("target_grade", "AAAA"), ("evidence", "逐条自评"), ("submit", "1")], &[]).await;
    assert!(r.text.contains("id=\"err-att_self_assessment\""), "the self-assessment file is required");
    let texts = [("target_grade", "AAAA"), ("evidence", "逐条自评"), ("self_measurement", "na"), ("submit", "1")];
    let r = post_multipart(&org.admin, "/programmes/good_behaviour/apply", &texts, &[("att_self_assessment", "自评报告.pdf", PDF)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id: i64 = r.location().trim_start_matches("/applications/").parse().unwrap();
    let mine = org.admin.get(&format!("/applications/{id}")).await.text;
    assert!(mine.contains("已提交") && mine.contains("等待形式审查"), "what is asked of the applicant: {mine}");

    // Who sees it: the organisation's users and staff; not another organisation nor experts.
    let path = format!("/api/v1/applications/{id}");
    assert_eq!(org.admin.get(&path).await.status, StatusCode::OK);
    assert_eq!(colleague.get(&path).await.status, StatusCode::OK);
    assert_eq!(staff.get(&path).await.status, StatusCode::OK);
    assert_eq!(other.admin.get(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(e_ok.get(&path).await.status, StatusCode::FORBIDDEN, "not assigned");
    assert_eq!(visitor.get(&path).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(other.admin.get("/api/v1/applications").await.json()["total"], 0);
    assert_eq!(org.admin.get("/api/v1/applications").await.json()["total"], 1);
    assert_eq!(staff.get("/api/v1/applications?state=submitted").await.json()["items"][0]["id"], id);
    // Steps: 403 for the user who may not take it, 409 where the stage has no such step.
    assert_eq!(act(&other.admin, id, "withdraw", "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(act(&colleague, id, "withdraw", "").await.status, StatusCode::FORBIDDEN, "users of the organisation read, administrators act");
    assert_eq!(act(&org.admin, id, "start_check", "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(act(&staff, id, "approve", "").await.status, StatusCode::CONFLICT);
    assert_eq!(act(&staff, id, "skip_review", "").await.status, StatusCode::CONFLICT);

    // Returned for changes, edited, resubmitted.
    ok_act(&staff, id, "start_check", "").await;
    assert_eq!(act(&staff, id, "return", "").await.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    let back = ok_act(&staff, id, "return", "请补充计量管理制度").await;
    assert_eq!(back["state"], "draft");
    let (subject, body, _) = t.last_mail("pg_admin@example.com").await;
    assert!(subject.contains("退回修改") && body.contains("请补充计量管理制度"), "{subject} {body}");
    let version = back["version"].as_i64().unwrap().to_string();
    let texts = [("version", version.as_str()), ("target_grade", "AAAA"), ("evidence", "逐条自评，补充计量管理制度"), ("submit", "1")];
    let r = post_multipart(&org.admin, &format!("/applications/{id}"), &texts, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    ok_act(&staff, id, "start_check", "").await;
    ok_act(&staff, id, "pass_check", "").await;

    // Reviewers: one declares a conflict and leaves; one declares none and scores.
    assert_eq!(staff.post_form(&format!("/staff/applications/{id}/reviewers"), &[("username", "pg_colleague")]).await.status, StatusCode::UNPROCESSABLE_ENTITY, "experts only");
    assign(&staff, id, "pg_e_conflict").await;
    assign(&staff, id, "pg_e_ok").await;
    let pending = e_ok.get("/review/applications").await.text;
    assert!(pending.contains("广州市良好行为电子有限公司"), "the applicant is named so the expert can declare");
    let before = e_ok.get(&format!("/review/applications/{id}")).await.text;
    assert!(before.contains("是否存在利益冲突") && !before.contains("补充计量管理制度"), "no content before the declaration: {before}");
    assert_eq!(e_ok.get(&path).await.status, StatusCode::FORBIDDEN, "assigned, before the declaration");
    let r = e_ok.api(Method::POST, &format!("/api/v1/applications/{id}/scores"), Some(sheet(&e_ok, 395, 60, true).await)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no scores before the declaration");
    assert_eq!(declare(&e_idle, id, false, "").await.status, StatusCode::FORBIDDEN, "not assigned");
    assert_eq!(declare(&e_conflict, id, true, "").await.status, StatusCode::UNPROCESSABLE_ENTITY, "a conflict needs its reason");
    assert_eq!(declare(&e_conflict, id, true, "曾为该企业提供咨询").await.status, StatusCode::NO_CONTENT);
    assert_eq!(e_conflict.get(&format!("/review/applications/{id}")).await.status, StatusCode::FORBIDDEN, "stood down");
    assert_eq!(declare(&e_ok, id, false, "").await.status, StatusCode::NO_CONTENT);
    assert_eq!(declare(&e_ok, id, false, "").await.status, StatusCode::CONFLICT, "declared once");
    let after = e_ok.get(&format!("/review/applications/{id}")).await.text;
    assert!(after.contains("补充计量管理制度") && after.contains("id=\"sheet\""), "{after}");
    assert_eq!(e_ok.get(&path).await.status, StatusCode::OK);
    assert_eq!(e_ok.get("/api/v1/applications").await.json()["items"][0]["id"], id, "assigned after the declaration");
    assert_eq!(e_idle.get("/api/v1/applications").await.json()["total"], 0);
    // A sheet with an out-of-range line names it; the right one goes in.
    let mut bad = sheet(&e_ok, 400, 100, false).await;
    bad["scores"]["organisation"]["points"] = json!("61");
    let r = e_ok.api(Method::POST, &format!("/api/v1/applications/{id}/scores"), Some(bad)).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("score_organisation")));
    let r = e_ok.api(Method::POST, &format!("/api/v1/applications/{id}/scores"), Some(sheet(&e_ok, 395, 60, true).await)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json(), json!({ "base": "395", "bonus": "60" }));
    let decided = ok_act(&staff, id, "close_review", "").await;
    assert_eq!((decided["state"].as_str(), decided["score_base"].as_str(), decided["grade"].as_str()), (Some("decision"), Some("395"), Some("AAAA")));
    let r = e_ok.api(Method::POST, &format!("/api/v1/applications/{id}/scores"), Some(sheet(&e_ok, 300, 0, false).await)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the review is closed");

    // Decision and public notice with an objection.
    assert_eq!(act(&staff, id, "approve_final", "").await.status, StatusCode::CONFLICT, "this programme publishes first");
    let notice = ok_act(&staff, id, "approve", "").await;
    assert_eq!(notice["state"], "notice");
    let public = visitor.get("/programmes/notices").await.text;
    assert!(public.contains("广州市良好行为电子有限公司") && public.contains("AAAA") && public.contains("登录后提出异议"), "{public}");
    let objector = t.user("pg_objector").await;
    let r = objector.post_form(&format!("/programmes/notices/{id}/objections"), &[("note", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an objection needs its reason");
    let r = objector.post_form(&format!("/programmes/notices/{id}/objections"), &[("note", "该企业去年发生质量事故")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(objector.get(&path).await.status, StatusCode::FORBIDDEN, "an objector sees the notice, not the file");
    let r = act(&staff, id, "finalise", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("公示期至"), "{}", r.text);
    // The notice's days pass (7 days of the programme).
    sqlx::query("UPDATE applications SET notice_until = $1 WHERE id = $2").bind(biaozhun::util::now() - 1).bind(id).execute(&t.app.db.pool).await.unwrap();
    let r = act(&staff, id, "finalise", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("1 条异议未处理"), "{}", r.text);
    let staff_page = staff.get(&format!("/applications/{id}")).await.text;
    assert!(staff_page.contains("该企业去年发生质量事故") && staff_page.contains("曾为该企业提供咨询"), "objections and declarations on the staff page");
    let oid: i64 = sqlx::query_scalar("SELECT id FROM application_objections WHERE application_id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    let r = staff.post_form(&format!("/staff/applications/{id}/objections/{oid}"), &[("decision", "dismissed"), ("note", "经核查，事故已整改并通过复查")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let fin = ok_act(&staff, id, "finalise", "").await;
    assert_eq!(fin["state"], "final");
    assert!(fin["valid_until"].as_str().is_some(), "the certificate's validity");
    assert!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'programmes.step' AND detail LIKE 'finalise%'").await == 1, "staff decisions are audited");
    let counts = biaozhun::programmes::counts(&t.app).await.unwrap();
    assert_eq!(counts.grade("AAAA"), 1);
    // Every step is an event; the applicant's page shows the history without names.
    let actions: Vec<String> = sqlx::query_scalar("SELECT action FROM workflow_events WHERE kind = 'application' AND record_id = $1 ORDER BY id").bind(id).fetch_all(&t.app.db.pool).await.unwrap();
    assert_eq!(actions, ["create", "attach", "submit", "start_check", "return", "submit", "start_check", "pass_check", "assign", "assign", "declare", "declare", "score", "close_review", "approve", "object", "resolve", "finalise"]);
    let applicant_page = org.admin.get(&format!("/applications/{id}")).await.text;
    assert!(applicant_page.contains("已确定") && !applicant_page.contains("pg_staff"), "{applicant_page}");
});

// Through the engine: one reviewer, a sheet per case of the 2009 rule set.
scenario!(grades_follow_the_shipped_rules_with_na_items_at_full_marks, |t: TestApp| async move {
    let staff = t.staff("gr_staff").await;
    let reviewer = expert(&t, "gr_expert").await;
    let cases: [(i64, i64, bool, &str); 5] = [
        (390, 60, false, "AAAA"), // AAAA rule 1: base ≥ 390, total ≥ 450
        (380, 80, true, "AAAA"),  // AAAA rule 2: base ≥ 380, total ≥ 460 (N/A item at full marks)
        (385, 70, false, "AAA"),  // total 455: neither AAAA rule
        (300, 50, true, "AA"),    // AA rule 2
        (279, 100, false, ""),    // below A
    ];
    for (i, (base, bonus, na, want)) in cases.into_iter().enumerate() {
        let org = t.org_with_admin(&format!("gr_admin{i}"), &format!("评级企业{i}"), &format!("91440101MA59GRAD{i}X")).await;
        let id = in_review(&org, &staff).await;
        assign(&staff, id, "gr_expert").await;
        assert_eq!(declare(&reviewer, id, false, "").await.status, StatusCode::NO_CONTENT);
        let r = reviewer.api(Method::POST, &format!("/api/v1/applications/{id}/scores"), Some(sheet(&reviewer, base, bonus, na).await)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let d = ok_act(&staff, id, "close_review", "").await;
        assert_eq!(d["grade"], want, "base {base} bonus {bonus}");
        if want.is_empty() {
            assert_eq!(act(&staff, id, "approve", "").await.status, StatusCode::CONFLICT, "no grade reached: nothing to approve");
        }
        let lines: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM application_scores WHERE application_id = $1 AND na = 1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
        assert_eq!(lines, i64::from(na));
    }
});

scenario!(subsidies_refuse_duplicate_funding_and_untrustworthy_applicants, |t: TestApp| async move {
    let staff = t.staff("sb_staff").await;
    let a = t.org_with_admin("sb_a", "甲标准化研究院", "91440101MA59SUBA1X").await;
    let b = t.org_with_admin("sb_b", "乙检测技术公司", "91440101MA59SUBB1X").await;
    let c = t.org_with_admin("sb_c", "丙公司", "91440101MA59SUBC1X").await;
    let body = |work: &str| json!({ "programme": "subsidy", "answers": {
        "item": "national_lead", "level": "national", "work": work, "project": "主导制定国家标准" } });
    let r = a.admin.api(Method::POST, "/api/v1/applications", Some(body("GB/T 1.1-2020"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let first = r.json()["id"].as_i64().unwrap();
    assert_eq!(upload(&a.admin, first, "proof", "发布公告.pdf", PDF).await.status, StatusCode::CREATED);
    ok_act(&a.admin, first, "submit", "").await;
    // The same work, written otherwise, by another organisation: refused.
    let r = b.admin.api(Method::POST, "/api/v1/applications", Some(body("gb/t 1.1－2020"))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains(&first.to_string()));
    // Staff mark an organisation seriously untrustworthy (audited): its application is refused.
    let r = staff.post_form(&format!("/staff/orgs/{}/untrustworthy", c.id), &[("flag", "on"), ("note", "信用中国严重失信名单")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'org.untrustworthy'").await, 1);
    let r = c.admin.api(Method::POST, "/api/v1/applications", Some(body("DB44/T 100-2020"))).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("org")));
    // No expert review in this programme: the check leads to the decision.
    ok_act(&staff, first, "start_check", "").await;
    assert_eq!(act(&staff, first, "pass_check", "").await.status, StatusCode::CONFLICT);
    ok_act(&staff, first, "skip_review", "").await;
    let approved = ok_act(&staff, first, "approve", "").await;
    assert_eq!(approved["amount"], "200000.00");
    let staff_page = staff.get(&format!("/applications/{first}")).await.text;
    assert!(staff_page.contains("甲标准化研究院 未被标记为严重失信主体"), "the trust panel: {staff_page}");
    let x = staff.get("/staff/programmes/payments.xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers["content-type"].to_str().unwrap().contains("spreadsheet"));
    let bytes = staff.http.get(staff.url("/staff/programmes/payments.xlsx")).send().await.unwrap().bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut cells = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/sharedStrings.xml").unwrap(), &mut cells).unwrap();
    for want in ["甲标准化研究院", "91440101MA59SUBA1X", "主导制定国家（行业）标准", "GB/T 1.1-2020", "200000.00", "合计 1 项，200000.00 元。"] {
        assert!(cells.contains(want), "{want} in the payments list: {cells}");
    }
    assert_eq!(a.admin.get("/staff/programmes/payments.xlsx").await.status, StatusCode::FORBIDDEN);
    // Withdrawn work frees the key: b may apply once a's is rejected.
    ok_act(&staff, first, "reject", "公示期间发现重复申报").await;
    let r = b.admin.api(Method::POST, "/api/v1/applications", Some(body("GB/T 1.1-2020"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
});

scenario!(reviewers_see_only_what_they_are_assigned_and_staff_see_all, |t: TestApp| async move {
    let staff = t.staff("az_staff").await;
    let admin = t.user_with_roles("az_admin", &[Role::Admin]).await;
    let org = t.org_with_admin("az_org", "授权测试企业", "91440101MA59AUTH1X").await;
    let assigned = expert(&t, "az_assigned").await;
    let stranger = expert(&t, "az_stranger").await;
    let id = in_review(&org, &staff).await;
    assign(&staff, id, "az_assigned").await;
    let page = format!("/applications/{id}");
    let review = format!("/review/applications/{id}");
    // (who, the application's page, the reviewer's page)
    let rows: Vec<(&str, &Client, StatusCode, StatusCode)> = vec![
        ("applicant org admin", &org.admin, StatusCode::OK, StatusCode::FORBIDDEN),
        ("expert assigned, before COI", &assigned, StatusCode::FORBIDDEN, StatusCode::OK),
        ("expert not assigned", &stranger, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
        // Staff manage from the application's page; the reviewer's page is the reviewers'.
        ("staff", &staff, StatusCode::OK, StatusCode::FORBIDDEN),
        ("admin", &admin, StatusCode::OK, StatusCode::FORBIDDEN),
    ];
    for (who, c, want_page, want_review) in rows {
        assert_eq!(c.get(&page).await.status, want_page, "{who}: {page}");
        assert_eq!(c.get(&review).await.status, want_review, "{who}: {review}");
    }
    let anon = t.client().get(&page).await;
    assert!(anon.status == StatusCode::SEE_OTHER && anon.location().starts_with("/login"), "anonymous: {}", anon.status);
    assert_eq!(declare(&assigned, id, false, "").await.status, StatusCode::NO_CONTENT);
    assert_eq!(assigned.get(&page).await.status, StatusCode::OK, "expert assigned, after COI");
    assert_eq!(stranger.get(&format!("/api/v1/applications/{id}")).await.status, StatusCode::FORBIDDEN);
    // In English, the same pages speak English (labels of the type's configuration too).
    let en = t.client();
    en.get("/lang/en").await;
    let page = en.get("/programmes/good_behaviour").await.text;
    assert!(page.contains("Standardization good-behaviour enterprises") && page.contains("Grade thresholds") && page.contains("Technical standards system"), "{page}");
    // The staff queue and its pager.
    let q = staff.get("/staff/applications?state=expert_review").await.text;
    assert!(q.contains("授权测试企业"), "{q}");
    assert_eq!(org.admin.get("/staff/applications").await.status, StatusCode::FORBIDDEN);
});

// Kill -9 during expert score submission: reviewers send sheets in a loop to a second
// server (this binary, a child process on the same database) that is killed mid-way. Each
// sheet is one transaction (its lines, the reviewer's totals, the step's event and the
// record's version): afterwards every reviewer has a whole sheet or none, the totals are
// the sum of the lines, and the record's version counts its events.
scenario!(kill_9_during_score_submission_leaves_whole_sheets_or_none, |t: TestApp| async move {
    let staff = t.staff("kf_staff").await;
    let org = t.org_with_admin("kf_admin", "断电演练企业", "91440101MA59KILL1X").await;
    let id = in_review(&org, &staff).await;
    let mut experts = Vec::new();
    for i in 0..4 {
        let name = format!("kf_e{i}");
        let c = expert(&t, &name).await;
        assign(&staff, id, &name).await;
        assert_eq!(declare(&c, id, false, "").await.status, StatusCode::NO_CONTENT);
        experts.push(c);
    }
    let (child, base, _) = t.serve_process(std::process::Stdio::null());
    let sheets: Vec<Value> = vec![sheet(&experts[0], 390, 60, false).await, sheet(&experts[0], 381, 77, true).await, sheet(&experts[0], 300, 20, false).await];
    let mut tasks = Vec::new();
    for (i, c) in experts.iter().enumerate() {
        let (c, sheets, path) = (c.on(&base), sheets.clone(), format!("/api/v1/applications/{id}/scores"));
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            for n in 0.. {
                let r = c.http.post(c.url(&path)).header("x-csrf-token", c.cookie("bz_csrf").unwrap_or_default()).json(&sheets[(i + n) % sheets.len()]).send().await;
                match r {
                    Ok(r) if r.status().is_success() => ok += 1,
                    Ok(r) => panic!("a sheet refused before the kill: {}", r.status()),
                    Err(_) => break, // the server is gone
                }
            }
            ok
        }));
    }
    let sent = kill_9_under_load(child, tasks).await;
    assert!(sent > 0, "the kill came while sheets were being sent");
    for i in 0..4 {
        let uid = t.user_id(&format!("kf_e{i}")).await;
        let (lines, sum): (i64, Option<i64>) = sqlx::query_as("SELECT COUNT(*), CAST(SUM(points) AS BIGINT) FROM application_scores WHERE application_id = $1 AND user_id = $2")
            .bind(id).bind(uid).fetch_one(&t.app.db.pool).await.unwrap();
        let (base, bonus, at): (Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as("SELECT total_base, total_bonus, scored_at FROM application_reviewers WHERE application_id = $1 AND user_id = $2")
            .bind(id).bind(uid).fetch_one(&t.app.db.pool).await.unwrap();
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workflow_events WHERE kind = 'application' AND record_id = $1 AND action = 'score' AND actor_id = $2")
            .bind(id).bind(uid).fetch_one(&t.app.db.pool).await.unwrap();
        if at.is_some() {
            assert_eq!(lines, 12, "reviewer {i}: a whole sheet");
            assert_eq!(sum, Some(base.unwrap() + bonus.unwrap()), "reviewer {i}: the totals are the lines'");
            assert!(events > 0, "reviewer {i}: the sheet's event");
        } else {
            assert_eq!((lines, events), (0, 0), "reviewer {i}: no half sheet");
        }
    }
    let (version, events): (i64, i64) = sqlx::query_as("SELECT a.version, (SELECT COUNT(*) FROM workflow_events e WHERE e.kind = 'application' AND e.record_id = a.id) FROM applications a WHERE a.id = $1")
        .bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(version, events - 1, "every move has its event and no event its lost move");
    // The application goes on: the review closes once every reviewer's sheet is in.
    let scored = t.count("SELECT COUNT(*) FROM application_reviewers WHERE scored_at IS NOT NULL").await;
    if scored == 4 {
        ok_act(&staff, id, "close_review", "").await;
    } else {
        assert_eq!(act(&staff, id, "close_review", "").await.status, StatusCode::CONFLICT, "a reviewer without a sheet holds the review open");
    }
});

scenario!(a_demonstration_project_runs_to_acceptance_with_a_trimmed_mean, |t: TestApp| async move {
    let staff = t.staff("dm_staff").await;
    let org = t.member_org("dm_admin", "示范项目承担单位", "911522010783762860", &staff).await;
    let answers = json!({ "project": "社区养老服务标准化试点", "level": "city", "field": "services", "months": "24", "plan": "建立养老服务标准体系并实施" });
    let r = org.admin.api(Method::POST, "/api/v1/applications", Some(json!({ "programme": "demonstration", "answers": answers, "submit": true }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    // The member area and the staff queue say where it is.
    let member = org.admin.get("/member").await.text;
    assert!(member.contains("member-programmes") && member.contains("社区养老服务标准化试点") && member.contains("等待形式审查"), "{member}");
    let queue = staff.get("/staff").await.text;
    assert!(queue.contains("申报：已提交"), "{queue}");
    ok_act(&staff, id, "start_check", "").await;
    ok_act(&staff, id, "pass_check", "").await;
    let mut panel = Vec::new();
    for (i, total) in [60, 80, 100].into_iter().enumerate() {
        let name = format!("dm_e{i}");
        let c = expert(&t, &name).await;
        assign(&staff, id, &name).await;
        assert_eq!(declare(&c, id, false, "").await.status, StatusCode::NO_CONTENT);
        let r = c.api(Method::POST, &format!("/api/v1/applications/{id}/scores"), Some(sheet_of(&c, "demonstration", 100, total, 0, false).await)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        panel.push(c);
    }
    let d = ok_act(&staff, id, "close_review", "").await;
    assert_eq!((d["score_base"].as_str(), d["grade"].as_str()), (Some("80"), Some("")), "the mean without the highest and lowest sheet");
    ok_act(&staff, id, "approve", "").await;
    sqlx::query("UPDATE applications SET notice_until = $1 WHERE id = $2").bind(biaozhun::util::now() - 1).bind(id).execute(&t.app.db.pool).await.unwrap();
    ok_act(&staff, id, "finalise", "").await;
    assert_eq!(ok_act(&staff, id, "start_follow_up", "").await["state"], "follow_up");
    assert!(org.admin.get(&format!("/applications/{id}")).await.text.contains("中期评估"), "the applicant sees the follow-up");
    ok_act(&staff, id, "pass_midterm", "").await;
    assert_eq!(act(&staff, id, "fail_acceptance", "").await.status, StatusCode::UNPROCESSABLE_ENTITY, "a failure says why");
    assert_eq!(ok_act(&staff, id, "pass_acceptance", "").await["state"], "completed");
    assert_eq!(biaozhun::programmes::counts(&t.app).await.unwrap().demonstrations, 1);
    // A programme without a follow-up refuses one.
    let other = t.org_with_admin("dm_gb", "良好行为企业", "91440101MA59DEMO2X").await;
    let gb = in_review(&other, &staff).await;
    ok_act(&staff, gb, "return", "补充材料").await;
    assert_eq!(act(&staff, gb, "start_follow_up", "").await.status, StatusCode::CONFLICT);
});

scenario!(a_new_version_of_a_type_leaves_earlier_applications_on_theirs_and_reminds_its_drafts, |t: TestApp| async move {
    let a = t.org_with_admin("vr_a", "版本甲公司", "91440101MA59VERA1X").await;
    let b = t.org_with_admin("vr_b", "版本乙公司", "91440101MA59VERB1X").await;
    let draft = |work: &str| json!({ "programme": "subsidy", "answers": { "item": "group_lead", "level": "group", "work": work } });
    let r = a.admin.api(Method::POST, "/api/v1/applications", Some(draft("T/GDBZ 1-2026"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let first = r.json()["id"].as_i64().unwrap();
    // Version 2 of the subsidy type, as data: its call closes in seven days, with a reminder then.
    let mut v2 = a.admin.get("/api/v1/programmes").await.json()["items"].as_array().unwrap().iter().find(|p| p["code"] == "subsidy").unwrap().clone();
    let closes = biaozhun::util::fmt_date(biaozhun::util::now() + 7 * 86400);
    v2["version"] = json!(2);
    v2["closes"] = json!(closes);
    v2["remind_days"] = json!([7]);
    let closes_at = biaozhun::util::parse_local_date(&closes).unwrap() + 86399;
    sqlx::query("INSERT INTO programme_types (code, version, kind, title_zh, title_en, config, opens_at, closes_at, created_at) VALUES ('subsidy', 2, 'subsidy', $1, $2, $3, NULL, $4, $5)")
        .bind(v2["title_zh"].as_str().unwrap()).bind(v2["title_en"].as_str().unwrap()).bind(v2.to_string()).bind(closes_at).bind(biaozhun::util::now())
        .execute(&t.app.db.pool).await.unwrap();
    let r = b.admin.api(Method::POST, "/api/v1/applications", Some(draft("T/GDBZ 2-2026"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["programme_version"], 2);
    let second = r.json()["id"].as_i64().unwrap();
    assert_eq!(a.admin.get(&format!("/api/v1/applications/{first}")).await.json()["programme_version"], 1, "the first keeps its version");
    let sent = biaozhun::programmes::hooks::send_reminders(&t.app).await.unwrap();
    assert_eq!(sent, 1, "only the draft under the closing version");
    let (subject, body, link) = t.last_mail("vr_b@example.com").await;
    assert!(subject.contains("即将截止") && body.contains("7 天后截止"), "{subject} {body}");
    assert_eq!(link.as_deref(), Some(format!("/applications/{second}").as_str()));
});

/// An expert with an account keeps a profile in `field`, approved into the pool by staff;
/// answers the profile's id.
async fn pooled(t: &TestApp, staff: &Client, name: &str, org_uscc: &str, field: &str) -> (Client, i64) {
    let c = expert(t, name).await;
    let form = [("name", name), ("title", "高级工程师"), ("org_name", "某单位"), ("org_uscc", org_uscc), ("fields", field), ("email", &format!("{name}@example.com")), ("phone", "13912345678")];
    let r = c.post_form("/experts/me", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(c.post_form("/experts/me/submit", &[]).await.status, StatusCode::SEE_OTHER);
    let id: i64 = sqlx::query_scalar("SELECT id FROM experts WHERE name = $1").bind(name).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(staff.post_form(&format!("/staff/experts/{id}/step"), &[("action", "approve")]).await.status, StatusCode::SEE_OTHER);
    (c, id)
}

scenario!(a_panel_drawn_from_the_expert_pool_becomes_the_reviewers, |t: TestApp| async move {
    let staff = t.staff("dr_staff").await;
    let code = crate::experts::uscc(4401);
    let org = t.org_with_admin("dr_admin", "广州市抽取评审电子有限公司", &code).await;
    // Four experts of the field with accounts, one of them from the applicant's organisation;
    // one more in the pool without an account (entered by staff).
    let (own, _) = pooled(&t, &staff, "dr_own", &code, "03.120").await;
    let mut others = Vec::new();
    for name in ["dr_a", "dr_b", "dr_c"] {
        others.push((name, pooled(&t, &staff, name, "", "03.120.10").await.0));
    }
    let r = staff.api(Method::POST, "/api/v1/experts", Some(json!({"name": "无账号专家", "title": "研究员", "org_name": "外单位", "fields": "03.120", "email": "offline@experts.example.com"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let offline = r.json()["id"].as_i64().unwrap();
    staff.post_form(&format!("/staff/experts/{offline}/step"), &[("action", "approve")]).await;

    let id = in_review(&org, &staff).await;
    let reviewers_of = || async { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM application_reviewers WHERE application_id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap() };
    let page = staff.get(&format!("/applications/{id}")).await.text;
    assert!(page.contains("随机抽取评审专家"), "staff are offered the draw: {page}");
    // Too many asked for the eligible pool: the field is named and nothing is assigned.
    let r = staff.post_form(&format!("/staff/applications/{id}/draw"), &[("fields", "03.120"), ("count", "4"), ("backups", "0")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(reviewers_of().await, 0);
    assert_eq!(own.post_form(&format!("/staff/applications/{id}/draw"), &[("fields", "03.120"), ("count", "2")]).await.status, StatusCode::FORBIDDEN);
    // Two of the three eligible: never the applicant's own expert nor the one without an account.
    let r = staff.post_form(&format!("/staff/applications/{id}/draw"), &[("fields", "03.120"), ("count", "2"), ("backups", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let (draw_id, snapshot): (i64, String) = sqlx::query_as("SELECT id, snapshot FROM expert_draws ORDER BY id DESC LIMIT 1").fetch_one(&t.app.db.pool).await.unwrap();
    assert!(snapshot.contains("no_account") && snapshot.contains("organisation"), "the snapshot says why each was left out: {snapshot}");
    let reviewers: Vec<String> = sqlx::query_scalar("SELECT u.username FROM application_reviewers r JOIN users u ON u.id = r.user_id WHERE r.application_id = $1 ORDER BY u.username")
        .bind(id).fetch_all(&t.app.db.pool).await.unwrap();
    assert_eq!(reviewers.len(), 2, "{reviewers:?}");
    assert!(reviewers.iter().all(|r| r.starts_with("dr_") && r != "dr_own"), "{reviewers:?}");
    // The draw replays to the same panel; the assigned experts find the application to declare.
    let replay = staff.api(Method::POST, &format!("/api/v1/experts/draws/{draw_id}/replay"), None).await;
    assert_eq!(replay.status, StatusCode::OK, "{}", replay.text);
    let first = others.iter().find(|(name, _)| reviewers[0] == *name).unwrap();
    assert!(declare(&first.1, id, false, "").await.status.is_success());
    // A second draw avoids those already on the panel: one expert is left.
    let r = staff.post_form(&format!("/staff/applications/{id}/draw"), &[("fields", "03.120"), ("count", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(reviewers_of().await, 3);
    let events: Vec<String> = sqlx::query_scalar("SELECT action FROM workflow_events WHERE kind = 'application' AND record_id = $1 AND action = 'assign'")
        .bind(id).fetch_all(&t.app.db.pool).await.unwrap();
    assert_eq!(events.len(), 2, "each draw is a step of the application");
});

// The API's lists against the issue: own for applicants, all for staff, assigned for experts;
// an expert who also belongs to an organisation gets both in one list with one total and
// pages that do not overlap; an unknown programme is named.
scenario!(application_lists_by_role_page_once_and_name_bad_filters, |t: TestApp| async move {
    let staff = t.staff("al_staff").await;
    let org = t.org_with_admin("al_admin", "列表企业", "91440101MA59LIST1X").await;
    let both = t.org_with_admin("al_both", "专家所在企业", "91440101MA59LIST2X").await;
    let mut tx = t.app.db.begin().await.unwrap();
    biaozhun::auth::store::set_roles(&mut tx, t.user_id("al_both").await, &[Role::Expert], None).await.unwrap();
    tx.commit().await.unwrap();
    let assigned = in_review(&org, &staff).await;
    assign(&staff, assigned, "al_both").await;
    assert_eq!(declare(&both.admin, assigned, false, "").await.status, StatusCode::NO_CONTENT);
    let r = both.admin.api(Method::POST, "/api/v1/applications", Some(json!({ "programme": "good_behaviour", "answers": gb_answers() }))).await;
    let own = r.json()["id"].as_i64().unwrap();
    let mut seen = vec![];
    for page in [1, 2] {
        let l = both.admin.get(&format!("/api/v1/applications?per_page=1&page={page}")).await.json();
        assert_eq!((l["total"].as_i64(), l["pages"].as_i64()), (Some(2), Some(2)), "{l}");
        seen.extend(l["items"].as_array().unwrap().iter().map(|a| a["id"].as_i64().unwrap()));
    }
    seen.sort_unstable();
    assert_eq!(seen, { let mut v = vec![assigned, own]; v.sort_unstable(); v });
    assert_eq!(org.admin.get("/api/v1/applications").await.json()["total"], 1, "own");
    assert_eq!(staff.get("/api/v1/applications").await.json()["total"], 2, "all");
    let r = staff.get("/api/v1/applications?programme=nothing").await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("programme")));
    assert_eq!(staff.get("/api/v1/applications?programme=good_behaviour&state=expert_review").await.json()["items"][0]["id"], assigned);
});
