//! The inboxes (shared `/inbox`, and per actor): size and type checks, the
//! HTTP signature, the partner policy, then the activity, once.

use crate::activities::{self, Inbound};
use crate::policy::check_domain;
use crate::protocol::inbound::Incoming;
use crate::rfc9421;
use crate::{FedData, FedError};
use activitypub_federation::traits::Actor;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};

/// Content types an activity may come with.
fn is_activity_type(headers: &HeaderMap) -> bool {
    let Some(ct) = headers.get("content-type").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let ct = ct.to_ascii_lowercase();
    ct.starts_with("application/activity+json")
        || ct.starts_with("application/ld+json")
        || ct.starts_with("application/json")
}

/// Receives one POSTed activity. 202 when applied or already seen.
pub async fn receive(
    data: &FedData,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<StatusCode, FedError> {
    if body.len() > data.settings.max_activity_bytes {
        return Err(FedError::TooLarge(data.settings.max_activity_bytes));
    }
    if !is_activity_type(headers) {
        return Err(FedError::UnsupportedMediaType(
            "activities are sent as application/activity+json".into(),
        ));
    }
    let pending = rfc9421::Inbound::begin(method, uri, headers, &body, &data.urls)?;
    let raw = std::str::from_utf8(&body)
        .map_err(|_| FedError::BadRequest("the body is not UTF-8".into()))?;
    let activity: Incoming = serde_json::from_str(raw)?;

    // Ids on the sender's domain; signed by the actor itself.
    let actor_domain =
        guildhall_core::instances::domain_of(activity.actor.as_str()).unwrap_or_default();
    if guildhall_core::instances::domain_of(activity.id.as_str()).as_deref()
        != Some(actor_domain.as_str())
    {
        return Err(FedError::Forbidden(
            "the activity id is not on its actor's domain".into(),
        ));
    }
    if !signed_by(pending.signer(), &activity.actor) {
        return Err(FedError::Unauthorized(
            "the request is not signed by the activity's actor".into(),
        ));
    }
    if data.urls.is_local(&activity.actor) {
        return Err(FedError::Forbidden(
            "activities of local actors do not come from outside".into(),
        ));
    }
    check_domain(data, &actor_domain).await?;

    let mut actor = data.actors.get(&activity.actor, data).await?;
    if !pending.verify(&data.public_keys, actor.public_key_pem()) {
        // The key may have rotated since we stored it: fetch once more.
        actor = data.actors.refetch(&activity.actor, data).await?;
        if !pending.verify(&data.public_keys, actor.public_key_pem()) {
            return Err(FedError::Unauthorized(
                "the HTTP signature does not verify".into(),
            ));
        }
    }

    activities::apply_once(&Inbound {
        activity: &activity,
        raw,
        actor: &actor,
        via_group: None,
        data,
    })
    .await?;
    Ok(StatusCode::ACCEPTED)
}

/// Whether a key belongs to the actor: Mastodon and Lemmy name it
/// `actor#main-key` (the signer is the actor once the fragment is gone);
/// GoToSocial names it `actor/main-key`, a path below the actor.
fn signed_by(signer: &url::Url, actor: &url::Url) -> bool {
    if signer == actor {
        return true;
    }
    let actor = actor.as_str().trim_end_matches('/');
    signer
        .as_str()
        .strip_prefix(actor)
        .is_some_and(|rest| rest.starts_with('/') && !rest[1..].contains('/'))
        && signer.query().is_none()
}

#[cfg(test)]
mod tests {
    use super::signed_by;

    #[test]
    fn keys_belong_to_their_actor() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        let actor = url("https://a.example/users/x");
        assert!(signed_by(&url("https://a.example/users/x"), &actor));
        assert!(signed_by(
            &url("https://a.example/users/x/main-key"),
            &actor
        ));
        assert!(!signed_by(&url("https://a.example/users/xy"), &actor));
        assert!(!signed_by(&url("https://a.example/users/x/a/b"), &actor));
        assert!(!signed_by(&url("https://b.example/users/x"), &actor));
        assert!(!signed_by(&url("https://a.example/users/y"), &actor));
    }
}
