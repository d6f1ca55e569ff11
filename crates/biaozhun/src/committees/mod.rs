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
pub mod tally;

pub use store::{Counts, counts};

/// The room as the house installs it.
pub fn install() -> crate::web::Domain {
    crate::web::Domain {
        migrations: &["0080_committees"],
        api: Some(|| <routes::ApiDoc as utoipa::OpenApi>::openapi()),
        jobs: Some(|r: &mut crate::jobs::Registry| {
            r.on("committees_import", import::job);
        }),
        hooks: crate::web::Hooks { indicators: &INDICATORS, ..crate::web::Hooks::NONE },
        tallies: &tally::TALLIES,
        ..crate::web::Domain::new("committees", routes::routes)
    }
}

/// The strategy dashboard's figures this room computes: committees with their secretariat
/// in Guangzhou (a district recorded), all levels and the international ones; none while
/// the registry is empty (a department's reported figure stands until then). Read from the
/// rolled-up counts (`tally.rs`), not by counting the registry.
static INDICATORS: [IndicatorSource; 2] = [
    IndicatorSource { key: "committees.secretariats", read: |app| Box::pin(async move { Ok(measure(app, false).await?) }) },
    IndicatorSource { key: "committees.international_secretariats", read: |app| Box::pin(async move { Ok(measure(app, true).await?) }) },
];

async fn measure(app: &crate::App, international: bool) -> crate::web::AppResult<Option<Measure>> {
    let (total, in_guangzhou, international_in_guangzhou) = tally::counts(app).await?;
    Ok((total > 0).then(|| match international {
        true => Measure { value: international_in_guangzhou, href: Href::new("/committees?level=", "international") },
        false => Measure { value: in_guangzhou, href: Href::new("/committees", "") },
    }))
}

use crate::web::domain::{Href, IndicatorSource, Measure};
