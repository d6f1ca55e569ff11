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
        .post("/signs/sets/{id}", Access::User, edit_form)
        .put("/api/v1/sign-sets/{id}", Access::User, api_edit)
        .post("/signs/sets/{id}/delete", Access::User, remove_form)
        .delete("/api/v1/sign-sets/{id}", Access::User, api_remove)
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
    /// What an edit (`PUT /api/v1/sign-sets/{id}`) names to show it was made on this copy.
    pub version: i64,
}

/// An edit of a set: its fields with the `version` the editor read (409 when the set has
/// changed since).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SetEdit {
    /// The set's `version` as last read (`GET /api/v1/sign-sets/{id}`).
    pub version: i64,
    #[serde(flatten)]
    pub set: SetIn,
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

const SET_SQL: &str = "SELECT ss.id, ss.name, ss.district, ss.address, o.name AS owner_name, o.uscc AS owner_uscc, ss.version, \
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
    Ok(store::of_set(app, id, 1000).await?.iter().map(SignOut::from).collect())
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

/// Renames a set, moves it or gives it another owner (staff, or an inspector of its
/// district — and of the new one when it moves), on the copy of `version`: 409 when the set
/// changed since or the name is another set's, 422 naming the field. A new name goes to its
/// signs (their `set_name`, and their versions move on so an edit opened before names the
/// set anew rather than the old name); the signs keep their own owners. One transaction.
pub async fn update(app: &App, ctx: &Ctx, id: i64, version: i64, input: &SetIn) -> AppResult<()> {
    let user = ctx.require_user()?;
    let set = get(app, id).await?;
    if !policy::inspects_in(app, user, &set.district).await? {
        return Err(AppError::Forbidden);
    }
    let c = input.check(ctx.lang)?;
    if c.district != set.district && !policy::inspects_in(app, user, &c.district).await? {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let taken = sqlx::query("UPDATE sign_sets SET version = version + 1 WHERE id = $1 AND version = $2").bind(id).bind(version).execute(&mut *tx).await?.rows_affected();
    if taken == 0 {
        return Err(AppError::Conflict(ctx.t("signs.err_set_stale")));
    }
    let owner = store::owner_id(&mut tx, c.owner_uscc.as_deref(), ctx.lang).await?;
    let other: Option<i64> = sqlx::query_scalar("SELECT id FROM sign_sets WHERE name = $1 AND id <> $2").bind(&c.name).bind(id).fetch_optional(&mut *tx).await?;
    if other.is_some() {
        return Err(AppError::Conflict(ctx.t("signs.err_set_taken")));
    }
    let old: String = sqlx::query_scalar("SELECT name FROM sign_sets WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
    sqlx::query("UPDATE sign_sets SET name = $1, district = $2, address = $3, owner_org = $4, updated_at = $5 WHERE id = $6")
        .bind(&c.name)
        .bind(&c.district)
        .bind(&c.address)
        .bind(owner)
        .bind(crate::util::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if old != c.name {
        sqlx::query("UPDATE signs SET set_name = $1, version = version + 1 WHERE set_id = $2").bind(&c.name).bind(id).execute(&mut *tx).await?;
    }
    let detail = format!("{old} → {} {}", c.name, c.district);
    audit::log_tx(&mut tx, ctx, Entry { action: "signs.set_update", target: format!("sign_set:{id}"), detail }).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a set that no sign belongs to any more (staff, or an inspector of its district);
/// 409 while signs are in it (they are moved to another set or removed first). One
/// transaction; answers the set's district. Audited `signs.set_delete`.
pub async fn remove(app: &App, ctx: &Ctx, id: i64) -> AppResult<String> {
    let user = ctx.require_user()?;
    let set = get(app, id).await?;
    if !policy::inspects_in(app, user, &set.district).await? {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    // Take the row first: an edit of it meanwhile waits, then finds it gone.
    let taken = sqlx::query("UPDATE sign_sets SET version = version + 1 WHERE id = $1").bind(id).execute(&mut *tx).await?.rows_affected();
    if taken == 0 {
        return Err(AppError::NotFound);
    }
    let signs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signs WHERE set_id = $1").bind(id).fetch_one(&mut *tx).await?;
    if signs > 0 {
        return Err(AppError::Conflict(ctx.tf("signs.err_set_not_empty", &[("n", &signs.to_string())])));
    }
    // A sign put into the set by a writer that committed after the count above is refused
    // by the database's reference: the same answer.
    if let Err(e) = sqlx::query("DELETE FROM sign_sets WHERE id = $1").bind(id).execute(&mut *tx).await {
        return Err(if crate::db::is_reference_violation(&e) { AppError::Conflict(ctx.tf("signs.err_set_not_empty", &[("n", "1")])) } else { e.into() });
    }
    let detail = format!("{} {}", set.name, set.district);
    audit::log_tx(&mut tx, ctx, Entry { action: "signs.set_delete", target: format!("sign_set:{id}"), detail }).await?;
    tx.commit().await?;
    Ok(set.district)
}

/// Removes an empty sign set (staff, or an inspector of its district). 409 while signs are
/// in it.
#[utoipa::path(delete, path = "/api/v1/sign-sets/{id}", tag = "signs", params(("id" = i64, Path)),
    responses((status = 204), (status = 401), (status = 403), (status = 404), (status = 409)))]
pub async fn api_remove(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    remove(&app, &ctx, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The button on an empty set's page; a refusal comes back on the page, named.
async fn remove_form(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    match remove(&app, &ctx, id).await {
        Ok(district) => Ok(redirect_with_flash(&app, &format!("/signs/sets?district={district}"), "sign_set_deleted")),
        Err(AppError::Conflict(message)) => set_view(&app, &ctx, id, StatusCode::CONFLICT, None, Some(("delete".into(), message))).await,
        Err(e) => Err(e),
    }
}

/// Edits a sign set (staff, or an inspector of its district). 422 names the field in the
/// reader's language; 409 for a stale `version` or a name another set has.
#[utoipa::path(put, path = "/api/v1/sign-sets/{id}", tag = "signs", params(("id" = i64, Path)), request_body = SetEdit,
    responses((status = 200, body = SetOut), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn api_edit(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<SetEdit>) -> AppResult<Json<SetOut>> {
    update(&app, &ctx, id, input.version, &input.set).await?;
    Ok(Json(get(&app, id).await?))
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
    set_view(&app, &ctx, id, StatusCode::OK, None, None).await
}

/// The edit form's fields: the set's and the version read.
#[derive(Deserialize, Serialize)]
struct SetForm {
    #[serde(default)]
    version: String,
    #[serde(flatten)]
    set: SetIn,
}

/// A set's page with its signs and, for staff and the district's inspectors, the form to edit
/// it (`form`: the values to show again, `error`: the field and its message).
async fn set_view(app: &App, ctx: &Ctx, id: i64, status: StatusCode, form: Option<SetForm>, error: Option<(String, String)>) -> AppResult<Response> {
    let set = get(app, id).await?;
    let signs = signs_of(app, id).await?;
    let (registers, mine) = match ctx.user.as_deref() {
        Some(u) if policy::inspects_in(app, u, &set.district).await? => {
            (true, policy::districts_of(app, u).await?.into_iter().map(|d| (store::district_label(&d), d)).collect::<Vec<_>>())
        }
        _ => (false, vec![]),
    };
    let form = form.unwrap_or_else(|| SetForm {
        version: set.version.to_string(),
        set: SetIn { name: set.name.clone(), district: set.district.clone(), address: set.address.clone(), owner: set.owner_uscc.clone() },
    });
    let (error_field, error) = error.unzip();
    let map = super::routes::signs_map(ctx, &set.name, &signs).map(minijinja::Value::from_safe_string);
    let mut r = ctx.render(app, "signs/set.html", context! {
        set => set, signs => signs, map => map, registers => registers, mine => mine, form => form, error_field => error_field, error => error,
    })?;
    *r.status_mut() = status;
    Ok(r)
}

/// Edits a set from its page; on 422, 403 or 409 the page comes back with the field named
/// (a stale edit shows the set as it is now).
async fn edit_form(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<SetForm>) -> AppResult<Response> {
    let Ok(version) = f.version.trim().parse::<i64>() else {
        return set_view(&app, &ctx, id, StatusCode::CONFLICT, None, Some(("version".into(), ctx.t("signs.err_set_stale")))).await;
    };
    match update(&app, &ctx, id, version, &f.set).await {
        Ok(()) => Ok(redirect_with_flash(&app, &format!("/signs/sets/{id}"), "sign_set_edited")),
        Err(AppError::Invalid { field, message }) => set_view(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(f), Some((field.unwrap_or_default(), message))).await,
        // Not theirs at all: 403 as any route; a move out of their districts: the field named.
        Err(AppError::Forbidden) => {
            let set = get(&app, id).await?;
            if !policy::inspects_in(&app, ctx.require_user()?, &set.district).await? {
                return Err(AppError::Forbidden);
            }
            set_view(&app, &ctx, id, StatusCode::FORBIDDEN, Some(f), Some(("district".into(), ctx.t("signs.err_district_not_yours")))).await
        }
        Err(AppError::Conflict(message)) if message == ctx.t("signs.err_set_taken") => {
            set_view(&app, &ctx, id, StatusCode::CONFLICT, Some(f), Some(("name".into(), message))).await
        }
        Err(AppError::Conflict(message)) => set_view(&app, &ctx, id, StatusCode::CONFLICT, None, Some(("version".into(), message))).await,
        Err(e) => Err(e),
    }
}
