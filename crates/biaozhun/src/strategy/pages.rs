//! The public side: the dashboard (indicators against targets with trend charts, tasks by
//! status, departments and districts compared), the drill-downs to a task and an
//! indicator, two outlines compared, and the yearly assessment as a printable page and as
//! XLSX. Every chart is inline SVG (`web::chart`): readable without JavaScript, printable.

use super::api::OutlineQuery;
use super::indicators::{self, Value};
use super::model::Outline;
use super::reports;
use super::store;
use crate::App;
use crate::web::{AppError, AppResult, Ctx, Lang};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

/// Ten years of daily values, read one point a month (30 days).
const TREND_DAYS: i64 = 3660;
const TREND_EVERY: i64 = 30;

fn safe(svg: String) -> minijinja::Value {
    minijinja::Value::from_safe_string(svg)
}

fn name_of(ctx: &Ctx, zh: &str, en: &str) -> String {
    if ctx.lang == Lang::En && !en.is_empty() { en.to_string() } else { zh.to_string() }
}

/// An indicator on the page: its figures and its trend chart.
#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    v: Value,
    label: String,
    chart: Option<minijinja::Value>,
}

async fn shown(app: &App, ctx: &Ctx, o: &Outline, only: Option<&str>) -> AppResult<(Vec<Shown>, minijinja::Value)> {
    let (values, trends) = tokio::try_join!(indicators::values(app, o), store::trends(app, &o.key, TREND_DAYS, TREND_EVERY))?;
    let values: Vec<Value> = values.into_iter().filter(|v| only.is_none_or(|k| k == v.key)).collect();
    let mut bars = Vec::new();
    let mut out = Vec::new();
    for v in values {
        let label = name_of(ctx, &v.name, &v.name_en);
        if let Some(t) = v.target {
            bars.push((label.clone(), v.value.unwrap_or(0), true));
            bars.push((ctx.tf("strategy.target_of", &[("name", &label)]), t, false));
        }
        let chart = trends.get(&v.key).filter(|p| p.len() > 1).map(|points| {
            let pts: Vec<(String, i64)> = points.iter().map(|(d, v)| (store::fmt_day(*d), *v)).collect();
            safe(crate::web::chart::line(&ctx.tf("strategy.trend_of", &[("name", &label)]), &pts))
        });
        out.push(Shown { v, label, chart });
    }
    Ok((out, safe(crate::web::chart::bar(&ctx.t("strategy.against_targets"), &bars))))
}

pub async fn dashboard(State(app): State<App>, ctx: Ctx, Query(q): Query<OutlineQuery>) -> AppResult<Response> {
    let (o, loaded) = store::outline(&app, &q.key()).await?;
    // The parts read the database independently: at once, not one after the other.
    let (outlines, (items, chart), (tasks, units)) = tokio::try_join!(store::outlines(&app), shown(&app, &ctx, &o, None), reports::board(&app, &o, loaded))?;
    let mut by_status: Vec<(String, i64)> = Vec::new();
    for s in ["accepted", "filed", "returned", "not_reported", "overdue"] {
        by_status.push((s.to_string(), tasks.iter().filter(|t| t.status == s).count() as i64));
    }
    let unit_bars: Vec<(String, i64, bool)> = units.iter().filter(|u| u.kind == "department").map(|u| (u.name.clone(), u.accepted, u.overdue > 0)).collect();
    let unit_chart = safe(crate::web::chart::bar(&ctx.t("strategy.accepted_by_department"), &unit_bars));
    ctx.render(&app, "strategy/dashboard.html", context! {
        o => o, outlines => outlines, items => items, chart => chart, tasks => tasks, by_status => by_status,
        units => units, unit_chart => unit_chart, internal => false,
    })
}

#[derive(Deserialize, Default)]
pub struct CompareQuery {
    pub a: Option<String>,
    pub b: Option<String>,
}

