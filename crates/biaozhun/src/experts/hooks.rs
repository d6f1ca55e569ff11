//! What the experts room offers the portal: the staff queue's profiles waiting for approval
//! and applications for a talent tier waiting for a decision.

use crate::App;
use crate::web::Ctx;
use crate::web::domain::{Fut, Link, Todo};

pub fn staff_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Todo>> {
    Box::pin(async move {
        let (waiting, first): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MIN(updated_at) FROM experts WHERE status = 'submitted'").fetch_one(&app.db.pool).await?;
        let (tiers, tfirst): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM expert_tier_applications WHERE status = 'applied'").fetch_one(&app.db.pool).await?;
        let since = |t: Option<i64>| t.map(|t| ctx.tf("experts.todo_since", &[("date", &crate::util::fmt_date(t))]));
        Ok::<_, crate::web::AppError>(vec![
            Todo {
                label: ctx.t("experts.todo_profiles"),
                count: waiting,
                href: "/staff/experts?status=submitted".into(),
                note: since(first),
                also: Some(Link { label: ctx.t("experts.draw_new"), href: "/staff/experts/draws".into() }),
                order: 50,
            },
            Todo { label: ctx.t("experts.todo_tiers"), count: tiers, href: "/staff/experts/tiers".into(), note: since(tfirst), also: None, order: 51 },
        ])
    })
}
