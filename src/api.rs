//! The one typed client for Wavehub's HTTP API. Every call goes through [`call`], which turns the
//! server's `application/problem+json` answers into [`ApiError`] values the pages show as they are.

use gloo_net::http::{Request, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wavehub_core::accounts::{CreatedToken, LoginRequest, Me, NewToken, NewUser, TokenInfo, User, UserPatch};
use wavehub_core::api::{Finding, Page, Problem, API_PREFIX};
use wavehub_core::apps::{percent_encode, AppDetail, AppEvent, AppListPage, AppPatch, AppQuery, AppVersion, Visibility};
use wavehub_core::instances::{Instance, InstancePatch, InstanceQuery, NewInstance};
use wavehub_core::runtime_images::{
    MemberRole, NewRuntime, NewRuntimeImage, NewRuntimeImageVersion, NewWorkspace, Runtime, RuntimeImage, RuntimeImagePatch,
    RuntimeImageQuery, RuntimeImageVersion, Availability, StateAction, StateChange, StateEvent, VersionList, Workspace,
    WorkspaceMember, WorkspaceRole,
};

/// What can go wrong when the page talks to the server, in words meant for the person using it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 401: not signed in, session over, or wrong credentials.
    #[error("{}", .0.message())]
    Unauthorized(Problem),
    /// 403: signed in, but not allowed.
    #[error("{}", .0.message())]
    Forbidden(Problem),
    /// 404: not there, or not visible to this user.
    #[error("{}", .0.message())]
    NotFound(Problem),
    /// 409: conflicts with the current state.
    #[error("{}", .0.message())]
    Conflict(Problem),
    /// 400 or 422: the input was refused; `findings` says where and why.
    #[error("{}", .0.message())]
    Invalid(Problem),
    /// Any other status, typically 5xx.
    #[error("{}", .0.message())]
    Server(Problem),
    /// The request never got an answer.
    #[error("Cannot reach the Wavehub server ({0}). Check the connection and try again.")]
    Network(String),
    /// The answer was not what this page expects (for example an older or newer server).
    #[error("The server's answer could not be read ({0}). Reload the page; if it persists, report it.")]
    Decode(String),
}

impl ApiError {
    /// Classifies an error answer by status. A body that is not problem+json (a proxy's error
    /// page, say) still becomes a problem with a sentence a person can act on.
    pub fn from_response(status: u16, body: &str) -> ApiError {
        let problem = serde_json::from_str::<Problem>(body).unwrap_or_else(|_| {
            Problem::new(status, format!("The server answered {status} {}.", wavehub_core::api::reason_phrase(status)))
        });
        match status {
            401 => ApiError::Unauthorized(problem),
            403 => ApiError::Forbidden(problem),
            404 => ApiError::NotFound(problem),
            409 => ApiError::Conflict(problem),
            400 | 422 => ApiError::Invalid(problem),
            _ => ApiError::Server(problem),
        }
    }

    /// The per-field findings of a validation failure (empty for other errors).
    pub fn findings(&self) -> &[Finding] {
        match self {
            ApiError::Invalid(problem) => &problem.errors,
            _ => &[],
        }
    }
}

/// The full path of an API endpoint (for links and `<img src>`, which the browser fetches itself).
pub fn url(path: &str) -> String {
    format!("{API_PREFIX}{path}")
}

/// Sends a request and returns the body text of a 2xx answer, or the error.
async fn call(request: Result<Request, gloo_net::Error>) -> Result<String, ApiError> {
    let request = request.map_err(|e| ApiError::Network(e.to_string()))?;
    let response = request.send().await.map_err(|e| ApiError::Network(e.to_string()))?;
    let status = response.status();
    let body = response.text().await.map_err(|e| ApiError::Network(e.to_string()))?;
    if (200..300).contains(&status) {
        Ok(body)
    } else {
        Err(ApiError::from_response(status, &body))
    }
}

fn decode<T: DeserializeOwned>(body: &str) -> Result<T, ApiError> {
    serde_json::from_str(body).map_err(|e| ApiError::Decode(e.to_string()))
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    // From the URL as it is: gloo's builder adds a `&` to a URL with a query, and the catalog's
    // first request must be the very URL the server has the browser preload (core's
    // `WebEntry::first_requests`) to be answered from it.
    let request = web_sys::Request::new_with_str(&url(path)).map(Request::from).map_err(|e| ApiError::Network(format!("{e:?}")))?;
    decode(&call(Ok(request)).await?)
}

