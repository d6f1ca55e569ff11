//! Import of standards from CSV/TSV, XLSX and JSON Lines (plain or gzip), including the
//! relaton ISO/IEC catalogues and the samples of Chinese standards. The format is detected
//! from the bytes (by the `imports` room's table reader, within its bounds); each bad row is reported with its line and column and the good rows are
//! kept; the upsert is keyed by the canonical number, so running an import twice changes
//! nothing the second time.

use super::model::{self, Field, Record, Relation, Row};
use super::store;
use crate::App;
use crate::config::ImportLimits;
use crate::imports::{self, Problem, Table};
use calamine::Data;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Default, Clone, Serialize)]
pub struct Report {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Rows that repeat a number seen earlier in the same file (a joint ISO/IEC document
    /// listed twice) and were merged into that record rather than stored on their own.
    pub merged: usize,
    pub errors: Vec<Problem>,
    pub seconds: f64,
}

impl Report {
    /// The counts in English (the command line).
    pub fn summary(&self) -> String {
        crate::web::i18n::said(crate::web::Lang::En, &self.said())
    }
    /// The counts as an i18n key and its values (`standards.import_summary`), for the job's
    /// page to word in its reader's language.
    pub fn said(&self) -> Value {
        serde_json::json!({"key": "standards.import_summary", "args": {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "merged": self.merged, "problems": self.errors.len(),
        }})
    }
}

/// Where progress goes.
pub enum Progress<'a> {
    None,
    Job(i64),
    Bar(&'a indicatif::ProgressBar),
}

/// Reads the file into rows (format detected from its bytes, `name` as a hint), within the
/// bounds of `limits`.
pub fn parse(name: &str, bytes: &[u8], limits: &ImportLimits) -> anyhow::Result<(Vec<Row>, Vec<Problem>)> {
    let read = imports::read(bytes, limits, cell_text)?;
    // The records' source is the file's name as it was before compression.
    let name = if read.gzipped { name.trim_end_matches(".gz") } else { name };
    match read.table {
        Table::Lines(text) => Ok(parse_jsonl(name, &text)),
        Table::Rows(rows) => {
            let (rows, errors) = from_table(name, rows)?;
            let mut problems = read.problems;
            problems.extend(errors);
            Ok((rows, problems))
        }
    }
}

/// A workbook cell as the catalogue reads it: whole numbers without a decimal point, dates
/// as their Excel serial day (read by `model::parse_date_cell`).
fn cell_text(c: &Data) -> String {
    match c {
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::DateTime(d) => format!("{}", d.as_f64().floor() as i64),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

fn from_table(name: &str, table: Vec<imports::Row>) -> anyhow::Result<(Vec<Row>, Vec<Problem>)> {
    let mut table = table.into_iter();
    let headers = table.next().map(|r| r.cells).unwrap_or_default();
    let fields: Vec<Option<Field>> = headers.iter().map(|h| model::header_field(h)).collect();
    if !fields.contains(&Some(Field::Number)) {
        anyhow::bail!("no column of standard numbers (标准号 / number) among: {}", headers.join(", "));
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for imports::Row { line, cells } in table {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut b = Builder::new(line, name);
        for (i, cell) in cells.iter().enumerate() {
            if let (Some(Some(f)), Some(h)) = (fields.get(i), headers.get(i)) {
                b.set(*f, h.trim_start_matches('\u{feff}'), cell);
            }
        }
        b.finish(&mut rows, &mut errors);
    }
    Ok((rows, errors))
}

fn json_cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().map(json_cell).filter(|s| !s.is_empty()).collect::<Vec<_>>().join("; "),
        Value::Object(o) => {
            // {"std": "ISO 9001:2015", "degree": "IDT"}
            let std = o.get("std").or_else(|| o.get("docid")).map(json_cell).unwrap_or_default();
            let degree = o.get("degree").map(json_cell).unwrap_or_default();
            format!("{std} {degree}").trim().to_string()
        }
        other => other.to_string(),
    }
}

/// Reads JSON Lines on all cores: the text is cut at line ends into a piece per core, the
/// pieces are read side by side and their rows joined in order (line numbers stay those of
/// the file).
fn parse_jsonl(name: &str, text: &str) -> (Vec<Row>, Vec<Problem>) {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8);
    if cores < 2 || text.len() < 1 << 20 {
        return parse_lines(name, text, 0);
    }
    let mut pieces: Vec<(&str, usize)> = Vec::with_capacity(cores);
    let (mut rest, mut first_line) = (text, 0);
    for i in (1..=cores).rev() {
        // Just after a line feed, which is never inside a multi-byte character.
        let mid = rest.len() / i;
        let cut = if i == 1 { rest.len() } else { rest.as_bytes()[mid..].iter().position(|b| *b == b'\n').map_or(rest.len(), |p| mid + p + 1) };
        let (piece, tail) = rest.split_at(cut);
        pieces.push((piece, first_line));
        first_line += piece.bytes().filter(|b| *b == b'\n').count();
        rest = tail;
    }
    let read: Vec<(Vec<Row>, Vec<Problem>)> = std::thread::scope(|s| {
        let handles: Vec<_> = pieces.iter().map(|(piece, first)| s.spawn(move || parse_lines(name, piece, *first))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    let mut rows = Vec::with_capacity(read.iter().map(|r| r.0.len()).sum());
    let mut errors = Vec::new();
    for (r, e) in read {
        rows.extend(r);
        errors.extend(e);
    }
    (rows, errors)
}

/// Reads lines of JSON, the first of which is line `first + 1` of the file.
fn parse_lines(name: &str, text: &str, first: usize) -> (Vec<Row>, Vec<Problem>) {
    let iec_file = name.to_ascii_lowercase().contains("iec");
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    // The field of each key, worked out once per distinct key rather than on every line.
    let mut fields: HashMap<String, Option<Field>> = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = first + i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let obj: serde_json::Map<String, Value> = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                errors.push(Problem::new(line_no, "", "not_json").arg("detail", e));
                continue;
            }
        };
        let catalogue = obj.contains_key("docid");
        let mut b = Builder::new(line_no, name);
        if catalogue {
            let src = obj.get("src").and_then(Value::as_str).unwrap_or("");
            let from_iec = src.contains("iec.ch") || (src.is_empty() && iec_file);
            b.rec.source = if from_iec { "relaton:iec".into() } else { "relaton:iso".into() };
        }
        for (k, v) in &obj {
            // Keys read below or not at all are not turned into text.
            if matches!(k.as_str(), "stage" | "substage" | "relations" | "dates" | "edition" | "doctype" | "file" | "kind" | "hcno" | "note") {
                continue;
            }
            let cell = json_cell(v);
            match k.as_str() {
                "source" if !catalogue => b.rec.source = cell.chars().take(300).collect(),
                "tc_dept" => b.set(Field::Committee, k, &cell),
                "adopts" => b.set(Field::Adopts, k, &cell),
                "committee" if catalogue => b.rec.committee = cell,
                _ => {
                    let f = match fields.get(k.as_str()) {
                        Some(f) => *f,
                        None => *fields.entry(k.clone()).or_insert_with(|| model::header_field(k)),
                    };
                    if let Some(f) = f {
                        b.set(f, k, &cell);
                    }
                }
            }
        }
        if catalogue {
            let stage = obj.get("stage").and_then(Value::as_str);
            let sub = obj.get("substage").and_then(Value::as_str);
            b.rec.status = model::status_from_stage(stage, sub).to_string();
            if let Some(d) = obj.get("dates").and_then(|d| d.get("obsoleted")).and_then(Value::as_str) {
                b.set(Field::Withdrawn, "dates.obsoleted", d);
            }
            if let Some(rels) = obj.get("relations").and_then(Value::as_array) {
                for r in rels {
                    let (Some(t), Some(d)) = (r.get("type").and_then(Value::as_str), r.get("docid").and_then(Value::as_str)) else { continue };
                    match t {
                        "obsoletes" => b.replaces.push(d.to_string()),
                        "updates" => b.replaced_by.push(d.to_string()),
                        _ => {}
                    }
                }
            }
        }
        b.finish(&mut rows, &mut errors);
    }
    (rows, errors)
}

/// Collects one row's cells into a record, noting problems by column.
struct Builder {
    line: usize,
    rec: Record,
    replaces: Vec<String>,
    replaced_by: Vec<String>,
    adopts: Vec<(String, String)>,
    errors: Vec<Problem>,
    number_col: String,
}

impl Builder {
    fn new(line: usize, name: &str) -> Builder {
        let rec = Record { source: name.chars().take(200).collect(), ..Default::default() };
        Builder { line, rec, replaces: vec![], replaced_by: vec![], adopts: vec![], errors: vec![], number_col: String::new() }
    }

