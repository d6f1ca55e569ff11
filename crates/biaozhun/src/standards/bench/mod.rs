//! `biaozhun bench` for the standards room: import of the ISO + IEC catalogues into a
//! temporary SQLite database (records/s including indexing), the relevance report on the
//! judged queries beside SQLite FTS5 (`relevance`), a 10,000-line validity check, search
//! latency in process and over HTTP, and a standard's page over HTTP (`page`).

mod page;
pub mod relevance;

use crate::App;
use std::time::Instant;

const QUERIES: [&str; 20] = [
    "9001", "27001", "quality management", "information security", "60335", "safety", "environmental management",
    "food", "medical devices", "risk management", "62368", "petroleum", "welding", "cybersecurity", "energy management",
    "road vehicles", "14001", "software engineering", "corrosion", "electromagnetic compatibility",
];

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// The folder named by `bench --corpus` (set once by the command line).
static CORPUS: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Names the folder holding `catalogues/iso.jsonl.gz`, `catalogues/iec.jsonl.gz` and
/// `samples/cn_standards_examples.jsonl` (the full catalogues; the repository keeps only a
/// sample of them for its tests).
pub fn set_corpus(dir: &std::path::Path) {
    let _ = CORPUS.set(dir.display().to_string());
}

/// `--corpus`, else `BIAOZHUN_DATA`, else the shared data folder beside the checkout.
fn data_dir() -> String {
    if let Some(d) = CORPUS.get() {
        return d.clone();
    }
    std::env::var("BIAOZHUN_DATA").unwrap_or_else(|_| "../shared/data".into())
}

async fn bench_app(dir: &std::path::Path) -> anyhow::Result<App> {
    let config = crate::config::Config { data_dir: dir.to_path_buf(), database_url: format!("sqlite://{}/bench.db", dir.display()), run_jobs: false, rate_limit: crate::config::RateLimit { enabled: false, ..Default::default() }, ..Default::default() };
    Ok(App::init(config).await?.app)
}

/// The Chinese examples, imported beside the catalogues so that the judged Chinese queries
/// have their national standards.
/// The ISO and IEC catalogues of the data folder, by file name.
fn read_catalogues(data: &str) -> anyhow::Result<Vec<(&'static str, Vec<u8>)>> {
    ["iso.jsonl.gz", "iec.jsonl.gz"].into_iter().map(|f| Ok((f, std::fs::read(format!("{data}/catalogues/{f}"))?))).collect()
}

/// Imports files in process, in order; returns the rows read.
async fn import_files(app: &App, files: &[(&str, Vec<u8>)]) -> anyhow::Result<usize> {
    let mut rows = 0;
    for (f, bytes) in files {
        rows += super::import::import_bytes(app, f, bytes, super::import::Progress::None).await?.rows;
    }
    Ok(rows)
}

async fn import_examples(app: &App) -> anyhow::Result<()> {
    let cn = std::fs::read(format!("{}/samples/cn_standards_examples.jsonl", data_dir()))?;
    super::import::import_bytes(app, "cn_standards_examples.jsonl", &cn, super::import::Progress::None).await?;
    crate::indexer::follow_once(app).await?;
    Ok(())
}

