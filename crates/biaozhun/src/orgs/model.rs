//! Types and pure rules of the orgs room: who owns a record ([`Owner`]), a user's role in an
//! organisation, whom a user acts for ([`choose`]), and the life of an invitation.

use serde::{Deserialize, Serialize};

/// How long an invitation stays open.
pub const INVITATION_DAYS: i64 = 14;
/// Open invitations an organisation may have at once (an address book is not a mailing list).
pub const MAX_OPEN_INVITATIONS: i64 = 200;
/// Invitations an organisation may send in a day, and to one address in a day (each is a
/// mail: inviting and withdrawing in a loop must not make the platform a mail cannon).
pub const MAX_INVITATIONS_PER_DAY: i64 = 100;
pub const MAX_INVITATIONS_PER_ADDRESS_PER_DAY: i64 = 3;

/// Who owns a record: a person, or an organisation (all of its users share it).
///
/// The one encoding of ownership in Rust. The tables keep their historical forms, converted
/// here and nowhere else: the key `u:<id>` / `o:<id>` (standards watchlists and digests),
/// the pair `user` / `org` + id (TBT profiles), and a nullable organisation id beside the
/// acting user's id (TBT subscriptions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    User(i64),
    Org(i64),
}

impl Owner {
    /// `u:<id>` or `o:<id>`.
    pub fn key(self) -> String {
        match self {
            Owner::User(id) => format!("u:{id}"),
            Owner::Org(id) => format!("o:{id}"),
        }
    }

    pub fn parse_key(s: &str) -> Option<Owner> {
        let (kind, id) = s.split_once(':')?;
        Owner::from_kind(match kind {
            "u" => "user",
            "o" => "org",
            _ => return None,
        }, id.parse().ok()?)
    }

    /// `user` or `org`.
    pub fn kind(self) -> &'static str {
        match self {
            Owner::User(_) => "user",
            Owner::Org(_) => "org",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            Owner::User(id) | Owner::Org(id) => id,
        }
    }

    pub fn from_kind(kind: &str, id: i64) -> Option<Owner> {
        match kind {
            "user" => Some(Owner::User(id)),
            "org" => Some(Owner::Org(id)),
            _ => None,
        }
    }

    /// The organisation, for an organisation's record.
    pub fn org_id(self) -> Option<i64> {
        match self {
            Owner::Org(id) => Some(id),
            Owner::User(_) => None,
        }
    }

    /// The owner of a row stored as (acting user, organisation or NULL).
    pub fn of_row(user_id: i64, org_id: Option<i64>) -> Owner {
        org_id.map_or(Owner::User(user_id), Owner::Org)
    }
}

/// A user's role in an organisation (单位角色).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrgRole {
    /// Invites and removes users, names roles, edits what only administrators edit.
    Admin,
    Staff,
}

impl OrgRole {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgRole::Admin => "admin",
            OrgRole::Staff => "staff",
        }
    }
    pub fn parse(s: &str) -> Option<OrgRole> {
        match s.trim() {
            "admin" => Some(OrgRole::Admin),
            "staff" => Some(OrgRole::Staff),
            _ => None,
        }
    }
}

/// An organisation as one of its users sees it in lists and switchers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrgRef {
    pub id: i64,
    pub name: String,
    /// Unified social credit code (GB 32100).
    pub uscc: String,
    pub role: OrgRole,
}

/// Whom a user acts for, with the organisations they could choose.
#[derive(Debug, Clone, Serialize)]
pub struct Acting {
    pub user_id: i64,
    /// The organisation acted for; `None`: the user themselves.
    pub org: Option<OrgRef>,
    /// Every organisation of the user, by name.
    pub orgs: Vec<OrgRef>,
}

impl Acting {
    /// The owner of what the user sees and adds now.
    pub fn owner(&self) -> Owner {
        self.org.as_ref().map_or(Owner::User(self.user_id), |o| Owner::Org(o.id))
    }

    /// May the user change what only an owner's administrators change (a person is the
    /// administrator of their own things).
    pub fn administers(&self) -> bool {
        self.org.as_ref().is_none_or(|o| o.role == OrgRole::Admin)
    }

    pub fn org_ids(&self) -> Vec<i64> {
        self.orgs.iter().map(|o| o.id).collect()
    }
}

