//! `bench --suite strategy`: the dashboard over ten years of daily values of every indicator
//! of the Guangzhou outline (the snapshot table as the daily job leaves it), plus 640
//! progress reports, and 1,000,000 catalogue records behind one indicator (standards led by
//! Guangzhou organisations, a quarter of them drafted in Guangzhou), on a fresh SQLite
//! database. Measured: the indicator's read (its rolled-up count, `db::tallies`) in
//! process, beside a trivial query as the baseline and the count from the records it
//! replaces; then through HTTP (this binary's router in-process) the public dashboard, an
//! indicator's page and the indicators API, each p99 against the health check.

use super::model;
use super::store;
use crate::db::tallies;
use std::time::{Duration, Instant};

const YEARS: i64 = 10;
/// Catalogue records behind the `guangzhou_standards` indicator.
const RECORDS: i64 = 1_000_000;

pub async fn bench(seconds: u64) -> anyhow::Result<()> {
    let crate::bench::Site { app, base, dir, listener } = crate::bench::site("strategy").await?;
    let rows = fill(&app).await?;
    let t = Instant::now();
    load_records(&app).await?;
    println!("strategy bench: {rows} daily values ({YEARS} years × every indicator), {RECORDS} catalogue records ({:.1}s) on {}", t.elapsed().as_secs_f64(), dir.display());
    let tally = &crate::standards::tally::GUANGZHOU_DRAFTED;
    let t = Instant::now();
    let n = tallies::fill(&app, tally).await?;
    println!("the tally {} filled from the records once: {n} in {:.0} ms", tally.key, t.elapsed().as_secs_f64() * 1000.0);
    anyhow::ensure!(n == RECORDS / 4, "the tally counted {n}");
    tokio::spawn(app.clone().serve(listener, std::future::pending()));
    println!("server: release={}; 4 clients, {seconds}s a phase\n", !cfg!(debug_assertions));

    println!("{:<36} {:>9} {:>9} {:>9}", "in process", "reads/s", "p50 ms", "p99 ms");
    let pool = app.db.pool.clone();
    let base_line = timed(seconds, || {
        let pool = pool.clone();
        async move { Ok(sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&pool).await.map(|_| ())?) }
    })
    .await?;
    print_line("baseline: SELECT 1", &base_line);
    let source = super::indicators::registry(&app).into_iter().find(|s| s.key == tally.key).ok_or_else(|| anyhow::anyhow!("no source {}", tally.key))?;
    let read = timed(seconds, || {
        let app = app.clone();
        async move { (source.read)(&app).await.map(|_| ()).map_err(|e| anyhow::anyhow!("{e}")) }
    })
    .await?;
    print_line("indicator read (tally)", &read);
    let scan = timed(seconds.min(3), || {
        let app = app.clone();
        async move {
            let mut conn = app.db.pool.acquire().await?;
            Ok(tallies::recount(&mut conn, tally).await.map(|_| ())?)
        }
    })
    .await?;
    print_line("count from the records (before)", &scan);

    let phases: [(&str, &str); 4] = [
        ("baseline: health check", "/healthz"),
        ("public dashboard", "/strategy"),
        ("indicator page", "/strategy/indicators/guangzhou_standards"),
        ("indicators API", "/api/v1/strategy/indicators"),
    ];
    let client = reqwest::Client::new();
    for (_, path) in &phases {
        let s = client.get(format!("{base}{path}")).send().await?.status();
        anyhow::ensure!(s.is_success(), "{path} answered {s}");
    }
    println!("\n{:<36} {:>9} {:>9} {:>9} {:>7}", "through HTTP", "req/s", "p50 ms", "p99 ms", "errors");
    for (name, path) in phases {
        let l = crate::bench::load(vec![format!("{base}{path}")], 4, seconds).await;
        println!("{:<36} {:>9.0} {:>9.2} {:>9.2} {:>7}", name, l.rps(), l.p50_ms, l.p99_ms, l.errors);
    }
    println!("\ntargets: an indicator from 1,000,000 records ≤ 20 ms; the dashboard p99 ≤ 50 ms (release build)");
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// Latencies of one call repeated for `seconds` (at least 5 calls).
struct Timed {
    calls: usize,
    secs: f64,
    p50_ms: f64,
    p99_ms: f64,
}

async fn timed<F, Fut>(seconds: u64, mut call: F) -> anyhow::Result<Timed>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let start = Instant::now();
    let until = start + Duration::from_secs(seconds);
    let mut lat = Vec::new();
    while Instant::now() < until || lat.len() < 5 {
        let t = Instant::now();
        call().await?;
        lat.push(t.elapsed());
    }
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)].as_secs_f64() * 1000.0;
    Ok(Timed { calls: lat.len(), secs: start.elapsed().as_secs_f64(), p50_ms: pct(0.50), p99_ms: pct(0.99) })
}

fn print_line(name: &str, t: &Timed) {
    println!("{:<36} {:>9.0} {:>9.3} {:>9.3}", name, t.calls as f64 / t.secs, t.p50_ms, t.p99_ms);
}

/// One million catalogue records, generated inside the database in one statement (a bulk
/// load for the measurement, not the import's path): every fourth drafted in Guangzhou.
async fn load_records(app: &crate::App) -> anyhow::Result<()> {
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "INSERT INTO standards (number, norm, base, kind, title_zh, status, drafting_orgs, created_at, updated_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         SELECT 'T/BENCH ' || i || '-2020', 'T/BENCH ' || i || '-2020', 'T/BENCH ' || i, 'group', '基准记录', 'in_force', \
         CASE WHEN i % 4 = 0 THEN '广州市标准化研究院' ELSE '深圳市标准技术研究院' END, 0, 0 FROM n",
    )
    .bind(RECORDS)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Ten years of daily values of every indicator, and reports of every task's lead for every
/// quarter of the ten years; answers the values written.
async fn fill(app: &crate::App) -> anyhow::Result<usize> {
    let (o, _) = store::outline(app, model::GUANGZHOU_KEY).await?;
    let today = store::day_of(crate::util::now());
    let days = YEARS * 366;
    let mut n = 0;
    for (k, ind) in o.indicators.iter().enumerate() {
        let mut tx = app.db.begin().await?;
        for d in 0..days {
            let day = today - days + d + 1;
            let value = (ind.target.unwrap_or(1000) * d / days) + (k as i64 * 7 + d) % 5;
            sqlx::query("INSERT INTO strategy_values (outline, indicator, day, value, source) VALUES ($1,$2,$3,$4,'computed')")
                .bind(&o.key)
                .bind(&ind.key)
                .bind(day)
                .bind(value)
                .execute(&mut *tx)
                .await?;
            n += 1;
        }
        tx.commit().await?;
    }
    let now = crate::util::now();
    let this_year = crate::util::to_local(now).year() as i64;
    let mut tx = app.db.begin().await?;
    for y in (this_year - YEARS)..this_year {
        for q in 1..=4 {
            for t in &o.tasks {
                sqlx::query(
                    "INSERT INTO strategy_reports (outline, task_no, unit_kind, unit_key, period, body, figures, state, version, created_at, updated_at) \
                     VALUES ($1,$2,'department',$3,$4,'进展','',$5,1,$6,$6)",
                )
                .bind(&o.key)
                .bind(t.no)
                .bind(&t.lead)
                .bind(format!("{y}-Q{q}"))
                .bind(if (y + q + t.no) % 5 == 0 { "filed" } else { "accepted" })
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(n as usize)
}
