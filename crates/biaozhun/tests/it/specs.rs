//! Local technical specifications through HTTP: the whole lifecycle from the proposal with
//! its 查新 report to publication in the catalogue and the periodic review; refusals (409 in
//! the wrong stage, 403 for the wrong person) that change nothing; the consultation with a
//! comment, the working group's answer and the disposition table; the draft difference;
//! who sees and does what (anonymous, user, member organisation admin, working group,
//! committee secretary of this and another committee, staff, admin); the stage and its
//! event together or not at all; the clock's reminders and stalled proposals.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use biaozhun::auth::scopes::{Scope, ScopedRole};
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn propose(c: &Client, title: &str, extra: serde_json::Value) -> Resp {
    let mut body = json!({ "title": title, "related_numbers": "GB/T 19001-2016" });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    c.api(Method::POST, "/api/v1/specs", Some(body)).await
}

async fn act(c: &Client, id: i64, action: &str, note: &str) -> Resp {
    c.api(Method::POST, &format!("/api/v1/specs/{id}/actions"), Some(json!({ "action": action, "note": note }))).await
}

async fn stage(t: &TestApp, id: i64) -> (String, i64) {
    let s: String = sqlx::query_scalar("SELECT stage FROM specs WHERE id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workflow_events WHERE kind = 'spec' AND record_id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    (s, n)
}

/// Moves the consultation's end into the past (the 30 days have gone by).
async fn end_consultation(t: &TestApp, id: i64) {
    sqlx::query("UPDATE specs SET consultation_ends_at = $1 WHERE id = $2").bind(biaozhun::util::now() - 1).bind(id).execute(&t.app.db.pool).await.unwrap();
}

scenario!(a_specification_goes_from_proposal_to_the_catalogue, |t: TestApp| async move {
    let staff = t.staff("sp_staff").await;
    let wg = t.user("sp_wg").await;
    let wg_id = t.user_id("sp_wg").await;
    let commenter = t.user("sp_commenter").await;
    let expert = t.user_with_roles("sp_expert", &[Role::Expert]).await;
    let _ = expert;
    let expert_id = t.user_id("sp_expert").await;
    // A watcher of the standard the specification replaces.
    let watcher = t.user("sp_watcher").await;
    let csv = "标准号,标准名称,状态\nDB4401/T 90-2018,电梯维护保养规范,现行\n";
    biaozhun::standards::import::import_bytes(&t.app, "s.csv", csv.as_bytes(), biaozhun::standards::import::Progress::None).await.unwrap();
    let r = watcher.api(Method::POST, "/api/v1/standards/watchlist", Some(json!({ "numbers": "DB4401/T 90-2018" }))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // Only staff or a member proposes.
    assert_eq!(propose(&t.client(), "x", json!({})).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(propose(&commenter, "x", json!({})).await.status, StatusCode::FORBIDDEN);
    let r = propose(&staff, "", json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "title");
    let r = propose(&staff, "电梯维护保养技术规范", json!({ "drafting_orgs": "广州市特种设备检测研究院", "replaces": "DB4401/T 90-2018", "scope": "本规范规定了电梯维护保养的要求。" })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let s = r.json();
    assert_eq!(s["stage"], "proposal");
    let id = s["id"].as_i64().unwrap();
    // The 查新 report was attached by itself: the validity check on the numbers given.
    let novelty: serde_json::Value = serde_json::from_str(s["novelty"].as_str().unwrap()).unwrap();
    let found: Vec<&str> = novelty.as_array().unwrap().iter().filter_map(|i| i["recognised"].as_str()).collect();
    assert!(found.iter().any(|n| n.starts_with("GB/T 19001")) && found.iter().any(|n| n.starts_with("DB4401/T 90")), "{novelty}");
    assert_eq!(s["history"][0]["action"], "propose");
    assert_eq!(s["history"][0]["to_state"], "proposal");

    // Not yet public; wrong stage 409, wrong person 403, and nothing changes.
    assert_eq!(t.client().get(&format!("/api/v1/specs/{id}")).await.status, StatusCode::NOT_FOUND);
    let before = stage(&t, id).await;
    assert_eq!(act(&staff, id, "open_consultation", "").await.status, StatusCode::CONFLICT);
    assert_eq!(act(&commenter, id, "approve_plan", "").await.status, StatusCode::NOT_FOUND, "a stranger does not see a proposal");
    assert_eq!(stage(&t, id).await, before);
    assert_eq!(act(&staff, id, "approve_plan", "").await.status, StatusCode::OK);
    assert_eq!(act(&staff, id, "start_drafting", "").await.json()["stage"], "drafting");
    let r = staff.api(Method::POST, &format!("/api/v1/specs/{id}/working-group"), Some(json!({ "user_id": wg_id }))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);

    // The stage needs a draft: the engine's event and the stage change are undone together.
    let before = stage(&t, id).await;
    let r = act(&wg, id, "open_consultation", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("尚无草案"), "{}", r.text);
    assert_eq!(stage(&t, id).await, before, "no event without its stage, no stage without its event");
    for body in ["电梯维护保养应每月一次。", "电梯维护保养应每十五日一次，并记录。"] {
        let r = wg.api(Method::POST, &format!("/api/v1/specs/{id}/drafts"), Some(json!({ "body": body }))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    assert_eq!(commenter.api(Method::POST, &format!("/api/v1/specs/{id}/drafts"), Some(json!({ "body": "x" }))).await.status, StatusCode::NOT_FOUND);
    let d = wg.get(&format!("/api/v1/specs/{id}/drafts/2/diff")).await.json();
    assert_eq!(d["against"], 1);
    let runs: Vec<(String, String)> = d["runs"].as_array().unwrap().iter().map(|r| (r["op"].as_str().unwrap().to_string(), r["text"].as_str().unwrap().to_string())).collect();
    assert!(runs.contains(&("delete".into(), "月".into())) && runs.contains(&("insert".into(), "十五日".into())), "{runs:?}");
    assert_eq!(act(&wg, id, "open_consultation", "").await.json()["stage"], "consultation");

    // The consultation: public, comments by clause from anyone signed in.
    let page = t.client().get(&format!("/specs/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in ["电梯维护保养技术规范", "征求意见", "<del>月</del>", "<ins>十五日</ins>", "登录后提出意见"] {
        assert!(page.text.contains(want), "{want} in {}", page.text);
    }
    let r = commenter.api(Method::POST, &format!("/api/v1/specs/{id}/comments"), Some(json!({ "clause": "4.2", "kind": "technical", "comment": "十五日过短", "proposed": "改为每月两次" }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let cid = r.json()["id"].as_i64().unwrap();
    let r = commenter.api(Method::POST, &format!("/api/v1/specs/{id}/comments"), Some(json!({ "clause": "", "kind": "general", "comment": "x" }))).await;
    assert_eq!(r.json()["error"]["field"], "clause");
    let r = commenter.post_form(&format!("/specs/{id}/comments"), &[("clause", "5"), ("kind", "editorial"), ("comment", "“应”改为“宜”"), ("proposed", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // Submitting for review waits for the 30 days.
    let r = act(&wg, id, "submit_for_review", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // The working group answers; a refusal needs its reason.
    let path = format!("/api/v1/specs/{id}/comments/{cid}/answer");
    assert_eq!(commenter.api(Method::POST, &path, Some(json!({ "answer": "accepted" }))).await.status, StatusCode::FORBIDDEN);
    let r = wg.api(Method::POST, &path, Some(json!({ "answer": "not_accepted" }))).await;
    assert_eq!(r.json()["error"]["field"], "reason");
    assert_eq!(wg.api(Method::POST, &path, Some(json!({ "answer": "partly", "reason": "改为每十日一次" }))).await.status, StatusCode::NO_CONTENT);
    // On the page: the second comment answered through its form; a refusal without a reason comes back.
    let second = t.client().get(&format!("/api/v1/specs/{id}/comments")).await.json()[1]["id"].as_i64().unwrap();
    let form = format!("/specs/{id}/comments/{second}/answer");
    let r = wg.post_form(&form, &[("answer", "not_accepted"), ("reason", "")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-reason\""), "{}", r.text);
    assert_eq!(commenter.post_form(&form, &[("answer", "accepted"), ("reason", "")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(wg.post_form(&form, &[("answer", "accepted"), ("reason", "")]).await.status, StatusCode::SEE_OTHER);
    let comments = t.client().get(&format!("/api/v1/specs/{id}/comments")).await.json();
    assert_eq!(comments.as_array().unwrap().len(), 2);
    assert_eq!(comments[1]["answer"], "accepted");
    assert_eq!(comments[0]["answer"], "partly");
    assert_eq!(comments[0]["author"], "sp_commenter");
    // The disposition table.
    let x = t.client().get(&format!("/specs/{id}/disposition.xlsx")).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers["content-disposition"].to_str().unwrap().contains(".xlsx"));

    end_consultation(&t, id).await;
    assert_eq!(act(&wg, id, "submit_for_review", "").await.json()["stage"], "review_submitted");
    // The meeting needs its panel, of experts.
    assert_eq!(act(&staff, id, "review_pass", "通过").await.status, StatusCode::CONFLICT);
    let r = staff.api(Method::POST, &format!("/api/v1/specs/{id}/panel"), Some(json!({ "experts": [wg_id] }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(staff.api(Method::POST, &format!("/api/v1/specs/{id}/panel"), Some(json!({ "experts": [expert_id] }))).await.status, StatusCode::OK);
    // Or drawn from the expert pool: none of the field yet, so nothing is drawn nor seated.
    let draw = json!({ "draw": { "fields": ["03.080"], "count": 1 } });
    let r = staff.api(Method::POST, &format!("/api/v1/specs/{id}/panel"), Some(draw.clone())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM expert_draws").await, 0);
    // The expert keeps a profile in the field and staff approve it: the draw seats them.
    let form = [("name", "审查专家"), ("title", "研究员"), ("org_name", "某研究院"), ("fields", "03.080.01"), ("email", "sp_expert@example.com"), ("phone", "13912345678")];
    assert_eq!(expert.post_form("/experts/me", &form).await.status, StatusCode::SEE_OTHER);
    assert_eq!(expert.post_form("/experts/me/submit", &[]).await.status, StatusCode::SEE_OTHER);
    let profile: i64 = sqlx::query_scalar("SELECT id FROM experts WHERE name = '审查专家'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(staff.post_form(&format!("/staff/experts/{profile}/step"), &[("action", "approve")]).await.status, StatusCode::SEE_OTHER);
    let r = staff.api(Method::POST, &format!("/api/v1/specs/{id}/panel"), Some(draw)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let draw_id = r.json()["draw_id"].as_i64().unwrap();
    let replay = staff.api(Method::POST, &format!("/api/v1/experts/draws/{draw_id}/replay"), None).await.json();
    assert_eq!(replay["panel"], json!([profile]));
    let seated: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM spec_panel WHERE spec_id = $1").bind(id).fetch_all(&t.app.db.pool).await.unwrap();
    assert_eq!(seated, vec![expert_id]);
    let r = act(&staff, id, "review_pass", "").await;
    assert_eq!(r.json()["error"]["field"], "note", "the decision is recorded");
    assert_eq!(act(&staff, id, "review_pass", "专家组一致同意通过审查").await.json()["stage"], "reviewed");
    assert_eq!(act(&wg, id, "publish", "").await.status, StatusCode::CONFLICT);
    assert_eq!(act(&wg, id, "submit_for_approval", "").await.json()["stage"], "approval_submitted");
    assert_eq!(act(&wg, id, "publish", "").await.status, StatusCode::FORBIDDEN);
    let s = act(&staff, id, "publish", "").await.json();
    assert_eq!(s["stage"], "published");
    let year = biaozhun::util::to_local(biaozhun::util::now()).year();
    assert_eq!(s["number"], format!("DB4401/T 1—{year}"));
    let actions: Vec<&str> = s["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, vec!["propose", "approve_plan", "start_drafting", "open_consultation", "submit_for_review", "review_pass", "submit_for_approval", "publish"]);
    assert!(s["history"][5]["note"].as_str().unwrap().contains("一致同意"));
    assert_eq!(s["history"][1]["actor"], "sp_staff");

    // In the catalogue, with its drafting organisation; the replaced standard's watcher hears.
    let std = t.client().get(&format!("/api/v1/standards/DB4401%2FT%201-{year}")).await;
    assert_eq!(std.status, StatusCode::OK, "{}", std.text);
    assert!(std.text.contains("广州市特种设备检测研究院") && std.text.contains("电梯维护保养技术规范"), "{}", std.text);
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM standard_events WHERE kind = 'replaced'").fetch_one(&t.app.db.pool).await.unwrap();
    assert!(events >= 1, "a change event for the replaced standard");
    let catalogued: Option<i64> = sqlx::query_scalar("SELECT catalogued_at FROM specs WHERE id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    assert!(catalogued.is_some());
    // Had the process stopped between the publish step and the catalogue write, the clock
    // writes it: the catalogue record comes back.
    sqlx::query("UPDATE specs SET catalogued_at = NULL WHERE id = $1").bind(id).execute(&t.app.db.pool).await.unwrap();
    assert_eq!(biaozhun::specs::publish::catch_up(&t.app).await.unwrap(), 1);
    assert_eq!(biaozhun::specs::publish::catch_up(&t.app).await.unwrap(), 0);

    // The clock brings it into force after 30 days and under review after five years.
    let now = biaozhun::util::now();
    biaozhun::specs::jobs::clock(&t.app, now + 31 * 86400).await.unwrap();
    assert_eq!(stage(&t, id).await.0, "in_force");
    biaozhun::specs::jobs::clock(&t.app, now + 6 * 366 * 86400).await.unwrap();
    assert_eq!(stage(&t, id).await.0, "periodic_review");
    assert_eq!(act(&staff, id, "confirm", "").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(act(&staff, id, "confirm", "复审结论：继续有效").await.json()["stage"], "in_force");
});

scenario!(who_sees_and_moves_a_specification, |t: TestApp| async move {
    let staff = t.staff("sa_staff").await;
    let admin = t.user_with_roles("sa_admin", &[Role::Admin]).await;
    let (iso, _) = (t.cli(&["import", "committees", &format!("{}/tests/data/committees/national.csv", env!("CARGO_MANIFEST_DIR"))], ""), ());
    assert!(iso.0, "{}", iso.2);
    let ours = biaozhun::committees::store::by_number(&t.app, "GZ/TC 12").await.unwrap().unwrap().id;
    let theirs = biaozhun::committees::store::by_number(&t.app, "SAC/TC 28").await.unwrap().unwrap().id;
    let org = t.member_org("sa_orgadmin", "广州某检测公司", "91440101MA59ABCD1D", &staff).await;
    let _ = &org;
    let org_admin = org.admin.clone();
    let user = t.user("sa_user").await;
    let sec_ours = t.user_scoped("sa_sec_ours", &[], ScopedRole::CommitteeSecretary, Scope::new("committee", ours)).await;
    let sec_theirs = t.user_scoped("sa_sec_theirs", &[], ScopedRole::CommitteeSecretary, Scope::new("committee", theirs)).await;
    // A member organisation's administrator proposes, for the committee.
    let r = propose(&org_admin, "公共场所空气质量监测技术规范", json!({ "committee_id": ours })).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(propose(&org_admin, "x", json!({ "committee_id": 999999 })).await.json()["error"]["field"], "committee_id");
    let wg = t.user_scoped("sa_wg", &[], ScopedRole::WorkingGroup, Scope::new("spec", id)).await;
    let anon = t.client();
    let get = format!("/api/v1/specs/{id}");
    // Reading a proposal: its proposer, the working group, the committee's secretary, staff.
    for (who, c, want) in [
        ("anonymous", &anon, StatusCode::NOT_FOUND),
        ("user", &user, StatusCode::NOT_FOUND),
        ("member org admin (proposer)", &org_admin, StatusCode::OK),
        ("working group", &wg, StatusCode::OK),
        ("secretary of this committee", &sec_ours, StatusCode::OK),
        ("secretary of another committee", &sec_theirs, StatusCode::NOT_FOUND),
        ("staff", &staff, StatusCode::OK),
        ("admin", &admin, StatusCode::OK),
    ] {
        assert_eq!(c.get(&get).await.status, want, "{who} reads a proposal");
    }
    // Approving the plan: staff and admins only; nothing changes for the others.
    for (who, c, want) in [
        ("anonymous", &anon, StatusCode::UNAUTHORIZED),
        ("user", &user, StatusCode::NOT_FOUND),
        ("member org admin (proposer)", &org_admin, StatusCode::FORBIDDEN),
        ("working group", &wg, StatusCode::FORBIDDEN),
        ("secretary of this committee", &sec_ours, StatusCode::FORBIDDEN),
        ("secretary of another committee", &sec_theirs, StatusCode::NOT_FOUND),
    ] {
        assert_eq!(act(c, id, "approve_plan", "").await.status, want, "{who} approves");
        assert_eq!(stage(&t, id).await, ("proposal".to_string(), 1), "{who}: nothing changed");
    }
    assert_eq!(act(&admin, id, "approve_plan", "").await.status, StatusCode::OK);
    assert_eq!(act(&staff, id, "start_drafting", "").await.status, StatusCode::OK);
    // Drafting: the working group and staff; not the proposer nor a secretary.
    let drafts = format!("/api/v1/specs/{id}/drafts");
    for (who, c, want) in [
        ("member org admin (proposer)", &org_admin, StatusCode::FORBIDDEN),
        ("secretary of this committee", &sec_ours, StatusCode::FORBIDDEN),
        ("working group", &wg, StatusCode::CREATED),
        ("staff", &staff, StatusCode::CREATED),
    ] {
        assert_eq!(c.api(Method::POST, &drafts, Some(json!({ "body": "第 1 章 范围" }))).await.status, want, "{who} drafts");
    }
    // The working group opens the consultation; a secretary may not.
    assert_eq!(act(&sec_ours, id, "open_consultation", "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(act(&wg, id, "open_consultation", "").await.status, StatusCode::OK);
    assert_eq!(anon.get(&get).await.status, StatusCode::OK, "public from the consultation on");
    // The secretary's dashboard shows it; another committee's secretary is refused.
    let dash = sec_ours.get(&format!("/committees/{ours}/work")).await;
    assert_eq!(dash.status, StatusCode::OK);
    assert!(dash.text.contains("公共场所空气质量监测技术规范") && dash.text.contains("征求意见 1"), "{}", dash.text);
    assert_eq!(sec_theirs.get(&format!("/committees/{ours}/work")).await.status, StatusCode::FORBIDDEN);
    // The staff list sees every stage; the public list the public ones.
    let list = staff.get("/api/v1/specs?stage=consultation").await.json();
    assert_eq!(list["total"], 1);
    assert_eq!(anon.get("/api/v1/specs?stage=nonsense").await.status, StatusCode::UNPROCESSABLE_ENTITY);
});

scenario!(overdue_stages_are_reminded_and_stalled_proposals_flagged, |t: TestApp| async move {
    let staff = t.staff("so_staff").await;
    let id = propose(&staff, "停滞的立项申请", json!({})).await.json()["id"].as_i64().unwrap();
    let now = biaozhun::util::now();
    // Nothing is due yet.
    assert_eq!(biaozhun::specs::jobs::clock(&t.app, now).await.unwrap(), (0, 0, 0));
    // Past its due date: the owner is reminded once a week; past the stall time: flagged.
    let (reminded, flagged, _) = biaozhun::specs::jobs::clock(&t.app, now + 200 * 86400).await.unwrap();
    assert_eq!((reminded, flagged), (1, 1));
    assert_eq!(biaozhun::specs::jobs::clock(&t.app, now + 201 * 86400).await.unwrap().0, 0, "a week between reminders");
    let queue = staff.get("/staff").await;
    assert!(queue.text.contains("长期未推进、建议撤销的立项申请"), "{}", queue.text);
    assert_eq!(act(&staff, id, "cancel", "长期未推进").await.json()["stage"], "cancelled");
});

scenario!(a_stage_change_cut_off_midway_leaves_neither_the_event_nor_the_stage, |t: TestApp| async move {
    let staff = t.staff("sk_staff").await;
    let id = propose(&staff, "中断的阶段变更", json!({})).await.json()["id"].as_i64().unwrap();
    let before = stage(&t, id).await;
    // The step is taken inside its transaction (stage moved, event written), then the task
    // holding it dies before the commit, as a process killed with -9 would.
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let app = t.app.clone();
    let task = tokio::spawn(async move {
        let mut tx = app.db.begin().await.unwrap();
        let actor = biaozhun::workflow::Actor::user(1, &[Role::Staff], biaozhun::web::Lang::Zh);
        let e = biaozhun::workflow::transition(&mut tx, &app, &biaozhun::specs::FLOW, id, 0, &actor, biaozhun::workflow::Step::action("approve_plan")).await.unwrap();
        assert_eq!(e.to_state, "approved");
        let _ = ready_tx.send(());
        std::future::pending::<()>().await;
        drop(tx);
    });
    ready_rx.await.unwrap();
    task.abort();
    let _ = task.await;
    assert_eq!(stage(&t, id).await, before, "neither the stage nor its event survived");
    // The record is whole: the same step is taken again, once.
    assert_eq!(act(&staff, id, "approve_plan", "").await.json()["stage"], "approved");
    assert_eq!(stage(&t, id).await, ("approved".to_string(), 2));
});
