//! SQL of the registry room: products with the standards they follow, public
//! self-declarations with their history and flags, and what a change of one standard
//! affects. Organisations are read through `orgs::store` only.

use super::model::{Cited, FieldError, ProductIn, ProductValues};
use crate::App;
use crate::db::Tx;
use crate::web::{AppError, AppResult, Ctx};
use serde::Serialize;
use sqlx::Row as _;
use std::collections::HashMap;

pub fn invalid(ctx: &Ctx, e: FieldError) -> AppError {
    let args: Vec<(&str, &str)> = e.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    AppError::invalid(e.field, ctx.tf(e.key, &args))
}

/// The organisation of a credit code typed in `field`: 422 naming the field for a code
/// whose check digit is wrong or that no organisation is registered under.
pub async fn org_of_code(app: &App, ctx: &Ctx, raw: &str, field: &'static str) -> AppResult<crate::orgs::store::Organisation> {
    let code = super::model::credit_code(raw, field).map_err(|e| invalid(ctx, e))?;
    match crate::orgs::store::id_by_uscc(&app.db.pool, &code).await? {
        Some(id) => crate::orgs::store::get(&app.db.pool, id).await,
        None => Err(AppError::invalid(field, ctx.tf("registry.err_unknown_org", &[("code", &code)]))),
    }
}

/// Whether a product with this key existed before a save.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created(i64),
    Updated(i64),
    Unchanged(i64),
}

impl Saved {
    pub fn id(self) -> i64 {
        match self {
            Saved::Created(i) | Saved::Updated(i) | Saved::Unchanged(i) => i,
        }
    }
}

/// Saves a product under its key (organisation, name, model) with its standards, in the
/// caller's transaction: a new one, or the same one with changed values; re-saving the same
/// values changes nothing. A GTIN already given to another product is refused (`gtin`).
pub async fn save(tx: &mut Tx, org_id: i64, v: &ProductValues, actor: Option<i64>) -> Result<Result<Saved, FieldError>, sqlx::Error> {
    let now = crate::util::now();
    if !v.gtin.is_empty() {
        let other: Option<(i64, i64, String, String)> = sqlx::query_as("SELECT id, org_id, name, model FROM registry_products WHERE gtin = $1")
            .bind(&v.gtin)
            .fetch_optional(&mut **tx)
            .await?;
        if let Some((_, o, n, m)) = other
            && (o != org_id || n != v.name || m != v.model)
        {
            return Ok(Err(FieldError { field: "gtin", key: "registry.err_gtin_taken", args: vec![("gtin", v.gtin.clone())] }));
        }
    }
    let old: Option<(i64, String, String)> = sqlx::query_as("SELECT id, gtin, hs FROM registry_products WHERE org_id = $1 AND name = $2 AND model = $3")
        .bind(org_id)
        .bind(&v.name)
        .bind(&v.model)
        .fetch_optional(&mut **tx)
        .await?;
    let saved = match old {
        None => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO registry_products (org_id, name, model, gtin, hs, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id",
            )
            .bind(org_id)
            .bind(&v.name)
            .bind(&v.model)
            .bind(&v.gtin)
            .bind(&v.hs)
            .bind(actor)
            .bind(now)
            .fetch_one(&mut **tx)
            .await?;
            Saved::Created(id)
        }
        Some((id, gtin, hs)) => {
            let links = links_of(&mut **tx, &[id]).await?.remove(&id).unwrap_or_default();
            let mut wanted = v.standards.clone();
            sort_cited(&mut wanted);
            if gtin == v.gtin && hs == v.hs && links == wanted {
                return Ok(Ok(Saved::Unchanged(id)));
            }
            sqlx::query("UPDATE registry_products SET gtin = $1, hs = $2, updated_at = $3 WHERE id = $4")
                .bind(&v.gtin)
                .bind(&v.hs)
                .bind(now)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            sqlx::query("DELETE FROM registry_product_standards WHERE product_id = $1").bind(id).execute(&mut **tx).await?;
            Saved::Updated(id)
        }
    };
    for c in &v.standards {
        sqlx::query("INSERT INTO registry_product_standards (product_id, number, norm, base, kind, indicators) VALUES ($1,$2,$3,$4,$5,$6)")
            .bind(saved.id())
            .bind(&c.number)
            .bind(&c.norm)
            .bind(&c.base)
            .bind(&c.kind)
            .bind(&c.indicators)
            .execute(&mut **tx)
            .await?;
    }
    Ok(Ok(saved))
}

