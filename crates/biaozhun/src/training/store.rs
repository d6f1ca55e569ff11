//! The training room's SQL: sessions (with their workflow) and enrolments with the waiting
//! list. Every write is one transaction with its events, notices and mail.

use super::model::{EnrolmentStatus, SessionValues};
use crate::App;
use crate::db::Tx;
use crate::jobs::notify::{self, Notice};
use crate::web::{AppError, AppResult, Ctx};
use crate::workflow::{self, Actor, Step};
use serde::Serialize;
use sqlx::Row;

/// A session as lists, pages and the API show it, with its seat counts.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub summary: String,
    pub location: String,
    pub online_url: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub capacity: Option<i64>,
    pub fee_fen: i64,
    pub teachers: String,
    pub hours: i64,
    pub cancel_until: Option<i64>,
    pub status: String,
    pub version: i64,
    pub enrolled: i64,
    pub waiting: i64,
}

impl Session {
    /// Seats left (`None`: no limit).
    pub fn seats_left(&self) -> Option<i64> {
        self.capacity.map(|c| (c - self.enrolled).max(0))
    }
    /// Until when an enrolled person may cancel.
    pub fn cancel_deadline(&self) -> i64 {
        self.cancel_until.unwrap_or(self.starts_at)
    }
    /// Whether people may enrol now.
    pub fn open(&self, now: i64) -> bool {
        self.status == "published" && now < self.starts_at
    }
}

const COLUMNS: &str = "s.id, s.title, s.kind, s.summary, s.location, s.online_url, s.starts_at, s.ends_at, s.capacity, s.fee_fen, \
    s.teachers, s.hours, s.cancel_until, s.status, s.version, \
    (SELECT COUNT(*) FROM training_enrolments e WHERE e.session_id = s.id AND e.status = 'enrolled') AS enrolled, \
    (SELECT COUNT(*) FROM training_enrolments e WHERE e.session_id = s.id AND e.status = 'waitlisted') AS waiting";

/// Which sessions a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// Not yet ended, soonest first.
    Upcoming,
    /// Ended, latest first.
    Past,
}

/// Public sessions (published, finished or cancelled; never drafts) of a kind, upcoming or past.
pub async fn list(app: &App, kind: Option<&str>, when: When, limit: i64) -> AppResult<Vec<Session>> {
    let (cmp, order) = match when {
        When::Upcoming => (">=", "s.starts_at ASC, s.id ASC"),
        When::Past => ("<", "s.starts_at DESC, s.id DESC"),
    };
    let sql = format!(
        "SELECT {COLUMNS} FROM training_sessions s WHERE s.status <> 'draft' AND s.ends_at {cmp} $1 \
         AND ($2 = '' OR s.kind = $2) ORDER BY {order} LIMIT $3"
    );
    Ok(sqlx::query_as::<_, Session>(sqlx::AssertSqlSafe(sql)).bind(crate::util::now()).bind(kind.unwrap_or("")).bind(limit).fetch_all(&app.db.pool).await?)
}

/// Published sessions that have not ended, soonest first (the home page's box).
pub async fn upcoming(app: &App, limit: i64) -> AppResult<Vec<Session>> {
    let sql = format!("SELECT {COLUMNS} FROM training_sessions s WHERE s.status = 'published' AND s.ends_at >= $1 ORDER BY s.starts_at ASC, s.id ASC LIMIT $2");
    Ok(sqlx::query_as::<_, Session>(sqlx::AssertSqlSafe(sql)).bind(crate::util::now()).bind(limit).fetch_all(&app.db.pool).await?)
}

/// Every session, drafts included, latest first (staff).
pub async fn list_all(app: &App) -> AppResult<Vec<Session>> {
    let sql = format!("SELECT {COLUMNS} FROM training_sessions s ORDER BY s.starts_at DESC, s.id DESC LIMIT 500");
    Ok(sqlx::query_as::<_, Session>(sqlx::AssertSqlSafe(sql)).fetch_all(&app.db.pool).await?)
}

pub async fn get(app: &App, id: i64) -> AppResult<Session> {
    let sql = format!("SELECT {COLUMNS} FROM training_sessions s WHERE s.id = $1");
    sqlx::query_as::<_, Session>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&app.db.pool).await?.ok_or(AppError::NotFound)
}

fn invalid(ctx: &Ctx, (field, key): super::model::FieldError) -> AppError {
    AppError::invalid(field, ctx.t(key))
}

