//! The random draw of a review panel: the eligible pool read and recorded as a snapshot (the
//! ordered expert ids with what made them eligible, and its SHA-256), a recorded seed, the
//! panel and backups picked by `rng::pick`, and the invitations with their deadline; all in
//! one transaction, so a draw is whole or absent. A replay reads only the recorded snapshot
//! and seed, so it gives the same panel after the pool has changed. Declines (and unanswered
//! deadlines) call the next backup in order; every step is an event.

use super::model::DrawRequest;
use super::rng;
use super::store::{self, Eligible, Excluded};
use crate::App;
use crate::db::Tx;
use crate::web::{AppError, AppResult, Ctx, Lang};
use crate::workflow::{self, Actor, Step};
use serde::{Deserialize, Serialize};

/// Days the invited have to answer when the request names none.
pub const ANSWER_DAYS: u32 = 7;

/// A draw as made (or replayed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Draw {
    pub id: i64,
    /// The seed as a number (below 2^53 when the platform chose it).
    pub seed: u64,
    /// Expert ids of the panel, in the order drawn.
    pub panel: Vec<i64>,
    /// Expert ids of the backups, in the order they are called.
    pub backups: Vec<i64>,
}

/// What a draw records about the pool: the algorithm, the ordered eligible experts with the
/// fields and organisation that made them eligible, and those of the fields left out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub algorithm: String,
    pub fields: Vec<String>,
    pub review_day: Option<i64>,
    pub pool: Vec<Eligible>,
    pub excluded: Vec<Excluded>,
}

/// Picks the panel and backups from a snapshot's pool (its order) with the seed.
pub fn choose(pool: &[Eligible], seed: u64, count: usize, backups: usize) -> (Vec<i64>, Vec<i64>) {
    let picked: Vec<i64> = rng::pick(seed, pool.len(), count + backups).into_iter().map(|i| pool[i].id).collect();
    let split = count.min(picked.len());
    (picked[..split].to_vec(), picked[split..].to_vec())
}

/// Makes a draw for `req` in one transaction: the snapshot, the seed, the panel invited (mail
/// with an answer link and a deadline), the backups in reserve, the events and the audit entry.
pub async fn draw(app: &App, req: &DrawRequest, ctx: &Ctx) -> AppResult<Draw> {
    let review_day = req.check().map_err(|e| store::invalid(ctx, e))?;
    let actor = Actor::of(ctx)?;
    let mut tx = app.db.begin().await?;
    let d = draw_in(&mut tx, app, req, review_day, &actor, ctx.lang).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry {
        action: "experts.draw",
        target: format!("expert_draw:{}", d.id),
        detail: format!("seed {} panel {:?} backups {:?}", d.seed, d.panel, d.backups),
    })
    .await?;
    tx.commit().await?;
    Ok(d)
}

/// A draw for a review held on the platform, in the caller's transaction: only experts who
/// keep their profile here are eligible (`online`), and the answer carries the panel's
/// accounts in the order drawn, for the calling room to seat (a programme's or a
/// specification's review panel).
pub async fn draw_accounts(tx: &mut Tx, app: &App, ctx: &Ctx, mut req: DrawRequest) -> AppResult<(Draw, Vec<i64>)> {
    req.online = true;
    let review_day = req.check().map_err(|e| store::invalid(ctx, e))?;
    let actor = Actor::of(ctx)?;
    let d = draw_in(tx, app, &req, review_day, &actor, ctx.lang).await?;
    let accounts = store::accounts(tx, &d.panel).await?;
    let users = d.panel.iter().filter_map(|e| accounts.get(e).copied()).collect();
    Ok((d, users))
}