    /// A problem of `code` (`problem.<code>` in the locale files) in a column of this row.
    fn problem(&self, column: &str, code: &'static str) -> Problem {
        Problem::new(self.line, column, code)
    }

    fn err(&mut self, p: Problem) {
        self.errors.push(p);
    }

    fn date(&mut self, col: &str, cell: &str) -> Option<i64> {
        match model::parse_date_cell(cell) {
            Ok(v) => v,
            Err(e) => {
                self.err(self.problem(col, "not_a_date").arg("text", cell.trim()).cause(&e));
                None
            }
        }
    }

    fn set(&mut self, f: Field, col: &str, cell: &str) {
        // A NUL character (U+0000) cannot be stored by PostgreSQL: the rest of the cell is kept.
        let text = if cell.contains('\0') {
            self.err(self.problem(col, "nul_removed"));
            cell.replace('\0', "").trim().to_string()
        } else {
            cell.trim().to_string()
        };
        if text.is_empty() {
            return;
        }
        match f {
            Field::Number => {
                self.rec.number = text.split_whitespace().collect::<Vec<_>>().join(" ");
                self.number_col = col.to_string();
            }
            Field::TitleZh => self.rec.title_zh = text,
            Field::TitleEn => self.rec.title_en = text,
            Field::TitleFr => self.rec.title_fr = text,
            Field::Status => match model::parse_status(&text) {
                Some(s) => self.rec.status = s.to_string(),
                None => self.err(self.problem(col, "unknown_status").arg("text", &text)),
            },
            Field::Published => self.rec.published_at = self.date(col, &text),
            Field::Implemented => self.rec.implemented_at = self.date(col, &text),
            Field::Withdrawn => self.rec.withdrawn_at = self.date(col, &text),
            Field::Ics => {
                let (ok, bad) = model::split_ics(&text);
                for b in bad {
                    self.err(self.problem(col, "unknown_ics").arg("code", &b));
                }
                self.rec.ics = ok.join(" ");
            }
            Field::Ccs => {
                let mut ok = Vec::new();
                for p in stdnum::cell::split_multi(&text) {
                    let c = model::norm_ccs(&p);
                    if model::ccs_known(&c) {
                        ok.push(c);
                    } else {
                        self.err(self.problem(col, "unknown_ccs").arg("code", &p));
                    }
                }
                self.rec.ccs = ok.join(" ");
            }
            Field::Replaces => self.replaces.extend(numbers_in(&text)),
            Field::ReplacedBy => self.replaced_by.extend(numbers_in(&text)),
            Field::Adopts => {
                for (n, d) in stdnum::standard::parse_adoption(&text) {
                    self.adopts.push((n.normalized(), d.map(|d| d.as_str().to_string()).unwrap_or_default()));
                }
                if self.adopts.is_empty() {
                    self.err(self.problem(col, "no_number_found").arg("text", &text));
                }
            }
            Field::CompetentDept => self.rec.competent_dept = text,
            Field::Committee => self.rec.committee = text,
            Field::Issuer => self.rec.issuer = text,
            Field::DraftingOrgs => self.rec.drafting_orgs = stdnum::cell::split_multi(&text).join("; "),
            Field::Drafters => self.rec.drafters = stdnum::cell::split_multi(&text).join("、"),
            Field::Patents => self.rec.patents = stdnum::cell::split_multi(&text).join("; "),
            Field::Scope => self.rec.scope = text,
            Field::Remark => {
                self.replaces.extend(model::replaced_in_remark(&text));
                self.rec.remark = text;
            }
            Field::FulltextUrl => {
                if text.starts_with("http://") || text.starts_with("https://") {
                    self.rec.fulltext_url = text;
                }
            }
        }
    }

