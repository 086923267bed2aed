//! Taking a post down, and putting it back.
//!
//! Its author *deletes* a post: the text is gone for good. A moderator (or
//! a trusted member hiding spam) *removes* it: every reader sees the same
//! tombstone, but the text is kept aside in `removed_posts` so that a
//! moderator can *restore* it. Both reverse what the post's votes gave; a
//! removal also counts against its author (`post_removed`), which a
//! restore takes back (`post_restored`) along with giving the votes back.

use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, Via, record_via};
use crate::moderation::{LogEntry, log};
use crate::questions::answer_deleted;
use crate::reputation::{VoteChange, insert, record_vote, removed};
use crate::{Store, now_ms};
use guildhall_core::RuleError;
use guildhall_core::ids::{GroupId, ReplyId, ThreadId, UserId};
use guildhall_core::moderation::Action;
use guildhall_core::reputation::Rules;
use guildhall_core::reputation::ledger::Object;
use guildhall_core::reputation::votes::post_restored;
use guildhall_core::votes::Vote;
use sqlx::{AnyConnection, AssertSqlSafe};

/// What removals took off a thread and its replies (see
/// [`Store::removed_text`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemovedText {
    /// The thread's title and HTML, if it is removed.
    pub thread: Option<(String, String)>,
    /// Each removed reply's HTML.
    pub replies: std::collections::HashMap<ReplyId, String>,
}

/// A post as a take-down or restore reads it, after locking its row.
struct Held {
    group: GroupId,
    author: UserId,
    deleted: bool,
    removed: bool,
    title: Option<String>,
    body: String,
    body_html: String,
}

