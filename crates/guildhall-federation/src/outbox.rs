//! Turns the store's events into activities and their deliveries.
//!
//! In a local group every change is relayed by the group to its followers as
//! an `Announce` (FEP-1b12); a new thread is also announced bare, so Mastodon
//! followers see it as a boost of the group account. In a remote group, the
//! member's activity goes to the group's inbox, addressed as Lemmy expects
//! (to the group, `audience` set), and the group relays it.

use crate::attestations;
use crate::audience::{delivery_inbox, once_per_instance, takes_attestations};
use crate::nodeinfo;
use crate::posts::{group, group_url, post_refs, public, reach, user, user_url};
use crate::protocol::context::context;
use crate::protocol::outbound::{
    Accept, Announce, Create, Delete, Follow, PostActivity, PostEnvelope, Reject, UndoFollow,
    UndoVote, UndoneVote, Update, Vote, VoteKind, WithContext,
};
use crate::protocol::shapes::value_id;
use crate::{Context, FedError};
use guildhall_core::ids::{GroupId, UserId};
use guildhall_db::{
    ActorKey, Event, EventKind, EventObject, FedGroup, FedUser, Outbound, StoreError,
};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashSet;
use url::Url;

/// Events expanded per pass of the delivery worker.
pub const EXPAND_BATCH: usize = 200;

/// Expands up to a batch of pending events; returns how many.
pub async fn expand_pending(ctx: &Context) -> Result<usize, FedError> {
    let events = ctx.store.pending_events(EXPAND_BATCH as i64).await?;
    for event in &events {
        let outbound = match build(ctx, event).await {
            Ok(out) => out,
            // The object vanished before we got to it (e.g. created then
            // purged): there is nothing left to tell anyone.
            Err(FedError::NotFound(what)) | Err(FedError::Store(StoreError::NotFound(what))) => {
                tracing::debug!(event = event.id, what, "event dropped: its object is gone");
                vec![]
            }
            Err(e) => return Err(e),
        };
        ctx.store.expand_event(event.id, &outbound).await?;
    }
    Ok(events.len())
}

async fn build(ctx: &Context, event: &Event) -> Result<Vec<Outbound>, FedError> {
    match (event.kind, event.object) {
        (EventKind::Follow | EventKind::Unfollow, EventObject::Group(group_id)) => {
            follow(ctx, event, group_id).await
        }
        (EventKind::Accept | EventKind::Reject, EventObject::Group(group_id)) => {
            answer(ctx, event, group_id).await
        }
        (EventKind::Announce, EventObject::Group(group_id)) => relay(ctx, event, group_id).await,
        (
            EventKind::Restore
            | EventKind::Lock
            | EventKind::Unlock
            | EventKind::Pin
            | EventKind::Unpin,
            EventObject::Thread(_) | EventObject::Reply(_),
        ) => crate::moderation::on_post(ctx, event).await,
        (EventKind::Report, EventObject::Thread(_) | EventObject::Reply(_)) => {
            crate::moderation::report(ctx, event).await
        }
        (_, EventObject::Thread(_) | EventObject::Reply(_)) => post_activity(ctx, event).await,
        (EventKind::Revoke, EventObject::User(user_id)) => revoke(ctx, event, user_id).await,
        (EventKind::Renew, EventObject::User(user_id)) => renew(ctx, event, user_id).await,
        (EventKind::Ban | EventKind::Unban, EventObject::Group(group_id)) => {
            crate::moderation::block(ctx, event, group_id).await
        }
        (EventKind::AddModerator | EventKind::RemoveModerator, EventObject::Group(group_id)) => {
            crate::moderation::moderators(ctx, event, group_id).await
        }
        _ => Ok(vec![]),
    }
}

