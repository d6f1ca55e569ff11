//! What the content room shows on the portal's pages: the outline and the news, notice and
//! policy lists on the home page, draft articles in the staff queue, members-only notices in
//! the member area, and articles in the site search.

use super::store;
use crate::App;
use crate::web::domain::{Fut, Href, Link, Panel, Place, SearchHit, SearchHook, Todo};
use crate::web::{Ctx, Lang};
use serde_json::json;

pub async fn home(app: &App, _lang: Lang) -> crate::web::AppResult<Vec<Panel>> {
    let outline: Option<Option<i64>> = sqlx::query_scalar("SELECT published_at FROM articles WHERE slug = $1 AND status = 'published'")
        .bind(super::seed::OUTLINE_SLUG)
        .fetch_optional(&app.db.pool)
        .await?;
    let mut out = Vec::new();
    if let Some(published_at) = outline {
        out.push(Panel::new("content/home_outline.html", Place::Main, 10, json!({ "slug": super::seed::OUTLINE_SLUG, "published_at": published_at })));
    }
    for (order, kind, title, href) in [(60, "news", "nav.news", "/news"), (70, "notice", "nav.notices", "/notices"), (80, "policy", "nav.policies", "/policies")] {
        let page = store::list(app, Some(kind), false, 1, 8).await?;
        out.push(Panel::new("content/home_list.html", Place::Main, order, json!({ "kind": kind, "title": title, "href": href, "items": page.items })));
    }
    Ok(out)
}

pub fn home_hook<'a>(app: &'a App, lang: Lang) -> Fut<'a, Vec<Panel>> {
    Box::pin(home(app, lang))
}

pub fn staff_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Todo>> {
    Box::pin(async move {
        let drafts = store::draft_count(app).await?;
        Ok::<_, crate::web::AppError>(vec![Todo {
            label: ctx.t("staff.draft_articles"),
            count: drafts,
            href: "/staff/articles".into(),
            note: None,
            also: Some(Link { label: ctx.t("staff.new_article"), href: "/staff/articles/new".into() }),
            order: 20,
        }])
    })
}

/// Members-only notices (with the public ones) for the member area.
pub fn member_hook<'a>(app: &'a App, _ctx: &'a Ctx) -> Fut<'a, Vec<Panel>> {
    Box::pin(async move {
        let notices = store::list(app, Some("notice"), true, 1, 20).await?;
        Ok::<_, crate::web::AppError>(vec![Panel::new("content/member_notices.html", Place::Main, 30, json!({ "items": notices.items }))])
    })
}

pub const SEARCH: SearchHook = SearchHook {
    order: 30,
    title: "search.articles",
    query: |q| store::search_query(q, 50),
    more: None,
    render: |app, ctx, hits| Box::pin(render_hits(app, ctx, hits)),
};

async fn render_hits(app: &App, _ctx: &Ctx, hits: Vec<search::Hit>) -> crate::web::AppResult<Vec<SearchHit>> {
    Ok(store::published_hits(app, &hits)
        .await?
        .into_iter()
        .map(|a| SearchHit { href: Href::new("/articles/", &a.slug.clone().unwrap_or_else(|| a.id.to_string())), label: String::new(), title: a.title, date: a.published_at })
        .collect())
}
