//! What members can do, shared by the JSON API and the pages: validate with
//! `guildhall_core`, check permissions, then call the store. Handlers only
//! translate between HTTP and these functions.

use crate::AppState;
use crate::auth::{actor, hash_password, new_token, verify_password};
use crate::client::ClientAddr;
use crate::error::{AppError, AppResult};
use guildhall_core::content::{avatar_url, display_name, render_markdown};
use guildhall_core::cursor::Cursor;
use guildhall_core::instances::{self, Policy};
use guildhall_core::names;
use guildhall_core::permissions::{can_create_group, can_delete, can_edit, can_manage_group};
use guildhall_core::ranking::Sort;
use guildhall_core::reputation::privileges::{self, Privilege};
use guildhall_core::tree;
use guildhall_core::votes::Vote;
use guildhall_db::*;

/// The most replies a thread page or the replies endpoint returns.
pub const REPLIES_MAX: i64 = 5_000;

/// `client` is who asks (for the per-address limit; the CLI has none).
pub async fn register(
    state: &AppState,
    username: &str,
    password: &str,
    display: Option<&str>,
    client: ClientAddr,
) -> AppResult<User> {
    if !state.settings.registration_open {
        return Err(AppError::Forbidden(
            "registration is closed on this instance".into(),
        ));
    }
    let username = names::username(username)?;
    names::password(password)?;
    let display = display_name(display.unwrap_or(""))?;
    // Counted once the input is valid: what the limit guards is the hash
    // and the new account, not a typo.
    if let Some(address) = client.limit_key() {
        state.limits.register_per_address.hit(&address)?;
    }
    let hash = hash_password(&state.hash_gate, password.to_string()).await?;
    let user = state
        .store
        .create_user(NewUser {
            username: &username,
            password_hash: &hash,
            display_name: display.as_deref(),
            is_admin: false,
            first_is_admin: true,
        })
        .await?;
    guildhall_federation::keys::assign(&state.store, ActorTable::Users, user.id).await?;
    if user.is_admin {
        tracing::info!(username = %user.username, "first account registered; it is the instance admin");
    }
    Ok(user)
}

/// Checks credentials and opens a session of `kind` (`cookie` or `api`).
/// Returns the member and the token to hand to the client.
///
/// Rate limits: every attempt counts against the client's address; a wrong
/// password counts against the account name (taken before the check, so
/// concurrent guesses cannot all slip through, and given back when right).
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
    kind: &str,
    client: ClientAddr,
) -> AppResult<(User, String)> {
    let wrong = || AppError::Unauthorized("wrong username or password".into());
    if let Some(address) = client.limit_key() {
        state.limits.login_per_address.hit(&address)?;
    }
    // Bounded, so made-up names cannot make the keys long.
    let account: String = username.trim().to_lowercase().chars().take(64).collect();
    state.limits.login_per_account.hit(&account)?;
    let found = match names::username(username) {
        Ok(name) => state.store.credentials(&name).await?,
        Err(_) => None,
    };
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    match verify_password(&state.hash_gate, password.to_string(), hash).await {
        Ok(false) => return Err(wrong()),
        Ok(true) => state.limits.login_per_account.give_back(&account),
        // Not checked at all (busy): not a wrong guess either.
        Err(e) => {
            state.limits.login_per_account.give_back(&account);
            return Err(e);
        }
    }
    let user = user.ok_or_else(wrong)?;
    let (token, token_hash) = new_token();
    state
        .store
        .create_session(&token_hash, user.id, kind, state.settings.session_ttl_ms())
        .await?;
    Ok((user, token))
}

pub async fn logout(state: &AppState, token: &str) -> AppResult<()> {
    state
        .store
        .delete_session(&crate::auth::token_hash(token))
        .await?;
    Ok(())
}

/// Fields left `None` keep their current value.
pub async fn update_profile(
    state: &AppState,
    user: &User,
    display: Option<&str>,
    bio: Option<&str>,
    avatar: Option<&str>,
) -> AppResult<User> {
    let limits = state.settings.limits;
    let display = match display {
        Some(d) => display_name(d)?,
        None => user.display_name.clone(),
    };
    let bio = match bio {
        Some(b) => limits.bio(b)?,
        None => user.bio.clone(),
    };
    let avatar = match avatar {
        Some(a) => avatar_url(a)?,
        None => user.avatar_url.clone(),
    };
    let bio_html = render_markdown(&bio);
    Ok(state
        .store
        .update_profile(
            user.id,
            ProfileUpdate {
                display_name: display.as_deref(),
                bio: &bio,
                bio_html: &bio_html,
                avatar_url: avatar.as_deref(),
            },
        )
        .await?)
}

