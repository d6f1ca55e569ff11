//! Enterprise profiles, subscriptions, matching of new notifications (job `tbt_match`),
//! immediate notices and the daily digest (job `tbt_digest`), and the iCalendar feeds.

use super::alert_products::{Hit, org_products, products_text};
use super::model::{self, Matcher, Sub, Target};
use super::store;
use crate::App;
use crate::jobs::notify::{self, Notice};
use crate::orgs::{Acting, Owner};
use crate::web::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use sqlx::Row;

pub use super::model::FREQUENCIES;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Subscription {
    pub id: i64,
    pub name: String,
    /// Member or group codes (USA, EU, ASEAN, RCEP, GZ); empty = any member.
    pub members: Vec<String>,
    /// HS prefixes; empty = any product.
    pub hs: Vec<String>,
    /// ICS prefixes; empty = any.
    pub ics: Vec<String>,
    pub keywords: Vec<String>,
    /// `tbt`, `sps`; empty = both agreements.
    pub agreements: Vec<String>,
    /// SPS objectives followed (`food_safety`, `animal_health`, `plant_protection`,
    /// `human_pests`, `territory`); empty = any.
    pub sps_objectives: Vec<String>,
    /// `immediate` or `daily`.
    pub frequency: String,
    /// Made from the enterprise profile.
    pub from_profile: bool,
    pub created_at: i64,
}

/// What a subscription follows; at least one of markets, products, ICS fields or keywords.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct SubscriptionInput {
    /// A label of the user's choice; the first 100 characters are kept.
    #[serde(default)]
    pub name: String,
    /// WTO member codes (`EU`, `USA`) or group codes (`ASEAN`); an unknown one is a 422.
    #[serde(default)]
    pub members: Vec<String>,
    /// HS 2022 codes or prefixes (2–6 digits, or longer national lines); an unknown one is a 422.
    #[serde(default)]
    pub hs: Vec<String>,
    /// ICS codes or prefixes (`97.040`); an unknown one is a 422.
    #[serde(default)]
    pub ics: Vec<String>,
    /// Words or phrases, also split at `;` `,` and new lines; each is cut to 60 characters and
    /// the first 30 are kept.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// `tbt` and/or `sps`; empty = both agreements.
    #[serde(default)]
    pub agreements: Vec<String>,
    /// SPS objectives (`food_safety`, `animal_health`, `plant_protection`, `human_pests`,
    /// `territory`, or their ePing wording); they narrow SPS notifications only.
    #[serde(default)]
    pub sps_objectives: Vec<String>,
    #[serde(default)]
    #[schema(value_type = Option<super::model::AlertFrequency>)]
    pub frequency: Option<String>,
}

fn list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

