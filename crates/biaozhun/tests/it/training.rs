//! The training room through HTTP: staff make and publish sessions (forms and API), the
//! public list, page, home box and calendars; enrolment with capacity and a waiting list
//! that moves up by itself, the cancellation deadline, mails, the roster and its export,
//! two people taking the last seat at once, and an organisation enrolling its users.

use crate::scenario;
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

/// A local `YYYY-MM-DDTHH:MM` `days` from now (forms take Beijing time).
fn local_in(days: i64) -> String {
    biaozhun::training::model::local_input(biaozhun::util::now() + days * 86400)
}

/// Staff create and publish a session through the API; answers its id.
async fn published(staff: &Client, title: &str, capacity: Option<i64>, extra: serde_json::Value) -> i64 {
    let mut body = json!({
        "title": title, "kind": "promotion", "starts_at": local_in(10), "ends_at": local_in(11),
        "location": "广州市天河区体育东路 1 号", "capacity": capacity, "hours": 8, "publish": true,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = staff.api(Method::POST, "/api/v1/trainings", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

scenario!(staff_make_a_session_and_the_public_sees_it_once_published, |t: TestApp| async move {
    let staff = t.staff("tr_staff").await;
    let visitor = t.client();
    // A form with an end before its start comes back with the field named and the text kept.
    let form = [("title", "《标准化工作导则》宣贯会"), ("kind", "promotion"), ("starts_at", "2031-03-02T09:00"), ("ends_at", "2031-03-02T08:00"),
        ("location", "天河区"), ("capacity", "30"), ("fee", "800"), ("teachers", "王老师"), ("hours", "6"), ("cancel_until", ""), ("summary", "标准的结构和起草规则")];
    let r = staff.post_form("/staff/trainings", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("id=\"err-ends_at\"") && r.text.contains("《标准化工作导则》宣贯会"), "{}", r.text);
    let mut form = form;
    form[3] = ("ends_at", "2031-03-02T17:00");
    let r = staff.post_form("/staff/trainings", &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id: i64 = r.location().trim_start_matches("/training/").parse().unwrap();
    // A draft is the staff's alone.
    assert_eq!(visitor.get(&format!("/training/{id}")).await.status, StatusCode::NOT_FOUND);
    assert!(!visitor.get("/training").await.text.contains("《标准化工作导则》宣贯会"));
    assert_eq!(visitor.get("/api/v1/trainings").await.json()["items"].as_array().unwrap().len(), 0);
    assert_eq!(visitor.get(&format!("/api/v1/trainings/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(staff.get(&format!("/api/v1/trainings/{id}")).await.json()["status"], "draft");
    // Publishing takes the version read; a stale one is refused.
    let r = staff.post_form(&format!("/staff/trainings/{id}/step"), &[("action", "publish"), ("version", "7")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = staff.post_form(&format!("/staff/trainings/{id}/step"), &[("action", "publish"), ("version", "0")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = visitor.get(&format!("/training/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    for want in ["《标准化工作导则》宣贯会", "标准宣贯", "2031-03-02 09:00", "天河区", "王老师", "800.00 元", "6 学时", "已报名 0 人（共 30 个名额）", "登录后报名"] {
        assert!(page.text.contains(want), "{want} in {}", page.text);
    }
    // The list, its filters, the home box and the API.
    assert!(visitor.get("/training?kind=promotion").await.text.contains("《标准化工作导则》宣贯会"));
    assert!(!visitor.get("/training?kind=engineer").await.text.contains("《标准化工作导则》宣贯会"));
    assert!(!visitor.get("/training?when=past").await.text.contains("《标准化工作导则》宣贯会"));
    t.app.cache.clear();
    assert!(visitor.get("/").await.text.contains(&format!("<a href=\"/training/{id}\">《标准化工作导则》宣贯会</a>")));
    let api = visitor.get("/api/v1/trainings").await.json();
    let item = &api["items"][0];
    assert_eq!(item["id"], id);
    assert_eq!(item["kind"], "promotion");
    assert_eq!(item["starts_at"], "2031-03-02T01:00:00Z", "RFC 3339 in UTC");
    assert_eq!(item["ends_at"], "2031-03-02T09:00:00Z");
    assert_eq!((item["capacity"].as_i64(), item["enrolled"].as_i64(), item["waiting"].as_i64(), item["hours"].as_i64()), (Some(30), Some(0), Some(0), Some(6)));
    assert_eq!(item["status"], "published");
    assert_eq!(item["location"], "天河区");
    assert_eq!(visitor.get("/api/v1/trainings?kind=party").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Calendars: the session alone, and the feed of all.
    let ics = visitor.get(&format!("/training/{id}/calendar.ics")).await;
    assert!(ics.headers["content-type"].to_str().unwrap().starts_with("text/calendar"));
    assert!(ics.text.contains("DTSTART:20310302T010000Z\r\n") && ics.text.contains("DTEND:20310302T090000Z\r\n") && ics.text.contains("LOCATION:天河区"), "{}", ics.text);
    assert!(visitor.get("/training/calendar.ics").await.text.contains(&format!("UID:training-{id}@")));
    // Editing over a stale version keeps the text and says so; the right one saves.
    let mut edit = form.to_vec();
    edit[0] = ("title", "《标准化工作导则》宣贯会（第二期）");
    edit.push(("version", "0"));
    let r = staff.post_form(&format!("/staff/trainings/{id}"), &edit).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("第二期"));
    edit.pop();
    edit.push(("version", "1"));
    assert_eq!(staff.post_form(&format!("/staff/trainings/{id}"), &edit).await.status, StatusCode::SEE_OTHER);
    // Staff see the history on the page; visitors do not.
    let page = staff.get(&format!("/training/{id}")).await.text;
    assert!(page.contains("第二期") && page.contains("发布") && page.contains("状态记录"));
    assert!(!visitor.get(&format!("/training/{id}")).await.text.contains("状态记录"));
    // The API creates for staff only, with the same checks.
    let user = t.user("tr_user").await;
    let body = json!({"title": "x", "kind": "engineer", "starts_at": "2031-01-01T09:00:00+08:00", "ends_at": "2031-01-01T17:00:00+08:00", "location": "y"});
    assert_eq!(user.api(Method::POST, "/api/v1/trainings", Some(body.clone())).await.status, StatusCode::FORBIDDEN);
    let mut bad = body.clone();
    bad["online_url"] = json!("javascript:alert(1)");
    let r = staff.api(Method::POST, "/api/v1/trainings", Some(bad)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "online_url");
    // JSON types its numbers: a capacity written as text is refused, not guessed.
    let mut text = body.clone();
    text["capacity"] = json!("30");
    assert!(staff.api(Method::POST, "/api/v1/trainings", Some(text)).await.status.is_client_error());
    let r = staff.api(Method::POST, "/api/v1/trainings", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(r.json()["status"], "draft");
    assert_eq!(r.json()["starts_at"], "2031-01-01T01:00:00Z");
});

scenario!(a_full_session_keeps_a_waiting_list_that_moves_up_by_itself, |t: TestApp| async move {
    let staff = t.staff("wl_staff").await;
    let id = published(&staff, "标准化工程师培训（一期）", Some(1), json!({"kind": "engineer"})).await;
    let a = t.user("wl_a").await;
    let b = t.user("wl_b").await;
    let c = t.user("wl_c").await;
    let enrol = |who: &Client| {
        let who = who.clone();
        async move { who.api(Method::POST, &format!("/api/v1/trainings/{id}/enrolments"), None).await }
    };
    let r = enrol(&a).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json(), json!({"status": "enrolled"}));
    assert!(t.last_mail("wl_a@example.com").await.0.contains("报名成功"));
    assert_eq!(enrol(&b).await.json(), json!({"status": "waitlisted", "position": 1}));
    assert_eq!(enrol(&c).await.json(), json!({"status": "waitlisted", "position": 2}));
    assert!(t.last_mail("wl_c@example.com").await.1.contains("第 2 位"));
    // Asking again answers the place held.
    assert_eq!(enrol(&c).await.json(), json!({"status": "waitlisted", "position": 2}));
    let item = &t.client().get("/api/v1/trainings").await.json()["items"][0];
    assert_eq!((item["enrolled"].as_i64(), item["waiting"].as_i64()), (Some(1), Some(2)));
    // The page shows each their place.
    assert!(a.get(&format!("/training/{id}")).await.text.contains("已报名"));
    assert!(c.get(&format!("/training/{id}")).await.text.contains("候补第 2 位"));
    // A cancels: B has the seat at once, is told by mail, and C moves to first in line.
    let r = a.api(Method::DELETE, &format!("/api/v1/trainings/{id}/enrolments/me"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let (subject, body, link) = t.last_mail("wl_b@example.com").await;
    assert!(subject.contains("候补转正") && body.contains("标准化工程师培训（一期）"), "{subject} {body}");
    assert_eq!(link.as_deref(), Some(format!("/training/{id}").as_str()));
    assert!(b.get(&format!("/training/{id}")).await.text.contains("id=\"my-place\">已报名"));
    assert!(c.get(&format!("/training/{id}")).await.text.contains("候补第 1 位"));
    // Each step is in the workflow's event log: the move up is the platform's, with no actor.
    let steps: Vec<(String, String, String, Option<i64>)> = sqlx::query_as(
        "SELECT e.action, e.from_state, e.to_state, e.actor_id FROM workflow_events e JOIN training_enrolments r ON r.id = e.record_id \
         WHERE e.kind = 'training_enrolment' AND r.user_id = $1 ORDER BY e.id",
    )
    .bind(t.user_id("wl_b").await)
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    let b_id = t.user_id("wl_b").await;
    assert_eq!(steps, vec![("waitlist".into(), "".into(), "waitlisted".into(), Some(b_id)), ("promote".into(), "waitlisted".into(), "enrolled".into(), None)]);
    assert_eq!(a.api(Method::DELETE, &format!("/api/v1/trainings/{id}/enrolments/me"), None).await.status, StatusCode::NOT_FOUND);
    // A comes back at the end of the line.
    assert_eq!(enrol(&a).await.json(), json!({"status": "waitlisted", "position": 2}));
    // The mails go through the jobs outbox.
    assert!(t.count("SELECT COUNT(*) FROM jobs WHERE kind = 'send_mail'").await >= 5);
    // Roster and export for staff, nobody else.
    let roster = staff.get(&format!("/training/{id}/roster")).await;
    assert_eq!(roster.status, StatusCode::OK);
    let (pb, pc, pa) = (roster.text.find("wl_b@").unwrap(), roster.text.find("wl_c@").unwrap(), roster.text.find("wl_a@").unwrap());
    assert!(pb < pc && pc < pa, "enrolled, then the waiting list in order");
    assert_eq!(b.get(&format!("/training/{id}/roster")).await.status, StatusCode::FORBIDDEN);
    let x = staff.http.get(staff.url(&format!("/training/{id}/roster.xlsx"))).send().await.unwrap();
    assert_eq!(x.status(), StatusCode::OK);
    assert!(x.headers()["content-disposition"].to_str().unwrap().contains("attachment"));
    let bytes = x.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX (zip) file");
    // More seats move the line up at once.
    let s = t.client().get("/api/v1/trainings").await.json()["items"][0].clone();
    let version: i64 = sqlx::query_scalar("SELECT version FROM training_sessions WHERE id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    let starts = biaozhun::training::model::local_input(biaozhun::util::now() + 10 * 86400);
    let ends = biaozhun::training::model::local_input(biaozhun::util::now() + 11 * 86400);
    let r = staff.post_form(&format!("/staff/trainings/{id}"), &[("title", s["title"].as_str().unwrap()), ("kind", "engineer"), ("starts_at", &starts), ("ends_at", &ends),
        ("location", "天河区"), ("capacity", "3"), ("version", &version.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(t.last_mail("wl_c@example.com").await.0.contains("候补转正"));
    let item = &t.client().get("/api/v1/trainings").await.json()["items"][0];
    assert_eq!((item["enrolled"].as_i64(), item["waiting"].as_i64()), (Some(3), Some(0)));
    // Cancelling the session tells everyone who holds a place.
    let version: i64 = sqlx::query_scalar("SELECT version FROM training_sessions WHERE id = $1").bind(id).fetch_one(&t.app.db.pool).await.unwrap();
    let r = staff.post_form(&format!("/staff/trainings/{id}/step"), &[("action", "cancel"), ("version", &version.to_string()), ("note", "场地检修")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let (subject, body, _) = t.last_mail("wl_a@example.com").await;
    assert!(subject.contains("培训取消") && body.contains("场地检修"));
    assert_eq!(enrol(&t.user("wl_d").await).await.status, StatusCode::CONFLICT);
});

scenario!(enrolled_people_cancel_only_until_the_deadline, |t: TestApp| async move {
    let staff = t.staff("dl_staff").await;
    // The deadline has passed, the session is still to come.
    let id = published(&staff, "继续教育：标准化法解读", None, json!({"kind": "continuing", "cancel_until": local_in(-1), "starts_at": local_in(2), "ends_at": local_in(3)})).await;
    let u = t.user("dl_user").await;
    let r = u.post_form(&format!("/training/{id}/enrol"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = u.get(&format!("/training/{id}")).await.text;
    assert!(page.contains("已报名") && page.contains("已过取消报名截止时间"), "{page}");
    let r = u.api(Method::DELETE, &format!("/api/v1/trainings/{id}/enrolments/me"), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("截止"));
    assert_eq!(u.post_form(&format!("/training/{id}/cancel"), &[]).await.status, StatusCode::CONFLICT);
    // Staff may still take the person off the roster; they are told, and the seat counts drop.
    let uid = t.user_id("dl_user").await.to_string();
    assert_eq!(u.post_form(&format!("/staff/trainings/{id}/remove"), &[("user", &uid)]).await.status, StatusCode::FORBIDDEN);
    let r = staff.post_form(&format!("/staff/trainings/{id}/remove"), &[("user", &uid)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(t.last_mail("dl_user@example.com").await.0.contains("报名已取消"));
    let one = t.client().get(&format!("/api/v1/trainings/{id}")).await.json();
    assert_eq!((one["id"].as_i64(), one["enrolled"].as_i64()), (Some(id), Some(0)));
    // A deadline after the start is refused when the session is made.
    let r = staff.api(Method::POST, "/api/v1/trainings", Some(json!({"title": "x", "kind": "continuing", "starts_at": local_in(2), "ends_at": local_in(3), "location": "y", "cancel_until": local_in(4)}))).await;
    assert_eq!(r.json()["error"]["field"], "cancel_until");
    // Visitors are sent to log in; the English page speaks English.
    let v = t.client();
    assert_eq!(v.api(Method::POST, &format!("/api/v1/trainings/{id}/enrolments"), None).await.status, StatusCode::UNAUTHORIZED);
    v.get("/lang/en").await;
    assert!(v.get(&format!("/training/{id}")).await.text.contains("Log in to enrol"));
});

scenario!(two_people_taking_the_last_seat_at_once_get_one_seat_and_one_place_in_line, |t: TestApp| async move {
    let staff = t.staff("race_staff").await;
    let id = published(&staff, "实施监督员培训", Some(2), json!({"kind": "supervisor"})).await;
    let first = t.user("race_0").await;
    assert_eq!(first.api(Method::POST, &format!("/api/v1/trainings/{id}/enrolments"), None).await.json()["status"], "enrolled");
    let mut people = Vec::new();
    for i in 1..=6 {
        people.push(t.user(&format!("race_{i}")).await);
    }
    let path = format!("/api/v1/trainings/{id}/enrolments");
    let answers = futures_util::future::join_all(people.iter().map(|p| p.api(Method::POST, &path, None))).await;
    let mut enrolled = 0;
    let mut positions = Vec::new();
    for r in &answers {
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let j = r.json();
        match j["status"].as_str().unwrap() {
            "enrolled" => enrolled += 1,
            "waitlisted" => positions.push(j["position"].as_i64().unwrap()),
            s => panic!("{s}"),
        }
    }
    assert_eq!(enrolled, 1, "exactly one takes the last seat");
    positions.sort_unstable();
    assert_eq!(positions, vec![1, 2, 3, 4, 5], "each waits in a place of their own");
    assert_eq!(t.count("SELECT COUNT(*) FROM training_enrolments WHERE status = 'enrolled'").await, 2);
});

scenario!(an_organisation_administrator_enrols_the_organisations_users, |t: TestApp| async move {
    let staff = t.staff("org_tr_staff").await;
    let id = published(&staff, "企业标准化专员培训", Some(10), json!({})).await;
    let org = t.org_with_admin("org_tr_admin", "广州某某科技有限公司", "91440101MA59UW4B8H").await;
    t.org_member(&org, "org_tr_worker").await;
    let outsider = t.user("org_tr_outsider").await;
    let worker = t.user_id("org_tr_worker").await;
    let page = org.admin.get(&format!("/training/{id}")).await.text;
    assert!(page.contains(&format!("/training/{id}/org")), "the administrator is offered the organisation's enrolment");
    let form = org.admin.get(&format!("/training/{id}/org")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text.contains("org_tr_worker"));
    // Nobody ticked: the form says so.
    assert_eq!(org.admin.post_form(&format!("/training/{id}/org"), &[]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Someone outside the organisation cannot be enrolled by it.
    let outsider_id = t.user_id("org_tr_outsider").await;
    assert_eq!(org.admin.post_form(&format!("/training/{id}/org"), &[(&format!("u{outsider_id}"), "1")]).await.status, StatusCode::FORBIDDEN);
    let r = org.admin.post_form(&format!("/training/{id}/org"), &[(&format!("u{worker}"), "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(t.last_mail("org_tr_worker@example.com").await.0.contains("报名成功"));
    let roster = staff.get(&format!("/training/{id}/roster")).await.text;
    assert!(roster.contains("org_tr_worker") && roster.contains("广州某某科技有限公司"));
    // Enrolling people who hold a place already changes nothing; a closed session refuses all.
    let r = org.admin.post_form(&format!("/training/{id}/org"), &[(&format!("u{worker}"), "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.count("SELECT COUNT(*) FROM training_enrolments").await, 1);
    // Or a list: the organisation's people named in it are enrolled, the other lines listed.
    t.org_member(&org, "org_tr_second").await;
    let csv = "账号,备注\norg_tr_second@example.com,第二位\norg_tr_outsider,外单位\norg_tr_worker,已报名\n";
    let csrf = org.admin.csrf().await;
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("名单.csv");
    let r = org.admin.http.post(org.admin.url(&format!("/training/{id}/org/list?_csrf={csrf}"))).multipart(reqwest::multipart::Form::new().part("file", part)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(page.contains("已报名 2 人，进入候补 0 人") && page.contains("第 3 行: org_tr_outsider,外单位"), "{page}");
    assert_eq!(t.count("SELECT COUNT(*) FROM training_enrolments WHERE status = 'enrolled'").await, 2);
    assert!(t.last_mail("org_tr_second@example.com").await.0.contains("报名成功"));
    // A user who administers no organisation is refused.
    assert_eq!(outsider.get(&format!("/training/{id}/org")).await.status, StatusCode::FORBIDDEN);
    let page = outsider.get("/training/org-hours").await;
    assert!(page.status == StatusCode::OK && page.text.contains("id=\"not-admin\"") && !page.text.contains("org_tr_worker"), "{}", page.text);
    // The administrator sees the hours of the organisation's people, by year.
    let year = biaozhun::util::to_local(biaozhun::util::now()).year();
    sqlx::query("INSERT INTO training_hours (user_id, session_id, year, hours, title, credited_at) VALUES ($1, $2, $3, 6, 'x', 0)")
        .bind(worker).bind(id).bind(year as i64).execute(&t.app.db.pool).await.unwrap();
    let totals = org.admin.get("/training/org-hours").await;
    assert_eq!(totals.status, StatusCode::OK);
    assert!(totals.text.contains("<td>org_tr_worker</td><td>org_tr_worker@example.com</td><td>1</td><td>6</td>"), "{}", totals.text);
    assert!(!org.admin.get(&format!("/training/org-hours?year={}", year - 1)).await.text.contains("<td>6</td>"));
});

scenario!(the_command_line_creates_ordinary_confirmed_accounts, |t: TestApp| async move {
    let (ok, _, err) = t.cli(&["user", "create", "trainee_1", "--email", "trainee1@example.org"], PASSWORD);
    assert!(ok, "{err}");
    let c = t.client();
    assert_eq!(c.login("trainee_1", PASSWORD).await.status, StatusCode::SEE_OTHER, "confirmed: logs in at once");
    let me = c.api(Method::GET, "/api/v1/me", None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(me.json()["roles"], json!([]), "{}", me.text);
    assert_eq!(c.get("/staff").await.status, StatusCode::FORBIDDEN);
    let audit: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'user.create' AND actor_name = 'command line'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(audit, 1);
});

scenario!(attendance_credits_hours_to_a_ledger_by_year_and_the_day_before_brings_a_reminder, |t: TestApp| async move {
    let staff = t.staff("at_staff").await;
    let now = biaozhun::util::now();
    let soon = |secs: i64| biaozhun::training::model::local_input(now + secs);
    let id = published(&staff, "标准化法继续教育", Some(1), json!({"kind": "continuing", "starts_at": soon(2 * 3600), "ends_at": soon(5 * 3600), "hours": 4})).await;
    let later = published(&staff, "下月的宣贯会", None, json!({})).await;
    let a = t.user("at_a").await;
    let b = t.user("at_b").await;
    for s in [id, later] {
        assert_eq!(a.api(Method::POST, &format!("/api/v1/trainings/{s}/enrolments"), None).await.status, StatusCode::OK);
    }
    assert_eq!(b.api(Method::POST, &format!("/api/v1/trainings/{id}/enrolments"), None).await.json()["status"], "waitlisted");
    let (a_id, b_id) = (t.user_id("at_a").await, t.user_id("at_b").await);
    // The day before: one reminder to the enrolled person of the session that is near, once.
    assert_eq!(biaozhun::training::attendance::send_reminders(&t.app).await.unwrap(), 1);
    let (subject, body, _) = t.last_mail("at_a@example.com").await;
    assert!(subject.contains("明天开课") && body.contains("标准化法继续教育"), "{subject}");
    assert_eq!(biaozhun::training::attendance::send_reminders(&t.app).await.unwrap(), 0);
    // Check-in from the roster credits the session's hours; a waiting person cannot be checked
    // in, nor anyone in a session that is days away.
    let roster = staff.get(&format!("/training/{id}/roster")).await.text;
    assert!(roster.contains("aria-label=\"签到 at_a\""), "{roster}");
    let r = staff.post_form(&format!("/training/{id}/attendance"), &[("user", &a_id.to_string()), ("present", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(staff.get(&format!("/training/{id}/roster")).await.text.contains("已签到"));
    assert_eq!(staff.post_form(&format!("/training/{id}/attendance"), &[("user", &b_id.to_string()), ("present", "1")]).await.status, StatusCode::CONFLICT);
    let r = staff.api(Method::POST, &format!("/api/v1/trainings/{later}/attendance"), Some(json!({"user_id": a_id, "present": true}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // Checking in twice credits once.
    assert_eq!(staff.api(Method::POST, &format!("/api/v1/trainings/{id}/attendance"), Some(json!({"user_id": a_id, "present": true}))).await.status, StatusCode::NO_CONTENT);
    let year = biaozhun::util::to_local(now + 2 * 3600).year() as i64;
    let hours = a.api(Method::GET, "/api/v1/me/training-hours", None).await.json();
    assert_eq!(hours["years"][0]["year"], year);
    assert_eq!(hours["years"][0]["total"], 4);
    assert_eq!(hours["years"][0]["entries"].as_array().unwrap().len(), 1);
    let page = a.get("/training/hours").await.text;
    assert!(page.contains(&format!("{year} 年：共 4 学时")) && page.contains("标准化法继续教育"), "{page}");
    assert!(staff.get(&format!("/staff/trainings/hours/{a_id}")).await.text.contains(&format!("{year} 年：共 4 学时")));
    assert_eq!(b.get(&format!("/staff/trainings/hours/{a_id}")).await.status, StatusCode::FORBIDDEN);
    assert!(b.get("/training/hours").await.text.contains("还没有计入的学时"));
    // The staff queue names the sessions starting soon.
    let queue = staff.get("/staff").await.text;
    assert!(queue.contains("14 天内开课的培训"), "{queue}");
    // Undoing the check-in takes the hours back.
    staff.post_form(&format!("/training/{id}/attendance"), &[("user", &a_id.to_string()), ("present", "0")]).await;
    assert_eq!(a.api(Method::GET, "/api/v1/me/training-hours", None).await.json()["years"], json!([]));
});

scenario!(a_sessions_teacher_keeps_its_roster_and_no_other, |t: TestApp| async move {
    let staff = t.staff("te_staff").await;
    let now = biaozhun::util::now();
    let soon = |secs: i64| biaozhun::training::model::local_input(now + secs);
    let mine = published(&staff, "标准起草实务", None, json!({"starts_at": soon(3600), "ends_at": soon(4 * 3600), "hours": 3})).await;
    let other = published(&staff, "另一期培训", None, json!({})).await;
    let teacher = t.user("te_teacher").await;
    let trainee = t.user("te_trainee").await;
    assert_eq!(trainee.api(Method::POST, &format!("/api/v1/trainings/{mine}/enrolments"), None).await.status, StatusCode::OK);
    // Before the assignment the teacher is refused like anyone.
    assert_eq!(teacher.get(&format!("/training/{mine}/roster")).await.status, StatusCode::FORBIDDEN);
    // Staff name the teacher by account; unknown accounts are refused by name.
    let r = staff.post_form(&format!("/staff/trainings/{mine}/teachers"), &[("username", "nobody_here")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = staff.post_form(&format!("/staff/trainings/{mine}/teachers"), &[("username", "te_teacher")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(t.last_mail("te_teacher@example.com").await.0.contains("授课安排"));
    assert!(staff.get(&format!("/training/{mine}")).await.text.contains("te_teacher"));
    // The teacher sees the roster of this session, exports it and checks people in.
    let page = teacher.get(&format!("/training/{mine}")).await.text;
    assert!(page.contains(&format!("href=\"/training/{mine}/roster\"")));
    let roster = teacher.get(&format!("/training/{mine}/roster")).await;
    assert_eq!(roster.status, StatusCode::OK);
    assert!(roster.text.contains("te_trainee") && !roster.text.contains("/staff/trainings/hours/"), "no staff links for a teacher");
    assert_eq!(teacher.http.get(teacher.url(&format!("/training/{mine}/roster.xlsx"))).send().await.unwrap().status(), StatusCode::OK);
    let trainee_id = t.user_id("te_trainee").await;
    let r = teacher.api(Method::POST, &format!("/api/v1/trainings/{mine}/attendance"), Some(json!({"user_id": trainee_id, "present": true}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(trainee.api(Method::GET, "/api/v1/me/training-hours", None).await.json()["years"][0]["total"], 3);
    // No other session, and nothing of staff.
    assert_eq!(teacher.get(&format!("/training/{other}/roster")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(teacher.api(Method::POST, &format!("/api/v1/trainings/{other}/attendance"), Some(json!({"user_id": trainee_id, "present": true}))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(teacher.get(&format!("/staff/trainings/{mine}/edit")).await.status, StatusCode::FORBIDDEN);
    assert_eq!(trainee.get(&format!("/training/{mine}/roster")).await.status, StatusCode::FORBIDDEN);
    // Taking the assignment back ends the access.
    let r = staff.post_form(&format!("/staff/trainings/{mine}/teachers/remove"), &[("username", "te_teacher")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(teacher.get(&format!("/training/{mine}/roster")).await.status, StatusCode::FORBIDDEN);
});
