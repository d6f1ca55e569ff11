//! API token scopes (issue 11 item 10): a read token changes nothing, a write token reaches
//! no administrator route, scopes never widen the owner's roles, token management needs a
//! session or the admin scope, and a token made by a token dies with its parent.
//! See docs/reliability/security.md.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A request with `Authorization: Bearer` and no cookies.
async fn bearer(c: &Client, token: &str, method: Method, path: &str, body: Option<serde_json::Value>) -> Resp {
    let mut req = reqwest::Client::new().request(method, c.url(path)).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("token request");
    let status = r.status();
    let headers = r.headers().clone();
    Resp { status, headers, text: r.text().await.unwrap_or_default() }
}

/// Makes a token through the signed-in session; returns (id, token).
async fn token(c: &Client, name: &str, scopes: &[&str]) -> (i64, String) {
    let r = c.api(Method::POST, "/api/v1/me/tokens", Some(json!({"name": name, "scopes": scopes}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    (r.json()["info"]["id"].as_i64().unwrap(), r.json()["token"].as_str().unwrap().to_string())
}

scenario!(a_read_token_changes_nothing, |t: TestApp| async move {
    let admin = t.user_with_roles("scope_reader", &[Role::Admin, Role::Staff]).await;
    let (_, read) = token(&admin, "reader", &["read"]).await;
    let r = bearer(&admin, &read, Method::GET, "/api/v1/me", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["roles"], json!(["staff"]), "without the admin scope the token is not an administrator: {}", r.text);
    // Every route that is not a read, whatever its rule, refuses the token before anything runs.
    let before = t.count("SELECT COUNT(*) FROM audit_log").await;
    let mut checked = 0;
    for rule in biaozhun::app::route_table().iter().filter(|r| r.method != "GET") {
        let method = Method::from_bytes(rule.method.as_bytes()).unwrap();
        let r = bearer(&admin, &read, method, &concrete(rule.path), Some(json!({}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{} {} with a read token: {}", rule.method, rule.path, r.text);
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log").await, before, "nothing was done");
    let r = bearer(&admin, &read, Method::POST, "/api/v1/standards/check", Some(json!({"text": "GB 1"}))).await;
    assert_eq!(r.json()["error"]["code"], "forbidden");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("read"), "{}", r.text);
    // Reads still work, within the roles.
    assert_eq!(bearer(&admin, &read, Method::GET, "/api/v1/standards?q=GB", None).await.status, StatusCode::OK);
    assert_eq!(bearer(&admin, &read, Method::GET, "/api/v1/membership/applications", None).await.status, StatusCode::OK);
});

scenario!(a_write_token_reaches_no_admin_route_and_scopes_never_widen_roles, |t: TestApp| async move {
    let admin = t.user_with_roles("scope_admin", &[Role::Admin, Role::Staff]).await;
    t.user("scope_target").await;
    let target = t.user_id("scope_target").await;
    let (_, write) = token(&admin, "writer", &["read", "write"]).await;
    let roles = json!({"roles": ["expert"], "reason": "scope test"});
    let path = format!("/api/v1/users/{target}/roles");
    let r = bearer(&admin, &write, Method::PUT, &path, Some(roles.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(bearer(&admin, &write, Method::GET, "/api/v1/audit", None).await.status, StatusCode::FORBIDDEN);
    // Staff work is not administration: the write token does it.
    let r = bearer(&admin, &write, Method::POST, "/api/v1/articles", Some(json!({"kind": "news", "title": "令牌发布", "body_md": "x", "status": "draft"}))).await;
    assert!(r.status.is_success(), "staff write with a write token: {} {}", r.status, r.text);
    // The admin scope opens the administrator routes to an administrator…
    let (_, full) = token(&admin, "full", &["read", "write", "admin"]).await;
    let r = bearer(&admin, &full, Method::PUT, &path, Some(roles)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(bearer(&admin, &full, Method::GET, "/api/v1/audit", None).await.status, StatusCode::OK);
    // …and to no one else: the scope caps the roles, it never adds to them.
    let user = t.user("scope_plain").await;
    let (_, plain) = token(&user, "plain full", &["read", "write", "admin"]).await;
    assert_eq!(bearer(&user, &plain, Method::GET, "/api/v1/audit", None).await.status, StatusCode::FORBIDDEN);
    let r = bearer(&user, &plain, Method::PUT, &format!("/api/v1/users/{target}/roles"), Some(json!({"roles": [], "reason": "x"}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = bearer(&user, &plain, Method::GET, "/api/v1/me", None).await;
    assert_eq!(r.json()["roles"], json!([]));
});

scenario!(token_management_needs_a_session_or_the_admin_scope, |t: TestApp| async move {
    let c = t.user("scope_manager").await;
    let (_, write) = token(&c, "writer", &["read", "write"]).await;
    let (_, read) = token(&c, "reader", &[]).await;
    for tk in [&write, &read] {
        let r = bearer(&c, tk, Method::POST, "/api/v1/me/tokens", Some(json!({"name": "minted", "scopes": ["read"]}))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert_eq!(bearer(&c, tk, Method::GET, "/api/v1/me/tokens", None).await.status, StatusCode::FORBIDDEN);
    }
    let r = bearer(&c, &write, Method::DELETE, "/api/v1/me/tokens/1", None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.count("SELECT COUNT(*) FROM api_tokens WHERE name = 'minted'").await, 0);
    // Unknown scopes are refused naming the field; an empty list is a read token.
    let r = c.api(Method::POST, "/api/v1/me/tokens", Some(json!({"name": "x", "scopes": ["read", "root"]}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["error"]["field"], "scopes");
    let r = c.api(Method::GET, "/api/v1/me/tokens", None).await;
    let list = r.json();
    let reader = list.as_array().unwrap().iter().find(|x| x["name"] == "reader").unwrap().clone();
    assert_eq!(reader["scopes"], json!(["read"]));
    // The account page's form, with its checkboxes; the list shows the scopes.
    let r = c.post_form("/account/tokens", &[("name", "from the form"), ("scopes", "write")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("bz_"), "the new token is shown once");
    let r = c.api(Method::GET, "/api/v1/me/tokens", None).await;
    let formed = r.json().as_array().unwrap().iter().find(|x| x["name"] == "from the form").unwrap().clone();
    assert_eq!(formed["scopes"], json!(["read", "write"]));
    let page = c.get("/account").await;
    assert!(page.text.contains(r#"<span class="tag">write</span>"#), "scopes are listed");
    let r = c.post_form("/account/tokens", &[("name", "bad"), ("scopes", "root")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
});

scenario!(tokens_made_by_a_token_die_with_it, |t: TestApp| async move {
    let c = t.user("scope_parent").await;
    let (parent_id, parent) = token(&c, "parent", &["read", "write", "admin"]).await;
    let r = bearer(&c, &parent, Method::POST, "/api/v1/me/tokens", Some(json!({"name": "child", "scopes": ["read", "write", "admin"]}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["info"]["parent_id"], json!(parent_id));
    let child = r.json()["token"].as_str().unwrap().to_string();
    let r = bearer(&c, &child, Method::POST, "/api/v1/me/tokens", Some(json!({"name": "grandchild", "scopes": ["read"]}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let grandchild = r.json()["token"].as_str().unwrap().to_string();
    let (_, sibling) = token(&c, "unrelated", &["read"]).await;
    for tk in [&parent, &child, &grandchild] {
        assert_eq!(bearer(&c, tk, Method::GET, "/api/v1/me", None).await.status, StatusCode::OK);
    }
    // Revoking the parent (here from the session) ends its whole line, and nothing else.
    let r = c.api(Method::DELETE, &format!("/api/v1/me/tokens/{parent_id}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    for tk in [&parent, &child, &grandchild] {
        assert_eq!(bearer(&c, tk, Method::GET, "/api/v1/me", None).await.status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(bearer(&c, &sibling, Method::GET, "/api/v1/me", None).await.status, StatusCode::OK);
    assert_eq!(t.count("SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NOT NULL").await, 3);
    let audit: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'token.revoke'").fetch_one(&t.app.db.pool).await.unwrap();
    assert!(audit.contains("2 token(s)"), "{audit}");
    // A child whose parent was revoked while it was being made (its own row still live) is
    // refused all the same.
    let (p2_id, p2) = token(&c, "parent 2", &["read", "write", "admin"]).await;
    let r = bearer(&c, &p2, Method::POST, "/api/v1/me/tokens", Some(json!({"name": "late child"}))).await;
    let late = r.json()["token"].as_str().unwrap().to_string();
    sqlx::query("UPDATE api_tokens SET revoked_at = 1 WHERE id = $1").bind(p2_id).execute(&t.app.db.pool).await.unwrap();
    assert_eq!(bearer(&c, &late, Method::GET, "/api/v1/me", None).await.status, StatusCode::UNAUTHORIZED);
});

scenario!(command_line_tokens_have_the_scopes_asked_for, |t: TestApp| async move {
    t.user_with_roles("scope_cli", &[Role::Staff]).await;
    let cli = |args: &[&str]| {
        let (ok, out, err) = t.cli(args, "");
        (ok, out.trim().to_string(), err)
    };
    // By default everything the account may do (the scripts in scripts/ rely on it).
    let (ok, full, err) = cli(&["user", "token", "scope_cli", "--label", "default"]);
    assert!(ok, "{err}");
    let (ok, read, err) = cli(&["user", "token", "scope_cli", "--label", "reader", "--scope", "read"]);
    assert!(ok, "{err}");
    let (ok, _, err) = cli(&["user", "token", "scope_cli", "--scope", "read,sudo"]);
    assert!(!ok && err.contains("sudo"), "{err}");
    let scopes: Vec<(String, String)> = sqlx::query_as("SELECT name, scopes FROM api_tokens ORDER BY id").fetch_all(&t.app.db.pool).await.unwrap();
    assert_eq!(scopes, [("default".to_string(), "read,write,admin".to_string()), ("reader".to_string(), "read".to_string())]);
    let c = t.client();
    let body = json!({"kind": "news", "title": "命令行令牌", "body_md": "x", "status": "draft"});
    assert!(bearer(&c, &full, Method::POST, "/api/v1/articles", Some(body.clone())).await.status.is_success());
    assert_eq!(bearer(&c, &read, Method::POST, "/api/v1/articles", Some(body)).await.status, StatusCode::FORBIDDEN);
});
