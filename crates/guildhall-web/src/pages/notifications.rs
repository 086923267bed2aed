//! Notifications through the pages: the notifications page (grouped by
//! thread, newest first; mark one, a thread's or all read), watching and
//! muting from a thread's or a group's page, and the delivery of each kind
//! on the settings page.

use super::error::PageResult;
use super::extract::{PageForm, PagePath, PageQuery};
use super::layout::Page;
use super::redirect::see_other;
use super::views::{When, when};
use guildhall_app::{Acting, notifications};
use guildhall_core::ids::ThreadId;
use guildhall_core::notifications::{Kind, Watch};
use guildhall_db::{Notification, now_ms};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListPage {
    before: Option<i64>,
}

#[derive(Serialize)]
struct Item {
    id: i64,
    /// What happened, in words ("bob replied to you").
    said: String,
    link: String,
    read: bool,
    at: When,
}

/// The notifications of one thread, newest first.
#[derive(Serialize)]
struct ThreadGroup {
    thread_id: Option<i64>,
    title: String,
    group: Option<String>,
    unread: usize,
    items: Vec<Item>,
}

fn said(n: &Notification) -> String {
    let who = n.actor.clone().unwrap_or_else(|| "Someone".into());
    let detail = n.detail.clone().unwrap_or_default();
    let group = n.group_name.clone().unwrap_or_default();
    match n.kind.parse::<Kind>() {
        Ok(Kind::Reply) if n.detail.as_deref() == Some("thread") => {
            format!("{who} replied to your thread")
        }
        Ok(Kind::Reply) => format!("{who} replied to you"),
        Ok(Kind::Mention) if n.thread_id.is_none() => format!("{who} mentioned you elsewhere"),
        Ok(Kind::Mention) => format!("{who} mentioned you"),
        Ok(Kind::QuestionAnswered) => format!("{who} answered your question"),
        Ok(Kind::AnswerAccepted) => format!("{who} accepted your answer"),
        Ok(Kind::IdeaStatus) => format!("{who} moved the idea to \u{201c}{detail}\u{201d}"),
        // Who moderated is the mod log's to show, as the instance decides.
        Ok(Kind::Moderation) => format!("A moderator {detail}"),
        Ok(Kind::Invitation) => format!("{who} invited you to g/{group}"),
        Ok(Kind::JoinRequest) => format!("Your request to join g/{group} was {detail}"),
        Ok(Kind::Badge) => {
            let name = guildhall_core::reputation::badges::badge(&detail)
                .map_or(detail.as_str(), |b| b.name);
            format!("You earned the badge \u{201c}{name}\u{201d}")
        }
        Ok(Kind::Welcome) => "Welcome! A word from the community team".to_owned(),
        Ok(Kind::Watched) => format!("{who} replied in a thread you watch"),
        Ok(Kind::GroupThread) => format!("{who} started a thread in a group you watch"),
        Err(_) => format!("{who} did something ({})", n.kind),
    }
}

fn link(n: &Notification) -> String {
    if n.kind == Kind::Welcome.as_str() {
        return "/welcome".into();
    }
    match (n.thread_id, n.reply_id, &n.group_name) {
        // A mention in a post elsewhere: the post, on its server.
        (None, None, None) if n.detail.as_deref().is_some_and(|d| d.starts_with("http")) => {
            n.detail.clone().unwrap_or_default()
        }
        (Some(t), Some(r), _) => format!("/t/{}#r{}", t.get(), r.get()),
        (Some(t), None, _) => format!("/t/{}", t.get()),
        (None, _, Some(g)) => format!("/g/{g}"),
        _ => "/notifications".into(),
    }
}

