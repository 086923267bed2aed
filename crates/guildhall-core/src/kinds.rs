//! What a group is for: plain discussion, or one of the three kinds brand
//! communities live on (peer help, ideas, reviews). The kind decides what a
//! new thread in the group is; it is chosen when the group is made, and
//! only admins change it.

use crate::RuleError;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GroupKind {
    /// Threads and replies, as every group had before kinds.
    #[default]
    Discussion,
    /// Peer help: a thread is a question; one reply can be its answer.
    Questions,
    /// Members propose ideas and vote; the brand moves them through stages.
    Ideas,
    /// Members rate and review products.
    Reviews,
}

impl GroupKind {
    pub const ALL: [GroupKind; 4] = [
        GroupKind::Discussion,
        GroupKind::Questions,
        GroupKind::Ideas,
        GroupKind::Reviews,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Discussion => "discussion",
            GroupKind::Questions => "questions",
            GroupKind::Ideas => "ideas",
            GroupKind::Reviews => "reviews",
        }
    }

    /// A kind by its name; anything else is refused, naming the four.
    pub fn parse(name: &str) -> Result<GroupKind, RuleError> {
        GroupKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name.trim())
            .ok_or_else(|| {
                RuleError::invalid("kind", "must be discussion, questions, ideas or reviews")
            })
    }
}

/// For the store's rows (the column's CHECK allows only the four).
impl TryFrom<String> for GroupKind {
    type Error = RuleError;

    fn try_from(name: String) -> Result<Self, RuleError> {
        GroupKind::parse(&name)
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name_and_nothing_else_parses() {
        for kind in GroupKind::ALL {
            assert_eq!(GroupKind::parse(kind.as_str()), Ok(kind));
        }
        assert_eq!(GroupKind::parse(" ideas "), Ok(GroupKind::Ideas));
        assert!(GroupKind::parse("Questions").is_err());
        assert!(GroupKind::parse("").is_err());
        assert_eq!(GroupKind::default(), GroupKind::Discussion);
    }
}