/// Creates a draft session; answers its id.
pub async fn create(app: &App, ctx: &Ctx, input: &super::model::SessionInput) -> AppResult<i64> {
    let v = input.check().map_err(|e| invalid(ctx, e))?;
    let actor = Actor::of(ctx)?;
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    let id: i64 = bind_values(sqlx::query(
        "INSERT INTO training_sessions (title, kind, summary, location, online_url, starts_at, ends_at, capacity, fee_fen, teachers, hours, \
         cancel_until, status, created_at, created_by, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,'draft',$13,$14,$13) RETURNING id",
    ), &v)
    .bind(now)
    .bind(actor.user_id())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    workflow::start(&mut tx, app, &super::FLOW, id, &actor, Step::action("create")).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "training.create", target: format!("training:{id}"), detail: v.title.clone() }).await?;
    tx.commit().await?;
    Ok(id)
}

/// Binds a session's values as `$1`…`$12` (title, kind, summary, location, online link,
/// start, end, capacity, fee, teachers, hours, cancellation deadline), as the INSERT and the
/// UPDATE list them.
fn bind_values<'q>(q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>, v: &'q SessionValues) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    q.bind(&v.title)
        .bind(v.kind.as_str())
        .bind(&v.summary)
        .bind(&v.location)
        .bind(&v.online_url)
        .bind(v.starts_at)
        .bind(v.ends_at)
        .bind(v.capacity)
        .bind(v.fee_fen)
        .bind(&v.teachers)
        .bind(v.hours)
        .bind(v.cancel_until)
}

/// Saves the editor's text over the version read (409 when someone saved or moved it first).
/// More seats move the waiting list up at once.
pub async fn update(app: &App, ctx: &Ctx, id: i64, input: &super::model::SessionInput) -> AppResult<()> {
    let v: SessionValues = input.check().map_err(|e| invalid(ctx, e))?;
    let version: i64 = input.version.as_deref().and_then(|s| s.trim().parse().ok()).ok_or_else(|| AppError::invalid("version", ctx.t("training.err_version")))?;
    let mut tx = app.db.begin().await?;
    lock(&mut tx, id).await?;
    let done = bind_values(sqlx::query(
        "UPDATE training_sessions SET title = $1, kind = $2, summary = $3, location = $4, online_url = $5, starts_at = $6, ends_at = $7, \
         capacity = $8, fee_fen = $9, teachers = $10, hours = $11, cancel_until = $12, updated_at = $13, version = version + 1 \
         WHERE id = $14 AND version = $15",
    ), &v)
    .bind(crate::util::now())
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict(ctx.t("training.err_stale")));
    }
    fill_seats(&mut tx, app, id).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "training.update", target: format!("training:{id}"), detail: v.title.clone() }).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a step of the session's lifecycle (publish, unpublish, finish, cancel).
pub async fn step(app: &App, ctx: &Ctx, id: i64, version: i64, action: &str, note: &str) -> AppResult<()> {
    let actor = Actor::of(ctx)?;
    let mut tx = app.db.begin().await?;
    workflow::transition(&mut tx, app, &super::FLOW, id, version, &actor, Step::action(action).note(note)).await?;
    tx.commit().await?;
    Ok(())
}

