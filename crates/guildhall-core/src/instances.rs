//! Other instances as the admin names them, and the federation policy an
//! admin sets on each.

use crate::RuleError;
use crate::permissions::Actor;

/// An admin's decision about one instance. No policy means the instance
/// follows the mode: federated in `open` mode, refused in `allowlist` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    Allow,
    Block,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Allow => "allow",
            Policy::Block => "block",
        }
    }

    /// `allow` or `block`; anything else is an error naming both.
    pub fn parse(input: &str) -> Result<Policy, RuleError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "allow" => Ok(Policy::Allow),
            "block" => Ok(Policy::Block),
            other => Err(RuleError::invalid(
                "policy",
                format!("expected \"allow\" or \"block\", not {other:?}"),
            )),
        }
    }
}

/// Instance policies are the admin's: they decide who the whole instance
/// talks to.
pub fn can_set_policy(actor: Actor) -> Result<(), RuleError> {
    if actor.is_admin {
        Ok(())
    } else {
        Err(RuleError::Forbidden(
            "only admins can see and change federation policies".into(),
        ))
    }
}

/// Normalizes how an admin names an instance to the form the queue and the
/// inbox use: the lower-case host, with `:port` when there is one.
/// `https://Lemmy.World/` becomes `lemmy.world`.
pub fn domain(input: &str) -> Result<String, RuleError> {
    let bad = |reason: &str| RuleError::invalid("domain", reason.to_string());
    let trimmed = input.trim();
    let rest = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"))
        .unwrap_or(trimmed);
    let rest = rest.trim_end_matches('/').to_ascii_lowercase();
    if rest.is_empty() {
        return Err(bad("give an instance's domain, like lemmy.world"));
    }
    if rest.len() > 253 {
        return Err(bad("a domain is at most 253 characters"));
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest.as_str(), None),
    };
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return Err(bad("the port must be a number from 1 to 65535"));
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !host.split('.').all(label_ok) {
        return Err(bad(
            "a domain is letters, digits, '-' and dots (write international names in punycode)",
        ));
    }
    Ok(rest)
}

/// The host (and port, if any) of a URL: how instances are named, in the
/// same form as [`domain`] gives for what an admin types. `None` for a URL
/// that does not parse or has no host.
pub fn domain_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_instance() {
        assert_eq!(
            domain_of("https://Lemmy.World/u/alice").as_deref(),
            Some("lemmy.world")
        );
        assert_eq!(
            domain_of("http://127.0.0.1:8080/inbox").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(domain_of("not a url"), None);
    }

    #[test]
    fn domains_are_normalized() {
        assert_eq!(domain("lemmy.world").unwrap(), "lemmy.world");
        assert_eq!(domain(" https://Lemmy.World/ ").unwrap(), "lemmy.world");
        assert_eq!(domain("http://localhost:8080").unwrap(), "localhost:8080");
        assert_eq!(
            domain("xn--bcher-kva.example").unwrap(),
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn bad_domains_are_refused() {
        for bad in [
            "",
            "https://",
            "lemmy.world/path",
            "a..b",
            "-a.example",
            "bücher.example",
            "host:0",
            "host:99999",
            "host:x",
            "user@host",
        ] {
            assert!(domain(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn policies_parse() {
        assert_eq!(Policy::parse("Block").unwrap(), Policy::Block);
        assert_eq!(Policy::parse("allow").unwrap().as_str(), "allow");
        assert!(Policy::parse("mute").is_err());
    }

    #[test]
    fn only_admins_set_policies() {
        assert!(
            can_set_policy(Actor {
                id: crate::ids::UserId(1),
                is_admin: true
            })
            .is_ok()
        );
        assert!(
            can_set_policy(Actor {
                id: crate::ids::UserId(2),
                is_admin: false
            })
            .is_err()
        );
    }
}
