//! The federation outbox's second half: events become activities and
//! deliveries; deliveries are sent per destination instance with per-instance
//! back-off; instances carry the admin's policy and their delivery health.

use crate::error::Result;
use crate::events::{Event, EventKind, EventObject};
use crate::{Store, now_ms};
use sqlx::AssertSqlSafe;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// id, kind, object type, object id, actor, token, payload, created_at.
type EventRow = (
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    String,
    Option<String>,
    i64,
);

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

/// An instance's policy and delivery health, for admins.
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

/// The host (and port, if any) of a URL: how instances are named.
pub fn domain_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

impl Store {
    /// The oldest events not yet expanded.
    pub async fn pending_events(&self, limit: i64) -> Result<Vec<Event>> {
        let rows: Vec<EventRow> = sqlx::query_as(
            "SELECT id, kind, object_type, object_id, actor_id, activity_id, payload, created_at \
                 FROM federation_events ORDER BY id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(
                |(id, kind, otype, oid, actor_id, token, payload, created_at)| {
                    Some(Event {
                        id,
                        kind: EventKind::parse(&kind)?,
                        object: EventObject::parse(&otype, oid?)?,
                        actor_id,
                        token,
                        payload,
                        created_at,
                    })
                },
            )
            .collect())
    }

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

    /// Where a group's remote followers are delivered to: each follower's
    /// shared inbox if it has one (`true`), else its own inbox.
    pub async fn follower_deliveries(&self, group_id: i64) -> Result<Vec<(String, bool)>> {
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

    /// An instance's admin policy: `Some("allow")`, `Some("block")` or `None`.
    ///
    /// Every inbound activity and every delivery asks, so the policies are
    /// read as one table and kept for [`POLICY_TTL`]; a change made in this
    /// process shows at once, one made by the CLI within the TTL.
    pub async fn instance_policy(&self, domain: &str) -> Result<Option<String>> {
        if let Some(policies) = self.policies.fresh() {
            return Ok(policies.get(domain).cloned());
        }
        let generation = self.policies.generation();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT domain, policy FROM instances WHERE policy IS NOT NULL")
                .fetch_all(&self.pool)
                .await?;
        let policies: HashMap<String, String> = rows.into_iter().collect();
        let policy = policies.get(domain).cloned();
        self.policies.keep(policies, generation);
        Ok(policy)
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
        self.policies.forget();
        Ok(())
    }

    /// Whether an inbound activity with this id was applied before.
    pub async fn received(&self, ap_id: &str) -> Result<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM received_activities WHERE ap_id = $1")
                .bind(ap_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.is_some())
    }

    /// Votes counted from `domain` on `day` (days since the epoch, UTC).
    pub async fn remote_votes_counted(&self, domain: &str, day: i64) -> Result<i64> {
        let counted: Option<i64> = sqlx::query_scalar(
            "SELECT counted FROM instance_vote_days WHERE domain = $1 AND day = $2",
        )
        .bind(domain)
        .bind(day)
        .fetch_optional(&self.pool)
        .await?;
        Ok(counted.unwrap_or(0))
    }

    /// Writes, in one transaction, the ids of applied inbound activities and
    /// the vote counts per (domain, day); a count never goes down.
    pub async fn write_inbound_bookkeeping(
        &self,
        receipts: &[String],
        vote_counts: &[(String, i64, i64)],
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let now = now_ms();
        for chunk in receipts.chunks(RECEIPTS_PER_INSERT) {
            let rows = (0..chunk.len())
                .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO received_activities (ap_id, received_at) VALUES {rows} \
                 ON CONFLICT (ap_id) DO NOTHING"
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id.as_str()).bind(now);
            }
            query.execute(&mut *tx).await?;
        }
        for (domain, day, counted) in vote_counts {
            sqlx::query(
                "INSERT INTO instance_vote_days (domain, day, counted) VALUES ($1, $2, $3) \
                 ON CONFLICT (domain, day) DO UPDATE SET counted = excluded.counted \
                 WHERE instance_vote_days.counted < excluded.counted",
            )
            .bind(domain.as_str())
            .bind(*day)
            .bind(*counted)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Drops receipts and vote counters older than `before` (ms).
    pub async fn prune_federation(&self, before: i64) -> Result<()> {
        sqlx::query("DELETE FROM received_activities WHERE received_at < $1")
            .bind(before)
            .execute(&self.writer)
            .await?;
        sqlx::query(AssertSqlSafe(
            "DELETE FROM instance_vote_days WHERE day < $1".to_string(),
        ))
        .bind(before / 86_400_000)
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

/// Receipts per INSERT statement: two parameters each, well under
/// SQLite's limit of 32,766.
const RECEIPTS_PER_INSERT: usize = 500;

/// How long the instance policies read by [`Store::instance_policy`] are kept.
pub const POLICY_TTL: Duration = Duration::from_secs(5);

/// Policies by domain.
type Policies = Arc<HashMap<String, String>>;

/// The instance policies as last read, and when; and a generation that a
/// change bumps, so a read that began before the change is not kept.
#[derive(Debug, Default)]
pub(crate) struct PolicyCache(Mutex<(Option<(Instant, Policies)>, u64)>);

impl PolicyCache {
    fn fresh(&self) -> Option<Policies> {
        match &self.lock().0 {
            Some((read, policies)) if read.elapsed() < POLICY_TTL => Some(policies.clone()),
            _ => None,
        }
    }

    fn generation(&self) -> u64 {
        self.lock().1
    }

    /// Keeps what was read, unless a change came since the read began.
    fn keep(&self, policies: HashMap<String, String>, read_at: u64) {
        let mut cache = self.lock();
        if cache.1 == read_at {
            cache.0 = Some((Instant::now(), Arc::new(policies)));
        }
    }

    fn forget(&self) {
        let mut cache = self.lock();
        cache.0 = None;
        cache.1 += 1;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Option<(Instant, Policies)>, u64)> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}
