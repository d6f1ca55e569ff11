//! Question banks: the importer of the workbooks associations keep (a sheet with 题型, 题目,
//! 选项A…选项F, 答案, 分值, 知识点, 解析, or the same in English), read through the
//! `imports/` kit, each bad row reported with its line and column; and the bank's records
//! (a question is known by its text within its bank, so importing again updates it).

use super::exam_model::{self as m, KeyError, QuestionKind};
use crate::App;
use crate::config::ImportLimits;
use crate::imports::{self, Problem, Refusal, Table};
use crate::web::{AppError, AppResult};
use serde::Serialize;

/// The longest question text kept, in characters.
pub const MAX_BODY: usize = 2000;
/// The longest option text kept.
pub const MAX_OPTION: usize = 500;

/// A question as read from a file or the editor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionIn {
    pub line: usize,
    pub kind: QuestionKind,
    pub body: String,
    pub options: Vec<String>,
    /// The stored form of the key (`exam_model::parse_key`).
    pub answer: String,
    pub points: i64,
    pub topic: String,
    pub explanation: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Kind,
    Body,
    Option(usize),
    Answer,
    Points,
    Topic,
    Explanation,
}

fn column_of(header: &str) -> Option<Col> {
    let h: String = header.trim().trim_start_matches('\u{feff}').to_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
    Some(match h.as_str() {
        "题型" | "题目类型" | "试题类型" | "类型" | "type" | "kind" | "questiontype" => Col::Kind,
        "题目" | "题干" | "试题" | "题目内容" | "试题内容" | "问题" | "question" | "stem" | "body" | "text" => Col::Body,
        "答案" | "正确答案" | "标准答案" | "参考答案" | "answer" | "correctanswer" | "key" => Col::Answer,
        "分值" | "分数" | "得分" | "points" | "score" | "marks" => Col::Points,
        "知识点" | "分类" | "章节" | "类别" | "主题" | "topic" | "category" | "chapter" => Col::Topic,
        "解析" | "答案解析" | "试题解析" | "explanation" | "analysis" => Col::Explanation,
        _ => {
            let letter = h.strip_prefix("选项").or_else(|| h.strip_prefix("option")).or_else(|| h.strip_prefix("opt")).unwrap_or(&h);
            let mut cs = letter.chars();
            match (cs.next(), cs.next()) {
                (Some(c), None) if ('a'..='f').contains(&c) => Col::Option((c as u8 - b'a') as usize),
                _ => return None,
            }
        }
    })
}

