//! An enterprise's own standards (企业标准, `Q/…`) uploaded with their technical indicators
//! by the organisation's administrators (or staff). Products citing one are judged `own`:
//! the enterprise publishes it, the national catalogue does not hold it.

use super::store;
use crate::App;
use crate::web::{Access, AppError, AppResult, Ctx, JsonIn, Routes};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes {
    Routes::new().post("/api/v1/own-standards", Access::User, api_upload).get("/api/v1/own-standards", Access::Public, api_list)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct OwnIn {
    /// Credit code of the organisation.
    pub organisation: String,
    /// The number, `Q/…`.
    pub number: String,
    #[schema(max_length = 200)]
    pub title: String,
    /// The technical indicators (text, one a line).
    #[serde(default)]
    pub indicators: String,
}

#[derive(Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct OwnOut {
    pub number: String,
    pub norm: String,
    pub title: String,
    pub indicators: String,
    pub organisation: String,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct OwnQuery {
    /// Credit code of the organisation.
    organisation: Option<String>,
}

/// Uploads (or replaces) one of the organisation's own standards with its indicators.
#[utoipa::path(post, path = "/api/v1/own-standards", tag = "registry", request_body = OwnIn, responses((status = 201, body = OwnOut), (status = 403), (status = 422)))]
pub async fn api_upload(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<OwnIn>) -> AppResult<Response> {
    let org = store::org_of_code(&app, &ctx, &input.organisation, "organisation").await?;
    super::policy::must_edit_org(&app, &ctx, org.id).await?;
    let c = super::model::cite(&input.number, &input.indicators).map_err(|e| store::invalid(&ctx, e))?;
    if !c.norm.starts_with("Q/") {
        return Err(AppError::invalid("number", ctx.t("registry.err_own_number")));
    }
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::invalid("title", ctx.t("registry.err_own_title")));
    }
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "INSERT INTO registry_own_standards (org_id, number, norm, base, title, indicators, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) \
         ON CONFLICT (org_id, norm) DO UPDATE SET number = excluded.number, title = excluded.title, indicators = excluded.indicators, updated_at = excluded.updated_at",
    )
    .bind(org.id)
    .bind(&c.number)
    .bind(&c.norm)
    .bind(&c.base)
    .bind(title)
    .bind(&c.indicators)
    .bind(ctx.user_id())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::auth::audit::log_tx(&mut tx, &ctx, crate::auth::audit::Entry { action: "registry.own_standard", target: format!("org:{}", org.id), detail: c.norm.clone() }).await?;
    tx.commit().await?;
    let out = OwnOut { number: c.number, norm: c.norm, title: title.to_string(), indicators: c.indicators, organisation: org.uscc };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Own standards, of one organisation or all.
#[utoipa::path(get, path = "/api/v1/own-standards", tag = "registry", params(OwnQuery), responses((status = 200, body = [OwnOut])))]
pub async fn api_list(State(app): State<App>, ctx: Ctx, Query(q): Query<OwnQuery>) -> AppResult<Json<Vec<OwnOut>>> {
    let base = "SELECT s.number, s.norm, s.title, s.indicators, o.uscc AS organisation FROM registry_own_standards s JOIN organisations o ON o.id = s.org_id";
    let rows = match q.organisation.as_deref().filter(|o| !o.trim().is_empty()) {
        Some(o) => {
            let code = super::model::credit_code(o, "organisation").map_err(|e| store::invalid(&ctx, e))?;
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{base} WHERE o.uscc = $1 ORDER BY s.norm LIMIT 1000"))).bind(code).fetch_all(&app.db.pool).await?
        }
        None => sqlx::query_as(sqlx::AssertSqlSafe(format!("{base} ORDER BY o.uscc, s.norm LIMIT 1000"))).fetch_all(&app.db.pool).await?,
    };
    Ok(Json(rows))
}

/// Which of these normalised numbers are an enterprise's own uploaded standards.
pub async fn known(app: &App, norms: &[String]) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let mut out = std::collections::HashSet::new();
    for chunk in norms.chunks(200) {
        let sql = format!("SELECT DISTINCT norm FROM registry_own_standards WHERE norm IN ({})", app.db.kind.params(1, chunk.len()));
        let mut q = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
        for n in chunk {
            q = q.bind(n);
        }
        out.extend(q.fetch_all(&app.db.pool).await?);
    }
    Ok(out)
}
