//! RFC 9421 HTTP Message Signatures, beside the draft-cavage ones of
//! [`signatures`] and [`crate::signing`].
//!
//! Inbound, a request with a `Signature-Input` header is checked this way
//! (as Mastodon 4.4+ does) rather than as draft-cavage. One of its
//! signatures must:
//! - cover `@method`, the target (`@target-uri`, or `@authority` with
//!   `@path` or `@request-target`) and, on a `POST`, `content-digest`, whose
//!   `sha-256` or `sha-512` value (RFC 9530) must match the body;
//! - name the key in `keyid` (the actor's, fetched and cached as for
//!   draft-cavage) and carry `created` in the draft-cavage window (at most
//!   1 h ahead, at most 65 min old); an `expires`, if given, must not have
//!   passed by more than the 1 h of clock skew;
//! - be made for this server: the authority the request was sent to (which
//!   `@authority` and `@target-uri` are derived from) must be our domain,
//!   and `@target-uri` is rebuilt with our public scheme, so a signature made
//!   for another host (or replayed to us) does not verify;
//! - use `rsa-v1_5-sha256` (what Fedify and Mastodon sign with, also taken
//!   when `alg` is absent and the key is RSA), `rsa-pss-sha512`, or
//!   `ed25519` when the actor's key is an Ed25519 key.
//!
//! Outbound, [`post_headers`] signs a delivery over `@method`,
//! `@target-uri`, `@authority`, `content-type` and `content-digest`, with
//! `created`, `keyid` and `alg="rsa-v1_5-sha256"`.
//!
//! Structured fields (RFC 8941/9651: the two headers, component identifiers,
//! `Content-Digest`) are parsed and serialized with the `sfv` crate; the
//! signature base (§2.5) is built here from the components above, and the
//! crypto is ring's, as for draft-cavage.

use crate::signatures::{self, PublicKey, PublicKeys};
use crate::{FedError, Urls};
use axum::http::{HeaderMap, HeaderValue, Method, Uri};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as Base64;
use ring::rand::SystemRandom;
use ring::signature::{
    ED25519, RSA_PKCS1_SHA256, RSA_PSS_2048_8192_SHA512, RsaKeyPair, UnparsedPublicKey,
};
use rsa::pkcs8::der::Decode;
use rsa::pkcs8::spki::SubjectPublicKeyInfoRef;
use sfv::{BareItem, Dictionary, InnerList, Item, ItemSerializer, ListEntry, ListSerializer};
use sha2::{Digest, Sha256, Sha512};
use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};
use url::Url;

/// The label of the signatures we make (any label is accepted inbound).
const LABEL: &str = "sig1";

/// What our deliveries' signatures cover: the request line, where it goes,
/// and (through the digest) the body.
const COVERED: [&str; 5] = [
    "@method",
    "@target-uri",
    "@authority",
    "content-type",
    "content-digest",
];

/// Whether a request is signed the RFC 9421 way.
pub fn is_used(headers: &HeaderMap) -> bool {
    headers.contains_key("signature-input")
}

/// A request as its signer addressed it: what the derived components
/// (§2.2) are taken from.
pub struct Message<'a> {
    pub method: &'a str,
    /// `https` or `http`.
    pub scheme: &'a str,
    /// `host[:port]`, lowercase, without a default port.
    pub authority: &'a str,
    /// The path and query as sent (origin form).
    pub path_and_query: &'a str,
    pub headers: &'a HeaderMap,
}

