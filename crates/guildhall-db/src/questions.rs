//! Accepted answers in the store: the thread's `accepted_*` columns, the
//! ledger rows an acceptance writes and the rows that take it back, and the
//! event that tells the fediverse, in one transaction. The rules (who may,
//! which reply, what it is worth) are `guildhall_core::questions`.

use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, Via, record_via};
use crate::moderation::{LogEntry, log};
use crate::reputation::{award, insert, member};
use crate::{Store, now_ms};
use guildhall_core::RuleError;
use guildhall_core::ids::{ReplyId, ThreadId, UserId};
use guildhall_core::moderation::Action;
use guildhall_core::questions::{Candidate, Question, acceptance, check_candidate, withdrawal};
use guildhall_core::reputation::Rules;
use guildhall_core::reputation::badges::BadgeAward;
use guildhall_core::reputation::ledger::{Entry, Kind, KindName, Object};
use sqlx::{AnyConnection, Row as _};

impl Store {
    /// Makes `answer` the accepted answer of `question` (or, with `None`,
    /// leaves it without one), on behalf of `by`, whom the caller has
    /// checked may decide (`questions::may_decide`). What a previous
    /// acceptance gave is taken back first. False when nothing changed (that
    /// reply was already the answer, or there was none to take back).
    pub async fn set_answer(
        &self,
        question: &Question,
        answer: Option<ReplyId>,
        by: UserId,
        via: Via<'_>,
    ) -> Result<bool> {
        let now = now_ms();
        let mut tx = self.writer.begin().await?;
        // Takes the write lock first (see lib.rs) and reads the current
        // answer and whether the group is another instance's.
        let current: Option<(Option<ReplyId>, Option<String>)> = sqlx::query_as(
            "UPDATE threads SET accepted_at = accepted_at WHERE id = $1 AND deleted_at IS NULL \
             RETURNING accepted_reply_id, (SELECT domain FROM groups WHERE groups.id = threads.group_id)",
        )
        .bind(question.id)
        .fetch_optional(&mut *tx)
        .await?;
        let (current, remote) = current.ok_or(StoreError::NotFound("thread"))?;
        if current == answer {
            return Ok(false);
        }
        let candidate = match answer {
            Some(id) => Some(candidate(&mut tx, id).await?),
            None => None,
        };
        if let Some(c) = &candidate {
            check_candidate(question, c)?;
        }
        if let Some(old) = current {
            withdraw(&mut tx, &self.rules, old, now).await?;
        }
        sqlx::query(
            "UPDATE threads SET accepted_reply_id = $1, accepted_by = $2, accepted_at = $3 WHERE id = $4",
        )
        .bind(answer)
        .bind(answer.map(|_| by))
        .bind(answer.map(|_| now))
        .bind(question.id)
        .execute(&mut *tx)
        .await?;
        // The asker decides their own question; anyone else who does is
        // acting as a moderator, which the log keeps.
        if by != question.asker {
            let (action, reply) = match answer {
                Some(id) => (Action::AcceptAnswer, Some(id)),
                None => (Action::WithdrawAnswer, current),
            };
            let entry = LogEntry {
                target: Some(question.asker),
                object: reply.map(Object::Reply),
                ..LogEntry::new(Some(question.group), by, action)
            };
            log(&mut tx, &entry).await?;
        }
        // Reputation is about our groups: a remote group's copy of an
        // acceptance is its own instance's to count.
        if let (Some(c), None) = (&candidate, remote) {
            let lines = acceptance(&self.rules, question, c, by, now);
            if !lines.is_empty() {
                // Badges follow the count, read before the acceptance's rows.
                let author = member(&mut tx, c.author).await?;
                insert(&mut tx, &lines).await?;
                for badge in author.badges_after_acceptance(now) {
                    let prize = BadgeAward {
                        member: c.author,
                        key: badge.key,
                        object: None,
                        group: Some(question.group),
                        granted_by: None,
                    };
                    award(&mut tx, &prize, now).await?;
                }
            }
        }
        record_via(
            &mut tx,
            via,
            EventKind::Update,
            EventObject::Thread(question.id),
            question.group,
            by,
            None,
        )
        .await?;
        if let Some(id) = answer {
            let kind = crate::federation::events::NoticeKind::AnswerAccepted;
            let object = EventObject::Reply(id);
            crate::federation::events::notice(&mut tx, kind, object, Some(by), None).await?;
        }
        tx.commit().await?;
        Ok(true)
    }
}

/// A reply as a candidate answer; an unknown id is the caller's mistake.
async fn candidate(conn: &mut AnyConnection, id: ReplyId) -> Result<Candidate> {
    let row = sqlx::query("SELECT thread_id, author_id, deleted_at FROM replies WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| RuleError::invalid("reply_id", format!("there is no reply {id}")))?;
    Ok(Candidate {
        id,
        thread: row.try_get("thread_id")?,
        author: row.try_get("author_id")?,
        deleted: row.try_get::<Option<i64>, _>("deleted_at")?.is_some(),
    })
}

/// Reverses what the standing acceptance of `reply` gave: its rows written
/// since the reply was last taken back (none when it was one's own).
pub(crate) async fn withdraw(
    conn: &mut AnyConnection,
    rules: &Rules,
    reply: ReplyId,
    now: i64,
) -> Result<()> {
    let rows = sqlx::query(
        "SELECT member_id, group_id, source_id, kind, points, created_at FROM reputation_ledger \
         WHERE object_type = 'reply' AND object_id = $1 AND kind IN ('answer_accepted', 'answer_accepted_by') \
         AND id > COALESCE((SELECT MAX(id) FROM reputation_ledger WHERE object_type = 'reply' \
                            AND object_id = $1 AND kind = 'answer_withdrawn'), 0) \
         ORDER BY id",
    )
    .bind(reply)
    .fetch_all(&mut *conn)
    .await?;
    let standing = rows
        .iter()
        .map(|row| {
            let kind: String = row.try_get("kind")?;
            let kind = Kind::from_stored(kind.parse::<KindName>()?, None, 0)?;
            let entry = Entry {
                member: row.try_get("member_id")?,
                group: row.try_get("group_id")?,
                source: row.try_get("source_id")?,
                object: Some(Object::Reply(reply)),
                kind,
                at: row.try_get("created_at")?,
                weight: 100,
                instance: None,
            };
            Ok((entry, row.try_get::<i64, _>("points")?))
        })
        .collect::<Result<Vec<_>>>()?;
    insert(conn, &withdrawal(rules, &standing, now)).await
}

/// A reply is deleted: if it was its question's accepted answer, the
/// question has none any more and what the acceptance gave is taken back.
pub(crate) async fn answer_deleted(
    conn: &mut AnyConnection,
    rules: &Rules,
    reply: ReplyId,
) -> Result<()> {
    let question: Option<ThreadId> = sqlx::query_scalar(
        "UPDATE threads SET accepted_reply_id = NULL, accepted_by = NULL, accepted_at = NULL \
         WHERE accepted_reply_id = $1 RETURNING id",
    )
    .bind(reply)
    .fetch_optional(&mut *conn)
    .await?;
    if question.is_some() {
        withdraw(conn, rules, reply, now_ms()).await?;
    }
    Ok(())
}
