//! Who may see a group and what is in it.
//!
//! - `public`: anyone reads everything; anyone joins.
//! - `private`: the group is listed with its name and description, but its
//!   threads, replies, members and activity are for its approved members
//!   (and its moderators and the instance's admins); joining is by request,
//!   approved by a moderator, or by invitation.
//! - `hidden`: not listed, not found: to an outsider it does not exist, so
//!   every read answers "not found", never "forbidden", and its name leaks
//!   nowhere. Joining is by invitation only.

use crate::RuleError;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Visibility {
    #[default]
    Public,
    Private,
    Hidden,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Visibility::Public, Visibility::Private, Visibility::Hidden];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
            Visibility::Hidden => "hidden",
        }
    }

    /// Whether the group shows in lists of groups and can be looked up
    /// by someone who does not belong to it.
    pub fn listed(self) -> bool {
        self != Visibility::Hidden
    }

    /// Whether its content is for its members only.
    pub fn members_only(self) -> bool {
        self != Visibility::Public
    }

    /// Whether anyone may join at once (otherwise a moderator approves a
    /// request, or an invitation lets them in).
    pub fn open(self) -> bool {
        self == Visibility::Public
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Visibility {
    type Err = RuleError;
    fn from_str(s: &str) -> Result<Visibility, RuleError> {
        Visibility::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| {
                RuleError::invalid(
                    "visibility",
                    format!("{s:?} is not one of public, private, hidden"),
                )
            })
    }
}

impl TryFrom<String> for Visibility {
    type Error = RuleError;
    fn try_from(s: String) -> Result<Visibility, RuleError> {
        s.parse()
    }
}

/// Who is looking at a group, as far as its visibility goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Not signed in, or signed in without any standing in the group.
    Outsider,
    /// Has asked to join, not yet approved.
    Pending,
    /// An approved member, one of its moderators, or an admin.
    Insider,
}

/// Why a read is refused: hidden groups answer as if absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    NotFound,
    Forbidden(String),
}

/// Whether `reader` may see the group itself (its name, description,
/// member count).
pub fn may_see_group(visibility: Visibility, reader: Reader) -> Result<(), Denied> {
    match (visibility, reader) {
        (Visibility::Hidden, Reader::Outsider | Reader::Pending) => Err(Denied::NotFound),
        _ => Ok(()),
    }
}

/// Whether `reader` may read what is in the group: its threads, replies,
/// members, products, leaderboard and log.
pub fn may_read(visibility: Visibility, reader: Reader) -> Result<(), Denied> {
    may_see_group(visibility, reader)?;
    match (visibility, reader) {
        (Visibility::Public, _) | (_, Reader::Insider) => Ok(()),
        _ => Err(Denied::Forbidden(
            "this group is private: its content is for its members; ask to join".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back() {
        for v in Visibility::ALL {
            assert_eq!(v.as_str().parse::<Visibility>().unwrap(), v);
        }
        assert!("secret".parse::<Visibility>().is_err());
    }

    #[test]
    fn a_hidden_group_does_not_exist_for_outsiders() {
        for reader in [Reader::Outsider, Reader::Pending] {
            assert_eq!(
                may_see_group(Visibility::Hidden, reader),
                Err(Denied::NotFound)
            );
            assert_eq!(may_read(Visibility::Hidden, reader), Err(Denied::NotFound));
        }
        assert!(may_read(Visibility::Hidden, Reader::Insider).is_ok());
    }

    #[test]
    fn a_private_group_shows_itself_but_not_its_content() {
        assert!(may_see_group(Visibility::Private, Reader::Outsider).is_ok());
        assert!(matches!(
            may_read(Visibility::Private, Reader::Pending),
            Err(Denied::Forbidden(_))
        ));
        assert!(may_read(Visibility::Private, Reader::Insider).is_ok());
        assert!(may_read(Visibility::Public, Reader::Outsider).is_ok());
    }

    #[test]
    fn only_public_groups_are_open() {
        assert!(Visibility::Public.open() && !Visibility::Private.open());
        assert!(Visibility::Private.listed() && !Visibility::Hidden.listed());
    }
}
