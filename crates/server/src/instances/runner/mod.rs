//! Runs app instances. [`Runner`] is what the rest of the server sees; [`LocalRunner`] runs each
//! instance as sandboxed processes on this machine (docs/instances.md; it also describes how a
//! Kubernetes runner would map the same plan onto pods).
//!
//! The local runner, per instance, the way the platform does it: unpacks the bundle into
//! `DATA_DIR/instances/<id>/sandbox/app/`, writes the `[[File]]` entries, gets the Python
//! environment for its `requirements.txt` ([`packages`]: installed from a package index, cached by
//! requirements), and then, for a Wave app (h2o-wave installed), starts the Wave server
//! ([`wave`]) and the app (`python -m uvicorn <Module>:main`) on loopback ports with the same
//! `H2O_WAVE_BASE_URL` (`/instances/<id>/`), per-instance access keys, the `[[Env]]` values and
//! the `H2O_CLOUD_*` variables; a plain Python web app starts as `python -m <Module>` with `$PORT`.
//! Every process runs in the [`sandbox`]. A Wave app is running once it has registered with waved
//! (waved logs `app_add`), a plain app once its port answers. Everything goes to `instance.log`
//! (outside the sandbox's reach), after the runner's own `[wavehub]` lines. When an instance ends,
//! its sandbox folder (its files, `[[File]]` secrets included) is removed; the log stays.

pub mod packages;
pub mod sandbox;
pub mod wave;

use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncBufReadExt as _;
use wavehub_core::instances::{InstanceStatus, LaunchStep};

/// What an instance needs to run, decided by the server (the manifest, secrets, standard variables).
pub struct LaunchPlan {
    pub instance_id: i64,
    /// The `.wave` file.
    pub bundle: PathBuf,
    /// Its SHA-256 (environments that read files of the bundle are keyed by it).
    pub bundle_sha256: String,
    /// `[Runtime] Module`: the Wave app's module (`<Module>:main`), or `python -m` this.
    pub module: String,
    /// `[[Env]]` values and secrets, and the standard `H2O_CLOUD_*` variables; the runner adds the
    /// Wave variables and `PORT`.
    pub env: Vec<(String, String)>,
    /// `[[File]]` entries: path as written in app.toml, and content.
    pub files: Vec<(String, Vec<u8>)>,
    /// `[Runtime] MemoryLimit` in bytes.
    pub memory_limit: Option<u64>,
    /// `[Runtime] VolumeMount`: an absolute path where the instance gets a writable folder of its
    /// own (kept for the instance's life, like an emptyDir).
    pub volume_mount: Option<String>,
}

/// A change of an instance's status, reported by the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub instance_id: i64,
    pub status: InstanceStatus,
    pub reason: Option<String>,
    /// While starting: the step it has begun.
    pub step: Option<LaunchStep>,
}

impl StatusReport {
    fn step(instance_id: i64, step: LaunchStep) -> Self {
        StatusReport { instance_id, status: InstanceStatus::Starting, reason: None, step: Some(step) }
    }
}
/// Called with each status change; the server writes it to the database.
pub type StatusSink = Arc<dyn Fn(StatusReport) -> BoxFuture<'static, ()> + Send + Sync>;

pub trait Runner: Send + Sync {
    /// Starts the instance in the background and reports `running` or `failed` through `sink`.
    fn launch(&self, plan: LaunchPlan, sink: StatusSink);
    /// Stops the instance (if it runs) and returns once it has stopped.
    fn stop(&self, instance_id: i64) -> BoxFuture<'static, ()>;
    /// Stops every instance (the server is shutting down).
    fn stop_all(&self) -> BoxFuture<'static, ()>;
    /// Where its log is.
    fn log_path(&self, instance_id: i64) -> PathBuf;
    /// Where the proxy sends a running instance's visitors; `None` while it is not running.
    fn upstream(&self, instance_id: i64) -> Option<Upstream>;
    /// Whether the runner still works on the instance (starting, running, or cleaning up after it).
    fn is_active(&self, instance_id: i64) -> bool;
    /// Every instance it works on.
    fn active_ids(&self) -> Vec<i64>;
}

