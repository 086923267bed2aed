//! Follow of a local group (answered with Accept through the queue), and
//! the Accept or Reject of a local member's Follow of a remote group.

use super::posts::find_group;
use super::{Inbound, value_id};
use crate::FedError;
use crate::actors::StoredActor;
use url::Url;

pub async fn receive(inbound: &Inbound<'_>) -> Result<(), FedError> {
    let target = value_id(&inbound.activity.object)
        .ok_or_else(|| FedError::BadRequest("Follow names no object".into()))?;
    let ctx = inbound.data;
    let group = match find_group(ctx, &target).await? {
        Some(g) if g.domain.is_none() => g,
        _ if ctx.urls.is_local(&target) => {
            return Err(FedError::Unprocessable(
                "only groups can be followed here".into(),
            ));
        }
        _ => return Err(FedError::NotFound("group")),
    };
    if group.visibility != "public" {
        return Err(FedError::Forbidden(
            "this group cannot be followed from other servers".into(),
        ));
    }
    let user = inbound.user()?;
    ctx.store
        .add_follower(group.id, user.id, inbound.activity.id.as_str(), inbound.raw)
        .await?;
    tracing::info!(group = %group.name, follower = %inbound.actor.ap_id(), "remote follow accepted");
    Ok(())
}

/// Undo(Follow): the remote actor leaves the group.
pub async fn undo(inbound: &Inbound<'_>, inner: &serde_json::Value) -> Result<(), FedError> {
    let target = inner
        .get("object")
        .and_then(value_id)
        .ok_or_else(|| FedError::BadRequest("the undone Follow names no object".into()))?;
    let ctx = inbound.data;
    let Some(group) = find_group(ctx, &target)
        .await?
        .filter(|g| g.domain.is_none())
    else {
        return Ok(());
    };
    let user = inbound.user()?;
    ctx.store.remove_follower(group.id, user.id).await?;
    Ok(())
}

/// Which local member's Follow an Accept or Reject answers, and of which group.
async fn answered(inbound: &Inbound<'_>) -> Result<Option<(i64, i64)>, FedError> {
    let ctx = inbound.data;
    let StoredActor::Group(group, _) = inbound.actor else {
        return Err(FedError::Forbidden(
            "only a group answers a Follow here".into(),
        ));
    };
    let follow = &inbound.activity.object;
    // Lemmy embeds our Follow; others may send just its id.
    let follow_id = value_id(follow)
        .ok_or_else(|| FedError::BadRequest("the answer names no Follow".into()))?;
    let token = token_of(ctx, &follow_id);
    let Some(token) = token else { return Ok(None) };
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

pub async fn accepted(inbound: &Inbound<'_>) -> Result<(), FedError> {
    let Some((group_id, user_id)) = answered(inbound).await? else {
        return Ok(());
    };
    let ctx = inbound.data;
    if ctx.store.accept_follow(group_id, user_id).await? {
        // Fill the new member's feed from the group's outbox, off the request.
        let data = inbound.data.reset_request_count();
        tokio::spawn(async move {
            if let Err(e) = crate::resolve::backfill_group(&data, group_id).await {
                tracing::info!(error = %e, group_id, "backfill of a followed group failed");
            }
        });
    }
    Ok(())
}

pub async fn rejected(inbound: &Inbound<'_>) -> Result<(), FedError> {
    if let Some((group_id, user_id)) = answered(inbound).await? {
        inbound
            .data
            .store
            .follow_rejected(group_id, user_id)
            .await?;
    }
    Ok(())
}
