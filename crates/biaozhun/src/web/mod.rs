//! The web room: context middleware, errors, access rules, templates, translations and
//! static files. Domains add their routes through [`Routes`].

pub mod access;
pub mod assets;
pub mod cache;
pub mod chart;
pub mod ctx;
pub mod domain;
pub mod download;
pub mod error;
pub mod form;
pub mod i18n;
pub mod ical;
pub mod openapi;
pub mod pager;
pub mod ratelimit;
pub mod templates;
pub mod upload;

pub use access::{Access, Policy, RouteRule, Routes};
pub use ctx::Ctx;
pub use domain::{Domain, Hooks};
pub use error::{AppError, AppResult};
pub use i18n::Lang;

use axum::Json;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// `application/x-www-form-urlencoded` input whose rejection names the problem in our
/// own error format instead of axum's plain-text one.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<Vec<(String, String)>>::from_request(req, state).await {
            Ok(axum::Form(pairs)) => {
                if let Some(name) = nul_pair(&pairs) {
                    return Err(nul_error(name));
                }
                // Same decoder as axum's Form, from the pairs already read.
                let body = serde_urlencoded::to_string(&pairs).map_err(|e| rejection_error(e.to_string()))?;
                serde_urlencoded::from_str(&body).map(Form).map_err(|e| rejection_error(format!("Failed to deserialize form body: {e}")))
            }
            Err(e) => Err(rejection_error(e.body_text())),
        }
    }
}

/// JSON input with errors that name the field (serde's path and message).
pub struct JsonIn<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonIn<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let value = match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(v)) => v,
            Err(e) => return Err(rejection_error(e.body_text())),
        };
        if let Some(path) = nul_path(&value) {
            return Err(nul_error(&path));
        }
        // The path-tracking deserializer axum's Json uses, so errors read as before.
        serde_path_to_error::deserialize(value)
            .map(JsonIn)
            .map_err(|e| rejection_error(format!("Failed to deserialize the JSON body into the target type: {e}")))
    }
}

/// Where a NUL character sits in a JSON value (a dotted path), if anywhere. No field of the
/// platform has a use for one, and PostgreSQL cannot store it in text: it is refused at the
/// door, on both backends alike.
fn nul_path(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => s.contains('\0').then(String::new),
        serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, x)| nul_path(x).map(|p| join_path(&i.to_string(), &p))),
        serde_json::Value::Object(map) => map.iter().find_map(|(k, x)| {
            if k.contains('\0') {
                return Some(k.replace('\0', "\\0"));
            }
            nul_path(x).map(|p| join_path(k, &p))
        }),
        _ => None,
    }
}

/// The name of the first name/value pair (a form body or a query string) holding a NUL.
pub fn nul_pair(pairs: &[(String, String)]) -> Option<&str> {
    pairs.iter().find(|(k, v)| k.contains('\0') || v.contains('\0')).map(|(k, _)| k.as_str())
}

fn join_path(head: &str, rest: &str) -> String {
    if rest.is_empty() { head.to_string() } else { format!("{head}.{rest}") }
}

/// The answer to text with a NUL character in `field` (a form field, JSON path or query parameter).
pub fn nul_error(field: &str) -> AppError {
    AppError::invalid(field.to_string(), "contains a NUL character (U+0000), which no field accepts")
}

fn rejection_error(text: String) -> AppError {
    // serde messages look like "…: missing field `email` at line 1 column 20".
    let field = text.split('`').nth(1).map(str::to_string);
    AppError::Invalid { field, message: text }
}
