//! Ed25519 keys as Multikeys (FEP-521a): multibase base58btc (`z…`) of the
//! multicodec prefix and the key bytes (`0xed 0x01` for a public key,
//! `0x80 0x26` for a private key's 32-byte seed).

use super::ProofError;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

const PUBLIC_PREFIX: [u8; 2] = [0xed, 0x01];
const PRIVATE_PREFIX: [u8; 2] = [0x80, 0x26];

/// `z` + base58btc: multibase as FEP-521a and the cryptosuites write it.
pub fn multibase(bytes: &[u8]) -> String {
    format!("z{}", bs58::encode(bytes).into_string())
}

/// The bytes of a multibase base58btc string.
pub fn from_multibase(text: &str) -> Option<Vec<u8>> {
    bs58::decode(text.strip_prefix('z')?).into_vec().ok()
}

fn with_prefix(prefix: [u8; 2], text: &str) -> Result<[u8; 32], ProofError> {
    let bytes = from_multibase(text)
        .ok_or_else(|| ProofError::BadKey("not multibase base58btc (z…)".into()))?;
    let key = bytes
        .strip_prefix(&prefix[..])
        .ok_or_else(|| ProofError::BadKey("not an Ed25519 multikey".into()))?;
    key.try_into()
        .map_err(|_| ProofError::BadKey("an Ed25519 key is 32 bytes".into()))
}

/// An Ed25519 public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// From `publicKeyMultibase`.
    pub fn from_multibase(text: &str) -> Result<PublicKey, ProofError> {
        let bytes = with_prefix(PUBLIC_PREFIX, text)?;
        VerifyingKey::from_bytes(&bytes)
            .map(PublicKey)
            .map_err(|e| ProofError::BadKey(e.to_string()))
    }

    /// As `publicKeyMultibase`.
    pub fn to_multibase(&self) -> String {
        multibase(&[&PUBLIC_PREFIX[..], self.0.as_bytes()].concat())
    }

    /// Strict verification (no malleable signatures, no weak keys).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), ProofError> {
        let signature = Signature::from_slice(signature).map_err(|_| ProofError::BadProofValue)?;
        self.0
            .verify_strict(message, &signature)
            .map_err(|_| ProofError::BadSignature)
    }
}

/// An Ed25519 key pair.
#[derive(Clone)]
pub struct Keypair(SigningKey);

impl std::fmt::Debug for Keypair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(f, "Keypair({})", self.public().to_multibase())
    }
}

impl Keypair {
    /// From a 32-byte seed (the caller draws it from a CSPRNG).
    pub fn from_seed(seed: [u8; 32]) -> Keypair {
        Keypair(SigningKey::from_bytes(&seed))
    }

    /// From `privateKeyMultibase` (the seed after its multicodec prefix).
    pub fn from_multibase(text: &str) -> Result<Keypair, ProofError> {
        Ok(Keypair::from_seed(with_prefix(PRIVATE_PREFIX, text)?))
    }

    /// As `privateKeyMultibase`: keep it secret.
    pub fn to_multibase(&self) -> String {
        multibase(&[&PRIVATE_PREFIX[..], self.0.as_bytes()].concat())
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }
}
