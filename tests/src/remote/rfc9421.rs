//! The stand-in's RFC 9421 side: signing as Fedify does, and verifying on
//! its inboxes, written from the RFC independently of Guildhall's code.

use super::{Remote, Shared, Spoil, answer, fetch_json, signed_at};
use axum::http::{HeaderMap, StatusCode, Uri};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as Base64;
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pkcs8::DecodePublicKey;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::time::SystemTime;

impl Remote {
    /// POSTs `activity` to `inbox` signed the RFC 9421 way by its `actor`,
    /// as Fedify signs (see [`sign_rfc9421`]), spoiled as asked
    /// (`StaleDate`: created two hours ago).
    pub async fn send_rfc9421(
        &self,
        inbox: &str,
        activity: &Value,
        spoil: Spoil,
    ) -> (StatusCode, Value) {
        let actor = activity["actor"].as_str().expect("the activity's actor");
        let body = serde_json::to_vec(activity).unwrap();
        let key = &self.signing_key(spoil).await;
        let created = signed_at(spoil);
        let mut req = self
            .shared
            .http
            .post(inbox)
            .header("content-type", "application/activity+json");
        if spoil != Spoil::Unsigned {
            for (name, value) in sign_rfc9421(inbox, &body, created, actor, key, spoil) {
                req = req.header(name, value);
            }
        }
        answer(req, body).await
    }
}

/// RFC 9421 headers in Fedify's shape: a SHA-256 `Content-Digest`, and a
/// signature `sig1` covering `@method @target-uri @authority host date
/// content-digest`, with `alg="rsa-v1_5-sha256"`, the actor's key, and
/// `created`. Written here from the RFC, independently of Guildhall's code.
/// `spoil` may sign another body's digest (`WrongDigest`), another host
/// (`OtherAuthority`), or send it with another `Host` (`OtherHost`).
pub fn sign_rfc9421(
    url: &str,
    body: &[u8],
    created: SystemTime,
    actor: &str,
    key: &RsaPrivateKey,
    spoil: Spoil,
) -> Vec<(&'static str, String)> {
    let url = url::Url::parse(url).expect("inbox URL");
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap()),
        None => url.host_str().unwrap().to_owned(),
    };
    let signed_host = match spoil {
        Spoil::OtherAuthority | Spoil::OtherHost => "other.example".to_owned(),
        _ => host.clone(),
    };
    let sent_host = if spoil == Spoil::OtherHost {
        signed_host.clone()
    } else {
        host
    };
    let digest_of: &[u8] = if spoil == Spoil::WrongDigest {
        b"other bytes"
    } else {
        body
    };
    let content_digest = format!("sha-256=:{}:", Base64.encode(Sha256::digest(digest_of)));
    let target = match url.query() {
        Some(q) => format!("{}://{signed_host}{}?{q}", url.scheme(), url.path()),
        None => format!("{}://{signed_host}{}", url.scheme(), url.path()),
    };
    let date = httpdate::fmt_http_date(created);
    let created = created
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let params = format!(
        "(\"@method\" \"@target-uri\" \"@authority\" \"host\" \"date\" \"content-digest\");alg=\"rsa-v1_5-sha256\";keyid=\"{actor}#main-key\";created={created}"
    );
    let base = [
        "\"@method\": POST".to_owned(),
        format!("\"@target-uri\": {target}"),
        format!("\"@authority\": {signed_host}"),
        format!("\"host\": {signed_host}"),
        format!("\"date\": {date}"),
        format!("\"content-digest\": {content_digest}"),
        format!("\"@signature-params\": {params}"),
    ]
    .join("\n");
    let signature = key
        .sign(
            Pkcs1v15Sign::new::<Sha256>(),
            &Sha256::digest(base.as_bytes()),
        )
        .unwrap();
    vec![
        ("host", sent_host),
        ("date", date),
        ("content-digest", content_digest),
        ("signature-input", format!("sig1={params}")),
        ("signature", format!("sig1=:{}:", Base64.encode(signature))),
    ]
}

/// Verifies an RFC 9421 signature the way a Fedify-like server would, with
/// its own parsing: one signature, covering at least `@method`,
/// `@target-uri` and `content-digest` (SHA-256, matching the body), with
/// `created` at most an hour off; the base is rebuilt from the request as
/// received, and the signature checked (RSASSA-PKCS1-v1_5 SHA-256) against
/// the key fetched from its `keyid`.
pub(super) async fn verify_rfc9421(
    shared: &Shared,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (Some(input), Some(signature), Some(host)) = (
        header("signature-input"),
        header("signature"),
        header("host"),
    ) else {
        return false;
    };
    // sig1=("@method" …);created=…;keyid="…"
    let Some((label, params)) = input.split_once('=') else {
        return false;
    };
    let Some(close) = params.find(')') else {
        return false;
    };
    let components: Vec<&str> = params[1..close]
        .split(' ')
        .map(|c| c.trim_matches('"'))
        .collect();
    let param = |name: &str| {
        params[close + 1..]
            .split(';')
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .map(|v| v.trim_matches('"'))
    };
    let (Some(key_id), Some(created)) = (param("keyid"), param("created")) else {
        return false;
    };
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    match created.parse::<i64>() {
        Ok(created) if (now - created).abs() <= 3600 => {}
        _ => return false,
    }
    if !["@method", "@target-uri", "content-digest"]
        .iter()
        .all(|c| components.contains(c))
    {
        return false;
    }
    let digest = format!("sha-256=:{}:", Base64.encode(Sha256::digest(body)));
    if header("content-digest") != Some(digest.as_str()) {
        return false;
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut lines = Vec::new();
    for component in &components {
        let value = match *component {
            "@method" => "POST".to_owned(),
            "@target-uri" => format!("http://{host}{path}"),
            "@authority" => host.to_owned(),
            "@path" => uri.path().to_owned(),
            field => match header(field) {
                Some(value) => value.trim().to_owned(),
                None => return false,
            },
        };
        lines.push(format!("\"{component}\": {value}"));
    }
    lines.push(format!("\"@signature-params\": {params}"));
    let Some(signature) = signature
        .strip_prefix(&format!("{label}=:"))
        .and_then(|s| s.strip_suffix(':'))
        .and_then(|s| Base64.decode(s).ok())
    else {
        return false;
    };
    let Ok(actor) = fetch_json(shared, key_id).await else {
        return false;
    };
    let Some(pem) = actor["publicKey"]["publicKeyPem"].as_str() else {
        return false;
    };
    let Ok(key) = RsaPublicKey::from_public_key_pem(pem) else {
        return false;
    };
    key.verify(
        Pkcs1v15Sign::new::<Sha256>(),
        &Sha256::digest(lines.join("\n").as_bytes()),
        &signature,
    )
    .is_ok()
}
