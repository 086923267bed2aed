//! Badges: rule-based, with a tier; most are earned once, some once per
//! post (a reply with 10 upvotes), and one is granted by moderators.
//!
//! Adding a badge is one entry in [`BADGES`]: a name, a tier, what it is
//! earned for, and a test of [`Progress`] or of one post's [`PostProgress`].

use super::ledger::{Entry, Kind, Line, Object};
use crate::ids::{GroupId, UserId};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Bronze,
    Silver,
    Gold,
}

/// What a member has done so far, for member badges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub threads: i64,
    pub replies: i64,
    pub upvotes_received: i64,
    pub accepted_answers: i64,
    pub days_member: i64,
}

/// One post's standing, for post badges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PostProgress {
    pub is_reply: bool,
    pub upvotes: i64,
}

/// What a badge is earned for.
#[derive(Debug, Clone, Copy)]
pub enum Earned {
    /// Once, when the member's progress passes the test.
    Once(fn(&Progress) -> bool),
    /// Once per post that passes the test.
    PerPost(fn(&PostProgress) -> bool),
    /// Granted by a moderator, as often as they like.
    Granted,
}

#[derive(Debug, Clone, Copy)]
pub struct Badge {
    /// Stable key, stored in the ledger.
    pub key: &'static str,
    pub name: &'static str,
    pub tier: Tier,
    pub description: &'static str,
    pub earned: Earned,
}

pub const BADGES: &[Badge] = &[
    Badge {
        key: "first_thread",
        name: "First thread",
        tier: Tier::Bronze,
        description: "Started a thread",
        earned: Earned::Once(|p| p.threads >= 1),
    },
    Badge {
        key: "first_reply",
        name: "First reply",
        tier: Tier::Bronze,
        description: "Replied to a thread",
        earned: Earned::Once(|p| p.replies >= 1),
    },
    Badge {
        key: "first_upvote",
        name: "Appreciated",
        tier: Tier::Bronze,
        description: "Received a first upvote",
        earned: Earned::Once(|p| p.upvotes_received >= 1),
    },
    Badge {
        key: "first_answer",
        name: "Helper",
        tier: Tier::Bronze,
        description: "Had a reply accepted as the answer",
        earned: Earned::Once(|p| p.accepted_answers >= 1),
    },
    Badge {
        key: "ten_answers",
        name: "Problem solver",
        tier: Tier::Silver,
        description: "Had 10 replies accepted as answers",
        earned: Earned::Once(|p| p.accepted_answers >= 10),
    },
    Badge {
        key: "good_reply",
        name: "Good reply",
        tier: Tier::Silver,
        description: "A reply with 10 upvotes",
        earned: Earned::PerPost(|p| p.is_reply && p.upvotes >= 10),
    },
    Badge {
        key: "hundred_upvotes",
        name: "Well liked",
        tier: Tier::Gold,
        description: "Received 100 upvotes",
        earned: Earned::Once(|p| p.upvotes_received >= 100),
    },
    Badge {
        key: "one_year",
        name: "Anniversary",
        tier: Tier::Silver,
        description: "A member for a year",
        earned: Earned::Once(|p| p.days_member >= 365),
    },
    Badge {
        key: "recognized",
        name: "Recognized",
        tier: Tier::Gold,
        description: "Granted by a moderator",
        earned: Earned::Granted,
    },
];

/// A badge to give: the store writes it once (a granted one as often as
/// granted) and, when it does, its [`line`](BadgeAward::line) in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadgeAward {
    pub member: UserId,
    pub key: &'static str,
    /// The post a post badge is for.
    pub object: Option<Object>,
    /// The group whose activity earned it, for the ledger.
    pub group: Option<GroupId>,
    /// The moderator who granted it.
    pub granted_by: Option<UserId>,
}

impl BadgeAward {
    /// Its ledger entry: for the history, no points.
    pub fn line(&self, at: i64) -> Line {
        let entry = Entry {
            member: self.member,
            group: self.group,
            source: self.granted_by,
            object: self.object,
            kind: Kind::BadgeAwarded,
            at,
            weight: 100,
            instance: None,
        };
        Line::new(entry, 0).detail(self.key)
    }
}

/// The badge with this key.
pub fn badge(key: &str) -> Option<&'static Badge> {
    BADGES.iter().find(|b| b.key == key)
}

/// Member badges `progress` earns that are not among `held` (keys).
pub fn newly_earned(progress: &Progress, held: &[&str]) -> Vec<&'static Badge> {
    BADGES
        .iter()
        .filter(|b| matches!(b.earned, Earned::Once(test) if test(progress)))
        .filter(|b| !held.contains(&b.key))
        .collect()
}

/// Post badges one post earns (each once per post; the caller knows which
/// it already gave for this post).
pub fn earned_by_post(post: &PostProgress) -> Vec<&'static Badge> {
    BADGES
        .iter()
        .filter(|b| matches!(b.earned, Earned::PerPost(test) if test(post)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_badges_come_once() {
        let mut p = Progress::default();
        assert!(newly_earned(&p, &[]).is_empty());
        p.threads = 1;
        p.upvotes_received = 1;
        let keys: Vec<_> = newly_earned(&p, &[]).iter().map(|b| b.key).collect();
        assert_eq!(keys, ["first_thread", "first_upvote"]);
        assert!(newly_earned(&p, &keys).is_empty(), "not twice");
        p.accepted_answers = 10;
        p.upvotes_received = 100;
        p.days_member = 400;
        let keys: Vec<_> = newly_earned(&p, &["first_thread", "first_upvote"])
            .iter()
            .map(|b| b.key)
            .collect();
        assert_eq!(
            keys,
            ["first_answer", "ten_answers", "hundred_upvotes", "one_year"]
        );
    }

    #[test]
    fn post_badges_and_granted_ones() {
        let good = PostProgress {
            is_reply: true,
            upvotes: 10,
        };
        assert_eq!(earned_by_post(&good)[0].key, "good_reply");
        assert!(earned_by_post(&PostProgress { upvotes: 9, ..good }).is_empty());
        assert!(
            earned_by_post(&PostProgress {
                is_reply: false,
                ..good
            })
            .is_empty()
        );
        assert!(matches!(
            badge("recognized").unwrap().earned,
            Earned::Granted
        ));
        let tiers: Vec<_> = [Tier::Bronze, Tier::Silver, Tier::Gold]
            .iter()
            .map(|t| BADGES.iter().filter(|b| b.tier == *t).count())
            .collect();
        assert!(tiers.iter().all(|n| *n > 0), "every tier has badges");
    }

    #[test]
    fn keys_are_unique() {
        for (i, a) in BADGES.iter().enumerate() {
            assert!(BADGES[i + 1..].iter().all(|b| b.key != a.key), "{}", a.key);
        }
    }
}
