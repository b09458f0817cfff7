//! `/workspaces`, `/workspaces/{ws}/runtime-images`, `.../runtimes` and `/runtime-images`: read
//! the request, check who may do it (a handler of a `{ws}` route takes the caller's [`Access`],
//! extracted below), call the function in [`crate::runtime_images`]'s file for the thing, shape
//! the answer.

use crate::accounts::auth::Caller;
use crate::accounts::routes::Username;
use crate::http::created;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, OptionalJson, StateVerb, ImageOrRuntimeVerb, VersionVerb};
use crate::runtime_images::{history, images, list_query, runtimes, versions, Scope};
use crate::runtime_images::{image_resource, runtime_resource, version_resource};
use crate::http::state::AppState;
use crate::runtime_images::workspaces::{self, Access};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use wavehub_core::api::{Page, PageRequest};
use wavehub_core::audit::Reason;
use wavehub_core::runtime_images::{
    MemberRole, NewRuntime, NewRuntimeImage, NewRuntimeImageVersion, NewWorkspace, Runtime, RuntimeImage,
    RuntimeImagePatch, RuntimeImageQuery, RuntimeImageVersion, Availability, StateChange, StateEvent,
    VersionList, Workspace, WorkspaceMember,
};

// ---- path parameters: what each one is, said once for every route that has it ----

/// `{ws}`, for the OpenAPI document and the path tuples; handlers take the workspace as [`Access`].
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(names("ws"), parameter_in = Path)]
pub struct Ws(
    /// The workspace's id.
    pub String,
);

/// A `{ws}` route's workspace as its handlers take it: what the caller may do there
/// ([`workspaces::access`]). A workspace that does not exist, or is not the caller's, is a 404
/// before the body is read: what a request sends is looked at only where the caller may send it.
impl FromRequestParts<AppState> for Access {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let ApiPath(WsSegment { ws }) = ApiPath::from_request_parts(parts, state).await?;
        workspaces::access(&state.db, &caller, &ws).await
    }
}

/// `{ws}` by name, among the route's other segments.
#[derive(Deserialize)]
struct WsSegment {
    ws: String,
}

/// `{uid}` of `.../runtime-images/{uid}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(names("uid"), parameter_in = Path)]
pub struct ImageUid(
    /// The runtime image's uid.
    pub String,
);

/// `{version}` of `.../versions/{version}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(names("version"), parameter_in = Path)]
pub struct Version(
    /// The version, e.g. `v2.0.0`.
    pub String,
);

/// `{uid}` of `.../runtimes/{uid}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(names("uid"), parameter_in = Path)]
pub struct RuntimeUid(
    /// The runtime's uid.
    pub String,
);

// ---- workspaces ----

#[utoipa::path(
    get, path = "/workspaces", tag = "workspaces", operation_id = "list_workspaces",
    responses(
        (status = 200, description = "The workspaces the caller belongs to (admins: all).", body = Page<Workspace>),
    ),
)]
pub async fn list_workspaces(State(state): State<AppState>, caller: Caller) -> ApiResult<ApiJson<Page<Workspace>>> {
    Ok(ApiJson(workspaces::list(&state.db, &caller).await?))
}

#[utoipa::path(
    post, path = "/workspaces", tag = "workspaces", operation_id = "create_workspace",
    request_body = NewWorkspace,
    responses(
        (status = 201, description = "Created (admins only).", body = Workspace, headers(("location" = String))),
        (status = 409, description = "A workspace with this id exists."),
    ),
)]
pub async fn create_workspace(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(request): ApiJson<NewWorkspace>,
) -> ApiResult<impl IntoResponse> {
    let workspace = workspaces::create(&state.db, &caller, &request).await?;
    Ok(created(format!("workspaces/{}", workspace.id), workspace))
}

#[utoipa::path(
    get, path = "/workspaces/{ws}", tag = "workspaces", operation_id = "get_workspace",
    params(Ws),
    responses(
        (status = 200, description = "The workspace.", body = Workspace),
    ),
)]
pub async fn get_workspace(State(state): State<AppState>, access: Access) -> ApiResult<ApiJson<Workspace>> {
    Ok(ApiJson(workspaces::describe(&state.db, access).await?))
}

