//! Accepted answers: the asker or a moderator of a questions group
//! accepts a reply as the answer, changes it, or takes it back.

use super::extract::{ApiJson, ApiPath};
use super::views::ThreadView;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use guildhall_app::{Acting, questions};
use guildhall_core::ids::{ReplyId, ThreadId};

pub use super::inputs::AnswerInput;

/// Accepts a reply as the question's answer, or moves the acceptance to
/// another reply. Accepting the current answer again changes nothing.
#[utoipa::path(put, path = "/api/v1/threads/{id}/answer", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AnswerInput,
    responses((status = 200, body = ThreadView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody, description = "neither the asker nor a moderator"),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the question was deleted"),
              (status = 422, body = ErrorBody, description = "not a question, or a reply from another thread")))]
pub async fn accept(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<AnswerInput>,
) -> AppResult<Json<ThreadView>> {
    let answer = Some(ReplyId(input.reply_id));
    let thread =
        questions::set_answer(&state.app, Acting::Member(&user), ThreadId(id), answer).await?;
    Ok(Json(ThreadView::new(thread, &state)))
}

/// Takes the acceptance back: the question has no accepted answer again.
#[utoipa::path(delete, path = "/api/v1/threads/{id}/answer", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ThreadView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody, description = "neither the asker nor a moderator"),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "the question was deleted"),
              (status = 422, body = ErrorBody, description = "not a question")))]
pub async fn withdraw(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<ThreadView>> {
    let thread =
        questions::set_answer(&state.app, Acting::Member(&user), ThreadId(id), None).await?;
    Ok(Json(ThreadView::new(thread, &state)))
}