/// `biaozhun bench --suite relevance`: the relevance report alone. With
/// `BIAOZHUN_BENCH_DIR` set, the catalogue stays in that directory between runs (imported
/// the first time), so that a ranking change is judged in seconds.
pub async fn relevance_only() -> anyhow::Result<()> {
    let keep = std::env::var("BIAOZHUN_BENCH_DIR").ok().filter(|d| !d.is_empty());
    let dir = match &keep {
        Some(d) => std::path::PathBuf::from(d),
        None => tempfile_dir()?,
    };
    std::fs::create_dir_all(&dir)?;
    let app = bench_app(&dir).await?;
    crate::indexer::ensure_built(&app).await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM standards").fetch_one(&app.db.pool).await?;
    if n == 0 {
        import_files(&app, &read_catalogues(&data_dir())?).await?;
        import_examples(&app).await?;
        relevance::build_baselines(&app).await?;
    }
    crate::indexer::follow_once(&app).await?;
    relevance::report(&app).await?.print();
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

pub async fn bench(seconds: u64) -> anyhow::Result<()> {
    let data = data_dir();
    // The command a user runs comes first, while nothing else of the bench runs beside it (an
    // index of this process would be merging its segments in the background after its
    // import, taking a core from the command).
    let (one, two) = cli_import(&data)?;
    let dir = tempfile_dir()?;
    let app = bench_app(&dir).await?;
    let files = read_catalogues(&data)?;
    // As on a server: the index follower runs while the import stores (each stored batch
    // kicks it).
    crate::indexer::spawn_follower(app.clone());
    let t0 = Instant::now();
    let total = import_files(&app, &files).await?;
    let stored = t0.elapsed().as_secs_f64();
    crate::indexer::follow_once(&app).await?;
    let secs = t0.elapsed().as_secs_f64();
    println!("  storing done after {stored:.2} s, index caught up {:.2} s later", secs - stored);
    println!("standards import: {total} records in {secs:.2} s = {:.0} records/s (including indexing)", total as f64 / secs);
    println!("standards import through the CLI, both catalogues, {total} rows, end to end:");
    println!("  one command:              {one:.2} s = {:.0} records/s", total as f64 / one);
    println!("  one command per file:     {two:.2} s = {:.0} records/s (baseline)", total as f64 / two);

    import_examples(&app).await?;
    relevance::build_baselines(&app).await?;
    relevance::report(&app).await?.print();

    // Validity check of 10,000 lines taken from the catalogue itself.
    let norms: Vec<(String,)> = sqlx::query_as("SELECT norm FROM standards ORDER BY id LIMIT 10000").fetch_all(&app.db.pool).await?;
    let text: String = norms.iter().map(|n| format!("{}\n", n.0)).collect();
    let t = Instant::now();
    // (A line may cite more than one number, so a list of 10,000 lines can hold a few more
    // entries than a signed-in user may check at once; the figure is about the lines.)
    let items = super::check::check_text(&app, &text, 2 * super::reports::MAX_ENTRIES_USER).await?.map_err(|e| anyhow::anyhow!("more than {} entries", e.max))?;
    println!("validity check: {} lines in {:.3} s", items.len(), t.elapsed().as_secs_f64());

    // Search in process (tantivy) vs FTS5 trigram over the same records.
    let mut lat = Vec::new();
    let deadline = Instant::now() + std::time::Duration::from_secs(seconds.max(1));
    let mut n = 0usize;
    let ts = Instant::now();
    while Instant::now() < deadline {
        for q in QUERIES {
            let query = search::Query { domain: super::DOMAIN.into(), text: q.into(), limit: 20, ..Default::default() };
            let t = Instant::now();
            app.indexer.index.search(&query)?;
            lat.push(t.elapsed().as_secs_f64() * 1000.0);
            n += 1;
        }
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    let p99 = lat.get(lat.len() * 99 / 100).copied().unwrap_or(0.0);
    let ours_qps = n as f64 / ts.elapsed().as_secs_f64();
    println!("search (tantivy, one thread): p99 {p99:.2} ms, {ours_qps:.0} searches/s");

    // The same queries over HTTP (the JSON API), 32 keep-alive clients.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(app.clone().serve(listener, std::future::pending()));
    let urls: Vec<String> = QUERIES
        .iter()
        .map(|q| format!("http://{addr}/api/v1/standards?q={}", percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC)))
        .collect();
    for (label, suffix) in [("API", ""), ("API with facets", "&facets=true")] {
        let with: Vec<String> = urls.iter().map(|u| format!("{u}{suffix}")).collect();
        let http = crate::bench::load(with, 32, seconds.max(1)).await;
        println!(
            "search over HTTP, {label} (32 clients): {:.0} searches/s, p50 {:.2} ms, p99 {:.2} ms, errors {}",
            http.rps(),
            http.p50_ms,
            http.p99_ms,
            http.errors
        );
    }

    let mut flat = Vec::new();
    let mut recall_sum = 0.0;
    for q in QUERIES {
        let t = Instant::now();
        let phrase = format!("\"{}\"", q.replace('"', ""));
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT rowid FROM fts_tri WHERE fts_tri MATCH $1 LIMIT 10000").bind(&phrase).fetch_all(&app.db.pool).await?;
        flat.push(t.elapsed().as_secs_f64() * 1000.0);
        // Relevant: records whose number or title contains the query (case-insensitive).
        let relevant: std::collections::HashSet<i64> = rows.into_iter().map(|r| r.0).collect();
        let query = search::Query { domain: super::DOMAIN.into(), text: q.into(), limit: 10_000, ..Default::default() };
        let res = app.indexer.index.search(&query)?;
        let found: std::collections::HashSet<i64> = res.hits.iter().filter_map(|h| crate::indexer::id_of(super::DOMAIN, &h.key)).collect();
        let recall = if relevant.is_empty() { 1.0 } else { relevant.intersection(&found).count() as f64 / relevant.len() as f64 };
        recall_sum += recall;
    }
    flat.sort_by(|a, b| a.total_cmp(b));
    let fts_p99 = flat.last().copied().unwrap_or(0.0);
    println!("baseline FTS5 trigram: worst {fts_p99:.2} ms over {} queries; ratio p99 ours/fts {:.2}", QUERIES.len(), p99 / fts_p99.max(1e-9));
    println!("recall of ours against 'number or title contains the query': {:.3}", recall_sum / QUERIES.len() as f64);

    // A standard's page on SQLite, and on PostgreSQL when `BIAOZHUN_BENCH_DATABASE_URL`
    // names a database (the site of `crate::bench::site`; the catalogues are imported into
    // it first).
    page::baseline(seconds).await?;
    page::measure(addr, "SQLite", &page::numbers(&app).await?, seconds).await?;
    if std::env::var("BIAOZHUN_BENCH_DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        let crate::bench::Site { app: pg, dir: pg_dir, listener, .. } = crate::bench::site("standards").await?;
        let t = Instant::now();
        import_files(&pg, &files).await?;
        import_examples(&pg).await?;
        println!("(catalogues imported into PostgreSQL in {:.1} s)", t.elapsed().as_secs_f64());
        let pg_addr = listener.local_addr()?;
        tokio::spawn(pg.clone().serve(listener, std::future::pending()));
        page::measure(pg_addr, "PostgreSQL", &page::numbers(&pg).await?, seconds).await?;
        let _ = std::fs::remove_dir_all(&pg_dir);
    }
    println!("RSS: {:.0} MB", rss_mb());
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The import as a user runs it, timed from outside the process (start-up, reading,
/// storing, indexing, the commit): `biaozhun --data DIR import standards iso.jsonl.gz
/// iec.jsonl.gz` into a fresh SQLite directory, and beside it, as the baseline, the same
/// two files imported by one command each. Run three times, alternately; the best time of each
/// (seconds, one command and the baseline).
fn cli_import(data: &str) -> anyhow::Result<(f64, f64)> {
    let exe = std::env::current_exe()?;
    let files = ["iso.jsonl.gz", "iec.jsonl.gz"].map(|f| format!("{data}/catalogues/{f}"));
    let run = |commands: &[&[String]]| -> anyhow::Result<f64> {
        let dir = tempfile_dir()?;
        let cmd = || {
            let mut c = std::process::Command::new(&exe);
            c.arg("--data").arg(&dir).env_remove("BIAOZHUN_DATABASE_URL").stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
            c
        };
        anyhow::ensure!(cmd().arg("migrate").status()?.success(), "biaozhun migrate failed");
        let t = Instant::now();
        for files in commands {
            anyhow::ensure!(cmd().args(["import", "standards"]).args(*files).status()?.success(), "biaozhun import standards failed");
        }
        let secs = t.elapsed().as_secs_f64();
        let _ = std::fs::remove_dir_all(&dir);
        Ok(secs)
    };
    let (mut one, mut two) = (f64::MAX, f64::MAX);
    for _ in 0..3 {
        one = one.min(run(&[&files[..]])?);
        two = two.min(run(&[&files[..1], &files[1..]])?);
    }
    Ok((one, two))
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("bz-bench-std-{}", crate::util::random_token(6)));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
