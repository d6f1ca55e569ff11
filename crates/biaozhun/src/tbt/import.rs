//! Import of TBT notifications: the WTO ePing export (CSV, TSV or XLSX) and JSON lines.
//! Every row becomes a [`Record`] or a list of problems with line and column; good rows
//! are upserted by symbol in batches, so re-running a file changes nothing.

use super::model::{self, Record};
use super::{members, store};
use crate::App;
use crate::config::ImportLimits;
use crate::imports::{self, Problem, Table};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Rows refused, with the reason.
    pub errors: Vec<Problem>,
    /// Rows kept, with a part dropped (an HS code unknown to HS 2022…).
    pub warnings: Vec<Problem>,
    /// Ids created in this run (matched against subscriptions by the `tbt_match` job).
    #[serde(skip)]
    pub changed_ids: Vec<i64>,
}

impl Report {
    /// The counts in English (the command line).
    pub fn summary(&self) -> String {
        crate::web::i18n::said(crate::web::Lang::En, &self.said())
    }
    /// The counts as an i18n key and its values (`tbt.import_summary`), for the job's page to
    /// word in its reader's language.
    pub fn said(&self) -> serde_json::Value {
        serde_json::json!({"key": "tbt.import_summary", "args": {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "refused": self.errors.len(), "warnings": self.warnings.len(),
        }})
    }
}

/// The fields a file can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum F {
    Symbol,
    Member,
    Title,
    Description,
    Distribution,
    Products,
    Codes,
    Hs,
    Ics,
    Objectives,
    Keywords,
    Regions,
    FinalDate,
    Type,
    LinkNotification,
    LinkSummary,
    LinksFull,
    Agency,
    NotifiedUnder,
    Adoption,
    EntryIntoForce,
    Language,
    Source,
    IntlStandard,
    Conformity,
    EnquiryPoint,
    Emergency,
}

fn field_of(header: &str) -> Option<F> {
    let h: String = header.trim().trim_start_matches('\u{feff}').to_lowercase();
    let h = h.as_str();
    Some(match h {
        "symbol" | "symbols" | "document symbol" | "document symbol(s)" | "notification symbol" | "通报号" | "通报编号" | "文件编号" => F::Symbol,
        "notifying member(s)"
        | "notifying member"
        | "notifying_member"
        | "notifying country"
        | "member"
        | "members"
        | "通报成员"
        | "通报国家"
        | "通报国"
        | "成员"
        | "通报国家/地区" => F::Member,
        "title" | "标题" | "通报标题" | "名称" => F::Title,
        "description of content" | "description" | "内容描述" | "内容简述" | "内容摘要" => F::Description,
        "distribution date" | "distribution_date" | "date of distribution" | "通报日期" | "分发日期" | "发布日期" => F::Distribution,
        "products (free text)" | "products" | "products_text" | "product" | "products covered" | "产品" | "覆盖产品" | "产品范围" => F::Products,
        "products (hs/ics code)" | "hs/ics" | "hs/ics code" | "products (hs code)" | "产品编码" | "hs/ics编码" => F::Codes,
        "hs" | "hs code" | "hs codes" | "hs code(s)" | "hs编码" | "hs 编码" => F::Hs,
        "ics" | "ics code" | "ics codes" | "ics编码" | "ics 编码" => F::Ics,
        "objectives" | "objective" | "objective and rationale" | "objectives / rationale" | "objective(s)" | "目标" | "目的" | "目标和理由" | "目的和理由" => F::Objectives,
        "keywords" | "keyword" | "关键词" => F::Keywords,
        "regions or countries affected" | "regions or countries likely to be affected" | "regions" | "影响地区" | "可能受影响的地区或国家" | "影响的国家或地区" => F::Regions,
        "final date for comments" | "final_date_for_comments" | "comment deadline" | "评议截止日期" | "意见反馈截止日期" | "评议期" => {
            F::FinalDate
        }
        "notification type" | "type" | "notification_type" | "通报类型" => F::Type,
        "link to notification" | "link_notification" | "通报链接" => F::LinkNotification,
        "link to notification summary" | "link_summary" | "通报摘要链接" => F::LinkSummary,
        "link(s) to full text" | "links to full text" | "link to full text" | "links_full" | "全文链接" => F::LinksFull,
        "agency" | "agency responsible" | "负责机构" | "主管机构" => F::Agency,
        "notified under" | "notified_under" | "article" | "通报依据条款" | "通报条款" => F::NotifiedUnder,
        "proposed date of adoption" | "proposed_adoption" | "拟批准日期" => F::Adoption,
        "proposed date of entry into force" | "proposed_entry_into_force" | "拟生效日期" => F::EntryIntoForce,
        "language" | "record_language" | "语言" => F::Language,
        "source_url" | "source" | "来源" => F::Source,
        "international standard" | "international standards" | "international standard(s)" | "relevant international standard" | "intl_standards"
        | "international_standard" | "相关国际标准" | "国际标准" => F::IntlStandard,
        "conformity" | "conformity to international standard" | "conforms" | "conformity_to_standard"
        | "does this proposed regulation conform to the relevant international standard?" | "是否符合国际标准" | "符合国际标准" => F::Conformity,
        "enquiry point" | "enquiry_point" | "咨询点" | "可获得文本的机构" => F::EnquiryPoint,
        "emergency" | "emergency measure" | "紧急措施" => F::Emergency,
        _ => return None,
    })
}

