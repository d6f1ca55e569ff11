//! Pages of the portal. Each page asks every installed domain's hook and lays out what
//! comes back, ordered by the hooks' `order`.

use crate::App;
use crate::web::ctx::{LANG_COOKIE, safe_next, set_cookie};
use crate::web::domain::{Panel, Place, SearchHit, Todo};
use crate::web::ratelimit::Class;
use crate::web::{Access, AppResult, Ctx, Lang, Routes};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

pub fn routes() -> Routes {
    Routes::new()
        .get("/", Access::Public, home)
        .get("/search", Access::Public, search)
        .limit(Class::Search)
        .get("/lang/{code}", Access::Public, switch_language)
        .get("/staff", Access::Staff, staff_home)
        .get("/member", Access::Member, member_area)
}

/// How long the home page's boxes are kept: the page is the most visited and its boxes
/// change rarely. Each server keeps its own copy; an edit shows within this time (content
/// edits clear it at once on the server that made them).
pub const HOME_TTL: Duration = Duration::from_secs(2);

/// Every domain's home boxes for a language, in order.
async fn home_panels(app: &App, lang: Lang) -> AppResult<Arc<serde_json::Value>> {
    let key = format!("home:{}", lang.code());
    if let Some(v) = app.cache.get(&key) {
        return Ok(v);
    }
    let mut panels: Vec<Panel> = Vec::new();
    for d in app.domains.iter() {
        if let Some(hook) = d.hooks.home {
            panels.extend(hook(app, lang).await?);
        }
    }
    panels.sort_by_key(|p| p.order);
    let by_place = |place: Place| panels.iter().filter(|p| p.place == place).collect::<Vec<_>>();
    let v = Arc::new(serde_json::json!({
        "entrance": by_place(Place::Entrance), "main": by_place(Place::Main), "side": by_place(Place::Side),
    }));
    app.cache.put(&key, HOME_TTL, v.clone());
    Ok(v)
}

async fn home(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let panels = home_panels(&app, ctx.lang).await?;
    let login = if ctx.user.is_none() { Some(crate::auth::routes::login_form_context(&app, &ctx)) } else { None };
    ctx.render(&app, "portal/home.html", context! { panels => Value::from_serialize(&*panels), login => login })
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

#[derive(Serialize)]
struct Section {
    title: &'static str,
    total: usize,
    more: Option<&'static str>,
    hits: Vec<SearchHit>,
}

/// The one search box of the site: a section per searchable domain, each with its best
/// hits and a link to the domain's own full search.
async fn search(State(app): State<App>, ctx: Ctx, Query(q): Query<SearchQuery>) -> AppResult<Response> {
    let text: String = q.q.unwrap_or_default().chars().take(200).collect();
    if text.trim().is_empty() {
        return ctx.render(&app, "portal/search.html", context! { q => text });
    }
    let mut hooks: Vec<_> = app.domains.iter().filter_map(|d| d.hooks.search).collect();
    hooks.sort_by_key(|h| h.order);
    let mut sections = Vec::with_capacity(hooks.len());
    for h in hooks {
        let res = app.indexer.search((h.query)(&text)).await?;
        let hits = (h.render)(&app, &ctx, res.hits).await?;
        sections.push(Section { title: h.title, total: res.total, more: h.more, hits });
    }
    ctx.render(&app, "portal/search.html", context! { q => text, sections => sections })
}

/// Remembers the chosen language in a cookie and goes back.
async fn switch_language(State(app): State<App>, Path(code): Path<String>, Query(q): Query<NextParam>) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let mut resp = Redirect::to(&safe_next(q.next.as_deref())).into_response();
    resp.headers_mut().append(header::SET_COOKIE, set_cookie(&app, LANG_COOKIE, lang.code(), Some(365 * 24 * 3600), false));
    resp
}

#[derive(Deserialize)]
struct NextParam {
    next: Option<String>,
}

/// The staff work queue: what waits in every domain, with counts and links.
async fn staff_home(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let mut todos: Vec<Todo> = Vec::new();
    for d in app.domains.iter() {
        if let Some(hook) = d.hooks.staff {
            todos.extend(hook(&app, &ctx).await?);
        }
    }
    todos.sort_by_key(|t| t.order);
    ctx.render(&app, "portal/staff.html", context! { todos => todos })
}

/// The member area: the sections the domains offer a member.
async fn member_area(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    ctx.require_user()?;
    let mut panels: Vec<Panel> = Vec::new();
    for d in app.domains.iter() {
        if let Some(hook) = d.hooks.member {
            panels.extend(hook(&app, &ctx).await?);
        }
    }
    panels.sort_by_key(|p| p.order);
    ctx.render(&app, "portal/member.html", context! { panels => panels })
}
