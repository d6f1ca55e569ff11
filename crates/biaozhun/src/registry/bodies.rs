//! Staff pages of the testing and certification bodies: `/staff/registry/bodies` lists them
//! with their accreditation scope, registers one (an organisation by its credit code, the
//! accreditation, the scope as standard numbers) and marks whether the government accepts
//! its results. The work is `results::register_body` and `results::set_accepted`, as the API's.

use super::model::split_numbers;
use super::results::{self, BodyIn};
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppResult, Ctx, Form, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/registry/bodies", Access::Staff, list)
        .post("/staff/registry/bodies", Access::Staff, register)
        .post("/staff/registry/bodies/{id}/accepted", Access::Staff, accept)
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct BodyForm {
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    accreditation: String,
    /// Standard numbers, one a line or separated by `；` `,` `、`.
    #[serde(default)]
    scope: String,
}

async fn page(app: &App, ctx: &Ctx, status: StatusCode, form: &BodyForm, error: Option<crate::web::AppError>) -> AppResult<Response> {
    let items = results::bodies(app, None).await?;
    let (error_field, error) = crate::web::form::field_error(error);
    ctx.render_status(app, status, "registry/bodies.html", context! { items => items, form => form, error => error, error_field => error_field })
}

async fn list(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    page(&app, &ctx, StatusCode::OK, &BodyForm::default(), None).await
}

async fn register(State(app): State<App>, ctx: Ctx, Form(form): Form<BodyForm>) -> AppResult<Response> {
    let input = BodyIn { organisation: form.organisation.clone(), accreditation: form.accreditation.clone(), scope: split_numbers(&form.scope) };
    match results::register_body(&app, &ctx, &input).await {
        Ok(_) => Ok(redirect_with_flash(&app, "/staff/registry/bodies", "registry_body_saved")),
        Err(e) if crate::web::form::reshown(&e) => page(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, &form, Some(e)).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct AcceptForm {
    /// `1` (the government accepts its results) or `0`.
    #[serde(default)]
    accepted: String,
}

async fn accept(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<AcceptForm>) -> AppResult<Response> {
    results::set_accepted(&app, &ctx, id, f.accepted.trim() == "1").await?;
    Ok(redirect_with_flash(&app, "/staff/registry/bodies", "registry_body_saved"))
}
