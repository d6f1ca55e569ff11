//! Expert review of applications: staff assign reviewers (users with the Expert role; a
//! panel drawn from the expert pool becomes assignments through [`assign_panel`]); an
//! assigned expert first declares whether they have a conflict of interest (a conflict
//! removes them), then reads the application and submits a scoring sheet (one transaction:
//! the lines, the reviewer's totals and the step's event); staff close the review, which
//! aggregates the sheets per the programme's rule and, for a graded programme, gives the grade.

use super::model::{self, Config, NoScore};
use super::policy::{self, Application as Act};
use super::store::{self, Application};
use crate::App;
use crate::auth::Role;
use crate::auth::scopes::{self, ScopedRole};
use crate::db::Tx;
use crate::web::{AppError, AppResult, Ctx};
use crate::workflow::{self, Actor, Step};
use serde::Serialize;
use std::collections::BTreeMap;

/// Makes a panel the application's reviewers, in the caller's transaction: each user gets
/// the scoped role `reviewer` on ("application", id), a pending declaration and a notice;
/// the step `assign` records the panel. This is where a panel drawn from the expert pool
/// (the experts room's random draw) becomes assignments. Users already assigned are kept as
/// they are. Answers the users newly assigned.
pub async fn assign_panel(tx: &mut Tx, app: &App, ctx: &Ctx, id: i64, panel: &[i64]) -> AppResult<Vec<i64>> {
    let (actor, _) = policy::actor(app, ctx, id).await?;
    let by = actor.user_id();
    let version = store::current_version(tx, id).await?;
    let a = store::get(&mut **tx, id).await?;
    if a.state != "expert_review" {
        return Err(AppError::Conflict(ctx.t("programmes.err_not_in_review")));
    }
    let now = crate::util::now();
    let mut added = Vec::new();
    for &user in panel {
        let n = sqlx::query(
            "INSERT INTO application_reviewers (application_id, user_id, coi, assigned_by, assigned_at) VALUES ($1,$2,'pending',$3,$4) \
             ON CONFLICT (application_id, user_id) DO NOTHING",
        )
        .bind(id)
        .bind(user)
        .bind(by)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        if n.rows_affected() == 0 {
            continue;
        }
        scopes::grant(tx, user, ScopedRole::Reviewer, &policy::application_scope(id), by).await?;
        let link = format!("/review/applications/{id}");
        let notice = crate::jobs::notify::Notice { kind: "programme_review", key: "programmes.notice_review", args: &[("title", a.title.as_str())], link: &link, mail: true };
        crate::jobs::notify::send(tx, app, user, notice).await?;
        added.push(user);
    }
    if !added.is_empty() {
        workflow::transition(tx, app, &super::FLOW, id, version, &actor, Step::action("assign").data(serde_json::json!({ "reviewers": added }))).await?;
    }
    Ok(added)
}

/// Staff assign one expert by account name (422 naming `username` for no such expert).
pub async fn assign_named(app: &App, ctx: &Ctx, id: i64, username: &str) -> AppResult<()> {
    ctx.must(app, &Act::Manage, id).await?;
    let account = crate::auth::store::find_by_account(app, username.trim()).await?.filter(|_| !username.trim().is_empty());
    let Some(account) = account else { return Err(AppError::invalid("username", ctx.t("programmes.err_unknown_user"))) };
    let roles = crate::auth::store::roles_of(app, account.id).await?;
    if !roles.contains(&Role::Expert) {
        return Err(AppError::invalid("username", ctx.t("programmes.err_not_expert")));
    }
    let mut tx = app.db.begin().await?;
    assign_panel(&mut tx, app, ctx, id, &[account.id]).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "programmes.reviewer_assign", target: format!("application:{id}"), detail: format!("user:{}", account.id) }).await?;
    tx.commit().await?;
    Ok(())
}

/// What staff ask when they draw a panel for an application from the expert pool.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct DrawForm {
    /// ICS codes or industries, separated by `;`, `,` or spaces.
    #[serde(default)]
    pub fields: String,
    #[serde(default)]
    pub count: u32,
    #[serde(default)]
    pub backups: u32,
    /// The review's date (`YYYY-MM-DD`): experts away then are left out.
    #[serde(default)]
    pub date: String,
}

