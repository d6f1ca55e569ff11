//! Group standards (团体标准) through HTTP on the specification lifecycle: a member
//! organisation proposes, staff approve, a drafting group of another member drafts, the
//! public consultation, the technical review, then the members' vote instead of the
//! government's approval: a first round that fails (recorded, back to drafting) and a second
//! that passes; publication as `T/GZBZ 001—YYYY` into the catalogue with the drafting
//! organisations, the public list (page and API), the vote page with who voted what, the
//! free-to-read text, the organisations' own list in the member area and the strategy
//! indicator source; who may do what on the new routes.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn act(c: &Client, id: i64, action: &str, note: &str) -> Resp {
    c.api(Method::POST, &format!("/api/v1/specs/{id}/actions"), Some(json!({ "action": action, "note": note }))).await
}

async fn draft(c: &Client, id: i64, body: &str) {
    let r = c.api(Method::POST, &format!("/api/v1/specs/{id}/drafts"), Some(json!({ "body": body }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

async fn end_consultation(t: &TestApp, id: i64) {
    sqlx::query("UPDATE specs SET consultation_ends_at = $1 WHERE id = $2").bind(biaozhun::util::now() - 1).bind(id).execute(&t.app.db.pool).await.unwrap();
}

/// Consultation → review → reviewed, by the drafting group and staff (who seat the panel).
async fn through_review(t: &TestApp, staff: &Client, wg: &Client, id: i64, expert_id: i64) {
    assert_eq!(act(wg, id, "open_consultation", "").await.json()["stage"], "consultation");
    end_consultation(t, id).await;
    assert_eq!(act(wg, id, "submit_for_review", "").await.json()["stage"], "review_submitted");
    let r = staff.api(Method::POST, &format!("/api/v1/specs/{id}/panel"), Some(json!({ "experts": [expert_id] }))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(act(staff, id, "review_pass", "专家组同意通过审查").await.json()["stage"], "reviewed");
}

/// The published group standards' tally as the dashboard reads it, checked against a count
/// from the records.
async fn published_tally(t: &TestApp, when: &str) -> i64 {
    use biaozhun::db::tallies;
    let tally = &biaozhun::specs::group::PUBLISHED;
    let read = tallies::read(&t.app, tally).await.unwrap();
    let mut conn = t.app.db.pool.acquire().await.unwrap();
    let counted = tallies::total(&tallies::recount(&mut conn, tally).await.unwrap());
    assert_eq!(read, counted, "{} {when} ({:?})", tally.key, t.backend);
    read
}

async fn vote(c: &Client, id: i64, choice: &str) -> Resp {
    c.api(Method::POST, &format!("/api/v1/specs/{id}/vote"), Some(json!({ "choice": choice, "comment": "" }))).await
}

scenario!(a_group_standard_goes_from_a_members_proposal_through_the_vote_to_the_catalogue, |t: TestApp| async move {
    let staff = t.staff("gs_staff").await;
    let lead = t.member_org("gs_lead", "广州智慧停车科技有限公司", "91440101MA59ABCD1D", &staff).await;
    let partner = t.member_org("gs_partner", "广州市城市规划勘测设计研究院", "91110000600037341L", &staff).await;
    let person = t.member("gs_person", &staff).await;
    let outsider = t.user("gs_outsider").await;
    let _expert = t.user_with_roles("gs_expert", &[Role::Expert]).await;
    let expert_id = t.user_id("gs_expert").await;
    let (lead_id, partner_id, person_id, outsider_id) =
        (t.user_id("gs_lead").await, t.user_id("gs_partner").await, t.user_id("gs_person").await, t.user_id("gs_outsider").await);

    // A member organisation's user proposes a group standard; a stranger may not.
    let body = json!({ "title": "城市路内停车泊位智能管理规范", "kind": "group", "drafting_orgs": "广州市城市规划勘测设计研究院", "scope": "本文件规定了路内停车泊位的智能管理要求。" });
    assert_eq!(outsider.api(Method::POST, "/api/v1/specs", Some(body.clone())).await.status, StatusCode::FORBIDDEN);
    let r = lead.admin.api(Method::POST, "/api/v1/specs", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let s = r.json();
    assert_eq!((s["kind"].as_str(), s["stage"].as_str()), (Some("group"), Some("proposal")));
    let id = s["id"].as_i64().unwrap();
    let r = lead.admin.api(Method::POST, "/api/v1/specs", Some(json!({ "title": "x", "kind": "national" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "an unknown kind: {}", r.text);

    // Staff approve the plan and seat the drafting group (a user of the partner).
    assert_eq!(act(&staff, id, "approve_plan", "").await.json()["stage"], "approved");
    assert_eq!(act(&staff, id, "start_drafting", "").await.json()["stage"], "drafting");
    let r = staff.api(Method::POST, &format!("/api/v1/specs/{id}/working-group"), Some(json!({ "user_id": partner_id }))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let wg = &partner.admin;
    draft(wg, id, "5.1 泊位应设置地磁检测器。").await;
    through_review(&t, &staff, wg, id, expert_id).await;

    // No government approval for a group standard; the vote needs its voters, all members.
    let r = act(wg, id, "submit_for_approval", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("表决"), "{}", r.text);
    let s = staff.get(&format!("/api/v1/specs/{id}")).await.json();
    assert_eq!(s["actions"], json!(["open_vote"]), "staff are offered the vote, not the approval");
    assert_eq!(act(&staff, id, "open_vote", "").await.status, StatusCode::CONFLICT);
    let seat = |voters: Vec<i64>| json!({ "body": "members", "voters": voters });
    let r = staff.api(Method::POST, &format!("/api/v1/specs/{id}/voters"), Some(seat(vec![lead_id, outsider_id]))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["error"]["field"], "voters");
    assert_eq!(t.count("SELECT COUNT(*) FROM spec_ballots").await, 0, "a refused seating seats nobody");
    let r = staff.api(Method::POST, &format!("/api/v1/specs/{id}/voters"), Some(seat(vec![lead_id, partner_id, person_id]))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!((r.json()["round"].as_i64(), r.json()["tally"]["seated"].as_i64()), (Some(1), Some(3)));
    assert_eq!(vote(&person, id, "yes").await.status, StatusCode::CONFLICT, "not open yet");
    assert_eq!(act(&staff, id, "open_vote", "").await.json()["stage"], "voting");

    // Round 1: one yes, two no; quorum met, not three quarters: no publication; recorded.
    assert_eq!(vote(&outsider, id, "yes").await.status, StatusCode::FORBIDDEN, "not seated");
    let r = vote(&person, id, "maybe").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(vote(&lead.admin, id, "yes").await.status, StatusCode::OK);
    assert_eq!(vote(wg, id, "no").await.status, StatusCode::OK);
    let r = person.post_form(&format!("/specs/{id}/vote"), &[("choice", "no"), ("comment", "地磁检测器成本过高")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let b = t.client().get(&format!("/api/v1/specs/{id}/vote")).await.json();
    assert_eq!((b["tally"]["yes"].as_i64(), b["tally"]["no"].as_i64(), b["tally"]["quorum_met"].as_bool(), b["tally"]["passed"].as_bool()), (Some(1), Some(2), Some(true), Some(false)));
    let r = act(&staff, id, "publish", "").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM specs WHERE number <> ''").await, 0);
    assert_eq!(act(&staff, id, "vote_fail", "").await.json()["error"]["field"], "note");
    let s = act(&staff, id, "vote_fail", "赞成票未达四分之三，退回修改").await.json();
    assert_eq!(s["stage"], "drafting");
    let closed = s["history"].as_array().unwrap().iter().find(|e| e["action"] == "vote_fail").unwrap().clone();
    assert_eq!((closed["data"]["yes"].as_i64(), closed["data"]["no"].as_i64(), closed["data"]["passed"].as_bool()), (Some(1), Some(2), Some(false)), "{closed}");
    assert_eq!(vote(&lead.admin, id, "yes").await.status, StatusCode::CONFLICT, "the round is closed");

    // Round 2 after a new draft: two yes, one not cast: quorum two thirds, all cast yes.
    draft(wg, id, "5.1 泊位宜设置地磁或视频检测器。").await;
    through_review(&t, &staff, wg, id, expert_id).await;
    let r = staff.api(Method::POST, &format!("/api/v1/specs/{id}/voters"), Some(seat(vec![lead_id, partner_id, person_id]))).await;
    assert_eq!(r.json()["round"], 2);
    assert_eq!(act(&staff, id, "open_vote", "").await.json()["stage"], "voting");
    assert_eq!(vote(&lead.admin, id, "yes").await.status, StatusCode::OK);
    assert_eq!(vote(wg, id, "yes").await.json()["passed"], true);
    assert_eq!(act(&staff, id, "vote_fail", "x").await.status, StatusCode::CONFLICT, "a passed vote is not failed");
    assert_eq!(act(wg, id, "publish", "").await.status, StatusCode::FORBIDDEN);
    assert_eq!(published_tally(&t, "before publication").await, 0);
    let s = act(&staff, id, "publish", "").await.json();
    assert_eq!(published_tally(&t, "published").await, 1, "kept by the publish step");
    let year = biaozhun::util::to_local(biaozhun::util::now()).year();
    assert_eq!((s["stage"].as_str(), s["number"].clone()), (Some("published"), json!(format!("T/GZBZ 001—{year}"))));
    let published = s["history"].as_array().unwrap().iter().find(|e| e["action"] == "publish").unwrap().clone();
    assert_eq!((published["data"]["seated"].as_i64(), published["data"]["yes"].as_i64(), published["data"]["passed"].as_bool()), (Some(3), Some(2), Some(true)));
    // Both rounds stay on record, each ballot with its voter.
    assert_eq!(t.count("SELECT COUNT(*) FROM spec_ballots WHERE choice <> ''").await, 5);

    // The vote page: who voted what.
    let page = t.client().get(&format!("/specs/{id}/vote")).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in ["第 2 轮", "会员表决", "gs_lead", "广州智慧停车科技有限公司", "赞成", "未投票", "已达法定人数 · 通过<"] {
        assert!(page.text.contains(want), "{want} in {}", page.text);
    }

    // In English too.
    let en = t.client();
    en.get("/lang/en?next=/").await;
    let page = en.get(&format!("/specs/{id}/vote")).await.text;
    assert!(page.contains("Round 2") && page.contains("Not voted") && page.contains("Quorum met"), "{page}");

    // The public list (API and page) and the catalogue, with the drafting organisations.
    let list = t.client().get("/api/v1/group-standards").await.json();
    let item = list["items"].as_array().unwrap().iter().find(|i| i["id"] == id).cloned().unwrap_or_else(|| panic!("{list}"));
    assert_eq!((item["number"].clone(), item["stage"].as_str()), (json!(format!("T/GZBZ 001—{year}")), Some("published")));
    assert!(item["drafting_orgs"].as_str().unwrap().contains("广州市城市规划勘测设计研究院"));
    let page = t.client().get("/group-standards").await.text;
    assert!(page.contains(&format!("T&#x2f;GZBZ 001—{year}")) && page.contains("城市路内停车泊位智能管理规范") && page.contains("已发布"), "{page}");
    let std = t.client().get(&format!("/api/v1/standards/T%2FGZBZ%20001-{year}")).await;
    assert_eq!(std.status, StatusCode::OK, "{}", std.text);
    // The proposing organisation leads it, named first though the typed list left it out.
    assert!(std.text.contains("广州智慧停车科技有限公司；广州市城市规划勘测设计研究院") && std.text.contains("广州市标准化协会"), "{}", std.text);
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    for path in ["/api/v1/group-standards", "/api/v1/specs/{id}/voters", "/api/v1/specs/{id}/vote", "/api/v1/specs/{id}/free-text"] {
        assert!(doc["paths"][path].is_object(), "{path} in the OpenAPI document");
    }
    let specs_page = t.client().get("/specs").await.text;
    assert!(specs_page.contains("<td>团体标准</td>"), "the specification list shows the kind");

    // The free-to-read text: staff upload it and offer it; then anyone reads it.
    let text_url = format!("/group-standards/{id}/text");
    assert_eq!(t.client().get(&text_url).await.status, StatusCode::NOT_FOUND);
    let csrf = staff.csrf().await;
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes("城市路内停车泊位智能管理规范\n1 范围".as_bytes().to_vec()).file_name("T-GZBZ-001.txt"))
        .text("free_to_read", "1");
    let r = staff.http.post(staff.url(&format!("/specs/{id}/text?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = t.client().get(&text_url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("1 范围"));
    assert!(t.client().get("/group-standards").await.text.contains(&text_url));

    // Members see their organisation's group standards: led by one, joined by the other.
    let mine = lead.admin.get("/member").await.text;
    assert!(mine.contains("本单位的团体标准") && mine.contains("主导制定") && mine.contains(&format!("T&#x2f;GZBZ 001—{year}")), "{mine}");
    let theirs = partner.admin.get("/member").await.text;
    assert!(theirs.contains("参与起草") && theirs.contains(&format!("T&#x2f;GZBZ 001—{year}")), "{theirs}");
    assert!(!person.get("/member").await.text.contains("本单位的团体标准"));

    // The lead organisation applies for the subsidy for leading it: the form lists the
    // group standard among the standards it led, from the catalogue.
    let form = lead.admin.get("/programmes/subsidy/apply").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains(&format!("T&#x2f;GZBZ 001—{year}")) || form.text.contains(&format!("T/GZBZ 001—{year}")), "{}", form.text);
    // In force, under periodic review (the clock's steps): still counted; withdrawn: out, in
    // the same step; the tally agrees with a count from the records each time.
    let now = biaozhun::util::now();
    biaozhun::specs::jobs::clock(&t.app, now + 31 * 86400).await.unwrap();
    assert_eq!(published_tally(&t, "in force").await, 1);
    biaozhun::specs::jobs::clock(&t.app, now + 6 * 366 * 86400).await.unwrap();
    assert_eq!(published_tally(&t, "under review").await, 1);
    let s = act(&staff, id, "withdraw_spec", "已被新版替代").await.json();
    assert_eq!(s["stage"], "withdrawn", "{s}");
    assert_eq!(published_tally(&t, "withdrawn").await, 0, "kept by the withdrawal");
});

scenario!(who_may_do_what_on_the_group_standard_routes, |t: TestApp| async move {
    let staff = t.staff("ga_staff").await;
    let lead = t.member_org("ga_lead", "广州某标准技术服务有限公司", "91440101MA59ABCD1D", &staff).await;
    let other = t.member_org("ga_other", "广州另一家会员单位有限公司", "91110000600037341L", &staff).await;
    let wg = t.user("ga_wg").await;
    let wg_id = t.user_id("ga_wg").await;
    let lead_id = t.user_id("ga_lead").await;
    let anon = t.client();
    let r = lead.admin.api(Method::POST, "/api/v1/specs", Some(json!({ "title": "社区养老服务设施配置规范", "kind": "group" }))).await;
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(staff.api(Method::POST, &format!("/api/v1/specs/{id}/working-group"), Some(json!({ "user_id": wg_id }))).await.status, StatusCode::NO_CONTENT);
    let people: [(&str, &Client); 4] = [("anonymous", &anon), ("member of another organisation", &other.admin), ("working group", &wg), ("staff", &staff)];

    // The public list: everyone; the proposal is not on it yet.
    for (who, c) in people {
        let r = c.get("/api/v1/group-standards").await;
        assert_eq!(r.status, StatusCode::OK, "{who}");
        assert_eq!(r.json()["total"], 0, "{who}: a proposal is not public");
        assert_eq!(c.get("/group-standards").await.status, StatusCode::OK, "{who}");
    }
    // The vote before the consultation: those who may read the proposal.
    for ((who, c), want) in people.into_iter().zip([StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::OK, StatusCode::OK]) {
        assert_eq!(c.get(&format!("/api/v1/specs/{id}/vote")).await.status, want, "{who}");
        assert_eq!(c.get(&format!("/specs/{id}/vote")).await.status, want, "{who} (page)");
    }
    // Seating voters and offering the text: staff only (then 409 in this stage).
    for ((who, c), want) in people.into_iter().zip([StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::CONFLICT]) {
        let r = c.api(Method::POST, &format!("/api/v1/specs/{id}/voters"), Some(json!({ "body": "council", "voters": [lead_id] }))).await;
        assert_eq!(r.status, want, "{who}: {}", r.text);
    }
    for ((who, c), want) in people.into_iter().zip([StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::NO_CONTENT]) {
        let r = c.api(Method::POST, &format!("/api/v1/specs/{id}/free-text"), Some(json!({ "free_to_read": false }))).await;
        assert_eq!(r.status, want, "{who}: {}", r.text);
    }
    // Casting a ballot: signed-in voters seated in an open round only.
    for ((who, c), want) in people.into_iter().zip([StatusCode::UNAUTHORIZED, StatusCode::NOT_FOUND, StatusCode::CONFLICT, StatusCode::CONFLICT]) {
        assert_eq!(vote(c, id, "yes").await.status, want, "{who}");
    }
    // The text: nobody but staff before it is published and offered.
    for ((who, c), want) in people.into_iter().zip([StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND]) {
        assert_eq!(c.get(&format!("/group-standards/{id}/text")).await.status, want, "{who}: nothing uploaded");
    }
    // A local specification has no vote.
    let r = staff.api(Method::POST, "/api/v1/specs", Some(json!({ "title": "地方规范" }))).await;
    let local = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["kind"], "local");
    assert_eq!(staff.get(&format!("/api/v1/specs/{local}/vote")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(staff.api(Method::POST, &format!("/api/v1/specs/{local}/voters"), Some(json!({ "body": "members", "voters": [lead_id] }))).await.status, StatusCode::CONFLICT);
});

const OUTLINE: &str = r#"
key = "gs-sample-2026"
title = "团体标准示例规划"
city = "示例市"
from = 2026
to = 2030
[[departments]]
key = "gs-assoc"
name = "示例市标准化协会"
[[goals]]
key = "supply"
name = "标准供给"
[[groups]]
no = 1
goal = "supply"
name = "团体标准"
[[tasks]]
no = 1
group = 1
name = "建设团体标准体系"
lead = "gs-assoc"
[[indicators]]
key = "group_standards"
goal = "supply"
name = "发布团体标准"
target = 10
deadline = "2030-12-31"
source = "group_standards.published"
department = "gs-assoc"
"#;

scenario!(published_group_standards_feed_a_strategy_indicator, |t: TestApp| async move {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gs.toml");
    std::fs::write(&file, OUTLINE).unwrap();
    let (ok, out, err) = t.cli(&["import", "outline", file.to_str().unwrap()], "");
    assert!(ok, "the source is known: {out}{err}");
    let staff = t.staff("gi_staff").await;
    let r = staff.api(Method::POST, "/api/v1/specs", Some(json!({ "title": "团体标准甲", "kind": "group" }))).await;
    let id = r.json()["id"].as_i64().unwrap();
    let value = |ind: serde_json::Value| ind["items"].as_array().unwrap().iter().find(|i| i["key"] == "group_standards").cloned().unwrap_or_else(|| panic!("{ind}"));
    let before = value(t.client().get("/api/v1/strategy/indicators?outline=gs-sample-2026").await.json());
    assert!(before["value"].is_null() || before["value"] == 0, "{before}");
    // Published (as the lifecycle leaves it, written here by hand, so counted once the
    // tallies are rebuilt as `admin recount` does): counted, linked to the public list.
    sqlx::query("UPDATE specs SET stage = 'in_force', number = 'T/GZBZ 001—2026', serial = 1 WHERE id = $1").bind(id).execute(&t.app.db.pool).await.unwrap();
    biaozhun::db::tallies::recount_all(&t.app).await.unwrap();
    let after = value(t.client().get("/api/v1/strategy/indicators?outline=gs-sample-2026").await.json());
    assert_eq!((after["value"].as_i64(), after["source"].as_str(), after["href"].as_str()), (Some(1), Some("computed"), Some("/group-standards")), "{after}");
});
