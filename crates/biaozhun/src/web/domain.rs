//! What a domain room gives the house: one [`Domain`] value, returned by the room's
//! `install()` and listed once in `app.rs`. The kernel and the portal use domains only
//! through it: routes (each with its access rule and rate-limit class), the room's API
//! document, its jobs, its search source, its lifecycles and its portal [`Hooks`].

use super::{AppResult, Ctx, Lang, Routes};
use crate::App;
use futures_util::future::BoxFuture;
use serde::Serialize;

pub type Fut<'a, T> = BoxFuture<'a, AppResult<T>>;

pub struct Domain {
    /// The room's name.
    pub name: &'static str,
    pub routes: fn() -> Routes,
    /// The room's own OpenAPI document (its `/api/v1` paths and schemas).
    pub api: Option<fn() -> utoipa::openapi::OpenApi>,
    /// Registers the room's job kinds and schedules.
    pub jobs: Option<fn(&mut crate::jobs::Registry)>,
    pub search: Option<crate::indexer::Source>,
    /// Lifecycles run by the workflow engine.
    pub flows: &'static [&'static crate::workflow::Flow],
    pub hooks: Hooks,
    /// The room's files under `migrations/`, by name without `.sql` (`"0020_tbt"`). The
    /// files stay one folder applied in number order for both backends; this says whose
    /// each is, and a test checks that every file is claimed by exactly one room.
    pub migrations: &'static [&'static str],
    /// Until when a user is a member of the association (the end of a membership in force,
    /// their own or an organisation's they belong to), asked for every signed-in request: it
    /// decides `Access::Member`. The membership room answers; the kernel names no domain.
    pub member_until: Option<for<'a> fn(&'a App, i64) -> Fut<'a, Option<i64>>>,
    /// The rolled-up counts the room keeps current in its writing transactions
    /// (`db::tallies`), each with the SQL that counts it from the records.
    pub tallies: &'static [crate::db::tallies::Tally],
}

impl Domain {
    /// A domain with routes only; fill in the rest with struct update syntax.
    pub const fn new(name: &'static str, routes: fn() -> Routes) -> Domain {
        Domain { name, routes, api: None, jobs: None, search: None, flows: &[], hooks: Hooks::NONE, migrations: &[], member_until: None, tallies: &[] }
    }
}

/// What a domain offers the portal's pages. Each hook is optional.
pub struct Hooks {
    /// Boxes on the home page. Public data only: the portal keeps them for a moment and
    /// shows the same boxes to every visitor of a language.
    pub home: Option<for<'a> fn(&'a App, Lang) -> Fut<'a, Vec<Panel>>>,
    /// Items of the staff work queue (the hook checks the user's rights itself).
    pub staff: Option<for<'a> fn(&'a App, &'a Ctx) -> Fut<'a, Vec<Todo>>>,
    /// Sections of the member area.
    pub member: Option<for<'a> fn(&'a App, &'a Ctx) -> Fut<'a, Vec<Panel>>>,
    /// What the account page (`/account`) shows of the domain for the signed-in user:
    /// `Place::Side` panels are lines of the account's facts (a `<dt>`/`<dd>` pair),
    /// `Place::Main` panels are sections after them.
    pub account: Option<for<'a> fn(&'a App, &'a Ctx) -> Fut<'a, Vec<Panel>>>,
    /// A section of the site search's results.
    pub search: Option<SearchHook>,
    /// The strategy indicators the room computes from its records (a key such as
    /// `"signs.standardised"`, named by an outline's indicator as its `source`).
    pub indicators: &'static [IndicatorSource],
    /// An organisation's own records touching some keys, for another room's page: the
    /// registry answers with the organisation's products citing watched standards, or whose
    /// HS code falls under a notification's ([`org_records`] asks every room), written in
    /// the language given (a page's reader, or a notice's recipient for a job).
    pub org_records: Option<for<'a> fn(&'a App, Lang, i64, &'a OrgKeys) -> Fut<'a, Vec<OrgRecord>>>,
}

/// What a page asks an organisation's records about ([`Hooks::org_records`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgKeys {
    /// Normalised standard numbers (`GB 4706.1-2005`): records citing any edition of each.
    Standards(Vec<String>),
    /// HS codes or prefixes (digits only): records whose code falls under one, or above.
    Hs(Vec<String>),
}

/// One record of an organisation touching a key: a line under the key on the asking page.
#[derive(Debug, Clone, Serialize)]
pub struct OrgRecord {
    /// The key asked (as given) that this record touches.
    pub key: String,
    /// What the record is (a product's name and model), in the page's language.
    pub label: String,
    /// A short line after it (the edition cited and its state, the HS code, declared or not).
    pub detail: String,
    pub href: String,
}

