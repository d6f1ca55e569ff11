//! `bench --suite training`: the figures of issue 15 on this binary's server in-process, over
//! HTTP, on a fresh SQLite database (or the PostgreSQL database named by
//! `BIAOZHUN_BENCH_DATABASE_URL`): 500 candidates taking one exam at once, each saving an
//! answer every 10 s (p99 per save, and no answer lost), then all of them submitting, marked
//! and certified. Certificate verification is measured by `training::bench`, which the same
//! suite runs next.

use std::time::{Duration, Instant};

/// Candidates sitting the exam at once.
const CANDIDATES: usize = 500;
/// Seconds between two saves of one candidate.
const EVERY: u64 = 10;
const QUESTIONS: usize = 20;

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

async fn call(http: &reqwest::Client, token: &str, method: reqwest::Method, url: String, body: Option<serde_json::Value>) -> anyhow::Result<serde_json::Value> {
    let mut req = http.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await?;
    let status = r.status();
    let text = r.text().await?;
    anyhow::ensure!(status.is_success(), "{status}: {}", crate::util::shorten(&text, 300));
    Ok(if text.is_empty() { serde_json::Value::Null } else { serde_json::from_str(&text)? })
}

/// Accounts made straight in the database (no password hashing: they use API tokens); the
/// first is staff. Answers their tokens.
async fn accounts(app: &crate::App, n: usize) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::with_capacity(n + 1);
    let mut tx = app.db.begin().await?;
    for i in 0..=n {
        let name = if i == 0 { "bench_staff".to_string() } else { format!("bench_cand{i}") };
        let email = format!("{name}@example.org");
        let user = crate::auth::store::NewUser { username: &name, email: &email, mobile: None, display_name: &name, password_hash: "!", confirmed: true, locale: crate::web::Lang::Zh };
        let id = crate::auth::store::create(&mut tx, user, crate::web::Lang::En).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        if i == 0 {
            crate::auth::store::set_roles(&mut tx, id, &[crate::auth::Role::Admin, crate::auth::Role::Staff], None).await?;
        }
        let scopes = crate::auth::tokens::Scopes::parse("read,write,admin").map_err(|e| anyhow::anyhow!(e))?;
        let (_, token) = crate::auth::tokens::create(&mut tx, &crate::auth::tokens::Maker { user_id: id, via: None }, "bench", scopes).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        tokens.push(token);
    }
    tx.commit().await?;
    Ok(tokens)
}

