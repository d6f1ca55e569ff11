//! Conformity testing and certification results: staff register a body (an organisation
//! with its accreditation scope, as standard numbers) and mark the bodies whose results the
//! government accepts; a body's administrators and staff record results for a product
//! against a standard in their scope (pass or fail, report number, date, validity). Results
//! show on the product and its declaration, and go out in the open data.

use super::store;
use crate::App;
use crate::auth::Role;
use crate::web::{Access, AppError, AppResult, Ctx, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sqlx::Row as _;

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/bodies", Access::Public, api_bodies)
        .post("/api/v1/bodies", Access::Staff, api_body_register)
        .post("/api/v1/bodies/{id}/accepted", Access::Staff, api_body_accept)
        .post("/api/v1/results", Access::User, api_result_record)
}

/// A body as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BodyOut {
    pub id: i64,
    pub organisation: String,
    pub name: String,
    pub accreditation: String,
    /// Standard numbers of the accreditation scope.
    pub scope: Vec<String>,
    /// The government accepts this body's results.
    pub accepted: bool,
}

/// A result as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConformityResult {
    pub id: i64,
    pub product_id: i64,
    pub body: String,
    pub body_accepted: bool,
    pub standard: String,
    /// `pass` or `fail`.
    pub outcome: String,
    pub report_no: String,
    /// `YYYY-MM-DD` (Asia/Shanghai).
    pub tested_on: String,
    pub valid_until: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct BodyIn {
    /// Credit code of the body's organisation.
    pub organisation: String,
    /// Accreditation (CNAS number, CMA, designation …).
    #[serde(default)]
    pub accreditation: String,
    /// Standard numbers the body is accredited for.
    #[serde(default)]
    pub scope: Vec<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct BodyAcceptIn {
    pub accepted: bool,
}

#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ResultIn {
    /// Credit code of the body.
    pub body: String,
    pub product: i64,
    pub standard: String,
    /// `pass` or `fail`.
    pub outcome: String,
    pub report_no: String,
    /// `YYYY-MM-DD`.
    pub tested_on: String,
    #[serde(default)]
    pub valid_until: Option<String>,
}

fn day(raw: &str, field: &'static str, ctx: &Ctx) -> AppResult<i64> {
    let (y, m, d) = stdnum::date::parse_date(raw.trim()).map_err(|e| AppError::invalid(field, ctx.tf("registry.err_date", &[("cause", &e.to_string())])))?;
    Ok(crate::standards::model::date_ts(y, m, d))
}

fn ymd(ts: i64) -> String {
    crate::util::fmt_date(ts)
}

pub async fn bodies(app: &App, only: Option<i64>) -> AppResult<Vec<BodyOut>> {
    let sql = match only {
        Some(id) => format!("SELECT b.id, o.uscc, o.name, b.accreditation, b.accepted FROM registry_bodies b JOIN organisations o ON o.id = b.org_id WHERE b.id = {id}"),
        None => "SELECT b.id, o.uscc, o.name, b.accreditation, b.accepted FROM registry_bodies b JOIN organisations o ON o.id = b.org_id ORDER BY o.name".to_string(),
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&app.db.pool).await?;
    let mut out = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let scope: Vec<String> = sqlx::query_scalar("SELECT number FROM registry_body_scope WHERE body_id = $1 ORDER BY base").bind(id).fetch_all(&app.db.pool).await?;
        out.push(BodyOut {
            id,
            organisation: r.try_get("uscc")?,
            name: r.try_get("name")?,
            accreditation: r.try_get("accreditation")?,
            scope,
            accepted: r.try_get::<i64, _>("accepted")? != 0,
        });
    }
    Ok(out)
}

/// Registered testing and certification bodies with their scope.
#[utoipa::path(get, path = "/api/v1/bodies", tag = "registry", responses((status = 200, body = [BodyOut])))]
pub async fn api_bodies(State(app): State<App>) -> AppResult<Json<Vec<BodyOut>>> {
    Ok(Json(bodies(&app, None).await?))
}

