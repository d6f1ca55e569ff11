//! The TBT room: WTO TBT and SPS notifications (import, search, families), specific trade
//! concerns, enterprise profiles, subscriptions and alerts, the comment workflow (通报评议)
//! and statistics.

pub mod alert_products;
pub mod alerts;
pub mod bench;
pub mod codes;
pub mod comments;
pub mod hooks;
pub mod import;
pub mod members;
pub mod model;
pub mod policy;
pub mod review;
pub mod routes;
pub mod search;
pub mod sps;
pub mod staff;
pub mod stats;
pub mod stc;
pub mod stc_routes;
pub mod store;

/// Search domain of this room.
pub const DOMAIN: &str = "tbt";

pub const SEARCH_SOURCE: crate::indexer::Source = crate::indexer::Source {
    domain: DOMAIN,
    load: |app, ids| Box::pin(store::load_docs(app, ids)),
    all_ids: |app| Box::pin(store::all_ids(app)),
};

static FLOWS: [&crate::workflow::Flow; 1] = [&comments::FLOW];

/// The room as the house installs it.
pub fn install() -> crate::web::Domain {
    crate::web::Domain {
        api: Some(|| <routes::ApiDoc as utoipa::OpenApi>::openapi()),
        jobs: Some(register_jobs),
        search: Some(SEARCH_SOURCE),
        flows: &FLOWS,
        hooks: crate::web::Hooks { home: Some(hooks::home_hook), staff: Some(hooks::staff_hook), member: Some(hooks::member_hook), search: Some(hooks::SEARCH), ..crate::web::Hooks::NONE },
        migrations: &["0020_tbt", "0021_raw_dates_and_number_parts", "0022_tbt_comment_events", "0023_sps_trade_concerns"],
        ..crate::web::Domain::new("tbt", routes::routes)
    }
}

pub fn register_jobs(r: &mut crate::jobs::Registry) {
    r.on("tbt_import", import::job);
    r.on("tbt_stc_import", stc::job);
    r.on("tbt_match", alerts::match_job);
    r.on("tbt_digest", alerts::digest_job);
    r.every("tbt_digest", 24 * 3600);
}
