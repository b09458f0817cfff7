//! One error type for every handler. It turns into an `application/problem+json` response
//! (RFC 9457); internal errors are logged with their cause and answered with a generic 500, so
//! nothing about the server's insides reaches a browser.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use wavehub_core::api::{Finding, Problem, PROBLEM_CONTENT_TYPE};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401: no valid session or token, or wrong credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: signed in, but the caller's roles do not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: does not exist, or the caller may not see it.
    #[error("{0}")]
    NotFound(String),
    /// 404 for an app version that was retired or deleted, naming the newer version that replaced
    /// it (which the caller may see).
    #[error("{detail}")]
    Replaced { detail: String, successor: wavehub_core::apps::AppRef },
    /// 409: conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// 422: the input breaks rules; each finding says where and how to fix it.
    #[error("{detail}")]
    Invalid { detail: String, findings: Vec<Finding> },
    /// 429: too many attempts; try again after `retry_after`.
    #[error("{detail}")]
    TooManyRequests { detail: String, retry_after: std::time::Duration },
    /// 413: the body is larger than the server accepts.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: the body is not in a media type this endpoint reads (JSON sent without saying so).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 400: the request itself could not be read (bad JSON, bad query string).
    #[error("{0}")]
    BadRequest(String),
    /// 502: another Wavehub server that must answer this request does not.
    #[error("{0}")]
    BadGateway(String),
    /// 500: a fault on our side. The cause is logged, never sent.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// 422 from a list of findings (the caller checked the list is not empty).
    pub fn invalid(findings: Vec<Finding>) -> Self {
        let detail = match findings.as_slice() {
            [one] => one.message.clone(),
            many => format!("{} problems in the request; see `errors`.", many.len()),
        };
        ApiError::Invalid { detail, findings }
    }

    /// `Ok(())` when there are no findings, else a 422 carrying them.
    pub fn check(findings: Vec<Finding>) -> ApiResult<()> {
        if findings.is_empty() {
            Ok(())
        } else {
            Err(Self::invalid(findings))
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) | ApiError::Replaced { .. } => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status().as_u16();
        match self {
            ApiError::Internal(_) => Problem::new(status, "Something went wrong on the server; the details are in its log."),
            ApiError::Invalid { detail, findings } => Problem { errors: findings.clone(), ..Problem::new(status, detail.clone()) },
            ApiError::Replaced { detail, successor } => Problem { successor: Some(successor.clone()), ..Problem::new(status, detail.clone()) },
            other => Problem::new(status, other.to_string()),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        ApiError::Internal(error.into())
    }
}

/// Turns a problem into a response with the right status and media type.
pub fn problem_response(problem: &Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(problem).unwrap_or_default();
    let mut response = (status, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = ?cause, "internal error");
        }
        let mut response = problem_response(&self.to_problem());
        if let ApiError::TooManyRequests { retry_after, .. } = &self {
            let seconds = crate::accounts::throttle::whole_seconds(*retry_after).to_string();
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_str(&seconds).expect("digits"));
        }
        if matches!(self, ApiError::Unauthorized(_)) {
            // Tells API clients how to authenticate (RFC 9110 §11.6.1).
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"wavehub\""));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let problem = ApiError::Internal(anyhow::anyhow!("disk /secret/path is full")).to_problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.message().contains("/secret/path"));
    }

    #[test]
    fn invalid_carries_findings_and_a_summary() {
        let findings = vec![
            Finding::field_error("a", "a", "fix a"),
            Finding::field_error("b", "b", "fix b"),
        ];
        let problem = ApiError::invalid(findings).to_problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors.len(), 2);
        assert!(problem.message().contains("2 problems"));
        assert_eq!(ApiError::invalid(vec![Finding::field_error("a", "a", "fix a")]).to_problem().message(), "fix a");
    }
}
