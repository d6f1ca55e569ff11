//! The technical review meeting's panel (技术审查会): experts assigned to one specification.
//! Until the expert pool's draw is wired in, staff pick users with the Expert role;
//! [`assign_panel`] is the one place the draw will call.

use crate::App;
use crate::auth::Role;
use crate::auth::scopes::{self, ScopedRole};
use crate::web::{AppError, AppResult, Ctx};

/// Seats the panel of a specification's review: each user must hold the Expert role; the
/// specification must be submitted for review. Replaces an earlier panel; one transaction.
pub async fn assign_panel(app: &App, ctx: &Ctx, spec_id: i64, experts: &[i64]) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    assign_panel_in(&mut tx, app, ctx, spec_id, experts).await?;
    tx.commit().await?;
    Ok(())
}

/// Draws the panel from the expert pool (the experts room's replayable draw, only experts
/// who keep their profile here) and seats it, in one transaction: a refused seating leaves
/// no draw behind. Answers the draw's id.
pub async fn draw_panel(app: &App, ctx: &Ctx, spec_id: i64, mut req: crate::experts::model::DrawRequest) -> AppResult<i64> {
    let spec = super::store::get(app, spec_id).await?;
    if req.title.trim().is_empty() {
        req.title = crate::util::shorten(&spec.title, 200);
    }
    let mut tx = app.db.begin().await?;
    let (d, users) = crate::experts::draw::draw_accounts(&mut tx, app, ctx, req).await?;
    assign_panel_in(&mut tx, app, ctx, spec_id, &users).await?;
    tx.commit().await?;
    Ok(d.id)
}

async fn assign_panel_in(tx: &mut crate::db::Tx, app: &App, ctx: &Ctx, spec_id: i64, experts: &[i64]) -> AppResult<()> {
    let spec = super::store::get(app, spec_id).await?;
    if spec.stage != "review_submitted" {
        return Err(AppError::Conflict(ctx.t("specs.err_panel_stage")));
    }
    if experts.is_empty() || experts.len() > 30 {
        return Err(AppError::invalid("experts", ctx.t("specs.err_panel_size")));
    }
    for &u in experts {
        if !crate::auth::store::roles_of(app, u).await?.contains(&Role::Expert) {
            return Err(AppError::invalid("experts", ctx.tf("specs.err_not_expert", &[("id", &u.to_string())])));
        }
    }
    sqlx::query("DELETE FROM spec_panel WHERE spec_id = $1").bind(spec_id).execute(&mut **tx).await?;
    let now = crate::util::now();
    for &u in experts {
        sqlx::query("INSERT INTO spec_panel (spec_id, user_id, assigned_by, assigned_at) VALUES ($1,$2,$3,$4) ON CONFLICT (spec_id, user_id) DO NOTHING")
            .bind(spec_id).bind(u).bind(ctx.user_id()).bind(now)
            .execute(&mut **tx)
            .await?;
        scopes::grant(tx, u, ScopedRole::Reviewer, &super::policy::spec_scope(spec_id), ctx.user_id()).await?;
    }
    crate::auth::audit::log_tx(tx, ctx, crate::auth::audit::Entry { action: "spec.panel", target: format!("spec:{spec_id}"), detail: format!("{experts:?}") }).await?;
    Ok(())
}

/// The panel's members (id, name).
pub async fn panel(app: &App, spec_id: i64) -> AppResult<Vec<(i64, String)>> {
    Ok(sqlx::query_as("SELECT u.id, COALESCE(NULLIF(u.display_name, ''), u.username) FROM spec_panel p JOIN users u ON u.id = p.user_id WHERE p.spec_id = $1 ORDER BY u.id")
        .bind(spec_id)
        .fetch_all(&app.db.pool)
        .await?)
}
