//! Shapes shared by the HTTP API, the web app and the CLI (see shared/API.md).

use serde::{Deserialize, Serialize};

/// The API's path prefix; every endpoint lives under it.
pub const API_PREFIX: &str = "/api/v1";

/// Media type of every error body (RFC 9457).
pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An error body: `application/problem+json` as RFC 9457 defines it, plus the list of findings that
/// validation failures carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// A URI naming the kind of problem; `about:blank` when the status says it all.
    #[serde(rename = "type", default = "about_blank")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Finding>,
    /// On the 404 of an app version that was retired or deleted: the newer version that replaced
    /// it, when the caller may see that one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub successor: Option<crate::apps::AppRef>,
}

fn about_blank() -> String {
    "about:blank".to_owned()
}

impl Problem {
    /// A problem whose `title` is the standard reason phrase for `status`.
    pub fn new(status: u16, detail: impl Into<String>) -> Self {
        Problem {
            kind: about_blank(),
            title: reason_phrase(status).to_owned(),
            status,
            detail: Some(detail.into()),
            errors: Vec::new(),
            successor: None,
        }
    }

    /// The sentence to show a person: the detail when there is one, else the title.
    pub fn message(&self) -> &str {
        self.detail.as_deref().unwrap_or(&self.title)
    }
}

/// The reason phrase for the statuses this API uses.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// How bad a finding is: errors block, warnings inform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// `error` or `warning`, as findings print in the CLI and the upload page.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One finding of a validation: what is wrong, where, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    /// Stable machine-readable code, e.g. `username.invalid`.
    pub code: String,
    /// A sentence that says what is wrong and how to fix it.
    pub message: String,
    /// The file the finding is about (`app.toml`, `requirements.txt`, an entry of the archive), when
    /// it is about a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// Where: a field name, a TOML path (`App.Version`, `Env[2].Name`) or a file path.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    pub severity: Severity,
}

impl Finding {
    /// An error about a form or JSON field (no line or column).
    pub fn field_error(code: &str, path: &str, message: impl Into<String>) -> Self {
        Finding::error(code, path, message)
    }

    /// An error (blocks) at `path`; add a position with [`Finding::at`].
    pub fn error(code: &str, path: &str, message: impl Into<String>) -> Self {
        Finding {
            code: code.to_owned(),
            message: message.into(),
            file: None,
            path: path.to_owned(),
            line: None,
            column: None,
            severity: Severity::Error,
        }
    }

    /// A warning (informs, does not block) at `path`.
    pub fn warning(code: &str, path: &str, message: impl Into<String>) -> Self {
        Finding { severity: Severity::Warning, ..Finding::error(code, path, message) }
    }

    /// The same finding about `file`.
    pub fn in_file(mut self, file: &str) -> Self {
        self.file = Some(file.to_owned());
        self
    }

    /// The same finding at a 1-based line and column.
    pub fn at(mut self, position: crate::text::Position) -> Self {
        self.line = Some(position.line);
        self.column = Some(position.column);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// One page of a list endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
}

/// Paging as list endpoints take it: `page` counts from 1, `page_size` defaults to 50, at most 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct PageRequest {
    #[serde(default = "PageRequest::first_page")]
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub page: u32,
    #[serde(default = "PageRequest::default_size")]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub page_size: u32,
}

impl PageRequest {
    pub const DEFAULT_SIZE: u32 = 50;
    pub const MAX_SIZE: u32 = 500;

    fn first_page() -> u32 {
        1
    }
    fn default_size() -> u32 {
        Self::DEFAULT_SIZE
    }

    /// The findings that make this request invalid; empty when it is fine.
    pub fn check(&self) -> Vec<Finding> {
        let mut findings = Vec::new();
        if self.page == 0 {
            findings.push(Finding::field_error("page.invalid", "page", "page counts from 1; use page=1 for the first page"));
        }
        if self.page_size == 0 || self.page_size > Self::MAX_SIZE {
            findings.push(Finding::field_error(
                "page_size.invalid",
                "page_size",
                format!("page_size must be between 1 and {}", Self::MAX_SIZE),
            ));
        }
        findings
    }

    /// From a query's optional `page` and `page_size` (query structs carry them as plain fields:
    /// query strings hold numbers as text, which serde's `flatten` cannot read).
    pub fn from_parts(page: Option<u32>, page_size: Option<u32>) -> Self {
        PageRequest { page: page.unwrap_or(1), page_size: page_size.unwrap_or(Self::DEFAULT_SIZE) }
    }

    /// Adds `page=` and `page_size=` to query-string pairs, each only when it is not the default.
    pub fn push_pairs(&self, pairs: &mut Vec<String>) {
        if self.page != 1 {
            pairs.push(format!("page={}", self.page));
        }
        if self.page_size != Self::DEFAULT_SIZE {
            pairs.push(format!("page_size={}", self.page_size));
        }
    }

    /// SQL `OFFSET` for this page (call after [`PageRequest::check`]).
    pub fn offset(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(self.page_size)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest { page: 1, page_size: Self::DEFAULT_SIZE }
    }
}

/// `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    #[serde(default)]
    pub version: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_round_trips_with_rfc9457_field_names() {
        let mut problem = Problem::new(422, "username is invalid");
        problem.errors.push(Finding::field_error("username.invalid", "username", "use letters"));
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["type"], "about:blank");
        assert_eq!(json["title"], "Unprocessable Content");
        assert_eq!(json["status"], 422);
        assert_eq!(json["errors"][0]["severity"], "error");
        assert!(json["errors"][0].get("line").is_none(), "absent positions are left out");
        let back: Problem = serde_json::from_value(json).unwrap();
        assert_eq!(back, problem);
    }

    #[test]
    fn problem_without_type_or_detail_still_parses() {
        let problem: Problem = serde_json::from_str(r#"{"title":"Not Found","status":404}"#).unwrap();
        assert_eq!(problem.kind, "about:blank");
        assert_eq!(problem.message(), "Not Found");
    }

    #[test]
    fn page_request_bounds() {
        assert!(PageRequest::default().check().is_empty());
        assert_eq!(PageRequest { page: 0, page_size: 50 }.check()[0].code, "page.invalid");
        assert_eq!(PageRequest { page: 1, page_size: 501 }.check()[0].code, "page_size.invalid");
        assert_eq!(PageRequest { page: 1, page_size: 0 }.check()[0].code, "page_size.invalid");
        assert!(PageRequest { page: 1, page_size: 500 }.check().is_empty());
        assert_eq!(PageRequest { page: 3, page_size: 20 }.offset(), 40);
    }
}
