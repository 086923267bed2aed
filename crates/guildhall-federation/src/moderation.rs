//! Our moderators' actions on our groups, sent the way Lemmy sends them
//! (docs/FEDERATION.md, "Moderation"): the moderator's activity, wrapped
//! in the group's `Announce` for its followers.
//!
//! - a removal: `Delete` with the reason as `summary` (outbox.rs, with the
//!   author's own deletions); a restore: `Undo` of that `Delete`;
//! - a lock: `Lock`; an unlock: `Undo` of it;
//! - a pin: `Add` of the thread to the group's `featured` collection; an
//!   unpin: `Remove` from it;
//! - a ban from the group: `Block` of the member, `target` the group, with
//!   `removeData`, `expires` and `endTime`; lifting it: `Undo` of it, which
//!   also goes to the member themselves.
//!
//! A remote group's moderators act on its own server: what ours do to our
//! copy of it stays here.

use crate::audience::{delivery_inbox, once_per_instance};
use crate::outbox::{announce, outbound};
use crate::posts::{federates, group, group_url, post_refs, reach, user, user_url};
use crate::protocol::context::time;
use crate::protocol::outbound::{Delete, ModAction, PostEnvelope, UndoAction};
use crate::{Context, FedError};
use guildhall_core::ids::{GroupId, UserId};
use guildhall_core::instances::domain_of;
use guildhall_db::{Event, EventKind, FedGroup, Outbound};
use serde::Serialize;
use serde_json::Value;
use url::Url;

/// A removal's `summary`: its reason, or words saying it was a moderator's
/// (Lemmy tells a removal from an author's deletion by the summary).
pub(crate) fn removal_summary(event: &Event) -> String {
    reason(event).unwrap_or_else(|| "Removed by a moderator".into())
}

/// The reason an event's payload carries, if one was given.
fn reason(event: &Event) -> Option<String> {
    let payload: Value = serde_json::from_str(event.payload.as_deref()?).ok()?;
    payload["reason"]
        .as_str()
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
}

/// A restore, lock, unlock, pin or unpin of a post: in one of our groups,
/// announced to its followers; in a remote group, by one of its listed
/// moderators here, sent to the group.
pub(crate) async fn on_post(ctx: &Context, event: &Event) -> Result<Vec<Outbound>, FedError> {
    let refs = post_refs(ctx, event.object).await?;
    let moderator = user(ctx, event.actor_id.ok_or(FedError::NotFound("actor"))?).await?;
    if moderator.origin.is_remote() || !federates(&refs.group) {
        return Ok(vec![]);
    }
    // In a remote group, only a moderator its server lists acts from here.
    let remote = refs.group.origin.is_remote();
    if remote && !ctx.store.is_moderator(refs.group.id, moderator.id).await? {
        return Ok(vec![]);
    }
    let actor = user_url(ctx, &moderator);
    let id = ctx.urls.activity(&event.token);
    let envelope = |id: Url| PostEnvelope {
        id,
        actor: actor.clone(),
        to: vec![refs.group_url.clone(), reach(ctx, &refs.group)],
        cc: vec![],
        audience: refs.group_url.clone(),
    };
    let action = |kind: &'static str, id: Url, target: Option<Url>| ModAction {
        kind,
        object: refs.url.clone(),
        target,
        summary: reason(event),
        remove_data: None,
        expires: None,
        end_time: None,
        envelope: envelope(id),
    };
    let featured = Some(ctx.urls.sub(&refs.group_url, "featured"));
    let activity = match event.kind {
        EventKind::Restore => json(UndoAction {
            kind: Default::default(),
            object: Delete {
                kind: Default::default(),
                object: refs.url.clone(),
                summary: Some(removal_summary(event)),
                envelope: envelope(ctx.urls.sub(&id, "removal")),
            },
            summary: reason(event),
            envelope: envelope(id.clone()),
        })?,
        EventKind::Lock => json(action("Lock", id.clone(), None))?,
        EventKind::Unlock => json(UndoAction {
            kind: Default::default(),
            object: action("Lock", ctx.urls.sub(&id, "lock"), None),
            summary: reason(event),
            envelope: envelope(id.clone()),
        })?,
        EventKind::Pin => json(action("Add", id.clone(), featured))?,
        EventKind::Unpin => json(action("Remove", id.clone(), featured))?,
        _ => return Ok(vec![]),
    };
    if remote {
        return Ok(vec![to_group(&id, &actor, &refs.group, activity)?]);
    }
    to_followers(ctx, &id, &actor, &refs.group, activity, vec![]).await
}

