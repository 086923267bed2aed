//! One error type for every use case. Each variant says what kind of refusal
//! it is; guildhall-web maps them to HTTP statuses in one place.

use guildhall_core::RuleError;
use guildhall_db::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that cannot be read at all (what a remote server sent us too).
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed input that breaks a rule (a name, a length, a vote value).
    #[error("{0}")]
    Invalid(String),
    /// Wrong credentials.
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// Something fetched for the use case was too large.
    #[error("{0}")]
    TooLarge(String),
    /// Over a rate limit; try again after `retry_after` seconds.
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    /// Over a capacity bound (e.g. concurrent password hashes), not the
    /// caller's fault; try again after `retry_after` seconds.
    #[error("{detail}")]
    Busy { detail: String, retry_after: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn not_found(what: impl Into<String>) -> Self {
        Error::NotFound(what.into())
    }

    /// A store refusal in the rule's own words (`forbidden: …`), as the
    /// inbox has always answered remote servers; [`From`] keeps only the
    /// reason, which is what the API and pages show.
    pub fn worded(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Error::NotFound(what.to_string()),
            StoreError::Rule(RuleError::Forbidden(_)) => Error::Forbidden(e.to_string()),
            StoreError::Rule(RuleError::Invalid { .. }) => Error::Invalid(e.to_string()),
            StoreError::Rule(RuleError::Conflict(_)) | StoreError::Taken(_) => {
                Error::Conflict(e.to_string())
            }
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<RuleError> for Error {
    fn from(e: RuleError) -> Self {
        match e {
            RuleError::Invalid { .. } => Error::Invalid(e.to_string()),
            RuleError::Forbidden(m) => Error::Forbidden(m),
            RuleError::Conflict(m) => Error::Conflict(m),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => Error::NotFound(what.to_string()),
            StoreError::Taken(m) => Error::Conflict(m),
            StoreError::Rule(r) => r.into(),
            other => Error::Internal(other.to_string()),
        }
    }
}
