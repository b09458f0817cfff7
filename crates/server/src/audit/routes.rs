//! `GET /audit`: the audit log, for admins. The entries are read by [`super::list`].

use crate::accounts::auth::Caller;
use crate::audit;
use crate::http::error::ApiResult;
use crate::http::extract::{ApiJson, ApiQuery};
use crate::http::state::AppState;
use axum::extract::State;
use wavehub_core::api::Page;
use wavehub_core::audit::{AuditEntry, AuditQuery};

#[utoipa::path(
    get, path = "/audit", tag = "audit", operation_id = "audit_log",
    params(AuditQuery),
    responses((status = 200, description = "Who did what and when, newest first (admins only).", body = Page<AuditEntry>)),
)]
pub async fn audit_log(State(state): State<AppState>, caller: Caller, ApiQuery(query): ApiQuery<AuditQuery>) -> ApiResult<ApiJson<Page<AuditEntry>>> {
    caller.require_admin()?;
    Ok(ApiJson(audit::list(&state.db, &query).await?))
}
