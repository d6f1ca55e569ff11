//! `bench --suite strategy`: the dashboard over ten years of daily values of every indicator
//! of the Guangzhou outline (the snapshot table as the daily job leaves it), plus 640
//! progress reports, through HTTP (this binary's router in-process) on a fresh SQLite
//! database: the public dashboard, an indicator's page and the indicators API, each p99
//! against a baseline measured in the same run (the health check).

use super::model;
use super::store;

const YEARS: i64 = 10;

pub async fn bench(seconds: u64) -> anyhow::Result<()> {
    let crate::bench::Site { app, base, dir, listener } = crate::bench::site("strategy").await?;
    let rows = fill(&app).await?;
    tokio::spawn(app.clone().serve(listener, std::future::pending()));
    println!("strategy bench: {rows} daily values ({YEARS} years × every indicator) on {}", dir.display());
    println!("server: release={}; 4 clients, {seconds}s a phase\n", !cfg!(debug_assertions));
    let phases: [(&str, &str); 4] = [
        ("baseline: health check", "/healthz"),
        ("public dashboard", "/strategy"),
        ("indicator page", "/strategy/indicators/talent_expert"),
        ("indicators API", "/api/v1/strategy/indicators"),
    ];
    let client = reqwest::Client::new();
    for (_, path) in &phases {
        let s = client.get(format!("{base}{path}")).send().await?.status();
        anyhow::ensure!(s.is_success(), "{path} answered {s}");
    }
    println!("{:<28} {:>9} {:>9} {:>9} {:>7}", "phase", "req/s", "p50 ms", "p99 ms", "errors");
    for (name, path) in phases {
        let l = crate::bench::load(vec![format!("{base}{path}")], 4, seconds).await;
        println!("{:<28} {:>9.0} {:>9.2} {:>9.2} {:>7}", name, l.rps(), l.p50_ms, l.p99_ms, l.errors);
    }
    println!("\ntarget: the dashboard p99 ≤ 50 ms (release build)");
    let _ = std::fs::remove_dir_all(&dir);
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
