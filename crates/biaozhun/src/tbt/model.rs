//! Types and rules of the TBT room (no I/O): a notification record as imported, its
//! family, deadlines, the comment workflow's moves, the subscription matcher, the
//! iCalendar feed and the statistics charts.

use super::{codes, members};
use crate::auth::Role;
use crate::workflow::{Move, START, Who};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use stdnum::wto::{SuffixKind, Symbol};

/// How often the alerts of a subscription are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum AlertFrequency {
    Immediate,
    Daily,
}

impl AlertFrequency {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertFrequency::Immediate => "immediate",
            AlertFrequency::Daily => "daily",
        }
    }
    pub fn parse(s: &str) -> Option<AlertFrequency> {
        [AlertFrequency::Immediate, AlertFrequency::Daily].into_iter().find(|f| f.as_str() == s)
    }
}

/// A notification as a search result lists it, stored with its search document (as the
/// payload), so the site search shows hits from the index alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchLine {
    pub symbol: String,
    pub title: String,
}

/// The frequencies as stored (`tbt_subscriptions.frequency`).
pub const FREQUENCIES: [&str; 2] = ["immediate", "daily"];

/// Days before the WTO deadline that comments are due at home, unless staff set otherwise.
pub const DOMESTIC_LEAD_DAYS: i64 = 10;

/// One notification document as read from a file, normalised.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Normalised symbols; the first is the primary one.
    pub symbols: Vec<String>,
    pub member: String,
    pub members: Vec<String>,
    pub member_text: String,
    pub distribution_date: Option<String>,
    /// The distribution date as written, when it could not be read (else empty; left out of
    /// the fingerprint when empty, so records imported before it existed stay unchanged).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub distribution_raw: String,
    pub agency: String,
    pub notified_under: Vec<String>,
    pub products_text: String,
    pub hs: Vec<String>,
    pub ics: Vec<String>,
    pub title: String,
    pub description: String,
    pub objectives: Vec<String>,
    pub keywords: Vec<String>,
    pub regions: String,
    pub notification_type: String,
    pub proposed_adoption: String,
    pub adoption_date: Option<String>,
    pub proposed_entry_into_force: String,
    pub entry_into_force_date: Option<String>,
    pub comment_text: String,
    pub comment_deadline: Option<String>,
    pub language: String,
    pub link_notification: String,
    pub link_summary: String,
    pub links_full: Vec<String>,
    pub source_url: String,
    // SPS fields (also an emergency TBT measure). Left out of the fingerprint when empty, so
    // the TBT records imported before they existed stay unchanged.
    /// An emergency measure (SPS Art. 6 / Annex B para. 6, TBT 2.10 / 5.7).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub emergency: bool,
    /// `codex`, `woah`, `ippc`, `none` (`sps::STANDARDS`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub intl_standards: Vec<String>,
    /// Conforms to the international standard: `yes`, `no` or empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub conformity: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub enquiry_point: String,
}

impl Record {
    /// `tbt` or `sps`, from the first symbol.
    pub fn agreement(&self) -> &'static str {
        super::sps::agreement_of(&self.symbols).code()
    }
    pub fn root_symbol(&self) -> String {
        self.symbols
            .first()
            .and_then(|s| stdnum::wto::parse_symbol(s).ok())
            .map(|s| s.root().to_string())
            .unwrap_or_default()
    }
    pub fn doc_kind(&self) -> &'static str {
        self.symbols
            .first()
            .and_then(|s| stdnum::wto::parse_symbol(s).ok())
            .map(|s| doc_kind(&s))
            .unwrap_or("notification")
    }
    /// A stable fingerprint of the content, to tell "unchanged" on re-import.
    pub fn hash(&self) -> String {
        crate::util::sha256_hex(&serde_json::to_string(self).unwrap_or_default())
    }
    /// Searchable text in lower case, for keyword matching.
    pub fn text_lower(&self) -> String {
        format!("{}\n{}\n{}\n{}", self.title, self.description, self.products_text, self.keywords.join("\n")).to_lowercase()
    }
}

pub fn doc_kind(s: &Symbol) -> &'static str {
    match s.suffixes.last().map(|x| x.kind) {
        None => "notification",
        Some(SuffixKind::Add) => "addendum",
        Some(SuffixKind::Corr) => "corrigendum",
        Some(SuffixKind::Rev) => "revision",
        Some(SuffixKind::Suppl) => "supplement",
    }
}

