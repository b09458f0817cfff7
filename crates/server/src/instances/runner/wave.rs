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
#[derive(Debug)]
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

/// Which waved an app's h2o-wave client needs.
#[derive(Debug)]
pub enum ClientNeeds {
    /// The server's (today's) waved.
    Current,
    /// The waved its own wheel installed into the environment (an old client).
    Own(WaveServer),
}

/// The first client release that reads today's waved events (`{"data": …}`).
const CURRENT_EVENTS_FROM: (u32, u32) = (0, 25);
/// The first client release that knows `H2O_WAVE_BASE_URL`.
const BASE_URL_FROM: (u32, u32) = (0, 20);

/// What the client in `environment` needs, or why it cannot run here.
pub fn for_client(environment: &Path) -> Result<ClientNeeds, String> {
    let Some(release) = installed_release(environment) else { return Ok(ClientNeeds::Current) };
    let mut parts = release.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let major_minor = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if major_minor < BASE_URL_FROM {
        return Err(format!(
            "the app uses h2o-wave {release}, which predates base URLs (0.20) and cannot be served behind Wavehub's proxy; \
             pin h2o-wave>=0.25 in requirements.txt"
        ));
    }
    if major_minor >= CURRENT_EVENTS_FROM {
        return Ok(ClientNeeds::Current);
    }
    let own = WaveServer { binary: environment.join("waved"), web_dir: environment.join("www"), dir: environment.to_path_buf() };
    if own.binary.is_file() && own.web_dir.join("index.html").is_file() {
        Ok(ClientNeeds::Own(own))
    } else {
        Err(format!(
            "the app uses h2o-wave {release}, whose events today's Wave server sends in a newer shape, and its environment has no \
             waved of its own (a platform-neutral wheel); pin h2o-wave>=0.25 in requirements.txt"
        ))
    }
}

/// The h2o-wave release installed in a Python environment, from its `.dist-info` folder.
pub fn installed_release(environment: &Path) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn environment_with(release: &str, with_waved: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(format!("lib/python3.11/site-packages/h2o_wave-{release}.dist-info"))).unwrap();
        if with_waved {
            std::fs::write(dir.path().join("waved"), "").unwrap();
            std::fs::create_dir_all(dir.path().join("www")).unwrap();
            std::fs::write(dir.path().join("www/index.html"), "").unwrap();
        }
        dir
    }

    #[test]
    fn old_clients_get_their_own_waved_and_very_old_ones_a_reason() {
        let today = environment_with("1.8.16", true);
        assert!(matches!(for_client(today.path()), Ok(ClientNeeds::Current)));
        assert!(matches!(for_client(environment_with("0.25.2", false).path()), Ok(ClientNeeds::Current)));
        let old = environment_with("0.24.2", true);
        assert!(matches!(for_client(old.path()), Ok(ClientNeeds::Own(server)) if server.binary == old.path().join("waved")));
        assert!(for_client(environment_with("0.22.0", false).path()).unwrap_err().contains("h2o-wave>=0.25"));
        assert!(for_client(environment_with("0.12.1", true).path()).unwrap_err().contains("predates base URLs"));
        assert_eq!(installed_release(today.path()).as_deref(), Some("1.8.16"));
    }
}