impl Message<'_> {
    fn path(&self) -> &str {
        match self.path_and_query.split('?').next() {
            Some(path) if !path.is_empty() => path,
            _ => "/",
        }
    }

    /// The value of one covered component, or why it cannot be had.
    fn value(&self, component: &Item) -> Result<String, String> {
        let BareItem::String(name) = &component.bare_item else {
            return Err("a covered component is not a string".into());
        };
        let name = name.as_str();
        if !component.params.is_empty() {
            return Err(format!(
                "parameters on covered components are not supported ({name})"
            ));
        }
        Ok(match name {
            "@method" => self.method.to_owned(),
            "@target-uri" => format!(
                "{}://{}{}",
                self.scheme, self.authority, self.path_and_query
            ),
            "@authority" => self.authority.to_owned(),
            "@scheme" => self.scheme.to_owned(),
            "@request-target" => self.path_and_query.to_owned(),
            "@path" => self.path().to_owned(),
            "@query" => match self.path_and_query.split_once('?') {
                Some((_, query)) => format!("?{query}"),
                None => "?".to_owned(),
            },
            derived if derived.starts_with('@') => {
                return Err(format!("the component {derived} is not supported"));
            }
            field if field.bytes().any(|b| b.is_ascii_uppercase()) => {
                return Err(format!("the field name {field:?} is not lowercase"));
            }
            field => {
                // Several lines of one field are one value (§2.1).
                let values = self
                    .headers
                    .get_all(field)
                    .iter()
                    .map(|v| v.to_str().map(str::trim))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| format!("the {field} header is not plain text"))?;
                if values.is_empty() {
                    return Err(format!("the signed {field} header is missing"));
                }
                values.join(", ")
            }
        })
    }
}

/// The signature base (§2.5) of `message` for a signature covering
/// `covered` (with its parameters): what is signed.
pub fn signature_base(message: &Message, covered: &InnerList) -> Result<String, String> {
    let mut base = String::new();
    let mut seen = HashSet::new();
    for component in &covered.items {
        let id = ItemSerializer::new()
            .bare_item(&component.bare_item)
            .parameters(&component.params)
            .finish();
        if !seen.insert(id.clone()) {
            return Err(format!("{id} is covered twice"));
        }
        let value = message.value(component)?;
        base.push_str(&format!("{id}: {value}\n"));
    }
    base.push_str("\"@signature-params\": ");
    base.push_str(&serialize(covered));
    Ok(base)
}

/// The inner list as a structured field: `("@method" …);created=…`.
fn serialize(covered: &InnerList) -> String {
    let mut list = ListSerializer::new();
    let mut inner = list.inner_list();
    inner.items(&covered.items);
    _ = inner.finish().parameters(&covered.params);
    list.finish().unwrap_or_default()
}

/// One signature of a request: what it covers (with its parameters) and
/// its bytes.
pub struct Input {
    pub label: String,
    pub covered: InnerList,
    pub signature: Vec<u8>,
}

impl Input {
    fn covers(&self, name: &str) -> bool {
        self.covered.items.iter().any(|c| {
            c.params.is_empty() && c.bare_item.as_string().map(|s| s.as_str()) == Some(name)
        })
    }

    fn integer(&self, name: &str) -> Option<i64> {
        self.covered.params.get(name)?.as_integer().map(i64::from)
    }

    fn string(&self, name: &str) -> Option<&str> {
        Some(self.covered.params.get(name)?.as_string()?.as_str())
    }

    /// Whether we take this signature on a request of `method`, before any
    /// value is looked at.
    fn acceptable(&self, method: &Method) -> Result<(), String> {
        let label = &self.label;
        if !self.covers("@method") {
            return Err(format!("signature {label} does not cover @method"));
        }
        let target = self.covers("@target-uri")
            || (self.covers("@authority")
                && (self.covers("@path") || self.covers("@request-target")));
        if !target {
            return Err(format!(
                "signature {label} covers neither @target-uri nor @authority with @path"
            ));
        }
        if method == Method::POST && !self.covers("content-digest") {
            return Err(format!("signature {label} does not cover content-digest"));
        }
        if self.string("keyid").is_none() {
            return Err(format!("signature {label} has no keyid"));
        }
        if self.integer("created").is_none() {
            return Err(format!("signature {label} has no created time"));
        }
        Ok(())
    }
}

/// A header's lines as one text, or `None` when it is absent.
fn header_text(headers: &HeaderMap, name: &str) -> Result<Option<String>, String> {
    let lines = headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| format!("the {name} header is not plain text"))?;
    Ok((!lines.is_empty()).then(|| lines.join(", ")))
}

