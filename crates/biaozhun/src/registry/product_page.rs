//! A product's page and its declaration's page, with the forms of who may act on them: the
//! organisation's administrators (and staff) edit the product and declare it; a testing or
//! certification body's users (and staff) record a result against one of its standards.
//! Both pages show the product's standards with their state, its flags and its results.
//! The work is the API's (`store::update`, `results::record`); the forms re-show themselves
//! with the field at fault.

use super::declarations;
use super::model::{ProductIn, split_numbers};
use super::results::{self, ResultIn};
use super::store::{self, Filter, ProductOut};
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes {
    Routes::new()
        .get("/registry/products/{id}", Access::Public, product)
        .post("/registry/products/{id}", Access::User, edit)
        .post("/registry/products/{id}/results", Access::User, record)
        .get("/registry/declarations/{id}", Access::Public, declaration)
}

/// The product form as typed (or as stored).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ProductForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub gtin: String,
    #[serde(default)]
    pub hs: String,
    #[serde(default)]
    pub standards: String,
}

impl ProductForm {
    fn of(p: &ProductOut) -> ProductForm {
        let standards = p.standards.iter().map(|s| s.number.clone()).collect::<Vec<_>>().join("\n");
        ProductForm { name: p.name.clone(), model: p.model.clone(), gtin: p.gtin.clone(), hs: p.hs.clone(), standards }
    }
}

/// The result form as typed; `next` is the page it was on (the product's or its declaration's).
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ResultForm {
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub standard: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub report_no: String,
    #[serde(default)]
    pub tested_on: String,
    #[serde(default)]
    pub valid_until: String,
    #[serde(default)]
    pub next: String,
}

/// Which form a refusal belongs to.
enum Refused {
    None,
    Product(ProductForm, AppError),
    Result(ResultForm, AppError),
}

/// What both pages show of a product and the forms the caller may use.
async fn facts(app: &App, ctx: &Ctx, p: &ProductOut, refused: Refused) -> AppResult<minijinja::Value> {
    let org = store::product_org(app, p.id).await?;
    let editable = ctx.user.is_some() && super::policy::must_edit_org(app, ctx, org).await.is_ok();
    let bodies = results::bodies_of_user(app, ctx).await?;
    let declaration: Option<i64> = sqlx::query_scalar("SELECT id FROM registry_declarations WHERE product_id = $1 AND status = 'public'").bind(p.id).fetch_optional(&app.db.pool).await?;
    let (form, result_form, error) = match refused {
        Refused::None => (ProductForm::of(p), ResultForm::default(), None),
        Refused::Product(f, e) => (f, ResultForm::default(), Some(("product", e))),
        Refused::Result(f, e) => (ProductForm::of(p), f, Some(("result", e))),
    };
    let (which, e) = match error {
        Some((w, e)) => (Some(w), Some(e)),
        None => (None, None),
    };
    let (error_field, error) = crate::web::form::field_error(e);
    Ok(context! {
        p => p, editable => editable, bodies => bodies, declaration => declaration, form => form, result_form => result_form,
        refused => which, error => error, error_field => error_field,
    })
}

async fn product_page(app: &App, ctx: &Ctx, id: i64, status: StatusCode, refused: Refused) -> AppResult<Response> {
    let p = store::one(app, id).await?;
    let f = facts(app, ctx, &p, refused).await?;
    ctx.render_status(app, status, "registry/product.html", context! { ..f })
}

async fn product(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    product_page(&app, &ctx, id, StatusCode::OK, Refused::None).await
}

fn status_of(e: &AppError) -> StatusCode {
    if matches!(e, AppError::Conflict(_)) { StatusCode::CONFLICT } else { StatusCode::UNPROCESSABLE_ENTITY }
}

async fn edit(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(form): Form<ProductForm>) -> AppResult<Response> {
    let org = store::product_org(&app, id).await?;
    let uscc = crate::orgs::store::get(&app.db.pool, org).await?.uscc;
    let input = ProductIn {
        organisation: uscc,
        name: form.name.clone(),
        model: form.model.clone(),
        gtin: form.gtin.clone(),
        hs: form.hs.clone(),
        standards: split_numbers(&form.standards),
        indicators: Default::default(),
    };
    match store::update(&app, &ctx, id, &input).await {
        // The save re-judges a declared product's flag in its own transaction.
        Ok(()) => Ok(redirect_with_flash(&app, &format!("/registry/products/{id}"), "registry_product_saved")),
        Err(e) if crate::web::form::reshown(&e) => product_page(&app, &ctx, id, status_of(&e), Refused::Product(form, e)).await,
        Err(e) => Err(e),
    }
}

/// Where the result form goes back to: its declaration's page when it came from there.
fn back(next: &str, product: i64) -> String {
    let n = next.trim();
    let ok = n.strip_prefix("/registry/declarations/").is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()));
    if ok { n.to_string() } else { format!("/registry/products/{product}") }
}

async fn record(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(form): Form<ResultForm>) -> AppResult<Response> {
    store::product_org(&app, id).await?;
    let input = ResultIn {
        body: form.body.clone(),
        product: id,
        standard: form.standard.clone(),
        outcome: form.outcome.clone(),
        report_no: form.report_no.clone(),
        tested_on: form.tested_on.clone(),
        valid_until: Some(form.valid_until.clone()),
    };
    let to = back(&form.next, id);
    match results::record(&app, &ctx, &input).await {
        Ok(_) => Ok(redirect_with_flash(&app, &to, "registry_result_saved")),
        Err(e) if crate::web::form::reshown(&e) => {
            let status = status_of(&e);
            match to.strip_prefix("/registry/declarations/").and_then(|d| d.parse::<i64>().ok()) {
                Some(d) => declaration_page(&app, &ctx, d, status, Refused::Result(form, e)).await,
                None => product_page(&app, &ctx, id, status, Refused::Result(form, e)).await,
            }
        }
        Err(e) => Err(e),
    }
}

async fn declaration_page(app: &App, ctx: &Ctx, id: i64, status: StatusCode, refused: Refused) -> AppResult<Response> {
    let product: Option<i64> = sqlx::query_scalar("SELECT product_id FROM registry_declarations WHERE id = $1 AND status = 'public'").bind(id).fetch_optional(&app.db.pool).await?;
    let pid = product.ok_or(AppError::NotFound)?;
    let d = declarations::search(app, &Filter { product_id: Some(pid), ..Default::default() }, 1, 0).await?.pop().ok_or(AppError::NotFound)?;
    let history = declarations::history_view(ctx.lang, declarations::history(app, id).await?);
    let p = store::one(app, pid).await?;
    let f = facts(app, ctx, &p, refused).await?;
    ctx.render_status(app, status, "registry/declaration.html", context! { d => d, history => history, next_path => format!("/registry/declarations/{id}"), ..f })
}

async fn declaration(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    declaration_page(&app, &ctx, id, StatusCode::OK, Refused::None).await
}

#[cfg(test)]
mod tests {
    use super::back;

    #[test]
    fn the_result_form_goes_back_only_to_a_declaration_page() {
        assert_eq!(back("/registry/declarations/12", 3), "/registry/declarations/12");
        assert_eq!(back("https://evil.example/", 3), "/registry/products/3");
        assert_eq!(back("/registry/declarations/12/../../admin", 3), "/registry/products/3");
        assert_eq!(back("", 3), "/registry/products/3");
    }
}
