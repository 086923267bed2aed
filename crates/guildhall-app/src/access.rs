//! Who may see a group and what is in it, for every read path: the rules
//! of `guildhall_core::visibility` applied to a viewer's standing here.
//! A hidden group answers "not found" to an outsider, whatever was asked
//! for (the group, a thread, a reply), so its existence does not leak.

use crate::{Acting, App, Error, Result, accounts, groups};
use guildhall_core::ids::GroupId;
use guildhall_core::visibility::{Denied, Reader, Visibility, may_read, may_see_group};
use guildhall_db::{Group, Membership, User, UserSummary};

/// How `viewer` stands in a group: admins and its moderators are insiders
/// like its approved members.
pub async fn reader(app: &App, group: GroupId, viewer: Option<&User>) -> Result<Reader> {
    let Some(user) = viewer else {
        return Ok(Reader::Outsider);
    };
    if user.is_admin {
        return Ok(Reader::Insider);
    }
    Ok(match app.store.membership(group, user.id).await? {
        Some(Membership::Member) => Reader::Insider,
        _ if app.store.is_moderator(group, user.id).await? => Reader::Insider,
        Some(Membership::Pending) => Reader::Pending,
        None => Reader::Outsider,
    })
}

fn refused(denied: Denied, what: &str) -> Error {
    match denied {
        Denied::NotFound => Error::not_found(what),
        Denied::Forbidden(why) => Error::Forbidden(why),
    }
}

/// Checks that `viewer` may read what is in a group (or, the same rule,
/// take part in it); `what` is the thing asked for, named in the "not
/// found" of a hidden group.
pub async fn check_read(
    app: &App,
    (group, visibility): (GroupId, Visibility),
    viewer: Option<&User>,
    what: &str,
) -> Result<()> {
    if visibility == Visibility::Public {
        return Ok(());
    }
    let reader = reader(app, group, viewer).await?;
    may_read(visibility, reader).map_err(|d| refused(d, what))
}

/// Whether `user`, from another server, may take part in `group` (post,
/// reply, vote, report): in a public group anyone; in a private group of
/// ours its approved followers alone; a hidden group of ours does not
/// federate, so to them it is not there. A remote group's own server
/// decides who takes part in it.
pub async fn open_to_remote(
    app: &App,
    group: &guildhall_db::FedGroup,
    user: guildhall_core::ids::UserId,
) -> Result<()> {
    match (group.origin.is_local(), group.visibility) {
        (false, _) | (true, Visibility::Public) => Ok(()),
        (true, Visibility::Hidden) => Err(Error::not_found("group")),
        (true, Visibility::Private) => {
            if app.store.membership(group.id, user).await? == Some(Membership::Member) {
                return Ok(());
            }
            Err(Error::Forbidden(
                "this group is private: only its approved followers take part".into(),
            ))
        }
    }
}

/// A group by name that `viewer` may see (its name and description).
pub async fn visible(app: &App, name: &str, viewer: Option<&User>) -> Result<Group> {
    let group = groups::group(app, name).await?;
    if group.visibility == Visibility::Hidden {
        let reader = reader(app, group.id, viewer).await?;
        // A member invited by name sees the group they are invited to.
        let invited = match viewer {
            Some(user) => app.store.invitation_for(group.id, user.id).await?.is_some(),
            None => false,
        };
        if !invited {
            may_see_group(group.visibility, reader).map_err(|d| refused(d, "group"))?;
        }
    }
    Ok(group)
}

/// A group by name whose content `viewer` may read.
pub async fn readable(app: &App, name: &str, viewer: Option<&User>) -> Result<Group> {
    let group = visible(app, name, viewer).await?;
    check_read(app, (group.id, group.visibility), viewer, "group").await?;
    Ok(group)
}

/// The groups `viewer` may see listed.
pub async fn list(app: &App, viewer: Option<&User>, limit: i64) -> Result<Vec<Group>> {
    Ok(app.store.list_groups(limit, viewer).await?)
}

/// What asking to join a group did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// A member now (or already).
    Member,
    /// Waiting for a moderator (or for a remote group's Accept).
    Requested,
}

/// A member joins a public group at once, or asks to join a private one;
/// a hidden group takes members by invitation only (to anyone else it is
/// not there).
pub async fn join(app: &App, acting: Acting<'_>, name: &str) -> Result<(Group, Joined)> {
    let user = acting.member()?;
    let group = visible(app, name, Some(user)).await?;
    if let Some(ban) = app.store.group_ban(group.id, user.id).await? {
        let bar =
            guildhall_core::moderation::barred("join", "this group", ban.expires_at, &ban.reason);
        return Err(bar.into());
    }
    let reader = reader(app, group.id, Some(user)).await?;
    let joined = match (group.visibility, reader) {
        (Visibility::Public, _) => {
            app.store.join_group(group.id, user.id).await?;
            match app.store.membership(group.id, user.id).await? {
                Some(Membership::Pending) => Joined::Requested,
                _ => Joined::Member,
            }
        }
        // Moderators and admins are in already; make it a membership. (A
        // remote group's own moderators decide who follows it.)
        (_, Reader::Insider) if group.origin.is_local() => {
            app.store.join_group(group.id, user.id).await?;
            app.store.approve_member(group.id, user.id).await?;
            Joined::Member
        }
        // Invited by name: in at once.
        (_, _) if let Some(id) = app.store.invitation_for(group.id, user.id).await? => {
            crate::invitations::join_invited(app, &group, id, user).await?;
            Joined::Member
        }
        (Visibility::Private, _) if group.origin.is_local() => {
            app.store.request_to_join(group.id, user.id).await?;
            Joined::Requested
        }
        // A remote private group: our Follow waits for its moderators.
        (Visibility::Private, _) => {
            app.store.join_group(group.id, user.id).await?;
            Joined::Requested
        }
        (Visibility::Hidden, _) => return Err(Error::not_found("group")),
    };
    Ok((groups::group(app, name).await?, joined))
}

/// The requests to join a group, oldest first, for its moderators.
pub async fn requests(
    app: &App,
    acting: Acting<'_>,
    name: &str,
) -> Result<Vec<(UserSummary, i64)>> {
    let group = groups::manageable(app, acting, name).await?;
    Ok(app.store.join_requests(group.id).await?)
}

/// A moderator lets a member in (`approve`) or turns them down.
pub async fn decide(
    app: &App,
    acting: Acting<'_>,
    name: &str,
    username: &str,
    approve: bool,
) -> Result<()> {
    let group = groups::manageable(app, acting, name).await?;
    let member = accounts::user(app, username).await?;
    if approve && app.store.group_ban(group.id, member.id).await?.is_some() {
        return Err(Error::Conflict(format!(
            "{} is banned from this group: lift the ban first",
            member.username
        )));
    }
    let done = if approve {
        app.store.approve_member(group.id, member.id).await?
    } else {
        app.store.refuse_member(group.id, member.id).await?
    };
    if !done {
        return Err(Error::not_found("request to join"));
    }
    tracing::info!(group = %group.name, member = %member.username, approve, "join request decided");
    Ok(())
}
