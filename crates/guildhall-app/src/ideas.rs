//! Ideas: moving an idea through the instance's stages with an official
//! response, merging a duplicate, and reading an idea's history. The rules
//! are `guildhall_core::ideas`; the store writes a change, its history
//! row, the author's stage points and its event together.

use crate::{Acting, App, Error, Result, actor, threads};
use guildhall_core::content::render_markdown;
use guildhall_core::ideas::{DUPLICATE, Idea, check_merge, may_stage};
use guildhall_core::ids::ThreadId;
use guildhall_db::{NewStatus, StatusChange, Thread, Via};

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

/// The key of an idea's stage (the first stage when none is stored).
pub fn status_of<'a>(app: &'a App, thread: &'a Thread) -> &'a str {
    thread
        .idea_status
        .as_deref()
        .unwrap_or(&app.settings.stages.initial().key)
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
    let moderates = app.store.is_moderator(thread.group_id, user.id).await?;
    may_stage(&idea(&thread), actor(user), moderates)?;
    let stage = app.settings.stages.find(status)?;
    let response = app.settings.limits.optional_text("response", response)?;
    let new = NewStatus {
        to: &stage.key,
        initial: &app.settings.stages.initial().key,
        response: &response,
        response_html: &render_markdown(&response),
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
    let moderates = app.store.is_moderator(thread.group_id, user.id).await?;
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
    };
    app.store
        .merge_idea(&idea(&thread), &idea(&target), new, user.id, Via::Local)
        .await?;
    threads::thread(app, id, Some(user)).await
}

/// An idea's status changes, oldest first (none for other threads).
pub async fn history(app: &App, id: ThreadId) -> Result<Vec<StatusChange>> {
    Ok(app.store.idea_history(id).await?)
}
