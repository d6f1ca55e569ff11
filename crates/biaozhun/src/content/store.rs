//! Articles and attachments.

use super::markdown::{self, TocEntry};
use crate::App;
use crate::web::{AppError, AppResult, upload};
use serde::{Deserialize, Serialize};
use sqlx::Row;

pub use super::model::KINDS;

#[derive(Debug, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct ArticleSummary {
    pub id: i64,
    pub kind: String,
    pub slug: Option<String>,
    pub title: String,
    pub summary: String,
    pub status: String,
    /// Stored as 0/1 (read by `summary_from`).
    #[sqlx(skip)]
    pub members_only: bool,
    pub published_at: Option<i64>,
    pub updated_at: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Article {
    #[serde(flatten)]
    pub head: ArticleSummary,
    pub body_md: String,
    pub body_html: String,
    #[schema(value_type = Vec<Object>)]
    pub toc: Vec<TocEntry>,
    pub source: String,
    pub attachments: Vec<AttachmentInfo>,
    /// Send back when saving; a changed version means someone else saved first.
    pub version: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct AttachmentInfo {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
}

#[derive(Debug, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

const SUMMARY_COLS: &str = "id, kind, slug, title, summary, status, members_only, published_at, updated_at";

/// An article's head (the columns of [`SUMMARY_COLS`]); the 0/1 flag is read apart, as the
/// database keeps booleans as BIGINT.
fn summary_from(r: &crate::db::Row) -> Result<ArticleSummary, sqlx::Error> {
    use sqlx::FromRow;
    let mut head = ArticleSummary::from_row(r)?;
    head.members_only = r.try_get::<i64, _>("members_only")? != 0;
    Ok(head)
}

/// Published articles of a kind (or all kinds), newest first. Members-only articles are
/// listed only when `members` is true.
pub async fn list(app: &App, kind: Option<&str>, members: bool, page: i64, per_page: i64) -> AppResult<Page<ArticleSummary>> {
    let now = crate::util::now();
    let kind = kind.unwrap_or("");
    let filter = "status = 'published' AND published_at <= $1 AND ($2 = '' OR kind = $2) AND (members_only = 0 OR $3 = 1)";
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM articles WHERE {filter}")))
        .bind(now)
        .bind(kind)
        .bind(members as i64)
        .fetch_one(&app.db.pool)
        .await?;
    let pager = crate::web::pager::Pager::new(total, page, per_page);
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLS} FROM articles WHERE {filter} ORDER BY published_at DESC, id DESC LIMIT $4 OFFSET $5"
    )))
    .bind(now)
    .bind(kind)
    .bind(members as i64)
    .bind(pager.per_page)
    .bind(pager.offset())
    .fetch_all(&app.db.pool)
    .await?;
    let items = rows.iter().map(summary_from).collect::<Result<_, _>>()?;
    Ok(Page { items, total, page: pager.page, pages: pager.pages })
}

/// Every article including drafts (staff).
pub async fn list_all(app: &App) -> AppResult<Vec<ArticleSummary>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SUMMARY_COLS} FROM articles ORDER BY updated_at DESC, id DESC LIMIT 500")))
        .fetch_all(&app.db.pool)
        .await?;
    Ok(rows.iter().map(summary_from).collect::<Result<_, _>>()?)
}

pub async fn draft_count(app: &App) -> AppResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM articles WHERE status = 'draft'").fetch_one(&app.db.pool).await?)
}

/// An article by id or slug.
pub async fn get(app: &App, key: &str) -> AppResult<Article> {
    let id: i64 = key.parse().unwrap_or(-1);
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SUMMARY_COLS}, body_md, body_html, toc_json, source, version FROM articles WHERE id = $1 OR slug = $2"
    )))
    .bind(id)
    .bind(key)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let head = summary_from(&r)?;
    let toc_json: String = r.try_get("toc_json")?;
    let attachments = attachments_of(app, head.id).await?;
    Ok(Article {
        body_md: r.try_get("body_md")?,
        body_html: r.try_get("body_html")?,
        toc: serde_json::from_str(&toc_json).unwrap_or_default(),
        source: r.try_get("source")?,
        version: r.try_get("version")?,
        attachments,
        head,
    })
}

pub async fn attachments_of(app: &App, article_id: i64) -> AppResult<Vec<AttachmentInfo>> {
    Ok(sqlx::query_as::<_, AttachmentInfo>("SELECT id, filename, content_type, size FROM attachments WHERE article_id = $1 ORDER BY id")
        .bind(article_id)
        .fetch_all(&app.db.pool)
        .await?)
}

