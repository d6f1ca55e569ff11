//! The programmes room's vocabulary and pure rules: a programme type's configuration (read
//! from `seed/programmes/*.toml`), the application's moves, the check of a form against its
//! fields, the aggregation of the reviewers' scores, and the good-behaviour grade from a
//! versioned threshold table. No I/O.

use crate::auth::Role;
use crate::workflow::{Move, START, Who};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------------------
// The application's lifecycle (one flow for every programme; a type's `stages` say which
// optional stages it uses, checked by `store::step` before the engine moves the record).

const STAFF: &[Who] = &[Who::Role(Role::Staff)];
/// A user acting for the applicant organisation (the caller establishes it, `policy.rs`).
const APPLICANT: &[Who] = &[Who::Scope("applicant")];
/// An expert assigned to the application who declared no conflict of interest.
const REVIEWER: &[Who] = &[Who::Scope("reviewer")];
/// An expert assigned to the application, before the declaration.
const ASSIGNED: &[Who] = &[Who::Scope("assigned")];
const ANYONE: &[Who] = &[Who::Anyone];
const CLOCK: &[Who] = &[Who::System];

pub static MOVES: [Move; 29] = [
    Move::new(START, "create", "draft", APPLICANT),
    Move::new("draft", "attach", "draft", APPLICANT),
    Move::new("draft", "submit", "submitted", APPLICANT),
    Move::new("draft", "withdraw", "withdrawn", APPLICANT),
    Move::new("submitted", "withdraw", "withdrawn", APPLICANT),
    Move::new("submitted", "start_check", "formal_check", STAFF),
    Move::new("submitted", "return", "draft", STAFF).with_note(),
    Move::new("formal_check", "pass_check", "expert_review", STAFF),
    Move::new("formal_check", "skip_review", "decision", STAFF),
    Move::new("formal_check", "return", "draft", STAFF).with_note(),
    Move::new("formal_check", "reject", "rejected", STAFF).with_note(),
    Move::new("expert_review", "assign", "expert_review", STAFF),
    Move::new("expert_review", "declare", "expert_review", ASSIGNED),
    Move::new("expert_review", "score", "expert_review", REVIEWER),
    Move::new("expert_review", "close_review", "decision", STAFF),
    Move::new("expert_review", "return", "draft", STAFF).with_note(),
    Move::new("decision", "approve", "notice", STAFF),
    Move::new("decision", "approve_final", "final", STAFF),
    Move::new("decision", "reject", "rejected", STAFF).with_note(),
    Move::new("notice", "object", "notice", ANYONE).with_note(),
    Move::new("notice", "resolve", "notice", STAFF).with_note(),
    Move::new("notice", "finalise", "final", STAFF),
    Move::new("notice", "reject", "rejected", STAFF).with_note(),
    Move::new("final", "start_follow_up", "follow_up", STAFF),
    Move::new("final", "expire", "expired", CLOCK),
    Move::new("follow_up", "pass_midterm", "acceptance", STAFF),
    Move::new("follow_up", "fail_midterm", "failed", STAFF).with_note(),
    Move::new("acceptance", "pass_acceptance", "completed", STAFF),
    Move::new("acceptance", "fail_acceptance", "failed", STAFF).with_note(),
];

/// The states an applicant may still change or withdraw.
pub const OPEN_STATES: [&str; 2] = ["draft", "submitted"];
/// The states whose applications are public (the notices list, the results).
pub const PUBLIC_STATES: [&str; 5] = ["notice", "final", "follow_up", "acceptance", "completed"];

/// Where an application stands, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    Draft,
    Submitted,
    FormalCheck,
    ExpertReview,
    Decision,
    Notice,
    Final,
    FollowUp,
    Acceptance,
    Completed,
    Failed,
    Expired,
    Withdrawn,
    Rejected,
}

/// The kinds of programme the house knows how to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProgrammeKind {
    /// 标准化试点示范项目: demonstration (pilot) projects with mid-term and acceptance reviews.
    Demonstration,
    /// 标准化良好行为企业 (GB/T 19273): graded A–AAAA.
    Grading,
    /// 专项资金: subsidies and awards with amounts by item and level.
    Subsidy,
}