/// The organisation a user acts for. `stored` is the saved choice: `Some(None)` for
/// themselves, `Some(Some(id))` for an organisation, `None` when never chosen. A choice of
/// an organisation the user no longer belongs to counts as no choice. Without a choice the
/// user acts for their only organisation, or for themselves when they have none or several.
pub fn choose(orgs: &[OrgRef], stored: Option<Option<i64>>) -> Option<&OrgRef> {
    match stored {
        Some(None) => None,
        Some(Some(id)) if orgs.iter().any(|o| o.id == id) => orgs.iter().find(|o| o.id == id),
        _ if orgs.len() == 1 => orgs.first(),
        _ => None,
    }
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvitationState {
    Pending,
    Accepted,
    Declined,
    Revoked,
    Expired,
}

impl InvitationState {
    /// The state of a stored row at `now`: an open invitation past its time has expired.
    pub fn of(status: &str, expires_at: i64, now: i64) -> InvitationState {
        match status {
            "accepted" => InvitationState::Accepted,
            "declined" => InvitationState::Declined,
            "revoked" => InvitationState::Revoked,
            "pending" if expires_at > now => InvitationState::Pending,
            _ => InvitationState::Expired,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InvitationState::Pending => "pending",
            InvitationState::Accepted => "accepted",
            InvitationState::Declined => "declined",
            InvitationState::Revoked => "revoked",
            InvitationState::Expired => "expired",
        }
    }
}

/// The key an address is compared by (as `users.email_key` stores it).
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64) -> OrgRef {
        OrgRef { id, name: format!("org {id}"), uscc: String::new(), role: OrgRole::Staff }
    }

    #[test]
    fn owner_round_trips_through_every_stored_form() {
        for o in [Owner::User(7), Owner::Org(12)] {
            assert_eq!(Owner::parse_key(&o.key()), Some(o));
            assert_eq!(Owner::from_kind(o.kind(), o.id()), Some(o));
            assert_eq!(Owner::of_row(99, o.org_id()), if o.org_id().is_some() { o } else { Owner::User(99) });
        }
        assert_eq!(Owner::User(3).key(), "u:3");
        assert_eq!(Owner::Org(4).key(), "o:4");
        for bad in ["", "u:", "x:1", "o:1a", "u1", "o:-"] {
            assert_eq!(Owner::parse_key(bad), None, "{bad}");
        }
        assert_eq!(Owner::from_kind("team", 1), None);
    }

    #[test]
    fn the_acting_choice_defaults_to_the_only_organisation() {
        let none: Vec<OrgRef> = vec![];
        let one = vec![org(1)];
        let two = vec![org(1), org(2)];
        assert!(choose(&none, None).is_none());
        assert_eq!(choose(&one, None).map(|o| o.id), Some(1));
        assert!(choose(&two, None).is_none(), "several organisations and no choice: personal");
        assert_eq!(choose(&two, Some(Some(2))).map(|o| o.id), Some(2));
        assert!(choose(&one, Some(None)).is_none(), "a chosen personal view stays personal");
        assert_eq!(choose(&one, Some(Some(5))).map(|o| o.id), Some(1), "a choice of an organisation left behind is no choice");
        assert!(choose(&two, Some(Some(5))).is_none());
    }

    #[test]
    fn administering_follows_the_role_in_the_acting_organisation() {
        let mut a = Acting { user_id: 9, org: None, orgs: vec![org(1)] };
        assert!(a.administers());
        assert_eq!(a.owner(), Owner::User(9));
        a.org = Some(org(1));
        assert!(!a.administers());
        assert_eq!(a.owner(), Owner::Org(1));
        a.org = Some(OrgRef { role: OrgRole::Admin, ..org(1) });
        assert!(a.administers());
    }

    #[test]
    fn invitations_expire_by_time() {
        assert_eq!(InvitationState::of("pending", 100, 99), InvitationState::Pending);
        assert_eq!(InvitationState::of("pending", 100, 100), InvitationState::Expired);
        assert_eq!(InvitationState::of("accepted", 100, 200), InvitationState::Accepted);
        assert_eq!(InvitationState::of("revoked", 100, 0), InvitationState::Revoked);
        assert_eq!(OrgRole::parse(" admin"), Some(OrgRole::Admin));
        assert_eq!(OrgRole::parse("owner"), None);
    }
}
