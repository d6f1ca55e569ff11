//! The programmes' pages: the public list of programmes and of notices (公示) with the
//! objection form; applying (a form built from the type's fields, pre-filled from the
//! platform's records), the applicant's list and an application's page (what it waits for
//! and what is asked of them, the steps they may take, its history); the reviewer's list,
//! declaration and scoring sheet.

use super::model::{self, Config};
use super::policy::{self, Application as Act};
use super::store::{self, Application};
use super::{api, review};
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::pager::Pager;
use crate::web::{AppError, AppResult, Ctx, Form, Lang, upload};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn label<'a>(lang: Lang, zh: &'a str, en: &'a str) -> &'a str {
    if lang == Lang::En { en } else { zh }
}

/// A programme type for templates, in the page's language.
pub fn type_view(c: &Config, lang: Lang) -> Value {
    json!({
        "code": c.code, "version": c.version, "kind": store::kind_str(c.kind), "title": c.title(lang),
        "summary": label(lang, &c.summary_zh, &c.summary_en), "opens": c.opens_at(), "closes": c.closes_at(),
        "open": c.open_at(crate::util::now()), "expert_review": c.expert_review, "notice_days": c.notice_days,
        "follow_up": c.follow_up, "aggregation": c.aggregation, "grading": c.grading,
        "criteria": c.criteria.iter().map(|cr| json!({ "key": cr.key, "label": label(lang, &cr.label_zh, &cr.label_en), "max": cr.max, "part": cr.part, "na_allowed": cr.na_allowed })).collect::<Vec<_>>(),
        "amounts": c.amounts.iter().map(|a| json!({ "item": a.item, "level": a.level, "yuan": crate::util::grouped(a.yuan as u64) })).collect::<Vec<_>>(),
        "thresholds": c.grading.as_deref().and_then(model::thresholds).map(|t| t.rules),
    })
}

/// The form's fields with their values and the attachments with their files, for the apply
/// and edit forms and the page.
fn fields_view(c: &Config, lang: Lang, answers: &BTreeMap<String, String>, files: &[super::files::FileOut]) -> Value {
    let fields: Vec<Value> = c
        .fields
        .iter()
        .map(|f| json!({ "key": f.key, "type": f.kind, "label": label(lang, &f.label_zh, &f.label_en), "required": f.required,
            "max_len": f.max_len.unwrap_or(if f.kind == "textarea" { 4000 } else { 200 }), "min": f.min, "max": f.max, "choices": f.choices,
            "value": answers.get(&f.key).cloned().unwrap_or_default(), "prefilled": f.prefill.is_some() }))
        .collect();
    let attachments = super::files::view(c, lang, files);
    // A graded programme's self-assessment, clause by clause.
    let clauses: Vec<Value> = if c.kind == model::ProgrammeKind::Grading {
        c.criteria
            .iter()
            .map(|cr| json!({ "key": format!("self_{}", cr.key), "label": label(lang, &cr.label_zh, &cr.label_en), "max": cr.max, "na_allowed": cr.na_allowed, "value": answers.get(&format!("self_{}", cr.key)).cloned().unwrap_or_default() }))
            .collect()
    } else {
        vec![]
    };
    json!({ "fields": fields, "attachments": attachments, "clauses": clauses })
}

/// An application for templates.
fn app_view(a: &Application) -> Value {
    let mut v = serde_json::to_value(a).unwrap_or_default();
    v["score_base"] = a.score_base.map(model::fmt_points).into();
    v["score_bonus"] = a.score_bonus.map(model::fmt_points).into();
    v["score_total"] = a.score_base.map(|b| model::fmt_points(b + a.score_bonus.unwrap_or(0))).into();
    v["amount"] = a.amount_fen.map(|f| crate::util::grouped((f / 100) as u64)).into();
    v
}

pub async fn list(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let types: Vec<Value> = store::types(&app).await?.iter().map(|t| type_view(&t.config, ctx.lang)).collect();
    ctx.render(&app, "programmes/list.html", context! { types => types })
}

