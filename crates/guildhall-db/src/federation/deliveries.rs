//! The federation outbox's second half: an event becomes activities and
//! deliveries ([`Store::expand_event`]); deliveries are sent per destination
//! instance, with back-off per instance when it fails.

use crate::error::Result;
use crate::{Store, now_ms};
use guildhall_core::ids::GroupId;
use guildhall_core::instances::domain_of;

/// One activity ready to go out, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Outbound {
    pub ap_id: String,
    /// The actor whose key signs it.
    pub signer: String,
    pub body: String,
    /// Inbox URLs, already de-duplicated (shared inboxes preferred).
    pub inboxes: Vec<String>,
}

/// One POST to make.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub inbox: String,
    pub domain: String,
    pub attempts: i64,
    pub ap_id: String,
    pub signer: String,
    pub body: String,
    /// The HTTP signature scheme the instance is known to accept
    /// (`draft-cavage`, `rfc9421`), if it is known yet.
    pub signature_scheme: Option<String>,
}

impl Store {
    /// Replaces an event by the activities it causes, atomically: after a
    /// crash either the event is still there or its deliveries are.
    pub async fn expand_event(&self, event_id: i64, outbound: &[Outbound]) -> Result<()> {
        let now = now_ms();
        let mut tx = self.writer.begin().await?;
        let gone = sqlx::query("DELETE FROM federation_events WHERE id = $1")
            .bind(event_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if gone == 0 {
            return Ok(()); // another expander did it
        }
        for out in outbound.iter().filter(|o| !o.inboxes.is_empty()) {
            let activity: i64 = sqlx::query_scalar(
                "INSERT INTO outbound_activities (ap_id, signer, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(&out.ap_id)
            .bind(&out.signer)
            .bind(&out.body)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            for inbox in &out.inboxes {
                let Some(domain) = domain_of(inbox) else {
                    continue;
                };
                sqlx::query(
                    "INSERT INTO instances (domain, created_at) VALUES ($1, $2) ON CONFLICT (domain) DO NOTHING",
                )
                .bind(&domain)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO deliveries (activity_id, inbox, domain, created_at) \
                     SELECT $1, $2, $3, $4 WHERE NOT EXISTS \
                     (SELECT 1 FROM instances WHERE domain = $3 AND policy = 'block')",
                )
                .bind(activity)
                .bind(inbox)
                .bind(&domain)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Domains with deliveries due now, oldest work first.
    pub async fn due_domains(&self, now: i64, limit: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT d.domain FROM deliveries d JOIN instances i ON i.domain = d.domain \
             WHERE i.next_attempt_at <= $1 AND (i.policy IS NULL OR i.policy <> 'block') \
             GROUP BY d.domain ORDER BY MIN(d.id) LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The next deliveries to one instance, in the order they were queued.
    pub async fn deliveries_for(
        &self,
        domain: &str,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        Ok(sqlx::query_as(
            "SELECT d.id, d.inbox, d.domain, d.attempts, a.ap_id, a.signer, a.body, \
             i.signature_scheme \
             FROM deliveries d JOIN outbound_activities a ON a.id = d.activity_id \
             LEFT JOIN instances i ON i.domain = d.domain \
             WHERE d.domain = $1 AND d.id > $2 ORDER BY d.id LIMIT $3",
        )
        .bind(domain)
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A delivery went through (or was refused for good): drop it, and the
    /// instance is healthy again.
    pub async fn delivery_done(&self, delivery_id: i64, domain: &str) -> Result<()> {
        self.finish_delivery(delivery_id, Some(domain)).await
    }

    /// Drops a delivery that can never be sent (its signer is gone, its URL
    /// is broken): it must not hold its instance in back-off forever. The
    /// instance's health is left as it was.
    pub async fn drop_delivery(&self, delivery_id: i64) -> Result<()> {
        self.finish_delivery(delivery_id, None).await
    }

    /// Removes a delivery (and its activity once no delivery needs it); a
    /// success (`answered` names the instance) also clears its back-off.
    async fn finish_delivery(&self, delivery_id: i64, answered: Option<&str>) -> Result<()> {
        let now = now_ms();
        let mut tx = self.writer.begin().await?;
        let activity: Option<i64> =
            sqlx::query_scalar("DELETE FROM deliveries WHERE id = $1 RETURNING activity_id")
                .bind(delivery_id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(domain) = answered {
            sqlx::query(
                "UPDATE instances SET last_success_at = $1, failures = 0, next_attempt_at = 0, \
                 unreachable_since = NULL WHERE domain = $2",
            )
            .bind(now)
            .bind(domain)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(activity) = activity {
            sqlx::query(
                "DELETE FROM outbound_activities WHERE id = $1 AND NOT EXISTS \
                 (SELECT 1 FROM deliveries WHERE activity_id = $1)",
            )
            .bind(activity)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// A delivery failed: count it, and back the whole instance off until
    /// `retry_at`. Marks it unreachable once it has failed since
    /// `unreachable_after` ms without a success.
    pub async fn delivery_failed(
        &self,
        delivery_id: i64,
        domain: &str,
        error: &str,
        retry_at: impl Fn(i64) -> i64,
        unreachable_after: i64,
    ) -> Result<()> {
        let now = now_ms();
        let mut tx = self.writer.begin().await?;
        sqlx::query("UPDATE deliveries SET attempts = attempts + 1, last_error = $1 WHERE id = $2")
            .bind(error)
            .bind(delivery_id)
            .execute(&mut *tx)
            .await?;
        let row: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
            "UPDATE instances SET failures = failures + 1, last_failure_at = $1, last_error = $2 \
             WHERE domain = $3 RETURNING failures, created_at, last_success_at",
        )
        .bind(now)
        .bind(error)
        .bind(domain)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((failures, created_at, last_success)) = row {
            let healthy_since = last_success.unwrap_or(created_at);
            let unreachable = now - healthy_since >= unreachable_after;
            sqlx::query(
                "UPDATE instances SET next_attempt_at = $1, \
                 unreachable_since = CASE WHEN $2 = 1 THEN COALESCE(unreachable_since, $3) ELSE unreachable_since END \
                 WHERE domain = $4",
            )
            .bind(retry_at(failures))
            .bind(unreachable as i64)
            .bind(now)
            .bind(domain)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Drops a delivery refused by our own rules (the outbound address
    /// rule): not a failure of the instance, but its last error says why,
    /// for the admin.
    pub async fn refuse_delivery(
        &self,
        delivery_id: i64,
        domain: &str,
        reason: &str,
    ) -> Result<()> {
        self.finish_delivery(delivery_id, None).await?;
        sqlx::query("UPDATE instances SET last_error = $1, last_failure_at = $2 WHERE domain = $3")
            .bind(reason)
            .bind(now_ms())
            .bind(domain)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Where a group's remote followers are delivered to: each follower's
    /// shared inbox if it has one (`true`), else its own inbox.
    pub async fn follower_deliveries(&self, group_id: GroupId) -> Result<Vec<(String, bool)>> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT DISTINCT COALESCE(u.shared_inbox, u.inbox), \
             CASE WHEN u.shared_inbox IS NULL THEN 0 ELSE 1 END \
             FROM group_members m JOIN users u ON u.id = m.user_id \
             WHERE m.group_id = $1 AND m.pending = 0 AND u.domain IS NOT NULL AND u.inbox IS NOT NULL",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(i, shared)| (i, shared != 0))
            .collect())
    }
}
