//! Guildhall's store: one API, SQLite (embedded default) or PostgreSQL behind it.
//!
//! Queries go through sqlx's `Any` driver so each is written once. They stick
//! to SQL both engines speak: `$n` parameters (SQLite accepts them too),
//! `RETURNING`, `ON CONFLICT`, BIGINT millisecond times and 0/1 flags.
//!
//! Some SQL is assembled at run time (`AssertSqlSafe`), always from constant
//! fragments: column lists, or table names picked from a closed enum. Values
//! from users are always bound as parameters, never spliced in.
//!
//! Every write transaction starts with a write, which takes SQLite's write
//! lock (or PostgreSQL's row lock) up front: concurrent votes on one post then
//! queue instead of reading stale tallies, and SQLite never has to upgrade a
//! read snapshot to a write lock (which fails with SQLITE_BUSY).

mod access;
mod attestations;
mod error;
mod federation;
mod flags;
mod group_commit;
mod groups;
mod ideas;
mod invitations;
mod locks;
mod members;
mod moderation;
mod notifications;
mod onboarding;
mod questions;
mod recompute;
mod removals;
mod replies;
mod reputation;
mod reviews;
mod sessions;
mod standings;
mod store;
mod threads;
mod users;
mod votes;

#[doc(hidden)]
pub mod testing;

pub use access::Membership;
pub use attestations::{AttestationKey, ImportedAttestation, IssuedAttestation, NewKey, Partner};
pub use error::StoreError;
pub use federation::{
    ActorKey, ActorTable, Delivery, Event, EventKind, EventObject, FedGroup, FedUser, Federated,
    InstanceSoftware, InstanceState, KeyPair, NoticeKind, Outbound, PostPlace, PostTable,
    RemoteGroup, RemoteUser, Usage, Via, new_token,
};
pub use flags::{Flag, Outcome, Resolution};
pub use groups::{Group, GroupUpdate, NewGroup};
pub use ideas::{NewStatus, StatusChange};
pub use invitations::{Invitation, NewInvitation};
pub use moderation::{GroupBan, LogEntry, LogRow, LogScope, NewBan};
pub use notifications::{NewNotification, Notice, Notification, PostFacts, Watched};
pub use recompute::Recomputed;
pub use removals::RemovedText;
pub use replies::{NewReply, Reply};
pub use reviews::{Product, ProductFields, ReviewOrder};
pub use standings::{GroupPoints, HeldBadge, LedgerRow, MemberReputation, Period, Standing};
pub use store::{Backend, Store};
pub use threads::{NewThread, Page, Thread, ThreadFilter, ThreadScope};
pub use users::{NewUser, ProfileUpdate, User, UserSummary};
pub use votes::{Tallies, VoteTarget};

/// Milliseconds since the Unix epoch, the unit of every stored time.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
