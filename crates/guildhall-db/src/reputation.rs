//! The reputation ledger in the store: entries written in the same
//! transaction as the vote, post or moderator action that causes them, the
//! folds the triggers keep (`0003_reputation.sql`), and the reads behind
//! profiles and leaderboards.
//!
//! The points of each entry are decided here with the rules of
//! `guildhall_core::reputation`, from what the rows before it say
//! ([`Before`]); a recompute replays the ledger through the same rules.

use crate::error::{Result, StoreError};
use crate::now_ms;
use guildhall_core::RuleError;
use guildhall_core::reputation::badges::{self, Progress};
use guildhall_core::reputation::defences::{Pair, Voter, ring_weight, vote_counts};
use guildhall_core::reputation::ledger::{Before, Entry, Kind, Object, entry_points};
use guildhall_core::reputation::privileges::{self, Privilege};
use guildhall_core::reputation::trust::Activity;
use guildhall_core::reputation::{Rules, TrustLevel};
use guildhall_core::votes::Vote;
use sqlx::{AnyConnection, AssertSqlSafe, FromRow};

pub(crate) const DAY_MS: i64 = 86_400_000;

/// A member's counters, as `member_stats` keeps them.
#[derive(Debug, Clone, Copy, Default, FromRow)]
pub(crate) struct Stats {
    pub threads: i64,
    pub replies: i64,
    pub upvotes_received: i64,
    pub upvotes_given: i64,
    pub accepted_answers: i64,
    pub moderator_actions: i64,
    pub days_active: i64,
    pub leader: i64,
}

impl Stats {
    pub fn activity(&self) -> Activity {
        Activity {
            days_active: self.days_active,
            threads: self.threads,
            replies: self.replies,
            upvotes_received: self.upvotes_received,
            upvotes_given: self.upvotes_given,
            moderator_actions: self.moderator_actions,
            granted_leader: self.leader != 0,
        }
    }

    pub fn progress(&self, member_since: i64, now: i64) -> Progress {
        Progress {
            threads: self.threads,
            replies: self.replies,
            upvotes_received: self.upvotes_received,
            accepted_answers: self.accepted_answers,
            days_member: (now - member_since).max(0) / DAY_MS,
        }
    }
}

const STATS_COLUMNS: &str = "COALESCE(s.threads, 0) AS threads, COALESCE(s.replies, 0) AS replies, \
     COALESCE(s.upvotes_received, 0) AS upvotes_received, COALESCE(s.upvotes_given, 0) AS upvotes_given, \
     COALESCE(s.accepted_answers, 0) AS accepted_answers, COALESCE(s.moderator_actions, 0) AS moderator_actions, \
     COALESCE(s.days_active, 0) AS days_active, COALESCE(s.leader, 0) AS leader";

/// The trust level a trusted partner attests for user `u` (parameter
/// `$now` is the time now), capped by the partner's policy.
fn attested_level(now: u8) -> String {
    format!(
        "(SELECT CASE WHEN ia.trust_level < p.max_trust_level \
         THEN ia.trust_level ELSE p.max_trust_level END FROM imported_attestations ia \
         JOIN partners p ON p.domain = ia.domain \
         WHERE ia.user_id = u.id AND ia.revoked_at IS NULL AND ia.valid_until > ${now})"
    )
}

/// A member as a write path checks them: counters, ban, when they joined.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Member {
    pub stats: Stats,
    pub banned: bool,
    pub created_at: i64,
    /// For a remote member: the trust level their home instance attests,
    /// already capped by our policy for that partner (None if untrusted,
    /// absent, expired or revoked).
    pub attested: Option<i64>,
}

impl Member {
    /// The higher of what they earned here and what a trusted partner
    /// attests (capped): a partner's member need not start at TL0.
    pub fn level(&self, rules: &Rules) -> TrustLevel {
        let earned = rules.trust.level(&self.stats.activity());
        let attested = self
            .attested
            .and_then(|n| u8::try_from(n).ok())
            .and_then(|n| TrustLevel::try_from(n).ok())
            .unwrap_or(TrustLevel::Tl0);
        earned.max(attested)
    }

