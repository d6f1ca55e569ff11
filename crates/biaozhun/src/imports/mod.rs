//! The imports room (kernel): reading the files people upload and staff import, within
//! bounds. The table reader (CSV/TSV, XLSX, JSON Lines, any gzipped; text in UTF-8, UTF-16 or
//! GBK/GB18030), the text of an uploaded list (TXT, CSV, XLSX, DOCX), the decoders that stop at
//! the configured expanded size and ratio, the problem type a row is reported with, and the
//! staff upload that checks a file and hands it to a job. Domains bring what the rows mean.
//!
//! Bounds (`[imports]` in the configuration, [`crate::config::ImportLimits`]): decompressed
//! bytes and their ratio to the file's size, rows, columns and cells. Past one, the file is
//! refused with a [`Refusal`] naming the setting (422 on the web).

pub mod decode;
pub mod limits;
pub mod sheet;
pub mod table;
pub mod text;

pub use limits::{Budget, Refusal};
pub use table::{Read, Row, Table, check, read};
pub use text::{docx_text, file_text};

use crate::App;
use crate::web::{AppResult, Ctx};
use axum::extract::Multipart;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// A problem with one row of a file: the 1-based line (of a CSV or JSON Lines file; the
/// sheet row of a workbook), the column as the file names it, and what is wrong as a stable
/// `code` with the values it quotes (`args`), worded per language when shown: the i18n key
/// `problem.<code>` (shared codes in `locales/imports.*`, a domain's in its own locale files),
/// with `{cause}` standing for a parser's explanation (`stdnum::explain`). `message` is the
/// English wording, kept for the command line and logs; pages and the API word the problem in
/// the reader's language from the code (`web::i18n::word_result`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    pub line: usize,
    pub column: String,
    /// What is wrong, as a stable word (`unknown_ics`, `date_kept`, …).
    pub code: String,
    /// The values the message quotes, by name.
    pub args: BTreeMap<String, String>,
    /// The parser's reason, when one gave it (its key under `stdnum.` and its values).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// The problem in English.
    pub message: String,
}

/// A parser error as a key and its values (see `stdnum::explain::Explain`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Cause {
    pub key: String,
    pub args: BTreeMap<String, String>,
}

impl Problem {
    /// A problem of `code` (an i18n key under `problem.`) without values; add them with
    /// [`Problem::arg`] and [`Problem::cause`].
    pub fn new(line: usize, column: impl Into<String>, code: &'static str) -> Problem {
        let mut p = Problem { line, column: column.into(), code: code.to_string(), args: BTreeMap::new(), cause: None, message: String::new() };
        p.reword();
        p
    }
    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Problem {
        self.args.insert(name.to_string(), value.to_string());
        self.reword();
        self
    }
    /// The parser's reason, worded where the message says `{cause}`.
    pub fn cause(mut self, e: &dyn stdnum::explain::Explain) -> Problem {
        let args = e.args().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        self.cause = Some(Cause { key: e.key().to_string(), args });
        self.reword();
        self
    }
    /// The problem in `lang`.
    pub fn worded(&self, lang: crate::web::Lang) -> String {
        let cause = self.cause.as_ref().map(|c| (c.key.as_str(), &c.args));
        crate::web::i18n::problem(lang, &self.code, &self.args, cause)
    }
    fn reword(&mut self) {
        self.message = self.worded(crate::web::Lang::En);
    }
}

/// Files this server reads at once for requests. Reading one may take a few times
/// `max_expanded_bytes` of memory at the bounds, so a burst of uploads waits its turn instead
/// of adding up: one per processor.
static READERS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// Runs the reading of a file on a blocking thread (it takes a while: decompression, XML), as
/// one of at most [`READERS`]; a panic in a decoder is a refusal of the file, not a lost worker.
pub async fn off_thread<T: Send + 'static>(read: impl FnOnce() -> Result<T, Refusal> + Send + 'static) -> Result<T, Refusal> {
    let _turn = READERS.acquire().await.map_err(|e| Refusal::Damaged(e.to_string()))?;
    tokio::task::spawn_blocking(read).await.unwrap_or_else(|e| Err(Refusal::Damaged(e.to_string())))
}

