//! The programmes room's JSON API (same rights as the pages): the programme types, the
//! applications a user may see (their organisations' own; all for staff; the assigned ones
//! for an expert who declared no conflict), applying, the steps, the reviewer's
//! declaration and scores.

use super::model::{self, AppState, Config};
use super::policy::{self, Application as Act};
use super::store::{self, Application, Whose};
use crate::App;
use crate::auth::Role;
use crate::web::pager::Pager;
use crate::web::{AppError, AppResult, Ctx, JsonIn};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(programmes, applications, create, one, action, declaration, scores, super::files::api_list, super::files::api_upload),
    components(schemas(Config, AppState, model::ProgrammeKind, model::Aggregation, model::FieldDef, model::Criterion, model::Amount, model::AttachmentDef, super::files::FileOut, super::files::FileForm))
)]
pub struct ApiDoc;

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProgrammeList {
    /// The newest version of every programme type, with its whole configuration.
    pub items: Vec<Config>,
}

/// The programme types (public).
#[utoipa::path(get, path = "/api/v1/programmes", tag = "programmes", responses((status = 200, body = ProgrammeList)))]
pub async fn programmes(State(app): State<App>) -> AppResult<Json<ProgrammeList>> {
    Ok(Json(ProgrammeList { items: store::types(&app).await?.into_iter().map(|t| t.config).collect() }))
}

/// An application as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ApplicationOut {
    pub id: i64,
    /// The programme type's code and the version the application was made under.
    pub programme: String,
    pub programme_version: i64,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    #[schema(value_type = AppState)]
    pub state: String,
    pub version: i64,
    pub answers: BTreeMap<String, String>,
    /// The panel's score (points, two decimals), once the review is closed.
    pub score_base: Option<String>,
    pub score_bonus: Option<String>,
    pub grade: String,
    /// Yuan, two decimals (subsidies, once approved).
    pub amount: Option<String>,
    /// RFC 3339: the end of the public notice.
    pub notice_until: Option<String>,
    /// RFC 3339: the end of the certificate's validity (graded programmes).
    pub valid_until: Option<String>,
    pub updated_at: String,
}

fn rfc(t: i64) -> String {
    crate::training::model::rfc3339(t)
}

pub async fn out(app: &App, a: &Application) -> AppResult<ApplicationOut> {
    let version: i64 = sqlx::query_scalar("SELECT version FROM programme_types WHERE id = $1").bind(a.type_id).fetch_one(&app.db.pool).await?;
    Ok(out_with(a, version))
}

