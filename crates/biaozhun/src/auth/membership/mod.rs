//! Membership (入会申请): applications by individuals and organisations, review by staff,
//! member numbers and terms, renewal, expiry. An organisation's users are managed in the
//! orgs room (`/orgs/{id}`).

pub mod model;
pub mod review;
pub mod routes;
pub mod store;

pub use store::reminders;