/// A raw value: a spreadsheet cell or a JSON value.
#[derive(Debug, Clone)]
enum V {
    Text(String),
    List(Vec<String>),
}

#[derive(Clone)]
struct RawRow {
    line: usize,
    values: HashMap<F, (String, V)>,
}

impl RawRow {
    fn text(&self, f: F) -> String {
        match self.values.get(&f) {
            Some((_, V::Text(s))) => s.trim().to_string(),
            Some((_, V::List(v))) => v.join("; "),
            None => String::new(),
        }
    }
    /// A list; cells are split on `;`, `；`, line breaks (and commas when `commas`).
    fn list(&self, f: F, commas: bool) -> Vec<String> {
        match self.values.get(&f) {
            Some((_, V::List(v))) => v.iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect(),
            Some((_, V::Text(s))) if commas => stdnum::cell::split_multi(s),
            Some((_, V::Text(s))) => s
                .split([';', '；', '\n', '\r'])
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect(),
            None => Vec::new(),
        }
    }
    /// The row without NUL characters (U+0000, which PostgreSQL cannot store in text), with a
    /// warning per column that held one; `None` when there were none.
    fn without_nul(&self, warnings: &mut Vec<Problem>) -> Option<RawRow> {
        let has = |v: &V| match v {
            V::Text(s) => s.contains('\0'),
            V::List(l) => l.iter().any(|s| s.contains('\0')),
        };
        if !self.values.values().any(|(_, v)| has(v)) {
            return None;
        }
        let mut clean = self.clone();
        for (col, v) in clean.values.values_mut() {
            if !has(v) {
                continue;
            }
            warnings.push(Problem::new(self.line, col.clone(), "nul_removed"));
            match v {
                V::Text(s) => *s = s.replace('\0', ""),
                V::List(l) => l.iter_mut().for_each(|s| *s = s.replace('\0', "")),
            }
        }
        Some(clean)
    }
    fn column(&self, f: F) -> String {
        self.values.get(&f).map(|(h, _)| h.clone()).unwrap_or_else(|| format!("{f:?}"))
    }
}

/// A problem of `code` (`problem.<code>` in the locale files) in the column of `f`.
fn problem(row: &RawRow, f: F, code: &'static str) -> Problem {
    Problem::new(row.line, row.column(f), code)
}

