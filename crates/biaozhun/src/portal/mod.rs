//! The portal room, on the top floor: the home page, the site search, the language switch,
//! the staff work queue and the member area. It shows what the domains offer through their
//! [`crate::web::Hooks`] and reads no domain's tables itself; `app.rs` hands it the list of
//! installed domains (`App::domains`).

pub mod routes;

use crate::web::Domain;

pub fn install() -> Domain {
    // 0030: the indexes the home page's lists read, and the outline's publication date.
    Domain { migrations: &["0030_portal"], ..Domain::new("portal", routes::routes) }
}