/// Two outlines side by side: goals, task counts and indicators with their values.
pub async fn compare(State(app): State<App>, ctx: Ctx, Query(q): Query<CompareQuery>) -> AppResult<Response> {
    let outlines = store::outlines(&app).await?;
    let a = q.a.filter(|k| !k.is_empty()).unwrap_or_else(|| outlines.first().map(|o| o.key.clone()).unwrap_or_default());
    let b = q.b.filter(|k| !k.is_empty()).unwrap_or_else(|| outlines.last().map(|o| o.key.clone()).unwrap_or_default());
    let mut sides = Vec::new();
    for key in [a.as_str(), b.as_str()] {
        let (o, _) = store::outline(&app, key).await?;
        let values = indicators::values(&app, &o).await?;
        sides.push(context! { o => o, values => values });
    }
    ctx.render(&app, "strategy/compare.html", context! { outlines => outlines, sides => sides, a => a, b => b })
}

pub async fn task(State(app): State<App>, ctx: Ctx, Path(no): Path<i64>, Query(q): Query<OutlineQuery>) -> AppResult<Response> {
    let (o, loaded) = store::outline(&app, &q.key()).await?;
    let t = o.task(no).ok_or(AppError::NotFound)?.clone();
    let status = reports::task_statuses(&app, &o, loaded).await?.into_iter().find(|s| s.no == no);
    // The public reads accepted reports; staff and the task's own units see the rest too.
    let staff = ctx.user.as_deref().is_some_and(super::policy::is_staff);
    let mine = match ctx.user.as_deref() {
        Some(u) => super::policy::units_of(&app, u).await?,
        None => vec![],
    };
    let all = reports::list(&app, &o.key, "", &[], true).await?;
    let rows: Vec<_> = all
        .into_iter()
        .filter(|r| r.task_no == no && (r.state == "accepted" || staff || mine.iter().any(|(k, key)| k.as_str() == r.unit_kind && *key == r.unit_key)))
        .collect();
    let departments: Vec<_> = std::iter::once(&t.lead).chain(t.support.iter()).filter_map(|k| o.department(k)).cloned().collect();
    let districts: Vec<(String, String)> = t.districts.iter().map(|c| (c.clone(), store::district_name(c))).collect();
    let goal = o.goal_of(&t).cloned();
    // Staff change who answers for the task (assign.rs): every department and district offered.
    let all_districts: Vec<(String, String)> = store::district_codes().into_iter().map(|c| (c.clone(), store::district_name(&c))).collect();
    ctx.render(&app, "strategy/task.html", context! {
        o => o, task => t, status => status, reports => rows, departments => departments, districts => districts, goal => goal,
        may_assign => staff, all_districts => all_districts,
    })
}

pub async fn indicator(State(app): State<App>, ctx: Ctx, Path(key): Path<String>, Query(q): Query<OutlineQuery>) -> AppResult<Response> {
    let (o, _) = store::outline(&app, &q.key()).await?;
    let ind = o.indicators.iter().find(|i| i.key == key).ok_or(AppError::NotFound)?.clone();
    let (items, _) = shown(&app, &ctx, &o, Some(&key)).await?;
    let item = items.into_iter().find(|s| s.v.key == key).ok_or(AppError::NotFound)?;
    let history: Vec<(String, i64, String)> = store::history(&app, &o.key, &key, 60).await?.into_iter().map(|(d, v, s)| (store::fmt_day(d), v, s)).collect();
    let reported = store::reported_of(&app, &o.key, &key).await?;
    let department = o.department(&ind.department).cloned();
    let may_report = match ctx.user.as_deref() {
        Some(u) => super::policy::may_report_value(&app, u, &ind.department).await?,
        None => false,
    };
    ctx.render(&app, "strategy/indicator.html", context! {
        o => o, ind => ind, item => item, history => history, reported => reported, department => department, may_report => may_report,
    })
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    pub outline: Option<String>,
    pub year: Option<String>,
}

