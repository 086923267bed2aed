//! Errors on pages: the same [`AppError`] the API uses, with the same status
//! and message, shown as an HTML page instead of JSON.
//!
//! A handler's `PageError` becomes a bare response carrying a [`Failure`];
//! the page layer (which knows the instance, the viewer and the CSRF token)
//! renders it inside the site's layout. A missing sign-in becomes a 303 to
//! the login page instead.

use super::redirect;
use crate::error::AppError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use guildhall_db::StoreError;

#[derive(Debug)]
pub enum PageError {
    App(AppError),
    /// The page needs a signed-in member; come back to this path afterwards.
    SignIn(String),
}

/// What went wrong, left in the response for the page layer to render.
#[derive(Clone, Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub message: String,
    /// `Retry-After` seconds for a rate-limited or busy refusal.
    pub retry_after: Option<u64>,
}

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError::App(e)
    }
}

impl From<guildhall_app::Error> for PageError {
    fn from(e: guildhall_app::Error) -> Self {
        PageError::App(e.into())
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        PageError::App(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::App(e) => {
                e.log();
                let mut res = failure(e.status(), e.detail());
                if let Some(f) = res.extensions_mut().get_mut::<Failure>() {
                    f.retry_after = e.retry_after();
                }
                crate::error::set_retry_after(&mut res, e.retry_after());
                res
            }
            PageError::SignIn(next) => redirect::to_login(&next),
        }
    }
}

/// A plain-text response marked for the page layer to dress as HTML.
pub fn failure(status: StatusCode, message: String) -> Response {
    let mut res = (status, message.clone()).into_response();
    res.extensions_mut().insert(Failure {
        status,
        message,
        retry_after: None,
    });
    res
}

pub type PageResult = Result<Response, PageError>;
