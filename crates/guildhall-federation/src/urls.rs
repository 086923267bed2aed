//! The instance's ActivityPub URLs, and reading them back. Actors and posts
//! use the same URLs as their pages (content negotiation picks the form).

use guildhall_core::ids::{ProductId, ReplyId, ThreadId};
use url::Url;

#[derive(Debug, Clone)]
pub struct Urls {
    base: Url,
}

/// A local thing a URL of ours names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Local {
    User(String),
    Group(String),
    Thread(ThreadId),
    Reply(ReplyId),
    Product(ProductId),
    Instance,
}

impl Urls {
    /// `public_url` is the instance's scheme and host, e.g. `https://community.example`.
    pub fn new(public_url: &str) -> Result<Urls, url::ParseError> {
        let mut base = Url::parse(public_url)?;
        base.set_path("");
        Ok(Urls { base })
    }

    pub fn is_https(&self) -> bool {
        self.base.scheme() == "https"
    }

    /// Host and port, as `activitypub_federation` and WebFinger name us.
    pub fn domain(&self) -> String {
        guildhall_core::instances::domain_of(self.base.as_str()).unwrap_or_default()
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    fn at(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(path);
        url
    }

    pub fn user(&self, name: &str) -> Url {
        self.at(&format!("/u/{name}"))
    }
    pub fn group(&self, name: &str) -> Url {
        self.at(&format!("/g/{name}"))
    }
    pub fn thread(&self, id: ThreadId) -> Url {
        self.at(&format!("/t/{id}"))
    }
    pub fn reply(&self, id: ReplyId) -> Url {
        self.at(&format!("/r/{id}"))
    }
    pub fn product(&self, id: ProductId) -> Url {
        self.at(&format!("/p/{id}"))
    }
    pub fn instance_actor(&self) -> Url {
        self.at("/actor")
    }
    pub fn shared_inbox(&self) -> Url {
        self.at("/inbox")
    }
    pub fn activity(&self, token: &str) -> Url {
        self.at(&format!("/activities/{token}"))
    }
    /// The JSON-LD context of the reputation terms, served by every instance.
    pub fn reputation_context(&self) -> Url {
        self.at("/ns/reputation/v1")
    }
    /// The stable URL of a member's current attestation.
    pub fn current_attestation(&self, name: &str) -> Url {
        self.at(&format!("/u/{name}/attestation"))
    }
    /// The id of one issued attestation.
    pub fn attestation(&self, name: &str, id: i64) -> Url {
        self.at(&format!("/u/{name}/attestations/{id}"))
    }
    /// The id of an attestation key: a fragment of the instance actor.
    pub fn attestation_key(&self, key_id: i64) -> String {
        format!("{}#ed25519-key-{key_id}", self.instance_actor())
    }
    /// `/u/{name}/inbox`, `/g/{name}/followers`, …
    pub fn sub(&self, actor: &Url, what: &str) -> Url {
        let mut url = actor.clone();
        url.set_path(&format!("{}/{what}", actor.path()));
        url
    }

    /// Which local thing `url` names, if it is one of ours.
    pub fn parse(&self, url: &Url) -> Option<Local> {
        if url.scheme() != self.base.scheme()
            || url.host_str() != self.base.host_str()
            || url.port_or_known_default() != self.base.port_or_known_default()
        {
            return None;
        }
        let mut parts = url.path().trim_start_matches('/').split('/');
        let kind = parts.next()?;
        let arg = parts.next();
        if parts.next().is_some() {
            return None;
        }
        Some(match (kind, arg) {
            ("u", Some(name)) => Local::User(name.to_owned()),
            ("g", Some(name)) => Local::Group(name.to_owned()),
            ("t", Some(id)) => Local::Thread(id.parse().ok()?),
            ("r", Some(id)) => Local::Reply(id.parse().ok()?),
            ("p", Some(id)) => Local::Product(id.parse().ok()?),
            ("actor", None) => Local::Instance,
            _ => return None,
        })
    }

    pub fn is_local(&self, url: &Url) -> bool {
        url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_round_trip() {
        let urls = Urls::new("http://localhost:4001").unwrap();
        assert_eq!(urls.domain(), "localhost:4001");
        assert_eq!(urls.user("bob").as_str(), "http://localhost:4001/u/bob");
        assert_eq!(
            urls.parse(&urls.user("bob")),
            Some(Local::User("bob".into()))
        );
        assert_eq!(
            urls.parse(&urls.thread(ThreadId(7))),
            Some(Local::Thread(ThreadId(7)))
        );
        assert_eq!(urls.parse(&urls.instance_actor()), Some(Local::Instance));
        assert_eq!(
            urls.sub(&urls.group("g"), "followers").as_str(),
            "http://localhost:4001/g/g/followers"
        );
        let other = Url::parse("http://localhost:4002/u/bob").unwrap();
        assert_eq!(urls.parse(&other), None);
        assert_eq!(
            urls.parse(&Url::parse("http://localhost:4001/t/x").unwrap()),
            None
        );
    }
}