pub async fn user(state: &AppState, username: &str) -> AppResult<User> {
    // Remote members are stored as `name@host`: their reputation here,
    // and admins' actions on them, name them so.
    let name = match username.split_once('@') {
        Some(_) => username.to_ascii_lowercase(),
        None => names::username(username).map_err(|_| AppError::not_found("user"))?,
    };
    state
        .store
        .user_by_name(&name)
        .await?
        .ok_or_else(|| AppError::not_found("user"))
}

pub async fn group(state: &AppState, name: &str) -> AppResult<Group> {
    // Remote groups are stored as `name@host`.
    let name = match name.split_once('@') {
        Some(_) => name.to_ascii_lowercase(),
        None => names::group_name(name).map_err(|_| AppError::not_found("group"))?,
    };
    state
        .store
        .group_by_name(&name)
        .await?
        .ok_or_else(|| AppError::not_found("group"))
}

pub struct GroupInput<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub rules: &'a str,
}

pub async fn create_group(
    state: &AppState,
    user: &User,
    name: &str,
    input: GroupInput<'_>,
) -> AppResult<Group> {
    can_create_group(actor(user), state.settings.group_creation)?;
    create_group_for(state, user, name, input).await
}

/// Creates a group owned by `user` without asking whether they may: for the
/// operator's command line, where whoever runs it runs the server.
pub async fn create_group_for(
    state: &AppState,
    user: &User,
    name: &str,
    input: GroupInput<'_>,
) -> AppResult<Group> {
    let name = names::group_name(name)?;
    let limits = state.settings.limits;
    let title = limits.title(input.title)?;
    let description = limits.optional_text("description", input.description)?;
    let rules = limits.optional_text("rules", input.rules)?;
    let (description_html, rules_html) = (render_markdown(&description), render_markdown(&rules));
    let group = state
        .store
        .create_group(NewGroup {
            name: &name,
            title: &title,
            description: &description,
            description_html: &description_html,
            rules: &rules,
            rules_html: &rules_html,
            creator_id: user.id,
        })
        .await?;
    guildhall_federation::keys::assign(&state.store, ActorTable::Groups, group.id).await?;
    tracing::info!(group = %group.name, by = %user.username, "group created");
    Ok(group)
}

/// Fields left `None` keep their current value.
pub async fn update_group(
    state: &AppState,
    user: &User,
    name: &str,
    title: Option<&str>,
    description: Option<&str>,
    rules: Option<&str>,
    restricted: Option<bool>,
) -> AppResult<Group> {
    let group = group(state, name).await?;
    can_manage_group(
        actor(user),
        state.store.is_moderator(group.id, user.id).await?,
    )?;
    let limits = state.settings.limits;
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
    Ok(state
        .store
        .update_group(
            group.id,
            GroupUpdate {
                restricted: restricted.unwrap_or(group.restricted != 0),
                title: &title,
                description: &description,
                description_html: &render_markdown(&description),
                rules: &rules,
                rules_html: &render_markdown(&rules),
            },
        )
        .await?)
}

/// Joins (`member = true`) or leaves a group; doing either twice is harmless.
/// Returns the group with its updated member count.
pub async fn set_membership(
    state: &AppState,
    user: &User,
    name: &str,
    member: bool,
) -> AppResult<Group> {
    let group = group(state, name).await?;
    if member {
        state.store.join_group(group.id, user.id).await?;
    } else {
        state.store.leave_group(group.id, user.id).await?;
    }
    self::group(state, &group.name).await
}

/// Adds (`add = true`) or removes a moderator; returns the new list.
pub async fn set_moderator(
    state: &AppState,
    by: &User,
    group_name: &str,
    username: &str,
    add: bool,
) -> AppResult<Vec<UserSummary>> {
    let group = group(state, group_name).await?;
    can_manage_group(actor(by), state.store.is_moderator(group.id, by.id).await?)?;
    let target = user(state, username).await?;
    if add {
        state.store.add_moderator(group.id, target.id).await?;
    } else {
        let mods = state.store.moderators(group.id).await?;
        if mods.len() == 1 && mods[0].id == target.id {
            return Err(AppError::Conflict(
                "a group keeps at least one moderator".into(),
            ));
        }
        if !state.store.remove_moderator(group.id, target.id).await? {
            return Err(AppError::not_found("moderator"));
        }
    }
    Ok(state.store.moderators(group.id).await?)
}

