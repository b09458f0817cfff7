//! The Wave server (`waved`) every Wave app instance runs behind. Wavehub provides it, one release
//! for all instances (`--wave-version`, default [`super::DEFAULT_WAVE_VERSION`]), the way the
//! platform's runtime image does: apps pin whatever h2o-wave client they were built with (the
//! platform-neutral wheel has no waved at all), and apps built on old releases (0.22, 0.26)
//! register fine with today's waved.
//!
//! It comes from the Linux h2o-wave wheel, kept in `DATA_DIR/cache/wave/<version>/` (`waved` and
//! its web files, `www/`): copied from an app's environment when that installed the same release
//! (most do: the first launch then downloads nothing twice), else fetched once with
//! `pip download` under the same package settings as requirements (index, or the offline
//! wheelhouse) and unpacked.

use super::{append_log, packages, run_logged, LaunchSettings};
use std::path::{Path, PathBuf};

/// An unpacked waved release.
pub struct WaveServer {
    /// The `waved` binary.
    pub binary: PathBuf,
    /// Its web files (`H2O_WAVE_WEB_DIR`).
    pub web_dir: PathBuf,
    /// The folder holding both (mounted read-only into the sandbox).
    pub dir: PathBuf,
}

/// The unpacked waved of the configured release, taken from `environment` or fetched on first use.
pub async fn ensure(settings: &LaunchSettings, lock: &tokio::sync::Mutex<()>, environment: &Path, log: &Path) -> Result<WaveServer, String> {
    let version = &settings.wave_version;
    let dir = settings.cache_dir.join("wave").join(version);
    let server = WaveServer { binary: dir.join("waved"), web_dir: dir.join("www"), dir: dir.clone() };
    let _fetching = lock.lock().await;
    if server.binary.is_file() && server.web_dir.join("index.html").is_file() {
        return Ok(server);
    }
    if installed_release(environment).as_deref() == Some(version.as_str()) && environment.join("waved").is_file() {
        let (from, to, partial) = (environment.to_path_buf(), dir.clone(), dir.with_extension("partial"));
        let copied = tokio::task::spawn_blocking(move || {
            let _ = std::fs::remove_dir_all(&partial);
            std::fs::create_dir_all(&partial)?;
            std::fs::copy(from.join("waved"), partial.join("waved"))?;
            copy_tree(&from.join("www"), &partial.join("www"))?;
            let _ = std::fs::remove_dir_all(&to);
            std::fs::rename(&partial, &to)
        })
        .await
        .map_err(|e| e.to_string())?;
        if copied.is_ok() && server.web_dir.join("index.html").is_file() {
            append_log(log, &format!("[wavehub] the Wave server {version} is ready, taken from the app's environment"));
            return Ok(server);
        }
    }
    append_log(log, &format!("[wavehub] fetching the Wave server (h2o-wave {version}) once for all instances"));
    let download = settings.cache_dir.join("wave").join(format!("{version}.download"));
    let _ = std::fs::remove_dir_all(&download);
    std::fs::create_dir_all(&download).map_err(|e| format!("cannot create {}: {e}", download.display()))?;
    let python = packages::python()?;
    let mut command = tokio::process::Command::new(&python);
    command
        .args(["-m", "pip", "download", "--disable-pip-version-check", "--no-input", "--no-deps", "--only-binary=:all:"])
        .arg("--dest")
        .arg(&download)
        .arg(format!("h2o-wave=={version}"));
    match (&settings.wheelhouse, &settings.pip_index_url) {
        (Some(wheelhouse), _) => {
            command.arg("--no-index").arg("--find-links").arg(wheelhouse);
        }
        (None, Some(index)) => {
            command.arg("--index-url").arg(index);
        }
        (None, None) => {}
    }
    command.args(&settings.pip_args);
    let status = run_logged(&mut command, log, "pip").await?;
    if !status.success() {
        return Err(format!(
            "cannot fetch the Wave server (h2o-wave {version}, pip {status}); with --wheelhouse, put its Linux wheel there"
        ));
    }
    let wheel = std::fs::read_dir(&download)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .ok_or("pip downloaded no h2o-wave wheel")?;
    let unpacked = download.join("unpacked");
    // The wheel is a zip; Python's zipfile is on every machine that runs instances.
    let status = run_logged(tokio::process::Command::new(&python).args(["-m", "zipfile", "-e"]).arg(&wheel).arg(&unpacked), log, "unzip").await?;
    if !status.success() {
        return Err(format!("cannot unpack {} ({status})", wheel.display()));
    }
    let data = std::fs::read_dir(&unpacked)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path().join("data"))
        .find(|p| p.join("waved").is_file())
        .ok_or_else(|| format!("{} has no waved: is it the Linux wheel (not the platform-neutral one)?", wheel.display()))?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(data.join("waved"), std::fs::Permissions::from_mode(0o755)).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::rename(&data, &dir).map_err(|e| format!("cannot move waved into {}: {e}", dir.display()))?;
    let _ = std::fs::remove_dir_all(&download);
    append_log(log, &format!("[wavehub] the Wave server {version} is ready in {}", dir.display()));
    Ok(server)
}

/// The h2o-wave release installed in a Python environment, from its `.dist-info` folder.
fn installed_release(environment: &Path) -> Option<String> {
    std::fs::read_dir(environment.join("lib")).ok()?.flatten().find_map(|python| {
        std::fs::read_dir(python.path().join("site-packages")).ok()?.flatten().find_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            name.strip_prefix("h2o_wave-")?.strip_suffix(".dist-info").map(str::to_owned)
        })
    })
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}
