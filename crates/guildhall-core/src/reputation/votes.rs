//! What a vote writes to the ledger, and what taking it back writes: the
//! decision of the vote path, given the facts the store loads before it
//! (one query; see `guildhall-db`'s `reputation/votes.rs`).
//!
//! A new vote carries points when its voter may vote and counts (not
//! banned, not on a blocked instance), weighed by the ring defence and the
//! voter's instance's partner weight, then capped per author per day and
//! per remote instance per day ([`entry_points`]). A withdrawal reverses
//! exactly what the vote stood for, kept on the vote's row.

use super::Rules;
use super::badges::{self, BadgeAward, PostProgress, Progress};
use super::defences::{Pair, Voter, ring_weight, vote_counts};
use super::ledger::{Before, Entry, Kind, Line, Object, entry_points};
use super::member::{Member, crossed};
use super::privileges::Privilege;
use crate::RuleError;
use crate::ids::{GroupId, UserId};
use crate::votes::Vote;

/// A vote change on one post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteChange {
    pub voter: UserId,
    pub author: UserId,
    pub object: Object,
    pub group: GroupId,
    /// The vote it replaces and what that one stands for in the ledger:
    /// (vote, author's points, voter's points).
    pub old: Option<(Vote, Option<i64>, Option<i64>)>,
    pub new: Option<Vote>,
    /// The post's upvotes after the change, for post badges.
    pub upvotes_after: i64,
}

/// What the rows before a vote change say about its voter and author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoteFacts {
    /// The post is a copy of a remote group's.
    pub remote_group: bool,
    pub voter: Member,
    /// The voter's instance, when they are remote.
    pub voter_domain: Option<String>,
    /// Our policy blocks the voter's instance.
    pub instance_blocked: bool,
    /// The voter's instance's weight as a partner, in percent (`None`: not
    /// a partner, full weight).
    pub partner_percent: Option<i64>,
    /// The author's vote gains today (the daily cap).
    pub author_earned_today: i64,
    /// The gains votes from the voter's instance brought today (the
    /// per-instance cap).
    pub instance_today: i64,
    /// Upvotes between the two over the ring window.
    pub pair: Pair,
    /// The author's standing upvotes before the change.
    pub author_upvotes: i64,
}

/// What a vote change writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoteOutcome {
    /// Ledger rows, in order: withdrawals of the old vote, then the new one.
    pub lines: Vec<Line>,
    /// Badges the author's new upvote earns, after the lines.
    pub badges: Vec<BadgeAward>,
    /// What the new vote stands for, kept on its row: (author's points,
    /// voter's points), `None` where it stands for nothing.
    pub standing: (Option<i64>, Option<i64>),
}

/// The ledger rows and badges of a vote change at `now`. Refuses a new vote
/// from a banned account or one under TL1. Votes in a remote group's
/// copies are left to that group's instance: nothing is written.
pub fn decide_vote(
    rules: &Rules,
    change: &VoteChange,
    facts: &VoteFacts,
    now: i64,
) -> Result<VoteOutcome, RuleError> {
    if facts.remote_group {
        // Its own instance keeps its reputation and judges its votes; ours
        // is about what happens here.
        return Ok(VoteOutcome::default());
    }
    if change.new.is_some() {
        facts.voter.check(rules, Privilege::Vote)?;
    }
    let mut out = VoteOutcome::default();
    // Take back what the old vote stands for, if anything.
    if let Some((vote, author_points, voter_points)) = change.old {
        let standing = StandingVote {
            voter: change.voter,
            author: change.author,
            object: change.object,
            group: change.group,
            vote,
            voter_domain: facts.voter_domain.clone(),
            author_points,
            voter_points,
        };
        out.lines = withdrawals(rules, std::slice::from_ref(&standing), now);
    }
    if let Some(vote) = change.new {
        let (lines, standing) = new_vote(rules, change, facts, vote, now);
        out.lines.extend(lines);
        out.standing = standing;
    }
    out.badges = badges_of_upvote(change, facts);
    Ok(out)
}

/// The rows of a new vote and what it stands for.
fn new_vote(
    rules: &Rules,
    change: &VoteChange,
    facts: &VoteFacts,
    vote: Vote,
    now: i64,
) -> (Vec<Line>, (Option<i64>, Option<i64>)) {
    let voter = Voter {
        level: facts.voter.level(rules),
        suspended_or_banned: facts.voter.barred(),
        instance_blocked: facts.instance_blocked,
    };
    let weight = if vote_counts(voter) {
        ring_weight(rules, facts.pair) * facts.partner_percent.unwrap_or(100).clamp(0, 100) / 100
    } else {
        0
    };
    let received = Entry {
        member: change.author,
        group: Some(change.group),
        source: Some(change.voter),
        object: Some(change.object),
        kind: Kind::VoteReceived(vote),
        at: now,
        weight,
        instance: facts.voter_domain.as_ref().map(|_| 0),
    };
    let before = Before {
        earned_today: facts.author_earned_today,
        instance_today: facts.instance_today,
        granted: 0,
    };
    let author_points = entry_points(rules, &received, before);
    let mut line = Line::new(received, author_points);
    line.source_domain = facts.voter_domain.clone();
    let mut lines = vec![line];
    let mut standing = (Some(author_points), None);
    // Only a downvote on a reply moves the voter's points; its entry is
    // written whatever the rules say now, so a recompute under other rules
    // finds it.
    if vote == Vote::Down && matches!(change.object, Object::Reply(_)) {
        let cast = Entry {
            member: change.voter,
            source: Some(change.author),
            kind: Kind::VoteCast(vote),
            instance: None,
            ..received
        };
        let voter_points = entry_points(rules, &cast, Before::default());
        lines.push(Line::new(cast, voter_points));
        standing.1 = Some(voter_points);
    }
    (lines, standing)
}

