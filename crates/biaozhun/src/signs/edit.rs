//! Editing a registered sign in the browser and through the API: its district, street,
//! address, coordinates, type, standard, set and (staff only) owner; the code, the import's
//! key, stays. Staff edit any sign, an inspector the signs of their districts (and may move
//! one only into another of theirs). The edit carries the `version` the editor read; when the
//! sign changed meanwhile (another edit, an import of its code) it is refused with 409 and
//! the page shows the sign as it is now, never writing over the newer one.

use super::model::{SignEdit, SignForm, SignIn, TYPES, field_error};
use super::policy::{self, SignAct};
use super::routes::SignOut;
use super::store;
use crate::App;
use crate::auth::Role;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;

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
/// moves; only staff change the owner). 422 names the field in the reader's language; 409
/// when `version` is not the sign's any more (someone changed it since it was read: read it
/// again).
#[utoipa::path(put, path = "/api/v1/signs/{id}", tag = "signs", params(("id" = i64, Path)), request_body = SignEdit,
    responses((status = 200, body = SignOut), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn api_edit(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<SignEdit>) -> AppResult<Json<SignOut>> {
    let sign = store::get(&app, id).await?;
    ctx.must(&app, &SignAct::Edit, id).await?;
    apply(&app, &ctx, &sign, &input).await?;
    Ok(Json(SignOut::from(&store::get(&app, id).await?)))
}

/// The owner an edit names when it changes it: `Some(None)` removes it, `None` keeps it.
async fn owner_change(app: &App, sign: &store::Sign, given: Option<&str>) -> AppResult<Option<Option<String>>> {
    let Some(given) = given.map(|o| o.trim().to_uppercase()) else { return Ok(None) };
    let now = store::owner_uscc(app, sign.owner_org).await?;
    let wanted = Some(given).filter(|o| !o.is_empty());
    Ok((wanted != now).then_some(wanted))
}

/// Checks an edit against the actor and writes it: 422 names the field, 403 for a move
/// outside the actor's districts or an owner changed by anyone but staff, 409 when stale.
async fn apply(app: &App, ctx: &Ctx, sign: &store::Sign, input: &SignEdit) -> AppResult<()> {
    let user = ctx.require_user()?;
    let checked = input.sign.check(ctx.lang)?;
    if checked.code.as_ref().is_some_and(|c| *c != sign.code) {
        return Err(AppError::invalid("code", ctx.t("signs.err_code_stays")));
    }
    if checked.district != sign.district && !policy::inspects_in(app, user, &checked.district).await? {
        return Err(AppError::Forbidden);
    }
    let owner = owner_change(app, sign, input.sign.owner.as_deref()).await?;
    if owner.is_some() && !user.has(Role::Staff) {
        return Err(AppError::Forbidden);
    }
    store::edit(app, ctx, sign.id, input.version, &checked, owner).await
}

/// The form's values for a sign as it is.
async fn form_of(app: &App, s: &store::Sign) -> AppResult<SignForm> {
    let deg = |v: Option<i64>| v.map(|v| (v as f64 / 1e6).to_string()).unwrap_or_default();
    Ok(SignForm {
        version: s.version.to_string(),
        code: String::new(),
        district: s.district.clone(),
        street: s.street.clone(),
        address: s.address.clone(),
        sign_type: s.sign_type.clone(),
        standard: s.standard.clone(),
        lat: deg(s.lat_e6),
        lon: deg(s.lon_e6),
        set_name: s.set_name.clone(),
        owner: store::owner_uscc(app, s.owner_org).await?.unwrap_or_default(),
    })
}

/// The form with the values to show, the field at fault and its message.
async fn view(app: &App, ctx: &Ctx, sign: &store::Sign, form: &SignForm, status: StatusCode, error: Option<(String, String)>) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let districts: Vec<(String, String)> = policy::districts_of(app, user).await?.into_iter().map(|d| (store::district_label(&d), d)).collect();
    let streets: Vec<(&str, &str)> = super::model::STREETS.iter().map(|s| (s.district.as_str(), s.name.as_str())).filter(|(d, _)| districts.iter().any(|(_, c)| c == d)).collect();
    let sets: Vec<String> = super::sets::list(app, Some(form.district.as_str())).await.unwrap_or_default().into_iter().map(|s| s.name).collect();
    let (error_field, error) = error.unzip();
    let mut r = ctx.render(app, "signs/edit.html", context! {
        s => SignOut::from(sign), form => form, districts => districts, streets => streets, types => TYPES, sets => sets,
        staff => user.has(Role::Staff), error_field => error_field, error => error,
    })?;
    *r.status_mut() = status;
    Ok(r)
}

async fn edit_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let sign = store::get(&app, id).await?;
    ctx.must(&app, &SignAct::Edit, id).await?;
    view(&app, &ctx, &sign, &form_of(&app, &sign).await?, StatusCode::OK, None).await
}

async fn edit_form(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<SignForm>) -> AppResult<Response> {
    let sign = store::get(&app, id).await?;
    ctx.must(&app, &SignAct::Edit, id).await?;
    let bad = |field: &str| Some((field.to_string(), field_error(ctx.lang, field).to_string()));
    let input = match f.input() {
        Ok(i) => i,
        Err(field) => return view(&app, &ctx, &sign, &f, StatusCode::UNPROCESSABLE_ENTITY, bad(field)).await,
    };
    let Ok(version) = f.version.trim().parse::<i64>() else {
        return view(&app, &ctx, &sign, &form_of(&app, &sign).await?, StatusCode::CONFLICT, Some(("version".into(), ctx.t("signs.err_stale")))).await;
    };
    // The form always carries the owner: empty means none.
    let input = SignEdit { version, sign: SignIn { code: None, owner: Some(f.owner.clone()), ..input } };
    match apply(&app, &ctx, &sign, &input).await {
        Ok(()) => Ok(redirect_with_flash(&app, &format!("/signs/{id}"), "sign_edited")),
        Err(AppError::Invalid { field, message }) => view(&app, &ctx, &sign, &f, StatusCode::UNPROCESSABLE_ENTITY, Some((field.unwrap_or_default(), message))).await,
        Err(AppError::Forbidden) => {
            let owner = owner_change(&app, &sign, Some(&f.owner)).await?.is_some();
            let error = if owner { Some(("owner".into(), ctx.t("signs.err_owner_staff"))) } else { bad("district") };
            view(&app, &ctx, &sign, &f, StatusCode::FORBIDDEN, error).await
        }
        // Someone changed the sign since this form was read: show it as it is now, with the
        // new version, and say so; nothing of this edit is written.
        Err(AppError::Conflict(message)) => {
            let now = store::get(&app, id).await?;
            view(&app, &ctx, &now, &form_of(&app, &now).await?, StatusCode::CONFLICT, Some(("version".into(), message))).await
        }
        Err(e) => Err(e),
    }
}
