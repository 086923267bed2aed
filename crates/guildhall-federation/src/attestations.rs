//! Reputation attestations over federation (docs/ATTESTATIONS.md).
//!
//! Ours: a member's current attestation is served at `/u/{name}/attestation`
//! (linked from their Person), each issued one at its own id; it is issued on
//! first need and re-issued when what it states changes, when the signing
//! key rotated, or as it nears its end. It is offered to a partner instance
//! when the member follows, posts or votes in one of its groups, and a
//! revocation goes to every instance that was offered one.
//!
//! Theirs: an offered attestation is verified against its issuer's actor and
//! kept; the partner policy decides on use what it counts for.

use crate::actors::StoredActor;
use crate::protocol::context::time;
use crate::protocol::outbound::{Offer, Revocation};
use crate::{Context, FedData, FedError};
use guildhall_core::attestation::{self, AttestedBadge, Claims, Rejected};
use guildhall_core::integrity::{Keypair, PublicKey};
use guildhall_core::reputation::badges;
use guildhall_db::{FedUser, ImportedAttestation, IssuedAttestation, MemberReputation, now_ms};
use serde_json::{Value, json};
use url::Url;

const DAY_MS: i64 = 86_400_000;
/// How long an attestation is valid.
pub const VALIDITY_MS: i64 = 30 * DAY_MS;
/// Re-issued when less than this is left, so a fetched one is never about
/// to lapse.
const RENEW_WITHIN_MS: i64 = 10 * DAY_MS;

/// The context document: the terms of `credentialSubject` and the type.
///
/// `id`, `type` and a badge's `name` come from the credentials v2 context,
/// which protects them: redefining `name` here would make JSON-LD
/// processors refuse the document.
pub fn context_document(ctx: &Context) -> Value {
    let vocab = format!("{}#", ctx.urls.reputation_context());
    let int = |name: &str| json!({ "@id": format!("{vocab}{name}"), "@type": "xsd:integer" });
    json!({
        "@context": {
            "@protected": true,
            "xsd": "http://www.w3.org/2001/XMLSchema#",
            "ReputationAttestation": format!("{vocab}ReputationAttestation"),
            "reputationPoints": int("reputationPoints"),
            "trustLevel": int("trustLevel"),
            "rank": format!("{vocab}rank"),
            "badges": { "@id": format!("{vocab}badges"), "@container": "@set" },
            "tier": format!("{vocab}tier"),
            "awarded": { "@id": format!("{vocab}awarded"), "@type": "xsd:dateTime" },
            "groups": { "@id": format!("{vocab}groups"), "@container": "@set" },
            "group": { "@id": format!("{vocab}group"), "@type": "@id" },
            "attestation": { "@id": format!("{vocab}attestation"), "@type": "@id" },
        }
    })
}

/// What a re-issue is due on: the key, rank, trust level and badges.
fn fingerprint(key_id: i64, r: &MemberReputation) -> String {
    let badges: Vec<String> = r
        .badges
        .iter()
        .map(|b| format!("{}:{}:{}", b.badge, b.object_type, b.object_id))
        .collect();
    format!(
        "key {key_id}|{}|{}|{}",
        r.rank,
        r.trust_level,
        badges.join(",")
    )
}

/// A local member's current attestation, issued or re-issued when due.
/// Gone while they are banned or their attestation is withdrawn.
pub async fn current(ctx: &Context, user: &FedUser) -> Result<IssuedAttestation, FedError> {
    issue_if_due(ctx, user, false).await
}

/// Issues a member a new attestation after a withdrawal.
pub async fn restore(ctx: &Context, user: &FedUser) -> Result<IssuedAttestation, FedError> {
    issue_if_due(ctx, user, true).await
}

