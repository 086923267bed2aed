//! The activities we send. Each lists its fields in the order peers have
//! always received them (serde writes a struct's fields in order, and
//! delivered documents are pinned byte for byte by
//! `tests/tests/documents.rs`); absent fields are left out, not `null`.

use super::objects::Post;
use activitypub_federation::kinds::activity::{
    AcceptType, AnnounceType, CreateType, DeleteType, FollowType, OfferType, RejectType, UndoType,
    UpdateType,
};
use serde::Serialize;
use serde_json::Value;
use url::Url;

/// An activity with the `@context` it is delivered with, which comes last.
#[derive(Debug, Serialize)]
pub struct WithContext<T> {
    #[serde(flatten)]
    pub activity: T,
    #[serde(rename = "@context")]
    pub context: Value,
}

/// Who sends an activity about a post, and to whom: a member's activity in
/// a group is addressed to the group and the public, `audience` the group
/// (as Lemmy expects).
#[derive(Debug, Clone, Serialize)]
pub struct PostEnvelope {
    pub id: Url,
    pub actor: Url,
    pub to: Vec<Url>,
    pub cc: Vec<Url>,
    pub audience: Url,
}

/// A new thread or reply.
#[derive(Debug, Serialize)]
pub struct Create {
    #[serde(rename = "type")]
    pub kind: CreateType,
    pub object: Post,
    #[serde(flatten)]
    pub envelope: PostEnvelope,
}

/// An edit: the whole post again.
#[derive(Debug, Serialize)]
pub struct Update {
    #[serde(rename = "type")]
    pub kind: UpdateType,
    pub object: Post,
    #[serde(flatten)]
    pub envelope: PostEnvelope,
}

/// A deletion by the author, or a moderator's removal (Lemmy's shape: a
/// Delete with a `summary`, announced by the group).
#[derive(Debug, Serialize)]
pub struct Delete {
    #[serde(rename = "type")]
    pub kind: DeleteType,
    pub object: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(flatten)]
    pub envelope: PostEnvelope,
}

/// A moderator's action in a group, in Lemmy's shapes: `Lock` a thread;
/// `Add` or `Remove` it to the group's featured collection (`target`) to
/// pin or unpin it; `Block` a member from the group (`target` the group,
/// with `removeData` and the expiry as both `expires`, which Lemmy 0.19
/// and Mbin read, and `endTime`, which Lemmy 1.0 reads).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModAction {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub object: Url,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remove_data: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(flatten)]
    pub envelope: PostEnvelope,
}

/// A moderator's action taken back: `Undo` embedding the `Delete` of a
/// removal (a restore), a `Lock` or a `Block`.
#[derive(Debug, Serialize)]
pub struct UndoAction<O> {
    #[serde(rename = "type")]
    pub kind: UndoType,
    pub object: O,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(flatten)]
    pub envelope: PostEnvelope,
}

/// Which way a vote goes: an upvote is a `Like`, a downvote a `Dislike`.
#[derive(Debug, Clone, Copy, Serialize)]
pub enum VoteKind {
    Like,
    Dislike,
}

/// A vote on a post.
#[derive(Debug, Serialize)]
pub struct Vote {
    #[serde(rename = "type")]
    pub kind: VoteKind,
    pub object: Url,
    #[serde(flatten)]
    pub envelope: PostEnvelope,
}

/// A vote taken back: the Like or Dislike undone, under its original id.
#[derive(Debug, Serialize)]
pub struct UndoVote {
    #[serde(rename = "type")]
    pub kind: UndoType,
    pub object: UndoneVote,
    #[serde(flatten)]
    pub envelope: PostEnvelope,
}

#[derive(Debug, Serialize)]
pub struct UndoneVote {
    #[serde(rename = "type")]
    pub kind: VoteKind,
    pub id: String,
    pub actor: Url,
    pub object: Url,
}

/// Any of a member's activities on a post.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum PostActivity {
    Create(Create),
    Update(Update),
    Delete(Delete),
    Vote(Vote),
    UndoVote(UndoVote),
}

/// A local member follows a remote group.
#[derive(Debug, Clone, Serialize)]
pub struct Follow {
    #[serde(rename = "type")]
    pub kind: FollowType,
    pub id: Url,
    pub actor: Url,
    pub object: Url,
    pub to: Vec<Url>,
}

/// A local member leaves a remote group.
#[derive(Debug, Serialize)]
pub struct UndoFollow {
    #[serde(rename = "type")]
    pub kind: UndoType,
    pub id: Url,
    pub actor: Url,
    pub object: Follow,
    pub to: Vec<Url>,
}

/// A local group answers a remote Follow: [`Accept`], or (a private
/// group's moderators said no) [`Reject`].
#[derive(Debug, Serialize)]
pub struct Answer<K> {
    #[serde(rename = "type")]
    pub kind: K,
    pub id: Url,
    pub actor: Url,
    /// The Follow as the follower sent it, verbatim (Lemmy matches it).
    pub object: Value,
    pub to: Vec<Url>,
}

pub type Accept = Answer<AcceptType>;
pub type Reject = Answer<RejectType>;

/// A local group relays an activity (FEP-1b12), or boosts a Page.
#[derive(Debug, Serialize)]
pub struct Announce<O> {
    #[serde(rename = "type")]
    pub kind: AnnounceType,
    pub id: Url,
    pub actor: Url,
    pub object: O,
    pub to: Vec<Url>,
    pub cc: Vec<Url>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audience: Option<Url>,
}

/// A thread's Create as a group outbox lists it (inside its Announce).
#[derive(Debug, Serialize)]
pub struct ListedCreate {
    #[serde(rename = "type")]
    pub kind: CreateType,
    pub id: Url,
    pub actor: Url,
    pub object: Post,
    pub to: Vec<Url>,
    pub audience: Url,
}

/// An item of a group outbox: a Create of ours, or a remote author's Page.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Listed {
    Create(Box<ListedCreate>),
    Post(Box<Post>),
}

/// A member's attestation offered to a partner, from our instance actor.
#[derive(Debug, Serialize)]
pub struct Offer {
    #[serde(rename = "type")]
    pub kind: OfferType,
    pub id: Url,
    pub actor: Url,
    /// The attestation as issued and signed: its proof covers every byte.
    pub object: Value,
}

/// The Delete that revokes one of our attestations.
#[derive(Debug, Serialize)]
pub struct Revocation {
    #[serde(rename = "type")]
    pub kind: DeleteType,
    pub id: Url,
    pub actor: Url,
    pub object: Url,
    pub summary: &'static str,
}