/// A member's Create/Update/Delete/vote on a post, and its relay.
async fn post_activity(ctx: &Context, event: &Event) -> Result<Vec<Outbound>, FedError> {
    let refs = post_refs(ctx, event.object).await?;
    if !crate::posts::federates(&refs.group) {
        return Ok(vec![]);
    }
    let mut actor_id = event.actor_id.ok_or(FedError::NotFound("actor"))?;
    // A thread's Update speaks for its Page, which its author's server
    // alone may change (Mastodon and Guildhall take a Page's Update from
    // its author only): a moderator's acceptance of an answer goes out in
    // the name of the question's author when they are ours.
    let thread_update =
        event.kind == EventKind::Update && matches!(event.object, EventObject::Thread(_));
    if thread_update && refs.author.origin.is_local() {
        actor_id = refs.author.id;
    }
    let actor = user(ctx, actor_id).await?;
    if actor.origin.is_remote() {
        return Ok(vec![]); // remote actors' changes are relayed, never re-authored
    }
    let actor_url = user_url(ctx, &actor);
    let id = ctx.urls.activity(&event.token);
    let envelope = PostEnvelope {
        id: id.clone(),
        actor: actor_url.clone(),
        to: vec![refs.group_url.clone(), reach(ctx, &refs.group)],
        cc: vec![],
        audience: refs.group_url.clone(),
    };
    let activity = match event.kind {
        EventKind::Create => PostActivity::Create(Create {
            kind: Default::default(),
            object: refs.post.clone(),
            envelope,
        }),
        EventKind::Update => PostActivity::Update(Update {
            kind: Default::default(),
            object: refs.post.clone(),
            envelope,
        }),
        EventKind::Delete if actor_id == refs.author.id => PostActivity::Delete(Delete {
            kind: Default::default(),
            object: refs.url.clone(),
            summary: None,
            envelope,
        }),
        // A moderator's removal: Lemmy's shape, a Delete from the moderator
        // with a `summary`, announced by the group. In a remote group, one
        // of our members its server lists as a moderator sends it to the
        // group, which announces it; anyone else's removal (an admin's
        // here) hides the post locally only.
        EventKind::Delete
            if refs.group.origin.is_local()
                || ctx.store.is_moderator(refs.group.id, actor_id).await? =>
        {
            PostActivity::Delete(Delete {
                kind: Default::default(),
                object: refs.url.clone(),
                summary: Some(crate::moderation::removal_summary(event)),
                envelope,
            })
        }
        EventKind::Delete => return Ok(vec![]),
        EventKind::Vote => vote(ctx, event, &refs.url, envelope)?,
        _ => return Ok(vec![]),
    };

    let mut out = Vec::new();
    // What each instance runs, as far as known: group software (Lemmy...)
    // reads the group's Announce(Create) and refuses the bare Announce(Page)
    // and a second copy of an activity; microblogs (Mastodon) need those.
    let softwares = ctx.store.instance_softwares().await?;
    let reads_creates = |inbox: &str| {
        guildhall_core::instances::domain_of(inbox)
            .and_then(|d| softwares.get(&d))
            .and_then(|s| s.software.as_deref())
            .is_some_and(nodeinfo::reads_announced_creates)
    };
    // Whoever wrote the post answered or voted on should hear of it directly
    // (a Mastodon user does not follow the group).
    let mut direct: Vec<(String, bool)> = Vec::new();
    let interested = if event.kind == EventKind::Vote {
        Some(&refs.author)
    } else {
        refs.parent_author.as_ref()
    };
    if let Some(p) = interested.filter(|p| p.origin.is_remote()) {
        // In a private group of ours, only while they are an approved
        // follower: one who left or was let go hears nothing more.
        let private = refs.group.origin.is_local()
            && refs.group.visibility != guildhall_core::visibility::Visibility::Public;
        let member = !private
            || ctx.store.membership(refs.group.id, p.id).await?
                == Some(guildhall_db::Membership::Member);
        if member {
            direct.extend(delivery_inbox(&p.shared_inbox, &p.inbox));
        }
    }
    if refs.group.origin.is_remote() {
        // The group's instance gets it once, at its shared inbox if it has
        // one (Lemmy refuses the second copy as a duplicate).
        direct.extend(delivery_inbox(&refs.group.shared_inbox, &refs.group.inbox));
        offer_attestation(ctx, event, &actor, &refs.group, &mut out).await?;
        out.push(outbound(
            &id,
            &actor_url,
            activity,
            once_per_instance(direct),
        )?);
        return Ok(out);
    }
    let followers = once_per_instance(ctx.store.follower_deliveries(refs.group.id).await?);
    let follower_domains: HashSet<String> = followers
        .iter()
        .filter_map(|i| guildhall_core::instances::domain_of(i))
        .collect();
    // An instance that follows the group and reads its Announce(Create)
    // gets that alone; the others keep the direct copy too.
    let direct: Vec<String> = once_per_instance(direct)
        .into_iter()
        .filter(|i| {
            !(reads_creates(i)
                && guildhall_core::instances::domain_of(i)
                    .is_some_and(|d| follower_domains.contains(&d)))
        })
        .collect();
    if !direct.is_empty() {
        out.push(outbound(&id, &actor_url, &activity, direct.clone())?);
    }
    let relay_to: Vec<String> = followers
        .into_iter()
        .filter(|i| !direct.contains(i))
        .collect();
    let announce_id = ctx.urls.sub(&id, "announce");
    let group_actor = refs.group_url.clone();
    let relayed = announce(ctx, &announce_id, &refs.group, activity);
    out.push(outbound(
        &announce_id,
        &group_actor,
        relayed,
        relay_to.clone(),
    )?);
    // A Mastodon follower cannot boost or show a followers-only post as
    // the group's: a private group sends its followers the Announce alone.
    let public_group = refs.group.visibility == guildhall_core::visibility::Visibility::Public;
    if !public_group {
        return Ok(out);
    }
    if thread_update && actor_id == refs.author.id {
        // Mastodon does not read Announce(Update) either: its followers
        // get the author's Update itself (an edit, an accepted answer).
        let microblogs: Vec<String> = relay_to.into_iter().filter(|i| !reads_creates(i)).collect();
        if !microblogs.is_empty() {
            let bare = Update {
                kind: Default::default(),
                object: refs.post,
                envelope: PostEnvelope {
                    id: ctx.urls.sub(&id, "microblog"),
                    actor: actor_url.clone(),
                    to: vec![public()],
                    cc: vec![ctx.urls.sub(&group_actor, "followers")],
                    audience: group_actor.clone(),
                },
            };
            let bare_id = bare.envelope.id.clone();
            out.push(outbound(&bare_id, &actor_url, bare, microblogs)?);
        }
    } else if event.kind == EventKind::Create && matches!(event.object, EventObject::Thread(_)) {
        // Mastodon does not read Announce(Create): it boosts a bare Page.
        // Lemmy refuses that copy (it is not one of its announcable
        // activities), so group software does not get it.
        let page_id = ctx.urls.sub(&id, "announce-page");
        let page = announce(ctx, &page_id, &refs.group, refs.post);
        let microblogs = relay_to.into_iter().filter(|i| !reads_creates(i)).collect();
        out.push(outbound(&page_id, &group_actor, page, microblogs)?);
    }
    Ok(out)
}

