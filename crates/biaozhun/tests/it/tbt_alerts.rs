//! TBT alerts as an exporter meets them: a profile of products and markets becomes a
//! subscription; a new notification that concerns them reaches the exporter at once (mail,
//! the site's notices, the profile's list of alerts), a colleague who chose a daily digest
//! gets one mail a day, and a subscription deleted stops its alerts.

use crate::scenario;
use crate::support::TestApp;
use crate::tbt::{HEADER, day, eping_csv, upload};
use biaozhun::web::{Lang, i18n};
use reqwest::StatusCode;

/// Page text with the slashes minijinja escapes put back.
fn text(s: &str) -> String {
    s.replace("&#x2f;", "/")
}

/// A new Thai notification on range hoods, distributed yesterday.
fn thai_range_hoods() -> String {
    format!("{HEADER}\n泰国,G/TBT/N/THA/701,Range hoods: noise limits,Noise.,{},Range hoods,8414,,range hood,,60 days from notification,Regular notification,,,\n", day(-1))
}

scenario!(tbt_exporter_is_alerted_of_a_notification_on_their_products, |t: TestApp| async move {
    let desk = t.staff("alert_desk").await;
    let exporter = t.user("hood_exporter").await;
    let colleague = t.user("digest_reader").await;

    // The exporter describes the business once: range hoods (HS 8414) sold to ASEAN, told at
    // once. The profile page then lists it as a subscription, and no alert yet.
    let r = exporter.post_form("/tbt/profile", &[("hs", "8414"), ("markets", "ASEAN"), ("keywords", ""), ("frequency", "immediate")]).await;
    assert_eq!((r.status, r.location().as_str()), (StatusCode::SEE_OTHER, "/tbt/profile"), "{}", r.text);
    let profile = exporter.get("/tbt/profile").await.text;
    assert!(profile.contains(&i18n::t(Lang::Zh, "tbt.from_profile")) && profile.contains("8414"), "{profile}");
    assert!(profile.contains(&i18n::t(Lang::Zh, "tbt.no_alerts")), "{profile}");
    // A code that is no HS heading is refused on its field, and nothing changes.
    let r = exporter.post_form("/tbt/profile", &[("hs", "8499"), ("markets", "ASEAN")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("8499"), "the page shows what was typed: {}", r.text);

    // The colleague follows a keyword in a daily digest, with the form under the profile.
    let r = colleague.post_form("/tbt/subscriptions", &[("keywords", "range hood"), ("frequency", "daily")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = colleague.get("/tbt/profile").await.text;
    assert!(page.contains("range hood") && page.contains(&i18n::t(Lang::Zh, "tbt.freq_daily")), "{page}");

    // The TBT desk imports the week's ePing export; the matcher runs after it.
    upload(&t, &desk, "eping.csv", eping_csv().into_bytes()).await;
    t.run_jobs().await;

    // The exporter is told once, in the site and by mail, of the Vietnamese notification only,
    // with the reason and the deadlines.
    let notices = text(&exporter.get("/notifications").await.text);
    assert!(notices.contains("G/TBT/N/VNM/300"), "{notices}");
    assert!(!notices.contains("G/TBT/N/KOR/1251") && !notices.contains("G/TBT/N/TPKM/555"), "{notices}");
    let (subject, body, link) = t.last_mail("hood_exporter@example.com").await;
    assert!(subject.contains(&i18n::tf(Lang::Zh, "tbt.notice_match.title", &[("symbol", "G/TBT/N/VNM/300")])), "{subject}");
    assert!(body.contains("HS 8414") && body.contains(&day(55)), "{body}");
    assert_eq!(link.as_deref(), Some("/tbt/notifications/G%2FTBT%2FN%2FVNM%2F300"));
    let profile = text(&exporter.get("/tbt/profile").await.text);
    assert!(profile.contains("G/TBT/N/VNM/300") && profile.contains("HS 8414"), "the profile lists the alert with its reason: {profile}");
    assert!(profile.contains(&i18n::tf(Lang::Zh, "tbt.days_left", &[("n", "55")])), "{profile}");

    // The digest reader has nothing until the day's digest, then one mail listing it.
    let (subject, _, _) = t.last_mail("digest_reader@example.com").await;
    assert!(!subject.contains("TBT"), "no alert before the digest: {subject}");
    let mut tx = t.app.db.begin().await.unwrap();
    biaozhun::jobs::enqueue(&mut tx, "tbt_digest", serde_json::json!({}), None).await.unwrap();
    tx.commit().await.unwrap();
    t.run_jobs().await;
    let (subject, body, _) = t.last_mail("digest_reader@example.com").await;
    assert!(subject.contains(&i18n::tf(Lang::Zh, "tbt.notice_digest.title", &[("n", "1")])), "{subject}");
    assert!(body.contains("G/TBT/N/VNM/300") && body.contains("range hood"), "{body}");

    // The exporter reads the profile in English: the same alert, the labels in English.
    exporter.get("/lang/en?next=/tbt/profile").await;
    let english = text(&exporter.get("/tbt/profile").await.text);
    assert!(english.contains(&i18n::t(Lang::En, "tbt.alerts")) && english.contains("G/TBT/N/VNM/300"), "{english}");
    assert!(!english.contains(&i18n::t(Lang::Zh, "tbt.alerts")));

    // Deleting the subscription (the button beside it) stops the alerts: a Thai notification
    // on range hoods a day later reaches the digest reader's keyword, not the exporter.
    let start = english.find("/tbt/subscriptions/").expect("a delete button");
    let action = &english[start..start + english[start..].find('"').unwrap()];
    let r = exporter.post_form(action, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(exporter.get("/tbt/profile").await.text.contains(&i18n::t(Lang::En, "tbt.no_subscriptions")));
    upload(&t, &desk, "thai.csv", thai_range_hoods().into_bytes()).await;
    t.run_jobs().await;
    assert!(!text(&exporter.get("/notifications").await.text).contains("G/TBT/N/THA/701"), "no alert after unsubscribing");
    let mut tx = t.app.db.begin().await.unwrap();
    biaozhun::jobs::enqueue(&mut tx, "tbt_digest", serde_json::json!({}), None).await.unwrap();
    tx.commit().await.unwrap();
    t.run_jobs().await;
    let (_, body, _) = t.last_mail("digest_reader@example.com").await;
    assert!(body.contains("G/TBT/N/THA/701") && !body.contains("G/TBT/N/VNM/300"), "the next digest has only the new one: {body}");
});
