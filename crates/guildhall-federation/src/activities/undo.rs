//! Undo of a Follow, Like or Dislike (and of a person's boost, a no-op).

use super::{Inbound, value_type};
use crate::FedError;

pub async fn receive(inbound: &Inbound<'_>) -> Result<(), FedError> {
    let inner = &inbound.activity.object;
    // What is undone must be the actor's own activity.
    let inner_actor = inner.get("actor").and_then(super::value_id);
    if inner_actor.as_ref() != Some(inbound.actor.ap_id()) {
        return Err(FedError::Forbidden(
            "an actor may only undo its own activities".into(),
        ));
    }
    match value_type(inner) {
        Some("Follow") => super::follow::undo(inbound, inner).await,
        Some("Like") | Some("Dislike") => super::vote::undo(inbound, inner).await,
        // A person's boost is not shown here (see announce.rs), so neither
        // is taking it back.
        Some("Announce") if inbound.actor.user().is_some() => Ok(()),
        Some(other) => Err(FedError::Unprocessable(format!(
            "undoing {other:?} is not supported here"
        ))),
        None => Err(FedError::Unprocessable(
            "Undo must embed the activity it undoes".into(),
        )),
    }
}
