//! Application state and router assembly.

use crate::config::Config;
use crate::db::Db;
use crate::jobs;
use crate::web::{self, Access, RouteRule, Routes, templates::Templates};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;

#[derive(Clone)]
pub struct App(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub config: Config,
    pub templates: Templates,
    /// The site secret (shared by all servers through the database): signs captcha ids.
    pub secret: Vec<u8>,
    pub jobs: jobs::Registry,
    /// Identifies this process in job leases.
    pub instance_id: String,
    /// Page parts computed for a moment (the portal's home boxes).
    pub cache: web::cache::Cache,
    /// The kernel's pages and every domain, as installed (see [`installed`]).
    pub domains: Vec<web::Domain>,
    /// This server's search index and its follower state.
    pub indexer: std::sync::Arc<crate::indexer::Indexer>,
    /// The domains whose records are searchable.
    pub index_sources: Vec<crate::indexer::Source>,
    /// Rate limits for search and validity checks (this server's counts, synced with the others').
    pub limiter: web::ratelimit::Limiter,
    /// Every declared lifecycle, by kind (checked against the database at start).
    pub flows: crate::workflow::Registry,
}

impl Deref for App {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// What the first start did, for the operator.
pub struct Started {
    pub app: App,
    pub admin_created: Option<(String, String)>,
    pub migrations_applied: Vec<i64>,
}

impl App {
    /// Connects, migrates, loads the shared secret, publishes the outline and makes sure an
    /// administrator exists. For a server; a command line act uses [`App::init_command`].
    pub async fn init(mut config: Config) -> anyhow::Result<Started> {
        // Mailed links need an absolute address: without `base_url`, the one served on.
        config.base_url = config.effective_base_url();
        Self::init_with(config, crate::indexer::Opener::Server).await
    }

    /// As [`App::init`], for a command beside (perhaps) a running server: when a server holds
    /// the search index, the command leaves the indexing of its changes to it.
    pub async fn init_command(config: Config) -> anyhow::Result<Started> {
        Self::init_with(config, crate::indexer::Opener::Command).await
    }

    async fn init_with(config: Config, opener: crate::indexer::Opener) -> anyhow::Result<Started> {
        let acquire = std::time::Duration::from_secs(config.db_acquire_timeout_secs);
        let db = Db::connect_with(&config.effective_database_url(), config.db_pool_size, acquire, config.sqlite_cache_mib).await?;
        let migrations_applied = db.migrate().await?;
        let domains = installed();
        let flows = flows(&domains);
        flows.verify(&db).await?;
        let secret_hex = db.setting_or_insert("secret_key", &hex::encode(rand_bytes())).await?;
        let secret = hex::decode(secret_hex.trim())?;
        let config_data_dir = config.data_dir.clone();
        let app = App(Arc::new(Inner {
            db,
            config,
            templates: Templates::new(),
            secret,
            jobs: registry(&domains),
            instance_id: format!("{}-{}", std::process::id(), crate::util::random_token(6)),
            cache: Default::default(),
            indexer: std::sync::Arc::new(crate::indexer::Indexer::open(&config_data_dir, opener)?),
            index_sources: domains.iter().filter_map(|d| d.search).collect(),
            limiter: Default::default(),
            flows,
            domains,
        }));
        crate::content::seed::publish_outline(&app).await?;
        crate::auth::store::fill_skeletons(&app).await?;
        let admin_created = crate::auth::store::ensure_admin(&app).await?;
        Ok(Started { app, admin_created, migrations_applied })
    }

    pub fn router(&self) -> Router {
        let (router, _) = routes_of(&self.domains).into_parts();
        router
            .fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(self.clone(), web::ctx::context_layer))
            .layer(axum::middleware::from_fn_with_state(self.clone(), web::ctx::security_headers))
            .layer(DefaultBodyLimit::max(self.config.max_upload_bytes + 64 * 1024))
            .with_state(self.clone())
    }

