//! Notifications: the notifier, which turns the notices changes write into
//! each concerned member's notification (`expand_pending`, run in the
//! background by `spawn`), and what members do with theirs: read them,
//! mark them read, watch or mute threads and groups, choose per kind.

use crate::{Acting, App, Error, Result};
use guildhall_core::ids::{GroupId, ReplyId, ThreadId, UserId};
use guildhall_core::notifications::{
    Concerned, Delivery, Kind, Watch, linked_names, mentioned_names, recipients,
};
use guildhall_core::visibility::Visibility;
use guildhall_db::{
    EventObject, NewNotification, Notice, NoticeKind, Notification, PostTable, User, Watched,
};
use std::time::Duration;

/// Notices turned into notifications per pass.
pub const BATCH: i64 = 200;
/// Mentions read from one post at most.
const MENTIONS_MAX: usize = 20;
/// How often the notifier looks for notices when there were none.
const IDLE: Duration = Duration::from_millis(250);

/// Turns up to a batch of notices into notifications; returns how many
/// notices it took. Each notice's notifications are written, and the
/// notice deleted, in one transaction.
pub async fn expand_pending(app: &App) -> Result<usize> {
    let notices = app.store.pending_notices(BATCH).await?;
    for notice in &notices {
        let made = match notice.kind {
            NoticeKind::NewPost => on_post(app, notice).await?,
            NoticeKind::AnswerAccepted | NoticeKind::Moderated => on_author(app, notice).await?,
            NoticeKind::IdeaStatus => on_idea(app, notice).await?,
            NoticeKind::Invited | NoticeKind::JoinDecided => on_member(app, notice).await?,
            NoticeKind::Badge => on_badge(app, notice).await?,
            NoticeKind::Welcome => on_welcome(notice),
            NoticeKind::MentionElsewhere => on_mention_elsewhere(app, notice).await?,
        };
        app.store.expand_notice(notice.id, &made).await?;
    }
    Ok(notices.len())
}

/// Runs the notifier until the task is aborted; a failed pass is logged
/// and tried again.
pub fn spawn(app: App) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match expand_pending(&app).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "notifier pass failed"),
            }
            tokio::time::sleep(IDLE).await;
        }
    })
}

/// A new thread or reply: the author answered, those it mentions, and
/// those watching the thread (its author by default) or, for a thread,
/// its group.
async fn on_post(app: &App, notice: &Notice) -> Result<Vec<NewNotification>> {
    let Some(post) = app.store.post_facts(notice.object).await? else {
        return Ok(vec![]); // deleted or removed before we got to it
    };
    let mut candidates = Vec::new();
    if post.reply_id.is_some()
        && let Some(answered) = post.answered_id
    {
        // In a questions group, an answer to the asker answers the question.
        let asked = post.group_kind == "questions" && answered == post.thread_author_id;
        let kind = if asked {
            Kind::QuestionAnswered
        } else {
            Kind::Reply
        };
        candidates.push((answered, kind));
    }
    let domain = &app.settings.domain;
    let mut names = if post.remote {
        linked_names(&post.body_html, domain)
    } else {
        mentioned_names(&post.body, domain)
    };
    names.truncate(MENTIONS_MAX);
    for (id, _) in app.store.local_members_named(&names).await? {
        candidates.push((id, Kind::Mention));
    }
    let place = Place {
        group: (post.group_id, post.group_visibility),
        thread: Some(post.thread_id),
        reply: post.reply_id,
        author: post.author_id,
    };
    let watches = Watches::of(app, &place).await?;
    if post.reply_id.is_some() {
        // The thread's author watches it unless they said otherwise.
        if !watches
            .thread
            .iter()
            .any(|(u, _)| *u == post.thread_author_id)
        {
            candidates.push((post.thread_author_id, Kind::Watched));
        }
        candidates.extend(watching(&watches.thread).map(|u| (u, Kind::Watched)));
    } else {
        candidates.extend(watching(&watches.group).map(|u| (u, Kind::GroupThread)));
    }
    // A reply to the thread itself says so ("replied to your thread").
    let detail = (post.reply_id.is_some() && post.direct).then(|| "thread".to_owned());
    deliver(app, notice, &place, &watches, candidates, detail).await
}

/// Where a notice's post is, and who wrote it.
struct Place {
    /// Its group, and who may read it.
    group: (GroupId, Visibility),
    thread: Option<ThreadId>,
    reply: Option<ReplyId>,
    author: UserId,
}

