//! Like and Dislike (Mastodon's favourite counts as an upvote), and their
//! Undo, matched on (actor, object): Lemmy's Undo carries a fresh id and,
//! in 0.19, always the type Like.

use super::posts::find_post;
use super::{Handler, Inbound};
use crate::FedError;
use crate::protocol::inbound::{Dislike, Like};
use guildhall_app::votes::{self, DailyVotes};
use guildhall_core::votes::Vote;
use url::Url;

#[async_trait::async_trait]
impl Handler for Like {
    /// Who may vote, on what, is the use case's rule ([`votes::vote_remote`]).
    async fn verify(&self, _: &Inbound<'_>) -> Result<(), FedError> {
        Ok(())
    }

    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        set(inbound, self.object.as_ref(), Some(Vote::Up)).await
    }
}

#[async_trait::async_trait]
impl Handler for Dislike {
    /// Who may vote, on what, is the use case's rule ([`votes::vote_remote`]).
    async fn verify(&self, _: &Inbound<'_>) -> Result<(), FedError> {
        Ok(())
    }

    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        set(inbound, self.object.as_ref(), Some(Vote::Down)).await
    }
}

/// Sets (or, with `None`, takes back) the actor's vote on `object`.
pub async fn set(
    inbound: &Inbound<'_>,
    object: Option<&Url>,
    vote: Option<Vote>,
) -> Result<(), FedError> {
    let target = object.ok_or_else(|| FedError::BadRequest("the vote names no object".into()))?;
    let ctx = inbound.data;
    let post = find_post(ctx, target)
        .await?
        .ok_or(FedError::NotFound("voted object"))?;
    let domain = inbound.actor.domain();
    let acting = inbound.acting(&domain)?;
    let daily = Daily(ctx);
    let received = inbound.received();
    Ok(votes::vote_remote(&ctx.app, acting, received, &post, vote, &daily).await?)
}

/// The daily count of each instance's votes, kept in [`crate::bookkeeping`].
struct Daily<'c>(&'c crate::FedData);

#[async_trait::async_trait]
impl DailyVotes for Daily<'_> {
    async fn count(&self, domain: &str) -> guildhall_app::Result<bool> {
        let cap = self.0.settings.remote_votes_per_instance_per_day;
        self.0
            .bookkeeping
            .count_vote(&self.0.store, domain, cap)
            .await
            .map_err(guildhall_app::Error::worded)
    }

    fn uncount(&self, domain: &str) {
        self.0.bookkeeping.uncount_vote(domain);
    }
}
