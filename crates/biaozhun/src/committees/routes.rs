//! The committees registry's pages and API: the list (search by number or name, level
//! filter, pager), one committee with its members, subcommittees, the standards it is
//! responsible for and its projects. (The secretary's work page is the specs room's:
//! it shows the committee's specifications at every stage.)

use super::model::Level;
use super::policy::CommitteeAct;
use super::store::{self, Committee, Counts, Filter, Member};
use crate::App;
use crate::web::pager::Pager;
use crate::web::{Access, AppError, AppResult, Ctx, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(utoipa::OpenApi)]
#[openapi(paths(api_list, api_get), components(schemas(Committee, Member, Counts, Level, CommitteeList, CommitteeOut, StandardRef)))]
pub struct ApiDoc;

pub const PER_PAGE: i64 = 20;

pub fn routes() -> Routes {
    Routes::new()
        .get("/committees", Access::Public, list)
        .get("/committees/{id}", Access::Public, page)
        .get("/staff/committees/import", Access::Staff, import_page)
        .post("/staff/committees/import", Access::Staff, import_upload)
        .get("/api/v1/committees", Access::Public, api_list)
        .get("/api/v1/committees/{id}", Access::Public, api_get)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct ListQuery {
    /// A number written any way (`TC 176`, `tc176`, `ISO/TC176`) or words of the name.
    q: Option<String>,
    /// international, national, provincial or city.
    level: Option<String>,
    /// GB/T 2260 code of a Guangzhou district.
    district: Option<String>,
    page: Option<i64>,
}

fn filter(ctx: &Ctx, q: &ListQuery) -> AppResult<Filter> {
    let level = match q.level.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => Some(Level::parse(l).ok_or_else(|| AppError::invalid("level", ctx.t("committees.err_level")))?),
        None => None,
    };
    let district = q.district.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_string);
    let text = q.q.as_deref().unwrap_or("").trim();
    if text.chars().count() > 200 {
        return Err(AppError::invalid("q", ctx.t("committees.err_q")));
    }
    Ok(Filter { q: text.to_string(), level, district })
}

async fn list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let f = filter(&ctx, &q)?;
    let page = crate::web::pager::page(q.page);
    let (items, total) = store::search(&app, &f, (page - 1) * PER_PAGE, PER_PAGE).await?;
    let pager = Pager::new(total, page, PER_PAGE);
    let level = f.level.map(|l| l.as_str()).unwrap_or("");
    let href = format!("/committees?q={}&level={level}&", percent_encoding::utf8_percent_encode(&f.q, percent_encoding::NON_ALPHANUMERIC));
    let levels: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
    ctx.render(&app, "committees/list.html", context! { items => items, pg => pager, q => f.q, level => level, levels => levels, href => href })
}

/// A standard a committee is responsible for.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct StandardRef {
    pub number: String,
    pub title_zh: String,
    pub title_en: String,
    pub status: String,
    pub href: String,
}

/// One committee with what hangs on it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommitteeOut {
    #[serde(flatten)]
    pub committee: Committee,
    pub parent: Option<Committee>,
    pub children: Vec<Committee>,
    pub members: Vec<Member>,
    /// Standards in the catalogue whose committee field names this one.
    pub standards: Vec<StandardRef>,
    /// Standards of this committee under development.
    pub projects: Vec<StandardRef>,
    pub district_name: String,
}

fn refs(rows: Vec<crate::standards::store::ByCommittee>) -> Vec<StandardRef> {
    rows.into_iter()
        .map(|r| StandardRef { href: crate::web::domain::Href::new("/standards/", &r.norm).as_str().to_string(), number: r.number, title_zh: r.title_zh, title_en: r.title_en, status: r.status })
        .collect()
}

pub async fn full(app: &App, id: i64) -> AppResult<CommitteeOut> {
    let c = store::get(app, id).await?;
    let parent = match c.parent_id {
        Some(p) => Some(store::get(app, p).await?),
        None => None,
    };
    let children = store::children(app, id).await?;
    let members = store::members(app, id).await?;
    let standards = refs(crate::standards::store::by_committee(app, &c.number, false, 200).await?);
    let projects = refs(crate::standards::store::by_committee(app, &c.number, true, 200).await?);
    let district_name = crate::membership::model::district_name(&c.district_code);
    Ok(CommitteeOut { committee: c, parent, children, members, standards, projects, district_name })
}

async fn page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = full(&app, id).await?;
    let runs = ctx.can(&app, &CommitteeAct::Run, id).await?;
    ctx.render(&app, "committees/committee.html", context! { c => c, runs => runs })
}

/// A page of committees.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommitteeList {
    pub items: Vec<Committee>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// The registry: search by number written any way (`q=TC 176` finds `ISO/TC 176` first)
/// or by name, filter by level; 20 a page.
#[utoipa::path(get, path = "/api/v1/committees", tag = "committees", params(ListQuery), responses((status = 200, body = CommitteeList), (status = 422)))]
pub async fn api_list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListQuery>) -> AppResult<Json<CommitteeList>> {
    let f = filter(&ctx, &q)?;
    let page = crate::web::pager::page(q.page);
    let (items, total) = store::search(&app, &f, (page - 1) * PER_PAGE, PER_PAGE).await?;
    let pager = Pager::new(total, page, PER_PAGE);
    Ok(Json(CommitteeList { items, total, page: pager.page, pages: pager.pages }))
}

/// One committee with its parent, subcommittees, members, standards and projects.
#[utoipa::path(get, path = "/api/v1/committees/{id}", tag = "committees", params(("id" = i64, Path)), responses((status = 200, body = CommitteeOut), (status = 404)))]
pub async fn api_get(State(app): State<App>, Path(id): Path<i64>) -> AppResult<Json<CommitteeOut>> {
    Ok(Json(full(&app, id).await?))
}

async fn import_page(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    ctx.render(&app, "committees/import.html", context! { max_upload_mb => app.config.max_upload_bytes / (1024 * 1024) })
}

/// The file goes to a job (`committees_import`); its page shows the progress and the problems.
async fn import_upload(State(app): State<App>, ctx: Ctx, mut mp: axum::extract::Multipart) -> AppResult<Response> {
    crate::imports::stage_upload(&app, &ctx, &mut mp, "committees_import", &ctx.t("committees.err_no_file")).await
}