fn js(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Validates a subscription; errors name the field.
pub fn clean(input: &SubscriptionInput) -> AppResult<SubscriptionInput> {
    let (members, bad) = model::clean_markets(&input.members);
    if let Some(b) = bad.first() {
        return Err(AppError::invalid("members", format!("unknown member or group `{b}`")));
    }
    let (hs, bad) = model::clean_hs(&input.hs);
    if let Some(b) = bad.first() {
        return Err(AppError::invalid("hs", format!("`{b}` is not an HS 2022 code")));
    }
    let (ics, bad) = model::clean_ics(&input.ics);
    if let Some(b) = bad.first() {
        return Err(AppError::invalid("ics", format!("`{b}` is not an ICS code")));
    }
    let keywords: Vec<String> = input
        .keywords
        .iter()
        .flat_map(|k| k.split([';', '；', ',', '，', '\n']))
        .map(|k| k.trim().chars().take(60).collect::<String>())
        .filter(|k| !k.is_empty())
        .take(30)
        .collect();
    let mut agreements: Vec<String> = Vec::new();
    for a in input.agreements.iter().flat_map(|a| stdnum::cell::split_multi(a)) {
        let a = stdnum::wto::Agreement::parse(&a).ok_or_else(|| AppError::invalid("agreements", format!("`{a}`: tbt or sps")))?;
        if !agreements.iter().any(|x| x == a.code()) {
            agreements.push(a.code().to_string());
        }
    }
    if agreements.len() == 2 {
        agreements.clear();
    }
    let mut sps_objectives: Vec<String> = Vec::new();
    for o in input.sps_objectives.iter().filter(|o| !o.trim().is_empty()) {
        let k = super::sps::objective_key(o).ok_or_else(|| AppError::invalid("sps_objectives", format!("`{o}` is not an SPS objective")))?;
        if !sps_objectives.iter().any(|x| x == k) {
            sps_objectives.push(k.to_string());
        }
    }
    let frequency = input.frequency.clone().unwrap_or_else(|| "immediate".into());
    if super::model::AlertFrequency::parse(&frequency).is_none() {
        return Err(AppError::invalid("frequency", "immediate or daily"));
    }
    if members.is_empty() && hs.is_empty() && ics.is_empty() && keywords.is_empty() && sps_objectives.is_empty() {
        return Err(AppError::invalid("members", "choose at least a market, a product, an ICS field or a keyword"));
    }
    Ok(SubscriptionInput {
        name: input.name.trim().chars().take(100).collect(),
        members,
        hs,
        ics,
        keywords,
        agreements,
        sps_objectives,
        frequency: Some(frequency),
    })
}

fn sub_from(r: &crate::db::Row) -> Result<Subscription, sqlx::Error> {
    Ok(Subscription {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        members: list(&r.try_get::<String, _>("members")?),
        hs: list(&r.try_get::<String, _>("hs")?),
        ics: list(&r.try_get::<String, _>("ics")?),
        keywords: list(&r.try_get::<String, _>("keywords")?),
        agreements: list(&r.try_get::<String, _>("agreements")?),
        sps_objectives: list(&r.try_get::<String, _>("sps_objectives")?),
        frequency: r.try_get("frequency")?,
        from_profile: r.try_get::<Option<i64>, _>("profile_id")?.is_some(),
        created_at: r.try_get("created_at")?,
    })
}

/// The condition on `tbt_subscriptions` (alias `s`) that selects an owner's subscriptions,
/// the owner's id being parameter `$1`: a subscription is stored with the user who made it
/// and the organisation it was made for (NULL: the user's own).
fn owned_by(owner: Owner) -> &'static str {
    match owner {
        Owner::User(_) => "s.user_id = $1 AND s.org_id IS NULL",
        Owner::Org(_) => "s.org_id = $1",
    }
}

/// The subscriptions of an owner (whom the user acts for).
pub async fn subscriptions_of(app: &App, owner: Owner) -> AppResult<Vec<Subscription>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT s.id, s.name, s.members, s.hs, s.ics, s.keywords, s.agreements, s.sps_objectives, s.frequency, s.profile_id, s.created_at FROM tbt_subscriptions s WHERE {} ORDER BY s.id",
        owned_by(owner)
    )))
    .bind(owner.id())
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows.iter().map(sub_from).collect::<Result<_, _>>()?)
}

/// Adds a subscription made by `user_id` for `owner` (themselves or the organisation they act for).
pub async fn create_subscription(app: &App, user_id: i64, owner: Owner, input: &SubscriptionInput, profile_id: Option<i64>) -> AppResult<i64> {
    let c = clean(input)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tbt_subscriptions (user_id, org_id, name, members, hs, ics, keywords, frequency, profile_id, created_at, agreements, sps_objectives) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id",
    )
    .bind(user_id)
    .bind(owner.org_id())
    .bind(&c.name)
    .bind(js(&c.members))
    .bind(js(&c.hs))
    .bind(js(&c.ics))
    .bind(js(&c.keywords))
    .bind(c.frequency.unwrap_or_default())
    .bind(profile_id)
    .bind(crate::util::now())
    .bind(js(&c.agreements))
    .bind(js(&c.sps_objectives))
    .fetch_one(&app.db.pool)
    .await?;
    Ok(id)
}

