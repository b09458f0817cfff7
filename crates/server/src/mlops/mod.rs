//! H2O MLOps compatibility: the real `h2o-mlops` Python client manages Wavehub's workspaces'
//! runtime images unchanged, with `h2o_mlops.Client(h2o_cloud_url=<Wavehub URL>,
//! token_provider=lambda: "<Wavehub API token>")` (docs/mlops-client.md;
//! shared/spec/mlops-client.md has what the client sends and expects).
//!
//! - `/.ai.h2o.cloud.discovery/v1/…` ([`discovery`]): where the services are;
//! - `{PREFIX}/authz/v1/workspaces…`: the caller's workspaces;
//! - `{PREFIX}/runtime/v1/workspaces/{ws}/runtimeImages…`: images and versions, in the
//!   grpc-gateway shapes of [`wire`], with custom methods such as `{uid}:deprecate`.
//!
//! It is a thin layer ([`routes`]) over the functions the console's API calls, with the same
//! rules (version from the tag, current version, states and reasons, the ceiling rule), the same
//! authorization (API tokens, workspace roles; `workspaces/-` for platform admins) and the same
//! errors. Every call carries its bearer token, so the cross-origin check lets it through.

pub mod discovery;
pub mod routes;
pub mod wire;

use crate::http::state::AppState;
use axum::routing::get;
use axum::Router;

/// Where the services live (the discovery documents say so; the client is given only the site).
pub const PREFIX: &str = "/api/mlops";

/// The discovery documents at the root, the services under [`PREFIX`].
pub fn router() -> Router<AppState> {
    const IMAGES: &str = "/workspaces/{ws}/runtimeImages";
    const VERSIONS: &str = "/workspaces/{ws}/runtimeImages/{uid}/versions";
    let authz = Router::new()
        .route("/workspaces", get(routes::list_workspaces))
        .route("/workspaces:count", get(routes::count_workspaces))
        .route("/workspaces/{ws}", get(routes::get_workspace));
    let runtime = Router::new()
        .route(IMAGES, get(routes::list_images).post(routes::create_image))
        .route(&format!("{IMAGES}:count"), get(routes::count_images))
        // `{uid}` or `{uid}:{method}`: see routes::image_method.
        .route(&format!("{IMAGES}/{{uid}}"), get(routes::get_image).patch(routes::update_image).delete(routes::delete_image).post(routes::image_method))
        .route(VERSIONS, get(routes::list_versions).post(routes::create_version))
        .route(&format!("{VERSIONS}:count"), get(routes::count_versions))
        .route(&format!("{VERSIONS}/{{version}}"), get(routes::get_version).post(routes::version_method));
    let discovery = "/.ai.h2o.cloud.discovery/v1";
    Router::new()
        .route(&format!("{discovery}/environment"), get(discovery::environment))
        .route(&format!("{discovery}/services"), get(discovery::services))
        .route(&format!("{discovery}/clients"), get(discovery::clients))
        .route(&format!("{discovery}/links"), get(discovery::links))
        .route(&format!("{discovery}/components"), get(discovery::components))
        .route(&format!("{PREFIX}/version"), get(discovery::version))
        .nest(&format!("{PREFIX}/authz/v1"), authz)
        .nest(&format!("{PREFIX}/runtime/v1"), runtime)
}
