//! `/tags`, `/apps/{id}/tags/{tag}`, `/secrets` and `/audit`. The rules are in [`crate::tags`],
//! [`crate::secrets`] and [`crate::audit`].

use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::{audit, secrets, tags};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use wavehub_core::api::{Page, API_PREFIX};
use wavehub_core::audit::{AuditEntry, AuditQuery};
use wavehub_core::secrets::{NewSecret, SecretSummary};
use wavehub_core::tags::{NewTag, Tag, TagPatch};

pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<ApiJson<Vec<Tag>>> {
    Ok(ApiJson(tags::list(&state, &caller).await?))
}

pub async fn create(State(state): State<AppState>, caller: Caller, ApiJson(request): ApiJson<NewTag>) -> ApiResult<impl IntoResponse> {
    let tag = tags::create(&state, &caller, &request).await?;
    let location = format!("{API_PREFIX}/tags/{}", tag.name);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], ApiJson(tag)))
}

pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(name): ApiPath<String>,
    ApiJson(patch): ApiJson<TagPatch>,
) -> ApiResult<ApiJson<Tag>> {
    Ok(ApiJson(tags::update(&state, &caller, &name, &patch).await?))
}

pub async fn remove(State(state): State<AppState>, caller: Caller, ApiPath(name): ApiPath<String>) -> ApiResult<StatusCode> {
    tags::delete(&state, &caller, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /apps/{id}/tags/{tag}`.
pub async fn assign(State(state): State<AppState>, caller: Caller, ApiPath((id, tag)): ApiPath<(i64, String)>) -> ApiResult<StatusCode> {
    tags::set_assignment(&state, &caller, id, &tag, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /apps/{id}/tags/{tag}`.
pub async fn unassign(State(state): State<AppState>, caller: Caller, ApiPath((id, tag)): ApiPath<(i64, String)>) -> ApiResult<StatusCode> {
    tags::set_assignment(&state, &caller, id, &tag, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_secrets(State(state): State<AppState>, caller: Caller) -> ApiResult<ApiJson<Vec<SecretSummary>>> {
    Ok(ApiJson(secrets::list(&state.db, &caller).await?))
}

/// `POST /secrets`: 201 when new, 200 when its keys were replaced.
pub async fn put_secret(State(state): State<AppState>, caller: Caller, ApiJson(request): ApiJson<NewSecret>) -> ApiResult<impl IntoResponse> {
    let (created, summary) = secrets::put(&state.db, &state.sealer, &caller, &request).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, ApiJson(summary)))
}

pub async fn delete_secret(State(state): State<AppState>, caller: Caller, ApiPath(name): ApiPath<String>) -> ApiResult<StatusCode> {
    secrets::delete(&state.db, &caller, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn audit_log(State(state): State<AppState>, caller: Caller, ApiQuery(query): ApiQuery<AuditQuery>) -> ApiResult<ApiJson<Page<AuditEntry>>> {
    caller.require_admin()?;
    Ok(ApiJson(audit::list(&state.db, &query).await?))
}
