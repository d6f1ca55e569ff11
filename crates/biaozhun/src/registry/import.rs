//! Import of an organisation's product list (CSV, TSV or XLSX through `imports/`): name,
//! model, GTIN, HS code and the standards followed, under Chinese or English headings.
//! Each bad row is reported with its line and column and the good ones are kept; each row
//! is saved in its own transaction under the product's key (organisation, name, model), so
//! a re-run, or a run after a crash, changes nothing that is already there and never makes
//! a product twice (`biaozhun import products FILE --org CREDITCODE`).

use super::model::{self, ProductIn};
use super::store::{self, Saved};
use crate::App;
use crate::imports::{self, Problem, Row, Table};
use serde_json::{Value, json};

const NAME: &[&str] = &["产品名称", "名称", "产品", "name", "product", "productname"];
const MODEL: &[&str] = &["型号", "规格型号", "型号规格", "model", "type"];
const GTIN: &[&str] = &["商品条码", "条码", "条形码", "gtin", "ean", "barcode"];
const HS: &[&str] = &["hs编码", "hs", "hscode", "海关编码", "商品编码"];
const STANDARDS: &[&str] = &["执行标准", "标准", "标准号", "standards", "standard"];

fn heading_key(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '_').collect::<String>().to_lowercase()
}

/// A row to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub line: usize,
    pub values: model::ProductValues,
    pub gtin_heading: String,
}

pub struct Parsed {
    pub lines: Vec<Line>,
    pub problems: Vec<Problem>,
}

/// Reads the file into rows to keep and the problems of the others.
pub fn parse(data: &[u8], limits: &crate::config::ImportLimits) -> anyhow::Result<Parsed> {
    let read = imports::read(data, limits, imports::cell_text)?;
    let Table::Rows(rows) = read.table else {
        return Ok(Parsed { lines: vec![], problems: vec![Problem::new(1, "", "registry_no_header")] });
    };
    let mut problems = read.problems;
    let Some((head, cols)) = find_columns(&rows) else {
        problems.push(Problem::new(rows.first().map_or(1, |r| r.line), "", "registry_no_header"));
        return Ok(Parsed { lines: vec![], problems });
    };
    let heading = |c: &Option<(usize, String)>| c.as_ref().map(|(_, h)| h.clone()).unwrap_or_default();
    let mut lines = Vec::new();
    for r in &rows[head + 1..] {
        let get = |c: &Option<(usize, String)>| c.as_ref().and_then(|(i, _)| r.cells.get(*i)).map(|s| s.trim().to_string()).unwrap_or_default();
        let input = ProductIn {
            organisation: String::new(),
            name: get(&cols[0]),
            model: get(&cols[1]),
            gtin: get(&cols[2]),
            hs: get(&cols[3]),
            standards: model::split_numbers(&get(&cols[4])),
            indicators: Default::default(),
        };
        if input.name.is_empty() && input.model.is_empty() && input.gtin.is_empty() && input.hs.is_empty() && input.standards.is_empty() {
            continue;
        }
        match input.check() {
            Ok(values) => lines.push(Line { line: r.line, values, gtin_heading: heading(&cols[2]) }),
            Err(e) => {
                let col = match e.field {
                    "name" => heading(&cols[0]),
                    "model" => heading(&cols[1]),
                    "gtin" => heading(&cols[2]),
                    "hs" => heading(&cols[3]),
                    _ => heading(&cols[4]),
                };
                let mut p = Problem::new(r.line, col, problem_code(e.field));
                for (k, v) in &e.args {
                    p = p.arg(k, v);
                }
                if e.field == "gtin"
                    && let Err(ge) = stdnum::gtin::validate(&input.gtin)
                {
                    p = p.arg("text", &input.gtin).cause(&ge);
                }
                problems.push(p);
            }
        }
    }
    Ok(Parsed { lines, problems })
}

fn problem_code(field: &str) -> &'static str {
    match field {
        "name" => "registry_name",
        "model" => "registry_model",
        "gtin" => "registry_gtin",
        "hs" => "registry_hs",
        _ => "registry_standard",
    }
}

/// Where the columns are: name, model, GTIN, HS, standards (the name is required).
/// A column's position and its heading as the file writes it.
type Column = Option<(usize, String)>;

