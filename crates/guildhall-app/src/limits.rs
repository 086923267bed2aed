//! Rate limits per key (an account, a client address, a member), on top of
//! the trust-level rules: logins, registrations, posts and flags. They are rules
//! of the use cases (a login is limited per account whatever asks); over a
//! limit the answer is `Error::TooManyRequests`, which the web side sends as
//! 429 with `Retry-After`.
//!
//! The store is a small keyed token bucket rather than the `governor`
//! crate: keys here are partly chosen by the attacker (the account name in
//! a login), so the map needs a hard cap on its size, which governor's keyed
//! store lacks (it is swept only when `retain_recent` is called), and the
//! per-account login limit must give a token back when the password was
//! right, which governor cannot do. The arithmetic is in
//! `guildhall_core::rate`.
//!
//! Adding a limit (password-reset requests, when they exist) is one
//! [`Quota`] in [`RateLimits`], one [`Limiter`] in [`Limiters`] and one
//! `hit` where the action happens.

use crate::Error;
use guildhall_core::rate::{Bucket, Quota};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// `[rate_limits]` in the configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    /// Off turns every limit off (tests of other features; a trusted setup).
    pub enabled: bool,
    /// The most keys each limiter remembers; beyond it, the stalest are
    /// forgotten, so a flood of made-up names cannot grow memory.
    pub max_keys: usize,
    /// Wrong passwords per account name (a right one gives its try back).
    pub login_per_account: Quota,
    /// Login attempts per client address, right or wrong.
    pub login_per_address: Quota,
    /// Registrations per client address.
    pub register_per_address: Quota,
    /// Threads and replies per member.
    pub posts_per_member: Quota,
    /// Flags per member.
    pub flags_per_member: Quota,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            enabled: true,
            max_keys: 100_000,
            login_per_account: Quota::new(5, 900),
            login_per_address: Quota::new(25, 300),
            register_per_address: Quota::new(5, 1800),
            posts_per_member: Quota::new(30, 600),
            flags_per_member: Quota::new(20, 3600),
        }
    }
}

impl RateLimits {
    pub fn validate(&self) -> Result<(), String> {
        for (name, q) in [
            ("login_per_account", self.login_per_account),
            ("login_per_address", self.login_per_address),
            ("register_per_address", self.register_per_address),
            ("posts_per_member", self.posts_per_member),
            ("flags_per_member", self.flags_per_member),
        ] {
            q.validate(&format!("rate_limits.{name}"))?;
        }
        if self.max_keys < 16 {
            return Err("rate_limits.max_keys must be at least 16".into());
        }
        Ok(())
    }
}

/// One limit: a bucket per key, at most `max_keys` of them.
pub struct Limiter {
    what: &'static str,
    quota: Quota,
    max_keys: usize,
    buckets: Mutex<HashMap<String, Bucket>>,
    epoch: Instant,
}

impl Limiter {
    pub fn new(what: &'static str, quota: Quota, max_keys: usize) -> Self {
        Limiter {
            what,
            quota,
            max_keys,
            buckets: Mutex::new(HashMap::new()),
            epoch: Instant::now(),
        }
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Counts one event for `key`, or refuses with 429 and Retry-After.
    pub fn hit(&self, key: &str) -> Result<(), Error> {
        if self.quota.is_off() {
            return Ok(());
        }
        let now = self.now_ms();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if !buckets.contains_key(key) && buckets.len() >= self.max_keys {
            self.make_room(&mut buckets, now);
        }
        let bucket = buckets
            .entry(key.to_string())
            .or_insert_with(|| Bucket::full(self.quota, now));
        bucket
            .take(self.quota, now)
            .map_err(|retry_after| Error::TooManyRequests {
                detail: format!(
                    "too many {} in a short time; try again in {retry_after} s",
                    self.what
                ),
                retry_after,
            })
    }

    /// Gives back the event counted for `key` (a login that was right).
    pub fn give_back(&self, key: &str) {
        let now = self.now_ms();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(b) = buckets.get_mut(key) {
            b.give_back(self.quota, now);
        }
    }

    /// Drops the buckets that have refilled (they say nothing); if the map is
    /// still more than 3/4 full, the stalest quarter too. Amortized O(1) per
    /// new key: after a pass there is room for a quarter of `max_keys`.
    fn make_room(&self, buckets: &mut HashMap<String, Bucket>, now: u64) {
        buckets.retain(|_, b| !b.is_full(self.quota, now));
        let keep = self.max_keys * 3 / 4;
        if buckets.len() > keep {
            let cut = buckets.len() - keep;
            let mut by_age: Vec<(u64, String)> = buckets
                .iter()
                .map(|(k, b)| (b.touched_ms(), k.clone()))
                .collect();
            by_age.select_nth_unstable_by_key(cut - 1, |(t, _)| *t);
            for (_, key) in &by_age[..cut] {
                buckets.remove(key);
            }
        }
        tracing::debug!(
            limit = self.what,
            keys = buckets.len(),
            "rate limiter pruned"
        );
    }

    pub fn keys(&self) -> usize {
        self.buckets.lock().map(|b| b.len()).unwrap_or(0)
    }
}

/// Every limiter of the instance.
pub struct Limiters {
    pub login_per_account: Limiter,
    pub login_per_address: Limiter,
    pub register_per_address: Limiter,
    pub posts_per_member: Limiter,
    pub flags_per_member: Limiter,
}

impl Limiters {
    pub fn new(config: &RateLimits) -> Self {
        let on = |q: Quota| if config.enabled { q } else { Quota::new(0, 0) };
        let n = config.max_keys;
        Limiters {
            login_per_account: Limiter::new(
                "wrong passwords for this account",
                on(config.login_per_account),
                n,
            ),
            login_per_address: Limiter::new(
                "sign-in attempts from your address",
                on(config.login_per_address),
                n,
            ),
            register_per_address: Limiter::new(
                "registrations from your address",
                on(config.register_per_address),
                n,
            ),
            posts_per_member: Limiter::new("posts", on(config.posts_per_member), n),
            flags_per_member: Limiter::new("flags", on(config.flags_per_member), n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_event_within_the_window_is_refused_with_a_wait() {
        let l = Limiter::new("tries", Quota::new(5, 900), 100);
        for _ in 0..5 {
            l.hit("alice").unwrap();
        }
        let e = l.hit("alice").unwrap_err();
        let Error::TooManyRequests { retry_after, .. } = e else {
            panic!("{e:?}")
        };
        assert!((170..=180).contains(&retry_after));
        l.hit("bob").unwrap();
        l.give_back("alice");
        l.hit("alice").unwrap();
    }

    #[test]
    fn memory_is_bounded_by_max_keys() {
        let l = Limiter::new("tries", Quota::new(3, 3600), 100);
        for i in 0..10_000 {
            l.hit(&format!("user{i}")).unwrap();
            assert!(l.keys() <= 100);
        }
        // The most recent keys are still remembered.
        l.hit("user9999").unwrap();
        l.hit("user9999").unwrap();
        assert!(l.hit("user9999").is_err());
    }

    #[test]
    fn disabled_limits_count_nothing() {
        let limits = Limiters::new(&RateLimits {
            enabled: false,
            ..RateLimits::default()
        });
        for _ in 0..100 {
            limits.login_per_account.hit("a").unwrap();
        }
        assert_eq!(limits.login_per_account.keys(), 0);
        assert!(RateLimits::default().validate().is_ok());
    }
}
