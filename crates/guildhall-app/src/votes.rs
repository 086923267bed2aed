//! Votes on threads and replies.

use crate::posts::Post;
use crate::{Acting, App, Error, Received, Result, replies, threads};
use guildhall_core::RuleError;
use guildhall_core::ids::Origin;
use guildhall_core::reputation::privileges::{self, Privilege};
use guildhall_core::votes::Vote;
use guildhall_db::{StoreError, Tallies, User, VoteTarget};

/// Sets (`Some(1)`, `Some(-1)`) or removes (`None`) the member's vote. The
/// trust-level and self-vote rules are checked with the vote's facts, in
/// the store's transaction.
pub async fn vote(
    app: &App,
    acting: Acting<'_>,
    target: VoteTarget,
    value: Option<i64>,
) -> Result<Tallies> {
    let user = acting.member()?;
    let vote = value.map(Vote::from_value).transpose()?;
    // Only those who may read a group's posts vote on them.
    let (table, id) = match target {
        VoteTarget::Thread(id) => (guildhall_db::PostTable::Threads, id.get()),
        VoteTarget::Reply(id) => (guildhall_db::PostTable::Replies, id.get()),
    };
    if let Some((_, group)) = app.store.post_place(table, id).await? {
        let what = match target {
            VoteTarget::Thread(_) => "thread",
            VoteTarget::Reply(_) => "reply",
        };
        crate::access::check_read(app, (group.id, group.visibility), Some(user), what).await?;
    }
    Ok(app.store.vote(user.id, target, vote).await?)
}

/// The same, but a member whose trust level is too low to vote there is
/// told what earns the right (for pages, which show it).
pub async fn vote_explained(
    app: &App,
    acting: Acting<'_>,
    target: VoteTarget,
    value: Option<i64>,
) -> Result<Tallies> {
    let user = acting.member()?;
    if value.is_some() {
        let thread_id = match target {
            VoteTarget::Thread(id) => id,
            VoteTarget::Reply(id) => replies::reply(app, id, Some(user)).await?.thread_id,
        };
        let thread = threads::thread(app, thread_id, Some(user)).await?;
        if let Some(why) = refusal(app, user, &thread.group_origin).await? {
            return Err(Error::Forbidden(why));
        }
    }
    vote(app, acting, target, value).await
}

/// Why `user` may not vote in a group of that origin, and what earns it;
/// `None` when they may. Votes on a remote group's posts are judged by its own
/// instance, so only local groups ask (as the store does).
pub async fn refusal(app: &App, user: &User, group: &Origin) -> Result<Option<String>> {
    if group.is_remote() {
        return Ok(None);
    }
    let level = app.store.trust_level(user.id).await?;
    Ok(privileges::check(level, Privilege::Vote)
        .err()
        .map(|_| privileges::how_to_earn(Privilege::Vote, level, &app.store.rules().trust)))
}

/// Today's count of votes from each remote instance, which guildhall-federation
/// keeps (in memory, written in batches) with the cap from its settings.
#[async_trait::async_trait]
pub trait DailyVotes: Send + Sync {
    /// Counts one vote from `domain` today; false when its cap is reached.
    async fn count(&self, domain: &str) -> Result<bool>;
    /// Gives back a vote counted today that was then refused.
    fn uncount(&self, domain: &str);
}

/// A remote member votes on `post` (or, with `None`, takes their vote back).
/// A flood of votes from one open-signup server is capped per day; the same
/// vote twice, or undoing one we never counted, changes nothing.
pub async fn vote_remote(
    app: &App,
    acting: Acting<'_>,
    received: Received<'_>,
    post: &Post,
    vote: Option<Vote>,
    daily: &dyn DailyVotes,
) -> Result<()> {
    let remote = acting.remote()?;
    received.check_group(&post.group)?;
    crate::access::open_to_remote(app, &post.group, remote.user.id).await?;
    if vote.is_some() && !daily.count(remote.domain).await? {
        tracing::info!(domain = %remote.domain, "remote vote not counted: daily cap reached");
        return Ok(());
    }
    let result = app
        .store
        .vote_via(
            remote.user.id,
            post.vote_target(),
            vote,
            received.via(&post.group),
            Some(received.id),
        )
        .await;
    if vote.is_some() && matches!(result, Err(StoreError::Rule(_))) {
        // Refused (a repeat, or a voter the rules do not let vote): it
        // does not use up the instance's votes for the day.
        daily.uncount(remote.domain);
    }
    match result {
        Ok(_) | Err(StoreError::Rule(RuleError::Conflict(_))) => Ok(()),
        Err(e) => Err(Error::worded(e)),
    }
}
