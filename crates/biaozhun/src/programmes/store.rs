//! The programmes room's SQL: programme types (seeded from `seed/programmes/*.toml`, one row
//! per version), applications with their steps on the workflow engine, the lists (the
//! applicant's, the staff's paged queue, the reviewer's), the public notices and objections,
//! and the counts. Every write is one transaction with its event, notices and audit line.

use super::model::{self, Config, ProgrammeKind};
use super::policy;
use crate::App;
use crate::db::Tx;
use crate::web::{AppError, AppResult, Ctx};
use crate::workflow::{self, Actor, Step};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::{LazyLock, Mutex};

// ---------------------------------------------------------------------------------------
// Programme types

/// Databases whose seed is in (by URL): seeding is an idempotent insert, done once a process.
static SEEDED: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Default::default);

/// Writes the shipped types (each version once) into the database.
pub async fn ensure_seeded(app: &App) -> AppResult<()> {
    let url = app.config.effective_database_url();
    if SEEDED.lock().map(|s| s.contains(&url)).unwrap_or(false) {
        return Ok(());
    }
    let now = crate::util::now();
    for (name, text) in model::SEEDS {
        let c = Config::parse(name, text).map_err(|e| AppError::Internal(anyhow::anyhow!(e)))?;
        let json = serde_json::to_string(&c).map_err(|e| AppError::Internal(e.into()))?;
        sqlx::query(
            "INSERT INTO programme_types (code, version, kind, title_zh, title_en, config, opens_at, closes_at, created_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (code, version) DO NOTHING",
        )
        .bind(&c.code)
        .bind(c.version)
        .bind(kind_str(c.kind))
        .bind(&c.title_zh)
        .bind(&c.title_en)
        .bind(json)
        .bind(c.opens_at())
        .bind(c.closes_at())
        .bind(now)
        .execute(&app.db.pool)
        .await?;
    }
    if let Ok(mut s) = SEEDED.lock() {
        s.insert(url);
    }
    Ok(())
}

pub fn kind_str(k: ProgrammeKind) -> &'static str {
    match k {
        ProgrammeKind::Demonstration => "demonstration",
        ProgrammeKind::Grading => "grading",
        ProgrammeKind::Subsidy => "subsidy",
    }
}

/// A programme type's version as stored.
#[derive(Debug, Clone)]
pub struct ProgrammeType {
    pub id: i64,
    pub config: Config,
}

fn parse_type((id, json): (i64, String)) -> AppResult<ProgrammeType> {
    let config: Config = serde_json::from_str(&json).map_err(|e| AppError::Internal(anyhow::anyhow!("programme type {id}: {e}")))?;
    Ok(ProgrammeType { id, config })
}

/// The newest version of every type, by code.
pub async fn types(app: &App) -> AppResult<Vec<ProgrammeType>> {
    ensure_seeded(app).await?;
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT t.id, t.config FROM programme_types t WHERE t.version = (SELECT MAX(v.version) FROM programme_types v WHERE v.code = t.code) ORDER BY t.code",
    )
    .fetch_all(&app.db.pool)
    .await?;
    rows.into_iter().map(parse_type).collect()
}

/// The newest version of a type (404 for an unknown code).
pub async fn type_by_code(app: &App, code: &str) -> AppResult<ProgrammeType> {
    ensure_seeded(app).await?;
    let row: Option<(i64, String)> = sqlx::query_as("SELECT id, config FROM programme_types WHERE code = $1 ORDER BY version DESC LIMIT 1")
        .bind(code)
        .fetch_optional(&app.db.pool)
        .await?;
    parse_type(row.ok_or(AppError::NotFound)?)
}

pub async fn type_by_id<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(ex: E, id: i64) -> AppResult<ProgrammeType> {
    let row: Option<(i64, String)> = sqlx::query_as("SELECT id, config FROM programme_types WHERE id = $1").bind(id).fetch_optional(ex).await?;
    parse_type(row.ok_or(AppError::NotFound)?)
}

// ---------------------------------------------------------------------------------------
// Applications

pub const COLUMNS: &str = "a.id, a.type_id, a.programme, a.org_id, o.name AS org_name, a.created_by, a.title, a.state, a.version, a.data, \
    a.score_base, a.score_bonus, a.grade, a.amount_fen, a.notice_until, a.valid_until, a.submitted_at, a.created_at, a.updated_at";

