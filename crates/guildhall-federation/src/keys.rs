//! Keys: the repair pass for actors from before keys existed, and the
//! instance's Ed25519 attestation keys.

use crate::FedError;
use guildhall_db::{ActorTable, Store};

/// RSA key pairs are made by the application layer, which stores each
/// new actor with its keys; the instance actor's and the tests' come from
/// the same place.
pub use guildhall_app::keys::generate_blocking;

/// Gives keys to local actors that lack them: those of a database made
/// before migration 0002 added actor keys (which adds the columns empty).
/// Actors created since are stored with their keys in one transaction, so
/// nothing else leaves an actor without them.
pub async fn backfill(store: &Store) -> Result<(), FedError> {
    for table in [ActorTable::Users, ActorTable::Groups] {
        for id in store.actors_without_keys(table).await? {
            let keys = guildhall_app::keys::generate()
                .await
                .map_err(|e| FedError::Internal(e.to_string()))?;
            store.set_keys(table, id, &keys).await?;
        }
    }
    Ok(())
}

/// A fresh Ed25519 attestation key as (public, private) multibase, from the
/// OS's random source.
pub fn generate_attestation_key() -> guildhall_db::NewKey {
    use ring::rand::{SecureRandom, SystemRandom};
    let mut seed = [0u8; 32];
    SystemRandom::new()
        .fill(&mut seed)
        .expect("the OS random source cannot fail");
    let pair = guildhall_core::integrity::Keypair::from_seed(seed);
    (pair.public().to_multibase(), pair.to_multibase())
}
