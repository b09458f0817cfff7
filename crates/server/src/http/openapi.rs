//! `GET /api/v1/openapi.json`: the API as an OpenAPI 3.1 document, generated from the code, not
//! written by hand. Each handler carries its `#[utoipa::path]` (method, path, parameters, body,
//! answers); the shapes are `wavehub-core`'s own types (its `openapi` feature derives their schemas,
//! following their serde attributes). [`Conventions`] then adds what every handler shares instead
//! of repeating it: the `/api/v1` prefix, the two ways to sign in, and the problem answers
//! (`application/problem+json`) that the extractors and [`crate::http::error::ApiError`] give.
//!
//! The tests below fail when a route of the router is missing from the document or the document
//! names an operation no route serves; `cargo xtask test` runs schemathesis against the document
//! served by a real server.

use crate::accounts::routes as accounts;
use crate::audit::routes as audit;
use crate::instances::routes as instances;
use crate::runtime_images::routes as runtime_images;
use crate::store::routes as store;
use axum::http::header;
use axum::response::IntoResponse;
use std::sync::OnceLock;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Content, Ref, RefOr, Required, ResponseBuilder};
use utoipa::{Modify, OpenApi};
use wavehub_core::api::{Problem, API_PREFIX, PROBLEM_CONTENT_TYPE};
use wavehub_core::apps::AppSort;
use wavehub_core::runtime_images::ImageSort;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Wavehub",
        description = "Wavehub's HTTP API: accounts, the app store, instances, tags, secrets, the audit log, \
            workspaces with their runtime images and runtimes. Errors are `application/problem+json` \
            (RFC 9457); a 422 lists its findings in `errors`. Lists are pages: `{items, total, page, page_size}`."
    ),
    paths(
        crate::http::health, serve,
        accounts::login, accounts::logout, accounts::me, accounts::list_tokens, accounts::create_token, accounts::delete_token,
        store::validate_bundle,
        store::list_apps, store::import_app, store::get_app, store::update_app, store::delete_app, store::get_app_icon,
        store::get_app_screenshot, store::download_app_bundle, store::get_app_file, store::list_app_versions, store::app_name_history,
        instances::launch_instance, instances::list_instances, instances::get_instance, instances::update_instance,
        instances::terminate_instance, instances::instance_logs, instances::open_instance,
        store::assign_tag, store::unassign_tag, store::list_tags, store::create_tag, store::update_tag, store::delete_tag,
        store::list_secrets, store::put_secret, store::delete_secret, audit::audit_log,
        runtime_images::list_workspaces, runtime_images::create_workspace, runtime_images::get_workspace, runtime_images::list_members,
        runtime_images::set_member, runtime_images::remove_member,
        runtime_images::list_images, runtime_images::create_image, runtime_images::get_image, runtime_images::update_image,
        runtime_images::delete_image,
        runtime_images::change_image_state, runtime_images::image_history,
        runtime_images::list_versions, runtime_images::add_version, runtime_images::get_version, runtime_images::change_version_state,
        runtime_images::list_runtimes, runtime_images::create_runtime, runtime_images::get_runtime, runtime_images::delete_runtime,
        runtime_images::change_runtime_state,
        runtime_images::list_all_images,
        accounts::list_users, accounts::create_user, accounts::get_user, accounts::update_user, accounts::delete_user,
    ),
    components(schemas(Problem, AppSort, ImageSort)),
    security(("session" = []), ("bearer" = [])),
    modifiers(&Conventions),
    tags(
        (name = "meta", description = "The server itself: health and this document."),
        (name = "accounts", description = "Signing in and out, the caller, API tokens."),
        (name = "users", description = "Accounts, managed by admins."),
        (name = "apps", description = "The app store: import, the catalog, an app's data, images and bundle."),
        (name = "instances", description = "Running apps: launch, list, visibility, terminate, logs, open."),
        (name = "tags", description = "Tags and their assignment to apps."),
        (name = "secrets", description = "Write-only secrets that apps read (admins)."),
        (name = "audit", description = "The audit log (admins)."),
        (name = "workspaces", description = "Workspaces and their members."),
        (name = "runtime-images", description = "Runtime images and their versions, per workspace."),
        (name = "runtimes", description = "Runtimes: a model type bound to a runtime image."),
    ),
)]
struct ApiDoc;

/// Bytes that are not JSON: a `.wave` upload or download.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary, min_length = 1)]
#[allow(dead_code)] // only its schema is used
pub struct Binary(Vec<u8>);

/// The document, built once.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOCUMENT.get_or_init(ApiDoc::openapi)
}