/// Registers (or updates) a body with its scope, in one transaction; answers its id.
pub async fn register_body(app: &App, ctx: &Ctx, input: &BodyIn) -> AppResult<i64> {
    if !super::policy::is_staff(ctx) {
        return Err(AppError::Forbidden);
    }
    let org = store::org_of_code(app, ctx, &input.organisation, "organisation").await?;
    let mut scope = Vec::new();
    for n in &input.scope {
        let c = super::model::cite(n, "").map_err(|e| store::invalid(ctx, super::model::FieldError { field: "scope", ..e }))?;
        scope.push(c);
    }
    if input.accreditation.trim().chars().count() > 200 {
        return Err(AppError::invalid("accreditation", ctx.tf("registry.err_too_long", &[("max", "200")])));
    }
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO registry_bodies (org_id, accreditation, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$4) \
         ON CONFLICT (org_id) DO UPDATE SET accreditation = excluded.accreditation, updated_at = excluded.updated_at RETURNING id",
    )
    .bind(org.id)
    .bind(input.accreditation.trim())
    .bind(ctx.user_id())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM registry_body_scope WHERE body_id = $1").bind(id).execute(&mut *tx).await?;
    for c in &scope {
        sqlx::query("INSERT INTO registry_body_scope (body_id, base, number) VALUES ($1,$2,$3) ON CONFLICT (body_id, base) DO NOTHING")
            .bind(id)
            .bind(&c.base)
            .bind(&c.number)
            .execute(&mut *tx)
            .await?;
    }
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "registry.body", target: format!("body:{id}"), detail: org.uscc.clone() }).await?;
    tx.commit().await?;
    Ok(id)
}

/// Registers (or updates) a testing or certification body with its scope (staff).
#[utoipa::path(post, path = "/api/v1/bodies", tag = "registry", request_body = BodyIn, responses((status = 201, body = BodyOut), (status = 422)))]
pub async fn api_body_register(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<BodyIn>) -> AppResult<Response> {
    let id = register_body(&app, &ctx, &input).await?;
    let b = bodies(&app, Some(id)).await?.pop().ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(b)).into_response())
}

