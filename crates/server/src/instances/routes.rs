//! `/apps/{id}/instances` and `/instances`: launch, list, read, visibility, terminate and the log,
//! whole or followed live as server-sent events. Rules in [`crate::instances`].

use crate::accounts::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, OptionalJson};
use crate::instances;
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use wavehub_core::api::{Page, Problem, API_PREFIX};
use wavehub_core::instances::{Instance, InstancePatch, InstanceQuery, NewInstance};

/// `{id}` of `/instances/{id}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub struct InstanceId(
    /// The instance's id.
    pub i64,
);

/// `POST /apps/{id}/instances` `{visibility}`: 201 with the instance, `starting`.
#[utoipa::path(
    post, path = "/apps/{id}/instances", tag = "instances", operation_id = "launch_instance",
    params(("id" = i64, Path, description = "The app version's id.")),
    request_body(content = Option<NewInstance>, description = "Optional: an empty body launches a PRIVATE instance."),
    responses(
        (status = 201, description = "Launched: the instance, `starting`.", body = Instance,
            headers(("location" = String, description = "The instance's address."))),
        (status = 409, description = "The app cannot be launched now (a LINK app, a MANAGED app's instance that exists, a limit)."),
    ),
)]
pub async fn launch_instance(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(app_id): ApiPath<i64>,
    OptionalJson(request): OptionalJson<NewInstance>,
) -> ApiResult<impl IntoResponse> {
    let instance = instances::launch(&state, &caller, app_id, &request).await?;
    let location = format!("{API_PREFIX}/instances/{}", instance.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], ApiJson(instance)))
}

#[utoipa::path(
    get, path = "/instances", tag = "instances", operation_id = "list_instances",
    params(InstanceQuery),
    responses((status = 200, description = "The instances the caller may see.", body = Page<Instance>)),
)]
pub async fn list_instances(State(state): State<AppState>, caller: Caller, ApiQuery(query): ApiQuery<InstanceQuery>) -> ApiResult<ApiJson<Page<Instance>>> {
    Ok(ApiJson(instances::list(&state, &caller, &query).await?))
}

#[utoipa::path(
    get, path = "/instances/{id}", tag = "instances", operation_id = "get_instance",
    params(InstanceId),
    responses((status = 200, description = "The instance.", body = Instance)),
)]
pub async fn get_instance(State(state): State<AppState>, caller: Caller, ApiPath(InstanceId(id)): ApiPath<InstanceId>) -> ApiResult<ApiJson<Instance>> {
    Ok(ApiJson(instances::get(&state, &caller, id).await?))
}

#[utoipa::path(
    patch, path = "/instances/{id}", tag = "instances", operation_id = "update_instance",
    params(InstanceId),
    request_body = InstancePatch,
    responses((status = 200, description = "The instance with its new visibility.", body = Instance)),
)]
pub async fn update_instance(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(InstanceId(id)): ApiPath<InstanceId>,
    ApiJson(patch): ApiJson<InstancePatch>,
) -> ApiResult<ApiJson<Instance>> {
    Ok(ApiJson(instances::set_visibility(&state, &caller, id, patch.visibility).await?))
}

#[utoipa::path(
    post, path = "/instances/{id}/terminate", tag = "instances", operation_id = "terminate_instance",
    params(InstanceId),
    responses((status = 200, description = "The instance, `terminated` (or already ended).", body = Instance)),
)]
pub async fn terminate_instance(State(state): State<AppState>, caller: Caller, ApiPath(InstanceId(id)): ApiPath<InstanceId>) -> ApiResult<ApiJson<Instance>> {
    Ok(ApiJson(instances::terminate(&state, &caller, id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpenParams {
    /// Where to go on the apps origin: a path under `/instances/{id}/`.
    next: Option<String>,
}

/// `GET /instances/{id}/open[?next=/instances/{id}/...]`: a browser navigation that opens the
/// instance on the apps origin (303 there with a one-use ticket; [`crate::instances::proxy`]). Without a
/// session it sends the browser to sign in and come back here, rather than answering 401.
#[utoipa::path(
    get, path = "/instances/{id}/open", tag = "instances", operation_id = "open_instance",
    params(InstanceId, OpenParams),
    responses(
        (status = 303, description = "To the instance on the apps origin with a one-use ticket or, without a session, to the sign-in page that comes back here.",
            headers(("location" = String))),
        (status = 403, description = "A page: the instance is not the caller's and not shared.", content_type = "text/html"),
        (status = 404, description = "A page: there is no such instance (or a problem, when the id is not a number).",
            content(("text/html"), (Problem = "application/problem+json"))),
        (status = 410, description = "A page: the instance has ended.", content_type = "text/html"),
        (status = 503, description = "A page that reloads: the instance is still starting.", content_type = "text/html",
            headers(("retry-after" = u64), ("refresh" = String))),
    ),
    security((), ("session" = []), ("bearer" = [])),
)]
pub async fn open_instance(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    ApiPath(InstanceId(id)): ApiPath<InstanceId>,
    ApiQuery(params): ApiQuery<OpenParams>,
) -> ApiResult<Response> {
    let location = match caller {
        Ok(caller) => match crate::instances::proxy::open_location(&state, &caller, id, params.next.as_deref()).await {
            Ok(location) => location,
            Err(ApiError::NotFound(_) | ApiError::Conflict(_)) => return Ok(crate::instances::proxy::open_refusal(&state, &caller, id).await),
            Err(other) => return Err(other),
        },
        Err(ApiError::Unauthorized(_)) => crate::instances::proxy::sign_in_location(&state, id, params.next.as_deref()),
        Err(other) => return Err(other),
    };
    Ok(Redirect::to(&location).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogParams {
    /// Stream the log as server-sent events until the instance ends.
    #[serde(default)]
    pub follow: bool,
}

/// `GET /instances/{id}/logs[?follow=true]`: the log as text, or every line as an SSE `message`
/// and then new ones as they come, ending with an `end` event once the instance has ended.
#[utoipa::path(
    get, path = "/instances/{id}/logs", tag = "instances", operation_id = "instance_logs",
    params(InstanceId, LogParams),
    responses(
        (status = 200, description = "Without `follow`: the log's last MiB as text. With `follow=true`: a server-sent event stream, every line a `message` event, then an `end` event once the instance has ended.",
            content(("text/plain"), ("text/event-stream"))),
    ),
)]
pub async fn instance_logs(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(InstanceId(id)): ApiPath<InstanceId>,
    ApiQuery(params): ApiQuery<LogParams>,
) -> ApiResult<Response> {
    instances::logs::respond(state, caller, id, params.follow).await
}
