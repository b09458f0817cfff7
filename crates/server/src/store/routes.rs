//! The store's HTTP handlers: `/apps` and `/app-names` (import, the catalog, an app's page data,
//! its images, files and bundle, visibility and delete), `POST /bundles/validate`, `/tags` and
//! `/apps/{id}/tags/{tag}`, and `/secrets`. Each reads the request, calls one function of this
//! folder ([`super::catalog`], [`super::uploads`], [`super::tags`], [`super::secrets`]) and shapes
//! the answer. A handler is named after its OpenAPI `operation_id`.

use super::catalog::{self, Viewer};
use super::uploads::{self, UploadError};
use super::{app_files, app_history, secrets, tags};
use crate::accounts::auth::Caller;
use crate::http::created;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ApiJson, ApiPath, ApiQuery, OptionalJson};
use crate::http::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wavehub_core::api::{Page, PageRequest, Problem};
use wavehub_core::apps::{AppDetail, AppEvent, AppListPage, AppPatch, AppQuery, AppVersion, Visibility};
use wavehub_core::audit::Reason;
use wavehub_core::bundle::BundleReport;
use wavehub_core::secrets::{NewSecret, SecretSummary};
use wavehub_core::tags::{NewTag, Tag, TagPatch};

// ---- path parameters: what each one is, said once for every route that has it ----

/// `{id}` of `/apps/{id}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(names("id"), parameter_in = Path)]
pub struct AppId(
    /// The app version's id.
    pub i64,
);

/// `{name}` of `/app-names/{name}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(names("name"), parameter_in = Path)]
pub struct AppName(
    /// The app's name.
    pub String,
);

/// `{name}` of `/tags/{name}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(names("name"), parameter_in = Path)]
pub struct TagName(
    /// The tag's name.
    pub String,
);

/// `{tag}` of `/apps/{id}/tags/{tag}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(names("tag"), parameter_in = Path)]
pub struct AppTag(
    /// The tag's name.
    pub String,
);

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// `PRIVATE` (the default) or `ALL_USERS`.
    #[serde(default)]
    #[param(value_type = Option<Visibility>)]
    visibility: Option<String>,
}

/// `POST /apps?visibility=`: the body is the `.wave`. 201 with the app; 409 when the name+version
/// exists; 422 with the findings when the bundle breaks rules; 413 when it is (or says it is) over
/// the size limit; 408 when it stalls.
#[utoipa::path(
    post, path = "/apps", tag = "apps", operation_id = "import_app",
    params(ImportParams),
    request_body(content = inline(crate::http::openapi::Binary), content_type = "application/octet-stream",
        description = "The `.wave` file's bytes, as the body itself (not multipart)."),
    responses(
        (status = 201, description = "Imported.", body = AppDetail,
            headers(("location" = String, description = "The app's address."))),
        (status = 400, description = "The upload was interrupted."),
        (status = 408, description = "The upload stalled or took too long; nothing was kept."),
        (status = 409, description = "This name and version exist already."),
        (status = 413, description = "The bundle is (or says it is) larger than the server accepts."),
        (status = 422, description = "The bundle breaks rules: `errors` lists the findings."),
    ),
)]
pub async fn import_app(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ImportParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse, UploadError> {
    // Refuse before reading a large body the caller may not send anyway.
    catalog::require_importer(&caller)?;
    let visibility = match params.visibility.as_deref() {
        None | Some("") => Visibility::Private,
        Some(text) => text.parse().map_err(|message| ApiError::invalid(vec![catalog::visibility_finding(message)]))?,
    };
    uploads::check_declared_length(&state.config, &headers)?;
    let upload = uploads::receive(&state.config, body).await?;
    let (upload, report) = uploads::check(&state.config, upload).await?;
    // In a task of its own: a client that goes away mid-import (the handler dropped) must not stop
    // it between storing the blob and committing the rows, or removing the blob again.
    let import = tokio::spawn(async move { catalog::import(&state, &caller, visibility, upload, report).await });
    let app = import.await.map_err(|e| ApiError::from(anyhow::Error::from(e)))??;
    Ok(created(format!("apps/{}", app.summary.id), app))
}

/// `GET /apps`: the catalog as the caller sees it.
#[utoipa::path(
    get, path = "/apps", tag = "apps", operation_id = "list_apps",
    params(AppQuery),
    responses((status = 200, description = "The apps the caller may see, with the filters' counts.", body = AppListPage)),
)]
pub async fn list_apps(State(state): State<AppState>, caller: Caller, ApiQuery(query): ApiQuery<AppQuery>) -> ApiResult<ApiJson<AppListPage>> {
    Ok(ApiJson(catalog::list(&state, Viewer::from(&caller), &query).await?))
}

