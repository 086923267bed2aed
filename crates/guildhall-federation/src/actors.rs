//! Actors: the JSON we serve for local users, groups and the instance, and
//! the remote actors we fetch (through activitypub_federation, signed by the
//! instance actor) and keep in the users and groups tables.

use crate::urls::Local;
use crate::{Context, FedData, FedError};
use activitypub_federation::protocol::helpers::deserialize_skip_error;
use activitypub_federation::protocol::verification::verify_domains_match;
use activitypub_federation::traits::{Actor, Object};
use chrono::{DateTime, Utc};
use guildhall_db::{ActorKey, FedGroup, FedUser, RemoteGroup, RemoteUser};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

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
            "commentsEnabled": "pt:commentsEnabled",
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value"
        }
    ])
}

/// An RFC 3339 timestamp (whole seconds, UTC), as Mastodon writes them.
pub(crate) fn time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn public_key(id: &Url, pem: Option<&str>) -> Value {
    json!({ "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": pem.unwrap_or_default() })
}

/// What a local member's profile shows of their reputation here.
pub struct Standing {
    pub rank: String,
    pub points: i64,
    pub trust_level: guildhall_core::reputation::TrustLevel,
}

/// A local user as a `Person`. Their rank is a profile field (a
/// `PropertyValue` attachment, which Mastodon shows on the profile).
pub fn person_json(ctx: &Context, u: &FedUser, standing: &Standing) -> Value {
    let id = ctx.urls.user(&u.username);
    let mut person = json!({
        "@context": context(),
        "type": "Person",
        "id": id,
        "preferredUsername": u.username,
        "name": u.display_name.clone().unwrap_or_else(|| u.username.clone()),
        "summary": u.bio_html,
        "url": id,
        "inbox": ctx.urls.sub(&id, "inbox"),
        "outbox": ctx.urls.sub(&id, "outbox"),
        "followers": ctx.urls.sub(&id, "followers"),
        "endpoints": { "sharedInbox": ctx.urls.shared_inbox() },
        "publicKey": public_key(&id, u.public_key_pem.as_deref()),
        "published": time(u.created_at),
        "discoverable": true,
        "manuallyApprovesFollowers": false,
        "attachment": [{
            "type": "PropertyValue",
            "name": "Rank",
            "value": format!(
                "{} · {} points · {}",
                standing.rank, standing.points, standing.trust_level
            ),
        }],
    });
    if let Some(avatar) = &u.avatar_url {
        person["icon"] = json!({ "type": "Image", "url": avatar });
    }
    // Where their reputation attestation is (docs/ATTESTATIONS.md).
    person["attestation"] = json!(crate::attestations::current_url(ctx, &u.username));
    if let Some(terms) = person["@context"].get_mut(2) {
        terms["attestation"] = json!({
            "@id": format!("{}#attestation", crate::attestations::context_url(ctx)),
            "@type": "@id",
        });
    }
    person
}

/// A local group as a `Group`, the way Lemmy describes a community.
pub fn group_json(ctx: &Context, g: &FedGroup) -> Value {
    let id = ctx.urls.group(&g.name);
    json!({
        "@context": context(),
        "type": "Group",
        "id": id,
        "preferredUsername": g.name,
        "name": g.title,
        "summary": g.description_html,
        "url": id,
        "inbox": ctx.urls.sub(&id, "inbox"),
        "outbox": ctx.urls.sub(&id, "outbox"),
        "followers": ctx.urls.sub(&id, "followers"),
        "attributedTo": ctx.urls.sub(&id, "moderators"),
        "moderators": ctx.urls.sub(&id, "moderators"),
        "featured": ctx.urls.sub(&id, "featured"),
        "endpoints": { "sharedInbox": ctx.urls.shared_inbox() },
        "publicKey": public_key(&id, g.public_key_pem.as_deref()),
        "published": time(g.created_at),
        "discoverable": true,
        "postingRestrictedToMods": g.posting_restricted,
        "sensitive": false,
        "manuallyApprovesFollowers": false,
    })
}