    /// Refuses anything from a banned account.
    pub fn active(&self) -> Result<()> {
        if self.banned {
            return Err(RuleError::Forbidden("this account is banned".into()).into());
        }
        Ok(())
    }

    /// Refuses a banned account, then checks `privilege`.
    pub fn check(&self, rules: &Rules, privilege: Privilege) -> Result<()> {
        self.active()?;
        Ok(privileges::check(self.level(rules), privilege)?)
    }
}

pub(crate) async fn member(conn: &mut AnyConnection, user_id: i64) -> Result<Member> {
    let sql = format!(
        "SELECT {STATS_COLUMNS}, u.banned_at, u.created_at, {} AS attested_level \
         FROM users u LEFT JOIN member_stats s ON s.user_id = u.id WHERE u.id = $1",
        attested_level(2)
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(user_id)
        .bind(now_ms())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("member"))?;
    use sqlx::Row;
    Ok(Member {
        stats: Stats::from_row(&row)?,
        banned: row.try_get::<Option<i64>, _>("banned_at")?.is_some(),
        created_at: row.try_get("created_at")?,
        attested: row.try_get("attested_level")?,
    })
}

/// Checks a new post by `author` against their trust level: a TL0 member's
/// daily number of posts and no links or images; TL2 for a thread in a
/// group whose posting is restricted.
pub(crate) async fn check_post(
    conn: &mut AnyConnection,
    rules: &Rules,
    author: i64,
    markdown: &str,
    thread_in_restricted_group: bool,
) -> Result<Member> {
    let member = member(conn, author).await?;
    member.active()?;
    let level = member.level(rules);
    if thread_in_restricted_group {
        privileges::check(level, Privilege::ThreadInRestrictedGroup)?;
    }
    if level == TrustLevel::Tl0 {
        let since = now_ms().div_euclid(DAY_MS) * DAY_MS;
        let posted_today: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM threads WHERE author_id = $1 AND created_at >= $2) \
                  + (SELECT COUNT(*) FROM replies WHERE author_id = $1 AND created_at >= $2)",
        )
        .bind(author)
        .bind(since)
        .fetch_one(&mut *conn)
        .await?;
        privileges::check_post(
            level,
            markdown,
            posted_today,
            rules.new_member_posts_per_day,
        )?;
    }
    Ok(member)
}

/// After a post: the member badges its author's new counts earn.
pub(crate) async fn after_post(
    conn: &mut AnyConnection,
    author: &Member,
    author_id: i64,
    is_thread: bool,
) -> Result<()> {
    let now = now_ms();
    let mut before = author.stats.progress(author.created_at, now);
    let mut after = before;
    // Time-based badges (a year of membership) have no "before" to compare:
    // they are tried on each post once due (the insert is a no-op if held).
    before.days_member = 0;
    if is_thread {
        after.threads += 1;
    } else {
        after.replies += 1;
    }
    award_progress(conn, author_id, before, after, None, now).await
}

/// Awards the member badges `after` earns that `before` did not.
async fn award_progress(
    conn: &mut AnyConnection,
    member: i64,
    before: Progress,
    after: Progress,
    group: Option<i64>,
    now: i64,
) -> Result<()> {
    let held: Vec<&str> = badges::newly_earned(&before, &[])
        .iter()
        .map(|b| b.key)
        .collect();
    for badge in badges::newly_earned(&after, &held) {
        award(conn, member, badge.key, None, None, group, now).await?;
    }
    Ok(())
}

/// Gives `member` a badge (once for earned badges; a `granted_by` badge
/// may repeat) and writes its ledger entry; false if already held.
pub(crate) async fn award(
    conn: &mut AnyConnection,
    member: i64,
    badge: &str,
    object: Option<Object>,
    granted_by: Option<i64>,
    group: Option<i64>,
    now: i64,
) -> Result<bool> {
    let (object_type, object_id) = object_parts(object);
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO member_badges (user_id, badge, object_type, object_id, granted_by, awarded_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (user_id, badge, object_type, object_id) WHERE granted_by IS NULL DO NOTHING RETURNING id",
    )
    .bind(member)
    .bind(badge)
    .bind(object_type.unwrap_or(""))
    .bind(object_id.unwrap_or(0))
    .bind(granted_by)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    if inserted.is_none() {
        return Ok(false);
    }
    let entry = Entry {
        member,
        group,
        source: granted_by,
        object,
        kind: Kind::BadgeAwarded,
        at: now,
        weight: 100,
        instance: None,
    };
    insert(conn, &[Row::new(entry, 0).detail(badge)]).await?;
    Ok(true)
}