/// A ban from one of our groups, or its end.
pub(crate) async fn block(
    ctx: &Context,
    event: &Event,
    group_id: GroupId,
) -> Result<Vec<Outbound>, FedError> {
    let group = group(ctx, group_id).await?;
    let moderator = user(ctx, event.actor_id.ok_or(FedError::NotFound("actor"))?).await?;
    if moderator.origin.is_remote() || !federates(&group) {
        return Ok(vec![]);
    }
    let remote = group.origin.is_remote();
    if remote && !ctx.store.is_moderator(group.id, moderator.id).await? {
        return Ok(vec![]);
    }
    let payload: Value = serde_json::from_str(event.payload.as_deref().unwrap_or("{}"))?;
    let member_id = payload["member"]
        .as_i64()
        .ok_or(FedError::NotFound("banned member"))?;
    let member = user(ctx, UserId(member_id)).await?;
    let (actor, group_url) = (user_url(ctx, &moderator), group_url(ctx, &group));
    let id = ctx.urls.activity(&event.token);
    let envelope = |id: Url| PostEnvelope {
        id,
        actor: actor.clone(),
        to: vec![group_url.clone(), reach(ctx, &group)],
        cc: vec![],
        audience: group_url.clone(),
    };
    let expiry = payload["expires_at"].as_i64().map(time);
    let block = |id: Url| ModAction {
        kind: "Block",
        object: user_url(ctx, &member),
        target: Some(group_url.clone()),
        summary: reason(event),
        remove_data: payload["remove_data"].as_bool(),
        expires: expiry.clone(),
        end_time: expiry.clone(),
        envelope: envelope(id),
    };
    let activity = if event.kind == EventKind::Ban {
        json(block(id.clone()))?
    } else {
        json(UndoAction {
            kind: Default::default(),
            object: block(ctx.urls.sub(&id, "block")),
            summary: reason(event),
            envelope: envelope(id.clone()),
        })?
    };
    if remote {
        return Ok(vec![to_group(&id, &actor, &group, activity)?]);
    }
    // The member hears of it directly too, when they are another server's.
    let direct = if member.origin.is_remote() {
        delivery_inbox(&member.shared_inbox, &member.inbox)
            .into_iter()
            .collect()
    } else {
        vec![]
    };
    to_followers(ctx, &id, &actor, &group, activity, direct).await
}

/// A moderator added to or removed from one of our groups: Lemmy's `Add`
/// or `Remove` of the person to the group's moderators collection,
/// announced to its followers.
pub(crate) async fn moderators(
    ctx: &Context,
    event: &Event,
    group_id: GroupId,
) -> Result<Vec<Outbound>, FedError> {
    let group = group(ctx, group_id).await?;
    let by = user(ctx, event.actor_id.ok_or(FedError::NotFound("actor"))?).await?;
    if group.origin.is_remote() || by.origin.is_remote() || !federates(&group) {
        return Ok(vec![]);
    }
    let payload: Value = serde_json::from_str(event.payload.as_deref().unwrap_or("{}"))?;
    let member_id = payload["member"]
        .as_i64()
        .ok_or(FedError::NotFound("moderator"))?;
    let member = user(ctx, UserId(member_id)).await?;
    let (actor, group_url) = (user_url(ctx, &by), group_url(ctx, &group));
    let id = ctx.urls.activity(&event.token);
    let change = ModAction {
        kind: if event.kind == EventKind::AddModerator {
            "Add"
        } else {
            "Remove"
        },
        object: user_url(ctx, &member),
        target: Some(ctx.urls.sub(&group_url, "moderators")),
        summary: None,
        remove_data: None,
        expires: None,
        end_time: None,
        envelope: PostEnvelope {
            id: id.clone(),
            actor: actor.clone(),
            to: vec![group_url.clone(), reach(ctx, &group)],
            cc: vec![],
            audience: group_url,
        },
    };
    to_followers(ctx, &id, &actor, &group, json(change)?, vec![]).await
}

