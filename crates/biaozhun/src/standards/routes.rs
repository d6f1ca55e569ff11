//! Pages and API of the standards room: search with facets and export, detail pages with
//! the edition timeline, the validity check and its saved reports, watchlists, Atom feeds
//! and the staff import.

use super::check::Graph;
use super::model;
use super::{DOMAIN, store};
use crate::App;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes, download};
use crate::web::ratelimit::Class;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(
    api_search,
    api_get,
    api_watch_list,
    api_watch_add,
    api_watch_remove,
    super::reports::routes::api_check,
    super::reports::routes::api_list,
    super::reports::routes::api_get,
    super::reports::routes::api_delete,
    super::reports::routes::api_verify
))]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/standards", Access::Public, search_page).limit(Class::Search)
        .get("/standards/export.csv", Access::Public, export_csv).limit(Class::Export)
        .get("/standards/export.xlsx", Access::Public, export_xlsx).limit(Class::Export)
        .post("/standards/check/upload", Access::Public, check_upload).limit(Class::Check)
        .get("/standards/watchlist", Access::User, watch_page)
        .post("/standards/watchlist", Access::User, watch_add_form)
        .post("/standards/watchlist/upload", Access::User, watch_upload)
        .post("/standards/watchlist/remove", Access::User, watch_remove_form)
        .post("/standards/watchlist/frequency", Access::User, watch_frequency)
        .get("/standards/feeds/{feed}", Access::Public, feed)
        .get("/standards/{number}", Access::Public, detail)
        .post("/standards/{number}/watch", Access::User, watch_one)
        .get("/staff/standards/import", Access::Staff, import_page)
        .post("/staff/standards/import", Access::Staff, import_post)
        .get("/api/v1/standards", Access::Public, api_search).limit(Class::Search)
        .get("/api/v1/standards/watchlist", Access::User, api_watch_list)
        .post("/api/v1/standards/watchlist", Access::User, api_watch_add)
        .delete("/api/v1/standards/watchlist", Access::User, api_watch_remove)
        .get("/api/v1/standards/{number}", Access::Public, api_get)
        .merge(super::reports::routes::routes())
}

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

// ---------------------------------------------------------------------------------------
// Search

#[derive(Debug, Default, Clone, Deserialize, Serialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// Words or a number, in Chinese or English.
    pub q: Option<String>,
    /// Kind code: national_mandatory, national_recommended, iso, iec, local, …
    pub kind: Option<String>,
    /// in_force, upcoming, withdrawn, replaced, developing.
    pub status: Option<String>,
    /// ICS code or prefix (65 matches 65.160.10).
    pub ics: Option<String>,
    pub ccs: Option<String>,
    pub committee: Option<String>,
    /// Published from (YYYY-MM-DD).
    pub from: Option<String>,
    /// Published until (YYYY-MM-DD).
    pub to: Option<String>,
    /// relevance (default), date, date_asc.
    pub sort: Option<String>,
    pub page: Option<usize>,
    /// API only: also count kind, status and ICS facets over the whole result (the search
    /// page always does). Off by default: counting costs more than the search itself.
    pub facets: Option<bool>,
}

pub use super::model::SearchItem;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchOut {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub items: Vec<SearchItem>,
    /// name → [[value, count]].
    pub facets: BTreeMap<String, Vec<(String, u64)>>,
    /// Glossary terms the query was read with (a Chinese term and the English one also
    /// searched for); empty when none applied.
    pub glossary: Vec<super::glossary::Term>,
    /// True when editions, drafts and amendments of one document are folded under one hit
    /// (every search without a status filter).
    pub grouped: bool,
}

const PER_PAGE: usize = 20;

fn clean(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(200).collect())
}

