//! The strategy room through HTTP: the Guangzhou outline's 5 goals and 16 tasks load with
//! their indicators; a computed indicator follows the records (an expert recognised in a
//! talent tier) and the daily snapshot keeps it; a reported indicator is filed by its
//! department with evidence; progress reports move through file → return → file → accept
//! with department and district scopes, and one unit can neither file, see nor accept
//! another's; overdue reports are flagged and reminded once; a second outline loads from a
//! file through the command line and the two are compared; the yearly assessment.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use biaozhun::auth::scopes::{Scope, ScopedRole};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn dept(t: &TestApp, name: &str, key: &str) -> Client {
    t.user_scoped(name, &[], ScopedRole::Department, Scope::new("department", key)).await
}

async fn upload(c: &Client, rid: i64, data: &[u8]) -> StatusCode {
    let csrf = c.csrf().await;
    let part = reqwest::multipart::Part::bytes(data.to_vec()).file_name("清单.pdf");
    let r = c.http.post(c.url(&format!("/strategy/reports/{rid}/evidence?_csrf={csrf}"))).multipart(reqwest::multipart::Form::new().part("file", part)).send().await.unwrap();
    r.status()
}

fn item<'a>(list: &'a Value, key: &str) -> &'a Value {
    list["items"].as_array().unwrap().iter().find(|i| i["key"] == key).unwrap_or_else(|| panic!("no {key} in {list}"))
}

scenario!(the_outline_loads_with_its_goals_tasks_and_indicators, |t: TestApp| async move {
    let c = t.client();
    let goals = c.get("/api/v1/strategy/goals").await.json();
    let names: Vec<&str> = goals["items"].as_array().unwrap().iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["产业引领", "宜居城市", "绿色低碳", "国际标准化", "人才集聚"]);
    assert_eq!(goals["items"][4]["tasks"], json!([14, 15, 16]), "{goals}");
    assert_eq!(goals["safeguards"].as_array().unwrap().len(), 4);

    let tasks = c.get("/api/v1/strategy/tasks").await.json();
    let items = tasks["items"].as_array().unwrap();
    assert_eq!(items.len(), 16);
    assert_eq!((items[0]["no"].as_i64(), items[0]["goal"].as_str(), items[0]["lead"].as_str(), items[0]["status"].as_str()), (Some(1), Some("industry"), Some("gz-gxj"), Some("not_reported")));
    assert_eq!(items[5]["districts"].as_array().unwrap().len(), 11, "every district of Guangzhou");
    assert_eq!(items[15]["goal"], "talent");

    let ind = c.get("/api/v1/strategy/indicators").await.json();
    let demo = item(&ind, "demonstration_projects");
    assert_eq!((demo["target"].as_i64(), demo["deadline"].as_str(), demo["source"].as_str(), demo["value"].as_i64()), (Some(15), Some("2020-12-31"), Some("computed"), Some(0)));
    assert!(demo["as_of"].as_i64().is_some());
    assert_eq!(item(&ind, "aaaa_enterprises")["target"], 100);
    assert_eq!(item(&ind, "talent_backbone")["target"], 10000);
    let specs = item(&ind, "local_specifications");
    assert_eq!((specs["baseline"].as_i64(), specs["source"].as_str(), specs["value"].is_null()), (Some(188), Some("reported"), true), "the catalogue holds no DB4401 record yet");
    let secretariats = item(&ind, "committee_secretariats");
    assert_eq!((secretariats["source"].as_str(), secretariats["value"].is_null()), (Some("reported"), true), "the registry is empty");
    // Once the records exist, the rooms that hold them compute the figures.
    let list = format!("{}/tests/data/committees/national.csv", env!("CARGO_MANIFEST_DIR"));
    let (ok, out, err) = t.cli(&["import", "committees", &list], "");
    assert!(ok, "{out}\n{err}");
    let ind = c.get("/api/v1/strategy/indicators").await.json();
    let secretariats = item(&ind, "committee_secretariats");
    assert_eq!((secretariats["source"].as_str(), secretariats["value"].as_i64()), (Some("computed"), Some(2)), "GZ/TC 12 and GD/TC 5 have their secretariat in Guangzhou: {secretariats}");
    assert_eq!(item(&ind, "signs_standardised")["baseline"], 106000);

    // The public dashboard shows the indicators against their targets in an SVG chart.
    let page = c.get("/strategy").await;
    assert_eq!(page.status, StatusCode::OK);
    for s in ["国家级标准化示范(试点)", "≥ 15", "188", "<svg", "推动城市建设管理标准化", "天河区", "完善体制机制", "计算", "填报"] {
        assert!(page.text.contains(s), "{s} on the dashboard");
    }
    let en = c.get("/api/v1/openapi.json").await.json();
    for p in ["/api/v1/strategy/goals", "/api/v1/strategy/tasks", "/api/v1/strategy/indicators"] {
        assert!(en["paths"].get(p).is_some(), "{p} in the OpenAPI document");
    }
    assert_eq!(c.get("/api/v1/strategy/tasks?outline=nowhere").await.status, StatusCode::NOT_FOUND);
    let task = c.get("/strategy/tasks/5").await.text;
    assert!(task.contains("市住房和城乡建设局") && task.contains("天河区"), "{task}");
});

