//! A vote's way into the ledger: the facts `decide_vote` needs, loaded in
//! one query after the vote is locked; the rows and badges it returns,
//! written. And the reverse: a deleted post's or a banned voter's standing
//! votes, loaded and withdrawn.

use super::{ATTESTATION_COLUMNS, ATTESTATION_JOIN, STATS_COLUMNS, StatsRow, attested};
use super::{award, insert};
use crate::error::{Result, StoreError};
use crate::now_ms;
use guildhall_core::ids::{GroupId, ReplyId, ThreadId, UserId};
use guildhall_core::reputation::Rules;
use guildhall_core::reputation::defences::Pair;
use guildhall_core::reputation::ledger::{DAY_MS, Object};
use guildhall_core::reputation::member::Member;
use guildhall_core::reputation::votes::{
    StandingVote, VoteChange, VoteFacts, decide_vote, post_removed, withdrawals,
};
use guildhall_core::votes::Vote;
use sqlx::{AnyConnection, AssertSqlSafe, FromRow, Row as _};

/// Writes the ledger rows and badges of a vote change and returns what the
/// new vote stands for (author's points, voter's points), to keep on its
/// row. Refused as `decide_vote` refuses.
pub(crate) async fn record_vote(
    conn: &mut AnyConnection,
    rules: &Rules,
    change: VoteChange,
) -> Result<(Option<i64>, Option<i64>)> {
    let now = now_ms();
    let facts = vote_facts(conn, rules, &change, now).await?;
    let outcome = decide_vote(rules, &change, &facts, now)?;
    insert(conn, &outcome.lines).await?;
    for badge in &outcome.badges {
        award(conn, badge, now).await?;
    }
    Ok(outcome.standing)
}

/// The facts of a vote change that are read from other tables, as one row.
#[derive(Debug, FromRow)]
struct FactsRow {
    /// The voter's.
    #[sqlx(flatten)]
    stats: StatsRow,
    banned_at: Option<i64>,
    suspended_until: Option<i64>,
    domain: Option<String>,
    blocked: i64,
    earned_today: i64,
    instance_today: i64,
    from_voter: i64,
    author_received: i64,
    from_author: i64,
    voter_received: i64,
    author_upvotes: i64,
    group_domain: Option<String>,
    partner_percent: Option<i64>,
}

/// The facts of `change` at `now`, in one round trip.
async fn vote_facts(
    conn: &mut AnyConnection,
    rules: &Rules,
    change: &VoteChange,
    now: i64,
) -> Result<VoteFacts> {
    let day = now.div_euclid(DAY_MS);
    let since = day - rules.ring_window_days.max(1) + 1;
    let sql = format!(
        "SELECT {STATS_COLUMNS}, u.banned_at, u.suspended_until, u.domain, \
           CAST(CASE WHEN EXISTS (SELECT 1 FROM instances i WHERE i.domain = u.domain AND i.policy = 'block') \
                THEN 1 ELSE 0 END AS BIGINT) AS blocked, \
           CAST(COALESCE((SELECT vote_gains FROM reputation_days WHERE member_id = $2 AND group_id = 0 AND day = $3), 0) AS BIGINT) AS earned_today, \
           CAST(COALESCE((SELECT points FROM reputation_instance_days WHERE domain = u.domain AND day = $3), 0) AS BIGINT) AS instance_today, \
           CAST(COALESCE((SELECT SUM(upvotes) FROM reputation_pairs WHERE member_id = $2 AND source_id = $1 AND day >= $4), 0) AS BIGINT) AS from_voter, \
           CAST(COALESCE((SELECT SUM(upvotes) FROM reputation_days WHERE member_id = $2 AND group_id = 0 AND day >= $4), 0) AS BIGINT) AS author_received, \
           CAST(COALESCE((SELECT SUM(upvotes) FROM reputation_pairs WHERE member_id = $1 AND source_id = $2 AND day >= $4), 0) AS BIGINT) AS from_author, \
           CAST(COALESCE((SELECT SUM(upvotes) FROM reputation_days WHERE member_id = $1 AND group_id = 0 AND day >= $4), 0) AS BIGINT) AS voter_received, \
           CAST(COALESCE((SELECT upvotes_received FROM member_stats WHERE user_id = $2), 0) AS BIGINT) AS author_upvotes, \
           (SELECT domain FROM groups WHERE id = $5) AS group_domain, \
           {ATTESTATION_COLUMNS}, \
           (SELECT p.trust_percent FROM partners p WHERE p.domain = u.domain) AS partner_percent \
         FROM users u LEFT JOIN member_stats s ON s.user_id = u.id {ATTESTATION_JOIN} WHERE u.id = $1"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(change.voter)
        .bind(change.author)
        .bind(day)
        .bind(since)
        .bind(change.group)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("member"))?;
    let facts = FactsRow::from_row(&row)?;
    Ok(VoteFacts {
        remote_group: facts.group_domain.is_some(),
        voter: Member {
            stats: facts.stats.into(),
            banned: facts.banned_at.is_some(),
            suspended_until: facts.suspended_until.filter(|&at| at > now),
            created_at: 0,
            attested: attested(&row, now)?,
        },
        voter_domain: facts.domain,
        instance_blocked: facts.blocked != 0,
        partner_percent: facts.partner_percent,
        author_earned_today: facts.earned_today,
        instance_today: facts.instance_today,
        pair: Pair {
            from_voter: facts.from_voter,
            author_received: facts.author_received,
            from_author: facts.from_author,
            voter_received: facts.voter_received,
        },
        author_upvotes: facts.author_upvotes,
    })
}

