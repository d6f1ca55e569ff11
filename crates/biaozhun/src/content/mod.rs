//! The content room: news, notices and policy documents (the outline among them) and their
//! attachments, with the boxes and search hits it offers the portal.

pub mod hooks;
pub mod markdown;
pub mod model;
pub mod policy;
pub mod routes;
pub mod seed;
pub mod store;

use crate::web::{Domain, Hooks};

pub fn install() -> Domain {
    Domain {
        api: Some(|| <routes::ApiDoc as utoipa::OpenApi>::openapi()),
        search: Some(store::SEARCH_SOURCE),
        hooks: Hooks { home: Some(hooks::home_hook), staff: Some(hooks::staff_hook), member: Some(hooks::member_hook), search: Some(hooks::SEARCH), ..crate::web::Hooks::NONE },
        ..Domain::new("content", routes::routes)
    }
}
