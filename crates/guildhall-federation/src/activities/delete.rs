//! Delete of a thread or reply by its author, or a moderator's removal
//! announced by the post's remote group (Lemmy's shape: a Delete with a
//! `summary`, from the moderator, relayed by the community).

use super::posts::{Post, PostKind};
use super::{Handler, Inbound};
use crate::FedError;
use crate::protocol::inbound::Delete;

#[async_trait::async_trait]
impl Handler for Delete {
    /// Whose post it is decides who may delete it (in `receive`).
    async fn verify(&self, _: &Inbound<'_>) -> Result<(), FedError> {
        target(self).map(|_| ())
    }

    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        delete(inbound, target(self)?).await
    }
}

fn target(delete: &Delete) -> Result<&url::Url, FedError> {
    delete
        .object
        .as_ref()
        .ok_or_else(|| FedError::BadRequest("Delete names no object".into()))
}

async fn delete(inbound: &Inbound<'_>, target: &url::Url) -> Result<(), FedError> {
    if target == inbound.actor.ap_id() {
        // An account deleting itself: we keep its posts, as Lemmy does by default.
        return Ok(());
    }
    let ctx = inbound.data;
    // A partner revoking an attestation of one of its members.
    if ctx
        .store
        .revoke_imported_attestation(target.as_str(), inbound.actor.ap_id().as_str())
        .await?
    {
        tracing::info!(attestation = %target, "attestation revoked by its issuer");
        return Ok(());
    }
    // Mastodon sends Deletes for posts we never saw: nothing to do.
    let Some(post) = Post::find(ctx, target).await? else {
        return Ok(());
    };
    let user = inbound.user()?;
    inbound.check_group(&post.group)?;
    // The author deletes; otherwise it is a moderator's removal, which we
    // take only when the post's own (remote) group announces it.
    let removal_by_group = inbound
        .via_group
        .is_some_and(|g| g.id == post.group.id && g.origin.is_remote());
    if post.author_id != user.id && !removal_by_group {
        return Err(FedError::Forbidden(
            "only the author or the group's moderators may delete this".into(),
        ));
    }
    if post.deleted {
        return Ok(());
    }
    let via = inbound.announce_in(&post.group);
    match post.kind {
        PostKind::Thread(id) => ctx.store.delete_thread_via(id, Some(user.id), via).await?,
        PostKind::Reply(id) => ctx.store.delete_reply_via(id, Some(user.id), via).await?,
    }
    Ok(())
}
