//! Moderation: flags, hiding spam, removing and restoring posts, locking
//! and pinning threads, bans from a group and from the instance,
//! suspensions, and reading the mod log.
//!
//! A group's moderators and the instance's admins act on the group's posts
//! and members; only admins suspend or ban accounts. Each action is logged
//! by the store in its own transaction (see `guildhall_db::LogEntry`).

use crate::posts::Post;
use crate::{Acting, App, Error, Received, Result, accounts, groups};
use guildhall_core::RuleError;
use guildhall_core::ids::ThreadId;
use guildhall_core::moderation::{self as rules, Action};
use guildhall_core::reputation::ledger::Object;
use guildhall_db::{
    FedGroup, FedUser, Flag, GroupBan, LogRow, LogScope, NewBan, Outcome, PostTable, Resolution,
    StoreError, User, Via, now_ms,
};

/// Flags a post for its group's moderators (TL1 and up); false if this
/// member had flagged it already.
pub async fn flag(app: &App, acting: Acting<'_>, object: Object, reason: &str) -> Result<bool> {
    let user = acting.member()?;
    let group = post_group(app, object).await?;
    let what = object.stored().0;
    crate::access::check_read(app, (group.id, group.visibility), Some(user), what).await?;
    app.limits.flags_per_member.hit(&user.id.to_string())?;
    Ok(app.store.flag(user.id, object, reason).await?)
}

/// A remote report: each named post of one of our groups is flagged for
/// its moderators, by the reporter; posts of remote groups (only their own
/// moderators can act) and deleted ones are passed over. Returns how many
/// were flagged; a report that flags none is refused.
pub async fn flag_remote(
    app: &App,
    acting: Acting<'_>,
    posts: &[Post],
    reason: &str,
) -> Result<usize> {
    let reporter = acting.remote()?.user;
    let mut flagged = 0;
    for post in posts {
        if post.group.origin.is_remote() || post.deleted {
            continue;
        }
        if crate::access::open_to_remote(app, &post.group, reporter.id)
            .await
            .is_err()
        {
            continue;
        }
        match app
            .store
            .flag_from_remote(reporter.id, post.object, reason)
            .await
        {
            Ok(_) => flagged += 1,
            // Deleted meanwhile: nothing to review.
            Err(StoreError::Rule(RuleError::Conflict(_))) => {}
            Err(e) => return Err(Error::worded(e)),
        }
    }
    if flagged == 0 {
        return Err(Error::Invalid(
            "the report names no post of a group here".into(),
        ));
    }
    Ok(flagged)
}

/// Hides obvious spam (TL3 and up): removes the post as a moderator would.
pub async fn hide_spam(app: &App, acting: Acting<'_>, object: Object) -> Result<()> {
    let user = acting.member()?;
    app.store.hide_spam(user.id, object).await?;
    tracing::info!(by = %user.username, ?object, "post hidden as spam");
    Ok(())
}

/// A group's reports, for its moderators and the instance's admins: the
/// open ones (`open`), or those dealt with.
pub async fn group_flags(
    app: &App,
    acting: Acting<'_>,
    name: &str,
    open: bool,
) -> Result<Vec<Flag>> {
    let group = groups::manageable(app, acting, name).await?;
    Ok(app.store.flags(group.id, open, 200).await?)
}

