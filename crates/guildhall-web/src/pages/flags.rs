//! Flagging a thread or reply for the group's moderators, the moderators'
//! list of what was flagged (members' flags and reports from other servers
//! alike), and hiding obvious spam at once (TL3).

use super::error::PageResult;
use super::extract::{NoFields, PageForm, PagePath, PageQuery};
use super::layout::Page;
use super::redirect::see_other;
use super::views::GroupView;
use crate::api::views::FlagView;
use guildhall_app::{Acting, groups, moderation, replies, threads};
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_core::reputation::ledger::Object;
use minijinja::context;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FlagForm {
    reason: String,
}

/// Back on the thread, which then thanks the member.
pub async fn flag_thread(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<FlagForm>,
) -> PageResult {
    let user = page.user(&format!("/t/{id}"))?;
    moderation::flag(
        &page.state.app,
        Acting::Member(user),
        Object::Thread(ThreadId(id)),
        &f.reason,
    )
    .await?;
    Ok(see_other(&format!("/t/{id}?flagged=1")))
}

pub async fn flag_reply(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<FlagForm>,
) -> PageResult {
    let reply = replies::reply(&page.state.app, ReplyId(id), page.viewer.as_ref()).await?;
    let user = page.user(&format!("/t/{}", reply.thread_id))?;
    moderation::flag(
        &page.state.app,
        Acting::Member(user),
        Object::Reply(ReplyId(id)),
        &f.reason,
    )
    .await?;
    Ok(see_other(&format!(
        "/t/{}?flagged=1#r{id}",
        reply.thread_id
    )))
}

/// Hides a thread as spam; back to its group, where it is gone.
pub async fn hide_thread(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let user = page.user(&format!("/t/{id}"))?;
    let thread = threads::thread(&page.state.app, ThreadId(id), Some(user)).await?;
    moderation::hide_spam(
        &page.state.app,
        Acting::Member(user),
        Object::Thread(ThreadId(id)),
    )
    .await?;
    Ok(see_other(&format!("/g/{}", thread.group_name)))
}

pub async fn hide_reply(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let reply = replies::reply(&page.state.app, ReplyId(id), page.viewer.as_ref()).await?;
    let user = page.user(&format!("/t/{}", reply.thread_id))?;
    moderation::hide_spam(
        &page.state.app,
        Acting::Member(user),
        Object::Reply(ReplyId(id)),
    )
    .await?;
    Ok(see_other(&format!("/t/{}#r{id}", reply.thread_id)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    /// `closed` for the reports dealt with.
    state: Option<String>,
}

/// The group's report queue, newest first, for its moderators and the
/// admins: the open reports, or (`?state=closed`) those dealt with.
pub async fn list(
    page: Page,
    PagePath(name): PagePath<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult {
    let user = page.user(&format!("/g/{name}/flags"))?;
    let group = groups::group(&page.state.app, &name).await?;
    let open = q.state.as_deref() != Some("closed");
    let flags: Vec<FlagView> =
        moderation::group_flags(&page.state.app, Acting::Member(user), &name, open)
            .await?
            .into_iter()
            .map(FlagView::from)
            .collect();
    page.render(
        "flags.html",
        context! { group => GroupView::from(&group), flags, open },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResolveForm {
    outcome: String,
    note: String,
    /// A checkbox: present when ticked.
    forward: Option<String>,
}

/// A moderator resolves or dismisses a report; back to the queue.
pub async fn resolve(
    page: Page,
    PagePath((name, id)): PagePath<(String, i64)>,
    PageForm(f): PageForm<ResolveForm>,
) -> PageResult {
    let user = page.user(&format!("/g/{name}/flags"))?;
    let outcome = crate::api::flags::outcome(&f.outcome)?;
    let acting = Acting::Member(user);
    let forward = f.forward.is_some();
    moderation::resolve_flag(
        &page.state.app,
        acting,
        &name,
        id,
        (outcome, &f.note),
        forward,
    )
    .await?;
    Ok(see_other(&format!("/g/{name}/flags")))
}
