//! Who may do what. Moderation beyond deleting (bans, locks, removals with a
//! reason) comes with later issues; these are the rules the foundation needs.

use crate::RuleError;
use crate::ids::UserId;
use serde::{Deserialize, Serialize};

/// The member acting, as the rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: UserId,
    pub is_admin: bool,
}

/// Who may create groups (config `groups.creation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupCreation {
    /// Only instance admins: the usual choice for a brand's community.
    #[default]
    Admins,
    /// Any signed-in member.
    Members,
}

pub fn can_create_group(actor: Actor, policy: GroupCreation) -> Result<(), RuleError> {
    match policy {
        GroupCreation::Members => Ok(()),
        GroupCreation::Admins if actor.is_admin => Ok(()),
        GroupCreation::Admins => Err(RuleError::Forbidden(
            "only admins can create groups on this instance".into(),
        )),
    }
}

/// Only the author edits a post: an edit speaks in their name.
pub fn can_edit(actor: Actor, author_id: UserId, deleted: bool) -> Result<(), RuleError> {
    if deleted {
        return Err(RuleError::Conflict(
            "a deleted post cannot be edited".into(),
        ));
    }
    if actor.id != author_id {
        return Err(RuleError::Forbidden(
            "you can only edit your own posts".into(),
        ));
    }
    Ok(())
}

/// The author deletes their own post; the group's moderators and the
/// instance's admins may delete any post in it.
pub fn can_delete(
    actor: Actor,
    author_id: UserId,
    is_group_moderator: bool,
    deleted: bool,
) -> Result<(), RuleError> {
    if deleted {
        return Err(RuleError::Conflict("this post is already deleted".into()));
    }
    if actor.id == author_id || actor.is_admin || is_group_moderator {
        Ok(())
    } else {
        Err(RuleError::Forbidden(
            "you can only delete your own posts".into(),
        ))
    }
}

/// Admins and the group's current moderators manage the moderator list and
/// the group's texts.
pub fn can_manage_group(actor: Actor, is_group_moderator: bool) -> Result<(), RuleError> {
    if actor.is_admin || is_group_moderator {
        Ok(())
    } else {
        Err(RuleError::Forbidden(
            "only this group's moderators and admins can do that".into(),
        ))
    }
}

/// Replies go to live threads and live replies.
pub fn can_reply(thread_deleted: bool, parent_deleted: bool) -> Result<(), RuleError> {
    if thread_deleted {
        return Err(RuleError::Conflict("this thread has been deleted".into()));
    }
    if parent_deleted {
        return Err(RuleError::Conflict(
            "the reply you are answering has been deleted".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMBER: Actor = Actor {
        id: UserId(1),
        is_admin: false,
    };
    const ADMIN: Actor = Actor {
        id: UserId(9),
        is_admin: true,
    };

    #[test]
    fn group_creation_policy() {
        assert!(can_create_group(ADMIN, GroupCreation::Admins).is_ok());
        assert!(can_create_group(MEMBER, GroupCreation::Admins).is_err());
        assert!(can_create_group(MEMBER, GroupCreation::Members).is_ok());
    }

    #[test]
    fn only_authors_edit() {
        assert!(can_edit(MEMBER, UserId(1), false).is_ok());
        assert!(matches!(
            can_edit(MEMBER, UserId(2), false),
            Err(RuleError::Forbidden(_))
        ));
        assert!(matches!(
            can_edit(ADMIN, UserId(1), false),
            Err(RuleError::Forbidden(_))
        ));
        assert!(matches!(
            can_edit(MEMBER, UserId(1), true),
            Err(RuleError::Conflict(_))
        ));
    }

    #[test]
    fn authors_moderators_and_admins_delete() {
        assert!(can_delete(MEMBER, UserId(1), false, false).is_ok());
        assert!(can_delete(MEMBER, UserId(2), true, false).is_ok());
        assert!(can_delete(ADMIN, UserId(2), false, false).is_ok());
        assert!(matches!(
            can_delete(MEMBER, UserId(2), false, false),
            Err(RuleError::Forbidden(_))
        ));
        assert!(matches!(
            can_delete(MEMBER, UserId(1), false, true),
            Err(RuleError::Conflict(_))
        ));
    }

    #[test]
    fn group_management() {
        assert!(can_manage_group(ADMIN, false).is_ok());
        assert!(can_manage_group(MEMBER, true).is_ok());
        assert!(can_manage_group(MEMBER, false).is_err());
    }

    #[test]
    fn replies_need_live_targets() {
        assert!(can_reply(false, false).is_ok());
        assert!(can_reply(true, false).is_err());
        assert!(can_reply(false, true).is_err());
    }
}
