//! Exams (papers): which bank, the rules the paper is drawn by, the time limit, the pass mark,
//! the attempts allowed, the window, who may sit (enrolled or attended people of the session)
//! and the certificate a pass earns. Staff set them up; the draw itself is per attempt
//! (`exam_take`).

use super::exam_model::{self as m, DrawRule};
use crate::App;
use crate::web::{AppError, AppResult, Ctx};
use serde::{Deserialize, Serialize};

/// An exam as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Exam {
    pub id: i64,
    pub session_id: i64,
    pub bank_id: i64,
    pub title: String,
    pub rules: String,
    /// Seconds.
    pub time_limit: i64,
    pub pass_mark: i64,
    pub max_attempts: i64,
    pub opens_at: i64,
    pub closes_at: i64,
    /// `enrolled` or `attended`.
    pub admit: String,
    pub cert_kind: Option<String>,
}

pub const COLUMNS: &str = "id, session_id, bank_id, title, rules, time_limit, pass_mark, max_attempts, opens_at, closes_at, admit, cert_kind";

impl Exam {
    pub fn rules(&self) -> Vec<DrawRule> {
        serde_json::from_str(&self.rules).unwrap_or_default()
    }
    pub fn max_score(&self) -> i64 {
        m::max_score(&self.rules())
    }
    pub fn is_open(&self, now: i64) -> bool {
        self.opens_at <= now && now < self.closes_at
    }
    /// Per-question right and wrong are shown once the window has closed.
    pub fn review_open(&self, now: i64) -> bool {
        now >= self.closes_at
    }
    pub fn view(&self, now: i64) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        v["minutes"] = (self.time_limit / 60).into();
        v["max_score"] = self.max_score().into();
        v["open"] = self.is_open(now).into();
        v["rules_list"] = serde_json::to_value(self.rules()).unwrap_or_default();
        v
    }
}

pub async fn get(app: &App, id: i64) -> AppResult<Exam> {
    let e: Option<Exam> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM exams WHERE id = $1"))).bind(id).fetch_optional(&app.db.pool).await?;
    e.ok_or(AppError::NotFound)
}

pub async fn of_session(app: &App, session: i64) -> AppResult<Vec<Exam>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM exams WHERE session_id = $1 ORDER BY opens_at, id"))).bind(session).fetch_all(&app.db.pool).await?)
}

/// The exam form (and the API's body), as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ExamInput {
    #[serde(default)]
    pub session: String,
    #[serde(default)]
    pub bank: String,
    #[serde(default)]
    pub title: String,
    /// One rule a line: `kind count points [topic]` (kind `single`, `multiple`, `truefalse`, `short`).
    #[serde(default)]
    pub rules: String,
    /// Minutes, 1–600.
    #[serde(default)]
    pub minutes: String,
    #[serde(default)]
    pub pass_mark: String,
    #[serde(default)]
    pub max_attempts: String,
    /// Local `YYYY-MM-DDTHH:MM` or RFC 3339.
    #[serde(default)]
    pub opens_at: String,
    #[serde(default)]
    pub closes_at: String,
    /// `enrolled` or `attended`.
    #[serde(default)]
    pub admit: String,
    /// A certificate kind (`cert_store::KINDS`) issued on passing, or empty for none.
    #[serde(default)]
    pub cert_kind: String,
}

fn number(ctx: &Ctx, field: &str, text: &str, range: std::ops::RangeInclusive<i64>) -> AppResult<i64> {
    text.trim().parse::<i64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
        AppError::invalid(field, ctx.tf("exam.err_number", &[("min", &range.start().to_string()), ("max", &range.end().to_string())]))
    })
}

/// Checks the form against the bank (each rule must find enough questions) and creates the
/// exam in one transaction; answers its id.
pub async fn create(app: &App, ctx: &Ctx, f: &ExamInput) -> AppResult<i64> {
    let session = number(ctx, "session", &f.session, 1..=i64::MAX)?;
    super::store::get(app, session).await.map_err(|_| AppError::invalid("session", ctx.t("exam.err_session")))?;
    let bank = number(ctx, "bank", &f.bank, 1..=i64::MAX)?;
    super::exam_bank::bank(app, bank).await.map_err(|_| AppError::invalid("bank", ctx.t("exam.err_bank")))?;
    let title = f.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::invalid("title", ctx.t("exam.err_title")));
    }
    let rules = m::parse_rules(&f.rules).map_err(|line| AppError::invalid("rules", ctx.tf("exam.err_rules", &[("line", &line.to_string())])))?;
    for r in &rules {
        let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exam_questions WHERE bank_id = $1 AND kind = $2 AND ($3 = '' OR topic = $3)")
            .bind(bank)
            .bind(r.kind.as_str())
            .bind(&r.topic)
            .fetch_one(&app.db.pool)
            .await?;
        if have < r.count {
            let args = [("kind", r.kind.as_str()), ("topic", r.topic.as_str()), ("want", &r.count.to_string()), ("have", &have.to_string())];
            return Err(AppError::invalid("rules", ctx.tf("exam.err_rules_short", &args)));
        }
    }
    let minutes = number(ctx, "minutes", &f.minutes, 1..=600)?;
    let max = m::max_score(&rules);
    let pass_mark = number(ctx, "pass_mark", &f.pass_mark, 0..=max)?;
    let attempts = if f.max_attempts.trim().is_empty() { 1 } else { number(ctx, "max_attempts", &f.max_attempts, 1..=20)? };
    let opens_at = super::model::parse_time(&f.opens_at).ok_or_else(|| AppError::invalid("opens_at", ctx.t("exam.err_time")))?;
    let closes_at = super::model::parse_time(&f.closes_at).ok_or_else(|| AppError::invalid("closes_at", ctx.t("exam.err_time")))?;
    if closes_at <= opens_at {
        return Err(AppError::invalid("closes_at", ctx.t("exam.err_window")));
    }
    let admit = match f.admit.trim() {
        "" | "enrolled" => "enrolled",
        "attended" => "attended",
        _ => return Err(AppError::invalid("admit", ctx.t("exam.err_admit"))),
    };
    let cert_kind = match f.cert_kind.trim() {
        "" => None,
        k if super::cert_store::default_years(k).is_some() => Some(k.to_string()),
        _ => return Err(AppError::invalid("cert_kind", ctx.t("certificate.err_kind"))),
    };
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO exams (session_id, bank_id, title, rules, time_limit, pass_mark, max_attempts, opens_at, closes_at, admit, cert_kind, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING id",
    )
    .bind(session)
    .bind(bank)
    .bind(title)
    .bind(serde_json::to_string(&rules).unwrap_or_default())
    .bind(minutes * 60)
    .bind(pass_mark)
    .bind(attempts)
    .bind(opens_at)
    .bind(closes_at)
    .bind(admit)
    .bind(cert_kind)
    .bind(ctx.user_id())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "exam.create", target: format!("exam:{id}"), detail: format!("session:{session} bank:{bank}") }).await?;
    tx.commit().await?;
    Ok(id)
}

/// Whether `user` may sit `exam`: enrolled in its session (and checked in, when the exam
/// admits attended people only).
pub async fn admitted(app: &App, exam: &Exam, user: i64) -> AppResult<bool> {
    let row: Option<(String, Option<i64>)> = sqlx::query_as("SELECT status, attended_at FROM training_enrolments WHERE session_id = $1 AND user_id = $2")
        .bind(exam.session_id)
        .bind(user)
        .fetch_optional(&app.db.pool)
        .await?;
    Ok(match row {
        Some((status, attended)) => status == "enrolled" && (exam.admit != "attended" || attended.is_some()),
        None => false,
    })
}
