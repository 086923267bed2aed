//! Unit tests of the vote decisions, without a database.

use super::*;
use crate::ids::{GroupId, ReplyId, ThreadId, UserId};
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
            suspended_until: None,
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
        voter: UserId(2),
        author: UserId(1),
        object,
        group: GroupId(9),
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
        .map(|l| (l.entry.member.get(), l.entry.kind, l.points))
        .collect()
}

fn keys(outcome: &VoteOutcome) -> Vec<(&'static str, Option<Object>)> {
    outcome.badges.iter().map(|b| (b.key, b.object)).collect()
}

#[test]
fn an_upvote_earns_its_author_points_and_a_first_badge() {
    let reply = Object::Reply(ReplyId(4));
    let out = decide(&change(reply, None, Some(Vote::Up)), &facts());
    assert_eq!(summary(&out), [(1, Kind::VoteReceived(Vote::Up), 10)]);
    assert_eq!(out.standing, (Some(10), None));
    let line = &out.lines[0];
    assert_eq!(
        (
            line.entry.group.map(GroupId::get),
            line.entry.source.map(UserId::get),
            line.entry.weight,
            line.entry.at
        ),
        (Some(9), Some(2), 100, NOW)
    );
    assert_eq!(line.stored_vote(), Some(1));
    assert_eq!(keys(&out), [("first_upvote", None)]);
    assert_eq!(out.badges[0].group, Some(GroupId(9)));
}

#[test]
fn a_downvote_on_a_reply_costs_its_voter_too() {
    let out = decide(
        &change(Object::Reply(ReplyId(4)), None, Some(Vote::Down)),
        &facts(),
    );
    assert_eq!(
        summary(&out),
        [
            (1, Kind::VoteReceived(Vote::Down), -2),
            (2, Kind::VoteCast(Vote::Down), -1)
        ]
    );
    assert_eq!(out.standing, (Some(-2), Some(-1)));
    assert_eq!(out.lines[1].entry.source, Some(UserId(1)));
    assert!(out.badges.is_empty());
    let thread = decide(
        &change(Object::Thread(ThreadId(4)), None, Some(Vote::Down)),
        &facts(),
    );
    assert_eq!(
        thread.standing,
        (Some(-2), None),
        "a thread's downvote is free"
    );
}

#[test]
fn a_vote_on_ones_own_post_earns_nothing() {
    let own = VoteChange {
        voter: UserId(1),
        ..change(Object::Reply(ReplyId(4)), None, Some(Vote::Up))
    };
    assert_eq!(decide(&own, &facts()).standing, (Some(0), None));
}

#[test]
fn new_and_banned_voters_are_refused_and_remote_groups_left_alone() {
    let up = change(Object::Reply(ReplyId(4)), None, Some(Vote::Up));
    let mut new = facts();
    new.voter.stats = Stats::default();
    let refused = decide_vote(&Rules::default(), &up, &new, NOW).unwrap_err();
    assert!(refused.to_string().contains("voting needs trust level TL1"));
    let mut banned = facts();
    banned.voter.banned = true;
    assert!(decide_vote(&Rules::default(), &up, &banned, NOW).is_err());
    // Taking a vote back is never refused.
    let unvote = change(
        Object::Reply(ReplyId(4)),
        Some((Vote::Up, Some(10), None)),
        None,
    );
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
    let up = change(Object::Reply(ReplyId(4)), None, Some(Vote::Up));
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
    let down = change(Object::Thread(ThreadId(4)), None, Some(Vote::Down));
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
    let up = change(Object::Reply(ReplyId(4)), None, Some(Vote::Up));
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
    let reply = Object::Reply(ReplyId(4));
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
    let reply = Object::Reply(ReplyId(4));
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
        object: Object::Thread(ThreadId(4)),
        ..tenth
    };
    assert!(
        !keys(&decide(&on_thread, &popular))
            .contains(&("good_reply", Some(Object::Thread(ThreadId(4)))))
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
        author: UserId(1),
        object,
        group: GroupId(9),
        vote,
        voter_domain: None,
        author_points,
        voter_points,
    };
    let votes = [
        vote(
            UserId(2),
            Object::Reply(ReplyId(4)),
            Vote::Down,
            Some(-2),
            Some(-1),
        ),
        vote(
            UserId(3),
            Object::Reply(ReplyId(4)),
            Vote::Up,
            Some(10),
            None,
        ),
        vote(
            UserId(5),
            Object::Reply(ReplyId(4)),
            Vote::Up,
            Some(0),
            None,
        ),
    ];
    let lines = withdrawals(&Rules::default(), &votes, NOW);
    let summary: Vec<_> = lines
        .iter()
        .map(|l| {
            (
                l.entry.member.get(),
                l.entry.source.map(UserId::get),
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
    let reply = Object::Reply(ReplyId(4));
    let line = post_removed(
        &rules,
        reply,
        GroupId(9),
        false,
        UserId(1),
        Some(UserId(7)),
        NOW,
    )
    .unwrap();
    assert_eq!(
        (
            line.entry.member.get(),
            line.entry.source.map(UserId::get),
            line.entry.kind,
            line.points
        ),
        (1, Some(7), Kind::PostRemoved(-5), -5)
    );
    assert_eq!(
        post_removed(
            &rules,
            reply,
            GroupId(9),
            false,
            UserId(1),
            Some(UserId(1)),
            NOW
        ),
        None,
        "by its author"
    );
    assert_eq!(
        post_removed(&rules, reply, GroupId(9), false, UserId(1), None, NOW),
        None
    );
    assert_eq!(
        post_removed(
            &rules,
            reply,
            GroupId(9),
            true,
            UserId(1),
            Some(UserId(7)),
            NOW
        ),
        None,
        "remote"
    );
}

#[test]
fn adjustments_need_a_reason_and_a_bounded_amount() {
    let line = adjustment(UserId(1), -40, "  spam  ", UserId(7), NOW).unwrap();
    assert_eq!(
        (
            line.entry.kind,
            line.points,
            line.detail.as_deref(),
            line.entry.source.map(UserId::get)
        ),
        (Kind::Adjustment(-40), -40, Some("spam"), Some(7))
    );
    assert!(adjustment(UserId(1), 5, " ", UserId(7), NOW).is_err());
    assert!(adjustment(UserId(1), 0, "why", UserId(7), NOW).is_err());
    assert!(adjustment(UserId(1), i64::MIN, "why", UserId(7), NOW).is_err());
}
