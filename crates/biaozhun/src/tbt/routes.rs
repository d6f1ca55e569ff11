//! Public pages, the enterprise profile, concerns, calendars, statistics and the API.

use super::alerts::{self, SubscriptionInput};
use super::store::{self, Filters};
use super::{codes, comments, members};
use crate::App;
use crate::web::{Access, AppError, AppResult, Ctx, JsonIn, Routes, download};
use crate::web::ratelimit::Class;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(paths(
    api_list,
    api_get,
    api_subscriptions,
    api_create_subscription,
    api_delete_subscription,
    super::stc_routes::api_concerns,
    super::stc_routes::api_concern
))]
pub struct ApiDoc;

pub fn routes() -> Routes {
    Routes::new()
        .get("/tbt", Access::Public, browse).limit(Class::Search)
        .get("/tbt/notifications/{symbol}", Access::Public, notification)
        .post("/tbt/notifications/{symbol}/concerns", Access::User, add_concern)
        .get("/tbt/concerns/{id}/attachment", Access::User, concern_attachment)
        .get("/tbt/profile", Access::User, profile)
        .post("/tbt/profile", Access::User, save_profile)
        .post("/tbt/subscriptions", Access::User, form_subscription)
        .post("/tbt/subscriptions/{id}/delete", Access::User, form_delete_subscription)
        .get("/tbt/calendar.ics", Access::Public, public_calendar)
        .get("/tbt/calendar/{token}", Access::Public, user_calendar)
        .get("/tbt/stats", Access::Public, stats)
        .get("/tbt/stats.csv", Access::Public, stats_csv)
        .get("/api/v1/tbt/notifications", Access::Public, api_list).limit(Class::Search)
        .get("/api/v1/tbt/notifications/{symbol}", Access::Public, api_get)
        .get("/api/v1/tbt/subscriptions", Access::User, api_subscriptions)
        .post("/api/v1/tbt/subscriptions", Access::User, api_create_subscription)
        .delete("/api/v1/tbt/subscriptions/{id}", Access::User, api_delete_subscription)
        .merge(super::stc_routes::routes())
        .merge(super::staff::routes())
        .merge(super::review::routes())
}

pub fn lang(ctx: &Ctx) -> &'static str {
    ctx.lang.code()
}

pub fn sym_url(symbol: &str) -> String {
    format!(
        "/tbt/notifications/{}",
        percent_encoding::utf8_percent_encode(symbol, percent_encoding::NON_ALPHANUMERIC)
    )
}

#[derive(Serialize)]
struct Opt {
    code: String,
    name: String,
}

fn market_options(l: &str) -> (Vec<Opt>, Vec<Opt>) {
    let groups = members::GROUPS
        .iter()
        .map(|g| Opt {
            code: g.code.into(),
            name: members::group_name(g.code, l),
        })
        .collect();
    let mut ms: Vec<Opt> = members::MEMBERS
        .iter()
        .map(|m| Opt {
            code: m.code.into(),
            name: format!("{} ({})", members::name(m.code, l), m.code),
        })
        .collect();
    ms.sort_by(|a, b| a.code.cmp(&b.code));
    (groups, ms)
}

