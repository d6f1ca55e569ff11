//! The attachments a programme type requires (`attachments` in its configuration), uploaded
//! as files: checked by the upload kit (`web::upload::accept`: a clean name, the size limit,
//! the type told by the first bytes), stored in the database (`application_files`, migration
//! 0140) in the transaction that saves the draft, with the step `attach` in the
//! application's history. Replacing a file keeps the earlier one (marked replaced). Files
//! are listed and downloaded by whoever may read the application: the applicant
//! organisation's users, staff, and the reviewers assigned to it once they declared no
//! conflict of interest (`policy::Application::Read`).

use super::model::{AttachmentDef, Config};
use super::policy::Application as Act;
use super::store::{self, Application};
use crate::App;
use crate::db::Tx;
use crate::web::upload::{self, Accepted, Refusal, Upload};
use crate::web::{AppError, AppResult, Ctx, Lang};
use crate::workflow::{self, Actor, Step};
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The form field of an attachment on the pages (`att_<key>`), also the field an error names.
pub fn field_of(key: &str) -> String {
    format!("att_{key}")
}

/// A stored file as listed (without its bytes).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FileOut {
    pub id: i64,
    /// The attachment's key in the programme's configuration.
    pub attachment: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    pub created_at: i64,
    /// When a later upload replaced it (absent: the current file).
    pub replaced_at: Option<i64>,
    /// Where to download it (the same rights as the application).
    #[sqlx(skip)]
    pub url: String,
}

/// Every file of an application, the current and the replaced, oldest first.
pub async fn list(app: &App, id: i64) -> AppResult<Vec<FileOut>> {
    let mut rows: Vec<FileOut> = sqlx::query_as(
        "SELECT id, attachment, filename, content_type, size, sha256, created_at, replaced_at FROM application_files WHERE application_id = $1 ORDER BY attachment, id",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await?;
    for f in &mut rows {
        let name = percent_encoding::utf8_percent_encode(&f.filename, percent_encoding::NON_ALPHANUMERIC);
        f.url = format!("/applications/{id}/files/{}/{name}", f.id);
    }
    Ok(rows)
}

/// The attachments of the type with their current file and the earlier ones, for templates.
pub fn view(c: &Config, lang: Lang, files: &[FileOut]) -> Vec<serde_json::Value> {
    c.attachments
        .iter()
        .map(|a| {
            let mine: Vec<&FileOut> = files.iter().filter(|f| f.attachment == a.key).collect();
            let current = mine.iter().find(|f| f.replaced_at.is_none());
            let earlier: Vec<&&FileOut> = mine.iter().filter(|f| f.replaced_at.is_some()).collect();
            serde_json::json!({
                "key": field_of(&a.key), "label": if lang == Lang::En { &a.label_en } else { &a.label_zh },
                "current": current, "earlier": earlier,
            })
        })
        .collect()
}

/// The refusals of the upload kit in the programmes' words, naming the attachment.
fn checked(app: &App, ctx: &Ctx, def: &AttachmentDef, file: Upload) -> AppResult<Accepted> {
    let label = if ctx.lang == Lang::En { def.label_en.as_str() } else { def.label_zh.as_str() };
    upload::accept(file, app.config.max_upload_bytes, &field_of(&def.key), |r| {
        let key = match r {
            Refusal::Empty => "programmes.err_file_empty",
            Refusal::Name => "programmes.err_file_name",
            Refusal::Type => "programmes.err_file_type",
        };
        ctx.tf(key, &[("attachment", label)])
    })
}

/// The files of a form checked before the transaction: each names an attachment of the type
/// (`att_<key>`, or `key` given for the API's one file); empty file inputs are skipped.
pub fn check_all(app: &App, ctx: &Ctx, c: &Config, files: Vec<Upload>) -> AppResult<Vec<(String, Accepted)>> {
    let mut out = vec![];
    for f in files {
        if f.data.is_empty() && f.name.is_empty() {
            continue;
        }
        let key = f.field.strip_prefix("att_").unwrap_or(&f.field).to_string();
        let def = c.attachments.iter().find(|a| a.key == key).ok_or_else(|| AppError::invalid(f.field.clone(), ctx.t("programmes.err_no_such_attachment")))?;
        out.push((key, checked(app, ctx, def, f)?));
    }
    Ok(out)
}

/// Stores the files in the caller's transaction, each replacing the attachment's current
/// file, with one step `attach` in the history naming them (the application must be a
/// draft: the engine refuses the step elsewhere). Answers the new files' ids.
pub async fn store_in(tx: &mut Tx, app: &App, ctx: &Ctx, actor: &Actor, id: i64, files: Vec<(String, Accepted)>) -> AppResult<Vec<i64>> {
    if files.is_empty() {
        return Ok(vec![]);
    }
    let now = crate::util::now();
    let mut ids = vec![];
    let mut named = vec![];
    for (key, f) in files {
        let before: Option<i64> = sqlx::query_scalar("SELECT id FROM application_files WHERE application_id = $1 AND attachment = $2 AND replaced_at IS NULL")
            .bind(id)
            .bind(&key)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some(b) = before {
            sqlx::query("UPDATE application_files SET replaced_at = $1 WHERE id = $2").bind(now).bind(b).execute(&mut **tx).await?;
        }
        let fid: i64 = sqlx::query_scalar(
            "INSERT INTO application_files (application_id, attachment, filename, content_type, size, sha256, data, uploaded_by, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
        )
        .bind(id)
        .bind(&key)
        .bind(&f.name)
        .bind(f.content_type)
        .bind(f.size)
        .bind(&f.sha256)
        .bind(f.data)
        .bind(ctx.user_id())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        if let Some(b) = before {
            sqlx::query("UPDATE application_files SET replaced_by = $1 WHERE id = $2").bind(fid).bind(b).execute(&mut **tx).await?;
        }
        named.push(serde_json::json!({ "attachment": key, "file": fid, "filename": f.name, "sha256": f.sha256, "replaces": before }));
        ids.push(fid);
    }
    let version = store::current_version(tx, id).await?;
    let note = named.iter().filter_map(|n| n["filename"].as_str()).collect::<Vec<_>>().join(", ");
    workflow::transition(tx, app, &super::FLOW, id, version, actor, Step::action("attach").note(&note).data(serde_json::json!({ "files": named }))).await?;
    Ok(ids)
}

/// The first required attachment without a current file, if any (checked at submission).
pub async fn missing<'c>(tx: &mut Tx, c: &'c Config, id: i64) -> AppResult<Option<&'c AttachmentDef>> {
    let have: Vec<String> = sqlx::query_scalar("SELECT attachment FROM application_files WHERE application_id = $1 AND replaced_at IS NULL").bind(id).fetch_all(&mut **tx).await?;
    Ok(c.attachments.iter().find(|a| !have.contains(&a.key)))
}

