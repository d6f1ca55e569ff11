//! 通报评议, the comment workflow, as the people in it see it: exporters raise concerns on a
//! notification's page; the TBT desk sets the domestic deadline, consolidates the concerns
//! into one comment, has it reviewed, submits it to the national enquiry point, records the
//! reply and closes it. Every step is a button on the comment's page, shown only when it may
//! be taken, and lands in the history; the exporters are told of each step.

use crate::scenario;
use crate::support::{Client, TestApp};
use crate::tbt::{day, enc, eping_csv, upload};
use biaozhun::web::{Lang, i18n};
use reqwest::StatusCode;

/// Page text with the slashes minijinja escapes put back.
fn text(s: &str) -> String {
    s.replace("&#x2f;", "/")
}

/// The first number after `prefix` in a page (an id in a link or form action).
fn id_after(page: &str, prefix: &str) -> i64 {
    let start = page.find(prefix).unwrap_or_else(|| panic!("no {prefix} in {page}")) + prefix.len();
    page[start..].chars().take_while(char::is_ascii_digit).collect::<String>().parse().expect("an id")
}

/// The version a form of the page carries (what a browser would send back).
fn version(page: &str) -> String {
    let start = page.find("name=\"version\" value=\"").expect("a version field") + "name=\"version\" value=\"".len();
    page[start..].chars().take_while(char::is_ascii_digit).collect()
}

/// A concern as the notification page's form sends it.
async fn raise_concern(who: &Client, symbol: &str, body: &str, clauses: &str) -> StatusCode {
    let csrf = who.csrf().await;
    let form = reqwest::multipart::Form::new().text("body", body.to_string()).text("clauses", clauses.to_string()).text("trade_impact", "");
    let url = who.url(&format!("/tbt/notifications/{}/concerns?_csrf={csrf}", enc(symbol)));
    who.http.post(url).multipart(form).send().await.unwrap().status()
}

/// The labels of the step buttons on a comment page.
fn buttons(page: &str) -> Vec<String> {
    page.split("name=\"action\" value=\"").skip(1).map(|s| s[..s.find('"').unwrap()].to_string()).collect()
}

