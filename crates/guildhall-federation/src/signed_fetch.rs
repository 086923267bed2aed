//! Who may fetch a private group's content: only a server where the group
//! has an approved follower (the rule of Lemmy's private communities), and
//! it proves which server it is by signing the GET with one of its actors'
//! keys, as every fetch of ours is signed (by our instance actor).
//!
//! Anything else (unsigned, a signature that does not verify, a server with
//! no approved follower) is answered "not found", the same as for an object
//! that does not exist, so a fetch learns nothing of what is inside.

use crate::policy::check_domain;
use crate::protocol::actors::PublicKey;
use crate::{FedData, FedError, fetch, rfc9421};
use axum::http::{HeaderMap, Method, Uri};
use guildhall_core::visibility::Visibility;
use guildhall_db::FedGroup;
use serde::Deserialize;
use url::Url;

/// The request a fetch came as.
pub struct Request<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
}

/// Whether the fetch may read `group`'s content: a public group's anyone
/// may; a hidden group's no one (it does not federate); a private group's
/// a signed fetch from a server with an approved follower.
pub async fn check(data: &FedData, group: &FedGroup, request: Request<'_>) -> Result<(), FedError> {
    match group.visibility {
        Visibility::Public => Ok(()),
        Visibility::Hidden => Err(FedError::NotFound("group")),
        Visibility::Private => match follower_server(data, group, request).await {
            Ok(()) => Ok(()),
            Err(why) => {
                tracing::debug!(group = %group.name, %why, "fetch of private content refused");
                Err(FedError::NotFound("object"))
            }
        },
    }
}

/// The key document at a signature's `keyId`: the actor (Mastodon, Lemmy,
/// Guildhall) or the key itself (GoToSocial), either way with the key.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyHolder {
    public_key: PublicKey,
}

async fn follower_server(
    data: &FedData,
    group: &FedGroup,
    request: Request<'_>,
) -> Result<(), String> {
    let Request {
        method,
        uri,
        headers,
    } = request;
    let pending = rfc9421::Inbound::begin(method, uri, headers, &[], &data.urls)
        .map_err(|e| e.to_string())?;
    let signer = pending.signer().clone();
    let domain = guildhall_core::instances::domain_of(signer.as_str())
        .ok_or("the signature's key has no host")?;
    // The cheap checks first: no key is fetched for a server that may not
    // read the group anyway.
    check_domain(data, &domain)
        .await
        .map_err(|e| e.to_string())?;
    if !data
        .store
        .has_member_on(group.id, &domain)
        .await
        .map_err(|e| e.to_string())?
    {
        return Err(format!("{domain} has no approved follower of the group"));
    }
    let key = key_of(data, &signer).await.map_err(|e| e.to_string())?;
    if !pending.verify(&data.public_keys, &key) {
        return Err("the signature does not verify".into());
    }
    Ok(())
}

/// The public key a signature names, fetched from its server (the key's
/// owner must be on the same server as the key).
async fn key_of(data: &FedData, key_id: &Url) -> Result<String, FedError> {
    let holder: KeyHolder = fetch::object(key_id, data).await?;
    let same_server = guildhall_core::instances::domain_of(holder.public_key.owner.as_str())
        == guildhall_core::instances::domain_of(key_id.as_str());
    if !same_server {
        return Err(FedError::Forbidden(
            "the key belongs to another server".into(),
        ));
    }
    Ok(holder.public_key.public_key_pem)
}