/// A moderator resolves (with the action taken) or dismisses a report,
/// and may report the post to its home server too, when it lives on
/// another one.
pub async fn resolve_flag(
    app: &App,
    acting: Acting<'_>,
    name: &str,
    flag: i64,
    (resolution, note): (Resolution, &str),
    forward: bool,
) -> Result<()> {
    let group = groups::manageable(app, acting, name).await?;
    let by = acting.member()?;
    let note = rules::reason(note)?;
    if forward {
        let open = app.store.flags(group.id, true, 500).await?;
        let Some(report) = open.iter().find(|f| f.id == flag) else {
            let closed = app.store.flags(group.id, false, 500).await?;
            if closed.iter().any(|f| f.id == flag) {
                return Err(Error::Conflict("this report was already dealt with".into()));
            }
            return Err(Error::not_found("report"));
        };
        if group.visibility != guildhall_core::visibility::Visibility::Public {
            return Err(Error::Invalid(
                "invalid forward: a private or hidden group's reports stay on this server".into(),
            ));
        }
        if report.remote == 0 {
            return Err(Error::Invalid(
                "invalid forward: this post lives here, so there is no other server to report it to"
                    .into(),
            ));
        }
    }
    let outcome = Outcome {
        flag,
        group: group.id,
        by: by.id,
        resolution,
        note,
        forward,
    };
    app.store.resolve_flag(outcome).await?;
    tracing::info!(group = %group.name, flag, resolution = resolution.as_str(), forward, "report dealt with");
    Ok(())
}

/// The member acting, if they moderate `group` here (or are an admin). A
/// remote group is moderated by those its own server lists: a member of
/// ours among them acts on it from here (the action goes to the group,
/// which applies it and tells its followers); an admin here does not.
async fn moderator_of<'a>(app: &App, acting: Acting<'a>, group: &FedGroup) -> Result<&'a User> {
    let user = acting.member()?;
    if group.origin.is_remote() {
        if app.store.is_moderator(group.id, user.id).await? {
            return Ok(user);
        }
        return Err(Error::Forbidden(
            "this group lives on another server: its moderators act there".into(),
        ));
    }
    if !user.is_admin && !app.store.is_moderator(group.id, user.id).await? {
        return Err(Error::Forbidden(
            "only the group's moderators and the instance's admins may do this".into(),
        ));
    }
    Ok(user)
}

/// A post and its group, or 404.
async fn post_group(app: &App, object: Object) -> Result<FedGroup> {
    let (table, id) = match object {
        Object::Thread(id) => (PostTable::Threads, id.get()),
        Object::Reply(id) => (PostTable::Replies, id.get()),
    };
    let (_, group) = app
        .store
        .post_place(table, id)
        .await?
        .ok_or_else(|| Error::not_found(object.stored().0))?;
    Ok(group)
}

/// A moderator removes a post, with a reason: it is hidden from everyone
/// but can be restored.
pub async fn remove(app: &App, acting: Acting<'_>, object: Object, reason: &str) -> Result<()> {
    let group = post_group(app, object).await?;
    let user = moderator_of(app, acting, &group).await?;
    let reason = rules::reason(reason)?;
    app.store
        .remove_post(object, user.id, reason, Via::Local)
        .await?;
    tracing::info!(by = %user.username, ?object, reason, "post removed");
    Ok(())
}

/// A moderator restores a removed post.
pub async fn restore(app: &App, acting: Acting<'_>, object: Object, reason: &str) -> Result<()> {
    let group = post_group(app, object).await?;
    let user = moderator_of(app, acting, &group).await?;
    let reason = rules::reason(reason)?;
    app.store
        .restore_post(object, user.id, reason, Via::Local)
        .await?;
    tracing::info!(by = %user.username, ?object, reason, "post restored");
    Ok(())
}

/// A moderator locks a thread (`Some(reason)`) or unlocks it (`None`).
/// False if it already was.
pub async fn set_locked(
    app: &App,
    acting: Acting<'_>,
    id: ThreadId,
    lock: Option<&str>,
) -> Result<bool> {
    let group = post_group(app, Object::Thread(id)).await?;
    let user = moderator_of(app, acting, &group).await?;
    let lock = lock.map(rules::reason).transpose()?;
    Ok(app.store.set_locked(id, user.id, lock, Via::Local).await?)
}

/// A moderator pins a thread to the top of its group, or unpins it.
pub async fn set_pinned(app: &App, acting: Acting<'_>, id: ThreadId, pin: bool) -> Result<bool> {
    let group = post_group(app, Object::Thread(id)).await?;
    let user = moderator_of(app, acting, &group).await?;
    Ok(app.store.set_pinned(id, user.id, pin, Via::Local).await?)
}

