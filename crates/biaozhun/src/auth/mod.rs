//! The auth room: accounts, sessions, captcha, password reset, throttling, roles, API
//! tokens, scoped roles and the audit log. Membership (入会申请) is a domain of its own
//! (`crate::membership`) that this room does not name.

pub mod account;
pub mod audit;
pub mod captcha;
pub mod identity;
pub mod password;
pub mod register;
pub mod routes;
pub mod scopes;
pub mod sessions;
pub mod store;
pub mod throttle;
pub mod tokens;

use serde::{Deserialize, Serialize};

/// The API of accounts, sessions, tokens, notifications and roles.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    captcha::api_new,
    routes::api_login,
    routes::api_logout,
    register::api_register,
    routes::api_forgot,
    routes::api_me,
    routes::api_tokens,
    routes::api_token_create,
    routes::api_token_revoke,
    routes::api_notifications,
    routes::api_set_roles,
    routes::api_audit,
    account::api_password,
    account::api_email,
    account::api_me_update,
))]
pub struct ApiDoc;

/// Accounts as the house installs them.
pub fn install() -> crate::web::Domain {
    crate::web::Domain {
        api: Some(|| <ApiDoc as utoipa::OpenApi>::openapi()),
        migrations: &["0006_identity_scopes", "0031_scoped_roles", "0035_email_change"],
        ..crate::web::Domain::new("auth", routes::routes)
    }
}

/// Roles an administrator grants. "Member" is not a role: it follows from an active
/// membership (personal or through an organisation) and ends with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Expert,
    Staff,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Expert, Role::Staff, Role::Admin];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Expert => "expert",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The person behind a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    /// The language of the mails and notices the account receives (`users.locale`): the one
    /// it registered in, or chosen on `/account`.
    pub locale: crate::web::Lang,
    pub roles: Vec<Role>,
    /// End of the active membership (own or organisation's), if any.
    pub member_until: Option<i64>,
    /// Unread in-site notifications.
    pub unread: i64,
    /// For staff when no SMTP relay is configured: the mails kept in the site's outbox
    /// (they reach people only when an administrator passes them on).
    pub outbox: Option<i64>,
    /// Hash of the session id when logged in through the browser.
    pub session_id: Option<String>,
    /// The API token used, when authenticated by token.
    pub token_id: Option<i64>,
    /// That token's scopes (its owner's roles are already capped by them).
    pub token_scopes: Option<tokens::Scopes>,
}

impl CurrentUser {
    /// Admins hold every power of staff and experts.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role) || self.roles.contains(&Role::Admin)
    }
    pub fn is_member(&self) -> bool {
        self.member_until.is_some_and(|t| t > crate::util::now())
    }
}
