//! The home page (the instance and its groups), group pages with their
//! thread listings, creating, joining and leaving groups.

use super::error::PageResult;
use super::extract::{NoFields, PageForm, PagePath, PageQuery};
use super::layout::Page;
use super::redirect::see_other;
use super::reviews::ProductCard;
use super::views::{GroupView, Staff, SummaryView, ThreadView};
use crate::api::views::LeaderboardView;
use crate::error::AppError;
use guildhall_app::{Acting, access, groups, reputation, threads};
use guildhall_core::kinds::GroupKind;
use guildhall_db::Membership;
use guildhall_db::ThreadScope;
use minijinja::context;
use serde::Deserialize;

/// Groups listed on the home page.
const HOME_GROUPS: i64 = 200;

/// The kinds a group can be, as (value, label, what it is for), for the forms.
fn kinds() -> Vec<(&'static str, &'static str, &'static str)> {
    GroupKind::ALL
        .into_iter()
        .map(|k| {
            let (label, what) = match k {
                GroupKind::Discussion => ("Discussion", "threads and replies"),
                GroupKind::Questions => ("Questions", "peer help"),
                GroupKind::Ideas => ("Ideas", "proposals and votes"),
                GroupKind::Reviews => ("Reviews", "product reviews"),
            };
            (k.as_str(), label, what)
        })
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GroupForm {
    name: String,
    title: String,
    description: String,
    rules: String,
    /// A checkbox: present ("on") when ticked.
    restricted: Option<String>,
    /// discussion, questions, ideas or reviews; absent from the edit form
    /// of a moderator who is not an admin.
    kind: Option<String>,
    /// public, private or hidden (the edit form).
    visibility: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    pub sort: Option<String>,
    pub t: Option<String>,
    /// A questions group's filter: unanswered, unsolved or solved.
    pub state: Option<String>,
    /// An ideas group's filter: a stage's key.
    pub status: Option<String>,
    pub cursor: Option<String>,
}

impl ListQuery {
    pub fn listing(&self) -> threads::Listing<'_> {
        threads::Listing {
            sort: self.sort.as_deref(),
            window: self.t.as_deref(),
            state: self.state.as_deref(),
            status: self.status.as_deref(),
            cursor: self.cursor.as_deref(),
            limit: None,
        }
    }
}

pub async fn home(page: Page) -> PageResult {
    let groups = access::list(&page.state.app, page.viewer.as_ref(), HOME_GROUPS).await?;
    let groups: Vec<GroupView> = groups.iter().map(GroupView::from).collect();
    let leaders = leaders(&page, None).await?;
    // A newcomer's checklist, until every step is done.
    let checklist = match page.viewer.as_ref() {
        Some(u) => {
            let steps =
                guildhall_app::onboarding::steps(&page.state.app, Acting::Member(u)).await?;
            (!guildhall_core::onboarding::finished(&steps)).then_some(steps)
        }
        None => None,
    };
    page.render("home.html", context! { groups, leaders, checklist })
}

/// The welcome page a new member lands on: the community team's word and
/// the checklist.
pub async fn welcome(page: Page) -> PageResult {
    let user = page.user("/welcome")?;
    let app = &page.state.app;
    let steps = guildhall_app::onboarding::steps(app, Acting::Member(user)).await?;
    let welcome_html = guildhall_app::onboarding::welcome_html(app);
    // Seen here, the welcome is read.
    guildhall_app::notifications::welcome_seen(app, Acting::Member(user)).await?;
    page.render(
        "welcome.html",
        context! { steps, welcome_html, finished => guildhall_core::onboarding::finished(&steps) },
    )
}

/// The top 10 members this month, instance-wide or in one group.
async fn leaders(page: &Page, group: Option<&str>) -> Result<LeaderboardView, AppError> {
    let scope = (group, page.viewer.as_ref());
    let (period, standings) = reputation::leaderboard(&page.state.app, scope, "month", 10).await?;
    Ok(LeaderboardView::new(
        &page.state.store,
        group.map(str::to_owned),
        period,
        standings,
    ))
}

pub async fn new_form(page: Page) -> PageResult {
    let user = page.user("/groups/new")?;
    // Members who may not create groups learn why instead of filling in a
    // form that will be refused.
    let refused = groups::may_create(&page.state.app, user)
        .err()
        .map(|e| AppError::from(e).detail());
    page.render(
        "group_form.html",
        context! { refused, kind => "discussion", kinds => kinds() },
    )
}

pub async fn create(page: Page, PageForm(f): PageForm<GroupForm>) -> PageResult {
    let user = page.user("/groups/new")?;
    let input = groups::GroupInput {
        title: &f.title,
        kind: f.kind.as_deref(),
        description: &f.description,
        rules: &f.rules,
    };
    match groups::create(&page.state.app, Acting::Member(user), user, &f.name, input).await {
        Ok(group) => Ok(see_other(&format!("/g/{}", group.name))),
        Err(e) => page.reshow(
            e,
            "group_form.html",
            context! { name => f.name, title => f.title, description => f.description, rules => f.rules, kind => f.kind, kinds => kinds() },
        ),
    }
}

