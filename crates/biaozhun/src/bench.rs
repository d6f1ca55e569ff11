//! `biaozhun bench`: the figures of the foundation issue, each beside a baseline measured
//! in the same run. The server under test is this binary's `serve` in a child process on a
//! fresh data directory (so its memory can be read alone); the baseline is a bare axum
//! "hello" handler in this process, hit by the same load generator.

use std::time::{Duration, Instant};

pub(crate) struct Load {
    pub requests: u64,
    pub errors: u64,
    pub secs: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Load {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.secs
    }
}

/// `clients` keep-alive clients request `urls` in turn for `seconds`.
pub(crate) async fn load(urls: Vec<String>, clients: usize, seconds: u64) -> Load {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build().expect("http client");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let client = client.clone();
        let urls = urls.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut i = c;
            while Instant::now() < deadline {
                let url = &urls[i % urls.len()];
                i += 1;
                let t = Instant::now();
                match client.get(url).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            all.extend(l);
            errors += e;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1))).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    Load { requests: all.len() as u64, errors, secs, p50_ms: pct(0.50), p99_ms: pct(0.99) }
}

/// The baseline of the figures: a bare axum handler answering "hello" in this process, on
/// this machine, under the same load generator.
pub(crate) async fn hello(clients: usize, seconds: u64) -> anyhow::Result<Load> {
    let hello = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, hello).await;
    });
    Ok(load(vec![format!("http://{addr}/")], clients, seconds).await)
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

pub async fn run(seconds: u64, clients: usize) -> anyhow::Result<()> {
    let ChildServer { mut child, base, dir } = child_server("foundation").await?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = child.id().unwrap_or(0);
    let idle_rss = rss_kb(pid);

    println!("machine: {} cores, {}", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), cpu_model());
    println!("server: release={} pid={pid}; {clients} clients, {seconds}s a phase\n", !cfg!(debug_assertions));
    let baseline = hello(clients, seconds).await?;
    let home = load(vec![format!("{base}/")], clients, seconds).await;
    println!("{:<28} {:>10} {:>9} {:>9} {:>7}", "phase", "req/s", "p50 ms", "p99 ms", "errors");
    for (name, l) in [("baseline: axum hello", &baseline), ("home page", &home)] {
        println!("{:<28} {:>10.0} {:>9.2} {:>9.2} {:>7}", name, l.rps(), l.p50_ms, l.p99_ms, l.errors);
    }
    println!("home page / baseline: {:.1}% of the ceiling", 100.0 * home.rps() / baseline.rps().max(1.0));
    println!("RSS after the home page load: {:.1} MB", rss_kb(pid) as f64 / 1024.0);

    // Login: argon2id verification dominates; captcha answers come from the shared secret.
    let db = crate::db::Db::connect(&format!("sqlite://{}/biaozhun.db", dir.display()), 2).await?;
    let secret = hex::decode(db.setting("secret_key").await?.unwrap_or_default())?;
    let pw = "bench-password-0123";
    let hash = crate::auth::password::hash(pw)?;
    let now = crate::util::now();
    sqlx::query("INSERT INTO users (username, username_key, email, email_key, password_hash, email_confirmed_at, status, created_at, updated_at) VALUES ('bench','bench','bench@localhost','bench@localhost',$1,$2,'active',$2,$2) ON CONFLICT DO NOTHING")
        .bind(&hash)
        .bind(now)
        .execute(&db.pool)
        .await?;
    let login_clients = 4usize;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for i in 0..login_clients {
        let base = base.clone();
        let secret = secret.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            while Instant::now() < deadline {
                let c = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client");
                let id = crate::auth::captcha::new_id(&secret);
                let answer = crate::auth::captcha::answer(&secret, &id);
                let t = Instant::now();
                let r = c
                    .post(format!("{base}/api/v1/session"))
                    .header("x-forwarded-for", format!("10.0.0.{i}"))
                    .json(&serde_json::json!({"account": "bench", "password": pw, "captcha_id": id, "captcha_answer": answer}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status().is_success() => lat.push(t.elapsed()),
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut lat = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((l, e)) = t.await {
            lat.extend(l);
            errors += e;
        }
    }
    lat.sort();
    let p = |q: f64| lat.get(((lat.len() as f64 * q) as usize).min(lat.len().saturating_sub(1))).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0);
    println!("{:<28} {:>10.1} {:>9.2} {:>9.2} {:>7}", format!("login ({login_clients} clients)"), lat.len() as f64 / seconds as f64, p(0.5), p(0.99), errors);
    let mut argon = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        crate::auth::password::verify(pw, &hash);
        argon.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    argon.sort_by(f64::total_cmp);
    println!("baseline: one argon2id verify in this process: median {:.1} ms", argon[argon.len() / 2]);
    tokio::time::sleep(Duration::from_secs(3)).await;
    println!("\nRSS of the idle server: {:.1} MB at start, {:.1} MB after the load", idle_rss as f64 / 1024.0, rss_kb(pid) as f64 / 1024.0);
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("model name")).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string()))
        .unwrap_or_else(|| "unknown CPU".into())
}

/// A fresh site for a domain's bench, in this process: its own temporary folder with a
/// SQLite database (or the database of `BIAOZHUN_BENCH_DATABASE_URL`, which must be empty),
/// a free local port, jobs and rate limits off. The bench fills it through the app, then
/// serves it with `tokio::spawn(app.clone().serve(listener, std::future::pending()))`.
pub struct Site {
    pub app: crate::App,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub dir: std::path::PathBuf,
    pub listener: tokio::net::TcpListener,
}

/// A `biaozhun serve` of this binary in a child process on a fresh data directory and a free
/// local port, rate limits off, once its health check answers: for the suites that measure a
/// server as an operator runs it (the bench writes into its database beside it).
pub struct ChildServer {
    /// Killed when dropped.
    pub child: tokio::process::Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub dir: std::path::PathBuf,
}

pub async fn child_server(name: &str) -> anyhow::Result<ChildServer> {
    let dir = std::env::temp_dir().join(format!("biaozhun-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let child = tokio::process::Command::new(std::env::current_exe()?)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--data"])
        .arg(&dir)
        .env("BIAOZHUN_LOG", "warn")
        .env("BIAOZHUN_RATE_LIMIT__ENABLED", "false")
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let ready = Instant::now();
    while !http.get(format!("{base}/healthz")).send().await.map(|r| r.status().is_success()).unwrap_or(false) {
        anyhow::ensure!(ready.elapsed() < Duration::from_secs(30), "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(ChildServer { child, base, dir })
}

pub async fn site(name: &str) -> anyhow::Result<Site> {
    let dir = std::env::temp_dir().join(format!("biaozhun-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let database_url = std::env::var("BIAOZHUN_BENCH_DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.display()));
    let config = crate::config::Config {
        data_dir: dir.clone(),
        database_url,
        base_url: base.clone(),
        run_jobs: false,
        rate_limit: crate::config::RateLimit { enabled: false, ..Default::default() },
        ..crate::config::Config::default()
    };
    let app = crate::App::init(config).await?.app;
    Ok(Site { app, base, dir, listener })
}
