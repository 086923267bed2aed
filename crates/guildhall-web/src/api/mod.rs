//! The JSON API under `/api/v1`. Routes are registered through utoipa-axum,
//! so `/api/v1/openapi.json` is built from the very routes being served.

mod accounts;
mod admin;
mod doc;
pub mod extract;
pub(crate) mod flags;
mod groups;
mod ideas;
mod inputs;
mod invitations;
mod moderation;
mod notifications;
mod onboarding;
mod questions;
mod replies;
mod reputation;
mod reviews;
mod threads;
pub mod views;

use crate::AppState;
use crate::error::{AppError, ErrorBody};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Guildhall API", description = "Groups, threads, replies and votes of one Guildhall instance."),
    components(schemas(ErrorBody)),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Registration, login, profiles"),
        (name = "groups", description = "Groups, membership, moderators"),
        (name = "threads", description = "Threads and their votes"),
        (name = "replies", description = "Nested replies and their votes"),
        (name = "reviews", description = "Products of reviews groups and their reviews"),
        (name = "notifications", description = "A member's notifications; watching and muting threads and groups"),
        (name = "reputation", description = "Members' points, ranks, trust levels, badges; leaderboards"),
        (name = "admin", description = "Instance administration: federation policy and delivery health"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The API routes and the OpenAPI document describing them.
pub fn routes() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(accounts::instance))
        .routes(routes!(accounts::register))
        .routes(routes!(accounts::login))
        .routes(routes!(accounts::logout))
        .routes(routes!(accounts::me, accounts::update_me))
        .routes(routes!(accounts::user))
        .routes(routes!(groups::list, groups::create))
        .routes(routes!(groups::get, groups::update))
        .routes(routes!(groups::lookup))
        .routes(routes!(groups::join))
        .routes(routes!(groups::leave))
        .routes(routes!(groups::requests))
        .routes(routes!(groups::decide))
        .routes(routes!(groups::add_moderator))
        .routes(routes!(groups::remove_moderator))
        .routes(routes!(threads::list, threads::create))
        .routes(routes!(threads::feed))
        .routes(routes!(threads::get, threads::edit, threads::delete))
        .routes(routes!(threads::vote, threads::unvote))
        .routes(routes!(questions::accept, questions::withdraw))
        .routes(routes!(ideas::set_status, ideas::history))
        .routes(routes!(ideas::merge))
        .routes(routes!(reviews::list, reviews::create))
        .routes(routes!(reviews::get, reviews::update))
        .routes(routes!(reviews::reviews_of, reviews::review))
        .routes(routes!(replies::list, replies::create))
        .routes(routes!(replies::get, replies::edit, replies::delete))
        .routes(routes!(replies::vote, replies::unvote))
        .routes(routes!(flags::flag_thread))
        .routes(routes!(flags::flag_reply))
        .routes(routes!(flags::hide_thread))
        .routes(routes!(flags::hide_reply))
        .routes(routes!(flags::group_flags))
        .routes(routes!(flags::resolve))
        .routes(routes!(reputation::member))
        .routes(routes!(reputation::instance))
        .routes(routes!(reputation::group))
        .routes(routes!(reputation::adjust))
        .routes(routes!(reputation::grant_badge))
        .routes(routes!(reputation::set_leader))
        .routes(routes!(moderation::ban))
        .routes(routes!(moderation::suspend, moderation::unsuspend))
        .routes(routes!(moderation::instance_log))
        .routes(routes!(moderation::remove_thread))
        .routes(routes!(moderation::restore_thread))
        .routes(routes!(moderation::remove_reply))
        .routes(routes!(moderation::restore_reply))
        .routes(routes!(moderation::lock, moderation::unlock))
        .routes(routes!(moderation::pin, moderation::unpin))
        .routes(routes!(moderation::bans))
        .routes(routes!(moderation::ban_member, moderation::unban_member))
        .routes(routes!(moderation::group_log))
        .routes(routes!(invitations::invite, invitations::invitations_of))
        .routes(routes!(invitations::revoke_invitation))
        .routes(routes!(invitations::accept_invitation))
        .routes(routes!(onboarding::checklist))
        .routes(routes!(notifications::list))
        .routes(routes!(notifications::unread))
        .routes(routes!(notifications::read_one))
        .routes(routes!(notifications::read_all))
        .routes(routes!(
            notifications::preferences,
            notifications::set_preferences
        ))
        .routes(routes!(
            notifications::watch_thread,
            notifications::unwatch_thread
        ))
        .routes(routes!(
            notifications::watch_group,
            notifications::unwatch_group
        ))
        .routes(routes!(admin::instances))
        .routes(routes!(admin::set_policy))
        .routes(routes!(admin::partners))
        .routes(routes!(admin::set_partner, admin::remove_partner))
        .routes(routes!(
            admin::withdraw_attestation,
            admin::restore_attestation
        ))
        .split_for_parts()
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().1
}

pub fn router() -> Router<AppState> {
    let (router, doc) = routes();
    // Served finished with the statuses every operation can answer and the
    // bounds of this instance's configuration (see `doc`); built on the
    // first request, from the settings the server runs with.
    let served = std::sync::Arc::new(std::sync::OnceLock::new());
    router
        .route(
            "/api/v1/openapi.json",
            get(move |State(state): State<AppState>| {
                let json = served
                    .get_or_init(|| doc::document(&doc, &state.settings, &state.app.settings))
                    .clone();
                async move { axum::Json(json) }
            }),
        )
        .route("/api/v1/{*rest}", axum::routing::any(unknown_endpoint))
}

async fn unknown_endpoint() -> AppError {
    AppError::not_found("API endpoint (see /api/v1/openapi.json)")
}
