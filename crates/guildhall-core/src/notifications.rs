//! Who hears of what: the kinds of notification, how a member wants each
//! (a preference per kind), watching and muting, and the rule that turns
//! the people a change concerns into at most one notification each.
//!
//! A change concerns people in an order of closeness: the author of the
//! post answered hears "a reply to you", a member named in it "a mention",
//! the others watching the thread or its group "new in what you watch".
//! Each member gets the closest one only, never one for their own doing,
//! and nothing from a thread or group they muted.

use crate::error::RuleError;
use crate::ids::UserId;
use std::str::FromStr;

macro_rules! kinds {
    ($($variant:ident => $name:literal, $words:literal;)*) => {
        /// What a notification is about.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Kind { $($variant),* }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// As stored and as the API names it.
            pub fn as_str(self) -> &'static str {
                match self { $(Kind::$variant => $name),* }
            }

            /// What it is, for the settings page.
            pub fn words(self) -> &'static str {
                match self { $(Kind::$variant => $words),* }
            }
        }

        impl FromStr for Kind {
            type Err = RuleError;
            fn from_str(s: &str) -> Result<Kind, RuleError> {
                match s {
                    $($name => Ok(Kind::$variant),)*
                    _ => Err(RuleError::invalid("kind", format!(
                        "{s:?} is not a kind of notification (one of: {})",
                        Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                    ))),
                }
            }
        }
    };
}

kinds! {
    Reply => "reply", "A reply to your thread or reply";
    Mention => "mention", "A mention of you (@name)";
    QuestionAnswered => "question_answered", "An answer to your question";
    AnswerAccepted => "answer_accepted", "Your answer accepted";
    IdeaStatus => "idea_status", "A new stage for an idea you posted or voted for";
    Moderation => "moderation", "A moderator's action on your post";
    Invitation => "invitation", "An invitation to a group";
    JoinRequest => "join_request", "The answer to your request to join a group";
    Badge => "badge", "A badge you earned";
    Welcome => "welcome", "The community team's welcome";
    Watched => "watched", "A new reply in a thread you watch";
    GroupThread => "group_thread", "A new thread in a group you watch";
}

/// How a member wants a kind delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// In the app: the bell and the notifications page.
    InApp,
    Off,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::InApp => "in_app",
            Delivery::Off => "off",
        }
    }
}

impl FromStr for Delivery {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Delivery, RuleError> {
        match s {
            "in_app" => Ok(Delivery::InApp),
            "off" => Ok(Delivery::Off),
            "email" | "digest" => Err(RuleError::invalid(
                "delivery",
                "this instance sends no email: choose in_app or off",
            )),
            _ => Err(RuleError::invalid(
                "delivery",
                format!("{s:?} is not a delivery (in_app or off)"),
            )),
        }
    }
}

impl Kind {
    /// The delivery a member has until they choose: everything in the app.
    pub fn default_delivery(self) -> Delivery {
        Delivery::InApp
    }
}

/// A member's standing toward a thread or a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    /// Hear of everything new in it.
    Watching,
    /// Hear of nothing from it, replies to you included.
    Muted,
}

impl Watch {
    pub fn as_str(self) -> &'static str {
        match self {
            Watch::Watching => "watch",
            Watch::Muted => "mute",
        }
    }
}

impl FromStr for Watch {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Watch, RuleError> {
        match s {
            "watch" => Ok(Watch::Watching),
            "mute" => Ok(Watch::Muted),
            _ => Err(RuleError::invalid(
                "level",
                format!("{s:?} is not a level (watch or mute)"),
            )),
        }
    }
}

/// Who a change concerns, closest first, before the rule is applied.
#[derive(Debug, Default)]
pub struct Concerned {
    /// Whoever did it: never told of their own doing.
    pub actor: Option<UserId>,
    /// (member, kind), in order of closeness.
    pub candidates: Vec<(UserId, Kind)>,
    /// Members who muted the thread or its group.
    pub muted: Vec<UserId>,
    /// (member, kind) they turned off.
    pub off: Vec<(UserId, Kind)>,
}

/// At most one notification per member: the closest kind that concerns
/// them decides, and they hear nothing if they did it, muted it, or turned
/// that kind off (a farther kind does not stand in for it).
pub fn recipients(concerned: &Concerned) -> Vec<(UserId, Kind)> {
    let mut decided: Vec<UserId> = Vec::new();
    let mut out = Vec::new();
    for &(user, kind) in &concerned.candidates {
        if decided.contains(&user) {
            continue;
        }
        decided.push(user);
        let silent = Some(user) == concerned.actor
            || concerned.muted.contains(&user)
            || concerned.off.contains(&(user, kind));
        if !silent {
            out.push((user, kind));
        }
    }
    out
}

