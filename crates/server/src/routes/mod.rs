//! The HTTP surface: `/api/v1/...` grouped by area, and the web app for every other path.

pub mod accounts;
pub mod apps;
pub mod bundles;
pub mod instances;
pub mod runtime_images;
pub mod tags;
pub mod users;

use crate::error::problem_response;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::web_app;
use runtime_images as ri;
use axum::http::{header, HeaderValue, Method, Uri};
use axum::response::Response;
use axum::routing::{any, delete, get, post, put};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use wavehub_core::api::{Health, Problem, API_PREFIX};

/// The whole application: API, web app, logging, compression and security headers.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .route("/auth/login", post(accounts::login))
        .route("/auth/logout", post(accounts::logout))
        .route("/me", get(accounts::me))
        .route("/tokens", get(accounts::list_tokens).post(accounts::create_token))
        .route("/tokens/{id}", delete(accounts::delete_token))
        .route("/bundles/validate", post(bundles::validate))
        .route("/apps", get(apps::list).post(apps::import))
        .route("/apps/{id}", get(apps::get).patch(apps::update).delete(apps::remove))
        .route("/apps/{id}/icon", get(apps::icon))
        .route("/apps/{id}/screenshots/{n}", get(apps::screenshot))
        .route("/apps/{id}/bundle", get(apps::bundle))
        .route("/apps/{id}/instances", post(instances::launch))
        .route("/instances", get(instances::list))
        .route("/instances/{id}", get(instances::get).patch(instances::update))
        .route("/instances/{id}/terminate", post(instances::terminate))
        .route("/instances/{id}/logs", get(instances::logs))
        .route("/instances/{id}/open", get(instances::open))
        .route("/apps/{id}/tags/{tag}", put(tags::assign).delete(tags::unassign))
        .route("/app-names/{name}/versions", get(apps::versions))
        .route("/tags", get(tags::list).post(tags::create))
        .route("/tags/{name}", axum::routing::patch(tags::update).delete(tags::remove))
        .route("/secrets", get(tags::list_secrets).post(tags::put_secret))
        .route("/secrets/{name}", delete(tags::delete_secret))
        .route("/audit", get(tags::audit_log))
        .route("/workspaces", get(ri::list_workspaces).post(ri::create_workspace))
        .route("/workspaces/{ws}", get(ri::get_workspace))
        .route("/workspaces/{ws}/members", get(ri::list_members))
        .route("/workspaces/{ws}/members/{username}", put(ri::set_member).delete(ri::remove_member))
        .route("/workspaces/{ws}/runtime-images", get(ri::list_images).post(ri::create_image))
        .route("/workspaces/{ws}/runtime-images/{uid}", get(ri::get_image).patch(ri::update_image).delete(ri::delete_image))
        .route("/workspaces/{ws}/runtime-images/{uid}/deprecate", post(ri::deprecate_image))
        .route("/workspaces/{ws}/runtime-images/{uid}/disable", post(ri::disable_image))
        .route("/workspaces/{ws}/runtime-images/{uid}/enable", post(ri::enable_image))
        .route("/workspaces/{ws}/runtime-images/{uid}/history", get(ri::image_history))
        .route("/workspaces/{ws}/runtime-images/{uid}/versions", get(ri::list_versions).post(ri::add_version))
        .route("/workspaces/{ws}/runtime-images/{uid}/versions/{version}", get(ri::get_version))
        .route("/workspaces/{ws}/runtime-images/{uid}/versions/{version}/deprecate", post(ri::deprecate_version))
        .route("/workspaces/{ws}/runtime-images/{uid}/versions/{version}/disable", post(ri::disable_version))
        .route("/workspaces/{ws}/runtime-images/{uid}/versions/{version}/activate", post(ri::activate_version))
        .route("/workspaces/{ws}/runtimes", get(ri::list_runtimes).post(ri::create_runtime))
        .route("/workspaces/{ws}/runtimes/{uid}", get(ri::get_runtime).delete(ri::delete_runtime))
        .route("/workspaces/{ws}/runtimes/{uid}/deprecate", post(ri::deprecate_runtime))
        .route("/workspaces/{ws}/runtimes/{uid}/disable", post(ri::disable_runtime))
        .route("/workspaces/{ws}/runtimes/{uid}/enable", post(ri::enable_runtime))
        .route("/runtime-images", get(ri::list_all_images))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{username}", get(users::get).patch(users::update).delete(users::remove))
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed);

    Router::new()
        .nest(API_PREFIX, api)
        // Anything else under /api is a mistyped API path, not a page of the web app.
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        .fallback(web_app::service(&state.config.static_dir))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(state)
}

/// `GET /api/v1/health`.
async fn health() -> ApiJson<Health> {
    ApiJson(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() })
}

async fn api_not_found(method: Method, uri: Uri) -> Response {
    problem_response(&Problem::new(
        404,
        format!("There is no API endpoint {method} {}.", uri.path()),
    ))
}

async fn api_method_not_allowed(method: Method, uri: Uri) -> Response {
    problem_response(&Problem::new(405, format!("{} does not accept {method}.", uri.path())))
}
