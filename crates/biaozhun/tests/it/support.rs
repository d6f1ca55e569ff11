//! Test harness: a server per scenario on its own database, and a cookie-keeping client
//! that fills in the CSRF token like a browser form would.

use biaozhun::App;
use biaozhun::config::Config;
use reqwest::cookie::CookieStore;
use reqwest::{StatusCode, Url};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when the variable is set.
pub fn backends() -> Vec<Backend> {
    let mut v = vec![Backend::Sqlite];
    if std::env::var("BIAOZHUN_TEST_DATABASE_URL").is_ok_and(|s| !s.is_empty()) {
        v.push(Backend::Postgres);
    }
    v
}

/// Runs a scenario on every backend.
#[macro_export]
macro_rules! scenario {
    ($name:ident, $body:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            for backend in $crate::support::backends() {
                let t = $crate::support::TestApp::start(backend).await;
                // The data directory lives to the end even if the body captures only some
                // fields of `t` (closures capture disjoint fields).
                let _dir = t.dir.clone();
                let _pg = t.pg.clone();
                let f = $body;
                f(t).await;
            }
        }
    };
}

pub struct TestApp {
    pub app: App,
    pub base: String,
    pub backend: Backend,
    pub dir: Arc<tempfile::TempDir>,
    /// The scenario's PostgreSQL database, dropped with the last clone of this guard.
    pub pg: Option<Arc<PgDatabase>>,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A PostgreSQL database made for one scenario (on the server of
/// BIAOZHUN_TEST_DATABASE_URL). Dropping the guard drops the database — at the end of the
/// scenario and when it panics, since unwinding drops it too. Its name says who made it and
/// when (`bz_t_<host>_<pid>_<unix time>_<n>_<random>`), so that the next run can drop what a
/// killed run left behind ([`drop_leftovers`]).
pub struct PgDatabase {
    pub url: String,
    pub name: String,
    admin_url: String,
}

impl PgDatabase {
    pub async fn create() -> PgDatabase {
        let admin_url = std::env::var("BIAOZHUN_TEST_DATABASE_URL").expect("BIAOZHUN_TEST_DATABASE_URL");
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("BIAOZHUN_TEST_DATABASE_URL is set but PostgreSQL cannot be reached: {e}"));
        LEFTOVERS_DROPPED.get_or_init(|| drop_leftovers(&admin_url)).await;
        let name = format!(
            "bz_t_{}_{}_{}_{}_{}",
            host_tag(),
            std::process::id(),
            biaozhun::util::now(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            biaozhun::util::random_token(4).to_lowercase().replace(['-', '_'], "x")
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut conn).await.expect("create test database");
        let (prefix, _) = admin_url.rsplit_once('/').expect("database URL with a database name");
        PgDatabase { url: format!("{prefix}/{name}"), name, admin_url }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        // Drop runs inside the scenario's runtime, which cannot wait on itself: a small runtime
        // on a thread of its own does the dropping (FORCE ends the server's idle connections).
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(drop_database(&admin_url, &name))
        })
        .join();
        if !matches!(done, Ok(Ok(()))) {
            eprintln!("could not drop test database {}: {done:?}", self.name);
        }
    }
}

async fn drop_database(admin_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut conn).await?;
    Ok(())
}

static LEFTOVERS_DROPPED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// This machine's name in a form fit for a database name.
pub fn host_tag() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").or_else(|_| std::env::var("HOSTNAME")).unwrap_or_default();
    let tag: String = host.trim().to_lowercase().chars().filter(char::is_ascii_alphanumeric).take(12).collect();
    if tag.is_empty() { "host".into() } else { tag }
}

