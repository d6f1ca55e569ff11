//! `biaozhun bench --suite registry`: the two figures issue 18 sets. (1) Every product
//! affected by a change of one standard among `LINKS` declared product–standard links
//! (≤ 20 ms), through the index on the normalised base; (2) the public declaration search
//! (`GET /api/v1/declarations?standard=`, through the router in this process) p99 over
//! `DECLARATIONS` declarations (≤ 20 ms). Data are written straight into a fresh SQLite
//! database, as imports would leave them. The baseline is the same lookup on the primary
//! key of the links table, measured in the same run. `BIAOZHUN_BENCH_LINKS` and
//! `BIAOZHUN_BENCH_DECLARATIONS` shrink the data for a short debug run.

use crate::App;
use std::time::Instant;

fn env_n(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn p(sorted: &[f64], q: f64) -> f64 {
    sorted.get(((sorted.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(0.0)
}

pub async fn bench(seconds: u64) -> anyhow::Result<()> {
    let links = env_n("BIAOZHUN_BENCH_LINKS", 1_000_000);
    let declarations = env_n("BIAOZHUN_BENCH_DECLARATIONS", 200_000).min(links);
    let dir = std::env::temp_dir().join(format!("biaozhun-bench-registry-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let config = crate::config::Config {
        data_dir: dir.clone(),
        database_url: format!("sqlite://{}/bench.db", dir.display()),
        run_jobs: false,
        rate_limit: crate::config::RateLimit { enabled: false, ..Default::default() },
        ..Default::default()
    };
    let app = App::init(config).await?.app;
    let now = crate::util::now();
    sqlx::query("INSERT INTO organisations (name, uscc, created_at, updated_at) VALUES ('基准单位', '91440101MA59ABCD1D', $1, $1)").bind(now).execute(&app.db.pool).await?;
    let org: i64 = sqlx::query_scalar("SELECT id FROM organisations WHERE uscc = '91440101MA59ABCD1D'").fetch_one(&app.db.pool).await?;
    // Products with 5 links each, spread over 20,000 standards' bases.
    let per = 5usize;
    let products = links / per;
    let started = Instant::now();
    let mut tx = app.db.begin().await?;
    for i in 0..products {
        let id: i64 = sqlx::query_scalar("INSERT INTO registry_products (org_id, name, model, created_at, updated_at) VALUES ($1,$2,'',$3,$3) RETURNING id")
            .bind(org)
            .bind(format!("产品{i}"))
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
        for k in 0..per {
            let base = format!("GB {}", (i * 7 + k * 4001) % 20_000 + 1);
            sqlx::query("INSERT INTO registry_product_standards (product_id, number, norm, base) VALUES ($1,$2,$3,$4)")
                .bind(id)
                .bind(format!("{base}-2020"))
                .bind(format!("{base}-2020"))
                .bind(&base)
                .execute(&mut *tx)
                .await?;
        }
        if i < declarations {
            sqlx::query("INSERT INTO registry_declarations (org_id, product_id, created_at, updated_at) VALUES ($1,$2,$3,$3)").bind(org).bind(id).bind(now).execute(&mut *tx).await?;
        }
        if i % 20_000 == 19_999 {
            tx.commit().await?;
            tx = app.db.begin().await?;
        }
    }
    tx.commit().await?;
    println!("{} products, {} links, {} declarations written in {:.1} s (release={})", products, products * per, declarations.min(products), started.elapsed().as_secs_f64(), !cfg!(debug_assertions));

    let deadline = Instant::now() + std::time::Duration::from_secs(seconds.max(1));
    let (mut affected, mut baseline, mut found) = (Vec::new(), Vec::new(), 0usize);
    let mut n = 0usize;
    while Instant::now() < deadline || n < 50 {
        let base = format!("GB {}", n * 37 % 20_000 + 1);
        let t = Instant::now();
        found += super::store::affected_by(&app.db.pool, &base).await?.len();
        affected.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let _: Vec<i64> = sqlx::query_scalar("SELECT product_id FROM registry_product_standards WHERE product_id = $1").bind((n % products.max(1)) as i64 + 1).fetch_all(&app.db.pool).await?;
        baseline.push(t.elapsed().as_secs_f64() * 1000.0);
        n += 1;
    }
    let router = app.router();
    let mut search = Vec::new();
    let deadline = Instant::now() + std::time::Duration::from_secs(seconds.max(1));
    let mut m = 0usize;
    while Instant::now() < deadline || m < 50 {
        use tower::ServiceExt;
        let uri = format!("/api/v1/declarations?standard=GB%20{}-2020&limit=20", m * 53 % 20_000 + 1);
        let req = axum::http::Request::builder().uri(uri).body(axum::body::Body::empty())?;
        let t = Instant::now();
        let r = router.clone().oneshot(req).await?;
        anyhow::ensure!(r.status().is_success(), "search answered {}", r.status());
        let _ = axum::body::to_bytes(r.into_body(), usize::MAX).await?;
        search.push(t.elapsed().as_secs_f64() * 1000.0);
        m += 1;
    }
    for l in [&mut affected, &mut baseline, &mut search] {
        l.sort_by(|a, b| a.total_cmp(b));
    }
    println!("{:<52} {:>8} {:>9} {:>9}", "phase", "runs", "p50 ms", "p99 ms");
    println!("{:<52} {:>8} {:>9.3} {:>9.3}", "baseline: links of one product (primary key)", baseline.len(), p(&baseline, 0.5), p(&baseline, 0.99));
    println!("{:<52} {:>8} {:>9.3} {:>9.3}", "products affected by one standard (index on base)", affected.len(), p(&affected, 0.5), p(&affected, 0.99));
    println!("{:<52} {:>8} {:>9.3} {:>9.3}", "GET /api/v1/declarations?standard= (router)", search.len(), p(&search, 0.5), p(&search, 0.99));
    println!(
        "affected p99 / baseline p99: {:.1}x; {:.0} products affected on average (issue 18 asks <= 20 ms for both figures)",
        p(&affected, 0.99) / p(&baseline, 0.99).max(1e-6),
        found as f64 / affected.len().max(1) as f64
    );
    app.db.pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
