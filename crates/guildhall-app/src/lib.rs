//! Guildhall's application layer: what members, the operator and (later)
//! remote actors can do. Every use case is one function that takes the
//! [`App`], who is [`Acting`] and the input; it checks every rule through
//! `guildhall_core` and commits through the store. The JSON API, the pages
//! and the command line only translate to and from these functions.
//!
//! Depends on guildhall-core and guildhall-db only. What a use case needs
//! from the network (fetching a remote group, issuing an attestation) it
//! asks of a [`Network`], which guildhall-federation implements.

pub mod accounts;
pub mod attestations;
pub mod credentials;
mod error;
pub mod groups;
pub mod instances;
pub mod keys;
pub mod limits;
pub mod moderation;
pub mod partners;
pub mod replies;
pub mod reputation;
mod settings;
pub mod threads;
pub mod votes;

use guildhall_core::ids::{ThreadId, UserId};
use guildhall_core::permissions::Actor;
use guildhall_db::{Store, User};
use std::sync::Arc;

pub use error::{Error, Result};
pub use settings::Settings;

/// What every use case can reach. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub settings: Arc<Settings>,
    /// Bounds the password hashes running at once (memory before login).
    pub hash_gate: Arc<credentials::HashGate>,
    /// Rate limits per account, address and member.
    pub limits: Arc<limits::Limiters>,
    /// The network, when the instance federates (the CLI runs without it).
    network: Option<Arc<dyn Network>>,
}

impl App {
    pub fn new(store: Store, settings: Settings) -> Self {
        App {
            store,
            hash_gate: Arc::new(credentials::HashGate::new(
                settings.password_hash_concurrency,
                settings.password_hash_queue,
            )),
            limits: Arc::new(limits::Limiters::new(&settings.rate_limits)),
            settings: Arc::new(settings),
            network: None,
        }
    }

    pub fn with_network(mut self, network: Arc<dyn Network>) -> Self {
        self.network = Some(network);
        self
    }

    fn network(&self) -> Option<&dyn Network> {
        self.network.as_deref()
    }
}

/// Who is acting: the rights a use case grants depend on it.
#[derive(Debug, Clone, Copy)]
pub enum Acting<'a> {
    /// Someone not signed in, from a client address (for the per-address
    /// limits; `None` when unknown).
    Visitor { address: Option<&'a str> },
    /// A signed-in member.
    Member(&'a User),
    /// Whoever runs the `guildhall` command: they run the server, so they
    /// may do what an admin may, registration closed or not, unlimited.
    Operator,
}

impl<'a> Acting<'a> {
    /// The member acting, or 401 for anyone else.
    pub fn member(self) -> Result<&'a User> {
        match self {
            Acting::Member(user) => Ok(user),
            _ => Err(Error::Unauthorized("this needs a signed-in member".into())),
        }
    }

    /// Whether they have an admin's rights (the operator has).
    pub fn is_admin(self) -> bool {
        match self {
            Acting::Member(user) => user.is_admin,
            Acting::Operator => true,
            Acting::Visitor { .. } => false,
        }
    }

    /// Refuses anyone without an admin's rights; `what` names the action.
    pub fn require_admin(self, what: &str) -> Result<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("{what} is for admins")))
        }
    }
}

/// A member as the rules in `guildhall_core::permissions` see them.
pub fn actor(user: &User) -> Actor {
    Actor {
        id: user.id,
        is_admin: user.is_admin,
    }
}

/// What use cases need from other instances. guildhall-federation
/// implements it; the app layer does not depend on it.
#[async_trait::async_trait]
pub trait Network: Send + Sync {
    /// Fetches the replies of a remote thread that we lack (briefly, and at
    /// most every few minutes per thread).
    async fn refresh_thread(&self, thread_id: ThreadId);

    /// Finds a remote group by `!name@host`, `@name@host` or URL and stores
    /// it; returns the name it is stored under.
    async fn lookup_group(&self, query: &str) -> Result<String>;

    /// Issues a local member a new attestation (after a withdrawal).
    async fn restore_attestation(&self, member_id: UserId) -> Result<()>;
}
