//! Instance administration: which instances this one federates with, and
//! how delivery to each is going.

use super::extract::{ApiJson, ApiPath};
use super::views::{
    AttestationAction, InstancePolicy, PartnerInput, PartnerView, PeerList, PeerView, WithdrawInput,
};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{AppResult, ErrorBody};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use guildhall_app::{Acting, attestations, instances, partners};
use guildhall_core::instances::Policy;

/// Known instances, most troubled first, with the federation mode.
#[utoipa::path(get, path = "/api/v1/admin/federation/instances", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = PeerList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn instances(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<PeerList>> {
    let instances = instances::list(&state.app, Acting::Member(&user)).await?;
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
    let instance =
        instances::set_policy(&state.app, Acting::Member(&user), &domain, policy).await?;
    Ok(Json(instance.into()))
}

/// The partner-trust policies: how far this instance trusts each partner's
/// reputation attestations (docs/ATTESTATIONS.md).
#[utoipa::path(get, path = "/api/v1/admin/partners", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Vec<PartnerView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn partners(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> AppResult<Json<Vec<PartnerView>>> {
    let partners = partners::list(&state.app, Acting::Member(&user)).await?;
    Ok(Json(partners.into_iter().map(PartnerView::from).collect()))
}

/// Trusts a partner instance's attestations: its members' votes weigh
/// `trust_weight` (0–1), an attestation grants at most `max_trust_level`
/// here, and `show_imported` shows attested reputation on profiles.
#[utoipa::path(put, path = "/api/v1/admin/partners/{domain}", tag = "admin", security(("bearer" = [])),
    params(("domain" = String, Path, description = "host, or host:port")), request_body = PartnerInput,
    responses((status = 200, body = PartnerView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_partner(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(domain): ApiPath<String>,
    ApiJson(input): ApiJson<PartnerInput>,
) -> AppResult<Json<PartnerView>> {
    let partner = partners::set(&state.app, Acting::Member(&user), &domain, input.into()).await?;
    Ok(Json(partner.into()))
}

/// Stops trusting a partner: its attestations are shown as "unverified
/// policy" and change nothing.
#[utoipa::path(delete, path = "/api/v1/admin/partners/{domain}", tag = "admin", security(("bearer" = [])),
    params(("domain" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_partner(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(domain): ApiPath<String>,
) -> AppResult<StatusCode> {
    partners::remove(&state.app, Acting::Member(&user), &domain).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Withdraws a member's reputation attestation: it is revoked, the
/// revocation is delivered to every instance holding it, and none is issued
/// until an admin issues one again.
#[utoipa::path(delete, path = "/api/v1/admin/users/{username}/attestation", tag = "admin",
    security(("bearer" = [])), params(("username" = String, Path)), request_body = WithdrawInput,
    responses((status = 200, body = AttestationAction), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn withdraw_attestation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(username): ApiPath<String>,
    ApiJson(input): ApiJson<WithdrawInput>,
) -> AppResult<Json<AttestationAction>> {
    let revoked =
        attestations::withdraw(&state.app, Acting::Member(&user), &username, &input.reason).await?;
    Ok(Json(AttestationAction {
        username,
        attestation: "withdrawn".into(),
        revoked: Some(revoked),
    }))
}

/// Issues a member a new attestation after a withdrawal.
#[utoipa::path(post, path = "/api/v1/admin/users/{username}/attestation", tag = "admin",
    security(("bearer" = [])), params(("username" = String, Path)),
    responses((status = 200, body = AttestationAction), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn restore_attestation(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(username): ApiPath<String>,
) -> AppResult<Json<AttestationAction>> {
    attestations::restore(&state.app, Acting::Member(&user), &username).await?;
    Ok(Json(AttestationAction {
        username,
        attestation: "issued".into(),
        revoked: None,
    }))
}
