//! The audit log as the API shows it: who did what to which resource, when, and why.

use crate::api::{Finding, PageRequest};
use serde::{Deserialize, Serialize};

/// A reason is a short text people read later in the history and the audit log.
pub const REASON_MAX_LEN: usize = 500;

/// The findings for a reason that is too long (whether one is required is the action's rule).
pub fn check_reason_length(reason: &str) -> Vec<Finding> {
    if reason.trim().chars().count() > REASON_MAX_LEN {
        vec![Finding::field_error("reason.too_long", "reason", format!("A reason is at most {REASON_MAX_LEN} characters."))]
    } else {
        Vec::new()
    }
}

/// A reason as the audit log keeps it: trimmed, none when blank.
pub fn recorded_reason(reason: Option<&str>) -> Option<&str> {
    reason.map(str::trim).filter(|r| !r.is_empty())
}

/// Body of a change that records why, in the audit log (deletes): `{reason}`; an empty body
/// gives none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reason {
    #[serde(default)]
    pub reason: Option<String>,
}

impl Reason {
    pub fn check(&self) -> Vec<Finding> {
        self.reason.as_deref().map(check_reason_length).unwrap_or_default()
    }

    /// The reason as recorded: see [`recorded_reason`].
    pub fn text(&self) -> Option<&str> {
        recorded_reason(self.reason.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    pub id: i64,
    pub time: String,
    /// A username, or `bootstrap` / `system` for changes the server made itself.
    pub actor: String,
    /// `import`, `update`, `delete`, `start`, `terminate`, `disable`…
    pub action: String,
    /// A path naming the resource: `apps/12`, `tags/FORECASTING`, `workspaces/default/runtime-images/x`.
    pub resource: String,
    pub reason: Option<String>,
    /// What changed (never a secret's value).
    pub detail: serde_json::Value,
}

/// `GET /audit?resource=&actor=&action=&page=&page_size=`. `resource` matches the resource and
/// everything under it (`apps/12` also finds `apps/12/tags/X`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct AuditQuery {
    pub resource: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub page: Option<u32>,
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub page_size: Option<u32>,
}

impl AuditQuery {
    pub fn paging(&self) -> PageRequest {
        PageRequest::from_parts(self.page, self.page_size)
    }

    pub fn to_query_string(&self) -> String {
        let mut pairs = Vec::new();
        for (key, value) in [("resource", &self.resource), ("actor", &self.actor), ("action", &self.action)] {
            if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
                pairs.push(format!("{key}={}", crate::apps::percent_encode(value)));
            }
        }
        self.paging().push_pairs(&mut pairs);
        pairs.join("&")
    }
}
