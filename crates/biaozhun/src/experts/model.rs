//! The experts room's vocabulary and rules without I/O: the profile's states, the talent
//! tiers, international roles, the profile's input and its checks, the fields a profile is
//! drawn for, the masks of personal data in exports, and the draw's request.

use crate::auth::Role;
use crate::workflow::{Move, START, Who};
use serde::{Deserialize, Serialize};

const STAFF: &[Who] = &[Who::Role(Role::Staff)];
const OWNER_OR_STAFF: &[Who] = &[Who::Owner, Who::Role(Role::Staff)];
const STAFF_OR_SYSTEM: &[Who] = &[Who::Role(Role::Staff), Who::System];
const ANSWERER: &[Who] = &[Who::Owner, Who::Role(Role::Staff), Who::System];

/// A profile's way into the pool: the expert keeps a draft and submits it; staff approve or
/// return it; an approved expert may be suspended and reinstated. Staff entering an expert
/// (the API) and the import put them in the pool at once.
pub static PROFILE_MOVES: [Move; 10] = [
    Move::new(START, "create", "draft", &[Who::Anyone]),
    Move::new(START, "enter", "approved", STAFF_OR_SYSTEM),
    Move::new("draft", "submit", "submitted", OWNER_OR_STAFF),
    Move::new("returned", "submit", "submitted", OWNER_OR_STAFF),
    Move::new("submitted", "approve", "approved", STAFF),
    Move::new("submitted", "return", "returned", STAFF).with_note(),
    Move::new("approved", "suspend", "suspended", STAFF).with_note(),
    Move::new("suspended", "reinstate", "approved", STAFF),
    Move::new("approved", "update", "approved", STAFF_OR_SYSTEM),
    Move::new("suspended", "update", "suspended", STAFF_OR_SYSTEM),
];

/// An application for a talent tier: the expert applies, staff recognise or decline it.
pub static TIER_MOVES: [Move; 3] = [
    Move::new(START, "apply", "applied", OWNER_OR_STAFF),
    Move::new("applied", "recognise", "recognised", STAFF),
    Move::new("applied", "decline", "declined", STAFF).with_note(),
];

/// A draw is made once and stays as made (its events: the draw itself).
pub static DRAW_MOVES: [Move; 1] = [Move::new(START, "draw", "drawn", STAFF_OR_SYSTEM)];

/// An invitation: the panel is invited at once, backups wait in reserve until a decline (or
/// an unanswered deadline) calls the next one in order.
pub static INVITATION_MOVES: [Move; 7] = [
    Move::new(START, "invite", "invited", STAFF_OR_SYSTEM),
    Move::new(START, "reserve", "reserve", STAFF_OR_SYSTEM),
    Move::new("reserve", "replace", "invited", ANSWERER),
    Move::new("invited", "accept", "accepted", ANSWERER),
    Move::new("invited", "decline", "declined", ANSWERER),
    Move::new("invited", "expire", "expired", STAFF_OR_SYSTEM),
    Move::new("accepted", "withdraw", "declined", ANSWERER),
];

/// The talent programme's tiers (百千万人才) and the outline's targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// 百: high-end talent, target 100.
    HighEnd,
    /// 千: expert talent, target 1,000.
    Expert,
    /// 万: backbone talent, target 10,000.
    Backbone,
}

pub const TIERS: [Tier; 3] = [Tier::HighEnd, Tier::Expert, Tier::Backbone];

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::HighEnd => "high_end",
            Tier::Expert => "expert",
            Tier::Backbone => "backbone",
        }
    }
    pub fn parse(s: &str) -> Option<Tier> {
        TIERS.into_iter().find(|t| t.as_str() == s.trim())
    }
    /// The outline's target for the tier (100 / 1,000 / 10,000).
    pub fn target(self) -> i64 {
        match self {
            Tier::HighEnd => 100,
            Tier::Expert => 1_000,
            Tier::Backbone => 10_000,
        }
    }
}

/// International roles an expert may hold.
pub const INTL_ROLES: [&str; 6] = ["iso_chair", "iso_convenor", "iso_secretary", "iec_chair", "iec_convenor", "iec_secretary"];

