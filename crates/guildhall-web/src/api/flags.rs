//! Flags for moderators (TL1 and up) and hiding obvious spam (TL3 and up).

use super::extract::{ApiJson, ApiPath};
use super::views::{FlagInput, FlagList, FlagView};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use guildhall_app::{Acting, moderation};
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_core::reputation::ledger::Object;

fn created(new: bool) -> StatusCode {
    if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    }
}

/// Flags a thread for the group's moderators, with a reason (TL1 and up).
/// 201 when new, 200 when you had flagged it already.
#[utoipa::path(post, path = "/api/v1/threads/{id}/flag", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = FlagInput,
    responses((status = 201), (status = 200), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "the post is deleted"), (status = 422, body = ErrorBody)))]
pub async fn flag_thread(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<FlagInput>,
) -> AppResult<StatusCode> {
    let new = moderation::flag(
        &state.app,
        Acting::Member(&user),
        Object::Thread(ThreadId(id)),
        &input.reason,
    )
    .await?;
    Ok(created(new))
}

/// Flags a reply for the group's moderators, with a reason (TL1 and up).
#[utoipa::path(post, path = "/api/v1/replies/{id}/flag", tag = "replies", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = FlagInput,
    responses((status = 201), (status = 200), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "the post is deleted"), (status = 422, body = ErrorBody)))]
pub async fn flag_reply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<FlagInput>,
) -> AppResult<StatusCode> {
    let new = moderation::flag(
        &state.app,
        Acting::Member(&user),
        Object::Reply(ReplyId(id)),
        &input.reason,
    )
    .await?;
    Ok(created(new))
}

/// Hides an obviously spammy thread at once (TL3 and up): removed as a
/// moderator would, and the removal counts against its author.
#[utoipa::path(post, path = "/api/v1/threads/{id}/hide", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "the post is deleted")))]
pub async fn hide_thread(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    moderation::hide_spam(
        &state.app,
        Acting::Member(&user),
        Object::Thread(ThreadId(id)),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hides an obviously spammy reply at once (TL3 and up).
#[utoipa::path(post, path = "/api/v1/replies/{id}/hide", tag = "replies", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "the post is deleted")))]
pub async fn hide_reply(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    moderation::hide_spam(
        &state.app,
        Acting::Member(&user),
        Object::Reply(ReplyId(id)),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A group's flags, newest first (its moderators and admins).
#[utoipa::path(get, path = "/api/v1/groups/{name}/flags", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = FlagList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn group_flags(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
) -> AppResult<Json<FlagList>> {
    let flags = moderation::group_flags(&state.app, Acting::Member(&user), &name).await?;
    Ok(Json(FlagList {
        flags: flags.into_iter().map(FlagView::from).collect(),
    }))
}
