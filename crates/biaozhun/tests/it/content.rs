//! The portal: the outline, articles, sanitising, concurrent edits, attachments, languages.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use reqwest::{Method, StatusCode};

scenario!(home_page_and_the_outline, |t: TestApp| async move {
    let c = t.client();
    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    for s in ["账号", "密码", "记住账号", "忘记密码", "入会申请", "用户注册", "近期培训", "更多&gt;&gt;", "广州市标准化战略实施纲要"] {
        assert!(home.text.contains(s), "home page lacks {s}");
    }
    // A first log-in needs no captcha (it is asked after a failure: first_hour.rs).
    assert!(!home.text.contains("data-captcha-img"));
    let slug = biaozhun::content::seed::OUTLINE_SLUG;
    let page = c.get(&format!("/articles/{slug}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<h2 id=\"sec-1\">一、实施背景和基础</h2>"), "anchored headings");
    assert!(page.text.contains("href=\"#sec-1\""), "table of contents links");
    assert!(page.text.contains("(一)指导思想"));
    assert!(page.text.contains("标准化良好行为企业"));
    let api = c.get(&format!("/api/v1/articles/{slug}")).await.json();
    assert_eq!(api["kind"], "policy");
    assert_eq!(api["toc"].as_array().unwrap().iter().filter(|e| e["level"] == 2).count(), 5);
    // A restart does not publish it twice.
    let again = biaozhun::App::init(t.app.config.clone()).await.unwrap();
    drop(again);
    assert_eq!(t.count("SELECT COUNT(*) FROM articles WHERE kind = 'policy'").await, 1);
    // Training box query exists: a published session shows on the home page.
    let now = biaozhun::util::now();
    sqlx::query("INSERT INTO training_sessions (title, location, starts_at, ends_at, status, created_at) VALUES ('标准起草规则培训', '天河区', $1, $2, 'published', $1)")
        .bind(now + 86400).bind(now + 90000).execute(&t.app.db.pool).await.unwrap();
    t.app.cache.clear();
    assert!(c.get("/").await.text.contains("标准起草规则培训"));
    assert!(c.get("/training").await.text.contains("天河区"));
});