fn dictionary(text: &str, name: &str) -> Result<Dictionary, String> {
    sfv::Parser::new(text)
        .parse()
        .map_err(|e| format!("the {name} header is not a structured dictionary: {e}"))
}

/// The signatures of a request, label by label.
pub fn parse(headers: &HeaderMap) -> Result<Vec<Input>, String> {
    let input =
        header_text(headers, "signature-input")?.ok_or("the Signature-Input header is missing")?;
    let signatures = header_text(headers, "signature")?.ok_or("the Signature header is missing")?;
    let signatures = dictionary(&signatures, "Signature")?;
    let mut found = Vec::new();
    for (label, entry) in dictionary(&input, "Signature-Input")? {
        let ListEntry::InnerList(covered) = entry else {
            return Err(format!(
                "Signature-Input {label} is not a list of components"
            ));
        };
        let signature = match signatures.get(label.as_str()) {
            Some(ListEntry::Item(item)) => item.bare_item.as_byte_sequence().map(<[u8]>::to_vec),
            _ => None,
        }
        .ok_or_else(|| format!("no signature labelled {label}"))?;
        found.push(Input {
            label: label.as_str().to_owned(),
            covered,
            signature,
        });
    }
    if found.is_empty() {
        return Err("the Signature-Input header names no signature".into());
    }
    Ok(found)
}

/// Checks `Content-Digest` (RFC 9530) against the body: every `sha-256` and
/// `sha-512` value must match, and there must be one.
pub fn check_content_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
    let text =
        header_text(headers, "content-digest")?.ok_or("the Content-Digest header is missing")?;
    let mut checked = false;
    for (algorithm, entry) in dictionary(&text, "Content-Digest")? {
        let computed = match algorithm.as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        let given = match &entry {
            ListEntry::Item(item) => item.bare_item.as_byte_sequence(),
            ListEntry::InnerList(_) => None,
        }
        .ok_or_else(|| format!("the Content-Digest {algorithm} value is not a byte sequence"))?;
        if given != computed.as_slice() {
            return Err("the Content-Digest header does not match the body".into());
        }
        checked = true;
    }
    if !checked {
        return Err("the Content-Digest header has no sha-256 or sha-512 value".into());
    }
    Ok(())
}

/// The signature algorithms taken (§3.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Algorithm {
    RsaV15Sha256,
    RsaPssSha512,
    Ed25519,
}

impl Algorithm {
    fn parse(alg: &str) -> Option<Algorithm> {
        match alg {
            "rsa-v1_5-sha256" => Some(Algorithm::RsaV15Sha256),
            "rsa-pss-sha512" => Some(Algorithm::RsaPssSha512),
            "ed25519" => Some(Algorithm::Ed25519),
            _ => None,
        }
    }
}

/// An inbound signature of either scheme, checked up to the key.
pub enum Inbound {
    Cavage(signatures::Pending),
    Rfc9421(Pending),
}

impl Inbound {
    /// Checks a request's signature up to the key, in the scheme it uses: a
    /// `Signature-Input` header means RFC 9421 (every refusal 401);
    /// otherwise draft-cavage, where unsigned or stale is 401 before a
    /// wrong `Digest` on a POST is 400. A GET (a signed fetch) has no body
    /// to digest.
    pub fn begin(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        urls: &Urls,
    ) -> Result<Inbound, FedError> {
        if is_used(headers) {
            return Ok(Inbound::Rfc9421(begin(method, uri, headers, body, urls)?));
        }
        let pending = signatures::begin(method, uri, headers, &urls.domain())?;
        if *method == Method::POST {
            signatures::check_digest(headers, body)?;
        }
        Ok(Inbound::Cavage(pending))
    }

    /// The actor whose key signed.
    pub fn signer(&self) -> &Url {
        match self {
            Inbound::Cavage(p) => &p.signer,
            Inbound::Rfc9421(p) => &p.signer,
        }
    }

    /// Whether the signature was made by the private half of `public_key_pem`.
    pub fn verify(&self, keys: &PublicKeys, public_key_pem: &str) -> bool {
        match self {
            Inbound::Cavage(p) => p.verify(keys, public_key_pem),
            Inbound::Rfc9421(p) => p.verify(keys, public_key_pem),
        }
    }
}