pub async fn programme(State(app): State<App>, ctx: Ctx, Path(code): Path<String>) -> AppResult<Response> {
    let t = store::type_by_code(&app, &code).await?;
    let may_apply = ctx.user.is_some() && api::may_apply(&app, &ctx).await;
    ctx.render(&app, "programmes/programme.html", context! { p => type_view(&t.config, ctx.lang), may_apply => may_apply })
}

pub async fn notices(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let items: Vec<Value> = store::notices(&app).await?.iter().map(app_view).collect();
    ctx.render(&app, "programmes/notices.html", context! { items => items })
}

#[derive(Deserialize, Default)]
pub struct NoteForm {
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub action: String,
}

/// Anyone signed in files an objection to an application in notice.
pub async fn object(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<NoteForm>) -> AppResult<Response> {
    match store::step(&app, &ctx, id, None, "object", &f.note).await {
        Ok(()) => Ok(redirect_with_flash(&app, "/programmes/notices", "programme_objection")),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let items: Vec<Value> = store::notices(&app).await?.iter().map(app_view).collect();
            ctx.render_status(&app, e.status(), "programmes/notices.html", context! { items => items, error => e.to_string(), error_id => id, note => f.note })
        }
        Err(e) => Err(e),
    }
}

async fn apply_view(app: &App, ctx: &Ctx, code: &str, answers: Option<BTreeMap<String, String>>, status: StatusCode, error: Option<AppError>) -> AppResult<Response> {
    let t = store::type_by_code(app, code).await?;
    let org = policy::applicant_org(app, ctx).await;
    let answers = match (answers, &org) {
        (Some(a), _) => a,
        (None, Ok(o)) => store::prefill(app, &t.config, o.id).await?,
        (None, Err(_)) => BTreeMap::new(),
    };
    let (error_field, error) = crate::web::form::field_error(error);
    let org_problem = org.as_ref().err().map(|e| e.to_string());
    let org = org.ok();
    ctx.render_status(app, status, "programmes/apply.html", context! {
        p => type_view(&t.config, ctx.lang), form => fields_view(&t.config, ctx.lang, &answers, &[]), org => org, org_problem => org_problem,
        error_field => error_field, error => error,
    })
}

pub async fn apply_form(State(app): State<App>, ctx: Ctx, Path(code): Path<String>) -> AppResult<Response> {
    apply_view(&app, &ctx, &code, None, StatusCode::OK, None).await
}

/// The form's answers: every text field but the form's own.
fn answers_of(fields: &[(String, String)]) -> BTreeMap<String, String> {
    fields.iter().filter(|(k, _)| !matches!(k.as_str(), "_csrf" | "version" | "submit" | "save")).cloned().collect()
}

/// The apply and edit forms are multipart (the attachments' files beside the answers).
async fn form_parts(mp: &mut Multipart) -> AppResult<(BTreeMap<String, String>, Vec<upload::Upload>, bool, Option<i64>)> {
    let parts = upload::read_all(mp, "form").await?;
    let submit = parts.text("submit").is_some();
    let version = parts.text("version").and_then(|v| v.trim().parse().ok());
    Ok((answers_of(&parts.texts), parts.files, submit, version))
}