/// The post a notice is about, where it is; None once it is gone.
async fn place(app: &App, object: EventObject) -> Result<Option<Place>> {
    let (table, id, reply) = match object {
        EventObject::Thread(id) => (PostTable::Threads, id.get(), None),
        EventObject::Reply(id) => (PostTable::Replies, id.get(), Some(id)),
        _ => return Ok(None),
    };
    Ok(app
        .store
        .post_place(table, id)
        .await?
        .map(|(at, group)| Place {
            group: (group.id, group.visibility),
            thread: Some(at.thread_id),
            reply,
            author: at.author_id,
        }))
}

/// Who watches or muted a post's group and thread, read once per notice.
struct Watches {
    group: Vec<(UserId, Watch)>,
    thread: Vec<(UserId, Watch)>,
}

impl Watches {
    async fn of(app: &App, place: &Place) -> Result<Watches> {
        let group = app.store.watchers(Watched::Group(place.group.0)).await?;
        let thread = match place.thread {
            Some(thread) => app.store.watchers(Watched::Thread(thread)).await?,
            None => vec![],
        };
        Ok(Watches { group, thread })
    }

    /// Who muted the thread or its group.
    fn muted(&self) -> Vec<UserId> {
        self.group
            .iter()
            .chain(&self.thread)
            .filter(|(_, w)| *w == Watch::Muted)
            .map(|(u, _)| *u)
            .collect()
    }
}

/// What happened to one member's post: their answer accepted, or a
/// moderator's removal, restore, lock or unlock (with the reason).
async fn on_author(app: &App, notice: &Notice) -> Result<Vec<NewNotification>> {
    let Some(place) = place(app, notice.object).await? else {
        return Ok(vec![]);
    };
    let (kind, detail) = match notice.kind {
        NoticeKind::AnswerAccepted => (Kind::AnswerAccepted, None),
        _ => (Kind::Moderation, Some(moderation_words(&notice.payload))),
    };
    let watches = Watches::of(app, &place).await?;
    let author = vec![(place.author, kind)];
    deliver(app, notice, &place, &watches, author, detail).await
}

/// "removed your post: Off topic", from a moderation notice's payload.
fn moderation_words(payload: &serde_json::Value) -> String {
    let words = match payload["action"].as_str().unwrap_or_default() {
        "removed" => "removed your post",
        "restored" => "restored your post",
        "locked" => "locked your thread",
        "unlocked" => "unlocked your thread",
        _ => "acted on your post",
    };
    match payload["reason"].as_str().filter(|r| !r.is_empty()) {
        Some(reason) => format!("{words}: {reason}"),
        None => words.to_owned(),
    }
}

/// An idea moved to another stage: its author and those who voted for it.
async fn on_idea(app: &App, notice: &Notice) -> Result<Vec<NewNotification>> {
    let EventObject::Thread(idea) = notice.object else {
        return Ok(vec![]);
    };
    let Some(place) = place(app, notice.object).await? else {
        return Ok(vec![]);
    };
    let mut candidates = vec![(place.author, Kind::IdeaStatus)];
    for voter in app.store.upvoters(idea).await? {
        candidates.push((voter, Kind::IdeaStatus));
    }
    let stage = notice.payload["stage"].as_str().map(str::to_owned);
    let watches = Watches::of(app, &place).await?;
    deliver(app, notice, &place, &watches, candidates, stage).await
}

/// A notification of `kind` for one member, about no post.
fn to_member(
    user_id: UserId,
    kind: Kind,
    actor_id: Option<UserId>,
    group_id: Option<GroupId>,
    detail: Option<String>,
) -> NewNotification {
    NewNotification {
        user_id,
        kind,
        actor_id,
        group_id,
        thread_id: None,
        reply_id: None,
        detail,
    }
}

/// The member, if they are one of ours who has not turned `kind` off
/// (those elsewhere hear through federation).
async fn hears(app: &App, member: UserId, kind: Kind) -> Result<Option<User>> {
    let Some(user) = app.store.user_by_id(member).await? else {
        return Ok(None);
    };
    if user.origin.is_remote() || app.store.kinds_off(member).await?.contains(&kind) {
        return Ok(None);
    }
    Ok(Some(user))
}

/// An invitation to a group, or the answer to a request to join one (only
/// a private group's: following a public group needs no answer).
async fn on_member(app: &App, notice: &Notice) -> Result<Vec<NewNotification>> {
    let EventObject::Group(group) = notice.object else {
        return Ok(vec![]);
    };
    let Some(member) = notice.payload["member"].as_i64().map(UserId) else {
        return Ok(vec![]);
    };
    let (kind, detail) = if notice.kind == NoticeKind::Invited {
        (Kind::Invitation, None)
    } else {
        let public = app
            .store
            .group_by_id(group)
            .await?
            .is_none_or(|g| g.visibility == Visibility::Public);
        if public {
            return Ok(vec![]);
        }
        let approved = notice.payload["approved"].as_bool() == Some(true);
        let said = if approved { "approved" } else { "refused" };
        (Kind::JoinRequest, Some(said.to_owned()))
    };
    if hears(app, member, kind).await?.is_none() {
        return Ok(vec![]);
    }
    // An invitation shows the group (even a hidden one) to the invited.
    let made = to_member(member, kind, notice.actor_id, Some(group), detail);
    Ok(vec![made])
}