/// Turns one raw row into a record, or the reasons it cannot be one.
fn to_record(row: &RawRow, warnings: &mut Vec<Problem>) -> Result<Record, Vec<Problem>> {
    if let Some(clean) = row.without_nul(warnings) {
        return to_record(&clean, warnings);
    }
    let mut errs = Vec::new();
    let mut r = Record::default();
    let sym_text = row.list(F::Symbol, true).join(", ");
    if sym_text.trim().is_empty() {
        errs.push(problem(row, F::Symbol, "symbol_missing"));
    } else {
        match model::parse_symbols(&sym_text) {
            Ok(v) => {
                for s in v {
                    let s = s.to_string();
                    if !r.symbols.contains(&s) {
                        r.symbols.push(s);
                    }
                }
            }
            Err(Some(e)) => errs.push(problem(row, F::Symbol, "symbol_invalid").arg("text", sym_text.trim()).cause(&e)),
            Err(None) => errs.push(problem(row, F::Symbol, "symbol_not_tbt").arg("text", sym_text.trim())),
        }
    }
    // Members: the named ones, else those of the symbols.
    r.member_text = row.text(F::Member);
    for name in row
        .list(F::Member, false)
        .iter()
        .flat_map(|n| stdnum::cell::split_multi(n).into_iter().chain(std::iter::once(n.clone())))
    {
        if let Some(m) = members::find(&name) {
            if !r.members.contains(&m.code.to_string()) {
                r.members.push(m.code.to_string());
            }
        }
    }
    for s in &r.symbols {
        if let Ok(p) = stdnum::wto::parse_symbol(s) {
            let code = if p.member == "EEC" { "EU".to_string() } else { p.member.clone() };
            if !code.is_empty() && !r.members.contains(&code) {
                r.members.push(code);
            }
        }
    }
    match r.members.first() {
        Some(m) => r.member = m.clone(),
        None if !r.symbols.is_empty() => errs.push(problem(row, F::Member, "member_unknown").arg("text", &r.member_text)),
        None => {}
    }
    // A date that cannot be read never costs the notification: it is kept as written.
    let dist = row.text(F::Distribution);
    if !dist.is_empty() {
        match model::iso_date(&dist) {
            Some(d) => r.distribution_date = Some(d),
            None => {
                warnings.push(problem(row, F::Distribution, "date_kept").arg("text", &dist));
                r.distribution_raw = dist;
            }
        }
    }
    r.agency = row.text(F::Agency);
    r.notified_under = row.list(F::NotifiedUnder, true);
    r.products_text = row.text(F::Products);
    let mut code_cells = Vec::new();
    for f in [F::Codes, F::Hs, F::Ics] {
        for piece in row.list(f, true) {
            code_cells.push((f, piece));
        }
    }
    for (f, piece) in code_cells {
        let piece = if f == F::Ics && !piece.to_ascii_uppercase().starts_with("ICS") {
            format!("ICS {piece}")
        } else {
            piece
        };
        let piece = if f == F::Hs && !piece.to_ascii_uppercase().starts_with("HS") {
            format!("HS {piece}")
        } else {
            piece
        };
        let (hs, ics, bad) = model::split_codes(&piece);
        for h in hs {
            if !r.hs.contains(&h) {
                r.hs.push(h);
            }
        }
        for i in ics {
            if !r.ics.contains(&i) {
                r.ics.push(i);
            }
        }
        for b in bad {
            warnings.push(problem(row, f, "code_dropped").arg("code", &b));
        }
    }
    r.title = row.text(F::Title);
    r.description = row.text(F::Description);
    r.objectives = row.list(F::Objectives, false);
    let agreement = super::sps::agreement_of(&r.symbols);
    if agreement == stdnum::wto::Agreement::Sps {
        // One wording per SPS objective, so facets, statistics and subscriptions agree.
        r.objectives = super::sps::normalise_objectives(std::mem::take(&mut r.objectives));
    }
    r.intl_standards = super::sps::intl_standards(&row.text(F::IntlStandard));
    r.conformity = super::sps::conformity(&row.text(F::Conformity)).to_string();
    r.enquiry_point = row.text(F::EnquiryPoint);
    r.keywords = row.list(F::Keywords, false);
    r.regions = row.text(F::Regions);
    r.notification_type = row.text(F::Type);
    r.emergency = super::sps::is_emergency(agreement, &r.notification_type, &row.text(F::Emergency), &r.notified_under);
    r.proposed_adoption = row.text(F::Adoption);
    r.adoption_date = model::iso_date(&r.proposed_adoption);
    r.proposed_entry_into_force = row.text(F::EntryIntoForce);
    r.entry_into_force_date = model::iso_date(&r.proposed_entry_into_force);
    for (f, text, date) in [(F::Adoption, &r.proposed_adoption, &r.adoption_date), (F::EntryIntoForce, &r.proposed_entry_into_force, &r.entry_into_force_date)] {
        if date.is_none() && looks_like_date(text) {
            warnings.push(problem(row, f, "date_kept").arg("text", text));
        }
    }
    r.comment_text = row.text(F::FinalDate);
    r.comment_deadline = model::comment_deadline(&r.comment_text, r.distribution_date.as_deref());
    let ct = r.comment_text.trim().to_lowercase();
    let unknown = ct.is_empty() || ["n/a", "na", "-", "not stated", "待定", "无", "to be determined", "tbd"].contains(&ct.as_str());
    if r.comment_deadline.is_none() && !unknown {
        let relative = stdnum::date::parse_relative_days(&r.comment_text).is_some();
        if relative || looks_like_date(&r.comment_text) {
            let p = if relative { problem(row, F::FinalDate, "deadline_relative") } else { problem(row, F::FinalDate, "date_kept") };
            warnings.push(p.arg("text", &r.comment_text));
        }
    }
    r.language = {
        let l = row.text(F::Language).to_lowercase();
        if l.is_empty() {
            if r.title.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
                "zh".into()
            } else {
                "en".into()
            }
        } else {
            l
        }
    };
    r.link_notification = row.text(F::LinkNotification);
    r.link_summary = row.text(F::LinkSummary);
    r.links_full = row
        .list(F::LinksFull, false)
        .into_iter()
        .flat_map(|s| s.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    r.source_url = row.text(F::Source);
    if r.title.is_empty() && errs.is_empty() {
        r.title = r.products_text.clone();
    }
    if errs.is_empty() { Ok(r) } else { Err(errs) }
}

