//! Bundle blobs, content-addressed by SHA-256: `<first two hex digits>/<sha256>`. The same bytes
//! imported twice (two names, or a re-import after a delete) are stored once.
//!
//! Where they are kept is `--blob-store` ([`BlobLocation`]): a folder (by default `DATA_DIR/blobs`)
//! or an S3 bucket (`s3://bucket/prefix`), which is then the source of truth. A server on S3 keeps
//! the blobs it must read as files (an instance's bundle, a version's files read out of the zip)
//! in a local cache, `DATA_DIR/blob-cache`: a blob's bytes never change under its name, so a cached
//! copy never goes stale.

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig, WriteMultipart};
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tempfile::NamedTempFile;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The blob folder inside the data dir (the default store).
pub const BLOB_DIR: &str = "blobs";
/// With an S3 store: this server's copies of the blobs it read as files, inside the data dir.
pub const CACHE_DIR: &str = "blob-cache";

/// Uploads larger than this go to S3 in parts of this size, a few at a time: a bundle (up to the
/// upload limit, 1 GiB by default) is never held in memory whole.
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts in flight at once (so at most this many times [`PART_SIZE`] in memory).
const PARTS_IN_FLIGHT: usize = 4;

/// A blob's bytes as they are read, for a response body.
pub type BlobStream = BoxStream<'static, io::Result<Bytes>>;

/// Where blobs are kept: the value of `--blob-store` / `WAVEHUB_BLOB_STORE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobLocation {
    /// A folder on this machine.
    Folder(PathBuf),
    /// A bucket of an S3-compatible store.
    S3(S3Location),
}

/// `s3://bucket[/prefix][?endpoint=URL&region=NAME]`. Endpoint and region may instead come from
/// `AWS_ENDPOINT_URL` and `AWS_REGION`; the credentials always come from the environment
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the bucket's top.
    pub prefix: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
}

impl std::fmt::Display for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.prefix.as_str() {
            "" => write!(f, "s3://{}", self.bucket),
            prefix => write!(f, "s3://{}/{prefix}", self.bucket),
        }
    }
}

impl std::str::FromStr for BlobLocation {
    type Err = String;

    /// A folder path, or `s3://…`; any other URL is refused with what is accepted.
    fn from_str(text: &str) -> Result<Self, String> {
        const ACCEPTED: &str = "give a folder, or s3://BUCKET[/PREFIX][?endpoint=URL&region=NAME]";
        let text = text.trim();
        if text.is_empty() {
            return Err(format!("it is empty; {ACCEPTED}"));
        }
        let Some(rest) = text.strip_prefix("s3://") else {
            if let Some((scheme, _)) = text.split_once("://") {
                return Err(format!("{scheme}:// is not a store Wavehub knows; {ACCEPTED}"));
            }
            return Ok(BlobLocation::Folder(PathBuf::from(text)));
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (bucket, prefix) = path.split_once('/').unwrap_or((path, ""));
        if bucket.is_empty() {
            return Err(format!("it names no bucket; {ACCEPTED}"));
        }
        let mut location =
            S3Location { bucket: bucket.to_owned(), prefix: prefix.trim_matches('/').to_owned(), endpoint: None, region: None };
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy().into_owned();
            if value.is_empty() {
                return Err(format!("`{key}` has no value; {ACCEPTED}"));
            }
            match key {
                "endpoint" if value.starts_with("http://") || value.starts_with("https://") => location.endpoint = Some(value),
                "endpoint" => return Err(format!("the endpoint {value} is not an http:// or https:// URL")),
                "region" => location.region = Some(value),
                other => return Err(format!("`{other}` is not a setting of an S3 store (endpoint and region are); {ACCEPTED}")),
            }
        }
        Ok(BlobLocation::S3(location))
    }
}

/// The blob store a server reads and writes bundles through. Cheap to clone.
#[derive(Debug, Clone)]
pub struct BlobStore {
    backend: Arc<Backend>,
}

#[derive(Debug)]
enum Backend {
    Folder { root: PathBuf },
    S3 { store: AmazonS3, location: S3Location, cache: PathBuf },
}

impl BlobStore {
    /// The default store: `DATA_DIR/blobs`.
    pub fn new(data_dir: &Path) -> Self {
        Self::folder(data_dir.join(BLOB_DIR))
    }