/// The API's form of an application made under a type version.
pub fn out_with(a: &Application, type_version: i64) -> ApplicationOut {
    ApplicationOut {
        id: a.id,
        programme: a.programme.clone(),
        programme_version: type_version,
        org_id: a.org_id,
        org_name: a.org_name.clone(),
        title: a.title.clone(),
        state: a.state.clone(),
        version: a.version,
        answers: a.answers(),
        score_base: a.score_base.map(model::fmt_points),
        score_bonus: a.score_bonus.map(model::fmt_points),
        grade: a.grade.clone(),
        amount: a.amount_fen.map(|f| format!("{}.{:02}", f / 100, f % 100)),
        notice_until: a.notice_until.map(rfc),
        valid_until: a.valid_until.map(rfc),
        updated_at: rfc(a.updated_at),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ApplicationList {
    pub items: Vec<ApplicationOut>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

#[derive(Deserialize, utoipa::IntoParams, Default)]
pub struct ListParams {
    /// A state (`submitted`, `notice`, …).
    pub state: Option<String>,
    /// A programme type's code.
    pub programme: Option<String>,
    /// From 1.
    pub page: Option<i64>,
    /// 1–200, default 50.
    pub per_page: Option<i64>,
}

/// Which applications the caller sees in lists: staff all; an expert the ones assigned to
/// them with no conflict declared; anyone their organisations' own.
pub async fn whose_for(app: &App, ctx: &Ctx) -> AppResult<(Option<Vec<i64>>, Option<i64>)> {
    let user = ctx.require_user()?;
    if user.has(Role::Staff) {
        return Ok((None, None));
    }
    let orgs: Vec<i64> = crate::orgs::store::orgs_of(&app.db.pool, user.id).await?.into_iter().map(|o| o.id).collect();
    Ok((Some(orgs), user.has(Role::Expert).then_some(user.id)))
}

/// The applications the caller may see: their organisations' own (an applicant), all
/// (staff), or those assigned to them after their declaration of no conflict (an expert).
#[utoipa::path(get, path = "/api/v1/applications", tag = "programmes", params(ListParams), responses((status = 200, body = ApplicationList), (status = 401), (status = 422)))]
pub async fn applications(State(app): State<App>, ctx: Ctx, Query(q): Query<ListParams>) -> AppResult<Json<ApplicationList>> {
    if let Some(s) = q.state.as_deref() {
        if !super::FLOW.states().contains(&s) {
            return Err(AppError::invalid("state", ctx.t("programmes.err_state")));
        }
    }
    if let Some(p) = q.programme.as_deref() {
        if !store::types(&app).await?.iter().any(|t| t.config.code == p) {
            return Err(AppError::invalid("programme", ctx.t("programmes.err_programme")));
        }
    }
    let per_page = q.per_page.unwrap_or(50);
    if !(1..=200).contains(&per_page) {
        return Err(AppError::invalid("per_page", ctx.t("programmes.err_per_page")));
    }
    let pager = Pager::new(0, q.page.unwrap_or(1), per_page);
    let (orgs, expert) = whose_for(&app, &ctx).await?;
    let (rows, total) = match (&orgs, expert) {
        (None, _) => store::list(&app, Whose::All, q.state.as_deref(), q.programme.as_deref(), &pager).await?,
        (Some(o), None) => store::list(&app, Whose::Orgs(o), q.state.as_deref(), q.programme.as_deref(), &pager).await?,
        // An expert sees their organisations' applications and those assigned to them, in
        // one list (one total, one order, pages that do not overlap).
        (Some(o), Some(u)) => store::list(&app, Whose::OrgsOrReviewer(o, u), q.state.as_deref(), q.programme.as_deref(), &pager).await?,
    };
    let pager = Pager::new(total, pager.page, per_page);
    // The versions of the types, read once for the page.
    let versions: std::collections::HashMap<i64, i64> = sqlx::query_as("SELECT id, version FROM programme_types").fetch_all(&app.db.pool).await?.into_iter().collect();
    let items = rows.iter().map(|r| out_with(r, versions.get(&r.type_id).copied().unwrap_or(0))).collect();
    Ok(Json(ApplicationList { items, total, page: pager.page, pages: pager.pages }))
}

/// A new application of the organisation the caller acts for and administers.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ApplicationIn {
    /// The programme type's code (`good_behaviour`, `demonstration`, `subsidy`).
    pub programme: String,
    /// The form's answers by field key; missing ones are filled from the platform's records.
    #[serde(default)]
    pub answers: BTreeMap<String, String>,
    /// Submit at once (the answers must then be complete); default false (a draft).
    #[serde(default)]
    pub submit: bool,
}

/// Applies for a programme (a draft, or submitted at once).
#[utoipa::path(post, path = "/api/v1/applications", tag = "programmes", request_body = ApplicationIn,
    responses((status = 201, body = ApplicationOut), (status = 404, description = "no such programme"), (status = 409, description = "call closed, or the same work is already funded or applied for"), (status = 422)))]
pub async fn create(State(app): State<App>, ctx: Ctx, JsonIn(input): JsonIn<ApplicationIn>) -> AppResult<Response> {
    let id = store::create(&app, &ctx, &input.programme, &input.answers, vec![], input.submit).await?;
    let a = store::get(&app.db.pool, id).await?;
    Ok((StatusCode::CREATED, Json(out(&app, &a).await?)).into_response())
}

