//! Attendance and the continuing-education hours ledger: staff or the session's teachers check enrolled people in from
//! the roster (from twelve hours before the start), which credits the session's hours to the
//! person in the same transaction; each person sees their hours by year, and staff see
//! anyone's. Also the day-before reminder job.

use super::store;
use crate::App;
use crate::jobs::notify::{self, Notice};
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, JsonIn, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

/// Check-in opens this long before the start.
pub const CHECK_IN_OPENS: i64 = 12 * 3600;

pub fn routes() -> Routes {
    Routes::new()
        .post("/training/{id}/attendance", Access::User, staff_check_in)
        .get("/staff/trainings/hours/{user}", Access::Staff, staff_ledger)
        .get("/training/hours", Access::User, my_ledger)
        .get("/training/org-hours", Access::User, org_totals)
        .post("/api/v1/trainings/{id}/attendance", Access::User, api_check_in)
        .get("/api/v1/me/training-hours", Access::User, api_my_hours)
}

/// Marks `user` present (crediting the session's hours) or absent (taking them back).
pub async fn check_in(app: &App, ctx: &Ctx, session: i64, user: i64, present: bool) -> AppResult<()> {
    let staff = ctx.require_user()?.id;
    let mut tx = app.db.begin().await?;
    let s = store::lock(&mut tx, session).await?;
    let now = crate::util::now();
    if !(s.status == "published" || s.status == "finished") {
        return Err(AppError::Conflict(ctx.t("training.err_checkin_state")));
    }
    if now < s.starts_at - CHECK_IN_OPENS {
        return Err(AppError::Conflict(ctx.t("training.err_checkin_early")));
    }
    let row: Option<(i64, String)> = sqlx::query_as("SELECT id, status FROM training_enrolments WHERE session_id = $1 AND user_id = $2")
        .bind(session)
        .bind(user)
        .fetch_optional(&mut *tx)
        .await?;
    let (id, status) = row.ok_or(AppError::NotFound)?;
    if status != "enrolled" {
        return Err(AppError::Conflict(ctx.t("training.err_checkin_not_enrolled")));
    }
    let hours: i64 = sqlx::query_scalar("SELECT hours FROM training_sessions WHERE id = $1").bind(session).fetch_one(&mut *tx).await?;
    if present {
        sqlx::query("UPDATE training_enrolments SET attended_at = COALESCE(attended_at, $1), checked_in_by = COALESCE(checked_in_by, $2), updated_at = $1 WHERE id = $3")
            .bind(now)
            .bind(staff)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let year = i64::from(crate::util::to_local(s.starts_at).year());
        sqlx::query(
            "INSERT INTO training_hours (user_id, session_id, year, hours, title, credited_at, credited_by) VALUES ($1,$2,$3,$4,$5,$6,$7) \
             ON CONFLICT (user_id, session_id) DO NOTHING",
        )
        .bind(user)
        .bind(session)
        .bind(year)
        .bind(hours)
        .bind(&s.title)
        .bind(now)
        .bind(staff)
        .execute(&mut *tx)
        .await?;
    } else {
        sqlx::query("UPDATE training_enrolments SET attended_at = NULL, checked_in_by = NULL, updated_at = $1 WHERE id = $2").bind(now).bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM training_hours WHERE user_id = $1 AND session_id = $2").bind(user).bind(session).execute(&mut *tx).await?;
    }
    let detail = format!("user:{user} {}", if present { "present" } else { "absent" });
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "training.attendance", target: format!("training:{session}"), detail }).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Deserialize)]
struct CheckInForm {
    user: Option<i64>,
    #[serde(default)]
    present: String,
}

async fn staff_check_in(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<CheckInForm>) -> AppResult<Response> {
    ctx.must(&app, &super::policy::SessionAct::Teach, id).await?;
    let user = f.user.ok_or_else(|| AppError::invalid("user", ctx.t("training.err_pick")))?;
    check_in(&app, &ctx, id, user, f.present == "1").await?;
    Ok(redirect_with_flash(&app, &format!("/training/{id}/roster"), "training_attendance"))
}

/// One credited line of the ledger.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct HoursEntry {
    pub session_id: Option<i64>,
    pub title: String,
    pub year: i64,
    pub hours: i64,
    /// Unix seconds.
    pub credited_at: i64,
}

/// A year of the ledger with its total.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HoursYear {
    pub year: i64,
    pub total: i64,
    pub entries: Vec<HoursEntry>,
}

/// A person's hours by year, latest year first.
pub async fn ledger(app: &App, user: i64) -> AppResult<Vec<HoursYear>> {
    let rows: Vec<HoursEntry> = sqlx::query_as(
        "SELECT session_id, title, year, hours, credited_at FROM training_hours WHERE user_id = $1 ORDER BY year DESC, credited_at, id",
    )
    .bind(user)
    .fetch_all(&app.db.pool)
    .await?;
    let mut years: Vec<HoursYear> = Vec::new();
    for r in rows {
        match years.last_mut() {
            Some(y) if y.year == r.year => {
                y.total += r.hours;
                y.entries.push(r);
            }
            _ => years.push(HoursYear { year: r.year, total: r.hours, entries: vec![r] }),
        }
    }
    Ok(years)
}

#[derive(Deserialize)]
struct YearQuery {
    year: Option<i64>,
}

