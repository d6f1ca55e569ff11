//! Materials of a session (attachments): staff and the session's teachers upload files
//! (within `max_upload_bytes`, the extension agreeing with the first bytes: the upload kit),
//! listed on the session's page. A file is seen by the people enrolled, the teachers and
//! staff; one marked public by everyone who may read the session. Downloads carry the
//! stored type, `attachment` and `nosniff` (the download kit). Uploads and deletions are
//! audited (`training.material_upload`, `training.material_delete`).

use super::policy::SessionAct;
use super::store;
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Routes, upload};
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use serde::Serialize;

pub fn routes() -> Routes {
    Routes::new()
        .post("/training/{id}/materials", Access::User, add)
        .get("/training/{id}/materials/{mid}/{name}", Access::Public, download)
        .post("/training/{id}/materials/{mid}/delete", Access::User, delete)
}

/// A material as listed.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Material {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub public: i64,
    pub created_at: i64,
    #[sqlx(skip)]
    pub size_kb: i64,
}

async fn list(app: &App, session: i64) -> AppResult<Vec<Material>> {
    let mut rows: Vec<Material> =
        sqlx::query_as("SELECT id, filename, content_type, size, public, created_at FROM training_materials WHERE session_id = $1 ORDER BY created_at, id")
            .bind(session)
            .fetch_all(&app.db.pool)
            .await?;
    for m in &mut rows {
        m.size_kb = (m.size + 1023) / 1024;
    }
    Ok(rows)
}

/// Whether the visitor sees the session's materials that are not public: staff, its
/// teachers, and the people enrolled in it.
pub async fn sees_all(app: &App, ctx: &Ctx, session: i64) -> AppResult<bool> {
    let Some(uid) = ctx.user_id() else { return Ok(false) };
    if ctx.can(app, &SessionAct::Teach, session).await? {
        return Ok(true);
    }
    let enrolled: Option<i64> = sqlx::query_scalar("SELECT id FROM training_enrolments WHERE session_id = $1 AND user_id = $2 AND status = 'enrolled'")
        .bind(session)
        .bind(uid)
        .fetch_optional(&app.db.pool)
        .await?;
    Ok(enrolled.is_some())
}

/// The extra parts of a session's page (template `training/session_more.html`): the
/// visitor's check-in code when enrolled, the check-in link for staff and teachers, and
/// the materials the visitor may see (with how many others are for those enrolled).
pub async fn session_extras(app: &App, ctx: &Ctx, session: i64) -> AppResult<serde_json::Value> {
    let teaches = ctx.can(app, &SessionAct::Teach, session).await?;
    let all = list(app, session).await?;
    let sees_all = sees_all(app, ctx, session).await?;
    let (shown, hidden): (Vec<Material>, Vec<Material>) = all.into_iter().partition(|m| sees_all || m.public != 0);
    let checkin = match ctx.user_id() {
        Some(u) => super::checkin::mine(app, session, u).await?,
        None => None,
    };
    Ok(serde_json::json!({
        "teaches": teaches, "may_upload": teaches, "materials": shown, "hidden": hidden.len(), "checkin": checkin,
        "max_upload_mb": app.config.max_upload_bytes / (1024 * 1024),
    }))
}

async fn add(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, mut mp: Multipart) -> AppResult<Response> {
    ctx.must(&app, &SessionAct::Teach, id).await?;
    let parts = upload::read(&mut mp, "file", &["public"]).await?;
    let public = parts.text("public").is_some_and(|v| v == "1" || v == "on");
    let file = parts.files.into_iter().find(|f| !f.data.is_empty()).ok_or_else(|| AppError::invalid("file", ctx.t("materials.err_no_file")))?;
    let file = upload::accept(file, app.config.max_upload_bytes, "file", |r| {
        ctx.t(match r {
            upload::Refusal::Empty => "materials.err_no_file",
            upload::Refusal::Name => "materials.err_filename",
            upload::Refusal::Type => "materials.err_type",
        })
    })?;
    let name = file.name.clone();
    let mut tx = app.db.begin().await?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM training_sessions WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
    exists.ok_or(AppError::NotFound)?;
    let mid: i64 = sqlx::query_scalar(
        "INSERT INTO training_materials (session_id, filename, content_type, size, sha256, data, public, uploaded_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(id)
    .bind(&name)
    .bind(file.content_type)
    .bind(file.size)
    .bind(file.sha256)
    .bind(file.data)
    .bind(i64::from(public))
    .bind(ctx.user_id())
    .bind(crate::util::now())
    .fetch_one(&mut *tx)
    .await?;
    let detail = format!("material:{mid} {name}{}", if public { " (public)" } else { "" });
    crate::auth::audit::log_tx(&mut tx, &ctx, crate::auth::audit::Entry { action: "training.material_upload", target: format!("training:{id}"), detail }).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&app, &format!("/training/{id}#materials"), "material_uploaded"))
}

#[derive(sqlx::FromRow)]
struct Stored {
    filename: String,
    content_type: String,
    data: Vec<u8>,
    public: i64,
}

/// A material's file: 404 for a draft's (to all but staff and teachers) and for a file
/// the visitor may not see, so a guessed number tells nothing.
async fn download(State(app): State<App>, ctx: Ctx, Path((id, mid, _name)): Path<(i64, i64, String)>) -> AppResult<Response> {
    let s = store::get(&app, id).await?;
    let teaches = ctx.can(&app, &SessionAct::Teach, id).await?;
    if s.status == "draft" && !teaches {
        return Err(AppError::NotFound);
    }
    let m: Stored = sqlx::query_as("SELECT filename, content_type, data, public FROM training_materials WHERE id = $1 AND session_id = $2")
        .bind(mid)
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    if m.public == 0 && !sees_all(&app, &ctx, id).await? {
        return Err(if ctx.user.is_none() { AppError::Unauthorized } else { AppError::NotFound });
    }
    let mut resp = crate::web::download::attachment(m.data, &m.content_type, &m.filename);
    let cache = if m.public != 0 { "public, max-age=300" } else { "private, no-store" };
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static(cache));
    Ok(resp)
}

async fn delete(State(app): State<App>, ctx: Ctx, Path((id, mid)): Path<(i64, i64)>) -> AppResult<Response> {
    ctx.must(&app, &SessionAct::Teach, id).await?;
    let mut tx = app.db.begin().await?;
    let name: Option<String> = sqlx::query_scalar("SELECT filename FROM training_materials WHERE id = $1 AND session_id = $2").bind(mid).bind(id).fetch_optional(&mut *tx).await?;
    let name = name.ok_or(AppError::NotFound)?;
    sqlx::query("DELETE FROM training_materials WHERE id = $1").bind(mid).execute(&mut *tx).await?;
    crate::auth::audit::log_tx(&mut tx, &ctx, crate::auth::audit::Entry { action: "training.material_delete", target: format!("training:{id}"), detail: format!("material:{mid} {name}") }).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(&app, &format!("/training/{id}#materials"), "material_deleted"))
}
