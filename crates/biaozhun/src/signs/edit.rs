//! Editing a registered sign in the browser and through the API: its district, street,
//! address, coordinates, type, standard and set (the code, the import's key, and the owner
//! stay). Staff edit any sign, an inspector the signs of their districts (and may move one
//! only into another of theirs). The edit carries the `version` the editor read; when the
//! sign changed meanwhile (another edit, an import of its code) it is refused with 409 and
//! the page shows the sign as it is now, never writing over the newer one.

use super::model::{SignEdit, TYPES, field_error};
use super::policy::{self, SignAct};
use super::routes::SignOut;
use super::store;
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes {
    Routes::new()
        .get("/signs/{id}/edit", Access::User, edit_page)
        .post("/signs/{id}/edit", Access::User, edit_form)
        .get("/api/v1/signs/{id}", Access::Public, api_get)
        .put("/api/v1/signs/{id}", Access::User, api_edit)
}

/// One sign with its `version` (what an edit must name).
#[utoipa::path(get, path = "/api/v1/signs/{id}", tag = "signs", params(("id" = i64, Path)), responses((status = 200, body = SignOut), (status = 404)))]
pub async fn api_get(State(app): State<App>, Path(id): Path<i64>) -> AppResult<Json<SignOut>> {
    Ok(Json(SignOut::from(&store::get(&app, id).await?)))
}

/// Edits a sign (staff, or an inspector of its district — and of the new one when it
/// moves). 422 names the field in the reader's language; 409 when `version` is not the
/// sign's any more (someone changed it since it was read: read it again).
#[utoipa::path(put, path = "/api/v1/signs/{id}", tag = "signs", params(("id" = i64, Path)), request_body = SignEdit,
    responses((status = 200, body = SignOut), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn api_edit(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<SignEdit>) -> AppResult<Json<SignOut>> {
    let sign = store::get(&app, id).await?;
    ctx.must(&app, &SignAct::Edit, id).await?;
    let checked = input.check(ctx.lang)?;
    if checked.district != sign.district && !policy::inspects_in(&app, ctx.require_user()?, &checked.district).await? {
        return Err(AppError::Forbidden);
    }
    store::edit(&app, &ctx, id, input.version, &checked).await?;
    Ok(Json(SignOut::from(&store::get(&app, id).await?)))
}

/// The edit form's fields (as text, so that a wrong number comes back named).
#[derive(Deserialize, Serialize, Default)]
struct EditForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    district: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    address: String,
    #[serde(default, rename = "type")]
    sign_type: String,
    #[serde(default)]
    standard: String,
    #[serde(default)]
    lat: String,
    #[serde(default)]
    lon: String,
    #[serde(default)]
    set_name: String,
}

impl EditForm {
    fn of(s: &store::Sign) -> EditForm {
        let deg = |v: Option<i64>| v.map(|v| (v as f64 / 1e6).to_string()).unwrap_or_default();
        EditForm {
            version: s.version.to_string(),
            district: s.district.clone(),
            street: s.street.clone(),
            address: s.address.clone(),
            sign_type: s.sign_type.clone(),
            standard: s.standard.clone(),
            lat: deg(s.lat_e6),
            lon: deg(s.lon_e6),
            set_name: s.set_name.clone(),
        }
    }
}

/// The form with the values to show, the field at fault and its message.
async fn view(app: &App, ctx: &Ctx, sign: &store::Sign, form: &EditForm, status: StatusCode, error: Option<(String, String)>) -> AppResult<Response> {
    let districts: Vec<(String, String)> = policy::districts_of(app, ctx.require_user()?).await?.into_iter().map(|d| (store::district_label(&d), d)).collect();
    let streets: Vec<(&str, &str)> = super::model::STREETS.iter().map(|s| (s.district.as_str(), s.name.as_str())).filter(|(d, _)| districts.iter().any(|(_, c)| c == d)).collect();
    let sets: Vec<String> = super::sets::list(app, Some(form.district.as_str())).await.unwrap_or_default().into_iter().map(|s| s.name).collect();
    let (error_field, error) = error.unzip();
    let mut r = ctx.render(app, "signs/edit.html", context! {
        s => SignOut::from(sign), form => form, districts => districts, streets => streets, types => TYPES, sets => sets,
        error_field => error_field, error => error,
    })?;
    *r.status_mut() = status;
    Ok(r)
}

async fn edit_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let sign = store::get(&app, id).await?;
    ctx.must(&app, &SignAct::Edit, id).await?;
    view(&app, &ctx, &sign, &EditForm::of(&sign), StatusCode::OK, None).await
}

async fn edit_form(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<EditForm>) -> AppResult<Response> {
    let sign = store::get(&app, id).await?;
    ctx.must(&app, &SignAct::Edit, id).await?;
    let bad = |field: &str| Some((field.to_string(), field_error(ctx.lang, field).to_string()));
    let degree = |v: &str| if v.trim().is_empty() { Ok(None) } else { v.trim().parse::<f64>().map(Some) };
    let (lat, lon) = match (degree(&f.lat), degree(&f.lon)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(_), _) => return view(&app, &ctx, &sign, &f, StatusCode::UNPROCESSABLE_ENTITY, bad("lat")).await,
        (_, Err(_)) => return view(&app, &ctx, &sign, &f, StatusCode::UNPROCESSABLE_ENTITY, bad("lon")).await,
    };
    let Ok(version) = f.version.trim().parse::<i64>() else {
        return view(&app, &ctx, &sign, &EditForm::of(&sign), StatusCode::CONFLICT, Some(("version".into(), ctx.t("signs.err_stale")))).await;
    };
    let input = SignEdit {
        version,
        district: f.district.clone(),
        street: f.street.clone(),
        address: f.address.clone(),
        sign_type: f.sign_type.clone(),
        standard: f.standard.clone(),
        lat,
        lon,
        set_name: Some(f.set_name.clone()),
    };
    let checked = match input.check(ctx.lang) {
        Ok(c) => c,
        Err(AppError::Invalid { field, message }) => return view(&app, &ctx, &sign, &f, StatusCode::UNPROCESSABLE_ENTITY, Some((field.unwrap_or_default(), message))).await,
        Err(e) => return Err(e),
    };
    if checked.district != sign.district && !policy::inspects_in(&app, ctx.require_user()?, &checked.district).await? {
        return view(&app, &ctx, &sign, &f, StatusCode::FORBIDDEN, bad("district")).await;
    }
    match store::edit(&app, &ctx, id, version, &checked).await {
        Ok(()) => Ok(redirect_with_flash(&app, &format!("/signs/{id}"), "sign_edited")),
        // Someone changed the sign since this form was read: show it as it is now, with the
        // new version, and say so; nothing of this edit is written.
        Err(AppError::Conflict(message)) => {
            let now = store::get(&app, id).await?;
            view(&app, &ctx, &now, &EditForm::of(&now), StatusCode::CONFLICT, Some(("version".into(), message))).await
        }
        Err(e) => Err(e),
    }
}
