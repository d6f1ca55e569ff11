//! The strategy room's JSON API: the outline's goals, tasks and indicators (public), and the
//! acts of the responsible units and staff: filing a progress report, deciding it, filing a
//! reported value.

use super::indicators::{self, Source};
use super::model::{self, Goal, Safeguard};
use super::reports::{self, Report, ReportInput, TaskStatus};
use super::store;
use crate::App;
use crate::web::{AppResult, Ctx, JsonIn};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(goals, tasks, super::assign::api, indicators_list, file_report, decide_report, file_value),
    components(schemas(GoalsOut, GoalOut, Goal, Safeguard, TasksOut, TaskStatus, super::assign::Assignment, super::model::Task, IndicatorsOut, IndicatorOut, Source, ReportInput, Report, DecisionIn, ValueIn, Created))
)]
pub struct ApiDoc;

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct OutlineQuery {
    /// The outline's key (default: the Guangzhou outline 2013–2020).
    pub outline: Option<String>,
}

impl OutlineQuery {
    pub fn key(&self) -> String {
        self.outline.clone().filter(|k| !k.is_empty()).unwrap_or_else(|| model::GUANGZHOU_KEY.to_string())
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GoalOut {
    #[serde(flatten)]
    pub goal: Goal,
    /// The numbers of the goal's tasks.
    pub tasks: Vec<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct GoalsOut {
    pub outline: String,
    pub title: String,
    pub items: Vec<GoalOut>,
    pub safeguards: Vec<Safeguard>,
}

/// The outline's goals with their tasks, and its safeguards.
#[utoipa::path(get, path = "/api/v1/strategy/goals", tag = "strategy", params(OutlineQuery), responses((status = 200, body = GoalsOut), (status = 404)))]
pub async fn goals(State(app): State<App>, Query(q): Query<OutlineQuery>) -> AppResult<Json<GoalsOut>> {
    let (o, _) = store::outline(&app, &q.key()).await?;
    let items = o
        .goals
        .iter()
        .map(|g| GoalOut { goal: g.clone(), tasks: o.tasks.iter().filter(|t| o.goal_of(t).is_some_and(|x| x.key == g.key)).map(|t| t.no).collect() })
        .collect();
    Ok(Json(GoalsOut { outline: o.key.clone(), title: o.title.clone(), items, safeguards: o.safeguards.clone() }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TasksOut {
    pub outline: String,
    pub items: Vec<TaskStatus>,
}

/// The outline's tasks, each with its goal, lead department and status.
#[utoipa::path(get, path = "/api/v1/strategy/tasks", tag = "strategy", params(OutlineQuery), responses((status = 200, body = TasksOut), (status = 404)))]
pub async fn tasks(State(app): State<App>, Query(q): Query<OutlineQuery>) -> AppResult<Json<TasksOut>> {
    let (o, loaded) = store::outline(&app, &q.key()).await?;
    Ok(Json(TasksOut { outline: o.key.clone(), items: reports::task_statuses(&app, &o, loaded).await? }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IndicatorOut {
    pub key: String,
    pub name: String,
    pub baseline: Option<i64>,
    pub target: Option<i64>,
    /// The target in the outline's words.
    pub target_text: String,
    pub deadline: String,
    pub value: Option<i64>,
    pub source: Source,
    /// Unix seconds.
    pub as_of: Option<i64>,
    pub href: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct IndicatorsOut {
    pub outline: String,
    pub items: Vec<IndicatorOut>,
}

/// The outline's indicators with baseline, target, deadline and their value now: computed
/// from the platform's records, or reported by the responsible department.
#[utoipa::path(get, path = "/api/v1/strategy/indicators", tag = "strategy", params(OutlineQuery), responses((status = 200, body = IndicatorsOut), (status = 404)))]
pub async fn indicators_list(State(app): State<App>, Query(q): Query<OutlineQuery>) -> AppResult<Json<IndicatorsOut>> {
    let (o, _) = store::outline(&app, &q.key()).await?;
    let items = indicators::values(&app, &o)
        .await?
        .into_iter()
        .map(|v| IndicatorOut {
            key: v.key,
            name: v.name,
            baseline: v.baseline,
            target: v.target,
            target_text: v.target_text,
            deadline: v.deadline,
            value: v.value,
            source: v.source,
            as_of: v.as_of,
            href: v.href,
        })
        .collect();
    Ok(Json(IndicatorsOut { outline: o.key.clone(), items }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Files a progress report for a task and quarter, as an officer of the unit (the scoped
/// role `department` or `district` on its key); a returned report is filed again the same
/// way. 403 for another unit, 409 when the period's report is already filed.
#[utoipa::path(post, path = "/api/v1/strategy/reports", tag = "strategy", request_body = ReportInput, responses((status = 201, body = Created), (status = 403), (status = 409), (status = 422)))]
pub async fn file_report(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<ReportInput>) -> AppResult<Response> {
    let id = reports::file(&app, &ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DecisionIn {
    /// `accept` or `return` (with a note).
    pub action: String,
    pub version: i64,
    #[serde(default)]
    pub note: String,
}

/// Staff accept or return a filed report.
#[utoipa::path(post, path = "/api/v1/strategy/reports/{id}/actions", tag = "strategy", request_body = DecisionIn, responses((status = 200, body = Report), (status = 403), (status = 404), (status = 409)))]
pub async fn decide_report(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(d): JsonIn<DecisionIn>) -> AppResult<Json<Report>> {
    reports::decide(&app, &ctx, id, d.version, &d.action, &d.note).await?;
    Ok(Json(reports::get(&app, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ValueIn {
    #[serde(default)]
    pub outline: Option<String>,
    pub indicator: String,
    pub value: i64,
    /// `YYYY-MM-DD`; today when left out.
    #[serde(default)]
    pub as_of: Option<String>,
    /// What the figure rests on: a document, a list, a link.
    pub evidence: String,
}

/// Files a reported value of an indicator: the indicator's department (its scoped role) or
/// staff, with evidence.
#[utoipa::path(post, path = "/api/v1/strategy/values", tag = "strategy", request_body = ValueIn, responses((status = 201, body = Created), (status = 403), (status = 422)))]
pub async fn file_value(State(app): State<App>, ctx: Ctx, JsonIn(v): JsonIn<ValueIn>) -> AppResult<Response> {
    let key = OutlineQuery { outline: v.outline.clone() }.key();
    let as_of = match v.as_of.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => crate::util::parse_local_date(s).ok_or_else(|| crate::web::AppError::invalid("as_of", ctx.t("strategy.err_date")))?,
        None => crate::util::now(),
    };
    let id = store::report_value(&app, &ctx, &key, &v.indicator, v.value, as_of, &v.evidence).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}
