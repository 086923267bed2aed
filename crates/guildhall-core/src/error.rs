use thiserror::Error;

/// A rule was broken by the input. Always the caller's fault: maps to a 4xx.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    /// A field's value is not acceptable; `field` names it for the client.
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    /// The actor may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The request contradicts the current state (voting the same way twice).
    #[error("conflict: {0}")]
    Conflict(String),
}

impl RuleError {
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        RuleError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