/// `YYYY-MM-DD` of a loosely written date; all-number dates that do not tell day from
/// month (`03/04/1997`) are read day first, as the WTO writes them.
pub fn iso_date(s: &str) -> Option<String> {
    let (y, m, d) = stdnum::date::parse_date_ordered(s.trim(), stdnum::date::DayOrder::DayFirst).ok()?;
    Some(stdnum::date::to_iso(y, m, d))
}

pub fn day_number(iso: &str) -> Option<i64> {
    let (y, m, d) = stdnum::date::parse_date(iso).ok()?;
    Some(stdnum::date::days_from_civil(y, m, d))
}

pub fn iso_of_day(n: i64) -> String {
    let (y, m, d) = stdnum::date::civil_from_days(n);
    stdnum::date::to_iso(y, m, d)
}

pub fn add_days(iso: &str, n: i64) -> Option<String> {
    day_number(iso).map(|d| iso_of_day(d + n))
}

/// Today in Asia/Shanghai, as `YYYY-MM-DD`.
pub fn today() -> String {
    crate::util::fmt_date(crate::util::now())
}

/// The final date for comments: a date as written, or a period counted from the
/// distribution date ("60 days from notification", "自通报之日起60天").
pub fn comment_deadline(text: &str, distribution: Option<&str>) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Some(d) = iso_date(t) {
        return Some(d);
    }
    let days = stdnum::date::parse_relative_days(t)?;
    add_days(distribution?, days as i64)
}

pub fn default_domestic(deadline: Option<&str>) -> Option<String> {
    add_days(deadline?, -DOMESTIC_LEAD_DAYS)
}

/// Days from today to a date (negative once passed).
pub fn days_left(iso: Option<&str>, today: &str) -> Option<i64> {
    Some(day_number(iso?)? - day_number(today)?)
}

/// Reads the joint symbols of a cell; an error names the bad piece.
/// Without one: the parser's reason, or `None` when the text is a symbol but not of a TBT
/// notification.
pub fn parse_symbols(cell: &str) -> Result<Vec<Symbol>, Option<stdnum::wto::ParseError>> {
    let found = stdnum::wto::find_symbols(cell);
    if found.is_empty() {
        return Err(stdnum::wto::parse_symbol(cell).err());
    }
    Ok(found)
}

/// Splits the HS/ICS column into valid HS and ICS codes, and the pieces refused.
pub fn split_codes(cell: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut hs = Vec::new();
    let mut ics = Vec::new();
    let mut bad = Vec::new();
    for piece in stdnum::cell::split_multi(cell) {
        match stdnum::cell::classify_code(&piece) {
            Some(stdnum::cell::Code::Hs(c)) if codes::hs_valid(&c) => push_unique(&mut hs, c),
            Some(stdnum::cell::Code::Ics(c)) if codes::ics_valid(&c) => push_unique(&mut ics, c),
            _ => bad.push(piece),
        }
    }
    (hs, ics, bad)
}

fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

// ---------------------------------------------------------------------------------------
// Comment workflow

/// The moves of a consolidated comment, as the workflow engine runs them
/// (`comments::FLOW`): staff create a draft from the concerns received, have it reviewed,
/// submit it to the enquiry point, record the reply, escalate it as a specific trade
/// concern, close it.
pub static COMMENT_MOVES: [Move; 11] = [
    Move::new(START, "create", "draft", STAFF),
    Move::new("draft", "send_to_review", "internal_review", STAFF),
    Move::new("draft", "close", "closed", STAFF),
    Move::new("internal_review", "return_to_draft", "draft", STAFF_OR_REVIEWER),
    Move::new("internal_review", "submit", "submitted", STAFF),
    Move::new("submitted", "record_reply", "reply_received", STAFF),
    Move::new("submitted", "close", "closed", STAFF),
    Move::new("submitted", "escalate", "escalated", STAFF),
    Move::new("reply_received", "close", "closed", STAFF),
    Move::new("reply_received", "escalate", "escalated", STAFF),
    Move::new("escalated", "close", "closed", STAFF),
];

