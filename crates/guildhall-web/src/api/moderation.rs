//! Moderators' actions and the mod log: removing and restoring posts,
//! locking and pinning threads, bans from a group, suspensions, and the
//! logs of a group and of the instance.

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::views::time;
use crate::AppState;
use crate::auth::{ApiUser, MaybeApiUser};
use crate::error::{AppError, AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use guildhall_app::moderation::{self, BanTerms, Log};
use guildhall_app::{Acting, Error};
use guildhall_core::ids::{ReplyId, ThreadId};
use guildhall_core::reputation::ledger::Object;
use guildhall_db::{GroupBan, LogRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Why a moderator acts; optional, at most 500 characters.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ReasonInput {
    #[serde(default)]
    pub reason: String,
}

/// A ban from a group.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBanInput {
    #[serde(default)]
    pub reason: String,
    /// When the ban ends (RFC 3339, in the future); absent or null: never.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Also remove the member's posts in the group.
    #[serde(default)]
    pub remove_content: bool,
}

/// A suspension from the instance.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspensionInput {
    /// When it ends (RFC 3339, in the future, at most ten years ahead).
    pub until: String,
    #[serde(default)]
    pub reason: String,
}

/// An instance ban, and why.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BanInput {
    pub banned: bool,
    #[serde(default)]
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct GroupBanView {
    pub username: String,
    pub banned_by: String,
    pub reason: String,
    /// Null: permanent.
    pub expires_at: Option<String>,
    pub created_at: String,
}

