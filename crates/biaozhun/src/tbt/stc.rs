//! Specific trade concerns (STCs) raised in the WTO TBT and SPS committees: import from a
//! CSV/XLSX/JSONL export, storage keyed by committee and number, and the links both ways
//! with notifications (a concern cites symbols; a notification shows the concerns citing
//! any symbol of its family).

use super::members;
use super::model;
use crate::App;
use crate::imports::{self, Problem, Table};
use crate::web::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use stdnum::wto::Agreement;

/// The statuses of the WTO's STC database.
pub const STATUSES: [&str; 3] = ["resolved", "partially_resolved", "not_reported"];

/// A concern as read from a file, normalised.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConcernRecord {
    /// `tbt` or `sps`.
    pub agreement: String,
    /// The committee's number of the concern (TBT IMS ID, SPS STC number), as written.
    pub number: String,
    pub title: String,
    pub description: String,
    /// Member codes raising the concern.
    pub raising: Vec<String>,
    /// Member codes maintaining the measure.
    pub maintaining: Vec<String>,
    /// The committee meetings where it was raised, as written ("March 2024", "2024-03-20").
    pub meetings: Vec<String>,
    /// The first meeting, YYYY-MM-DD, when one can be read.
    pub first_raised: Option<String>,
    pub status: String,
    pub hs: Vec<String>,
    /// Normalised symbols of the notifications referred to.
    pub symbols: Vec<String>,
    pub source_url: String,
}

/// `resolved`, `partially_resolved`, `not_reported` from the words of the WTO's database
/// (and Chinese); empty = not reported.
pub fn status_of(text: &str) -> Option<&'static str> {
    let t = text.trim().to_lowercase().replace(['-', '_'], " ");
    match t.as_str() {
        "resolved" | "已解决" | "解决" => Some("resolved"),
        "partially resolved" | "partly resolved" | "部分解决" | "部分已解决" => Some("partially_resolved"),
        "" | "not reported" | "resolution not reported" | "未报告" | "未报告解决" | "未解决" => Some("not_reported"),
        _ => None,
    }
}

/// The number proper: `STC 541`, `IMS ID 541`, `No. 541`, `#541` are all `541`.
pub fn concern_number(text: &str) -> String {
    let mut t = text.trim();
    loop {
        let before = t;
        for p in ["stc", "ims id", "ims", "id", "no.", "no", "#", "№", ":", "-"] {
            if t.get(..p.len()).is_some_and(|head| head.eq_ignore_ascii_case(p)) {
                t = t[p.len()..].trim_start();
            }
        }
        if t == before {
            break;
        }
    }
    t.trim().to_string()
}

