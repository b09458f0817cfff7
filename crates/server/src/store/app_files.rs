//! A version's own files, for its description: the Markdown rendered with its relative links and
//! pictures pointing at them, and the files served to whoever may see the version (the same people
//! who may download its bundle). Pictures are served inline, every other file as a download, under
//! a policy that lets nothing in them run (see [`wavehub_core::bundle::served`]).

use crate::store::bundle_files;
use crate::store::catalog::{self, Viewer};
use crate::http::error::{ApiError, ApiResult};
use crate::http::state::AppState;
use crate::on_db;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use std::collections::HashSet;
use wavehub_core::api::API_PREFIX;
use wavehub_core::apps::AppDetail;
use wavehub_core::bundle::served::{served_as, Served};
use wavehub_core::markdown::{self, BundleLinks};

/// Files larger than this are not served one by one (they would be inflated in memory); the
/// bundle download has them.
pub const MAX_SERVED_FILE: u64 = 32 * 1024 * 1024;

/// `app`'s description as safe HTML, its relative links and pictures pointing at `files_url`
/// below. `None` when it has no description.
pub async fn description_html(state: &AppState, app: &AppDetail) -> ApiResult<Option<String>> {
    let Some(long_description) = app.long_description.clone() else {
        return Ok(None);
    };
    let id = app.summary.id;
    // The description's own path in the bundle: its links are relative to its folder.
    let manifest: Option<String> =
        on_db!(&state.db, |pool| sqlx::query_scalar("SELECT manifest FROM app_documents WHERE app_id = $1").bind(id).fetch_optional(pool).await)?;
    let manifest: Option<serde_json::Value> = manifest.and_then(|m| serde_json::from_str(&m).ok());
    let file = manifest.as_ref().and_then(|m| m["app"]["long_description"].as_str());
    let folder = file.and_then(|file| file.rsplit_once('/')).map(|(folder, _)| format!("{folder}/")).unwrap_or_default();
    let blob = state.blobs.local_path(&app.sha256).await;
    let html = tokio::task::spawn_blocking(move || {
        let names: HashSet<String> = match blob.and_then(|blob| bundle_files::read_directory(&blob)) {
            Ok(directory) => directory.entries.into_iter().filter(|entry| !entry.is_dir).map(|entry| entry.name).collect(),
            Err(error) => {
                // The words still show; only the links to the bundle's files go nowhere.
                tracing::error!(app = id, %error, "cannot read the bundle's file names");
                HashSet::new()
            }
        };
        let has_file = |name: &str| names.contains(name);
        let files_url = files_url(id);
        let bundle = BundleLinks { files_url: &files_url, folder: &folder, has_file: &has_file };
        markdown::to_safe_html(&long_description, Some(&bundle))
    })
    .await
    .map_err(anyhow::Error::from)?;
    Ok(Some(html))
}

/// Where `GET /apps/{id}/files/{path}` serves version `id`'s files, ending in `/`.
pub fn files_url(id: i64) -> String {
    format!("{API_PREFIX}/apps/{id}/files/")
}

/// `GET /apps/{id}/files/{path}`: the bundle's file `name`, to whoever may see version `id`.
pub async fn serve(state: &AppState, viewer: Viewer, id: i64, name: &str) -> ApiResult<Response> {
    let app = catalog::load_detail(&state.db, viewer, id).await?;
    let not_found = || ApiError::NotFound(format!("The bundle of {} {} has no file {name}.", app.summary.name, app.summary.version));
    let blob = state.blobs.local_path(&app.sha256).await.map_err(|e| anyhow::anyhow!("cannot read the bundle of app {id}: {e}"))?;
    let directory = {
        let blob = blob.clone();
        tokio::task::spawn_blocking(move || bundle_files::read_directory(&blob)).await.map_err(anyhow::Error::from)?
    }
    .map_err(|error| anyhow::anyhow!("cannot read the bundle of app {id} ({}): {error}", blob.display()))?;
    let entry = directory.find(name).filter(|entry| !entry.is_dir).cloned().ok_or_else(not_found)?;
    if entry.uncompressed_size > MAX_SERVED_FILE {
        return Err(ApiError::PayloadTooLarge(format!(
            "{name} is {} MB, more than the {} MB served one file at a time; download the whole bundle instead.",
            entry.uncompressed_size / (1024 * 1024),
            MAX_SERVED_FILE / (1024 * 1024)
        )));
    }
    let bytes = tokio::task::spawn_blocking(move || bundle_files::read_entry(&blob, &entry))
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|error| anyhow::anyhow!("cannot read {name} from the bundle of app {id}: {error}"))?;
    let served = served_as(name);
    let disposition = match served {
        Served::Picture(_) => HeaderValue::from_static("inline"),
        Served::Download(_) => {
            let file_name = name.rsplit('/').next().unwrap_or(name).replace(|c: char| c == '"' || c == '\\' || c.is_control(), "_");
            HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\"")).unwrap_or(HeaderValue::from_static("attachment"))
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(served.media_type())),
            (header::CONTENT_DISPOSITION, disposition),
            // A version's files never change, but its visibility can: browsers may keep them,
            // shared caches not.
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=3600")),
            // Opened on its own, a file is a sandboxed document that may load nothing and run
            // nothing (an SVG's scripts included); the inline style an SVG may carry still applies.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
            ),
        ],
        bytes,
    )
        .into_response())
}