/// The instance actor, which signs fetches (servers in authorized-fetch mode
/// want every GET signed).
/// The id of an attestation key: a fragment of the instance actor.
pub fn attestation_key_id(ctx: &Context, key: &guildhall_db::AttestationKey) -> String {
    format!("{}#ed25519-key-{}", ctx.urls.instance_actor(), key.id)
}

/// The instance actor. Besides its RSA key for HTTP signatures, it lists
/// its Ed25519 attestation keys as Multikeys under `assertionMethod`
/// (FEP-521a): the signing one, and the rotated ones with `expires`.
pub fn instance_json(ctx: &Context, attestation_keys: &[guildhall_db::AttestationKey]) -> Value {
    let id = ctx.urls.instance_actor();
    // `assertionMethod` comes from the DID context, `Multikey` (and its
    // `controller`, `publicKeyMultibase`, `expires`) from the Multikey
    // context, as FEP-521a, Mastodon and Fedify publish them.
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
    let assertion: Vec<Value> = attestation_keys
        .iter()
        .map(|key| {
            let mut method = json!({
                "id": attestation_key_id(ctx, key),
                "type": "Multikey",
                "controller": id,
                "publicKeyMultibase": key.public_multibase,
            });
            if let Some(expired) = key.expired_at {
                method["expires"] = time(expired).into();
            }
            method
        })
        .collect();
    json!({
        "@context": context,
        "assertionMethod": assertion,
        "type": "Application",
        "id": id,
        "preferredUsername": ctx.urls.domain(),
        "name": "Guildhall",
        "url": ctx.urls.base(),
        "inbox": ctx.urls.shared_inbox(),
        "outbox": ctx.urls.sub(&id, "outbox"),
        "endpoints": { "sharedInbox": ctx.urls.shared_inbox() },
        "publicKey": public_key(&id, Some(&ctx.instance_keys.public_key_pem)),
        "manuallyApprovesFollowers": true,
    })
}

/// A key that signs outgoing requests: a local actor's, or the instance's.
#[derive(Debug, Clone)]
pub struct LocalSigner {
    pub id: Url,
    pub public_key_pem: String,
    pub private_key_pem: String,
}

impl LocalSigner {
    pub fn instance(ctx: &Context) -> Result<LocalSigner, FedError> {
        Ok(LocalSigner {
            id: ctx.urls.instance_actor(),
            public_key_pem: ctx.instance_keys.public_key_pem.clone(),
            private_key_pem: ctx.instance_keys.private_key_pem.clone(),
        })
    }

    /// The signer named by an actor URL of ours.
    pub async fn load(ctx: &Context, id: &Url) -> Result<LocalSigner, FedError> {
        if ctx.urls.parse(id) == Some(Local::Instance) {
            return LocalSigner::instance(ctx);
        }
        let keys = match StoredActor::local(ctx, id).await? {
            Some(StoredActor::User(u, _)) => (u.public_key_pem, u.private_key_pem),
            Some(StoredActor::Group(g, _)) => (g.public_key_pem, g.private_key_pem),
            None => (None, None),
        };
        match keys {
            (Some(public_key_pem), Some(private_key_pem)) => Ok(LocalSigner {
                id: id.clone(),
                public_key_pem,
                private_key_pem,
            }),
            _ => Err(FedError::NotFound("signing actor")),
        }
    }
}

#[async_trait::async_trait]
impl Object for LocalSigner {
    type DataType = std::sync::Arc<Context>;
    type Kind = Value;
    type Error = FedError;

    fn id(&self) -> &Url {
        &self.id
    }
    async fn read_from_id(_: Url, _: &FedData) -> Result<Option<Self>, FedError> {
        Ok(None)
    }
    async fn into_json(self, _: &FedData) -> Result<Value, FedError> {
        Err(FedError::Internal("a signer is not served".into()))
    }
    async fn verify(_: &Value, _: &Url, _: &FedData) -> Result<(), FedError> {
        Err(FedError::Internal("a signer is not fetched".into()))
    }
    async fn from_json(_: Value, _: &FedData) -> Result<Self, FedError> {
        Err(FedError::Internal("a signer is not fetched".into()))
    }
}

