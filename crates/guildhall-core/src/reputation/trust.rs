//! Trust levels TL0–TL4, in the Discourse manner: earned by taking part over
//! time, lost to moderator actions; TL4 only by an admin's grant.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum TrustLevel {
    /// New: limited posting, no links or images.
    Tl0 = 0,
    /// Basic: may vote and flag.
    Tl1 = 1,
    /// Member: may start threads in restricted groups and invite.
    Tl2 = 2,
    /// Regular: may edit thread titles and hide obvious spam.
    Tl3 = 3,
    /// Leader: granted by an admin.
    Tl4 = 4,
}

impl TrustLevel {
    pub const ALL: [TrustLevel; 5] = [
        TrustLevel::Tl0,
        TrustLevel::Tl1,
        TrustLevel::Tl2,
        TrustLevel::Tl3,
        TrustLevel::Tl4,
    ];
}

impl From<TrustLevel> for u8 {
    fn from(level: TrustLevel) -> u8 {
        level as u8
    }
}

impl TryFrom<u8> for TrustLevel {
    type Error = String;
    fn try_from(n: u8) -> Result<TrustLevel, String> {
        TrustLevel::ALL
            .get(n as usize)
            .copied()
            .ok_or_else(|| format!("trust levels go from 0 to 4, not {n}"))
    }
}

impl fmt::Display for TrustLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TL{}", *self as u8)
    }
}

/// What a member has done, as far as trust levels look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Activity {
    /// Distinct days with a post, a vote or a visit.
    pub days_active: i64,
    pub threads: i64,
    pub replies: i64,
    pub upvotes_received: i64,
    pub upvotes_given: i64,
    /// Posts of theirs removed by moderators, and suspensions.
    pub moderator_actions: i64,
    /// An admin granted TL4.
    pub granted_leader: bool,
}

/// What one level takes (all of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Requirement {
    pub days_active: i64,
    /// Threads and replies together.
    pub posts: i64,
    pub upvotes_received: i64,
    pub upvotes_given: i64,
    /// At most this many moderator actions against the member.
    pub max_moderator_actions: i64,
}

impl Default for Requirement {
    fn default() -> Requirement {
        Requirement {
            days_active: 0,
            posts: 0,
            upvotes_received: 0,
            upvotes_given: 0,
            max_moderator_actions: i64::MAX,
        }
    }
}

impl Requirement {
    /// What meeting it takes, for people: "be active on 1 day and post 1
    /// thread or reply".
    pub fn describe(&self) -> String {
        let plural =
            |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = Vec::new();
        if self.days_active > 0 {
            parts.push(format!(
                "be active on {}",
                plural(self.days_active, "day", "days")
            ));
        }
        if self.posts > 0 {
            parts.push(format!(
                "post {}",
                plural(self.posts, "thread or reply", "threads or replies")
            ));
        }
        if self.upvotes_received > 0 {
            parts.push(format!(
                "receive {}",
                plural(self.upvotes_received, "upvote", "upvotes")
            ));
        }
        if self.upvotes_given > 0 {
            parts.push(format!(
                "give {}",
                plural(self.upvotes_given, "upvote", "upvotes")
            ));
        }
        match self.max_moderator_actions {
            i64::MAX => {}
            0 => parts.push("have no post removed by a moderator".into()),
            n => parts.push(format!(
                "have at most {} removed by moderators",
                plural(n, "post", "posts")
            )),
        }
        match parts.len() {
            0 => "sign in".into(),
            1 => parts.remove(0),
            n => {
                let last = parts.remove(n - 1);
                format!("{} and {last}", parts.join(", "))
            }
        }
    }

    fn met_by(&self, a: &Activity) -> bool {
        a.days_active >= self.days_active
            && a.threads + a.replies >= self.posts
            && a.upvotes_received >= self.upvotes_received
            && a.upvotes_given >= self.upvotes_given
            && a.moderator_actions <= self.max_moderator_actions
    }
}

/// `[reputation.trust]`: what TL1, TL2 and TL3 take. TL4 is granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrustThresholds {
    pub tl1: Requirement,
    pub tl2: Requirement,
    pub tl3: Requirement,
}

