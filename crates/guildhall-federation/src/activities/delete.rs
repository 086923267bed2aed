//! Delete of a thread or reply by its author, or a moderator's removal
//! announced by the post's remote group (Lemmy's shape: a Delete with a
//! `summary`, from the moderator, relayed by the community).

use super::posts::find_post;
use super::{Handler, Inbound};
use crate::FedError;
use crate::protocol::inbound::Delete;
use guildhall_app::{attestations, posts};

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
    if attestations::revoke_imported(&ctx.app, target.as_str(), inbound.actor.ap_id().as_str())
        .await?
    {
        tracing::info!(attestation = %target, "attestation revoked by its issuer");
        return Ok(());
    }
    // Mastodon sends Deletes for posts we never saw: nothing to do.
    let Some(post) = find_post(ctx, target).await? else {
        return Ok(());
    };
    let domain = inbound.actor.domain();
    let acting = inbound.acting(&domain)?;
    Ok(posts::delete_remote(&ctx.app, acting, inbound.received(), &post).await?)
}
