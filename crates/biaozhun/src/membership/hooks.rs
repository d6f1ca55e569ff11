//! What membership offers the portal: pending applications in the staff queue; the member
//! card and the user's organisations in the member area; the member number and term (or
//! the way to apply) on the account page.

use super::store;
use crate::App;
use crate::web::domain::{Fut, Panel, Place, Todo};
use crate::web::Ctx;
use serde_json::json;

pub fn staff_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Todo>> {
    Box::pin(async move {
        let pending = store::pending_count(app).await?;
        let oldest = store::queue(app, "pending").await?.into_iter().next().map(|a| a.created_at);
        let note = oldest.map(|t| ctx.tf("staff.oldest", &[("date", &crate::util::fmt_date(t))]));
        Ok::<_, crate::web::AppError>(vec![Todo { label: ctx.t("staff.pending_memberships"), count: pending, href: "/staff/memberships".into(), note, also: None, order: 10 }])
    })
}

pub fn member_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Panel>> {
    Box::pin(async move {
        let user = ctx.require_user()?;
        let summary = store::summary_for(app, user.id).await?;
        let orgs = crate::orgs::routes::panel(app, user.id).await?;
        Ok::<_, crate::web::AppError>(vec![
            Panel::new("membership/member_card.html", Place::Main, 10, json!({ "summary": summary })),
            Panel::new("membership/member_orgs.html", Place::Main, 20, serde_json::to_value(&orgs).unwrap_or_default()),
        ])
    })
}

pub fn account_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Panel>> {
    Box::pin(async move {
        let user = ctx.require_user()?;
        let summary = store::summary_for(app, user.id).await?;
        Ok::<_, crate::web::AppError>(vec![Panel::new("membership/account_fact.html", Place::Side, 10, json!({ "summary": summary }))])
    })
}

/// The end of the membership in force that makes the user a member (their own, or of any
/// organisation they belong to, whichever one they act for); `None` when there is none.
pub fn member_until(app: &App, user_id: i64) -> Fut<'_, Option<i64>> {
    Box::pin(async move { store::member_until(app, user_id).await })
}