#[utoipa::path(
    get, path = "/workspaces/{ws}/members", tag = "workspaces", operation_id = "list_members",
    params(Ws),
    responses(
        (status = 200, description = "Its members and their roles.", body = Vec<WorkspaceMember>),
    ),
)]
pub async fn list_members(State(state): State<AppState>, access: Access) -> ApiResult<ApiJson<Vec<WorkspaceMember>>> {
    Ok(ApiJson(workspaces::members(&state.db, &access).await?))
}

#[utoipa::path(
    put, path = "/workspaces/{ws}/members/{username}", tag = "workspaces", operation_id = "set_member",
    params(Ws, Username),
    request_body = MemberRole,
    responses(
        (status = 200, description = "The member with their role.", body = WorkspaceMember),
    ),
)]
pub async fn set_member(
    State(state): State<AppState>,
    access: Access,
    ApiPath((_, Username(username))): ApiPath<(Ws, Username)>,
    ApiJson(request): ApiJson<MemberRole>,
) -> ApiResult<ApiJson<WorkspaceMember>> {
    Ok(ApiJson(workspaces::set_member(&state.db, &access, &username, request.role).await?))
}

#[utoipa::path(
    delete, path = "/workspaces/{ws}/members/{username}", tag = "workspaces", operation_id = "remove_member",
    params(Ws, Username),
    responses(
        (status = 204, description = "No longer a member."),
    ),
)]
pub async fn remove_member(
    State(state): State<AppState>,
    access: Access,
    ApiPath((_, Username(username))): ApiPath<(Ws, Username)>,
) -> ApiResult<StatusCode> {
    workspaces::remove_member(&state.db, &access, &username).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- runtime images ----

#[utoipa::path(
    get, path = "/workspaces/{ws}/runtime-images", tag = "runtime-images", operation_id = "list_images",
    params(Ws, RuntimeImageQuery),
    responses(
        (status = 200, description = "The workspace's images (bootstrap-managed ones included); `total` is the count.", body = Page<RuntimeImage>),
    ),
)]
pub async fn list_images(
    State(state): State<AppState>,
    access: Access,
    ApiQuery(query): ApiQuery<RuntimeImageQuery>,
) -> ApiResult<ApiJson<Page<RuntimeImage>>> {
    Ok(ApiJson(list_query::list(&state.db, Scope::Workspace(&access), &query).await?))
}

/// `GET /runtime-images`: every workspace's images, for platform admins.
#[utoipa::path(
    get, path = "/runtime-images", tag = "runtime-images", operation_id = "list_all_images",
    params(RuntimeImageQuery),
    responses(
        (status = 200, description = "Every workspace's images (admins only).", body = Page<RuntimeImage>),
    ),
)]
pub async fn list_all_images(State(state): State<AppState>, caller: Caller, ApiQuery(query): ApiQuery<RuntimeImageQuery>) -> ApiResult<ApiJson<Page<RuntimeImage>>> {
    caller.require_admin()?;
    Ok(ApiJson(list_query::list(&state.db, Scope::All, &query).await?))
}

#[utoipa::path(
    post, path = "/workspaces/{ws}/runtime-images", tag = "runtime-images", operation_id = "create_image",
    params(Ws),
    request_body = NewRuntimeImage,
    responses(
        (status = 201, description = "Created; its version comes from the tag when not given.", body = RuntimeImage, headers(("location" = String))),
        (status = 409, description = "An image with this uid or name exists."),
    ),
)]
pub async fn create_image(
    State(state): State<AppState>,
    access: Access,
    ApiJson(request): ApiJson<NewRuntimeImage>,
) -> ApiResult<impl IntoResponse> {
    let image = images::create(&state.db, &access, &request).await?;
    Ok(created(image_resource(&access.workspace, &image.uid), image))
}

