use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, OwnedVia, Via, record_via};
use crate::reputation::{VoteChange, record_vote};
use crate::{Store, now_ms};
use guildhall_core::ids::{GroupId, ReplyId, ThreadId, UserId};
use guildhall_core::ranking::hot_rank;
use guildhall_core::reputation::Rules;
use guildhall_core::reputation::ledger::Object;
use guildhall_core::votes::{Vote, check_can_vote, transition};
use sqlx::{AnyConnection, AssertSqlSafe};

/// Tallies of an object after a vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tallies {
    pub score: i64,
    pub upvotes: i64,
    pub downvotes: i64,
    pub my_vote: Option<i64>,
}

/// What is voted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteTarget {
    Thread(ThreadId),
    Reply(ReplyId),
}

impl VoteTarget {
    /// (object table, vote table, vote table's object column, id)
    fn parts(self) -> (&'static str, &'static str, &'static str, i64) {
        match self {
            VoteTarget::Thread(id) => ("threads", "thread_votes", "thread_id", id.get()),
            VoteTarget::Reply(id) => ("replies", "reply_votes", "reply_id", id.get()),
        }
    }
}

impl Store {
    /// Sets (`Some`) or removes (`None`) a member's vote and updates the
    /// object's tallies in the same transaction. Voting the same way twice,
    /// removing a vote that is not there, voting on one's own post or on a
    /// deleted one are refused by the rules in `guildhall_core::votes`.
    pub async fn vote(
        &self,
        user_id: UserId,
        target: VoteTarget,
        new: Option<Vote>,
    ) -> Result<Tallies> {
        self.vote_via(user_id, target, new, Via::Local, None).await
    }

    /// `vote`, for a local member or a remote actor; `activity_id` is the
    /// remote Like/Dislike's id (a local vote's is made here).
    pub async fn vote_via(
        &self,
        user_id: UserId,
        target: VoteTarget,
        new: Option<Vote>,
        via: Via<'_>,
        activity_id: Option<&str>,
    ) -> Result<Tallies> {
        let via = OwnedVia::of(via);
        let activity_id = activity_id.map(str::to_owned);
        let rules = self.rules.clone();
        self.write(Box::new(move |conn| {
            let (via, activity_id, rules) = (via.clone(), activity_id.clone(), rules.clone());
            Box::pin(async move {
                vote_in(
                    conn,
                    &rules,
                    user_id,
                    target,
                    new,
                    via.as_via(),
                    activity_id.as_deref(),
                )
                .await
            })
        }))
        .await
    }
}

/// The statements of [`Store::vote_via`], inside a transaction.
async fn vote_in(
    conn: &mut AnyConnection,
    rules: &Rules,
    user_id: UserId,
    target: VoteTarget,
    new: Option<Vote>,
    via: Via<'_>,
    activity_id: Option<&str>,
) -> Result<Tallies> {
    let (objects, votes, column, id) = target.parts();
    let group_of = match target {
        VoteTarget::Thread(_) => "group_id",
        VoteTarget::Reply(_) => {
            "(SELECT group_id FROM threads WHERE threads.id = replies.thread_id)"
        }
    };
    // A no-op write first: it locks the object so concurrent votes queue.
    let found: Option<(UserId, Option<i64>, i64, GroupId)> = sqlx::query_as(AssertSqlSafe(format!(
        "UPDATE {objects} SET score = score WHERE id = $1 RETURNING author_id, deleted_at, created_at, {group_of}"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let (author_id, deleted_at, created_at, group_id) =
        found.ok_or(StoreError::NotFound(if objects == "threads" {
            "thread"
        } else {
            "reply"
        }))?;
    check_can_vote(user_id, author_id, deleted_at.is_some())?;

    // Read after the lock, in a statement of its own: on PostgreSQL a
    // subquery of the locking statement would read from before the lock
    // and miss a vote committed while we waited.
    type OldVote = (i64, Option<String>, Option<i64>, Option<i64>);
    let old: Option<OldVote> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT value, activity_id, author_points, voter_points FROM {votes} WHERE user_id = $1 AND {column} = $2"
    )))
    .bind(user_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let (old, old_activity, old_points) = match old {
        Some((value, activity, author_points, voter_points)) => (
            Some(Vote::from_value(value)?),
            activity,
            (author_points, voter_points),
        ),
        None => (None, None, (None, None)),
    };
    let delta = transition(old, new)?;

    // The event carries the old vote too: an Undo must name what it undoes.
    let payload = serde_json::json!({
        "new": new.map(Vote::value),
        "old": old.map(Vote::value),
        "old_activity": old_activity,
    })
    .to_string();
    let object = match target {
        VoteTarget::Thread(id) => EventObject::Thread(id),
        VoteTarget::Reply(id) => EventObject::Reply(id),
    };
    let token = record_via(
        conn,
        via,
        EventKind::Vote,
        object,
        group_id,
        user_id,
        Some(&payload),
    )
    .await?;
    let activity_id = activity_id.map(str::to_owned).or(token);

    let (score, upvotes, downvotes): (i64, i64, i64) = sqlx::query_as(AssertSqlSafe(format!(
            "UPDATE {objects} SET score = score + $1, upvotes = upvotes + $2, downvotes = downvotes + $3 \
             WHERE id = $4 RETURNING score, upvotes, downvotes"
        )))
        .bind(delta.score)
        .bind(delta.up)
        .bind(delta.down)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;

    let change = VoteChange {
        voter: user_id,
        author: author_id,
        object: match target {
            VoteTarget::Thread(id) => Object::Thread(id),
            VoteTarget::Reply(id) => Object::Reply(id),
        },
        group: group_id,
        old: old.map(|v| (v, old_points.0, old_points.1)),
        new,
        upvotes_after: upvotes,
    };
    let (author_points, voter_points) = record_vote(conn, rules, change).await?;

    match new {
        Some(v) => {
            sqlx::query(AssertSqlSafe(format!(
                    "INSERT INTO {votes} (user_id, {column}, value, created_at, activity_id, author_points, voter_points) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (user_id, {column}) DO UPDATE SET value = excluded.value, \
                     created_at = excluded.created_at, activity_id = excluded.activity_id, \
                     author_points = excluded.author_points, voter_points = excluded.voter_points"
                )))
                .bind(user_id)
                .bind(id)
                .bind(v.value())
                .bind(now_ms())
                .bind(activity_id)
                .bind(author_points)
                .bind(voter_points)
                .execute(&mut *conn)
                .await?;
        }
        None => {
            sqlx::query(AssertSqlSafe(format!(
                "DELETE FROM {votes} WHERE user_id = $1 AND {column} = $2"
            )))
            .bind(user_id)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
    }

    if let VoteTarget::Thread(_) = target {
        sqlx::query("UPDATE threads SET hot_rank = $1 WHERE id = $2")
            .bind(hot_rank(score, created_at))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(Tallies {
        score,
        upvotes,
        downvotes,
        my_vote: new.map(Vote::value),
    })
}
