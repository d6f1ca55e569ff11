//! Removing a sign from the register (staff only). A sign with a rectification case still
//! open or rectified is refused (409): the case is the owner's obligation and is closed by a
//! re-inspection first. Otherwise the sign goes with its inspections, their photos and its
//! closed cases (with their workflow history); the audit line keeps its code, district and
//! what went with it. The district's counts drop by the sign, its standing and its
//! inspections in the same transaction, so they still equal the records.

use super::store;
use crate::App;
use crate::auth::audit::{self, Entry};
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub fn routes() -> Routes {
    Routes::new().post("/signs/{id}/delete", Access::Staff, remove_form).delete("/api/v1/signs/{id}", Access::Staff, api_remove)
}

/// Removes a sign (staff). 409 while a case of it is open or rectified.
#[utoipa::path(delete, path = "/api/v1/signs/{id}", tag = "signs", params(("id" = i64, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn api_remove(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    remove(&app, &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The button on the sign's page; a refusal comes back on the page, named.
async fn remove_form(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    match remove(&app, &ctx, id).await {
        Ok(district) => Ok(redirect_with_flash(&app, &format!("/signs?district={district}"), "sign_deleted")),
        Err(AppError::Conflict(message)) => super::routes::sign_view(&app, &ctx, id, StatusCode::CONFLICT, Some(("delete".into(), message))).await,
        Err(e) => Err(e),
    }
}

/// Removes the sign with its records and counts in one transaction; answers its district.
pub async fn remove(app: &App, ctx: &Ctx, id: i64) -> AppResult<String> {
    let mut tx = app.db.begin().await?;
    // Take the row first: an inspection or an edit of it meanwhile waits, then finds it gone.
    let taken = sqlx::query("UPDATE signs SET version = version + 1 WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
    if taken == 0 {
        return Err(AppError::NotFound);
    }
    let (code, district, conforming): (String, String, i64) = sqlx::query_as("SELECT code, district, conforming FROM signs WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
    let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_cases WHERE sign_id = $1 AND state IN ('open','rectified')").bind(id).fetch_one(&mut *tx).await?;
    if open > 0 {
        return Err(AppError::Conflict(ctx.t("signs.err_delete_open_case")));
    }
    let inspections: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_inspections WHERE sign_id = $1").bind(id).fetch_one(&mut *tx).await?;
    let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sign_cases WHERE sign_id = $1").bind(id).fetch_one(&mut *tx).await?;
    sqlx::query("DELETE FROM workflow_events WHERE kind = $1 AND record_id IN (SELECT id FROM sign_cases WHERE sign_id = $2)")
        .bind(super::CASE_FLOW.kind())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sign_cases WHERE sign_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM sign_photos WHERE inspection_id IN (SELECT id FROM sign_inspections WHERE sign_id = $1)").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM sign_inspections WHERE sign_id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM signs WHERE id = $1").bind(id).execute(&mut *tx).await?;
    store::bump(&mut tx, &district, -1, -conforming, -inspections, 0).await?;
    let detail = format!("{code} {district} inspections:{inspections} cases:{cases}");
    audit::log_tx(&mut tx, ctx, Entry { action: "signs.delete", target: format!("sign:{id}"), detail }).await?;
    tx.commit().await?;
    Ok(district)
}