/// The standards cited by these products, in the order they were typed.
pub async fn links_of<'e, E>(ex: E, ids: &[i64]) -> Result<HashMap<i64, Vec<Cited>>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let mut out: HashMap<i64, Vec<Cited>> = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
    let sql = format!("SELECT product_id, number, norm, base, kind, indicators FROM registry_product_standards WHERE product_id IN ({list})");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(ex).await?;
    for r in rows {
        out.entry(r.try_get("product_id")?).or_default().push(Cited {
            number: r.try_get("number")?,
            norm: r.try_get("norm")?,
            base: r.try_get("base")?,
            kind: r.try_get("kind")?,
            indicators: r.try_get("indicators")?,
        });
    }
    for l in out.values_mut() {
        l.sort_by(|a, b| a.norm.cmp(&b.norm));
    }
    Ok(out)
}

/// Creates a product (API and form): the organisation must exist; its administrators add
/// its products, staff add any organisation's. An existing product of the same name and
/// model is a conflict.
pub async fn create(app: &App, ctx: &Ctx, input: &ProductIn) -> AppResult<i64> {
    let org = org_of_code(app, ctx, &input.organisation, "organisation").await?;
    super::policy::must_edit_org(app, ctx, org.id).await?;
    let v = input.check().map_err(|e| invalid(ctx, e))?;
    let mut tx = app.db.begin().await?;
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM registry_products WHERE org_id = $1 AND name = $2 AND model = $3")
        .bind(org.id)
        .bind(&v.name)
        .bind(&v.model)
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_some() {
        return Err(AppError::Conflict(ctx.t("registry.err_product_exists")));
    }
    let id = match save(&mut tx, org.id, &v, ctx.user_id()).await? {
        Ok(s) => s.id(),
        Err(e) => return Err(invalid(ctx, e)),
    };
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "registry.product", target: format!("product:{id}"), detail: v.name.clone() }).await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes a product (its organisation's administrators, or staff) in one transaction: its
/// name, model, GTIN, HS code and the standards it follows. Another product of the
/// organisation under the new name and model is a conflict; a GTIN of another product is
/// refused (`gtin`). A declared product's flag is re-judged in the same transaction.
pub async fn update(app: &App, ctx: &Ctx, id: i64, input: &ProductIn) -> AppResult<()> {
    let org_id = product_org(app, id).await?;
    super::policy::must_edit_org(app, ctx, org_id).await?;
    let v = input.check().map_err(|e| invalid(ctx, e))?;
    // The catalogue's word on the new standards, read before the transaction: a declared
    // product's flag follows them in the same transaction as the save.
    let judged = judge(app, &v.standards.iter().collect::<Vec<_>>()).await?;
    let mut tx = app.db.begin().await?;
    let clash: Option<i64> = sqlx::query_scalar("SELECT id FROM registry_products WHERE org_id = $1 AND name = $2 AND model = $3 AND id <> $4")
        .bind(org_id)
        .bind(&v.name)
        .bind(&v.model)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    if clash.is_some() {
        return Err(AppError::Conflict(ctx.t("registry.err_product_exists")));
    }
    if !v.gtin.is_empty() {
        let other: Option<i64> = sqlx::query_scalar("SELECT id FROM registry_products WHERE gtin = $1 AND id <> $2").bind(&v.gtin).bind(id).fetch_optional(&mut *tx).await?;
        if other.is_some() {
            return Err(invalid(ctx, FieldError { field: "gtin", key: "registry.err_gtin_taken", args: vec![("gtin", v.gtin.clone())] }));
        }
    }
    sqlx::query("UPDATE registry_products SET name = $1, model = $2, gtin = $3, hs = $4, updated_at = $5 WHERE id = $6")
        .bind(&v.name)
        .bind(&v.model)
        .bind(&v.gtin)
        .bind(&v.hs)
        .bind(crate::util::now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM registry_product_standards WHERE product_id = $1").bind(id).execute(&mut *tx).await?;
    for c in &v.standards {
        sqlx::query("INSERT INTO registry_product_standards (product_id, number, norm, base, kind, indicators) VALUES ($1,$2,$3,$4,$5,$6)")
            .bind(id)
            .bind(&c.number)
            .bind(&c.norm)
            .bind(&c.base)
            .bind(&c.kind)
            .bind(&c.indicators)
            .execute(&mut *tx)
            .await?;
    }
    // A declared product's flag follows its new standards (and its users hear of a new one).
    super::declarations::recheck_in(&mut tx, app, id, &judged).await?;
    crate::auth::audit::log_tx(&mut tx, ctx, crate::auth::audit::Entry { action: "registry.product_edit", target: format!("product:{id}"), detail: v.name.clone() }).await?;
    tx.commit().await?;
    Ok(())
}

/// One product as the API shows it, or 404.
pub async fn one(app: &App, id: i64) -> AppResult<ProductOut> {
    list(app, &Filter { product_id: Some(id), ..Default::default() }, 1, 0).await?.pop().ok_or(AppError::NotFound)
}

/// Standards in the stored order (by normalised number), so that a re-save compares equal.
pub fn sort_cited(l: &mut [Cited]) {
    l.sort_by(|a, b| a.norm.cmp(&b.norm));
}

/// A product as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProductOut {
    pub id: i64,
    /// Credit code of the organisation.
    pub organisation: String,
    pub organisation_name: String,
    pub name: String,
    pub model: String,
    pub gtin: String,
    pub hs: String,
    pub standards: Vec<CitedOut>,
    pub declared: bool,
    /// Conformity and certification results recorded for the product.
    pub results: Vec<super::results::ConformityResult>,
}

/// A cited standard with its state in the catalogue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CitedOut {
    /// The number as typed.
    pub number: String,
    /// The normalised number.
    pub norm: String,
    /// `in_force`, `upcoming`, `replaced`, `withdrawn`, … from the catalogue; `unknown`
    /// when the catalogue has no such standard (an enterprise's own Q/ standard, say).
    pub status: String,
    /// The standard in force to use now (the number itself when it is in force), if any.
    pub current: Option<String>,
    pub indicators: String,
}

