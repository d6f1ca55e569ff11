//! The signs room's pages and API: district statistics with a chart, a district's register,
//! a sign's page with the phone form for an inspection (photos and nonconformities by
//! clause), a case's page where the owner reports the rectification, and `/api/v1/signs`.

use super::model::{Finding, SetIn, SignEdit, SignForm, SignIn, field_error, findings};
use super::policy::{self, SignAct};
use super::store::{self, Inspection, Photo, Saved, Sign};
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes, upload};
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

/// Photos one inspection may carry.
pub const MAX_PHOTOS: usize = 6;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_create, api_list, api_stats, api_inspect, super::edit::api_get, super::edit::api_edit, super::remove::api_remove, super::sets::api_edit, super::sets::api_remove, super::sets::api_list, super::sets::api_create, super::sets::api_get),
    components(schemas(SignIn, SignOut, SignList, Stats, store::DistrictStats, InspectIn, Finding, store::Recorded, SignEdit, SetIn, super::sets::SetEdit, super::sets::SetOut, super::sets::SetList, super::sets::SetWithSigns))
)]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/signs", Access::Public, stats_page)
        .post("/signs", Access::User, register)
        .get("/signs/{id}", Access::Public, sign_page)
        .post("/signs/{id}/inspections", Access::User, inspect_form)
        .get("/signs/photos/{pid}", Access::User, photo)
        .get("/signs/cases", Access::Staff, cases_page)
        .get("/signs/cases/{id}", Access::User, case_page)
        .post("/signs/cases/{id}/rectify", Access::User, rectify)
        .get("/api/v1/signs", Access::Public, api_list)
        .post("/api/v1/signs", Access::User, api_create)
        .get("/api/v1/signs/stats", Access::Public, api_stats)
        .post("/api/v1/signs/{id}/inspections", Access::User, api_inspect)
        .merge(super::inspectors::routes())
        .merge(super::sets::routes())
        .merge(super::edit::routes())
        .merge(super::remove::routes())
        .merge(super::import::routes())
}

/// A sign as the API gives it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct SignOut {
    pub id: i64,
    pub code: String,
    /// The sign set it belongs to (`/api/v1/sign-sets/{id}`), and its name.
    pub set_id: Option<i64>,
    pub set_name: String,
    pub district: String,
    pub district_name: String,
    pub street: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    #[serde(rename = "type")]
    pub sign_type: String,
    pub standard: String,
    pub conforming: bool,
    pub inspected: bool,
    /// What an edit (`PUT /api/v1/signs/{id}`) names to show it was made on this copy.
    pub version: i64,
}