pub async fn delete_subscription(app: &App, owner: Owner, id: i64) -> AppResult<()> {
    let sql = format!("DELETE FROM tbt_subscriptions WHERE id IN (SELECT s.id FROM tbt_subscriptions s WHERE {} AND s.id = $2)", owned_by(owner));
    let n = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(owner.id()).bind(id).execute(&app.db.pool).await?;
    if n.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Profile

#[derive(Debug, Clone, Default, Serialize)]
pub struct Profile {
    pub id: Option<i64>,
    /// `user` or `org`.
    pub owner_kind: String,
    pub owner_id: i64,
    pub org_name: Option<String>,
    pub hs: Vec<store::HsRef>,
    pub markets: Vec<String>,
    pub keywords: Vec<String>,
    pub agreements: Vec<String>,
    pub sps_objectives: Vec<String>,
    pub frequency: String,
    /// May this user change it (an organisation's profile: its administrators).
    pub editable: bool,
}

/// The profile of whom the user acts for: an organisation's is edited by its administrators.
pub async fn profile(app: &App, acting: &Acting) -> AppResult<Profile> {
    let owner = acting.owner();
    let row = sqlx::query("SELECT id, hs, markets, keywords, agreements, sps_objectives, frequency FROM tbt_profiles WHERE owner_kind = $1 AND owner_id = $2")
        .bind(owner.kind())
        .bind(owner.id())
        .fetch_optional(&app.db.pool)
        .await?;
    let mut p = Profile {
        owner_kind: owner.kind().to_string(),
        owner_id: owner.id(),
        org_name: acting.org.as_ref().map(|o| o.name.clone()),
        editable: acting.administers(),
        frequency: "immediate".into(),
        ..Default::default()
    };
    if let Some(r) = row {
        p.id = Some(r.try_get("id")?);
        p.hs = list(&r.try_get::<String, _>("hs")?)
            .into_iter()
            .map(|c| store::HsRef {
                description: super::codes::hs_description(&c).unwrap_or("").to_string(),
                code: c,
            })
            .collect();
        p.markets = list(&r.try_get::<String, _>("markets")?);
        p.keywords = list(&r.try_get::<String, _>("keywords")?);
        p.agreements = list(&r.try_get::<String, _>("agreements")?);
        p.sps_objectives = list(&r.try_get::<String, _>("sps_objectives")?);
        p.frequency = r.try_get("frequency")?;
    }
    Ok(p)
}

/// Saves the profile and replaces its default subscription.
pub async fn save_profile(app: &App, acting: &Acting, input: &SubscriptionInput) -> AppResult<()> {
    if !acting.administers() {
        return Err(AppError::Forbidden);
    }
    let (owner, user_id) = (acting.owner(), acting.user_id);
    let c = clean(input)?;
    let now = crate::util::now();
    let mut tx = app.db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tbt_profiles (owner_kind, owner_id, hs, markets, keywords, frequency, updated_by, updated_at, agreements, sps_objectives) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) \
         ON CONFLICT (owner_kind, owner_id) DO UPDATE SET hs = $3, markets = $4, keywords = $5, frequency = $6, updated_by = $7, updated_at = $8, agreements = $9, sps_objectives = $10 RETURNING id",
    )
    .bind(owner.kind())
    .bind(owner.id())
    .bind(js(&c.hs))
    .bind(js(&c.members))
    .bind(js(&c.keywords))
    .bind(c.frequency.clone().unwrap_or_default())
    .bind(user_id)
    .bind(now)
    .bind(js(&c.agreements))
    .bind(js(&c.sps_objectives))
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM tbt_subscriptions WHERE profile_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // The profile's subscription: markets × products; keywords widen it only when no
    // product is given (they are the way to describe products without a code).
    sqlx::query(
        "INSERT INTO tbt_subscriptions (user_id, org_id, name, members, hs, ics, keywords, frequency, profile_id, created_at, agreements, sps_objectives) \
         VALUES ($1,$2,$3,$4,$5,'[]',$6,$7,$8,$9,$10,$11)",
    )
    .bind(user_id)
    .bind(owner.org_id())
    .bind("profile")
    .bind(js(&c.members))
    .bind(js(&c.hs))
    .bind(js(&if c.hs.is_empty() { c.keywords.clone() } else { Vec::new() }))
    .bind(c.frequency.unwrap_or_default())
    .bind(id)
    .bind(now)
    .bind(js(&c.agreements))
    .bind(js(&c.sps_objectives))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Matching

