//! Examinations through HTTP on both databases: a question bank imported from a workbook with
//! bad rows (and again, without duplicates), exams drawn by rules with a draw that stays put
//! across reloads and tabs, answers saved as they go (the newer save winning), the server's
//! clock deciding the deadline (attempts moved in time through the database), marking,
//! retakes, the teacher's marking queue and statistics, the certificate a pass earns, and
//! who may do what.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::scopes::ScopedRole;
use biaozhun::training::policy::session_scope;
use reqwest::{Method, StatusCode};
use serde_json::json;

fn local_in(secs: i64) -> String {
    biaozhun::training::model::local_input(biaozhun::util::now() + secs)
}

/// A published session starting in `starts_in` seconds; answers its id.
pub async fn session(staff: &Client, title: &str, starts_in: i64) -> i64 {
    let body = json!({ "title": title, "kind": "engineer", "starts_at": local_in(starts_in), "ends_at": local_in(starts_in + 8 * 3600),
        "location": "广州", "hours": 8, "publish": true });
    let r = staff.api(Method::POST, "/api/v1/trainings", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

/// The rows of the bank used by most scenarios: 4 single, 3 multiple, 3 true/false, 2 short.
pub fn bank_rows() -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for i in 1..=4 {
        rows.push(vec!["单选题".into(), format!("单选第{i}题：标准的代号？"), "GB".into(), "ISO".into(), "IEC".into(), "ITU".into(), "B".into(), "2".into(), "标准化法".into(), "".into()]);
    }
    for i in 1..=3 {
        rows.push(vec!["多选题".into(), format!("多选第{i}题：哪些是国际组织？"), "GB".into(), "ISO".into(), "IEC".into(), "".into(), "B,C".into(), "3".into(), "国际".into(), "".into()]);
    }
    for i in 1..=3 {
        rows.push(vec!["判断题".into(), format!("判断第{i}题：团体标准自愿采用。"), "".into(), "".into(), "".into(), "".into(), "√".into(), "1".into(), "团体标准".into(), "".into()]);
    }
    for i in 1..=2 {
        rows.push(vec!["简答题".into(), format!("简答第{i}题：简述标准化的作用。"), "".into(), "".into(), "".into(), "".into(), "提高质量".into(), "5".into(), "".into(), "".into()]);
    }
    rows
}

pub const HEAD: [&str; 10] = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "分值", "知识点", "解析"];

pub async fn upload(c: &Client, path: &str, name: &str, data: Vec<u8>) -> Resp {
    let csrf = c.csrf().await;
    let part = reqwest::multipart::Part::bytes(data).file_name(name.to_string());
    let r = c.http.post(c.url(&format!("{path}?_csrf={csrf}"))).multipart(reqwest::multipart::Form::new().part("file", part)).send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    Resp { status, text: r.text().await.unwrap(), headers }
}

