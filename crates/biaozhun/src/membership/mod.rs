//! Membership (入会申请): applications by individuals and organisations, review by staff,
//! member numbers and terms, renewal, expiry. An organisation's users are managed in the
//! orgs room (`/orgs/{id}`). A domain above `orgs/`: the association's relation to an
//! organisation or a person, not the organisation itself; the kernel (`auth/`) does not
//! name it, and the account page shows it through the `account` hook.

pub mod hooks;
pub mod model;
pub mod review;
pub mod routes;
pub mod store;

pub use store::reminders;

use crate::web::{Domain, Hooks};

static FLOWS: [&crate::workflow::Flow; 1] = [&review::FLOW];

pub fn install() -> Domain {
    fn jobs(r: &mut crate::jobs::Registry) {
        r.on("membership_reminders", reminders);
        r.every("membership_reminders", 24 * 3600);
    }
    Domain {
        api: Some(|| <routes::ApiDoc as utoipa::OpenApi>::openapi()),
        jobs: Some(jobs),
        flows: &FLOWS,
        hooks: Hooks { staff: Some(hooks::staff_hook), member: Some(hooks::member_hook), account: Some(hooks::account_hook), ..Hooks::NONE },
        member_until: Some(hooks::member_until),
        ..Domain::new("membership", routes::routes)
    }
}
