//! The workflow engine through its two users, the TBT comment and the membership review:
//! refusals change nothing, a step and its event and notices commit together or not at
//! all, two people moving one record at once leave one winner, history pages read the log,
//! and migrations 0007 and 0022 carry the old histories over.

use crate::scenario;
use crate::support::*;
use crate::tbt::{enc, eping_csv, upload};
use biaozhun::auth::Role;
use biaozhun::web::{AppError, Lang};
use biaozhun::workflow::{self, Actor, Step};
use reqwest::{Method, StatusCode};

const SYMBOL: &str = "G/TBT/N/VNM/300";

/// What a refused step must leave as it was: the comment's state and version, its events,
/// the notices of the participants.
async fn comment_snapshot(t: &TestApp, id: i64) -> (String, i64, i64, i64) {
    let pool = &t.app.db.pool;
    let (state, version): (String, i64) = sqlx::query_as("SELECT state, version FROM tbt_comments WHERE id = $1").bind(id).fetch_one(pool).await.unwrap();
    let events: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM workflow_events WHERE kind = 'tbt_comment' AND record_id = $1").bind(id).fetch_one(pool).await.unwrap();
    let notices = t.count("SELECT COUNT(*) FROM notifications WHERE kind = 'tbt_comment'").await;
    (state, version, events, notices)
}

