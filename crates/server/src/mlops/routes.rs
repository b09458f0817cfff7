//! The workspace (authz gateway) and runtime-image endpoints the H2O MLOps client calls: read the
//! grpc-gateway request, call the same functions the console's API calls
//! ([`crate::runtime_images::workspaces`], [`crate::runtime_images`]), answer in the client's shapes. Errors are
//! Wavehub's own problem documents: the client takes its exception's text from their `detail`.

use super::wire::{self, ActionQuery, ImageBody, ListQuery, ListReply, One, VersionBody, ALL_WORKSPACES};
use crate::accounts::auth::Caller;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, OptionalJson};
use crate::runtime_images::{images, list_query, versions, Scope};
use crate::http::state::AppState;
use crate::runtime_images::workspaces::{self, Access};
use axum::extract::State;
use axum::Json;
use serde_json::Value;
use wavehub_core::api::{Finding, Page};
use wavehub_core::runtime_images::{
    NewRuntimeImage, NewRuntimeImageVersion, RuntimeImage, RuntimeImagePatch, RuntimeImageQuery, StateAction, StateChange,
};

type Reply<T> = ApiResult<Json<T>>;

async fn access(state: &AppState, caller: &Caller, ws: &str) -> ApiResult<Access> {
    workspaces::access(&state.db, caller, ws).await
}

/// A state-changing custom method's segment, `{id}:{verb}` (the router cannot match a parameter
/// with a suffix in one segment): the id and the action, read by core's
/// [`StateAction::from_verb`]. Images re-enable with `enable`, versions (`for_version`) with
/// `activate`.
fn state_method(segment: &str, for_version: bool) -> ApiResult<(&str, StateAction)> {
    let (id, verb) = segment
        .rsplit_once(':')
        .ok_or_else(|| ApiError::NotFound(format!("There is no API endpoint POST …/{segment}.")))?;
    let action = StateAction::from_verb(verb, for_version).ok_or_else(|| {
        let enable = StateAction::Enable.verb(for_version);
        ApiError::NotFound(format!("There is no method `:{verb}` here; there are `:deprecate`, `:disable` and `:{enable}`."))
    })?;
    Ok((id, action))
}

// ---- workspaces (authz gateway) ----

/// The caller's workspaces (all of them for platform admins), with `display_name = '…'` applied.
async fn my_workspaces(state: &AppState, caller: &Caller, list: &ListQuery) -> ApiResult<Vec<wire::WorkspaceWire>> {
    if list.order_by.as_deref().is_some_and(|order| !order.trim().is_empty()) {
        return Err(ApiError::BadRequest("Wavehub lists workspaces by name; it takes no `orderBy`.".into()));
    }
    let names: Vec<String> = wire::filter_terms(list.filter.as_deref(), &["display_name"])?.into_iter().map(|(_, name)| name).collect();
    let page = workspaces::list(&state.db, caller).await?;
    Ok(page.items.iter().filter(|w| names.iter().all(|name| *name == w.name)).map(wire::workspace).collect())
}

pub async fn list_workspaces(State(state): State<AppState>, caller: Caller, ApiQuery(list): ApiQuery<ListQuery>) -> Reply<ListReply> {
    let workspaces = my_workspaces(&state, &caller, &list).await?;
    Ok(Json(ListReply { workspaces: Some(workspaces), ..Default::default() }))
}

pub async fn count_workspaces(State(state): State<AppState>, caller: Caller, ApiQuery(list): ApiQuery<ListQuery>) -> Reply<Value> {
    let workspaces = my_workspaces(&state, &caller, &list).await?;
    Ok(Json(wire::count("totalSize", workspaces.len() as u64)))
}

pub async fn get_workspace(State(state): State<AppState>, caller: Caller, ApiPath(ws): ApiPath<String>) -> Reply<One> {
    Ok(Json(One::Workspace(wire::workspace(&workspaces::get(&state.db, &caller, &ws).await?))))
}

// ---- runtime images ----

