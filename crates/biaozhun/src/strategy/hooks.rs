//! What the strategy room offers the portal: the staff queue's reports to review and units
//! overdue, and the unit officer's panel (member area and account page): the tasks it
//! answers for, overdue reports and those returned to it.

use super::model;
use super::policy;
use super::reports;
use super::store;
use crate::App;
use crate::web::domain::{Fut, Link, Panel, Place, Todo};
use crate::web::{AppResult, Ctx};
use serde_json::json;

pub fn staff_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Todo>> {
    Box::pin(async move {
        let (filed, first): (i64, Option<i64>) = sqlx::query_as("SELECT COUNT(*), MIN(updated_at) FROM strategy_reports WHERE state = 'filed'").fetch_one(&app.db.pool).await?;
        let (o, loaded) = store::outline(app, model::GUANGZHOU_KEY).await?;
        let overdue: i64 = reports::units(app, &o, loaded).await?.iter().map(|u| u.overdue).sum();
        let note = first.map(|t| ctx.tf("strategy.todo_since", &[("date", &crate::util::fmt_date(t))]));
        Ok::<_, crate::web::AppError>(vec![
            Todo {
                label: ctx.t("strategy.todo_filed"),
                count: filed,
                href: "/staff/strategy".into(),
                note,
                also: Some(Link { label: ctx.t("strategy.dashboard"), href: "/strategy".into() }),
                order: 70,
            },
            Todo { label: ctx.t("strategy.todo_overdue"), count: overdue, href: "/staff/strategy#units".into(), note: None, also: None, order: 71 },
        ])
    })
}

async fn unit_panel(app: &App, ctx: &Ctx) -> AppResult<Vec<Panel>> {
    let user = ctx.require_user()?;
    let units = policy::units_of(app, user).await?;
    if units.is_empty() {
        return Ok(vec![]);
    }
    let (o, loaded) = store::outline(app, model::GUANGZHOU_KEY).await?;
    let lines = reports::units(app, &o, loaded).await?;
    let mine: Vec<_> = lines.into_iter().filter(|l| units.iter().any(|(k, key)| k.as_str() == l.kind && *key == l.key)).collect();
    let returned = reports::list(app, &o.key, "returned", &units, false).await?.len();
    Ok(vec![Panel::new("strategy/unit_panel.html", Place::Main, 70, json!({ "units": mine, "returned": returned }))])
}

pub fn member_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Panel>> {
    Box::pin(unit_panel(app, ctx))
}
