//! The reputation ledger and the fold over it.
//!
//! Every reputation-relevant event is an [`Entry`]; the points it carries
//! are decided when it is written, from the rules, the entry's weight (what
//! the defences let a vote count for, fixed when it was cast) and three
//! facts about the past ([`Before`]): how many vote points its member earned
//! that day (the daily cap), how many its source's instance brought that
//! day (the per-instance cap) and, for a withdrawn vote, what that vote had
//! granted (so it is reversed exactly). [`entry_points`] is that decision. Written one event at a
//! time, both facts are a query over the rows before it (constant work per
//! event); [`Fold`] tracks them while replaying the whole ledger, as a
//! recompute from scratch does. Both must always agree: the property test
//! below replays random ledgers both ways.

use super::Rules;
use super::defences::{instance_capped, weighted};
use super::points::{VotedOn, accepted_answer_points, capped, vote_points};
use crate::RuleError;
use crate::votes::Vote;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A UTC day in Unix milliseconds: the ledger counts caps by day.
pub const DAY_MS: i64 = 86_400_000;

/// What a ledger entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Object {
    Thread(i64),
    Reply(i64),
}

impl Object {
    fn voted_on(self) -> VotedOn {
        match self {
            Object::Thread(_) => VotedOn::Thread,
            Object::Reply(_) => VotedOn::Reply,
        }
    }
}

/// What happened. The member of the entry is whom its points go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A vote on the member's post, by the entry's source.
    VoteReceived(Vote),
    /// The member's own vote on someone's post (a downvote on a reply costs).
    VoteCast(Vote),
    /// A vote taken back, or voided because its post was deleted or its
    /// voter banned: reverses what the vote gave the member.
    VoteWithdrawn,
    /// The member's reply was accepted as the answer.
    AnswerAccepted,
    /// The member accepted someone's reply as the answer.
    AnswerAcceptedBy,
    /// Points an idea's stage gives (configured per stage).
    IdeaStaged(i64),
    /// A moderator removed the member's post (a penalty, 0 by default).
    PostRemoved(i64),
    /// A badge: recorded for the history, no points.
    BadgeAwarded,
    /// An admin's manual adjustment, with a reason kept beside it.
    Adjustment(i64),
}

/// The stored name of a ledger entry's kind (the ledger's `kind` column):
/// the one list of them, read and written by the store and the bench.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KindName {
    VoteReceived,
    VoteCast,
    VoteWithdrawn,
    AnswerAccepted,
    AnswerAcceptedBy,
    IdeaStaged,
    PostRemoved,
    BadgeAwarded,
    Adjustment,
}

impl KindName {
    pub const ALL: [KindName; 9] = [
        KindName::VoteReceived,
        KindName::VoteCast,
        KindName::VoteWithdrawn,
        KindName::AnswerAccepted,
        KindName::AnswerAcceptedBy,
        KindName::IdeaStaged,
        KindName::PostRemoved,
        KindName::BadgeAwarded,
        KindName::Adjustment,
    ];

    /// As stored (and as the API and the triggers name it).
    pub fn as_str(self) -> &'static str {
        match self {
            KindName::VoteReceived => "vote_received",
            KindName::VoteCast => "vote_cast",
            KindName::VoteWithdrawn => "vote_withdrawn",
            KindName::AnswerAccepted => "answer_accepted",
            KindName::AnswerAcceptedBy => "answer_accepted_by",
            KindName::IdeaStaged => "idea_staged",
            KindName::PostRemoved => "post_removed",
            KindName::BadgeAwarded => "badge_awarded",
            KindName::Adjustment => "adjustment",
        }
    }
}

impl fmt::Display for KindName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for KindName {
    type Err = RuleError;

    fn from_str(s: &str) -> Result<KindName, RuleError> {
        KindName::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| RuleError::invalid("kind", format!("no ledger kind is named {s:?}")))
    }
}

