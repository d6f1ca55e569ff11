//! The staff side: the application queue (paged, by state and programme; indexed on
//! (state, updated_at, id)), assigning reviewers, resolving objections of the public notice,
//! the payments list of approved subsidies (XLSX), and marking an organisation seriously
//! untrustworthy.

use super::store::{self, Whose};
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::pager::Pager;
use crate::web::{AppError, AppResult, Ctx, Form};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

/// Rows a page of the queue shows.
pub const PER_PAGE: i64 = 50;

pub async fn queue(State(app): State<App>, ctx: Ctx, Query(q): Query<super::pages::PageQuery>) -> AppResult<Response> {
    let state = q.state.as_deref().filter(|s| super::FLOW.states().contains(s));
    let programme = q.programme.as_deref().filter(|p| !p.is_empty());
    let pager = Pager::new(0, q.page.unwrap_or(1), PER_PAGE);
    let (rows, total) = store::list(&app, Whose::All, state, programme, &pager).await?;
    let pager = Pager::new(total, pager.page, PER_PAGE);
    let types: Vec<_> = store::types(&app).await?.into_iter().map(|t| (t.config.code.clone(), t.config.title(ctx.lang).to_string())).collect();
    let mut href = String::from("/staff/applications?");
    if let Some(s) = state {
        href.push_str(&format!("state={s}&"));
    }
    if let Some(p) = programme {
        href.push_str(&format!("programme={}&", crate::web::domain::Href::new("", p).as_str()));
    }
    ctx.render(&app, "programmes/staff_list.html", context! {
        items => rows, pager => pager, href => href, states => super::FLOW.states(), state => state.unwrap_or(""),
        types => types, programme => programme.unwrap_or(""),
    })
}

#[derive(Deserialize, Default)]
pub struct ReviewerForm {
    #[serde(default)]
    pub username: String,
}

pub async fn assign(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<ReviewerForm>) -> AppResult<Response> {
    super::review::assign_named(&app, &ctx, id, &f.username).await?;
    Ok(redirect_with_flash(&app, &format!("/applications/{id}"), "programme_reviewer_assigned"))
}

/// Draws the application's panel from the expert pool (422 naming the field for too few
/// eligible experts or a bad field).
pub async fn draw(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<super::review::DrawForm>) -> AppResult<Response> {
    super::review::draw_panel(&app, &ctx, id, &f).await?;
    Ok(redirect_with_flash(&app, &format!("/applications/{id}"), "programme_panel_drawn"))
}

#[derive(Deserialize, Default)]
pub struct ResolveForm {
    /// `upheld` or `dismissed`.
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub note: String,
}

pub async fn resolve(State(app): State<App>, ctx: Ctx, Path((id, objection)): Path<(i64, i64)>, Form(f): Form<ResolveForm>) -> AppResult<Response> {
    let upheld = match f.decision.as_str() {
        "upheld" => true,
        "dismissed" => false,
        _ => return Err(AppError::invalid("decision", ctx.t("programmes.err_decision"))),
    };
    store::resolve(&app, &ctx, id, objection, upheld, &f.note).await?;
    Ok(redirect_with_flash(&app, &format!("/applications/{id}"), "programme_resolved"))
}

/// The approved subsidies (in notice or final): one row per payment, for the finance office.
pub async fn payments(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let rows: Vec<(i64, String, String, String, String, i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT a.id, o.name, o.uscc, a.title, a.data, a.amount_fen, a.state, a.notice_until FROM applications a JOIN organisations o ON o.id = a.org_id \
         WHERE a.programme = 'subsidy' AND a.amount_fen IS NOT NULL AND a.state IN ('notice', 'final') ORDER BY a.id",
    )
    .fetch_all(&app.db.pool)
    .await?;
    let head: Vec<String> = ["pay_id", "pay_org", "pay_uscc", "pay_item", "pay_level", "pay_work", "pay_amount", "pay_state"].iter().map(|k| ctx.t(&format!("programmes.{k}"))).collect();
    let mut total = 0;
    let body: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(id, org, uscc, _title, data, fen, state, _)| {
            total += fen;
            let d: std::collections::BTreeMap<String, String> = serde_json::from_str(&data).unwrap_or_default();
            let word = |k: &str| d.get(k).map(|v| ctx.t(&format!("programmes.choice_{v}"))).unwrap_or_default();
            vec![id.to_string(), org, uscc, word("item"), word("level"), d.get("work").cloned().unwrap_or_default(), format!("{}.{:02}", fen / 100, fen % 100), ctx.t(&format!("programmes.state_{state}"))]
        })
        .collect();
    let notes = vec![ctx.tf("programmes.pay_total", &[("total", &format!("{}.{:02}", total / 100, total % 100)), ("n", &body.len().to_string())])];
    let bytes = crate::web::download::xlsx_document(&ctx.t("programmes.payments"), &[], &head, &body, &notes)?;
    Ok(crate::web::download::xlsx_file(bytes, "subsidy-payments.xlsx"))
}

#[derive(Deserialize, Default)]
pub struct FlagForm {
    #[serde(default, deserialize_with = "crate::web::form::checkbox")]
    pub flag: bool,
    #[serde(default)]
    pub note: String,
}

/// Staff mark (or clear) an organisation as seriously untrustworthy, with the reason (audited).
pub async fn untrustworthy(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<FlagForm>) -> AppResult<Response> {
    if f.flag && f.note.trim().is_empty() {
        return Err(AppError::invalid("note", ctx.t("programmes.err_flag_reason")));
    }
    crate::orgs::store::set_untrustworthy(&app, &ctx, id, f.flag, &f.note).await?;
    Ok(redirect_with_flash(&app, "/staff/applications", "programme_flag_saved"))
}