/// A signature that passed every check but the key, like
/// [`signatures::Pending`].
pub struct Pending {
    /// The actor whose key signed (the keyid without its fragment).
    pub signer: Url,
    base: String,
    signature: Vec<u8>,
    /// `None` when the signature does not say: the key's type decides.
    algorithm: Option<Algorithm>,
}

/// Checks an inbound RFC 9421 signature up to the key, which the caller
/// fetches for [`Pending::signer`]. Every refusal is 401.
pub fn begin(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    urls: &Urls,
) -> Result<Pending, FedError> {
    begin_at(method, uri, headers, body, urls, SystemTime::now())
        .map_err(|why| FedError::Unauthorized(format!("HTTP message signature refused: {why}")))
}

fn begin_at(
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    urls: &Urls,
    now: SystemTime,
) -> Result<Pending, String> {
    let own = urls.domain().to_ascii_lowercase();
    // Where the request was sent: HTTP/2's :authority, else Host, else us.
    let authority = match (uri.authority(), headers.get("host")) {
        (Some(authority), _) => authority.as_str().to_ascii_lowercase(),
        (None, Some(host)) => host
            .to_str()
            .map_err(|_| "the Host header is not plain text")?
            .to_ascii_lowercase(),
        (None, None) => own.clone(),
    };
    if authority != own {
        return Err(format!(
            "the request was sent to {authority}, not to this server ({own})"
        ));
    }
    let inputs = parse(headers)?;
    // The first signature we take; else why the first one is refused.
    let input = match inputs.iter().find(|i| i.acceptable(method).is_ok()) {
        Some(input) => input,
        None => return Err(inputs[0].acceptable(method).unwrap_err()),
    };

    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
    let created = input.integer("created").unwrap_or_default();
    if created > now + signatures::FUTURE_WINDOW.as_secs() as i64 {
        return Err("created is too far in the future".into());
    }
    if created < now - signatures::PAST_WINDOW.as_secs() as i64 {
        return Err("the signature is too old (created more than 65 minutes ago)".into());
    }
    if let Some(expires) = input.integer("expires") {
        // The future window is the clock skew allowed for.
        if now > expires + signatures::FUTURE_WINDOW.as_secs() as i64 {
            return Err("the signature has expired".into());
        }
    }
    if input.covers("content-digest") {
        check_content_digest(headers, body)?;
    }
    let algorithm = match input.string("alg") {
        Some(alg) => Some(
            Algorithm::parse(alg).ok_or_else(|| format!("the algorithm {alg} is not supported"))?,
        ),
        None => None,
    };
    let mut signer = Url::parse(input.string("keyid").unwrap_or_default())
        .map_err(|_| "the keyid is not a URL")?;
    signer.set_fragment(None);

    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let message = Message {
        method: method.as_str(),
        scheme: urls.base().scheme(),
        authority: &authority,
        path_and_query,
        headers,
    };
    Ok(Pending {
        signer,
        base: signature_base(&message, &input.covered)?,
        signature: input.signature.clone(),
        algorithm,
    })
}

impl Pending {
    /// Whether the signature was made by the private half of
    /// `public_key_pem` (an RSA or Ed25519 public key).
    pub fn verify(&self, keys: &PublicKeys, public_key_pem: &str) -> bool {
        verify(
            self.algorithm,
            keys,
            public_key_pem,
            self.base.as_bytes(),
            &self.signature,
        )
    }
}

fn verify(
    algorithm: Option<Algorithm>,
    keys: &PublicKeys,
    pem: &str,
    message: &[u8],
    signature: &[u8],
) -> bool {
    let rsa = keys.get(pem);
    match (algorithm, rsa.as_deref()) {
        (None | Some(Algorithm::RsaV15Sha256), Some(key)) => key.verify(message, signature),
        (Some(Algorithm::RsaPssSha512), Some(PublicKey::Ring(der))) => {
            UnparsedPublicKey::new(&RSA_PSS_2048_8192_SHA512, der)
                .verify(message, signature)
                .is_ok()
        }
        (None | Some(Algorithm::Ed25519), None) => ed25519_key(pem).is_some_and(|key| {
            UnparsedPublicKey::new(&ED25519, key)
                .verify(message, signature)
                .is_ok()
        }),
        _ => false,
    }
}

