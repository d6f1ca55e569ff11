//! Staff pages of the training room: the list of every session (drafts included), the
//! editor, the lifecycle buttons, teachers' assignments, and the roster with its XLSX export
//! (which the session's teachers see too).

use super::model::{KINDS, SessionInput, fmt_fee, local_input};
use super::policy::{SessionAct, session_scope};
use super::store;
use crate::auth::scopes::{self, ScopedRole};
use crate::App;
use crate::web::ctx::redirect_with_flash;
use crate::web::{Access, AppError, AppResult, Ctx, Form, Routes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Deserialize;

pub fn routes() -> Routes {
    Routes::new()
        .get("/staff/trainings", Access::Staff, staff_list)
        .get("/staff/trainings/new", Access::Staff, staff_new)
        .post("/staff/trainings", Access::Staff, staff_create)
        .get("/staff/trainings/{id}/edit", Access::Staff, staff_edit)
        .post("/staff/trainings/{id}", Access::Staff, staff_update)
        .post("/staff/trainings/{id}/step", Access::Staff, staff_step)
        .post("/staff/trainings/{id}/teachers", Access::Staff, assign_teacher)
        .post("/staff/trainings/{id}/teachers/remove", Access::Staff, remove_teacher)
        .post("/staff/trainings/{id}/remove", Access::Staff, remove_person)
        // Staff and the session's teachers (the policy decides).
        .get("/training/{id}/roster", Access::User, roster)
        .get("/training/{id}/roster.xlsx", Access::User, roster_xlsx)
        .limit(crate::web::ratelimit::Class::Export)
}

async fn staff_list(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let sessions: Vec<_> = store::list_all(&app).await?.iter().map(super::routes::view).collect();
    ctx.render(&app, "training/staff_list.html", context! { sessions => sessions })
}

fn editor(app: &App, ctx: &Ctx, status: StatusCode, id: Option<i64>, form: &SessionInput, error: Option<AppError>) -> AppResult<Response> {
    let (error_field, error) = crate::web::form::field_error(error);
    ctx.render_status(app, status, "training/edit.html", context! { id => id, form => form, kinds => KINDS, error => error, error_field => error_field })
}

async fn staff_new(State(app): State<App>, ctx: Ctx) -> AppResult<Response> {
    let form = SessionInput { kind: "promotion".into(), ..Default::default() };
    editor(&app, &ctx, StatusCode::OK, None, &form, None)
}

async fn staff_create(State(app): State<App>, ctx: Ctx, Form(input): Form<SessionInput>) -> AppResult<Response> {
    match store::create(&app, &ctx, &input).await {
        Ok(id) => Ok(redirect_with_flash(&app, &format!("/training/{id}"), "training_saved")),
        Err(e @ AppError::Invalid { .. }) => editor(&app, &ctx, StatusCode::UNPROCESSABLE_ENTITY, None, &input, Some(e)),
        Err(e) => Err(e),
    }
}

fn form_of(s: &store::Session) -> SessionInput {
    SessionInput {
        title: s.title.clone(),
        kind: s.kind.clone(),
        summary: s.summary.clone(),
        starts_at: local_input(s.starts_at),
        ends_at: local_input(s.ends_at),
        location: s.location.clone(),
        online_url: s.online_url.clone(),
        capacity: s.capacity.map(|c| c.to_string()),
        fee: Some(fmt_fee(s.fee_fen)),
        teachers: s.teachers.clone(),
        hours: Some(s.hours.to_string()),
        cancel_until: s.cancel_until.map(local_input).unwrap_or_default(),
        version: Some(s.version.to_string()),
    }
}

async fn staff_edit(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    let s = store::get(&app, id).await?;
    editor(&app, &ctx, StatusCode::OK, Some(id), &form_of(&s), None)
}

async fn staff_update(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(input): Form<SessionInput>) -> AppResult<Response> {
    store::get(&app, id).await?;
    match store::update(&app, &ctx, id, &input).await {
        Ok(()) => Ok(redirect_with_flash(&app, &format!("/training/{id}"), "training_saved")),
        Err(e) if crate::web::form::reshown(&e) => editor(&app, &ctx, e.status(), Some(id), &input, Some(e)),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
struct StepForm {
    action: Option<String>,
    version: Option<i64>,
    #[serde(default)]
    note: String,
}

async fn staff_step(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<StepForm>) -> AppResult<Response> {
    let s = store::get(&app, id).await?;
    let action = f.action.unwrap_or_default();
    store::step(&app, &ctx, id, f.version.unwrap_or(s.version), &action, &f.note).await?;
    Ok(redirect_with_flash(&app, &format!("/training/{id}"), "training_moved"))
}

async fn roster(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.must(&app, &SessionAct::Teach, id).await?;
    let s = store::get(&app, id).await?;
    let lines = store::roster(&app, id).await?;
    let manages = super::policy::manages(&ctx);
    ctx.render(&app, "training/roster.html", context! { s => super::routes::view(&s), lines => lines, manages => manages })
}

async fn roster_xlsx(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.must(&app, &SessionAct::Teach, id).await?;
    let s = store::get(&app, id).await?;
    let lines = store::roster(&app, id).await?;
    let head: Vec<String> = ["no", "account", "name", "email", "org", "status", "since"].iter().map(|k| ctx.t(&format!("training.roster_{k}"))).collect();
    let mut waiting = 0;
    let rows: Vec<Vec<String>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let status = if l.status == "waitlisted" {
                waiting += 1;
                ctx.tf("training.place_waitlisted", &[("position", &waiting.to_string())])
            } else {
                ctx.t(&format!("training.place_{}", l.status))
            };
            vec![
                (i + 1).to_string(),
                l.username.clone(),
                l.display_name.clone(),
                l.email.clone(),
                l.org_name.clone().unwrap_or_default(),
                status,
                crate::util::fmt_datetime(l.updated_at),
            ]
        })
        .collect();
    let facts = vec![
        (ctx.t("training.when"), format!("{} — {}", crate::util::fmt_datetime(s.starts_at), crate::util::fmt_datetime(s.ends_at))),
        (ctx.t("training.where"), if s.location.is_empty() { s.online_url.clone() } else { s.location.clone() }),
        (ctx.t("training.enrolled"), s.enrolled.to_string()),
        (ctx.t("training.waiting"), s.waiting.to_string()),
    ];
    let bytes = crate::web::download::xlsx_document(&s.title, &facts, &head, &rows, &[])?;
    Ok(crate::web::download::xlsx_file(bytes, &format!("training-{id}-roster.xlsx")))
}

#[derive(Deserialize)]
struct TeacherForm {
    #[serde(default)]
    username: String,
}

/// Makes an account a teacher of the session (it sees the roster and checks people in); the
/// teacher is told in the site and by mail.
async fn assign_teacher(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<TeacherForm>) -> AppResult<Response> {
    let s = store::get(&app, id).await?;
    let account = crate::auth::store::find_by_account(&app, f.username.trim()).await?.ok_or_else(|| AppError::invalid("username", ctx.t("training.err_unknown_account")))?;
    let mut tx = app.db.begin().await?;
    if scopes::grant(&mut tx, account.id, ScopedRole::Teacher, &session_scope(id), ctx.user_id()).await? {
        crate::auth::audit::log_tx(&mut tx, &ctx, crate::auth::audit::Entry { action: "training.teacher_assign", target: format!("training:{id}"), detail: format!("user:{}", account.id) }).await?;
        let link = format!("/training/{id}/roster");
        let args = [("title", s.title.as_str())];
        let notice = crate::jobs::notify::Notice { kind: "training", key: "training.notice_teacher", args: &args, link: &link, mail: true };
        crate::jobs::notify::send(&mut tx, &app, account.id, notice).await?;
    }
    tx.commit().await?;
    Ok(redirect_with_flash(&app, &format!("/training/{id}"), "training_teacher"))
}

async fn remove_teacher(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<TeacherForm>) -> AppResult<Response> {
    store::get(&app, id).await?;
    let account = crate::auth::store::find_by_account(&app, f.username.trim()).await?.ok_or_else(|| AppError::invalid("username", ctx.t("training.err_unknown_account")))?;
    let mut tx = app.db.begin().await?;
    if scopes::revoke(&mut tx, account.id, ScopedRole::Teacher, &session_scope(id)).await? {
        crate::auth::audit::log_tx(&mut tx, &ctx, crate::auth::audit::Entry { action: "training.teacher_remove", target: format!("training:{id}"), detail: format!("user:{}", account.id) }).await?;
    }
    tx.commit().await?;
    Ok(redirect_with_flash(&app, &format!("/training/{id}"), "training_teacher"))
}

#[derive(Deserialize)]
struct PersonForm {
    user: Option<i64>,
}

/// Takes a person off the roster or the waiting list (staff; past the deadline too). The
/// seat goes to the first person waiting, as when they cancel themselves.
async fn remove_person(State(app): State<App>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<PersonForm>) -> AppResult<Response> {
    store::get(&app, id).await?;
    let user = f.user.ok_or_else(|| AppError::invalid("user", ctx.t("training.err_pick")))?;
    store::cancel_for(&app, &ctx, id, user).await?;
    Ok(redirect_with_flash(&app, &format!("/training/{id}/roster"), "training_removed"))
}
