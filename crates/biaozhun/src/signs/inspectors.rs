//! Staff name the inspectors of each district (scoped role `inspector` on
//! `("district", code)`) and take the role back; each act is audited and the inspector is
//! told in the site and by mail.

use super::policy::district_scope;
use crate::App;
use crate::auth::scopes::{self, ScopedRole};
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, Routes};
use axum::extract::State;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .get("/signs/inspectors", Access::Staff, page)
        .post("/signs/inspectors", Access::Staff, assign)
        .post("/signs/inspectors/remove", Access::Staff, remove)
}

async fn page(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let mut districts = Vec::new();
    for (code, name) in super::model::districts() {
        let people: Vec<String> = scopes::holders(&app.db.pool, ScopedRole::Inspector, &district_scope(code)).await?.into_iter().map(|(_, n)| n).collect();
        districts.push(serde_json::json!({"code": code, "name": name, "inspectors": people}));
    }
    ctx.render(&app, "signs/inspectors.html", context! { districts => districts })
}

#[derive(Deserialize)]
struct InspectorForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    district: String,
}

async fn target(app: &App, ctx: &Ctx, f: &InspectorForm) -> AppResult<(i64, String)> {
    let district = f.district.trim();
    if super::model::district_name(district).is_none() {
        return Err(AppError::invalid("district", ctx.t("signs.err_district")));
    }
    let account = crate::auth::store::find_by_account(app, f.username.trim()).await?.ok_or_else(|| AppError::invalid("username", ctx.t("signs.err_unknown_account")))?;
    Ok((account.id, district.to_string()))
}

async fn assign(State(app): State<App>, ctx: Ctx, Form(f): Form<InspectorForm>) -> AppResult<Response> {
    let (user, district) = target(&app, &ctx, &f).await?;
    let mut tx = app.db.begin().await?;
    if scopes::grant(&mut tx, user, ScopedRole::Inspector, &district_scope(&district), ctx.user_id()).await? {
        crate::auth::audit::log_tx(&mut tx, &ctx, crate::auth::audit::Entry { action: "signs.inspector_assign", target: format!("district:{district}"), detail: format!("user:{user}") }).await?;
        let name = super::store::district_label(&district);
        let args = [("district", name.as_str())];
        let link = format!("/signs?district={district}#register");
        crate::jobs::notify::send(&mut tx, &app, user, crate::jobs::notify::Notice { kind: "signs", key: "signs.notice_inspector", args: &args, link: &link, mail: true }).await?;
    }
    tx.commit().await?;
    Ok(redirect_with_flash(&app, "/signs/inspectors", "sign_inspectors"))
}

async fn remove(State(app): State<App>, ctx: Ctx, Form(f): Form<InspectorForm>) -> AppResult<Response> {
    let (user, district) = target(&app, &ctx, &f).await?;
    let mut tx = app.db.begin().await?;
    if scopes::revoke(&mut tx, user, ScopedRole::Inspector, &district_scope(&district)).await? {
        crate::auth::audit::log_tx(&mut tx, &ctx, crate::auth::audit::Entry { action: "signs.inspector_remove", target: format!("district:{district}"), detail: format!("user:{user}") }).await?;
    }
    tx.commit().await?;
    Ok(redirect_with_flash(&app, "/signs/inspectors", "sign_inspectors"))
}
