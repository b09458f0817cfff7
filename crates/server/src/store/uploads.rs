//! Receiving a bundle: the request body goes to a temporary file under the data dir, with a size
//! limit, and is checked there. The file is deleted when the upload is dropped, so a failed or
//! interrupted upload leaves nothing behind; a crash can, and [`remove_leftovers`] clears those at
//! start.
//!
//! An upload is bounded three ways: a body declared larger than the limit (`Content-Length`) is
//! refused before a byte of it is read (413); one that sends nothing for
//! [`Config::upload_idle_timeout`] ends (408), and so does one still arriving after
//! [`Config::upload_deadline`].

use crate::http::error::{problem_response, ApiError, ApiResult};
use crate::http::state::Config;
use axum::body::{Body, HttpBody};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use std::time::Duration;
use tempfile::NamedTempFile;
use tokio::io::AsyncWriteExt;
use tokio::time::Instant;
use wavehub_core::api::Problem;
use wavehub_core::bundle::BundleReport;

/// A bundle that has arrived in full, in a temporary file that is removed on drop.
pub struct Upload {
    pub file: NamedTempFile,
    pub size: u64,
    /// The SHA-256 of the bytes, lowercase hex: the name the blob is stored under.
    pub sha256: String,
}

/// Why an upload ended before it arrived in full.
#[derive(Debug)]
pub enum UploadError {
    /// Refused like any other request (413 too large, 400 interrupted, 500).
    Refused(ApiError),
    /// 408: the client stopped sending, or took longer than the deadline. Nothing was kept.
    TimedOut(String),
}

impl From<ApiError> for UploadError {
    fn from(error: ApiError) -> Self {
        UploadError::Refused(error)
    }
}

/// For handlers whose errors are [`ApiError`]s, which has no 408: a timed-out upload is a 400 there.
/// Handlers that can should answer with the [`UploadError`] itself.
impl From<UploadError> for ApiError {
    fn from(error: UploadError) -> Self {
        match error {
            UploadError::Refused(error) => error,
            UploadError::TimedOut(message) => ApiError::BadRequest(message),
        }
    }
}

impl IntoResponse for UploadError {
    fn into_response(self) -> Response {
        match self {
            UploadError::Refused(error) => error.into_response(),
            UploadError::TimedOut(message) => {
                let mut response = problem_response(&Problem::new(408, message));
                // The rest of the body may still come; the connection is not worth keeping.
                response.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
                response
            }
        }
    }
}

fn too_large(config: &Config, size: Option<u64>) -> ApiError {
    let size = size.map(|size| format!(" ({} MiB)", size.div_ceil(1 << 20))).unwrap_or_default();
    ApiError::PayloadTooLarge(format!(
        "the bundle{size} is larger than this server accepts ({} MiB); leave large data out of the bundle (see .appignore)",
        config.max_bundle_bytes >> 20
    ))
}

fn internal(what: impl std::fmt::Display, error: std::io::Error) -> UploadError {
    UploadError::Refused(ApiError::Internal(anyhow::anyhow!("{what}: {error}")))
}

/// 413 at once when the request's `Content-Length` is over the limit: nothing of the body is read.
pub fn check_declared_length(config: &Config, headers: &HeaderMap) -> ApiResult<()> {
    let declared = headers.get(header::CONTENT_LENGTH).and_then(|value| value.to_str().ok()).and_then(|text| text.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > config.max_bundle_bytes => Err(too_large(config, Some(length))),
        _ => Ok(()),
    }
}

/// "30 s", "30 min".
fn duration_text(duration: Duration) -> String {
    match duration.as_secs() {
        seconds if seconds >= 120 && seconds % 60 == 0 => format!("{} min", seconds / 60),
        0 => format!("{} ms", duration.as_millis()),
        seconds => format!("{seconds} s"),
    }
}

