//! Threads: listing, reading, starting, editing and deleting them.

use crate::posts::{Checked, already_stored_is_fine};
use crate::{Acting, App, Error, Received, Result, actor};
use guildhall_core::content::render_markdown;
use guildhall_core::cursor::Cursor;
use guildhall_core::ids::{GroupId, ThreadId};
use guildhall_core::kinds::GroupKind;
use guildhall_core::permissions::{can_delete, can_edit};
use guildhall_core::questions::QuestionState;
use guildhall_core::ranking::Sort;
use guildhall_core::reputation::privileges::{self, Privilege};
use guildhall_db::{FedGroup, Federated, NewThread, Page, Thread, ThreadFilter, ThreadScope, User};

/// What a listing asks for, as a client gives it (empty means absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct Listing<'a> {
    /// `hot`, `new`, `old`, `active` or `top` (with `window`).
    pub sort: Option<&'a str>,
    pub window: Option<&'a str>,
    /// Questions in one state (see `QuestionState::parse`).
    pub state: Option<&'a str>,
    /// Ideas at one stage (a key of `[ideas] stages`).
    pub status: Option<&'a str>,
    pub cursor: Option<&'a str>,
    pub limit: Option<i64>,
}

/// A listing of threads: one group's, or a member's subscribed feed.
pub async fn list<'a>(
    app: &App,
    scope: ThreadScope,
    q: Listing<'a>,
    viewer: Option<&User>,
) -> Result<(Sort, Page<Thread>)> {
    let given = |v: Option<&'a str>| v.filter(|s| !s.is_empty());
    let (cursor, limit) = (q.cursor, q.limit);
    let sort = Sort::parse(q.sort, q.window)?;
    let filter = match (given(q.state), given(q.status)) {
        (Some(_), Some(_)) => {
            return Err(Error::Invalid(
                "invalid status: a listing filters by state (questions) or status (ideas), not both".into(),
            ));
        }
        (Some(state), None) => Some(ThreadFilter::Question(QuestionState::parse(state)?)),
        (None, Some(status)) => {
            let stages = &app.settings.stages;
            let stage = stages.find(status)?;
            Some(ThreadFilter::Stage {
                key: &stage.key,
                initial: stage.key == stages.initial().key,
            })
        }
        (None, None) => None,
    };
    let cursor = cursor
        .filter(|c| !c.is_empty())
        .map(Cursor::decode)
        .transpose()?;
    let max = app.settings.page_size_max;
    let limit = limit.unwrap_or(app.settings.page_size);
    if !(1..=max).contains(&limit) {
        return Err(Error::Invalid(format!(
            "invalid limit: must be between 1 and {max}"
        )));
    }
    if let ThreadScope::Group(id) = scope {
        let group = app
            .store
            .group_by_id(id)
            .await?
            .ok_or_else(|| Error::not_found("group"))?;
        crate::access::check_read(app, (group.id, group.visibility), viewer, "group").await?;
    }
    let mut page = app
        .store
        .list_threads_in(scope, sort, filter, cursor, limit, viewer.map(|u| u.id))
        .await?;
    // A lock's reason is for the thread page, and only some see it there.
    for thread in &mut page.items {
        thread.lock_reason = None;
    }
    Ok((sort, page))
}

/// A member starts a thread in a group.
pub async fn create(
    app: &App,
    acting: Acting<'_>,
    group_name: &str,
    title: &str,
    body: &str,
) -> Result<Thread> {
    let user = acting.member()?;
    let group = crate::access::readable(app, group_name, Some(user)).await?;
    if group.kind == GroupKind::Reviews {
        return Err(Error::Invalid(
            "invalid group: a thread of a reviews group is a review of one of its products (POST /api/v1/products/{id}/reviews)".into(),
        ));
    }
    let written = Written::new(app, user, title, body)?;
    Ok(app
        .store
        .create_thread(written.thread(group.id, user))
        .await?)
}

/// A member's new thread (or review) as written, checked against the
/// limits and counted against their posting rate.
pub(crate) struct Written {
    title: String,
    body: String,
    body_html: String,
}

impl Written {
    pub(crate) fn new(app: &App, user: &User, title: &str, body: &str) -> Result<Written> {
        let limits = app.settings.limits;
        let title = limits.title(title)?;
        let body = limits.body(body)?;
        app.limits.posts_per_member.hit(&user.id.to_string())?;
        let body_html = render_markdown(&body);
        Ok(Written {
            title,
            body,
            body_html,
        })
    }