async fn issue_if_due(
    ctx: &Context,
    user: &FedUser,
    restoring: bool,
) -> Result<IssuedAttestation, FedError> {
    let reputation = ctx.store.member_reputation(user.id).await?;
    let latest = ctx.store.current_attestation(user.id).await?;
    let withdrawn = latest
        .as_ref()
        .is_some_and(|a| a.revoked_why.as_deref() == Some(guildhall_core::attestation::WITHDRAWN));
    if reputation.banned || (withdrawn && !restoring) {
        return Err(FedError::Gone("attestation"));
    }
    // After a lifted ban, or a restore, a new one is issued.
    let latest = latest.filter(|a| a.revoked_at.is_none());
    let key = ctx
        .store
        .signing_attestation_key(crate::keys::generate_attestation_key)
        .await?;
    let fingerprint = fingerprint(key.id, &reputation);
    let now = now_ms();
    if let Some(a) = latest
        && a.fingerprint == fingerprint
        && a.valid_until - now > RENEW_WITHIN_MS
    {
        return Ok(a);
    }
    let keypair = Keypair::from_multibase(&key.private_multibase)
        .map_err(|e| FedError::Internal(format!("attestation key: {e}")))?;
    let key_id = ctx.urls.attestation_key(key.id);
    let claims = claims(ctx, user, &reputation, now, now + VALIDITY_MS);
    let context = ctx.urls.reputation_context();
    let issued = ctx
        .store
        .issue_attestation(user.id, &fingerprint, now + VALIDITY_MS, |id| {
            let url = ctx.urls.attestation(&user.username, id);
            attestation::issue(&claims, url.as_str(), context.as_str(), &keypair, &key_id)
                .map(|doc| doc.to_string())
        })
        .await?
        .map_err(|e| FedError::Internal(format!("signing an attestation: {e}")))?;
    tracing::info!(user = %user.username, id = issued.id, "attestation issued");
    Ok(issued)
}

fn claims(ctx: &Context, user: &FedUser, r: &MemberReputation, from: i64, until: i64) -> Claims {
    Claims {
        issuer: ctx.urls.instance_actor().to_string(),
        subject: ctx.urls.user(&user.username).to_string(),
        points: r.total,
        rank: r.rank.clone(),
        trust_level: r.trust_level as u8,
        badges: r
            .badges
            .iter()
            .map(|b| {
                let known = badges::badge(&b.badge);
                AttestedBadge {
                    name: known.map_or(b.badge.clone(), |k| k.name.to_owned()),
                    tier: known
                        .and_then(|k| serde_json::to_value(k.tier).ok())
                        .and_then(|t| t.as_str().map(str::to_owned))
                        .unwrap_or_else(|| "bronze".into()),
                    awarded: time(b.awarded_at),
                }
            })
            .collect(),
        groups: r
            .groups
            .iter()
            .map(|g| (ctx.urls.group(&g.group_name).to_string(), g.points))
            .collect(),
        valid_from: time(from),
        valid_until: time(until),
    }
}

/// The `Offer` of a member's attestation to a partner instance, from our
/// instance actor (the issuer), addressed to the partner's inbox.
pub fn offer(ctx: &Context, a: &IssuedAttestation, id: &Url) -> Result<Offer, FedError> {
    let document: Value = serde_json::from_str(&a.document)
        .map_err(|e| FedError::Internal(format!("stored attestation: {e}")))?;
    Ok(Offer {
        kind: Default::default(),
        id: id.clone(),
        actor: ctx.urls.instance_actor(),
        object: document,
    })
}

/// The `Delete` that revokes attestation `id` (a URL) of ours.
pub fn revocation(ctx: &Context, attestation_id: &Url, id: &Url) -> Revocation {
    Revocation {
        kind: Default::default(),
        id: id.clone(),
        actor: ctx.urls.instance_actor(),
        object: attestation_id.clone(),
        summary: "attestation revoked",
    }
}

/// Why an offered attestation was not taken, for the log and the sender.
fn rejected(issuer: &str, subject: &str, reason: impl std::fmt::Display) -> FedError {
    tracing::warn!(issuer, subject, %reason, "attestation rejected");
    FedError::Unprocessable(format!("attestation rejected: {reason}"))
}

/// One key listed on an issuer's actor.
struct ListedKey {
    key: PublicKey,
    /// RFC 3339, when the issuer rotated it.
    expires: Option<String>,
}