/// Reads a bank file (XLSX, CSV/TSV in UTF-8, UTF-16 or GBK, gzip of those) into questions
/// and the problems of the rows that cannot be kept. A pure function of the bytes and the
/// bounds: no I/O, no panics (the fuzz target `exam_bank_import` holds it to that).
pub fn parse(bytes: &[u8], limits: &ImportLimits) -> Result<(Vec<QuestionIn>, Vec<Problem>), Refusal> {
    let read = imports::read(bytes, limits, imports::cell_text)?;
    let mut problems = read.problems;
    let rows = match read.table {
        Table::Rows(rows) => rows,
        Table::Lines(_) => {
            problems.push(Problem::new(1, "", "exam_no_header"));
            return Ok((Vec::new(), problems));
        }
    };
    let mut rows = rows.into_iter();
    let Some(header) = rows.next() else {
        return Ok((Vec::new(), problems));
    };
    let cols: Vec<Option<Col>> = header.cells.iter().map(|h| column_of(h)).collect();
    let name_of = |c: Col| -> String { cols.iter().position(|x| *x == Some(c)).map(|i| header.cells[i].trim().to_string()).unwrap_or_default() };
    if !cols.contains(&Some(Col::Body)) || !cols.contains(&Some(Col::Kind)) || !cols.contains(&Some(Col::Answer)) {
        problems.push(Problem::new(header.line, "", "exam_no_header").arg("found", header.cells.join(", ")));
        return Ok((Vec::new(), problems));
    }
    let mut out: Vec<QuestionIn> = Vec::new();
    for row in rows {
        if row.cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: Col| -> &str { cols.iter().position(|x| *x == Some(c)).and_then(|i| row.cells.get(i)).map(|s| s.trim()).unwrap_or("") };
        let line = row.line;
        let kind_text = cell(Col::Kind);
        let Some(kind) = QuestionKind::from_label(kind_text) else {
            problems.push(Problem::new(line, name_of(Col::Kind), "exam_bad_kind").arg("text", kind_text));
            continue;
        };
        let body = cell(Col::Body).to_string();
        if body.is_empty() {
            problems.push(Problem::new(line, name_of(Col::Body), "exam_no_body"));
            continue;
        }
        if body.chars().count() > MAX_BODY {
            problems.push(Problem::new(line, name_of(Col::Body), "exam_too_long").arg("max", MAX_BODY));
            continue;
        }
        let mut options: Vec<String> = Vec::new();
        let mut gap = None;
        for i in 0..m::MAX_OPTIONS {
            let t = cell(Col::Option(i));
            if t.is_empty() {
                gap.get_or_insert(i);
            } else {
                if gap.is_some() || t.chars().count() > MAX_OPTION || t.contains('\n') {
                    gap = Some(usize::MAX);
                    break;
                }
                options.push(t.to_string());
            }
        }
        if kind.is_choice() {
            if gap == Some(usize::MAX) {
                let col = name_of(Col::Option(options.len())).if_empty(|| name_of(Col::Option(0)));
                problems.push(Problem::new(line, col, "exam_bad_options").arg("max", MAX_OPTION));
                continue;
            }
            if options.len() < 2 {
                problems.push(Problem::new(line, name_of(Col::Option(options.len().min(1))).if_empty(|| name_of(Col::Body)), "exam_few_options"));
                continue;
            }
        } else {
            options.clear();
        }
        let answer_text = cell(Col::Answer);
        let answer = match m::parse_key(kind, answer_text, options.len()) {
            Ok(a) => a,
            Err(e) => {
                let code = match e {
                    KeyError::Empty => "exam_no_answer",
                    KeyError::Unreadable => "exam_bad_answer",
                    KeyError::OutOfRange(_) => "exam_answer_range",
                    KeyError::SeveralForSingle => "exam_answer_several",
                };
                problems.push(Problem::new(line, name_of(Col::Answer), code).arg("text", answer_text).arg("n", options.len()));
                continue;
            }
        };
        let points_text = cell(Col::Points);
        let points = if points_text.is_empty() {
            1
        } else {
            match points_text.parse::<f64>() {
                Ok(p) if p.fract() == 0.0 && (1.0..=100.0).contains(&p) => p as i64,
                _ => {
                    problems.push(Problem::new(line, name_of(Col::Points), "exam_bad_points").arg("text", points_text));
                    continue;
                }
            }
        };
        if let Some(first) = out.iter().find(|q| q.body == body) {
            problems.push(Problem::new(line, name_of(Col::Body), "exam_duplicate").arg("first", first.line));
            continue;
        }
        let topic: String = cell(Col::Topic).chars().take(100).collect();
        let explanation: String = cell(Col::Explanation).chars().take(MAX_BODY).collect();
        out.push(QuestionIn { line, kind, body, options, answer, points, topic, explanation });
    }
    Ok((out, problems))
}

trait IfEmpty {
    fn if_empty(self, f: impl FnOnce() -> String) -> String;
}
impl IfEmpty for String {
    fn if_empty(self, f: impl FnOnce() -> String) -> String {
        if self.is_empty() { f() } else { self }
    }
}

// ---------------------------------------------------------------------------------------
// Records

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Bank {
    pub id: i64,
    pub title: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Question {
    pub id: i64,
    pub bank_id: i64,
    pub kind: String,
    pub body: String,
    pub options: String,
    pub answer: String,
    pub points: i64,
    pub topic: String,
    pub explanation: String,
    pub version: i64,
}

impl Question {
    pub fn kind(&self) -> QuestionKind {
        QuestionKind::parse(&self.kind).unwrap_or(QuestionKind::Short)
    }
    /// The question as a teacher's page shows it: options lettered, the key in letters.
    pub fn view(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        v["option_list"] = m::options_of(&self.options).into();
        v["key"] = match self.kind() {
            QuestionKind::Single | QuestionKind::Multiple => m::letters(&self.answer).into(),
            _ => self.answer.clone().into(),
        };
        v
    }
}

pub const QUESTION_COLUMNS: &str = "id, bank_id, kind, body, options, answer, points, topic, explanation, version";

pub async fn banks(app: &App) -> AppResult<Vec<(Bank, i64)>> {
    let rows: Vec<Bank> = sqlx::query_as("SELECT id, title, created_at, updated_at FROM exam_banks ORDER BY id DESC").fetch_all(&app.db.pool).await?;
    let counts: Vec<(i64, i64)> = sqlx::query_as("SELECT bank_id, COUNT(*) FROM exam_questions GROUP BY bank_id").fetch_all(&app.db.pool).await?;
    Ok(rows.into_iter().map(|b| {
        let n = counts.iter().find(|c| c.0 == b.id).map_or(0, |c| c.1);
        (b, n)
    }).collect())
}

pub async fn bank(app: &App, id: i64) -> AppResult<Bank> {
    let b: Option<Bank> = sqlx::query_as("SELECT id, title, created_at, updated_at FROM exam_banks WHERE id = $1").bind(id).fetch_optional(&app.db.pool).await?;
    b.ok_or(AppError::NotFound)
}

pub async fn create_bank(app: &App, ctx: &crate::web::Ctx, title: &str) -> AppResult<i64> {
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::invalid("title", ctx.t("exam.err_bank_title")));
    }
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO exam_banks (title, created_by, created_at, updated_at) VALUES ($1,$2,$3,$3) RETURNING id")
        .bind(title)
        .bind(ctx.user_id())
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "exam.bank_create", target: format!("exam_bank:{id}"), detail: title.to_string() }).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn questions(app: &App, bank: i64) -> AppResult<Vec<Question>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {QUESTION_COLUMNS} FROM exam_questions WHERE bank_id = $1 ORDER BY topic, kind, id")))
        .bind(bank)
        .fetch_all(&app.db.pool)
        .await?)
}

