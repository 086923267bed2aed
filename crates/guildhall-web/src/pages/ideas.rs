//! Idea pages: the board (one column per stage), and the moderators'
//! forms on an idea's page: a new status with an official response, and
//! merging a duplicate.

use super::error::PageResult;
use super::extract::{PageForm, PagePath};
use super::layout::Page;
use super::redirect::see_other;
use super::threads::Draft;
use super::views::{GroupView, ThreadView};
use crate::error::AppError;
use guildhall_app::{Acting, ideas, threads};
use guildhall_core::ideas::DUPLICATE;
use guildhall_core::ids::ThreadId;
use guildhall_core::kinds::GroupKind;
use guildhall_db::ThreadScope;
use minijinja::context;
use serde::{Deserialize, Serialize};

/// Ideas per column of the board (the top-voted of each stage).
const PER_COLUMN: i64 = 20;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StatusForm {
    status: String,
    response: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MergeForm {
    into: String,
    response: String,
}

/// One column of the board.
#[derive(Serialize)]
struct Column {
    key: String,
    label: String,
    ideas: Vec<ThreadView>,
    more: bool,
}

/// The board: a column per stage, the most-voted ideas first.
pub async fn board(page: Page, PagePath(name): PagePath<String>) -> PageResult {
    let state = &page.state;
    let group = guildhall_app::access::readable(&state.app, &name, page.viewer.as_ref()).await?;
    if group.kind != GroupKind::Ideas {
        return Err(AppError::not_found("board (only ideas groups have one)").into());
    }
    let viewer = page.viewer.as_ref();
    let stages = &state.app.settings.stages;
    let mut columns = Vec::new();
    // Merged duplicates live on in the idea they repeat: no column.
    for stage in stages.all().iter().filter(|s| s.key != DUPLICATE) {
        let listing = threads::Listing {
            sort: Some("top"),
            status: Some(&stage.key),
            limit: Some(PER_COLUMN),
            ..Default::default()
        };
        let scope = ThreadScope::Group(group.id);
        let (_, list) = threads::list(&state.app, scope, listing, viewer).await?;
        columns.push(Column {
            key: stage.key.clone(),
            label: stage.label.clone(),
            ideas: list
                .items
                .iter()
                .map(|t| ThreadView::new(t, viewer).staged(t, stages))
                .collect(),
            more: list.next.is_some(),
        });
    }
    page.render(
        "board.html",
        context! { group => GroupView::from(&group), columns },
    )
}

/// A moderator's new status (and official response) for an idea.
pub async fn set_status(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<StatusForm>,
) -> PageResult {
    let user = page.user(&format!("/t/{id}"))?;
    let acting = Acting::Member(user);
    let (app, idea) = (&page.state.app, ThreadId(id));
    let changed = ideas::set_status(app, acting, idea, &f.status, &f.response).await;
    shown_again(
        &page,
        (id, "#status"),
        "status",
        f.response,
        changed.map(|_| ()),
    )
    .await
}

/// A moderator merges a duplicate into the idea it repeats.
pub async fn merge(
    page: Page,
    PagePath(id): PagePath<i64>,
    PageForm(f): PageForm<MergeForm>,
) -> PageResult {
    let user = page.user(&format!("/t/{id}"))?;
    let acting = Acting::Member(user);
    let (app, idea) = (&page.state.app, ThreadId(id));
    let merged = match f.into.trim().trim_start_matches('#').parse::<i64>() {
        Ok(into) => ideas::merge(app, acting, idea, ThreadId(into), &f.response)
            .await
            .map(|_| ()),
        Err(_) => Err(guildhall_app::Error::Invalid(
            "invalid into: give the number of the idea it repeats".into(),
        )),
    };
    shown_again(&page, (id, "#status"), "merge", f.response, merged).await
}

/// After a moderator's form on a thread: back to it (at `anchor`), or,
/// refused, the thread's page again with the reason by the form and what
/// was written in it.
pub(crate) async fn shown_again(
    page: &Page,
    (id, anchor): (i64, &str),
    form: &'static str,
    body: String,
    result: Result<(), guildhall_app::Error>,
) -> PageResult {
    match result.map_err(AppError::from) {
        Ok(()) => Ok(see_other(&format!("/t/{id}{anchor}"))),
        Err(e @ AppError::NotFound(_)) => Err(e.into()),
        Err(e) if e.status().is_client_error() => {
            e.log();
            let draft = Draft {
                form,
                parent_id: None,
                body,
                error: e.detail(),
            };
            super::threads::render(page, id, e.status(), Some(draft), false).await
        }
        Err(e) => Err(e.into()),
    }
}
