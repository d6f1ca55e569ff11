//! Self-declarations (自我声明公开): an organisation declares that a product follows the
//! standards linked to it. Declarations are public and searchable by company, product,
//! GTIN and standard, each with its history. A declaration citing a replaced or withdrawn
//! standard is flagged, with the successor named, and the organisation's users are told:
//! when the catalogue records a change (the standards room's events, followed every minute)
//! and in a daily re-check of every declaration.

use super::store::{self, CitedOut, Filter, ProductOut};
use crate::App;
use crate::db::Tx;
use crate::jobs::notify::{self, Notice};
use crate::web::{AppResult, Ctx, Lang, i18n};
use serde::Serialize;
use sqlx::Row as _;

/// A public declaration as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeclarationOut {
    pub id: i64,
    pub organisation: String,
    pub organisation_name: String,
    pub product_id: i64,
    pub product: String,
    pub model: String,
    pub gtin: String,
    /// Each cited standard with `status` and `current` from the catalogue.
    pub standards: Vec<CitedOut>,
    /// The problems found with cited standards (empty when none).
    pub flags: Vec<String>,
    pub declared_at: i64,
    /// Conformity and certification results recorded for the product.
    pub results: Vec<super::results::ConformityResult>,
}

/// One event of a declaration's history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema, sqlx::FromRow)]
pub struct Event {
    pub kind: String,
    pub detail: String,
    pub created_at: i64,
}

