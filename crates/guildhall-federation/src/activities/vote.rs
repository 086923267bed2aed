//! Like and Dislike (Mastodon's favourite counts as an upvote), and their
//! Undo, matched on (actor, object): Lemmy's Undo carries a fresh id and,
//! in 0.19, always the type Like.

use super::posts::{Post, PostKind};
use super::{Handler, Inbound};
use crate::FedError;
use crate::protocol::inbound::{Dislike, Like};
use guildhall_core::RuleError;
use guildhall_core::votes::Vote;
use guildhall_db::{StoreError, VoteTarget};
use url::Url;

#[async_trait::async_trait]
impl Handler for Like {
    /// Who may vote, on what, is the store's rule ([`set`]).
    async fn verify(&self, _: &Inbound<'_>) -> Result<(), FedError> {
        Ok(())
    }

    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        set(inbound, self.object.as_ref(), Some(Vote::Up)).await
    }
}

#[async_trait::async_trait]
impl Handler for Dislike {
    /// Who may vote, on what, is the store's rule ([`set`]).
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
    let post = Post::find(ctx, target)
        .await?
        .ok_or(FedError::NotFound("voted object"))?;
    inbound.check_group(&post.group)?;
    let user = inbound.user()?;
    // A flood of votes from one open-signup server is capped per day.
    if vote.is_some() {
        let cap = ctx.settings.remote_votes_per_instance_per_day;
        if !ctx
            .bookkeeping
            .count_vote(&ctx.store, &inbound.actor.domain(), cap)
            .await?
        {
            tracing::info!(domain = %inbound.actor.domain(), "remote vote not counted: daily cap reached");
            return Ok(());
        }
    }
    let target = match post.kind {
        PostKind::Thread(id) => VoteTarget::Thread(id),
        PostKind::Reply(id) => VoteTarget::Reply(id),
    };
    let via = inbound.announce_in(&post.group);
    let result = ctx
        .store
        .vote_via(
            user.id,
            target,
            vote,
            via,
            Some(inbound.activity.id.as_str()),
        )
        .await;
    if vote.is_some() && matches!(result, Err(StoreError::Rule(_))) {
        // Refused (a repeat, or a voter the rules do not let vote): it
        // does not use up the instance's votes for the day.
        ctx.bookkeeping.uncount_vote(&inbound.actor.domain());
    }
    match result {
        // The same vote twice, or undoing one we never counted: nothing changes.
        Ok(_) | Err(StoreError::Rule(RuleError::Conflict(_))) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
