//! 通报评议: concerns raised by enterprises and experts, consolidated by staff into one
//! comment that moves through draft → internal review → submitted → reply received →
//! closed (or escalated as a specific trade concern). The moves are the workflow engine's
//! ([`FLOW`], table in `model::COMMENT_MOVES`); the history is its event log.

use super::model;
use crate::App;
use crate::db::Tx;
use crate::jobs::notify::{self, Notice};
use crate::web::{AppError, AppResult};
use crate::workflow::{self, Actor, Event, EventView, Flow, Step};
use futures_util::future::BoxFuture;
use serde::Serialize;

/// The comment lifecycle: records in `tbt_comments` (`state`, `version`), created by the
/// staff member in `created_by`; participants are told of every step.
pub static FLOW: Flow = Flow::new("tbt_comment", "tbt_comments", &model::COMMENT_MOVES)
    .owner_column("created_by")
    .touch_column("updated_at")
    .labels("tbt.state_", "tbt.action_")
    .messages("tbt.")
    .notices(tell_participants);

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Concern {
    pub id: i64,
    pub notification_id: i64,
    pub user_id: i64,
    pub author: String,
    pub body: String,
    pub clauses: String,
    pub trade_impact: String,
    pub attachment_name: Option<String>,
    pub comment_id: Option<i64>,
    pub created_at: i64,
}

pub struct ConcernInput {
    pub body: String,
    pub clauses: String,
    pub trade_impact: String,
    pub attachment: Option<(String, Vec<u8>)>,
}

