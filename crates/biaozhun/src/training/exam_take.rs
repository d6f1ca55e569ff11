//! Taking an exam: starting (or resuming) an attempt with its own draw, saving answers as the
//! candidate goes (one upsert per answer, the newer save winning by its sequence number), the
//! server's clock deciding the deadline, submitting (by the candidate, or by itself at the
//! deadline: on the next access or by the `exam_deadlines` job), marking (objective answers at
//! once, short answers by a teacher) and the certificate a pass earns, issued in the
//! transaction of the final mark.

use super::exam_model::{self as m, QuestionKind};
use super::exam_paper::{self, Exam};
use crate::App;
use crate::web::{AppError, AppResult, Ctx};
use rand::seq::SliceRandom;
use serde::Serialize;

/// An attempt as stored.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Attempt {
    pub id: i64,
    pub exam_id: i64,
    pub user_id: i64,
    pub number: i64,
    /// `open`, `submitted` (short answers wait for a teacher) or `marked`.
    pub status: String,
    pub started_at: i64,
    pub deadline: i64,
    pub submitted_at: Option<i64>,
    pub auto_submitted: i64,
    pub score: Option<i64>,
    pub max_score: i64,
    pub passed: Option<i64>,
    pub certificate_id: Option<i64>,
}

const COLUMNS: &str = "id, exam_id, user_id, number, status, started_at, deadline, submitted_at, auto_submitted, score, max_score, passed, certificate_id";

impl Attempt {
    /// Seconds left by the server's clock (0 once past).
    pub fn remaining(&self, now: i64) -> i64 {
        if self.status == "open" { (self.deadline - now).max(0) } else { 0 }
    }
    pub fn overdue(&self, now: i64) -> bool {
        self.status == "open" && now >= self.deadline
    }
}

pub async fn get(app: &App, id: i64) -> AppResult<Attempt> {
    let a: Option<Attempt> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM exam_attempts WHERE id = $1"))).bind(id).fetch_optional(&app.db.pool).await?;
    a.ok_or(AppError::NotFound)
}

/// A person's attempts at an exam, first first.
pub async fn of_user(app: &App, exam: i64, user: i64) -> AppResult<Vec<Attempt>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM exam_attempts WHERE exam_id = $1 AND user_id = $2 ORDER BY number"))).bind(exam).bind(user).fetch_all(&app.db.pool).await?)
}

/// The attempt, submitted first if its deadline has passed (the deadline is kept even when
/// nobody was there to see it).
pub async fn current(app: &App, ctx: &Ctx, id: i64) -> AppResult<Attempt> {
    let a = get(app, id).await?;
    if a.overdue(crate::util::now()) {
        submit(app, ctx, id, true).await?;
        return get(app, id).await;
    }
    Ok(a)
}

/// Why a person cannot start an attempt now, as an i18n key, or `None`.
pub fn refusal(exam: &Exam, attempts: &[Attempt], now: i64) -> Option<&'static str> {
    if attempts.iter().any(|a| a.passed == Some(1)) {
        Some("exam.err_passed")
    } else if attempts.iter().any(|a| a.status == "submitted") {
        Some("exam.err_waiting")
    } else if now < exam.opens_at {
        Some("exam.err_not_open")
    } else if now >= exam.closes_at {
        Some("exam.err_closed")
    } else if attempts.len() as i64 >= exam.max_attempts {
        Some("exam.err_no_attempts")
    } else {
        None
    }
}

