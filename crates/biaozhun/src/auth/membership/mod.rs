//! Membership (入会申请): applications by individuals and organisations, review by staff,
//! member numbers and terms, renewal, expiry. An organisation's users are managed in the
//! orgs room (`/orgs/{id}`).

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
        hooks: Hooks { staff: Some(hooks::staff_hook), member: Some(hooks::member_hook), ..Hooks::NONE },
        ..Domain::new("membership", routes::routes)
    }
}
