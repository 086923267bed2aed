//! Reputation: a member's standing, leaderboards, and what admins and
//! moderators grant by hand.

use crate::{Acting, App, Error, Result, accounts};
use guildhall_db::{LedgerRow, MemberReputation, Period, Standing, User};

/// A member's reputation; their ledger history too when the viewer is the
/// member or an admin (others see points, rank, level and badges).
pub async fn reputation(
    app: &App,
    username: &str,
    viewer: Option<&User>,
) -> Result<(User, MemberReputation, Option<Vec<LedgerRow>>)> {
    let user = accounts::user(app, username).await?;
    let mut reputation = app.store.member_reputation(user.id).await?;
    // Points in a private or hidden group are that group's members' to see.
    let mut shown = Vec::with_capacity(reputation.groups.len());
    for points in reputation.groups {
        let group = (points.group_id, points.group_visibility);
        if crate::access::check_read(app, group, viewer, "group")
            .await
            .is_ok()
        {
            shown.push(points);
        }
    }
    reputation.groups = shown;
    let sees_ledger = viewer.is_some_and(|v| v.id == user.id || v.is_admin);
    let ledger = if sees_ledger {
        Some(app.store.ledger(user.id, None, 50).await?)
    } else {
        None
    };
    Ok((user, reputation, ledger))
}

/// The best members, instance-wide or in one group, over a period.
pub async fn leaderboard(
    app: &App,
    (group_name, viewer): (Option<&str>, Option<&User>),
    period: &str,
    limit: i64,
) -> Result<(Period, Vec<Standing>)> {
    let period = Period::parse(period)
        .ok_or_else(|| Error::Invalid(format!("period: all, month or week, not {period:?}")))?;
    let group_id = match group_name {
        Some(name) => Some(crate::access::readable(app, name, viewer).await?.id),
        None => None,
    };
    Ok((
        period,
        app.store.leaderboard(group_id, period, limit).await?,
    ))
}

/// An admin's adjustment of a member's points, with a reason.
pub async fn adjust(
    app: &App,
    acting: Acting<'_>,
    username: &str,
    points: i64,
    reason: &str,
) -> Result<MemberReputation> {
    acting.require_admin("adjusting reputation")?;
    let admin = acting.member()?;
    let member = accounts::user(app, username).await?;
    app.store
        .adjust_reputation(member.id, points, reason, admin.id)
        .await?;
    tracing::info!(member = %member.username, points, reason, "reputation adjusted");
    Ok(app.store.member_reputation(member.id).await?)
}

/// A moderator (of any of our groups) or an admin grants a badge that is
/// granted rather than earned.
pub async fn grant_badge(
    app: &App,
    acting: Acting<'_>,
    username: &str,
    badge: &str,
) -> Result<MemberReputation> {
    let by = acting.member()?;
    if !by.is_admin && !app.store.moderates_any(by.id).await? {
        return Err(Error::Forbidden(
            "granting badges is for moderators and admins".into(),
        ));
    }
    let member = accounts::user(app, username).await?;
    app.store.grant_badge(member.id, badge, by.id).await?;
    Ok(app.store.member_reputation(member.id).await?)
}

/// An admin grants or withdraws trust level 4.
pub async fn set_leader(
    app: &App,
    acting: Acting<'_>,
    username: &str,
    leader: bool,
) -> Result<MemberReputation> {
    acting.require_admin("granting trust level 4")?;
    let member = accounts::user(app, username).await?;
    app.store.set_leader(member.id, leader).await?;
    Ok(app.store.member_reputation(member.id).await?)
}