/// How the reviewers' sheets make one score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// The mean of the sheets.
    Mean,
    /// The mean without the highest and the lowest sheet (with three sheets or more).
    TrimmedMean,
    /// The mean, once every sheet is within `consensus_spread` points of the others.
    Consensus,
}

// ---------------------------------------------------------------------------------------
// Configuration

/// A field of a programme's form.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldDef {
    pub key: String,
    /// text, textarea, number, choice, date, standard (a standard number).
    #[serde(rename = "type")]
    pub kind: String,
    pub label_zh: String,
    pub label_en: String,
    #[serde(default)]
    pub required: bool,
    /// Longest text, in characters (default 200; textarea 4,000).
    #[serde(default)]
    pub max_len: Option<usize>,
    #[serde(default)]
    pub min: Option<i64>,
    #[serde(default)]
    pub max: Option<i64>,
    #[serde(default)]
    pub choices: Vec<String>,
    /// Filled from the platform's records: org.name, org.uscc, org.district, standards_led,
    /// training_hours.
    #[serde(default)]
    pub prefill: Option<String>,
}

/// A criterion of the scoring sheet.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Criterion {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
    /// Most points.
    pub max: i64,
    /// `base` or `bonus` (the good-behaviour sheet: base 400 + bonus 100).
    #[serde(default = "base_part")]
    pub part: String,
    /// May be ruled not applicable (scored at full marks).
    #[serde(default)]
    pub na_allowed: bool,
}

fn base_part() -> String {
    "base".into()
}

/// An amount of a subsidy item at a level, in yuan.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Amount {
    pub item: String,
    pub level: String,
    pub yuan: i64,
}

/// A required attachment: a file the applicant uploads (`files.rs`), required at submission.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AttachmentDef {
    pub key: String,
    pub label_zh: String,
    pub label_en: String,
}

/// A programme type as configured (one version).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Config {
    pub code: String,
    pub version: i64,
    pub kind: ProgrammeKind,
    pub title_zh: String,
    pub title_en: String,
    #[serde(default)]
    pub summary_zh: String,
    #[serde(default)]
    pub summary_en: String,
    /// Call open and close, local dates `YYYY-MM-DD` (absent: always open).
    #[serde(default)]
    pub opens: Option<String>,
    #[serde(default)]
    pub closes: Option<String>,
    /// Days before the close on which applicants with drafts are reminded.
    #[serde(default)]
    pub remind_days: Vec<i64>,
    /// Whether applications go to expert review (else the formal check leads to the decision).
    #[serde(default = "yes")]
    pub expert_review: bool,
    /// Days of the public notice (0: no notice, the decision is final).
    #[serde(default)]
    pub notice_days: i64,
    /// Whether a mid-term and an acceptance review follow (demonstration projects).
    #[serde(default)]
    pub follow_up: bool,
    #[serde(default = "mean")]
    pub aggregation: Aggregation,
    #[serde(default)]
    pub consensus_spread: i64,
    /// Years a grade (certificate) is valid, and days before its end a re-evaluation reminder goes.
    #[serde(default)]
    pub certificate_years: i64,
    #[serde(default)]
    pub reevaluate_days: i64,
    /// The grading thresholds' table name (`seed/<name>.csv`).
    #[serde(default)]
    pub grading: Option<String>,
    #[serde(default)]
    pub fields: Vec<FieldDef>,
    #[serde(default)]
    pub attachments: Vec<AttachmentDef>,
    #[serde(default)]
    pub criteria: Vec<Criterion>,
    #[serde(default)]
    pub amounts: Vec<Amount>,
    /// For subsidies: the fields whose values name the funded work (item and standard number).
    #[serde(default)]
    pub work_fields: Vec<String>,
}

fn yes() -> bool {
    true
}

fn mean() -> Aggregation {
    Aggregation::Mean
}

impl Config {
    /// Reads and checks a seed file.
    pub fn parse(name: &str, text: &str) -> Result<Config, String> {
        let c: Config = toml::from_str(text).map_err(|e| format!("seed/programmes/{name}: {e}"))?;
        c.check().map_err(|e| format!("seed/programmes/{name}: {e}"))?;
        Ok(c)
    }