fn object_parts(object: Option<Object>) -> (Option<&'static str>, Option<i64>) {
    match object {
        Some(Object::Thread(id)) => (Some("thread"), Some(id)),
        Some(Object::Reply(id)) => (Some("reply"), Some(id)),
        None => (None, None),
    }
}

/// A ledger row to write: the entry, its points, and what else it keeps.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    entry: Entry,
    points: i64,
    source_domain: Option<String>,
    /// For a withdrawal, the vote it takes back (for the upvote counts).
    withdrawn: Option<i64>,
    detail: Option<String>,
}

impl Row {
    pub fn new(entry: Entry, points: i64) -> Row {
        Row {
            entry,
            points,
            source_domain: None,
            withdrawn: None,
            detail: None,
        }
    }

    pub fn detail(mut self, detail: &str) -> Row {
        self.detail = Some(detail.to_owned());
        self
    }
}

/// The stored names of a kind and its vote or amount.
pub(crate) fn kind_parts(kind: Kind) -> (&'static str, Option<i64>, i64) {
    match kind {
        Kind::VoteReceived(v) => ("vote_received", Some(v.value()), 0),
        Kind::VoteCast(v) => ("vote_cast", Some(v.value()), 0),
        Kind::VoteWithdrawn => ("vote_withdrawn", None, 0),
        Kind::AnswerAccepted => ("answer_accepted", None, 0),
        Kind::AnswerAcceptedBy => ("answer_accepted_by", None, 0),
        Kind::IdeaStaged(p) => ("idea_staged", None, p),
        Kind::PostRemoved(p) => ("post_removed", None, p),
        Kind::BadgeAwarded => ("badge_awarded", None, 0),
        Kind::Adjustment(p) => ("adjustment", None, p),
    }
}

/// Writes rows in one statement (the triggers fold each).
pub(crate) async fn insert(conn: &mut AnyConnection, rows: &[Row]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    const COLUMNS: usize = 14;
    let values: Vec<String> = (0..rows.len())
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
    for row in rows {
        let e = &row.entry;
        let (kind, vote, amount) = kind_parts(e.kind);
        let vote = vote.or(row.withdrawn);
        let (object_type, object_id) = object_parts(e.object);
        query = query
            .bind(e.member)
            .bind(e.group)
            .bind(e.source)
            .bind(row.source_domain.clone())
            .bind(kind)
            .bind(vote)
            .bind(object_type)
            .bind(object_id)
            .bind(amount)
            .bind(e.weight)
            .bind(row.points)
            .bind(row.detail.clone())
            .bind(e.day())
            .bind(e.at);
    }
    query.execute(&mut *conn).await?;
    Ok(())
}

/// A vote as the ledger sees it: what it is on, who cast it, whose post.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VoteChange {
    pub voter: i64,
    pub author: i64,
    pub object: Object,
    pub group: i64,
    /// The vote it replaces and what that one stands for in the ledger.
    pub old: Option<(Vote, Option<i64>, Option<i64>)>,
    pub new: Option<Vote>,
    /// The post's upvotes after the change, for post badges.
    pub upvotes_after: i64,
}

/// What the rows before a vote say about its voter and author.
#[derive(Debug, FromRow)]
struct VoteContext {
    /// The voter's.
    #[sqlx(flatten)]
    stats: Stats,
    banned_at: Option<i64>,
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
    attested_level: Option<i64>,
    /// The voter's instance's weight as a partner, in percent.
    partner_percent: Option<i64>,
}

