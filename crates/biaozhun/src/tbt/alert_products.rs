//! The products an alert names: an organisation's products whose HS code a matched
//! notification's concern, asked of the rooms through the house's `org_records` hook (this
//! room does not name the registry), written in each recipient's language.

use super::alerts::SubOwner;
use crate::App;
use crate::web::AppResult;

/// A notification of the batch and the subscriptions it matched (with the reason).
pub struct Hit {
    pub id: i64,
    pub symbol: String,
    pub hs: Vec<String>,
    pub title: String,
    pub deadline: String,
    pub domestic: String,
    pub found: Vec<(i64, String)>,
}

/// An organisation's products by the HS codes asked, in each language, through the rooms'
/// `org_records` hook (the same products its profile page and the notification's page show).
pub type OrgProducts = std::collections::HashMap<(i64, &'static str), std::collections::BTreeMap<String, Vec<crate::web::domain::OrgRecord>>>;

/// The products of the organisations whose immediate subscriptions a batch's hits matched.
pub async fn org_products(app: &App, hits: &[Hit], owners: &std::collections::HashMap<i64, SubOwner>) -> AppResult<OrgProducts> {
    let mut wanted: Vec<(i64, &[String])> = Vec::new();
    for h in hits {
        for org in h.found.iter().filter_map(|(sub, _)| owners.get(sub).filter(|o| o.frequency == "immediate").and_then(|o| o.org)) {
            wanted.push((org, &h.hs));
        }
    }
    products_of(app, wanted).await
}

/// The products of each organisation by the HS codes asked of it, in each language.
pub async fn products_of(app: &App, wanted: Vec<(i64, &[String])>) -> AppResult<OrgProducts> {
    let mut codes: std::collections::BTreeMap<i64, std::collections::BTreeSet<String>> = Default::default();
    for (org, hs) in wanted.into_iter().filter(|(_, hs)| !hs.is_empty()) {
        codes.entry(org).or_default().extend(hs.iter().cloned());
    }
    let mut out = OrgProducts::new();
    for (org, codes) in codes {
        let keys = crate::web::domain::OrgKeys::Hs(codes.into_iter().collect());
        for lang in [crate::web::Lang::Zh, crate::web::Lang::En] {
            out.insert((org, lang.code()), crate::web::domain::org_records_in(app, lang, org, &keys).await?);
        }
    }
    Ok(out)
}

/// The lines naming an organisation's products a notification's HS codes concern, in
/// `lang` (empty when none does): a heading, then one product a line.
pub fn products_text(products: &OrgProducts, org: Option<i64>, hs: &[String], lang: crate::web::Lang) -> String {
    let Some(found) = org.and_then(|o| products.get(&(o, lang.code()))) else { return String::new() };
    let mut seen = std::collections::HashSet::new();
    let lines: Vec<String> = hs
        .iter()
        .flat_map(|c| found.get(c).into_iter().flatten())
        .filter(|r| seen.insert(r.href.clone()))
        .map(|r| format!("- {}（{}）", r.label, r.detail))
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    format!("\n{}\n{}", crate::web::i18n::t(lang, "tbt.notice_products"), lines.join("\n"))
}