/// Whose standing votes a reversal takes back.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reversal {
    /// Those on a deleted post.
    Post(Object),
    /// Those of a banned voter, everywhere.
    Voter(UserId),
}

/// Reverses what the standing votes in `scope` gave; the votes then stand
/// for nothing.
pub(crate) async fn reverse_votes(
    conn: &mut AnyConnection,
    rules: &Rules,
    scope: Reversal,
) -> Result<()> {
    let now = now_ms();
    for (votes, column, objects) in [
        ("thread_votes", "thread_id", "threads"),
        ("reply_votes", "reply_id", "replies"),
    ] {
        let filter = match scope {
            Reversal::Post(Object::Thread(_)) if objects == "replies" => continue,
            Reversal::Post(Object::Reply(_)) if objects == "threads" => continue,
            Reversal::Post(_) => column,
            Reversal::Voter(_) => "user_id",
        };
        let id = match scope {
            Reversal::Post(Object::Thread(ThreadId(id)) | Object::Reply(ReplyId(id)))
            | Reversal::Voter(UserId(id)) => id,
        };
        let group = if objects == "threads" {
            "o.group_id"
        } else {
            "(SELECT group_id FROM threads t WHERE t.id = o.thread_id)"
        };
        let sql = format!(
            "SELECT v.user_id, v.{column}, o.author_id, {group}, v.value, u.domain, \
                    v.author_points, v.voter_points \
             FROM {votes} v JOIN {objects} o ON o.id = v.{column} JOIN users u ON u.id = v.user_id \
             WHERE v.{filter} = $1 AND (v.author_points IS NOT NULL OR v.voter_points IS NOT NULL)"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
        let standing = rows
            .iter()
            .map(|row| {
                let object_id: i64 = row.try_get(1)?;
                Ok(StandingVote {
                    voter: row.try_get(0)?,
                    author: row.try_get(2)?,
                    object: if objects == "threads" {
                        Object::Thread(ThreadId(object_id))
                    } else {
                        Object::Reply(ReplyId(object_id))
                    },
                    group: row.try_get(3)?,
                    vote: Vote::from_value(row.try_get(4)?)?,
                    voter_domain: row.try_get(5)?,
                    author_points: row.try_get(6)?,
                    voter_points: row.try_get(7)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if standing.is_empty() {
            continue;
        }
        insert(conn, &withdrawals(rules, &standing, now)).await?;
        let settle = format!(
            "UPDATE {votes} SET author_points = NULL, voter_points = NULL \
             WHERE {filter} = $1 AND (author_points IS NOT NULL OR voter_points IS NOT NULL)"
        );
        sqlx::query(AssertSqlSafe(settle))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A post was deleted: what its votes gave is reversed, and a removal by
/// someone other than its author is recorded (see `post_removed`).
pub(crate) async fn removed(
    conn: &mut AnyConnection,
    rules: &Rules,
    object: Object,
    group: GroupId,
    author: UserId,
    by: Option<UserId>,
) -> Result<()> {
    reverse_votes(conn, rules, Reversal::Post(object)).await?;
    let remote: Option<String> = sqlx::query_scalar("SELECT domain FROM groups WHERE id = $1")
        .bind(group)
        .fetch_one(&mut *conn)
        .await?;
    let removal = post_removed(rules, object, group, remote.is_some(), author, by, now_ms());
    if let Some(line) = removal {
        insert(conn, &[line]).await?;
    }
    Ok(())
}
