//! Who is in a group, as its visibility needs to know: a member's standing,
//! requests to join a private group, and changing a group's visibility.
//! The rules are guildhall-core's `visibility`; guildhall-app applies them.

use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, record};
use crate::moderation::{LogEntry, log};
use crate::{Store, UserSummary, now_ms};
use guildhall_core::ids::{GroupId, UserId};
use guildhall_core::moderation::Action;
use guildhall_core::visibility::Visibility;

/// A member's place in a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// An approved member (or a follower whose follow was accepted).
    Member,
    /// Asked to join (or a follow not yet accepted).
    Pending,
}

impl Store {
    /// `user`'s membership of `group`, if any.
    pub async fn membership(&self, group: GroupId, user: UserId) -> Result<Option<Membership>> {
        let pending: Option<i64> = sqlx::query_scalar(
            "SELECT pending FROM group_members WHERE group_id = $1 AND user_id = $2",
        )
        .bind(group)
        .bind(user)
        .fetch_optional(&self.pool)
        .await?;
        Ok(pending.map(|p| {
            if p == 0 {
                Membership::Member
            } else {
                Membership::Pending
            }
        }))
    }

    /// Asks to join one of our private groups: a membership that waits for
    /// a moderator (`approve_member`). False if they had asked, or belong.
    pub async fn request_to_join(&self, group: GroupId, user: UserId) -> Result<bool> {
        let now = now_ms();
        let done = sqlx::query(
            "INSERT INTO group_members (group_id, user_id, joined_at, pending, requested_at) \
             VALUES ($1, $2, $3, 1, $3) ON CONFLICT DO NOTHING",
        )
        .bind(group)
        .bind(user)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// The requests waiting for a group's moderators, oldest first.
    pub async fn join_requests(&self, group: GroupId) -> Result<Vec<(UserSummary, i64)>> {
        let rows: Vec<(UserId, String, Option<String>, i64)> = sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, COALESCE(m.requested_at, m.joined_at) \
             FROM group_members m JOIN users u ON u.id = m.user_id \
             WHERE m.group_id = $1 AND m.pending = 1 ORDER BY 4, u.id LIMIT 500",
        )
        .bind(group)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, username, display_name, at)| {
                let who = UserSummary {
                    id,
                    username,
                    display_name,
                };
                (who, at)
            })
            .collect())
    }

    /// A moderator lets a waiting member in; false if nobody was waiting.
    pub async fn approve_member(&self, group: GroupId, user: UserId) -> Result<bool> {
        self.accept_follow(group, user).await
    }

    /// A moderator turns a request down (a remote Follow gets a Reject);
    /// false if nobody was waiting.
    pub async fn refuse_member(&self, group: GroupId, user: UserId) -> Result<bool> {
        self.refuse_pending(group, user).await
    }

    /// Changes a group's visibility on `by`'s word, logged with what it
    /// was. False if it already was so.
    pub async fn set_visibility(
        &self,
        group: GroupId,
        visibility: Visibility,
        by: UserId,
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        // The old value, read in the locking write itself.
        let before: Option<String> = sqlx::query_scalar(
            "UPDATE groups SET visibility = visibility WHERE id = $1 RETURNING visibility",
        )
        .bind(group)
        .fetch_optional(&mut *tx)
        .await?;
        let before = before.ok_or(StoreError::NotFound("group"))?;
        if before == visibility.as_str() {
            return Ok(false);
        }
        sqlx::query("UPDATE groups SET visibility = $1 WHERE id = $2")
            .bind(visibility.as_str())
            .bind(group)
            .execute(&mut *tx)
            .await?;
        // Open now: whoever was waiting to join is in, and a remote
        // actor's Follow that waited is accepted.
        if visibility == Visibility::Public {
            let follows: Vec<String> = sqlx::query_scalar(
                "SELECT follow_activity FROM group_members \
                 WHERE group_id = $1 AND pending = 1 AND follow_activity IS NOT NULL",
            )
            .bind(group)
            .fetch_all(&mut *tx)
            .await?;
            for follow in &follows {
                let object = EventObject::Group(group);
                record(&mut tx, EventKind::Accept, object, None, Some(follow)).await?;
            }
            let let_in = sqlx::query(
                "UPDATE group_members SET pending = 0, follow_activity = NULL WHERE group_id = $1 \
                 AND pending = 1 AND (follow_activity IS NOT NULL \
                 OR user_id IN (SELECT id FROM users WHERE domain IS NULL))",
            )
            .bind(group)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("UPDATE groups SET member_count = member_count + $1 WHERE id = $2")
                .bind(let_in as i64)
                .bind(group)
                .execute(&mut *tx)
                .await?;
        }
        let detail = serde_json::json!({ "from": before, "to": visibility.as_str() });
        let entry = LogEntry {
            detail: Some(detail.to_string()),
            ..LogEntry::new(Some(group), by, Action::SetVisibility)
        };
        log(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}
