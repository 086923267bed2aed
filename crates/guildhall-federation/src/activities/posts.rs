//! Finding the thread or reply an activity names, local or a stored copy.

use crate::urls::Local;
use crate::{Context, FedError};
use guildhall_app::posts::{Post, PostKind};
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_db::{ActorKey, FedGroup, PostPlace, PostTable};
use url::Url;

/// The thread or reply at `url`: one of ours, or a stored copy.
pub async fn find_post(ctx: &Context, url: &Url) -> Result<Option<Post>, FedError> {
    let kind = match ctx.urls.parse(url) {
        Some(Local::Thread(id)) => Some(PostKind::Thread(id)),
        Some(Local::Reply(id)) => Some(PostKind::Reply(id)),
        Some(_) => None,
        None if ctx.urls.is_local(url) => None,
        None => match ctx.store.post_by_ap_id(url.as_str()).await? {
            Some((PostTable::Threads, id)) => Some(PostKind::Thread(ThreadId(id))),
            Some((PostTable::Replies, id)) => Some(PostKind::Reply(ReplyId(id))),
            None => None,
        },
    };
    let Some(kind) = kind else { return Ok(None) };
    let (table, id) = match kind {
        PostKind::Thread(id) => (PostTable::Threads, id.get()),
        PostKind::Reply(id) => (PostTable::Replies, id.get()),
    };
    let Some((place, group)) = ctx.store.post_place(table, id).await? else {
        return Ok(None);
    };
    let PostPlace {
        thread_id,
        author_id,
        deleted,
        ..
    } = place;
    Ok(Some(Post {
        kind,
        group,
        author_id,
        thread_id,
        deleted,
    }))
}

/// A group named by URL: one of ours, or a remote one we have stored.
pub async fn find_group(ctx: &Context, url: &Url) -> Result<Option<FedGroup>, FedError> {
    match ctx.urls.parse(url) {
        Some(Local::Group(name)) => Ok(ctx
            .store
            .fed_group(ActorKey::Name(&name))
            .await?
            .filter(|g| g.origin.is_local())),
        Some(_) => Ok(None),
        None => Ok(ctx.store.fed_group(ActorKey::ApId(url.as_str())).await?),
    }
}