/// The badges the author's new upvote earns: member badges for their
/// upvotes received, and the post badges this upvote crosses the line for
/// (no statement on each later vote of a popular post).
fn badges_of_upvote(change: &VoteChange, facts: &VoteFacts) -> Vec<BadgeAward> {
    let was_up = matches!(change.old, Some((Vote::Up, _, _)));
    if change.new != Some(Vote::Up) || was_up {
        return Vec::new();
    }
    let award = |key, object| BadgeAward {
        member: change.author,
        key,
        object,
        group: Some(change.group),
        granted_by: None,
    };
    let progress = |upvotes_received| Progress {
        upvotes_received,
        ..Progress::default()
    };
    let mut awards: Vec<BadgeAward> = crossed(
        progress(facts.author_upvotes),
        progress(facts.author_upvotes + 1),
    )
    .iter()
    .map(|b| award(b.key, None))
    .collect();
    let post = |upvotes| PostProgress {
        is_reply: matches!(change.object, Object::Reply(_)),
        upvotes,
    };
    let before = badges::earned_by_post(&post(change.upvotes_after - 1));
    awards.extend(
        badges::earned_by_post(&post(change.upvotes_after))
            .into_iter()
            .filter(|b| !before.iter().any(|o| o.key == b.key))
            .map(|b| award(b.key, Some(change.object))),
    );
    awards
}

/// A standing vote and what it stands for, as a withdrawal, a deletion of
/// its post or a ban of its voter finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandingVote {
    pub voter: UserId,
    pub author: UserId,
    pub object: Object,
    /// The post's group.
    pub group: GroupId,
    pub vote: Vote,
    /// The voter's instance, when they are remote.
    pub voter_domain: Option<String>,
    /// What it gave the author, if anything still stands.
    pub author_points: Option<i64>,
    /// What it cost or gave the voter, if anything still stands.
    pub voter_points: Option<i64>,
}

/// The rows that reverse what `votes` stand for at `at`: first what they
/// gave their authors, then what they gave their voters. The votes then
/// stand for nothing.
pub fn withdrawals(rules: &Rules, votes: &[StandingVote], at: i64) -> Vec<Line> {
    let line = |v: &StandingVote, member, source, granted, detail| {
        let entry = Entry {
            member,
            group: Some(v.group),
            source: Some(source),
            object: Some(v.object),
            kind: Kind::VoteWithdrawn,
            at,
            weight: 100,
            instance: None,
        };
        let before = Before {
            granted,
            ..Before::default()
        };
        let mut line = Line::new(entry, entry_points(rules, &entry, before)).detail(detail);
        line.withdrawn = Some(v.vote);
        line
    };
    let received = votes.iter().filter_map(|v| {
        let mut line = line(v, v.author, v.voter, v.author_points?, "received");
        line.source_domain = v.voter_domain.clone();
        Some(line)
    });
    let cast = votes
        .iter()
        .filter_map(|v| Some(line(v, v.voter, v.author, v.voter_points?, "cast")));
    received.chain(cast).collect()
}

/// A post was deleted at `at` (its votes' withdrawals are written apart):
/// when someone other than its author removed it (a moderator), the
/// author's ledger records the removal, with the configured penalty. A
/// remote group's post is left to its instance.
pub fn post_removed(
    rules: &Rules,
    object: Object,
    group: GroupId,
    remote_group: bool,
    author: UserId,
    by: Option<UserId>,
    at: i64,
) -> Option<Line> {
    if remote_group {
        return None;
    }
    let moderator = by.filter(|&m| m != author)?;
    let entry = Entry {
        member: author,
        group: Some(group),
        source: Some(moderator),
        object: Some(object),
        kind: Kind::PostRemoved(rules.post_removed),
        at,
        weight: 100,
        instance: None,
    };
    Some(Line::new(
        entry,
        entry_points(rules, &entry, Before::default()),
    ))
}

/// A moderator restored a removed post: the row that gives back what its
/// removal's row took (`took`, that row's points) and stops counting the
/// removal against its author's trust.
pub fn post_restored(
    object: Object,
    group: GroupId,
    author: UserId,
    by: UserId,
    took: i64,
    at: i64,
) -> Line {
    let entry = Entry {
        member: author,
        group: Some(group),
        source: Some(by),
        object: Some(object),
        kind: Kind::PostRestored(-took),
        at,
        weight: 100,
        instance: None,
    };
    Line::new(entry, -took)
}

/// An admin's manual adjustment of `member`'s points, with its reason
/// (required, trimmed).
pub fn adjustment(
    member: UserId,
    points: i64,
    reason: &str,
    admin: UserId,
    at: i64,
) -> Result<Line, RuleError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(RuleError::invalid("reason", "say why the points change"));
    }
    // unsigned_abs: i64::MIN has no i64 absolute value (abs() would overflow).
    if points == 0 || points.unsigned_abs() > crate::content::ADJUSTMENT_MAX {
        return Err(RuleError::invalid(
            "points",
            "between -1000000 and 1000000, not 0",
        ));
    }
    let entry = Entry {
        member,
        group: None,
        source: Some(admin),
        object: None,
        kind: Kind::Adjustment(points),
        at,
        weight: 100,
        instance: None,
    };
    Ok(Line::new(entry, points).detail(reason))
}

#[cfg(test)]
mod tests;
