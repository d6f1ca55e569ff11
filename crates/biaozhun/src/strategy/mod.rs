//! The strategy room (标准化战略实施纲要): an outline as structure (goals, task groups, tasks
//! with their lead and supporting departments and districts, safeguards, indicators with
//! baseline, target and deadline), loaded from a data file (`seed/strategy/*.toml`,
//! `biaozhun import outline FILE`); indicators computed live through other rooms' public
//! functions where the platform holds the records (the source registry, `indicators.rs`),
//! else reported by the responsible department with evidence; a daily snapshot of every
//! value for the trend charts; progress reports per task on the workflow engine; the
//! public and internal dashboards, the yearly assessment and the API (docs/strategy.md).

pub mod api;
pub mod assign;
pub mod bench;
pub mod hooks;
pub mod indicators;
pub mod model;
pub mod officers;
pub mod pages;
pub mod policy;
pub mod reports;
pub mod routes;
pub mod staff;
pub mod store;

/// A progress report's lifecycle (filed → accepted, or returned and filed again).
pub static REPORT_FLOW: crate::workflow::Flow = crate::workflow::Flow::new("strategy_report", "strategy_reports", &reports::REPORT_MOVES)
    .owner_column("created_by")
    .touch_column("updated_at")
    .labels("strategy.state_", "strategy.action_")
    .messages("strategy.")
    .notices(reports::tell);

static FLOWS: [&crate::workflow::Flow; 1] = [&REPORT_FLOW];

/// The room as the house installs it.
pub fn install() -> crate::web::Domain {
    crate::web::Domain {
        migrations: &["0110_strategy", "0136_strategy_assignments"],
        api: Some(|| <api::ApiDoc as utoipa::OpenApi>::openapi()),
        jobs: Some(register_jobs),
        flows: &FLOWS,
        hooks: crate::web::Hooks {
            staff: Some(hooks::staff_hook),
            member: Some(hooks::member_hook),
            account: Some(hooks::member_hook),
            indicators: &indicators::OWN,
            ..crate::web::Hooks::NONE
        },
        ..crate::web::Domain::new("strategy", routes::routes)
    }
}

pub fn register_jobs(r: &mut crate::jobs::Registry) {
    r.on("strategy_snapshot", store::snapshot_job);
    r.every("strategy_snapshot", 86400);
    r.on("strategy_reminders", reports::reminders_job);
    r.every("strategy_reminders", 86400);
}