/// Where a running instance answers, for the proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upstream {
    /// A loopback address: waved's for a Wave app, the app's own (`$PORT`) for a plain web app.
    pub address: std::net::SocketAddr,
    pub kind: UpstreamKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamKind {
    /// waved, which knows its base URL (`H2O_WAVE_BASE_URL` = `/instances/<id>/`): the path is
    /// forwarded unchanged.
    Wave,
    /// A plain web app that serves from `/`: the proxy strips `/instances/<id>` from the path and
    /// sends the prefix as `X-Forwarded-Prefix`.
    Plain,
    /// Another Wavehub server's apps listener, the one that runs the instance (several servers on
    /// one database): the request goes as it came, the visitor's apps session included, and that
    /// server checks the visitor again and serves it.
    Peer,
}

/// How the local runner installs packages and sandboxes instances (`wavehub serve` flags).
#[derive(Debug, Clone)]
pub struct LaunchSettings {
    /// `--pip-index-url`: the package index; pip's own configuration when `None`.
    pub pip_index_url: Option<String>,
    /// `--pip-arg` (repeatable): more arguments for every `pip install`.
    pub pip_args: Vec<String>,
    /// `--wheelhouse DIR`: offline mode, install only from this folder (and the bundle).
    pub wheelhouse: Option<PathBuf>,
    /// `--pip-constraints FILE`; `None`: the built-in constraints ([`DEFAULT_CONSTRAINTS`]).
    pub constraints: Option<PathBuf>,
    /// The h2o-wave release whose `waved` serves every Wave app (`--wave-version`).
    pub wave_version: String,
    /// Run app code in the sandbox (bubblewrap). Off only with `--no-sandbox`, for development.
    pub sandbox: bool,
    /// Shared caches (Python environments keyed by their requirements, waved releases):
    /// `DATA_DIR/cache`.
    pub cache_dir: PathBuf,
}

/// The constraints every install gets unless the admin gives a file: apps pinned to h2o-wave below
/// 1.8.9 import starlette APIs that starlette 1.0 removed.
pub const DEFAULT_CONSTRAINTS: &str = "starlette<1\n";

/// The h2o-wave release whose waved the server provides by default.
pub const DEFAULT_WAVE_VERSION: &str = "1.8.16";

impl LaunchSettings {
    pub fn new(data_dir: &Path) -> Self {
        LaunchSettings {
            pip_index_url: None,
            pip_args: Vec::new(),
            wheelhouse: None,
            constraints: None,
            wave_version: DEFAULT_WAVE_VERSION.into(),
            sandbox: true,
            cache_dir: data_dir.join("cache"),
        }
    }
}

/// How long waved may take to listen, and the app to register with it (or to answer on its port).
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest unpacked bundle and `[[File]]` the runner writes (the upload limit bounds bundles already).
const MAX_UNPACKED: u64 = 4 << 30;
/// What waved logs when an app registers: the instance is then running.
const WAVED_APP_ADDED: &str = "\"t\":\"app_add\"";

pub struct LocalRunner {
    root: PathBuf,
    settings: LaunchSettings,
    live: Arc<Mutex<HashMap<i64, Live>>>,
    /// Instances the server asked to stop: their exit is the expected end, not a failure.
    stopping: Arc<Mutex<std::collections::HashSet<i64>>>,
    env_locks: Arc<packages::EnvLocks>,
    wave_lock: Arc<tokio::sync::Mutex<()>>,
}

/// A launched instance's processes (each leads its own process group) and, once it runs, where
/// it answers.
#[derive(Default)]
struct Live {
    groups: Vec<i32>,
    upstream: Option<Upstream>,
}

impl LocalRunner {
    /// `data_dir` is the resolved (absolute) one: instances and the cache live under it.
    pub fn new(data_dir: &Path, settings: LaunchSettings) -> Self {
        LocalRunner {
            root: data_dir.join("instances"),
            settings: LaunchSettings { cache_dir: data_dir.join("cache"), ..settings },
            live: Arc::default(),
            stopping: Arc::default(),
            env_locks: Arc::default(),
            wave_lock: Arc::default(),
        }
    }

    fn dir(&self, instance_id: i64) -> PathBuf {
        self.root.join(instance_id.to_string())
    }
}

