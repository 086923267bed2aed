//! A stand-in for a Mastodon or Lemmy server: real HTTP on a loopback port,
//! real RSA keys, and draft-cavage signatures made here independently of
//! Guildhall's code (so a test checks our signatures against a second
//! implementation, not against themselves).
//!
//! It serves four actors in the shapes those servers use — Mastodon's
//! `/users/alice` and its instance actor `/actor`, Lemmy's `/u/carol` and
//! the Lemmy community `/c/lemmy_group` — sends the recorded fixtures signed as them, and keeps
//! every POST it receives with whether its signature verified. The community
//! accepts follows the way Lemmy does (a signed `Accept` to the follower).
//!
//! It also speaks RFC 9421 HTTP Message Signatures the way Fedify does
//! ([`Remote::send_rfc9421`], [`sign_rfc9421`]), verifies them on its inboxes
//! with its own small code (not Guildhall's), and can be told to take only
//! those ([`Remote::accept_only_rfc9421`]), answering 401 to draft-cavage.

pub mod cavage;
mod rfc9421;
mod serving;

use crate::TestServer;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use cavage::{public_key_of, signature_params};
pub use cavage::{sign, sign_headers};
pub use rfc9421::sign_rfc9421;
use rfc9421::verify_rfc9421;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{Value, json};
pub use serving::{Serving, activity_json, actor_document, domain_of, listen, serve};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// The actors a stand-in serves, by path.
pub const MASTODON_ALICE: &str = "/users/alice";
pub const LEMMY_CAROL: &str = "/u/carol";
pub const LEMMY_GROUP: &str = "/c/lemmy_group";
/// Mastodon's instance actor (an Application), which forwards reports.
pub const MASTODON_INSTANCE: &str = "/actor";
const ACTORS: [&str; 4] = [MASTODON_ALICE, LEMMY_CAROL, LEMMY_GROUP, MASTODON_INSTANCE];

/// A POST the stand-in received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub body: Value,
    /// The Digest matched and the signature verified against the key its
    /// `keyId` names (fetched from the sender).
    pub verified: bool,
}

/// A GET the stand-in answered.
#[derive(Debug, Clone)]
pub struct Get {
    pub path: String,
    /// The signature's keyId, if it was signed.
    pub key_id: Option<String>,
    /// Signed over `(request-target) host date` and verified.
    pub verified: bool,
}

/// Ways to spoil a signed request, for the refusal tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Spoil {
    Nothing,
    /// Signed with a key that is not the actor's.
    OtherKey,
    /// The Digest names other bytes than the body.
    WrongDigest,
    /// Dated two hours ago.
    StaleDate,
    /// No Signature header at all.
    Unsigned,
    /// Sent with `Host: other.example` (and, with draft-cavage, signed for
    /// it), as a request meant for another server and replayed to this one
    /// would be.
    OtherHost,
    /// `(request-target)` left out of the signed headers.
    NoRequestTarget,
    /// `digest` left out of the signed headers (the header is still sent).
    NoDigest,
    /// RFC 9421 only: `@authority` and `@target-uri` signed for another
    /// host (`other.example`) than the one the request is sent to.
    OtherAuthority,
}

/// A POST to one of the stand-in's inboxes, answered or refused.
#[derive(Debug, Clone)]
pub struct Knock {
    pub path: String,
    /// `rfc9421` when it came with `Signature-Input`, else `draft-cavage`.
    pub scheme: &'static str,
    pub status: u16,
    /// The activity's `type`.
    pub kind: String,
}

struct Shared {
    base: String,
    key: RsaPrivateKey,
    public_pem: String,
    received: Mutex<Vec<Received>>,
    gets: Mutex<Vec<Get>>,
    http: reqwest::Client,
    /// Fields laid over the actor document served at a path (which makes
    /// any path an actor), to serve other servers' actor shapes.
    actor_fields: Mutex<HashMap<String, Value>>,
    /// The software its NodeInfo names; None: no NodeInfo (404).
    software: Mutex<Option<String>>,
    /// The next inbox POST is held unanswered until `release_held`.
    hold_next: std::sync::atomic::AtomicBool,
    held: tokio::sync::watch::Sender<bool>,
    /// Refuse draft-cavage (401), as a server speaking only RFC 9421 would.
    rfc9421_only: AtomicBool,
    knocks: Mutex<Vec<Knock>>,
}

pub struct Remote {
    /// `http://localhost:PORT`
    pub base: String,
    shared: Arc<Shared>,
    _serving: Serving,
}

