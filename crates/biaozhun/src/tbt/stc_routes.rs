//! Pages and API of the specific trade concerns (STCs).

use super::routes::{lang, sym_url};
use super::stc::{self, ConcernFilters, TradeConcern};
use crate::App;
use crate::web::ratelimit::Class;
use crate::web::{Access, AppError, AppResult, Ctx, Routes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Serialize;

pub fn routes() -> Routes {
    Routes::new()
        .get("/trade-concerns", Access::Public, list_page).limit(Class::Search)
        .get("/trade-concerns/{id}", Access::Public, concern_page)
        .get("/api/v1/trade-concerns", Access::Public, api_concerns).limit(Class::Search)
        .get("/api/v1/trade-concerns/{id}", Access::Public, api_concern)
}

fn links(c: &TradeConcern) -> Vec<serde_json::Value> {
    c.notifications
        .iter()
        .map(|n| serde_json::json!({"n": n, "url": n.id.map(|_| sym_url(&n.symbol))}))
        .collect()
}

async fn list_page(State(app): State<App>, ctx: Ctx, Query(f): Query<ConcernFilters>) -> AppResult<Response> {
    let l = lang(&ctx);
    let (status, found, error) = match stc::search(&app, &f, l).await {
        Ok(x) => (StatusCode::OK, Some(x), None),
        Err(AppError::Invalid { field, message }) => (StatusCode::UNPROCESSABLE_ENTITY, None, Some((field, message))),
        Err(e) => return Err(e),
    };
    let (items, total) = found.unwrap_or_default();
    let per_page = f.per_page.unwrap_or(20).clamp(1, 100);
    let page = f.page.unwrap_or(1).max(1);
    let pages = crate::web::pager::Pager::new(total as i64, page, per_page).pages;
    let mut qs: Vec<(&str, String)> = Vec::new();
    for (k, v) in [("q", &f.q), ("member", &f.member), ("agreement", &f.agreement), ("status", &f.status)] {
        if let Some(v) = v.as_deref().filter(|s| !s.is_empty()) {
            qs.push((k, v.to_string()));
        }
    }
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|c| serde_json::json!({"c": c, "url": format!("/trade-concerns/{}", c.id), "links": links(c)}))
        .collect();
    ctx.render_status(
        &app,
        status,
        "tbt/stc_list.html",
        context! {
            f => &f, items => items, total => total, page => page, pages => pages,
            base_qs => serde_urlencoded::to_string(&qs).unwrap_or_default(), statuses => stc::STATUSES,
            error => error.as_ref().map(|e| e.1.clone()), error_field => error.and_then(|e| e.0),
        },
    )
}

async fn concern_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let c = stc::get(&app, id, lang(&ctx)).await?;
    let links = links(&c);
    ctx.render(&app, "tbt/stc.html", context! { c => &c, links => links, citation => stc::citation(&c) })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ConcernPage {
    pub items: Vec<TradeConcern>,
    pub total: usize,
    pub page: i64,
}

/// Specific trade concerns raised in the WTO TBT and SPS committees, newest first.
#[utoipa::path(get, path = "/api/v1/trade-concerns", tag = "tbt", params(ConcernFilters), responses((status = 200, body = ConcernPage), (status = 422)))]
pub async fn api_concerns(State(app): State<App>, ctx: Ctx, Query(f): Query<ConcernFilters>) -> AppResult<Json<ConcernPage>> {
    let (items, total) = stc::search(&app, &f, lang(&ctx)).await?;
    Ok(Json(ConcernPage { items, total, page: f.page.unwrap_or(1).max(1) }))
}

/// One specific trade concern with the notifications it refers to.
#[utoipa::path(get, path = "/api/v1/trade-concerns/{id}", tag = "tbt", params(("id" = i64, Path)), responses((status = 200, body = TradeConcern), (status = 404)))]
pub async fn api_concern(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<TradeConcern>> {
    Ok(Json(stc::get(&app, id, lang(&ctx)).await?))
}
