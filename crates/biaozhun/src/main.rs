//! `biaozhun`: serve the platform, migrate, administer users, back up, benchmark.

use biaozhun::App;
use biaozhun::config::Config;
use clap::{Parser, Subcommand};
use std::io::Read;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "biaozhun", version, about = "The standardization platform of a city")]
struct Cli {
    /// Configuration file (default ./biaozhun.toml when present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data directory (embedded database, search index); also BIAOZHUN_DATA_DIR.
    #[arg(long, global = true)]
    data: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the web server (and background jobs).
    Serve {
        /// Listen address; also BIAOZHUN_BIND.
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply database migrations, bring the search index up to date and exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Write a consistent backup while the server runs (SQLite file copy, or portable archive).
    Backup {
        /// Output file (default <data>/backups/biaozhun-<time>.db, or .jsonl.gz for an archive).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write the portable archive on SQLite too (always so on PostgreSQL): it restores
        /// into either backend, e.g. to move from SQLite to PostgreSQL.
        #[arg(long)]
        archive: bool,
    },
    /// Import records from a file (format detected); progress is shown as a bar.
    Import {
        #[command(subcommand)]
        what: ImportCmd,
    },
    /// Restore a backup: an archive (from either backend) loads into an empty database; an
    /// SQLite file replaces the SQLite database file (stop the server first).
    Restore { file: PathBuf },
    /// Administrative maintenance.
    Admin {
        #[command(subcommand)]
        cmd: AdminCmd,
    },
    /// Measure the figures named in the issues (see docs/benchmarks.md).
    Bench {
        /// Which figures: foundation (home page, login, memory), standards, relevance (the
        /// judged queries alone), tbt, training (exam answer saves, certificate verification),
        /// experts, programmes (the staff application list), specs, strategy, registry (affected
        /// products, declaration search), signs (district statistics over 200,000 signs).
        #[arg(long, default_value = "foundation")]
        suite: String,
        /// Seconds each load phase runs.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Concurrent clients for the page benchmarks.
        #[arg(long, default_value_t = 32)]
        clients: usize,
        /// Folder with the full catalogues (`catalogues/iso.jsonl.gz`, `catalogues/iec.jsonl.gz`)
        /// and `samples/`, for the standards and relevance suites; default `$BIAOZHUN_DATA`,
        /// else `../shared/data`.
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ImportCmd {
    /// Standards: CSV, XLSX or JSONL (plain or .gz), Chinese or English column names,
    /// and the relaton ISO/IEC catalogues.
    /// Several files (the ISO and the IEC catalogues) are stored as one import.
    Standards {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// WTO TBT and SPS notifications: the ePing export (CSV or XLSX) or JSONL.
    Tbt { file: PathBuf },
    /// People (trainees, organisations' staff): CSV or XLSX of name, e-mail and organisation
    /// credit code (Chinese or English headings); confirmed ordinary accounts, attached to the
    /// organisation, an existing address matched; refused rows reported.
    People { file: PathBuf },
    /// An existing expert pool: XLSX or CSV, matched by e-mail address or identity number.
    Experts { file: PathBuf },
    /// Specific trade concerns raised in the WTO TBT and SPS committees: CSV, XLSX or JSONL.
    TradeConcerns { file: PathBuf },
    /// Technical committees: the ISO/IEC committee list (iso_technical_committees.csv) or a
    /// CSV/XLSX of national, provincial and city committees.
    Committees { file: PathBuf },
    /// A standardization strategy outline as structure (TOML or JSON, as
    /// seed/strategy/guangzhou-2013-2020.toml): goals, tasks, departments, indicators.
    Outline { file: PathBuf },
    /// Products of an organisation (registry): CSV or XLSX of name, model, GTIN, HS code and
    /// standards followed; each row saved once under (organisation, name, model).
    Products {
        file: PathBuf,
        /// The organisation's unified social credit code.
        #[arg(long)]
        org: String,
    },
    /// Public information signs: CSV or XLSX of code, district, street, address, type,
    /// standard, latitude, longitude, sign set and owner's credit code; a known code updates
    /// its sign; refused rows reported with their line and column.
    Signs { file: PathBuf },
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Rebuild every rolled-up count (the strategy indicators' tallies) from the records and
    /// print each one's value before and after (docs/strategy.md, "Tallies").
    Recount,
    /// Rebuild the search index from the database, with a progress bar. Running servers
    /// (on this data directory or elsewhere, on PostgreSQL) rebuild theirs when their
    /// follower reads the request from the change log.
    Reindex,
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create a confirmed account (ordinary, or an administrator with --admin); the password
    /// is read from standard input.
    Create {
        name: String,
        /// Make it an administrator (and staff); without it the account has no roles.
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        email: Option<String>,
    },
    /// Set the roles of an account (expert, staff, admin), with the reason for the audit log.
    Roles {
        name: String,
        /// Comma-separated; empty removes all.
        #[arg(long, default_value = "")]
        set: String,
        #[arg(long)]
        reason: String,
    },
    /// Make a personal API token for an account and print it (it is stored hashed and shown
    /// only this once; the owner sees and can revoke it on /account).
    Token {
        name: String,
        /// What the token is for, as listed on /account.
        #[arg(long, default_value = "command line")]
        label: String,
        /// What it may do, comma-separated: read (always), write (any change), admin
        /// (administrator routes if the account is an administrator, and token management).
        /// The default is everything the account may do.
        #[arg(long, default_value = "read,write,admin")]
        scope: String,
    },
}

/// The account a `biaozhun user …` command names (user name or mail address).
async fn account(app: &App, name: &str) -> anyhow::Result<biaozhun::auth::store::Account> {
    biaozhun::auth::store::find_by_account(app, name).await.map_err(|e| anyhow::anyhow!("{e}"))?.ok_or_else(|| anyhow::anyhow!("no account {name:?}"))
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut cfg = Config::load(cli.config.as_deref())?;
    if let Some(d) = &cli.data {
        cfg.data_dir = d.clone();
    }
    Ok(cfg)
}

/// mimalloc instead of the system allocator: imports, indexing and request handling make
/// many short-lived strings, and glibc's malloc spent a fifth of an import's time in
/// malloc/free and consolidation (perf, docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// For a command that runs once and exits (an import): memory freed is kept for the next
/// allocation instead of being handed back to the system and faulted in again (a tenth of
/// a catalogue import's time went to page faults on fresh memory). A server keeps the
/// default, which returns what it no longer uses.
fn keep_freed_pages() {
    // `mi_option_purge_delay` in mimalloc.h (v2 and v3), which the bindings do not name:
    // between `eager_commit_delay` (14) and `use_numa_nodes` (16).
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = libmimalloc_sys::mi_option_use_numa_nodes - 1;
    // SAFETY: sets one of mimalloc's options (-1: never purge); thread-safe, any value valid.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) };
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Colour only on a terminal: a log written to a file or a journal stays plain text.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("BIAOZHUN_LOG").unwrap_or_else(|_| "info,sqlx=error".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()))
        .init();
    let cli = Cli::parse();
    let mut cfg = load_config(&cli)?;
    match cli.cmd {
        Cmd::Serve { bind } => {
            if let Some(b) = bind {
                cfg.bind = b;
            }
            // Listen first, so that mailed links name the address actually served (a port
            // of 0 included) when `base_url` is not set.
            let listener = tokio::net::TcpListener::bind(&cfg.bind).await?;
            cfg.bind = listener.local_addr()?.to_string();
            // The stop signal is heard from here on, before "listening" is printed.
            let shutdown = shutdown_signal();
            let started = App::init(cfg).await?;
            if let Some((name, pw)) = &started.admin_created {
                println!("\n  First start: an administrator account was created.\n    account:  {name}\n    password: {pw}\n  Change it on your account page (/account) after logging in. It is not shown again.\n");
            }
            if started.app.config.smtp.host.is_empty() {
                println!("  No SMTP relay is configured: mail stays in the site's outbox (/admin/outbox); an administrator can confirm accounts and issue reset links on /admin/users.");
            }
            let db = started.app.db.kind.as_str();
            println!("biaozhun listening on http://{} ({db})", listener.local_addr()?);
            let indexer = started.app.indexer.clone();
            started.app.serve(listener, shutdown).await?;
            indexer.discard_private_copy().await;
        }
        Cmd::Migrate => {
            let started = App::init_command(cfg).await?;
            // The search index brought up to date as a server's first start would (the
            // outline just published is in it), unless a running server holds it.
            biaozhun::indexer::ensure_built(&started.app).await?;
            biaozhun::indexer::follow_once(&started.app).await?;
            println!("schema version {} (applied now: {:?})", started.app.db.schema_version().await?, started.migrations_applied);
        }
        Cmd::User { cmd: UserCmd::Create { name, admin, email } } => {
            let mut pw = String::new();
            std::io::stdin().read_to_string(&mut pw)?;
            let pw = pw.trim_end_matches(['\r', '\n']).to_string();
            if let Err(k) = biaozhun::auth::password::check_policy(&pw, &name, "") {
                anyhow::bail!("{}", biaozhun::web::i18n::t(biaozhun::web::Lang::En, k));
            }
            let app = App::init_command(cfg).await?.app;
            let email = email.unwrap_or_else(|| format!("{name}@localhost"));
            let id = biaozhun::auth::store::create_confirmed(&app, &name, &email, &pw, admin).await?;
            let action = if admin { "user.create_admin" } else { "user.create" };
            biaozhun::auth::audit::log_command_line(&app.db.pool, action, format!("user:{id}"), format!("{name} <{email}>")).await?;
            if admin {
                println!("created administrator {name} (id {id})");
            } else {
                println!("created account {name} (id {id}), confirmed, no roles");
            }
        }
        Cmd::User { cmd: UserCmd::Roles { name, set, reason } } => {
            let app = App::init_command(cfg).await?.app;
            let roles = set
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| biaozhun::auth::Role::parse(s).ok_or_else(|| anyhow::anyhow!("unknown role {s:?} (expert, staff, admin)")))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let acct = account(&app, &name).await?;
            if reason.trim().is_empty() {
                anyhow::bail!("--reason is required");
            }
            let mut tx = app.db.begin().await?;
            let (added, removed) = biaozhun::auth::store::set_roles(&mut tx, acct.id, &roles, None).await?;
            let detail = serde_json::json!({ "added": added, "removed": removed, "reason": reason }).to_string();
            biaozhun::auth::audit::log_command_line(&mut *tx, "user.roles_changed", format!("user:{}", acct.id), detail).await?;
            tx.commit().await?;
            println!("{name}: added {added:?}, removed {removed:?}");
        }
        Cmd::User { cmd: UserCmd::Token { name, label, scope } } => {
            let scopes = biaozhun::auth::tokens::Scopes::parse(&scope).map_err(|e| anyhow::anyhow!("--scope: {e}"))?;
            let app = App::init_command(cfg).await?.app;
            let acct = account(&app, &name).await?;
            let maker = biaozhun::auth::tokens::Maker { user_id: acct.id, via: None };
            let mut tx = app.db.begin().await?;
            let (info, token) = biaozhun::auth::tokens::create(&mut tx, &maker, &label, scopes).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            // Recorded like the web path's `token.create`, with the command line as the actor.
            let detail = format!("{} ({}) for {name}", info.name, scopes.to_db());
            biaozhun::auth::audit::log_command_line(&mut *tx, "token.create", format!("token:{}", info.id), detail).await?;
            tx.commit().await?;
            println!("{token}");
        }
        Cmd::Admin { cmd: AdminCmd::Recount } => {
            let app = App::init_command(cfg).await?.app;
            let rows = biaozhun::db::tallies::recount_all(&app).await?;
            let mut changed = 0;
            for (key, before, now) in &rows {
                let was = before.map_or_else(|| "-".to_string(), |b| b.to_string());
                changed += usize::from(*before != Some(*now));
                println!("{key:<44} {was:>10} -> {now}");
            }
            let summary = format!("{} tallies, {changed} corrected or filled", rows.len());
            biaozhun::auth::audit::log_command_line(&app.db.pool, "tallies.recount", "tallies".into(), summary.clone()).await?;
            println!("{summary}");
        }
        Cmd::Admin { cmd: AdminCmd::Reindex } => {
            let app = App::init_command(cfg).await?.app;
            let started = std::time::Instant::now();
            let entry = biaozhun::indexer::request_rebuild(&app).await?;
            let bar = biaozhun::imports::progress_bar("records");
            let summary = match biaozhun::indexer::rebuild_now(&app, &bar).await? {
                Some(n) => {
                    bar.finish();
                    format!("search index rebuilt from the database: {n} records in {:.1} s", started.elapsed().as_secs_f64())
                }
                None => {
                    bar.finish_and_clear();
                    "A server is running on this data directory: it rebuilds its search index from the database when it reads the request from the change log.".to_string()
                }
            };
            biaozhun::auth::audit::log_command_line(&app.db.pool, "search.reindex", format!("search_changes:{entry}"), summary.clone()).await?;
            println!("{summary}");
        }
        Cmd::Backup { out, archive } => {
            let app = App::init_command(cfg.clone()).await?.app;
            let path = biaozhun::db::backup::backup(&app.db, &cfg.data_dir, out, archive).await?;
            // A backup is a copy of every account and record: who took one, and where, is kept.
            biaozhun::auth::audit::log_command_line(&app.db.pool, "backup.write", format!("file:{}", path.display()), String::new()).await?;
            println!("backup written to {}", path.display());
        }
        Cmd::Restore { file } => {
            let target = biaozhun::db::backup::restore(&cfg, &file).await?;
            // Recorded in the restored database, where the next reader of the log looks.
            let db = biaozhun::db::Db::connect(&cfg.effective_database_url(), 1).await?;
            biaozhun::auth::audit::log_command_line(&db.pool, "backup.restore", format!("file:{}", file.display()), target.clone()).await?;
            db.pool.close().await;
            println!("restored {} into {target}", file.display());
        }
        Cmd::Import { what } => {
            keep_freed_pages();
            // A batch of an import touches thousands of pages of the tables and their
            // indexes: kept in memory instead of read again as SQLite's default 2 MiB evicts them.
            if cfg.sqlite_cache_mib == 0 {
                cfg.sqlite_cache_mib = 64;
            }
            let app = App::init_command(cfg).await?.app;
            // An index that followed another database's log (a restored backup) is rebuilt
            // before the import hands its documents to it.
            biaozhun::indexer::ensure_built(&app).await?;
            let (action, summary, file) = match what {
                ImportCmd::Standards { files } => {
                    let summary = biaozhun::standards::import::run_cli(&app, &files).await?;
                    ("standards.import", summary, files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(" "))
                }
                ImportCmd::Tbt { file } => ("tbt.import", biaozhun::tbt::import::run_cli(&app, &file).await?, file.display().to_string()),
                ImportCmd::People { file } => ("people.import", biaozhun::training::people_import::run_cli(&app, &file).await?, file.display().to_string()),
                ImportCmd::Experts { file } => ("experts.import", biaozhun::experts::import::run_cli(&app, &file).await?, file.display().to_string()),
                ImportCmd::TradeConcerns { file } => ("tbt.trade_concerns_import", biaozhun::tbt::stc::run_cli(&app, &file).await?, file.display().to_string()),
                ImportCmd::Committees { file } => ("committees.import", biaozhun::committees::import::run_cli(&app, &file).await?, file.display().to_string()),
                ImportCmd::Outline { file } => ("strategy.import", biaozhun::strategy::store::run_cli(&app, &file).await?, file.display().to_string()),
                ImportCmd::Products { file, org } => ("products.import", biaozhun::registry::import::run_cli(&app, &file, &org).await?, file.display().to_string()),
                ImportCmd::Signs { file } => ("signs.import", biaozhun::signs::import::run_cli(&app, &file).await?, file.display().to_string()),
            };
            biaozhun::auth::audit::log_command_line(&app.db.pool, action, format!("file:{file}"), summary).await?;
            if app.indexer.left_to_server() {
                println!("A server is running on this data directory: it takes these records into its search index from the change log.");
            }
        }
        Cmd::Bench { suite, seconds, clients, corpus } => {
            if let Some(dir) = &corpus {
                anyhow::ensure!(dir.is_dir(), "--corpus: {} is not a folder", dir.display());
                biaozhun::standards::bench::set_corpus(dir);
            }
            match suite.as_str() {
                "foundation" => biaozhun::bench::run(seconds, clients).await?,
                "standards" => biaozhun::standards::bench::bench(seconds).await?,
                "relevance" => biaozhun::standards::bench::relevance_only().await?,
                "tbt" => biaozhun::tbt::bench::bench(seconds).await?,
                "training" => {
                    biaozhun::training::exam_bench::bench(seconds, clients).await?;
                    biaozhun::training::bench::bench(seconds, clients).await?
                }
                "experts" => biaozhun::experts::bench::bench(seconds).await?,
                "programmes" => biaozhun::programmes::bench::bench(seconds).await?,
                "specs" => biaozhun::specs::bench::bench(seconds).await?,
                "strategy" => biaozhun::strategy::bench::bench(seconds).await?,
                "registry" => biaozhun::registry::bench::bench(seconds).await?,
                "signs" => biaozhun::signs::bench::bench(seconds, clients).await?,
                other => anyhow::bail!("unknown suite {other:?} (foundation, standards, relevance, tbt, training, experts, programmes, specs, strategy, registry, signs)"),
            }
        }
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM. The SIGTERM handler is installed when this is called (not
/// when first awaited), so a stop sent right after "listening" is a clean stop too.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        let ctrl_c = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let term = async {
            match term.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    }
}
