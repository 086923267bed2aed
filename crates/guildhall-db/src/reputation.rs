//! The reputation ledger in the store: the facts each decision of
//! `guildhall_core::reputation` needs, loaded in the transaction of the
//! vote, post or moderator action that causes it, and the rows it decides,
//! written in that transaction. The triggers of `0003_reputation.sql` fold
//! each row into scores, day buckets and counters; no statement here
//! decides points.
//!
//! Here: members (the facts trust levels are computed from), posts, badges
//! and writing ledger rows. The vote path, withdrawals and removals are in
//! `reputation/votes.rs`; reading standings in `standings.rs`; the
//! recompute in `recompute.rs`.

mod votes;

pub(crate) use votes::{Reversal, record_vote, removed, reverse_votes};

use crate::error::{Result, StoreError};
use crate::now_ms;
use guildhall_core::ids::UserId;
use guildhall_core::reputation::Rules;
use guildhall_core::reputation::badges::BadgeAward;
pub(crate) use guildhall_core::reputation::ledger::DAY_MS;
use guildhall_core::reputation::ledger::{Line, Object};
use guildhall_core::reputation::member::{Attestation, Member, Stats};
pub(crate) use guildhall_core::reputation::votes::VoteChange;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, FromRow, Row as _};

/// A member's counters as `member_stats` keeps them (0 when it has no row).
#[derive(Debug, Clone, Copy, FromRow)]
pub(crate) struct StatsRow {
    threads: i64,
    replies: i64,
    upvotes_received: i64,
    upvotes_given: i64,
    accepted_answers: i64,
    moderator_actions: i64,
    days_active: i64,
    leader: i64,
}

impl From<StatsRow> for Stats {
    fn from(s: StatsRow) -> Stats {
        Stats {
            threads: s.threads,
            replies: s.replies,
            upvotes_received: s.upvotes_received,
            upvotes_given: s.upvotes_given,
            accepted_answers: s.accepted_answers,
            moderator_actions: s.moderator_actions,
            days_active: s.days_active,
            leader: s.leader != 0,
        }
    }
}

/// The columns of [`StatsRow`], from `member_stats s`.
const STATS_COLUMNS: &str = "COALESCE(s.threads, 0) AS threads, COALESCE(s.replies, 0) AS replies, \
     COALESCE(s.upvotes_received, 0) AS upvotes_received, COALESCE(s.upvotes_given, 0) AS upvotes_given, \
     COALESCE(s.accepted_answers, 0) AS accepted_answers, COALESCE(s.moderator_actions, 0) AS moderator_actions, \
     COALESCE(s.days_active, 0) AS days_active, COALESCE(s.leader, 0) AS leader";

/// What a partner attests about user `u` and our policy for that partner
/// (joined by [`ATTESTATION_JOIN`]), read by [`attested`].
const ATTESTATION_COLUMNS: &str = "ia.trust_level AS attested_trust, ia.valid_until AS attested_until, \
     ia.revoked_at AS attested_revoked, ap.max_trust_level AS partner_max_trust";
const ATTESTATION_JOIN: &str = "LEFT JOIN imported_attestations ia ON ia.user_id = u.id \
     LEFT JOIN partners ap ON ap.domain = ia.domain";

/// The trust level a partner's attestation grants at `now`, from a row
/// with [`ATTESTATION_COLUMNS`].
fn attested(row: &AnyRow, now: i64) -> Result<Option<i64>> {
    let Some(trust_level) = row.try_get::<Option<i64>, _>("attested_trust")? else {
        return Ok(None);
    };
    let attestation = Attestation {
        trust_level,
        valid_until: row.try_get("attested_until")?,
        revoked: row.try_get::<Option<i64>, _>("attested_revoked")?.is_some(),
        partner_max_level: row.try_get("partner_max_trust")?,
    };
    Ok(attestation.level(now))
}

/// A member as a write path checks them (see [`Member`]).
pub(crate) async fn member(conn: &mut AnyConnection, user_id: UserId) -> Result<Member> {
    let sql = format!(
        "SELECT {STATS_COLUMNS}, u.banned_at, u.suspended_until, u.created_at, {ATTESTATION_COLUMNS} \
         FROM users u LEFT JOIN member_stats s ON s.user_id = u.id {ATTESTATION_JOIN} WHERE u.id = $1"
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("member"))?;
    Ok(Member {
        stats: StatsRow::from_row(&row)?.into(),
        banned: row.try_get::<Option<i64>, _>("banned_at")?.is_some(),
        suspended_until: row
            .try_get::<Option<i64>, _>("suspended_until")?
            .filter(|&at| at > now_ms()),
        created_at: row.try_get("created_at")?,
        attested: attested(&row, now_ms())?,
    })
}

