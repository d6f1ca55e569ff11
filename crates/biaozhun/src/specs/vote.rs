//! A group standard's vote (表决): instead of the government's approval, the association's
//! members vote, or its council approves, and the vote is recorded. Staff seat the voters of
//! the next round while the standard is `reviewed` (each a member of the association: a
//! person, or a member organisation's representative; `members` or `council` says which
//! body votes); `open_vote` opens the round; each seated voter casts yes, no or abstain (and
//! may change it until the round closes); `publish` needs the count to pass
//! ([`super::model::tally`]: quorum two thirds of the seated, three quarters of the ballots
//! yes), `vote_fail` (back to drafting) needs it not to. The closing event carries the count;
//! the ballots stay, one row per voter and round.

use super::model::{self, Choice, Tally};
use super::store::{self, Spec};
use crate::App;
use crate::auth::audit::{self, Entry};
use crate::db::Tx;
use crate::web::{AppError, AppResult, Ctx};
use serde::{Deserialize, Serialize};

/// Who votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Body {
    /// 会员表决: the member organisations (one representative each) and individual members.
    Members,
    /// 理事会审议: the council.
    Council,
}

impl Body {
    pub fn as_str(self) -> &'static str {
        match self {
            Body::Members => "members",
            Body::Council => "council",
        }
    }
}

/// Seats the voters of the next round (replacing any seated before it opens): the standard
/// must be `reviewed` and a group standard; every voter a member of the association (422
/// naming `voters` and the user). One transaction.
pub async fn seat(app: &App, ctx: &Ctx, spec_id: i64, body: Body, voters: &[i64]) -> AppResult<i64> {
    let spec = store::get(app, spec_id).await?;
    if spec.kind != "group" {
        return Err(AppError::Conflict(ctx.t("specs.err_kind_local")));
    }
    if spec.stage != "reviewed" {
        return Err(AppError::Conflict(ctx.t("specs.err_seat_stage")));
    }
    let mut voters = voters.to_vec();
    voters.sort_unstable();
    voters.dedup();
    if voters.is_empty() || voters.len() > 500 {
        return Err(AppError::invalid("voters", ctx.t("specs.err_voters_size")));
    }
    let now = crate::util::now();
    let mut seated = Vec::with_capacity(voters.len());
    for &u in &voters {
        let member = crate::membership::store::member_until(app, u).await?.is_some_and(|t| t > now);
        if !member {
            return Err(AppError::invalid("voters", ctx.tf("specs.err_not_member", &[("id", &u.to_string())])));
        }
        let org = crate::orgs::store::acting_org(app, u).await?.map(|o| o.name).unwrap_or_default();
        seated.push((u, org));
    }
    let round = spec.vote_round + 1;
    let mut tx = app.db.begin().await?;
    sqlx::query("DELETE FROM spec_ballots WHERE spec_id = $1 AND round = $2").bind(spec_id).bind(round).execute(&mut *tx).await?;
    for (u, org) in &seated {
        sqlx::query("INSERT INTO spec_ballots (spec_id, round, user_id, org_name, seated_by, seated_at) VALUES ($1,$2,$3,$4,$5,$6)")
            .bind(spec_id).bind(round).bind(u).bind(org).bind(ctx.user_id()).bind(now)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE specs SET vote_body = $1 WHERE id = $2").bind(body.as_str()).bind(spec_id).execute(&mut *tx).await?;
    audit::log_tx(&mut tx, ctx, Entry { action: "spec.voters", target: format!("spec:{spec_id}"), detail: format!("round {round} {} {voters:?}", body.as_str()) }).await?;
    tx.commit().await?;
    Ok(round)
}

/// The step `open_vote`, in its transaction: the next round must have its voters.
pub async fn open_round(tx: &mut Tx, ctx: &Ctx, spec: &Spec) -> AppResult<()> {
    let round = spec.vote_round + 1;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM spec_ballots WHERE spec_id = $1 AND round = $2").bind(spec.id).bind(round).fetch_one(&mut **tx).await?;
    if n == 0 {
        return Err(AppError::Conflict(ctx.t("specs.err_no_voters")));
    }
    sqlx::query("UPDATE specs SET vote_round = $1 WHERE id = $2").bind(round).bind(spec.id).execute(&mut **tx).await?;
    Ok(())
}

/// The count of the standard's current round.
pub async fn count_tx(tx: &mut Tx, spec: &Spec) -> AppResult<Tally> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT choice, COUNT(*) FROM spec_ballots WHERE spec_id = $1 AND round = $2 GROUP BY choice")
        .bind(spec.id)
        .bind(spec.vote_round)
        .fetch_all(&mut **tx)
        .await?;
    Ok(tally_of(&rows))
}

