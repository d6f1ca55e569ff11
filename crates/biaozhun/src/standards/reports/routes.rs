//! Pages and API of the validity check and its saved reports: the check form and API, the
//! report (paged), its XLSX, the owner's list and deletion, and the public verification.
//! (The file upload of a check is read in `standards::routes`, then handed to [`submit`].)

use super::super::check::{self, CheckItem};
use super::super::{model, store as catalogue};
use super::store::{self, Report};
use super::{Viewer, viewer};
use crate::App;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes, download};
use crate::web::ratelimit::Class;
use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
pub fn routes() -> Routes {
    Routes::new()
        .get("/standards/check", Access::Public, check_form)
        .post("/standards/check", Access::Public, check_post).limit(Class::Check)
        .get("/standards/check/verify", Access::Public, verify_form).limit(Class::Check)
        .get("/standards/check/verify/{code}", Access::Public, verify_page).limit(Class::Check)
        .get("/standards/check/{no}", Access::Public, report_page).limit(Class::Check)
        .get("/standards/check/{no}/xlsx", Access::Public, report_xlsx).limit(Class::Check)
        .post("/standards/check/{no}/delete", Access::Public, delete_form).limit(Class::Check)
        .post("/standards/check/{no}/watch", Access::User, watch_all).limit(Class::Check)
        .get("/standards/checks", Access::Public, list_page).limit(Class::Check)
        .post("/api/v1/standards/check", Access::Public, api_check).limit(Class::Check)
        .get("/api/v1/standards/checks", Access::User, api_list).limit(Class::Check)
        .get("/api/v1/standards/checks/verify/{code}", Access::Public, api_verify).limit(Class::Check)
        .get("/api/v1/standards/checks/{no}", Access::Public, api_get).limit(Class::Check)
        .delete("/api/v1/standards/checks/{no}", Access::Public, api_delete).limit(Class::Check)
}

/// Longest text a check reads (bytes); the entries in it are limited as well.
const MAX_TEXT: usize = 2_000_000;
/// Items on one page of a report (HTML and API).
const PER_PAGE: usize = 500;

// ---------------------------------------------------------------------------------------
// Checking

/// Checks a text for the viewer and saves the report. `field` names the input in errors.
async fn run(app: &App, ctx: &Ctx, v: &Viewer, text: &str, field: &str) -> AppResult<(Report, Vec<CheckItem>)> {
    if text.trim().is_empty() {
        return Err(AppError::invalid(field, ctx.t("standards.err_empty_check")));
    }
    if text.len() > MAX_TEXT {
        return Err(AppError::TooLarge);
    }
    let max = if v.user_id.is_some() { super::MAX_ENTRIES_USER } else { super::MAX_ENTRIES_ANONYMOUS };
    let items = match check::check_text(app, text, max).await.map_err(AppError::Internal)? {
        Ok(items) => items,
        Err(too_many) => {
            let key = if v.user_id.is_some() { "standards.err_too_many" } else { "standards.err_too_many_anonymous" };
            return Err(AppError::invalid(field, ctx.tf(key, &[("max", &crate::util::grouped(too_many.max as u64)), ("user_max", &crate::util::grouped(super::MAX_ENTRIES_USER as u64))])));
        }
    };
    let problems = items.iter().filter(|i| check::is_problem(i)).count() as i64;
    let report = store::save(app, v, &items, problems).await?;
    Ok((report, items))
}


/// The anonymous browser's key back in its cookie, good for as long as its newest report.
fn keep_key(app: &App, v: &Viewer, resp: &mut Response) {
    if let Some(key) = &v.key {
        let cookie = crate::web::ctx::set_cookie(app, super::KEY_COOKIE, key, Some(super::ANONYMOUS_DAYS * 86_400), true);
        resp.headers_mut().append(header::SET_COOKIE, cookie);
    }
}

/// Checks a text from a form or an upload and goes to its report.
pub async fn submit(app: &App, ctx: &Ctx, headers: &HeaderMap, text: &str, field: &str) -> AppResult<Response> {
    let v = viewer(app, ctx, headers).await?;
    let (report, _) = run(app, ctx, &v, text, field).await?;
    let mut resp = Redirect::to(&format!("/standards/check/{}", report.check_no)).into_response();
    keep_key(app, &v, &mut resp);
    Ok(resp)
}