/// The catalogue's word on each cited standard (one batched load of their families).
pub async fn judge(app: &App, cited: &[&Cited]) -> AppResult<HashMap<String, (String, Option<String>)>> {
    let mut bases: Vec<String> = cited.iter().map(|c| c.base.clone()).collect();
    bases.sort();
    bases.dedup();
    let g = crate::standards::check::Graph::load(app, bases).await.map_err(AppError::Internal)?;
    let mut out = HashMap::new();
    for c in cited {
        let year_given = crate::standards::model::ident(&c.norm).and_then(|i| i.year).is_some();
        let norm = if g.nodes.contains_key(&c.norm) { Some(c.norm.clone()) } else if !year_given { g.edition_for_base(&c.base) } else { None };
        let v = match norm {
            Some(n) => (g.status(&n), g.follow(&n).1),
            None => ("unknown".to_string(), None),
        };
        out.insert(c.norm.clone(), v);
    }
    // An enterprise's own standard, uploaded: the enterprise publishes it.
    let unknown: Vec<String> = out.iter().filter(|(n, (st, _))| st == "unknown" && n.starts_with("Q/")).map(|(n, _)| n.clone()).collect();
    if !unknown.is_empty() {
        for n in super::own::known(app, &unknown).await? {
            out.insert(n.clone(), ("own".to_string(), Some(n)));
        }
    }
    Ok(out)
}

/// What the product list is filtered by.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub gtin: Option<String>,
    /// A number: with a year it matches that edition, without it every edition of the base.
    pub standard: Option<String>,
    pub org_id: Option<i64>,
    pub declared_only: bool,
    pub text: Option<String>,
    /// One product.
    pub product_id: Option<i64>,
}