    /// Blobs in `root`.
    pub fn folder(root: PathBuf) -> Self {
        BlobStore { backend: Arc::new(Backend::Folder { root }) }
    }

    /// The store `location` names (`None`: the default folder), ready: its folder created, or its
    /// bucket reached with the environment's credentials. The error says what to fix.
    pub async fn open(location: Option<&BlobLocation>, data_dir: &Path) -> anyhow::Result<Self> {
        match location {
            None => Self::open_folder(data_dir.join(BLOB_DIR)),
            Some(BlobLocation::Folder(root)) => Self::open_folder(std::path::absolute(root).unwrap_or_else(|_| root.clone())),
            Some(BlobLocation::S3(location)) => Self::open_s3(location, data_dir, std::env::vars()).await,
        }
    }

    fn open_folder(root: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&root)
            .map_err(|e| anyhow::anyhow!("cannot create the blob folder {} (--blob-store): {e}", root.display()))?;
        Ok(Self::folder(root))
    }

    /// A bucket, set up from `location` and the `AWS_*` variables among `env` (the location's
    /// endpoint and region win over `AWS_ENDPOINT_URL` and `AWS_REGION`), and checked by listing
    /// the prefix once.
    pub async fn open_s3(location: &S3Location, data_dir: &Path, env: impl IntoIterator<Item = (String, String)>) -> anyhow::Result<Self> {
        // reqwest's TLS (for https:// endpoints) signs with the crypto rustls already has, ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        // No limit on a whole request (a bundle streams to a slow client at its pace), one on silence;
        // a stream cut off resumes where it stopped (object_store's retries, by range).
        let client = ClientOptions::new().with_timeout_disabled().with_read_timeout(Duration::from_secs(60));
        let retry = RetryConfig { max_retries: 5, retry_timeout: Duration::from_secs(60), ..RetryConfig::default() };
        let mut builder = AmazonS3Builder::new().with_client_options(client).with_retry(retry);
        for (key, value) in env {
            if let Some(key) = key.strip_prefix("AWS_").and_then(|_| key.to_ascii_lowercase().parse::<AmazonS3ConfigKey>().ok()) {
                builder = builder.with_config(key, value);
            }
        }
        builder = builder.with_bucket_name(&location.bucket).with_virtual_hosted_style_request(false);
        if let Some(endpoint) = &location.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        if let Some(region) = &location.region {
            builder = builder.with_region(region);
        }
        if builder.get_config_value(&AmazonS3ConfigKey::Endpoint).is_some_and(|endpoint| endpoint.starts_with("http://")) {
            builder = builder.with_allow_http(true);
        }
        let store = builder.build().map_err(|e| anyhow::anyhow!("cannot use the blob store {location} (--blob-store): {e}"))?;
        let prefix = (!location.prefix.is_empty()).then(|| ObjectPath::from(location.prefix.as_str()));
        store.list_with_delimiter(prefix.as_ref()).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot reach the blob store {location} (--blob-store): {e}. Check the bucket, the endpoint and region \
                 (?endpoint=…&region=… or AWS_ENDPOINT_URL, AWS_REGION) and the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"
            )
        })?;
        let cache = data_dir.join(CACHE_DIR);
        std::fs::create_dir_all(&cache).map_err(|e| anyhow::anyhow!("cannot create the blob cache {}: {e}", cache.display()))?;
        remove_partial_downloads(&cache);
        Ok(BlobStore { backend: Arc::new(Backend::S3 { store, location: location.clone(), cache }) })
    }

    /// Where the blobs are, for messages: a folder or an `s3://` URL.
    pub fn describe(&self) -> String {
        match &*self.backend {
            Backend::Folder { root } => root.display().to_string(),
            Backend::S3 { location, .. } => location.to_string(),
        }
    }

    /// Stores a finished upload under its digest. Returns whether this call created the blob:
    /// `false` when the same bytes were already stored, and the upload is simply dropped. A put
    /// that fails stores nothing.
    pub async fn put(&self, upload: NamedTempFile, sha256: &str) -> io::Result<bool> {
        match &*self.backend {
            Backend::Folder { root } => {
                let target = content_path(root, sha256);
                tokio::task::spawn_blocking(move || persist_new(upload, &target)).await.map_err(io::Error::other)?
            }
            Backend::S3 { store, location, cache } => {
                let key = object_key(location, sha256);
                match store.head(&key).await {
                    Ok(_) => return Ok(false),
                    Err(object_store::Error::NotFound { .. }) => {}
                    Err(error) => return Err(error.into()),
                }
                upload_file(store, &key, upload.path()).await?;
                // The upload is this server's cached copy from now on (it is in the same data dir).
                let cached = content_path(cache, sha256);
                if let Err(error) = tokio::task::spawn_blocking(move || persist_new(upload, &cached)).await.map_err(io::Error::other)? {
                    tracing::warn!(%sha256, %error, "cannot keep the upload in the blob cache");
                }
                Ok(true)
            }
        }
    }

    /// Deletes a blob (and this server's cached copy); a blob that is already gone is not an error.
    pub async fn remove(&self, sha256: &str) -> io::Result<()> {
        match &*self.backend {
            Backend::Folder { root } => remove_file_if_there(&content_path(root, sha256)).await,
            Backend::S3 { store, location, cache } => {
                match store.delete(&object_key(location, sha256)).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(error) => return Err(error.into()),
                }
                remove_file_if_there(&content_path(cache, sha256)).await
            }
        }
    }

    /// Whether the blob is stored.
    pub async fn exists(&self, sha256: &str) -> io::Result<bool> {
        match &*self.backend {
            Backend::Folder { root } => tokio::fs::try_exists(content_path(root, sha256)).await,
            Backend::S3 { store, location, .. } => match store.head(&object_key(location, sha256)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(error) => Err(error.into()),
            },
        }
    }

    /// The blob's bytes as they are read, never all in memory: from the folder, from this server's
    /// cached copy, or straight from S3.
    pub async fn read(&self, sha256: &str) -> io::Result<BlobStream> {
        let file = match &*self.backend {
            Backend::Folder { root } => content_path(root, sha256),
            Backend::S3 { store, location, cache } => {
                let cached = content_path(cache, sha256);
                if !tokio::fs::try_exists(&cached).await? {
                    let object = store.get(&object_key(location, sha256)).await?;
                    return Ok(object.into_stream().map(|chunk| chunk.map_err(io::Error::from)).boxed());
                }
                cached
            }
        };
        let file = tokio::fs::File::open(&file).await?;
        Ok(tokio_util::io::ReaderStream::with_capacity(file, 1 << 16).boxed())
    }

    /// A file on this machine holding the blob, for readers that need one (random access into the
    /// zip, an instance's bundle). On S3 it is downloaded into the cache on first use: to a
    /// temporary file, its digest checked, then renamed into place.
    pub async fn local_path(&self, sha256: &str) -> io::Result<PathBuf> {
        match &*self.backend {
            Backend::Folder { root } => Ok(content_path(root, sha256)),
            Backend::S3 { store, location, cache } => {
                let target = content_path(cache, sha256);
                if tokio::fs::try_exists(&target).await? {
                    return Ok(target);
                }
                let key = object_key(location, sha256);
                tokio::fs::create_dir_all(cache).await?;
                let partial = NamedTempFile::with_prefix_in(PARTIAL_PREFIX, cache)?;
                let mut file = tokio::fs::File::from_std(partial.as_file().try_clone()?);
                let mut stream = store.get(&key).await?.into_stream();
                let mut digest = Sha256::new();
                while let Some(chunk) = stream.next().await {
                    let chunk = chunk?;
                    digest.update(&chunk);
                    file.write_all(&chunk).await?;
                }
                file.flush().await?;
                if hex::encode(digest.finalize()) != sha256 {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{location}/{key} does not hold the bytes its name says"),
                    ));
                }
                let placed = target.clone();
                tokio::task::spawn_blocking(move || persist_new(partial, &placed)).await.map_err(io::Error::other)??;
                Ok(target)
            }
        }
    }
}