pub async fn show(
    page: Page,
    PagePath(name): PagePath<String>,
    PageQuery(q): PageQuery<ListQuery>,
) -> PageResult {
    let state = &page.state;
    let viewer = page.viewer.as_ref();
    let group = access::visible(&state.app, &name, viewer).await?;
    let moderators = state.store.moderators(group.id).await?;
    let membership = match viewer {
        Some(u) => state.store.membership(group.id, u.id).await?,
        None => None,
    };
    let is_member = membership == Some(Membership::Member);
    let requested = membership == Some(Membership::Pending);
    let is_moderator = viewer.is_some_and(|u| moderators.iter().any(|m| m.id == u.id));
    let where_ = (group.id, group.visibility);
    if access::check_read(&state.app, where_, viewer, "group")
        .await
        .is_err()
    {
        // A private group shows who it is and how to get in, nothing more.
        let moderators: Vec<SummaryView> = moderators.iter().map(SummaryView::from).collect();
        let invited = match viewer {
            Some(u) => state.store.invitation_for(group.id, u.id).await?.is_some(),
            None => false,
        };
        return page.render(
            "group_private.html",
            context! { group => GroupView::from(&group), moderators, requested, invited },
        );
    }
    let scope = ThreadScope::Group(group.id);
    let (sort, list) = threads::list(&state.app, scope, q.listing(), viewer).await?;
    let state_filter = q.state.as_deref().filter(|s| !s.is_empty());
    let status_filter = q.status.as_deref().filter(|s| !s.is_empty());
    let staff = Staff::of(&state.store, group.id).await?;
    let threads: Vec<ThreadView> = list
        .items
        .iter()
        .map(|t| ThreadView {
            author_role: staff.role(t.author_id),
            ..ThreadView::new(t, viewer).staged(t, &state.app.settings.stages)
        })
        .collect();
    let moderators: Vec<SummaryView> = moderators.iter().map(SummaryView::from).collect();
    let leaders = leaders(&page, Some(&group.name)).await?;
    let products: Vec<ProductCard> = if group.kind == GroupKind::Reviews {
        let list = state.store.products(group.id).await?;
        list.iter().map(ProductCard::new).collect()
    } else {
        Vec::new()
    };
    let of = guildhall_db::Watched::Group(group.id);
    let watch = guildhall_app::notifications::watch_of(&state.app, viewer, of)
        .await?
        .map(|w| w.as_str());
    page.render(
        "group.html",
        context! {
            group => GroupView::from(&group),
            threads,
            moderators,
            leaders,
            watch,
            is_member,
            requested,
            may_invite => match viewer {
                Some(u) => guildhall_app::invitations::may(&state.app, &group, u).await,
                None => false,
            },
            is_moderator,
            can_manage => is_moderator || viewer.is_some_and(|u| u.is_admin),
            sort => sort.as_str(),
            window => sort.window().map(|w| w.as_str()),
            state => state_filter,
            status => status_filter,
            stages => state.app.settings.stages.all(),
            products,
            // The support team's queue: unsolved questions, oldest first.
            queue => state_filter == Some("unsolved") && sort.as_str() == "old",
            next => list.next.map(|c| c.encode()),
            paged => q.cursor.is_some_and(|c| !c.is_empty()),
        },
    )
}

pub async fn join(
    page: Page,
    PagePath(name): PagePath<String>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let user = page.user(&format!("/g/{name}"))?;
    let group = groups::set_membership(&page.state.app, Acting::Member(user), &name, true).await?;
    Ok(see_other(&format!("/g/{}", group.name)))
}

pub async fn leave(
    page: Page,
    PagePath(name): PagePath<String>,
    PageForm(_): PageForm<NoFields>,
) -> PageResult {
    let user = page.user(&format!("/g/{name}"))?;
    let group = groups::set_membership(&page.state.app, Acting::Member(user), &name, false).await?;
    Ok(see_other(&format!("/g/{}", group.name)))
}

/// The group's settings (title, description, rules), for its moderators
/// and the instance's admins.
pub async fn edit_form(page: Page, PagePath(name): PagePath<String>) -> PageResult {
    let group = access::visible(&page.state.app, &name, page.viewer.as_ref()).await?;
    let user = page.user(&format!("/g/{}/edit", group.name))?;
    let group = groups::manageable(&page.state.app, Acting::Member(user), &group.name).await?;
    page.render(
        "group_form.html",
        context! {
            group => GroupView::from(&group),
            name => group.name,
            title => group.title,
            description => group.description,
            rules => group.rules,
            restricted => group.restricted != 0,
            kind => group.kind.as_str(),
            kinds => kinds(),
            may_change_kind => user.is_admin,
            visibility => group.visibility.as_str(),
        },
    )
}

pub async fn edit(
    page: Page,
    PagePath(name): PagePath<String>,
    PageForm(f): PageForm<GroupForm>,
) -> PageResult {
    let group = access::visible(&page.state.app, &name, page.viewer.as_ref()).await?;
    let user = page.user(&format!("/g/{}/edit", group.name))?;
    match groups::update(
        &page.state.app,
        Acting::Member(user),
        &group.name,
        groups::GroupChange {
            title: Some(&f.title),
            description: Some(&f.description),
            rules: Some(&f.rules),
            restricted: Some(f.restricted.is_some()),
            kind: f.kind.as_deref(),
            visibility: f.visibility.as_deref(),
        },
    )
    .await
    {
        Ok(g) => Ok(see_other(&format!("/g/{}", g.name))),
        Err(e) => page.reshow(
            e,
            "group_form.html",
            context! {
                group => GroupView::from(&group),
                name => group.name,
                title => f.title,
                description => f.description,
                rules => f.rules,
                restricted => f.restricted.is_some(),
                kind => f.kind.unwrap_or_else(|| group.kind.to_string()),
                kinds => kinds(),
                may_change_kind => user.is_admin,
                // As chosen: a refused edit must not turn the group public.
                visibility => f.visibility.unwrap_or_else(|| group.visibility.to_string()),
            },
        ),
    }
}
