//! Who may do what to an application, beyond the route's rule.
//!
//! - Staff manage every application.
//! - The users of the applicant organisation read it; its administrators take the
//!   applicant's steps (edit the draft, submit, withdraw): the flow's `Who::Scope("applicant")`.
//! - An expert assigned as reviewer (the scoped role `reviewer` on ("application", id))
//!   sees the applicant's name and the title until they declare; once they declare no
//!   conflict of interest they read it and score it (`Who::Scope("reviewer")`); declaring a
//!   conflict removes them.

use super::store;
use crate::App;
use crate::auth::scopes::{self, Scope, ScopedRole};
use crate::auth::{CurrentUser, Role};
use crate::orgs::OrgRole;
use crate::web::{AppError, AppResult, Ctx, Policy};
use crate::workflow::Actor;
use futures_util::future::BoxFuture;

/// The scope of a reviewer's assignment to one application.
pub fn application_scope(id: i64) -> Scope {
    Scope::new("application", id)
}

/// What a user is to one application.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Standing {
    pub staff: bool,
    /// A user of the applicant organisation.
    pub org_user: bool,
    /// An administrator of the applicant organisation.
    pub org_admin: bool,
    /// Assigned, declaration pending.
    pub assigned: bool,
    /// Assigned, declared no conflict.
    pub reviewer: bool,
}

pub async fn standing(app: &App, user: &CurrentUser, id: i64) -> AppResult<Standing> {
    let org_id: Option<i64> = sqlx::query_scalar("SELECT org_id FROM applications WHERE id = $1").bind(id).fetch_optional(&app.db.pool).await?;
    let org_id = org_id.ok_or(AppError::NotFound)?;
    let role = crate::orgs::store::role_in(&app.db.pool, org_id, user.id).await?;
    let mut s = Standing { staff: user.has(Role::Staff), org_user: role.is_some(), org_admin: role == Some(OrgRole::Admin), ..Standing::default() };
    if user.has(Role::Expert) && scopes::holds(&app.db.pool, user.id, ScopedRole::Reviewer, &application_scope(id)).await? {
        match store::coi_of(app, id, user.id).await?.as_deref() {
            Some("none") => s.reviewer = true,
            Some("pending") => s.assigned = true,
            _ => {}
        }
    }
    Ok(s)
}

/// The actor of a request on one application, with the scopes the user holds on it.
pub async fn actor(app: &App, ctx: &Ctx, id: i64) -> AppResult<(Actor, Standing)> {
    let user = ctx.require_user()?;
    let s = standing(app, user, id).await?;
    let mut a = Actor::of(ctx)?;
    if s.org_admin {
        a = a.with_scope("applicant");
    }
    if s.assigned {
        a = a.with_scope("assigned");
    }
    if s.reviewer {
        a = a.with_scope("reviewer");
    }
    Ok((a, s))
}

/// Acts on an application (`applications`).
pub enum Application {
    /// Read the whole application and its history.
    Read,
    /// Take the applicant's steps.
    Apply,
    /// Declare a conflict of interest or none: an assigned expert.
    Declare,
    /// Score: an assigned expert who declared no conflict.
    Score,
    /// Check, decide, assign reviewers, resolve objections: staff.
    Manage,
}

impl Policy for Application {
    fn allows<'a>(&'a self, app: &'a App, user: &'a CurrentUser, record: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            let s = standing(app, user, record).await?;
            Ok::<_, AppError>(match self {
                Application::Read => s.staff || s.org_user || s.reviewer,
                Application::Apply => s.org_admin,
                Application::Declare => s.assigned || s.reviewer,
                Application::Score => s.reviewer,
                Application::Manage => s.staff,
            })
        })
    }
}

/// The organisation the caller acts for, which they administer: the applicant of a new
/// application (422 naming `org` otherwise: applicants are organisations).
pub async fn applicant_org(app: &App, ctx: &Ctx) -> AppResult<crate::orgs::OrgRef> {
    let uid = ctx.require_user()?.id;
    let acting = crate::orgs::store::acting(app, uid).await?;
    match acting.org {
        Some(o) if o.role == OrgRole::Admin => Ok(o),
        Some(_) => Err(AppError::invalid("org", ctx.t("programmes.err_not_org_admin"))),
        None => Err(AppError::invalid("org", ctx.t("programmes.err_no_org"))),
    }
}