fn find_columns(rows: &[Row]) -> Option<(usize, [Column; 5])> {
    for (i, r) in rows.iter().enumerate().take(10) {
        let find = |names: &[&str]| r.cells.iter().position(|c| names.contains(&heading_key(c).as_str())).map(|p| (p, r.cells[p].trim().to_string()));
        let name = find(NAME);
        if name.is_some() {
            return Some((i, [name, find(MODEL), find(GTIN), find(HS), find(STANDARDS)]));
        }
    }
    None
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn summary(&self) -> String {
        format!("{} rows: {} created, {} updated, {} unchanged, {} problems", self.rows, self.created, self.updated, self.unchanged, self.problems.len())
    }

    pub fn said(&self) -> Value {
        json!({"key": "registry.import_summary", "args": {"rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged, "problems": self.problems.len()}})
    }
}

/// Imports a file for the organisation of `org_code`; `progress(done, total)` after each row.
pub async fn import_bytes(app: &App, org_id: i64, data: &[u8], actor: Option<i64>, mut progress: impl FnMut(usize, usize)) -> anyhow::Result<Report> {
    let parsed = parse(data, &app.config.imports)?;
    let mut report = Report { rows: parsed.lines.len() + parsed.problems.len(), problems: parsed.problems, ..Default::default() };
    let total = parsed.lines.len();
    for (i, l) in parsed.lines.iter().enumerate() {
        let mut tx = app.db.begin().await?;
        match store::save(&mut tx, org_id, &l.values, actor).await? {
            Ok(Saved::Created(_)) => report.created += 1,
            Ok(Saved::Updated(_)) => report.updated += 1,
            Ok(Saved::Unchanged(_)) => report.unchanged += 1,
            Err(e) => {
                let mut p = Problem::new(l.line, &l.gtin_heading, "registry_gtin_taken");
                for (k, v) in &e.args {
                    p = p.arg(k, v);
                }
                report.problems.push(p);
            }
        }
        tx.commit().await?;
        progress(i + 1, total);
    }
    report.problems.sort_by_key(|p| p.line);
    Ok(report)
}

/// The staff page of the upload: the organisation's credit code and the file.
pub async fn upload_page(
    axum::extract::State(app): axum::extract::State<App>,
    ctx: crate::web::Ctx,
    axum::extract::Query(q): axum::extract::Query<UploadQuery>,
) -> crate::web::AppResult<axum::response::Response> {
    let (org, error) = if q.org.trim().is_empty() {
        (None, None)
    } else {
        match store::org_of_code(&app, &ctx, &q.org, "org").await {
            Ok(o) => (Some(o), None),
            Err(e) => (None, Some(e.to_string())),
        }
    };
    ctx.render(&app, "registry/import.html", minijinja::context! { org => org, org_code => q.org, error => error })
}

#[derive(serde::Deserialize)]
pub struct UploadQuery {
    #[serde(default)]
    org: String,
}

/// Staff upload a product list for an organisation (`?org=CREDITCODE`, with the CSRF token in
/// the query as multipart forms carry it); the job's page follows its progress and problems.
pub async fn upload(
    axum::extract::State(app): axum::extract::State<App>,
    ctx: crate::web::Ctx,
    axum::extract::Query(q): axum::extract::Query<UploadQuery>,
    mut mp: axum::extract::Multipart,
) -> crate::web::AppResult<axum::response::Response> {
    let org = store::org_of_code(&app, &ctx, &q.org, "org").await?;
    imports::stage_upload_with(&app, &ctx, &mut mp, "registry_import", &ctx.t("registry.err_no_file"), json!({"org_id": org.id, "user_id": ctx.user_id()})).await
}

/// `biaozhun import products FILE --org CREDITCODE`.
pub async fn run_cli(app: &App, file: &std::path::Path, org: &str) -> anyhow::Result<String> {
    let code = stdnum::uscc::validate(org.trim()).map_err(|e| anyhow::anyhow!("--org {org}: {e}"))?;
    let org_id = crate::orgs::store::id_by_uscc(&app.db.pool, &code).await?.ok_or_else(|| anyhow::anyhow!("--org {code}: no organisation is registered under this credit code"))?;
    let bytes = std::fs::read(file)?;
    let report = import_bytes(app, org_id, &bytes, None, |_, _| {}).await?;
    println!("{}", report.summary());
    for p in &report.problems {
        println!("line {}: {}: {}", p.line, p.column, p.message);
    }
    Ok(report.summary())
}

/// The `registry_import` job: an uploaded file for an organisation.
pub async fn job(app: App, job_id: i64, payload: Value) -> anyhow::Result<()> {
    let upload = payload.get("upload_id").and_then(Value::as_i64).ok_or_else(|| anyhow::anyhow!("no upload_id"))?;
    let org_id = payload.get("org_id").and_then(Value::as_i64).ok_or_else(|| anyhow::anyhow!("no org_id"))?;
    let actor = payload.get("user_id").and_then(Value::as_i64);
    let Some((_name, bytes)) = crate::jobs::files::load(&app, upload).await? else { anyhow::bail!("the uploaded file is gone") };
    let result = match import_bytes(&app, org_id, &bytes, actor, |_, _| {}).await {
        Ok(report) => {
            crate::jobs::progress(&app, job_id, report.rows as i64, report.rows as i64).await?;
            // The problems go with their codes, so the job's page words them in its reader's
            // language (line, column and reason under the summary).
            let errors: Vec<&Problem> = report.problems.iter().take(200).collect();
            json!({"summary": report.summary(), "said": report.said(), "link": "/registry", "errors": errors})
        }
        Err(e) => json!({"summary": format!("import failed: {e}")}),
    };
    crate::jobs::set_result(&app, job_id, &result).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_kept_or_reported_by_line_and_column() {
        let csv = "产品名称,型号,商品条码,HS编码,执行标准\n电热水壶,K-17,6901234567892,8516.71,GB 4706.1-2005；GB 4706.19-2008\n电饭锅,R-2,6901234567893,8516.60,GB 4706.1-2005\n,,,,\n吹风机,H-1,,9999,\n";
        let p = parse(csv.as_bytes(), &crate::config::ImportLimits::default()).unwrap();
        assert_eq!(p.lines.len(), 1);
        assert_eq!(p.lines[0].values.standards.len(), 2);
        assert_eq!(p.problems.len(), 2, "{:?}", p.problems);
        assert_eq!((p.problems[0].line, p.problems[0].column.as_str(), p.problems[0].code.as_str()), (3, "商品条码", "registry_gtin"));
        assert_eq!((p.problems[1].line, p.problems[1].column.as_str(), p.problems[1].code.as_str()), (5, "HS编码", "registry_hs"));
    }
}