    fn check(&self) -> Result<(), String> {
        if !crate::workflow::is_sql_name(&self.code) {
            return Err(format!("code {:?} is not a-z, 0-9 and _", self.code));
        }
        let mut keys = std::collections::HashSet::new();
        for f in &self.fields {
            if !keys.insert(f.key.as_str()) {
                return Err(format!("field {} twice", f.key));
            }
            if !["text", "textarea", "number", "choice", "date", "standard"].contains(&f.kind.as_str()) {
                return Err(format!("field {}: unknown type {}", f.key, f.kind));
            }
            if f.kind == "choice" && f.choices.is_empty() {
                return Err(format!("field {}: a choice without choices", f.key));
            }
        }
        for w in &self.work_fields {
            if !keys.contains(w.as_str()) {
                return Err(format!("work field {w} is no field"));
            }
        }
        if self.expert_review && self.criteria.is_empty() {
            return Err("expert review without a scoring sheet".into());
        }
        if self.kind == ProgrammeKind::Grading && self.grading.is_none() {
            return Err("a graded programme names its threshold table (grading)".into());
        }
        if self.criteria.iter().any(|c| c.max <= 0 || !["base", "bonus"].contains(&c.part.as_str())) {
            return Err("criteria need max > 0 and part base or bonus".into());
        }
        Ok(())
    }

    pub fn title(&self, lang: crate::web::Lang) -> &str {
        if lang == crate::web::Lang::En { &self.title_en } else { &self.title_zh }
    }

    pub fn opens_at(&self) -> Option<i64> {
        self.opens.as_deref().and_then(crate::util::parse_local_date)
    }

    /// The end of the closing day.
    pub fn closes_at(&self) -> Option<i64> {
        self.closes.as_deref().and_then(crate::util::parse_local_date).map(|t| t + 86400 - 1)
    }

    pub fn open_at(&self, now: i64) -> bool {
        self.opens_at().is_none_or(|o| now >= o) && self.closes_at().is_none_or(|c| now <= c)
    }

    /// Most points of a part.
    pub fn max_of(&self, part: &str) -> i64 {
        self.criteria.iter().filter(|c| c.part == part).map(|c| c.max).sum()
    }

    /// The amount of a subsidy item at a level, in fen.
    pub fn amount_fen(&self, item: &str, level: &str) -> Option<i64> {
        self.amounts.iter().find(|a| a.item == item && a.level == level).map(|a| a.yuan * 100)
    }
}

// ---------------------------------------------------------------------------------------
// The form

/// A problem with one field of a form: its key and the i18n key of the reason with its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl FieldProblem {
    fn new(field: &str, key: &'static str) -> FieldProblem {
        FieldProblem { field: field.to_string(), key, args: vec![] }
    }
    fn arg(mut self, k: &'static str, v: impl ToString) -> FieldProblem {
        self.args.push((k, v.to_string()));
        self
    }
}

