//! The first hour of a real user (issue 13): search results that open, a captcha asked only
//! where it defends something and that people can answer, changing one's password and mail
//! address, and a single machine without a mail server.

use crate::scenario;
use crate::support::{Client, PASSWORD, TestApp};
use reqwest::{Method, StatusCode};

/// Page text with minijinja's escaped slashes and quotes turned back.
fn page(s: &str) -> String {
    s.replace("&#x2f;", "/").replace("&#x27;", "'").replace("&quot;", "\"").replace("&amp;", "&")
}

const CATALOGUE: &str = "标准号,中文标准名称,英文标准名称,标准状态,发布日期,实施日期,ICS\n\
GB/T 20001.1-2024,标准编写规则 第1部分：术语,Rules for drafting standards—Part 1: Terminology,现行,2024-03-15,2024-10-01,01.120\n\
GB/T 20001.1-2001,标准编写规则 第1部分：术语,Rules for drafting standards—Part 1: Terms,被代替,2001-11-14,2002-06-01,01.120\n";

async fn catalogue(t: &TestApp) {
    biaozhun::standards::import::import_bytes(&t.app, "rules.csv", CATALOGUE.as_bytes(), biaozhun::standards::import::Progress::None).await.expect("import");
    biaozhun::tbt::import::import_bytes(&t.app, crate::tbt::eping_csv().as_bytes(), |_, _| async {}).await.expect("tbt import");
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
}

