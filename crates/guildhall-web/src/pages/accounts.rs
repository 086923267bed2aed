//! Registration, login, logout, profiles and the member's own settings.

use super::error::PageResult;
use super::extract::{NoFields, PageForm, PagePath, PageQuery};
use super::layout::Page;
use super::redirect::{safe_next, see_other};
use super::views::{LedgerLine, ThreadView, UserView};
use crate::api::views::ReputationView;
use crate::auth::SESSION_COOKIE;
use crate::client::ClientAddr;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use guildhall_app::accounts::{self, Registration};
use guildhall_app::{Acting, reputation};
use minijinja::context;
use serde::Deserialize;

/// Recent threads shown on a profile.
const PROFILE_THREADS: i64 = 20;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    username: String,
    password: String,
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    username: String,
    password: String,
    display_name: String,
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsForm {
    display_name: String,
    bio: String,
    avatar_url: String,
}

/// The session cookie: HttpOnly (no script reads it), SameSite=Lax (not
/// sent on cross-site POSTs), Secure on https instances.
fn session_cookie(token: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    )
}

fn with_cookie(mut res: Response, cookie: String) -> Response {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

fn signed_in(page: &Page, token: &str, next: &str) -> Response {
    let ttl = page.state.app.settings.session_ttl_ms() / 1000;
    let secure = page.state.settings.https;
    with_cookie(see_other(next), session_cookie(token, ttl, secure))
}

pub async fn login_form(page: Page, PageQuery(q): PageQuery<NextQuery>) -> PageResult {
    let next = safe_next(q.next.as_deref());
    page.render("login.html", context! { next, username => "" })
}

pub async fn login(page: Page, client: ClientAddr, PageForm(f): PageForm<LoginForm>) -> PageResult {
    let next = safe_next(Some(&f.next));
    let address = client.limit_key();
    let visitor = Acting::Visitor {
        address: address.as_deref(),
    };
    match accounts::login(&page.state.app, visitor, &f.username, &f.password, "cookie").await {
        Ok((_, token)) => Ok(signed_in(&page, &token, next)),
        Err(e) => page.reshow(e, "login.html", context! { next, username => f.username }),
    }
}

pub async fn register_form(page: Page, PageQuery(q): PageQuery<NextQuery>) -> PageResult {
    let next = safe_next(q.next.as_deref());
    page.render("register.html", context! { next })
}

pub async fn register(
    page: Page,
    client: ClientAddr,
    PageForm(f): PageForm<RegisterForm>,
) -> PageResult {
    let next = safe_next(Some(&f.next));
    let display = Some(f.display_name.as_str()).filter(|d| !d.trim().is_empty());
    let ctx = || {
        context! { next, username => f.username, display_name => f.display_name }
    };
    let address = client.limit_key();
    let visitor = Acting::Visitor {
        address: address.as_deref(),
    };
    let registration = Registration {
        username: &f.username,
        password: &f.password,
        display_name: display,
        admin: false,
    };
    if let Err(e) = accounts::register(&page.state.app, visitor, registration).await {
        return page.reshow(e, "register.html", ctx());
    }
    // A newcomer lands on the welcome page, unless they came for something.
    let next = if next == "/" { "/welcome" } else { next };
    // Signed in straight away: the account was just made with this password.
    match accounts::login(&page.state.app, visitor, &f.username, &f.password, "cookie").await {
        Ok((_, token)) => Ok(signed_in(&page, &token, next)),
        Err(e) => page.reshow(e, "login.html", ctx()),
    }
}

pub async fn logout(page: Page, PageForm(_): PageForm<NoFields>) -> PageResult {
    if let Some(token) = &page.session {
        accounts::logout(&page.state.app, token).await?;
    }
    let secure = page.state.settings.https;
    Ok(with_cookie(see_other("/"), session_cookie("", 0, secure)))
}

pub async fn profile(page: Page, PagePath(username): PagePath<String>) -> PageResult {
    let user = accounts::user(&page.state.app, &username).await?;
    let threads = page
        .state
        .store
        .threads_by_author(user.id, PROFILE_THREADS, page.viewer.as_ref().map(|u| u.id))
        .await?;
    let threads: Vec<ThreadView> = threads
        .iter()
        .map(|t| ThreadView::new(t, page.viewer.as_ref()))
        .collect();
    let is_me = page.viewer.as_ref().is_some_and(|v| v.id == user.id);
    let (_, reputation, ledger) =
        reputation::reputation(&page.state.app, &username, page.viewer.as_ref()).await?;
    let reputation = ReputationView::new(&user, reputation, ledger);
    let ledger: Option<Vec<LedgerLine>> = reputation
        .ledger
        .as_ref()
        .map(|entries| entries.iter().map(LedgerLine::new).collect());
    // Admins see the account's standing and may suspend it.
    let now = guildhall_db::now_ms();
    let standing = page
        .viewer
        .as_ref()
        .filter(|v| v.is_admin && !is_me)
        .map(|_| {
            context! {
                banned => user.banned_at.is_some(),
                suspended_until => user.suspended_at(now).map(|at| super::views::until(at, now)),
            }
        });
    page.render(
        "profile.html",
        context! { user => UserView::from(&user), threads, is_me, reputation, ledger, standing },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SettingsQuery {
    /// Which form was just saved.
    saved: Option<String>,
}

pub async fn settings_form(page: Page, PageQuery(q): PageQuery<SettingsQuery>) -> PageResult {
    let user = page.user("/settings")?;
    let preferences = super::notifications::preferences_view(&page).await?;
    page.render(
        "settings.html",
        context! {
            display_name => user.display_name.clone().unwrap_or_default(),
            bio => user.bio,
            avatar_url => user.avatar_url.clone().unwrap_or_default(),
            preferences,
            saved => q.saved,
        },
    )
}

pub async fn settings(page: Page, PageForm(f): PageForm<SettingsForm>) -> PageResult {
    let user = page.user("/settings")?;
    match accounts::update_profile(
        &page.state.app,
        Acting::Member(user),
        Some(&f.display_name),
        Some(&f.bio),
        Some(&f.avatar_url),
    )
    .await
    {
        Ok(u) => Ok(see_other(&format!("/u/{}", u.username))),
        Err(e) => {
            let preferences = super::notifications::preferences_view(&page).await?;
            page.reshow(
                e,
                "settings.html",
                context! {
                    display_name => f.display_name,
                    bio => f.bio,
                    avatar_url => f.avatar_url,
                    preferences,
                },
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_cookie_is_locked_down() {
        let c = session_cookie("tok", 3600, false);
        assert_eq!(
            c,
            "guildhall_session=tok; HttpOnly; SameSite=Lax; Path=/; Max-Age=3600"
        );
        assert!(session_cookie("tok", 3600, true).ends_with("; Secure"));
        assert!(session_cookie("", 0, false).contains("Max-Age=0"));
    }
}
