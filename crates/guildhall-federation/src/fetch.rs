//! Fetching remote objects, actors and WebFinger: what activitypub_federation's
//! `fetch_object_http`, `ObjectId::dereference` and `webfinger_resolve_actor`
//! do, with our URL checks in place of the library's, which refuse
//! IP-literal hosts outright ("Url must have a domain") even where private
//! addresses are allowed, so test rigs could not use plain addresses.
//!
//! Every fetch goes through the federation client, so the outbound address
//! rules ([`crate::net`]) apply where it connects. It is signed by the
//! instance actor (Mastodon's secure mode), accepts only ActivityPub content
//! types, reads at most 1 MB, follows at most one redirect, and the fetched
//! object's `id` must be the URL (or, on the same server, is fetched once
//! more from its `id`).

use crate::policy::check_domain;
use crate::{FedData, FedError, net};
use activitypub_federation::traits::Object;
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::Arc;
use url::Url;

const ACCEPT: &str = activitypub_federation::FEDERATION_CONTENT_TYPE;
/// What an ActivityPub server may answer with (the library's list, against
/// content served by others under an ActivityPub type by mistake).
const CONTENT_TYPES: [&str; 3] = [
    ACCEPT,
    r#"application/ld+json; profile="https://www.w3.org/ns/activitystreams""#,
    "application/activity+json; charset=utf-8",
];
const MAX_BYTES: usize = 1024 * 1024;

/// Whether we fetch from `url` at all: http(s) (plain http only on rigs
/// not served over https, or with private addresses allowed), a host name
/// (an IP address only with `allow_private_addresses`), no explicit port in
/// production, not our own, and not a blocked (or, in allow-list mode, not
/// allowed) instance.
pub async fn check_url(data: &FedData, url: &Url) -> Result<(), FedError> {
    let relaxed = data.settings.allow_private_addresses || !data.urls.is_https();
    match url.scheme() {
        "https" => {}
        "http" if relaxed => {}
        _ => return Err(FedError::Forbidden(format!("{url}: not https"))),
    }
    match url.host() {
        Some(url::Host::Domain(_)) => {}
        Some(_) if data.settings.allow_private_addresses => {}
        Some(_) => {
            return Err(FedError::Forbidden(format!(
                "{url}: Url must have a domain (IP-literal hosts are for test rigs: \
                 federation.allow_private_addresses)"
            )));
        }
        None => return Err(FedError::Forbidden(format!("{url}: no host"))),
    }
    if !relaxed && url.port().is_some() {
        return Err(FedError::Forbidden(format!(
            "{url}: explicit port is not allowed"
        )));
    }
    if data.urls.is_local(url) {
        return Err(FedError::NotFound("object"));
    }
    let domain = guildhall_core::instances::domain_of(url.as_str()).unwrap_or_default();
    check_domain(data, domain.trim_end_matches('.')).await
}

/// The JSON object at `url`, checked as the module says.
pub async fn object<K: DeserializeOwned>(url: &Url, data: &FedData) -> Result<K, FedError> {
    let (value, _) = fetch(url, data, ACCEPT, true).await?;
    Ok(serde_json::from_value(value)?)
}

async fn fetch(
    url: &Url,
    data: &FedData,
    accept: &str,
    may_follow: bool,
) -> Result<(Value, Url), FedError> {
    check_url(data, url).await?;
    let req = data
        .http
        .get(url.as_str())
        .header("accept", accept)
        .timeout(data.settings.request_timeout());
    let req = data.sign_request(req, Bytes::new()).await?;
    let response = data
        .http
        .execute(req)
        .await
        .map_err(|e| match net::refusal(&e) {
            Some(r) => FedError::Forbidden(r.to_string()),
            None => FedError::Remote(format!("{url}: {e}")),
        })?;
    let status = response.status();
    if status.is_redirection() {
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .and_then(|l| url.join(l).ok());
        return match location {
            Some(next) if may_follow => Box::pin(fetch(&next, data, accept, false)).await,
            _ => Err(FedError::Remote(format!("{url}: too many redirects"))),
        };
    }
    if status == 410 {
        return Err(FedError::Gone("object"));
    }
    if status == 404 {
        return Err(FedError::NotFound("object"));
    }
    if !status.is_success() {
        return Err(FedError::Remote(format!("{url} answered {status}")));
    }
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|c| c.to_str().ok())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let json_kind = accept.contains("jrd+json");
    if !json_kind && !CONTENT_TYPES.contains(&content_type.as_str()) {
        return Err(FedError::Remote(format!(
            "{url}: not ActivityPub ({content_type:?})"
        )));
    }
    let body = read_limited(response, url, MAX_BYTES).await?;
    let value: Value = serde_json::from_slice(&body)
        .map_err(|e| FedError::Unprocessable(format!("{url}: {e}")))?;
    if json_kind {
        return Ok((value, url.clone()));
    }
    let id = value
        .get("id")
        .and_then(Value::as_str)
        .and_then(|i| Url::parse(i).ok());
    match id {
        Some(id) if &id == url => Ok((value, id)),
        // Fetched by another URL of the same server: fetch it by its id.
        Some(id) if may_follow && net::same_origin(&id, url) => {
            Box::pin(fetch(&id, data, accept, false)).await
        }
        _ => Err(FedError::Forbidden(format!(
            "{url}: the object's id is not where it was fetched from"
        ))),
    }
}