/// A listing of threads: one group's, or a member's subscribed feed.
pub async fn list_threads(
    state: &AppState,
    scope: ThreadScope,
    sort: Option<&str>,
    window: Option<&str>,
    cursor: Option<&str>,
    limit: Option<i64>,
    viewer: Option<&User>,
) -> AppResult<(Sort, Page<Thread>)> {
    let sort = Sort::parse(sort, window)?;
    let cursor = cursor
        .filter(|c| !c.is_empty())
        .map(Cursor::decode)
        .transpose()?;
    let max = state.settings.page_size_max;
    let limit = limit.unwrap_or(state.settings.page_size);
    if !(1..=max).contains(&limit) {
        return Err(AppError::Invalid(format!(
            "invalid limit: must be between 1 and {max}"
        )));
    }
    let page = state
        .store
        .list_threads_in(scope, sort, cursor, limit, viewer.map(|u| u.id))
        .await?;
    Ok((sort, page))
}

pub async fn create_thread(
    state: &AppState,
    user: &User,
    group_name: &str,
    title: &str,
    body: &str,
) -> AppResult<Thread> {
    let group = group(state, group_name).await?;
    let limits = state.settings.limits;
    let title = limits.title(title)?;
    let body = limits.body(body)?;
    state.limits.posts_per_member.hit(&user.id.to_string())?;
    let body_html = render_markdown(&body);
    Ok(state
        .store
        .create_thread(NewThread {
            group_id: group.id,
            author_id: user.id,
            title: &title,
            body: &body,
            body_html: &body_html,
        })
        .await?)
}

/// Opening a thread: one from another instance first fetches the replies
/// we lack (briefly, and at most every few minutes).
pub async fn open_thread(state: &AppState, id: i64, viewer: Option<&User>) -> AppResult<Thread> {
    let thread = thread(state, id, viewer).await?;
    // Threads of our own groups get every reply delivered here; those of
    // remote groups (named `name@host`) may lack the older ones.
    let remote = thread.group_name.contains('@');
    if let (true, Some(federation)) = (remote, &state.federation) {
        guildhall_federation::resolve::refresh_thread(&federation.data(), id).await;
    }
    Ok(thread)
}

pub async fn thread(state: &AppState, id: i64, viewer: Option<&User>) -> AppResult<Thread> {
    state
        .store
        .thread(id, viewer.map(|u| u.id))
        .await?
        .ok_or_else(|| AppError::not_found("thread"))
}

/// A thread's replies in reading order, each with its depth.
pub async fn replies(
    state: &AppState,
    thread_id: i64,
    viewer: Option<&User>,
) -> AppResult<Vec<(Reply, usize)>> {
    let replies = state
        .store
        .replies(thread_id, viewer.map(|u| u.id), REPLIES_MAX)
        .await?;
    let shape: Vec<(i64, Option<i64>)> = replies.iter().map(|r| (r.id, r.parent_id)).collect();
    let mut slots: Vec<Option<Reply>> = replies.into_iter().map(Some).collect();
    Ok(tree::layout(&shape)
        .into_iter()
        .filter_map(|p| slots[p.index].take().map(|r| (r, p.depth)))
        .collect())
}

/// Fields left `None` keep their current value.
pub async fn edit_thread(
    state: &AppState,
    user: &User,
    id: i64,
    title: Option<&str>,
    body: Option<&str>,
) -> AppResult<Thread> {
    let current = thread(state, id, Some(user)).await?;
    let body_changes = body.is_some_and(|b| b != current.body);
    if current.author_id == user.id || body_changes || current.deleted_at.is_some() {
        can_edit(actor(user), current.author_id, current.deleted_at.is_some())?;
    } else {
        // Someone else's title: trusted members (TL3) may fix it.
        let level = state.store.trust_level(user.id).await?;
        privileges::check(level, Privilege::EditThreadTitles)?;
    }
    let limits = state.settings.limits;
    let title = title
        .map(|t| limits.title(t))
        .transpose()?
        .unwrap_or(current.title);
    let body = body
        .map(|b| limits.body(b))
        .transpose()?
        .unwrap_or(current.body);
    state
        .store
        .edit_thread(id, &title, &body, &render_markdown(&body))
        .await?;
    thread(state, id, Some(user)).await
}

