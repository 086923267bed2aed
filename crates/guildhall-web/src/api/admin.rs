//! Instance administration: which instances this one federates with, and
//! how delivery to each is going.

use super::extract::{ApiJson, ApiPath};
use super::views::{InstancePolicy, PeerList, PeerView};
use crate::auth::ApiUser;
use crate::error::{AppResult, ErrorBody};
use crate::{AppState, actions};
use axum::Json;
use axum::extract::State;
use guildhall_core::instances::Policy;

/// Known instances, most troubled first, with the federation mode.
#[utoipa::path(get, path = "/api/v1/admin/federation/instances", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = PeerList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn instances(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<PeerList>> {
    let instances = actions::instances(&state, &user).await?;
    Ok(Json(PeerList {
        mode: state.federation_mode().into(),
        instances: instances.into_iter().map(PeerView::from).collect(),
    }))
}

/// Allows or blocks an instance, or clears its policy (`"policy": null`).
/// Blocking drops what is still queued for it.
#[utoipa::path(put, path = "/api/v1/admin/federation/instances/{domain}", tag = "admin", security(("bearer" = [])),
    params(("domain" = String, Path, description = "host, or host:port")), request_body = InstancePolicy,
    responses((status = 200, body = PeerView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_policy(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(domain): ApiPath<String>,
    ApiJson(input): ApiJson<InstancePolicy>,
) -> AppResult<Json<PeerView>> {
    let policy = input.policy.as_deref().map(Policy::parse).transpose()?;
    let instance = actions::set_instance_policy(&state, &user, &domain, policy).await?;
    Ok(Json(instance.into()))
}
