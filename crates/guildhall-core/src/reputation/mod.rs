//! Reputation rules: how many points an event earns, the daily cap on vote
//! points, ranks by points, trust levels by activity and the privileges each
//! level unlocks. Pure, like the rest of this crate; the ledger that feeds
//! them lives in the store.
//!
//! The defaults follow Stack Exchange for points and Discourse for trust
//! levels; every number is configurable (`[reputation]` in the config).

pub mod badges;
pub mod defences;
pub mod ledger;
pub mod member;
pub mod points;
pub mod privileges;
pub mod ranks;
pub mod replay;
pub mod rules;
pub mod trust;
pub mod votes;

pub use privileges::Privilege;
pub use rules::Rules;
pub use trust::TrustLevel;
