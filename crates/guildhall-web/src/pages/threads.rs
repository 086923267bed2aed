//! Thread pages: the thread with its nested replies, posting, editing,
//! deleting and voting on threads.

use super::error::{PageError, PageResult};
use super::extract::{NoFields, PageForm, PagePath, PageQuery};
use super::layout::Page;
use super::questions;
use super::redirect::see_other;
use super::views::{GroupView, ReplyView, Staff, ThreadView};
use crate::error::AppError;
use axum::http::StatusCode;
use guildhall_app::{Acting, ideas, replies, reviews, threads, votes};
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_core::kinds::GroupKind;
use guildhall_core::reputation::privileges::{self, Privilege};
use guildhall_db::VoteTarget;
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ThreadForm {
    title: String,
    body: String,
    /// A review's stars (its edit form only).
    rating: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VoteForm {
    pub value: String,
}

/// A form that was refused, shown again with what was written and the
/// reason: a reply (`form` "reply"), or a moderator's "status" or "merge".
#[derive(Serialize)]
pub struct Draft {
    pub form: &'static str,
    pub parent_id: Option<ReplyId>,
    pub body: String,
    pub error: String,
}

/// Reads a vote button's value: 1 or -1 sets a vote, 0 removes it.
pub fn vote_value(value: &str) -> Result<Option<i64>, AppError> {
    match value.trim() {
        "1" | "+1" => Ok(Some(1)),
        "-1" => Ok(Some(-1)),
        "0" => Ok(None),
        _ => Err(AppError::Invalid(
            "invalid vote: use 1, -1, or 0 to remove a vote".into(),
        )),
    }
}

pub async fn new_form(page: Page, PagePath(name): PagePath<String>) -> PageResult {
    let viewer = page.viewer.as_ref();
    let group = guildhall_app::access::readable(&page.state.app, &name, viewer).await?;
    page.user(&format!("/g/{}/new", group.name))?;
    page.render(
        "thread_form.html",
        context! { group => GroupView::from(&group) },
    )
}

pub async fn create(
    page: Page,
    PagePath(name): PagePath<String>,
    PageForm(f): PageForm<ThreadForm>,
) -> PageResult {
    let viewer = page.viewer.as_ref();
    let group = guildhall_app::access::readable(&page.state.app, &name, viewer).await?;
    let user = page.user(&format!("/g/{}/new", group.name))?;
    match threads::create(
        &page.state.app,
        Acting::Member(user),
        &group.name,
        &f.title,
        &f.body,
    )
    .await
    {
        Ok(t) => Ok(see_other(&format!("/t/{}", t.id))),
        Err(e) => page.reshow(
            e,
            "thread_form.html",
            context! { group => GroupView::from(&group), title => f.title, body => f.body },
        ),
    }
}

/// `?flagged=1`: back from flagging, thanked.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Shown {
    flagged: Option<String>,
}

pub async fn show(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageQuery(q): PageQuery<Shown>,
) -> PageResult {
    let flagged = q.flagged.is_some();
    render(&page, id, StatusCode::OK, None, flagged).await
}

