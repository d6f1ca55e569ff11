//! The internal side: a unit's reports (`/strategy/reports`: the tasks it answers for, its
//! reports, the filing form), a report's page (history, evidence, the staff's decision),
//! reported values, and the staff dashboard (`/staff/strategy`: reports to review, overdue
//! units, every unit compared).

use super::api::OutlineQuery;
use super::model::UnitKind;
use super::policy;
use super::reports::{self, ReportInput};
use super::store;
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{AppError, AppResult, Ctx, Form};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

async fn my_view(app: &App, ctx: &Ctx, key: &str, status: StatusCode, form: Option<&ReportForm>, error: Option<AppError>) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let (o, loaded) = store::outline(app, key).await?;
    let units = policy::units_of(app, user).await?;
    let tasks = reports::task_statuses(app, &o, loaded).await?;
    let answers: Vec<serde_json::Value> = units
        .iter()
        .map(|(k, key)| {
            let name = match k {
                UnitKind::Department => o.department(key).map(|d| d.name.clone()).unwrap_or_else(|| key.clone()),
                UnitKind::District => store::district_name(key),
            };
            let mine: Vec<_> = o.tasks.iter().filter(|t| o.responsible(t, *k, key)).map(|t| serde_json::json!({"no": t.no, "name": t.name})).collect();
            serde_json::json!({"kind": k.as_str(), "key": key, "name": name, "tasks": mine})
        })
        .collect();
    let list = reports::list(app, &o.key, "", &units, false).await?;
    let (error_field, error) = crate::web::form::field_error(error);
    let period = super::model::period_of(crate::util::now());
    let expected = reports::expected_period(loaded, crate::util::now());
    ctx.render_status(app, status, "strategy/reports.html", context! {
        o => o, units => answers, reports => list, tasks => tasks, form => form, error => error, error_field => error_field,
        period => form.map(|f| f.period.clone()).unwrap_or(period), expected => expected,
    })
}

pub async fn my_reports(State(app): State<App>, ctx: Ctx, Query(q): Query<OutlineQuery>) -> AppResult<Response> {
    my_view(&app, &ctx, &q.key(), StatusCode::OK, None, None).await
}

#[derive(Deserialize, Default, Clone, serde::Serialize)]
pub struct ReportForm {
    #[serde(default)]
    pub outline: String,
    #[serde(default)]
    pub task: String,
    /// `department:gz-scjgj` or `district:440106`.
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub figures: String,
}

pub async fn file_form(State(app): State<App>, ctx: Ctx, Form(f): Form<ReportForm>) -> AppResult<Response> {
    let (kind, key) = f.unit.split_once(':').unwrap_or(("", ""));
    let input = ReportInput {
        outline: Some(f.outline.clone()),
        task: f.task.trim().parse().unwrap_or(0),
        unit_kind: kind.into(),
        unit_key: key.into(),
        period: f.period.clone(),
        body: f.body.clone(),
        figures: f.figures.clone(),
    };
    match reports::file(&app, &ctx, &input).await {
        Ok(id) => Ok(redirect_with_flash(&app, &format!("/strategy/reports/{id}"), "strategy_filed")),
        Err(e) if crate::web::form::reshown(&e) => {
            let key = OutlineQuery { outline: Some(f.outline.clone()) }.key();
            my_view(&app, &ctx, &key, e.status(), Some(&f), Some(e)).await
        }
        Err(e) => Err(e),
    }
}

pub async fn report(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let r = reports::visible(&app, &ctx, id).await?;
    let (o, _) = store::outline(&app, &r.outline).await?;
    let task = o.task(r.task_no).cloned();
    let history = crate::workflow::history(&app.db, &super::REPORT_FLOW, id).await?;
    let evidence = reports::evidence_of(&app, id).await?;
    let unit_name = match r.kind() {
        UnitKind::Department => o.department(&r.unit_key).map(|d| d.name.clone()).unwrap_or_default(),
        UnitKind::District => store::district_name(&r.unit_key),
    };
    let is_unit = policy::acts_for(&app, user, r.kind(), &r.unit_key).await?;
    let may_decide = policy::is_staff(user) && r.state == "filed";
    ctx.render(&app, "strategy/report.html", context! {
        r => r, o => o, task => task, history => history, evidence => evidence, unit_name => unit_name,
        may_upload => is_unit && r.state != "accepted", may_refile => is_unit && r.state == "returned", may_decide => may_decide,
    })
}

