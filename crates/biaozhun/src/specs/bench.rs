//! `bench --suite specs`: on a fresh SQLite database with 5,000 specifications and 100,000
//! workflow events (seeded in bulk, twenty a specification), the lifecycle list, a
//! specification's history and a committee secretary's dashboard, p50/p99 against a
//! primary-key fetch baseline measured in the same run (targets ≤ 30 ms); and the disposition
//! table of 2,000 comments as XLSX (target ≤ 1 s).

use super::store::{self, Comment};
use std::time::Instant;

const SPECS: i64 = 5_000;
const EVENTS_PER_SPEC: i64 = 20;
const COMMITTEES: i64 = 50;

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn line(label: &str, v: &mut [f64], base: &mut [f64]) {
    println!("{label}: {} runs, p50 {:.2} ms, p99 {:.2} ms (target ≤ 30 ms); baseline fetch p99 {:.2} ms", v.len(), pct(v, 0.5), pct(v, 0.99), pct(base, 0.99));
}

pub async fn bench(seconds: u64) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("biaozhun-specs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let config = crate::config::Config {
        data_dir: dir.clone(),
        database_url: format!("sqlite://{}/bench.db", dir.display()),
        run_jobs: false,
        rate_limit: crate::config::RateLimit { enabled: false, ..Default::default() },
        ..crate::config::Config::default()
    };
    let app = crate::App::init(config).await?.app;
    println!("specs bench on {}", dir.display());
    let user: i64 = sqlx::query_scalar("SELECT MIN(id) FROM users").fetch_one(&app.db.pool).await?;

    // Committees, specifications and their events, in bulk.
    let t = Instant::now();
    let mut tx = app.db.begin().await?;
    for c in 1..=COMMITTEES {
        let inc = crate::committees::store::Incoming { number: format!("GZ/TC {c}"), name_zh: format!("委员会 {c}"), level: "city".into(), status: "active".into(), ..Default::default() };
        crate::committees::store::upsert(&mut tx, &inc).await?;
    }
    tx.commit().await?;
    let stages = super::model::STAGES;
    let now = crate::util::now();
    for chunk in (1..=SPECS).collect::<Vec<_>>().chunks(500) {
        let mut tx = app.db.begin().await?;
        for &i in chunk {
            let stage = stages[(i as usize) % stages.len()];
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO specs (title, stage, version, created_by, committee_id, stage_due_at, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id",
            )
            .bind(format!("地方技术规范 第 {i} 号 电梯维护保养"))
            .bind(stage)
            .bind(EVENTS_PER_SPEC - 1)
            .bind(user)
            .bind(1 + i % COMMITTEES)
            .bind(now + (i % 90 - 45) * 86400)
            .bind(now - i * 60)
            .fetch_one(&mut *tx)
            .await?;
            for e in 0..EVENTS_PER_SPEC {
                sqlx::query(
                    "INSERT INTO workflow_events (kind, record_id, action, from_state, to_state, actor_id, note, attachments, data, at) VALUES ('spec',$1,$2,$3,$4,$5,'', '[]', '{}', $6)",
                )
                .bind(id)
                .bind(if e == 0 { "propose" } else { "approve_plan" })
                .bind(if e == 0 { "" } else { "proposal" })
                .bind(stage)
                .bind(user)
                .bind(now - i * 60 + e)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
    }
    println!("seed: {SPECS} specifications, {} events in {:.1}s", SPECS * EVENTS_PER_SPEC, t.elapsed().as_secs_f64());

    let run = Instant::now() + std::time::Duration::from_secs(seconds.max(2));
    let (mut list, mut dash, mut hist, mut base) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut i = 0usize;
    while Instant::now() < run {
        let stage = if i % 3 == 0 { None } else { Some(stages[i % stages.len()]) };
        let t = Instant::now();
        store::list(&app, stage, None, i % 2 == 0, ((i % 5) as i64) * 50, 50).await?;
        list.push(t.elapsed().as_secs_f64() * 1000.0);
        let c = 1 + (i as i64 % COMMITTEES);
        let t = Instant::now();
        store::stage_counts(&app, c).await?;
        store::list(&app, None, Some(c), false, 0, 50).await?;
        crate::committees::routes::full(&app, c).await?;
        dash.push(t.elapsed().as_secs_f64() * 1000.0);
        let id = 1 + (i as i64 * 37) % SPECS;
        let t = Instant::now();
        crate::workflow::history(&app.db, &super::FLOW, id).await?;
        hist.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        store::get(&app, id).await?;
        base.push(t.elapsed().as_secs_f64() * 1000.0);
        i += 1;
    }
    line("lifecycle list (50 a page)", &mut list, &mut base);
    line("secretary dashboard (stage counts, list, committee)", &mut dash, &mut base);
    line("history of one specification (20 events)", &mut hist, &mut base);

    // The disposition table of 2,000 comments.
    let comments: Vec<Comment> = (0..2000)
        .map(|k| Comment {
            id: k,
            draft_no: 3,
            clause: format!("{}.{}", 1 + k % 9, 1 + k % 5),
            kind: ["general", "technical", "editorial"][(k % 3) as usize].into(),
            body: "第 4.2 条中“每十五日一次”的维护保养周期过短，建议结合电梯使用频次区分不同场所。".repeat(2),
            proposed: "改为“每月不少于两次，使用频繁的场所每十日一次”。".into(),
            author: format!("意见人 {k}"),
            created_at: now,
            answer: ["accepted", "partly", "not_accepted", ""][(k % 4) as usize].into(),
            reason: "已在征求意见稿第二稿中修改。".into(),
            answered_at: Some(now),
        })
        .collect();
    let mut xl = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let bytes = super::pages::disposition_xlsx(crate::web::Lang::Zh, "电梯维护保养技术规范", &comments)?;
        xl.push(t.elapsed().as_secs_f64());
        anyhow::ensure!(bytes.starts_with(b"PK"), "an XLSX file");
    }
    println!("disposition table: 2000 comments as XLSX, best {:.3}s, worst {:.3}s (target ≤ 1 s)", xl.iter().cloned().fold(f64::MAX, f64::min), xl.iter().cloned().fold(0.0, f64::max));
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