pub async fn run_search(app: &App, p: &SearchParams, offset: usize, limit: usize, with_facets: bool) -> AppResult<SearchOut> {
    let mut filters = Vec::new();
    for (name, v) in [("kind", &p.kind), ("status", &p.status), ("ics", &p.ics), ("ccs", &p.ccs), ("committee", &p.committee)] {
        if let Some(v) = clean(v) {
            filters.push((name.to_string(), v));
        }
    }
    let mut facet_fields = Vec::new();
    if with_facets {
        facet_fields = vec!["kind".to_string(), "status".to_string(), "ics".to_string()];
        if let Some(i) = clean(&p.ics) {
            facet_fields.push(format!("ics:{i}"));
        }
    }
    let sort = match p.sort.as_deref() {
        Some("date") => search::Sort::DateDesc,
        Some("date_asc") => search::Sort::DateAsc,
        _ => search::Sort::Relevance,
    };
    let text = clean(&p.q).unwrap_or_default();
    let glossary = super::glossary::used(&super::glossary::terms(&app.config.data_dir), &text);
    // A status filter reaches every record of that status, folded or not.
    let grouped = clean(&p.status).is_none();
    let query = search::Query {
        domain: DOMAIN.into(),
        collapse: grouped,
        translations: glossary.iter().map(|t| (t.zh.clone(), t.en.clone())).collect(),
        text,
        filters,
        date_from: clean(&p.from).and_then(|d| crate::util::parse_local_date(&d)),
        date_to: clean(&p.to).and_then(|d| crate::util::parse_local_date(&d)).map(|t| t + 86_399),
        sort,
        offset,
        limit,
        facet_fields,
    };
    let res = app.indexer.search(query).await?;
    // Each hit carries the fields of its list entry, stored with it in the index.
    let items = res
        .hits
        .into_iter()
        .filter_map(|h| {
            let mut item: SearchItem = serde_json::from_str(h.payload.as_deref()?).ok()?;
            item.title_snippet = h.title_snippet;
            Some(item)
        })
        .collect();
    Ok(SearchOut { total: res.total, page: offset / limit.max(1) + 1, per_page: limit, items, facets: res.facets, glossary, grouped })
}

fn page_of(p: &SearchParams) -> usize {
    p.page.unwrap_or(1).clamp(1, search::MAX_WINDOW / PER_PAGE)
}

async fn search_page(State(app): State<App>, ctx: Ctx, Query(p): Query<SearchParams>) -> AppResult<Response> {
    let page = page_of(&p);
    let out = run_search(&app, &p, (page - 1) * PER_PAGE, PER_PAGE, true).await?;
    let pages = crate::web::pager::Pager::new(out.total as i64, page as i64, PER_PAGE as i64).capped((search::MAX_WINDOW / PER_PAGE) as i64).pages;
    // The query string without `page`, for pagination and export links.
    let mut keep = p.clone();
    keep.page = None;
    let qs = serde_urlencoded::to_string(&keep).unwrap_or_default();
    let kinds: Vec<(String, String)> = stdnum::standard::Kind::ALL.iter().map(|k| (k.as_str().to_string(), if ctx.lang == crate::web::Lang::En { k.label_en() } else { k.label_zh() }.to_string())).collect();
    ctx.render(
        &app,
        "standards/search.html",
        context! { p => p, out => out, page => page, pages => pages, qs => qs, kinds => kinds, statuses => model::STATUSES },
    )
}

const EXPORT_MAX: usize = 10_000;

/// Rows of an export, the status in the words of the page (as the catalogue shows it).
fn export_rows(out: &SearchOut, lang: crate::web::Lang) -> Vec<[String; 7]> {
    out.items
        .iter()
        .map(|i| {
            let status = crate::web::i18n::t(lang, &model::status_key(&i.status));
            [i.number.clone(), i.title_zh.clone(), i.title_en.clone(), status, i.ics.join(" "), i.published.clone().unwrap_or_default(), i.implemented.clone().unwrap_or_default()]
        })
        .collect()
}

