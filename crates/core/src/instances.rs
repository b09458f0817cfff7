//! App instances: a running copy of one app version, started by a user (spec §4; shared/API.md).

use crate::apps::Visibility;
use crate::api::{Finding, PageRequest};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an instance is in its life. `starting` → `running`, or → `failed` (with the reason);
/// any → `terminated` when stopped. Failed and terminated are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum InstanceStatus {
    Starting,
    Running,
    Failed,
    Terminated,
}

impl InstanceStatus {
    pub const ALL: [InstanceStatus; 4] =
        [InstanceStatus::Starting, InstanceStatus::Running, InstanceStatus::Failed, InstanceStatus::Terminated];

    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Starting => "starting",
            InstanceStatus::Running => "running",
            InstanceStatus::Failed => "failed",
            InstanceStatus::Terminated => "terminated",
        }
    }

    /// Whether the instance still holds resources (and so keeps its app version from being deleted).
    pub fn is_live(self) -> bool {
        matches!(self, InstanceStatus::Starting | InstanceStatus::Running)
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for InstanceStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InstanceStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| format!("unknown status `{s}`: use starting, running, failed or terminated"))
    }
}

/// Where an instance is served on the apps origin: its Wave base URL (`H2O_WAVE_BASE_URL`), which the
/// proxy forwards unchanged.
pub fn base_path(instance_id: i64) -> String {
    format!("/instances/{instance_id}/")
}

/// What a starting instance is doing now, in launch order (shown with its elapsed time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LaunchStep {
    /// Unpacking the bundle and writing its files.
    Preparing,
    /// Installing `requirements.txt` into the instance's Python environment.
    InstallingPackages,
    /// Starting the Wave server (`waved`).
    StartingWave,
    /// The app has started; waiting for it to register with Wave (or answer on its port).
    WaitingForApp,
}

impl LaunchStep {
    pub const ALL: [LaunchStep; 4] =
        [LaunchStep::Preparing, LaunchStep::InstallingPackages, LaunchStep::StartingWave, LaunchStep::WaitingForApp];

    pub fn as_str(self) -> &'static str {
        match self {
            LaunchStep::Preparing => "preparing",
            LaunchStep::InstallingPackages => "installing_packages",
            LaunchStep::StartingWave => "starting_wave",
            LaunchStep::WaitingForApp => "waiting_for_app",
        }
    }

    /// The step in words, for the page.
    pub fn label(self) -> &'static str {
        match self {
            LaunchStep::Preparing => "Preparing the app's files",
            LaunchStep::InstallingPackages => "Installing packages",
            LaunchStep::StartingWave => "Starting Wave",
            LaunchStep::WaitingForApp => "Waiting for the app",
        }
    }
}

impl std::str::FromStr for LaunchStep {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LaunchStep::ALL.into_iter().find(|step| step.as_str() == s).ok_or_else(|| format!("unknown launch step `{s}`"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Instance {
    pub id: i64,
    pub app_id: i64,
    pub app_name: String,
    pub app_version: String,
    pub app_title: String,
    /// Who started it; `None` once their account is deleted.
    pub owner: Option<String>,
    /// PRIVATE: its owner and admins; ALL_USERS: everyone signed in may see and visit it.
    pub visibility: Visibility,
    pub status: InstanceStatus,
    /// Why it failed or ended, in words.
    pub status_reason: Option<String>,
    /// Where visitors open it while running: Wavehub's authenticating proxy on the apps origin,
    /// e.g. `http://127.0.0.1:8081/instances/7/`.
    pub url: Option<String>,
    /// While starting: what it is doing now, and since when (RFC 3339).
    #[serde(default)]
    pub step: Option<LaunchStep>,
    #[serde(default)]
    pub step_started_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Whether the caller may change it, terminate it and read its logs.
    pub can_manage: bool,
}

/// `POST /apps/{id}/instances`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewInstance {
    #[serde(default)]
    pub visibility: Option<Visibility>,
}

/// `PATCH /instances/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstancePatch {
    pub visibility: Visibility,
}

/// `GET /instances?app=&owner=me&status=&page=&page_size=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct InstanceQuery {
    pub app: Option<i64>,
    /// `me`: only the caller's; `others`: instances others shared with the caller (ALL_USERS).
    #[cfg_attr(feature = "openapi", param(pattern = "^(me|others)$"))]
    pub owner: Option<String>,
    pub status: Option<InstanceStatus>,
    #[cfg_attr(feature = "openapi", param(minimum = 1))]
    pub page: Option<u32>,
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub page_size: Option<u32>,
}

impl InstanceQuery {
    pub fn paging(&self) -> PageRequest {
        PageRequest::from_parts(self.page, self.page_size)
    }

    pub fn check(&self) -> Vec<Finding> {
        let mut findings = self.paging().check();
        if self.owner.as_deref().is_some_and(|owner| owner != "me" && owner != "others") {
            findings.push(Finding::field_error(
                "owner.invalid",
                "owner",
                "owner takes `me` (your instances), `others` (shared with you) or nothing (all you can see).",
            ));
        }
        findings
    }

    pub fn to_query_string(&self) -> String {
        let mut pairs = Vec::new();
        if let Some(app) = self.app {
            pairs.push(format!("app={app}"));
        }
        if let Some(owner) = &self.owner {
            pairs.push(format!("owner={}", crate::apps::percent_encode(owner)));
        }
        if let Some(status) = self.status {
            pairs.push(format!("status={status}"));
        }
        self.paging().push_pairs(&mut pairs);
        pairs.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_say_which_are_live() {
        for status in InstanceStatus::ALL {
            assert_eq!(status.as_str().parse::<InstanceStatus>(), Ok(status));
        }
        assert!(InstanceStatus::Starting.is_live() && InstanceStatus::Running.is_live());
        assert!(!InstanceStatus::Failed.is_live() && !InstanceStatus::Terminated.is_live());
    }

    #[test]
    fn queries_check_owner_and_print_themselves() {
        let query = InstanceQuery { owner: Some("bob".into()), ..Default::default() };
        assert_eq!(query.check()[0].code, "owner.invalid");
        let query = InstanceQuery { app: Some(3), owner: Some("me".into()), status: Some(InstanceStatus::Running), page: Some(2), page_size: None };
        assert!(query.check().is_empty());
        assert_eq!(query.to_query_string(), "app=3&owner=me&status=running&page=2");
    }
}
