//! Progress of long work (imports, re-indexing, bulk checks): a page that refreshes itself
//! while the job runs (no JavaScript needed) and the same as JSON.

use super::{JobView, get};
use crate::App;
use crate::web::{Access, AppError, AppResult, Ctx, Routes};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use minijinja::context;

#[derive(utoipa::OpenApi)]
#[openapi(paths(api_get))]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new().get("/staff/jobs/{id}", Access::Staff, page).get("/api/v1/jobs/{id}", Access::Staff, api_get)
}

async fn page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let mut job = get(&app, id).await?.ok_or(AppError::NotFound)?;
    // An import's row problems in the reader's language.
    crate::web::i18n::word_result(ctx.lang, &mut job.result);
    let running = job.status == "queued" || job.status == "running";
    let percent = if job.progress_total > 0 { (job.progress_done * 100 / job.progress_total).min(100) } else { 0 };
    ctx.render(&app, "jobs/progress.html", context! { job => job, running => running, percent => percent })
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct JobStatus {
    pub id: i64,
    pub kind: String,
    /// queued, running, done or failed.
    pub status: String,
    pub progress_done: i64,
    pub progress_total: i64,
    pub last_error: String,
    #[schema(value_type = Object)]
    /// What the job found (null until it has finished). An import's `errors` and `warnings`
    /// are row problems: `line`, `column`, a stable `code` with its `args` (and a parser's
    /// `cause`), and `message`, worded in the request's language.
    #[schema(value_type = Object, nullable = true)]
    pub result: serde_json::Value,
}

/// Progress and result of a background job (staff).
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs", params(("id" = i64, Path)), responses((status = 200, body = JobStatus), (status = 404)))]
pub async fn api_get(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<JobStatus>> {
    let mut j: JobView = get(&app, id).await?.ok_or(AppError::NotFound)?;
    // Each row problem keeps its stable `code` and `args`; its `message` is in the caller's
    // language, as the API's error messages are.
    crate::web::i18n::word_result(ctx.lang, &mut j.result);
    Ok(Json(JobStatus {
        id: j.id,
        kind: j.kind,
        status: j.status,
        progress_done: j.progress_done,
        progress_total: j.progress_total,
        last_error: j.last_error,
        result: j.result,
    }))
}