#[utoipa::path(
    get, path = "/workspaces/{ws}/runtime-images/{uid}", tag = "runtime-images", operation_id = "get_image",
    params(Ws, ImageUid),
    responses(
        (status = 200, description = "The image.", body = RuntimeImage),
    ),
)]
pub async fn get_image(State(state): State<AppState>, access: Access, ApiPath((_, ImageUid(uid))): ApiPath<(Ws, ImageUid)>) -> ApiResult<ApiJson<RuntimeImage>> {
    Ok(ApiJson(images::get(&state.db, &access, &uid).await?))
}

#[utoipa::path(
    patch, path = "/workspaces/{ws}/runtime-images/{uid}", tag = "runtime-images", operation_id = "update_image",
    params(Ws, ImageUid),
    request_body = RuntimeImagePatch,
    responses(
        (status = 200, description = "The image as it is now; a new `docker_image` added a version.", body = RuntimeImage),
        (status = 409, description = "Not possible in its current state; the detail explains (bootstrap-managed images follow the ceiling rule)."),
    ),
)]
pub async fn update_image(
    State(state): State<AppState>,
    access: Access,
    ApiPath((_, ImageUid(uid))): ApiPath<(Ws, ImageUid)>,
    ApiJson(patch): ApiJson<RuntimeImagePatch>,
) -> ApiResult<ApiJson<RuntimeImage>> {
    Ok(ApiJson(images::update(&state.db, &access, &uid, &patch).await?))
}