/// Someone elsewhere (a Mastodon user, say) mentions members of ours in a
/// post that is in no group here: each hears of it, with its address.
pub async fn mention_elsewhere(
    app: &App,
    acting: Acting<'_>,
    url: &str,
    html: &str,
) -> Result<usize> {
    let author = acting.remote()?.user;
    let mut names = linked_names(html, &app.settings.domain);
    names.truncate(MENTIONS_MAX);
    let members: Vec<UserId> = app
        .store
        .local_members_named(&names)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    if !members.is_empty() {
        app.store
            .mention_elsewhere(author.id, url, &members)
            .await?;
    }
    Ok(members.len())
}

async fn on_mention_elsewhere(app: &App, notice: &Notice) -> Result<Vec<NewNotification>> {
    let url = notice.payload["url"].as_str().map(str::to_owned);
    let members = notice.payload["members"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut made = Vec::new();
    for member in members.iter().filter_map(|m| m.as_i64()).map(UserId) {
        if hears(app, member, Kind::Mention).await?.is_some() {
            made.push(to_member(
                member,
                Kind::Mention,
                notice.actor_id,
                None,
                url.clone(),
            ));
        }
    }
    Ok(made)
}

/// The community team's welcome, for a new member of ours.
fn on_welcome(notice: &Notice) -> Vec<NewNotification> {
    let EventObject::User(member) = notice.object else {
        return vec![];
    };
    vec![to_member(member, Kind::Welcome, None, None, None)]
}

/// A badge earned (or granted): the member hears which, and where.
async fn on_badge(app: &App, notice: &Notice) -> Result<Vec<NewNotification>> {
    let EventObject::User(member) = notice.object else {
        return Ok(vec![]);
    };
    let Some(user) = hears(app, member, Kind::Badge).await? else {
        return Ok(vec![]);
    };
    // Earned in a group the member can no longer read (or that is gone):
    // named nowhere.
    let group = notice.payload["group"].as_i64().map(GroupId);
    if let Some(id) = group {
        let readable = match app.store.group_by_id(id).await? {
            Some(g) => may_read(app, &user, (g.id, g.visibility)).await,
            None => false,
        };
        if !readable {
            return Ok(vec![]);
        }
    }
    let badge = notice.payload["badge"].as_str().map(str::to_owned);
    Ok(vec![to_member(
        member,
        Kind::Badge,
        notice.actor_id,
        group,
        badge,
    )])
}

/// The rule applied to `candidates` about a post: mutes of its thread and
/// group, kinds turned off, never the actor, only who may read it.
async fn deliver(
    app: &App,
    notice: &Notice,
    place: &Place,
    watches: &Watches,
    candidates: Vec<(UserId, Kind)>,
    detail: Option<String>,
) -> Result<Vec<NewNotification>> {
    // Each member's choices once, however many kinds concern them.
    let mut off = Vec::new();
    let mut asked: Vec<UserId> = Vec::new();
    for (user, _) in &candidates {
        if !asked.contains(user) {
            asked.push(*user);
            off.extend(
                app.store
                    .kinds_off(*user)
                    .await?
                    .into_iter()
                    .map(|k| (*user, k)),
            );
        }
    }
    let concerned = Concerned {
        actor: notice.actor_id,
        candidates,
        muted: watches.muted(),
        off,
    };
    let mut made = Vec::new();
    for (user_id, kind) in recipients(&concerned) {
        // Only members here hear (those elsewhere hear through federation).
        let Some(user) = app.store.user_by_id(user_id).await? else {
            continue;
        };
        if user.origin.is_local() && may_read(app, &user, place.group).await {
            made.push(NewNotification {
                user_id,
                kind,
                actor_id: notice.actor_id,
                group_id: Some(place.group.0),
                thread_id: place.thread,
                reply_id: place.reply,
                detail: detail.clone(),
            });
        }
    }
    Ok(made)
}

fn watching(watch: &[(UserId, Watch)]) -> impl Iterator<Item = UserId> + '_ {
    watch
        .iter()
        .filter(|(_, w)| *w == Watch::Watching)
        .map(|(u, _)| *u)
}

/// Whether `user` may read what is in the group: a private group's posts
/// reach its members only.
async fn may_read(app: &App, user: &User, group: (GroupId, Visibility)) -> bool {
    group.1 == Visibility::Public
        || crate::access::check_read(app, group, Some(user), "thread")
            .await
            .is_ok()
}

