//! Reputation attestations: a W3C Verifiable Credential 2.0 in which an
//! instance states one of its own members' reputation, secured with a Data
//! Integrity proof (`eddsa-jcs-2022`, see [`crate::integrity`]).
//!
//! This module builds the document and checks what a verifier checks that
//! does not need the network: the shape, that the subject is on the
//! issuer's own domain, and the time window. Fetching the issuer's key and
//! revocation are the caller's.

use crate::integrity::{self, Keypair, ProofError, ProofOptions, PublicKey};
use serde_json::{Value, json};

/// The revocation reason of an attestation an admin withdrew: none is
/// issued again until an admin restores it.
pub const WITHDRAWN: &str = "withdrawn by an admin";

pub const CREDENTIALS_CONTEXT: &str = "https://www.w3.org/ns/credentials/v2";
pub const CREDENTIAL_TYPE: &str = "ReputationAttestation";

/// One badge as attested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestedBadge {
    pub name: String,
    /// `bronze`, `silver` or `gold`.
    pub tier: String,
    /// RFC 3339.
    pub awarded: String,
}

/// What an instance attests about one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The instance actor's id.
    pub issuer: String,
    /// The member's actor id.
    pub subject: String,
    pub points: i64,
    pub rank: String,
    pub trust_level: u8,
    pub badges: Vec<AttestedBadge>,
    /// (group actor id, points).
    pub groups: Vec<(String, i64)>,
    /// RFC 3339.
    pub valid_from: String,
    pub valid_until: String,
}

/// The Verifiable Credential, without its proof. `context` is the URL of
/// the JSON-LD context defining the reputation terms.
pub fn credential(claims: &Claims, id: &str, context: &str) -> Value {
    json!({
        "@context": [CREDENTIALS_CONTEXT, context],
        "id": id,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "issuer": claims.issuer,
        "validFrom": claims.valid_from,
        "validUntil": claims.valid_until,
        "credentialSubject": {
            "id": claims.subject,
            "reputationPoints": claims.points,
            "rank": claims.rank,
            "trustLevel": claims.trust_level,
            "badges": claims.badges.iter().map(|b| json!({
                "name": b.name, "tier": b.tier, "awarded": b.awarded,
            })).collect::<Vec<_>>(),
            "groups": claims.groups.iter().map(|(group, points)| json!({
                "group": group, "reputationPoints": points,
            })).collect::<Vec<_>>(),
        },
    })
}

/// The credential signed with the issuer's key `key_id`.
pub fn issue(
    claims: &Claims,
    id: &str,
    context: &str,
    key: &Keypair,
    key_id: &str,
) -> Result<Value, ProofError> {
    let options = ProofOptions {
        verification_method: key_id.to_owned(),
        proof_purpose: "assertionMethod".into(),
        created: Some(claims.valid_from.clone()),
        context: None,
    };
    integrity::sign(&credential(claims, id, context), &options, key)
}

/// Why an attestation is not honoured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("not a ReputationAttestation credential: {0}")]
    Shape(&'static str),
    #[error("the issuer {issuer} may only attest its own members, not {subject}")]
    ForeignSubject { issuer: String, subject: String },
    #[error("the proof's key {0} is not the issuer's")]
    ForeignKey(String),
    #[error("not valid yet (from {0})")]
    NotYetValid(String),
    #[error("expired (until {0})")]
    Expired(String),
    #[error("proof: {0}")]
    Proof(#[from] ProofError),
}

/// The host (with port) of a URL-like id, lower case.
fn host_of(id: &str) -> Option<String> {
    let rest = id.split_once("://")?.1;
    let host = rest.split(['/', '#', '?']).next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// The checks that need no network, in order: shape, the subject on the
/// issuer's domain, the proof's key on the issuer's actor, the time window
/// (`now` RFC 3339, compared as UTC instants), and the proof with `key`
/// (the issuer's key the caller fetched). Returns the credential's subject.
pub fn check(attestation: &Value, key: &PublicKey, now: &str) -> Result<String, Rejected> {
    let s = |field: &'static str| {
        attestation
            .get(field)
            .and_then(Value::as_str)
            .ok_or(Rejected::Shape(field))
    };
    let types = attestation.get("type").and_then(Value::as_array);
    if !types.is_some_and(|t| t.iter().any(|t| t == CREDENTIAL_TYPE)) {
        return Err(Rejected::Shape("type"));
    }
    let issuer = s("issuer")?;
    let subject = attestation
        .pointer("/credentialSubject/id")
        .and_then(Value::as_str)
        .ok_or(Rejected::Shape("credentialSubject.id"))?;
    if host_of(issuer).is_none() || host_of(issuer) != host_of(subject) {
        return Err(Rejected::ForeignSubject {
            issuer: issuer.into(),
            subject: subject.into(),
        });
    }
    let method = integrity::eddsa_jcs::proof_of(attestation)?
        .get("verificationMethod")
        .and_then(Value::as_str)
        .ok_or(Rejected::Shape("proof.verificationMethod"))?;
    if method.split('#').next() != Some(issuer) {
        return Err(Rejected::ForeignKey(method.into()));
    }
    let instant = |t: &str| instant(t).ok_or(Rejected::Shape("a time"));
    let (from, until) = (s("validFrom")?, s("validUntil")?);
    let now_at = instant(now)?;
    if now_at < instant(from)? {
        return Err(Rejected::NotYetValid(from.into()));
    }
    if now_at >= instant(until)? {
        return Err(Rejected::Expired(until.into()));
    }
    integrity::verify(attestation, key)?;
    Ok(subject.to_owned())
}

/// How an attestation a member holds stands here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// Verified, valid, and its issuer is a partner: it applies.
    Verified,
    /// Verified, but this instance does not trust its issuer: shown, and
    /// changes nothing.
    UnverifiedPolicy,
    Expired,
    Revoked,
}