#[derive(Debug, Clone, Deserialize, Serialize, Default, utoipa::ToSchema)]
pub struct ArticleInput {
    /// `news`, `notice` or `policy`.
    #[schema(value_type = super::model::ArticleKind)]
    pub kind: String,
    /// 1–200 characters, not only spaces.
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// Markdown; rendered and sanitised on save.
    #[serde(default)]
    pub body_md: String,
    /// `draft` or `published` (empty: draft).
    #[serde(default)]
    #[schema(pattern = "^(draft|published)?$")]
    pub status: String,
    #[serde(default, deserialize_with = "crate::web::form::checkbox")]
    pub members_only: bool,
    /// `YYYY-MM-DD`; empty means now when publishing.
    #[serde(default)]
    pub published_on: String,
    /// Required when updating: the version that was edited.
    #[serde(default)]
    pub version: Option<i64>,
}

impl ArticleInput {
    fn check(&self, lang: crate::web::Lang) -> AppResult<Option<i64>> {
        use crate::web::i18n::t;
        if !KINDS.contains(&self.kind.as_str()) {
            return Err(AppError::invalid("kind", t(lang, "content.err_kind")));
        }
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(AppError::invalid("title", t(lang, "content.err_title")));
        }
        if !["draft", "published", ""].contains(&self.status.as_str()) {
            return Err(AppError::invalid("status", t(lang, "content.err_status")));
        }
        if self.body_md.len() > 1_000_000 {
            return Err(AppError::invalid("body_md", t(lang, "content.err_body")));
        }
        if self.published_on.trim().is_empty() {
            return Ok(None);
        }
        crate::util::parse_local_date(&self.published_on)
            .map(Some)
            .ok_or_else(|| AppError::invalid("published_on", t(lang, "content.err_date")))
    }
}

fn summary_text(input: &ArticleInput) -> String {
    if !input.summary.trim().is_empty() {
        return input.summary.trim().chars().take(300).collect();
    }
    markdown::plain(&input.body_md).chars().take(120).collect()
}

/// Creates or updates an article in one transaction, with an audit entry. Updates must
/// carry the version that was read; a stale one is refused with a conflict.
pub async fn save(app: &App, ctx: &crate::web::Ctx, id: Option<i64>, input: &ArticleInput) -> AppResult<i64> {
    let date = input.check(ctx.lang)?;
    let (html, toc) = markdown::render(&input.body_md);
    let toc_json = serde_json::to_string(&toc).unwrap_or_else(|_| "[]".into());
    let now = crate::util::now();
    let status = if input.status.is_empty() { "draft" } else { input.status.as_str() };
    let published_at = if status == "published" { Some(date.unwrap_or(now)) } else { date };
    let mut tx = app.db.begin().await?;
    let id = match id {
        None => {
            sqlx::query_scalar(
                "INSERT INTO articles (kind, title, summary, body_md, body_html, toc_json, status, members_only, published_at, author_id, created_at, updated_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) RETURNING id",
            )
            .bind(&input.kind)
            .bind(input.title.trim())
            .bind(summary_text(input))
            .bind(&input.body_md)
            .bind(&html)
            .bind(&toc_json)
            .bind(status)
            .bind(input.members_only as i64)
            .bind(published_at)
            .bind(ctx.user_id())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        }
        Some(id) => {
            let version = input.version.ok_or_else(|| AppError::invalid("version", ctx.t("content.err_version")))?;
            let n = sqlx::query(
                "UPDATE articles SET kind = $1, title = $2, summary = $3, body_md = $4, body_html = $5, toc_json = $6, status = $7, \
                 members_only = $8, published_at = COALESCE($9, published_at), updated_at = $10, version = version + 1 \
                 WHERE id = $11 AND version = $12",
            )
            .bind(&input.kind)
            .bind(input.title.trim())
            .bind(summary_text(input))
            .bind(&input.body_md)
            .bind(&html)
            .bind(&toc_json)
            .bind(status)
            .bind(input.members_only as i64)
            .bind(published_at)
            .bind(now)
            .bind(id)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
                return Err(if exists.is_some() { AppError::Conflict(ctx.t("content.err_stale")) } else { AppError::NotFound });
            }
            id
        }
    };
    crate::indexer::changed(&mut tx, DOMAIN, &[id]).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry {
        action: "article.save",
        target: format!("article:{id}"),
        detail: status.to_string(),
    })
    .await?;
    tx.commit().await?;
    app.cache.clear();
    app.indexer.kick();
    Ok(id)
}

