//! Who may do what to the TBT room's records, beyond the route's rule. Staff consolidate
//! everything; an expert assigned as reviewer of one comment (a scoped role) reads it and may
//! return it to the drafters during the internal review; the author of a concern reads its
//! attachment.

use crate::App;
use crate::auth::scopes::{self, Scope, ScopedRole};
use crate::auth::{CurrentUser, Role};
use crate::web::{AppError, Policy};
use futures_util::future::BoxFuture;

/// The scope of a reviewer's assignment to one comment.
pub fn comment_scope(comment_id: i64) -> Scope {
    Scope::new("tbt_comment", comment_id)
}

/// Acts on a consolidated comment (`tbt_comments`).
pub enum Comment {
    /// Read the draft, its concerns and its history.
    Read,
    /// Take the reviewer's steps of the workflow (the flow says which).
    Review,
    /// Edit, move and assign reviewers: staff only.
    Manage,
}

impl Policy for Comment {
    fn allows<'a>(&'a self, app: &'a App, user: &'a CurrentUser, record: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM tbt_comments WHERE id = $1").bind(record).fetch_optional(&app.db.pool).await?;
            exists.ok_or(AppError::NotFound)?;
            if user.has(Role::Staff) {
                return Ok(true);
            }
            Ok::<_, crate::web::AppError>(match self {
                Comment::Manage => false,
                Comment::Read | Comment::Review => {
                    user.has(Role::Expert) && scopes::holds(&app.db.pool, user.id, ScopedRole::Reviewer, &comment_scope(record)).await?
                }
            })
        })
    }
}

/// Acts on a concern raised by a user (`tbt_concerns`).
pub enum Concern {
    /// Download its attachment: its author, or staff.
    Attachment,
}

impl Policy for Concern {
    fn allows<'a>(&'a self, app: &'a App, user: &'a CurrentUser, record: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            let author: Option<i64> = sqlx::query_scalar("SELECT user_id FROM tbt_concerns WHERE id = $1").bind(record).fetch_optional(&app.db.pool).await?;
            let author = author.ok_or(AppError::NotFound)?;
            Ok::<_, crate::web::AppError>(match self {
                Concern::Attachment => author == user.id || user.has(Role::Staff),
            })
        })
    }
}

/// Acts on a notification (`tbt_notifications`).
pub enum Notification {
    /// See every user's concerns and the consolidated comments on its page.
    Consolidate,
}

impl Policy for Notification {
    fn allows<'a>(&'a self, _app: &'a App, user: &'a CurrentUser, _record: i64) -> BoxFuture<'a, Result<bool, AppError>> {
        Box::pin(async move {
            Ok::<_, crate::web::AppError>(match self {
                Notification::Consolidate => user.has(Role::Staff),
            })
        })
    }
}
