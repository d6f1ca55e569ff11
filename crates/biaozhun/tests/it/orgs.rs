//! Organisations: joining only by an accepted invitation, several organisations and the
//! acting switch, leaving and removal, the last administrator, and the take-over of the
//! security finding (docs/reliability/security.md, "Organisation take-over").

use crate::scenario;
use crate::support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

const USCC_A: &str = "91440101MA59ABCD1D";
const USCC_B: &str = "91440106MA5CXYW12B";
const USCC_C: &str = "91440113MA5D00001M";

async fn mine(c: &Client) -> serde_json::Value {
    let r = c.api(Method::GET, "/api/v1/orgs", None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.json()
}

async fn watchlist(c: &Client) -> serde_json::Value {
    c.api(Method::GET, "/api/v1/standards/watchlist", None).await.json()
}

fn numbers(list: &serde_json::Value) -> Vec<String> {
    list["items"].as_array().unwrap().iter().map(|i| i["number"].as_str().unwrap().to_string()).collect()
}

async fn watch(c: &Client, number: &str) {
    let r = c.api(Method::POST, "/api/v1/standards/watchlist", Some(json!({ "numbers": number }))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn members(t: &TestApp, org: i64) -> Vec<i64> {
    biaozhun::orgs::members_of(&t.app.db.pool, org).await.unwrap()
}

async fn audits(t: &TestApp, action: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1").bind(action).fetch_one(&t.app.db.pool).await.unwrap()
}

scenario!(organisation_take_over_needs_the_persons_consent, |t: TestApp| async move {
    let a = t.org_with_admin("a_admin", "广州甲电器有限公司", USCC_A).await;
    let b = t.org_with_admin("b_admin", "广州乙贸易有限公司", USCC_B).await;
    let c = t.org_with_admin("c_admin", "广州丙科技有限公司", USCC_C).await;
    let victim = t.user("victim").await;
    let victim_id = t.user_id("victim").await;
    watch(&victim, "GB/T 19001-2016").await;
    // A's administrator keeps A's TBT profile.
    let r = a.admin.post_form("/tbt/profile", &[("hs", "8414"), ("markets", "ASEAN"), ("frequency", "immediate")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // The instant "add user by e-mail" of the finding is gone.
    let r = b.admin.post_form("/membership/organisation/users", &[("email", "victim@example.com")]).await;
    assert!(r.status == StatusCode::NOT_FOUND || r.status == StatusCode::METHOD_NOT_ALLOWED, "{}", r.status);
    // B's administrator can only invite; the victim's account is unchanged until it answers.
    let r = b.admin.post_form(&format!("/orgs/{}/invitations", b.id), &[("email", "victim@example.com")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(!members(&t, b.id).await.contains(&victim_id));
    let m = mine(&victim).await;
    assert_eq!(m["organisations"].as_array().unwrap().len(), 0);
    assert_eq!(m["acting"]["owner"], format!("u:{victim_id}"));
    assert_eq!(m["invitations"][0]["org_name"], "广州乙贸易有限公司");
    let list = watchlist(&victim).await;
    assert_eq!(list["owner"], format!("u:{victim_id}"));
    assert_eq!(numbers(&list), vec!["GB/T 19001-2016"], "the victim's own watchlist is intact");
    // What the victim adds next stays theirs: B does not see it.
    watch(&victim, "GB 8898-2011").await;
    assert_eq!(numbers(&watchlist(&victim).await).len(), 2);
    assert_eq!(numbers(&watchlist(&b.admin).await).len(), 0);
    // The victim declines; still nothing changed.
    let inv = t.invitation_to(&victim, b.id).await;
    let r = victim.post_form(&format!("/orgs/invitations/{inv}/decline"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(!members(&t, b.id).await.contains(&victim_id));
    assert_eq!(numbers(&watchlist(&victim).await).len(), 2);
    assert!(b.admin.get(&format!("/orgs/{}", b.id)).await.text.contains("已谢绝"));

    // C's administrator invites A's administrator: A's administrator stays A's, before and
    // after accepting, and keeps acting for A.
    let r = c.admin.post_form(&format!("/orgs/{}/invitations", c.id), &[("email", "a_admin@example.com")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    for accepted in [false, true] {
        if accepted {
            let inv = t.invitation_to(&a.admin, c.id).await;
            let r = a.admin.post_form(&format!("/orgs/invitations/{inv}/accept"), &[]).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        }
        assert_eq!(a.admin.get(&format!("/orgs/{}", a.id)).await.status, StatusCode::OK);
        let profile = a.admin.get("/tbt/profile").await;
        assert_eq!(profile.status, StatusCode::OK);
        assert!(profile.text.contains("广州甲电器有限公司") && profile.text.contains("action=\"/tbt/profile\""), "A's profile, editable");
        let r = a.admin.post_form("/tbt/profile", &[("hs", "8516"), ("markets", "ASEAN"), ("frequency", "daily")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let m = mine(&a.admin).await;
        assert_eq!(m["acting"]["org_id"], a.id);
        assert_eq!(m["organisations"].as_array().unwrap().len(), if accepted { 2 } else { 1 });
    }
    assert_eq!(audits(&t, "org.invite").await, 2);
    assert_eq!(audits(&t, "org.decline").await, 1);
    assert_eq!(audits(&t, "org.accept").await, 1);
});

scenario!(invitations_are_accepted_declined_expired_or_revoked, |t: TestApp| async move {
    let org = t.org_with_admin("hood_admin", "广州番禺厨电有限公司", USCC_A).await;
    let invite = |email: &'static str| {
        let admin = org.admin.clone();
        let path = format!("/orgs/{}/invitations", org.id);
        async move { admin.post_form(&path, &[("email", email)]).await }
    };
    // Accepted, acting for the organisation at once (the box on the form).
    let x = t.user("xiao_li").await;
    assert_eq!(invite("xiao_li@example.com").await.status, StatusCode::SEE_OTHER);
    let (subject, body, link) = t.last_mail("xiao_li@example.com").await;
    assert!(subject.contains("广州番禺厨电有限公司") && body.contains(USCC_A) && body.contains("hood_admin"), "{subject} {body}");
    assert_eq!(link.as_deref(), Some("/orgs"));
    let page = x.get("/orgs").await;
    assert!(page.text.contains("广州番禺厨电有限公司") && page.text.contains("/accept"), "the invitation is on the page");
    let notes = x.get("/notifications").await;
    assert!(notes.text.contains("邀请您加入"));
    let inv = t.invitation_to(&x, org.id).await;
    // Nobody else can answer it.
    let other = t.user("someone_else").await;
    assert_eq!(other.post_form(&format!("/orgs/invitations/{inv}/accept"), &[]).await.status, StatusCode::NOT_FOUND);
    let r = x.post_form(&format!("/orgs/invitations/{inv}/accept"), &[("act", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(mine(&x).await["acting"]["org_id"], org.id);
    assert_eq!(x.post_form(&format!("/orgs/invitations/{inv}/accept"), &[]).await.status, StatusCode::CONFLICT, "once only");
    let notes = org.admin.get("/notifications").await;
    assert!(notes.text.contains("xiao_li 已接受邀请"));
    // Inviting a user of the organisation again is refused on the field.
    let r = invite("xiao_li@example.com").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("err-email"));
    // A malformed address names the field.
    let r = invite("not an address").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("err-email"));

    // Declined: no membership, and no second answer.
    let y = t.user("xiao_wang").await;
    invite("xiao_wang@example.com").await;
    let inv = t.invitation_to(&y, org.id).await;
    assert_eq!(y.post_form(&format!("/orgs/invitations/{inv}/decline"), &[]).await.status, StatusCode::SEE_OTHER);
    let r = y.post_form(&format!("/orgs/invitations/{inv}/accept"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("谢绝"));
    assert!(mine(&y).await["organisations"].as_array().unwrap().is_empty());

    // Expired after 14 days: it cannot be accepted, leaves the person's list, and a new one
    // can be sent.
    let z = t.user("xiao_zhao").await;
    invite("xiao_zhao@example.com").await;
    let inv = t.invitation_to(&z, org.id).await;
    let expires: i64 = sqlx::query_scalar("SELECT expires_at FROM org_invitations WHERE id = $1").bind(inv).fetch_one(&t.app.db.pool).await.unwrap();
    let sent: i64 = sqlx::query_scalar("SELECT created_at FROM org_invitations WHERE id = $1").bind(inv).fetch_one(&t.app.db.pool).await.unwrap();
    assert_eq!(expires - sent, 14 * 86400);
    sqlx::query("UPDATE org_invitations SET created_at = created_at - 15 * 86400, expires_at = expires_at - 15 * 86400 WHERE id = $1")
        .bind(inv)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let r = z.post_form(&format!("/orgs/invitations/{inv}/accept"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("已过期"));
    assert!(mine(&z).await["invitations"].as_array().unwrap().is_empty());
    assert!(org.admin.get(&format!("/orgs/{}", org.id)).await.text.contains("已过期"));
    assert_eq!(invite("xiao_zhao@example.com").await.status, StatusCode::SEE_OTHER, "a new invitation after expiry");
    let again = t.invitation_to(&z, org.id).await;
    assert_ne!(again, inv);

    // Revoked by the administrator: gone for the person, and their accept is refused.
    let r = org.admin.post_form(&format!("/orgs/{}/invitations/{again}/revoke", org.id), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(mine(&z).await["invitations"].as_array().unwrap().is_empty());
    let r = z.post_form(&format!("/orgs/invitations/{again}/accept"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("撤回"));
    assert_eq!(org.admin.post_form(&format!("/orgs/{}/invitations/{again}/revoke", org.id), &[]).await.status, StatusCode::CONFLICT);
    // Inviting and withdrawing in a loop does not mail an address without end.
    for _ in 0..2 {
        assert_eq!(invite("xiao_zhao@example.com").await.status, StatusCode::SEE_OTHER);
        let open = t.invitation_to(&z, org.id).await;
        org.admin.post_form(&format!("/orgs/{}/invitations/{open}/revoke", org.id), &[]).await;
    }
    let r = invite("xiao_zhao@example.com").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("err-email") && r.text.contains("同一邮箱"), "{}", r.text);

    // Staff of the organisation cannot invite or revoke; outsiders do not see it at all.
    let r = x.post_form(&format!("/orgs/{}/invitations", org.id), &[("email", "friend@example.com")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(other.get(&format!("/orgs/{}", org.id)).await.status, StatusCode::NOT_FOUND);
    let r = other.post_form(&format!("/orgs/{}/invitations", org.id), &[("email", "friend@example.com")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    assert_eq!(audits(&t, "org.invite").await, 6);
    assert_eq!(audits(&t, "org.accept").await, 1);
    assert_eq!(audits(&t, "org.decline").await, 1);
    assert_eq!(audits(&t, "org.revoke").await, 3);
});

scenario!(invitation_answer_is_the_same_for_known_and_unknown_addresses, |t: TestApp| async move {
    let org = t.org_with_admin("site_admin", "广州番禺厨电有限公司", USCC_A).await;
    t.user("known").await;
    let path = format!("/orgs/{}/invitations", org.id);
    let known = org.admin.post_form(&path, &[("email", "known@example.com")]).await;
    let unknown = org.admin.post_form(&path, &[("email", "newcomer@example.com")]).await;
    assert_eq!(known.status, StatusCode::SEE_OTHER);
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.location(), unknown.location());
    assert_eq!(known.text, unknown.text);
    assert_eq!(known.headers.get("set-cookie"), unknown.headers.get("set-cookie"), "the same message");
    // Both addresses get the same mail; the list shows both alike, waiting.
    let (s1, b1, l1) = t.last_mail("known@example.com").await;
    let (s2, b2, l2) = t.last_mail("newcomer@example.com").await;
    assert_eq!((s1, l1), (s2, l2));
    assert_eq!(b1.replace("known@example.com", "X"), b2.replace("newcomer@example.com", "X"));
    assert!(b2.contains("/register"), "the way to register: {b2}");
    let page = org.admin.get(&format!("/orgs/{}", org.id)).await;
    let row = |email: &str| {
        let at = page.text.find(&format!("<td>{email}</td>")).expect("listed");
        let end = page.text[at..].find("</tr>").unwrap() + at;
        page.text[at..end].replace(email, "X").split("/invitations/").next().unwrap().to_string()
    };
    assert_eq!(row("known@example.com"), row("newcomer@example.com"));
    // The new address registers, confirms, and finds the invitation on its account page.
    let newcomer = t.user("newcomer").await;
    let account = newcomer.get("/account").await;
    assert!(account.text.contains("广州番禺厨电有限公司") && account.text.contains("?from=account"), "{}", account.text);
    let inv = t.invitation_to(&newcomer, org.id).await;
    let r = newcomer.post_form(&format!("/orgs/invitations/{inv}/accept?from=account"), &[("act", "1")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/account");
    assert_eq!(mine(&newcomer).await["acting"]["org_id"], org.id);
});

scenario!(several_organisations_and_switching_whom_one_acts_for, |t: TestApp| async move {
    let a = t.org_with_admin("a_boss", "广州甲电器有限公司", USCC_A).await;
    let b = t.org_with_admin("b_boss", "广州乙贸易有限公司", USCC_B).await;
    let consultant = t.user("consultant").await;
    let me = t.user_id("consultant").await;
    watch(&consultant, "GB/T 19001-2016").await;
    t.join_org(&a, &consultant, "consultant@example.com", "staff", false).await;
    t.join_org(&b, &consultant, "consultant@example.com", "staff", false).await;
    // Joining switched nothing: still personal, own list in view.
    let m = mine(&consultant).await;
    assert_eq!(m["acting"]["owner"], format!("u:{me}"));
    assert_eq!(m["organisations"].as_array().unwrap().len(), 2);
    assert_eq!(numbers(&watchlist(&consultant).await), vec!["GB/T 19001-2016"]);
    // The switcher is on the account page, the watchlist and the TBT profile.
    for page in ["/account", "/standards/watchlist", "/tbt/profile", "/orgs"] {
        let r = consultant.get(page).await;
        assert!(r.text.contains("action=\"/orgs/acting\"") && r.text.contains("广州乙贸易有限公司"), "{page}");
    }
    // Acting for A: A's list; what is added is A's, seen by A's administrator.
    let a_id = a.id.to_string();
    let r = consultant.post_form("/orgs/acting", &[("org", &a_id), ("next", "/standards/watchlist")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/standards/watchlist");
    watch(&consultant, "GB 8898-2011").await;
    let list = watchlist(&consultant).await;
    assert_eq!(list["owner"], format!("o:{}", a.id));
    assert_eq!(numbers(&list), vec!["GB 8898-2011"]);
    assert_eq!(numbers(&watchlist(&a.admin).await), vec!["GB 8898-2011"]);
    // A's TBT profile is its administrators' to edit; staff see it read-only.
    let profile = consultant.get("/tbt/profile").await;
    assert!(profile.text.contains("广州甲电器有限公司") && !profile.text.contains("action=\"/tbt/profile\""));
    assert_eq!(consultant.post_form("/tbt/profile", &[("hs", "8414"), ("markets", "ASEAN")]).await.status, StatusCode::FORBIDDEN);
    // Acting for B through the API: a subscription made now is B's.
    let r = consultant.api(Method::PUT, "/api/v1/orgs/acting", Some(json!({ "org_id": b.id }))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["acting"]["owner"], format!("o:{}", b.id));
    assert!(numbers(&watchlist(&consultant).await).is_empty());
    let r = consultant.api(Method::POST, "/api/v1/tbt/subscriptions", Some(json!({ "name": "B hoods", "members": ["EU"], "hs": ["8414"] }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let subs = b.admin.api(Method::GET, "/api/v1/tbt/subscriptions", None).await.json();
    assert_eq!(subs.as_array().unwrap().len(), 1, "B's administrator sees B's subscription: {subs}");
    assert!(a.admin.api(Method::GET, "/api/v1/tbt/subscriptions", None).await.json().as_array().unwrap().is_empty());
    // An organisation one does not belong to cannot be chosen.
    let c = t.org_with_admin("c_boss", "广州丙科技有限公司", USCC_C).await;
    let r = consultant.api(Method::PUT, "/api/v1/orgs/acting", Some(json!({ "org_id": c.id }))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["field"], "org");
    let r = consultant.post_form("/orgs/acting", &[("org", "abc")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Back to personal: the own list never went away, nor did the subscriptions.
    let r = consultant.post_form("/orgs/acting", &[("org", "")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/orgs");
    assert_eq!(numbers(&watchlist(&consultant).await), vec!["GB/T 19001-2016"]);
    assert!(consultant.api(Method::GET, "/api/v1/tbt/subscriptions", None).await.json().as_array().unwrap().is_empty());
});

scenario!(members_leave_and_administrators_remove, |t: TestApp| async move {
    let org = t.org_with_admin("boss", "广州番禺厨电有限公司", USCC_A).await;
    let one = t.org_member(&org, "member_one").await;
    let two = t.org_member(&org, "member_two").await;
    let one_id = t.user_id("member_one").await;
    let two_id = t.user_id("member_two").await;
    watch(&one, "GB/T 19001-2016").await;
    let r = one.post_form("/orgs/acting", &[("org", &org.id.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    watch(&one, "GB 8898-2011").await;
    // Staff cannot remove anyone.
    assert_eq!(one.post_form(&format!("/orgs/{}/users/{two_id}/remove", org.id), &[]).await.status, StatusCode::FORBIDDEN);
    // A member leaves: out of the organisation, back to their own list, which is intact.
    let r = one.post_form(&format!("/orgs/{}/leave", org.id), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(!members(&t, org.id).await.contains(&one_id));
    assert_eq!(one.get(&format!("/orgs/{}", org.id)).await.status, StatusCode::NOT_FOUND);
    let list = watchlist(&one).await;
    assert_eq!(list["owner"], format!("u:{one_id}"));
    assert_eq!(numbers(&list), vec!["GB/T 19001-2016"]);
    assert_eq!(numbers(&watchlist(&org.admin).await), vec!["GB 8898-2011"], "what they added for the organisation stays its");
    // The administrator removes the other member, who is told.
    let r = org.admin.post_form(&format!("/orgs/{}/users/{two_id}/remove", org.id), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(!members(&t, org.id).await.contains(&two_id));
    assert!(two.get("/notifications").await.text.contains("移出"));
    let boss_id = t.user_id("boss").await;
    let r = org.admin.post_form(&format!("/orgs/{}/users/{boss_id}/remove", org.id), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "leaving is how one removes oneself");
    assert_eq!(org.admin.post_form(&format!("/orgs/{}/users/{two_id}/remove", org.id), &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(audits(&t, "org.leave").await, 1);
    assert_eq!(audits(&t, "org.remove").await, 1);
});

scenario!(the_last_administrator_names_a_successor_before_leaving, |t: TestApp| async move {
    let org = t.org_with_admin("founder", "广州番禺厨电有限公司", USCC_A).await;
    let founder_id = t.user_id("founder").await;
    // Alone: cannot leave or step down.
    let r = org.admin.post_form(&format!("/orgs/{}/leave", org.id), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("err-successor") && r.text.contains("唯一的用户"));
    let heir = t.org_member(&org, "heir").await;
    let heir_id = t.user_id("heir").await;
    let r = org.admin.post_form(&format!("/orgs/{}/users/{founder_id}/role", org.id), &[("role", "staff")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the last administrator cannot step down");
    // With another user: leaving needs a successor, and only a user of the organisation.
    let r = org.admin.post_form(&format!("/orgs/{}/leave", org.id), &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("err-successor") && r.text.contains("唯一的管理员"));
    t.user("stranger").await;
    let stranger = t.user_id("stranger").await.to_string();
    let r = org.admin.post_form(&format!("/orgs/{}/leave", org.id), &[("successor", &stranger)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(members(&t, org.id).await.contains(&founder_id));
    let r = org.admin.post_form(&format!("/orgs/{}/leave", org.id), &[("successor", &heir_id.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(members(&t, org.id).await, vec![heir_id]);
    let admins = biaozhun::orgs::store::admins_of(&t.app.db.pool, org.id).await.unwrap();
    assert_eq!(admins, vec![heir_id]);
    // The heir now administers it, and is in turn its last user.
    assert!(heir.get(&format!("/orgs/{}", org.id)).await.text.contains(&format!("action=\"/orgs/{}/invitations\"", org.id)));
    assert_eq!(heir.post_form(&format!("/orgs/{}/leave", org.id), &[]).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    // With two administrators, either may leave without naming anyone.
    let org = Org { id: org.id, admin: heir.clone() };
    let second = t.org_member(&org, "second").await;
    let second_id = t.user_id("second").await;
    let r = heir.post_form(&format!("/orgs/{}/users/{second_id}/role", org.id), &[("role", "admin")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = heir.post_form(&format!("/orgs/{}/users/{second_id}/role", org.id), &[("role", "owner")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("err-role"));
    assert_eq!(second.post_form(&format!("/orgs/{}/leave", org.id), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(audits(&t, "org.leave").await, 2);
    assert!(audits(&t, "org.role").await >= 2, "the successor's promotion and the role change");
});

scenario!(reviewers_see_who_administers_an_organisation_applied_for_again, |t: TestApp| async move {
    t.org_with_admin("first_admin", "广州甲电器有限公司", USCC_A).await;
    let newcomer = t.user("claims_a").await;
    let r = newcomer.api(Method::POST, "/api/v1/membership/applications", Some(json!({
        "kind": "organisation", "org_name": "广州甲电器有限公司", "uscc": USCC_A, "industry": "C", "district_code": "440113",
        "contact_name": "赵工", "contact_phone": "020-3482 6600", "contact_email": "zhao@example.com"
    }))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    let staff = t.user_with_roles("reviewer", &[biaozhun::auth::Role::Staff]).await;
    let page = staff.get(&format!("/staff/memberships/{id}")).await;
    assert!(page.text.contains("已在平台登记") && page.text.contains("first_admin"), "{}", page.text);
});