impl Actor for LocalSigner {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }
    fn private_key_pem(&self) -> Option<String> {
        Some(self.private_key_pem.clone())
    }
    fn inbox(&self) -> Url {
        self.id.clone()
    }
}

/// Any actor as others send it to us: Person, Service, Application, Group…
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActorJson {
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    pub preferred_username: String,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub summary: Option<String>,
    /// An `Image`, a Link, a URL or an array of them (see [`crate::shapes`]).
    #[serde(default, deserialize_with = "crate::shapes::first_link")]
    pub icon: Option<Url>,
    #[serde(default, deserialize_with = "crate::shapes::page_url")]
    pub url: Option<Url>,
    pub inbox: Url,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub outbox: Option<Url>,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub followers: Option<Url>,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKeyJson,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub posting_restricted_to_mods: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: Option<Url>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyJson {
    pub id: String,
    pub owner: Url,
    pub public_key_pem: String,
}

/// A remote (or, when named by a local URL, local) actor as stored here.
#[derive(Debug, Clone)]
pub enum StoredActor {
    User(FedUser, Url),
    Group(FedGroup, Url),
}

impl StoredActor {
    pub fn ap_id(&self) -> &Url {
        match self {
            StoredActor::User(_, id) | StoredActor::Group(_, id) => id,
        }
    }

    pub fn domain(&self) -> String {
        guildhall_core::instances::domain_of(self.ap_id().as_str()).unwrap_or_default()
    }

    pub fn user(&self) -> Option<&FedUser> {
        match self {
            StoredActor::User(u, _) => Some(u),
            StoredActor::Group(..) => None,
        }
    }

    pub fn group(&self) -> Option<&FedGroup> {
        match self {
            StoredActor::Group(g, _) => Some(g),
            StoredActor::User(..) => None,
        }
    }

    pub fn is_local(&self) -> bool {
        match self {
            StoredActor::User(u, _) => u.domain.is_none(),
            StoredActor::Group(g, _) => g.domain.is_none(),
        }
    }

    fn fetched_at(&self) -> Option<i64> {
        match self {
            StoredActor::User(u, _) => u.fetched_at,
            StoredActor::Group(g, _) => g.fetched_at,
        }
    }

    /// Where to deliver to this actor: its server's shared inbox if any.
    pub fn delivery_inbox(&self) -> Option<String> {
        match self {
            StoredActor::User(u, _) => u.shared_inbox.clone().or_else(|| u.inbox.clone()),
            StoredActor::Group(g, _) => g.inbox.clone(),
        }
    }

    /// Fetches (or reads from the store) the actor at `id`.
    pub async fn dereference(id: &Url, data: &FedData) -> Result<StoredActor, FedError> {
        crate::fetch::dereference(id, data, false).await
    }

    /// Fetches the actor again even if stored, e.g. after its key failed.
    pub async fn refetch(id: &Url, data: &FedData) -> Result<StoredActor, FedError> {
        crate::fetch::dereference(id, data, true).await
    }

    /// An actor named by a URL of ours.
    pub async fn local(ctx: &Context, id: &Url) -> Result<Option<StoredActor>, FedError> {
        Ok(match ctx.urls.parse(id) {
            Some(Local::User(name)) => ctx
                .store
                .fed_user(ActorKey::Name(&name))
                .await?
                .filter(|u| u.domain.is_none())
                .map(|u| StoredActor::User(u, id.clone())),
            Some(Local::Group(name)) => ctx
                .store
                .fed_group(ActorKey::Name(&name))
                .await?
                .filter(|g| g.domain.is_none())
                .map(|g| StoredActor::Group(g, id.clone())),
            _ => None,
        })
    }
}

/// Remote actors that signed inbound activities lately, so a busy sender
/// costs no database read per activity. An entry is kept for
/// [`ActorCache::TTL`]; a refetch (after a failed signature) replaces it.
/// Whether a stored actor is due for a refresh is still decided by
/// activitypub_federation when the entry has expired.
#[derive(Default)]
pub struct ActorCache {
    actors: std::sync::Mutex<std::collections::HashMap<Url, (std::time::Instant, StoredActor)>>,
    /// When each actor was last refetched after a failed signature.
    refetched: std::sync::Mutex<std::collections::HashMap<Url, std::time::Instant>>,
}

impl ActorCache {
    pub const TTL: std::time::Duration = std::time::Duration::from_secs(60);
    /// The least time between two refetches of one actor: a rotated key is
    /// picked up by the first, and forged signatures cannot make us fetch
    /// (and write) on every request.
    pub const REFETCH_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
    const MAX: usize = 10_000;

    /// The actor at `id`, from the cache or else as [`StoredActor::dereference`] finds it.
    pub async fn get(&self, id: &Url, data: &FedData) -> Result<StoredActor, FedError> {
        if let Some((at, actor)) = self.lock().get(id)
            && at.elapsed() < Self::TTL
        {
            return Ok(actor.clone());
        }
        let actor = StoredActor::dereference(id, data).await?;
        self.keep(id, &actor);
        Ok(actor)
    }

    /// Fetches the actor again, as after a failed signature; within
    /// [`Self::REFETCH_EVERY`] of the last time, the actor as we have it.
    pub async fn refetch(&self, id: &Url, data: &FedData) -> Result<StoredActor, FedError> {
        if !self.may_refetch(id) {
            return self.get(id, data).await;
        }
        self.lock().remove(id);
        let actor = StoredActor::refetch(id, data).await?;
        self.keep(id, &actor);
        Ok(actor)
    }

    fn may_refetch(&self, id: &Url) -> bool {
        let mut refetched = self.refetched.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        if refetched
            .get(id)
            .is_some_and(|at| now.duration_since(*at) < Self::REFETCH_EVERY)
        {
            return false;
        }
        if refetched.len() >= Self::MAX {
            refetched.retain(|_, at| now.duration_since(*at) < Self::REFETCH_EVERY);
            if refetched.len() >= Self::MAX {
                refetched.clear();
            }
        }
        refetched.insert(id.clone(), now);
        true
    }

    fn keep(&self, id: &Url, actor: &StoredActor) {
        let mut actors = self.lock();
        if actors.len() >= Self::MAX {
            actors.retain(|_, (at, _)| at.elapsed() < Self::TTL);
            if actors.len() >= Self::MAX {
                actors.clear();
            }
        }
        actors.insert(id.clone(), (std::time::Instant::now(), actor.clone()));
    }

    #[allow(clippy::type_complexity)]
    fn lock(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<Url, (std::time::Instant, StoredActor)>>
    {
        self.actors.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A remote name: `name@domain`, with only characters safe in our URLs.
/// `:` is allowed: instance actors (ours, Mastodon's) are named after their
/// domain, which may carry a port.
fn remote_name(preferred: &str, domain: &str) -> Result<String, FedError> {
    let ok = !preferred.is_empty()
        && preferred.len() <= 100
        && preferred
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-:".contains(c));
    if !ok {
        return Err(FedError::Unprocessable(format!(
            "unusable actor name {preferred:?}"
        )));
    }
    Ok(format!("{}@{domain}", preferred.to_ascii_lowercase()))
}

#[async_trait::async_trait]
impl Object for StoredActor {
    type DataType = std::sync::Arc<Context>;
    type Kind = ActorJson;
    type Error = FedError;

    fn id(&self) -> &Url {
        self.ap_id()
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        if self.is_local() {
            return Some(Utc::now());
        }
        self.fetched_at().and_then(DateTime::from_timestamp_millis)
    }

    async fn read_from_id(id: Url, data: &FedData) -> Result<Option<Self>, FedError> {
        if let Some(local) = StoredActor::local(data, &id).await? {
            return Ok(Some(local));
        }
        if let Some(u) = data.store.fed_user(ActorKey::ApId(id.as_str())).await? {
            return Ok(Some(StoredActor::User(u, id)));
        }
        if let Some(g) = data.store.fed_group(ActorKey::ApId(id.as_str())).await? {
            return Ok(Some(StoredActor::Group(g, id)));
        }
        Ok(None)
    }

    async fn into_json(self, _: &FedData) -> Result<ActorJson, FedError> {
        Err(FedError::Internal(
            "stored actors are served by routes".into(),
        ))
    }

    async fn verify(json: &ActorJson, expected_domain: &Url, _: &FedData) -> Result<(), FedError> {
        verify_domains_match(&json.id, expected_domain)
            .map_err(|_| FedError::Forbidden("actor id on another domain".into()))?;
        // Same scheme, host and port: a document must not point our signed
        // POSTs at another server (or an address of its choosing).
        if !crate::net::same_origin(&json.inbox, &json.id) {
            return Err(FedError::Forbidden(format!(
                "the actor's inbox {} is not on its own host",
                json.inbox
            )));
        }
        if json.public_key.owner != json.id {
            return Err(FedError::Forbidden(
                "the actor's key belongs to someone else".into(),
            ));
        }
        Ok(())
    }

    async fn from_json(json: ActorJson, data: &FedData) -> Result<Self, FedError> {
        let domain = guildhall_core::instances::domain_of(json.id.as_str())
            .ok_or(FedError::Unprocessable("actor id has no host".into()))?;
        let name = remote_name(&json.preferred_username, &domain)?;
        // Names, bio and links pass the rules local profiles do.
        let profile = crate::content::RemoteProfile::new(&json, &data.settings.limits);
        // A shared inbox elsewhere than the actor is ignored (deliveries go
        // to its own inbox), as the inbox itself is checked in `verify`.
        let shared_inbox = json
            .endpoints
            .and_then(|e| crate::net::own_shared_inbox(e.shared_inbox, &json.id));
        if json.kind == "Group" {
            let group = data
                .store
                .upsert_remote_group(&RemoteGroup {
                    name,
                    title: profile.title,
                    description_html: profile.summary_html,
                    creator_id: None,
                    domain,
                    ap_id: json.id.to_string(),
                    inbox: json.inbox.to_string(),
                    shared_inbox,
                    outbox_url: json.outbox.map(|u| u.to_string()),
                    followers_url: json.followers.map(|u| u.to_string()),
                    profile_url: profile.url,
                    posting_restricted: json.posting_restricted_to_mods.unwrap_or(false),
                    public_key_pem: json.public_key.public_key_pem,
                })
                .await?;
            Ok(StoredActor::Group(group, json.id))
        } else {
            let user = data
                .store
                .upsert_remote_user(&RemoteUser {
                    username: name,
                    display_name: profile.display_name,
                    bio_html: profile.summary_html,
                    avatar_url: profile.avatar_url,
                    domain,
                    ap_id: json.id.to_string(),
                    inbox: json.inbox.to_string(),
                    shared_inbox,
                    profile_url: profile.url,
                    public_key_pem: json.public_key.public_key_pem,
                })
                .await?;
            Ok(StoredActor::User(user, json.id))
        }
    }
}

impl Actor for StoredActor {
    fn public_key_pem(&self) -> &str {
        match self {
            StoredActor::User(u, _) => u.public_key_pem.as_deref().unwrap_or_default(),
            StoredActor::Group(g, _) => g.public_key_pem.as_deref().unwrap_or_default(),
        }
    }
    fn private_key_pem(&self) -> Option<String> {
        None
    }
    fn inbox(&self) -> Url {
        let inbox = match self {
            StoredActor::User(u, _) => u.inbox.as_deref(),
            StoredActor::Group(g, _) => g.inbox.as_deref(),
        };
        inbox
            .and_then(|i| Url::parse(i).ok())
            .unwrap_or_else(|| self.ap_id().clone())
    }
}
