//! Votes: +1 or −1, one per member per thread or reply, changeable and removable.

use crate::RuleError;
use crate::ids::UserId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vote {
    Up,
    Down,
}

impl Vote {
    pub fn from_value(v: i64) -> Result<Self, RuleError> {
        match v {
            1 => Ok(Vote::Up),
            -1 => Ok(Vote::Down),
            _ => Err(RuleError::invalid("value", "a vote is 1 or -1")),
        }
    }

    pub fn value(self) -> i64 {
        match self {
            Vote::Up => 1,
            Vote::Down => -1,
        }
    }
}

/// What a vote change does to an object's tallies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub score: i64,
    pub up: i64,
    pub down: i64,
}

impl Tally {
    fn of(vote: Option<Vote>) -> Tally {
        match vote {
            Some(Vote::Up) => Tally {
                score: 1,
                up: 1,
                down: 0,
            },
            Some(Vote::Down) => Tally {
                score: -1,
                up: 0,
                down: 1,
            },
            None => Tally::default(),
        }
    }
}

/// The change in tallies when a member's vote goes from `old` to `new`
/// (`None` = no vote). Repeating the current state is a conflict, so a
/// client that votes twice learns it did instead of silently succeeding.
pub fn transition(old: Option<Vote>, new: Option<Vote>) -> Result<Tally, RuleError> {
    if old == new {
        return Err(RuleError::Conflict(match new {
            Some(_) => "you have already voted this way".into(),
            None => "you have not voted on this".into(),
        }));
    }
    let (a, b) = (Tally::of(old), Tally::of(new));
    Ok(Tally {
        score: b.score - a.score,
        up: b.up - a.up,
        down: b.down - a.down,
    })
}

/// Members vote on other members' posts, not their own, and not on deleted ones.
pub fn check_can_vote(voter_id: UserId, author_id: UserId, deleted: bool) -> Result<(), RuleError> {
    if deleted {
        return Err(RuleError::Conflict("this post has been deleted".into()));
    }
    if voter_id == author_id {
        return Err(RuleError::Forbidden(
            "you cannot vote on your own post".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions() {
        let t = |o, n| transition(o, n).unwrap();
        assert_eq!(
            t(None, Some(Vote::Up)),
            Tally {
                score: 1,
                up: 1,
                down: 0
            }
        );
        assert_eq!(
            t(None, Some(Vote::Down)),
            Tally {
                score: -1,
                up: 0,
                down: 1
            }
        );
        assert_eq!(
            t(Some(Vote::Up), Some(Vote::Down)),
            Tally {
                score: -2,
                up: -1,
                down: 1
            }
        );
        assert_eq!(
            t(Some(Vote::Down), None),
            Tally {
                score: 1,
                up: 0,
                down: -1
            }
        );
    }

    #[test]
    fn repeating_is_a_conflict() {
        assert!(matches!(
            transition(Some(Vote::Up), Some(Vote::Up)),
            Err(RuleError::Conflict(_))
        ));
        assert!(matches!(
            transition(None, None),
            Err(RuleError::Conflict(_))
        ));
    }

    #[test]
    fn values() {
        assert_eq!(Vote::from_value(1).unwrap(), Vote::Up);
        assert_eq!(Vote::from_value(-1).unwrap().value(), -1);
        assert!(Vote::from_value(0).is_err());
        assert!(Vote::from_value(2).is_err());
    }

    #[test]
    fn who_may_vote() {
        assert!(check_can_vote(UserId(1), UserId(2), false).is_ok());
        assert!(matches!(
            check_can_vote(UserId(1), UserId(1), false),
            Err(RuleError::Forbidden(_))
        ));
        assert!(matches!(
            check_can_vote(UserId(1), UserId(2), true),
            Err(RuleError::Conflict(_))
        ));
    }
}