/// A ban as asked for: until when (never, if `None`), why, and whether the
/// member's posts in the group go too.
#[derive(Debug, Clone, Copy, Default)]
pub struct BanTerms<'a> {
    pub reason: &'a str,
    pub expires_at: Option<i64>,
    pub remove_content: bool,
}

/// A group's moderators ban a member from it; returns the ban and how many
/// of their posts were removed.
pub async fn ban_member(
    app: &App,
    acting: Acting<'_>,
    group_name: &str,
    username: &str,
    terms: BanTerms<'_>,
) -> Result<(GroupBan, usize)> {
    let group = groups::manageable(app, acting, group_name).await?;
    let by = acting.member()?;
    listed_if_remote(app, &group, by).await?;
    let member = accounts::user(app, username).await?;
    if member.id == by.id {
        return Err(Error::Invalid("moderators cannot ban themselves".into()));
    }
    if app.store.is_moderator(group.id, member.id).await? {
        return Err(Error::Conflict(
            "this member moderates the group: remove them as a moderator first".into(),
        ));
    }
    let ban = NewBan {
        group: group.id,
        member: member.id,
        by: by.id,
        reason: rules::reason(terms.reason)?,
        expires_at: rules::expiry(terms.expires_at, now_ms())?,
        remove_content: terms.remove_content,
    };
    let removed = app.store.ban_from_group(ban, Via::Local).await?;
    tracing::info!(group = %group.name, member = %member.username, removed, "member banned from group");
    let ban = app
        .store
        .group_ban(group.id, member.id)
        .await?
        .ok_or_else(|| Error::Internal("the ban was not stored".into()))?;
    Ok((ban, removed))
}

/// In a remote group, only those its server lists as moderators act from
/// here (their action goes to the group); an admin here does not.
async fn listed_if_remote(app: &App, group: &guildhall_db::Group, user: &User) -> Result<()> {
    if group.origin.is_remote() && !app.store.is_moderator(group.id, user.id).await? {
        return Err(Error::Forbidden(
            "this group lives on another server: its moderators act there".into(),
        ));
    }
    Ok(())
}

/// Lifts a member's ban from a group.
pub async fn unban_member(
    app: &App,
    acting: Acting<'_>,
    group_name: &str,
    username: &str,
    reason: &str,
) -> Result<()> {
    let group = groups::manageable(app, acting, group_name).await?;
    let by = acting.member()?;
    listed_if_remote(app, &group, by).await?;
    let member = accounts::user(app, username).await?;
    let reason = rules::reason(reason)?;
    if !app
        .store
        .unban_from_group(group.id, member.id, by.id, reason, Via::Local)
        .await?
    {
        return Err(Error::not_found("ban"));
    }
    Ok(())
}

/// A group's bans in force, for its moderators.
pub async fn group_bans(app: &App, acting: Acting<'_>, group_name: &str) -> Result<Vec<GroupBan>> {
    let group = groups::manageable(app, acting, group_name).await?;
    Ok(app.store.group_bans(group.id).await?)
}

/// Whoever acts for the instance: an admin, or the operator (`None`).
fn instance_actor(acting: Acting<'_>, what: &str) -> Result<Option<guildhall_core::ids::UserId>> {
    acting.require_admin(what)?;
    Ok(match acting {
        Acting::Member(user) => Some(user.id),
        _ => None,
    })
}