/// Starts an attempt (answering `true`), or answers the one already open (a second tab, a reload): the draw is
/// made once and kept. 403 for someone the exam does not admit; 409 outside the window, past
/// the attempts allowed, or after a pass.
pub async fn start(app: &App, ctx: &Ctx, exam_id: i64) -> AppResult<(Attempt, bool)> {
    let user = ctx.require_user()?.id;
    let exam = exam_paper::get(app, exam_id).await?;
    if !exam_paper::admitted(app, &exam, user).await? {
        return Err(AppError::Forbidden);
    }
    for _ in 0..3 {
        let now = crate::util::now();
        let mut attempts = of_user(app, exam_id, user).await?;
        for a in attempts.iter_mut() {
            if a.overdue(now) {
                submit(app, ctx, a.id, true).await?;
                *a = get(app, a.id).await?;
            }
        }
        if let Some(open) = attempts.iter().find(|a| a.status == "open") {
            return Ok((open.clone(), false));
        }
        if let Some(key) = refusal(&exam, &attempts, now) {
            return Err(AppError::Conflict(ctx.t(key)));
        }
        let draw = draw(app, &exam).await?.ok_or_else(|| AppError::Conflict(ctx.t("exam.err_bank_short")))?;
        let deadline = (now + exam.time_limit).min(exam.closes_at);
        let mut tx = app.db.begin().await?;
        let inserted = sqlx::query_scalar::<_, i64>(
            "INSERT INTO exam_attempts (exam_id, user_id, number, status, started_at, deadline, max_score) VALUES ($1,$2,$3,'open',$4,$5,$6) RETURNING id",
        )
        .bind(exam_id)
        .bind(user)
        .bind(attempts.len() as i64 + 1)
        .bind(now)
        .bind(deadline)
        .bind(exam.max_score())
        .fetch_one(&mut *tx)
        .await;
        let id = match inserted {
            Ok(id) => id,
            // A second tab started the same attempt in the same instant: take that one.
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => continue,
            Err(e) => return Err(e.into()),
        };
        for (pos, (qid, order, points)) in draw.iter().enumerate() {
            sqlx::query("INSERT INTO exam_attempt_items (attempt_id, position, question_id, option_order, points) VALUES ($1,$2,$3,$4,$5)")
                .bind(id)
                .bind(pos as i64 + 1)
                .bind(qid)
                .bind(order)
                .bind(points)
                .execute(&mut *tx)
                .await?;
        }
        crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "exam.start", target: format!("exam_attempt:{id}"), detail: format!("exam:{exam_id}") }).await?;
        tx.commit().await?;
        return Ok((get(app, id).await?, true));
    }
    Err(AppError::Conflict(ctx.t("exam.err_busy")))
}

/// Draws a paper by the exam's rules: per rule, that many questions of the kind (and topic)
/// picked at random, none twice; then all of them shuffled, and each choice question's
/// options shuffled. Answers (question, option order, points), or `None` when the bank no
/// longer holds enough.
async fn draw(app: &App, exam: &Exam) -> AppResult<Option<Vec<(i64, String, i64)>>> {
    let pool: Vec<(i64, String, String, String)> =
        sqlx::query_as("SELECT id, kind, topic, options FROM exam_questions WHERE bank_id = $1 ORDER BY id").bind(exam.bank_id).fetch_all(&app.db.pool).await?;
    let mut rng = rand::thread_rng();
    let mut picked: Vec<(i64, String, i64)> = Vec::new();
    for r in exam.rules() {
        let fits: Vec<&(i64, String, String, String)> =
            pool.iter().filter(|q| q.1 == r.kind.as_str() && (r.topic.is_empty() || q.2 == r.topic) && !picked.iter().any(|p| p.0 == q.0)).collect();
        if (fits.len() as i64) < r.count {
            return Ok(None);
        }
        for q in fits.choose_multiple(&mut rng, r.count as usize) {
            let order = if r.kind.is_choice() { m::join(&m::shuffled(m::options_of(&q.3).len(), &mut rng)) } else { String::new() };
            picked.push((q.0, order, r.points));
        }
    }
    picked.shuffle(&mut rng);
    Ok(Some(picked))
}

/// One question of an attempt as the candidate sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemOut {
    /// The question's id (the `{question}` of the save).
    pub id: i64,
    pub position: i64,
    pub kind: QuestionKind,
    pub body: String,
    pub points: i64,
    /// In the order this candidate sees them; `key` is what an answer names.
    pub options: Vec<OptionOut>,
    /// The saved answer (option keys comma-separated, `true`/`false`, or text); empty when none.
    pub answer: String,
    /// The sequence number of the saved answer (0 when none).
    pub seq: i64,
    /// Points given; shown once the exam's window has closed (or to teachers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awarded: Option<i64>,
    /// Whether the answer earned all the points; with `awarded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub correct: Option<bool>,
    /// The key (letters as this candidate saw them, or `true`/`false`) and the explanation; with `awarded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OptionOut {
    /// The option's index in the bank (what an answer names).
    pub key: String,
    /// A, B, C… in this candidate's order.
    pub label: String,
    pub text: String,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    position: i64,
    option_order: String,
    points: i64,
    question_id: i64,
    kind: String,
    body: String,
    options: String,
    answer_key: String,
    explanation: String,
    answer: Option<String>,
    seq: Option<i64>,
    awarded: Option<i64>,
}