/// Checks a form's answers (as strings) against the fields; `complete` asks for the
/// required ones too (at submission; a draft may be incomplete). Answers the cleaned values.
pub fn check_form(c: &Config, answers: &BTreeMap<String, String>, complete: bool) -> Result<BTreeMap<String, String>, FieldProblem> {
    // Attachments are files now (`files.rs`), not answers: a link given for one is refused by name.
    if let Some(k) = answers.keys().find(|k| k.strip_prefix("att_").is_some_and(|a| c.attachments.iter().any(|d| d.key == a))) {
        return Err(FieldProblem::new(k, "programmes.err_attachment_file"));
    }
    if let Some(k) = answers.keys().find(|k| !c.fields.iter().any(|f| &f.key == *k) && !k.starts_with("self_")) {
        return Err(FieldProblem::new(k, "programmes.err_unknown_field"));
    }
    let mut out = BTreeMap::new();
    for f in &c.fields {
        let v = answers.get(&f.key).map(|s| s.trim()).unwrap_or("");
        if v.is_empty() {
            if complete && f.required {
                return Err(FieldProblem::new(&f.key, "programmes.err_required"));
            }
            continue;
        }
        let max_len = f.max_len.unwrap_or(if f.kind == "textarea" { 4000 } else { 200 });
        if v.chars().count() > max_len {
            return Err(FieldProblem::new(&f.key, "programmes.err_too_long").arg("max", max_len));
        }
        match f.kind.as_str() {
            "number" => {
                let n: i64 = v.parse().map_err(|_| FieldProblem::new(&f.key, "programmes.err_number"))?;
                if f.min.is_some_and(|m| n < m) || f.max.is_some_and(|m| n > m) {
                    return Err(FieldProblem::new(&f.key, "programmes.err_range").arg("min", f.min.unwrap_or(i64::MIN)).arg("max", f.max.unwrap_or(i64::MAX)));
                }
            }
            "choice" if !f.choices.iter().any(|ch| ch == v) => return Err(FieldProblem::new(&f.key, "programmes.err_choice").arg("choices", f.choices.join(", "))),
            "date" if crate::util::parse_local_date(v).is_none() => return Err(FieldProblem::new(&f.key, "programmes.err_date")),
            "standard" if stdnum::standard::parse(v).is_err() => return Err(FieldProblem::new(&f.key, "programmes.err_standard")),
            _ => {}
        }
        out.insert(f.key.clone(), v.to_string());
    }
    // Self-assessment by clause (`self_<criterion>` = points or "na"), kept as given, checked here.
    for cr in &c.criteria {
        let k = format!("self_{}", cr.key);
        if let Some(v) = answers.get(&k).map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if v == "na" && cr.na_allowed {
            } else {
                let n: i64 = v.parse().map_err(|_| FieldProblem::new(&k, "programmes.err_number"))?;
                if !(0..=cr.max).contains(&n) {
                    return Err(FieldProblem::new(&k, "programmes.err_range").arg("min", 0).arg("max", cr.max));
                }
            }
            out.insert(k, v.to_string());
        }
    }
    Ok(out)
}

/// The funded work of a subsidy application: the work fields' values, normalised (a
/// standard number by its parsed form), joined; `None` when the type names no work fields
/// or the answers leave them empty.
pub fn work_key(c: &Config, data: &BTreeMap<String, String>) -> Option<String> {
    if c.work_fields.is_empty() {
        return None;
    }
    let mut parts = vec![c.code.clone()];
    for w in &c.work_fields {
        let v = data.get(w).map(|s| s.trim()).unwrap_or("");
        if v.is_empty() {
            return None;
        }
        let kind = c.fields.iter().find(|f| &f.key == w).map(|f| f.kind.as_str());
        let norm = match kind {
            Some("standard") => stdnum::standard::parse(v).map(|n| normalise(&n.normalized())).unwrap_or_else(|_| normalise(v)),
            _ => normalise(v),
        };
        parts.push(norm);
    }
    Some(parts.join("|"))
}

/// Lower case, full-width folded, spaces and dashes out: "GB/T 1.1－2020" and "gb/t1.1-2020" agree.
fn normalise(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfkc().filter(|c| !c.is_whitespace() && !matches!(c, '-' | '–' | '—')).flat_map(char::to_lowercase).collect()
}

// ---------------------------------------------------------------------------------------
// Scores

/// One reviewer's sheet: the totals of its base and bonus parts, in hundredths of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sheet {
    pub base: i64,
    pub bonus: i64,
}

impl Sheet {
    pub fn total(&self) -> i64 {
        self.base + self.bonus
    }
}

/// A line of a reviewer's sheet as given: points (whole or with two decimals), or not applicable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub criterion: String,
    pub points: i64,
    pub na: bool,
    pub comment: String,
}

/// Points in hundredths from "12", "12.5" or "12.25".
pub fn parse_points(s: &str) -> Option<i64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 6 {
        return None;
    }
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    Some(whole.parse::<i64>().ok()? * 100 + f)
}

pub fn fmt_points(h: i64) -> String {
    if h % 100 == 0 { format!("{}", h / 100) } else { format!("{}.{:02}", h / 100, h % 100).trim_end_matches('0').to_string() }
}