fn tally_of(rows: &[(String, i64)]) -> Tally {
    let n = |c: &str| rows.iter().filter(|r| r.0 == c).map(|r| r.1).sum::<i64>();
    let seated = rows.iter().map(|r| r.1).sum();
    model::tally(seated, n("yes"), n("no"), n("abstain"))
}

/// A seated voter casts (or changes) their ballot while the vote is open: 409 outside the
/// vote, 403 for one not seated in this round. One transaction.
pub async fn cast(app: &App, ctx: &Ctx, spec_id: i64, choice: Choice, comment: &str) -> AppResult<Tally> {
    let uid = ctx.require_user()?.id;
    let mut tx = app.db.begin().await?;
    let spec: Spec = {
        let sql = format!("SELECT {} FROM specs WHERE id = $1", store::COLUMNS);
        sqlx::query_as::<_, Spec>(sqlx::AssertSqlSafe(sql)).bind(spec_id).fetch_optional(&mut *tx).await?.ok_or(AppError::NotFound)?
    };
    if spec.stage != "voting" {
        return Err(AppError::Conflict(ctx.t("specs.err_not_voting")));
    }
    let r = sqlx::query("UPDATE spec_ballots SET choice = $1, comment = $2, cast_at = $3 WHERE spec_id = $4 AND round = $5 AND user_id = $6")
        .bind(choice.as_str()).bind(comment).bind(crate::util::now()).bind(spec_id).bind(spec.vote_round).bind(uid)
        .execute(&mut *tx)
        .await?;
    if r.rows_affected() == 0 {
        return Err(AppError::Forbidden);
    }
    audit::log_tx(&mut tx, ctx, Entry { action: "spec.vote", target: format!("spec:{spec_id}"), detail: format!("round {} {}", spec.vote_round, choice.as_str()) }).await?;
    let t = count_tx(&mut tx, &spec).await?;
    tx.commit().await?;
    Ok(t)
}

/// One seated voter with what they voted (empty: not yet).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Voter {
    pub user_id: i64,
    pub name: String,
    /// The organisation the voter represents (empty for an individual member).
    pub org_name: String,
    /// yes, no, abstain; empty until cast.
    pub choice: String,
    pub comment: String,
    pub cast_at: Option<i64>,
}

/// A round of the vote: who is seated, what each voted, and the count.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ballot {
    pub round: i64,
    /// `members` or `council`.
    pub body: String,
    /// Whether the round is open for ballots now.
    pub open: bool,
    pub voters: Vec<Voter>,
    pub tally: Tally,
}

/// The round on show: the open or last closed one; while `reviewed`, the next one as seated.
pub async fn ballot(app: &App, spec: &Spec) -> AppResult<Ballot> {
    let round = if spec.stage == "reviewed" { spec.vote_round + 1 } else { spec.vote_round };
    let voters = sqlx::query_as::<_, Voter>(
        "SELECT b.user_id, COALESCE(NULLIF(u.display_name, ''), u.username) AS name, b.org_name, b.choice, b.comment, b.cast_at \
         FROM spec_ballots b JOIN users u ON u.id = b.user_id WHERE b.spec_id = $1 AND b.round = $2 ORDER BY b.org_name, name, b.user_id",
    )
    .bind(spec.id)
    .bind(round)
    .fetch_all(&app.db.pool)
    .await?;
    let mut rows: Vec<(String, i64)> = Vec::new();
    for v in &voters {
        match rows.iter_mut().find(|r| r.0 == v.choice) {
            Some(r) => r.1 += 1,
            None => rows.push((v.choice.clone(), 1)),
        }
    }
    Ok(Ballot { round, body: spec.vote_body.clone(), open: spec.stage == "voting", voters, tally: tally_of(&rows) })
}
