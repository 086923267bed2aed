//! The stand-in's draft-cavage side: signing as Mastodon does, and reading
//! a received signature the way Mastodon checks it, written independently
//! of Guildhall's code. The load runs (`bench/`) sign and verify with these
//! too.

use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as Base64;
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pkcs8::DecodePublicKey;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::SystemTime;

/// The draft-cavage headers Mastodon sends: Date, Digest, and a Signature
/// over `(request-target) host date digest`. Public so load runs can sign
/// activities ahead of time the same way.
pub fn sign(
    method: &str,
    url: &str,
    body: &[u8],
    date: SystemTime,
    actor: &str,
    key: &RsaPrivateKey,
) -> Vec<(&'static str, String)> {
    let all = ["(request-target)", "host", "date", "digest"];
    sign_headers(method, url, body, date, actor, key, &all, None)
}

/// [`sign`], covering only `signed` of Mastodon's four headers, and
/// signing `host` instead of the URL's host when given.
#[allow(clippy::too_many_arguments)]
pub fn sign_headers(
    method: &str,
    url: &str,
    body: &[u8],
    date: SystemTime,
    actor: &str,
    key: &RsaPrivateKey,
    signed: &[&str],
    host: Option<&str>,
) -> Vec<(&'static str, String)> {
    let url = url::Url::parse(url).expect("inbox URL");
    let host = match (host, url.port()) {
        (Some(host), _) => host.to_owned(),
        (None, Some(port)) => format!("{}:{port}", url.host_str().unwrap()),
        (None, None) => url.host_str().unwrap().to_owned(),
    };
    let date = httpdate::fmt_http_date(date);
    let digest = format!("SHA-256={}", Base64.encode(Sha256::digest(body)));
    let target = match url.query() {
        Some(q) => format!("{} {}?{q}", method, url.path()),
        None => format!("{} {}", method, url.path()),
    };
    let signing_string = signed
        .iter()
        .map(|h| match *h {
            "(request-target)" => format!("(request-target): {target}"),
            "host" => format!("host: {host}"),
            "date" => format!("date: {date}"),
            "digest" => format!("digest: {digest}"),
            other => panic!("cannot sign {other}"),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let signature = key
        .sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(signing_string.as_bytes()),
        )
        .unwrap();
    let header = format!(
        "keyId=\"{actor}#main-key\",algorithm=\"rsa-sha256\",headers=\"{}\",signature=\"{}\"",
        signed.join(" "),
        Base64.encode(signature)
    );
    vec![("date", date), ("digest", digest), ("signature", header)]
}

/// The Signature header's parameters.
pub fn signature_params(headers: &HeaderMap) -> Option<HashMap<String, String>> {
    let header = headers.get("signature")?.to_str().ok()?;
    Some(
        header
            .split(',')
            .filter_map(|part| part.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
            .collect(),
    )
}

/// A received draft-cavage signature whose form is right, ready to check
/// against its signer's key.
pub struct Signature {
    /// The `keyId`, where the signer's key is.
    pub key_id: String,
    signing_string: String,
    signature: Vec<u8>,
}

/// Reads a request's signature as Mastodon does: the signed headers include
/// `(request-target) host date`, and for a POST (`body` given) `digest`,
/// which must match the body. `None` when any of that is missing or wrong.
pub fn read(
    method: &str,
    path: &str,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> Option<Signature> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let mut required = vec!["(request-target)", "host", "date"];
    if let Some(body) = body {
        let digest = format!("SHA-256={}", Base64.encode(Sha256::digest(body)));
        if header("digest") != Some(digest.as_str()) {
            return None;
        }
        required.push("digest");
    }
    let params = signature_params(headers)?;
    let (key_id, signed, signature) = (
        params.get("keyId")?,
        params.get("headers")?,
        params.get("signature")?,
    );
    let signed: Vec<&str> = signed.split(' ').collect();
    if !required.iter().all(|h| signed.contains(h)) {
        return None;
    }
    let lines: Vec<String> = signed
        .iter()
        .map(|name| match *name {
            "(request-target)" => Some(format!("(request-target): {method} {path}")),
            // hs2019 signatures (activitypub_federation's) also cover these.
            "(created)" | "(expires)" => {
                let param = name.trim_matches(['(', ')']);
                params.get(param).map(|v| format!("{name}: {v}"))
            }
            other => header(other).map(|v| format!("{other}: {v}")),
        })
        .collect::<Option<_>>()?;
    Some(Signature {
        key_id: key_id.clone(),
        signing_string: lines.join("\n"),
        signature: Base64.decode(signature).ok()?,
    })
}

impl Signature {
    /// Whether it was made with the private half of `key`.
    pub fn verifies(&self, key: &RsaPublicKey) -> bool {
        key.verify(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(self.signing_string.as_bytes()),
            &self.signature,
        )
        .is_ok()
    }
}

/// An actor's public key, read from its JSON.
pub fn public_key_of(actor: &Value) -> Option<RsaPublicKey> {
    RsaPublicKey::from_public_key_pem(actor["publicKey"]["publicKeyPem"].as_str()?).ok()
}
