//! Who may change the registry's records: an organisation's administrators change its
//! products and declarations; staff change any organisation's. Everything declared is
//! public; nobody edits another organisation's products.

use crate::App;
use crate::auth::Role;
use crate::orgs::OrgRole;
use crate::web::{AppError, AppResult, Ctx};

/// Staff of the association (they act on any organisation's records).
pub fn is_staff(ctx: &Ctx) -> bool {
    ctx.user.as_deref().is_some_and(|u| u.has(Role::Staff))
}

/// 403 unless the caller is staff or an administrator of the organisation.
pub async fn must_edit_org(app: &App, ctx: &Ctx, org_id: i64) -> AppResult<()> {
    let user = ctx.require_user()?;
    if is_staff(ctx) {
        return Ok(());
    }
    match crate::orgs::store::role_in(&app.db.pool, org_id, user.id).await? {
        Some(OrgRole::Admin) => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// The organisation the user acts for and administers, or `None` (the products page).
pub async fn administered_org(app: &App, ctx: &Ctx) -> AppResult<Option<crate::orgs::OrgRef>> {
    let Some(uid) = ctx.user_id() else { return Ok(None) };
    let acting = crate::orgs::store::acting(app, uid).await?;
    Ok(match acting.org {
        Some(o) if acting.administers() => Some(o),
        _ => None,
    })
}

