use super::extract::{ApiJson, ApiPath};
use super::views::*;
use crate::AppState;
use crate::auth::ApiUser;
use crate::client::ClientAddr;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header::AUTHORIZATION};
use guildhall_app::Acting;
use guildhall_app::accounts::{self, Registration};

/// About this instance.
#[utoipa::path(get, path = "/api/v1/instance", tag = "accounts", responses((status = 200, body = InstanceView)))]
pub async fn instance(State(state): State<AppState>) -> Json<InstanceView> {
    let s = &state.settings;
    Json(InstanceView {
        name: s.instance_name.clone(),
        description: s.instance_description.clone(),
        logo_url: s.instance_logo_url.clone(),
        domain: s.domain.clone(),
        registration_open: state.app.settings.registration_open,
        version: env!("CARGO_PKG_VERSION"),
        idea_stages: state
            .app
            .settings
            .stages
            .all()
            .iter()
            .map(|s| StageView {
                key: s.key.clone(),
                label: s.label.clone(),
            })
            .collect(),
    })
}

/// Creates an account and signs it in. The instance's first account is its admin.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts", request_body = RegisterInput,
    responses((status = 201, body = LoginResponse), (status = 409, body = ErrorBody, description = "username taken"),
              (status = 422, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiJson(input): ApiJson<RegisterInput>,
) -> AppResult<(StatusCode, Json<LoginResponse>)> {
    let address = client.limit_key();
    let visitor = Acting::Visitor {
        address: address.as_deref(),
    };
    let registration = Registration {
        username: &input.username,
        password: &input.password,
        display_name: input.display_name.as_deref(),
        admin: false,
    };
    let user = accounts::register(&state.app, visitor, registration).await?;
    let (user, token) =
        accounts::login(&state.app, visitor, &user.username, &input.password, "api").await?;
    Ok((
        StatusCode::CREATED,
        Json(LoginResponse {
            token,
            user: UserView::new(user, &state.settings),
        }),
    ))
}

/// Exchanges a username and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = LoginInput,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientAddr,
    ApiJson(input): ApiJson<LoginInput>,
) -> AppResult<Json<LoginResponse>> {
    let address = client.limit_key();
    let visitor = Acting::Visitor {
        address: address.as_deref(),
    };
    let (user, token) =
        accounts::login(&state.app, visitor, &input.username, &input.password, "api").await?;
    Ok(Json(LoginResponse {
        token,
        user: UserView::new(user, &state.settings),
    }))
}

/// Ends the session of the token sent.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    _user: ApiUser,
    headers: HeaderMap,
) -> AppResult<StatusCode> {
    let token = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .map(|(_, t)| t.trim())
        .unwrap_or_default();
    accounts::logout(&state.app, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in member.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, ApiUser(user): ApiUser) -> Json<UserView> {
    Json(UserView::new(user, &state.settings))
}

/// Updates the signed-in member's profile; absent fields stay as they are.
#[utoipa::path(patch, path = "/api/v1/me", tag = "accounts", security(("bearer" = [])), request_body = ProfileInput,
    responses((status = 200, body = UserView), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_me(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<ProfileInput>,
) -> AppResult<Json<UserView>> {
    let user = accounts::update_profile(
        &state.app,
        Acting::Member(&user),
        input.display_name.as_deref(),
        input.bio.as_deref(),
        input.avatar_url.as_deref(),
    )
    .await?;
    Ok(Json(UserView::new(user, &state.settings)))
}

/// A member's public profile.
#[utoipa::path(get, path = "/api/v1/users/{username}", tag = "accounts",
    params(("username" = String, Path)), responses((status = 200, body = UserView), (status = 404, body = ErrorBody)))]
pub async fn user(
    State(state): State<AppState>,
    ApiPath(username): ApiPath<String>,
) -> AppResult<Json<UserView>> {
    Ok(Json(UserView::new(
        accounts::user(&state.app, &username).await?,
        &state.settings,
    )))
}
