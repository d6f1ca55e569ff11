//! The specs room's SQL: a specification with its stage, owner and due date; each step on
//! the workflow engine in one transaction with what the stage needs (a draft before the
//! consultation, 30 days of consultation, a number at publication); drafts and comments.

use super::model::{self, Answer, CommentKind};
use super::{FLOW, policy};
use crate::App;
use crate::auth::audit::{self, Entry};
use crate::db::Tx;
use crate::web::{AppError, AppResult, Ctx};
use crate::workflow::{self, Actor, Event, Step};
use serde::Serialize;

/// A specification as pages and the API show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Spec {
    pub id: i64,
    /// `local` (地方技术规范) or `group` (团体标准).
    pub kind: String,
    pub title: String,
    pub scope: String,
    pub related_numbers: String,
    pub stage: String,
    pub version: i64,
    pub created_by: i64,
    pub org_id: Option<i64>,
    pub drafting_orgs: String,
    pub committee_id: Option<i64>,
    /// The 查新 report (JSON array of the validity check's items).
    #[schema(value_type = String)]
    pub novelty: String,
    pub stage_owner_id: Option<i64>,
    pub stage_due_at: Option<i64>,
    pub consultation_opened_at: Option<i64>,
    pub consultation_ends_at: Option<i64>,
    pub replaces: String,
    pub number: String,
    pub published_at: Option<i64>,
    pub review_due_at: Option<i64>,
    pub flagged_at: Option<i64>,
    /// A group standard's vote: the round (0 before the first) and who votes (`members`, `council`).
    pub vote_round: i64,
    pub vote_body: String,
    /// 1 when the association offers the published text free to read.
    pub free_to_read: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

pub const COLUMNS: &str = "id, kind, vote_round, vote_body, free_to_read, title, scope, related_numbers, stage, version, created_by, org_id, drafting_orgs, committee_id, novelty, stage_owner_id, \
    stage_due_at, consultation_opened_at, consultation_ends_at, replaces, number, published_at, review_due_at, flagged_at, created_at, updated_at";

pub async fn get(app: &App, id: i64) -> AppResult<Spec> {
    let sql = format!("SELECT {COLUMNS} FROM specs WHERE id = $1");
    sqlx::query_as::<_, Spec>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&app.db.pool).await?.ok_or(AppError::NotFound)
}

async fn get_tx(tx: &mut Tx, id: i64) -> AppResult<Spec> {
    let sql = format!("SELECT {COLUMNS} FROM specs WHERE id = $1");
    sqlx::query_as::<_, Spec>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut **tx).await?.ok_or(AppError::NotFound)
}

/// What a proposal brings.
#[derive(Debug, Clone, Default)]
pub struct NewSpec {
    pub title: String,
    pub scope: String,
    pub related_numbers: String,
    pub drafting_orgs: String,
    pub committee_id: Option<i64>,
    pub replaces: String,
    pub org_id: Option<i64>,
    pub kind: model::SpecKind,
}

/// Creates a proposal with its 查新 report (the standards room's validity check on the title
/// and the related numbers), the first event and the stage's due date, in one transaction.
pub async fn create(app: &App, ctx: &Ctx, s: &NewSpec) -> AppResult<i64> {
    let user = ctx.require_user()?.id;
    let text = format!("{}\n{}\n{}", s.title, s.related_numbers, s.replaces);
    let novelty = match crate::standards::check::check_text(app, &text, 200).await.map_err(AppError::Internal)? {
        Ok(items) => serde_json::to_string(&items).map_err(|e| AppError::Internal(e.into()))?,
        Err(_) => return Err(AppError::invalid("related_numbers", ctx.t("specs.err_too_many_numbers"))),
    };
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO specs (title, scope, related_numbers, stage, version, created_by, org_id, drafting_orgs, committee_id, novelty, replaces, stage_due_at, created_at, updated_at, kind) \
         VALUES ($1,$2,$3,'proposal',0,$4,$5,$6,$7,$8,$9,$10,$11,$11,$12) RETURNING id",
    )
    .bind(&s.title).bind(&s.scope).bind(&s.related_numbers).bind(user).bind(s.org_id).bind(&s.drafting_orgs).bind(s.committee_id).bind(&novelty)
    .bind(&s.replaces).bind(now + model::stage_days("proposal").unwrap_or(30) * 86400).bind(now).bind(s.kind.as_str())
    .fetch_one(&mut *tx)
    .await?;
    workflow::start(&mut tx, app, &FLOW, id, &Actor::of(ctx)?, Step::action("propose")).await?;
    audit::log_tx(&mut tx, ctx, Entry { action: "spec.propose", target: format!("spec:{id}"), detail: s.title.clone() }).await?;
    tx.commit().await?;
    Ok(id)
}

