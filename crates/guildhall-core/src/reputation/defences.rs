//! Defences against gaming: which votes carry points, and how much.
//!
//! - A vote from an account under TL1, a suspended or banned account, or a
//!   blocked instance carries none ([`vote_counts`]).
//! - Two accounts that mostly vote for each other (a ring) count for less,
//!   down to nothing ([`ring_weight`]).
//! - Points from any one remote instance are capped per day
//!   ([`instance_capped`]).

use super::{Rules, TrustLevel};

/// The voter as the defences see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Voter {
    pub level: TrustLevel,
    pub suspended_or_banned: bool,
    pub instance_blocked: bool,
}

/// Whether a vote carries points at all.
pub fn vote_counts(voter: Voter) -> bool {
    voter.level >= TrustLevel::Tl1 && !voter.suspended_or_banned && !voter.instance_blocked
}

/// Votes between two members over the ring window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pair {
    /// Votes the author received from this voter.
    pub from_voter: i64,
    /// Votes the author received from anyone.
    pub author_received: i64,
    /// Votes the voter received from this author.
    pub from_author: i64,
    /// Votes the voter received from anyone.
    pub voter_received: i64,
}

/// The share (in percent) of a vote's points that count: 100 unless the two
/// mostly vote for each other, that is each gets at least
/// `ring_share_percent` of their received votes from the other (and at least
/// `ring_min_votes` of them). Past that share the weight falls linearly, to
/// nothing when all their votes come from each other.
pub fn ring_weight(rules: &Rules, pair: Pair) -> i64 {
    let share = |part: i64, whole: i64| {
        if whole <= 0 { 0 } else { part * 100 / whole }
    };
    let threshold = rules.ring_share_percent.clamp(1, 100);
    let one_way = share(pair.from_voter, pair.author_received);
    let other_way = share(pair.from_author, pair.voter_received);
    let enough =
        pair.from_voter >= rules.ring_min_votes && pair.from_author >= rules.ring_min_votes;
    if !enough || one_way < threshold || other_way < threshold {
        return 100;
    }
    let closeness = one_way.min(other_way);
    if threshold == 100 {
        return 0;
    }
    // threshold → 100 %, 100 % of votes from each other → 0 %.
    (100 - closeness) * 100 / (100 - threshold)
}

/// Applies a weight in percent to points (rounding toward zero).
pub fn weighted(points: i64, weight_percent: i64) -> i64 {
    points * weight_percent.clamp(0, 100) / 100
}

/// What of `points` from a remote instance's votes counts, the instance's
/// members having brought `instance_today` points today: gains stop at the
/// cap, losses always count.
pub fn instance_capped(rules: &Rules, instance_today: i64, points: i64) -> i64 {
    if points <= 0 {
        return points;
    }
    points.min((rules.remote_instance_daily_points - instance_today).max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_banned_and_blocked_voters_carry_nothing() {
        let ok = Voter {
            level: TrustLevel::Tl1,
            suspended_or_banned: false,
            instance_blocked: false,
        };
        assert!(vote_counts(ok));
        assert!(!vote_counts(Voter {
            level: TrustLevel::Tl0,
            ..ok
        }));
        assert!(!vote_counts(Voter {
            suspended_or_banned: true,
            ..ok
        }));
        assert!(!vote_counts(Voter {
            instance_blocked: true,
            ..ok
        }));
    }

    /// The attack: two accounts upvote each other and nobody else votes for
    /// them. Their votes are worth nothing; a pair that also gets votes from
    /// others keeps part; ordinary voters keep all.
    #[test]
    fn rings_are_damped_down_to_nothing() {
        let rules = Rules::default();
        let ring = Pair {
            from_voter: 40,
            author_received: 40,
            from_author: 40,
            voter_received: 40,
        };
        assert_eq!(ring_weight(&rules, ring), 0);
        assert_eq!(weighted(10, ring_weight(&rules, ring)), 0);
        let partly = Pair {
            from_voter: 30,
            author_received: 40,
            from_author: 30,
            voter_received: 40,
        };
        assert_eq!(ring_weight(&rules, partly), 50, "75 % from each other");
        let fan = Pair {
            from_voter: 3,
            author_received: 40,
            from_author: 0,
            voter_received: 10,
        };
        assert_eq!(ring_weight(&rules, fan), 100);
        let one_sided = Pair {
            from_voter: 40,
            author_received: 40,
            from_author: 0,
            voter_received: 50,
        };
        assert_eq!(ring_weight(&rules, one_sided), 100, "a fan is not a ring");
        let few = Pair {
            from_voter: 2,
            author_received: 2,
            from_author: 2,
            voter_received: 2,
        };
        assert_eq!(ring_weight(&rules, few), 100, "too few votes to judge");
    }

    #[test]
    fn one_instance_brings_at_most_its_daily_points() {
        let rules = Rules::default();
        let cap = rules.remote_instance_daily_points;
        assert_eq!(instance_capped(&rules, 0, 10), 10);
        assert_eq!(instance_capped(&rules, cap - 4, 10), 4);
        assert_eq!(instance_capped(&rules, cap, 10), 0);
        assert_eq!(instance_capped(&rules, cap, -2), -2);
    }
}
