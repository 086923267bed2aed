//! A recompute from scratch: the whole ledger replayed in order through
//! the [`Fold`], and what the folded tables must then hold (scores, day
//! buckets, the points each remote instance brought each day, what each
//! standing vote stands for) built from it. The store reads the ledger and
//! the tables and writes what differs (`guildhall-db`'s `recompute.rs`);
//! what they should hold is decided here, as the triggers of
//! `0003_reputation.sql` fold it one row at a time.

use super::Rules;
use super::ledger::{Entry, Fold, Kind, Object};
use crate::ids::UserId;
use crate::votes::Vote;
use std::collections::HashMap;

/// A ledger row as stored, as the replay reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored<'a> {
    pub id: i64,
    /// The entry (its `instance` is assigned by the replay, from
    /// `source_domain`).
    pub entry: Entry,
    pub source_domain: Option<&'a str>,
    /// Its stored UTC day.
    pub day: i64,
    /// Its points as written.
    pub points: i64,
}

#[derive(Debug, Default)]
struct Day {
    points: i64,
    vote_gains: i64,
    upvotes: i64,
}

/// The ledger replayed: the fold, and what the folded tables are built from.
#[derive(Debug)]
pub struct Replay<'r> {
    fold: Fold<'r>,
    /// Remote instances numbered in the order met.
    instances: HashMap<String, u32>,
    /// Per day, the buckets of each (member, group; 0 for the total). Kept
    /// by day first: the ledger comes in time order, so the entries of a
    /// day find their buckets in a small map (one map of all buckets was
    /// the slowest part of the replay, waiting on memory).
    days: HashMap<i64, HashMap<(i64, i64), Day>>,
    /// Points remote votes brought, per (instance, day).
    brought: HashMap<(u32, i64), i64>,
    /// (id, points) of the entries the rules now decide differently.
    changed: Vec<[i64; 2]>,
}