/// `GET /apps/{id}`: the app with its description rendered (`long_description_html`), or a 404
/// that names the version that replaced it (see [`catalog::detail_or_successor`]).
#[utoipa::path(
    get, path = "/apps/{id}", tag = "apps", operation_id = "get_app",
    params(AppId),
    responses(
        (status = 200, description = "The app.", body = AppDetail),
        (status = 404, description = "No such app, or not visible to the caller. When it was retired or deleted and the caller \
            may see a newer version of its name, `successor` names that version.", body = Problem, content_type = "application/problem+json"),
    ),
)]
pub async fn get_app(State(state): State<AppState>, caller: Caller, ApiPath(AppId(id)): ApiPath<AppId>) -> ApiResult<ApiJson<AppDetail>> {
    let mut app = catalog::detail_or_successor(&state.db, Viewer::from(&caller), id).await?;
    app.long_description_html = app_files::description_html(&state, &app).await?;
    Ok(ApiJson(app))
}

/// `PATCH /apps/{id}` `{visibility, reason}`: owner or admin.
#[utoipa::path(
    patch, path = "/apps/{id}", tag = "apps", operation_id = "update_app",
    params(AppId),
    request_body = AppPatch,
    responses(
        (status = 200, description = "The app with its new visibility.", body = AppDetail),
        (status = 403, description = "Only its owner and admins may change it."),
        (status = 422, description = "The body breaks the rules: `reason` is required to make an ALL_USERS version PRIVATE and is at most 500 characters."),
    ),
)]
pub async fn update_app(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(AppId(id)): ApiPath<AppId>,
    ApiJson(patch): ApiJson<AppPatch>,
) -> ApiResult<ApiJson<AppDetail>> {
    Ok(ApiJson(catalog::set_visibility(&state, &caller, id, &patch).await?))
}

/// `DELETE /apps/{id}` with an optional `{reason}`: owner or admin; 204.
#[utoipa::path(
    delete, path = "/apps/{id}", tag = "apps", operation_id = "delete_app",
    params(AppId),
    request_body(content = Option<Reason>, description = "Optional: why, kept in the audit log and the name's history."),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, description = "Only its owner and admins may delete it."),
        (status = 409, description = "It still has instances that are not terminated."),
        (status = 422, description = "The reason is longer than 500 characters, or the body is not `{reason}`."),
    ),
)]
pub async fn delete_app(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(AppId(id)): ApiPath<AppId>,
    OptionalJson(body): OptionalJson<Reason>,
) -> ApiResult<StatusCode> {
    catalog::delete(&state, &caller, id, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /apps/{id}/icon`.
#[utoipa::path(
    get, path = "/apps/{id}/icon", tag = "apps", operation_id = "get_app_icon",
    params(AppId),
    responses(
        (status = 200, description = "The image, in its own media type.", content(
            ("image/png"), ("image/jpeg")),
            headers(("cache-control" = String), ("content-security-policy" = String))),
    ),
)]
pub async fn get_app_icon(State(state): State<AppState>, caller: Caller, ApiPath(AppId(id)): ApiPath<AppId>) -> ApiResult<Response> {
    let (media_type, bytes) = catalog::load_image(&state.db, Viewer::from(&caller), id, "icon", 0).await?;
    Ok(image_response(media_type, bytes))
}

/// `GET /apps/{id}/screenshots/{n}` (n from 0).
#[utoipa::path(
    get, path = "/apps/{id}/screenshots/{n}", tag = "apps", operation_id = "get_app_screenshot",
    params(AppId, ("n" = i64, Path, description = "The screenshot's position, from 0.")),
    responses(
        (status = 200, description = "The image, in its own media type.", content(
            ("image/png"), ("image/jpeg")),
            headers(("cache-control" = String), ("content-security-policy" = String))),
    ),
)]
pub async fn get_app_screenshot(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((AppId(id), position)): ApiPath<(AppId, i64)>,
) -> ApiResult<Response> {
    let (media_type, bytes) = catalog::load_image(&state.db, Viewer::from(&caller), id, "screenshot", position).await?;
    Ok(image_response(media_type, bytes))
}

/// Images never change for an app id, but its visibility can: browsers may keep them, shared caches not.
fn image_response(media_type: String, bytes: Vec<u8>) -> Response {
    let content_type = HeaderValue::from_str(&media_type).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600")),
            (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'")),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /apps/{id}/files/{path}`: one file of the version's bundle, for its description's links and
/// pictures.
#[utoipa::path(
    get, path = "/apps/{id}/files/{path}", tag = "apps", operation_id = "get_app_file",
    params(
        AppId,
        ("path" = String, Path, description = "The file's path inside the bundle, `/`-separated (`static/screenshot-1.png`)."),
    ),
    responses(
        (status = 200, description = "The file. Pictures (PNG, JPEG, GIF, WebP, AVIF, SVG) are served inline; \
            every other file is a download (`Content-Disposition: attachment`), never a page.",
            // Every media type `wavehub_core::bundle::served::served_as` gives.
            content(("image/png"), ("image/jpeg"), ("image/gif"), ("image/webp"), ("image/avif"), ("image/svg+xml"),
                ("application/pdf"), ("text/csv"), ("text/plain"), ("application/octet-stream")),
            headers(("content-disposition" = String), ("cache-control" = String), ("content-security-policy" = String))),
        (status = 404, description = "No such app version for the caller, or its bundle has no such file."),
        (status = 413, description = "The file is larger than is served one at a time; the bundle download has it."),
    ),
)]
pub async fn get_app_file(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((AppId(id), path)): ApiPath<(AppId, String)>,
) -> ApiResult<Response> {
    app_files::serve(&state, Viewer::from(&caller), id, &path).await
}

