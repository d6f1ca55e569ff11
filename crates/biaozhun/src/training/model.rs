//! The training room's vocabulary and rules without I/O: the kinds of session, the
//! session's lifecycle, the input of the staff editor and the API, and its checks.

use crate::auth::Role;
use crate::workflow::{Move, START, Who};
use serde::{Deserialize, Serialize};

/// What a session is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// 标准宣贯: promotion of a new or revised standard.
    Promotion,
    /// Standardization engineer training.
    Engineer,
    /// Training of implementation supervisors.
    Supervisor,
    /// Continuing education.
    Continuing,
}

impl SessionKind {
    pub const ALL: [SessionKind; 4] = [SessionKind::Promotion, SessionKind::Engineer, SessionKind::Supervisor, SessionKind::Continuing];

    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Promotion => "promotion",
            SessionKind::Engineer => "engineer",
            SessionKind::Supervisor => "supervisor",
            SessionKind::Continuing => "continuing",
        }
    }

    pub fn parse(s: &str) -> Option<SessionKind> {
        SessionKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The kinds as stored (`training_sessions.kind`), in menu order.
pub const KINDS: [&str; 4] = ["promotion", "engineer", "supervisor", "continuing"];

/// A session's state (`training_sessions.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Draft,
    Published,
    Finished,
    Cancelled,
}

/// An enrolment's state as the API reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    Enrolled,
    Waitlisted,
    Cancelled,
}

impl EnrolmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EnrolmentStatus::Enrolled => "enrolled",
            EnrolmentStatus::Waitlisted => "waitlisted",
            EnrolmentStatus::Cancelled => "cancelled",
        }
    }
}

const STAFF: &[Who] = &[Who::Role(Role::Staff)];

/// The session's lifecycle: staff draft it, publish it (enrolment opens), and either mark
/// it finished after it took place or cancel it (with a reason, told to everyone enrolled).
pub static SESSION_MOVES: [Move; 6] = [
    Move::new(START, "create", "draft", STAFF),
    Move::new("draft", "publish", "published", STAFF),
    Move::new("draft", "cancel", "cancelled", STAFF).with_note(),
    Move::new("published", "unpublish", "draft", STAFF),
    Move::new("published", "finish", "finished", STAFF),
    Move::new("published", "cancel", "cancelled", STAFF).with_note(),
];

const PERSON: &[Who] = &[Who::Owner, Who::Scope("org_admin"), Who::Role(Role::Staff)];
const LEAVER: &[Who] = &[Who::Owner, Who::Role(Role::Staff)];
const PLATFORM: &[Who] = &[Who::System];

/// An enrolment's lifecycle: the person (or their organisation's administrator, a scope the
/// caller establishes) takes a seat or a place on the waiting list; the platform moves the
/// first person waiting up when a seat frees; the person or staff cancel; a cancelled person
/// may come back.
pub static ENROLMENT_MOVES: [Move; 7] = [
    Move::new(START, "enrol", "enrolled", PERSON),
    Move::new(START, "waitlist", "waitlisted", PERSON),
    Move::new("waitlisted", "promote", "enrolled", PLATFORM),
    Move::new("enrolled", "cancel", "cancelled", LEAVER),
    Move::new("waitlisted", "cancel", "cancelled", LEAVER),
    Move::new("cancelled", "enrol", "enrolled", PERSON),
    Move::new("cancelled", "waitlist", "waitlisted", PERSON),
];

/// A session as staff write it in the editor (the API's body converts to it). Times are
/// local (Asia/Shanghai) `YYYY-MM-DDTHH:MM`, or RFC 3339.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SessionInput {
    /// 1–200 characters.
    pub title: String,
    /// `promotion` (宣贯), `engineer`, `supervisor` or `continuing`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub summary: String,
    pub starts_at: String,
    pub ends_at: String,
    /// The place (address); a place or an online link is required.
    #[serde(default)]
    pub location: String,
    /// An `https://` link for an online session.
    #[serde(default)]
    pub online_url: String,
    /// Seats; empty or absent: no limit.
    #[serde(default, deserialize_with = "crate::training::model::opt_number")]
    pub capacity: Option<String>,
    /// The fee in yuan, recorded and shown (the platform does not charge it).
    #[serde(default, deserialize_with = "crate::training::model::opt_number")]
    pub fee: Option<String>,
    /// Teachers' names, one line or comma-separated.
    #[serde(default)]
    pub teachers: String,
    /// Continuing-education hours credited for attending (0–200).
    #[serde(default, deserialize_with = "crate::training::model::opt_number")]
    pub hours: Option<String>,
    /// Enrolled people may cancel until this time; absent: until the session starts.
    #[serde(default)]
    pub cancel_until: String,
    /// The version read, when editing (409 when someone saved first).
    #[serde(default, deserialize_with = "crate::training::model::opt_number")]
    pub version: Option<String>,
}

