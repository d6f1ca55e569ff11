//! Home page, article lists and pages, attachments, site search, the staff editor, the
//! language switch, and the content API.

use super::store::{self, ArticleInput, KINDS};
use crate::App;
use crate::web::ctx::{LANG_COOKIE, redirect_with_flash, safe_next, set_cookie};
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Lang, Routes};
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;
use std::sync::Arc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/", Access::Public, home)
        .get("/news", Access::Public, list_news)
        .get("/notices", Access::Public, list_notices)
        .get("/policies", Access::Public, list_policies)
        .get("/articles/{key}", Access::Public, article)
        .get("/attachments/{id}/{name}", Access::Public, download)
        .get("/search", Access::Public, search)
        .get("/staff/articles", Access::Staff, staff_list)
        .get("/staff/articles/new", Access::Staff, staff_new)
        .post("/staff/articles", Access::Staff, staff_create)
        .get("/staff/articles/{id}/edit", Access::Staff, staff_edit)
        .post("/staff/articles/{id}", Access::Staff, staff_update)
        .post("/staff/articles/{id}/attachments", Access::Staff, staff_upload)
        .post("/staff/attachments/{id}/delete", Access::Staff, staff_delete_attachment)
        .get("/api/v1/articles", Access::Public, api_list)
        .get("/api/v1/articles/{key}", Access::Public, api_get)
        .post("/api/v1/articles", Access::Staff, api_create)
        .put("/api/v1/articles/{key}", Access::Staff, api_update)
}

fn can_see_members_only(ctx: &Ctx) -> bool {
    ctx.user.as_deref().is_some_and(|u| u.is_member() || u.has(crate::auth::Role::Staff))
}

/// The home page's lists (public content only, so one copy serves every visitor).
async fn home_lists(app: &App) -> AppResult<Arc<serde_json::Value>> {
    if let Some(v) = app.home_cache.get() {
        return Ok(v);
    }
    let news = store::list(app, Some("news"), false, 1, 8).await?;
    let notices = store::list(app, Some("notice"), false, 1, 8).await?;
    let policies = store::list(app, Some("policy"), false, 1, 8).await?;
    let trainings = crate::training::upcoming(app, 5).await?;
    let v = Arc::new(serde_json::json!({
        "news": news.items, "notices": notices.items, "policies": policies.items, "trainings": trainings,
    }));
    app.home_cache.put(v.clone());
    Ok(v)
}

