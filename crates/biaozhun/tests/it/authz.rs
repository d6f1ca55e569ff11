//! The authorization matrix: every route of the router × every role. A route added
//! without the right rule fails here.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use biaozhun::web::Access;
use reqwest::{Method, StatusCode};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anonymous,
    User,
    Member,
    Expert,
    Staff,
    Admin,
}

fn allowed(access: Access, who: Who) -> bool {
    match access {
        Access::Public => true,
        Access::User => who != Who::Anonymous,
        Access::Member => matches!(who, Who::Member | Who::Staff | Who::Admin),
        Access::Expert => matches!(who, Who::Expert | Who::Staff | Who::Admin),
        Access::Staff => matches!(who, Who::Staff | Who::Admin),
        Access::Admin => who == Who::Admin,
    }
}

scenario!(every_route_enforces_its_rule_for_every_role, |t: TestApp| async move {
    let staff = t.staff("m_staff").await;
    let clients = vec![
        (Who::Anonymous, t.client()),
        (Who::User, t.user("m_user").await),
        (Who::Member, t.member("m_member", &staff).await),
        (Who::Expert, t.user_with_roles("m_expert", &[Role::Expert]).await),
        // An expert with a scoped role reaches the routes any expert reaches, no more.
        (Who::Expert, t.user_scoped("m_reviewer", &[Role::Expert], biaozhun::auth::scopes::ScopedRole::Reviewer, biaozhun::tbt::policy::comment_scope(1)).await),
        // A district's sign inspector reaches the routes any user reaches, no more.
        (Who::User, t.user_scoped("m_inspector", &[], biaozhun::auth::scopes::ScopedRole::Inspector, biaozhun::auth::scopes::Scope::new("district", "440106")).await),
        (Who::Staff, staff),
        (Who::Admin, t.user_with_roles("m_admin", &[Role::Admin]).await),
    ];
    let table = biaozhun::app::route_table();
    assert!(table.len() > 40, "the table covers the router");
    let mut checked = 0;
    for rule in &table {
        // Logging out would end the session that later rows need.
        if rule.path == "/logout" || rule.path == "/api/v1/session" && rule.method == "DELETE" {
            continue;
        }
        let path = concrete(rule.path);
        for (who, c) in &clients {
            let csrf = c.csrf().await;
            let method = Method::from_bytes(rule.method.as_bytes()).unwrap();
            let mut req = c.http.request(method, c.url(&path)).header("x-csrf-token", &csrf);
            if rule.method != "GET" {
                req = if path.starts_with("/api/") { req.json(&serde_json::json!({})) } else { req.form(&[("_csrf", csrf.as_str())]) };
            }
            let r = req.send().await.unwrap();
            let status = r.status();
            let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            assert!(!status.is_server_error(), "{:?} {} {} answered {status}", who, rule.method, rule.path);
            let denied_anon = status == StatusCode::UNAUTHORIZED || (status == StatusCode::SEE_OTHER && location.starts_with("/login?next="));
            if allowed(rule.access, *who) {
                assert!(status != StatusCode::FORBIDDEN && !(denied_anon && *who != Who::Anonymous && rule.access != Access::Public),
                    "{:?} should reach {} {} ({:?}) but got {status}", who, rule.method, rule.path, rule.access);
                assert!(status != StatusCode::UNAUTHORIZED || rule.access == Access::Public,
                    "{:?} got 401 on {} {}", who, rule.method, rule.path);
            } else if *who == Who::Anonymous {
                assert!(denied_anon, "anonymous must be sent to log in at {} {} but got {status}", rule.method, rule.path);
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{:?} must be refused at {} {}", who, rule.method, rule.path);
            }
            checked += 1;
        }
    }
    assert!(checked > 200, "checked {checked}");
});

