//! Bookkeeping of inbound activities: the ids of those applied (so one
//! seen again is a no-op) and the remote votes counted per instance and
//! day (the daily cap), both pruned after a while.

use crate::error::Result;
use crate::{Store, now_ms};
use sqlx::AssertSqlSafe;

impl Store {
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
