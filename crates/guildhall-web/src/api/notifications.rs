//! A member's notifications: the list, the unread count, marking read;
//! watching and muting threads and groups; the delivery of each kind.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::views::time;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use guildhall_app::{Acting, notifications};
use guildhall_core::ids::ThreadId;
use guildhall_core::notifications::{Delivery, Kind, Watch};
use guildhall_db::Notification;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i64,
    /// `reply`, `mention`, `question_answered`, `answer_accepted`,
    /// `idea_status`, `moderation`, `invitation`, `join_request`, `badge`, `watched`
    /// (a new reply in a thread you watch) or `group_thread` (a new thread
    /// in a group you watch).
    pub kind: String,
    /// Who did it (`name`, or `name@host` from elsewhere).
    pub actor: Option<String>,
    pub group: Option<String>,
    pub thread_id: Option<i64>,
    pub thread_title: Option<String>,
    pub reply_id: Option<i64>,
    /// What else it says: `thread` for a reply to the thread itself, the
    /// idea's new stage, the moderator's action and reason ("removed your
    /// post: Off topic"), `approved` or `refused`, the badge.
    pub detail: Option<String>,
    pub created_at: String,
    pub read: bool,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        NotificationView {
            id: n.id,
            kind: n.kind,
            actor: n.actor,
            group: n.group_name,
            thread_id: n.thread_id.map(|t| t.get()),
            thread_title: n.thread_title,
            reply_id: n.reply_id.map(|r| r.get()),
            detail: n.detail,
            created_at: time(n.created_at),
            read: n.read_at.is_some(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub notifications: Vec<NotificationView>,
    pub unread: i64,
    /// The `before` of the next page; null on the last.
    pub next: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Notifications before this id (the `next` of the previous page).
    pub before: Option<i64>,
    /// How many (1 to 100; 30 when absent).
    pub limit: Option<i64>,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", security(("bearer" = [])),
    params(ListQuery),
    responses((status = 200, body = NotificationList), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> AppResult<Json<NotificationList>> {
    let acting = Acting::Member(&user);
    let (page, next) = notifications::list(&state.app, acting, query.before, query.limit).await?;
    Ok(Json(NotificationList {
        unread: notifications::unread(&state.app, acting).await?,
        notifications: page.into_iter().map(NotificationView::from).collect(),
        next,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

/// How many of the caller's notifications are unread (the bell).
#[utoipa::path(get, path = "/api/v1/notifications/unread", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount), (status = 401, body = ErrorBody)))]
pub async fn unread(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<UnreadCount>> {
    let unread = notifications::unread(&state.app, Acting::Member(&user)).await?;
    Ok(Json(UnreadCount { unread }))
}

/// Marks one of the caller's notifications read (404 for anyone else's).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read_one(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    notifications::mark_read(&state.app, Acting::Member(&user), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReadAllInput {
    /// Only those about this thread; absent: all.
    #[serde(default)]
    pub thread_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct MarkedRead {
    /// How many were unread.
    pub marked: u64,
}

/// Marks all the caller's notifications read, or those of one thread.
#[utoipa::path(post, path = "/api/v1/notifications/read", tag = "notifications", security(("bearer" = [])),
    request_body = ReadAllInput,
    responses((status = 200, body = MarkedRead), (status = 401, body = ErrorBody)))]
pub async fn read_all(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<ReadAllInput>,
) -> AppResult<Json<MarkedRead>> {
    let thread = input.thread_id.map(ThreadId);
    let marked = notifications::mark_all_read(&state.app, Acting::Member(&user), thread).await?;
    Ok(Json(MarkedRead { marked }))
}

/// Each kind's delivery: `in_app` or `off` (this instance sends no email).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct Preferences {
    #[schema(value_type = BTreeMap<String, String>)]
    pub deliveries: BTreeMap<String, String>,
}

fn preferences_view(prefs: Vec<(Kind, Delivery)>) -> Preferences {
    Preferences {
        deliveries: prefs
            .into_iter()
            .map(|(k, d)| (k.as_str().to_owned(), d.as_str().to_owned()))
            .collect(),
    }
}

/// The caller's delivery for every kind of notification.
#[utoipa::path(get, path = "/api/v1/notifications/preferences", tag = "notifications", security(("bearer" = [])),
    responses((status = 200, body = Preferences), (status = 401, body = ErrorBody)))]
pub async fn preferences(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Preferences>> {
    let prefs = notifications::preferences(&state.app, Acting::Member(&user)).await?;
    Ok(Json(preferences_view(prefs)))
}

/// Changes the caller's delivery for the kinds named; an unknown kind or
/// delivery is 422 and changes nothing.
#[utoipa::path(put, path = "/api/v1/notifications/preferences", tag = "notifications", security(("bearer" = [])),
    request_body = Preferences,
    responses((status = 200, body = Preferences), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_preferences(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<Preferences>,
) -> AppResult<Json<Preferences>> {
    let changes: Vec<(String, String)> = input.deliveries.into_iter().collect();
    let prefs = notifications::set_preferences(&state.app, Acting::Member(&user), &changes).await?;
    Ok(Json(preferences_view(prefs)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchInput {
    /// `watch` (hear of everything new) or `mute` (hear of nothing).
    pub level: String,
}

fn level(input: &WatchInput) -> Result<Watch, guildhall_app::Error> {
    Ok(input.level.parse()?)
}

/// Watches or mutes a thread.
#[utoipa::path(put, path = "/api/v1/threads/{id}/watch", tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = WatchInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn watch_thread(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<WatchInput>,
) -> AppResult<StatusCode> {
    let level = level(&input)?;
    let acting = Acting::Member(&user);
    notifications::watch_thread(&state.app, acting, ThreadId(id), Some(level)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Goes back to the default for a thread (its author watches it).
#[utoipa::path(delete, path = "/api/v1/threads/{id}/watch", tag = "notifications", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unwatch_thread(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    let acting = Acting::Member(&user);
    notifications::watch_thread(&state.app, acting, ThreadId(id), None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Watches or mutes a group.
#[utoipa::path(put, path = "/api/v1/groups/{name}/watch", tag = "notifications", security(("bearer" = [])),
    params(("name" = String, Path)), request_body = WatchInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn watch_group(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
    ApiJson(input): ApiJson<WatchInput>,
) -> AppResult<StatusCode> {
    let level = level(&input)?;
    notifications::watch_group(&state.app, Acting::Member(&user), &name, Some(level)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stops watching or muting a group.
#[utoipa::path(delete, path = "/api/v1/groups/{name}/watch", tag = "notifications", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unwatch_group(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
) -> AppResult<StatusCode> {
    notifications::watch_group(&state.app, Acting::Member(&user), &name, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
