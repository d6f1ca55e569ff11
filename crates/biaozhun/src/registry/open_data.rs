//! Open data: the public declarations and the conformity results as bulk files, CSV and
//! JSON Lines, either the whole current state (the daily snapshot) or what changed since a
//! date (`?since=YYYY-MM-DD`, Asia/Shanghai), so that other platforms stop scraping
//! (docs/registry.md documents the columns).

use super::declarations::{self, DeclarationOut};
use super::store::Filter;
use crate::App;
use crate::web::download::{Csv, attachment, csv_file};
use crate::web::ratelimit::Class;
use crate::web::{Access, AppError, AppResult, Ctx, Routes};
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

/// Most declarations one file holds; a later page with `offset`.
pub const MAX_ROWS: i64 = 10_000;

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/open/declarations/export.csv", Access::Public, declarations_csv)
        .limit(Class::Export)
        .get("/api/v1/open/declarations/export.jsonl", Access::Public, declarations_jsonl)
        .limit(Class::Export)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ExportQuery {
    /// Only declarations declared, flagged or with results since this day (`YYYY-MM-DD`).
    since: Option<String>,
    offset: Option<i64>,
}

async fn rows(app: &App, ctx: &Ctx, q: &ExportQuery) -> AppResult<Vec<DeclarationOut>> {
    let since = match q.since.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => {
            let (y, m, d) = stdnum::date::parse_date(s.trim()).map_err(|e| AppError::invalid("since", ctx.tf("registry.err_date", &[("cause", &e.to_string())])))?;
            Some(crate::standards::model::date_ts(y, m, d))
        }
        None => None,
    };
    let all = declarations::search(app, &Filter::default(), MAX_ROWS, q.offset.unwrap_or(0)).await?;
    let Some(since) = since else { return Ok(all) };
    let changed = declarations::changed_since(app, since).await?;
    Ok(all.into_iter().filter(|d| changed.contains(&d.id)).collect())
}

/// Public declarations as CSV: one line per declaration and cited standard.
#[utoipa::path(get, path = "/api/v1/open/declarations/export.csv", tag = "registry", params(ExportQuery), responses((status = 200, content_type = "text/csv"), (status = 422)))]
pub async fn declarations_csv(State(app): State<App>, ctx: Ctx, Query(q): Query<ExportQuery>) -> AppResult<Response> {
    let list = rows(&app, &ctx, &q).await?;
    let mut csv = Csv::new(&["declaration_id", "credit_code", "organisation", "product", "model", "gtin", "standard", "status", "current", "flag", "results", "declared_at"])?;
    for d in &list {
        let results = d.results.iter().map(|r| format!("{} {} {} {}", r.standard, r.outcome, r.report_no, r.tested_on)).collect::<Vec<_>>().join("; ");
        let flag = d.flags.join("; ");
        let at = crate::util::fmt_date(d.declared_at);
        if d.standards.is_empty() {
            csv.row([d.id.to_string(), d.organisation.clone(), d.organisation_name.clone(), d.product.clone(), d.model.clone(), d.gtin.clone(), String::new(), String::new(), String::new(), flag.clone(), results.clone(), at.clone()])?;
        }
        for s in &d.standards {
            csv.row([
                d.id.to_string(),
                d.organisation.clone(),
                d.organisation_name.clone(),
                d.product.clone(),
                d.model.clone(),
                d.gtin.clone(),
                s.number.clone(),
                s.status.clone(),
                s.current.clone().unwrap_or_default(),
                flag.clone(),
                results.clone(),
                at.clone(),
            ])?;
        }
    }
    Ok(csv_file(csv.finish()?, "declarations.csv"))
}

/// Public declarations as JSON Lines: one declaration a line, as the API shows it.
#[utoipa::path(get, path = "/api/v1/open/declarations/export.jsonl", tag = "registry", params(ExportQuery), responses((status = 200, content_type = "application/jsonl"), (status = 422)))]
pub async fn declarations_jsonl(State(app): State<App>, ctx: Ctx, Query(q): Query<ExportQuery>) -> AppResult<Response> {
    let list = rows(&app, &ctx, &q).await?;
    let mut out = Vec::new();
    for d in &list {
        serde_json::to_writer(&mut out, d).map_err(|e| AppError::Internal(e.into()))?;
        out.push(b'\n');
    }
    Ok(attachment(out, "application/jsonl; charset=utf-8", "declarations.jsonl"))
}