/// Text that is trying to be a date (digits with separators, or 年月日), as opposed to
/// free words such as "Not stated" or "6 months after publication".
fn looks_like_date(s: &str) -> bool {
    s.chars().filter(|c| c.is_ascii_digit()).count() >= 4 || s.contains('年')
}

// ---------------------------------------------------------------------------------------
// Formats

/// A workbook cell as ePing exports read: whole numbers without a decimal point, dates in ISO form.
pub(super) fn xlsx_cell(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let serial = dt.as_f64().floor();
            match stdnum::date::from_excel_serial(serial.max(0.0) as u32) {
                Some((y, m, d)) => stdnum::date::to_iso(y, m, d),
                None => serial.to_string(),
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("{e:?}"),
    }
}

/// The rows under the header: the first row naming a Symbol column (title rows above it are
/// skipped), else the first row, whose names the error then lists.
fn table_rows(rows: Vec<imports::Row>) -> anyhow::Result<Vec<RawRow>> {
    let at = rows.iter().position(|r| r.cells.iter().any(|c| field_of(c) == Some(F::Symbol))).unwrap_or(0);
    let mut rows = rows.into_iter().skip(at);
    let header = rows.next().map(|r| r.cells).unwrap_or_default();
    let cols: Vec<Option<F>> = header.iter().map(|h| field_of(h)).collect();
    if !cols.contains(&Some(F::Symbol)) {
        anyhow::bail!("no Symbol column (found: {})", header.join(", "));
    }
    let mut out = Vec::with_capacity(rows.len());
    for imports::Row { line, cells } in rows {
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut values = HashMap::new();
        for (i, c) in cells.into_iter().enumerate() {
            if let Some(Some(f)) = cols.get(i) {
                values
                    .entry(*f)
                    .or_insert((header[i].trim().trim_start_matches('\u{feff}').to_string(), V::Text(c)));
            }
        }
        out.push(RawRow { line, values });
    }
    Ok(out)
}

fn json_value(v: &serde_json::Value) -> Option<V> {
    use serde_json::Value as J;
    match v {
        J::Null => None,
        J::String(s) => Some(V::Text(s.clone())),
        J::Number(n) => Some(V::Text(n.to_string())),
        J::Bool(b) => Some(V::Text(b.to_string())),
        J::Array(a) => Some(V::List(
            a.iter()
                .filter_map(|x| match json_value(x)? {
                    V::Text(s) => Some(s),
                    V::List(l) => Some(l.join("; ")),
                })
                .collect(),
        )),
        J::Object(_) => Some(V::Text(v.to_string())),
    }
}

fn read_jsonl(text: &str) -> (Vec<RawRow>, Vec<Problem>) {
    let mut rows = Vec::new();
    let mut errs = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(l) {
            Ok(obj) => {
                let mut values = HashMap::new();
                for (k, v) in &obj {
                    let f = match k.as_str() {
                        "final_date_for_comments" => Some(F::FinalDate),
                        "link_full_text" | "links_full_text" => Some(F::LinksFull),
                        other => field_of(other),
                    };
                    if let (Some(f), Some(v)) = (f, json_value(v)) {
                        values.insert(f, (k.clone(), v));
                    }
                }
                rows.push(RawRow { line: line_no, values });
            }
            Err(e) => errs.push(Problem::new(line_no, "", "not_json").arg("detail", e)),
        }
    }
    (rows, errs)
}

