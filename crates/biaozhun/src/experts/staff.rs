//! Staff pages of the experts room: the whole pool with its states, a profile with its
//! history and the approval buttons, the import upload, tier applications, and draws (the
//! form, a draw's page with its invitations, the replay, and the masked XLSX export).

use super::draw;
use super::model::{DrawRequest, mask_email, mask_id, mask_phone};
use super::store;
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, Routes};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/experts", Access::Staff, pool)
        .post("/staff/experts/import", Access::Staff, import)
        .get("/staff/experts/tiers", Access::Staff, tiers)
        .post("/staff/experts/tiers/{id}/step", Access::Staff, tier_step)
        .get("/staff/experts/draws", Access::Staff, draws)
        .post("/staff/experts/draws", Access::Staff, make_draw)
        .get("/staff/experts/draws/{id}", Access::Staff, draw_page)
        .post("/staff/experts/draws/{id}/replay", Access::Staff, replay)
        .get("/staff/experts/{id}", Access::Staff, profile)
        .post("/staff/experts/{id}/step", Access::Staff, step)
        .get("/staff/experts/draws/{id}/export.xlsx", Access::Staff, export)
        .limit(crate::web::ratelimit::Class::Export)
}

#[derive(Deserialize, Default)]
struct PoolQuery {
    status: Option<String>,
    field: Option<String>,
    page: Option<String>,
}

const STATES: [&str; 6] = ["all", "submitted", "approved", "returned", "draft", "suspended"];

async fn pool(State(app): State<App>, ctx: Ctx, Query(q): Query<PoolQuery>) -> AppResult<Response> {
    let status = q.status.clone().filter(|s| STATES.contains(&s.as_str())).unwrap_or_else(|| "all".into());
    let page: i64 = q.page.as_deref().and_then(|p| p.parse().ok()).unwrap_or(1).clamp(1, crate::web::pager::MAX_PAGE);
    let f = store::Filter { field: q.field.clone(), tier: None, status: Some(status.clone()), offset: (page - 1) * 100, limit: 100 };
    let (rows, total) = store::list(&app, &f).await?;
    let pager = crate::web::pager::Pager::new(total, page, 100);
    let href = format!("/staff/experts?status={status}&");
    ctx.render(&app, "experts/staff_list.html", context! { rows => rows, total => total, status => status, states => STATES, pager => pager, href => href })
}

async fn import(State(app): State<App>, ctx: Ctx, mut mp: axum::extract::Multipart) -> AppResult<Response> {
    crate::imports::stage_upload(&app, &ctx, &mut mp, "experts_import", &ctx.t("experts.err_no_file")).await
}

async fn profile(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let e = store::get(&app, id).await?;
    let history = crate::workflow::history(&app.db, &super::PROFILE_FLOW, id).await?;
    let actor = crate::workflow::Actor::of(&ctx)?;
    let moves: Vec<_> = super::PROFILE_FLOW
        .choices(&e.status, &actor, e.user_id)
        .into_iter()
        .filter(|m| m.action != "update")
        .map(|m| serde_json::json!({ "action": m.action, "label": super::PROFILE_FLOW.action_key(m.action) }))
        .collect();
    let away = store::away_of(&app, id).await?;
    let invitations = draw::invitations_of_expert(&app, id).await?;
    let tiers = store::tier_applications(&app, Some(id)).await?;
    ctx.render(&app, "experts/staff_profile.html", context! { e => e, history => history, moves => moves, away => away, invitations => invitations, tiers => tiers })
}

#[derive(Deserialize, Default)]
struct StepForm {
    #[serde(default)]
    action: String,
    version: Option<String>,
    #[serde(default)]
    note: String,
}

impl StepForm {
    fn version(&self, current: i64) -> i64 {
        self.version.as_deref().and_then(|v| v.parse().ok()).unwrap_or(current)
    }
}

async fn step(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<StepForm>) -> AppResult<Response> {
    let e = store::get(&app, id).await?;
    store::step(&app, &ctx, id, f.version(e.version), &f.action, &f.note).await?;
    Ok(redirect_with_flash(&app, &format!("/staff/experts/{id}"), "experts_moved"))
}

async fn tiers(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let apps = store::tier_applications(&app, None).await?;
    let counts = store::tier_counts(&app).await?;
    ctx.render(&app, "experts/staff_tiers.html", context! { apps => apps, counts => counts })
}

async fn tier_step(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<StepForm>) -> AppResult<Response> {
    let current: Option<i64> = sqlx::query_scalar("SELECT version FROM expert_tier_applications WHERE id = $1").bind(id).fetch_optional(&app.db.pool).await?;
    let current = current.ok_or(AppError::NotFound)?;
    store::decide_tier(&app, &ctx, id, f.version(current), &f.action, &f.note).await?;
    Ok(redirect_with_flash(&app, "/staff/experts/tiers", "experts_moved"))
}

// ---------------------------------------------------------------------------------------
// Draws

/// The draw form as typed (lists as text).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DrawForm {
    pub title: String,
    pub fields: String,
    pub count: String,
    pub backups: String,
    pub avoid_organisations: String,
    pub avoid_experts: String,
    pub avoid_recent_draws: String,
    pub date: String,
    pub seed: String,
    pub answer_days: String,
}

