//! Typed ids, so a thread's id cannot be passed where a reply's is meant,
//! and where an actor lives, so nothing guesses it from a name.
//!
//! The ids are the database's row ids. With the `sqlx` feature (the store
//! turns it on) they bind and decode as the integer they wrap; the JSON API
//! keeps plain integers on the wire and converts at its edge.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "sqlx", derive(sqlx::Type), sqlx(transparent))]
        pub struct $name(pub i64);

        impl $name {
            /// The row id, for the wire and for URLs.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                $name(id)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id!(
    /// A member: a local account or a remote user we keep a copy of.
    UserId
);
id!(
    /// A group, local or remote.
    GroupId
);
id!(
    /// A thread (a group's top-level post).
    ThreadId
);
id!(
    /// A reply in a thread.
    ReplyId
);
id!(
    /// A product of a reviews group.
    ProductId
);

/// Where a user or a group lives: here, or on another instance (stored as
/// the `domain` column, `NULL` for our own).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Origin {
    Local,
    Remote { domain: String },
}

impl Origin {
    pub fn is_local(&self) -> bool {
        matches!(self, Origin::Local)
    }

    pub fn is_remote(&self) -> bool {
        !self.is_local()
    }

    /// The other instance's domain; `None` for ours.
    pub fn domain(&self) -> Option<&str> {
        match self {
            Origin::Local => None,
            Origin::Remote { domain } => Some(domain),
        }
    }
}

impl From<Option<String>> for Origin {
    fn from(domain: Option<String>) -> Self {
        match domain {
            None => Origin::Local,
            Some(domain) => Origin::Remote { domain },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_serialize_as_the_bare_integer() {
        assert_eq!(serde_json::to_string(&ThreadId(7)).unwrap(), "7");
        assert_eq!(serde_json::from_str::<ReplyId>("12").unwrap(), ReplyId(12));
        assert_eq!(UserId(3).to_string(), "3");
    }

    #[test]
    fn origin_is_the_domain_column() {
        assert!(Origin::from(None).is_local());
        let remote = Origin::from(Some("lemmy.example".to_string()));
        assert!(remote.is_remote());
        assert_eq!(remote.domain(), Some("lemmy.example"));
    }
}
