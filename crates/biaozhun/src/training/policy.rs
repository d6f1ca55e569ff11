//! Who may do what to the training room's records, beyond the route's rule. Published,
//! finished and cancelled sessions are public; drafts are seen and edited by staff only. An
//! organisation's administrator, acting for it, enrols the organisation's users.

use super::store::Session;
use crate::App;
use crate::auth::scopes::{self, Scope, ScopedRole};
use crate::auth::{CurrentUser, Role};
use crate::orgs::OrgRef;
use crate::web::{AppError, AppResult, Ctx, Policy};
use futures_util::future::BoxFuture;

/// The scope of a teacher's assignment to one session.
pub fn session_scope(session_id: i64) -> Scope {
    Scope::new("training_session", session_id)
}

/// Acts on a session beyond reading it.
pub enum SessionAct {
    /// See and export the roster, check people in: staff and the session's teachers.
    Teach,
}

impl Policy for SessionAct {
    fn allows<'a>(&'a self, app: &'a App, user: &'a CurrentUser, record: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM training_sessions WHERE id = $1").bind(record).fetch_optional(&app.db.pool).await?;
            exists.ok_or(AppError::NotFound)?;
            if user.has(Role::Staff) {
                return Ok(true);
            }
            Ok::<_, AppError>(match self {
                SessionAct::Teach => scopes::holds(&app.db.pool, user.id, ScopedRole::Teacher, &session_scope(record)).await?,
            })
        })
    }
}

/// Whether the visitor sees drafts (and the staff links of a session's page).
pub fn manages(ctx: &Ctx) -> bool {
    ctx.user.as_deref().is_some_and(|u| u.has(Role::Staff))
}

/// May the visitor read this session? A draft is 404 to everyone but staff.
pub fn may_read(ctx: &Ctx, s: &Session) -> AppResult<()> {
    if s.status == "draft" && !manages(ctx) { Err(AppError::NotFound) } else { Ok(()) }
}

/// The organisation the user acts for and administers, or `None`.
pub async fn administered_org(app: &App, ctx: &Ctx) -> AppResult<Option<OrgRef>> {
    let Some(uid) = ctx.user_id() else { return Ok(None) };
    let acting = crate::orgs::store::acting(app, uid).await?;
    Ok(match acting.org {
        Some(o) if acting.administers() => Some(o),
        _ => None,
    })
}

/// The organisation whose users the caller may enrol: 403 unless they act for an
/// organisation they administer.
pub async fn must_administer(app: &App, ctx: &Ctx) -> AppResult<OrgRef> {
    ctx.require_user()?;
    administered_org(app, ctx).await?.ok_or(AppError::Forbidden)
}
