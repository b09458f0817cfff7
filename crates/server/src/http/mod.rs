//! The HTTP surface: [`router`] is the one route table, `/api/v1/...` pointing into each domain
//! folder's `routes.rs`, and the web app for every other path. Beside it: the error type and the
//! extractors every handler uses, the shared state, the cross-origin check, the OpenAPI document
//! and the web app's file server.

pub mod csrf;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod state;
pub mod web_app;

use crate::http::error::{problem_response, ApiError};
use crate::http::extract::ApiJson;
use crate::http::state::AppState;
use crate::accounts::throttle::ClientAddress;
use crate::accounts::{auth, routes as accounts};
use crate::audit::routes as audit;
use crate::instances::routes as instances;
use crate::runtime_images::routes as runtime_images;
use crate::store::routes as store;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{header, HeaderValue, Method, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post, put, MethodRouter};
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use wavehub_core::api::{Health, Problem, API_PREFIX};

/// The whole application: API, web app, logging, compression and security headers.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(crate::http::openapi::serve))
        .route("/auth/login", post(accounts::login))
        .route("/auth/logout", post(accounts::logout))
        .route("/me", get(accounts::me))
        .route("/tokens", get(accounts::list_tokens).post(accounts::create_token))
        .route("/tokens/{id}", delete(accounts::delete_token))
        .route("/bundles/validate", post(store::validate_bundle))
        .route("/apps", get(store::list_apps).post(store::import_app))
        .route("/apps/{id}", get(store::get_app).patch(store::update_app).delete(store::delete_app))
        .route("/apps/{id}/icon", get(store::get_app_icon))
        .route("/apps/{id}/screenshots/{n}", get(store::get_app_screenshot))
        .route("/apps/{id}/bundle", get(store::download_app_bundle))
        .route("/apps/{id}/files/{*path}", get(store::get_app_file))
        .route("/apps/{id}/instances", post(instances::launch_instance))
        .route("/instances", get(instances::list_instances))
        .route("/instances/{id}", get(instances::get_instance).patch(instances::update_instance))
        .route("/instances/{id}/terminate", post(instances::terminate_instance))
        .route("/instances/{id}/logs", get(instances::instance_logs))
        .route("/instances/{id}/open", get(instances::open_instance))
        .route("/apps/{id}/tags/{tag}", put(store::assign_tag).delete(store::unassign_tag))
        .route("/app-names/{name}/versions", get(store::list_app_versions))
        .route("/app-names/{name}/history", get(store::app_name_history))
        .route("/tags", get(store::list_tags).post(store::create_tag))
        .route("/tags/{name}", axum::routing::patch(store::update_tag).delete(store::delete_tag))
        .route("/secrets", get(store::list_secrets).post(store::put_secret))
        .route("/secrets/{name}", delete(store::delete_secret))
        .route("/audit", get(audit::audit_log))
        .route("/workspaces", get(runtime_images::list_workspaces).post(runtime_images::create_workspace))
        .route("/workspaces/{ws}", get(runtime_images::get_workspace))
        .route("/workspaces/{ws}/members", get(runtime_images::list_members))
        .route("/workspaces/{ws}/members/{username}", put(runtime_images::set_member).delete(runtime_images::remove_member))
        .route("/workspaces/{ws}/runtime-images", get(runtime_images::list_images).post(runtime_images::create_image))
        .route("/workspaces/{ws}/runtime-images/{uid}", get(runtime_images::get_image).patch(runtime_images::update_image).delete(runtime_images::delete_image))
        .route("/workspaces/{ws}/runtime-images/{uid}/{action}", action_route::<false>(post(runtime_images::change_image_state)))
        .route("/workspaces/{ws}/runtime-images/{uid}/history", get(runtime_images::image_history))
        .route("/workspaces/{ws}/runtime-images/{uid}/versions", get(runtime_images::list_versions).post(runtime_images::add_version))
        .route("/workspaces/{ws}/runtime-images/{uid}/versions/{version}", get(runtime_images::get_version))
        .route("/workspaces/{ws}/runtime-images/{uid}/versions/{version}/{action}", action_route::<true>(post(runtime_images::change_version_state)))
        .route("/workspaces/{ws}/runtimes", get(runtime_images::list_runtimes).post(runtime_images::create_runtime))
        .route("/workspaces/{ws}/runtimes/{uid}", get(runtime_images::get_runtime).delete(runtime_images::delete_runtime))
        .route("/workspaces/{ws}/runtimes/{uid}/{action}", action_route::<false>(post(runtime_images::change_runtime_state)))
        .route("/runtime-images", get(runtime_images::list_all_images))
        .route("/users", get(accounts::list_users).post(accounts::create_user))
        .route("/users/{username}", get(accounts::get_user).patch(accounts::update_user).delete(accounts::delete_user))
        .fallback(api_not_found)
        .method_not_allowed_fallback(api_method_not_allowed);
    let api = Router::new()
        .nest(API_PREFIX, api)
        .merge(crate::mlops::router())
        // Anything else under /api is a mistyped API path, not a page of the web app.
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found))
        // API answers are data for this console's own code: never cached (they hold private
        // data), never a document a browser renders or frames.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        ));

    Router::new()
        .merge(api)
        .fallback(web_app::service(&state))
        // Innermost: a cross-origin write never reaches a handler (see crate::http::csrf).
        .layer(middleware::from_fn_with_state(state.clone(), csrf::refuse_cross_origin))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            // Only when the console is served over HTTPS (behind a TLS proxy): browsers ignore it
            // on plain HTTP, and it would pin a test host to HTTPS for a year.
            state.config.public_url.starts_with("https://").then(|| HeaderValue::from_static("max-age=31536000")),
        ))
        // A line per request only at debug (`WAVEHUB_LOG=tower_http=debug`): at info they made
        // hundreds of megabytes under load. The access log below is the one to keep.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(tracing::Level::DEBUG))
                .on_response(DefaultOnResponse::new().level(tracing::Level::DEBUG)),
        )
        // Outermost, so it sees every answer (403s from the origin check included) and its time.
        .layer(middleware::from_fn_with_state(state.clone(), access_log))
        .with_state(state)
}