/// Accepts a number or a string for a numeric field (forms send strings, JSON numbers).
pub fn opt_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v: Option<serde_json::Value> = Option::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        Some(other) => Some(other.to_string()),
    })
}

/// A session's checked values, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionValues {
    pub title: String,
    pub kind: SessionKind,
    pub summary: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub location: String,
    pub online_url: String,
    pub capacity: Option<i64>,
    pub fee_fen: i64,
    pub teachers: String,
    pub hours: i64,
    pub cancel_until: Option<i64>,
}

/// A refusal: the field and the i18n key of the message.
pub type FieldError = (&'static str, &'static str);

/// Reads a time: RFC 3339, or a local (UTC+8) `YYYY-MM-DDTHH:MM[:SS]` / `YYYY-MM-DD HH:MM`.
pub fn parse_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(t) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(t.unix_timestamp());
    }
    let norm = s.replacen(' ', "T", 1);
    let (date, clock) = norm.split_once('T')?;
    let day = crate::util::parse_local_date(date)?;
    let mut parts = clock.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let sec: i64 = match parts.next() {
        Some(x) => x.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() || !(0..24).contains(&h) || !(0..60).contains(&m) || !(0..60).contains(&sec) {
        return None;
    }
    Some(day + h * 3600 + m * 60 + sec)
}

/// Reads a sum in yuan with at most two decimals into fen.
pub fn parse_fee(s: &str) -> Option<i64> {
    let s = s.trim().trim_start_matches('¥').trim();
    if s.is_empty() {
        return Some(0);
    }
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) || whole.len() > 9 {
        return None;
    }
    let w: i64 = whole.parse().ok()?;
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    Some(w * 100 + f)
}

/// Shows fen as yuan with two decimals.
pub fn fmt_fee(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn opt_int(v: &Option<String>, field: &'static str, min: i64, max: i64) -> Result<Option<i64>, FieldError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err((field, "training.err_number")),
        },
    }
}

impl SessionInput {
    /// Checks every field; the first refusal names its field.
    pub fn check(&self) -> Result<SessionValues, FieldError> {
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            return Err(("title", "training.err_title"));
        }
        let kind = SessionKind::parse(self.kind.trim()).ok_or(("kind", "training.err_kind"))?;
        if self.summary.chars().count() > 4000 {
            return Err(("summary", "training.err_too_long"));
        }
        let starts_at = parse_time(&self.starts_at).ok_or(("starts_at", "training.err_time"))?;
        let ends_at = parse_time(&self.ends_at).ok_or(("ends_at", "training.err_time"))?;
        if ends_at <= starts_at {
            return Err(("ends_at", "training.err_ends_before"));
        }
        let location = self.location.trim();
        let online_url = self.online_url.trim();
        if location.chars().count() > 300 {
            return Err(("location", "training.err_too_long"));
        }
        if !online_url.is_empty() && (!(online_url.starts_with("https://") || online_url.starts_with("http://")) || online_url.len() > 500 || online_url.contains(char::is_whitespace)) {
            return Err(("online_url", "training.err_url"));
        }
        if location.is_empty() && online_url.is_empty() {
            return Err(("location", "training.err_place"));
        }
        let capacity = opt_int(&self.capacity, "capacity", 1, 100_000)?;
        let fee_fen = parse_fee(self.fee.as_deref().unwrap_or("")).ok_or(("fee", "training.err_fee"))?;
        let teachers = self.teachers.trim();
        if teachers.chars().count() > 500 {
            return Err(("teachers", "training.err_too_long"));
        }
        let hours = opt_int(&self.hours, "hours", 0, 200)?.unwrap_or(0);
        let cancel_until = match self.cancel_until.trim() {
            "" => None,
            s => {
                let t = parse_time(s).ok_or(("cancel_until", "training.err_time"))?;
                if t > starts_at {
                    return Err(("cancel_until", "training.err_cancel_after_start"));
                }
                Some(t)
            }
        };
        Ok(SessionValues {
            title: title.to_string(),
            kind,
            summary: self.summary.trim().to_string(),
            starts_at,
            ends_at,
            location: location.to_string(),
            online_url: online_url.to_string(),
            capacity,
            fee_fen,
            teachers: teachers.to_string(),
            hours,
            cancel_until,
        })
    }
}

