//! The orgs room (kernel): organisations (单位), keyed by their unified social credit code;
//! their users and roles (admin, staff); invitations; and the one rule of ownership.
//!
//! # Who owns what a user sees and adds
//!
//! Every user acts either for themselves or for one organisation they belong to, chosen by
//! them (the switcher on `/orgs`, the account page and the member area; `PUT
//! /api/v1/orgs/acting`) and stored per user, so it holds for their browser sessions and
//! their API tokens alike. Without a choice they act for their only organisation, or for
//! themselves when they have none or several ([`model::choose`]).
//!
//! What a user sees and adds (standards watchlists, the TBT profile and subscriptions) is
//! owned by [`acting_owner`]: the organisation when acting for it, else the user. An
//! organisation's records are shared by all of its users ([`members_of`] hears of them);
//! where a domain reserves a change to administrators (the TBT profile), it asks
//! [`model::Acting::administers`]. A person's own records stay theirs: joining, switching or
//! leaving changes only which owner is shown, never who owns a record.
//!
//! Belonging to an organisation is enough; an active membership of the association is not
//! required. Membership is a domain above this room (the association's relation to an
//! organisation): it decides member-only pages, not whose records a user works with.
//!
//! Nobody is put into an organisation without their act: a user joins by accepting an
//! invitation (`invitations`), or as the applicant of an approved organisation membership
//! ([`store::register`]). Accepting an invitation does not switch whom the user acts for
//! unless they ask (their current choice is written down first); a first organisation
//! registered for a user without one becomes the one they act for by the default above.
//!
//! The room names no domain room; domains call [`acting`], [`acting_owner`],
//! [`members_of`] and [`store::recipients`] and store owners in their own forms through
//! [`Owner`].

pub mod codes;
pub mod details;
pub mod invitations;
pub mod model;
pub mod routes;
pub mod store;

pub use model::{Acting, OrgRef, OrgRole, Owner};
pub use store::{acting, acting_org, acting_owner, members_of};

/// The organisation pages and API as the house installs them.
pub fn install() -> crate::web::Domain {
    crate::web::Domain {
        api: Some(|| <routes::ApiDoc as utoipa::OpenApi>::openapi()),
        migrations: &["0005_orgs", "0076_org_untrustworthy", "0093_org_names"],
        ..crate::web::Domain::new("orgs", routes::routes)
    }
}