/// The flow's notices: a cancelled session is told to everyone enrolled or waiting.
pub fn tell_participants<'a>(tx: &'a mut Tx, app: &'a App, e: &'a workflow::Event) -> futures_util::future::BoxFuture<'a, AppResult<()>> {
    Box::pin(async move {
        if e.action != "cancel" {
            return Ok(());
        }
        let (title, starts_at): (String, i64) = sqlx::query_as("SELECT title, starts_at FROM training_sessions WHERE id = $1").bind(e.record_id).fetch_one(&mut **tx).await?;
        let people: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM training_enrolments WHERE session_id = $1 AND status IN ('enrolled','waitlisted') ORDER BY id")
            .bind(e.record_id)
            .fetch_all(&mut **tx)
            .await?;
        let when = crate::util::fmt_datetime(starts_at);
        let link = format!("/training/{}", e.record_id);
        for u in people {
            let args = [("title", title.as_str()), ("when", when.as_str()), ("reason", e.note.as_str())];
            notify::send(tx, app, u, Notice { kind: "training", key: "training.notice_cancelled", args: &args, link: &link, mail: true }).await?;
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------
// Enrolment

/// What an enrolment request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub status: EnrolmentStatus,
    /// Place on the waiting list (1 = next), for `waitlisted`.
    pub position: Option<i64>,
}

pub(super) struct Locked {
    pub title: String,
    pub status: String,
    pub starts_at: i64,
    capacity: Option<i64>,
    cancel_until: Option<i64>,
}

/// Takes the session's roster for the rest of the transaction: PostgreSQL locks the row
/// until commit, SQLite's writer already holds the database (`BEGIN IMMEDIATE`). Two
/// requests for the last seat are thus counted one after the other.
pub(super) async fn lock(tx: &mut Tx, id: i64) -> AppResult<Locked> {
    let n = sqlx::query("UPDATE training_sessions SET roster_version = roster_version + 1 WHERE id = $1").bind(id).execute(&mut **tx).await?.rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    let (title, status, starts_at, capacity, cancel_until): (String, String, i64, Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT title, status, starts_at, capacity, cancel_until FROM training_sessions WHERE id = $1").bind(id).fetch_one(&mut **tx).await?;
    Ok(Locked { title, status, starts_at, capacity, cancel_until })
}

async fn count(tx: &mut Tx, session: i64, status: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM training_enrolments WHERE session_id = $1 AND status = $2").bind(session).bind(status).fetch_one(&mut **tx).await
}

async fn position(tx: &mut Tx, session: i64, queue_no: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM training_enrolments WHERE session_id = $1 AND status = 'waitlisted' AND queue_no <= $2")
        .bind(session)
        .bind(queue_no)
        .fetch_one(&mut **tx)
        .await
}

fn notice_args(title: &str, starts_at: i64) -> (String, String) {
    (title.to_string(), crate::util::fmt_datetime(starts_at))
}

/// Enrols `user` in a session, or puts them on its waiting list when it is full. `by`: the
/// organisation administrator who enrols a user of the organisation (user id, organisation).
/// Enrolling again while enrolled or waiting answers the place held.
pub async fn enrol(app: &App, ctx: &Ctx, session: i64, user: i64, by: Option<(i64, i64)>) -> AppResult<Outcome> {
    let mut tx = app.db.begin().await?;
    let out = enrol_tx(&mut tx, app, ctx, session, user, by).await?;
    tx.commit().await?;
    Ok(out)
}

/// Enrols several users for an organisation in one transaction: all of them or, on a
/// refusal, none.
pub async fn enrol_many(app: &App, ctx: &Ctx, session: i64, users: &[i64], by: (i64, i64)) -> AppResult<Vec<Outcome>> {
    let mut tx = app.db.begin().await?;
    let mut out = Vec::with_capacity(users.len());
    for &u in users {
        out.push(enrol_tx(&mut tx, app, ctx, session, u, Some(by)).await?);
    }
    tx.commit().await?;
    Ok(out)
}

async fn enrol_tx(tx: &mut Tx, app: &App, ctx: &Ctx, session: i64, user: i64, by: Option<(i64, i64)>) -> AppResult<Outcome> {
    let s = lock(tx, session).await?;
    let now = crate::util::now();
    if s.status != "published" {
        return Err(if s.status == "draft" { AppError::NotFound } else { AppError::Conflict(ctx.t("training.err_not_open")) });
    }
    if now >= s.starts_at {
        return Err(AppError::Conflict(ctx.t("training.err_started")));
    }
    let mine: Option<(i64, String, i64, i64)> = sqlx::query_as("SELECT id, status, queue_no, version FROM training_enrolments WHERE session_id = $1 AND user_id = $2")
        .bind(session)
        .bind(user)
        .fetch_optional(&mut **tx)
        .await?;
    match &mine {
        Some((_, st, _, _)) if st == "enrolled" => return Ok(Outcome { status: EnrolmentStatus::Enrolled, position: None }),
        Some((_, st, q, _)) if st == "waitlisted" => {
            return Ok(Outcome { status: EnrolmentStatus::Waitlisted, position: Some(position(tx, session, *q).await?) });
        }
        _ => {}
    }
    let enrolled = count(tx, session, "enrolled").await?;
    let waiting = count(tx, session, "waitlisted").await?;
    let seat = s.capacity.is_none_or(|c| enrolled < c) && waiting == 0;
    let status = if seat { EnrolmentStatus::Enrolled } else { EnrolmentStatus::Waitlisted };
    let queue_no: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(queue_no), 0) + 1 FROM training_enrolments WHERE session_id = $1").bind(session).fetch_one(&mut **tx).await?;
    let (by_user, org) = (by.map(|b| b.0), by.map(|b| b.1));
    // The person themselves, or their organisation's administrator (the caller checked that
    // the user belongs to the organisation the administrator acts for).
    let actor = if by.is_some() { Actor::of(ctx)?.with_scope("org_admin") } else { Actor::of(ctx)? };
    let action = if seat { "enrol" } else { "waitlist" };
    match mine {
        Some((id, _, _, version)) => {
            workflow::transition(tx, app, &super::ENROLMENT_FLOW, id, version, &actor, Step::action(action)).await?;
            sqlx::query("UPDATE training_enrolments SET queue_no = $1, enrolled_by = $2, org_id = $3, updated_at = $4 WHERE id = $5")
                .bind(queue_no)
                .bind(by_user)
                .bind(org)
                .bind(now)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO training_enrolments (session_id, user_id, status, queue_no, enrolled_by, org_id, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id",
            )
            .bind(session)
            .bind(user)
            .bind(status.as_str())
            .bind(queue_no)
            .bind(by_user)
            .bind(org)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
            workflow::start(tx, app, &super::ENROLMENT_FLOW, id, &actor, Step::action(action)).await?;
        }
    }
    let pos = if seat { None } else { Some(position(tx, session, queue_no).await?) };
    let (title, when) = notice_args(&s.title, s.starts_at);
    let link = format!("/training/{session}");
    let pos_text = pos.unwrap_or(0).to_string();
    let args = [("title", title.as_str()), ("when", when.as_str()), ("position", pos_text.as_str())];
    let key = if seat { "training.notice_enrolled" } else { "training.notice_waitlisted" };
    notify::send(tx, app, user, Notice { kind: "training", key, args: &args, link: &link, mail: true }).await?;
    let detail = match by {
        Some((_, org)) => format!("{} user:{user} org:{org}", status.as_str()),
        None => status.as_str().to_string(),
    };
    crate::auth::audit::log_tx(tx, ctx, crate::auth::audit::Entry { action: "training.enrol", target: format!("training:{session}"), detail }).await?;
    Ok(Outcome { status, position: pos })
}

/// Cancels `user`'s enrolment or place on the waiting list. An enrolled person may cancel
/// until the session's deadline; the seat goes at once to the first person waiting, who is
/// told by mail. Answers 404 when the user holds no place.
pub async fn cancel(app: &App, ctx: &Ctx, session: i64, user: i64) -> AppResult<()> {
    cancel_as(app, ctx, session, user, false).await
}

/// Cancels for someone else (staff taking a person off the roster): the deadline does not
/// apply, and the person is told.
pub async fn cancel_for(app: &App, ctx: &Ctx, session: i64, user: i64) -> AppResult<()> {
    cancel_as(app, ctx, session, user, true).await
}

async fn cancel_as(app: &App, ctx: &Ctx, session: i64, user: i64, by_staff: bool) -> AppResult<()> {
    let mut tx = app.db.begin().await?;
    let s = lock(&mut tx, session).await?;
    let mine: Option<(i64, String, i64)> = sqlx::query_as("SELECT id, status, version FROM training_enrolments WHERE session_id = $1 AND user_id = $2 AND status IN ('enrolled','waitlisted')")
        .bind(session)
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?;
    let (id, status, version) = mine.ok_or(AppError::NotFound)?;
    let now = crate::util::now();
    if !by_staff && status == "enrolled" && now > s.cancel_until.unwrap_or(s.starts_at) {
        let deadline = crate::util::fmt_datetime(s.cancel_until.unwrap_or(s.starts_at));
        return Err(AppError::Conflict(ctx.tf("training.err_cancel_closed", &[("deadline", &deadline)])));
    }
    workflow::transition(&mut tx, app, &super::ENROLMENT_FLOW, id, version, &Actor::of(ctx)?, Step::action("cancel")).await?;
    sqlx::query("UPDATE training_enrolments SET attended_at = NULL, checked_in_by = NULL WHERE id = $1").bind(id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM training_hours WHERE user_id = $1 AND session_id = $2").bind(user).bind(session).execute(&mut *tx).await?;
    if by_staff {
        let (title, when) = notice_args(&s.title, s.starts_at);
        let link = format!("/training/{session}");
        let args = [("title", title.as_str()), ("when", when.as_str())];
        notify::send(&mut tx, app, user, Notice { kind: "training", key: "training.notice_removed", args: &args, link: &link, mail: true }).await?;
    }
    if status == "enrolled" && s.status == "published" {
        fill_seats(&mut tx, app, session).await?;
    }
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "training.cancel", target: format!("training:{session}"), detail: format!("user:{user} {status}{}", if by_staff { " by staff" } else { "" }) })
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Gives free seats to the waiting list in its order, telling each person moved up. The
/// caller holds the roster ([`lock`]).
async fn fill_seats(tx: &mut Tx, app: &App, session: i64) -> AppResult<()> {
    let (title, status, starts_at, capacity): (String, String, i64, Option<i64>) =
        sqlx::query_as("SELECT title, status, starts_at, capacity FROM training_sessions WHERE id = $1").bind(session).fetch_one(&mut **tx).await?;
    if status != "published" {
        return Ok(());
    }
    loop {
        let enrolled = count(tx, session, "enrolled").await?;
        if capacity.is_some_and(|c| enrolled >= c) {
            return Ok(());
        }
        let next: Option<(i64, i64, i64)> =
            sqlx::query_as("SELECT id, user_id, version FROM training_enrolments WHERE session_id = $1 AND status = 'waitlisted' ORDER BY queue_no LIMIT 1")
                .bind(session)
                .fetch_optional(&mut **tx)
                .await?;
        let Some((id, user, version)) = next else { return Ok(()) };
        let platform = Actor::system(crate::web::Lang::default());
        workflow::transition(tx, app, &super::ENROLMENT_FLOW, id, version, &platform, Step::action("promote")).await?;
        let (t, when) = notice_args(&title, starts_at);
        let link = format!("/training/{session}");
        let args = [("title", t.as_str()), ("when", when.as_str())];
        notify::send(tx, app, user, Notice { kind: "training", key: "training.notice_promoted", args: &args, link: &link, mail: true }).await?;
    }
}

/// The user's place in a session: their status and, when waiting, their position.
pub async fn place_of(app: &App, session: i64, user: i64) -> AppResult<Option<Outcome>> {
    let mine: Option<(String, i64)> = sqlx::query_as("SELECT status, queue_no FROM training_enrolments WHERE session_id = $1 AND user_id = $2")
        .bind(session)
        .bind(user)
        .fetch_optional(&app.db.pool)
        .await?;
    Ok(match mine {
        Some((st, _)) if st == "enrolled" => Some(Outcome { status: EnrolmentStatus::Enrolled, position: None }),
        Some((st, q)) if st == "waitlisted" => {
            let p: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM training_enrolments WHERE session_id = $1 AND status = 'waitlisted' AND queue_no <= $2")
                .bind(session)
                .bind(q)
                .fetch_one(&app.db.pool)
                .await?;
            Some(Outcome { status: EnrolmentStatus::Waitlisted, position: Some(p) })
        }
        _ => None,
    })
}

/// One line of a session's roster.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RosterLine {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub org_name: Option<String>,
    pub status: String,
    pub queue_no: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub attended_at: Option<i64>,
}

/// Everyone enrolled, then the waiting list in its order, then those who cancelled.
pub async fn roster(app: &App, session: i64) -> AppResult<Vec<RosterLine>> {
    Ok(sqlx::query_as::<_, RosterLine>(
        "SELECT e.user_id, u.username, u.display_name, u.email, o.name AS org_name, e.status, e.queue_no, e.created_at, e.updated_at, e.attended_at \
         FROM training_enrolments e JOIN users u ON u.id = e.user_id LEFT JOIN organisations o ON o.id = e.org_id WHERE e.session_id = $1 \
         ORDER BY CASE e.status WHEN 'enrolled' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, e.queue_no",
    )
    .bind(session)
    .fetch_all(&app.db.pool)
    .await?)
}

/// The places the users of an organisation hold in a session, by user id.
pub async fn places_of_users(app: &App, session: i64, users: &[i64]) -> AppResult<std::collections::HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT user_id, status FROM training_enrolments WHERE session_id = $1").bind(session).fetch_all(&app.db.pool).await?;
    Ok(rows.into_iter().filter(|(u, _)| users.contains(u)).collect())
}
