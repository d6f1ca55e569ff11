//! Membership: apply, review, notify, member pages, organisation users, renewal.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use reqwest::{Method, StatusCode};

const USCC: &str = "9144030071526726XG";

fn org_form(uscc: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "organisation".into()),
        ("org_name", "广州番禺厨电有限公司".into()),
        ("uscc", uscc.into()),
        ("industry", "C".into()),
        ("contact_name", "陈经理".into()),
        ("contact_phone", "020-3482 6600".into()),
        ("contact_email", "chen@hoods.example.com".into()),
        ("district_code", "440113".into()),
        ("address", "番禺区市桥街".into()),
    ]
}

async fn apply(c: &Client, uscc: &str) -> Resp {
    let f = org_form(uscc);
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form("/membership/apply", &fields).await
}

scenario!(organisation_joins_and_adds_staff, |t: TestApp| async move {
    let owner = t.user("hood_owner").await;
    // A wrong check character is refused on the uscc field with the reason.
    let r = apply(&owner, "9144030071526726XH").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("err-uscc") && r.text.contains("统一社会信用代码无效"), "{}", r.text);
    let r = apply(&owner, "9144 0300 7152 6726 xg").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "spaces and lower case are normalised: {}", r.text);
    // A second application while one is pending is refused.
    assert_eq!(apply(&owner, USCC).await.status, StatusCode::CONFLICT);
    assert_eq!(owner.get("/member").await.status, StatusCode::FORBIDDEN);
    // The account page (the kernel's) offers the way in through membership's account hook.
    let account = owner.get("/account").await;
    assert!(account.text.contains("href=\"/membership\"") && account.text.contains("入会申请"), "{}", account.text);

    let staff = t.user_with_roles("assoc_staff", &[Role::Staff]).await;
    let queue = staff.get("/staff/memberships").await;
    assert!(queue.text.contains("广州番禺厨电有限公司"));
    let home = staff.get("/staff").await;
    assert!(home.text.contains("入会申请"));
    let id: i64 = sqlx::query_scalar("SELECT id FROM membership_applications").fetch_one(&t.app.db.pool).await.unwrap();
    let page = staff.get(&format!("/staff/memberships/{id}")).await;
    assert!(page.text.contains(USCC) && page.text.contains("番禺区"));
    let r = staff.post_form(&format!("/staff/memberships/{id}/approve"), &[("version", "1"), ("member_no", "GZT2026-0001"), ("starts_on", "2026-01-01"), ("ends_on", "2027-12-31")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // A second reviewer working from the same version is told, not silently overwritten.
    let r = staff.post_form(&format!("/staff/memberships/{id}/reject"), &[("version", "1"), ("reason", "late")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // The applicant is told in the site and by mail, and is now a member.
    let (subject, body, _) = t.last_mail("hood_owner@example.com").await;
    assert!(subject.contains("已批准") && body.contains("GZT2026-0001") && body.contains("2027-12-31"), "{subject} {body}");
    let notes = owner.get("/notifications").await;
    assert!(notes.text.contains("GZT2026-0001"));
    let member = owner.get("/member").await;
    assert_eq!(member.status, StatusCode::OK);
    assert!(member.text.contains("GZT2026-0001"));
    // The account page names the member number and the end of the term.
    let account = owner.get("/account").await;
    assert!(account.text.contains("GZT2026-0001 · 2027-12-31"), "{}", account.text);

    // The organisation invites an existing user and a new address; each joins only by
    // accepting (the instant add of the security finding is gone).
    let org: i64 = sqlx::query_scalar("SELECT org_id FROM memberships").fetch_one(&t.app.db.pool).await.unwrap();
    assert!(owner.get("/membership").await.text.contains(&format!("/orgs/{org}")), "the membership page links to the organisation");
    let one = t.user("engineer_one").await;
    let r = owner.post_form(&format!("/orgs/{org}/invitations"), &[("email", "engineer_one@example.com")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(one.get("/member").await.status, StatusCode::FORBIDDEN, "not before accepting");
    let inv = t.invitation_to(&one, org).await;
    let r = one.post_form(&format!("/orgs/invitations/{inv}/accept"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(one.get("/member").await.status, StatusCode::OK, "staff of a member organisation are members");
    let r = owner.post_form(&format!("/orgs/{org}/invitations"), &[("email", "engineer.two@hoods.example.com")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let (_, body, link) = t.last_mail("engineer.two@hoods.example.com").await;
    assert!(body.contains("广州番禺厨电有限公司") && body.contains("/register"));
    assert_eq!(link.as_deref(), Some("/orgs"));
    // The new address registers, confirms, signs in and accepts.
    let two = t.client();
    let r = two.register("engineer_two", "engineer.two@hoods.example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (_, _, confirm) = t.last_mail("engineer.two@hoods.example.com").await;
    two.get(&confirm.expect("confirmation link")).await;
    assert_eq!(two.login("engineer_two", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let inv = t.invitation_to(&two, org).await;
    let r = two.post_form(&format!("/orgs/invitations/{inv}/accept"), &[("act", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(two.get("/member").await.status, StatusCode::OK);
    let users = owner.get(&format!("/orgs/{org}")).await;
    assert!(users.text.contains("engineer_one") && users.text.contains("engineer_two"));
    // Staff of the organisation see its users but cannot invite.
    assert_eq!(two.get(&format!("/orgs/{org}")).await.status, StatusCode::OK);
    let r = two.post_form(&format!("/orgs/{org}/invitations"), &[("email", "x@example.com")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let audit = t.count("SELECT COUNT(*) FROM audit_log WHERE action IN ('membership.apply', 'membership.approve', 'org.invite', 'org.accept')").await;
    assert_eq!(audit, 6);
});

scenario!(rejection_renewal_and_api, |t: TestApp| async move {
    let person = t.user("individual_a").await;
    let staff = t.user_with_roles("staff_b", &[Role::Staff]).await;
    let r = person.api(Method::POST, "/api/v1/membership/applications", Some(serde_json::json!({
        "kind": "individual", "real_name": "王工", "contact_name": "王工", "contact_phone": "13800138000", "contact_email": "wang@example.com"
    }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    let queue = staff.api(Method::GET, "/api/v1/membership/applications", None).await;
    assert_eq!(queue.json().as_array().unwrap().len(), 1);
    let r = staff.api(Method::POST, &format!("/api/v1/membership/applications/{id}/decision"), Some(serde_json::json!({"decision": "reject", "version": 1}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "reason");
    let r = staff.api(Method::POST, &format!("/api/v1/membership/applications/{id}/decision"), Some(serde_json::json!({"decision": "reject", "version": 1, "reason": "请补充单位证明"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(person.get("/membership").await.text.contains("请补充单位证明"));
    // Apply again; approve through the API with defaults.
    let r = person.api(Method::POST, "/api/v1/membership/applications", Some(serde_json::json!({
        "kind": "individual", "real_name": "王工", "contact_name": "王工", "contact_phone": "13800138000", "contact_email": "wang@example.com"
    }))).await;
    let id = r.json()["id"].as_i64().unwrap();
    let r = staff.api(Method::POST, &format!("/api/v1/membership/applications/{id}/decision"), Some(serde_json::json!({"decision": "approve", "version": 1}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let mine = person.api(Method::GET, "/api/v1/membership", None).await.json();
    assert_eq!(mine["membership"]["active"], true);
    // Near the end of the term the member is reminded and can renew.
    let soon = biaozhun::util::now() + 10 * 86400;
    sqlx::query("UPDATE memberships SET ends_at = $1").bind(soon).execute(&t.app.db.pool).await.unwrap();
    let mut tx = t.app.db.begin().await.unwrap();
    biaozhun::jobs::enqueue(&mut tx, "membership_reminders", serde_json::json!({}), None).await.unwrap();
    tx.commit().await.unwrap();
    t.run_jobs().await;
    t.run_jobs().await;
    let (subject, _, _) = t.last_mail("individual_a@example.com").await;
    assert!(subject.contains("即将到期"), "{subject}");
    let r = person.post_form("/membership/renew", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let renew_id: i64 = sqlx::query_scalar("SELECT id FROM membership_applications WHERE purpose = 'renew'").fetch_one(&t.app.db.pool).await.unwrap();
    let r = staff.post_form(&format!("/staff/memberships/{renew_id}/approve"), &[("version", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let ends: i64 = sqlx::query_scalar("SELECT ends_at FROM memberships").fetch_one(&t.app.db.pool).await.unwrap();
    assert!(ends > soon + 300 * 86400, "renewal extends the term");
    let count = t.count("SELECT COUNT(*) FROM memberships").await;
    assert_eq!(count, 1, "renewal keeps the member number");
    // Mail is sent by the job queue: with no SMTP relay it lands in the outbox.
    let outboxed = t.count("SELECT COUNT(*) FROM mail_outbox WHERE status = 'outbox'").await;
    assert!(outboxed >= 3);
});

scenario!(credit_code_structure_is_checked, |t: TestApp| async move {
    let owner = t.user("lookalike_owner").await;
    // A correct check character around a division code with a letter in it (GB 32100
    // wants the six digits of a GB/T 2260 code in characters 3 to 8).
    let r = apply(&owner, "91A40100600037341J").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("err-uscc") && r.text.contains("统一社会信用代码无效") && r.text.contains("A40100"), "{}", r.text);
    let mut body = serde_json::Map::new();
    for (k, v) in org_form("91A40100600037341J") {
        body.insert(k.to_string(), serde_json::Value::String(v));
    }
    let r = owner.api(Method::POST, "/api/v1/membership/applications", Some(serde_json::Value::Object(body.clone()))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["error"]["field"], "uscc", "{}", r.text);
    // An unknown registration authority (B) or category (9 issues 1, 2, 3 only) is refused
    // the same way, though the check characters are right, with the reason in Chinese.
    for (code, why) in [("B1110000600037341J", "登记管理部门代码"), ("94110000600037341B", "机构类别代码")] {
        body.insert("uscc".into(), code.into());
        let r = owner.api(Method::POST, "/api/v1/membership/applications", Some(serde_json::Value::Object(body.clone()))).await;
        assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("uscc")), "{}", r.text);
        assert!(r.json()["error"]["message"].as_str().unwrap_or("").contains(why), "{}", r.text);
    }
    // The real code it was made from is accepted.
    body.insert("uscc".into(), "91110000600037341L".into());
    let r = owner.api(Method::POST, "/api/v1/membership/applications", Some(serde_json::Value::Object(body))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["uscc"], "91110000600037341L");
});