const STAFF: &[Who] = &[Who::Role(Role::Staff)];
/// Staff, or the expert assigned to review this comment (`policy::Comment::Review`).
const STAFF_OR_REVIEWER: &[Who] = &[Who::Role(Role::Staff), Who::Scope("reviewer")];

// ---------------------------------------------------------------------------------------
// Matching

/// A subscription as the matcher sees it.
#[derive(Debug, Clone, Default)]
pub struct Sub {
    pub id: i64,
    /// Member codes (groups already expanded); empty = any.
    pub members: Vec<String>,
    pub hs: Vec<String>,
    pub ics: Vec<String>,
    /// Lower-case keywords; empty = any.
    pub keywords: Vec<String>,
    /// The member/group codes as chosen, for the reason text.
    pub chosen: Vec<String>,
    /// `tbt`, `sps`; empty = both agreements.
    pub agreements: Vec<String>,
    /// SPS objective keys (`sps::OBJECTIVES`); empty = any. A subscription with objectives
    /// matches SPS notifications with one of them, and TBT notifications as before.
    pub sps_objectives: Vec<String>,
}

/// What a notification offers to the matcher.
pub struct Target<'a> {
    /// `tbt` or `sps`.
    pub agreement: &'a str,
    /// The SPS objective keys of the notification.
    pub sps_objectives: &'a [&'a str],
    pub members: &'a [String],
    pub hs: &'a [String],
    pub ics: &'a [String],
    /// Lower-case text (title, description, products, keywords).
    pub text: &'a str,
}

/// Subscriptions indexed by member and HS chapter, so a notification only looks at the
/// subscriptions that could match it.
pub struct Matcher {
    subs: Vec<Sub>,
    /// (member or "*", chapter or "*") → subscription indexes.
    index: HashMap<(String, String), Vec<usize>>,
}

fn prefix_match(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

impl Matcher {
    pub fn new(subs: Vec<Sub>) -> Matcher {
        let mut index: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, s) in subs.iter().enumerate() {
            let ms: Vec<String> = if s.members.is_empty() { vec!["*".into()] } else { s.members.clone() };
            let mut chs: Vec<String> = s.hs.iter().filter_map(|h| h.get(..2)).map(str::to_string).collect();
            chs.sort();
            chs.dedup();
            if chs.is_empty() {
                chs.push("*".into());
            }
            for m in &ms {
                for c in &chs {
                    index.entry((m.clone(), c.clone())).or_default().push(i);
                }
            }
        }
        Matcher { subs, index }
    }

    pub fn len(&self) -> usize {
        self.subs.len()
    }
    pub fn is_empty(&self) -> bool {
        self.subs.is_empty()
    }

    /// Every subscription matching the target, with the reason.
    pub fn matches(&self, t: &Target) -> Vec<(i64, String)> {
        let mut ms: Vec<&str> = t.members.iter().map(String::as_str).collect();
        ms.push("*");
        let mut chs: Vec<&str> = t.hs.iter().filter_map(|h| h.get(..2)).collect();
        chs.sort();
        chs.dedup();
        chs.push("*");
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for m in &ms {
            for c in &chs {
                let Some(list) = self.index.get(&(m.to_string(), c.to_string())) else {
                    continue;
                };
                for &i in list {
                    if !seen.insert(i) {
                        continue;
                    }
                    if let Some(reason) = self.check(&self.subs[i], t) {
                        out.push((self.subs[i].id, reason));
                    }
                }
            }
        }
        out
    }

    fn check(&self, s: &Sub, t: &Target) -> Option<String> {
        let mut parts = Vec::new();
        if !s.agreements.is_empty() && !s.agreements.iter().any(|a| a == t.agreement) {
            return None;
        }
        if t.agreement == "sps" {
            parts.push("SPS".to_string());
            if !s.sps_objectives.is_empty() {
                let o = s.sps_objectives.iter().find(|o| t.sps_objectives.contains(&o.as_str()))?;
                parts.push(super::sps::objective_text(o).unwrap_or(o).to_string());
            }
        }
        if !s.members.is_empty() {
            let m = t.members.iter().find(|m| s.members.contains(m))?;
            // Name the group when the subscription chose one.
            let label = s
                .chosen
                .iter()
                .find(|c| members::group(c).is_some_and(|g| g.members.contains(&m.as_str())) && c.as_str() != m.as_str())
                .map(|g| format!("{g} ({m})"))
                .unwrap_or_else(|| m.clone());
            parts.push(label);
        }
        if !s.hs.is_empty() {
            let (p, _) = s.hs.iter().flat_map(|p| t.hs.iter().map(move |h| (p, h))).find(|(p, h)| prefix_match(p, h))?;
            match codes::hs_description(p) {
                Some(d) => parts.push(format!("HS {p} ({})", crate::util::shorten(d, 60))),
                None => parts.push(format!("HS {p}")),
            }
        }
        if !s.ics.is_empty() {
            let (p, _) = s.ics.iter().flat_map(|p| t.ics.iter().map(move |h| (p, h))).find(|(p, h)| prefix_match(p, h))?;
            parts.push(format!("ICS {p}"));
        }
        if !s.keywords.is_empty() {
            let k = s.keywords.iter().find(|k| !k.is_empty() && t.text.contains(k.as_str()))?;
            parts.push(format!("keyword '{k}'"));
        }
        if parts.is_empty() || parts == ["SPS"] {
            parts.push("*".into());
        }
        Some(parts.join(" · "))
    }
}