/// Checks a sheet against the criteria (every criterion once, within its maximum; not
/// applicable only where allowed, counted at full marks) and answers its lines and totals.
pub fn check_sheet(c: &Config, given: &BTreeMap<String, (String, String)>) -> Result<(Vec<Line>, Sheet), FieldProblem> {
    let mut lines = Vec::new();
    let mut sheet = Sheet { base: 0, bonus: 0 };
    for cr in &c.criteria {
        let field = format!("score_{}", cr.key);
        let (raw, comment) = given.get(&cr.key).cloned().unwrap_or_default();
        let raw = raw.trim();
        let (points, na) = if raw.eq_ignore_ascii_case("na") {
            if !cr.na_allowed {
                return Err(FieldProblem::new(&field, "programmes.err_na"));
            }
            (cr.max * 100, true)
        } else {
            let p = parse_points(raw).ok_or_else(|| FieldProblem::new(&field, "programmes.err_points"))?;
            if p > cr.max * 100 {
                return Err(FieldProblem::new(&field, "programmes.err_range").arg("min", 0).arg("max", cr.max));
            }
            (p, false)
        };
        if comment.chars().count() > 2000 {
            return Err(FieldProblem::new(&format!("comment_{}", cr.key), "programmes.err_too_long").arg("max", 2000));
        }
        if cr.part == "bonus" { sheet.bonus += points } else { sheet.base += points }
        lines.push(Line { criterion: cr.key.clone(), points, na, comment: comment.trim().to_string() });
    }
    if let Some(k) = given.keys().find(|k| !c.criteria.iter().any(|cr| &cr.key == *k)) {
        return Err(FieldProblem::new(&format!("score_{k}"), "programmes.err_unknown_field"));
    }
    Ok((lines, sheet))
}

/// Why sheets make no score yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoScore {
    NoSheets,
    /// Consensus asked and the totals are `spread` hundredths apart.
    Disagree { spread: i64 },
}

/// The panel's score from the sheets, per the programme's rule (rounded to hundredths).
pub fn aggregate(rule: Aggregation, consensus_spread: i64, sheets: &[Sheet]) -> Result<Sheet, NoScore> {
    if sheets.is_empty() {
        return Err(NoScore::NoSheets);
    }
    let mut used: Vec<Sheet> = sheets.to_vec();
    match rule {
        Aggregation::Mean => {}
        Aggregation::TrimmedMean => {
            if used.len() >= 3 {
                used.sort_by_key(|s| (s.total(), s.base));
                used = used[1..used.len() - 1].to_vec();
            }
        }
        Aggregation::Consensus => {
            let hi = used.iter().map(Sheet::total).max().unwrap_or(0);
            let lo = used.iter().map(Sheet::total).min().unwrap_or(0);
            if hi - lo > consensus_spread * 100 {
                return Err(NoScore::Disagree { spread: hi - lo });
            }
        }
    }
    let n = used.len() as i64;
    let avg = |f: fn(&Sheet) -> i64| (used.iter().map(f).sum::<i64>() * 2 + n) / (2 * n);
    Ok(Sheet { base: avg(|s| s.base), bonus: avg(|s| s.bonus) })
}

// ---------------------------------------------------------------------------------------
// Grades

/// One row of a threshold table: a grade is reached when base ≥ min_base and (if given)
/// total ≥ min_total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GradeRule {
    pub grade: String,
    pub rule: i64,
    pub min_base: i64,
    pub min_total: Option<i64>,
}

/// A versioned threshold table, with its grades from lowest to highest.
#[derive(Debug, Clone, Serialize)]
pub struct Thresholds {
    pub name: String,
    pub grades: Vec<String>,
    pub rules: Vec<GradeRule>,
}

impl Thresholds {
    /// Reads `grade,rule,min_base,min_total`; grades rank in the order they first appear.
    /// Errors name the line and column.
    pub fn parse(name: &str, csv_text: &str) -> Result<Thresholds, String> {
        let mut rdr = csv::ReaderBuilder::new().has_headers(true).from_reader(csv_text.as_bytes());
        let head: Vec<String> = rdr.headers().map_err(|e| format!("{name}: {e}"))?.iter().map(str::to_string).collect();
        if head != ["grade", "rule", "min_base", "min_total"] {
            return Err(format!("{name}: line 1: the columns are grade,rule,min_base,min_total"));
        }
        let mut t = Thresholds { name: name.to_string(), grades: vec![], rules: vec![] };
        for (i, rec) in rdr.records().enumerate() {
            let line = i + 2;
            let rec = rec.map_err(|e| format!("{name}: line {line}: {e}"))?;
            let num = |col: usize, label: &str| -> Result<Option<i64>, String> {
                let v = rec.get(col).unwrap_or("").trim();
                if v.is_empty() { Ok(None) } else { v.parse().map(Some).map_err(|_| format!("{name}: line {line}, column {label}: {v:?} is not a whole number")) }
            };
            let grade = rec.get(0).unwrap_or("").trim().to_string();
            if grade.is_empty() {
                return Err(format!("{name}: line {line}, column grade: empty"));
            }
            let min_base = num(2, "min_base")?.ok_or_else(|| format!("{name}: line {line}, column min_base: empty"))?;
            if !t.grades.contains(&grade) {
                t.grades.push(grade.clone());
            }
            t.rules.push(GradeRule { grade, rule: num(1, "rule")?.unwrap_or(1), min_base, min_total: num(3, "min_total")? });
        }
        Ok(t)
    }