/// A field error: the form or JSON field and the i18n key of the message.
pub type FieldError = (&'static str, &'static str);

/// A profile as the form and the API give it (every field text).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ProfileInput {
    /// 1–100 characters.
    #[schema(max_length = 100)]
    pub name: String,
    #[schema(max_length = 100)]
    pub title: String,
    /// The organisation's name.
    #[schema(max_length = 200)]
    pub org_name: String,
    /// The organisation's unified social credit code (18 characters, GB 32100), optional.
    #[schema(max_length = 18)]
    pub org_uscc: String,
    /// ICS codes separated by `;`, `,` or spaces (`13.020; 91.140.10`).
    #[schema(max_length = 500)]
    pub fields: String,
    #[schema(max_length = 100)]
    pub industry: String,
    #[schema(max_length = 1000)]
    pub qualifications: String,
    #[schema(max_length = 200)]
    pub languages: String,
    /// International roles separated by `;`: iso_chair, iso_convenor, iso_secretary,
    /// iec_chair, iec_convenor, iec_secretary.
    #[schema(max_length = 200)]
    pub intl_roles: String,
    /// Committee memberships, free text (with the committee code, such as SAC/TC 28).
    #[schema(max_length = 1000)]
    pub committees: String,
    #[schema(max_length = 200)]
    pub email: String,
    #[schema(max_length = 40)]
    pub phone: String,
    /// Identity document number (matched on import, masked in exports).
    #[schema(max_length = 40)]
    pub id_number: String,
    /// The version read (forms), for the stale-edit check.
    #[schema(ignore)]
    pub version: Option<String>,
}

/// A checked profile, ready to store.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Profile {
    pub name: String,
    pub title: String,
    pub org_name: String,
    pub org_uscc: String,
    /// Normalised ICS codes, `; `-joined.
    pub fields: String,
    pub industry: String,
    pub qualifications: String,
    pub languages: String,
    pub intl_roles: String,
    pub committees: String,
    pub email: String,
    pub email_key: String,
    pub phone: String,
    pub id_number: String,
}

fn too_long(s: &str, max: usize) -> bool {
    s.chars().count() > max
}

/// The ICS codes of a cell: valid ones, or the first unknown one.
pub fn ics_codes(cell: &str) -> Result<Vec<String>, String> {
    let (ok, bad) = crate::standards::model::split_ics(cell);
    match bad.into_iter().next() {
        Some(b) => Err(b),
        None => Ok(ok),
    }
}

/// The international roles of a cell (`;`, `,` or space separated), or the first unknown.
pub fn intl_roles(cell: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for r in cell.split([';', ',', '；', '，', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
        let r = r.to_lowercase();
        if !INTL_ROLES.contains(&r.as_str()) {
            return Err(r);
        }
        if !out.contains(&r) {
            out.push(r);
        }
    }
    Ok(out)
}

impl ProfileInput {
    /// Checks the profile; the error names the field and the message key.
    pub fn check(&self) -> Result<Profile, FieldError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(("name", "experts.err_name"));
        }
        let lengths: [(&'static str, &str, usize); 13] = [
            ("name", name, 100),
            ("title", &self.title, 100),
            ("org_name", &self.org_name, 200),
            ("org_uscc", &self.org_uscc, 18),
            ("fields", &self.fields, 500),
            ("industry", &self.industry, 100),
            ("qualifications", &self.qualifications, 1000),
            ("languages", &self.languages, 200),
            ("intl_roles", &self.intl_roles, 200),
            ("committees", &self.committees, 1000),
            ("email", &self.email, 200),
            ("phone", &self.phone, 40),
            ("id_number", &self.id_number, 40),
        ];
        for (field, v, max) in lengths {
            if too_long(v.trim(), max) || v.contains('\0') {
                return Err((field, "experts.err_long"));
            }
        }
        let uscc = self.org_uscc.trim().to_uppercase();
        if !uscc.is_empty() && !stdnum::uscc::is_valid(&uscc) {
            return Err(("org_uscc", "experts.err_uscc"));
        }
        let fields = ics_codes(&self.fields).map_err(|_| ("fields", "experts.err_ics"))?;
        let roles = intl_roles(&self.intl_roles).map_err(|_| ("intl_roles", "experts.err_role"))?;
        let email = self.email.trim();
        if !email.is_empty() && !valid_email(email) {
            return Err(("email", "experts.err_email"));
        }
        Ok(Profile {
            name: name.to_string(),
            title: self.title.trim().to_string(),
            org_name: self.org_name.trim().to_string(),
            org_uscc: uscc,
            fields: fields.join("; "),
            industry: self.industry.trim().to_string(),
            qualifications: self.qualifications.trim().to_string(),
            languages: self.languages.trim().to_string(),
            intl_roles: roles.join("; "),
            committees: self.committees.trim().to_string(),
            email: email.to_string(),
            email_key: email.to_lowercase(),
            phone: self.phone.trim().to_string(),
            id_number: self.id_number.trim().to_uppercase(),
        })
    }
}