impl From<&Sign> for SignOut {
    fn from(s: &Sign) -> SignOut {
        SignOut {
            id: s.id,
            code: s.code.clone(),
            set_id: s.set_id,
            set_name: s.set_name.clone(),
            district: s.district.clone(),
            district_name: store::district_label(&s.district),
            street: s.street.clone(),
            address: s.address.clone(),
            lat: s.lat_e6.map(|v| v as f64 / 1e6),
            lon: s.lon_e6.map(|v| v as f64 / 1e6),
            sign_type: s.sign_type.clone(),
            standard: s.standard.clone(),
            conforming: s.conforming != 0,
            inspected: s.inspected_at.is_some(),
            version: s.version,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SignList {
    pub items: Vec<SignOut>,
    /// The `after` of the next page, when there is one.
    pub next: Option<i64>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// GB/T 2260 district code.
    pub district: Option<String>,
    /// The last id of the previous page.
    pub after: Option<i64>,
    /// 1–500 (default 100).
    pub limit: Option<i64>,
}

/// Registers a sign (staff, or an inspector of its district). 422 names the field (a
/// district outside Guangzhou, a street not in it, a standard outside GB/T 10001, GB/T 20501
/// and GB/T 15566, coordinates out of the WGS-84 range); 409 for a known code.
#[utoipa::path(post, path = "/api/v1/signs", tag = "signs", request_body = SignIn, responses((status = 201, body = SignOut), (status = 403), (status = 409), (status = 422)))]
pub async fn api_create(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<SignIn>) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let checked = input.check(ctx.lang)?;
    if !policy::inspects_in(&app, user, &checked.district).await? {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let id = match store::save(&mut tx, Some(&ctx), &checked, false).await? {
        Saved::Added(id) | Saved::Updated(id) => id,
    };
    tx.commit().await?;
    let s = store::get(&app, id).await?;
    Ok((StatusCode::CREATED, Json(SignOut::from(&s))).into_response())
}

/// The register, by id, of one district or all.
#[utoipa::path(get, path = "/api/v1/signs", tag = "signs", params(ListParams), responses((status = 200, body = SignList), (status = 422)))]
pub async fn api_list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListParams>) -> AppResult<Json<SignList>> {
    let district = q.district.as_deref().map(str::trim).filter(|d| !d.is_empty());
    if district.is_some_and(|d| super::model::district_name(d).is_none()) {
        return Err(field_error(ctx.lang, "district"));
    }
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(field_error(ctx.lang, "limit"));
    }
    let rows = store::list(&app, district, q.after.unwrap_or(0), limit).await?;
    let next = if rows.len() as i64 == limit { rows.last().map(|s| s.id) } else { None };
    Ok(Json(SignList { items: rows.iter().map(SignOut::from).collect(), next }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Stats {
    pub districts: Vec<store::DistrictStats>,
}

/// Signs, inspections and open cases per district (read from the rolled-up counts).
#[utoipa::path(get, path = "/api/v1/signs/stats", tag = "signs", responses((status = 200, body = Stats)))]
pub async fn api_stats(State(app): State<App>) -> AppResult<Json<Stats>> {
    Ok(Json(Stats { districts: store::stats(&app).await? }))
}

/// An inspection without photos (photos come through the phone form).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct InspectIn {
    /// Nonconformities by clause; none means the sign conforms.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// At most 2000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

/// Records an inspection (staff, or an inspector of the sign's district): a nonconformity
/// opens a case for the owner to rectify; a conforming re-inspection closes it.
#[utoipa::path(post, path = "/api/v1/signs/{id}/inspections", tag = "signs", params(("id" = i64, Path)), request_body = InspectIn, responses((status = 201, body = store::Recorded), (status = 403), (status = 404), (status = 422)))]
pub async fn api_inspect(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<InspectIn>) -> AppResult<Response> {
    ctx.must(&app, &SignAct::Inspect, id).await?;
    let sign = store::get(&app, id).await?;
    for (i, f) in input.findings.iter().enumerate() {
        if f.clause.trim().is_empty() || f.clause.chars().count() > 20 || f.note.chars().count() > 500 {
            return Err(AppError::invalid(format!("findings[{i}].clause"), ctx.t("signs.err_field_finding")));
        }
    }
    if input.note.chars().count() > 2000 {
        return Err(AppError::invalid("note", ctx.t("signs.err_note")));
    }
    let r = store::inspect(&app, &ctx, &sign, Inspection { findings: &input.findings, note: &input.note, photos: vec![] }).await?;
    Ok((StatusCode::CREATED, Json(r)).into_response())
}

// ---------------------------------------------------------------------------------------
// Pages

#[derive(Deserialize, Default)]
struct PageQuery {
    district: Option<String>,
}

async fn stats_page(State(app): State<App>, ctx: Ctx, Query(q): Query<PageQuery>) -> AppResult<Response> {
    stats_view(&app, &ctx, q.district.as_deref(), StatusCode::OK, serde_json::json!({}), None).await
}

/// The statistics page with a district's register and, for those who inspect there, the
/// form to register a sign (`form`: the values to show again, `error`: the field and message).
pub async fn stats_view(app: &App, ctx: &Ctx, district: Option<&str>, status: StatusCode, form: serde_json::Value, error: Option<(String, String)>) -> AppResult<Response> {
    let rows = store::stats(app).await?;
    let chart = crate::web::chart::bar(&ctx.t("signs.chart_title"), &rows.iter().map(|d| (d.name.clone(), d.signs, false)).collect::<Vec<_>>());
    let district = district.filter(|d| super::model::district_name(d).is_some());
    let signs: Vec<SignOut> = match district {
        Some(d) => store::list(app, Some(d), 0, 200).await?.iter().map(SignOut::from).collect(),
        None => vec![],
    };
    let district_name = district.map(store::district_label);
    let map = signs_map(ctx, district_name.as_deref().unwrap_or_default(), &signs);
    let registers = match (district, ctx.user.as_deref()) {
        (Some(d), Some(u)) => policy::inspects_in(app, u, d).await?,
        _ => false,
    };
    let streets: Vec<&str> = district.map(|d| super::model::STREETS.iter().filter(|s| s.district == d).map(|s| s.name.as_str()).collect()).unwrap_or_default();
    let total: i64 = rows.iter().map(|d| d.signs).sum();
    let conforming: i64 = rows.iter().map(|d| d.conforming).sum();
    let (error_field, error) = error.unzip();
    let mut r = ctx.render(app, "signs/stats.html", context! {
        rows => rows, chart => minijinja::Value::from_safe_string(chart), map => map.map(minijinja::Value::from_safe_string), district => district, district_name => district_name,
        signs => signs, total => total, conforming => conforming, baseline => super::BASELINE,
        manages => ctx.user.as_deref().is_some_and(|u| u.has(crate::auth::Role::Staff)),
        registers => registers, streets => streets, types => super::model::TYPES, form => form, error_field => error_field, error => error,
    })?;
    *r.status_mut() = status;
    Ok(r)
}

/// The signs with coordinates on a map titled by their place (a district, a set), coloured
/// by their last inspection; none without any.
pub(super) fn signs_map(ctx: &Ctx, place: &str, signs: &[SignOut]) -> Option<String> {
    const CONFORMING: &str = "#2e7d32";
    const NONCONFORMING: &str = "#c0392b";
    const NOT_INSPECTED: &str = "#777777";
    let spots: Vec<crate::web::chart::Spot> = signs
        .iter()
        .filter_map(|s| {
            let colour = match (s.inspected, s.conforming) {
                (false, _) => NOT_INSPECTED,
                (true, true) => CONFORMING,
                (true, false) => NONCONFORMING,
            };
            Some(crate::web::chart::Spot { lat: s.lat?, lon: s.lon?, label: format!("{} · {} {}", s.code, s.street, s.address), tag: s.code.clone(), href: format!("/signs/{}", s.id), colour })
        })
        .collect();
    if spots.is_empty() {
        return None;
    }
    let legend = [(CONFORMING, ctx.t("signs.conforms")), (NONCONFORMING, ctx.t("signs.nonconforming")), (NOT_INSPECTED, ctx.t("signs.not_inspected"))];
    Some(crate::web::chart::map(&ctx.tf("signs.map_title", &[("name", place), ("n", &spots.len().to_string())]), &spots, &legend))
}

/// Registers a sign from the form on a district's page (staff, or an inspector of the
/// district); on 422 the form comes back with the field named and the values kept.
async fn register(State(app): State<App>, ctx: Ctx, Form(f): Form<SignForm>) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let again = |field: &str| Some((field.to_string(), ctx.t(&format!("signs.err_field_{field}"))));
    let values = serde_json::to_value(&f).unwrap_or_default();
    let input = match f.input() {
        Ok(i) => i,
        Err(field) => return stats_view(&app, &ctx, Some(&f.district), StatusCode::UNPROCESSABLE_ENTITY, values, again(field)).await,
    };
    let checked = match input.check(ctx.lang) {
        Ok(c) => c,
        Err(AppError::Invalid { field, .. }) => {
            let field = field.unwrap_or_default();
            return stats_view(&app, &ctx, Some(&f.district), StatusCode::UNPROCESSABLE_ENTITY, values, again(&field)).await;
        }
        Err(e) => return Err(e),
    };
    if !policy::inspects_in(&app, user, &checked.district).await? {
        return Err(AppError::Forbidden);
    }
    let mut tx = app.db.begin().await?;
    let saved = match store::save(&mut tx, Some(&ctx), &checked, false).await {
        Ok(Saved::Added(id) | Saved::Updated(id)) => id,
        Err(AppError::Invalid { .. }) => return stats_view(&app, &ctx, Some(&f.district), StatusCode::UNPROCESSABLE_ENTITY, values, again("owner")).await,
        Err(AppError::Conflict(_)) => return stats_view(&app, &ctx, Some(&f.district), StatusCode::CONFLICT, values, again("code_taken")).await,
        Err(e) => return Err(e),
    };
    tx.commit().await?;
    Ok(redirect_with_flash(&app, &format!("/signs/{saved}"), "sign_registered"))
}

pub(super) async fn sign_view(app: &App, ctx: &Ctx, id: i64, status: StatusCode, error: Option<(String, String)>) -> AppResult<Response> {
    let s = store::get(app, id).await?;
    let inspects = ctx.can(app, &SignAct::Inspect, id).await?;
    let history = if inspects { store::inspections(app, id).await? } else { vec![] };
    let history: Vec<_> = history
        .into_iter()
        .map(|h| {
            let f: Vec<Finding> = serde_json::from_str(&h.findings).unwrap_or_default();
            serde_json::json!({"id": h.id, "conforming": h.conforming != 0, "findings": f, "note": h.note, "at": h.created_at, "by": h.inspector_name, "photos": h.photos})
        })
        .collect();
    let case: Option<(i64, String)> = sqlx::query_as("SELECT id, state FROM sign_cases WHERE sign_id = $1 ORDER BY id DESC LIMIT 1").bind(id).fetch_optional(&app.db.pool).await?;
    let (field, message) = error.unzip();
    let mut r = ctx.render(app, "signs/sign.html", context! {
        s => SignOut::from(&s), inspects => inspects, history => history, case => case.filter(|_| inspects),
        removes => ctx.user.as_deref().is_some_and(|u| u.has(crate::auth::Role::Staff)),
        error_field => field, error => message, max_photos => MAX_PHOTOS, max_upload_mb => app.config.max_upload_bytes / (1024 * 1024),
    })?;
    *r.status_mut() = status;
    Ok(r)
}

async fn sign_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    sign_view(&app, &ctx, id, StatusCode::OK, None).await
}

/// Checks the photos: images only (the extension agreeing with the first bytes), each
/// within `max_upload_bytes`, at most [`MAX_PHOTOS`].
fn photos(app: &App, ctx: &Ctx, files: Vec<upload::Upload>) -> Result<Vec<Photo>, (String, String)> {
    let files: Vec<_> = files.into_iter().filter(|f| !f.data.is_empty()).collect();
    if files.len() > MAX_PHOTOS {
        return Err(("file".into(), ctx.tf("signs.err_photos", &[("n", &MAX_PHOTOS.to_string())])));
    }
    let mut out = Vec::new();
    for f in files {
        let name = upload::clean_filename(&f.name).ok_or_else(|| ("file".to_string(), ctx.t("signs.err_photo_type")))?;
        if f.data.len() > app.config.max_upload_bytes {
            return Err(("file".into(), ctx.tf("signs.err_photo_size", &[("name", &name)])));
        }
        let ct = upload::sniff(&name, &f.data).filter(|t| t.starts_with("image/")).ok_or_else(|| ("file".to_string(), ctx.tf("signs.err_photo_not_image", &[("name", &name)])))?;
        out.push(Photo { name, content_type: ct, data: f.data });
    }
    Ok(out)
}

async fn inspect_form(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, mut mp: Multipart) -> AppResult<Response> {
    ctx.must(&app, &SignAct::Inspect, id).await?;
    let sign = store::get(&app, id).await?;
    let parts = upload::read(&mut mp, "file", &["result", "findings", "note"]).await?;
    let text = parts.text("findings").unwrap_or("").to_string();
    let note = parts.text("note").unwrap_or("").trim().to_string();
    let conforming = parts.text("result") == Some("conforming");
    let found = match findings(&text) {
        Ok(f) => f,
        Err(line) => return sign_view(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(("findings".into(), ctx.tf("signs.err_finding_line", &[("line", &line.to_string())])))).await,
    };
    if conforming != found.is_empty() {
        let msg = if conforming { "signs.err_conforming_with_findings" } else { "signs.err_no_findings" };
        return sign_view(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(("findings".into(), ctx.t(msg)))).await;
    }
    if note.chars().count() > 2000 {
        return sign_view(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(("note".into(), ctx.t("signs.err_note")))).await;
    }
    let photos = match photos(&app, &ctx, parts.files) {
        Ok(p) => p,
        Err(e) => return sign_view(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(e)).await,
    };
    store::inspect(&app, &ctx, &sign, Inspection { findings: &found, note: &note, photos }).await?;
    Ok(redirect_with_flash(&app, &format!("/signs/{id}#history"), "sign_inspected"))
}

/// A photo of an inspection: staff and the district's inspectors (404 to others).
async fn photo(State(app): State<App>, ctx: Ctx, Path(pid): Path<i64>) -> AppResult<Response> {
    let row: Option<(i64, String, String, Vec<u8>)> = sqlx::query_as(
        "SELECT i.sign_id, p.filename, p.content_type, p.data FROM sign_photos p JOIN sign_inspections i ON i.id = p.inspection_id WHERE p.id = $1",
    )
    .bind(pid)
    .fetch_optional(&app.db.pool)
    .await?;
    let (sign, name, ct, data) = row.ok_or(AppError::NotFound)?;
    if !ctx.can(&app, &SignAct::Inspect, sign).await? {
        return Err(AppError::NotFound);
    }
    let mut resp = crate::web::download::attachment(data, &ct, &name);
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("private, no-store"));
    Ok(resp)
}

async fn case_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = store::case(&app, id).await?;
    policy::may_see(&app, &ctx, &c).await?;
    let s = store::get(&app, c.sign_id).await?;
    let owns = policy::owns(&app, &ctx, &c).await? || ctx.user.as_deref().is_some_and(|u| u.has(crate::auth::Role::Staff));
    let f: Option<String> = sqlx::query_scalar("SELECT findings FROM sign_inspections WHERE id = $1").bind(c.inspection_id).fetch_optional(&app.db.pool).await?;
    let found: Vec<Finding> = f.and_then(|f| serde_json::from_str(&f).ok()).unwrap_or_default();
    let history = crate::workflow::history(&app.db, &super::CASE_FLOW, id).await?;
    let overdue = c.state == "open" && c.due_at < crate::util::now();
    ctx.render(&app, "signs/case.html", context! { c => c, s => SignOut::from(&s), findings => found, owns => owns, history => history, overdue => overdue })
}