pub async fn upload_evidence(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, mut mp: Multipart) -> AppResult<Response> {
    let parts = crate::web::upload::read(&mut mp, "file", &[]).await?;
    let file = parts.files.into_iter().find(|f| !f.data.is_empty()).ok_or_else(|| AppError::invalid("file", ctx.t("strategy.err_no_file")))?;
    reports::add_evidence(&app, &ctx, id, file).await?;
    Ok(redirect_with_flash(&app, &format!("/strategy/reports/{id}#evidence"), "strategy_evidence_added"))
}

pub async fn evidence(State(app): State<App>, ctx: Ctx, Path((id, eid)): Path<(i64, i64)>) -> AppResult<Response> {
    let (name, ct, data) = reports::evidence_file(&app, &ctx, id, eid).await?;
    let mut resp = crate::web::download::attachment(data, &ct, &name);
    resp.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("private, no-store"));
    Ok(resp)
}

#[derive(Deserialize, Default)]
pub struct ValueForm {
    #[serde(default)]
    pub outline: String,
    #[serde(default)]
    pub indicator: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub as_of: String,
    #[serde(default)]
    pub evidence: String,
}

pub async fn value_form(State(app): State<App>, ctx: Ctx, Form(f): Form<ValueForm>) -> AppResult<Response> {
    let key = OutlineQuery { outline: Some(f.outline.clone()) }.key();
    let value: i64 = f.value.trim().replace(',', "").parse().map_err(|_| AppError::invalid("value", ctx.t("strategy.err_value")))?;
    let as_of = if f.as_of.trim().is_empty() {
        crate::util::now()
    } else {
        crate::util::parse_local_date(&f.as_of).ok_or_else(|| AppError::invalid("as_of", ctx.t("strategy.err_date")))?
    };
    store::report_value(&app, &ctx, &key, &f.indicator, value, as_of, &f.evidence).await?;
    Ok(redirect_with_flash(&app, &super::indicators::indicator_href(&key, &f.indicator), "strategy_value_filed"))
}

#[derive(Deserialize, Default)]
pub struct StaffQuery {
    pub outline: Option<String>,
    pub state: Option<String>,
}

pub async fn dashboard(State(app): State<App>, ctx: Ctx, Query(q): Query<StaffQuery>) -> AppResult<Response> {
    let key = OutlineQuery { outline: q.outline.clone() }.key();
    let (o, loaded) = store::outline(&app, &key).await?;
    let state = q.state.clone().unwrap_or_else(|| "filed".into());
    let list = reports::list(&app, &o.key, if state == "all" { "" } else { &state }, &[], true).await?;
    let units = reports::units(&app, &o, loaded).await?;
    let tasks = reports::task_statuses(&app, &o, loaded).await?;
    let values = super::indicators::values(&app, &o).await?;
    let outlines = store::outlines(&app).await?;
    let officers = super::officers::list(&app, &o).await?;
    ctx.render(&app, "strategy/staff.html", context! {
        officers => officers, o => o, reports => list, state => state, units => units, tasks => tasks, values => values, outlines => outlines,
        expected => reports::expected_period(loaded, crate::util::now()),
    })
}

#[derive(Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub note: String,
}

pub async fn step(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<StepForm>) -> AppResult<Response> {
    let r = reports::get(&app, id).await?;
    let version = if f.version.trim().is_empty() { r.version } else { f.version.trim().parse().map_err(|_| AppError::invalid("version", ctx.t("strategy.err_version")))? };
    reports::decide(&app, &ctx, id, version, &f.action, &f.note).await?;
    Ok(redirect_with_flash(&app, &format!("/strategy/reports/{id}"), "strategy_decided"))
}