/// The records of organisation `org` touching `keys`, from every room that answers, by key
/// (each key's lines in the rooms' order).
pub async fn org_records(app: &App, ctx: &Ctx, org: i64, keys: &OrgKeys) -> AppResult<std::collections::BTreeMap<String, Vec<OrgRecord>>> {
    org_records_in(app, ctx.lang, org, keys).await
}

/// As [`org_records`], written in `lang` (for a job telling a user who has no page open).
pub async fn org_records_in(app: &App, lang: Lang, org: i64, keys: &OrgKeys) -> AppResult<std::collections::BTreeMap<String, Vec<OrgRecord>>> {
    let mut out: std::collections::BTreeMap<String, Vec<OrgRecord>> = std::collections::BTreeMap::new();
    let empty = match keys {
        OrgKeys::Standards(k) | OrgKeys::Hs(k) => k.is_empty(),
    };
    if empty {
        return Ok(out);
    }
    for d in app.domains.iter() {
        if let Some(hook) = d.hooks.org_records {
            for r in hook(app, lang, org, keys).await? {
                out.entry(r.key.clone()).or_default().push(r);
            }
        }
    }
    Ok(out)
}

/// A figure a room computes live for the strategy dashboard: `None` when the room holds no
/// data for it yet (the indicator then stays "reported").
#[derive(Clone, Copy)]
pub struct IndicatorSource {
    pub key: &'static str,
    pub read: for<'a> fn(&'a App) -> Fut<'a, Option<Measure>>,
}

/// A computed figure and the page that lists the records behind it.
#[derive(Debug, Clone, Serialize)]
pub struct Measure {
    pub value: i64,
    pub href: Href,
}

impl Hooks {
    pub const NONE: Hooks = Hooks { home: None, staff: None, member: None, account: None, search: None, indicators: &[], org_records: None };
}

/// Where a home-page box goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Place {
    /// The row of service entrances at the top.
    Entrance,
    /// The main column.
    Main,
    /// The side column.
    Side,
}

/// A box a domain shows on a portal page: `template` (one of the domain's own templates)
/// renders `panel.data`.
#[derive(Debug, Clone, Serialize)]
pub struct Panel {
    pub template: &'static str,
    pub place: Place,
    /// Position among the page's boxes (smaller first).
    pub order: i32,
    pub data: serde_json::Value,
}

impl Panel {
    pub fn new(template: &'static str, place: Place, order: i32, data: serde_json::Value) -> Panel {
        Panel { template, place, order, data }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub label: String,
    pub href: String,
}

/// One line of the staff work queue: what waits, how many, since when, and where to act.
#[derive(Debug, Clone, Serialize)]
pub struct Todo {
    pub label: String,
    pub count: i64,
    pub href: String,
    /// A line under the count, in the page's language ("oldest from …", "first due …").
    pub note: Option<String>,
    /// A related action (for example "new article").
    pub also: Option<Link>,
    pub order: i32,
}

/// One section of the site search: the domain builds the index query for the words, and
/// renders the hits (from the index payload, or from its own records).
#[derive(Clone, Copy)]
pub struct SearchHook {
    pub order: i32,
    /// i18n key of the section heading.
    pub title: &'static str,
    pub query: fn(&str) -> search::Query,
    /// The domain's own full search, as the path the words follow (`/standards?q=`).
    pub more: Option<&'static str>,
    pub render: for<'a> fn(&'a App, &'a Ctx, Vec<search::Hit>) -> Fut<'a, Vec<SearchHit>>,
}

/// A site path made of a fixed prefix and one key, percent-encoded but for the unreserved
/// characters (`-._~`): nothing in it needs escaping, so templates write it as it is
/// (`href="{{ h.href|safe }}"`), as they write fixed paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Href(String);

const KEY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

impl Href {
    pub fn new(prefix: &'static str, key: &str) -> Href {
        Href(format!("{prefix}{}", percent_encoding::utf8_percent_encode(key, KEY)))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A search result as the portal lists it.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub href: Href,
    /// A number or symbol shown before the title (may be empty).
    pub label: String,
    pub title: String,
    pub date: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::Href;

    #[test]
    fn hrefs_need_no_escaping() {
        assert_eq!(Href::new("/standards/", "GB/T 1.1-2020").as_str(), "/standards/GB%2FT%201.1-2020");
        assert_eq!(Href::new("/articles/", "a\"<b>&c").as_str(), "/articles/a%22%3Cb%3E%26c");
        assert_eq!(Href::new("/tbt/notifications/", "G/TBT/N/VNM/301").as_str(), "/tbt/notifications/G%2FTBT%2FN%2FVNM%2F301");
    }
}
