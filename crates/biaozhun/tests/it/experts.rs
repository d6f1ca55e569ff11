//! The experts room through HTTP: an expert keeps a profile and submits it, staff approve it
//! into the pool; the public list shows names, titles and fields only; the import of a pool
//! (XLSX) with row problems and a second run that changes nothing; talent tiers; and the
//! random draw: avoidance, invitations by mail, declines replaced from the backups in order,
//! the masked export, the replay after the pool changed, and a draw that fails midway leaving
//! nothing behind.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A valid unified social credit code numbered `n`.
pub fn uscc(n: u32) -> String {
    let org = format!("MA{n:06}");
    let first = format!("91350100{org}{}", stdnum::uscc::orgcode::check_char(&org).unwrap());
    format!("{first}{}", stdnum::uscc::check_char(&first).unwrap())
}

static NUMBER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// Staff enter an expert through the API; answers the id.
pub async fn enter(staff: &Client, name: &str, fields: &str, org: u32) -> i64 {
    let n = NUMBER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let body = json!({
        "name": name, "title": "高级工程师", "org_name": format!("单位{org}"), "org_uscc": uscc(org), "fields": fields,
        "email": format!("{name}@experts.example.com"), "phone": "13812345678", "id_number": format!("11010119900307{:04}", n % 10000),
    });
    let r = staff.api(Method::POST, "/api/v1/experts", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

fn ids(v: &serde_json::Value) -> Vec<i64> {
    v.as_array().unwrap().iter().map(|x| x.as_i64().unwrap()).collect()
}

scenario!(an_expert_keeps_a_profile_and_staff_approve_it, |t: TestApp| async move {
    let staff = t.staff("ex_staff").await;
    let expert = t.user_with_roles("ex_wang", &[Role::Expert]).await;
    let plain = t.user("ex_plain").await;
    assert_eq!(plain.get("/experts/me").await.status, StatusCode::FORBIDDEN, "the Expert role keeps a profile");
    let page = expert.get("/experts/me").await;
    assert!(page.status == StatusCode::OK && page.text.contains("ex_wang@example.com"), "the form starts from the account");
    // A bad ICS code comes back on the form with the field named and the text kept.
    let mut form = vec![("name", "王建国"), ("title", "教授级高级工程师"), ("org_name", "福建省标准化研究院"), ("fields", "13.020; 99.999"),
        ("industry", "化工"), ("languages", "英语"), ("intl_roles", "iso_convenor"), ("committees", "SAC/TC 28 委员"),
        ("email", "wang@example.com"), ("phone", "13912345678"), ("id_number", "350102198001011234")];
    let r = expert.post_form("/experts/me", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-fields\"") && r.text.contains("福建省标准化研究院"), "{}", r.text);
    form[3] = ("fields", "13.020.10; 91.140");
    let r = expert.post_form("/experts/me", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = expert.get("/experts/me").await.text;
    assert!(page.contains("草稿") && page.contains("提交审核"), "{page}");
    // A draft is not in the public list.
    assert!(!t.client().get("/experts").await.text.contains("王建国"));
    assert_eq!(expert.post_form("/experts/me/submit", &[]).await.status, StatusCode::SEE_OTHER);
    assert!(expert.get("/experts/me").await.text.contains("待审核"));
    assert_eq!(expert.post_form("/experts/me/submit", &[]).await.status, StatusCode::CONFLICT, "submitted once");
    // Staff find it in the queue and approve it.
    let id: i64 = sqlx::query_scalar("SELECT id FROM experts WHERE name = '王建国'").fetch_one(&t.app.db.pool).await.unwrap();
    assert!(staff.get("/staff").await.text.contains("待审核的专家档案"));
    assert!(staff.get("/staff/experts?status=submitted").await.text.contains(&format!("/staff/experts/{id}")));
    assert_eq!(expert.post_form(&format!("/staff/experts/{id}/step"), &[("action", "approve")]).await.status, StatusCode::FORBIDDEN);
    let r = staff.post_form(&format!("/staff/experts/{id}/step"), &[("action", "approve"), ("version", "99")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a stale version is refused");
    let r = staff.post_form(&format!("/staff/experts/{id}/step"), &[("action", "approve")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let events: Vec<String> = sqlx::query_scalar("SELECT action FROM workflow_events WHERE kind = 'expert_profile' AND record_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(events, vec!["create", "submit", "approve"]);
    let told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'experts_profile'").bind(t.user_id("ex_wang").await).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(told, 1, "the expert hears of the approval");

    // The public sees name, title and fields; staff see everything, on pages and in the API.
    let public = t.client().get("/experts?field=13.020").await.text;
    assert!(public.contains("王建国") && public.contains("教授级高级工程师") && public.contains("13.020.10"), "{public}");
    assert!(!public.contains("wang@example.com") && !public.contains("13912345678") && !public.contains("福建省标准化研究院"));
    assert!(!t.client().get("/experts?field=91.140.20").await.text.contains("王建国"), "a sibling field is not a match");
    let api = t.client().get("/api/v1/experts?field=13").await.json();
    assert_eq!(api["total"], 1);
    let item = &api["items"][0];
    assert_eq!((item["name"].as_str(), item["title"].as_str()), (Some("王建国"), Some("教授级高级工程师")));
    assert_eq!(item["fields"], json!(["13.020.10", "91.140"]));
    assert!(item.get("email").is_none() && item.get("phone").is_none() && item.get("id_number").is_none() && item.get("org_name").is_none(), "{item}");
    let full = staff.get("/api/v1/experts?field=13").await.json();
    assert_eq!(full["items"][0]["email"], "wang@example.com");
    assert_eq!(full["items"][0]["id_number"], "350102198001011234");
    assert_eq!(full["items"][0]["intl_roles"], "iso_convenor");
    assert!(staff.get(&format!("/staff/experts/{id}")).await.text.contains("13912345678"));
    assert_eq!(t.client().get("/api/v1/experts?tier=king").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(expert.api(Method::POST, "/api/v1/experts", Some(json!({"name": "x"}))).await.status, StatusCode::FORBIDDEN);

    // Availability and a tier application once in the pool; staff recognise it.
    let r = expert.post_form("/experts/me/away", &[("from", "2031-05-01"), ("to", "2031-04-01")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(expert.post_form("/experts/me/away", &[("from", "2031-05-01"), ("to", "2031-05-03"), ("note", "出国")]).await.status, StatusCode::SEE_OTHER);
    assert!(expert.get("/experts/me").await.text.contains("2031-05-01 — 2031-05-03"));
    assert_eq!(expert.post_form("/experts/me/tier", &[("tier", "emperor")]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(expert.post_form("/experts/me/tier", &[("tier", "expert"), ("statement", "主持国家标准 5 项")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(expert.post_form("/experts/me/tier", &[("tier", "expert")]).await.status, StatusCode::CONFLICT, "one open application");
    let app_id: i64 = sqlx::query_scalar("SELECT id FROM expert_tier_applications").fetch_one(&t.app.db.pool).await.unwrap();
    assert!(staff.get("/staff/experts/tiers").await.text.contains("主持国家标准 5 项"));
    assert_eq!(staff.post_form(&format!("/staff/experts/tiers/{app_id}/step"), &[("action", "recognise")]).await.status, StatusCode::SEE_OTHER);
    let counts = t.client().get("/api/v1/experts/tiers").await.json();
    assert_eq!(counts, json!([{"tier": "high_end", "count": 0, "target": 100}, {"tier": "expert", "count": 1, "target": 1000}, {"tier": "backbone", "count": 0, "target": 10000}]));
    let talent = t.client().get("/experts/talent").await.text;
    assert!(talent.contains("<svg") && talent.contains("专家人才（千）"), "{talent}");
    // In English on request.
    let en = t.client();
    en.get("/lang/en?next=/experts").await;
    let talent = en.get("/experts/talent").await.text;
    assert!(talent.contains("Expert talent (thousand)") && talent.contains("Recognised against target") && !talent.contains("专家人才"), "{talent}");
    assert!(en.get("/experts").await.text.contains("Expert pool"));
    let by_fn = biaozhun::experts::tier_counts(&t.app).await.unwrap();
    assert_eq!(by_fn.iter().map(|c| c.count).collect::<Vec<_>>(), vec![0, 1, 0]);
    assert_eq!(t.client().get("/api/v1/experts?tier=expert").await.json()["total"], 1);
    // Suspended experts leave the public list.
    let v: i64 = sqlx::query_scalar("SELECT version FROM experts WHERE id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(staff.post_form(&format!("/staff/experts/{id}/step"), &[("action", "suspend"), ("version", &v.to_string())]).await.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is needed");
    assert_eq!(staff.post_form(&format!("/staff/experts/{id}/step"), &[("action", "suspend"), ("note", "长期出国")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.client().get("/api/v1/experts").await.json()["total"], 0);
});

scenario!(a_draw_avoids_invites_and_replays_after_the_pool_changed, |t: TestApp| async move {
    let staff = t.staff("dr_staff").await;
    let mut pool = Vec::new();
    for i in 0..24u32 {
        // Four organisations; the fields 13.020.x and, for every third, 91.140.
        let fields = if i % 3 == 0 { format!("13.020.{}; 91.140", 10 + i % 5 * 10) } else { format!("13.020.{}", 10 + i % 5 * 10) };
        pool.push(enter(&staff, &format!("dr{i:02}"), &fields, i % 4).await);
    }
    let outsider = enter(&staff, "dr_other", "65.020", 9).await;
    // Refusals name the field; nothing is drawn.
    let bad = |body: serde_json::Value| {
        let staff = &staff;
        async move { staff.api(Method::POST, "/api/v1/experts/draws", Some(body)).await }
    };
    let r = bad(json!({"fields": [], "count": 3})).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("fields")));
    let r = bad(json!({"fields": ["13.020"], "count": 0})).await;
    assert_eq!(r.json()["error"]["field"], "count");
    let r = bad(json!({"fields": ["13.020"], "count": 30})).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("count")), "more than the pool holds");
    assert!(r.text.contains("24"), "{}", r.text);
    let r = bad(json!({"fields": ["13.020"], "count": 3, "avoid_organisations": ["91350100MA00000000"]})).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("avoid_organisations")), "a mistyped code would avoid no one");
    assert_eq!(t.count("SELECT COUNT(*) FROM expert_draws").await, 0);

    let avoid_org = uscc(0);
    let body = json!({"fields": ["13.020"], "count": 7, "backups": 3, "avoid_organisations": [avoid_org], "avoid_experts": [pool[1]], "title": "GB/T 19273 评价", "seed": 20261130u64});
    let r = staff.api(Method::POST, "/api/v1/experts/draws", Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let d = r.json();
    let id = d["id"].as_i64().unwrap();
    assert_eq!(d["seed"], 20261130u64);
    let (panel, backups) = (ids(&d["panel"]), ids(&d["backups"]));
    assert_eq!((panel.len(), backups.len()), (7, 3));
    let all: Vec<i64> = panel.iter().chain(&backups).copied().collect();
    let mut distinct = all.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 10, "no one twice");
    for e in &all {
        let i = pool.iter().position(|p| p == e).expect("from the fields' pool");
        assert!(i % 4 != 0, "the avoided organisation's experts are not drawn");
        assert_ne!(*e, pool[1], "the avoided expert is not drawn");
        assert_ne!(*e, outsider);
    }
    // The invitations went out by mail with an answer link; backups wait.
    assert_eq!(t.count("SELECT COUNT(*) FROM expert_invitations WHERE status = 'invited'").await, 7);
    assert_eq!(t.count("SELECT COUNT(*) FROM expert_invitations WHERE status = 'reserve'").await, 3);
    let first = panel[0];
    let name: String = sqlx::query_scalar("SELECT name FROM experts WHERE id = $1").bind(first).fetch_one(&t.app.db.pool).await.unwrap();
    let (subject, body_text, _) = t.last_mail(&format!("{name}@experts.example.com")).await;
    assert!(subject.contains("GB/T 19273 评价") && body_text.contains("/experts/invitations/"), "{subject} {body_text}");
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workflow_events WHERE kind IN ('expert_draw','expert_invitation')").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(events, 11, "the draw and each invitation are events");
    // The recorded draw and its snapshot.
    let got = staff.get(&format!("/api/v1/experts/draws/{id}")).await.json();
    assert_eq!((ids(&got["panel"]), ids(&got["backups"])), (panel.clone(), backups.clone()));
    assert_eq!(got["pool"], 24 - 6 - 1, "24 in the field, 6 of the avoided organisation, 1 person");
    assert_eq!(got["algorithm"], "xoshiro256starstar-splitmix64-fisher-yates-v1");
    assert_eq!(got["invitations"].as_array().unwrap().len(), 10);
    let (snapshot, sha): (String, String) = sqlx::query_as("SELECT snapshot, snapshot_sha256 FROM expert_draws WHERE id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(biaozhun::util::sha256_hex(&snapshot), sha);
    let snap: serde_json::Value = serde_json::from_str(&snapshot).unwrap();
    let order: Vec<i64> = snap["pool"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(order, sorted, "the snapshot is ordered by id");
    assert!(snap["excluded"].as_array().unwrap().iter().any(|e| e["why"] == "organisation"));
    // The panel follows from the snapshot by the documented algorithm.
    let picked: Vec<i64> = biaozhun::experts::rng::pick(20261130, order.len(), 10).into_iter().map(|i| order[i]).collect();
    assert_eq!(picked, all);

    // The pool changes: panel members suspended, new experts, a new field for an old one.
    for e in &panel[..3] {
        let r = staff.post_form(&format!("/staff/experts/{e}/step"), &[("action", "suspend"), ("note", "退出")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    for i in 0..5 {
        enter(&staff, &format!("dr_new{i}"), "13.020", 7).await;
    }
    let r = staff.api(Method::POST, &format!("/api/v1/experts/draws/{id}/replay"), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let re = r.json();
    assert_eq!((ids(&re["panel"]), ids(&re["backups"]), re["seed"].as_u64()), (panel.clone(), backups.clone(), Some(20261130)), "the same panel years later");
    // The replay page says so too.
    let page = staff.post_form(&format!("/staff/experts/draws/{id}/replay"), &[]).await.text;
    assert!(page.contains("复核结果与原抽取一致"), "{page}");
    // An altered snapshot is refused.
    sqlx::query("UPDATE expert_draws SET snapshot = REPLACE(snapshot, '\"13.020\"', '\"13.021\"') WHERE id = $1").bind(id).execute(&t.app.db.pool).await.unwrap();
    assert_eq!(staff.api(Method::POST, &format!("/api/v1/experts/draws/{id}/replay"), None).await.status, StatusCode::CONFLICT);
    assert_eq!(t.client().api(Method::POST, &format!("/api/v1/experts/draws/{id}/replay"), None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(staff.api(Method::POST, "/api/v1/experts/draws/999999/replay", None).await.status, StatusCode::NOT_FOUND);

    // Experts invited in the last draw are avoided on request, and so is an unavailable one.
    let away = backups[0];
    sqlx::query("INSERT INTO expert_unavailable (expert_id, from_day, to_day) VALUES ($1, $2, $2)")
        .bind(away)
        .bind(biaozhun::util::parse_local_date("2031-06-01").unwrap())
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let r = staff.api(Method::POST, "/api/v1/experts/draws", Some(json!({"fields": ["13.020"], "count": 5, "avoid_recent_draws": 1, "date": "2031-06-01"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let second = ids(&r.json()["panel"]);
    assert!(second.iter().all(|e| !panel.contains(e) && *e != away), "{second:?} {panel:?}");
    let snap: String = sqlx::query_scalar("SELECT snapshot FROM expert_draws WHERE id = $1").bind(r.json()["id"].as_i64().unwrap()).fetch_one(&t.app.db.pool).await.unwrap();
    let snap: serde_json::Value = serde_json::from_str(&snap).unwrap();
    let why = |id: i64| snap["excluded"].as_array().unwrap().iter().find(|e| e["id"] == id).map(|e| e["why"].as_str().unwrap().to_string());
    assert_eq!(why(away).as_deref(), Some("unavailable"));
    assert_eq!(why(panel[4]).as_deref(), Some("recent"));
    assert_eq!(why(panel[0]), None, "a suspended expert is not in the pool at all");
    assert_ne!(r.json()["seed"].as_u64(), Some(20261130), "a fresh seed");
    assert!(r.json()["seed"].as_u64().unwrap() < 1 << 53, "exact in JSON readers");
});

scenario!(declines_are_replaced_from_the_backups_in_order, |t: TestApp| async move {
    let staff = t.staff("dc_staff").await;
    // One expert keeps an account and answers on their page; the rest answer by the link.
    let account = t.user_with_roles("dc_acc", &[Role::Expert]).await;
    let form = [("name", "账号专家"), ("fields", "13.020"), ("email", "dc_acc@example.com")];
    assert_eq!(account.post_form("/experts/me", &form).await.status, StatusCode::SEE_OTHER);
    let acc_id: i64 = sqlx::query_scalar("SELECT id FROM experts WHERE name = '账号专家'").fetch_one(&t.app.db.pool).await.unwrap();
    account.post_form("/experts/me/submit", &[]).await;
    assert_eq!(staff.post_form(&format!("/staff/experts/{acc_id}/step"), &[("action", "approve")]).await.status, StatusCode::SEE_OTHER);
    for i in 0..6 {
        enter(&staff, &format!("dc{i}"), "13.020", i).await;
    }
    // The account's expert is on the panel whatever the seed: avoid none, the pool is 7, draw all.
    let r = staff.api(Method::POST, "/api/v1/experts/draws", Some(json!({"fields": ["13.020"], "count": 3, "backups": 4, "seed": 5, "date": "2031-06-01"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let d = r.json();
    let id = d["id"].as_i64().unwrap();
    let (panel, backups) = (ids(&d["panel"]), ids(&d["backups"]));
    let inv_of = |expert: i64| {
        let pool = t.app.db.pool.clone();
        async move { sqlx::query_scalar::<_, i64>("SELECT id FROM expert_invitations WHERE draw_id = $1 AND expert_id = $2").bind(id).bind(expert).fetch_one(&pool).await.unwrap() }
    };
    let status_of = |expert: i64| {
        let pool = t.app.db.pool.clone();
        async move { sqlx::query_scalar::<_, String>("SELECT status FROM expert_invitations WHERE draw_id = $1 AND expert_id = $2").bind(id).bind(expert).fetch_one(&pool).await.unwrap() }
    };
    // A panel expert without an account declines from the mailed link.
    let by_link = *panel.iter().find(|e| **e != acc_id).unwrap();
    let name: String = sqlx::query_scalar("SELECT name FROM experts WHERE id = $1").bind(by_link).fetch_one(&t.app.db.pool).await.unwrap();
    let (_, _, link) = t.last_mail(&format!("{name}@experts.example.com")).await;
    let link = link.expect("answer link");
    let visitor = t.client();
    assert_eq!(visitor.get(&format!("/experts/invitations/{}?token=wrong", inv_of(by_link).await)).await.status, StatusCode::SEE_OTHER, "no token, no page: log in");
    let page = visitor.get(&link).await;
    assert!(page.status == StatusCode::OK && page.text.contains(&name) && page.text.contains("接受邀请"), "{}", page.text);
    let token = link.split("token=").nth(1).unwrap().to_string();
    let inv = inv_of(by_link).await;
    let r = visitor.post_form(&format!("/experts/invitations/{inv}"), &[("token", "forged"), ("answer", "decline")]).await;
    assert!(r.status == StatusCode::UNAUTHORIZED || r.status == StatusCode::SEE_OTHER, "a forged token is no answer: {}", r.status);
    let r = visitor.post_form(&format!("/experts/invitations/{inv}"), &[("token", &token), ("answer", "decline"), ("note", "时间冲突")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(status_of(by_link).await, "declined");
    assert_eq!(status_of(backups[0]).await, "invited", "the first backup is called");
    assert_eq!((status_of(backups[1]).await, status_of(backups[2]).await), ("reserve".to_string(), "reserve".to_string()));
    let replaces: Option<i64> = sqlx::query_scalar("SELECT replaces FROM expert_invitations WHERE draw_id = $1 AND expert_id = $2").bind(id).bind(backups[0]).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(replaces, Some(inv));
    let bname: String = sqlx::query_scalar("SELECT name FROM experts WHERE id = $1").bind(backups[0]).fetch_one(&t.app.db.pool).await.unwrap();
    assert!(t.last_mail(&format!("{bname}@experts.example.com")).await.1.contains("/experts/invitations/"), "the backup is invited by mail");
    // The link cannot answer twice.
    assert_eq!(visitor.post_form(&format!("/experts/invitations/{inv}"), &[("token", &token), ("answer", "accept")]).await.status, StatusCode::CONFLICT);

    // The account's expert answers on their page (if drawn), else staff record a decline.
    let acc_on = panel.contains(&acc_id) || backups[..1].contains(&acc_id);
    if acc_on {
        let inv = inv_of(acc_id).await;
        let me = account.get("/experts/me").await.text;
        assert!(me.contains(&format!("/experts/invitations/{inv}")), "{me}");
        assert_eq!(account.post_form(&format!("/experts/invitations/{inv}"), &[("answer", "accept"), ("back", "me")]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(status_of(acc_id).await, "accepted");
    }
    let other = t.user_with_roles("dc_other", &[Role::Expert]).await;
    let someone = inv_of(*panel.iter().find(|e| **e != acc_id && **e != by_link).unwrap()).await;
    assert_eq!(other.post_form(&format!("/experts/invitations/{someone}"), &[("answer", "accept")]).await.status, StatusCode::NOT_FOUND, "not theirs");
    assert_eq!(staff.post_form(&format!("/experts/invitations/{someone}"), &[("answer", "decline")]).await.status, StatusCode::SEE_OTHER, "staff record a decline");
    let called: Vec<String> = sqlx::query_scalar("SELECT status FROM expert_invitations WHERE draw_id = $1 AND role = 'backup' ORDER BY position").bind(id).fetch_all(&t.app.db.pool).await.unwrap();
    assert!(called[..2].iter().all(|s| s != "reserve") && called[2..].iter().all(|s| s == "reserve"), "backups in order: {called:?}");
    let replaced: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM workflow_events WHERE kind = 'expert_invitation' AND action = 'replace'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(replaced, 2, "each replacement is an event");

    // The page lists the invitations; the export masks personal data.
    let page = staff.get(&format!("/staff/experts/draws/{id}")).await.text;
    assert!(page.contains("已谢绝") && page.contains("候补"), "{page}");
    let x = staff.get(&format!("/staff/experts/draws/{id}/export.xlsx")).await;
    assert_eq!(x.status, StatusCode::OK);
    let bytes = staff.http.get(staff.url(&format!("/staff/experts/draws/{id}/export.xlsx"))).send().await.unwrap().bytes().await.unwrap();
    let sheet = biaozhun::imports::file_text(&bytes, &t.app.config.imports).unwrap();
    assert!(sheet.contains("138****5678") && sheet.contains("d***@experts.example.com") && sheet.contains("1101**********"), "{sheet}");
    assert!(!sheet.contains("13812345678") && !sheet.contains("@experts.example.com\n") && !sheet.contains(&format!("{name}@experts")), "{sheet}");

    // An unanswered invitation past its deadline expires with the hourly job, and the next backup is called.
    sqlx::query("UPDATE expert_invitations SET deadline = 1 WHERE draw_id = $1 AND status = 'invited'").bind(id).execute(&t.app.db.pool).await.unwrap();
    let before = t.count("SELECT COUNT(*) FROM expert_invitations WHERE status = 'reserve'").await;
    biaozhun::experts::draw::expire_job(t.app.clone(), 0, json!({})).await.unwrap();
    let expired = t.count("SELECT COUNT(*) FROM expert_invitations WHERE status = 'expired'").await;
    assert!(expired >= 1);
    assert!(t.count("SELECT COUNT(*) FROM expert_invitations WHERE status = 'reserve'").await < before, "a backup is called");
});

scenario!(importing_a_pool_keeps_good_rows_reports_bad_ones_and_is_idempotent, |t: TestApp| async move {
    let staff = t.staff("im_staff").await;
    let data = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/experts/pool.xlsx")).unwrap();
    crate::portal::staff_import(&t, &staff, "/staff/experts/import", "pool.xlsx", data.clone()).await;
    let result: String = sqlx::query_scalar("SELECT result FROM jobs WHERE kind = 'experts_import' ORDER BY id DESC LIMIT 1").fetch_one(&t.app.db.pool).await.unwrap();
    let result: serde_json::Value = serde_json::from_str(&result).unwrap();
    assert_eq!((result["created"].as_i64(), result["updated"].as_i64(), result["unchanged"].as_i64()), (Some(6), Some(0), Some(0)), "{result}");
    let errors = result["errors"].as_array().unwrap();
    let at: Vec<(i64, &str, &str)> = errors.iter().map(|e| (e["line"].as_i64().unwrap(), e["column"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
    assert_eq!(at, vec![(8, "专业领域(ICS)", "expert_ics"), (9, "电子邮箱", "expert_email"), (10, "统一社会信用代码", "expert_uscc"), (11, "电子邮箱", "expert_duplicate"), (12, "电子邮箱", "expert_key"), (13, "人才层次", "expert_tier")]);
    assert_eq!(t.count("SELECT COUNT(*) FROM experts WHERE status = 'approved'").await, 6);
    assert_eq!(t.count("SELECT COUNT(*) FROM experts WHERE tier = 'high_end'").await, 1);
    // The job's page words the problems.
    let job: i64 = sqlx::query_scalar("SELECT id FROM jobs WHERE kind = 'experts_import' ORDER BY id DESC LIMIT 1").fetch_one(&t.app.db.pool).await.unwrap();
    let page = staff.get(&format!("/staff/jobs/{job}")).await.text;
    assert!(page.contains("ICS 分类号无效：99.999"), "{page}");
    // Again, from the command line: nothing changes.
    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/experts/pool.xlsx"));
    let (ok, out, err) = t.cli(&["import", "experts", path.to_str().unwrap()], "");
    assert!(ok, "{out} {err}");
    assert!(out.contains("0 created, 0 updated, 6 unchanged, 6 refused"), "{out}");
    assert!(out.contains("line 8, column 专业领域(ICS)"), "{out}");
    assert_eq!(t.count("SELECT COUNT(*) FROM experts").await, 6);
    // A changed row updates the one matched by address (an event), nothing is added.
    let csv = "姓名,电子邮箱,职称,专业领域\n林海,linhai@example.org,研究员,13.020\n";
    crate::portal::staff_import(&t, &staff, "/staff/experts/import", "pool.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(t.count("SELECT COUNT(*) FROM experts").await, 6);
    let title: String = sqlx::query_scalar("SELECT title FROM experts WHERE email_key = 'linhai@example.org'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(title, "研究员");
    assert_eq!(t.count("SELECT COUNT(*) FROM workflow_events WHERE kind = 'expert_profile' AND action = 'update'").await, 1);
});

scenario!(a_draw_that_fails_midway_leaves_nothing, |t: TestApp| async move {
    let staff = t.staff("ft_staff").await;
    for i in 0..8 {
        enter(&staff, &format!("ft{i}"), "13.020", i).await;
    }
    let mails = t.count("SELECT COUNT(*) FROM mail_outbox").await;
    // The fourth invitation cannot be written: the whole draw is undone.
    let pool = &t.app.db.pool;
    match t.backend {
        Backend::Sqlite => {
            sqlx::query("CREATE TRIGGER ft_fault BEFORE INSERT ON expert_invitations WHEN NEW.position = 4 BEGIN SELECT RAISE(ABORT, 'fault'); END").execute(pool).await.unwrap();
        }
        Backend::Postgres => {
            sqlx::query("CREATE FUNCTION ft_fault() RETURNS trigger AS $$ BEGIN IF NEW.position = 4 THEN RAISE EXCEPTION 'fault'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql").execute(pool).await.unwrap();
            sqlx::query("CREATE TRIGGER ft_fault BEFORE INSERT ON expert_invitations FOR EACH ROW EXECUTE FUNCTION ft_fault()").execute(pool).await.unwrap();
        }
    }
    let r = staff.api(Method::POST, "/api/v1/experts/draws", Some(json!({"fields": ["13.020"], "count": 3, "backups": 2}))).await;
    assert!(!r.status.is_success(), "{}", r.status);
    assert_eq!(t.count("SELECT COUNT(*) FROM expert_draws").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM expert_invitations").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM workflow_events WHERE kind IN ('expert_draw','expert_invitation')").await, 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM mail_outbox").await, mails, "no invitation mail of a draw that is not");
    sqlx::query("DROP TRIGGER ft_fault ON expert_invitations").execute(pool).await.ok();
    sqlx::query("DROP TRIGGER ft_fault").execute(pool).await.ok();
    let r = staff.api(Method::POST, "/api/v1/experts/draws", Some(json!({"fields": ["13.020"], "count": 3, "backups": 2}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM expert_invitations").await, 5);
});

/// Writes `tests/data/experts/pool.xlsx` (run once by hand: `cargo test -p biaozhun --test it
/// write_expert_pool_file -- --ignored`). Fictional people: no real personal data is kept.
#[test]
#[ignore]
fn write_expert_pool_file() {
    let head = ["姓名", "电子邮箱", "证件号码", "电话", "职称", "工作单位", "统一社会信用代码", "专业领域(ICS)", "行业", "资格资质", "外语", "国际任职", "委员会", "人才层次"];
    let row = |v: [&str; 14]| v.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    let u1 = uscc(101);
    let u2 = uscc(102);
    let mut bad = uscc(103);
    let last = bad.pop().unwrap();
    bad.push(if last == '0' { '1' } else { '0' });
    let rows = vec![
        row(["林海", "linhai@example.org", "350102197505050011", "13800000001", "教授级高级工程师", "示例标准化研究院", &u1, "13.020; 91.140.10", "化工", "注册标准化工程师", "英语", "iso_convenor", "SAC/TC 28 委员", "百"]),
        row(["陈静", "chenjing@example.org", "350102198203030022", "13800000002", "高级工程师", "示例检测中心", &u2, "13.020.10", "环保", "", "英语; 日语", "", "", "千"]),
        row(["张伟", "zhangwei@example.org", "", "13800000003", "研究员", "示例大学", "", "91.140", "建筑", "", "", "iec_secretary", "", "万"]),
        row(["刘洋", "", "350102199001010033", "13800000004", "工程师", "示例企业", "", "65.020", "农业", "", "", "", "", ""]),
        row(["赵敏", "zhaomin@example.org", "", "", "高级经济师", "示例协会", "", "03.120.10", "服务", "", "英语", "", "", ""]),
        row(["黄磊", "huanglei@example.org", "", "", "工程师", "示例制造", "", "25.040", "制造", "", "", "", "", ""]),
        row(["错码", "bad1@example.org", "", "", "", "", "", "99.999", "", "", "", "", "", ""]),
        row(["坏邮箱", "not-an-address", "", "", "", "", "", "13.020", "", "", "", "", "", ""]),
        row(["坏代码", "bad3@example.org", "", "", "", "", &bad, "13.020", "", "", "", "", "", ""]),
        row(["林海二", "LinHai@example.org", "", "", "", "", "", "13.020", "", "", "", "", "", ""]),
        row(["无键", "", "", "", "", "", "", "13.020", "", "", "", "", "", ""]),
        row(["坏层次", "bad6@example.org", "", "", "", "", "", "13.020", "", "", "", "", "", "十"]),
    ];
    let bytes = biaozhun::web::download::xlsx(&head, &rows).unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/experts");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(format!("{dir}/pool.xlsx"), bytes).unwrap();
}

// The authorization rows of the room on real records: visitors, users, an expert (their own
// profile and invitations only), staff and administrators.
scenario!(who_reaches_what_in_the_expert_pool, |t: TestApp| async move {
    let staff = t.staff("az_staff").await;
    let admin = t.user_with_roles("az_admin", &[Role::Admin]).await;
    let owner = t.user_with_roles("az_owner", &[Role::Expert]).await;
    let other = t.user_with_roles("az_other", &[Role::Expert]).await;
    let user = t.user("az_user").await;
    let anon = t.client();
    for (who, c) in [("az_owner", &owner), ("az_other", &other)] {
        let form = [("name", who), ("fields", "13.020"), ("email", "x@example.com"), ("phone", "13600000000")];
        assert_eq!(c.post_form("/experts/me", &form).await.status, StatusCode::SEE_OTHER);
        c.post_form("/experts/me/submit", &[]).await;
    }
    let owner_id: i64 = sqlx::query_scalar("SELECT id FROM experts WHERE name = 'az_owner'").fetch_one(&t.app.db.pool).await.unwrap();
    let other_id: i64 = sqlx::query_scalar("SELECT id FROM experts WHERE name = 'az_other'").fetch_one(&t.app.db.pool).await.unwrap();
    for id in [owner_id, other_id] {
        assert_eq!(staff.post_form(&format!("/staff/experts/{id}/step"), &[("action", "approve")]).await.status, StatusCode::SEE_OTHER);
    }
    let r = admin.api(Method::POST, "/api/v1/experts/draws", Some(json!({"fields": ["13.020"], "count": 2}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "administrators draw too: {}", r.text);
    let draw = r.json()["id"].as_i64().unwrap();
    let inv: i64 = sqlx::query_scalar("SELECT id FROM expert_invitations WHERE expert_id = $1").bind(owner_id).fetch_one(&t.app.db.pool).await.unwrap();
    let inv_page = format!("/experts/invitations/{inv}");
    let profile = format!("/staff/experts/{owner_id}");
    let draw_page = format!("/staff/experts/draws/{draw}");
    let login = |r: &Resp| r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login");

    // Visitors: the public list only.
    assert_eq!(anon.get("/experts").await.status, StatusCode::OK);
    for path in ["/experts/me", profile.as_str(), draw_page.as_str(), inv_page.as_str()] {
        assert!(login(&anon.get(path).await), "{path}");
    }
    assert_eq!(anon.api(Method::POST, "/api/v1/experts/draws", Some(json!({"fields": ["13.020"], "count": 1}))).await.status, StatusCode::UNAUTHORIZED);
    // Users without the Expert role: no profile, no staff pages, no one's invitation.
    assert_eq!(user.get("/experts/me").await.status, StatusCode::FORBIDDEN);
    assert_eq!(user.get(&profile).await.status, StatusCode::FORBIDDEN);
    assert_eq!(user.get(&inv_page).await.status, StatusCode::NOT_FOUND);
    // An expert: their own profile and invitation; not another's, not the staff pages.
    assert!(owner.get("/experts/me").await.text.contains("az_owner"));
    assert!(!other.get("/experts/me").await.text.contains("az_owner"));
    assert_eq!(owner.get(&inv_page).await.status, StatusCode::OK);
    assert_eq!(other.get(&inv_page).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.post_form(&inv_page, &[("answer", "decline")]).await.status, StatusCode::NOT_FOUND);
    for path in [profile.as_str(), draw_page.as_str(), "/staff/experts", "/staff/experts/draws", "/staff/experts/tiers"] {
        assert_eq!(owner.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(owner.post_form(&format!("/staff/experts/{other_id}/step"), &[("action", "suspend"), ("note", "x")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(owner.api(Method::POST, &format!("/api/v1/experts/draws/{draw}/replay"), None).await.status, StatusCode::FORBIDDEN);
    let seen = owner.get("/api/v1/experts").await.json();
    assert!(seen["items"].as_array().unwrap().iter().all(|e| e.get("phone").is_none()), "an expert sees the public fields of others");
    // Staff and administrators: everything.
    for c in [&staff, &admin] {
        for path in [profile.as_str(), draw_page.as_str(), inv_page.as_str(), "/staff/experts", "/staff/experts/tiers"] {
            assert_eq!(c.get(path).await.status, StatusCode::OK, "{path}");
        }
        assert!(c.get("/api/v1/experts").await.text.contains("13600000000"));
    }
});

// An expert entered by staff (or imported) under an address takes the profile over when the
// account of that address, with the Expert role, saves it: no second profile.
scenario!(an_expert_takes_over_the_profile_kept_under_their_address, |t: TestApp| async move {
    let staff = t.staff("cl_staff").await;
    let body = json!({"name": "郑华", "title": "研究员", "fields": "13.020", "email": "Cl_Zheng@example.com"});
    let r = staff.api(Method::POST, "/api/v1/experts", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    let r = staff.api(Method::POST, "/api/v1/experts/draws", Some(json!({"fields": ["13.020"], "count": 1}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let zheng = t.user_with_roles("cl_zheng", &[Role::Expert]).await;
    let page = zheng.get("/experts/me").await.text;
    assert!(page.contains("郑华") && page.contains("claim-hint") && page.contains("已入库"), "{page}");
    let r = zheng.post_form("/experts/me", &[("name", "郑华"), ("title", "教授级高级工程师"), ("fields", "13.020"), ("email", "cl_zheng@example.com")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM experts").await, 1, "no second profile");
    let (user_id, status, title): (Option<i64>, String, String) = sqlx::query_as("SELECT user_id, status, title FROM experts WHERE id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!((user_id, status.as_str(), title.as_str()), (Some(t.user_id("cl_zheng").await), "approved", "教授级高级工程师"));
    // The invitation of the draw is theirs now, answered on their page.
    let inv: i64 = sqlx::query_scalar("SELECT id FROM expert_invitations WHERE expert_id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    assert!(zheng.get("/experts/me").await.text.contains(&format!("/experts/invitations/{inv}")));
    assert_eq!(zheng.post_form(&format!("/experts/invitations/{inv}"), &[("answer", "accept"), ("back", "me")]).await.status, StatusCode::SEE_OTHER);
    // Someone else's address claims nothing.
    let other = t.user_with_roles("cl_other", &[Role::Expert]).await;
    assert!(!other.get("/experts/me").await.text.contains("郑华"));
});

// Invitations and the backups' calls go in the expert's language: the account's (its
// `locale`, the language it registered in) when the expert has one, else Chinese and
// English in one mail.
scenario!(invitations_are_mailed_in_the_experts_language, |t: TestApp| async move {
    let staff = t.staff("ml_staff").await;
    let mut keepers = vec![];
    for (who, locale) in [("ml_en", "en"), ("ml_zh", "zh-CN")] {
        let c = t.user_with_roles(who, &[Role::Expert]).await;
        sqlx::query("UPDATE users SET locale = $1 WHERE username = $2").bind(locale).bind(who).execute(&t.app.db.pool).await.unwrap();
        let form = [("name", who), ("fields", "35.240"), ("email", &*format!("{who}@experts.example.com"))];
        assert_eq!(c.post_form("/experts/me", &form).await.status, StatusCode::SEE_OTHER);
        c.post_form("/experts/me/submit", &[]).await;
        let id: i64 = sqlx::query_scalar("SELECT id FROM experts WHERE name = $1").bind(who).fetch_one(&t.app.db.pool).await.unwrap();
        assert_eq!(staff.post_form(&format!("/staff/experts/{id}/step"), &[("action", "approve")]).await.status, StatusCode::SEE_OTHER);
        keepers.push((id, locale));
    }
    let plain = enter(&staff, "ml_none", "35.240", 901).await;
    let lang_of = |id: i64| keepers.iter().find(|k| k.0 == id).map(|k| k.1);
    // Everyone drawn: two on the panel, one backup.
    let r = staff.api(Method::POST, "/api/v1/experts/draws", Some(json!({"fields": ["35.240"], "count": 2, "backups": 1, "title": "信息技术评审"}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let d = r.json();
    let (panel, backups) = (ids(&d["panel"]), ids(&d["backups"]));
    let mail_of = |id: i64| {
        let pool = t.app.db.pool.clone();
        async move {
            let name: String = sqlx::query_scalar("SELECT name FROM experts WHERE id = $1").bind(id).fetch_one(&pool).await.unwrap();
            sqlx::query_as::<_, (String, String)>("SELECT subject, body_text FROM mail_outbox WHERE to_addr = $1 ORDER BY id DESC LIMIT 1")
                .bind(format!("{name}@experts.example.com"))
                .fetch_optional(&pool)
                .await
                .unwrap()
        }
    };
    let check = |id: i64, mail: (String, String), zh_words: &str, en_words: &str| {
        let (subject, body) = mail;
        match lang_of(id) {
            Some("en") => assert!(subject.contains(en_words) && !subject.contains(zh_words) && body.contains("Please accept or decline") && !body.contains("接受或谢绝"), "{subject}\n{body}"),
            Some(_) => assert!(subject.contains(zh_words) && !subject.contains(en_words) && body.contains("接受或谢绝") && !body.contains("Please accept"), "{subject}\n{body}"),
            None => assert!(subject.contains(zh_words) && subject.contains(en_words) && body.contains("接受或谢绝") && body.contains("Please accept or decline"), "both languages: {subject}\n{body}"),
        }
        assert!(body.contains("/experts/invitations/") && body.contains("信息技术评审"), "{body}");
    };
    for id in &panel {
        check(*id, mail_of(*id).await.expect("the panel is invited"), "评审邀请", "Review invitation");
    }
    assert!(mail_of(backups[0]).await.is_none(), "a backup waits");
    // A decline calls the backup, in the backup's language, saying it is a call from the backups.
    let inv: i64 = sqlx::query_scalar("SELECT id FROM expert_invitations WHERE expert_id = $1").bind(panel[0]).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(staff.post_form(&format!("/experts/invitations/{inv}"), &[("answer", "decline")]).await.status, StatusCode::SEE_OTHER);
    check(backups[0], mail_of(backups[0]).await.expect("the backup is called"), "递补", "from the backups");
    assert!(panel.contains(&plain) || backups.contains(&plain));
});

// The pool's API against the issue: the public part (names, titles, fields) by field and
// tier, everything for staff in any state, and a bad filter named.
scenario!(the_pool_api_shows_the_public_part_and_names_a_bad_filter, |t: TestApp| async move {
    let staff = t.staff("pa_staff").await;
    enter(&staff, "pa_li", "13.020", 950).await;
    let public = t.client().get("/api/v1/experts?field=13&status=all").await.json();
    assert_eq!(public["total"], 1);
    let keys: Vec<&str> = public["items"][0].as_object().unwrap().iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["fields", "id", "name", "title"], "the public part only: {public}");
    let full = staff.get("/api/v1/experts?field=13&status=all").await.json();
    assert_eq!(full["items"][0]["email"], "pa_li@experts.example.com");
    for who in [&staff, &t.client()] {
        let r = who.get("/api/v1/experts?status=retired").await;
        assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("status")));
    }
});

// An expert who set their account's mails to English on /account is invited in English; a
// decline is confirmed to them in that language (an expert without an account in both), and
// the staff member who ran the draw is told which backup was called in, or that none is left.
scenario!(a_decline_is_confirmed_and_the_drawer_told_the_backup, |t: TestApp| async move {
    let staff = t.staff("dc_staff").await;
    let c = t.user_with_roles("dc_en", &[Role::Expert]).await;
    assert_eq!(c.post_form("/account/language", &[("locale", "en")]).await.status, StatusCode::SEE_OTHER);
    let form = [("name", "dc_en"), ("fields", "35.240"), ("email", "dc_en@experts.example.com")];
    assert_eq!(c.post_form("/experts/me", &form).await.status, StatusCode::SEE_OTHER);
    c.post_form("/experts/me/submit", &[]).await;
    let en: i64 = sqlx::query_scalar("SELECT id FROM experts WHERE name = 'dc_en'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(staff.post_form(&format!("/staff/experts/{en}/step"), &[("action", "approve")]).await.status, StatusCode::SEE_OTHER);
    let backup = enter(&staff, "dc_backup", "35.240", 903).await;
    // A seed that puts dc_en on the panel of one (the pool is ordered by id).
    let at = usize::from(en > backup);
    let seed = (1u64..).find(|s| biaozhun::experts::rng::pick(*s, 2, 2)[0] == at).unwrap();
    let body = json!({"fields": ["35.240"], "count": 1, "backups": 1, "title": "信息技术评审", "seed": seed});
    let r = staff.api(Method::POST, "/api/v1/experts/draws", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let d = r.json();
    assert_eq!((ids(&d["panel"]), ids(&d["backups"])), (vec![en], vec![backup]));
    let draw = d["id"].as_i64().unwrap();
    let (subject, body, _) = t.last_mail("dc_en@experts.example.com").await;
    assert!(subject.starts_with("Review invitation") && body.contains("Please accept or decline") && !body.contains("接受或谢绝"), "{subject}\n{body}");
    // The expert declines from their account.
    let inv_of = |expert: i64| {
        let pool = t.app.db.pool.clone();
        async move { sqlx::query_scalar::<_, i64>("SELECT id FROM expert_invitations WHERE draw_id = $1 AND expert_id = $2").bind(draw).bind(expert).fetch_one(&pool).await.unwrap() }
    };
    assert_eq!(c.post_form(&format!("/experts/invitations/{}", inv_of(en).await), &[("answer", "decline")]).await.status, StatusCode::SEE_OTHER);
    let (subject, body, _) = t.last_mail("dc_en@experts.example.com").await;
    assert_eq!(subject, "Your answer is recorded: 信息技术评审");
    assert!(body.starts_with("dc_en,") && body.contains("will not take part") && !body.contains("评审”") && !body.contains("dc_backup"), "{body}");
    let staff_id = t.user_id("dc_staff").await;
    let notice = |n: i64| {
        let pool = t.app.db.pool.clone();
        async move {
            sqlx::query_as::<_, (String, String, String)>("SELECT title, body, link FROM notifications WHERE user_id = $1 AND kind = 'experts_draw' ORDER BY id")
                .bind(staff_id)
                .fetch_all(&pool)
                .await
                .unwrap()
                .into_iter()
                .nth(n as usize)
        }
    };
    let (title, text, link) = notice(0).await.expect("the drawer is told");
    assert_eq!((title.as_str(), link), ("专家谢绝，已递补：信息技术评审", format!("/staff/experts/draws/{draw}")));
    assert!(text.contains("dc_en 不参加") && text.contains("dc_backup 递补"), "{text}");
    let (subject, _, _) = t.last_mail("dc_staff@example.com").await;
    assert_eq!(subject, "专家谢绝，已递补：信息技术评审");
    // The backup, kept without an account, declines through staff: confirmed in both
    // languages, and the drawer hears that no backup is left.
    assert_eq!(staff.post_form(&format!("/experts/invitations/{}", inv_of(backup).await), &[("answer", "decline")]).await.status, StatusCode::SEE_OTHER);
    let (subject, body, _) = t.last_mail("dc_backup@experts.example.com").await;
    assert_eq!(subject, "您的答复已记录：信息技术评审 / Your answer is recorded: 信息技术评审");
    assert!(body.contains("您将不参加") && body.contains("-- English --") && body.contains("will not take part"), "{body}");
    let (title, text, _) = notice(1).await.expect("told again");
    assert_eq!(title, "专家谢绝，无备选可递补：信息技术评审");
    assert!(text.contains("dc_backup 不参加") && text.contains("另行抽取"), "{text}");
    assert!(notice(2).await.is_none());
});
