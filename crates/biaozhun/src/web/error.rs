//! One error type for every handler, mapped once to a status code and, by the context
//! middleware, to an HTML page or a JSON body in the visitor's language.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("login required")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    /// Input that cannot be accepted; `field` names the form or JSON field.
    #[error("{message}")]
    Invalid { field: Option<String>, message: String },
    /// Someone else changed the record first, or it is in a state that forbids this.
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    TooMany { message: String, retry_after: i64 },
    #[error("payload too large")]
    TooLarge,
    #[error("service unavailable")]
    Unavailable,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Invalid { field: Some(field.into()), message: message.into() }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Invalid { .. } => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::TooMany { .. } => "too_many_requests",
            AppError::TooLarge => "too_large",
            AppError::Unavailable => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                tracing::warn!("database unavailable: {e}");
                AppError::Unavailable
            }
            other => AppError::Internal(other.into()),
        }
    }
}

/// What the context middleware needs to render an error for this request.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    /// Already-worded message, or empty for the generic one of `code`.
    pub message: String,
    pub field: Option<String>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            AppError::Invalid { message, .. } | AppError::TooMany { message, .. } => message.clone(),
            AppError::Conflict(m) => m.clone(),
            AppError::Internal(e) => {
                tracing::error!("internal error: {e:#}");
                String::new()
            }
            _ => String::new(),
        };
        let field = match &self {
            AppError::Invalid { field, .. } => field.clone(),
            _ => None,
        };
        let mut resp = status.into_response();
        if let AppError::TooMany { retry_after, .. } = &self {
            if let Ok(v) = retry_after.to_string().parse() {
                resp.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
            }
        }
        resp.extensions_mut().insert(ErrorInfo { code: self.code(), message, field });
        resp
    }
}

pub type AppResult<T> = Result<T, AppError>;
