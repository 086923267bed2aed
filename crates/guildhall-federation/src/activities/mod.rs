//! Inbound activities: one module per activity type. Each checks origin
//! (who may do this to what) and applies the change through the store, which
//! records the group's relay when the change happened in a local group.
//!
//! Adding an activity (a moderator's Remove, a Block) is one module here and
//! one line in [`apply`].

mod announce;
mod create;
mod delete;
mod flag;
mod follow;
mod posts;
mod undo;
mod vote;

use crate::actors::StoredActor;
use crate::shapes;
use crate::{FedData, FedError};
use guildhall_db::FedGroup;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

pub use posts::Post;

/// Any activity, with the fields every handler reads; the rest stays in `object`.
#[derive(Debug, Clone, Deserialize)]
pub struct Incoming {
    pub id: Url,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(deserialize_with = "shapes::required_url")]
    pub actor: Url,
    #[serde(default)]
    pub object: Value,
    #[serde(default, deserialize_with = "shapes::urls")]
    pub to: Vec<Url>,
    #[serde(default, deserialize_with = "shapes::urls")]
    pub cc: Vec<Url>,
    #[serde(default, deserialize_with = "shapes::first_url")]
    pub audience: Option<Url>,
}

/// The id of a JSON reference (a URL string, an object's `id`, a Link's
/// `href`), or of the first of several.
pub fn value_id(v: &Value) -> Option<Url> {
    shapes::items(v).iter().find_map(shapes::reference)
}

/// The `type` of an embedded object, if it is one.
pub fn value_type(v: &Value) -> Option<&str> {
    v.get("type").and_then(Value::as_str)
}

/// Whether an object is a reputation attestation (its `type` lists it).
fn is_attestation(object: &Value) -> bool {
    object
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|t| t == "ReputationAttestation"))
}

/// One activity being applied.
pub struct Inbound<'a> {
    pub activity: &'a Incoming,
    /// The activity as received, relayed verbatim when a local group announces it.
    pub raw: &'a str,
    /// Its actor, fetched and verified.
    pub actor: &'a StoredActor,
    /// Set inside an Announce: the remote group vouching for the activity,
    /// which must then be about that group's content.
    pub via_group: Option<&'a FedGroup>,
    pub data: &'a FedData,
}

impl Inbound<'_> {
    /// The acting user; groups and services cannot post or vote.
    pub fn user(&self) -> Result<&guildhall_db::FedUser, FedError> {
        self.actor
            .user()
            .ok_or_else(|| FedError::Forbidden("only people can do this".into()))
    }

    /// The relay payload for a change in `group`: the raw activity when the
    /// group is ours (we announce it), nothing otherwise.
    pub fn announce_in<'g>(&'g self, group: &FedGroup) -> guildhall_db::Via<'g> {
        guildhall_db::Via::Remote {
            announce: group.domain.is_none().then_some(self.raw),
        }
    }

    /// Inside an Announce, the content must belong to the announcing group.
    pub fn check_group(&self, group: &FedGroup) -> Result<(), FedError> {
        match self.via_group {
            Some(g) if g.id != group.id => Err(FedError::Forbidden(
                "a group may only announce its own content".into(),
            )),
            _ => Ok(()),
        }
    }
}

/// Applies a verified activity unless its id was seen before. Only an
/// applied activity is recorded, so a corrected resend of a refused one is
/// not taken for a repeat.
pub async fn apply_once(inbound: &Inbound<'_>) -> Result<(), FedError> {
    let (data, id) = (inbound.data, inbound.activity.id.as_str());
    // Dropped on every way out but success, which releases the id.
    let Some(claim) = data.bookkeeping.claim(id) else {
        return Ok(());
    };
    if data.store.received(id).await? {
        return Ok(());
    }
    apply(inbound).await?;
    claim.applied();
    Ok(())
}

/// Applies one verified activity. Boxed: an Announce applies its inner
/// activity through here again.
pub fn apply<'a>(inbound: &'a Inbound<'a>) -> futures::future::BoxFuture<'a, Result<(), FedError>> {
    Box::pin(apply_inner(inbound))
}

async fn apply_inner(inbound: &Inbound<'_>) -> Result<(), FedError> {
    match inbound.activity.kind.as_str() {
        "Follow" => follow::receive(inbound).await,
        "Accept" => follow::accepted(inbound).await,
        "Reject" => follow::rejected(inbound).await,
        "Undo" => undo::receive(inbound).await,
        "Create" | "Update" => create::receive(inbound).await,
        "Delete" => delete::receive(inbound).await,
        "Like" | "Dislike" => vote::receive(inbound).await,
        "Announce" => announce::receive(inbound).await,
        "Flag" => flag::receive(inbound).await,
        "Offer" if is_attestation(&inbound.activity.object) => {
            crate::attestations::receive(inbound.data, &inbound.activity.object, inbound.actor)
                .await
        }
        other => Err(FedError::Unprocessable(format!(
            "the activity type {other:?} is not supported here"
        ))),
    }
}
