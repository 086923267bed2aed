use super::extract::{ApiJson, ApiPath};
use super::views::*;
use crate::AppState;
use crate::auth::{ApiUser, MaybeApiUser};
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use guildhall_app::{Acting, access, groups};
use guildhall_db::{Group, Membership, User};

/// How many groups the list returns at most.
const GROUPS_MAX: i64 = 500;

async fn view(state: &AppState, group: Group, viewer: Option<&User>) -> AppResult<GroupView> {
    let moderators = state.store.moderators(group.id).await?;
    let membership = match viewer {
        Some(u) => state.store.membership(group.id, u.id).await?,
        None => None,
    };
    let mut view = GroupView::new(
        group,
        moderators,
        membership == Some(Membership::Member),
        &state.settings,
    );
    view.requested = membership == Some(Membership::Pending);
    Ok(view)
}

/// The groups the caller may see, largest first: public and private ones
/// (a private group's content is for its members), and the hidden ones
/// they belong to.
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", security((), ("bearer" = [])), responses((status = 200, body = Vec<GroupView>)))]
pub async fn list(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
) -> AppResult<Json<Vec<GroupView>>> {
    let mut out = Vec::new();
    for group in access::list(&state.app, viewer.as_ref(), GROUPS_MAX).await? {
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
    responses((status = 200, body = GroupView), (status = 401, body = ErrorBody, description = "an unknown or expired token"),
              (status = 404, body = ErrorBody, description = "no such group, or a hidden one the caller is not in")))]
pub async fn get(
    State(state): State<AppState>,
    MaybeApiUser(viewer): MaybeApiUser,
    ApiPath(name): ApiPath<String>,
) -> AppResult<Json<GroupView>> {
    let group = access::visible(&state.app, &name, viewer.as_ref()).await?;
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
            visibility: input.visibility.as_deref(),
        },
    )
    .await?;
    Ok(Json(view(&state, group, Some(&user)).await?))
}

/// Joins (subscribes to) a public group; asks to join a private one
/// (`requested` is then true until a moderator decides). Joining twice is
/// harmless. A hidden group takes members by invitation: 404.
#[utoipa::path(post, path = "/api/v1/groups/{name}/join", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path)), responses((status = 200, body = GroupView), (status = 403, body = ErrorBody, description = "banned from the group, or a private group of another server"), (status = 404, body = ErrorBody)))]
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

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct JoinRequestView {
    pub username: String,
    pub requested_at: String,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct JoinRequestList {
    pub requests: Vec<JoinRequestView>,
}

/// Who asked to join a private group, oldest first (its moderators).
#[utoipa::path(get, path = "/api/v1/groups/{name}/requests", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = JoinRequestList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn requests(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
) -> AppResult<Json<JoinRequestList>> {
    let waiting = access::requests(&state.app, Acting::Member(&user), &name).await?;
    Ok(Json(JoinRequestList {
        requests: waiting
            .into_iter()
            .map(|(who, at)| JoinRequestView {
                username: who.username,
                requested_at: time(at),
            })
            .collect(),
    }))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// true lets them in; false turns the request down.
    pub approve: bool,
}

/// A moderator lets a member in, or turns the request down.
#[utoipa::path(post, path = "/api/v1/groups/{name}/requests/{username}", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path), ("username" = String, Path)), request_body = DecisionInput,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody, description = "no such request"),
              (status = 409, body = ErrorBody, description = "the member is banned from the group")))]
pub async fn decide(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((name, username)): ApiPath<(String, String)>,
    ApiJson(input): ApiJson<DecisionInput>,
) -> AppResult<StatusCode> {
    let acting = Acting::Member(&user);
    access::decide(&state.app, acting, &name, &username, input.approve).await?;
    Ok(StatusCode::NO_CONTENT)
}