/// A meeting's date: `2024-03-20`, `20 March 2024`, or a month (`March 2024`, `2024-03`,
/// `2024年3月`), which counts from its first day.
pub fn meeting_date(text: &str) -> Option<String> {
    let t = text.trim();
    model::iso_date(t)
        .or_else(|| model::iso_date(&format!("1 {t}")))
        .or_else(|| model::iso_date(&format!("{t}-01")))
        .or_else(|| model::iso_date(&format!("{t}1日")))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum C {
    Number,
    Agreement,
    Title,
    Description,
    Raising,
    Maintaining,
    Meetings,
    FirstRaised,
    Status,
    Hs,
    Symbols,
    Source,
}

fn column_of(header: &str) -> Option<C> {
    let h = header.trim().trim_start_matches('\u{feff}').to_lowercase();
    Some(match h.as_str() {
        "number" | "id" | "ims id" | "stc number" | "stc no." | "stc id" | "concern number" | "编号" | "关注编号" => C::Number,
        "agreement" | "committee" | "协定" | "委员会" => C::Agreement,
        "title" | "stc title" | "标题" | "名称" => C::Title,
        "description" | "summary" | "描述" | "内容" => C::Description,
        "raised by" | "raising members" | "raising member" | "raising member(s)" | "members raising" | "raising" | "提出成员" => C::Raising,
        "maintained by" | "maintaining member" | "maintaining members" | "maintaining member(s)" | "member maintaining the measure" | "maintaining" | "采取措施成员" | "被关注成员" => C::Maintaining,
        "meetings" | "meeting" | "meetings raised" | "dates raised" | "date(s) raised" | "meeting(s) raised" | "提出会议" | "会议" => C::Meetings,
        "first raised" | "date raised" | "first_raised" | "首次提出" | "首次提出日期" => C::FirstRaised,
        "status" | "状态" | "解决状态" => C::Status,
        "hs" | "hs code" | "hs codes" | "hs code(s)" | "hs编码" => C::Hs,
        "notifications" | "related notifications" | "notification symbols" | "document symbols" | "symbols" | "相关通报" | "通报号" => C::Symbols,
        "source_url" | "source" | "link" | "来源" => C::Source,
        _ => return None,
    })
}

struct Raw {
    line: usize,
    /// column → (heading as written, cell)
    cells: HashMap<C, (String, String)>,
}

impl Raw {
    fn text(&self, c: C) -> String {
        self.cells.get(&c).map(|x| x.1.trim().to_string()).unwrap_or_default()
    }
    fn col(&self, c: C) -> String {
        self.cells.get(&c).map(|x| x.0.clone()).unwrap_or_else(|| format!("{c:?}"))
    }
    fn problem(&self, c: C, code: &'static str) -> Problem {
        Problem::new(self.line, self.col(c), code)
    }
}

fn split(cell: &str) -> Vec<String> {
    cell.split([';', '；', '\n', '|', '、'])
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

fn members_of(raw: &Raw, c: C, errs: &mut Vec<Problem>) -> Vec<String> {
    let mut out = Vec::new();
    for name in split(&raw.text(c)).into_iter().flat_map(|n| {
        // "United States, Canada" lists two; "Korea, Republic of" is one name.
        if members::find(&n).is_some() { vec![n] } else { n.split([',', '，']).map(|x| x.trim().to_string()).collect() }
    }) {
        if name.is_empty() {
            continue;
        }
        let code = members::group(&name).map(|g| g.code.to_string()).or_else(|| members::find(&name).map(|m| m.code.to_string()));
        match code {
            Some(code) if !out.contains(&code) => out.push(code),
            Some(_) => {}
            None => errs.push(raw.problem(c, "member_unknown").arg("text", &name)),
        }
    }
    out
}

fn to_record(raw: &Raw) -> Result<ConcernRecord, Vec<Problem>> {
    let mut errs = Vec::new();
    let mut r = ConcernRecord {
        number: concern_number(&raw.text(C::Number)),
        title: raw.text(C::Title),
        description: raw.text(C::Description),
        source_url: raw.text(C::Source),
        ..Default::default()
    };
    if r.number.is_empty() {
        errs.push(raw.problem(C::Number, "stc_number_missing"));
    }
    let sym_text = raw.text(C::Symbols);
    if !sym_text.is_empty() {
        let found = stdnum::wto::find_symbols(&sym_text);
        if found.is_empty() {
            let e = stdnum::wto::parse_symbol(&sym_text).err();
            let p = raw.problem(C::Symbols, "symbol_invalid").arg("text", &sym_text);
            errs.push(match e {
                Some(e) => p.cause(&e),
                None => p,
            });
        }
        for s in found {
            let s = s.to_string();
            if !r.symbols.contains(&s) {
                r.symbols.push(s);
            }
        }
    }
    let agreement = match raw.text(C::Agreement) {
        a if a.is_empty() => stdnum::wto::parse_symbol(r.symbols.first().map(String::as_str).unwrap_or("")).ok().map(|s| s.agreement),
        a => Agreement::parse(a.trim_end_matches(" committee").trim_start_matches("WTO ")).or_else(|| {
            let l = a.to_lowercase();
            if l.contains("sanitary") || l.contains("卫生") {
                Some(Agreement::Sps)
            } else if l.contains("technical barriers") || l.contains("技术性贸易壁垒") {
                Some(Agreement::Tbt)
            } else {
                None
            }
        }),
    };
    match agreement {
        Some(a) => r.agreement = a.code().into(),
        None => errs.push(raw.problem(C::Agreement, "stc_agreement_missing").arg("text", raw.text(C::Agreement))),
    }
    r.raising = members_of(raw, C::Raising, &mut errs);
    r.maintaining = members_of(raw, C::Maintaining, &mut errs);
    if r.maintaining.is_empty() {
        // The notifying members of the cited notifications maintain the measure.
        for s in r.symbols.iter().filter_map(|s| stdnum::wto::parse_symbol(s).ok()) {
            let code = if s.member == "EEC" { "EU".to_string() } else { s.member };
            if !code.is_empty() && !r.maintaining.contains(&code) {
                r.maintaining.push(code);
            }
        }
    }
    r.meetings = split(&raw.text(C::Meetings));
    let first = raw.text(C::FirstRaised);
    r.first_raised = meeting_date(&first).or_else(|| r.meetings.iter().filter_map(|m| meeting_date(m)).min());
    match status_of(&raw.text(C::Status)) {
        Some(s) => r.status = s.into(),
        None => errs.push(raw.problem(C::Status, "stc_status_unknown").arg("text", raw.text(C::Status))),
    }
    let (hs, _, bad) = model::split_codes(&raw.text(C::Hs));
    r.hs = hs;
    if let Some(b) = bad.first() {
        errs.push(raw.problem(C::Hs, "code_dropped").arg("code", b));
    }
    if r.title.is_empty() && errs.is_empty() {
        r.title = format!("STC {}", r.number);
    }
    if errs.is_empty() { Ok(r) } else { Err(errs) }
}

fn rows_of(data: &[u8], app: &App) -> anyhow::Result<(Vec<Raw>, Vec<Problem>)> {
    let read = imports::read(data, &app.config.imports, super::import::xlsx_cell)?;
    let mut errors = read.problems;
    let mut out = Vec::new();
    match read.table {
        Table::Rows(rows) => {
            let at = rows.iter().position(|r| r.cells.iter().any(|c| column_of(c) == Some(C::Number))).unwrap_or(0);
            let mut rows = rows.into_iter().skip(at);
            let header = rows.next().map(|r| r.cells).unwrap_or_default();
            let cols: Vec<Option<C>> = header.iter().map(|h| column_of(h)).collect();
            if !cols.contains(&Some(C::Number)) {
                anyhow::bail!("no Number column (found: {})", header.join(", "));
            }
            for row in rows {
                if row.cells.iter().all(|c| c.trim().is_empty()) {
                    continue;
                }
                let mut cells = HashMap::new();
                for (i, c) in row.cells.into_iter().enumerate() {
                    if let Some(Some(k)) = cols.get(i) {
                        cells.entry(*k).or_insert((header[i].trim().trim_start_matches('\u{feff}').to_string(), c.replace('\0', "")));
                    }
                }
                out.push(Raw { line: row.line, cells });
            }
        }
        Table::Lines(text) => {
            for (i, line) in text.lines().enumerate() {
                let l = line.trim();
                if l.is_empty() {
                    continue;
                }
                match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(l) {
                    Ok(obj) => {
                        let mut cells = HashMap::new();
                        for (k, v) in &obj {
                            let Some(c) = column_of(k) else { continue };
                            let text = match v {
                                serde_json::Value::Null => continue,
                                serde_json::Value::String(s) => s.clone(),
                                serde_json::Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string).unwrap_or_else(|| x.to_string())).collect::<Vec<_>>().join("; "),
                                other => other.to_string(),
                            };
                            cells.insert(c, (k.clone(), text.replace('\0', "")));
                        }
                        out.push(Raw { line: i + 1, cells });
                    }
                    Err(e) => errors.push(Problem::new(i + 1, "", "not_json").arg("detail", e)),
                }
            }
        }
    }
    Ok((out, errors))
}

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub errors: Vec<Problem>,
}

