//! Who may do what in the committees room: the registry is public; a committee's work
//! page is for its secretaries (the scoped role `committee_secretary` on `committee:<id>`)
//! and staff.

use crate::App;
use crate::auth::scopes::{self, Scope, ScopedRole};
use crate::auth::{CurrentUser, Role};
use crate::web::{AppError, Policy};
use futures_util::future::BoxFuture;

/// The scope of a secretary's role on one committee.
pub fn committee_scope(committee_id: i64) -> Scope {
    Scope::new("committee", committee_id)
}

/// Acts on a committee beyond reading it.
pub enum CommitteeAct {
    /// See the committee's work in one page: staff and the committee's secretaries.
    Run,
}

impl Policy for CommitteeAct {
    fn allows<'a>(&'a self, app: &'a App, user: &'a CurrentUser, record: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM committees WHERE id = $1").bind(record).fetch_optional(&app.db.pool).await?;
            exists.ok_or(AppError::NotFound)?;
            if user.has(Role::Staff) {
                return Ok(true);
            }
            Ok::<_, AppError>(match self {
                CommitteeAct::Run => scopes::holds(&app.db.pool, user.id, ScopedRole::CommitteeSecretary, &committee_scope(record)).await?,
            })
        })
    }
}

/// The committees a user is secretary of (ids).
pub async fn secretary_of(app: &App, user_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    let keys = scopes::keys_of(&app.db.pool, user_id, ScopedRole::CommitteeSecretary, "committee").await?;
    Ok(keys.iter().filter_map(|k| k.parse().ok()).collect())
}
