//! What each trust level may do. Every write path (API, pages, inbound
//! federation) asks here, so the rules are in one place; a refusal names
//! the privilege and the level it needs.

use super::TrustLevel;
use super::trust::TrustThresholds;
use crate::RuleError;
use pulldown_cmark::{Event, Parser, Tag};

/// A privilege gated by trust level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Privilege {
    Vote,
    Flag,
    /// Links and images in a post.
    PostLinks,
    /// More than the new member's daily number of threads and replies.
    PostFreely,
    /// A thread in a group marked restricted.
    ThreadInRestrictedGroup,
    Invite,
    EditThreadTitles,
    HideSpam,
}

impl Privilege {
    /// The lowest level that has it.
    pub fn level(self) -> TrustLevel {
        match self {
            Privilege::Vote | Privilege::Flag | Privilege::PostLinks | Privilege::PostFreely => {
                TrustLevel::Tl1
            }
            Privilege::ThreadInRestrictedGroup | Privilege::Invite => TrustLevel::Tl2,
            Privilege::EditThreadTitles | Privilege::HideSpam => TrustLevel::Tl3,
        }
    }

    /// As a refusal says it: "voting needs trust level TL1".
    pub fn describe(self) -> &'static str {
        match self {
            Privilege::Vote => "voting",
            Privilege::Flag => "flagging",
            Privilege::PostLinks => "posting links or images",
            Privilege::PostFreely => "posting more today",
            Privilege::ThreadInRestrictedGroup => "starting threads in this restricted group",
            Privilege::Invite => "inviting members",
            Privilege::EditThreadTitles => "editing thread titles",
            Privilege::HideSpam => "hiding spam",
        }
    }
}

/// Whether a member at `level` has `privilege`; a 403-kind refusal if not.
pub fn check(level: TrustLevel, privilege: Privilege) -> Result<(), RuleError> {
    let needed = privilege.level();
    if level >= needed {
        return Ok(());
    }
    Err(RuleError::Forbidden(format!(
        "{} needs trust level {needed}; you are at {level}",
        privilege.describe()
    )))
}

/// Why a member at `level` lacks `privilege`, and what earns it, for
/// people: "Voting opens at trust level TL1: be active on 1 day and post 1
/// thread or reply. You are at TL0."
pub fn how_to_earn(
    privilege: Privilege,
    level: TrustLevel,
    thresholds: &TrustThresholds,
) -> String {
    let needed = privilege.level();
    let what = privilege.describe();
    let mut what_cap = what[..1].to_ascii_uppercase();
    what_cap.push_str(&what[1..]);
    match thresholds.requirement(needed) {
        Some(r) => format!(
            "{what_cap} opens at trust level {needed}: {}. You are at {level}.",
            r.describe()
        ),
        None => format!("{what_cap} opens at trust level {needed}. You are at {level}."),
    }
}

/// A new post by a member at `level` who has `posted_today` threads and
/// replies today, `limit` being the new member's daily number: TL0 members
/// post up to the limit, without links or images.
pub fn check_post(
    level: TrustLevel,
    markdown: &str,
    posted_today: i64,
    limit: i64,
) -> Result<(), RuleError> {
    if posted_today >= limit {
        check(level, Privilege::PostFreely).map_err(|_| {
            RuleError::Forbidden(format!(
                "{} needs trust level {}; you are at {level}, which allows {limit} threads and replies a day",
                Privilege::PostFreely.describe(),
                Privilege::PostFreely.level()
            ))
        })?;
    }
    if has_links_or_images(markdown) {
        check(level, Privilege::PostLinks)?;
    }
    Ok(())
}

/// Links (Markdown, autolinks, HTML, bare URLs) or images in a post.
pub fn has_links_or_images(markdown: &str) -> bool {
    Parser::new(markdown).any(|event| match event {
        Event::Start(Tag::Link { .. } | Tag::Image { .. }) => true,
        Event::Html(html) | Event::InlineHtml(html) => {
            let html = html.to_ascii_lowercase();
            html.contains("<a") || html.contains("<img")
        }
        Event::Text(text) | Event::Code(text) => {
            let text = text.to_ascii_lowercase();
            text.contains("http://") || text.contains("https://") || text.contains("www.")
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_privilege_and_the_level() {
        assert!(check(TrustLevel::Tl1, Privilege::Vote).is_ok());
        let refused = check(TrustLevel::Tl0, Privilege::Vote).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "forbidden: voting needs trust level TL1; you are at TL0"
        );
        assert!(check(TrustLevel::Tl2, Privilege::HideSpam).is_err());
        assert!(check(TrustLevel::Tl4, Privilege::HideSpam).is_ok());
    }

    #[test]
    fn new_members_post_a_few_times_a_day_without_links() {
        let t0 = TrustLevel::Tl0;
        assert!(check_post(t0, "My printer jams.", 0, 3).is_ok());
        assert!(check_post(t0, "My printer jams.", 3, 3).is_err());
        assert!(check_post(TrustLevel::Tl1, "My printer jams.", 30, 3).is_ok());
        for linked in [
            "See [the manual](https://example.com/manual).",
            "![photo](https://example.com/jam.png)",
            "<https://example.com>",
            "Go to https://example.com now",
            "Try www.example.com",
            "<a href=\"https://example.com\">here</a>",
        ] {
            assert!(has_links_or_images(linked), "{linked}");
            assert!(check_post(t0, linked, 0, 3).is_err(), "{linked}");
            assert!(check_post(TrustLevel::Tl1, linked, 0, 3).is_ok());
        }
        assert!(!has_links_or_images(
            "Paper path, tray 2, then **restart**."
        ));
    }

    #[test]
    fn what_earns_a_privilege_is_said() {
        let t = TrustThresholds::default();
        assert_eq!(
            how_to_earn(Privilege::Vote, TrustLevel::Tl0, &t),
            "Voting opens at trust level TL1: be active on 1 day and post 1 thread or reply. \
             You are at TL0."
        );
    }
}
