//! `biaozhun import committees FILE`: the ISO/IEC committee list
//! (`iso_technical_committees.csv`: `reference`, `title.en`, `secretariat.acronym`,
//! `scope.en`, …) or a CSV/XLSX of national, provincial and city committees with Chinese or
//! English column names. Each bad row is reported with its line and column and the good
//! ones kept; running it again changes nothing.

use super::model::{self, Level};
use super::store::{self, Incoming, IncomingMember, Upserted};
use crate::App;
use crate::imports::{self, Problem, Table};
use calamine::Data;

/// What an import did.
#[derive(Debug, Default, serde::Serialize)]
pub struct Report {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn summary(&self) -> String {
        crate::web::i18n::said(crate::web::Lang::En, &self.said())
    }
    /// The counts as an i18n key and its values, for the job's page to word in its reader's language.
    pub fn said(&self) -> serde_json::Value {
        serde_json::json!({"key": "committees.import_summary", "args": {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged, "problems": self.problems.len(),
        }})
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Number,
    NameZh,
    NameEn,
    Level,
    Parent,
    Term,
    GuidingUnit,
    Mirror,
    Secretariat,
    Uscc,
    District,
    Chair,
    Secretary,
    Scope,
    Status,
    Members,
}

fn header_field(h: &str) -> Option<Field> {
    let t = stdnum::text::normalize(h).trim().to_lowercase().replace([' ', '_', '-'], "");
    Some(match t.as_str() {
        "number" | "reference" | "编号" | "委员会编号" | "代号" => Field::Number,
        "namezh" | "name" | "名称" | "中文名称" | "委员会名称" => Field::NameZh,
        "nameen" | "title.en" | "英文名称" => Field::NameEn,
        "level" | "级别" | "层级" => Field::Level,
        "parent" | "上级" | "上级委员会" => Field::Parent,
        "term" | "届" | "届次" => Field::Term,
        "guidingunit" | "指导单位" | "业务指导单位" => Field::GuidingUnit,
        "mirror" | "mirrornumber" | "对口国际" | "对口国际委员会" | "对口国际组织" | "国际对口" => Field::Mirror,
        "secretariat" | "secretariat.acronym" | "秘书处" | "秘书处承担单位" | "秘书处单位" => Field::Secretariat,
        "uscc" | "creditcode" | "统一社会信用代码" | "秘书处信用代码" => Field::Uscc,
        "district" | "所在区" | "区" | "秘书处所在地" | "地址" => Field::District,
        "chair" | "主任委员" => Field::Chair,
        "secretary" | "秘书长" => Field::Secretary,
        "scope" | "scope.en" | "范围" | "工作范围" | "专业范围" => Field::Scope,
        "status" | "状态" => Field::Status,
        "members" | "委员" | "委员名单" => Field::Members,
        _ => return None,
    })
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// Reads a file into committees and the rows' problems (pure but for the file's bounds).
pub fn parse(bytes: &[u8], limits: &crate::config::ImportLimits) -> anyhow::Result<(Vec<(usize, Incoming)>, Vec<Problem>, usize)> {
    let read = imports::read(bytes, limits, cell_text)?;
    let mut problems = read.problems;
    let Table::Rows(rows) = read.table else { anyhow::bail!("a committee list is a CSV or XLSX table, not JSON lines") };
    let mut rows = rows.into_iter();
    let Some(header) = rows.next() else { return Ok((Vec::new(), problems, 0)) };
    let fields: Vec<Option<Field>> = header.cells.iter().map(|h| header_field(h)).collect();
    let iso = header.cells.iter().any(|h| h.trim() == "title.en");
    let Some(number_col) = fields.iter().position(|f| *f == Some(Field::Number)) else {
        anyhow::bail!("no number column (编号 / number / reference) in the header: {}", header.cells.join(", "));
    };
    let _ = number_col;
    let mut out = Vec::new();
    let mut count = 0;
    for row in rows {
        if row.cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        count += 1;
        let line = row.line;
        let mut c = Incoming { status: "active".into(), source: if iso { "iso".into() } else { "list".into() }, ..Default::default() };
        let mut ok = true;
        let mut district_text = String::new();
        for (i, cell) in row.cells.iter().enumerate() {
            let Some(Some(field)) = fields.get(i) else { continue };
            let col = header.cells[i].trim().to_string();
            let v = cell.trim();
            match field {
                Field::Number => match model::normalize_number(v) {
                    Ok(n) => c.number = n,
                    Err(e) => {
                        problems.push(Problem::new(line, col, "committee_number").arg("value", v).arg("reason", e));
                        ok = false;
                    }
                },
                Field::NameZh => c.name_zh = v.to_string(),
                Field::NameEn => c.name_en = v.to_string(),
                Field::Level if !v.is_empty() => match Level::parse(v) {
                    Some(l) => c.level = l.as_str().to_string(),
                    None => {
                        problems.push(Problem::new(line, col, "committee_level").arg("value", v));
                        ok = false;
                    }
                },
                Field::Parent if !v.is_empty() && !v.chars().all(|ch| ch.is_ascii_digit()) => match model::normalize_number(v) {
                    Ok(n) => c.parent_number = Some(n),
                    Err(e) => problems.push(Problem::new(line, col, "committee_parent").arg("value", v).arg("reason", e)),
                },
                Field::Term => c.term = v.to_string(),
                Field::GuidingUnit => c.guiding_unit = v.to_string(),
                Field::Mirror if !v.is_empty() => match model::normalize_number(v) {
                    Ok(n) => c.mirror_number = n,
                    Err(e) => problems.push(Problem::new(line, col, "committee_mirror").arg("value", v).arg("reason", e)),
                },
                Field::Secretariat => c.secretariat = v.to_string(),
                Field::Uscc if !v.is_empty() => match stdnum::uscc::validate(v) {
                    Ok(code) => c.secretariat_uscc = code,
                    Err(e) => problems.push(Problem::new(line, col, "committee_uscc").arg("value", v).arg("reason", e)),
                },
                Field::District if !v.is_empty() => {
                    district_text = v.to_string();
                    match model::district_in(v) {
                        Some(d) => c.district_code = d,
                        // An address outside Guangzhou is kept as it is: not every secretariat is here.
                        None if v.contains("广州") => problems.push(Problem::new(line, col, "committee_district").arg("value", v)),
                        None => {}
                    }
                }
                Field::Chair => c.chair = v.to_string(),
                Field::Secretary => c.secretary = v.to_string(),
                Field::Scope => c.scope = if iso { model::plain_text(v) } else { v.to_string() },
                Field::Status if !v.is_empty() => c.status = if matches!(v.to_lowercase().as_str(), "active" | "现行" | "在任" | "有效") { "active".into() } else { "inactive".into() },
                Field::Members if !v.is_empty() => match members(v) {
                    Ok(m) => c.members = m,
                    Err(bad) => problems.push(Problem::new(line, col, "committee_member").arg("value", bad)),
                },
                _ => {}
            }
        }
        if !ok {
            continue;
        }
        if c.number.is_empty() {
            problems.push(Problem::new(line, header.cells[number_col].trim().to_string(), "committee_number").arg("value", "").arg("reason", model::NumberError::Empty));
            continue;
        }
        if c.level.is_empty() {
            match Level::of_number(&c.number).or(iso.then_some(Level::International)) {
                Some(l) => c.level = l.as_str().to_string(),
                None => {
                    problems.push(Problem::new(line, "level", "committee_level").arg("value", ""));
                    continue;
                }
            }
        }
        if c.parent_number.is_none() {
            c.parent_number = model::parent_number(&c.number);
        }
        if c.district_code.is_empty() && district_text.is_empty() {
            if let Some(d) = model::district_in(&c.secretariat) {
                c.district_code = d;
            }
        }
        out.push((line, c));
    }
    Ok((out, problems, count))
}

/// `张三:主任委员:某大学; 李四:委员` → members; the text of a bad one otherwise.
fn members(cell: &str) -> Result<Vec<IncomingMember>, String> {
    let mut out: Vec<IncomingMember> = Vec::new();
    for item in cell.split([';', '；', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
        let parts: Vec<&str> = item.split([':', '：']).map(str::trim).collect();
        let name = parts.first().copied().unwrap_or("");
        let role = parts.get(1).map(|r| model::parse_member_role(r)).unwrap_or(Some("member"));
        match role {
            Some(role) if !name.is_empty() => {
                if !out.iter().any(|m| m.name == name && m.role == role) {
                    out.push(IncomingMember { name: name.to_string(), role: role.to_string(), organisation: parts.get(2).unwrap_or(&"").to_string(), term_from: None, term_to: None });
                }
            }
            _ => return Err(item.to_string()),
        }
    }
    Ok(out)
}

/// Parses and stores a file, in batches of one transaction each, parents linked at the end.
pub async fn import_bytes(app: &App, bytes: &[u8], bar: Option<&indicatif::ProgressBar>) -> anyhow::Result<Report> {
    import_with(app, bytes, bar, None).await
}

async fn import_with(app: &App, bytes: &[u8], bar: Option<&indicatif::ProgressBar>, job: Option<i64>) -> anyhow::Result<Report> {
    let (rows, problems, count) = parse(bytes, &app.config.imports)?;
    let mut report = Report { rows: count, problems, ..Default::default() };
    if let Some(b) = bar {
        b.set_length(rows.len() as u64);
    }
    // Parents first, so a subcommittee finds its committee in the same run.
    let mut rows = rows;
    rows.sort_by_key(|(_, c)| c.number.matches('/').count());
    let total = rows.len() as i64;
    let mut done = 0;
    for chunk in rows.chunks(200) {
        let mut tx = app.db.begin().await?;
        for (_, c) in chunk {
            match store::upsert(&mut tx, c).await? {
                Upserted::Created => report.created += 1,
                Upserted::Updated => report.updated += 1,
                Upserted::Unchanged => report.unchanged += 1,
            }
        }
        tx.commit().await?;
        if let Some(b) = bar {
            b.inc(chunk.len() as u64);
        }
        done += chunk.len() as i64;
        if let Some(j) = job {
            crate::jobs::progress(app, j, done, total).await?;
        }
    }
    let mut tx = app.db.begin().await?;
    store::link_parents(&mut tx).await?;
    tx.commit().await?;
    report.problems.sort_by_key(|p| p.line);
    Ok(report)
}

/// `biaozhun import committees FILE`, with a progress bar.
pub async fn run_cli(app: &App, file: &std::path::Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(file)?;
    let bar = crate::imports::progress_bar("records");
    let report = import_bytes(app, &bytes, Some(&bar)).await?;
    bar.finish();
    println!("{}", report.summary());
    for p in &report.problems {
        println!("line {}: {}: {}", p.line, p.column, p.message);
    }
    Ok(report.summary())
}

/// The `committees_import` job: a file staff uploaded (`/staff/committees/import`).
pub async fn job(app: App, job_id: i64, payload: serde_json::Value) -> anyhow::Result<()> {
    let upload = payload.get("upload_id").and_then(serde_json::Value::as_i64).ok_or_else(|| anyhow::anyhow!("no upload_id"))?;
    let Some((_name, bytes)) = crate::jobs::files::load(&app, upload).await? else { anyhow::bail!("the uploaded file is gone") };
    let result = match import_with(&app, &bytes, None, Some(job_id)).await {
        Ok(report) => {
            let errors: Vec<&Problem> = report.problems.iter().take(200).collect();
            serde_json::json!({"summary": report.summary(), "said": report.said(), "link": "/committees", "errors": errors})
        }
        Err(e) => serde_json::json!({"summary": format!("import failed: {e}")}),
    };
    crate::jobs::set_result(&app, job_id, &result).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_cells() {
        let m = members("张三:主任委员:广州大学; 李四：委员；王五").unwrap();
        assert_eq!(m.len(), 3);
        assert_eq!((m[0].role.as_str(), m[0].organisation.as_str()), ("chair", "广州大学"));
        assert_eq!(m[2].role, "member");
        assert_eq!(members("张三:老板").unwrap_err(), "张三:老板");
    }

    #[test]
    fn a_national_list_with_problems_by_row_and_column() {
        let csv = "编号,名称,级别,秘书处,所在区,统一社会信用代码,委员\n\
                   SAC/TC 28/SC 1,信息技术 词汇分委会,全国,某研究院,北京市海淀区,,\n\
                   GZ/TC 12,广州市标准化技术委员会,市级,广州标准化研究院,广州市天河区,,张三:主任委员\n\
                   bad number,x,市级,,,,\n\
                   GZ/TC 13,y,county,,,,\n";
        let (rows, problems, count) = parse(csv.as_bytes(), &crate::config::ImportLimits::default()).unwrap();
        assert_eq!(count, 4);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].1.parent_number.as_deref(), Some("SAC/TC 28"));
        assert_eq!(rows[1].1.district_code, "440106");
        assert_eq!((problems[0].line, problems[0].column.as_str(), problems[0].code.as_str()), (4, "编号", "committee_number"));
        assert_eq!((problems[1].line, problems[1].column.as_str(), problems[1].code.as_str()), (5, "级别", "committee_level"));
    }

    #[test]
    fn a_workbook_reads_like_a_csv() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["number", "name_zh", "level", "secretariat", "district", "members"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (c, v) in ["gz/tc12", "广州市质量管理标准化技术委员会", "city", "广州质量研究院", "番禺区", "陈主任:主任委员"].iter().enumerate() {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        ws.write_string(2, 0, "GZ/TC 14").unwrap();
        ws.write_string(2, 2, "town").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let (rows, problems, count) = parse(&bytes, &crate::config::ImportLimits::default()).unwrap();
        assert_eq!((count, rows.len()), (2, 1));
        assert_eq!(rows[0].1.number, "GZ/TC 12");
        assert_eq!(rows[0].1.district_code, "440113");
        assert_eq!(rows[0].1.members[0].role, "chair");
        assert_eq!((problems[0].line, problems[0].column.as_str(), problems[0].code.as_str()), (3, "level", "committee_level"));
    }
}