/// An admin (or the operator) bans or unbans an account from the
/// instance; a ban reverses what their votes gave.
pub async fn set_banned(
    app: &App,
    acting: Acting<'_>,
    username: &str,
    banned: bool,
    reason: &str,
) -> Result<()> {
    let by = instance_actor(acting, "banning members")?;
    let member = accounts::user(app, username).await?;
    if by == Some(member.id) {
        return Err(Error::Invalid("admins cannot ban themselves".into()));
    }
    let reason = rules::reason(reason)?;
    if banned {
        app.store.ban_user(member.id, by, reason).await?;
        tracing::info!(member = %member.username, "member banned");
    } else {
        app.store.unban_user(member.id, by, reason).await?;
        tracing::info!(member = %member.username, "member unbanned");
    }
    Ok(())
}

/// An admin suspends an account until a time (`Some`), or lifts its
/// suspension (`None`). False if there was none to lift.
pub async fn set_suspended(
    app: &App,
    acting: Acting<'_>,
    username: &str,
    until: Option<i64>,
    reason: &str,
) -> Result<bool> {
    let by = instance_actor(acting, "suspending members")?;
    let member = accounts::user(app, username).await?;
    if by == Some(member.id) && until.is_some() {
        return Err(Error::Invalid("admins cannot suspend themselves".into()));
    }
    if until.is_some() && member.is_admin {
        return Err(Error::Conflict(
            "this account is an admin: take the role away first".into(),
        ));
    }
    let until = until
        .map(|u| rules::suspension_end(Some(u), now_ms()))
        .transpose()?;
    let reason = rules::reason(reason)?;
    let changed = app.store.suspend_user(member.id, by, until, reason).await?;
    tracing::info!(member = %member.username, ?until, "suspension changed");
    Ok(changed)
}

/// One page of a mod log, newest first.
#[derive(Debug, Clone)]
pub struct Log {
    pub entries: Vec<LogRow>,
    /// The entry to read on from (`before`), if there are more.
    pub next: Option<i64>,
}

pub const LOG_PAGE: i64 = 50;

/// A group's mod log: public for a public group, with its moderators'
/// names unless the instance hides them (its moderators and admins always
/// see them).
pub async fn group_log(
    app: &App,
    acting: Acting<'_>,
    group_name: &str,
    before: Option<i64>,
) -> Result<Log> {
    let viewer = match acting {
        Acting::Member(user) => Some(user),
        _ => None,
    };
    let group = crate::access::readable(app, group_name, viewer).await?;
    let staff = match acting {
        Acting::Member(user) => user.is_admin || app.store.is_moderator(group.id, user.id).await?,
        _ => acting.is_admin(),
    };
    let mut log = page(app, LogScope::Group(group.id), before).await?;
    for entry in &mut log.entries {
        if !staff && !app.settings.show_moderator_names {
            entry.moderator = Some("a moderator".into());
        }
        // Why a thread was locked is for its author and the moderators
        // (the thread page shows it to them).
        if !staff && entry.action == Action::LockThread.as_str() {
            entry.reason.clear();
        }
    }
    Ok(log)
}

/// The instance's whole mod log, for admins.
pub async fn instance_log(app: &App, acting: Acting<'_>, before: Option<i64>) -> Result<Log> {
    acting.require_admin("the instance's mod log")?;
    page(app, LogScope::Instance, before).await
}