/// Reads an uploaded list of people (one a line; cells split by tabs, commas or spaces)
/// against `known` (account name or e-mail address, compared without case, → user id).
/// Answers the users found, in the list's order without repeats, and the lines that name
/// nobody known, with their line number. A first line that names nobody is taken for a
/// heading.
pub fn match_people(text: &str, known: &[(String, i64)]) -> (Vec<i64>, Vec<(usize, String)>) {
    let mut found = Vec::new();
    let mut refused = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let hit = line
            .split(|c: char| c == '\t' || c == ',' || c == ';' || c == '，' || c == '；' || c.is_whitespace())
            .map(|w| w.trim().to_lowercase())
            .find_map(|w| known.iter().find(|(k, _)| !w.is_empty() && *k == w).map(|(_, id)| *id));
        match hit {
            Some(id) if !found.contains(&id) => found.push(id),
            Some(_) => {}
            None if i == 0 => {}
            None => refused.push((i + 1, line.chars().take(100).collect())),
        }
    }
    (found, refused)
}

/// The local `YYYY-MM-DDTHH:MM` of a time, as a `datetime-local` field shows it.
pub fn local_input(ts: i64) -> String {
    let t = crate::util::to_local(ts);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

/// RFC 3339 in UTC.
pub fn rfc3339(ts: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> SessionInput {
        SessionInput {
            title: "GB/T 1.1 宣贯".into(),
            kind: "promotion".into(),
            starts_at: "2026-03-02T09:00".into(),
            ends_at: "2026-03-02T17:00".into(),
            location: "天河区".into(),
            ..Default::default()
        }
    }

    #[test]
    fn kinds_match_the_enum() {
        assert_eq!(SessionKind::ALL.map(SessionKind::as_str), KINDS);
        assert_eq!(serde_json::to_value(SessionKind::Continuing).unwrap(), "continuing");
    }

    #[test]
    fn times_are_local_or_rfc3339() {
        let local = parse_time("2026-03-02T09:00").unwrap();
        assert_eq!(parse_time("2026-03-02T01:00:00Z"), Some(local));
        assert_eq!(parse_time("2026-03-02 09:00"), Some(local));
        assert_eq!(local_input(local), "2026-03-02T09:00");
        assert_eq!(rfc3339(local), "2026-03-02T01:00:00Z");
        assert_eq!(parse_time("2026-03-02T25:00"), None);
        assert_eq!(parse_time("tomorrow"), None);
    }

    #[test]
    fn fees_are_yuan_with_two_decimals() {
        assert_eq!(parse_fee("800"), Some(80000));
        assert_eq!(parse_fee("12.5"), Some(1250));
        assert_eq!(parse_fee(""), Some(0));
        assert_eq!(parse_fee("1.234"), None);
        assert_eq!(parse_fee("-3"), None);
        assert_eq!(fmt_fee(1250), "12.50");
    }

    #[test]
    fn lists_of_people_match_accounts_and_addresses() {
        let known = vec![("li_gong".to_string(), 1), ("li@example.org".to_string(), 1), ("wang".to_string(), 2), ("wang@example.org".to_string(), 2)];
        let (found, refused) = match_people("账号,邮箱\nLI_GONG\n\n王工，wang@example.org\nzhao\nli@example.org\n", &known);
        assert_eq!(found, vec![1, 2]);
        assert_eq!(refused, vec![(5, "zhao".to_string())]);
    }

    #[test]
    fn checks_name_their_field() {
        assert!(input().check().is_ok());
        let mut i = input();
        i.ends_at = "2026-03-02T08:00".into();
        assert_eq!(i.check().unwrap_err().0, "ends_at");
        let mut i = input();
        i.location.clear();
        assert_eq!(i.check().unwrap_err().0, "location");
        i.online_url = "javascript:alert(1)".into();
        assert_eq!(i.check().unwrap_err().0, "online_url");
        let mut i = input();
        i.capacity = Some("0".into());
        assert_eq!(i.check().unwrap_err().0, "capacity");
        let mut i = input();
        i.kind = "party".into();
        assert_eq!(i.check().unwrap_err().0, "kind");
        let mut i = input();
        i.cancel_until = "2026-03-03T00:00".into();
        assert_eq!(i.check().unwrap_err().0, "cancel_until");
    }
}
