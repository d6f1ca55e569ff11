//! `bench --suite programmes`: the staff application list over 10,000 applications, through
//! HTTP (this binary's router in-process, a staff member's API token), on a fresh SQLite
//! database: the first page, a deep page, a state filter and the JSON list, each p99
//! against a baseline measured in the same run (the health check, one small query).

use std::time::Instant;

const APPLICATIONS: usize = 10_000;

pub async fn bench(seconds: u64) -> anyhow::Result<()> {
    let crate::bench::Site { app, base, dir, listener } = crate::bench::site("programmes").await?;
    let token = fill(&app).await?;
    tokio::spawn(app.clone().serve(listener, std::future::pending()));
    println!("programmes bench: {APPLICATIONS} applications on {}", dir.display());
    println!("server: release={}; 4 clients, {seconds}s a phase\n", !cfg!(debug_assertions));

    let client = reqwest::Client::new();
    let auth = |url: String| {
        let client = client.clone();
        let token = token.clone();
        async move { client.get(url).bearer_auth(token).send().await.map(|r| r.status()) }
    };
    // Check once that the pages answer as staff (a token of the wrong kind would measure 401s).
    for path in ["/staff/applications", "/api/v1/applications"] {
        let s = auth(format!("{base}{path}")).await?;
        anyhow::ensure!(s.is_success(), "{path} answered {s}");
    }
    let phases: [(&str, &str); 5] = [
        ("baseline: health check", "/healthz"),
        ("staff list, page 1", "/staff/applications"),
        ("staff list, page 150", "/staff/applications?page=150"),
        ("staff list, state filter", "/staff/applications?state=expert_review&page=3"),
        ("API list, state filter", "/api/v1/applications?state=submitted&per_page=50"),
    ];
    println!("{:<28} {:>9} {:>9} {:>9} {:>7}", "phase", "req/s", "p50 ms", "p99 ms", "errors");
    for (name, path) in phases {
        let l = load_with_token(vec![format!("{base}{path}")], &token, 4, seconds).await;
        println!("{:<28} {:>9.0} {:>9.2} {:>9.2} {:>7}", name, l.rps(), l.p50_ms, l.p99_ms, l.errors);
    }
    println!("\ntarget: the staff list p99 ≤ 30 ms (release build)");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// As `crate::bench::load`, with the token on every request.
async fn load_with_token(urls: Vec<String>, token: &str, clients: usize, seconds: u64) -> crate::bench::Load {
    let deadline = Instant::now() + std::time::Duration::from_secs(seconds.max(1));
    let client = reqwest::Client::new();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (client, urls, token) = (client.clone(), urls.clone(), token.to_string());
        tasks.push(tokio::spawn(async move {
            let (mut lat, mut errors, mut i) = (Vec::new(), 0u64, c);
            while Instant::now() < deadline {
                let t = Instant::now();
                match client.get(&urls[i % urls.len()]).bearer_auth(&token).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
                i += 1;
            }
            (lat, errors)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    all.sort();
    let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    crate::bench::Load { requests: all.len() as u64, errors, secs: start.elapsed().as_secs_f64(), p50_ms: pct(0.5), p99_ms: pct(0.99) }
}

/// A staff member with a token, 200 organisations and 10,000 applications spread over the
/// states and programmes; answers the token.
async fn fill(app: &crate::App) -> anyhow::Result<String> {
    super::store::ensure_seeded(app).await?;
    let mut tx = app.db.begin().await?;
    let hash = crate::auth::password::hash("bench-password-0123")?;
    let user = crate::auth::store::NewUser { username: "bench_staff", email: "bench@localhost", mobile: None, display_name: "", password_hash: &hash, confirmed: true, locale: crate::web::Lang::Zh };
    let uid = crate::auth::store::insert_user(&mut tx, user).await?.map_err(|_| anyhow::anyhow!("bench user taken"))?;
    crate::auth::store::set_roles(&mut tx, uid, &[crate::auth::Role::Staff], None).await?;
    let maker = crate::auth::tokens::Maker { user_id: uid, via: None };
    let (_, token) = crate::auth::tokens::create(&mut tx, &maker, "bench", crate::auth::tokens::Scopes::FULL).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut orgs = Vec::new();
    for i in 0..200 {
        let name = format!("基准测试企业{i:03}");
        let uscc = format!("91440101BENCH{i:04}X");
        let new = crate::orgs::store::NewOrg { name: &name, uscc: &uscc, contact_name: "", contact_phone: "", contact_email: "", address: "", district_code: "440106", industry: "C" };
        orgs.push(crate::orgs::store::register(&mut tx, &new, uid).await?);
    }
    tx.commit().await?;
    let types: Vec<(i64, String)> = sqlx::query_as("SELECT id, code FROM programme_types ORDER BY id").fetch_all(&app.db.pool).await?;
    let states = ["draft", "submitted", "formal_check", "expert_review", "decision", "notice", "final", "rejected", "withdrawn"];
    let now = crate::util::now();
    let t = Instant::now();
    for chunk in (0..APPLICATIONS).collect::<Vec<_>>().chunks(1000) {
        let mut tx = app.db.begin().await?;
        for &i in chunk {
            let (type_id, code) = &types[i % types.len()];
            let data = serde_json::json!({ "project": format!("项目 {i}"), "org_name": format!("基准测试企业{:03}", i % 200) }).to_string();
            sqlx::query(
                "INSERT INTO applications (type_id, programme, org_id, created_by, title, state, version, data, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,1,$7,$8,$9)",
            )
            .bind(type_id)
            .bind(code)
            .bind(orgs[i % orgs.len()])
            .bind(uid)
            .bind(format!("{code} · 项目 {i}"))
            .bind(states[i % states.len()])
            .bind(data)
            .bind(now - (APPLICATIONS - i) as i64 * 60)
            .bind(now - (APPLICATIONS - i) as i64 * 60)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
    }
    println!("filled {APPLICATIONS} applications in {:.2}s", t.elapsed().as_secs_f64());
    Ok(token)
}
