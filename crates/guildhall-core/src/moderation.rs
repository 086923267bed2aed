//! Moderation's rules: what a moderator's or admin's action is called in the
//! log, what a reason and a ban's expiry may be, and who a ban or a
//! suspension stops.
//!
//! Every action in [`Action`] is written to the mod log in the same
//! transaction as the action itself, so the log never misses one and never
//! names one that did not happen.

use crate::RuleError;
use std::fmt;
use std::str::FromStr;

/// The longest reason a moderator may give, in characters (as a flag's).
pub const REASON_MAX: usize = crate::content::FLAG_REASON_MAX;

/// The longest a ban or suspension may be given for: ten years. Longer is
/// a permanent ban, which has no expiry.
pub const LONGEST_TERM_MS: i64 = 10 * 366 * 24 * 3600 * 1000;

macro_rules! actions {
    ($($variant:ident => $name:literal, $words:literal;)*) => {
        /// A moderator's or admin's action, as the mod log names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// As stored and as the API names it.
            pub fn as_str(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }

            /// In words, for the log's page, `{}` standing for the
            /// member acted on ("banned {} from the group").
            pub fn words(self) -> &'static str {
                match self { $(Action::$variant => $words),* }
            }
        }

        impl FromStr for Action {
            type Err = RuleError;
            fn from_str(s: &str) -> Result<Action, RuleError> {
                match s {
                    $($name => Ok(Action::$variant),)*
                    _ => Err(RuleError::invalid("action", format!("{s:?} is not a moderator action"))),
                }
            }
        }
    };
}

actions! {
    RemovePost => "remove_post", "removed a post by {}";
    RestorePost => "restore_post", "restored a post by {}";
    LockThread => "lock_thread", "locked a thread by {}";
    UnlockThread => "unlock_thread", "unlocked a thread by {}";
    PinThread => "pin_thread", "pinned a thread by {}";
    UnpinThread => "unpin_thread", "unpinned a thread by {}";
    BanMember => "ban_member", "banned {} from the group";
    UnbanMember => "unban_member", "lifted the ban of {} from the group";
    SuspendUser => "suspend_user", "suspended {}";
    UnsuspendUser => "unsuspend_user", "lifted the suspension of {}";
    BanUser => "ban_user", "banned {} from the instance";
    UnbanUser => "unban_user", "lifted the instance ban of {}";
    SetVisibility => "set_visibility", "changed the group's visibility";
    ResolveReport => "resolve_report", "resolved a report on a post by {}";
    DismissReport => "dismiss_report", "dismissed a report on a post by {}";
    AddModerator => "add_moderator", "made {} a moderator";
    RemoveModerator => "remove_moderator", "removed {} as a moderator";
    SetIdeaStatus => "set_idea_status", "changed the status of an idea by {}";
    MergeIdea => "merge_idea", "merged a duplicate idea by {}";
    AcceptAnswer => "accept_answer", "accepted an answer to a question by {}";
    WithdrawAnswer => "withdraw_answer", "took back the accepted answer to a question by {}";
}

impl Action {
    /// The action in words about `target` (a member's name), a post named
    /// for what it is (`object_type`: thread or reply): "removed a reply
    /// by ann". Split around the name, for a page that links it.
    pub fn phrase(self, object_type: Option<&str>) -> (String, String) {
        let words = match object_type {
            Some(kind @ ("thread" | "reply")) => {
                self.words().replace("a post", &format!("a {kind}"))
            }
            _ => self.words().to_owned(),
        };
        match words.split_once("{}") {
            Some((before, after)) => (before.to_owned(), after.to_owned()),
            None => (words, String::new()),
        }
    }

