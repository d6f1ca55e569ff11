//! Import of an existing expert pool (XLSX, CSV) through `imports/`: each row becomes a
//! profile in the pool or problems naming its line and column; rows are matched to experts
//! already kept by e-mail address, else by identity number, so importing a file again
//! changes nothing. `biaozhun import experts FILE` and the staff upload (a job with a
//! progress bar) share this code.

use super::model::{Profile, ProfileInput, Tier};
use super::store;
use crate::App;
use crate::config::ImportLimits;
use crate::imports::{self, Problem, Table};
use crate::web::Lang;
use crate::workflow::{self, Actor, Step};
use serde::Serialize;
use std::collections::HashMap;

/// Rows stored per transaction.
const BATCH: usize = 200;

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
        serde_json::json!({"key": "experts.import_summary", "args": {
            "rows": self.rows, "created": self.created, "updated": self.updated, "unchanged": self.unchanged, "refused": self.errors.len(),
        }})
    }
    pub fn summary(&self) -> String {
        crate::web::i18n::said(Lang::En, &self.said())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum F {
    Name,
    Title,
    Org,
    Uscc,
    Fields,
    Industry,
    Qualifications,
    Languages,
    Roles,
    Committees,
    Email,
    Phone,
    IdNumber,
    Tier,
}

fn field_of(header: &str) -> Option<F> {
    let h = header.trim().trim_start_matches('\u{feff}').to_lowercase();
    Some(match h.as_str() {
        "name" | "姓名" => F::Name,
        "title" | "职称" | "职务" => F::Title,
        "organisation" | "organization" | "org" | "单位" | "工作单位" => F::Org,
        "credit code" | "uscc" | "统一社会信用代码" | "单位信用代码" => F::Uscc,
        "fields" | "ics" | "专业领域" | "专业领域(ics)" | "专业领域（ics）" | "领域" => F::Fields,
        "industry" | "行业" => F::Industry,
        "qualifications" | "资格" | "资质" => F::Qualifications,
        "languages" | "语言" | "外语" => F::Languages,
        "international roles" | "intl_roles" | "国际任职" => F::Roles,
        "committees" | "委员会" | "技术委员会" => F::Committees,
        "email" | "e-mail" | "邮箱" | "电子邮箱" => F::Email,
        "phone" | "电话" | "手机" => F::Phone,
        "id number" | "id_number" | "身份证号" | "证件号码" => F::IdNumber,
        "tier" | "人才层次" => F::Tier,
        _ => return None,
    })
}

/// The column a checked profile's field came from.
fn of_field(field: &str) -> F {
    match field {
        "title" => F::Title,
        "org_name" => F::Org,
        "org_uscc" => F::Uscc,
        "fields" => F::Fields,
        "industry" => F::Industry,
        "qualifications" => F::Qualifications,
        "languages" => F::Languages,
        "intl_roles" => F::Roles,
        "committees" => F::Committees,
        "email" => F::Email,
        "phone" => F::Phone,
        "id_number" => F::IdNumber,
        _ => F::Name,
    }
}

/// A row ready to store.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: usize,
    pub profile: Profile,
    pub tier: Option<Tier>,
}

