//! An enterprise's own standards (企业标准, `Q/…`) uploaded with their technical indicators
//! by the organisation's administrators (or staff). Products citing one are judged `own`:
//! the enterprise publishes it, the national catalogue does not hold it.

use super::store;
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use minijinja::context;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/own-standards", Access::User, api_upload)
        .get("/api/v1/own-standards", Access::Public, api_list)
        .get("/registry/own-standards", Access::User, own_page)
        .post("/registry/own-standards", Access::User, own_form)
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

/// Uploads (or replaces) one of the organisation's own standards, in one transaction: its
/// administrators, or staff. 422 names `organisation`, `number` (not `Q/…`) or `title`.
pub async fn upload(app: &App, ctx: &Ctx, input: &OwnIn) -> AppResult<OwnOut> {
    let org = store::org_of_code(app, ctx, &input.organisation, "organisation").await?;
    super::policy::must_edit_org(app, ctx, org.id).await?;
    let c = super::model::cite(&input.number, &input.indicators).map_err(|e| store::invalid(ctx, e))?;
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
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "registry.own_standard", target: format!("org:{}", org.id), detail: c.norm.clone() }).await?;
    tx.commit().await?;
    Ok(OwnOut { number: c.number, norm: c.norm, title: title.to_string(), indicators: c.indicators, organisation: org.uscc })
}

/// Uploads (or replaces) one of the organisation's own standards with its indicators.
#[utoipa::path(post, path = "/api/v1/own-standards", tag = "registry", request_body = OwnIn, responses((status = 201, body = OwnOut), (status = 403), (status = 422)))]
pub async fn api_upload(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<OwnIn>) -> AppResult<Response> {
    let out = upload(&app, &ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// The own standards of one organisation, by number.
pub async fn of_org(app: &App, org_id: i64) -> AppResult<Vec<OwnOut>> {
    Ok(sqlx::query_as(
        "SELECT s.number, s.norm, s.title, s.indicators, o.uscc AS organisation FROM registry_own_standards s JOIN organisations o ON o.id = s.org_id \
         WHERE s.org_id = $1 ORDER BY s.norm LIMIT 1000",
    )
    .bind(org_id)
    .fetch_all(&app.db.pool)
    .await?)
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct OwnForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    indicators: String,
}

async fn page(app: &App, ctx: &Ctx, status: StatusCode, form: &OwnForm, error: Option<AppError>) -> AppResult<Response> {
    let org = super::policy::administered_org(app, ctx).await?;
    let items = match &org {
        Some(o) => of_org(app, o.id).await?,
        None => vec![],
    };
    let (error_field, error) = crate::web::form::field_error(error);
    ctx.render_status(app, status, "registry/own.html", context! { org => org, items => items, form => form, error => error, error_field => error_field })
}

/// `/registry/own-standards`: the own standards of the organisation its administrator acts for.
async fn own_page(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    page(&app, &ctx, StatusCode::OK, &OwnForm::default(), None).await
}

async fn own_form(State(app): State<App>, ctx: Ctx, Form(form): Form<OwnForm>) -> AppResult<Response> {
    // Without an organisation to act for, the page itself says who may upload.
    let Some(org) = super::policy::administered_org(&app, &ctx).await? else { return Ok(axum::response::Redirect::to("/registry/own-standards").into_response()) };
    let uscc = crate::orgs::store::get(&app.db.pool, org.id).await?.uscc;
    let input = OwnIn { organisation: uscc, number: form.number.clone(), title: form.title.clone(), indicators: form.indicators.clone() };
    match upload(&app, &ctx, &input).await {
        Ok(_) => Ok(redirect_with_flash(&app, "/registry/own-standards", "registry_own_saved")),
        Err(e) if crate::web::form::reshown(&e) => page(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, &form, Some(e)).await,
        Err(e) => Err(e),
    }
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