async fn check_form(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    ctx.render(&app, "standards/check.html", context! { text => "" })
}

#[derive(Deserialize)]
struct CheckForm {
    #[serde(default)]
    text: String,
}

async fn check_post(State(app): State<App>, ctx: Ctx, headers: HeaderMap, Form(f): Form<CheckForm>) -> AppResult<Response> {
    match submit(&app, &ctx, &headers, &f.text, "text").await {
        Err(AppError::Invalid { field, message }) => ctx.render_status(
            &app,
            StatusCode::UNPROCESSABLE_ENTITY,
            "standards/check.html",
            context! { text => f.text, error => message, error_field => field },
        ),
        other => other,
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CheckIn {
    /// Free text; standard numbers are found anywhere in it. At most 2,000 entries (numbers,
    /// and short lines with digits but no number) without login, 10,000 logged in; more is
    /// a 422 naming the limit.
    #[schema(max_length = 2000000)]
    pub text: String,
}

/// A saved report: its number, the code that verifies it publicly, its counts.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportHead {
    /// Report number, e.g. CX-2026-000123: opens the report to its owner only.
    pub check_no: String,
    /// Verification code (e.g. 7KQ4-M2XD-PW4R-8HTC): shows the summary to anyone at
    /// /standards/check/verify/{code}.
    pub verify_code: String,
    pub verify_url: String,
    pub created_at: i64,
    /// When an anonymous report is deleted; null for a user's report, kept until deleted.
    pub expires_at: Option<i64>,
    pub total: i64,
    pub problems: i64,
}

async fn head(app: &App, r: &Report) -> AppResult<ReportHead> {
    let code = super::show_code(&store::code_of(app, r).await?);
    Ok(ReportHead {
        check_no: r.check_no.clone(),
        verify_url: format!("{}/standards/check/verify/{code}", app.config.base_url.trim_end_matches('/')),
        verify_code: code,
        created_at: r.created_at,
        expires_at: r.expires_at,
        total: r.total,
        problems: r.problems,
    })
}

/// The answer of a check: the report's head and every item.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckOut {
    #[serde(flatten)]
    pub report: ReportHead,
    pub items: Vec<CheckItem>,
}

/// The items of an answer go out in pieces as they are written, not as one buffer.
fn streamed(head: ReportHead, items: Vec<CheckItem>) -> AppResult<Response> {
    let mut start = serde_json::to_string(&CheckOut { report: head, items: Vec::new() }).map_err(|e| AppError::Internal(e.into()))?;
    // `{…,"items":[]}` → `{…,"items":[`
    start.truncate(start.len() - 2);
    let mut items = items.into_iter().peekable();
    let mut first = true;
    let body = std::iter::once(start).chain(std::iter::from_fn(move || {
        items.peek()?;
        let mut chunk = String::new();
        for item in items.by_ref().take(200) {
            if !std::mem::take(&mut first) {
                chunk.push(',');
            }
            chunk.push_str(&serde_json::to_string(&item).unwrap_or_else(|_| "null".into()));
        }
        Some(chunk)
    }));
    let body = body.chain(std::iter::once("]}".to_string())).map(|s| Ok::<_, std::convert::Infallible>(Bytes::from(s)));
    let mut resp = Body::from_stream(futures_util::stream::iter(body)).into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(resp)
}

/// Validity check (标准查新) of the numbers in a text; the report is saved, private to the
/// caller (an anonymous caller's browser holds its key in the `bz_checks` cookie).
#[utoipa::path(post, path = "/api/v1/standards/check", tag = "standards", request_body = CheckIn,
    responses((status = 200, body = CheckOut), (status = 413, description = "text over 2,000,000 bytes"), (status = 422, description = "empty, or more entries than allowed (the message names the limit)")))]