/// The flag of a product's cited standards: each replaced or withdrawn one with its
/// successor (`GB 1-2000 → GB 1-2020`, `GB 2-2001 withdrawn`), joined by `; `.
pub fn flag_of(standards: &[CitedOut]) -> String {
    standards
        .iter()
        .filter(|c| matches!(c.status.as_str(), "replaced" | "withdrawn"))
        .map(|c| match (&c.current, c.status.as_str()) {
            (Some(n), _) if *n != c.norm => format!("{} → {}", c.norm, n),
            _ => format!("{} {}", c.norm, c.status),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// One problem named by a flag: the cited number, its successor if one is named, and
/// whether it is withdrawn (else replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagPart {
    pub number: String,
    pub current: Option<String>,
    pub withdrawn: bool,
}

/// Reads a stored flag back (`GB 1-2000 → GB 1-2020; GB 2-2001 withdrawn`).
pub fn flag_parts(flag: &str) -> Vec<FlagPart> {
    flag.split("; ")
        .filter(|p| !p.trim().is_empty())
        .map(|p| match p.split_once(" → ") {
            Some((n, c)) => FlagPart { number: n.trim().to_string(), current: Some(c.trim().to_string()), withdrawn: false },
            None => match p.rsplit_once(' ') {
                Some((n, st @ ("withdrawn" | "replaced"))) => FlagPart { number: n.trim().to_string(), current: None, withdrawn: st == "withdrawn" },
                _ => FlagPart { number: p.trim().to_string(), current: None, withdrawn: false },
            },
        })
        .collect()
}

/// A flag in words of the language: each problem as a sentence.
pub fn flag_text(lang: Lang, flag: &str) -> String {
    let sep = if lang == Lang::Zh { "；" } else { "; " };
    flag_parts(flag)
        .iter()
        .map(|p| match (&p.current, p.withdrawn) {
            (Some(c), _) => i18n::tf(lang, "registry.flag_replaced", &[("number", &p.number), ("current", c)]),
            (None, true) => i18n::tf(lang, "registry.flag_withdrawn", &[("number", &p.number)]),
            (None, false) => i18n::tf(lang, "registry.flag_replaced_unnamed", &[("number", &p.number)]),
        })
        .collect::<Vec<_>>()
        .join(sep)
}

/// A declaration's history with each flag in words of the reader's language.
pub fn history_view(lang: Lang, events: Vec<Event>) -> Vec<Event> {
    events.into_iter().map(|e| if e.kind == "flagged" { Event { detail: flag_text(lang, &e.detail), ..e } } else { e }).collect()
}

async fn event(tx: &mut Tx, id: i64, kind: &str, detail: &str, actor: Option<i64>) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO registry_declaration_events (declaration_id, kind, detail, actor_id, created_at) VALUES ($1,$2,$3,$4,$5)")
        .bind(id)
        .bind(kind)
        .bind(detail)
        .bind(actor)
        .bind(crate::util::now())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Declares a product public (its organisation's administrators, or staff); declaring it
/// again changes nothing. Answers the declaration's id.
pub async fn declare(app: &App, ctx: &Ctx, product_id: i64) -> AppResult<i64> {
    let org_id = store::product_org(app, product_id).await?;
    super::policy::must_edit_org(app, ctx, org_id).await?;
    let product = store::list(app, &Filter { product_id: Some(product_id), ..Default::default() }, 1, 0).await?.pop();
    let flag = product.as_ref().map(|p| flag_of(&p.standards)).unwrap_or_default();
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    let old: Option<(i64, String)> = sqlx::query_as("SELECT id, status FROM registry_declarations WHERE product_id = $1").bind(product_id).fetch_optional(&mut *tx).await?;
    let id = match old {
        Some((id, status)) if status == "public" => return Ok(id),
        Some((id, _)) => {
            sqlx::query("UPDATE registry_declarations SET status = 'public', flag = $1, updated_at = $2 WHERE id = $3").bind(&flag).bind(now).bind(id).execute(&mut *tx).await?;
            id
        }
        None => {
            sqlx::query_scalar(
                "INSERT INTO registry_declarations (org_id, product_id, status, flag, declared_by, created_at, updated_at) VALUES ($1,$2,'public',$3,$4,$5,$5) RETURNING id",
            )
            .bind(org_id)
            .bind(product_id)
            .bind(&flag)
            .bind(ctx.user_id())
            .bind(now)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    event(&mut tx, id, "declared", "", ctx.user_id()).await?;
    if !flag.is_empty() {
        event(&mut tx, id, "flagged", &flag, None).await?;
    }
    let p = product.as_ref();
    let data = serde_json::json!({"declaration": id, "product": product_id, "gtin": p.map(|p| p.gtin.clone()), "organisation": p.map(|p| p.organisation.clone()),
        "standards": p.map(|p| p.standards.iter().map(|s| serde_json::json!({"number": s.number, "status": s.status, "current": s.current})).collect::<Vec<_>>())});
    super::webhooks::emit(&mut tx, "declaration.declared", data).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "registry.declare", target: format!("declaration:{id}"), detail: product_id.to_string() }).await?;
    tx.commit().await?;
    Ok(id)
}

/// Public declarations matching the filter (company or product text, GTIN, standard,
/// organisation), newest first.
pub async fn search(app: &App, f: &Filter, limit: i64, offset: i64) -> AppResult<Vec<DeclarationOut>> {
    let f = Filter { declared_only: true, ..f.clone() };
    let products = store::list(app, &f, limit, offset).await?;
    let ids: Vec<String> = products.iter().map(|p| p.id.to_string()).collect();
    let mut out = Vec::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let sql = format!("SELECT id, product_id, created_at FROM registry_declarations WHERE status = 'public' AND product_id IN ({})", ids.join(","));
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&app.db.pool).await?;
    let mut by_product = std::collections::HashMap::new();
    for r in rows {
        by_product.insert(r.try_get::<i64, _>("product_id")?, (r.try_get::<i64, _>("id")?, r.try_get::<i64, _>("created_at")?));
    }
    for p in products {
        if let Some((id, at)) = by_product.get(&p.id) {
            out.push(view(*id, *at, p));
        }
    }
    Ok(out)
}

fn view(id: i64, declared_at: i64, p: ProductOut) -> DeclarationOut {
    let flags = flag_of(&p.standards).split("; ").filter(|s| !s.is_empty()).map(String::from).collect();
    DeclarationOut {
        id,
        organisation: p.organisation,
        organisation_name: p.organisation_name,
        product_id: p.id,
        product: p.name,
        model: p.model,
        gtin: p.gtin,
        standards: p.standards,
        flags,
        declared_at,
        results: p.results,
    }
}

/// A declaration's history, oldest first.
pub async fn history(app: &App, id: i64) -> AppResult<Vec<Event>> {
    Ok(sqlx::query_as::<_, Event>("SELECT kind, detail, created_at FROM registry_declaration_events WHERE declaration_id = $1 ORDER BY id").bind(id).fetch_all(&app.db.pool).await?)
}

/// The catalogue's word on each cited standard, by normalised number ([`store::judge`]).
pub type Judged = std::collections::HashMap<String, (String, Option<String>)>;

/// The public declarations of these products, read in `ex` (the pool, or the transaction
/// that just changed them).
async fn declared<'e, E>(ex: E, product_ids: &[i64]) -> Result<Vec<crate::db::Row>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    // The ids are numbers written in.
    let list = product_ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let sql = format!(
        "SELECT d.id, d.org_id, d.product_id, d.flag, p.name FROM registry_declarations d JOIN registry_products p ON p.id = d.product_id \
         WHERE d.status = 'public' AND d.product_id IN ({list})"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(ex).await
}

/// Re-judges the public declarations of these products against the catalogue; a flag that
/// appears or changes is written to the history and told to the organisation's users.
/// Answers how many declarations were newly flagged.
pub async fn recheck_products(app: &App, product_ids: &[i64]) -> anyhow::Result<usize> {
    let mut flagged = 0;
    for chunk in product_ids.chunks(200) {
        let rows = declared(&app.db.pool, chunk).await?;
        if rows.is_empty() {
            continue;
        }
        let links = store::links_of(&app.db.pool, chunk).await?;
        let all: Vec<&super::model::Cited> = links.values().flatten().collect();
        let judged = store::judge(app, &all).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        let mut tx = app.db.begin().await?;
        flagged += apply(&mut tx, app, rows, &links, &judged).await?;
        tx.commit().await?;
    }
    Ok(flagged)
}

/// As [`recheck_products`] for one product inside the transaction that changed it (the
/// edit form): `judged` holds the catalogue's word on its new standards, read before the
/// transaction opened, so the save and the flag it brings are one change.
pub async fn recheck_in(tx: &mut Tx, app: &App, product_id: i64, judged: &Judged) -> Result<usize, sqlx::Error> {
    let rows = declared(&mut **tx, &[product_id]).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let links = store::links_of(&mut **tx, &[product_id]).await?;
    apply(tx, app, rows, &links, judged).await
}

/// Writes the flags of these declarations (rows of [`declared`]) as their products' links
/// are judged now; tells the organisation's users of each new one.
async fn apply(
    tx: &mut Tx,
    app: &App,
    rows: Vec<crate::db::Row>,
    links: &std::collections::HashMap<i64, Vec<super::model::Cited>>,
    judged: &Judged,
) -> Result<usize, sqlx::Error> {
    let mut flagged = 0;
    for r in rows {
        let (id, org_id, product_id): (i64, i64, i64) = (r.try_get("id")?, r.try_get("org_id")?, r.try_get("product_id")?);
        let old: String = r.try_get("flag")?;
        let name: String = r.try_get("name")?;
        let cited: Vec<CitedOut> = links
            .get(&product_id)
            .into_iter()
            .flatten()
            .map(|c| {
                let (status, current) = judged.get(&c.norm).cloned().unwrap_or(("unknown".into(), None));
                CitedOut { number: c.number.clone(), norm: c.norm.clone(), status, current, indicators: c.indicators.clone() }
            })
            .collect();
        let flag = flag_of(&cited);
        if flag == old {
            continue;
        }
        sqlx::query("UPDATE registry_declarations SET flag = $1, updated_at = $2 WHERE id = $3").bind(&flag).bind(crate::util::now()).bind(id).execute(&mut **tx).await?;
        event(tx, id, if flag.is_empty() { "cleared" } else { "flagged" }, &flag, None).await?;
        let data = serde_json::json!({"declaration": id, "product": product_id, "flag": flag,
            "standards": cited.iter().map(|s| serde_json::json!({"number": s.number, "status": s.status, "current": s.current})).collect::<Vec<_>>()});
        super::webhooks::emit(tx, if flag.is_empty() { "declaration.cleared" } else { "declaration.flagged" }, data).await?;
        if !flag.is_empty() {
            flagged += 1;
            let link = format!("/registry/declarations/{id}");
            for uid in crate::orgs::store::members_of(&mut **tx, org_id).await? {
                let n = Notice { kind: "registry", key: "registry.notice_flagged", args: &[("product", &name)], link: &link, mail: true };
                notify::send_localized(tx, app, uid, n, &|lang: Lang| vec![("flag", flag_text(lang, &flag))]).await?;
            }
        }
    }
    Ok(flagged)
}

/// Follows the catalogue's change events since the last one seen and re-checks the
/// declarations of every product citing a changed standard's base.
pub async fn follow_job(app: App, _job: i64, _p: serde_json::Value) -> anyhow::Result<()> {
    let seen: Option<i64> = sqlx::query_scalar("SELECT last_event FROM registry_cursor WHERE id = 1").fetch_optional(&app.db.pool).await?;
    let events = crate::standards::store::events_since(&app, seen.unwrap_or(0), 1000).await?;
    let Some(last) = events.last().map(|e| e.0) else { return Ok(()) };
    let mut bases: Vec<String> = events.into_iter().map(|e| e.1).collect();
    bases.sort();
    bases.dedup();
    let mut ids = Vec::new();
    for b in &bases {
        ids.extend(store::affected_by(&app.db.pool, b).await?);
    }
    recheck_products(&app, &ids).await?;
    sqlx::query("INSERT INTO registry_cursor (id, last_event) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET last_event = excluded.last_event")
        .bind(last)
        .execute(&app.db.pool)
        .await?;
    Ok(())
}

/// The daily re-check of every public declaration.
pub async fn recheck_job(app: App, _job: i64, _p: serde_json::Value) -> anyhow::Result<()> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT product_id FROM registry_declarations WHERE status = 'public' ORDER BY product_id").fetch_all(&app.db.pool).await?;
    recheck_products(&app, &ids).await?;
    Ok(())
}

/// Bases of the standards cited by public declarations (the catalogue records change events
/// for them).
pub fn declared_bases(app: &App) -> futures_util::future::BoxFuture<'_, Result<std::collections::HashSet<String>, sqlx::Error>> {
    Box::pin(async move {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT s.base FROM registry_product_standards s JOIN registry_declarations d ON d.product_id = s.product_id WHERE d.status = 'public'",
        )
        .fetch_all(&app.db.pool)
        .await?;
        Ok(rows.into_iter().collect())
    })
}

