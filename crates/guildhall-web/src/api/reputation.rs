//! Reputation: a member's points, rank, trust level, badges and ledger;
//! leaderboards; and the admin's reputation actions.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::views::{
    AdjustInput, BadgeInput, LeaderInput, LeaderboardQuery, LeaderboardView, ReputationView,
};
use crate::AppState;
use crate::auth::{ApiUser, MaybeApiUser};
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use guildhall_app::{Acting, accounts, reputation};

/// A member's reputation: total and per-group points, rank, trust level,
/// badges with dates; the recent ledger when you are that member or an admin.
#[utoipa::path(get, path = "/api/v1/users/{username}/reputation", tag = "reputation",
    security((), ("bearer" = [])), params(("username" = String, Path)),
    responses((status = 200, body = ReputationView), (status = 404, body = ErrorBody)))]
pub async fn member(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiPath(username): ApiPath<String>,
) -> AppResult<Json<ReputationView>> {
    let (user, reputation, ledger) =
        reputation::reputation(&state.app, &username, viewer.as_ref()).await?;
    Ok(Json(ReputationView::new(&user, reputation, ledger)))
}

/// The instance leaderboard: members by points over all time, the last
/// 30 days (`month`) or the last 7 (`week`).
#[utoipa::path(get, path = "/api/v1/leaderboard", tag = "reputation", params(LeaderboardQuery),
    responses((status = 200, body = LeaderboardView), (status = 422, body = ErrorBody)))]
pub async fn instance(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<LeaderboardQuery>,
) -> AppResult<Json<LeaderboardView>> {
    let period = q.period.as_deref().unwrap_or("all");
    let (period, standings) =
        reputation::leaderboard(&state.app, (None, None), period, q.limit.unwrap_or(10)).await?;
    Ok(Json(LeaderboardView::new(
        &state.store,
        None,
        period,
        standings,
    )))
}

/// One group's leaderboard: points earned in that group.
#[utoipa::path(get, path = "/api/v1/groups/{name}/leaderboard", tag = "reputation",
    params(("name" = String, Path), LeaderboardQuery), security((), ("bearer" = [])),
    responses((status = 200, body = LeaderboardView), (status = 401, body = ErrorBody, description = "an unknown or expired token"), (status = 403, body = ErrorBody, description = "a private group's, for its members"),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn group(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<LeaderboardQuery>,
) -> AppResult<Json<LeaderboardView>> {
    let period = q.period.as_deref().unwrap_or("all");
    let (period, standings) = reputation::leaderboard(
        &state.app,
        (Some(&name), viewer.as_ref()),
        period,
        q.limit.unwrap_or(10),
    )
    .await?;
    Ok(Json(LeaderboardView::new(
        &state.store,
        Some(name),
        period,
        standings,
    )))
}

/// Adds or takes points by hand, with a reason kept in the ledger (admins).
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/reputation", tag = "admin",
    security(("bearer" = [])), params(("username" = String, Path)), request_body = AdjustInput,
    responses((status = 200, body = ReputationView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn adjust(
    State(state): State<AppState>,
    ApiUser(admin): ApiUser,
    ApiPath(username): ApiPath<String>,
    ApiJson(input): ApiJson<AdjustInput>,
) -> AppResult<Json<ReputationView>> {
    let reputation = reputation::adjust(
        &state.app,
        Acting::Member(&admin),
        &username,
        input.points,
        &input.reason,
    )
    .await?;
    let user = accounts::user(&state.app, &username).await?;
    Ok(Json(ReputationView::new(&user, reputation, None)))
}

/// Grants a badge that is given rather than earned (`recognized`)
/// (moderators of any group, and admins).
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/badges", tag = "admin",
    security(("bearer" = [])), params(("username" = String, Path)), request_body = BadgeInput,
    responses((status = 200, body = ReputationView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn grant_badge(
    State(state): State<AppState>,
    ApiUser(admin): ApiUser,
    ApiPath(username): ApiPath<String>,
    ApiJson(input): ApiJson<BadgeInput>,
) -> AppResult<Json<ReputationView>> {
    let reputation =
        reputation::grant_badge(&state.app, Acting::Member(&admin), &username, &input.badge)
            .await?;
    let user = accounts::user(&state.app, &username).await?;
    Ok(Json(ReputationView::new(&user, reputation, None)))
}

/// Grants or withdraws trust level 4 (admins).
#[utoipa::path(put, path = "/api/v1/admin/users/{username}/leader", tag = "admin",
    security(("bearer" = [])), params(("username" = String, Path)), request_body = LeaderInput,
    responses((status = 200, body = ReputationView), (status = 403, body = ErrorBody)))]
pub async fn set_leader(
    State(state): State<AppState>,
    ApiUser(admin): ApiUser,
    ApiPath(username): ApiPath<String>,
    ApiJson(input): ApiJson<LeaderInput>,
) -> AppResult<Json<ReputationView>> {
    let reputation =
        reputation::set_leader(&state.app, Acting::Member(&admin), &username, input.leader).await?;
    let user = accounts::user(&state.app, &username).await?;
    Ok(Json(ReputationView::new(&user, reputation, None)))
}
