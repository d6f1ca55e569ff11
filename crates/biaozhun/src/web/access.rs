//! Routes with their access rule. Every route is registered through [`Routes`], which
//! records `(method, path, access)`; the authorization test walks that table for every
//! role, so a route cannot be added without a rule.

use super::ctx::Ctx;
use super::error::AppError;
use super::ratelimit::Class;
use crate::App;
use axum::Router;
use axum::extract::Request;
use axum::http::Method;
use axum::handler::Handler;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::MethodRouter;
use serde::Serialize;

/// Who may use a route. Each level includes staff and admins where it makes sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Anyone, logged in or not.
    Public,
    /// Any logged-in account.
    User,
    /// A member in good standing (personal or through an organisation), staff or admin.
    Member,
    /// An expert of the pool, staff or admin.
    Expert,
    /// Association staff or admin.
    Staff,
    /// Administrators only.
    Admin,
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteRule {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    /// The rate-limit budget the route draws on (`None`: not limited).
    #[serde(serialize_with = "class_name")]
    pub limit: Option<Class>,
}

fn class_name<S: serde::Serializer>(c: &Option<Class>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_some(c.name()),
        None => s.serialize_none(),
    }
}

pub fn allowed(access: Access, ctx: &Ctx) -> Result<(), AppError> {
    use crate::auth::Role;
    if access == Access::Public {
        return Ok(());
    }
    let Some(user) = ctx.user.as_deref() else {
        return Err(AppError::Unauthorized);
    };
    let ok = match access {
        Access::Public | Access::User => true,
        Access::Member => user.is_member() || user.has(Role::Staff),
        Access::Expert => user.has(Role::Expert) || user.has(Role::Staff),
        Access::Staff => user.has(Role::Staff),
        Access::Admin => user.has(Role::Admin),
    };
    if ok { Ok(()) } else { Err(AppError::Forbidden) }
}

async fn guard(access: Access, limit: Option<Class>, route: &'static str, req: Request, next: Next) -> Result<Response, AppError> {
    let ctx = req.extensions().get::<Ctx>().ok_or(AppError::Unauthorized)?;
    allowed(access, ctx)?;
    if let (Some(class), Some(app)) = (limit, req.extensions().get::<App>()) {
        super::ratelimit::draw(app, ctx, class)?;
    }
    let privileged = matches!(access, Access::Staff | Access::Admin) && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !privileged {
        return Ok(next.run(req).await);
    }
    // Every privileged act leaves a generic record (actor, route, address, time, outcome),
    // whether or not the handler also wrote a specific one.
    let ctx = ctx.clone();
    let app = req.extensions().get::<App>().cloned();
    let method = req.method().clone();
    let target = req.uri().path().to_string();
    let resp = next.run(req).await;
    if let Some(app) = app {
        let action = format!("http {method} {route}");
        crate::auth::audit::log(&app, &ctx, &action, target, format!("status {}", resp.status().as_u16())).await;
    }
    Ok(resp)
}

/// A set of routes, each with its access rule and rate-limit class; the router is built
/// when the set is complete ([`Routes::into_parts`]), so [`Routes::limit`] can still mark
/// the route just added.
#[derive(Default)]
pub struct Routes {
    routes: Vec<(RouteRule, MethodRouter<App>)>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    fn add(mut self, method: &'static str, path: &'static str, access: Access, mr: MethodRouter<App>) -> Routes {
        self.routes.push((RouteRule { method, path, access, limit: None }, mr));
        self
    }

    pub fn get<H: Handler<T, App>, T: 'static>(self, path: &'static str, access: Access, h: H) -> Routes {
        self.add("GET", path, access, axum::routing::get(h))
    }
    pub fn post<H: Handler<T, App>, T: 'static>(self, path: &'static str, access: Access, h: H) -> Routes {
        self.add("POST", path, access, axum::routing::post(h))
    }
    pub fn put<H: Handler<T, App>, T: 'static>(self, path: &'static str, access: Access, h: H) -> Routes {
        self.add("PUT", path, access, axum::routing::put(h))
    }
    pub fn delete<H: Handler<T, App>, T: 'static>(self, path: &'static str, access: Access, h: H) -> Routes {
        self.add("DELETE", path, access, axum::routing::delete(h))
    }

    /// Makes the route added last draw on the `class` budget (a GET route's HEAD too).
    pub fn limit(mut self, class: Class) -> Routes {
        if let Some((rule, _)) = self.routes.last_mut() {
            rule.limit = Some(class);
        }
        self
    }

    pub fn merge(mut self, other: Routes) -> Routes {
        self.routes.extend(other.routes);
        self
    }

    /// The rules, without building the router (for tests and documents).
    pub fn rules(&self) -> Vec<RouteRule> {
        self.routes.iter().map(|(r, _)| r.clone()).collect()
    }

    pub fn into_parts(self) -> (Router<App>, Vec<RouteRule>) {
        let mut router = Router::new();
        let mut rules = Vec::with_capacity(self.routes.len());
        for (rule, mr) in self.routes {
            let RouteRule { access, limit, path, .. } = rule;
            let mr = mr.route_layer(middleware::from_fn(move |req: Request, next: Next| guard(access, limit, path, req, next)));
            router = router.route(path, mr);
            rules.push(rule);
        }
        (router, rules)
    }
}

/// A domain's answer to "may this user do this to this record" (its `policy.rs`), beside
/// the route's rule: the route lets experts in, the policy lets in the expert assigned to
/// this record. An act is a value of the domain's own enum.
pub trait Policy: Sync {
    /// `Ok(false)` refuses; `Err(NotFound)` for a record that does not exist.
    fn allows<'a>(&'a self, app: &'a App, user: &'a crate::auth::CurrentUser, record: i64) -> futures_util::future::BoxFuture<'a, Result<bool, AppError>>;
}

impl Ctx {
    /// Whether the signed-in user may do `act` to the record (a visitor may not).
    pub async fn can(&self, app: &App, act: &dyn Policy, record: i64) -> Result<bool, AppError> {
        match self.user.as_deref() {
            Some(u) => act.allows(app, u, record).await,
            None => Ok(false),
        }
    }

    /// As [`Ctx::can`], answering 401 to a visitor and 403 to a user who may not.
    pub async fn must(&self, app: &App, act: &dyn Policy, record: i64) -> Result<(), AppError> {
        let user = self.require_user()?;
        if act.allows(app, user, record).await? { Ok(()) } else { Err(AppError::Forbidden) }
    }
}
