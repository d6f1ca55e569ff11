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
