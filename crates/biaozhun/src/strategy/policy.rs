//! Who may do what in the strategy room. A department's or district's officer (the scoped
//! roles `department` and `district`, held on `("department", key)` / `("district", code)`)
//! files its own unit's reports and values, and sees them; staff review, return or accept
//! reports and see them all. One unit never files, sees or decides another's report.

use super::model::UnitKind;
use crate::App;
use crate::auth::scopes::{self, Scope};
use crate::auth::{CurrentUser, Role};
use crate::web::AppResult;

pub fn unit_scope(kind: UnitKind, key: &str) -> Scope {
    Scope::new(kind.as_str(), key)
}

/// The units the user acts for: (kind, key).
pub async fn units_of(app: &App, user: &CurrentUser) -> AppResult<Vec<(UnitKind, String)>> {
    let mut out = Vec::new();
    for kind in [UnitKind::Department, UnitKind::District] {
        for key in scopes::keys_of(&app.db.pool, user.id, kind.role(), kind.as_str()).await? {
            out.push((kind, key));
        }
    }
    Ok(out)
}

/// Whether the user holds the unit's scoped role.
pub async fn acts_for(app: &App, user: &CurrentUser, kind: UnitKind, key: &str) -> AppResult<bool> {
    Ok(scopes::holds(&app.db.pool, user.id, kind.role(), &unit_scope(kind, key)).await?)
}

pub fn is_staff(user: &CurrentUser) -> bool {
    user.has(Role::Staff)
}

/// A reported value: the indicator's department, or staff.
pub async fn may_report_value(app: &App, user: &CurrentUser, department: &str) -> AppResult<bool> {
    Ok(is_staff(user) || acts_for(app, user, UnitKind::Department, department).await?)
}

/// A report is seen by its unit and by staff.
pub async fn may_see_report(app: &App, user: &CurrentUser, kind: UnitKind, key: &str) -> AppResult<bool> {
    Ok(is_staff(user) || acts_for(app, user, kind, key).await?)
}
