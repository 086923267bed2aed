//! Moderators' actions from other servers, in Lemmy's shapes (see
//! `crate::moderation` for what we send): `Lock` and its `Undo`; `Add` and
//! `Remove` of a thread to a group's `featured` collection (a pin); the
//! `Undo` of a removal's `Delete` (a restore); `Block` of a person from a
//! group and its `Undo`. `Add`/`Remove` of a person to a remote group's
//! moderators collection, announced by the group, has its list read again
//! (`crate::remote_moderators`).
//!
//! Who may is decided in guildhall-app (`moderation::act_remote`): a
//! remote group's own Announce vouches for its moderators; in our groups,
//! only remote members we list as moderators act.

use super::Inbound;
use super::posts::{find_group, find_post};
use crate::FedError;
use crate::actors::StoredActor;
use crate::protocol::inbound::ModAction;
use guildhall_app::moderation::{self, BanTerms, RemoteAction};
use url::Url;

/// The verb of a moderator's action, as its activity type says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Lock,
    Add,
    Remove,
    Block,
}

/// Applies a moderator's action.
pub async fn apply(inbound: &Inbound<'_>, verb: Verb, action: &ModAction) -> Result<(), FedError> {
    let object = action
        .object
        .as_ref()
        .ok_or_else(|| FedError::BadRequest("the activity names no object".into()))?;
    match verb {
        Verb::Lock => on_post(inbound, object, RemoteAction::Lock(&action.reason)).await,
        Verb::Add | Verb::Remove => {
            let target = action
                .target
                .as_ref()
                .ok_or_else(|| FedError::BadRequest(format!("{verb:?} names no target")))?;
            match target.path().rsplit('/').next() {
                Some("featured") => {
                    let pin = if verb == Verb::Add {
                        RemoteAction::Pin
                    } else {
                        RemoteAction::Unpin
                    };
                    on_post(inbound, object, pin).await
                }
                // Its moderators are the group's server's to keep: a change
                // it announces is read again from there.
                Some("moderators") => {
                    if let Some(group) = inbound.via_group.filter(|g| g.origin.is_remote()) {
                        crate::remote_moderators::sync_logged(inbound.data, group).await;
                    }
                    Ok(())
                }
                _ => Err(FedError::Unprocessable(format!(
                    "{verb:?} to {target} is not supported here"
                ))),
            }
        }
        Verb::Block => {
            let expires_at = match &action.expires {
                Some(t) => Some(
                    chrono::DateTime::parse_from_rfc3339(t)
                        .map_err(|_| FedError::BadRequest("a Block's expiry is not a time".into()))?
                        .timestamp_millis(),
                ),
                None => None,
            };
            let terms = BanTerms {
                reason: &action.reason,
                expires_at,
                remove_content: action.remove_data,
            };
            block(inbound, object, action.target.as_ref(), Some(terms)).await
        }
    }
}

/// An `Undo` of a `Lock`, a removal's `Delete` or a `Block`.
pub async fn undo(
    inbound: &Inbound<'_>,
    kind: &str,
    object: Option<&Url>,
    target: Option<&Url>,
) -> Result<(), FedError> {
    let object =
        object.ok_or_else(|| FedError::BadRequest("the undone activity names no object".into()))?;
    match kind {
        "Lock" => on_post(inbound, object, RemoteAction::Unlock).await,
        "Delete" => on_post(inbound, object, RemoteAction::Restore).await,
        "Block" => block(inbound, object, target, None).await,
        other => Err(FedError::Unprocessable(format!(
            "undoing {other:?} is not supported here"
        ))),
    }
}

async fn on_post(
    inbound: &Inbound<'_>,
    object: &Url,
    action: RemoteAction<'_>,
) -> Result<(), FedError> {
    let ctx = inbound.data;
    let Some(post) = find_post(ctx, object).await? else {
        return Err(FedError::NotFound("post"));
    };
    let domain = inbound.actor.domain();
    let acting = inbound.acting(&domain)?;
    let received = inbound.received();
    Ok(moderation::act_remote(&ctx.app, acting, received, &post, action).await?)
}

async fn block(
    inbound: &Inbound<'_>,
    person: &Url,
    group: Option<&Url>,
    terms: Option<BanTerms<'_>>,
) -> Result<(), FedError> {
    let ctx = inbound.data;
    let group = group.ok_or_else(|| {
        // A Block with no group is one person blocking another, or an
        // instance ban: neither is a group's business here.
        FedError::Unprocessable("only bans from a group are taken here".into())
    })?;
    let Some(group) = find_group(ctx, group).await? else {
        return Err(FedError::Unprocessable(
            "the ban's target is not a group known here".into(),
        ));
    };
    let member = StoredActor::dereference(person, ctx).await?;
    let member = member
        .user()
        .ok_or_else(|| FedError::Unprocessable("only people are banned from groups".into()))?;
    let domain = inbound.actor.domain();
    let acting = inbound.acting(&domain)?;
    let received = inbound.received();
    Ok(moderation::ban_remote(&ctx.app, acting, received, &group, member, terms).await?)
}
