//! What an Update of a Guildhall Page says of its thread's state, applied
//! through the use cases: a question's accepted answer, an idea's stage, a
//! review's stars (see docs/FEDERATION.md). Applied before the edit the
//! same Update carries, so a refused state leaves the edit unapplied too.

use super::Inbound;
use super::posts::find_post;
use crate::FedError;
use crate::actors::StoredActor;
use crate::protocol::objects::PostJson;
use guildhall_app::{Acting, ideas, posts, questions, reviews};
use guildhall_core::kinds::GroupKind;
use guildhall_core::reputation::ledger::Object;

/// Applies the states `post` carries to `existing`; `authored` when the
/// actor is its author (only the author's Update changes a review).
pub async fn apply(
    inbound: &Inbound<'_>,
    acting: Acting<'_>,
    existing: &posts::Post,
    post: &PostJson,
    authored: bool,
) -> Result<(), FedError> {
    if post.answer_count.is_some() {
        answer(inbound, acting, existing, post).await?;
    }
    if post.idea_status.is_some() {
        idea_status(inbound, acting, existing, post).await?;
    }
    if let (Some(rating), true, Object::Thread(id)) =
        (&post.review_rating, authored, existing.object)
    {
        let ctx = inbound.data;
        let review = guildhall_app::threads::thread(&ctx.app, id, None).await?;
        let received = inbound.received();
        let stars = &rating.rating_value;
        reviews::rate_remote(&ctx.app, acting, received, &existing.group, &review, stars).await?;
    }
    Ok(())
}

/// The thread whose state a Page carries, when our copy's group is of
/// `kind` (else the state is ignored: our copy is no question or idea).
async fn thread_of_kind(
    inbound: &Inbound<'_>,
    existing: &posts::Post,
    kind: GroupKind,
) -> Result<Option<guildhall_db::Thread>, FedError> {
    let Object::Thread(id) = existing.object else {
        return Err(FedError::Unprocessable(
            "only a thread's Page says what state the thread is in".into(),
        ));
    };
    let thread = guildhall_app::threads::thread(&inbound.data.app, id, None).await?;
    if thread.group_kind != kind {
        tracing::debug!(thread = %id, %kind, "a state for another kind of thread: ignored");
        return Ok(None);
    }
    Ok(Some(thread))
}

/// A Guildhall question's accepted answer, as its Page now says: applied
/// when our copy is a question, by the rules of `questions::set_answer_remote`.
async fn answer(
    inbound: &Inbound<'_>,
    acting: Acting<'_>,
    existing: &posts::Post,
    post: &PostJson,
) -> Result<(), FedError> {
    let ctx = inbound.data;
    let Some(thread) = thread_of_kind(inbound, existing, GroupKind::Questions).await? else {
        return Ok(());
    };
    let answer = match &post.accepted_answer {
        None => None,
        Some(url) => match find_post(ctx, url).await? {
            Some(posts::Post {
                object: Object::Reply(reply),
                ..
            }) => Some(reply),
            _ => {
                return Err(FedError::Unprocessable(
                    "the accepted answer is not a reply known here".into(),
                ));
            }
        },
    };
    let received = inbound.received();
    questions::set_answer_remote(&ctx.app, acting, received, &existing.group, &thread, answer)
        .await?;
    Ok(())
}

/// A Guildhall idea's stage, as its Page now says: applied when our copy
/// is an idea, by the rules of `ideas::set_status_remote`.
async fn idea_status(
    inbound: &Inbound<'_>,
    acting: Acting<'_>,
    existing: &posts::Post,
    post: &PostJson,
) -> Result<(), FedError> {
    let ctx = inbound.data;
    let Some(thread) = thread_of_kind(inbound, existing, GroupKind::Ideas).await? else {
        return Ok(());
    };
    // Who set it: fetched when new here, if on the group's own server.
    let group_domain = existing.group.origin.domain();
    let by = match &post.status_by {
        Some(url)
            if guildhall_core::instances::domain_of(url.as_str()).as_deref() == group_domain =>
        {
            match StoredActor::dereference(url, ctx).await {
                Ok(StoredActor::User(u, _)) => Some(u.id),
                _ => None,
            }
        }
        _ => None,
    };
    let duplicate_of = match &post.duplicate_of {
        None => None,
        Some(url) => match find_post(ctx, url).await? {
            Some(posts::Post {
                object: Object::Thread(t),
                ..
            }) => Some(t),
            _ => None,
        },
    };
    let remote = ideas::RemoteStatus {
        status: post.idea_status.as_deref().unwrap_or_default(),
        response: post.official_response.as_deref().unwrap_or_default(),
        by,
        duplicate_of,
    };
    let received = inbound.received();
    ideas::set_status_remote(&ctx.app, acting, received, &existing.group, &thread, remote).await?;
    Ok(())
}
