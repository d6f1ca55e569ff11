//! An outline as structure (纲要): goals, task groups, tasks with their lead and
//! supporting departments and districts, safeguards, and indicators with baseline, target
//! and deadline. Read from a data file (TOML or JSON, `seed/strategy/*.toml`), checked
//! whole: an error names the entry and the field. Pure: no I/O.

use serde::{Deserialize, Serialize};

/// The outline the platform carries from its first start.
pub const GUANGZHOU: &str = include_str!("../../seed/strategy/guangzhou-2013-2020.toml");
pub const GUANGZHOU_KEY: &str = "guangzhou-2013-2020";

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Outline {
    pub key: String,
    pub title: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub city: String,
    pub from: i64,
    pub to: i64,
    #[serde(default)]
    pub departments: Vec<Department>,
    pub goals: Vec<Goal>,
    #[serde(default)]
    pub groups: Vec<Group>,
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub safeguards: Vec<Safeguard>,
    #[serde(default)]
    pub indicators: Vec<Indicator>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Department {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
}

/// 发展目标.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Goal {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub text: String,
}

/// A group of tasks (主要任务 (一)…(五)), serving one goal.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Group {
    pub no: i64,
    pub goal: String,
    pub name: String,
}

/// 主要任务: numbered through the outline.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Task {
    pub no: i64,
    pub group: i64,
    pub name: String,
    /// The lead department's key.
    pub lead: String,
    #[serde(default)]
    pub support: Vec<String>,
    /// District codes (GB/T 2260); `*` stands for every district of the city.
    #[serde(default)]
    pub districts: Vec<String>,
}

/// 保障措施.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Safeguard {
    pub no: i64,
    pub name: String,
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Indicator {
    pub key: String,
    pub goal: String,
    pub name: String,
    #[serde(default)]
    pub name_en: String,
    pub baseline: Option<i64>,
    /// The figure to reach, when the outline gives one.
    pub target: Option<i64>,
    /// The target in the outline's words ("15 家以上", "保持全省领先").
    #[serde(default)]
    pub target_text: String,
    /// `YYYY-MM-DD`.
    pub deadline: String,
    /// The key of the room's computed figure (`programmes.demonstrations`).
    pub source: String,
    /// The outline's own sentence behind the figures.
    #[serde(default)]
    pub quote: String,
    /// The department that reports the figure while no room computes it.
    pub department: String,
}

/// An error in an outline file: the entry (`tasks[3]`) and field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineError {
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for OutlineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

fn err(at: impl Into<String>, message: impl Into<String>) -> OutlineError {
    OutlineError { at: at.into(), message: message.into() }
}

fn is_key(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_' || b == b'.')
}