/// Whether a process of this machine is still running (unknown without `/proc`: yes).
fn process_alive(pid: u32) -> bool {
    !std::path::Path::new("/proc/self").exists() || std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Which test databases a run may drop at its start: any older than a day, and those made
/// on this machine by a process that is gone (a run that was killed, so no guard dropped
/// them). Names of the older form `bz_t_<pid>_…` carry no host or time: their process decides.
pub fn is_leftover(name: &str, host: &str, now: i64, me: u32) -> bool {
    let Some(rest) = name.strip_prefix("bz_t_") else { return false };
    let parts: Vec<&str> = rest.split('_').collect();
    let gone = |pid: &str| pid.parse::<u32>().is_ok_and(|p| p != me && !process_alive(p));
    match parts.as_slice() {
        [h, pid, at, _, _] if at.parse::<i64>().is_ok() => now - at.parse::<i64>().unwrap_or(now) > 24 * 3600 || (*h == host && gone(pid)),
        [pid, ..] => gone(pid),
        [] => false,
    }
}

/// Drops what earlier runs left behind (once per test process).
pub async fn drop_leftovers(admin_url: &str) {
    let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await else { return };
    let names: Vec<String> = match sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE 'bz\\_t\\_%'").fetch_all(&mut conn).await {
        Ok(names) => names,
        Err(e) => return eprintln!("listing the test databases: {e}"),
    };
    let (host, now, me) = (host_tag(), biaozhun::util::now(), std::process::id());
    for name in names.into_iter().filter(|n| is_leftover(n, &host, now, me)) {
        if let Err(e) = drop_database(admin_url, &name).await {
            eprintln!("could not drop the leftover test database {name}: {e}");
        }
    }
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        let dir = tempfile::tempdir().expect("tempdir");
        let (database_url, pg) = match backend {
            Backend::Sqlite => (format!("sqlite://{}/biaozhun.db", dir.path().display()), None),
            Backend::Postgres => {
                let db = PgDatabase::create().await;
                (db.url.clone(), Some(Arc::new(db)))
            }
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let config = Config {
            data_dir: dir.path().to_path_buf(),
            database_url,
            base_url: format!("http://{addr}"),
            run_jobs: false,
            // The tests' webhook subscribers listen on this machine.
            webhooks_reach_private: true,
            trust_proxy: true,
            max_upload_bytes: 1024 * 1024,
            ..Config::default()
        };
        let started = App::init(config).await.expect("app init");
        let app = started.app.clone();
        tokio::spawn(started.app.serve(listener, std::future::pending()));
        TestApp { app, base: format!("http://{addr}"), backend, dir: Arc::new(dir), pg }
    }

    pub fn client(&self) -> Client {
        self.client_from("127.0.0.1")
    }

    /// A browser at another address (through the trusted proxy header).
    pub fn client_from(&self, ip: &str) -> Client {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", ip.parse().expect("ip header"));
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client");
        Client { http, jar, base: self.base.clone(), secret: self.app.secret.clone() }
    }

    /// Runs the background jobs that are due (tests do not run the worker loop).
    pub async fn run_jobs(&self) -> usize {
        biaozhun::jobs::run_pending(&self.app).await.expect("jobs")
    }

    /// The newest mail to an address, and the first site link in it.
    pub async fn last_mail(&self, to: &str) -> (String, String, Option<String>) {
        let row: (String, String) = sqlx::query_as("SELECT subject, body_text FROM mail_outbox WHERE to_addr = $1 ORDER BY id DESC LIMIT 1")
            .bind(to)
            .fetch_one(&self.app.db.pool)
            .await
            .unwrap_or_else(|e| panic!("no mail to {to}: {e}"));
        let link = row.1.split_whitespace().find(|w| w.starts_with(&self.base)).map(|w| w.trim_start_matches(&self.base).to_string());
        (row.0, row.1, link)
    }

    /// Registers, confirms by the mailed link, and logs in a new user.
    pub async fn user(&self, name: &str) -> Client {
        let c = self.client();
        let email = format!("{name}@example.com");
        let r = c.register(name, &email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "register {name}: {}", r.text);
        let (_, _, link) = self.last_mail(&email).await;
        let r = c.get(&link.expect("confirmation link")).await;
        assert!(r.text.contains("confirm") || r.status == StatusCode::OK, "{}", r.text);
        let r = c.login(name, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login {name}: {}", r.text);
        c
    }

    /// A logged-in user with the given roles.
    pub async fn user_with_roles(&self, name: &str, roles: &[biaozhun::auth::Role]) -> Client {
        let c = self.user(name).await;
        let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(name).fetch_one(&self.app.db.pool).await.expect("user id");
        let mut tx = self.app.db.begin().await.expect("tx");
        biaozhun::auth::store::set_roles(&mut tx, id, roles, None).await.expect("roles");
        tx.commit().await.expect("commit");
        c
    }

    pub async fn user_id(&self, name: &str) -> i64 {
        sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(name).fetch_one(&self.app.db.pool).await.expect("user id")
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.app.db.pool).await.expect(sql)
    }
}

