//! `biaozhun import people FILE`: trainees and staff from a list (CSV or XLSX through the
//! `imports/` table reader) of name, e-mail address and organisation credit code, headed in
//! Chinese or English. Each good row becomes a confirmed ordinary account (as `biaozhun user
//! create` makes one) attached to the organisation of the credit code, or, when the address
//! already has an account, is matched to it: running a file twice changes nothing. Refused
//! rows are reported with their line, column and reason (a malformed address, a credit code
//! whose check character is wrong, an organisation not registered here). The good rows go in
//! one transaction with an audit entry per account made and per attachment.
//!
//! New accounts carry no password anyone knows: the person sets one through "forgot
//! password" (`/password/forgot`) with the address, which is confirmed.

use crate::App;
use crate::auth::store::{NewUser, Taken};
use crate::imports::{self, Problem, Row, Table};
use crate::web::Lang;

/// The columns, by the headings a file may use (compared without case and spaces).
const NAME: &[&str] = &["姓名", "名字", "name", "fullname", "displayname", "人员", "学员姓名"];
const EMAIL: &[&str] = &["电子邮箱", "邮箱", "电子邮件", "邮件", "email", "e-mail", "mail", "emailaddress", "e-mailaddress"];
const USCC: &[&str] = &[
    "统一社会信用代码",
    "社会信用代码",
    "信用代码",
    "单位信用代码",
    "单位统一社会信用代码",
    "creditcode",
    "uscc",
    "organisationcreditcode",
    "organizationcreditcode",
    "unifiedsocialcreditcode",
];

fn heading_key(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && *c != '_').collect::<String>().to_lowercase()
}

/// One row to keep: its line and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub line: usize,
    pub name: String,
    pub email: String,
    /// The normalised credit code, when the row gives one.
    pub uscc: Option<String>,
}

/// Where each column is, and the headings as the file writes them (for problems).
struct Columns {
    name: (usize, String),
    email: (usize, String),
    uscc: Option<(usize, String)>,
}

fn find_columns(rows: &[Row]) -> Option<(usize, Columns)> {
    for (i, r) in rows.iter().enumerate().take(10) {
        let find = |names: &[&str]| r.cells.iter().position(|c| names.contains(&heading_key(c).as_str())).map(|p| (p, r.cells[p].trim().to_string()));
        if let (Some(name), Some(email)) = (find(NAME), find(EMAIL)) {
            return Some((i, Columns { name, email, uscc: find(USCC) }));
        }
    }
    None
}

/// The rows of a file to keep, the problems of the others, and the credit code's heading
/// as the file writes it (for the problems the database finds later).
pub struct Parsed {
    pub people: Vec<Person>,
    pub problems: Vec<Problem>,
    pub uscc_heading: String,
}

/// Reads the file.
pub fn parse(data: &[u8], limits: &crate::config::ImportLimits) -> anyhow::Result<Parsed> {
    let read = imports::read(data, limits, imports::cell_text)?;
    let Table::Rows(rows) = read.table else {
        return Ok(Parsed { people: vec![], problems: vec![Problem::new(1, "", "people_no_header")], uscc_heading: String::new() });
    };
    let mut problems = read.problems;
    let Some((head, cols)) = find_columns(&rows) else {
        problems.push(Problem::new(rows.first().map_or(1, |r| r.line), "", "people_no_header"));
        return Ok(Parsed { people: vec![], problems, uscc_heading: String::new() });
    };
    let mut people = Vec::new();
    for r in &rows[head + 1..] {
        let get = |i: usize| r.cells.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
        let (name, email) = (get(cols.name.0), get(cols.email.0));
        let code = cols.uscc.as_ref().map(|(i, _)| get(*i)).unwrap_or_default();
        if name.is_empty() && email.is_empty() && code.is_empty() {
            continue;
        }
        let mut bad = false;
        if name.is_empty() || name.chars().count() > 100 {
            problems.push(Problem::new(r.line, &cols.name.1, "people_name"));
            bad = true;
        }
        if crate::auth::store::check_email(&email).is_err() {
            problems.push(Problem::new(r.line, &cols.email.1, "people_email").arg("text", &email));
            bad = true;
        }
        let uscc = if code.is_empty() {
            None
        } else {
            match stdnum::uscc::validate(&code) {
                Ok(c) => Some(c),
                Err(e) => {
                    let column = cols.uscc.as_ref().map(|(_, h)| h.as_str()).unwrap_or("");
                    problems.push(Problem::new(r.line, column, "people_uscc").arg("text", &code).cause(&e));
                    bad = true;
                    None
                }
            }
        };
        if !bad {
            people.push(Person { line: r.line, name, email: email.trim().to_string(), uscc });
        }
    }
    Ok(Parsed { people, problems, uscc_heading: cols.uscc.map(|(_, h)| h).unwrap_or_default() })
}

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    pub rows: usize,
    pub created: usize,
    pub matched: usize,
    pub attached: usize,
    pub refused: Vec<Problem>,
}

impl Report {
    pub fn summary(&self) -> String {
        let refused_rows = self.refused.iter().map(|p| p.line).collect::<std::collections::BTreeSet<_>>().len();
        format!(
            "{} rows: {} accounts created, {} matched to existing accounts, {} attached to an organisation, {} rows refused",
            self.rows, self.created, self.matched, self.attached, refused_rows
        )
    }
}

/// An account name for a new person, from the address's local part (`zhang.wei` of
/// `zhang.wei@example.cn`), kept to what account names allow; a number is added when taken.
pub fn name_base(email: &str) -> String {
    let local = email.split('@').next().unwrap_or("");
    let mut base: String = local.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')).take(28).collect();
    base = base.trim_matches(['.', '-', '_']).to_string();
    if base.is_empty() {
        base = "user".into();
    } else if base.bytes().all(|b| b.is_ascii_digit()) {
        base = format!("u{base}");
    }
    while base.len() < 3 {
        base.push('0');
    }
    base
}

