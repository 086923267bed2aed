//! Unit tests of the ledger and its fold, without a database.

use super::*;
use crate::ids::{GroupId, ReplyId, ThreadId, UserId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const DAY: i64 = 86_400_000;

fn vote(member: i64, voter: i64, object: Object, v: Vote, at: i64) -> Entry {
    Entry {
        member: UserId(member),
        group: Some(GroupId(1)),
        source: Some(UserId(voter)),
        object: Some(object),
        kind: Kind::VoteReceived(v),
        at,
        weight: 100,
        instance: None,
    }
}

fn withdraw(e: &Entry, at: i64) -> Entry {
    Entry {
        kind: Kind::VoteWithdrawn,
        at,
        ..*e
    }
}

#[test]
fn kinds_are_stored_by_name_and_read_back() {
    for name in KindName::ALL {
        assert_eq!(name.as_str().parse::<KindName>().unwrap(), name);
    }
    assert!("vote".parse::<KindName>().is_err());
    for kind in [
        Kind::VoteReceived(Vote::Down),
        Kind::VoteCast(Vote::Up),
        Kind::VoteWithdrawn,
        Kind::AnswerAccepted,
        Kind::AnswerAcceptedBy,
        Kind::AnswerWithdrawn,
        Kind::IdeaStaged(7),
        Kind::PostRemoved(-3),
        Kind::BadgeAwarded,
        Kind::Adjustment(-40),
    ] {
        let stored = Kind::from_stored(kind.name(), kind.vote().map(Vote::value), kind.amount());
        assert_eq!(stored.unwrap(), kind);
    }
    assert_eq!(
        Kind::from_stored(KindName::VoteReceived, None, 0).unwrap(),
        Kind::VoteReceived(Vote::Up),
        "a vote without its value reads as an upvote"
    );
}

#[test]
fn votes_earn_and_withdrawals_reverse_exactly() {
    let rules = Rules::default();
    let up = vote(1, 2, Object::Reply(ReplyId(10)), Vote::Up, 0);
    let cast = Entry {
        member: UserId(3),
        source: Some(UserId(1)),
        kind: Kind::VoteCast(Vote::Down),
        ..up
    };
    let mut fold = Fold::new(&rules);
    assert_eq!(fold.apply(&up), 10);
    assert_eq!(fold.apply(&cast), -1, "downvoting a reply costs the voter");
    assert_eq!(fold.apply(&withdraw(&up, 5)), -10);
    assert_eq!(fold.apply(&withdraw(&cast, 5)), 1);
    assert_eq!(fold.scores.total[&UserId(1)], 0);
    assert_eq!(fold.scores.total[&UserId(3)], 0);
}

#[test]
fn the_daily_cap_holds_and_resets_the_next_day() {
    let rules = Rules::default();
    let mut fold = Fold::new(&rules);
    let mut total = 0;
    for voter in 0..25 {
        total += fold.apply(&vote(
            1,
            100 + voter,
            Object::Reply(ReplyId(10)),
            Vote::Up,
            1_000,
        ));
    }
    assert_eq!(total, 200, "25 upvotes of 10 points, capped at 200");
    // A withdrawn vote that was capped to nothing reverses nothing.
    let late = vote(1, 124, Object::Reply(ReplyId(10)), Vote::Up, 1_000);
    assert_eq!(fold.apply(&withdraw(&late, 2_000)), 0);
    assert_eq!(
        fold.apply(&vote(1, 200, Object::Reply(ReplyId(10)), Vote::Up, DAY + 1)),
        10
    );
    // Accepted answers are not capped.
    let accepted = Entry {
        member: UserId(1),
        group: Some(GroupId(1)),
        source: Some(UserId(9)),
        object: Some(Object::Reply(ReplyId(10))),
        kind: Kind::AnswerAccepted,
        at: 3_000,
        weight: 100,
        instance: None,
    };
    assert_eq!(fold.apply(&accepted), 15);
}

#[test]
fn weights_and_the_instance_cap_apply_to_votes() {
    let rules = Rules {
        remote_instance_daily_points: 25,
        ..Rules::default()
    };
    let mut fold = Fold::new(&rules);
    let ring = Entry {
        weight: 50,
        ..vote(1, 2, Object::Reply(ReplyId(10)), Vote::Up, 0)
    };
    assert_eq!(fold.apply(&ring), 5, "half weight");
    let remote = |voter| Entry {
        instance: Some(7),
        ..vote(3, voter, Object::Reply(ReplyId(11)), Vote::Up, 0)
    };
    let brought: Vec<i64> = (20..24).map(|v| fold.apply(&remote(v))).collect();
    assert_eq!(brought, [10, 10, 5, 0], "25 points a day from one instance");
    assert_eq!(fold.apply(&withdraw(&remote(22), 1)), -5);
}

/// Random ledgers, applied the way the store does (each entry's points
/// from queries over the rows written before it) and replayed by the
/// fold: the points and the scores always agree, and withdrawing every
/// standing vote returns every member's vote points to zero.
#[test]
fn incremental_and_recompute_always_agree() {
    let rules = Rules {
        daily_vote_cap: 60,
        remote_instance_daily_points: 25,
        ..Rules::default()
    };
    for seed in 0..300 {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut rows: Vec<(Entry, i64)> = Vec::new();
        let mut incremental = Scores::default();
        let mut standing: Vec<Entry> = Vec::new();
        for step in 0..rng.gen_range(1..120) {
            let at = step * rng.gen_range(0..DAY / 4);
            let member = rng.gen_range(1..5);
            let entry = match rng.gen_range(0..10) {
                0..=4 => {
                    let object = if rng.r#gen() {
                        Object::Thread(ThreadId(rng.gen_range(1..4)))
                    } else {
                        Object::Reply(ReplyId(rng.gen_range(1..4)))
                    };
                    let v = if rng.gen_bool(0.7) {
                        Vote::Up
                    } else {
                        Vote::Down
                    };
                    let e = Entry {
                        kind: if rng.gen_bool(0.8) {
                            Kind::VoteReceived(v)
                        } else {
                            Kind::VoteCast(v)
                        },
                        weight: [100, 100, 50, 0][rng.gen_range(0..4)],
                        instance: [None, Some(1), Some(2)][rng.gen_range(0..3)],
                        ..vote(member, rng.gen_range(1..5), object, v, at)
                    };
                    standing.push(e);
                    e
                }
                5..=6 if !standing.is_empty() => {
                    let e = standing.swap_remove(rng.gen_range(0..standing.len()));
                    withdraw(&e, at)
                }
                7 => Entry {
                    kind: Kind::AnswerAccepted,
                    ..vote(
                        member,
                        rng.gen_range(1..5),
                        Object::Reply(ReplyId(1)),
                        Vote::Up,
                        at,
                    )
                },
                _ => Entry {
                    kind: Kind::Adjustment(rng.gen_range(-20..20)),
                    ..vote(member, 99, Object::Thread(ThreadId(1)), Vote::Up, at)
                },
            };
            // The store's way: two sums over earlier rows.
            let earned_today: i64 = rows
                .iter()
                .filter(|(r, p)| {
                    r.member == entry.member && r.day() == entry.day() && r.is_vote_gain() && *p > 0
                })
                .map(|(_, p)| p)
                .sum();
            let instance_today: i64 = rows
                .iter()
                .filter(|(r, p)| {
                    entry.instance.is_some()
                        && r.instance == entry.instance
                        && r.day() == entry.day()
                        && r.is_remote_vote()
                        && *p > 0
                })
                .map(|(_, p)| p)
                .sum();
            let granted: i64 = match entry.kind {
                Kind::VoteWithdrawn => {
                    // The vote's rows since its last withdrawal.
                    let same = |r: &Entry| r.vote_key() == entry.vote_key();
                    let since = rows
                        .iter()
                        .rposition(|(r, _)| same(r) && r.kind == Kind::VoteWithdrawn)
                        .map_or(0, |i| i + 1);
                    rows[since..]
                        .iter()
                        .filter(|(r, _)| same(r) && r.is_vote_gain())
                        .map(|(_, p)| p)
                        .sum()
                }
                _ => 0,
            };
            let before = Before {
                earned_today,
                instance_today,
                granted,
            };
            let points = entry_points(&rules, &entry, before);
            incremental.add(&entry, points);
            rows.push((entry, points));
        }
        let entries: Vec<Entry> = rows.iter().map(|(e, _)| *e).collect();
        let mut fold = Fold::new(&rules);
        for (entry, points) in &rows {
            assert_eq!(fold.apply(entry), *points, "seed {seed}: {entry:?}");
        }
        assert_eq!(recompute(&rules, &entries), incremental, "seed {seed}");

        // Withdrawing what still stands leaves only the other points.
        let end = entries.last().map_or(0, |e| e.at) + 1;
        for e in &standing {
            fold.apply(&withdraw(e, end));
        }
        let mut others = Scores::default();
        for (entry, points) in &rows {
            if !entry.is_vote_gain() && entry.kind != Kind::VoteWithdrawn {
                others.add(entry, *points);
            }
        }
        for (member, total) in &fold.scores.total {
            let rest = others.total.get(member).copied().unwrap_or(0);
            assert_eq!(*total, rest, "seed {seed}: member {member}");
        }
    }
}

#[test]
fn objects_round_trip_through_their_stored_columns() {
    for object in [Object::Thread(ThreadId(3)), Object::Reply(ReplyId(4))] {
        let (object_type, id) = object.stored();
        assert_eq!(Object::from_stored(object_type, id), Some(object));
    }
    assert_eq!(Object::Reply(ReplyId(4)).stored(), ("reply", 4));
    assert_eq!(Object::from_stored("group", 1), None);
}