/// Normalises a list of HS prefixes typed or picked: digits only, even length 2..6
/// (or longer national lines), and known to HS 2022. Returns (kept, refused).
pub fn clean_hs(list: &[String]) -> (Vec<String>, Vec<String>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for raw in list.iter().flat_map(|s| stdnum::cell::split_multi(s)) {
        let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
        if codes::hs_valid(&digits) {
            push_unique(&mut ok, digits);
        } else {
            bad.push(raw);
        }
    }
    (ok, bad)
}

pub fn clean_ics(list: &[String]) -> (Vec<String>, Vec<String>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for raw in list.iter().flat_map(|s| stdnum::cell::split_multi(s)) {
        let t = raw.trim().to_string();
        if codes::ics_valid(&t) {
            push_unique(&mut ok, t);
        } else {
            bad.push(raw);
        }
    }
    (ok, bad)
}

/// Member or group codes: each must be a known member or group.
pub fn clean_markets(list: &[String]) -> (Vec<String>, Vec<String>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for raw in list.iter().flat_map(|s| stdnum::cell::split_multi(s)) {
        if let Some(g) = members::group(&raw) {
            push_unique(&mut ok, g.code.to_string());
        } else if let Some(m) = members::find(&raw) {
            push_unique(&mut ok, m.code.to_string());
        } else {
            bad.push(raw);
        }
    }
    (ok, bad)
}

