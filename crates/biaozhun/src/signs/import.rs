//! `biaozhun import signs FILE`: a register of signs (CSV or XLSX through the `imports/` table
//! reader), headed in Chinese or English. Every row names the sign's code, which makes the
//! import idempotent: a known code updates that sign, a new one adds it, running a file twice
//! changes nothing. A row that cannot be kept is reported with its line, the column as the
//! file names it and the reason (a district outside Guangzhou, a street not in the district,
//! a standard outside GB/T 10001, GB/T 20501 and GB/T 15566, coordinates outside WGS-84, an
//! owner not registered here), worded in the reader's language from its code. The good rows
//! go in transactions of [`BATCH`] rows with the district counts (a run cut short is completed
//! by running the file again). Staff upload the same files at `/staff/signs/import`: a job
//! (`signs_import`) with the house's progress page and the refused rows by line and column.

use super::model::{self, SignIn};
use super::store::{self, Saved};
use crate::App;
use crate::imports::{self, Problem, Row, Table};
use crate::web::{Access, AppError, Ctx, Lang, Routes};
use serde_json::{Value, json};

/// Rows stored in one transaction.
pub const BATCH: usize = 200;

pub fn routes() -> Routes {
    Routes::new().get("/staff/signs/import", Access::Staff, upload_page).post("/staff/signs/import", Access::Staff, upload)
}

/// The columns, by the headings a file may use (compared without case, spaces and `_`).
const COLUMNS: &[(&str, &[&str])] = &[
    ("code", &["编号", "标志编号", "code", "signcode"]),
    ("district", &["区", "所在区", "行政区", "district", "districtcode"]),
    ("street", &["街道", "街道（镇）", "街镇", "street"]),
    ("address", &["地址", "设置地点", "address"]),
    ("type", &["类型", "标志类型", "type"]),
    ("standard", &["执行标准", "标准", "standard"]),
    ("lat", &["纬度", "lat", "latitude"]),
    ("lon", &["经度", "lon", "lng", "longitude"]),
    ("set_name", &["标志组", "所属标志组", "set", "signset"]),
    ("owner", &["设置单位统一社会信用代码", "统一社会信用代码", "信用代码", "owner", "ownercreditcode", "uscc"]),
];

/// The columns the file must have.
const REQUIRED: [&str; 5] = ["code", "district", "address", "type", "standard"];

fn heading_key(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '_').collect::<String>().to_lowercase()
}

