//! What the specs room offers the portal: overdue stages and proposals flagged for
//! cancellation on the staff queue; a member's own overdue stages in the member area, and the
//! group standards their organisations led or joined.

use crate::App;
use crate::web::domain::{Fut, Panel, Place, Todo};
use crate::web::Ctx;

pub fn staff_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Todo>> {
    Box::pin(async move {
        let now = crate::util::now();
        let overdue = super::store::overdue(app, None, now).await?;
        let flagged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM specs WHERE stage = 'proposal' AND flagged_at IS NOT NULL").fetch_one(&app.db.pool).await?;
        let note = overdue.first().and_then(|l| l.stage_due_at).map(|t| ctx.tf("specs.todo_since", &[("date", &crate::util::fmt_date(t))]));
        Ok::<_, crate::web::AppError>(vec![
            Todo { label: ctx.t("specs.todo_overdue"), count: overdue.len() as i64, href: "/specs".into(), note, also: None, order: 50 },
            Todo { label: ctx.t("specs.todo_flagged"), count: flagged, href: "/specs".into(), note: None, also: None, order: 51 },
        ])
    })
}

pub fn member_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Panel>> {
    Box::pin(async move {
        let Some(uid) = ctx.user_id() else { return Ok(vec![]) };
        let overdue = super::store::overdue(app, Some(uid), crate::util::now()).await?;
        let mut panels = super::group::member_hook(app, ctx).await?;
        if !overdue.is_empty() {
            panels.push(Panel::new("specs/member_box.html", Place::Main, 50, serde_json::json!({ "overdue": overdue })));
        }
        Ok(panels)
    })
}
