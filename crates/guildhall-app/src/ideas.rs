//! Ideas: moving an idea through the instance's stages with an official
//! response, merging a duplicate, and reading an idea's history. The rules
//! are `guildhall_core::ideas`; the store writes a change, its history
//! row, the author's stage points and its event together.

use crate::{Acting, App, Error, Received, Result, actor, threads};
use guildhall_core::content::render_markdown;
use guildhall_core::ideas::{DUPLICATE, Idea, check_merge, may_stage};
use guildhall_core::ids::{ThreadId, UserId};
use guildhall_core::permissions::Actor;
use guildhall_db::{FedGroup, NewStatus, StatusChange, Thread, User, Via};

/// The idea a thread is, for the rules.
pub fn idea(thread: &Thread) -> Idea {
    Idea {
        id: thread.id,
        group: thread.group_id,
        kind: thread.group_kind,
        author: thread.author_id,
        deleted: thread.deleted_at.is_some(),
    }
}

/// Who may stage ideas of `thread`'s group here: its moderators and our
/// admins, in our own groups only (a remote group's moderators are on its
/// server, whose word arrives as its Page).
async fn moderates(app: &App, thread: &Thread, user: &guildhall_db::User) -> Result<bool> {
    if thread.group_origin.is_remote() {
        return Err(Error::Forbidden(
            "this idea's group is on another server: its moderators there change its status".into(),
        ));
    }
    Ok(app.store.is_moderator(thread.group_id, user.id).await?)
}

/// A moderator (or admin) moves idea `id` to stage `status`, with an
/// official response (Markdown, may be empty). Naming the current stage
/// with a response adds the response alone.
pub async fn set_status(
    app: &App,
    acting: Acting<'_>,
    id: ThreadId,
    status: &str,
    response: &str,
) -> Result<Thread> {
    let user = acting.member()?;
    let thread = threads::thread(app, id, Some(user)).await?;
    let moderates = moderates(app, &thread, user).await?;
    may_stage(&idea(&thread), actor(user), moderates)?;
    if let Some(into) = thread.duplicate_of {
        return Err(Error::Conflict(format!(
            "this idea was merged into idea {into}: its status is that idea's"
        )));
    }
    let stage = app.settings.stages.find(status)?;
    if stage.key == DUPLICATE {
        return Err(Error::Invalid(
            "invalid status: a duplicate is merged into the idea it repeats (POST /api/v1/threads/{id}/merge), which moves its votes there".into(),
        ));
    }
    let response = app.settings.limits.optional_text("response", response)?;
    let new = NewStatus {
        to: &stage.key,
        initial: &app.settings.stages.initial().key,
        response: &response,
        response_html: &render_markdown(&response),
        duplicate_of: None,
    };
    app.store
        .set_idea_status(&idea(&thread), new, user.id, Via::Local)
        .await?;
    threads::thread(app, id, Some(user)).await
}

/// A moderator merges idea `id` into `into`, the idea it repeats: it
/// becomes a duplicate linking there, and its votes move there.
pub async fn merge(
    app: &App,
    acting: Acting<'_>,
    id: ThreadId,
    into: ThreadId,
    response: &str,
) -> Result<Thread> {
    let user = acting.member()?;
    let thread = threads::thread(app, id, Some(user)).await?;
    let moderates = moderates(app, &thread, user).await?;
    may_stage(&idea(&thread), actor(user), moderates)?;
    let target = app
        .store
        .thread(into, None)
        .await?
        .ok_or_else(|| Error::Invalid(format!("invalid into: there is no idea {into}")))?;
    check_merge(&idea(&thread), &idea(&target))?;
    if target.duplicate_of.is_some() {
        return Err(Error::Invalid(format!(
            "invalid into: idea {into} is itself merged into another"
        )));
    }
    if thread.duplicate_of.is_some() {
        return Err(Error::Conflict(
            "this idea is already merged into another".into(),
        ));
    }
    let stages = &app.settings.stages;
    let duplicate = stages.find(DUPLICATE).map_err(|_| {
        Error::Conflict("this instance has no duplicate stage (see [ideas] stages)".into())
    })?;
    let response = app.settings.limits.optional_text("response", response)?;
    let new = NewStatus {
        to: &duplicate.key,
        initial: &stages.initial().key,
        response: &response,
        response_html: &render_markdown(&response),
        duplicate_of: None,
    };
    app.store
        .merge_idea(&idea(&thread), &idea(&target), new, user.id, Via::Local)
        .await?;
    threads::thread(app, id, Some(user)).await
}

/// An idea's stage as its remote group's Page now says it. Only the
/// group's own instance decides who moderates it: the change is taken when
/// that group announces it, by `by` (who set it, if known here, else the
/// actor); a Page that says what our copy already holds changes nothing.
pub async fn set_status_remote(
    app: &App,
    acting: Acting<'_>,
    received: Received<'_>,
    group: &FedGroup,
    thread: &Thread,
    remote: RemoteStatus<'_>,
) -> Result<bool> {
    let actor_id = acting.remote()?.user.id;
    received.check_group(group)?;
    let key = remote.status.trim();
    let response = app
        .settings
        .limits
        .optional_text("response", remote.response)?;
    let history = app.store.idea_history(thread.id).await?;
    let same = match history.last() {
        Some(last) => last.to_status == key && last.response == response,
        None => {
            key == app.settings.stages.current(thread.idea_status.as_deref()) && response.is_empty()
        }
    };
    // An author's edit carries the stage as it stands: nothing to change.
    if same && thread.duplicate_of == remote.duplicate_of {
        return Ok(false);
    }
    let by_group = received
        .via_group
        .is_some_and(|g| g.id == group.id && g.origin.is_remote());
    if !by_group {
        return Err(Error::Forbidden(
            "an idea's status is for its group's moderators: only the group's announce of it is taken"
                .into(),
        ));
    }
    let by = remote.by.unwrap_or(actor_id);
    may_stage(
        &idea(thread),
        Actor {
            id: by,
            is_admin: false,
        },
        true,
    )?;
    let well_formed = !key.is_empty()
        && key.chars().count() <= 40
        && key
            .chars()
            .all(|c| (c.is_alphanumeric() && !c.is_uppercase()) || c == '_');
    if !well_formed {
        return Err(Error::Invalid(
            "invalid ideaStatus: a stage key is 1 to 40 lower-case letters, digits or _".into(),
        ));
    }
    let new = NewStatus {
        to: key,
        initial: &app.settings.stages.initial().key,
        response: &response,
        response_html: &render_markdown(&response),
        duplicate_of: remote.duplicate_of,
    };
    Ok(app
        .store
        .set_idea_status(&idea(thread), new, by, received.via(group))
        .await?)
}

/// What a remote idea's Page says of its stage.
#[derive(Debug, Clone, Copy)]
pub struct RemoteStatus<'a> {
    pub status: &'a str,
    pub response: &'a str,
    /// Who set it, when they are known here.
    pub by: Option<UserId>,
    pub duplicate_of: Option<ThreadId>,
}

/// An idea's status changes, oldest first (none for other threads).
pub async fn history(app: &App, id: ThreadId, viewer: Option<&User>) -> Result<Vec<StatusChange>> {
    // The idea's group decides who may read its history.
    crate::threads::thread(app, id, viewer).await?;
    Ok(app.store.idea_history(id).await?)
}
