//! RSA key pairs for local actors (members, groups, the instance), made
//! before the actor is stored so both go in in one transaction.

use crate::{Error, Result};
use guildhall_db::KeyPair;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};

/// A fresh RSA-2048 key pair as PEM (PKCS#8 private, SPKI public), the
/// shape ActivityPub servers publish. Slow (tens of ms): call from a
/// blocking thread.
pub fn generate_blocking() -> KeyPair {
    let private = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
        .expect("RSA key generation cannot fail with the OS RNG");
    let public_key_pem = RsaPublicKey::from(&private)
        .to_public_key_pem(LineEnding::default())
        .expect("an RSA public key encodes as PEM");
    let private_key_pem = private
        .to_pkcs8_pem(LineEnding::default())
        .expect("an RSA private key encodes as PEM")
        .to_string();
    KeyPair {
        public_key_pem,
        private_key_pem,
    }
}

/// A fresh key pair, made off the async threads.
pub async fn generate() -> Result<KeyPair> {
    tokio::task::spawn_blocking(generate_blocking)
        .await
        .map_err(|e| Error::Internal(format!("key generation: {e}")))
}
