//! `/tags`, `/apps/{id}/tags/{tag}`, `/secrets` and `/audit`. The rules are in [`crate::tags`],
//! [`crate::secrets`] and [`crate::audit`].

use crate::accounts::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery, OptionalJson};
use crate::state::AppState;
use crate::{audit, secrets, tags};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use wavehub_core::api::{Page, API_PREFIX};
use wavehub_core::audit::{AuditEntry, AuditQuery, Reason};
use wavehub_core::secrets::{NewSecret, SecretSummary};
use wavehub_core::tags::{NewTag, Tag, TagPatch};

#[utoipa::path(
    get, path = "/tags", tag = "tags", operation_id = "list_tags",
    responses((status = 200, description = "Every tag, with how many visible apps carry it.", body = Vec<Tag>)),
)]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<ApiJson<Vec<Tag>>> {
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
pub async fn create(State(state): State<AppState>, caller: Caller, ApiJson(request): ApiJson<NewTag>) -> ApiResult<impl IntoResponse> {
    let tag = tags::create(&state, &caller, &request).await?;
    let location = format!("{API_PREFIX}/tags/{}", tag.name);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], ApiJson(tag)))
}

#[utoipa::path(
    patch, path = "/tags/{name}", tag = "tags", operation_id = "update_tag",
    params(("name" = String, Path, description = "The tag's name.")),
    request_body = TagPatch,
    responses((status = 200, description = "The tag as it is now.", body = Tag)),
)]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
    ApiJson(patch): ApiJson<TagPatch>,
) -> ApiResult<ApiJson<Tag>> {
    Ok(ApiJson(tags::update(&state, &caller, &name, &patch).await?))
}

#[utoipa::path(
    delete, path = "/tags/{name}", tag = "tags", operation_id = "delete_tag",
    params(("name" = String, Path, description = "The tag's name.")),
    request_body(content = Option<Reason>, description = "Optional: `{reason}`, kept in the audit log; an empty body gives none."),
    responses((status = 204, description = "Deleted, and removed from every app.")),
)]
pub async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
    OptionalJson(body): OptionalJson<Reason>,
) -> ApiResult<StatusCode> {
    tags::delete(&state, &caller, &name, &body).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /apps/{id}/tags/{tag}`.
#[utoipa::path(
    put, path = "/apps/{id}/tags/{tag}", tag = "tags", operation_id = "assign_tag",
    params(("id" = i64, Path, description = "The app version's id."), ("tag" = String, Path, description = "The tag's name.")),
    responses((status = 204, description = "The app carries the tag.")),
)]
pub async fn assign(State(state): State<AppState>, caller: Caller, ApiPath((id, tag)): ApiPath<(i64, String)>) -> ApiResult<StatusCode> {
    tags::set_assignment(&state, &caller, id, &tag, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /apps/{id}/tags/{tag}`.
#[utoipa::path(
    delete, path = "/apps/{id}/tags/{tag}", tag = "tags", operation_id = "unassign_tag",
    params(("id" = i64, Path, description = "The app version's id."), ("tag" = String, Path, description = "The tag's name.")),
    responses((status = 204, description = "The app no longer carries the tag.")),
)]
pub async fn unassign(State(state): State<AppState>, caller: Caller, ApiPath((id, tag)): ApiPath<(i64, String)>) -> ApiResult<StatusCode> {
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

#[utoipa::path(
    get, path = "/audit", tag = "audit", operation_id = "audit_log",
    params(AuditQuery),
    responses((status = 200, description = "Who did what and when, newest first (admins only).", body = Page<AuditEntry>)),
)]
pub async fn audit_log(State(state): State<AppState>, caller: Caller, ApiQuery(query): ApiQuery<AuditQuery>) -> ApiResult<ApiJson<Page<AuditEntry>>> {
    caller.require_admin()?;
    Ok(ApiJson(audit::list(&state.db, &query).await?))
}
