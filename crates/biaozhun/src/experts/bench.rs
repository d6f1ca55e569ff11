//! `bench --suite experts`: a draw of 7 experts and 3 backups from a pool of 10,000 with
//! every avoidance rule (organisations, persons, the last draws, unavailability on the date),
//! each draw a whole transaction with its snapshot, events and invitation mails, on a fresh
//! SQLite database; beside it a primary-key lookup as the baseline, and the query plan of the
//! eligible query (an index lookup by field).

use super::model::{DrawRequest, ProfileInput};
use crate::web::Lang;
use crate::workflow::Actor;
use std::time::Instant;

/// Fields of the generated pool: ICS codes of the published list (checked at start).
const FIELDS: [&str; 24] = [
    "01.040.13", "03.100.30", "03.120.10", "03.220.20", "11.020", "13.020.10", "13.020.20", "13.030.40", "13.040.20", "13.060.30",
    "13.100", "13.220.20", "17.020", "19.020", "25.040.40", "27.010", "29.020", "33.020", "35.030", "43.020", "65.020.20", "67.040",
    "91.140.10", "97.040.50",
];

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// A valid credit code for organisation `n` (GB 11714 and GB 32100 check characters).
pub fn uscc(n: u32) -> String {
    let org = format!("MA{:06}", n % 1_000_000);
    let first = format!("91350100{org}{}", stdnum::uscc::orgcode::check_char(&org).unwrap_or('0'));
    let check = stdnum::uscc::check_char(&first).unwrap_or('0');
    format!("{first}{check}")
}

/// Fills the pool: `n` approved experts in 1–3 fields each, of 500 organisations, one in
/// twenty unavailable on the review day.
pub async fn fill(app: &crate::App, n: usize, review_day: i64) -> anyhow::Result<()> {
    let fields: Vec<&str> = FIELDS.iter().copied().filter(|f| crate::standards::model::ics_known(f)).collect();
    anyhow::ensure!(fields.len() >= 20, "the ICS list lacks the bench's fields");
    let mut rng = crate::util::XorShift(11);
    let actor = Actor::system(Lang::Zh);
    for start in (0..n).step_by(1000) {
        let mut tx = app.db.begin().await?;
        for i in start..(start + 1000).min(n) {
            let k = 1 + (rng.next() % 3) as usize;
            let own: Vec<&str> = (0..k).map(|_| fields[(rng.next() % fields.len() as u64) as usize]).collect();
            let input = ProfileInput {
                name: format!("专家{i:05}"),
                title: "高级工程师".into(),
                org_name: format!("单位{}", i % 500),
                org_uscc: uscc((i % 500) as u32),
                fields: own.join("; "),
                email: format!("e{i}@bench.example"),
                phone: "13800000000".into(),
                ..Default::default()
            };
            let p = input.check().map_err(|(f, k)| anyhow::anyhow!("{f}: {k}"))?;
            let id = super::store::insert(&mut tx, &p, None, "approved", None).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            crate::workflow::start(&mut tx, app, &super::PROFILE_FLOW, id, &actor, crate::workflow::Step::action("enter")).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            if i % 20 == 0 {
                sqlx::query("INSERT INTO expert_unavailable (expert_id, from_day, to_day) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(review_day - 86400)
                    .bind(review_day + 86400)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
    }
    Ok(())
}

/// The request the bench draws with: two fields, every avoidance rule.
pub fn request(i: usize, review_day: i64) -> DrawRequest {
    DrawRequest {
        fields: vec![FIELDS[i % FIELDS.len()].to_string(), FIELDS[(i * 7 + 3) % FIELDS.len()].to_string()],
        count: 7,
        backups: 3,
        avoid_organisations: (0..20).map(|o| uscc((o * 13 + i as u32) % 500)).collect(),
        avoid_experts: (1..=10).map(|e| (e * 97 + i as i64) % 10_000 + 1).collect(),
        avoid_recent_draws: 5,
        date: Some(crate::util::fmt_date(review_day)),
        seed: Some(i as u64),
        title: format!("bench {i}"),
        answer_days: None,
        online: false,
    }
}

pub async fn bench(seconds: u64) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("biaozhun-experts-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let config = crate::config::Config {
        data_dir: dir.clone(),
        database_url: format!("sqlite://{}/bench.db", dir.display()),
        run_jobs: false,
        rate_limit: crate::config::RateLimit { enabled: false, ..Default::default() },
        ..crate::config::Config::default()
    };
    let app = crate::App::init(config).await?.app;
    println!("experts bench on {}", dir.display());
    let review_day = crate::util::parse_local_date("2031-06-01").unwrap_or(0);
    let t = Instant::now();
    fill(&app, 10_000, review_day).await?;
    println!("pool: 10000 experts in {:.2}s", t.elapsed().as_secs_f64());

    let plan: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN SELECT e.id, e.org_uscc FROM expert_fields f JOIN experts e ON e.id = f.expert_id WHERE f.field = '13.020' AND e.status = 'approved'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap_or_default();
    println!("eligible query plan: {}", plan.iter().map(|p| p.3.as_str()).collect::<Vec<_>>().join(" | "));

    let actor = Actor::system(Lang::Zh);
    let deadline = Instant::now() + std::time::Duration::from_secs(seconds.max(2));
    let (mut lat, mut body, mut base, mut pools) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut i = 0usize;
    while Instant::now() < deadline || i < 20 {
        let req = request(i, review_day);
        let t = Instant::now();
        let mut tx = app.db.begin().await?;
        let d = super::draw::draw_in(&mut tx, &app, &req, Some(review_day), &actor, Lang::Zh).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        body.push(t.elapsed().as_secs_f64() * 1000.0);
        tx.commit().await?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(d.panel.len() == 7 && d.backups.len() == 3, "draw {} gave {:?} {:?}", d.id, d.panel, d.backups);
        let pool: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM expert_fields WHERE field = $1 OR field = $2").bind(&req.fields[0]).bind(&req.fields[1]).fetch_one(&app.db.pool).await?;
        pools.push(pool);
        let t = Instant::now();
        let _ = super::store::get(&app, (i as i64 % 10_000) + 1).await;
        base.push(t.elapsed().as_secs_f64() * 1000.0);
        i += 1;
    }
    let n = lat.len();
    let avg_pool = pools.iter().sum::<i64>() as f64 / pools.len().max(1) as f64;
    let (p50, p99) = (pct(&mut lat, 0.5), pct(&mut lat, 0.99));
    println!(
        "draw 7 + 3 from 10000 (about {avg_pool:.0} in the two fields) with avoidance: {n} draws, p50 {p50:.2} ms, p99 {p99:.2} ms with the commit (target ≤ 20 ms); \
         before the commit p50 {:.2} ms, p99 {:.2} ms; baseline primary-key lookup p50 {:.3} ms",
        pct(&mut body, 0.5),
        pct(&mut body, 0.99),
        pct(&mut base, 0.5)
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