/// The staff upload of a file to import: read once here within the bounds (a file that
/// cannot be read is refused now with 422, not later by the job), kept for any server's
/// worker, and a job of `kind` queued with its id; the answer leads to the job's page.
/// `missing` is the message when no file came.
pub async fn stage_upload(app: &App, ctx: &Ctx, mp: &mut Multipart, kind: &str, missing: &str) -> AppResult<Response> {
    stage_upload_with(app, ctx, mp, kind, missing, serde_json::json!({})).await
}

/// As [`stage_upload`], with more fields for the job's payload beside `upload_id` (the
/// organisation a product list is for, say).
pub async fn stage_upload_with(app: &App, ctx: &Ctx, mp: &mut Multipart, kind: &str, missing: &str, extra: serde_json::Value) -> AppResult<Response> {
    let user = ctx.require_user()?.id;
    let file = crate::web::upload::one_file(mp, missing).await?;
    let name = crate::web::upload::clean_filename(&file.name).unwrap_or_else(|| "upload".into());
    let limits = app.config.imports.clone();
    let data = off_thread(move || check(&file.data, &limits).map(|_| file.data)).await.map_err(|r| r.to_app_error(ctx.lang))?;
    let mut tx = app.db.begin().await?;
    let upload = crate::jobs::files::store(&mut tx, &name, &data, Some(user)).await?;
    let mut payload = serde_json::json!({"upload_id": upload});
    if let (Some(p), serde_json::Value::Object(more)) = (payload.as_object_mut(), extra) {
        p.extend(more);
    }
    let job = crate::jobs::enqueue_returning(&mut tx, kind, payload).await?;
    tx.commit().await?;
    Ok(Redirect::to(&format!("/staff/jobs/{job}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::Problem;
    use crate::web::Lang;

    #[test]
    fn a_problem_is_worded_per_language_with_its_cause() {
        let e = stdnum::date::parse_date("2024-13-45").unwrap_err();
        let p = Problem::new(3, "发布日期", "not_a_date").arg("text", "2024-13-45").cause(&e);
        assert!(p.message.starts_with("not a date: 2024-13-45 ("), "{}", p.message);
        let zh = p.worded(Lang::Zh);
        assert!(zh.starts_with("不是日期：2024-13-45（") && !zh.contains("not"), "{zh}");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!((json["code"].as_str(), json["args"]["text"].as_str()), (Some("not_a_date"), Some("2024-13-45")));
    }
}

/// The progress bar of an import on the command line, counting `unit` (records, people,
/// signs…) with their rate and the time left.
pub fn progress_bar(unit: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}})");
    bar.set_style(indicatif::ProgressStyle::with_template(&template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    bar
}

/// The language the command line speaks: `BIAOZHUN_LANG` (`zh`, `en`), else the locale
/// (`LC_ALL`, `LC_MESSAGES`, `LANG`, the first set): Chinese for `zh…`, English otherwise.
pub fn cli_lang() -> crate::web::Lang {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    if let Some(lang) = var("BIAOZHUN_LANG").and_then(|v| crate::web::Lang::parse(&v)) {
        return lang;
    }
    match ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|k| var(k)) {
        Some(v) if v.to_ascii_lowercase().starts_with("zh") => crate::web::Lang::Zh,
        _ => crate::web::Lang::En,
    }
}

/// One refused row as the command line prints it in `lang`: its line, its column and the
/// problem (`imports.cli_problem`).
pub fn problem_line(p: &Problem, lang: crate::web::Lang) -> String {
    let column = if p.column.is_empty() { "-" } else { &p.column };
    crate::web::i18n::tf(lang, "imports.cli_problem", &[("line", &p.line.to_string()), ("column", column), ("message", &p.worded(lang))])
}

/// Prints an import's refused rows on the command line, one a line with its line and column,
/// in the command line's language ([`cli_lang`]).
pub fn print_problems(problems: &[Problem]) {
    let lang = cli_lang();
    for p in problems {
        println!("{}", problem_line(p, lang));
    }
}

/// A workbook cell as most imports read it: whole numbers (below 10^15) without a decimal
/// point (`9787115` rather than `9787115.0`), an empty cell as nothing, anything else as
/// calamine writes it.
pub fn cell_text(c: &calamine::Data) -> String {
    match c {
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        calamine::Data::Empty => String::new(),
        other => other.to_string(),
    }
}
