//! Replying (at the top of a thread or under another reply), editing,
//! deleting and voting on replies.

use super::error::PageResult;
use super::extract::{NoFields, PageForm, PagePath, optional_id};
use super::layout::Page;
use super::redirect::see_other;
use super::threads::{self, Draft, VoteForm, vote_value};
use super::views::ReplyView;
use crate::actions;
use crate::auth::actor;
use crate::error::AppError;
use guildhall_core::permissions::can_edit;
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
    let parent_id = optional_id("parent_id", &f.parent_id)?;
    match actions::create_reply(&page.state, user, thread_id, parent_id, &f.body).await {
        Ok(r) => Ok(see_other(&format!("/t/{thread_id}#r{}", r.id))),
        Err(e @ AppError::NotFound(_)) => Err(e.into()),
        Err(e) if e.status().is_client_error() => {
            e.log();
            let draft = Draft {
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
    let reply = actions::reply(&page.state, id, page.viewer.as_ref()).await?;
    let user = page.user(&format!("/t/{}", reply.thread_id))?;
    let thread = actions::thread(&page.state, reply.thread_id, Some(user)).await?;
    threads::vote_as(
        &page,
        user,
        VoteTarget::Reply(id),
        &thread.group_name,
        value,
    )
    .await?;
    Ok(see_other(&format!("/t/{}#r{id}", reply.thread_id)))
}

pub async fn edit_form(page: Page, PagePath(id): PagePath<i64>) -> PageResult {
    let user = page.user(&format!("/r/{id}/edit"))?;
    let reply = actions::reply(&page.state, id, Some(user)).await?;
    can_edit(actor(user), reply.author_id, reply.deleted_at.is_some()).map_err(AppError::from)?;
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
    match actions::edit_reply(&page.state, user, id, &f.body).await {
        Ok(r) => Ok(see_other(&format!("/t/{}#r{}", r.thread_id, r.id))),
        Err(e @ AppError::NotFound(_)) => Err(e.into()),
        Err(e) => {
            let reply = actions::reply(&page.state, id, Some(user)).await?;
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
    let reply = actions::reply(&page.state, id, page.viewer.as_ref()).await?;
    let user = page.user(&format!("/t/{}", reply.thread_id))?;
    actions::delete_reply(&page.state, user, id).await?;
    Ok(see_other(&format!("/t/{}#r{id}", reply.thread_id)))
}
