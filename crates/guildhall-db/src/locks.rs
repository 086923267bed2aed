//! Locking and pinning threads: each a moderator's action, logged and told
//! to the group's followers in the same transaction.

use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, Via, record_via};
use crate::moderation::{LogEntry, log};
use crate::{Store, now_ms};
use guildhall_core::ids::{GroupId, ThreadId, UserId};
use guildhall_core::moderation::Action;
use guildhall_core::reputation::ledger::Object;

impl Store {
    /// Locks a thread (with a reason for its author and the moderators) or
    /// unlocks it. False if it already was as asked (nothing is logged).
    pub async fn set_locked(
        &self,
        id: ThreadId,
        by: UserId,
        locked: Option<&str>,
        via: Via<'_>,
    ) -> Result<bool> {
        let now = now_ms();
        let sql = match locked {
            Some(_) => {
                "UPDATE threads SET locked_at = $1, lock_reason = $2 \
                 WHERE id = $3 AND deleted_at IS NULL AND locked_at IS NULL RETURNING group_id, author_id"
            }
            None => {
                "UPDATE threads SET locked_at = NULL, lock_reason = NULL \
                 WHERE id = $3 AND deleted_at IS NULL AND locked_at IS NOT NULL AND $1 = $1 AND $2 = $2 \
                 RETURNING group_id, author_id"
            }
        };
        let (action, kind) = match locked {
            Some(_) => (Action::LockThread, EventKind::Lock),
            None => (Action::UnlockThread, EventKind::Unlock),
        };
        let reason = locked.unwrap_or("");
        self.thread_action(id, sql, (now, reason), (by, action, kind), via)
            .await
    }

    /// Pins a thread to the top of its group, or unpins it. False if it
    /// already was as asked.
    pub async fn set_pinned(
        &self,
        id: ThreadId,
        by: UserId,
        pinned: bool,
        via: Via<'_>,
    ) -> Result<bool> {
        let sql = if pinned {
            "UPDATE threads SET pinned_at = $1 \
             WHERE id = $3 AND deleted_at IS NULL AND pinned_at IS NULL AND $2 = $2 RETURNING group_id, author_id"
        } else {
            "UPDATE threads SET pinned_at = NULL \
             WHERE id = $3 AND deleted_at IS NULL AND pinned_at IS NOT NULL AND $1 = $1 AND $2 = $2 \
             RETURNING group_id, author_id"
        };
        let (action, kind) = if pinned {
            (Action::PinThread, EventKind::Pin)
        } else {
            (Action::UnpinThread, EventKind::Unpin)
        };
        self.thread_action(id, sql, (now_ms(), ""), (by, action, kind), via)
            .await
    }

    /// Runs one of the updates above (`sql` binds now, the reason, the id),
    /// then logs the action and records its event if it changed anything.
    async fn thread_action(
        &self,
        id: ThreadId,
        sql: &'static str,
        (now, reason): (i64, &str),
        (by, action, kind): (UserId, Action, EventKind),
        via: Via<'_>,
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let changed: Option<(GroupId, UserId)> = sqlx::query_as(sql)
            .bind(now)
            .bind(reason)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let Some((group, author)) = changed else {
            // Unchanged: say whether the thread is there at all.
            let live: Option<i64> =
                sqlx::query_scalar("SELECT id FROM threads WHERE id = $1 AND deleted_at IS NULL")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            return match live {
                Some(_) => Ok(false),
                None => Err(StoreError::NotFound("thread")),
            };
        };
        let entry = LogEntry {
            target: Some(author),
            object: Some(Object::Thread(id)),
            reason,
            ..LogEntry::new(Some(group), by, action)
        };
        log(&mut tx, &entry).await?;
        let payload = serde_json::json!({ "reason": reason }).to_string();
        let object = EventObject::Thread(id);
        record_via(&mut tx, via, kind, object, group, by, Some(&payload)).await?;
        // The author hears of a lock (pins are no news to them).
        let said = match kind {
            EventKind::Lock => Some("locked"),
            EventKind::Unlock => Some("unlocked"),
            _ => None,
        };
        if let Some(action) = said {
            let what = serde_json::json!({ "action": action, "reason": reason });
            let notice = crate::federation::events::NoticeKind::Moderated;
            crate::federation::events::notice(&mut tx, notice, object, Some(by), Some(what))
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}