/// One application (the applicant organisation's users, staff, a reviewer after declaring).
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "programmes", params(("id" = i64, Path)), responses((status = 200, body = ApplicationOut), (status = 403), (status = 404)))]
pub async fn one(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Json<ApplicationOut>> {
    ctx.must(&app, &Act::Read, id).await?;
    Ok(Json(out(&app, &store::get(&app.db.pool, id).await?).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ActionIn {
    /// A step of the flow: submit, withdraw, start_check, return, pass_check, skip_review,
    /// close_review, approve, approve_final, reject, object, finalise, start_follow_up,
    /// pass_midterm, fail_midterm, pass_acceptance, fail_acceptance.
    pub action: String,
    /// The reason (required for return, reject, object and the failures).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
    /// The version read; absent: the current one.
    pub version: Option<i64>,
}

/// Takes a step: 409 when the step is not allowed in the application's stage (or the
/// programme does not use it), 403 when the caller may not take it.
#[utoipa::path(post, path = "/api/v1/applications/{id}/actions", tag = "programmes", params(("id" = i64, Path)), request_body = ActionIn,
    responses((status = 200, body = ApplicationOut), (status = 403), (status = 404), (status = 409), (status = 422)))]
pub async fn action(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<ActionIn>) -> AppResult<Json<ApplicationOut>> {
    store::step(&app, &ctx, id, input.version, &input.action, &input.note).await?;
    let a = store::get(&app.db.pool, id).await?;
    if ctx.can(&app, &Act::Read, id).await? || model::PUBLIC_STATES.contains(&a.state.as_str()) {
        Ok(Json(out(&app, &a).await?))
    } else {
        // A withdrawn application is its organisation's; an objector sees no more than the notice.
        Err(AppError::Forbidden)
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct DeclarationIn {
    /// true: a conflict of interest (the reviewer leaves the panel); false: none.
    pub conflict: bool,
    /// The reason, required with a conflict.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

/// An assigned expert's declaration of conflict of interest.
#[utoipa::path(post, path = "/api/v1/applications/{id}/declaration", tag = "programmes", params(("id" = i64, Path)), request_body = DeclarationIn,
    responses((status = 204), (status = 403, description = "not assigned"), (status = 409, description = "already declared"), (status = 422)))]
pub async fn declaration(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<DeclarationIn>) -> AppResult<StatusCode> {
    super::review::declare(&app, &ctx, id, input.conflict, &input.note).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ScoreLine {
    /// Points (up to two decimals) or "na" for an item that cannot apply.
    pub points: String,
    #[serde(default)]
    pub comment: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ScoresIn {
    /// One line per criterion of the programme's sheet, by key.
    pub scores: BTreeMap<String, ScoreLine>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SheetOut {
    pub base: String,
    pub bonus: String,
}

/// A reviewer's scoring sheet (after declaring no conflict), in one transaction.
#[utoipa::path(post, path = "/api/v1/applications/{id}/scores", tag = "programmes", params(("id" = i64, Path)), request_body = ScoresIn,
    responses((status = 200, body = SheetOut), (status = 403, description = "not assigned, or no declaration yet"), (status = 409, description = "the review is not open"), (status = 422)))]
pub async fn scores(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, JsonIn(input): JsonIn<ScoresIn>) -> AppResult<Json<SheetOut>> {
    let given = input.scores.into_iter().map(|(k, l)| (k, (l.points, l.comment))).collect();
    let s = super::review::score(&app, &ctx, id, &given).await?;
    Ok(Json(SheetOut { base: model::fmt_points(s.base), bonus: model::fmt_points(s.bonus) }))
}

/// Whether the caller may apply at all (acting for an organisation they administer).
pub async fn may_apply(app: &App, ctx: &Ctx) -> bool {
    policy::applicant_org(app, ctx).await.is_ok()
}
