//! The registry room: the products of organisations (name, model, GTIN, HS code) and the
//! standards each follows with the indicators declared; public self-declarations
//! (自我声明公开) searchable by company, product, GTIN and standard, each with its history,
//! flagged when a cited standard is replaced or withdrawn (docs/registry.md).
//! Organisations themselves live in the kernel's `orgs/` room.

pub mod bench;
pub mod bodies;
pub mod declarations;
pub mod hooks;
pub mod import;
pub mod model;
pub mod open_data;
pub mod own;
pub mod pages;
pub mod policy;
pub mod product_page;
pub mod results;
pub mod routes;
pub mod store;
pub mod webhooks;

/// The room as the house installs it.
pub fn install() -> crate::web::Domain {
    crate::standards::store::follow_changes(declarations::declared_bases, "registry_follow");
    crate::web::Domain {
        migrations: &["0090_registry", "0091_registry_results", "0092_registry_webhooks", "0094_registry_own_standards"],
        api: Some(|| <routes::ApiDoc as utoipa::OpenApi>::openapi()),
        jobs: Some(register_jobs),
        hooks: crate::web::Hooks { org_records: Some(hooks::org_records_hook), ..crate::web::Hooks::NONE },
        ..crate::web::Domain::new("registry", routes::routes)
    }
}

pub fn register_jobs(r: &mut crate::jobs::Registry) {
    r.on("registry_recheck", declarations::recheck_job);
    r.every("registry_recheck", 86_400);
    r.on("registry_follow", declarations::follow_job);
    r.every("registry_follow", 60);
    r.on("registry_import", import::job);
    r.on("registry_webhook", webhooks::deliver_job);
}