/// The access log's tracing target. Its events are off unless `wavehub serve --access-log`
/// (`WAVEHUB_ACCESS_LOG=1`) writes them, one JSON object per line, on stdout.
pub const ACCESS_LOG_TARGET: &str = "wavehub::access";

/// Writes the access log line for each request, when the access log is on: time, method, path
/// (without the query, which may hold search words), status, latency until the response's head
/// (in ms), client address and the user id of the session or token (null when there is none).
async fn access_log(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !tracing::enabled!(target: ACCESS_LOG_TARGET, tracing::Level::INFO) {
        return next.run(request).await;
    }
    let started = std::time::Instant::now();
    let (parts, body) = request.into_parts();
    let client = ClientAddress::of(&parts);
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    let user_id = user_id_of(&state, &parts).await;
    let response = next.run(Request::from_parts(parts, body)).await;
    let line = AccessLine {
        time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        method: method.as_str(),
        path: &path,
        status: response.status().as_u16(),
        latency_ms: (started.elapsed().as_secs_f64() * 1_000_000.0).round() / 1000.0,
        client: client.0,
        user_id,
    };
    if let Ok(line) = serde_json::to_string(&line) {
        tracing::info!(target: ACCESS_LOG_TARGET, "{line}");
    }
    response
}

/// One line of the access log, its fields in this order.
#[derive(serde::Serialize)]
struct AccessLine<'a> {
    time: String,
    method: &'a str,
    path: &'a str,
    status: u16,
    latency_ms: f64,
    client: Option<std::net::IpAddr>,
    user_id: Option<i64>,
}

/// The user a request's token or session cookie belongs to, for the access log: looked up once
/// a minute per credential (an indexed read), remembered in between. Whether the credential is
/// still valid is the handler's business.
async fn user_id_of(state: &AppState, parts: &axum::http::request::Parts) -> Option<i64> {
    type Remembered = std::sync::Mutex<std::collections::HashMap<String, (Option<i64>, std::time::Instant)>>;
    static REMEMBERED: std::sync::OnceLock<Remembered> = std::sync::OnceLock::new();
    const REMEMBER_FOR: std::time::Duration = std::time::Duration::from_secs(60);
    let credential = auth::SentCredential::of(parts, state.config.secure_cookies)?;
    let key = credential.key();
    let remembered = REMEMBERED.get_or_init(Default::default);
    let now = std::time::Instant::now();
    if let Some((user_id, at)) = remembered.lock().expect("access log lock").get(&key) {
        if now.duration_since(*at) < REMEMBER_FOR {
            return *user_id;
        }
    }
    let user_id = credential.user_id(&state.db).await.ok().flatten();
    let mut remembered = remembered.lock().expect("access log lock");
    if remembered.len() >= 10_000 {
        remembered.retain(|_, (_, at)| now.duration_since(*at) < REMEMBER_FOR);
        if remembered.len() >= 10_000 {
            remembered.clear();
        }
    }
    remembered.insert(key, (user_id, now));
    user_id
}

/// `GET /api/v1/health`.
#[utoipa::path(
    get, path = "/health", tag = "meta", operation_id = "health",
    responses((status = 200, description = "The server is up; its version.", body = Health)),
    security(()),
)]
pub async fn health() -> ApiJson<Health> {
    ApiJson(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() })
}

/// A 201 for what a `POST` made: `body`, and its address `location` (below `/api/v1`) in `Location`.
pub fn created<T: serde::Serialize>(location: String, body: T) -> impl IntoResponse {
    (axum::http::StatusCode::CREATED, [(header::LOCATION, format!("{API_PREFIX}/{location}"))], ApiJson(body))
}

/// The 404 of a path the API does not have.
pub(crate) fn no_such_endpoint(method: &Method, uri: &Uri) -> ApiError {
    ApiError::NotFound(format!("There is no API endpoint {method} {}.", uri.path()))
}

async fn api_not_found(method: Method, uri: Uri) -> Response {
    no_such_endpoint(&method, &uri).into_response()
}

/// A state route (`POST .../{action}`): its POST, and [`state_route_fallback`] for other methods.
fn action_route<const FOR_VERSION: bool>(post: MethodRouter<AppState>) -> MethodRouter<AppState> {
    post.fallback(state_route_fallback::<FOR_VERSION>)
}

/// Any other method on a state route (`.../{action}`, POST only): a 405 when the last segment is
/// an action, as on every route; else the 404 of a path the API does not have, since the route
/// stands for the action paths only (`FOR_VERSION`: versions say `activate`, see
/// [`extract::StateVerb`]).
async fn state_route_fallback<const FOR_VERSION: bool>(method: Method, uri: Uri, OriginalUri(sent): OriginalUri) -> Response {
    match extract::StateVerb::<FOR_VERSION>::of(&uri) {
        Some(_) => api_method_not_allowed(method, uri).await,
        None => api_not_found(method, sent).await,
    }
}

async fn api_method_not_allowed(method: Method, uri: Uri) -> Response {
    problem_response(&Problem::new(405, format!("{} does not accept {method}.", uri.path())))
}