impl From<GroupBan> for GroupBanView {
    fn from(b: GroupBan) -> Self {
        GroupBanView {
            username: b.username,
            banned_by: b.banned_by,
            reason: b.reason,
            expires_at: b.expires_at.map(time),
            created_at: time(b.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct GroupBanList {
    pub bans: Vec<GroupBanView>,
}

#[derive(Serialize, ToSchema)]
pub struct BannedView {
    pub ban: GroupBanView,
    /// How many of the member's posts the ban removed.
    pub removed_posts: usize,
}

/// One logged action.
#[derive(Serialize, ToSchema)]
pub struct LogEntryView {
    pub id: i64,
    /// The group it was in; null for the instance's own actions.
    pub group: Option<String>,
    /// Who acted: a username, "a moderator" where the instance hides
    /// names, or null for the operator at the command line.
    pub moderator: Option<String>,
    /// e.g. `remove_post`, `lock_thread`, `ban_member`.
    pub action: String,
    /// The action in words.
    pub summary: String,
    /// The member acted on.
    pub target: Option<String>,
    /// `thread` or `reply`, and its id.
    pub object_type: Option<String>,
    pub object_id: Option<i64>,
    /// The thread the post is (in).
    pub thread_id: Option<i64>,
    pub reason: String,
    /// What else the action decided (an expiry, a status), as JSON.
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
    pub created_at: String,
}

impl From<LogRow> for LogEntryView {
    fn from(r: LogRow) -> Self {
        let summary = moderation::summary(&r);
        LogEntryView {
            id: r.id,
            group: r.group_name,
            moderator: r.moderator,
            summary,
            action: r.action,
            target: r.target,
            object_type: r.object_type,
            object_id: r.object_id,
            thread_id: r.thread_id.map(ThreadId::get),
            reason: r.reason,
            detail: r.detail.and_then(|d| serde_json::from_str(&d).ok()),
            created_at: time(r.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LogView {
    pub entries: Vec<LogEntryView>,
    /// Pass as `before` for the next page; null on the last.
    pub next: Option<i64>,
}

impl From<Log> for LogView {
    fn from(log: Log) -> Self {
        LogView {
            entries: log.entries.into_iter().map(LogEntryView::from).collect(),
            next: log.next,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    /// Entries before this id (the `next` of the previous page).
    pub before: Option<i64>,
}

/// An RFC 3339 time as milliseconds, or 422 naming `field`.
pub(super) fn parse_time(field: &str, text: &str) -> Result<i64, AppError> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            Error::Invalid(format!(
                "invalid {field}: give an RFC 3339 time, e.g. 2027-01-31T12:00:00Z"
            ))
            .into()
        })
}

macro_rules! post_action {
    ($name:ident, $path:literal, $tag:literal, $object:expr, $call:path, $doc:literal) => {
        #[doc = $doc]
        #[utoipa::path(post, path = $path, tag = $tag, security(("bearer" = [])),
            params(("id" = i64, Path)), request_body = ReasonInput,
            responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
                      (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
        pub async fn $name(
            State(state): State<AppState>,
            ApiUser(user): ApiUser,
            ApiPath(id): ApiPath<i64>,
            ApiJson(input): ApiJson<ReasonInput>,
        ) -> AppResult<StatusCode> {
            $call(&state.app, Acting::Member(&user), $object(id), &input.reason).await?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

fn thread(id: i64) -> Object {
    Object::Thread(ThreadId(id))
}

fn reply(id: i64) -> Object {
    Object::Reply(ReplyId(id))
}

post_action!(
    remove_thread,
    "/api/v1/threads/{id}/remove",
    "threads",
    thread,
    moderation::remove,
    "Removes a thread (its group's moderators and admins), with a reason: hidden from everyone, kept for a restore, and logged."
);
post_action!(
    restore_thread,
    "/api/v1/threads/{id}/restore",
    "threads",
    thread,
    moderation::restore,
    "Restores a removed thread. 409 if it is not removed, or its author deleted it."
);
post_action!(
    remove_reply,
    "/api/v1/replies/{id}/remove",
    "replies",
    reply,
    moderation::remove,
    "Removes a reply (its group's moderators and admins), with a reason."
);
post_action!(
    restore_reply,
    "/api/v1/replies/{id}/restore",
    "replies",
    reply,
    moderation::restore,
    "Restores a removed reply."
);

/// Locks a thread: no new replies but its moderators'. The reason is shown
/// to its author and the moderators. 200 if it was locked already.
#[utoipa::path(put, path = "/api/v1/threads/{id}/lock", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ReasonInput,
    responses((status = 204), (status = 200), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn lock(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ReasonInput>,
) -> AppResult<StatusCode> {
    let acting = Acting::Member(&user);
    let id = ThreadId(id);
    let changed = moderation::set_locked(&state.app, acting, id, Some(&input.reason)).await?;
    Ok(changed_status(changed))
}

/// Unlocks a thread.
#[utoipa::path(delete, path = "/api/v1/threads/{id}/lock", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 200), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unlock(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    let acting = Acting::Member(&user);
    let changed = moderation::set_locked(&state.app, acting, ThreadId(id), None).await?;
    Ok(changed_status(changed))
}

/// Pins a thread to the top of its group's listing.
#[utoipa::path(put, path = "/api/v1/threads/{id}/pin", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 200), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn pin(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    let acting = Acting::Member(&user);
    let changed = moderation::set_pinned(&state.app, acting, ThreadId(id), true).await?;
    Ok(changed_status(changed))
}

/// Unpins a thread.
#[utoipa::path(delete, path = "/api/v1/threads/{id}/pin", tag = "threads", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 200), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unpin(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> AppResult<StatusCode> {
    let acting = Acting::Member(&user);
    let changed = moderation::set_pinned(&state.app, acting, ThreadId(id), false).await?;
    Ok(changed_status(changed))
}

/// 204 when the action changed something, 200 when it already was so.
fn changed_status(changed: bool) -> StatusCode {
    if changed {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::OK
    }
}

/// A group's bans in force (its moderators and admins).
#[utoipa::path(get, path = "/api/v1/groups/{name}/bans", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = GroupBanList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn bans(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
) -> AppResult<Json<GroupBanList>> {
    let bans = moderation::group_bans(&state.app, Acting::Member(&user), &name).await?;
    Ok(Json(GroupBanList {
        bans: bans.into_iter().map(GroupBanView::from).collect(),
    }))
}

/// Bans a member from a group, until a time or for good, optionally
/// removing their posts there; a second ban replaces the first's terms.
#[utoipa::path(put, path = "/api/v1/groups/{name}/bans/{username}", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path), ("username" = String, Path)), request_body = GroupBanInput,
    responses((status = 200, body = BannedView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "the member moderates the group"), (status = 422, body = ErrorBody)))]
pub async fn ban_member(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((name, username)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<GroupBanInput>,
) -> AppResult<Json<BannedView>> {
    let expires_at = input
        .expires_at
        .as_deref()
        .map(|t| parse_time("expires_at", t))
        .transpose()?;
    let terms = BanTerms {
        reason: &input.reason,
        expires_at,
        remove_content: input.remove_content,
    };
    let acting = Acting::Member(&user);
    let (ban, removed_posts) =
        moderation::ban_member(&state.app, acting, &name, &username, terms).await?;
    Ok(Json(BannedView {
        ban: ban.into(),
        removed_posts,
    }))
}

/// Lifts a member's ban from a group.
#[utoipa::path(delete, path = "/api/v1/groups/{name}/bans/{username}", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path), ("username" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unban_member(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((name, username)): ApiPath<(String, String)>,
) -> AppResult<StatusCode> {
    let acting = Acting::Member(&user);
    moderation::unban_member(&state.app, acting, &name, &username, "").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A group's mod log, newest first: public, with the moderators' names
/// unless the instance hides them.
#[utoipa::path(get, path = "/api/v1/groups/{name}/modlog", tag = "groups",
    params(("name" = String, Path), LogQuery),
    responses((status = 200, body = LogView), (status = 401, body = ErrorBody, description = "an unknown or expired token"),
              (status = 404, body = ErrorBody)))]
pub async fn group_log(
    State(state): State<AppState>,
    MaybeApiUser(user): MaybeApiUser,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> AppResult<Json<LogView>> {
    let acting = match &user {
        Some(u) => Acting::Member(u),
        None => Acting::Visitor { address: None },
    };
    let log = moderation::group_log(&state.app, acting, &name, query.before).await?;
    Ok(Json(log.into()))
}

/// The instance's whole mod log (admins).
#[utoipa::path(get, path = "/api/v1/admin/modlog", tag = "admin", security(("bearer" = [])),
    params(LogQuery),
    responses((status = 200, body = LogView), (status = 403, body = ErrorBody)))]
pub async fn instance_log(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(query): ApiQuery<LogQuery>,
) -> AppResult<Json<LogView>> {
    let log = moderation::instance_log(&state.app, Acting::Member(&user), query.before).await?;
    Ok(Json(log.into()))
}

/// Suspends an account until a time (admins): no posting, voting or
/// flagging until then.
#[utoipa::path(put, path = "/api/v1/admin/users/{username}/suspension", tag = "admin",
    security(("bearer" = [])), params(("username" = String, Path)), request_body = SuspensionInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "the account is an admin's"), (status = 422, body = ErrorBody)))]
