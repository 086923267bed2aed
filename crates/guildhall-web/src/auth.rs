//! The extractors that tell who is asking.
//!
//! Pages use a session cookie; the API uses bearer tokens. Both are tokens
//! made by `guildhall_app::credentials`, looked up by their hash.

use crate::AppState;
use crate::error::AppError;
use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use guildhall_app::credentials::token_hash;
use guildhall_db::User;

pub const SESSION_COOKIE: &str = "guildhall_session";

/// Reads one cookie from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// An API caller with a valid bearer token. Missing or unknown token: 401.
pub struct ApiUser(pub User);

/// An API caller who may be anonymous; a token that is sent must be valid.
pub struct MaybeApiUser(pub Option<User>);

fn bearer(parts: &Parts) -> Result<Option<&str>, AppError> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| AppError::Unauthorized("malformed Authorization header".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim()))
        }
        _ => Err(AppError::Unauthorized(
            "use Authorization: Bearer <token>".into(),
        )),
    }
}

impl FromRequestParts<AppState> for MaybeApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Some(token) = bearer(parts)? else {
            return Ok(MaybeApiUser(None));
        };
        match state.store.session_user(&token_hash(token), "api").await? {
            Some(user) => Ok(MaybeApiUser(Some(user))),
            None => Err(AppError::Unauthorized(
                "the token is unknown or has expired; log in again".into(),
            )),
        }
    }
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match MaybeApiUser::from_request_parts(parts, state).await? {
            MaybeApiUser(Some(user)) => Ok(ApiUser(user)),
            MaybeApiUser(None) => Err(AppError::Unauthorized(
                "this needs a signed-in member: send Authorization: Bearer <token>".into(),
            )),
        }
    }
}

/// The member a page request's session cookie belongs to, if any. An unknown
/// or expired cookie just means "signed out".
pub struct PageUser(pub Option<User>);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Some(token) = cookie(parts, SESSION_COOKIE) else {
            return Ok(PageUser(None));
        };
        Ok(PageUser(
            state
                .store
                .session_user(&token_hash(token), "cookie")
                .await?,
        ))
    }
}
