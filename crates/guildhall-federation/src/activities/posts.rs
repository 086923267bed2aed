//! Finding the thread or reply an activity names, local or a stored copy.

use crate::urls::Local;
use crate::{Context, FedError};
use guildhall_app::posts::Post;
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_core::reputation::ledger::Object;
use guildhall_db::{ActorKey, FedGroup, PostPlace, PostTable};
use url::Url;

/// The thread or reply at `url`: one of ours, or a stored copy.
pub async fn find_post(ctx: &Context, url: &Url) -> Result<Option<Post>, FedError> {
    let object = match ctx.urls.parse(url) {
        Some(Local::Thread(id)) => Some(Object::Thread(id)),
        Some(Local::Reply(id)) => Some(Object::Reply(id)),
        Some(_) => None,
        None if ctx.urls.is_local(url) => None,
        None => match ctx.store.post_by_ap_id(url.as_str()).await? {
            Some((PostTable::Threads, id)) => Some(Object::Thread(ThreadId(id))),
            Some((PostTable::Replies, id)) => Some(Object::Reply(ReplyId(id))),
            None => None,
        },
    };
    let Some(object) = object else {
        return Ok(None);
    };
    let (table, id) = match object {
        Object::Thread(id) => (PostTable::Threads, id.get()),
        Object::Reply(id) => (PostTable::Replies, id.get()),
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
        object,
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
