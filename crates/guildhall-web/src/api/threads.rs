use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::views::*;
use crate::AppState;
use crate::auth::{ApiUser, MaybeApiUser};
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use guildhall_app::{Acting, groups, threads, votes};
use guildhall_core::ids::ThreadId;
use guildhall_db::{ThreadScope, User, VoteTarget};

/// A group's threads, one page at a time.
#[utoipa::path(get, path = "/api/v1/groups/{name}/threads", tag = "threads", security((), ("bearer" = [])), params(("name" = String, Path), ListQuery),
    responses((status = 200, body = ThreadList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiPath(name): ApiPath<String>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<ThreadList>> {
    let group = groups::group(&state.app, &name).await?;
    listing(&state, ThreadScope::Group(group.id), q, viewer.as_ref()).await
}

/// The caller's subscribed feed: threads of every group they joined here or
/// follow on another instance.
#[utoipa::path(get, path = "/api/v1/feed", tag = "threads", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = ThreadList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn feed(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> AppResult<Json<ThreadList>> {
    listing(&state, ThreadScope::Subscribed(user.id), q, Some(&user)).await
}

async fn listing(
    state: &AppState,
    scope: ThreadScope,
    q: ListQuery,
    viewer: Option<&User>,
) -> AppResult<Json<ThreadList>> {
    let listing = threads::Listing {
        sort: q.sort.as_deref(),
        window: q.t.as_deref(),
        state: q.state.as_deref(),
        status: q.status.as_deref(),
        cursor: q.cursor.as_deref(),
        limit: q.limit,
    };
    let (sort, page) = threads::list(&state.app, scope, listing, viewer).await?;
    Ok(Json(ThreadList {
        sort: sort.as_str().into(),
        threads: page
            .items
            .into_iter()
            .map(|t| ThreadView::new(t, state))
            .collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

/// Starts a thread in a group.
#[utoipa::path(post, path = "/api/v1/groups/{name}/threads", tag = "threads", security(("bearer" = [])),
    params(("name" = String, Path)), request_body = ThreadCreate,
    responses((status = 201, body = ThreadView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
    ApiJson(input): ApiJson<ThreadCreate>,
) -> AppResult<(StatusCode, Json<ThreadView>)> {
    let thread = threads::create(
        &state.app,
        Acting::Member(&user),
        &name,
        &input.title,
        &input.body,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ThreadView::new(thread, &state))))
}

#[utoipa::path(get, path = "/api/v1/threads/{id}", tag = "threads", security((), ("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ThreadView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<ThreadView>> {
    Ok(Json(ThreadView::new(
        threads::thread(&state.app, ThreadId(id), viewer.as_ref()).await?,
        &state,
    )))
}

/// Edits one's own thread; absent fields stay as they are.
#[utoipa::path(patch, path = "/api/v1/threads/{id}", tag = "threads", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ThreadPatch,
    responses((status = 200, body = ThreadView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ThreadPatch>,
) -> AppResult<Json<ThreadView>> {
    let acting = Acting::Member(&user);
    let (title, body) = (input.title.as_deref(), input.body.as_deref());
    let thread = match &input.rating {
        Some(rating) => {
            let edit = guildhall_app::reviews::ReviewEdit {
                title,
                body,
                rating,
            };
            guildhall_app::reviews::edit(&state.app, acting, ThreadId(id), edit).await?
        }
        None => threads::edit(&state.app, acting, ThreadId(id), title, body).await?,
    };
    Ok(Json(ThreadView::new(thread, &state)))
}

/// Deletes a thread, leaving a tombstone so its replies survive.
#[utoipa::path(delete, path = "/api/v1/threads/{id}", tag = "threads", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    threads::delete(&state.app, Acting::Member(&user), ThreadId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Votes +1 or -1 on a thread (or changes one's vote).
#[utoipa::path(put, path = "/api/v1/threads/{id}/vote", tag = "threads", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = VoteInput,
    responses((status = 200, body = TalliesView), (status = 403, body = ErrorBody, description = "own post"),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "same vote again")))]
pub async fn vote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<VoteInput>,
) -> AppResult<Json<TalliesView>> {
    tally(
        &state,
        &user,
        VoteTarget::Thread(ThreadId(id)),
        Some(input.value),
    )
    .await
}

/// Removes one's vote from a thread.
#[utoipa::path(delete, path = "/api/v1/threads/{id}/vote", tag = "threads", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = TalliesView), (status = 403, body = ErrorBody, description = "own post"),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn unvote(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<Json<TalliesView>> {
    tally(&state, &user, VoteTarget::Thread(ThreadId(id)), None).await
}

/// Sets or removes a vote and answers with the new tallies: the four vote
/// endpoints differ only in their target and documentation.
pub(super) async fn tally(
    state: &AppState,
    user: &User,
    target: VoteTarget,
    value: Option<i64>,
) -> AppResult<Json<TalliesView>> {
    let tallies = votes::vote(&state.app, Acting::Member(user), target, value).await?;
    Ok(Json(tallies.into()))
}
