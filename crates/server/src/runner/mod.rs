//! Runs app instances. [`Runner`] is what the rest of the server sees; [`LocalRunner`] runs each
//! instance as a process on this machine (docs/instances.md describes how a Kubernetes runner would
//! map the same plan onto pods).
//!
//! The local runner, per instance, in `DATA_DIR/instances/<id>/`: unpacks the bundle into `app/`,
//! creates a Python virtual environment in `venv/` (with pip only when `requirements.txt` names
//! packages, which are installed from the bundle's own files, never downloaded), writes the
//! `[[File]]` entries, and starts `venv/bin/python -m <Module>` in `app/` with the instance's
//! environment and a free port in `$PORT`. Everything it prints goes to `instance.log`, after the
//! runner's own `[wavehub]` lines. The instance is running once its port accepts connections; it
//! failed when it exits first, does not answer within a minute, or exits later on its own.

use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wavehub_core::instances::InstanceStatus;

/// What an instance needs to run, decided by the server (the manifest, secrets, standard variables).
pub struct LaunchPlan {
    pub instance_id: i64,
    /// The `.wave` file.
    pub bundle: PathBuf,
    /// `python -m` this.
    pub module: String,
    /// `[[Env]]` values and secrets, and the standard `H2O_CLOUD_*` variables; the runner adds `PORT`.
    pub env: Vec<(String, String)>,
    /// `[[File]]` entries: path as written in app.toml, and content.
    pub files: Vec<(String, Vec<u8>)>,
}

/// A change of an instance's status, reported by the runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub instance_id: i64,
    pub status: InstanceStatus,
    pub reason: Option<String>,
    pub url: Option<String>,
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

    /// Makes the cache folder absolute under the (resolved) data dir.
    pub fn resolve(&mut self, data_dir: &Path) {
        self.cache_dir = data_dir.join("cache");
    }
}

/// How long an instance may take from start to answering on its port.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a stopping instance gets between SIGTERM and SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// The largest unpacked bundle and `[[File]]` the runner writes (the upload limit bounds bundles already).
const MAX_UNPACKED: u64 = 4 << 30;

pub struct LocalRunner {
    root: PathBuf,
    /// Process group ids of running instances (each instance leads its own group).
    running: Arc<Mutex<HashMap<i64, i32>>>,
    /// Instances the server asked to stop: their exit is the expected end, not a failure.
    stopping: Arc<Mutex<std::collections::HashSet<i64>>>,
}

impl LocalRunner {
    pub fn new(data_dir: &Path, _settings: LaunchSettings) -> Self {
        LocalRunner { root: data_dir.join("instances"), running: Arc::default(), stopping: Arc::default() }
    }

    fn dir(&self, instance_id: i64) -> PathBuf {
        self.root.join(instance_id.to_string())
    }
}

impl Runner for LocalRunner {
    fn launch(&self, plan: LaunchPlan, sink: StatusSink) {
        let dir = self.dir(plan.instance_id);
        let running = self.running.clone();
        let stopping = self.stopping.clone();
        tokio::spawn(async move {
            let id = plan.instance_id;
            let log = dir.join("instance.log");
            let outcome = run(plan, &dir, &running, &stopping, &sink).await;
            running.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
            if stopping.lock().unwrap_or_else(|e| e.into_inner()).remove(&id) {
                append_log(&log, "[wavehub] stopped");
            } else if let Err(reason) = outcome {
                append_log(&log, &format!("[wavehub] failed: {reason}"));
                sink(StatusReport { instance_id: id, status: InstanceStatus::Failed, reason: Some(reason), url: None }).await;
            }
        });
    }

