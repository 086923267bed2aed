//! Ideas in the store: a thread's `idea_status`, the history of its
//! changes (who, when, from, to, the official response), the `idea_staged`
//! rows a stage gives and takes back, merging a duplicate (its votes move
//! to the idea it repeats), and the event that tells the fediverse. The
//! rules are `guildhall_core::ideas`.

use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, Via, record_via};
use crate::moderation::{LogEntry, log};
use crate::reputation::{Reversal, insert, reverse_votes};
use crate::{Store, now_ms};
use guildhall_core::ideas::{DUPLICATE, Idea, staging};
use guildhall_core::ids::{ThreadId, UserId};
use guildhall_core::moderation::Action;
use guildhall_core::ranking::hot_rank;
use guildhall_core::reputation::ledger::Object;
use sqlx::{AnyConnection, FromRow};

/// One change of an idea's status, as its history lists it.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct StatusChange {
    pub id: i64,
    pub thread_id: ThreadId,
    pub by_id: UserId,
    pub by_name: String,
    pub from_status: String,
    pub to_status: String,
    /// The official response (Markdown, and as HTML); empty for none.
    pub response: String,
    pub response_html: String,
    pub created_at: i64,
}

/// A status change to make: the stage reached, the stage a thread with no
/// stored status is in (the first), and the official response.
#[derive(Debug, Clone, Copy)]
pub struct NewStatus<'a> {
    pub to: &'a str,
    pub initial: &'a str,
    pub response: &'a str,
    pub response_html: &'a str,
    /// For a duplicate: the idea it repeats.
    pub duplicate_of: Option<ThreadId>,
}