/// A plain check of an address: one `@`, something before it, a dot in the domain, no space.
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !s.contains(char::is_whitespace) && !domain.contains('@')
}

/// The rows of `expert_fields` for a profile: each ICS code with its parents, and the
/// industry as `industry:<name>` (lower case).
pub fn field_keys(fields: &str, industry: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for code in fields.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let parts: Vec<&str> = code.split('.').collect();
        for n in 1..=parts.len() {
            let k = parts[..n].join(".");
            if !out.contains(&k) {
                out.push(k);
            }
        }
    }
    let ind = industry.trim().to_lowercase();
    if !ind.is_empty() {
        out.push(format!("industry:{ind}"));
    }
    out
}

/// A field of a draw's request as the table keeps it: an ICS code as written, anything else
/// an industry.
pub fn draw_key(field: &str) -> String {
    let f = field.trim();
    if !f.is_empty() && f.chars().all(|c| c.is_ascii_digit() || c == '.') { f.to_string() } else { format!("industry:{}", f.to_lowercase()) }
}

/// A phone number with all but the first three and last four digits hidden.
pub fn mask_phone(s: &str) -> String {
    let c: Vec<char> = s.trim().chars().collect();
    if c.is_empty() {
        return String::new();
    }
    if c.len() <= 7 {
        return "*".repeat(c.len());
    }
    c.iter().enumerate().map(|(i, ch)| if i < 3 || i >= c.len() - 4 { *ch } else { '*' }).collect()
}

/// An address with the local part hidden but its first character.
pub fn mask_email(s: &str) -> String {
    match s.trim().split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None if s.trim().is_empty() => String::new(),
        None => "***".into(),
    }
}

/// An identity number with all but the first four and the last four characters hidden.
pub fn mask_id(s: &str) -> String {
    let c: Vec<char> = s.trim().chars().collect();
    if c.is_empty() {
        return String::new();
    }
    if c.len() <= 8 {
        return "*".repeat(c.len());
    }
    c.iter().enumerate().map(|(i, ch)| if i < 4 || i >= c.len() - 4 { *ch } else { '*' }).collect()
}

/// What staff ask of a draw.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DrawRequest {
    /// ICS codes (an expert of 13.020.10 is drawn for 13.020 and for 13) or industries.
    pub fields: Vec<String>,
    /// Experts on the panel, 1–50.
    #[schema(minimum = 1, maximum = 50)]
    pub count: u32,
    /// Backups, in order, 0–50.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 50)]
    pub backups: u32,
    /// Credit codes of organisations whose experts are avoided (the applicant's among them).
    #[serde(default)]
    pub avoid_organisations: Vec<String>,
    /// Ids of experts avoided (persons named by the applicant, conflicts).
    #[serde(default)]
    pub avoid_experts: Vec<i64>,
    /// Experts invited in the last N draws are avoided (0: no such rule).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    pub avoid_recent_draws: u32,
    /// The review's date (`YYYY-MM-DD`, Beijing time): experts unavailable then are avoided.
    #[serde(default)]
    pub date: Option<String>,
    /// The seed (an unsigned 64-bit number); a fresh one when absent.
    #[serde(default)]
    pub seed: Option<u64>,
    /// What the draw is for (shown on its page).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title: String,
    /// Days the invited have to answer (1–60, default 7).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    pub answer_days: Option<u32>,
    /// Only experts who keep their profile with an account here (a review held on the
    /// platform, where the panel signs in to declare and score); the others are left out as
    /// `no_account`.
    #[serde(default)]
    pub online: bool,
}

