//! Follow of a local group by a remote actor (accepted at once, an Accept
//! queued with it); Undo(Follow); and a remote group's Accept or Reject of
//! a local member's Follow.

use super::posts::find_group;
use super::{Handler, Inbound};
use crate::FedError;
use crate::actors::StoredActor;
use crate::protocol::inbound::{Accept, Follow, Reject};
use guildhall_app::groups;
use guildhall_core::ids::{GroupId, UserId};
use guildhall_db::FedGroup;
use url::Url;

#[async_trait::async_trait]
impl Handler for Follow {
    /// Only a public group of ours can be followed, by a person.
    async fn verify(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        groups::followable_remotely(&self.group(inbound).await?)?;
        inbound.user()?;
        Ok(())
    }

    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        let group = self.group(inbound).await?;
        let domain = inbound.actor.domain();
        let acting = inbound.acting(&domain)?;
        groups::follow_remote(&inbound.data.app, acting, inbound.received(), &group).await?;
        tracing::info!(group = %group.name, follower = %inbound.actor.ap_id(), "remote follow received");
        Ok(())
    }
}

impl Follow {
    /// The group of ours it follows.
    async fn group(&self, inbound: &Inbound<'_>) -> Result<FedGroup, FedError> {
        let target = self
            .object
            .as_ref()
            .ok_or_else(|| FedError::BadRequest("Follow names no object".into()))?;
        let ctx = inbound.data;
        let group = match find_group(ctx, target).await? {
            Some(g) if g.origin.is_local() => g,
            _ if ctx.urls.is_local(target) => {
                return Err(FedError::Unprocessable(
                    "only groups can be followed here".into(),
                ));
            }
            _ => return Err(FedError::NotFound("group")),
        };
        Ok(group)
    }
}

/// Undo(Follow): the remote actor leaves the group.
pub async fn undo(inbound: &Inbound<'_>, target: Option<&Url>) -> Result<(), FedError> {
    let target =
        target.ok_or_else(|| FedError::BadRequest("the undone Follow names no object".into()))?;
    let ctx = inbound.data;
    let Some(group) = find_group(ctx, target)
        .await?
        .filter(|g| g.origin.is_local())
    else {
        return Ok(());
    };
    let domain = inbound.actor.domain();
    let acting = inbound.acting(&domain)?;
    Ok(groups::unfollow_remote(&ctx.app, acting, &group).await?)
}

/// Only a group answers a Follow here.
fn answering_group<'a>(inbound: &'a Inbound<'_>) -> Result<&'a FedGroup, FedError> {
    match inbound.actor {
        StoredActor::Group(group, _) => Ok(group),
        StoredActor::User(..) => Err(FedError::Forbidden(
            "only a group answers a Follow here".into(),
        )),
    }
}

/// Which local member's Follow an answer is to, and of which group; none
/// when it answers no Follow of ours.
async fn answered(
    inbound: &Inbound<'_>,
    follow: Option<&Url>,
) -> Result<Option<(GroupId, UserId)>, FedError> {
    let ctx = inbound.data;
    let group = answering_group(inbound)?;
    let follow_id =
        follow.ok_or_else(|| FedError::BadRequest("the answer names no Follow".into()))?;
    let Some(token) = token_of(ctx, follow_id) else {
        return Ok(None);
    };
    Ok(ctx
        .store
        .member_by_follow(group.id, &token)
        .await?
        .map(|user| (group.id, user)))
}

/// The token of one of our activity ids (`/activities/{token}`).
fn token_of(ctx: &crate::Context, id: &Url) -> Option<String> {
    if !ctx.urls.is_local(id) {
        return None;
    }
    id.path().strip_prefix("/activities/").map(str::to_owned)
}

#[async_trait::async_trait]
impl Handler for Accept {
    async fn verify(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        answering_group(inbound).map(|_| ())
    }

    /// The membership becomes active, and the group's threads are fetched.
    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        let Some((group_id, user_id)) = answered(inbound, self.follow.as_ref()).await? else {
            return Ok(());
        };
        let ctx = inbound.data;
        if groups::follow_answered(&ctx.app, group_id, user_id, true).await? {
            // Fill the new member's feed from the group's outbox, off the request.
            let data = inbound.data.reset_request_count();
            tokio::spawn(async move {
                if let Err(e) = super::backfill::group(&data, group_id).await {
                    tracing::info!(error = %e, group_id = group_id.get(), "backfill of a followed group failed");
                }
            });
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Handler for Reject {
    async fn verify(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        answering_group(inbound).map(|_| ())
    }

    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        if let Some((group_id, user_id)) = answered(inbound, self.follow.as_ref()).await? {
            groups::follow_answered(&inbound.data.app, group_id, user_id, false).await?;
        }
        Ok(())
    }
}