/// Takes one step (`action`, with its note) on a specification, as the signed-in user: the
/// engine's checks (409 not in this stage, 403 not for this user), then what the stage needs,
/// then the stage's owner and due date; all or nothing.
pub async fn act(app: &App, ctx: &Ctx, id: i64, action: &str, note: &str) -> AppResult<Event> {
    let uid = ctx.require_user()?.id;
    let mut actor = Actor::of(ctx)?;
    if policy::in_working_group(app, uid, id).await? {
        actor = actor.with_scope(model::WORKING_GROUP);
    }
    let mut tx = app.db.begin().await?;
    let spec = get_tx(&mut tx, id).await?;
    if !model::kind_allows(&spec.kind, &spec.stage, action) {
        return Err(AppError::Conflict(ctx.t(&format!("specs.err_kind_{}", spec.kind))));
    }
    // Closing a vote writes its count into the event: the record of the result.
    let data = if spec.stage == "voting" { serde_json::to_value(super::vote::count_tx(&mut tx, &spec).await?).map_err(|e| AppError::Internal(e.into()))? } else { serde_json::json!({}) };
    let event = workflow::transition(&mut tx, app, &FLOW, id, spec.version, &actor, Step::action(action).note(note).data(data)).await?;
    after_step(&mut tx, app, ctx, &spec, &event).await?;
    super::group::settle(&mut tx, id, super::group::counts(&spec.kind, &spec.stage, &spec.number)).await?;
    audit::log_tx(&mut tx, ctx, Entry { action: "spec.step", target: format!("spec:{id}"), detail: format!("{action} → {}", event.to_state) }).await?;
    tx.commit().await?;
    if event.to_state == "published" {
        super::publish::into_catalogue(app, id).await?;
    }
    Ok(event)
}

/// Takes a step as the platform (a job: the clock brings a specification into force or
/// under periodic review, a stalled proposal is cancelled).
pub async fn act_as_system(app: &App, id: i64, action: &str, note: &str) -> AppResult<Event> {
    let mut tx = app.db.begin().await?;
    let spec = get_tx(&mut tx, id).await?;
    let event = workflow::transition(&mut tx, app, &FLOW, id, spec.version, &Actor::system(crate::web::Lang::Zh), Step::action(action).note(note)).await?;
    set_stage_due(&mut tx, &spec, &event.to_state).await?;
    super::group::settle(&mut tx, id, super::group::counts(&spec.kind, &spec.stage, &spec.number)).await?;
    tx.commit().await?;
    Ok(event)
}

async fn set_stage_due(tx: &mut Tx, spec: &Spec, stage: &str) -> AppResult<()> {
    let now = crate::util::now();
    let due = model::stage_days(stage).map(|d| now + d * 86400);
    // The proposer (the working group's lead) owns the drafting stages; staff own the others.
    let owner = matches!(stage, "drafting" | "consultation" | "reviewed").then_some(spec.created_by);
    sqlx::query("UPDATE specs SET stage_owner_id = $1, stage_due_at = $2, reminded_at = NULL, flagged_at = NULL WHERE id = $3")
        .bind(owner)
        .bind(due)
        .bind(spec.id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn after_step(tx: &mut Tx, _app: &App, ctx: &Ctx, spec: &Spec, e: &Event) -> AppResult<()> {
    let now = crate::util::now();
    match e.action.as_str() {
        "open_consultation" => {
            let drafts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM spec_drafts WHERE spec_id = $1").bind(spec.id).fetch_one(&mut **tx).await?;
            if drafts == 0 {
                return Err(AppError::Conflict(ctx.t("specs.err_no_draft")));
            }
            sqlx::query("UPDATE specs SET consultation_opened_at = $1, consultation_ends_at = $2 WHERE id = $3")
                .bind(now)
                .bind(now + model::CONSULTATION_MIN)
                .bind(spec.id)
                .execute(&mut **tx)
                .await?;
        }
        "submit_for_review" => {
            let ends = spec.consultation_ends_at.unwrap_or(i64::MAX);
            if now < ends {
                return Err(AppError::Conflict(ctx.tf("specs.err_consultation_open", &[("date", &crate::util::fmt_datetime(ends))])));
            }
        }
        "review_pass" => {
            let panel: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM spec_panel WHERE spec_id = $1").bind(spec.id).fetch_one(&mut **tx).await?;
            if panel == 0 {
                return Err(AppError::Conflict(ctx.t("specs.err_no_panel")));
            }
        }
        "open_vote" => super::vote::open_round(tx, ctx, spec).await?,
        "vote_fail" => {
            if super::vote::count_tx(tx, spec).await?.passed {
                return Err(AppError::Conflict(ctx.t("specs.err_vote_passed")));
            }
        }
        "publish" => {
            let year = crate::util::to_local(now).year();
            if spec.kind == "group" && !super::vote::count_tx(tx, spec).await?.passed {
                return Err(AppError::Conflict(ctx.t("specs.err_vote_not_passed")));
            }
            let serial: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(serial), 0) + 1 FROM specs WHERE kind = $1").bind(&spec.kind).fetch_one(&mut **tx).await?;
            let number = if spec.kind == "group" { model::group_number(&super::group::association_code(tx).await?, serial, year) } else { model::spec_number(serial, year) };
            sqlx::query("UPDATE specs SET serial = $1, number = $2, published_at = $3, review_due_at = $4 WHERE id = $5")
                .bind(serial)
                .bind(&number)
                .bind(now)
                .bind(now + model::REVIEW_EVERY)
                .bind(spec.id)
                .execute(&mut **tx)
                .await?;
        }
        "confirm" => {
            sqlx::query("UPDATE specs SET review_due_at = $1 WHERE id = $2").bind(now + model::REVIEW_EVERY).bind(spec.id).execute(&mut **tx).await?;
        }
        _ => {}
    }
    set_stage_due(tx, spec, &e.to_state).await
}

/// A draft version.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Draft {
    pub no: i64,
    pub body: String,
    pub created_by: i64,
    pub created_at: i64,
}