/// Products matching the filter, newest first.
pub async fn list(app: &App, f: &Filter, limit: i64, offset: i64) -> AppResult<Vec<ProductOut>> {
    let mut sql = String::from(
        "SELECT p.id, o.uscc, o.name AS org_name, p.name, p.model, p.gtin, p.hs, \
         (SELECT COUNT(*) FROM registry_declarations d WHERE d.product_id = p.id AND d.status = 'public') AS declared \
         FROM registry_products p JOIN organisations o ON o.id = p.org_id WHERE 1=1",
    );
    let mut binds: Vec<String> = Vec::new();
    if let Some(g) = &f.gtin {
        binds.push(g.clone());
        sql.push_str(&format!(" AND p.gtin = ${}", binds.len()));
    }
    if let Some(s) = &f.standard
        && let Some(id) = crate::standards::model::ident(s)
    {
        if id.year.is_some() {
            binds.push(id.norm);
            sql.push_str(&format!(" AND p.id IN (SELECT product_id FROM registry_product_standards WHERE norm = ${})", binds.len()));
        } else {
            binds.push(id.base);
            sql.push_str(&format!(" AND p.id IN (SELECT product_id FROM registry_product_standards WHERE base = ${})", binds.len()));
        }
    }
    if let Some(o) = f.org_id {
        sql.push_str(&format!(" AND p.org_id = {o}"));
    }
    if let Some(id) = f.product_id {
        sql.push_str(&format!(" AND p.id = {id}"));
    }
    if f.declared_only {
        sql.push_str(" AND EXISTS (SELECT 1 FROM registry_declarations d WHERE d.product_id = p.id AND d.status = 'public')");
    }
    if let Some(t) = &f.text {
        binds.push(format!("%{}%", t.replace(['%', '_'], "")));
        let n = binds.len();
        sql.push_str(&format!(" AND (p.name LIKE ${n} OR p.model LIKE ${n} OR o.name LIKE ${n} OR p.gtin LIKE ${n})"));
    }
    sql.push_str(&format!(" ORDER BY p.id DESC LIMIT {} OFFSET {}", limit.clamp(1, 500), offset.max(0)));
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in &binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&app.db.pool).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>()?;
    let links = links_of(&app.db.pool, &ids).await?;
    let all: Vec<&Cited> = links.values().flatten().collect();
    let judged = judge(app, &all).await?;
    let mut results: HashMap<i64, Vec<super::results::ConformityResult>> = HashMap::new();
    for r in super::results::of_products(app, &ids).await? {
        results.entry(r.product_id).or_default().push(r);
    }
    let mut out = Vec::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let standards = links
            .get(&id)
            .map(|l| {
                l.iter()
                    .map(|c| {
                        let (status, current) = judged.get(&c.norm).cloned().unwrap_or(("unknown".into(), None));
                        CitedOut { number: c.number.clone(), norm: c.norm.clone(), status, current, indicators: c.indicators.clone() }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let declared: i64 = r.try_get("declared")?;
        out.push(ProductOut {
            id,
            organisation: r.try_get("uscc")?,
            organisation_name: r.try_get("org_name")?,
            name: r.try_get("name")?,
            model: r.try_get("model")?,
            gtin: r.try_get("gtin")?,
            hs: r.try_get("hs")?,
            standards,
            declared: declared > 0,
            results: results.remove(&id).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The ids of every product citing any edition of a standard's base (through the index on
/// the base).
pub async fn affected_by<'e, E>(ex: E, base: &str) -> Result<Vec<i64>, sqlx::Error>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query_scalar("SELECT product_id FROM registry_product_standards WHERE base = $1").bind(base).fetch_all(ex).await
}

/// Public declarations of an organisation.
pub async fn declarations_count(app: &App, org_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM registry_declarations WHERE org_id = $1 AND status = 'public'").bind(org_id).fetch_one(&app.db.pool).await
}

/// The product's organisation, or 404.
pub async fn product_org(app: &App, id: i64) -> AppResult<i64> {
    let org: Option<i64> = sqlx::query_scalar("SELECT org_id FROM registry_products WHERE id = $1").bind(id).fetch_optional(&app.db.pool).await?;
    org.ok_or(AppError::NotFound)
}
