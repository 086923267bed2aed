//! Data Integrity proofs (W3C VC Data Integrity, FEP-8b32) with the
//! `eddsa-jcs-2022` cryptosuite: documents canonicalized with RFC 8785
//! (JCS), signed with Ed25519, keys written as FEP-521a Multikeys.
//!
//! Pure like the rest of this crate: no keys are fetched here; callers give
//! the key they trust for the proof's `verificationMethod`.

pub mod eddsa_jcs;
pub mod multikey;

pub use eddsa_jcs::{ProofOptions, sign, verify};
pub use multikey::{Keypair, PublicKey};

use thiserror::Error;

/// Why a document could not be signed or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProofError {
    #[error("not a JSON object")]
    NotAnObject,
    #[error("no proof")]
    NoProof,
    #[error("the proof is not a DataIntegrityProof with cryptosuite eddsa-jcs-2022")]
    WrongSuite,
    #[error("the proof has no proofValue, or it is not a multibase base58btc string")]
    BadProofValue,
    #[error("the proof's @context does not match the document's")]
    ContextMismatch,
    #[error("bad key: {0}")]
    BadKey(String),
    #[error("the signature does not verify")]
    BadSignature,
}