async fn ledger_page(app: &App, ctx: &Ctx, user: i64, year: Option<i64>) -> AppResult<Response> {
    let (username, display_name): (String, String) =
        sqlx::query_as("SELECT username, display_name FROM users WHERE id = $1").bind(user).fetch_optional(&app.db.pool).await?.ok_or(AppError::NotFound)?;
    let all = ledger(app, user).await?;
    let years: Vec<i64> = all.iter().map(|y| y.year).collect();
    let shown: Vec<&HoursYear> = all.iter().filter(|y| year.is_none_or(|w| w == y.year)).collect();
    let now = crate::util::now();
    let certificates: Vec<_> = super::cert_store::of_user(app, user).await?.iter().map(|c| super::certificates::view(c, now)).collect();
    ctx.render(app, "training/hours.html", context! {
        certificates => certificates, person => if display_name.is_empty() { username.clone() } else { display_name }, username => username,
        years => years, year => year, ledger => shown, printed => crate::util::fmt_date(crate::util::now()),
    })
}

async fn my_ledger(State(app): State<App>, ctx: Ctx, Query(q): Query<YearQuery>) -> AppResult<Response> {
    let user = ctx.require_user()?.id;
    ledger_page(&app, &ctx, user, q.year).await
}

async fn staff_ledger(State(app): State<App>, ctx: Ctx, Path(user): Path<i64>, Query(q): Query<YearQuery>) -> AppResult<Response> {
    ledger_page(&app, &ctx, user, q.year).await
}

/// The hours of each user of the organisation the caller administers, in a year (this year
/// by default): the organisation's staff totals. Anyone else is told whom the page is for.
async fn org_totals(State(app): State<App>, ctx: Ctx, Query(q): Query<YearQuery>) -> AppResult<Response> {
    let Some(org) = super::policy::administered_org(&app, &ctx).await? else {
        // Not an organisation's administrator (or not acting for one): say what the page is for.
        return ctx.render(&app, "training/org_hours.html", context! { org => None::<()> });
    };
    let this_year = i64::from(crate::util::to_local(crate::util::now()).year());
    let year = q.year.filter(|y| (1990..=2200).contains(y)).unwrap_or(this_year);
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT u.username, u.email, CAST(COALESCE(SUM(h.hours), 0) AS BIGINT), COUNT(h.id) FROM org_users ou JOIN users u ON u.id = ou.user_id \
         LEFT JOIN training_hours h ON h.user_id = ou.user_id AND h.year = $2 WHERE ou.org_id = $1 GROUP BY u.username, u.email ORDER BY u.username",
    )
    .bind(org.id)
    .bind(year)
    .fetch_all(&app.db.pool)
    .await?;
    let total: i64 = rows.iter().map(|r| r.2).sum();
    let people: Vec<_> = rows.into_iter().map(|(username, email, hours, sessions)| serde_json::json!({ "username": username, "email": email, "hours": hours, "sessions": sessions })).collect();
    ctx.render(&app, "training/org_hours.html", context! { org => org, year => year, people => people, total => total, prev => year - 1, next => year + 1, this_year => this_year })
}

/// Marks a person present or absent (staff).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct AttendanceIn {
    pub user_id: i64,
    /// `true`: present (the session's hours are credited); `false`: takes it back.
    pub present: bool,
}

/// Checks an enrolled person in (staff or the session's teachers), from twelve hours before the start.
#[utoipa::path(post, path = "/api/v1/trainings/{id}/attendance", tag = "training", params(("id" = i64, Path)), request_body = AttendanceIn,
    responses((status = 204), (status = 404, description = "no such session or enrolment"), (status = 409, description = "not enrolled, or too early")))]
pub async fn api_check_in(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<AttendanceIn>) -> AppResult<StatusCode> {
    ctx.must(&app, &super::policy::SessionAct::Teach, id).await?;
    check_in(&app, &ctx, id, input.user_id, input.present).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HoursOut {
    pub years: Vec<HoursYear>,
}

/// The caller's continuing-education hours by year, latest first.
#[utoipa::path(get, path = "/api/v1/me/training-hours", tag = "training", responses((status = 200, body = HoursOut), (status = 401)))]
pub async fn api_my_hours(State(app): State<App>, ctx: Ctx) -> AppResult<Json<HoursOut>> {
    let user = ctx.require_user()?.id;
    Ok(Json(HoursOut { years: ledger(&app, user).await? }))
}

/// The `training_reminders` job: a reminder to everyone enrolled in a published session that
/// starts within a day, once.
pub async fn reminders_job(app: App, _id: i64, _payload: serde_json::Value) -> anyhow::Result<()> {
    send_reminders(&app).await?;
    Ok(())
}

pub async fn send_reminders(app: &App) -> AppResult<usize> {
    let now = crate::util::now();
    let due: Vec<(i64, i64, String, i64)> = sqlx::query_as(
        "SELECT e.id, e.user_id, s.title, s.starts_at FROM training_enrolments e JOIN training_sessions s ON s.id = e.session_id \
         WHERE e.status = 'enrolled' AND e.reminded_at IS NULL AND s.status = 'published' AND s.starts_at > $1 AND s.starts_at <= $2 ORDER BY e.id LIMIT 1000",
    )
    .bind(now)
    .bind(now + 24 * 3600)
    .fetch_all(&app.db.pool)
    .await?;
    let mut sent = 0;
    for (id, user, title, starts_at) in due {
        let mut tx = app.db.begin().await?;
        // The row is claimed in the transaction that queues its mail: a second server's run
        // finds it reminded and sends nothing.
        let claimed = sqlx::query("UPDATE training_enrolments SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL").bind(now).bind(id).execute(&mut *tx).await?;
        if claimed.rows_affected() == 1 {
            let when = crate::util::fmt_datetime(starts_at);
            let session: i64 = sqlx::query_scalar("SELECT session_id FROM training_enrolments WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
            let link = format!("/training/{session}");
            let args = [("title", title.as_str()), ("when", when.as_str())];
            notify::send(&mut tx, app, user, Notice { kind: "training", key: "training.notice_reminder", args: &args, link: &link, mail: true }).await?;
            sent += 1;
        }
        tx.commit().await?;
    }
    Ok(sent)
}