impl Held {
    /// Revocation first, then the time window, then the policy.
    pub fn of(revoked: bool, valid_until_ms: i64, now_ms: i64, trusted: bool) -> Held {
        if revoked {
            Held::Revoked
        } else if now_ms >= valid_until_ms {
            Held::Expired
        } else if trusted {
            Held::Verified
        } else {
            Held::UnverifiedPolicy
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Held::Verified => "verified",
            Held::UnverifiedPolicy => "unverified policy",
            Held::Expired => "expired",
            Held::Revoked => "revoked",
        }
    }
}

/// An RFC 3339 time as an instant.
fn instant(t: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXT: &str = "https://a.example/ns/reputation/v1";

    fn claims() -> Claims {
        Claims {
            issuer: "https://a.example/actor".into(),
            subject: "https://a.example/u/alice".into(),
            points: 1240,
            rank: "Expert".into(),
            trust_level: 3,
            badges: vec![AttestedBadge {
                name: "Helper".into(),
                tier: "bronze".into(),
                awarded: "2026-03-01T10:00:00Z".into(),
            }],
            groups: vec![("https://a.example/g/support".into(), 1200)],
            valid_from: "2026-11-23T00:00:00Z".into(),
            valid_until: "2026-12-23T00:00:00Z".into(),
        }
    }

    fn issued(claims: &Claims, key: &Keypair) -> Value {
        let id = format!("{}/attestation", claims.subject);
        issue(
            claims,
            &id,
            CONTEXT,
            key,
            "https://a.example/actor#ed25519-key-1",
        )
        .unwrap()
    }

    const NOW: &str = "2026-11-24T12:00:00Z";

    #[test]
    fn an_issued_attestation_verifies_and_names_its_subject() {
        let key = Keypair::from_seed([1; 32]);
        let doc = issued(&claims(), &key);
        assert_eq!(
            doc["type"],
            json!(["VerifiableCredential", "ReputationAttestation"])
        );
        assert_eq!(doc["proof"]["cryptosuite"], "eddsa-jcs-2022");
        assert_eq!(doc["proof"]["proofPurpose"], "assertionMethod");
        assert_eq!(doc["credentialSubject"]["reputationPoints"], 1240);
        assert_eq!(
            check(&doc, &key.public(), NOW),
            Ok("https://a.example/u/alice".into())
        );
    }

    #[test]
    fn tampered_foreign_early_and_expired_attestations_are_rejected() {
        let key = Keypair::from_seed([1; 32]);
        let doc = issued(&claims(), &key);
        let mut tampered = doc.clone();
        tampered["credentialSubject"]["reputationPoints"] = 99_999.into();
        assert_eq!(
            check(&tampered, &key.public(), NOW),
            Err(Rejected::Proof(ProofError::BadSignature))
        );
        let foreign = Claims {
            subject: "https://c.example/u/mallory".into(),
            ..claims()
        };
        assert!(matches!(
            check(&issued(&foreign, &key), &key.public(), NOW),
            Err(Rejected::ForeignSubject { .. })
        ));
        assert!(matches!(
            check(&doc, &key.public(), "2026-11-22T23:59:59Z"),
            Err(Rejected::NotYetValid(_))
        ));
        assert!(matches!(
            check(&doc, &key.public(), "2026-12-23T00:00:00Z"),
            Err(Rejected::Expired(_))
        ));
        let other = Keypair::from_seed([2; 32]).public();
        assert_eq!(
            check(&doc, &other, NOW),
            Err(Rejected::Proof(ProofError::BadSignature))
        );
        let mut other_key = doc.clone();
        other_key["proof"]["verificationMethod"] = "https://c.example/actor#k".into();
        assert!(matches!(
            check(&other_key, &key.public(), NOW),
            Err(Rejected::ForeignKey(_))
        ));
    }

    #[test]
    fn times_compare_as_instants_whatever_their_offset() {
        let key = Keypair::from_seed([1; 32]);
        let doc = issued(&claims(), &key);
        // 2026-11-23T00:30:00+01:00 is 2026-11-22T23:30:00Z: too early.
        assert!(matches!(
            check(&doc, &key.public(), "2026-11-23T00:30:00+01:00"),
            Err(Rejected::NotYetValid(_))
        ));
        assert_eq!(
            check(&doc, &key.public(), "not a time"),
            Err(Rejected::Shape("a time"))
        );
    }
}
