//! Invitations into private and hidden groups: by name or by link; the
//! group's moderators list and revoke them.

use super::extract::{ApiJson, ApiPath};
use super::moderation::parse_time;
use super::views::time;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use guildhall_app::{Acting, Error, invitations};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An invitation: to a member by name, or (with no `username`) a link.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationInput {
    /// The member invited; absent for a link.
    #[serde(default)]
    pub username: Option<String>,
    /// A link's expiry (RFC 3339, in the future); absent: it does not expire.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// A link's number of uses (1 to 1000); absent: no limit.
    #[serde(default)]
    pub max_uses: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationMade {
    pub id: i64,
    /// For a link: its address, shown this once (only its hash is kept).
    pub url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationView {
    pub id: i64,
    pub invited_by: String,
    /// The member invited; null for a link.
    pub username: Option<String>,
    pub uses: i64,
    pub max_uses: Option<i64>,
    pub expires_at: Option<String>,
    pub created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationList {
    pub invitations: Vec<InvitationView>,
}

/// Invites a member into a private or hidden group by name, or makes a
/// link with an expiry and a number of uses (its moderators, and members
/// at the trust level for inviting, TL2 by default).
#[utoipa::path(post, path = "/api/v1/groups/{name}/invitations", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path)), request_body = InvitationInput,
    responses((status = 201, body = InvitationMade), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "a member already, or invited already"), (status = 422, body = ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
    ApiJson(input): ApiJson<InvitationInput>,
) -> AppResult<(StatusCode, Json<InvitationMade>)> {
    let acting = Acting::Member(&user);
    let made = match input.username.as_deref() {
        Some(username) => {
            if input.expires_at.is_some() || input.max_uses.is_some() {
                return Err(Error::Invalid(
                    "invalid invitation: expires_at and max_uses are for links, not invitations by name".into(),
                )
                .into());
            }
            let id = invitations::invite_member(&state.app, acting, &name, username).await?;
            InvitationMade { id, url: None }
        }
        None => {
            let expires_at = input
                .expires_at
                .as_deref()
                .map(|t| parse_time("expires_at", t))
                .transpose()?;
            let terms = (expires_at, input.max_uses);
            let (token, id) = invitations::invite_link(&state.app, acting, &name, terms).await?;
            let url = format!("{}/invite/{token}", state.settings.public_url());
            InvitationMade { id, url: Some(url) }
        }
    };
    Ok((StatusCode::CREATED, Json(made)))
}

/// A group's usable invitations, newest first (its moderators).
#[utoipa::path(get, path = "/api/v1/groups/{name}/invitations", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path)),
    responses((status = 200, body = InvitationList), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn invitations_of(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(name): ApiPath<String>,
) -> AppResult<Json<InvitationList>> {
    let list = invitations::list(&state.app, Acting::Member(&user), &name).await?;
    Ok(Json(InvitationList {
        invitations: list
            .into_iter()
            .map(|i| InvitationView {
                id: i.id,
                invited_by: i.invited_by,
                username: i.username,
                uses: i.uses,
                max_uses: i.max_uses,
                expires_at: i.expires_at.map(time),
                created_at: time(i.created_at),
            })
            .collect(),
    }))
}

/// Revokes an invitation (its group's moderators).
#[utoipa::path(delete, path = "/api/v1/groups/{name}/invitations/{id}", tag = "groups", security(("bearer" = [])),
    params(("name" = String, Path), ("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_invitation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath((name, id)): ApiPath<(String, i64)>,
) -> AppResult<StatusCode> {
    invitations::revoke(&state.app, Acting::Member(&user), &name, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Joins a group through an invitation link's token.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/accept", tag = "groups", security(("bearer" = [])),
    params(("id" = String, Path, description = "the link's token")),
    responses((status = 204), (status = 403, body = ErrorBody, description = "banned from the group"), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody, description = "expired, revoked, used up, or a member already")))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(token): ApiPath<String>,
) -> AppResult<StatusCode> {
    invitations::accept_link(&state.app, Acting::Member(&user), &token).await?;
    Ok(StatusCode::NO_CONTENT)
}