    /// The highest grade reached by a base and a total (whole points), if any.
    pub fn grade(&self, base: i64, total: i64) -> Option<&str> {
        self.grades
            .iter()
            .rev()
            .find(|g| self.rules.iter().any(|r| &r.grade == *g && base >= r.min_base && r.min_total.is_none_or(|m| total >= m)))
            .map(String::as_str)
    }
}

/// The shipped threshold tables, by name (`seed/<name>.csv`).
pub fn thresholds(name: &str) -> Option<Thresholds> {
    let text = match name {
        "good_behaviour_grading_2009" => include_str!("../../seed/good_behaviour_grading_2009.csv"),
        _ => return None,
    };
    Thresholds::parse(name, text).ok()
}

/// The seed files of the shipped programme types.
pub const SEEDS: [(&str, &str); 3] = [
    ("demonstration.toml", include_str!("../../seed/programmes/demonstration.toml")),
    ("good_behaviour.toml", include_str!("../../seed/programmes/good_behaviour.toml")),
    ("subsidy.toml", include_str!("../../seed/programmes/subsidy.toml")),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn gb() -> Thresholds {
        thresholds("good_behaviour_grading_2009").expect("shipped table")
    }

    #[test]
    fn the_2009_table_grades_as_published() {
        let t = gb();
        assert_eq!(t.grades, ["A", "AA", "AAA", "AAAA"]);
        let cases: [(i64, i64, Option<&str>); 12] = [
            (390, 450, Some("AAAA")), // AAAA rule 1
            (380, 460, Some("AAAA")), // AAAA rule 2
            (389, 459, Some("AAA")),  // neither AAAA rule: AAA rule 1 (base ≥ 370)
            (390, 449, Some("AAA")),
            (379, 500, Some("AAA")),  // base short of 380 whatever the bonus
            (360, 420, Some("AAA")),  // AAA rule 2
            (360, 419, Some("AA")),
            (300, 350, Some("AA")),   // AA rule 2
            (300, 349, Some("A")),
            (320, 320, Some("AA")),   // AA rule 1
            (280, 280, Some("A")),
            (279, 379, None),
        ];
        for (base, total, want) in cases {
            assert_eq!(t.grade(base, total), want, "base {base} total {total}");
        }
    }

    #[test]
    fn a_threshold_table_names_the_bad_cell() {
        let e = Thresholds::parse("x", "grade,rule,min_base,min_total\nA,1,28O,\n").unwrap_err();
        assert!(e.contains("line 2, column min_base"), "{e}");
        assert!(Thresholds::parse("x", "grade,min_base\nA,1\n").unwrap_err().contains("columns"));
    }

    #[test]
    fn seeds_parse_and_check() {
        for (name, text) in SEEDS {
            let c = Config::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
            if let Some(g) = &c.grading {
                assert!(thresholds(g).is_some(), "{g}");
            }
        }
        let gb = Config::parse("good_behaviour.toml", SEEDS[1].1).unwrap();
        assert_eq!((gb.max_of("base"), gb.max_of("bonus")), (400, 100), "base 400 + bonus 100");
    }

    #[test]
    fn aggregation_rules() {
        let s = |t: i64| Sheet { base: t * 100, bonus: 0 };
        assert_eq!(aggregate(Aggregation::Mean, 0, &[s(80), s(90)]), Ok(s(85)));
        assert_eq!(aggregate(Aggregation::TrimmedMean, 0, &[s(10), s(80), s(90), s(100)]), Ok(s(85)), "lowest and highest out");
        assert_eq!(aggregate(Aggregation::TrimmedMean, 0, &[s(10), s(80)]), Ok(s(45)), "two sheets: a plain mean");
        assert_eq!(aggregate(Aggregation::Consensus, 10, &[s(80), s(90)]), Ok(s(85)));
        assert_eq!(aggregate(Aggregation::Consensus, 5, &[s(80), s(90)]), Err(NoScore::Disagree { spread: 1000 }));
        assert_eq!(aggregate(Aggregation::Mean, 0, &[]), Err(NoScore::NoSheets));
        assert_eq!(aggregate(Aggregation::Mean, 0, &[Sheet { base: 1, bonus: 0 }, Sheet { base: 2, bonus: 0 }]).unwrap().base, 2, "rounded half up");
    }

    #[test]
    fn points_and_sheets() {
        assert_eq!(parse_points("12"), Some(1200));
        assert_eq!(parse_points("12.5"), Some(1250));
        assert_eq!(parse_points("0.25"), Some(25));
        for bad in ["", "-1", "1.234", "x", "1e3", ".5"] {
            assert_eq!(parse_points(bad), None, "{bad}");
        }
        assert_eq!(fmt_points(1250), "12.5");
        assert_eq!(fmt_points(1200), "12");
        let c = Config::parse("good_behaviour.toml", SEEDS[1].1).unwrap();
        let mut given: BTreeMap<String, (String, String)> = c.criteria.iter().map(|cr| (cr.key.clone(), (cr.max.to_string(), String::new()))).collect();
        let (_, sheet) = check_sheet(&c, &given).unwrap();
        assert_eq!((sheet.base, sheet.bonus), (40000, 10000));
        let na = c.criteria.iter().find(|cr| cr.na_allowed).expect("an item that may not apply");
        given.insert(na.key.clone(), ("na".into(), String::new()));
        let (lines, sheet2) = check_sheet(&c, &given).unwrap();
        assert_eq!(sheet2, sheet, "not applicable counts at full marks");
        assert!(lines.iter().any(|l| l.na));
        let strict = c.criteria.iter().find(|cr| !cr.na_allowed).unwrap();
        given.insert(strict.key.clone(), ("na".into(), String::new()));
        assert_eq!(check_sheet(&c, &given).unwrap_err().field, format!("score_{}", strict.key));
        given.insert(strict.key.clone(), ((strict.max + 1).to_string(), String::new()));
        assert_eq!(check_sheet(&c, &given).unwrap_err().key, "programmes.err_range");
    }

    #[test]
    fn forms_and_duplicate_work() {
        let c = Config::parse("subsidy.toml", SEEDS[2].1).unwrap();
        let mut a: BTreeMap<String, String> = BTreeMap::new();
        assert!(check_form(&c, &a, false).is_ok(), "a draft may be empty");
        assert_eq!(check_form(&c, &a, true).unwrap_err().key, "programmes.err_required");
        a.insert("nope".into(), "1".into());
        assert_eq!(check_form(&c, &a, false).unwrap_err().field, "nope");
        a.remove("nope");
        a.insert("item".into(), "national_lead".into());
        a.insert("level".into(), "national".into());
        a.insert("project".into(), "《标准化工作导则》修订".into());
        a.insert("work".into(), "GB/T 1.1－2020".into());
        let one = work_key(&c, &check_form(&c, &a, false).unwrap()).unwrap();
        a.insert("work".into(), "gb/t 1.1-2020".into());
        let two = work_key(&c, &check_form(&c, &a, false).unwrap()).unwrap();
        assert_eq!(one, two, "the same work written two ways");
        a.insert("item".into(), "party".into());
        assert_eq!(check_form(&c, &a, false).unwrap_err().key, "programmes.err_choice");
    }

    #[test]
    fn the_flow_holds_together() {
        static F: crate::workflow::Flow = crate::workflow::Flow::new("application", "applications", &MOVES).labels("programmes.state_", "programmes.action_");
        assert_eq!(F.check(), Ok(()));
        for s in F.states() {
            assert!(serde_json::from_value::<AppState>(serde_json::json!(s)).is_ok(), "{s} is in the API's vocabulary");
        }
    }
}
