//! Inbound HTTP signatures (draft-cavage), checked the way Mastodon does:
//! `(request-target) host date digest` must be signed, `Digest` must match
//! the body (SHA-256), and `Date` must fall in Mastodon's window: at most
//! 1 h in the future and 1 h 5 min in the past (5 min validity plus 1 h of
//! clock skew). The signed `Host` must be ours ([`is_own_host`]): a request
//! signed for another server cannot be replayed here.
//!
//! Signatures are checked with ring, keys parsed once and kept by their PEM:
//! the `rsa` crate took 190 µs per RSA-2048 verification on our 2-core
//! machine, ring about 21 µs, and every inbound activity needs one.

use crate::FedError;
use axum::http::{HeaderMap, Method, Uri};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as Base64;
use http_signature_normalization::Config;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use rsa::RsaPublicKey;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime};
use url::Url;

pub(crate) const PAST_WINDOW: Duration = Duration::from_secs(65 * 60);
pub(crate) const FUTURE_WINDOW: Duration = Duration::from_secs(60 * 60);

/// What a signed POST to us must cover, in draft-cavage names: the method
/// and path, the host (bound to ours by [`is_own_host`]), the date (for
/// the replay window) and the body's digest. A signed GET covers the same
/// but the digest. Shared with every signature scheme we verify.
pub const REQUIRED_POST: [&str; 4] = ["(request-target)", "host", "date", "digest"];
pub const REQUIRED_GET: [&str; 3] = ["(request-target)", "host", "date"];

static CONFIG: LazyLock<Config> = LazyLock::new(|| config(&REQUIRED_POST));
/// For signed fetches (a GET has no body, so no digest).
static CONFIG_GET: LazyLock<Config> = LazyLock::new(|| config(&REQUIRED_GET));

fn config(required: &[&str]) -> Config {
    required
        .iter()
        .fold(Config::new().mastodon_compat(), |c, h| c.require_header(h))
        .set_expiration(PAST_WINDOW)
}

/// Whether `host` (a `Host` header, or the host a signature covers) names
/// this instance, whose domain is `domain` (`example.com`, or
/// `example.com:8443` when it has a port). Case-insensitive; a default port
/// written out (`:443`, `:80`) is the same host.
pub fn is_own_host(host: &str, domain: &str) -> bool {
    fn bare(h: &str) -> String {
        let h = h.trim().to_ascii_lowercase();
        let h = h.trim_end_matches('.');
        h.strip_suffix(":443")
            .or_else(|| h.strip_suffix(":80"))
            .unwrap_or(h)
            .trim_end_matches('.')
            .to_owned()
    }
    !host.trim().is_empty() && bare(host) == bare(domain)
}

/// A signature that parsed and is in its time window, not yet checked
/// against a key.
pub struct Pending {
    /// The actor whose key signed (the keyId without its fragment).
    pub signer: Url,
    signing_string: String,
    signature: String,
}

/// Checks the body's `Digest` header: present, SHA-256, matching.
pub fn check_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), FedError> {
    let header = headers
        .get("digest")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| FedError::BadRequest("the Digest header is missing".into()))?;
    let expected = Base64.encode(Sha256::digest(body));
    let sha256 = header
        .split(',')
        .filter_map(|part| part.trim().split_once('='))
        .find(|(alg, _)| alg.eq_ignore_ascii_case("sha-256"))
        .map(|(_, value)| value)
        .ok_or_else(|| FedError::BadRequest("the Digest header has no SHA-256 value".into()))?;
    if sha256 != expected {
        return Err(FedError::BadRequest(
            "the Digest header does not match the body".into(),
        ));
    }
    Ok(())
}

/// Parses the `Signature` header and checks which headers it covers and its
/// dates. Unsigned or stale requests are 401.
pub fn begin(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    own_host: &str,
) -> Result<Pending, FedError> {
    let mut map = BTreeMap::new();
    for (name, value) in headers {
        if let Ok(value) = value.to_str() {
            map.insert(name.as_str().to_owned(), value.to_owned());
        }
    }
    // HTTP/2 has no Host header, and some proxies drop it: the signed value is ours.
    let host = map
        .entry("host".to_owned())
        .or_insert_with(|| own_host.to_owned());
    // A request signed for another server is not one for us, however well
    // it verifies: refuse it before any key is fetched.
    if !is_own_host(host, own_host) {
        return Err(FedError::Unauthorized(format!(
            "the request is signed for the host {host:?}, not this instance ({own_host})"
        )));
    }
    if let Some(date) = map.get("date") {
        let sent = httpdate::parse_http_date(date)
            .map_err(|_| FedError::Unauthorized("the Date header is not an HTTP date".into()))?;
        if sent > SystemTime::now() + FUTURE_WINDOW {
            return Err(FedError::Unauthorized(
                "the Date header is too far in the future".into(),
            ));
        }
    }
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let config = match *method {
        Method::GET | Method::HEAD => &CONFIG_GET,
        _ => &CONFIG,
    };
    let unverified = config
        .begin_verify(method.as_str(), path, map)
        .map_err(|e| FedError::Unauthorized(format!("HTTP signature refused: {e}")))?;
    let mut signer = Url::parse(unverified.key_id())
        .map_err(|_| FedError::Unauthorized("the signature's keyId is not a URL".into()))?;
    signer.set_fragment(None);
    Ok(Pending {
        signer,
        signing_string: unverified.signing_string().to_owned(),
        signature: unverified.signature().to_owned(),
    })
}