/// A page of `ws`'s images (the console's list), or of every workspace's for `workspaces/-`.
async fn image_page(state: &AppState, caller: &Caller, ws: &str, query: &RuntimeImageQuery, exact_name: Option<&str>) -> ApiResult<Page<RuntimeImage>> {
    if ws == ALL_WORKSPACES {
        caller.require_admin()?;
        list_query::list_named(&state.db, Scope::All, query, exact_name).await
    } else {
        let access = access(state, caller, ws).await?;
        list_query::list_named(&state.db, Scope::Workspace(&access), query, exact_name).await
    }
}

pub async fn list_images(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
    ApiQuery(list): ApiQuery<ListQuery>,
) -> Reply<ListReply> {
    let (query, exact_name) = wire::image_query(&list)?;
    let page = image_page(&state, &caller, &ws, &query, exact_name.as_deref()).await?;
    Ok(Json(ListReply {
        next_page_token: wire::next_page_token(&page),
        runtime_images: Some(page.items.iter().map(|image| wire::image(&ws, image)).collect()),
        ..Default::default()
    }))
}

pub async fn count_images(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
    ApiQuery(list): ApiQuery<ListQuery>,
) -> Reply<Value> {
    let (mut query, exact_name) = wire::image_query(&ListQuery { filter: list.filter, ..Default::default() })?;
    query.page_size = wire::COUNT_PAGE;
    let page = image_page(&state, &caller, &ws, &query, exact_name.as_deref()).await?;
    Ok(Json(wire::count("count", page.total)))
}

pub async fn create_image(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(ws): ApiPath<String>,
    ApiQuery(ids): ApiQuery<ActionQuery>,
    ApiJson(body): ApiJson<ImageBody>,
) -> Reply<One> {
    let access = access(&state, &caller, &ws).await?;
    let request = NewRuntimeImage {
        uid: ids.runtime_image_id,
        name: body.display_name.unwrap_or_default(),
        docker_image: body.docker_image.unwrap_or_default(),
        version: body.runtime_image_version_id,
        description: body.description,
        prereleases: None,
    };
    let image = images::create(&state.db, &access, &request).await?;
    Ok(Json(One::RuntimeImage(wire::image(&ws, &image))))
}

pub async fn get_image(State(state): State<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>) -> Reply<One> {
    let access = access(&state, &caller, &ws).await?;
    Ok(Json(One::RuntimeImage(wire::image(&ws, &images::get(&state.db, &access, &uid).await?))))
}

/// `PATCH` with `updateMask`: `display_name`, `description`, `docker_image` (with the body's
/// `runtimeImageVersionId`, which the client leaves out of the mask). No mask: what the body has.
pub async fn update_image(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ws, uid)): ApiPath<(String, String)>,
    ApiQuery(query): ApiQuery<ActionQuery>,
    ApiJson(body): ApiJson<ImageBody>,
) -> Reply<One> {
    let mask: Vec<String> = match query.update_mask.as_deref().map(str::trim).filter(|mask| !mask.is_empty()) {
        Some(mask) => mask.split(',').map(|path| path.trim().to_owned()).collect(),
        None => [("display_name", body.display_name.is_some()), ("description", body.description.is_some()), ("docker_image", body.docker_image.is_some())]
            .into_iter()
            .filter(|(_, present)| *present)
            .map(|(path, _)| path.to_owned())
            .collect(),
    };
    let mut patch = RuntimeImagePatch::default();
    for path in &mask {
        match path.as_str() {
            "display_name" | "displayName" => patch.name = Some(body.display_name.clone().unwrap_or_default()),
            "description" => patch.description = Some(body.description.clone().unwrap_or_default()),
            "docker_image" | "dockerImage" => {
                patch.docker_image = Some(body.docker_image.clone().unwrap_or_default());
                patch.version = body.runtime_image_version_id.clone();
            }
            other => {
                return Err(ApiError::invalid(vec![Finding::field_error(
                    "update_mask.invalid",
                    "update_mask",
                    format!("`{other}` can't be updated; a runtime image's display_name, description and docker_image can."),
                )]))
            }
        }
    }
    let access = access(&state, &caller, &ws).await?;
    Ok(Json(One::RuntimeImage(wire::image(&ws, &images::update(&state.db, &access, &uid, &patch).await?))))
}

/// `DELETE` answers `{}`: the client parses every answer as JSON.
pub async fn delete_image(State(state): State<AppState>, caller: Caller, ApiPath((ws, uid)): ApiPath<(String, String)>) -> Reply<Value> {
    let access = access(&state, &caller, &ws).await?;
    images::delete(&state.db, &access, &uid).await?;
    Ok(Json(serde_json::json!({})))
}