/// Staff, a notification with one exporter's concern, and a draft comment made from it.
async fn draft_comment(t: &TestApp) -> (Client, i64, i64) {
    let staff = t.user_with_roles("desk", &[Role::Staff]).await;
    let exporter = t.user("hood_maker").await;
    upload(t, &staff, "eping.csv", eping_csv().into_bytes()).await;
    let csrf = exporter.csrf().await;
    let form = reqwest::multipart::Form::new().text("body", "The test period is too short.");
    let path = format!("/tbt/notifications/{}/concerns?_csrf={csrf}", enc(SYMBOL));
    let r = exporter.http.post(exporter.url(&path)).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let nid: i64 = sqlx::query_scalar("SELECT notification_id FROM tbt_symbols WHERE symbol = $1").bind(SYMBOL).fetch_one(&t.app.db.pool).await.unwrap();
    let r = staff.post_form(&format!("/staff/tbt/notifications/{nid}/comments"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let cid = r.location().trim_start_matches("/staff/tbt/comments/").parse().unwrap();
    (staff, nid, cid)
}

scenario!(workflow_refused_comment_steps_change_nothing, |t: TestApp| async move {
    let (staff, _, cid) = draft_comment(&t).await;
    let path = format!("/staff/tbt/comments/{cid}/state");
    let before = comment_snapshot(&t, cid).await;
    assert_eq!(before, ("draft".to_string(), 1, 1, 1), "created: one event, the participant told");

    // A stale version: 409, nothing changes.
    let r = staff.post_form(&path, &[("action", "send_to_review"), ("version", "7")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("评议稿已被他人修改"), "the flow's own wording of a stale version");
    assert_eq!(comment_snapshot(&t, cid).await, before);
    // A move the table has not from this state: 409 naming both.
    let r = staff.post_form(&path, &[("action", "submit"), ("version", "1")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("草稿") && r.text.contains("提交国家咨询点"), "state and action are named");
    let r = staff.post_form(&path, &[("to", "reply_received"), ("version", "1")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(comment_snapshot(&t, cid).await, before);
    // Unknown action or state, an overlong note: 422 naming the field.
    assert_eq!(staff.post_form(&path, &[("action", "shred"), ("version", "1")]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(staff.post_form(&path, &[("to", "shredded"), ("version", "1")]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let long = "意".repeat(2001);
    let r = staff.post_form(&path, &[("action", "send_to_review"), ("version", "1"), ("note", &long)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("2000"), "the limit is named");
    assert_eq!(comment_snapshot(&t, cid).await, before);

    // An actor without the right: 403 from the engine itself (the page's route already
    // keeps non-staff out), nothing changes.
    t.user_with_roles("expert_x", &[Role::Expert]).await;
    let expert_id = t.user_id("expert_x").await;
    let mut tx = t.app.db.begin().await.unwrap();
    let actor = Actor::user(expert_id, &[Role::Expert], Lang::En);
    let e = workflow::transition(&mut tx, &t.app, &biaozhun::tbt::comments::FLOW, cid, 1, &actor, Step::action("send_to_review")).await.unwrap_err();
    assert!(matches!(e, AppError::Forbidden), "{e:?}");
    drop(tx);
    assert_eq!(comment_snapshot(&t, cid).await, before);

    // The legal step; then the next one named by its state, as older forms send it.
    let r = staff.post_form(&path, &[("action", "send_to_review"), ("version", "1"), ("note", "请法务核对第4.2条")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(comment_snapshot(&t, cid).await, ("internal_review".to_string(), 2, 2, 2));
    let r = staff.post_form(&path, &[("to", "submitted"), ("version", "2")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(comment_snapshot(&t, cid).await, ("submitted".to_string(), 3, 3, 3));

    // The history page reads the log, in order, with who and the note.
    let page = staff.get(&format!("/staff/tbt/comments/{cid}")).await;
    let at = |needle: &str| page.text.find(needle).unwrap_or_else(|| panic!("{needle} missing"));
    assert!(at("data-action=\"create\"") < at("data-action=\"send_to_review\"") && at("data-action=\"send_to_review\"") < at("data-action=\"submit\""));
    assert!(page.text.contains("请法务核对第4.2条") && page.text.contains("desk"));
    // The buttons offer what the table allows from "submitted".
    for action in ["record_reply", "close", "escalate"] {
        assert!(page.text.contains(&format!("name=\"action\" value=\"{action}\"")), "{action}");
    }
    assert!(!page.text.contains("value=\"send_to_review\""));
});

scenario!(workflow_concurrent_steps_on_one_version_have_one_winner, |t: TestApp| async move {
    let (staff, nid, first) = draft_comment(&t).await;
    let other = t.user_with_roles("desk_two", &[Role::Staff]).await;
    let mut comments = vec![first];
    for _ in 0..3 {
        let r = staff.post_form(&format!("/staff/tbt/notifications/{nid}/comments"), &[]).await;
        comments.push(r.location().trim_start_matches("/staff/tbt/comments/").parse().unwrap());
    }
    for cid in comments {
        let path = format!("/staff/tbt/comments/{cid}/state");
        let (a, b) = tokio::join!(
            staff.post_form(&path, &[("action", "send_to_review"), ("version", "1")]),
            other.post_form(&path, &[("action", "close"), ("version", "1")]),
        );
        let won: Vec<bool> = [&a, &b].iter().map(|r| r.status == StatusCode::SEE_OTHER).collect();
        assert_eq!(won.iter().filter(|w| **w).count(), 1, "comment {cid}: {} and {}", a.status, b.status);
        let loser = if won[0] { &b } else { &a };
        assert_eq!(loser.status, StatusCode::CONFLICT);
        let (state, version, events, _) = comment_snapshot(&t, cid).await;
        assert_eq!(state, if won[0] { "internal_review" } else { "closed" });
        assert_eq!((version, events), (2, 2), "one move, one event");
    }
});

async fn apply(c: &Client, name: &str) -> i64 {
    let body = serde_json::json!({
        "kind": "individual", "real_name": name, "contact_name": name, "contact_phone": "13800138000", "contact_email": "a@example.com"
    });
    let r = c.api(Method::POST, "/api/v1/membership/applications", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

async fn application_snapshot(t: &TestApp, id: i64) -> (String, i64, i64, i64) {
    let pool = &t.app.db.pool;
    let (status, version): (String, i64) =
        sqlx::query_as("SELECT status, version FROM membership_applications WHERE id = $1").bind(id).fetch_one(pool).await.unwrap();
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workflow_events WHERE kind = 'membership_application' AND record_id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
    let told = t.count("SELECT COUNT(*) FROM notifications WHERE kind LIKE 'membership.%'").await;
    (status, version, events, told)
}

scenario!(workflow_an_error_after_the_step_leaves_nothing, |t: TestApp| async move {
    let staff = t.user_with_roles("reviewer", &[Role::Staff]).await;
    let first = t.user("applicant_one").await;
    let second = t.user("applicant_two").await;
    let a1 = apply(&first, "张工").await;
    let a2 = apply(&second, "李工").await;
    let approve = |no: &'static str| [("version", "1"), ("member_no", no), ("starts_on", "2026-01-01"), ("ends_on", "2026-12-31")];
    let r = staff.post_form(&format!("/staff/memberships/{a1}/approve"), &approve("GZG2026-0001")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let before = application_snapshot(&t, a2).await;
    assert_eq!((before.0.as_str(), before.1, before.2), ("pending", 1, 1));
    let mails = t.count("SELECT COUNT(*) FROM mail_outbox").await;

    // The step succeeds, then the membership insert fails on the taken number: the whole
    // transaction rolls back, the state, event, notice and mail with it.
    let r = staff.post_form(&format!("/staff/memberships/{a2}/approve"), &approve("GZG2026-0001")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("会员编号已被使用") || r.text.contains("already in use"), "{}", r.text);
    assert_eq!(application_snapshot(&t, a2).await, before);
    assert_eq!(t.count("SELECT COUNT(*) FROM mail_outbox").await, mails);

    // The same at the engine: a step taken and then abandoned leaves nothing.
    let staff_id = t.user_id("reviewer").await;
    let mut tx = t.app.db.begin().await.unwrap();
    let actor = Actor::user(staff_id, &[Role::Staff], Lang::Zh);
    let flow = &biaozhun::membership::review::FLOW;
    let step = Step::action("reject").note("材料不全").note_field("reason");
    let ev = workflow::transition(&mut tx, &t.app, flow, a2, 1, &actor, step).await.unwrap();
    assert_eq!((ev.from_state.as_str(), ev.to_state.as_str(), ev.note.as_str()), ("pending", "rejected", "材料不全"));
    tx.rollback().await.unwrap();
    assert_eq!(application_snapshot(&t, a2).await, before);

    // With a free number the same request goes through, once.
    let r = staff.post_form(&format!("/staff/memberships/{a2}/approve"), &approve("GZG2026-0002")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let after = application_snapshot(&t, a2).await;
    assert_eq!((after.0.as_str(), after.1, after.2, after.3), ("approved", 2, 2, before.3 + 1));
});

scenario!(workflow_membership_history_for_applicant_and_staff, |t: TestApp| async move {
    let person = t.user("wang_gong").await;
    let staff = t.user_with_roles("clerk_zhou", &[Role::Staff]).await;
    let id = apply(&person, "王工").await;
    let page = person.get("/membership").await;
    assert!(page.text.contains("申请办理进度") && page.text.contains("data-action=\"submit\""));

    // A rejection needs its reason (the flow's rule), named on the reason field.
    let decision = format!("/api/v1/membership/applications/{id}/decision");
    let decide = |body: serde_json::Value| staff.api(Method::POST, &decision, Some(body));
    let r = decide(serde_json::json!({"decision": "reject", "version": 1, "reason": "  "})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "reason");
    let r = decide(serde_json::json!({"decision": "reject", "version": 1, "reason": "请补充单位推荐函"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["version"], 2);
    // Once decided, another decision is a move the table does not have: 409.
    let r = decide(serde_json::json!({"decision": "approve", "version": 2})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // The applicant sees the steps in order with the reason, not who on the staff took them.
    let page = person.get("/membership").await;
    let at = |needle: &str| page.text.find(needle).unwrap_or_else(|| panic!("{needle} missing"));
    assert!(at("data-action=\"submit\"") < at("data-action=\"reject\""));
    assert!(page.text.contains("请补充单位推荐函"));
    assert!(!page.text.contains("clerk_zhou"), "the reviewer's name stays inside the association");
    // Staff see the same steps with who took them.
    let page = staff.get(&format!("/staff/memberships/{id}")).await;
    let at = |needle: &str| page.text.find(needle).unwrap_or_else(|| panic!("{needle} missing"));
    assert!(at("data-action=\"submit\"") < at("data-action=\"reject\""));
    assert!(page.text.contains("clerk_zhou") && page.text.contains("wang_gong"));
    let history = workflow::history(&t.app.db, &biaozhun::membership::review::FLOW, id).await.unwrap();
    let steps: Vec<_> = history.iter().map(|e| (e.event.action.as_str(), e.event.to_state.as_str())).collect();
    assert_eq!(steps, vec![("submit", "pending"), ("reject", "rejected")]);
    assert_eq!(t.app.flows.get("membership_application").map(|f| f.kind()), Some("membership_application"));
});

scenario!(workflow_migration_carries_old_history_over, |t: TestApp| async move {
    // Put the database back to how 0020 left it before the engine: the old history table
    // with rows, no event log, 0007 and 0022 not applied, membership applications decided
    // the old way.
    t.user("old_applicant").await;
    let uid = t.user_id("old_applicant").await;
    let pool = &t.app.db.pool;
    sqlx::raw_sql(
        "DELETE FROM schema_migrations WHERE version IN (7, 22); DROP VIEW tbt_comment_history; DROP TABLE workflow_events; \
         CREATE TABLE tbt_comment_history (id BIGINT PRIMARY KEY, comment_id BIGINT NOT NULL, from_state TEXT NOT NULL, \
         to_state TEXT NOT NULL, user_id BIGINT NOT NULL, note TEXT NOT NULL DEFAULT '', at BIGINT NOT NULL); \
         INSERT INTO tbt_comment_history VALUES (1, 41, '', 'draft', 3, '', 1000), (2, 41, 'draft', 'internal_review', 3, 'check 4.2', 1100), \
         (3, 42, '', 'draft', 3, '', 1150), (4, 41, 'internal_review', 'draft', 4, 'redo', 1200), (5, 41, 'draft', 'closed', 4, '', 1300)",
    )
    .execute(pool)
    .await
    .unwrap();
    for (status, reason) in [("pending", ""), ("rejected", "证明材料不全")] {
        sqlx::query(
            "INSERT INTO membership_applications (user_id, kind, real_name, status, reviewer_id, reviewed_at, decision_reason, created_at) \
             VALUES ($1, 'individual', '老王', $2, $3, $4, $5, 900)",
        )
        .bind(uid)
        .bind(status)
        .bind(if status == "pending" { None } else { Some(uid) })
        .bind(if status == "pending" { None } else { Some(950i64) })
        .bind(reason)
        .execute(pool)
        .await
        .unwrap();
    }

    assert_eq!(t.app.db.migrate().await.unwrap(), vec![7, 22]);

    let steps: Vec<(String, String, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT action, from_state, to_state, actor_id, note FROM workflow_events WHERE kind = 'tbt_comment' AND record_id = 41 ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let actions: Vec<&str> = steps.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(actions, vec!["create", "send_to_review", "return_to_draft", "close"]);
    assert_eq!(steps[1], ("send_to_review".into(), "draft".into(), "internal_review".into(), Some(3), "check 4.2".into()));
    // The old name still reads, as a view of the log.
    assert_eq!(t.count("SELECT COUNT(*) FROM tbt_comment_history").await, 5);
    assert_eq!(t.count("SELECT COUNT(*) FROM tbt_comment_history WHERE comment_id = 42 AND to_state = 'draft'").await, 1);
    // Each application got its history: submitted, and the rejection with its reason.
    let apps: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT e.action, e.to_state, e.note FROM workflow_events e JOIN membership_applications a ON a.id = e.record_id \
         WHERE e.kind = 'membership_application' AND a.user_id = $1 ORDER BY e.record_id, e.id",
    )
    .bind(uid)
    .fetch_all(pool)
    .await
    .unwrap();
    let expect = [("submit", "pending", ""), ("submit", "pending", ""), ("reject", "rejected", "证明材料不全")];
    assert_eq!(apps.iter().map(|(a, s, n)| (a.as_str(), s.as_str(), n.as_str())).collect::<Vec<_>>(), expect);
    // Migrating again changes nothing.
    assert!(t.app.db.migrate().await.unwrap().is_empty());
});
