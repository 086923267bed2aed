//! Other instances as the store knows them: the admin's policy for each,
//! its delivery health, the software its NodeInfo names and the HTTP
//! signature scheme it takes.

use crate::error::Result;
use crate::{Store, now_ms};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;
use std::sync::atomic::Ordering;

/// An instance's software as its NodeInfo told.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceSoftware {
    pub domain: String,
    /// NodeInfo's `software.name`, lowercased; None if it could not be read.
    pub software: Option<String>,
    /// It advertises that it takes reputation attestations.
    pub accepts_attestations: bool,
    /// When NodeInfo was last asked for (ms).
    pub nodeinfo_at: i64,
}

/// domain, software, accepts_attestations, nodeinfo_at.
type SoftwareRow = (String, Option<String>, i64, i64);

const SOFTWARE: &str = "SELECT domain, software, accepts_attestations, nodeinfo_at FROM instances";

impl From<SoftwareRow> for InstanceSoftware {
    fn from((domain, software, accepts, nodeinfo_at): SoftwareRow) -> Self {
        InstanceSoftware {
            domain,
            software,
            accepts_attestations: accepts != 0,
            nodeinfo_at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InstanceState {
    pub domain: String,
    pub policy: Option<String>,
    pub last_success_at: Option<i64>,
    pub last_failure_at: Option<i64>,
    pub last_error: Option<String>,
    pub failures: i64,
    pub next_attempt_at: i64,
    pub unreachable_since: Option<i64>,
    pub queued: i64,
}

impl InstanceState {
    /// How delivery to it goes, whatever its policy: `unreachable` (failing
    /// for longer than the configured time), `failing` (backing off) or `ok`.
    pub fn delivery_state(&self) -> &'static str {
        if self.unreachable_since.is_some() {
            "unreachable"
        } else if self.failures > 0 {
            "failing"
        } else {
            "ok"
        }
    }
}

const INSTANCE_STATE: &str = "SELECT i.domain, i.policy, i.last_success_at, i.last_failure_at, \
     i.last_error, i.failures, i.next_attempt_at, i.unreachable_since, \
     (SELECT COUNT(*) FROM deliveries d WHERE d.domain = i.domain) AS queued FROM instances i";

impl Store {
    /// The HTTP signature scheme `domain` is known to accept, if known.
    pub async fn signature_scheme(&self, domain: &str) -> Result<Option<String>> {
        let scheme: Option<Option<String>> =
            sqlx::query_scalar("SELECT signature_scheme FROM instances WHERE domain = $1")
                .bind(domain)
                .fetch_optional(&self.pool)
                .await?;
        Ok(scheme.flatten())
    }

    /// Remembers the HTTP signature scheme a delivery to `domain` went
    /// through with (`draft-cavage` or `rfc9421`), for the next ones.
    pub async fn set_signature_scheme(&self, domain: &str, scheme: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO instances (domain, signature_scheme, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (domain) DO UPDATE SET signature_scheme = excluded.signature_scheme",
        )
        .bind(domain)
        .bind(scheme)
        .bind(now_ms())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// What is known of an instance's software, from its NodeInfo.
    pub async fn instance_software(&self, domain: &str) -> Result<Option<InstanceSoftware>> {
        let row: Option<SoftwareRow> = sqlx::query_as(AssertSqlSafe(format!(
            "{SOFTWARE} WHERE domain = $1 AND nodeinfo_at IS NOT NULL"
        )))
        .bind(domain)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(InstanceSoftware::from))
    }

    /// The software of every instance it is known for, by domain.
    pub async fn instance_softwares(&self) -> Result<HashMap<String, InstanceSoftware>> {
        let rows: Vec<SoftwareRow> = sqlx::query_as(AssertSqlSafe(format!(
            "{SOFTWARE} WHERE nodeinfo_at IS NOT NULL"
        )))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.0.clone(), InstanceSoftware::from(r)))
            .collect())
    }

    /// Records what an instance's NodeInfo said (`software` None: it could
    /// not be read), and when.
    pub async fn set_instance_software(
        &self,
        domain: &str,
        software: Option<&str>,
        accepts_attestations: bool,
    ) -> Result<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO instances (domain, software, accepts_attestations, nodeinfo_at, created_at) \
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (domain) DO UPDATE SET \
             software = excluded.software, accepts_attestations = excluded.accepts_attestations, \
             nodeinfo_at = excluded.nodeinfo_at",
        )
        .bind(domain)
        .bind(software)
        .bind(accepts_attestations as i64)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Every known instance with its queue depth, most troubled first.
    pub async fn instance_states(&self) -> Result<Vec<InstanceState>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "{INSTANCE_STATE} ORDER BY i.failures DESC, i.domain"
        )))
        .fetch_all(&self.pool)
        .await?)
    }

    /// One instance's state, if it is known.
    pub async fn instance_state(&self, domain: &str) -> Result<Option<InstanceState>> {
        Ok(sqlx::query_as(AssertSqlSafe(format!(
            "{INSTANCE_STATE} WHERE i.domain = $1"
        )))
        .bind(domain)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Every instance with an admin policy, and the policy: `allow` or
    /// `block`. Every inbound activity and every delivery needs the policy
    /// of its instance, so `guildhall-federation` keeps this table in memory
    /// for a few seconds and reads it again once
    /// [`policy_changes`](Store::policy_changes) moves.
    pub async fn instance_policies(&self) -> Result<HashMap<String, String>> {
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT domain, policy FROM instances WHERE policy IS NOT NULL")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().collect())
    }

    /// How many times this process has changed an instance policy: a copy of
    /// [`instance_policies`](Store::instance_policies) read before the count
    /// last moved is out of date.
    pub fn policy_changes(&self) -> u64 {
        self.policy_changes.load(Ordering::Acquire)
    }

    /// Sets (or clears, with `None`) an instance's policy. Blocking drops
    /// whatever was still queued for it: a blocked instance gets nothing.
    pub async fn set_instance_policy(&self, domain: &str, policy: Option<&str>) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO instances (domain, policy, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (domain) DO UPDATE SET policy = excluded.policy",
        )
        .bind(domain)
        .bind(policy)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        if policy == Some("block") {
            sqlx::query("DELETE FROM deliveries WHERE domain = $1")
                .bind(domain)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        self.policy_changes.fetch_add(1, Ordering::Release);
        Ok(())
    }
}