/// A vote, or a vote taken back (the event's payload says which, and
/// which activity it undoes).
fn vote(
    ctx: &Context,
    event: &Event,
    object: &Url,
    envelope: PostEnvelope,
) -> Result<PostActivity, FedError> {
    let payload: Value = serde_json::from_str(event.payload.as_deref().unwrap_or("{}"))?;
    let kind = |v: &Value| {
        if v.as_i64() == Some(-1) {
            VoteKind::Dislike
        } else {
            VoteKind::Like
        }
    };
    if !payload["new"].is_null() {
        return Ok(PostActivity::Vote(Vote {
            kind: kind(&payload["new"]),
            object: object.clone(),
            envelope,
        }));
    }
    let old_id = payload["old_activity"]
        .as_str()
        .map(|t| {
            if t.starts_with("http") {
                t.to_owned()
            } else {
                ctx.urls.activity(t).to_string()
            }
        })
        .unwrap_or_else(|| {
            ctx.urls
                .sub(&ctx.urls.activity(&event.token), "undone")
                .to_string()
        });
    Ok(PostActivity::UndoVote(UndoVote {
        kind: Default::default(),
        object: UndoneVote {
            kind: kind(&payload["old"]),
            id: old_id,
            actor: envelope.actor.clone(),
            object: object.clone(),
        },
        envelope,
    }))
}

/// A local group relays `object` to its followers: publicly, or (a
/// private group) to them alone.
pub(crate) fn announce<O>(ctx: &Context, id: &Url, group: &FedGroup, object: O) -> Announce<O> {
    let group_url = ctx.urls.group(&group.name);
    let followers = ctx.urls.sub(&group_url, "followers");
    let (to, cc) = match reach(ctx, group) {
        r if r == followers => (vec![followers], vec![]),
        r => (vec![r], vec![followers]),
    };
    Announce {
        kind: Default::default(),
        id: id.clone(),
        actor: group_url.clone(),
        object,
        to,
        cc,
        audience: Some(group_url),
    }
}

