//! Certificates through HTTP: staff issue one (for a paper exam or a session) and revoke it
//! with a reason; the public verifies a number (valid, expired, revoked), a typo is caught by
//! the check character, the API answers 404 for unknown numbers; the holder sees and prints
//! theirs; expiry reminders 60 and 7 days before, each once.

use crate::scenario;
use crate::support::*;
use reqwest::StatusCode;

async fn mails_to(t: &TestApp, to: &str, like: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE to_addr = $1 AND subject LIKE $2").bind(to).bind(like).fetch_one(&t.app.db.pool).await.unwrap()
}

/// Issues through the staff form; answers the certificate's id and number.
async fn issue(t: &TestApp, staff: &Client, fields: &[(&str, &str)]) -> (i64, String) {
    let r = staff.post_form("/staff/certificates", fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id: i64 = r.location().trim_start_matches("/training/certificates/").parse().unwrap();
    let number: String = sqlx::query_scalar("SELECT number FROM training_certificates WHERE id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    (id, number)
}

scenario!(staff_issue_and_the_public_verifies, |t: TestApp| async move {
    let staff = t.staff("ce_staff").await;
    let holder = t.user("ce_holder").await;
    let other = t.user("ce_other").await;
    let visitor = t.client();
    sqlx::query("UPDATE users SET display_name = '张伟' WHERE username = 'ce_holder'").execute(&t.app.db.pool).await.unwrap();

    // Bad input comes back with the field named and the text kept.
    let r = staff.post_form("/staff/certificates", &[("kind", "engineer_junior"), ("holder", "nobody_here"), ("title", "标准化工程师（初级）考试")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-holder\"") && r.text.contains("nobody_here") && r.text.contains("标准化工程师（初级）考试"), "{}", r.text);
    let r = staff.post_form("/staff/certificates", &[("kind", "engineer_junior"), ("holder", "ce_holder"), ("title", "x"), ("issued_on", "2026-05-01"), ("expires_on", "2026-04-01")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-expires_on\""), "{}", r.text);
    let r = staff.post_form("/staff/certificates", &[("kind", "party"), ("holder", "ce_holder"), ("title", "x")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // A paper exam: the default expiry is three years for a junior engineer.
    let today = biaozhun::util::fmt_date(biaozhun::util::now());
    let (id, number) = issue(&t, &staff, &[("kind", "engineer_junior"), ("holder", "ce_holder@example.com"), ("title", "标准化工程师（初级）")]).await;
    let year = &today[..4];
    assert!(number.starts_with(&format!("GZBA-{year}-000001-")), "{number}");
    assert_eq!(biaozhun::training::cert_store::parse_number(&number).as_deref(), Ok(number.as_str()));
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'certificate.issue'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(audited, 1);
    let (subject, _, _) = t.last_mail("ce_holder@example.com").await;
    assert!(subject.contains("证书已颁发"), "{subject}");

    // The public page by number: valid, the holder's name, nothing else personal.
    let page = visitor.get(&format!("/certificates/{number}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in ["有效", "张伟", "标准化工程师（初级）", &today] {
        assert!(page.text.contains(want), "{want} in {}", page.text);
    }
    assert!(!page.text.contains("ce_holder@example.com") && !page.text.contains("ce_holder"), "no account or e-mail shown");
    // The form tolerates spaces, lower case and missing hyphens, and goes to the page.
    let loose = number.to_lowercase().replace('-', " ");
    let r = visitor.get(&format!("/certificates/verify?number={}", urlencode(&format!(" {loose} ")))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), format!("/certificates/{number}"));
    // A typo is caught by the check character; an unknown number is said so.
    let mut typo: Vec<char> = number.chars().collect();
    typo[13] = if typo[13] == '9' { '8' } else { '9' };
    let typo: String = typo.into_iter().collect();
    let r = visitor.get(&format!("/certificates/verify?number={typo}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("校验位不符"), "{}", r.text);
    assert!(r.text.contains(&format!("value=\"{typo}\"")), "the typed number is kept");
    let unknown = biaozhun::training::cert_store::format_number(2026, 999_999);
    let r = visitor.get(&format!("/certificates/verify?number={unknown}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("没有编号为"), "{}", r.text);
    assert!(visitor.get("/certificates/verify?number=hello").await.text.contains("编号格式不对"));

    // The API.
    let api = visitor.get(&format!("/api/v1/certificates/{number}")).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.text);
    let j = api.json();
    assert_eq!((j["number"].as_str(), j["holder"].as_str(), j["status"].as_str()), (Some(number.as_str()), Some("张伟"), Some("valid")));
    assert_eq!(j["issued_on"], today.as_str());
    assert_eq!(j["title"], "标准化工程师（初级）");
    let expires = j["expires_on"].as_str().unwrap().to_string();
    assert_eq!(expires[..4].parse::<i32>().unwrap(), year.parse::<i32>().unwrap() + 3, "{expires}");
    assert_eq!(j.as_object().unwrap().len(), 6, "nothing else: {j}");
    assert_eq!(visitor.get(&format!("/api/v1/certificates/{}", loose.replace(' ', ""))).await.status, StatusCode::OK);
    assert_eq!(visitor.get(&format!("/api/v1/certificates/{unknown}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(visitor.get(&format!("/api/v1/certificates/{typo}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(visitor.get("/api/v1/certificates/nothing").await.status, StatusCode::NOT_FOUND);

    // The holder sees it on the hours page and prints it; others may not.
    let hours = holder.get("/training/hours").await.text;
    assert!(hours.contains(&number) && hours.contains(&format!("/training/certificates/{id}")), "{hours}");
    let sheet = holder.get(&format!("/training/certificates/{id}")).await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert!(sheet.text.contains("兹证明 张伟 通过「标准化工程师（初级）」考核") && sheet.text.contains("certificate-sheet") && sheet.text.contains(&format!("/certificates/{number}")));
    assert!(sheet.text.contains("class=\"cert-qr\"") && sheet.text.contains("<svg") && !sheet.text.contains("<?xml"), "a QR code drawn on the server");
    assert_eq!(other.get(&format!("/training/certificates/{id}")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(holder.post_form(&format!("/staff/certificates/{id}/revoke"), &[("reason", "x")]).await.status, StatusCode::FORBIDDEN);

    // A completion certificate linked to a session, with an expiry typed by hand, already past.
    let sid: i64 = sqlx::query_scalar("INSERT INTO training_sessions (title, starts_at, ends_at, location, status, created_at, updated_at) VALUES ('标准化法宣贯', 1, 2, '天河', 'finished', 1, 1) RETURNING id")
        .fetch_one(&t.app.db.pool).await.unwrap();
    let sid_s = sid.to_string();
    let r = staff.post_form("/staff/certificates", &[("kind", "completion"), ("holder", "ce_holder"), ("title", "宣贯结业"), ("session", "999999")]).await;
    assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.text.contains("id=\"err-session\""), "{}", r.text);
    assert!(staff.get(&format!("/training/{sid}")).await.text.contains(&format!("href=\"/staff/certificates?session={sid}\"")), "the session's page offers to issue");
    assert!(staff.get(&format!("/staff/certificates?session={sid}")).await.text.contains("value=\"标准化法宣贯\""), "the session's title is offered");
    let (old_id, old) = issue(&t, &staff, &[("kind", "completion"), ("holder", "ce_holder"), ("title", "宣贯结业"), ("issued_on", "2020-01-10"), ("expires_on", "2021-01-09"), ("session", &sid_s)]).await;
    let linked: Option<i64> = sqlx::query_scalar("SELECT session_id FROM training_certificates WHERE id = $1").bind(old_id).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(linked, Some(sid));
    assert!(old.starts_with("GZBA-2020-000001-"), "serials count per year: {old}");
    assert_eq!(visitor.get(&format!("/api/v1/certificates/{old}")).await.json()["status"], "expired");
    let page = visitor.get(&format!("/certificates/{old}")).await.text;
    assert!(page.contains("已过期") && page.contains("2021-01-09"), "{page}");

    // Revocation: a reason is required; the public sees the date and reason.
    let r = staff.post_form(&format!("/staff/certificates/{id}/revoke"), &[("reason", " ")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = staff.post_form(&format!("/staff/certificates/{id}/revoke"), &[("reason", "考试成绩复核不合格")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(staff.post_form(&format!("/staff/certificates/{id}/revoke"), &[("reason", "again")]).await.status, StatusCode::CONFLICT);
    assert_eq!(visitor.get(&format!("/api/v1/certificates/{number}")).await.json()["status"], "revoked");
    let page = visitor.get(&format!("/certificates/{number}")).await.text;
    assert!(page.contains("已撤销") && page.contains("考试成绩复核不合格") && page.contains(&today), "{page}");
    let audited: String = sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'certificate.revoke'").fetch_one(&t.app.db.pool).await.unwrap();
    assert!(audited.contains("考试成绩复核不合格"));
    // The staff list shows both.
    let list = staff.get("/staff/certificates").await.text;
    assert!(list.contains(&number) && list.contains(&old));
});

scenario!(expiry_reminders_go_out_once_at_60_and_7_days, |t: TestApp| async move {
    let staff = t.staff("cr_staff").await;
    let _holder = t.user("cr_holder").await;
    let day = 86400;
    let now = biaozhun::util::now();
    let date = |ts: i64| biaozhun::util::fmt_date(ts);
    let in50 = date(now + 50 * day);
    let in90 = date(now + 90 * day);
    let (a, _) = issue(&t, &staff, &[("kind", "supervisor"), ("holder", "cr_holder"), ("title", "监督员甲"), ("issued_on", "2024-01-01"), ("expires_on", &in50)]).await;
    issue(&t, &staff, &[("kind", "supervisor"), ("holder", "cr_holder"), ("title", "监督员乙"), ("issued_on", "2024-01-01"), ("expires_on", &in90)]).await;
    let (c, _) = issue(&t, &staff, &[("kind", "supervisor"), ("holder", "cr_holder"), ("title", "监督员丙"), ("issued_on", "2024-01-01"), ("expires_on", &in50)]).await;
    staff.post_form(&format!("/staff/certificates/{c}/revoke"), &[("reason", "作废")]).await;
    use biaozhun::training::cert_store::send_reminders;
    assert_eq!(send_reminders(&t.app).await.unwrap(), 1, "the one within 60 days, not the revoked one nor the later one");
    assert_eq!(send_reminders(&t.app).await.unwrap(), 0, "once");
    assert_eq!(mails_to(&t, "cr_holder@example.com", "证书即将到期%").await, 1);
    let (subject, body, _) = t.last_mail("cr_holder@example.com").await;
    assert!(subject.contains("监督员甲") && body.contains(&in50), "{subject} {body}");
    // Seven days before: the second reminder, once.
    sqlx::query("UPDATE training_certificates SET expires_on = $1 WHERE id = $2").bind(now + 5 * day).bind(a).execute(&t.app.db.pool).await.unwrap();
    assert_eq!(send_reminders(&t.app).await.unwrap(), 1);
    assert_eq!(send_reminders(&t.app).await.unwrap(), 0);
    assert_eq!(mails_to(&t, "cr_holder@example.com", "证书即将到期%").await, 2);
    // The job is registered hourly and runs through the queue.
    t.run_jobs().await;
    assert_eq!(mails_to(&t, "cr_holder@example.com", "证书即将到期%").await, 2);
});

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'-' { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

// Guessing numbers draws on the search budget: the API and the page both run out.
scenario!(verification_is_rate_limited_as_a_search, |t: TestApp| async move {
    let limit = t.app.config.rate_limit.search_per_minute as usize;
    let c = t.client_from("203.0.113.88");
    let started = std::time::Instant::now();
    let mut n = 0i64;
    loop {
        let guess = biaozhun::training::cert_store::format_number(2026, n + 1);
        let r = c.get(&format!("/api/v1/certificates/{guess}")).await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        n += 1;
        let refill = (started.elapsed().as_secs_f64() * limit as f64 / 60.0).ceil() as usize;
        assert!(n as usize <= limit + refill, "never throttled ({n} answered)");
    }
    assert!(n as usize >= limit, "throttled early: {n}");
    assert_eq!(c.get("/certificates/GZBA-2026-000001-X").await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(c.get("/certificates/verify?number=GZBA-2026-000001-X").await.status, StatusCode::TOO_MANY_REQUESTS);
});
