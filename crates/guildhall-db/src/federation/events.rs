//! The federation outbox's first half: every change others must hear of
//! records an event in the same transaction as the change itself, so a crash
//! can never commit one without the other. `guildhall-federation` turns the
//! events into activities and deliveries (see
//! [`Store::pending_events`] and `deliveries.rs`).

use crate::error::Result;
use crate::{Store, now_ms};
use guildhall_core::ids::{GroupId, ReplyId, ThreadId, UserId};
use rand::RngCore;
use sqlx::AnyConnection;

/// Who caused a change, which decides what the outbox records with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via<'a> {
    /// A local member acted: the change goes out as their activity.
    Local,
    /// A remote actor's activity was applied. When the change happened in a
    /// local group, `announce` is that activity's JSON and the group relays
    /// it to its followers (FEP-1b12); otherwise nothing goes out.
    Remote { announce: Option<&'a str> },
}

/// A [`Via`] that owns its activity, for a change queued to run later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OwnedVia {
    Local,
    Remote { announce: Option<String> },
}

impl OwnedVia {
    pub(crate) fn of(via: Via<'_>) -> OwnedVia {
        match via {
            Via::Local => OwnedVia::Local,
            Via::Remote { announce } => OwnedVia::Remote {
                announce: announce.map(str::to_owned),
            },
        }
    }

    pub(crate) fn as_via(&self) -> Via<'_> {
        match self {
            OwnedVia::Local => Via::Local,
            OwnedVia::Remote { announce } => Via::Remote {
                announce: announce.as_deref(),
            },
        }
    }
}

/// What the fediverse should hear. Stored as text in `federation_events.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Create,
    Update,
    Delete,
    Vote,
    Follow,
    Unfollow,
    Accept,
    /// A private group turned down a remote actor's Follow.
    Reject,
    Announce,
    /// A member's attestations were revoked: tell the instances holding them.
    Revoke,
    /// Offer a member's current attestation to the instances that hold an
    /// older one, if it changed (the periodic renewal).
    Renew,
    /// A moderator restored a removed post (an `Undo` of its `Delete`).
    Restore,
    /// A moderator locked or unlocked a thread.
    Lock,
    Unlock,
    /// A moderator pinned or unpinned a thread (the group's featured posts).
    Pin,
    Unpin,
    /// A moderator banned a member from a group, or lifted the ban; the
    /// object is the group, the payload names the member and the terms.
    Ban,
    Unban,
    /// A moderator reports a post to its home server (a `Flag`); the
    /// payload carries the reason.
    Report,
    /// A group of ours gained or lost a moderator (the payload names the
    /// member): copies elsewhere read the list again.
    AddModerator,
    RemoveModerator,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Create => "create",
            EventKind::Update => "update",
            EventKind::Delete => "delete",
            EventKind::Vote => "vote",
            EventKind::Follow => "follow",
            EventKind::Unfollow => "unfollow",
            EventKind::Accept => "accept",
            EventKind::Reject => "reject",
            EventKind::Announce => "announce",
            EventKind::Revoke => "revoke",
            EventKind::Renew => "renew",
            EventKind::Restore => "restore",
            EventKind::Lock => "lock",
            EventKind::Unlock => "unlock",
            EventKind::Pin => "pin",
            EventKind::Unpin => "unpin",
            EventKind::Ban => "ban",
            EventKind::Unban => "unban",
            EventKind::Report => "report",
            EventKind::AddModerator => "add_moderator",
            EventKind::RemoveModerator => "remove_moderator",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        Some(match s {
            "create" => EventKind::Create,
            "update" => EventKind::Update,
            "delete" => EventKind::Delete,
            "vote" => EventKind::Vote,
            "follow" => EventKind::Follow,
            "unfollow" => EventKind::Unfollow,
            "accept" => EventKind::Accept,
            "reject" => EventKind::Reject,
            "announce" => EventKind::Announce,
            "revoke" => EventKind::Revoke,
            "renew" => EventKind::Renew,
            "restore" => EventKind::Restore,
            "lock" => EventKind::Lock,
            "unlock" => EventKind::Unlock,
            "pin" => EventKind::Pin,
            "unpin" => EventKind::Unpin,
            "ban" => EventKind::Ban,
            "unban" => EventKind::Unban,
            "report" => EventKind::Report,
            "add_moderator" => EventKind::AddModerator,
            "remove_moderator" => EventKind::RemoveModerator,
            _ => return None,
        })
    }
}

/// The thing an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventObject {
    Thread(ThreadId),
    Reply(ReplyId),
    Group(GroupId),
    User(UserId),
}

impl EventObject {
    pub(crate) fn parts(self) -> (&'static str, i64) {
        match self {
            EventObject::Thread(id) => ("thread", id.get()),
            EventObject::Reply(id) => ("reply", id.get()),
            EventObject::Group(id) => ("group", id.get()),
            EventObject::User(id) => ("user", id.get()),
        }
    }

    pub fn parse(kind: &str, id: i64) -> Option<EventObject> {
        Some(match kind {
            "thread" => EventObject::Thread(ThreadId(id)),
            "reply" => EventObject::Reply(ReplyId(id)),
            "group" => EventObject::Group(GroupId(id)),
            "user" => EventObject::User(UserId(id)),
            _ => return None,
        })
    }
}