fn words(s: &str) -> Vec<String> {
    s.split([';', ',', '；', '，', ' ', '\n', '\r', '\t']).map(str::trim).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

impl DrawForm {
    /// The request, or the field that cannot be read.
    fn request(&self, ctx: &Ctx) -> AppResult<DrawRequest> {
        let num = |field: &'static str, s: &str, default: u64| -> AppResult<u64> {
            if s.trim().is_empty() {
                return Ok(default);
            }
            s.trim().parse::<u64>().map_err(|_| AppError::invalid(field, ctx.t("experts.err_number")))
        };
        let mut avoid_experts = Vec::new();
        for w in words(&self.avoid_experts) {
            avoid_experts.push(w.parse::<i64>().map_err(|_| AppError::invalid("avoid_experts", ctx.t("experts.err_number")))?);
        }
        let seed = if self.seed.trim().is_empty() { None } else { Some(num("seed", &self.seed, 0)?) };
        Ok(DrawRequest {
            fields: words(&self.fields),
            count: num("count", &self.count, 0)?.min(u32::MAX as u64) as u32,
            backups: num("backups", &self.backups, 0)?.min(u32::MAX as u64) as u32,
            avoid_organisations: words(&self.avoid_organisations),
            avoid_experts,
            avoid_recent_draws: num("avoid_recent_draws", &self.avoid_recent_draws, 0)?.min(u32::MAX as u64) as u32,
            date: Some(self.date.clone()).filter(|d| !d.trim().is_empty()),
            seed,
            title: self.title.clone(),
            answer_days: if self.answer_days.trim().is_empty() { None } else { Some(num("answer_days", &self.answer_days, 7)?.min(u32::MAX as u64) as u32) },
            online: false,
        })
    }
}

async fn draws_view(app: &App, ctx: &Ctx, status: StatusCode, form: &DrawForm, error: Option<AppError>) -> AppResult<Response> {
    let list = draw::list(app, 100).await?;
    let list: Vec<_> = list
        .iter()
        .map(|r| serde_json::json!({ "id": r.id, "title": r.title, "created_at": r.created_at, "panel": r.panel_ids().len(), "backups": r.backup_ids().len(), "seed": r.seed }))
        .collect();
    let (error_field, error) = crate::web::form::field_error(error);
    ctx.render_status(app, status, "experts/draws.html", context! { draws => list, form => form, error => error, error_field => error_field })
}

async fn draws(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let form = DrawForm { count: "7".into(), backups: "3".into(), answer_days: "7".into(), ..Default::default() };
    draws_view(&app, &ctx, StatusCode::OK, &form, None).await
}

async fn make_draw(State(app): State<App>, ctx: Ctx, Form(form): Form<DrawForm>) -> AppResult<Response> {
    let result = match form.request(&ctx) {
        Ok(req) => draw::draw(&app, &req, &ctx).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(d) => Ok(redirect_with_flash(&app, &format!("/staff/experts/draws/{}", d.id), "experts_drawn")),
        Err(e) if crate::web::form::reshown(&e) => draws_view(&app, &ctx, e.status(), &form, Some(e)).await,
        Err(e) => Err(e),
    }
}

async fn draw_view(app: &App, ctx: &Ctx, id: i64, replayed: Option<draw::Draw>) -> AppResult<Response> {
    let r = draw::recorded(app, id).await?;
    let snap = r.snapshot()?;
    let invitations = draw::invitations_of_draw(app, id).await?;
    let history = crate::workflow::history(&app.db, &super::DRAW_FLOW, id).await?;
    let same = replayed.as_ref().map(|d| d.panel == r.panel_ids() && d.backups == r.backup_ids());
    let accepted = invitations.iter().filter(|i| i.status == "accepted").count();
    let req = r.request();
    ctx.render(app, "experts/draw.html", context! {
        r => r, req => req, pool => snap.pool.len(), excluded => snap.excluded.len(), invitations => invitations, history => history,
        replayed => replayed, same => same, accepted => accepted, panel => r.panel_ids(), backups => r.backup_ids(),
    })
}

async fn draw_page(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    draw_view(&app, &ctx, id, None).await
}

async fn replay(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let d = draw::replay(&app, &ctx, id).await?;
    draw_view(&app, &ctx, id, Some(d)).await
}

/// The draw as a workbook for the file: who was drawn and their answers, with the phone,
/// the address and the identity number masked.
async fn export(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let r = draw::recorded(&app, id).await?;
    let invitations = draw::invitations_of_draw(&app, id).await?;
    let mut rows = Vec::new();
    for i in &invitations {
        let e = store::get(&app, i.expert_id).await?;
        rows.push(vec![
            i.position.to_string(),
            ctx.t(&format!("experts.role_{}", i.role)),
            e.name.clone(),
            e.title.clone(),
            e.org_name.clone(),
            e.fields.clone(),
            mask_phone(&e.phone),
            mask_email(&e.email),
            mask_id(&e.id_number),
            ctx.t(&format!("experts.istate_{}", i.status)),
        ]);
    }
    let head: Vec<String> = ["position", "role", "name", "title", "org", "fields", "phone", "email", "id_number", "status"].iter().map(|k| ctx.t(&format!("experts.x_{k}"))).collect();
    let facts = vec![
        (ctx.t("experts.draw_title"), r.title.clone()),
        (ctx.t("experts.seed"), r.seed.clone()),
        (ctx.t("experts.algorithm"), r.algorithm.clone()),
        (ctx.t("experts.snapshot_sha256"), r.snapshot_sha256.clone()),
        (ctx.t("experts.drawn_at"), crate::util::fmt_datetime(r.created_at)),
    ];
    let bytes = crate::web::download::xlsx_document(&ctx.tf("experts.draw_n", &[("id", &id.to_string())]), &facts, &head, &rows, &[ctx.t("experts.export_note")])?;
    Ok(crate::web::download::xlsx_file(bytes, &format!("draw-{id}.xlsx")))
}
