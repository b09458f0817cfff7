//! Python environments for instances: `requirements.txt` installed with pip into a virtual
//! environment, kept in `DATA_DIR/cache/envs/<key>/` and shared read-only by every instance whose
//! requirements are the same (the key: the requirements, the constraints, the index settings and
//! the Python; plus the bundle itself when requirements name files inside it). The second launch
//! of the same requirements therefore installs nothing.
//!
//! pip runs in the sandbox too (a package's build step is app code), with only the environment
//! writable, the app folder read-only and the network shared. Where packages come from:
//! pip's own configuration (its `PIP_*` variables and config files) by default; `--pip-index-url`,
//! `--pip-arg`; or offline from `--wheelhouse DIR` (`--no-index --find-links DIR`). Wheels the
//! bundle carries (`./wheels/x.whl` lines, or beside requirements.txt) always work: pip runs in
//! the bundle root with `--find-links .`.

use super::sandbox::{self, Jail};
use super::{append_log, run_logged, LaunchSettings, DEFAULT_CONSTRAINTS};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A ready environment.
pub struct Environment {
    /// The venv's folder (mount it read-only at the same path).
    pub path: PathBuf,
    /// Whether h2o-wave is installed in it: a Wave app (started with `h2o_wave run`, behind waved).
    pub has_wave: bool,
    /// Whether it came from the cache.
    pub reused: bool,
}

/// Written last into a finished environment: a folder without it is a build that was cut short.
const READY_MARKER: &str = ".wavehub-ready";

/// One lock per environment key: two launches of the same requirements build it once.
#[derive(Default)]
pub struct EnvLocks(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl EnvLocks {
    fn get(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).entry(key.to_owned()).or_default().clone()
    }
}

/// The Python instances run on: Debian's (under `/usr`, which the sandbox mounts).
pub fn python() -> Result<PathBuf, String> {
    ["/usr/bin/python3", "/usr/local/bin/python3"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| "python3 is not installed on the server (looked in /usr/bin and /usr/local/bin)".to_owned())
}

/// The requirement lines of requirements.txt (comments, blanks and pip options left out).
pub fn requirements_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| wavehub_core::bundle::requirements::strip_comment(line).trim().to_owned())
        .filter(|line| !line.is_empty() && !line.starts_with('-'))
        .collect()
}

/// Whether a requirements file reads files of the bundle (a wheel by path, `-r other.txt`,
/// `-e .`): then the environment is the bundle's own, not shared with other bundles.
fn names_bundle_files(text: &str) -> bool {
    text.lines().map(str::trim).any(|line| {
        line.starts_with('.')
            || line.starts_with('/')
            || line.starts_with("-r")
            || line.starts_with("-c")
            || line.starts_with("-e")
            || line.starts_with("--requirement")
            || line.starts_with("--constraint")
            || line.starts_with("--editable")
            || line.starts_with("file:")
            || line.contains(".whl")
            || line.contains(".tar.gz")
            || line.contains(".zip")
    })
}

