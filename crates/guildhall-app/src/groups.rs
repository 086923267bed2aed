//! Groups: creating and editing them, joining and leaving, moderators,
//! finding remote ones.

use crate::{Acting, App, Error, Received, Result, accounts, actor, keys};
use guildhall_core::content::render_markdown;
use guildhall_core::ids::{GroupId, UserId};
use guildhall_core::kinds::GroupKind;
use guildhall_core::names;
use guildhall_core::permissions::{can_create_group, can_manage_group};
use guildhall_core::visibility::Visibility;
use guildhall_db::{FedGroup, Group, GroupUpdate, Membership, NewGroup, User, UserSummary};

/// A group by name, local (`name`) or remote (`name@host`).
pub async fn group(app: &App, name: &str) -> Result<Group> {
    // Remote groups are stored as `name@host`.
    let name = match name.split_once('@') {
        Some(_) => name.to_ascii_lowercase(),
        None => names::group_name(name).map_err(|_| Error::not_found("group"))?,
    };
    app.store
        .group_by_name(&name)
        .await?
        .ok_or_else(|| Error::not_found("group"))
}

/// A group whose settings this member may change (its moderators and
/// admins), for the settings form.
pub async fn manageable(app: &App, acting: Acting<'_>, name: &str) -> Result<Group> {
    let user = acting.member()?;
    // A hidden group is not there for whoever does not belong to it.
    let group = crate::access::visible(app, name, Some(user)).await?;
    can_manage_group(
        actor(user),
        app.store.is_moderator(group.id, user.id).await?,
    )?;
    Ok(group)
}

/// Whether this member may create groups here (config `groups.creation`).
pub fn may_create(app: &App, user: &User) -> Result<()> {
    Ok(can_create_group(actor(user), app.settings.group_creation)?)
}

/// What an edit of a group changes; `None` keeps the current value.
#[derive(Default)]
pub struct GroupChange<'a> {
    pub title: Option<&'a str>,
    pub description: Option<&'a str>,
    pub rules: Option<&'a str>,
    pub restricted: Option<bool>,
    pub kind: Option<&'a str>,
    /// `public`, `private` or `hidden` (see `guildhall_core::visibility`).
    pub visibility: Option<&'a str>,
}

pub struct GroupInput<'a> {
    pub title: &'a str,
    /// `discussion` when `None`; see [`GroupKind`].
    pub kind: Option<&'a str>,
    pub description: &'a str,
    pub rules: &'a str,
}

/// Creates a group that `owner` moderates. A member creates their own,
/// if the instance lets them; the operator names any member as its owner.
pub async fn create(
    app: &App,
    acting: Acting<'_>,
    owner: &User,
    name: &str,
    input: GroupInput<'_>,
) -> Result<Group> {
    if !matches!(acting, Acting::Operator) {
        let member = acting.member()?;
        may_create(app, member)?;
        if member.id != owner.id {
            return Err(Error::Forbidden(
                "members create groups they moderate themselves".into(),
            ));
        }
    }
    let name = names::group_name(name)?;
    let kind = input
        .kind
        .map(GroupKind::parse)
        .transpose()?
        .unwrap_or_default();
    let limits = app.settings.limits;
    let title = limits.title(input.title)?;
    let description = limits.optional_text("description", input.description)?;
    let rules = limits.optional_text("rules", input.rules)?;
    let (description_html, rules_html) = (render_markdown(&description), render_markdown(&rules));
    // Made first, so the group and its keys are stored together.
    let keys = keys::generate().await?;
    let group = app
        .store
        .create_group(NewGroup {
            name: &name,
            title: &title,
            description: &description,
            description_html: &description_html,
            rules: &rules,
            rules_html: &rules_html,
            kind,
            creator_id: owner.id,
            keys: Some(&keys),
        })
        .await?;
    tracing::info!(group = %group.name, kind = %group.kind, by = %owner.username, "group created");
    Ok(group)
}

/// Its moderators and admins edit a group; only admins change its kind.
/// Fields left `None` keep their current value.
pub async fn update(
    app: &App,
    acting: Acting<'_>,
    name: &str,
    change: GroupChange<'_>,
) -> Result<Group> {
    let GroupChange {
        title,
        description,
        rules,
        restricted,
        kind,
        visibility,
    } = change;
    let group = manageable(app, acting, name).await?;
    let visibility = visibility
        .map(str::parse::<Visibility>)
        .transpose()?
        .filter(|v| *v != group.visibility);
    if visibility.is_some() && group.origin.is_remote() {
        return Err(Error::Forbidden(
            "this group lives on another server: its visibility is set there".into(),
        ));
    }
    let kind = match kind {
        Some(kind) => {
            let kind = GroupKind::parse(kind)?;
            if kind != group.kind {
                acting.require_admin("changing a group's kind")?;
            }
            kind
        }
        None => group.kind,
    };
    let limits = app.settings.limits;
    let title = title
        .map(|t| limits.title(t))
        .transpose()?
        .unwrap_or(group.title);
    let description = description
        .map(|d| limits.optional_text("description", d))
        .transpose()?
        .unwrap_or(group.description);
    let rules = rules
        .map(|r| limits.optional_text("rules", r))
        .transpose()?
        .unwrap_or(group.rules);
    let updated = app
        .store
        .update_group(
            group.id,
            GroupUpdate {
                kind,
                restricted: restricted.unwrap_or(group.restricted != 0),
                title: &title,
                description: &description,
                description_html: &render_markdown(&description),
                rules: &rules,
                rules_html: &render_markdown(&rules),
            },
        )
        .await?;
    if let Some(visibility) = visibility {
        let user = acting.member()?;
        app.store
            .set_visibility(group.id, visibility, user.id)
            .await?;
        tracing::info!(group = %group.name, %visibility, by = %user.username, "visibility changed");
        return self::group(app, &updated.name).await;
    }
    Ok(updated)
}