/// Staff make a bank from `rows`; answers its id.
pub async fn bank(staff: &Client, rows: &[Vec<String>]) -> i64 {
    let r = staff.post_form("/training/exam-banks", &[("title", "标准化工程师题库")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id: i64 = r.location().trim_start_matches("/training/exam-banks/").parse().unwrap();
    let data = biaozhun::web::download::xlsx(&HEAD, rows).unwrap();
    let r = upload(staff, &format!("/training/exam-banks/{id}/import"), "题库.xlsx", data).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    id
}

/// An exam of `session` from `bank`, open now for an hour.
pub async fn exam(staff: &Client, session: i64, bank: i64, rules: &str, extra: serde_json::Value) -> i64 {
    let mut body = json!({ "session": session.to_string(), "bank": bank.to_string(), "title": "初级标准化工程师考试", "rules": rules,
        "minutes": "30", "pass_mark": "6", "max_attempts": "2", "opens_at": local_in(-60), "closes_at": local_in(3600), "cert_kind": "engineer_junior" });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = staff.api(Method::POST, "/api/v1/exams", Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

/// The right answer of a question, in the form the API takes.
pub async fn right_answer(t: &TestApp, question: i64) -> String {
    sqlx::query_scalar("SELECT answer FROM exam_questions WHERE id = $1").bind(question).fetch_one(&t.app.db.pool).await.unwrap()
}

scenario!(a_bank_is_imported_with_its_bad_rows_reported_and_again_without_duplicates, |t: TestApp| async move {
    let staff = t.staff("ex_bank_staff").await;
    let mut rows = bank_rows();
    rows.push(vec!["填空题".into(), "什么？".into(), "".into(), "".into(), "".into(), "".into(), "x".into(), "1".into(), "".into(), "".into()]);
    rows.push(vec!["单选题".into(), "答案越界的题".into(), "甲".into(), "乙".into(), "".into(), "".into(), "D".into(), "1".into(), "".into(), "".into()]);
    rows.push(vec!["多选题".into(), "分值不对的题".into(), "甲".into(), "乙".into(), "".into(), "".into(), "AB".into(), "两分".into(), "".into(), "".into()]);
    let r = staff.post_form("/training/exam-banks", &[("title", "题库")]).await;
    let id: i64 = r.location().trim_start_matches("/training/exam-banks/").parse().unwrap();
    let path = format!("/training/exam-banks/{id}/import");
    let r = upload(&staff, &path, "bank.xlsx", biaozhun::web::download::xlsx(&HEAD, &rows).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("新增 12 道，更新 0 道，未变 0 道，未导入 3 行。"), "{}", r.text);
    // Each bad row with its line, its column and the reason.
    for want in ["<td>14</td><td>题型</td><td>题型“填空题”不认识", "<td>15</td><td>答案</td><td>答案“D”超出了选项（只有 2 个选项）", "<td>16</td><td>分值</td><td>分值“两分”应为 1–100 的整数"] {
        assert!(r.text.contains(want), "{want} in {}", r.text);
    }
    assert_eq!(t.count("SELECT COUNT(*) FROM exam_questions").await, 12);
    // Again: nothing added; a changed row is updated in place.
    let r = upload(&staff, &path, "bank.xlsx", biaozhun::web::download::xlsx(&HEAD, &rows).unwrap()).await;
    assert!(r.text.contains("新增 0 道，更新 0 道，未变 12 道"), "{}", r.text);
    rows[0][6] = "C".into();
    let r = upload(&staff, &path, "bank.csv", {
        let mut csv = HEAD.join(",") + "\n";
        for row in &rows[..1] {
            csv += &(row.join(",") + "\n");
        }
        csv.into_bytes()
    })
    .await;
    assert!(r.text.contains("新增 0 道，更新 1 道，未变 0 道"), "{}", r.text);
    assert_eq!(t.count("SELECT COUNT(*) FROM exam_questions").await, 12);
    let key: String = sqlx::query_scalar("SELECT answer FROM exam_questions WHERE body = '单选第1题：标准的代号？'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(key, "2");
    // A file with no usable heading is refused with the reason; in English too.
    let r = upload(&staff, &path, "x.csv", b"a,b\n1,2\n".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("表头中找不到"), "{}", r.text);
    // Edited online: the version guards against a second editor.
    let qid: i64 = sqlx::query_scalar("SELECT id FROM exam_questions WHERE body = '单选第2题：标准的代号？'").fetch_one(&t.app.db.pool).await.unwrap();
    let page = staff.get(&format!("/training/exam-questions/{qid}")).await;
    assert!(page.status == StatusCode::OK && page.text.contains("单选第2题"), "{}", page.text);
    let form = [("kind", "single"), ("body", "单选第2题：标准的代号？"), ("a", "GB"), ("b", "ISO"), ("c", "IEC"), ("answer", "a"), ("points", "4"), ("version", "0")];
    assert_eq!(staff.post_form(&format!("/training/exam-questions/{qid}"), &form).await.status, StatusCode::SEE_OTHER);
    assert_eq!(staff.post_form(&format!("/training/exam-questions/{qid}"), &form).await.status, StatusCode::CONFLICT, "a stale version");
    let bad = [("kind", "single"), ("body", "新题"), ("a", "甲"), ("answer", "A"), ("points", "1")];
    let r = staff.post_form(&format!("/training/exam-banks/{id}/questions"), &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("选择题至少两个选项") && r.text.contains("新题"), "the form comes back with the text kept");
});

scenario!(a_candidate_takes_an_exam_across_reloads_and_tabs_and_earns_a_certificate, |t: TestApp| async move {
    let staff = t.staff("ex_staff").await;
    let sid = session(&staff, "标准化工程师培训", 5 * 86400).await;
    let bid = bank(&staff, &bank_rows()).await;
    let eid = exam(&staff, sid, bid, "single 3 2\nmultiple 1 3 国际\ntruefalse 2 1", json!({})).await;
    let cand = t.user("ex_cand").await;
    // Not enrolled: not admitted; the page says who may sit.
    assert_eq!(cand.api(Method::POST, &format!("/api/v1/exams/{eid}/attempts"), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(cand.get(&format!("/api/v1/exams/{eid}")).await.json()["admitted"], false);
    let page = cand.get(&format!("/training/exams/{eid}")).await.text;
    assert!(page.contains("只有本期培训报名成功（或已签到）的学员可以参加考试") && !page.contains("开始考试</button>"), "{page}");
    assert_eq!(cand.api(Method::POST, &format!("/api/v1/trainings/{sid}/enrolments"), None).await.status, StatusCode::OK);
    let info = cand.get(&format!("/api/v1/exams/{eid}")).await.json();
    assert_eq!((info["admitted"].as_bool(), info["max_score"].as_i64(), info["pass_mark"].as_i64()), (Some(true), Some(11), Some(6)));
    let r = cand.api(Method::POST, &format!("/api/v1/exams/{eid}/attempts"), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let a = r.json();
    let aid = a["id"].as_i64().unwrap();
    let qs = a["questions"].as_array().unwrap().clone();
    assert_eq!(qs.len(), 6, "the rules' count");
    let kinds: Vec<&str> = qs.iter().map(|q| q["kind"].as_str().unwrap()).collect();
    assert_eq!((kinds.iter().filter(|k| **k == "single").count(), kinds.iter().filter(|k| **k == "multiple").count(), kinds.iter().filter(|k| **k == "truefalse").count()), (3, 1, 2));
    let remaining = a["remaining_seconds"].as_i64().unwrap();
    assert!((1790..=1800).contains(&remaining), "{remaining}");
    // A second tab (or a reload) gets the same attempt with the same draw: order and options.
    let again = cand.api(Method::POST, &format!("/api/v1/exams/{eid}/attempts"), None).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["questions"], a["questions"], "the draw is kept");
    // Answers saved one by one; a save with an older sequence number changes nothing.
    let first = qs[0]["id"].as_i64().unwrap();
    let wrong = if right_answer(&t, first).await == "0" { "1" } else { "0" };
    let save = |q: i64, answer: String, seq: i64| {
        let c = &cand;
        async move { c.api(Method::PUT, &format!("/api/v1/attempts/{aid}/answers/{q}"), Some(json!({"answer": answer, "seq": seq}))).await }
    };
    let r = save(first, wrong.to_string(), 10).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["applied"], true);
    for q in &qs {
        let id = q["id"].as_i64().unwrap();
        let r = save(id, right_answer(&t, id).await, 20).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let late = save(first, wrong.to_string(), 15).await;
    assert_eq!((late.json()["applied"].as_bool(), late.json()["seq"].as_i64()), (Some(false), Some(20)), "an older save loses");
    assert_eq!(save(first, "9".into(), 30).await.status, StatusCode::UNPROCESSABLE_ENTITY, "no such option");
    assert_eq!(save(999_999, "0".into(), 30).await.status, StatusCode::NOT_FOUND);
    assert_eq!(t.count("SELECT COUNT(*) FROM exam_answers").await, 6, "one row per question");
    // The reloaded page shows the saved answers and the time left.
    let page = cand.get(&format!("/training/attempts/{aid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let single = qs.iter().find(|q| q["kind"] == "single").unwrap()["id"].as_i64().unwrap();
    let key0 = right_answer(&t, single).await;
    assert!(page.text.contains(&format!("name=\"q{single}\" value=\"{key0}\" checked")), "{}", page.text);
    assert!(page.text.contains("剩余时间") && page.text.contains("data-remaining=\"17") || page.text.contains("data-remaining=\"18"), "{}", page.text);
    // The same paper in English.
    cand.get("/lang/en?next=/").await;
    let en = cand.get(&format!("/training/attempts/{aid}")).await.text;
    assert!(en.contains("Time left") && en.contains("Single choice") && en.contains(">Submit</button>"), "{en}");
    cand.get("/lang/zh-CN?next=/").await;
    // The no-script form saves what changed; the page's old value does not undo a newer save.
    let tf = qs.iter().find(|q| q["kind"] == "truefalse").unwrap()["id"].as_i64().unwrap();
    let r = cand.post_form(&format!("/training/attempts/{aid}/save"), &[(&format!("was{tf}"), "true"), (&format!("q{tf}"), "true")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Someone else cannot save or submit it.
    let other = t.user("ex_other").await;
    assert_eq!(other.api(Method::PUT, &format!("/api/v1/attempts/{aid}/answers/{first}"), Some(json!({"answer": "0"}))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(other.get(&format!("/api/v1/attempts/{aid}")).await.status, StatusCode::FORBIDDEN);
    // Submitting marks at once: all right, passed, and the certificate issued with the mark.
    let r = cand.api(Method::POST, &format!("/api/v1/attempts/{aid}/submit"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let done = r.json();
    assert_eq!(done["status"], "marked");
    assert_eq!((done["result"]["score"].as_i64(), done["result"]["passed"].as_bool()), (Some(11), Some(true)));
    assert_eq!(done["remaining_seconds"], 0);
    assert!(done["questions"][0].get("correct").is_none(), "right and wrong wait for the window to close");
    let number = done["result"]["certificate"].as_str().unwrap().to_string();
    let v = t.client().get(&format!("/api/v1/certificates/{number}")).await.json();
    assert_eq!((v["status"].as_str(), v["title"].as_str(), v["holder"].as_str()), (Some("valid"), Some("初级标准化工程师考试"), Some("ex_cand")));
    // A second submit changes nothing; saving after it is refused.
    assert_eq!(cand.api(Method::POST, &format!("/api/v1/attempts/{aid}/submit"), None).await.status, StatusCode::OK);
    assert_eq!(t.count("SELECT COUNT(*) FROM training_certificates").await, 1);
    assert_eq!(save(first, "0".into(), 99).await.status, StatusCode::CONFLICT);
    // Passed: no further attempt.
    assert_eq!(cand.api(Method::POST, &format!("/api/v1/exams/{eid}/attempts"), None).await.status, StatusCode::CONFLICT);
    let result = cand.get(&format!("/training/attempts/{aid}")).await.text;
    assert!(result.contains("考试通过！得分 11（满分 11）。") && result.contains(&number), "{result}");
    // After the window closes, each question's right and wrong are shown.
    sqlx::query("UPDATE exams SET closes_at = $1 WHERE id = $2").bind(biaozhun::util::now() - 1).bind(eid).execute(&t.app.db.pool).await.unwrap();
    let after = cand.get(&format!("/api/v1/attempts/{aid}")).await.json();
    assert!(after["questions"].as_array().unwrap().iter().all(|q| q["correct"] == true), "{after}");
});

scenario!(the_servers_clock_decides_the_deadline, |t: TestApp| async move {
    let staff = t.staff("ex_clock_staff").await;
    let sid = session(&staff, "计时", 5 * 86400).await;
    let bid = bank(&staff, &bank_rows()).await;
    let eid = exam(&staff, sid, bid, "single 2 3\nmultiple 1 3", json!({"pass_mark": "3", "max_attempts": "3"})).await;
    let cand = t.user("ex_clock").await;
    cand.api(Method::POST, &format!("/api/v1/trainings/{sid}/enrolments"), None).await;
    let a = cand.api(Method::POST, &format!("/api/v1/exams/{eid}/attempts"), None).await.json();
    let aid = a["id"].as_i64().unwrap();
    let q = a["questions"][0]["id"].as_i64().unwrap();
    let key = right_answer(&t, q).await;
    assert_eq!(cand.api(Method::PUT, &format!("/api/v1/attempts/{aid}/answers/{q}"), Some(json!({"answer": key}))).await.status, StatusCode::OK);
    // The attempt began 25 minutes ago: five minutes left, by the server's clock.
    let now = biaozhun::util::now();
    sqlx::query("UPDATE exam_attempts SET started_at = $1, deadline = $2 WHERE id = $3").bind(now - 1500).bind(now + 300).bind(aid).execute(&t.app.db.pool).await.unwrap();
    let left = cand.get(&format!("/api/v1/attempts/{aid}")).await.json()["remaining_seconds"].as_i64().unwrap();
    assert!((295..=300).contains(&left), "{left}");
    // Past the deadline: a save is refused and the attempt submitted with what was saved.
    sqlx::query("UPDATE exam_attempts SET deadline = $1 WHERE id = $2").bind(now - 1).bind(aid).execute(&t.app.db.pool).await.unwrap();
    let r = cand.api(Method::PUT, &format!("/api/v1/attempts/{aid}/answers/{q}"), Some(json!({"answer": "0"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    // The paper's form after the deadline: not saved, and the page shows the result.
    let other = if key == "0" { "1" } else { "0" };
    let r = cand.post_form(&format!("/training/attempts/{aid}/save"), &[(&format!("was{q}"), key.as_str()), (&format!("q{q}"), other)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = cand.get(&format!("/training/attempts/{aid}")).await.text;
    assert!(page.contains("考试时间已到，最后这次保存未被接受") && page.contains("考试时间到，系统已按保存的答案自动交卷"), "{page}");
    let done = cand.get(&format!("/api/v1/attempts/{aid}")).await.json();
    assert_eq!((done["status"].as_str(), done["auto_submitted"].as_bool(), done["result"]["score"].as_i64()), (Some("marked"), Some(true), Some(3)));
    assert_eq!(done["result"]["passed"], true);
    // Retakes: none needed after a pass. Another candidate who never comes back is submitted by the job.
    let late = t.user("ex_clock_late").await;
    late.api(Method::POST, &format!("/api/v1/trainings/{sid}/enrolments"), None).await;
    let b = late.api(Method::POST, &format!("/api/v1/exams/{eid}/attempts"), None).await.json();
    let bid2 = b["id"].as_i64().unwrap();
    sqlx::query("UPDATE exam_attempts SET deadline = $1 WHERE id = $2").bind(now - 1).bind(bid2).execute(&t.app.db.pool).await.unwrap();
    assert_eq!(biaozhun::training::exam_take::close_due(&t.app).await.unwrap(), 1);
    let (status, passed): (String, Option<i64>) = sqlx::query_as("SELECT status, passed FROM exam_attempts WHERE id = $1").bind(bid2).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!((status.as_str(), passed), ("marked", Some(0)));
    // Failed: a retake draws a new paper; past the attempts allowed, refused.
    let r = late.api(Method::POST, &format!("/api/v1/exams/{eid}/attempts"), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.json()["number"], 2);
    let id3 = r.json()["id"].as_i64().unwrap();
    late.api(Method::POST, &format!("/api/v1/attempts/{id3}/submit"), None).await;
    let third = late.api(Method::POST, &format!("/api/v1/exams/{eid}/attempts"), None).await;
    assert_eq!(third.status, StatusCode::CREATED, "three allowed");
    let id4 = third.json()["id"].as_i64().unwrap();
    late.api(Method::POST, &format!("/api/v1/attempts/{id4}/submit"), None).await;
    let r = late.api(Method::POST, &format!("/api/v1/exams/{eid}/attempts"), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("考试次数已用完"), "{}", r.text);
});

scenario!(short_answers_go_to_the_teacher_and_the_last_mark_issues_the_certificate, |t: TestApp| async move {
    let staff = t.staff("ex_mark_staff").await;
    let sid = session(&staff, "阅卷", 5 * 86400).await;
    let other_sid = session(&staff, "另一期", 5 * 86400).await;
    let bid = bank(&staff, &bank_rows()).await;
    let eid = exam(&staff, sid, bid, "truefalse 2 1\nshort 2 5", json!({"pass_mark": "7"})).await;
    let teacher = t.user_scoped("ex_teacher", &[], ScopedRole::Teacher, session_scope(sid)).await;
    let stranger = t.user_scoped("ex_teacher2", &[], ScopedRole::Teacher, session_scope(other_sid)).await;
    let cand = t.user("ex_short").await;
    cand.api(Method::POST, &format!("/api/v1/trainings/{sid}/enrolments"), None).await;
    let a = cand.api(Method::POST, &format!("/api/v1/exams/{eid}/attempts"), None).await.json();
    let aid = a["id"].as_i64().unwrap();
    for q in a["questions"].as_array().unwrap() {
        let id = q["id"].as_i64().unwrap();
        let answer = if q["kind"] == "short" { "统一技术要求，提高产品质量。".to_string() } else { right_answer(&t, id).await };
        assert_eq!(cand.api(Method::PUT, &format!("/api/v1/attempts/{aid}/answers/{id}"), Some(json!({"answer": answer}))).await.status, StatusCode::OK);
    }
    let r = cand.api(Method::POST, &format!("/api/v1/attempts/{aid}/submit"), None).await.json();
    assert_eq!((r["status"].as_str(), r["result"]["score"].as_i64()), (Some("submitted"), None));
    assert!(cand.get(&format!("/training/attempts/{aid}")).await.text.contains("简答题待老师评分"));
    // The staff's work queue counts the short answers to mark and leads to the exam's queue.
    let todo = staff.get("/staff").await.text;
    assert!(todo.contains(&format!("&#x2f;training&#x2f;exams&#x2f;{eid}&#x2f;marking\">待评分的简答题</a> <span class=\"badge\">2</span>")), "{todo}");
    // The queue is the session's teachers' and the staff's.
    let queue = format!("/training/exams/{eid}/marking");
    assert_eq!(stranger.get(&queue).await.status, StatusCode::FORBIDDEN);
    assert_eq!(cand.get(&queue).await.status, StatusCode::FORBIDDEN);
    let page = teacher.get(&queue).await;
    assert!(page.status == StatusCode::OK && page.text.contains("统一技术要求，提高产品质量。") && page.text.contains("ex_short"), "{}", page.text);
    let shorts: Vec<i64> = sqlx::query_scalar("SELECT question_id FROM exam_answers WHERE attempt_id = $1 AND awarded IS NULL ORDER BY question_id").bind(aid).fetch_all(&t.app.db.pool).await.unwrap();
    assert_eq!(shorts.len(), 2);
    let (a_s, q0, q1) = (aid.to_string(), shorts[0].to_string(), shorts[1].to_string());
    assert_eq!(stranger.post_form(&queue, &[("attempt", &a_s), ("question", &q0), ("points", "5")]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(teacher.post_form(&queue, &[("attempt", &a_s), ("question", &q0), ("points", "6")]).await.status, StatusCode::UNPROCESSABLE_ENTITY, "more than the question's points");
    assert_eq!(teacher.post_form(&queue, &[("attempt", &a_s), ("question", &q0), ("points", "4")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.count("SELECT COUNT(*) FROM training_certificates").await, 0, "not before the last mark");
    assert_eq!(teacher.post_form(&queue, &[("attempt", &a_s), ("question", &q1), ("points", "3")]).await.status, StatusCode::SEE_OTHER);
    let done = cand.get(&format!("/api/v1/attempts/{aid}")).await.json();
    assert_eq!((done["status"].as_str(), done["result"]["score"].as_i64(), done["result"]["passed"].as_bool()), (Some("marked"), Some(9), Some(true)));
    assert!(done["result"]["certificate"].is_string());
    assert_eq!(t.count("SELECT COUNT(*) FROM training_certificates").await, 1);
    assert_eq!(teacher.post_form(&queue, &[("attempt", &a_s), ("question", &q1), ("points", "5")]).await.status, StatusCode::CONFLICT, "marked already");
    // Statistics per question, with the chart.
    let stats = teacher.get(&format!("/training/exams/{eid}/stats")).await;
    assert_eq!(stats.status, StatusCode::OK);
    assert!(stats.text.contains("已交卷 1 份，已评分 1 份，通过 1 份，平均分 9。") && stats.text.contains("<svg"), "{}", stats.text);
    assert!(stats.text.contains("<td>1</td><td>1</td><td>1</td><td>100%</td>"), "{}", stats.text);
    assert_eq!(stranger.get(&format!("/training/exams/{eid}/stats")).await.status, StatusCode::FORBIDDEN);
});

scenario!(who_may_do_what_with_exams, |t: TestApp| async move {
    let staff = t.staff("ez_staff").await;
    let admin = t.user_with_roles("ez_admin", &[biaozhun::auth::Role::Admin]).await;
    let sid = session(&staff, "权限", 3600).await;
    let other_sid = session(&staff, "别的", 5 * 86400).await;
    let bid = bank(&staff, &bank_rows()).await;
    // Only people checked in may sit this one.
    let eid = exam(&staff, sid, bid, "single 2 3", json!({"admit": "attended", "pass_mark": "3"})).await;
    let cand = t.user("ez_cand").await;
    cand.api(Method::POST, &format!("/api/v1/trainings/{sid}/enrolments"), None).await;
    let user = t.user("ez_user").await;
    let teacher = t.user_scoped("ez_teacher", &[], ScopedRole::Teacher, session_scope(sid)).await;
    let stranger = t.user_scoped("ez_teacher2", &[], ScopedRole::Teacher, session_scope(other_sid)).await;
    let anon = t.client();
    let start = format!("/api/v1/exams/{eid}/attempts");
    assert_eq!(cand.api(Method::POST, &start, None).await.status, StatusCode::FORBIDDEN, "enrolled, not checked in");
    let uid = t.user_id("ez_cand").await;
    let r = teacher.api(Method::POST, &format!("/api/v1/trainings/{sid}/attendance"), Some(json!({"user_id": uid, "present": true}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let a = cand.api(Method::POST, &start, None).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let aid = a.json()["id"].as_i64().unwrap();
    let q = a.json()["questions"][0]["id"].as_i64().unwrap();

    let exam_page = format!("/training/exams/{eid}");
    let attempt = format!("/api/v1/attempts/{aid}");
    let save = format!("/api/v1/attempts/{aid}/answers/{q}");
    let marking = format!("/training/exams/{eid}/marking");
    let stats = format!("/training/exams/{eid}/stats");
    let bank_page = format!("/training/exam-banks/{bid}");
    // (who, exam page and API, read the attempt, save in it, marking and stats, banks, new exam)
    let rows: Vec<(&str, &Client, u16, u16, u16, u16, u16, u16)> = vec![
        ("user", &user, 200, 403, 403, 403, 403, 403),
        ("candidate", &cand, 200, 200, 200, 403, 403, 403),
        ("teacher of this session", &teacher, 200, 200, 403, 200, 200, 403),
        ("teacher of another session", &stranger, 200, 403, 403, 403, 200, 403),
        ("staff", &staff, 200, 200, 403, 200, 200, 200),
        ("admin", &admin, 200, 200, 403, 200, 200, 200),
    ];
    for (who, c, exam_s, read_s, save_s, teach_s, bank_s, new_s) in rows {
        assert_eq!(c.get(&exam_page).await.status.as_u16(), exam_s, "{who} exam page");
        let api = c.get(&format!("/api/v1/exams/{eid}")).await;
        assert_eq!(api.status.as_u16(), exam_s, "{who} exam API");
        assert_eq!(api.json()["admitted"].as_bool(), Some(who == "candidate"), "{who} admitted");
        assert_eq!(c.get(&attempt).await.status.as_u16(), read_s, "{who} attempt");
        assert_eq!(c.get(&format!("/training/attempts/{aid}")).await.status.as_u16(), read_s, "{who} attempt page");
        let r = c.api(Method::PUT, &save, Some(json!({"answer": "0"}))).await;
        assert_eq!(r.status.as_u16(), save_s, "{who} save: {}", r.text);
        assert_eq!(c.get(&marking).await.status.as_u16(), teach_s, "{who} marking");
        assert_eq!(c.get(&stats).await.status.as_u16(), teach_s, "{who} stats");
        assert_eq!(c.get(&bank_page).await.status.as_u16(), bank_s, "{who} bank");
        let list = c.get("/training/exam-banks").await;
        assert_eq!(list.status, StatusCode::OK, "{who} banks");
        assert_eq!(list.text.contains("题库由协会工作人员和培训的授课老师维护"), bank_s == 403, "{who}: the list or whom it is for");
        let created = c.post_form("/training/exam-banks", &[("title", "新题库")]).await.status.as_u16();
        assert_eq!(created, if new_s == 200 { 303 } else { 403 }, "{who} new bank");
        assert_eq!(c.get(&format!("/staff/exams/new?session={sid}")).await.status.as_u16(), new_s, "{who} new exam");
        if who != "candidate" {
            assert_eq!(c.api(Method::POST, &format!("/api/v1/attempts/{aid}/submit"), None).await.status.as_u16(), 403, "{who} submit");
            assert_eq!(c.post_form(&format!("/training/attempts/{aid}/save"), &[]).await.status.as_u16(), 403, "{who} form save");
        }
    }
    for path in [exam_page.as_str(), marking.as_str(), stats.as_str(), bank_page.as_str(), &format!("/training/attempts/{aid}")] {
        let r = anon.get(path).await;
        assert!(r.status == StatusCode::SEE_OTHER && r.location().starts_with("/login?next="), "anonymous at {path}: {}", r.status);
    }
    assert_eq!(anon.get(&attempt).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anon.api(Method::PUT, &save, Some(json!({"answer": "0"}))).await.status, StatusCode::UNAUTHORIZED);
    // Without the CSRF token a cookie-borne save is refused.
    let r = cand.http.put(cand.url(&save)).json(&json!({"answer": "0"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Creating exams is the staff's (the API too).
    let body = json!({"session": sid.to_string(), "bank": bid.to_string(), "title": "x", "rules": "single 1 1", "minutes": "5", "pass_mark": "1", "opens_at": local_in(0), "closes_at": local_in(60)});
    assert_eq!(teacher.api(Method::POST, "/api/v1/exams", Some(body.clone())).await.status, StatusCode::FORBIDDEN);
    let mut short = body.clone();
    short["rules"] = json!("single 9 1");
    let r = staff.api(Method::POST, "/api/v1/exams", Some(short)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "rules", "{}", r.text);
});