/// The questions of an attempt in the candidate's order, with the saved answers; with
/// `review`, the points given, right or wrong, the key and the explanation.
pub async fn items(app: &App, attempt: i64, review: bool) -> AppResult<Vec<ItemOut>> {
    let rows: Vec<ItemRow> = sqlx::query_as(
        "SELECT i.position, i.option_order, i.points, q.id AS question_id, q.kind, q.body, q.options, q.answer AS answer_key, q.explanation, a.answer, a.seq, a.awarded \
         FROM exam_attempt_items i JOIN exam_questions q ON q.id = i.question_id \
         LEFT JOIN exam_answers a ON a.attempt_id = i.attempt_id AND a.question_id = i.question_id WHERE i.attempt_id = $1 ORDER BY i.position",
    )
    .bind(attempt)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let kind = QuestionKind::parse(&r.kind).unwrap_or(QuestionKind::Short);
            let texts = m::options_of(&r.options);
            let order = m::split(&r.option_order);
            let options: Vec<OptionOut> = order
                .iter()
                .enumerate()
                .filter_map(|(shown, &orig)| texts.get(orig).map(|t| OptionOut { key: orig.to_string(), label: label(shown), text: t.clone() }))
                .collect();
            let key = review.then(|| match kind {
                QuestionKind::Single | QuestionKind::Multiple => {
                    let right = m::split(&r.answer_key);
                    options.iter().filter(|o| right.iter().any(|i| i.to_string() == o.key)).map(|o| o.label.clone()).collect()
                }
                _ => r.answer_key.clone(),
            });
            ItemOut {
                id: r.question_id,
                position: r.position,
                kind,
                body: r.body,
                points: r.points,
                options,
                answer: r.answer.unwrap_or_default(),
                seq: r.seq.unwrap_or(0),
                awarded: if review { r.awarded } else { None },
                correct: if review { r.awarded.map(|a| a == r.points) } else { None },
                key,
                explanation: review.then_some(r.explanation),
            }
        })
        .collect())
}

fn label(i: usize) -> String {
    char::from_u32('A' as u32 + i as u32).map(String::from).unwrap_or_default()
}

/// What a save did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SaveOut {
    /// `false` when a save with a higher sequence number was there first (nothing changed).
    pub applied: bool,
    /// The answer now stored, and its sequence number.
    pub answer: String,
    pub seq: i64,
    /// Seconds left by the server's clock.
    pub remaining_seconds: i64,
}