impl Report {
    pub fn said(&self) -> serde_json::Value {
        serde_json::json!({"key": "tbt.stc_import_summary", "args": {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged, "refused": self.errors.len(),
        }})
    }
    pub fn summary(&self) -> String {
        crate::web::i18n::said(crate::web::Lang::En, &self.said())
    }
}

fn js<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Reads a file and stores its concerns (keyed by committee and number: re-importing the
/// same file changes nothing), in transactions of 500.
pub async fn import_bytes(app: &App, data: &[u8]) -> anyhow::Result<Report> {
    let (rows, mut errors) = rows_of(data, app)?;
    let mut recs: Vec<ConcernRecord> = Vec::new();
    let mut lines = std::collections::HashSet::new();
    for raw in &rows {
        match to_record(raw) {
            Ok(r) => recs.push(r),
            Err(mut e) => {
                lines.insert(raw.line);
                errors.append(&mut e)
            }
        }
    }
    let mut report = Report { rows: recs.len() + lines.len(), errors, ..Default::default() };
    let now = crate::util::now();
    for chunk in recs.chunks(500) {
        let mut tx = app.db.begin().await?;
        for r in chunk {
            let hash = crate::util::sha256_hex(&js(r));
            let old: Option<(i64, String)> = sqlx::query_as("SELECT id, content_hash FROM trade_concerns WHERE agreement = $1 AND number = $2")
                .bind(&r.agreement)
                .bind(&r.number)
                .fetch_optional(&mut *tx)
                .await?;
            let id = match old {
                Some((_, h)) if h == hash => {
                    report.unchanged += 1;
                    continue;
                }
                Some((id, _)) => {
                    sqlx::query(
                        "UPDATE trade_concerns SET title=$1, description=$2, raising=$3, maintaining=$4, meetings=$5, first_raised=$6, status=$7, hs=$8, \
                         source_url=$9, content_hash=$10, updated_at=$11 WHERE id=$12",
                    )
                    .bind(&r.title)
                    .bind(&r.description)
                    .bind(js(&r.raising))
                    .bind(js(&r.maintaining))
                    .bind(js(&r.meetings))
                    .bind(&r.first_raised)
                    .bind(&r.status)
                    .bind(js(&r.hs))
                    .bind(&r.source_url)
                    .bind(&hash)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("DELETE FROM trade_concern_symbols WHERE concern_id = $1").bind(id).execute(&mut *tx).await?;
                    report.updated += 1;
                    id
                }
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO trade_concerns (agreement, number, title, description, raising, maintaining, meetings, first_raised, status, hs, source_url, content_hash, created_at, updated_at) \
                         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$13) RETURNING id",
                    )
                    .bind(&r.agreement)
                    .bind(&r.number)
                    .bind(&r.title)
                    .bind(&r.description)
                    .bind(js(&r.raising))
                    .bind(js(&r.maintaining))
                    .bind(js(&r.meetings))
                    .bind(&r.first_raised)
                    .bind(&r.status)
                    .bind(js(&r.hs))
                    .bind(&r.source_url)
                    .bind(&hash)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await?;
                    report.created += 1;
                    id
                }
            };
            for s in &r.symbols {
                sqlx::query("INSERT INTO trade_concern_symbols (concern_id, symbol) VALUES ($1,$2) ON CONFLICT (concern_id, symbol) DO NOTHING")
                    .bind(id)
                    .bind(s)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
    }
    Ok(report)
}