    /// Serves until `shutdown` resolves.
    pub async fn serve(self, listener: tokio::net::TcpListener, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        if self.config.run_jobs {
            jobs::spawn_worker(self.clone());
        }
        crate::indexer::spawn_follower(self.clone());
        web::ratelimit::spawn_sync(self.clone());
        let router = self.router();
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown)
            .await?;
        Ok(())
    }
}

fn rand_bytes() -> [u8; 32] {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

async fn not_found() -> web::AppError {
    web::AppError::NotFound
}

/// Everything the house runs, in one place: the kernel's own pages and API first, then the
/// domains. Adding a domain is one line here (its `install()` gives the rest).
pub fn installed() -> Vec<web::Domain> {
    vec![
        house(),
        crate::auth::install(),
        crate::orgs::install(),
        crate::jobs::install(),
        crate::membership::install(),
        crate::content::install(),
        crate::training::install(),
        crate::programmes::install(),
        crate::committees::install(),
        crate::specs::install(),
        crate::standards::install(),
        crate::tbt::install(),
        crate::experts::install(),
        crate::strategy::install(),
        crate::registry::install(),
        crate::portal::install(),
        crate::signs::install(),
    ]
}

/// Every lifecycle run by the workflow engine.
fn flows(domains: &[web::Domain]) -> crate::workflow::Registry {
    let mut r = crate::workflow::Registry::default();
    for flow in domains.iter().flat_map(|d| d.flows.iter()) {
        r.add(*flow);
    }
    r
}

/// Every job kind.
fn registry(domains: &[web::Domain]) -> jobs::Registry {
    let mut r = jobs::Registry::default();
    for register in domains.iter().filter_map(|d| d.jobs) {
        register(&mut r);
    }
    r
}

/// Every route of the site with its access rule.
pub fn routes() -> Routes {
    routes_of(&installed())
}

/// The house itself: the health check, the static files, the API document, and the
/// migrations shared by the kernel (the first schema, from before the rooms had files of
/// their own, which still holds the first tables of accounts, jobs, organisations,
/// membership and content; the search change log and uploads; the rate counts; the
/// workflow event log; the rolled-up counts, `db::tallies`).
fn house() -> web::Domain {
    fn routes() -> Routes {
        Routes::new()
            .get("/healthz", Access::Public, health)
            .get("/static/{*path}", Access::Public, web::assets::serve)
            .get("/api/v1/openapi.json", Access::Public, crate::web::openapi::document)
    }
    web::Domain { migrations: &["0001_foundation", "0003_search", "0004_rate_counts", "0007_workflow", "0135_tallies"], ..web::Domain::new("house", routes) }
}

fn routes_of(domains: &[web::Domain]) -> Routes {
    let mut r = Routes::new();
    for d in domains {
        r = r.merge((d.routes)());
    }
    r
}

pub fn route_table() -> Vec<RouteRule> {
    routes().into_parts().1
}

/// 200 with the schema version, or 503 (JSON, `Retry-After`) while the database cannot be
/// reached, so a load balancer takes this server out of rotation until it recovers.
async fn health(axum::extract::State(app): axum::extract::State<App>) -> axum::response::Response {
    use axum::response::IntoResponse;
    match app.db.schema_version().await {
        Ok(version) => axum::Json(serde_json::json!({
            "status": "ok",
            "database": app.db.kind.as_str(),
            "schema_version": version,
            "version": env!("CARGO_PKG_VERSION"),
        }))
        .into_response(),
        Err(e) => {
            tracing::warn!("health check: database: {e}");
            let status = match crate::db::fault(&e) {
                Some(_) => axum::http::StatusCode::SERVICE_UNAVAILABLE,
                None => axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            };
            let mut resp = (
                status,
                axum::Json(serde_json::json!({
                    "status": "unavailable",
                    "database": app.db.kind.as_str(),
                    "error": if status == axum::http::StatusCode::SERVICE_UNAVAILABLE { "database unreachable" } else { "database error" },
                    "version": env!("CARGO_PKG_VERSION"),
                })),
            )
                .into_response();
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(web::error::RETRY_AFTER_SECS));
            resp
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::web::{Lang, i18n};

    /// The OpenAPI document is the rooms' documents merged, and a merge keeps the first
    /// schema of a name: two rooms naming different bodies alike (`CreateIn`) would make the
    /// document describe one room's body with another's. Each name is one schema.
    #[test]
    fn no_two_rooms_give_one_schema_name_to_different_bodies() {
        let mut seen: std::collections::BTreeMap<String, (&str, String)> = Default::default();
        let mut faults = Vec::new();
        for d in super::installed() {
            let Some(api) = d.api else { continue };
            let Some(components) = api().components else { continue };
            for (name, schema) in components.schemas {
                let body = serde_json::to_string(&schema).unwrap_or_default();
                match seen.get(&name) {
                    Some((room, other)) if *other != body => faults.push(format!("{name}: {room} and {} describe different bodies", d.name)),
                    Some(_) => {}
                    None => {
                        seen.insert(name, (d.name, body));
                    }
                }
            }
        }
        assert!(faults.is_empty(), "rename one of each (e.g. SpecIn): {}", faults.join("; "));
    }

    /// Every file under `migrations/` belongs to exactly one installed room, and every name a
    /// room gives is a file: a new migration must be named in its room's `install()`.
    #[test]
    fn every_migration_is_claimed_by_exactly_one_room() {
        let domains = super::installed();
        let mut owner: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for d in &domains {
            for m in d.migrations {
                owner.entry(*m).or_default().push(d.name);
            }
        }
        let files: Vec<&str> = crate::db::MIGRATIONS.iter().map(|m| m.name).collect();
        let mut faults = Vec::new();
        for f in &files {
            match owner.get(f).map(Vec::as_slice) {
                None | Some([]) => faults.push(format!("{f}.sql is claimed by no room: list it in its room's install() (`migrations`)")),
                Some([_]) => {}
                Some(rooms) => faults.push(format!("{f}.sql is claimed by {}", rooms.join(" and "))),
            }
        }
        for (name, rooms) in &owner {
            if !files.contains(name) {
                faults.push(format!("{} names {name}, which is no file under migrations/", rooms.join(", ")));
            }
        }
        assert!(faults.is_empty(), "{}", faults.join("\n"));
    }

    /// The codes the importers name where they make a problem (the last argument of
    /// `problem(…)` or `Problem::new(…)` when it is a literal).
    fn codes_in(source: &str) -> Vec<String> {
        let mut out = Vec::new();
        for token in ["problem(", "Problem::new("] {
            for (at, _) in source.match_indices(token) {
                let rest = &source[at + token.len()..];
                let mut depth = 1;
                let Some(end) = rest.char_indices().find_map(|(i, c)| {
                    depth += match c {
                        '(' => 1,
                        ')' => -1,
                        _ => 0,
                    };
                    (depth == 0).then_some(i)
                }) else {
                    continue;
                };
                let args = rest[..end].trim_end();
                if let Some(lit) = args.strip_suffix('"').and_then(|a| a.rsplit_once('"')).map(|(_, l)| l) {
                    out.push(lit.to_string());
                }
            }
        }
        out
    }

    #[test]
    fn every_import_problem_code_is_worded_in_both_languages() {
        let sources = [include_str!("imports/table.rs"), include_str!("standards/import.rs"), include_str!("tbt/import.rs")];
        let codes: Vec<String> = sources.iter().flat_map(|s| codes_in(s)).collect();
        assert!(codes.len() >= 15, "the scan finds the importers' codes: {codes:?}");
        for code in &codes {
            for lang in Lang::ALL {
                assert!(i18n::lookup(lang, &format!("problem.{code}")).is_some(), "problem.{code} has no {} text", lang.code());
            }
        }
    }

}
