//! The registry's JSON API: products (add, search), an organisation's public part, and
//! self-declarations (declare, public search, history).

use super::declarations::{self, DeclarationOut, Event};
use super::model::ProductIn;
use super::store::{self, Filter, ProductOut};
use crate::App;
use crate::web::{Access, AppError, AppResult, Ctx, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_product_create, api_products, api_organisation, api_declare, api_declarations, api_declaration_history,
        super::webhooks::api_create, super::webhooks::api_list, super::webhooks::api_deliveries,
        super::own::api_upload, super::own::api_list,
        super::open_data::declarations_csv, super::open_data::declarations_jsonl,
        super::results::api_bodies, super::results::api_body_register, super::results::api_body_accept, super::results::api_result_record),
    components(schemas(ProductIn, ProductOut, store::CitedOut, ProductsOut, OrganisationOut, DeclareIn, DeclarationOut, DeclarationsOut, Event,
        super::results::BodyOut, super::results::BodyIn, super::results::BodyAcceptIn, super::results::ResultIn, super::results::ConformityResult, super::own::OwnIn, super::own::OwnOut,
        super::webhooks::WebhookIn, super::webhooks::WebhookOut, super::webhooks::WebhookCreated, super::webhooks::DeliveryOut))
)]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/products", Access::User, api_product_create)
        .get("/api/v1/products", Access::Public, api_products)
        .get("/api/v1/organisations/{credit_code}", Access::Public, api_organisation)
        .post("/api/v1/declarations", Access::User, api_declare)
        .get("/api/v1/declarations", Access::Public, api_declarations)
        .get("/api/v1/declarations/{id}/history", Access::Public, api_declaration_history)
        .merge(super::results::routes())
        .merge(super::open_data::routes())
        .merge(super::webhooks::routes())
        .merge(super::pages::routes())
        .merge(super::own::routes())
        .merge(super::product_page::routes())
        .merge(super::bodies::routes())
        .get("/staff/registry/import", Access::Staff, super::import::upload_page)
        .post("/staff/registry/import", Access::Staff, super::import::upload)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListQuery {
    /// A GTIN (check digit verified).
    gtin: Option<String>,
    /// A standard number: with a year, that edition; without, every edition.
    standard: Option<String>,
    /// The organisation's credit code.
    organisation: Option<String>,
    /// Words in the company name, product name, model or GTIN.
    q: Option<String>,
    offset: Option<i64>,
    limit: Option<i64>,
}

