//! Progress reports (工作责任制): a responsible department or district files a report per
//! task and quarter (text, figures, evidence files); staff accept it or return it with a
//! note, and a returned report is filed again. On the workflow engine (`REPORT_MOVES`),
//! each step one transaction with its event and notices. Overdue reports are flagged on
//! the staff queue and the unit's member area, and reminded by a daily job.

use super::model::{self, Outline, UnitKind};
use super::policy;
use crate::App;
use crate::auth::Role;
use crate::db::Tx;
use crate::web::{AppError, AppResult, Ctx};
use crate::workflow::{self, Actor, Move, START, Step, Who};
use serde::{Deserialize, Serialize};

/// The scope the filing unit's officer acts in (checked by the caller, `Actor::with_scope`).
pub const UNIT: &str = "unit";
const UNIT_WHO: &[Who] = &[Who::Scope(UNIT)];
const STAFF: &[Who] = &[Who::Role(Role::Staff)];

pub static REPORT_MOVES: [Move; 4] = [
    Move::new(START, "file", "filed", UNIT_WHO),
    Move::new("returned", "file", "filed", UNIT_WHO),
    Move::new("filed", "accept", "accepted", STAFF),
    Move::new("filed", "return", "returned", STAFF).with_note(),
];

/// What a unit files.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReportInput {
    #[serde(default)]
    pub outline: Option<String>,
    pub task: i64,
    /// `department` or `district`.
    pub unit_kind: String,
    pub unit_key: String,
    /// A quarter, `2026-Q4`.
    pub period: String,
    /// What was done (up to 5,000 characters).
    #[schema(max_length = 5000)]
    pub body: String,
    /// Figures in the unit's words (up to 2,000 characters).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub figures: String,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Report {
    pub id: i64,
    pub outline: String,
    pub task_no: i64,
    pub unit_kind: String,
    pub unit_key: String,
    pub period: String,
    pub body: String,
    pub figures: String,
    pub state: String,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "id, outline, task_no, unit_kind, unit_key, period, body, figures, state, version, created_by, created_at, updated_at";

impl Report {
    pub fn kind(&self) -> UnitKind {
        UnitKind::parse(&self.unit_kind).unwrap_or(UnitKind::Department)
    }
}