async fn home(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let lists = home_lists(&app).await?;
    let login = if ctx.user.is_none() { Some(crate::auth::routes::login_form_context(&app, &ctx)) } else { None };
    let extra = context! { lists => Value::from_serialize(&*lists), login => login, outline_slug => super::seed::OUTLINE_SLUG };
    ctx.render(&app, "home.html", extra)
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

async fn list_kind(app: &App, ctx: &Ctx, kind: &str, page: Option<i64>) -> AppResult<Response> {
    let page = store::list(app, Some(kind), can_see_members_only(ctx), page.unwrap_or(1), 20).await?;
    ctx.render(app, "content/list.html", context! { kind => kind, page => page })
}

async fn list_news(State(app): State<App>, ctx: Ctx, Query(q): Query<PageQuery>) -> AppResult<Response> {
    list_kind(&app, &ctx, "news", q.page).await
}
async fn list_notices(State(app): State<App>, ctx: Ctx, Query(q): Query<PageQuery>) -> AppResult<Response> {
    list_kind(&app, &ctx, "notice", q.page).await
}
async fn list_policies(State(app): State<App>, ctx: Ctx, Query(q): Query<PageQuery>) -> AppResult<Response> {
    list_kind(&app, &ctx, "policy", q.page).await
}

/// Whether the visitor may read this article: published and due, and members-only ones
/// to members; staff see drafts too.
fn visible(ctx: &Ctx, a: &store::ArticleSummary) -> AppResult<()> {
    let staff = ctx.user.as_deref().is_some_and(|u| u.has(crate::auth::Role::Staff));
    let published = a.status == "published" && a.published_at.is_some_and(|t| t <= crate::util::now());
    if !published && !staff {
        return Err(AppError::NotFound);
    }
    if a.members_only && !can_see_members_only(ctx) {
        return Err(if ctx.user.is_some() { AppError::Forbidden } else { AppError::Unauthorized });
    }
    Ok(())
}

async fn article(State(app): State<App>, ctx: Ctx, Path(key): Path<String>) -> AppResult<Response> {
    let a = store::get(&app, &key).await?;
    visible(&ctx, &a.head)?;
    ctx.render(&app, "content/article.html", context! { a => a })
}

async fn download(State(app): State<App>, ctx: Ctx, Path((id, _name)): Path<(i64, String)>) -> AppResult<Response> {
    let d = store::attachment(&app, id).await?;
    let a = store::get(&app, &d.article_id.to_string()).await?;
    visible(&ctx, &a.head)?;
    let mut resp = crate::web::download::attachment(d.data, &d.content_type, &d.filename);
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    Ok(resp)
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

/// The portal's one search box: the best standards and TBT notifications (with links to
/// their full searches) and the matching news and policy articles.
async fn search(State(app): State<App>, ctx: Ctx, Query(q): Query<SearchQuery>) -> AppResult<Response> {
    let text = q.q.unwrap_or_default();
    let text: String = text.chars().take(200).collect();
    if text.trim().is_empty() {
        return ctx.render(&app, "content/search.html", context! { q => text });
    }
    let articles = store::search(&app, &text, 50).await?;
    let (std_total, std_ids) = top_hits(&app, crate::standards::DOMAIN, &text).await?;
    let records = crate::standards::store::by_ids(&app, &std_ids).await?;
    let standards: Vec<Value> = std_ids
        .iter()
        .filter_map(|id| records.get(id))
        .map(|r| {
            let title = if ctx.lang == Lang::En && !r.title_en.is_empty() { &r.title_en } else if r.title_zh.is_empty() { &r.title_en } else { &r.title_zh };
            let link = format!("/standards/{}", percent_encoding::utf8_percent_encode(&r.norm, percent_encoding::NON_ALPHANUMERIC));
            context! { number => &r.number, title => title, status => &r.status, link => link }
        })
        .collect();
    let (tbt_total, tbt_ids) = top_hits(&app, crate::tbt::DOMAIN, &text).await?;
    let notifications: Vec<Value> = crate::tbt::store::by_ids(&app, &tbt_ids, ctx.lang.code())
        .await?
        .into_iter()
        .map(|n| {
            let link = format!("/tbt/notifications/{}", percent_encoding::utf8_percent_encode(&n.symbol, percent_encoding::NON_ALPHANUMERIC));
            context! { symbol => n.symbol, title => n.title, link => link }
        })
        .collect();
    ctx.render(&app, "content/search.html", context! {
        q => text, articles => articles, standards => standards, std_total => std_total,
        notifications => notifications, tbt_total => tbt_total,
    })
}

/// The total and the first ids of a domain's best matches.
async fn top_hits(app: &App, domain: &str, text: &str) -> AppResult<(usize, Vec<i64>)> {
    let query = search::Query { domain: domain.into(), text: text.into(), limit: 5, ..Default::default() };
    let res = app.indexer.search(query).await?;
    Ok((res.total, res.hits.iter().filter_map(|h| crate::indexer::id_of(domain, &h.key)).collect()))
}

/// Remembers the chosen language in a cookie and goes back.
pub async fn switch_language(State(app): State<App>, Path(code): Path<String>, Query(q): Query<NextParam>) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let mut resp = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(&app, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600), false));
    resp
}

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Staff editor

async fn staff_list(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let items = store::list_all(&app).await?;
    ctx.render(&app, "staff/articles.html", context! { items => items })
}

fn editor(app: &App, ctx: &Ctx, status: StatusCode, id: Option<i64>, form: &ArticleInput, attachments: Vec<store::AttachmentInfo>, error: Option<AppError>) -> AppResult<Response> {
    let (error_field, error) = match error {
        Some(AppError::Invalid { field, message }) => (field, Some(message)),
        Some(e) => (None, Some(e.to_string())),
        None => (None, None),
    };
    ctx.render_status(app, status, "staff/article_edit.html", context! {
        id => id, form => form, kinds => KINDS, attachments => attachments, error => error, error_field => error_field,
        max_upload_mb => app.config.max_upload_bytes / (1024 * 1024),
    })
}

async fn staff_new(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let form = ArticleInput { kind: "news".into(), status: "draft".into(), ..Default::default() };
    editor(&app, &ctx, StatusCode::OK, None, &form, vec![], None)
}

async fn staff_create(State(app): State<App>, ctx: Ctx, Form(input): Form<ArticleInput>) -> AppResult<Response> {
    match store::save(&app, &ctx, None, &input).await {
        Ok(id) => Ok(redirect_with_flash(&app, &format!("/staff/articles/{id}/edit"), "article_saved")),
        Err(e @ AppError::Invalid { .. }) => editor(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, None, &input, vec![], Some(e)),
        Err(e) => Err(e),
    }
}

