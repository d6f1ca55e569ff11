//! What the standards room offers the portal: on the home page the validity check (paste a
//! list), the catalogue search, and the newly published and soon-to-be-implemented
//! standards; in the site search the best catalogue hits, read from the index payload.

use super::model::SearchItem;
use crate::App;
use crate::web::domain::{Fut, Href, Panel, Place, SearchHit, SearchHook};
use crate::web::{AppResult, Ctx, Lang};
use serde::Serialize;
use serde_json::json;

/// Standards a home-page list shows.
const HOME_ROWS: i64 = 6;

#[derive(Debug, Serialize, sqlx::FromRow)]
struct Line {
    number: String,
    norm: String,
    title_zh: String,
    title_en: String,
    status: String,
    published_at: Option<i64>,
    implemented_at: Option<i64>,
}

#[derive(Debug, Serialize)]
struct HomeLine {
    number: String,
    href: Href,
    title: String,
    status: String,
    published_at: Option<i64>,
    implemented_at: Option<i64>,
}

/// The title in the page's language, else the other one.
fn title_in<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::En if !en.is_empty() => en,
        _ if zh.is_empty() => en,
        _ => zh,
    }
}

fn lines(rows: Vec<Line>, lang: Lang) -> Vec<HomeLine> {
    rows.into_iter()
        .map(|r| HomeLine {
            href: Href::new("/standards/", &r.norm),
            title: title_in(lang, &r.title_zh, &r.title_en).to_string(),
            number: r.number,
            status: r.status,
            published_at: r.published_at,
            implemented_at: r.implemented_at,
        })
        .collect()
}

const COLS: &str = "number, norm, title_zh, title_en, status, published_at, implemented_at";

async fn home(app: &App, lang: Lang) -> AppResult<Vec<Panel>> {
    let now = crate::util::now();
    // Newest first by publication date (an index serves the order); future-dated
    // publications are not news yet.
    let published: Vec<Line> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM standards WHERE published_at IS NOT NULL AND published_at <= $1 ORDER BY published_at DESC, id DESC LIMIT $2"
    )))
    .bind(now)
    .bind(HOME_ROWS)
    .fetch_all(&app.db.pool)
    .await?;
    let upcoming: Vec<Line> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLS} FROM standards WHERE status = 'upcoming' AND implemented_at >= $1 ORDER BY implemented_at ASC, id ASC LIMIT $2"
    )))
    .bind(now - 86_400)
    .bind(HOME_ROWS)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(vec![
        Panel::new("standards/home_check.html", Place::Entrance, 10, json!({})),
        Panel::new("standards/home_search.html", Place::Entrance, 20, json!({})),
        Panel::new("standards/home_list.html", Place::Main, 30, json!({ "id": "new-standards", "title": "entrance.new_standards", "date": "published", "items": lines(published, lang), "more": "/standards?sort=date" })),
        Panel::new("standards/home_list.html", Place::Main, 40, json!({ "id": "upcoming-standards", "title": "entrance.upcoming_standards", "date": "implemented", "items": lines(upcoming, lang), "more": "/standards?status=upcoming" })),
    ])
}

pub fn home_hook(app: &App, lang: Lang) -> Fut<'_, Vec<Panel>> {
    Box::pin(home(app, lang))
}

/// The best catalogue hits of the site search, from the fields stored with each hit.
pub const SEARCH: SearchHook = SearchHook {
    order: 10,
    title: "nav.standards",
    query: |q| search::Query { domain: super::DOMAIN.into(), text: q.into(), limit: 5, ..Default::default() },
    more: Some("/standards?q="),
    render: |_app, ctx, hits| Box::pin(async move { Ok::<_, crate::web::AppError>(render_hits(ctx, hits)) }),
};

fn render_hits(ctx: &Ctx, hits: Vec<search::Hit>) -> Vec<SearchHit> {
    hits.into_iter()
        .filter_map(|h| {
            let item: SearchItem = serde_json::from_str(h.payload.as_deref()?).ok()?;
            Some(SearchHit {
                href: Href::new("/standards/", &item.number),
                title: title_in(ctx.lang, &item.title_zh, &item.title_en).to_string(),
                label: item.number,
                date: None,
            })
        })
        .collect()
}