scenario!(tbt_comment_goes_from_concerns_to_a_closed_reply, |t: TestApp| async move {
    let desk = t.staff("comment_desk").await;
    let reviewer = t.staff("comment_reviewer").await;
    let hoods = t.user("hood_maker").await;
    let org = t.member_org("cooker_boss", "广州示例厨具有限公司", "91440101MA59ABCD1D", &desk).await;
    upload(&t, &desk, "eping.csv", eping_csv().into_bytes()).await;
    let symbol = "G/TBT/N/VNM/300";
    let url = format!("/tbt/notifications/{}", enc(symbol));

    // A visitor sees the notification and is asked to sign in to comment.
    let page = t.client().get(&url).await.text;
    assert!(page.contains(&i18n::t(Lang::Zh, "tbt.no_concerns")) && page.contains(&i18n::t(Lang::Zh, "tbt.login_to_comment")), "{page}");

    // Two exporters raise concerns from the page. Each sees their own under it, not the
    // other's (a concern may name a company's products and trade); the desk sees both.
    assert_eq!(raise_concern(&hoods, symbol, "60 天的测试期对吸油烟机太短。", "第 4.2 条").await, StatusCode::SEE_OTHER);
    assert_eq!(raise_concern(&org.admin, symbol, "能效等级与 GB 29539 不一致。", "附件 1").await, StatusCode::SEE_OTHER);
    assert_eq!(raise_concern(&hoods, symbol, "   ", "").await, StatusCode::UNPROCESSABLE_ENTITY, "an empty concern is refused");
    let own = hoods.get(&url).await.text;
    assert!(own.contains("60 天的测试期对吸油烟机太短。") && own.contains("第 4.2 条") && !own.contains("能效等级与 GB 29539 不一致。"), "{own}");
    let own = org.admin.get(&url).await.text;
    assert!(own.contains("能效等级与 GB 29539 不一致。") && !own.contains("60 天的测试期对吸油烟机太短。"), "{own}");
    assert!(t.client().get(&url).await.text.contains(&i18n::t(Lang::Zh, "tbt.no_concerns")), "visitors see none");
    let page = desk.get(&url).await.text;
    assert!(page.contains("60 天的测试期对吸油烟机太短。") && page.contains("能效等级与 GB 29539 不一致。"), "{page}");

    // The desk sets the domestic deadline from the same page; the queue of the next 30 days
    // shows the notification with its two concerns.
    let staff_page = desk.get(&url).await.text;
    let nid = id_after(&staff_page, "/staff/tbt/notifications/");
    let r = desk.post_form(&format!("/staff/tbt/notifications/{nid}/domestic"), &[("domestic_deadline", &day(20))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(t.client().get(&url).await.text.contains(&day(20)), "the page shows the domestic deadline");
    let queue = text(&desk.get("/staff/tbt").await.text);
    assert!(queue.contains(symbol) && queue.contains(&i18n::tf(Lang::Zh, "tbt.days_left", &[("n", "20")])), "{queue}");
    assert!(queue.contains("<td>2</td>"), "two concerns: {queue}");

    // Consolidating opens a draft that carries both concerns; from a draft it can go to
    // review or be closed, nothing else.
    let r = desk.post_form(&format!("/staff/tbt/notifications/{nid}/comments"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let comment = r.location();
    let cid = id_after(&comment, "/staff/tbt/comments/");
    let page = desk.get(&comment).await.text;
    assert!(page.contains(&i18n::t(Lang::Zh, "tbt.state_draft")), "{page}");
    assert!(page.contains("60 天的测试期对吸油烟机太短。") && page.contains("能效等级与 GB 29539 不一致。"), "{page}");
    assert_eq!(buttons(&page), ["send_to_review", "close"]);
    assert!(page.contains(&i18n::t(Lang::Zh, "tbt.action_send_to_review")));

    // The desk writes the comment, then sends it to review with a note.
    let r = desk
        .post_form(&comment, &[("title", "关于越南吸油烟机能效标识的评议意见"), ("body", "建议将测试期延长至 90 天，并采信 GB 29539 的测试结果。"), ("version", &version(&page))])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = desk.get(&comment).await.text;
    assert!(page.contains("关于越南吸油烟机能效标识的评议意见") && page.contains("建议将测试期延长至 90 天"), "{page}");
    let stale = version(&page);
    let r = desk.post_form(&format!("{comment}/state"), &[("action", "send_to_review"), ("note", "请法规处审核第 4.2 条"), ("version", &stale)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // A reviewer working from the page as it was before is told, and nothing moves twice.
    let r = reviewer.post_form(&format!("{comment}/state"), &[("action", "submit"), ("version", &stale)]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let page = reviewer.get(&comment).await.text;
    assert!(page.contains(&i18n::t(Lang::Zh, "tbt.state_internal_review")) && page.contains("请法规处审核第 4.2 条"), "{page}");
    assert_eq!(buttons(&page), ["return_to_draft", "submit"]);

    // The reviewer submits it to the enquiry point; the desk records the reply and closes.
    let r = reviewer.post_form(&format!("{comment}/state"), &[("action", "submit"), ("version", &version(&page))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = desk.get(&comment).await.text;
    assert!(page.contains(&i18n::t(Lang::Zh, "tbt.state_submitted")));
    assert_eq!(buttons(&page), ["record_reply", "close", "escalate"]);
    let r = desk.post_form(&format!("{comment}/state"), &[("action", "record_reply"), ("note", "越方同意延长至 90 天"), ("version", &version(&page))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = desk.get(&comment).await.text;
    let r = desk.post_form(&format!("{comment}/state"), &[("action", "close"), ("version", &version(&page))]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = desk.get(&comment).await.text;
    assert!(page.contains(&i18n::t(Lang::Zh, "tbt.state_closed")), "{page}");
    assert!(buttons(&page).is_empty(), "a closed comment offers no step");
    // The history tells the whole story, with the notes.
    for note in ["请法规处审核第 4.2 条", "越方同意延长至 90 天"] {
        assert!(page.contains(note), "{note} in the history: {page}");
    }

    // Both exporters were told of each step in their notices.
    let told = i18n::tf(Lang::Zh, "tbt.notice_comment.title", &[("symbol", symbol)]);
    for who in [&hoods, &org.admin] {
        let notices = text(&who.get("/notifications").await.text);
        assert!(notices.contains(&told), "{notices}");
    }
    assert!(text(&t.last_mail("hood_maker@example.com").await.0).contains(symbol));

    // The desk keeps the comment as a document; the exporters never reach the staff pages.
    let md = desk.get(&format!("{comment}/export.md")).await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(md.text.contains("关于越南吸油烟机能效标识的评议意见") && md.text.contains("60 天的测试期对吸油烟机太短。") && md.text.contains("越方同意延长至 90 天"), "{}", md.text);
    let print = desk.get(&format!("{comment}/print")).await;
    assert!(print.text.contains("建议将测试期延长至 90 天"));
    assert_eq!(hoods.get(&comment).await.status, StatusCode::FORBIDDEN);
    assert_eq!(hoods.post_form(&format!("{comment}/state"), &[("action", "close"), ("version", "9")]).await.status, StatusCode::FORBIDDEN);
    let dashboard = desk.get("/staff/tbt").await.text;
    assert!(dashboard.contains(&format!("/staff/tbt/comments/{cid}")) && dashboard.contains(&i18n::t(Lang::Zh, "tbt.state_closed")), "{dashboard}");
});