pub const PASSWORD: &str = "Kitchen-hood 2026!";

/// A concrete URL for a route pattern of `route_table()` (placeholders filled with harmless values).
pub fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| match seg {
            "{*path}" => "site.css".to_string(),
            "{file}" => "x.png".to_string(),
            "{code}" => "en".to_string(),
            "{token}" => "not-a-token".to_string(),
            "{key}" => "1".to_string(),
            "{name}" => "f.txt".to_string(),
            s if s.starts_with('{') => "1".to_string(),
            s => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub struct Resp {
    pub status: StatusCode,
    pub text: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Resp {
    pub fn location(&self) -> String {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
    pub base: String,
    secret: Vec<u8>,
}

async fn into_resp(r: reqwest::Response) -> Resp {
    let status = r.status();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap_or_default();
    Resp { status, text, headers }
}

impl Client {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        let url: Url = self.base.parse().ok()?;
        let header = self.jar.cookies(&url)?;
        header.to_str().ok()?.split("; ").find_map(|kv| kv.strip_prefix(&format!("{name}=")).map(str::to_string))
    }

    /// The CSRF token a page would carry (fetching a page first if the cookie is missing).
    pub async fn csrf(&self) -> String {
        if let Some(c) = self.cookie("bz_csrf") {
            return c;
        }
        self.get("/healthz").await;
        self.get("/login").await;
        self.cookie("bz_csrf").expect("csrf cookie")
    }

    pub async fn get(&self, path: &str) -> Resp {
        into_resp(self.http.get(self.url(path)).send().await.expect("GET")).await
    }

    /// A form post with the CSRF field, as the site's forms send it.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf().await;
        let mut f: Vec<(&str, &str)> = fields.to_vec();
        f.push(("_csrf", &csrf));
        into_resp(self.http.post(self.url(path)).form(&f).send().await.expect("POST")).await
    }

    /// A form post without the CSRF field (to test the rejection).
    pub async fn post_form_no_csrf(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        into_resp(self.http.post(self.url(path)).form(fields).send().await.expect("POST")).await
    }

    pub async fn api(&self, method: reqwest::Method, path: &str, body: Option<serde_json::Value>) -> Resp {
        let csrf = self.cookie("bz_csrf").unwrap_or_default();
        let mut req = self.http.request(method, self.url(path)).header("x-csrf-token", csrf);
        if let Some(b) = body {
            req = req.json(&b);
        }
        into_resp(req.send().await.expect("API call")).await
    }

    /// A fresh captcha and its answer (the test knows the site secret).
    pub async fn captcha(&self) -> (String, String) {
        let r = self.get("/api/v1/captcha").await;
        let id = r.json()["id"].as_str().expect("captcha id").to_string();
        let answer = biaozhun::auth::captcha::answer(&self.secret, &id);
        (id, answer)
    }

    pub async fn login(&self, account: &str, password: &str) -> Resp {
        let (id, answer) = self.captcha().await;
        self.post_form("/login", &[("account", account), ("password", password), ("captcha_id", &id), ("captcha_answer", &answer)]).await
    }

    pub async fn register(&self, username: &str, email: &str, password: &str) -> Resp {
        let (id, answer) = self.captcha().await;
        self.post_form(
            "/register",
            &[("username", username), ("email", email), ("password", password), ("password_confirm", password), ("captcha_id", &id), ("captcha_answer", &answer)],
        )
        .await
    }
}

impl TestApp {
    /// A second server on the same database, as behind a load balancer.
    pub async fn second_server(&self) -> (App, String) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = self.app.config.clone();
        config.base_url = format!("http://{addr}");
        let started = App::init(config).await.expect("second app");
        let app = started.app.clone();
        tokio::spawn(started.app.serve(listener, std::future::pending()));
        (app, format!("http://{addr}"))
    }

    /// A second server as its own `biaozhun serve` process on this scenario's database and
    /// data directory (jobs off, warnings only), once it listens: the process, its address
    /// and the rest of its standard output (keep it to let the server go on writing there).
    pub fn serve_process(&self, stderr: std::process::Stdio) -> (std::process::Child, String, ProcessOutput) {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_biaozhun"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env("BIAOZHUN_DATA_DIR", &self.app.config.data_dir)
            .env("BIAOZHUN_DATABASE_URL", self.app.config.effective_database_url())
            .env("BIAOZHUN_RUN_JOBS", "false")
            .env("BIAOZHUN_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start a second server process");
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let line = lines.by_ref().map_while(Result::ok).find(|l| l.contains("listening on")).expect("the second server starts");
        let base = line.split_whitespace().find(|w| w.starts_with("http://")).expect("its address").to_string();
        (child, base, lines)
    }
}

