//! Telling a user something: an in-site notification and, by default, a mail, both
//! written in the caller's transaction so they exist exactly when the change does.

use crate::App;
use crate::db::Tx;
use crate::web::{AppError, Lang, i18n};
use serde::Serialize;
use sqlx::Row;

pub struct Notice<'a> {
    pub kind: &'a str,
    /// i18n key of the title and body; `{name}` placeholders are filled from `args`.
    pub key: &'a str,
    pub args: &'a [(&'a str, &'a str)],
    /// A site path such as `/membership`.
    pub link: &'a str,
    pub mail: bool,
}

pub async fn send(tx: &mut Tx, app: &App, user_id: i64, n: Notice<'_>) -> Result<(), sqlx::Error> {
    send_localized(tx, app, user_id, n, &|_: Lang| -> Vec<(&'static str, String)> { Vec::new() }).await
}

/// Arguments of a notice written in its recipient's language (a list of changes, say).
pub type LocalArgs<'a> = dyn Fn(Lang) -> Vec<(&'static str, String)> + Send + Sync + 'a;

/// As [`send`], with further arguments made in the recipient's language by `local`.
pub async fn send_localized(tx: &mut Tx, app: &App, user_id: i64, n: Notice<'_>, local: &LocalArgs<'_>) -> Result<(), sqlx::Error> {
    let row = sqlx::query("SELECT email, locale FROM users WHERE id = $1").bind(user_id).fetch_optional(&mut **tx).await?;
    let Some(row) = row else { return Ok(()) };
    let email: String = row.try_get("email")?;
    let locale: String = row.try_get("locale")?;
    let lang = Lang::parse(&locale).unwrap_or_default();
    let more = local(lang);
    let mut args: Vec<(&str, &str)> = n.args.to_vec();
    args.extend(more.iter().map(|(k, v)| (*k, v.as_str())));
    let title = i18n::tf(lang, &format!("{}.title", n.key), &args);
    let body = i18n::tf(lang, &format!("{}.body", n.key), &args);
    sqlx::query("INSERT INTO notifications (user_id, kind, title, body, link, created_at) VALUES ($1,$2,$3,$4,$5,$6)")
        .bind(user_id)
        .bind(n.kind)
        .bind(&title)
        .bind(&body)
        .bind(n.link)
        .bind(crate::util::now())
        .execute(&mut **tx)
        .await?;
    if n.mail {
        let link = format!("{}{}", app.config.base_url.trim_end_matches('/'), n.link);
        let text = format!("{body}\n\n{link}\n\n-- \n{}", i18n::t(lang, "site.name"));
        super::mail::enqueue(tx, &email, &title, &text).await?;
    }
    Ok(())
}

#[derive(Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct NotificationView {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: i64,
    /// When it was marked read, if it was.
    pub read_at: Option<i64>,
}

pub async fn list(app: &App, user_id: i64, limit: i64) -> Result<Vec<NotificationView>, AppError> {
    Ok(sqlx::query_as::<_, NotificationView>(
        "SELECT id, kind, title, body, link, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit)
    .fetch_all(&app.db.pool)
    .await?)
}

pub async fn mark_all_read(app: &App, user_id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(crate::util::now())
        .bind(user_id)
        .execute(&app.db.pool)
        .await?;
    Ok(())
}
