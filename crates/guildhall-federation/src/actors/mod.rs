//! Actors: the remote actors we fetch (through activitypub_federation,
//! signed by the instance actor) and keep in the users and groups tables;
//! the local ones, served ([`served`]) and signing ([`signer`]); and a cache
//! of who signed inbound activities lately ([`cache`]).

mod cache;
pub mod served;
mod signer;

pub use cache::ActorCache;
pub use served::Standing;
pub use signer::LocalSigner;

use crate::protocol::actors::ActorJson;
use crate::urls::Local;
use crate::{Context, FedData, FedError};
use activitypub_federation::protocol::verification::verify_domains_match;
use activitypub_federation::traits::{Actor, Object};
use chrono::{DateTime, Utc};
use guildhall_core::kinds::GroupKind;
use guildhall_core::visibility::Visibility;
use guildhall_db::{ActorKey, FedGroup, FedUser, RemoteGroup, RemoteUser};
use url::Url;

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
            StoredActor::User(u, _) => u.origin.is_local(),
            StoredActor::Group(g, _) => g.origin.is_local(),
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
                .filter(|u| u.origin.is_local())
                .map(|u| StoredActor::User(u, id.clone())),
            Some(Local::Group(name)) => ctx
                .store
                .fed_group(ActorKey::Name(&name))
                .await?
                .filter(|g| g.origin.is_local())
                .map(|g| StoredActor::Group(g, id.clone())),
            _ => None,
        })
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
                    kind: json
                        .group_kind
                        .as_deref()
                        .and_then(|k| GroupKind::parse(k).ok())
                        .unwrap_or_default(),
                    public_key_pem: json.public_key.public_key_pem,
                    visibility: if json.manually_approves_followers == Some(true) {
                        Visibility::Private
                    } else {
                        Visibility::Public
                    },
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
