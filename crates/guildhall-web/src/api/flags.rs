//! Flags for moderators (TL1 and up) and hiding obvious spam (TL3 and up).

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::views::{FlagInput, FlagList, FlagView};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use guildhall_app::{Acting, moderation};
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_core::reputation::ledger::Object;
use guildhall_db::Resolution;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

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

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FlagQuery {
    /// `open` (the default: waiting for a moderator) or `closed` (dealt with).
    pub state: Option<String>,
}

/// A group's reports, newest first (its moderators and admins): each with
/// the post, its reporter and reason, and how many others reported it.
#[utoipa::path(get, path = "/api/v1/groups/{name}/flags", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path), FlagQuery),
    responses((status = 200, body = FlagList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn group_flags(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<FlagQuery>,
) -> AppResult<Json<FlagList>> {
    let open = match query.state.as_deref() {
        None | Some("open") => true,
        Some("closed") => false,
        Some(other) => {
            return Err(AppError::Invalid(format!(
                "invalid state: {other:?} is not open or closed"
            )));
        }
    };
    let flags = moderation::group_flags(&state.app, Acting::Member(&user), &name, open).await?;
    Ok(Json(FlagList {
        flags: flags.into_iter().map(FlagView::from).collect(),
    }))
}

/// What a moderator made of a report.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveInput {
    /// `resolved` (acted on: say how in `note`) or `dismissed`.
    pub outcome: String,
    #[serde(default)]
    pub note: String,
    /// Also report the post to the server it lives on (only for a post
    /// from another server).
    #[serde(default)]
    pub forward: bool,
}

/// Resolves or dismisses an open report, logged; optionally reports the
/// post to its home server as a `Flag`.
#[utoipa::path(post, path = "/api/v1/groups/{name}/flags/{id}/resolve", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path), ("id" = i64, Path)), request_body = ResolveInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "the report was already dealt with"), (status = 422, body = ErrorBody)))]
pub async fn resolve(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((name, id)): ApiPath<(String, i64)>,
    ApiJson(input): ApiJson<ResolveInput>,
) -> AppResult<StatusCode> {
    let outcome = outcome(&input.outcome)?;
    let acting = Acting::Member(&user);
    let decided = (outcome, input.note.as_str());
    moderation::resolve_flag(&state.app, acting, &name, id, decided, input.forward).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `resolved` or `dismissed`, or 422.
pub fn outcome(text: &str) -> Result<Resolution, AppError> {
    match text {
        "resolved" => Ok(Resolution::Resolved),
        "dismissed" => Ok(Resolution::Dismissed),
        other => Err(AppError::Invalid(format!(
            "invalid outcome: {other:?} is not resolved or dismissed"
        ))),
    }
}
