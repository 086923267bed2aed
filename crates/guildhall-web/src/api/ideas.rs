//! Ideas: a group's moderators move an idea through the instance's
//! stages with an official response, merge a duplicate, and anyone reads
//! an idea's history.

use super::extract::{ApiJson, ApiPath};
use super::views::{StatusHistory, ThreadView};
use crate::AppState;
use crate::auth::{ApiUser, MaybeApiUser};
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use guildhall_app::{Acting, ideas};
use guildhall_core::ids::ThreadId;

pub use super::inputs::{MergeInput, StatusInput};

/// Moves an idea to a stage, with an official response (shown highlighted
/// on the idea and kept in its history). Naming the current stage with a
/// response adds the response alone.
#[utoipa::path(put, path = "/api/v1/threads/{id}/status", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = StatusInput,
    responses((status = 200, body = ThreadView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody, description = "not a moderator of the group"),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the idea was deleted"),
              (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "not an idea, or a status not among the stages")))]
pub async fn set_status(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<StatusInput>,
) -> AppResult<Json<ThreadView>> {
    let acting = Acting::Member(&user);
    let thread = ideas::set_status(
        &state.app,
        acting,
        ThreadId(id),
        &input.status,
        &input.response,
    )
    .await?;
    Ok(Json(ThreadView::new(thread, &state)))
}

/// Merges a duplicate into the idea it repeats: it moves to the
/// `duplicate` stage linking there, and its votes move there (one per
/// member).
#[utoipa::path(post, path = "/api/v1/threads/{id}/merge", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = MergeInput,
    responses((status = 200, body = ThreadView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody, description = "not a moderator of the group"),
              (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "already merged, or deleted"),
              (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "into itself, or into no idea of this group")))]
pub async fn merge(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<MergeInput>,
) -> AppResult<Json<ThreadView>> {
    let acting = Acting::Member(&user);
    let into = ThreadId(input.into);
    let thread = ideas::merge(&state.app, acting, ThreadId(id), into, &input.response).await?;
    Ok(Json(ThreadView::new(thread, &state)))
}

/// An idea's status changes, oldest first: who, when, from, to, and the
/// official response.
#[utoipa::path(get, path = "/api/v1/threads/{id}/status", tag = "threads", security((), ("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = StatusHistory), (status = 401, body = ErrorBody, description = "an unknown or expired token"),
              (status = 403, body = ErrorBody, description = "a private group's, for its members"), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<StatusHistory>> {
    let changes = ideas::history(&state.app, ThreadId(id), viewer.as_ref()).await?;
    Ok(Json(StatusHistory {
        changes: changes.into_iter().map(Into::into).collect(),
    }))
}