/// Reads a file of any accepted format into records and problems, within the bounds of
/// `limits`.
pub fn parse(data: &[u8], limits: &ImportLimits) -> anyhow::Result<(Vec<(usize, Record)>, Vec<Problem>, Vec<Problem>)> {
    let read = imports::read(data, limits, xlsx_cell)?;
    let (rows, mut errors) = match read.table {
        Table::Lines(text) => read_jsonl(&text),
        Table::Rows(rows) => (table_rows(rows)?, read.problems),
    };
    let mut warnings = Vec::new();
    let mut records = Vec::with_capacity(rows.len());
    for row in &rows {
        match to_record(row, &mut warnings) {
            Ok(r) => records.push((row.line, r)),
            Err(mut e) => errors.append(&mut e),
        }
    }
    Ok((records, errors, warnings))
}

/// Parses and stores a file; `progress(done, total)` is called after every batch.
pub async fn import_bytes<P, Fut>(app: &App, data: &[u8], mut progress: P) -> anyhow::Result<Report>
where
    P: FnMut(usize, usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (records, errors, warnings) = parse(data, &app.config.imports)?;
    let mut report = Report {
        rows: records.len() + errors.iter().map(|e| e.line).collect::<std::collections::HashSet<_>>().len(),
        errors,
        warnings,
        ..Default::default()
    };
    // The last row of a symbol wins within one file.
    let mut last: HashMap<String, usize> = HashMap::new();
    for (i, (_, r)) in records.iter().enumerate() {
        last.insert(r.symbols[0].clone(), i);
    }
    let mut kept: Vec<Record> = Vec::with_capacity(last.len());
    for (i, (_, r)) in records.into_iter().enumerate() {
        if last.get(&r.symbols[0]) == Some(&i) {
            kept.push(r);
        } else {
            report.unchanged += 1;
        }
    }
    let total = kept.len();
    let mut done = 0;
    for chunk in kept.chunks(store::TX_BATCH) {
        let c = store::upsert_batch(app, chunk).await?;
        report.created += c.created;
        report.updated += c.updated;
        report.unchanged += c.unchanged;
        report.changed_ids.extend(c.changed_ids);
        done += chunk.len();
        app.indexer.kick();
        progress(done, total).await;
    }
    store::link_parents(app).await?;
    if report.created > 0 {
        let mut tx = app.db.begin().await?;
        crate::jobs::enqueue(&mut tx, "tbt_match", serde_json::json!({}), None).await?;
        tx.commit().await?;
    }
    app.indexer.kick();
    Ok(report)
}

/// The staff upload's job.
pub async fn job(app: App, job_id: i64, payload: serde_json::Value) -> anyhow::Result<()> {
    let upload = payload["upload_id"].as_i64().ok_or_else(|| anyhow::anyhow!("no upload_id"))?;
    let (name, data) = crate::jobs::files::load(&app, upload)
        .await?
        .ok_or_else(|| anyhow::anyhow!("upload {upload} is gone"))?;
    let result = {
        let app2 = app.clone();
        import_bytes(&app, &data, move |done, total| {
            let app = app2.clone();
            async move {
                let _ = crate::jobs::progress(&app, job_id, done as i64, total as i64).await;
            }
        })
        .await
    };
    match result {
        Ok(report) => {
            crate::jobs::set_result(
                &app,
                job_id,
                &serde_json::json!({
                    "summary": format!("{name}: {}", report.summary()),
                    "file": name,
                    "said": report.said(),
                    "link": "/tbt",
                    "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
                    "errors": report.errors.iter().take(500).collect::<Vec<_>>(),
                    "warnings": report.warnings.iter().take(500).collect::<Vec<_>>(),
                }),
            )
            .await?;
            Ok(())
        }
        Err(e) => {
            crate::jobs::set_result(&app, job_id, &serde_json::json!({"summary": format!("{name}: {e:#}")})).await?;
            Ok(())
        }
    }
}

