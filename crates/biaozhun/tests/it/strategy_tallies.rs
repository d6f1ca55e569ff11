//! The strategy indicators' rolled-up counts (`db::tallies`): each source's tally equals a
//! count from the records after a sequence of writes through the rooms' own paths
//! (programme steps, expert steps, tier decisions and imports, committee and catalogue
//! imports that add and change records); two writers at once lose no bump; a tally that
//! expires its records by date; `biaozhun admin recount` rebuilds them. And the staff's
//! assignment of the departments and districts that answer for a task.

use crate::programmes::{assign, declare, expert, in_review, ok_act, sheet, sheet_of};
use crate::scenario;
use crate::support::*;
use biaozhun::auth::scopes::{Scope, ScopedRole};
use biaozhun::db::tallies::{self, Tally};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The tally as the dashboard reads it equals a count from the records; answers it.
async fn agrees(t: &TestApp, tally: &Tally, when: &str) -> i64 {
    let read = tallies::read(&t.app, tally).await.unwrap();
    let mut conn = t.app.db.pool.acquire().await.unwrap();
    let counted = tallies::total(&tallies::recount(&mut conn, tally).await.unwrap());
    assert_eq!(read, counted, "{} {when} ({:?})", tally.key, t.backend);
    read
}

fn indicator(list: &Value, key: &str) -> Value {
    list["items"].as_array().unwrap().iter().find(|i| i["key"] == key).cloned().unwrap_or_else(|| panic!("no {key} in {list}"))
}