pub fn expand_markets(chosen: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for c in chosen {
        for m in members::expand(c) {
            push_unique(&mut out, m);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// iCalendar (RFC 5545), written with web::ical

pub struct CalEvent {
    pub uid: String,
    pub date: String,
    pub summary: String,
    pub description: String,
    pub url: String,
}

pub fn calendar(name: &str, events: &[CalEvent], stamp: i64) -> String {
    use crate::web::ical::{escape, utc, Calendar};
    let mut out = Calendar::new("TBT deadlines", name);
    let dtstamp = utc(stamp);
    for e in events {
        let Some(d) = day_number(&e.date) else { continue };
        let start = e.date.replace('-', "");
        let end = iso_of_day(d + 1).replace('-', "");
        out.line("BEGIN:VEVENT");
        out.line(&format!("UID:{}", escape(&e.uid)));
        out.line(&format!("DTSTAMP:{dtstamp}"));
        out.line(&format!("DTSTART;VALUE=DATE:{start}"));
        out.line(&format!("DTEND;VALUE=DATE:{end}"));
        out.line(&format!("SUMMARY:{}", escape(&e.summary)));
        out.line(&format!("DESCRIPTION:{}", escape(&e.description)));
        if !e.url.is_empty() {
            out.line(&format!("URL:{}", e.url));
        }
        out.line("TRANSP:TRANSPARENT");
        out.line("END:VEVENT");
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines() {
        assert_eq!(comment_deadline("自通报之日起60天", Some("2025-01-08")).as_deref(), Some("2025-03-09"));
        assert_eq!(comment_deadline("60 days from notification", Some("2025-01-08")).as_deref(), Some("2025-03-09"));
        assert_eq!(comment_deadline("2025年3月1日", None).as_deref(), Some("2025-03-01"));
        assert_eq!(comment_deadline("60 days", None), None);
        assert_eq!(default_domestic(Some("2025-03-09")).as_deref(), Some("2025-02-27"));
    }

    #[test]
    fn comment_moves() {
        let flow = &super::super::comments::FLOW;
        assert_eq!(flow.check(), Ok(()));
        assert_eq!(flow.find("draft", "send_to_review").map(|m| m.to), Some("internal_review"));
        assert!(flow.towards("draft", "submitted").is_none(), "a draft is reviewed before it is submitted");
        assert!(flow.moves().iter().all(|m| m.from != "closed"), "closed is final");
        let staff = crate::workflow::Actor::user(1, &[Role::Staff], crate::web::Lang::En);
        let next: Vec<_> = flow.choices("submitted", &staff, None).iter().map(|m| m.to).collect();
        assert_eq!(next, vec!["reply_received", "closed", "escalated"]);
        let expert = crate::workflow::Actor::user(2, &[Role::Expert], crate::web::Lang::En);
        assert!(flow.choices("submitted", &expert, Some(2)).is_empty(), "staff only, even for the creator");
    }

    #[test]
    fn matcher_indexes_by_member_and_chapter() {
        let subs = vec![
            Sub {
                id: 1,
                members: expand_markets(&["ASEAN".into()]),
                chosen: vec!["ASEAN".into()],
                hs: vec!["8414".into()],
                ..Default::default()
            },
            Sub {
                id: 2,
                keywords: vec!["range hood".into()],
                ..Default::default()
            },
            Sub {
                id: 3,
                members: vec!["USA".into()],
                ..Default::default()
            },
        ];
        let m = Matcher::new(subs);
        let text = "cooker hoods and range hood fans";
        let found = m.matches(&Target {
            agreement: "tbt",
            sps_objectives: &[],
            members: &["VNM".into()],
            hs: &["841460".into()],
            ics: &[],
            text,
        });
        let ids: Vec<i64> = found.iter().map(|x| x.0).collect();
        assert!(ids.contains(&1) && ids.contains(&2) && !ids.contains(&3));
        assert!(found.iter().any(|(_, r)| r.starts_with("ASEAN (VNM) · HS 8414")), "{found:?}");
    }

    #[test]
    fn matcher_keeps_to_agreements_and_sps_objectives() {
        let subs = vec![
            Sub { id: 1, members: vec!["CHN".into()], agreements: vec!["sps".into()], ..Default::default() },
            Sub { id: 2, members: vec!["CHN".into()], sps_objectives: vec!["food_safety".into()], hs: vec!["0306".into()], ..Default::default() },
            Sub { id: 3, members: vec!["CHN".into()], agreements: vec!["tbt".into()], ..Default::default() },
        ];
        let m = Matcher::new(subs);
        let ids = |agreement: &str, objs: &[&str]| -> Vec<i64> {
            let mut v: Vec<i64> = m
                .matches(&Target { agreement, sps_objectives: objs, members: &["CHN".into()], hs: &["030617".into()], ics: &[], text: "" })
                .into_iter()
                .map(|x| x.0)
                .collect();
            v.sort();
            v
        };
        assert_eq!(ids("sps", &["food_safety"]), [1, 2]);
        assert_eq!(ids("sps", &["animal_health"]), [1]);
        assert_eq!(ids("tbt", &[]), [2, 3], "an objective of SPS does not narrow TBT");
        let reason = m.matches(&Target { agreement: "sps", sps_objectives: &["food_safety"], members: &["CHN".into()], hs: &["030617".into()], ics: &[], text: "" });
        assert!(reason.iter().any(|(id, r)| *id == 2 && r.starts_with("SPS · Food safety · CHN · HS 0306")), "{reason:?}");
    }

    #[test]
    fn calendar_is_rfc5545() {
        let c = calendar(
            "TBT",
            &[CalEvent {
                uid: "a@b".into(),
                date: "2025-03-09".into(),
                summary: "x, y; z".into(),
                description: "line\nnext".into(),
                url: String::new(),
            }],
            0,
        );
        assert!(c.contains("DTSTART;VALUE=DATE:20250309\r\n"));
        assert!(c.contains("DTEND;VALUE=DATE:20250310\r\n"));
        assert!(c.contains("SUMMARY:x\\, y\\; z\r\n"));
        assert!(c.split("\r\n").all(|l| l.len() <= 75));
    }
}