/// A stored blob, and when it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    pub sha256: String,
    pub written: std::time::SystemTime,
}

impl BlobStore {
    /// Every blob in the store (not the cache), with when it was written.
    pub async fn list(&self) -> io::Result<Vec<StoredBlob>> {
        match &*self.backend {
            Backend::Folder { root } => {
                let root = root.clone();
                tokio::task::spawn_blocking(move || list_folder(&root)).await.map_err(io::Error::other)?
            }
            Backend::S3 { store, location, .. } => {
                let prefix = (!location.prefix.is_empty()).then(|| ObjectPath::from(location.prefix.as_str()));
                let mut listing = store.list(prefix.as_ref());
                let mut found = Vec::new();
                while let Some(object) = listing.next().await {
                    let object = object?;
                    if let Some(sha256) = object.location.filename().filter(|name| is_digest(name)) {
                        found.push(StoredBlob { sha256: sha256.to_owned(), written: object.last_modified.into() });
                    }
                }
                Ok(found)
            }
        }
    }

    /// Of the `listed` blobs, those no row names (`referenced` holds those that are named) written
    /// before `before`: what an import left when its server was killed between storing the blob and
    /// committing its rows ([`crate::store::catalog::remove_orphan_blobs`] removes them). Blobs
    /// written since are left alone, as an import in flight on any server may be about to commit
    /// the row that names one.
    pub fn unreferenced(listed: Vec<StoredBlob>, referenced: &std::collections::HashSet<String>, before: std::time::SystemTime) -> Vec<String> {
        listed.into_iter().filter(|blob| blob.written < before && !referenced.contains(&blob.sha256)).map(|blob| blob.sha256).collect()
    }
}

