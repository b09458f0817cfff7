//! What every handler can reach: the database and the server's configuration.

use crate::store::blobs::BlobStore;
use crate::accounts::throttle::LoginThrottle;
use crate::db::Db;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub login_throttle: Arc<LoginThrottle>,
    pub blobs: BlobStore,
    /// Held while a blob is stored or removed together with the rows that name it, on any server.
    pub blob_locks: crate::store::blob_lock::BlobLocks,
    pub catalog_cache: Arc<crate::store::catalog::CatalogCache>,
    /// Runs app instances.
    pub runner: Arc<dyn crate::instances::runner::Runner>,
    /// Seals and opens secret values (the key lives outside the database).
    pub sealer: Arc<crate::store::sealing::SecretBox>,
}

impl AppState {
    /// With the secret key from `WAVEHUB_SECRET_KEY` or the key file (created when missing); for
    /// tests and tools. `wavehub serve` loads the key itself, to report a bad key file clearly.
    pub fn new(db: Db, config: Config) -> Self {
        let (sealer, _) = crate::store::sealing::SecretBox::load_or_create(&config.data_dir, config.secret_key_file.as_deref())
            .expect("the secret key loads");
        Self::with_sealer(db, config, sealer)
    }

    /// With the default blob store (`DATA_DIR/blobs`).
    pub fn with_sealer(db: Db, config: Config, sealer: crate::store::sealing::SecretBox) -> Self {
        let blobs = BlobStore::new(&config.data_dir);
        Self::with_blobs(db, config, sealer, blobs)
    }

    /// With a blob store opened from `--blob-store` ([`BlobStore::open`]).
    pub fn with_blobs(db: Db, config: Config, sealer: crate::store::sealing::SecretBox, blobs: BlobStore) -> Self {
        let runner = Arc::new(crate::instances::runner::LocalRunner::new(&config.data_dir, config.launch.clone()));
        let blob_locks = crate::store::blob_lock::BlobLocks::new(&db, &config.data_dir);
        AppState {
            db,
            config: Arc::new(config),
            login_throttle: Arc::default(),
            blobs,
            blob_locks,
            catalog_cache: Arc::default(),
            runner,
            sealer: Arc::new(sealer),
        }
    }
}

/// Settings that change how requests are answered (from `wavehub serve`'s flags).
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the built web app is (trunk's `dist/`).
    pub static_dir: PathBuf,
    /// Where the database (by default) and bundle blobs live.
    pub data_dir: PathBuf,
    /// `--database-url`: SQLite in the data dir (the default), another SQLite file, or PostgreSQL.
    pub database: crate::db::DatabaseLocation,
    /// `--blob-store`: where bundles are kept when not in `DATA_DIR/blobs` (a folder or an S3 bucket).
    pub blob_store: Option<crate::store::blobs::BlobLocation>,
    /// Mark the session cookie `Secure` (set when Wavehub is served over HTTPS).
    pub secure_cookies: bool,
    /// How long a sign-in lasts.
    pub session_lifetime: chrono::Duration,
    /// The largest bundle upload accepted, in bytes.
    pub max_bundle_bytes: u64,
    /// The rules every uploaded bundle is checked with.
    pub bundle_options: wavehub_core::bundle::BundleOptions,
    /// The console's public address, without a trailing slash (`--public-url`; by default
    /// `http://<listen address>`): apps get it as `H2O_CLOUD_ENVIRONMENT`, the apps origin sends
    /// visitors there to sign in.
    pub public_url: String,
    /// The apps origin's public address, without a trailing slash (`--apps-url`; by default
    /// `http://<apps listen address>`): instances are served under `<apps_url>/instances/<id>/`.
    pub apps_url: String,
    /// Where the other Wavehub servers on this database reach this one's apps listener
    /// (`--internal-url`, `http://host:port`). Recorded with each instance this server runs, so
    /// their proxies forward its visitors here. `None`: one server runs every instance.
    pub internal_url: Option<String>,
    /// How the local runner installs packages and sandboxes instances.
    pub launch: crate::instances::runner::LaunchSettings,
    /// `--secret-key-file`: where the key that seals secret values is (default `DATA_DIR/secret.key`).
    pub secret_key_file: Option<PathBuf>,
    /// An upload (bundle body) that sends no bytes for this long ends with 408, its temporary file removed.
    pub upload_idle_timeout: std::time::Duration,
    /// The longest an upload may take in all, however steadily it trickles in (408 after it).
    pub upload_deadline: std::time::Duration,
    /// How long a client may take to send a request's headers to the console (and a keep-alive
    /// connection may stay idle) before the connection is closed.
    pub header_read_timeout: std::time::Duration,
}

impl Config {
    /// 1 GiB: far above real apps (wheels included), low enough to keep a disk from filling by accident.
    pub const DEFAULT_MAX_BUNDLE_BYTES: u64 = 1 << 30;

    /// Where uploads are written while they arrive and are checked.
    pub fn upload_dir(&self) -> PathBuf {
        self.data_dir.join("uploads")
    }

    /// Settings for tests and defaults: cookies without `Secure` (tests speak plain HTTP), a week
    /// per session.
    pub fn new(data_dir: PathBuf, static_dir: PathBuf) -> Self {
        let data_dir_for_launch = data_dir.clone();
        Config {
            static_dir,
            data_dir,
            database: crate::db::DatabaseLocation::DataDir,
            blob_store: None,
            secure_cookies: false,
            session_lifetime: chrono::Duration::days(7),
            max_bundle_bytes: Self::DEFAULT_MAX_BUNDLE_BYTES,
            bundle_options: wavehub_core::bundle::BundleOptions::default(),
            public_url: "http://127.0.0.1:8080".into(),
            apps_url: "http://127.0.0.1:8081".into(),
            internal_url: None,
            launch: crate::instances::runner::LaunchSettings::new(&data_dir_for_launch),
            secret_key_file: None,
            upload_idle_timeout: std::time::Duration::from_secs(30),
            // 1 GiB (the default limit) in 30 minutes is 0.6 MB/s.
            upload_deadline: std::time::Duration::from_secs(30 * 60),
            header_read_timeout: std::time::Duration::from_secs(30),
        }
    }
}