pub async fn get(app: &App, id: i64) -> AppResult<Report> {
    let sql = format!("SELECT {COLS} FROM strategy_reports WHERE id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&app.db.pool).await?.ok_or(AppError::NotFound)
}

/// A report the signed-in user may see (404 for one of another unit, so ids tell nothing).
pub async fn visible(app: &App, ctx: &Ctx, id: i64) -> AppResult<Report> {
    let user = ctx.require_user()?;
    let r = get(app, id).await?;
    if !policy::may_see_report(app, user, r.kind(), &r.unit_key).await? {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

/// Reports by state (empty: all) and units (empty: all), newest first.
pub async fn list(app: &App, outline: &str, state: &str, units: &[(UnitKind, String)], all_units: bool) -> AppResult<Vec<Report>> {
    let sql = format!("SELECT {COLS} FROM strategy_reports WHERE outline = $1 AND ($2 = '' OR state = $2) ORDER BY period DESC, task_no, id DESC LIMIT 2000");
    let rows: Vec<Report> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(outline).bind(state).fetch_all(&app.db.pool).await?;
    Ok(rows.into_iter().filter(|r| all_units || units.iter().any(|(k, key)| k.as_str() == r.unit_kind && *key == r.unit_key)).collect())
}

fn check(o: &Outline, ctx: &Ctx, input: &ReportInput) -> AppResult<(UnitKind, String)> {
    let task = o.task(input.task).ok_or_else(|| AppError::invalid("task", ctx.tf("strategy.err_task", &[("no", &input.task.to_string())])))?;
    let kind = UnitKind::parse(&input.unit_kind).ok_or_else(|| AppError::invalid("unit_kind", ctx.t("strategy.err_unit_kind")))?;
    let key = input.unit_key.trim().to_string();
    if !o.responsible(task, kind, &key) {
        return Err(AppError::invalid("unit_key", ctx.tf("strategy.err_not_responsible", &[("unit", &key), ("no", &task.no.to_string())])));
    }
    if model::parse_period(&input.period).is_none() {
        return Err(AppError::invalid("period", ctx.t("strategy.err_period")));
    }
    if input.body.trim().is_empty() {
        return Err(AppError::invalid("body", ctx.t("strategy.err_body")));
    }
    if input.body.chars().count() > 5000 {
        return Err(AppError::invalid("body", ctx.t("strategy.err_long")));
    }
    if input.figures.chars().count() > 2000 {
        return Err(AppError::invalid("figures", ctx.t("strategy.err_long")));
    }
    Ok((kind, key))
}

/// Files a report, or files a returned one again with new text. Only an officer of the
/// unit (its scoped role) files; answers the report's id.
pub async fn file(app: &App, ctx: &Ctx, input: &ReportInput) -> AppResult<i64> {
    let user = ctx.require_user()?;
    let key = input.outline.clone().filter(|k| !k.is_empty()).unwrap_or_else(|| model::GUANGZHOU_KEY.to_string());
    let (o, _) = super::store::outline(app, &key).await?;
    let kind = UnitKind::parse(&input.unit_kind).ok_or_else(|| AppError::invalid("unit_kind", ctx.t("strategy.err_unit_kind")))?;
    // Who acts comes before what is wrong with the text: another unit's officer learns nothing.
    if !policy::acts_for(app, user, kind, input.unit_key.trim()).await? {
        return Err(AppError::Forbidden);
    }
    let (kind, unit) = check(&o, ctx, input)?;
    let period = input.period.trim();
    let actor = Actor::of(ctx)?.with_scope(UNIT);
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    let existing: Option<(i64, String, i64)> = sqlx::query_as(
        "SELECT id, state, version FROM strategy_reports WHERE outline = $1 AND task_no = $2 AND unit_kind = $3 AND unit_key = $4 AND period = $5",
    )
    .bind(&o.key)
    .bind(input.task)
    .bind(kind.as_str())
    .bind(&unit)
    .bind(period)
    .fetch_optional(&mut *tx)
    .await?;
    let id = match existing {
        Some((id, state, version)) => {
            if state != "returned" {
                return Err(AppError::Conflict(ctx.t("strategy.err_filed")));
            }
            sqlx::query("UPDATE strategy_reports SET body = $1, figures = $2 WHERE id = $3").bind(input.body.trim()).bind(input.figures.trim()).bind(id).execute(&mut *tx).await?;
            workflow::transition(&mut tx, app, &super::REPORT_FLOW, id, version, &actor, Step::action("file")).await?;
            id
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO strategy_reports (outline, task_no, unit_kind, unit_key, period, body, figures, state, version, created_by, created_at, updated_at) \
                 VALUES ($1,$2,$3,$4,$5,$6,$7,'filed',0,$8,$9,$9) RETURNING id",
            )
            .bind(&o.key)
            .bind(input.task)
            .bind(kind.as_str())
            .bind(&unit)
            .bind(period)
            .bind(input.body.trim())
            .bind(input.figures.trim())
            .bind(user.id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            workflow::start(&mut tx, app, &super::REPORT_FLOW, id, &actor, Step::action("file")).await?;
            id
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// Staff accept a filed report or return it with a note (409 on a stale version). The
/// engine refuses anyone else: a department's officer is not staff, whatever report it is.
pub async fn decide(app: &App, ctx: &Ctx, id: i64, version: i64, action: &str, note: &str) -> AppResult<()> {
    let r = visible(app, ctx, id).await?;
    let actor = Actor::of(ctx)?;
    let mut tx = app.db.begin().await?;
    workflow::transition(&mut tx, app, &super::REPORT_FLOW, r.id, version, &actor, Step::action(action).note(note)).await?;
    tx.commit().await?;
    Ok(())
}

/// The filer hears of the decision (a notice and a mail, in the step's transaction).
pub fn tell<'a>(tx: &'a mut Tx, app: &'a App, e: &'a workflow::Event) -> futures_util::future::BoxFuture<'a, AppResult<()>> {
    Box::pin(async move {
        let key = match e.action.as_str() {
            "accept" => "strategy.notice_accepted",
            "return" => "strategy.notice_returned",
            _ => return Ok(()),
        };
        let (by, task, period): (Option<i64>, i64, String) =
            sqlx::query_as("SELECT created_by, task_no, period FROM strategy_reports WHERE id = $1").bind(e.record_id).fetch_one(&mut **tx).await?;
        if let Some(u) = by {
            let link = format!("/strategy/reports/{}", e.record_id);
            let task = task.to_string();
            let args = [("task", task.as_str()), ("period", period.as_str()), ("note", e.note.as_str())];
            let n = crate::jobs::notify::Notice { kind: "strategy", key, args: &args, link: &link, mail: true };
            crate::jobs::notify::send(tx, app, u, n).await?;
        }
        Ok(())
    })
}

/// An evidence file as a report lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Evidence {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub created_at: i64,
}

pub async fn evidence_of(app: &App, report: i64) -> AppResult<Vec<Evidence>> {
    Ok(sqlx::query_as("SELECT id, name, content_type, created_at FROM strategy_evidence WHERE report_id = $1 ORDER BY id").bind(report).fetch_all(&app.db.pool).await?)
}

/// Adds an evidence file (checked by the upload kit: a clean name, a known type by its
/// bytes, the size limit) to a report its unit may still change (filed or returned).
pub async fn add_evidence(app: &App, ctx: &Ctx, id: i64, upload: crate::web::upload::Upload) -> AppResult<i64> {
    let user = ctx.require_user()?;
    let r = visible(app, ctx, id).await?;
    if !policy::acts_for(app, user, r.kind(), &r.unit_key).await? {
        return Err(AppError::Forbidden);
    }
    if r.state == "accepted" {
        return Err(AppError::Conflict(ctx.t("strategy.err_accepted")));
    }
    let name = crate::web::upload::clean_filename(&upload.name).ok_or_else(|| AppError::invalid("file", ctx.t("strategy.err_filename")))?;
    if upload.data.len() > app.config.max_upload_bytes {
        return Err(AppError::TooLarge);
    }
    let ct = crate::web::upload::sniff(&name, &upload.data).ok_or_else(|| AppError::invalid("file", ctx.t("strategy.err_type")))?;
    let mut tx = app.db.begin().await?;
    let eid: i64 = sqlx::query_scalar("INSERT INTO strategy_evidence (report_id, name, content_type, data, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id")
        .bind(id)
        .bind(&name)
        .bind(ct)
        .bind(upload.data)
        .bind(crate::util::now())
        .fetch_one(&mut *tx)
        .await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "strategy.evidence", target: format!("strategy_report:{id}"), detail: name }).await?;
    tx.commit().await?;
    Ok(eid)
}

pub async fn evidence_file(app: &App, ctx: &Ctx, id: i64, eid: i64) -> AppResult<(String, String, Vec<u8>)> {
    visible(app, ctx, id).await?;
    let row: Option<(String, String, Vec<u8>)> =
        sqlx::query_as("SELECT name, content_type, data FROM strategy_evidence WHERE id = $1 AND report_id = $2").bind(eid).bind(id).fetch_optional(&app.db.pool).await?;
    row.ok_or(AppError::NotFound)
}

/// One line of the task list: the task, its lead and the state of its lead's latest report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskStatus {
    pub no: i64,
    pub name: String,
    pub group: i64,
    pub goal: String,
    pub lead: String,
    pub lead_name: String,
    pub support: Vec<String>,
    pub districts: Vec<String>,
    /// `not_reported`, `filed`, `returned`, `accepted` or `overdue`.
    pub status: String,
    pub reports: i64,
    pub accepted: i64,
}