#[utoipa::path(
    delete, path = "/workspaces/{ws}/runtime-images/{uid}", tag = "runtime-images", operation_id = "delete_image",
    params(Ws, ImageUid),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, description = "Bootstrap-managed, or a runtime references it."),
    ),
)]
pub async fn delete_image(State(state): State<AppState>, access: Access, ApiPath((_, ImageUid(uid))): ApiPath<(Ws, ImageUid)>) -> ApiResult<StatusCode> {
    images::delete(&state.db, &access, &uid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST .../runtime-images/{uid}/deprecate|disable|enable`: the action is the last segment.
#[utoipa::path(
    post, path = "/workspaces/{ws}/runtime-images/{uid}/{action}", tag = "runtime-images", operation_id = "change_image_state",
    params(
        Ws, ImageUid, ("action" = inline(ImageOrRuntimeVerb), Path, description = "`deprecate`, `disable` or `enable`."),
    ),
    request_body(content = Option<StateChange>, description = "Optional: `{reason}`; an empty body gives no reason."),
    responses(
        (status = 200, description = "The image, now DEPRECATED, DISABLED or ACTIVE (`enable`).", body = RuntimeImage),
        (status = 409, description = "Not possible in its current state; the detail explains (bootstrap-managed images follow the ceiling rule)."),
    ),
)]
pub async fn change_image_state(
    StateVerb(action): ImageOrRuntimeVerb,
    State(state): State<AppState>,
    access: Access,
    ApiPath((_, ImageUid(uid), _)): ApiPath<(Ws, ImageUid, String)>,
    OptionalJson(body): OptionalJson<StateChange>,
) -> ApiResult<ApiJson<RuntimeImage>> {
    Ok(ApiJson(images::change_image_state(&state.db, &access, &uid, action, body.reason.as_deref()).await?))
}

#[utoipa::path(
    get, path = "/workspaces/{ws}/runtime-images/{uid}/history", tag = "runtime-images", operation_id = "image_history",
    params(Ws, ImageUid),
    responses(
        (status = 200, description = "Its state changes, newest first.", body = Vec<StateEvent>),
    ),
)]
pub async fn image_history(State(state): State<AppState>, access: Access, ApiPath((_, ImageUid(uid))): ApiPath<(Ws, ImageUid)>) -> ApiResult<ApiJson<Vec<StateEvent>>> {
    Ok(ApiJson(history::history(&state.db, &access, &uid).await?))
}

// ---- versions ----

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionFilter {
    #[serde(default)]
    state: Option<Availability>,
}

#[utoipa::path(
    get, path = "/workspaces/{ws}/runtime-images/{uid}/versions", tag = "runtime-images", operation_id = "list_versions",
    params(Ws, ImageUid, VersionFilter),
    responses(
        (status = 200, description = "Its versions and which is current, and why.", body = VersionList),
    ),
)]
pub async fn list_versions(
    State(state): State<AppState>,
    access: Access,
    ApiPath((_, ImageUid(uid))): ApiPath<(Ws, ImageUid)>,
    ApiQuery(filter): ApiQuery<VersionFilter>,
) -> ApiResult<ApiJson<VersionList>> {
    Ok(ApiJson(versions::versions(&state.db, &access, &uid, filter.state).await?))
}

#[utoipa::path(
    post, path = "/workspaces/{ws}/runtime-images/{uid}/versions", tag = "runtime-images", operation_id = "add_version",
    params(Ws, ImageUid),
    request_body = NewRuntimeImageVersion,
    responses(
        (status = 201, description = "Added.", body = RuntimeImageVersion, headers(("location" = String))),
        (status = 409, description = "Bootstrap-managed, or the version exists."),
    ),
)]
pub async fn add_version(
    State(state): State<AppState>,
    access: Access,
    ApiPath((_, ImageUid(uid))): ApiPath<(Ws, ImageUid)>,
    ApiJson(request): ApiJson<NewRuntimeImageVersion>,
) -> ApiResult<impl IntoResponse> {
    let version = versions::add_version(&state.db, &access, &uid, &request).await?;
    Ok(created(version_resource(&access.workspace, &uid, &version.version), version))
}

#[utoipa::path(
    get, path = "/workspaces/{ws}/runtime-images/{uid}/versions/{version}", tag = "runtime-images", operation_id = "get_version",
    params(Ws, ImageUid, Version),
    responses(
        (status = 200, description = "The version.", body = RuntimeImageVersion),
    ),
)]
pub async fn get_version(
    State(state): State<AppState>,
    access: Access,
    ApiPath((_, ImageUid(uid), Version(version))): ApiPath<(Ws, ImageUid, Version)>,
) -> ApiResult<ApiJson<RuntimeImageVersion>> {
    Ok(ApiJson(versions::get_version(&state.db, &access, &uid, &version).await?))
}

/// `POST .../versions/{version}/deprecate|disable|activate`: the action is the last segment.
#[utoipa::path(
    post, path = "/workspaces/{ws}/runtime-images/{uid}/versions/{version}/{action}", tag = "runtime-images", operation_id = "change_version_state",
    params(
        Ws, ImageUid, Version, ("action" = inline(VersionVerb), Path, description = "`deprecate`, `disable` or `activate`."),
    ),
    request_body(content = Option<StateChange>, description = "Optional: `{reason}`; an empty body gives no reason."),
    responses(
        (status = 200, description = "The version, now DEPRECATED, DISABLED or ACTIVE (`activate`).", body = RuntimeImageVersion),
        (status = 409, description = "Not possible in its current state; the detail explains (bootstrap-managed images follow the ceiling rule)."),
    ),
)]
pub async fn change_version_state(
    StateVerb(action): VersionVerb,
    State(state): State<AppState>,
    access: Access,
    ApiPath((_, ImageUid(uid), Version(version), _)): ApiPath<(Ws, ImageUid, Version, String)>,
    OptionalJson(body): OptionalJson<StateChange>,
) -> ApiResult<ApiJson<RuntimeImageVersion>> {
    Ok(ApiJson(versions::change_version_state(&state.db, &access, &uid, &version, action, body.reason.as_deref()).await?))
}

// ---- runtimes ----

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RuntimeFilter {
    /// Only the runtimes of this runtime image (its uid).
    #[serde(default)]
    image: Option<String>,
    /// From 1.
    #[serde(default)]
    #[param(minimum = 1)]
    page: Option<u32>,
    /// Default 50, at most 500.
    #[serde(default)]
    #[param(minimum = 1, maximum = 500)]
    page_size: Option<u32>,
}

#[utoipa::path(
    get, path = "/workspaces/{ws}/runtimes", tag = "runtimes", operation_id = "list_runtimes",
    params(Ws, RuntimeFilter),
    responses(
        (status = 200, description = "The workspace's runtimes.", body = Page<Runtime>),
    ),
)]
pub async fn list_runtimes(
    State(state): State<AppState>,
    access: Access,
    ApiQuery(filter): ApiQuery<RuntimeFilter>,
) -> ApiResult<ApiJson<Page<Runtime>>> {
    let paging = PageRequest::from_parts(filter.page, filter.page_size);
    Ok(ApiJson(runtimes::list_runtimes(&state.db, &access, filter.image.as_deref(), paging).await?))
}

#[utoipa::path(
    post, path = "/workspaces/{ws}/runtimes", tag = "runtimes", operation_id = "create_runtime",
    params(Ws),
    request_body = NewRuntime,
    responses(
        (status = 201, description = "Created.", body = Runtime, headers(("location" = String))),
        (status = 409, description = "A runtime with this uid or name exists, or its image or version is DISABLED."),
    ),
)]
pub async fn create_runtime(
    State(state): State<AppState>,
    access: Access,
    ApiJson(request): ApiJson<NewRuntime>,
) -> ApiResult<impl IntoResponse> {
    let runtime = runtimes::create_runtime(&state.db, &access, &request).await?;
    Ok(created(runtime_resource(&access.workspace, &runtime.uid), runtime))
}

#[utoipa::path(
    get, path = "/workspaces/{ws}/runtimes/{uid}", tag = "runtimes", operation_id = "get_runtime",
    params(Ws, RuntimeUid),
    responses(
        (status = 200, description = "The runtime, with what a new deployment would run now.", body = Runtime),
    ),
)]
pub async fn get_runtime(State(state): State<AppState>, access: Access, ApiPath((_, RuntimeUid(uid))): ApiPath<(Ws, RuntimeUid)>) -> ApiResult<ApiJson<Runtime>> {
    Ok(ApiJson(runtimes::get_runtime(&state.db, &access, &uid).await?))
}

#[utoipa::path(
    delete, path = "/workspaces/{ws}/runtimes/{uid}", tag = "runtimes", operation_id = "delete_runtime",
    params(Ws, RuntimeUid),
    request_body(content = Option<Reason>, description = "Optional: `{reason}`, kept in the audit log; an empty body gives none."),
    responses(
        (status = 204, description = "Deleted."),
    ),
)]
pub async fn delete_runtime(
    State(state): State<AppState>,
    access: Access,
    ApiPath((_, RuntimeUid(uid))): ApiPath<(Ws, RuntimeUid)>,
    OptionalJson(body): OptionalJson<Reason>,
) -> ApiResult<StatusCode> {
    runtimes::delete_runtime(&state.db, &access, &uid, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST .../runtimes/{uid}/deprecate|disable|enable`: the action is the last segment.
#[utoipa::path(
    post, path = "/workspaces/{ws}/runtimes/{uid}/{action}", tag = "runtimes", operation_id = "change_runtime_state",
    params(
        Ws, RuntimeUid, ("action" = inline(ImageOrRuntimeVerb), Path, description = "`deprecate`, `disable` or `enable`."),
    ),
    request_body(content = Option<StateChange>, description = "Optional: `{reason}`; an empty body gives no reason."),
    responses(
        (status = 200, description = "The runtime, now DEPRECATED, DISABLED or ACTIVE (`enable`).", body = Runtime),
        (status = 409, description = "Not possible in its current state; the detail explains (bootstrap-managed images follow the ceiling rule)."),
    ),
)]
pub async fn change_runtime_state(
    StateVerb(action): ImageOrRuntimeVerb,
    State(state): State<AppState>,
    access: Access,
    ApiPath((_, RuntimeUid(uid), _)): ApiPath<(Ws, RuntimeUid, String)>,
    OptionalJson(body): OptionalJson<StateChange>,
) -> ApiResult<ApiJson<Runtime>> {
    Ok(ApiJson(runtimes::change_runtime_state(&state.db, &access, &uid, action, body.reason.as_deref()).await?))
}
