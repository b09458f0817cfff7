//! Receiving a bundle: the request body goes to a temporary file under the data dir, with a size
//! limit, and is checked there. The file is deleted when the upload is dropped, so a failed or
//! interrupted upload leaves nothing behind.

use crate::error::{ApiError, ApiResult};
use crate::state::Config;
use axum::body::Body;
use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;
use tokio::io::AsyncWriteExt;
use wavehub_core::bundle::BundleReport;

/// A bundle that has arrived in full, in a temporary file that is removed on drop.
pub struct Upload {
    pub file: NamedTempFile,
    pub size: u64,
    /// The SHA-256 of the bytes, lowercase hex: the name the blob is stored under.
    pub sha256: String,
}

/// Streams `body` into a temporary file; 413 when it passes the configured limit.
pub async fn receive(config: &Config, body: Body) -> ApiResult<Upload> {
    let upload_dir = config.upload_dir();
    tokio::fs::create_dir_all(&upload_dir).await.map_err(|e| anyhow::anyhow!("cannot create {}: {e}", upload_dir.display()))?;
    let file = NamedTempFile::new_in(&upload_dir).map_err(|e| anyhow::anyhow!("cannot create an upload file: {e}"))?;
    let handle = tokio::fs::File::from_std(file.reopen().map_err(anyhow::Error::from)?);
    let mut writer = tokio::io::BufWriter::with_capacity(1 << 20, handle);
    let mut size: u64 = 0;
    let mut hasher = Sha256::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|error| ApiError::BadRequest(format!("the upload was interrupted: {error}")))?
    {
        size += chunk.len() as u64;
        if size > config.max_bundle_bytes {
            return Err(ApiError::PayloadTooLarge(format!(
                "the bundle is larger than this server accepts ({} MiB); leave large data out of the bundle (see .appignore)",
                config.max_bundle_bytes >> 20
            )));
        }
        hasher.update(&chunk);
        writer.write_all(&chunk).await.map_err(anyhow::Error::from)?;
    }
    writer.flush().await.map_err(anyhow::Error::from)?;
    if size == 0 {
        return Err(ApiError::BadRequest("the request has no body: send the .wave file's bytes".into()));
    }
    Ok(Upload { file, size, sha256: hex::encode(hasher.finalize()) })
}

/// Both passes of the bundle check over an upload, on a blocking thread (it reads the whole file).
pub async fn check(config: &Config, upload: Upload) -> ApiResult<(Upload, BundleReport)> {
    let options = config.bundle_options.clone();
    tokio::task::spawn_blocking(move || {
        let report = crate::bundle_files::check_bundle_file(upload.file.path(), &options)?;
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