/// The staff upload's job (`tbt_stc_import`).
pub async fn job(app: App, job_id: i64, payload: serde_json::Value) -> anyhow::Result<()> {
    let upload = payload["upload_id"].as_i64().ok_or_else(|| anyhow::anyhow!("no upload_id"))?;
    let (name, data) = crate::jobs::files::load(&app, upload).await?.ok_or_else(|| anyhow::anyhow!("upload {upload} is gone"))?;
    let result = match import_bytes(&app, &data).await {
        Ok(r) => serde_json::json!({
            "summary": format!("{name}: {}", r.summary()), "file": name, "said": r.said(), "link": "/trade-concerns",
            "created": r.created, "updated": r.updated, "unchanged": r.unchanged,
            "errors": r.errors.iter().take(500).collect::<Vec<_>>(),
        }),
        Err(e) => serde_json::json!({"summary": format!("{name}: {e:#}")}),
    };
    crate::jobs::set_result(&app, job_id, &result).await?;
    Ok(())
}

/// `biaozhun import trade-concerns FILE`.
pub async fn run_cli(app: &App, file: &std::path::Path) -> anyhow::Result<String> {
    let data = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let started = std::time::Instant::now();
    let report = import_bytes(app, &data).await?;
    println!("{} in {:.1}s", report.summary(), started.elapsed().as_secs_f64());
    crate::imports::print_problems(&report.errors);
    Ok(report.summary())
}

