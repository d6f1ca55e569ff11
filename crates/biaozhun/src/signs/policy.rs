//! Who may do what to signs beyond the route's rule. The register and its statistics are
//! public. Staff register and inspect anywhere; an inspector (scoped role `inspector` on
//! `("district", code)`) registers and inspects in their district only. A case is seen and
//! marked rectified by the users of the owning organisation, and by staff.

use super::store::{self, Case};
use crate::App;
use crate::auth::scopes::{self, Scope, ScopedRole};
use crate::auth::{CurrentUser, Role};
use crate::web::{AppError, AppResult, Ctx, Policy};
use futures_util::future::BoxFuture;

/// The scope of an inspector's assignment.
pub fn district_scope(code: &str) -> Scope {
    Scope::new("district", code)
}

/// Whether the user may register and inspect signs in the district.
pub async fn inspects_in(app: &App, user: &CurrentUser, district: &str) -> AppResult<bool> {
    Ok(user.has(Role::Staff) || scopes::holds(&app.db.pool, user.id, ScopedRole::Inspector, &district_scope(district)).await?)
}

/// The districts the user inspects in (all for staff).
pub async fn districts_of(app: &App, user: &CurrentUser) -> AppResult<Vec<String>> {
    if user.has(Role::Staff) {
        return Ok(super::model::districts().into_iter().map(|(c, _)| c.to_string()).collect());
    }
    Ok(scopes::keys_of(&app.db.pool, user.id, ScopedRole::Inspector, "district").await?)
}

/// Acts on one sign.
pub enum SignAct {
    /// Record an inspection: staff and the district's inspectors.
    Inspect,
    /// Edit the sign's fields: the same people.
    Edit,
}

impl Policy for SignAct {
    fn allows<'a>(&'a self, app: &'a App, user: &'a CurrentUser, record: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            let sign = store::get(app, record).await?;
            match self {
                SignAct::Inspect | SignAct::Edit => inspects_in(app, user, &sign.district).await,
            }
        })
    }
}

/// Whether the visitor belongs to the organisation that owns the case.
pub async fn owns(app: &App, ctx: &Ctx, case: &Case) -> AppResult<bool> {
    let (Some(uid), Some(org)) = (ctx.user_id(), case.owner_org) else { return Ok(false) };
    Ok(crate::orgs::store::role_in(&app.db.pool, org, uid).await?.is_some())
}

/// May the visitor see the case? Staff, the district's inspectors and the owner's users;
/// 404 to everyone else, so a guessed number tells nothing.
pub async fn may_see(app: &App, ctx: &Ctx, case: &Case) -> AppResult<()> {
    let user = ctx.require_user()?;
    if inspects_in(app, user, &case.district).await? || owns(app, ctx, case).await? { Ok(()) } else { Err(AppError::NotFound) }
}
