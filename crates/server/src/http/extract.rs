//! Request extractors whose failures answer in problem+json like every other error, instead of
//! axum's plain-text rejections.

use crate::http::error::ApiError;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use wavehub_core::api::Finding;
use wavehub_core::runtime_images::StateAction;

/// `axum::Json`, with errors as problem+json: a body that does not say it is JSON is a 415, one
/// that is not JSON a 400, JSON that is not an object or of the wrong shape a 422 naming what is
/// wrong, a body over axum's limit (2 MiB) a 413.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        if !says_json(request.headers()) {
            return Err(json_only());
        }
        let bytes = body_bytes(request, state).await?;
        json_object(&bytes).map(ApiJson)
    }
}

/// `axum::extract::Query`, with errors as a 422 naming the parameter.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

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
        let bytes = body_bytes(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        if !says_json {
            return Err(json_only());
        }
        json_object(&bytes).map(OptionalJson)
    }
}

/// The whole body, within axum's limit for buffered bodies (413 past it).
async fn body_bytes<S: Send + Sync>(request: axum::extract::Request, state: &S) -> Result<axum::body::Bytes, ApiError> {
    axum::body::Bytes::from_request(request, state).await.map_err(|rejection| match rejection.status() {
        StatusCode::PAYLOAD_TOO_LARGE => body_too_large(),
        _ => ApiError::BadRequest(rejection.body_text()),
    })
}

/// A JSON object read into `T`. Every request body of the API is an object: serde would also read
/// a struct from an array (`[]` as a patch that changes nothing), which must be refused instead.
fn json_object<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid(vec![Finding::field_error(
            "body.not_object",
            "body",
            "The body must be a JSON object, `{...}`, with the fields this endpoint reads.",
        )]));
    }
    serde_json::from_slice(bytes).map_err(|error| match error.classify() {
        serde_json::error::Category::Data => {
            ApiError::invalid(vec![Finding::field_error("body.invalid", "body", format!("The body does not fit: {error}"))])
        }
        _ => ApiError::BadRequest(format!("The body is not valid JSON: {error}")),
    })
}

/// Whether `Content-Type` is `application/json` or another `+json` type, as axum's `Json` reads it.
fn says_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(Ok(content_type)) = headers.get(axum::http::header::CONTENT_TYPE).map(|value| value.to_str()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The `{action}` segment of a state route (`POST .../{uid}/{action}`): `deprecate`, `disable` or
/// `enable`, or for versions (`FOR_VERSION`) `activate` instead of `enable`, read by core's
/// [`StateAction::from_verb`]. Any other word is a path the API does not have: the same 404 as
/// every unknown path, given before who is asking is looked at (take this extractor first).
#[derive(Debug, Clone, Copy)]
pub struct StateVerb<const FOR_VERSION: bool>(pub StateAction);

impl<const FOR_VERSION: bool> StateVerb<FOR_VERSION> {
    /// The action `uri`'s last segment names, if any.
    pub fn of(uri: &Uri) -> Option<StateAction> {
        StateAction::from_verb(uri.path().rsplit('/').next().unwrap_or_default(), FOR_VERSION)
    }
}

impl<S: Send + Sync, const FOR_VERSION: bool> FromRequestParts<S> for StateVerb<FOR_VERSION> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        // The 404 names the path as sent, as the API's fallback does (`parts.uri` lost `/api/v1`).
        let sent = parts.extensions.get::<OriginalUri>().map_or(&parts.uri, |original| &original.0);
        Self::of(&parts.uri).map(StateVerb).ok_or_else(|| crate::http::no_such_endpoint(&parts.method, sent))
    }
}

/// In the OpenAPI document: a string, one of the verbs the extractor reads.
impl<const FOR_VERSION: bool> utoipa::PartialSchema for StateVerb<FOR_VERSION> {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let verbs = StateAction::ALL.map(|action| action.verb(FOR_VERSION));
        utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::Type::String).enum_values(Some(verbs)).into()
    }
}

impl<const FOR_VERSION: bool> utoipa::ToSchema for StateVerb<FOR_VERSION> {
    fn name() -> std::borrow::Cow<'static, str> {
        if FOR_VERSION { "VersionStateVerb".into() } else { "StateVerb".into() }
    }
}

/// An image's or a runtime's `{action}`: `deprecate`, `disable`, `enable`.
pub type ImageOrRuntimeVerb = StateVerb<false>;
/// A version's `{action}`: `deprecate`, `disable`, `activate`.
pub type VersionVerb = StateVerb<true>;
