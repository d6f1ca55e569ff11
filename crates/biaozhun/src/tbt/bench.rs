//! `bench`: TBT and SPS figures on a fresh SQLite database — import rate of a mixed corpus
//! (a third SPS, some emergency), search p99 against a baseline (a primary-key lookup), and
//! matching 1,000 new notifications of both kinds against 10,000 subscriptions (some kept to
//! one agreement or to SPS objectives) with the in-memory matcher (baseline: the nested loop
//! it replaces). Targets: import ≥ 10,000/s, search p99 ≤ 20 ms over 100,000, matching ≤ 0.2 s.
//! `TBT_BENCH_N` sets the corpus size (default 100,000; a few thousand for a debug smoke run).

use super::model::{self, Matcher, Record, Sub, Target};
use std::time::Instant;

/// Real notifications (WTO TBT, via the public examples in shared/data/samples) as shapes to vary.
const EXAMPLES: &str = include_str!("../../seed/tbt_notifications_examples.jsonl");

fn hs_codes() -> Vec<String> {
    let mut v: Vec<String> = super::codes::HS.entries.keys().filter(|c| c.len() >= 4).cloned().collect();
    v.sort();
    v
}

/// Notifications shaped like the real examples: member, HS codes from the list, ICS,
/// objectives, a relative or absolute deadline, English and Chinese texts.
pub fn generate(n: usize, seed: u64) -> Vec<Record> {
    let examples: Vec<serde_json::Value> = EXAMPLES.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let hs = hs_codes();
    let members: Vec<&str> = super::members::MEMBERS.iter().map(|m| m.code).collect();
    let ics: Vec<String> = super::codes::ICS.keys().cloned().collect();
    let mut rng = crate::util::XorShift(seed | 1);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let ex = &examples[i % examples.len().max(1)];
        let member = rng.pick(&members).to_string();
        let code = if member.len() <= 4 { member.clone() } else { "USA".into() };
        let year = 2015 + (i % 11);
        let dist = format!("{year}-{:02}-{:02}", 1 + rng.next() % 12, 1 + rng.next() % 28);
        let comment_text = if i % 2 == 0 {
            "60 days from notification".to_string()
        } else {
            model::add_days(&dist, 45).unwrap_or_default()
        };
        let h1 = rng.pick(&hs).clone();
        let h2 = rng.pick(&hs).clone();
        // Every third record is an SPS notification: an SPS objective, an international
        // body, and every twentieth of them an emergency measure.
        let sps = i % 9 >= 6;
        let series = if sps { "SPS" } else { "TBT" };
        let mut r = Record {
            symbols: vec![format!("G/{series}/N/{code}/{}", 10000 + i)],
            member: code.clone(),
            members: vec![code],
            distribution_date: Some(dist.clone()),
            agency: ex["agency"].as_str().unwrap_or("").into(),
            products_text: ex["products_text"].as_str().unwrap_or("").into(),
            hs: vec![h1, h2],
            ics: vec![rng.pick(&ics).clone()],
            title: format!("{} #{i}", ex["title"].as_str().unwrap_or("")),
            description: ex["description"].as_str().unwrap_or("").into(),
            objectives: ex["objectives"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect())
                .unwrap_or_default(),
            language: ex["record_language"].as_str().unwrap_or("en").into(),
            comment_deadline: model::comment_deadline(&comment_text, Some(&dist)),
            comment_text,
            ..Default::default()
        };
        r.member_text = r.member.clone();
        if sps {
            let (_, names) = super::sps::OBJECTIVES[(rng.next() % 5) as usize];
            r.objectives = vec![names[0].to_string()];
            r.intl_standards = vec![super::sps::STANDARDS[(rng.next() % 4) as usize].to_string()];
            r.conformity = if i % 2 == 0 { "yes".into() } else { "no".into() };
            r.emergency = i % 20 == 2;
            r.enquiry_point = "SPS Enquiry Point".into();
        }
        out.push(r);
    }
    out
}

