//! 通报评议: concerns raised by enterprises and experts, consolidated by staff into one
//! comment that moves through draft → internal review → submitted → reply received →
//! closed (or escalated as a specific trade concern), with its history.

use super::model;
use crate::App;
use crate::jobs::notify::{self, Notice};
use crate::web::{AppError, AppResult};
use serde::Serialize;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
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
    "c.id, c.notification_id, c.user_id, u.username, u.display_name, c.body, c.clauses, c.trade_impact, c.attachment_name, c.comment_id, c.created_at";

fn concern_from(r: &crate::db::Row) -> Result<Concern, sqlx::Error> {
    let dn: String = r.try_get("display_name")?;
    let un: String = r.try_get("username")?;
    Ok(Concern {
        id: r.try_get("id")?,
        notification_id: r.try_get("notification_id")?,
        user_id: r.try_get("user_id")?,
        author: if dn.is_empty() { un } else { dn },
        body: r.try_get("body")?,
        clauses: r.try_get("clauses")?,
        trade_impact: r.try_get("trade_impact")?,
        attachment_name: r.try_get("attachment_name")?,
        comment_id: r.try_get("comment_id")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Concerns on a notification: all for staff, the user's own otherwise.
pub async fn concerns(app: &App, notification_id: i64, viewer: Option<i64>, staff: bool) -> AppResult<Vec<Concern>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONCERN_COLS} FROM tbt_concerns c JOIN users u ON u.id = c.user_id WHERE c.notification_id = $1 AND ($2 = 1 OR c.user_id = $3) ORDER BY c.id"
    )))
    .bind(notification_id)
    .bind(staff as i64)
    .bind(viewer.unwrap_or(-1))
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows.iter().map(concern_from).collect::<Result<_, _>>()?)
}

pub async fn concern_attachment(app: &App, id: i64, viewer: i64, staff: bool) -> AppResult<(String, String, Vec<u8>)> {
    let row: Option<(i64, Option<String>, Option<String>, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT user_id, attachment_name, attachment_type, attachment FROM tbt_concerns WHERE id = $1")
            .bind(id)
            .fetch_optional(&app.db.pool)
            .await?;
    let (owner, name, ct, data) = row.ok_or(AppError::NotFound)?;
    if owner != viewer && !staff {
        return Err(AppError::Forbidden);
    }
    match (name, ct, data) {
        (Some(n), Some(c), Some(d)) => Ok((n, c, d)),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub id: i64,
    pub notification_id: i64,
    pub symbol: String,
    pub notification_title: String,
    pub comment_deadline: Option<String>,
    pub domestic_deadline: Option<String>,
    pub state: String,
    pub title: String,
    pub body: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub next_states: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub from_state: String,
    pub to_state: String,
    pub who: String,
    pub note: String,
    pub at: i64,
}

const COMMENT_COLS: &str = "c.id, c.notification_id, n.symbol, n.title AS ntitle, n.comment_deadline, n.domestic_deadline, c.state, c.title, c.body, c.version, c.created_at, c.updated_at";

fn comment_from(r: &crate::db::Row) -> Result<Comment, sqlx::Error> {
    let state: String = r.try_get("state")?;
    Ok(Comment {
        id: r.try_get("id")?,
        notification_id: r.try_get("notification_id")?,
        symbol: r.try_get("symbol")?,
        notification_title: r.try_get("ntitle")?,
        comment_deadline: r.try_get("comment_deadline")?,
        domestic_deadline: r.try_get("domestic_deadline")?,
        next_states: model::next_states(&state),
        state,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn get_comment(app: &App, id: i64) -> AppResult<Comment> {
    let r = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COMMENT_COLS} FROM tbt_comments c JOIN tbt_notifications n ON n.id = c.notification_id WHERE c.id = $1"
    )))
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(comment_from(&r)?)
}

pub async fn comments_of(app: &App, notification_id: i64) -> AppResult<Vec<Comment>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COMMENT_COLS} FROM tbt_comments c JOIN tbt_notifications n ON n.id = c.notification_id WHERE c.notification_id = $1 ORDER BY c.id"
    )))
    .bind(notification_id)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows.iter().map(comment_from).collect::<Result<_, _>>()?)
}

/// Comments not closed, for the staff queue, by state.
pub async fn comments_by_state(app: &App) -> AppResult<Vec<Comment>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COMMENT_COLS} FROM tbt_comments c JOIN tbt_notifications n ON n.id = c.notification_id ORDER BY c.state, c.updated_at DESC LIMIT 500"
    )))
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows.iter().map(comment_from).collect::<Result<_, _>>()?)
}

