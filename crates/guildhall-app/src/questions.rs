//! Questions: accepting a reply as the answer, changing it, taking it back;
//! by a member here or, through the inbox, by the asker on another server.
//! The rules are `guildhall_core::questions`; the store writes the change,
//! its reputation and its event together.

use crate::{Acting, App, Error, Received, Result, actor, threads};
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_core::permissions::Actor;
use guildhall_core::questions::{Question, may_decide};
use guildhall_db::{FedGroup, Thread, Via};

/// The question a thread is, for the rules.
pub fn question(thread: &Thread) -> Question {
    Question {
        id: thread.id,
        group: thread.group_id,
        kind: thread.group_kind,
        asker: thread.author_id,
        deleted: thread.deleted_at.is_some(),
    }
}

/// The asker or a moderator makes `answer` the accepted answer of question
/// `id`, or with `None` takes the acceptance back. Returns the question as
/// it now stands; choosing the current answer again changes nothing.
pub async fn set_answer(
    app: &App,
    acting: Acting<'_>,
    id: ThreadId,
    answer: Option<ReplyId>,
) -> Result<Thread> {
    let user = acting.member()?;
    let thread = threads::thread(app, id, Some(user)).await?;
    let question = question(&thread);
    if thread.group_origin.is_remote() && thread.author_id != user.id {
        // Its moderators are on the group's server; only the asker is here.
        return Err(Error::Forbidden(
            "this question's group is on another server: only its asker decides here".into(),
        ));
    }
    let moderates = app.store.is_moderator(thread.group_id, user.id).await?;
    may_decide(&question, actor(user), moderates)?;
    app.store
        .set_answer(&question, answer, user.id, Via::Local)
        .await?;
    threads::thread(app, id, Some(user)).await
}

/// A remote acceptance, as an `Update` of the question carries it: by its
/// asker, or by a moderator of its remote group when that group announces
/// it (the group's own instance decides who moderates it).
pub async fn set_answer_remote(
    app: &App,
    acting: Acting<'_>,
    received: Received<'_>,
    group: &FedGroup,
    thread: &Thread,
    answer: Option<ReplyId>,
) -> Result<bool> {
    let remote = acting.remote()?;
    received.check_group(group)?;
    let question = question(thread);
    let asker = Actor {
        id: remote.user.id,
        is_admin: false,
    };
    let by_group = received
        .via_group
        .is_some_and(|g| g.id == group.id && g.origin.is_remote());
    may_decide(&question, asker, by_group)?;
    Ok(app
        .store
        .set_answer(&question, answer, remote.user.id, received.via(group))
        .await?)
}