/// The local members a post names with `@name` (or `@name@domain`, this
/// instance's domain): names as written, lower-cased, each once. An
/// address of another server (`@name@elsewhere`) and an email address
/// (`someone@name`) name nobody here.
pub fn mentioned_names(text: &str, domain: &str) -> Vec<String> {
    let mut names = Vec::new();
    let bytes = text.as_bytes();
    let name_char = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'@' || (i > 0 && (name_char(bytes[i - 1]) || bytes[i - 1] == b'@')) {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < bytes.len() && name_char(bytes[end]) {
            end += 1;
        }
        if end == start {
            i += 1;
            continue;
        }
        let name = text[start..end].to_ascii_lowercase();
        // `@name@host`: ours only when the host is this instance.
        let mut next = end;
        let ours = if bytes.get(end) == Some(&b'@') {
            let host_start = end + 1;
            let mut host_end = host_start;
            while host_end < bytes.len()
                && (bytes[host_end].is_ascii_alphanumeric() || b".-:".contains(&bytes[host_end]))
            {
                host_end += 1;
            }
            let host = text[host_start..host_end].trim_end_matches(['.', ':']);
            next = host_end;
            host.eq_ignore_ascii_case(domain)
        } else {
            true
        };
        if ours && !names.contains(&name) {
            names.push(name);
        }
        i = next.max(i + 1);
    }
    names
}

/// The local members a post from another server links to as mentions
/// do (Mastodon, Lemmy and Mbin link `@name` to the profile,
/// `https://domain/u/name`): names, lower-cased, each once. Read from the
/// HTML, since such a post's text shows `@name` alone, which could be
/// anyone's.
pub fn linked_names(html: &str, domain: &str) -> Vec<String> {
    let mut names = Vec::new();
    let needle = format!("//{}/u/", domain.to_ascii_lowercase());
    let lower = html.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find(&needle) {
        let start = from + at + needle.len();
        let name: String = lower[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
        from = start;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(n: i64) -> UserId {
        UserId(n)
    }

    #[test]
    fn kinds_and_deliveries_parse_as_named() {
        for kind in Kind::ALL {
            assert_eq!(kind.as_str().parse::<Kind>().unwrap(), *kind);
        }
        let unknown = "likes".parse::<Kind>().unwrap_err().to_string();
        assert!(unknown.contains("\"likes\" is not a kind") && unknown.contains("reply"));
        assert_eq!("off".parse::<Delivery>().unwrap(), Delivery::Off);
        assert!(
            "email"
                .parse::<Delivery>()
                .unwrap_err()
                .to_string()
                .contains("no email")
        );
        assert_eq!("mute".parse::<Watch>().unwrap(), Watch::Muted);
    }

    #[test]
    fn each_member_hears_once_by_the_closest_kind() {
        let concerned = Concerned {
            actor: Some(u(1)),
            candidates: vec![
                (u(2), Kind::Reply),
                (u(3), Kind::Mention),
                (u(2), Kind::Mention),
                (u(1), Kind::Watched),
                (u(4), Kind::Watched),
                (u(3), Kind::Watched),
                (u(5), Kind::Watched),
            ],
            muted: vec![u(5)],
            off: vec![],
        };
        assert_eq!(
            recipients(&concerned),
            vec![
                (u(2), Kind::Reply),
                (u(3), Kind::Mention),
                (u(4), Kind::Watched)
            ]
        );
    }

    #[test]
    fn a_kind_turned_off_is_not_replaced_by_a_farther_one() {
        let concerned = Concerned {
            actor: None,
            candidates: vec![
                (u(2), Kind::Reply),
                (u(2), Kind::Watched),
                (u(3), Kind::Watched),
            ],
            muted: vec![],
            off: vec![(u(2), Kind::Reply)],
        };
        assert_eq!(recipients(&concerned), vec![(u(3), Kind::Watched)]);
    }

    #[test]
    fn mentions_name_members_of_this_instance() {
        let text = "Thanks @Ann and @bob@here.example, cc @carol@elsewhere.example, \
                    mail me at dan@here.example, @ann again, @@eve, @";
        assert_eq!(mentioned_names(text, "here.example"), vec!["ann", "bob"]);
        assert_eq!(mentioned_names("(@zed_1)", "h"), vec!["zed_1"]);
        assert_eq!(
            mentioned_names("@ann@localhost:8080 hi", "localhost:8080"),
            vec!["ann"]
        );
    }

    #[test]
    fn a_remote_post_mentions_whom_it_links_to() {
        let html = r#"<p><span class="h-card"><a href="https://here.example/u/Ann" class="u-url mention">@<span>ann</span></a></span> and <a href="https://elsewhere.example/u/bob">@bob</a> <a href="http://here.example/u/ann">again</a></p>"#;
        assert_eq!(linked_names(html, "here.example"), vec!["ann"]);
    }
}
