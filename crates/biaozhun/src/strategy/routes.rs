//! The strategy room's routes, each with its access rule: the public dashboard, drill-downs,
//! comparison and yearly assessment (`pages.rs`); the units' reports and the staff's
//! dashboard (`staff.rs`); the staff's assignment of a task's units (`assign.rs`); the JSON
//! API (`api.rs`).

use super::{api, assign, officers, pages, staff};
use crate::web::{Access, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/strategy", Access::Public, pages::dashboard)
        .get("/strategy/compare", Access::Public, pages::compare)
        .get("/strategy/tasks/{no}", Access::Public, pages::task)
        .post("/strategy/tasks/{no}/assignment", Access::Staff, assign::form)
        .get("/strategy/indicators/{key}", Access::Public, pages::indicator)
        .get("/strategy/assessment", Access::Public, pages::assessment)
        .get("/strategy/assessment.xlsx", Access::Public, pages::assessment_xlsx)
        .get("/strategy/reports", Access::User, staff::my_reports)
        .post("/strategy/reports", Access::User, staff::file_form)
        .get("/strategy/reports/{id}", Access::User, staff::report)
        .post("/strategy/reports/{id}/evidence", Access::User, staff::upload_evidence)
        .get("/strategy/reports/{id}/evidence/{eid}", Access::User, staff::evidence)
        .post("/strategy/values", Access::User, staff::value_form)
        .get("/staff/strategy", Access::Staff, staff::dashboard)
        .post("/staff/strategy/reports/{id}/step", Access::Staff, staff::step)
        .post("/staff/strategy/officers", Access::Staff, officers::grant)
        .post("/staff/strategy/officers/remove", Access::Staff, officers::revoke)
        .get("/api/v1/strategy/goals", Access::Public, api::goals)
        .get("/api/v1/strategy/tasks", Access::Public, api::tasks)
        .put("/api/v1/strategy/tasks/{no}/assignment", Access::Staff, assign::api)
        .get("/api/v1/strategy/indicators", Access::Public, api::indicators_list)
        .post("/api/v1/strategy/reports", Access::User, api::file_report)
        .post("/api/v1/strategy/reports/{id}/actions", Access::Staff, api::decide_report)
        .post("/api/v1/strategy/values", Access::User, api::file_value)
}
