//! Registration, confirmation, captcha login, throttling, reset, sessions, tokens, CSRF.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use reqwest::{Method, StatusCode};

scenario!(register_confirm_login_logout, |t: TestApp| async move {
    let c = t.client();
    let r = c.register("panyu_hoods", "owner@hoods.example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Not confirmed yet: login is refused with a clear message.
    let r = c.login("panyu_hoods", PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("确认链接"), "{}", r.text);
    let (subject, body, link) = t.last_mail("owner@hoods.example.com").await;
    assert!(subject.contains("确认"), "{subject}");
    assert!(body.contains("panyu_hoods"));
    let r = c.get(&link.clone().expect("link")).await;
    assert!(r.text.contains("邮箱已确认"), "{}", r.text);
    // The link works once.
    let r = c.get(&link.expect("link")).await;
    assert!(r.text.contains("已使用"), "{}", r.text);
    // Log in with the e-mail address, in any case; the session id is new.
    let before = c.cookie("bz_session");
    let r = c.login("Owner@Hoods.example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let session = c.cookie("bz_session").expect("session cookie");
    assert_ne!(Some(session.clone()), before);
    let home = c.get("/").await;
    assert!(home.text.contains("panyu_hoods"), "home shows the user");
    let r = c.post_form("/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The old session is gone on the server, not only in the browser.
    let stale = t.client();
    stale.jar.add_cookie_str(&format!("bz_session={session}; Path=/"), &t.base.parse().unwrap());
    let r = stale.get("/account").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login?next=%2Faccount"), "{}", r.location());
});

scenario!(registration_errors_name_the_field, |t: TestApp| async move {
    let c = t.client();
    let r = c.register("ab", "x@example.com", PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("err-username"), "{}", r.text);
    let r = c.register("goodname", "not-an-email", PASSWORD).await;
    assert!(r.text.contains("err-email"));
    let r = c.register("goodname", "g@example.com", "1234567890").await;
    assert!(r.text.contains("err-password") && r.text.contains("太常见"), "{}", r.text);
    c.register("goodname", "g@example.com", PASSWORD).await;
    let r = t.client().register("GoodName", "other@example.com", PASSWORD).await;
    assert!(r.text.contains("已被使用"), "usernames are unique regardless of case");
    // The API answers with the field in JSON.
    let (id, answer) = c.captcha().await;
    let r = t.client().api(Method::POST, "/api/v1/users", Some(serde_json::json!({
        "username": "goodName", "email": "g2@example.com", "password": PASSWORD, "captcha_id": id, "captcha_answer": answer
    }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "username");
    // A taken address is not an error anyone sees (auth_security::registration_answers_alike_for_known_and_unknown_addresses).
    let (id, answer) = c.captcha().await;
    let r = t.client().api(Method::POST, "/api/v1/users", Some(serde_json::json!({
        "username": "apiuser", "email": "g@example.com", "password": PASSWORD, "captcha_id": id, "captcha_answer": answer
    }))).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
});

scenario!(captcha_is_single_use_case_insensitive_and_expires, |t: TestApp| async move {
    t.user("capuser").await;
    let c = t.client();
    let (id, answer) = c.captcha().await;
    let lower = answer.to_lowercase();
    let r = c.post_form("/login", &[("account", "capuser"), ("password", PASSWORD), ("captcha_id", &id), ("captcha_answer", &lower)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "lower-case answer accepted: {}", r.text);
    let c2 = t.client();
    let r = c2.post_form("/login", &[("account", "capuser"), ("password", PASSWORD), ("captcha_id", &id), ("captcha_answer", &answer)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("验证码已使用"), "{}", r.text);
    let old = biaozhun::auth::captcha::new_id_expiring(&t.app.secret, biaozhun::util::now() - 1);
    let ans = biaozhun::auth::captcha::answer(&t.app.secret, &old);
    let r = c2.post_form("/login", &[("account", "capuser"), ("password", PASSWORD), ("captcha_id", &old), ("captcha_answer", &ans)]).await;
    assert!(r.text.contains("验证码已过期"), "{}", r.text);
    let r = c2.post_form("/login", &[("account", "capuser"), ("password", PASSWORD), ("captcha_id", "forged.id.00"), ("captcha_answer", "AAAAA")]).await;
    assert!(r.text.contains("验证码错误"));
    // The image is a real PNG, not cached.
    let (id, _) = c2.captcha().await;
    let img = c2.http.get(c2.url(&format!("/captcha/{id}.png"))).send().await.unwrap();
    assert_eq!(img.headers()["content-type"], "image/png");
    assert_eq!(img.headers()["cache-control"], "no-store");
    assert!(img.bytes().await.unwrap().starts_with(b"\x89PNG"));
});

scenario!(failed_logins_reveal_nothing_and_are_throttled_across_servers, |t: TestApp| async move {
    t.user("victim").await;
    let c = t.client_from("203.0.113.7");
    let unknown = t.client_from("203.0.113.8").login("nobody-here", "wrong password 1").await;
    let wrong = c.login("victim", "wrong password 1").await;
    assert_eq!(unknown.status, wrong.status);
    assert!(unknown.text.contains("账号或密码错误") && wrong.text.contains("账号或密码错误"));
    for _ in 0..4 {
        c.login("victim", "wrong password 2").await;
    }
    // Five failures for the account: even the right password is refused, from anywhere,
    // on the other server too.
    let (_, other_base) = t.second_server().await;
    let elsewhere = t.client_from("198.51.100.9").on(&other_base);
    let r = elsewhere.login("victim", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text);
    assert!(r.text.contains("分钟后再试"));
    // The address that failed is also refused for other accounts.
    t.user("bystander").await;
    let r = c.login("bystander", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // After the window the account can log in again.
    sqlx::query("UPDATE auth_failures SET at = at - 901").execute(&t.app.db.pool).await.unwrap();
    let r = elsewhere.login("victim", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let audit = t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'login.refused_throttled'").await;
    assert!(audit >= 1);
});

scenario!(remember_account_keeps_only_the_name, |t: TestApp| async move {
    t.user("remember_me").await;
    let c = t.client();
    let (id, answer) = c.captcha().await;
    let r = c.post_form("/login", &[("account", "remember_me"), ("password", PASSWORD), ("captcha_id", &id), ("captcha_answer", &answer), ("remember", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let set: Vec<String> = r.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    let acct = set.iter().find(|s| s.starts_with("bz_account=")).expect("account cookie");
    assert!(acct.contains("remember_me") && acct.contains("Max-Age=31536000") && acct.contains("HttpOnly"));
    assert!(!set.iter().any(|s| s.contains(PASSWORD) || s.contains("Kitchen")), "never the password");
    c.post_form("/logout", &[]).await;
    let page = c.get("/login").await;
    assert!(page.text.contains("value=\"remember_me\""), "account pre-filled");
    assert!(page.text.contains("name=\"remember\" value=\"1\" checked"));
});

scenario!(password_reset_is_single_use_expires_and_ends_sessions, |t: TestApp| async move {
    let old_session = t.user("forgetful").await;
    let c = t.client();
    let (id, answer) = c.captcha().await;
    let r = c.post_form("/password/forgot", &[("account", "forgetful@example.com"), ("captcha_id", &id), ("captcha_answer", &answer)]).await;
    assert!(r.text.contains("如果该账号存在"), "{}", r.text);
    // An unknown account gets the same answer and no mail.
    let (id2, answer2) = c.captcha().await;
    let r2 = c.post_form("/password/forgot", &[("account", "ghost@example.com"), ("captcha_id", &id2), ("captcha_answer", &answer2)]).await;
    assert!(r2.text.contains("如果该账号存在"));
    let (_, body, link) = t.last_mail("forgetful@example.com").await;
    assert!(body.contains("30 分钟"));
    let link = link.expect("reset link");
    let token = link.rsplit('/').next().unwrap().to_string();
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM email_tokens WHERE token_hash = $1").bind(&token).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(stored, 0, "the token is stored hashed");
    let new_pw = "Another long secret 7";
    let r = c.post_form(&link, &[("password", new_pw), ("password_confirm", new_pw)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // Other sessions ended; old password refused; new one works.
    assert_eq!(old_session.get("/account").await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.client().login("forgetful", PASSWORD).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(t.client().login("forgetful", new_pw).await.status, StatusCode::SEE_OTHER);
    // Reuse is refused.
    let r = c.post_form(&link, &[("password", "Yet another secret 8"), ("password_confirm", "Yet another secret 8")]).await;
    assert_eq!(r.status, StatusCode::GONE);
    // A link older than 30 minutes is refused.
    let (id3, answer3) = c.captcha().await;
    c.post_form("/password/forgot", &[("account", "forgetful"), ("captcha_id", &id3), ("captcha_answer", &answer3)]).await;
    let (_, _, link2) = t.last_mail("forgetful@example.com").await;
    sqlx::query("UPDATE email_tokens SET expires_at = $1 WHERE used_at IS NULL").bind(biaozhun::util::now() - 1).execute(&t.app.db.pool).await.unwrap();
    let r = c.get(&link2.expect("link")).await;
    assert_eq!(r.status, StatusCode::GONE);
    assert!(r.text.contains("已过期"));
});

scenario!(csrf_is_required_for_cookie_requests, |t: TestApp| async move {
    let c = t.user("csrf_user").await;
    let r = c.post_form_no_csrf("/account/tokens", &[("name", "x")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c.post_form_no_csrf("/account/tokens", &[("name", "x"), ("_csrf", "forged-forged-forged-forged-forged-0")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Login itself is protected (login CSRF).
    let fresh = t.client();
    let r = fresh.post_form_no_csrf("/login", &[("account", "csrf_user"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // API with the session cookie needs the header; with a token it does not.
    let r = c.http.post(c.url("/api/v1/me/tokens")).json(&serde_json::json!({"name": "script"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c.api(Method::POST, "/api/v1/me/tokens", Some(serde_json::json!({"name": "script", "scopes": ["read", "write", "admin"]}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let token = r.json()["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("bz_"));
    let id = r.json()["info"]["id"].as_i64().unwrap();
    let script = reqwest::Client::new();
    let me = script.get(c.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(me.json::<serde_json::Value>().await.unwrap()["username"], "csrf_user");
    let r = script.post(c.url("/api/v1/me/tokens")).bearer_auth(&token).json(&serde_json::json!({"name": "from script"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "bearer requests need no CSRF token");
    // Revoke, then the token stops working.
    let r = c.api(Method::DELETE, &format!("/api/v1/me/tokens/{id}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let me = script.get(c.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1").bind(&token).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(stored, 0, "tokens are stored hashed");
});

scenario!(sessions_are_shared_between_servers, |t: TestApp| async move {
    let c = t.user("roaming").await;
    let (_, other) = t.second_server().await;
    let r = c.on(&other).get("/account").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("roaming"));
    // A captcha answered on one server cannot be used again on the other.
    let (id, answer) = c.captcha().await;
    let a = t.client().post_form("/login", &[("account", "roaming"), ("password", PASSWORD), ("captcha_id", &id), ("captcha_answer", &answer)]).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    let b = t.client().on(&other).post_form("/login", &[("account", "roaming"), ("password", PASSWORD), ("captcha_id", &id), ("captcha_answer", &answer)]).await;
    assert!(b.text.contains("验证码已使用"));
});

// The language of an account's mails and notices is its own setting, apart from the site's
// language cookie: the form on /account (CSRF, a bad value named) and `PUT /api/v1/me`, for
// every role and only for oneself; each change audited; the mails follow it (a password
// reset here, an expert's invitation in experts.rs).
scenario!(an_account_chooses_the_language_of_its_mails, |t: TestApp| async move {
    let c = t.user("lang_user").await;
    let locale = |name: &'static str| {
        let pool = t.app.db.pool.clone();
        async move { sqlx::query_scalar::<_, String>("SELECT locale FROM users WHERE username = $1").bind(name).fetch_one(&pool).await.unwrap() }
    };
    let page = c.get("/account").await;
    assert!(page.text.contains(r#"action="/account/language""#) && page.text.contains(r#"<option value="zh-CN" lang="zh-CN" selected>"#), "{}", page.text);
    // Without the CSRF token nothing changes.
    assert_eq!(c.post_form_no_csrf("/account/language", &[("locale", "en")]).await.status, StatusCode::FORBIDDEN);
    let r = c.post_form("/account/language", &[("locale", "fr")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("请选择中文") && r.text.contains(r#"name="locale" aria-describedby="locale-hint" aria-invalid="true""#), "{}", r.text);
    assert_eq!(locale("lang_user").await, "zh-CN");
    let r = c.post_form("/account/language", &[("locale", "en")]).await;
    assert_eq!((r.status, r.location().as_str()), (StatusCode::SEE_OTHER, "/account"));
    assert_eq!(locale("lang_user").await, "en");
    let page = c.get("/account").await;
    assert!(page.text.contains(r#"<option value="en" lang="en" selected>"#) && page.text.contains("修改密码"), "the site stays in Chinese: {}", page.text);
    let uid = t.user_id("lang_user").await;
    let audited: Vec<(Option<i64>, String)> = sqlx::query_as("SELECT actor_id, detail FROM audit_log WHERE action = 'user.locale' AND target = $1")
        .bind(format!("user:{uid}"))
        .fetch_all(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(audited, vec![(Some(uid), "zh-CN -> en".to_string())]);
    // A password reset asked for in the Chinese site comes in English now.
    let anon = t.client();
    let (id, answer) = anon.captcha().await;
    let r = anon.post_form("/password/forgot", &[("account", "lang_user"), ("captcha_id", &id), ("captcha_answer", &answer)]).await;
    assert!(r.status.is_success() || r.status == StatusCode::SEE_OTHER, "{}", r.text);
    let (subject, body, _) = t.last_mail("lang_user@example.com").await;
    assert!(subject == "Reset your password" && body.contains("set a new password") && !body.contains("重置"), "{subject}\n{body}");
    // The API: the answer is the user with the new language; a bad one names the field.
    let r = c.api(Method::PUT, "/api/v1/me", Some(serde_json::json!({"locale": "zh-CN"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!((r.json()["username"].as_str(), r.json()["locale"].as_str()), (Some("lang_user"), Some("zh-CN")));
    assert_eq!(c.get("/api/v1/me").await.json()["locale"], "zh-CN");
    let r = c.api(Method::PUT, "/api/v1/me", Some(serde_json::json!({"locale": "de"}))).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("locale")));
    assert_eq!(locale("lang_user").await, "zh-CN");
    // With the session cookie but no CSRF header: refused.
    let r = c.http.put(c.url("/api/v1/me")).json(&serde_json::json!({"locale": "en"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.locale'").await, 2, "one entry a change");
    // Anyone logged in sets their own, whatever their roles; nobody else's; a visitor none.
    for (name, roles) in [("lang_staff", vec![Role::Staff]), ("lang_admin", vec![Role::Admin]), ("lang_expert", vec![Role::Expert])] {
        let who = t.user_with_roles(name, &roles).await;
        let r = who.api(Method::PUT, "/api/v1/me", Some(serde_json::json!({"locale": "en"}))).await;
        assert_eq!((r.status, r.json()["username"].as_str()), (StatusCode::OK, Some(name)), "{name}: {}", r.text);
        assert_eq!(locale(name).await, "en");
    }
    assert_eq!(locale("lang_user").await, "zh-CN");
    let anon = t.client();
    assert_eq!(anon.api(Method::PUT, "/api/v1/me", Some(serde_json::json!({"locale": "en"}))).await.status, StatusCode::UNAUTHORIZED);
    let r = anon.post_form("/account/language", &[("locale", "en")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"), "{}", r.location());
});
