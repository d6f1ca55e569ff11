//! The vocabulary of a local technical specification: its stages and the moves between
//! them (the Guangzhou procedure), the comments of the public consultation and their
//! answers, the number it is published under, and the stage's owner and due date.

use crate::auth::Role;
use crate::workflow::{Move, START, Who};
use serde::{Deserialize, Serialize};

const STAFF: &[Who] = &[Who::Role(Role::Staff)];
/// Staff or the specification's working group.
const DRAFTERS: &[Who] = &[Who::Role(Role::Staff), Who::Scope(WORKING_GROUP)];
const PROPOSER: &[Who] = &[Who::Role(Role::Staff), Who::Owner];
const CLOCK: &[Who] = &[Who::System, Who::Role(Role::Staff)];

/// The scope name the routes grant a working-group member for the engine's `Who::Scope`.
pub const WORKING_GROUP: &str = "working_group";

/// Stages, in order: 立项申请, 计划批准, 起草, 征求意见, 送审, 技术审查, 报批 (a local
/// specification) or 表决 (a group standard), 发布, 实施, 复审, and the ends (rejected,
/// cancelled, withdrawn).
pub const STAGES: [&str; 14] = [
    "proposal", "approved", "drafting", "consultation", "review_submitted", "reviewed", "approval_submitted", "voting", "published", "in_force", "periodic_review",
    "rejected", "cancelled", "withdrawn",
];

pub static MOVES: [Move; 22] = [
    Move::new(START, "propose", "proposal", &[Who::Anyone]),
    Move::new("proposal", "approve_plan", "approved", STAFF),
    Move::new("proposal", "reject", "rejected", STAFF).with_note(),
    Move::new("proposal", "cancel", "cancelled", CLOCK).with_note(),
    Move::new("proposal", "withdraw", "cancelled", PROPOSER),
    Move::new("approved", "start_drafting", "drafting", STAFF),
    Move::new("drafting", "open_consultation", "consultation", DRAFTERS),
    Move::new("consultation", "submit_for_review", "review_submitted", DRAFTERS),
    Move::new("review_submitted", "review_pass", "reviewed", STAFF).with_note(),
    Move::new("review_submitted", "review_return", "drafting", STAFF).with_note(),
    Move::new("reviewed", "submit_for_approval", "approval_submitted", DRAFTERS),
    Move::new("approval_submitted", "publish", "published", STAFF),
    Move::new("approval_submitted", "return_draft", "drafting", STAFF).with_note(),
    // A group standard: the member vote or the council's approval instead of the government's.
    Move::new("reviewed", "open_vote", "voting", STAFF),
    Move::new("voting", "publish", "published", STAFF),
    Move::new("voting", "vote_fail", "drafting", STAFF).with_note(),
    Move::new("published", "bring_into_force", "in_force", CLOCK),
    Move::new("in_force", "start_review", "periodic_review", CLOCK),
    Move::new("periodic_review", "confirm", "in_force", STAFF).with_note(),
    Move::new("periodic_review", "revise", "drafting", STAFF).with_note(),
    Move::new("periodic_review", "withdraw_spec", "withdrawn", STAFF).with_note(),
    Move::new("cancelled", "reopen", "proposal", STAFF).with_note(),
];

/// The public consultation lasts at least this long (seconds).
pub const CONSULTATION_MIN: i64 = 30 * 86400;
/// 复审: at most this long between reviews of a specification in force.
pub const REVIEW_EVERY: i64 = 5 * 365 * 86400;

/// Days a stage is given before it is overdue (the owner's queue and the reminders).
pub fn stage_days(stage: &str) -> Option<i64> {
    Some(match stage {
        "proposal" => 30,
        "approved" => 30,
        "drafting" => 180,
        "consultation" => 45,
        "review_submitted" => 60,
        "reviewed" => 30,
        "approval_submitted" => 60,
        "voting" => 30,
        _ => return None,
    })
}

/// Whether a stage is still on its way to publication (a project in progress).
pub fn in_progress(stage: &str) -> bool {
    stage_days(stage).is_some()
}

/// A comment's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CommentKind {
    General,
    Technical,
    Editorial,
}

impl CommentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentKind::General => "general",
            CommentKind::Technical => "technical",
            CommentKind::Editorial => "editorial",
        }
    }
}

/// The working group's answer to a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Accepted,
    Partly,
    NotAccepted,
}

impl Answer {
    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Accepted => "accepted",
            Answer::Partly => "partly",
            Answer::NotAccepted => "not_accepted",
        }
    }
}

/// What a specification is: a local technical specification (地方技术规范, published by the
/// city) or a group standard (团体标准, published by the association after its members' vote).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SpecKind {
    #[default]
    Local,
    Group,
}

impl SpecKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpecKind::Local => "local",
            SpecKind::Group => "group",
        }
    }
    pub fn parse(s: &str) -> Option<SpecKind> {
        [SpecKind::Local, SpecKind::Group].into_iter().find(|k| k.as_str() == s)
    }
}