/// Writes the ledger rows of a vote change and returns what the new vote
/// stands for (author's points, voter's points), to keep on its row.
/// Refuses a new vote from a banned account or one under TL1. Votes in a
/// remote group's copies are left to that group's instance.
pub(crate) async fn record_vote(
    conn: &mut AnyConnection,
    rules: &Rules,
    change: VoteChange,
) -> Result<(Option<i64>, Option<i64>)> {
    let now = now_ms();
    let day = now.div_euclid(DAY_MS);
    let since = day - rules.ring_window_days.max(1) + 1;
    let sql = format!(
        "SELECT {STATS_COLUMNS}, u.banned_at, u.domain, \
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
           {} AS attested_level, \
           (SELECT p.trust_percent FROM partners p WHERE p.domain = u.domain) AS partner_percent \
         FROM users u LEFT JOIN member_stats s ON s.user_id = u.id WHERE u.id = $1",
        attested_level(6)
    );
    let ctx: VoteContext = sqlx::query_as(AssertSqlSafe(sql))
        .bind(change.voter)
        .bind(change.author)
        .bind(day)
        .bind(since)
        .bind(change.group)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("member"))?;
    if ctx.group_domain.is_some() {
        // A remote group's post: its own instance keeps its reputation and
        // judges its votes; ours is about what happens here.
        return Ok((None, None));
    }
    let voter = Member {
        stats: ctx.stats,
        banned: ctx.banned_at.is_some(),
        created_at: 0,
        attested: ctx.attested_level,
    };
    if change.new.is_some() {
        voter.check(rules, Privilege::Vote)?;
    }

    let mut rows = Vec::new();
    let base = Entry {
        member: change.author,
        group: Some(change.group),
        source: Some(change.voter),
        object: Some(change.object),
        kind: Kind::VoteWithdrawn,
        at: now,
        weight: 100,
        instance: None,
    };
    let domain = ctx.domain.clone();
    let with_domain = |mut row: Row| {
        row.source_domain = domain.clone();
        row
    };
    // Take back what the old vote stands for, if anything.
    if let Some((old, author_points, voter_points)) = change.old {
        if let Some(points) = author_points {
            let mut row = Row::new(base, -points).detail("received");
            row.withdrawn = Some(old.value());
            rows.push(with_domain(row));
        }
        if let Some(points) = voter_points {
            let entry = Entry {
                member: change.voter,
                source: Some(change.author),
                ..base
            };
            let mut row = Row::new(entry, -points).detail("cast");
            row.withdrawn = Some(old.value());
            rows.push(row);
        }
    }
    let mut standing = (None, None);
    if let Some(vote) = change.new {
        let weight = if vote_counts(Voter {
            level: voter.level(rules),
            suspended_or_banned: voter.banned,
            instance_blocked: ctx.blocked != 0,
        }) {
            ring_weight(
                rules,
                Pair {
                    from_voter: ctx.from_voter,
                    author_received: ctx.author_received,
                    from_author: ctx.from_author,
                    voter_received: ctx.voter_received,
                },
            ) * ctx.partner_percent.unwrap_or(100).clamp(0, 100)
                / 100
        } else {
            0
        };
        let received = Entry {
            kind: Kind::VoteReceived(vote),
            weight,
            instance: ctx.domain.as_ref().map(|_| 0),
            ..base
        };
        let before = Before {
            earned_today: ctx.earned_today,
            instance_today: ctx.instance_today,
            granted: 0,
        };
        let author_points = entry_points(rules, &received, before);
        rows.push(with_domain(Row::new(received, author_points)));
        standing.0 = Some(author_points);
        // Only a downvote on a reply moves the voter's points; its entry is
        // written whatever the rules say now, so a recompute under other
        // rules finds it.
        if vote == Vote::Down && matches!(change.object, Object::Reply(_)) {
            let cast = Entry {
                member: change.voter,
                source: Some(change.author),
                kind: Kind::VoteCast(vote),
                weight,
                ..base
            };
            let voter_points = entry_points(rules, &cast, Before::default());
            rows.push(Row::new(cast, voter_points));
            standing.1 = Some(voter_points);
        }
    }
    insert(conn, &rows).await?;

    // Badges the author's new upvote earns.
    let was_up = matches!(change.old, Some((Vote::Up, _, _)));
    let is_up = change.new == Some(Vote::Up);
    if is_up && !was_up {
        let progress = |upvotes_received| Progress {
            upvotes_received,
            ..Progress::default()
        };
        award_progress(
            conn,
            change.author,
            progress(ctx.author_upvotes),
            progress(ctx.author_upvotes + 1),
            Some(change.group),
            now,
        )
        .await?;
        let post = |upvotes| badges::PostProgress {
            is_reply: matches!(change.object, Object::Reply(_)),
            upvotes,
        };
        // Only the badges this upvote crosses the line for: no statement
        // on each later vote of a popular post.
        let before: Vec<&str> = badges::earned_by_post(&post(change.upvotes_after - 1))
            .iter()
            .map(|b| b.key)
            .collect();
        let crossed = badges::earned_by_post(&post(change.upvotes_after))
            .into_iter()
            .filter(|b| !before.contains(&b.key));
        for badge in crossed {
            award(
                conn,
                change.author,
                badge.key,
                Some(change.object),
                None,
                Some(change.group),
                now,
            )
            .await?;
        }
    }
    Ok(standing)
}