/// The users a subscription's matches go to: its subscriber, or everyone in its organisation.
fn audience(user: i64, org: Option<i64>, orgs: &std::collections::HashMap<i64, Vec<i64>>) -> Vec<i64> {
    match org.and_then(|o| orgs.get(&o)) {
        Some(users) if !users.is_empty() => users.clone(),
        _ => vec![user],
    }
}

/// Who hears of a subscription's matches: its subscriber, everyone in its audience, how
/// often, and the organisation it was made for (whose products the notice names).
pub struct SubOwner {
    pub user: i64,
    pub audience: Vec<i64>,
    pub frequency: String,
    pub org: Option<i64>,
}

/// Every subscription, for the matcher, with who hears of its matches and how often.
pub async fn load_matcher(app: &App) -> anyhow::Result<(Matcher, std::collections::HashMap<i64, SubOwner>)> {
    let rows = sqlx::query("SELECT id, user_id, org_id, members, hs, ics, keywords, frequency, agreements, sps_objectives FROM tbt_subscriptions")
        .fetch_all(&app.db.pool)
        .await?;
    // Who hears of an organisation's matches: every user of it, as for its watchlist.
    let orgs = crate::orgs::store::members_by_org(app).await?;
    let mut subs = Vec::with_capacity(rows.len());
    let mut owners = std::collections::HashMap::new();
    for r in rows {
        let id: i64 = r.try_get("id")?;
        let user: i64 = r.try_get("user_id")?;
        let org: Option<i64> = r.try_get("org_id")?;
        let frequency: String = r.try_get("frequency")?;
        let chosen = list(&r.try_get::<String, _>("members")?);
        subs.push(Sub {
            id,
            members: model::expand_markets(&chosen),
            chosen,
            hs: list(&r.try_get::<String, _>("hs")?),
            ics: list(&r.try_get::<String, _>("ics")?),
            keywords: list(&r.try_get::<String, _>("keywords")?).into_iter().map(|k| k.to_lowercase()).collect(),
            agreements: list(&r.try_get::<String, _>("agreements")?),
            sps_objectives: list(&r.try_get::<String, _>("sps_objectives")?),
        });
        owners.insert(id, SubOwner { user, audience: audience(user, org, &orgs), frequency, org });
    }
    Ok((Matcher::new(subs), owners))
}