impl Outline {
    /// Reads an outline from TOML, or JSON when the text starts with `{`, and checks it.
    /// `districts` are the city's district codes `*` stands for.
    pub fn parse(text: &str, districts: &[String]) -> Result<Outline, OutlineError> {
        let mut o: Outline = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| err(format!("line {}", e.line()), e.to_string()))?
        } else {
            toml::from_str(text).map_err(|e| {
                let at = e.span().map(|s| format!("line {}", text[..s.start.min(text.len())].lines().count().max(1))).unwrap_or_else(|| "file".into());
                // A file that ends after `key =` gets an error without words from the TOML reader.
                let message = e.message().trim();
                err(at, if message.is_empty() { "not valid TOML here (a value is missing)" } else { message })
            })?
        };
        o.check()?;
        for t in &mut o.tasks {
            if t.districts.iter().any(|d| d == "*") {
                t.districts = districts.to_vec();
            }
        }
        Ok(o)
    }

    fn check(&self) -> Result<(), OutlineError> {
        if !is_key(&self.key) {
            return Err(err("key", "a key is 1–64 characters of a-z, 0-9, '-', '_', '.'"));
        }
        if self.title.trim().is_empty() {
            return Err(err("title", "missing"));
        }
        if self.from > self.to {
            return Err(err("from", "the period starts after it ends"));
        }
        if self.goals.is_empty() {
            return Err(err("goals", "an outline has at least one goal"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, g) in self.goals.iter().enumerate() {
            if !is_key(&g.key) || !seen.insert(g.key.as_str()) {
                return Err(err(format!("goals[{}].key", i + 1), format!("'{}' is not a new key", g.key)));
            }
        }
        let goal = |k: &str| self.goals.iter().any(|g| g.key == k);
        let dept = |k: &str| self.departments.iter().any(|d| d.key == k);
        for (i, g) in self.groups.iter().enumerate() {
            if !goal(&g.goal) {
                return Err(err(format!("groups[{}].goal", i + 1), format!("no goal '{}'", g.goal)));
            }
        }
        let mut nos = std::collections::HashSet::new();
        for (i, t) in self.tasks.iter().enumerate() {
            let at = |f: &str| format!("tasks[{}].{f}", i + 1);
            if !nos.insert(t.no) {
                return Err(err(at("no"), format!("task {} appears twice", t.no)));
            }
            if !self.groups.is_empty() && !self.groups.iter().any(|g| g.no == t.group) {
                return Err(err(at("group"), format!("no group {}", t.group)));
            }
            if t.name.trim().is_empty() {
                return Err(err(at("name"), "missing"));
            }
            if !dept(&t.lead) {
                return Err(err(at("lead"), format!("no department '{}'", t.lead)));
            }
            if let Some(s) = t.support.iter().find(|s| !dept(s)) {
                return Err(err(at("support"), format!("no department '{s}'")));
            }
            if let Some(d) = t.districts.iter().find(|d| *d != "*" && !(d.len() == 6 && d.bytes().all(|b| b.is_ascii_digit()))) {
                return Err(err(at("districts"), format!("'{d}' is not a district code")));
            }
        }
        let mut keys = std::collections::HashSet::new();
        for (i, ind) in self.indicators.iter().enumerate() {
            let at = |f: &str| format!("indicators[{}].{f}", i + 1);
            if !is_key(&ind.key) || !keys.insert(ind.key.as_str()) {
                return Err(err(at("key"), format!("'{}' is not a new key", ind.key)));
            }
            if !goal(&ind.goal) {
                return Err(err(at("goal"), format!("no goal '{}'", ind.goal)));
            }
            if deadline_ts(&ind.deadline).is_none() {
                return Err(err(at("deadline"), format!("'{}' is not a date YYYY-MM-DD", ind.deadline)));
            }
            if !is_key(&ind.source) {
                return Err(err(at("source"), "a source key is written a-z, 0-9, '.', '_'"));
            }
            if !dept(&ind.department) {
                return Err(err(at("department"), format!("no department '{}'", ind.department)));
            }
        }
        Ok(())
    }

    pub fn goal_of(&self, t: &Task) -> Option<&Goal> {
        let g = self.groups.iter().find(|g| g.no == t.group)?;
        self.goals.iter().find(|x| x.key == g.goal)
    }

    pub fn department(&self, key: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.key == key)
    }

    pub fn task(&self, no: i64) -> Option<&Task> {
        self.tasks.iter().find(|t| t.no == no)
    }

    /// Whether the unit (`department`/`district` and key) is responsible for the task.
    pub fn responsible(&self, t: &Task, kind: UnitKind, key: &str) -> bool {
        match kind {
            UnitKind::Department => t.lead == key || t.support.iter().any(|s| s == key),
            UnitKind::District => t.districts.iter().any(|d| d == key),
        }
    }
}

/// The end of the deadline day, Asia/Shanghai, as Unix seconds.
pub fn deadline_ts(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    Some(crate::util::parse_local_date(s)? + 86399)
}

/// Who files a progress report: a department or a district (the scoped roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Department,
    District,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Department => "department",
            UnitKind::District => "district",
        }
    }
    pub fn parse(s: &str) -> Option<UnitKind> {
        [UnitKind::Department, UnitKind::District].into_iter().find(|k| k.as_str() == s.trim())
    }
    pub fn role(self) -> crate::auth::scopes::ScopedRole {
        match self {
            UnitKind::Department => crate::auth::scopes::ScopedRole::Department,
            UnitKind::District => crate::auth::scopes::ScopedRole::District,
        }
    }
}

/// A reporting period: a quarter, `2026-Q4`. Answers (year, quarter).
pub fn parse_period(s: &str) -> Option<(i32, u32)> {
    let (y, q) = s.trim().split_once("-Q")?;
    let y: i32 = y.parse().ok()?;
    let q: u32 = q.parse().ok()?;
    ((2000..=2100).contains(&y) && (1..=4).contains(&q)).then_some((y, q))
}