/// Checks a new post by `author` against their trust level (see
/// [`Member::check_post`]); their posts today are counted only when a
/// daily limit applies to them.
pub(crate) async fn check_post(
    conn: &mut AnyConnection,
    rules: &Rules,
    author: UserId,
    markdown: &str,
    thread_in_restricted_group: bool,
) -> Result<Member> {
    let member = member(conn, author).await?;
    let posted_today = if member.posts_limited(rules) {
        let since = now_ms().div_euclid(DAY_MS) * DAY_MS;
        sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM threads WHERE author_id = $1 AND created_at >= $2) \
                  + (SELECT COUNT(*) FROM replies WHERE author_id = $1 AND created_at >= $2)",
        )
        .bind(author)
        .bind(since)
        .fetch_one(&mut *conn)
        .await?
    } else {
        0
    };
    member.check_post(rules, markdown, thread_in_restricted_group, posted_today)?;
    Ok(member)
}

/// After a post: the member badges its author's new counts earn.
pub(crate) async fn after_post(
    conn: &mut AnyConnection,
    author: &Member,
    author_id: UserId,
    is_thread: bool,
) -> Result<()> {
    let now = now_ms();
    for badge in author.badges_after_post(is_thread, now) {
        let award = BadgeAward {
            member: author_id,
            key: badge.key,
            object: None,
            group: None,
            granted_by: None,
        };
        self::award(conn, &award, now).await?;
    }
    Ok(())
}

/// Gives a badge (once for earned badges, whatever the caller asks: the
/// unique index says whether it is held; a granted badge may repeat) and
/// writes its ledger line; false if already held.
pub(crate) async fn award(conn: &mut AnyConnection, award: &BadgeAward, now: i64) -> Result<bool> {
    let (object_type, object_id) = object_parts(award.object);
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO member_badges (user_id, badge, object_type, object_id, granted_by, awarded_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (user_id, badge, object_type, object_id) WHERE granted_by IS NULL DO NOTHING RETURNING id",
    )
    .bind(award.member)
    .bind(award.key)
    .bind(object_type.unwrap_or(""))
    .bind(object_id.unwrap_or(0))
    .bind(award.granted_by)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    if inserted.is_none() {
        return Ok(false);
    }
    insert(conn, &[award.line(now)]).await?;
    // The member hears of it (with the group it was earned in, if any).
    let kind = crate::federation::events::NoticeKind::Badge;
    let what = serde_json::json!({ "badge": award.key, "group": award.group.map(|g| g.get()) });
    let member = crate::federation::events::EventObject::User(award.member);
    crate::federation::events::notice(conn, kind, member, award.granted_by, Some(what)).await?;
    Ok(true)
}

/// The stored `object_type` and `object_id` of an object.
fn object_parts(object: Option<Object>) -> (Option<&'static str>, Option<i64>) {
    object.map(Object::stored).unzip()
}

/// Ledger rows written per statement. A vote writes one to four; a ban or
/// a deletion may write thousands, and SQLite looks up each numbered
/// parameter it binds in the statement's list (see `recompute/bulk.rs`):
/// small statements keep that cost linear.
const LINES_PER_STATEMENT: usize = 50;

/// Writes ledger lines, many per statement, in order (the triggers fold
/// each).
pub(crate) async fn insert(conn: &mut AnyConnection, lines: &[Line]) -> Result<()> {
    const COLUMNS: usize = 14;
    for chunk in lines.chunks(LINES_PER_STATEMENT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|r| {
                let params: Vec<String> = (1..=COLUMNS)
                    .map(|c| format!("${}", r * COLUMNS + c))
                    .collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO reputation_ledger (member_id, group_id, source_id, source_domain, kind, vote, \
             object_type, object_id, amount, weight, points, detail, day, created_at) VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for line in chunk {
            let e = &line.entry;
            let (object_type, object_id) = object_parts(e.object);
            query = query
                .bind(e.member)
                .bind(e.group)
                .bind(e.source)
                .bind(line.source_domain.clone())
                .bind(e.kind.name().as_str())
                .bind(line.stored_vote())
                .bind(object_type)
                .bind(object_id)
                .bind(e.kind.amount())
                .bind(e.weight)
                .bind(line.points)
                .bind(line.detail.clone())
                .bind(e.day())
                .bind(e.at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