const EXPORT_HEAD: [&str; 7] = ["标准号 / Number", "中文标准名称", "Title", "状态 / Status", "ICS", "发布日期 / Published", "实施日期 / Implemented"];

async fn export_csv(State(app): State<App>, ctx: Ctx, Query(p): Query<SearchParams>) -> AppResult<Response> {
    let out = run_search(&app, &p, 0, EXPORT_MAX, false).await?;
    let mut csv = download::Csv::new(&EXPORT_HEAD)?;
    for r in export_rows(&out, ctx.lang) {
        csv.row(&r)?;
    }
    Ok(download::csv_file(csv.finish()?, "standards.csv"))
}

async fn export_xlsx(State(app): State<App>, ctx: Ctx, Query(p): Query<SearchParams>) -> AppResult<Response> {
    let out = run_search(&app, &p, 0, EXPORT_MAX, false).await?;
    let rows: Vec<Vec<String>> = export_rows(&out, ctx.lang).into_iter().map(|r| r.to_vec()).collect();
    Ok(download::xlsx_file(download::xlsx(&EXPORT_HEAD, &rows)?, "standards.xlsx"))
}

/// Search the catalogue.
#[utoipa::path(get, path = "/api/v1/standards", tag = "standards", params(SearchParams), responses((status = 200, body = SearchOut)))]
pub async fn api_search(State(app): State<App>, Query(p): Query<SearchParams>) -> AppResult<Json<SearchOut>> {
    let page = page_of(&p);
    Ok(Json(run_search(&app, &p, (page - 1) * PER_PAGE, PER_PAGE, p.facets.unwrap_or(false)).await?))
}

