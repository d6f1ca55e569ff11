//! Background jobs stored in the database and claimed by any server (one claim per job:
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer on SQLite). A job that fails
//! is retried with growing delays; one whose server died is taken up again when its lease
//! runs out. Periodic work is enqueued with a per-period key, so it runs once per period
//! however many servers there are.

pub mod files;
pub mod mail;
pub mod routes;
pub mod notify;

use crate::App;
use crate::db::Tx;
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type JobFuture = Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send>>;
pub type Handler = Arc<dyn Fn(App, i64, serde_json::Value) -> JobFuture + Send + Sync>;

/// Job kinds and their handlers; each domain registers its own in `app.rs`.
#[derive(Default, Clone)]
pub struct Registry {
    handlers: HashMap<&'static str, Handler>,
    periodic: Vec<(&'static str, i64)>,
}

impl Registry {
    pub fn on<F, Fut>(&mut self, kind: &'static str, f: F)
    where
        F: Fn(App, i64, serde_json::Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        self.handlers.insert(kind, Arc::new(move |app, id, p| Box::pin(f(app, id, p))));
    }
    /// Runs `kind` once every `every_secs`.
    pub fn every(&mut self, kind: &'static str, every_secs: i64) {
        self.periodic.push((kind, every_secs));
    }
}

pub const LEASE_SECS: i64 = 300;

pub async fn enqueue(tx: &mut Tx, kind: &str, payload: serde_json::Value, dedupe_key: Option<&str>) -> Result<(), sqlx::Error> {
    let now = crate::util::now();
    sqlx::query(
        "INSERT INTO jobs (kind, payload, dedupe_key, status, run_at, created_at) VALUES ($1,$2,$3,'queued',$4,$4) \
         ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(kind)
    .bind(payload.to_string())
    .bind(dedupe_key)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records progress of a long job, for the progress views.
pub async fn progress(app: &App, job_id: i64, done: i64, total: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE jobs SET progress_done = $1, progress_total = $2, locked_until = $3 WHERE id = $4")
        .bind(done)
        .bind(total)
        .bind(crate::util::now() + LEASE_SECS)
        .bind(job_id)
        .execute(&app.db.pool)
        .await?;
    Ok(())
}

struct Claimed {
    id: i64,
    kind: String,
    payload: String,
    attempts: i64,
    max_attempts: i64,
}

async fn claim(app: &App) -> Result<Option<Claimed>, sqlx::Error> {
    let now = crate::util::now();
    let sql = format!(
        "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1 \
         WHERE id = (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $3 ORDER BY run_at, id LIMIT 1{}) \
         RETURNING id, kind, payload, attempts, max_attempts",
        app.db.skip_locked()
    );
    let mut tx = app.db.begin().await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(&app.instance_id)
        .bind(now + LEASE_SECS)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
    tx.commit().await?;
    row.map(|r| {
        Ok(Claimed {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            payload: r.try_get("payload")?,
            attempts: r.try_get("attempts")?,
            max_attempts: r.try_get("max_attempts")?,
        })
    })
    .transpose()
}

async fn finish(app: &App, job: &Claimed, result: anyhow::Result<()>) -> Result<(), sqlx::Error> {
    let now = crate::util::now();
    match result {
        Ok(()) => {
            sqlx::query("UPDATE jobs SET status = 'done', finished_at = $1, locked_by = NULL, locked_until = NULL WHERE id = $2")
                .bind(now)
                .bind(job.id)
                .execute(&app.db.pool)
                .await?;
        }
        Err(e) => {
            let give_up = job.attempts >= job.max_attempts;
            let delay = 30 * (1i64 << job.attempts.clamp(0, 10));
            tracing::warn!("job {} ({}) attempt {} failed: {e:#}", job.id, job.kind, job.attempts);
            sqlx::query(
                "UPDATE jobs SET status = $1, run_at = $2, last_error = $3, locked_by = NULL, locked_until = NULL, \
                 finished_at = $4 WHERE id = $5",
            )
            .bind(if give_up { "failed" } else { "queued" })
            .bind(now + delay)
            .bind(format!("{e:#}"))
            .bind(if give_up { Some(now) } else { None })
            .bind(job.id)
            .execute(&app.db.pool)
            .await?;
        }
    }
    Ok(())
}

/// Puts jobs whose server stopped mid-way back in the queue.
async fn reclaim(app: &App) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE jobs SET status = 'queued', locked_by = NULL WHERE status = 'running' AND locked_until < $1")
        .bind(crate::util::now())
        .execute(&app.db.pool)
        .await?
        .rows_affected())
}

async fn schedule_periodic(app: &App) -> Result<(), sqlx::Error> {
    let now = crate::util::now();
    for (kind, every) in &app.jobs.periodic {
        let key = format!("{kind}:{}", now / every);
        let mut tx = app.db.begin().await?;
        enqueue(&mut tx, kind, serde_json::json!({}), Some(&key)).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Runs every job that is ready now; returns how many ran.
pub async fn run_pending(app: &App) -> anyhow::Result<usize> {
    reclaim(app).await?;
    let mut n = 0;
    while let Some(job) = claim(app).await? {
        let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null);
        let result = match app.jobs.handlers.get(job.kind.as_str()) {
            Some(h) => h(app.clone(), job.id, payload).await,
            None => Err(anyhow::anyhow!("no handler for job kind {}", job.kind)),
        };
        finish(app, &job, result).await?;
        n += 1;
    }
    Ok(n)
}

/// The worker loop of `serve`: polls every second, schedules periodic work every minute.
pub fn spawn_worker(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick: u64 = 0;
        loop {
            if tick % 60 == 0 {
                if let Err(e) = schedule_periodic(&app).await {
                    tracing::warn!("scheduling periodic jobs: {e}");
                }
            }
            if let Err(e) = run_pending(&app).await {
                tracing::warn!("job worker: {e:#}");
            }
            tick += 1;
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    })
}

#[derive(Serialize)]
pub struct JobView {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub attempts: i64,
    pub progress_done: i64,
    pub progress_total: i64,
    pub last_error: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    /// JSON written by the job: at least `summary` and optionally `link`.
    pub result: serde_json::Value,
}

/// Records what a job found (an import's counts and errors), for its progress page.
pub async fn set_result(app: &App, job_id: i64, result: &serde_json::Value) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE jobs SET result = $1 WHERE id = $2").bind(result.to_string()).bind(job_id).execute(&app.db.pool).await?;
    Ok(())
}

/// Enqueues a job now and returns its id (for work a person waits for, with a progress page).
pub async fn enqueue_returning(tx: &mut Tx, kind: &str, payload: serde_json::Value) -> Result<i64, sqlx::Error> {
    let now = crate::util::now();
    sqlx::query_scalar("INSERT INTO jobs (kind, payload, status, run_at, created_at) VALUES ($1,$2,'queued',$3,$3) RETURNING id")
        .bind(kind)
        .bind(payload.to_string())
        .bind(now)
        .fetch_one(&mut **tx)
        .await
}

pub async fn get(app: &App, id: i64) -> Result<Option<JobView>, sqlx::Error> {
    let r = sqlx::query(
        "SELECT id, kind, status, attempts, progress_done, progress_total, last_error, created_at, finished_at, result FROM jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?;
    r.map(|r| {
        Ok(JobView {
            id: r.try_get("id")?,
            kind: r.try_get("kind")?,
            status: r.try_get("status")?,
            attempts: r.try_get("attempts")?,
            progress_done: r.try_get("progress_done")?,
            progress_total: r.try_get("progress_total")?,
            last_error: r.try_get("last_error")?,
            created_at: r.try_get("created_at")?,
            finished_at: r.try_get("finished_at")?,
            result: serde_json::from_str(&r.try_get::<String, _>("result")?).unwrap_or(serde_json::Value::Null),
        })
    })
    .transpose()
}

/// Housekeeping: expired sessions, captcha ids, throttle counters.
pub async fn housekeeping(app: App, _id: i64, _p: serde_json::Value) -> anyhow::Result<()> {
    crate::auth::sessions::purge(&app).await?;
    crate::auth::captcha::purge(&app).await?;
    crate::auth::throttle::purge(&app).await?;
    crate::indexer::purge(&app).await?;
    files::purge(&app).await?;
    Ok(())
}

/// The job progress pages and the kernel's own jobs (mail, housekeeping).
pub fn install() -> crate::web::Domain {
    fn jobs(r: &mut Registry) {
        r.on("send_mail", mail::deliver);
        r.on("housekeeping", housekeeping);
        r.every("housekeeping", 3600);
    }
    crate::web::Domain {
        api: Some(|| <routes::ApiDoc as utoipa::OpenApi>::openapi()),
        jobs: Some(jobs),
        ..crate::web::Domain::new("jobs", routes::routes)
    }
}
