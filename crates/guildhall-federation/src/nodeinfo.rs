//! What software a remote instance runs, from its NodeInfo, so each one is
//! sent what it reads: Lemmy refuses the bare `Announce(Page)` that
//! Mastodon needs, and only instances that say so take reputation
//! attestations.
//!
//! NodeInfo is asked for once per instance per [`REFRESH_MS`], by the
//! delivery worker before it sends to the instance and when a remote group
//! is looked up, and the answer (or that there was none) is stored with the
//! instance. Building activities only reads what is stored, so expanding
//! events never waits on the network.

use crate::{Context, FedData, FedError, net};
use guildhall_db::{InstanceSoftware, now_ms};
use serde_json::Value;
use std::time::Duration;
use url::Url;

/// How long what NodeInfo said is kept before asking again: a day.
pub const REFRESH_MS: i64 = 24 * 3_600_000;
/// NodeInfo is small; a larger answer is not NodeInfo.
const MAX_BYTES: usize = 64 * 1024;
const TIMEOUT: Duration = Duration::from_secs(5);

/// What we advertise in our own NodeInfo `metadata` (and read in others'):
/// that `Offer`s of reputation attestations are understood here
/// (docs/ATTESTATIONS.md).
pub fn metadata() -> Value {
    serde_json::json!({
        "reputationAttestations": {
            "accepted": true,
            "type": "ReputationAttestation",
            "context": "https://w3id.org/security/data-integrity/v2",
        }
    })
}

/// Software that reads a group's relayed activities as Lemmy sends them
/// (`Announce(Create(Page))`) and refuses or doubles the bare
/// `Announce(Page)` meant for microblogs.
pub fn reads_announced_creates(software: &str) -> bool {
    matches!(software, "lemmy" | "mbin" | "kbin" | "piefed" | "guildhall")
}

/// What is stored about `domain`'s software, without asking it.
pub async fn known(ctx: &Context, domain: &str) -> Option<InstanceSoftware> {
    ctx.store.instance_software(domain).await.ok().flatten()
}

/// What `origin`'s instance runs: from the store if asked lately, else
/// from its NodeInfo (a failure is stored too, so a dead server is not
/// asked on every delivery).
pub async fn refresh(ctx: &FedData, origin: &Url) -> Option<InstanceSoftware> {
    let domain = guildhall_core::instances::domain_of(origin.as_str())?;
    if let Some(known) = known(ctx, &domain).await
        && now_ms() - known.nodeinfo_at < REFRESH_MS
    {
        return Some(known);
    }
    let (software, attestations) = match fetch(ctx, origin).await {
        Ok((software, attestations)) => (Some(software), attestations),
        Err(e) => {
            tracing::debug!(domain, error = %e, "no NodeInfo");
            (None, false)
        }
    };
    if let Err(e) = ctx
        .store
        .set_instance_software(&domain, software.as_deref(), attestations)
        .await
    {
        tracing::warn!(domain, error = %e, "could not store an instance's software");
    }
    known(ctx, &domain).await
}

/// Reads `/.well-known/nodeinfo` on `origin`'s server, then the document
/// it links (2.1 or 2.0, on the same server): the software's name and
/// whether it advertises taking attestations.
async fn fetch(ctx: &FedData, origin: &Url) -> Result<(String, bool), FedError> {
    let well_known = origin
        .join("/.well-known/nodeinfo")
        .map_err(|e| FedError::Remote(e.to_string()))?;
    let links = get_json(ctx, &well_known).await?;
    let href = links["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| {
            let rel = l["rel"].as_str()?;
            let rank = if rel.ends_with("/schema/2.1") {
                2
            } else if rel.ends_with("/schema/2.0") {
                1
            } else {
                return None;
            };
            Some((rank, l["href"].as_str()?))
        })
        .max_by_key(|(rank, _)| *rank)
        .map(|(_, href)| href)
        .ok_or_else(|| FedError::Remote(format!("{well_known}: no NodeInfo 2.x link")))?;
    let href = Url::parse(href).map_err(|e| FedError::Remote(format!("{href}: {e}")))?;
    if !net::same_origin(&href, &well_known) {
        return Err(FedError::Remote(format!(
            "{well_known} links NodeInfo on another server ({href})"
        )));
    }
    let info = get_json(ctx, &href).await?;
    let name = info["software"]["name"]
        .as_str()
        .filter(|n| !n.is_empty() && n.len() <= 100)
        .ok_or_else(|| FedError::Remote(format!("{href}: no software name")))?
        .to_ascii_lowercase();
    let attestations = info["metadata"]["reputationAttestations"]["accepted"] == true;
    Ok((name, attestations))
}

/// GETs JSON through the federation client (so the outbound address rule
/// applies), signed by the instance actor like every fetch, reading at most
/// [`MAX_BYTES`].
async fn get_json(ctx: &FedData, url: &Url) -> Result<Value, FedError> {
    let req = ctx
        .http
        .get(url.as_str())
        .header("accept", "application/json")
        .timeout(TIMEOUT);
    let req = ctx.sign_request(req, axum::body::Bytes::new()).await?;
    let response = ctx
        .http
        .execute(req)
        .await
        .map_err(|e| FedError::Remote(format!("{url}: {e}")))?;
    if !response.status().is_success() {
        return Err(FedError::Remote(format!(
            "{url} answered {}",
            response.status()
        )));
    }
    let body = crate::fetch::read_limited(response, url, MAX_BYTES).await?;
    serde_json::from_slice(&body).map_err(|e| FedError::Remote(format!("{url}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_software_is_told_from_microblogs() {
        for s in ["lemmy", "mbin", "kbin", "piefed", "guildhall"] {
            assert!(reads_announced_creates(s), "{s}");
        }
        for s in [
            "mastodon",
            "pleroma",
            "akkoma",
            "misskey",
            "gotosocial",
            "unknown",
        ] {
            assert!(!reads_announced_creates(s), "{s}");
        }
    }
}