pub async fn bench(seconds: u64, clients: usize) -> anyhow::Result<()> {
    let crate::bench::Site { app, base, dir, listener } = crate::bench::site("training").await?;
    tokio::spawn(app.clone().serve(listener, std::future::pending()));
    println!("training bench on {} ({})", dir.display(), if app.config.database_url.starts_with("postgres") { "PostgreSQL" } else { "SQLite" });

    // The exam: a bank of 20 single-choice questions imported as an association's sheet, a
    // published session, every candidate enrolled and started.
    let t = Instant::now();
    let tokens = accounts(&app, CANDIDATES).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(CANDIDATES).build()?;
    let staff = &tokens[0];
    let local = |secs: i64| super::model::local_input(crate::util::now() + secs);
    let s = call(&http, staff, reqwest::Method::POST, format!("{base}/api/v1/trainings"), Some(serde_json::json!({
        "title": "基准考试", "kind": "engineer", "starts_at": local(5 * 86400), "ends_at": local(5 * 86400 + 3600), "location": "线上", "publish": true,
    })))
    .await?;
    let r = http.post(format!("{base}/training/exam-banks")).bearer_auth(staff).form(&[("title", "基准题库")]).send().await?;
    anyhow::ensure!(r.status().is_success(), "bank: {}", r.status());
    let bank: i64 = sqlx::query_scalar("SELECT MAX(id) FROM exam_banks").fetch_one(&app.db.pool).await?;
    let mut csv = String::from("题型,题干,选项A,选项B,选项C,选项D,答案,分值\n");
    for i in 1..=QUESTIONS {
        csv.push_str(&format!("单选题,基准第{i}题,甲,乙,丙,丁,A,1\n"));
    }
    let part = reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("bank.csv");
    let r = http.post(format!("{base}/training/exam-banks/{bank}/import")).bearer_auth(staff).multipart(reqwest::multipart::Form::new().part("file", part)).send().await?;
    anyhow::ensure!(r.status().is_success(), "import: {}", r.status());
    let e = call(&http, staff, reqwest::Method::POST, format!("{base}/api/v1/exams"), Some(serde_json::json!({
        "session": s["id"].to_string(), "bank": bank.to_string(), "title": "基准考试", "rules": format!("single {QUESTIONS} 1"), "minutes": "120",
        "pass_mark": "0", "opens_at": local(-120), "closes_at": local(3 * 3600), "cert_kind": "completion",
    })))
    .await?;
    let (sid, eid) = (s["id"].as_i64().unwrap_or(0), e["id"].as_i64().unwrap_or(0));
    // Enrolments queue on the session's roster lock: `clients` at a time.
    let mut starts = Vec::new();
    for w in 0..clients.max(1) {
        let mine: Vec<String> = tokens[1..].iter().skip(w).step_by(clients.max(1)).cloned().collect();
        let (http, base) = (http.clone(), base.clone());
        starts.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for tok in mine {
                call(&http, &tok, reqwest::Method::POST, format!("{base}/api/v1/trainings/{sid}/enrolments"), None).await?;
                let a = call(&http, &tok, reqwest::Method::POST, format!("{base}/api/v1/exams/{eid}/attempts"), None).await?;
                let qs: Vec<i64> = a["questions"].as_array().map(|v| v.iter().filter_map(|q| q["id"].as_i64()).collect()).unwrap_or_default();
                out.push((tok, a["id"].as_i64().unwrap_or(0), qs));
            }
            anyhow::Ok(out)
        }));
    }
    let mut attempts = Vec::new();
    for s in starts {
        attempts.extend(s.await??);
    }
    println!("setup: {CANDIDATES} candidates enrolled and started in {:.1}s", t.elapsed().as_secs_f64());

    // Saves: each candidate saves one answer every EVERY seconds, the candidates spread evenly
    // over the interval, for `seconds`.
    let begin = Instant::now();
    let end = begin + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (k, (tok, aid, qs)) in attempts.iter().cloned().enumerate() {
        let (http, base) = (http.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut acked: Vec<(i64, String, i64)> = Vec::new();
            let mut errors = 0u64;
            let mut next = begin + Duration::from_millis(k as u64 * EVERY * 1000 / CANDIDATES as u64);
            let mut seq = 0i64;
            while next < end {
                tokio::time::sleep_until(next.into()).await;
                next += Duration::from_secs(EVERY);
                seq += 1;
                let q = qs[(seq as usize - 1) % qs.len().max(1)];
                let answer = (seq % 4).to_string();
                let t = Instant::now();
                match call(&http, &tok, reqwest::Method::PUT, format!("{base}/api/v1/attempts/{aid}/answers/{q}"), Some(serde_json::json!({"answer": answer, "seq": seq}))).await {
                    Ok(_) => {
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                        acked.push((q, answer, seq));
                    }
                    Err(_) => errors += 1,
                }
            }
            (aid, lat, acked, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    let mut lost = 0;
    let mut saved = 0;
    for t in tasks {
        let (aid, l, acked, e) = t.await?;
        lat.extend(l);
        errors += e;
        for (q, answer, seq) in acked {
            saved += 1;
            let row: Option<(String, i64)> = sqlx::query_as("SELECT answer, seq FROM exam_answers WHERE attempt_id = $1 AND question_id = $2").bind(aid).bind(q).fetch_optional(&app.db.pool).await?;
            if row.is_none_or(|(a, s)| s < seq || (s == seq && a != answer)) {
                lost += 1;
            }
        }
    }
    let rate = saved as f64 / begin.elapsed().as_secs_f64();
    println!(
        "answer saves: {saved} by {CANDIDATES} candidates (one each every {EVERY}s) in {seconds}s = {rate:.0}/s, p50 {:.1} ms, p99 {:.1} ms (target ≤ 50 ms), errors {errors}, answers lost {lost}",
        pct(&mut lat.clone(), 0.5),
        pct(&mut lat, 0.99)
    );

    // Certificates: every candidate submits (pass mark 0) and so gets one; `clients` at a time.
    let t = Instant::now();
    let mut subs = Vec::new();
    for w in 0..clients.max(1) {
        let mine: Vec<(String, i64)> = attempts.iter().skip(w).step_by(clients.max(1)).map(|(tok, aid, _)| (tok.clone(), *aid)).collect();
        let (http, base) = (http.clone(), base.clone());
        subs.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            for (tok, aid) in mine {
                let out = call(&http, &tok, reqwest::Method::POST, format!("{base}/api/v1/attempts/{aid}/submit"), None).await?;
                numbers.extend(out["result"]["certificate"].as_str().map(String::from));
            }
            anyhow::Ok(numbers)
        }));
    }
    let mut numbers = Vec::new();
    for s in subs {
        numbers.extend(s.await??);
    }
    println!("submitted and marked: {CANDIDATES} attempts, {} certificates issued in {:.1}s", numbers.len(), t.elapsed().as_secs_f64());
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