/// The search domain of articles.
pub const DOMAIN: &str = "article";

/// Articles in the search index: published, public ones (members-only articles are not
/// offered to the site search). Scheduled ones carry their date and are filtered by it.
pub const SEARCH_SOURCE: crate::indexer::Source = crate::indexer::Source {
    domain: DOMAIN,
    load: |app, ids| Box::pin(load_docs(app, ids)),
    all_ids: |app| Box::pin(async move { Ok(sqlx::query_scalar("SELECT id FROM articles").fetch_all(&app.db.pool).await?) }),
};

async fn load_docs(app: &App, ids: &[i64]) -> anyhow::Result<Vec<(i64, Option<search::Doc>)>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let row = sqlx::query("SELECT kind, title, summary, body_md, status, members_only, published_at FROM articles WHERE id = $1")
            .bind(id)
            .fetch_optional(&app.db.pool)
            .await?;
        let doc = match row {
            Some(r) if r.try_get::<String, _>("status")? == "published" && r.try_get::<i64, _>("members_only")? == 0 => {
                let body: String = r.try_get("body_md")?;
                let summary: String = r.try_get("summary")?;
                Some(search::Doc {
                    key: crate::indexer::key(DOMAIN, *id),
                    domain: DOMAIN.into(),
                    code: String::new(),
                    title: r.try_get("title")?,
                    body: format!("{summary}\n{}", markdown::plain(&body)),
                    facets: vec![("kind".into(), r.try_get("kind")?)],
                    date: r.try_get("published_at")?,
                    payload: String::new(),
                    ..Default::default()
                })
            }
            _ => None,
        };
        out.push((*id, doc));
    }
    Ok(out)
}

/// The site search over published articles, best match first.
/// The index query of the site search over published articles due by now.
pub fn search_query(q: &str, limit: usize) -> search::Query {
    search::Query { domain: DOMAIN.into(), text: q.trim().to_string(), date_to: Some(crate::util::now()), limit, ..Default::default() }
}

/// The published articles behind search hits, in the hits' order.
pub async fn published_hits(app: &App, hits: &[search::Hit]) -> AppResult<Vec<ArticleSummary>> {
    let mut out = Vec::new();
    for hit in hits {
        let Some(id) = crate::indexer::id_of(DOMAIN, &hit.key) else { continue };
        let r = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SUMMARY_COLS} FROM articles WHERE id = $1 AND status = 'published'")))
            .bind(id)
            .fetch_optional(&app.db.pool)
            .await?;
        if let Some(r) = r {
            out.push(summary_from(&r)?);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Attachments

pub async fn add_attachment(app: &App, ctx: &crate::web::Ctx, article_id: i64, filename: &str, data: &[u8]) -> AppResult<i64> {
    let file = upload::Upload { field: "file".into(), name: filename.to_string(), data: data.to_vec() };
    let file = upload::accept(file, app.config.max_upload_bytes, "file", |r| {
        ctx.t(match r {
            upload::Refusal::Empty => "content.err_empty_file",
            upload::Refusal::Name => "content.err_filename",
            upload::Refusal::Type => "content.err_file_type",
        })
    })?;
    let name = file.name.clone();
    let mut tx = app.db.begin().await?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM articles WHERE id = $1").bind(article_id).fetch_optional(&mut *tx).await?;
    exists.ok_or(AppError::NotFound)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO attachments (article_id, filename, content_type, size, sha256, data, uploader_id, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(article_id)
    .bind(&name)
    .bind(file.content_type)
    .bind(file.size)
    .bind(file.sha256)
    .bind(file.data)
    .bind(ctx.user_id())
    .bind(crate::util::now())
    .fetch_one(&mut *tx)
    .await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "attachment.upload", target: format!("article:{article_id}"), detail: name }).await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
pub struct Download {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
    pub article_id: i64,
}

pub async fn attachment(app: &App, id: i64) -> AppResult<Download> {
    sqlx::query_as::<_, Download>("SELECT filename, content_type, data, article_id FROM attachments WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn delete_attachment(app: &App, ctx: &crate::web::Ctx, id: i64) -> AppResult<i64> {
    let mut tx = app.db.begin().await?;
    let article: Option<i64> = sqlx::query_scalar("SELECT article_id FROM attachments WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
    let article = article.ok_or(AppError::NotFound)?;
    sqlx::query("DELETE FROM attachments WHERE id = $1").bind(id).execute(&mut *tx).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "attachment.delete", target: format!("article:{article}"), detail: format!("attachment:{id}") }).await?;
    tx.commit().await?;
    Ok(article)
}
