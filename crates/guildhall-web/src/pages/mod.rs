//! Server-rendered HTML pages, usable without JavaScript: plain links and
//! forms over the same [`crate::actions`] the JSON API calls.
//!
//! - [`layout`]: the `Page` extractor and the layer every page goes through
//!   (CSRF cookie, error pages, security headers);
//! - [`csrf`], [`redirect`], [`extract`], [`error`]: the pieces of that;
//! - [`accounts`], [`groups`], [`threads`], [`replies`]: the handlers;
//! - [`templates`], [`views`], [`assets`]: what gets drawn and how.

mod accounts;
mod admin;
mod assets;
pub mod csrf;
pub mod error;
pub mod extract;
mod feed;
mod flags;
mod groups;
mod ideas;
mod invitations;
pub mod layout;
mod moderation;
mod notifications;
mod questions;
pub mod redirect;
mod replies;
pub mod reviews;
mod templates;
mod threads;
pub mod views;

pub use error::PageError;
pub use templates::Templates;

use crate::AppState;
use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

/// Every page route, wrapped in [`layout::layer`], and the static assets.
pub fn router(state: AppState) -> Router<AppState> {
    let pages = Router::new()
        .route("/", get(groups::home))
        .route("/welcome", get(groups::welcome))
        .route("/login", get(accounts::login_form).post(accounts::login))
        .route(
            "/register",
            get(accounts::register_form).post(accounts::register),
        )
        .route("/logout", post(accounts::logout))
        .route(
            "/settings",
            get(accounts::settings_form).post(accounts::settings),
        )
        .route("/u/{username}", get(accounts::profile))
        .route(
            "/admin/federation",
            get(admin::federation).post(admin::set_policy),
        )
        .route("/groups/new", get(groups::new_form).post(groups::create))
        .route("/groups/find", post(feed::find_group))
        .route("/feed", get(feed::feed))
        .route("/g/{name}", get(groups::show))
        .route("/g/{name}/edit", get(groups::edit_form).post(groups::edit))
        .route("/g/{name}/join", post(groups::join))
        .route("/g/{name}/leave", post(groups::leave))
        .route(
            "/g/{name}/new",
            get(threads::new_form).post(threads::create),
        )
        .route("/t/{id}", get(threads::show))
        .route("/t/{id}/vote", post(threads::vote))
        .route("/t/{id}/answer", post(questions::accept))
        .route("/t/{id}/status", post(ideas::set_status))
        .route("/t/{id}/merge", post(ideas::merge))
        .route("/g/{name}/board", get(ideas::board))
        .route("/g/{name}/products", post(reviews::create))
        .route("/p/{id}", get(reviews::show))
        .route("/p/{id}/review", post(reviews::review))
        .route("/t/{id}/answer/withdraw", post(questions::withdraw))
        .route("/t/{id}/edit", get(threads::edit_form).post(threads::edit))
        .route("/t/{id}/delete", post(threads::delete))
        .route("/t/{id}/flag", post(flags::flag_thread))
        .route("/r/{id}/flag", post(flags::flag_reply))
        .route("/t/{id}/hide", post(flags::hide_thread))
        .route("/r/{id}/hide", post(flags::hide_reply))
        .route("/g/{name}/flags", get(flags::list))
        .route("/g/{name}/flags/{id}/resolve", post(flags::resolve))
        .route("/t/{id}/lock", post(moderation::lock))
        .route("/t/{id}/unlock", post(moderation::unlock))
        .route("/t/{id}/pin", post(moderation::pin))
        .route("/t/{id}/unpin", post(moderation::unpin))
        .route("/t/{id}/remove", post(moderation::remove_thread))
        .route("/t/{id}/restore", post(moderation::restore_thread))
        .route("/r/{id}/remove", post(moderation::remove_reply))
        .route("/r/{id}/restore", post(moderation::restore_reply))
        .route("/g/{name}/modlog", get(moderation::group_log))
        .route(
            "/g/{name}/bans",
            get(moderation::bans).post(moderation::ban),
        )
        .route("/g/{name}/bans/{username}/lift", post(moderation::lift_ban))
        .route("/admin/modlog", get(moderation::instance_log))
        .route(
            "/g/{name}/invitations",
            get(invitations::show).post(invitations::invite),
        )
        .route("/g/{name}/invitations/link", post(invitations::make_link))
        .route(
            "/g/{name}/invitations/{id}/revoke",
            post(invitations::revoke),
        )
        .route(
            "/invite/{token}",
            get(invitations::link).post(invitations::accept),
        )
        .route("/g/{name}/requests", get(moderation::requests))
        .route(
            "/g/{name}/requests/{username}/approve",
            post(moderation::approve),
        )
        .route(
            "/g/{name}/requests/{username}/refuse",
            post(moderation::refuse),
        )
        .route("/u/{username}/suspend", post(moderation::suspend))
        .route("/u/{username}/unsuspend", post(moderation::unsuspend))
        .route("/notifications", get(notifications::list))
        .route("/notifications/read", post(notifications::read_all))
        .route("/notifications/{id}/read", post(notifications::read_one))
        .route("/t/{id}/watch", post(notifications::watch_thread))
        .route("/g/{name}/watch", post(notifications::watch_group))
        .route(
            "/settings/notifications",
            post(notifications::set_preferences),
        )
        .route("/t/{id}/reply", post(replies::create))
        .route("/r/{id}/vote", post(replies::vote))
        .route("/r/{id}/edit", get(replies::edit_form).post(replies::edit))
        .route("/r/{id}/delete", post(replies::delete))
        .fallback(not_found)
        .layer(from_fn_with_state(state, layout::layer));
    Router::new().merge(assets::router()).merge(pages)
}

/// Any other URL: a 404 page in the site's layout (the API has its own JSON 404).
async fn not_found() -> PageError {
    PageError::App(crate::error::AppError::not_found("page"))
}
