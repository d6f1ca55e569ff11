//! What the programmes room offers the portal: the member area's "our applications" (where
//! each stands and what is asked of the applicant), the staff queue's lines (applications
//! waiting for a check, a decision, a final step; open objections), and the daily job that
//! reminds applicants of closing calls, reminds holders of expiring grades and lets expired
//! certificates lapse.

use super::store;
use crate::App;
use crate::web::domain::{Fut, Panel, Place, Todo};
use crate::web::{AppResult, Ctx};
use serde_json::json;

async fn member(app: &App, ctx: &Ctx) -> AppResult<Vec<Panel>> {
    let user = ctx.require_user()?;
    let orgs: Vec<i64> = crate::orgs::store::orgs_of(&app.db.pool, user.id).await?.into_iter().map(|o| o.id).collect();
    if orgs.is_empty() {
        return Ok(vec![]);
    }
    let (rows, total) = store::list(app, store::Whose::Orgs(&orgs), None, None, &crate::web::pager::Pager::new(0, 1, 10)).await?;
    let items: Vec<_> = rows.iter().map(|a| json!({ "id": a.id, "title": a.title, "state": a.state, "updated_at": a.updated_at })).collect();
    Ok(vec![Panel::new("programmes/member_box.html", Place::Main, 45, json!({ "items": items, "total": total }))])
}

pub fn member_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Panel>> {
    Box::pin(member(app, ctx))
}

pub fn staff_hook<'a>(app: &'a App, ctx: &'a Ctx) -> Fut<'a, Vec<Todo>> {
    Box::pin(async move {
        let mut out = Vec::new();
        for (order, state) in [(50, "submitted"), (51, "formal_check"), (52, "expert_review"), (53, "decision"), (54, "notice")] {
            let (n, first): (i64, Option<i64>) =
                sqlx::query_as("SELECT COUNT(*), MIN(updated_at) FROM applications WHERE state = $1").bind(state).fetch_one(&app.db.pool).await?;
            let note = first.map(|t| ctx.tf("programmes.todo_oldest", &[("date", &crate::util::fmt_date(t))]));
            out.push(Todo {
                label: ctx.tf("programmes.todo_state", &[("state", &ctx.t(&format!("programmes.state_{state}")))]),
                count: n,
                href: format!("/staff/applications?state={state}"),
                note,
                also: None,
                order,
            });
        }
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM application_objections WHERE status = 'open'").fetch_one(&app.db.pool).await?;
        out.push(Todo { label: ctx.t("programmes.todo_objections"), count: open, href: "/staff/applications?state=notice".into(), note: None, also: None, order: 55 });
        Ok::<_, crate::web::AppError>(out)
    })
}

pub async fn reminders_job(app: App, _id: i64, _payload: serde_json::Value) -> anyhow::Result<()> {
    send_reminders(&app).await?;
    Ok(())
}

/// Once a day: drafts of a call that closes in one of the type's `remind_days` (whole days
/// from now), grades whose certificate ends in `reevaluate_days`, and the lapse of ended
/// certificates (a step of the platform). Answers the notices sent.
pub async fn send_reminders(app: &App) -> AppResult<usize> {
    let now = crate::util::now();
    let mut sent = 0;
    for t in store::types(app).await? {
        let c = &t.config;
        let Some(closes) = c.closes_at() else { continue };
        let days = (closes - now).div_euclid(86400);
        if closes < now || !c.remind_days.contains(&days) {
            continue;
        }
        // Drafts made under this version: an older version's drafts follow their own call.
        let drafts: Vec<(i64, i64, String)> = sqlx::query_as("SELECT id, org_id, title FROM applications WHERE type_id = $1 AND state = 'draft'").bind(t.id).fetch_all(&app.db.pool).await?;
        let mut tx = app.db.begin().await?;
        for (id, org, title) in drafts {
            let link = format!("/applications/{id}");
            for u in crate::orgs::store::admins_of(&mut *tx, org).await? {
                let n = crate::jobs::notify::Notice { kind: "programme", key: "programmes.notice_closing", args: &[("title", title.as_str()), ("days", &days.to_string())], link: &link, mail: true };
                crate::jobs::notify::send(&mut tx, app, u, n).await?;
                sent += 1;
            }
        }
        tx.commit().await?;
    }
    // Re-evaluation: a reminder on the day a grade enters its last `reevaluate_days`.
    let graded: Vec<(i64, i64, String, i64, i64)> = sqlx::query_as(
        "SELECT a.id, a.org_id, a.title, a.valid_until, a.type_id FROM applications a WHERE a.state = 'final' AND a.valid_until IS NOT NULL",
    )
    .fetch_all(&app.db.pool)
    .await?;
    for (id, org, title, until, type_id) in graded {
        let mut tx = app.db.begin().await?;
        if until <= now {
            let version = store::current_version(&mut tx, id).await?;
            crate::workflow::transition(&mut tx, app, &super::FLOW, id, version, &crate::workflow::Actor::system(crate::web::Lang::Zh), crate::workflow::Step::action("expire")).await?;
        } else {
            let c = store::type_by_id(&mut *tx, type_id).await?.config;
            if c.reevaluate_days > 0 && (until - now).div_euclid(86400) == c.reevaluate_days {
                let link = format!("/applications/{id}");
                for u in crate::orgs::store::admins_of(&mut *tx, org).await? {
                    let date = crate::util::fmt_date(until);
                    let n = crate::jobs::notify::Notice { kind: "programme", key: "programmes.notice_reevaluate", args: &[("title", title.as_str()), ("date", &date)], link: &link, mail: true };
                    crate::jobs::notify::send(&mut tx, app, u, n).await?;
                    sent += 1;
                }
            }
        }
        tx.commit().await?;
    }
    Ok(sent)
}
