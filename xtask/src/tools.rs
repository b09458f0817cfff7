//! Installing what the build and the tests need, each only when missing or of the wrong version.
//! Versions are pinned here (trunk, binaryen) or read from Cargo.lock (wasm-bindgen), so every
//! machine builds with the same tools.

use crate::process::{command, output_line, run, succeeds};
use std::path::{Path, PathBuf};

/// trunk 0.22 needs a newer rustc than this machine kind has; 0.21.14 must be built `--locked`.
const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The S3-compatible store the tests run against (wavehub-testkit's `Garage`).
const GARAGE_VERSION: &str = "2.5.0";

/// Where `cargo install` puts binaries.
pub fn cargo_bin_dir() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home).join("bin"),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo/bin"),
    }
}

pub fn chromium_path() -> PathBuf {
    std::env::var_os("CHROMIUM_PATH").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
}

pub fn chromedriver_path() -> PathBuf {
    std::env::var_os("CHROMEDRIVER").map_or_else(|| PathBuf::from("/usr/bin/chromedriver"), PathBuf::from)
}

/// What building the web app needs: the wasm target, trunk, wasm-bindgen-cli, wasm-opt.
pub fn ensure_build_tools(root: &Path) -> Result<(), String> {
    ensure_wasm_target(root)?;
    ensure_cargo_tool(root, "trunk", "trunk", TRUNK_VERSION, true)?;
    // wasm-bindgen-cli must be exactly the version of the `wasm-bindgen` crate the app links;
    // `--locked` is left out because the registry mirror can lag behind its lockfile.
    let wasm_bindgen = wasm_bindgen_version(root)?;
    ensure_cargo_tool(root, "wasm-bindgen", "wasm-bindgen-cli", &wasm_bindgen, false)?;
    ensure_wasm_opt(root)
}

/// What the tests need beyond the build: Chromium with chromedriver, the e2e npm packages, and
/// what running app instances needs.
pub fn ensure_test_tools(root: &Path) -> Result<(), String> {
    ensure_chromium(root)?;
    ensure_services(root)?;
    ensure_instance_tools(root)?;
    ensure_e2e_packages(root)
}

/// What the local runner needs to run app instances: bubblewrap (the sandbox) and Python's venv
/// module (Debian splits it into python3-venv).
pub fn ensure_instance_tools(root: &Path) -> Result<(), String> {
    let has_venv = succeeds(command(root, "/usr/bin/python3").args(["-c", "import ensurepip, venv"]));
    let bwrap = ["/usr/bin/bwrap", "/usr/local/bin/bwrap"].iter().any(|p| Path::new(p).is_file());
    match (bwrap, has_venv) {
        (true, true) => Ok(()),
        (false, true) => apt_install(root, &["bubblewrap"]),
        (true, false) => apt_install(root, &["python3-venv"]),
        (false, false) => apt_install(root, &["bubblewrap", "python3-venv"]),
    }
}

/// What wavehub-testkit starts for the tests: PostgreSQL (Debian's package) and Garage (built by
/// cargo, about 8 minutes once).
pub fn ensure_services(root: &Path) -> Result<(), String> {
    ensure_postgres(root)?;
    ensure_cargo_tool(root, "garage", "garage", GARAGE_VERSION, true)
}

/// Debian's PostgreSQL (its contrib modules, unaccent and pg_trgm, come with it): the server's
/// schema tests run on it in the default suite, `test --postgres` runs the API tests on it.
pub fn ensure_postgres(root: &Path) -> Result<(), String> {
    let installed = || {
        let versions = std::fs::read_dir("/usr/lib/postgresql");
        versions.is_ok_and(|versions| versions.flatten().any(|version| version.path().join("bin/initdb").is_file()))
    };
    if installed() {
        return Ok(());
    }
    println!("xtask: installing PostgreSQL from Debian's packages");
    apt_install(root, &["postgresql"])?;
    if !installed() {
        return Err("no /usr/lib/postgresql/*/bin/initdb after installing Debian's postgresql".into());
    }
    Ok(())
}

