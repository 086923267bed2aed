//! Undo of a Follow, Like or Dislike (and of a person's boost, a no-op),
//! and of a moderator's removal, lock or ban.

use super::{Handler, Inbound};
use crate::FedError;
use crate::protocol::inbound::Undo;

#[async_trait::async_trait]
impl Handler for Undo {
    /// What is undone must be the actor's own activity.
    async fn verify(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        if self.actor.as_ref() != Some(inbound.actor.ap_id()) {
            return Err(FedError::Forbidden(
                "an actor may only undo its own activities".into(),
            ));
        }
        Ok(())
    }

    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        match self.kind.as_deref() {
            Some("Follow") => super::follow::undo(inbound, self.object.as_ref()).await,
            Some("Like") | Some("Dislike") => {
                super::vote::set(inbound, self.object.as_ref(), None).await
            }
            // A person's boost is not shown here (see announce.rs), so neither
            // is taking it back.
            Some("Announce") if inbound.actor.user().is_some() => Ok(()),
            // A moderator's: a removal restored, a lock or a ban lifted.
            Some(kind @ ("Delete" | "Lock" | "Block")) => {
                super::moderate::undo(inbound, kind, self.object.as_ref(), self.target.as_ref())
                    .await
            }
            Some(other) => Err(FedError::Unprocessable(format!(
                "undoing {other:?} is not supported here"
            ))),
            None => Err(FedError::Unprocessable(
                "Undo must embed the activity it undoes".into(),
            )),
        }
    }
}
