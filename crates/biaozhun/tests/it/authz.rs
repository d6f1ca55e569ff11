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
