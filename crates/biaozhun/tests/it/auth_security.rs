//! Findings of the outside probe in the auth room (issue 11 items 4, 9 and the extras): open
//! redirects through the browser's URL clean-up, look-alike user names, registration telling
//! who has an account, the login page's 429 without `Retry-After`, and a CSRF cookie not
//! tied to the session. See docs/reliability/security.md.

use crate::scenario;
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Where a browser goes with this `Location`, resolved by the WHATWG URL parser (which drops
/// tabs and newlines and reads `\` as `/`, as browsers do).
fn resolved_host(location: &str) -> Option<String> {
    let base: reqwest::Url = "https://site.example/login".parse().unwrap();
    base.join(location).ok().and_then(|u| u.host_str().map(str::to_string))
}

/// Targets as they arrive at the server, decoded.
const EVIL: [&str; 24] = [
    "/\t/evil.example/stolen",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "\t//evil.example",
    "/\u{b}/evil.example",
    "/\u{0c}/evil.example",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\t\\evil.example",
    "https://evil.example",
    "HTTPS:evil.example",
    "javascript:alert(1)",
    "evil.example",
    " /x",
    " //evil.example",
    "/\u{3000}/evil.example",
    "/\u{a0}/evil.example",
    "/\u{2028}/evil.example",
    "/\u{200b}/evil.example",
    "/\u{feff}/evil.example",
    "/x\\@evil.example",
];

scenario!(redirect_targets_survive_the_browsers_url_clean_up, |t: TestApp| async move {
    // The probe's request, byte for byte.
    let c = t.client();
    let r = c.get("/lang/en?next=/%09/evil.example/stolen").await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/".to_string()));
    // `%2F%2F` arrives decoded as `//`; an encoded `%252F` arrives as `%2F` and stays a path.
    assert_eq!(c.get("/lang/en?next=/%2F%2Fevil.example").await.location(), "/");
    assert_eq!(c.get("/lang/en?next=/%252F%252Fevil.example").await.location(), "/%2F%2Fevil.example");
    t.user("redir2").await;
    let logged_in = t.client();
    logged_in.login("redir2", PASSWORD).await;
    for evil in EVIL {
        let to = c.get(&format!("/lang/zh-CN?next={}", enc(evil))).await.location();
        assert_eq!(to, "/", "lang next={evil:?} went to {to:?}");
        let to = logged_in.get(&format!("/login?next={}", enc(evil))).await.location();
        assert_eq!(to, "/", "GET /login next={evil:?} went to {to:?}");
        let anon = t.client();
        let (id, answer) = anon.captcha().await;
        let r = anon.post_form("/login", &[("account", "redir2"), ("password", PASSWORD), ("captcha_id", &id), ("captcha_answer", &answer), ("next", evil)]).await;
        assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/".to_string()), "POST /login next={evil:?}");
        // The login form does not carry the target on either.
        let page = t.client().get(&format!("/login?next={}", enc(evil))).await;
        let hidden = page.text.split(r#"name="next" value=""#).nth(1).and_then(|v| v.split('"').next()).unwrap_or_default();
        assert!(matches!(hidden, "/" | "&#x2f;"), "login form next={evil:?}: {hidden:?}");
        // And the resolved place is this site for every one of them.
        assert_eq!(resolved_host(&to).as_deref(), Some("site.example"));
    }
    // Real targets still work, in plain ASCII for the header.
    for (given, to) in [("/standards?q=GB&status=current", "/standards?q=GB&status=current"), ("/tbt?q=油烟机", "/tbt?q=%E6%B2%B9%E7%83%9F%E6%9C%BA")] {
        let r = c.get(&format!("/lang/en?next={}", enc(given))).await;
        assert_eq!(r.location(), to);
        assert!(r.headers["location"].as_bytes().iter().all(|b| b.is_ascii_graphic()));
    }
});

async fn api_register(t: &TestApp, username: &str, email: &str) -> Resp {
    let c = t.client();
    let (id, answer) = c.captcha().await;
    let body = json!({"username": username, "email": email, "password": PASSWORD, "captcha_id": id, "captcha_answer": answer});
    c.api(Method::POST, "/api/v1/users", Some(body)).await
}

scenario!(look_alike_user_names_are_refused, |t: TestApp| async move {
    t.user("user1").await;
    let field = |r: &Resp| (r.status, r.json()["error"]["field"].as_str().unwrap_or_default().to_string());
    let refused = (StatusCode::UNPROCESSABLE_ENTITY, "username".to_string());
    // Full-width, upper case, a Cyrillic е or ѕ, and l or I for 1: all the same name to the eye.
    for (name, says) in [("ｕｓｅｒ１", "已被使用"), ("USER1", "已被使用"), ("usеr1", "混用"), ("uѕer1", "混用"), ("userl", "相似"), ("userI", "相似"), ("ＵＳＥＲＩ", "相似")] {
        let r = api_register(&t, name, &format!("{}@example.net", biaozhun::util::random_token(6))).await;
        assert_eq!(field(&r), refused, "{name:?}: {}", r.text);
        assert!(r.json()["error"]["message"].as_str().unwrap().contains(says), "{name:?}: {}", r.text);
    }
    // The form says the same on its field.
    let r = t.client().register("usеr1", "form@example.net", PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("err-username"), "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM users").await, 2, "only user1 and the administrator");
    // Chinese names, alone or with Latin letters, are welcome; full-width input is stored plain
    // and logs in however it is typed.
    for (i, (name, stored)) in [("张三丰", "张三丰"), ("zhang张三", "zhang张三"), ("ｈｏｏｄ＿ｍａｋｅｒ", "hood_maker")].iter().enumerate() {
        let email = format!("cn{i}@example.net");
        let r = api_register(&t, name, &email).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{name}: {}", r.text);
        let got: String = sqlx::query_scalar("SELECT username FROM users WHERE email = $1").bind(&email).fetch_one(&t.app.db.pool).await.unwrap();
        assert_eq!(&got, stored);
    }
    let r = t.client().login("ＵＳＥＲ１", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // Two look-alikes at the same moment: the unique skeleton lets exactly one in.
    for round in 0..4 {
        let (one, other) = (format!("modern{round}"), format!("rnodern{round}"));
        let (mail_one, mail_other) = (format!("m{round}a@example.net"), format!("m{round}b@example.net"));
        let (a, b) = tokio::join!(api_register(&t, &one, &mail_one), api_register(&t, &other, &mail_other));
        let won = [&a, &b].iter().filter(|r| r.status == StatusCode::ACCEPTED).count();
        assert_eq!(won, 1, "round {round}: {} / {}", a.text, b.text);
        let lost = if a.status == StatusCode::ACCEPTED { &b } else { &a };
        assert_eq!(field(lost), refused, "{}", lost.text);
    }
});

scenario!(registration_answers_alike_for_known_and_unknown_addresses, |t: TestApp| async move {
    t.user("known_owner").await;
    let users = t.count("SELECT COUNT(*) FROM users").await;
    // The form: the same status and page, the address aside.
    let mut pages = vec![];
    for (name, email) in [("newcomer_a", "known_owner@example.com"), ("newcomer_b", "stranger@example.com")] {
        let c = t.client();
        let r = c.register(name, email, PASSWORD).await;
        let csrf = c.csrf().await;
        pages.push((r.status, r.text.replace(email, "EMAIL").replace(&csrf, "CSRF")));
    }
    assert_eq!(pages[0], pages[1]);
    assert_eq!(pages[0].0, StatusCode::OK);
    assert!(!pages[0].1.contains("已注册"), "no word of an existing account");
    // The API: the same status and body.
    let known = api_register(&t, "newcomer_c", "KNOWN_OWNER@example.com").await;
    let unknown = api_register(&t, "newcomer_d", "stranger2@example.com").await;
    assert_eq!((known.status, known.json()), (unknown.status, unknown.json()));
    assert_eq!(known.status, StatusCode::ACCEPTED);
    // Only the new addresses got accounts; the known one got a note instead of a link.
    assert_eq!(t.count("SELECT COUNT(*) FROM users").await, users + 2);
    assert_eq!(t.count("SELECT COUNT(*) FROM users WHERE username IN ('newcomer_a', 'newcomer_c')").await, 0);
    let (subject, body, _) = t.last_mail("known_owner@example.com").await;
    assert!(subject.contains("尝试用您的邮箱注册"), "{subject}");
    assert!(body.contains("/password/forgot") && body.contains("/login") && !body.contains("/confirm/"), "{body}");
    assert_eq!(t.count("SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'known_owner@example.com'").await, 3, "the confirmation, then one note per attempt");
    let (_, _, link) = t.last_mail("stranger@example.com").await;
    assert!(link.is_some_and(|l| l.starts_with("/confirm/")));
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.register_existing_address'").await, 2);
});

scenario!(the_login_page_says_when_to_retry, |t: TestApp| async move {
    t.user("retry_victim").await;
    let c = t.client_from("203.0.113.60");
    for _ in 0..5 {
        c.login("retry_victim", "wrong password 9").await;
    }
    let r = c.login("retry_victim", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.text.contains("<html"), "the login page");
    let wait: i64 = r.headers.get("retry-after").expect("Retry-After on the login page").to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    // The reset form is throttled the same way and says so the same way.
    let f = t.client_from("203.0.113.61");
    let mut last = None;
    for _ in 0..6 {
        let (id, answer) = f.captcha().await;
        last = Some(f.post_form("/password/forgot", &[("account", "retry_victim"), ("captcha_id", &id), ("captcha_answer", &answer)]).await);
    }
    let r = last.unwrap();
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key("retry-after"), "Retry-After on the reset page");
});

/// The `_csrf` value a page's forms carry.
fn form_token(page: &str) -> String {
    let at = page.find(r#"name="_csrf" value=""#).expect("a form with a CSRF field") + r#"name="_csrf" value=""#.len();
    page[at..].split('"').next().unwrap().to_string()
}

scenario!(the_csrf_token_is_bound_to_the_session, |t: TestApp| async move {
    let url: reqwest::Url = t.base.parse().unwrap();
    // Before login the form carries the pre-session value; login replaces it.
    let victim = t.client();
    t.user("csrf_victim").await;
    let before = victim.csrf().await;
    victim.login("csrf_victim", PASSWORD).await;
    let page = victim.get("/account").await;
    let bound = form_token(&page.text);
    assert_ne!(bound, before, "login replaces the pre-session value");
    assert_eq!(victim.cookie("bz_csrf").as_deref(), Some(bound.as_str()));
    let r = victim.post_form_no_csrf("/notifications/read", &[("_csrf", before.as_str())]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "the pre-session value is no longer accepted");
    // A value planted as a cookie (from a sibling host) with the same value in the form.
    let planted = "Planted-by-a-sibling-host-0123456789abcdef";
    victim.jar.add_cookie_str(&format!("bz_csrf={planted}; Path=/"), &url);
    let r = victim.post_form_no_csrf("/notifications/read", &[("_csrf", planted)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a planted cookie and field are refused");
    // The attacker's own valid token, from the attacker's own session, is no better.
    let attacker = t.user("csrf_attacker").await;
    let theirs = form_token(&attacker.get("/account").await.text);
    victim.jar.add_cookie_str(&format!("bz_csrf={theirs}; Path=/"), &url);
    let r = victim.post_form_no_csrf("/notifications/read", &[("_csrf", theirs.as_str())]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "another session's token is refused");
    let r = victim.http.post(victim.url("/api/v1/me/tokens")).header("x-csrf-token", &theirs).json(&json!({"name": "x"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "in the header too");
    // The session's own token works whatever the cookie says, and the answer puts it back.
    let r = victim.post_form_no_csrf("/notifications/read", &[("_csrf", bound.as_str())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(victim.cookie("bz_csrf").as_deref(), Some(bound.as_str()));
    // After logout the old token is dead with its session; a new pre-session value is given.
    victim.post_form("/logout", &[]).await;
    assert_ne!(victim.cookie("bz_csrf").as_deref(), Some(bound.as_str()));
    // The API's session login returns the bound token.
    let api = t.client();
    let (id, answer) = api.captcha().await;
    let r = api.api(Method::POST, "/api/v1/session", Some(json!({"account": "csrf_victim", "password": PASSWORD, "captcha_id": id, "captcha_answer": answer}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let token = r.json()["csrf_token"].as_str().unwrap().to_string();
    let page = api.get("/account").await;
    assert_eq!(form_token(&page.text), token);
});