/// An application as pages and the API show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Application {
    pub id: i64,
    pub type_id: i64,
    pub programme: String,
    pub org_id: i64,
    pub org_name: String,
    pub created_by: i64,
    pub title: String,
    pub state: String,
    pub version: i64,
    /// The form's answers as JSON.
    pub data: String,
    pub score_base: Option<i64>,
    pub score_bonus: Option<i64>,
    pub grade: String,
    pub amount_fen: Option<i64>,
    pub notice_until: Option<i64>,
    pub valid_until: Option<i64>,
    pub submitted_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Application {
    pub fn answers(&self) -> BTreeMap<String, String> {
        serde_json::from_str(&self.data).unwrap_or_default()
    }
}

pub async fn get<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(ex: E, id: i64) -> AppResult<Application> {
    let sql = format!("SELECT {COLUMNS} FROM applications a JOIN organisations o ON o.id = a.org_id WHERE a.id = $1");
    sqlx::query_as::<_, Application>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(ex).await?.ok_or(AppError::NotFound)
}

/// A reviewer's declaration on an application, if assigned.
pub async fn coi_of(app: &App, id: i64, user: i64) -> AppResult<Option<String>> {
    Ok(sqlx::query_scalar("SELECT coi FROM application_reviewers WHERE application_id = $1 AND user_id = $2").bind(id).bind(user).fetch_optional(&app.db.pool).await?)
}

/// The title an application is listed under: the first of its answers that names it.
fn title_of(c: &Config, data: &BTreeMap<String, String>, org_name: &str) -> String {
    let named = ["project", "work", "org_name"].iter().find_map(|k| data.get(*k).filter(|v| !v.is_empty()));
    let name = named.map(String::as_str).unwrap_or(org_name);
    crate::util::shorten(&format!("{} · {}", c.title_zh, name), 200)
}

/// The answers the platform can give for the organisation: its records, the standards it
/// drafted (the catalogue's drafting organisations) and its users' training hours.
pub async fn prefill(app: &App, c: &Config, org_id: i64) -> AppResult<BTreeMap<String, String>> {
    let org = crate::orgs::store::get(&app.db.pool, org_id).await?;
    let mut out = BTreeMap::new();
    for f in &c.fields {
        let value = match f.prefill.as_deref() {
            Some("org.name") => org.name.clone(),
            Some("org.uscc") => org.uscc.clone(),
            Some("org.district") => org.district_code.clone(),
            Some("standards_led") => crate::standards::store::drafted_by(app, &org.name, 50).await?.into_iter().map(|(n, t)| format!("{n} {t}")).collect::<Vec<_>>().join("\n"),
            Some("training_hours") => {
                let users = crate::orgs::store::members_of(&app.db.pool, org_id).await?;
                let mut hours = 0;
                for u in users {
                    hours += crate::training::attendance::ledger(app, u).await?.iter().map(|y| y.total).sum::<i64>();
                }
                hours.to_string()
            }
            _ => continue,
        };
        if !value.is_empty() {
            out.insert(f.key.clone(), value);
        }
    }
    Ok(out)
}

/// The form's problem as a 422 naming the field, in the caller's language.
pub fn problem(ctx: &Ctx, p: model::FieldProblem) -> AppError {
    let args: Vec<(&str, &str)> = p.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    AppError::invalid(p.field.clone(), ctx.tf(p.key, &args))
}

/// Refuses a subsidy to an organisation marked seriously untrustworthy.
async fn trustworthy(tx: &mut Tx, ctx: &Ctx, c: &Config, org_id: i64) -> AppResult<()> {
    if c.kind == ProgrammeKind::Subsidy && crate::orgs::store::untrustworthy(&mut **tx, org_id).await? {
        return Err(AppError::invalid("org", ctx.t("programmes.err_untrustworthy")));
    }
    Ok(())
}

/// Refuses a second live application for the same work (409 naming the first).
async fn not_funded_twice(tx: &mut Tx, ctx: &Ctx, key: Option<&str>, except: i64) -> AppResult<()> {
    let Some(key) = key else { return Ok(()) };
    let other: Option<i64> = sqlx::query_scalar("SELECT id FROM applications WHERE work_key = $1 AND id <> $2").bind(key).bind(except).fetch_optional(&mut **tx).await?;
    match other {
        Some(o) => Err(AppError::Conflict(ctx.tf("programmes.err_duplicate", &[("id", &o.to_string())]))),
        None => Ok(()),
    }
}