pub async fn api_check(State(app): State<App>, ctx: Ctx, headers: HeaderMap, JsonIn(input): JsonIn<CheckIn>) -> AppResult<Response> {
    let v = viewer(&app, &ctx, &headers).await?;
    let (report, items) = run(&app, &ctx, &v, &input.text, "text").await?;
    let mut resp = streamed(head(&app, &report).await?, items)?;
    keep_key(&app, &v, &mut resp);
    Ok(resp)
}

// ---------------------------------------------------------------------------------------
// Reports

/// The report if this request may read it; 404 alike for one that does not exist and one
/// that is someone else's, so that numbers reveal nothing.
async fn readable(app: &App, ctx: &Ctx, headers: &HeaderMap, no: &str) -> AppResult<Report> {
    let v = viewer(app, ctx, headers).await?;
    match store::get(app, no).await? {
        Some(r) if v.may_read(&r) => Ok(r),
        _ => Err(AppError::NotFound),
    }
}

/// A private page: neither shared caches nor the browser's back-forward store keep it.
fn private(mut resp: Response) -> Response {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    resp
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct ReportQuery {
    /// Any value: only items needing attention (anything but "in force").
    pub only_problems: Option<String>,
    /// Page of 500 items, from 1.
    pub page: Option<usize>,
}

/// One page of a report's items (filtered), the page number and the number of pages.
fn page_of(items: Vec<CheckItem>, q: &ReportQuery) -> (Vec<CheckItem>, usize, usize, usize) {
    let shown: Vec<CheckItem> = items.into_iter().filter(|i| q.only_problems.is_none() || check::is_problem(i)).collect();
    let pages = shown.len().div_ceil(PER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let count = shown.len();
    (shown.into_iter().skip((page - 1) * PER_PAGE).take(PER_PAGE).collect(), page, pages, count)
}

async fn report_page(State(app): State<App>, ctx: Ctx, headers: HeaderMap, Path(no): Path<String>, Query(q): Query<ReportQuery>) -> AppResult<Response> {
    let r = readable(&app, &ctx, &headers, &no).await?;
    let h = head(&app, &r).await?;
    let items = store::items(&app, &r).await.map_err(AppError::Internal)?;
    let counts = breakdown(&ctx, &items);
    let (items, page, pages, _) = page_of(items, &q);
    let filter = if q.only_problems.is_some() { "only_problems=1&" } else { "" };
    let resp = ctx.render(&app, "standards/report.html", context! { r => h, items => items, page => page, pages => pages, filter => filter, breakdown => counts })?;
    Ok(private(resp))
}

async fn report_xlsx(State(app): State<App>, ctx: Ctx, headers: HeaderMap, Path(no): Path<String>) -> AppResult<Response> {
    let r = readable(&app, &ctx, &headers, &no).await?;
    let h = head(&app, &r).await?;
    let items = store::items(&app, &r).await.map_err(AppError::Internal)?;
    let cols: Vec<String> = ["col_line", "col_input", "col_recognised", "col_number", "col_title", "status", "col_current", "col_chain", "col_outcome"]
        .iter()
        .map(|k| ctx.t(&format!("standards.{k}")))
        .collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|i| {
            vec![
                i.line.to_string(),
                i.input.clone(),
                i.recognised.clone().unwrap_or_default(),
                i.number.clone().unwrap_or_default(),
                i.title_zh.clone().filter(|t| !t.is_empty()).or(i.title_en.clone()).unwrap_or_default(),
                i.status.as_deref().map(|s| ctx.t(&model::status_key(s))).unwrap_or_default(),
                i.current.clone().unwrap_or_default(),
                i.chain.join(" → "),
                ctx.t(&format!("standards.outcome_{}", i.outcome)),
            ]
        })
        .collect();
    let facts = vec![
        (ctx.t("standards.report_no"), h.check_no.clone()),
        (ctx.t("standards.report_date"), crate::util::fmt_datetime(h.created_at)),
        (ctx.t("standards.report_counts"), ctx.tf("standards.report_summary", &[("total", &h.total.to_string()), ("problems", &h.problems.to_string())])),
        (ctx.t("standards.report_breakdown"), breakdown(&ctx, &items).iter().map(|(l, n)| format!("{l} {n}")).collect::<Vec<_>>().join(" · ")),
        (ctx.t("standards.verify_code"), h.verify_code.clone()),
    ];
    let notes = [ctx.tf("standards.report_verify", &[("url", &h.verify_url)])];
    let bytes = download::xlsx_document(&ctx.t("standards.report_title"), &facts, &cols, &rows, &notes)?;
    Ok(private(download::xlsx_file(bytes, &format!("{}.xlsx", h.check_no))))
}

/// How many items came to each outcome, in the order outcomes are listed, as labels.
fn breakdown(ctx: &Ctx, items: &[CheckItem]) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for i in items {
        match counts.iter_mut().find(|(o, _)| *o == i.outcome) {
            Some(c) => c.1 += 1,
            None => counts.push((i.outcome.clone(), 1)),
        }
    }
    counts.sort_by_key(|(o, _)| OUTCOME_ORDER.iter().position(|x| x == o).unwrap_or(OUTCOME_ORDER.len()));
    counts.into_iter().map(|(o, n)| (ctx.t(&format!("standards.outcome_{o}")), n)).collect()
}

