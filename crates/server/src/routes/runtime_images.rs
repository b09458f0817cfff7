//! `/workspaces`, `/workspaces/{ws}/runtime-images`, `.../runtimes` and `/runtime-images`: read
//! the request, check who may do it ([`crate::workspaces::access`]), call
//! [`crate::runtime_images`], shape the answer.

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, OptionalJson};
use crate::runtime_images::{self as images, Scope};
use crate::state::AppState;
use crate::workspaces;
use axum::extract::State as AxumState;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use serde::Deserialize;
use wavehub_core::api::{Page, PageRequest, API_PREFIX};
use wavehub_core::runtime_images::{
    MemberRole, NewRuntime, NewRuntimeImage, NewRuntimeImageVersion, NewWorkspace, Runtime, RuntimeImage,
    RuntimeImagePatch, RuntimeImageQuery, RuntimeImageVersion, State, StateAction, StateChange, StateEvent,
    VersionList, Workspace, WorkspaceMember,
};

type Json<T> = ApiResult<ApiJson<T>>;

fn created<T: serde::Serialize>(location: String, body: T) -> impl IntoResponse {
    (StatusCode::CREATED, [(header::LOCATION, format!("{API_PREFIX}/{location}"))], ApiJson(body))
}

// ---- workspaces ----

pub async fn list_workspaces(AxumState(state): AxumState<AppState>, caller: Caller) -> Json<Page<Workspace>> {
    Ok(ApiJson(workspaces::list(&state.db, &caller).await?))
}

pub async fn create_workspace(
    AxumState(state): AxumState<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<NewWorkspace>,
) -> ApiResult<impl IntoResponse> {
    let workspace = workspaces::create(&state.db, &caller, &request).await?;
    Ok(created(format!("workspaces/{}", workspace.id), workspace))
}

pub async fn get_workspace(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath(ws): ApiPath<String>) -> Json<Workspace> {
    Ok(ApiJson(workspaces::get(&state.db, &caller, &ws).await?))
}

pub async fn list_members(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath(ws): ApiPath<String>) -> Json<Vec<WorkspaceMember>> {
    Ok(ApiJson(workspaces::members(&state.db, &caller, &ws).await?))
}

pub async fn set_member(
    AxumState(state): AxumState<AppState>,
    caller: Caller,
    ApiPath((ws, username)): ApiPath<(String, String)>,
    ApiJson(request): ApiJson<MemberRole>,
) -> Json<WorkspaceMember> {
    Ok(ApiJson(workspaces::set_member(&state.db, &caller, &ws, &username, request.role).await?))
}

pub async fn remove_member(
    AxumState(state): AxumState<AppState>,
    caller: Caller,
    ApiPath((ws, username)): ApiPath<(String, String)>,
) -> ApiResult<StatusCode> {
    workspaces::remove_member(&state.db, &caller, &ws, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- runtime images ----

pub async fn list_images(
    AxumState(state): AxumState<AppState>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
    ApiQuery(query): ApiQuery<RuntimeImageQuery>,
) -> Json<Page<RuntimeImage>> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    Ok(ApiJson(images::list(&state.db, Scope::Workspace(&access), &query).await?))
}

/// `GET /runtime-images`: every workspace's images, for platform admins.
pub async fn list_all_images(AxumState(state): AxumState<AppState>, caller: Caller, ApiQuery(query): ApiQuery<RuntimeImageQuery>) -> Json<Page<RuntimeImage>> {
    caller.require_admin()?;
    Ok(ApiJson(images::list(&state.db, Scope::All, &query).await?))
}

pub async fn create_image(
    AxumState(state): AxumState<AppState>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
    ApiJson(request): ApiJson<NewRuntimeImage>,
) -> ApiResult<impl IntoResponse> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    let image = images::create(&state.db, &access, &request).await?;
    Ok(created(format!("workspaces/{ws}/runtime-images/{}", image.uid), image))
}

pub async fn get_image(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>) -> Json<RuntimeImage> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    Ok(ApiJson(images::get(&state.db, &access, &uid).await?))
}

pub async fn update_image(
    AxumState(state): AxumState<AppState>,
    caller: Caller,
    ApiPath((ws, uid)): ApiPath<(String, String)>,
    ApiJson(patch): ApiJson<RuntimeImagePatch>,
) -> Json<RuntimeImage> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    Ok(ApiJson(images::update(&state.db, &access, &uid, &patch).await?))
}

pub async fn delete_image(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>) -> ApiResult<StatusCode> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    images::delete(&state.db, &access, &uid).await?;
    Ok(StatusCode::NO_CONTENT)
}


async fn image_state(state: AppState, caller: Caller, ws: String, uid: String, action: StateAction, body: StateChange) -> Json<RuntimeImage> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    Ok(ApiJson(images::change_image_state(&state.db, &access, &uid, action, body.reason.as_deref()).await?))
}

pub async fn deprecate_image(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>, OptionalJson(body): OptionalJson<StateChange>) -> Json<RuntimeImage> {
    image_state(state, caller, ws, uid, StateAction::Deprecate, body).await
}

