//! Programme attachments as files: the apply and edit forms and the API upload the files a
//! programme type requires; a submission without one fails naming it; a replaced file stays
//! in the history; the file, its row and the step are one transaction; downloads follow the
//! application's rights (applicant, staff, reviewers after their declaration) role by role.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// A multipart post as the site's forms send it (the CSRF token in the query): text fields,
/// and files as (field, file name, bytes).
pub async fn post_multipart(c: &Client, path: &str, texts: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Resp {
    let csrf = c.csrf().await;
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in texts {
        form = form.text(k.to_string(), v.to_string());
    }
    for (field, name, data) in files {
        form = form.part(field.to_string(), reqwest::multipart::Part::bytes(data.to_vec()).file_name(name.to_string()));
    }
    let sep = if path.contains('?') { '&' } else { '?' };
    let r = c.http.post(c.url(&format!("{path}{sep}_csrf={csrf}"))).multipart(form).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    Resp { status, headers, text: r.text().await.unwrap_or_default() }
}

/// The API upload of one attachment's file.
pub async fn upload(c: &Client, id: i64, key: &str, name: &str, data: &[u8]) -> Resp {
    post_multipart(c, &format!("/api/v1/applications/{id}/files/{key}"), &[], &[("file", name, data)]).await
}

fn gb() -> Value {
    json!({ "target_grade": "AAAA", "evidence": "第 4 章：标准化机构设置文件；第 5 章：标准体系表。" })
}

async fn events(t: &TestApp, id: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM workflow_events WHERE kind = 'application' AND record_id = $1 ORDER BY id").bind(id).fetch_all(&t.app.db.pool).await.unwrap()
}

scenario!(attachments_are_uploaded_required_named_and_replaced, |t: TestApp| async move {
    let org = t.org_with_admin("af_admin", "附件测试企业", "91440101MA59FILE1X").await;
    let colleague = t.org_member(&org, "af_colleague").await;
    // The form asks for the file, not a link.
    let form = org.admin.get("/programmes/good_behaviour/apply").await.text;
    assert!(form.contains("type=\"file\" id=\"f-att_self_assessment\"") && form.contains("enctype=\"multipart/form-data\""), "{form}");
    // Submitting without the required attachment fails naming it, on the page and in the API.
    let texts = [("target_grade", "AAAA"), ("evidence", "逐条自评"), ("submit", "1")];
    let r = post_multipart(&org.admin, "/programmes/good_behaviour/apply", &texts, &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("id=\"err-att_self_assessment\"") && r.text.contains("提交前请上传附件“自我评价报告”"), "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM applications").await, 0, "nothing kept of a refused submission");
    let r = org.admin.api(Method::POST, "/api/v1/applications", Some(json!({ "programme": "good_behaviour", "answers": gb(), "submit": true }))).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("att_self_assessment")), "{}", r.text);
    let mut linked = gb();
    linked["att_self_assessment"] = json!("https://example.com/self.pdf");
    let r = org.admin.api(Method::POST, "/api/v1/applications", Some(json!({ "programme": "good_behaviour", "answers": linked }))).await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("att_self_assessment")), "a link is no file");
    // A draft through the API; submitting it names the attachment (in English for an English caller).
    let r = org.admin.api(Method::POST, "/api/v1/applications", Some(json!({ "programme": "good_behaviour", "answers": gb() }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    let r = org.admin.api(Method::POST, &format!("/api/v1/applications/{id}/actions"), Some(json!({ "action": "submit" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "att_self_assessment");
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("自我评价报告"), "{}", r.text);
    // Refused files: a type its bytes contradict, an empty file, an attachment the programme lacks, a reader of the organisation.
    let r = upload(&org.admin, id, "self_assessment", "report.pdf", b"MZ\x90\x00 not a pdf").await;
    assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("att_self_assessment")), "{}", r.text);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("自我评价报告"));
    let r = upload(&org.admin, id, "self_assessment", "empty.pdf", b"").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(upload(&org.admin, id, "proof", "p.pdf", PDF).await.status, StatusCode::UNPROCESSABLE_ENTITY, "not an attachment of this programme");
    assert_eq!(upload(&colleague, id, "self_assessment", "s.pdf", PDF).await.status, StatusCode::FORBIDDEN, "users of the organisation read, administrators act");
    assert_eq!(t.count("SELECT COUNT(*) FROM application_files").await, 0);
    // The file goes in with its name cleaned, its type from its bytes and its digest.
    let r = upload(&org.admin, id, "self_assessment", "C:\\docs\\自评报告.pdf", PDF).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let f = r.json();
    assert_eq!((f["filename"].as_str(), f["content_type"].as_str(), f["size"].as_i64()), (Some("自评报告.pdf"), Some("application/pdf"), Some(PDF.len() as i64)));
    assert_eq!(f["sha256"], biaozhun::util::sha256_hex(std::str::from_utf8(PDF).unwrap()));
    // Replaced: the earlier file stays, marked replaced; each upload is a step of the history.
    let second = [PDF, b"% second edition\n"].concat();
    let r = upload(&org.admin, id, "self_assessment", "自评报告（修订）.pdf", &second).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let files = org.admin.get(&format!("/api/v1/applications/{id}/files")).await.json();
    let files = files.as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(files[0]["replaced_at"].is_i64() && files[1]["replaced_at"].is_null(), "{files:?}");
    let replaced_by: Option<i64> = sqlx::query_scalar("SELECT replaced_by FROM application_files WHERE id = $1").bind(files[0]["id"].as_i64()).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(replaced_by, files[1]["id"].as_i64());
    assert_eq!(events(&t, id).await, ["create", "attach", "attach"]);
    let page = org.admin.get(&format!("/applications/{id}")).await.text;
    assert!(page.contains("自评报告（修订）.pdf") && page.contains("此前的 1 个文件") && page.contains("上传附件"), "{page}");
    // Now it submits; a submitted application takes no more files.
    let r = org.admin.api(Method::POST, &format!("/api/v1/applications/{id}/actions"), Some(json!({ "action": "submit" }))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(upload(&org.admin, id, "self_assessment", "late.pdf", PDF).await.status, StatusCode::CONFLICT);
    // The generic step cannot fake an upload.
    let r = org.admin.api(Method::POST, &format!("/api/v1/applications/{id}/actions"), Some(json!({ "action": "attach" }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The page: the answers and the file in one form, one transaction. A save whose
    // submission fails keeps neither the answers nor the file.
    let other = t.org_with_admin("af_admin2", "附件测试二厂", "91440101MA59FILE2X").await;
    let r = post_multipart(&other.admin, "/programmes/good_behaviour/apply", &[("target_grade", "AA"), ("evidence", "自评")], &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let draft: i64 = r.location().trim_start_matches("/applications/").parse().unwrap();
    let texts = [("version", "0"), ("target_grade", "AA"), ("evidence", ""), ("submit", "1")];
    let r = post_multipart(&other.admin, &format!("/applications/{draft}"), &texts, &[("att_self_assessment", "自评.pdf", PDF)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-evidence\""), "{}", r.text);
    let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM application_files WHERE application_id = $1").bind(draft).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(kept, 0, "the file went with the failed transaction");
    let texts = [("version", "0"), ("target_grade", "AA"), ("evidence", "逐条自评"), ("submit", "1")];
    let r = post_multipart(&other.admin, &format!("/applications/{draft}"), &texts, &[("att_self_assessment", "自评.pdf", PDF)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(events(&t, draft).await, ["create", "attach", "submit"]);
    // Apply and submit at once with the file.
    let third = t.org_with_admin("af_admin3", "附件测试三厂", "91440101MA59FILE3X").await;
    let texts = [("target_grade", "AAA"), ("evidence", "逐条自评"), ("submit", "1")];
    let r = post_multipart(&third.admin, "/programmes/good_behaviour/apply", &texts, &[("att_self_assessment", "self.pdf", PDF)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = third.admin.get(&r.location()).await.text;
    assert!(page.contains("已提交") && page.contains(">self.pdf</a>"), "{page}");
    // In English the refusal names the attachment in English.
    let en = t.org_with_admin("af_admin4", "附件测试四厂", "91440101MA59FILE4X").await;
    en.admin.get("/lang/en").await;
    let r = post_multipart(&en.admin, "/programmes/good_behaviour/apply", &texts, &[("att_self_assessment", "self.exe", b"MZ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-att_self_assessment\"") && r.text.contains("Self-assessment report") && r.text.contains("is not a type the platform takes"), "{}", r.text);
});

scenario!(attachment_downloads_follow_the_application_rights, |t: TestApp| async move {
    let staff = t.staff("ad_staff").await;
    let admin = t.user_with_roles("ad_admin", &[Role::Admin]).await;
    let org = t.org_with_admin("ad_org", "下载权限企业", "91440101MA59DOWN1X").await;
    let colleague = t.org_member(&org, "ad_colleague").await;
    let other = t.org_with_admin("ad_other", "别家企业", "91440101MA59DOWN2X").await;
    let assigned = t.user_with_roles("ad_assigned", &[Role::Expert]).await;
    let stranger = t.user_with_roles("ad_stranger", &[Role::Expert]).await;
    let r = org.admin.api(Method::POST, "/api/v1/applications", Some(json!({ "programme": "good_behaviour", "answers": gb() }))).await;
    let id = r.json()["id"].as_i64().unwrap();
    let f = upload(&org.admin, id, "self_assessment", "自评报告.pdf", PDF).await.json();
    let url = f["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("/applications/{id}/files/{}/", f["id"])), "{url}");
    for step in ["submit"] {
        let r = org.admin.api(Method::POST, &format!("/api/v1/applications/{id}/actions"), Some(json!({ "action": step }))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    for step in ["start_check", "pass_check"] {
        let r = staff.api(Method::POST, &format!("/api/v1/applications/{id}/actions"), Some(json!({ "action": step }))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    assert_eq!(staff.post_form(&format!("/staff/applications/{id}/reviewers"), &[("username", "ad_assigned")]).await.status, StatusCode::SEE_OTHER);
    let list = format!("/api/v1/applications/{id}/files");
    // (who, the file, the API's list)
    let rows: Vec<(&str, &Client, StatusCode)> = vec![
        ("applicant administrator", &org.admin, StatusCode::OK),
        ("a user of the applicant", &colleague, StatusCode::OK),
        ("another organisation's administrator", &other.admin, StatusCode::FORBIDDEN),
        ("expert assigned, before the declaration", &assigned, StatusCode::FORBIDDEN),
        ("expert not assigned", &stranger, StatusCode::FORBIDDEN),
        ("staff", &staff, StatusCode::OK),
        ("admin", &admin, StatusCode::OK),
    ];
    for (who, c, want) in &rows {
        let r = c.get(&url).await;
        assert_eq!(r.status, *want, "{who}: {url}");
        assert_eq!(c.get(&list).await.status, *want, "{who}: {list}");
        if *want == StatusCode::OK {
            assert_eq!(r.text.as_bytes(), PDF, "{who}");
            assert_eq!(r.headers["content-type"], "application/pdf");
            assert!(r.headers["content-disposition"].to_str().unwrap().starts_with("attachment;"));
            assert_eq!(r.headers["x-content-type-options"], "nosniff");
            assert!(r.headers["cache-control"].to_str().unwrap().contains("no-store"));
        }
    }
    let anon = t.client();
    let r = anon.get(&url).await;
    assert!(r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login"), "anonymous: {}", r.status);
    assert_eq!(anon.get(&list).await.status, StatusCode::UNAUTHORIZED);
    // A file of another application under this one's number: not found.
    let r2 = other.admin.api(Method::POST, "/api/v1/applications", Some(json!({ "programme": "good_behaviour", "answers": gb() }))).await;
    let id2 = r2.json()["id"].as_i64().unwrap();
    let f2 = upload(&other.admin, id2, "self_assessment", "x.pdf", PDF).await.json();
    assert_eq!(org.admin.get(&format!("/applications/{id}/files/{}/x.pdf", f2["id"])).await.status, StatusCode::NOT_FOUND);
    // The assigned expert reads the file once they declare no conflict, on the review page too.
    let r = assigned.api(Method::POST, &format!("/api/v1/applications/{id}/declaration"), Some(json!({ "conflict": false }))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(assigned.get(&url).await.status, StatusCode::OK, "expert assigned, after the declaration");
    let review = assigned.get(&format!("/review/applications/{id}")).await.text;
    assert!(review.contains(&url.replace('/', "&#x2f;")) && review.contains("自评报告.pdf"), "{review}");
    // A conflict declared stands the expert down: no more file.
    let conflicted = t.user_with_roles("ad_conflicted", &[Role::Expert]).await;
    assert_eq!(staff.post_form(&format!("/staff/applications/{id}/reviewers"), &[("username", "ad_conflicted")]).await.status, StatusCode::SEE_OTHER);
    let r = conflicted.api(Method::POST, &format!("/api/v1/applications/{id}/declaration"), Some(json!({ "conflict": true, "note": "曾任该企业顾问" }))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(conflicted.get(&url).await.status, StatusCode::FORBIDDEN);
});

// Kill -9 while applicants upload: three drafts take files in a loop on a second server
// (this binary, a child process on the same database) that is killed mid-way. A file, its
// row, the replaced file's mark and the `attach` step are one transaction: afterwards every
// stored file is whole (its size and digest are its bytes'), each draft has one current file,
// every file has its step and the record's version counts its events; uploads go on.
scenario!(kill_9_during_uploads_leaves_whole_files_with_their_steps, |t: TestApp| async move {
    let mut drafts = vec![];
    for i in 0..3 {
        let org = t.org_with_admin(&format!("kx_admin{i}"), &format!("断电上传企业{i}"), &format!("91440101MA59KIL{i}XX")).await;
        let r = org.admin.api(Method::POST, "/api/v1/applications", Some(json!({ "programme": "good_behaviour", "answers": gb() }))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        drafts.push((org, r.json()["id"].as_i64().unwrap()));
    }
    let (child, base, _) = t.serve_process(std::process::Stdio::null());
    let mut tasks = Vec::new();
    for (i, (org, id)) in drafts.iter().enumerate() {
        let (c, path) = (org.admin.on(&base), format!("/api/v1/applications/{id}/files/self_assessment"));
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            for n in 0.. {
                // ~200 KB of text behind a PDF header, different each time.
                let body = format!("%PDF-1.4\n{}", format!("draft {i} upload {n}\n").repeat(12_000));
                let part = reqwest::multipart::Part::bytes(body.into_bytes()).file_name(format!("自评报告{n}.pdf"));
                let form = reqwest::multipart::Form::new().part("file", part);
                let r = c.http.post(c.url(&path)).header("x-csrf-token", c.cookie("bz_csrf").unwrap_or_default()).multipart(form).send().await;
                match r {
                    Ok(r) if r.status() == StatusCode::CREATED => ok += 1,
                    Ok(r) => panic!("an upload refused before the kill: {}", r.status()),
                    Err(_) => break, // the server is gone
                }
            }
            ok
        }));
    }
    let sent = kill_9_under_load(child, tasks).await;
    assert!(sent > 0, "the kill came while files were being uploaded");
    for (org, id) in &drafts {
        let rows: Vec<(i64, i64, String, Vec<u8>, Option<i64>)> =
            sqlx::query_as("SELECT id, size, sha256, data, replaced_at FROM application_files WHERE application_id = $1 ORDER BY id").bind(id).fetch_all(&t.app.db.pool).await.unwrap();
        for (fid, size, sha, data, _) in &rows {
            assert_eq!((*size, sha.as_str()), (data.len() as i64, biaozhun::util::sha256_hex(std::str::from_utf8(data).unwrap()).as_str()), "file {fid} is whole");
        }
        assert_eq!(rows.iter().filter(|r| r.4.is_none()).count(), usize::from(!rows.is_empty()), "one current file");
        let (version, events, attached): (i64, i64, i64) = sqlx::query_as(
            "SELECT a.version, (SELECT COUNT(*) FROM workflow_events e WHERE e.kind = 'application' AND e.record_id = a.id), \
             (SELECT COUNT(*) FROM workflow_events e WHERE e.kind = 'application' AND e.record_id = a.id AND e.action = 'attach') FROM applications a WHERE a.id = $1",
        )
        .bind(id)
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
        assert_eq!(attached, rows.len() as i64, "every file has its step, every step its file");
        assert_eq!(version, events - 1, "every move has its event");
        // The draft goes on after the restart: one more file, then the submission.
        assert_eq!(upload(&org.admin, *id, "self_assessment", "最终版.pdf", PDF).await.status, StatusCode::CREATED);
        let r = org.admin.api(Method::POST, &format!("/api/v1/applications/{id}/actions"), Some(json!({ "action": "submit" }))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
});