impl Store {
    /// Moves `idea` to a stage on behalf of `by` (checked by the caller:
    /// `ideas::may_stage`), with its official response; keeps the change in
    /// its history and settles the author's stage points. False when
    /// nothing changed (the same stage, no response).
    pub async fn set_idea_status(
        &self,
        idea: &Idea,
        status: NewStatus<'_>,
        by: UserId,
        via: Via<'_>,
    ) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        let changed = stage_in(&mut tx, self, idea, status, by).await?;
        if changed {
            record_via(
                &mut tx,
                via,
                EventKind::Update,
                EventObject::Thread(idea.id),
                idea.group,
                by,
                None,
            )
            .await?;
            let kind = crate::federation::events::NoticeKind::IdeaStatus;
            let stage = serde_json::json!({ "stage": status.to });
            let object = EventObject::Thread(idea.id);
            crate::federation::events::notice(&mut tx, kind, object, Some(by), Some(stage)).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    /// Merges `idea` into `into` (both checked by `ideas::check_merge`):
    /// it becomes a `duplicate` pointing at `into`, and its votes move
    /// there, one per member (a member who voted on both keeps the vote on
    /// `into`; the author of `into` keeps none on their own idea). What the
    /// votes gave the duplicate's author is taken back, as for a deleted
    /// post; on `into` they count in its score, not for its author's
    /// reputation (they were cast on someone else's words).
    pub async fn merge_idea(
        &self,
        idea: &Idea,
        into: &Idea,
        status: NewStatus<'_>,
        by: UserId,
        via: Via<'_>,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let status = NewStatus {
            to: DUPLICATE,
            duplicate_of: Some(into.id),
            ..status
        };
        stage_in(&mut tx, self, idea, status, by).await?;
        reverse_votes(
            &mut tx,
            &self.rules,
            Reversal::Post(Object::Thread(idea.id)),
        )
        .await?;
        sqlx::query(
            "INSERT INTO thread_votes (user_id, thread_id, value, created_at) \
             SELECT v.user_id, $1, v.value, v.created_at FROM thread_votes v \
             WHERE v.thread_id = $2 AND v.user_id <> $3 \
             AND NOT EXISTS (SELECT 1 FROM thread_votes w WHERE w.thread_id = $1 AND w.user_id = v.user_id)",
        )
        .bind(into.id)
        .bind(idea.id)
        .bind(into.author)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM thread_votes WHERE thread_id = $1")
            .bind(idea.id)
            .execute(&mut *tx)
            .await?;
        for id in [idea.id, into.id] {
            recount(&mut tx, id).await?;
        }
        record_via(
            &mut tx,
            via,
            EventKind::Update,
            EventObject::Thread(idea.id),
            idea.group,
            by,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An idea's status changes, oldest first.
    pub async fn idea_history(&self, id: ThreadId) -> Result<Vec<StatusChange>> {
        Ok(sqlx::query_as(
            "SELECT c.id, c.thread_id, c.user_id AS by_id, u.username AS by_name, c.from_status, c.to_status, \
             c.response, c.response_html, c.created_at \
             FROM idea_status_changes c JOIN users u ON u.id = c.user_id WHERE c.thread_id = $1 ORDER BY c.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// The statements of a status change, inside a transaction; whether
/// anything changed.
async fn stage_in(
    conn: &mut AnyConnection,
    store: &Store,
    idea: &Idea,
    status: NewStatus<'_>,
    by: UserId,
) -> Result<bool> {
    let now = now_ms();
    // Takes the write lock first (see lib.rs) and reads the current stage.
    let current: Option<(Option<String>, Option<String>)> = sqlx::query_as(
        "UPDATE threads SET idea_status = idea_status WHERE id = $1 AND deleted_at IS NULL \
         RETURNING idea_status, (SELECT domain FROM groups WHERE groups.id = threads.group_id)",
    )
    .bind(idea.id)
    .fetch_optional(&mut *conn)
    .await?;
    let (current, remote_group) = current.ok_or(StoreError::NotFound("thread"))?;
    let from = current.as_deref().unwrap_or(status.initial);
    if from == status.to && status.response.is_empty() {
        return Ok(false);
    }
    let action = match status.duplicate_of {
        Some(_) => Action::MergeIdea,
        None => Action::SetIdeaStatus,
    };
    let detail = serde_json::json!({ "from": from, "to": status.to, "duplicate_of": status.duplicate_of.map(ThreadId::get) });
    let entry = LogEntry {
        target: Some(idea.author),
        object: Some(Object::Thread(idea.id)),
        reason: status.response,
        detail: Some(detail.to_string()),
        ..LogEntry::new(Some(idea.group), by, action)
    };
    log(conn, &entry).await?;
    sqlx::query("UPDATE threads SET idea_status = $1, duplicate_of = $2 WHERE id = $3")
        .bind(status.to)
        .bind(status.duplicate_of)
        .bind(idea.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO idea_status_changes (thread_id, user_id, from_status, to_status, response, response_html, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(idea.id)
    .bind(by)
    .bind(from)
    .bind(status.to)
    .bind(status.response)
    .bind(status.response_html)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    // Reputation is about our groups; and a response alone moves nothing.
    if remote_group.is_none() && from != status.to {
        let standing: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(points), 0) AS BIGINT) FROM reputation_ledger \
             WHERE object_type = 'thread' AND object_id = $1 AND kind = 'idea_staged'",
        )
        .bind(idea.id)
        .fetch_one(&mut *conn)
        .await?;
        insert(conn, &staging(&store.rules, idea, standing, status.to, now)).await?;
    }
    Ok(true)
}

/// Counts a thread's votes again, after votes moved in a merge.
async fn recount(conn: &mut AnyConnection, id: ThreadId) -> Result<()> {
    let (score, created_at): (i64, i64) = sqlx::query_as(
        "UPDATE threads SET \
           upvotes = (SELECT COUNT(*) FROM thread_votes WHERE thread_id = $1 AND value = 1), \
           downvotes = (SELECT COUNT(*) FROM thread_votes WHERE thread_id = $1 AND value = -1), \
           score = (SELECT COALESCE(SUM(value), 0) FROM thread_votes WHERE thread_id = $1) \
         WHERE id = $1 RETURNING score, created_at",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE threads SET hot_rank = $1 WHERE id = $2")
        .bind(hot_rank(score, created_at))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
