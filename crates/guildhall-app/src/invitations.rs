//! Invitations into private and hidden groups: a moderator, or a member at
//! the trust level `Privilege::Invite` takes (TL2), invites a member by name or makes a link with an expiry and
//! a number of uses; moderators list and revoke them. An invited member
//! sees the group (even a hidden one) and joins it at once.

use crate::credentials::{new_token, token_hash};
use crate::{Acting, App, Error, Result, access, accounts, groups};
use guildhall_core::moderation as rules;
use guildhall_core::reputation::{Privilege, privileges};
use guildhall_core::visibility::Visibility;
use guildhall_db::{Group, Invitation, Membership, NewInvitation, User, now_ms};

/// The most uses a link may be given.
pub const LINK_USES_MAX: i64 = 1_000;

/// Whether `user` may invite to `group`: its moderators and admins, and
/// its members at the trust level for inviting, unless barred.
async fn may_invite(app: &App, group: &Group, user: &User) -> Result<()> {
    if group.visibility == Visibility::Public {
        return Err(Error::Invalid(
            "invalid group: anyone may join a public group; invitations are for private and hidden ones"
                .into(),
        ));
    }
    if group.origin.is_remote() {
        return Err(Error::Forbidden(
            "this group lives on another server: invite there".into(),
        ));
    }
    if user.is_admin || app.store.is_moderator(group.id, user.id).await? {
        return Ok(());
    }
    if app.store.membership(group.id, user.id).await? != Some(Membership::Member) {
        return Err(Error::Forbidden(
            "only the group's members may invite".into(),
        ));
    }
    if let Some(ban) = app.store.group_ban(group.id, user.id).await? {
        let bar = rules::barred("invite", "this group", ban.expires_at, &ban.reason);
        return Err(bar.into());
    }
    if user.suspended_at(now_ms()).is_some() || user.banned_at.is_some() {
        return Err(Error::Forbidden(
            "a suspended or banned account cannot invite".into(),
        ));
    }
    let level = app.store.trust_level(user.id).await?;
    Ok(privileges::check(level, Privilege::Invite)?)
}

/// Whether `user` may invite to `group` (for pages, which offer the forms
/// only then; the actions check again).
pub async fn may(app: &App, group: &Group, user: &User) -> bool {
    may_invite(app, group, user).await.is_ok()
}

/// Invites a member by name; the invitation's id.
pub async fn invite_member(
    app: &App,
    acting: Acting<'_>,
    group_name: &str,
    username: &str,
) -> Result<i64> {
    let user = acting.member()?;
    let group = access::readable(app, group_name, Some(user)).await?;
    may_invite(app, &group, user).await?;
    let invited = invitee(app, &group, username).await?;
    if app.store.membership(group.id, invited.id).await? == Some(Membership::Member) {
        return Err(Error::Conflict(format!(
            "{} is a member of this group already",
            invited.username
        )));
    }
    if app
        .store
        .invitation_for(group.id, invited.id)
        .await?
        .is_some()
    {
        return Err(Error::Conflict(format!(
            "{} is invited already",
            invited.username
        )));
    }
    let new = NewInvitation {
        group: group.id,
        by: user.id,
        user: Some(invited.id),
        token_hash: None,
        max_uses: Some(1),
        expires_at: None,
    };
    let id = app.store.create_invitation(new).await?;
    tracing::info!(group = %group.name, invited = %invited.username, by = %user.username, "member invited");
    Ok(id)
}

/// Makes an invitation link: its token (shown once, stored hashed) and id.
pub async fn invite_link(
    app: &App,
    acting: Acting<'_>,
    group_name: &str,
    (expires_at, max_uses): (Option<i64>, Option<i64>),
) -> Result<(String, i64)> {
    let user = acting.member()?;
    let group = access::readable(app, group_name, Some(user)).await?;
    may_invite(app, &group, user).await?;
    let expires_at = rules::expiry(expires_at, now_ms())?;
    if let Some(uses) = max_uses
        && !(1..=LINK_USES_MAX).contains(&uses)
    {
        return Err(Error::Invalid(format!(
            "invalid max_uses: from 1 to {LINK_USES_MAX}, or none for no limit"
        )));
    }
    let (token, hash) = new_token();
    let new = NewInvitation {
        group: group.id,
        by: user.id,
        user: None,
        token_hash: Some(&hash),
        max_uses,
        expires_at,
    };
    let id = app.store.create_invitation(new).await?;
    tracing::info!(group = %group.name, by = %user.username, "invitation link made");
    Ok((token, id))
}

/// A group's usable invitations, for its moderators.
pub async fn list(app: &App, acting: Acting<'_>, group_name: &str) -> Result<Vec<Invitation>> {
    let group = groups::manageable(app, acting, group_name).await?;
    Ok(app.store.invitations(group.id).await?)
}

/// A moderator revokes an invitation.
pub async fn revoke(app: &App, acting: Acting<'_>, group_name: &str, id: i64) -> Result<()> {
    let group = groups::manageable(app, acting, group_name).await?;
    if !app.store.revoke_invitation(group.id, id).await? {
        return Err(Error::not_found("invitation"));
    }
    Ok(())
}

/// The group a link invites to, and whether the link still works: what
/// its page shows anyone holding it.
pub async fn by_link(app: &App, token: &str) -> Result<(Group, Invitation, bool)> {
    let (invitation, live) = app
        .store
        .invitation_by_token(&token_hash(token))
        .await?
        .ok_or_else(|| Error::not_found("invitation"))?;
    let group = app
        .store
        .group_by_id(invitation.group_id)
        .await?
        .ok_or_else(|| Error::not_found("invitation"))?;
    Ok((group, invitation, live))
}

/// A member joins through a link.
pub async fn accept_link(app: &App, acting: Acting<'_>, token: &str) -> Result<Group> {
    let user = acting.member()?;
    let (group, invitation, _) = by_link(app, token).await?;
    join_invited(app, &group, invitation.id, user).await?;
    Ok(group)
}

/// The member invited by name: one of ours, or (to a private group, which
/// federates with its followers) someone on another server, looked up if
/// not known yet. Their Follow of the group is then accepted at once.
async fn invitee(app: &App, group: &Group, username: &str) -> Result<User> {
    if !username.contains('@') {
        return accounts::user(app, username).await;
    }
    if group.visibility != Visibility::Private {
        return Err(Error::Invalid(
            "invalid username: a hidden group does not federate, so only members of this server can be invited"
                .into(),
        ));
    }
    if let Ok(known) = accounts::user(app, username).await {
        return Ok(known);
    }
    let network = app
        .network()
        .ok_or_else(|| Error::Forbidden("this instance does not federate".into()))?;
    let name = network.lookup_user(username).await?;
    accounts::user(app, &name).await
}

/// Joins `user` to `group` with the invitation `id`.
pub(crate) async fn join_invited(app: &App, group: &Group, id: i64, user: &User) -> Result<()> {
    if let Some(ban) = app.store.group_ban(group.id, user.id).await? {
        let bar = rules::barred("join", "this group", ban.expires_at, &ban.reason);
        return Err(bar.into());
    }
    if !app.store.accept_invitation(id, user.id).await? {
        return Err(Error::Conflict(
            "you are a member of this group already".into(),
        ));
    }
    tracing::info!(group = %group.name, member = %user.username, "invitation used");
    Ok(())
}