scenario!(staff_publish_news_safely, |t: TestApp| async move {
    let staff = t.user_with_roles("editor", &[Role::Staff]).await;
    let evil = "<script>alert('x')</script>标准化周";
    let body = "## 活动安排\n\n<img src=x onerror=alert(1)> [link](javascript:alert(1))\n\n正文 **加粗**";
    let r = staff.post_form("/staff/articles", &[("kind", "news"), ("title", evil), ("body_md", body), ("status", "draft")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE kind = 'news'").fetch_one(&t.app.db.pool).await.unwrap();
    let public = t.client();
    assert_eq!(public.get(&format!("/articles/{id}")).await.status, StatusCode::NOT_FOUND, "drafts are not public");
    assert!(!public.get("/").await.text.contains("标准化周"));
    let r = staff.post_form(&format!("/staff/articles/{id}"), &[("kind", "news"), ("title", evil), ("body_md", body), ("status", "published"), ("version", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let home = public.get("/").await;
    assert!(home.text.contains("&lt;script&gt;alert("), "titles are escaped");
    assert!(!home.text.contains("<script>alert"));
    let page = public.get(&format!("/articles/{id}")).await;
    assert!(page.text.contains("<strong>加粗</strong>"));
    assert!(!page.text.contains("onerror") && !page.text.contains("javascript:"), "body sanitised");
    // Someone saving from an old version gets a conflict and keeps their text.
    let r = staff.post_form(&format!("/staff/articles/{id}"), &[("kind", "news"), ("title", "过期的编辑"), ("body_md", "我的修改"), ("status", "published"), ("version", "1")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("我的修改") && r.text.contains("已被他人修改"));
    // Search finds it on this server and, once its follower has run, on another one.
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
    assert!(public.get("/search?q=%E6%A0%87%E5%87%86%E5%8C%96%E5%91%A8").await.text.contains("标准化周"));
    let (other, other_base) = t.second_server().await;
    biaozhun::indexer::ensure_built(&other).await.unwrap();
    biaozhun::indexer::follow_once(&other).await.unwrap();
    let found = public.on(&other_base).get("/search?q=%E6%B4%BB%E5%8A%A8%E5%AE%89%E6%8E%92").await;
    assert!(found.text.contains("标准化周"), "body words are searchable on the second server");
    let list = public.api(Method::GET, "/api/v1/articles?kind=news", None).await.json();
    assert_eq!(list["total"], 1);
    let bad = public.api(Method::GET, "/api/v1/articles?kind=weird", None).await;
    assert_eq!(bad.json()["error"]["field"], "kind");
    // Members-only notices are hidden from the public.
    staff.post_form("/staff/articles", &[("kind", "notice"), ("title", "会员内部通知"), ("body_md", "x"), ("status", "published"), ("members_only", "1")]).await;
    assert!(!public.get("/notices").await.text.contains("会员内部通知"));
    let nid: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE kind = 'notice'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(public.get(&format!("/articles/{nid}")).await.status, StatusCode::SEE_OTHER);
});

async fn upload(c: &Client, id: i64, name: &str, data: Vec<u8>) -> Resp {
    let csrf = c.csrf().await;
    let part = reqwest::multipart::Part::bytes(data).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("file", part);
    let r = c.http.post(c.url(&format!("/staff/articles/{id}/attachments?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    Resp { status, headers, text: r.text().await.unwrap_or_default() }
}

scenario!(attachments_are_checked, |t: TestApp| async move {
    let staff = t.user_with_roles("uploader", &[Role::Staff]).await;
    staff.post_form("/staff/articles", &[("kind", "policy"), ("title", "专项资金管理办法"), ("body_md", "见附件"), ("status", "published")]).await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE title = '专项资金管理办法'").fetch_one(&t.app.db.pool).await.unwrap();
    let r = upload(&staff, id, "../../办法.pdf", b"%PDF-1.4 fake but well-formed enough".to_vec()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let name: String = sqlx::query_scalar("SELECT filename FROM attachments").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(name, "办法.pdf", "folders are stripped");
    let r = upload(&staff, id, "report.pdf", b"<html><script>alert(1)</script>".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "content must match the extension");
    let r = upload(&staff, id, "tool.exe", b"MZ\x90\x00".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = upload(&staff, id, "big.txt", vec![b'a'; 1024 * 1024 + 10]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    let aid: i64 = sqlx::query_scalar("SELECT id FROM attachments").fetch_one(&t.app.db.pool).await.unwrap();
    let r = t.client().get(&format!("/attachments/{aid}/x")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/pdf");
    assert!(r.headers["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
});

scenario!(english_is_a_remembered_switch, |t: TestApp| async move {
    let c = t.client();
    let r = c.get("/lang/en?next=/news").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/news");
    let home = c.get("/").await;
    assert!(home.text.contains("Remember my account") && home.text.contains("lang=\"en\""), "English page");
    let r = c.get("/lang/zh-CN?next=//evil.example.com").await;
    assert_eq!(r.location(), "/", "no open redirect");
    assert!(c.get("/").await.text.contains("记住账号"));
});

scenario!(one_search_box_covers_standards_tbt_and_articles, |t: TestApp| async move {
    let cn = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/samples/cn_standards_examples.jsonl")).unwrap();
    biaozhun::standards::import::import_bytes(&t.app, "cn.jsonl", &cn, biaozhun::standards::import::Progress::None).await.unwrap();
    let tbt = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/seed/tbt_notifications_examples.jsonl")).unwrap();
    biaozhun::tbt::import::import_bytes(&t.app, &tbt, |_, _| async {}).await.unwrap();
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
    let c = t.client();
    let r = c.get("/search?q=%E6%A0%87%E5%87%86%E5%8C%96%E5%B7%A5%E4%BD%9C%E5%AF%BC%E5%88%99").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("1.1-2020") && r.text.contains("标准化工作导则"), "standards appear in the portal search");
    assert!(r.text.contains("/standards?q="), "with a link to the full catalogue search");
    let r = c.get("/search?q=seed").await;
    assert!(r.text.contains("CHN&#x2f;1786"), "notifications appear too: {}", r.text);
    let r = c.get("/search?q=").await;
    assert_eq!(r.status, StatusCode::OK);
});