pub async fn delete_thread(state: &AppState, user: &User, id: i64) -> AppResult<()> {
    let current = thread(state, id, Some(user)).await?;
    let moderates = state.store.is_moderator(current.group_id, user.id).await?;
    can_delete(
        actor(user),
        current.author_id,
        moderates,
        current.deleted_at.is_some(),
    )?;
    state.store.delete_thread_by(id, user.id).await?;
    Ok(())
}

pub async fn create_reply(
    state: &AppState,
    user: &User,
    thread_id: i64,
    parent_id: Option<i64>,
    body: &str,
) -> AppResult<Reply> {
    let body = state.settings.limits.body(body)?;
    state.limits.posts_per_member.hit(&user.id.to_string())?;
    let body_html = render_markdown(&body);
    Ok(state
        .store
        .create_reply(NewReply {
            thread_id,
            parent_id,
            author_id: user.id,
            body: &body,
            body_html: &body_html,
        })
        .await?)
}

pub async fn reply(state: &AppState, id: i64, viewer: Option<&User>) -> AppResult<Reply> {
    state
        .store
        .reply(id, viewer.map(|u| u.id))
        .await?
        .ok_or_else(|| AppError::not_found("reply"))
}

pub async fn edit_reply(state: &AppState, user: &User, id: i64, body: &str) -> AppResult<Reply> {
    let current = reply(state, id, Some(user)).await?;
    can_edit(actor(user), current.author_id, current.deleted_at.is_some())?;
    let body = state.settings.limits.body(body)?;
    state
        .store
        .edit_reply(id, &body, &render_markdown(&body))
        .await?;
    reply(state, id, Some(user)).await
}

pub async fn delete_reply(state: &AppState, user: &User, id: i64) -> AppResult<()> {
    let current = reply(state, id, Some(user)).await?;
    let group_id = thread(state, current.thread_id, None).await?.group_id;
    let moderates = state.store.is_moderator(group_id, user.id).await?;
    can_delete(
        actor(user),
        current.author_id,
        moderates,
        current.deleted_at.is_some(),
    )?;
    state.store.delete_reply_by(id, user.id).await?;
    Ok(())
}

/// Sets (`Some(1)`, `Some(-1)`) or removes (`None`) the member's vote.
pub async fn vote(
    state: &AppState,
    user: &User,
    target: VoteTarget,
    value: Option<i64>,
) -> AppResult<Tallies> {
    let vote = value.map(Vote::from_value).transpose()?;
    Ok(state.store.vote(user.id, target, vote).await?)
}

/// Finds a remote group by `!name@host`, `@name@host` or URL and stores it,
/// so members can follow it (join) and post in it.
pub async fn lookup_remote_group(state: &AppState, query: &str) -> AppResult<Group> {
    let federation = state
        .federation
        .as_ref()
        .ok_or_else(|| AppError::Forbidden("this instance does not federate".into()))?;
    let found = guildhall_federation::resolve::lookup_group(&federation.data(), query).await?;
    state
        .store
        .group_by_name(&found.name)
        .await?
        .ok_or_else(|| AppError::not_found("group"))
}

/// The other instances this one knows, with their policy and delivery
/// health (admins only).
pub async fn instances(state: &AppState, user: &User) -> AppResult<Vec<InstanceState>> {
    instances::can_set_policy(actor(user))?;
    Ok(state.store.instance_states().await?)
}

/// Allows, blocks or clears (`None`) an instance (admins only).
pub async fn set_instance_policy(
    state: &AppState,
    user: &User,
    domain: &str,
    policy: Option<Policy>,
) -> AppResult<InstanceState> {
    instances::can_set_policy(actor(user))?;
    set_instance_policy_as_operator(state, domain, policy).await
}

/// The same without a signed-in admin: for the operator's CLI.
pub async fn set_instance_policy_as_operator(
    state: &AppState,
    domain: &str,
    policy: Option<Policy>,
) -> AppResult<InstanceState> {
    let domain = instances::domain(domain)?;
    if domain == state.settings.domain.to_ascii_lowercase() {
        return Err(AppError::Invalid(
            "this is our own domain; a policy names another instance".into(),
        ));
    }
    state
        .store
        .set_instance_policy(&domain, policy.map(Policy::as_str))
        .await?;
    if policy.is_some() {
        tracing::info!(%domain, policy = ?policy, "federation policy set");
    } else {
        tracing::info!(%domain, "federation policy cleared");
    }
    state
        .store
        .instance_state(&domain)
        .await?
        .ok_or_else(|| AppError::not_found("instance"))
}

