//! Request extractors whose failures answer in problem+json like every other error, instead of
//! axum's plain-text rejections.

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use wavehub_core::api::Finding;

/// `axum::Json`, with errors as problem+json: a body that is not JSON is a 400, JSON of the wrong
/// shape a 422 naming what is wrong, a body over axum's limit (2 MiB) a 413.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Query`, with errors as a 422 naming the parameter.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(error) => {
                ApiError::invalid(vec![Finding::field_error("body.invalid", "body", error.body_text())])
            }
            JsonRejection::MissingJsonContentType(_) => json_only(),
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
            other => ApiError::BadRequest(other.body_text()),
        }
    }
}

/// 415 for a body that does not say it is JSON. Saying so matters beyond tidiness: a page on
/// another site can send `text/plain` bodies with a user's cookie without asking first.
fn json_only() -> ApiError {
    ApiError::UnsupportedMediaType("Send the body as JSON with `Content-Type: application/json`.".into())
}

/// 413 for a JSON body over the limit axum puts on buffered bodies.
fn body_too_large() -> ApiError {
    ApiError::PayloadTooLarge("The request body is larger than this server accepts for JSON (2 MiB); send less.".into())
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::invalid(vec![Finding::field_error("query.invalid", "query", rejection.body_text())])
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for ApiJson<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Path`, with a path that does not parse (a word where an id belongs) as a 404.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(rejection: axum::extract::rejection::PathRejection) -> Self {
        ApiError::NotFound(format!("No such resource: {}", rejection.body_text()))
    }
}

/// A JSON body that may be absent (an empty body is `T::default()`), for actions like `enable`
/// whose body is optional. A body that is there must be JSON and say so (else 415); JSON of the
/// wrong shape is a 422.
#[derive(Debug, Clone, Default)]
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let says_json = says_json(request.headers());
        let bytes = axum::body::Bytes::from_request(request, state)
            .await
            .map_err(|rejection| match rejection.status() {
                StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
                _ => ApiError::BadRequest(rejection.body_text()),
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        if !says_json {
            return Err(json_only());
        }
        serde_json::from_slice(&bytes)
            .map(OptionalJson)
            .map_err(|error| ApiError::invalid(vec![Finding::field_error("body.invalid", "body", error.to_string())]))
    }
}

/// Whether `Content-Type` is `application/json` or another `+json` type, as axum's `Json` reads it.
fn says_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(Ok(content_type)) = headers.get(axum::http::header::CONTENT_TYPE).map(|value| value.to_str()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}
