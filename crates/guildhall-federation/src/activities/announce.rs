//! Announce from a remote group we follow (FEP-1b12): the group relays an
//! activity of one of its members, or (for Mastodon-style boosts of a group)
//! the bare Page. The inner activity is applied as if its actor had sent it,
//! limited to the announcing group's own content.

use super::{Inbound, Incoming, value_type};
use crate::FedError;
use crate::actors::StoredActor;

pub async fn receive(inbound: &Inbound<'_>) -> Result<(), FedError> {
    let StoredActor::Group(group, _) = inbound.actor else {
        // A boost by a person: not a thing a community server shows.
        return Ok(());
    };
    let ctx = inbound.data;
    if !ctx.store.has_local_members(group.id).await? {
        return Ok(()); // nobody here follows it
    }
    let object = &inbound.activity.object;
    let inner: Incoming = match value_type(object) {
        Some("Page" | "Note" | "Article" | "Question") => {
            // Announce(Page): the same as its author's Create.
            let author = object
                .get("attributedTo")
                .and_then(super::value_id)
                .ok_or_else(|| {
                    FedError::Unprocessable("the announced post has no author".into())
                })?;
            Incoming {
                id: inbound.activity.id.clone(),
                kind: "Create".into(),
                actor: author,
                object: object.clone(),
                to: vec![],
                cc: vec![],
                audience: Some(inbound.actor.ap_id().clone()),
            }
        }
        Some(_) => serde_json::from_value(object.clone())
            .map_err(|e| FedError::Unprocessable(format!("malformed announced activity: {e}")))?,
        None => {
            return Err(FedError::Unprocessable(
                "Announce must embed what it announces".into(),
            ));
        }
    };
    if inner.kind == "Announce" {
        return Err(FedError::Unprocessable("nested Announce".into()));
    }
    let actor = StoredActor::dereference(&inner.actor, ctx).await?;
    let raw = serde_json::to_string(object)?;
    let nested = Inbound {
        activity: &inner,
        raw: &raw,
        actor: &actor,
        via_group: Some(group),
        data: ctx,
    };
    super::apply_once(&nested).await
}