/// The period whose reports are due now, once its due date has passed: the quarter before
/// this one, if it started after the outline was loaded (no reports are expected for
/// quarters before the platform tracked the outline).
pub fn expected_period(loaded_at: i64, now: i64) -> Option<String> {
    let p = model::previous_period(&model::period_of(now));
    let from = model::period_of(loaded_at);
    (p >= from && model::due_of(&p).is_some_and(|d| now > d)).then_some(p)
}

/// The outline's reports rolled up by task and unit (a few hundred rows at most, whatever
/// the number of reports): counts, the state of the latest period, and who filed for the
/// expected period. Read through the unique index (outline, task, unit, period).
struct Tally {
    /// (task, kind, key, reports, accepted, latest period's state)
    lines: Vec<(i64, String, String, i64, i64, String)>,
    /// (task, kind, key) with a report for the expected period.
    expected: Option<Vec<(i64, String, String)>>,
}

impl Tally {
    fn line(&self, task: i64, kind: &str, key: &str) -> Option<&(i64, String, String, i64, i64, String)> {
        self.lines.iter().find(|l| l.0 == task && l.1 == kind && l.2 == key)
    }
    fn overdue(&self, task: i64, kind: &str, key: &str) -> bool {
        self.expected.as_ref().is_some_and(|e| !e.iter().any(|x| x.0 == task && x.1 == kind && x.2 == key))
    }
}