/// Ids of public declarations that changed since a time: declared or re-declared, flagged
/// or cleared, or with a result recorded for their product.
pub async fn changed_since(app: &App, since: i64) -> AppResult<std::collections::HashSet<i64>> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM registry_declarations WHERE status = 'public' AND updated_at >= $1 \
         UNION SELECT declaration_id FROM registry_declaration_events WHERE created_at >= $1 \
         UNION SELECT d.id FROM registry_declarations d JOIN registry_results r ON r.product_id = d.product_id WHERE r.created_at >= $1",
    )
    .bind(since)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(ids.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cited(norm: &str, status: &str, current: Option<&str>) -> CitedOut {
        CitedOut { number: norm.into(), norm: norm.into(), status: status.into(), current: current.map(String::from), indicators: String::new() }
    }

    #[test]
    fn flags_read_back_and_speak_both_languages() {
        let flag = flag_of(&[
            cited("GB 1-2000", "replaced", Some("GB 1-2020")),
            cited("GB 2-2001", "withdrawn", None),
            cited("GB 3-2002", "replaced", None),
            cited("GB 4-2003", "in_force", Some("GB 4-2003")),
        ]);
        assert_eq!(flag, "GB 1-2000 → GB 1-2020; GB 2-2001 withdrawn; GB 3-2002 replaced");
        let parts = flag_parts(&flag);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], FlagPart { number: "GB 1-2000".into(), current: Some("GB 1-2020".into()), withdrawn: false });
        assert_eq!(parts[1], FlagPart { number: "GB 2-2001".into(), current: None, withdrawn: true });
        assert_eq!(parts[2], FlagPart { number: "GB 3-2002".into(), current: None, withdrawn: false });
        let zh = flag_text(Lang::Zh, &flag);
        assert_eq!(zh, "所引标准 GB 1-2000 已被代替，现行标准为 GB 1-2020；所引标准 GB 2-2001 已废止，无代替标准；所引标准 GB 3-2002 已被代替");
        assert!(!zh.contains("withdrawn") && !zh.contains("replaced"), "{zh}");
        let en = flag_text(Lang::En, &flag);
        assert!(en.contains("GB 1-2000") && en.contains("GB 1-2020") && en.contains("withdrawn") && !en.contains('已'), "{en}");
        assert_eq!(flag_text(Lang::Zh, ""), "");
    }
}
