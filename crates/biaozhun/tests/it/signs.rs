//! The signs room through HTTP: registering signs by place and standard (API, with the
//! fields named on 422), the register and the district statistics (JSON and the page with
//! its chart), inspectors scoped to one district, an inspection from the phone form with a
//! photo, the owner told and rectifying, re-inspection closing the case, photos refused
//! unless they are images, and the counts the dashboard reads.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::scopes::{Scope, ScopedRole};
use reqwest::{Method, StatusCode};
use serde_json::json;

const PNG: &[u8] = include_bytes!("../../../../tests/browser/fixtures/sign.png");
const USCC: &str = "91440101MA59ABCD1D";

fn sign(district: &str, code: &str) -> serde_json::Value {
    json!({"code": code, "district": district, "street": "", "address": "体育东路 1 号", "type": "direction", "standard": "GB/T 15566.1-2020"})
}

/// Posts the phone form of an inspection with the given photos (name, bytes).
async fn inspect_form(c: &Client, id: i64, result: &str, findings: &str, files: &[(&str, &[u8])]) -> Resp {
    let csrf = c.csrf().await;
    let mut form = reqwest::multipart::Form::new().text("result", result.to_string()).text("findings", findings.to_string()).text("note", "现场检查");
    for (name, data) in files {
        form = form.part("file", reqwest::multipart::Part::bytes(data.to_vec()).file_name(name.to_string()));
    }
    let r = c.http.post(c.url(&format!("/signs/{id}/inspections?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    Resp { status, headers, text: r.text().await.unwrap_or_default() }
}

async fn stats_of(c: &Client, code: &str) -> serde_json::Value {
    let s = c.get("/api/v1/signs/stats").await.json();
    assert_eq!(s["districts"].as_array().unwrap().len(), 11, "every Guangzhou district");
    s["districts"].as_array().unwrap().iter().find(|d| d["code"] == code).cloned().unwrap()
}

scenario!(signs_are_registered_by_place_and_standard_and_counted_by_district, |t: TestApp| async move {
    let staff = t.staff("sg_staff").await;
    let visitor = t.client();
    let mut body = sign("440106", "TH-0001");
    body["street"] = json!("天河南街道");
    body["lat"] = json!(23.1375);
    body["lon"] = json!(113.3271);
    let r = staff.api(Method::POST, "/api/v1/signs", Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["district_name"], "天河区");
    assert_eq!(r.json()["lat"], 23.1375);
    assert_eq!(r.json()["standard"].as_str().unwrap().starts_with("GB/T 15566.1"), true, "{}", r.text);
    // The same code again is a conflict; each field at fault is named.
    assert_eq!(staff.api(Method::POST, "/api/v1/signs", Some(body.clone())).await.status, StatusCode::CONFLICT);
    for (field, value) in [
        ("district", json!("110101")),
        ("street", json!("沙面街道")),
        ("standard", json!("GB/T 1.1-2020")),
        ("type", json!("billboard")),
        ("lat", json!(95.0)),
        ("address", json!("")),
    ] {
        let mut bad = sign("440106", "TH-BAD");
        bad[field] = value;
        if field == "lat" {
            bad["lon"] = json!(113.0);
        }
        let r = staff.api(Method::POST, "/api/v1/signs", Some(bad)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {}", r.text);
        assert_eq!(r.json()["error"]["field"], field, "{}", r.text);
    }
    for (d, code) in [("440106", "TH-0002"), ("440104", "YX-0001")] {
        assert_eq!(staff.api(Method::POST, "/api/v1/signs", Some(sign(d, code))).await.status, StatusCode::CREATED);
    }
    // A plain user may not register; a visitor is sent to log in.
    let user = t.user("sg_user").await;
    assert_eq!(user.api(Method::POST, "/api/v1/signs", Some(sign("440106", "TH-9"))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(visitor.api(Method::POST, "/api/v1/signs", Some(sign("440106", "TH-9"))).await.status, StatusCode::UNAUTHORIZED);
    // The register by district, and the statistics from the counts.
    let list = visitor.get("/api/v1/signs?district=440106").await.json();
    let codes: Vec<_> = list["items"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap().to_string()).collect();
    assert_eq!(codes, vec!["TH-0001", "TH-0002"]);
    assert_eq!(visitor.get("/api/v1/signs?district=110101").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let th = stats_of(&visitor, "440106").await;
    assert_eq!((th["name"].as_str(), th["signs"].as_i64(), th["inspections"].as_i64(), th["open_cases"].as_i64()), (Some("天河区"), Some(2), Some(0), Some(0)));
    assert_eq!(stats_of(&visitor, "440104").await["signs"], 1);
    assert_eq!(stats_of(&visitor, "440103").await["signs"], 0);
    // The page: the table, the chart and the district's register, in Chinese and English.
    let page = visitor.get("/signs?district=440106").await;
    assert_eq!(page.status, StatusCode::OK);
    for want in ["公共信息标志", "天河区", "<svg", "TH-0001", "导向标志", "天河南街道", "纲要基数 106000 块"] {
        assert!(page.text.contains(want), "{want} in {}", page.text);
    }
    let sign_page = visitor.get(&format!("/signs/{id}")).await.text;
    assert!(sign_page.contains("TH-0001") && sign_page.contains("尚未检查") && !sign_page.contains("记录检查"), "{sign_page}");
    let counts = biaozhun::signs::counts(&t.app).await.unwrap();
    assert_eq!((counts.signs, counts.conforming, counts.baseline), (3, 0, 106_000));
    // In English too.
    let english = t.client();
    english.get("/lang/en").await;
    let page = english.get("/signs?district=440106").await.text;
    for want in ["Public information signs", "Direction sign", "outline baseline 106000", "Registered signs by district"] {
        assert!(page.contains(want), "{want} in {page}");
    }
    // Two inspections of one sign at once: each counted once, one case between them.
    let finding = json!({"findings": [{"clause": "4.2", "note": "字体不符"}]});
    let path = format!("/api/v1/signs/{id}/inspections");
    let (a, b) = tokio::join!(staff.api(Method::POST, &path, Some(finding.clone())), staff.api(Method::POST, &path, Some(finding.clone())));
    assert_eq!((a.status, b.status), (StatusCode::CREATED, StatusCode::CREATED), "{} {}", a.text, b.text);
    assert_eq!(a.json()["case"], b.json()["case"]);
    let th = stats_of(&visitor, "440106").await;
    assert_eq!((th["inspections"].as_i64(), th["open_cases"].as_i64(), th["conforming"].as_i64()), (Some(2), Some(1), Some(0)));
});

scenario!(an_inspector_inspects_in_their_district_and_the_owner_rectifies, |t: TestApp| async move {
    let staff = t.staff("in_staff").await;
    let org = t.org_with_admin("in_owner", "广州甲公共设施有限公司", USCC).await;
    let outsider = t.user("in_outsider").await;
    let inspector = t.user_scoped("in_inspector", &[], ScopedRole::Inspector, Scope::new("district", "440106")).await;
    // An inspector registers in their district only.
    let mut body = sign("440106", "TH-1001");
    body["owner"] = json!(USCC);
    let r = inspector.api(Method::POST, "/api/v1/signs", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(inspector.api(Method::POST, "/api/v1/signs", Some(sign("440104", "YX-1001"))).await.status, StatusCode::FORBIDDEN);
    let mut unknown_owner = sign("440106", "TH-1002");
    unknown_owner["owner"] = json!("91440106MA5CXYW12B");
    assert_eq!(inspector.api(Method::POST, "/api/v1/signs", Some(unknown_owner)).await.json()["error"]["field"], "owner");
    let other = staff.api(Method::POST, "/api/v1/signs", Some(sign("440104", "YX-1002"))).await.json()["id"].as_i64().unwrap();
    // The form on the district's page, for the district's inspectors: errors name the field
    // and keep the text.
    assert!(inspector.get("/signs?district=440106").await.text.contains("id=\"register-sign\""));
    assert!(!inspector.get("/signs?district=440104").await.text.contains("id=\"register-sign\""));
    assert!(!outsider.get("/signs?district=440106").await.text.contains("id=\"register-sign\""));
    let mut form = vec![("district", "440106"), ("code", "TH-1003"), ("street", "天河南街道"), ("address", "天河路 385 号"), ("type", "plan"), ("standard", "GB/T 1.1-2020"), ("lat", ""), ("lon", "")];
    let r = inspector.post_form("/signs", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-standard\"") && r.text.contains("天河路 385 号"), "{}", r.text);
    form[5] = ("standard", "GB/T 10001.1-2023");
    let r = inspector.post_form("/signs", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(inspector.get(&r.location()).await.text.contains("平面示意图"));
    assert_eq!(inspector.post_form("/signs", &form).await.status, StatusCode::CONFLICT);
    form[0] = ("district", "440104");
    form[1] = ("code", "YX-1003");
    form[2] = ("street", "");
    assert_eq!(inspector.post_form("/signs", &form).await.status, StatusCode::FORBIDDEN);
    // Not in another district, nor as a plain user.
    assert_eq!(inspect_form(&inspector, other, "conforming", "", &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(inspector.api(Method::POST, &format!("/api/v1/signs/{other}/inspections"), Some(json!({}))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(inspect_form(&outsider, id, "conforming", "", &[]).await.status, StatusCode::FORBIDDEN);
    // The phone form is on the sign's page for the inspector.
    assert!(inspector.get(&format!("/signs/{id}")).await.text.contains("记录检查"));
    // A file that is not an image is refused and nothing is written.
    let r = inspect_form(&inspector, id, "nonconforming", "4.2 字体不符合要求", &[("sign.png", b"<html>not a png</html>".as_slice())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-file\"") && r.text.contains("不是 PNG、JPEG 或 GIF 图片"), "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM sign_inspections").await, 0);
    // A nonconforming result needs its clauses.
    let r = inspect_form(&inspector, id, "nonconforming", "", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-findings\""));
    // The inspection with a photo opens a case and tells the owner.
    let r = inspect_form(&inspector, id, "nonconforming", "4.2 字体不符合要求\n5.1：颜色褪色", &[("现场.png", PNG)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM sign_photos").await, 1);
    let page = inspector.get(&format!("/signs/{id}")).await.text;
    assert!(page.contains("条款 4.2：字体不符合要求") && page.contains("现场.png") && page.contains("待整改"), "{page}");
    let pid: i64 = sqlx::query_scalar("SELECT id FROM sign_photos").fetch_one(&t.app.db.pool).await.unwrap();
    let photo = inspector.get(&format!("/signs/photos/{pid}")).await;
    assert_eq!(photo.status, StatusCode::OK);
    assert_eq!(photo.headers["content-type"], "image/png");
    assert_eq!(outsider.get(&format!("/signs/photos/{pid}")).await.status, StatusCode::NOT_FOUND);
    let (subject, mail_body, link) = t.last_mail("in_owner@example.com").await;
    assert!(subject.contains("TH-1001") && mail_body.contains("4.2, 5.1"), "{subject} {mail_body}");
    let case_path = link.expect("a link to the case");
    let th = stats_of(&outsider, "440106").await;
    assert_eq!((th["inspections"].as_i64(), th["open_cases"].as_i64()), (Some(1), Some(1)));
    // Only the owner's users, the district's inspectors and staff see the case.
    assert_eq!(outsider.get(&case_path).await.status, StatusCode::NOT_FOUND);
    let case = org.admin.get(&case_path).await.text;
    assert!(case.contains("待整改") && case.contains("报告已整改"), "{case}");
    let cid: i64 = case_path.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(outsider.post_form(&format!("/signs/cases/{cid}/rectify"), &[("version", "0"), ("note", "x")]).await.status, StatusCode::NOT_FOUND);
    // The staff queue lists the open case (not overdue yet).
    assert!(staff.get("/signs/cases").await.text.contains(&format!("整改案件 {cid}")));
    assert!(!staff.get("/signs/cases?overdue=1").await.text.contains(&format!("整改案件 {cid}")));
    // Past its due date it is on the staff queue as overdue, and marked so on its page.
    sqlx::query("UPDATE sign_cases SET due_at = $1 WHERE id = $2").bind(biaozhun::util::now() - 86400).bind(cid).execute(&t.app.db.pool).await.unwrap();
    let queue = staff.get("/staff").await.text;
    assert!(queue.contains("<a href=\"&#x2f;signs&#x2f;cases?overdue=1\">逾期未整改的标志</a> <span class=\"badge\">1</span>"), "{queue}");
    assert!(staff.get("/signs/cases?overdue=1").await.text.contains(&format!("整改案件 {cid}")));
    assert!(org.admin.get(&case_path).await.text.contains("已逾期"));
    // The owner reports the rectification (a note is required; the version guards).
    assert_eq!(org.admin.post_form(&format!("/signs/cases/{cid}/rectify"), &[("version", "0"), ("note", "")]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = org.admin.post_form(&format!("/signs/cases/{cid}/rectify"), &[("version", "0"), ("note", "已更换标志面板")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(org.admin.post_form(&format!("/signs/cases/{cid}/rectify"), &[("version", "1"), ("note", "again")]).await.status, StatusCode::CONFLICT);
    assert!(org.admin.get(&case_path).await.text.contains("已整改待复查"));
    // A failing re-inspection reopens it; a passing one closes it.
    let r = inspector.api(Method::POST, &format!("/api/v1/signs/{id}/inspections"), Some(json!({"findings": [{"clause": "4.2", "note": "仍不符合"}]}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["case_state"], "open");
    let r = inspect_form(&inspector, id, "conforming", "", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(org.admin.get(&case_path).await.text.contains("已结案"));
    let th = stats_of(&outsider, "440106").await;
    assert_eq!((th["signs"].as_i64(), th["conforming"].as_i64(), th["inspections"].as_i64(), th["open_cases"].as_i64()), (Some(2), Some(1), Some(3), Some(0)));
    // The counts agree with the records they roll up.
    assert_eq!(t.count("SELECT COUNT(*) FROM sign_inspections").await, 3);
    let counts = biaozhun::signs::counts(&t.app).await.unwrap();
    assert_eq!((counts.signs, counts.conforming, counts.inspections, counts.open_cases), (3, 1, 3, 0));
});

scenario!(a_register_is_imported_from_csv_or_xlsx_by_sign_code_with_problems_by_row_and_column, |t: TestApp| async move {
    t.org_with_admin("im_owner", "广州乙物业管理有限公司", USCC).await;
    let csv = format!(
        "编号,区,街道,地址,类型,执行标准,纬度,经度,设置单位统一社会信用代码\n\
         GZ-0001,天河区,天河南街道,体育西路 2 号,导向标志,GB/T 15566.1-2020,23.1375,113.3271,{USCC}\n\
         GZ-0002,440104,,北京路 1 号,位置标志,GB/T 10001.1-2023,,,\n\
         GZ-0003,北京市东城区,,王府井,位置标志,GB/T 10001.1-2023,,,\n\
         GZ-0004,越秀区,,中山五路,位置标志,GB/T 1.1-2020,,,\n\
         GZ-0005,越秀区,,中山五路,位置标志,GB/T 10001.1-2023,north,113,\n\
         GZ-0006,海珠区,,江南西,提示标志,GB/T 20501.1-2013,,,91440106MA5CXYW12B\n"
    );
    let path = t.dir.path().join("signs.csv");
    std::fs::write(&path, csv).unwrap();
    let (ok, out, err) = t.cli(&["import", "signs", path.to_str().unwrap()], "");
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("6 rows: 2 signs added, 0 updated, 4 rows refused"), "{out}");
    assert!(out.contains("line 4, column 区: 北京市东城区 is not a GB/T 2260 code of a Guangzhou district"), "{out}");
    assert!(out.contains("line 5, column 执行标准:"), "{out}");
    assert!(out.contains("line 6, column 纬度: \"north\" is not a coordinate in degrees"), "{out}");
    assert!(out.contains("line 7, column 设置单位统一社会信用代码: no organisation"), "{out}");
    let visitor = t.client();
    assert_eq!(stats_of(&visitor, "440106").await["signs"], 1);
    assert_eq!(stats_of(&visitor, "440104").await["signs"], 1);
    // Again: the codes are known, nothing is added; a changed district moves its count.
    let (ok, out, _) = t.cli(&["import", "signs", path.to_str().unwrap()], "");
    assert!(ok && out.contains("0 signs added, 2 updated"), "{out}");
    let xlsx = biaozhun::web::download::xlsx(
        &["Code", "District", "Street", "Address", "Type", "Standard"],
        &[vec!["GZ-0002".into(), "440105".into(), "".into(), "江南大道中 1 号".into(), "location".into(), "GB/T 10001.1-2023".into()]],
    )
    .unwrap();
    let path = t.dir.path().join("signs.xlsx");
    std::fs::write(&path, xlsx).unwrap();
    let (ok, out, err) = t.cli(&["import", "signs", path.to_str().unwrap()], "");
    assert!(ok && out.contains("1 rows: 0 signs added, 1 updated"), "{out}\n{err}");
    assert_eq!(t.count("SELECT COUNT(*) FROM signs").await, 2);
    assert_eq!(stats_of(&visitor, "440104").await["signs"], 0);
    assert_eq!(stats_of(&visitor, "440105").await["signs"], 1);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'signs.import'").await, 3);
});

scenario!(conforming_signs_feed_the_strategy_indicator, |t: TestApp| async move {
    let staff = t.staff("si_staff").await;
    let source = t.app.domains.iter().flat_map(|d| d.hooks.indicators.iter()).find(|i| i.key == "signs.standardised").expect("the signs room offers signs.standardised");
    assert!((source.read)(&t.app).await.unwrap().is_none(), "no figure while the register is empty");
    let id = staff.api(Method::POST, "/api/v1/signs", Some(sign("440106", "SI-1"))).await.json()["id"].as_i64().unwrap();
    staff.api(Method::POST, "/api/v1/signs", Some(sign("440106", "SI-2"))).await;
    assert_eq!((source.read)(&t.app).await.unwrap().unwrap().value, 0);
    assert_eq!(staff.api(Method::POST, &format!("/api/v1/signs/{id}/inspections"), Some(json!({}))).await.status, StatusCode::CREATED);
    let m = (source.read)(&t.app).await.unwrap().unwrap();
    assert_eq!((m.value, m.href.as_str()), (1, "/signs"));
});

/// Uploads a register through the staff page; answers the status and the job's page path.
async fn upload_register(c: &Client, name: &str, bytes: Vec<u8>) -> (StatusCode, String) {
    let csrf = c.csrf().await;
    let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let r = c.http.post(c.url(&format!("/staff/signs/import?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    (r.status(), r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string())
}

scenario!(sign_sets_are_records_with_their_signs, |t: TestApp| async move {
    let staff = t.staff("ss_staff").await;
    t.org_with_admin("ss_owner", "广州地铁集团有限公司", USCC).await;
    let inspector = t.user_scoped("ss_inspector", &[], ScopedRole::Inspector, Scope::new("district", "440106")).await;
    let member = t.member("ss_member", &staff).await;
    let visitor = t.client();
    let set = json!({"name": "地铁体育西路站", "district": "440106", "address": "体育西路与天河路交叉口", "owner": USCC});
    // Who may make a set: staff, and an inspector in their district only.
    assert_eq!(visitor.api(Method::POST, "/api/v1/sign-sets", Some(set.clone())).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(member.api(Method::POST, "/api/v1/sign-sets", Some(set.clone())).await.status, StatusCode::FORBIDDEN);
    let mut elsewhere = set.clone();
    elsewhere["district"] = json!("440104");
    elsewhere["name"] = json!("北京路步行街");
    assert_eq!(inspector.api(Method::POST, "/api/v1/sign-sets", Some(elsewhere.clone())).await.status, StatusCode::FORBIDDEN);
    let r = inspector.api(Method::POST, "/api/v1/sign-sets", Some(set.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let sid = r.json()["id"].as_i64().unwrap();
    assert_eq!((r.json()["owner_name"].as_str(), r.json()["district_name"].as_str(), r.json()["signs"].as_i64()), (Some("广州地铁集团有限公司"), Some("天河区"), Some(0)));
    // The name is unique; the fields are named.
    let r = staff.api(Method::POST, "/api/v1/sign-sets", Some(set.clone())).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["error"]["message"], "已有同名的标志组。");
    for (field, value) in [("name", json!("")), ("district", json!("110101"))] {
        let mut bad = set.clone();
        bad[field] = value;
        let r = staff.api(Method::POST, "/api/v1/sign-sets", Some(bad)).await;
        assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(field)), "{}", r.text);
    }
    assert_eq!(staff.api(Method::POST, "/api/v1/sign-sets", Some(json!({"name": "x", "district": "440106", "owner": "91440106MA5CXYW12B"}))).await.json()["error"]["field"], "owner");
    // Signs join it by naming it; a new name makes a set on the way.
    for code in ["TY-1", "TY-2"] {
        let mut body = sign("440106", code);
        body["set_name"] = json!("地铁体育西路站");
        let r = inspector.api(Method::POST, "/api/v1/signs", Some(body)).await;
        assert_eq!((r.status, r.json()["set_id"].as_i64()), (StatusCode::CREATED, Some(sid)), "{}", r.text);
    }
    let mut body = sign("440106", "ZS-1");
    body["set_name"] = json!("中山大学附属第三医院");
    let made = staff.api(Method::POST, "/api/v1/signs", Some(body)).await.json()["set_id"].as_i64().expect("a set made for the new name");
    let got = visitor.get(&format!("/api/v1/sign-sets/{sid}")).await.json();
    let codes: Vec<_> = got["items"].as_array().unwrap().iter().map(|s| s["code"].as_str().unwrap()).collect();
    assert_eq!((got["name"].as_str(), got["signs"].as_i64(), codes), (Some("地铁体育西路站"), Some(2), vec!["TY-1", "TY-2"]));
    let list = visitor.get("/api/v1/sign-sets?district=440106").await.json();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert!(visitor.get("/api/v1/sign-sets?district=440104").await.json()["items"].as_array().unwrap().is_empty());
    assert_eq!(visitor.get("/api/v1/sign-sets/999999").await.status, StatusCode::NOT_FOUND);
    // The pages: the list for everyone, the form for those who register signs, the set's signs.
    let page = visitor.get("/signs/sets").await.text;
    assert!(page.contains("地铁体育西路站") && page.contains("中山大学附属第三医院") && !page.contains("id=\"new-set\""), "{page}");
    assert!(!member.get("/signs/sets").await.text.contains("id=\"new-set\""));
    let page = inspector.get("/signs/sets").await.text;
    let form = page.split("id=\"new-set\"").nth(1).expect("the form to make a set");
    assert!(form.contains("value=\"440106\"") && !form.contains("value=\"440104\""), "only their district: {form}");
    let r = inspector.post_form("/signs/sets", &[("name", "地铁体育西路站"), ("district", "440106"), ("address", "")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("id=\"err-name\"") && r.text.contains("已有同名的标志组"), "{}", r.text);
    assert_eq!(member.post_form("/signs/sets", &[("name", "天河公园"), ("district", "440106")]).await.status, StatusCode::FORBIDDEN);
    let r = inspector.post_form("/signs/sets", &[("name", "天河公园"), ("district", "440106"), ("address", "员村")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = inspector.get(&r.location()).await.text;
    assert!(page.contains("标志组已建立") && page.contains("天河公园") && page.contains("该组尚无标志"), "{page}");
    let page = visitor.get(&format!("/signs/sets/{sid}")).await.text;
    assert!(page.contains("TY-1") && page.contains("TY-2") && page.contains("广州地铁集团有限公司") && !page.contains("ZS-1"), "{page}");
    let id = got["items"][0]["id"].as_i64().unwrap();
    assert!(visitor.get(&format!("/signs/{id}")).await.text.contains(&format!("href=\"/signs/sets/{sid}\"")));
    assert_eq!(t.count("SELECT COUNT(*) FROM sign_sets").await, 3);
    let in_made: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signs WHERE set_id = $1").bind(made).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(in_made, 1);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'signs.set_create'").await, 3);
});

scenario!(a_stale_edit_of_a_sign_is_refused_not_written_over, |t: TestApp| async move {
    let staff = t.staff("se_staff").await;
    let inspector = t.user_scoped("se_inspector", &[], ScopedRole::Inspector, Scope::new("district", "440106")).await;
    let member = t.member("se_member", &staff).await;
    let visitor = t.client();
    let id = staff.api(Method::POST, "/api/v1/signs", Some(sign("440106", "ED-1"))).await.json()["id"].as_i64().unwrap();
    let other = staff.api(Method::POST, "/api/v1/signs", Some(sign("440104", "ED-2"))).await.json()["id"].as_i64().unwrap();
    let read = visitor.get(&format!("/api/v1/signs/{id}")).await.json();
    assert_eq!(read["version"], 0);
    let edit = |version: i64, address: &str| json!({"version": version, "district": "440106", "street": "天河南街道", "address": address, "type": "plan", "standard": "GB/T 10001.1-2023", "lat": 23.1375, "lon": 113.3271, "set_name": "体育中心"});
    let path = format!("/api/v1/signs/{id}");
    // Who may edit: staff and the district's inspectors.
    assert_eq!(visitor.api(Method::PUT, &path, Some(edit(0, "x"))).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(member.api(Method::PUT, &path, Some(edit(0, "x"))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(inspector.api(Method::PUT, &format!("/api/v1/signs/{other}"), Some(edit(0, "x"))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(member.get(&format!("/signs/{id}/edit")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(inspector.get(&format!("/signs/{other}/edit")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(staff.get("/signs/999999/edit").await.status, StatusCode::NOT_FOUND);
    // The inspector edits on version 0; staff, who read version 0 too, are refused after.
    let r = inspector.api(Method::PUT, &path, Some(edit(0, "天河路 1 号"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!((r.json()["version"].as_i64(), r.json()["address"].as_str(), r.json()["type"].as_str(), r.json()["lat"].as_f64()), (Some(1), Some("天河路 1 号"), Some("plan"), Some(23.1375)));
    assert!(r.json()["set_id"].as_i64().is_some() && r.json()["code"] == "ED-1");
    let r = staff.api(Method::PUT, &path, Some(edit(0, "被覆盖的地址"))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("已被他人修改"), "{}", r.text);
    assert_eq!(visitor.get(&path).await.json()["address"], "天河路 1 号", "the stale edit wrote nothing");
    // A field at fault is named; an inspector may not move the sign out of their districts.
    let mut bad = edit(1, "x");
    bad["standard"] = json!("GB/T 1.1-2020");
    assert_eq!(inspector.api(Method::PUT, &path, Some(bad)).await.json()["error"]["field"], "standard");
    let mut away = edit(1, "x");
    away["district"] = json!("440104");
    away["street"] = json!("");
    assert_eq!(inspector.api(Method::PUT, &path, Some(away.clone())).await.status, StatusCode::FORBIDDEN);
    // In the browser: the form carries the version; a stale one shows the sign as it is now.
    let page = inspector.get(&format!("/signs/{id}/edit")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("name=\"version\" value=\"1\"") && page.text.contains("天河路 1 号"), "{}", page.text);
    let form = |version: &'static str, address: &'static str| {
        vec![("version", version), ("district", "440106"), ("street", "天河南街道"), ("address", address), ("type", "notice"), ("standard", "GB/T 10001.1-2023"), ("lat", ""), ("lon", ""), ("set_name", "")]
    };
    let r = inspector.post_form(&format!("/signs/{id}/edit"), &form("1", "天河路 2 号")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(inspector.get(&r.location()).await.text.contains("标志已修改"));
    let r = staff.post_form(&format!("/signs/{id}/edit"), &form("1", "过时的地址")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("id=\"err-version\"") && r.text.contains("name=\"version\" value=\"2\"") && r.text.contains("天河路 2 号"), "{}", r.text);
    let now = visitor.get(&path).await.json();
    assert_eq!((now["address"].as_str(), now["type"].as_str(), now["set_id"].as_i64(), now["version"].as_i64()), (Some("天河路 2 号"), Some("notice"), None, Some(2)));
    let mut f = form("2", "天河路 3 号");
    f[6] = ("lat", "north");
    let r = inspector.post_form(&format!("/signs/{id}/edit"), &f).await;
    assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.text.contains("id=\"err-lat\"") && r.text.contains("天河路 3 号"), "{}", r.text);
    // Staff move it to another district: the counts move with it; an import of its code
    // makes an open edit stale as well.
    away["version"] = json!(2);
    assert_eq!(staff.api(Method::PUT, &path, Some(away)).await.status, StatusCode::OK);
    assert_eq!((stats_of(&visitor, "440106").await["signs"].as_i64(), stats_of(&visitor, "440104").await["signs"].as_i64()), (Some(0), Some(2)));
    let csv = t.dir.path().join("edit.csv");
    std::fs::write(&csv, "编号,区,地址,类型,执行标准\nED-1,越秀区,北京路 9 号,位置标志,GB/T 10001.1-2023\n").unwrap();
    assert!(t.cli(&["import", "signs", csv.to_str().unwrap()], "").0);
    assert_eq!(staff.api(Method::PUT, &path, Some(edit(3, "x"))).await.status, StatusCode::CONFLICT);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'signs.update'").await, 4);
});

scenario!(staff_import_a_register_on_the_web_with_bad_rows_reported_and_again_without_change, |t: TestApp| async move {
    use biaozhun::web::{Lang, i18n};
    let staff = t.staff("wi_staff").await;
    let inspector = t.user_scoped("wi_inspector", &[], ScopedRole::Inspector, Scope::new("district", "440106")).await;
    let member = t.member("wi_member", &staff).await;
    let row = |cells: [&str; 7]| cells.iter().map(|c| c.to_string()).collect::<Vec<String>>();
    let xlsx = biaozhun::web::download::xlsx(
        &["编号", "区", "街道", "地址", "类型", "执行标准", "标志组"],
        &[
            row(["WI-1", "天河区", "天河南街道", "体育西路 2 号", "导向标志", "GB/T 15566.1-2020", "地铁体育西路站"]),
            row(["WI-2", "天河区", "", "体育西路 4 号", "位置标志", "GB/T 10001.1-2023", "地铁体育西路站"]),
            row(["WI-3", "北京市东城区", "", "王府井", "位置标志", "GB/T 10001.1-2023", ""]),
            row(["WI-4", "越秀区", "", "中山五路", "广告牌", "GB/T 10001.1-2023", ""]),
            row(["WI-5", "越秀区", "", "中山五路", "位置标志", "GB/T 1.1-2020", ""]),
        ],
    )
    .unwrap();
    // Staff only: the page and the upload.
    for c in [&inspector, &member] {
        assert_eq!(c.get("/staff/signs/import").await.status, StatusCode::FORBIDDEN);
        assert_eq!(upload_register(c, "signs.xlsx", xlsx.clone()).await.0, StatusCode::FORBIDDEN);
    }
    assert!(t.client().get("/staff/signs/import").await.status == StatusCode::SEE_OTHER);
    let page = staff.get("/staff/signs/import").await;
    assert!(page.status == StatusCode::OK && page.text.contains("id=\"signs-import\""), "{}", page.text);
    let (status, job) = upload_register(&staff, "signs.xlsx", xlsx.clone()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(job.starts_with("/staff/jobs/"), "{job}");
    t.run_jobs().await;
    let report = staff.get(&job).await.text.replace("&#x2f;", "/");
    let counts = i18n::tf(Lang::Zh, "signs.import_summary", &[("rows", "5"), ("added", "2"), ("updated", "0"), ("refused", "3")]);
    assert!(report.contains(&counts), "{counts} in {report}");
    // Each refused row by its line, the column as the file names it and the reason.
    for (line, column, reason) in [("4", "区", "“北京市东城区”不是广州市的区"), ("5", "类型", "“广告牌”不是标志类型"), ("6", "执行标准", "“GB/T 1.1-2020”不是 GB/T 10001")] {
        assert!(report.contains(&format!("<tr><td>{line}</td><td>{column}</td><td>{reason}")), "{line} {column} {reason} in {report}");
    }
    assert_eq!(t.count("SELECT COUNT(*) FROM signs").await, 2);
    assert_eq!(t.count("SELECT COUNT(*) FROM sign_sets").await, 1);
    assert_eq!(stats_of(&staff, "440106").await["signs"], 2);
    // In English for a reader in English.
    staff.get("/lang/en").await;
    let report = staff.get(&job).await.text.replace("&quot;", "\"");
    assert!(report.contains("5 rows: 2 signs added, 0 updated, 3 rows refused") && report.contains("\"广告牌\" is not a type of sign"), "{report}");
    // The same file again changes nothing.
    let versions = t.count("SELECT CAST(SUM(version) AS BIGINT) FROM signs").await;
    let (_, again) = upload_register(&staff, "signs.xlsx", xlsx).await;
    assert_ne!(again, job);
    t.run_jobs().await;
    assert!(staff.get(&again).await.text.contains("5 rows: 0 signs added, 2 updated, 3 rows refused"));
    assert_eq!(t.count("SELECT COUNT(*) FROM signs").await, 2);
    assert_eq!(t.count("SELECT COUNT(*) FROM sign_sets").await, 1);
    assert_eq!(stats_of(&staff, "440106").await["signs"], 2);
    assert_eq!(t.count("SELECT CAST(SUM(version) AS BIGINT) FROM signs").await, versions + 2, "an import of a code is a change an open edit must see");
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'signs.import'").await, 2);
});

scenario!(the_api_names_the_field_in_the_readers_language, |t: TestApp| async move {
    let staff = t.staff("fl_staff").await;
    let mut bad = sign("440106", "FL-1");
    bad["district"] = json!("110101");
    let r = staff.api(Method::POST, "/api/v1/signs", Some(bad.clone())).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str(), r.json()["error"]["message"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("district"), Some("请选择广州市的区。")));
    let mut bad_standard = sign("440106", "FL-2");
    bad_standard["standard"] = json!("GB/T 1.1-2020");
    let zh = staff.api(Method::POST, "/api/v1/signs", Some(bad_standard.clone())).await.json();
    assert!(zh["error"]["message"].as_str().unwrap().starts_with("执行标准须为"), "{zh}");
    assert_eq!(staff.api(Method::POST, "/api/v1/signs", Some(sign("440106", "FL-3"))).await.status, StatusCode::CREATED);
    assert_eq!(staff.api(Method::POST, "/api/v1/signs", Some(sign("440106", "FL-3"))).await.json()["error"]["message"], "这个编号已登记。");
    assert_eq!(staff.get("/api/v1/signs?limit=0").await.json()["error"]["message"], "limit 须为 1–500。");
    staff.get("/lang/en").await;
    let r = staff.api(Method::POST, "/api/v1/signs", Some(bad)).await;
    assert_eq!((r.json()["error"]["field"].as_str(), r.json()["error"]["message"].as_str()), (Some("district"), Some("Choose a district of Guangzhou.")));
    let en = staff.api(Method::POST, "/api/v1/signs", Some(bad_standard)).await.json();
    assert!(en["error"]["message"].as_str().unwrap().starts_with("The standard must be a part of GB/T 10001"), "{en}");
    let mut lat = sign("440106", "FL-4");
    lat["lat"] = json!(23.1);
    let r = staff.api(Method::POST, "/api/v1/signs", Some(lat)).await.json();
    assert_eq!((r["error"]["field"].as_str(), r["error"]["message"].as_str()), (Some("lon"), Some("The longitude is degrees within ±180, given with the latitude.")));
    assert_eq!(staff.get("/api/v1/signs?district=110101").await.json()["error"]["message"], "Choose a district of Guangzhou.");
    let r = staff.api(Method::POST, "/api/v1/sign-sets", Some(json!({"name": "", "district": "440106"}))).await.json();
    assert_eq!((r["error"]["field"].as_str(), r["error"]["message"].as_str()), (Some("name"), Some("The sign set needs a name of 1–100 characters.")));
    // The new routes are in the API document.
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    for (path, method) in [("/api/v1/signs/{id}", "put"), ("/api/v1/signs/{id}", "get"), ("/api/v1/sign-sets", "post"), ("/api/v1/sign-sets", "get"), ("/api/v1/sign-sets/{id}", "get"), ("/api/v1/sign-sets/{id}", "put"), ("/api/v1/signs/{id}", "delete")] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} in the document");
    }
    // An edit is the sign's fields (the registering body) with the version read.
    for (schema, with) in [("SignEdit", "SignIn"), ("SetEdit", "SetIn")] {
        let parts = doc["components"]["schemas"][schema]["allOf"].as_array().unwrap_or_else(|| panic!("{schema}: {}", doc["components"]["schemas"][schema]));
        assert!(parts.iter().any(|p| p["$ref"] == format!("#/components/schemas/{with}")), "{schema}");
        assert!(parts.iter().any(|p| p["required"].as_array().is_some_and(|r| r.iter().any(|f| f == "version"))), "{schema}");
    }
});

scenario!(staff_remove_a_sign_with_its_records_but_not_while_a_case_is_open, |t: TestApp| async move {
    let staff = t.staff("rm_staff").await;
    let inspector = t.user_scoped("rm_inspector", &[], ScopedRole::Inspector, Scope::new("district", "440106")).await;
    let outsider = t.user_scoped("rm_outsider", &[], ScopedRole::Inspector, Scope::new("district", "440104")).await;
    let member = t.member("rm_member", &staff).await;
    let visitor = t.client();
    let id = staff.api(Method::POST, "/api/v1/signs", Some(sign("440106", "RM-1"))).await.json()["id"].as_i64().unwrap();
    let kept = staff.api(Method::POST, "/api/v1/signs", Some(sign("440106", "RM-2"))).await.json()["id"].as_i64().unwrap();
    let r = inspect_form(&inspector, id, "nonconforming", "4.2 字体不符合要求", &[("现场.png", PNG)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let path = format!("/api/v1/signs/{id}");
    // Staff only, by the API and the button on the sign's page.
    assert_eq!(visitor.api(Method::DELETE, &path, None).await.status, StatusCode::UNAUTHORIZED);
    for c in [&member, &inspector, &outsider] {
        assert_eq!(c.api(Method::DELETE, &path, None).await.status, StatusCode::FORBIDDEN);
        assert_eq!(c.post_form(&format!("/signs/{id}/delete"), &[]).await.status, StatusCode::FORBIDDEN);
    }
    assert!(!inspector.get(&format!("/signs/{id}")).await.text.contains("id=\"delete-sign\""));
    assert!(staff.get(&format!("/signs/{id}")).await.text.contains("id=\"delete-sign\""));
    // Refused while its case is open, by the API and on the page, nothing removed.
    let r = staff.api(Method::DELETE, &path, None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("未关闭的整改案件"), "{}", r.text);
    let r = staff.post_form(&format!("/signs/{id}/delete"), &[]).await;
    assert!(r.status == StatusCode::CONFLICT && r.text.contains("id=\"err-delete\""), "{}", r.text);
    assert_eq!(visitor.get(&path).await.status, StatusCode::OK);
    // A conforming re-inspection closes the case; then the sign goes with its records, and
    // the district's counts with it, in one transaction.
    let r = inspector.api(Method::POST, &format!("/api/v1/signs/{id}/inspections"), Some(json!({"findings": []}))).await;
    assert_eq!(r.json()["case_state"], "closed", "{}", r.text);
    let before = stats_of(&visitor, "440106").await;
    assert_eq!((before["signs"].as_i64(), before["conforming"].as_i64(), before["inspections"].as_i64(), before["open_cases"].as_i64()), (Some(2), Some(1), Some(2), Some(0)));
    let r = staff.post_form(&format!("/signs/{id}/delete"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.location(), "/signs?district=440106");
    assert!(staff.get(&r.location()).await.text.contains("标志已删除"));
    assert_eq!(visitor.get(&path).await.status, StatusCode::NOT_FOUND);
    let after = stats_of(&visitor, "440106").await;
    assert_eq!((after["signs"].as_i64(), after["conforming"].as_i64(), after["inspections"].as_i64(), after["open_cases"].as_i64()), (Some(1), Some(0), Some(0), Some(0)));
    for sql in ["SELECT COUNT(*) FROM sign_inspections", "SELECT COUNT(*) FROM sign_photos", "SELECT COUNT(*) FROM sign_cases"] {
        assert_eq!(t.count(sql).await, 0, "{sql}");
    }
    assert_eq!(t.count("SELECT COUNT(*) FROM workflow_events WHERE kind = 'sign_case'").await, 0);
    assert_eq!(staff.api(Method::DELETE, &path, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(staff.api(Method::DELETE, &format!("/api/v1/signs/{kept}"), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(stats_of(&visitor, "440106").await["signs"], 0);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'signs.delete'").await, 2);
});

scenario!(only_staff_change_a_signs_owner_by_an_edit, |t: TestApp| async move {
    let staff = t.staff("ow_staff").await;
    let inspector = t.user_scoped("ow_inspector", &[], ScopedRole::Inspector, Scope::new("district", "440106")).await;
    let first = t.org_with_admin("ow_first", "广州甲物业管理有限公司", USCC).await;
    let second = t.org_with_admin("ow_second", "广州丙物业管理有限公司", "91440106MA5CXYW12B").await;
    let mut body = sign("440106", "OW-1");
    body["owner"] = json!(USCC);
    let id = staff.api(Method::POST, "/api/v1/signs", Some(body)).await.json()["id"].as_i64().unwrap();
    inspector.api(Method::POST, &format!("/api/v1/signs/{id}/inspections"), Some(json!({"findings": [{"clause": "4.2", "note": "褪色"}]}))).await;
    let path = format!("/api/v1/signs/{id}");
    let edit = |version: i64, owner: Option<&str>| {
        let mut e = sign("440106", "OW-1");
        e["version"] = json!(version);
        if let Some(o) = owner {
            e["owner"] = json!(o);
        }
        e
    };
    // The inspector edits without naming the owner, or naming the one it has; another is 403.
    assert_eq!(inspector.api(Method::PUT, &path, Some(edit(0, None))).await.status, StatusCode::OK);
    assert_eq!(inspector.api(Method::PUT, &path, Some(edit(1, Some(USCC)))).await.status, StatusCode::OK);
    assert_eq!(inspector.api(Method::PUT, &path, Some(edit(2, Some("91440106MA5CXYW12B")))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(inspector.api(Method::PUT, &path, Some(edit(2, Some("")))).await.status, StatusCode::FORBIDDEN);
    // The code stays; an unknown owner is named.
    let mut recoded = edit(2, None);
    recoded["code"] = json!("OW-9");
    assert_eq!(staff.api(Method::PUT, &path, Some(recoded)).await.json()["error"]["field"], "code");
    assert_eq!(staff.api(Method::PUT, &path, Some(edit(2, Some("91440101MA00000000")))).await.json()["error"]["field"], "owner");
    // Staff change it: the open case goes to the new owner, who may rectify it.
    assert_eq!(staff.api(Method::PUT, &path, Some(edit(2, Some("91440106MA5CXYW12B")))).await.status, StatusCode::OK);
    let cid: i64 = sqlx::query_scalar("SELECT id FROM sign_cases WHERE sign_id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(first.admin.get(&format!("/signs/cases/{cid}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(second.admin.get(&format!("/signs/cases/{cid}")).await.status, StatusCode::OK);
    // The form: read-only for the inspector, and a changed owner comes back named.
    let page = inspector.get(&format!("/signs/{id}/edit")).await.text;
    assert!(page.contains("name=\"owner\" maxlength=\"18\" value=\"91440106MA5CXYW12B\" readonly"), "{page}");
    let form = |owner: &'static str| vec![("version", "3"), ("district", "440106"), ("street", ""), ("address", "体育东路 1 号"), ("type", "direction"), ("standard", "GB/T 15566.1-2020"), ("lat", ""), ("lon", ""), ("set_name", ""), ("owner", owner)];
    let r = inspector.post_form(&format!("/signs/{id}/edit"), &form(USCC)).await;
    assert!(r.status == StatusCode::FORBIDDEN && r.text.contains("id=\"err-owner\"") && r.text.contains("只有工作人员"), "{}", r.text);
    assert_eq!(staff.post_form(&format!("/signs/{id}/edit"), &form("")).await.status, StatusCode::SEE_OTHER);
    let owner: Option<i64> = sqlx::query_scalar("SELECT owner_org FROM signs WHERE id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(owner, None);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'signs.update'").await, 4);
});

scenario!(a_sign_set_is_renamed_moved_and_given_an_owner_on_its_version, |t: TestApp| async move {
    let staff = t.staff("su_staff").await;
    let inspector = t.user_scoped("su_inspector", &[], ScopedRole::Inspector, Scope::new("district", "440106")).await;
    let outsider = t.user_scoped("su_outsider", &[], ScopedRole::Inspector, Scope::new("district", "440104")).await;
    let member = t.member("su_member", &staff).await;
    let visitor = t.client();
    t.org_with_admin("su_owner", "广州地铁集团有限公司", USCC).await;
    let sid = staff.api(Method::POST, "/api/v1/sign-sets", Some(json!({"name": "体育中心", "district": "440106"}))).await.json()["id"].as_i64().unwrap();
    staff.api(Method::POST, "/api/v1/sign-sets", Some(json!({"name": "天河公园", "district": "440106"}))).await;
    let mut body = sign("440106", "SU-1");
    body["set_name"] = json!("体育中心");
    let sign_id = staff.api(Method::POST, "/api/v1/signs", Some(body)).await.json()["id"].as_i64().unwrap();
    let path = format!("/api/v1/sign-sets/{sid}");
    assert_eq!(visitor.get(&path).await.json()["version"], 0);
    let edit = |version: i64, name: &str, district: &str| json!({"version": version, "name": name, "district": district, "address": "天河路 299 号", "owner": USCC});
    assert_eq!(visitor.api(Method::PUT, &path, Some(edit(0, "天河体育中心", "440106"))).await.status, StatusCode::UNAUTHORIZED);
    for c in [&member, &outsider] {
        assert_eq!(c.api(Method::PUT, &path, Some(edit(0, "天河体育中心", "440106"))).await.status, StatusCode::FORBIDDEN);
        assert_eq!(c.post_form(&format!("/signs/sets/{sid}"), &[("version", "0"), ("name", "x"), ("district", "440106")]).await.status, StatusCode::FORBIDDEN);
        assert!(!c.get(&format!("/signs/sets/{sid}")).await.text.contains("id=\"edit-set\""));
    }
    // The district's inspector renames it and gives it its owner: its signs carry the name.
    let r = inspector.api(Method::PUT, &path, Some(edit(0, "天河体育中心", "440106"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!((r.json()["name"].as_str(), r.json()["owner_uscc"].as_str(), r.json()["version"].as_i64()), (Some("天河体育中心"), Some(USCC), Some(1)));
    let s = visitor.get(&format!("/api/v1/signs/{sign_id}")).await.json();
    assert_eq!((s["set_name"].as_str(), s["set_id"].as_i64(), s["version"].as_i64()), (Some("天河体育中心"), Some(sid), Some(1)));
    // Stale, a name another set has, a field at fault, a move out of the inspector's districts.
    let r = staff.api(Method::PUT, &path, Some(edit(0, "体育中心二", "440106"))).await;
    assert!(r.status == StatusCode::CONFLICT && r.json()["error"]["message"].as_str().unwrap().contains("已被他人修改"), "{}", r.text);
    assert_eq!(staff.api(Method::PUT, &path, Some(edit(1, "天河公园", "440106"))).await.status, StatusCode::CONFLICT);
    assert_eq!(staff.api(Method::PUT, &path, Some(edit(1, "", "440106"))).await.json()["error"]["field"], "name");
    assert_eq!(staff.api(Method::PUT, &path, Some(edit(1, "x", "110101"))).await.json()["error"]["field"], "district");
    assert_eq!(inspector.api(Method::PUT, &path, Some(edit(1, "天河体育中心", "440104"))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(visitor.get(&path).await.json()["name"], "天河体育中心", "nothing refused was written");
    // On the set's page: the form for the inspector; a stale one shows the set as it is now.
    let page = inspector.get(&format!("/signs/sets/{sid}")).await.text;
    assert!(page.contains("id=\"edit-set\"") && page.contains("name=\"version\" value=\"1\""), "{page}");
    let r = inspector.post_form(&format!("/signs/sets/{sid}"), &[("version", "1"), ("name", "天河体育中心"), ("district", "440104"), ("owner", USCC)]).await;
    assert!(r.status == StatusCode::FORBIDDEN && r.text.contains("id=\"err-district\""), "{}", r.text);
    let r = inspector.post_form(&format!("/signs/sets/{sid}"), &[("version", "1"), ("name", "体育中心 A"), ("district", "440106"), ("address", "天河路"), ("owner", USCC)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(inspector.get(&r.location()).await.text.contains("标志组已保存"));
    let r = inspector.post_form(&format!("/signs/sets/{sid}"), &[("version", "1"), ("name", "过时"), ("district", "440106")]).await;
    assert!(r.status == StatusCode::CONFLICT && r.text.contains("id=\"err-version\"") && r.text.contains("value=\"体育中心 A\""), "{}", r.text);
    // Staff move it to another district.
    let r = staff.api(Method::PUT, &path, Some(edit(2, "体育中心 A", "440104"))).await;
    assert_eq!((r.status, r.json()["district"].as_str()), (StatusCode::OK, Some("440104")));
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'signs.set_update'").await, 3);
});

scenario!(the_command_line_words_refused_rows_in_its_language, |t: TestApp| async move {
    let path = t.dir.path().join("zh.csv");
    std::fs::write(&path, "编号,区,地址,类型,执行标准\nZH-1,天河区,体育西路 1 号,位置标志,GB/T 10001.1-2023\nZH-2,北京市东城区,王府井,位置标志,GB/T 10001.1-2023\n").unwrap();
    let (ok, out, err) = t.cli_lang(&["import", "signs", path.to_str().unwrap()], "", "zh");
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("共 2 行：新增标志 1 块，更新 0 块，拒收 1 行"), "{out}");
    assert!(out.contains("第 3 行，区 列：“北京市东城区”不是广州市的区"), "{out}");
    let (_, out, _) = t.cli(&["import", "signs", path.to_str().unwrap()], "");
    assert!(out.contains("2 rows: 0 signs added, 1 updated, 1 rows refused") && out.contains("line 3, column 区: 北京市东城区 is not"), "{out}");
});

scenario!(an_empty_sign_set_is_removed_but_not_one_with_signs, |t: TestApp| async move {
    let staff = t.staff("sd_staff").await;
    let inspector = t.user_scoped("sd_inspector", &[], ScopedRole::Inspector, Scope::new("district", "440106")).await;
    let outsider = t.user_scoped("sd_outsider", &[], ScopedRole::Inspector, Scope::new("district", "440104")).await;
    let member = t.member("sd_member", &staff).await;
    let visitor = t.client();
    let full = staff.api(Method::POST, "/api/v1/sign-sets", Some(json!({"name": "珠江新城站", "district": "440106"}))).await.json()["id"].as_i64().unwrap();
    let empty = staff.api(Method::POST, "/api/v1/sign-sets", Some(json!({"name": "猎德站", "district": "440106"}))).await.json()["id"].as_i64().unwrap();
    let mut body = sign("440106", "SD-1");
    body["set_name"] = json!("珠江新城站");
    let sign_id = staff.api(Method::POST, "/api/v1/signs", Some(body)).await.json()["id"].as_i64().unwrap();
    // Who may: staff and the district's inspectors; not a visitor, a member, another district's inspector.
    let path = format!("/api/v1/sign-sets/{empty}");
    assert_eq!(visitor.api(Method::DELETE, &path, None).await.status, StatusCode::UNAUTHORIZED);
    for c in [&member, &outsider] {
        assert_eq!(c.api(Method::DELETE, &path, None).await.status, StatusCode::FORBIDDEN);
        assert_eq!(c.post_form(&format!("/signs/sets/{empty}/delete"), &[]).await.status, StatusCode::FORBIDDEN);
        assert!(!c.get(&format!("/signs/sets/{empty}")).await.text.contains("id=\"delete-set\""));
    }
    // A set with a sign in it stays, with the reason; its page offers no removal.
    let r = inspector.api(Method::DELETE, &format!("/api/v1/sign-sets/{full}"), None).await;
    assert!(r.status == StatusCode::CONFLICT && r.json()["error"]["message"].as_str().unwrap().contains("还有 1 块标志"), "{}", r.text);
    assert!(!inspector.get(&format!("/signs/sets/{full}")).await.text.contains("id=\"delete-set\""));
    let r = inspector.post_form(&format!("/signs/sets/{full}/delete"), &[]).await;
    assert!(r.status == StatusCode::CONFLICT && r.text.contains("id=\"err-delete\"") && r.text.contains("SD-1"), "{}", r.text);
    // Once its sign is removed, the inspector removes it from its page.
    assert_eq!(staff.api(Method::DELETE, &format!("/api/v1/signs/{sign_id}"), None).await.status, StatusCode::NO_CONTENT);
    assert!(inspector.get(&format!("/signs/sets/{full}")).await.text.contains("id=\"delete-set\""));
    let r = inspector.post_form(&format!("/signs/sets/{full}/delete"), &[]).await;
    assert_eq!((r.status, r.location()), (StatusCode::SEE_OTHER, "/signs/sets?district=440106".to_string()), "{}", r.text);
    let list = inspector.get(&r.location()).await.text;
    assert!(list.contains("标志组已删除") && !list.contains("珠江新城站") && list.contains("猎德站"), "{list}");
    assert_eq!(visitor.get(&format!("/api/v1/sign-sets/{full}")).await.status, StatusCode::NOT_FOUND);
    // Staff remove the empty one through the API; a second time it is gone.
    assert_eq!(staff.api(Method::DELETE, &path, None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(staff.api(Method::DELETE, &path, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'signs.set_delete'").await, 2);
});

scenario!(a_districts_page_maps_its_signs_with_coordinates, |t: TestApp| async move {
    let staff = t.staff("sg_mapper").await;
    let mut ids = Vec::new();
    for (code, at, address) in [("TH-M1", Some((23.1375, 113.3271)), "体育东路 1 号 <A&B>"), ("TH-M2", Some((23.1290, 113.3350)), "天河路 2 号"), ("TH-M3", None, "天河路 3 号")] {
        let mut body = sign("440106", code);
        body["address"] = json!(address);
        body["set_name"] = json!("体育中心");
        if let Some((lat, lon)) = at {
            body["lat"] = json!(lat);
            body["lon"] = json!(lon);
        }
        let r = staff.api(Method::POST, "/api/v1/signs", Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        ids.push(r.json()["id"].as_i64().unwrap());
    }
    let r = staff.api(Method::POST, &format!("/api/v1/signs/{}/inspections", ids[1]), Some(json!({"findings": []}))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let page = t.client().get("/signs?district=440106").await.text;
    let start = page.find("class=\"chart map\"").unwrap_or_else(|| panic!("a map in {page}"));
    let map = &page[start..start + page[start..].find("</svg>").unwrap()];
    assert!(map.contains("天河区有坐标的标志 2 块"), "{map}");
    // The two signs with coordinates are points leading to their pages, coloured by their
    // last inspection; the one without is not on it.
    let point = |id: i64| map.split(&format!("<a href=\"/signs/{id}\">")).nth(1).map(|p| p.split("</a>").next().unwrap().to_string());
    let (m1, m2) = (point(ids[0]).expect("TH-M1 on the map"), point(ids[1]).expect("TH-M2 on the map"));
    assert!(point(ids[2]).is_none(), "no coordinates, no point");
    assert!(m1.contains("fill=\"#777777\"") && m1.contains("TH-M1 · ") && m1.contains("&lt;A&amp;B&gt;"), "{m1}");
    assert!(m2.contains("fill=\"#2e7d32\""), "conforming: {m2}");
    assert!(!map.contains("<A&B>"));
    // The set's page maps the same signs under the set's name.
    let set: i64 = sqlx::query_scalar("SELECT id FROM sign_sets WHERE name = '体育中心'").fetch_one(&t.app.db.pool).await.unwrap();
    let page = t.client().get(&format!("/signs/sets/{set}")).await.text;
    assert!(page.contains("体育中心有坐标的标志 2 块") && page.contains(&format!("<a href=\"/signs/{}\"><circle", ids[0])), "{page}");
    // A district whose signs have no coordinates shows its list without a map.
    let r = staff.api(Method::POST, "/api/v1/signs", Some(sign("440104", "YX-M1"))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let page = t.client().get("/signs?district=440104").await.text;
    assert!(page.contains("YX-M1") && !page.contains("chart map"), "{page}");
});
