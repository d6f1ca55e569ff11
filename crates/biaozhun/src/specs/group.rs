//! Group standards (团体标准) as the specs room keeps them: specifications of kind `group`,
//! numbered `T/<code> NNN—YYYY` with the association's code (the setting
//! `group_standards.code`, `GZBZ` by default), published by the association into the
//! catalogue; the public list, the organisations' own (led: proposed while acting for it;
//! joined: a user of it in the working group), the count the strategy dashboard reads.

use crate::App;
use crate::db::Tx;
use crate::db::tallies::{self, Tally};
use crate::web::AppResult;
use serde::Serialize;

/// The setting holding the association's code in group standard numbers.
pub const CODE_SETTING: &str = "group_standards.code";
pub const DEFAULT_CODE: &str = "GZBZ";

/// The association's code (2 to 12 capital letters or digits; the default otherwise), read
/// in the publishing transaction.
pub async fn association_code(tx: &mut Tx) -> AppResult<String> {
    let v: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(CODE_SETTING).fetch_optional(&mut **tx).await?;
    Ok(clean_code(v.as_deref().unwrap_or("")))
}

pub fn clean_code(v: &str) -> String {
    let v = v.trim();
    if (2..=12).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) { v.to_string() } else { DEFAULT_CODE.to_string() }
}

/// The issuer written into the catalogue for a kind.
pub fn issuer(kind: &str) -> &'static str {
    if kind == "group" { "广州市标准化协会" } else { "广州市市场监督管理局" }
}

/// A group standard as the public list shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct GroupLine {
    pub id: i64,
    /// Empty until published.
    pub number: String,
    pub title: String,
    pub stage: String,
    pub drafting_orgs: String,
    pub published_at: Option<i64>,
    /// 1 when the text is offered free to read.
    pub free_to_read: i64,
}

const LINE: &str = "id, number, title, stage, drafting_orgs, published_at, free_to_read";
/// The stages the public sees (as `policy::public_stage`).
const PUBLIC: &str = "stage NOT IN ('proposal', 'approved', 'drafting', 'rejected', 'cancelled')";

/// Group standards the public sees, published first (newest number first), then those in
/// progress; with the total.
pub async fn list_public(app: &App, offset: i64, limit: i64) -> AppResult<(Vec<GroupLine>, i64)> {
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM specs WHERE kind = 'group' AND {PUBLIC}"))).fetch_one(&app.db.pool).await?;
    let sql = format!(
        "SELECT {LINE} FROM specs WHERE kind = 'group' AND {PUBLIC} \
         ORDER BY CASE WHEN number = '' THEN 1 ELSE 0 END, published_at DESC, updated_at DESC, id DESC LIMIT $1 OFFSET $2"
    );
    let rows = sqlx::query_as::<_, GroupLine>(sqlx::AssertSqlSafe(sql)).bind(limit).bind(offset).fetch_all(&app.db.pool).await?;
    Ok((rows, total))
}

/// Published group standards (numbered; published, in force or under periodic review), the
/// strategy dashboard's `group_standards.published`: a rolled-up count (`db::tallies`) kept
/// by every step of a specification ([`settle`], in the step's transaction).
pub const PUBLISHED: Tally = Tally::new(
    "group_standards.published",
    "SELECT COUNT(*) FROM specs WHERE kind = 'group' AND number <> '' AND stage IN ('published', 'in_force', 'periodic_review')",
);

pub static TALLIES: [Tally; 1] = [PUBLISHED];

/// Whether a specification counts as a published group standard (the rule of [`PUBLISHED`]).
pub fn counts(kind: &str, stage: &str, number: &str) -> bool {
    kind == "group" && !number.is_empty() && matches!(stage, "published" | "in_force" | "periodic_review")
}

/// A step moved specification `id`, which counted (`before`) or not: the tally follows the
/// record as the step left it, in the step's transaction.
pub async fn settle(tx: &mut Tx, id: i64, before: bool) -> AppResult<()> {
    let (kind, stage, number): (String, String, String) = sqlx::query_as("SELECT kind, stage, number FROM specs WHERE id = $1").bind(id).fetch_one(&mut **tx).await?;
    let after = counts(&kind, &stage, &number);
    tallies::bump(tx, PUBLISHED.key, after as i64 - before as i64).await?;
    Ok(())
}

/// Published group standards: the tally, one lookup however many specifications there are.
pub async fn count_published(app: &App) -> AppResult<i64> {
    Ok(tallies::read(app, &PUBLISHED).await?)
}

/// An organisation's group standards: those it led (proposed while acting for it) and those
/// it joined (one of its users in the working group), every stage.
pub async fn of_org(app: &App, org_id: i64) -> AppResult<(Vec<GroupLine>, Vec<GroupLine>)> {
    let led = sqlx::query_as::<_, GroupLine>(sqlx::AssertSqlSafe(format!("SELECT {LINE} FROM specs WHERE kind = 'group' AND org_id = $1 ORDER BY id DESC LIMIT 200")))
        .bind(org_id)
        .fetch_all(&app.db.pool)
        .await?;
    let sql = format!(
        "SELECT {LINE} FROM specs WHERE kind = 'group' AND (org_id IS NULL OR org_id <> $1) AND id IN \
         (SELECT CAST(s.scope_key AS BIGINT) FROM scoped_roles s JOIN org_users ou ON ou.user_id = s.user_id \
          WHERE s.role = 'working_group' AND s.scope_kind = 'spec' AND ou.org_id = $1) ORDER BY id DESC LIMIT 200"
    );
    let joined = sqlx::query_as::<_, GroupLine>(sqlx::AssertSqlSafe(sql)).bind(org_id).fetch_all(&app.db.pool).await?;
    Ok((led, joined))
}

/// The member area's box: for each organisation of the user, the group standards it led or
/// joined (nothing when none).
pub fn member_hook<'a>(app: &'a App, ctx: &'a crate::web::Ctx) -> crate::web::domain::Fut<'a, Vec<crate::web::domain::Panel>> {
    use crate::web::domain::{Panel, Place};
    Box::pin(async move {
        let Some(uid) = ctx.user_id() else { return Ok(vec![]) };
        let mut orgs = Vec::new();
        for o in crate::orgs::store::orgs_of(&app.db.pool, uid).await? {
            let (led, joined) = of_org(app, o.id).await?;
            if !led.is_empty() || !joined.is_empty() {
                orgs.push(serde_json::json!({ "id": o.id, "name": o.name, "led": led, "joined": joined }));
            }
        }
        if orgs.is_empty() {
            return Ok(vec![]);
        }
        Ok(vec![Panel::new("specs/group_member_box.html", Place::Main, 51, serde_json::json!({ "orgs": orgs }))])
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_association_code_is_letters_and_digits_or_the_default() {
        assert_eq!(super::clean_code("GZBZ"), "GZBZ");
        assert_eq!(super::clean_code(" GDAS2 "), "GDAS2");
        assert_eq!(super::clean_code("gz bz"), "GZBZ");
        assert_eq!(super::clean_code(""), "GZBZ");
        assert_eq!(super::issuer("group"), "广州市标准化协会");
        assert!(super::counts("group", "in_force", "T/GZBZ 1—2026"));
        assert!(!super::counts("group", "withdrawn", "T/GZBZ 1—2026"));
        assert!(!super::counts("group", "drafting", "T/GZBZ 1—2026"));
        assert!(!super::counts("local", "published", "DB4401/T 1—2026"));
        assert!(!super::counts("group", "published", ""));
    }
}