fn subscriptions(n: usize, seed: u64) -> Vec<Sub> {
    let hs = hs_codes();
    let members: Vec<&str> = super::members::MEMBERS.iter().map(|m| m.code).collect();
    let groups = ["ASEAN", "EU", "RCEP", "GZ"];
    let mut rng = crate::util::XorShift(seed | 1);
    (0..n)
        .map(|i| {
            let chosen: Vec<String> = if i % 3 == 0 {
                vec![rng.pick(&groups).to_string()]
            } else {
                vec![rng.pick(&members).to_string()]
            };
            Sub {
                id: i as i64,
                members: model::expand_markets(&chosen),
                chosen,
                hs: vec![rng.pick(&hs)[..4].to_string(), rng.pick(&hs)[..2].to_string()],
                ics: vec![],
                keywords: if i % 10 == 0 { vec!["seed".into()] } else { vec![] },
                agreements: match i % 4 {
                    1 => vec!["tbt".into()],
                    2 => vec!["sps".into()],
                    _ => vec![],
                },
                sps_objectives: if i % 7 == 0 { vec![super::sps::OBJECTIVES[i % 5].0.to_string()] } else { vec![] },
            }
        })
        .collect()
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

pub async fn bench(seconds: u64) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let config = crate::config::Config {
        data_dir: dir.clone(),
        database_url: format!("sqlite://{}/bench.db", dir.display()),
        run_jobs: false,
        rate_limit: crate::config::RateLimit { enabled: false, ..Default::default() },
        ..crate::config::Config::default()
    };
    let app = crate::App::init(config).await?.app;
    println!("TBT bench on {}", dir.display());

    // Import.
    let n: usize = std::env::var("TBT_BENCH_N").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000).max(100);
    let recs = generate(n, 7);
    let sps = recs.iter().filter(|r| r.agreement() == "sps").count();
    let t = Instant::now();
    for chunk in recs.chunks(super::store::TX_BATCH) {
        super::store::upsert_batch(&app, chunk).await?;
    }
    super::store::link_parents(&app).await?;
    let secs = t.elapsed().as_secs_f64();
    println!("import: {n} notifications ({sps} SPS) in {secs:.2}s = {:.0}/s (target ≥ 10000/s)", n as f64 / secs);
    let t = Instant::now();
    crate::indexer::follow_once(&app).await?;
    println!("index: {:.2}s", t.elapsed().as_secs_f64());

    // Search p99 against a primary-key lookup baseline.
    let queries = ["seed", "种子", "labelling", "卫生用品", "biocidal", "quality grading"];
    let filters = [None, Some(("member", "ASEAN")), Some(("hs", "84")), Some(("open", "1")), Some(("agreement", "sps")), Some(("objective", "food_safety"))];
    let deadline = Instant::now() + std::time::Duration::from_secs(seconds.max(3));
    let mut lat = Vec::new();
    let mut base = Vec::new();
    let mut i = 0usize;
    while Instant::now() < deadline {
        let mut f = super::store::Filters {
            q: Some(queries[i % queries.len()].into()),
            ..Default::default()
        };
        match filters[i % filters.len()] {
            Some(("member", v)) => f.member = Some(v.into()),
            Some(("hs", v)) => f.hs = Some(v.into()),
            Some(("open", v)) => f.open = Some(v.into()),
            Some(("agreement", v)) => f.agreement = Some(v.into()),
            Some(("objective", v)) => f.objective = Some(v.into()),
            _ => {}
        }
        let t = Instant::now();
        let _ = super::store::search(&app, &f, "zh-CN", true).await?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
        let t = Instant::now();
        let _ = super::store::get(&app, 1 + (i as i64 % n as i64), "zh-CN").await?;
        base.push(t.elapsed().as_secs_f64() * 1000.0);
        i += 1;
    }
    println!(
        "search: {} queries, p50 {:.2} ms, p99 {:.2} ms (target ≤ 20 ms); baseline record fetch p99 {:.2} ms",
        lat.len(),
        pct(&mut lat.clone(), 0.5),
        pct(&mut lat, 0.99),
        pct(&mut base, 0.99)
    );

    // Where a search's time goes, per filter: building the query, the index with and
    // without facet counts, and loading the page's records.
    for (label, filter) in [("text", None), ("ASEAN", Some(("member", "ASEAN"))), ("HS 84", Some(("hs", "84"))), ("open", Some(("open", "1"))), ("SPS", Some(("agreement", "sps")))] {
        let (mut build, mut with_f, mut without_f, mut load) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut hits = 0usize;
        for (k, q) in queries.iter().cycle().take(60).enumerate() {
            let mut f = super::store::Filters {
                q: Some((*q).into()),
                ..Default::default()
            };
            match filter {
                Some(("member", v)) => f.member = Some(v.into()),
                Some(("hs", v)) => f.hs = Some(v.into()),
                Some(("open", v)) => f.open = Some(v.into()),
                Some(("agreement", v)) => f.agreement = Some(v.into()),
                _ => {}
            }
            let t = Instant::now();
            let mut iq = super::store::build_query(&app, &f).await?;
            build.push(t.elapsed().as_secs_f64() * 1000.0);
            iq.limit = 20;
            let t = Instant::now();
            let res = app.indexer.index.search(&iq)?;
            hits += res.total;
            without_f.push(t.elapsed().as_secs_f64() * 1000.0);
            iq.facet_fields = super::store::FACETS.iter().map(|s| s.to_string()).collect();
            let t = Instant::now();
            let _ = app.indexer.index.search(&iq)?;
            with_f.push(t.elapsed().as_secs_f64() * 1000.0);
            let ids: Vec<i64> = res.hits.iter().filter_map(|h| crate::indexer::id_of(super::DOMAIN, &h.key)).collect();
            let t = Instant::now();
            let _ = super::store::by_ids(&app, &ids, if k % 2 == 0 { "zh-CN" } else { "en" }).await?;
            load.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        println!(
            "  search parts, {label} ({} hits/query): build p99 {:.2} ms, index p99 {:.2} ms (with facets p50 {:.2} / p99 {:.2} ms), load page p99 {:.2} ms",
            hits / 60,
            pct(&mut build, 0.99),
            pct(&mut without_f, 0.99),
            pct(&mut with_f.clone(), 0.5),
            pct(&mut with_f, 0.99),
            pct(&mut load, 0.99)
        );
    }

    if std::env::var("TBT_BENCH_FACETS").is_ok() {
        let base = super::store::build_query(&app, &super::store::Filters { q: Some("seed".into()), ..Default::default() }).await?;
        for facet in super::store::FACETS {
            let mut iq = base.clone();
            iq.limit = 20;
            iq.facet_fields = vec![facet.to_string()];
            let mut v = Vec::new();
            let mut n = 0;
            for _ in 0..30 {
                let t = Instant::now();
                let r = app.indexer.index.search(&iq)?;
                v.push(t.elapsed().as_secs_f64() * 1000.0);
                n = r.facets.values().map(|x| x.len()).sum::<usize>();
            }
            println!("  facet {facet} alone: p50 {:.2} ms ({n} values)", pct(&mut v, 0.5));
        }
    }

    // Matching.
    let subs = subscriptions(10_000, 11);
    let new = generate(1_000, 99);
    let texts: Vec<String> = new.iter().map(|r| r.text_lower()).collect();
    let objs: Vec<Vec<&str>> = new.iter().map(|r| super::sps::objective_keys(&r.objectives)).collect();
    let t = Instant::now();
    let m = Matcher::new(subs.clone());
    let built = t.elapsed().as_secs_f64();
    let mut hits = 0;
    for ((r, text), o) in new.iter().zip(&texts).zip(&objs) {
        hits += m
            .matches(&Target {
                agreement: r.agreement(),
                sps_objectives: o,
                members: &r.members,
                hs: &r.hs,
                ics: &r.ics,
                text,
            })
            .len();
    }
    let indexed = t.elapsed().as_secs_f64();
    // The nested loop takes minutes: it runs over the first SAMPLE notifications and its time
    // is scaled to the 1,000.
    const SAMPLE: usize = 20;
    let t = Instant::now();
    let mut naive_hits = 0;
    for ((r, text), o) in new.iter().zip(&texts).zip(&objs).take(SAMPLE) {
        for s in &subs {
            let single = Matcher::new(vec![s.clone()]);
            naive_hits += single
                .matches(&Target {
                    agreement: r.agreement(),
                    sps_objectives: o,
                    members: &r.members,
                    hs: &r.hs,
                    ics: &r.ics,
                    text,
                })
                .len();
        }
    }
    let naive = t.elapsed().as_secs_f64() * (new.len() as f64 / SAMPLE as f64);
    let sample_hits: usize = {
        let mut n = 0;
        for ((r, text), o) in new.iter().zip(&texts).zip(&objs).take(SAMPLE) {
            n += m.matches(&Target { agreement: r.agreement(), sps_objectives: o, members: &r.members, hs: &r.hs, ics: &r.ics, text }).len();
        }
        n
    };
    assert_eq!(sample_hits, naive_hits, "the indexed matcher finds what the nested loop finds");
    println!(
        "matching: 1000 × 10000 in {indexed:.3}s with the index, of which {built:.3}s building it ({hits} matches, TBT and SPS; target ≤ 0.2 s); nested loop baseline ≈ {naive:.2}s (scaled from {SAMPLE}; same {naive_hits} matches on those)"
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("biaozhun-tbt-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