    fn finish(mut self, rows: &mut Vec<Row>, errors: &mut Vec<Problem>) {
        let Some(id) = model::ident(&self.rec.number) else {
            let col = if self.number_col.is_empty() { "标准号".to_string() } else { self.number_col.clone() };
            self.err(self.problem(&col, "number_missing"));
            errors.append(&mut self.errors);
            return;
        };
        let r = &mut self.rec;
        r.norm = id.norm;
        r.base = id.base;
        r.kind = id.kind.as_str().to_string();
        r.prefix = id.prefix;
        r.part = id.part;
        r.year = id.year.map(i64::from);
        r.is_amendment = id.is_amendment;
        if id.unknown_prefix {
            r.flags = "unknown_prefix".into();
        }
        if r.status.is_empty() && r.implemented_at.is_some_and(|t| t > crate::util::now()) {
            r.status = "upcoming".into();
        }
        let mut relations = Vec::new();
        // Between this record and another number, `outgoing` when this record is the one
        // that replaces or adopts.
        let own = &self.rec;
        let mut rel = |other: &str, outgoing: bool, kind: &'static str, degree: String| {
            if let Some(o) = model::ident(other) {
                // A record "replaced" by its own corrigendum is not a new edition.
                if o.norm != own.norm && !(o.base == own.base && o.year.map(i64::from) == own.year && kind == "replaces") {
                    let (from, to) = if outgoing { (own.norm.clone(), o.norm) } else { (o.norm, own.norm.clone()) };
                    relations.push(Relation { from, to, kind, degree });
                }
            }
        };
        for t in &self.replaces {
            rel(t, true, "replaces", String::new());
        }
        for t in &self.replaced_by {
            rel(t, false, "replaces", String::new());
        }
        for (t, d) in &self.adopts {
            rel(t, true, "adopts", d.clone());
        }
        errors.append(&mut self.errors);
        let family = super::ranking::family(&self.rec);
        rows.push(Row { line: self.line, record: Box::new(self.rec), relations, family });
    }
}

