//! The programmes room: one application engine for the programmes the association runs,
//! each configured as data (`seed/programmes/*.toml`, versioned; an application keeps the
//! version it was made under): demonstration (pilot) projects with mid-term and acceptance
//! reviews, good-behaviour enterprises graded A–AAAA under GB/T 19273, and subsidies
//! (专项资金) with amounts by item and level. Organisations apply (`orgs::Acting`); staff
//! check, assign reviewers and decide; reviewers declare conflicts of interest, then score;
//! results go to public notice (公示) with objections before they are final
//! (docs/programmes.md).

pub mod api;
pub mod bench;
pub mod files;
pub mod hooks;
pub mod model;
pub mod pages;
pub mod policy;
pub mod review;
pub mod routes;
pub mod staff;
pub mod store;
pub mod tally;

pub use store::{Counts, counts};

/// An application's lifecycle, the same for every programme (model::MOVES).
pub static FLOW: crate::workflow::Flow = crate::workflow::Flow::new("application", "applications", &model::MOVES)
    .owner_column("created_by")
    .touch_column("updated_at")
    .labels("programmes.state_", "programmes.action_")
    .messages("programmes.")
    .notices(store::tell);

static FLOWS: [&crate::workflow::Flow; 1] = [&FLOW];

/// The room as the house installs it.
pub fn install() -> crate::web::Domain {
    crate::web::Domain {
        migrations: &["0075_programmes", "0140_application_files"],
        api: Some(|| <api::ApiDoc as utoipa::OpenApi>::openapi()),
        jobs: Some(register_jobs),
        flows: &FLOWS,
        hooks: crate::web::Hooks { member: Some(hooks::member_hook), staff: Some(hooks::staff_hook), ..crate::web::Hooks::NONE },
        tallies: &tally::TALLIES,
        ..crate::web::Domain::new("programmes", routes::routes)
    }
}

pub fn register_jobs(r: &mut crate::jobs::Registry) {
    r.on("programme_reminders", hooks::reminders_job);
    r.every("programme_reminders", 86400);
}