/// The blobs under `root/<2 hex digits>/<sha256>`.
fn list_folder(root: &Path) -> io::Result<Vec<StoredBlob>> {
    let mut found = Vec::new();
    for folder in std::fs::read_dir(root)? {
        let folder = folder?;
        if !folder.file_type()?.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(folder.path())? {
            let file = file?;
            let name = file.file_name().to_string_lossy().into_owned();
            if is_digest(&name) {
                found.push(StoredBlob { sha256: name, written: file.metadata()?.modified()? });
            }
        }
    }
    Ok(found)
}

/// Whether `name` is a blob's name: a SHA-256 in lowercase hex.
fn is_digest(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Downloads into the cache start with this; one a killed server left is removed at the next start.
const PARTIAL_PREFIX: &str = ".partial-";

fn content_path(root: &Path, sha256: &str) -> PathBuf {
    debug_assert!(sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()));
    root.join(&sha256[..2]).join(sha256)
}

fn object_key(location: &S3Location, sha256: &str) -> ObjectPath {
    match location.prefix.as_str() {
        "" => ObjectPath::from(format!("{}/{sha256}", &sha256[..2])),
        prefix => ObjectPath::from(format!("{prefix}/{}/{sha256}", &sha256[..2])),
    }
}

/// Moves `file` to `target` in one rename (or, from another file system, a copy renamed into
/// place); `false` when `target` was there already and `file` is dropped.
fn persist_new(file: NamedTempFile, target: &Path) -> io::Result<bool> {
    if target.exists() {
        return Ok(false);
    }
    let folder = target.parent().expect("a blob path has a folder");
    std::fs::create_dir_all(folder)?;
    match file.persist(target) {
        Ok(_) => Ok(true),
        Err(error) if error.error.kind() == io::ErrorKind::CrossesDevices => {
            let mut copy = NamedTempFile::with_prefix_in(PARTIAL_PREFIX, folder)?;
            std::io::copy(&mut std::fs::File::open(error.file.path())?, &mut copy)?;
            copy.persist(target).map_err(|error| error.error)?;
            Ok(true)
        }
        Err(error) => Err(error.error),
    }
}

/// Sends the file at `source` to `key`: in one request when small, else in parts (aborted, so
/// nothing is left, when any part fails).
async fn upload_file(store: &AmazonS3, key: &ObjectPath, source: &Path) -> io::Result<()> {
    let mut file = tokio::fs::File::open(source).await?;
    if file.metadata().await?.len() <= PART_SIZE as u64 {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).await?;
        store.put(key, bytes.into()).await?;
        return Ok(());
    }
    let mut upload = WriteMultipart::new_with_chunk_size(store.put_multipart(key).await?, PART_SIZE);
    let mut buffer = vec![0; 1 << 20];
    let sent: io::Result<()> = async {
        loop {
            let read = file.read(&mut buffer).await?;
            if read == 0 {
                return Ok(());
            }
            upload.wait_for_capacity(PARTS_IN_FLIGHT).await?;
            upload.write(&buffer[..read]);
        }
    }
    .await;
    match sent {
        Ok(()) => upload.finish().await.map(drop).map_err(io::Error::from),
        Err(error) => {
            if let Err(abort_error) = upload.abort().await {
                tracing::warn!(%key, error = %abort_error, "cannot abort a failed upload; its parts stay until the bucket's lifecycle rules remove them");
            }
            Err(error)
        }
    }
}

