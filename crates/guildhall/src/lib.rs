//! The Guildhall server: configuration, wiring and the running server, as a
//! library so end-to-end tests start exactly what `guildhall serve` starts.

pub mod config;
pub mod serve;
mod server;

pub use config::Config;
pub use server::{Server, open_store, start};