/// `biaozhun import tbt FILE`.
/// Imports a file with a progress bar and returns the report's summary.
pub async fn run_cli(app: &App, file: &std::path::Path) -> anyhow::Result<String> {
    let data = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let bar = crate::imports::progress_bar("notifications");
    let started = std::time::Instant::now();
    let b = bar.clone();
    let report = import_bytes(app, &data, move |done, total| {
        b.set_length(total as u64);
        b.set_position(done as u64);
        async {}
    })
    .await?;
    bar.finish_and_clear();
    println!("{} in {:.1}s", report.summary(), started.elapsed().as_secs_f64());
    crate::imports::print_problems(&report.errors);
    for p in &report.warnings {
        println!("warning: line {}, column {}: {}", p.line, p.column, p.message);
    }
    crate::indexer::follow_once(app).await?;
    Ok(report.summary())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eping_csv_rows() {
        let csv = "Notifying Member(s),Symbol,Title,Distribution date,Products (HS/ICS code),Final date for comments\n\
                   \"欧盟\",G/TBT/N/EU/1100,Hoods,2025-01-10,\"8414; 97.040.20; 9999\",60 days from notification\n\
                   USA,G/TBT/N/XXX,Bad,2025-13-40,,\n";
        let (recs, errs, warns) = parse(csv.as_bytes(), &ImportLimits::default()).unwrap();
        assert_eq!(recs.len(), 1);
        let r = &recs[0].1;
        assert_eq!(r.member, "EU");
        assert_eq!(r.hs, vec!["8414"]);
        assert_eq!(r.ics, vec!["97.040.20"]);
        assert_eq!(r.comment_deadline.as_deref(), Some("2025-03-11"));
        assert!(warns.iter().any(|w| w.line == 2 && w.column == "Products (HS/ICS code)"), "{warns:?}");
        assert!(errs.iter().any(|e| e.line == 3 && e.column == "Symbol"), "{errs:?}");
        // The bad date of a refused row is a warning, not a second reason to refuse it.
        assert!(warns.iter().any(|e| e.line == 3 && e.column == "Distribution date"), "{warns:?}");
    }

    #[test]
    fn unreadable_dates_keep_the_row() {
        let csv = "Symbol,Title,Distribution date,Final date for comments,Proposed date of adoption\n\
                   G/TBT/N/EU/1,Written out,14 July 1997,60 days after publication,1 January 1998\n\
                   G/TBT/N/EU/2,Day first,03/04/1997,31.05.1997,\n\
                   G/TBT/N/EU/3,Odd cell,mid-July 1997 (tbc),60 days from notification,2027-13-45\n\
                   G/TBT/N/EU/4,Odd deadline,1997-07-14,31/31/1997,\n";
        let (recs, errs, warns) = parse(csv.as_bytes(), &ImportLimits::default()).unwrap();
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(recs.len(), 4, "every notification is kept");
        let by = |sym: &str| &recs.iter().find(|(_, r)| r.symbols[0] == sym).unwrap().1;
        let r = by("G/TBT/N/EU/1");
        assert_eq!(r.distribution_date.as_deref(), Some("1997-07-14"));
        assert_eq!(r.comment_deadline.as_deref(), Some("1997-09-12"));
        assert_eq!(r.adoption_date.as_deref(), Some("1998-01-01"));
        let r = by("G/TBT/N/EU/2");
        assert_eq!(r.distribution_date.as_deref(), Some("1997-04-03"));
        assert_eq!(r.comment_deadline.as_deref(), Some("1997-05-31"));
        let r = by("G/TBT/N/EU/3");
        assert_eq!((r.distribution_date.as_deref(), r.distribution_raw.as_str()), (None, "mid-July 1997 (tbc)"));
        assert_eq!(r.comment_deadline, None);
        assert_eq!(r.comment_text, "60 days from notification");
        let r = by("G/TBT/N/EU/4");
        assert_eq!((r.comment_deadline.as_deref(), r.comment_text.as_str()), (None, "31/31/1997"));
        let at = |line: usize, col: &str| warns.iter().any(|w| w.line == line && w.column == col);
        assert!(at(4, "Distribution date") && at(4, "Final date for comments") && at(4, "Proposed date of adoption"), "{warns:?}");
        assert!(at(5, "Final date for comments"), "{warns:?}");
        assert!(!at(2, "Distribution date") && !at(3, "Distribution date"), "{warns:?}");
        // A readable date leaves no raw text behind, so the fingerprint of older imports holds.
        assert!(!by("G/TBT/N/EU/1").hash().is_empty() && !serde_json::to_string(by("G/TBT/N/EU/1")).unwrap().contains("distribution_raw"));
    }
}
