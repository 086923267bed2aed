//! Guildhall's application layer: what members, the operator and remote
//! actors can do. Every use case is one function that takes the [`App`],
//! who is [`Acting`] and the input; it checks every rule through
//! `guildhall_core` and commits through the store. The JSON API, the pages,
//! the command line and the ActivityPub inbox only translate to and from
//! these functions: the inbox verifies signatures and shapes, finds what an
//! activity names, and calls them as [`Acting::Remote`].
//!
//! Depends on guildhall-core and guildhall-db only. What a use case needs
//! from the network (fetching a remote group, issuing an attestation) it
//! asks of a [`Network`], which guildhall-federation implements.

pub mod access;
pub mod accounts;
pub mod attestations;
pub mod credentials;
mod error;
pub mod groups;
pub mod ideas;
pub mod instances;
pub mod invitations;
pub mod keys;
pub mod limits;
pub mod moderation;
pub mod notifications;
pub mod onboarding;
pub mod partners;
pub mod posts;
pub mod questions;
pub mod replies;
pub mod reputation;
pub mod reviews;
mod settings;
pub mod threads;
pub mod votes;

use guildhall_core::ids::{ThreadId, UserId};
use guildhall_core::permissions::Actor;
use guildhall_db::{FedGroup, FedUser, Store, User, Via};
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
    /// A person on another server whose activity the inbox verified. Never
    /// an admin, and not a member for the use cases of local sessions.
    Remote(Remote<'a>),
}

/// A person on another server, as the inbox verified them: the activity is
/// signed by them and its id is on their server.
#[derive(Debug, Clone, Copy)]
pub struct Remote<'a> {
    /// Their row in the users table.
    pub user: &'a FedUser,
    /// Their server's domain (the host of their id); per-instance caps count by it.
    pub domain: &'a str,
}

/// The activity a remote change came in, as the use cases need it.
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    pub id: &'a str,
    /// As received: a local group relays it verbatim to its followers.
    pub raw: &'a str,
    /// The remote group that announced it (FEP-1b12), when it came that way.
    pub via_group: Option<&'a FedGroup>,
}

impl<'a> Received<'a> {
    /// The store's relay for a change in `group`: the activity as received
    /// when the group is ours (it announces it), nothing otherwise.
    pub fn via(&self, group: &FedGroup) -> Via<'a> {
        Via::Remote {
            announce: group.origin.is_local().then_some(self.raw),
        }
    }

    /// Inside an Announce, the content must belong to the announcing group.
    pub fn check_group(&self, group: &FedGroup) -> Result<()> {
        match self.via_group {
            Some(g) if g.id != group.id => Err(Error::Forbidden(
                "a group may only announce its own content".into(),
            )),
            _ => Ok(()),
        }
    }
}

impl<'a> Acting<'a> {
    /// The member acting, or 401 for anyone else.
    pub fn member(self) -> Result<&'a User> {
        match self {
            Acting::Member(user) => Ok(user),
            _ => Err(Error::Unauthorized("this needs a signed-in member".into())),
        }
    }

    /// The verified remote actor, for the inbox's use cases; 403 for anyone else.
    pub fn remote(self) -> Result<Remote<'a>> {
        match self {
            Acting::Remote(remote) => Ok(remote),
            _ => Err(Error::Forbidden(
                "this is for actors of other servers".into(),
            )),
        }
    }

    /// Whether they have an admin's rights (the operator has).
    pub fn is_admin(self) -> bool {
        match self {
            Acting::Member(user) => user.is_admin,
            Acting::Operator => true,
            Acting::Visitor { .. } | Acting::Remote(_) => false,
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
    /// Finds a person on another server (`name@host`) and stores them;
    /// their name here.
    async fn lookup_user(&self, query: &str) -> Result<String>;

    /// Issues a local member a new attestation (after a withdrawal).
    async fn restore_attestation(&self, member_id: UserId) -> Result<()>;
}
