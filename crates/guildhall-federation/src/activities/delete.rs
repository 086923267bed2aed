//! Delete of a thread or reply by its author.

use super::posts::{Post, PostKind};
use super::{Inbound, value_id};
use crate::FedError;

pub async fn receive(inbound: &Inbound<'_>) -> Result<(), FedError> {
    let target = value_id(&inbound.activity.object)
        .ok_or_else(|| FedError::BadRequest("Delete names no object".into()))?;
    if &target == inbound.actor.ap_id() {
        // An account deleting itself: we keep its posts, as Lemmy does by default.
        return Ok(());
    }
    let ctx = inbound.data;
    // Mastodon sends Deletes for posts we never saw: nothing to do.
    let Some(post) = Post::find(ctx, &target).await? else {
        return Ok(());
    };
    let user = inbound.user()?;
    if post.author_id != user.id {
        return Err(FedError::Forbidden(
            "only the author may delete this".into(),
        ));
    }
    inbound.check_group(&post.group)?;
    if post.deleted {
        return Ok(());
    }
    let via = inbound.announce_in(&post.group);
    match post.kind {
        PostKind::Thread(id) => ctx.store.delete_thread_via(id, via).await?,
        PostKind::Reply(id) => ctx.store.delete_reply_via(id, via).await?,
    }
    Ok(())
}
