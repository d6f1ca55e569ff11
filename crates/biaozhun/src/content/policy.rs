//! Who may read which article: published ones that are due, to everyone; members-only ones
//! to members (and staff); drafts and scheduled ones to staff, who edit them.

use super::store::ArticleSummary;
use crate::auth::Role;
use crate::web::{AppError, Ctx};

/// Whether the visitor sees members-only articles in lists.
pub fn sees_members_only(ctx: &Ctx) -> bool {
    ctx.user.as_deref().is_some_and(|u| u.is_member() || u.has(Role::Staff))
}

/// Whether the visitor sees drafts and articles scheduled for later.
pub fn sees_unpublished(ctx: &Ctx) -> bool {
    ctx.user.as_deref().is_some_and(|u| u.has(Role::Staff))
}

/// May the visitor read this article? 404 when it is not (yet) published for them, 401/403
/// when it is for members only.
pub fn may_read(ctx: &Ctx, a: &ArticleSummary) -> Result<(), AppError> {
    let published = a.status == "published" && a.published_at.is_some_and(|t| t <= crate::util::now());
    if !published && !sees_unpublished(ctx) {
        return Err(AppError::NotFound);
    }
    if a.members_only && !sees_members_only(ctx) {
        return Err(if ctx.user.is_some() { AppError::Forbidden } else { AppError::Unauthorized });
    }
    Ok(())
}
