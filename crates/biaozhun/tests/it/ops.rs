//! Operations: health, OpenAPI coverage, translations, backup and restore, headers, jobs.

use crate::scenario;
use crate::support::*;
use reqwest::StatusCode;
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

scenario!(backup_while_running_and_restore, |t: TestApp| async move {
    if t.backend != Backend::Sqlite {
        return; // PostgreSQL is backed up with pg_dump (docs/operations.md)
    }
    t.user("kept_user").await;
    let out = t.app.config.data_dir.join("snap.db");
    let path = biaozhun::db::backup::backup(&t.app.db, &t.app.config.data_dir, Some(out.clone())).await.unwrap();
    assert!(path.exists());
    // Restore into a fresh instance and compare every table.
    let dir = tempfile::tempdir().unwrap();
    let cfg = biaozhun::config::Config { data_dir: dir.path().to_path_buf(), database_url: String::new(), run_jobs: false, ..t.app.config.clone() };
    biaozhun::db::backup::restore(&cfg, &path).await.unwrap();
    let restored = biaozhun::App::init(cfg).await.unwrap().app;
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .fetch_all(&t.app.db.pool).await.unwrap();
    assert!(tables.len() > 15);
    for table in tables {
        let q = format!("SELECT COUNT(*) FROM {table}");
        let a: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(q.clone())).fetch_one(&t.app.db.pool).await.unwrap();
        let b: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(q)).fetch_one(&restored.db.pool).await.unwrap();
        assert_eq!(a, b, "table {table}");
    }
    let found = biaozhun::auth::store::find_by_account(&restored, "kept_user").await.unwrap();
    assert!(found.is_some());
    // Refuses a file that is not a database.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    assert!(biaozhun::db::backup::restore(&t.app.config, &junk).await.is_err());
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
