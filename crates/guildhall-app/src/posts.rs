//! What the inbox does with a remote member's posts: the content rules a
//! post must meet, and its author's edits and deletions. Starting a thread
//! or a reply from one is in `threads` and `replies`.

use crate::{Acting, App, Error, Received, Result};
use guildhall_core::content::{sanitize_html, tag_count};
use guildhall_core::ids::{ThreadId, UserId};
use guildhall_core::reputation::ledger::Object;
use guildhall_core::{RuleError, content::Limits};
use guildhall_db::{FedGroup, StoreError, VoteTarget};

/// A stored thread or reply that an activity names, with the group it lives
/// in and its author (the inbox finds it from a URL).
#[derive(Debug, Clone)]
pub struct Post {
    pub object: Object,
    pub group: FedGroup,
    pub author_id: UserId,
    pub thread_id: ThreadId,
    pub deleted: bool,
}

impl Post {
    pub fn vote_target(&self) -> VoteTarget {
        match self.object {
            Object::Thread(id) => VoteTarget::Thread(id),
            Object::Reply(id) => VoteTarget::Reply(id),
        }
    }
}

/// A remote post as received, before the content rules.
pub struct Draft<'a> {
    /// Its name, summary or first line, already cut to the title limit
    /// (a status has no title of its own).
    pub title: &'a str,
    /// The Markdown source when sent, else the text of the HTML.
    pub body: &'a str,
    pub html: &'a str,
    pub tags: usize,
}

/// A remote post that meets the content rules ([`check`]).
pub struct Checked {
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) html: String,
}

/// Applies the local content rules to a remote post: a body over the limit,
/// oversized HTML or too many tags refuse it whole. A body may be empty:
/// link posts and image-only replies have none.
pub fn check(app: &App, draft: &Draft<'_>) -> Result<Checked> {
    let limits: &Limits = &app.settings.limits;
    tag_count(draft.tags).map_err(refused)?;
    let body = limits.optional_text("body", draft.body).map_err(refused)?;
    let html = limits.body_html(draft.html).map_err(refused)?;
    let title = limits.title(draft.title).map_err(refused)?;
    Ok(Checked {
        title,
        body,
        html: sanitize_html(&html),
    })
}

/// A remote post that breaks a content rule: refused whole, nothing stored.
fn refused(e: RuleError) -> Error {
    Error::Invalid(format!("the post breaks a content rule here: {e}"))
}

/// Its remote author edits a thread or reply (a Create of a post we have
/// counts as one: Lemmy sends both). A deleted post stays as it is.
pub async fn edit_remote(
    app: &App,
    acting: Acting<'_>,
    received: Received<'_>,
    existing: &Post,
    post: &Checked,
) -> Result<()> {
    let author = acting.remote()?.user;
    if existing.author_id != author.id {
        return Err(Error::Forbidden("only the author may edit this".into()));
    }
    received.check_group(&existing.group)?;
    if existing.deleted {
        return Ok(());
    }
    let via = received.via(&existing.group);
    match existing.object {
        Object::Thread(id) => app
            .store
            .edit_thread_via(id, &post.title, &post.body, &post.html, via)
            .await
            .map_err(Error::worded)?,
        Object::Reply(id) => app
            .store
            .edit_reply_via(id, &post.body, &post.html, via)
            .await
            .map_err(Error::worded)?,
    }
    Ok(())
}

/// Its remote author deletes a thread or reply; or a moderator of the
/// post's own remote group removes it, which we take only when that group
/// announces it.
pub async fn delete_remote(
    app: &App,
    acting: Acting<'_>,
    received: Received<'_>,
    post: &Post,
) -> Result<()> {
    let user = acting.remote()?.user;
    received.check_group(&post.group)?;
    // A removal: announced by the remote group it happened in, or sent to
    // a group of ours by a remote member we list as its moderator.
    let removal_by_group = received
        .via_group
        .is_some_and(|g| g.id == post.group.id && g.origin.is_remote());
    let removal_by_moderator = post.group.origin.is_local()
        && post.group.visibility != guildhall_core::visibility::Visibility::Hidden
        && app.store.is_moderator(post.group.id, user.id).await?;
    if post.author_id != user.id && !removal_by_group && !removal_by_moderator {
        return Err(Error::Forbidden(
            "only the author or the group's moderators may delete this".into(),
        ));
    }
    if post.deleted {
        return Ok(());
    }
    let via = received.via(&post.group);
    let deleted = match post.object {
        Object::Thread(id) => app.store.delete_thread_via(id, Some(user.id), via).await,
        Object::Reply(id) => app.store.delete_reply_via(id, Some(user.id), via).await,
    };
    deleted.map_err(Error::worded)
}

/// Two copies of one post racing in (direct and announced): the second is a no-op.
pub(crate) fn already_stored_is_fine(result: std::result::Result<(), StoreError>) -> Result<()> {
    match result {
        Ok(()) | Err(StoreError::Taken(_)) => Ok(()),
        Err(e) => Err(Error::worded(e)),
    }
}