/// A listed moderator's action in a remote group, to the group, which
/// checks its list and announces it (Lemmy's way with a moderator from
/// another server).
fn to_group(
    id: &Url,
    actor: &Url,
    group: &FedGroup,
    activity: Value,
) -> Result<Outbound, FedError> {
    let inbox = delivery_inbox(&group.shared_inbox, &group.inbox);
    outbound(
        id,
        actor,
        activity,
        once_per_instance(inbox.into_iter().collect()),
    )
}

/// The moderator's activity to `direct` inboxes, and the group's Announce
/// of it to its followers' servers (each once).
async fn to_followers(
    ctx: &Context,
    id: &Url,
    actor: &Url,
    group: &FedGroup,
    activity: Value,
    direct: Vec<(String, bool)>,
) -> Result<Vec<Outbound>, FedError> {
    let mut out = Vec::new();
    let followers = once_per_instance(ctx.store.follower_deliveries(group.id).await?);
    // An instance that follows the group gets the Announce alone: two
    // copies under one id race each other there.
    let following: Vec<String> = followers.iter().filter_map(|i| domain_of(i)).collect();
    let direct: Vec<String> = once_per_instance(direct)
        .into_iter()
        .filter(|i| domain_of(i).is_none_or(|d| !following.contains(&d)))
        .collect();
    if !direct.is_empty() {
        out.push(outbound(id, actor, &activity, direct)?);
    }
    let announce_id = ctx.urls.sub(id, "announce");
    let relayed = announce(ctx, &announce_id, group, activity);
    let group_actor = ctx.urls.group(&group.name);
    out.push(outbound(&announce_id, &group_actor, relayed, followers)?);
    Ok(out)
}

fn json(activity: impl Serialize) -> Result<Value, FedError> {
    Ok(serde_json::to_value(activity)?)
}

/// A post a moderator reports to its home server: a `Flag` from them, the
/// reason as both `summary` (Lemmy, Mbin) and `content` (Mastodon). To a
/// remote group's server it names the post alone, `to` that group (Lemmy
/// wants exactly one receiver); to a remote author's server, Mastodon's
/// shape: the account and the status, `to` the author.
pub(crate) async fn report(ctx: &Context, event: &Event) -> Result<Vec<Outbound>, FedError> {
    let refs = post_refs(ctx, event.object).await?;
    let moderator = user(ctx, event.actor_id.ok_or(FedError::NotFound("actor"))?).await?;
    let actor = user_url(ctx, &moderator);
    let author = user_url(ctx, &refs.author);
    let (to, object, inbox) = if refs.group.origin.is_remote() {
        let inbox = delivery_inbox(&refs.group.shared_inbox, &refs.group.inbox);
        (refs.group_url.clone(), json(&refs.url)?, inbox)
    } else if refs.author.origin.is_remote() {
        let inbox = delivery_inbox(&refs.author.shared_inbox, &refs.author.inbox);
        (author.clone(), json([&author, &refs.url])?, inbox)
    } else {
        return Ok(vec![]);
    };
    let id = ctx.urls.activity(&event.token);
    let reason = reason(event).unwrap_or_else(|| "Reported by a moderator".into());
    let flag = serde_json::json!({
        "type": "Flag",
        "id": id,
        "actor": actor,
        "to": [to],
        "object": object,
        "summary": reason,
        "content": reason,
    });
    let inboxes = once_per_instance(inbox.into_iter().collect());
    Ok(vec![outbound(&id, &actor, flag, inboxes)?])
}