/// Saves one answer of the caller's open attempt: an upsert per attempt and question in one
/// transaction, which a newer save (a higher `seq`) is never overwritten by. `seq` defaults to
/// the server's clock in milliseconds. 409 once the deadline has passed or the attempt is
/// submitted; 404 for a question not in the attempt; 422 for an answer the question cannot
/// take.
pub async fn save(app: &App, ctx: &Ctx, attempt: i64, question: i64, given: &str, seq: Option<i64>) -> AppResult<SaveOut> {
    let user = ctx.require_user()?.id;
    let a = get(app, attempt).await?;
    if a.user_id != user {
        return Err(AppError::Forbidden);
    }
    let now = crate::util::now();
    let seq = seq.unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp_nanos() as i64 / 1_000_000);
    let mut tx = app.db.begin().await?;
    // Takes the attempt's row (a submit waits for this save, or this save for it) and checks
    // the deadline by the server's clock.
    let open = sqlx::query("UPDATE exam_attempts SET saves = saves + 1 WHERE id = $1 AND status = 'open' AND deadline > $2").bind(attempt).bind(now).execute(&mut *tx).await?;
    if open.rows_affected() != 1 {
        return Err(AppError::Conflict(ctx.t("exam.err_over")));
    }
    let q: Option<(String, String)> = sqlx::query_as("SELECT q.kind, q.options FROM exam_attempt_items i JOIN exam_questions q ON q.id = i.question_id WHERE i.attempt_id = $1 AND i.question_id = $2")
        .bind(attempt)
        .bind(question)
        .fetch_optional(&mut *tx)
        .await?;
    let (kind, options) = q.ok_or(AppError::NotFound)?;
    let kind = QuestionKind::parse(&kind).unwrap_or(QuestionKind::Short);
    let answer = m::normalise_answer(kind, m::options_of(&options).len(), given).map_err(|e| {
        AppError::invalid("answer", ctx.t(match e {
            m::AnswerError::TooLong => "exam.err_answer_long",
            _ => "exam.err_answer",
        }))
    })?;
    let done = sqlx::query(
        "INSERT INTO exam_answers (attempt_id, question_id, answer, seq, saved_at) VALUES ($1,$2,$3,$4,$5) \
         ON CONFLICT (attempt_id, question_id) DO UPDATE SET answer = excluded.answer, seq = excluded.seq, saved_at = excluded.saved_at WHERE exam_answers.seq < excluded.seq",
    )
    .bind(attempt)
    .bind(question)
    .bind(&answer)
    .bind(seq)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let (stored, stored_seq): (String, i64) =
        sqlx::query_as("SELECT answer, seq FROM exam_answers WHERE attempt_id = $1 AND question_id = $2").bind(attempt).bind(question).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(SaveOut { applied: done.rows_affected() == 1, answer: stored, seq: stored_seq, remaining_seconds: (a.deadline - now).max(0) })
}

/// Submits an attempt (the candidate's; `auto` at the deadline) and marks what can be marked;
/// a second submit changes nothing. With no short answer waiting, the final mark is given and,
/// on a pass, the exam's certificate issued, in the same transaction.
pub async fn submit(app: &App, ctx: &Ctx, attempt: i64, auto: bool) -> AppResult<()> {
    let mut last = None;
    // Two certificates issued in the same instant on PostgreSQL take the same serial: the
    // later transaction is rolled back whole and made again.
    for round in 0..20u64 {
        match submit_once(app, ctx, attempt, auto).await {
            Err(AppError::Conflict(msg)) if msg == ctx.t("certificate.err_busy") => {
                last = Some(AppError::Conflict(msg));
                let jitter = rand::Rng::gen_range(&mut rand::thread_rng(), 0..10 + 5 * round);
                tokio::time::sleep(std::time::Duration::from_millis(jitter)).await;
            }
            other => return other,
        }
    }
    Err(last.unwrap_or(AppError::Unavailable))
}

async fn submit_once(app: &App, ctx: &Ctx, attempt: i64, auto: bool) -> AppResult<()> {
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    let done = sqlx::query("UPDATE exam_attempts SET status = 'submitted', submitted_at = $1, auto_submitted = $2 WHERE id = $3 AND status = 'open'")
        .bind(now)
        .bind(i64::from(auto))
        .bind(attempt)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() != 1 {
        return Ok(());
    }
    let rows: Vec<(i64, i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT i.question_id, i.points, q.kind, q.answer, a.answer FROM exam_attempt_items i JOIN exam_questions q ON q.id = i.question_id \
         LEFT JOIN exam_answers a ON a.attempt_id = i.attempt_id AND a.question_id = i.question_id WHERE i.attempt_id = $1",
    )
    .bind(attempt)
    .fetch_all(&mut *tx)
    .await?;
    for (qid, points, kind, key, answer) in rows {
        let kind = QuestionKind::parse(&kind).unwrap_or(QuestionKind::Short);
        let given = answer.clone().unwrap_or_default();
        let awarded = m::mark(kind, &key, &given, points);
        if answer.is_some() {
            sqlx::query("UPDATE exam_answers SET awarded = $1 WHERE attempt_id = $2 AND question_id = $3").bind(awarded).bind(attempt).bind(qid).execute(&mut *tx).await?;
        } else {
            sqlx::query("INSERT INTO exam_answers (attempt_id, question_id, answer, seq, saved_at, awarded) VALUES ($1,$2,'',0,$3,$4)")
                .bind(attempt)
                .bind(qid)
                .bind(now)
                .bind(awarded)
                .execute(&mut *tx)
                .await?;
        }
    }
    let detail = if auto { "at the deadline" } else { "by the candidate" };
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "exam.submit", target: format!("exam_attempt:{attempt}"), detail: detail.into() }).await?;
    finish_if_marked(&mut tx, app, ctx, attempt).await?;
    tx.commit().await?;
    Ok(())
}