/// A member's reputation; their ledger history too when the viewer is the
/// member or an admin (others see points, rank, level and badges).
pub async fn reputation(
    state: &AppState,
    username: &str,
    viewer: Option<&User>,
) -> AppResult<(User, MemberReputation, Option<Vec<LedgerRow>>)> {
    let user = user(state, username).await?;
    let reputation = state.store.member_reputation(user.id).await?;
    let sees_ledger = viewer.is_some_and(|v| v.id == user.id || v.is_admin);
    let ledger = if sees_ledger {
        Some(state.store.ledger(user.id, None, 50).await?)
    } else {
        None
    };
    Ok((user, reputation, ledger))
}

/// The best members, instance-wide or in one group, over a period.
pub async fn leaderboard(
    state: &AppState,
    group_name: Option<&str>,
    period: &str,
    limit: i64,
) -> AppResult<(Period, Vec<Standing>)> {
    let period = Period::parse(period)
        .ok_or_else(|| AppError::Invalid(format!("period: all, month or week, not {period:?}")))?;
    let group_id = match group_name {
        Some(name) => Some(group(state, name).await?.id),
        None => None,
    };
    Ok((
        period,
        state.store.leaderboard(group_id, period, limit).await?,
    ))
}

fn require_admin(user: &User, what: &str) -> AppResult<()> {
    if user.is_admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!("{what} is for admins")))
    }
}

/// An admin's adjustment of a member's points, with a reason.
pub async fn adjust_reputation(
    state: &AppState,
    admin: &User,
    username: &str,
    points: i64,
    reason: &str,
) -> AppResult<MemberReputation> {
    require_admin(admin, "adjusting reputation")?;
    let member = user(state, username).await?;
    state
        .store
        .adjust_reputation(member.id, points, reason, admin.id)
        .await?;
    tracing::info!(member = %member.username, points, reason, "reputation adjusted");
    Ok(state.store.member_reputation(member.id).await?)
}

/// A moderator (of any of our groups) or an admin grants a badge that is
/// granted rather than earned.
pub async fn grant_badge(
    state: &AppState,
    admin: &User,
    username: &str,
    badge: &str,
) -> AppResult<MemberReputation> {
    if !admin.is_admin && !state.store.moderates_any(admin.id).await? {
        return Err(AppError::Forbidden(
            "granting badges is for moderators and admins".into(),
        ));
    }
    let member = user(state, username).await?;
    state.store.grant_badge(member.id, badge, admin.id).await?;
    Ok(state.store.member_reputation(member.id).await?)
}

/// An admin grants or withdraws trust level 4.
pub async fn set_leader(
    state: &AppState,
    admin: &User,
    username: &str,
    leader: bool,
) -> AppResult<MemberReputation> {
    require_admin(admin, "granting trust level 4")?;
    let member = user(state, username).await?;
    state.store.set_leader(member.id, leader).await?;
    Ok(state.store.member_reputation(member.id).await?)
}

/// An admin bans or unbans a member; a ban reverses what their votes gave.
pub async fn set_banned(
    state: &AppState,
    admin: &User,
    username: &str,
    banned: bool,
) -> AppResult<()> {
    require_admin(admin, "banning members")?;
    let member = user(state, username).await?;
    if member.id == admin.id {
        return Err(AppError::Invalid("admins cannot ban themselves".into()));
    }
    if banned {
        state.store.ban_user(member.id).await?;
        tracing::info!(member = %member.username, "member banned");
    } else {
        state.store.unban_user(member.id).await?;
        tracing::info!(member = %member.username, "member unbanned");
    }
    Ok(())
}

/// Flags a post for its group's moderators (TL1 and up); false if this
/// member had flagged it already.
pub async fn flag(
    state: &AppState,
    user: &User,
    object: guildhall_core::reputation::ledger::Object,
    reason: &str,
) -> AppResult<bool> {
    state.limits.flags_per_member.hit(&user.id.to_string())?;
    Ok(state.store.flag(user.id, object, reason).await?)
}

/// Hides obvious spam (TL3 and up): removes the post as a moderator would.
pub async fn hide_spam(
    state: &AppState,
    user: &User,
    object: guildhall_core::reputation::ledger::Object,
) -> AppResult<()> {
    state.store.hide_spam(user.id, object).await?;
    tracing::info!(by = %user.username, ?object, "post hidden as spam");
    Ok(())
}

