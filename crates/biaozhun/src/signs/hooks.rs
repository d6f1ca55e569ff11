//! What the signs room offers the portal: the staff queue's overdue rectification cases.

use crate::App;
use crate::web::Ctx;
use crate::web::domain::{Fut, Todo};

pub fn staff_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Todo>> {
    Box::pin(async move {
        let overdue = super::store::overdue(app).await?;
        Ok::<_, crate::web::AppError>(vec![Todo { label: ctx.t("signs.todo_overdue"), count: overdue, href: "/signs/cases?overdue=1".into(), note: None, also: None, order: 60 }])
    })
}
