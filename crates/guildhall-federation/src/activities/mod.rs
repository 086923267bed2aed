//! Inbound activities: one module per activity type. Each checks the
//! protocol (the shape, which stored object a URL names, that the actor
//! who signed is the one acting) and applies the change through a use case
//! of guildhall-app, acting as [`Acting::Remote`]: the rules (who may edit,
//! delete, post in or follow what; the daily cap on an instance's votes)
//! are checked there, and the store records the group's relay when the
//! change happened in a local group.
//!
//! Adding an activity is one module here and one line in [`apply`], with
//! its type in [`crate::protocol::inbound`]. Moderators' actions (`Lock`,
//! `Add`/`Remove`, `Block`) share one module, `moderate`.

mod announce;
pub mod backfill;
mod create;
mod delete;
mod flag;
mod follow;
mod moderate;
mod offer;
mod posts;
mod states;
mod undo;
mod vote;

use crate::actors::StoredActor;
use crate::protocol::inbound::{Activity, Incoming};
use crate::{FedData, FedError};
use guildhall_app::{Acting, Received, Remote};
use guildhall_db::FedGroup;

pub use guildhall_app::posts::Post;

/// What the inbox does with one kind of activity, once its signature and
/// origin are checked: `verify` refuses what this actor may not do (who may
/// do this to what), `receive` applies it through guildhall-app. The pattern of
/// activitypub_federation's `Activity` trait, which Guildhall does not use
/// itself: our handlers need the activity as received (a local group relays
/// it verbatim) and the group vouching for it inside an Announce, and the
/// inbox verifies signatures itself ([`crate::inbox`]).
#[async_trait::async_trait]
pub trait Handler {
    async fn verify(&self, inbound: &Inbound<'_>) -> Result<(), FedError>;
    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError>;
}

/// One activity being applied.
pub struct Inbound<'a> {
    pub activity: &'a Incoming,
    /// The activity as received, relayed verbatim when a local group announces it.
    pub raw: &'a str,
    /// Its actor, fetched and verified.
    pub actor: &'a StoredActor,
    /// Set inside an Announce: the remote group vouching for the activity,
    /// which must then be about that group's content.
    pub via_group: Option<&'a FedGroup>,
    pub data: &'a FedData,
}

impl Inbound<'_> {
    /// The acting user; groups and services cannot post or vote.
    pub fn user(&self) -> Result<&guildhall_db::FedUser, FedError> {
        self.actor
            .user()
            .ok_or_else(|| FedError::Forbidden("only people can do this".into()))
    }

    /// The acting person, for the use cases; `domain` is their server's
    /// (`self.actor.domain()`).
    pub fn acting<'s>(&'s self, domain: &'s str) -> Result<Acting<'s>, FedError> {
        Ok(Acting::Remote(Remote {
            user: self.user()?,
            domain,
        }))
    }

    /// The activity as the use cases need it.
    pub fn received(&self) -> Received<'_> {
        Received {
            id: self.activity.id.as_str(),
            raw: self.raw,
            via_group: self.via_group,
        }
    }
}

/// Applies a verified activity unless its id was seen before. Only an
/// applied activity is recorded, so a corrected resend of a refused one is
/// not taken for a repeat.
pub async fn apply_once(inbound: &Inbound<'_>) -> Result<(), FedError> {
    let (data, id) = (inbound.data, inbound.activity.id.as_str());
    // Dropped on every way out but success, which releases the id.
    let Some(claim) = data.bookkeeping.claim(id) else {
        return Ok(());
    };
    if data.store.received(id).await? {
        return Ok(());
    }
    apply(inbound).await?;
    claim.applied();
    Ok(())
}

/// Applies one verified activity. Boxed: an Announce applies its inner
/// activity through here again.
pub fn apply<'a>(inbound: &'a Inbound<'a>) -> futures::future::BoxFuture<'a, Result<(), FedError>> {
    Box::pin(apply_inner(inbound))
}

async fn apply_inner(inbound: &Inbound<'_>) -> Result<(), FedError> {
    match &Activity::parse(inbound.activity)? {
        Activity::Follow(a) => handle(a, inbound).await,
        Activity::Accept(a) => handle(a, inbound).await,
        Activity::Reject(a) => handle(a, inbound).await,
        Activity::Undo(a) => handle(a, inbound).await,
        Activity::Create(a) | Activity::Update(a) => handle(a.as_ref(), inbound).await,
        Activity::Delete(a) => handle(a, inbound).await,
        Activity::Like(a) => handle(a, inbound).await,
        Activity::Dislike(a) => handle(a, inbound).await,
        Activity::Announce(a) => handle(a, inbound).await,
        Activity::Flag(a) => handle(a, inbound).await,
        Activity::Offer(a) => handle(a, inbound).await,
        Activity::Lock(a) => moderate::apply(inbound, moderate::Verb::Lock, a).await,
        Activity::Add(a) => moderate::apply(inbound, moderate::Verb::Add, a).await,
        Activity::Remove(a) => moderate::apply(inbound, moderate::Verb::Remove, a).await,
        Activity::Block(a) => moderate::apply(inbound, moderate::Verb::Block, a).await,
    }
}

async fn handle(handler: &impl Handler, inbound: &Inbound<'_>) -> Result<(), FedError> {
    handler.verify(inbound).await?;
    handler.receive(inbound).await
}