fn form_of(a: &store::Article) -> ArticleInput {
    ArticleInput {
        kind: a.head.kind.clone(),
        title: a.head.title.clone(),
        summary: a.head.summary.clone(),
        body_md: a.body_md.clone(),
        status: a.head.status.clone(),
        members_only: a.head.members_only,
        published_on: a.head.published_at.map(crate::util::fmt_date).unwrap_or_default(),
        version: Some(a.version),
    }
}

async fn staff_edit(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let a = store::get(&app, &id.to_string()).await?;
    let form = form_of(&a);
    editor(&app, &ctx, StatusCode::OK, Some(id), &form, a.attachments, None)
}

async fn staff_update(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(input): Form<ArticleInput>) -> AppResult<Response> {
    match store::save(&app, &ctx, Some(id), &input).await {
        Ok(id) => Ok(redirect_with_flash(&app, &format!("/staff/articles/{id}/edit"), "article_saved")),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            // Keep the editor's text; show the conflict so nothing is lost silently.
            let status = e.status();
            let attachments = store::attachments_of(&app, id).await?;
            editor(&app, &ctx, status, Some(id), &input, attachments, Some(e))
        }
        Err(e) => Err(e),
    }
}

async fn staff_upload(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, mut mp: Multipart) -> AppResult<Response> {
    let files = crate::web::upload::read(&mut mp, "file", &[]).await?.files;
    if files.is_empty() {
        return Err(AppError::invalid("file", ctx.t("content.err_empty_file")));
    }
    for f in &files {
        store::add_attachment(&app, &ctx, id, &f.name, &f.data).await?;
    }
    Ok(redirect_with_flash(&app, &format!("/staff/articles/{id}/edit"), "attachment_saved"))
}

async fn staff_delete_attachment(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let article = store::delete_attachment(&app, &ctx, id).await?;
    Ok(redirect_with_flash(&app, &format!("/staff/articles/{article}/edit"), "attachment_deleted"))
}

// ---------------------------------------------------------------------------------------
// API

#[derive(Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// `news`, `notice` or `policy`; all when absent.
    pub kind: Option<String>,
    pub page: Option<i64>,
    /// Items a page (1–100, default 20).
    pub per_page: Option<i64>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ArticlePage {
    pub items: Vec<store::ArticleSummary>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// Published articles, newest first.
#[utoipa::path(get, path = "/api/v1/articles", tag = "content", params(ListParams), responses((status = 200, body = ArticlePage)))]
pub async fn api_list(State(app): State<App>, ctx: Ctx, Query(q): Query<ListParams>) -> AppResult<Json<ArticlePage>> {
    if let Some(k) = q.kind.as_deref() {
        if !KINDS.contains(&k) {
            return Err(AppError::invalid("kind", ctx.t("content.err_kind")));
        }
    }
    let per_page = q.per_page.unwrap_or(20).clamp(1, 100);
    let p = store::list(&app, q.kind.as_deref(), can_see_members_only(&ctx), q.page.unwrap_or(1), per_page).await?;
    Ok(Json(ArticlePage { items: p.items, total: p.total, page: p.page, pages: p.pages }))
}

/// One article by id or slug (the outline: `guangzhou-standardization-outline-2013-2020`).
#[utoipa::path(get, path = "/api/v1/articles/{key}", tag = "content", params(("key" = String, Path)), responses((status = 200, body = store::Article), (status = 404)))]
pub async fn api_get(State(app): State<App>, ctx: Ctx, Path(key): Path<String>) -> AppResult<Json<store::Article>> {
    let a = store::get(&app, &key).await?;
    visible(&ctx, &a.head)?;
    Ok(Json(a))
}

/// Create an article (staff).
#[utoipa::path(post, path = "/api/v1/articles", tag = "content", request_body = ArticleInput, responses((status = 201, body = store::Article), (status = 422)))]
pub async fn api_create(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<ArticleInput>) -> AppResult<Response> {
    let id = store::save(&app, &ctx, None, &input).await?;
    Ok((StatusCode::CREATED, Json(store::get(&app, &id.to_string()).await?)).into_response())
}

/// Update an article (staff); `version` must be the one read, or 409.
#[utoipa::path(put, path = "/api/v1/articles/{key}", tag = "content", params(("key" = i64, Path, description = "article id")), request_body = ArticleInput,
    responses((status = 200, body = store::Article), (status = 409), (status = 422)))]
pub async fn api_update(State(app): State<App>, ctx: Ctx, Path(key): Path<String>, JsonIn(input): JsonIn<ArticleInput>) -> AppResult<Json<store::Article>> {
    let id: i64 = key.parse().map_err(|_| AppError::NotFound)?;
    store::save(&app, &ctx, Some(id), &input).await?;
    Ok(Json(store::get(&app, &id.to_string()).await?))
}
