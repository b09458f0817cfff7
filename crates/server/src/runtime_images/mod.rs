//! Runtime images, their versions and runtimes, per workspace (shared/API.md, "Runtime images").
//! The rules (version ids, the current version, the ceiling rule, what a runtime resolves to) are
//! wavehub-core's; this module keeps them in the database: every change runs in one write
//! transaction with its audit entry, and an image's current version, versions count and effective
//! state are recomputed in the same transaction. Workspaces and who may act in them are in
//! [`workspaces`], the state columns are written by [`state::write_state`], the `--bootstrap` file
//! is read in [`bootstrap`], the HTTP handlers are in [`routes`]. One file per thing and its table:
//! [`images`] (`runtime_images`), [`list_query`] (the image list's SQL), [`versions`]
//! (`runtime_image_versions`), [`runtimes`] (`runtimes`) and [`history`] (read from the audit log).
pub mod bootstrap;
pub mod history;
pub mod images;
pub mod list_query;
pub mod routes;
pub mod runtimes;
pub mod state;
pub mod versions;
pub mod workspaces;

use crate::http::error::{ApiError, ApiResult};
use crate::runtime_images::workspaces::Access;

/// Where a list looks: one workspace (its images and the platform's) or, for platform admins,
/// every workspace.
pub enum Scope<'a> {
    Workspace(&'a Access),
    All,
}

/// The path an image has in the audit log and in refusals.
pub fn image_resource(workspace: &str, uid: &str) -> String {
    format!("workspaces/{workspace}/runtime-images/{uid}")
}

/// The path a version has in the audit log and in refusals.
pub fn version_resource(workspace: &str, uid: &str, version: &str) -> String {
    format!("{}/versions/{version}", image_resource(workspace, uid))
}

pub(crate) fn runtime_resource(workspace: &str, uid: &str) -> String {
    format!("workspaces/{workspace}/runtimes/{uid}")
}

/// Where in the bootstrap file an image's (or version's) state is set, for refusals.
pub fn bootstrap_config_path(uid: &str, version: Option<&str>) -> String {
    match version {
        None => format!("config.deployer.composition.runtimeImages.{uid}"),
        Some(version) => format!("config.deployer.composition.runtimeImages.{uid}.versions (version {version})"),
    }
}

pub(crate) fn generate_uid(prefix: &str) -> String {
    format!("{prefix}-{}", &crate::accounts::auth::random_secret()[..10])
}

/// 403 unless the caller may change the state of `row` (see [`can_manage`]).
pub(crate) fn require_state_manager(access: &Access, managed_by_bootstrap: bool) -> ApiResult<()> {
    if managed_by_bootstrap {
        access.require_platform_admin()
    } else {
        access.require_manage()
    }
}

pub(crate) fn bootstrap_refusal(uid: &str, what: &str) -> ApiError {
    ApiError::Conflict(format!(
        "`{uid}` is a platform image, managed by the bootstrap file, so it can't be {what} through the console \
         or the API. An operator changes it at {} in the bootstrap file and restarts Wavehub.",
        bootstrap_config_path(uid, None)
    ))
}
