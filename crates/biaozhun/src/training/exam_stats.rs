//! Statistics of an exam for its teachers: per question drawn in submitted attempts, how many
//! answered it, how many got it right, and for a choice question how often each option was
//! picked; drawn as SVG bars by the chart kit.

use super::exam_model::{self as m, QuestionKind};
use crate::App;
use crate::web::AppResult;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct QuestionStats {
    pub question_id: i64,
    pub kind: String,
    pub body: String,
    /// Submitted attempts that drew it.
    pub drawn: i64,
    /// Of those, how many gave an answer.
    pub answered: i64,
    /// How many earned all its points.
    pub correct: i64,
    /// `correct / drawn` in whole percent (0 when nobody drew it).
    pub correct_rate: i64,
    /// Per option (bank order): its letter and text, how many picked it, whether it is right.
    pub options: Vec<(String, String, i64, bool)>,
    /// The options as a bar chart (SVG), for choice questions.
    pub chart: String,
}

#[derive(Debug, Serialize)]
pub struct ExamStats {
    pub attempts: i64,
    pub marked: i64,
    pub passed: i64,
    pub average: i64,
    pub questions: Vec<QuestionStats>,
    /// The correct rate of every question as a bar chart (SVG).
    pub chart: String,
}

pub async fn of_exam(app: &App, exam: i64, title: &str, chart_title: &str) -> AppResult<ExamStats> {
    let (attempts, marked, passed, total): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN status = 'marked' THEN 1 ELSE 0 END), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN passed = 1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
         CAST(COALESCE(SUM(CASE WHEN status = 'marked' THEN score ELSE 0 END), 0) AS BIGINT) FROM exam_attempts WHERE exam_id = $1 AND status <> 'open'",
    )
    .bind(exam)
    .fetch_one(&app.db.pool)
    .await?;
    let rows: Vec<(i64, String, String, String, String, i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT q.id, q.kind, q.body, q.options, q.answer, i.points, COALESCE(a.answer, ''), a.awarded FROM exam_attempts t \
         JOIN exam_attempt_items i ON i.attempt_id = t.id JOIN exam_questions q ON q.id = i.question_id \
         LEFT JOIN exam_answers a ON a.attempt_id = t.id AND a.question_id = q.id WHERE t.exam_id = $1 AND t.status <> 'open' ORDER BY q.id",
    )
    .bind(exam)
    .fetch_all(&app.db.pool)
    .await?;
    let mut questions: Vec<QuestionStats> = Vec::new();
    for (qid, kind, body, options, key, points, answer, awarded) in rows {
        if questions.last().is_none_or(|q| q.question_id != qid) {
            let texts = m::options_of(&options);
            let right = m::split(&key);
            let opts = texts.iter().enumerate().map(|(i, t)| (letter(i), t.clone(), 0, right.contains(&i))).collect();
            questions.push(QuestionStats { question_id: qid, kind: kind.clone(), body: body.clone(), drawn: 0, answered: 0, correct: 0, correct_rate: 0, options: opts, chart: String::new() });
        }
        let Some(q) = questions.last_mut() else { continue };
        q.drawn += 1;
        if !answer.is_empty() {
            q.answered += 1;
        }
        if awarded == Some(points) && points > 0 {
            q.correct += 1;
        }
        if QuestionKind::parse(&kind).is_some_and(|k| k.is_choice()) {
            for i in m::split(&answer) {
                if let Some(o) = q.options.get_mut(i) {
                    o.2 += 1;
                }
            }
        }
    }
    for q in questions.iter_mut() {
        q.correct_rate = if q.drawn > 0 { q.correct * 100 / q.drawn } else { 0 };
        if !q.options.is_empty() {
            let bars: Vec<(String, i64, bool)> = q.options.iter().map(|(l, t, n, right)| (format!("{l}. {t}"), *n, *right)).collect();
            q.chart = crate::web::chart::bar(&crate::util::shorten(&q.body, 60), &bars);
        }
    }
    let bars: Vec<(String, i64, bool)> = questions.iter().map(|q| (q.body.clone(), q.correct_rate, q.correct_rate < 50)).collect();
    let chart = if bars.is_empty() { String::new() } else { crate::web::chart::bar(&format!("{title} · {chart_title}"), &bars) };
    Ok(ExamStats { attempts, marked, passed, average: if marked > 0 { total / marked } else { 0 }, questions, chart })
}

fn letter(i: usize) -> String {
    char::from_u32('A' as u32 + i as u32).map(String::from).unwrap_or_default()
}
