//! `cargo xtask bench catalog [--api-only]` and `cargo xtask bench runtime-images [--api-only]`: the
//! HTTP benchmarks. The scenarios (what to seed, which URLs, the page, the report's words) and the
//! load runs, page timing and report are the bench crate's (`wavehub_bench::http`); here:
//!
//! 1. tools: `wrk` (Debian's package), and unless `--api-only` the web app's build tools, Chromium
//!    and `npm ci` in the page script's folder (`bench/catalog/`, `bench/runtime-images/`);
//! 2. builds the web app into `dist/` (unless `--api-only`), and the server and the seeder
//!    `wavehub-seed` (release), copied into `target/bench-data/`;
//! 3. hands over to [`wavehub_bench::http::scenario::run`]: seeds `target/bench-data/<data>/` when
//!    its marker does not match, runs each URL on a fresh `wavehub serve` (one request, then wrk),
//!    times the page in headless Chromium, prints the report and writes it to `docs/bench-<name>.md`.

use crate::process::target_dir;
use crate::process::{command, run};
use crate::tools;
use std::path::{Path, PathBuf};
use std::time::Instant;
use wavehub_bench::http::{scenario, Env, Scenario, Tools};

/// `bench catalog` or `bench runtime-images`, with its arguments.
pub fn http(root: &Path, scenario: Scenario, args: &[String]) -> Result<(), String> {
    let api_only = match args {
        [] => false,
        [flag] if flag == "--api-only" => true,
        _ => return Err(format!("usage: cargo xtask bench {} [--api-only]", scenario.name)),
    };
    let started = Instant::now();
    let step = |what: &str| println!("xtask: {what} ({:.0} s)", started.elapsed().as_secs_f64());

    step("checking the tools");
    tools::ensure_wrk(root)?;
    // The page half needs the web app, Chromium and playwright-core; without them the API half
    // still runs and the command fails at the end.
    let page_ready = if api_only {
        Err("skipped (--api-only)".to_owned())
    } else {
        step("building the web app (for the page timing)");
        tools::ensure_build_tools(root)
            .and_then(|()| crate::build_web(root))
            .and_then(|()| tools::ensure_chromium(root))
            .and_then(|()| tools::ensure_npm_packages(&root.join(scenario.page_folder), scenario.page_folder))
    };
    if let Err(message) = &page_ready {
        println!("xtask: the page timing will not run: {message}");
    }

    let code = code_version(root);
    step("building the server and the seeder (release)");
    let bench_data = build_release(
        root,
        &["wavehub-server", "wavehub-seed"],
        &[("wavehub", &format!("{}-wavehub", scenario.name)), ("wavehub-seed", &format!("{}-wavehub-seed", scenario.name))],
    )?;
    let env = Env {
        root: root.to_path_buf(),
        tools: Tools { path: crate::process::tool_path(), chromium: tools::chromium_path() },
        server_bin: bench_data.join(format!("{}-wavehub", scenario.name)),
        seeder_bin: bench_data.join(format!("{}-wavehub-seed", scenario.name)),
        bench_data,
        code,
        page_ready,
        started,
    };
    scenario::run(&scenario, &env)
}

/// Builds `packages` (release) and copies the binaries `(name, copy)` into `target/bench-data/`,
/// whose path it returns: another build on the machine may relink `target/release/` during the runs.
pub fn build_release(root: &Path, packages: &[&str], binaries: &[(&str, &str)]) -> Result<PathBuf, String> {
    let mut build = command(root, "cargo");
    build.args(["build", "--release"]);
    for package in packages {
        build.args(["--package", package]);
    }
    run(&mut build, "cargo build")?;
    let bench_data = root.join("target/bench-data");
    std::fs::create_dir_all(&bench_data).map_err(|e| format!("cannot create {}: {e}", bench_data.display()))?;
    for (name, copy) in binaries {
        let to = bench_data.join(copy);
        std::fs::copy(target_dir(root).join("release").join(name), &to)
            .map_err(|e| format!("cannot copy {name} to {}: {e}", to.display()))?;
    }
    Ok(bench_data)
}

/// [`build_release`] of the server alone: `target/bench-data/` and the copy of `wavehub` there.
pub fn build_server(root: &Path, copy_name: &str) -> Result<(PathBuf, PathBuf), String> {
    let bench_data = build_release(root, &["wavehub-server"], &[("wavehub", copy_name)])?;
    let server_bin = bench_data.join(copy_name);
    Ok((bench_data, server_bin))
}

/// The commit being measured (`git rev-parse --short HEAD`), noting uncommitted changes to what is
/// measured: the server, the rules crate and the web app.
pub fn code_version(root: &Path) -> String {
    let Some(commit) = crate::process::output_line(command(root, "git").args(["rev-parse", "--short", "HEAD"])) else {
        return "unknown (not a git checkout)".into();
    };
    let measured = ["crates/server", "crates/core", "src", "style", "index.html"];
    let status = command(root, "git").args(["status", "--porcelain", "--"]).args(measured).output();
    match status {
        Ok(out) if out.status.success() && out.stdout.is_empty() => format!("commit {commit}"),
        Ok(out) if out.status.success() => format!("commit {commit} with uncommitted changes to the server or web app"),
        _ => format!("commit {commit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_line_names_a_commit() {
        let line = code_version(&crate::repo_root());
        assert!(line.starts_with("commit ") || line.starts_with("unknown"), "{line}");
    }
}
