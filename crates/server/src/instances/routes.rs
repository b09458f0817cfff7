//! `/apps/{id}/instances` and `/instances`: launch, list, read, visibility, terminate and the log,
//! whole or followed live as server-sent events. Rules in [`crate::instances`].

use crate::accounts::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, OptionalJson};
use crate::instances;
use crate::http::state::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use std::convert::Infallible;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Duration;
use wavehub_core::api::{Page, Problem, API_PREFIX};
use wavehub_core::instances::{Instance, InstancePatch, InstanceQuery, NewInstance};

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
    params(("id" = i64, Path, description = "The instance's id.")),
    responses((status = 200, description = "The instance.", body = Instance)),
)]
pub async fn get_instance(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> ApiResult<ApiJson<Instance>> {
    Ok(ApiJson(instances::get(&state, &caller, id).await?))
}

#[utoipa::path(
    patch, path = "/instances/{id}", tag = "instances", operation_id = "update_instance",
    params(("id" = i64, Path, description = "The instance's id.")),
    request_body = InstancePatch,
    responses((status = 200, description = "The instance with its new visibility.", body = Instance)),
)]
pub async fn update_instance(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(patch): ApiJson<InstancePatch>,
) -> ApiResult<ApiJson<Instance>> {
    Ok(ApiJson(instances::set_visibility(&state, &caller, id, patch.visibility).await?))
}

#[utoipa::path(
    post, path = "/instances/{id}/terminate", tag = "instances", operation_id = "terminate_instance",
    params(("id" = i64, Path, description = "The instance's id.")),
    responses((status = 200, description = "The instance, `terminated` (or already ended).", body = Instance)),
)]
pub async fn terminate_instance(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> ApiResult<ApiJson<Instance>> {
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
    params(("id" = i64, Path, description = "The instance's id."), OpenParams),
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
    ApiPath(id): ApiPath<i64>,
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
    follow: bool,
}

/// The most of a log one plain GET returns: its last 1 MiB.
const LOG_TAIL: u64 = 1 << 20;
/// How often a followed log is checked for new lines.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);

/// `GET /instances/{id}/logs[?follow=true]`: the log as text, or every line as an SSE `message`
/// and then new ones as they come, ending with an `end` event once the instance has ended.
#[utoipa::path(
    get, path = "/instances/{id}/logs", tag = "instances", operation_id = "instance_logs",
    params(("id" = i64, Path, description = "The instance's id."), LogParams),
    responses(
        (status = 200, description = "Without `follow`: the log's last MiB as text. With `follow=true`: a server-sent event stream, every line a `message` event, then an `end` event once the instance has ended.",
            content(("text/plain"), ("text/event-stream"))),
    ),
)]
pub async fn instance_logs(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(params): ApiQuery<LogParams>,
) -> ApiResult<Response> {
    instances::get_managed(&state, &caller, id).await?;
    let path = state.runner.log_path(id);
    if !params.follow {
        let (text, _) = read_from(&path, tail_start(&path)).unwrap_or_default();
        return Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response());
    }
    Ok(Sse::new(follow(state, caller, id, path)).keep_alive(KeepAlive::default()).into_response())
}

fn tail_start(path: &PathBuf) -> u64 {
    std::fs::metadata(path).map(|m| m.len().saturating_sub(LOG_TAIL)).unwrap_or(0)
}

/// The text from `offset` to the end, up to the last complete line, and the offset after it.
fn read_from(path: &PathBuf, offset: u64) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    bytes.truncate(complete);
    Ok((String::from_utf8_lossy(&bytes).into_owned(), offset + complete as u64))
}

struct Following {
    state: AppState,
    caller: Caller,
    id: i64,
    path: PathBuf,
    offset: u64,
    pending: std::collections::VecDeque<Event>,
    ended: bool,
}

fn follow(state: AppState, caller: Caller, id: i64, path: PathBuf) -> impl Stream<Item = Result<Event, Infallible>> {
    let offset = tail_start(&path);
    let start = Following { state, caller, id, path, offset, pending: Default::default(), ended: false };
    stream::unfold(start, |mut f| async move {
        loop {
            if let Some(event) = f.pending.pop_front() {
                return Some((Ok(event), f));
            }
            if f.ended {
                return None;
            }
            // Read the status before the file: lines written before the instance ended are then
            // always sent before `end`.
            // Until the runner has finished with it too: its last lines ("stopped") come after the
            // status changes.
            let live = instances::get(&f.state, &f.caller, f.id).await.map(|i| i.status.is_live()).unwrap_or(false)
                || f.state.runner.is_active(f.id);
            if let Ok((text, next)) = read_from(&f.path, f.offset) {
                f.offset = next;
                f.pending.extend(text.lines().map(|line| Event::default().data(line)));
            }
            if !live {
                f.pending.push_back(Event::default().event("end").data("the instance has ended"));
                f.ended = true;
                continue;
            }
            if f.pending.is_empty() {
                tokio::time::sleep(FOLLOW_EVERY).await;
            }
        }
    })
}