async fn send<B: Serialize, T: DeserializeOwned>(builder: RequestBuilder, body: &B) -> Result<T, ApiError> {
    decode(&call(builder.json(body)).await?)
}

async fn send_empty(builder: RequestBuilder) -> Result<(), ApiError> {
    call(builder.build()).await.map(drop)
}

/// Sends a body to an endpoint that answers with none (a delete with its reason).
async fn send_no_answer<B: Serialize>(builder: RequestBuilder, body: &B) -> Result<(), ApiError> {
    call(builder.json(body)).await.map(drop)
}

/// `POST /auth/login`: starts a session (the server sets an HttpOnly cookie).
pub async fn login(request: &LoginRequest) -> Result<Me, ApiError> {
    send(Request::post(&url("/auth/login")), request).await
}

/// `POST /auth/logout`.
pub async fn logout() -> Result<(), ApiError> {
    send_empty(Request::post(&url("/auth/logout"))).await
}

/// `GET /me`: who is signed in, or `None` when nobody is.
pub async fn me() -> Result<Option<Me>, ApiError> {
    match get::<Me>("/me").await {
        Ok(me) => Ok(Some(me)),
        Err(ApiError::Unauthorized(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// `GET /tokens`: the caller's API tokens, newest first.
pub async fn list_tokens() -> Result<Vec<TokenInfo>, ApiError> {
    get("/tokens").await
}

/// `GET /tokens?all=true`: every user's tokens, for admins.
pub async fn list_all_tokens() -> Result<Vec<TokenInfo>, ApiError> {
    get("/tokens?all=true").await
}

/// `POST /tokens`: a new API token, whose secret this answer shows the only time.
pub async fn create_token(request: &NewToken) -> Result<CreatedToken, ApiError> {
    send(Request::post(&url("/tokens")), request).await
}

/// `DELETE /tokens/{id}`: revokes a token.
pub async fn revoke_token(id: i64) -> Result<(), ApiError> {
    send_empty(Request::delete(&url(&format!("/tokens/{id}")))).await
}

/// `GET /users`.
pub async fn list_users(page: u32, page_size: u32) -> Result<Page<User>, ApiError> {
    get(&format!("/users?page={page}&page_size={page_size}")).await
}

/// `POST /users`.
pub async fn create_user(user: &NewUser) -> Result<User, ApiError> {
    send(Request::post(&url("/users")), user).await
}

/// `PATCH /users/{username}`.
pub async fn update_user(username: &str, patch: &UserPatch) -> Result<User, ApiError> {
    send(Request::patch(&url(&format!("/users/{username}"))), patch).await
}

/// `DELETE /users/{username}` `{reason}`.
pub async fn delete_user(username: &str, why: &Reason) -> Result<(), ApiError> {
    send_no_answer(Request::delete(&url(&format!("/users/{}", percent_encode(username)))), why).await
}

/// `GET /apps?...`: a page of the catalog.
pub async fn list_apps(query: &AppQuery) -> Result<AppListPage, ApiError> {
    get(&format!("/apps?{}", query.to_query_string())).await
}

/// `GET /apps/{id}`.
pub async fn get_app(id: i64) -> Result<AppDetail, ApiError> {
    get(&format!("/apps/{id}")).await
}

/// `GET /app-names/{name}/versions`: newest first; empty when the caller sees none.
pub async fn app_versions(name: &str) -> Result<Vec<AppVersion>, ApiError> {
    let path = format!("/app-names/{}/versions", percent_encode(name));
    get::<Page<AppVersion>>(&path).await.map(|page| page.items)
}

/// `PATCH /apps/{id}`.
pub async fn update_app(id: i64, patch: &AppPatch) -> Result<AppDetail, ApiError> {
    send(Request::patch(&url(&format!("/apps/{id}"))), patch).await
}

/// `DELETE /apps/{id}`, with the reason when one is given.
pub async fn delete_app(id: i64, reason: &Reason) -> Result<(), ApiError> {
    let request = Request::delete(&url(&format!("/apps/{id}")));
    match reason.text() {
        Some(_) => call(request.json(reason)).await.map(drop),
        None => send_empty(request).await,
    }
}

/// `GET /app-names/{name}/history?page=`: newest first (the name's authors and admins).
pub async fn app_history(name: &str, page: u32) -> Result<Page<AppEvent>, ApiError> {
    get(&format!("/app-names/{}/history?page={page}", percent_encode(name))).await
}

/// Where the browser loads an app's icon, screenshots and bundle from.
pub fn app_icon_url(id: i64) -> String {
    url(&format!("/apps/{id}/icon"))
}
pub fn app_screenshot_url(id: i64, n: u32) -> String {
    url(&format!("/apps/{id}/screenshots/{n}"))
}
pub fn app_bundle_url(id: i64) -> String {
    url(&format!("/apps/{id}/bundle"))
}

// ---- Runtime images (shared/API.md, "Runtime images") ----

/// `/workspaces/{ws}` with the id escaped for the path.
fn workspace_path(ws: &str) -> String {
    format!("/workspaces/{}", percent_encode(ws))
}

/// `/workspaces/{ws}/runtime-images/{uid}`.
fn image_path(ws: &str, uid: &str) -> String {
    format!("{}/runtime-images/{}", workspace_path(ws), percent_encode(uid))
}

/// `/workspaces/{ws}/runtimes/{uid}`.
fn runtime_path(ws: &str, uid: &str) -> String {
    format!("{}/runtimes/{}", workspace_path(ws), percent_encode(uid))
}

/// `GET /workspaces`: the caller's workspaces (platform admins: all).
pub async fn list_workspaces() -> Result<Page<Workspace>, ApiError> {
    get("/workspaces?page_size=500").await
}

/// `POST /workspaces` (platform admins).
pub async fn create_workspace(request: &NewWorkspace) -> Result<Workspace, ApiError> {
    send(Request::post(&url("/workspaces")), request).await
}

/// `GET /workspaces/{ws}/members`.
pub async fn list_members(ws: &str) -> Result<Vec<WorkspaceMember>, ApiError> {
    get(&format!("{}/members", workspace_path(ws))).await
}

/// `PUT /workspaces/{ws}/members/{username}`: adds the user or changes their role.
pub async fn set_member(ws: &str, username: &str, role: WorkspaceRole) -> Result<WorkspaceMember, ApiError> {
    let path = format!("{}/members/{}", workspace_path(ws), percent_encode(username));
    send(Request::put(&url(&path)), &MemberRole { role }).await
}

/// `DELETE /workspaces/{ws}/members/{username}`.
pub async fn remove_member(ws: &str, username: &str) -> Result<(), ApiError> {
    let path = format!("{}/members/{}", workspace_path(ws), percent_encode(username));
    send_empty(Request::delete(&url(&path))).await
}

/// `GET /workspaces/{ws}/runtime-images?...`: a page of the workspace's images (the platform's
/// included).
pub async fn list_runtime_images(ws: &str, query: &RuntimeImageQuery) -> Result<Page<RuntimeImage>, ApiError> {
    let query = query.to_query_string();
    let separator = if query.is_empty() { "" } else { "?" };
    get(&format!("{}/runtime-images{separator}{query}", workspace_path(ws))).await
}

/// `GET /runtime-images?...`: a page of every workspace's images (platform admins).
pub async fn list_all_runtime_images(query: &RuntimeImageQuery) -> Result<Page<RuntimeImage>, ApiError> {
    let query = query.to_query_string();
    let separator = if query.is_empty() { "" } else { "?" };
    get(&format!("/runtime-images{separator}{query}")).await
}

/// `POST /workspaces/{ws}/runtime-images`.
pub async fn create_runtime_image(ws: &str, request: &NewRuntimeImage) -> Result<RuntimeImage, ApiError> {
    send(Request::post(&url(&format!("{}/runtime-images", workspace_path(ws)))), request).await
}

/// `GET /workspaces/{ws}/runtime-images/{uid}`.
pub async fn get_runtime_image(ws: &str, uid: &str) -> Result<RuntimeImage, ApiError> {
    get(&image_path(ws, uid)).await
}

/// `PATCH /workspaces/{ws}/runtime-images/{uid}`.
pub async fn update_runtime_image(ws: &str, uid: &str, patch: &RuntimeImagePatch) -> Result<RuntimeImage, ApiError> {
    send(Request::patch(&url(&image_path(ws, uid))), patch).await
}

/// `DELETE /workspaces/{ws}/runtime-images/{uid}`: 409 says which runtimes hold it, or that the
/// platform manages it.
pub async fn delete_runtime_image(ws: &str, uid: &str) -> Result<(), ApiError> {
    send_empty(Request::delete(&url(&image_path(ws, uid)))).await
}

/// `POST .../runtime-images/{uid}/deprecate|disable|enable`.
pub async fn change_image_state(ws: &str, uid: &str, action: StateAction, change: &StateChange) -> Result<RuntimeImage, ApiError> {
    let path = format!("{}/{}", image_path(ws, uid), action.verb(false));
    send(Request::post(&url(&path)), change).await
}

/// `GET .../runtime-images/{uid}/versions?state=`: newest first, with which is current and why.
pub async fn image_versions(ws: &str, uid: &str, state: Option<Availability>) -> Result<VersionList, ApiError> {
    let filter = state.map(|s| format!("?state={s}")).unwrap_or_default();
    get(&format!("{}/versions{filter}", image_path(ws, uid))).await
}

/// `POST .../runtime-images/{uid}/versions`.
pub async fn add_image_version(ws: &str, uid: &str, request: &NewRuntimeImageVersion) -> Result<RuntimeImageVersion, ApiError> {
    send(Request::post(&url(&format!("{}/versions", image_path(ws, uid)))), request).await
}

/// `POST .../versions/{version}/deprecate|disable|activate`.
pub async fn change_version_state(
    ws: &str,
    uid: &str,
    version: &str,
    action: StateAction,
    change: &StateChange,
) -> Result<RuntimeImageVersion, ApiError> {
    let path = format!("{}/versions/{}/{}", image_path(ws, uid), percent_encode(version), action.verb(true));
    send(Request::post(&url(&path)), change).await
}

/// `GET .../runtime-images/{uid}/history`: state changes, newest first.
pub async fn image_history(ws: &str, uid: &str) -> Result<Vec<StateEvent>, ApiError> {
    get(&format!("{}/history", image_path(ws, uid))).await
}

/// `GET /workspaces/{ws}/runtimes?image=`: the workspace's runtimes, or those of one image.
pub async fn list_runtimes(ws: &str, image: Option<&str>, page: u32, page_size: u32) -> Result<Page<Runtime>, ApiError> {
    let image = image.map(|uid| format!("&image={}", percent_encode(uid))).unwrap_or_default();
    get(&format!("{}/runtimes?page={page}&page_size={page_size}{image}", workspace_path(ws))).await
}

/// `POST /workspaces/{ws}/runtimes`.
pub async fn create_runtime(ws: &str, request: &NewRuntime) -> Result<Runtime, ApiError> {
    send(Request::post(&url(&format!("{}/runtimes", workspace_path(ws)))), request).await
}

/// `DELETE /workspaces/{ws}/runtimes/{uid}` `{reason}`.
pub async fn delete_runtime(ws: &str, uid: &str, why: &Reason) -> Result<(), ApiError> {
    send_no_answer(Request::delete(&url(&runtime_path(ws, uid))), why).await
}

/// `POST /workspaces/{ws}/runtimes/{uid}/deprecate|disable|enable`.
pub async fn change_runtime_state(ws: &str, uid: &str, action: StateAction, change: &StateChange) -> Result<Runtime, ApiError> {
    let path = format!("{}/{}", runtime_path(ws, uid), action.verb(false));
    send(Request::post(&url(&path)), change).await
}

// ---- Instances (API.md, "App store") --------------------------------------------------------

/// `POST /apps/{id}/instances`: starts one; it comes back `starting`.
pub async fn launch_instance(app_id: i64, visibility: Visibility) -> Result<Instance, ApiError> {
    send(Request::post(&url(&format!("/apps/{app_id}/instances"))), &NewInstance { visibility: Some(visibility) }).await
}

/// `GET /instances?...`.
pub async fn list_instances(query: &InstanceQuery) -> Result<Page<Instance>, ApiError> {
    get(&format!("/instances?{}", query.to_query_string())).await
}

/// `GET /instances/{id}`.
pub async fn get_instance(id: i64) -> Result<Instance, ApiError> {
    get(&format!("/instances/{id}")).await
}

/// `PATCH /instances/{id}` `{visibility}`.
pub async fn update_instance(id: i64, visibility: Visibility) -> Result<Instance, ApiError> {
    send(Request::patch(&url(&format!("/instances/{id}"))), &InstancePatch { visibility }).await
}

/// `POST /instances/{id}/terminate`.
pub async fn terminate_instance(id: i64) -> Result<Instance, ApiError> {
    decode(&call(Request::post(&url(&format!("/instances/{id}/terminate"))).build()).await?)
}

/// The server-sent event stream of an instance's log (for `EventSource`).
pub fn instance_log_stream_url(id: i64) -> String {
    url(&format!("/instances/{id}/logs?follow=true"))
}

/// `GET /instances/{id}/logs`: the log as text (its last 1 MiB), once.
pub async fn instance_log(id: i64) -> Result<String, ApiError> {
    call(Request::get(&url(&format!("/instances/{id}/logs"))).build()).await
}

/// Where the browser opens an instance: the console mints a ticket for the apps origin and
/// redirects there (or to sign-in first). A real navigation, never a fetch.
pub fn instance_open_url(id: i64) -> String {
    url(&format!("/instances/{id}/open"))
}

/// Where a `.wave` is POSTed to import it with `visibility`.
pub fn import_url(visibility: Visibility) -> String {
    url(&format!("/apps?visibility={}", visibility.as_str()))
}

// ---- Tags, secrets, audit (API.md, "App store") ---------------------------------------------

use wavehub_core::audit::{AuditEntry, AuditQuery, Reason};
use wavehub_core::secrets::{NewSecret, SecretSummary};
use wavehub_core::tags::{NewTag, Tag, TagPatch};

/// `/tags/{name}` with the name escaped for the path.
fn tag_path(name: &str) -> String {
    format!("/tags/{}", percent_encode(name))
}

/// `GET /tags`: every tag, with how many app versions the caller sees carry it and whether the
/// caller may assign it.
pub async fn list_tags() -> Result<Vec<Tag>, ApiError> {
    get("/tags").await
}

/// `POST /tags` (admins).
pub async fn create_tag(request: &NewTag) -> Result<Tag, ApiError> {
    send(Request::post(&url("/tags")), request).await
}

/// `PATCH /tags/{name}` (holders of its admin roles; the roles themselves only admins).
pub async fn update_tag(name: &str, patch: &TagPatch) -> Result<Tag, ApiError> {
    send(Request::patch(&url(&tag_path(name))), patch).await
}

/// `DELETE /tags/{name}` `{reason}` (admins): its assignments go with it.
pub async fn delete_tag(name: &str, why: &Reason) -> Result<(), ApiError> {
    send_no_answer(Request::delete(&url(&tag_path(name))), why).await
}

/// `PUT /apps/{id}/tags/{tag}`.
pub async fn assign_tag(app_id: i64, tag: &str) -> Result<(), ApiError> {
    send_empty(Request::put(&url(&format!("/apps/{app_id}{}", tag_path(tag))))).await
}

/// `DELETE /apps/{id}/tags/{tag}`.
pub async fn unassign_tag(app_id: i64, tag: &str) -> Result<(), ApiError> {
    send_empty(Request::delete(&url(&format!("/apps/{app_id}{}", tag_path(tag))))).await
}

/// `GET /secrets` (admins): names, key names and who reads them; never a value.
pub async fn list_secrets() -> Result<Vec<SecretSummary>, ApiError> {
    get("/secrets").await
}

/// `POST /secrets` (admins): creates the secret or replaces all its keys.
pub async fn put_secret(request: &NewSecret) -> Result<SecretSummary, ApiError> {
    send(Request::post(&url("/secrets")), request).await
}

/// `DELETE /secrets/{name}` (admins): 409 while apps read it, naming them.
pub async fn delete_secret(name: &str) -> Result<(), ApiError> {
    send_empty(Request::delete(&url(&format!("/secrets/{}", percent_encode(name))))).await
}

/// `GET /audit?...` (admins): newest first.
pub async fn audit_log(query: &AuditQuery) -> Result<Page<AuditEntry>, ApiError> {
    get(&format!("/audit?{}", query.to_query_string())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_bodies_become_typed_errors() {
        let body = r#"{"type":"about:blank","title":"Unauthorized","status":401,"detail":"Wrong username or password."}"#;
        let error = ApiError::from_response(401, body);
        assert!(matches!(error, ApiError::Unauthorized(_)));
        assert_eq!(error.to_string(), "Wrong username or password.");
    }

    #[test]
    fn validation_errors_keep_their_findings() {
        let body = r#"{"title":"Unprocessable Content","status":422,"detail":"2 problems","errors":[
            {"code":"username.invalid","message":"Use lowercase","path":"username","severity":"error"},
            {"code":"password.too_short","message":"Longer","path":"password","severity":"error"}]}"#;
        let error = ApiError::from_response(422, body);
        assert_eq!(error.findings().len(), 2);
        assert_eq!(error.findings()[1].path, "password");
    }

    #[test]
    fn non_problem_bodies_still_read_as_sentences() {
        let error = ApiError::from_response(502, "<html>Bad gateway</html>");
        assert!(matches!(error, ApiError::Server(_)));
        assert_eq!(error.to_string(), "The server answered 502 Error.");
        let error = ApiError::from_response(404, "");
        assert_eq!(error.to_string(), "The server answered 404 Not Found.");
    }
}