/// Reads a response body, refusing one over `max` bytes as it arrives
/// rather than after it is all in memory.
pub(crate) async fn read_limited(
    mut response: reqwest13::Response,
    url: &Url,
    max: usize,
) -> Result<Vec<u8>, FedError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FedError::Remote(format!("{url}: {e}")))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > max {
            return Err(FedError::Remote(format!("{url}: larger than {max} bytes")));
        }
    }
    Ok(body)
}

/// The object at `id`: from the store, fetched again when stale (as the
/// library decides: older than a day, 20 s in debug builds), or fetched.
/// `force` fetches even when stored. A fetch that fails returns what is
/// stored; a 410 deletes it.
pub async fn dereference<K>(id: &Url, data: &FedData, force: bool) -> Result<K, FedError>
where
    K: Object<DataType = Arc<crate::Context>, Error = FedError> + Send + Sync,
    K::Kind: DeserializeOwned,
{
    let local = data.urls.is_local(id);
    let stored = K::read_from_id(id.clone(), data).await?;
    if local {
        return stored.ok_or(FedError::NotFound("object"));
    }
    let stored = match stored {
        Some(o) if !force && !o.last_refreshed_at().is_some_and(stale) => return Ok(o),
        Some(o) if !force => Some(o),
        _ => None,
    };
    match fetch(id, data, ACCEPT, true).await {
        Ok((value, fetched_from)) => {
            if data.urls.is_local(&fetched_from) {
                return K::read_from_id(id.clone(), data)
                    .await?
                    .ok_or(FedError::NotFound("object"));
            }
            let kind: K::Kind = serde_json::from_value(value)?;
            K::verify(&kind, &fetched_from, data).await?;
            K::from_json(kind, data).await
        }
        Err(FedError::Gone(what)) => match stored {
            Some(o) => {
                o.delete(data).await?;
                Ok(o)
            }
            None => Err(FedError::Gone(what)),
        },
        Err(e) => stored.ok_or(e),
    }
}

fn stale(refreshed: DateTime<Utc>) -> bool {
    let every = if cfg!(debug_assertions) {
        chrono::Duration::seconds(20)
    } else {
        chrono::Duration::days(1)
    };
    refreshed < Utc::now() - every
}

/// Finds `name@host` by WebFinger and dereferences the first ActivityPub
/// link that makes a `K`.
pub async fn webfinger<K>(name: &str, data: &FedData) -> Result<K, FedError>
where
    K: Object<DataType = Arc<crate::Context>, Error = FedError> + Send + Sync,
    K::Kind: DeserializeOwned,
{
    let (_, host) = name
        .split_once('@')
        .ok_or_else(|| FedError::BadRequest("expected name@host".into()))?;
    let relaxed = data.settings.allow_private_addresses || !data.urls.is_https();
    let scheme = if relaxed { "http" } else { "https" };
    let mut url = Url::parse(&format!("{scheme}://{host}/.well-known/webfinger"))
        .map_err(|e| FedError::BadRequest(format!("{host}: {e}")))?;
    url.query_pairs_mut()
        .append_pair("resource", &format!("acct:{name}"));
    let (jrd, _) = fetch(&url, data, "application/jrd+json", false).await?;
    let links = jrd["links"].as_array().cloned().unwrap_or_default();
    let mut last = FedError::NotFound("actor");
    for link in links {
        let is_ap = link["rel"] == "self"
            && link["type"]
                .as_str()
                .is_some_and(|t| t.contains("activity+json") || t.contains("ld+json"));
        let Some(href) = link["href"].as_str().filter(|_| is_ap) else {
            continue;
        };
        let Ok(href) = Url::parse(href) else { continue };
        match dereference::<K>(&href, data, false).await {
            Ok(found) => return Ok(found),
            Err(e) => last = e,
        }
    }
    Err(last)
}
