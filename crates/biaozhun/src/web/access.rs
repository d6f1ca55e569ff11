//! Routes with their access rule. Every route is registered through [`Routes`], which
//! records `(method, path, access)`; the authorization test walks that table for every
//! role, so a route cannot be added without a rule.

use super::ctx::Ctx;
use super::error::AppError;
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

async fn guard(access: Access, route: &'static str, req: Request, next: Next) -> Result<Response, AppError> {
    let ctx = req.extensions().get::<Ctx>().ok_or(AppError::Unauthorized)?;
    allowed(access, ctx)?;
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

#[derive(Default)]
pub struct Routes {
    router: Router<App>,
    rules: Vec<RouteRule>,
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    fn add(mut self, method: &'static str, path: &'static str, access: Access, mr: MethodRouter<App>) -> Routes {
        self.rules.push(RouteRule { method, path, access });
        let mr = mr.route_layer(middleware::from_fn(move |req: Request, next: Next| guard(access, path, req, next)));
        self.router = self.router.route(path, mr);
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

    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.rules.extend(other.rules);
        self
    }

    pub fn into_parts(self) -> (Router<App>, Vec<RouteRule>) {
        (self.router, self.rules)
    }
}
