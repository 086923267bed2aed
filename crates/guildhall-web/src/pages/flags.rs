//! Flagging a thread or reply for the group's moderators, and the
//! moderators' list of what was flagged (members' flags and reports from
//! other servers alike).

use super::error::PageResult;
use super::extract::{PageForm, PagePath};
use super::layout::Page;
use super::redirect::see_other;
use super::views::GroupView;
use crate::actions;
use crate::api::views::FlagView;
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
    actions::flag(&page.state, user, Object::Thread(id), &f.reason).await?;
    Ok(see_other(&format!("/t/{id}?flagged=1")))
}

pub async fn flag_reply(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<FlagForm>,
) -> PageResult {
    let reply = actions::reply(&page.state, id, page.viewer.as_ref()).await?;
    let user = page.user(&format!("/t/{}", reply.thread_id))?;
    actions::flag(&page.state, user, Object::Reply(id), &f.reason).await?;
    Ok(see_other(&format!(
        "/t/{}?flagged=1#r{id}",
        reply.thread_id
    )))
}

/// The group's flags, newest first, for its moderators and the admins.
pub async fn list(page: Page, PagePath(name): PagePath<String>) -> PageResult {
    let user = page.user(&format!("/g/{name}/flags"))?;
    let group = actions::group(&page.state, &name).await?;
    let flags: Vec<FlagView> = actions::group_flags(&page.state, user, &name)
        .await?
        .into_iter()
        .map(FlagView::from)
        .collect();
    page.render(
        "flags.html",
        context! { group => GroupView::from(&group), flags },
    )
}
