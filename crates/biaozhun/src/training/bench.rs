//! `biaozhun bench --suite training`: certificate verification, which issue 15 asks to
//! answer at 5,000 requests a second or more. The server is this binary's `serve` on a fresh
//! SQLite data directory (rate limits off: one address makes all the load) holding 2,000
//! certificates; the clients ask for numbers in turn through the API and the public page.
//! The baseline is a bare axum handler in this process hit by the same load generator, so
//! the figure reads as a share of what this machine can serve at all.


const CERTIFICATES: i64 = 2000;

pub async fn bench(seconds: u64, clients: usize) -> anyhow::Result<()> {
    let crate::bench::ChildServer { mut child, base, dir } = crate::bench::child_server("training").await?;

    // Certificates written straight into the server's database, as issuing would leave them.
    let db = crate::db::Db::connect(&format!("sqlite://{}/biaozhun.db", dir.display()), 2).await?;
    let now = crate::util::now();
    sqlx::query(
        "INSERT INTO users (username, username_key, email, email_key, password_hash, display_name, email_confirmed_at, status, created_at, updated_at) \
         VALUES ('holder','holder','holder@localhost','holder@localhost','!','张伟',$1,'active',$1,$1) ON CONFLICT DO NOTHING",
    )
    .bind(now)
    .execute(&db.pool)
    .await?;
    let holder: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = 'holder'").fetch_one(&db.pool).await?;
    let mut tx = db.pool.begin().await?;
    let mut numbers = Vec::new();
    for serial in 1..=CERTIFICATES {
        let number = super::cert_store::format_number(2026, serial);
        sqlx::query(
            "INSERT INTO training_certificates (number, year, serial, kind, user_id, holder_name, title, issued_on, expires_on, created_at) \
             VALUES ($1, 2026, $2, 'completion', $3, '张伟', '标准化基础知识培训', $4, $5, $4)",
        )
        .bind(&number)
        .bind(serial)
        .bind(holder)
        .bind(now)
        .bind(now + 730 * 86400)
        .execute(&mut *tx)
        .await?;
        numbers.push(number);
    }
    tx.commit().await?;
    db.pool.close().await;

    println!("machine: {} cores; server release={}; {clients} clients, {seconds}s a phase, {CERTIFICATES} certificates\n", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), !cfg!(debug_assertions));
    let api: Vec<String> = numbers.iter().map(|n| format!("{base}/api/v1/certificates/{n}")).collect();
    let page: Vec<String> = numbers.iter().map(|n| format!("{base}/certificates/{n}")).collect();
    // A check answers 200 for a known number: a wrong figure shows as errors.
    let baseline = crate::bench::hello(clients, seconds).await?;
    let api_load = crate::bench::load(api, clients, seconds).await;
    let page_load = crate::bench::load(page, clients, seconds).await;
    println!("{:<34} {:>10} {:>9} {:>9} {:>7}", "phase", "req/s", "p50 ms", "p99 ms", "errors");
    for (name, l) in [("baseline: axum hello", &baseline), ("GET /api/v1/certificates/{n}", &api_load), ("GET /certificates/{n} (page)", &page_load)] {
        println!("{:<34} {:>10.0} {:>9.2} {:>9.2} {:>7}", name, l.rps(), l.p50_ms, l.p99_ms, l.errors);
    }
    println!(
        "verification API / baseline: {:.1}%; page / baseline: {:.1}% (issue 15 asks >= 5000 req/s)",
        100.0 * api_load.rps() / baseline.rps().max(1.0),
        100.0 * page_load.rps() / baseline.rps().max(1.0)
    );
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