    /// The same as one line, with `target` in its place.
    pub fn sentence(self, object_type: Option<&str>, target: Option<&str>) -> String {
        let (before, after) = self.phrase(object_type);
        if after.is_empty() && !self.words().contains("{}") {
            return before;
        }
        format!("{before}{}{after}", target.unwrap_or("someone"))
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A moderator's reason, trimmed; empty is allowed (the log shows none).
pub fn reason(text: &str) -> Result<&str, RuleError> {
    let text = text.trim();
    if text.chars().count() > REASON_MAX {
        return Err(RuleError::invalid(
            "reason",
            format!("at most {REASON_MAX} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(RuleError::invalid(
            "reason",
            "control characters are not allowed",
        ));
    }
    Ok(text)
}

/// A ban's or suspension's end, checked at `now`: in the future and at
/// most [`LONGEST_TERM_MS`] away. `None` is permanent.
pub fn expiry(expires_at: Option<i64>, now: i64) -> Result<Option<i64>, RuleError> {
    match expires_at {
        None => Ok(None),
        Some(at) if at <= now => Err(RuleError::invalid(
            "expires_at",
            "the expiry is in the past: give a future time, or none for no end",
        )),
        Some(at) if at - now > LONGEST_TERM_MS => Err(RuleError::invalid(
            "expires_at",
            "at most ten years ahead, or none for no end",
        )),
        Some(at) => Ok(Some(at)),
    }
}

/// A suspension needs an end: "suspend for a time".
pub fn suspension_end(until: Option<i64>, now: i64) -> Result<i64, RuleError> {
    expiry(until, now)?.ok_or_else(|| {
        RuleError::invalid(
            "until",
            "a suspension needs an end; ban the account to stop it for good",
        )
    })
}

/// Whether a ban or suspension ending at `expires_at` (never, if `None`)
/// still holds at `now`.
pub fn in_force(expires_at: Option<i64>, now: i64) -> bool {
    expires_at.is_none_or(|at| at > now)
}

/// What a member barred from a group or the instance is told when they try
/// to `doing` ("post", "vote") there.
pub fn barred(doing: &str, whence: &str, until: Option<i64>, reason: &str) -> RuleError {
    let mut text = format!("you are banned from {whence} and cannot {doing}");
    if let Some(at) = until.and_then(chrono::DateTime::from_timestamp_millis) {
        text.push_str(&format!(" until {}", at.format("%Y-%m-%d %H:%M UTC")));
    }
    if !reason.is_empty() {
        text.push_str(&format!(" (reason: {reason})"));
    }
    RuleError::Forbidden(text)
}

/// A locked thread takes replies only from its group's moderators.
pub fn may_reply_locked(locked: bool, is_moderator: bool) -> Result<(), RuleError> {
    if locked && !is_moderator {
        return Err(RuleError::Conflict(
            "this thread is locked: it takes no new replies".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_back_from_its_name() {
        for &action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>().unwrap(), action);
            assert!(action.words().matches("{}").count() <= 1);
        }
        assert!("nuke".parse::<Action>().is_err());
    }

    #[test]
    fn actions_read_as_sentences() {
        assert_eq!(
            Action::RemovePost.sentence(Some("reply"), Some("ann")),
            "removed a reply by ann"
        );
        assert_eq!(
            Action::BanMember.sentence(None, Some("bob")),
            "banned bob from the group"
        );
        assert_eq!(
            Action::SetVisibility.sentence(None, None),
            "changed the group's visibility"
        );
        assert_eq!(
            Action::BanMember.phrase(None),
            ("banned ".to_owned(), " from the group".to_owned())
        );
    }

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(reason("  spam  ").unwrap(), "spam");
        assert_eq!(reason("").unwrap(), "");
        assert!(reason(&"x".repeat(REASON_MAX)).is_ok());
        assert!(reason(&"x".repeat(REASON_MAX + 1)).is_err());
        assert!(reason("a\u{0}b").is_err());
    }

    #[test]
    fn an_expiry_is_in_the_future_and_not_too_far() {
        let now = 1_000_000;
        assert_eq!(expiry(None, now).unwrap(), None);
        assert!(expiry(Some(now), now).is_err());
        assert!(expiry(Some(now - 1), now).is_err());
        assert_eq!(expiry(Some(now + 1), now).unwrap(), Some(now + 1));
        assert!(expiry(Some(now + LONGEST_TERM_MS + 1), now).is_err());
        assert!(suspension_end(None, now).is_err());
        assert!(in_force(None, now));
        assert!(in_force(Some(now + 1), now));
        assert!(!in_force(Some(now), now));
    }

    #[test]
    fn a_lock_stops_members_but_not_moderators() {
        assert!(may_reply_locked(false, false).is_ok());
        assert!(may_reply_locked(true, true).is_ok());
        assert!(matches!(
            may_reply_locked(true, false),
            Err(RuleError::Conflict(_))
        ));
    }

    #[test]
    fn a_bar_names_its_end_and_reason() {
        let e = barred("post", "this group", Some(0), "spam").to_string();
        assert!(e.contains("until 1970-01-01"), "{e}");
        assert!(e.contains("reason: spam"), "{e}");
    }
}