// ---------------------------------------------------------------------------------------
// Reading

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationLink {
    pub symbol: String,
    /// The notification when it is in the database (else only the symbol is known).
    pub id: Option<i64>,
    pub title: Option<String>,
    pub agreement: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TradeConcern {
    pub id: i64,
    /// `tbt` or `sps`: the committee where it was raised.
    pub agreement: String,
    /// The committee's number of the concern.
    pub number: String,
    pub title: String,
    pub description: String,
    pub raising: Vec<super::store::MemberRef>,
    pub maintaining: Vec<super::store::MemberRef>,
    /// Meetings where it was raised, as written.
    pub meetings: Vec<String>,
    pub first_raised: Option<String>,
    /// `resolved`, `partially_resolved` or `not_reported`.
    pub status: String,
    pub hs: Vec<String>,
    /// The notifications it refers to.
    pub notifications: Vec<NotificationLink>,
    pub source_url: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    agreement: String,
    number: String,
    title: String,
    description: String,
    raising: String,
    maintaining: String,
    meetings: String,
    first_raised: Option<String>,
    status: String,
    hs: String,
    source_url: String,
}

const SEL: &str = "id, agreement, number, title, description, raising, maintaining, meetings, first_raised, status, hs, source_url";

fn list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

impl Row {
    fn view(self, lang: &str) -> TradeConcern {
        TradeConcern {
            id: self.id,
            agreement: self.agreement,
            number: self.number,
            title: self.title,
            description: self.description,
            raising: list(&self.raising).iter().map(|m| super::store::member_ref(m, lang)).collect(),
            maintaining: list(&self.maintaining).iter().map(|m| super::store::member_ref(m, lang)).collect(),
            meetings: list(&self.meetings),
            first_raised: self.first_raised,
            status: self.status,
            hs: list(&self.hs),
            notifications: Vec::new(),
            source_url: self.source_url,
        }
    }
}

async fn with_links(app: &App, mut items: Vec<TradeConcern>) -> AppResult<Vec<TradeConcern>> {
    if items.is_empty() {
        return Ok(items);
    }
    let ids: Vec<i64> = items.iter().map(|c| c.id).collect();
    let sql = format!(
        "SELECT c.concern_id, c.symbol, n.id, n.title, n.agreement FROM trade_concern_symbols c LEFT JOIN tbt_symbols s ON s.symbol = c.symbol \
         LEFT JOIN tbt_notifications n ON n.id = s.notification_id WHERE c.concern_id IN ({}) ORDER BY c.symbol",
        app.db.kind.params(1, ids.len())
    );
    let mut q = sqlx::query_as::<_, (i64, String, Option<i64>, Option<String>, Option<String>)>(sqlx::AssertSqlSafe(sql));
    for id in &ids {
        q = q.bind(*id);
    }
    let mut by: HashMap<i64, Vec<NotificationLink>> = HashMap::new();
    for (cid, symbol, id, title, agreement) in q.fetch_all(&app.db.pool).await? {
        let agreement = agreement.unwrap_or_else(|| super::sps::agreement_of(std::slice::from_ref(&symbol)).code().into());
        by.entry(cid).or_default().push(NotificationLink { symbol, id, title, agreement });
    }
    for c in &mut items {
        c.notifications = by.remove(&c.id).unwrap_or_default();
    }
    Ok(items)
}

pub async fn get(app: &App, id: i64, lang: &str) -> AppResult<TradeConcern> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {SEL} FROM trade_concerns WHERE id = $1")))
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await?;
    let c = row.ok_or(AppError::NotFound)?.view(lang);
    Ok(with_links(app, vec![c]).await?.remove(0))
}

#[derive(Debug, Default, Clone, Deserialize, Serialize, utoipa::IntoParams)]
pub struct ConcernFilters {
    /// Words of the title or description, or the number.
    pub q: Option<String>,
    /// A member (raising or maintaining) or a group (ASEAN, EU …).
    pub member: Option<String>,
    /// `tbt` or `sps`.
    pub agreement: Option<String>,
    /// `resolved`, `partially_resolved`, `not_reported`.
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

/// Concerns matching the filters, newest first, and their count. There are hundreds, not
/// millions: the text and member filters run over the rows read.
pub async fn search(app: &App, f: &ConcernFilters, lang: &str) -> AppResult<(Vec<TradeConcern>, usize)> {
    let agreement = match f.agreement.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(a) => Some(Agreement::parse(a).ok_or_else(|| AppError::invalid("agreement", "tbt or sps"))?.code()),
        None => None,
    };
    let status = match f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(STATUSES.into_iter().find(|x| *x == s).ok_or_else(|| AppError::invalid("status", STATUSES.join(", ")))?),
        None => None,
    };
    let wanted: Option<Vec<String>> = match f.member.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(m) => {
            let v = members::expand(m);
            if v.is_empty() {
                return Err(AppError::invalid("member", "unknown member"));
            }
            Some(v)
        }
        None => None,
    };
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {SEL} FROM trade_concerns WHERE ($1 = '' OR agreement = $1) AND ($2 = '' OR status = $2) ORDER BY first_raised DESC, id DESC"
    )))
    .bind(agreement.unwrap_or(""))
    .bind(status.unwrap_or(""))
    .fetch_all(&app.db.pool)
    .await?;
    let words: Vec<String> = f.q.as_deref().unwrap_or("").to_lowercase().split_whitespace().take(10).map(str::to_string).collect();
    let kept: Vec<Row> = rows
        .into_iter()
        .filter(|r| {
            wanted.as_ref().is_none_or(|w| list(&r.raising).iter().chain(list(&r.maintaining).iter()).any(|m| w.contains(m)))
                && words.iter().all(|w| {
                    let hay = format!("{} {} {} {}", r.number, r.title, r.description, r.agreement).to_lowercase();
                    hay.contains(w.as_str()) || r.number == concern_number(w)
                })
        })
        .collect();
    let total = kept.len();
    let per_page = f.per_page.unwrap_or(20).clamp(1, 100) as usize;
    let page = f.page.unwrap_or(1).clamp(1, 10_000) as usize;
    let items: Vec<TradeConcern> = kept.into_iter().skip((page - 1) * per_page).take(per_page).map(|r| r.view(lang)).collect();
    Ok((with_links(app, items).await?, total))
}

