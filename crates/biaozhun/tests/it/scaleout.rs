//! Scale-out: two servers on one database, as behind a load balancer (docs/reliability/scaleout.md).
//! Sessions, throttling, jobs and search hold across both.

use crate::scenario;
use crate::support::*;
use reqwest::StatusCode;
use std::time::{Duration, Instant};

scenario!(session_started_on_one_server_is_valid_and_ended_on_the_other, |t: TestApp| async move {
    let c = t.user("scale_roamer").await;
    let (_, other) = t.second_server().await;
    let b = c.on(&other);
    let r = b.get("/account").await;
    assert_eq!(r.status, StatusCode::OK, "the session cookie from server A works on server B");
    assert!(r.text.contains("scale_roamer"));
    // Logging out on B ends the session on A too.
    let r = b.post_form("/logout", &[]).await;
    assert!(r.status.is_redirection(), "{}", r.status);
    assert_eq!(c.get("/account").await.status, StatusCode::SEE_OTHER, "ended everywhere");
    // Logging in on B gives a session that A accepts.
    let fresh = t.client().on(&other);
    assert_eq!(fresh.login("scale_roamer", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let r = fresh.on(&t.base).get("/account").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("scale_roamer"));
});

scenario!(login_failures_split_between_servers_add_up, |t: TestApp| async move {
    t.user("scale_victim").await;
    let (_, other) = t.second_server().await;
    // Five failures from five addresses, alternating servers: no single server or address
    // sees five, the account does.
    for i in 0..5 {
        let base = if i % 2 == 0 { t.base.clone() } else { other.clone() };
        let c = t.client_from(&format!("192.0.2.{}", 10 + i)).on(&base);
        let r = c.login("scale_victim", "wrong password").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "failure {i} is an ordinary refusal: {}", r.text);
    }
    for base in [&t.base, &other] {
        let r = t.client_from("198.51.100.77").on(base).login("scale_victim", PASSWORD).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "locked out on {base}: {}", r.text);
    }
    // Four failures for another account, split, are not yet a lock-out.
    t.user("scale_near").await;
    for i in 0..4 {
        let base = if i % 2 == 0 { t.base.clone() } else { other.clone() };
        t.client_from(&format!("192.0.2.{}", 50 + i)).on(&base).login("scale_near", "wrong password").await;
    }
    let r = t.client_from("198.51.100.78").on(&other).login("scale_near", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "four failures do not lock: {}", r.text);
});

scenario!(each_job_runs_once_with_two_servers_working, |t: TestApp| async move {
    let (other, _) = t.second_server().await;
    const N: i64 = 300;
    let mut tx = t.app.db.begin().await.unwrap();
    for i in 0..N {
        biaozhun::jobs::mail::enqueue(&mut tx, &format!("bulk{i}@example.com"), "批量通知", "正文").await.unwrap();
    }
    tx.commit().await.unwrap();
    let before: i64 = t.count("SELECT COUNT(*) FROM jobs WHERE status = 'done'").await;
    // Two workers per server, all claiming from the same queue at once.
    let mut handles = Vec::new();
    for app in [t.app.clone(), other.clone(), t.app.clone(), other.clone()] {
        handles.push(tokio::spawn(async move { biaozhun::jobs::run_pending(&app).await.unwrap() }));
    }
    let mut ran = Vec::new();
    for h in handles {
        ran.push(h.await.unwrap() as i64);
    }
    let total: i64 = ran.iter().sum();
    let pending: i64 = t.count("SELECT COUNT(*) FROM jobs WHERE kind = 'send_mail' AND status <> 'done'").await;
    assert_eq!(pending, 0, "every mail job finished");
    let done_now: i64 = t.count("SELECT COUNT(*) FROM jobs WHERE status = 'done'").await;
    assert_eq!(total, done_now - before, "claims {ran:?} add up to the jobs done: none ran twice");
    assert!(total >= N);
    let claimed_twice = t.count("SELECT COUNT(*) FROM jobs WHERE kind = 'send_mail' AND attempts <> 1").await;
    assert_eq!(claimed_twice, 0, "each job claimed exactly once");
    let bulk: Vec<(String, i64)> = sqlx::query_as("SELECT status, attempts FROM mail_outbox WHERE to_addr LIKE 'bulk%'").fetch_all(&t.app.db.pool).await.unwrap();
    assert_eq!(bulk.len() as i64, N);
    assert!(bulk.iter().all(|(s, a)| s == "outbox" && *a == 1), "each mail delivered once");
});