/// The 422 of a submission without a required attachment: the field `att_<key>`, the
/// message naming the attachment.
pub fn missing_error(ctx: &Ctx, def: &AttachmentDef) -> AppError {
    let label = if ctx.lang == Lang::En { def.label_en.as_str() } else { def.label_zh.as_str() };
    AppError::invalid(field_of(&def.key), ctx.tf("programmes.err_attachment", &[("attachment", label)]))
}

// ---------------------------------------------------------------------------------------
// Routes

/// A file of an application (the current or an earlier one): to those who may read the
/// application; `attachment`, the stored type, `nosniff`, never cached by a shared cache.
pub async fn download(State(app): State<App>, ctx: Ctx, Path((id, fid, _name)): Path<(i64, i64, String)>) -> AppResult<Response> {
    ctx.must(&app, &Act::Read, id).await?;
    let row: Option<(String, String, Vec<u8>)> = sqlx::query_as("SELECT filename, content_type, data FROM application_files WHERE id = $1 AND application_id = $2")
        .bind(fid)
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?;
    let (name, ct, data) = row.ok_or(AppError::NotFound)?;
    let mut resp = crate::web::download::attachment(data, &ct, &name);
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(resp)
}

/// The files of an application (the same rights as the application).
#[utoipa::path(get, path = "/api/v1/applications/{id}/files", tag = "programmes", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<FileOut>), (status = 401), (status = 403), (status = 404)))]
pub async fn api_list(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<Vec<FileOut>>> {
    ctx.must(&app, &Act::Read, id).await?;
    Ok(Json(list(&app, id).await?))
}

/// The multipart form of an upload: one file in the field `file`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct FileForm {
    /// The file (PDF, Office documents, images, ZIP, text; within the upload limit; the
    /// extension must agree with the content).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads the file of one required attachment to a draft (the applicant organisation's
/// administrators), replacing the current one (which stays in the history); one
/// transaction with the step `attach`. 201 with the stored file.
#[utoipa::path(post, path = "/api/v1/applications/{id}/files/{attachment}", tag = "programmes",
    params(("id" = i64, Path), ("attachment" = String, Path, description = "the attachment's key in the programme's configuration")),
    request_body(content = FileForm, content_type = "multipart/form-data"),
    responses((status = 201, body = FileOut), (status = 401), (status = 403), (status = 404), (status = 409, description = "not a draft, or changed meanwhile"),
        (status = 413, description = "The file is larger than the upload limit (`max_upload_bytes`)"), (status = 422, description = "no such attachment, an empty file, a name or type refused")))]
pub async fn api_upload(State(app): State<App>, ctx: Ctx, Path((id, key)): Path<(i64, String)>, mut mp: Multipart) -> AppResult<Response> {
    let parts = upload::read(&mut mp, "file", &[]).await?;
    let file = parts.files.into_iter().next().ok_or_else(|| AppError::invalid(field_of(&key), ctx.t("programmes.err_no_file")))?;
    let file = Upload { field: field_of(&key), ..file };
    let fid = upload_files(&app, &ctx, id, vec![file]).await?.into_iter().next().ok_or(AppError::NotFound)?;
    let out = list(&app, id).await?.into_iter().find(|f| f.id == fid).ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Stores uploaded files on a draft in one transaction (the applicant's right, checked).
pub async fn upload_files(app: &App, ctx: &Ctx, id: i64, files: Vec<Upload>) -> AppResult<Vec<i64>> {
    ctx.must(app, &Act::Apply, id).await?;
    let a: Application = store::get(&app.db.pool, id).await?;
    let t = store::type_by_id(&app.db.pool, a.type_id).await?;
    let files = check_all(app, ctx, &t.config, files)?;
    if files.is_empty() {
        return Err(AppError::invalid("file", ctx.t("programmes.err_no_file")));
    }
    let (actor, _) = super::policy::actor(app, ctx, id).await?;
    let mut tx = app.db.begin().await?;
    if store::get(&mut *tx, id).await?.state != "draft" {
        return Err(AppError::Conflict(ctx.t("programmes.err_not_draft")));
    }
    let ids = store_in(&mut tx, app, ctx, &actor, id, files).await?;
    tx.commit().await?;
    Ok(ids)
}
