//! `biaozhun bench --suite signs`: the district statistics over 200,000 signs and 500,000
//! inspections (issue 19 asks p99 ≤ 50 ms). The server is this binary's `serve` on a fresh
//! SQLite data directory (rate limits off); the records are written straight into its
//! database and the per-district counts rolled up from them, as the store keeps them. The
//! clients ask for `GET /api/v1/signs/stats` and the statistics page; a bare axum handler
//! in this process is the baseline. `BIAOZHUN_BENCH_SIGNS` sets another number of signs
//! (inspections stay 2.5 times as many).

use std::time::Instant;

pub async fn bench(seconds: u64, clients: usize) -> anyhow::Result<()> {
    let signs: i64 = std::env::var("BIAOZHUN_BENCH_SIGNS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let inspections = signs * 5 / 2;
    let crate::bench::ChildServer { mut child, base, dir } = crate::bench::child_server("signs").await?;
    let http = reqwest::Client::new();

    let filled = Instant::now();
    let db = crate::db::Db::connect(&format!("sqlite://{}/biaozhun.db", dir.display()), 2).await?;
    let codes: Vec<String> = super::model::districts().into_iter().map(|(c, _)| c.to_string()).collect();
    let district_of = |col: &str| {
        let arms: String = codes.iter().enumerate().map(|(i, c)| format!(" WHEN {i} THEN '{c}'")).collect();
        format!("CASE {col} % {}{arms} END", codes.len())
    };
    let now = crate::util::now();
    let mut tx = db.pool.begin().await?;
    let sql = format!(
        "INSERT INTO signs (code, district, address, sign_type, standard, conforming, created_at, updated_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {signs}) \
         SELECT 'B-' || i, {}, '测试路 ' || i || ' 号', 'direction', 'GB/T 15566.1-2020', CASE WHEN i % 3 = 0 THEN 0 ELSE 1 END, {now}, {now} FROM n",
        district_of("i")
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
    let sql = format!(
        "INSERT INTO sign_inspections (sign_id, inspector, conforming, findings, created_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {inspections}) \
         SELECT (i % {signs}) + 1, 1, CASE WHEN i % 3 = 0 THEN 0 ELSE 1 END, '[]', {now} FROM n"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
    let sql = format!(
        "INSERT INTO sign_cases (sign_id, inspection_id, district, state, version, due_at, created_at, updated_at) \
         SELECT id, 1, district, 'open', 0, {due}, {now}, {now} FROM signs WHERE conforming = 0",
        due = now + 30 * 86400
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO sign_district_counts (district, signs, conforming, inspections, open_cases) \
         SELECT s.district, COUNT(*), SUM(s.conforming), \
         (SELECT COUNT(*) FROM sign_inspections i JOIN signs t ON t.id = i.sign_id WHERE t.district = s.district), \
         (SELECT COUNT(*) FROM sign_cases c WHERE c.district = s.district AND c.state IN ('open','rectified')) FROM signs s GROUP BY s.district",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    db.pool.close().await;
    println!("filled {signs} signs and {inspections} inspections in {:.1}s", filled.elapsed().as_secs_f64());

    // The answer must count what was written: a wrong figure is an error, not a fast one.
    let stats: serde_json::Value = http.get(format!("{base}/api/v1/signs/stats")).send().await?.json().await?;
    let total: i64 = stats["districts"].as_array().map(|a| a.iter().filter_map(|d| d["signs"].as_i64()).sum()).unwrap_or(0);
    let counted: i64 = stats["districts"].as_array().map(|a| a.iter().filter_map(|d| d["inspections"].as_i64()).sum()).unwrap_or(0);
    anyhow::ensure!(total == signs && counted == inspections, "the statistics count {total} signs and {counted} inspections");

    println!("machine: {} cores; server release={}; {clients} clients, {seconds}s a phase\n", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), !cfg!(debug_assertions));
    let baseline = crate::bench::hello(clients, seconds).await?;
    let api = crate::bench::load(vec![format!("{base}/api/v1/signs/stats")], clients, seconds).await;
    let page = crate::bench::load(vec![format!("{base}/signs")], clients, seconds).await;
    println!("{:<34} {:>10} {:>9} {:>9} {:>7}", "phase", "req/s", "p50 ms", "p99 ms", "errors");
    for (name, l) in [("baseline: axum hello", &baseline), ("GET /api/v1/signs/stats", &api), ("GET /signs (page, chart)", &page)] {
        println!("{:<34} {:>10.0} {:>9.2} {:>9.2} {:>7}", name, l.rps(), l.p50_ms, l.p99_ms, l.errors);
    }
    println!("issue 19 asks p99 <= 50 ms for the district statistics: API {:.2} ms, page {:.2} ms", api.p99_ms, page.p99_ms);
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
