//! Federation errors, and their HTTP form (`{"error","detail"}` like the API).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guildhall_db::StoreError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum FedError {
    /// The request is malformed (bad JSON, bad digest, missing fields).
    #[error("{0}")]
    BadRequest(String),
    /// No valid HTTP signature from the activity's actor.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed, but not allowed: blocked instance, someone else's object.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0} was deleted")]
    Gone(&'static str),
    #[error("the activity is larger than {0} bytes")]
    TooLarge(usize),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Well-formed, but not something we can apply.
    #[error("{0}")]
    Unprocessable(String),
    /// Fetching or talking to a remote server failed.
    #[error("remote: {0}")]
    Remote(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A use case refused (or failed) what the activity asks.
    #[error(transparent)]
    App(#[from] guildhall_app::Error),
    #[error("{0}")]
    Internal(String),
}

impl From<activitypub_federation::error::Error> for FedError {
    fn from(e: activitypub_federation::error::Error) -> Self {
        use activitypub_federation::error::Error as E;
        match e {
            E::NotFound => FedError::NotFound("object"),
            E::ObjectDeleted(_) => FedError::Gone("object"),
            E::UrlVerificationError(m) => FedError::Forbidden(format!("url refused: {m}")),
            E::ActivitySignatureInvalid => {
                FedError::Unauthorized("the HTTP signature is invalid".into())
            }
            E::ActivityBodyDigestInvalid => {
                FedError::BadRequest("the Digest header does not match the body".into())
            }
            other => FedError::Remote(other.to_string()),
        }
    }
}

impl From<crate::protocol::inbound::Unsupported> for FedError {
    fn from(e: crate::protocol::inbound::Unsupported) -> Self {
        FedError::Unprocessable(e.0)
    }
}

impl From<serde_json::Error> for FedError {
    fn from(e: serde_json::Error) -> Self {
        FedError::BadRequest(format!("malformed JSON: {e}"))
    }
}

impl FedError {
    pub fn status(&self) -> StatusCode {
        match self {
            FedError::BadRequest(_) => StatusCode::BAD_REQUEST,
            FedError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            FedError::Forbidden(_) => StatusCode::FORBIDDEN,
            FedError::NotFound(_) => StatusCode::NOT_FOUND,
            FedError::Gone(_) => StatusCode::GONE,
            FedError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            FedError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            FedError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            // We could not reach the actor to check its key: the request is
            // not authenticated, and the sender may retry later.
            FedError::Remote(_) => StatusCode::UNAUTHORIZED,
            FedError::Store(StoreError::NotFound(_)) => StatusCode::NOT_FOUND,
            // A privilege the remote member lacks here (trust level, ban).
            FedError::Store(StoreError::Rule(guildhall_core::RuleError::Forbidden(_))) => {
                StatusCode::FORBIDDEN
            }
            FedError::Store(StoreError::Rule(_)) | FedError::Store(StoreError::Taken(_)) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            FedError::Store(_) | FedError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            FedError::App(e) => app_status(e),
        }
    }

    fn code(&self) -> &'static str {
        match self.status() {
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::GONE => "gone",
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid",
            StatusCode::CONFLICT => "conflict",
            _ => "internal",
        }
    }
}

/// A broken rule is 422; a conflict with what is stored (a second review
/// of one product) is 409, as the API answers it.
fn app_status(e: &guildhall_app::Error) -> StatusCode {
    use guildhall_app::Error as E;
    match e {
        E::BadRequest(_) => StatusCode::BAD_REQUEST,
        E::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        E::Conflict(_) => StatusCode::CONFLICT,
        E::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        E::Forbidden(_) => StatusCode::FORBIDDEN,
        E::NotFound(_) => StatusCode::NOT_FOUND,
        E::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        E::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        E::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
        E::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for FedError {
    fn into_response(self) -> Response {
        let status = self.status();
        let detail = if status.is_server_error() {
            tracing::error!(error = %self, "federation request failed");
            "something went wrong on our side".to_owned()
        } else {
            tracing::debug!(error = %self, "federation request refused");
            self.to_string()
        };
        (
            status,
            Json(serde_json::json!({ "error": self.code(), "detail": detail })),
        )
            .into_response()
    }
}