/// `GET /api/v1/openapi.json`: public, like the API's shape is.
#[utoipa::path(
    get, path = "/openapi.json", tag = "meta", operation_id = "openapi",
    responses((status = 200, description = "This document (OpenAPI 3.1).", body = Object)),
    security(()),
)]
pub async fn serve() -> impl IntoResponse {
    static JSON: OnceLock<String> = OnceLock::new();
    let json = JSON.get_or_init(|| document().to_pretty_json().expect("the OpenAPI document serializes"));
    ([(header::CONTENT_TYPE, "application/json")], json.as_str())
}


/// What every operation shares, added to the generated document: see the module's documentation.
struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.info.version = env!("CARGO_PKG_VERSION").into();
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::accounts::auth::SESSION_COOKIE,
                "The browser session `POST /auth/login` sets (`__Host-wavehub_session` with `--secure-cookies`).",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token (`wh_...`) from `POST /tokens`."))
                    .build(),
            ),
        );
        let paths = std::mem::take(&mut openapi.paths.paths);
        for (path, mut item) in paths {
            for (method, operation) in [
                ("get", &mut item.get),
                ("post", &mut item.post),
                ("put", &mut item.put),
                ("patch", &mut item.patch),
                ("delete", &mut item.delete),
            ] {
                if let Some(operation) = operation {
                    add_problem_answers(method, operation);
                }
            }
            openapi.paths.paths.insert(format!("{API_PREFIX}{path}"), item);
        }
    }
}

