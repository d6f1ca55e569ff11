//! What the training room offers the portal: the home page's "recent trainings" box
//! (upcoming published sessions), the member area's "my trainings", and the staff queue's
//! sessions starting within two weeks and drafts.

use super::store;
use crate::App;
use crate::web::domain::{Fut, Link, Panel, Place, Todo};
use crate::web::{AppResult, Ctx, Lang};
use serde_json::json;

/// Sessions the home box lists.
const HOME_ROWS: i64 = 5;

pub fn home_hook(app: &App, _lang: Lang) -> Fut<'_, Vec<Panel>> {
    Box::pin(async move {
        let sessions: Vec<_> = store::upcoming(app, HOME_ROWS).await?.iter().map(super::routes::view).collect();
        Ok::<_, crate::web::AppError>(vec![Panel::new("training/home_box.html", Place::Side, 20, json!({ "sessions": sessions }))])
    })
}

/// The member's sessions to come, with their place (enrolled or waiting).
async fn member(app: &App, ctx: &Ctx) -> AppResult<Vec<Panel>> {
    let user = ctx.require_user()?;
    let rows: Vec<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT s.id, s.title, s.starts_at, e.status FROM training_enrolments e JOIN training_sessions s ON s.id = e.session_id \
         WHERE e.user_id = $1 AND e.status IN ('enrolled','waitlisted') AND s.ends_at >= $2 ORDER BY s.starts_at, s.id LIMIT 20",
    )
    .bind(user.id)
    .bind(crate::util::now())
    .fetch_all(&app.db.pool)
    .await?;
    let items: Vec<_> = rows.into_iter().map(|(id, title, starts_at, status)| json!({ "id": id, "title": title, "starts_at": starts_at, "status": status })).collect();
    Ok(vec![Panel::new("training/member_box.html", Place::Main, 40, json!({ "items": items }))])
}

pub fn member_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Panel>> {
    Box::pin(member(app, ctx))
}

/// Sessions starting within two weeks (with the first date), and drafts not published yet.
pub fn staff_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Todo>> {
    Box::pin(async move {
        let now = crate::util::now();
        let (soon, first): (i64, Option<i64>) =
            sqlx::query_as("SELECT COUNT(*), MIN(starts_at) FROM training_sessions WHERE status = 'published' AND starts_at >= $1 AND starts_at < $2")
                .bind(now)
                .bind(now + 14 * 86400)
                .fetch_one(&app.db.pool)
                .await?;
        let drafts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM training_sessions WHERE status = 'draft'").fetch_one(&app.db.pool).await?;
        let note = first.map(|t| ctx.tf("training.todo_first", &[("date", &crate::util::fmt_datetime(t))]));
        let marking = super::exam_take::staff_todo(app, ctx).await?;
        Ok::<_, crate::web::AppError>(vec![
            marking,
            Todo { label: ctx.t("training.todo_soon"), count: soon, href: "/staff/trainings".into(), note, also: None, order: 40 },
            Todo {
                label: ctx.t("training.todo_drafts"),
                count: drafts,
                href: "/staff/trainings".into(),
                note: None,
                also: Some(Link { label: ctx.t("training.new"), href: "/staff/trainings/new".into() }),
                order: 41,
            },
        ])
    })
}
