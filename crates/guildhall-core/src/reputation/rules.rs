//! The configurable numbers, with their defaults.

use super::trust::TrustThresholds;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Points per event and the daily cap (`[reputation]` in the config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rules {
    /// To a thread's author per upvote.
    pub thread_upvote: i64,
    /// To a reply's author per upvote.
    pub reply_upvote: i64,
    /// To an author per downvote received (negative).
    pub downvote_received: i64,
    /// To the voter for downvoting a reply (negative): downvotes cost a little.
    pub reply_downvote_cost: i64,
    /// To the author of the reply accepted as the answer.
    pub accepted_answer: i64,
    /// To the member who accepted it (when not the answer's author).
    pub answer_acceptor: i64,
    /// To an idea's author when it reaches a stage, by stage key (taken
    /// back when it leaves it).
    pub idea_stage_points: BTreeMap<String, i64>,
    /// To an author whose post a moderator removed (0 or negative); the
    /// removal also counts against their trust level either way.
    pub post_removed: i64,
    /// Points a member can earn from votes in one UTC day. Accepted answers
    /// and admin adjustments are not capped; losses never are.
    pub daily_vote_cap: i64,
    /// Threads and replies a day for a new member (TL0).
    pub new_member_posts_per_day: i64,
    /// A ring: two members who each get at least this share (percent) of
    /// their received votes from the other over `ring_window_days`...
    pub ring_share_percent: i64,
    /// ...and at least this many votes from each other.
    pub ring_min_votes: i64,
    pub ring_window_days: i64,
    /// Points that votes from one remote instance may bring in a UTC day.
    pub remote_instance_daily_points: i64,
    /// Titles by points, lowest first.
    pub ranks: Vec<RankRule>,
    /// What each trust level takes.
    pub trust: TrustThresholds,
}

/// A rank: its title, held from `points` on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RankRule {
    pub title: String,
    pub points: i64,
}

impl Default for Rules {
    fn default() -> Rules {
        let rank = |title: &str, points| RankRule {
            title: title.into(),
            points,
        };
        Rules {
            thread_upvote: 5,
            reply_upvote: 10,
            downvote_received: -2,
            reply_downvote_cost: -1,
            accepted_answer: 15,
            answer_acceptor: 2,
            idea_stage_points: BTreeMap::from([("planned".into(), 10), ("shipped".into(), 25)]),
            post_removed: 0,
            daily_vote_cap: 200,
            new_member_posts_per_day: 10,
            ring_share_percent: 50,
            ring_min_votes: 5,
            ring_window_days: 30,
            remote_instance_daily_points: 500,
            ranks: vec![
                rank("Newcomer", 0),
                rank("Member", 50),
                rank("Contributor", 250),
                rank("Expert", 1_000),
                rank("Champion", 5_000),
            ],
            trust: TrustThresholds::default(),
        }
    }
}

impl Rules {
    /// Refuses rules that cannot work: ranks out of order or missing.
    pub fn validate(&self) -> Result<(), String> {
        if self.ranks.is_empty() {
            return Err("reputation.ranks: at least one rank is needed".into());
        }
        if self.ranks[0].points > 0 {
            return Err("reputation.ranks: the first rank must start at 0 points".into());
        }
        if self.ranks.windows(2).any(|w| w[0].points >= w[1].points) {
            return Err("reputation.ranks: points must rise from one rank to the next".into());
        }
        if self.post_removed > 0 {
            return Err("reputation.post_removed is a penalty: 0 or negative".into());
        }
        if self.daily_vote_cap < 0 || self.new_member_posts_per_day < 0 {
            return Err(
                "reputation.daily_vote_cap and new_member_posts_per_day cannot be negative".into(),
            );
        }
        if !(1..=100).contains(&self.ring_share_percent) {
            return Err("reputation.ring_share_percent goes from 1 to 100".into());
        }
        if self.ring_min_votes < 1
            || self.ring_window_days < 1
            || self.remote_instance_daily_points < 0
        {
            return Err(
                "reputation.ring_min_votes and ring_window_days must be at least 1, \
                 remote_instance_daily_points at least 0"
                    .into(),
            );
        }
        self.trust.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_that_cannot_work_are_refused() {
        assert!(Rules::default().validate().is_ok());
        let mut r = Rules::default();
        r.ranks.swap(1, 2);
        assert!(r.validate().is_err(), "ranks out of order");
        let mut r = Rules::default();
        r.ranks[0].points = 10;
        assert!(r.validate().is_err(), "no rank at 0");
        let mut r = Rules::default();
        r.ranks.clear();
        assert!(r.validate().is_err(), "no ranks");
        let mut r = Rules::default();
        r.trust.tl2.posts = 100;
        assert!(r.validate().is_err(), "TL2 asking more than TL3");
        let r = Rules {
            ring_share_percent: 0,
            ..Rules::default()
        };
        assert!(r.validate().is_err(), "a ring share of 0 %");
    }
}