pub async fn apply(State(app): State<App>, ctx: Ctx, Path(code): Path<String>, mut mp: Multipart) -> AppResult<Response> {
    let (answers, files, submit, _) = form_parts(&mut mp).await?;
    match store::create(&app, &ctx, &code, &answers, files, submit).await {
        Ok(id) => Ok(redirect_with_flash(&app, &format!("/applications/{id}"), if submit { "programme_submitted" } else { "programme_saved" })),
        Err(e) if crate::web::form::reshown(&e) || matches!(e, AppError::Conflict(_)) => apply_view(&app, &ctx, &code, Some(answers), e.status(), Some(e)).await,
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    pub page: Option<i64>,
    pub state: Option<String>,
    pub programme: Option<String>,
}

/// The applications of the caller's organisations.
pub async fn mine(State(app): State<App>, ctx: Ctx, Query(q): Query<PageQuery>) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let orgs: Vec<i64> = crate::orgs::store::orgs_of(&app.db.pool, user.id).await?.into_iter().map(|o| o.id).collect();
    let pager = Pager::new(0, q.page.unwrap_or(1), 50);
    let (rows, total) = store::list(&app, store::Whose::Orgs(&orgs), None, None, &pager).await?;
    let pager = Pager::new(total, pager.page, 50);
    let items: Vec<Value> = rows.iter().map(app_view).collect();
    ctx.render(&app, "programmes/mine.html", context! { items => items, pager => pager })
}

async fn page(app: &App, ctx: &Ctx, id: i64, status: StatusCode, error: Option<AppError>, answers: Option<BTreeMap<String, String>>) -> AppResult<Response> {
    ctx.must(app, &Act::Read, id).await?;
    let a = store::get(&app.db.pool, id).await?;
    let t = store::type_by_id(&app.db.pool, a.type_id).await?;
    let c = &t.config;
    let (actor, standing) = policy::actor(app, ctx, id).await?;
    let hidden = |action: &str| {
        matches!(action, "assign" | "declare" | "score" | "resolve" | "object" | "attach")
            || (action == "pass_check" && !c.expert_review)
            || (action == "skip_review" && c.expert_review)
            || (action == "approve" && c.notice_days == 0)
            || (action == "approve_final" && c.notice_days > 0)
            || (action == "start_follow_up" && !c.follow_up)
    };
    let actions: Vec<Value> = super::FLOW
        .choices(&a.state, &actor, Some(a.created_by))
        .iter()
        .filter(|m| !hidden(m.action))
        .map(|m| json!({ "action": m.action, "label": super::FLOW.action_key(m.action) }))
        .collect();
    let history = crate::workflow::history(&app.db, &super::FLOW, id).await?;
    let files = super::files::list(app, id).await?;
    let (panel, objections) = if standing.staff { (review::panel(app, id).await?, store::objections(app, id).await?) } else { (vec![], vec![]) };
    let untrustworthy = standing.staff && crate::orgs::store::untrustworthy(&app.db.pool, a.org_id).await?;
    let (error_field, error) = crate::web::form::field_error(error);
    let answers = answers.unwrap_or_else(|| a.answers());
    ctx.render_status(app, status, "programmes/application.html", context! {
        a => app_view(&a), p => type_view(c, ctx.lang), form => fields_view(c, ctx.lang, &answers, &files),
        editable => a.state == "draft" && standing.org_admin, applicant => standing.org_user, staff => standing.staff,
        actions => actions, history => history, panel => panel, objections => objections, untrustworthy => untrustworthy,
        error_field => error_field, error => error,
    })
}

pub async fn application(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    page(&app, &ctx, id, StatusCode::OK, None, None).await
}

/// The applicant saves the draft with its files (and submits it when the button says so),
/// in one transaction.
pub async fn save(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, mut mp: Multipart) -> AppResult<Response> {
    let (answers, files, submit, version) = form_parts(&mut mp).await?;
    match store::save(&app, &ctx, id, version.unwrap_or(-1), &answers, files, submit).await {
        Ok(()) => Ok(redirect_with_flash(&app, &format!("/applications/{id}"), if submit { "programme_submitted" } else { "programme_saved" })),
        Err(e) if crate::web::form::reshown(&e) || matches!(e, AppError::Conflict(_)) => page(&app, &ctx, id, e.status(), Some(e), Some(answers)).await,
        Err(e) => Err(e),
    }
}