impl Pending {
    /// Whether the signature was made by the private half of `public_key_pem`.
    pub fn verify(&self, keys: &PublicKeys, public_key_pem: &str) -> bool {
        let Some(key) = keys.get(public_key_pem) else {
            return false;
        };
        let Ok(signature) = Base64.decode(&self.signature) else {
            return false;
        };
        key.verify(self.signing_string.as_bytes(), &signature)
    }
}

/// A parsed public key: ring's PKCS#1 form for the sizes ring takes
/// (2048–8192 bits, all that Mastodon and Lemmy make), the `rsa` crate for
/// the odd smaller key an old server may still have.
pub enum PublicKey {
    Ring(Vec<u8>),
    Rsa(RsaPublicKey),
}

impl PublicKey {
    fn parse(pem: &str) -> Option<PublicKey> {
        let key = RsaPublicKey::from_public_key_pem(pem).ok()?;
        if (2048..=8192).contains(&key.n().bits()) {
            let der = key.to_pkcs1_der().ok()?;
            Some(PublicKey::Ring(der.as_bytes().to_vec()))
        } else {
            Some(PublicKey::Rsa(key))
        }
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 (also RFC 9421's `rsa-v1_5-sha256`).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            PublicKey::Ring(der) => UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
                .verify(message, signature)
                .is_ok(),
            PublicKey::Rsa(key) => key
                .verify(
                    Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(message),
                    signature,
                )
                .is_ok(),
        }
    }
}

/// Parsed public keys by their PEM text, so a rotated key is simply a new
/// entry. Bounded: past [`PublicKeys::MAX`] keys it starts over.
#[derive(Default)]
pub struct PublicKeys(Mutex<HashMap<String, Arc<PublicKey>>>);

impl PublicKeys {
    const MAX: usize = 50_000;

    /// The parsed key, or `None` when the PEM is not an RSA public key.
    pub fn get(&self, pem: &str) -> Option<Arc<PublicKey>> {
        if let Some(key) = self.lock().get(pem) {
            return Some(key.clone());
        }
        let key = Arc::new(PublicKey::parse(pem)?);
        let mut keys = self.lock();
        if keys.len() >= Self::MAX {
            keys.clear();
        }
        keys.insert(pem.to_owned(), key.clone());
        Some(key)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<PublicKey>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::RsaPrivateKey;
    use rsa::pkcs8::{EncodePublicKey, LineEnding};

    fn signed(bits: usize) -> (String, Vec<u8>) {
        let key = RsaPrivateKey::new(&mut rand::thread_rng(), bits).unwrap();
        let pem = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let signature = key
            .sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(b"message"))
            .unwrap();
        (pem, signature)
    }

    #[test]
    fn own_host_is_the_domain_with_its_port() {
        assert!(is_own_host("example.com", "example.com"));
        assert!(is_own_host("Example.COM:443", "example.com"));
        assert!(is_own_host("example.com.", "example.com"));
        assert!(is_own_host("localhost:8080", "localhost:8080"));
        assert!(!is_own_host("localhost:8081", "localhost:8080"));
        assert!(!is_own_host("localhost", "localhost:8080"));
        assert!(!is_own_host("other.example", "example.com"));
        assert!(!is_own_host("example.com.evil", "example.com"));
        assert!(!is_own_host("", "example.com"));
    }

    /// Both paths, ring's for 2048 bits and the `rsa` crate's for an old
    /// 1024-bit key, accept the right signature and refuse a changed one.
    #[test]
    fn keys_of_every_size_verify() {
        let keys = PublicKeys::default();
        for bits in [2048, 1024] {
            let (pem, mut signature) = signed(bits);
            let key = keys.get(&pem).unwrap();
            assert_eq!(matches!(*key, PublicKey::Ring(_)), bits == 2048);
            assert!(key.verify(b"message", &signature));
            assert!(!key.verify(b"messagf", &signature));
            signature[10] ^= 1;
            assert!(!key.verify(b"message", &signature));
        }
        assert!(keys.get("not a key").is_none());
    }
}