pub async fn drafts(app: &App, id: i64) -> AppResult<Vec<Draft>> {
    Ok(sqlx::query_as::<_, Draft>("SELECT no, body, created_by, created_at FROM spec_drafts WHERE spec_id = $1 ORDER BY no").bind(id).fetch_all(&app.db.pool).await?)
}

/// Adds the next draft version (the working group or staff, while drafting or after a review
/// returned it); answers its number.
pub async fn add_draft(app: &App, ctx: &Ctx, id: i64, body: &str) -> AppResult<i64> {
    let uid = ctx.require_user()?.id;
    let mut tx = app.db.begin().await?;
    let spec = get_tx(&mut tx, id).await?;
    if !matches!(spec.stage.as_str(), "drafting" | "reviewed") {
        return Err(AppError::Conflict(ctx.t("specs.err_not_drafting")));
    }
    let no: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(no), 0) + 1 FROM spec_drafts WHERE spec_id = $1").bind(id).fetch_one(&mut *tx).await?;
    sqlx::query("INSERT INTO spec_drafts (spec_id, no, body, created_by, created_at) VALUES ($1,$2,$3,$4,$5)")
        .bind(id).bind(no).bind(body).bind(uid).bind(crate::util::now())
        .execute(&mut *tx)
        .await?;
    audit::log_tx(&mut tx, ctx, Entry { action: "spec.draft", target: format!("spec:{id}"), detail: format!("v{no}") }).await?;
    tx.commit().await?;
    Ok(no)
}

/// A comment of the public consultation with the working group's answer.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Comment {
    pub id: i64,
    pub draft_no: i64,
    pub clause: String,
    /// general, technical or editorial.
    pub kind: String,
    pub body: String,
    pub proposed: String,
    /// The commenter's display name.
    pub author: String,
    pub created_at: i64,
    /// accepted, partly, not_accepted; empty until answered.
    pub answer: String,
    pub reason: String,
    pub answered_at: Option<i64>,
}