pub fn ensure_wasm_target(root: &Path) -> Result<(), String> {
    let installed = command(root, "rustup").args(["target", "list", "--installed"]).output();
    if installed.is_ok_and(|out| String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == WASM_TARGET)) {
        return Ok(());
    }
    println!("xtask: adding the Rust target {WASM_TARGET}");
    run(command(root, "rustup").args(["target", "add", WASM_TARGET]), "rustup target add")
}

/// Whether a `--version` line names `version`: `trunk 0.21.14`, `garage cargo:2.5.0 [...]`, `v1.2.3`.
fn says_version(line: &str, version: &str) -> bool {
    line.split_whitespace().any(|word| word.rsplit(':').next().unwrap_or(word).trim_start_matches('v') == version)
}

/// Installs `krate` at `version` with cargo unless `binary --version` already says that version.
pub fn ensure_cargo_tool(root: &Path, binary: &str, krate: &str, version: &str, locked: bool) -> Result<(), String> {
    let current = output_line(command(root, binary).arg("--version"));
    if current.as_deref().is_some_and(|line| says_version(line, version)) {
        return Ok(());
    }
    println!(
        "xtask: installing {krate} {version} (found: {}); this takes a few minutes once",
        current.as_deref().unwrap_or("none")
    );
    let mut install = command(root, "cargo");
    install.args(["install", krate, "--version", version, "--force"]);
    if locked {
        install.arg("--locked");
    }
    run(&mut install, &format!("cargo install {krate}"))
}

/// The `wasm-bindgen` version in Cargo.lock (pinned with `=` in Cargo.toml).
pub fn wasm_bindgen_version(root: &Path) -> Result<String, String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            if let Some(version) = lines.next().and_then(|l| l.trim().strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_owned());
            }
        }
    }
    Err("Cargo.lock has no wasm-bindgen package".into())
}

/// The binaryen release Trunk.toml asks for (`wasm_opt = "version_132"` → 132).
fn binaryen_release(root: &Path) -> Result<String, String> {
    let trunk = std::fs::read_to_string(root.join("Trunk.toml")).map_err(|e| format!("cannot read Trunk.toml: {e}"))?;
    trunk
        .lines()
        .find_map(|line| line.trim().strip_prefix("wasm_opt = \"version_"))
        .map(|rest| rest.trim_end_matches('"').to_owned())
        .ok_or_else(|| "Trunk.toml must pin wasm-opt: [tools] wasm_opt = \"version_N\"".into())
}

/// wasm-opt from the npm package `binaryen` (Debian's binaryen is too old for current Rust output).
pub fn ensure_wasm_opt(root: &Path) -> Result<(), String> {
    let tools = root.join(".tools");
    let release = binaryen_release(root)?;
    let current = output_line(command(root, tools.join("node_modules/.bin/wasm-opt")).arg("--version"));
    if current.as_deref().is_some_and(|line| line.contains(&format!("(version_{release})"))) {
        return Ok(());
    }
    let package = format!("binaryen@{release}.0.0");
    println!("xtask: installing wasm-opt (npm package {package}) into .tools/");
    std::fs::create_dir_all(&tools).map_err(|e| format!("cannot create {}: {e}", tools.display()))?;
    run(
        command(&tools, "npm").args(["install", "--no-audit", "--no-fund", "--no-save", "--prefix", "."]).arg(&package),
        "npm install binaryen",
    )
}

pub fn ensure_chromium(root: &Path) -> Result<(), String> {
    if chromium_path().is_file() && chromedriver_path().is_file() {
        return Ok(());
    }
    println!("xtask: installing Chromium and chromedriver from Debian's packages");
    apt_install(root, &["chromium", "chromium-driver"])?;
    if !succeeds(command(root, chromium_path()).arg("--version")) {
        return Err(format!("{} does not run after installing it", chromium_path().display()));
    }
    Ok(())
}