fn numbers_in(text: &str) -> Vec<String> {
    let found: Vec<String> = stdnum::standard::find_all(text).into_iter().map(|f| f.number.normalized()).collect();
    if found.is_empty() { stdnum::cell::split_multi(text) } else { found }
}

/// Parses and stores a file; the rows are written in batches, each in one transaction.
pub async fn import_bytes(app: &App, name: &str, bytes: &[u8], progress: Progress<'_>) -> anyhow::Result<Report> {
    let started = std::time::Instant::now();
    let (rows, errors) = parse(name, bytes, &app.config.imports)?;
    tracing::debug!("parsed {} rows of {name} in {:.2} s", rows.len(), started.elapsed().as_secs_f64());
    store_rows(app, rows, errors, progress, started).await
}

/// Stores parsed rows (of one file or several): a number met twice is merged into its
/// first record, the records of one document go in one batch, each batch in one
/// transaction, its search documents handed to this process's index.
async fn store_rows(app: &App, rows: Vec<Row>, errors: Vec<Problem>, progress: Progress<'_>, started: std::time::Instant) -> anyhow::Result<Report> {
    let mut report = Report { rows: rows.len(), errors, ..Default::default() };
    // Duplicates within one file (joint ISO/IEC records): merged into the first occurrence.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut merged: Vec<Row> = Vec::with_capacity(rows.len());
    for row in rows {
        match index.get(&row.record.norm) {
            Some(&i) => {
                let m = model::merge(Some(&merged[i].record), &row.record);
                *merged[i].record = m;
                merged[i].relations.extend(row.relations);
            }
            None => {
                index.insert(row.record.norm.clone(), merged.len());
                merged.push(row);
            }
        }
    }
    let total = merged.len();
    report.merged = report.rows - total;
    if let Progress::Bar(b) = &progress {
        b.set_length(total as u64);
    }
    // The records of one document (its editions, stages, amendments) go in one batch: which
    // of them leads is then settled once, and each is indexed once rather than again when a
    // later batch brings a newer edition.
    let families: Vec<String> = merged.iter_mut().map(|r| std::mem::take(&mut r.family)).collect();
    let mut order: Vec<usize> = (0..merged.len()).collect();
    order.sort_by(|a, b| families[*a].cmp(&families[*b]));
    let mut slots: Vec<Option<Row>> = merged.into_iter().map(Some).collect();
    let mut sorted = order.iter().filter_map(|i| slots[*i].take());
    let families: Vec<&String> = order.iter().map(|i| &families[*i]).collect();
    let watched = store::watched_bases(app).await?;
    let mut done = 0;
    let mut indexing = None;
    for range in batches(&families, FIRST_BATCH, BATCH) {
        let chunk: Vec<Row> = sorted.by_ref().take(range.len()).collect();
        let c = store::upsert_batch(app, chunk, &watched).await?;
        report.created += c.created;
        report.updated += c.updated;
        report.unchanged += c.unchanged;
        done += range.len();
        // This process's index takes the batch's documents in while the next one is stored.
        if let Some(previous) = std::mem::replace(&mut indexing, c.indexing) {
            previous.await??;
        }
        match &progress {
            Progress::None => {}
            Progress::Job(id) => crate::jobs::progress(app, *id, done as i64, total as i64).await?,
            Progress::Bar(b) => b.set_position(done as u64),
        }
    }
    if let Some(last) = indexing {
        last.await??;
    }
    app.indexer.kick();
    report.errors.sort_by_key(|e| e.line);
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// Records stored per transaction.
const BATCH: usize = 4000;
/// Records in the first transaction: the index has nothing to take in until a batch is
/// stored, so a small first batch sets the second core to work sooner.
const FIRST_BATCH: usize = BATCH / 8;

/// Ranges of about `first`, then `size`, consecutive items, never splitting a run of equal
/// keys.
fn batches<'a, K: PartialEq>(keys: &'a [K], first: usize, size: usize) -> impl Iterator<Item = std::ops::Range<usize>> + 'a {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= keys.len() {
            return None;
        }
        let n = if start == 0 { first } else { size };
        let mut end = (start + n.max(1)).min(keys.len());
        while end < keys.len() && keys[end] == keys[end - 1] {
            end += 1;
        }
        let r = start..end;
        start = end;
        Some(r)
    })
}