/// The thread page; with a refused reply `draft`, shown with its error
/// under `status`; `flagged` thanks a member back from flagging.
pub async fn render(
    page: &Page,
    id: i64,
    status: StatusCode,
    draft: Option<Draft>,
    flagged: bool,
) -> PageResult {
    let state = &page.state;
    let viewer = page.viewer.as_ref();
    let thread = threads::open(&state.app, ThreadId(id), viewer).await?;
    let replies = replies::replies(&state.app, ThreadId(id), viewer).await?;
    let group = state
        .store
        .group_by_name(&thread.group_name)
        .await?
        .ok_or_else(|| AppError::not_found("group"))?;
    // Only decides which buttons to draw; the actions check again.
    let listed = match viewer {
        Some(u) => state.store.is_moderator(group.id, u.id).await?,
        None => false,
    };
    let can_moderate = listed || viewer.is_some_and(|u| u.is_admin);
    // A remote group is moderated (from here too) by those its server
    // lists; an admin here may only hide its posts here.
    let moderates_here = if group.origin.is_local() {
        can_moderate
    } else {
        listed
    };
    // Members at TL3 may hide others' obvious spam (the action checks again).
    let can_hide = match viewer {
        Some(u) if !can_moderate => {
            let level = state.store.trust_level(u.id).await?;
            privileges::check(level, Privilege::HideSpam).is_ok()
        }
        _ => false,
    };
    let vote_note = match viewer {
        Some(u) => votes::refusal(&state.app, u, &group.origin).await?,
        None => None,
    };
    let of = guildhall_db::Watched::Thread(thread.id);
    let watch = guildhall_app::notifications::watch_of(&state.app, viewer, of)
        .await?
        .map(|w| w.as_str());
    // What a removal took off, for the moderators who may restore it.
    let kept = if moderates_here {
        let text = state.store.removed_text(thread.id).await?;
        Some(context! {
            thread => text.thread.map(|(title, html)| context! { title, html }),
            replies => text.replies.into_iter().map(|(id, html)| (id.get().to_string(), html)).collect::<std::collections::BTreeMap<_, _>>(),
        })
    } else {
        None
    };
    // A member banned from the group learns it here, not after writing.
    let barred = match viewer {
        Some(u) => state.store.group_ban(group.id, u.id).await?.map(|ban| {
            guildhall_core::moderation::barred(
                "post, vote or flag",
                "this group",
                ban.expires_at,
                &ban.reason,
            )
            .to_string()
            .trim_start_matches("forbidden: ")
            .replacen("you are", "You are", 1)
        }),
        None => None,
    };
    let vote_note = barred.clone().or(vote_note);
    let staff = Staff::of(&state.store, group.id).await?;
    let is_question = thread.group_kind == GroupKind::Questions;
    // The asker or a moderator may accept an answer (the action checks again).
    let can_accept = is_question
        && thread.deleted_at.is_none()
        && viewer.is_some_and(|u| can_moderate || u.id == thread.author_id);
    let qa_page = is_question.then(|| questions::qa_page(&thread, &replies, &state.settings));
    let stages = &state.app.settings.stages;
    // A review names its product.
    let product = match thread.product_id {
        Some(id) => state
            .store
            .product(id)
            .await?
            .map(|p| context! { id => p.id, name => p.name }),
        None => None,
    };
    let (history, official) = if thread.group_kind == GroupKind::Ideas {
        let history = ideas::history(&state.app, thread.id, viewer).await?;
        // The latest official response is shown highlighted on the idea.
        let official = history
            .iter()
            .rev()
            .find(|c| !c.response.is_empty())
            .map(|c| {
                context! {
                    by => c.by_name, to => stages.label(&c.to_status),
                    at => super::views::when(c.created_at, guildhall_db::now_ms()),
                    html => c.response_html,
                }
            });
        let history: Vec<_> = history
            .iter()
            .map(|c| {
                context! {
                    by => c.by_name, from => stages.label(&c.from_status), to => stages.label(&c.to_status),
                    at => super::views::when(c.created_at, guildhall_db::now_ms()),
                    html => c.response_html,
                }
            })
            .collect();
        (history, official)
    } else {
        (Vec::new(), None)
    };
    let replies: Vec<ReplyView> = replies
        .iter()
        .map(|(r, depth)| ReplyView {
            author_role: staff.role(r.author_id),
            ..ReplyView::new(r, *depth, viewer)
        })
        .collect();
    page.render_status(
        status,
        "thread.html",
        context! {
            thread => ThreadView {
                author_role: staff.role(thread.author_id),
                ..ThreadView::new(&thread, viewer).staged(&thread, stages)
            },
            history,
            official,
            product,
            stages => stages.all(),
            group => GroupView::from(&group),
            replies,
            vote_note,
            can_moderate,
            // Moderating happens on the group's own server.
            moderates_here,
            can_hide,
            can_accept,
            barred => barred.is_some(),
            watch,
            kept,
            qa_page,
            draft,
            flagged,
        },
    )
}

pub async fn vote(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<VoteForm>,
) -> PageResult {
    let user = page.user(&format!("/t/{id}"))?;
    let value = vote_value(&f.value)?;
    votes::vote_explained(
        &page.state.app,
        Acting::Member(user),
        VoteTarget::Thread(ThreadId(id)),
        value,
    )
    .await?;
    Ok(see_other(&format!("/t/{id}")))
}

pub async fn edit_form(page: Page, PagePath(id): PagePath<i64>) -> PageResult {
    let user = page.user(&format!("/t/{id}/edit"))?;
    let thread = threads::editable(&page.state.app, Acting::Member(user), ThreadId(id)).await?;
    page.render(
        "thread_form.html",
        context! {
            thread => ThreadView::new(&thread, Some(user)),
            title => thread.title,
            body => thread.body,
        },
    )
}

pub async fn edit(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<ThreadForm>,
) -> PageResult {
    let user = page.user(&format!("/t/{id}/edit"))?;
    let (app, acting) = (&page.state.app, Acting::Member(user));
    let (title, body) = (Some(f.title.as_str()), Some(f.body.as_str()));
    let edited = if f.rating.is_empty() {
        threads::edit(app, acting, ThreadId(id), title, body).await
    } else {
        let rating = super::reviews::stars(&f.rating);
        let edit = reviews::ReviewEdit {
            title,
            body,
            rating: &rating,
        };
        reviews::edit(app, acting, ThreadId(id), edit).await
    };
    match edited.map_err(AppError::from) {
        Ok(t) => Ok(see_other(&format!("/t/{}", t.id))),
        Err(e @ AppError::NotFound(_)) => Err(PageError::App(e)),
        Err(e) => {
            let thread = threads::thread(&page.state.app, ThreadId(id), Some(user)).await?;
            page.reshow(
                e,
                "thread_form.html",
                context! {
                    thread => ThreadView::new(&thread, Some(user)),
                    title => f.title,
                    body => f.body,
                },
            )
        }
    }
}

pub async fn delete(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let user = page.user(&format!("/t/{id}"))?;
    let thread = threads::thread(&page.state.app, ThreadId(id), Some(user)).await?;
    threads::delete(&page.state.app, Acting::Member(user), ThreadId(id)).await?;
    Ok(see_other(&format!("/g/{}", thread.group_name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vote_buttons_map_to_actions() {
        assert_eq!(vote_value("1").unwrap(), Some(1));
        assert_eq!(vote_value("-1").unwrap(), Some(-1));
        assert_eq!(vote_value("0").unwrap(), None);
        assert!(vote_value("2").is_err());
        assert!(vote_value("").is_err());
    }
}
