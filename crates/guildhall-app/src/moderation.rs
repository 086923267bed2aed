//! Moderation: flags, hiding spam, bans.

use crate::posts::Post;
use crate::{Acting, App, Error, Result, accounts, groups};
use guildhall_core::RuleError;
use guildhall_core::reputation::ledger::Object;
use guildhall_db::{Flag, StoreError};

/// Flags a post for its group's moderators (TL1 and up); false if this
/// member had flagged it already.
pub async fn flag(app: &App, acting: Acting<'_>, object: Object, reason: &str) -> Result<bool> {
    let user = acting.member()?;
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

/// A group's flags, for its moderators and the instance's admins.
pub async fn group_flags(app: &App, acting: Acting<'_>, name: &str) -> Result<Vec<Flag>> {
    let group = groups::manageable(app, acting, name).await?;
    Ok(app.store.flags(group.id, 200).await?)
}

/// An admin bans or unbans a member; a ban reverses what their votes gave.
pub async fn set_banned(app: &App, acting: Acting<'_>, username: &str, banned: bool) -> Result<()> {
    acting.require_admin("banning members")?;
    let member = accounts::user(app, username).await?;
    if let Acting::Member(admin) = acting
        && member.id == admin.id
    {
        return Err(Error::Invalid("admins cannot ban themselves".into()));
    }
    if banned {
        app.store.ban_user(member.id).await?;
        tracing::info!(member = %member.username, "member banned");
    } else {
        app.store.unban_user(member.id).await?;
        tracing::info!(member = %member.username, "member unbanned");
    }
    Ok(())
}