async fn remove_file_if_there(path: &Path) -> io::Result<()> {
    match tokio::fs::remove_file(path).await {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// Removes the downloads a stopped server left half-written in the cache.
fn remove_partial_downloads(cache: &Path) {
    let Ok(entries) = std::fs::read_dir(cache) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(PARTIAL_PREFIX) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use wavehub_testkit::garage::{self, Garage};

    const DIGEST: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn upload_in(folder: &Path, bytes: &[u8]) -> NamedTempFile {
        let mut file = NamedTempFile::new_in(folder).unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    async fn read_all(store: &BlobStore, sha256: &str) -> Vec<u8> {
        let mut stream = store.read(sha256).await.unwrap();
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            bytes.extend_from_slice(&chunk.unwrap());
        }
        bytes
    }

    fn sha256_hex(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    /// A store on a fresh Garage; fails (never skips) when Garage cannot start.
    async fn s3_store(garage: &Garage, data_dir: &Path, prefix: &str) -> BlobStore {
        let location = S3Location {
            bucket: garage::BUCKET.into(),
            prefix: prefix.into(),
            endpoint: Some(garage.endpoint.clone()),
            region: Some(garage::REGION.into()),
        };
        let env = [("AWS_ACCESS_KEY_ID", &garage.access_key_id), ("AWS_SECRET_ACCESS_KEY", &garage.secret_access_key)];
        BlobStore::open_s3(&location, data_dir, env.map(|(k, v)| (k.to_owned(), v.clone()))).await.unwrap()
    }

    fn start_garage() -> Garage {
        Garage::start().unwrap_or_else(|error| panic!("the S3 tests need Garage (`cargo xtask services` installs it): {error}"))
    }

    #[test]
    fn reads_the_blob_store_flag() {
        assert_eq!("blobs".parse(), Ok(BlobLocation::Folder("blobs".into())));
        assert_eq!("/srv/wavehub blobs".parse(), Ok(BlobLocation::Folder("/srv/wavehub blobs".into())));
        let location: BlobLocation = "s3://wavehub/prod/bundles/?endpoint=http%3A%2F%2F127.0.0.1%3A3900&region=garage".parse().unwrap();
        let BlobLocation::S3(location) = location else { panic!("{location:?}") };
        assert_eq!(location.bucket, "wavehub");
        assert_eq!(location.prefix, "prod/bundles");
        assert_eq!(location.endpoint.as_deref(), Some("http://127.0.0.1:3900"));
        assert_eq!(location.region.as_deref(), Some("garage"));
        assert_eq!(location.to_string(), "s3://wavehub/prod/bundles");
        let bare: BlobLocation = "s3://wavehub".parse().unwrap();
        assert_eq!(bare, BlobLocation::S3(S3Location { bucket: "wavehub".into(), prefix: String::new(), endpoint: None, region: None }));
        for (bad, says) in [
            ("", "empty"),
            ("s3://", "no bucket"),
            ("s3:///prefix", "no bucket"),
            ("gs://bucket", "gs:// is not a store"),
            ("s3://bucket?endpoint=ftp://host", "not an http"),
            ("s3://bucket?secret=x", "`secret` is not a setting"),
            ("s3://bucket?region=", "has no value"),
        ] {
            let error = bad.parse::<BlobLocation>().unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    #[tokio::test]
    async fn a_folder_store_moves_the_upload_once_and_remove_forgets_it() {
        let data = tempfile::tempdir().unwrap();
        let store = BlobStore::open(None, data.path()).await.unwrap();
        let first = upload_in(data.path(), b"abc");
        let first_path = first.path().to_path_buf();
        assert!(store.put(first, DIGEST).await.unwrap());
        assert!(!first_path.exists(), "the upload was moved, not copied");
        let path = store.local_path(DIGEST).await.unwrap();
        assert_eq!(path, data.path().join("blobs/ba").join(DIGEST));
        assert_eq!(std::fs::read(&path).unwrap(), b"abc");
        assert_eq!(read_all(&store, DIGEST).await, b"abc");

        let second = upload_in(data.path(), b"abc");
        let second_path = second.path().to_path_buf();
        assert!(!store.put(second, DIGEST).await.unwrap(), "already stored");
        assert!(!second_path.exists(), "the duplicate upload is dropped");

        store.remove(DIGEST).await.unwrap();
        assert!(!path.exists());
        assert!(!store.exists(DIGEST).await.unwrap());
        store.remove(DIGEST).await.unwrap();

        // `--blob-store FOLDER`: the same layout there, created at open.
        let elsewhere = data.path().join("elsewhere/blobs");
        let store = BlobStore::open(Some(&BlobLocation::Folder(elsewhere.clone())), data.path()).await.unwrap();
        assert!(elsewhere.is_dir());
        assert!(store.put(upload_in(data.path(), b"abc"), DIGEST).await.unwrap());
        assert_eq!(store.local_path(DIGEST).await.unwrap(), elsewhere.join("ba").join(DIGEST));
        assert_eq!(read_all(&store, DIGEST).await, b"abc");
    }

    /// What a killed import left (a blob no row names, written before the sweep's cut-off) goes;
    /// a named blob, and one written since (an import in flight), stay. In a folder and in S3.
    #[tokio::test]
    async fn unreferenced_blobs_older_than_the_cut_off_are_removed() {
        use std::collections::HashSet;
        use std::time::{Duration, SystemTime};
        let garage = start_garage();
        let data = tempfile::tempdir().unwrap();
        let (named, orphan, fresh) = (b"named".as_slice(), b"orphan".as_slice(), b"fresh".as_slice());
        let referenced = HashSet::from([sha256_hex(named)]);
        for store in [BlobStore::open(None, data.path()).await.unwrap(), s3_store(&garage, data.path(), "tests/sweep").await] {
            for bytes in [named, orphan] {
                store.put(upload_in(data.path(), bytes), &sha256_hex(bytes)).await.unwrap();
            }
            let mut listed: Vec<String> = store.list().await.unwrap().into_iter().map(|blob| blob.sha256).collect();
            listed.sort();
            let mut expected = vec![sha256_hex(named), sha256_hex(orphan)];
            expected.sort();
            assert_eq!(listed, expected, "{}", store.describe());
            // Written after the cut-off: stays, whatever names it.
            // S3 keeps whole seconds: the cut-off is one ahead, the fresh blob written after it.
            let cut_off = SystemTime::now() + Duration::from_secs(2);
            tokio::time::sleep(Duration::from_secs(3)).await;
            store.put(upload_in(data.path(), fresh), &sha256_hex(fresh)).await.unwrap();
            let unreferenced = BlobStore::unreferenced(store.list().await.unwrap(), &referenced, cut_off);
            assert_eq!(unreferenced, [sha256_hex(orphan)], "{}", store.describe());
            store.remove(&unreferenced[0]).await.unwrap();
            assert!(!store.exists(&sha256_hex(orphan)).await.unwrap(), "the orphan went: {}", store.describe());
            assert!(store.exists(&sha256_hex(named)).await.unwrap() && store.exists(&sha256_hex(fresh)).await.unwrap());
        }
    }

    #[tokio::test]
    async fn an_s3_store_puts_once_reads_back_caches_and_removes() {
        let garage = start_garage();
        let data = tempfile::tempdir().unwrap();
        let store = s3_store(&garage, data.path(), "tests/put").await;
        assert_eq!(store.describe(), "s3://wavehub/tests/put");

        let first = upload_in(data.path(), b"abc");
        assert!(store.put(first, DIGEST).await.unwrap(), "the first put creates the object");
        assert!(store.exists(DIGEST).await.unwrap());
        // A second put of the same bytes finds the object and sends nothing.
        assert!(!store.put(upload_in(data.path(), b"abc"), DIGEST).await.unwrap());
        let objects = list(&garage, data.path()).await;
        assert_eq!(objects, vec![format!("tests/put/ba/{DIGEST}")], "one object, under the prefix");

        // The upload became this server's cached copy; a server without it downloads it once.
        let cached = data.path().join(CACHE_DIR).join("ba").join(DIGEST);
        assert_eq!(std::fs::read(&cached).unwrap(), b"abc");
        std::fs::remove_file(&cached).unwrap();
        assert_eq!(read_all(&store, DIGEST).await, b"abc", "streamed from the bucket");
        assert!(!cached.exists(), "reading does not fill the cache");
        assert_eq!(store.local_path(DIGEST).await.unwrap(), cached);
        assert_eq!(std::fs::read(&cached).unwrap(), b"abc");
        assert_eq!(read_all(&store, DIGEST).await, b"abc", "read from the cached copy");

        store.remove(DIGEST).await.unwrap();
        assert!(!store.exists(DIGEST).await.unwrap());
        assert!(!cached.exists(), "the cached copy goes with it");
        assert!(list(&garage, data.path()).await.is_empty());
        store.remove(DIGEST).await.unwrap();
        assert!(store.local_path(DIGEST).await.unwrap_err().kind() == io::ErrorKind::NotFound);
        let left: Vec<_> = std::fs::read_dir(data.path().join(CACHE_DIR)).unwrap().map(|entry| entry.unwrap().file_name()).collect();
        assert_eq!(left, ["ba"], "no partial download is left");
        assert!(std::fs::read_dir(data.path().join(CACHE_DIR).join("ba")).unwrap().next().is_none());
    }

    #[tokio::test]
    async fn an_s3_store_sends_a_large_blob_in_parts_and_checks_what_it_downloads() {
        let garage = start_garage();
        let data = tempfile::tempdir().unwrap();
        let store = s3_store(&garage, data.path(), "").await;
        // Three parts and a bit, none of them alike.
        let bytes: Vec<u8> = (0..(3 * PART_SIZE + 12345)).map(|i| (i % 251) as u8 ^ (i / PART_SIZE) as u8).collect();
        let sha256 = sha256_hex(&bytes);
        assert!(store.put(upload_in(data.path(), &bytes), &sha256).await.unwrap());
        assert_eq!(list(&garage, data.path()).await, vec![format!("{}/{sha256}", &sha256[..2])]);
        std::fs::remove_dir_all(data.path().join(CACHE_DIR)).unwrap();
        assert!(read_all(&store, &sha256).await == bytes, "the object holds the bytes");
        assert!(std::fs::read(store.local_path(&sha256).await.unwrap()).unwrap() == bytes);

        // An object whose bytes are not the ones its name says is refused, not cached.
        let wrong = DIGEST;
        let Backend::S3 { store: s3, location, .. } = &*store.backend else { unreachable!() };
        s3.put(&object_key(location, wrong), b"not abc".to_vec().into()).await.unwrap();
        assert_eq!(store.local_path(wrong).await.unwrap_err().kind(), io::ErrorKind::InvalidData);
        assert!(!data.path().join(CACHE_DIR).join("ba").join(wrong).exists());
    }

    #[tokio::test]
    async fn an_unreachable_bucket_is_an_error_at_open_that_says_what_to_check() {
        let garage = start_garage();
        let data = tempfile::tempdir().unwrap();
        let location = S3Location {
            bucket: garage::BUCKET.into(),
            prefix: String::new(),
            endpoint: Some(garage.endpoint.clone()),
            region: Some(garage::REGION.into()),
        };
        let env = [("AWS_ACCESS_KEY_ID".to_owned(), garage.access_key_id.clone()), ("AWS_SECRET_ACCESS_KEY".to_owned(), "0".repeat(64))];
        let error = BlobStore::open_s3(&location, data.path(), env).await.unwrap_err().to_string();
        assert!(error.contains("cannot reach the blob store s3://wavehub (--blob-store)"), "{error}");
        assert!(error.contains("AWS_SECRET_ACCESS_KEY"), "{error}");
    }

    /// Every object in the bucket.
    async fn list(garage: &Garage, data_dir: &Path) -> Vec<String> {
        let everything = s3_store(garage, data_dir, "").await;
        let Backend::S3 { store, .. } = &*everything.backend else { unreachable!() };
        let mut keys: Vec<String> = store.list(None).map(|meta| meta.unwrap().location.to_string()).collect().await;
        keys.sort();
        keys
    }
}