/// A local member follows, or stops following, a remote group.
async fn follow(
    ctx: &Context,
    event: &Event,
    group_id: GroupId,
) -> Result<Vec<Outbound>, FedError> {
    let group = group(ctx, group_id).await?;
    let actor = user(ctx, event.actor_id.ok_or(FedError::NotFound("actor"))?).await?;
    let (Some(inbox), Some(_)) = (group.inbox.clone(), group.origin.domain()) else {
        return Ok(vec![]);
    };
    let payload: Value = serde_json::from_str(event.payload.as_deref().unwrap_or("{}"))?;
    let follow_token = payload["follow"].as_str().unwrap_or(&event.token);
    let actor_url = user_url(ctx, &actor);
    let group_url = group_url(ctx, &group);
    let follow = Follow {
        kind: Default::default(),
        id: ctx.urls.activity(follow_token),
        actor: actor_url.clone(),
        object: group_url.clone(),
        to: vec![group_url.clone()],
    };
    let mut out = Vec::new();
    if event.kind == EventKind::Follow {
        offer_attestation(ctx, event, &actor, &group, &mut out).await?;
        out.push(outbound(&follow.id, &actor_url, &follow, vec![inbox])?);
    } else {
        let undo = UndoFollow {
            kind: Default::default(),
            id: ctx.urls.activity(&event.token),
            actor: actor_url.clone(),
            object: follow,
            to: vec![group_url],
        };
        out.push(outbound(&undo.id, &actor_url, &undo, vec![inbox])?);
    }
    Ok(out)
}

/// Offers a local member's attestation to the instance of the remote
/// `group` they take part in, once per attestation and instance.
async fn offer_attestation(
    ctx: &Context,
    event: &Event,
    member: &FedUser,
    group: &FedGroup,
    out: &mut Vec<Outbound>,
) -> Result<(), FedError> {
    let inbox = group.shared_inbox.clone().or_else(|| group.inbox.clone());
    let (Some(domain), Some(inbox)) = (group.origin.domain(), inbox) else {
        return Ok(());
    };
    if !takes_attestations(ctx, domain).await? {
        return Ok(());
    }
    let attestation = match attestations::current(ctx, member).await {
        Ok(a) => a,
        Err(FedError::Gone(_)) => return Ok(()), // revoked: nothing to offer
        // The follow, post or vote it rides along with must still go out;
        // the partner can fetch the attestation from the member's actor.
        Err(e) => {
            tracing::warn!(member = %member.username, error = %e, "could not issue an attestation to offer");
            return Ok(());
        }
    };
    if !ctx
        .store
        .attestation_delivered(attestation.id, domain, &inbox)
        .await?
    {
        return Ok(());
    }
    let id = ctx
        .urls
        .sub(&ctx.urls.activity(&event.token), "attestation");
    let offer = attestations::offer(ctx, &attestation, &id)?;
    let instance = ctx.urls.instance_actor();
    out.push(outbound(&id, &instance, offer, vec![inbox])?);
    Ok(())
}

/// A member's attestations were revoked: a `Delete` of each to every
/// instance it was offered to.
async fn revoke(ctx: &Context, event: &Event, user_id: UserId) -> Result<Vec<Outbound>, FedError> {
    let member = user(ctx, user_id).await?;
    // The revocation's time, so that earlier revocations are not re-sent.
    let revoked_at = event.payload.as_deref().and_then(|p| p.parse().ok());
    let holders = ctx
        .store
        .revoked_attestation_holders(user_id, revoked_at)
        .await?;
    let instance = ctx.urls.instance_actor();
    let mut out: Vec<Outbound> = Vec::new();
    for (attestation_id, inbox) in holders {
        let id = ctx.urls.sub(
            &ctx.urls.activity(&event.token),
            &format!("revoke-{attestation_id}"),
        );
        match out.iter_mut().find(|o| o.ap_id == id.as_str()) {
            Some(o) => o.inboxes.push(inbox),
            None => {
                let target = ctx.urls.attestation(&member.username, attestation_id);
                let delete = attestations::revocation(ctx, &target, &id);
                out.push(outbound(&id, &instance, delete, vec![inbox])?);
            }
        }
    }
    Ok(out)
}