/// The draw's writes in the caller's transaction (a programme's review may add its own).
pub async fn draw_in(tx: &mut Tx, app: &App, req: &DrawRequest, review_day: Option<i64>, actor: &Actor, lang: Lang) -> AppResult<Draw> {
    let (pool, excluded) = store::eligible(tx, req, review_day).await?;
    let count = req.count as usize;
    if pool.len() < count {
        let msg = crate::web::i18n::tf(lang, "experts.err_pool_small", &[("n", &pool.len().to_string()), ("count", &count.to_string())]);
        return Err(AppError::invalid("count", msg));
    }
    let seed = req.seed.unwrap_or_else(rng::fresh_seed);
    let (panel, backups) = choose(&pool, seed, count, req.backups as usize);
    let fields: Vec<String> = req.fields.iter().map(|f| f.trim().to_string()).filter(|f| !f.is_empty()).collect();
    let snapshot = Snapshot { algorithm: rng::ALGORITHM.into(), fields, review_day, pool, excluded };
    let text = serde_json::to_string(&snapshot).map_err(|e| AppError::Internal(e.into()))?;
    let sha = crate::util::sha256_hex(&text);
    let request = serde_json::to_string(req).map_err(|e| AppError::Internal(e.into()))?;
    let now = crate::util::now();
    let days = req.answer_days.unwrap_or(ANSWER_DAYS) as i64;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO expert_draws (title, request, seed, algorithm, snapshot, snapshot_sha256, panel, backups, review_day, answer_days, state, created_by, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'drawn',$11,$12,$12) RETURNING id",
    )
    .bind(req.title.trim())
    .bind(&request)
    .bind(seed.to_string())
    .bind(rng::ALGORITHM)
    .bind(&text)
    .bind(&sha)
    .bind(serde_json::to_string(&panel).unwrap_or_default())
    .bind(serde_json::to_string(&backups).unwrap_or_default())
    .bind(review_day)
    .bind(days)
    .bind(actor.user_id())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    let data = serde_json::json!({ "seed": seed.to_string(), "panel": panel, "backups": backups, "pool": snapshot.pool.len(), "snapshot_sha256": sha });
    workflow::start(tx, app, &super::DRAW_FLOW, id, actor, Step::action("draw").data(data)).await?;
    let system = Actor::system(lang);
    // Whom to write to, read once for the whole panel and its backups.
    let drawn: Vec<i64> = panel.iter().chain(backups.iter()).copied().collect();
    let list = drawn.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let people: Vec<(i64, Option<i64>, String, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT id, user_id, name, email FROM experts WHERE id IN ({list})"))).fetch_all(&mut **tx).await?;
    let title = req.title.trim();
    for (i, expert) in drawn.iter().enumerate() {
        let on_panel = i < panel.len();
        let (_, user_id, name, email) = people.iter().find(|p| p.0 == *expert).cloned().ok_or(AppError::NotFound)?;
        let inv: i64 = sqlx::query_scalar(
            "INSERT INTO expert_invitations (draw_id, expert_id, user_id, position, role, status, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id",
        )
        .bind(id)
        .bind(expert)
        .bind(user_id)
        .bind(i as i64 + 1)
        .bind(if on_panel { "panel" } else { "backup" })
        .bind(if on_panel { "invited" } else { "reserve" })
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        let action = if on_panel { "invite" } else { "reserve" };
        workflow::start(tx, app, &super::INVITATION_FLOW, inv, &system, Step::action(action).data(serde_json::json!({ "draw": id, "position": i + 1 }))).await?;
        if on_panel {
            let to = Invitee { name: &name, email: &email, user_id, title, backup: false };
            send_invitation(tx, app, inv, now + days * 86400, &to).await?;
        }
    }
    Ok(Draw { id, seed, panel, backups })
}

/// Who an invitation goes to, and for what.
struct Invitee<'a> {
    name: &'a str,
    email: &'a str,
    user_id: Option<i64>,
    title: &'a str,
    /// Called from the backups in place of an expert who declined or did not answer.
    backup: bool,
}

