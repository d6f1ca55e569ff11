//! Who answers for a task (工作责任制): the outline's text does not name the departments
//! ("相关职能部门 … 按照职责分工"), so the lead and supporting departments and the districts of
//! each task are an editable assignment. The data file gives the defaults; staff change
//! them on the task's page (or `PUT /api/v1/strategy/tasks/{no}/assignment`), audited
//! (`strategy.assign`), and the change stands over the file, also when it is loaded again
//! (`strategy_assignments`). Every read of an outline (`store::outline`) lays the
//! assignments over its tasks, so reports, overdue flags, pages and the API follow them.

use super::api::OutlineQuery;
use super::model::{Outline, Task};
use super::store;
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{AppError, AppResult, Ctx, Form, JsonIn};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};

/// A task's responsible units.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assignment {
    /// The lead department's key (one of the outline's departments).
    pub lead: String,
    /// The supporting departments' keys.
    #[serde(default)]
    pub support: Vec<String>,
    /// District codes (GB/T 2260); `*` stands for every district of the city.
    #[serde(default)]
    pub districts: Vec<String>,
}

/// Lays the staff's assignments over the outline's tasks.
pub async fn overlay(app: &App, o: &mut Outline) -> AppResult<()> {
    let rows: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT task_no, lead, support, districts FROM strategy_assignments WHERE outline = $1").bind(&o.key).fetch_all(&app.db.pool).await?;
    for (no, lead, support, districts) in rows {
        if let Some(t) = o.tasks.iter_mut().find(|t| t.no == no) {
            t.lead = lead;
            t.support = serde_json::from_str(&support).unwrap_or_default();
            t.districts = serde_json::from_str(&districts).unwrap_or_default();
        }
    }
    Ok(())
}

/// Checks an assignment against the outline: every department one of its own, the lead not
/// also supporting, every district one of the city's (`*`: all). Errors name the field.
pub fn check(ctx: &Ctx, o: &Outline, a: &Assignment) -> AppResult<Assignment> {
    let lead = a.lead.trim().to_string();
    if o.department(&lead).is_none() {
        return Err(AppError::invalid("lead", ctx.tf("strategy.err_department", &[("key", lead.as_str())])));
    }
    let mut support: Vec<String> = Vec::new();
    for s in a.support.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if o.department(s).is_none() {
            return Err(AppError::invalid("support", ctx.tf("strategy.err_department", &[("key", s)])));
        }
        if s != lead && !support.iter().any(|x| x == s) {
            support.push(s.to_string());
        }
    }
    let codes = store::district_codes();
    let mut districts: Vec<String> = Vec::new();
    for d in a.districts.iter().map(|d| d.trim()).filter(|d| !d.is_empty()) {
        let add: Vec<String> = match d {
            "*" => codes.clone(),
            c if codes.iter().any(|x| x == c) => vec![c.to_string()],
            c => return Err(AppError::invalid("districts", ctx.tf("strategy.err_district", &[("code", c)]))),
        };
        for c in add {
            if !districts.contains(&c) {
                districts.push(c);
            }
        }
    }
    districts.sort_by_key(|c| codes.iter().position(|x| *x == *c));
    Ok(Assignment { lead, support, districts })
}

/// Stores a task's assignment and audits it, in one transaction; answers the task as it
/// now reads.
pub async fn assign(app: &App, ctx: &Ctx, outline_key: &str, no: i64, input: &Assignment) -> AppResult<Task> {
    let (o, _) = store::outline(app, outline_key).await?;
    let mut task = o.task(no).ok_or(AppError::NotFound)?.clone();
    let a = check(ctx, &o, input)?;
    let to_json = |v: &Vec<String>| serde_json::to_string(v).map_err(|e| AppError::Internal(e.into()));
    let mut tx = app.db.begin().await?;
    sqlx::query(
        "INSERT INTO strategy_assignments (outline, task_no, lead, support, districts, updated_by, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7) \
         ON CONFLICT (outline, task_no) DO UPDATE SET lead = excluded.lead, support = excluded.support, districts = excluded.districts, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(&o.key)
    .bind(no)
    .bind(&a.lead)
    .bind(to_json(&a.support)?)
    .bind(to_json(&a.districts)?)
    .bind(ctx.user_id())
    .bind(crate::util::now())
    .execute(&mut *tx)
    .await?;
    let detail = format!("lead {} (was {}); support {}; districts {}", a.lead, task.lead, a.support.join(","), a.districts.join(","));
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "strategy.assign", target: format!("strategy_task:{}:{no}", o.key), detail }).await?;
    tx.commit().await?;
    (task.lead, task.support, task.districts) = (a.lead, a.support, a.districts);
    Ok(task)
}

/// The task page's form: `lead`, and `support` and `districts` once per box ticked.
pub async fn form(State(app): State<App>, ctx: Ctx, Path(no): Path<i64>, Query(q): Query<OutlineQuery>, Form(pairs): Form<Vec<(String, String)>>) -> AppResult<Response> {
    let all = |name: &str| pairs.iter().filter(|(k, _)| k == name).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let a = Assignment { lead: all("lead").into_iter().next().unwrap_or_default(), support: all("support"), districts: all("districts") };
    let key = q.key();
    assign(&app, &ctx, &key, no, &a).await?;
    Ok(redirect_with_flash(&app, &format!("/strategy/tasks/{no}?outline={}#assignment", percent_encoding::utf8_percent_encode(&key, percent_encoding::NON_ALPHANUMERIC)), "strategy_assigned"))
}

/// Staff change who answers for a task.
#[utoipa::path(put, path = "/api/v1/strategy/tasks/{no}/assignment", tag = "strategy", params(("no" = i64, Path), OutlineQuery), request_body = Assignment,
    responses((status = 200, body = Task), (status = 403), (status = 404), (status = 422, description = "`lead`, `support` or `districts` names no department or district")))]
pub async fn api(State(app): State<App>, ctx: Ctx, Path(no): Path<i64>, Query(q): Query<OutlineQuery>, JsonIn(a): JsonIn<Assignment>) -> AppResult<Json<Task>> {
    Ok(Json(assign(&app, &ctx, &q.key(), no, &a).await?))
}
