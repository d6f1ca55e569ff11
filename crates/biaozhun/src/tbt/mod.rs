//! The TBT room: WTO TBT notifications (import, search, families), enterprise profiles,
//! subscriptions and alerts, the comment workflow (通报评议) and statistics.

pub mod alerts;
pub mod bench;
pub mod codes;
pub mod comments;
pub mod import;
pub mod members;
pub mod model;
pub mod routes;
pub mod staff;
pub mod store;

/// Search domain of this room.
pub const DOMAIN: &str = "tbt";

pub const SEARCH_SOURCE: crate::indexer::Source = crate::indexer::Source {
    domain: DOMAIN,
    load: |app, ids| Box::pin(store::load_docs(app, ids)),
    all_ids: |app| Box::pin(store::all_ids(app)),
};

pub fn register_jobs(r: &mut crate::jobs::Registry) {
    r.on("tbt_import", import::job);
    r.on("tbt_match", alerts::match_job);
    r.on("tbt_digest", alerts::digest_job);
    r.every("tbt_digest", 24 * 3600);
}