scenario!(search_results_name_a_link_a_status_and_both_titles, |t: TestApp| async move {
    catalogue(&t).await;
    let c = t.client();
    let r = c.get("/standards?q=GB%2FT%2020001.1").await;
    assert_eq!(r.status, StatusCode::OK);
    let html = page(&r.text);
    // Each result is a card: the number as its own link, a status badge, then the titles.
    assert!(html.contains(r#"<a class="result-number" href="/standards/GB%2FT%2020001%2E1%2D2024">GB/T 20001.1-2024</a>"#), "{html}");
    assert!(html.contains(r#"<span class="status status-in_force">现行</span>"#), "{html}");
    // The replaced edition folds under the one in force, and a status filter reaches it.
    assert!(html.contains("1 个早期版本"), "{html}");
    let replaced = page(&c.get("/standards?q=GB%2FT%2020001.1&status=replaced").await.text);
    assert!(replaced.contains(r#"<span class="status status-replaced">被代替</span>"#), "{replaced}");
    // The page's language first, the other smaller and marked with its language.
    let zh_first = html.find(r#"<p class="result-title" lang="zh-CN">"#).expect("Chinese title first");
    let en_alt = html.find(r#"<p class="result-alt" lang="en">Rules for drafting standards"#).expect("English title below");
    assert!(zh_first < en_alt);
    assert!(html.contains("发布日期 <time>2024-03-15</time>") && html.contains("实施日期 <time>2024-10-01</time>"), "{html}");
    // The facets are a drawer beside the results; the count and downloads head the results.
    assert!(html.contains(r#"<details class="drawer facets" open data-drawer>"#));
    assert!(html.contains(r#"<p class="results-count" role="status">共 "#) && html.contains("/standards/export.xlsx?"), "{html}");
    // In English the English title leads.
    c.get("/lang/en?next=/").await;
    let html = page(&c.get("/standards?q=GB%2FT%2020001.1").await.text);
    assert!(html.contains(r#"<p class="result-title" lang="en">Rules for drafting standards"#), "{html}");
    assert!(html.contains(r#"<p class="result-alt" lang="zh-CN">"#));
    assert!(html.contains(">In force</span>"), "{html}");
    // The TBT database lists notifications the same way.
    let html = page(&t.client().get("/tbt?q=range%20hoods").await.text);
    assert!(html.contains(r#"<a class="result-number" href="/tbt/notifications/G%2FTBT%2FN%2FVNM%2F300">G/TBT/N/VNM/300</a>"#), "{html}");
    assert!(html.contains(r#"<span class="status status-open">"#), "{html}");
});

/// The captcha field of a page, if it has one: (id, kind).
fn captcha_on(html: &str) -> Option<String> {
    let at = html.find(r#"name="captcha_id" value=""#)? + r#"name="captcha_id" value=""#.len();
    Some(html[at..].split('"').next()?.to_string())
}

async fn login_without_captcha(c: &Client, account: &str, password: &str) -> crate::support::Resp {
    c.post_form("/login", &[("account", account), ("password", password)]).await
}

scenario!(captcha_is_asked_only_after_a_failure_and_has_a_question_in_words, |t: TestApp| async move {
    t.user("first_hour").await;
    // A first log-in from a fresh address needs no captcha, and the form shows none.
    let c = t.client_from("192.0.2.10");
    let form = c.get("/login").await;
    assert!(captcha_on(&form.text).is_none(), "no captcha on a first visit");
    let r = login_without_captcha(&c, "first_hour", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // A wrong password: the form comes back with the account name kept, and a captcha.
    let d = t.client_from("192.0.2.11");
    let r = login_without_captcha(&d, "first_hour", "not the password").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page(&r.text).contains(r#"name="account" autocomplete="username" required maxlength="254" value="first_hour""#), "{}", r.text);
    let id = captcha_on(&r.text).expect("a captcha after a failure");
    assert!(r.text.contains("width=\"200\" height=\"64\""), "a picture large enough to read");
    // Now it is required from this address…
    let r = login_without_captcha(&d, "first_hour", PASSWORD).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("请填写验证码"), "{}", r.text);
    // …and for this account from another address.
    let e = t.client_from("192.0.2.12");
    let r = e.api(Method::POST, "/api/v1/session", Some(serde_json::json!({"account": "first_hour", "password": PASSWORD}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "captcha_answer");
    // Answered, it lets the person in.
    let answer = biaozhun::auth::captcha::answer(&t.app.secret, &id);
    assert_eq!(answer.len(), 4);
    let r = d.post_form("/login", &[("account", "first_hour"), ("password", PASSWORD), ("captcha_id", &id), ("captcha_answer", &answer.to_lowercase())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // The accessible alternative: a sum in words in the page's language, answered in digits
    // or in words.
    let r = t.client().get("/register?captcha=question").await;
    let html = page(&r.text);
    let q = html.split(r#"<span class="captcha-q" lang="zh-CN">"#).nth(1).expect("a question").split('<').next().unwrap().to_string();
    assert!(q.ends_with("等于几？") && !q.chars().any(|c| c.is_ascii_digit()), "{q}");
    assert!(!html.contains("data-captcha-img"), "no picture with the question");
    let api = t.client();
    api.get("/lang/en?next=/").await;
    let ch = api.get("/api/v1/captcha?kind=question").await.json();
    assert!(ch["image"].is_null());
    let question = ch["question"].as_str().unwrap();
    assert!(question.starts_with("What is "), "{question}");
    let id = ch["id"].as_str().unwrap();
    let digits = biaozhun::auth::captcha::answer(&t.app.secret, id);
    let words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"];
    let word = words[digits.parse::<usize>().unwrap()];
    let r = api
        .post_form("/register", &[("username", "by_question"), ("email", "q@example.com"), ("password", PASSWORD), ("password_confirm", PASSWORD), ("captcha_id", id), ("captcha_answer", word)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "answered in words: {}", r.text);

    // Registration asks every time; a wrong answer keeps what was typed, passwords included.
    let f = t.client();
    let form = f.get("/register").await;
    let id = captcha_on(&form.text).expect("registration has a captcha");
    let r = f
        .post_form("/register", &[("username", "keeps_typing"), ("email", "k@example.com"), ("password", PASSWORD), ("password_confirm", PASSWORD), ("captcha_id", &id), ("captcha_answer", "ZZZZ")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = page(&r.text);
    assert!(html.contains(&format!(r#"autocomplete="new-password" value="{PASSWORD}""#)), "{html}");
    assert!(html.contains(r#"value="keeps_typing""#));
    assert_eq!(r.headers["cache-control"], "no-store");
    // The picture is 200×64 and its characters avoid look-alikes.
    let png = f.http.get(f.url(&format!("/captcha/{id}.png"))).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(&png[16..24], &[0, 0, 0, 200, 0, 0, 0, 64]);
});

scenario!(account_page_changes_password_and_mail_address, |t: TestApp| async move {
    let c = t.user("changer").await;
    let other = t.client_from("192.0.2.30");
    assert_eq!(other.login("changer", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let html = page(&c.get("/account").await.text);
    assert!(html.contains(r#"action="/account/password""#) && html.contains("修改密码"), "{html}");
    assert!(html.contains(r#"action="/account/email""#) && html.contains("更换邮箱"));

    // A wrong current password is refused on its field.
    let r = c.post_form("/account/password", &[("current_password", "wrong one"), ("new_password", "Stir-fry wok 2027!"), ("new_password_confirm", "Stir-fry wok 2027!")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("当前密码不正确"), "{}", r.text);
    let r = c.post_form("/account/password", &[("current_password", PASSWORD), ("new_password", "Stir-fry wok 2027!"), ("new_password_confirm", "Stir-fry wok 2028!")]).await;
    assert!(r.text.contains("两次输入的密码不一致"), "{}", r.text);
    let r = c.post_form("/account/password", &[("current_password", PASSWORD), ("new_password", "Stir-fry wok 2027!"), ("new_password_confirm", "Stir-fry wok 2027!")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.location(), "/account");
    assert!(c.get("/account").await.text.contains("密码已修改"));
    // This browser stays in; the other session ended; the new password works.
    assert_eq!(other.get("/account").await.status, StatusCode::SEE_OTHER);
    let fresh = t.client_from("192.0.2.31");
    assert_eq!(fresh.login("changer", "Stir-fry wok 2027!").await.status, StatusCode::SEE_OTHER);
    assert_eq!(t.count("SELECT COUNT(*) FROM audit_log WHERE action = 'password.change'").await, 1);

    // The mail address changes only when the link mailed to the new one is followed.
    let r = c.post_form("/account/email", &[("email", "new-changer@example.com"), ("password", "Stir-fry wok 2027!")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("new-changer@example.com"));
    let email: String = sqlx::query_scalar("SELECT email FROM users WHERE username = 'changer'").fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(email, "changer@example.com", "not yet changed");
    let (_, _, link) = t.last_mail("new-changer@example.com").await;
    let link = link.expect("a confirmation link to the new address");
    assert!(link.starts_with("/account/email/confirm/"), "{link}");
    let r = t.client().get(&link).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("邮箱已更换"), "{}", r.text);
    let (subject, _, _) = t.last_mail("changer@example.com").await;
    assert!(subject.contains("邮箱已更换"), "the old address is told: {subject}");
    assert_eq!(t.client().get(&link).await.status, StatusCode::GONE, "the link works once");
    assert_eq!(t.client_from("192.0.2.32").login("new-changer@example.com", "Stir-fry wok 2027!").await.status, StatusCode::SEE_OTHER);
    // The API does the same.
    let r = c.api(Method::POST, "/api/v1/me/email", Some(serde_json::json!({"email": "bad", "password": "Stir-fry wok 2027!"}))).await;
    assert_eq!(r.json()["error"]["field"], "email");
});

scenario!(a_machine_without_mail_server_works_end_to_end, |t: TestApp| async move {
    let admin = t.user_with_roles("root_admin", &[biaozhun::auth::Role::Admin]).await;
    // Someone registers; the confirmation mail stays in the outbox.
    let visitor = t.client_from("192.0.2.40");
    assert_eq!(visitor.register("no_mail_user", "nomail@example.com", PASSWORD).await.status, StatusCode::OK);
    t.run_jobs().await;
    // Staff see a banner with the outbox count.
    let html = page(&admin.get("/staff").await.text);
    let queued = t.count("SELECT COUNT(*) FROM mail_outbox WHERE status IN ('queued', 'outbox')").await;
    assert!(queued >= 2);
    assert!(html.contains(&format!("未配置邮件服务器：{queued} 封邮件保存在站内发件箱")), "{html}");
    // Not confirmed: the log-in is refused until an administrator confirms the account.
    assert_eq!(visitor.login("no_mail_user", PASSWORD).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let id = t.user_id("no_mail_user").await;
    let list = page(&admin.get("/admin/users").await.text);
    assert!(list.contains("邮箱未确认") && !list.contains("<td>admin</td>"), "unconfirmed accounts stand out; roles in words: {list}");
    let html = page(&admin.get(&format!("/admin/users/{id}")).await.text);
    assert!(html.contains("邮箱未确认") && html.contains(&format!(r#"action="/admin/users/{id}/confirm""#)), "{html}");
    assert!(html.contains("请确认您的邮箱"), "the user's recent mail is listed");
    let r = admin.post_form(&format!("/admin/users/{id}/confirm"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(admin.get(&format!("/admin/users/{id}")).await.text.contains("账号已确认"));
    let v2 = t.client_from("192.0.2.41");
    assert_eq!(v2.login("no_mail_user", PASSWORD).await.status, StatusCode::SEE_OTHER);
    // A reset link, shown to the administrator to pass on (and put in the outbox).
    let r = admin.post_form(&format!("/admin/users/{id}/reset-link"), &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = page(&r.text);
    let start = html.find(&format!("{}/password/reset/", t.base)).expect("the link is shown");
    let link = html[start + t.base.len()..].split('<').next().unwrap().to_string();
    let r = t.client().post_form(&link, &[("password", "Dumplings steam 2027!"), ("password_confirm", "Dumplings steam 2027!")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(t.client_from("192.0.2.42").login("no_mail_user", "Dumplings steam 2027!").await.status, StatusCode::SEE_OTHER);
    // Staff read the audit codes in Chinese.
    let html = admin.get(&format!("/admin/users/{id}")).await.text;
    assert!(html.contains("管理员确认账号") && html.contains("管理员生成重置密码链接"), "{html}");
    assert!(!admin.get("/admin/audit").await.text.contains(">login.success<"));
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailed_links_use_the_address_served_when_base_url_is_unset() {
    // The real binary, started as the README says, on a port of the system's choosing.
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_biaozhun"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data"])
        .arg(dir.path())
        .env("BIAOZHUN_DATABASE_URL", "")
        .env_remove("BIAOZHUN_BASE_URL")
        .env("BIAOZHUN_TEST_HOOKS", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start the server");
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut password, mut base) = (String::new(), String::new());
    while let Ok(Some(line)) = tokio::time::timeout(std::time::Duration::from_secs(60), lines.next_line()).await.expect("server output") {
        if let Some(p) = line.trim().strip_prefix("password: ") {
            password = p.trim().to_string();
        }
        if let Some(rest) = line.split("listening on ").nth(1) {
            base = rest.split_whitespace().next().unwrap().to_string();
            break;
        }
    }
    assert!(base.starts_with("http://127.0.0.1:") && !base.ends_with(":0") && !password.is_empty(), "{base}");
    let http = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    http.get(format!("{base}/login")).send().await.unwrap();
    let csrf_of = |html: &str| html.split(r#"name="_csrf" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string();
    let form = http.get(format!("{base}/password/forgot")).send().await.unwrap().text().await.unwrap();
    let id = captcha_on(&form).unwrap();
    let answer = http.get(format!("{base}/__test/captcha/{id}")).send().await.unwrap().text().await.unwrap();
    let r = http.post(format!("{base}/password/forgot")).form(&[("account", "admin"), ("captcha_id", &id), ("captcha_answer", &answer), ("_csrf", &csrf_of(&form))]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let form = http.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    let r = http.post(format!("{base}/login")).form(&[("account", "admin"), ("password", password.as_str()), ("_csrf", &csrf_of(&form))]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let outbox = page(&http.get(format!("{base}/admin/outbox")).send().await.unwrap().text().await.unwrap());
    assert!(outbox.contains(&format!("{base}/password/reset/")), "links name {base}: {outbox}");
    assert!(!outbox.contains("127.0.0.1:8080"));
    child.kill().await.ok();
}

/// The strings of an XLSX file.
fn xlsx_strings(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut strings = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/sharedStrings.xml").unwrap(), &mut strings).unwrap();
    strings
}

const EDITIONS: &str = "标准号,中文标准名称,英文标准名称,标准状态,发布日期,实施日期,ICS\n\
GB/T 20001.2-2001,标准编写规则 第2部分：符号,Rules for drafting standards—Part 2: Symbols,废止,2001-11-14,2002-06-01,01.120\n\
GB/T 20001.2-2015,标准编写规则 第2部分：符号标准,Rules for drafting standards—Part 2: Symbol standards,现行,2015-06-02,2016-01-01,01.120\n";

scenario!(the_chinese_interface_speaks_chinese_throughout, |t: TestApp| async move {
    catalogue(&t).await;
    biaozhun::standards::import::import_bytes(&t.app, "editions.csv", EDITIONS.as_bytes(), biaozhun::standards::import::Progress::None).await.expect("import");
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
    let c = t.user("zh_reader").await;

    // A parser's reason in the page's language.
    let form = [("kind", "organisation"), ("org_name", "番禺厨电"), ("uscc", "9144030071526726XH"), ("industry", "C"), ("contact_name", "陈"), ("contact_phone", "020-3482 6600"), ("contact_email", "chen@example.com")];
    let r = c.post_form("/membership/apply", &form).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("统一社会信用代码无效：校验码错误"), "{}", r.text);
    assert!(!r.text.contains("wrong check character"), "{}", r.text);
    let en = t.user("en_reader").await;
    en.get("/lang/en?next=/").await;
    let r = en.post_form("/membership/apply", &form).await;
    assert!(page(&r.text).contains("wrong check character “H”"), "{}", r.text);

    // Exports carry statuses in words, not codes.
    let csv = c.get("/standards/export.csv?q=GB%2FT%2020001").await.text;
    let replaced = c.get("/standards/export.csv?q=GB%2FT%2020001&status=replaced").await.text;
    assert!(replaced.contains("被代替") && csv.contains("现行"), "{csv}\n{replaced}");
    assert!(!csv.contains(",replaced,") && !csv.contains(",in_force,") && !replaced.contains(",replaced,"), "{csv}");
    let xlsx = c.http.get(c.url("/standards/export.xlsx?q=GB%2FT%2020001&status=replaced")).send().await.unwrap().bytes().await.unwrap();
    let strings = xlsx_strings(&xlsx);
    assert!(strings.contains("被代替") && !strings.contains(">replaced<"), "{strings}");

    // One vocabulary: an edition stored as withdrawn but followed by a later one is
    // "replaced" on the watchlist as on its page.
    let r = c.post_form("/standards/watchlist", &[("numbers", "GB/T 20001.2-2001")]).await;
    assert!(r.status.is_redirection() || r.status == StatusCode::OK, "{}", r.text);
    let watch = c.get("/standards/watchlist").await.text;
    assert!(watch.contains("被代替") && !watch.contains(">废止<"), "{watch}");
    let detail = c.get("/standards/GB%2FT%2020001.2-2001").await.text;
    assert!(detail.contains("被代替"), "{detail}");

    // TBT facets and charts: WTO's objectives and HS chapters in Chinese.
    let html = page(&c.get("/tbt").await.text);
    assert!(html.contains(">保护环境</a>"), "{html}");
    assert!(html.contains(">84 核反应堆、锅炉、机器、机械器具及其零件</a>") || html.contains(">84 核反应堆"), "{html}");
    let n = page(&c.get("/tbt/notifications/G%2FTBT%2FN%2FARE%2F500").await.text);
    assert!(n.contains("玩具、游戏品、运动用品及其零件、附件") && n.contains("保护人类健康或安全"), "{n}");
    let stats = page(&c.get("/tbt/stats").await.text);
    assert!(stats.contains("XVI 机器、机械器具"), "{stats}");
    let stats_en = page(&en.get("/tbt/stats").await.text);
    assert!(stats_en.contains("XVI Machinery"), "{stats_en}");
});

scenario!(the_validity_report_reads_as_a_document, |t: TestApp| async move {
    catalogue(&t).await;
    let c = t.user("reporter").await;
    let r = c.api(Method::POST, "/api/v1/standards/check", Some(serde_json::json!({"text": "GB/T 20001.1-2001\nGB/T 20001.1-2024\nXYZ 1"}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let no = r.json()["check_no"].as_str().unwrap().to_string();
    let xlsx = c.http.get(c.url(&format!("/standards/check/{no}/xlsx"))).send().await.unwrap().bytes().await.unwrap();
    let strings = xlsx_strings(&xlsx);
    for s in ["标准查新报告", no.as_str(), "报告编号", "查新日期", "结论分布", "被代替", "现行", "共 3 项", "状态", "结论"] {
        assert!(strings.contains(s), "{s} in the XLSX: {strings}");
    }
    assert!(!strings.contains(">replaced<") && !strings.contains(">in_force<"), "{strings}");
    // The page prints as a document: a print button, and a print style sheet that keeps the
    // report and drops the site's navigation and forms.
    let html = page(&c.get(&format!("/standards/check/{no}")).await.text);
    assert!(html.contains(r#"<article class="report-doc">"#) && html.contains("data-print"), "{html}");
    assert!(html.contains("结论分布"), "{html}");
    let css = c.get("/static/site.css").await.text;
    let print = css.split("@media print").nth(1).expect("print styles");
    assert!(print.contains(".no-print") && print.contains("thead { display: table-header-group; }"), "{print}");
});

scenario!(membership_explains_itself_then_offers_two_paths, |t: TestApp| async move {
    // A visitor reads what membership gives, costs and who may apply.
    let anon = t.client();
    let r = anon.get("/membership").await;
    assert_eq!(r.status, StatusCode::OK, "visitors may read it");
    let html = page(&r.text);
    for s in ["会员权益", "会费与期限", "谁可以申请", "href=\"/membership?kind=organisation#apply\"", "href=\"/membership?kind=individual#apply\""] {
        assert!(html.contains(s), "{s}: {html}");
    }
    assert!(!html.contains("name=\"uscc\""), "no form before a path is chosen");
    let r = page(&anon.get("/membership?kind=organisation").await.text);
    assert!(r.contains("/login?next=%2Fmembership%3Fkind%3Dorganisation") && !r.contains("name=\"uscc\""), "{r}");
    // Signed in, each path has its own form.
    let c = t.user("joiner").await;
    let org = page(&c.get("/membership?kind=organisation").await.text);
    assert!(org.contains("name=\"uscc\"") && !org.contains("name=\"real_name\"") && org.contains(r#"name="kind" value="organisation""#), "{org}");
    let person = page(&c.get("/membership?kind=individual").await.text);
    assert!(person.contains("name=\"real_name\"") && !person.contains("name=\"uscc\""), "{person}");
    // An error keeps the chosen path.
    let r = c.post_form("/membership/apply", &[("kind", "individual"), ("real_name", ""), ("contact_name", "王"), ("contact_phone", "13800138000"), ("contact_email", "w@example.com")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("name=\"real_name\"") && !r.text.contains("name=\"uscc\""));
    // In English too.
    c.get("/lang/en?next=/").await;
    assert!(c.get("/membership").await.text.contains("What membership gives"));
});
