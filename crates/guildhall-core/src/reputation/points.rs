//! Points per event, and the daily cap on points from votes.

use super::Rules;
use crate::ids::UserId;
use crate::votes::Vote;

/// What a vote is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VotedOn {
    Thread,
    Reply,
}

/// Points a vote moves: to the author of the voted post, and to the voter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VotePoints {
    pub author: i64,
    pub voter: i64,
}

/// The points of one vote before the cap. Voting on one's own post earns
/// nothing (the store refuses it anyway; remote copies may not).
pub fn vote_points(
    rules: &Rules,
    on: VotedOn,
    vote: Vote,
    voter: UserId,
    author: UserId,
) -> VotePoints {
    if voter == author {
        return VotePoints::default();
    }
    match (vote, on) {
        (Vote::Up, VotedOn::Thread) => VotePoints {
            author: rules.thread_upvote,
            voter: 0,
        },
        (Vote::Up, VotedOn::Reply) => VotePoints {
            author: rules.reply_upvote,
            voter: 0,
        },
        (Vote::Down, VotedOn::Thread) => VotePoints {
            author: rules.downvote_received,
            voter: 0,
        },
        (Vote::Down, VotedOn::Reply) => VotePoints {
            author: rules.downvote_received,
            voter: rules.reply_downvote_cost,
        },
    }
}

/// What of `points` from a vote a member keeps, having earned
/// `earned_today` from votes already today: gains stop at the cap, losses
/// always count.
pub fn capped(rules: &Rules, earned_today: i64, points: i64) -> i64 {
    if points <= 0 {
        return points;
    }
    points.min((rules.daily_vote_cap - earned_today).max(0))
}

/// Points for an accepted answer: (to the answer's author, to the acceptor).
/// Accepting one's own answer earns nothing.
pub fn accepted_answer_points(rules: &Rules, author: UserId, acceptor: UserId) -> (i64, i64) {
    if author == acceptor {
        return (0, 0);
    }
    (rules.accepted_answer, rules.answer_acceptor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_exchange_defaults() {
        let r = Rules::default();
        let p = |on, vote| vote_points(&r, on, vote, UserId(1), UserId(2));
        assert_eq!(
            p(VotedOn::Thread, Vote::Up),
            VotePoints {
                author: 5,
                voter: 0
            }
        );
        assert_eq!(
            p(VotedOn::Reply, Vote::Up),
            VotePoints {
                author: 10,
                voter: 0
            }
        );
        assert_eq!(
            p(VotedOn::Thread, Vote::Down),
            VotePoints {
                author: -2,
                voter: 0
            }
        );
        assert_eq!(
            p(VotedOn::Reply, Vote::Down),
            VotePoints {
                author: -2,
                voter: -1
            }
        );
        assert_eq!(accepted_answer_points(&r, UserId(2), UserId(1)), (15, 2));
    }

    #[test]
    fn own_content_earns_nothing() {
        let r = Rules::default();
        assert_eq!(
            vote_points(&r, VotedOn::Reply, Vote::Up, UserId(7), UserId(7)),
            VotePoints::default()
        );
        assert_eq!(accepted_answer_points(&r, UserId(7), UserId(7)), (0, 0));
    }

    #[test]
    fn the_cap_stops_gains_not_losses() {
        let r = Rules::default();
        assert_eq!(capped(&r, 0, 10), 10);
        assert_eq!(capped(&r, 195, 10), 5);
        assert_eq!(capped(&r, 200, 10), 0);
        assert_eq!(capped(&r, 250, 10), 0);
        assert_eq!(capped(&r, 200, -2), -2);
    }
}
