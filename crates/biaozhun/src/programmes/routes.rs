//! Every route of the programmes room with its access rule; the handlers are in `pages.rs`
//! (the public pages, the applicant's and the reviewer's), `staff.rs` and `api.rs`.

use super::{api, files, pages, staff};
use crate::web::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/programmes", Access::Public, pages::list)
        .get("/programmes/notices", Access::Public, pages::notices)
        .post("/programmes/notices/{id}/objections", Access::User, pages::object)
        .get("/programmes/{code}", Access::Public, pages::programme)
        .get("/programmes/{code}/apply", Access::User, pages::apply_form)
        .post("/programmes/{code}/apply", Access::User, pages::apply)
        .get("/applications", Access::User, pages::mine)
        .get("/applications/{id}", Access::User, pages::application)
        .post("/applications/{id}", Access::User, pages::save)
        .post("/applications/{id}/step", Access::User, pages::step)
        .get("/applications/{id}/files/{file}/{name}", Access::User, files::download)
        .get("/review/applications", Access::Expert, pages::reviews)
        .get("/review/applications/{id}", Access::Expert, pages::review)
        .post("/review/applications/{id}/declare", Access::Expert, pages::declare)
        .post("/review/applications/{id}/score", Access::Expert, pages::score)
        .get("/staff/applications", Access::Staff, staff::queue)
        .post("/staff/applications/{id}/reviewers", Access::Staff, staff::assign)
        .post("/staff/applications/{id}/draw", Access::Staff, staff::draw)
        .post("/staff/applications/{id}/objections/{objection}", Access::Staff, staff::resolve)
        .get("/staff/programmes/payments.xlsx", Access::Staff, staff::payments)
        .post("/staff/orgs/{id}/untrustworthy", Access::Staff, staff::untrustworthy)
        .get("/api/v1/programmes", Access::Public, api::programmes)
        .get("/api/v1/applications", Access::User, api::applications)
        .post("/api/v1/applications", Access::User, api::create)
        .get("/api/v1/applications/{id}", Access::User, api::one)
        .post("/api/v1/applications/{id}/actions", Access::User, api::action)
        .get("/api/v1/applications/{id}/files", Access::User, files::api_list)
        .post("/api/v1/applications/{id}/files/{attachment}", Access::User, files::api_upload)
        .post("/api/v1/applications/{id}/declaration", Access::Expert, api::declaration)
        .post("/api/v1/applications/{id}/scores", Access::Expert, api::scores)
}