/// Consecutive notifications of one thread together, in the order of the
/// newest in each.
fn grouped(list: Vec<Notification>, now: i64) -> Vec<ThreadGroup> {
    let mut groups: Vec<ThreadGroup> = Vec::new();
    for n in list {
        let item = Item {
            id: n.id,
            said: said(&n),
            link: link(&n),
            read: n.read_at.is_some(),
            at: when(n.created_at, now),
        };
        let thread_id = n.thread_id.map(|t| t.get());
        match groups.iter_mut().find(|g| g.thread_id == thread_id) {
            Some(g) => {
                g.unread += usize::from(!item.read);
                g.items.push(item);
            }
            None => groups.push(ThreadGroup {
                thread_id,
                title: n.thread_title.clone().unwrap_or_default(),
                group: n.group_name.clone(),
                unread: usize::from(!item.read),
                items: vec![item],
            }),
        }
    }
    groups
}

pub async fn list(page: Page, PageQuery(q): PageQuery<ListPage>) -> PageResult {
    let user = page.user("/notifications")?;
    let app = &page.state.app;
    let acting = Acting::Member(user);
    let (list, next) = notifications::list(app, acting, q.before, None).await?;
    page.render(
        "notifications.html",
        context! {
            threads => grouped(list, now_ms()),
            next,
            older => q.before.is_some(),
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReadForm {
    /// Only this thread's; empty: all.
    thread_id: String,
}

pub async fn read_all(page: Page, PageForm(f): PageForm<ReadForm>) -> PageResult {
    let user = page.user("/notifications")?;
    let thread = match f.thread_id.trim() {
        "" => None,
        id => Some(ThreadId(id.parse().map_err(|_| {
            guildhall_app::Error::Invalid("invalid thread_id: a thread's number".into())
        })?)),
    };
    notifications::mark_all_read(&page.state.app, Acting::Member(user), thread).await?;
    Ok(see_other("/notifications"))
}

#[derive(Deserialize, Default)]
pub struct NoForm {}

pub async fn read_one(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(_): PageForm<NoForm>,
) -> PageResult {
    let user = page.user("/notifications")?;
    notifications::mark_read(&page.state.app, Acting::Member(user), id).await?;
    Ok(see_other("/notifications"))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WatchForm {
    /// `watch`, `mute`, or empty for the default.
    level: String,
}

fn level(f: &WatchForm) -> Result<Option<Watch>, guildhall_app::Error> {
    match f.level.as_str() {
        "" | "none" => Ok(None),
        other => Ok(Some(other.parse()?)),
    }
}

pub async fn watch_thread(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<WatchForm>,
) -> PageResult {
    let user = page.user(&format!("/t/{id}"))?;
    let acting = Acting::Member(user);
    notifications::watch_thread(&page.state.app, acting, ThreadId(id), level(&f)?).await?;
    Ok(see_other(&format!("/t/{id}")))
}

pub async fn watch_group(
    page: Page,
    PagePath(name): PagePath<String>,
    PageForm(f): PageForm<WatchForm>,
) -> PageResult {
    let user = page.user(&format!("/g/{name}"))?;
    let acting = Acting::Member(user);
    notifications::watch_group(&page.state.app, acting, &name, level(&f)?).await?;
    Ok(see_other(&format!("/g/{name}")))
}

/// Each kind with its words and the member's delivery, for the settings
/// page.
pub async fn preferences_view(page: &Page) -> Result<Vec<minijinja::Value>, guildhall_app::Error> {
    let Some(user) = page.viewer.as_ref() else {
        return Ok(vec![]);
    };
    let prefs = notifications::preferences(&page.state.app, Acting::Member(user)).await?;
    Ok(prefs
        .into_iter()
        .map(|(kind, delivery)| {
            context! { kind => kind.as_str(), words => kind.words(), delivery => delivery.as_str() }
        })
        .collect())
}

/// The settings page's notifications form: one field per kind.
pub async fn set_preferences(
    page: Page,
    PageForm(f): PageForm<HashMap<String, String>>,
) -> PageResult {
    let user = page.user("/settings")?;
    let changes: Vec<(String, String)> = f.into_iter().filter(|(k, _)| k != "csrf").collect();
    notifications::set_preferences(&page.state.app, Acting::Member(user), &changes).await?;
    Ok(see_other("/settings?saved=notifications#notifications"))
}