pub async fn disable_image(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>, OptionalJson(body): OptionalJson<StateChange>) -> Json<RuntimeImage> {
    image_state(state, caller, ws, uid, StateAction::Disable, body).await
}

pub async fn enable_image(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>, OptionalJson(body): OptionalJson<StateChange>) -> Json<RuntimeImage> {
    image_state(state, caller, ws, uid, StateAction::Enable, body).await
}

pub async fn image_history(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>) -> Json<Vec<StateEvent>> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    Ok(ApiJson(images::history(&state.db, &access, &uid).await?))
}

// ---- versions ----

#[derive(Debug, Deserialize)]
pub struct VersionFilter {
    #[serde(default)]
    state: Option<State>,
}

pub async fn list_versions(
    AxumState(state): AxumState<AppState>,
    caller: Caller,
    ApiPath((ws, uid)): ApiPath<(String, String)>,
    ApiQuery(filter): ApiQuery<VersionFilter>,
) -> Json<VersionList> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    Ok(ApiJson(images::versions(&state.db, &access, &uid, filter.state).await?))
}

pub async fn add_version(
    AxumState(state): AxumState<AppState>,
    caller: Caller,
    ApiPath((ws, uid)): ApiPath<(String, String)>,
    ApiJson(request): ApiJson<NewRuntimeImageVersion>,
) -> ApiResult<impl IntoResponse> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    let version = images::add_version(&state.db, &access, &uid, &request).await?;
    Ok(created(format!("workspaces/{ws}/runtime-images/{uid}/versions/{}", version.version), version))
}

pub async fn get_version(
    AxumState(state): AxumState<AppState>,
    caller: Caller,
    ApiPath((ws, uid, version)): ApiPath<(String, String, String)>,
) -> Json<RuntimeImageVersion> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    Ok(ApiJson(images::get_version(&state.db, &access, &uid, &version).await?))
}

async fn version_state(
    state: AppState,
    caller: Caller,
    (ws, uid, version): (String, String, String),
    action: StateAction,
    body: StateChange,
) -> Json<RuntimeImageVersion> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    Ok(ApiJson(images::change_version_state(&state.db, &access, &uid, &version, action, body.reason.as_deref()).await?))
}

pub async fn deprecate_version(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath(path): ApiPath<(String, String, String)>, OptionalJson(body): OptionalJson<StateChange>) -> Json<RuntimeImageVersion> {
    version_state(state, caller, path, StateAction::Deprecate, body).await
}

pub async fn disable_version(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath(path): ApiPath<(String, String, String)>, OptionalJson(body): OptionalJson<StateChange>) -> Json<RuntimeImageVersion> {
    version_state(state, caller, path, StateAction::Disable, body).await
}

pub async fn activate_version(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath(path): ApiPath<(String, String, String)>, OptionalJson(body): OptionalJson<StateChange>) -> Json<RuntimeImageVersion> {
    version_state(state, caller, path, StateAction::Enable, body).await
}

// ---- runtimes ----

#[derive(Debug, Deserialize)]
pub struct RuntimeFilter {
    #[serde(default)]
    image: Option<String>,
    #[serde(default)]
    page: Option<u32>,
    #[serde(default)]
    page_size: Option<u32>,
}

pub async fn list_runtimes(
    AxumState(state): AxumState<AppState>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
    ApiQuery(filter): ApiQuery<RuntimeFilter>,
) -> Json<Page<Runtime>> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    let paging = PageRequest::from_parts(filter.page, filter.page_size);
    Ok(ApiJson(images::list_runtimes(&state.db, &access, filter.image.as_deref(), paging).await?))
}

pub async fn create_runtime(
    AxumState(state): AxumState<AppState>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
    ApiJson(request): ApiJson<NewRuntime>,
) -> ApiResult<impl IntoResponse> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    let runtime = images::create_runtime(&state.db, &access, &request).await?;
    Ok(created(format!("workspaces/{ws}/runtimes/{}", runtime.uid), runtime))
}

pub async fn get_runtime(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>) -> Json<Runtime> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    Ok(ApiJson(images::get_runtime(&state.db, &access, &uid).await?))
}

pub async fn delete_runtime(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>) -> ApiResult<StatusCode> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    images::delete_runtime(&state.db, &access, &uid).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn runtime_state(state: AppState, caller: Caller, ws: String, uid: String, action: StateAction, body: StateChange) -> Json<Runtime> {
    let access = workspaces::access(&state.db, &caller, &ws).await?;
    Ok(ApiJson(images::change_runtime_state(&state.db, &access, &uid, action, body.reason.as_deref()).await?))
}

pub async fn deprecate_runtime(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>, OptionalJson(body): OptionalJson<StateChange>) -> Json<Runtime> {
    runtime_state(state, caller, ws, uid, StateAction::Deprecate, body).await
}

pub async fn disable_runtime(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>, OptionalJson(body): OptionalJson<StateChange>) -> Json<Runtime> {
    runtime_state(state, caller, ws, uid, StateAction::Disable, body).await
}

pub async fn enable_runtime(AxumState(state): AxumState<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>, OptionalJson(body): OptionalJson<StateChange>) -> Json<Runtime> {
    runtime_state(state, caller, ws, uid, StateAction::Enable, body).await
}