fn link_of(symbol: &str) -> String {
    format!(
        "/tbt/notifications/{}",
        percent_encoding::utf8_percent_encode(symbol, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// Job `tbt_match`: matches notifications not yet matched against every subscription. A
/// notice to an organisation's users names its products whose HS code the notification's
/// concern, in each user's language.
pub async fn match_job(app: App, _job: i64, _p: serde_json::Value) -> anyhow::Result<()> {
    let (matcher, owners) = load_matcher(&app).await?;
    loop {
        let rows = sqlx::query(
            "SELECT id, symbol, members, hs, ics, title, description, products_text, keywords, comment_deadline, domestic_deadline, agreement, objectives, emergency \
             FROM tbt_notifications WHERE matched = 0 ORDER BY id LIMIT 2000",
        )
        .fetch_all(&app.db.pool)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut ids = Vec::new();
        let mut hits = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            ids.push(id);
            if matcher.is_empty() {
                continue;
            }
            let members = list(&r.try_get::<String, _>("members")?);
            let hs = list(&r.try_get::<String, _>("hs")?);
            let ics = list(&r.try_get::<String, _>("ics")?);
            let title: String = r.try_get("title")?;
            let kw = list(&r.try_get::<String, _>("keywords")?);
            let text = format!(
                "{title}\n{}\n{}\n{}",
                r.try_get::<String, _>("description")?,
                r.try_get::<String, _>("products_text")?,
                kw.join("\n")
            )
            .to_lowercase();
            let agreement: String = r.try_get("agreement")?;
            let objectives = list(&r.try_get::<String, _>("objectives")?);
            let objective_keys = super::sps::objective_keys(&objectives);
            let found = matcher.matches(&Target {
                agreement: &agreement,
                sps_objectives: &objective_keys,
                members: &members,
                hs: &hs,
                ics: &ics,
                text: &text,
            });
            if found.is_empty() {
                continue;
            }
            let emergency = r.try_get::<i64, _>("emergency")? != 0;
            // An emergency measure applies at once: the alert says so before the title.
            let title = if emergency { format!("[EMERGENCY 紧急] {}", crate::util::shorten(&title, 120)) } else { crate::util::shorten(&title, 120) };
            hits.push(Hit {
                id,
                symbol: r.try_get("symbol")?,
                hs,
                title,
                deadline: r.try_get::<Option<String>, _>("comment_deadline")?.unwrap_or_else(|| "—".into()),
                domestic: r.try_get::<Option<String>, _>("domestic_deadline")?.unwrap_or_else(|| "—".into()),
                found,
            });
        }
        // The organisations' products are read before the batch's transaction opens.
        let products = org_products(&app, &hits, &owners).await?;
        let now = crate::util::now();
        let mut tx = app.db.begin().await?;
        for h in &hits {
            let link = link_of(&h.symbol);
            // Whose products a user's notice names: the organisation whose subscription
            // reaches them (a user's own subscription names none).
            let mut org_of: std::collections::HashMap<i64, i64> = Default::default();
            for o in h.found.iter().filter_map(|(sub, _)| owners.get(sub)).filter(|o| o.frequency == "immediate") {
                if let Some(org) = o.org {
                    for u in &o.audience {
                        org_of.entry(*u).or_insert(org);
                    }
                }
            }
            let mut told = std::collections::HashSet::new();
            for (sub, reason) in &h.found {
                let Some(owner) = owners.get(sub) else { continue };
                let immediate = owner.frequency == "immediate";
                let inserted = sqlx::query(
                    "INSERT INTO tbt_matches (subscription_id, notification_id, user_id, reason, frequency, created_at, notified_at) \
                     VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (subscription_id, notification_id) DO NOTHING",
                )
                .bind(*sub)
                .bind(h.id)
                .bind(owner.user)
                .bind(reason)
                .bind(&owner.frequency)
                .bind(now)
                .bind(if immediate { Some(now) } else { None })
                .execute(&mut *tx)
                .await?
                .rows_affected();
                // One notice per user and notification, even with several subscriptions.
                if inserted == 0 || !immediate {
                    continue;
                }
                for to in &owner.audience {
                    if !told.insert(*to) {
                        continue;
                    }
                    let org = org_of.get(to).copied();
                    notify::send_localized(
                        &mut tx,
                        &app,
                        *to,
                        Notice {
                            kind: "tbt_match",
                            key: "tbt.notice_match",
                            args: &[("symbol", &h.symbol), ("title", &h.title), ("reason", reason), ("deadline", &h.deadline), ("domestic", &h.domestic)],
                            link: &link,
                            mail: true,
                        },
                        &|lang| vec![("products", products_text(&products, org, &h.hs, lang))],
                    )
                    .await?;
                }
            }
        }
        let sql = format!("UPDATE tbt_notifications SET matched = 1 WHERE id IN ({})", app.db.kind.params(1, ids.len()));
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in &ids {
            q = q.bind(*id);
        }
        q.execute(&mut *tx).await?;
        tx.commit().await?;
    }
}

/// Job `tbt_digest` (daily): one notice per user listing the day's matches, each with the
/// products of the organisation whose subscription it matched (in the reader's language).
pub async fn digest_job(app: App, _job: i64, _p: serde_json::Value) -> anyhow::Result<()> {
    let rows: Vec<(i64, i64, Option<i64>, String, String, String, Option<String>, Option<String>, String)> = sqlx::query_as(
        "SELECT m.id, m.user_id, s.org_id, m.reason, n.symbol, n.title, n.comment_deadline, n.domestic_deadline, n.hs FROM tbt_matches m \
         JOIN tbt_notifications n ON n.id = m.notification_id LEFT JOIN tbt_subscriptions s ON s.id = m.subscription_id \
         WHERE m.notified_at IS NULL AND m.frequency = 'daily' ORDER BY m.user_id, m.id LIMIT 20000",
    )
    .fetch_all(&app.db.pool)
    .await?;
    let orgs = crate::orgs::store::members_by_org(&app).await?;
    // A line of the digest: the match, and the organisation and HS codes its products are
    // looked up by.
    struct Item {
        match_id: i64,
        line: String,
        org: Option<i64>,
        hs: Vec<String>,
    }
    let mut by_user: std::collections::BTreeMap<i64, Vec<std::sync::Arc<Item>>> = Default::default();
    for (mid, user, org, reason, symbol, title, dl, dd, hs) in rows {
        let line = format!(
            "- {symbol} {} — {reason}; WTO {} / {}",
            crate::util::shorten(&title, 80),
            dl.unwrap_or_else(|| "—".into()),
            dd.unwrap_or_else(|| "—".into())
        );
        let item = std::sync::Arc::new(Item { match_id: mid, line, org, hs: list(&hs) });
        for to in audience(user, org, &orgs) {
            by_user.entry(to).or_default().push(item.clone());
        }
    }
    // The organisations' products are read before the digest's transaction opens.
    let wanted: Vec<(i64, &[String])> = by_user.values().flatten().filter_map(|i| Some((i.org?, i.hs.as_slice()))).collect();
    let products = super::alert_products::products_of(&app, wanted).await?;
    let now = crate::util::now();
    // One transaction for the whole digest: a match shared by an organisation's users is
    // marked sent only together with every notice that lists it.
    let mut tx = app.db.begin().await?;
    for (user, items) in &by_user {
        let n = items.len().to_string();
        let listed = |lang: crate::web::Lang| {
            let mut seen = std::collections::HashSet::new();
            let lines: Vec<String> = items
                .iter()
                .filter(|i| seen.insert(i.line.as_str()))
                .take(100)
                .map(|i| format!("{}{}", i.line, super::alert_products::products_text(&products, i.org, &i.hs, lang)))
                .collect();
            vec![("items", lines.join("\n"))]
        };
        notify::send_localized(
            &mut tx,
            &app,
            *user,
            Notice {
                kind: "tbt_digest",
                key: "tbt.notice_digest",
                args: &[("n", &n)],
                link: "/tbt/profile",
                mail: true,
            },
            &listed,
        )
        .await?;
        let ids: Vec<i64> = items.iter().map(|x| x.match_id).collect();
        for chunk in ids.chunks(1000) {
            let sql = format!("UPDATE tbt_matches SET notified_at = {} WHERE id IN ({})", app.db.kind.params(1, 1), app.db.kind.params(2, chunk.len()));
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now);
            for id in chunk {
                q = q.bind(*id);
            }
            q.execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Serialize)]
pub struct MatchView {
    pub notification_id: i64,
    pub symbol: String,
    pub title: String,
    pub reason: String,
    pub comment_deadline: Option<String>,
    pub domestic_deadline: Option<String>,
    pub days_left: Option<i64>,
    pub created_at: i64,
    /// The notification's HS codes (its products).
    pub hs: Vec<String>,
}

/// The latest matches of an owner's subscriptions.
pub async fn matches_of(app: &App, owner: Owner, limit: i64) -> AppResult<Vec<MatchView>> {
    let today = model::today();
    type Line = (i64, String, String, String, Option<String>, Option<String>, i64, String);
    let rows: Vec<Line> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT n.id, n.symbol, n.title, m.reason, n.comment_deadline, n.domestic_deadline, m.created_at, n.hs FROM tbt_matches m \
         JOIN tbt_notifications n ON n.id = m.notification_id JOIN tbt_subscriptions s ON s.id = m.subscription_id \
         WHERE {} ORDER BY m.id DESC LIMIT $2",
        owned_by(owner)
    )))
    .bind(owner.id())
    .bind(limit)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, symbol, title, reason, dl, dd, at, hs)| MatchView {
            notification_id: id,
            symbol,
            title,
            reason,
            days_left: model::days_left(dl.as_deref(), &today),
            comment_deadline: dl,
            domestic_deadline: dd,
            created_at: at,
            hs: list(&hs),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Calendar

pub async fn calendar_token(app: &App, user_id: i64) -> AppResult<String> {
    if let Some(t) = sqlx::query_scalar::<_, String>("SELECT token FROM tbt_calendar_tokens WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(&app.db.pool)
        .await?
    {
        return Ok(t);
    }
    let t = crate::util::random_token(24);
    sqlx::query("INSERT INTO tbt_calendar_tokens (user_id, token, created_at) VALUES ($1,$2,$3) ON CONFLICT (user_id) DO NOTHING")
        .bind(user_id)
        .bind(&t)
        .bind(crate::util::now())
        .execute(&app.db.pool)
        .await?;
    Ok(sqlx::query_scalar("SELECT token FROM tbt_calendar_tokens WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(&app.db.pool)
        .await?)
}

pub async fn user_of_token(app: &App, token: &str) -> AppResult<i64> {
    let id: Option<i64> = sqlx::query_scalar("SELECT user_id FROM tbt_calendar_tokens WHERE token = $1")
        .bind(token)
        .fetch_optional(&app.db.pool)
        .await?;
    id.ok_or(AppError::NotFound)
}

fn events_of(app: &App, rows: Vec<(String, String, Option<String>, Option<String>)>) -> Vec<model::CalEvent> {
    let base = app.config.base_url.trim_end_matches('/');
    let mut out = Vec::new();
    for (symbol, title, dl, dd) in rows {
        if let Some(d) = dl {
            out.push(model::CalEvent {
                uid: format!("{symbol}/wto@biaozhun"),
                date: d,
                summary: format!("WTO {} {symbol}: final date for comments", if symbol.starts_with("G/SPS/") { "SPS" } else { "TBT" }),
                description: title.clone(),
                url: format!("{base}{}", link_of(&symbol)),
            });
        }
        if let Some(d) = dd {
            out.push(model::CalEvent {
                uid: format!("{symbol}/domestic@biaozhun"),
                date: d,
                summary: format!("{symbol}: domestic comment deadline / 国内评议截止"),
                description: title,
                url: format!("{base}{}", link_of(&symbol)),
            });
        }
    }
    out
}

/// A user's feed: notifications matched to their subscriptions or that they commented on.
pub async fn user_calendar(app: &App, user_id: i64) -> AppResult<String> {
    let since = model::add_days(&model::today(), -60).unwrap_or_default();
    let rows: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT n.symbol, n.title, n.comment_deadline, n.domestic_deadline FROM tbt_notifications n WHERE n.comment_deadline >= $2 AND \
         (n.id IN (SELECT notification_id FROM tbt_matches WHERE user_id = $1) OR n.id IN (SELECT notification_id FROM tbt_concerns WHERE user_id = $1)) \
         ORDER BY n.comment_deadline LIMIT 2000",
    )
    .bind(user_id)
    .bind(since)
    .fetch_all(&app.db.pool)
    .await?;
    Ok(model::calendar("TBT", &events_of(app, rows), crate::util::now()))
}

/// The public feed of open notifications, optionally of one member or group.
pub async fn public_calendar(app: &App, member: Option<&str>) -> AppResult<String> {
    let today = model::today();
    let rows: Vec<(String, String, Option<String>, Option<String>, String)> = sqlx::query_as(
        "SELECT symbol, title, comment_deadline, domestic_deadline, members FROM tbt_notifications WHERE comment_deadline >= $1 ORDER BY comment_deadline LIMIT 5000",
    )
    .bind(&today)
    .fetch_all(&app.db.pool)
    .await?;
    let wanted: Option<Vec<String>> = match member.map(str::trim).filter(|s| !s.is_empty()) {
        Some(m) => {
            let v = super::members::expand(m);
            if v.is_empty() {
                return Err(AppError::invalid("member", "unknown member"));
            }
            Some(v)
        }
        None => None,
    };
    let rows = rows
        .into_iter()
        .filter(|r| wanted.as_ref().is_none_or(|w| list(&r.4).iter().any(|m| w.contains(m))))
        .map(|r| (r.0, r.1, r.2, r.3))
        .collect();
    Ok(model::calendar(
        &format!("TBT {}", member.unwrap_or("")),
        &events_of(app, rows),
        crate::util::now(),
    ))
}
