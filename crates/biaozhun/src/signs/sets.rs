//! Sign sets (标志组): the signs of one place — a metro station, a park, a hospital — as a
//! record with its name (unique), place (district and address) and owner. A set is made on
//! its own (`/signs/sets`, `POST /api/v1/sign-sets`) by staff or the district's inspectors,
//! or on the way when a sign, an edit or an imported row names a set not yet known. The
//! set's page lists its signs; the register and the sets are public.

use super::model::{SetIn, district_name};
use super::policy;
use super::routes::SignOut;
use super::store;
use crate::App;
use crate::auth::audit::{self, Entry};
use crate::db::Tx;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes {
    Routes::new()
        .get("/signs/sets", Access::Public, sets_page)
        .post("/signs/sets", Access::User, create_form)
        .get("/signs/sets/{id}", Access::Public, set_page)
        .get("/api/v1/sign-sets", Access::Public, api_list)
        .post("/api/v1/sign-sets", Access::User, api_create)
        .get("/api/v1/sign-sets/{id}", Access::Public, api_get)
}

/// A set as the API and the pages give it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SetOut {
    pub id: i64,
    pub name: String,
    pub district: String,
    #[sqlx(skip)]
    pub district_name: String,
    pub address: String,
    /// The owner's name and credit code, when it has one.
    pub owner_name: Option<String>,
    pub owner_uscc: Option<String>,
    /// How many signs belong to it.
    pub signs: i64,
}

/// A set with its signs.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SetWithSigns {
    #[serde(flatten)]
    pub set: SetOut,
    pub items: Vec<SignOut>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SetList {
    pub items: Vec<SetOut>,
}

const SET_SQL: &str = "SELECT ss.id, ss.name, ss.district, ss.address, o.name AS owner_name, o.uscc AS owner_uscc, \
     (SELECT COUNT(*) FROM signs s WHERE s.set_id = ss.id) AS signs FROM sign_sets ss LEFT JOIN organisations o ON o.id = ss.owner_org";

fn named(mut s: SetOut) -> SetOut {
    s.district_name = store::district_label(&s.district);
    s
}

pub async fn get(app: &App, id: i64) -> AppResult<SetOut> {
    let sql = format!("{SET_SQL} WHERE ss.id = $1");
    let s: Option<SetOut> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&app.db.pool).await?;
    s.map(named).ok_or(AppError::NotFound)
}

/// The sets of a district (or all), by name.
pub async fn list(app: &App, district: Option<&str>) -> AppResult<Vec<SetOut>> {
    let sql = format!("{SET_SQL} WHERE ($1 = '' OR ss.district = $1) ORDER BY ss.name LIMIT 1000");
    let rows: Vec<SetOut> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(district.unwrap_or("")).fetch_all(&app.db.pool).await?;
    Ok(rows.into_iter().map(named).collect())
}

/// The signs of a set, by code.
pub async fn signs_of(app: &App, id: i64) -> AppResult<Vec<SignOut>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM signs WHERE set_id = $1 ORDER BY code LIMIT 1000").bind(id).fetch_all(&app.db.pool).await?;
    let mut out = Vec::with_capacity(ids.len());
    for i in ids {
        out.push(SignOut::from(&store::get(app, i).await?));
    }
    Ok(out)
}

/// The set of that name, made (in the sign's district, with its owner) when it is new; none
/// for an empty name. Two writers naming the same new set at once make it once.
pub async fn set_for(tx: &mut Tx, ctx: Option<&Ctx>, name: &str, district: &str, owner: Option<i64>) -> AppResult<Option<i64>> {
    if name.is_empty() {
        return Ok(None);
    }
    if let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM sign_sets WHERE name = $1").bind(name).fetch_optional(&mut **tx).await? {
        return Ok(Some(id));
    }
    let made = insert(tx, ctx, name, district, "", owner).await?;
    match made {
        Some(id) => Ok(Some(id)),
        None => Ok(Some(sqlx::query_scalar::<_, i64>("SELECT id FROM sign_sets WHERE name = $1").bind(name).fetch_one(&mut **tx).await?)),
    }
}

/// Inserts a set unless its name is taken (then `None`), with its audit line.
async fn insert(tx: &mut Tx, ctx: Option<&Ctx>, name: &str, district: &str, address: &str, owner: Option<i64>) -> AppResult<Option<i64>> {
    let now = crate::util::now();
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO sign_sets (name, district, address, owner_org, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$6) \
         ON CONFLICT (name) DO NOTHING RETURNING id",
    )
    .bind(name)
    .bind(district)
    .bind(address)
    .bind(owner)
    .bind(ctx.and_then(Ctx::user_id))
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some(id) = id {
        let detail = format!("{name} {district}");
        match ctx {
            Some(ctx) => audit::log_tx(tx, ctx, Entry { action: "signs.set_create", target: format!("sign_set:{id}"), detail }).await?,
            None => audit::log_command_line(&mut **tx, "signs.set_create", format!("sign_set:{id}"), detail).await?,
        }
    }
    Ok(id)
}