/// Polls `/search?q=` until the result list does (or, with `want = false`, does not) link
/// to `link`; the page echoes the query, so only the result link counts.
async fn search_until(c: &Client, q: &str, link: &str, want: bool, limit: Duration) -> bool {
    let start = Instant::now();
    let path = format!("/search?q={}", urlencode(q));
    let needle = format!("href=\"{link}\"");
    while start.elapsed() < limit {
        if c.get(&path).await.text.contains(&needle) == want {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

scenario!(an_edit_on_one_server_is_searchable_on_the_other_within_5s, |t: TestApp| async move {
    let staff = t.user_with_roles("scale_editor", &[biaozhun::auth::Role::Staff]).await;
    // Both servers run their followers (started by `serve`), as in production.
    let (_, other) = t.second_server().await;
    let public_a = t.client();
    let public_b = t.client().on(&other);
    let secs5 = Duration::from_secs(5);
    let r = staff.post_form("/staff/articles", &[("kind", "news"), ("title", "横向扩展验证公告"), ("body_md", "多台服务器共用数据库"), ("status", "published")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE title = '横向扩展验证公告'").fetch_one(&t.app.db.pool).await.unwrap();
    let link = format!("/articles/{id}");
    assert!(!search_until(&public_b, "扬帆起航", &link, true, Duration::from_millis(300)).await, "an unrelated query does not find it");
    assert!(search_until(&public_b, "横向扩展验证公告", &link, true, secs5).await, "published on A, not found on B within 5 s");
    // An edit made on B reaches A's index, and the old words stop matching on both.
    let version: i64 = sqlx::query_scalar("SELECT version FROM articles WHERE id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    let r = staff
        .on(&other)
        .post_form(&link.replace("/articles/", "/staff/articles/"), &[("kind", "news"), ("title", "改名后的公告"), ("body_md", "内容已更新"), ("status", "published"), ("version", &version.to_string())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(search_until(&public_a, "改名后的公告", &link, true, secs5).await, "edited on B, not found on A within 5 s");
    assert!(search_until(&public_a, "横向扩展验证", &link, false, secs5).await, "old title still matches on A");
    assert!(search_until(&public_b, "横向扩展验证", &link, false, secs5).await, "old title still matches on B");
});

scenario!(anonymous_check_budget_is_shared_by_both_servers, |t: TestApp| async move {
    use biaozhun::web::ratelimit::sync;
    let (other_app, other) = t.second_server().await;
    let limit = t.app.config.rate_limit.check_per_minute as usize;
    assert!(limit >= 10);
    // The budget is a sliding minute; start early in a minute so the previous one weighs nothing.
    let sec = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64() % 60.0;
    if sec > 40.0 {
        tokio::time::sleep(Duration::from_secs_f64(60.5 - sec)).await;
    }
    let minute = || std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 60;
    let started_in = minute();
    let check = |c: Client| async move {
        c.api(reqwest::Method::POST, "/api/v1/standards/check", Some(serde_json::json!({"text": "GB 1"}))).await.status
    };
    let a = t.client_from("203.0.113.5");
    let b = a.on(&other);
    let half = limit / 2;
    for i in 0..half {
        assert!(check(a.clone()).await.is_success(), "request {i} on server A");
    }
    // A writes its counts, B reads everyone's (each server does this by itself every second).
    sync(&t.app).await.unwrap();
    sync(&other_app).await.unwrap();
    let mut on_b = 0;
    while check(b.clone()).await.is_success() {
        on_b += 1;
        assert!(on_b <= limit, "server B never refused");
    }
    if minute() == started_in {
        assert_eq!(half + on_b, limit, "A served {half}, so B served only the rest");
    } else {
        assert!(half + on_b < limit + half, "B counted A's requests");
    }
    // And A learns of B's requests in turn.
    sync(&other_app).await.unwrap();
    sync(&t.app).await.unwrap();
    assert_eq!(check(a.clone()).await, StatusCode::TOO_MANY_REQUESTS, "A refuses too");
    // Another address still has its whole budget on either server.
    assert!(check(t.client_from("203.0.113.6").on(&other)).await.is_success());
});

/// Numbers the catalogue search finds for `q` (API, this server).
async fn standards_found(t: &TestApp, q: &str) -> Vec<String> {
    let j = t.client().api(reqwest::Method::GET, &format!("/api/v1/standards?q={}", urlencode(q)), None).await.json();
    j["items"].as_array().unwrap().iter().map(|i| i["number"].as_str().unwrap().to_string()).collect()
}

scenario!(an_edit_logged_first_but_committed_last_still_reaches_the_index, |t: TestApp| async move {
    // Two servers' writers log their edits; on PostgreSQL the one that logged first (the
    // lower log id) may commit last. The follower must not pass over that entry.
    let csv = "标准号,英文标准名称,标准状态\nGB/T 90001-2020,Early marker plain,现行\nGB/T 90002-2020,Late marker plain,现行\n";
    biaozhun::standards::import::import_bytes(&t.app, "late.csv", csv.as_bytes(), biaozhun::standards::import::Progress::None).await.expect("import");
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
    let id_of = |norm: &'static str| {
        let pool = t.app.db.pool.clone();
        async move { sqlx::query_scalar::<_, i64>("SELECT id FROM standards WHERE norm = $1").bind(norm).fetch_one(&pool).await.unwrap() }
    };
    let (first, second) = (id_of("GB/T 90001-2020").await, id_of("GB/T 90002-2020").await);
    let retitle = |id: i64, title: &'static str| {
        let pool = t.app.db.pool.clone();
        async move { sqlx::query("UPDATE standards SET title_en = $1 WHERE id = $2").bind(title).bind(id).execute(&pool).await.unwrap() }
    };
    retitle(first, "Zircon sluice gauges").await;
    retitle(second, "Quokka paddock fences").await;
    let now = biaozhun::util::now();
    let late = if t.app.db.kind == biaozhun::db::DbKind::Postgres {
        // Two transactions: the first logs (and takes the lower id), the second logs and
        // commits, the follower runs, and only then does the first commit.
        let mut early = t.app.db.begin().await.unwrap();
        let low = biaozhun::indexer::changed(&mut early, "standards", &[first]).await.unwrap();
        let mut other = t.app.db.begin().await.unwrap();
        let high = biaozhun::indexer::changed(&mut other, "standards", &[second]).await.unwrap();
        assert!(low[0] < high[0], "{low:?} {high:?}");
        other.commit().await.unwrap();
        Some(early)
    } else {
        // SQLite has one writer at a time; the same order of appearance, written directly:
        // the higher id first, the lower one after the follower has passed it.
        let top: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM search_changes").fetch_one(&t.app.db.pool).await.unwrap();
        sqlx::query("INSERT INTO search_changes (id, domain, entity_id, at) VALUES ($1, 'standards', $2, $3)").bind(top + 2).bind(second).bind(now).execute(&t.app.db.pool).await.unwrap();
        biaozhun::indexer::follow_once(&t.app).await.unwrap();
        sqlx::query("INSERT INTO search_changes (id, domain, entity_id, at) VALUES ($1, 'standards', $2, $3)").bind(top + 1).bind(first).bind(now).execute(&t.app.db.pool).await.unwrap();
        None
    };
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
    assert_eq!(standards_found(&t, "quokka paddock").await, ["GB/T 90002-2020"], "the later entry is applied at once, above the missing one");
    if let Some(early) = late {
        early.commit().await.unwrap();
    }
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
    assert_eq!(standards_found(&t, "zircon sluice").await, ["GB/T 90001-2020"], "the entry that appeared late below it is applied too");
    assert!(standards_found(&t, "early marker").await.is_empty(), "the old title no longer matches");
    // Nothing is applied twice or left: a further look takes nothing new in.
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
    assert_eq!(standards_found(&t, "quokka paddock").await, ["GB/T 90002-2020"]);
});