/// `biaozhun import standards FILE [FILE …]`: imports files with a progress bar and
/// returns the report's summary. Several files (the ISO and the IEC catalogues) are read
/// first and stored as one: a joint document listed in both is merged in memory and
/// written once.
pub async fn run_cli(app: &App, files: &[std::path::PathBuf]) -> anyhow::Result<String> {
    let started = std::time::Instant::now();
    // The files are read side by side (each also in pieces: `parse_jsonl`), their rows
    // joined in the order the files were named.
    let limits = &app.config.imports;
    type Parsed = anyhow::Result<(String, Vec<Row>, Vec<Problem>)>;
    let read: Vec<Parsed> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .iter()
            .map(|file| {
                s.spawn(move || {
                    let bytes = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                    let (rows, errors) = parse(&name, &bytes, limits).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                    tracing::debug!("read and parsed {} rows of {name} at {:.2} s", rows.len(), started.elapsed().as_secs_f64());
                    Ok((name, rows, errors))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    let mut rows = Vec::new();
    let mut problems: Vec<(String, Vec<Problem>)> = Vec::new();
    for file in read {
        let (name, read, errors) = file?;
        rows.extend(read);
        problems.push((name, errors));
    }
    let bar = crate::imports::progress_bar("records");
    // This process's index takes each stored batch in while the next one is stored, and
    // commits once at the end, so the figure includes indexing.
    let mut report = store_rows(app, rows, Vec::new(), Progress::Bar(&bar), started).await?;
    bar.finish();
    tracing::debug!("stored and handed to the index at {:.2} s", started.elapsed().as_secs_f64());
    crate::indexer::follow_once(app).await?;
    tracing::debug!("index committed at {:.2} s", started.elapsed().as_secs_f64());
    report.errors = problems.iter().flat_map(|(_, p)| p.iter().cloned()).collect();
    println!("{} ({:.1} s)", report.summary(), started.elapsed().as_secs_f64());
    for (name, errors) in &problems {
        for e in errors {
            let file = if problems.len() > 1 { format!("{name}: ") } else { String::new() };
            println!("{file}line {}: {}: {}", e.line, e.column, e.message);
        }
    }
    Ok(report.summary())
}

/// The `standards_import` job: an uploaded file.
pub async fn job(app: App, job_id: i64, payload: Value) -> anyhow::Result<()> {
    let upload = payload.get("upload_id").and_then(Value::as_i64).ok_or_else(|| anyhow::anyhow!("no upload_id"))?;
    let Some((name, bytes)) = crate::jobs::files::load(&app, upload).await? else { anyhow::bail!("the uploaded file is gone") };
    let result = match import_bytes(&app, &name, &bytes, Progress::Job(job_id)).await {
        Ok(report) => {
            // The problems go with their codes, so the job's page words them in its reader's
            // language (a table of line, column and reason under the summary).
            let errors: Vec<&Problem> = report.errors.iter().take(200).collect();
            serde_json::json!({"summary": report.summary(), "said": report.said(), "link": "/standards", "report": report, "errors": errors})
        }
        Err(e) => serde_json::json!({"summary": format!("import failed: {e}")}),
    };
    crate::jobs::set_result(&app, job_id, &result).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{batches, parse_jsonl, parse_lines};

    #[test]
    fn jsonl_read_in_pieces_is_read_as_a_whole() {
        // Over a megabyte, with Chinese text (multi-byte characters near the cuts), a bad
        // line and blank lines: the same rows, line numbers and problems as one piece.
        let mut text = String::new();
        for i in 0..12_000 {
            match i % 997 {
                5 => text.push_str("{not json\n"),
                6 => text.push('\n'),
                _ => text.push_str(&format!("{{\"标准号\": \"GB/T {}-2016\", \"中文标准名称\": \"质量管理体系 要求 第{i}部分\", \"标准状态\": \"现行\"}}\n", 10000 + i)),
            }
        }
        assert!(text.len() > 1 << 20);
        let whole = parse_lines("cn.jsonl", &text, 0);
        let pieces = parse_jsonl("cn.jsonl", &text);
        let key = |r: &(Vec<super::Row>, Vec<super::Problem>)| {
            (r.0.iter().map(|row| (row.line, row.record.clone(), row.relations.clone())).collect::<Vec<_>>(), r.1.iter().map(|p| (p.line, p.code.clone())).collect::<Vec<_>>())
        };
        assert_eq!(key(&pieces), key(&whole));
        assert_eq!(whole.1.len(), 13);
        assert_eq!(whole.0.len(), 12_000 - 26);
    }

    #[test]
    fn batches_keep_runs_of_one_key_together() {
        let keys = ["a", "a", "b", "b", "b", "c", "d", "d"];
        let got: Vec<_> = batches(&keys, 3, 3).collect();
        assert_eq!(got, vec![0..5, 5..8]);
        let got: Vec<_> = batches(&keys, 1, 1).collect();
        assert_eq!(got, vec![0..2, 2..5, 5..6, 6..8]);
        // A smaller first batch, then the usual size.
        let got: Vec<_> = batches(&keys, 1, 4).collect();
        assert_eq!(got, vec![0..2, 2..6, 6..8]);
        assert_eq!(batches::<&str>(&[], 1, 4).count(), 0);
    }
}
