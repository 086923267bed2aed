//! The admin's partner policy: which instances we federate with.

use crate::{Context, FedError, FederationMode};
use activitypub_federation::config::UrlVerifier;
use activitypub_federation::error::Error as LibError;
use std::sync::Arc;
use url::Url;

/// Whether we talk to `domain` at all: refused when blocked, or in allow-list
/// mode when not allowed.
pub async fn check_domain(ctx: &Context, domain: &str) -> Result<(), FedError> {
    let policy = ctx.store.instance_policy(domain).await?;
    match (policy.as_deref(), ctx.settings.mode) {
        (Some("block"), _) => Err(FedError::Forbidden(format!(
            "the instance {domain} is blocked here"
        ))),
        (Some("allow"), _) | (_, FederationMode::Open) => Ok(()),
        (_, FederationMode::Allowlist) => Err(FedError::Forbidden(format!(
            "the instance {domain} is not on this instance's allow-list"
        ))),
    }
}

/// Plugs the policy into activitypub_federation, which checks every URL it
/// fetches from or delivers to.
#[derive(Clone)]
pub struct PolicyVerifier(pub Arc<Context>);

#[async_trait::async_trait]
impl UrlVerifier for PolicyVerifier {
    async fn verify(&self, url: &Url) -> Result<(), LibError> {
        let Some(domain) = guildhall_db::domain_of(url.as_str()) else {
            return Err(LibError::UrlVerificationError("the URL has no host"));
        };
        match check_domain(&self.0, &domain).await {
            Ok(()) => Ok(()),
            Err(FedError::Forbidden(_)) => Err(LibError::UrlVerificationError(
                "the instance is blocked or not allowed",
            )),
            Err(e) => Err(LibError::Other(e.to_string())),
        }
    }
}