const OUTCOME_ORDER: [&str; 8] = ["ok", "upcoming", "replaced", "no_successor", "developing", "unknown_status", "not_found", "unrecognised"];

async fn delete_form(State(app): State<App>, ctx: Ctx, headers: HeaderMap, Path(no): Path<String>) -> AppResult<Response> {
    let r = readable(&app, &ctx, &headers, &no).await?;
    store::delete(&app, r.id).await?;
    Ok(crate::web::ctx::redirect_with_flash(&app, "/standards/checks", "standards_report_deleted"))
}

async fn watch_all(State(app): State<App>, ctx: Ctx, headers: HeaderMap, Path(no): Path<String>) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let r = readable(&app, &ctx, &headers, &no).await?;
    let mut norms = Vec::new();
    for i in store::items(&app, &r).await.map_err(AppError::Internal)? {
        if let Some(id) = i.number.as_ref().or(i.recognised.as_ref()).and_then(|n| model::ident(n)) {
            norms.push((id.norm, id.base));
        }
    }
    let owner = crate::orgs::acting_owner(&app, user.id).await?;
    catalogue::watch_add(&app, owner, user.id, &norms).await?;
    Ok(crate::web::ctx::redirect_with_flash(&app, "/standards/watchlist", "standards_watch_saved"))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct ListQuery {
    /// Page of 50 reports, from 1.
    pub page: Option<i64>,
}

const LIST_PAGE: i64 = 50;

async fn list_of(app: &App, v: &Viewer, q: &ListQuery) -> AppResult<(Vec<ReportHead>, i64, i64, i64)> {
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let (rows, total) = store::list(app, v, (page - 1) * LIST_PAGE, LIST_PAGE).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(head(app, r).await?);
    }
    Ok((out, page, (total as usize).div_ceil(LIST_PAGE as usize).max(1) as i64, total))
}

async fn list_page(State(app): State<App>, ctx: Ctx, headers: HeaderMap, Query(q): Query<ListQuery>) -> AppResult<Response> {
    let v = viewer(&app, &ctx, &headers).await?;
    let (reports, page, pages, total) = list_of(&app, &v, &q).await?;
    let resp = ctx.render(&app, "standards/reports.html", context! { reports => reports, page => page, pages => pages, total => total, days => super::ANONYMOUS_DAYS })?;
    Ok(private(resp))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<ReportHead>,
}

