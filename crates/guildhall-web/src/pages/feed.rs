//! The member's subscribed feed, and finding a group on another instance
//! (`!name@host`, `@name@host` or its URL) to follow.

use super::error::{PageError, PageResult};
use super::extract::{PageForm, PageQuery};
use super::groups::ListQuery;
use super::layout::Page;
use super::redirect::see_other;
use super::views::ThreadView;
use guildhall_app::{groups, threads};
use guildhall_db::{ThreadScope, User};
use minijinja::{Value, context};
use serde::Deserialize;

const HERE: &str = "/feed";

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindForm {
    query: String,
}

pub async fn feed(page: Page, PageQuery(q): PageQuery<ListQuery>) -> PageResult {
    let user = page.user(HERE)?;
    let listing = listing(&page, user, &q).await?;
    page.render("feed.html", listing)
}

/// Looks the group up (fetching it from its instance) and shows its page,
/// where the member can join it. A failed lookup shows the feed again with
/// the error and the query.
pub async fn find_group(page: Page, PageForm(f): PageForm<FindForm>) -> PageResult {
    let user = page.user(HERE)?;
    match groups::lookup_remote(&page.state.app, f.query.trim()).await {
        Ok(group) => Ok(see_other(&format!("/g/{}", group.name))),
        Err(e) => {
            let listing = listing(&page, user, &ListQuery::default()).await?;
            page.reshow(e, "feed.html", context! { query => f.query, ..listing })
        }
    }
}

/// The feed's threads (newest first unless asked otherwise) for the template.
async fn listing(page: &Page, user: &User, q: &ListQuery) -> Result<Value, PageError> {
    let listing = threads::Listing {
        sort: q.sort.as_deref().or(Some("new")),
        ..q.listing()
    };
    let scope = ThreadScope::Subscribed(user.id);
    let (sort, list) = threads::list(&page.state.app, scope, listing, Some(user)).await?;
    let threads: Vec<ThreadView> = list
        .items
        .iter()
        .map(|t| ThreadView::new(t, Some(user)).staged(t, &page.state.app.settings.stages))
        .collect();
    Ok(context! {
        threads,
        sort => sort.as_str(),
        next => list.next.map(|c| c.encode()),
        paged => q.cursor.as_deref().is_some_and(|c| !c.is_empty()),
        federates => page.state.federation.is_some(),
    })
}
