//! Replies: reading a thread's, writing, editing and deleting them.

use crate::posts::{Checked, Post, already_stored_is_fine};
use crate::{Acting, App, Error, Received, Result, actor, threads};
use guildhall_core::content::render_markdown;
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_core::permissions::{can_delete, can_edit};
use guildhall_core::reputation::ledger::Object;
use guildhall_core::tree;
use guildhall_db::{Federated, NewReply, Reply, User};

/// The most replies a thread page or the replies endpoint returns.
pub const REPLIES_MAX: i64 = 5_000;

/// A thread's replies in reading order, each with its depth.
pub async fn replies(
    app: &App,
    thread_id: ThreadId,
    viewer: Option<&User>,
) -> Result<Vec<(Reply, usize)>> {
    // The thread's group decides who may read them.
    crate::threads::thread(app, thread_id, viewer).await?;
    let replies = app
        .store
        .replies(thread_id, viewer.map(|u| u.id), REPLIES_MAX)
        .await?;
    let shape: Vec<(i64, Option<i64>)> = replies
        .iter()
        .map(|r| (r.id.get(), r.parent_id.map(ReplyId::get)))
        .collect();
    let mut slots: Vec<Option<Reply>> = replies.into_iter().map(Some).collect();
    Ok(tree::layout(&shape)
        .into_iter()
        .filter_map(|p| slots[p.index].take().map(|r| (r, p.depth)))
        .collect())
}

/// A member replies to a thread, or to a reply in it (`parent_id`).
pub async fn create(
    app: &App,
    acting: Acting<'_>,
    thread_id: ThreadId,
    parent_id: Option<ReplyId>,
    body: &str,
) -> Result<Reply> {
    let user = acting.member()?;
    let body = app.settings.limits.body(body)?;
    // Only those who may read the thread reply to it.
    crate::threads::thread(app, thread_id, Some(user)).await?;
    app.limits.posts_per_member.hit(&user.id.to_string())?;
    let body_html = render_markdown(&body);
    Ok(app
        .store
        .create_reply(NewReply {
            thread_id,
            parent_id,
            author_id: user.id,
            body: &body,
            body_html: &body_html,
        })
        .await?)
}

/// A remote member's post replies to `parent`, a thread or a reply.
pub async fn create_remote(
    app: &App,
    acting: Acting<'_>,
    received: Received<'_>,
    parent: &Post,
    post: &Checked,
    federated: Federated<'_>,
) -> Result<()> {
    let author = acting.remote()?.user;
    received.check_group(&parent.group)?;
    crate::access::open_to_remote(app, &parent.group, author.id).await?;
    let parent_id = match parent.object {
        Object::Thread(_) => None,
        Object::Reply(id) => Some(id),
    };
    let stored = app
        .store
        .create_reply_via(
            NewReply {
                thread_id: parent.thread_id,
                parent_id,
                author_id: author.id,
                body: &post.body,
                body_html: &post.html,
            },
            received.via(&parent.group),
            Some(federated),
        )
        .await;
    already_stored_is_fine(stored.map(|_| ()))
}

/// One reply as `viewer` sees it (their vote on it, if any).
pub async fn reply(app: &App, id: ReplyId, viewer: Option<&User>) -> Result<Reply> {
    let reply = app
        .store
        .reply(id, viewer.map(|u| u.id))
        .await?
        .ok_or_else(|| Error::not_found("reply"))?;
    // Its thread's group decides who may read it; a hidden one's reply
    // is not there for outsiders.
    match crate::threads::thread(app, reply.thread_id, viewer).await {
        Err(Error::NotFound(_)) => Err(Error::not_found("reply")),
        Err(e) => Err(e),
        Ok(_) => Ok(reply),
    }
}

/// Parents walked at most to tell a reply's depth (a guard, not a limit
/// of nesting anyone reaches).
const DEPTH_WALK_MAX: usize = 1_000;

/// How deep a reply sits in its thread: 0 for an answer to the thread
/// itself, 1 for an answer to such a reply, and so on.
pub async fn depth(app: &App, reply: &Reply) -> Result<usize> {
    let mut depth = 0;
    let mut parent = reply.parent_id;
    while let Some(id) = parent {
        if depth >= DEPTH_WALK_MAX {
            break;
        }
        depth += 1;
        parent = app.store.reply(id, None).await?.and_then(|p| p.parent_id);
    }
    Ok(depth)
}

/// A reply its author may edit, for the edit form.
pub async fn editable(app: &App, acting: Acting<'_>, id: ReplyId) -> Result<Reply> {
    let user = acting.member()?;
    let reply = reply(app, id, Some(user)).await?;
    can_edit(actor(user), reply.author_id, reply.deleted_at.is_some())?;
    Ok(reply)
}

/// Its author edits a reply.
pub async fn edit(app: &App, acting: Acting<'_>, id: ReplyId, body: &str) -> Result<Reply> {
    let user = acting.member()?;
    let current = reply(app, id, Some(user)).await?;
    can_edit(actor(user), current.author_id, current.deleted_at.is_some())?;
    let body = app.settings.limits.body(body)?;
    app.store
        .edit_reply(id, &body, &render_markdown(&body))
        .await?;
    reply(app, id, Some(user)).await
}

/// Its author, the group's moderators and admins delete a reply.
pub async fn delete(app: &App, acting: Acting<'_>, id: ReplyId) -> Result<()> {
    let user = acting.member()?;
    let current = reply(app, id, Some(user)).await?;
    let group_id = threads::thread(app, current.thread_id, None)
        .await?
        .group_id;
    let moderates = app.store.is_moderator(group_id, user.id).await?;
    can_delete(
        actor(user),
        current.author_id,
        moderates,
        current.deleted_at.is_some(),
    )?;
    app.store.delete_reply_by(id, user.id).await?;
    Ok(())
}
