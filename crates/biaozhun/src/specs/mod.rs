//! The specs room: local technical specifications (地方技术规范) from the proposal with its
//! 查新 report through plan approval, drafting by a working group (drafts as versions with
//! character-run differences), the public consultation with comments by clause and the
//! working group's answers (the disposition table as XLSX), review submission, the
//! technical review meeting's panel and decision, approval submission, numbering
//! (DB4401/T NNN—YYYY) and publication into the standards catalogue, entry into force and
//! periodic review at most every five years (docs/specs.md). Group standards (团体标准) run
//! the same lifecycle as kind `group`: the association's number, and a recorded member vote
//! or council approval instead of the government's approval (`group`, `vote`). Each stage has an owner, a due
//! date and reminders; stalled proposals are flagged for cancellation.

pub mod bench;
pub mod diff;
pub mod group;
pub mod group_routes;
pub mod hooks;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod policy;
pub mod publish;
pub mod review;
pub mod routes;
pub mod store;
pub mod vote;

/// A specification's lifecycle on the workflow engine.
pub static FLOW: crate::workflow::Flow = crate::workflow::Flow::new("spec", "specs", &model::MOVES)
    .state_column("stage")
    .owner_column("created_by")
    .touch_column("updated_at")
    .labels("specs.stage_", "specs.action_")
    .messages("specs.");

static FLOWS: [&crate::workflow::Flow; 1] = [&FLOW];

/// The room as the house installs it.
pub fn install() -> crate::web::Domain {
    crate::web::Domain {
        migrations: &["0081_specs", "0120_group_standards"],
        api: Some(|| {
            let mut doc = <routes::ApiDoc as utoipa::OpenApi>::openapi();
            doc.merge(<group_routes::ApiDoc as utoipa::OpenApi>::openapi());
            doc
        }),
        jobs: Some(jobs::register),
        flows: &FLOWS,
        hooks: crate::web::Hooks { staff: Some(hooks::staff_hook), member: Some(hooks::member_hook), indicators: &INDICATORS, ..crate::web::Hooks::NONE },
        tallies: &group::TALLIES,
        ..crate::web::Domain::new("specs", routes::routes)
    }
}

/// The strategy dashboard's figure this room computes: Guangzhou's local technical
/// specifications issued, as the catalogue holds them (`DB4401…`: those imported and those
/// published here, which enter the catalogue on publication); none while the catalogue holds
/// none of them (a department's reported figure stands until then).
static INDICATORS: [crate::web::domain::IndicatorSource; 2] = [crate::web::domain::IndicatorSource {
    key: "specs.issued",
    read: |app| {
        Box::pin(async move {
            let n = crate::standards::tally::local_specifications(app).await?;
            Ok((n > 0).then(|| crate::web::domain::Measure { value: n, href: crate::web::domain::Href::new("/standards?q=", "DB4401") }))
        })
    },
}, crate::web::domain::IndicatorSource {
    // Group standards the association published here (published, in force or under review);
    // none while there are none.
    key: "group_standards.published",
    read: |app| {
        Box::pin(async move {
            let n = group::count_published(app).await?;
            Ok((n > 0).then(|| crate::web::domain::Measure { value: n, href: crate::web::domain::Href::new("/group-standards", "") }))
        })
    },
}];
