//! axum's extractors, with their rejections turned into our JSON errors so a
//! malformed body, a wrong content type, an oversized body or a bad path
//! segment gets the same `{"error","detail"}` shape as everything else.

use crate::error::AppError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

pub struct ApiJson<T>(pub T);
pub struct ApiPath<T>(pub T);
pub struct ApiQuery<T>(pub T);

/// Every request body of the API is a JSON object (the OpenAPI document says
/// `type: object` for each). serde's derived `Deserialize` for a struct also
/// accepts a JSON array, filling the fields in declaration order, so
/// `["t","b"]` would pass as `{"title":"t","body":"b"}`. Reading the body as a
/// map first and deserializing the struct from that map leaves serde only
/// the object path; anything else is a 422 before any handler runs.
impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let object = match axum::Json::<Value>::from_request(req, state).await {
            Ok(axum::Json(Value::Object(map))) => map,
            Ok(axum::Json(other)) => {
                return Err(AppError::Invalid(format!(
                    "the body must be a JSON object, not {}",
                    kind(&other)
                )));
            }
            Err(rejection) => return Err(json_error(rejection)),
        };
        T::deserialize(object)
            .map(ApiJson)
            .map_err(|e| AppError::Invalid(format!("invalid body: {e}")))
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn json_error(rejection: JsonRejection) -> AppError {
    let detail = rejection.body_text();
    match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::PayloadTooLarge("the request body is larger than this server accepts".into())
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(
            "send the body as JSON with Content-Type: application/json".into(),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => AppError::Invalid(detail),
        _ => match rejection {
            JsonRejection::BytesRejection(_) => {
                AppError::BadRequest(format!("could not read the body: {detail}"))
            }
            _ => AppError::BadRequest(detail),
        },
    }
}

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| ApiPath(v))
            .map_err(|e: PathRejection| AppError::BadRequest(e.body_text()))
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(v)| ApiQuery(v))
            .map_err(|e: QueryRejection| AppError::BadRequest(e.body_text()))
    }
}