impl Kind {
    /// Its stored name.
    pub fn name(self) -> KindName {
        match self {
            Kind::VoteReceived(_) => KindName::VoteReceived,
            Kind::VoteCast(_) => KindName::VoteCast,
            Kind::VoteWithdrawn => KindName::VoteWithdrawn,
            Kind::AnswerAccepted => KindName::AnswerAccepted,
            Kind::AnswerAcceptedBy => KindName::AnswerAcceptedBy,
            Kind::IdeaStaged(_) => KindName::IdeaStaged,
            Kind::PostRemoved(_) => KindName::PostRemoved,
            Kind::BadgeAwarded => KindName::BadgeAwarded,
            Kind::Adjustment(_) => KindName::Adjustment,
        }
    }

    /// The vote it is about (the ledger's `vote` column), for a vote.
    pub fn vote(self) -> Option<Vote> {
        match self {
            Kind::VoteReceived(v) | Kind::VoteCast(v) => Some(v),
            _ => None,
        }
    }

    /// Its configured or given amount (the ledger's `amount` column), 0
    /// for the kinds whose points the rules decide.
    pub fn amount(self) -> i64 {
        match self {
            Kind::IdeaStaged(p) | Kind::PostRemoved(p) | Kind::Adjustment(p) => p,
            _ => 0,
        }
    }

    /// The kind of a stored row, from its `kind`, `vote` and `amount`
    /// columns (a vote without its value reads as an upvote).
    pub fn from_stored(name: KindName, vote: Option<i64>, amount: i64) -> Result<Kind, RuleError> {
        let vote = || Vote::from_value(vote.unwrap_or(1));
        Ok(match name {
            KindName::VoteReceived => Kind::VoteReceived(vote()?),
            KindName::VoteCast => Kind::VoteCast(vote()?),
            KindName::VoteWithdrawn => Kind::VoteWithdrawn,
            KindName::AnswerAccepted => Kind::AnswerAccepted,
            KindName::AnswerAcceptedBy => Kind::AnswerAcceptedBy,
            KindName::IdeaStaged => Kind::IdeaStaged(amount),
            KindName::PostRemoved => Kind::PostRemoved(amount),
            KindName::BadgeAwarded => Kind::BadgeAwarded,
            KindName::Adjustment => Kind::Adjustment(amount),
        })
    }
}

/// One ledger row, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub member: i64,
    pub group: Option<i64>,
    /// Who caused it: the voter, the acceptor, the moderator, the admin.
    pub source: Option<i64>,
    pub object: Option<Object>,
    pub kind: Kind,
    /// Unix milliseconds.
    pub at: i64,
    /// The share of a vote's points that counts, in percent: 100, less for
    /// a ring, 0 for a voter under TL1, banned, or on a blocked instance.
    pub weight: i64,
    /// The source's remote instance, as a number the caller assigns (the
    /// per-instance daily cap); `None` for a local source.
    pub instance: Option<u32>,
}

impl Entry {
    /// The UTC day of the entry, for the daily cap.
    pub fn day(&self) -> i64 {
        self.at.div_euclid(DAY_MS)
    }

    /// Whether its points count against the daily cap on vote points.
    pub fn is_vote_gain(&self) -> bool {
        matches!(self.kind, Kind::VoteReceived(_) | Kind::VoteCast(_))
    }

    /// Whether its gains count against its source instance's daily cap.
    pub fn is_remote_vote(&self) -> bool {
        self.instance.is_some() && matches!(self.kind, Kind::VoteReceived(_))
    }

    /// The vote a withdrawal reverses: (member, voter, object).
    fn vote_key(&self) -> Option<(i64, i64, Object)> {
        Some((self.member, self.source?, self.object?))
    }
}

/// A ledger row to write, as a decision returns it: the entry, its points,
/// and what is kept beside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub entry: Entry,
    pub points: i64,
    /// The source's instance, when it is remote: the per-instance cap
    /// counts by it (a recompute numbers instances by it again).
    pub source_domain: Option<String>,
    /// For a withdrawal, the vote it takes back (kept in the `vote`
    /// column, so the upvote counts fall with it).
    pub withdrawn: Option<Vote>,
    /// An adjustment's reason, a badge's key, or which side of a vote a
    /// withdrawal reverses (`received` or `cast`).
    pub detail: Option<String>,
}

impl Line {
    pub fn new(entry: Entry, points: i64) -> Line {
        Line {
            entry,
            points,
            source_domain: None,
            withdrawn: None,
            detail: None,
        }
    }

    pub fn detail(mut self, detail: &str) -> Line {
        self.detail = Some(detail.to_owned());
        self
    }