/// When every answer of a submitted attempt has its points: the score, pass or fail, and on a
/// pass the exam's certificate, in the caller's transaction.
async fn finish_if_marked(tx: &mut crate::db::Tx, app: &App, ctx: &Ctx, attempt: i64) -> AppResult<()> {
    let (pending, score): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(CASE WHEN awarded IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT), CAST(COALESCE(SUM(awarded), 0) AS BIGINT) FROM exam_answers WHERE attempt_id = $1",
    )
    .bind(attempt)
    .fetch_one(&mut **tx)
    .await?;
    if pending > 0 {
        return Ok(());
    }
    let (exam_id, user, status): (i64, i64, String) = sqlx::query_as("SELECT exam_id, user_id, status FROM exam_attempts WHERE id = $1").bind(attempt).fetch_one(&mut **tx).await?;
    if status != "submitted" {
        return Ok(());
    }
    // Read in the transaction: a second connection from the pool while this one holds the
    // write lock would wait on the other writers' transactions doing the same.
    let exam: Exam = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {} FROM exams WHERE id = $1", exam_paper::COLUMNS))).bind(exam_id).fetch_one(&mut **tx).await?;
    let passed = score >= exam.pass_mark;
    let mut certificate = None;
    if passed && let Some(kind) = &exam.cert_kind {
        let username: String = sqlx::query_scalar("SELECT username FROM users WHERE id = $1").bind(user).fetch_one(&mut **tx).await?;
        let input = super::cert_store::IssueInput { kind: kind.clone(), holder: username, title: exam.title.clone(), session: exam.session_id.to_string(), ..Default::default() };
        certificate = Some(super::cert_store::issue_in(tx, app, ctx, &input, None).await?.0);
    }
    sqlx::query("UPDATE exam_attempts SET status = 'marked', score = $1, passed = $2, certificate_id = $3 WHERE id = $4")
        .bind(score)
        .bind(i64::from(passed))
        .bind(certificate)
        .bind(attempt)
        .execute(&mut **tx)
        .await?;
    let link = format!("/training/attempts/{attempt}");
    let (s, p) = (score.to_string(), exam.pass_mark.to_string());
    let key = if passed { "exam.notice_passed" } else { "exam.notice_failed" };
    let args = [("title", exam.title.as_str()), ("score", s.as_str()), ("pass", p.as_str())];
    crate::jobs::notify::send(tx, app, user, crate::jobs::notify::Notice { kind: "training", key, args: &args, link: &link, mail: false }).await?;
    Ok(())
}

/// A teacher gives a short answer its points (0 to the question's points in the paper); the
/// last one marked gives the final mark (and the certificate on a pass) in the same
/// transaction. 409 for an attempt not waiting for marks or an answer marked already by the
/// final mark.
pub async fn give_points(app: &App, ctx: &Ctx, attempt: i64, question: i64, points: i64) -> AppResult<()> {
    let teacher = ctx.require_user()?.id;
    let mut tx = app.db.begin().await?;
    let row: Option<(String, i64, String)> = sqlx::query_as(
        "SELECT t.status, i.points, q.kind FROM exam_attempts t JOIN exam_attempt_items i ON i.attempt_id = t.id JOIN exam_questions q ON q.id = i.question_id \
         WHERE t.id = $1 AND i.question_id = $2",
    )
    .bind(attempt)
    .bind(question)
    .fetch_optional(&mut *tx)
    .await?;
    let (status, max, kind) = row.ok_or(AppError::NotFound)?;
    if status != "submitted" || kind != "short" {
        return Err(AppError::Conflict(ctx.t("exam.err_not_marking")));
    }
    if !(0..=max).contains(&points) {
        return Err(AppError::invalid("points", ctx.tf("exam.err_number", &[("min", "0"), ("max", &max.to_string())])));
    }
    sqlx::query("UPDATE exam_answers SET awarded = $1, marked_by = $2 WHERE attempt_id = $3 AND question_id = $4").bind(points).bind(teacher).bind(attempt).bind(question).execute(&mut *tx).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "exam.mark", target: format!("exam_attempt:{attempt}"), detail: format!("question:{question} points:{points}") }).await?;
    finish_if_marked(&mut tx, app, ctx, attempt).await?;
    tx.commit().await?;
    Ok(())
}

