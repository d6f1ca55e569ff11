//! What the TBT room offers the portal: an entrance (search the notifications, set up
//! alerts) and the latest notifications with their comment deadlines on the home page, open
//! comments in the staff queue, and notifications in the site search.

use super::store;
use crate::App;
use crate::web::domain::{Fut, Href, Panel, Place, SearchHit, SearchHook, Todo};
use crate::web::{AppResult, Ctx, Lang};
use serde_json::json;

/// Notifications the home page lists.
const HOME_ROWS: i64 = 6;

async fn home(app: &App, lang: Lang) -> AppResult<Vec<Panel>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tbt_notifications ORDER BY distribution_date DESC, id DESC LIMIT $1")
        .bind(HOME_ROWS)
        .fetch_all(&app.db.pool)
        .await?;
    let items: Vec<serde_json::Value> = store::by_ids(app, &ids, lang.code())
        .await?
        .into_iter()
        .map(|n| {
            json!({
                "href": Href::new("/tbt/notifications/", &n.symbol), "symbol": n.symbol, "title": n.title, "member": n.member.name,
                "distribution_date": n.distribution_date, "comment_deadline": n.comment_deadline, "days_left": n.days_left, "open": n.open,
            })
        })
        .collect();
    Ok(vec![
        Panel::new("tbt/home_entrance.html", Place::Entrance, 30, json!({})),
        Panel::new("tbt/home_latest.html", Place::Main, 20, json!({ "items": items })),
    ])
}

pub fn home_hook(app: &App, lang: Lang) -> Fut<'_, Vec<Panel>> {
    Box::pin(home(app, lang))
}

/// Notifications nearing their domestic deadline, and comments not closed yet.
pub fn staff_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Todo>> {
    Box::pin(async move {
        let (count, oldest): (i64, Option<i64>) = sqlx::query_as("SELECT COUNT(*), MIN(created_at) FROM tbt_comments WHERE state <> 'closed'")
            .fetch_one(&app.db.pool)
            .await?;
        // Notifications whose domestic deadline comes within two weeks, still open.
        let due = super::stats::queue(app, 14, ctx.lang.code()).await?;
        let first = due.first().and_then(|q| q.domestic_deadline.clone()).map(|d| ctx.tf("entrance.tbt_first_due", &[("date", &d)]));
        let oldest = oldest.map(|t| ctx.tf("staff.oldest", &[("date", &crate::util::fmt_date(t))]));
        Ok::<_, crate::web::AppError>(vec![
            Todo { label: ctx.t("entrance.tbt_due"), count: due.len() as i64, href: "/staff/tbt".into(), note: first, also: None, order: 30 },
            Todo { label: ctx.t("entrance.tbt_open_comments"), count, href: "/staff/tbt".into(), note: oldest, also: None, order: 31 },
        ])
    })
}

/// The member area's "my TBT alerts": the latest matches of the subscriptions of whom the
/// member acts for, with their deadlines.
pub fn member_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Panel>> {
    Box::pin(async move {
        let user = ctx.require_user()?;
        let acting = crate::orgs::store::acting(app, user.id).await?;
        let matches = super::alerts::matches_of(app, acting.owner(), 5).await?;
        let items: Vec<serde_json::Value> = matches
            .into_iter()
            .map(|m| json!({ "href": Href::new("/tbt/notifications/", &m.symbol), "symbol": m.symbol, "title": m.title, "comment_deadline": m.comment_deadline, "days_left": m.days_left }))
            .collect();
        Ok::<_, crate::web::AppError>(vec![Panel::new("tbt/member_alerts.html", Place::Main, 25, json!({ "items": items }))])
    })
}

pub const SEARCH: SearchHook = SearchHook {
    order: 20,
    title: "nav.tbt",
    query: |q| search::Query { domain: super::DOMAIN.into(), text: q.into(), limit: 5, ..Default::default() },
    more: Some("/tbt?q="),
    render: |app, ctx, hits| Box::pin(render_hits(app, ctx, hits)),
};

/// Hits from the fields stored with them; an index written before they were stored is
/// read from the records instead.
async fn render_hits(app: &App, ctx: &Ctx, hits: Vec<search::Hit>) -> AppResult<Vec<SearchHit>> {
    let stored: Option<Vec<super::model::SearchLine>> =
        hits.iter().map(|h| h.payload.as_deref().and_then(|p| serde_json::from_str(p).ok())).collect();
    if let Some(lines) = stored {
        return Ok(lines
            .into_iter()
            .map(|l| SearchHit { href: Href::new("/tbt/notifications/", &l.symbol), label: l.symbol, title: l.title, date: None })
            .collect());
    }
    let ids: Vec<i64> = hits.iter().filter_map(|h| crate::indexer::id_of(super::DOMAIN, &h.key)).collect();
    Ok(store::by_ids(app, &ids, ctx.lang.code())
        .await?
        .into_iter()
        .map(|n| SearchHit { href: Href::new("/tbt/notifications/", &n.symbol), label: n.symbol, title: n.title, date: None })
        .collect())
}