fn duplicate_or(ctx: &Ctx, e: sqlx::Error) -> AppError {
    if crate::db::is_unique_violation(&e) { AppError::Conflict(ctx.tf("programmes.err_duplicate", &[("id", "?")])) } else { e.into() }
}

/// A new application (a draft) of the organisation the caller acts for and administers,
/// under the newest version of the type; missing answers are filled from the platform's
/// records. `files` are the required attachments' uploads (`att_<key>`), stored in the same
/// transaction. `submit` submits it at once (its answers and attachments must then be complete).
pub async fn create(app: &App, ctx: &Ctx, code: &str, answers: &BTreeMap<String, String>, files: Vec<crate::web::upload::Upload>, submit: bool) -> AppResult<i64> {
    let t = type_by_code(app, code).await?;
    let c = &t.config;
    let org = policy::applicant_org(app, ctx).await?;
    if !c.open_at(crate::util::now()) {
        return Err(AppError::Conflict(ctx.t("programmes.err_closed")));
    }
    let mut merged = prefill(app, c, org.id).await?;
    merged.extend(answers.iter().filter(|(_, v)| !v.trim().is_empty()).map(|(k, v)| (k.clone(), v.clone())));
    let data = model::check_form(c, &merged, submit).map_err(|p| problem(ctx, p))?;
    let files = super::files::check_all(app, ctx, c, files)?;
    let work = model::work_key(c, &data);
    let user = ctx.require_user()?.id;
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    trustworthy(&mut tx, ctx, c, org.id).await?;
    not_funded_twice(&mut tx, ctx, work.as_deref(), 0).await?;
    let json = serde_json::to_string(&data).map_err(|e| AppError::Internal(e.into()))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO applications (type_id, programme, org_id, created_by, title, state, version, data, work_key, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,'draft',0,$6,$7,$8,$8) RETURNING id",
    )
    .bind(t.id)
    .bind(&c.code)
    .bind(org.id)
    .bind(user)
    .bind(title_of(c, &data, &org.name))
    .bind(json)
    .bind(&work)
    .bind(now)
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| duplicate_or(ctx, e))?;
    let actor = Actor::of(ctx)?.with_scope("applicant");
    workflow::start(&mut tx, app, &super::FLOW, id, &actor, Step::action("create").data(serde_json::json!({ "type_version": c.version }))).await?;
    super::files::store_in(&mut tx, app, ctx, &actor, id, files).await?;
    if submit {
        let a = get(&mut *tx, id).await?;
        take_step(&mut tx, app, ctx, &actor, &a, c, "submit", "").await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Saves a draft's answers (the applicant, on the version read): the fields sent replace
/// their answers, the others keep theirs; the files sent (`att_<key>`) replace their
/// attachments' files; `submit` then submits it. One transaction: all of it or nothing.
pub async fn save(app: &App, ctx: &Ctx, id: i64, version: i64, answers: &BTreeMap<String, String>, files: Vec<crate::web::upload::Upload>, submit: bool) -> AppResult<()> {
    ctx.must(app, &policy::Application::Apply, id).await?;
    let (actor, _) = policy::actor(app, ctx, id).await?;
    let mut tx = app.db.begin().await?;
    current_version(&mut tx, id).await?;
    let a = get(&mut *tx, id).await?;
    if a.state != "draft" {
        return Err(AppError::Conflict(ctx.t("programmes.err_not_draft")));
    }
    if a.version != version {
        return Err(AppError::Conflict(ctx.t("programmes.err_stale")));
    }
    let t = type_by_id(&mut *tx, a.type_id).await?;
    let files = super::files::check_all(app, ctx, &t.config, files)?;
    // A field the form does not send keeps its answer; one sent empty is cleared. Links of
    // attachments given before they were files (`att_<key>` answers) are dropped.
    let mut merged = a.answers();
    merged.retain(|k, _| !k.starts_with("att_"));
    merged.extend(answers.iter().map(|(k, v)| (k.clone(), v.clone())));
    let data = model::check_form(&t.config, &merged, false).map_err(|p| problem(ctx, p))?;
    let work = model::work_key(&t.config, &data);
    not_funded_twice(&mut tx, ctx, work.as_deref(), id).await?;
    let json = serde_json::to_string(&data).map_err(|e| AppError::Internal(e.into()))?;
    let n = sqlx::query("UPDATE applications SET data = $1, work_key = $2, title = $3, version = version + 1, updated_at = $4 WHERE id = $5 AND version = $6")
        .bind(json)
        .bind(&work)
        .bind(title_of(&t.config, &data, &a.org_name))
        .bind(crate::util::now())
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(|e| duplicate_or(ctx, e))?;
    if n.rows_affected() == 0 {
        return Err(AppError::Conflict(ctx.t("programmes.err_stale")));
    }
    super::files::store_in(&mut tx, app, ctx, &actor, id, files).await?;
    if submit {
        let a = get(&mut *tx, id).await?;
        take_step(&mut tx, app, ctx, &actor, &a, &t.config, "submit", "").await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The actions that have their own forms (reviewers, objections): refused by the generic step.
const OWN_FORMS: [&str; 5] = ["assign", "declare", "score", "resolve", "attach"];

/// Takes a step on an application: `version` is the one the caller read (`None`: the
/// current one, for API calls that name only the action). The programme's configuration
/// decides the optional stages (409 for a stage the programme does not use).
pub async fn step(app: &App, ctx: &Ctx, id: i64, version: Option<i64>, action: &str, note: &str) -> AppResult<()> {
    if OWN_FORMS.contains(&action) {
        return Err(AppError::invalid("action", ctx.t("programmes.err_own_form")));
    }
    let (actor, standing) = policy::actor(app, ctx, id).await?;
    // Who may see the application at all (the notice's objection is for anyone signed in).
    let mut tx = app.db.begin().await?;
    let current = current_version(&mut tx, id).await?;
    let a = get(&mut *tx, id).await?;
    let public = model::PUBLIC_STATES.contains(&a.state.as_str());
    if !(standing.staff || standing.org_user || standing.reviewer || standing.assigned || public) {
        return Err(AppError::Forbidden);
    }
    if let Some(v) = version {
        if v != current {
            return Err(AppError::Conflict(ctx.t("programmes.err_stale")));
        }
    }
    let t = type_by_id(&mut *tx, a.type_id).await?;
    take_step(&mut tx, app, ctx, &actor, &a, &t.config, action, note).await?;
    if standing.staff {
        // A staff decision is a privileged write: audited with the step (the routes are open
        // to applicants too, so the staff routes' generic record does not cover them).
        let entry = crate::auth::audit::Entry { action: "programmes.step", target: format!("application:{id}"), detail: format!("{action} ({} → next)", a.state) };
        crate::auth::audit::log_tx(&mut tx, ctx, entry).await?;
    }
    tx.commit().await?;
    Ok(())
}

fn refuse(ctx: &Ctx, key: &str) -> AppError {
    AppError::Conflict(ctx.t(key))
}

/// The domain's side of a step, then the engine's move, in `tx`.
#[allow(clippy::too_many_arguments)]
async fn take_step(tx: &mut Tx, app: &App, ctx: &Ctx, actor: &Actor, a: &Application, c: &Config, action: &str, note: &str) -> AppResult<()> {
    let now = crate::util::now();
    let mut data = serde_json::json!({});
    // The engine answers 409 for a move the table lacks from this state; the checks below
    // only run where the table has the move, so their refusals are the programme's.
    let known = super::FLOW.find(&a.state, action).is_some();
    if known {
        match action {
            "submit" => {
                if !c.open_at(now) {
                    return Err(refuse(ctx, "programmes.err_closed"));
                }
                let mut answers = a.answers();
                answers.retain(|k, _| !k.starts_with("att_"));
                model::check_form(c, &answers, true).map_err(|p| problem(ctx, p))?;
                if let Some(def) = super::files::missing(tx, c, a.id).await? {
                    return Err(super::files::missing_error(ctx, def));
                }
                trustworthy(tx, ctx, c, a.org_id).await?;
                sqlx::query("UPDATE applications SET submitted_at = $1 WHERE id = $2").bind(now).bind(a.id).execute(&mut **tx).await?;
            }
            "pass_check" if !c.expert_review => return Err(refuse(ctx, "programmes.err_no_review_stage")),
            "skip_review" if c.expert_review => return Err(refuse(ctx, "programmes.err_review_stage")),
            "close_review" => data = super::review::close(tx, ctx, a, c).await?,
            "approve" | "approve_final" => {
                if (action == "approve") != (c.notice_days > 0) {
                    return Err(refuse(ctx, if c.notice_days > 0 { "programmes.err_notice_stage" } else { "programmes.err_no_notice_stage" }));
                }
                trustworthy(tx, ctx, c, a.org_id).await?;
                if c.kind == ProgrammeKind::Grading && a.grade.is_empty() {
                    return Err(refuse(ctx, "programmes.err_no_grade"));
                }
                let amount = if c.kind == ProgrammeKind::Subsidy {
                    let ans = a.answers();
                    let (item, level) = (ans.get("item").map(String::as_str).unwrap_or(""), ans.get("level").map(String::as_str).unwrap_or(""));
                    Some(c.amount_fen(item, level).ok_or_else(|| refuse(ctx, "programmes.err_no_amount"))?)
                } else {
                    None
                };
                let until = (action == "approve").then(|| now + c.notice_days * 86400);
                sqlx::query("UPDATE applications SET amount_fen = $1, notice_until = $2 WHERE id = $3").bind(amount).bind(until).bind(a.id).execute(&mut **tx).await?;
                data = serde_json::json!({ "amount_fen": amount, "notice_until": until });
                if action == "approve_final" {
                    finalised(tx, c, a.id, now).await?;
                }
            }
            "object" => {
                let oid: i64 = sqlx::query_scalar("INSERT INTO application_objections (application_id, user_id, reason, created_at) VALUES ($1,$2,$3,$4) RETURNING id")
                    .bind(a.id)
                    .bind(actor.user_id())
                    .bind(crate::util::shorten(note.trim(), 2000))
                    .bind(now)
                    .fetch_one(&mut **tx)
                    .await?;
                data = serde_json::json!({ "objection": oid });
            }
            "finalise" => {
                if a.notice_until.is_some_and(|u| now < u) && !ctx.user.as_deref().is_some_and(|u| u.has(crate::auth::Role::Admin)) {
                    return Err(AppError::Conflict(ctx.tf("programmes.err_notice_running", &[("until", &crate::util::fmt_datetime(a.notice_until.unwrap_or(now)))])));
                }
                let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM application_objections WHERE application_id = $1 AND status = 'open'").bind(a.id).fetch_one(&mut **tx).await?;
                if open > 0 {
                    return Err(AppError::Conflict(ctx.tf("programmes.err_objections_open", &[("n", &open.to_string())])));
                }
                finalised(tx, c, a.id, now).await?;
            }
            "start_follow_up" if !c.follow_up => return Err(refuse(ctx, "programmes.err_no_follow_up")),
            "withdraw" | "reject" => {
                sqlx::query("UPDATE applications SET work_key = NULL WHERE id = $1").bind(a.id).execute(&mut **tx).await?;
            }
            _ => {}
        }
    }
    let version = current_version(tx, a.id).await?;
    workflow::transition(tx, app, &super::FLOW, a.id, version, actor, Step::action(action).note(note).data(data)).await?;
    Ok(())
}

/// The record's version inside the transaction, its row locked to the end of it (a no-op
/// update takes the lock on both backends; on PostgreSQL a second step waits here for the
/// first to commit and then reads its version, instead of failing on a version it read
/// before). Every step on an application reads its version through this.
pub async fn current_version(tx: &mut Tx, id: i64) -> AppResult<i64> {
    let n = sqlx::query("UPDATE applications SET version = version WHERE id = $1").bind(id).execute(&mut **tx).await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(sqlx::query_scalar("SELECT version FROM applications WHERE id = $1").bind(id).fetch_one(&mut **tx).await?)
}

/// What the final step records: a grade's certificate validity.
async fn finalised(tx: &mut Tx, c: &Config, id: i64, now: i64) -> AppResult<()> {
    if c.certificate_years > 0 {
        let until = crate::util::add_years(now, c.certificate_years as i32);
        sqlx::query("UPDATE applications SET valid_until = $1 WHERE id = $2").bind(until).bind(id).execute(&mut **tx).await?;
    }
    Ok(())
}

/// The applicant organisation's administrators hear of the steps that concern them (the
/// flow's notices hook, in the step's transaction), which also keep the rolled-up counts.
pub fn tell<'a>(tx: &'a mut Tx, app: &'a App, e: &'a workflow::Event) -> futures_util::future::BoxFuture<'a, AppResult<()>> {
    Box::pin(async move {
        super::tally::step(tx, e).await?;
        let key = match e.action.as_str() {
            "return" => "programmes.notice_returned",
            "reject" => "programmes.notice_rejected",
            "approve" => "programmes.notice_in_notice",
            "approve_final" | "finalise" => "programmes.notice_final",
            _ => return Ok(()),
        };
        let (org_id, title): (i64, String) = sqlx::query_as("SELECT org_id, title FROM applications WHERE id = $1").bind(e.record_id).fetch_one(&mut **tx).await?;
        let admins = crate::orgs::store::admins_of(&mut **tx, org_id).await?;
        let link = format!("/applications/{}", e.record_id);
        for u in admins {
            let notice = crate::jobs::notify::Notice { kind: "programme", key, args: &[("title", title.as_str()), ("note", e.note.as_str())], link: &link, mail: true };
            crate::jobs::notify::send(tx, app, u, notice).await?;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------
// Objections

/// An objection as the staff page lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Objection {
    pub id: i64,
    pub application_id: i64,
    pub username: String,
    pub reason: String,
    pub status: String,
    pub resolution: String,
    pub created_at: i64,
}

pub async fn objections(app: &App, id: i64) -> AppResult<Vec<Objection>> {
    Ok(sqlx::query_as::<_, Objection>(
        "SELECT ob.id, ob.application_id, u.username, ob.reason, ob.status, ob.resolution, ob.created_at FROM application_objections ob \
         JOIN users u ON u.id = ob.user_id WHERE ob.application_id = $1 ORDER BY ob.id",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await?)
}

/// Staff resolve an objection (upheld or dismissed, with the reason); a step of the flow.
pub async fn resolve(app: &App, ctx: &Ctx, id: i64, objection: i64, upheld: bool, note: &str) -> AppResult<()> {
    ctx.must(app, &policy::Application::Manage, id).await?;
    let (actor, _) = policy::actor(app, ctx, id).await?;
    let mut tx = app.db.begin().await?;
    let status = if upheld { "upheld" } else { "dismissed" };
    let n = sqlx::query("UPDATE application_objections SET status = $1, resolution = $2, resolved_by = $3, resolved_at = $4 WHERE id = $5 AND application_id = $6 AND status = 'open'")
        .bind(status)
        .bind(crate::util::shorten(note.trim(), 2000))
        .bind(actor.user_id())
        .bind(crate::util::now())
        .bind(objection)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    let version = current_version(&mut tx, id).await?;
    let step = Step::action("resolve").note(note).data(serde_json::json!({ "objection": objection, "status": status }));
    workflow::transition(&mut tx, app, &super::FLOW, id, version, &actor, step).await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Lists and counts

/// Which applications a list shows.
pub enum Whose<'a> {
    /// Every application (staff).
    All,
    /// The organisations' applications (an applicant's).
    Orgs(&'a [i64]),
    /// Assigned to the reviewer with no conflict declared.
    Reviewer(i64),
    /// An expert who also belongs to organisations: theirs or assigned to them, each once.
    OrgsOrReviewer(&'a [i64], i64),
}

/// A page of applications, newest change first, with the total.
pub async fn list(app: &App, whose: Whose<'_>, state: Option<&str>, programme: Option<&str>, pager: &crate::web::pager::Pager) -> AppResult<(Vec<Application>, i64)> {
    let mut cond = vec!["1 = 1".to_string()];
    let mut binds: Vec<String> = vec![];
    let mut ids: Vec<i64> = vec![];
    match whose {
        Whose::All => {}
        Whose::Orgs(orgs) => {
            if orgs.is_empty() {
                return Ok((vec![], 0));
            }
            cond.push(format!("a.org_id IN ({})", orgs.iter().map(|_| "?").collect::<Vec<_>>().join(",")));
            ids.extend_from_slice(orgs);
        }
        Whose::Reviewer(u) => {
            cond.push("a.id IN (SELECT r.application_id FROM application_reviewers r WHERE r.user_id = ? AND r.coi = 'none')".into());
            ids.push(u);
        }
        Whose::OrgsOrReviewer(orgs, u) => {
            let assigned = "a.id IN (SELECT r.application_id FROM application_reviewers r WHERE r.user_id = ? AND r.coi = 'none')";
            if orgs.is_empty() {
                cond.push(assigned.into());
            } else {
                cond.push(format!("(a.org_id IN ({}) OR {assigned})", orgs.iter().map(|_| "?").collect::<Vec<_>>().join(",")));
                ids.extend_from_slice(orgs);
            }
            ids.push(u);
        }
    }
    if let Some(s) = state {
        cond.push("a.state = ?".into());
        binds.push(s.to_string());
    }
    if let Some(p) = programme {
        cond.push("a.programme = ?".into());
        binds.push(p.to_string());
    }
    let wh = cond.join(" AND ");
    let number = |sql: String| if app.db.kind == crate::db::DbKind::Postgres { renumber(&sql) } else { sql };
    let count_sql = number(format!("SELECT COUNT(*) FROM applications a WHERE {wh}"));
    let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
    for i in &ids {
        q = q.bind(*i);
    }
    for b in &binds {
        q = q.bind(b.clone());
    }
    let total = q.fetch_one(&app.db.pool).await?;
    // The page's ids first, from the index alone (a deep page skips index entries, not
    // joined rows), then their rows.
    let sql = number(format!(
        "SELECT {COLUMNS} FROM applications a JOIN organisations o ON o.id = a.org_id WHERE a.id IN \
         (SELECT a.id FROM applications a WHERE {wh} ORDER BY a.updated_at DESC, a.id DESC LIMIT {} OFFSET {}) \
         ORDER BY a.updated_at DESC, a.id DESC",
        pager.per_page,
        pager.offset()
    ));
    let mut q = sqlx::query_as::<_, Application>(sqlx::AssertSqlSafe(sql));
    for i in &ids {
        q = q.bind(*i);
    }
    for b in &binds {
        q = q.bind(b.clone());
    }
    Ok((q.fetch_all(&app.db.pool).await?, total))
}

/// `?` placeholders as PostgreSQL's `$n`.
fn renumber(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(ch);
        }
    }
    out
}

/// Applications in public notice now (公示), ending soonest first.
pub async fn notices(app: &App) -> AppResult<Vec<Application>> {
    let sql = format!("SELECT {COLUMNS} FROM applications a JOIN organisations o ON o.id = a.org_id WHERE a.state = 'notice' ORDER BY a.notice_until, a.id LIMIT 500");
    Ok(sqlx::query_as::<_, Application>(sqlx::AssertSqlSafe(sql)).fetch_all(&app.db.pool).await?)
}

/// What the programmes count for the strategy dashboard: applications by programme and
/// state, and grades in force (final, certificate valid) by grade.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Counts {
    /// (programme, state, count).
    pub by_state: Vec<(String, String, i64)>,
    /// (grade, count) of good-behaviour grades in force.
    pub grades: Vec<(String, i64)>,
    /// Demonstration projects approved (final or later).
    pub demonstrations: i64,
}

impl Counts {
    pub fn grade(&self, g: &str) -> i64 {
        self.grades.iter().find(|(k, _)| k == g).map_or(0, |(_, n)| *n)
    }
}

pub async fn counts(app: &App) -> AppResult<Counts> {
    let by_state: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT programme, state, COUNT(*) FROM applications GROUP BY programme, state ORDER BY programme, state").fetch_all(&app.db.pool).await?;
    let grades: Vec<(String, i64)> = sqlx::query_as(
        "SELECT grade, COUNT(*) FROM applications WHERE grade <> '' AND state = 'final' AND (valid_until IS NULL OR valid_until > $1) GROUP BY grade ORDER BY grade",
    )
    .bind(crate::util::now())
    .fetch_all(&app.db.pool)
    .await?;
    let demonstrations = by_state.iter().filter(|(p, s, _)| p == "demonstration" && ["final", "follow_up", "acceptance", "completed"].contains(&s.as_str())).map(|(_, _, n)| n).sum();
    Ok(Counts { by_state, grades, demonstrations })
}
