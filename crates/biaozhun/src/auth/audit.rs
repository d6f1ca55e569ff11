//! The audit log of security events and privileged acts: who, when, from where, what,
//! on what, and why.

use crate::App;
use crate::web::Ctx;

pub struct Entry<'a> {
    pub action: &'a str,
    pub target: String,
    pub detail: String,
}

/// Writes one entry on the pool (for events outside a transaction).
pub async fn log(app: &App, ctx: &Ctx, action: &str, target: impl Into<String>, detail: impl Into<String>) {
    let (actor_id, actor_name) = ctx.user.as_deref().map(|u| (Some(u.id), u.username.clone())).unwrap_or((None, String::new()));
    let res = sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, target, detail, ip) VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(crate::util::now())
    .bind(actor_id)
    .bind(actor_name)
    .bind(action)
    .bind(target.into())
    .bind(detail.into())
    .bind(&ctx.ip)
    .execute(&app.db.pool)
    .await;
    if let Err(e) = res {
        tracing::error!("audit log write failed for {action}: {e}");
    }
}

/// Writes one entry inside the caller's transaction, so the act and its record commit together.
pub async fn log_tx(tx: &mut crate::db::Tx, ctx: &Ctx, e: Entry<'_>) -> Result<(), sqlx::Error> {
    let (actor_id, actor_name) = ctx.user.as_deref().map(|u| (Some(u.id), u.username.clone())).unwrap_or((None, String::new()));
    sqlx::query("INSERT INTO audit_log (at, actor_id, actor_name, action, target, detail, ip) VALUES ($1,$2,$3,$4,$5,$6,$7)")
        .bind(crate::util::now())
        .bind(actor_id)
        .bind(actor_name)
        .bind(e.action)
        .bind(e.target)
        .bind(e.detail)
        .bind(&ctx.ip)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Writes one entry for an act of the command line (`biaozhun user …`): no signed-in actor and
/// no address, the actor named "command line".
pub async fn log_command_line<'e, E>(ex: E, action: &str, target: String, detail: String) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query("INSERT INTO audit_log (at, actor_name, action, target, detail) VALUES ($1, 'command line', $2, $3, $4)")
        .bind(crate::util::now())
        .bind(action)
        .bind(target)
        .bind(detail)
        .execute(ex)
        .await?;
    Ok(())
}
