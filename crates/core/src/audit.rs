//! The audit log as the API shows it: who did what to which resource, when, and why.

use crate::api::PageRequest;
use serde::{Deserialize, Serialize};

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
pub struct AuditQuery {
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub page: Option<u32>,
    #[serde(default)]
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
