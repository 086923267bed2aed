//! The ActivityPub vocabulary Guildhall speaks: one serde type per object
//! and activity it sends or accepts (docs/FEDERATION.md lists them).
//!
//! This module is the bottom of the crate: it imports nothing else from it,
//! so the handlers ([`crate::activities`]), the outbox and the routes all
//! depend on it and never on each other for a shape.
//!
//! - [`shapes`]: how a property that may be one value or many, a reference
//!   or a link is read from others.
//! - [`context`]: the JSON-LD `@context` of what we send, and our timestamps.
//! - [`actors`], [`objects`]: `Person`, `Group`, `Application`, `Page`,
//!   `Note`, `Tombstone`, collections; served, sent and received.
//! - [`outbound`]: the activities we send, field for field in the order
//!   peers have always seen them.
//! - [`inbound`]: the activities we accept, each its own type, and the
//!   enum the inbox dispatches on.

pub mod actors;
pub mod context;
pub mod inbound;
pub mod objects;
pub mod outbound;
pub mod shapes;

pub use shapes::PUBLIC;