/// Reverses what the standing votes on a post gave (it was deleted), or
/// (with `voter`) what one member's votes gave everywhere (they were
/// banned); the votes then stand for nothing.
pub(crate) async fn reverse_votes(conn: &mut AnyConnection, scope: Reversal) -> Result<()> {
    let now = now_ms();
    let day = now.div_euclid(DAY_MS);
    for (object_type, votes, column, objects) in [
        ("thread", "thread_votes", "thread_id", "threads"),
        ("reply", "reply_votes", "reply_id", "replies"),
    ] {
        let group = if objects == "threads" {
            "o.group_id"
        } else {
            "(SELECT group_id FROM threads t WHERE t.id = o.thread_id)"
        };
        let filter = match scope {
            Reversal::Post(Object::Thread(_)) if objects == "replies" => continue,
            Reversal::Post(Object::Reply(_)) if objects == "threads" => continue,
            Reversal::Post(_) => column,
            Reversal::Voter(_) => "user_id",
        };
        let id = match scope {
            Reversal::Post(Object::Thread(id) | Object::Reply(id)) | Reversal::Voter(id) => id,
        };
        let insert = |member: &str, source: &str, points: &str, detail: &str| {
            format!(
                "INSERT INTO reputation_ledger (member_id, group_id, source_id, source_domain, kind, vote, \
                 object_type, object_id, amount, weight, points, detail, day, created_at) \
                 SELECT {member}, {group}, {source}, \
                   CASE WHEN '{detail}' = 'received' THEN (SELECT domain FROM users WHERE id = v.user_id) END, \
                   'vote_withdrawn', v.value, '{object_type}', v.{column}, 0, 100, -v.{points}, \
                   '{detail}', $1, $2 \
                 FROM {votes} v JOIN {objects} o ON o.id = v.{column} \
                 WHERE v.{filter} = $3 AND v.{points} IS NOT NULL"
            )
        };
        for sql in [
            insert("o.author_id", "v.user_id", "author_points", "received"),
            insert("v.user_id", "o.author_id", "voter_points", "cast"),
        ] {
            sqlx::query(AssertSqlSafe(sql))
                .bind(day)
                .bind(now)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
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

#[derive(Debug, Clone, Copy)]
pub(crate) enum Reversal {
    Post(Object),
    Voter(i64),
}

/// A post was deleted: what its votes gave is reversed, and when someone
/// other than its author removed it (a moderator), the author's ledger
/// records the removal (a moderator action, with the configured penalty).
pub(crate) async fn removed(
    conn: &mut AnyConnection,
    rules: &Rules,
    object: Object,
    group: i64,
    author: i64,
    by: Option<i64>,
) -> Result<()> {
    reverse_votes(conn, Reversal::Post(object)).await?;
    let remote: Option<String> = sqlx::query_scalar("SELECT domain FROM groups WHERE id = $1")
        .bind(group)
        .fetch_one(&mut *conn)
        .await?;
    if remote.is_some() {
        return Ok(());
    }
    if let Some(moderator) = by.filter(|&m| m != author) {
        let entry = Entry {
            member: author,
            group: Some(group),
            source: Some(moderator),
            object: Some(object),
            kind: Kind::PostRemoved(rules.post_removed),
            at: now_ms(),
            weight: 100,
            instance: None,
        };
        let points = entry_points(rules, &entry, Before::default());
        insert(conn, &[Row::new(entry, points)]).await?;
    }
    Ok(())
}