/// Marks whether the government accepts a body's results (staff), in one transaction.
pub async fn set_accepted(app: &App, ctx: &Ctx, id: i64, accepted: bool) -> AppResult<()> {
    if !super::policy::is_staff(ctx) {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let n = sqlx::query("UPDATE registry_bodies SET accepted = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(accepted))
        .bind(crate::util::now())
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "registry.body_accepted", target: format!("body:{id}"), detail: accepted.to_string() }).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks whether the government accepts a body's results (staff).
#[utoipa::path(post, path = "/api/v1/bodies/{id}/accepted", tag = "registry", params(("id" = i64, Path)), request_body = BodyAcceptIn, responses((status = 200, body = BodyOut), (status = 404)))]
pub async fn api_body_accept(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<BodyAcceptIn>) -> AppResult<Json<BodyOut>> {
    set_accepted(&app, &ctx, id, input.accepted).await?;
    Ok(Json(bodies(&app, Some(id)).await?.pop().ok_or(AppError::NotFound)?))
}

/// The bodies whose results a user may record: every body for staff, else those of the
/// organisations the user belongs to.
pub async fn bodies_of_user(app: &App, ctx: &Ctx) -> AppResult<Vec<BodyOut>> {
    let Some(user) = ctx.user.as_deref() else { return Ok(vec![]) };
    let all = bodies(app, None).await?;
    if user.has(Role::Staff) {
        return Ok(all);
    }
    let mut out = Vec::new();
    for b in all {
        if let Some(org) = crate::orgs::store::id_by_uscc(&app.db.pool, &b.organisation).await?
            && crate::orgs::store::role_in(&app.db.pool, org, user.id).await?.is_some()
        {
            out.push(b);
        }
    }
    Ok(out)
}

/// Records a result in one transaction (the body's own users, or staff, for a standard in
/// its scope); answers its id. 422 names the field at fault, 409 a report recorded before.
pub async fn record(app: &App, ctx: &Ctx, input: &ResultIn) -> AppResult<i64> {
    let user = ctx.require_user()?;
    let org = store::org_of_code(app, ctx, &input.body, "body").await?;
    let body: Option<i64> = sqlx::query_scalar("SELECT id FROM registry_bodies WHERE org_id = $1").bind(org.id).fetch_optional(&app.db.pool).await?;
    let body = body.ok_or_else(|| AppError::invalid("body", ctx.t("registry.err_not_a_body")))?;
    if !user.has(Role::Staff) && crate::orgs::store::role_in(&app.db.pool, org.id, user.id).await?.is_none() {
        return Err(AppError::Forbidden);
    }
    store::product_org(app, input.product).await.map_err(|_| AppError::invalid("product", ctx.t("registry.err_no_product")))?;
    let c = super::model::cite(&input.standard, "").map_err(|e| store::invalid(ctx, super::model::FieldError { field: "standard", ..e }))?;
    let in_scope: Option<String> = sqlx::query_scalar("SELECT base FROM registry_body_scope WHERE body_id = $1 AND base = $2").bind(body).bind(&c.base).fetch_optional(&app.db.pool).await?;
    if in_scope.is_none() {
        return Err(AppError::invalid("standard", ctx.tf("registry.err_out_of_scope", &[("number", &c.norm)])));
    }
    let outcome = match input.outcome.trim() {
        "pass" | "fail" => input.outcome.trim().to_string(),
        _ => return Err(AppError::invalid("outcome", ctx.t("registry.err_outcome"))),
    };
    let report = input.report_no.trim();
    if report.is_empty() || report.chars().count() > 100 {
        return Err(AppError::invalid("report_no", ctx.t("registry.err_report_no")));
    }
    let tested = day(&input.tested_on, "tested_on", ctx)?;
    let valid = match input.valid_until.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(v) => Some(day(v, "valid_until", ctx)?),
        None => None,
    };
    if valid.is_some_and(|v| v < tested) {
        return Err(AppError::invalid("valid_until", ctx.t("registry.err_valid_before")));
    }
    let mut tx = app.db.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO registry_results (body_id, product_id, number, norm, base, outcome, report_no, tested_on, valid_until, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON CONFLICT (body_id, report_no, norm) DO NOTHING RETURNING id",
    )
    .bind(body)
    .bind(input.product)
    .bind(&c.number)
    .bind(&c.norm)
    .bind(&c.base)
    .bind(&outcome)
    .bind(report)
    .bind(tested)
    .bind(valid)
    .bind(user.id)
    .bind(crate::util::now())
    .fetch_optional(&mut *tx)
    .await?;
    let id = id.ok_or_else(|| AppError::Conflict(ctx.t("registry.err_report_exists")))?;
    let data = serde_json::json!({"result": id, "product": input.product, "body": org.uscc, "standard": c.number, "outcome": outcome, "report_no": report,
        "tested_on": ymd(tested), "valid_until": valid.map(ymd)});
    super::webhooks::emit(&mut tx, "result.recorded", data).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "registry.result", target: format!("result:{id}"), detail: report.to_string() }).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records a result: the body's own users (or staff), for a standard in its scope.
#[utoipa::path(post, path = "/api/v1/results", tag = "registry", request_body = ResultIn, responses((status = 201, body = ConformityResult), (status = 403), (status = 409), (status = 422)))]
pub async fn api_result_record(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<ResultIn>) -> AppResult<Response> {
    let id = record(&app, &ctx, &input).await?;
    let r = of_products(&app, &[input.product]).await?.into_iter().find(|r| r.id == id).ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

/// The results recorded for these products, newest first.
pub async fn of_products(app: &App, ids: &[i64]) -> AppResult<Vec<ConformityResult>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let sql = format!(
        "SELECT r.id, r.product_id, o.name AS body, b.accepted, r.number, r.outcome, r.report_no, r.tested_on, r.valid_until \
         FROM registry_results r JOIN registry_bodies b ON b.id = r.body_id JOIN organisations o ON o.id = b.org_id \
         WHERE r.product_id IN ({list}) ORDER BY r.tested_on DESC, r.id DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&app.db.pool).await?;
    let mut out = Vec::new();
    for r in rows {
        out.push(ConformityResult {
            id: r.try_get("id")?,
            product_id: r.try_get("product_id")?,
            body: r.try_get("body")?,
            body_accepted: r.try_get::<i64, _>("accepted")? != 0,
            standard: r.try_get("number")?,
            outcome: r.try_get("outcome")?,
            report_no: r.try_get("report_no")?,
            tested_on: ymd(r.try_get("tested_on")?),
            valid_until: r.try_get::<Option<i64>, _>("valid_until")?.map(ymd),
        });
    }
    Ok(out)
}
