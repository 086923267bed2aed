//! Outgoing HTTP signatures for deliveries, in the shape Mastodon expects:
//! `Date`, `Host` and a SHA-256 `Digest`, signed with the actor's RSA key
//! over `(request-target) content-type date digest host` (draft-cavage,
//! `hs2019`, RSASSA-PKCS1-v1_5 with SHA-256).
//!
//! [`post`] sends a delivery signed this way or the RFC 9421 way
//! ([`crate::rfc9421`]), double-knocking: the scheme remembered for the
//! instance first (draft-cavage while none is), the other one once more
//! when the answer says the signature was refused, and what went through is
//! remembered (the rule is [`guildhall_core::http_signatures`]).
//!
//! Signing is done with ring rather than through activitypub_federation:
//! each POST needs its own signature (the target and host differ), and with
//! the `rsa` crate signing took 1.7 ms, the whole cost of a 1,000-inbox
//! fan-out; ring takes about a third of that. Keys are parsed once per
//! actor and kept.

use crate::{FedData, FedError, rfc9421};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as Base64;
use guildhall_core::http_signatures::{self, SignatureScheme};
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rsa::pkcs8::SecretDocument;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use url::Url;

/// Parsed signing keys by actor id.
#[derive(Default)]
pub struct KeyCache(Mutex<HashMap<String, Arc<RsaKeyPair>>>);

impl KeyCache {
    /// The actor's parsed key, parsing `private_key_pem` the first time.
    pub fn get(&self, actor: &str, private_key_pem: &str) -> Result<Arc<RsaKeyPair>, FedError> {
        if let Some(key) = self.lock().get(actor) {
            return Ok(key.clone());
        }
        let key = Arc::new(parse(private_key_pem)?);
        self.lock().insert(actor.to_owned(), key.clone());
        Ok(key)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<RsaKeyPair>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A PKCS#8 PEM private key (as activitypub_federation generates them).
fn parse(pem: &str) -> Result<RsaKeyPair, FedError> {
    let (_, der) = SecretDocument::from_pem(pem)
        .map_err(|e| FedError::Internal(format!("a stored private key is not PEM: {e}")))?;
    RsaKeyPair::from_pkcs8(der.as_bytes())
        .map_err(|e| FedError::Internal(format!("a stored private key is not RSA PKCS#8: {e}")))
}

/// The headers of a signed POST of `body` to `inbox`, by `actor`.
pub fn post_headers(
    key: &RsaKeyPair,
    actor: &Url,
    inbox: &Url,
    body: &[u8],
) -> Result<HeaderMap, FedError> {
    let host = match (inbox.host_str(), inbox.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return Err(FedError::Internal(format!("inbox {inbox} has no host"))),
    };
    let content_type = "application/activity+json";
    let date = httpdate::fmt_http_date(SystemTime::now());
    let digest = format!("SHA-256={}", Base64.encode(Sha256::digest(body)));
    let target = match inbox.query() {
        Some(q) => format!("post {}?{q}", inbox.path()),
        None => format!("post {}", inbox.path()),
    };
    let signing_string = format!(
        "(request-target): {target}\ncontent-type: {content_type}\ndate: {date}\ndigest: {digest}\nhost: {host}"
    );
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        signing_string.as_bytes(),
        &mut signature,
    )
    .map_err(|_| FedError::Internal("RSA signing failed".into()))?;
    let header = format!(
        "keyId=\"{actor}#main-key\",algorithm=\"hs2019\",headers=\"(request-target) content-type date digest host\",signature=\"{}\"",
        Base64.encode(signature)
    );
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("content-type", content_type.to_owned()),
        ("host", host),
        ("date", date),
        ("digest", digest),
        ("signature", header),
    ] {
        let value = HeaderValue::from_str(&value)
            .map_err(|_| FedError::Internal(format!("bad {name} header")))?;
        headers.insert(name, value);
    }
    Ok(headers)
}

