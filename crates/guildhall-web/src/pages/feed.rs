//! The member's subscribed feed, and finding a group on another instance
//! (`!name@host`, `@name@host` or its URL) to follow.

use super::error::PageResult;
use super::extract::{PageForm, PageQuery};
use super::groups::ListQuery;
use super::layout::Page;
use super::redirect::see_other;
use super::views::ThreadView;
use crate::actions;
use guildhall_db::ThreadScope;
use minijinja::context;
use serde::Deserialize;

const HERE: &str = "/feed";

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindForm {
    query: String,
}

pub async fn feed(page: Page, PageQuery(q): PageQuery<ListQuery>) -> PageResult {
    let user = page.user(HERE)?;
    let (sort, list) = actions::list_threads(
        &page.state,
        ThreadScope::Subscribed(user.id),
        q.sort.as_deref().or(Some("new")),
        q.t.as_deref(),
        q.cursor.as_deref(),
        None,
        Some(user),
    )
    .await?;
    let threads: Vec<ThreadView> = list
        .items
        .iter()
        .map(|t| ThreadView::new(t, Some(user)))
        .collect();
    page.render(
        "feed.html",
        context! {
            threads,
            sort => sort.as_str(),
            next => list.next.map(|c| c.encode()),
            paged => q.cursor.is_some_and(|c| !c.is_empty()),
            federates => page.state.federation.is_some(),
        },
    )
}

/// Looks the group up (fetching it from its instance) and shows its page,
/// where the member can join it.
pub async fn find_group(page: Page, PageForm(f): PageForm<FindForm>) -> PageResult {
    page.user(HERE)?;
    match actions::lookup_remote_group(&page.state, f.query.trim()).await {
        Ok(group) => Ok(see_other(&format!("/g/{}", group.name))),
        Err(e) => page.reshow(
            e,
            "feed.html",
            context! { query => f.query, federates => page.state.federation.is_some(), sort => "new" },
        ),
    }
}