/// The yearly assessment (纳入考核): each indicator's value against its target, each task's
/// reports of the year by quarter and state, each unit's record.
struct Assessment {
    o: Outline,
    year: i32,
    values: Vec<Value>,
    tasks: Vec<reports::TaskStatus>,
    units: Vec<reports::UnitLine>,
    /// (task, unit, period, state) of the year's reports.
    year_reports: Vec<reports::Report>,
}

async fn assessment_of(app: &App, q: &YearQuery) -> AppResult<Assessment> {
    let key = OutlineQuery { outline: q.outline.clone() }.key();
    let (o, loaded) = store::outline(app, &key).await?;
    let this_year = crate::util::to_local(crate::util::now()).year();
    let year = q.year.as_deref().and_then(|y| y.parse().ok()).filter(|y| (2000..=2100).contains(y)).unwrap_or(this_year);
    let (values, (tasks, units)) = tokio::try_join!(indicators::values(app, &o), reports::board(app, &o, loaded))?;
    let prefix = format!("{year}-Q");
    let year_reports = reports::list(app, &o.key, "", &[], true).await?.into_iter().filter(|r| r.period.starts_with(&prefix)).collect();
    Ok(Assessment { o, year, values, tasks, units, year_reports })
}

pub async fn assessment(State(app): State<App>, ctx: Ctx, Query(q): Query<YearQuery>) -> AppResult<Response> {
    let a = assessment_of(&app, &q).await?;
    let accepted = a.year_reports.iter().filter(|r| r.state == "accepted").count();
    ctx.render(&app, "strategy/assessment.html", context! {
        o => a.o, year => a.year, values => a.values, tasks => a.tasks, units => a.units, reports => a.year_reports, accepted => accepted,
    })
}

pub async fn assessment_xlsx(State(app): State<App>, ctx: Ctx, Query(q): Query<YearQuery>) -> AppResult<Response> {
    let a = assessment_of(&app, &q).await?;
    let head = [ctx.t("strategy.col_section"), ctx.t("strategy.col_item"), ctx.t("strategy.baseline"), ctx.t("strategy.target"), ctx.t("strategy.value"), ctx.t("strategy.source"), ctx.t("strategy.status")];
    let num = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for v in &a.values {
        let target = if v.target.is_some() { num(v.target) } else { v.target_text.clone() };
        rows.push(vec![ctx.t("strategy.indicators"), name_of(&ctx, &v.name, &v.name_en), num(v.baseline), target, num(v.value), ctx.t(&format!("strategy.source_{}", v.source.as_str())), v.deadline.clone()]);
    }
    for t in &a.tasks {
        let n = a.year_reports.iter().filter(|r| r.task_no == t.no && r.state == "accepted").count();
        rows.push(vec![ctx.t("strategy.tasks"), format!("{}. {}", t.no, t.name), String::new(), String::new(), n.to_string(), t.lead_name.clone(), ctx.t(&format!("strategy.status_{}", t.status))]);
    }
    for u in &a.units {
        rows.push(vec![ctx.t("strategy.units"), u.name.clone(), String::new(), u.tasks.to_string(), u.accepted.to_string(), u.filed.to_string(), u.overdue.to_string()]);
    }
    let facts = [(ctx.t("strategy.outline"), a.o.title.clone()), (ctx.t("strategy.year"), a.year.to_string()), (ctx.t("strategy.made_at"), crate::util::fmt_datetime(crate::util::now()))];
    let title = ctx.tf("strategy.assessment_title", &[("year", &a.year.to_string())]);
    let bytes = crate::web::download::xlsx_document(&title, &facts, &head, &rows, &[ctx.t("strategy.assessment_note")])?;
    Ok(crate::web::download::xlsx_file(bytes, &format!("strategy-assessment-{}-{}.xlsx", a.o.key, a.year)))
}