scenario!(expired_members_lose_member_pages, |t: TestApp| async move {
    let desk = t.staff("lapse_desk").await;
    let c = t.member("lapsing", &desk).await;
    assert_eq!(c.get("/member").await.status, StatusCode::OK);
    sqlx::query("UPDATE memberships SET ends_at = $1").bind(biaozhun::util::now() - 1).execute(&t.app.db.pool).await.unwrap();
    assert_eq!(c.get("/member").await.status, StatusCode::FORBIDDEN);
});

// Record-level access beside the route's rule: an expert assigned as reviewer of one TBT
// comment (a scoped role) reads it and may return it to the drafters; other experts, users
// and visitors may not; staff assign reviewers (experts of the pool only), who are told.
scenario!(scoped_reviewer_reaches_only_their_comment, |t: TestApp| async move {
    use biaozhun::auth::scopes::ScopedRole;
    let staff = t.user_with_roles("rv_staff", &[Role::Staff]).await;
    crate::portal::staff_import(&t, &staff, "/staff/tbt/import", "eping.csv", crate::portal::tbt_csv()).await;
    let nid: i64 = sqlx::query_scalar("SELECT notification_id FROM tbt_symbols WHERE symbol = 'G/TBT/N/VNM/301'").fetch_one(&t.app.db.pool).await.unwrap();
    let r = staff.post_form(&format!("/staff/tbt/notifications/{nid}/comments"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let cid: i64 = r.location().trim_start_matches("/staff/tbt/comments/").parse().unwrap();
    let page = format!("/review/tbt/comments/{cid}");

    let assigned = t.user_scoped("rv_expert", &[Role::Expert], ScopedRole::Reviewer, biaozhun::tbt::policy::comment_scope(cid)).await;
    let other_expert = t.user_with_roles("rv_other", &[Role::Expert]).await;
    let plain = t.user("rv_plain").await;
    let late = t.user_with_roles("rv_late", &[Role::Expert]).await;
    assert_eq!(assigned.get(&page).await.status, StatusCode::OK);
    assert!(assigned.get("/review/tbt").await.text.contains(&page), "the reviewer's list names the comment");
    assert_eq!(staff.get(&page).await.status, StatusCode::OK);
    assert_eq!(other_expert.get(&page).await.status, StatusCode::FORBIDDEN);
    assert!(!other_expert.get("/review/tbt").await.text.contains(&page));
    assert_eq!(plain.get(&page).await.status, StatusCode::FORBIDDEN);
    let anon = t.client().get(&page).await;
    assert!(anon.status == StatusCode::SEE_OTHER && anon.location().starts_with("/login?next="), "{}", anon.status);
    assert_eq!(assigned.get("/review/tbt/comments/999999").await.status, StatusCode::NOT_FOUND);

    // Staff assign reviewers through the comment page: experts of the pool only.
    let r = staff.post_form(&format!("/staff/tbt/comments/{cid}/reviewers"), &[("username", "rv_plain")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = staff.post_form(&format!("/staff/tbt/comments/{cid}/reviewers"), &[("username", "rv_late")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(late.get(&page).await.status, StatusCode::OK);
    let told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'tbt_review' AND link = $2")
        .bind(t.user_id("rv_late").await)
        .bind(&page)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(told, 1, "the reviewer is told");
    let staff_page = staff.get(&format!("/staff/tbt/comments/{cid}")).await.text;
    assert!(staff_page.contains("rv_expert") && staff_page.contains("rv_late"), "the staff page lists the reviewers");
    // An expert may not assign anyone.
    assert_eq!(assigned.post_form(&format!("/staff/tbt/comments/{cid}/reviewers"), &[("username", "rv_other")]).await.status, StatusCode::FORBIDDEN);

    // In internal review the reviewer returns the draft with a note; others cannot, and the
    // reviewer cannot take the staff's steps.
    let version = |t: &TestApp| {
        let pool = t.app.db.pool.clone();
        async move { sqlx::query_scalar::<_, i64>("SELECT version FROM tbt_comments WHERE id = $1").bind(cid).fetch_one(&pool).await.unwrap().to_string() }
    };
    let v = version(&t).await;
    let r = staff.post_form(&format!("/staff/tbt/comments/{cid}/state"), &[("action", "send_to_review"), ("version", &v)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let v = version(&t).await;
    assert_eq!(other_expert.post_form(&page, &[("action", "return_to_draft"), ("note", "x"), ("version", &v)]).await.status, StatusCode::FORBIDDEN);
    let r = assigned.post_form(&page, &[("action", "submit"), ("version", &v)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "submitting is the staff's step: {}", r.text);
    let r = assigned.post_form(&page, &[("action", "return_to_draft"), ("note", "请补充第 3 条的依据"), ("version", &v)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let state: String = sqlx::query_scalar("SELECT state FROM tbt_comments WHERE id = $1").bind(cid).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(state, "draft");
    assert!(assigned.get(&page).await.text.contains("请补充第 3 条的依据"), "the note is in the history");

    // Removing the assignment ends the access.
    let r = staff.post_form(&format!("/staff/tbt/comments/{cid}/reviewers/remove"), &[("username", "rv_late")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(late.get(&page).await.status, StatusCode::FORBIDDEN);
});

// Every scoped role is held on its own scope only: not on another key, not as another role,
// and not after it is taken back (the kernel's store, on both databases).
scenario!(scoped_roles_hold_on_their_scope_only, |t: TestApp| async move {
    use biaozhun::auth::scopes::{self, Scope, ScopedRole};
    let pool = &t.app.db.pool;
    let scopes_of = [
        (ScopedRole::Department, Scope::new("department", "gz-scjgj")),
        (ScopedRole::District, Scope::new("district", "440106")),
        (ScopedRole::CommitteeSecretary, Scope::new("committee", "GZ/TC 12")),
        (ScopedRole::Reviewer, Scope::new("tbt_comment", 7)),
        (ScopedRole::Teacher, Scope::new("training_session", 3)),
        (ScopedRole::Inspector, Scope::new("district", "440104")),
    ];
    for (i, (role, scope)) in scopes_of.iter().enumerate() {
        let name = format!("scoped_{i}");
        t.user_scoped(&name, &[], *role, scope.clone()).await;
        let id = t.user_id(&name).await;
        assert!(scopes::holds(pool, id, *role, scope).await.unwrap(), "{role:?}");
        assert!(!scopes::holds(pool, id, *role, &Scope::new(scope.kind, "other")).await.unwrap(), "{role:?} on another key");
        for other in ScopedRole::ALL.into_iter().filter(|r| r != role) {
            assert!(!scopes::holds(pool, id, other, scope).await.unwrap(), "{role:?} is not {other:?}");
        }
        assert_eq!(scopes::holders(pool, *role, scope).await.unwrap(), vec![(id, name.clone())]);
        assert_eq!(scopes::keys_of(pool, id, *role, scope.kind).await.unwrap(), vec![scope.key.clone()]);
        assert_eq!(ScopedRole::parse(role.as_str()), Some(*role));
        let mut tx = t.app.db.begin().await.unwrap();
        assert!(!scopes::grant(&mut tx, id, *role, scope, None).await.unwrap(), "granting twice changes nothing");
        assert!(scopes::revoke(&mut tx, id, *role, scope).await.unwrap());
        tx.commit().await.unwrap();
        assert!(!scopes::holds(pool, id, *role, scope).await.unwrap(), "{role:?} revoked");
    }
});

// A certificate's printable page is its holder's and the staff's; verification is public;
// issuing and revoking are the staff's.
scenario!(a_certificate_sheet_is_the_holders_and_the_staffs, |t: TestApp| async move {
    let staff = t.staff("az_cert_staff").await;
    let holder = t.user("az_cert_holder").await;
    let other = t.user("az_cert_other").await;
    let expert = t.user_with_roles("az_cert_expert", &[Role::Expert]).await;
    let r = staff.post_form("/staff/certificates", &[("kind", "supervisor"), ("holder", "az_cert_holder"), ("title", "监督员")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let sheet = r.location();
    let number: String = sqlx::query_scalar("SELECT number FROM training_certificates").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(holder.get(&sheet).await.status, StatusCode::OK);
    assert_eq!(staff.get(&sheet).await.status, StatusCode::OK);
    assert_eq!(other.get(&sheet).await.status, StatusCode::FORBIDDEN);
    assert_eq!(expert.get(&sheet).await.status, StatusCode::FORBIDDEN);
    let anon = t.client();
    let r = anon.get(&sheet).await;
    assert!(r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login?next="), "{}", r.status);
    assert_eq!(anon.get(&format!("/certificates/{number}")).await.status, StatusCode::OK);
    assert_eq!(anon.get(&format!("/api/v1/certificates/{number}")).await.status, StatusCode::OK);
    for c in [&holder, &other, &expert] {
        assert_eq!(c.post_form("/staff/certificates", &[("kind", "supervisor"), ("holder", "az_cert_other"), ("title", "x")]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(c.post_form(&format!("{}/revoke", sheet.replace("/training/", "/staff/")), &[("reason", "x")]).await.status, StatusCode::FORBIDDEN);
        assert_eq!(c.get("/staff/certificates").await.status, StatusCode::FORBIDDEN);
    }
    // Without the CSRF token nothing is issued.
    assert_eq!(staff.post_form_no_csrf("/staff/certificates", &[("kind", "supervisor"), ("holder", "az_cert_other"), ("title", "x")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.count("SELECT COUNT(*) FROM training_certificates").await, 1);
});

// A sign inspector holds on their district only: they register and inspect signs there, not
// in another district; staff do both everywhere (docs/signs.md).
scenario!(a_sign_inspector_acts_in_their_district_only, |t: TestApp| async move {
    use biaozhun::auth::scopes::{Scope, ScopedRole};
    let staff = t.staff("ai_staff").await;
    let inspector = t.user_scoped("ai_inspector", &[], ScopedRole::Inspector, Scope::new("district", "440106")).await;
    let body = |d: &str, code: &str| serde_json::json!({"code": code, "district": d, "address": "x 路 1 号", "type": "location", "standard": "GB/T 10001.1-2023"});
    let mine = inspector.api(Method::POST, "/api/v1/signs", Some(body("440106", "AI-1"))).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.text);
    assert_eq!(inspector.api(Method::POST, "/api/v1/signs", Some(body("440104", "AI-2"))).await.status, StatusCode::FORBIDDEN);
    let theirs = staff.api(Method::POST, "/api/v1/signs", Some(body("440104", "AI-3"))).await.json()["id"].as_i64().unwrap();
    let mine = mine.json()["id"].as_i64().unwrap();
    let finding = serde_json::json!({"findings": [{"clause": "4.2", "note": "x"}]});
    assert_eq!(inspector.api(Method::POST, &format!("/api/v1/signs/{mine}/inspections"), Some(finding.clone())).await.status, StatusCode::CREATED);
    assert_eq!(inspector.api(Method::POST, &format!("/api/v1/signs/{theirs}/inspections"), Some(finding.clone())).await.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.api(Method::POST, &format!("/api/v1/signs/{theirs}/inspections"), Some(finding)).await.status, StatusCode::CREATED);
    assert_eq!(inspector.get("/signs/inspectors").await.status, StatusCode::FORBIDDEN);
    assert_eq!(inspector.get("/signs/cases").await.status, StatusCode::FORBIDDEN);
    // The case of the other district's sign is not theirs to see.
    let case: i64 = sqlx::query_scalar("SELECT id FROM sign_cases WHERE district = '440104'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(inspector.get(&format!("/signs/cases/{case}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(staff.get(&format!("/signs/cases/{case}")).await.status, StatusCode::OK);
});