pub async fn comments(app: &App, id: i64) -> AppResult<Vec<Comment>> {
    Ok(sqlx::query_as::<_, Comment>(
        "SELECT c.id, c.draft_no, c.clause, c.kind, c.body, c.proposed, COALESCE(NULLIF(u.display_name, ''), u.username, '') AS author, c.created_at, \
         c.answer, c.reason, c.answered_at FROM spec_comments c LEFT JOIN users u ON u.id = c.user_id WHERE c.spec_id = $1 ORDER BY c.id",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await?)
}

/// A comment by anyone signed in, while the consultation is open (on the latest draft).
pub async fn comment(app: &App, ctx: &Ctx, id: i64, clause: &str, kind: CommentKind, body: &str, proposed: &str) -> AppResult<i64> {
    let uid = ctx.require_user()?.id;
    let mut tx = app.db.begin().await?;
    let spec = get_tx(&mut tx, id).await?;
    if spec.stage != "consultation" {
        return Err(AppError::Conflict(ctx.t("specs.err_not_consulting")));
    }
    let draft_no: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(no), 0) FROM spec_drafts WHERE spec_id = $1").bind(id).fetch_one(&mut *tx).await?;
    let cid: i64 = sqlx::query_scalar(
        "INSERT INTO spec_comments (spec_id, draft_no, clause, kind, body, proposed, user_id, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(id).bind(draft_no).bind(clause).bind(kind.as_str()).bind(body).bind(proposed).bind(uid).bind(crate::util::now())
    .fetch_one(&mut *tx)
    .await?;
    audit::log_tx(&mut tx, ctx, Entry { action: "spec.comment", target: format!("spec:{id}"), detail: format!("comment:{cid}") }).await?;
    tx.commit().await?;
    Ok(cid)
}

/// The working group's answer to one comment (again: the answer is replaced).
pub async fn answer(app: &App, ctx: &Ctx, id: i64, comment_id: i64, answer: Answer, reason: &str) -> AppResult<()> {
    let uid = ctx.require_user()?.id;
    let mut tx = app.db.begin().await?;
    let spec = get_tx(&mut tx, id).await?;
    if !matches!(spec.stage.as_str(), "consultation" | "review_submitted") {
        return Err(AppError::Conflict(ctx.t("specs.err_not_consulting")));
    }
    if answer != Answer::Accepted && reason.trim().is_empty() {
        return Err(AppError::invalid("reason", ctx.t("specs.err_reason")));
    }
    let r = sqlx::query("UPDATE spec_comments SET answer = $1, reason = $2, answered_by = $3, answered_at = $4 WHERE id = $5 AND spec_id = $6")
        .bind(answer.as_str()).bind(reason).bind(uid).bind(crate::util::now()).bind(comment_id).bind(id)
        .execute(&mut *tx)
        .await?;
    if r.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    audit::log_tx(&mut tx, ctx, Entry { action: "spec.answer", target: format!("spec:{id}"), detail: format!("comment:{comment_id} {}", answer.as_str()) }).await?;
    tx.commit().await?;
    Ok(())
}

/// One line of a list: a specification with its stage, owner and due date.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Line {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub stage: String,
    pub number: String,
    pub committee_id: Option<i64>,
    pub stage_due_at: Option<i64>,
    pub updated_at: i64,
}

/// Specifications of a stage (or all), of a committee (or any), newest change first.
/// With `public_only`, only the stages the public sees.
pub async fn list(app: &App, stage: Option<&str>, committee: Option<i64>, public_only: bool, offset: i64, limit: i64) -> AppResult<(Vec<Line>, i64)> {
    let stage = stage.unwrap_or("");
    let hidden = if public_only { "AND stage NOT IN ('proposal', 'approved', 'drafting', 'rejected', 'cancelled')" } else { "" };
    let count = format!("SELECT COUNT(*) FROM specs WHERE ($1 = '' OR stage = $1) AND ($2 < 0 OR committee_id = $2) {hidden}");
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count)).bind(stage).bind(committee.unwrap_or(-1)).fetch_one(&app.db.pool).await?;
    let sql = format!(
        "SELECT id, kind, title, stage, number, committee_id, stage_due_at, updated_at FROM specs WHERE ($1 = '' OR stage = $1) AND ($2 < 0 OR committee_id = $2) {hidden} \
         ORDER BY updated_at DESC, id DESC LIMIT $3 OFFSET $4"
    );
    let rows = sqlx::query_as::<_, Line>(sqlx::AssertSqlSafe(sql))
    .bind(stage)
    .bind(committee.unwrap_or(-1))
    .bind(limit)
    .bind(offset)
    .fetch_all(&app.db.pool)
    .await?;
    Ok((rows, total))
}

/// Specifications of a committee by stage (the secretary's dashboard).
pub async fn stage_counts(app: &App, committee: i64) -> AppResult<Vec<(String, i64)>> {
    Ok(sqlx::query_as("SELECT stage, COUNT(*) FROM specs WHERE committee_id = $1 GROUP BY stage ORDER BY stage").bind(committee).fetch_all(&app.db.pool).await?)
}

/// Overdue specifications owned by `owner` (`None`: the staff's).
pub async fn overdue(app: &App, owner: Option<i64>, now: i64) -> AppResult<Vec<Line>> {
    Ok(sqlx::query_as::<_, Line>(
        "SELECT id, kind, title, stage, number, committee_id, stage_due_at, updated_at FROM specs WHERE stage_due_at < $1 \
         AND (($2 < 0 AND stage_owner_id IS NULL) OR stage_owner_id = $2) ORDER BY stage_due_at LIMIT 200",
    )
    .bind(now)
    .bind(owner.unwrap_or(-1))
    .fetch_all(&app.db.pool)
    .await?)
}
