//! Flags and hiding spam, gated by trust level: a member at TL1 may flag a
//! post for the group's moderators; a member at TL3 may hide obvious spam
//! at once (the post is removed as a moderator would, and the removal
//! counts against its author).

use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, Via, record};
use crate::moderation::check_not_banned;
use crate::moderation::{LogEntry, log};
use crate::reputation::member;
use crate::{Store, now_ms};
use guildhall_core::RuleError;
use guildhall_core::ids::{GroupId, ThreadId, UserId};
use guildhall_core::moderation::Action;
use guildhall_core::reputation::Privilege;
use guildhall_core::reputation::ledger::Object;
use sqlx::{AssertSqlSafe, FromRow};

/// A flag (a report) as moderators see it.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct Flag {
    pub id: i64,
    pub object_type: String,
    pub object_id: i64,
    /// The thread it is (in), for a link and a title to show; a removed
    /// post's title and text as they were (moderators see them).
    pub thread_id: ThreadId,
    pub thread_title: String,
    pub excerpt: String,
    /// Who wrote the post, and whether it lives on another server (its
    /// author's or its group's), where it can be reported too.
    pub author: String,
    pub remote: i64,
    /// Who flagged it, why, and when.
    pub username: String,
    pub reason: String,
    pub created_at: i64,
    /// How many others flagged the same post and are still waiting.
    pub others: i64,
    /// `open`, `resolved` or `dismissed`, by whom, with what note.
    pub status: String,
    pub resolved_by: Option<String>,
    pub resolution_note: Option<String>,
    pub resolved_at: Option<i64>,
}

/// What a moderator made of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// Acted on (the note says how).
    Resolved,
    /// Nothing to do.
    Dismissed,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Resolved => "resolved",
            Resolution::Dismissed => "dismissed",
        }
    }
}

/// A flag's outcome to record.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    pub flag: i64,
    pub group: GroupId,
    pub by: UserId,
    pub resolution: Resolution,
    pub note: &'a str,
    /// Also report the post to its home server (a `Flag` from `by`).
    pub forward: bool,
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

    /// A group's flags, newest first: the open ones, or those dealt with.
    pub async fn flags(&self, group_id: GroupId, open: bool, limit: i64) -> Result<Vec<Flag>> {
        let state = if open {
            "f.resolved_at IS NULL"
        } else {
            "f.resolved_at IS NOT NULL"
        };
        let sql = format!(
            "SELECT f.id, f.object_type, f.object_id, t.id AS thread_id, \
               COALESCE(rt.title, t.title) AS thread_title, \
               SUBSTR(CASE WHEN f.object_type = 'reply' THEN COALESCE(rr.body, r.body) \
                           ELSE COALESCE(rt.body, t.body) END, 1, 280) AS excerpt, \
               a.username AS author, \
               CAST(CASE WHEN a.domain IS NOT NULL OR g.domain IS NOT NULL THEN 1 ELSE 0 END AS BIGINT) AS remote, \
               u.username, f.reason, f.created_at, \
               CAST((SELECT COUNT(*) FROM flags o WHERE o.object_type = f.object_type AND o.object_id = f.object_id \
                      AND o.id <> f.id AND o.resolved_at IS NULL) AS BIGINT) AS others, \
               COALESCE(f.resolution, 'open') AS status, m.username AS resolved_by, f.resolution_note, f.resolved_at \
             FROM flags f JOIN users u ON u.id = f.user_id JOIN groups g ON g.id = f.group_id \
             LEFT JOIN replies r ON f.object_type = 'reply' AND r.id = f.object_id \
             JOIN threads t ON t.id = CASE WHEN f.object_type = 'reply' THEN r.thread_id ELSE f.object_id END \
             JOIN users a ON a.id = CASE WHEN f.object_type = 'reply' THEN r.author_id ELSE t.author_id END \
             LEFT JOIN removed_posts rt ON rt.object_type = 'thread' AND rt.object_id = t.id \
             LEFT JOIN removed_posts rr ON f.object_type = 'reply' AND rr.object_type = 'reply' AND rr.object_id = f.object_id \
             LEFT JOIN users m ON m.id = f.resolved_by \
             WHERE f.group_id = $1 AND {state} ORDER BY f.id DESC LIMIT $2"
        );
        Ok(sqlx::query_as::<_, Flag>(AssertSqlSafe(sql))
            .bind(group_id)
            .bind(limit.clamp(1, 500))
            .fetch_all(&self.pool)
            .await?)
    }

    /// Records a moderator's outcome of an open flag of `group` (logged);
    /// with `forward`, reports the post to its home server too.
    pub async fn resolve_flag(&self, outcome: Outcome<'_>) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let found: Option<(String, i64, UserId)> = sqlx::query_as(
            "UPDATE flags SET resolved_at = $1, resolved_by = $2, resolution = $3, resolution_note = $4 \
             WHERE id = $5 AND group_id = $6 AND resolved_at IS NULL RETURNING object_type, object_id, user_id",
        )
        .bind(now_ms())
        .bind(outcome.by)
        .bind(outcome.resolution.as_str())
        .bind(outcome.note)
        .bind(outcome.flag)
        .bind(outcome.group)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((object_type, object_id, reporter)) = found else {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM flags WHERE id = $1 AND group_id = $2")
                    .bind(outcome.flag)
                    .bind(outcome.group)
                    .fetch_optional(&mut *tx)
                    .await?;
            return Err(match exists {
                Some(_) => RuleError::Conflict("this report was already dealt with".into()).into(),
                None => StoreError::NotFound("report"),
            });
        };
        let object = match object_type.as_str() {
            "reply" => Object::Reply(guildhall_core::ids::ReplyId(object_id)),
            _ => Object::Thread(ThreadId(object_id)),
        };
        let action = match outcome.resolution {
            Resolution::Resolved => Action::ResolveReport,
            Resolution::Dismissed => Action::DismissReport,
        };
        let detail = serde_json::json!({ "report": outcome.flag, "reporter": reporter.get(), "forwarded": outcome.forward });
        let entry = LogEntry {
            object: Some(object),
            reason: outcome.note,
            detail: Some(detail.to_string()),
            ..LogEntry::new(Some(outcome.group), outcome.by, action)
        };
        log(&mut tx, &entry).await?;
        if outcome.forward {
            let event = match object {
                Object::Thread(id) => EventObject::Thread(id),
                Object::Reply(id) => EventObject::Reply(id),
            };
            let payload = serde_json::json!({ "reason": outcome.note }).to_string();
            record(
                &mut tx,
                EventKind::Report,
                event,
                Some(outcome.by),
                Some(&payload),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
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