/// When a request says it was signed: now, or two hours ago (`StaleDate`).
fn signed_at(spoil: Spoil) -> SystemTime {
    let now = SystemTime::now();
    if spoil == Spoil::StaleDate {
        now - Duration::from_secs(2 * 3600)
    } else {
        now
    }
}

/// Sends a signed POST and reads its answer (`Null` when it is not JSON).
async fn answer(req: reqwest::RequestBuilder, body: Vec<u8>) -> (StatusCode, Value) {
    let resp = req.body(body).send().await.expect("the inbox answers");
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A fresh RSA-2048 key (slow: run it off the async threads).
pub fn new_key() -> RsaPrivateKey {
    RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("RSA key")
}

impl Remote {
    pub async fn start() -> Remote {
        Self::start_as("localhost").await
    }

    /// A stand-in whose URLs name it by `host` (`localhost`, or `127.0.0.1`
    /// for an IP-literal server); it listens on 127.0.0.1 either way.
    pub async fn start_as(host: &str) -> Remote {
        let (listener, base) = listen(host).await;
        let key = tokio::task::spawn_blocking(new_key).await.unwrap();
        let public_pem = RsaPublicKey::from(&key)
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        let shared = Arc::new(Shared {
            base: base.clone(),
            key,
            public_pem,
            received: Mutex::default(),
            gets: Mutex::default(),
            http: reqwest::Client::new(),
            actor_fields: Mutex::default(),
            software: Mutex::default(),
            hold_next: Default::default(),
            held: tokio::sync::watch::channel(false).0,
            rfc9421_only: AtomicBool::new(false),
            knocks: Mutex::default(),
        });
        let app = Router::new()
            .route("/.well-known/webfinger", get(webfinger))
            .route(
                "/c/lemmy_group/outbox",
                get(|| async { activity_json(empty_collection()) }),
            )
            .fallback(any_request)
            .with_state(shared.clone());
        Remote {
            base,
            shared,
            _serving: serve(listener, app),
        }
    }

    /// `localhost:PORT`, the domain Guildhall files this server under.
    pub fn domain(&self) -> String {
        domain_of(&self.base)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A fixture from `tests/fixtures/federation/` with its placeholders
    /// filled in for this server and `local`.
    pub fn fixture(&self, name: &str, local: &TestServer, thread: i64, reply: i64) -> Value {
        let path = format!(
            "{}/fixtures/federation/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let text = text
            .replace("REMOTE_BASE", &self.base)
            .replace("LOCAL_BASE", &format!("http://{}", local.domain()))
            .replace("LOCAL_HOST", &local.domain())
            .replace("LOCAL_THREAD", &thread.to_string())
            .replace("LOCAL_REPLY", &reply.to_string());
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Serves the actor at `path` with `fields` laid over its document
    /// (`null` removes a field). Any path can be made an actor this way.
    pub fn set_actor_fields(&self, path: &str, fields: Value) {
        self.shared
            .actor_fields
            .lock()
            .unwrap()
            .insert(path.to_owned(), fields);
    }

    /// POSTs `activity` to `inbox`, signed by its `actor` (one of ours).
    pub async fn send(&self, inbox: &str, activity: &Value) -> (StatusCode, Value) {
        self.send_spoiled(inbox, activity, Spoil::Nothing).await
    }

    pub async fn send_spoiled(
        &self,
        inbox: &str,
        activity: &Value,
        spoil: Spoil,
    ) -> (StatusCode, Value) {
        let actor = activity["actor"].as_str().expect("the activity's actor");
        let body = serde_json::to_vec(activity).unwrap();
        let key = &self.signing_key(spoil).await;
        let digest_of: &[u8] = if spoil == Spoil::WrongDigest {
            b"other bytes"
        } else {
            &body
        };
        assert!(
            spoil != Spoil::OtherAuthority,
            "{spoil:?} is for RFC 9421 signatures"
        );
        let date = signed_at(spoil);
        let mut req = self
            .shared
            .http
            .post(inbox)
            .header("content-type", "application/activity+json");
        let mut signed = vec!["(request-target)", "host", "date", "digest"];
        signed.retain(|h| match spoil {
            Spoil::NoRequestTarget => *h != "(request-target)",
            Spoil::NoDigest => *h != "digest",
            _ => true,
        });
        let host = (spoil == Spoil::OtherHost).then_some("other.example");
        if let Some(host) = host {
            req = req.header("host", host);
        }
        if spoil != Spoil::Unsigned {
            for (name, value) in
                sign_headers("post", inbox, digest_of, date, actor, key, &signed, host)
            {
                req = req.header(name, value);
            }
        }
        answer(req, body).await
    }

    /// The key a request is signed with: the actor's, or a fresh one that
    /// is not (`OtherKey`).
    async fn signing_key(&self, spoil: Spoil) -> RsaPrivateKey {
        if spoil == Spoil::OtherKey {
            tokio::task::spawn_blocking(new_key).await.unwrap()
        } else {
            self.shared.key.clone()
        }
    }

    /// From now on, take only RFC 9421 signatures: a draft-cavage one is
    /// answered 401, as a server that speaks only RFC 9421 would.
    pub fn accept_only_rfc9421(&self) {
        self.shared.rfc9421_only.store(true, Ordering::SeqCst);
    }

    /// GETs `url` as ActivityStreams, signed (draft-cavage, over
    /// `(request-target) host date`) by this server's actor at `actor`
    /// (a path), as a server fetching another's objects does.
    pub async fn fetch_signed(&self, url: &str, actor: &str) -> (StatusCode, String) {
        let signer = self.url(actor);
        let signed = ["(request-target)", "host", "date"];
        let headers = sign_headers(
            "get",
            url,
            b"",
            SystemTime::now(),
            &signer,
            &self.shared.key,
            &signed,
            None,
        );
        let mut req = self
            .shared
            .http
            .get(url)
            .header("accept", "application/activity+json");
        for (name, value) in headers.into_iter().filter(|(n, _)| *n != "digest") {
            req = req.header(name, value);
        }
        let resp = req.send().await.expect("the server answers");
        (resp.status(), resp.text().await.unwrap_or_default())
    }

    /// Every POST to an inbox so far, refused ones too, in order.
    pub fn knocks(&self) -> Vec<Knock> {
        self.shared.knocks.lock().unwrap().clone()
    }

    /// Everything POSTed to this server so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The received activities of one type.
    pub fn received_of(&self, kind: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.body["type"] == kind)
            .collect()
    }

    /// Serves NodeInfo 2.1 naming `software` ("lemmy", "mastodon"...), with
    /// empty metadata: a server that knows nothing of attestations.
    pub fn serve_nodeinfo(&self, software: &str) {
        *self.shared.software.lock().unwrap() = Some(software.to_owned());
    }

    /// Holds the next POST to an inbox (recorded as received) unanswered
    /// until [`Remote::release_held`], as a slow receiver would.
    pub fn hold_next_post(&self) {
        self.shared
            .hold_next
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn release_held(&self) {
        self.shared.held.send_replace(false);
    }

    /// The GETs this server answered.
    pub fn gets(&self) -> Vec<Get> {
        self.shared.gets.lock().unwrap().clone()
    }
}

fn empty_collection() -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "type": "OrderedCollection",
        "totalItems": 0,
        "orderedItems": [],
    })
}

fn actor_json(shared: &Shared, path: &str) -> Value {
    let mut actor = base_actor_json(shared, path);
    if let Some(Value::Object(fields)) = shared.actor_fields.lock().unwrap().get(path) {
        for (k, v) in fields {
            match v {
                Value::Null => actor.as_object_mut().unwrap().remove(k),
                v => actor.as_object_mut().unwrap().insert(k.clone(), v.clone()),
            };
        }
    }
    actor
}

fn base_actor_json(shared: &Shared, path: &str) -> Value {
    let (kind, name) = match path {
        LEMMY_GROUP => ("Group", "lemmy_group"),
        // Mastodon names its instance actor after the domain.
        MASTODON_INSTANCE => ("Application", shared.base.trim_start_matches("http://")),
        _ => ("Person", path.rsplit('/').next().unwrap()),
    };
    let shared_inbox = format!("{}/inbox", shared.base);
    actor_document(
        &format!("{}{path}", shared.base),
        kind,
        name,
        &shared.public_pem,
        Some(&shared_inbox),
    )
}

async fn webfinger(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let resource = q.get("resource").cloned().unwrap_or_default();
    let Some(path) = ACTORS.iter().find(|p| {
        let name = p.rsplit('/').next().unwrap();
        resource.starts_with(&format!("acct:{name}@"))
    }) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let href = format!("{}{path}", shared.base);
    (
        [("content-type", "application/jrd+json")],
        json!({
            "subject": resource,
            "links": [{ "rel": "self", "type": "application/activity+json", "href": href }],
        })
        .to_string(),
    )
        .into_response()
}

/// Actor documents on GET; inboxes on POST.
async fn any_request(
    State(shared): State<Arc<Shared>>,
    method: axum::http::Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    if method == axum::http::Method::GET {
        let key_id = signature_params(&headers).and_then(|p| p.get("keyId").cloned());
        let verified = key_id.is_some() && verify(&shared, "get", &uri, &headers, None).await;
        shared.gets.lock().unwrap().push(Get {
            path: path.clone(),
            key_id,
            verified,
        });
        let patched = shared.actor_fields.lock().unwrap().contains_key(&path);
        if ACTORS.contains(&path.as_str()) || patched {
            return activity_json(actor_json(&shared, &path));
        }
        if let Some(software) = shared.software.lock().unwrap().clone() {
            match path.as_str() {
                "/.well-known/nodeinfo" => {
                    return axum::Json(json!({ "links": [{
                        "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                        "href": format!("{}/nodeinfo/2.1", shared.base),
                    }]}))
                    .into_response();
                }
                "/nodeinfo/2.1" => {
                    return axum::Json(json!({
                        "version": "2.1",
                        "software": { "name": software, "version": "0.19.20" },
                        "protocols": ["activitypub"],
                        "services": { "inbound": [], "outbound": [] },
                        "openRegistrations": true,
                        "usage": { "users": { "total": 1 }, "localPosts": 0 },
                        "metadata": {},
                    }))
                    .into_response();
                }
                _ => {}
            }
        }
        return StatusCode::NOT_FOUND.into_response();
    }
    if !path.ends_with("inbox") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(activity) = serde_json::from_slice::<Value>(&body) else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let scheme = if headers.contains_key("signature-input") {
        "rfc9421"
    } else {
        "draft-cavage"
    };
    let verified = if scheme == "rfc9421" {
        verify_rfc9421(&shared, &uri, &headers, &body).await
    } else if shared.rfc9421_only.load(Ordering::SeqCst) {
        false
    } else {
        verify(&shared, "post", &uri, &headers, Some(&body)).await
    };
    let refused = shared.rfc9421_only.load(Ordering::SeqCst) && !verified;
    shared.knocks.lock().unwrap().push(Knock {
        path: path.clone(),
        scheme,
        status: if refused { 401 } else { 202 },
        kind: activity["type"].as_str().unwrap_or_default().to_owned(),
    });
    if refused {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    shared.received.lock().unwrap().push(Received {
        path,
        body: activity.clone(),
        verified,
    });
    if shared
        .hold_next
        .swap(false, std::sync::atomic::Ordering::SeqCst)
    {
        shared.held.send_replace(true);
        let mut held = shared.held.subscribe();
        while *held.borrow_and_update() {
            if held.changed().await.is_err() {
                break;
            }
        }
    }
    if activity["type"] == "Follow" && activity["object"] == format!("{}{LEMMY_GROUP}", shared.base)
    {
        tokio::spawn(accept_follow(shared.clone(), activity));
    }
    StatusCode::ACCEPTED.into_response()
}

/// The community accepts a follow as Lemmy does: a signed Accept embedding
/// the Follow, to the follower's inbox.
async fn accept_follow(shared: Arc<Shared>, follow: Value) {
    let group = format!("{}{LEMMY_GROUP}", shared.base);
    let follower = follow["actor"].as_str().unwrap_or_default().to_owned();
    let Ok(actor) = fetch_json(&shared, &follower).await else {
        return;
    };
    let inbox = actor["inbox"].as_str().unwrap_or_default().to_owned();
    let accept = json!({
        "@context": ["https://join-lemmy.org/context.json", "https://www.w3.org/ns/activitystreams"],
        "type": "Accept",
        "id": format!("{}/activities/accept/{}", shared.base, rand::random::<u64>()),
        "actor": group,
        "to": [follower],
        "object": follow,
    });
    let body = serde_json::to_vec(&accept).unwrap();
    let mut req = shared
        .http
        .post(&inbox)
        .header("content-type", "application/activity+json");
    for (name, value) in sign(
        "post",
        &inbox,
        &body,
        SystemTime::now(),
        &group,
        &shared.key,
    ) {
        req = req.header(name, value);
    }
    req.body(body).send().await.ok();
}

async fn fetch_json(shared: &Shared, url: &str) -> Result<Value, reqwest::Error> {
    shared
        .http
        .get(url)
        .header("accept", "application/activity+json")
        .send()
        .await?
        .json()
        .await
}

/// Verifies a request as Mastodon would ([`cavage::read`]), with the key
/// fetched from its keyId.
async fn verify(
    shared: &Shared,
    method: &str,
    uri: &Uri,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> bool {
    let Some(signature) = cavage::read(method, uri.path(), headers, body) else {
        return false;
    };
    let Ok(actor) = fetch_json(shared, &signature.key_id).await else {
        return false;
    };
    public_key_of(&actor).is_some_and(|key| signature.verifies(&key))
}