/// The error answers an operation can give by the way it is built, when its annotation does not
/// describe them itself, and the problem body of every 4xx and 5xx answer without one.
fn add_problem_answers(method: &str, operation: &mut Operation) {
    let anonymous = serde_json::json!({});
    let requirements: Vec<serde_json::Value> =
        operation.security.iter().flatten().map(|r| serde_json::to_value(r).unwrap_or_default()).collect();
    // `security(())` alone marks a public operation: no requirement at all, rather than an empty one.
    if requirements == [anonymous.clone()] {
        operation.security = Some(Vec::new());
    }
    let signed_in = !requirements.contains(&anonymous);
    let has_params = |place: ParameterIn| {
        operation.parameters.iter().flatten().any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    if let Some(RefOr::T(body)) = &mut operation.request_body {
        if !matches!(body.required, Some(Required::True)) {
            not_null(body);
        }
    }
    let body = match &operation.request_body {
        Some(RefOr::T(body)) => Some(body),
        _ => None,
    };
    let mut defaults: Vec<(u16, &str)> = Vec::new();
    if body.is_some() {
        defaults.push((400, "The body cannot be read (not valid JSON, or cut short)."));
        defaults.push((413, "The body is larger than the server accepts."));
        defaults.push((422, "The body breaks the rules: `errors` says where and how."));
    }
    if body.is_some_and(|body: &RequestBody| body.content.contains_key("application/json")) {
        defaults.push((415, "The body is not sent as `application/json`."));
    }
    if signed_in {
        defaults.push((401, "Not signed in: no valid session cookie or bearer token."));
    }
    if signed_in || method != "get" {
        defaults.push((403, "Not allowed: the caller's roles do not allow it, or a browser sent it from another origin."));
    }
    if has_params(ParameterIn::Path) {
        defaults.push((404, "Not found, or not visible to the caller."));
    }
    if has_params(ParameterIn::Query) {
        defaults.push((422, "A query parameter is invalid: `errors` says which."));
    }
    defaults.push((500, "A fault on the server's side; the details are in its log."));
    let answers = &mut operation.responses.responses;
    for (status, description) in defaults {
        answers.entry(status.to_string()).or_insert_with(|| ResponseBuilder::new().description(description).build().into());
    }
    for (status, answer) in answers.iter_mut() {
        let is_error = status.starts_with('4') || status.starts_with('5');
        if let RefOr::T(answer) = answer {
            if is_error && answer.content.is_empty() {
                let problem = Content::new(Some(Ref::from_schema_name("Problem")));
                answer.content.insert(PROBLEM_CONTENT_TYPE.to_owned(), problem.into());
            }
        }
    }
}

/// An optional body (`request_body(content = Option<T>)`, read by `OptionalJson`) may be left
/// out, but when sent it is a `T`: `null` is not one. utoipa writes `oneOf: [T, null]`; this
/// keeps `T`.
fn not_null(body: &mut RequestBody) {
    let null = serde_json::json!({"type": "null"});
    for content in body.content.values_mut() {
        if let RefOr::T(Content { schema: Some(RefOr::T(Schema::OneOf(one_of))), .. }) = content {
            let mut kept = one_of.items.iter().filter(|item| serde_json::to_value(item).ok().as_ref() != Some(&null));
            if let (Some(only), None) = (kept.next(), kept.next()) {
                let only = only.clone();
                if let RefOr::T(content) = content {
                    content.schema = Some(only);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// `(method, path)` of every route in `http::router`, read from its source: axum cannot list
    /// a router's routes. Each `.route("PATH", get(..).post(..))` line gives one pair per method.
    fn routes_in_router() -> BTreeSet<(String, String)> {
        let source = include_str!("mod.rs");
        let router = &source[source.find("pub fn router(").expect("http::router")..];
        let api = &router[..router.find(".fallback(").expect("the API's fallback ends its routes")];
        let mut routes = BTreeSet::new();
        for line in api.lines().map(str::trim).filter(|line| line.starts_with(".route(\"")) {
            // A catch-all (`{*path}`) is one path parameter to OpenAPI.
            let path = line[".route(\"".len()..].split('"').next().expect("a quoted path").replace("{*", "{");
            let handlers = &line[line.find("\",").expect("path, then handlers") + 2..];
            for piece in handlers.split(['(', '.', ' ', ':']) {
                if let method @ ("get" | "post" | "put" | "patch" | "delete") = piece {
                    routes.insert((method.to_uppercase(), format!("{API_PREFIX}{path}")));
                }
            }
        }
        routes
    }

    fn document_json() -> serde_json::Value {
        serde_json::to_value(document()).expect("the document serializes")
    }

    fn operations_in_document() -> BTreeSet<(String, String)> {
        let mut operations = BTreeSet::new();
        for (path, item) in document_json()["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("a path item").keys() {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
        operations
    }

    #[test]
    fn the_route_reader_sees_the_router() {
        let routes = routes_in_router();
        assert!(routes.len() > 60, "only {} routes read from http/mod.rs", routes.len());
        for expected in [("GET", "/api/v1/health"), ("PATCH", "/api/v1/tags/{name}"), ("DELETE", "/api/v1/users/{username}")] {
            assert!(routes.contains(&(expected.0.into(), expected.1.into())), "{expected:?} not read");
        }
    }

    #[test]
    fn every_route_is_documented_and_every_operation_served() {
        let routes = routes_in_router();
        let operations = operations_in_document();
        let undocumented: Vec<_> = routes.difference(&operations).collect();
        let unserved: Vec<_> = operations.difference(&routes).collect();
        assert!(undocumented.is_empty(), "routes missing from the OpenAPI document (add #[utoipa::path] and list the handler in ApiDoc): {undocumented:?}");
        assert!(unserved.is_empty(), "operations in the OpenAPI document that no route serves: {unserved:?}");
    }

    #[test]
    fn a_bundle_file_is_served_only_in_a_documented_media_type() {
        let json = document_json();
        let documented = json["paths"]["/api/v1/apps/{id}/files/{path}"]["get"]["responses"]["200"]["content"]
            .as_object()
            .expect("the file route documents its content");
        for name in ["a.png", "a.JPG", "a.jpeg", "a.gif", "a.webp", "a.avif", "a.svg", "a.pdf", "a.csv", "a.md", "a.html", "LICENSE"] {
            let media_type = wavehub_core::bundle::served::served_as(name).media_type();
            let essence = media_type.split(';').next().unwrap_or_default();
            assert!(documented.contains_key(essence), "{name} is served as {media_type}, which the document does not list");
        }
    }

    #[test]
    fn operation_ids_are_unique_and_every_reference_resolves() {
        let json = document_json();
        assert_eq!(json["openapi"], "3.1.0");
        let mut ids = BTreeSet::new();
        for item in json["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                let id = operation["operationId"].as_str().expect("every operation has an id");
                assert!(ids.insert(id.to_owned()), "operationId {id} twice");
            }
        }
        let schemas = json["components"]["schemas"].as_object().expect("schemas");
        let mut references = Vec::new();
        collect_references(&json, &mut references);
        assert!(!references.is_empty());
        for reference in references {
            let name = reference.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected $ref {reference}"));
            assert!(schemas.contains_key(name), "$ref {reference} has no schema");
        }
    }

    fn collect_references(value: &serde_json::Value, into: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(reference)) = map.get("$ref") {
                    into.push(reference.clone());
                }
                map.values().for_each(|v| collect_references(v, into));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect_references(v, into)),
            _ => {}
        }
    }

    #[test]
    fn errors_are_problems_and_public_operations_say_so() {
        let json = document_json();
        let login = &json["paths"]["/api/v1/auth/login"]["post"];
        assert_eq!(login["security"], serde_json::json!([]));
        assert_eq!(login["responses"]["401"]["content"][PROBLEM_CONTENT_TYPE]["schema"]["$ref"], "#/components/schemas/Problem");
        let me = &json["paths"]["/api/v1/me"]["get"];
        assert!(me.get("security").is_none(), "signed-in operations inherit the document's security");
        assert!(me["responses"]["401"].is_object());
        assert_eq!(json["security"], serde_json::json!([{"session": []}, {"bearer": []}]));
    }
}
