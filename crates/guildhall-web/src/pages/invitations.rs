//! Invitations through the pages: the group's invitations page (invite a
//! member by name, make a link, revoke), and the page a link opens.

use super::error::PageResult;
use super::extract::{PageForm, PagePath};
use super::layout::Page;
use super::redirect::see_other;
use super::views::{GroupView, When, until, when};
use crate::error::AppError;
use guildhall_app::{Acting, invitations};
use guildhall_db::{Invitation, now_ms};
use minijinja::context;
use serde::{Deserialize, Serialize};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    username: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LinkForm {
    /// Days until it expires; empty: never.
    days: String,
    /// Uses; empty: no limit.
    uses: String,
}

#[derive(Deserialize, Default)]
pub struct NoForm {}

#[derive(Serialize)]
struct InvitationRow {
    id: i64,
    username: Option<String>,
    invited_by: String,
    uses: i64,
    max_uses: Option<i64>,
    ends: Option<String>,
    made: When,
}

impl InvitationRow {
    fn new(i: Invitation, now: i64) -> Self {
        InvitationRow {
            id: i.id,
            username: i.username,
            invited_by: i.invited_by,
            uses: i.uses,
            max_uses: i.max_uses,
            ends: i.expires_at.map(|at| until(at, now)),
            made: when(i.created_at, now),
        }
    }
}

/// The page; `made` is a link just made (shown this once), `refused` a
/// refusal to show by the forms.
async fn render(
    page: &Page,
    name: &str,
    made: Option<String>,
    refused: Option<AppError>,
) -> PageResult {
    let user = page.user(&format!("/g/{name}/invitations"))?;
    let app = &page.state.app;
    let now = now_ms();
    // Moderators see every invitation; members who may invite see the forms.
    let list = match invitations::list(app, Acting::Member(user), name).await {
        Ok(list) => Some(
            list.into_iter()
                .map(|i| InvitationRow::new(i, now))
                .collect::<Vec<_>>(),
        ),
        Err(guildhall_app::Error::Forbidden(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let group = guildhall_app::access::readable(app, name, Some(user)).await?;
    let (status, error) = match refused {
        Some(e) => (e.status(), Some(e.detail())),
        None => (axum::http::StatusCode::OK, None),
    };
    page.render_status(
        status,
        "invitations.html",
        context! { group => GroupView::from(&group), invitations => list, made, error },
    )
}

pub async fn show(page: Page, PagePath(name): PagePath<String>) -> PageResult {
    render(&page, &name, None, None).await
}

/// A refusal the page shows by its forms; others are the error page's.
async fn again(page: &Page, name: &str, e: guildhall_app::Error) -> PageResult {
    let e = AppError::from(e);
    // The group was readable to get here: a "not found" is the member named.
    if e.status().is_client_error()
        && !matches!(e, AppError::Forbidden(_) | AppError::Unauthorized(_))
    {
        e.log();
        return render(page, name, None, Some(e)).await;
    }
    Err(e.into())
}

pub async fn invite(
    page: Page,
    PagePath(name): PagePath<String>,
    PageForm(f): PageForm<InviteForm>,
) -> PageResult {
    let user = page.user(&format!("/g/{name}/invitations"))?;
    let acting = Acting::Member(user);
    match invitations::invite_member(&page.state.app, acting, &name, f.username.trim()).await {
        Ok(_) => Ok(see_other(&format!("/g/{name}/invitations"))),
        Err(e) => again(&page, &name, e).await,
    }
}

/// A whole number from a form field, or none when it is empty.
fn number(field: &str, text: &str) -> Result<Option<i64>, guildhall_app::Error> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| {
        guildhall_app::Error::Invalid(format!(
            "invalid {field}: give a whole number, or leave it empty"
        ))
    })
}

pub async fn make_link(
    page: Page,
    PagePath(name): PagePath<String>,
    PageForm(f): PageForm<LinkForm>,
) -> PageResult {
    let user = page.user(&format!("/g/{name}/invitations"))?;
    let acting = Acting::Member(user);
    let terms = number("days", &f.days).and_then(|days| {
        let expires_at = days.map(|d| now_ms() + d.clamp(0, 36_500) * 86_400_000);
        Ok((expires_at, number("uses", &f.uses)?))
    });
    let made = match terms {
        Ok(terms) => invitations::invite_link(&page.state.app, acting, &name, terms).await,
        Err(e) => Err(e),
    };
    match made {
        Ok((token, _)) => {
            let url = format!("{}/invite/{token}", page.state.settings.public_url());
            render(&page, &name, Some(url), None).await
        }
        Err(e) => again(&page, &name, e).await,
    }
}

pub async fn revoke(
    page: Page,
    PagePath((name, id)): PagePath<(String, i64)>,
    PageForm(_): PageForm<NoForm>,
) -> PageResult {
    let user = page.user(&format!("/g/{name}/invitations"))?;
    invitations::revoke(&page.state.app, Acting::Member(user), &name, id).await?;
    Ok(see_other(&format!("/g/{name}/invitations")))
}

/// What a link opens: the group it invites to, and a button to join.
pub async fn link(page: Page, PagePath(token): PagePath<String>) -> PageResult {
    let (group, invitation, live) = invitations::by_link(&page.state.app, &token).await?;
    let member = match page.viewer.as_ref() {
        Some(u) => {
            page.state.store.membership(group.id, u.id).await?
                == Some(guildhall_db::Membership::Member)
        }
        None => false,
    };
    // A dead link says nothing of where it led (a hidden group stays so).
    let group_view = live.then(|| GroupView::from(&group));
    page.render(
        "invite.html",
        context! { group => group_view, live, token, member, invited_by => invitation.invited_by },
    )
}

pub async fn accept(
    page: Page,
    PagePath(token): PagePath<String>,
    PageForm(_): PageForm<NoForm>,
) -> PageResult {
    let user = page.user(&format!("/invite/{token}"))?;
    let group = invitations::accept_link(&page.state.app, Acting::Member(user), &token).await?;
    Ok(see_other(&format!("/g/{}", group.name)))
}