async fn tally(app: &App, o: &Outline, loaded_at: i64) -> AppResult<Tally> {
    let counts: Vec<(i64, String, String, i64, i64)> = sqlx::query_as(
        "SELECT task_no, unit_kind, unit_key, COUNT(*), SUM(CASE WHEN state = 'accepted' THEN 1 ELSE 0 END) FROM strategy_reports \
         WHERE outline = $1 GROUP BY task_no, unit_kind, unit_key",
    )
    .bind(&o.key)
    .fetch_all(&app.db.pool)
    .await?;
    let latest: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT r.task_no, r.unit_kind, r.unit_key, r.state FROM strategy_reports r WHERE r.outline = $1 AND r.period = \
         (SELECT MAX(x.period) FROM strategy_reports x WHERE x.outline = r.outline AND x.task_no = r.task_no AND x.unit_kind = r.unit_kind AND x.unit_key = r.unit_key)",
    )
    .bind(&o.key)
    .fetch_all(&app.db.pool)
    .await?;
    let lines = counts
        .into_iter()
        .map(|(t, k, u, n, a)| {
            let state = latest.iter().find(|l| l.0 == t && l.1 == k && l.2 == u).map(|l| l.3.clone()).unwrap_or_default();
            (t, k, u, n, a, state)
        })
        .collect();
    let expected = match expected_period(loaded_at, crate::util::now()) {
        Some(p) => Some(
            sqlx::query_as("SELECT task_no, unit_kind, unit_key FROM strategy_reports WHERE outline = $1 AND period = $2")
                .bind(&o.key)
                .bind(&p)
                .fetch_all(&app.db.pool)
                .await?,
        ),
        None => None,
    };
    Ok(Tally { lines, expected })
}

/// Every task with its status: its lead's latest report, or overdue when the lead has not
/// filed for the expected period.
pub async fn task_statuses(app: &App, o: &Outline, loaded_at: i64) -> AppResult<Vec<TaskStatus>> {
    Ok(statuses_of(o, &tally(app, o, loaded_at).await?))
}

/// The tasks' statuses and the units compared, from one read of the reports (the dashboard
/// and the assessment show both).
pub async fn board(app: &App, o: &Outline, loaded_at: i64) -> AppResult<(Vec<TaskStatus>, Vec<UnitLine>)> {
    let tally = tally(app, o, loaded_at).await?;
    Ok((statuses_of(o, &tally), units_of(o, &tally)))
}

fn statuses_of(o: &Outline, tally: &Tally) -> Vec<TaskStatus> {
    o.tasks
        .iter()
        .map(|t| {
            let lead = tally.line(t.no, "department", &t.lead);
            let status = if tally.overdue(t.no, "department", &t.lead) { "overdue".to_string() } else { lead.map_or("not_reported".to_string(), |l| l.5.clone()) };
            let mine = tally.lines.iter().filter(|l| l.0 == t.no);
            let (reports, accepted) = mine.fold((0, 0), |(n, a), l| (n + l.3, a + l.4));
            TaskStatus {
                no: t.no,
                name: t.name.clone(),
                group: t.group,
                goal: o.goal_of(t).map(|g| g.key.clone()).unwrap_or_default(),
                lead: t.lead.clone(),
                lead_name: o.department(&t.lead).map(|d| d.name.clone()).unwrap_or_default(),
                support: t.support.clone(),
                districts: t.districts.clone(),
                status,
                reports,
                accepted,
            }
        })
        .collect()
}

