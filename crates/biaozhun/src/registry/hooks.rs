//! What the registry offers other rooms' pages through the house's `org_records` hook: an
//! organisation's products citing the standards it watches (the standards watchlist), and
//! its products whose HS code falls under a TBT notification's (the TBT alerts). Both pages
//! then show the same products, and neither names this room.

use super::model::Cited;
use super::store;
use crate::App;
use crate::web::domain::{Fut, OrgKeys, OrgRecord};
use crate::web::{AppResult, Lang, i18n};
use sqlx::Row as _;

pub fn org_records_hook<'a>(app: &'a App, lang: Lang, org: i64, keys: &'a OrgKeys) -> Fut<'a, Vec<OrgRecord>> {
    Box::pin(async move {
        match keys {
            OrgKeys::Standards(norms) => citing(app, lang, org, norms).await,
            OrgKeys::Hs(codes) => by_hs(app, lang, org, codes).await,
        }
    })
}

/// A product as a line: its name and model, linked to its page.
struct Product {
    id: i64,
    name: String,
    model: String,
    hs: String,
    declared: bool,
}

fn label(p: &Product) -> String {
    if p.model.is_empty() { p.name.clone() } else { format!("{} {}", p.name, p.model) }
}

fn href(p: &Product) -> String {
    format!("/registry/products/{}", p.id)
}

fn declared(lang: Lang, p: &Product) -> String {
    i18n::t(lang, if p.declared { "registry.is_declared" } else { "registry.not_declared" })
}

async fn products(app: &App, org: i64, extra: &str, binds: &[String]) -> AppResult<Vec<Product>> {
    let sql = format!(
        "SELECT p.id, p.name, p.model, p.hs, (SELECT COUNT(*) FROM registry_declarations d WHERE d.product_id = p.id AND d.status = 'public') AS declared \
         FROM registry_products p WHERE p.org_id = {org} {extra} ORDER BY p.name, p.model LIMIT 2000"
    );
    // The organisation's id is a number written in; the run-time list takes every parameter.
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        q = q.bind(b);
    }
    let mut out = Vec::new();
    for r in q.fetch_all(&app.db.pool).await? {
        out.push(Product {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            model: r.try_get("model")?,
            hs: r.try_get("hs")?,
            declared: r.try_get::<i64, _>("declared")? > 0,
        });
    }
    Ok(out)
}

/// The organisation's products citing any edition of each watched standard, keyed by the
/// number watched, with the edition cited and its state in the catalogue.
async fn citing(app: &App, lang: Lang, org: i64, norms: &[String]) -> AppResult<Vec<OrgRecord>> {
    // Each watched number's base; the links are found through the index on the base.
    let mut wanted: Vec<(String, String)> = Vec::new();
    for n in norms {
        if let Some(id) = crate::standards::model::ident(n) {
            wanted.push((n.clone(), id.base));
        }
    }
    let mut bases: Vec<String> = wanted.iter().map(|w| w.1.clone()).collect();
    bases.sort();
    bases.dedup();
    let mut out = Vec::new();
    for chunk in bases.chunks(200) {
        let extra = format!("AND p.id IN (SELECT product_id FROM registry_product_standards WHERE base IN ({}))", app.db.kind.params(1, chunk.len()));
        let found = products(app, org, &extra, chunk).await?;
        let ids: Vec<i64> = found.iter().map(|p| p.id).collect();
        let links = store::links_of(&app.db.pool, &ids).await?;
        let all: Vec<&Cited> = links.values().flatten().collect();
        let judged = store::judge(app, &all).await?;
        for (watched, base) in wanted.iter().filter(|w| chunk.contains(&w.1)) {
            for p in &found {
                for c in links.get(&p.id).into_iter().flatten().filter(|c| &c.base == base) {
                    let status = judged.get(&c.norm).map(|j| j.0.clone()).unwrap_or_else(|| "unknown".into());
                    let state = i18n::t(lang, &format!("registry.status_{status}"));
                    out.push(OrgRecord {
                        key: watched.clone(),
                        label: label(p),
                        detail: i18n::tf(lang, "registry.record_cites", &[("number", &c.number), ("status", &state), ("declared", &declared(lang, p))]),
                        href: href(p),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Whether a product's HS code and a notification's concern the same goods: one is a
/// prefix of the other (a notification names a chapter `85`, a product its subheading
/// `851679`; or the other way round).
pub fn hs_overlap(product: &str, notified: &str) -> bool {
    let p: String = product.chars().filter(char::is_ascii_digit).collect();
    let n: String = notified.chars().filter(char::is_ascii_digit).collect();
    !p.is_empty() && !n.is_empty() && (p.starts_with(&n) || n.starts_with(&p))
}

/// The organisation's products whose HS code overlaps each notified code, keyed by the code.
async fn by_hs(app: &App, lang: Lang, org: i64, codes: &[String]) -> AppResult<Vec<OrgRecord>> {
    let found = products(app, org, "AND p.hs <> ''", &[]).await?;
    let mut out = Vec::new();
    for code in codes {
        for p in found.iter().filter(|p| hs_overlap(&p.hs, code)) {
            out.push(OrgRecord {
                key: code.clone(),
                label: label(p),
                detail: i18n::tf(lang, "registry.record_hs", &[("hs", &p.hs), ("declared", &declared(lang, p))]),
                href: href(p),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::hs_overlap;

    #[test]
    fn hs_codes_overlap_by_prefix_either_way() {
        assert!(hs_overlap("851679", "85"));
        assert!(hs_overlap("851679", "8516"));
        assert!(hs_overlap("8516", "851679"));
        assert!(hs_overlap("8516.79", "851679"));
        assert!(!hs_overlap("851679", "8517"));
        assert!(!hs_overlap("", "85"));
        assert!(!hs_overlap("851679", ""));
    }
}