/// Installs Debian packages with apt-get (as root, or through password-less sudo).
pub fn apt_install(root: &Path, packages: &[&str]) -> Result<(), String> {
    // apt needs root; as another user, try sudo without a password prompt.
    let as_root = output_line(command(root, "id").arg("-u")).is_some_and(|uid| uid.trim() == "0");
    let apt = |args: &[&str]| {
        let mut apt = if as_root { command(root, "apt-get") } else { command(root, "sudo") };
        if !as_root {
            apt.args(["-n", "apt-get"]);
        }
        apt.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        apt
    };
    run(&mut apt(&["update"]), "apt-get update")?;
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend_from_slice(packages);
    run(&mut apt(&install), &format!("apt-get install {}", packages.join(" ")))
}

/// Info-ZIP's `zip` and `unzip`, the benchmark's native peers.
pub fn ensure_zip(root: &Path) -> Result<(), String> {
    if succeeds(command(root, "zip").arg("-v")) && succeeds(command(root, "unzip").arg("-v")) {
        return Ok(());
    }
    println!("xtask: installing zip and unzip from Debian's packages");
    apt_install(root, &["zip", "unzip"])?;
    if !succeeds(command(root, "zip").arg("-v")) || !succeeds(command(root, "unzip").arg("-v")) {
        return Err("zip or unzip does not run after installing them".into());
    }
    Ok(())
}

/// `wrk`, the HTTP load tool of `cargo xtask bench catalog`, from Debian's package.
pub fn ensure_wrk(root: &Path) -> Result<(), String> {
    // `wrk -v` prints its version and exits 1, so ask the shell whether it is on PATH.
    let found = |root: &Path| succeeds(command(root, "sh").args(["-c", "command -v wrk"]));
    if found(root) {
        return Ok(());
    }
    println!("xtask: installing wrk from Debian's packages");
    apt_install(root, &["wrk"])?;
    if !found(root) {
        return Err("wrk is not on PATH after installing it".into());
    }
    Ok(())
}

fn ensure_e2e_packages(root: &Path) -> Result<(), String> {
    ensure_npm_packages(&root.join("e2e"), "e2e")
}

/// `npm ci` in `folder` unless its node_modules is newer than its package-lock.json.
pub fn ensure_npm_packages(folder: &Path, what: &str) -> Result<(), String> {
    let installed = std::fs::metadata(folder.join("node_modules/.package-lock.json")).and_then(|m| m.modified()).ok();
    let wanted = std::fs::metadata(folder.join("package-lock.json")).and_then(|m| m.modified()).ok();
    if matches!((installed, wanted), (Some(installed), Some(wanted)) if installed >= wanted) {
        return Ok(());
    }
    println!("xtask: installing the {what} packages (npm ci)");
    run(command(folder, "npm").args(["ci", "--no-audit", "--no-fund"]), &format!("npm ci in {what}"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tools_version_line_is_read_as_its_authors_write_it() {
        assert!(super::says_version("trunk 0.21.14", "0.21.14"));
        assert!(super::says_version("garage cargo:2.5.0 [features: bundled-libs, lmdb, sqlite]", "2.5.0"));
        assert!(super::says_version("tool v1.2.3", "1.2.3"));
        assert!(!super::says_version("garage cargo:2.4.0 [features: sqlite]", "2.5.0"));
        assert!(!super::says_version("trunk 0.21.140", "0.21.14"));
    }

    #[test]
    fn reads_the_pinned_wasm_bindgen_version_from_the_lockfile() {
        let root = crate::repo_root();
        let version = super::wasm_bindgen_version(&root).unwrap();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(manifest.contains(&format!("wasm-bindgen = \"={version}\"")), "Cargo.toml pins wasm-bindgen to {version}");
    }

    #[test]
    fn reads_the_wasm_opt_release_from_trunk_toml() {
        let release = super::binaryen_release(&crate::repo_root()).unwrap();
        assert!(release.parse::<u32>().is_ok_and(|n| n >= 117), "{release}: older wasm-opt breaks current Rust output");
    }
}