/// The period a moment falls in.
pub fn period_of(ts: i64) -> String {
    let d = crate::util::to_local(ts);
    format!("{}-Q{}", d.year(), (u8::from(d.month()) - 1) / 3 + 1)
}

/// The period before `p`.
pub fn previous_period(p: &str) -> String {
    match parse_period(p) {
        Some((y, 1)) => format!("{}-Q4", y - 1),
        Some((y, q)) => format!("{y}-Q{}", q - 1),
        None => String::new(),
    }
}

/// When a period's report is due: 15 days after the quarter ends (Asia/Shanghai).
pub fn due_of(p: &str) -> Option<i64> {
    let (y, q) = parse_period(p)?;
    let (ny, nm) = if q == 4 { (y + 1, 1) } else { (y, q * 3 + 1) };
    let start_next = crate::util::parse_local_date(&format!("{ny:04}-{nm:02}-01"))?;
    Some(start_next + 15 * 86400)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn districts() -> Vec<String> {
        (0..11).map(|i| format!("4401{i:02}")).collect()
    }

    #[test]
    fn the_guangzhou_outline_loads_whole() {
        let o = Outline::parse(GUANGZHOU, &districts()).unwrap();
        assert_eq!(o.key, GUANGZHOU_KEY);
        assert_eq!(o.goals.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["产业引领", "宜居城市", "绿色低碳", "国际标准化", "人才集聚"]);
        assert_eq!(o.tasks.len(), 16);
        assert_eq!(o.safeguards.len(), 4);
        assert_eq!(o.tasks.iter().map(|t| t.no).collect::<Vec<_>>(), (1..=16).collect::<Vec<_>>());
        assert_eq!(o.goal_of(o.task(16).unwrap()).unwrap().key, "talent");
        assert_eq!(o.task(6).unwrap().districts.len(), 11, "* is every district");
        let ind = |k: &str| o.indicators.iter().find(|i| i.key == k).unwrap();
        assert_eq!(ind("demonstration_projects").target, Some(15));
        assert_eq!(ind("aaaa_enterprises").target, Some(100));
        assert_eq!(ind("local_specifications").baseline, Some(188));
        assert_eq!(ind("signs_standardised").baseline, Some(106000));
        assert_eq!([ind("talent_high_end").target, ind("talent_expert").target, ind("talent_backbone").target], [Some(100), Some(1000), Some(10000)]);
        assert!(o.responsible(o.task(1).unwrap(), UnitKind::Department, "gz-gxj"));
        assert!(!o.responsible(o.task(1).unwrap(), UnitKind::Department, "gz-mzj"));
    }

    #[test]
    fn errors_name_the_entry_and_field() {
        let bad = GUANGZHOU.replacen("lead = \"gz-gxj\"", "lead = \"gz-nowhere\"", 1);
        let e = Outline::parse(&bad, &districts()).unwrap_err();
        assert_eq!(e.at, "tasks[1].lead", "{e}");
        let bad = GUANGZHOU.replacen("deadline = \"2020-12-31\"", "deadline = \"2020-13-31\"", 1);
        assert_eq!(Outline::parse(&bad, &districts()).unwrap_err().at, "indicators[1].deadline");
        let e = Outline::parse("key = 3", &districts()).unwrap_err();
        assert!(e.at.starts_with("line"), "{e}");
        // Found by the fuzz seeds' damaged copies: a file cut after `=` still says what is wrong.
        let e = Outline::parse("key = \"x\"\ntitle =", &districts()).unwrap_err();
        assert_eq!(e.at, "line 2", "{e}");
        assert!(e.message.contains("missing"), "{e}");
    }

    #[test]
    fn periods() {
        assert_eq!(parse_period("2026-Q4"), Some((2026, 4)));
        assert_eq!(parse_period("2026-Q5"), None);
        assert_eq!(previous_period("2026-Q1"), "2025-Q4");
        // 2026-01-01 00:00 Shanghai is 2025-12-31 16:00 UTC.
        assert_eq!(period_of(1767196800), "2026-Q1");
        assert_eq!(due_of("2025-Q4"), Some(1767196800 + 15 * 86400));
    }
}
