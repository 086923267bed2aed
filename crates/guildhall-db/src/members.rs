//! Membership of groups: members joining and leaving (a Follow and its
//! Accept or Undo when the group or the member is remote), and moderators.

use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, new_token, record};
use crate::moderation::{LogEntry, log};
use crate::{Store, UserSummary, now_ms};
use guildhall_core::ids::{GroupId, UserId};
use guildhall_core::moderation::Action;
use sqlx::{Any, Transaction};

impl Store {
    /// Subscribes a member; false if they already were. Keeps `member_count`
    /// exact. In a remote group the membership is a Follow, pending until the
    /// group's Accept arrives (`accept_follow`).
    pub async fn join_group(&self, group_id: GroupId, user_id: UserId) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let remote: Option<Option<String>> =
            sqlx::query_scalar("SELECT domain FROM groups WHERE id = $1")
                .bind(group_id)
                .fetch_optional(&mut *tx)
                .await?;
        let remote = remote.ok_or(StoreError::NotFound("group"))?.is_some();
        let token = new_token();
        let added = sqlx::query(
            "INSERT INTO group_members (group_id, user_id, joined_at, pending, follow_id) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING",
        )
        .bind(group_id)
        .bind(user_id)
        .bind(now_ms())
        .bind(remote as i64)
        .bind(remote.then_some(&token))
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if added && remote {
            let payload = serde_json::json!({ "follow": token }).to_string();
            let object = EventObject::Group(group_id);
            record(
                &mut tx,
                EventKind::Follow,
                object,
                Some(user_id),
                Some(&payload),
            )
            .await?;
        } else if added {
            bump_members(&mut tx, group_id, 1).await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// A remote follower unfollowed (Undo Follow); false if it was not one.
    pub async fn remove_follower(&self, group_id: GroupId, user_id: UserId) -> Result<bool> {
        self.leave_group(group_id, user_id).await
    }

    /// Unsubscribes a member; false if they were not one. Leaving a remote
    /// group sends an Undo of the Follow.
    pub async fn leave_group(&self, group_id: GroupId, user_id: UserId) -> Result<bool> {
        self.end_membership(group_id, user_id, true).await
    }

    /// A remote group refused a local member's Follow: the membership goes,
    /// and nothing is sent back (there is no follow to undo).
    pub async fn follow_rejected(&self, group_id: GroupId, user_id: UserId) -> Result<bool> {
        self.end_membership(group_id, user_id, false).await
    }

    /// Ends a membership; for a remote group, `unfollow` queues the
    /// Undo(Follow) that tells it.
    async fn end_membership(
        &self,
        group_id: GroupId,
        user_id: UserId,
        unfollow: bool,
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let removed: Option<(i64, Option<String>)> = sqlx::query_as(
            "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2 RETURNING pending, follow_id",
        )
        .bind(group_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((pending, follow_id)) = removed else {
            return Ok(false);
        };
        if pending == 0 {
            bump_members(&mut tx, group_id, -1).await?;
        } else if !unfollow {
            // A remote group turned a member's Follow down.
            join_decided(&mut tx, group_id, user_id, false).await?;
        }
        if let Some(follow_id) = follow_id.filter(|_| unfollow) {
            let remote: Option<String> =
                sqlx::query_scalar("SELECT domain FROM groups WHERE id = $1")
                    .bind(group_id)
                    .fetch_one(&mut *tx)
                    .await?;
            if remote.is_some() {
                let payload = serde_json::json!({ "follow": follow_id }).to_string();
                let object = EventObject::Group(group_id);
                record(
                    &mut tx,
                    EventKind::Unfollow,
                    object,
                    Some(user_id),
                    Some(&payload),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// A pending membership becomes active: a remote group accepted a local
    /// member's Follow, or a moderator let someone into a private group.
    /// When it was a remote actor's Follow of ours, the group's Accept of it
    /// is queued in the same transaction. False if nobody was pending.
    pub async fn accept_follow(&self, group_id: GroupId, user_id: UserId) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        // RETURNING gives the row as updated, so the kept Follow is cleared
        // in a second statement.
        let accepted: Option<Option<String>> = sqlx::query_scalar(
            "UPDATE group_members SET pending = 0 \
             WHERE group_id = $1 AND user_id = $2 AND pending = 1 RETURNING follow_activity",
        )
        .bind(group_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(follow) = accepted else {
            return Ok(false);
        };
        sqlx::query(
            "UPDATE group_members SET follow_activity = NULL WHERE group_id = $1 AND user_id = $2",
        )
        .bind(group_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        bump_members(&mut tx, group_id, 1).await?;
        if let Some(follow) = follow {
            let object = EventObject::Group(group_id);
            record(&mut tx, EventKind::Accept, object, None, Some(&follow)).await?;
        }
        join_decided(&mut tx, group_id, user_id, true).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// A remote actor asks to follow one of our private groups: the
    /// membership waits for a moderator with the Follow kept to answer. A
    /// repeated Follow replaces the one kept. False if they already belong.
    pub async fn add_pending_follower(
        &self,
        group_id: GroupId,
        user_id: UserId,
        follow_id: &str,
        follow: &str,
    ) -> Result<bool> {
        let now = now_ms();
        let done = sqlx::query(
            "INSERT INTO group_members (group_id, user_id, joined_at, pending, requested_at, follow_id, follow_activity) \
             VALUES ($1, $2, $3, 1, $3, $4, $5) \
             ON CONFLICT (group_id, user_id) DO UPDATE SET follow_id = excluded.follow_id, \
             follow_activity = excluded.follow_activity WHERE group_members.pending = 1",
        )
        .bind(group_id)
        .bind(user_id)
        .bind(now)
        .bind(follow_id)
        .bind(follow)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// A moderator turns down a waiting request; a remote actor's Follow
    /// gets the group's Reject, queued in the same transaction. False if
    /// nobody was waiting.
    pub async fn refuse_pending(&self, group_id: GroupId, user_id: UserId) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let refused: Option<Option<String>> = sqlx::query_scalar(
            "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2 AND pending = 1 \
             RETURNING follow_activity",
        )
        .bind(group_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(follow) = refused else {
            return Ok(false);
        };
        if let Some(follow) = follow {
            let object = EventObject::Group(group_id);
            record(&mut tx, EventKind::Reject, object, None, Some(&follow)).await?;
        }
        join_decided(&mut tx, group_id, user_id, false).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Whether an approved member of `group_id` has an account on `domain`:
    /// that server may read a private group's content (signed fetches).
    pub async fn has_member_on(&self, group_id: GroupId, domain: &str) -> Result<bool> {
        Ok(sqlx::query(
            "SELECT 1 FROM group_members m JOIN users u ON u.id = m.user_id \
             WHERE m.group_id = $1 AND m.pending = 0 AND u.domain = $2",
        )
        .bind(group_id)
        .bind(domain)
        .fetch_optional(&self.pool)
        .await?
        .is_some())
    }

    /// A remote actor follows a local group: it becomes a member and the
    /// group's Accept (of `follow`, the Follow's JSON) is queued in the same
    /// transaction, so the follower is never left pending. A repeated Follow
    /// is accepted again.
    pub async fn add_follower(
        &self,
        group_id: GroupId,
        user_id: UserId,
        follow_id: &str,
        follow: &str,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let joined = sqlx::query(
            "INSERT INTO group_members (group_id, user_id, joined_at, pending, follow_id) VALUES ($1, $2, $3, 0, $4) \
             ON CONFLICT (group_id, user_id) DO NOTHING",
        )
        .bind(group_id)
        .bind(user_id)
        .bind(now_ms())
        .bind(follow_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        // A bump, not a recount: on PostgreSQL two follows committing at
        // once would each count without the other's row.
        if joined {
            bump_members(&mut tx, group_id, 1).await?;
        } else {
            sqlx::query(
                "UPDATE group_members SET follow_id = $1 WHERE group_id = $2 AND user_id = $3",
            )
            .bind(follow_id)
            .bind(group_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        record(
            &mut tx,
            EventKind::Accept,
            EventObject::Group(group_id),
            None,
            Some(follow),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The local member whose Follow (by token) of a remote group is pending.
    pub async fn member_by_follow(&self, group_id: GroupId, token: &str) -> Result<Option<UserId>> {
        Ok(sqlx::query_scalar(
            "SELECT user_id FROM group_members WHERE group_id = $1 AND follow_id = $2",
        )
        .bind(group_id)
        .bind(token)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Whether any local account follows the group.
    pub async fn has_local_members(&self, group_id: GroupId) -> Result<bool> {
        Ok(sqlx::query(
            "SELECT 1 FROM group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = $1 AND u.domain IS NULL",
        )
        .bind(group_id)
        .fetch_optional(&self.pool)
        .await?
        .is_some())
    }

    pub async fn is_member(&self, group_id: GroupId, user_id: UserId) -> Result<bool> {
        self.exists(
            "SELECT 1 FROM group_members WHERE group_id = $1 AND user_id = $2",
            group_id,
            user_id,
        )
        .await
    }

    pub async fn is_moderator(&self, group_id: GroupId, user_id: UserId) -> Result<bool> {
        self.exists(
            "SELECT 1 FROM group_moderators WHERE group_id = $1 AND user_id = $2",
            group_id,
            user_id,
        )
        .await
    }

    /// Whether the member moderates any of our groups.
    pub async fn moderates_any(&self, user_id: UserId) -> Result<bool> {
        Ok(sqlx::query(
            "SELECT 1 FROM group_moderators m JOIN groups g ON g.id = m.group_id \
             WHERE g.domain IS NULL AND m.user_id = $1 LIMIT 1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?
        .is_some())
    }

    async fn exists(&self, sql: &'static str, a: GroupId, b: UserId) -> Result<bool> {
        Ok(sqlx::query(sql)
            .bind(a)
            .bind(b)
            .fetch_optional(&self.pool)
            .await?
            .is_some())
    }

    /// The group's moderators, longest-serving first.
    pub async fn moderators(&self, group_id: GroupId) -> Result<Vec<UserSummary>> {
        Ok(sqlx::query_as::<_, UserSummary>(
            "SELECT u.id, u.username, u.display_name FROM group_moderators m JOIN users u ON u.id = m.user_id \
             WHERE m.group_id = $1 ORDER BY m.added_at, u.id",
        )
        .bind(group_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Makes a member a moderator (on `by`'s word, logged); false if they
    /// already were.
    pub async fn add_moderator(
        &self,
        group_id: GroupId,
        user_id: UserId,
        by: UserId,
    ) -> Result<bool> {
        self.change_moderators(
            "INSERT INTO group_moderators (group_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            (group_id, user_id, by),
            Action::AddModerator,
        )
        .await
    }

    /// Removes a moderator (on `by`'s word, logged); false if they were not
    /// one.
    pub async fn remove_moderator(
        &self,
        group_id: GroupId,
        user_id: UserId,
        by: UserId,
    ) -> Result<bool> {
        self.change_moderators(
            "DELETE FROM group_moderators WHERE group_id = $1 AND user_id = $2 AND $3 = $3",
            (group_id, user_id, by),
            Action::RemoveModerator,
        )
        .await
    }

    /// Our copy of a remote group takes the moderators its server lists
    /// (those with accounts known here), in that order; the server keeps
    /// the list, so nothing here is logged. Refused for a group of ours.
    pub async fn sync_moderators(&self, group_id: GroupId, users: &[UserId]) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let remote: Option<Option<String>> =
            sqlx::query_scalar("SELECT domain FROM groups WHERE id = $1")
                .bind(group_id)
                .fetch_optional(&mut *tx)
                .await?;
        if remote.ok_or(StoreError::NotFound("group"))?.is_none() {
            return Err(StoreError::Rule(
                guildhall_core::error::RuleError::Forbidden(
                    "a group of ours keeps its own moderators".into(),
                ),
            ));
        }
        sqlx::query("DELETE FROM group_moderators WHERE group_id = $1")
            .bind(group_id)
            .execute(&mut *tx)
            .await?;
        let now = now_ms();
        for (i, user) in users.iter().enumerate() {
            sqlx::query(
                "INSERT INTO group_moderators (group_id, user_id, added_at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(group_id)
            .bind(user)
            .bind(now + i as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Runs `sql` (binding the group, the member and now) and logs `action`
    /// if it changed anything.
    async fn change_moderators(
        &self,
        sql: &'static str,
        (group_id, user_id, by): (GroupId, UserId, UserId),
        action: Action,
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let done = sqlx::query(sql)
            .bind(group_id)
            .bind(user_id)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let entry = LogEntry {
            target: Some(user_id),
            ..LogEntry::new(Some(group_id), by, action)
        };
        log(&mut tx, &entry).await?;
        let kind = if action == Action::AddModerator {
            EventKind::AddModerator
        } else {
            EventKind::RemoveModerator
        };
        let payload = serde_json::json!({ "member": user_id.get() }).to_string();
        let object = EventObject::Group(group_id);
        record(&mut tx, kind, object, Some(by), Some(&payload)).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// A notice that a request to join (or a Follow of a remote group) was
/// answered, for the member who asked.
async fn join_decided(
    tx: &mut Transaction<'static, Any>,
    group_id: GroupId,
    user_id: UserId,
    approved: bool,
) -> Result<()> {
    let kind = crate::federation::events::NoticeKind::JoinDecided;
    let said = serde_json::json!({ "member": user_id.get(), "approved": approved });
    let object = EventObject::Group(group_id);
    crate::federation::events::notice(tx, kind, object, None, Some(said)).await?;
    Ok(())
}

async fn bump_members(
    tx: &mut Transaction<'static, Any>,
    group_id: GroupId,
    by: i64,
) -> Result<()> {
    sqlx::query("UPDATE groups SET member_count = member_count + $1 WHERE id = $2")
        .bind(by)
        .bind(group_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