scenario!(programme_steps_keep_demonstrations_and_aaaa_grades_counted, |t: TestApp| async move {
    use biaozhun::programmes::tally::{DEMONSTRATIONS, GRADE_AAAA};
    let staff = t.staff("tp_staff").await;
    // Filled from the records (none) before the first write.
    assert_eq!((agrees(&t, &DEMONSTRATIONS, "at first").await, agrees(&t, &GRADE_AAAA, "at first").await), (0, 0));

    // A demonstration project: counted from its final approval through its acceptance.
    let org = t.member_org("tp_admin", "示范项目单位", "911522010783762860", &staff).await;
    let answers = json!({ "project": "社区养老服务标准化试点", "level": "city", "field": "services", "months": "24", "plan": "建立养老服务标准体系" });
    let r = org.admin.api(Method::POST, "/api/v1/applications", Some(json!({ "programme": "demonstration", "answers": answers, "submit": true }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    ok_act(&staff, id, "start_check", "").await;
    ok_act(&staff, id, "pass_check", "").await;
    let e = expert(&t, "tp_e").await;
    assign(&staff, id, "tp_e").await;
    assert_eq!(declare(&e, id, false, "").await.status, StatusCode::NO_CONTENT);
    let r = e.api(Method::POST, &format!("/api/v1/applications/{id}/scores"), Some(sheet_of(&e, "demonstration", 100, 80, 0, false).await)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    ok_act(&staff, id, "close_review", "").await;
    ok_act(&staff, id, "approve", "").await;
    assert_eq!(agrees(&t, &DEMONSTRATIONS, "in public notice").await, 0);
    sqlx::query("UPDATE applications SET notice_until = $1 WHERE id = $2").bind(biaozhun::util::now() - 1).bind(id).execute(&t.app.db.pool).await.unwrap();
    ok_act(&staff, id, "finalise", "").await;
    assert_eq!(agrees(&t, &DEMONSTRATIONS, "final").await, 1);
    ok_act(&staff, id, "start_follow_up", "").await;
    ok_act(&staff, id, "pass_midterm", "").await;
    ok_act(&staff, id, "pass_acceptance", "").await;
    assert_eq!(agrees(&t, &DEMONSTRATIONS, "completed").await, 1);

    // Good-behaviour gradings: an AAAA counted once final, an AAA never, a returned one never.
    let reviewer = expert(&t, "tp_gb").await;
    let mut finals = 0;
    for (i, (base, bonus, na, grade)) in [(390, 60, false, "AAAA"), (385, 70, false, "AAA"), (380, 80, true, "AAAA")].into_iter().enumerate() {
        let org = t.org_with_admin(&format!("tp_gb{i}"), &format!("良好行为{i}"), &format!("91440101MA59TALY{i}X")).await;
        let id = in_review(&org, &staff).await;
        assign(&staff, id, "tp_gb").await;
        assert_eq!(declare(&reviewer, id, false, "").await.status, StatusCode::NO_CONTENT);
        let r = reviewer.api(Method::POST, &format!("/api/v1/applications/{id}/scores"), Some(sheet(&reviewer, base, bonus, na).await)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(ok_act(&staff, id, "close_review", "").await["grade"], grade);
        if i == 2 {
            ok_act(&staff, id, "reject", "材料不实").await;
            continue;
        }
        ok_act(&staff, id, "approve", "").await;
        sqlx::query("UPDATE applications SET notice_until = $1 WHERE id = $2").bind(biaozhun::util::now() - 1).bind(id).execute(&t.app.db.pool).await.unwrap();
        ok_act(&staff, id, "finalise", "").await;
        finals += i64::from(grade == "AAAA");
        assert_eq!(agrees(&t, &GRADE_AAAA, &format!("after grading {i}")).await, finals);
    }
    assert_eq!(finals, 1);
    let ind = t.client().get("/api/v1/strategy/indicators").await.json();
    assert_eq!((indicator(&ind, "aaaa_enterprises")["value"].as_i64(), indicator(&ind, "demonstration_projects")["value"].as_i64()), (Some(1), Some(1)));
});

scenario!(expert_steps_tier_decisions_and_imports_keep_the_talent_tiers_counted, |t: TestApp| async move {
    use biaozhun::experts::tally::TALLIES;
    let staff = t.staff("te_staff").await;
    for tally in &TALLIES {
        assert_eq!(agrees(&t, tally, "at first").await, 0);
    }
    // An import: three experts enter the pool in tiers, one without.
    let csv = "姓名,电子邮箱,职称,专业领域,人才层次\n甲,jia@t.example,研究员,13.020,百\n乙,yi@t.example,研究员,13.020,千\n丙,bing@t.example,研究员,13.020,万\n丁,ding@t.example,研究员,13.020,\n";
    crate::portal::staff_import(&t, &staff, "/staff/experts/import", "pool.csv", csv.as_bytes().to_vec()).await;
    let tr = &t;
    let after = |what: &'static str| async move { [agrees(tr, &TALLIES[0], what).await, agrees(tr, &TALLIES[1], what).await, agrees(tr, &TALLIES[2], what).await] };
    assert_eq!(after("the import").await, [1, 1, 1]);
    // The import again with one tier changed and one expert given a tier: moved, not added.
    let csv = "姓名,电子邮箱,职称,专业领域,人才层次\n甲,jia@t.example,研究员,13.020,百\n乙,yi@t.example,研究员,13.020,百\n丁,ding@t.example,研究员,13.020,万\n";
    crate::portal::staff_import(&t, &staff, "/staff/experts/import", "pool.csv", csv.as_bytes().to_vec()).await;
    assert_eq!(after("the second import").await, [2, 0, 2]);
    // Suspended leaves the pool's count; reinstated comes back.
    let id: i64 = sqlx::query_scalar("SELECT id FROM experts WHERE email_key = 'yi@t.example'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(staff.post_form(&format!("/staff/experts/{id}/step"), &[("action", "suspend"), ("note", "出国")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(after("a suspension").await, [1, 0, 2]);
    assert_eq!(staff.post_form(&format!("/staff/experts/{id}/step"), &[("action", "reinstate"), ("note", "回国")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(after("a reinstatement").await, [2, 0, 2]);
    // A tier application recognised moves the expert between tiers.
    let user = t.user_with_roles("te_expert", &[biaozhun::auth::Role::Expert]).await;
    sqlx::query("UPDATE experts SET user_id = $1 WHERE id = $2").bind(t.user_id("te_expert").await).bind(id).execute(&t.app.db.pool).await.unwrap();
    assert_eq!(user.post_form("/experts/me/tier", &[("tier", "expert"), ("statement", "主持国家标准 5 项")]).await.status, StatusCode::SEE_OTHER);
    let app_id: i64 = sqlx::query_scalar("SELECT id FROM expert_tier_applications").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(staff.post_form(&format!("/staff/experts/tiers/{app_id}/step"), &[("action", "recognise")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(after("a recognition").await, [1, 1, 2]);
    let ind = t.client().get("/api/v1/strategy/indicators").await.json();
    assert_eq!(indicator(&ind, "talent_backbone")["value"], 2);
});

scenario!(committee_and_catalogue_imports_keep_their_counts, |t: TestApp| async move {
    use biaozhun::committees::tally::{INTERNATIONAL, SECRETARIATS, TOTAL};
    use biaozhun::standards::tally::{GUANGZHOU_DRAFTED, LOCAL_SPECIFICATIONS};
    for tally in [&TOTAL, &SECRETARIATS, &INTERNATIONAL, &GUANGZHOU_DRAFTED, &LOCAL_SPECIFICATIONS] {
        assert_eq!(agrees(&t, tally, "at first").await, 0);
    }
    let list = format!("{}/tests/data/committees/national.csv", env!("CARGO_MANIFEST_DIR"));
    let (ok, out, err) = t.cli(&["import", "committees", &list], "");
    assert!(ok, "{out}\n{err}");
    let total = agrees(&t, &TOTAL, "the committee import").await;
    let in_gz = agrees(&t, &SECRETARIATS, "the committee import").await;
    assert!(total > in_gz && in_gz > 0, "{total} {in_gz}");
    assert_eq!(agrees(&t, &INTERNATIONAL, "the committee import").await, 0);
    // An international committee's secretariat moves to Guangzhou; a city one moves away.
    let moved = format!("{}/moved.csv", t.dir.path().display());
    std::fs::write(
        &moved,
        "编号,名称,英文名称,级别,届次,业务指导单位,对口国际委员会,秘书处承担单位,统一社会信用代码,秘书处所在地,主任委员,秘书长,工作范围,委员\n\
         IEC/TC 108,Safety of electronic equipment,Safety of electronic equipment within the field of audio/video,国际,,,,广州某研究院,,广州市黄埔区,,,,\n\
         GZ/TC 12,广州市质量管理标准化技术委员会,,市级,第一届,广州市市场监督管理局,ISO/TC 176,北京质量研究院,,北京市东城区,陈主任,王秘书,质量管理地方技术规范,\n",
    )
    .unwrap();
    let (ok, out, err) = t.cli(&["import", "committees", &moved], "");
    assert!(ok, "{out}\n{err}");
    assert_eq!(agrees(&t, &TOTAL, "the moves").await, total);
    assert_eq!(agrees(&t, &SECRETARIATS, "the moves").await, in_gz);
    assert_eq!(agrees(&t, &INTERNATIONAL, "the moves").await, 1);

    // The catalogue: records drafted in Guangzhou and local specifications, then changed.
    let app = &t.app;
    let import = |name: &'static str, csv: &'static str| async move {
        biaozhun::standards::import::import_bytes(app, name, csv.as_bytes(), biaozhun::standards::import::Progress::None).await.expect("import")
    };
    let r = import(
        "a.csv",
        "标准号,中文标准名称,标准状态,起草单位\n\
         DB4401/T 1-2018,城市道路占道施工交通组织规范,现行,广州市交通运输局\n\
         DB4401/T 2-2018,公共信息标志设置规范,现行,深圳市标准技术研究院\n\
         GB/T 1-2020,某国家标准,现行,广州市标准化研究院、中国标准化研究院\n\
         GB/T 2-2020,另一国家标准,现行,中国标准化研究院\n",
    )
    .await;
    assert_eq!(r.created, 4, "{r:?}");
    assert_eq!((agrees(&t, &GUANGZHOU_DRAFTED, "the first import").await, agrees(&t, &LOCAL_SPECIFICATIONS, "the first import").await), (2, 2));
    let r = import(
        "b.csv",
        "标准号,中文标准名称,标准状态,起草单位\n\
         DB4401/T 2-2018,公共信息标志设置规范,现行,广州市城市管理和综合执法局\n\
         GB/T 1-2020,某国家标准,现行,中国标准化研究院\n\
         DB4401/T 3-2020,新地方技术规范,现行,广州市标准化研究院\n",
    )
    .await;
    assert_eq!((r.created, r.updated), (1, 2), "{r:?}");
    assert_eq!((agrees(&t, &GUANGZHOU_DRAFTED, "the second import").await, agrees(&t, &LOCAL_SPECIFICATIONS, "the second import").await), (3, 3));
    let ind = t.client().get("/api/v1/strategy/indicators").await.json();
    let specs = indicator(&ind, "local_specifications");
    assert_eq!((specs["value"].as_i64(), specs["source"].as_str()), (Some(3), Some("computed")));
    assert_eq!(indicator(&ind, "guangzhou_standards")["value"], 3);
    assert_eq!(indicator(&ind, "international_secretariats")["value"], 1);
});

scenario!(two_writers_at_once_lose_no_bump_and_recount_rebuilds, |t: TestApp| async move {
    let tally = &biaozhun::experts::tally::TALLIES[2];
    assert_eq!(tallies::read(&t.app, tally).await.unwrap(), 0);
    // Two writers bump the same row, each holding its transaction open a moment: on
    // PostgreSQL the second waits for the first's row lock and adds to its value.
    let mut writers = Vec::new();
    for _ in 0..2 {
        let app = t.app.clone();
        writers.push(tokio::spawn(async move {
            for _ in 0..25 {
                let mut tx = app.db.begin().await.unwrap();
                tallies::bump(&mut tx, tally.key, 1).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
                tx.commit().await.unwrap();
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    assert_eq!(tallies::read(&t.app, tally).await.unwrap(), 50, "no bump lost");
    // The records hold no backbone expert: the rebuild puts the tally back, and fills one
    // that is missing.
    sqlx::query("DELETE FROM tallies WHERE key = $1").bind(biaozhun::committees::tally::TOTAL.key).execute(&t.app.db.pool).await.unwrap();
    let (ok, out, err) = t.cli(&["admin", "recount"], "");
    assert!(ok, "{out}\n{err}");
    assert!(out.contains(&format!("{:<44} {:>10} -> 0", tally.key, 50)), "{out}");
    assert!(out.contains(&format!("{:<44} {:>10} -> 0", "committees.total", "-")), "{out}");
    assert_eq!(tallies::read(&t.app, tally).await.unwrap(), 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'tallies.recount'").await, 1);
    // A bump of a tally not filled yet changes nothing: the fill counts the records.
    let missing = Tally::new("test.missing", "SELECT COUNT(*) FROM experts");
    let mut tx = t.app.db.begin().await.unwrap();
    tallies::bump(&mut tx, missing.key, 7).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(tallies::read(&t.app, &missing).await.unwrap(), 0);
});

scenario!(an_expiring_tally_stops_counting_at_the_moment, |t: TestApp| async move {
    let tally = Tally::expiring("test.expiring", "SELECT valid_until, COUNT(*) FROM applications WHERE grade = 'AAAA' GROUP BY valid_until");
    assert_eq!(tallies::read(&t.app, &tally).await.unwrap(), 0);
    let now = biaozhun::util::now();
    let mut tx = t.app.db.begin().await.unwrap();
    tallies::bump_until(&mut tx, tally.key, None, 1).await.unwrap();
    tallies::bump_until(&mut tx, tally.key, Some(now + 2), 1).await.unwrap();
    tallies::bump_until(&mut tx, tally.key, Some(now + 2), 1).await.unwrap();
    tallies::bump_until(&mut tx, tally.key, Some(now + 3600), 1).await.unwrap();
    tallies::bump_until(&mut tx, tally.key, Some(now - 10), 1).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(tallies::read(&t.app, &tally).await.unwrap(), 4);
    // Read with every other tally in one query (the dashboard's way): the same figure; a
    // tally not filled yet is filled as a lone read would.
    let unfilled = Tally::new("test.unfilled", "SELECT COUNT(*) FROM applications");
    let both = tallies::at_once(&t.app, async { (tallies::read(&t.app, &tally).await.unwrap(), tallies::read(&t.app, &unfilled).await.unwrap()) }).await.unwrap();
    assert_eq!(both, (4, 0));
    assert_eq!(tallies::stored(&t.app.db.pool, unfilled.key).await.unwrap(), Some(0));
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(tallies::read(&t.app, &tally).await.unwrap(), 2, "the two that ended no longer count");
    let later = tallies::at_once(&t.app, tallies::read(&t.app, &tally)).await.unwrap().unwrap();
    assert_eq!(later, 2, "nor in the one query");
});

scenario!(staff_assign_the_departments_and_districts_of_a_task, |t: TestApp| async move {
    let staff = t.staff("ta_staff").await;
    let kjj = t.user_scoped("ta_kjj", &[], ScopedRole::Department, Scope::new("department", "gz-kjj")).await;
    let scjgj = t.user_scoped("ta_scjgj", &[], ScopedRole::Department, Scope::new("department", "gz-scjgj")).await;
    let user = t.user("ta_user").await;
    // The file's defaults: task 3 is led by the market regulation bureau.
    let task3 = |v: Value| v["items"].as_array().unwrap().iter().find(|x| x["no"] == 3).cloned().unwrap();
    assert_eq!(task3(t.client().get("/api/v1/strategy/tasks").await.json())["lead"], "gz-scjgj");
    // Staff see the form on the task's page; nobody else does.
    let page = staff.get("/strategy/tasks/3").await.text;
    assert!(page.contains("id=\"assignment\"") && page.contains("任务分工") && page.contains("name=\"_csrf\""), "{page}");
    assert!(!kjj.get("/strategy/tasks/3").await.text.contains("id=\"assignment\""));
    assert!(!t.client().get("/strategy/tasks/3").await.text.contains("id=\"assignment\""));

    // Only staff assign, and only with the CSRF token.
    let fields = [("lead", "gz-kjj"), ("support", "gz-fgw"), ("support", "gz-kjj"), ("districts", "440106"), ("districts", "440112")];
    assert_eq!(kjj.post_form("/strategy/tasks/3/assignment", &fields).await.status, StatusCode::FORBIDDEN);
    assert_eq!(user.post_form("/strategy/tasks/3/assignment", &fields).await.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.post_form_no_csrf("/strategy/tasks/3/assignment", &fields).await.status, StatusCode::FORBIDDEN);
    let body = json!({"lead": "gz-kjj", "support": ["gz-fgw"], "districts": ["440106"]});
    assert_eq!(scjgj.api(Method::PUT, "/api/v1/strategy/tasks/3/assignment", Some(body.clone())).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.client().api(Method::PUT, "/api/v1/strategy/tasks/3/assignment", Some(body.clone())).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(task3(t.client().get("/api/v1/strategy/tasks").await.json())["lead"], "gz-scjgj", "nothing changed");

    // Errors name the field.
    let r = staff.api(Method::PUT, "/api/v1/strategy/tasks/3/assignment", Some(json!({"lead": "gz-x"}))).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("lead")));
    let r = staff.api(Method::PUT, "/api/v1/strategy/tasks/3/assignment", Some(json!({"lead": "gz-kjj", "support": ["gz-nobody"]}))).await;
    assert_eq!(r.json()["error"]["field"], "support");
    let r = staff.api(Method::PUT, "/api/v1/strategy/tasks/3/assignment", Some(json!({"lead": "gz-kjj", "districts": ["999999"]}))).await;
    assert_eq!(r.json()["error"]["field"], "districts");
    let r = staff.post_form("/strategy/tasks/3/assignment", &[("lead", "gz-kjj"), ("districts", "110101")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(staff.api(Method::PUT, "/api/v1/strategy/tasks/99/assignment", Some(body.clone())).await.status, StatusCode::NOT_FOUND);

    // The form: the lead is not also supporting; audited; the API and the page show it.
    let r = staff.post_form("/strategy/tasks/3/assignment", &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(r.location().starts_with("/strategy/tasks/3?outline="), "{}", r.location());
    let got = task3(t.client().get("/api/v1/strategy/tasks").await.json());
    assert_eq!((&got["lead"], &got["support"], &got["districts"]), (&json!("gz-kjj"), &json!(["gz-fgw"]), &json!(["440106", "440112"])), "{got}");
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'strategy.assign'").await, 1);
    let page = t.client().get("/strategy/tasks/3").await.text;
    assert!(page.contains("市科学技术局") && page.contains("市发展和改革委员会"), "{page}");

    // Reports follow the assignment: the new lead files for the task, the old one no longer.
    let report = |unit: &str| json!({"task": 3, "unit_kind": "department", "unit_key": unit, "period": "2026-Q3", "body": "进展"});
    let r = kjj.api(Method::POST, "/api/v1/strategy/reports", Some(report("gz-kjj"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = scjgj.api(Method::POST, "/api/v1/strategy/reports", Some(report("gz-scjgj"))).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("unit_key")));

    // The API too; the assignment stands when the outline's file is loaded again.
    let r = staff.api(Method::PUT, "/api/v1/strategy/tasks/3/assignment", Some(json!({"lead": "gz-scjgj", "support": [], "districts": ["*"]}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["districts"].as_array().unwrap().len(), 11);
    let file = format!("{}/seed/strategy/guangzhou-2013-2020.toml", env!("CARGO_MANIFEST_DIR"));
    let (ok, out, err) = t.cli(&["import", "outline", &file], "");
    assert!(ok, "{out}\n{err}");
    let got = task3(t.client().get("/api/v1/strategy/tasks").await.json());
    assert_eq!((got["lead"].as_str(), got["support"].as_array().unwrap().len(), got["districts"].as_array().unwrap().len()), (Some("gz-scjgj"), 0, 11));
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'strategy.assign'").await, 2);
    // In English on request.
    let en = t.staff("ta_staff_en").await;
    en.get("/lang/en?next=/strategy").await;
    let page = en.get("/strategy/tasks/3").await.text;
    assert!(page.contains("Who answers for the task") && page.contains("Save the assignment") && !page.contains("任务分工"), "{page}");
});
