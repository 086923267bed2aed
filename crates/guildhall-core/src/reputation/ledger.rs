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
use crate::ids::{GroupId, ReplyId, ThreadId, UserId};
use crate::votes::Vote;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A UTC day in Unix milliseconds: the ledger counts caps by day.
pub const DAY_MS: i64 = 86_400_000;

/// What a ledger entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Object {
    Thread(ThreadId),
    Reply(ReplyId),
}

impl Object {
    /// As stored: the `object_type` and `object_id` columns (the ledger's,
    /// the flags').
    pub fn stored(self) -> (&'static str, i64) {
        match self {
            Object::Thread(id) => ("thread", id.get()),
            Object::Reply(id) => ("reply", id.get()),
        }
    }

    /// The object those two columns name; `None` for an unknown type.
    pub fn from_stored(object_type: &str, id: i64) -> Option<Object> {
        match object_type {
            "thread" => Some(Object::Thread(ThreadId(id))),
            "reply" => Some(Object::Reply(ReplyId(id))),
            _ => None,
        }
    }

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
    /// An acceptance taken back (or moved to another reply): reverses what
    /// it gave the member, on either side.
    AnswerWithdrawn,
    /// Points an idea's stage gives (configured per stage).
    IdeaStaged(i64),
    /// A moderator removed the member's post (a penalty, 0 by default).
    PostRemoved(i64),
    /// A moderator restored the post: gives back what its removal took
    /// (the amount is minus the removal's points).
    PostRestored(i64),
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
    AnswerWithdrawn,
    IdeaStaged,
    PostRemoved,
    PostRestored,
    BadgeAwarded,
    Adjustment,
}

impl KindName {
    pub const ALL: [KindName; 11] = [
        KindName::VoteReceived,
        KindName::VoteCast,
        KindName::VoteWithdrawn,
        KindName::AnswerAccepted,
        KindName::AnswerAcceptedBy,
        KindName::AnswerWithdrawn,
        KindName::IdeaStaged,
        KindName::PostRemoved,
        KindName::PostRestored,
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
            KindName::AnswerWithdrawn => "answer_withdrawn",
            KindName::IdeaStaged => "idea_staged",
            KindName::PostRemoved => "post_removed",
            KindName::PostRestored => "post_restored",
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
            Kind::AnswerWithdrawn => KindName::AnswerWithdrawn,
            Kind::IdeaStaged(_) => KindName::IdeaStaged,
            Kind::PostRemoved(_) => KindName::PostRemoved,
            Kind::PostRestored(_) => KindName::PostRestored,
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
            Kind::IdeaStaged(p)
            | Kind::PostRemoved(p)
            | Kind::PostRestored(p)
            | Kind::Adjustment(p) => p,
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
            KindName::AnswerWithdrawn => Kind::AnswerWithdrawn,
            KindName::IdeaStaged => Kind::IdeaStaged(amount),
            KindName::PostRemoved => Kind::PostRemoved(amount),
            KindName::PostRestored => Kind::PostRestored(amount),
            KindName::BadgeAwarded => Kind::BadgeAwarded,
            KindName::Adjustment => Kind::Adjustment(amount),
        })
    }
}

/// One ledger row, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub member: UserId,
    pub group: Option<GroupId>,
    /// Who caused it: the voter, the acceptor, the moderator, the admin.
    pub source: Option<UserId>,
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

    /// The vote or acceptance a withdrawal reverses: (member, the other
    /// party, object).
    fn vote_key(&self) -> Option<(UserId, UserId, Object)> {
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
    /// What the vote a [`Kind::VoteWithdrawn`], or the acceptance a
    /// [`Kind::AnswerWithdrawn`], reverses had granted.
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
        Kind::VoteWithdrawn | Kind::AnswerWithdrawn => -before.granted,
        // An acceptance with no source cannot be one's own: no member has id -1.
        Kind::AnswerAccepted => {
            accepted_answer_points(rules, entry.member, entry.source.unwrap_or(UserId(-1))).0
        }
        Kind::AnswerAcceptedBy => {
            accepted_answer_points(rules, entry.source.unwrap_or(UserId(-1)), entry.member).1
        }
        Kind::IdeaStaged(p)
        | Kind::PostRemoved(p)
        | Kind::PostRestored(p)
        | Kind::Adjustment(p) => p,
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
    pub total: HashMap<UserId, i64>,
    pub by_group: HashMap<(UserId, Option<GroupId>), i64>,
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
    earned: HashMap<(UserId, i64), i64>,
    /// Gains from remote votes per (instance, day).
    brought: HashMap<(u32, i64), i64>,
    /// What each standing vote gave its member: (member, voter, object).
    granted: HashMap<(UserId, UserId, Object), i64>,
    /// What each standing acceptance gave its member: (member, the other
    /// party, the reply). Apart from votes: an acceptor may have voted on
    /// the answer too.
    accepted: HashMap<(UserId, UserId, Object), i64>,
}

impl<'r> Fold<'r> {
    pub fn new(rules: &'r Rules) -> Fold<'r> {
        Fold {
            rules,
            scores: Scores::default(),
            earned: HashMap::new(),
            brought: HashMap::new(),
            granted: HashMap::new(),
            accepted: HashMap::new(),
        }
    }

    /// What each standing vote gives its member now, keyed (member, the
    /// other party, object): a vote received is (author, voter, post), a
    /// vote cast (voter, author, post).
    pub fn standing(&self) -> impl Iterator<Item = (&(UserId, UserId, Object), &i64)> {
        self.granted.iter()
    }

    /// What the standing vote `key` gives its member now (see [`standing`]).
    ///
    /// [`standing`]: Fold::standing
    pub fn granted(&self, key: &(UserId, UserId, Object)) -> i64 {
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
                (Kind::AnswerWithdrawn, Some(key)) => self.accepted.remove(&key).unwrap_or(0),
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
        if let (Kind::AnswerAccepted | Kind::AnswerAcceptedBy, Some(key)) = (entry.kind, key) {
            self.accepted.insert(key, points);
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
mod tests;
