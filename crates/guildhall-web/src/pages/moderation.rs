//! Moderators' forms and pages: removing, restoring, locking and pinning
//! from a thread's page; a group's bans; the mod logs of a group (public)
//! and of the instance (admins); suspending an account from a profile.

use super::error::PageResult;
use super::extract::{PageForm, PagePath, PageQuery};
use super::ideas::shown_again;
use super::layout::Page;
use super::redirect::see_other;
use super::views::{GroupView, When, when};
use crate::error::AppError;
use guildhall_app::moderation::{self, BanTerms, Log};
use guildhall_app::{Acting, access, groups, replies};
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_core::moderation::Action;
use guildhall_core::reputation::ledger::Object;
use guildhall_db::{GroupBan, LogRow, now_ms};
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    reason: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BanForm {
    username: String,
    reason: String,
    /// Days from now; empty: for good.
    days: String,
    /// A checkbox: present when ticked.
    remove_content: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SuspendForm {
    days: String,
    reason: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LogPage {
    before: Option<i64>,
}

/// One thread action from its page's Moderate panel.
#[derive(Debug, Clone, Copy)]
pub enum ThreadAction {
    Lock,
    Unlock,
    Pin,
    Unpin,
    Remove,
    Restore,
}

async fn thread_action(page: Page, id: i64, reason: String, action: ThreadAction) -> PageResult {
    let user = page.user(&format!("/t/{id}"))?;
    let (app, acting, thread) = (&page.state.app, Acting::Member(user), ThreadId(id));
    let object = Object::Thread(thread);
    let done = match action {
        ThreadAction::Lock => moderation::set_locked(app, acting, thread, Some(&reason)).await,
        ThreadAction::Unlock => moderation::set_locked(app, acting, thread, None).await,
        ThreadAction::Pin => moderation::set_pinned(app, acting, thread, true).await,
        ThreadAction::Unpin => moderation::set_pinned(app, acting, thread, false).await,
        ThreadAction::Remove => moderation::remove(app, acting, object, &reason)
            .await
            .map(|_| true),
        ThreadAction::Restore => moderation::restore(app, acting, object, &reason)
            .await
            .map(|_| true),
    };
    shown_again(&page, (id, ""), "moderate", reason, done.map(|_| ())).await
}

macro_rules! thread_form {
    ($($name:ident => $action:ident;)*) => {$(
        pub async fn $name(
            page: Page,
            PagePath(id): PagePath<i64>,
            PageForm(f): PageForm<ReasonForm>,
        ) -> PageResult {
            thread_action(page, id, f.reason, ThreadAction::$action).await
        }
    )*};
}

thread_form! {
    lock => Lock;
    unlock => Unlock;
    pin => Pin;
    unpin => Unpin;
    remove_thread => Remove;
    restore_thread => Restore;
}

/// A moderator removes or restores a reply; back to it in its thread.
async fn reply_action(page: Page, id: i64, reason: &str, remove: bool) -> PageResult {
    let reply = replies::reply(&page.state.app, ReplyId(id), page.viewer.as_ref()).await?;
    let user = page.user(&format!("/t/{}", reply.thread_id))?;
    let (app, acting, object) = (
        &page.state.app,
        Acting::Member(user),
        Object::Reply(reply.id),
    );
    if remove {
        moderation::remove(app, acting, object, reason).await?;
    } else {
        moderation::restore(app, acting, object, reason).await?;
    }
    Ok(see_other(&format!("/t/{}#r{id}", reply.thread_id)))
}

pub async fn remove_reply(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReasonForm>,
) -> PageResult {
    reply_action(page, id, &f.reason, true).await
}

pub async fn restore_reply(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ReasonForm>,
) -> PageResult {
    reply_action(page, id, &f.reason, false).await
}

/// A log entry as the pages show it.
#[derive(Serialize)]
struct EntryView {
    group: Option<String>,
    moderator: Option<String>,
    /// The action's words before and after the member's name.
    before: String,
    after: String,
    target: Option<String>,
    /// A link to the post acted on.
    link: Option<String>,
    reason: String,
    /// What else the action decided, in words (an expiry, a status).
    extra: Option<String>,
    at: When,
}

impl EntryView {
    fn new(e: LogRow, now: i64) -> Self {
        let (before, after) = e
            .action
            .parse::<Action>()
            .map(|a| a.phrase(e.object_type.as_deref()))
            .unwrap_or_else(|_| (e.action.replace('_', " "), String::new()));
        let link = match (e.object_type.as_deref(), e.thread_id, e.object_id) {
            (Some("reply"), Some(t), Some(r)) => Some(format!("/t/{t}#r{r}")),
            (_, Some(t), _) => Some(format!("/t/{t}")),
            _ => None,
        };
        let detail: serde_json::Value = e
            .detail
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or_default();
        let extra = if let Some(to) = detail["to"].as_str() {
            Some(format!("to {}", to.replace('_', " ")))
        } else if let Some(at) = detail["expires_at"].as_i64().or(detail["until"].as_i64()) {
            chrono::DateTime::from_timestamp_millis(at)
                .map(|d| format!("until {}", d.format("%-d %b %Y, %H:%M UTC")))
        } else if e.action == "ban_member" {
            Some("permanent".into())
        } else {
            None
        };
        EntryView {
            group: e.group_name,
            moderator: e.moderator,
            before,
            after,
            target: e.target,
            link,
            reason: e.reason,
            extra,
            at: when(e.created_at, now),
        }
    }
}

fn entries(log: Log) -> (Vec<EntryView>, Option<i64>) {
    let now = now_ms();
    let entries = log
        .entries
        .into_iter()
        .map(|e| EntryView::new(e, now))
        .collect();
    (entries, log.next)
}

/// A group's mod log: public, newest first.
pub async fn group_log(
    page: Page,
    PagePath(name): PagePath<String>,
    PageQuery(q): PageQuery<LogPage>,
) -> PageResult {
    let app = &page.state.app;
    let group = groups::group(app, &name).await?;
    let acting = match page.viewer.as_ref() {
        Some(user) => Acting::Member(user),
        None => Acting::Visitor { address: None },
    };
    let (entries, next) = entries(moderation::group_log(app, acting, &name, q.before).await?);
    page.render(
        "modlog.html",
        context! { group => GroupView::from(&group), entries, next },
    )
}

/// The instance's mod log, for admins.
pub async fn instance_log(page: Page, PageQuery(q): PageQuery<LogPage>) -> PageResult {
    let user = page.user("/admin/modlog")?;
    let log = moderation::instance_log(&page.state.app, Acting::Member(user), q.before).await?;
    let (entries, next) = entries(log);
    page.render("modlog.html", context! { entries, next })
}

#[derive(Serialize)]
struct BanView {
    username: String,
    banned_by: String,
    reason: String,
    /// When it ends, from now ("in 3 days").
    until: Option<String>,
    since: When,
}

impl BanView {
    fn new(b: GroupBan, now: i64) -> Self {
        BanView {
            username: b.username,
            banned_by: b.banned_by,
            reason: b.reason,
            until: b.expires_at.map(|at| super::views::until(at, now)),
            since: when(b.created_at, now),
        }
    }
}

/// A group's bans, with the form to ban a member (its moderators).
pub async fn bans(page: Page, PagePath(name): PagePath<String>) -> PageResult {
    render_bans(&page, &name, None).await
}

async fn render_bans(page: &Page, name: &str, refused: Option<(AppError, BanForm)>) -> PageResult {
    let user = page.user(&format!("/g/{name}/bans"))?;
    let app = &page.state.app;
    let group = groups::group(app, name).await?;
    let now = now_ms();
    let bans: Vec<BanView> = moderation::group_bans(app, Acting::Member(user), name)
        .await?
        .into_iter()
        .map(|b| BanView::new(b, now))
        .collect();
    let (status, error, form) = match refused {
        Some((e, f)) => (e.status(), Some(e.detail()), Some(f)),
        None => (axum::http::StatusCode::OK, None, None),
    };
    let form = form.map(|f| {
        context! {
            username => f.username, reason => f.reason, days => f.days,
            remove_content => f.remove_content.is_some(),
        }
    });
    page.render_status(
        status,
        "bans.html",
        context! { group => GroupView::from(&group), bans, error, form },
    )
}

/// Days from now as an expiry; empty is none (for good).
fn days_from_now(days: &str) -> Result<Option<i64>, AppError> {
    let days = days.trim();
    if days.is_empty() {
        return Ok(None);
    }
    match days.parse::<i64>() {
        Ok(d) if (1..=3650).contains(&d) => Ok(Some(now_ms() + d * 86_400_000)),
        _ => Err(AppError::Invalid(
            "invalid days: give a whole number of days from 1 to 3650, or leave it empty".into(),
        )),
    }
}

pub async fn ban(
    page: Page,
    PagePath(name): PagePath<String>,
    PageForm(f): PageForm<BanForm>,
) -> PageResult {
    let user = page.user(&format!("/g/{name}/bans"))?;
    let app = &page.state.app;
    let banned = match days_from_now(&f.days) {
        Ok(expires_at) => {
            let terms = BanTerms {
                reason: &f.reason,
                expires_at,
                remove_content: f.remove_content.is_some(),
            };
            let username = f.username.trim();
            moderation::ban_member(app, Acting::Member(user), &name, username, terms)
                .await
                .map(|_| ())
                .map_err(AppError::from)
        }
        Err(e) => Err(e),
    };
    match banned {
        Ok(()) => Ok(see_other(&format!("/g/{name}/bans"))),
        Err(e) if e.status().is_client_error() && !matches!(e, AppError::Forbidden(_)) => {
            e.log();
            render_bans(&page, &name, Some((e, f))).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn lift_ban(
    page: Page,
    PagePath((name, username)): PagePath<(String, String)>,
    PageForm(_): PageForm<ReasonForm>,
) -> PageResult {
    let user = page.user(&format!("/g/{name}/bans"))?;
    let acting = Acting::Member(user);
    moderation::unban_member(&page.state.app, acting, &name, &username, "").await?;
    Ok(see_other(&format!("/g/{name}/bans")))
}

/// An admin suspends an account for some days, or lifts its suspension.
pub async fn suspend(
    page: Page,
    PagePath(username): PagePath<String>,
    PageForm(f): PageForm<SuspendForm>,
) -> PageResult {
    let user = page.user(&format!("/u/{username}"))?;
    let until = days_from_now(&f.days)?.ok_or_else(|| {
        AppError::Invalid("invalid days: say for how many days (1 to 3650)".into())
    })?;
    let acting = Acting::Member(user);
    moderation::set_suspended(&page.state.app, acting, &username, Some(until), &f.reason).await?;
    Ok(see_other(&format!("/u/{username}")))
}

pub async fn unsuspend(
    page: Page,
    PagePath(username): PagePath<String>,
    PageForm(_): PageForm<ReasonForm>,
) -> PageResult {
    let user = page.user(&format!("/u/{username}"))?;
    let acting = Acting::Member(user);
    moderation::set_suspended(&page.state.app, acting, &username, None, "").await?;
    Ok(see_other(&format!("/u/{username}")))
}

#[derive(Serialize)]
struct RequestView {
    username: String,
    at: When,
}

/// Who asked to join a private group (its moderators); after a decision,
/// it says which.
pub async fn requests(
    page: Page,
    PagePath(name): PagePath<String>,
    PageQuery(q): PageQuery<Decided>,
) -> PageResult {
    let user = page.user(&format!("/g/{name}/requests"))?;
    let app = &page.state.app;
    let waiting = access::requests(app, Acting::Member(user), &name).await?;
    let group = groups::group(app, &name).await?;
    let now = now_ms();
    let requests: Vec<RequestView> = waiting
        .into_iter()
        .map(|(who, at)| RequestView {
            username: who.username,
            at: when(at, now),
        })
        .collect();
    let decided = match (q.done.as_deref(), q.who) {
        (Some("in"), Some(who)) => Some(format!("{who} is a member now.")),
        (Some("down"), Some(who)) => Some(format!("{who}'s request was turned down.")),
        _ => None,
    };
    page.render(
        "requests.html",
        context! { group => GroupView::from(&group), requests, decided },
    )
}

async fn decide(page: Page, name: &str, username: &str, approve: bool) -> PageResult {
    let user = page.user(&format!("/g/{name}/requests"))?;
    access::decide(
        &page.state.app,
        Acting::Member(user),
        name,
        username,
        approve,
    )
    .await?;
    let done = if approve { "in" } else { "down" };
    let who: String = url::form_urlencoded::byte_serialize(username.as_bytes()).collect();
    Ok(see_other(&format!(
        "/g/{name}/requests?done={done}&who={who}"
    )))
}

/// A decision just made, for the requests page to say.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Decided {
    done: Option<String>,
    who: Option<String>,
}

pub async fn approve(
    page: Page,
    PagePath((name, username)): PagePath<(String, String)>,
    PageForm(_): PageForm<ReasonForm>,
) -> PageResult {
    decide(page, &name, &username, true).await
}

pub async fn refuse(
    page: Page,
    PagePath((name, username)): PagePath<(String, String)>,
    PageForm(_): PageForm<ReasonForm>,
) -> PageResult {
    decide(page, &name, &username, false).await
}