/// The key `key_id` as the issuer's actor lists it under `assertionMethod`
/// (fetched with a signed GET). It must be controlled by the issuer.
async fn issuer_key(data: &FedData, issuer: &Url, key_id: &str) -> Result<ListedKey, String> {
    let actor: Value = crate::fetch::object(issuer, data)
        .await
        .map_err(|e| format!("the issuer's actor could not be fetched: {e}"))?;
    if actor.get("id").and_then(Value::as_str) != Some(issuer.as_str()) {
        return Err("the issuer's actor has another id".into());
    }
    let methods = match actor.get("assertionMethod") {
        Some(Value::Array(list)) => list.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => vec![],
    };
    let method = methods
        .iter()
        .find(|m| m.get("id").and_then(Value::as_str) == Some(key_id))
        .ok_or_else(|| format!("the issuer does not list the key {key_id}"))?;
    if method.get("controller").and_then(Value::as_str) != Some(issuer.as_str()) {
        return Err(format!("the key {key_id} is not controlled by the issuer"));
    }
    let multibase = method
        .get("publicKeyMultibase")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the key {key_id} has no publicKeyMultibase"))?;
    Ok(ListedKey {
        key: PublicKey::from_multibase(multibase).map_err(|e| e.to_string())?,
        expires: method
            .get("expires")
            .and_then(Value::as_str)
            .map(str::to_owned),
    })
}

/// Verifies an attestation `sender` offered and keeps it. Every check that
/// fails rejects it with its reason (logged, and a 422 to the sender), and
/// nothing changes.
pub async fn receive(
    data: &FedData,
    document: &Value,
    sender: &StoredActor,
) -> Result<(), FedError> {
    let text = |pointer: &str| document.pointer(pointer).and_then(Value::as_str);
    let issuer_text = text("/issuer").unwrap_or_default();
    let subject_text = text("/credentialSubject/id").unwrap_or_default();
    let reject = |reason: &dyn std::fmt::Display| rejected(issuer_text, subject_text, reason);
    let issuer = Url::parse(issuer_text).map_err(|_| reject(&"no issuer"))?;
    if &issuer != sender.ap_id() {
        return Err(reject(&"only the issuer's instance actor may offer it"));
    }
    let key_id = text("/proof/verificationMethod").ok_or_else(|| reject(&"no proof"))?;
    let listed = issuer_key(data, &issuer, key_id)
        .await
        .map_err(|e| reject(&e))?;
    let now = time(now_ms());
    if let Some(expires) = &listed.expires
        && expires.as_str() <= now.as_str()
    {
        return Err(reject(&format!(
            "signed with the key {key_id}, which expired at {expires}"
        )));
    }
    attestation::check(document, &listed.key, &now).map_err(|e: Rejected| reject(&e))?;
    let id = text("/id").ok_or_else(|| reject(&"no id"))?;
    let subject_url = Url::parse(subject_text).map_err(|_| reject(&"bad subject"))?;
    let subject = data
        .actors
        .get(&subject_url, data)
        .await
        .map_err(|e| reject(&format!("the subject could not be fetched: {e}")))?;
    let Some(user) = subject.user() else {
        return Err(reject(&"the subject is not a person"));
    };
    let domain = sender.domain();
    let number = |pointer: &str| document.pointer(pointer).and_then(Value::as_i64);
    let until = text("/validUntil")
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp_millis())
        .ok_or_else(|| reject(&"bad validUntil"))?;
    let imported = ImportedAttestation {
        user_id: user.id,
        ap_id: id.to_owned(),
        issuer: issuer.to_string(),
        domain: domain.clone(),
        key_id: key_id.to_owned(),
        document: document.to_string(),
        points: number("/credentialSubject/reputationPoints").unwrap_or(0),
        rank_title: text("/credentialSubject/rank").unwrap_or("").to_owned(),
        trust_level: number("/credentialSubject/trustLevel")
            .unwrap_or(0)
            .clamp(0, 4),
        valid_until: until,
        verified_at: now_ms(),
        revoked_at: None,
    };
    if data
        .store
        .revoked_imported(id, &domain)
        .await
        .map_err(FedError::from)?
    {
        return Err(reject(&"it was revoked"));
    }
    // The issuer's word on it now, by a signed fetch of its id: a revoked
    // one is gone (410) even if its revocation never reached us.
    let id_url = Url::parse(id).map_err(|_| reject(&"bad id"))?;
    if guildhall_core::instances::domain_of(id).as_deref() != Some(domain.as_str()) {
        return Err(reject(&"its id is not on the issuer's domain"));
    }
    match crate::fetch::object::<Value>(&id_url, data).await {
        Ok(_) => {}
        Err(FedError::Gone(_)) => {
            return Err(reject(&"it was revoked by its issuer"));
        }
        Err(e) => return Err(reject(&format!("its issuer does not serve it: {e}"))),
    }
    guildhall_app::attestations::import(&data.app, &imported).await?;
    tracing::info!(issuer = %issuer, subject = %subject_url, "attestation verified");
    Ok(())
}
