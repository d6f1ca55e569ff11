//! Operations: health, OpenAPI coverage, translations, backup and restore, headers, jobs.

use crate::scenario;
use crate::support::*;
use reqwest::{Method, StatusCode};
use std::collections::BTreeSet;

scenario!(health_reports_database_and_schema, |t: TestApp| async move {
    let r = t.client().get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    let j = r.json();
    let kind = if t.backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    assert_eq!(j["database"], kind);
    assert_eq!(j["schema_version"].as_i64(), biaozhun::db::MIGRATIONS.last().map(|m| m.version));
    let h = &r.headers;
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(h["x-frame-options"], "DENY");
    let missing = t.client().get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text.contains("页面不存在"));
});

scenario!(openapi_documents_every_api_route, |t: TestApp| async move {
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    let documented: BTreeSet<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| ops.as_object().unwrap().keys().map(move |m| format!("{} {p}", m.to_uppercase())))
        .collect();
    let routed: BTreeSet<String> = biaozhun::app::route_table()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/") && r.path != "/api/v1/openapi.json")
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(documented, routed);
});

scenario!(request_schemas_carry_the_limits_the_handlers_check, |t: TestApp| async move {
    // The document is the validation: its bounds are the ones the handlers enforce, and a
    // request one past a bound is refused naming the field.
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    let prop = |schema: &str, field: &str| doc["components"]["schemas"][schema]["properties"][field].clone();
    let name = prop("RegisterInput", "username");
    assert_eq!(name["minLength"], biaozhun::auth::identity::MIN_CHARS as u64, "{name}");
    assert_eq!(name["maxLength"], biaozhun::auth::identity::MAX_CHARS as u64, "{name}");
    for (schema, field) in [("RegisterInput", "password"), ("PasswordChange", "new_password")] {
        let p = prop(schema, field);
        assert_eq!(p["minLength"], biaozhun::auth::password::MIN_LEN as u64, "{schema}.{field}: {p}");
        assert_eq!(p["maxLength"], biaozhun::auth::password::MAX_LEN as u64, "{schema}.{field}: {p}");
    }
    assert_eq!(prop("ArticleInput", "title")["maxLength"], 200);
    assert_eq!(prop("TokenInput", "name")["maxLength"], 80);
    let c = t.user("limits_user").await;
    let r = c.api(Method::POST, "/api/v1/me/tokens", Some(serde_json::json!({"name": "x".repeat(81)}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["error"]["field"], "name", "{}", r.text);
});

// Conformance (scripts/conformance.sh): every error answer an operation lists comes with the
// shared JSON error body, and the answers found undocumented by schemathesis stay documented.
scenario!(openapi_error_answers_carry_the_error_body, |t: TestApp| async move {
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for (code, r) in op["responses"].as_object().unwrap() {
                if code.starts_with(['4', '5']) && code != "400" {
                    assert_eq!(
                        r["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorBody",
                        "{method} {path} {code}"
                    );
                    assert!(!r["description"].as_str().unwrap_or("").is_empty(), "{method} {path} {code}");
                }
            }
        }
    }
    // An administrator removing their own admin role: 409, as documented.
    let admin = t.user_with_roles("self_admin", &[biaozhun::auth::Role::Admin]).await;
    let uid = t.user_id("self_admin").await;
    let r = admin.api(reqwest::Method::PUT, &format!("/api/v1/users/{uid}/roles"), Some(serde_json::json!({"roles": [], "reason": "x"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(r.json()["error"]["code"], "conflict");
    let op = &doc["paths"]["/api/v1/users/{id}/roles"]["put"]["responses"];
    assert!(op.get("409").is_some(), "{op}");
    assert_eq!(op["200"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/RolesChanged");
});

#[test]
fn every_template_string_is_translated() {
    use biaozhun::web::{Lang, i18n};
    let zh: BTreeSet<String> = i18n::keys(Lang::Zh).into_iter().collect();
    let en: BTreeSet<String> = i18n::keys(Lang::En).into_iter().collect();
    assert_eq!(zh, en, "both languages have the same keys");
    let mut missing = Vec::new();
    for (name, src) in biaozhun::web::templates::Templates::embedded_sources() {
        for part in src.split("t(\"").skip(1).chain(src.split("t('").skip(1)) {
            let key: String = part.chars().take_while(|c| *c != '"' && *c != '\'').collect();
            if !key.ends_with('.') && !key.ends_with('_') && !zh.contains(&key) {
                missing.push(format!("{name}: {key}"));
            }
        }
    }
    assert!(missing.is_empty(), "untranslated: {missing:?}");
}

/// Every application table, from the schema itself.
async fn tables(db: &biaozhun::db::Db) -> Vec<String> {
    let sql = if db.kind == biaozhun::db::DbKind::Sqlite {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    } else {
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
    };
    sqlx::query_scalar(sql).fetch_all(&db.pool).await.unwrap()
}

/// A table's rows as text, in key order (the database renders them, not the backup code).
async fn rows_as_text(t: &TestApp, db: &biaozhun::db::Db, table: &str) -> Vec<String> {
    let sql = if t.backend == Backend::Sqlite {
        let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT name FROM pragma_table_info('{table}')"))).fetch_all(&db.pool).await.unwrap();
        let expr: Vec<String> = cols.iter().map(|c| format!("quote(\"{c}\")")).collect();
        format!("SELECT {} FROM \"{table}\" ORDER BY 1", expr.join(" || ',' || "))
    } else {
        format!("SELECT x::text FROM \"{table}\" x ORDER BY 1")
    };
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_all(&db.pool).await.unwrap()
}

/// Starts a restored instance and serves it; checks first that new rows get ids after the
/// restored ones (a mail is queued).
async fn serve_restored(cfg: &biaozhun::config::Config) -> (biaozhun::App, String) {
    let app = biaozhun::App::init(cfg.clone()).await.unwrap().app;
    let mut tx = app.db.begin().await.unwrap();
    biaozhun::jobs::mail::enqueue(&mut tx, "after@example.com", "s", "b").await.expect("ids continue after the restored ones");
    tx.commit().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(app.clone().serve(listener, std::future::pending()));
    (app, base)
}

scenario!(backup_while_running_and_restore, |t: TestApp| async move {
    let staff = t.user_with_roles("kept_user", &[biaozhun::auth::Role::Staff]).await;
    let r = staff.post_form("/staff/articles", &[("kind", "news"), ("title", "备份恢复演练公告"), ("body_md", "恢复后可检索"), ("status", "published")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let article: i64 = sqlx::query_scalar("SELECT id FROM articles WHERE title = '备份恢复演练公告'").fetch_one(&t.app.db.pool).await.unwrap();
    let name = if t.backend == Backend::Sqlite { "snap.db" } else { "snap.jsonl.gz" };
    let out = t.app.config.data_dir.join(name);
    let path = biaozhun::db::backup::backup(&t.app.db, &t.app.config.data_dir, Some(out.clone()), false).await.unwrap();
    assert!(path.exists());
    assert!(biaozhun::db::backup::backup(&t.app.db, &t.app.config.data_dir, Some(out.clone()), false).await.is_err(), "never overwrites");
    // Restore into a fresh instance and compare every table, row by row.
    let dir = tempfile::tempdir().unwrap();
    let pg = if t.backend == Backend::Sqlite { None } else { Some(PgDatabase::create().await) };
    let database_url = pg.as_ref().map_or(String::new(), |d| d.url.clone());
    let cfg = biaozhun::config::Config { data_dir: dir.path().to_path_buf(), database_url, run_jobs: false, ..t.app.config.clone() };
    biaozhun::db::backup::restore(&cfg, &path).await.unwrap();
    let restored_db = biaozhun::db::Db::connect(&cfg.effective_database_url(), 2).await.unwrap();
    let names = tables(&t.app.db).await;
    assert!(names.len() > 15);
    assert_eq!(names, tables(&restored_db).await);
    let mut compared = 0;
    for table in &names {
        let a = rows_as_text(&t, &t.app.db, table).await;
        let b = rows_as_text(&t, &restored_db, table).await;
        assert_eq!(a, b, "table {table}");
        compared += a.len();
    }
    assert!(compared > 10, "compared {compared} rows");
    restored_db.pool.close().await;
    // The restored instance works: logins, new ids, and a search index rebuilt from the database.
    let (restored, base) = serve_restored(&cfg).await;
    let found = biaozhun::auth::store::find_by_account(&restored, "kept_user").await.unwrap();
    assert!(found.is_some());
    let c = t.client().on(&base);
    let needle = format!("href=\"/articles/{article}\"");
    let mut ok = false;
    for _ in 0..50 {
        if c.get("/search?q=%E5%A4%87%E4%BB%BD%E6%81%A2%E5%A4%8D%E6%BC%94%E7%BB%83").await.text.contains(&needle) {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(ok, "the restored article is searchable on the restored instance");
    // Refuses a file that is not a backup, and a database that holds data.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    assert!(biaozhun::db::backup::restore(&t.app.config, &junk).await.is_err());
    if t.backend == Backend::Postgres {
        let err = biaozhun::db::backup::restore(&cfg, &path).await.unwrap_err();
        assert!(format!("{err:#}").contains("empty database"), "{err:#}");
    }
});

/// Numbers of the standards a search of the API finds on `base`.
async fn numbers_found(t: &TestApp, base: &str, q: &str) -> Vec<String> {
    crate::catalogue::numbers(&t.client().on(base).api(Method::GET, &format!("/api/v1/standards?q={q}"), None).await.json())
}

/// Waits (five seconds at most) until a search on `base` finds `number` (or, with `found`
/// false, no longer finds it); answers whether it did.
async fn search_settles(t: &TestApp, base: &str, q: &str, number: &str, found: bool) -> bool {
    for _ in 0..50 {
        if numbers_found(t, base, q).await.iter().any(|n| n == number) == found {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

async fn import_csv(app: &biaozhun::App, csv: &str) {
    let r = biaozhun::standards::import::import_bytes(app, "s.csv", csv.as_bytes(), biaozhun::standards::import::Progress::None).await.unwrap();
    assert_eq!(r.created, 1, "{r:?}");
    biaozhun::indexer::follow_once(app).await.unwrap();
}

/// SQLite: an import whose batch is stored while the search index is busy (a rebuild or a
/// long catch-up holds it) does not keep its write transaction open until the index is free,
/// which would hold every other writer back past the busy timeout (503s): it commits within
/// `HAND_IN_WAIT` and the follower indexes the batch from the change log once it can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_does_not_hold_the_database_while_the_index_is_busy() {
    let t = TestApp::start(Backend::Sqlite).await;
    let u = t.user("busyindex").await;
    let held = t.app.indexer.hold().await;
    let app = t.app.clone();
    let import = tokio::spawn(async move {
        let csv = "标准号,中文标准名称\nGB/T 27002-2016,信息安全控制 示例\n";
        biaozhun::standards::import::import_bytes(&app, "busy.csv", csv.as_bytes(), biaozhun::standards::import::Progress::None).await
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let add = serde_json::json!({"numbers": "GB/T 19001-2016", "frequency": "immediate"});
    let r = u.api(Method::POST, "/api/v1/standards/watchlist", Some(add)).await;
    assert!(r.status.is_success(), "a write beside the import: {} {}", r.status, r.text);
    assert!(started.elapsed() < biaozhun::indexer::HAND_IN_WAIT * 3, "waited {:?}", started.elapsed());
    let report = tokio::time::timeout(std::time::Duration::from_secs(30), import).await.expect("the import ends while the index is busy").unwrap().unwrap();
    assert_eq!(report.created, 1);
    assert!(!numbers_found(&t, &t.base, "27002").await.contains(&"GB/T 27002-2016".to_string()));
    drop(held);
    t.app.indexer.kick();
    assert!(search_settles(&t, &t.base, "27002", "GB/T 27002-2016", true).await, "the follower indexed it from the log");
}

scenario!(a_restored_backup_is_searched_as_it_was, |t: TestApp| async move {
    // An instance of its own (data directory and database): one standard, a backup, a second
    // standard. Its search index then has followed the change log past the backup.
    let dir = tempfile::tempdir().unwrap();
    let pg = if t.backend == Backend::Sqlite { None } else { Some(PgDatabase::create().await) };
    let cfg = biaozhun::config::Config { data_dir: dir.path().to_path_buf(), database_url: pg.as_ref().map_or(String::new(), |d| d.url.clone()), run_jobs: false, ..t.app.config.clone() };
    let first = biaozhun::App::init(cfg.clone()).await.unwrap().app;
    biaozhun::indexer::ensure_built(&first).await.unwrap();
    import_csv(&first, "标准号,中文标准名称\nGB/T 24001-2016,环境管理体系 要求及使用指南\n").await;
    let snap = dir.path().join(if t.backend == Backend::Sqlite { "snap.db" } else { "snap.jsonl.gz" });
    let path = biaozhun::db::backup::backup(&first.db, dir.path(), Some(snap), false).await.unwrap();
    import_csv(&first, "标准号,中文标准名称\nGB/T 19001-2016,质量管理体系 要求\n").await;
    first.db.pool.close().await;
    drop(first);

    // With no server running, `admin reindex` rebuilds the index itself, with its count.
    let (ok, out, err) = run_cli_on(&cfg, &["admin", "reindex"], "warn");
    assert!(ok, "{err}");
    assert!(out.contains("search index rebuilt from the database: ") && out.contains(" records in "), "{out}");

    // Restored over the same data directory (on PostgreSQL into a new database, as an
    // archive must be): the index left there followed the newer log.
    let pg2 = if t.backend == Backend::Sqlite { None } else { Some(PgDatabase::create().await) };
    let cfg = biaozhun::config::Config { database_url: pg2.as_ref().map_or(String::new(), |d| d.url.clone()), ..cfg };
    biaozhun::db::backup::restore(&cfg, &path).await.unwrap();
    let (restored, base) = serve_restored(&cfg).await;
    // The standard stored after the backup is not found, the one before it is.
    assert!(search_settles(&t, &base, "19001", "GB/T 19001-2016", false).await, "a standard the restored database does not hold is not searched");
    assert!(search_settles(&t, &base, "24001", "GB/T 24001-2016", true).await);
    // A change logged by a command beside the restored server (its log ids are the ones the
    // old index had passed) reaches the search.
    let beside = biaozhun::App::init_command(cfg.clone()).await.unwrap().app;
    assert!(beside.indexer.left_to_server());
    let r = biaozhun::standards::import::import_bytes(&beside, "c.csv", "标准号,中文标准名称\nGB/T 14001-2016,新的标准\n".as_bytes(), biaozhun::standards::import::Progress::None).await.unwrap();
    assert_eq!(r.created, 1);
    assert!(search_settles(&t, &base, "14001", "GB/T 14001-2016", true).await, "the restored server follows the restored database's log");
    beside.db.pool.close().await;
    restored.db.pool.close().await;
});

scenario!(admin_reindex_beside_a_server_has_it_rebuild, |t: TestApp| async move {
    let file = t.app.config.data_dir.join("reindex.csv");
    std::fs::write(&file, "标准号,中文标准名称\nGB/T 27001-2016,信息安全 示例\n").unwrap();
    let (ok, out, err) = t.cli(&["import", "standards", file.to_str().unwrap()], "");
    assert!(ok, "{err}");
    assert!(search_settles(&t, &t.base, "27001", "GB/T 27001-2016", true).await, "{out}");
    // The server's index loses the document (a disk fault, a bug): nothing in the log says so.
    let id: i64 = sqlx::query_scalar("SELECT id FROM standards WHERE norm = 'GB/T 27001-2016'").fetch_one(&t.app.db.pool).await.unwrap();
    t.app.indexer.index.delete(&[biaozhun::indexer::key("standards", id)]).unwrap();
    t.app.indexer.index.commit().unwrap();
    assert!(search_settles(&t, &t.base, "27001", "GB/T 27001-2016", false).await);
    // `admin reindex` beside it asks it through the log; it rebuilds from the database.
    let (ok, out, err) = t.cli(&["admin", "reindex"], "");
    assert!(ok, "{err}");
    assert!(out.contains("A server is running on this data directory: it rebuilds its search index"), "{out}");
    assert!(search_settles(&t, &t.base, "27001", "GB/T 27001-2016", true).await, "the server rebuilt its index");
    let audit: Vec<(String, String)> = sqlx::query_as("SELECT action, target FROM audit_log WHERE action = 'search.reindex'").fetch_all(&t.app.db.pool).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert!(audit[0].1.starts_with("search_changes:"), "{audit:?}");
});

/// A table's rows as typed values (integer, text, bytes or NULL), sorted: comparable between
/// SQLite and PostgreSQL, whose text renderings and collations differ.
async fn typed_rows(db: &biaozhun::db::Db, table: &str) -> Vec<String> {
    use sqlx::Row;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM \"{table}\""))).fetch_all(&db.pool).await.unwrap();
    let mut out: Vec<String> = rows
        .iter()
        .map(|row| {
            (0..row.len())
                .map(|i| {
                    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                        v.map_or("null".to_string(), |v| format!("i{v}"))
                    } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                        v.map_or("null".to_string(), |v| format!("t{v:?}"))
                    } else {
                        let v: Option<Vec<u8>> = row.try_get(i).unwrap_or_else(|e| panic!("{table} column {i}: {e}"));
                        v.map_or("null".to_string(), |v| format!("b{}", hex::encode(v)))
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    out.sort();
    out
}

scenario!(archive_moves_an_instance_to_the_other_backend, |t: TestApp| async move {
    let staff = t.user_with_roles("moving_user", &[biaozhun::auth::Role::Staff]).await;
    let r = staff.post_form("/staff/articles", &[("kind", "news"), ("title", "迁移演练公告"), ("body_md", "从一种数据库迁到另一种"), ("status", "published")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let out = t.app.config.data_dir.join("move.jsonl.gz");
    let path = biaozhun::db::backup::backup(&t.app.db, &t.app.config.data_dir, Some(out), true).await.unwrap();
    // SQLite → PostgreSQL and PostgreSQL → SQLite; without PostgreSQL, SQLite → a new SQLite.
    let dir = tempfile::tempdir().unwrap();
    let pg = std::env::var("BIAOZHUN_TEST_DATABASE_URL").is_ok_and(|s| !s.is_empty());
    let target_db = if t.backend == Backend::Sqlite && pg { Some(PgDatabase::create().await) } else { None };
    let database_url = target_db.as_ref().map_or(String::new(), |d| d.url.clone());
    let cfg = biaozhun::config::Config { data_dir: dir.path().to_path_buf(), database_url, run_jobs: false, ..t.app.config.clone() };
    let said = biaozhun::db::backup::restore(&cfg, &path).await.unwrap();
    let from = if t.backend == Backend::Sqlite { "from sqlite" } else { "from postgres" };
    assert!(said.contains(from), "{said}");
    let target = biaozhun::db::Db::connect(&cfg.effective_database_url(), 2).await.unwrap();
    let names: Vec<String> = tables(&t.app.db).await.into_iter().filter(|n| n != "rate_counts").collect();
    assert_eq!(names, tables(&target).await.into_iter().filter(|n| n != "rate_counts").collect::<Vec<_>>());
    let mut compared = 0;
    for table in &names {
        let a = typed_rows(&t.app.db, table).await;
        assert_eq!(a, typed_rows(&target, table).await, "table {table}");
        compared += a.len();
    }
    assert!(compared > 10, "compared {compared} rows");
    target.pool.close().await;
    // The moved instance serves: the password hash and the article came along, ids go on.
    let (_, base) = serve_restored(&cfg).await;
    let c = t.client().on(&base);
    assert_eq!(c.login("moving_user", PASSWORD).await.status, StatusCode::SEE_OTHER);
    assert!(c.get("/news").await.text.contains("迁移演练公告"));
    // An SQLite file does not go into PostgreSQL; it names the way that does.
    if t.backend == Backend::Sqlite && pg {
        let file = biaozhun::db::backup::backup(&t.app.db, &t.app.config.data_dir, None, false).await.unwrap();
        let refused = PgDatabase::create().await;
        let pg_cfg = biaozhun::config::Config { database_url: refused.url.clone(), ..cfg.clone() };
        let err = biaozhun::db::backup::restore(&pg_cfg, &file).await.unwrap_err();
        assert!(format!("{err:#}").contains("--archive"), "{err:#}");
    }
});

scenario!(admin_changes_roles_with_a_reason, |t: TestApp| async move {
    let admin = t.user_with_roles("root_admin", &[biaozhun::auth::Role::Admin]).await;
    t.user("future_expert").await;
    let uid = t.user_id("future_expert").await;
    let r = admin.post_form(&format!("/admin/users/{uid}/roles"), &[("roles", "expert")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    let r = admin.post_form(&format!("/admin/users/{uid}/roles"), &[("roles", "expert"), ("roles", "staff"), ("reason", "聘任为标准化专家")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let detail: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'user.roles_changed'").fetch_one(&t.app.db.pool).await.unwrap();
    assert!(detail.contains("聘任为标准化专家") && detail.contains("expert"), "{detail}");
    let page = admin.get(&format!("/admin/users/{uid}")).await;
    assert!(page.text.contains("聘任为标准化专家"));
    let r = admin.api(reqwest::Method::PUT, &format!("/api/v1/users/{uid}/roles"), Some(serde_json::json!({"roles": [], "reason": "任期结束"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["removed"].as_array().unwrap().len(), 2);
    // A role named twice is granted once (the conformance run on PostgreSQL found a 500 here).
    let r = admin.api(reqwest::Method::PUT, &format!("/api/v1/users/{uid}/roles"), Some(serde_json::json!({"roles": ["expert", "staff", "expert"], "reason": "复聘"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["added"], serde_json::json!(["expert", "staff"]));
    // The outbox is readable by admins.
    assert!(admin.get("/admin/outbox").await.text.contains("future_expert@example.com"));
});

scenario!(jobs_retry_and_run_once, |t: TestApp| async move {
    let mut tx = t.app.db.begin().await.unwrap();
    biaozhun::jobs::enqueue(&mut tx, "no_such_kind", serde_json::json!({}), Some("once")).await.unwrap();
    biaozhun::jobs::enqueue(&mut tx, "no_such_kind", serde_json::json!({}), Some("once")).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(t.count("SELECT COUNT(*) FROM jobs WHERE dedupe_key = 'once'").await, 1, "deduplicated");
    t.run_jobs().await;
    let (status, attempts, err): (String, i64, String) = sqlx::query_as("SELECT status, attempts, last_error FROM jobs WHERE dedupe_key = 'once'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!((status.as_str(), attempts), ("queued", 1), "failed once, waiting to retry");
    assert!(err.contains("no handler"));
    // A job whose server died mid-way is taken up again when its lease runs out.
    sqlx::query("UPDATE jobs SET status = 'running', locked_until = $1, run_at = 0 WHERE dedupe_key = 'once'").bind(biaozhun::util::now() - 1).execute(&t.app.db.pool).await.unwrap();
    t.run_jobs().await;
    let attempts: i64 = sqlx::query_scalar("SELECT attempts FROM jobs WHERE dedupe_key = 'once'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(attempts, 2);
});

/// A minimal SMTP server that keeps every message it accepts (headers and body as sent).
async fn smtp_sink() -> (u16, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 sink\r\n").await.unwrap();
                while let Ok(Some(line)) = lines.next_line().await {
                    let cmd = line.to_ascii_uppercase();
                    let answer: &[u8] = if cmd.starts_with("DATA") {
                        w.write_all(b"354 go\r\n").await.unwrap();
                        let mut msg = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            msg.push_str(&l);
                            msg.push('\n');
                        }
                        kept.lock().unwrap().push(msg);
                        b"250 queued\r\n"
                    } else if cmd.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 sink\r\n"
                    };
                    w.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (port, got)
}

scenario!(a_resent_mail_carries_the_same_message_id, |t: TestApp| async move {
    // A crash after the relay accepted a message but before its outbox row was marked sent
    // makes the worker send it again (at-least-once): the copy must be recognisable.
    let (port, got) = smtp_sink().await;
    let smtp = biaozhun::config::Smtp { host: "127.0.0.1".into(), port, security: "none".into(), from: "协会 <noreply@std.example.org>".into(), ..Default::default() };
    let app = biaozhun::App::init(biaozhun::config::Config { smtp, ..t.app.config.clone() }).await.unwrap().app;
    let mut tx = app.db.begin().await.unwrap();
    let first = biaozhun::jobs::mail::enqueue(&mut tx, "a@example.com", "培训通知", "正文").await.unwrap();
    let second = biaozhun::jobs::mail::enqueue(&mut tx, "b@example.com", "培训通知", "正文").await.unwrap();
    tx.commit().await.unwrap();
    let deliver = |id: i64| biaozhun::jobs::mail::deliver(app.clone(), 0, serde_json::json!({ "mail_id": id }));
    deliver(first).await.unwrap();
    // The crash: the row is still queued, so the job sends it once more.
    sqlx::query("UPDATE mail_outbox SET status = 'queued' WHERE id = $1").bind(first).execute(&app.db.pool).await.unwrap();
    deliver(first).await.unwrap();
    deliver(second).await.unwrap();
    let ids: Vec<String> = got
        .lock()
        .unwrap()
        .iter()
        .map(|m| m.lines().find(|l| l.to_ascii_lowercase().starts_with("message-id:")).expect("a Message-ID").to_string())
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert_eq!(ids[0], ids[1], "the copy has the first sending's Message-ID");
    assert_ne!(ids[0], ids[2], "another message has its own");
    assert!(ids[0].contains(&format!("<outbox.{first}.")) && ids[0].ends_with("@std.example.org>"), "{}", ids[0]);
    assert_eq!(t.count("SELECT COUNT(*) FROM mail_outbox WHERE status = 'sent'").await, 2);
});

scenario!(command_line_acts_are_audited, |t: TestApp| async move {
    // Every privileged act done from the command line leaves an audit row, as the web's do.
    let cli = |args: &[&str], stdin: &str| {
        let (ok, out, err) = t.cli(args, stdin);
        assert!(ok, "{args:?}: {err}");
        out
    };
    cli(&["user", "create", "--admin", "cli_admin", "--email", "cli@example.org"], "Command-line 2026 pw\n");
    cli(&["user", "roles", "cli_admin", "--set", "staff", "--reason", "交接"], "");
    cli(&["user", "token", "cli_admin", "--label", "script"], "");
    let file = t.app.config.data_dir.join("cli.csv");
    std::fs::write(&file, "标准号,中文标准名称\nGB/T 19001-2016,质量管理体系 要求\n").unwrap();
    cli(&["import", "standards", file.to_str().unwrap()], "");
    let backup = t.app.config.data_dir.join("cli-backup.jsonl.gz");
    cli(&["backup", "--archive", "--out", backup.to_str().unwrap()], "");
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT action, target, detail FROM audit_log WHERE actor_name = 'command line' ORDER BY id").fetch_all(&t.app.db.pool).await.unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["user.create_admin", "user.roles_changed", "token.create", "standards.import", "backup.write"], "{rows:?}");
    assert!(rows[0].2.contains("cli@example.org"));
    assert!(rows[3].1.ends_with("cli.csv") && rows[3].2.contains("1 created"), "{:?}", rows[3]);
    assert!(rows[4].1.ends_with("cli-backup.jsonl.gz"));
});

/// Runs the `biaozhun` binary on the scenario's data directory and database; returns
/// (success, stdout, stderr). Standard error is a pipe, as when a service manager writes the
/// log to a file.
fn run_cli(t: &TestApp, args: &[&str], log: &str) -> (bool, String, String) {
    run_cli_on(&t.app.config, args, log)
}

/// [`run_cli`] on the data directory and database of `cfg`.
fn run_cli_on(cfg: &biaozhun::config::Config, args: &[&str], log: &str) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_biaozhun"))
        .args(args)
        .env("BIAOZHUN_DATA_DIR", &cfg.data_dir)
        .env("BIAOZHUN_DATABASE_URL", cfg.effective_database_url())
        .env("BIAOZHUN_LOG", log)
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run biaozhun");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string(), String::from_utf8_lossy(&out.stderr).to_string())
}

fn index_copies(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().to_string()).filter(|n| n.starts_with("index-")).collect()
}

scenario!(an_import_beside_a_running_server_leaves_the_index_to_it, |t: TestApp| async move {
    // The scenario's server holds the search index of this data directory. A copy left by a
    // server that is gone (no such process) lies beside it, as a crash would leave it.
    let dir = t.app.config.data_dir.clone();
    let stale = dir.join("index-999999999-gone");
    std::fs::create_dir_all(stale.join("segment")).unwrap();
    std::fs::write(stale.join("segment/data"), vec![0u8; 4096]).unwrap();

    let file = dir.join("beside.csv");
    std::fs::write(&file, "标准号,中文标准名称\nGB/T 24001-2016,环境管理体系 要求及使用指南\n").unwrap();
    let (ok, stdout, stderr) = run_cli(&t, &["import", "standards", file.to_str().unwrap()], "info,sqlx=error");
    assert!(ok, "{stdout}\n{stderr}");
    // One calm line instead of a lock error, and no private copy of the index left behind.
    assert!(stdout.contains("1 created"), "{stdout}");
    let calm: Vec<&str> = stdout.lines().filter(|l| l.contains("A server is running on this data directory")).collect();
    assert_eq!(calm.len(), 1, "{stdout}");
    assert!(!stdout.contains("busy") && !stderr.contains("busy") && !stderr.contains("LockBusy"), "{stdout}\n{stderr}");
    assert_eq!(index_copies(&dir), Vec::<String>::new(), "copies in the data directory");

    // The running server follows the change log: the imported standard is found by search.
    let c = t.client();
    let mut found = false;
    for _ in 0..50 {
        let j = c.api(reqwest::Method::GET, "/api/v1/standards?q=24001", None).await.json();
        if j["items"].as_array().unwrap().iter().any(|i| i["number"] == "GB/T 24001-2016") {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(found, "the server indexed the command's import");

    // A command that changes nothing searchable says nothing about the index either.
    let (ok, stdout, stderr) = run_cli(&t, &["user", "token", "admin", "--label", "beside"], "info,sqlx=error");
    assert!(ok, "{stdout}\n{stderr}");
    assert!(!stdout.contains("search index") && !stderr.contains("index"), "{stdout}\n{stderr}");
    assert!(index_copies(&dir).is_empty());
});

scenario!(logs_written_to_a_file_carry_no_colour_codes, |t: TestApp| async move {
    // Standard error is a pipe here: every line is plain text (colour only on a terminal).
    let (ok, _, stderr) = run_cli(&t, &["migrate"], "debug");
    assert!(ok, "{stderr}");
    assert!(stderr.lines().count() > 0 && stderr.contains("DEBUG"), "the debug log has lines: {stderr}");
    assert!(!stderr.contains('\u{1b}'), "no escape sequences in: {stderr:?}");
});

#[test]
fn leftover_test_databases_are_recognised() {
    let me = std::process::id();
    let now = 1_800_000_000;
    // Older than a day: whoever made it. A process of this machine that is gone. Not: a live one, another machine's fresh one, other databases.
    assert!(is_leftover(&format!("bz_t_box_{me}_{}_3_abcd", now - 90_000), "box", now, me));
    assert!(is_leftover(&format!("bz_t_other_{me}_{}_3_abcd", now - 90_000), "box", now, me));
    assert!(is_leftover(&format!("bz_t_box_999999999_{}_0_abcd", now - 60), "box", now, me));
    assert!(!is_leftover(&format!("bz_t_box_{me}_{}_0_abcd", now - 60), "box", now, me));
    assert!(!is_leftover(&format!("bz_t_other_999999999_{}_0_abcd", now - 60), "box", now, me));
    assert!(!is_leftover("biaozhun", "box", now, me));
    // The older form: the process decides.
    assert!(is_leftover("bz_t_999999999_4_abcd", "box", now, me));
    assert!(is_leftover("bz_t_999999999_faultabcd", "box", now, me));
    assert!(!is_leftover(&format!("bz_t_{me}_4_abcd"), "box", now, me));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_test_databases_are_dropped() {
    let Some(admin) = std::env::var("BIAOZHUN_TEST_DATABASE_URL").ok().filter(|s| !s.is_empty()) else {
        return; // SQLite-only run: there is nothing to drop
    };
    let exists = |name: String| {
        let admin = admin.clone();
        async move {
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await.unwrap();
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM pg_database WHERE datname = $1").bind(name).fetch_one(&mut conn).await.unwrap() == 1
        }
    };
    // A scenario's database goes with its guard, also when the scenario panics.
    let db = PgDatabase::create().await;
    let name = db.name.clone();
    assert!(exists(name.clone()).await);
    let held = std::thread::spawn(move || {
        let _db = db;
        panic!("a failing scenario");
    })
    .join();
    assert!(held.is_err());
    assert!(!exists(name).await, "dropped on panic");

    // What killed runs left: one older than a day, one of a process that is gone; a live
    // run's database stays.
    let (host, now, me) = (host_tag(), biaozhun::util::now(), std::process::id());
    let old = format!("bz_t_{host}_{me}_{}_0_old", now - 2 * 86400);
    let gone = format!("bz_t_{host}_999999999_{now}_0_gone");
    let live = format!("bz_t_{host}_{me}_{now}_0_live");
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await.unwrap();
    for n in [&old, &gone, &live] {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {n}"))).execute(&mut conn).await.unwrap();
    }
    drop_leftovers(&admin).await;
    assert!(!exists(old).await && !exists(gone).await);
    assert!(exists(live.clone()).await);
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {live}"))).execute(&mut conn).await.unwrap();
}

#[test]
fn the_test_sample_holds_what_every_judged_query_expects() {
    // The relevance report runs on the repository's sample (a smoke test of the whole
    // pipeline in seconds; its figures are not the benchmark's). It refuses to run when a
    // judged query's standard is missing, as after new queries are added to judged.tsv:
    // rebuild the sample then with scripts/lib/sample_catalogues.py.
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_biaozhun"))
        .args(["bench", "--suite", "relevance", "--corpus", data])
        .env("BIAOZHUN_LOG", "warn")
        .env_remove("BIAOZHUN_BENCH_DIR")
        .env_remove("BIAOZHUN_DATABASE_URL")
        .output()
        .expect("run biaozhun bench");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}\n(rebuild the sample: python3 scripts/lib/sample_catalogues.py FULL_DIR crates/biaozhun/tests/data/catalogues)",
        String::from_utf8_lossy(&out.stderr)
    );
    let judged = biaozhun::standards::bench::relevance::judged().len();
    assert!(stdout.contains(&format!("relevance on {judged} judged queries")), "{stdout}");
}

scenario!(a_second_server_on_the_data_directory_removes_its_index_copy_when_it_stops, |t: TestApp| async move {
    // The scenario's server holds the index; a second one started on the same directory keeps
    // its own copy while it runs and removes it when stopped (SIGTERM, as a service manager).
    let dir = t.app.config.data_dir.clone();
    // Its output stays open while it runs, as a service manager's journal would.
    let (child, listening, _output) = t.serve_process(std::process::Stdio::piped());
    let copies = index_copies(&dir);
    assert_eq!(copies.len(), 1, "{listening}: {copies:?}");
    assert!(copies[0].starts_with(&format!("index-{}-", child.id())), "{copies:?}");
    let stopped = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(stopped.success());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "a clean stop ({}): {}", t.backend == Backend::Postgres, String::from_utf8_lossy(&out.stderr));
    assert!(index_copies(&dir).is_empty(), "the copy went with its server");
});