/// A group's flags, for its moderators and the instance's admins.
pub async fn group_flags(state: &AppState, user: &User, name: &str) -> AppResult<Vec<Flag>> {
    let group = group(state, name).await?;
    can_manage_group(
        actor(user),
        state.store.is_moderator(group.id, user.id).await?,
    )?;
    Ok(state.store.flags(group.id, 200).await?)
}

/// The partner-trust policies (admins).
pub async fn partners(state: &AppState, admin: &User) -> AppResult<Vec<guildhall_db::Partner>> {
    require_admin(admin, "partner trust")?;
    Ok(state.store.partners().await?)
}

/// Sets how far this instance trusts a partner's attestations (admins):
/// its members' vote weight (0–1), the highest trust level an attestation
/// grants here, and whether imported reputation is shown.
pub async fn set_partner(
    state: &AppState,
    admin: &User,
    domain: &str,
    trust_weight: f64,
    max_trust_level: u8,
    show_imported: bool,
) -> AppResult<guildhall_db::Partner> {
    require_admin(admin, "partner trust")?;
    let partner = partner_policy(domain, trust_weight, max_trust_level, show_imported)?;
    state.store.set_partner(&partner).await?;
    tracing::info!(domain = %partner.domain, trust_weight, max_trust_level, show_imported, "partner trust set");
    Ok(partner)
}

/// A partner policy from its outside form (weight 0–1), checked.
pub fn partner_policy(
    domain: &str,
    trust_weight: f64,
    max_trust_level: u8,
    show_imported: bool,
) -> AppResult<guildhall_db::Partner> {
    if !(0.0..=1.0).contains(&trust_weight) {
        return Err(AppError::Invalid(format!(
            "trust_weight: from 0 to 1, not {trust_weight}"
        )));
    }
    Ok(guildhall_db::Partner {
        domain: guildhall_core::instances::domain(domain)?,
        trust_percent: (trust_weight * 100.0).round() as i64,
        max_trust_level: i64::from(max_trust_level),
        show_imported,
    })
}

/// Stops trusting a partner (admins).
pub async fn remove_partner(state: &AppState, admin: &User, domain: &str) -> AppResult<()> {
    require_admin(admin, "partner trust")?;
    if !state
        .store
        .remove_partner(&domain.to_ascii_lowercase())
        .await?
    {
        return Err(AppError::not_found("partner"));
    }
    tracing::info!(%domain, "partner trust removed");
    Ok(())
}

/// Withdraws a local member's attestation (admins): it is revoked, the
/// revocation goes to every instance holding it, and no new one is issued
/// until an admin issues one again.
pub async fn withdraw_attestation(
    state: &AppState,
    admin: &User,
    username: &str,
    reason: &str,
) -> AppResult<u64> {
    require_admin(admin, "withdrawing attestations")?;
    let member = local_member(state, username).await?;
    if reason.trim().is_empty() {
        return Err(AppError::Invalid("reason: say why it is withdrawn".into()));
    }
    let revoked = state
        .store
        .revoke_attestations(member.id, guildhall_federation::attestations::WITHDRAWN)
        .await?;
    tracing::info!(member = %member.username, reason, revoked, "attestation withdrawn");
    Ok(revoked)
}

/// Issues a local member a new attestation, after a withdrawal (admins).
pub async fn restore_attestation(state: &AppState, admin: &User, username: &str) -> AppResult<()> {
    require_admin(admin, "issuing attestations")?;
    let member = local_member(state, username).await?;
    let federation = state
        .federation
        .as_ref()
        .ok_or_else(|| AppError::Invalid("federation is off on this instance".into()))?;
    let ctx = federation.context();
    let fed_user = ctx
        .store
        .fed_user(guildhall_db::ActorKey::Id(member.id))
        .await?
        .ok_or_else(|| AppError::not_found("user"))?;
    guildhall_federation::attestations::restore(ctx, &fed_user)
        .await
        .map_err(|e| AppError::Invalid(format!("no attestation issued: {e}")))?;
    tracing::info!(member = %member.username, "attestation issued again");
    Ok(())
}

/// A member of this instance (attestations are only ours to issue).
async fn local_member(state: &AppState, username: &str) -> AppResult<User> {
    let member = user(state, username).await?;
    if member.username.contains('@') {
        return Err(AppError::Invalid(
            "only members of this instance have attestations issued here".into(),
        ));
    }
    Ok(member)
}