/// Imports a file; `progress(done, total)` is called as rows are stored.
pub async fn import_bytes(app: &App, data: &[u8], mut progress: impl FnMut(usize, usize)) -> anyhow::Result<Report> {
    let limits = app.config.imports.clone();
    let owned = data.to_vec();
    let Parsed { people, problems: mut refused, uscc_heading } = tokio::task::spawn_blocking(move || parse(&owned, &limits)).await??;
    let mut report = Report { rows: people.len() + refused.iter().map(|p| p.line).collect::<std::collections::BTreeSet<_>>().len(), ..Default::default() };
    let total = people.len();
    let mut tx = app.db.begin().await?;
    let mut seen_new: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for (done, p) in people.iter().enumerate() {
        let org = match &p.uscc {
            Some(code) => match crate::orgs::store::id_by_uscc(&mut *tx, code).await? {
                Some(id) => Some(id),
                None => {
                    refused.push(Problem::new(p.line, uscc_heading.clone(), "people_org_unknown").arg("text", code));
                    continue;
                }
            },
            None => None,
        };
        let email_key = p.email.to_lowercase();
        let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE email_key = $1").bind(&email_key).fetch_optional(&mut *tx).await?;
        let user = match existing.or_else(|| seen_new.get(&email_key).copied()) {
            Some(id) => {
                report.matched += 1;
                id
            }
            None => {
                let Some(id) = create(&mut tx, p).await? else {
                    refused.push(Problem::new(p.line, "", "people_no_name"));
                    continue;
                };
                seen_new.insert(email_key, id);
                report.created += 1;
                id
            }
        };
        if let Some(org) = org {
            if crate::orgs::store::add_by_operator(&mut tx, org, user).await? {
                report.attached += 1;
                crate::auth::audit::log_command_line(&mut *tx, "org.import_member", format!("org:{org}"), format!("user:{user} line {}", p.line)).await?;
            }
        }
        progress(done + 1, total);
    }
    tx.commit().await?;
    refused.sort_by_key(|p| p.line);
    report.refused = refused;
    Ok(report)
}

/// A confirmed ordinary account for the row, under the first free name from its address.
async fn create(tx: &mut crate::db::Tx, p: &Person) -> anyhow::Result<Option<i64>> {
    let base = name_base(&p.email);
    // No password anyone knows: the person sets one with "forgot password".
    let hash = format!("!imported:{}", hex::encode(rand::random::<[u8; 16]>()));
    for n in 0..100 {
        let name = if n == 0 { base.clone() } else { format!("{base}{}", n + 1) };
        if crate::auth::store::check_username(&name).is_err() {
            continue;
        }
        let new = NewUser { username: &name, email: &p.email, mobile: None, display_name: &p.name, password_hash: &hash, confirmed: true, locale: Lang::Zh };
        match crate::auth::store::insert_user(tx, new).await? {
            Ok(id) => {
                crate::auth::audit::log_command_line(&mut **tx, "user.create", format!("user:{id}"), format!("{name} <{}> (import people, line {})", p.email, p.line)).await?;
                return Ok(Some(id));
            }
            Err(Taken::Username | Taken::LookAlike) => continue,
            Err(Taken::Email(id)) => return Ok(Some(id)),
        }
    }
    Ok(None)
}

/// The command line: a progress bar, the summary and the refused rows.
pub async fn run_cli(app: &App, file: &std::path::Path) -> anyhow::Result<String> {
    let data = std::fs::read(file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let bar = crate::imports::progress_bar("people");
    let started = std::time::Instant::now();
    let b = bar.clone();
    let report = import_bytes(app, &data, move |done, total| {
        b.set_length(total as u64);
        b.set_position(done as u64);
    })
    .await?;
    bar.finish_and_clear();
    println!("{} in {:.1}s", report.summary(), started.elapsed().as_secs_f64());
    crate::imports::print_problems(&report.refused);
    if report.created > 0 {
        println!("New accounts have no password yet: each person sets one with \"forgot password\" (/password/forgot) and their address.");
    }
    Ok(report.summary())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_under_chinese_or_english_headings() {
        let csv = "姓名,电子邮箱,统一社会信用代码\n张伟,zhang.wei@example.cn,91440101MA59ABCD1D\n李娜,not-an-address,\n王芳,wang@example.cn,91110000100000018X\n";
        let Parsed { people, problems, .. } = parse(csv.as_bytes(), &Default::default()).unwrap();
        assert_eq!(people.len(), 1, "{people:?} {problems:?}");
        assert_eq!(people[0].name, "张伟");
        assert!(problems.iter().any(|p| p.line == 3 && p.column == "电子邮箱" && p.code == "people_email"), "{problems:?}");
        assert!(problems.iter().any(|p| p.line == 4 && p.column == "统一社会信用代码" && p.code == "people_uscc"), "{problems:?}");
        let en = "Name,E-mail,Credit code\nZhang Wei,zw@example.cn,\n";
        let Parsed { people, problems, .. } = parse(en.as_bytes(), &Default::default()).unwrap();
        assert_eq!((people.len(), problems.len()), (1, 0));
        assert_eq!(people[0].uscc, None);
    }

    #[test]
    fn account_names_come_from_the_address() {
        assert_eq!(name_base("zhang.wei@example.cn"), "zhang.wei");
        assert_eq!(name_base("13800001111@qq.com"), "u13800001111");
        assert_eq!(name_base("a@x.cn"), "a00");
        assert_eq!(name_base("李@x.cn"), "user");
    }
}
