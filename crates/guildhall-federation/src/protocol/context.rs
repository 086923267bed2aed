//! The JSON-LD `@context` of everything we send, and how we write times.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Guildhall's own terms (a group's kind, who accepted an answer, the
/// notice restating a post's state in its text): one fixed IRI, the same
/// on every instance, so the terms mean the same everywhere. The terms of
/// others are used where they exist (schema.org's `acceptedAnswer`).
pub const GUILDHALL_NS: &str = "https://guildhall.social/ns#";

/// The JSON-LD context of everything we send: ActivityStreams, security
/// (publicKey), and every other term we use, under the IRIs Lemmy, Mastodon
/// and PeerTube define them with (Lemmy's context does the same). A term
/// left out is dropped by JSON-LD processors; `tests/tests/jsonld.rs`
/// expands every document we emit to catch one.
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "lemmy": "https://join-lemmy.org/ns#",
            "toot": "http://joinmastodon.org/ns#",
            "pt": "https://joinpeertube.org/ns#",
            "sensitive": "as:sensitive",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "discoverable": "toot:discoverable",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
            "moderators": { "@id": "lemmy:moderators", "@type": "@id" },
            "stickied": "lemmy:stickied",
            "removeData": "lemmy:removeData",
            "expires": "as:endTime",
            "Lock": "lemmy:Lock",
            "commentsEnabled": "pt:commentsEnabled",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "sc": "http://schema.org/",
            "gh": GUILDHALL_NS,
            "groupKind": "gh:groupKind",
            "acceptedAnswer": { "@id": "sc:acceptedAnswer", "@type": "@id" },
            "answerCount": "sc:answerCount",
            "acceptedBy": { "@id": "gh:acceptedBy", "@type": "@id" },
            "notice": "gh:notice",
            "ideaStatus": "gh:ideaStatus",
            "creativeWorkStatus": "sc:creativeWorkStatus",
            "statusBy": { "@id": "gh:statusBy", "@type": "@id" },
            "officialResponse": "gh:officialResponse",
            "duplicateOf": { "@id": "gh:duplicateOf", "@type": "@id" },
            "Product": "sc:Product",
            "itemReviewed": { "@id": "sc:itemReviewed", "@type": "@id" },
            "reviewRating": "sc:reviewRating",
            "ratingValue": "sc:ratingValue",
            "bestRating": "sc:bestRating",
            "worstRating": "sc:worstRating"
        }
    ])
}

/// A Person's context: ours, plus the `attestation` term of the reputation
/// vocabulary at `vocabulary` (docs/ATTESTATIONS.md).
pub fn person_context(vocabulary: &str) -> Value {
    let mut context = context();
    if let Some(terms) = context.get_mut(2) {
        terms["attestation"] = json!({
            "@id": format!("{vocabulary}#attestation"),
            "@type": "@id",
        });
    }
    context
}

/// The instance actor's context: `assertionMethod` comes from the DID
/// context, `Multikey` (and its `controller`, `publicKeyMultibase`,
/// `expires`) from the Multikey context, as FEP-521a, Mastodon and Fedify
/// publish them.
pub fn instance_context() -> Value {
    let mut context = context();
    if let Some(list) = context.as_array_mut() {
        list.splice(
            2..2,
            [
                "https://w3id.org/security/data-integrity/v2".into(),
                "https://www.w3.org/ns/did/v1".into(),
                "https://w3id.org/security/multikey/v1".into(),
            ],
        );
    }
    context
}

/// An RFC 3339 timestamp (whole seconds, UTC), as Mastodon writes them.
pub fn time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
