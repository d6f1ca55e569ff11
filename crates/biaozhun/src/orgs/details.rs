//! An organisation's details edited after its registration: its district (GB/T 2260,
//! Guangzhou) and industry (GB/T 4754-2017) checked against the code lists of
//! [`super::codes`], and its address. Its administrators edit them on `/orgs/{id}` and
//! through `PUT /api/v1/orgs/{id}/details`; the association's staff through the API for any
//! organisation. A field at fault is named (422).

use super::codes;
use super::store::{self, Organisation};
use crate::App;
use crate::auth::Role;
use crate::web::{AppError, AppResult, Ctx, Form, JsonIn};
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DetailsIn {
    /// GB/T 2260 code of a Guangzhou district (`440106`).
    #[serde(default)]
    pub district_code: String,
    /// GB/T 4754-2017: a section (`C`) or a division (`38`).
    #[serde(default)]
    pub industry: String,
    #[serde(default)]
    pub address: String,
}

/// Saves the details after checking them: the organisation's administrators, or staff.
pub async fn update(app: &App, ctx: &Ctx, org_id: i64, input: &DetailsIn) -> AppResult<Organisation> {
    let user = ctx.require_user()?;
    if user.has(Role::Staff) {
        store::get(&app.db.pool, org_id).await?;
    } else {
        store::require_admin(&app.db.pool, org_id, user.id).await?;
    }
    let (district, industry) = codes::check(ctx.lang, &input.district_code, &input.industry)?;
    let address = input.address.trim();
    if address.chars().count() > 200 {
        return Err(AppError::invalid("address", ctx.t("orgs.err_address")));
    }
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE organisations SET district_code = $1, industry = $2, address = $3, updated_at = $4 WHERE id = $5")
        .bind(&district)
        .bind(&industry)
        .bind(address)
        .bind(crate::util::now())
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    let detail = format!("{district} {industry}");
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "orgs.details", target: format!("org:{org_id}"), detail }).await?;
    tx.commit().await?;
    store::get(&app.db.pool, org_id).await
}

/// Changes an organisation's district, industry and address (its administrators, or staff);
/// 422 names `district_code` (not a Guangzhou district of GB/T 2260), `industry` (not a
/// section or division of GB/T 4754-2017) or `address`.
#[utoipa::path(put, path = "/api/v1/orgs/{id}/details", tag = "orgs", params(("id" = i64, Path)), request_body = DetailsIn,
    responses((status = 200, body = Organisation), (status = 403), (status = 404), (status = 422)))]
pub async fn api_update(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<DetailsIn>) -> AppResult<Json<Organisation>> {
    Ok(Json(update(&app, &ctx, id, &input).await?))
}

/// The form on the organisation's page: back to it, or the page again with the field at fault.
pub async fn form(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<DetailsIn>) -> AppResult<Response> {
    let result = update(&app, &ctx, id, &f).await.map(|_| ());
    super::routes::answer_details(&app, &ctx, id, result, &f).await
}
