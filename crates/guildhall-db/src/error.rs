use guildhall_core::RuleError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// The named thing does not exist (or is not visible).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique name is taken.
    #[error("{0}")]
    Taken(String),
    /// A domain rule checked inside a transaction refused the change.
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("bad database url: {0}")]
    Config(String),
}

impl StoreError {
    /// Maps a unique-constraint violation to `Taken(what)`, anything else to `Database`.
    pub(crate) fn taken_or(err: sqlx::Error, what: impl Into<String>) -> StoreError {
        match &err {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Taken(what.into()),
            _ => StoreError::Database(err),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