/// What a server process goes on writing to its standard output.
pub type ProcessOutput = std::io::Lines<std::io::BufReader<std::process::ChildStdout>>;

/// Kills a server process with SIGKILL once `tasks` have loaded it for 1.5 s, and adds up the
/// requests they got through before it died (each task ends when the server is gone).
pub async fn kill_9_under_load(mut child: std::process::Child, tasks: Vec<tokio::task::JoinHandle<usize>>) -> usize {
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    std::process::Command::new("kill").args(["-9", &child.id().to_string()]).status().expect("kill -9");
    let _ = child.wait();
    let mut sent = 0;
    for task in tasks {
        sent += task.await.expect("the loop ends when the server dies");
    }
    sent
}

impl Client {
    /// The same browser (same cookies) talking to another server.
    pub fn on(&self, base: &str) -> Client {
        let mut c = self.clone();
        c.base = base.to_string();
        c
    }
}

/// An organisation and its administrator (signed in).
pub struct Org {
    pub id: i64,
    pub admin: Client,
}

impl TestApp {
    /// An organisation registered as an approved organisation application registers one,
    /// with a new user `admin` as its administrator (acting for it: it is their only one).
    pub async fn org_with_admin(&self, admin: &str, name: &str, uscc: &str) -> Org {
        let client = self.user(admin).await;
        let uid = self.user_id(admin).await;
        let mut tx = self.app.db.begin().await.expect("tx");
        let new = biaozhun::orgs::store::NewOrg {
            name,
            uscc,
            contact_name: admin,
            contact_phone: "020-8888 0000",
            contact_email: &format!("{admin}@example.com"),
            address: "",
            district_code: "440113",
            industry: "C",
        };
        let id = biaozhun::orgs::store::register(&mut tx, &new, uid).await.expect("register organisation");
        tx.commit().await.expect("commit");
        Org { id, admin: client }
    }

    /// A new user who joins `org` the only way there is: its administrator invites their
    /// address and they accept (without switching whom they act for).
    pub async fn org_member(&self, org: &Org, name: &str) -> Client {
        let c = self.user(name).await;
        self.join_org(org, &c, &format!("{name}@example.com"), "staff", false).await;
        c
    }

    /// `who` (signed in, address `email`) accepts an invitation to `org` sent by its administrator.
    pub async fn join_org(&self, org: &Org, who: &Client, email: &str, role: &str, act: bool) {
        let r = org.admin.post_form(&format!("/orgs/{}/invitations", org.id), &[("email", email), ("role", role)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "invite {email}: {}", r.text);
        let id = self.invitation_to(who, org.id).await;
        let r = who.api(reqwest::Method::POST, &format!("/api/v1/orgs/invitations/{id}/accept"), Some(serde_json::json!({"act": act}))).await;
        assert_eq!(r.status, StatusCode::OK, "accept: {}", r.text);
    }

    /// The id of the open invitation from `org_id` waiting for `who`.
    pub async fn invitation_to(&self, who: &Client, org_id: i64) -> i64 {
        let mine = who.api(reqwest::Method::GET, "/api/v1/orgs", None).await.json();
        mine["invitations"]
            .as_array()
            .and_then(|a| a.iter().find(|i| i["org_id"] == org_id))
            .and_then(|i| i["id"].as_i64())
            .unwrap_or_else(|| panic!("no invitation from organisation {org_id}: {mine}"))
    }
}

/// A `Retry-After` of a per-minute budget of `limit`: at most the rest of this minute plus
/// the part of the next one that the sliding window still charges to this one (its last
/// request leaves the window 60/limit seconds into the next minute).
pub fn assert_retry_after(wait: u64, limit: usize) {
    let most = 60 + (60.0 / limit.max(1) as f64).ceil() as u64;
    assert!((1..=most).contains(&wait), "Retry-After {wait}, expected 1..={most}");
}

// ---------------------------------------------------------------------------------------
// Story fixtures: the people of a scenario, made the way the site makes them (forms and API
// calls, never rows written behind its back), so that a test reads as what happens.

impl TestApp {
    /// A member of staff of the association (signed in).
    pub async fn staff(&self, name: &str) -> Client {
        self.user_with_roles(name, &[biaozhun::auth::Role::Staff]).await
    }

