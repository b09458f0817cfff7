//! `POST /api/v1/bundles/validate`: the server's verdict on a bundle, storing nothing.

use crate::accounts::auth::Caller;
use crate::error::ApiResult;
use crate::extract::ApiJson;
use crate::state::AppState;
use crate::uploads;
use axum::body::Body;
use axum::extract::State;
use wavehub_core::bundle::BundleReport;

/// Any signed-in user may ask; the report is the same one an import would act on. The upload is
/// deleted when the answer is sent.
#[utoipa::path(
    post, path = "/bundles/validate", tag = "apps", operation_id = "validate_bundle",
    request_body(content = inline(crate::openapi::Binary), content_type = "application/octet-stream",
        description = "The `.wave` file's bytes, as the body itself (not multipart)."),
    responses(
        (status = 200, description = "The validation report; `valid` says whether an import would accept it.", body = BundleReport),
        (status = 400, description = "The upload was interrupted or stalled."),
        (status = 413, description = "The bundle is larger than the server accepts."),
    ),
)]
pub async fn validate(State(state): State<AppState>, _caller: Caller, body: Body) -> ApiResult<ApiJson<BundleReport>> {
    let upload = uploads::receive(&state.config, body).await?;
    let (_upload, report) = uploads::check(&state.config, upload).await?;
    Ok(ApiJson(report))
}