/// Makes a set (staff, or an inspector of its district): 422 names the field, 409 for a
/// name already taken, 403 outside the actor's districts. One transaction.
pub async fn create(app: &App, ctx: &Ctx, input: &SetIn) -> AppResult<i64> {
    let user = ctx.require_user()?;
    let c = input.check(ctx.lang)?;
    if !policy::inspects_in(app, user, &c.district).await? {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let owner = store::owner_id(&mut tx, c.owner_uscc.as_deref(), ctx.lang).await?;
    let id = insert(&mut tx, Some(ctx), &c.name, &c.district, &c.address, owner).await?.ok_or_else(|| AppError::Conflict(ctx.t("signs.err_set_taken")))?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SetParams {
    /// GB/T 2260 district code.
    pub district: Option<String>,
}

/// The sign sets, of one district or all, by name, with the number of their signs.
#[utoipa::path(get, path = "/api/v1/sign-sets", tag = "signs", params(SetParams), responses((status = 200, body = SetList), (status = 422)))]
pub async fn api_list(State(app): State<App>, ctx: Ctx, Query(q): Query<SetParams>) -> AppResult<Json<SetList>> {
    let district = q.district.as_deref().map(str::trim).filter(|d| !d.is_empty());
    if district.is_some_and(|d| district_name(d).is_none()) {
        return Err(super::model::field_error(ctx.lang, "district"));
    }
    Ok(Json(SetList { items: list(&app, district).await? }))
}

/// Makes a sign set (staff, or an inspector of its district). 422 names the field in the
/// reader's language; 409 for a name already taken.
#[utoipa::path(post, path = "/api/v1/sign-sets", tag = "signs", request_body = SetIn, responses((status = 201, body = SetOut), (status = 403), (status = 409), (status = 422)))]
pub async fn api_create(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<SetIn>) -> AppResult<Response> {
    let id = create(&app, &ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(get(&app, id).await?)).into_response())
}

/// A sign set with its signs.
#[utoipa::path(get, path = "/api/v1/sign-sets/{id}", tag = "signs", params(("id" = i64, Path)), responses((status = 200, body = SetWithSigns), (status = 404)))]
pub async fn api_get(State(app): State<App>, Path(id): Path<i64>) -> AppResult<Json<SetWithSigns>> {
    let set = get(&app, id).await?;
    Ok(Json(SetWithSigns { items: signs_of(&app, id).await?, set }))
}

// ---------------------------------------------------------------------------------------
// Pages

#[derive(Deserialize, Default)]
struct PageQuery {
    district: Option<String>,
}

async fn sets_page(State(app): State<App>, ctx: Ctx, Query(q): Query<PageQuery>) -> AppResult<Response> {
    sets_view(&app, &ctx, q.district.as_deref(), StatusCode::OK, SetIn::default(), None).await
}

/// The list of sets with, for staff and inspectors, the form to make one in their districts
/// (`form`: the values to show again, `error`: the field and its message).
async fn sets_view(app: &App, ctx: &Ctx, district: Option<&str>, status: StatusCode, form: SetIn, error: Option<(String, String)>) -> AppResult<Response> {
    let district = district.filter(|d| district_name(d).is_some());
    let sets = list(app, district).await?;
    let mine: Vec<(String, String)> = match ctx.user.as_deref() {
        Some(u) => policy::districts_of(app, u).await?.into_iter().map(|d| (store::district_label(&d), d)).collect(),
        None => vec![],
    };
    let (error_field, error) = error.unzip();
    let mut r = ctx.render(app, "signs/sets.html", context! {
        sets => sets, district => district, district_name => district.map(store::district_label), districts => super::model::districts(),
        mine => mine, form => form, error_field => error_field, error => error,
    })?;
    *r.status_mut() = status;
    Ok(r)
}

/// Makes a set from the form; on 422 or 409 the form comes back with the field named.
async fn create_form(State(app): State<App>, ctx: Ctx, Form(f): Form<SetIn>) -> AppResult<Response> {
    match create(&app, &ctx, &f).await {
        Ok(id) => Ok(redirect_with_flash(&app, &format!("/signs/sets/{id}"), "sign_set_created")),
        Err(AppError::Invalid { field, message }) => sets_view(&app, &ctx, None, StatusCode::UNPROCESSABLE_ENTITY, f, Some((field.unwrap_or_default(), message))).await,
        Err(AppError::Conflict(message)) => sets_view(&app, &ctx, None, StatusCode::CONFLICT, f, Some(("name".into(), message))).await,
        Err(e) => Err(e),
    }
}

async fn set_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let set = get(&app, id).await?;
    let signs = signs_of(&app, id).await?;
    let registers = match ctx.user.as_deref() {
        Some(u) => policy::inspects_in(&app, u, &set.district).await?,
        None => false,
    };
    ctx.render(&app, "signs/set.html", context! { set => set, signs => signs, registers => registers })
}