pub async fn step(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<NoteForm>) -> AppResult<Response> {
    match store::step(&app, &ctx, id, f.version, &f.action, &f.note).await {
        Ok(()) => Ok(redirect_with_flash(&app, &format!("/applications/{id}"), "programme_moved")),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => page(&app, &ctx, id, e.status(), Some(e), None).await,
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// The reviewer

pub async fn reviews(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let user = ctx.require_user()?.id;
    let pending: Vec<Value> = review::pending_for(&app, user).await?.into_iter().map(|(id, title, org)| json!({ "id": id, "title": title, "org_name": org })).collect();
    let (rows, _) = store::list(&app, store::Whose::Reviewer(user), None, None, &Pager::new(0, 1, 200)).await?;
    let items: Vec<Value> = rows.iter().map(app_view).collect();
    ctx.render(&app, "programmes/reviews.html", context! { pending => pending, items => items })
}

async fn review_page(app: &App, ctx: &Ctx, id: i64, status: StatusCode, error: Option<AppError>) -> AppResult<Response> {
    ctx.must(app, &Act::Declare, id).await?;
    let user = ctx.require_user()?.id;
    let a = store::get(&app.db.pool, id).await?;
    let t = store::type_by_id(&app.db.pool, a.type_id).await?;
    let declared = ctx.can(app, &Act::Score, id).await?;
    let (error_field, error) = crate::web::form::field_error(error);
    // Before the declaration: the applicant and the title, what is needed to declare.
    let extra = if declared {
        let sheet: BTreeMap<String, Value> = review::my_sheet(app, id, user)
            .await?
            .into_iter()
            .map(|(k, (p, na, cm))| (k, json!({ "points": if na { "na".to_string() } else { model::fmt_points(p) }, "comment": cm })))
            .collect();
        let files = super::files::list(app, id).await?;
        context! { a => app_view(&a), form => fields_view(&t.config, ctx.lang, &a.answers(), &files), sheet => sheet }
    } else {
        context! { a => json!({ "id": a.id, "title": a.title, "org_name": a.org_name }) }
    };
    let base = context! { declared => declared, p => type_view(&t.config, ctx.lang), error_field => error_field, error => error };
    ctx.render_status(app, status, "programmes/review.html", minijinja::context! { ..base, ..extra })
}

pub async fn review(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    review_page(&app, &ctx, id, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
pub struct DeclareForm {
    #[serde(default)]
    pub coi: String,
    #[serde(default)]
    pub note: String,
}

pub async fn declare(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<DeclareForm>) -> AppResult<Response> {
    let conflict = match f.coi.as_str() {
        "none" => false,
        "conflict" => true,
        _ => return review_page(&app, &ctx, id, StatusCode::UNPROCESSABLE_ENTITY, Some(AppError::invalid("coi", ctx.t("programmes.err_coi_choice")))).await,
    };
    match review::declare(&app, &ctx, id, conflict, &f.note).await {
        Ok(()) if conflict => Ok(redirect_with_flash(&app, "/review/applications", "programme_conflict")),
        Ok(()) => Ok(redirect_with_flash(&app, &format!("/review/applications/{id}"), "programme_declared")),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => review_page(&app, &ctx, id, e.status(), Some(e)).await,
        Err(e) => Err(e),
    }
}

/// The sheet's form sends `score_<criterion>` and `comment_<criterion>`.
pub async fn score(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(fields): Form<std::collections::HashMap<String, String>>) -> AppResult<Response> {
    let mut given: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (k, v) in &fields {
        if let Some(c) = k.strip_prefix("score_") {
            let comment = fields.get(&format!("comment_{c}")).cloned().unwrap_or_default();
            given.insert(c.to_string(), (v.clone(), comment));
        }
    }
    match review::score(&app, &ctx, id, &given).await {
        Ok(_) => Ok(redirect_with_flash(&app, &format!("/review/applications/{id}"), "programme_scored")),
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict(_))) => review_page(&app, &ctx, id, e.status(), Some(e)).await,
        Err(e) => Err(e),
    }
}