/// The caller's reports (and their organisation's), newest first, 50 a page.
#[utoipa::path(get, path = "/api/v1/standards/checks", tag = "standards", params(ListQuery), responses((status = 200, body = ReportList), (status = 401)))]
pub async fn api_list(State(app): State<App>, ctx: Ctx, headers: HeaderMap, Query(q): Query<ListQuery>) -> AppResult<Json<ReportList>> {
    let v = viewer(&app, &ctx, &headers).await?;
    let (items, page, _, total) = list_of(&app, &v, &q).await?;
    Ok(Json(ReportList { total, page, per_page: LIST_PAGE, items }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReportPage {
    #[serde(flatten)]
    pub report: ReportHead,
    pub page: usize,
    pub per_page: usize,
    /// Items after the filter (all, or only those needing attention).
    pub items_total: usize,
    pub items: Vec<CheckItem>,
}

/// One of the caller's reports, 500 items a page. Someone else's answers 404, as a number
/// that does not exist does.
#[utoipa::path(get, path = "/api/v1/standards/checks/{no}", tag = "standards",
    params(("no" = String, Path, description = "report number", example = "CX-2026-000123"), ReportQuery),
    responses((status = 200, body = ReportPage), (status = 404)))]
pub async fn api_get(State(app): State<App>, ctx: Ctx, headers: HeaderMap, Path(no): Path<String>, Query(q): Query<ReportQuery>) -> AppResult<Json<ReportPage>> {
    let r = readable(&app, &ctx, &headers, &no).await?;
    let report = head(&app, &r).await?;
    let items = store::items(&app, &r).await.map_err(AppError::Internal)?;
    let (items, page, _, items_total) = page_of(items, &q);
    Ok(Json(ReportPage { report, page, per_page: PER_PAGE, items_total, items }))
}

/// Delete one of the caller's reports (and with it its verification code).
#[utoipa::path(delete, path = "/api/v1/standards/checks/{no}", tag = "standards",
    params(("no" = String, Path, description = "report number", example = "CX-2026-000123")), responses((status = 204), (status = 404)))]
pub async fn api_delete(State(app): State<App>, ctx: Ctx, headers: HeaderMap, Path(no): Path<String>) -> AppResult<StatusCode> {
    let r = readable(&app, &ctx, &headers, &no).await?;
    store::delete(&app, r.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------------------
// Public verification

/// What anyone holding a report's verification code may know of it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Verified {
    pub check_no: String,
    pub created_at: i64,
    pub total: i64,
    pub problems: i64,
}

async fn verified(app: &App, typed: &str) -> AppResult<Verified> {
    let code = super::parse_code(typed).ok_or(AppError::NotFound)?;
    let r = store::by_code(app, &code).await?.ok_or(AppError::NotFound)?;
    Ok(Verified { check_no: r.check_no, created_at: r.created_at, total: r.total, problems: r.problems })
}

#[derive(Deserialize, Default)]
struct VerifyQuery {
    code: Option<String>,
}

async fn verify_form(State(app): State<App>, ctx: Ctx, Query(q): Query<VerifyQuery>) -> AppResult<Response> {
    if let Some(code) = q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        if let Some(c) = super::parse_code(code) {
            return Ok(Redirect::to(&format!("/standards/check/verify/{}", super::show_code(&c))).into_response());
        }
        let error = ctx.t("standards.verify_not_found");
        return ctx.render_status(&app, StatusCode::NOT_FOUND, "standards/verify.html", context! { code => code, error => error, error_field => "code" });
    }
    ctx.render(&app, "standards/verify.html", context! { code => "" })
}

async fn verify_page(State(app): State<App>, ctx: Ctx, Path(code): Path<String>) -> AppResult<Response> {
    match verified(&app, &code).await {
        Ok(v) => ctx.render(&app, "standards/verify.html", context! { code => code, v => v }),
        Err(AppError::NotFound) => {
            let error = ctx.t("standards.verify_not_found");
            ctx.render_status(&app, StatusCode::NOT_FOUND, "standards/verify.html", context! { code => code, error => error, error_field => "code" })
        }
        Err(e) => Err(e),
    }
}

/// Public verification of a report by its code: number, date and counts only.
#[utoipa::path(get, path = "/api/v1/standards/checks/verify/{code}", tag = "standards",
    params(("code" = String, Path, description = "verification code shown on the report", example = "7KQ4-M2XD-PW4R-8HTC")),
    responses((status = 200, body = Verified), (status = 404)))]
pub async fn api_verify(State(app): State<App>, Path(code): Path<String>) -> AppResult<Json<Verified>> {
    Ok(Json(verified(&app, &code).await?))
}
