//! Outgoing mail. Every message is first written to `mail_outbox` in the caller's
//! transaction, with a `send_mail` job. The job sends it over SMTP when a relay is
//! configured; without one, the outbox itself is the destination and administrators
//! read it in the site, so a single machine works end to end.

use crate::App;
use crate::db::Tx;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Serialize;
use sqlx::Row;

pub async fn enqueue(tx: &mut Tx, to: &str, subject: &str, body: &str) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO mail_outbox (to_addr, subject, body_text, status, created_at) VALUES ($1,$2,$3,'queued',$4) RETURNING id",
    )
    .bind(to)
    .bind(subject)
    .bind(body)
    .bind(crate::util::now())
    .fetch_one(&mut **tx)
    .await?;
    super::enqueue(tx, "send_mail", serde_json::json!({ "mail_id": id }), Some(&format!("mail:{id}"))).await?;
    Ok(id)
}

/// The `send_mail` job.
pub async fn deliver(app: App, _job: i64, payload: serde_json::Value) -> anyhow::Result<()> {
    let id = payload.get("mail_id").and_then(|v| v.as_i64()).ok_or_else(|| anyhow::anyhow!("mail_id missing"))?;
    let row = sqlx::query("SELECT to_addr, subject, body_text, status FROM mail_outbox WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?;
    let Some(row) = row else { return Ok(()) };
    let status: String = row.try_get("status")?;
    if status != "queued" {
        return Ok(()); // already sent by an earlier attempt
    }
    let smtp = &app.config.smtp;
    let (new_status, error) = if smtp.host.is_empty() {
        ("outbox", String::new())
    } else {
        let to: String = row.try_get("to_addr")?;
        let subject: String = row.try_get("subject")?;
        let body: String = row.try_get("body_text")?;
        match send_smtp(&app, id, &to, &subject, body).await {
            Ok(()) => ("sent", String::new()),
            Err(e) => {
                sqlx::query("UPDATE mail_outbox SET attempts = attempts + 1, last_error = $1 WHERE id = $2")
                    .bind(format!("{e:#}"))
                    .bind(id)
                    .execute(&app.db.pool)
                    .await?;
                return Err(e);
            }
        }
    };
    sqlx::query("UPDATE mail_outbox SET status = $1, sent_at = $2, attempts = attempts + 1, last_error = $3 WHERE id = $4 AND status = 'queued'")
        .bind(new_status)
        .bind(crate::util::now())
        .bind(error)
        .bind(id)
        .execute(&app.db.pool)
        .await?;
    Ok(())
}

/// The `Message-ID` of outbox row `id`: the same on every attempt, so that when a crash
/// between the relay's acceptance and the row's update makes the worker send a message again,
/// the relay and the recipient's mail client can recognise the copy and drop it. The site
/// part (from the instance secret) keeps two instances' row ids apart.
pub fn message_id(app: &App, id: i64, from: &Mailbox) -> String {
    let site = &crate::util::sha256_hex(&format!("message-id:{}", hex::encode(&app.secret)))[..12];
    format!("<outbox.{id}.{site}@{}>", from.email.domain())
}

async fn send_smtp(app: &App, id: i64, to: &str, subject: &str, body: String) -> anyhow::Result<()> {
    let smtp = &app.config.smtp;
    let from = smtp.from.parse::<Mailbox>()?;
    let msg = Message::builder()
        .message_id(Some(message_id(app, id, &from)))
        .from(from)
        .to(to.parse::<Mailbox>()?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)?;
    let builder = match smtp.security.as_str() {
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)?,
        "none" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
        _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)?,
    };
    let mut builder = builder.port(smtp.port);
    if !smtp.username.is_empty() {
        builder = builder.credentials(Credentials::new(smtp.username.clone(), smtp.password.clone()));
    }
    builder.build().send(msg).await?;
    Ok(())
}

#[derive(Serialize, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: i64,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub status: String,
    pub created_at: i64,
}

pub async fn list(app: &App, to: Option<&str>, limit: i64) -> Result<Vec<OutboxItem>, sqlx::Error> {
    sqlx::query_as::<_, OutboxItem>(
        "SELECT id, to_addr, subject, body_text, status, created_at FROM mail_outbox \
         WHERE ($1 = '' OR to_addr = $1) ORDER BY id DESC LIMIT $2",
    )
    .bind(to.unwrap_or(""))
    .bind(limit)
    .fetch_all(&app.db.pool)
    .await
}