#[derive(Deserialize)]
struct RectifyForm {
    version: i64,
    #[serde(default)]
    note: String,
}

async fn rectify(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<RectifyForm>) -> AppResult<Response> {
    let c = store::case(&app, id).await?;
    policy::may_see(&app, &ctx, &c).await?;
    let mut actor = crate::workflow::Actor::of(&ctx)?;
    if policy::owns(&app, &ctx, &c).await? {
        actor = actor.with_scope("sign_owner");
    }
    store::rectify(&app, &ctx, &actor, id, f.version, f.note.trim()).await?;
    Ok(redirect_with_flash(&app, &format!("/signs/cases/{id}"), "sign_rectified"))
}

#[derive(Deserialize, Default)]
struct CasesQuery {
    overdue: Option<String>,
}

/// The staff's queue of cases still open or rectified (or only those past their date).
async fn cases_page(State(app): State<App>, ctx: Ctx, Query(q): Query<CasesQuery>) -> AppResult<Response> {
    let overdue = q.overdue.as_deref() == Some("1");
    let rows: Vec<(i64, String, String, String, i64)> = sqlx::query_as(
        "SELECT c.id, c.district, s.address, c.state, c.due_at FROM sign_cases c JOIN signs s ON s.id = c.sign_id \
         WHERE (($1 = 1 AND c.state = 'open' AND c.due_at < $2) OR ($1 = 0 AND c.state IN ('open','rectified'))) ORDER BY c.due_at, c.id LIMIT 200",
    )
    .bind(i64::from(overdue))
    .bind(crate::util::now())
    .fetch_all(&app.db.pool)
    .await?;
    let cases: Vec<_> = rows
        .into_iter()
        .map(|(id, d, address, state, due_at)| serde_json::json!({"id": id, "district_name": store::district_label(&d), "address": address, "state": state, "due_at": due_at}))
        .collect();
    ctx.render(&app, "signs/cases.html", context! { cases => cases })
}