pub async fn suspend(
    State(state): State<AppState>,
    ApiUser(admin): ApiUser,
    ApiPath(username): ApiPath<String>,
    ApiJson(input): ApiJson<SuspensionInput>,
) -> AppResult<StatusCode> {
    let until = parse_time("until", &input.until)?;
    let acting = Acting::Member(&admin);
    moderation::set_suspended(&state.app, acting, &username, Some(until), &input.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lifts an account's suspension (admins). 404 if it is not suspended.
#[utoipa::path(delete, path = "/api/v1/admin/users/{username}/suspension", tag = "admin",
    security(("bearer" = [])), params(("username" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unsuspend(
    State(state): State<AppState>,
    ApiUser(admin): ApiUser,
    ApiPath(username): ApiPath<String>,
) -> AppResult<StatusCode> {
    let acting = Acting::Member(&admin);
    if !moderation::set_suspended(&state.app, acting, &username, None, "").await? {
        return Err(Error::not_found("suspension").into());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Bans or unbans an account from the instance (admins), with a reason for
/// the log. A ban stops their posts and votes and reverses the points
/// their votes gave.
#[utoipa::path(put, path = "/api/v1/admin/users/{username}/ban", tag = "admin",
    security(("bearer" = [])), params(("username" = String, Path)), request_body = BanInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody, description = "a reason too long, or an admin banning themselves")))]
pub async fn ban(
    State(state): State<AppState>,
    ApiUser(admin): ApiUser,
    ApiPath(username): ApiPath<String>,
    ApiJson(input): ApiJson<BanInput>,
) -> AppResult<StatusCode> {
    let acting = Acting::Member(&admin);
    moderation::set_banned(&state.app, acting, &username, input.banned, &input.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}