// ---------------------------------------------------------------------------------------
// Detail

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Link {
    pub number: String,
    /// Reported status ('' when the standard is not in the catalogue).
    pub status: String,
    pub degree: String,
    pub title: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Detail {
    pub number: String,
    pub number_as_published: String,
    pub base: String,
    pub kind: String,
    pub title_zh: String,
    pub title_en: String,
    pub title_fr: String,
    /// Reported status, taking later editions and replacements into account.
    pub status: String,
    /// Status as recorded in the catalogue.
    pub recorded_status: String,
    pub published: Option<String>,
    pub implemented: Option<String>,
    pub withdrawn: Option<String>,
    pub ics: Vec<String>,
    pub ccs: Vec<String>,
    pub competent_dept: String,
    pub committee: String,
    pub issuer: String,
    pub drafting_orgs: String,
    pub drafters: String,
    /// Disclosed patents, one entry each, as declared.
    pub patents: Vec<String>,
    pub scope: String,
    pub remark: String,
    pub fulltext_url: String,
    pub source: String,
    pub replaces: Vec<Link>,
    pub replaced_by: Vec<Link>,
    pub adopts: Vec<Link>,
    pub adopted_by: Vec<Link>,
    /// Every edition of the same number, oldest first.
    pub editions: Vec<Link>,
    /// Successors to the in-force edition.
    pub chain: Vec<String>,
    pub current: Option<String>,
    /// The document's editions in date order with their amendments, drafts in development,
    /// and related documents (merged into it, or replacing it).
    pub timeline: super::page::Timeline,
}

/// Finds the record for a spelling: exact, else (no year) the current edition; a joint
/// document cited under one body is found too (see [`super::check::locate`]). The canonical
/// spelling costs one query (the page's, [`super::page::load`]).
async fn find(app: &App, raw: &str) -> AppResult<(store::Std, Graph, super::page::Loaded)> {
    let norm = model::ident(raw).map(|i| i.norm).unwrap_or_else(|| raw.to_string());
    let norm = match super::page::load(app, &norm).await.map_err(AppError::Internal)? {
        Some(l) => {
            let g = l.graph();
            let s = l.std(&norm).ok_or(AppError::NotFound)?;
            return Ok((s, g, l));
        }
        None => super::check::locate(app, raw).await.map_err(AppError::Internal)?.ok_or(AppError::NotFound)?.0,
    };
    let l = super::page::load(app, &norm).await.map_err(AppError::Internal)?.ok_or(AppError::NotFound)?;
    let g = l.graph();
    let s = l.std(&norm).ok_or(AppError::NotFound)?;
    Ok((s, g, l))
}

fn link(g: &Graph, n: &str, degree: &str) -> Link {
    let node = g.nodes.get(n);
    Link {
        number: n.to_string(),
        status: if node.is_some() { g.status(n) } else { String::new() },
        degree: degree.to_string(),
        title: node.map(|x| if x.title_zh.is_empty() { x.title_en.clone() } else { x.title_zh.clone() }).unwrap_or_default(),
    }
}

fn detail_of(s: &store::Std, g: &Graph, loaded: &super::page::Loaded) -> Detail {
    let r = &s.rec;
    let n = &r.norm;
    let (chain, current) = g.follow(n);
    let mut adopts = Vec::new();
    let mut adopted_by = Vec::new();
    for (other, degree, dir) in g.adoptions.get(n).cloned().unwrap_or_default() {
        let l = link(g, &other, &degree);
        if dir == "adopts" { adopts.push(l) } else { adopted_by.push(l) }
    }
    // A draft never replaces a published standard.
    let published = |x: &&String| g.nodes.get(*x).is_none_or(|node| node.status != "developing");
    Detail {
        number: n.clone(),
        number_as_published: r.number.clone(),
        base: r.base.clone(),
        kind: r.kind.clone(),
        title_zh: r.title_zh.clone(),
        title_en: r.title_en.clone(),
        title_fr: r.title_fr.clone(),
        status: g.status(n),
        recorded_status: r.status.clone(),
        published: r.published_at.map(crate::util::fmt_date),
        implemented: r.implemented_at.map(crate::util::fmt_date),
        withdrawn: r.withdrawn_at.map(crate::util::fmt_date),
        ics: r.ics.split_whitespace().map(str::to_string).collect(),
        ccs: r.ccs.split_whitespace().map(str::to_string).collect(),
        competent_dept: r.competent_dept.clone(),
        committee: r.committee.clone(),
        issuer: r.issuer.clone(),
        drafting_orgs: r.drafting_orgs.clone(),
        drafters: r.drafters.clone(),
        patents: r.patents.split("; ").filter(|p| !p.trim().is_empty()).map(str::to_string).collect(),
        scope: r.scope.clone(),
        remark: r.remark.clone(),
        fulltext_url: r.fulltext_url.clone(),
        source: r.source.clone(),
        replaces: g.replaces.get(n).into_iter().flatten().map(|x| link(g, x, "")).collect(),
        replaced_by: g.replaced_by.get(n).into_iter().flatten().filter(published).map(|x| link(g, x, "")).collect(),
        adopts,
        adopted_by,
        editions: g.editions.get(&r.base).into_iter().flatten().map(|x| link(g, x, "")).collect(),
        chain,
        current,
        timeline: loaded.timeline(g, n),
    }
}

async fn detail(State(app): State<App>, ctx: Ctx, Path(number): Path<String>) -> AppResult<Response> {
    let (s, g, loaded) = find(&app, &number).await?;
    if s.rec.norm != number {
        return Ok(Redirect::to(&format!("/standards/{}", enc(&s.rec.norm))).into_response());
    }
    let d = detail_of(&s, &g, &loaded);
    ctx.render(&app, "standards/detail.html", context! { d => d, enc_number => enc(&s.rec.norm) })
}

/// One standard, by any accepted spelling (URL-encoded).
#[utoipa::path(get, path = "/api/v1/standards/{number}", tag = "standards", params(("number" = String, Path, description = "standard number, any spelling (URL-encoded)", example = "GB/T 19001-2016")), responses((status = 200, body = Detail), (status = 404)))]
pub async fn api_get(State(app): State<App>, Path(number): Path<String>) -> AppResult<Json<Detail>> {
    let (s, g, loaded) = find(&app, &number).await?;
    Ok(Json(detail_of(&s, &g, &loaded)))
}

// ---------------------------------------------------------------------------------------
// Validity check: the pages and API are in `reports::routes`; the upload is read here.

/// The text of the uploaded list (TXT, CSV, XLSX, DOCX), read within the import bounds.
async fn upload_text(app: &App, ctx: &Ctx, mp: &mut Multipart) -> AppResult<String> {
    let file = crate::web::upload::one_file(mp, &ctx.t("standards.err_no_file")).await?;
    let limits = app.config.imports.clone();
    crate::imports::off_thread(move || crate::imports::file_text(&file.data, &limits)).await.map_err(|r| r.to_app_error(ctx.lang))
}

async fn check_upload(State(app): State<App>, ctx: Ctx, headers: HeaderMap, mut mp: Multipart) -> AppResult<Response> {
    let text = upload_text(&app, &ctx, &mut mp).await?;
    super::reports::routes::submit(&app, &ctx, &headers, &text, "file").await
}

// ---------------------------------------------------------------------------------------
// Watchlists

async fn watch_page(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let acting = crate::orgs::acting(&app, user.id).await?;
    let items = watch_items(&app, acting.owner()).await?;
    let freq = store::frequency(&app, acting.owner()).await?;
    // The organisation's own records citing each watched standard (its products, through
    // the rooms' `org_records` hook: the same products its TBT alerts show).
    let records = match &acting.org {
        Some(o) => {
            let keys = crate::web::domain::OrgKeys::Standards(items.iter().map(|i| i.number.clone()).collect());
            crate::web::domain::org_records(&app, &ctx, o.id, &keys).await?
        }
        None => Default::default(),
    };
    ctx.render(&app, "standards/watchlist.html", context! { items => items, frequency => freq, acting => acting, records => records })
}

/// A watchlist with each status as reports and detail pages give it (one vocabulary).
async fn watch_items(app: &App, owner: crate::orgs::Owner) -> AppResult<Vec<store::WatchItem>> {
    let mut items = store::watch_list(app, owner).await?;
    let norms: Vec<String> = items.iter().map(|i| i.number.clone()).collect();
    let reported = super::check::reported_statuses(app, &norms).await.map_err(AppError::Internal)?;
    for i in &mut items {
        if let Some(s) = reported.get(&i.number) {
            i.status = s.clone();
        }
    }
    Ok(items)
}

fn numbers_from(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for f in stdnum::standard::find_all(text) {
        if let Some(id) = model::ident(&f.number.normalized()) {
            if !out.iter().any(|o| o.0 == id.norm) {
                out.push((id.norm, id.base));
            }
        }
    }
    out
}

#[derive(Deserialize)]
struct NumbersForm {
    #[serde(default)]
    numbers: String,
}

async fn add_numbers(app: &App, ctx: &Ctx, text: &str) -> AppResult<usize> {
    let user = ctx.require_user()?;
    let norms = numbers_from(text);
    if norms.is_empty() {
        return Err(AppError::invalid("numbers", ctx.t("standards.err_no_numbers")));
    }
    let owner = crate::orgs::acting_owner(app, user.id).await?;
    Ok(store::watch_add(app, owner, user.id, &norms).await?)
}

async fn watch_add_form(State(app): State<App>, ctx: Ctx, Form(f): Form<NumbersForm>) -> AppResult<Response> {
    add_numbers(&app, &ctx, &f.numbers).await?;
    Ok(crate::web::ctx::redirect_with_flash(&app, "/standards/watchlist", "standards_watch_saved"))
}

async fn watch_upload(State(app): State<App>, ctx: Ctx, mut mp: Multipart) -> AppResult<Response> {
    let text = upload_text(&app, &ctx, &mut mp).await?;
    add_numbers(&app, &ctx, &text).await?;
    Ok(crate::web::ctx::redirect_with_flash(&app, "/standards/watchlist", "standards_watch_saved"))
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    number: String,
}

async fn watch_remove_form(State(app): State<App>, ctx: Ctx, Form(f): Form<RemoveForm>) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let owner = crate::orgs::acting_owner(&app, user.id).await?;
    let norm = model::ident(&f.number).map(|i| i.norm).ok_or_else(|| AppError::invalid("number", ctx.t("standards.err_no_numbers")))?;
    store::watch_remove(&app, owner, &norm).await?;
    Ok(crate::web::ctx::redirect_with_flash(&app, "/standards/watchlist", "standards_watch_removed"))
}

