//! The training room. For now: upcoming published sessions, which the home page's
//! "recent trainings" box and the /training page list. Courses, enrolment, exams and
//! certificates arrive with the training issue.

use crate::App;
use crate::web::domain::{Fut, Panel, Place};
use crate::web::{Access, AppResult, Ctx, Domain, Hooks, Routes};
use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use serde::Serialize;

#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct SessionSummary {
    pub id: i64,
    pub title: String,
    pub location: String,
    pub starts_at: i64,
    pub ends_at: i64,
}

/// Published sessions that have not ended, soonest first.
pub async fn upcoming(app: &App, limit: i64) -> AppResult<Vec<SessionSummary>> {
    Ok(sqlx::query_as::<_, SessionSummary>(
        "SELECT id, title, location, starts_at, ends_at FROM training_sessions \
         WHERE status = 'published' AND ends_at >= $1 ORDER BY starts_at ASC, id ASC LIMIT $2",
    )
    .bind(crate::util::now())
    .bind(limit)
    .fetch_all(&app.db.pool)
    .await?)
}

pub fn routes() -> Routes {
    Routes::new().get("/training", Access::Public, list)
}

pub fn install() -> Domain {
    Domain { hooks: Hooks { home: Some(home), ..Hooks::NONE }, ..Domain::new("training", routes) }
}

/// The home page's "recent trainings" box.
fn home(app: &App, _lang: crate::web::Lang) -> Fut<'_, Vec<Panel>> {
    Box::pin(async move {
        let sessions = upcoming(app, 5).await?;
        Ok::<_, crate::web::AppError>(vec![Panel::new("training/home_box.html", Place::Side, 20, serde_json::json!({ "sessions": sessions }))])
    })
}

async fn list(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let sessions = upcoming(&app, 100).await?;
    ctx.render(&app, "training/list.html", context! { sessions => sessions })
}