async fn page(app: &App, scope: LogScope, before: Option<i64>) -> Result<Log> {
    let mut entries = app.store.mod_log(scope, before, LOG_PAGE + 1).await?;
    let next = if entries.len() as i64 > LOG_PAGE {
        entries.truncate(LOG_PAGE as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(Log { entries, next })
}

/// A log row's action as a sentence about its target ("removed a reply
/// by ann").
pub fn summary(row: &LogRow) -> String {
    match row.action.parse::<Action>() {
        Ok(action) => action.sentence(row.object_type.as_deref(), row.target.as_deref()),
        Err(_) => row.action.replace('_', " "),
    }
}

/// What a group's moderator did to one of its posts, as it arrives from
/// another server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteAction<'a> {
    Lock(&'a str),
    Unlock,
    Pin,
    Unpin,
    /// A removed post restored (the `Undo` of its `Delete`).
    Restore,
}

/// Who may moderate from another server: in a remote group, whatever the
/// group itself announces (its server checked that the actor moderates
/// it, as it checks a removal); in ours, a remote member we list as one of
/// its moderators.
async fn may_act_remote(
    app: &App,
    received: &Received<'_>,
    group: &FedGroup,
    user: &FedUser,
) -> Result<()> {
    // A hidden group of ours does not federate: to them it is not there.
    if group.origin.is_local() && group.visibility == guildhall_core::visibility::Visibility::Hidden
    {
        return Err(Error::not_found("group"));
    }
    let vouched = received
        .via_group
        .is_some_and(|g| g.id == group.id && g.origin.is_remote());
    if vouched || (group.origin.is_local() && app.store.is_moderator(group.id, user.id).await?) {
        return Ok(());
    }
    Err(Error::Forbidden(
        "only the group's moderators may do this, announced by the group".into(),
    ))
}

/// Applies a remote moderator's action on a post to our copy of it (or,
/// from one of our group's remote moderators, to our post). Repeats and
/// restores of what is not removed change nothing.
pub async fn act_remote(
    app: &App,
    acting: Acting<'_>,
    received: Received<'_>,
    post: &Post,
    action: RemoteAction<'_>,
) -> Result<()> {
    let user = acting.remote()?.user;
    received.check_group(&post.group)?;
    may_act_remote(app, &received, &post.group, user).await?;
    let via = received.via(&post.group);
    if action == RemoteAction::Restore {
        return match app.store.restore_post(post.object, user.id, "", via).await {
            Ok(()) | Err(StoreError::Rule(RuleError::Conflict(_))) => Ok(()),
            Err(e) => Err(Error::worded(e)),
        };
    }
    let Object::Thread(id) = post.object else {
        return Err(Error::Invalid("only threads are locked or pinned".into()));
    };
    let done = match action {
        RemoteAction::Lock(reason) => {
            let reason = truncated(reason);
            app.store.set_locked(id, user.id, Some(&reason), via).await
        }
        RemoteAction::Unlock => app.store.set_locked(id, user.id, None, via).await,
        RemoteAction::Pin => app.store.set_pinned(id, user.id, true, via).await,
        RemoteAction::Unpin => app.store.set_pinned(id, user.id, false, via).await,
        RemoteAction::Restore => unreachable!("handled above"),
    };
    done.map(|_| ()).map_err(Error::worded)
}

/// A remote moderator's reason, cut to what we keep rather than refused:
/// the action happened there whatever its length.
fn truncated(reason: &str) -> String {
    reason
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .take(rules::REASON_MAX)
        .collect()
}

/// A remote group's moderator bans a member (ours or anyone's) from it, or
/// lifts the ban (`terms` `None`): our copy of the group honours it, so a
/// member of ours cannot post there from here either.
pub async fn ban_remote(
    app: &App,
    acting: Acting<'_>,
    received: Received<'_>,
    group: &FedGroup,
    member: &FedUser,
    terms: Option<BanTerms<'_>>,
) -> Result<()> {
    let user = acting.remote()?.user;
    may_act_remote(app, &received, group, user).await?;
    let via = received.via(group);
    let Some(terms) = terms else {
        let reason = "";
        app.store
            .unban_from_group(group.id, member.id, user.id, reason, via)
            .await?;
        return Ok(());
    };
    let reason = truncated(terms.reason);
    // A ban that has already ended changes nothing; one ending further
    // ahead than we keep holds for good.
    let now = now_ms();
    if terms.expires_at.is_some_and(|at| at <= now) {
        return Ok(());
    }
    let expires_at = rules::expiry(terms.expires_at, now).unwrap_or(None);
    let ban = NewBan {
        group: group.id,
        member: member.id,
        by: user.id,
        reason: &reason,
        expires_at,
        remove_content: terms.remove_content,
    };
    app.store.ban_from_group(ban, via).await?;
    Ok(())
}
