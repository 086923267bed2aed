use super::extract::{ApiJson, ApiPath};
use super::views::*;
use crate::AppState;
use crate::auth::{ApiUser, MaybeApiUser};
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use guildhall_app::{Acting, replies, threads};
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_db::VoteTarget;

/// A thread's replies in reading order, with depth and parent.
#[utoipa::path(get, path = "/api/v1/threads/{id}/replies", tag = "replies", security((), ("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ReplyList), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<ReplyList>> {
    // The thread must exist and be readable by the caller (a private
    // group's by its members).
    threads::open(&state.app, ThreadId(id), viewer.as_ref()).await?;
    let replies = replies::replies(&state.app, ThreadId(id), viewer.as_ref()).await?;
    Ok(Json(ReplyList {
        replies: replies
            .into_iter()
            .map(|(r, d)| ReplyView::new(r, d))
            .collect(),
    }))
}

/// Replies to a thread, or to one of its replies with `parent_id`.
#[utoipa::path(post, path = "/api/v1/threads/{id}/replies", tag = "replies", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ReplyCreate,
    responses((status = 201, body = ReplyView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReplyCreate>,
) -> AppResult<(StatusCode, Json<ReplyView>)> {
    let reply = replies::create(
        &state.app,
        Acting::Member(&user),
        ThreadId(id),
        input.parent_id.map(ReplyId),
        &input.body,
    )
    .await?;
    let depth = replies::depth(&state.app, &reply).await?;
    Ok((StatusCode::CREATED, Json(ReplyView::new(reply, depth))))
}

#[utoipa::path(get, path = "/api/v1/replies/{id}", tag = "replies", security((), ("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ReplyView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<ReplyView>> {
    let reply = replies::reply(&state.app, ReplyId(id), viewer.as_ref()).await?;
    let depth = replies::depth(&state.app, &reply).await?;
    Ok(Json(ReplyView::new(reply, depth)))
}

/// Edits one's own reply.
#[utoipa::path(patch, path = "/api/v1/replies/{id}", tag = "replies", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ReplyPatch,
    responses((status = 200, body = ReplyView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReplyPatch>,
) -> AppResult<Json<ReplyView>> {
    let reply = replies::edit(&state.app, Acting::Member(&user), ReplyId(id), &input.body).await?;
    let depth = replies::depth(&state.app, &reply).await?;
    Ok(Json(ReplyView::new(reply, depth)))
}

/// Deletes a reply, leaving a tombstone so the replies under it survive.
#[utoipa::path(delete, path = "/api/v1/replies/{id}", tag = "replies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    replies::delete(&state.app, Acting::Member(&user), ReplyId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Votes +1 or -1 on a reply (or changes one's vote).
#[utoipa::path(put, path = "/api/v1/replies/{id}/vote", tag = "replies", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = VoteInput,
    responses((status = 200, body = TalliesView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn vote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<VoteInput>,
) -> AppResult<Json<TalliesView>> {
    super::threads::tally(
        &state,
        &user,
        VoteTarget::Reply(ReplyId(id)),
        Some(input.value),
    )
    .await
}

/// Removes one's vote from a reply.
#[utoipa::path(delete, path = "/api/v1/replies/{id}/vote", tag = "replies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TalliesView), (status = 403, body = ErrorBody, description = "own post"),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn unvote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<TalliesView>> {
    super::threads::tally(&state, &user, VoteTarget::Reply(ReplyId(id)), None).await
}
