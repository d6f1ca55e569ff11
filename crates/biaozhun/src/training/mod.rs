//! The training room: training sessions (标准宣贯, standardization engineer training,
//! implementation supervisor training, continuing education) with their lifecycle, the
//! public list and calendars, and enrolment with a waiting list that moves up by itself.
//! Attendance credits continuing-education hours to a ledger per person and year.
//! Staff issue certificates, which anyone verifies by number; exams drawn from question
//! banks issue them on passing (`exam_*`, docs/training.md).

pub mod attendance;
pub mod bench;
pub mod cert_pdf;
pub mod cert_store;
pub mod certificates;
pub mod checkin;
pub mod exam_bank;
pub mod exam_bench;
pub mod exam_model;
pub mod exam_paper;
pub mod exam_policy;
pub mod exam_routes;
pub mod exam_staff;
pub mod exam_stats;
pub mod exam_take;
pub mod hooks;
pub mod ical;
pub mod materials;
pub mod model;
pub mod pdf;
pub mod people_import;
pub mod policy;
pub mod routes;
pub mod staff;
pub mod store;

pub use store::{Session, upcoming};

/// A session's lifecycle (draft → published → finished, or cancelled), on the workflow
/// engine with its event log.
pub static FLOW: crate::workflow::Flow = crate::workflow::Flow::new("training_session", "training_sessions", &model::SESSION_MOVES)
    .state_column("status")
    .owner_column("created_by")
    .touch_column("updated_at")
    .labels("training.state_", "training.action_")
    .messages("training.")
    .notices(store::tell_participants);

/// An enrolment's lifecycle (enrolled, waitlisted, cancelled), moved under the session's
/// roster lock (`store::enrol`, `store::cancel`).
pub static ENROLMENT_FLOW: crate::workflow::Flow = crate::workflow::Flow::new("training_enrolment", "training_enrolments", &model::ENROLMENT_MOVES)
    .state_column("status")
    .owner_column("user_id")
    .touch_column("updated_at")
    .labels("training.estate_", "training.eaction_")
    .messages("training.");

static FLOWS: [&crate::workflow::Flow; 2] = [&FLOW, &ENROLMENT_FLOW];

/// The room as the house installs it.
pub fn install() -> crate::web::Domain {
    crate::web::Domain {
        migrations: &["0002_training", "0055_training_sessions", "0056_training_attendance", "0057_training_enrolment_flow", "0058_training_exams", "0065_training_certificates", "0066_training_materials"],
        api: Some(|| {
            let mut doc = <routes::ApiDoc as utoipa::OpenApi>::openapi();
            doc.merge(<exam_routes::ApiDoc as utoipa::OpenApi>::openapi());
            doc
        }),
        jobs: Some(register_jobs),
        flows: &FLOWS,
        hooks: crate::web::Hooks { home: Some(hooks::home_hook), member: Some(hooks::member_hook), staff: Some(hooks::staff_hook), ..crate::web::Hooks::NONE },
        ..crate::web::Domain::new("training", routes::routes)
    }
}

pub fn register_jobs(r: &mut crate::jobs::Registry) {
    r.on("training_reminders", attendance::reminders_job);
    r.every("training_reminders", 3600);
    r.on("certificate_reminders", cert_store::reminders_job);
    r.every("certificate_reminders", 3600);
    r.on("exam_deadlines", exam_take::deadlines_job);
    r.every("exam_deadlines", 60);
}