/// Locks a post's row with a no-op write and reads it.
async fn hold(conn: &mut AnyConnection, object: Object) -> Result<Held> {
    type Row = (
        GroupId,
        UserId,
        Option<i64>,
        Option<i64>,
        Option<String>,
        String,
        String,
    );
    let row: Option<Row> = match object {
        Object::Thread(id) => {
            sqlx::query_as(
                "UPDATE threads SET deleted_at = deleted_at WHERE id = $1 \
                 RETURNING group_id, author_id, deleted_at, removed_at, title, body, body_html",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
        }
        Object::Reply(id) => {
            sqlx::query_as(
                "UPDATE replies SET deleted_at = deleted_at WHERE id = $1 \
                 RETURNING (SELECT group_id FROM threads t WHERE t.id = replies.thread_id), \
                   author_id, deleted_at, removed_at, CAST(NULL AS TEXT), body, body_html",
            )
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
        }
    };
    let (group, author, deleted_at, removed_at, title, body, body_html) =
        row.ok_or(StoreError::NotFound(object.stored().0))?;
    Ok(Held {
        group,
        author,
        deleted: deleted_at.is_some(),
        removed: removed_at.is_some(),
        title,
        body,
        body_html,
    })
}

/// Takes a live post down, inside a transaction: a deletion when `by` is
/// its author or nobody, else a removal whose text is kept for a restore.
/// `(reason, logged)`: why, and whether the mod log records it (a ban that
/// removes a member's posts logs itself once instead).
pub(crate) async fn take_down(
    conn: &mut AnyConnection,
    rules: &Rules,
    object: Object,
    by: Option<UserId>,
    (reason, logged): (&str, bool),
    via: Via<'_>,
) -> Result<()> {
    let held = hold(conn, object).await?;
    if held.deleted {
        return Err(StoreError::NotFound(object.stored().0));
    }
    let removal = by.filter(|&b| b != held.author);
    let now = now_ms();
    let (table, id) = table_of(object);
    if removal.is_some() {
        sqlx::query(
            "INSERT INTO removed_posts (object_type, object_id, title, body, body_html) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (object_type, object_id) DO UPDATE SET title = excluded.title, body = excluded.body, \
             body_html = excluded.body_html",
        )
        .bind(object.stored().0)
        .bind(id)
        .bind(held.title.as_deref())
        .bind(&held.body)
        .bind(&held.body_html)
        .execute(&mut *conn)
        .await?;
    }
    let title = if table == "threads" {
        "title = '[deleted]', "
    } else {
        ""
    };
    let sql = format!(
        "UPDATE {table} SET {title}body = '', body_html = '', deleted_at = $1, removed_at = $2 WHERE id = $3"
    );
    sqlx::query(AssertSqlSafe(sql))
        .bind(now)
        .bind(removal.map(|_| now))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    if table == "threads" {
        count_thread(conn, held.group, -1).await?;
    }
    removed(conn, rules, object, held.group, held.author, by).await?;
    if let Object::Reply(reply) = object {
        answer_deleted(conn, rules, reply).await?;
    }
    if let (Some(moderator), true) = (removal, logged) {
        let entry = LogEntry {
            target: Some(held.author),
            object: Some(object),
            reason,
            ..LogEntry::new(Some(held.group), moderator, Action::RemovePost)
        };
        log(conn, &entry).await?;
        let what = serde_json::json!({ "action": "removed", "reason": reason });
        let kind = crate::federation::events::NoticeKind::Moderated;
        let notice_of = event_object(object);
        crate::federation::events::notice(conn, kind, notice_of, Some(moderator), Some(what))
            .await?;
    }
    let payload = removal.map(|_| serde_json::json!({ "reason": reason }).to_string());
    let actor = by.unwrap_or(held.author);
    let event = event_object(object);
    let kind = EventKind::Delete;
    record_via(
        conn,
        via,
        kind,
        event,
        held.group,
        actor,
        payload.as_deref(),
    )
    .await?;
    Ok(())
}

/// The live posts of `member` in `group`: what a ban with removal takes.
pub(crate) async fn live_posts_in(
    conn: &mut AnyConnection,
    group: GroupId,
    member: UserId,
) -> Result<Vec<Object>> {
    let threads: Vec<ThreadId> = sqlx::query_scalar(
        "SELECT id FROM threads WHERE group_id = $1 AND author_id = $2 AND deleted_at IS NULL",
    )
    .bind(group)
    .bind(member)
    .fetch_all(&mut *conn)
    .await?;
    let replies: Vec<ReplyId> = sqlx::query_scalar(
        "SELECT r.id FROM replies r JOIN threads t ON t.id = r.thread_id \
         WHERE t.group_id = $1 AND r.author_id = $2 AND r.deleted_at IS NULL",
    )
    .bind(group)
    .bind(member)
    .fetch_all(&mut *conn)
    .await?;
    Ok(replies
        .into_iter()
        .map(Object::Reply)
        .chain(threads.into_iter().map(Object::Thread))
        .collect())
}

impl Store {
    /// What removals took off a thread and its replies, kept for a restore:
    /// the thread's title and text (if it is removed), and each removed
    /// reply's text, for the moderators' eyes.
    pub async fn removed_text(&self, thread: ThreadId) -> Result<RemovedText> {
        let own: Option<(Option<String>, String)> = sqlx::query_as(
            "SELECT title, body_html FROM removed_posts WHERE object_type = 'thread' AND object_id = $1",
        )
        .bind(thread)
        .fetch_optional(&self.pool)
        .await?;
        let replies: Vec<(ReplyId, String)> = sqlx::query_as(
            "SELECT p.object_id, p.body_html FROM removed_posts p JOIN replies r ON r.id = p.object_id \
             WHERE p.object_type = 'reply' AND r.thread_id = $1",
        )
        .bind(thread)
        .fetch_all(&self.pool)
        .await?;
        Ok(RemovedText {
            thread: own.map(|(title, html)| (title.unwrap_or_default(), html)),
            replies: replies.into_iter().collect(),
        })
    }

    /// A moderator removes a live post, with a reason: its text is kept
    /// for a restore, and the removal is logged and counted against its
    /// author.
    pub async fn remove_post(
        &self,
        object: Object,
        by: UserId,
        reason: &str,
        via: Via<'_>,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        take_down(&mut tx, &self.rules, object, Some(by), (reason, true), via).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A moderator restores a removed post: its text comes back, its votes
    /// count again, the removal no longer counts against its author, and
    /// the restore is logged. A post its author deleted cannot come back.
    pub async fn restore_post(
        &self,
        object: Object,
        by: UserId,
        reason: &str,
        via: Via<'_>,
    ) -> Result<()> {
        let mut tx = self.writer.begin().await?;
        let held = hold(&mut tx, object).await?;
        if !held.removed {
            let why = if held.deleted {
                "its author deleted this post: only a post a moderator removed can be restored"
            } else {
                "this post is not removed"
            };
            return Err(RuleError::Conflict(why.into()).into());
        }
        let (table, id) = table_of(object);
        let kept: Option<(Option<String>, String, String)> = sqlx::query_as(
            "DELETE FROM removed_posts WHERE object_type = $1 AND object_id = $2 RETURNING title, body, body_html",
        )
        .bind(object.stored().0)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let (title, body, body_html) = kept.ok_or(StoreError::NotFound("removed text"))?;
        let title_sql = if table == "threads" {
            "title = $4, "
        } else {
            ""
        };
        let sql = format!(
            "UPDATE {table} SET {title_sql}body = $1, body_html = $2, deleted_at = NULL, removed_at = NULL WHERE id = $3"
        );
        let mut restore = sqlx::query(AssertSqlSafe(sql))
            .bind(&body)
            .bind(&body_html)
            .bind(id);
        if table == "threads" {
            restore = restore.bind(title.unwrap_or_default());
        }
        restore.execute(&mut *tx).await.map_err(|e| {
            StoreError::taken_or(
                e,
                "its author has reviewed this product again since: restoring would make two reviews",
            )
        })?;
        if table == "threads" {
            count_thread(&mut tx, held.group, 1).await?;
        }
        give_back(&mut tx, &self.rules, object, &held, by).await?;
        let entry = LogEntry {
            target: Some(held.author),
            object: Some(object),
            reason,
            ..LogEntry::new(Some(held.group), by, Action::RestorePost)
        };
        log(&mut tx, &entry).await?;
        let payload = serde_json::json!({ "reason": reason }).to_string();
        let event = event_object(object);
        let kind = EventKind::Restore;
        record_via(&mut tx, via, kind, event, held.group, by, Some(&payload)).await?;
        let what = serde_json::json!({ "action": "restored", "reason": reason });
        let kind = crate::federation::events::NoticeKind::Moderated;
        crate::federation::events::notice(&mut tx, kind, event, Some(by), Some(what)).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// What a restore gives back: the removal's penalty, and what the post's
/// votes give now (as if cast again; a voter since banned gives nothing).
async fn give_back(
    conn: &mut AnyConnection,
    rules: &Rules,
    object: Object,
    held: &Held,
    by: UserId,
) -> Result<()> {
    let (object_type, id) = object.stored();
    let took: Option<i64> = sqlx::query_scalar(
        "SELECT points FROM reputation_ledger WHERE object_type = $1 AND object_id = $2 \
         AND kind = 'post_removed' ORDER BY id DESC LIMIT 1",
    )
    .bind(object_type)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(took) = took {
        let line = post_restored(object, held.group, held.author, by, took, now_ms());
        insert(conn, &[line]).await?;
    }
    let (votes, column) = match object {
        Object::Thread(_) => ("thread_votes", "thread_id"),
        Object::Reply(_) => ("reply_votes", "reply_id"),
    };
    let sql = format!("SELECT user_id, value FROM {votes} WHERE {column} = $1");
    let cast: Vec<(UserId, i64)> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let upvotes = cast.iter().filter(|(_, v)| *v == 1).count() as i64;
    for (voter, value) in cast {
        let change = VoteChange {
            voter,
            author: held.author,
            object,
            group: held.group,
            old: None,
            new: Some(Vote::from_value(value)?),
            upvotes_after: upvotes,
        };
        let (author_points, voter_points) = match record_vote(conn, rules, change).await {
            Ok(points) => points,
            // The voter may no longer vote (banned since): nothing to give.
            Err(StoreError::Rule(_)) => continue,
            Err(e) => return Err(e),
        };
        let sql = format!(
            "UPDATE {votes} SET author_points = $1, voter_points = $2 WHERE {column} = $3 AND user_id = $4"
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(author_points)
            .bind(voter_points)
            .bind(id)
            .bind(voter)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

async fn count_thread(conn: &mut AnyConnection, group: GroupId, by: i64) -> Result<()> {
    sqlx::query("UPDATE groups SET thread_count = thread_count + $1 WHERE id = $2")
        .bind(by)
        .bind(group)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn table_of(object: Object) -> (&'static str, i64) {
    match object {
        Object::Thread(id) => ("threads", id.get()),
        Object::Reply(id) => ("replies", id.get()),
    }
}

fn event_object(object: Object) -> EventObject {
    match object {
        Object::Thread(id) => EventObject::Thread(id),
        Object::Reply(id) => EventObject::Reply(id),
    }
}