/// What one launch works with.
struct Launch {
    plan: LaunchPlan,
    dir: PathBuf,
    log: PathBuf,
    settings: LaunchSettings,
    live: Arc<Mutex<HashMap<i64, Live>>>,
    stopping: Arc<Mutex<std::collections::HashSet<i64>>>,
    env_locks: Arc<packages::EnvLocks>,
    wave_lock: Arc<tokio::sync::Mutex<()>>,
    sink: StatusSink,
}

impl Launch {
    fn stop_asked(&self) -> bool {
        self.stopping.lock().unwrap_or_else(|e| e.into_inner()).contains(&self.plan.instance_id)
    }

    fn with_live<T>(&self, f: impl FnOnce(&mut Live) -> T) -> T {
        f(self.live.lock().unwrap_or_else(|e| e.into_inner()).entry(self.plan.instance_id).or_default())
    }

    async fn step(&self, step: LaunchStep) -> Result<(), String> {
        if self.stop_asked() {
            return Err("stopped before it started".into());
        }
        append_log(&self.log, &format!("[wavehub] {}", step.label()));
        (self.sink)(StatusReport::step(self.plan.instance_id, step)).await;
        Ok(())
    }
}

impl Runner for LocalRunner {
    fn launch(&self, plan: LaunchPlan, sink: StatusSink) {
        let launch = Launch {
            dir: self.dir(plan.instance_id),
            log: self.dir(plan.instance_id).join("instance.log"),
            plan,
            settings: self.settings.clone(),
            live: self.live.clone(),
            stopping: self.stopping.clone(),
            env_locks: self.env_locks.clone(),
            wave_lock: self.wave_lock.clone(),
            sink,
        };
        tokio::spawn(async move {
            let id = launch.plan.instance_id;
            let outcome = run(&launch).await;
            let groups = launch.with_live(|l| {
                l.upstream = None;
                l.groups.clone()
            });
            // Whatever is left of the instance goes with it: waved when the app ended, the app
            // when waved ended.
            for group in groups {
                signal_group(group, libc::SIGKILL);
            }
            // Its files go too ([[File]] secrets among them); the log stays for its owner.
            let _ = std::fs::remove_dir_all(launch.dir.join("sandbox"));
            let stopped = launch.stopping.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
            let failure = outcome.err().filter(|_| !stopped);
            match &failure {
                None => append_log(&launch.log, "[wavehub] stopped"),
                Some(reason) => append_log(&launch.log, &format!("[wavehub] failed: {reason}")),
            }
            // Then: `stop` returns once this entry is gone, so the instance has wholly ended,
            // its last log line included.
            launch.live.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
            if let Some(reason) = failure {
                (launch.sink)(StatusReport { instance_id: id, status: InstanceStatus::Failed, reason: Some(reason), step: None }).await;
            }
        });
    }

    fn stop(&self, instance_id: i64) -> BoxFuture<'static, ()> {
        // Marked even when it has no process yet: a launch still preparing sees it and gives up.
        self.stopping.lock().unwrap_or_else(|e| e.into_inner()).insert(instance_id);
        let groups = self.live.lock().unwrap_or_else(|e| e.into_inner()).get(&instance_id).map(|l| l.groups.clone()).unwrap_or_default();
        let live = self.live.clone();
        let log = self.dir(instance_id).join("instance.log");
        Box::pin(async move {
            if groups.is_empty() {
                return;
            }
            append_log(&log, "[wavehub] stopping");
            // The sandboxes end with their bwrap process (--die-with-parent, and the PID
            // namespace goes with its first process), so a plain kill is a clean stop.
            for group in groups {
                signal_group(group, libc::SIGKILL);
            }
            let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
            while live.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&instance_id) && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    }

    fn stop_all(&self) -> BoxFuture<'static, ()> {
        let ids: Vec<i64> = self.live.lock().unwrap_or_else(|e| e.into_inner()).keys().copied().collect();
        let stops: Vec<_> = ids.into_iter().map(|id| self.stop(id)).collect();
        Box::pin(async move {
            futures_util::future::join_all(stops).await;
        })
    }

    fn log_path(&self, instance_id: i64) -> PathBuf {
        self.dir(instance_id).join("instance.log")
    }

    fn upstream(&self, instance_id: i64) -> Option<Upstream> {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).get(&instance_id).and_then(|l| l.upstream)
    }

    fn is_active(&self, instance_id: i64) -> bool {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&instance_id)
    }

    fn active_ids(&self) -> Vec<i64> {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).keys().copied().collect()
    }
}