pub async fn history(app: &App, comment_id: i64) -> AppResult<Vec<HistoryEntry>> {
    let rows = sqlx::query(
        "SELECT h.from_state, h.to_state, u.username, h.note, h.at FROM tbt_comment_history h JOIN users u ON u.id = h.user_id WHERE h.comment_id = $1 ORDER BY h.id",
    )
    .bind(comment_id)
    .fetch_all(&app.db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryEntry {
                from_state: r.try_get("from_state")?,
                to_state: r.try_get("to_state")?,
                who: r.try_get("username")?,
                note: r.try_get("note")?,
                at: r.try_get("at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

pub async fn participants(tx: &mut crate::db::Tx, comment_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT DISTINCT user_id FROM tbt_concerns WHERE comment_id = $1")
        .bind(comment_id)
        .fetch_all(&mut **tx)
        .await
}

async fn tell_participants(tx: &mut crate::db::Tx, app: &App, comment: &Comment, state: &str) -> Result<(), sqlx::Error> {
    let link = format!("/tbt/notifications/{}", percent_encoding::utf8_percent_encode(&comment.symbol, percent_encoding::NON_ALPHANUMERIC));
    for user in participants(tx, comment.id).await? {
        // The state in the participant's own language.
        let locale: Option<String> = sqlx::query_scalar("SELECT locale FROM users WHERE id = $1").bind(user).fetch_optional(&mut **tx).await?;
        let lang = locale.as_deref().and_then(crate::web::Lang::parse).unwrap_or_default();
        let label = crate::web::i18n::t(lang, &format!("tbt.state_{state}"));
        notify::send(
            tx,
            app,
            user,
            Notice { kind: "tbt_comment", key: "tbt.notice_comment", args: &[("symbol", &comment.symbol), ("state", &label)], link: &link, mail: true },
        )
        .await?;
    }
    Ok(())
}

/// Consolidates the notification's unassigned concerns into a new draft comment.
pub async fn create_comment(app: &App, notification_id: i64, staff_id: i64) -> AppResult<i64> {
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    let n: Option<(String, String)> = sqlx::query_as("SELECT symbol, title FROM tbt_notifications WHERE id = $1")
        .bind(notification_id)
        .fetch_optional(&mut *tx)
        .await?;
    let (symbol, title) = n.ok_or(AppError::NotFound)?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CONCERN_COLS} FROM tbt_concerns c JOIN users u ON u.id = c.user_id WHERE c.notification_id = $1 AND c.comment_id IS NULL ORDER BY c.id"
    )))
    .bind(notification_id)
    .fetch_all(&mut *tx)
    .await?;
    let concerns: Vec<Concern> = rows.iter().map(concern_from).collect::<Result<_, _>>()?;
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
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tbt_comments (notification_id, state, title, body, version, created_by, created_at, updated_at) VALUES ($1,'draft',$2,$3,1,$4,$5,$5) RETURNING id",
    )
    .bind(notification_id)
    .bind(format!("Comments on {symbol}: {}", model::shorten(&title, 120)))
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
    sqlx::query("INSERT INTO tbt_comment_history (comment_id, from_state, to_state, user_id, note, at) VALUES ($1,'','draft',$2,'',$3)")
        .bind(id)
        .bind(staff_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let c = Comment {
        id,
        notification_id,
        symbol,
        notification_title: title,
        comment_deadline: None,
        domestic_deadline: None,
        state: "draft".into(),
        title: String::new(),
        body: String::new(),
        version: 1,
        created_at: now,
        updated_at: now,
        next_states: vec![],
    };
    tell_participants(&mut tx, app, &c, "draft").await?;
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

/// Moves the comment to another state: 409 when the move is not allowed or the version
/// is stale. Participants are told.
pub async fn transition(app: &App, id: i64, to: &str, note: &str, version: i64, staff_id: i64) -> AppResult<()> {
    if !model::STATES.contains(&to) {
        return Err(AppError::invalid("to", "unknown state"));
    }
    let c = get_comment(app, id).await?;
    if !model::can_move(&c.state, to) {
        return Err(AppError::Conflict(format!("{} → {to}", c.state)));
    }
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    let n = sqlx::query("UPDATE tbt_comments SET state = $1, version = version + 1, updated_at = $2 WHERE id = $3 AND version = $4 AND state = $5")
        .bind(to)
        .bind(now)
        .bind(id)
        .bind(version)
        .bind(&c.state)
        .execute(&mut *tx)
        .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::Conflict("version".into()));
    }
    sqlx::query("INSERT INTO tbt_comment_history (comment_id, from_state, to_state, user_id, note, at) VALUES ($1,$2,$3,$4,$5,$6)")
        .bind(id)
        .bind(&c.state)
        .bind(to)
        .bind(staff_id)
        .bind(note.trim().chars().take(2000).collect::<String>())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tell_participants(&mut tx, app, &c, to).await?;
    tx.commit().await?;
    Ok(())
}

/// The comment as Markdown, ready to send to the enquiry point.
pub fn markdown(c: &Comment, n: &super::store::Notification, concerns: &[Concern], hist: &[HistoryEntry]) -> String {
    let mut s = format!("# {}\n\n", c.title);
    s.push_str(&format!("- Notification: {}\n", n.symbols.join(", ")));
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
            s.push_str(&format!(
                "- {} {} → {} by {} {}\n",
                crate::util::fmt_datetime(h.at),
                h.from_state,
                h.to_state,
                h.who,
                h.note
            ));
        }
    }
    s
}
