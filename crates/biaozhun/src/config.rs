//! Configuration: defaults → `biaozhun.toml` → `BIAOZHUN_*` environment → command-line flags.

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Address the web server listens on.
    pub bind: String,
    /// Directory for the embedded database, the search index and backups.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means `sqlite://<data_dir>/biaozhun.db`.
    pub database_url: String,
    /// Public address of the site, used in mailed links. Empty: the address the server
    /// listens on (`http://<bind>`, with an unspecified host read as this machine's loopback).
    pub base_url: String,
    /// Mark cookies `Secure` and send HSTS (set when served over HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_proxy: bool,
    /// Largest accepted upload, in bytes.
    pub max_upload_bytes: usize,
    /// Connections in the database pool.
    pub db_pool_size: u32,
    /// Seconds a request waits for a database connection before it is answered 503.
    pub db_acquire_timeout_secs: u64,
    /// Pages SQLite keeps in memory for each connection, in MiB; 0: SQLite's own default
    /// (about 2 MiB). `biaozhun import` uses 64 unless set.
    pub sqlite_cache_mib: u32,
    /// Run background jobs (mail, digests) in this process.
    pub run_jobs: bool,
    /// Let webhooks reach addresses inside the network (loopback, private and link-local
    /// ranges). Off: a subscriber cannot make the server call its own neighbours.
    pub webhooks_reach_private: bool,
    pub smtp: Smtp,
    /// Limits on search, validity checks and bulk exports, held across servers (see
    /// docs/reliability/security.md).
    pub rate_limit: RateLimit,
    /// What reading one uploaded or imported file may cost (the `imports` room).
    pub imports: ImportLimits,
    /// What the membership page tells visitors membership costs.
    pub membership: MembershipTerms,
}

/// The association's membership fees as its rules state them (free text, shown as written on
/// the membership page); empty: the page says the fee is told on approval.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct MembershipTerms {
    pub fee_organisation: String,
    pub fee_individual: String,
}

/// Bounds on reading one file (an upload, a staff import, a command-line import): past any
/// of them the file is refused with a message naming the setting. Memory while reading stays
/// within a small multiple of `max_expanded_bytes`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ImportLimits {
    /// Bytes a compressed file (gzip, the members of an XLSX or DOCX) may expand to, in all.
    pub max_expanded_bytes: u64,
    /// How many times its own size a compressed file may expand to (checked once the
    /// expanded bytes pass 1 MiB, so small files never trip it).
    pub max_ratio: u64,
    /// Rows of a table (CSV records, JSON lines, the height of a sheet's used range).
    pub max_rows: usize,
    /// Columns of a table (fields of a CSV record, the width of a sheet's used range).
    pub max_columns: usize,
    /// Cells of a table (each row of a sheet counts the full width of the used range).
    pub max_cells: usize,
}

impl Default for ImportLimits {
    fn default() -> Self {
        ImportLimits { max_expanded_bytes: 64 * 1024 * 1024, max_ratio: 100, max_rows: 200_000, max_columns: 256, max_cells: 2_000_000 }
    }
}

/// Requests a minute per client address (anonymous) or per account (logged in), summed over
/// every server (web/ratelimit.rs). `0` means no limit for that budget.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RateLimit {
    /// Switch all limits off (the benchmarks do, as they load the server from one address).
    pub enabled: bool,
    pub search_per_minute: u32,
    pub check_per_minute: u32,
    pub user_search_per_minute: u32,
    pub user_check_per_minute: u32,
    /// Bulk exports (`…/export.csv`, `…/export.xlsx`: up to 10,000 rows each).
    pub export_per_minute: u32,
    pub user_export_per_minute: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            enabled: true,
            search_per_minute: 600,
            check_per_minute: 60,
            user_search_per_minute: 3000,
            user_check_per_minute: 600,
            export_per_minute: 10,
            user_export_per_minute: 60,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Smtp {
    /// SMTP relay host; empty means mail goes to the database outbox only.
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    /// `starttls` (default), `tls` or `none`.
    pub security: String,
    pub from: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./data"),
            database_url: String::new(),
            base_url: String::new(),
            secure_cookies: false,
            trust_proxy: false,
            max_upload_bytes: 10 * 1024 * 1024,
            db_pool_size: 8,
            db_acquire_timeout_secs: 3,
            sqlite_cache_mib: 0,
            run_jobs: true,
            webhooks_reach_private: false,
            smtp: Smtp {
                port: 587,
                security: "starttls".into(),
                from: "biaozhun <noreply@localhost>".into(),
                ..Smtp::default()
            },
            rate_limit: RateLimit::default(),
            imports: ImportLimits::default(),
            membership: MembershipTerms::default(),
        }
    }
}

impl Config {
    /// Loads the layered configuration. `file` defaults to `./biaozhun.toml` when present.
    /// `*_FILE` variables (e.g. `BIAOZHUN_SMTP__PASSWORD_FILE`) are not special-cased:
    /// secrets may be put in the TOML file with restricted permissions instead.
    pub fn load(file: Option<&std::path::Path>) -> anyhow::Result<Config> {
        let path = file
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("biaozhun.toml"));
        let cfg: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(path))
            .merge(Env::prefixed("BIAOZHUN_").split("__"))
            .extract()?;
        Ok(cfg)
    }

    /// `base_url`, or when it is not set the address the server listens on.
    pub fn effective_base_url(&self) -> String {
        if !self.base_url.trim().is_empty() {
            return self.base_url.trim().trim_end_matches('/').to_string();
        }
        let bind = self.bind.trim();
        let host_port = match bind.parse::<std::net::SocketAddr>() {
            Ok(a) if a.ip().is_unspecified() => {
                let lo: std::net::IpAddr = if a.is_ipv4() { std::net::Ipv4Addr::LOCALHOST.into() } else { std::net::Ipv6Addr::LOCALHOST.into() };
                std::net::SocketAddr::new(lo, a.port()).to_string()
            }
            Ok(a) => a.to_string(),
            Err(_) => bind.to_string(),
        };
        format!("http://{host_port}")
    }

    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}/biaozhun.db", self.data_dir.display())
        } else {
            self.database_url.clone()
        }
    }
}