    /// As a new thread of `group` by `user`.
    pub(crate) fn thread(&self, group: GroupId, user: &User) -> NewThread<'_> {
        NewThread {
            group_id: group,
            author_id: user.id,
            title: &self.title,
            body: &self.body,
            body_html: &self.body_html,
        }
    }
}

/// A remote member's post starts a thread in `group` (the group it is
/// addressed to). Only public groups take posts from other servers.
pub async fn create_remote(
    app: &App,
    acting: Acting<'_>,
    received: Received<'_>,
    group: &FedGroup,
    post: &Checked,
    federated: Federated<'_>,
) -> Result<()> {
    let author = acting.remote()?.user;
    received.check_group(group)?;
    if group.kind == GroupKind::Reviews {
        return Err(Error::Invalid(
            "invalid post: a thread of a reviews group is a review of one of its products (itemReviewed)".into(),
        ));
    }
    crate::access::open_to_remote(app, group, author.id).await?;
    let stored = app
        .store
        .create_thread_via(
            NewThread {
                group_id: group.id,
                author_id: author.id,
                title: &post.title,
                body: &post.body,
                body_html: &post.html,
            },
            received.via(group),
            Some(federated),
        )
        .await;
    already_stored_is_fine(stored.map(|_| ()))
}

/// Opening a thread: one from another instance first fetches the replies
/// we lack (briefly, and at most every few minutes).
pub async fn open(app: &App, id: ThreadId, viewer: Option<&User>) -> Result<Thread> {
    let thread = thread(app, id, viewer).await?;
    // Threads of our own groups get every reply delivered here; those of
    // remote groups may lack the older ones.
    let remote = thread.group_origin.is_remote();
    if let (true, Some(network)) = (remote, app.network()) {
        network.refresh_thread(id).await;
    }
    Ok(thread)
}

/// One thread as `viewer` sees it (their vote on it, if any).
pub async fn thread(app: &App, id: ThreadId, viewer: Option<&User>) -> Result<Thread> {
    let mut thread = app
        .store
        .thread(id, viewer.map(|u| u.id))
        .await?
        .ok_or_else(|| Error::not_found("thread"))?;
    let group = (thread.group_id, thread.group_visibility);
    crate::access::check_read(app, group, viewer, "thread").await?;
    // Why a thread was locked is for its author and its moderators.
    if thread.lock_reason.is_some() {
        let sees = match viewer {
            Some(user) => {
                user.id == thread.author_id
                    || user.is_admin
                    || app.store.is_moderator(thread.group_id, user.id).await?
            }
            None => false,
        };
        if !sees {
            thread.lock_reason = None;
        }
    }
    Ok(thread)
}

/// A thread its author may edit, for the edit form.
pub async fn editable(app: &App, acting: Acting<'_>, id: ThreadId) -> Result<Thread> {
    let user = acting.member()?;
    let thread = thread(app, id, Some(user)).await?;
    can_edit(actor(user), thread.author_id, thread.deleted_at.is_some())?;
    Ok(thread)
}

/// Its author edits a thread; trusted members (TL3) may fix another's
/// title. Fields left `None` keep their current value.
pub async fn edit(
    app: &App,
    acting: Acting<'_>,
    id: ThreadId,
    title: Option<&str>,
    body: Option<&str>,
) -> Result<Thread> {
    let user = acting.member()?;
    let current = thread(app, id, Some(user)).await?;
    let body_changes = body.is_some_and(|b| b != current.body);
    if current.author_id == user.id || body_changes || current.deleted_at.is_some() {
        can_edit(actor(user), current.author_id, current.deleted_at.is_some())?;
    } else {
        // Someone else's title: trusted members (TL3) may fix it.
        let level = app.store.trust_level(user.id).await?;
        privileges::check(level, Privilege::EditThreadTitles)?;
    }
    let limits = app.settings.limits;
    let title = title
        .map(|t| limits.title(t))
        .transpose()?
        .unwrap_or(current.title);
    let body = body
        .map(|b| limits.body(b))
        .transpose()?
        .unwrap_or(current.body);
    app.store
        .edit_thread(id, &title, &body, &render_markdown(&body))
        .await?;
    thread(app, id, Some(user)).await
}

/// Its author, the group's moderators and admins delete a thread.
pub async fn delete(app: &App, acting: Acting<'_>, id: ThreadId) -> Result<()> {
    let user = acting.member()?;
    let current = thread(app, id, Some(user)).await?;
    let moderates = app.store.is_moderator(current.group_id, user.id).await?;
    can_delete(
        actor(user),
        current.author_id,
        moderates,
        current.deleted_at.is_some(),
    )?;
    app.store.delete_thread_by(id, user.id).await?;
    Ok(())
}