/// Short answers waiting for a teacher in an exam, oldest submission first.
#[derive(Debug, Serialize, sqlx::FromRow)]
pub struct Pending {
    pub attempt_id: i64,
    pub question_id: i64,
    pub username: String,
    pub body: String,
    pub reference: String,
    pub answer: String,
    pub points: i64,
}

pub async fn marking_queue(app: &App, exam: i64) -> AppResult<Vec<Pending>> {
    Ok(sqlx::query_as(
        "SELECT t.id AS attempt_id, q.id AS question_id, u.username, q.body, q.answer AS reference, a.answer, i.points \
         FROM exam_attempts t JOIN users u ON u.id = t.user_id JOIN exam_answers a ON a.attempt_id = t.id \
         JOIN exam_attempt_items i ON i.attempt_id = t.id AND i.question_id = a.question_id JOIN exam_questions q ON q.id = a.question_id \
         WHERE t.exam_id = $1 AND t.status = 'submitted' AND a.awarded IS NULL ORDER BY t.submitted_at, t.id, i.position LIMIT 200",
    )
    .bind(exam)
    .fetch_all(&app.db.pool)
    .await?)
}

/// The staff work queue's line: short answers waiting for a teacher's marks, linked to the
/// marking queue of the exam with the oldest.
pub async fn staff_todo(app: &App, ctx: &Ctx) -> AppResult<crate::web::domain::Todo> {
    let (count, oldest): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(t.submitted_at) FROM exam_answers a JOIN exam_attempts t ON t.id = a.attempt_id WHERE t.status = 'submitted' AND a.awarded IS NULL",
    )
    .fetch_one(&app.db.pool)
    .await?;
    let exam: Option<i64> = match oldest {
        Some(at) => sqlx::query_scalar("SELECT exam_id FROM exam_attempts WHERE status = 'submitted' AND submitted_at = $1 ORDER BY id LIMIT 1").bind(at).fetch_optional(&app.db.pool).await?,
        None => None,
    };
    let href = exam.map_or_else(|| "/training/exam-banks".to_string(), |e| format!("/training/exams/{e}/marking"));
    let note = oldest.map(|t| ctx.tf("exam.todo_oldest", &[("date", &crate::util::fmt_datetime(t))]));
    Ok(crate::web::domain::Todo { label: ctx.t("exam.todo_marking"), count, href, note, also: None, order: 42 })
}

/// The context jobs act in: no signed-in person, the default language.
pub fn system_ctx() -> Ctx {
    Ctx {
        user: None,
        lang: crate::web::Lang::Zh,
        csrf: String::new(),
        ip: String::new(),
        path: String::new(),
        query: String::new(),
        flash: None,
        remembered_account: None,
        is_api: false,
        user_agent: String::new(),
    }
}

/// The `exam_deadlines` job (every minute): submits the attempts whose deadline has passed,
/// so a candidate who never comes back still gets their mark.
pub async fn deadlines_job(app: App, _id: i64, _payload: serde_json::Value) -> anyhow::Result<()> {
    close_due(&app).await?;
    Ok(())
}

pub async fn close_due(app: &App) -> AppResult<usize> {
    let due: Vec<i64> = sqlx::query_scalar("SELECT id FROM exam_attempts WHERE status = 'open' AND deadline <= $1 ORDER BY deadline LIMIT 500")
        .bind(crate::util::now())
        .fetch_all(&app.db.pool)
        .await?;
    let ctx = system_ctx();
    for id in &due {
        submit(app, &ctx, *id, true).await?;
    }
    Ok(due.len())
}
