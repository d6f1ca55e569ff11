//! The committees room through HTTP and the command line: importing the ISO list and a
//! national list (problems by row and column, idempotent), finding a committee by its number
//! written any way, a committee's page with members and the standards the catalogue names it
//! for, the counts by level and district, and the secretary's work page.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::scopes::ScopedRole;
use reqwest::StatusCode;

fn data(name: &str) -> String {
    format!("{}/tests/data/committees/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Imports both test lists through `biaozhun import committees`; answers the two outputs.
fn import_both(t: &TestApp) -> (String, String) {
    let (ok, iso, err) = t.cli(&["import", "committees", &data("iso_technical_committees_part.csv")], "");
    assert!(ok, "{iso}\n{err}");
    let (ok, national, err) = t.cli(&["import", "committees", &data("national.csv")], "");
    assert!(ok, "{national}\n{err}");
    (iso, national)
}

async fn id_of(t: &TestApp, number: &str) -> i64 {
    biaozhun::committees::store::by_number(&t.app, number).await.unwrap().unwrap_or_else(|| panic!("{number} registered")).id
}

scenario!(the_iso_list_and_a_national_list_import_once_and_numbers_are_found_any_way, |t: TestApp| async move {
    let (iso, national) = import_both(&t);
    // The joint systems committee has no TC/SC/WG number: reported, the others kept.
    assert!(iso.contains("8 rows: 7 created, 0 updated, 0 unchanged, 1 problems"), "{iso}");
    assert!(iso.contains("IEC/ISO JSyC BDC"), "{iso}");
    assert!(national.contains("7 rows: 5 created"), "{national}");
    for want in ["line 6: 级别: the level \"县级\" is unknown", "line 7: 编号: the committee number \"TC?\" cannot be read", "line 8: 统一社会信用代码:", "line 8: 委员: the member \"张三:老板\""] {
        assert!(national.contains(want), "{want} in {national}");
    }
    // Again: nothing changes.
    let (iso2, national2) = import_both(&t);
    assert!(iso2.contains("0 created, 0 updated, 7 unchanged"), "{iso2}");
    assert!(national2.contains("0 created, 0 updated, 5 unchanged"), "{national2}");
    assert_eq!(t.count("SELECT COUNT(*) FROM committees").await, 12);

    let visitor = t.client();
    for q in ["TC 176", "tc176", "ISO/TC176", "iso tc 176"] {
        let r = visitor.get(&format!("/api/v1/committees?q={}", q.replace(' ', "%20"))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let items = r.json()["items"].as_array().unwrap().clone();
        assert_eq!(items[0]["number"], "ISO/TC 176", "{q}: {items:?}");
        // Its subcommittees follow; ISO/TC 17 and ISO/TC 1 are other committees.
        let numbers: Vec<&str> = items.iter().map(|i| i["number"].as_str().unwrap()).collect();
        assert_eq!(numbers, vec!["ISO/TC 176", "ISO/TC 176/SC 2", "ISO/TC 176/SC 3"], "{q}");
    }
    let r = visitor.get("/api/v1/committees?level=city").await.json();
    assert_eq!(r["total"], 1);
    assert_eq!(r["items"][0]["number"], "GZ/TC 12");
    assert_eq!(r["items"][0]["district_code"], "440106");
    let r = visitor.get("/api/v1/committees?level=county").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "level");
    assert_eq!(visitor.get("/api/v1/committees?q=quality%20management").await.json()["items"][0]["number"], "ISO/TC 176");
    assert_eq!(visitor.get("/api/v1/committees?q=IEC/TC108").await.json()["items"][0]["number"], "IEC/TC 108");

    // Parents are linked by number; members and the Guangzhou district are shown.
    let sc2 = id_of(&t, "ISO/TC 176/SC 2").await;
    let tc = id_of(&t, "ISO/TC 176").await;
    let one = visitor.get(&format!("/api/v1/committees/{sc2}")).await.json();
    assert_eq!(one["parent"]["id"], tc);
    assert_eq!(visitor.get(&format!("/api/v1/committees/{tc}")).await.json()["children"].as_array().unwrap().len(), 2);
    let gz = id_of(&t, "GZ/TC 12").await;
    let page = visitor.get(&format!("/committees/{gz}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let page = Resp { text: page.text.replace("&#x2f;", "/"), ..page };
    for want in ["GZ/TC 12", "广州市质量管理标准化技术委员会", "是（天河区）", "陈主任", "主任委员", "广州大学", "第一届", "ISO/TC 176"] {
        assert!(page.text.contains(want), "{want} in {}", page.text);
    }
    assert!(!page.text.contains("秘书处工作台"), "the work page is not offered to visitors");
    assert_eq!(visitor.get("/api/v1/committees/999999").await.status, StatusCode::NOT_FOUND);

    // The list page: search, level filter and the pager.
    let list = visitor.get("/committees?q=TC%20176").await;
    let list = Resp { text: list.text.replace("&#x2f;", "/"), ..list };
    assert!(list.text.contains("共 3 个委员会") && list.text.contains("ISO/TC 176/SC 3"), "{}", list.text);
    let all = visitor.get("/committees?level=international").await;
    assert!(all.text.contains("共 8 个委员会"), "{}", all.text);

    // Counts by level and district, for the strategy dashboard.
    let c = biaozhun::committees::counts(&t.app).await.unwrap();
    assert_eq!(c.total, 12);
    let levels: Vec<(&str, i64)> = c.by_level.iter().map(|(l, n)| (l.as_str(), *n)).collect();
    assert_eq!(levels, vec![("international", 8), ("national", 2), ("provincial", 1), ("city", 1)]);
    assert_eq!(c.in_guangzhou, 2);
    assert!(c.by_district.iter().any(|d| d.0 == "440106" && d.1 == "天河区" && d.2 == 1), "{:?}", c.by_district);
});

scenario!(a_committee_lists_the_standards_the_catalogue_names_it_for, |t: TestApp| async move {
    import_both(&t);
    let csv = "标准号,标准名称,状态,归口单位\n\
               ISO 9001:2015,Quality management systems — Requirements,现行,ISO/TC 176/SC 2\n\
               ISO 9004:2018,Quality management — Quality of an organization,现行,ISO/TC 176/SC 2\n\
               ISO/DIS 9000,Quality management systems — Fundamentals and vocabulary,制定中,ISO/TC 176/SC 1\n\
               ISO 1000:1992,SI units,现行,ISO/TC 17\n";
    biaozhun::standards::import::import_bytes(&t.app, "c.csv", csv.as_bytes(), biaozhun::standards::import::Progress::None).await.unwrap();
    let tc = id_of(&t, "ISO/TC 176").await;
    let one = t.client().get(&format!("/api/v1/committees/{tc}")).await.json();
    let numbers: Vec<&str> = one["standards"].as_array().unwrap().iter().map(|s| s["number"].as_str().unwrap()).collect();
    assert_eq!(numbers.len(), 3, "{numbers:?}");
    assert!(!numbers.contains(&"ISO 1000:1992"), "ISO/TC 17 is another committee");
    assert_eq!(one["projects"].as_array().unwrap().len(), 1);
    assert_eq!(one["projects"][0]["number"], "ISO/DIS 9000");
    let sc2 = id_of(&t, "ISO/TC 176/SC 2").await;
    let page = t.client().get(&format!("/committees/{sc2}")).await;
    assert!(page.text.contains("ISO 9001:2015") && page.text.contains("ISO 9004:2018") && !page.text.contains("ISO/DIS 9000"), "{}", page.text);
});

scenario!(a_secretary_sees_the_work_of_their_committee_only, |t: TestApp| async move {
    import_both(&t);
    let gz = id_of(&t, "GZ/TC 12").await;
    let other = id_of(&t, "SAC/TC 28").await;
    let scope = |id: i64| biaozhun::committees::policy::committee_scope(id);
    let ours = t.user_scoped("sec_ours", &[], ScopedRole::CommitteeSecretary, scope(gz)).await;
    let theirs = t.user_scoped("sec_theirs", &[], ScopedRole::CommitteeSecretary, scope(other)).await;
    let staff = t.staff("c_staff").await;
    let admin = t.user_with_roles("c_admin", &[biaozhun::auth::Role::Admin]).await;
    let user = t.user("c_user").await;
    let path = format!("/committees/{gz}/work");
    let r = ours.get(&path).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = Resp { text: r.text.replace("&#x2f;", "/"), ..r };
    for want in ["秘书处工作台", "GZ/TC 12", "sec_ours", "委员 3 人", "王秘书"] {
        assert!(r.text.contains(want), "{want} in {}", r.text);
    }
    assert!(ours.get(&format!("/committees/{gz}")).await.text.contains(&path), "the committee page links the work page");
    assert_eq!(staff.get(&path).await.status, StatusCode::OK);
    assert_eq!(admin.get(&path).await.status, StatusCode::OK);
    assert_eq!(theirs.get(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(user.get(&path).await.status, StatusCode::FORBIDDEN);
    assert_ne!(t.client().get(&path).await.status, StatusCode::OK);
    assert_eq!(theirs.get(&format!("/committees/{other}/work")).await.status, StatusCode::OK);
    assert_eq!(staff.get("/committees/999999/work").await.status, StatusCode::NOT_FOUND);
});

scenario!(staff_upload_a_committee_list_and_read_the_report, |t: TestApp| async move {
    use biaozhun::web::{Lang, i18n};
    let staff = t.staff("ci_staff").await;
    let user = t.user("ci_user").await;
    let bytes = std::fs::read(data("national.csv")).unwrap();
    let send = |who: Client, bytes: Vec<u8>| async move {
        let csrf = who.csrf().await;
        let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name("national.csv"));
        let r = who.http.post(who.url(&format!("/staff/committees/import?_csrf={csrf}"))).multipart(form).send().await.unwrap();
        (r.status(), r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string())
    };
    assert_eq!(user.get("/staff/committees/import").await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(user, bytes.clone()).await.0, StatusCode::FORBIDDEN);
    let page = staff.get("/staff/committees/import").await;
    assert!(page.text.contains("导入委员会名录"), "{}", page.text);
    let (status, job) = send(staff.clone(), bytes).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(job.starts_with("/staff/jobs/"), "{job}");
    t.run_jobs().await;
    let report = staff.get(&job).await.text.replace("&#x2f;", "/");
    let counts = i18n::tf(Lang::Zh, "committees.import_summary", &[("rows", "7"), ("created", "5"), ("updated", "0"), ("unchanged", "0"), ("problems", "4")]);
    assert!(report.contains(&counts), "{counts} in {report}");
    assert!(report.contains("级别“县级”无法识别"), "the problem in Chinese with its row: {report}");
    assert_eq!(t.count("SELECT COUNT(*) FROM committees").await, 5);
});