pub async fn add_concern(app: &App, ctx: &crate::web::Ctx, notification_id: i64, user_id: i64, input: ConcernInput) -> AppResult<i64> {
    let body = input.body.trim();
    if body.is_empty() {
        return Err(AppError::invalid("body", ctx.t("tbt.err_concern_empty")));
    }
    if body.chars().count() > 20000 {
        return Err(AppError::invalid("body", ctx.t("tbt.err_too_long")));
    }
    let (name, ctype, data) = match input.attachment {
        Some((name, data)) if !data.is_empty() => {
            if data.len() > app.config.max_upload_bytes {
                return Err(AppError::TooLarge);
            }
            let clean = crate::web::upload::clean_filename(&name).ok_or_else(|| AppError::invalid("file", ctx.t("tbt.err_file")))?;
            let ct = crate::web::upload::sniff(&clean, &data).ok_or_else(|| AppError::invalid("file", ctx.t("tbt.err_file")))?;
            (Some(clean), Some(ct.to_string()), Some(data))
        }
        _ => (None, None, None),
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tbt_concerns (notification_id, user_id, body, clauses, trade_impact, attachment_name, attachment_type, attachment, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(notification_id)
    .bind(user_id)
    .bind(body)
    .bind(input.clauses.trim().chars().take(2000).collect::<String>())
    .bind(input.trade_impact.trim().chars().take(5000).collect::<String>())
    .bind(name)
    .bind(ctype)
    .bind(data)
    .bind(crate::util::now())
    .fetch_one(&app.db.pool)
    .await?;
    Ok(id)
}

const CONCERN_COLS: &str =
    "c.id, c.notification_id, c.user_id, CASE WHEN u.display_name = '' THEN u.username ELSE u.display_name END AS author, \
     c.body, c.clauses, c.trade_impact, c.attachment_name, c.comment_id, c.created_at";

/// Concerns on a notification: all for staff, the user's own otherwise.
pub async fn concerns(app: &App, notification_id: i64, viewer: Option<i64>, staff: bool) -> AppResult<Vec<Concern>> {
    let rows = sqlx::query_as::<_, Concern>(sqlx::AssertSqlSafe(format!(
        "SELECT {CONCERN_COLS} FROM tbt_concerns c JOIN users u ON u.id = c.user_id WHERE c.notification_id = $1 AND ($2 = 1 OR c.user_id = $3) ORDER BY c.id"
    )))
    .bind(notification_id)
    .bind(staff as i64)
    .bind(viewer.unwrap_or(-1))
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows)
}

/// The attachment of a concern (the caller checked `policy::Concern::Attachment`).
pub async fn concern_attachment(app: &App, id: i64) -> AppResult<(String, String, Vec<u8>)> {
    let row: Option<(Option<String>, Option<String>, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT attachment_name, attachment_type, attachment FROM tbt_concerns WHERE id = $1")
            .bind(id)
            .fetch_optional(&app.db.pool)
            .await?;
    let (name, ct, data) = row.ok_or(AppError::NotFound)?;
    match (name, ct, data) {
        (Some(n), Some(c), Some(d)) => Ok((n, c, d)),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Comment {
    pub id: i64,
    pub notification_id: i64,
    pub symbol: String,
    #[sqlx(rename = "ntitle")]
    pub notification_title: String,
    pub comment_deadline: Option<String>,
    pub domestic_deadline: Option<String>,
    pub state: String,
    pub title: String,
    pub body: String,
    pub version: i64,
    pub created_by: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COMMENT_COLS: &str = "c.id, c.notification_id, n.symbol, n.title AS ntitle, n.comment_deadline, n.domestic_deadline, c.state, c.title, c.body, c.version, c.created_by, c.created_at, c.updated_at";

pub async fn get_comment(app: &App, id: i64) -> AppResult<Comment> {
    sqlx::query_as::<_, Comment>(sqlx::AssertSqlSafe(format!(
        "SELECT {COMMENT_COLS} FROM tbt_comments c JOIN tbt_notifications n ON n.id = c.notification_id WHERE c.id = $1"
    )))
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn comments_of(app: &App, notification_id: i64) -> AppResult<Vec<Comment>> {
    Ok(sqlx::query_as::<_, Comment>(sqlx::AssertSqlSafe(format!(
        "SELECT {COMMENT_COLS} FROM tbt_comments c JOIN tbt_notifications n ON n.id = c.notification_id WHERE c.notification_id = $1 ORDER BY c.id"
    )))
    .bind(notification_id)
    .fetch_all(&app.db.pool)
    .await?)
}

/// Comments not closed, for the staff queue, by state.
pub async fn comments_by_state(app: &App) -> AppResult<Vec<Comment>> {
    Ok(sqlx::query_as::<_, Comment>(sqlx::AssertSqlSafe(format!(
        "SELECT {COMMENT_COLS} FROM tbt_comments c JOIN tbt_notifications n ON n.id = c.notification_id ORDER BY c.state, c.updated_at DESC LIMIT 500"
    )))
    .fetch_all(&app.db.pool)
    .await?)
}

/// The comment's steps, oldest first.
pub async fn history(app: &App, comment_id: i64) -> AppResult<Vec<EventView>> {
    workflow::history(&app.db, &FLOW, comment_id).await
}

pub async fn participants(tx: &mut Tx, comment_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT DISTINCT user_id FROM tbt_concerns WHERE comment_id = $1")
        .bind(comment_id)
        .fetch_all(&mut **tx)
        .await
}

/// The flow's notices: the authors of the concerns in the comment learn its new state.
fn tell_participants<'a>(tx: &'a mut Tx, app: &'a App, ev: &'a Event) -> BoxFuture<'a, AppResult<()>> {
    Box::pin(async move {
        let symbol: String = sqlx::query_scalar("SELECT n.symbol FROM tbt_comments c JOIN tbt_notifications n ON n.id = c.notification_id WHERE c.id = $1")
            .bind(ev.record_id)
            .fetch_one(&mut **tx)
            .await?;
        let link = format!("/tbt/notifications/{}", percent_encoding::utf8_percent_encode(&symbol, percent_encoding::NON_ALPHANUMERIC));
        for user in participants(tx, ev.record_id).await? {
            // The state in the participant's own language.
            let locale: Option<String> = sqlx::query_scalar("SELECT locale FROM users WHERE id = $1").bind(user).fetch_optional(&mut **tx).await?;
            let lang = locale.as_deref().and_then(crate::web::Lang::parse).unwrap_or_default();
            let label = crate::web::i18n::t(lang, &FLOW.state_key(&ev.to_state));
            notify::send(
                tx,
                app,
                user,
                Notice { kind: "tbt_comment", key: "tbt.notice_comment", args: &[("symbol", &symbol), ("state", &label)], link: &link, mail: true },
            )
            .await?;
        }
        Ok(())
    })
}

/// Consolidates the notification's unassigned concerns into a new draft comment.
pub async fn create_comment(app: &App, actor: &Actor, notification_id: i64) -> AppResult<i64> {
    let staff_id = actor.user_id().ok_or(AppError::Forbidden)?;
    let now = crate::util::now();
    // The specific trade concerns already raised about it are cited in the draft.
    let n = super::store::get(app, notification_id, "en").await?;
    let stcs = super::stc::of_notification(app, &n.symbols, &n.root_symbol, "en").await?;
    let mut tx = app.db.begin().await?;
    let n: Option<(String, String)> = sqlx::query_as("SELECT symbol, title FROM tbt_notifications WHERE id = $1")
        .bind(notification_id)
        .fetch_optional(&mut *tx)
        .await?;
    let (symbol, title) = n.ok_or(AppError::NotFound)?;
    let concerns = sqlx::query_as::<_, Concern>(sqlx::AssertSqlSafe(format!(
        "SELECT {CONCERN_COLS} FROM tbt_concerns c JOIN users u ON u.id = c.user_id WHERE c.notification_id = $1 AND c.comment_id IS NULL ORDER BY c.id"
    )))
    .bind(notification_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut body = String::new();
    for (i, c) in concerns.iter().enumerate() {
        body.push_str(&format!("{}. {}\n", i + 1, c.body.trim()));
        if !c.clauses.is_empty() {
            body.push_str(&format!("   Clauses / 涉及条款: {}\n", c.clauses.trim()));
        }
        if !c.trade_impact.is_empty() {
            body.push_str(&format!("   Trade impact / 贸易影响: {}\n", c.trade_impact.trim()));
        }
        body.push('\n');
    }
    if !stcs.is_empty() {
        body.push_str("Specific trade concerns raised / 已提出的特别贸易关注:\n");
        for c in &stcs {
            body.push_str(&format!("- {}\n", super::stc::citation(c)));
        }
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tbt_comments (notification_id, state, title, body, version, created_by, created_at, updated_at) VALUES ($1,'draft',$2,$3,1,$4,$5,$5) RETURNING id",
    )
    .bind(notification_id)
    .bind(format!("Comments on {symbol}: {}", crate::util::shorten(&title, 120)))
    .bind(body)
    .bind(staff_id)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if !concerns.is_empty() {
        let ids: Vec<i64> = concerns.iter().map(|c| c.id).collect();
        let sql = format!("UPDATE tbt_concerns SET comment_id = {} WHERE id IN ({})", app.db.kind.params(1, 1), app.db.kind.params(2, ids.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
        for c in ids {
            q = q.bind(c);
        }
        q.execute(&mut *tx).await?;
    }
    workflow::start(&mut tx, app, &FLOW, id, actor, Step::action("create")).await?;
    tx.commit().await?;
    Ok(id)
}

/// Saves the text; `version` must be the one read.
pub async fn save_comment(app: &App, id: i64, title: &str, body: &str, version: i64) -> AppResult<i64> {
    let c = get_comment(app, id).await?;
    if c.state == "closed" {
        return Err(AppError::Conflict("closed".into()));
    }
    let n = sqlx::query("UPDATE tbt_comments SET title = $1, body = $2, version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5")
        .bind(title.trim().chars().take(300).collect::<String>())
        .bind(body.chars().take(100_000).collect::<String>())
        .bind(crate::util::now())
        .bind(id)
        .bind(version)
        .execute(&app.db.pool)
        .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::Conflict("version".into()));
    }
    Ok(version + 1)
}

/// Takes a step of the comment's workflow (an action, or the move to a named state) on
/// the version read; participants are told. Errors as [`workflow::transition`] gives them.
pub async fn move_comment(app: &App, actor: &Actor, id: i64, version: i64, step: Step<'_>) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    workflow::transition(&mut tx, app, &FLOW, id, version, actor, step).await?;
    tx.commit().await?;
    Ok(())
}

/// The comment as Markdown, ready to send to the enquiry point.
pub fn markdown(c: &Comment, n: &super::store::Notification, concerns: &[Concern], hist: &[EventView]) -> String {
    let mut s = format!("# {}\n\n", c.title);
    s.push_str(&format!("- Notification: {}\n", n.symbols.join(", ")));
    s.push_str(&format!("- Agreement: {}{}\n", n.agreement.to_uppercase(), if n.emergency { " (emergency measure)" } else { "" }));
    s.push_str(&format!("- Member: {} ({})\n", n.member.name_en, n.member.code));
    s.push_str(&format!("- Title: {}\n", n.title));
    s.push_str(&format!("- Distribution date: {}\n", n.distribution_date.clone().unwrap_or_default()));
    s.push_str(&format!(
        "- Final date for comments: {}\n",
        n.comment_deadline.clone().unwrap_or_else(|| n.comment_text.clone())
    ));
    s.push_str(&format!("- Products: {}\n", n.products_text));
    if !n.hs.is_empty() {
        s.push_str(&format!("- HS: {}\n", n.hs.iter().map(|h| h.code.as_str()).collect::<Vec<_>>().join(", ")));
    }
    s.push_str(&format!("- State: {}\n\n## Comments\n\n{}\n", c.state, c.body.trim()));
    if !concerns.is_empty() {
        s.push_str("\n## Concerns received\n\n");
        for x in concerns {
            s.push_str(&format!(
                "- {} ({}): {}\n",
                x.author,
                crate::util::fmt_date(x.created_at),
                x.body.replace('\n', " ")
            ));
        }
    }
    if !hist.is_empty() {
        s.push_str("\n## History\n\n");
        for h in hist {
            let e = &h.event;
            s.push_str(&format!(
                "- {} {}: {} → {} by {} {}\n",
                crate::util::fmt_datetime(e.at),
                e.action,
                e.from_state,
                e.to_state,
                h.actor.as_deref().unwrap_or("-"),
                e.note
            ));
        }
    }
    s
}