fn facet_list(f: &std::collections::BTreeMap<String, Vec<(String, u64)>>, key: &str, l: &str) -> Vec<serde_json::Value> {
    f.get(key)
        .map(|v| {
            v.iter()
                .map(|(val, n)| {
                    let label = match key {
                        "member" => members::name(val, l),
                        "group" => members::group_name(val, l),
                        "hs" => format!("{val} {}", crate::util::shorten(codes::hs_name(val, l).unwrap_or(""), 30)),
                        "objective" => codes::objective_label(val, l),
                        "agreement" => val.to_uppercase(),
                        _ => val.clone(),
                    };
                    serde_json::json!({"value": val, "label": label, "count": n})
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn browse(State(app): State<App>, ctx: Ctx, Query(f): Query<Filters>) -> AppResult<Response> {
    let l = lang(&ctx);
    let (status, found, error) = match store::search(&app, &f, l, true).await {
        Ok(found) => (StatusCode::OK, Some(found), None),
        Err(AppError::Invalid { field, message }) => (StatusCode::UNPROCESSABLE_ENTITY, None, Some((field, message))),
        Err(e) => return Err(e),
    };
    let (groups, all_members) = market_options(l);
    let per_page = f.per_page.unwrap_or(20).clamp(1, 100);
    let page = f.page.unwrap_or(1).max(1);
    let total = found.as_ref().map(|x| x.total).unwrap_or(0) as i64;
    let pages = crate::web::pager::Pager::new(total, page, per_page).pages;
    let facets = found.as_ref().map(|x| {
        serde_json::json!({
            "agreement": facet_list(&x.facets, "agreement", l),
            "member": facet_list(&x.facets, "member", l),
            "group": facet_list(&x.facets, "group", l),
            "objective": facet_list(&x.facets, "objective", l),
            "hs": facet_list(&x.facets, "hs", l),
            "year": facet_list(&x.facets, "year", l),
        })
    });
    // The query string without the page, for pager links.
    let mut qs: Vec<(String, String)> = Vec::new();
    for (k, v) in [
        ("q", &f.q),
        ("agreement", &f.agreement),
        ("emergency", &f.emergency),
        ("member", &f.member),
        ("hs", &f.hs),
        ("ics", &f.ics),
        ("objective", &f.objective),
        ("from", &f.from),
        ("to", &f.to),
        ("open", &f.open),
    ] {
        if let Some(v) = v.as_deref().filter(|s| !s.is_empty()) {
            qs.push((k.into(), v.into()));
        }
    }
    let base_qs = serde_urlencoded::to_string(&qs).unwrap_or_default();
    let items: Vec<serde_json::Value> = found
        .as_ref()
        .map(|x| x.items.iter().map(|n| serde_json::json!({"n": n, "url": sym_url(&n.symbol)})).collect())
        .unwrap_or_default();
    ctx.render_status(
        &app,
        status,
        "tbt/list.html",
        context! {
            f => &f, open => f.is_open(), emergency => f.is_emergency(), items => items, total => total, page => page, pages => pages, base_qs => base_qs,
            facets => facets, groups => groups, all_members => all_members,
            error => error.as_ref().map(|e| e.1.clone()), error_field => error.and_then(|e| e.0),
        },
    )
}

async fn notification(State(app): State<App>, ctx: Ctx, Path(symbol): Path<String>) -> AppResult<Response> {
    let id = store::id_by_symbol(&app, &symbol).await?;
    let mut n = store::get(&app, id, lang(&ctx)).await?;
    let family = store::family(&app, &n).await?;
    let family: Vec<serde_json::Value> = family
        .iter()
        .map(|x| serde_json::json!({"f": x, "url": sym_url(&x.symbols[0]), "current": x.id == n.id}))
        .collect();
    let staff = ctx.can(&app, &super::policy::Notification::Consolidate, id).await?;
    let concerns = comments::concerns(&app, id, ctx.user_id(), staff).await?;
    let comment_list = if staff { comments::comments_of(&app, id).await? } else { Vec::new() };
    // Specific trade concerns other members raised about it (or its family).
    let stcs = super::stc::of_notification(&app, &n.symbols, &n.root_symbol, lang(&ctx)).await?;
    // Chapters and the usual objectives in the page's language (codes::hs_name, objective_label).
    for h in &mut n.hs {
        if let Some(name) = codes::hs_name(&h.code, lang(&ctx)) {
            h.description = name.to_string();
        }
    }
    n.objectives = n.objectives.iter().map(|o| codes::objective_label(o, lang(&ctx))).collect();
    let products = org_products(&app, &ctx, &n.hs.iter().map(|h| h.code.clone()).collect::<Vec<_>>()).await?;
    let ics: Vec<serde_json::Value> = n
        .ics
        .iter()
        .map(|c| serde_json::json!({"code": c, "title": codes::ics_title(c).unwrap_or("")}))
        .collect();
    ctx.render(
        &app,
        "tbt/notification.html",
        context! { n => &n, family => family, concerns => concerns, comments => comment_list, staff => staff, ics => ics, url => sym_url(&n.symbol), stcs => stcs, products => products,
        max_upload_mb => app.config.max_upload_bytes / (1024 * 1024) },
    )
}

/// The products of the organisation the user acts for whose HS code a notification's codes
/// concern (the rooms' `org_records` hook), each once.
async fn org_products(app: &App, ctx: &Ctx, hs: &[String]) -> AppResult<Vec<crate::web::domain::OrgRecord>> {
    let Some(uid) = ctx.user_id() else { return Ok(vec![]) };
    let Some(org) = crate::orgs::acting(app, uid).await?.org else { return Ok(vec![]) };
    let found = crate::web::domain::org_records(app, ctx, org.id, &crate::web::domain::OrgKeys::Hs(hs.to_vec())).await?;
    let mut seen = std::collections::HashSet::new();
    Ok(found.into_values().flatten().filter(|r| seen.insert(r.href.clone())).collect())
}

async fn add_concern(State(app): State<App>, ctx: Ctx, Path(symbol): Path<String>, mut mp: Multipart) -> AppResult<Response> {
    let user = ctx.require_user()?.id;
    let id = store::id_by_symbol(&app, &symbol).await?;
    let parts = crate::web::upload::read(&mut mp, "body", &["body", "clauses", "trade_impact"]).await?;
    let text = |name: &str| parts.text(name).unwrap_or("").to_string();
    let input = comments::ConcernInput {
        body: text("body"),
        clauses: text("clauses"),
        trade_impact: text("trade_impact"),
        attachment: parts.files.iter().rev().find(|f| !f.data.is_empty()).map(|f| (f.name.clone(), f.data.clone())),
    };
    comments::add_concern(&app, &ctx, id, user, input).await?;
    let n = store::get(&app, id, lang(&ctx)).await?;
    Ok(crate::web::ctx::redirect_with_flash(&app, &sym_url(&n.symbol), "tbt_concern_saved"))
}

async fn concern_attachment(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.must(&app, &super::policy::Concern::Attachment, id).await?;
    let (name, ct, data) = comments::concern_attachment(&app, id).await?;
    Ok(download::attachment(data, &ct, &name))
}

// ---------------------------------------------------------------------------------------
// Profile and subscriptions (pages)

#[derive(Deserialize, Default)]
struct HsBrowse {
    /// Section (roman numeral), chapter or heading to open in the HS browser.
    hs_open: Option<String>,
}

fn hs_tree(open: Option<&str>, l: &str) -> serde_json::Value {
    let sections: Vec<serde_json::Value> =
        codes::HS.section_order.iter().map(|s| serde_json::json!({"code": s, "name": codes::hs_name(s, l).unwrap_or_default()})).collect();
    let mut path = Vec::new();
    let mut children = Vec::new();
    if let Some(o) = open.map(str::trim).filter(|s| !s.is_empty()) {
        let o = o.to_string();
        // The trail from the section down to the open node.
        let mut cur = Some(o.clone());
        while let Some(c) = cur {
            let parent = codes::HS.entries.get(&c).map(|e| e.parent.clone());
            let name = codes::hs_name(&c, l).unwrap_or_default().to_string();
            path.insert(0, serde_json::json!({"code": c, "name": name}));
            cur = parent;
        }
        children = codes::hs_children(&o)
            .iter()
            .map(|e| serde_json::json!({"code": e.code, "name": codes::hs_name(&e.code, l).unwrap_or(&e.description), "leaf": e.code.len() >= 6}))
            .collect();
    }
    serde_json::json!({"sections": sections, "path": path, "children": children, "open": open})
}

async fn profile_page(
    app: &App,
    ctx: &Ctx,
    status: StatusCode,
    open: Option<&str>,
    error: Option<AppError>,
    form: Option<&ProfileForm>,
) -> AppResult<Response> {
    let u = ctx.require_user()?;
    let l = lang(ctx);
    let acting = crate::orgs::acting(app, u.id).await?;
    let p = alerts::profile(app, &acting).await?;
    let subs = alerts::subscriptions_of(app, acting.owner()).await?;
    let matches = alerts::matches_of(app, acting.owner(), 50).await?;
    // The organisation's products each alert concerns (by HS code), through the rooms'
    // `org_records` hook: the same products its standards watchlist shows.
    let records = match &acting.org {
        Some(o) => {
            let mut codes: Vec<String> = matches.iter().flat_map(|m| m.hs.iter().cloned()).collect();
            codes.sort();
            codes.dedup();
            crate::web::domain::org_records(app, ctx, o.id, &crate::web::domain::OrgKeys::Hs(codes)).await?
        }
        None => Default::default(),
    };
    let products_of = |m: &alerts::MatchView| {
        let mut seen = std::collections::HashSet::new();
        m.hs.iter().flat_map(|c| records.get(c).into_iter().flatten()).filter(|r| seen.insert(r.href.clone())).cloned().collect::<Vec<_>>()
    };
    let token = alerts::calendar_token(app, u.id).await?;
    let (groups, all_members) = market_options(l);
    let (error_field, error) = match error {
        Some(AppError::Invalid { field, message }) => (field, Some(message)),
        Some(e) => (None, Some(e.to_string())),
        None => (None, None),
    };
    let hs_text = form
        .map(|f| f.hs.clone())
        .unwrap_or_else(|| p.hs.iter().map(|h| h.code.clone()).collect::<Vec<_>>().join("; "));
    let kw_text = form.map(|f| f.keywords.clone()).unwrap_or_else(|| p.keywords.join("; "));
    ctx.render_status(
        app,
        status,
        "tbt/profile.html",
        context! {
            p => &p, subs => subs, matches => matches.iter().map(|m| serde_json::json!({"m": m, "url": sym_url(&m.symbol), "products": products_of(m)})).collect::<Vec<_>>(),
            calendar_url => format!("{}/tbt/calendar/{token}.ics", app.config.base_url.trim_end_matches('/')),
            groups => groups, all_members => all_members, tree => hs_tree(open, l), hs_text => hs_text, kw_text => kw_text,
            error => error, error_field => error_field, acting => acting,
        },
    )
}

async fn profile(State(app): State<App>, ctx: Ctx, Query(q): Query<HsBrowse>) -> AppResult<Response> {
    profile_page(&app, &ctx, StatusCode::OK, q.hs_open.as_deref(), None, None).await
}

#[derive(Deserialize, Default)]
struct ProfileForm {
    #[serde(default)]
    hs: String,
    /// Codes ticked in the HS browser.
    #[serde(default)]
    pick: Vec<String>,
    #[serde(default)]
    markets: Vec<String>,
    #[serde(default)]
    keywords: String,
    #[serde(default)]
    frequency: Option<String>,
    #[serde(default)]
    hs_open: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    ics: String,
    #[serde(default)]
    agreements: Vec<String>,
    #[serde(default)]
    sps_objectives: Vec<String>,
}

fn parse_multi_form(body: &[u8]) -> ProfileForm {
    // Repeated keys (markets, pick) are read by hand: serde_urlencoded does not collect them.
    let mut f = ProfileForm::default();
    for (k, v) in form_urlencoded_pairs(body) {
        match k.as_str() {
            "hs" => f.hs = v,
            "pick" => f.pick.push(v),
            "markets" => f.markets.push(v),
            "keywords" => f.keywords = v,
            "frequency" => f.frequency = Some(v),
            "hs_open" => f.hs_open = Some(v),
            "name" => f.name = v,
            "ics" => f.ics = v,
            "agreements" => f.agreements.push(v),
            "sps_objectives" => f.sps_objectives.push(v),
            _ => {}
        }
    }
    f
}

fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    let decode = |s: &str| percent_encoding::percent_decode_str(&s.replace('+', " ")).decode_utf8_lossy().into_owned();
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn input_of(f: &ProfileForm) -> SubscriptionInput {
    let mut hs = vec![f.hs.clone()];
    hs.extend(f.pick.iter().cloned());
    SubscriptionInput {
        name: f.name.clone(),
        members: f.markets.clone(),
        hs: hs.into_iter().filter(|s| !s.trim().is_empty()).collect(),
        ics: vec![f.ics.clone()].into_iter().filter(|s| !s.trim().is_empty()).collect(),
        keywords: vec![f.keywords.clone()],
        agreements: f.agreements.clone(),
        sps_objectives: f.sps_objectives.clone(),
        frequency: f.frequency.clone(),
    }
}

async fn save_profile(State(app): State<App>, ctx: Ctx, body: axum::body::Bytes) -> AppResult<Response> {
    let u = ctx.require_user()?.id;
    let f = parse_multi_form(&body);
    // "Open" in the HS browser re-shows the page with the picks kept in the text box.
    if let Some(open) = f.hs_open.as_deref().filter(|s| !s.is_empty()) {
        let mut keep = f.hs.clone();
        for p in &f.pick {
            keep.push_str("; ");
            keep.push_str(p);
        }
        let kept = ProfileForm {
            hs: keep.trim_start_matches("; ").to_string(),
            keywords: f.keywords.clone(),
            agreements: f.agreements.clone(),
            sps_objectives: f.sps_objectives.clone(),
            ..Default::default()
        };
        return profile_page(&app, &ctx, StatusCode::OK, Some(open), None, Some(&kept)).await;
    }
    let acting = crate::orgs::acting(&app, u).await?;
    match alerts::save_profile(&app, &acting, &input_of(&f)).await {
        Ok(()) => Ok(crate::web::ctx::redirect_with_flash(&app, "/tbt/profile", "tbt_profile_saved")),
        Err(e @ AppError::Invalid { .. }) => profile_page(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, None, Some(e), Some(&f)).await,
        Err(e) => Err(e),
    }
}

async fn form_subscription(State(app): State<App>, ctx: Ctx, body: axum::body::Bytes) -> AppResult<Response> {
    let u = ctx.require_user()?.id;
    let f = parse_multi_form(&body);
    let owner = crate::orgs::acting_owner(&app, u).await?;
    match alerts::create_subscription(&app, u, owner, &input_of(&f), None).await {
        Ok(_) => Ok(crate::web::ctx::redirect_with_flash(&app, "/tbt/profile", "tbt_subscription_saved")),
        Err(e @ AppError::Invalid { .. }) => profile_page(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, None, Some(e), None).await,
        Err(e) => Err(e),
    }
}

async fn form_delete_subscription(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let owner = crate::orgs::acting_owner(&app, ctx.require_user()?.id).await?;
    alerts::delete_subscription(&app, owner, id).await?;
    Ok(crate::web::ctx::redirect_with_flash(&app, "/tbt/profile", "tbt_subscription_deleted"))
}

// ---------------------------------------------------------------------------------------
// Calendars

fn ics_response(body: String) -> Response {
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
    r
}

#[derive(Deserialize, utoipa::IntoParams)]
struct CalQuery {
    member: Option<String>,
}

async fn public_calendar(State(app): State<App>, Query(q): Query<CalQuery>) -> AppResult<Response> {
    Ok(ics_response(alerts::public_calendar(&app, q.member.as_deref()).await?))
}

async fn user_calendar(State(app): State<App>, Path(token): Path<String>) -> AppResult<Response> {
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    let user = alerts::user_of_token(&app, token).await?;
    Ok(ics_response(alerts::user_calendar(&app, user).await?))
}

// ---------------------------------------------------------------------------------------
// Statistics

fn highlighted(code: &str) -> bool {
    members::ASEAN.contains(&code) || members::group("GZ").is_some_and(|g| g.members.contains(&code))
}

#[derive(Deserialize, Default)]
struct StatsQuery {
    /// `tbt` or `sps`; empty = both.
    agreement: Option<String>,
}

/// A (key, year → count, total) series as a table: the name and the count of every year.
fn year_table(s: &store::Stats, series: &super::stats::Series, name: impl Fn(&str) -> String) -> Vec<serde_json::Value> {
    series
        .iter()
        .map(|(k, y, t)| serde_json::json!({"code": k, "name": name(k), "years": s.years.iter().map(|yy| y.get(yy).copied().unwrap_or(0)).collect::<Vec<_>>(), "total": t}))
        .collect()
}

async fn stats(State(app): State<App>, ctx: Ctx, Query(q): Query<StatsQuery>) -> AppResult<Response> {
    let l = lang(&ctx);
    let s = store::stats(&app, q.agreement.as_deref()).await?;
    let members_chart = crate::web::chart::bar(
        &ctx.t("tbt.stats_by_member"),
        &s.by_member
            .iter()
            .take(25)
            .map(|(m, _, t)| (format!("{} {}", members::name(m, l), m), *t, highlighted(m)))
            .collect::<Vec<_>>(),
    );
    let years_chart = crate::web::chart::bar(
        &ctx.t("tbt.stats_by_year"),
        &s.by_year.iter().map(|(y, n)| (y.clone(), *n, false)).collect::<Vec<_>>(),
    );
    let agreement_chart = crate::web::chart::bar(
        &ctx.t("sps.stats_by_agreement"),
        &s.by_agreement.iter().map(|(a, _, n)| (ctx.t(&format!("sps.agreement_{a}")), *n, a == "sps")).collect::<Vec<_>>(),
    );
    let group_chart = crate::web::chart::bar(
        &ctx.t("sps.stats_by_group"),
        &s.by_group.iter().map(|(g, _, n)| (members::group_name(g, l), *n, g == "ASEAN")).collect::<Vec<_>>(),
    );
    let obj_chart = crate::web::chart::bar(
        &ctx.t("tbt.stats_by_objective"),
        &s.by_objective.iter().take(20).map(|(o, _, n)| (codes::objective_label(o, l), *n, false)).collect::<Vec<_>>(),
    );
    let sec_chart = crate::web::chart::bar(
        &ctx.t("tbt.stats_by_section"),
        &s.by_section.iter().map(|(c, name, _, n)| (format!("{c} {}", codes::hs_name(c, l).unwrap_or(name)), *n, false)).collect::<Vec<_>>(),
    );
    let asean: i64 = s.by_member.iter().filter(|m| members::ASEAN.contains(&m.0.as_str())).map(|m| m.2).sum();
    let main: i64 = s.by_member.iter().filter(|m| highlighted(&m.0)).map(|m| m.2).sum();
    let table: Vec<serde_json::Value> = s
        .by_member
        .iter()
        .take(60)
        .map(|(m, y, t)| {
            serde_json::json!({"code": m, "name": members::name(m, l), "years": s.years.iter().map(|yy| y.get(yy).copied().unwrap_or(0)).collect::<Vec<_>>(), "total": t, "hi": highlighted(m), "asean": members::ASEAN.contains(&m.as_str())})
        })
        .collect();
    let groups = year_table(&s, &s.by_group, |g| members::group_name(g, l));
    let agreements = year_table(&s, &s.by_agreement, |a| ctx.t(&format!("sps.agreement_{a}")));
    let objectives = year_table(&s, &s.by_objective, |o| codes::objective_label(o, l));
    let sections: Vec<serde_json::Value> = s
        .by_section
        .iter()
        .map(|(c, name, y, t)| serde_json::json!({"code": c, "name": codes::hs_name(c, l).unwrap_or(name), "years": s.years.iter().map(|yy| y.get(yy).copied().unwrap_or(0)).collect::<Vec<_>>(), "total": t}))
        .collect();
    // The charts are built in Rust with every label escaped (web::chart::bar).
    ctx.render(
        &app,
        "tbt/stats.html",
        context! {
            s => &s, table => table, asean => asean, main => main,
            groups => groups, agreements => agreements, objectives => objectives, sections => sections,
            members_chart => minijinja::Value::from_safe_string(members_chart),
            years_chart => minijinja::Value::from_safe_string(years_chart),
            agreement_chart => minijinja::Value::from_safe_string(agreement_chart),
            group_chart => minijinja::Value::from_safe_string(group_chart),
            obj_chart => minijinja::Value::from_safe_string(obj_chart),
            sec_chart => minijinja::Value::from_safe_string(sec_chart),
        },
    )
}

async fn stats_csv(State(app): State<App>, Query(q): Query<StatsQuery>) -> AppResult<Response> {
    let s = store::stats(&app, q.agreement.as_deref()).await?;
    let mut csv = download::Csv::new(&["dimension", "key", "name", "year", "count"])?;
    for (m, years, _) in &s.by_member {
        for (y, n) in years {
            csv.row(["member", m.as_str(), &members::name(m, "en"), y.as_str(), &n.to_string()])?;
        }
    }
    // Totals first (year empty), then the same per year.
    for (o, _, n) in &s.by_objective {
        csv.row(["objective", o.as_str(), "", "", &n.to_string()])?;
    }
    for (c, name, _, n) in &s.by_section {
        csv.row(["hs_section", c.as_str(), name.as_str(), "", &n.to_string()])?;
    }
    for (y, n) in &s.by_year {
        csv.row(["year", y.as_str(), "", y.as_str(), &n.to_string()])?;
    }
    for (dim, series) in [("agreement", &s.by_agreement), ("group", &s.by_group), ("objective", &s.by_objective)] {
        for (k, years, n) in series.iter() {
            let name = if dim == "group" { members::group_name(k, "en") } else { String::new() };
            if dim != "objective" {
                csv.row([dim, k.as_str(), &name, "", &n.to_string()])?;
            }
            for (y, n) in years {
                csv.row([dim, k.as_str(), &name, y.as_str(), &n.to_string()])?;
            }
        }
    }
    for (c, name, years, _) in &s.by_section {
        for (y, n) in years {
            csv.row(["hs_section", c.as_str(), name.as_str(), y.as_str(), &n.to_string()])?;
        }
    }
    let file = if s.agreement.is_empty() { "tbt-stats.csv".to_string() } else { format!("{}-stats.csv", s.agreement) };
    Ok(download::csv_file(csv.finish()?, &file))
}

// ---------------------------------------------------------------------------------------
// API

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationPage {
    pub items: Vec<store::Notification>,
    pub total: usize,
    pub page: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NotificationDetail {
    #[serde(flatten)]
    pub notification: store::Notification,
    /// The root notification and its addenda, corrigenda and revisions, oldest first.
    pub family: Vec<store::FamilyItem>,
    /// Specific trade concerns raised about it or its family (`/api/v1/trade-concerns/{id}`).
    pub trade_concerns: Vec<super::stc::TradeConcern>,
}

/// Search TBT and SPS notifications (newest first without `q`); `agreement=sps|tbt` keeps to one.
#[utoipa::path(get, path = "/api/v1/tbt/notifications", tag = "tbt", params(Filters), responses((status = 200, body = NotificationPage), (status = 422)))]
pub async fn api_list(State(app): State<App>, ctx: Ctx, Query(f): Query<Filters>) -> AppResult<Json<NotificationPage>> {
    let found = store::search(&app, &f, lang(&ctx), false).await?;
    Ok(Json(NotificationPage {
        items: found.items,
        total: found.total,
        page: f.page.unwrap_or(1).max(1),
    }))
}

/// One TBT or SPS notification by any of its symbols (URL-encoded), with its family and the
/// trade concerns raised about it.
#[utoipa::path(get, path = "/api/v1/tbt/notifications/{symbol}", tag = "tbt", params(("symbol" = String, Path, description = "any of the notification's symbols, URL-encoded (G%2FTBT%2FN%2FUSA%2F1436, G%2FSPS%2FN%2FCHN%2F1234)", example = "G/SPS/N/CHN/1234")),
    responses((status = 200, body = NotificationDetail), (status = 404)))]
pub async fn api_get(State(app): State<App>, ctx: Ctx, Path(symbol): Path<String>) -> AppResult<Json<NotificationDetail>> {
    let id = store::id_by_symbol(&app, &symbol).await?;
    let n = store::get(&app, id, lang(&ctx)).await?;
    let family = store::family(&app, &n).await?;
    let trade_concerns = super::stc::of_notification(&app, &n.symbols, &n.root_symbol, lang(&ctx)).await?;
    Ok(Json(NotificationDetail { notification: n, family, trade_concerns }))
}

/// The subscriptions of whom the caller acts for (themselves or their organisation; `/api/v1/orgs`).
#[utoipa::path(get, path = "/api/v1/tbt/subscriptions", tag = "tbt", responses((status = 200, body = Vec<alerts::Subscription>)))]
pub async fn api_subscriptions(State(app): State<App>, ctx: Ctx) -> AppResult<Json<Vec<alerts::Subscription>>> {
    let owner = crate::orgs::acting_owner(&app, ctx.require_user()?.id).await?;
    Ok(Json(alerts::subscriptions_of(&app, owner).await?))
}

/// Subscribe: members or groups × HS prefixes × ICS prefixes × keywords (empty = any).
#[utoipa::path(post, path = "/api/v1/tbt/subscriptions", tag = "tbt", request_body = SubscriptionInput,
    responses((status = 201, body = alerts::Subscription), (status = 422)))]
pub async fn api_create_subscription(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<SubscriptionInput>) -> AppResult<Response> {
    let u = ctx.require_user()?.id;
    let owner = crate::orgs::acting_owner(&app, u).await?;
    let id = alerts::create_subscription(&app, u, owner, &input, None).await?;
    let s = alerts::subscriptions_of(&app, owner)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(s)).into_response())
}

/// Delete one of the subscriptions of whom the caller acts for.
#[utoipa::path(delete, path = "/api/v1/tbt/subscriptions/{id}", tag = "tbt", params(("id" = i64, Path)), responses((status = 204), (status = 404)))]
pub async fn api_delete_subscription(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<StatusCode> {
    let owner = crate::orgs::acting_owner(&app, ctx.require_user()?.id).await?;
    alerts::delete_subscription(&app, owner, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