/// A mail in the reader's language: the account's language (`users.locale`) when the expert
/// has an account here, else Chinese and English in one mail (an expert kept without an
/// account, say imported, has told no preference). Answers the subject and the body.
pub fn mail_text(lang: Option<Lang>, key: &str, args: &[(&str, &str)]) -> (String, String) {
    let one = |l: Lang| (crate::web::i18n::tf(l, &format!("{key}.title"), args), crate::web::i18n::tf(l, &format!("{key}.body"), args));
    match lang {
        Some(l) => one(l),
        None => {
            let (zh, en) = (one(Lang::Zh), one(Lang::En));
            (format!("{} / {}", zh.0, en.0), format!("{}\n-- English --\n\n{}", zh.1, en.1))
        }
    }
}

/// The language of an expert's account, if they have one.
async fn lang_of(tx: &mut Tx, user_id: Option<i64>) -> AppResult<Option<Lang>> {
    let Some(u) = user_id else { return Ok(None) };
    let locale: Option<String> = sqlx::query_scalar("SELECT locale FROM users WHERE id = $1").bind(u).fetch_optional(&mut **tx).await?;
    Ok(locale.as_deref().and_then(Lang::parse))
}

/// Gives an invitation its answer link and deadline, and sends it: a mail to the expert's
/// address with the link (in their language, `mail_text`), and a notice to their account if
/// they have one.
async fn send_invitation(tx: &mut Tx, app: &App, inv: i64, deadline: i64, to: &Invitee<'_>) -> AppResult<()> {
    let token = crate::util::random_token(24);
    sqlx::query("UPDATE expert_invitations SET token_hash = $1, deadline = $2 WHERE id = $3").bind(crate::util::sha256_hex(&token)).bind(deadline).bind(inv).execute(&mut **tx).await?;
    let Invitee { name, email, user_id, title, backup } = *to;
    let base = app.config.base_url.trim_end_matches('/');
    let link = format!("{base}/experts/invitations/{inv}?token={token}");
    let due = crate::util::fmt_datetime(deadline);
    let args = [("name", name), ("title", title), ("deadline", due.as_str()), ("link", link.as_str())];
    if !email.is_empty() {
        let key = if backup { "experts.mail_replace" } else { "experts.mail_invite" };
        let (subject, body) = mail_text(lang_of(tx, user_id).await?, key, &args);
        crate::jobs::mail::enqueue(tx, email, &subject, &body).await?;
    }
    if let Some(u) = user_id {
        let key = if backup { "experts.notice_replace" } else { "experts.notice_invite" };
        let n = crate::jobs::notify::Notice { kind: "experts_invitation", key, args: &args, link: "/experts/me", mail: email.is_empty() };
        crate::jobs::notify::send(tx, app, u, n).await?;
    }
    Ok(())
}

/// An invitation as the answer page and the draw's page show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct DrawInvitation {
    pub id: i64,
    pub draw_id: i64,
    pub expert_id: i64,
    #[serde(skip)]
    #[schema(ignore)]
    pub user_id: Option<i64>,
    pub name: String,
    /// 1-based order in the draw.
    pub position: i64,
    /// panel or backup.
    pub role: String,
    /// reserve, invited, accepted, declined, expired.
    pub status: String,
    pub deadline: Option<i64>,
    pub version: i64,
    #[serde(skip)]
    #[schema(ignore)]
    pub token_hash: String,
    pub draw_title: String,
}

const INV_COLUMNS: &str = "i.id, i.draw_id, i.expert_id, i.user_id, e.name, i.position, i.role, i.status, i.deadline, i.version, i.token_hash, d.title AS draw_title \
    FROM expert_invitations i JOIN experts e ON e.id = i.expert_id JOIN expert_draws d ON d.id = i.draw_id";

pub async fn invitation(app: &App, id: i64) -> AppResult<DrawInvitation> {
    let sql = format!("SELECT {INV_COLUMNS} WHERE i.id = $1");
    sqlx::query_as::<_, DrawInvitation>(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&app.db.pool).await?.ok_or(AppError::NotFound)
}

