//! Article lists and pages, attachments, the staff editor and the content API. (The home
//! page and the site search are the portal's; see `hooks.rs` for what this room offers them.)

use super::store::{self, ArticleInput, KINDS};
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

#[derive(utoipa::OpenApi)]
#[openapi(paths(api_list, api_get, api_create, api_update))]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/news", Access::Public, list_news)
        .get("/notices", Access::Public, list_notices)
        .get("/policies", Access::Public, list_policies)
        .get("/articles/{key}", Access::Public, article)
        .get("/attachments/{id}/{name}", Access::Public, download)
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

#[derive(Deserialize)]
struct PageQuery {
    page: Option<i64>,
}

async fn list_kind(app: &App, ctx: &Ctx, kind: &str, page: Option<i64>) -> AppResult<Response> {
    let page = store::list(app, Some(kind), super::policy::sees_members_only(ctx), page.unwrap_or(1), 20).await?;
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

async fn article(State(app): State<App>, ctx: Ctx, Path(key): Path<String>) -> AppResult<Response> {
    let a = store::get(&app, &key).await?;
    super::policy::may_read(&ctx, &a.head)?;
    ctx.render(&app, "content/article.html", context! { a => a })
}

async fn download(State(app): State<App>, ctx: Ctx, Path((id, _name)): Path<(i64, String)>) -> AppResult<Response> {
    let d = store::attachment(&app, id).await?;
    let a = store::get(&app, &d.article_id.to_string()).await?;
    super::policy::may_read(&ctx, &a.head)?;
    let mut resp = crate::web::download::attachment(d.data, &d.content_type, &d.filename);
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    Ok(resp)
}

// ---------------------------------------------------------------------------------------
// Staff editor

async fn staff_list(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let items = store::list_all(&app).await?;
    ctx.render(&app, "staff/articles.html", context! { items => items })
}

fn editor(app: &App, ctx: &Ctx, status: StatusCode, id: Option<i64>, form: &ArticleInput, attachments: Vec<store::AttachmentInfo>, error: Option<AppError>) -> AppResult<Response> {
    let (error_field, error) = crate::web::form::field_error(error);
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
        Err(e) if crate::web::form::reshown(&e) => {
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
        if super::model::ArticleKind::parse(k).is_none() {
            return Err(AppError::invalid("kind", ctx.t("content.err_kind")));
        }
    }
    let per_page = q.per_page.unwrap_or(20).clamp(1, 100);
    let p = store::list(&app, q.kind.as_deref(), super::policy::sees_members_only(&ctx), q.page.unwrap_or(1), per_page).await?;
    Ok(Json(ArticlePage { items: p.items, total: p.total, page: p.page, pages: p.pages }))
}

/// One article by id or slug (the outline: `guangzhou-standardization-outline-2013-2020`).
#[utoipa::path(get, path = "/api/v1/articles/{key}", tag = "content", params(("key" = String, Path)), responses((status = 200, body = store::Article), (status = 404)))]
pub async fn api_get(State(app): State<App>, ctx: Ctx, Path(key): Path<String>) -> AppResult<Json<store::Article>> {
    let a = store::get(&app, &key).await?;
    super::policy::may_read(&ctx, &a.head)?;
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
