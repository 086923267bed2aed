//! Flags and hiding spam, gated by trust level: a member at TL1 may flag a
//! post for the group's moderators; a member at TL3 may hide obvious spam
//! at once (the post is removed as a moderator would, and the removal
//! counts against its author).

use crate::error::{Result, StoreError};
use crate::federation::events::Via;
use crate::moderation::check_not_banned;
use crate::reputation::member;
use crate::{Store, now_ms};
use guildhall_core::RuleError;
use guildhall_core::ids::{GroupId, ThreadId, UserId};
use guildhall_core::reputation::Privilege;
use guildhall_core::reputation::ledger::Object;
use sqlx::FromRow;

/// A flag as moderators see it.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Flag {
    pub id: i64,
    pub object_type: String,
    pub object_id: i64,
    /// The thread it is (in), for a link and a title to show.
    pub thread_id: ThreadId,
    pub thread_title: String,
    pub username: String,
    pub reason: String,
    pub created_at: i64,
}

impl Store {
    /// Flags a live post; false if this member had flagged it already.
    pub async fn flag(&self, user_id: UserId, object: Object, reason: &str) -> Result<bool> {
        self.add_flag(user_id, object, reason, true).await
    }

    /// A report from another server (a Mastodon instance, a Lemmy member):
    /// flagged like a member's, without our trust levels, which rate our
    /// members and not the servers that forward reports.
    pub async fn flag_from_remote(
        &self,
        user_id: UserId,
        object: Object,
        reason: &str,
    ) -> Result<bool> {
        self.add_flag(user_id, object, reason, false).await
    }

    async fn add_flag(
        &self,
        user_id: UserId,
        object: Object,
        reason: &str,
        gated: bool,
    ) -> Result<bool> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > guildhall_core::content::FLAG_REASON_MAX {
            return Err(RuleError::invalid("reason", "say why, in 1 to 500 characters").into());
        }
        let mut tx = self.writer.begin().await?;
        let flagger = member(&mut tx, user_id).await?;
        if gated {
            flagger.check(&self.rules, Privilege::Flag)?;
        } else if flagger.banned {
            return Err(RuleError::Forbidden("banned accounts cannot flag".into()).into());
        }
        let (object_type, id) = object.stored();
        let group_sql = match object {
            Object::Thread(_) => "SELECT group_id, deleted_at FROM threads WHERE id = $1",
            Object::Reply(_) => {
                "SELECT t.group_id, r.deleted_at FROM replies r JOIN threads t ON t.id = r.thread_id WHERE r.id = $1"
            }
        };
        let found: Option<(i64, Option<i64>)> = sqlx::query_as(group_sql)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let (group_id, deleted_at) = found.ok_or(StoreError::NotFound(object_type))?;
        if deleted_at.is_some() {
            return Err(RuleError::Conflict("this post is already deleted".into()).into());
        }
        check_not_banned(&mut tx, GroupId(group_id), user_id, "flag posts").await?;
        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO flags (object_type, object_id, group_id, user_id, reason, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (object_type, object_id, user_id) DO NOTHING RETURNING id",
        )
        .bind(object_type)
        .bind(id)
        .bind(group_id)
        .bind(user_id)
        .bind(reason)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(inserted.is_some())
    }

    /// A group's flags, newest first.
    pub async fn flags(&self, group_id: GroupId, limit: i64) -> Result<Vec<Flag>> {
        Ok(sqlx::query_as::<_, Flag>(
            "SELECT f.id, f.object_type, f.object_id, t.id AS thread_id, t.title AS thread_title, \
               u.username, f.reason, f.created_at \
             FROM flags f JOIN users u ON u.id = f.user_id \
             LEFT JOIN replies r ON f.object_type = 'reply' AND r.id = f.object_id \
             JOIN threads t ON t.id = CASE WHEN f.object_type = 'reply' THEN r.thread_id ELSE f.object_id END \
             WHERE f.group_id = $1 ORDER BY f.id DESC LIMIT $2",
        )
        .bind(group_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.pool)
        .await?)
    }

    /// Hides obvious spam: a member at TL3 removes someone else's post as a
    /// moderator would (a tombstone that federates as a Delete; its votes
    /// reversed; the removal recorded against its author).
    pub async fn hide_spam(&self, user_id: UserId, object: Object) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        member(&mut conn, user_id)
            .await?
            .check(&self.rules, Privilege::HideSpam)?;
        drop(conn);
        match object {
            Object::Thread(id) => self.delete_thread_via(id, Some(user_id), Via::Local).await,
            Object::Reply(id) => self.delete_reply_via(id, Some(user_id), Via::Local).await,
        }
    }
}