    /// The `vote` column: the vote of a vote entry, or the one a
    /// withdrawal takes back.
    pub fn stored_vote(&self) -> Option<i64> {
        self.entry.kind.vote().or(self.withdrawn).map(Vote::value)
    }
}

/// What the rows before an entry say, as far as its points go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Before {
    /// Vote gains of the entry's member on its day.
    pub earned_today: i64,
    /// Gains votes from the entry's source instance brought on its day.
    pub instance_today: i64,
    /// What the vote a [`Kind::VoteWithdrawn`] reverses had granted.
    pub granted: i64,
}

/// The points of `entry`, given what came before it.
pub fn entry_points(rules: &Rules, entry: &Entry, before: Before) -> i64 {
    match entry.kind {
        Kind::VoteReceived(v) | Kind::VoteCast(v) => {
            let mut points = weighted(vote_share(rules, entry, v), entry.weight);
            if entry.is_remote_vote() {
                points = instance_capped(rules, before.instance_today, points);
            }
            capped(rules, before.earned_today, points)
        }
        Kind::VoteWithdrawn => -before.granted,
        Kind::AnswerAccepted => {
            accepted_answer_points(rules, entry.member, entry.source.unwrap_or(-1)).0
        }
        Kind::AnswerAcceptedBy => {
            accepted_answer_points(rules, entry.source.unwrap_or(-1), entry.member).1
        }
        Kind::IdeaStaged(p) | Kind::PostRemoved(p) | Kind::Adjustment(p) => p,
        Kind::BadgeAwarded => 0,
    }
}

/// The member's share of a vote before the cap: the author's for a vote
/// received, the voter's for a vote cast.
fn vote_share(rules: &Rules, entry: &Entry, vote: Vote) -> i64 {
    let (Some(object), Some(source)) = (entry.object, entry.source) else {
        return 0;
    };
    if matches!(entry.kind, Kind::VoteReceived(_)) {
        vote_points(rules, object.voted_on(), vote, source, entry.member).author
    } else {
        vote_points(rules, object.voted_on(), vote, entry.member, source).voter
    }
}

/// Scores: a member's points in all, and per group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scores {
    pub total: HashMap<i64, i64>,
    pub by_group: HashMap<(i64, Option<i64>), i64>,
}

impl Scores {
    /// Adds an entry's points: the incremental update, one step per event.
    pub fn add(&mut self, entry: &Entry, points: i64) {
        *self.total.entry(entry.member).or_default() += points;
        *self
            .by_group
            .entry((entry.member, entry.group))
            .or_default() += points;
    }
}

/// The ledger replayed in order: the points of each entry and the scores.
#[derive(Debug, Clone)]
pub struct Fold<'r> {
    rules: &'r Rules,
    pub scores: Scores,
    /// Vote gains per (member, day).
    earned: HashMap<(i64, i64), i64>,
    /// Gains from remote votes per (instance, day).
    brought: HashMap<(u32, i64), i64>,
    /// What each standing vote gave its member: (member, voter, object).
    granted: HashMap<(i64, i64, Object), i64>,
}

