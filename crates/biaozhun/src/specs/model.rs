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

/// Stages, in order: 立项申请, 计划批准, 起草, 征求意见, 送审, 技术审查, 报批, 发布, 实施, 复审,
/// and the ends (rejected, cancelled, withdrawn).
pub const STAGES: [&str; 13] = [
    "proposal", "approved", "drafting", "consultation", "review_submitted", "reviewed", "approval_submitted", "published", "in_force", "periodic_review",
    "rejected", "cancelled", "withdrawn",
];

pub static MOVES: [Move; 19] = [
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
    }
}

#[cfg(test)]
mod number_tests {
    #[test]
    fn the_catalogue_reads_a_spec_number() {
        let id = crate::standards::model::ident(&super::spec_number(12, 2026)).expect("a standard number");
        assert!(id.norm.starts_with("DB4401/T 12"), "{}", id.norm);
        assert_eq!(id.year, Some(2026));
    }
}
