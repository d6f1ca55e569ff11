//! More of the training room through HTTP: a certificate's PDF (the embedded CJK font
//! subset, the holder's name through the ToUnicode map), check-in by a signed code, the
//! materials of a session and who may fetch them, `biaozhun import people`, and the
//! organisation's hours seen by its administrator only.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::scopes::ScopedRole;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A local `YYYY-MM-DDTHH:MM` `secs` from now.
fn local_in_secs(secs: i64) -> String {
    biaozhun::training::model::local_input(biaozhun::util::now() + secs)
}

/// Staff create and publish a session through the API; answers its id.
async fn session(staff: &Client, title: &str, starts_in: i64, hours: i64) -> i64 {
    let body = json!({
        "title": title, "kind": "continuing", "starts_at": local_in_secs(starts_in), "ends_at": local_in_secs(starts_in + 4 * 3600),
        "location": "广州市天河区体育东路 1 号", "capacity": 10, "hours": hours, "publish": true,
    });
    let r = staff.api(Method::POST, "/api/v1/trainings", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

/// The `bfchar` pairs of a PDF's uncompressed ToUnicode map: the characters it can give back.
fn to_unicode_chars(pdf: &[u8]) -> String {
    let text = String::from_utf8_lossy(pdf);
    let mut out = String::new();
    for block in text.split("beginbfchar").skip(1) {
        let block = block.split("endbfchar").next().unwrap_or("");
        for line in block.lines() {
            let hexes: Vec<&str> = line.split(['<', '>']).map(str::trim).filter(|s| !s.is_empty()).collect();
            if let [_, u] = hexes[..] {
                if let Some(c) = u32::from_str_radix(u, 16).ok().and_then(char::from_u32) {
                    out.push(c);
                }
            }
        }
    }
    out
}

async fn bytes(c: &Client, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let r = c.http.get(c.url(path)).send().await.unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    (status, headers, r.bytes().await.unwrap().to_vec())
}

scenario!(a_certificate_pdf_carries_its_own_cjk_font_subset, |t: TestApp| async move {
    let staff = t.staff("pdf_staff").await;
    let holder = t.user("pdf_holder").await;
    let other = t.user("pdf_other").await;
    sqlx::query("UPDATE users SET display_name = '欧阳明华' WHERE username = 'pdf_holder'").execute(&t.app.db.pool).await.unwrap();
    let r = staff.post_form("/staff/certificates", &[("kind", "engineer_junior"), ("holder", "pdf_holder"), ("title", "标准化工程师（初级）培训考核")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let sheet = r.location();
    let number: String = sqlx::query_scalar("SELECT number FROM training_certificates").fetch_one(&t.app.db.pool).await.unwrap();
    let pdf_path = format!("/training/certificates/{number}.pdf");
    assert!(holder.get(&sheet).await.text.contains(&format!("href=\"{pdf_path}\"")), "the sheet links its PDF");

    let (status, headers, pdf) = bytes(&holder, &pdf_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(headers["content-disposition"].to_str().unwrap().contains(&format!("{number}.pdf")));
    assert!(pdf.starts_with(b"%PDF-") && (pdf.ends_with(b"%%EOF") || pdf.ends_with(b"%%EOF\n")), "a whole PDF");
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/FontFile3") && text.contains("/Subtype /OpenType") && text.contains(biaozhun::training::pdf::FONT_NAME), "the font subset is embedded");
    assert!(text.contains("/Identity-H") && text.contains("/ToUnicode"));
    let chars = to_unicode_chars(&pdf);
    for c in "欧阳明华标准化工程师证书有效期".chars() {
        assert!(chars.contains(c), "the glyph of {c} maps back to it; map holds {chars}");
    }
    assert!(!chars.contains('撤'), "a valid certificate says nothing of revocation");
    assert!(pdf.len() < 80_000, "a page with a per-document subset is small: {} bytes", pdf.len());
    // Poppler, where installed, reads the text back.
    if let Ok(out) = std::process::Command::new("pdftotext").args(["-", "-"]).stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn() {
        use std::io::Write;
        let mut child = out;
        child.stdin.take().unwrap().write_all(&pdf).unwrap();
        let got = String::from_utf8_lossy(&child.wait_with_output().unwrap().stdout).to_string();
        assert!(got.contains("欧阳明华") && got.contains(&number), "pdftotext: {got}");
    }

    // The holder's and the staff's; typed loosely; 404 for no such number.
    assert_eq!(bytes(&staff, &pdf_path).await.0, StatusCode::OK);
    assert_eq!(bytes(&holder, &format!("/training/certificates/{}.pdf", number.to_lowercase())).await.0, StatusCode::OK);
    assert_eq!(other.get(&pdf_path).await.status, StatusCode::FORBIDDEN);
    let anon = t.client().get(&pdf_path).await;
    assert!(anon.status == StatusCode::SEE_OTHER && anon.location().starts_with("/login?next="), "{}", anon.status);
    assert_eq!(holder.get("/training/certificates/GZBA-2026-999999-0.pdf").await.status, StatusCode::NOT_FOUND);
    assert_eq!(holder.get("/training/certificates/x.pdf").await.status, StatusCode::NOT_FOUND);

    // Revoked: the PDF says so, with the reason.
    let id = sheet.rsplit('/').next().unwrap();
    assert_eq!(staff.post_form(&format!("/staff/certificates/{id}/revoke"), &[("reason", "冒名顶替")]).await.status, StatusCode::SEE_OTHER);
    let (_, _, pdf) = bytes(&holder, &pdf_path).await;
    let chars = to_unicode_chars(&pdf);
    assert!(chars.contains('撤') && chars.contains('冒') && chars.contains('替'), "{chars}");

    // Verification answers may be kept a minute: the API by any cache, the page by the browser.
    let anon = t.client();
    let api = anon.get(&format!("/api/v1/certificates/{number}")).await;
    assert_eq!(api.json()["status"], "revoked");
    assert_eq!(api.headers["cache-control"], "public, max-age=60");
    assert_eq!(anon.get(&format!("/certificates/{number}")).await.headers["cache-control"], "private, max-age=60");
});

scenario!(a_signed_code_checks_a_person_in_once_and_forged_or_foreign_codes_are_refused, |t: TestApp| async move {
    let staff = t.staff("ck_staff").await;
    let id = session(&staff, "标准化法继续教育（签到）", 2 * 3600, 6).await;
    let other_id = session(&staff, "另一场培训", 2 * 3600, 3).await;
    let a = t.member("ck_a", &staff).await;
    let b = t.user("ck_b").await;
    assert_eq!(a.api(Method::POST, &format!("/api/v1/trainings/{id}/enrolments"), None).await.json()["status"], "enrolled");
    assert_eq!(b.api(Method::POST, &format!("/api/v1/trainings/{other_id}/enrolments"), None).await.json()["status"], "enrolled");
    let teacher = t.user_scoped("ck_teacher", &[], ScopedRole::Teacher, biaozhun::training::policy::session_scope(id)).await;
    let other_teacher = t.user_scoped("ck_teacher2", &[], ScopedRole::Teacher, biaozhun::training::policy::session_scope(other_id)).await;

    // The enrolled person's page shows the code and its QR code; a visitor's does not.
    let page = a.get(&format!("/training/{id}")).await.text;
    assert!(page.contains("我的签到码") && page.contains("<svg"), "{page}");
    let code = page.split("id=\"my-checkin-code\">").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert!(code.starts_with(&format!("{id}-")), "{code}");
    assert!(!t.client().get(&format!("/training/{id}")).await.text.contains("my-checkin-code"));
    assert!(a.get("/member").await.text.contains(&format!("href=\"/training/{id}#my-checkin\"")), "the member area leads to the code");
    assert!(!staff.get(&format!("/training/{id}")).await.text.contains("my-checkin-code"));
    let b_page = b.get(&format!("/training/{other_id}")).await.text;
    let b_code = b_page.split("id=\"my-checkin-code\">").nth(1).unwrap().split('<').next().unwrap().to_string();

    // Only staff and this session's teachers reach the check-in page.
    assert_eq!(a.get(&format!("/training/{id}/checkin")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(other_teacher.get(&format!("/training/{id}/checkin")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(a.post_form(&format!("/training/{id}/checkin"), &[("code", &code)]).await.status, StatusCode::FORBIDDEN);
    // The address a camera app opens fills the form; a GET checks nobody in.
    let scanned = format!("{}/training/{id}/checkin?code={code}", t.base);
    let r = teacher.get(&scanned.replace(&t.base, "")).await;
    assert!(r.status == StatusCode::OK && r.text.contains(&format!("value=\"{code}\"")), "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM training_hours").await, 0);

    // Forged: another enrolment's number under this signature, or a changed signature.
    let mut parts: Vec<String> = code.split('-').map(String::from).collect();
    parts[1] = (parts[1].parse::<i64>().unwrap() + 1).to_string();
    let r = teacher.post_form(&format!("/training/{id}/checkin"), &[("code", &parts.join("-"))]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("签到码无效"), "{}", r.text);
    let flipped = format!("{}{}", &code[..code.len() - 1], if code.ends_with('0') { '1' } else { '0' });
    assert!(teacher.post_form(&format!("/training/{id}/checkin"), &[("code", &flipped)]).await.text.contains("签到码无效"));
    let r = teacher.post_form(&format!("/training/{id}/checkin"), &[("code", "hello")]).await;
    assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.text.contains("这不是签到码"));
    // Another session's genuine code is refused here, by name.
    let r = teacher.post_form(&format!("/training/{id}/checkin"), &[("code", &b_code)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("另一场培训") && r.text.contains("不能在本场签到"), "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM training_hours").await, 0, "nothing credited by a refused code");

    // The API says the same, on the field `code`; a teacher of another session is refused.
    let r = teacher.api(Method::POST, &format!("/api/v1/trainings/{id}/checkin"), Some(json!({"code": b_code}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "code");
    assert_eq!(other_teacher.api(Method::POST, &format!("/api/v1/trainings/{id}/checkin"), Some(json!({"code": code}))).await.status, StatusCode::FORBIDDEN);

    // The genuine code (pasted as the scanned address, in lower case) checks the person in.
    let r = teacher.post_form(&format!("/training/{id}/checkin"), &[("code", &scanned.to_lowercase().replace(&t.base.to_lowercase(), &t.base))]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("ck_a 签到成功，已计入 6 学时"), "{}", r.text);
    // Twice: told so, credited once.
    let r = teacher.post_form(&format!("/training/{id}/checkin"), &[("code", &code)]).await;
    assert!(r.text.contains("已于") && r.text.contains("学时不重复计入"), "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM training_hours").await, 1);
    let r = staff.api(Method::POST, &format!("/api/v1/trainings/{id}/checkin"), Some(json!({"code": code}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!((r.json()["username"].as_str(), r.json()["hours"].as_i64()), (Some("ck_a"), Some(6)));
    assert!(r.json()["already_at"].is_i64(), "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM training_hours").await, 1);
    let hours = a.api(Method::GET, "/api/v1/me/training-hours", None).await.json();
    assert_eq!(hours["years"][0]["total"], 6);
    let roster = staff.get(&format!("/training/{id}/roster")).await.text;
    assert!(roster.contains("已签到") || roster.contains("撤销签到"), "{roster}");
    assert!(a.get(&format!("/training/{id}")).await.text.contains("您已于"));
    // Audited as the roster's check-in is.
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'training.attendance'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(audited, 3);
});

async fn upload(c: &Client, id: i64, name: &str, data: &[u8], public: bool) -> Resp {
    let csrf = c.csrf().await;
    let mut form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(data.to_vec()).file_name(name.to_string()));
    if public {
        form = form.text("public", "1");
    }
    let r = c.http.post(c.url(&format!("/training/{id}/materials?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    Resp { status, headers, text: r.text().await.unwrap() }
}

scenario!(materials_are_for_those_enrolled_and_staff_unless_public, |t: TestApp| async move {
    let staff = t.staff("mat_staff").await;
    let id = session(&staff, "标准文本结构讲座", 5 * 86400, 2).await;
    let teacher = t.user_scoped("mat_teacher", &[], ScopedRole::Teacher, biaozhun::training::policy::session_scope(id)).await;
    let enrolled = t.user("mat_enrolled").await;
    let visitor = t.user("mat_visitor").await;
    enrolled.api(Method::POST, &format!("/api/v1/trainings/{id}/enrolments"), None).await;

    let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
    let r = upload(&teacher, id, "讲义（第一讲）.pdf", pdf, false).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(upload(&staff, id, "日程.txt", "09:00 开班\n".as_bytes(), true).await.status, StatusCode::SEE_OTHER);
    // The extension must agree with the bytes; others may not upload.
    let r = upload(&teacher, id, "setup.pdf", b"MZ\x90\x00", false).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("扩展名与文件内容不符"), "{}", r.text);
    assert_eq!(upload(&visitor, id, "x.txt", b"x", true).await.status, StatusCode::FORBIDDEN);
    assert_eq!(upload(&enrolled, id, "x.txt", b"x", true).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.count("SELECT COUNT(*) FROM training_materials").await, 2);

    let (pdf_id, txt_id): (i64, i64) = (
        sqlx::query_scalar("SELECT id FROM training_materials WHERE filename LIKE '%.pdf'").fetch_one(&t.app.db.pool).await.unwrap(),
        sqlx::query_scalar("SELECT id FROM training_materials WHERE filename LIKE '%.txt'").fetch_one(&t.app.db.pool).await.unwrap(),
    );
    let pdf_url = format!("/training/{id}/materials/{pdf_id}/x.pdf");
    let txt_url = format!("/training/{id}/materials/{txt_id}/x.txt");
    // The person enrolled sees both and downloads them with their type and name.
    let page = enrolled.get(&format!("/training/{id}")).await.text;
    assert!(page.contains("讲义（第一讲）.pdf") && page.contains("日程.txt"), "{page}");
    let (status, headers, body) = bytes(&enrolled, &pdf_url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, pdf.to_vec());
    assert_eq!(headers["content-type"], "application/pdf");
    let cd = headers["content-disposition"].to_str().unwrap();
    assert!(cd.starts_with("attachment;") && cd.contains("filename*=UTF-8''%E8%AE%B2%E4%B9%89"), "{cd}");
    assert_eq!(headers["cache-control"], "private, no-store");
    // A visitor sees the public one and is told of the other; the other is 404 to them.
    let page = visitor.get(&format!("/training/{id}")).await.text;
    assert!(page.contains("日程.txt") && !page.contains("讲义（第一讲）.pdf") && page.contains("另有 1 份资料仅对已报名学员开放"), "{page}");
    assert_eq!(visitor.get(&pdf_url).await.status, StatusCode::NOT_FOUND);
    let (status, headers, _) = bytes(&visitor, &txt_url).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    let anon = t.client();
    assert_eq!(anon.get(&txt_url).await.status, StatusCode::OK);
    let r = anon.get(&pdf_url).await;
    assert!(r.status == StatusCode::UNAUTHORIZED || r.location().starts_with("/login"), "{}", r.status);
    // Staff and the teacher see both; a material of another session is not reached by id.
    assert!(teacher.get(&format!("/training/{id}")).await.text.contains("讲义（第一讲）.pdf"));
    assert_eq!(bytes(&staff, &pdf_url).await.0, StatusCode::OK);
    let other = session(&staff, "别的培训", 5 * 86400, 1).await;
    assert_eq!(staff.get(&format!("/training/{other}/materials/{pdf_id}/x.pdf")).await.status, StatusCode::NOT_FOUND);
    // Deleting: the teacher may, a visitor may not; audited both ways.
    assert_eq!(visitor.post_form(&format!("/training/{id}/materials/{pdf_id}/delete"), &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(teacher.post_form(&format!("/training/{id}/materials/{pdf_id}/delete"), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(enrolled.get(&pdf_url).await.status, StatusCode::NOT_FOUND);
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('training.material_upload', 'training.material_delete')").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(audited, 3);
});

scenario!(import_people_makes_accounts_attaches_them_and_reports_refused_rows, |t: TestApp| async move {
    let org = t.org_with_admin("imp_admin", "广州某某检测有限公司", "91440101MA59ABCD1D").await;
    let other_org = t.org_with_admin("imp_other_admin", "另一家公司", "9144030071526726XH").await;
    t.user("imp_existing").await;
    let csv = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/people/people.csv");
    let (ok, out, err) = t.cli(&["import", "people", csv], "");
    assert!(ok, "{out}\n{err}");
    assert!(out.contains("7 rows: 3 accounts created, 1 matched to existing accounts, 3 attached to an organisation, 3 rows refused"), "{out}");
    assert!(out.contains("line 4, column 电子邮箱: \"not-an-address\" is not an e-mail address"), "{out}");
    assert!(out.contains("line 5, column 统一社会信用代码: The credit code \"91440101MA59ABCD1X\" is wrong"), "{out}");
    assert!(out.contains("line 6, column 统一社会信用代码: No organisation with the credit code 9144030071526726XG"), "{out}");
    let users = t.count("SELECT COUNT(*) FROM users").await;
    let members = t.count("SELECT COUNT(*) FROM org_users").await;
    let (name, confirmed): (String, Option<i64>) = sqlx::query_as("SELECT display_name, email_confirmed_at FROM users WHERE email_key = 'zhang.wei@example.org'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(name, "张伟");
    assert!(confirmed.is_some(), "confirmed like `user create` makes them");
    let roles = t.count("SELECT COUNT(*) FROM user_roles ur JOIN users u ON u.id = ur.user_id WHERE u.email_key = 'zhang.wei@example.org'").await;
    assert_eq!(roles, 0, "ordinary accounts");
    let in_org: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM org_users ou JOIN users u ON u.id = ou.user_id WHERE ou.org_id = $1 AND u.email_key IN ('zhang.wei@example.org', 'sun.min@example.org', 'imp_existing@example.com')")
        .bind(org.id).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(in_org, 3);
    assert_eq!(t.count("SELECT COUNT(*) FROM users WHERE email_key = 'li.na@example.org'").await, 1, "a row without a credit code makes an account alone");

    // Again: nothing changes.
    let (ok, out, _) = t.cli(&["import", "people", csv], "");
    assert!(ok && out.contains("0 accounts created, 4 matched to existing accounts, 0 attached"), "{out}");
    assert_eq!((t.count("SELECT COUNT(*) FROM users").await, t.count("SELECT COUNT(*) FROM org_users").await), (users, members));

    // An XLSX with English headings, through the same reader.
    let xlsx = biaozhun::web::download::xlsx(&["Name", "E-mail", "Credit code"], &[vec!["周杰".into(), "zhou.jie@example.org".into(), "91440101MA59ABCD1D".into()]]).unwrap();
    let path = t.dir.path().join("people.xlsx");
    std::fs::write(&path, xlsx).unwrap();
    let (ok, out, err) = t.cli(&["import", "people", path.to_str().unwrap()], "");
    assert!(ok && out.contains("1 accounts created") && out.contains("1 attached"), "{out}\n{err}");
    let audit: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'people.import'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(audit, 3);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'org.import_member'").await, 4);

    // The organisation's administrator sees its people's hours; the other organisation's does not.
    let totals = org.admin.get("/training/org-hours").await.text;
    assert!(totals.contains("zhang.wei@example.org") && totals.contains("zhou.jie@example.org"), "{totals}");
    let theirs = other_org.admin.get("/training/org-hours").await.text;
    assert!(!theirs.contains("zhang.wei@example.org") && theirs.contains("imp_other_admin"), "{theirs}");
    // An imported person logs in after setting a password with "forgot password" only.
    let c = t.client();
    assert_ne!(c.login("zhang.wei", PASSWORD).await.status, StatusCode::SEE_OTHER);
});
