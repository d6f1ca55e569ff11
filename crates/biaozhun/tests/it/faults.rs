//! Faults: the database goes away (PostgreSQL behind a proxy that we cut) or is locked
//! (SQLite held by another writer). Requests must answer 503 with `Retry-After` and a clear
//! message, fast, and the same server must serve again once the database is back.

use crate::support::*;
use biaozhun::App;
use biaozhun::config::Config;
use biaozhun::web::{Lang, i18n};
use reqwest::{Method, StatusCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy in front of PostgreSQL that can be cut (every connection closed, new ones
/// refused) and restored, like a database server that stops and starts again.
struct Proxy {
    addr: std::net::SocketAddr,
    down: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let down = Arc::new(AtomicBool::new(false));
        let conns: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let (d, c) = (down.clone(), conns.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { continue };
                if d.load(Ordering::SeqCst) {
                    drop(client); // refused: the peer sees the connection closed at once
                    continue;
                }
                let target = target.clone();
                let h = tokio::spawn(async move {
                    if let Ok(mut upstream) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                    }
                });
                c.lock().unwrap().push(h);
            }
        });
        Proxy { addr, down, conns }
    }

    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for h in self.conns.lock().unwrap().drain(..) {
            h.abort();
        }
    }

    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}

async fn serve(config: Config) -> (App, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let config = Config { base_url: format!("http://{addr}"), ..config };
    let started = App::init(config).await.expect("app init");
    let app = started.app.clone();
    tokio::spawn(started.app.serve(listener, std::future::pending()));
    (app, format!("http://{addr}"))
}

/// A cookie-less client: public reads, and the validity check (a public API write).
struct Plain {
    http: reqwest::Client,
    base: String,
}

impl Plain {
    fn new(base: &str) -> Plain {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Plain { http, base: base.to_string() }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Resp {
        let r = req.send().await.expect("request");
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap_or_default();
        Resp { status, text, headers }
    }

    async fn get(&self, path: &str) -> Resp {
        self.send(self.http.get(format!("{}{path}", self.base))).await
    }

    async fn check(&self, text: &str) -> Resp {
        self.send(self.http.post(format!("{}/api/v1/standards/check", self.base)).json(&serde_json::json!({ "text": text }))).await
    }
}

fn assert_unavailable(r: &Resp, what: &str) {
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{what}: {}", r.text);
    let retry: u64 = r.headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("{what}: no Retry-After"));
    assert!(retry > 0 && retry <= 120, "{what}: Retry-After {retry}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_answers_503_fast_then_recovers() {
    let Some(base) = std::env::var("BIAOZHUN_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) else {
        return; // SQLite-only run: the lock scenario below covers it
    };
    let db = crate::support::PgDatabase::create().await;
    let name = db.name.clone();
    let mut url: reqwest::Url = base.parse().expect("database URL");
    let target = format!("{}:{}", url.host_str().unwrap_or("127.0.0.1"), url.port().unwrap_or(5432));
    let proxy = Proxy::start(target).await;
    url.set_host(Some("127.0.0.1")).expect("host");
    url.set_port(Some(proxy.addr.port())).expect("port");
    url.set_path(&format!("/{name}"));

    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        database_url: url.to_string(),
        run_jobs: false,
        db_acquire_timeout_secs: 2,
        ..Config::default()
    };
    let (_app, base_url) = serve(config).await;
    let c = Plain::new(&base_url);
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
    // Reads that need the database (a search is answered from the local index and goes on).
    let detail = "/api/v1/standards/GB%2FT%2019001-2016";
    assert_eq!(c.get(detail).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/policies").await.status, StatusCode::OK);

    proxy.cut();
    let started = Instant::now();
    let h = c.get("/healthz").await;
    assert_unavailable(&h, "healthz during outage");
    assert_eq!(h.json()["status"], "unavailable");
    assert!(started.elapsed() < Duration::from_secs(8), "health check held {:?}", started.elapsed());

    let api = c.get(detail).await;
    assert_unavailable(&api, "API during outage");
    assert_eq!(api.json()["error"]["code"], "unavailable");
    let page = c.get("/policies").await;
    assert_unavailable(&page, "page during outage");
    assert!(page.text.contains(&i18n::t(Lang::Zh, "error.unavailable")), "clear message: {}", page.text);
    let write = c.check("GB/T 19001-2016").await;
    assert_unavailable(&write, "validity check during outage");
    assert!(started.elapsed() < Duration::from_secs(30), "requests did not fail fast: {:?}", started.elapsed());

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = c.get("/healthz").await;
        if r.status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "no recovery without restart: {} {}", r.status, r.text);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(c.get(detail).await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/policies").await.status, StatusCode::OK);
    let r = c.check("GB/T 19001-2016").await;
    assert!(r.status.is_success(), "check after recovery: {} {}", r.status, r.text);
}

/// SQLite: another process holds the write lock longer than the busy timeout. Writes answer
/// 503 (not 500), reads go on (WAL), and once the lock is released writes succeed again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_locked_database_answers_503_then_recovers() {
    let t = TestApp::start(Backend::Sqlite).await;
    let u = t.user("lockfault").await;
    let mut locker = <sqlx::AnyConnection as sqlx::Connection>::connect(&t.app.config.effective_database_url()).await.expect("second connection");
    sqlx::raw_sql("BEGIN EXCLUSIVE; INSERT INTO settings (key, value) VALUES ('fault_lock', '1')").execute(&mut locker).await.expect("take the write lock");

    let add = serde_json::json!({"numbers": "GB/T 19001-2016", "frequency": "immediate"});
    let (api, page) = tokio::join!(
        u.api(Method::POST, "/api/v1/standards/watchlist", Some(add.clone())),
        u.post_form("/standards/watchlist", &[("numbers", "GB 8898-2011"), ("frequency", "immediate")]),
    );
    assert_unavailable(&api, "API write while locked");
    assert_eq!(api.json()["error"]["code"], "unavailable");
    assert_unavailable(&page, "form write while locked");
    assert!(page.text.contains(&i18n::t(Lang::Zh, "error.unavailable")), "clear message: {}", page.text);
    assert_eq!(t.client().get("/api/v1/standards?q=GB").await.status, StatusCode::OK, "reads go on");

    sqlx::raw_sql("ROLLBACK").execute(&mut locker).await.expect("release");
    let r = u.api(Method::POST, "/api/v1/standards/watchlist", Some(add)).await;
    assert!(r.status.is_success(), "write after the lock: {} {}", r.status, r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM settings WHERE key = 'fault_lock'").await, 0);
}

/// The classification behind the 503s, for errors tests cannot easily provoke.
#[test]
fn database_faults_are_classified() {
    use biaozhun::db::{Fault, fault};
    use biaozhun::web::AppError;
    assert_eq!(fault(&sqlx::Error::PoolTimedOut), Some(Fault::Unavailable));
    assert_eq!(fault(&sqlx::Error::PoolClosed), Some(Fault::Unavailable));
    let io = sqlx::Error::Io(std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused"));
    assert_eq!(fault(&io), Some(Fault::Unavailable));
    assert_eq!(fault(&sqlx::Error::RowNotFound), None);
    // Through anyhow, as helpers return it: still 503, not 500.
    let wrapped = anyhow::Error::from(sqlx::Error::PoolTimedOut).context("loading the page");
    assert_eq!(AppError::from(wrapped).status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(AppError::from(anyhow::anyhow!("other")).status(), StatusCode::INTERNAL_SERVER_ERROR);
}