/// `GET /apps/{id}/bundle`: the `.wave` itself, streamed from the blob store.
#[utoipa::path(
    get, path = "/apps/{id}/bundle", tag = "apps", operation_id = "download_app_bundle",
    params(AppId),
    responses(
        (status = 200, description = "The `.wave` file (a zip archive).", content_type = "application/zip", body = inline(crate::http::openapi::Binary),
            headers(("content-disposition" = String, description = "`attachment; filename=\"<Name>.<Version>.wave\"`"))),
    ),
)]
pub async fn download_app_bundle(State(state): State<AppState>, caller: Caller, ApiPath(AppId(id)): ApiPath<AppId>) -> ApiResult<Response> {
    let app = catalog::load_detail(&state.db, Viewer::from(&caller), id).await?;
    let stream = state.blobs.read(&app.sha256).await.map_err(|e| anyhow::anyhow!("cannot read the blob {} of app {id}: {e}", app.sha256))?;
    let file_name = format!("{}.{}.wave", app.summary.name, app.summary.version);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file_name.replace(['"', '\\'], "_")))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/zip")),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CONTENT_LENGTH, HeaderValue::from(app.bundle_size)),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// `GET /app-names/{name}/versions`: newest semver first.
#[utoipa::path(
    get, path = "/app-names/{name}/versions", tag = "apps", operation_id = "list_app_versions",
    params(AppName),
    responses((status = 200, description = "Every version of the name the caller may see, newest semver first.", body = Page<AppVersion>)),
)]
pub async fn list_app_versions(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(AppName(name)): ApiPath<AppName>,
) -> ApiResult<ApiJson<Page<AppVersion>>> {
    let items = catalog::versions(&state.db, Viewer::from(&caller), &name).await?;
    let count = items.len() as u32;
    Ok(ApiJson(Page { total: u64::from(count), page: 1, page_size: count.max(1), items }))
}

/// `GET /app-names/{name}/history?page=&page_size=`: the name's authors and admins.
#[utoipa::path(
    get, path = "/app-names/{name}/history", tag = "apps", operation_id = "app_name_history",
    params(AppName, PageRequest),
    responses(
        (status = 200, description = "What happened to the name's versions, newest first: imports, visibility changes (with the \
            version the catalog showed before and after, where it changed), deletes, tag changes, instances started and \
            stopped; each with who, when and why.", body = Page<AppEvent>),
        (status = 403, description = "The caller sees a version of the name but is neither one of its authors nor an admin."),
        (status = 404, description = "The caller sees no version of this name."),
    ),
)]
pub async fn app_name_history(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(AppName(name)): ApiPath<AppName>,
    ApiQuery(paging): ApiQuery<PageRequest>,
) -> ApiResult<ApiJson<Page<AppEvent>>> {
    Ok(ApiJson(app_history::history(&state.db, &caller, &name, paging).await?))
}

/// Any signed-in user may ask; the report is the same one an import would act on. The upload is
/// deleted when the answer is sent.
#[utoipa::path(
    post, path = "/bundles/validate", tag = "apps", operation_id = "validate_bundle",
    request_body(content = inline(crate::http::openapi::Binary), content_type = "application/octet-stream",
        description = "The `.wave` file's bytes, as the body itself (not multipart)."),
    responses(
        (status = 200, description = "The validation report; `valid` says whether an import would accept it.", body = BundleReport),
        (status = 400, description = "The upload was interrupted or stalled."),
        (status = 413, description = "The bundle is larger than the server accepts."),
    ),
)]
pub async fn validate_bundle(State(state): State<AppState>, _caller: Caller, body: Body) -> ApiResult<ApiJson<BundleReport>> {
    let upload = uploads::receive(&state.config, body).await?;
    let (_upload, report) = uploads::check(&state.config, upload).await?;
    Ok(ApiJson(report))
}