pub async fn invitations_of_draw(app: &App, draw_id: i64) -> AppResult<Vec<DrawInvitation>> {
    let sql = format!("SELECT {INV_COLUMNS} WHERE i.draw_id = $1 ORDER BY i.position");
    Ok(sqlx::query_as::<_, DrawInvitation>(sqlx::AssertSqlSafe(sql)).bind(draw_id).fetch_all(&app.db.pool).await?)
}

/// The invitations an expert has had (not the reserve places), latest first.
pub async fn invitations_of_expert(app: &App, expert_id: i64) -> AppResult<Vec<DrawInvitation>> {
    let sql = format!("SELECT {INV_COLUMNS} WHERE i.expert_id = $1 AND i.status <> 'reserve' ORDER BY i.id DESC LIMIT 100");
    Ok(sqlx::query_as::<_, DrawInvitation>(sqlx::AssertSqlSafe(sql)).bind(expert_id).fetch_all(&app.db.pool).await?)
}

/// Whether `token` is the invitation's answer link.
pub fn token_fits(inv: &DrawInvitation, token: &str) -> bool {
    !token.is_empty() && !inv.token_hash.is_empty() && crate::util::ct_eq(&crate::util::sha256_hex(token), &inv.token_hash)
}

/// Who answers: the holder of the link (the platform acts on it), the invited expert's
/// account, or staff recording an answer given otherwise. Others get 404.
pub fn answerer(inv: &DrawInvitation, ctx: &Ctx, token: Option<&str>) -> AppResult<Actor> {
    if token.is_some_and(|t| token_fits(inv, t)) {
        return Ok(Actor::system(ctx.lang));
    }
    match ctx.user.as_deref() {
        Some(u) if inv.user_id == Some(u.id) || u.has(crate::auth::Role::Staff) => Actor::of(ctx),
        Some(_) => Err(AppError::NotFound),
        None => Err(AppError::Unauthorized),
    }
}

/// Accepts or declines an invitation. A decline calls the next backup in the same
/// transaction.
pub async fn answer(app: &App, ctx: &Ctx, id: i64, token: Option<&str>, accept: bool, note: &str) -> AppResult<String> {
    let inv = invitation(app, id).await?;
    let actor = answerer(&inv, ctx, token)?;
    if inv.status == "invited" && inv.deadline.is_some_and(|d| d < crate::util::now()) {
        return Err(AppError::Conflict(ctx.t("experts.err_deadline")));
    }
    let mut tx = app.db.begin().await?;
    let action = if accept { "accept" } else if inv.status == "accepted" { "withdraw" } else { "decline" };
    let ev = workflow::transition(&mut tx, app, &super::INVITATION_FLOW, id, inv.version, &actor, Step::action(action).note(note)).await?;
    if !accept {
        let backup = replace(&mut tx, app, inv.draw_id, id, ctx.lang).await?;
        confirm_decline(&mut tx, app, &inv).await?;
        tell_drawer(&mut tx, app, inv.draw_id, id, backup, "declined").await?;
    }
    tx.commit().await?;
    Ok(ev.to_state)
}

/// Confirms a decline (or a withdrawn acceptance) to the expert, in their language
/// (`mail_text`): a mail to the profile's address, else a notice (with its mail) to their
/// account. Whom the backups gave in their place is staff's to know, not said here.
async fn confirm_decline(tx: &mut Tx, app: &App, inv: &DrawInvitation) -> AppResult<()> {
    let (email, user_id): (String, Option<i64>) = sqlx::query_as("SELECT email, user_id FROM experts WHERE id = $1").bind(inv.expert_id).fetch_one(&mut **tx).await?;
    let args = [("name", inv.name.as_str()), ("title", inv.draw_title.as_str())];
    if !email.is_empty() {
        let (subject, body) = mail_text(lang_of(tx, user_id).await?, "experts.mail_declined", &args);
        crate::jobs::mail::enqueue(tx, &email, &subject, &body).await?;
    } else if let Some(u) = user_id {
        let n = crate::jobs::notify::Notice { kind: "experts_invitation", key: "experts.mail_declined", args: &args, link: "/experts/me", mail: true };
        crate::jobs::notify::send(tx, app, u, n).await?;
    }
    Ok(())
}