/// Staff draw the panel from the expert pool (the experts room's replayable draw, recorded
/// there with its seed and snapshot): the applicant's organisation and the experts already
/// on this application's panel are avoided, only experts who keep their profile here are
/// eligible (they sign in to declare and score), and the panel drawn becomes the
/// application's reviewers through [`assign_panel`] in the same transaction. Answers the
/// draw's id.
pub async fn draw_panel(app: &App, ctx: &Ctx, id: i64, f: &DrawForm) -> AppResult<i64> {
    ctx.must(app, &Act::Manage, id).await?;
    let a = store::get(&app.db.pool, id).await?;
    let org = crate::orgs::store::get(&app.db.pool, a.org_id).await?;
    let mut tx = app.db.begin().await?;
    let current: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM application_reviewers WHERE application_id = $1").bind(id).fetch_all(&mut *tx).await?;
    let req = crate::experts::model::DrawRequest {
        fields: f.fields.split([';', ',', '；', '，', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect(),
        count: f.count,
        backups: f.backups,
        avoid_organisations: if org.uscc.is_empty() { vec![] } else { vec![org.uscc.clone()] },
        avoid_experts: crate::experts::store::of_accounts(&mut tx, &current).await?,
        date: Some(f.date.trim().to_string()).filter(|d| !d.is_empty()),
        title: crate::util::shorten(&format!("{} · {}", a.org_name, a.title), 200),
        ..Default::default()
    };
    let (d, users) = crate::experts::draw::draw_accounts(&mut tx, app, ctx, req).await?;
    assign_panel(&mut tx, app, ctx, id, &users).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "programmes.reviewer_draw", target: format!("application:{id}"), detail: format!("expert_draw:{} users {:?}", d.id, users) }).await?;
    tx.commit().await?;
    Ok(d.id)
}