pub async fn question(app: &App, id: i64) -> AppResult<Question> {
    let q: Option<Question> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {QUESTION_COLUMNS} FROM exam_questions WHERE id = $1"))).bind(id).fetch_optional(&app.db.pool).await?;
    q.ok_or(AppError::NotFound)
}

/// What an import did.
#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub problems: Vec<Problem>,
}

/// Keeps the good rows of a file in one transaction: a question whose text the bank holds
/// already is updated (its version raised when something changed), others are added.
pub async fn store(app: &App, ctx: &crate::web::Ctx, bank: i64, rows: &[QuestionIn]) -> AppResult<ImportReport> {
    let mut report = ImportReport::default();
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    sqlx::query("UPDATE exam_banks SET updated_at = $1 WHERE id = $2").bind(now).bind(bank).execute(&mut *tx).await?;
    for q in rows {
        let options = q.options.join("\n");
        let old: Option<(i64, String, String, String, i64, String, String)> =
            sqlx::query_as("SELECT id, kind, options, answer, points, topic, explanation FROM exam_questions WHERE bank_id = $1 AND body = $2")
                .bind(bank)
                .bind(&q.body)
                .fetch_optional(&mut *tx)
                .await?;
        match old {
            Some((id, kind, o, a, p, t, e)) => {
                if (kind.as_str(), o.as_str(), a.as_str(), p, t.as_str(), e.as_str()) == (q.kind.as_str(), options.as_str(), q.answer.as_str(), q.points, q.topic.as_str(), q.explanation.as_str()) {
                    report.unchanged += 1;
                    continue;
                }
                sqlx::query("UPDATE exam_questions SET kind = $1, options = $2, answer = $3, points = $4, topic = $5, explanation = $6, version = version + 1, updated_at = $7 WHERE id = $8")
                    .bind(q.kind.as_str())
                    .bind(&options)
                    .bind(&q.answer)
                    .bind(q.points)
                    .bind(&q.topic)
                    .bind(&q.explanation)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                report.updated += 1;
            }
            None => {
                sqlx::query("INSERT INTO exam_questions (bank_id, kind, body, options, answer, points, topic, explanation, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)")
                    .bind(bank)
                    .bind(q.kind.as_str())
                    .bind(&q.body)
                    .bind(&options)
                    .bind(&q.answer)
                    .bind(q.points)
                    .bind(&q.topic)
                    .bind(&q.explanation)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                report.created += 1;
            }
        }
    }
    let detail = format!("created {} updated {} unchanged {}", report.created, report.updated, report.unchanged);
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "exam.bank_import", target: format!("exam_bank:{bank}"), detail }).await?;
    tx.commit().await?;
    Ok(report)
}