/// Tells the staff member who ran the draw that invitation `gone` was declined (`why` =
/// `declined`) or expired (`expired`), naming the backup called in (`experts.notice_<why>`)
/// or saying that none is left (`experts.notice_<why>_none`); a notice in their language,
/// with a mail, linking the draw's page.
async fn tell_drawer(tx: &mut Tx, app: &App, draw_id: i64, gone: i64, backup: Option<i64>, why: &str) -> AppResult<()> {
    let (drawer, title): (Option<i64>, String) = sqlx::query_as("SELECT created_by, title FROM expert_draws WHERE id = $1").bind(draw_id).fetch_one(&mut **tx).await?;
    let Some(drawer) = drawer else { return Ok(()) };
    let name_of = "SELECT e.name FROM expert_invitations i JOIN experts e ON e.id = i.expert_id WHERE i.id = $1";
    let gone_name: String = sqlx::query_scalar(name_of).bind(gone).fetch_one(&mut **tx).await?;
    let backup_name: String = match backup {
        Some(b) => sqlx::query_scalar(name_of).bind(b).fetch_one(&mut **tx).await?,
        None => String::new(),
    };
    let key = if backup.is_some() { format!("experts.notice_{why}") } else { format!("experts.notice_{why}_none") };
    let link = format!("/staff/experts/draws/{draw_id}");
    let args = [("title", title.as_str()), ("name", gone_name.as_str()), ("backup", backup_name.as_str())];
    let n = crate::jobs::notify::Notice { kind: "experts_draw", key: &key, args: &args, link: &link, mail: true };
    crate::jobs::notify::send(tx, app, drawer, n).await?;
    Ok(())
}

/// Calls the first backup in reserve of the draw in place of invitation `gone`; answers the
/// backup's invitation, or `None` when no backup is left.
pub async fn replace(tx: &mut Tx, app: &App, draw_id: i64, gone: i64, lang: Lang) -> AppResult<Option<i64>> {
    let next: Option<(i64, i64)> = sqlx::query_as("SELECT id, version FROM expert_invitations WHERE draw_id = $1 AND status = 'reserve' ORDER BY position LIMIT 1")
        .bind(draw_id)
        .fetch_optional(&mut **tx)
        .await?;
    let Some((inv, version)) = next else { return Ok(None) };
    let system = Actor::system(lang);
    workflow::transition(tx, app, &super::INVITATION_FLOW, inv, version, &system, Step::action("replace").data(serde_json::json!({ "replaces": gone }))).await?;
    sqlx::query("UPDATE expert_invitations SET replaces = $1 WHERE id = $2").bind(gone).bind(inv).execute(&mut **tx).await?;
    let (days, name, email, user_id, title): (i64, String, String, Option<i64>, String) = sqlx::query_as(
        "SELECT d.answer_days, e.name, e.email, e.user_id, d.title FROM expert_invitations i JOIN experts e ON e.id = i.expert_id \
         JOIN expert_draws d ON d.id = i.draw_id WHERE i.id = $1",
    )
    .bind(inv)
    .fetch_one(&mut **tx)
    .await?;
    let to = Invitee { name: &name, email: &email, user_id, title: &title, backup: true };
    send_invitation(tx, app, inv, crate::util::now() + days * 86400, &to).await?;
    Ok(Some(inv))
}

