//! The web room: context middleware, errors, access rules, templates, translations and
//! static files. Domains add their routes through [`Routes`].

pub mod access;
pub mod assets;
pub mod ctx;
pub mod error;
pub mod i18n;
pub mod openapi;
pub mod ratelimit;
pub mod templates;

pub use access::{Access, RouteRule, Routes};
pub use ctx::Ctx;
pub use error::{AppError, AppResult};
pub use i18n::Lang;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// `application/x-www-form-urlencoded` input whose rejection names the problem in our
/// own error format instead of axum's plain-text one.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(e) => Err(rejection_error(e.body_text())),
        }
    }
}

/// JSON input with errors that name the field (serde's path and message).
pub struct JsonIn<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonIn<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonIn(v)),
            Err(JsonRejection::JsonDataError(e)) => Err(rejection_error(e.body_text())),
            Err(e) => Err(rejection_error(e.body_text())),
        }
    }
}

fn rejection_error(text: String) -> AppError {
    // serde messages look like "…: missing field `email` at line 1 column 20".
    let field = text.split('`').nth(1).map(str::to_string);
    AppError::Invalid { field, message: text }
}