/// The constraints file every install uses: the admin's, or the built-in default written once
/// into the cache.
pub fn constraints_file(settings: &LaunchSettings) -> Result<PathBuf, String> {
    if let Some(path) = &settings.constraints {
        return Ok(path.clone());
    }
    let path = settings.cache_dir.join("constraints.txt");
    if std::fs::read_to_string(&path).ok().as_deref() != Some(DEFAULT_CONSTRAINTS) {
        std::fs::create_dir_all(&settings.cache_dir).map_err(|e| format!("cannot create {}: {e}", settings.cache_dir.display()))?;
        std::fs::write(&path, DEFAULT_CONSTRAINTS).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(path)
}

/// The cache key of an environment.
pub fn env_key(settings: &LaunchSettings, python: &Path, requirements: &str, constraints: &str, bundle_sha256: &str) -> String {
    let mut hash = Sha256::new();
    for part in [
        "wavehub-env-1",
        &python.display().to_string(),
        requirements,
        constraints,
        settings.pip_index_url.as_deref().unwrap_or(""),
        &settings.pip_args.join("\u{1f}"),
        &settings.wheelhouse.as_ref().map(|p| p.display().to_string()).unwrap_or_default(),
        if names_bundle_files(requirements) { bundle_sha256 } else { "" },
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(&hash.finalize()[..16])
}

/// The environment for the app in `app_dir` (its requirements.txt), built when missing.
pub async fn environment(
    settings: &LaunchSettings,
    locks: &EnvLocks,
    app_dir: &Path,
    bundle_sha256: &str,
    uid: Option<u32>,
    log: &Path,
) -> Result<Environment, String> {
    let requirements = std::fs::read_to_string(app_dir.join("requirements.txt")).unwrap_or_default();
    let python = python()?;
    let constraints_path = constraints_file(settings)?;
    let constraints = std::fs::read_to_string(&constraints_path).map_err(|e| format!("cannot read the constraints file {}: {e}", constraints_path.display()))?;
    let key = env_key(settings, &python, &requirements, &constraints, bundle_sha256);
    let path = settings.cache_dir.join("envs").join(&key);
    let lock = locks.get(&key);
    let _building = lock.lock().await;
    if path.join(READY_MARKER).is_file() {
        append_log(log, &format!("[wavehub] reusing the Python environment {key} (same requirements as an earlier launch)"));
        return Ok(Environment { has_wave: has_wave(&path), path, reused: true });
    }
    let _ = std::fs::remove_dir_all(&path);
    std::fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let packages = requirements_lines(&requirements);
    append_log(log, &format!("[wavehub] creating the Python environment {key}"));
    let venv_args: &[&str] = if packages.is_empty() { &["-m", "venv", "--without-pip"] } else { &["-m", "venv"] };
    let status = run_logged(tokio::process::Command::new(&python).args(venv_args).arg(&path), log, &python.display().to_string()).await?;
    if !status.success() {
        return Err(format!("creating the Python environment failed ({status}); is Python's venv module installed (Debian: python3-venv)?"));
    }
    if !packages.is_empty() {
        append_log(log, &format!("[wavehub] installing {} requirement(s) with pip{}", packages.len(), source_words(settings)));
        sandbox::give_to(&path, uid)?;
        let mut args: Vec<String> = ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--no-cache-dir"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(["--find-links".into(), ".".into(), "-r".into(), "requirements.txt".into()]);
        args.extend(["-c".into(), constraints_path.display().to_string()]);
        let mut read_only = vec![app_dir.to_path_buf(), constraints_path.clone()];
        match &settings.wheelhouse {
            Some(wheelhouse) => {
                args.extend(["--no-index".into(), "--find-links".into(), wheelhouse.display().to_string()]);
                read_only.push(wheelhouse.clone());
            }
            None => {
                if let Some(index) = &settings.pip_index_url {
                    args.extend(["--index-url".into(), index.clone()]);
                }
            }
        }
        args.extend(settings.pip_args.iter().cloned());
        let mut env = vec![
            ("PATH".to_owned(), format!("{}:/usr/local/bin:/usr/bin:/bin", path.join("bin").display())),
            ("HOME".to_owned(), "/tmp".to_owned()),
            ("LANG".to_owned(), "C.UTF-8".to_owned()),
            ("PIP_NO_INPUT".to_owned(), "1".to_owned()),
        ];
        // pip's own configuration from the server's environment (index, certificates, proxies,
        // find-links), and the folders it names.
        for (name, value) in std::env::vars() {
            let upper = name.to_ascii_uppercase();
            if name.starts_with("PIP_") || matches!(upper.as_str(), "HTTP_PROXY" | "HTTPS_PROXY" | "NO_PROXY") {
                if name == "PIP_FIND_LINKS" || name == "PIP_CERT" || name == "PIP_CONFIG_FILE" {
                    read_only.extend(value.split_whitespace().map(PathBuf::from).filter(|p| p.exists()));
                }
                env.push((name, value));
            }
        }
        for user_config in user_pip_configs() {
            read_only.push(user_config.clone());
            env.push(("PIP_CONFIG_FILE".into(), user_config.display().to_string()));
        }
        let jail = Jail { read_only, writable: vec![path.clone()], cwd: app_dir.to_path_buf(), env, uid, ..Jail::default() };
        let python_in_env = path.join("bin/python");
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let status = run_logged(&mut sandbox::command(settings.sandbox, &jail, &python_in_env, &arg_refs)?, log, "pip").await?;
        if !status.success() {
            let _ = std::fs::remove_dir_all(&path);
            return Err(format!(
                "installing requirements.txt failed (pip {status}); the log above shows which requirement{}",
                if settings.wheelhouse.is_some() { " is missing from the wheelhouse or the bundle" } else { " pip could not install" }
            ));
        }
    }
    std::fs::write(path.join(READY_MARKER), &requirements).map_err(|e| format!("cannot finish {}: {e}", path.display()))?;
    Ok(Environment { has_wave: has_wave(&path), path, reused: false })
}

fn source_words(settings: &LaunchSettings) -> String {
    match (&settings.wheelhouse, &settings.pip_index_url) {
        (Some(wheelhouse), _) => format!(" offline, from {} and the bundle", wheelhouse.display()),
        (None, Some(index)) => format!(" from {index}"),
        (None, None) => String::new(),
    }
}

/// The server user's own pip configuration files, when there are any.
fn user_pip_configs() -> Vec<PathBuf> {
    let Some(home) = std::env::var_os("HOME").map(PathBuf::from) else { return Vec::new() };
    [home.join(".config/pip/pip.conf"), home.join(".pip/pip.conf")].into_iter().filter(|p| p.is_file()).take(1).collect()
}

/// Whether the environment has the h2o_wave package.
fn has_wave(env: &Path) -> bool {
    std::fs::read_dir(env.join("lib"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|python| python.path().join("site-packages/h2o_wave/__init__.py").is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_requirement_lines_need_pip() {
        assert!(requirements_lines("# stdlib only\n\n--no-index\n").is_empty());
        assert_eq!(
            requirements_lines("h2o-wave==1.0  # the UI\n./wheels/pkg-1.0-py3-none-any.whl\n"),
            ["h2o-wave==1.0", "./wheels/pkg-1.0-py3-none-any.whl"]
        );
        // A URL fragment is not a comment.
        assert_eq!(requirements_lines("pkg @ https://example.invalid/p.whl#sha256=00\n"), ["pkg @ https://example.invalid/p.whl#sha256=00"]);
    }

    #[test]
    fn environments_are_shared_unless_they_read_the_bundle() {
        let settings = LaunchSettings::new(Path::new("/data"));
        let python = Path::new("/usr/bin/python3");
        let shared = |bundle| env_key(&settings, python, "h2o-wave>=1,<2\n", "starlette<1\n", bundle);
        assert_eq!(shared("aaa"), shared("bbb"));
        let own = |bundle| env_key(&settings, python, "./wheels/x-1.0-py3-none-any.whl\n", "starlette<1\n", bundle);
        assert_ne!(own("aaa"), own("bbb"));
        // Other constraints or another index give another environment.
        assert_ne!(shared("aaa"), env_key(&settings, python, "h2o-wave>=1,<2\n", "", "aaa"));
        let offline = LaunchSettings { wheelhouse: Some("/wheels".into()), ..settings.clone() };
        assert_ne!(shared("aaa"), env_key(&offline, python, "h2o-wave>=1,<2\n", "starlette<1\n", "aaa"));
    }
}
