//! A member as the write paths see them: the counters trust levels and
//! badges are computed from, a ban, and what a trusted partner attests.
//! The store loads these facts; the decisions on them are here.

use super::badges::{self, Badge, Progress};
use super::ledger::DAY_MS;
use super::privileges::{self, Privilege};
use super::trust::Activity;
use super::{Rules, TrustLevel};
use crate::RuleError;

/// A member's counters, as the store keeps them (`member_stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    pub threads: i64,
    pub replies: i64,
    pub upvotes_received: i64,
    pub upvotes_given: i64,
    pub accepted_answers: i64,
    pub moderator_actions: i64,
    pub days_active: i64,
    /// TL4, granted by an admin.
    pub leader: bool,
}

impl Stats {
    pub fn activity(&self) -> Activity {
        Activity {
            days_active: self.days_active,
            threads: self.threads,
            replies: self.replies,
            upvotes_received: self.upvotes_received,
            upvotes_given: self.upvotes_given,
            moderator_actions: self.moderator_actions,
            granted_leader: self.leader,
        }
    }

    pub fn progress(&self, member_since: i64, now: i64) -> Progress {
        Progress {
            threads: self.threads,
            replies: self.replies,
            upvotes_received: self.upvotes_received,
            accepted_answers: self.accepted_answers,
            days_member: (now - member_since).max(0) / DAY_MS,
        }
    }
}

/// What a remote member's home instance attests about them, as imported,
/// and our policy for that instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Attestation {
    /// The attested trust level.
    pub trust_level: i64,
    /// Unix milliseconds; the attestation counts before then.
    pub valid_until: i64,
    pub revoked: bool,
    /// The highest level we let that partner's attestations grant; `None`
    /// when the instance is not a partner (its attestations change nothing).
    pub partner_max_level: Option<i64>,
}

impl Attestation {
    /// The level it grants here at `now`: the attested one, capped by the
    /// partner's policy; `None` if untrusted, expired or revoked.
    pub fn level(&self, now: i64) -> Option<i64> {
        if self.revoked || self.valid_until <= now {
            return None;
        }
        Some(self.trust_level.min(self.partner_max_level?))
    }
}

/// A member as a write path checks them: counters, ban, when they joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub stats: Stats,
    pub banned: bool,
    /// When a suspension in force ends (the store leaves out one that has
    /// ended).
    pub suspended_until: Option<i64>,
    pub created_at: i64,
    /// For a remote member: the trust level their home instance attests,
    /// already capped by our policy for that partner (see
    /// [`Attestation::level`]; None if untrusted, absent, expired or revoked).
    pub attested: Option<i64>,
}

impl Member {
    /// The higher of what they earned here and what a trusted partner
    /// attests (capped): a partner's member need not start at TL0.
    pub fn level(&self, rules: &Rules) -> TrustLevel {
        let earned = rules.trust.level(&self.stats.activity());
        let attested = self
            .attested
            .and_then(|n| u8::try_from(n).ok())
            .and_then(|n| TrustLevel::try_from(n).ok())
            .unwrap_or(TrustLevel::Tl0);
        earned.max(attested)
    }

    /// Refuses anything from a banned or suspended account.
    pub fn active(&self) -> Result<(), RuleError> {
        if self.banned {
            return Err(RuleError::Forbidden("this account is banned".into()));
        }
        if let Some(until) = self.suspended_until {
            let mut text = "this account is suspended".to_owned();
            if let Some(at) = chrono::DateTime::from_timestamp_millis(until) {
                text.push_str(&format!(" until {}", at.format("%Y-%m-%d %H:%M UTC")));
            }
            return Err(RuleError::Forbidden(text));
        }
        Ok(())
    }

    /// Banned, or suspended for now: their votes carry nothing.
    pub fn barred(&self) -> bool {
        self.banned || self.suspended_until.is_some()
    }

    /// Refuses a banned account, then checks `privilege`.
    pub fn check(&self, rules: &Rules, privilege: Privilege) -> Result<(), RuleError> {
        self.active()?;
        privileges::check(self.level(rules), privilege)
    }

    /// Whether their posts today count against a daily limit (TL0 only):
    /// the store counts them only then.
    pub fn posts_limited(&self, rules: &Rules) -> bool {
        self.level(rules) == TrustLevel::Tl0
    }

    /// Checks a new post against their trust level: a TL0 member's daily
    /// number of posts (`posted_today`, counted when [`posts_limited`]) and
    /// no links or images; TL2 for a thread in a group whose posting is
    /// restricted.
    ///
    /// [`posts_limited`]: Member::posts_limited
    pub fn check_post(
        &self,
        rules: &Rules,
        markdown: &str,
        thread_in_restricted_group: bool,
        posted_today: i64,
    ) -> Result<(), RuleError> {
        self.active()?;
        let level = self.level(rules);
        if thread_in_restricted_group {
            privileges::check(level, Privilege::ThreadInRestrictedGroup)?;
        }
        if level == TrustLevel::Tl0 {
            privileges::check_post(
                level,
                markdown,
                posted_today,
                rules.new_member_posts_per_day,
            )?;
        }
        Ok(())
    }

