//! Scoped roles: roles a user holds on one thing rather than across the site (table
//! `scoped_roles`). The kernel stores them and answers whether one holds; each domain's
//! `policy.rs` decides what a scoped role lets its holder do to its records.
//!
//! An organisation's administrator is not one of them: that role lives with the
//! organisation in the orgs room (`org_users.role`, `orgs::Acting::administers()`), which
//! policies ask, so there is one record of it.

use crate::db::Tx;
use sqlx::AnyPool as Pool;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopedRole {
    /// A city department (its tasks and reports of the strategy).
    Department,
    /// A district (its tasks and reports of the strategy).
    District,
    /// The secretary of a standardization committee.
    CommitteeSecretary,
    /// A reviewer or expert assigned to one record (an application, a TBT comment).
    Reviewer,
    /// A teacher of one training session (its roster and attendance).
    Teacher,
    /// A member of the working group drafting one local technical specification.
    WorkingGroup,
    /// An inspector of public information signs in one district (scope `district`).
    Inspector,
}

impl ScopedRole {
    pub const ALL: [ScopedRole; 7] =
        [ScopedRole::Department, ScopedRole::District, ScopedRole::CommitteeSecretary, ScopedRole::Reviewer, ScopedRole::Teacher, ScopedRole::WorkingGroup, ScopedRole::Inspector];

    pub fn as_str(self) -> &'static str {
        match self {
            ScopedRole::Department => "department",
            ScopedRole::District => "district",
            ScopedRole::CommitteeSecretary => "committee_secretary",
            ScopedRole::Reviewer => "reviewer",
            ScopedRole::Teacher => "teacher",
            ScopedRole::WorkingGroup => "working_group",
            ScopedRole::Inspector => "inspector",
        }
    }

    pub fn parse(s: &str) -> Option<ScopedRole> {
        ScopedRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What a scoped role is held on: a kind of thing and its key (`("tbt_comment", "12")`,
/// `("district", "440106")`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Scope {
    pub kind: &'static str,
    pub key: String,
}

impl Scope {
    pub fn new(kind: &'static str, key: impl ToString) -> Scope {
        Scope { kind, key: key.to_string() }
    }
}

/// Grants `role` on `scope` to a user (in the caller's transaction); `false` if it was held.
pub async fn grant(tx: &mut Tx, user_id: i64, role: ScopedRole, scope: &Scope, by: Option<i64>) -> Result<bool, sqlx::Error> {
    let r = sqlx::query(
        "INSERT INTO scoped_roles (user_id, role, scope_kind, scope_key, granted_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (user_id, role, scope_kind, scope_key) DO NOTHING",
    )
    .bind(user_id)
    .bind(role.as_str())
    .bind(scope.kind)
    .bind(&scope.key)
    .bind(by)
    .bind(crate::util::now())
    .execute(&mut **tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Takes the role back; `false` if it was not held.
pub async fn revoke(tx: &mut Tx, user_id: i64, role: ScopedRole, scope: &Scope) -> Result<bool, sqlx::Error> {
    let r = sqlx::query("DELETE FROM scoped_roles WHERE user_id = $1 AND role = $2 AND scope_kind = $3 AND scope_key = $4")
        .bind(user_id)
        .bind(role.as_str())
        .bind(scope.kind)
        .bind(&scope.key)
        .execute(&mut **tx)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Whether the user holds the role on the scope.
pub async fn holds(pool: &Pool, user_id: i64, role: ScopedRole, scope: &Scope) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM scoped_roles WHERE user_id = $1 AND role = $2 AND scope_kind = $3 AND scope_key = $4")
        .bind(user_id)
        .bind(role.as_str())
        .bind(scope.kind)
        .bind(&scope.key)
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}

/// Who holds the role on the scope: (user id, user name), by name.
pub async fn holders(pool: &Pool, role: ScopedRole, scope: &Scope) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT u.id, u.username FROM scoped_roles s JOIN users u ON u.id = s.user_id \
         WHERE s.role = $1 AND s.scope_kind = $2 AND s.scope_key = $3 ORDER BY u.username",
    )
    .bind(role.as_str())
    .bind(scope.kind)
    .bind(&scope.key)
    .fetch_all(pool)
    .await
}

/// The keys of the `kind` things on which the user holds the role (a reviewer's records).
pub async fn keys_of(pool: &Pool, user_id: i64, role: ScopedRole, kind: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT scope_key FROM scoped_roles WHERE user_id = $1 AND role = $2 AND scope_kind = $3 ORDER BY id")
        .bind(user_id)
        .bind(role.as_str())
        .bind(kind)
        .fetch_all(pool)
        .await
}