/// Streams `body` into a temporary file: 413 when it is (or declares itself) larger than the
/// configured limit, 408 when it stalls or outlasts the deadline. On any error the file is removed.
pub async fn receive(config: &Config, body: Body) -> Result<Upload, UploadError> {
    // The server's body knows its Content-Length: a declared size over the limit is refused unread.
    let declared = body.size_hint();
    if declared.lower() > config.max_bundle_bytes {
        return Err(too_large(config, Some(declared.lower())).into());
    }
    let upload_dir = config.upload_dir();
    tokio::fs::create_dir_all(&upload_dir).await.map_err(|e| internal(format!("cannot create {}", upload_dir.display()), e))?;
    let file = NamedTempFile::new_in(&upload_dir).map_err(|e| internal("cannot create an upload file", e))?;
    let handle = tokio::fs::File::from_std(file.reopen().map_err(|e| internal("cannot open the upload file", e))?);
    let mut writer = tokio::io::BufWriter::with_capacity(1 << 20, handle);
    let mut size: u64 = 0;
    let mut hasher = Sha256::new();
    let mut stream = body.into_data_stream();
    let deadline = Instant::now() + config.upload_deadline;
    loop {
        let wait_until = (Instant::now() + config.upload_idle_timeout).min(deadline);
        let next = match tokio::time::timeout_at(wait_until, stream.try_next()).await {
            Ok(next) => next.map_err(|error| ApiError::BadRequest(format!("the upload was interrupted: {error}")))?,
            Err(_) => {
                let why = if Instant::now() >= deadline {
                    format!("the upload took longer than {}", duration_text(config.upload_deadline))
                } else {
                    format!("no bytes of the upload arrived for {}", duration_text(config.upload_idle_timeout))
                };
                tracing::info!(received = size, "{why}; the upload is dropped");
                return Err(UploadError::TimedOut(format!(
                    "{why} ({size} bytes had arrived); nothing was stored. Send the bundle again."
                )));
            }
        };
        let Some(chunk) = next else { break };
        size += chunk.len() as u64;
        if size > config.max_bundle_bytes {
            return Err(too_large(config, None).into());
        }
        hasher.update(&chunk);
        writer.write_all(&chunk).await.map_err(|e| internal("cannot write the upload file", e))?;
    }
    writer.flush().await.map_err(|e| internal("cannot write the upload file", e))?;
    if size == 0 {
        return Err(ApiError::BadRequest("the request has no body: send the .wave file's bytes".into()).into());
    }
    Ok(Upload { file, size, sha256: hex::encode(hasher.finalize()) })
}

/// Removes the files uploads left in [`Config::upload_dir`]: those of uploads that were arriving or
/// being checked when the server stopped without cleaning up (a crash, `kill -9`). Run at start,
/// before the server takes requests, when no upload of this process can be there yet. Returns how
/// many files went; what cannot be removed is logged and left.
pub fn remove_leftovers(config: &Config) -> usize {
    let upload_dir = config.upload_dir();
    let entries = match std::fs::read_dir(&upload_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return 0,
        Err(error) => {
            tracing::warn!(dir = %upload_dir.display(), %error, "cannot list the uploads folder to remove leftover uploads");
            return 0;
        }
    };
    let (mut files, mut bytes) = (0usize, 0u64);
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            continue;
        }
        let size = entry.metadata().map(|metadata| metadata.len()).unwrap_or(0);
        match std::fs::remove_file(entry.path()) {
            Ok(()) => {
                files += 1;
                bytes += size;
            }
            Err(error) => tracing::warn!(file = %entry.path().display(), %error, "cannot remove a leftover upload"),
        }
    }
    if files > 0 {
        tracing::warn!(files, bytes, "removed the temporary files of uploads a previous server process left behind");
    }
    files
}

/// Both passes of the bundle check over an upload, on a blocking thread (it reads the whole file).
pub async fn check(config: &Config, upload: Upload) -> ApiResult<(Upload, BundleReport)> {
    let options = config.bundle_options.clone();
    tokio::task::spawn_blocking(move || {
        let report = crate::store::bundle_files::check_bundle_file(upload.file.path(), &options)?;
        Ok::<_, std::io::Error>((upload, report))
    })
    .await
    .map_err(|e| anyhow::anyhow!("the bundle check stopped: {e}"))?
    .map_err(|e| ApiError::Internal(anyhow::anyhow!("cannot read the upload: {e}")))
}

/// An upload made from bytes already in memory (demo data), stored like a received body.
pub fn from_bytes(config: &Config, bytes: &[u8]) -> std::io::Result<Upload> {
    use std::io::Write;
    std::fs::create_dir_all(config.upload_dir())?;
    let mut file = NamedTempFile::new_in(config.upload_dir())?;
    file.write_all(bytes)?;
    file.flush()?;
    Ok(Upload { file, size: bytes.len() as u64, sha256: hex::encode(Sha256::digest(bytes)) })
}
