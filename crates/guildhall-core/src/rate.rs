//! Rate limits as token buckets: the arithmetic, with time passed in, so it
//! is tested without clocks. The keyed store that holds one bucket per
//! account, address or member lives in the web crate.
//!
//! A quota of `limit` per `per_secs` is a bucket of `limit` tokens refilled
//! evenly over `per_secs`: a burst of `limit` passes at once, then one more
//! every `per_secs / limit` seconds. Unlike a fixed window, there is no edge
//! at which two windows' worth pass back to back.

use serde::{Deserialize, Serialize};

/// `limit` events per `per_secs` seconds. A limit of 0 turns it off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    pub limit: u32,
    pub per_secs: u64,
}

impl Quota {
    pub const fn new(limit: u32, per_secs: u64) -> Self {
        Quota { limit, per_secs }
    }

    pub fn is_off(&self) -> bool {
        self.limit == 0
    }

    /// Milliseconds to earn one token back.
    fn ms_per_token(&self) -> f64 {
        self.per_secs as f64 * 1000.0 / self.limit.max(1) as f64
    }

    pub fn validate(&self, name: &str) -> Result<(), String> {
        if self.limit > 0 && self.per_secs == 0 {
            return Err(format!("{name}.per_secs must be at least 1"));
        }
        Ok(())
    }
}

/// One key's bucket. Times are milliseconds on any monotonic clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    tokens: f64,
    at_ms: u64,
}

impl Bucket {
    pub fn full(quota: Quota, now_ms: u64) -> Self {
        Bucket {
            tokens: quota.limit as f64,
            at_ms: now_ms,
        }
    }

    fn refill(&mut self, quota: Quota, now_ms: u64) {
        let elapsed = now_ms.saturating_sub(self.at_ms) as f64;
        self.tokens = (self.tokens + elapsed / quota.ms_per_token()).min(quota.limit as f64);
        self.at_ms = self.at_ms.max(now_ms);
    }

    /// Takes a token, or says in how many whole seconds (at least 1) the
    /// next one will be there.
    pub fn take(&mut self, quota: Quota, now_ms: u64) -> Result<(), u64> {
        if quota.is_off() {
            return Ok(());
        }
        self.refill(quota, now_ms);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait_ms = (1.0 - self.tokens) * quota.ms_per_token();
            Err(((wait_ms / 1000.0).ceil() as u64).max(1))
        }
    }

    /// Gives a token back (a login that turned out right).
    pub fn give_back(&mut self, quota: Quota, now_ms: u64) {
        self.refill(quota, now_ms);
        self.tokens = (self.tokens + 1.0).min(quota.limit as f64);
    }

    /// A full bucket says nothing a fresh one would not: it can be dropped.
    pub fn is_full(&self, quota: Quota, now_ms: u64) -> bool {
        let mut b = *self;
        b.refill(quota, now_ms);
        b.tokens >= quota.limit as f64
    }

    /// When it was last touched, to drop the stalest first.
    pub fn touched_ms(&self) -> u64 {
        self.at_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_one_per_interval() {
        let q = Quota::new(5, 900); // one back every 180 s
        let mut b = Bucket::full(q, 0);
        for _ in 0..5 {
            b.take(q, 1000).unwrap();
        }
        assert_eq!(b.take(q, 1000), Err(180));
        assert_eq!(b.take(q, 91_000), Err(90));
        assert!(b.take(q, 181_000).is_ok());
        assert!(b.take(q, 181_000).is_err());
        assert!(!b.is_full(q, 181_000));
        assert!(b.is_full(q, 181_000 + 900_000));
    }

    #[test]
    fn giving_back_restores_a_token_up_to_the_limit() {
        let q = Quota::new(2, 60);
        let mut b = Bucket::full(q, 0);
        b.take(q, 0).unwrap();
        b.take(q, 0).unwrap();
        assert!(b.take(q, 0).is_err());
        b.give_back(q, 0);
        assert!(b.take(q, 0).is_ok());
        b.give_back(q, 0);
        b.give_back(q, 0);
        b.give_back(q, 0);
        assert!(b.is_full(q, 0));
        b.take(q, 0).unwrap();
        b.take(q, 0).unwrap();
        assert!(b.take(q, 0).is_err(), "never more than the limit");
    }

    #[test]
    fn a_zero_limit_is_off_and_a_zero_period_is_refused() {
        let q = Quota::new(0, 0);
        let mut b = Bucket::full(q, 0);
        for _ in 0..100 {
            b.take(q, 0).unwrap();
        }
        assert!(q.validate("x").is_ok());
        assert!(Quota::new(3, 0).validate("x").is_err());
    }

    #[test]
    fn a_clock_that_goes_back_does_not_mint_tokens() {
        let q = Quota::new(1, 10);
        let mut b = Bucket::full(q, 5000);
        b.take(q, 5000).unwrap();
        assert!(b.take(q, 0).is_err());
        assert!(b.take(q, 5000).is_err());
    }
}