/// Reads a file into rows and problems, within the bounds of `limits`.
pub fn parse(data: &[u8], limits: &ImportLimits) -> Result<(Vec<Row>, Vec<Problem>), imports::Refusal> {
    let read = imports::read(data, limits, imports::cell_text)?;
    let mut problems = read.problems;
    let Table::Rows(rows) = read.table else {
        problems.push(Problem::new(1, "", "expert_header"));
        return Ok((Vec::new(), problems));
    };
    let header_at = rows.iter().position(|r| r.cells.iter().filter_map(|c| field_of(c)).any(|f| f == F::Name));
    let Some(h) = header_at else {
        problems.push(Problem::new(rows.first().map(|r| r.line).unwrap_or(1), "", "expert_header"));
        return Ok((Vec::new(), problems));
    };
    let head: Vec<(Option<F>, String)> = rows[h].cells.iter().map(|c| (field_of(c), c.trim().to_string())).collect();
    let column = |f: F| head.iter().find(|(k, _)| *k == Some(f)).map(|(_, n)| n.clone()).unwrap_or_else(|| format!("{f:?}"));
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for row in &rows[h + 1..] {
        let mut v: HashMap<F, String> = HashMap::new();
        for (i, c) in row.cells.iter().enumerate() {
            if let Some((Some(f), _)) = head.get(i) {
                v.insert(*f, c.trim().to_string());
            }
        }
        if v.values().all(|s| s.is_empty()) {
            continue;
        }
        let get = |f: F| v.get(&f).cloned().unwrap_or_default();
        let input = ProfileInput {
            name: get(F::Name),
            title: get(F::Title),
            org_name: get(F::Org),
            org_uscc: get(F::Uscc),
            fields: get(F::Fields),
            industry: get(F::Industry),
            qualifications: get(F::Qualifications),
            languages: get(F::Languages),
            intl_roles: get(F::Roles),
            committees: get(F::Committees),
            email: get(F::Email),
            phone: get(F::Phone),
            id_number: get(F::IdNumber),
            version: None,
        };
        let profile = match input.check() {
            Ok(p) => p,
            Err((field, key)) => {
                let f = of_field(field);
                let code = match key {
                    "experts.err_name" => "expert_name",
                    "experts.err_ics" => "expert_ics",
                    "experts.err_uscc" => "expert_uscc",
                    "experts.err_email" => "expert_email",
                    "experts.err_role" => "expert_role",
                    _ => "expert_long",
                };
                problems.push(Problem::new(row.line, column(f), code).arg("text", get(f)));
                continue;
            }
        };
        let tier_text = get(F::Tier);
        let tier = match tier_text.as_str() {
            "" => None,
            "百" | "high_end" => Some(Tier::HighEnd),
            "千" | "expert" => Some(Tier::Expert),
            "万" | "backbone" => Some(Tier::Backbone),
            other => {
                problems.push(Problem::new(row.line, column(F::Tier), "expert_tier").arg("text", other));
                continue;
            }
        };
        let key = if !profile.email_key.is_empty() {
            format!("e:{}", profile.email_key)
        } else if !profile.id_number.is_empty() {
            format!("i:{}", profile.id_number)
        } else {
            problems.push(Problem::new(row.line, column(F::Email), "expert_key"));
            continue;
        };
        if let Some(first) = seen.get(&key) {
            let f = if key.starts_with("e:") { F::Email } else { F::IdNumber };
            problems.push(Problem::new(row.line, column(f), "expert_duplicate").arg("line", first));
            continue;
        }
        seen.insert(key, row.line);
        out.push(Row { line: row.line, profile, tier });
    }
    Ok((out, problems))
}

/// What a kept row did.
enum Done {
    Created,
    Updated,
    Unchanged,
}

