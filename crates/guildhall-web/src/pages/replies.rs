//! Replying (at the top of a thread or under another reply), editing,
//! deleting and voting on replies.

use super::error::PageResult;
use super::extract::{NoFields, PageForm, PagePath, optional_id};
use super::layout::Page;
use super::redirect::see_other;
use super::threads::{self, Draft, VoteForm, vote_value};
use super::views::ReplyView;
use crate::error::AppError;
use guildhall_app::{Acting, replies, votes};
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_db::VoteTarget;
use minijinja::context;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReplyForm {
    parent_id: String,
    body: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EditForm {
    body: String,
}

pub async fn create(
    page: Page,
    PagePath(thread_id): PagePath<i64>,
    PageForm(f): PageForm<ReplyForm>,
) -> PageResult {
    let user = page.user(&format!("/t/{thread_id}"))?;
    let parent_id = optional_id("parent_id", &f.parent_id)?.map(ReplyId);
    match replies::create(
        &page.state.app,
        Acting::Member(user),
        ThreadId(thread_id),
        parent_id,
        &f.body,
    )
    .await
    .map_err(AppError::from)
    {
        Ok(r) => Ok(see_other(&format!("/t/{thread_id}#r{}", r.id))),
        Err(e @ AppError::NotFound(_)) => Err(e.into()),
        Err(e) if e.status().is_client_error() => {
            e.log();
            let draft = Draft {
                form: "reply",
                parent_id,
                body: f.body,
                error: e.detail(),
            };
            threads::render(&page, thread_id, e.status(), Some(draft), false).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn vote(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<VoteForm>,
) -> PageResult {
    let value = vote_value(&f.value)?;
    let reply = replies::reply(&page.state.app, ReplyId(id), page.viewer.as_ref()).await?;
    let user = page.user(&format!("/t/{}", reply.thread_id))?;
    votes::vote_explained(
        &page.state.app,
        Acting::Member(user),
        VoteTarget::Reply(ReplyId(id)),
        value,
    )
    .await?;
    Ok(see_other(&format!("/t/{}#r{id}", reply.thread_id)))
}

pub async fn edit_form(page: Page, PagePath(id): PagePath<i64>) -> PageResult {
    let user = page.user(&format!("/r/{id}/edit"))?;
    let reply = replies::editable(&page.state.app, Acting::Member(user), ReplyId(id)).await?;
    page.render(
        "reply_form.html",
        context! { reply => ReplyView::new(&reply, 0, Some(user)), body => reply.body },
    )
}

pub async fn edit(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<EditForm>,
) -> PageResult {
    let user = page.user(&format!("/r/{id}/edit"))?;
    match replies::edit(&page.state.app, Acting::Member(user), ReplyId(id), &f.body)
        .await
        .map_err(AppError::from)
    {
        Ok(r) => Ok(see_other(&format!("/t/{}#r{}", r.thread_id, r.id))),
        Err(e @ AppError::NotFound(_)) => Err(e.into()),
        Err(e) => {
            let reply = replies::reply(&page.state.app, ReplyId(id), Some(user)).await?;
            page.reshow(
                e,
                "reply_form.html",
                context! { reply => ReplyView::new(&reply, 0, Some(user)), body => f.body },
            )
        }
    }
}

pub async fn delete(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let reply = replies::reply(&page.state.app, ReplyId(id), page.viewer.as_ref()).await?;
    let user = page.user(&format!("/t/{}", reply.thread_id))?;
    replies::delete(&page.state.app, Acting::Member(user), ReplyId(id)).await?;
    Ok(see_other(&format!("/t/{}#r{id}", reply.thread_id)))
}
