//! The committees room: the registry of technical committees, subcommittees and working
//! groups (TC/SC/WG) at international, national, provincial and city level, with their
//! numbers read any way people write them (`TC 176`, `tc176`, `ISO/TC176` find `ISO/TC 176`),
//! members, secretariats and whether these are in Guangzhou (district), the standards each
//! is responsible for (from the catalogue's committee field) and a secretary's work page
//! (docs/committees.md).

pub mod import;
pub mod model;
pub mod policy;
pub mod routes;
pub mod store;

pub use store::{Counts, counts};

/// The room as the house installs it.
pub fn install() -> crate::web::Domain {
    crate::web::Domain {
        migrations: &["0080_committees"],
        api: Some(|| <routes::ApiDoc as utoipa::OpenApi>::openapi()),
        jobs: Some(|r: &mut crate::jobs::Registry| {
            r.on("committees_import", import::job);
        }),
        ..crate::web::Domain::new("committees", routes::routes)
    }
}
