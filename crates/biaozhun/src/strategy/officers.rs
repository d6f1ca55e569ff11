//! Staff name the officers of departments and districts (the scoped roles `department` and
//! `district` on the unit), and take the role back. Each change is audited
//! (`strategy.officer_grant`, `strategy.officer_revoke`) and the new officer is told.

use super::model::UnitKind;
use super::policy::unit_scope;
use super::store;
use crate::App;
use crate::auth::scopes;
use crate::web::ctx::redirect_with_flash;
use crate::web::{AppError, AppResult, Ctx, Form};
use axum::extract::State;
use axum::response::Response;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default)]
pub struct OfficerForm {
    #[serde(default)]
    pub username: String,
    /// `department:gz-scjgj` or `district:440106`.
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub outline: String,
}

/// Officers of every unit of the outline, for the staff page.
#[derive(Serialize)]
pub struct Officers {
    pub kind: String,
    pub key: String,
    pub name: String,
    pub users: Vec<(i64, String)>,
}

pub async fn list(app: &App, o: &super::model::Outline) -> AppResult<Vec<Officers>> {
    let mut out = Vec::new();
    for d in &o.departments {
        let users = scopes::holders(&app.db.pool, UnitKind::Department.role(), &unit_scope(UnitKind::Department, &d.key)).await?;
        out.push(Officers { kind: "department".into(), key: d.key.clone(), name: d.name.clone(), users });
    }
    for c in store::district_codes() {
        let users = scopes::holders(&app.db.pool, UnitKind::District.role(), &unit_scope(UnitKind::District, &c)).await?;
        out.push(Officers { kind: "district".into(), key: c.clone(), name: store::district_name(&c), users });
    }
    Ok(out)
}

async fn parse(app: &App, ctx: &Ctx, f: &OfficerForm) -> AppResult<(crate::auth::store::Account, UnitKind, String)> {
    let (kind, key) = f.unit.split_once(':').unwrap_or(("", ""));
    let kind = UnitKind::parse(kind).ok_or_else(|| AppError::invalid("unit", ctx.t("strategy.err_unit_kind")))?;
    let key_of = super::api::OutlineQuery { outline: Some(f.outline.clone()) }.key();
    let (o, _) = store::outline(app, &key_of).await?;
    let known = match kind {
        UnitKind::Department => o.department(key).is_some(),
        UnitKind::District => store::district_codes().iter().any(|c| c == key),
    };
    if !known {
        return Err(AppError::invalid("unit", ctx.t("strategy.err_unit_kind")));
    }
    let account = crate::auth::store::find_by_account(app, f.username.trim()).await?.ok_or_else(|| AppError::invalid("username", ctx.t("strategy.err_unknown_account")))?;
    Ok((account, kind, key.to_string()))
}

pub async fn grant(State(app): State<App>, ctx: Ctx, Form(f): Form<OfficerForm>) -> AppResult<Response> {
    let (account, kind, key) = parse(&app, &ctx, &f).await?;
    let mut tx = app.db.begin().await?;
    if scopes::grant(&mut tx, account.id, kind.role(), &unit_scope(kind, &key), ctx.user_id()).await? {
        let entry = crate::auth::audit::Entry { action: "strategy.officer_grant", target: format!("{}:{key}", kind.as_str()), detail: format!("user:{}", account.id) };
        crate::auth::audit::log_tx(&mut tx, &ctx, entry).await?;
        let n = crate::jobs::notify::Notice { kind: "strategy", key: "strategy.notice_officer", args: &[("unit", key.as_str())], link: "/strategy/reports", mail: true };
        crate::jobs::notify::send(&mut tx, &app, account.id, n).await?;
    }
    tx.commit().await?;
    Ok(redirect_with_flash(&app, "/staff/strategy#officers", "strategy_officers"))
}

pub async fn revoke(State(app): State<App>, ctx: Ctx, Form(f): Form<OfficerForm>) -> AppResult<Response> {
    let (account, kind, key) = parse(&app, &ctx, &f).await?;
    let mut tx = app.db.begin().await?;
    if scopes::revoke(&mut tx, account.id, kind.role(), &unit_scope(kind, &key)).await? {
        let entry = crate::auth::audit::Entry { action: "strategy.officer_revoke", target: format!("{}:{key}", kind.as_str()), detail: format!("user:{}", account.id) };
        crate::auth::audit::log_tx(&mut tx, &ctx, entry).await?;
    }
    tx.commit().await?;
    Ok(redirect_with_flash(&app, "/staff/strategy#officers", "strategy_officers"))
}
