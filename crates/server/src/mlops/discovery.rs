//! The H2O Cloud discovery documents the client reads first, under the URL it is given
//! (`{url}/.ai.h2o.cloud.discovery/v1/...`), and the secure-store probe. They name where the
//! services are: all of them under [`super::PREFIX`] on this server.

use super::PREFIX;
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::Json;
use serde_json::{json, Value};

/// Where the client reached this server: the request's `Host`, with the scheme of the public URL
/// (`--public-url`; `https` behind a TLS proxy), so the service addresses work from wherever the
/// client is, as long as it can reach the server at all. Without a `Host`, the public URL.
fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let public = state.config.public_url.trim_end_matches('/');
    let scheme = public.split_once("://").map_or("http", |(scheme, _)| scheme);
    match headers.get(header::HOST).and_then(|host| host.to_str().ok()).filter(|host| !host.is_empty()) {
        Some(host) => format!("{scheme}://{host}"),
        None => public.to_owned(),
    }
}

/// `environment`: all three keys are required by the discovery client. The issuer is only used
/// to refresh tokens, which a Wavehub API token never needs.
pub async fn environment(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let base = base_url(&state, &headers);
    Json(json!({"environment": {
        "h2oCloudEnvironment": base,
        "issuerUrl": base,
        "h2oCloudPlatformOauth2Scope": "openid offline_access",
    }}))
}

/// `services`: the client needs all three. It adds `/runtime` to `mlops-api`, and probes
/// `version` next to `secure-store`'s last segment ([`version`]). No `nextPageToken`: the
/// discovery client asks again for as long as the key is there, even when it is `""`.
pub async fn services(State(state): State<AppState>, headers: HeaderMap) -> Json<Value> {
    let base = format!("{}{PREFIX}", base_url(&state, &headers));
    let service = |name: &str, title: &str, path: &str| json!({"name": format!("services/{name}"), "displayName": title, "uri": format!("{base}{path}")});
    Json(json!({"services": [
        service("mlops-api", "Wavehub runtime images (H2O MLOps API)", ""),
        service("authz-gateway", "Wavehub workspaces", "/authz"),
        service("secure-store", "Wavehub (no secure store)", "/secure-store"),
    ]}))
}

pub async fn clients() -> Json<Value> {
    Json(json!({"clients": []}))
}

pub async fn links() -> Json<Value> {
    Json(json!({"links": []}))
}

pub async fn components() -> Json<Value> {
    Json(json!({"components": []}))
}

/// `GET {PREFIX}/version`: what the secure-store client probes when it starts (any 2xx).
pub async fn version() -> Json<Value> {
    Json(json!({"version": env!("CARGO_PKG_VERSION")}))
}
