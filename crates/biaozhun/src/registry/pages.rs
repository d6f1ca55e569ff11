//! The registry's pages: the public search of self-declarations (company, product, GTIN,
//! standard) with each cited standard's state and the flags; and an organisation
//! administrator's products (add, declare) for the organisation they act for.

use super::declarations;
use super::model::{ProductIn, split_numbers};
use super::store::{self, Filter};
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, Routes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes {
    Routes::new()
        .get("/registry", Access::Public, search)
        .get("/registry/products", Access::User, products)
        .post("/registry/products", Access::User, add)
        .post("/registry/products/{id}/declare", Access::User, declare)
}

#[derive(Deserialize, Default, Serialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    standard: String,
    #[serde(default)]
    gtin: String,
}

async fn search(State(app): State<App>, ctx: Ctx, Query(q): Query<SearchQuery>) -> AppResult<Response> {
    let mut f = Filter::default();
    let mut error = None;
    if !q.gtin.trim().is_empty() {
        match super::model::gtin(&q.gtin) {
            Ok(g) => f.gtin = Some(g),
            Err(e) => error = Some(store::invalid(&ctx, e).to_string()),
        }
    }
    f.standard = Some(q.standard.trim().to_string()).filter(|s| !s.is_empty());
    f.text = Some(q.q.trim().to_string()).filter(|s| !s.is_empty());
    let asked = f.gtin.is_some() || f.standard.is_some() || f.text.is_some();
    let items = if error.is_none() { declarations::search(&app, &f, 100, 0).await? } else { vec![] };
    ctx.render(&app, "registry/search.html", context! { items => items, q => q, asked => asked, error => error })
}

#[derive(Deserialize, Default, Serialize)]
struct ProductForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    gtin: String,
    #[serde(default)]
    hs: String,
    #[serde(default)]
    standards: String,
}

async fn page(app: &App, ctx: &Ctx, status: StatusCode, form: &ProductForm, error: Option<AppError>) -> AppResult<Response> {
    let org = super::policy::administered_org(app, ctx).await?;
    let items = match &org {
        Some(o) => store::list(app, &Filter { org_id: Some(o.id), ..Default::default() }, 500, 0).await?,
        None => vec![],
    };
    let (error_field, error) = crate::web::form::field_error(error);
    ctx.render_status(app, status, "registry/products.html", context! { org => org, items => items, form => form, error => error, error_field => error_field })
}

async fn products(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    page(&app, &ctx, StatusCode::OK, &ProductForm::default(), None).await
}

async fn add(State(app): State<App>, ctx: Ctx, Form(form): Form<ProductForm>) -> AppResult<Response> {
    // Without an organisation to act for, the page itself says who may add products.
    let Some(org) = super::policy::administered_org(&app, &ctx).await? else { return Ok(axum::response::Redirect::to("/registry/products").into_response()) };
    let o = crate::orgs::store::get(&app.db.pool, org.id).await?;
    let input = ProductIn { organisation: o.uscc, name: form.name.clone(), model: form.model.clone(), gtin: form.gtin.clone(), hs: form.hs.clone(), standards: split_numbers(&form.standards), indicators: Default::default() };
    match store::create(&app, &ctx, &input).await {
        Ok(_) => Ok(redirect_with_flash(&app, "/registry/products", "registry_product_added")),
        Err(e) if crate::web::form::reshown(&e) => {
            let status = if matches!(e, AppError::Conflict(_)) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY };
            page(&app, &ctx, status, &form, Some(e)).await
        }
        Err(e) => Err(e),
    }
}

async fn declare(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    declarations::declare(&app, &ctx, id).await?;
    Ok(redirect_with_flash(&app, "/registry/products", "registry_declared"))
}