    /// A member of the association: `name` registers and applies as an individual, and
    /// `reviewer` (staff) approves the application with the defaults.
    pub async fn member(&self, name: &str, reviewer: &Client) -> Client {
        let c = self.user(name).await;
        let body = serde_json::json!({
            "kind": "individual", "real_name": name, "contact_name": name,
            "contact_phone": "13800138000", "contact_email": format!("{name}@example.com")
        });
        let r = c.api(reqwest::Method::POST, "/api/v1/membership/applications", Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "apply {name}: {}", r.text);
        self.approve_membership(reviewer, r.json()["id"].as_i64().expect("application id")).await;
        c
    }

    /// An organisation that is a member of the association: `admin` registers and applies
    /// for it, `reviewer` (staff) approves, and `admin` becomes its administrator.
    pub async fn member_org(&self, admin: &str, name: &str, uscc: &str, reviewer: &Client) -> Org {
        let c = self.user(admin).await;
        let body = serde_json::json!({
            "kind": "organisation", "org_name": name, "uscc": uscc, "industry": "C",
            "contact_name": admin, "contact_phone": "020-8888 0000", "contact_email": format!("{admin}@example.com"),
            "district_code": "440113", "address": ""
        });
        let r = c.api(reqwest::Method::POST, "/api/v1/membership/applications", Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "apply for {name}: {}", r.text);
        self.approve_membership(reviewer, r.json()["id"].as_i64().expect("application id")).await;
        let mine = c.api(reqwest::Method::GET, "/api/v1/membership", None).await.json();
        assert_eq!(mine["membership"]["active"], true, "{mine}");
        let orgs = c.api(reqwest::Method::GET, "/api/v1/orgs", None).await.json();
        let id = orgs["organisations"]
            .as_array()
            .and_then(|a| a.iter().find(|o| o["uscc"] == uscc))
            .and_then(|o| o["id"].as_i64())
            .unwrap_or_else(|| panic!("{admin} administers no {name}: {orgs}"));
        Org { id, admin: c }
    }

    async fn approve_membership(&self, reviewer: &Client, id: i64) {
        let r = reviewer
            .api(reqwest::Method::POST, &format!("/api/v1/membership/applications/{id}/decision"), Some(serde_json::json!({"decision": "approve", "version": 1})))
            .await;
        assert_eq!(r.status, StatusCode::OK, "approve application {id}: {}", r.text);
    }
}

impl TestApp {
    /// A logged-in user with site roles and one scoped role, granted as staff would: an
    /// expert assigned to review one record, a district's or department's officer, a
    /// committee secretary, an organisation's administrator.
    pub async fn user_scoped(
        &self,
        name: &str,
        roles: &[biaozhun::auth::Role],
        role: biaozhun::auth::scopes::ScopedRole,
        scope: biaozhun::auth::scopes::Scope,
    ) -> Client {
        let c = self.user_with_roles(name, roles).await;
        let id = self.user_id(name).await;
        let mut tx = self.app.db.begin().await.expect("tx");
        biaozhun::auth::scopes::grant(&mut tx, id, role, &scope, None).await.expect("scoped role");
        tx.commit().await.expect("commit");
        c
    }
}

impl TestApp {
    /// Runs the `biaozhun` binary on the scenario's data directory and database, with `stdin`
    /// as its standard input (a password, say); returns (success, stdout, stderr).
    pub fn cli(&self, args: &[&str], stdin: &str) -> (bool, String, String) {
        self.cli_lang(args, stdin, "en")
    }

    /// [`TestApp::cli`] speaking `lang` (`BIAOZHUN_LANG`; `cli` speaks English whatever the
    /// machine's locale).
    pub fn cli_lang(&self, args: &[&str], stdin: &str, lang: &str) -> (bool, String, String) {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_biaozhun"))
            .args(args)
            .env("BIAOZHUN_LANG", lang)
            .env("BIAOZHUN_DATA_DIR", &self.app.config.data_dir)
            .env("BIAOZHUN_DATABASE_URL", self.app.config.effective_database_url())
            .env("RUST_LOG", "warn")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run biaozhun");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
    }
}