/// Notifications per page, and the most a client may ask for.
pub const PAGE: i64 = 30;
pub const PAGE_MAX: i64 = 100;

/// The member's notifications, newest first, before the id `before`, and
/// the `before` of the next page if there is one.
pub async fn list(
    app: &App,
    acting: Acting<'_>,
    before: Option<i64>,
    limit: Option<i64>,
) -> Result<(Vec<Notification>, Option<i64>)> {
    let user = acting.member()?;
    let limit = limit.unwrap_or(PAGE);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(Error::Invalid(format!(
            "invalid limit: between 1 and {PAGE_MAX}"
        )));
    }
    // One more than asked says whether there is a next page.
    let mut page = app.store.notifications(user.id, before, limit + 1).await?;
    let next = if page.len() as i64 > limit {
        page.truncate(limit as usize);
        page.last().map(|n| n.id)
    } else {
        None
    };
    Ok((page, next))
}

/// How many of the member's notifications are unread.
pub async fn unread(app: &App, acting: Acting<'_>) -> Result<i64> {
    let user = acting.member()?;
    Ok(app.store.unread_notifications(user.id).await?)
}

/// Marks one of the member's notifications read: someone else's is "not
/// found", as it is not theirs to see.
pub async fn mark_read(app: &App, acting: Acting<'_>, id: i64) -> Result<()> {
    let user = acting.member()?;
    if !app.store.mark_notification_read(user.id, id).await? {
        return Err(Error::not_found("notification"));
    }
    Ok(())
}

/// The member saw the welcome page: its notification is read.
pub async fn welcome_seen(app: &App, acting: Acting<'_>) -> Result<()> {
    let user = acting.member()?;
    app.store.mark_kind_read(user.id, Kind::Welcome).await?;
    Ok(())
}

/// Marks all the member's notifications read, or those of one thread.
pub async fn mark_all_read(app: &App, acting: Acting<'_>, thread: Option<ThreadId>) -> Result<u64> {
    let user = acting.member()?;
    Ok(app.store.mark_notifications_read(user.id, thread).await?)
}

/// The member's delivery for every kind (their choice or the default).
pub async fn preferences(app: &App, acting: Acting<'_>) -> Result<Vec<(Kind, Delivery)>> {
    let user = acting.member()?;
    let chosen = app.store.notification_prefs(user.id).await?;
    Ok(Kind::ALL
        .iter()
        .map(|kind| {
            let delivery = chosen
                .iter()
                .find(|(k, _)| k == kind.as_str())
                .and_then(|(_, d)| d.parse().ok())
                .unwrap_or(kind.default_delivery());
            (*kind, delivery)
        })
        .collect())
}

/// Sets the member's delivery for some kinds, all checked before any is
/// changed (an unknown kind or delivery changes nothing).
pub async fn set_preferences(
    app: &App,
    acting: Acting<'_>,
    changes: &[(String, String)],
) -> Result<Vec<(Kind, Delivery)>> {
    let user = acting.member()?;
    let mut parsed = Vec::new();
    for (kind, delivery) in changes {
        let kind: Kind = kind.parse()?;
        let delivery: Delivery = delivery.parse()?;
        parsed.push((kind, delivery));
    }
    for (kind, delivery) in parsed {
        app.store
            .set_notification_pref(user.id, kind, delivery.as_str())
            .await?;
    }
    preferences(app, acting).await
}

/// Watches or mutes a thread (or, with None, goes back to the default),
/// one the member may read.
pub async fn watch_thread(
    app: &App,
    acting: Acting<'_>,
    thread: ThreadId,
    level: Option<Watch>,
) -> Result<()> {
    let user = acting.member()?;
    crate::threads::thread(app, thread, Some(user)).await?;
    app.store
        .set_watch(user.id, Watched::Thread(thread), level)
        .await?;
    Ok(())
}

/// Watches or mutes a group the member may read (None: the default).
pub async fn watch_group(
    app: &App,
    acting: Acting<'_>,
    name: &str,
    level: Option<Watch>,
) -> Result<()> {
    let user = acting.member()?;
    let group = crate::access::readable(app, name, Some(user)).await?;
    app.store
        .set_watch(user.id, Watched::Group(group.id), level)
        .await?;
    Ok(())
}

/// The viewer's watch on a thread or a group, for the pages (none for a
/// visitor).
pub async fn watch_of(app: &App, viewer: Option<&User>, of: Watched) -> Result<Option<Watch>> {
    match viewer {
        Some(user) => Ok(app.store.watch_of(user.id, of).await?),
        None => Ok(None),
    }
}
