//! Reputation attestations in the store: the ones we issue for our members,
//! the ones partners issued for theirs, the partner-trust policy that says
//! what those count for here, and the keys we sign with. Signing and
//! verifying are the federation's.

mod imported;
mod issued;
mod keys;
mod partners;

pub use imported::ImportedAttestation;
pub use issued::IssuedAttestation;
pub(crate) use issued::revoke;
pub use keys::{AttestationKey, NewKey};
pub use partners::Partner;