/// Signs and POSTs a delivery of `body` to `inbox` (on `domain`, whose
/// known scheme is `remembered`), double-knocking; the last answer's status.
pub async fn post(
    data: &FedData,
    domain: &str,
    remembered: Option<&str>,
    key: &RsaKeyPair,
    actor: &Url,
    inbox: &Url,
    body: Bytes,
) -> Result<Knocked, FedError> {
    let remembered = remembered.and_then(SignatureScheme::parse);
    let mut scheme = http_signatures::first_knock(remembered);
    let mut status = match knock(data, scheme, key, actor, inbox, body.clone()).await? {
        Knocked::Answered(status) => status,
        refused => return Ok(refused),
    };
    if http_signatures::knock_again(remembered, status.as_u16()) {
        tracing::debug!(%status, refused = scheme.as_str(), "signature refused; knocking again the other way");
        scheme = scheme.other();
        status = match knock(data, scheme, key, actor, inbox, body).await? {
            Knocked::Answered(status) => status,
            refused => return Ok(refused),
        };
    }
    if let Some(learnt) = http_signatures::to_remember(remembered, scheme, status.as_u16()) {
        tracing::debug!(
            domain,
            scheme = learnt.as_str(),
            "remembering the instance's signature scheme"
        );
        if let Err(e) = data
            .store
            .set_signature_scheme(domain, learnt.as_str())
            .await
        {
            tracing::warn!(error = %e, domain, "could not remember the signature scheme");
        }
    }
    Ok(Knocked::Answered(status))
}

/// What became of a signed POST that did not fail on the way.
pub enum Knocked {
    /// The receiver answered with this status.
    Answered(reqwest13::StatusCode),
    /// The outbound address rule refused to connect (SSRF), for this reason.
    Refused(String),
}

/// One signed POST. The client refuses addresses the outbound rule does not
/// allow where it connects ([`crate::net`]).
async fn knock(
    data: &FedData,
    scheme: SignatureScheme,
    key: &RsaKeyPair,
    actor: &Url,
    inbox: &Url,
    body: Bytes,
) -> Result<Knocked, FedError> {
    let headers = match scheme {
        SignatureScheme::Cavage => post_headers(key, actor, inbox, &body)?,
        SignatureScheme::Rfc9421 => rfc9421::post_headers(key, actor, inbox, &body)?,
    };
    let response = match data
        .http
        .post(inbox.as_str())
        .headers(headers)
        .body(body)
        .send()
        .await
    {
        Ok(response) => response,
        Err(e) => match crate::net::refusal(&e) {
            Some(refused) => return Ok(Knocked::Refused(refused.to_string())),
            None => return Err(FedError::Remote(format!("{inbox}: {e}"))),
        },
    };
    let status = response.status();
    crate::net::drain(response).await;
    Ok(Knocked::Answered(status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signatures;
    use axum::http::{Method, Uri};

    /// What we sign, our own inbox check accepts: the same rules as
    /// Mastodon's (signed headers, Date window, Digest).
    #[test]
    fn signed_posts_verify() {
        let keys = crate::keys::generate_blocking();
        let key = KeyCache::default()
            .get("https://a.example/u/alice", &keys.private_key_pem)
            .unwrap();
        let actor = Url::parse("https://a.example/u/alice").unwrap();
        let inbox = Url::parse("https://b.example:8443/inbox").unwrap();
        let body = br#"{"type":"Like"}"#;
        let headers = post_headers(&key, &actor, &inbox, body).unwrap();
        let uri: Uri = "/inbox".parse().unwrap();
        signatures::check_digest(&headers, body).unwrap();
        let pending = signatures::begin(&Method::POST, &uri, &headers, "b.example:8443").unwrap();
        assert_eq!(pending.signer, actor);
        assert!(pending.verify(&Default::default(), &keys.public_key_pem));
        let other = crate::keys::generate_blocking();
        assert!(!pending.verify(&Default::default(), &other.public_key_pem));
        // Another body does not match the signed digest.
        assert!(signatures::check_digest(&headers, b"{}").is_err());
    }
}