scenario!(a_computed_indicator_follows_the_records_and_the_snapshot_keeps_it, |t: TestApp| async move {
    let staff = t.staff("st_staff").await;
    let expert = t.user_with_roles("st_expert", &[Role::Expert]).await;
    let before = t.client().get("/api/v1/strategy/indicators").await.json();
    assert_eq!(item(&before, "talent_expert")["value"], 0);
    let form = [("name", "李国标"), ("title", "高级工程师"), ("org_name", "广州市标准化研究院"), ("fields", "03.120"), ("email", "st_expert@example.com"), ("phone", "13912345678"), ("id_number", "350102198001011234")];
    let r = expert.post_form("/experts/me", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(expert.post_form("/experts/me/submit", &[]).await.status, StatusCode::SEE_OTHER);
    let id: i64 = sqlx::query_scalar("SELECT id FROM experts WHERE name = '李国标'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(staff.post_form(&format!("/staff/experts/{id}/step"), &[("action", "approve")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(expert.post_form("/experts/me/tier", &[("tier", "expert"), ("statement", "主持地方标准 3 项")]).await.status, StatusCode::SEE_OTHER);
    let app_id: i64 = sqlx::query_scalar("SELECT id FROM expert_tier_applications").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(staff.post_form(&format!("/staff/experts/tiers/{app_id}/step"), &[("action", "recognise")]).await.status, StatusCode::SEE_OTHER);

    let after = t.client().get("/api/v1/strategy/indicators").await.json();
    let v = item(&after, "talent_expert");
    assert_eq!((v["value"].as_i64(), v["source"].as_str(), v["href"].as_str()), (Some(1), Some("computed"), Some("/experts?tier=expert")));
    assert_eq!(item(&after, "talent_high_end")["value"], 0);

    // A month ago the figure was 0 (the snapshot of that day). The dashboard keeps the trends
    // for the day: today's point is not there before the snapshot, and is right after it.
    let today = biaozhun::strategy::store::day_of(biaozhun::util::now());
    sqlx::query("INSERT INTO strategy_values (outline, indicator, day, value, source) VALUES ($1, 'talent_expert', $2, 0, 'computed')")
        .bind(biaozhun::strategy::model::GUANGZHOU_KEY)
        .bind(today - 30)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let point = format!("<title>{}: 1</title>", biaozhun::strategy::store::fmt_day(today));
    let page = t.client().get("/strategy").await.text;
    assert!(!page.contains(&point), "no value kept today yet");
    // The daily snapshot keeps every value that exists; a second run the same day overwrites.
    let kept = biaozhun::strategy::store::snapshot(&t.app).await.unwrap();
    let page = t.client().get("/strategy").await.text;
    assert!(page.contains(&point), "the trend shows today's value once the snapshot kept it");
    assert!(kept >= 6, "{kept}");
    assert_eq!(biaozhun::strategy::store::snapshot(&t.app).await.unwrap(), kept);
    assert_eq!(t.count("SELECT COUNT(*) FROM strategy_values WHERE indicator = 'talent_expert' AND value = 1").await, 1);
    let page = t.client().get("/strategy/indicators/talent_expert").await.text;
    assert!(page.contains("id=\"records-link\"") && page.contains("/experts?tier=expert"), "{page}");
});

scenario!(a_reported_indicator_is_filed_by_its_department_with_evidence, |t: TestApp| async move {
    let officer = dept(&t, "st_scjgj", "gz-scjgj").await;
    let other = dept(&t, "st_mzj", "gz-mzj").await;
    let body = json!({"indicator": "signs_standardised", "value": 120000, "as_of": "2026-06-30", "evidence": "市公共信息标志改造验收清单（2026 年上半年）"});
    let r = other.api(Method::POST, "/api/v1/strategy/values", Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "not the indicator's department");
    let r = officer.api(Method::POST, "/api/v1/strategy/values", Some(json!({"indicator": "signs_standardised", "value": 120000, "evidence": " "}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "evidence");
    let r = officer.api(Method::POST, "/api/v1/strategy/values", Some(json!({"indicator": "nothing", "value": 1, "evidence": "x"}))).await;
    assert_eq!(r.json()["error"]["field"], "indicator");
    let r = officer.api(Method::POST, "/api/v1/strategy/values", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ind = t.client().get("/api/v1/strategy/indicators").await.json();
    let v = item(&ind, "signs_standardised");
    assert_eq!((v["value"].as_i64(), v["source"].as_str(), v["baseline"].as_i64()), (Some(120000), Some("reported"), Some(106000)));
    assert_eq!(v["as_of"].as_i64(), biaozhun::util::parse_local_date("2026-06-30"));
    let page = t.client().get("/strategy/indicators/signs_standardised").await.text;
    assert!(page.contains("120000") && page.contains("市公共信息标志改造验收清单"), "the evidence is shown");
    // The officer files through the page too; an older date does not replace the latest.
    let r = officer.post_form("/strategy/values", &[("indicator", "signs_standardised"), ("value", "110000"), ("as_of", "2026-01-31"), ("evidence", "一季度台账")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(item(&t.client().get("/api/v1/strategy/indicators").await.json(), "signs_standardised")["value"], 120000);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'strategy.value'").await, 2);
});

scenario!(progress_reports_move_with_department_and_district_scopes, |t: TestApp| async move {
    let staff = t.staff("sr_staff").await;
    let gxj = dept(&t, "sr_gxj", "gz-gxj").await;
    let mzj = dept(&t, "sr_mzj", "gz-mzj").await;
    let huangpu = t.user_scoped("sr_huangpu", &[], ScopedRole::District, Scope::new("district", "440112")).await;
    let report = |unit_kind: &str, unit: &str, body: &str| json!({"task": 1, "unit_kind": unit_kind, "unit_key": unit, "period": "2026-Q3", "body": body, "figures": "示范项目 2 个"});

    // One department cannot file another's report, nor one for a task it does not answer for.
    let r = mzj.api(Method::POST, "/api/v1/strategy/reports", Some(report("department", "gz-gxj", "冒名报送"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = mzj.api(Method::POST, "/api/v1/strategy/reports", Some(report("department", "gz-mzj", "本局工作"))).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unit_key")));
    let r = gxj.api(Method::POST, "/api/v1/strategy/reports", Some(json!({"task": 1, "unit_kind": "department", "unit_key": "gz-gxj", "period": "2026-Q9", "body": "x"}))).await;
    assert_eq!(r.json()["error"]["field"], "period");
    let r = gxj.api(Method::POST, "/api/v1/strategy/reports", Some(report("department", "gz-gxj", "制定新一代信息技术产业标准化路线图"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(gxj.api(Method::POST, "/api/v1/strategy/reports", Some(report("department", "gz-gxj", "again"))).await.status, StatusCode::CONFLICT);
    // A district of the task files its own.
    let r = huangpu.api(Method::POST, "/api/v1/strategy/reports", Some(report("district", "440112", "黄埔区高新区国家级示范推进"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = huangpu.api(Method::POST, "/api/v1/strategy/reports", Some(report("district", "440106", "天河"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "another district");

    // Nobody but staff decides; another unit does not even see the report.
    let decide = |action: &str, version: i64, note: &str| json!({"action": action, "version": version, "note": note});
    assert_eq!(mzj.api(Method::POST, &format!("/api/v1/strategy/reports/{id}/actions"), Some(decide("accept", 1, ""))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(gxj.api(Method::POST, &format!("/api/v1/strategy/reports/{id}/actions"), Some(decide("accept", 1, ""))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(mzj.get(&format!("/strategy/reports/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(huangpu.get(&format!("/strategy/reports/{id}")).await.status, StatusCode::NOT_FOUND);
    assert!(gxj.get(&format!("/strategy/reports/{id}")).await.text.contains("制定新一代信息技术产业标准化路线图"));
    assert!(staff.get("/staff").await.text.contains("待审核的纲要进展报告"));
    assert!(staff.get("/staff/strategy").await.text.contains(&format!("/strategy/reports/{id}")));

    // Returned with a note, filed again through the page, accepted.
    let version: i64 = sqlx::query_scalar("SELECT version FROM strategy_reports WHERE id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    let r = staff.api(Method::POST, &format!("/api/v1/strategy/reports/{id}/actions"), Some(decide("return", version, ""))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a return needs a note");
    let r = staff.api(Method::POST, &format!("/api/v1/strategy/reports/{id}/actions"), Some(decide("return", version, "请补充示范项目清单"))).await;
    assert_eq!((r.status, r.json()["state"].as_str()), (StatusCode::OK, Some("returned")));
    let told: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = 'strategy'").bind(t.user_id("sr_gxj").await).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(told, 1, "the filer hears of the return");
    let r = gxj
        .post_form("/strategy/reports", &[("unit", "department:gz-gxj"), ("task", "1"), ("period", "2026-Q3"), ("body", "补充：示范项目清单见附件"), ("figures", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.location(), format!("/strategy/reports/{id}"));
    let stale = staff.api(Method::POST, &format!("/api/v1/strategy/reports/{id}/actions"), Some(decide("accept", version, ""))).await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "a stale version");
    let page = staff.get(&format!("/strategy/reports/{id}")).await.text;
    assert!(page.contains("补充：示范项目清单见附件") && page.contains("id=\"accept-report\""));
    let r = staff.post_form(&format!("/staff/strategy/reports/{id}/step"), &[("action", "accept")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let events: Vec<String> = sqlx::query_scalar("SELECT action FROM workflow_events WHERE kind = 'strategy_report' AND record_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(events, ["file", "return", "file", "accept"]);
    let tasks = t.client().get("/api/v1/strategy/tasks").await.json();
    assert_eq!((tasks["items"][0]["status"].as_str(), tasks["items"][0]["accepted"].as_i64()), (Some("accepted"), Some(1)));
    // The public reads the accepted report on the task's page, not the district's filed one.
    let task = t.client().get("/strategy/tasks/1").await.text;
    assert!(task.contains("补充：示范项目清单见附件") && !task.contains("黄埔区高新区国家级示范推进"));
    // Evidence: only the unit adds it, and not once accepted.
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    assert_eq!(upload(&gxj, id, &pdf).await, StatusCode::CONFLICT, "accepted");
    let district_report: i64 = sqlx::query_scalar("SELECT id FROM strategy_reports WHERE unit_kind = 'district'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(upload(&gxj, district_report, &pdf).await, StatusCode::NOT_FOUND, "another unit's report");
    assert_eq!(upload(&huangpu, district_report, &pdf).await, StatusCode::SEE_OTHER);
    let page = huangpu.get(&format!("/strategy/reports/{district_report}")).await.text;
    assert!(page.contains("清单.pdf"), "{page}");
});

scenario!(overdue_reports_are_flagged_and_reminded_once, |t: TestApp| async move {
    let staff = t.staff("so_staff").await;
    let officer = dept(&t, "so_rsj", "gz-rsj").await;
    let tasks = t.client().get("/api/v1/strategy/tasks").await.json();
    assert!(tasks["items"].as_array().unwrap().iter().all(|x| x["status"] == "not_reported"), "nothing is due before the outline was tracked");
    // The outline has been tracked for over a year: last quarter's reports are due.
    sqlx::query("UPDATE strategy_outlines SET loaded_at = loaded_at - 400 * 86400").execute(&t.app.db.pool).await.unwrap();
    let tasks = t.client().get("/api/v1/strategy/tasks").await.json();
    let overdue = tasks["items"].as_array().unwrap().iter().filter(|x| x["status"] == "overdue").count();
    let now = biaozhun::util::now();
    let expected = biaozhun::strategy::model::previous_period(&biaozhun::strategy::model::period_of(now));
    let due = biaozhun::strategy::model::due_of(&expected).unwrap();
    if now > due {
        assert_eq!(overdue, 16);
        assert!(staff.get("/staff").await.text.contains("逾期未报的纲要任务"));
        let sent = biaozhun::strategy::reports::remind_overdue(&t.app).await.unwrap();
        assert_eq!(sent, 1, "the one officer named hears");
        assert_eq!(biaozhun::strategy::reports::remind_overdue(&t.app).await.unwrap(), 0, "once per period");
        let account = officer.get("/account").await.text;
        assert!(account.contains("逾期"), "the unit's panel flags it: {account}");
        // Filing the expected period's report on its task 15 clears that task.
        let r = officer.api(Method::POST, "/api/v1/strategy/reports", Some(json!({"task": 15, "unit_kind": "department", "unit_key": "gz-rsj", "period": expected, "body": "职称以考代评方案报送"}))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        let tasks = t.client().get("/api/v1/strategy/tasks").await.json();
        assert_eq!(tasks["items"][14]["status"], "filed");
    } else {
        assert_eq!(overdue, 0, "not yet due");
    }
});

const SAMPLE: &str = r#"
key = "sample-city-2021-2025"
title = "示例市标准化发展规划(2021—2025年)"
city = "示例市"
from = 2021
to = 2025
[[departments]]
key = "sample-scjgj"
name = "示例市市场监督管理局"
[[goals]]
key = "quality"
name = "质量提升"
[[groups]]
no = 1
goal = "quality"
name = "提升标准供给"
[[tasks]]
no = 1
group = 1
name = "建设团体标准体系"
lead = "sample-scjgj"
[[indicators]]
key = "demonstration_projects"
goal = "quality"
name = "国家级标准化示范(试点)"
target = 20
deadline = "2025-12-31"
source = "programmes.demonstrations"
department = "sample-scjgj"
"#;

scenario!(a_second_outline_loads_from_a_file_and_compares, |t: TestApp| async move {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, SAMPLE.replace("lead = \"sample-scjgj\"", "lead = \"nobody\"")).unwrap();
    let (ok, _, err) = t.cli(&["import", "outline", bad.to_str().unwrap()], "");
    assert!(!ok && err.contains("tasks[1].lead"), "the error names the entry and field: {err}");
    let file = dir.path().join("sample.toml");
    std::fs::write(&file, SAMPLE).unwrap();
    let (ok, out, err) = t.cli(&["import", "outline", file.to_str().unwrap()], "");
    assert!(ok, "{out}{err}");
    assert!(out.contains("1 goals, 1 tasks, 1 indicators"), "{out}");
    let (ok, out, _) = t.cli(&["import", "outline", file.to_str().unwrap()], "");
    assert!(ok && out.contains("reloaded"), "{out}");
    let tasks = t.client().get("/api/v1/strategy/tasks?outline=sample-city-2021-2025").await.json();
    assert_eq!(tasks["items"].as_array().unwrap().len(), 1);
    let ind = t.client().get("/api/v1/strategy/indicators?outline=sample-city-2021-2025").await.json();
    assert_eq!((item(&ind, "demonstration_projects")["target"].as_i64(), item(&ind, "demonstration_projects")["source"].as_str()), (Some(20), Some("computed")));
    let page = t.client().get("/strategy/compare?a=guangzhou-2013-2020&b=sample-city-2021-2025").await.text;
    assert!(page.contains("广州市标准化战略实施纲要") && page.contains("示例市标准化发展规划") && page.contains("16 项任务") && page.contains("1 项任务"), "{page}");
    assert!(t.client().get("/strategy").await.text.contains("示例市标准化发展规划"), "the dashboard offers the other outline");
});

scenario!(the_yearly_assessment_prints_and_downloads, |t: TestApp| async move {
    let page = t.client().get("/strategy/assessment?year=2026").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("2026 年度纲要实施考核报告") && page.text.contains("国家级标准化示范(试点)") && page.text.contains("市市场监督管理局"), "{}", page.text);
    let x = t.client().get("/strategy/assessment.xlsx?year=2026").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.headers.get("content-type").unwrap().to_str().unwrap().contains("spreadsheetml"));
    let en = t.client();
    en.get("/lang/en?next=/").await;
    let page = en.get("/strategy").await.text;
    assert!(page.contains("National standardization demonstration (pilot) projects") && page.contains("Leading industry"), "English names");
});

scenario!(staff_name_and_remove_the_officers_of_a_unit, |t: TestApp| async move {
    let staff = t.staff("sf_staff").await;
    let user = t.user("sf_officer").await;
    let body = json!({"task": 8, "unit_kind": "district", "unit_key": "440113", "period": "2026-Q3", "body": "番禺区节能标准宣贯"});
    assert_eq!(user.api(Method::POST, "/api/v1/strategy/reports", Some(body.clone())).await.status, StatusCode::FORBIDDEN);
    assert_eq!(user.post_form("/staff/strategy/officers", &[("username", "sf_officer"), ("unit", "district:440113")]).await.status, StatusCode::FORBIDDEN);
    let r = staff.post_form("/staff/strategy/officers", &[("username", "nobody"), ("unit", "district:440113")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = staff.post_form("/staff/strategy/officers", &[("username", "sf_officer"), ("unit", "district:999999")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = staff.post_form("/staff/strategy/officers", &[("username", "sf_officer"), ("unit", "district:440113")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(staff.get("/staff/strategy").await.text.contains("sf_officer"));
    assert!(user.get("/strategy/reports").await.text.contains("番禺区"));
    assert_eq!(user.api(Method::POST, "/api/v1/strategy/reports", Some(body.clone())).await.status, StatusCode::CREATED);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'strategy.officer_grant'").await, 1);
    let r = staff.post_form("/staff/strategy/officers/remove", &[("username", "sf_officer"), ("unit", "district:440113")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let again = json!({"task": 8, "unit_kind": "district", "unit_key": "440113", "period": "2026-Q2", "body": "x"});
    assert_eq!(user.api(Method::POST, "/api/v1/strategy/reports", Some(again)).await.status, StatusCode::FORBIDDEN);
});
