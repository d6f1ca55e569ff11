//! The experts room (专家库, 百千万人才): expert profiles kept by the experts themselves and
//! approved into the pool by staff, the import of an existing pool, the talent programme's
//! tiers with applications for recognition and counts against the outline's targets, and
//! the random draw of review panels with a recorded seed and snapshot that an auditor can
//! replay (docs/experts.md).

pub mod bench;
pub mod draw;
pub mod hooks;
pub mod import;
pub mod model;
pub mod rng;
pub mod routes;
pub mod staff;
pub mod store;
pub mod tally;

pub use store::tier_counts;

/// A profile's way into the pool (draft → submitted → approved | returned; approved ⇄
/// suspended), on the workflow engine with its event log.
pub static PROFILE_FLOW: crate::workflow::Flow = crate::workflow::Flow::new("expert_profile", "experts", &model::PROFILE_MOVES)
    .state_column("status")
    .owner_column("user_id")
    .touch_column("updated_at")
    .labels("experts.state_", "experts.action_")
    .messages("experts.");

/// An application for a talent tier (applied → recognised | declined).
pub static TIER_FLOW: crate::workflow::Flow = crate::workflow::Flow::new("expert_tier", "expert_tier_applications", &model::TIER_MOVES)
    .state_column("status")
    .owner_column("user_id")
    .touch_column("updated_at")
    .labels("experts.tstate_", "experts.taction_")
    .messages("experts.");

/// A draw (its one event records the seed, the panel and the snapshot's hash).
pub static DRAW_FLOW: crate::workflow::Flow = crate::workflow::Flow::new("expert_draw", "expert_draws", &model::DRAW_MOVES)
    .state_column("state")
    .owner_column("created_by")
    .touch_column("updated_at")
    .labels("experts.dstate_", "experts.daction_")
    .messages("experts.");

/// An invitation of a drawn expert (reserve → invited → accepted | declined | expired).
pub static INVITATION_FLOW: crate::workflow::Flow = crate::workflow::Flow::new("expert_invitation", "expert_invitations", &model::INVITATION_MOVES)
    .state_column("status")
    .owner_column("user_id")
    .touch_column("updated_at")
    .labels("experts.istate_", "experts.iaction_")
    .messages("experts.");

static FLOWS: [&crate::workflow::Flow; 4] = [&PROFILE_FLOW, &TIER_FLOW, &DRAW_FLOW, &INVITATION_FLOW];

/// The room as the house installs it.
pub fn install() -> crate::web::Domain {
    crate::web::Domain {
        migrations: &["0070_experts"],
        api: Some(|| <routes::ApiDoc as utoipa::OpenApi>::openapi()),
        jobs: Some(register_jobs),
        flows: &FLOWS,
        hooks: crate::web::Hooks { staff: Some(hooks::staff_hook), ..crate::web::Hooks::NONE },
        tallies: &tally::TALLIES,
        ..crate::web::Domain::new("experts", routes::routes)
    }
}

pub fn register_jobs(r: &mut crate::jobs::Registry) {
    r.on("experts_import", import::job);
    r.on("experts_expire", draw::expire_job);
    r.every("experts_expire", 3600);
}
