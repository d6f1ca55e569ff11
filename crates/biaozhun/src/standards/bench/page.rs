//! A standard's page over HTTP (issue 14: ≥ 3,000 req/s on SQLite, ≥ 2,000 on PostgreSQL):
//! the HTML page and its JSON twin, 32 keep-alive clients going round a list of numbers,
//! beside a bare axum handler measured by the same load generator in the same run.

use crate::App;

/// Documents with the largest pages (long edition chains, amendments, adoptions both ways),
/// then a spread of the catalogue, one record in 1,500 by id.
const HEAVY: [&str; 8] = [
    "ISO 9001:2015",
    "ISO/IEC 27001:2022",
    "ISO 14001:2015",
    "IEC 60335-1:2020",
    "GB/T 19001-2016",
    "ISO 45001:2018",
    "IEC 62368-1:2023",
    "ISO 22301:2019",
];

/// The numbers whose pages are requested: the heavy ones the catalogue holds, and the spread.
pub async fn numbers(app: &App) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for n in HEAVY {
        if super::super::store::get_by_norm(app, n).await?.is_some() {
            out.push(n.to_string());
        }
    }
    let spread: Vec<(String,)> = sqlx::query_as("SELECT norm FROM standards WHERE id % 1500 = 0 ORDER BY id LIMIT 60").fetch_all(&app.db.pool).await?;
    out.extend(spread.into_iter().map(|r| r.0));
    anyhow::ensure!(!out.is_empty(), "no standards to request");
    Ok(out)
}

/// The ceiling of this machine for the same load generator ([`crate::bench::hello`]).
pub async fn baseline(seconds: u64) -> anyhow::Result<()> {
    let l = crate::bench::hello(CLIENTS, seconds.max(1)).await?;
    println!("baseline: axum hello ({CLIENTS} clients): {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms", l.rps(), l.p50_ms, l.p99_ms);
    Ok(())
}

const CLIENTS: usize = 32;

/// Loads the page and the API answer of each of `numbers` from the server at `addr`, and
/// prints a line each, under `backend`.
pub async fn measure(addr: std::net::SocketAddr, backend: &str, numbers: &[String], seconds: u64) -> anyhow::Result<()> {
    let enc = |n: &String| percent_encoding::utf8_percent_encode(n, percent_encoding::NON_ALPHANUMERIC).to_string();
    for (label, prefix) in [("page", "/standards/"), ("API", "/api/v1/standards/")] {
        let urls: Vec<String> = numbers.iter().map(|n| format!("http://{addr}{prefix}{}", enc(n))).collect();
        let l = crate::bench::load(urls, CLIENTS, seconds.max(1)).await;
        println!(
            "a standard's {label} on {backend} ({} numbers, {CLIENTS} clients): {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, errors {}",
            numbers.len(),
            l.rps(),
            l.p50_ms,
            l.p99_ms,
            l.errors
        );
    }
    Ok(())
}
