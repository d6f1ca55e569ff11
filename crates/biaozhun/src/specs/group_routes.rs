//! The routes of group standards (团体标准): the public list (page and JSON), the vote
//! (seating the voters, the ballot page with who voted what, casting a ballot) and the
//! free-to-read text. The lifecycle's steps are the specification's (`/specs/{id}`).

use super::group::{self, GroupLine};
use super::model::{self, Choice, Tally};
use super::policy;
use super::store;
use super::vote::{self, Ballot, Body};
use crate::App;
use crate::auth::Role;
use crate::web::pager::Pager;
use crate::web::upload;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(api_list, api_voters, api_ballot, api_cast, api_free_text),
    components(schemas(GroupLine, GroupList, VotersIn, Body, CastIn, Choice, Ballot, vote::Voter, Tally, FreeIn, model::SpecKind))
)]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/group-standards", Access::Public, api_list)
        .post("/api/v1/specs/{id}/voters", Access::Staff, api_voters)
        .get("/api/v1/specs/{id}/vote", Access::Public, api_ballot)
        .post("/api/v1/specs/{id}/vote", Access::User, api_cast)
        .post("/api/v1/specs/{id}/free-text", Access::Staff, api_free_text)
        .get("/group-standards", Access::Public, list_page)
        .get("/group-standards/{id}/text", Access::Public, text)
        .get("/specs/{id}/vote", Access::Public, vote_page)
        .post("/specs/{id}/vote", Access::User, vote_form)
        .post("/specs/{id}/text", Access::Staff, upload_text)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct PageQuery {
    pub page: Option<i64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupList {
    pub items: Vec<GroupLine>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// Group standards the public sees (from the consultation on): number (empty until
/// published), title, stage and drafting organisations; published ones first.
#[utoipa::path(get, path = "/api/v1/group-standards", tag = "specs", params(PageQuery), responses((status = 200, body = GroupList)))]
pub async fn api_list(State(app): State<App>, Query(q): Query<PageQuery>) -> AppResult<Json<GroupList>> {
    let page = crate::web::pager::page(q.page);
    let (items, total) = group::list_public(&app, (page - 1) * 50, 50).await?;
    let pg = Pager::new(total, page, 50);
    Ok(Json(GroupList { items, total, page: pg.page, pages: pg.pages }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VotersIn {
    /// `members` (会员表决) or `council` (理事会审议).
    pub body: Body,
    /// User ids of the voters, each a member of the association (1 to 500).
    pub voters: Vec<i64>,
}

/// Seats the voters of the next round of a reviewed group standard (staff); replaces those
/// seated before the round opens. 409 outside `reviewed` or for a local specification.
#[utoipa::path(post, path = "/api/v1/specs/{id}/voters", tag = "specs", params(("id" = i64, Path)), request_body = VotersIn,
    responses((status = 200, body = Ballot), (status = 404), (status = 409), (status = 422)))]
pub async fn api_voters(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<VotersIn>) -> AppResult<Json<Ballot>> {
    vote::seat(&app, &ctx, id, input.body, &input.voters).await?;
    let spec = store::get(&app, id).await?;
    Ok(Json(vote::ballot(&app, &spec).await?))
}

async fn readable(app: &App, ctx: &Ctx, id: i64) -> AppResult<store::Spec> {
    let spec = store::get(app, id).await?;
    policy::may_read(app, ctx, &spec).await?;
    if spec.kind != "group" {
        return Err(AppError::NotFound);
    }
    Ok(spec)
}

/// The vote of a group standard: the round, who is seated, what each voted and the count
/// (whoever may read the standard; 404 for a local specification).
#[utoipa::path(get, path = "/api/v1/specs/{id}/vote", tag = "specs", params(("id" = i64, Path)), responses((status = 200, body = Ballot), (status = 404)))]
pub async fn api_ballot(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Ballot>> {
    let spec = readable(&app, &ctx, id).await?;
    Ok(Json(vote::ballot(&app, &spec).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CastIn {
    pub choice: Choice,
    /// At most 2,000 characters.
    #[serde(default)]
    pub comment: String,
}

/// Casts (or changes) the caller's ballot: a voter seated in the open round; 403 for anyone
/// else, 409 when no vote is open.
#[utoipa::path(post, path = "/api/v1/specs/{id}/vote", tag = "specs", params(("id" = i64, Path)), request_body = CastIn,
    responses((status = 200, body = Tally), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn api_cast(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<CastIn>) -> AppResult<Json<Tally>> {
    readable(&app, &ctx, id).await?;
    let comment = model::check_text("comment", &input.comment, false, 2000, ctx.lang)?;
    Ok(Json(vote::cast(&app, &ctx, id, input.choice, &comment).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FreeIn {
    /// Whether the association offers the text free to read.
    pub free_to_read: bool,
}

/// Offers (or stops offering) a group standard's text free to read (staff).
#[utoipa::path(post, path = "/api/v1/specs/{id}/free-text", tag = "specs", params(("id" = i64, Path)), request_body = FreeIn,
    responses((status = 204), (status = 404), (status = 409)))]
pub async fn api_free_text(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<FreeIn>) -> AppResult<StatusCode> {
    set_free(&app, &ctx, id, input.free_to_read, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the flag and, with a file, stores the text; one transaction.
async fn set_free(app: &App, ctx: &Ctx, id: i64, free: bool, file: Option<(String, &'static str, Vec<u8>)>) -> AppResult<()> {
    let spec = store::get(app, id).await?;
    if spec.kind != "group" {
        return Err(AppError::Conflict(ctx.t("specs.err_kind_local")));
    }
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE specs SET free_to_read = $1 WHERE id = $2").bind(i64::from(free)).bind(id).execute(&mut *tx).await?;
    let mut detail = format!("free_to_read={free}");
    if let Some((name, ct, data)) = file {
        sqlx::query("DELETE FROM spec_texts WHERE spec_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO spec_texts (spec_id, filename, content_type, data, uploaded_by, uploaded_at) VALUES ($1,$2,$3,$4,$5,$6)")
            .bind(id).bind(&name).bind(ct).bind(data).bind(ctx.user_id()).bind(crate::util::now())
            .execute(&mut *tx)
            .await?;
        detail.push_str(&format!(" {name}"));
    }
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "spec.free_text", target: format!("spec:{id}"), detail }).await?;
    tx.commit().await?;
    Ok(())
}

/// The text's upload from the standard's page (staff): the file (PDF or text) and the flag.
async fn upload_text(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, mut mp: Multipart) -> AppResult<Response> {
    let parts = upload::read(&mut mp, "file", &["free_to_read"]).await?;
    let free = parts.text("free_to_read").is_some_and(|v| v == "1" || v == "on");
    let file = match parts.files.into_iter().find(|f| !f.data.is_empty()) {
        Some(f) => {
            let name = upload::clean_filename(&f.name).ok_or_else(|| AppError::invalid("file", ctx.t("specs.err_text_type")))?;
            if f.data.len() > app.config.max_upload_bytes {
                return Err(AppError::TooLarge);
            }
            let ct = upload::sniff(&name, &f.data).filter(|c| c.starts_with("application/pdf") || c.starts_with("text/plain")).ok_or_else(|| AppError::invalid("file", ctx.t("specs.err_text_type")))?;
            Some((name, ct, f.data))
        }
        None => None,
    };
    set_free(&app, &ctx, id, free, file).await?;
    Ok(Redirect::to(&format!("/specs/{id}")).into_response())
}

/// The free-to-read text: to anyone once published and offered; to staff always; 404 else.
async fn text(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let spec = store::get(&app, id).await?;
    let staff = ctx.user.as_deref().is_some_and(|u| u.has(Role::Staff));
    let public = spec.free_to_read == 1 && !spec.number.is_empty() && matches!(spec.stage.as_str(), "published" | "in_force" | "periodic_review");
    if spec.kind != "group" || !(staff || public) {
        return Err(AppError::NotFound);
    }
    let row: Option<(String, String, Vec<u8>)> = sqlx::query_as("SELECT filename, content_type, data FROM spec_texts WHERE spec_id = $1").bind(id).fetch_optional(&app.db.pool).await?;
    let (name, ct, data) = row.ok_or(AppError::NotFound)?;
    Ok(crate::web::download::attachment(data, &ct, &name))
}

async fn list_page(State(app): State<App>, ctx: Ctx, Query(q): Query<PageQuery>) -> AppResult<Response> {
    let page = crate::web::pager::page(q.page);
    let (items, total) = group::list_public(&app, (page - 1) * 20, 20).await?;
    let pg = Pager::new(total, page, 20);
    let texts: Vec<i64> = sqlx::query_scalar("SELECT spec_id FROM spec_texts").fetch_all(&app.db.pool).await?;
    ctx.render(&app, "specs/group_list.html", context! { items => items, pg => pg, texts => texts })
}

async fn vote_page_with(app: &App, ctx: &Ctx, id: i64, status: StatusCode, error: Option<String>, field: Option<String>) -> AppResult<Response> {
    let spec = readable(app, ctx, id).await?;
    let b = vote::ballot(app, &spec).await?;
    let mine = ctx.user_id().and_then(|u| b.voters.iter().find(|v| v.user_id == u).cloned());
    ctx.render_status(app, status, "specs/vote.html", context! { s => spec, b => b, mine => mine, error => error, field => field })
}

async fn vote_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    vote_page_with(&app, &ctx, id, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
struct CastForm {
    #[serde(default)]
    choice: String,
    #[serde(default)]
    comment: String,
}

async fn vote_form(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<CastForm>) -> AppResult<Response> {
    readable(&app, &ctx, id).await?;
    let Some(choice) = Choice::parse(&f.choice) else {
        return vote_page_with(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(ctx.t("specs.err_choice")), Some("choice".into())).await;
    };
    let res = match model::check_text("comment", &f.comment, false, 2000, ctx.lang) {
        Ok(c) => vote::cast(&app, &ctx, id, choice, &c).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/specs/{id}/vote")).into_response()),
        Err(AppError::Invalid { field, message }) => vote_page_with(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(message), field).await,
        Err(AppError::Conflict(message)) => vote_page_with(&app, &ctx, id, StatusCode::CONFLICT, Some(message), Some("choice".into())).await,
        Err(e) => Err(e),
    }
}