async fn filter_of(app: &App, ctx: &Ctx, q: &ListQuery) -> AppResult<Option<Filter>> {
    let mut f = Filter::default();
    if let Some(g) = q.gtin.as_deref().filter(|g| !g.trim().is_empty()) {
        f.gtin = Some(super::model::gtin(g).map_err(|e| store::invalid(ctx, e))?);
    }
    if let Some(s) = q.standard.as_deref().filter(|s| !s.trim().is_empty()) {
        f.standard = Some(s.to_string());
    }
    if let Some(o) = q.organisation.as_deref().filter(|o| !o.trim().is_empty()) {
        let code = super::model::credit_code(o, "organisation").map_err(|e| store::invalid(ctx, e))?;
        match crate::orgs::store::id_by_uscc(&app.db.pool, &code).await? {
            Some(id) => f.org_id = Some(id),
            None => return Ok(None),
        }
    }
    f.text = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(String::from);
    Ok(Some(f))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProductsOut {
    pub items: Vec<ProductOut>,
}

/// Adds a product: administrators of the organisation for their own organisation, staff for
/// any. 422 names the field (`organisation` for a wrong or unknown credit code, `gtin`,
/// `hs`, `standards`, `name`); 409 when the organisation has a product of that name and model.
#[utoipa::path(post, path = "/api/v1/products", tag = "registry", request_body = ProductIn, responses((status = 201, body = ProductOut), (status = 403), (status = 409), (status = 422)))]
pub async fn api_product_create(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<ProductIn>) -> AppResult<Response> {
    let id = store::create(&app, &ctx, &input).await?;
    let p = store::one(&app, id).await?;
    Ok((StatusCode::CREATED, Json(p)).into_response())
}

/// Products, filtered by GTIN, standard (with year: that edition; without: every edition)
/// and organisation, each cited standard with its status in the catalogue.
#[utoipa::path(get, path = "/api/v1/products", tag = "registry", params(ListQuery), responses((status = 200, body = ProductsOut), (status = 422)))]
pub async fn api_products(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Json<ProductsOut>> {
    let Some(f) = filter_of(&app, &ctx, &q).await? else { return Ok(Json(ProductsOut { items: vec![] })) };
    let items = store::list(&app, &f, q.limit.unwrap_or(100), q.offset.unwrap_or(0)).await?;
    Ok(Json(ProductsOut { items }))
}

/// The public part of an organisation.
#[derive(Serialize, utoipa::ToSchema)]
pub struct OrganisationOut {
    pub credit_code: String,
    pub name: String,
    /// GB/T 2260 code and name.
    pub district_code: String,
    pub district: String,
    pub industry: String,
    /// Names the organisation had before, oldest first.
    pub former_names: Vec<String>,
    pub declarations: i64,
    pub products: i64,
}

/// An organisation by its unified social credit code (or a legacy 9-character organisation
/// code, GB 11714): 422 when the check digit is wrong, 404 when no organisation is
/// registered under it.
#[utoipa::path(get, path = "/api/v1/organisations/{credit_code}", tag = "registry", params(("credit_code" = String, Path)), responses((status = 200, body = OrganisationOut), (status = 404), (status = 422)))]
pub async fn api_organisation(State(app): State<App>, ctx: Ctx, Path(code): Path<String>) -> AppResult<Json<OrganisationOut>> {
    // Nine characters: a legacy organisation code (GB 11714), found inside the credit codes.
    let squeezed: String = code.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    let id = if squeezed.chars().count() == 9 {
        let legacy = stdnum::orgcode::validate(&code).map_err(|e| AppError::invalid("credit_code", ctx.tf("registry.err_org_code", &[("cause", &e.to_string())])))?;
        crate::orgs::store::id_by_org_code(&app.db.pool, &legacy).await?
    } else {
        let code = super::model::credit_code(&code, "credit_code").map_err(|e| store::invalid(&ctx, e))?;
        crate::orgs::store::id_by_uscc(&app.db.pool, &code).await?
    };
    let id = id.ok_or(AppError::NotFound)?;
    let o = crate::orgs::store::get(&app.db.pool, id).await?;
    let former_names = crate::orgs::store::name_history(&app.db.pool, id).await?.into_iter().map(|(n, _)| n).collect();
    let products: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM registry_products WHERE org_id = $1").bind(id).fetch_one(&app.db.pool).await?;
    Ok(Json(OrganisationOut {
        credit_code: o.uscc,
        name: o.name,
        district: crate::orgs::codes::district(&o.district_code).map(|d| d.name.clone()).unwrap_or_default(),
        district_code: o.district_code,
        industry: o.industry,
        former_names,
        declarations: store::declarations_count(&app, id).await?,
        products,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DeclareIn {
    pub product: i64,
}

/// Declares a product public (自我声明公开): its organisation's administrators, or staff.
#[utoipa::path(post, path = "/api/v1/declarations", tag = "registry", request_body = DeclareIn, responses((status = 201, body = DeclarationOut), (status = 403), (status = 404)))]
pub async fn api_declare(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<DeclareIn>) -> AppResult<Response> {
    let id = declarations::declare(&app, &ctx, input.product).await?;
    let d = declarations::search(&app, &Filter { product_id: Some(input.product), ..Default::default() }, 1, 0).await?.pop().filter(|d| d.id == id).ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(d)).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DeclarationsOut {
    pub items: Vec<DeclarationOut>,
}

/// Public declarations by standard, GTIN, organisation or words; each cited standard
/// carries `number`, `status` and `current` from the catalogue.
#[utoipa::path(get, path = "/api/v1/declarations", tag = "registry", params(ListQuery), responses((status = 200, body = DeclarationsOut), (status = 422)))]
pub async fn api_declarations(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Json<DeclarationsOut>> {
    let Some(f) = filter_of(&app, &ctx, &q).await? else { return Ok(Json(DeclarationsOut { items: vec![] })) };
    let items = declarations::search(&app, &f, q.limit.unwrap_or(100), q.offset.unwrap_or(0)).await?;
    Ok(Json(DeclarationsOut { items }))
}

/// A declaration's history (declared, flagged, cleared), oldest first.
#[utoipa::path(get, path = "/api/v1/declarations/{id}/history", tag = "registry", params(("id" = i64, Path)), responses((status = 200, body = [Event]), (status = 404)))]
pub async fn api_declaration_history(State(app): State<App>, Path(id): Path<i64>) -> AppResult<Json<Vec<Event>>> {
    let public: Option<i64> = sqlx::query_scalar("SELECT id FROM registry_declarations WHERE id = $1 AND status = 'public'").bind(id).fetch_optional(&app.db.pool).await?;
    public.ok_or(AppError::NotFound)?;
    Ok(Json(declarations::history(&app, id).await?))
}
