//! Federation settings, read from `[federation]` in the config.

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FederationMode {
    /// Federate with everyone but blocked instances.
    Open,
    /// Federate only with instances on the allow-list.
    Allowlist,
}

#[derive(Debug, Clone)]
pub struct FederationSettings {
    pub mode: FederationMode,
    /// Let fetches and deliveries reach loopback and private addresses, and
    /// plain http. For tests and local development only: it opens SSRF.
    pub allow_private_addresses: bool,
    /// Addresses or CIDR networks allowed although not public (like
    /// Mastodon's `ALLOWED_PRIVATE_ADDRESSES`), when private ones are not
    /// all allowed: a partner on the private network, a test's stand-in.
    pub allowed_private_addresses: Vec<String>,
    /// Requests in flight at once to one instance.
    pub parallelism_per_instance: usize,
    /// First retry delay after a failed delivery; doubles per failure.
    pub retry_base_ms: i64,
    /// The longest retry delay.
    pub retry_cap_ms: i64,
    /// An instance failing this long without a success is marked unreachable.
    pub unreachable_after_ms: i64,
    /// Votes counted per remote instance per day; the rest are ignored.
    pub remote_votes_per_instance_per_day: i64,
    /// Threads fetched from a remote group's outbox on first follow.
    pub backfill_threads: usize,
    /// Timeout of one outgoing request.
    pub request_timeout_ms: u64,
    /// How often members' attestations held by other instances are looked
    /// at, and offered again when re-issued (changed, or nearing expiry).
    pub attestation_renewal_ms: i64,
    /// Largest inbound activity accepted, in bytes.
    pub max_activity_bytes: usize,
    /// Reported in NodeInfo (mirrors `accounts.registration_open`).
    pub open_registrations: bool,
    /// The content limits of local input (`[limits]`), which remote
    /// posts and profiles must meet too.
    pub limits: guildhall_core::content::Limits,
}

impl Default for FederationSettings {
    fn default() -> Self {
        FederationSettings {
            mode: FederationMode::Open,
            allow_private_addresses: false,
            allowed_private_addresses: vec![],
            parallelism_per_instance: 8,
            retry_base_ms: 30_000,
            retry_cap_ms: 3_600_000,
            unreachable_after_ms: 24 * 3_600_000,
            remote_votes_per_instance_per_day: 5_000,
            backfill_threads: 20,
            request_timeout_ms: 10_000,
            attestation_renewal_ms: 3_600_000,
            max_activity_bytes: 256 * 1024,
            open_registrations: true,
            limits: guildhall_core::content::Limits::default(),
        }
    }
}

impl FederationSettings {
    /// Which addresses outgoing requests may reach.
    pub fn address_rule(&self) -> Result<guildhall_core::addresses::AddressRule, String> {
        guildhall_core::addresses::AddressRule::new(
            self.allow_private_addresses,
            &self.allowed_private_addresses,
        )
        .map_err(|e| format!("federation.allowed_private_addresses: {e}"))
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    /// When to try an instance again after its `failures`-th failure in a row:
    /// exponential from `retry_base_ms`, capped at `retry_cap_ms`.
    pub fn retry_delay_ms(&self, failures: i64) -> i64 {
        let exp = (failures.clamp(1, 40) - 1) as u32;
        self.retry_base_ms
            .saturating_mul(2i64.saturating_pow(exp))
            .min(self.retry_cap_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_and_is_capped() {
        let s = FederationSettings {
            retry_base_ms: 1000,
            retry_cap_ms: 3_600_000,
            ..Default::default()
        };
        assert_eq!(s.retry_delay_ms(1), 1000);
        assert_eq!(s.retry_delay_ms(2), 2000);
        assert_eq!(s.retry_delay_ms(5), 16_000);
        assert_eq!(s.retry_delay_ms(30), 3_600_000);
        assert_eq!(s.retry_delay_ms(1000), 3_600_000);
    }
}