/// A recorded event, as the expander reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: i64,
    pub kind: EventKind,
    pub object: EventObject,
    pub actor_id: Option<UserId>,
    /// Random token the activity's id is built from; fixed at commit time so
    /// a retried expansion produces the same id.
    pub token: String,
    pub payload: Option<String>,
    pub created_at: i64,
}

/// A fresh random token for an activity id (128 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Records one event inside `tx`; returns its token.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    kind: EventKind,
    object: EventObject,
    actor_id: Option<UserId>,
    payload: Option<&str>,
) -> sqlx::Result<String> {
    let token = new_token();
    let (object_type, object_id) = object.parts();
    sqlx::query(
        "INSERT INTO federation_events (kind, object_type, object_id, actor_id, activity_id, payload, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(kind.as_str())
    .bind(object_type)
    .bind(object_id)
    .bind(actor_id)
    .bind(&token)
    .bind(payload)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// Records what a change `via` someone needs: the local actor's own activity,
/// or the group's relay of a remote one.
pub(crate) async fn record_via(
    conn: &mut AnyConnection,
    via: Via<'_>,
    kind: EventKind,
    object: EventObject,
    group_id: GroupId,
    actor_id: UserId,
    payload: Option<&str>,
) -> sqlx::Result<Option<String>> {
    // A new post, from here or elsewhere, may concern members here.
    if kind == EventKind::Create {
        let new = NoticeKind::NewPost;
        notice(conn, new, object, Some(actor_id), None).await?;
    }
    match via {
        Via::Local => Ok(Some(
            record(conn, kind, object, Some(actor_id), payload).await?,
        )),
        Via::Remote {
            announce: Some(activity),
        } => {
            record(
                conn,
                EventKind::Announce,
                EventObject::Group(group_id),
                None,
                Some(activity),
            )
            .await?;
            Ok(None)
        }
        Via::Remote { announce: None } => Ok(None),
    }
}

/// id, kind, object type, object id, actor, token, payload, created_at.
type EventRow = (
    i64,
    String,
    String,
    Option<i64>,
    Option<UserId>,
    String,
    Option<String>,
    i64,
);

impl Store {
    /// The oldest events not yet expanded.
    pub async fn pending_events(&self, limit: i64) -> Result<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT id, kind, object_type, object_id, actor_id, activity_id, payload, created_at \
                 FROM federation_events ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(id, kind, otype, oid, actor_id, token, payload, created_at)| {
                    Some(Event {
                        id,
                        kind: EventKind::parse(&kind)?,
                        object: EventObject::parse(&otype, oid?)?,
                        actor_id,
                        token,
                        payload,
                        created_at,
                    })
                },
            )
            .collect())
    }
}

// Notices: what may concern members here, written beside the federation
// events in the change's own transaction (and, unlike those, for changes
// from other servers too); `crate::notifications` reads them.

/// What a notice says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// A new thread or reply, from here or elsewhere.
    NewPost,
    /// A reply was accepted as its question's answer.
    AnswerAccepted,
    /// An idea moved to another stage (the payload names it).
    IdeaStatus,
    /// A moderator removed, restored or locked a post (payload: what, why).
    Moderated,
    /// A member was invited to a group (payload: who).
    Invited,
    /// A request to join a group was answered (payload: who, yes or no).
    JoinDecided,
    /// A member earned a badge (payload: which, and in which group).
    Badge,
    /// A new member, to be welcomed by the community team.
    Welcome,
    /// A post elsewhere, in no group here, mentions members of ours
    /// (payload: its URL and the members).
    MentionElsewhere,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::NewPost => "new_post",
            NoticeKind::AnswerAccepted => "answer_accepted",
            NoticeKind::IdeaStatus => "idea_status",
            NoticeKind::Moderated => "moderated",
            NoticeKind::Invited => "invited",
            NoticeKind::JoinDecided => "join_decided",
            NoticeKind::Badge => "badge",
            NoticeKind::Welcome => "welcome",
            NoticeKind::MentionElsewhere => "mention_elsewhere",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<NoticeKind> {
        [
            NoticeKind::NewPost,
            NoticeKind::AnswerAccepted,
            NoticeKind::IdeaStatus,
            NoticeKind::Moderated,
            NoticeKind::Invited,
            NoticeKind::JoinDecided,
            NoticeKind::Badge,
            NoticeKind::Welcome,
            NoticeKind::MentionElsewhere,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Writes a notice in the change's own transaction.
pub(crate) async fn notice(
    conn: &mut AnyConnection,
    kind: NoticeKind,
    object: EventObject,
    actor_id: Option<UserId>,
    payload: Option<serde_json::Value>,
) -> sqlx::Result<()> {
    let (object_type, object_id) = object.parts();
    sqlx::query(
        "INSERT INTO notice_events (kind, object_type, object_id, actor_id, payload, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(kind.as_str())
    .bind(object_type)
    .bind(object_id)
    .bind(actor_id)
    .bind(payload.map(|p| p.to_string()))
    .bind(now_ms())
    .execute(conn)
    .await?;
    Ok(())
}