/// Whether a move of the one table belongs to the kind's procedure: a local specification
/// goes to the government's approval (报批), a group standard to the vote (表决).
pub fn kind_allows(kind: &str, from: &str, action: &str) -> bool {
    let group = kind == "group";
    match (from, action) {
        ("reviewed", "submit_for_approval") => !group,
        ("reviewed", "open_vote") | ("voting", _) => group,
        _ => true,
    }
}

/// A vote's count (表决): passed when the quorum is met (at least two thirds of the seated
/// voters cast a ballot) and at least three quarters of the ballots cast are yes (an
/// abstention counts as cast, not as yes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Tally {
    pub seated: i64,
    pub cast: i64,
    pub yes: i64,
    pub no: i64,
    pub abstain: i64,
    pub quorum_met: bool,
    pub passed: bool,
}

pub fn tally(seated: i64, yes: i64, no: i64, abstain: i64) -> Tally {
    let cast = yes + no + abstain;
    let quorum_met = seated > 0 && cast * 3 >= seated * 2;
    let passed = quorum_met && yes * 4 >= cast * 3;
    Tally { seated, cast, yes, no, abstain, quorum_met, passed }
}

/// A voter's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Choice {
    Yes,
    No,
    Abstain,
}

impl Choice {
    pub fn as_str(self) -> &'static str {
        match self {
            Choice::Yes => "yes",
            Choice::No => "no",
            Choice::Abstain => "abstain",
        }
    }
    pub fn parse(s: &str) -> Option<Choice> {
        [Choice::Yes, Choice::No, Choice::Abstain].into_iter().find(|c| c.as_str() == s)
    }
}

/// The number of a published group standard: `T/GZBZ 001—2026` (the association's code).
pub fn group_number(code: &str, serial: i64, year: i32) -> String {
    format!("T/{code} {serial:03}—{year}")
}

/// The number of a published specification: `DB4401/T 12—2026`.
pub fn spec_number(serial: i64, year: i32) -> String {
    format!("DB4401/T {serial}—{year}")
}

/// A length check for one text field: 422 naming the field beyond `max` characters or when
/// a required field is empty.
pub fn check_text(field: &'static str, v: &str, required: bool, max: usize, lang: crate::web::Lang) -> crate::web::AppResult<String> {
    let t = v.trim();
    if required && t.is_empty() {
        return Err(crate::web::AppError::invalid(field, crate::web::i18n::tf(lang, "specs.err_required", &[("field", field)])));
    }
    if t.chars().count() > max {
        return Err(crate::web::AppError::invalid(field, crate::web::i18n::tf(lang, "specs.err_long", &[("field", field), ("max", &max.to_string())])));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_is_whole_and_numbers_read_as_published() {
        let flow = &super::super::FLOW;
        assert_eq!(flow.check(), Ok(()));
        for s in flow.states() {
            assert!(STAGES.contains(&s), "{s} is a stage");
        }
        assert_eq!(spec_number(7, 2026), "DB4401/T 7—2026");
        assert!(in_progress("consultation") && !in_progress("in_force"));
        assert_eq!(group_number("GZBZ", 1, 2026), "T/GZBZ 001—2026");
    }

    #[test]
    fn each_kind_takes_its_own_road_after_the_review() {
        assert!(kind_allows("local", "reviewed", "submit_for_approval") && !kind_allows("group", "reviewed", "submit_for_approval"));
        assert!(kind_allows("group", "reviewed", "open_vote") && !kind_allows("local", "reviewed", "open_vote"));
        assert!(kind_allows("group", "voting", "publish") && !kind_allows("local", "voting", "publish"));
        assert!(kind_allows("local", "approval_submitted", "publish") && kind_allows("group", "drafting", "open_consultation"));
    }

    #[test]
    fn a_vote_needs_its_quorum_and_three_quarters() {
        // 9 seated: 6 ballots are the quorum.
        assert!(!tally(9, 5, 0, 0).quorum_met);
        assert!(tally(9, 6, 0, 0).passed);
        // 8 cast: 6 yes is three quarters, 5 is not; an abstention is not a yes.
        assert!(tally(9, 6, 2, 0).passed);
        assert!(!tally(9, 5, 2, 1).passed);
        assert!(tally(9, 5, 2, 1).quorum_met);
        assert!(!tally(0, 0, 0, 0).passed);
        assert_eq!(tally(4, 3, 1, 0), Tally { seated: 4, cast: 4, yes: 3, no: 1, abstain: 0, quorum_met: true, passed: true });
    }
}

#[cfg(test)]
mod number_tests {
    #[test]
    fn the_catalogue_reads_a_spec_number() {
        let id = crate::standards::model::ident(&super::spec_number(12, 2026)).expect("a standard number");
        assert!(id.norm.starts_with("DB4401/T 12"), "{}", id.norm);
        assert_eq!(id.year, Some(2026));
        let g = crate::standards::model::ident(&super::group_number("GZBZ", 1, 2026)).expect("a group standard number");
        assert!(g.norm.starts_with("T/GZBZ 1") || g.norm.starts_with("T/GZBZ 001"), "{}", g.norm);
    }
}
