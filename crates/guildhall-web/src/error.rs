//! One error type for the HTTP side, mapped to a status and a JSON body
//! `{"error": "...", "detail": "..."}` in one place. Pages wrap it to show
//! the same message as HTML (see `pages::PageError`).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guildhall_core::RuleError;
use guildhall_db::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed input that breaks a rule (a name, a length, a vote value).
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Over a rate limit; try again after `retry_after` seconds (429).
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    /// Over a capacity bound (e.g. concurrent password hashes), not the
    /// client's fault; try again after `retry_after` seconds (503).
    #[error("{detail}")]
    Busy { detail: String, retry_after: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable code, e.g. `not_found`.
    pub error: &'static str,
    /// What went wrong, for a person.
    pub detail: String,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Invalid(_) => "invalid",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Busy { .. } => "busy",
            AppError::Internal(_) => "internal",
        }
    }

    /// The message shown to the client. Internal details stay in the log.
    pub fn detail(&self) -> String {
        match self {
            AppError::Internal(_) => "something went wrong on our side; it has been logged".into(),
            other => other.to_string(),
        }
    }

    /// Seconds the client should wait before trying again (`Retry-After`).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            AppError::TooManyRequests { retry_after, .. } | AppError::Busy { retry_after, .. } => {
                Some(*retry_after)
            }
            _ => None,
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        AppError::NotFound(what.into())
    }

    /// Logs the error at the level it deserves: a client's mistake is not the
    /// server's, so 4xx go to debug and only 5xx to error.
    pub fn log(&self) {
        if let AppError::Busy { .. } = self {
            tracing::warn!(error = %self, "request refused: busy");
        } else if self.status().is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::debug!(status = self.status().as_u16(), error = %self, "request refused");
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log();
        let mut res = (
            self.status(),
            Json(ErrorBody {
                error: self.code(),
                detail: self.detail(),
            }),
        )
            .into_response();
        set_retry_after(&mut res, self.retry_after());
        res
    }
}

/// Adds `Retry-After` (in seconds) to a refused response.
pub fn set_retry_after(res: &mut Response, seconds: Option<u64>) {
    if let Some(s) = seconds {
        res.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, s.max(1).into());
    }
}

impl From<RuleError> for AppError {
    fn from(e: RuleError) -> Self {
        guildhall_app::Error::from(e).into()
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        guildhall_app::Error::from(e).into()
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Every use case's refusal, as HTTP: the one place app errors get a status.
impl From<guildhall_app::Error> for AppError {
    fn from(e: guildhall_app::Error) -> Self {
        use guildhall_app::Error as E;
        match e {
            E::BadRequest(m) => AppError::BadRequest(m),
            E::Invalid(m) => AppError::Invalid(m),
            E::Unauthorized(m) => AppError::Unauthorized(m),
            E::Forbidden(m) => AppError::Forbidden(m),
            E::NotFound(m) => AppError::NotFound(m),
            E::Conflict(m) => AppError::Conflict(m),
            E::TooLarge(m) => AppError::PayloadTooLarge(m),
            E::TooManyRequests {
                detail,
                retry_after,
            } => AppError::TooManyRequests {
                detail,
                retry_after,
            },
            E::Busy {
                detail,
                retry_after,
            } => AppError::Busy {
                detail,
                retry_after,
            },
            E::Internal(m) => AppError::Internal(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Over a rate limit is 429 with the wait; a full hash gate is 503.
    #[test]
    fn refusals_keep_their_status_and_wait() {
        let e = AppError::from(guildhall_app::Error::TooManyRequests {
            detail: "too many".into(),
            retry_after: 175,
        });
        assert_eq!(e.status().as_u16(), 429);
        assert_eq!(e.retry_after(), Some(175));
        let e = AppError::from(guildhall_app::Error::Busy {
            detail: "busy".into(),
            retry_after: 1,
        });
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(e.retry_after(), Some(1));
    }
}
