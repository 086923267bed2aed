//! Offer of a reputation attestation by a partner's instance actor.

use super::{Handler, Inbound};
use crate::FedError;
use crate::protocol::inbound::Offer;

#[async_trait::async_trait]
impl Handler for Offer {
    /// The credential is checked whole against its issuer when received
    /// ([`crate::attestations::receive`]): every refusal says why.
    async fn verify(&self, _: &Inbound<'_>) -> Result<(), FedError> {
        Ok(())
    }

    async fn receive(&self, inbound: &Inbound<'_>) -> Result<(), FedError> {
        crate::attestations::receive(inbound.data, &self.attestation, inbound.actor).await
    }
}
