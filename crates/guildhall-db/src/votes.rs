use crate::error::{Result, StoreError};
use crate::federation::events::{EventKind, EventObject, OwnedVia, Via, record_via};
use crate::moderation::check_not_banned;
use crate::reputation::{VoteChange, record_vote};
use crate::{Store, now_ms};
use guildhall_core::RuleError;
use guildhall_core::ids::{GroupId, ReplyId, ThreadId, UserId};
use guildhall_core::ranking::hot_rank;
use guildhall_core::reputation::Rules;
use guildhall_core::reputation::ledger::Object;
use guildhall_core::votes::{Tally, Vote, check_can_vote, transition};
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
                let ballot = Ballot {
                    voter: user_id,
                    target,
                    new,
                    via: via.as_via(),
                    activity_id: activity_id.as_deref(),
                };
                vote_in(conn, &rules, ballot).await
            })
        }))
        .await
    }
}

/// One vote change as [`Store::vote_via`] was asked for it.
#[derive(Clone, Copy)]
struct Ballot<'a> {
    voter: UserId,
    target: VoteTarget,
    new: Option<Vote>,
    via: Via<'a>,
    /// The remote activity's id; a local vote's comes from its event.
    activity_id: Option<&'a str>,
}

/// The voted object, as read while locking it.
struct Voted {
    author_id: UserId,
    deleted: bool,
    created_at: i64,
    group_id: GroupId,
    /// A merged duplicate idea: the idea its votes went to.
    merged_into: Option<ThreadId>,
}

/// The voter's vote before this change, and what it stands for in the
/// ledger (author's points, voter's points).
struct OldVote {
    vote: Option<Vote>,
    activity_id: Option<String>,
    points: (Option<i64>, Option<i64>),
}

