//! Extractors for pages, with every rejection turned into an HTML error page
//! of the right status instead of axum's plain text: [`PageForm`] (which
//! also checks the CSRF token), [`PagePath`] and [`PageQuery`].

use super::csrf::{self, CSRF_COOKIE, CSRF_FIELD};
use super::error::PageError;
use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie};
use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

/// A urlencoded form whose `csrf` field matched the CSRF cookie. Fields are
/// read as strings (`#[serde(default)]` structs of `String`s); the handler
/// parses numbers itself so a typo is a 422 with a message, not a 400.
pub struct PageForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let (parts, body) = req.into_parts();
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !is_form {
            return Err(AppError::UnsupportedMediaType(
                "send the form as application/x-www-form-urlencoded".into(),
            )
            .into());
        }
        let presession = cookie(&parts, CSRF_COOKIE).map(str::to_string);
        let session = cookie(&parts, SESSION_COOKIE).map(str::to_string);
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|r| match r.status() {
                StatusCode::PAYLOAD_TOO_LARGE => {
                    AppError::PayloadTooLarge("the form is larger than this server accepts".into())
                }
                _ => AppError::BadRequest(format!("could not read the form: {}", r.body_text())),
            })?;
        let fields = parse(&bytes)?;
        let sent = fields
            .get(CSRF_FIELD)
            .and_then(|v| v.as_str())
            .map(str::to_string);
        if !csrf::verify(
            &state.settings.secret.0,
            session.as_deref(),
            presession.as_deref(),
            sent.as_deref(),
        ) {
            return Err(AppError::Forbidden(
                "this form has expired or was sent from another site; nothing was changed. \
                 Go back, reload the page and try again."
                    .into(),
            )
            .into());
        }
        serde_json::from_value(serde_json::Value::Object(fields))
            .map(PageForm)
            .map_err(|e| AppError::BadRequest(format!("unexpected form: {e}")).into())
    }
}

/// Decodes a urlencoded body into a map of strings (the last of repeated
/// names wins). Bytes that are not UTF-8 are refused.
fn parse(bytes: &[u8]) -> Result<serde_json::Map<String, serde_json::Value>, AppError> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(AppError::BadRequest("the form is not valid UTF-8".into()));
    }
    Ok(url::form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
        .collect())
}

/// For forms that carry nothing but the CSRF token (join, delete, logout).
#[derive(serde::Deserialize, Default)]
pub struct NoFields {}

/// A path parameter; one that does not parse (`/t/abc`) is a 404.
pub struct PagePath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for PagePath<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| PagePath(v))
            .map_err(|_| AppError::not_found("page").into())
    }
}

/// The query string; a malformed one is a 400 page.
pub struct PageQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, PageError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| PageQuery(v))
            .map_err(|e| AppError::BadRequest(e.body_text()).into())
    }
}

/// Reads an optional integer form field: empty means `None`.
pub fn optional_id(field: &str, value: &str) -> Result<Option<i64>, AppError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse()
        .map(Some)
        .map_err(|_| AppError::Invalid(format!("invalid {field}: not a number")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_to_strings() {
        let f = parse(b"title=Hello+there&body=a%26b&csrf=x").unwrap();
        assert_eq!(f["title"], "Hello there");
        assert_eq!(f["body"], "a&b");
        assert!(parse(b"title=\xff").is_err());
    }

    #[test]
    fn ids_parse_or_say_why() {
        assert_eq!(optional_id("parent_id", "").unwrap(), None);
        assert_eq!(optional_id("parent_id", " 12 ").unwrap(), Some(12));
        assert_eq!(
            optional_id("parent_id", "x").unwrap_err().status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}