/// Where each column is: (field, index, heading as written).
fn find_columns(rows: &[Row]) -> Option<(usize, Vec<(&'static str, usize, String)>)> {
    for (i, r) in rows.iter().enumerate().take(10) {
        let found: Vec<_> = COLUMNS
            .iter()
            .filter_map(|(field, names)| r.cells.iter().position(|c| names.contains(&heading_key(c).as_str())).map(|p| (*field, p, r.cells[p].trim().to_string())))
            .collect();
        if REQUIRED.iter().all(|f| found.iter().any(|c| c.0 == *f)) {
            return Some((i, found));
        }
    }
    None
}

/// A district cell: the GB/T 2260 code, or the name with or without 区.
fn district_code(cell: &str) -> String {
    let cell = cell.trim();
    model::districts()
        .into_iter()
        .find(|(code, name)| *code == cell || *name == cell || name.trim_end_matches('区') == cell)
        .map(|(c, _)| c.to_string())
        .unwrap_or_else(|| cell.to_string())
}

/// A type cell: the code, or its Chinese name.
fn type_code(cell: &str) -> String {
    let cell = cell.trim();
    let zh = [("位置标志", "location"), ("导向标志", "direction"), ("平面示意图", "plan"), ("信息索引标志", "information"), ("提示标志", "notice")];
    zh.iter().find(|(n, _)| *n == cell).map(|(_, c)| c.to_string()).unwrap_or_else(|| cell.to_lowercase())
}

/// A row to keep.
pub struct Entry {
    pub line: usize,
    pub sign: SignIn,
    /// The heading of each field, for the problems the checks find.
    pub headings: Vec<(&'static str, String)>,
}

pub struct Parsed {
    pub entries: Vec<Entry>,
    pub problems: Vec<Problem>,
}

/// Reads the file (no database).
pub fn parse(data: &[u8], limits: &crate::config::ImportLimits) -> anyhow::Result<Parsed> {
    let read = imports::read(data, limits, imports::cell_text)?;
    let Table::Rows(rows) = read.table else {
        return Ok(Parsed { entries: vec![], problems: vec![Problem::new(1, "", "signs_no_header")] });
    };
    let mut problems = read.problems;
    let Some((head, cols)) = find_columns(&rows) else {
        problems.push(Problem::new(rows.first().map_or(1, |r| r.line), "", "signs_no_header"));
        return Ok(Parsed { entries: vec![], problems });
    };
    let headings: Vec<(&'static str, String)> = cols.iter().map(|(f, _, h)| (*f, h.clone())).collect();
    let mut entries = Vec::new();
    for r in &rows[head + 1..] {
        let get = |field: &str| cols.iter().find(|c| c.0 == field).and_then(|c| r.cells.get(c.1)).map(|s| s.trim().to_string()).unwrap_or_default();
        if r.cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let heading = |field: &str| headings.iter().find(|h| h.0 == field).map(|h| h.1.clone()).unwrap_or_default();
        let code = get("code");
        if code.is_empty() {
            problems.push(Problem::new(r.line, heading("code"), "signs_no_code"));
            continue;
        }
        let mut bad = false;
        let mut degree = |field: &str| -> Option<f64> {
            let v = get(field);
            if v.is_empty() {
                return None;
            }
            match v.parse::<f64>() {
                Ok(x) => Some(x),
                Err(_) => {
                    problems.push(Problem::new(r.line, heading(field), "signs_degree").arg("text", &v));
                    bad = true;
                    None
                }
            }
        };
        let (lat, lon) = (degree("lat"), degree("lon"));
        if bad {
            continue;
        }
        let sign = SignIn {
            code: Some(code),
            district: district_code(&get("district")),
            street: get("street"),
            address: get("address"),
            sign_type: type_code(&get("type")),
            standard: get("standard"),
            lat,
            lon,
            set_name: Some(get("set_name")),
            owner: Some(get("owner")),
        };
        entries.push(Entry { line: r.line, sign, headings: headings.clone() });
    }
    Ok(Parsed { entries, problems })
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    pub rows: usize,
    pub added: usize,
    pub updated: usize,
    pub refused: Vec<Problem>,
}

impl Report {
    fn refused_rows(&self) -> usize {
        self.refused.iter().map(|p| p.line).collect::<std::collections::BTreeSet<_>>().len()
    }

    pub fn summary(&self) -> String {
        format!("{} rows: {} signs added, {} updated, {} rows refused", self.rows, self.added, self.updated, self.refused_rows())
    }

    /// The summary as data, worded in the reader's language on the job's page.
    pub fn said(&self) -> Value {
        json!({"key": "signs.import_summary", "args": {"rows": self.rows, "added": self.added, "updated": self.updated, "refused": self.refused_rows()}})
    }
}

/// The problem code of a field the checks refused (`problem.signs_bad_<field>`).
fn problem_code(field: &str) -> &'static str {
    match field {
        "code" => "signs_bad_code",
        "district" => "signs_bad_district",
        "street" => "signs_bad_street",
        "address" => "signs_bad_address",
        "type" => "signs_bad_type",
        "standard" => "signs_bad_standard",
        "lat" => "signs_bad_lat",
        "lon" => "signs_bad_lon",
        "set_name" => "signs_bad_set_name",
        _ => "signs_bad_owner",
    }
}

/// The cell a field's problem quotes.
fn cell_of(sign: &SignIn, field: &str) -> String {
    let deg = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    match field {
        "code" => sign.code.clone().unwrap_or_default(),
        "district" => sign.district.clone(),
        "street" => sign.street.clone(),
        "address" => sign.address.clone(),
        "type" => sign.sign_type.clone(),
        "standard" => sign.standard.clone(),
        "lat" => deg(sign.lat),
        "lon" => deg(sign.lon),
        "set_name" => sign.set_name.clone().unwrap_or_default(),
        _ => sign.owner.clone().unwrap_or_default(),
    }
}

/// Imports a file; `progress(done, total)` is awaited after each batch is stored.
pub async fn import_bytes<F, Fut>(app: &App, data: &[u8], mut progress: F) -> anyhow::Result<Report>
where
    F: FnMut(usize, usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let limits = app.config.imports.clone();
    let owned = data.to_vec();
    let Parsed { entries, problems: mut refused } = tokio::task::spawn_blocking(move || parse(&owned, &limits)).await??;
    let mut report = Report { rows: entries.len() + refused.iter().map(|p| p.line).collect::<std::collections::BTreeSet<_>>().len(), ..Default::default() };
    let total = entries.len();
    let mut done = 0;
    for chunk in entries.chunks(BATCH) {
        let mut tx = app.db.begin().await?;
        for e in chunk {
            let heading = |field: &str| e.headings.iter().find(|h| h.0 == field).map(|h| h.1.clone()).unwrap_or_else(|| field.to_string());
            let saved = match e.sign.check(Lang::En) {
                Ok(checked) => store::save(&mut tx, None, &checked, true).await,
                Err(err) => Err(err),
            };
            match saved {
                Ok(Saved::Added(_)) => report.added += 1,
                Ok(Saved::Updated(_)) => report.updated += 1,
                Err(AppError::Invalid { field, .. }) => {
                    let field = field.unwrap_or_default();
                    refused.push(Problem::new(e.line, heading(&field), problem_code(&field)).arg("text", cell_of(&e.sign, &field)));
                }
                Err(other) => return Err(anyhow::anyhow!("line {}: {other}", e.line)),
            }
        }
        tx.commit().await?;
        done += chunk.len();
        progress(done, total).await;
    }
    refused.sort_by_key(|p| p.line);
    report.refused = refused;
    Ok(report)
}

/// The staff page of the upload.
async fn upload_page(axum::extract::State(app): axum::extract::State<App>, ctx: Ctx) -> crate::web::AppResult<axum::response::Response> {
    ctx.render(&app, "signs/import.html", minijinja::context! { batch => BATCH })
}

/// Staff upload a register (the CSRF token in the query, as multipart forms carry it); the
/// job's page follows its progress and lists the refused rows.
async fn upload(axum::extract::State(app): axum::extract::State<App>, ctx: Ctx, mut mp: axum::extract::Multipart) -> crate::web::AppResult<axum::response::Response> {
    let r = imports::stage_upload_with(&app, &ctx, &mut mp, "signs_import", &ctx.t("signs.err_no_file"), json!({"user_id": ctx.user_id()})).await?;
    let job = r.headers().get(axum::http::header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    crate::auth::audit::log(&app, &ctx, "signs.import", job, "upload").await;
    Ok(r)
}

/// The `signs_import` job: an uploaded register, with its progress by batch, the summary
/// and the refused rows (by code, worded for the reader). The upload is audited as
/// `signs.import` with the staff member who made it.
pub async fn job(app: App, job_id: i64, payload: Value) -> anyhow::Result<()> {
    let upload = payload.get("upload_id").and_then(Value::as_i64).ok_or_else(|| anyhow::anyhow!("no upload_id"))?;
    let Some((name, bytes)) = crate::jobs::files::load(&app, upload).await? else { anyhow::bail!("the uploaded file is gone") };
    let app2 = app.clone();
    let result = import_bytes(&app, &bytes, move |done, total| {
        let app = app2.clone();
        async move {
            let _ = crate::jobs::progress(&app, job_id, done as i64, total as i64).await;
        }
    })
    .await;
    let value = match result {
        Ok(report) => {
            json!({
                "summary": format!("{name}: {}", report.summary()), "file": name, "said": report.said(), "link": "/signs",
                "added": report.added, "updated": report.updated, "errors": report.refused.iter().take(500).collect::<Vec<_>>(),
            })
        }
        Err(e) => json!({"summary": format!("{name}: {e:#}")}),
    };
    crate::jobs::set_result(&app, job_id, &value).await?;
    Ok(())
}

/// The command line: a progress bar, the summary and the refused rows.
pub async fn run_cli(app: &App, file: &std::path::Path) -> anyhow::Result<String> {
    let data = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let bar = crate::imports::progress_bar("signs");
    let started = std::time::Instant::now();
    let b = bar.clone();
    let report = import_bytes(app, &data, move |done, total| {
        b.set_length(total as u64);
        b.set_position(done as u64);
        std::future::ready(())
    })
    .await?;
    bar.finish_and_clear();
    // The summary and the refused rows in the command line's language; the audit keeps the English.
    let said = crate::web::i18n::said(crate::imports::cli_lang(), &report.said());
    println!("{said} ({:.1}s)", started.elapsed().as_secs_f64());
    crate::imports::print_problems(&report.refused);
    Ok(report.summary())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_under_chinese_headings() {
        let csv = "编号,区,街道,地址,类型,执行标准,纬度,经度\nA-1,天河区,天河南街道,体育东路 1 号,导向标志,GB/T 15566.1-2020,23.13,113.32\n,越秀,,x,notice,GB/T 10001.1-2023,,\nA-3,越秀,,x,notice,GB/T 10001.1-2023,north,\n";
        let Parsed { entries, problems } = parse(csv.as_bytes(), &Default::default()).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].sign.district, "440106");
        assert_eq!(entries[0].sign.sign_type, "direction");
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!((problems[0].line, problems[0].column.as_str(), problems[0].code.as_str()), (3, "编号", "signs_no_code"));
        assert_eq!((problems[1].line, problems[1].column.as_str()), (4, "纬度"));
        assert!(entries[0].sign.check(Lang::Zh).is_ok());
    }
}