/// `POST …/runtimeImages/{uid}:deprecate|disable|enable`: the updated image.
pub async fn image_method(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ws, segment)): ApiPath<(String, String)>,
    OptionalJson(body): OptionalJson<StateChange>,
) -> Reply<One> {
    let (uid, action) = state_method(&segment, false)?;
    let access = access(&state, &caller, &ws).await?;
    let image = images::change_image_state(&state.db, &access, uid, action, body.reason.as_deref()).await?;
    Ok(Json(One::RuntimeImage(wire::image(&ws, &image))))
}

// ---- versions ----

/// The image's versions (newest first, as in the console), with `state = …` applied. All in one
/// page: an image has few versions, and the console lists them unpaged too.
async fn version_list(state: &AppState, caller: &Caller, ws: &str, uid: &str, list: &ListQuery) -> ApiResult<wavehub_core::runtime_images::VersionList> {
    if list.order_by.as_deref().is_some_and(|order| !order.trim().is_empty()) {
        return Err(ApiError::BadRequest("Wavehub lists versions newest first; it takes no `orderBy`.".into()));
    }
    let mut wanted = None;
    for (_, value) in wire::filter_terms(list.filter.as_deref(), &["state"])? {
        wanted = Some(wire::state_value(&value)?);
    }
    let access = access(state, caller, ws).await?;
    versions::versions(&state.db, &access, uid, wanted).await
}

pub async fn list_versions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ws, uid)): ApiPath<(String, String)>,
    ApiQuery(list): ApiQuery<ListQuery>,
) -> Reply<ListReply> {
    let versions = version_list(&state, &caller, &ws, &uid, &list).await?;
    let items = versions.items.iter().map(|version| wire::version(&ws, &uid, version)).collect();
    Ok(Json(ListReply { runtime_image_versions: Some(items), ..Default::default() }))
}

pub async fn count_versions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ws, uid)): ApiPath<(String, String)>,
    ApiQuery(list): ApiQuery<ListQuery>,
) -> Reply<Value> {
    Ok(Json(wire::count("count", version_list(&state, &caller, &ws, &uid, &list).await?.total)))
}

/// `POST …/versions?runtimeImageVersionId=v2.1.0` with `{"image"}`.
pub async fn create_version(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ws, uid)): ApiPath<(String, String)>,
    ApiQuery(ids): ApiQuery<ActionQuery>,
    ApiJson(body): ApiJson<VersionBody>,
) -> Reply<One> {
    if body.readiness_probe_path.as_deref().is_some_and(|path| !path.trim().is_empty()) {
        return Err(ApiError::invalid(vec![Finding::field_error(
            "readiness_probe_path.unsupported",
            "readiness_probe_path",
            "Wavehub keeps no readiness probe path for a version; leave readiness_probe_path out.",
        )]));
    }
    let access = access(&state, &caller, &ws).await?;
    let request = NewRuntimeImageVersion { docker_image: body.image.unwrap_or_default(), version: ids.runtime_image_version_id };
    let version = versions::add_version(&state.db, &access, &uid, &request).await?;
    Ok(Json(One::RuntimeImageVersion(wire::version(&ws, &uid, &version))))
}

pub async fn get_version(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ws, uid, version)): ApiPath<(String, String, String)>,
) -> Reply<One> {
    let access = access(&state, &caller, &ws).await?;
    let version = versions::get_version(&state.db, &access, &uid, &version).await?;
    Ok(Json(One::RuntimeImageVersion(wire::version(&ws, &uid, &version))))
}

/// `POST …/versions/{v}:deprecate|disable|activate`: the updated version.
pub async fn version_method(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((ws, uid, segment)): ApiPath<(String, String, String)>,
    OptionalJson(body): OptionalJson<StateChange>,
) -> Reply<One> {
    let (version, action) = state_method(&segment, true)?;
    let access = access(&state, &caller, &ws).await?;
    let version = versions::change_version_state(&state.db, &access, &uid, version, action, body.reason.as_deref()).await?;
    Ok(Json(One::RuntimeImageVersion(wire::version(&ws, &uid, &version))))
}