/// The concerns citing a notification: any of its symbols, or its family's root.
pub async fn of_notification(app: &App, symbols: &[String], root: &str, lang: &str) -> AppResult<Vec<TradeConcern>> {
    let mut keys: Vec<String> = symbols.to_vec();
    keys.push(root.to_string());
    keys.sort();
    keys.dedup();
    let sql = format!(
        "SELECT {SEL} FROM trade_concerns WHERE id IN (SELECT concern_id FROM trade_concern_symbols WHERE symbol IN ({})) ORDER BY first_raised, id",
        app.db.kind.params(1, keys.len())
    );
    let mut q = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
    for k in &keys {
        q = q.bind(k.clone());
    }
    let items = q.fetch_all(&app.db.pool).await?.into_iter().map(|r| r.view(lang)).collect();
    with_links(app, items).await
}

/// The concern's line in a consolidated comment (通报评议) citing it.
pub fn citation(c: &TradeConcern) -> String {
    let raising: Vec<&str> = c.raising.iter().map(|m| m.code.as_str()).collect();
    format!(
        "{} STC {} \"{}\" (raised by {}; {}; status: {})",
        c.agreement.to_uppercase(),
        c.number,
        c.title,
        if raising.is_empty() { "-".to_string() } else { raising.join(", ") },
        c.meetings.join(", "),
        c.status.replace('_', " ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(pairs: &[(C, &str)]) -> Raw {
        Raw { line: 2, cells: pairs.iter().map(|(c, v)| (*c, (format!("{c:?}"), v.to_string()))).collect() }
    }

    #[test]
    fn a_concern_row() {
        let r = to_record(&raw(&[
            (C::Number, "STC 541"),
            (C::Title, "China's import restrictions on aquatic products"),
            (C::Raising, "Japan"),
            (C::Symbols, "G/SPS/N/CHN/1290, G/SPS/N/CHN/1290/Add.1"),
            (C::Meetings, "November 2023; March 2024"),
            (C::Status, "Not reported"),
        ]))
        .unwrap();
        assert_eq!(r.agreement, "sps", "from the symbols");
        assert_eq!(r.number, "541");
        assert_eq!(concern_number("IMS ID 1234"), "1234");
        assert_eq!(concern_number("No. 12"), "12");
        assert_eq!(r.raising, ["JPN"]);
        assert_eq!(r.maintaining, ["CHN"], "the notifying member maintains the measure");
        assert_eq!(r.first_raised.as_deref(), Some("2023-11-01"));
        assert_eq!(r.status, "not_reported");
        let e = to_record(&raw(&[(C::Number, "1"), (C::Status, "pending"), (C::Raising, "Atlantis")])).unwrap_err();
        let codes: Vec<&str> = e.iter().map(|p| p.code.as_str()).collect();
        assert!(codes.contains(&"stc_status_unknown") && codes.contains(&"member_unknown") && codes.contains(&"stc_agreement_missing"), "{codes:?}");
    }

    #[test]
    fn statuses_and_meeting_dates() {
        assert_eq!(status_of("Partially resolved"), Some("partially_resolved"));
        assert_eq!(status_of("已解决"), Some("resolved"));
        assert_eq!(status_of("maybe"), None);
        assert_eq!(meeting_date("March 2024").as_deref(), Some("2024-03-01"));
        assert_eq!(meeting_date("2024-06-19").as_deref(), Some("2024-06-19"));
        assert_eq!(meeting_date("2024-06").as_deref(), Some("2024-06-01"));
    }
}
