//! The review of a membership application (入会审核) on the workflow engine: the applicant
//! submits, staff approve or reject it with a reason, the applicant is told of the decision.
//! The application keeps its state in `membership_applications.status` and its history in
//! the engine's event log, shown to the applicant and to staff.

use crate::App;
use crate::auth::Role;
use crate::db::Tx;
use crate::jobs::notify::{self, Notice};
use crate::web::AppResult;
use crate::workflow::{self, Actor, Event, EventView, Flow, Move, START, Step, Who};
use futures_util::future::BoxFuture;

const STAFF: &[Who] = &[Who::Role(Role::Staff)];

pub static FLOW: Flow = Flow::new("membership_application", "membership_applications", &[
    Move::new(START, "submit", "pending", &[Who::Owner]),
    Move::new("pending", "approve", "approved", STAFF),
    Move::new("pending", "reject", "rejected", STAFF).with_note(),
])
.state_column("status")
.owner_column("user_id")
.labels("membership.status_", "membership.action_")
.messages("membership.")
.notices(tell_applicant);

/// Records the submission of the application just inserted (by its applicant).
pub async fn submitted(tx: &mut Tx, app: &App, actor: &Actor, id: i64) -> AppResult<()> {
    workflow::start(tx, app, &FLOW, id, actor, Step::action("submit")).await?;
    Ok(())
}

/// A staff decision on the version read: the step (which tells the applicant; a note is
/// the reason, from the `reason` field) and the decision columns of the application.
pub async fn decide(tx: &mut Tx, app: &App, actor: &Actor, id: i64, version: i64, step: Step<'_>) -> AppResult<()> {
    let ev = workflow::transition(tx, app, &FLOW, id, version, actor, step.note_field("reason")).await?;
    sqlx::query("UPDATE membership_applications SET reviewer_id = $1, reviewed_at = $2, decision_reason = $3 WHERE id = $4")
        .bind(ev.actor_id)
        .bind(ev.at)
        .bind(&ev.note)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The application's steps, oldest first.
pub async fn history(app: &App, id: i64) -> AppResult<Vec<EventView>> {
    workflow::history(&app.db, &FLOW, id).await
}

/// The flow's notices: the applicant hears of the decision, in the site and by mail.
fn tell_applicant<'a>(tx: &'a mut Tx, app: &'a App, ev: &'a Event) -> BoxFuture<'a, AppResult<()>> {
    Box::pin(async move {
        let applicant: i64 = sqlx::query_scalar("SELECT user_id FROM membership_applications WHERE id = $1").bind(ev.record_id).fetch_one(&mut **tx).await?;
        let text = |k: &str| ev.data.get(k).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let (member_no, until) = (text("member_no"), text("until"));
        match ev.action.as_str() {
            "approve" => {
                let args = [("member_no", member_no.as_str()), ("until", until.as_str())];
                let n = Notice { kind: "membership.approved", key: "notice.membership_approved", args: &args, link: "/membership", mail: true };
                notify::send(tx, app, applicant, n).await?;
            }
            "reject" => {
                let args = [("reason", ev.note.as_str())];
                let n = Notice { kind: "membership.rejected", key: "notice.membership_rejected", args: &args, link: "/membership", mail: true };
                notify::send(tx, app, applicant, n).await?;
            }
            _ => {}
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::Lang;

    #[test]
    fn staff_decide_and_only_the_applicant_submits() {
        assert_eq!(FLOW.check(), Ok(()));
        let applicant = Actor::user(5, &[], Lang::Zh);
        let other = Actor::user(6, &[Role::Expert], Lang::Zh);
        let staff = Actor::user(1, &[Role::Staff], Lang::Zh);
        let submit = FLOW.find(START, "submit").unwrap();
        assert!(submit.admits(&applicant, Some(5)) && !submit.admits(&other, Some(5)));
        let actions = |a: &Actor| FLOW.choices("pending", a, Some(5)).iter().map(|m| m.action).collect::<Vec<_>>();
        assert_eq!(actions(&staff), vec!["approve", "reject"]);
        assert!(actions(&applicant).is_empty());
        assert!(FLOW.find("pending", "reject").unwrap().needs_note, "a rejection gives its reason");
        assert!(FLOW.choices("approved", &staff, Some(5)).is_empty() && FLOW.choices("rejected", &staff, Some(5)).is_empty());
        assert_eq!(FLOW.message(Lang::En, "err_note_required", &[]), "Please give a reason for the rejection.");
        assert!(FLOW.message(Lang::En, "err_not_allowed", &[("action", "Approve"), ("state", "Approved")]).contains("“Approve”"));
    }
}