/// Stores one row in the caller's transaction: matched by e-mail address, else identity
/// number; a new expert enters the pool, a changed one is overwritten (an `update` event when
/// in the pool), an identical one is left.
async fn store_row(tx: &mut crate::db::Tx, app: &App, actor: &Actor, r: &Row) -> anyhow::Result<Done> {
    let p = &r.profile;
    let found: Option<store::Expert> = sqlx::query_as(
        "SELECT id, user_id, name, title, org_id, org_name, org_uscc, fields, industry, qualifications, languages, intl_roles, committees, email, phone, \
         id_number, status, tier, version, updated_at FROM experts WHERE ($1 <> '' AND email_key = $1) OR ($1 = '' AND $2 <> '' AND id_number = $2) ORDER BY id LIMIT 1",
    )
    .bind(&p.email_key)
    .bind(&p.id_number)
    .fetch_optional(&mut **tx)
    .await?;
    let tier = r.tier.map(|t| t.as_str());
    match found {
        None => {
            let id = store::insert(tx, p, None, "approved", actor.user_id()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            if let Some(t) = tier {
                sqlx::query("UPDATE experts SET tier = $1 WHERE id = $2").bind(t).bind(id).execute(&mut **tx).await?;
            }
            workflow::start(tx, app, &super::PROFILE_FLOW, id, actor, Step::action("enter").data(serde_json::json!({ "line": r.line }))).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            super::tally::settle(tx, id, &[]).await?;
            Ok(Done::Created)
        }
        Some(e) => {
            let same = e.name == p.name
                && e.title == p.title
                && e.org_name == p.org_name
                && e.org_uscc == p.org_uscc
                && e.fields == p.fields
                && e.industry == p.industry
                && e.qualifications == p.qualifications
                && e.languages == p.languages
                && e.intl_roles == p.intl_roles
                && e.committees == p.committees
                && e.email == p.email
                && e.phone == p.phone
                && e.id_number == p.id_number
                && tier.is_none_or(|t| t == e.tier);
            if same {
                return Ok(Done::Unchanged);
            }
            if !store::overwrite(tx, e.id, e.version, p).await.map_err(|e| anyhow::anyhow!("{e}"))? {
                anyhow::bail!("expert {} changed during the import", e.id);
            }
            if let Some(t) = tier {
                sqlx::query("UPDATE experts SET tier = $1 WHERE id = $2").bind(t).bind(e.id).execute(&mut **tx).await?;
            }
            if matches!(e.status.as_str(), "approved" | "suspended") {
                let step = Step::action("update").data(serde_json::json!({ "line": r.line }));
                workflow::transition(tx, app, &super::PROFILE_FLOW, e.id, e.version + 1, actor, step).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            super::tally::settle(tx, e.id, &super::tally::keys(&e.status, &e.tier)).await?;
            Ok(Done::Updated)
        }
    }
}

/// Parses and stores a file; `progress(done, total)` after every batch.
pub async fn import_bytes<P, Fut>(app: &App, data: &[u8], actor: &Actor, mut progress: P) -> anyhow::Result<Report>
where
    P: FnMut(usize, usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let limits = app.config.imports.clone();
    let bytes = data.to_vec();
    let (rows, errors) = imports::off_thread(move || parse(&bytes, &limits)).await.map_err(|r| anyhow::anyhow!("{}", r.message(Lang::En)))?;
    let mut report = Report { rows: rows.len() + errors.iter().map(|e| e.line).collect::<std::collections::HashSet<_>>().len(), errors, ..Default::default() };
    let total = rows.len();
    let mut done = 0;
    for chunk in rows.chunks(BATCH) {
        let mut tx = app.db.begin().await?;
        for r in chunk {
            match store_row(&mut tx, app, actor, r).await? {
                Done::Created => report.created += 1,
                Done::Updated => report.updated += 1,
                Done::Unchanged => report.unchanged += 1,
            }
        }
        tx.commit().await?;
        done += chunk.len();
        progress(done, total).await;
    }
    Ok(report)
}

/// The staff upload's job.
pub async fn job(app: App, job_id: i64, payload: serde_json::Value) -> anyhow::Result<()> {
    let upload = payload["upload_id"].as_i64().ok_or_else(|| anyhow::anyhow!("no upload_id"))?;
    let (name, data) = crate::jobs::files::load(&app, upload).await?.ok_or_else(|| anyhow::anyhow!("upload {upload} is gone"))?;
    let app2 = app.clone();
    let actor = Actor::system(Lang::Zh);
    let result = import_bytes(&app, &data, &actor, move |done, total| {
        let app = app2.clone();
        async move {
            let _ = crate::jobs::progress(&app, job_id, done as i64, total as i64).await;
        }
    })
    .await;
    let value = match result {
        Ok(report) => serde_json::json!({
            "summary": format!("{name}: {}", report.summary()),
            "file": name,
            "said": report.said(),
            "link": "/staff/experts",
            "created": report.created, "updated": report.updated, "unchanged": report.unchanged,
            "errors": report.errors.iter().take(500).collect::<Vec<_>>(),
        }),
        Err(e) => serde_json::json!({ "summary": format!("{name}: {e:#}") }),
    };
    crate::jobs::set_result(&app, job_id, &value).await?;
    Ok(())
}

/// `biaozhun import experts FILE`: with a progress bar; answers the summary.
pub async fn run_cli(app: &App, file: &std::path::Path) -> anyhow::Result<String> {
    let data = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let bar = crate::imports::progress_bar("experts");
    let b = bar.clone();
    let report = import_bytes(app, &data, &Actor::system(Lang::Zh), move |done, total| {
        b.set_length(total as u64);
        b.set_position(done as u64);
        async {}
    })
    .await?;
    bar.finish_and_clear();
    println!("{}", report.summary());
    crate::imports::print_problems(&report.errors);
    Ok(report.summary())
}