/// The periodic renewal: a member's current attestation (re-issued if its
/// claims changed or it nears its end) offered to each instance that holds
/// an older one, so their copy neither lapses nor lags while the member is
/// away from them.
async fn renew(ctx: &Context, event: &Event, user_id: UserId) -> Result<Vec<Outbound>, FedError> {
    let member = user(ctx, user_id).await?;
    let attestation = match attestations::current(ctx, &member).await {
        Ok(a) => a,
        Err(FedError::Gone(_)) => return Ok(vec![]), // banned or withdrawn
        // The next renewal tries again; the queue must not wait for it.
        Err(e) => {
            tracing::warn!(member = %member.username, error = %e, "could not renew an attestation");
            return Ok(vec![]);
        }
    };
    let mut inboxes = Vec::new();
    for (domain, inbox) in ctx.store.attestation_holders(user_id).await? {
        if ctx
            .store
            .attestation_delivered(attestation.id, &domain, &inbox)
            .await?
        {
            inboxes.push(inbox);
        }
    }
    if inboxes.is_empty() {
        return Ok(vec![]);
    }
    let id = ctx
        .urls
        .sub(&ctx.urls.activity(&event.token), "attestation");
    let offer = attestations::offer(ctx, &attestation, &id)?;
    Ok(vec![outbound(
        &id,
        &ctx.urls.instance_actor(),
        offer,
        inboxes,
    )?])
}

/// A local group answers a remote Follow: its Accept, or (a private
/// group's moderators said no) its Reject.
async fn answer(
    ctx: &Context,
    event: &Event,
    group_id: GroupId,
) -> Result<Vec<Outbound>, FedError> {
    let group = group(ctx, group_id).await?;
    let follow: Value = serde_json::from_str(event.payload.as_deref().unwrap_or("null"))?;
    let follower = value_id(&follow["actor"]).ok_or(FedError::NotFound("follower"))?;
    let follower = ctx
        .store
        .fed_user(ActorKey::ApId(follower.as_str()))
        .await?
        .ok_or(FedError::NotFound("follower"))?;
    let Some(inbox) = follower.inbox.clone() else {
        return Ok(vec![]);
    };
    let group_url = ctx.urls.group(&group.name);
    let id = ctx.urls.activity(&event.token);
    let to = vec![user_url(ctx, &follower)];
    if event.kind == EventKind::Reject {
        let reject = Reject {
            kind: Default::default(),
            id: id.clone(),
            actor: group_url.clone(),
            object: follow,
            to,
        };
        return Ok(vec![outbound(&id, &group_url, reject, vec![inbox])?]);
    }
    let accept = Accept {
        kind: Default::default(),
        id: id.clone(),
        actor: group_url.clone(),
        object: follow,
        to,
    };
    Ok(vec![outbound(&id, &group_url, accept, vec![inbox])?])
}

/// A local group relays a remote member's activity to its followers,
/// except the server it came from.
async fn relay(ctx: &Context, event: &Event, group_id: GroupId) -> Result<Vec<Outbound>, FedError> {
    let group = group(ctx, group_id).await?;
    if !crate::posts::federates(&group) {
        return Ok(vec![]);
    }
    let inner: Value = serde_json::from_str(event.payload.as_deref().unwrap_or("null"))?;
    let origin =
        value_id(&inner["actor"]).and_then(|a| guildhall_core::instances::domain_of(a.as_str()));
    let inboxes: Vec<String> = once_per_instance(ctx.store.follower_deliveries(group_id).await?)
        .into_iter()
        .filter(|i| guildhall_core::instances::domain_of(i) != origin)
        .collect();
    let id = ctx.urls.activity(&event.token);
    let group_url = ctx.urls.group(&group.name);
    let relayed = announce(ctx, &id, &group, inner);
    Ok(vec![outbound(&id, &group_url, relayed, inboxes)?])
}

/// An activity to deliver, with the `@context` everything we send has.
pub(crate) fn outbound(
    id: &Url,
    signer: &Url,
    activity: impl Serialize,
    inboxes: Vec<String>,
) -> Result<Outbound, FedError> {
    let body = serde_json::to_string(&WithContext {
        activity,
        context: context(),
    })?;
    Ok(Outbound {
        ap_id: id.to_string(),
        signer: signer.to_string(),
        body,
        inboxes,
    })
}
