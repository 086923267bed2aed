//! RSA key pairs for actors: made at creation, stored with the actor.

use crate::FedError;
use guildhall_db::{ActorTable, KeyPair, Store};

/// A fresh RSA-2048 key pair. Slow (tens of ms): call from a blocking thread.
pub fn generate_blocking() -> KeyPair {
    let pair = activitypub_federation::http_signatures::generate_actor_keypair()
        .expect("RSA key generation cannot fail with the OS RNG");
    KeyPair {
        public_key_pem: pair.public_key,
        private_key_pem: pair.private_key,
    }
}

/// A fresh key pair, made off the async threads.
pub async fn generate() -> Result<KeyPair, FedError> {
    tokio::task::spawn_blocking(generate_blocking)
        .await
        .map_err(|e| FedError::Internal(format!("key generation: {e}")))
}

/// Gives a key pair to a newly created local user or group.
pub async fn assign(store: &Store, table: ActorTable, id: i64) -> Result<(), FedError> {
    let keys = generate().await?;
    store.set_keys(table, id, &keys).await?;
    Ok(())
}

/// Gives keys to local actors that lack them (made before federation, or a
/// crash between creating an actor and storing its keys).
pub async fn backfill(store: &Store) -> Result<(), FedError> {
    for table in [ActorTable::Users, ActorTable::Groups] {
        for id in store.actors_without_keys(table).await? {
            assign(store, table, id).await?;
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