impl<'r> Replay<'r> {
    pub fn new(rules: &'r Rules) -> Replay<'r> {
        Replay {
            fold: Fold::new(rules),
            instances: HashMap::new(),
            days: HashMap::new(),
            brought: HashMap::new(),
            changed: Vec::new(),
        }
    }

    /// Applies rows in order of id.
    pub fn apply(&mut self, rows: &[Stored<'_>]) {
        for row in rows {
            let instance = row.source_domain.map(|d| match self.instances.get(d) {
                Some(&i) => i,
                None => {
                    let next = self.instances.len() as u32;
                    self.instances.insert(d.to_owned(), next);
                    next
                }
            });
            let entry = Entry {
                instance,
                ..row.entry
            };
            let points = self.fold.apply(&entry);
            if points != row.points {
                self.changed.push([row.id, points]);
            }
            let day = row.day;
            let upvote = matches!(entry.kind, Kind::VoteReceived(Vote::Up)) as i64;
            let gains = if entry.is_vote_gain() {
                points.max(0)
            } else {
                0
            };
            let buckets = self.days.entry(day).or_default();
            let total_day = buckets.entry((entry.member.get(), 0)).or_default();
            total_day.points += points;
            total_day.vote_gains += gains;
            total_day.upvotes += upvote;
            if let Some(group) = entry.group {
                buckets
                    .entry((entry.member.get(), group.get()))
                    .or_default()
                    .points += points;
            }
            if let (true, Some(i)) = (entry.is_remote_vote(), instance)
                && points > 0
            {
                *self.brought.entry((i, day)).or_default() += points;
            }
        }
    }

    /// (id, points) of the entries the rules now decide differently.
    pub fn changed(&self) -> &[[i64; 2]] {
        &self.changed
    }

    /// Members with points in the ledger.
    pub fn members(&self) -> usize {
        self.fold.scores.total.len()
    }

    /// The rows of `reputation_scores`, sorted: (member, group, points),
    /// group 0 for the total.
    pub fn score_rows(&self) -> Vec<[i64; 3]> {
        let scores = &self.fold.scores;
        let mut rows: Vec<[i64; 3]> = scores
            .total
            .iter()
            .map(|(&member, &points)| [member.get(), 0, points])
            .collect();
        rows.extend(
            scores
                .by_group
                .iter()
                .filter_map(|(&(member, group), &points)| {
                    group.map(|g| [member.get(), g.get(), points])
                }),
        );
        rows.sort_unstable();
        rows
    }

    /// The rows of `reputation_days`, sorted: (member, group, day, points,
    /// vote gains, upvotes).
    pub fn day_rows(&self) -> Vec<[i64; 6]> {
        let mut rows: Vec<[i64; 6]> =
            Vec::with_capacity(self.days.values().map(HashMap::len).sum());
        for (&day, buckets) in &self.days {
            rows.extend(buckets.iter().map(|(&(member, group), d)| {
                [member, group, day, d.points, d.vote_gains, d.upvotes]
            }));
        }
        rows.sort_unstable();
        rows
    }

    /// The rows of `reputation_instance_days`: (domain, day, points).
    pub fn instance_day_rows(&self) -> Vec<(&str, i64, i64)> {
        let mut domains = vec![""; self.instances.len()];
        for (domain, &i) in &self.instances {
            domains[i as usize] = domain;
        }
        self.brought
            .iter()
            .map(|(&(i, day), &points)| (domains[i as usize], day, points))
            .collect()
    }

    /// What a standing vote by `voter` on `author`'s `object` must hold,
    /// holding `was` (author's points, voter's points), if that differs:
    /// what the replay granted, so a withdrawal after the recompute
    /// reverses the recomputed points. A vote that held no voter's points
    /// gets none.
    pub fn standing_vote(
        &self,
        voter: UserId,
        author: UserId,
        object: Object,
        was: (Option<i64>, Option<i64>),
    ) -> Option<(Option<i64>, Option<i64>)> {
        let now = (
            Some(self.fold.granted(&(author, voter, object))),
            was.1.map(|_| self.fold.granted(&(voter, author, object))),
        );
        (now != was).then_some(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{GroupId, ReplyId, ThreadId};
    use crate::reputation::ledger::DAY_MS;

    fn stored(id: i64, entry: Entry, domain: Option<&str>, points: i64) -> Stored<'_> {
        Stored {
            id,
            entry,
            source_domain: domain,
            day: entry.day(),
            points,
        }
    }

    fn upvote(member: i64, voter: i64, object: Object, at: i64) -> Entry {
        Entry {
            member: UserId(member),
            group: Some(GroupId(5)),
            source: Some(UserId(voter)),
            object: Some(object),
            kind: Kind::VoteReceived(Vote::Up),
            at,
            weight: 100,
            instance: None,
        }
    }

    /// A ledger written under the defaults, replayed under other rules:
    /// the changed entries, the scores, the day buckets, the instance days
    /// and the standing votes all follow the new rules.
    #[test]
    fn a_replay_rebuilds_every_folded_table() {
        let rules = Rules {
            reply_upvote: 20,
            remote_instance_daily_points: 30,
            ..Rules::default()
        };
        let reply = Object::Reply(ReplyId(7));
        let rows = [
            stored(1, upvote(1, 2, reply, 10), None, 10),
            stored(2, upvote(1, 3, reply, 20), Some("b.example"), 10),
            stored(3, upvote(1, 4, reply, 30), Some("b.example"), 10),
            stored(
                4,
                upvote(1, 2, Object::Thread(ThreadId(8)), DAY_MS + 1),
                None,
                5,
            ),
        ];
        let mut replay = Replay::new(&rules);
        replay.apply(&rows);
        assert_eq!(
            replay.changed(),
            [[1, 20], [2, 20]],
            "the third capped by its instance"
        );
        assert_eq!(replay.members(), 1);
        assert_eq!(replay.score_rows(), [[1, 0, 55], [1, 5, 55]]);
        assert_eq!(
            replay.day_rows(),
            [
                [1, 0, 0, 50, 50, 3],
                [1, 0, 1, 5, 5, 1],
                [1, 5, 0, 50, 0, 0],
                [1, 5, 1, 5, 0, 0]
            ]
        );
        assert_eq!(replay.instance_day_rows(), [("b.example", 0, 30)]);
        assert_eq!(
            replay.standing_vote(UserId(3), UserId(1), reply, (Some(10), None)),
            Some((Some(20), None))
        );
        assert_eq!(
            replay.standing_vote(UserId(2), UserId(1), reply, (Some(20), None)),
            None
        );
        assert_eq!(
            replay.standing_vote(UserId(9), UserId(1), reply, (Some(10), Some(-1))),
            Some((Some(0), Some(0))),
            "a vote the ledger does not know stands for nothing"
        );
    }
}
