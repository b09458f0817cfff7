//! Serves the built web app (trunk's `dist/`). Paths that are not files get `index.html`, so a
//! link such as `/apps/42` opens the app, whose router shows the page.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::{get_service, MethodRouter};
use std::path::Path;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeader;

/// The service for every non-API path.
pub fn service(static_dir: &Path) -> MethodRouter<crate::state::AppState> {
    let index = static_dir.join("index.html");
    if !index.is_file() {
        tracing::warn!(dir = %static_dir.display(), "no built web app here; `cargo xtask serve` builds it");
        return get_service(tower::service_fn(|_req| async { Ok::<_, std::convert::Infallible>(not_built().into_response()) }));
    }
    // index.html must be revalidated so a new build is picked up; trunk's hashed file names make
    // everything else safe to cache.
    let index = SetResponseHeader::overriding(ServeFile::new(index), header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    get_service(ServeDir::new(static_dir).fallback(index))
}

fn not_built() -> impl IntoResponse {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(
            "<!doctype html><title>Wavehub</title><h1>The web app is not built</h1>\
             <p>Run <code>cargo xtask serve</code>, which builds it and starts the server, or pass \
             <code>--static-dir</code> pointing at a built <code>dist/</code> folder. The API is up at \
             <a href=\"/api/v1/health\">/api/v1/health</a>.</p>",
        ),
    )
}
