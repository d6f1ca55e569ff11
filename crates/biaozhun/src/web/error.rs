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
    /// The database cannot be reached or is locked (pool timeout, connection lost, server
    /// shutting down): 503 with `Retry-After`, the client may simply try again.
    #[error("service unavailable")]
    Unavailable,
    /// The database's disk is full: nothing can be saved until space is freed (503).
    #[error("storage full")]
    StorageFull,
    #[error(transparent)]
    Internal(anyhow::Error),
}

/// Seconds a client is told to wait after a 503.
pub const RETRY_AFTER_SECS: u64 = 5;

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
            AppError::Unavailable | AppError::StorageFull => StatusCode::SERVICE_UNAVAILABLE,
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
            AppError::StorageFull => "storage_full",
            AppError::Internal(_) => "internal",
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = e {
            return AppError::NotFound;
        }
        if crate::db::is_unstorable_text(&e) {
            return unstorable(&e);
        }
        match crate::db::fault(&e) {
            Some(crate::db::Fault::Unavailable) => {
                tracing::warn!("database unavailable: {e}");
                AppError::Unavailable
            }
            Some(crate::db::Fault::StorageFull) => {
                tracing::error!("database storage full: {e}");
                AppError::StorageFull
            }
            None => AppError::Internal(e.into()),
        }
    }
}

/// Errors that pass through `anyhow` (helpers returning `anyhow::Result`) keep their meaning:
/// a database outage inside is still a 503, not a 500.
impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> Self {
        if let Some(fault) = e.chain().find_map(|c| c.downcast_ref::<sqlx::Error>().and_then(crate::db::fault)) {
            return match fault {
                crate::db::Fault::Unavailable => {
                    tracing::warn!("database unavailable: {e:#}");
                    AppError::Unavailable
                }
                crate::db::Fault::StorageFull => {
                    tracing::error!("database storage full: {e:#}");
                    AppError::StorageFull
                }
            };
        }
        if e.chain().any(|c| c.downcast_ref::<sqlx::Error>().is_some_and(crate::db::is_unstorable_text)) {
            return unstorable(&format!("{e:#}"));
        }
        AppError::Internal(e)
    }
}

/// Text PostgreSQL refused to store (a NUL character) that got past the web layer's check.
fn unstorable(cause: &dyn std::fmt::Display) -> AppError {
    tracing::warn!("text the database cannot store: {cause}");
    AppError::Invalid { field: None, message: "the text contains a character that cannot be stored (NUL, U+0000)".into() }
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
        // Handlers that wrap errors themselves (`AppError::Internal(e)`) still report a
        // database outage as 503: the cause is looked for in the error's chain here.
        let this = match self {
            AppError::Internal(e) => AppError::from(e),
            other => other,
        };
        let status = this.status();
        let message = match &this {
            AppError::Invalid { message, .. } | AppError::TooMany { message, .. } => message.clone(),
            AppError::Conflict(m) => m.clone(),
            AppError::Internal(e) => {
                tracing::error!("internal error: {e:#}");
                String::new()
            }
            _ => String::new(),
        };
        let field = match &this {
            AppError::Invalid { field, .. } => field.clone(),
            _ => None,
        };
        let mut resp = status.into_response();
        let retry_after = match &this {
            AppError::TooMany { retry_after, .. } => Some(*retry_after),
            AppError::Unavailable => Some(RETRY_AFTER_SECS as i64),
            AppError::StorageFull => Some(60),
            _ => None,
        };
        if let Some(v) = retry_after.and_then(|r| r.to_string().parse().ok()) {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        resp.extensions_mut().insert(ErrorInfo { code: this.code(), message, field });
        resp
    }
}

pub type AppResult<T> = Result<T, AppError>;