/// The statements of [`Store::vote_via`], inside a transaction: load the
/// facts (the object, the old vote), let the rules decide, then write the
/// event, the tallies, the ledger and the vote row, in that order.
async fn vote_in(conn: &mut AnyConnection, rules: &Rules, ballot: Ballot<'_>) -> Result<Tallies> {
    let Ballot {
        voter, target, new, ..
    } = ballot;
    let voted = lock_object(conn, target).await?;
    check_can_vote(voter, voted.author_id, voted.deleted)?;
    if let (Some(into), Some(_)) = (voted.merged_into, new) {
        return Err(RuleError::Conflict(format!(
            "this idea was merged into idea {into}: vote there"
        ))
        .into());
    }
    check_not_banned(conn, voted.group_id, voter, "vote").await?;
    let old = old_vote(conn, target, voter).await?;
    let delta = transition(old.vote, new)?;

    let token = record_event(conn, &ballot, &voted, &old).await?;
    let activity_id = ballot.activity_id.map(str::to_owned).or(token);
    let (score, upvotes, downvotes) = add_tally(conn, target, delta).await?;
    let change = VoteChange {
        voter,
        author: voted.author_id,
        object: match target {
            VoteTarget::Thread(id) => Object::Thread(id),
            VoteTarget::Reply(id) => Object::Reply(id),
        },
        group: voted.group_id,
        old: old.vote.map(|v| (v, old.points.0, old.points.1)),
        new,
        upvotes_after: upvotes,
    };
    let points = record_vote(conn, rules, change).await?;
    write_vote(conn, &ballot, activity_id, points).await?;

    if let VoteTarget::Thread(id) = target {
        sqlx::query("UPDATE threads SET hot_rank = $1 WHERE id = $2")
            .bind(hot_rank(score, voted.created_at))
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

/// Locks the voted object with a no-op write, so concurrent votes on it
/// queue, and reads what the vote needs of it.
async fn lock_object(conn: &mut AnyConnection, target: VoteTarget) -> Result<Voted> {
    let (objects, _, _, id) = target.parts();
    let group_of = match target {
        VoteTarget::Thread(_) => "group_id",
        VoteTarget::Reply(_) => {
            "(SELECT group_id FROM threads WHERE threads.id = replies.thread_id)"
        }
    };
    let merged_into = match target {
        VoteTarget::Thread(_) => "duplicate_of",
        VoteTarget::Reply(_) => "CAST(NULL AS BIGINT)",
    };
    type Row = (UserId, Option<i64>, i64, GroupId, Option<ThreadId>);
    let found: Option<Row> = sqlx::query_as(AssertSqlSafe(format!(
        "UPDATE {objects} SET score = score WHERE id = $1 \
         RETURNING author_id, deleted_at, created_at, {group_of}, {merged_into}"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let (author_id, deleted_at, created_at, group_id, merged_into) =
        found.ok_or(StoreError::NotFound(if objects == "threads" {
            "thread"
        } else {
            "reply"
        }))?;
    Ok(Voted {
        author_id,
        deleted: deleted_at.is_some(),
        created_at,
        group_id,
        merged_into,
    })
}

/// The voter's current vote on the object. Read after the lock, in a
/// statement of its own: on PostgreSQL a subquery of the locking statement
/// would read from before the lock and miss a vote committed while we
/// waited.
async fn old_vote(conn: &mut AnyConnection, target: VoteTarget, voter: UserId) -> Result<OldVote> {
    let (_, votes, column, id) = target.parts();
    type Row = (i64, Option<String>, Option<i64>, Option<i64>);
    let old: Option<Row> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT value, activity_id, author_points, voter_points FROM {votes} WHERE user_id = $1 AND {column} = $2"
    )))
    .bind(voter)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match old {
        Some((value, activity_id, author_points, voter_points)) => OldVote {
            vote: Some(Vote::from_value(value)?),
            activity_id,
            points: (author_points, voter_points),
        },
        None => OldVote {
            vote: None,
            activity_id: None,
            points: (None, None),
        },
    })
}

/// Records the vote's outbound event; returns the activity id it was given
/// (a local vote's). The event carries the old vote too: an Undo must name
/// what it undoes.
async fn record_event(
    conn: &mut AnyConnection,
    ballot: &Ballot<'_>,
    voted: &Voted,
    old: &OldVote,
) -> Result<Option<String>> {
    let payload = serde_json::json!({
        "new": ballot.new.map(Vote::value),
        "old": old.vote.map(Vote::value),
        "old_activity": old.activity_id,
    })
    .to_string();
    let object = match ballot.target {
        VoteTarget::Thread(id) => EventObject::Thread(id),
        VoteTarget::Reply(id) => EventObject::Reply(id),
    };
    let token = record_via(
        conn,
        ballot.via,
        EventKind::Vote,
        object,
        voted.group_id,
        ballot.voter,
        Some(&payload),
    )
    .await?;
    Ok(token)
}

/// Adds a vote change to the object's tallies; returns them after it
/// (score, upvotes, downvotes).
async fn add_tally(
    conn: &mut AnyConnection,
    target: VoteTarget,
    delta: Tally,
) -> Result<(i64, i64, i64)> {
    let (objects, _, _, id) = target.parts();
    let tallies = sqlx::query_as(AssertSqlSafe(format!(
        "UPDATE {objects} SET score = score + $1, upvotes = upvotes + $2, downvotes = downvotes + $3 \
         WHERE id = $4 RETURNING score, upvotes, downvotes"
    )))
    .bind(delta.score)
    .bind(delta.up)
    .bind(delta.down)
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(tallies)
}

/// Writes the voter's row: the new vote with what it stands for in the
/// ledger (`points`: author's, voter's), or none when the vote is removed.
async fn write_vote(
    conn: &mut AnyConnection,
    ballot: &Ballot<'_>,
    activity_id: Option<String>,
    (author_points, voter_points): (Option<i64>, Option<i64>),
) -> Result<()> {
    let (_, votes, column, id) = ballot.target.parts();
    match ballot.new {
        Some(v) => {
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO {votes} (user_id, {column}, value, created_at, activity_id, author_points, voter_points) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (user_id, {column}) DO UPDATE SET value = excluded.value, \
                 created_at = excluded.created_at, activity_id = excluded.activity_id, \
                 author_points = excluded.author_points, voter_points = excluded.voter_points"
            )))
            .bind(ballot.voter)
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
            .bind(ballot.voter)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}