impl<'r> Fold<'r> {
    pub fn new(rules: &'r Rules) -> Fold<'r> {
        Fold {
            rules,
            scores: Scores::default(),
            earned: HashMap::new(),
            brought: HashMap::new(),
            granted: HashMap::new(),
        }
    }

    /// What each standing vote gives its member now, keyed (member, the
    /// other party, object): a vote received is (author, voter, post), a
    /// vote cast (voter, author, post).
    pub fn standing(&self) -> impl Iterator<Item = (&(i64, i64, Object), &i64)> {
        self.granted.iter()
    }

    /// What the standing vote `key` gives its member now (see [`standing`]).
    ///
    /// [`standing`]: Fold::standing
    pub fn granted(&self, key: &(i64, i64, Object)) -> i64 {
        self.granted.get(key).copied().unwrap_or(0)
    }

    /// Applies the next entry; returns its points.
    pub fn apply(&mut self, entry: &Entry) -> i64 {
        let day = entry.day();
        let key = entry.vote_key();
        let before = Before {
            earned_today: self.earned.get(&(entry.member, day)).copied().unwrap_or(0),
            instance_today: entry
                .instance
                .and_then(|i| self.brought.get(&(i, day)).copied())
                .unwrap_or(0),
            granted: match (entry.kind, key) {
                (Kind::VoteWithdrawn, Some(key)) => self.granted.remove(&key).unwrap_or(0),
                _ => 0,
            },
        };
        let points = entry_points(self.rules, entry, before);
        if entry.is_vote_gain() {
            if points > 0 {
                *self.earned.entry((entry.member, day)).or_default() += points;
                if let (true, Some(i)) = (entry.is_remote_vote(), entry.instance) {
                    *self.brought.entry((i, day)).or_default() += points;
                }
            }
            if let Some(key) = key {
                *self.granted.entry(key).or_default() += points;
            }
        }
        self.scores.add(entry, points);
        points
    }
}

/// Scores from the whole ledger, from scratch.
pub fn recompute(rules: &Rules, entries: &[Entry]) -> Scores {
    let mut fold = Fold::new(rules);
    for entry in entries {
        fold.apply(entry);
    }
    fold.scores
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    const DAY: i64 = 86_400_000;

    fn vote(member: i64, voter: i64, object: Object, v: Vote, at: i64) -> Entry {
        Entry {
            member,
            group: Some(1),
            source: Some(voter),
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
            Kind::IdeaStaged(7),
            Kind::PostRemoved(-3),
            Kind::BadgeAwarded,
            Kind::Adjustment(-40),
        ] {
            let stored =
                Kind::from_stored(kind.name(), kind.vote().map(Vote::value), kind.amount());
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
        let up = vote(1, 2, Object::Reply(10), Vote::Up, 0);
        let cast = Entry {
            member: 3,
            source: Some(1),
            kind: Kind::VoteCast(Vote::Down),
            ..up
        };
        let mut fold = Fold::new(&rules);
        assert_eq!(fold.apply(&up), 10);
        assert_eq!(fold.apply(&cast), -1, "downvoting a reply costs the voter");
        assert_eq!(fold.apply(&withdraw(&up, 5)), -10);
        assert_eq!(fold.apply(&withdraw(&cast, 5)), 1);
        assert_eq!(fold.scores.total[&1], 0);
        assert_eq!(fold.scores.total[&3], 0);
    }

    #[test]
    fn the_daily_cap_holds_and_resets_the_next_day() {
        let rules = Rules::default();
        let mut fold = Fold::new(&rules);
        let mut total = 0;
        for voter in 0..25 {
            total += fold.apply(&vote(1, 100 + voter, Object::Reply(10), Vote::Up, 1_000));
        }
        assert_eq!(total, 200, "25 upvotes of 10 points, capped at 200");
        // A withdrawn vote that was capped to nothing reverses nothing.
        let late = vote(1, 124, Object::Reply(10), Vote::Up, 1_000);
        assert_eq!(fold.apply(&withdraw(&late, 2_000)), 0);
        assert_eq!(
            fold.apply(&vote(1, 200, Object::Reply(10), Vote::Up, DAY + 1)),
            10
        );
        // Accepted answers are not capped.
        let accepted = Entry {
            member: 1,
            group: Some(1),
            source: Some(9),
            object: Some(Object::Reply(10)),
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
            ..vote(1, 2, Object::Reply(10), Vote::Up, 0)
        };
        assert_eq!(fold.apply(&ring), 5, "half weight");
        let remote = |voter| Entry {
            instance: Some(7),
            ..vote(3, voter, Object::Reply(11), Vote::Up, 0)
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
                            Object::Thread(rng.gen_range(1..4))
                        } else {
                            Object::Reply(rng.gen_range(1..4))
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
                        ..vote(member, rng.gen_range(1..5), Object::Reply(1), Vote::Up, at)
                    },
                    _ => Entry {
                        kind: Kind::Adjustment(rng.gen_range(-20..20)),
                        ..vote(member, 99, Object::Thread(1), Vote::Up, at)
                    },
                };
                // The store's way: two sums over earlier rows.
                let earned_today: i64 = rows
                    .iter()
                    .filter(|(r, p)| {
                        r.member == entry.member
                            && r.day() == entry.day()
                            && r.is_vote_gain()
                            && *p > 0
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
}