fn signal_group(group: i32, signal: i32) {
    // SAFETY: kill(2) with a negative pid signals a process group; no memory is touched.
    unsafe {
        libc::kill(-group, signal);
    }
}

fn append_log(log: &Path, line: &str) {
    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(log) {
        let _ = writeln!(file, "{line}");
    }
}

fn log_file(log: &Path) -> Result<std::fs::File, String> {
    std::fs::OpenOptions::new().create(true).append(true).open(log).map_err(|e| format!("cannot open {}: {e}", log.display()))
}

/// Runs a preparation step (venv, pip, unpacking) to its end with its output in the log.
async fn run_logged(command: &mut tokio::process::Command, log: &Path, what: &str) -> Result<std::process::ExitStatus, String> {
    command
        .stdin(std::process::Stdio::null())
        .stdout(log_file(log)?)
        .stderr(log_file(log)?)
        .kill_on_drop(true)
        .status()
        .await
        .map_err(|e| format!("cannot start {what}: {e}"))
}

/// Prepares and starts the instance, reports `running`, and waits for it to end. An error is
/// the reason it failed.
async fn run(launch: &Launch) -> Result<(), String> {
    let plan = &launch.plan;
    let id = plan.instance_id;
    let (dir, log) = (&launch.dir, &launch.log);
    // The sandbox sees `sandbox/` only: the log and anything else of the instance stay outside.
    let sandbox_dir = dir.join("sandbox");
    let app = sandbox_dir.join("app");
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(&app).map_err(|e| format!("cannot create {}: {e}", app.display()))?;
    for folder in ["home", "wave", "wave-data"] {
        std::fs::create_dir_all(sandbox_dir.join(folder)).map_err(|e| e.to_string())?;
    }
    launch.step(LaunchStep::Preparing).await?;
    let (bundle, app_dir) = (plan.bundle.clone(), app.clone());
    let unpacked = tokio::task::spawn_blocking(move || unpack(&bundle, &app_dir)).await.map_err(|e| e.to_string())??;
    append_log(log, &format!("[wavehub] unpacked {unpacked} files"));
    for (path, content) in &plan.files {
        let target = file_target(&sandbox_dir, &app, path)?;
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&target, content).map_err(|e| format!("cannot write [[File]] {path}: {e}"))?;
        append_log(log, &format!("[wavehub] wrote [[File]] {path}"));
    }
    let uid = sandbox::instance_uid(id);
    if launch.settings.sandbox {
        if let Some(folder) = sandbox::unreachable_for_instances(dir) {
            return Err(sandbox::unreachable_reason(&folder));
        }
    }
    sandbox::give_to(&sandbox_dir, uid)?;
    if !launch.settings.sandbox {
        append_log(log, "[wavehub] WARNING: the sandbox is off (--no-sandbox): this app runs with the server's own rights");
    }

    launch.step(LaunchStep::InstallingPackages).await?;
    let environment = packages::environment(&launch.settings, &launch.env_locks, &app, &plan.bundle_sha256, uid, log).await?;
    let cgroup = match plan.memory_limit {
        Some(bytes) => match sandbox::MemoryCgroup::create(id, bytes) {
            Ok(cgroup) => {
                append_log(log, &format!("[wavehub] MemoryLimit: {bytes} bytes, enforced"));
                Some(cgroup)
            }
            Err(why) => {
                append_log(log, &format!("[wavehub] MemoryLimit is not enforced here: {why}"));
                None
            }
        },
        None => None,
    };
    let base = wavehub_core::instances::base_path(id);
    let mut env = vec![
        ("PATH".to_owned(), format!("{}:/usr/local/bin:/usr/bin:/bin", environment.path.join("bin").display())),
        ("HOME".to_owned(), sandbox_dir.join("home").display().to_string()),
        ("LANG".to_owned(), "C.UTF-8".to_owned()),
        ("PYTHONUNBUFFERED".to_owned(), "1".to_owned()),
        ("VIRTUAL_ENV".to_owned(), environment.path.display().to_string()),
    ];
    env.extend(plan.env.iter().cloned());
    let volume = match plan.volume_mount.as_deref().map(volume_target).transpose()? {
        Some(target) => {
            let source = sandbox_dir.join("volume");
            std::fs::create_dir_all(&source).map_err(|e| e.to_string())?;
            sandbox::give_to(&source, uid)?;
            append_log(log, &format!("[wavehub] VolumeMount: a folder of this instance's at {}", target.display()));
            Some((source, target))
        }
        None => None,
    };
    let jail = |cwd: &Path, read_only: Vec<PathBuf>, extra: &[(String, String)]| sandbox::Jail {
        read_only,
        writable: vec![sandbox_dir.clone()],
        mounted: volume.iter().cloned().collect(),
        cwd: cwd.to_path_buf(),
        env: env.iter().chain(extra).cloned().collect(),
        uid,
        cgroup_procs: cgroup.as_ref().map(|c| c.procs()),
    };
    let python = environment.path.join("bin/python");

    let ended = if environment.has_wave {
        launch.step(LaunchStep::StartingWave).await?;
        let waved = match wave::for_client(&environment.path)? {
            wave::ClientNeeds::Current => wave::ensure(&launch.settings, &launch.wave_lock, &environment.path, log).await?,
            wave::ClientNeeds::Own(own) => {
                append_log(log, "[wavehub] an h2o-wave client older than 0.25: using the Wave server of its own wheel");
                own
            }
        };
        let (wave_port, app_port) = (free_port()?, free_port()?);
        let wave_address = format!("http://127.0.0.1:{wave_port}");
        let shared = [
            ("H2O_WAVE_BASE_URL".to_owned(), base.clone()),
            ("H2O_WAVE_ACCESS_KEY_ID".to_owned(), crate::accounts::auth::random_secret()),
            ("H2O_WAVE_ACCESS_KEY_SECRET".to_owned(), crate::accounts::auth::random_secret()),
        ];
        let waved_env: Vec<(String, String)> = shared
            .iter()
            .cloned()
            .chain([
                ("H2O_WAVE_LISTEN".to_owned(), format!("127.0.0.1:{wave_port}")),
                ("H2O_WAVE_WEB_DIR".to_owned(), waved.web_dir.display().to_string()),
                ("H2O_WAVE_DATA_DIR".to_owned(), sandbox_dir.join("wave-data").display().to_string()),
                // Not every page update into the log: visitors' input on a shared instance is not
                // for its owner's log (app_add, connects and errors are still logged).
                ("H2O_WAVE_NO_LOG".to_owned(), "true".to_owned()),
            ])
            .collect();
        let waved_jail = jail(&sandbox_dir.join("wave"), vec![waved.dir.clone()], &waved_env);
        let mut waved_process = sandbox::command(launch.settings.sandbox, &waved_jail, &waved.binary, &[])?
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start the Wave server: {e}"))?;
        launch.with_live(|l| l.groups.extend(waved_process.id().map(|p| p as i32)));
        let registered = follow_waved(&mut waved_process, log);
        wait_for_port(launch, &mut waved_process, wave_port, "the Wave server").await?;

        launch.step(LaunchStep::WaitingForApp).await?;
        let app_env: Vec<(String, String)> = shared
            .iter()
            .cloned()
            .chain([
                ("H2O_WAVE_ADDRESS".to_owned(), wave_address),
                ("H2O_WAVE_APP_ADDRESS".to_owned(), format!("http://127.0.0.1:{app_port}")),
                ("PORT".to_owned(), app_port.to_string()),
            ])
            .collect();
        let app_jail = jail(&app, vec![environment.path.clone()], &app_env);
        let target = format!("{}:main", plan.module);
        let port_arg = app_port.to_string();
        append_log(log, &format!("[wavehub] starting `python -m uvicorn {target}` behind waved at 127.0.0.1:{wave_port}{base}"));
        let mut app_process = sandbox::command(
            launch.settings.sandbox,
            &app_jail,
            &python,
            &["-m", "uvicorn", "--host", "127.0.0.1", "--port", &port_arg, "--no-access-log", &target],
        )?
        .stdout(log_file(log)?)
        .stderr(log_file(log)?)
        .spawn()
        .map_err(|e| format!("cannot start the app: {e}"))?;
        launch.with_live(|l| l.groups.extend(app_process.id().map(|p| p as i32)));
        wait_for_registration(launch, &mut app_process, &mut waved_process, registered).await?;
        launch.with_live(|l| l.upstream = Some(Upstream { address: ([127, 0, 0, 1], wave_port).into(), kind: UpstreamKind::Wave }));
        report_running(launch).await;
        tokio::select! {
            status = app_process.wait() => format!("the app exited on its own ({}); the log shows why", status.map_err(|e| e.to_string())?),
            status = waved_process.wait() => format!("the Wave server exited on its own ({}); the log shows why", status.map_err(|e| e.to_string())?),
        }
    } else {
        launch.step(LaunchStep::WaitingForApp).await?;
        let port = free_port()?;
        append_log(log, &format!("[wavehub] no h2o-wave in its requirements: starting `python -m {}` with PORT={port}", plan.module));
        let app_jail = jail(&app, vec![environment.path.clone()], &[("PORT".to_owned(), port.to_string())]);
        let mut app_process = sandbox::command(launch.settings.sandbox, &app_jail, &python, &["-m", &plan.module])?
            .stdout(log_file(log)?)
            .stderr(log_file(log)?)
            .spawn()
            .map_err(|e| format!("cannot start the app: {e}"))?;
        launch.with_live(|l| l.groups.extend(app_process.id().map(|p| p as i32)));
        wait_for_port(launch, &mut app_process, port, "the app (on its $PORT)").await?;
        launch.with_live(|l| l.upstream = Some(Upstream { address: ([127, 0, 0, 1], port).into(), kind: UpstreamKind::Plain }));
        report_running(launch).await;
        let status = app_process.wait().await.map_err(|e| e.to_string())?;
        format!("the app exited on its own ({status}); the log shows why")
    };
    if cgroup.as_ref().is_some_and(|c| c.oom_killed()) {
        return Err(format!("the app used more memory than its MemoryLimit ({} bytes) and was stopped", plan.memory_limit.unwrap_or(0)));
    }
    // A stop the server asked for reports nothing; the server has marked it terminated already.
    Err(ended)
}