/// The raw key of an Ed25519 public key in PEM (SubjectPublicKeyInfo).
fn ed25519_key(pem: &str) -> Option<Vec<u8>> {
    const ED25519_OID: &str = "1.3.101.112";
    let (_, der) = rsa::pkcs8::Document::from_pem(pem).ok()?;
    let spki = SubjectPublicKeyInfoRef::from_der(der.as_bytes()).ok()?;
    (spki.algorithm.oid.to_string() == ED25519_OID)
        .then(|| spki.subject_public_key.raw_bytes().to_vec())
}

/// The headers of a `POST` of `body` to `inbox` by `actor`, signed the
/// RFC 9421 way with the actor's RSA key.
pub fn post_headers(
    key: &RsaKeyPair,
    actor: &Url,
    inbox: &Url,
    body: &[u8],
) -> Result<HeaderMap, FedError> {
    post_headers_at(key, actor, inbox, body, SystemTime::now())
}

fn post_headers_at(
    key: &RsaKeyPair,
    actor: &Url,
    inbox: &Url,
    body: &[u8],
    now: SystemTime,
) -> Result<HeaderMap, FedError> {
    let internal = |what: &str| FedError::Internal(format!("RFC 9421 signing: {what}"));
    let authority = match (inbox.host_str(), inbox.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_owned(),
        (None, _) => return Err(internal(&format!("inbox {inbox} has no host"))),
    };
    let path_and_query = match inbox.query() {
        Some(q) => format!("{}?{q}", inbox.path()),
        None => inbox.path().to_owned(),
    };
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| -> Result<(), FedError> {
        let value = HeaderValue::from_str(&value).map_err(|_| internal(name))?;
        headers.insert(name, value);
        Ok(())
    };
    set("content-type", "application/activity+json".into())?;
    set("host", authority.clone())?;
    set("date", httpdate::fmt_http_date(now))?;
    set(
        "content-digest",
        format!("sha-256=:{}:", Base64.encode(Sha256::digest(body))),
    )?;

    let created = now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() as i64;
    let string = |s: String| {
        sfv::String::from_string(s)
            .map(BareItem::String)
            .map_err(|_| internal("not a structured string"))
    };
    let items = COVERED
        .iter()
        .map(|c| string((*c).to_owned()).map(Item::new))
        .collect::<Result<Vec<_>, _>>()?;
    let mut params = sfv::Parameters::new();
    params.insert(
        sfv::key_ref("created").to_owned(),
        BareItem::Integer(sfv::Integer::try_from(created).map_err(|_| internal("created"))?),
    );
    params.insert(
        sfv::key_ref("keyid").to_owned(),
        string(format!("{actor}#main-key"))?,
    );
    params.insert(
        sfv::key_ref("alg").to_owned(),
        string("rsa-v1_5-sha256".into())?,
    );
    let covered = InnerList::with_params(items, params);
    let message = Message {
        method: "POST",
        scheme: inbox.scheme(),
        authority: &authority,
        path_and_query: &path_and_query,
        headers: &headers,
    };
    let base = signature_base(&message, &covered).map_err(|e| internal(&e))?;
    let mut signature = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        base.as_bytes(),
        &mut signature,
    )
    .map_err(|_| internal("RSA signing failed"))?;
    let input = format!("{LABEL}={}", serialize(&covered));
    let signature = format!("{LABEL}=:{}:", Base64.encode(signature));
    for (name, value) in [("signature-input", input), ("signature", signature)] {
        let value = HeaderValue::from_str(&value).map_err(|_| internal(name))?;
        headers.insert(name, value);
    }
    Ok(headers)
}

#[cfg(test)]
#[path = "rfc9421_tests.rs"]
mod tests;