impl Default for TrustThresholds {
    fn default() -> TrustThresholds {
        TrustThresholds {
            tl1: Requirement {
                days_active: 1,
                posts: 1,
                ..Requirement::default()
            },
            tl2: Requirement {
                days_active: 15,
                posts: 10,
                upvotes_received: 5,
                upvotes_given: 5,
                max_moderator_actions: 2,
            },
            tl3: Requirement {
                days_active: 50,
                posts: 50,
                upvotes_received: 50,
                upvotes_given: 30,
                max_moderator_actions: 0,
            },
        }
    }
}

impl TrustThresholds {
    pub fn validate(&self) -> Result<(), String> {
        let rising = |a: &Requirement, b: &Requirement| {
            a.days_active <= b.days_active
                && a.posts <= b.posts
                && a.upvotes_received <= b.upvotes_received
                && a.upvotes_given <= b.upvotes_given
        };
        if !(rising(&self.tl1, &self.tl2) && rising(&self.tl2, &self.tl3)) {
            return Err(
                "reputation.trust: each level must ask at least as much as the one below".into(),
            );
        }
        Ok(())
    }

    /// What `level` takes; `None` for TL0 (everyone) and TL4 (granted).
    pub fn requirement(&self, level: TrustLevel) -> Option<&Requirement> {
        match level {
            TrustLevel::Tl1 => Some(&self.tl1),
            TrustLevel::Tl2 => Some(&self.tl2),
            TrustLevel::Tl3 => Some(&self.tl3),
            TrustLevel::Tl0 | TrustLevel::Tl4 => None,
        }
    }

    /// The level `activity` earns: the highest whose requirement (and every
    /// lower one) it meets; TL4 when granted.
    pub fn level(&self, activity: &Activity) -> TrustLevel {
        if activity.granted_leader {
            return TrustLevel::Tl4;
        }
        let steps = [
            (&self.tl1, TrustLevel::Tl1),
            (&self.tl2, TrustLevel::Tl2),
            (&self.tl3, TrustLevel::Tl3),
        ];
        let mut level = TrustLevel::Tl0;
        for (requirement, next) in steps {
            if !requirement.met_by(activity) {
                break;
            }
            level = next;
        }
        level
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_rise_with_activity_and_fall_with_moderation() {
        let t = TrustThresholds::default();
        let mut a = Activity::default();
        assert_eq!(t.level(&a), TrustLevel::Tl0);
        a.days_active = 1;
        a.replies = 1;
        assert_eq!(t.level(&a), TrustLevel::Tl1);
        a = Activity {
            days_active: 20,
            threads: 4,
            replies: 8,
            upvotes_received: 6,
            upvotes_given: 9,
            ..a
        };
        assert_eq!(t.level(&a), TrustLevel::Tl2);
        a = Activity {
            days_active: 60,
            threads: 20,
            replies: 40,
            upvotes_received: 80,
            upvotes_given: 40,
            ..a
        };
        assert_eq!(t.level(&a), TrustLevel::Tl3);
        a.moderator_actions = 1;
        assert_eq!(t.level(&a), TrustLevel::Tl2, "one removal costs TL3");
        a.moderator_actions = 3;
        assert_eq!(t.level(&a), TrustLevel::Tl1);
        a.granted_leader = true;
        assert_eq!(t.level(&a), TrustLevel::Tl4);
    }

    #[test]
    fn levels_read_and_print() {
        assert_eq!(TrustLevel::try_from(2), Ok(TrustLevel::Tl2));
        assert!(TrustLevel::try_from(5).is_err());
        assert_eq!(TrustLevel::Tl3.to_string(), "TL3");
        assert!(TrustThresholds::default().validate().is_ok());
    }

    #[test]
    fn requirements_read_as_sentences() {
        let t = TrustThresholds::default();
        assert_eq!(
            t.requirement(TrustLevel::Tl1).unwrap().describe(),
            "be active on 1 day and post 1 thread or reply"
        );
        assert_eq!(
            t.requirement(TrustLevel::Tl3).unwrap().describe(),
            "be active on 50 days, post 50 threads or replies, receive 50 upvotes, \
             give 30 upvotes and have no post removed by a moderator"
        );
        assert!(t.requirement(TrustLevel::Tl4).is_none());
    }
}
