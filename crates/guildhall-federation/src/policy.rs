//! The admin's partner policy: which instances we federate with.

use crate::{Context, FedError, FederationMode};
use activitypub_federation::config::UrlVerifier;
use activitypub_federation::error::Error as LibError;
use guildhall_db::{Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use url::Url;

/// Whether we talk to `domain` at all: refused when blocked, or in allow-list
/// mode when not allowed.
pub async fn check_domain(ctx: &Context, domain: &str) -> Result<(), FedError> {
    let policy = ctx.policies.policy(&ctx.store, domain).await?;
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
        let Some(domain) = guildhall_core::instances::domain_of(url.as_str()) else {
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

/// How long the instance policies read by [`PolicyCache`] are kept.
pub const POLICY_TTL: Duration = Duration::from_secs(5);

/// Policies by domain.
type Policies = Arc<HashMap<String, String>>;

/// The admins' instance policies, as last read.
///
/// Every inbound activity and every delivery asks for its instance's
/// policy, so the policies are read as one table and kept for
/// [`POLICY_TTL`]. A change made in this process shows at once (the store
/// counts its changes, [`Store::policy_changes`], and a copy read before the
/// last one is not used); one made by the CLI, in another process, within
/// the TTL.
#[derive(Debug, Default)]
pub struct PolicyCache(Mutex<Option<Kept>>);

/// One reading of the policies: when, and how many changes the store had
/// counted before it began.
#[derive(Debug)]
struct Kept {
    read: Instant,
    changes: u64,
    policies: Policies,
}

impl PolicyCache {
    /// `domain`'s policy: `Some("allow")`, `Some("block")` or `None`.
    pub async fn policy(&self, store: &Store, domain: &str) -> Result<Option<String>, StoreError> {
        let changes = store.policy_changes();
        if let Some(policies) = self.fresh(changes) {
            return Ok(policies.get(domain).cloned());
        }
        let policies = Arc::new(store.instance_policies().await?);
        let policy = policies.get(domain).cloned();
        *self.lock() = Some(Kept {
            read: Instant::now(),
            changes,
            policies,
        });
        Ok(policy)
    }

    /// The policies kept, unless they are older than the TTL or than the
    /// store's last change.
    fn fresh(&self, changes: u64) -> Option<Policies> {
        match &*self.lock() {
            Some(kept) if kept.changes == changes && kept.read.elapsed() < POLICY_TTL => {
                Some(kept.policies.clone())
            }
            _ => None,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Kept>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
