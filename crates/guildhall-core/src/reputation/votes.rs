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
use crate::votes::Vote;

/// A vote change on one post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteChange {
    pub voter: i64,
    pub author: i64,
    pub object: Object,
    pub group: i64,
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
        suspended_or_banned: facts.voter.banned,
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
    pub voter: i64,
    pub author: i64,
    pub object: Object,
    /// The post's group.
    pub group: i64,
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
    group: i64,
    remote_group: bool,
    author: i64,
    by: Option<i64>,
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

/// An admin's manual adjustment of `member`'s points, with its reason
/// (required, trimmed).
pub fn adjustment(
    member: i64,
    points: i64,
    reason: &str,
    admin: i64,
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
mod tests {
    use super::*;
    use crate::reputation::member::Stats;

    const NOW: i64 = 1_000 * 86_400_000 + 5;

    /// A TL1 local voter, nothing earned today, no ring.
    fn facts() -> VoteFacts {
        VoteFacts {
            remote_group: false,
            voter: Member {
                stats: Stats {
                    days_active: 1,
                    replies: 1,
                    ..Stats::default()
                },
                banned: false,
                created_at: 0,
                attested: None,
            },
            voter_domain: None,
            instance_blocked: false,
            partner_percent: None,
            author_earned_today: 0,
            instance_today: 0,
            pair: Pair::default(),
            author_upvotes: 0,
        }
    }

    fn change(
        object: Object,
        old: Option<(Vote, Option<i64>, Option<i64>)>,
        new: Option<Vote>,
    ) -> VoteChange {
        VoteChange {
            voter: 2,
            author: 1,
            object,
            group: 9,
            old,
            new,
            upvotes_after: 1,
        }
    }

    fn decide(change: &VoteChange, facts: &VoteFacts) -> VoteOutcome {
        decide_vote(&Rules::default(), change, facts, NOW).unwrap()
    }

    /// (member, kind, points) of each line.
    fn summary(outcome: &VoteOutcome) -> Vec<(i64, Kind, i64)> {
        outcome
            .lines
            .iter()
            .map(|l| (l.entry.member, l.entry.kind, l.points))
            .collect()
    }

    fn keys(outcome: &VoteOutcome) -> Vec<(&'static str, Option<Object>)> {
        outcome.badges.iter().map(|b| (b.key, b.object)).collect()
    }

    #[test]
    fn an_upvote_earns_its_author_points_and_a_first_badge() {
        let reply = Object::Reply(4);
        let out = decide(&change(reply, None, Some(Vote::Up)), &facts());
        assert_eq!(summary(&out), [(1, Kind::VoteReceived(Vote::Up), 10)]);
        assert_eq!(out.standing, (Some(10), None));
        let line = &out.lines[0];
        assert_eq!(
            (
                line.entry.group,
                line.entry.source,
                line.entry.weight,
                line.entry.at
            ),
            (Some(9), Some(2), 100, NOW)
        );
        assert_eq!(line.stored_vote(), Some(1));
        assert_eq!(keys(&out), [("first_upvote", None)]);
        assert_eq!(out.badges[0].group, Some(9));
    }

    #[test]
    fn a_downvote_on_a_reply_costs_its_voter_too() {
        let out = decide(&change(Object::Reply(4), None, Some(Vote::Down)), &facts());
        assert_eq!(
            summary(&out),
            [
                (1, Kind::VoteReceived(Vote::Down), -2),
                (2, Kind::VoteCast(Vote::Down), -1)
            ]
        );
        assert_eq!(out.standing, (Some(-2), Some(-1)));
        assert_eq!(out.lines[1].entry.source, Some(1));
        assert!(out.badges.is_empty());
        let thread = decide(&change(Object::Thread(4), None, Some(Vote::Down)), &facts());
        assert_eq!(
            thread.standing,
            (Some(-2), None),
            "a thread's downvote is free"
        );
    }

    #[test]
    fn a_vote_on_ones_own_post_earns_nothing() {
        let own = VoteChange {
            voter: 1,
            ..change(Object::Reply(4), None, Some(Vote::Up))
        };
        assert_eq!(decide(&own, &facts()).standing, (Some(0), None));
    }

    #[test]
    fn new_and_banned_voters_are_refused_and_remote_groups_left_alone() {
        let up = change(Object::Reply(4), None, Some(Vote::Up));
        let mut new = facts();
        new.voter.stats = Stats::default();
        let refused = decide_vote(&Rules::default(), &up, &new, NOW).unwrap_err();
        assert!(refused.to_string().contains("voting needs trust level TL1"));
        let mut banned = facts();
        banned.voter.banned = true;
        assert!(decide_vote(&Rules::default(), &up, &banned, NOW).is_err());
        // Taking a vote back is never refused.
        let unvote = change(Object::Reply(4), Some((Vote::Up, Some(10), None)), None);
        assert_eq!(
            summary(&decide(&unvote, &banned)),
            [(1, Kind::VoteWithdrawn, -10)]
        );
        let remote = VoteFacts {
            remote_group: true,
            ..new
        };
        assert_eq!(decide(&up, &remote), VoteOutcome::default());
    }

    #[test]
    fn the_daily_and_instance_caps_stop_gains() {
        let up = change(Object::Reply(4), None, Some(Vote::Up));
        let near_cap = VoteFacts {
            author_earned_today: 195,
            ..facts()
        };
        assert_eq!(decide(&up, &near_cap).standing, (Some(5), None));
        let at_cap = VoteFacts {
            author_earned_today: 200,
            ..facts()
        };
        assert_eq!(decide(&up, &at_cap).standing, (Some(0), None));
        let down = change(Object::Thread(4), None, Some(Vote::Down));
        assert_eq!(
            decide(&down, &at_cap).standing,
            (Some(-2), None),
            "losses count"
        );

        let remote = VoteFacts {
            voter_domain: Some("b.example".into()),
            instance_today: 496,
            ..facts()
        };
        let out = decide(&up, &remote);
        assert_eq!(out.standing, (Some(4), None), "500 a day from one instance");
        assert_eq!(out.lines[0].source_domain.as_deref(), Some("b.example"));
        assert_eq!(out.lines[0].entry.instance, Some(0));
        let local = decide(
            &up,
            &VoteFacts {
                instance_today: 496,
                ..facts()
            },
        );
        assert_eq!(
            local.standing,
            (Some(10), None),
            "a local voter has no instance cap"
        );
    }

    #[test]
    fn partners_blocks_and_rings_weigh_the_vote() {
        let up = change(Object::Reply(4), None, Some(Vote::Up));
        let partner = VoteFacts {
            voter_domain: Some("b.example".into()),
            partner_percent: Some(50),
            ..facts()
        };
        let out = decide(&up, &partner);
        assert_eq!((out.lines[0].entry.weight, out.standing.0), (50, Some(5)));
        let odd = VoteFacts {
            partner_percent: Some(250),
            ..partner.clone()
        };
        assert_eq!(
            decide(&up, &odd).lines[0].entry.weight,
            100,
            "at most 100 %"
        );
        let blocked = VoteFacts {
            instance_blocked: true,
            ..partner.clone()
        };
        assert_eq!(decide(&up, &blocked).standing, (Some(0), None));
        let ring = VoteFacts {
            pair: Pair {
                from_voter: 30,
                author_received: 40,
                from_author: 30,
                voter_received: 40,
            },
            ..partner
        };
        let out = decide(&up, &ring);
        assert_eq!(
            out.lines[0].entry.weight, 25,
            "half for the ring, half for the partner"
        );
        assert_eq!(out.standing, (Some(2), None));
        // A partner's attestation lets a new member vote.
        let mut attested = facts();
        attested.voter.stats = Stats::default();
        attested.voter.attested = Some(1);
        assert_eq!(decide(&up, &attested).standing, (Some(10), None));
    }

    #[test]
    fn changing_or_removing_a_vote_reverses_exactly_what_it_stood_for() {
        let reply = Object::Reply(4);
        let remote = VoteFacts {
            voter_domain: Some("b.example".into()),
            ..facts()
        };
        let flip = change(
            reply,
            Some((Vote::Down, Some(-2), Some(-1))),
            Some(Vote::Up),
        );
        let out = decide(&flip, &remote);
        assert_eq!(
            summary(&out),
            [
                (1, Kind::VoteWithdrawn, 2),
                (2, Kind::VoteWithdrawn, 1),
                (1, Kind::VoteReceived(Vote::Up), 10)
            ]
        );
        let details: Vec<_> = out.lines.iter().map(|l| l.detail.as_deref()).collect();
        assert_eq!(details, [Some("received"), Some("cast"), None]);
        assert_eq!(
            out.lines[0].stored_vote(),
            Some(-1),
            "names the vote taken back"
        );
        assert_eq!(out.lines[0].source_domain.as_deref(), Some("b.example"));
        assert_eq!(out.lines[1].source_domain, None);
        assert_eq!(out.standing, (Some(10), None));
        assert_eq!(keys(&out), [("first_upvote", None)], "a new upvote");

        // A vote that stands for nothing (reversed already) writes nothing.
        let unvote = change(reply, Some((Vote::Up, None, None)), None);
        let out = decide(&unvote, &facts());
        assert!(out.lines.is_empty() && out.badges.is_empty());
        assert_eq!(out.standing, (None, None));
    }

    #[test]
    fn badges_come_when_the_line_is_crossed() {
        let reply = Object::Reply(4);
        let tenth = VoteChange {
            upvotes_after: 10,
            ..change(reply, None, Some(Vote::Up))
        };
        let popular = VoteFacts {
            author_upvotes: 99,
            ..facts()
        };
        assert_eq!(
            keys(&decide(&tenth, &popular)),
            [("hundred_upvotes", None), ("good_reply", Some(reply))]
        );
        let eleventh = VoteChange {
            upvotes_after: 11,
            ..tenth
        };
        assert_eq!(keys(&decide(&eleventh, &facts())), [("first_upvote", None)]);
        let on_thread = VoteChange {
            object: Object::Thread(4),
            ..tenth
        };
        assert!(
            !keys(&decide(&on_thread, &popular)).contains(&("good_reply", Some(Object::Thread(4))))
        );
        let still_up = change(reply, Some((Vote::Up, Some(10), None)), Some(Vote::Up));
        assert!(
            decide(&still_up, &facts()).badges.is_empty(),
            "not a new upvote"
        );
    }

    #[test]
    fn deletions_and_bans_withdraw_what_standing_votes_gave() {
        let vote = |voter, object, vote, author_points, voter_points| StandingVote {
            voter,
            author: 1,
            object,
            group: 9,
            vote,
            voter_domain: None,
            author_points,
            voter_points,
        };
        let votes = [
            vote(2, Object::Reply(4), Vote::Down, Some(-2), Some(-1)),
            vote(3, Object::Reply(4), Vote::Up, Some(10), None),
            vote(5, Object::Reply(4), Vote::Up, Some(0), None),
        ];
        let lines = withdrawals(&Rules::default(), &votes, NOW);
        let summary: Vec<_> = lines
            .iter()
            .map(|l| {
                (
                    l.entry.member,
                    l.entry.source,
                    l.points,
                    l.detail.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (1, Some(2), 2, Some("received")),
                (1, Some(3), -10, Some("received")),
                (1, Some(5), 0, Some("received")),
                (2, Some(1), 1, Some("cast")),
            ],
            "authors first, then voters"
        );
        assert!(
            lines
                .iter()
                .all(|l| l.entry.kind == Kind::VoteWithdrawn && l.entry.at == NOW)
        );
    }

    #[test]
    fn a_removal_by_a_moderator_is_recorded() {
        let rules = Rules {
            post_removed: -5,
            ..Rules::default()
        };
        let reply = Object::Reply(4);
        let line = post_removed(&rules, reply, 9, false, 1, Some(7), NOW).unwrap();
        assert_eq!(
            (
                line.entry.member,
                line.entry.source,
                line.entry.kind,
                line.points
            ),
            (1, Some(7), Kind::PostRemoved(-5), -5)
        );
        assert_eq!(
            post_removed(&rules, reply, 9, false, 1, Some(1), NOW),
            None,
            "by its author"
        );
        assert_eq!(post_removed(&rules, reply, 9, false, 1, None, NOW), None);
        assert_eq!(
            post_removed(&rules, reply, 9, true, 1, Some(7), NOW),
            None,
            "remote"
        );
    }

    #[test]
    fn adjustments_need_a_reason_and_a_bounded_amount() {
        let line = adjustment(1, -40, "  spam  ", 7, NOW).unwrap();
        assert_eq!(
            (
                line.entry.kind,
                line.points,
                line.detail.as_deref(),
                line.entry.source
            ),
            (Kind::Adjustment(-40), -40, Some("spam"), Some(7))
        );
        assert!(adjustment(1, 5, " ", 7, NOW).is_err());
        assert!(adjustment(1, 0, "why", 7, NOW).is_err());
        assert!(adjustment(1, i64::MIN, "why", 7, NOW).is_err());
    }
}
