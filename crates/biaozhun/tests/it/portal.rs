//! The portal: the home page as a service entrance (validity check, catalogue search, TBT
//! notifications with their deadlines, new and soon-to-be-implemented standards beside news
//! and trainings), the site search, the staff work queue and the member area, each gathered
//! from what the domains offer.

use crate::scenario;
use crate::support::*;
use biaozhun::auth::Role;
use reqwest::StatusCode;

fn day(offset: i64) -> String {
    biaozhun::util::fmt_date(biaozhun::util::now() + offset * 86400)
}

/// Page text with the slashes minijinja escapes put back.
fn html(s: &str) -> String {
    s.replace("&#x2f;", "/")
}

/// A staff upload through the import page, run to its end by the job worker.
pub(crate) async fn staff_import(t: &TestApp, staff: &Client, path: &str, name: &str, data: Vec<u8>) {
    let csrf = staff.csrf().await;
    let part = reqwest::multipart::Part::bytes(data).file_name(name.to_string());
    let form = reqwest::multipart::Form::new().part("file", part);
    let r = staff.http.post(staff.url(&format!("{path}?_csrf={csrf}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with("/staff/jobs/"), "{loc}");
    t.run_jobs().await;
    let job: i64 = loc.trim_start_matches("/staff/jobs/").parse().unwrap();
    let status: String = sqlx::query_scalar("SELECT status FROM jobs WHERE id = $1").bind(job).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(status, "done", "{path} {name}");
}

fn catalogue_csv() -> Vec<u8> {
    format!(
        "标准号,中文标准名称,标准状态,发布日期,实施日期\n\
         GB/T 46001-2026,新近发布的服务规范,现行,{},{}\n\
         GB 46002-2026,即将实施的安全要求,即将实施,{},{}\n\
         GB/T 1.1-2009,标准化工作导则 第1部分,被代替,2009-06-17,2010-01-01\n",
        day(-2),
        day(-1),
        day(-20),
        day(30)
    )
    .into_bytes()
}

const TBT_HEADER: &str = "Notifying Member(s),Symbol,Title,Description of content,Distribution date,Products (free text),Products (HS/ICS code),Objectives,Keywords,Regions or countries affected,Final date for comments,Notification type,Link to notification,Link to notification summary,Link(s) to full text";

pub(crate) fn tbt_csv() -> Vec<u8> {
    format!(
        "{TBT_HEADER}\n\
         越南,G/TBT/N/VNM/301,Energy labelling of cooker hoods,Hoods.,{},Cooker hoods,8414,,,,{},Regular notification,,,\n\
         美国,G/TBT/N/USA/2101,Battery chargers,Chargers.,{},Chargers,8504,,,,{},Regular notification,,,\n",
        day(-3),
        day(40),
        day(-90),
        day(-30)
    )
    .into_bytes()
}

scenario!(home_page_is_a_service_entrance, |t: TestApp| async move {
    let staff = t.user_with_roles("portal_staff", &[Role::Staff]).await;
    staff_import(&t, &staff, "/staff/standards/import", "new.csv", catalogue_csv()).await;
    staff_import(&t, &staff, "/staff/tbt/import", "eping.csv", tbt_csv()).await;
    t.app.cache.clear();

    let c = t.client();
    let home = c.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    let page = html(&home.text);
    // The validity check: a box to paste a list, posting to the check.
    assert!(page.contains("id=\"entrance-check\""), "check entrance");
    assert!(page.contains("<form method=\"post\" action=\"/standards/check\""), "check form");
    assert!(page.contains("id=\"home-check-text\" name=\"text\""), "paste box");
    assert!(page.contains("粘贴标准编号清单"));
    // The catalogue search and the TBT search.
    assert!(page.contains("id=\"entrance-catalogue\"") && page.contains("action=\"/standards\""));
    assert!(page.contains("id=\"entrance-tbt\"") && page.contains("action=\"/tbt\""));
    // Newly published standards, newest first; the one coming into force with its date.
    let new_box = &page[page.find("id=\"new-standards\"").expect("new standards box")..];
    let new_box = &new_box[..new_box.find("</section>").unwrap()];
    let (a, b) = (new_box.find("GB/T 46001-2026").expect("newest"), new_box.find("GB 46002-2026").expect("second"));
    assert!(a < b, "newest publication first: {new_box}");
    assert!(new_box.contains(&format!("{} 发布", day(-2))), "{new_box}");
    let upcoming = &page[page.find("id=\"upcoming-standards\"").expect("upcoming box")..];
    let upcoming = &upcoming[..upcoming.find("</section>").unwrap()];
    assert!(upcoming.contains("GB 46002-2026") && upcoming.contains(&format!("{} 实施", day(30))), "{upcoming}");
    assert!(!upcoming.contains("GB/T 46001-2026"), "in force already: {upcoming}");
    // The latest TBT notifications with their comment deadlines.
    let tbt = &page[page.find("id=\"latest-tbt\"").expect("tbt box")..];
    let tbt = &tbt[..tbt.find("</section>").unwrap()];
    let (v, u) = (tbt.find("G/TBT/N/VNM/301").expect("latest"), tbt.find("G/TBT/N/USA/2101").expect("older"));
    assert!(v < u, "latest first: {tbt}");
    assert!(tbt.contains(&format!("评议截止 {}（剩 40 天）", day(40))), "{tbt}");
    assert!(tbt.contains(&format!("评议已于 {} 截止", day(-30))), "{tbt}");
    assert!(tbt.contains("href=\"/tbt/notifications/G%2FTBT%2FN%2FVNM%2F301\""), "{tbt}");
    // News, notices, policies and trainings stay beside them; the outline shows when the
    // city issued it, not when the platform started.
    for heading in ["新闻动态", "通知公告", "近期培训"] {
        assert!(page.contains(heading), "{heading}");
    }
    assert!(page.contains("2013-12-01"), "outline publication date");
    let outline = c.get("/articles/guangzhou-standardization-outline-2013-2020").await;
    assert!(outline.text.contains("2013-12-01"));

    // In English, the same entrances in English.
    let en = c.get("/lang/en?next=/").await;
    assert_eq!(en.status, StatusCode::SEE_OTHER);
    let page = html(&c.get("/").await.text);
    assert!(page.contains("Check standards&#x27; validity") || page.contains("Check standards' validity"), "english check box");
    assert!(page.contains(&format!("Comments by {} (40 days left)", day(40))));
    assert!(page.contains(&format!("in force from {}", day(30))));

    // The pasted list is checked by the same check the check page runs.
    let r = c.post_form("/standards/check", &[("text", "GB/T 46001-2026\nGB/T 1.1-2009")]).await;
    assert!(r.status == StatusCode::SEE_OTHER || r.status == StatusCode::OK, "{}", r.status);
});

scenario!(site_search_staff_queue_and_member_area_come_from_the_domains, |t: TestApp| async move {
    let staff = t.user_with_roles("queue_staff", &[Role::Staff]).await;
    staff_import(&t, &staff, "/staff/standards/import", "new.csv", catalogue_csv()).await;
    staff_import(&t, &staff, "/staff/tbt/import", "eping.csv", tbt_csv()).await;
    biaozhun::indexer::follow_once(&t.app).await.unwrap();
    // The site search: a section per searchable domain, hits linked to their pages.
    let page = html(&t.client().get("/search?q=46001").await.text);
    assert!(page.contains("href=\"/standards/GB%2FT%2046001-2026\">GB/T 46001-2026 新近发布的服务规范</a>"), "{page}");
    let page = html(&t.client().get("/search?q=hoods").await.text);
    assert!(page.contains("G/TBT/N/VNM/301"), "{page}");
    // The staff queue: every domain's waiting work with counts and links.
    let page = html(&staff.get("/staff").await.text);
    for link in ["/staff/memberships", "/staff/articles", "/staff/articles/new", "/staff/tbt"] {
        assert!(page.contains(&format!("href=\"{link}\"")), "{link}: {page}");
    }
    for label in ["入会申请", "草稿文章", "两周内到国内评议截止的通报", "进行中的 TBT 评议意见"] {
        assert!(page.contains(label), "{label}: {page}");
    }
    // Anonymous visitors and plain users do not reach it.
    assert_eq!(t.user("portal_user").await.get("/staff").await.status, StatusCode::FORBIDDEN);
    // The member area: the member card, the organisations box, the members' notices and the
    // member's TBT alerts, each a section of its domain.
    let member = t.member("portal_member", &t.staff("portal_member_desk").await).await;
    let page = member.get("/member").await;
    assert_eq!(page.status, StatusCode::OK);
    for part in ["card-member", "我的 TBT 预警", "会员通知"] {
        assert!(page.text.contains(part), "{part}: {}", page.text);
    }
});

// Each room documents its own API and vocabulary; the shared document adds only the error
// answers. The closed vocabularies are the domains' serde enums.
scenario!(every_room_documents_its_api_and_vocabulary, |t: TestApp| async move {
    let doc = t.client().get("/api/v1/openapi.json").await.json();
    let schemas = &doc["components"]["schemas"];
    for (name, values) in [
        ("ArticleKind", vec!["news", "notice", "policy"]),
        ("ApplicantKind", vec!["individual", "organisation"]),
        ("DecisionName", vec!["approve", "reject"]),
        ("AlertFrequency", vec!["immediate", "daily"]),
    ] {
        let found: Vec<&str> = schemas[name]["enum"].as_array().unwrap_or_else(|| panic!("{name}: {}", schemas[name])).iter().filter_map(|v| v.as_str()).collect();
        assert_eq!(found, values, "{name}");
    }
    assert_eq!(schemas["ArticleInput"]["properties"]["title"]["maxLength"], 200, "the document carries the handler's limits");
    assert_eq!(schemas["ApplicationInput"]["properties"]["statement"]["maxLength"], 2000);
    for path in ["/api/v1/articles", "/api/v1/membership/applications", "/api/v1/standards", "/api/v1/tbt/notifications", "/api/v1/orgs", "/api/v1/jobs/{id}", "/api/v1/session"] {
        assert!(doc["paths"].get(path).is_some(), "{path} is documented");
    }
    assert!(schemas.get("ErrorBody").is_some(), "the shared error answer");
});

/// The rate-limit class is part of each route's registration (it replaced a list of paths).
#[test]
fn expensive_routes_carry_their_rate_limit_class() {
    use biaozhun::web::ratelimit::Class;
    let table = biaozhun::app::route_table();
    let class = |method: &str, path: &str| table.iter().find(|r| r.method == method && r.path == path).unwrap_or_else(|| panic!("{method} {path}")).limit;
    assert_eq!(class("GET", "/search"), Some(Class::Search));
    assert_eq!(class("GET", "/standards"), Some(Class::Search));
    assert_eq!(class("GET", "/api/v1/standards"), Some(Class::Search));
    assert_eq!(class("GET", "/tbt"), Some(Class::Search));
    assert_eq!(class("GET", "/api/v1/tbt/notifications"), Some(Class::Search));
    assert_eq!(class("GET", "/standards/check"), None, "the empty form is cheap");
    assert_eq!(class("POST", "/standards/check"), Some(Class::Check));
    assert_eq!(class("POST", "/api/v1/standards/check"), Some(Class::Check));
    assert_eq!(class("GET", "/standards/check/{no}"), Some(Class::Check));
    assert_eq!(class("GET", "/standards/export.csv"), Some(Class::Export));
    assert_eq!(class("GET", "/standards/export.xlsx"), Some(Class::Export));
    assert_eq!(class("GET", "/staff/tbt/comments/{id}/export.md"), Some(Class::Export));
    assert_eq!(class("GET", "/tbt/stats.csv"), None);
    assert_eq!(class("GET", "/standards/{number}"), None);
    assert_eq!(class("GET", "/"), None);
}