#[derive(Deserialize)]
struct FreqForm {
    #[serde(default)]
    frequency: String,
}

async fn watch_frequency(State(app): State<App>, ctx: Ctx, Form(f): Form<FreqForm>) -> AppResult<Response> {
    let user = ctx.require_user()?;
    if !["immediate", "daily", "weekly"].contains(&f.frequency.as_str()) {
        return Err(AppError::invalid("frequency", ctx.t("standards.err_frequency")));
    }
    let owner = crate::orgs::acting_owner(&app, user.id).await?;
    store::set_frequency(&app, owner, &f.frequency).await?;
    Ok(crate::web::ctx::redirect_with_flash(&app, "/standards/watchlist", "standards_watch_saved"))
}

async fn watch_one(State(app): State<App>, ctx: Ctx, Path(number): Path<String>) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let (s, _, _) = find(&app, &number).await?;
    let owner = crate::orgs::acting_owner(&app, user.id).await?;
    store::watch_add(&app, owner, user.id, &[(s.rec.norm.clone(), s.rec.base.clone())]).await?;
    Ok(crate::web::ctx::redirect_with_flash(&app, &format!("/standards/{}", enc(&s.rec.norm)), "standards_watch_saved"))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WatchOut {
    /// `u:<id>` (personal) or `o:<id>` (an organisation's): whom the caller acts for (`/api/v1/orgs`).
    pub owner: String,
    /// immediate, daily or weekly.
    pub frequency: String,
    pub items: Vec<store::WatchItem>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct WatchIn {
    /// Standard numbers (found anywhere in the text).
    pub numbers: String,
    /// Optional: immediate, daily or weekly.
    pub frequency: Option<String>,
}

async fn watch_out(app: &App, ctx: &Ctx) -> AppResult<WatchOut> {
    let user = ctx.require_user()?;
    let owner = crate::orgs::acting_owner(app, user.id).await?;
    Ok(WatchOut { items: watch_items(app, owner).await?, frequency: store::frequency(app, owner).await?, owner: owner.key() })
}

/// The watchlist of whom the caller acts for (themselves or their organisation).
#[utoipa::path(get, path = "/api/v1/standards/watchlist", tag = "standards", responses((status = 200, body = WatchOut)))]
pub async fn api_watch_list(State(app): State<App>, ctx: Ctx) -> AppResult<Json<WatchOut>> {
    Ok(Json(watch_out(&app, &ctx).await?))
}

/// Add standards to the watchlist (and optionally set the digest frequency).
#[utoipa::path(post, path = "/api/v1/standards/watchlist", tag = "standards", request_body = WatchIn, responses((status = 200, body = WatchOut), (status = 422)))]
pub async fn api_watch_add(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<WatchIn>) -> AppResult<Json<WatchOut>> {
    let user = ctx.require_user()?;
    if let Some(f) = &input.frequency {
        if !["immediate", "daily", "weekly"].contains(&f.as_str()) {
            return Err(AppError::invalid("frequency", ctx.t("standards.err_frequency")));
        }
        let owner = crate::orgs::acting_owner(&app, user.id).await?;
        store::set_frequency(&app, owner, f).await?;
    }
    if !input.numbers.trim().is_empty() || input.frequency.is_none() {
        add_numbers(&app, &ctx, &input.numbers).await?;
    }
    Ok(Json(watch_out(&app, &ctx).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct WatchDel {
    /// The number to remove.
    pub number: Option<String>,
}

/// Remove a standard from the watchlist.
#[utoipa::path(delete, path = "/api/v1/standards/watchlist", tag = "standards", params(WatchDel), responses((status = 200, body = WatchOut), (status = 404)))]
pub async fn api_watch_remove(State(app): State<App>, ctx: Ctx, Query(q): Query<WatchDel>) -> AppResult<Json<WatchOut>> {
    let user = ctx.require_user()?;
    let norm = q.number.as_deref().and_then(model::ident).map(|i| i.norm).ok_or_else(|| AppError::invalid("number", ctx.t("standards.err_no_numbers")))?;
    let owner = crate::orgs::acting_owner(&app, user.id).await?;
    if store::watch_remove(&app, owner, &norm).await? == 0 {
        return Err(AppError::NotFound);
    }
    Ok(Json(watch_out(&app, &ctx).await?))
}

// ---------------------------------------------------------------------------------------
// Atom feeds

#[derive(Deserialize)]
struct FeedQuery {
    kind: Option<String>,
    ics: Option<String>,
}


fn rfc3339(ts: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

async fn feed(State(app): State<App>, ctx: Ctx, Path(name): Path<String>, Query(q): Query<FeedQuery>) -> AppResult<Response> {
    let which = name.strip_suffix(".atom").ok_or(AppError::NotFound)?;
    if !["new", "upcoming", "withdrawn"].contains(&which) {
        return Err(AppError::NotFound);
    }
    let kind = clean(&q.kind);
    let ics = clean(&q.ics);
    let entries = store::feed(&app, which, kind.as_deref(), ics.as_deref()).await?;
    let base = app.config.base_url.trim_end_matches('/');
    let title = ctx.t(&format!("standards.feed_{which}"));
    let updated = entries.iter().map(|e| e.at).max().unwrap_or(0);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!("<title>{}</title>\n<id>{}/standards/feeds/{}</id>\n", crate::util::xml_escape(&title), crate::util::xml_escape(base), crate::util::xml_escape(&name)));
    x.push_str(&format!("<link rel=\"self\" href=\"{}/standards/feeds/{}\"/>\n<updated>{}</updated>\n", crate::util::xml_escape(base), crate::util::xml_escape(&name), rfc3339(updated)));
    x.push_str(&format!("<author><name>{}</name></author>\n", crate::util::xml_escape(&ctx.t("site.name"))));
    for e in &entries {
        let url = format!("{base}/standards/{}", enc(&e.norm));
        let t = if e.title_zh.is_empty() { &e.title_en } else { &e.title_zh };
        x.push_str("<entry>\n");
        x.push_str(&format!("<title>{} {}</title>\n", crate::util::xml_escape(&e.norm), crate::util::xml_escape(t)));
        x.push_str(&format!("<id>{}</id>\n<link href=\"{}\"/>\n<updated>{}</updated>\n", crate::util::xml_escape(&url), crate::util::xml_escape(&url), rfc3339(e.at)));
        x.push_str(&format!("<summary>{}</summary>\n", crate::util::xml_escape(&format!("{} · {}", ctx.t(&model::status_key(&e.status)), e.title_en))));
        x.push_str("</entry>\n");
    }
    x.push_str("</feed>\n");
    let mut resp = x.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/atom+xml; charset=utf-8"));
    Ok(resp)
}

// ---------------------------------------------------------------------------------------
// Staff import

async fn import_page(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    ctx.render(&app, "standards/import.html", context! {})
}

async fn import_post(State(app): State<App>, ctx: Ctx, mut mp: Multipart) -> AppResult<Response> {
    crate::imports::stage_upload(&app, &ctx, &mut mp, "standards_import", &ctx.t("standards.err_no_file")).await
}