    fn stop(&self, instance_id: i64) -> BoxFuture<'static, ()> {
        let group = self.running.lock().unwrap_or_else(|e| e.into_inner()).get(&instance_id).copied();
        let running = self.running.clone();
        let log = self.dir(instance_id).join("instance.log");
        // Marked even when it has no process yet: a launch still preparing sees it and gives up.
        self.stopping.lock().unwrap_or_else(|e| e.into_inner()).insert(instance_id);
        Box::pin(async move {
            let Some(group) = group else { return };
            append_log(&log, "[wavehub] stopping: SIGTERM");
            signal_group(group, libc::SIGTERM);
            let deadline = tokio::time::Instant::now() + STOP_GRACE;
            while running.lock().unwrap_or_else(|e| e.into_inner()).contains_key(&instance_id) {
                if tokio::time::Instant::now() > deadline {
                    append_log(&log, "[wavehub] still running after 5 s: SIGKILL");
                    signal_group(group, libc::SIGKILL);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    }

    fn log_path(&self, instance_id: i64) -> PathBuf {
        self.dir(instance_id).join("instance.log")
    }

    fn stop_all(&self) -> BoxFuture<'static, ()> {
        Box::pin(async {})
    }

    fn upstream(&self, _instance_id: i64) -> Option<Upstream> {
        None
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

/// Prepares and starts the instance, reports `running`, and waits for the process to end. An
/// error is the reason it failed.
async fn run(
    plan: LaunchPlan,
    dir: &Path,
    running: &Mutex<HashMap<i64, i32>>,
    stopping: &Mutex<std::collections::HashSet<i64>>,
    sink: &StatusSink,
) -> Result<(), String> {
    let stop_asked = || stopping.lock().unwrap_or_else(|e| e.into_inner()).contains(&plan.instance_id);
    let log = dir.join("instance.log");
    let app = dir.join("app");
    let venv = dir.join("venv");
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(&app).map_err(|e| format!("cannot create {}: {e}", app.display()))?;
    append_log(&log, &format!("[wavehub] instance {}: unpacking the bundle", plan.instance_id));
    let (bundle, app_dir) = (plan.bundle.clone(), app.clone());
    let unpacked = tokio::task::spawn_blocking(move || unpack(&bundle, &app_dir)).await.map_err(|e| e.to_string())??;
    append_log(&log, &format!("[wavehub] unpacked {unpacked} files"));

    let packages = requirements_lines(&app.join("requirements.txt"));
    let python = which_python()?;
    if packages.is_empty() {
        append_log(&log, "[wavehub] creating the virtual environment (no requirements to install)");
        logged(&log, tokio::process::Command::new(&python).args(["-m", "venv", "--without-pip"]).arg(&venv), "creating the virtual environment").await?;
    } else {
        append_log(&log, &format!("[wavehub] creating the virtual environment and installing {} requirement(s) from the bundle", packages.len()));
        logged(&log, tokio::process::Command::new(&python).args(["-m", "venv"]).arg(&venv), "creating the virtual environment").await?;
        // --no-index: only what the bundle carries (wheels named by path in requirements.txt, or
        // found beside it); nothing is downloaded.
        let pip = tokio::process::Command::new(venv.join("bin/python"))
            .args(["-m", "pip", "install", "--no-index", "--disable-pip-version-check", "--find-links", "."])
            .args(["-r", "requirements.txt"])
            .current_dir(&app)
            .env("PIP_NO_INPUT", "1")
            .kill_on_drop(true)
            .stdin(std::process::Stdio::null())
            .stdout(log_file(&log)?)
            .stderr(log_file(&log)?)
            .status()
            .await
            .map_err(|e| format!("cannot start pip: {e}"))?;
        if !pip.success() {
            return Err(format!("installing requirements.txt failed (pip {pip}); the log shows which package is missing from the bundle"));
        }
    }
    for (path, content) in &plan.files {
        let target = file_target(dir, &app, path)?;
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&target, content).map_err(|e| format!("cannot write [[File]] {path}: {e}"))?;
        append_log(&log, &format!("[wavehub] wrote [[File]] {path}"));
    }

    if stop_asked() {
        return Err("stopped before it started".into());
    }
    let port = free_port()?;
    append_log(&log, &format!("[wavehub] starting `python -m {}` on port {port}", plan.module));
    let mut command = tokio::process::Command::new(venv.join("bin/python"));
    command
        .args(["-m", &plan.module])
        .current_dir(&app)
        .env_clear()
        .env("PATH", format!("{}:/usr/local/bin:/usr/bin:/bin", venv.join("bin").display()))
        .env("HOME", dir)
        .env("LANG", "C.UTF-8")
        .env("PYTHONUNBUFFERED", "1")
        .env("VIRTUAL_ENV", &venv)
        .envs(plan.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("PORT", port.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(log_file(&log)?)
        .stderr(log_file(&log)?)
        .process_group(0);
    // SAFETY: prctl only sets a flag of the child process, between fork and exec.
    unsafe {
        command.pre_exec(|| {
            // The instance ends with the server: no orphans left listening on ports.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(|e| format!("cannot start python: {e}"))?;
    let group = child.id().map(|pid| pid as i32).ok_or("the process ended at once")?;
    running.lock().unwrap_or_else(|e| e.into_inner()).insert(plan.instance_id, group);

    let started = tokio::time::Instant::now();
    loop {
        if stop_asked() {
            signal_group(group, libc::SIGKILL);
            return Err("stopped while starting".into());
        }
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("the app exited ({status}) before it answered on port {port}; the log shows why"));
        }
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            break;
        }
        if started.elapsed() > START_TIMEOUT {
            signal_group(group, libc::SIGKILL);
            return Err(format!("the app did not answer on port {port} (its $PORT) within {} s", START_TIMEOUT.as_secs()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = format!("http://127.0.0.1:{port}/");
    append_log(&log, &format!("[wavehub] running: answering at {url}"));
    sink(StatusReport { instance_id: plan.instance_id, status: InstanceStatus::Running, reason: None, url: Some(url) }).await;
    let status = child.wait().await.map_err(|e| e.to_string())?;
    append_log(&log, &format!("[wavehub] the app exited ({status})"));
    // A stop the server asked for reports nothing; the server has marked it terminated already.
    Err(format!("the app exited on its own ({status}); the log shows why"))
}

async fn logged(log: &Path, command: &mut tokio::process::Command, what: &str) -> Result<(), String> {
    let status = command
        .stdin(std::process::Stdio::null())
        .stdout(log_file(log)?)
        .stderr(log_file(log)?)
        .kill_on_drop(true)
        .status()
        .await
        .map_err(|e| format!("{what}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

fn log_file(log: &Path) -> Result<std::fs::File, String> {
    std::fs::OpenOptions::new().create(true).append(true).open(log).map_err(|e| format!("cannot open {}: {e}", log.display()))
}

fn which_python() -> Result<PathBuf, String> {
    ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| "python3 is not installed on the server (looked in /usr/bin and /usr/local/bin)".to_owned())
}

/// The requirement lines of requirements.txt (comments, blanks and pip options left out).
fn requirements_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|line| !line.is_empty() && !line.starts_with('-'))
        .collect()
}

/// Where a `[[File]]` goes: a relative path inside the app folder; an absolute one re-rooted under
/// the instance's `root/` (the local runner cannot write outside its folder; a container runner
/// mounts it at the real path).
fn file_target(dir: &Path, app: &Path, path: &str) -> Result<PathBuf, String> {
    let relative = path.trim_start_matches('/');
    if relative.split('/').any(|part| part == ".." || part.is_empty()) {
        return Err(format!("[[File]] path `{path}` is not a plain path"));
    }
    Ok(if path.starts_with('/') { dir.join("root").join(relative) } else { app.join(relative) })
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
    fn only_real_requirement_lines_need_pip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("requirements.txt");
        std::fs::write(&path, "# stdlib only\n\n--no-index\n").unwrap();
        assert!(requirements_lines(&path).is_empty());
        std::fs::write(&path, "h2o-wave==1.0  # the UI\n./wheels/pkg-1.0-py3-none-any.whl\n").unwrap();
        assert_eq!(requirements_lines(&path), ["h2o-wave==1.0", "./wheels/pkg-1.0-py3-none-any.whl"]);
        assert!(requirements_lines(&dir.path().join("missing.txt")).is_empty());
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