#[utoipa::path(
    get, path = "/tags", tag = "tags", operation_id = "list_tags",
    responses((status = 200, description = "Every tag, with how many visible apps carry it.", body = Vec<Tag>)),
)]
pub async fn list_tags(State(state): State<AppState>, caller: Caller) -> ApiResult<ApiJson<Vec<Tag>>> {
    Ok(ApiJson(tags::list(&state, &caller).await?))
}

#[utoipa::path(
    post, path = "/tags", tag = "tags", operation_id = "create_tag",
    request_body = NewTag,
    responses(
        (status = 201, description = "Created (admins only).", body = Tag, headers(("location" = String))),
        (status = 409, description = "A tag of this name exists."),
    ),
)]
pub async fn create_tag(State(state): State<AppState>, caller: Caller, ApiJson(request): ApiJson<NewTag>) -> ApiResult<impl IntoResponse> {
    let tag = tags::create(&state, &caller, &request).await?;
    Ok(created(format!("tags/{}", tag.name), tag))
}

#[utoipa::path(
    patch, path = "/tags/{name}", tag = "tags", operation_id = "update_tag",
    params(TagName),
    request_body = TagPatch,
    responses((status = 200, description = "The tag as it is now.", body = Tag)),
)]
pub async fn update_tag(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(TagName(name)): ApiPath<TagName>,
    ApiJson(patch): ApiJson<TagPatch>,
) -> ApiResult<ApiJson<Tag>> {
    Ok(ApiJson(tags::update(&state, &caller, &name, &patch).await?))
}

#[utoipa::path(
    delete, path = "/tags/{name}", tag = "tags", operation_id = "delete_tag",
    params(TagName),
    request_body(content = Option<Reason>, description = "Optional: `{reason}`, kept in the audit log; an empty body gives none."),
    responses((status = 204, description = "Deleted, and removed from every app.")),
)]
pub async fn delete_tag(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(TagName(name)): ApiPath<TagName>,
    OptionalJson(body): OptionalJson<Reason>,
) -> ApiResult<StatusCode> {
    tags::delete(&state, &caller, &name, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /apps/{id}/tags/{tag}`.
#[utoipa::path(
    put, path = "/apps/{id}/tags/{tag}", tag = "tags", operation_id = "assign_tag",
    params(AppId, AppTag),
    responses((status = 204, description = "The app carries the tag.")),
)]
pub async fn assign_tag(State(state): State<AppState>, caller: Caller, ApiPath((AppId(id), AppTag(tag))): ApiPath<(AppId, AppTag)>) -> ApiResult<StatusCode> {
    tags::set_assignment(&state, &caller, id, &tag, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /apps/{id}/tags/{tag}`.
#[utoipa::path(
    delete, path = "/apps/{id}/tags/{tag}", tag = "tags", operation_id = "unassign_tag",
    params(AppId, AppTag),
    responses((status = 204, description = "The app no longer carries the tag.")),
)]
pub async fn unassign_tag(State(state): State<AppState>, caller: Caller, ApiPath((AppId(id), AppTag(tag))): ApiPath<(AppId, AppTag)>) -> ApiResult<StatusCode> {
    tags::set_assignment(&state, &caller, id, &tag, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    get, path = "/secrets", tag = "secrets", operation_id = "list_secrets",
    responses((status = 200, description = "Every secret: names and key names, never values (admins only).", body = Vec<SecretSummary>)),
)]
pub async fn list_secrets(State(state): State<AppState>, caller: Caller) -> ApiResult<ApiJson<Vec<SecretSummary>>> {
    Ok(ApiJson(secrets::list(&state.db, &caller).await?))
}

/// `POST /secrets`: 201 when new, 200 when its keys were replaced.
#[utoipa::path(
    post, path = "/secrets", tag = "secrets", operation_id = "put_secret",
    request_body = NewSecret,
    responses(
        (status = 201, description = "Created.", body = SecretSummary),
        (status = 200, description = "Its keys were replaced.", body = SecretSummary),
    ),
)]
pub async fn put_secret(State(state): State<AppState>, caller: Caller, ApiJson(request): ApiJson<NewSecret>) -> ApiResult<impl IntoResponse> {
    let (created, summary) = secrets::put(&state.db, &state.sealer, &caller, &request).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, ApiJson(summary)))
}

#[utoipa::path(
    delete, path = "/secrets/{name}", tag = "secrets", operation_id = "delete_secret",
    params(("name" = String, Path, description = "The secret's name.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 409, description = "App versions still read it."),
    ),
)]
pub async fn delete_secret(State(state): State<AppState>, caller: Caller, ApiPath(name): ApiPath<String>) -> ApiResult<StatusCode> {
    secrets::delete(&state.db, &caller, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