/// A unit compared with the others: tasks it answers for, reports filed and accepted,
/// reports overdue for the expected period.
#[derive(Debug, Clone, Serialize)]
pub struct UnitLine {
    pub kind: String,
    pub key: String,
    pub name: String,
    pub tasks: i64,
    pub filed: i64,
    pub accepted: i64,
    pub overdue: i64,
}

pub async fn units(app: &App, o: &Outline, loaded_at: i64) -> AppResult<Vec<UnitLine>> {
    Ok(units_of(o, &tally(app, o, loaded_at).await?))
}

fn units_of(o: &Outline, tally: &Tally) -> Vec<UnitLine> {
    let mut units: Vec<(UnitKind, String, String)> = o.departments.iter().map(|d| (UnitKind::Department, d.key.clone(), d.name.clone())).collect();
    let mut districts: Vec<String> = o.tasks.iter().flat_map(|t| t.districts.iter().cloned()).collect();
    districts.sort();
    districts.dedup();
    units.extend(districts.into_iter().map(|c| (UnitKind::District, c.clone(), super::store::district_name(&c))));
    units
        .into_iter()
        .map(|(kind, key, name)| {
            let tasks: Vec<i64> = o.tasks.iter().filter(|t| o.responsible(t, kind, &key)).map(|t| t.no).collect();
            let (filed, accepted) = tally.lines.iter().filter(|l| l.1 == kind.as_str() && l.2 == key).fold((0, 0), |(n, a), l| (n + l.3, a + l.4));
            let overdue = tasks.iter().filter(|n| tally.overdue(**n, kind.as_str(), &key)).count() as i64;
            UnitLine { kind: kind.as_str().into(), key, name, tasks: tasks.len() as i64, filed, accepted, overdue }
        })
        .collect()
}

/// Once a day: every officer of a unit with a report overdue for the expected period hears
/// of it once per period (the notice is not repeated: `strategy_overdue:<period>` marks it).
pub async fn remind_overdue(app: &App) -> AppResult<usize> {
    let mut sent = 0;
    for row in super::store::outlines(app).await? {
        let (o, loaded) = super::store::outline(app, &row.key).await?;
        let Some(period) = expected_period(loaded, crate::util::now()) else { continue };
        for u in units(app, &o, loaded).await?.into_iter().filter(|u| u.overdue > 0) {
            let kind = UnitKind::parse(&u.kind).unwrap_or(UnitKind::Department);
            let holders = crate::auth::scopes::holders(&app.db.pool, kind.role(), &policy::unit_scope(kind, &u.key)).await?;
            let link = format!("/strategy/reports?outline={}", o.key);
            let mut tx = app.db.begin().await?;
            for (user, _) in holders {
                let mark = format!("strategy_overdue:{}:{}:{}", o.key, period, u.key);
                let told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = $2").bind(user).bind(&mark).fetch_one(&mut *tx).await?;
                if told > 0 {
                    continue;
                }
                let n_overdue = u.overdue.to_string();
                let args = [("period", period.as_str()), ("count", n_overdue.as_str()), ("outline", o.title.as_str())];
                let n = crate::jobs::notify::Notice { kind: &mark, key: "strategy.notice_overdue", args: &args, link: &link, mail: true };
                crate::jobs::notify::send(&mut tx, app, user, n).await?;
                sent += 1;
            }
            tx.commit().await?;
        }
    }
    Ok(sent)
}

pub async fn reminders_job(app: App, _id: i64, _payload: serde_json::Value) -> anyhow::Result<()> {
    remind_overdue(&app).await?;
    Ok(())
}