    /// The member badges their new post earns at `now` (their counters
    /// being from before it).
    pub fn badges_after_post(&self, is_thread: bool, now: i64) -> Vec<&'static Badge> {
        let mut before = self.stats.progress(self.created_at, now);
        let mut after = before;
        // Time-based badges (a year of membership) have no "before" to
        // compare: they are tried on each post once due (the store writes
        // a badge once, whatever it is asked).
        before.days_member = 0;
        if is_thread {
            after.threads += 1;
        } else {
            after.replies += 1;
        }
        crossed(before, after)
    }
}

impl Member {
    /// The badges a member whose reply was just accepted as an answer
    /// earns (their counts are read before the acceptance).
    pub fn badges_after_acceptance(&self, now: i64) -> Vec<&'static Badge> {
        let before = self.stats.progress(self.created_at, now);
        let mut after = before;
        after.accepted_answers += 1;
        crossed(before, after)
    }
}

/// The member badges `after` earns that `before` did not.
pub fn crossed(before: Progress, after: Progress) -> Vec<&'static Badge> {
    let held: Vec<&str> = badges::newly_earned(&before, &[])
        .iter()
        .map(|b| b.key)
        .collect();
    badges::newly_earned(&after, &held)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(stats: Stats) -> Member {
        Member {
            stats,
            banned: false,
            suspended_until: None,
            created_at: 0,
            attested: None,
        }
    }

    fn tl1() -> Stats {
        Stats {
            days_active: 1,
            replies: 1,
            ..Stats::default()
        }
    }

    #[test]
    fn a_partner_attests_a_level_within_its_cap_until_it_expires() {
        let a = Attestation {
            trust_level: 3,
            valid_until: 1_000,
            revoked: false,
            partner_max_level: Some(2),
        };
        assert_eq!(a.level(999), Some(2), "capped by the partner policy");
        assert_eq!(a.level(1_000), None, "expired");
        let low = Attestation {
            trust_level: 1,
            ..a
        };
        assert_eq!(low.level(0), Some(1));
        assert_eq!(Attestation { revoked: true, ..a }.level(0), None);
        assert_eq!(
            Attestation {
                partner_max_level: None,
                ..a
            }
            .level(0),
            None,
            "not a partner"
        );
    }

    #[test]
    fn the_level_is_the_higher_of_earned_and_attested() {
        let rules = Rules::default();
        let new = member(Stats::default());
        assert_eq!(new.level(&rules), TrustLevel::Tl0);
        let partnered = Member {
            attested: Some(2),
            ..new
        };
        assert_eq!(partnered.level(&rules), TrustLevel::Tl2);
        let odd = Member {
            attested: Some(9),
            ..new
        };
        assert_eq!(odd.level(&rules), TrustLevel::Tl0, "no such level");
        let leader = member(Stats {
            leader: true,
            ..Stats::default()
        });
        assert_eq!(
            Member {
                attested: Some(1),
                ..leader
            }
            .level(&rules),
            TrustLevel::Tl4
        );
    }

    #[test]
    fn bans_and_levels_gate_privileges_and_posts() {
        let rules = Rules::default();
        let new = member(Stats::default());
        assert!(
            new.check(&rules, Privilege::Vote).is_err(),
            "TL0 cannot vote"
        );
        assert!(member(tl1()).check(&rules, Privilege::Vote).is_ok());
        let banned = Member {
            banned: true,
            suspended_until: None,
            ..member(tl1())
        };
        assert_eq!(
            banned.check(&rules, Privilege::Vote),
            Err(RuleError::Forbidden("this account is banned".into()))
        );
        assert!(banned.check_post(&rules, "hello", false, 0).is_err());

        // A TL0 member's daily limit and links; TL1 posts freely.
        let limit = rules.new_member_posts_per_day;
        assert!(new.posts_limited(&rules));
        assert!(new.check_post(&rules, "hello", false, limit - 1).is_ok());
        assert!(new.check_post(&rules, "hello", false, limit).is_err());
        assert!(
            new.check_post(&rules, "see https://x.example", false, 0)
                .is_err()
        );
        let basic = member(tl1());
        assert!(!basic.posts_limited(&rules));
        assert!(
            basic
                .check_post(&rules, "see https://x.example", false, 0)
                .is_ok()
        );
        assert!(
            basic.check_post(&rules, "hello", true, 0).is_err(),
            "a restricted group takes TL2"
        );
    }

    #[test]
    fn a_first_post_earns_its_badge_once() {
        let new = member(Stats::default());
        let keys = |badges: Vec<&Badge>| badges.iter().map(|b| b.key).collect::<Vec<_>>();
        assert_eq!(keys(new.badges_after_post(true, 0)), ["first_thread"]);
        assert_eq!(keys(new.badges_after_post(false, 0)), ["first_reply"]);
        let posted = member(Stats {
            threads: 1,
            ..Stats::default()
        });
        assert!(posted.badges_after_post(true, 0).is_empty(), "not twice");
        // A year on, any post tries the anniversary (written once).
        let year = 366 * DAY_MS;
        assert_eq!(keys(posted.badges_after_post(true, year)), ["one_year"]);
        assert_eq!(keys(posted.badges_after_post(true, year)), ["one_year"]);
    }
}