/// Saves one question from the editor (`id` `None`: a new one), the version read guarding
/// against a second editor (409).
pub async fn save_question(app: &App, ctx: &crate::web::Ctx, bank: i64, id: Option<i64>, version: i64, q: &QuestionIn) -> AppResult<i64> {
    let now = crate::util::now();
    let options = q.options.join("\n");
    let mut tx = app.db.begin().await?;
    let clash: Option<i64> = sqlx::query_scalar("SELECT id FROM exam_questions WHERE bank_id = $1 AND body = $2").bind(bank).bind(&q.body).fetch_optional(&mut *tx).await?;
    if clash.is_some_and(|c| Some(c) != id) {
        return Err(AppError::invalid("body", ctx.t("exam.err_body_taken")));
    }
    let qid = match id {
        Some(id) => {
            let done = sqlx::query(
                "UPDATE exam_questions SET kind = $1, body = $2, options = $3, answer = $4, points = $5, topic = $6, explanation = $7, version = version + 1, updated_at = $8 \
                 WHERE id = $9 AND bank_id = $10 AND version = $11",
            )
            .bind(q.kind.as_str())
            .bind(&q.body)
            .bind(&options)
            .bind(&q.answer)
            .bind(q.points)
            .bind(&q.topic)
            .bind(&q.explanation)
            .bind(now)
            .bind(id)
            .bind(bank)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                return Err(AppError::Conflict(ctx.t("exam.err_question_changed")));
            }
            id
        }
        None => sqlx::query_scalar("INSERT INTO exam_questions (bank_id, kind, body, options, answer, points, topic, explanation, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id")
            .bind(bank)
            .bind(q.kind.as_str())
            .bind(&q.body)
            .bind(&options)
            .bind(&q.answer)
            .bind(q.points)
            .bind(&q.topic)
            .bind(&q.explanation)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?,
    };
    sqlx::query("UPDATE exam_banks SET updated_at = $1 WHERE id = $2").bind(now).bind(bank).execute(&mut *tx).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "exam.question_save", target: format!("exam_question:{qid}"), detail: format!("bank:{bank}") }).await?;
    tx.commit().await?;
    Ok(qid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sheet_with_chinese_headings_and_bad_rows() {
        let csv = "题型,题干,选项A,选项B,选项C,选项D,答案,分值,知识点,解析\n\
                   单选题,标准的代号是？,GB,ISO,IEC,ITU,A,2,标准化法,国家标准\n\
                   多选题,哪些是国际组织？,GB,ISO,IEC,,\"B,C\",3,国际,\n\
                   判断题,团体标准可以自愿采用。,,,,,√,,团体标准,\n\
                   填空题,什么？,,,,,x,1,,\n\
                   单选题,缺选项,只有一个,,,,A,1,,\n\
                   单选题,答案越界,甲,乙,,,D,1,,\n\
                   简答题,简述标准化的作用。,,,,,提高质量,10,,\n\
                   单选题,标准的代号是？,GB,ISO,,,B,2,,\n";
        let (rows, problems) = parse(csv.as_bytes(), &ImportLimits::default()).unwrap();
        assert_eq!(rows.len(), 4, "{rows:?}");
        assert_eq!(rows[0].answer, "0");
        assert_eq!(rows[1].answer, "1,2");
        assert_eq!((rows[2].answer.as_str(), rows[2].points), ("true", 1));
        assert_eq!(rows[3].kind, QuestionKind::Short);
        let got: Vec<(usize, &str, &str)> = problems.iter().map(|p| (p.line, p.column.as_str(), p.code.as_str())).collect();
        assert_eq!(got, vec![(5, "题型", "exam_bad_kind"), (6, "选项B", "exam_few_options"), (7, "答案", "exam_answer_range"), (9, "题干", "exam_duplicate")]);
    }

    /// The fuzz target's seeds read as expected (an XLSX sheet, CSV, TSV), and truncated or
    /// flipped copies of them never panic (the fuzz target's property, on stable).
    #[test]
    fn the_fuzz_seeds_read_and_damaged_copies_do_not_panic() {
        let limits = ImportLimits::default();
        let seeds: [(&[u8], usize, usize); 3] = [
            (include_bytes!("../../fuzz/seeds/exam_bank_import/basic.xlsx"), 4, 1),
            (include_bytes!("../../fuzz/seeds/exam_bank_import/basic.csv"), 4, 1),
            (include_bytes!("../../fuzz/seeds/exam_bank_import/english.tsv"), 2, 1),
        ];
        for (bytes, kept, refused) in seeds {
            let (rows, problems) = parse(bytes, &limits).unwrap();
            assert_eq!((rows.len(), problems.len()), (kept, refused), "{rows:?} {problems:?}");
            for cut in (0..bytes.len()).step_by(97) {
                let _ = parse(&bytes[..cut], &limits);
                let mut flipped = bytes.to_vec();
                flipped[cut] ^= 0x5a;
                let _ = parse(&flipped, &limits);
            }
        }
    }

    #[test]
    fn english_headings_and_no_header() {
        let csv = "Type,Question,Option A,Option B,Answer,Points,Topic\nsingle,Q1,x,y,b,1,t\ntrue/false,Q2,,,F,1,t\n";
        let (rows, problems) = parse(csv.as_bytes(), &ImportLimits::default()).unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!((rows[0].answer.as_str(), rows[1].answer.as_str()), ("1", "false"));
        let (rows, problems) = parse(b"a,b\n1,2\n", &ImportLimits::default()).unwrap();
        assert!(rows.is_empty());
        assert_eq!(problems[0].code, "exam_no_header");
    }
}
