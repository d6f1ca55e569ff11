//! Who may do what to a local technical specification, beyond the route's rule and the
//! flow's table. Proposals come from staff or a member (a person, or an organisation that is
//! a member); the working group (a scoped role on the specification) drafts and answers
//! comments; the committee's secretary and staff see every stage; the public sees a
//! specification from its consultation on.

use super::store::Spec;
use crate::App;
use crate::auth::scopes::{self, Scope, ScopedRole};
use crate::auth::Role;
use crate::web::{AppError, AppResult, Ctx};

/// The scope of a working group's role on one specification.
pub fn spec_scope(spec_id: i64) -> Scope {
    Scope::new("spec", spec_id)
}

pub async fn in_working_group(app: &App, user_id: i64, spec_id: i64) -> AppResult<bool> {
    Ok(scopes::holds(&app.db.pool, user_id, ScopedRole::WorkingGroup, &spec_scope(spec_id)).await?)
}

/// Whether the user is secretary of the specification's committee.
async fn secretary(app: &App, user_id: i64, s: &Spec) -> AppResult<bool> {
    Ok(match s.committee_id {
        Some(c) => scopes::holds(&app.db.pool, user_id, ScopedRole::CommitteeSecretary, &Scope::new("committee", c)).await?,
        None => false,
    })
}

/// Stages the public sees.
pub fn public_stage(stage: &str) -> bool {
    !matches!(stage, "proposal" | "approved" | "drafting" | "rejected" | "cancelled")
}

/// May the visitor see this specification, its history and drafts? 404 otherwise.
pub async fn may_read(app: &App, ctx: &Ctx, s: &Spec) -> AppResult<()> {
    if public_stage(&s.stage) {
        return Ok(());
    }
    let Some(u) = ctx.user.as_deref() else { return Err(AppError::NotFound) };
    if u.has(Role::Staff) || u.id == s.created_by || in_working_group(app, u.id, s.id).await? || secretary(app, u.id, s).await? {
        return Ok(());
    }
    Err(AppError::NotFound)
}

/// May the user write drafts and answer comments: staff or the working group (403).
pub async fn must_draft(app: &App, ctx: &Ctx, s: &Spec) -> AppResult<()> {
    let u = ctx.require_user()?;
    if u.has(Role::Staff) || in_working_group(app, u.id, s.id).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// May the user propose: staff, or a member (personal or through an organisation) (403).
pub fn must_propose(ctx: &Ctx) -> AppResult<()> {
    let u = ctx.require_user()?;
    if u.has(Role::Staff) || u.is_member() { Ok(()) } else { Err(AppError::Forbidden) }
}