async fn report_running(launch: &Launch) {
    append_log(&launch.log, &format!("[wavehub] running at {}", wavehub_core::instances::base_path(launch.plan.instance_id)));
    (launch.sink)(StatusReport { instance_id: launch.plan.instance_id, status: InstanceStatus::Running, reason: None, step: None }).await;
}

/// Copies waved's output into the log and says (through the receiver) when an app registered.
fn follow_waved(waved: &mut tokio::process::Child, log: &Path) -> tokio::sync::watch::Receiver<bool> {
    let (registered, receiver) = tokio::sync::watch::channel(false);
    let registered = Arc::new(registered);
    let outputs: Vec<Box<dyn tokio::io::AsyncRead + Unpin + Send>> = [
        waved.stdout.take().map(|o| Box::new(o) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        waved.stderr.take().map(|o| Box::new(o) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
    ]
    .into_iter()
    .flatten()
    .collect();
    for output in outputs {
        let (log, registered) = (log.to_path_buf(), registered.clone());
        tokio::spawn(async move {
            let mut lines = tokio::io::BufReader::new(output).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                append_log(&log, &line);
                if line.contains(WAVED_APP_ADDED) {
                    registered.send_replace(true);
                }
            }
        });
    }
    receiver
}

/// Waits until `port` accepts connections; fails when the process exits first, the server asked
/// to stop, or it takes longer than [`START_TIMEOUT`].
async fn wait_for_port(launch: &Launch, process: &mut tokio::process::Child, port: u16, what: &str) -> Result<(), String> {
    let started = tokio::time::Instant::now();
    loop {
        if launch.stop_asked() {
            return Err("stopped while starting".into());
        }
        if let Some(status) = process.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("{what} exited ({status}) before it answered on port {port}; its log shows why"));
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Ok(());
        }
        if started.elapsed() > START_TIMEOUT {
            return Err(format!("{what} did not answer on port {port} within {} s", START_TIMEOUT.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the app has registered with waved (not merely listening: waved answers 200 with no
/// app behind it).
async fn wait_for_registration(
    launch: &Launch,
    app: &mut tokio::process::Child,
    waved: &mut tokio::process::Child,
    mut registered: tokio::sync::watch::Receiver<bool>,
) -> Result<(), String> {
    let started = tokio::time::Instant::now();
    loop {
        if *registered.borrow_and_update() {
            return Ok(());
        }
        if launch.stop_asked() {
            return Err("stopped while starting".into());
        }
        if let Some(status) = app.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("the app exited ({status}) before it registered with Wave; its log shows why"));
        }
        if let Some(status) = waved.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("the Wave server exited ({status}) while the app was starting; the log shows why"));
        }
        if started.elapsed() > START_TIMEOUT {
            return Err(format!(
                "the app did not register with Wave within {} s: does module `{}` define a handler with `@app('/')`?",
                START_TIMEOUT.as_secs(),
                launch.plan.module
            ));
        }
        let _ = tokio::time::timeout(Duration::from_millis(100), registered.changed()).await;
    }
}

/// Where a `VolumeMount` may go: an absolute plain path, not over the system folders the sandbox
/// mounts itself.
fn volume_target(mount: &str) -> Result<PathBuf, String> {
    let relative = mount.trim_matches('/');
    let plain = mount.starts_with('/') && !relative.is_empty() && !relative.split('/').any(|p| p.is_empty() || p == "." || p == "..");
    let top = relative.split('/').next().unwrap_or("");
    if !plain || ["usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "proc", "dev", "tmp"].contains(&top) {
        return Err(format!("VolumeMount `{mount}` cannot be mounted here: use a folder of its own, e.g. /data"));
    }
    Ok(PathBuf::from(mount))
}

/// Where a `[[File]]` goes: a relative path inside the app folder; an absolute one re-rooted under
/// the sandbox's `root/` (the local runner cannot write outside its folder; a container runner
/// mounts it at the real path).
fn file_target(sandbox_dir: &Path, app: &Path, path: &str) -> Result<PathBuf, String> {
    let relative = path.trim_start_matches('/');
    if relative.split('/').any(|part| part == ".." || part.is_empty()) {
        return Err(format!("[[File]] path `{path}` is not a plain path"));
    }
    Ok(if path.starts_with('/') { sandbox_dir.join("root").join(relative) } else { app.join(relative) })
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// Unpacks a checked bundle (it passed the import's checks; names are checked again here).
fn unpack(bundle: &Path, to: &Path) -> Result<usize, String> {
    let bytes = std::fs::read(bundle).map_err(|e| format!("cannot read the bundle: {e}"))?;
    let directory = wavehub_core::archive::check_archive(&bytes, &wavehub_core::archive::Limits::default())
        .map_err(|findings| format!("the bundle cannot be read: {}", findings.first().map_or("", |f| f.message.as_str())))?;
    let mut written = 0;
    let mut total = 0u64;
    for entry in directory.entries_in_file_order() {
        if entry.name.split('/').any(|part| part == "..") || entry.name.starts_with('/') {
            return Err(format!("the bundle entry `{}` escapes the app folder", entry.name));
        }
        let target = to.join(&entry.name);
        if entry.is_dir {
            std::fs::create_dir_all(&target).map_err(|e| e.to_string())?;
            continue;
        }
        total += entry.uncompressed_size;
        if total > MAX_UNPACKED {
            return Err("the bundle unpacks to more than 4 GiB".into());
        }
        let (start, end) = entry.byte_range();
        let range = usize::try_from(start).ok().zip(usize::try_from(end).ok()).and_then(|(s, e)| bytes.get(s..e)).unwrap_or(&[]);
        let content = wavehub_core::archive::extract_entry(entry, range, MAX_UNPACKED).map_err(|f| f.message)?;
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&target, content).map_err(|e| format!("cannot write {}: {e}", target.display()))?;
        written += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_go_to_folders_of_their_own() {
        assert_eq!(volume_target("/data").unwrap(), Path::new("/data"));
        assert_eq!(volume_target("/mnt/models/").unwrap(), Path::new("/mnt/models/"));
        for bad in ["data", "/", "/usr/share", "/etc", "/tmp/x", "/a/../b", "/proc"] {
            assert!(volume_target(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn files_stay_inside_the_instance() {
        let (dir, app) = (Path::new("/i"), Path::new("/i/app"));
        assert_eq!(file_target(dir, app, "conf/a.json").unwrap(), Path::new("/i/app/conf/a.json"));
        assert_eq!(file_target(dir, app, "/etc/conf/b").unwrap(), Path::new("/i/root/etc/conf/b"));
        assert!(file_target(dir, app, "../x").is_err());
        assert!(file_target(dir, app, "/a//b").is_err());
    }
}