/// An assigned expert declares: no conflict (they may then read and score), or a conflict
/// with its reason (they leave the panel: the scoped role is taken back).
pub async fn declare(app: &App, ctx: &Ctx, id: i64, conflict: bool, note: &str) -> AppResult<()> {
    ctx.must(app, &Act::Declare, id).await?;
    let (actor, standing) = policy::actor(app, ctx, id).await?;
    if !standing.assigned {
        return Err(AppError::Conflict(ctx.t("programmes.err_declared")));
    }
    if conflict && note.trim().is_empty() {
        return Err(AppError::invalid("note", ctx.t("programmes.err_coi_reason")));
    }
    let user = ctx.require_user()?.id;
    let mut tx = app.db.begin().await?;
    let version = store::current_version(&mut tx, id).await?;
    let coi = if conflict { "conflict" } else { "none" };
    let n = sqlx::query("UPDATE application_reviewers SET coi = $1, coi_note = $2, declared_at = $3 WHERE application_id = $4 AND user_id = $5 AND coi = 'pending'")
        .bind(coi)
        .bind(crate::util::shorten(note.trim(), 2000))
        .bind(crate::util::now())
        .bind(id)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    if n.rows_affected() == 0 {
        return Err(AppError::Conflict(ctx.t("programmes.err_declared")));
    }
    workflow::transition(&mut tx, app, &super::FLOW, id, version, &actor, Step::action("declare").note(note).data(serde_json::json!({ "coi": coi }))).await?;
    if conflict {
        scopes::revoke(&mut tx, user, ScopedRole::Reviewer, &policy::application_scope(id)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A reviewer submits their sheet (criterion → (points or "na", comment)): the lines, the
/// totals and the step `score` in one transaction; a sheet sent again replaces the first
/// while the review is open.
pub async fn score(app: &App, ctx: &Ctx, id: i64, given: &BTreeMap<String, (String, String)>) -> AppResult<model::Sheet> {
    ctx.must(app, &Act::Score, id).await?;
    let (actor, _) = policy::actor(app, ctx, id).await?;
    let user = ctx.require_user()?.id;
    let a = store::get(&app.db.pool, id).await?;
    let t = store::type_by_id(&app.db.pool, a.type_id).await?;
    let (lines, sheet) = model::check_sheet(&t.config, given).map_err(|p| store::problem(ctx, p))?;
    let mut tx = app.db.begin().await?;
    let version = store::current_version(&mut tx, id).await?;
    sqlx::query("DELETE FROM application_scores WHERE application_id = $1 AND user_id = $2").bind(id).bind(user).execute(&mut *tx).await?;
    for l in &lines {
        sqlx::query("INSERT INTO application_scores (application_id, user_id, criterion, points, na, comment) VALUES ($1,$2,$3,$4,$5,$6)")
            .bind(id)
            .bind(user)
            .bind(&l.criterion)
            .bind(l.points)
            .bind(i64::from(l.na))
            .bind(&l.comment)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE application_reviewers SET total_base = $1, total_bonus = $2, scored_at = $3 WHERE application_id = $4 AND user_id = $5")
        .bind(sheet.base)
        .bind(sheet.bonus)
        .bind(crate::util::now())
        .bind(id)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    let data = serde_json::json!({ "base": sheet.base, "bonus": sheet.bonus });
    workflow::transition(&mut tx, app, &super::FLOW, id, version, &actor, Step::action("score").data(data)).await?;
    tx.commit().await?;
    Ok(sheet)
}

/// Closing the review (in the step's transaction): every reviewer without a conflict has
/// scored, at least one; the sheets aggregate per the programme; a graded programme gets
/// its grade from the threshold table. Answers the event's data.
pub async fn close(tx: &mut Tx, ctx: &Ctx, a: &Application, c: &Config) -> AppResult<serde_json::Value> {
    let rows: Vec<(Option<i64>, Option<i64>)> =
        sqlx::query_as("SELECT total_base, total_bonus FROM application_reviewers WHERE application_id = $1 AND coi <> 'conflict'").bind(a.id).fetch_all(&mut **tx).await?;
    let missing = rows.iter().filter(|(b, _)| b.is_none()).count();
    if missing > 0 {
        return Err(AppError::Conflict(ctx.tf("programmes.err_sheets_missing", &[("n", &missing.to_string())])));
    }
    let sheets: Vec<model::Sheet> = rows.iter().map(|(b, n)| model::Sheet { base: b.unwrap_or(0), bonus: n.unwrap_or(0) }).collect();
    let agg = match model::aggregate(c.aggregation, c.consensus_spread, &sheets) {
        Ok(s) => s,
        Err(NoScore::NoSheets) => return Err(AppError::Conflict(ctx.t("programmes.err_no_sheets"))),
        Err(NoScore::Disagree { spread }) => {
            return Err(AppError::Conflict(ctx.tf("programmes.err_disagree", &[("spread", &model::fmt_points(spread)), ("max", &c.consensus_spread.to_string())])));
        }
    };
    let grade = match c.grading.as_deref().and_then(model::thresholds) {
        // Thresholds are whole points: a score counts with its fraction cut off.
        Some(t) => t.grade(agg.base / 100, agg.total() / 100).unwrap_or("").to_string(),
        None => String::new(),
    };
    sqlx::query("UPDATE applications SET score_base = $1, score_bonus = $2, grade = $3 WHERE id = $4").bind(agg.base).bind(agg.bonus).bind(&grade).bind(a.id).execute(&mut **tx).await?;
    Ok(serde_json::json!({ "base": agg.base, "bonus": agg.bonus, "grade": grade, "sheets": sheets.len() }))
}

/// A reviewer of the panel as the staff page shows them.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Reviewer {
    pub user_id: i64,
    pub username: String,
    pub coi: String,
    pub coi_note: String,
    pub total_base: Option<i64>,
    pub total_bonus: Option<i64>,
    pub scored_at: Option<i64>,
}

pub async fn panel(app: &App, id: i64) -> AppResult<Vec<Reviewer>> {
    Ok(sqlx::query_as::<_, Reviewer>(
        "SELECT r.user_id, u.username, r.coi, r.coi_note, r.total_base, r.total_bonus, r.scored_at FROM application_reviewers r \
         JOIN users u ON u.id = r.user_id WHERE r.application_id = $1 ORDER BY r.assigned_at, u.username",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await?)
}

/// The reviewer's own sheet lines (criterion → (points, na, comment)).
pub async fn my_sheet(app: &App, id: i64, user: i64) -> AppResult<BTreeMap<String, (i64, bool, String)>> {
    let rows: Vec<(String, i64, i64, String)> = sqlx::query_as("SELECT criterion, points, na, comment FROM application_scores WHERE application_id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .fetch_all(&app.db.pool)
        .await?;
    Ok(rows.into_iter().map(|(c, p, na, cm)| (c, (p, na != 0, cm))).collect())
}

/// The applications assigned to an expert and waiting for their declaration: (id, title,
/// applicant) — what they need to know to declare.
pub async fn pending_for(app: &App, user: i64) -> AppResult<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.title, o.name FROM application_reviewers r JOIN applications a ON a.id = r.application_id JOIN organisations o ON o.id = a.org_id \
         WHERE r.user_id = $1 AND r.coi = 'pending' ORDER BY r.assigned_at",
    )
    .bind(user)
    .fetch_all(&app.db.pool)
    .await?)
}

/// The actor of a reviewer on the application (for pages offering the review's buttons).
pub async fn reviewer_actor(app: &App, ctx: &Ctx, id: i64) -> AppResult<Actor> {
    Ok(policy::actor(app, ctx, id).await?.0)
}