impl DrawRequest {
    /// Checks the request; the error names the field and the message key.
    pub fn check(&self) -> Result<Option<i64>, FieldError> {
        if self.fields.iter().all(|f| f.trim().is_empty()) || self.fields.len() > 50 {
            return Err(("fields", "experts.err_draw_fields"));
        }
        if self.count == 0 || self.count > 50 {
            return Err(("count", "experts.err_draw_count"));
        }
        if self.backups > 50 {
            return Err(("backups", "experts.err_draw_backups"));
        }
        if self.avoid_recent_draws > 1000 {
            return Err(("avoid_recent_draws", "experts.err_draw_recent"));
        }
        if self.avoid_organisations.len() > 200 || self.avoid_experts.len() > 1000 {
            return Err(("avoid_organisations", "experts.err_draw_avoid"));
        }
        // A mistyped code would avoid no one: every code must be a valid one.
        if self.avoid_organisations.iter().any(|o| !stdnum::uscc::is_valid(o.trim())) {
            return Err(("avoid_organisations", "experts.err_uscc"));
        }
        if too_long(&self.title, 200) {
            return Err(("title", "experts.err_long"));
        }
        if matches!(self.answer_days, Some(d) if d == 0 || d > 60) {
            return Err(("answer_days", "experts.err_answer_days"));
        }
        match self.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => Ok(None),
            Some(d) => crate::util::parse_local_date(d).map(Some).ok_or(("date", "experts.err_date")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_hide_the_middle() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_email("zhang.san@example.com"), "z***@example.com");
        assert_eq!(mask_id("110101199003071234"), "1101**********1234");
        assert_eq!(mask_id("12345"), "*****");
        assert_eq!((mask_phone(""), mask_email(""), mask_id("")), (String::new(), String::new(), String::new()));
    }

    #[test]
    fn fields_expand_to_their_parents() {
        assert_eq!(field_keys("13.020.10; 91.140", "Chemicals"), vec!["13", "13.020", "13.020.10", "91", "91.140", "industry:chemicals"]);
        assert_eq!(draw_key("13.020"), "13.020");
        assert_eq!(draw_key(" Chemicals "), "industry:chemicals");
    }

    #[test]
    fn a_profile_names_its_bad_field() {
        let ok = ProfileInput { name: " 王工 ".into(), fields: "13.020, 91.140.10".into(), intl_roles: "ISO_chair; iec_secretary".into(), email: "W@Example.com".into(), ..Default::default() };
        let p = ok.check().unwrap();
        assert_eq!((p.name.as_str(), p.fields.as_str(), p.intl_roles.as_str(), p.email_key.as_str()), ("王工", "13.020; 91.140.10", "iso_chair; iec_secretary", "w@example.com"));
        let bad = |f: fn(&mut ProfileInput)| {
            let mut i = ok.clone();
            f(&mut i);
            i.check().unwrap_err().0
        };
        assert_eq!(bad(|i| i.name = " ".into()), "name");
        assert_eq!(bad(|i| i.fields = "99.999".into()), "fields");
        assert_eq!(bad(|i| i.intl_roles = "king".into()), "intl_roles");
        assert_eq!(bad(|i| i.org_uscc = "91350100M000100Y4".into()), "org_uscc");
        assert_eq!(bad(|i| i.email = "nobody".into()), "email");
    }

    #[test]
    fn the_flows_are_consistent() {
        for (kind, moves) in [("p", &PROFILE_MOVES[..]), ("t", &TIER_MOVES[..]), ("d", &DRAW_MOVES[..]), ("i", &INVITATION_MOVES[..])] {
            let flow = crate::workflow::Flow::new("x", "x", moves).labels("a.", "b.");
            assert_eq!(flow.check(), Ok(()), "{kind}");
        }
    }
}