/// The hourly job: invitations past their deadline without an answer expire, and the next
/// backup is called for each.
pub async fn expire_job(app: App, _job: i64, _payload: serde_json::Value) -> anyhow::Result<()> {
    let due: Vec<(i64, i64, i64)> = sqlx::query_as("SELECT id, draw_id, version FROM expert_invitations WHERE status = 'invited' AND deadline < $1 ORDER BY id LIMIT 500")
        .bind(crate::util::now())
        .fetch_all(&app.db.pool)
        .await?;
    for (id, draw_id, version) in due {
        let mut tx = app.db.begin().await?;
        let system = Actor::system(Lang::Zh);
        match workflow::transition(&mut tx, &app, &super::INVITATION_FLOW, id, version, &system, Step::action("expire")).await {
            Ok(_) => {
                let backup = replace(&mut tx, &app, draw_id, id, Lang::Zh).await.map_err(|e| anyhow::anyhow!("{e}"))?;
                tell_drawer(&mut tx, &app, draw_id, id, backup, "expired").await.map_err(|e| anyhow::anyhow!("{e}"))?;
                tx.commit().await?;
            }
            // Answered meanwhile: nothing to do.
            Err(AppError::Conflict(_)) => {}
            Err(e) => return Err(anyhow::anyhow!("{e}")),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reading and replaying a draw

/// A recorded draw.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Recorded {
    pub id: i64,
    pub title: String,
    pub request: String,
    pub seed: String,
    pub algorithm: String,
    #[serde(skip)]
    pub snapshot: String,
    pub snapshot_sha256: String,
    pub panel: String,
    pub backups: String,
    pub review_day: Option<i64>,
    pub created_at: i64,
}

impl Recorded {
    pub fn seed(&self) -> u64 {
        self.seed.parse().unwrap_or_default()
    }
    pub fn panel_ids(&self) -> Vec<i64> {
        serde_json::from_str(&self.panel).unwrap_or_default()
    }
    pub fn backup_ids(&self) -> Vec<i64> {
        serde_json::from_str(&self.backups).unwrap_or_default()
    }
    pub fn request(&self) -> DrawRequest {
        serde_json::from_str(&self.request).unwrap_or_default()
    }
    pub fn snapshot(&self) -> AppResult<Snapshot> {
        serde_json::from_str(&self.snapshot).map_err(|e| AppError::Internal(e.into()))
    }
}

pub async fn recorded(app: &App, id: i64) -> AppResult<Recorded> {
    sqlx::query_as(
        "SELECT id, title, request, seed, algorithm, snapshot, snapshot_sha256, panel, backups, review_day, created_at FROM expert_draws WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db.pool)
    .await?
    .ok_or(AppError::NotFound)
}

/// Draws, latest first.
pub async fn list(app: &App, limit: i64) -> AppResult<Vec<Recorded>> {
    Ok(sqlx::query_as(
        "SELECT id, title, request, seed, algorithm, '' AS snapshot, snapshot_sha256, panel, backups, review_day, created_at FROM expert_draws ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&app.db.pool)
    .await?)
}

/// Replays a draw from its record alone: the snapshot is checked against its SHA-256 (409
/// when it was altered), then the seed picks from its pool as the draw did.
pub async fn replay(app: &App, ctx: &Ctx, id: i64) -> AppResult<Draw> {
    let r = recorded(app, id).await?;
    if crate::util::sha256_hex(&r.snapshot) != r.snapshot_sha256 {
        return Err(AppError::Conflict(ctx.t("experts.err_snapshot")));
    }
    let snap = r.snapshot()?;
    if snap.algorithm != rng::ALGORITHM {
        return Err(AppError::Conflict(ctx.t("experts.err_algorithm")));
    }
    let req = r.request();
    let (panel, backups) = choose(&snap.pool, r.seed(), req.count as usize, req.backups as usize);
    crate::auth::audit::log(app, ctx, "experts.replay", format!("expert_draw:{id}"), format!("same: {}", panel == r.panel_ids() && backups == r.backup_ids())).await;
    Ok(Draw { id, seed: r.seed(), panel, backups })
}