/// Joins (`member = true`) or leaves a group; doing either twice is harmless.
/// Returns the group with its updated member count.
pub async fn set_membership(
    app: &App,
    acting: Acting<'_>,
    name: &str,
    member: bool,
) -> Result<Group> {
    let user = acting.member()?;
    if member {
        return Ok(crate::access::join(app, acting, name).await?.0);
    }
    let found = crate::access::visible(app, name, Some(user)).await?;
    {
        app.store.leave_group(found.id, user.id).await?;
    }
    group(app, &found.name).await
}

/// Whether people on other servers may follow a group of ours: a public
/// one, or a private one (its moderators then answer the Follow); a hidden
/// group is not there for them.
pub fn followable_remotely(group: &FedGroup) -> Result<()> {
    match group.visibility {
        Visibility::Public | Visibility::Private => Ok(()),
        // To other servers a hidden group does not exist at all.
        Visibility::Hidden => Err(Error::not_found("group")),
    }
}

/// A remote actor follows a group of ours. A public group accepts at once,
/// the Accept queued with the membership; a private group keeps the Follow
/// for its moderators, who answer it with an Accept or a Reject (unless
/// they are a member already, or invited by name: then it is accepted at
/// once). A member banned from the group is refused. `received` is their
/// Follow.
pub async fn follow_remote(
    app: &App,
    acting: Acting<'_>,
    received: Received<'_>,
    group: &FedGroup,
) -> Result<()> {
    followable_remotely(group)?;
    let user = acting.remote()?.user;
    if let Some(ban) = app.store.group_ban(group.id, user.id).await? {
        let bar =
            guildhall_core::moderation::barred("follow", "this group", ban.expires_at, &ban.reason);
        return Err(bar.into());
    }
    let mut member = app.store.membership(group.id, user.id).await? == Some(Membership::Member);
    // Invited by name: let in at once (an invitation that has expired
    // leaves the Follow to wait like any other).
    if group.visibility == Visibility::Private
        && !member
        && let Some(id) = app.store.invitation_for(group.id, user.id).await?
    {
        member = app.store.accept_invitation(id, user.id).await.is_ok();
    }
    if group.visibility == Visibility::Private && !member {
        app.store
            .add_pending_follower(group.id, user.id, received.id, received.raw)
            .await?;
        tracing::info!(group = %group.name, follower = %user.username, "remote follow waits for a moderator");
        return Ok(());
    }
    app.store
        .add_follower(group.id, user.id, received.id, received.raw)
        .await
        .map_err(Error::worded)
}

/// A remote member stops following a group of ours.
pub async fn unfollow_remote(app: &App, acting: Acting<'_>, group: &FedGroup) -> Result<()> {
    let user = acting.remote()?.user;
    app.store
        .remove_follower(group.id, user.id)
        .await
        .map_err(Error::worded)?;
    Ok(())
}

/// A remote group answers a local member's Follow (the inbox checked that
/// the group itself signed the answer and that the Follow was ours): an
/// accepted membership becomes active, a refused one ends. True when the
/// membership changed.
pub async fn follow_answered(
    app: &App,
    group: GroupId,
    member: UserId,
    accepted: bool,
) -> Result<bool> {
    let changed = if accepted {
        app.store.accept_follow(group, member).await
    } else {
        app.store.follow_rejected(group, member).await
    };
    changed.map_err(Error::worded)
}

/// Adds (`add = true`) or removes a moderator; returns the new list.
pub async fn set_moderator(
    app: &App,
    acting: Acting<'_>,
    group_name: &str,
    username: &str,
    add: bool,
) -> Result<Vec<UserSummary>> {
    let group = manageable(app, acting, group_name).await?;
    if group.origin.is_remote() {
        return Err(Error::Forbidden(
            "this group lives on another server, which keeps its moderators".into(),
        ));
    }
    let user = acting.member()?;
    let target = accounts::user(app, username).await?;
    if add {
        app.store
            .add_moderator(group.id, target.id, user.id)
            .await?;
    } else {
        let mods = app.store.moderators(group.id).await?;
        if mods.len() == 1 && mods[0].id == target.id {
            return Err(Error::Conflict(
                "a group keeps at least one moderator".into(),
            ));
        }
        if !app
            .store
            .remove_moderator(group.id, target.id, user.id)
            .await?
        {
            return Err(Error::not_found("moderator"));
        }
    }
    Ok(app.store.moderators(group.id).await?)
}

/// Finds a remote group by `!name@host`, `@name@host` or URL and stores it,
/// so members can follow it (join) and post in it.
pub async fn lookup_remote(app: &App, query: &str) -> Result<Group> {
    let network = app
        .network()
        .ok_or_else(|| Error::Forbidden("this instance does not federate".into()))?;
    let name = network.lookup_group(query).await?;
    app.store
        .group_by_name(&name)
        .await?
        .ok_or_else(|| Error::not_found("group"))
}
