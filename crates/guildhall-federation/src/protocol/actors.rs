//! Actors: the `Person`, `Group` and `Application` we serve, and any actor
//! as others serve it to us.

use super::shapes;
use activitypub_federation::kinds::actor::{ApplicationType, GroupType, PersonType};
use activitypub_federation::kinds::kind;
use activitypub_federation::kinds::object::ImageType;
use activitypub_federation::protocol::helpers::deserialize_skip_error;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

kind!(PropertyValueType, PropertyValue);
kind!(MultikeyType, Multikey);

/// A local member. Their rank is a profile field (a `PropertyValue`
/// attachment, which Mastodon shows on the profile); `attestation` links
/// their reputation attestation (docs/ATTESTATIONS.md).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    #[serde(rename = "@context")]
    pub context: Value,
    #[serde(rename = "type")]
    pub kind: PersonType,
    pub id: Url,
    pub preferred_username: String,
    pub name: String,
    pub summary: String,
    pub url: Url,
    pub inbox: Url,
    pub outbox: Url,
    pub followers: Url,
    pub endpoints: Endpoints,
    pub public_key: PublicKey,
    pub published: String,
    pub discoverable: bool,
    pub manually_approves_followers: bool,
    pub attachment: Vec<PropertyValue>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<Image>,
    pub attestation: Url,
}

/// A name and value shown on a profile.
#[derive(Debug, Serialize)]
pub struct PropertyValue {
    #[serde(rename = "type")]
    pub kind: PropertyValueType,
    pub name: String,
    pub value: String,
}

#[derive(Debug, Serialize)]
pub struct Image {
    #[serde(rename = "type")]
    pub kind: ImageType,
    pub url: String,
}

/// A local group, the way Lemmy describes a community.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    #[serde(rename = "@context")]
    pub context: Value,
    #[serde(rename = "type")]
    pub kind: GroupType,
    pub id: Url,
    pub preferred_username: String,
    pub name: String,
    pub summary: String,
    pub url: Url,
    pub inbox: Url,
    pub outbox: Url,
    pub followers: Url,
    pub attributed_to: Url,
    pub moderators: Url,
    pub featured: Url,
    pub endpoints: Endpoints,
    pub public_key: PublicKey,
    pub published: String,
    pub discoverable: bool,
    pub posting_restricted_to_mods: bool,
    /// What the group is for: `discussion`, `questions`, `ideas` or
    /// `reviews` (Guildhall's `gh:groupKind`); other software ignores it.
    pub group_kind: &'static str,
    pub sensitive: bool,
    pub manually_approves_followers: bool,
}

/// The instance actor, which signs fetches (servers in authorized-fetch
/// mode want every GET signed). Besides its RSA key for HTTP signatures, it
/// lists its Ed25519 attestation keys as Multikeys under `assertionMethod`
/// (FEP-521a).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    #[serde(rename = "@context")]
    pub context: Value,
    pub assertion_method: Vec<Multikey>,
    #[serde(rename = "type")]
    pub kind: ApplicationType,
    pub id: Url,
    pub preferred_username: String,
    pub name: String,
    pub url: Url,
    pub inbox: Url,
    pub outbox: Url,
    pub endpoints: Endpoints,
    pub public_key: PublicKey,
    pub manually_approves_followers: bool,
}

/// An Ed25519 key of the instance; `expires` once rotated.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Multikey {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: MultikeyType,
    pub controller: Url,
    pub public_key_multibase: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// Any actor as others send it to us: Person, Service, Application, Group…
#[derive(Debug, Clone, Deserialize)]
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
    /// An `Image`, a Link, a URL or an array of them (see [`shapes`]).
    #[serde(default, deserialize_with = "shapes::first_link")]
    pub icon: Option<Url>,
    #[serde(default, deserialize_with = "shapes::page_url")]
    pub url: Option<Url>,
    pub inbox: Url,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub outbox: Option<Url>,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub followers: Option<Url>,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub posting_restricted_to_mods: Option<bool>,
    /// A Guildhall group's kind; absent (or unknown) means discussion.
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub group_kind: Option<String>,
    /// A group that approves its followers (Lemmy's private communities,
    /// Guildhall's private groups) shows its content to them alone.
    #[serde(default, deserialize_with = "deserialize_skip_error")]
    pub manually_approves_followers: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub shared_inbox: Option<Url>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub id: String,
    pub owner: Url,
    pub public_key_pem: String,
}

impl PublicKey {
    /// An actor's RSA key, at its id's `#main-key` (Mastodon's name).
    pub fn main_key(owner: &Url, pem: Option<&str>) -> PublicKey {
        PublicKey {
            id: format!("{owner}#main-key"),
            owner: owner.clone(),
            public_key_pem: pem.unwrap_or_default().to_owned(),
        }
    }
}
