use super::extract::{ApiJson, ApiPath};
use super::views::*;
use crate::AppState;
use crate::auth::{ApiUser, MaybeApiUser};
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use guildhall_app::{Acting, groups};
use guildhall_db::{Group, User};

/// How many groups the list returns at most.
const GROUPS_MAX: i64 = 500;

async fn view(state: &AppState, group: Group, viewer: Option<&User>) -> AppResult<GroupView> {
    let moderators = state.store.moderators(group.id).await?;
    let joined = match viewer {
        Some(u) => state.store.is_member(group.id, u.id).await?,
        None => false,
    };
    Ok(GroupView::new(group, moderators, joined, &state.settings))
}

/// Public groups, largest first.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", security((), ("bearer" = [])), responses((status = 200, body = Vec<GroupView>)))]
pub async fn list(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
) -> AppResult<Json<Vec<GroupView>>> {
    let mut out = Vec::new();
    for group in state.store.list_groups(GROUPS_MAX).await? {
        out.push(view(&state, group, viewer.as_ref()).await?);
    }
    Ok(Json(out))
}

/// Creates a group; the creator becomes its first moderator.
#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", security(("bearer" = [])), request_body = GroupCreate,
    responses((status = 201, body = GroupView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<GroupCreate>,
) -> AppResult<(StatusCode, Json<GroupView>)> {
    let texts = groups::GroupInput {
        title: &input.title,
        kind: input.kind.as_deref(),
        description: &input.description,
        rules: &input.rules,
    };
    let group =
        groups::create(&state.app, Acting::Member(&user), &user, &input.name, texts).await?;
    Ok((
        StatusCode::CREATED,
        Json(view(&state, group, Some(&user)).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/groups/{name}", tag = "groups", security((), ("bearer" = [])), params(("name" = String, Path)),
    responses((status = 200, body = GroupView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiPath(name): ApiPath<String>,
) -> AppResult<Json<GroupView>> {
    let group = groups::group(&state.app, &name).await?;
    Ok(Json(view(&state, group, viewer.as_ref()).await?))
}

/// Changes a group's title, description, rules or posting restriction
/// (moderators and admins), or its kind (admins).
#[utoipa::path(patch, path = "/api/v1/groups/{name}", tag = "groups", security(("bearer" = [])), params(("name" = String, Path)),
    request_body = GroupPatch,
    responses((status = 200, body = GroupView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
    ApiJson(input): ApiJson<GroupPatch>,
) -> AppResult<Json<GroupView>> {
    let group = groups::update(
        &state.app,
        Acting::Member(&user),
        &name,
        groups::GroupChange {
            title: input.title.as_deref(),
            description: input.description.as_deref(),
            rules: input.rules.as_deref(),
            restricted: input.restricted,
            kind: input.kind.as_deref(),
        },
    )
    .await?;
    Ok(Json(view(&state, group, Some(&user)).await?))
}

/// Joins (subscribes to) a group. Joining twice is harmless.
#[utoipa::path(post, path = "/api/v1/groups/{name}/join", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path)), responses((status = 200, body = GroupView), (status = 404, body = ErrorBody)))]
pub async fn join(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
) -> AppResult<Json<GroupView>> {
    let group = groups::set_membership(&state.app, Acting::Member(&user), &name, true).await?;
    Ok(Json(view(&state, group, Some(&user)).await?))
}

/// Leaves a group. Leaving a group one is not in is harmless.
#[utoipa::path(post, path = "/api/v1/groups/{name}/leave", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path)), responses((status = 200, body = GroupView), (status = 404, body = ErrorBody)))]
pub async fn leave(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
) -> AppResult<Json<GroupView>> {
    let group = groups::set_membership(&state.app, Acting::Member(&user), &name, false).await?;
    Ok(Json(view(&state, group, Some(&user)).await?))
}

/// Makes a member a moderator of the group (moderators and admins).
#[utoipa::path(post, path = "/api/v1/groups/{name}/moderators", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path)), request_body = ModeratorInput,
    responses((status = 200, body = ModeratorList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_moderator(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
    ApiJson(input): ApiJson<ModeratorInput>,
) -> AppResult<Json<ModeratorList>> {
    let mods = groups::set_moderator(
        &state.app,
        Acting::Member(&user),
        &name,
        &input.username,
        true,
    )
    .await?;
    Ok(Json(ModeratorList {
        moderators: mods.into_iter().map(UserRef::from).collect(),
    }))
}

/// Removes a moderator; a group keeps at least one.
#[utoipa::path(delete, path = "/api/v1/groups/{name}/moderators/{username}", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path), ("username" = String, Path)),
    responses((status = 200, body = ModeratorList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody)))]
pub async fn remove_moderator(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((name, username)): ApiPath<(String, String)>,
) -> AppResult<Json<ModeratorList>> {
    let mods =
        groups::set_moderator(&state.app, Acting::Member(&user), &name, &username, false).await?;
    Ok(Json(ModeratorList {
        moderators: mods.into_iter().map(UserRef::from).collect(),
    }))
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RemoteLookup {
    /// `!name@host`, `@name@host` or the group's URL.
    pub query: String,
}

/// Looks up a group on another server (Lemmy community, Mbin magazine,
/// Guildhall group) so it can be joined (followed) and posted to.
#[utoipa::path(post, path = "/api/v1/groups/lookup", tag = "groups", security(("bearer" = [])), request_body = RemoteLookup,
    responses((status = 200, body = GroupView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<RemoteLookup>,
) -> AppResult<Json<GroupView>> {
    let group = groups::lookup_remote(&state.app, &input.query).await?;
    Ok(Json(view(&state, group, Some(&user)).await?))
}
