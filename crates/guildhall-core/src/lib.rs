//! Guildhall's domain rules. Everything here is pure (no IO, no async) so the
//! rules can be unit-tested without a database or a network.

pub mod addresses;
pub mod attestation;
pub mod content;
pub mod cursor;
pub mod error;
pub mod http_signatures;
pub mod ideas;
pub mod ids;
pub mod instances;
pub mod integrity;
pub mod kinds;
pub mod moderation;
pub mod names;
pub mod notifications;
pub mod onboarding;
pub mod permissions;
pub mod questions;
pub mod ranking;
pub mod rate;
pub mod reputation;
pub mod reviews;
pub mod tree;
pub mod visibility;
pub mod votes;

pub use error::RuleError;
