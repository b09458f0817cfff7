//! `cargo xtask`: Wavehub's one-command jobs. Each installs the tools it needs when they are
//! missing (a fresh machine has only Rust, Node and the project), so the same command works on a
//! laptop, a new machine and CI.
//!
//! - `cargo xtask serve [--demo] [-- ARGS]`: build the web app and run `wavehub serve`.
//! - `cargo xtask test`: every test: Rust (native), the web app in headless Chromium, the API
//!   against its OpenAPI document (schemathesis, see `schemathesis.rs`), and e2e.
//! - `cargo xtask test --postgres [-- TEST-ARGS]`: only the server's API tests, on a throwaway
//!   PostgreSQL cluster (see `postgres_tests.rs`); `test` runs them too, after the native tests.
//! - `cargo xtask build`: install tools and build the web app into `dist/`.
//! - `cargo xtask tools`: only install the tools.
//! - `cargo xtask services`: start the services the tests use (a throwaway PostgreSQL cluster and
//!   a one-node Garage S3 store, wavehub-testkit), print how to reach them, stop them on Enter.
//! - `cargo xtask bench bundle`: the bundle engine's benchmark (see `bench.rs`); not part of `test`.
//! - `cargo xtask bench catalog`: the catalog API and page with 100,000 apps, and `cargo xtask bench
//!   runtime-images`: the runtime images list API and page with 10,000 images × 20 versions (see
//!   `bench_http.rs`; their scenarios are the bench crate's `wavehub_bench::http`).
//! - `cargo xtask bench launch`: Launch → first render of a real Wave app, cold and warm, beside
//!   `wave run` by hand (see `bench_launch.rs`).

mod bench;
mod bench_http;
mod bench_launch;
mod postgres_tests;
mod precompress;
mod process;
mod schemathesis;
mod tools;

use process::Step;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: cargo xtask <serve [--demo] [-- SERVER-ARGS...] | test [--postgres [-- TEST-ARGS...]] | schemathesis | build | tools | services | bench <bundle | catalog [--api-only] | runtime-images [--api-only] | launch>>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = repo_root();
    let outcome = match args.first().map(String::as_str) {
        Some("serve") => serve(&root, &args[1..]),
        Some("test") => match args.get(1).map(String::as_str) {
            None => return test(&root),
            Some("--postgres") => return postgres_tests::run(&root, &args[2..]),
            Some(other) => Err(format!("unknown option `{other}` for test\n{USAGE}")),
        },
        // Only the API step of `test`, against the server `cargo build -p wavehub-server` built.
        Some("schemathesis") => schemathesis::run_step(&root).1,
        Some("build") => tools::ensure_build_tools(&root).and_then(|()| build_web(&root)),
        Some("tools") => tools::ensure_build_tools(&root).and_then(|()| tools::ensure_test_tools(&root)),
        Some("bench") => bench::bench(&root, &args[1..]),
        Some("services") => tools::ensure_services(&root).and_then(|()| services()),
        _ => Err(USAGE.to_owned()),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask services`: the tests' services, running until Enter.
fn services() -> Result<(), String> {
    let postgres = wavehub_testkit::Postgres::start()?;
    let garage = wavehub_testkit::Garage::start()?;
    println!("PostgreSQL: {}", postgres.url());
    println!("  API tests on it: WAVEHUB_TEST_DATABASE_URL={} cargo test -p wavehub-server --test api_apps", postgres.url());
    println!("S3 (Garage): endpoint {}, region {}, bucket {}", garage.endpoint, wavehub_testkit::garage::REGION, wavehub_testkit::garage::BUCKET);
    println!("  AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={}", garage.access_key_id, garage.secret_access_key);
    println!("Press Enter to stop them (their data goes with them).");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| e.to_string())?;
    Ok(())
}

/// The repository root (the parent of this crate's folder).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives one folder below the root").to_path_buf()
}

/// `cargo xtask serve`: tools, web app, server (release), then run it in the foreground.
fn serve(root: &Path, args: &[String]) -> Result<(), String> {
    let (ours, passthrough) = match args.iter().position(|a| a == "--") {
        Some(split) => (&args[..split], &args[split + 1..]),
        None => (args, &[][..]),
    };
    let mut server_args = vec!["serve".to_owned()];
    // Defaults only for what the caller did not pass through (clap refuses a flag given twice).
    for (flag, default) in [("--data-dir", "wavehub-data"), ("--static-dir", "dist")] {
        let given = passthrough.iter().any(|a| a == flag || a.starts_with(&format!("{flag}=")));
        if !given {
            server_args.extend([flag.to_owned(), default.to_owned()]);
        }
    }
    for arg in ours {
        match arg.as_str() {
            "--demo" => server_args.push("--demo".into()),
            other => return Err(format!("unknown option `{other}` for serve\n{USAGE}")),
        }
    }
    server_args.extend(passthrough.iter().cloned());

    tools::ensure_build_tools(root)?;
    // Instances run in bubblewrap's sandbox; without it every launch would fail.
    tools::ensure_instance_tools(root)?;
    build_web(root)?;
    println!("xtask: building the server (release)");
    process::run(process::command(root, "cargo").args(["build", "--release", "--package", "wavehub-server"]), "cargo build")?;
    println!("xtask: starting the server; stop it with Ctrl-C");
    let status = process::command(root, process::target_dir(root).join("release/wavehub"))
        .args(&server_args)
        .status()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the server stopped with {status}"))
    }
}

/// Builds the web app's two pages into `dist/` with trunk, unless `dist/` is newer than every
/// input, and precompresses what changed. trunk builds one page per run and empties its output
/// folder first, so the console page is built into its own folder and copied in beside the catalog's.
fn build_web(root: &Path) -> Result<(), String> {
    let inputs = ["src", "style", "public", "index.html", "console.html", "Trunk.toml", "Cargo.toml", "Cargo.lock", "crates/core", "crates/engine"];
    let newest_input = inputs.iter().filter_map(|p| process::newest_mtime(&root.join(p))).max();
    let built = ["dist/index.html", "dist/console.html"]
        .iter()
        .map(|page| std::fs::metadata(root.join(page)).and_then(|m| m.modified()).ok())
        .collect::<Option<Vec<_>>>()
        .and_then(|times| times.into_iter().min());
    if let (Some(built), Some(newest)) = (built, newest_input) {
        if built > newest {
            println!("xtask: the web app in dist/ is up to date");
            return precompress::precompress(&root.join("dist"));
        }
    }
    let console_dist = root.join("target/web-console");
    std::fs::create_dir_all(&console_dist).map_err(|e| format!("cannot create {}: {e}", console_dist.display()))?;
    println!("xtask: building the web app's console page (trunk build console.html)");
    process::run(
        process::command(root, "trunk")
            .args(["build", "console.html", "--html-output", "console.html", "--release", "--offline", "--dist"])
            .arg(&console_dist),
        "trunk build console.html",
    )?;
    println!("xtask: building the web app's catalog page (trunk build --release --offline)");
    process::run(process::command(root, "trunk").args(["build", "--release", "--offline"]), "trunk build")?;
    // A file both pages use (a stylesheet) has one content-hashed name and the same bytes.
    for entry in std::fs::read_dir(&console_dist).map_err(|e| format!("cannot read {}: {e}", console_dist.display()))? {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", console_dist.display()))?;
        let target = root.join("dist").join(entry.file_name());
        if entry.file_type().map(|t| t.is_file()).unwrap_or(false) {
            std::fs::copy(entry.path(), &target).map_err(|e| format!("cannot copy {} into dist/: {e}", entry.path().display()))?;
        }
    }
    precompress::precompress(&root.join("dist"))
}

/// `cargo xtask test`: every suite, each timed and counted, then one summary line.
fn test(root: &Path) -> ExitCode {
    let started = Instant::now();
    let mut steps: Vec<Step> = Vec::new();

    let setup = Instant::now();
    let tools = tools::ensure_build_tools(root).and_then(|()| tools::ensure_test_tools(root));
    steps.push(Step::work("install tools", setup, tools));

    if steps[0].ok() {
        let t = Instant::now();
        let native = process::run_counting(process::command(root, "cargo").args(["test", "--workspace"]), "cargo test --workspace");
        steps.push(Step::tests("Rust tests (native)", t, native));

        // The server's API tests again, on PostgreSQL.
        steps.extend(postgres_tests::steps(root, &[]));

        let t = Instant::now();
        let browser = process::run_counting(
            process::command(root, "cargo")
                .args(["test", "--target", "wasm32-unknown-unknown", "--package", "wavehub-web", "--test", "web"])
                .env("CHROMEDRIVER", tools::chromedriver_path())
                .env("WASM_BINDGEN_TEST_TIMEOUT", "120"),
            "web app tests in headless Chromium",
        );
        steps.push(Step::tests("web app tests (wasm, Chromium)", t, browser));

        let t = Instant::now();
        let built = build_web(root).and_then(|()| {
            process::run(process::command(root, "cargo").args(["build", "--package", "wavehub-server"]), "cargo build")
        });
        let build_ok = built.is_ok();
        steps.push(Step::work("build web app and server", t, built));

        if build_ok {
            let t = Instant::now();
            steps.push(Step::tests("API vs its OpenAPI (schemathesis)", t, schemathesis::run_step(root)));

            let t = Instant::now();
            let e2e = process::run_counting(
                process::command(root.join("e2e"), "node")
                    .args(["--test", "--test-concurrency=1", "--test-reporter=tap", "tests/"])
                    .env("WAVEHUB_BIN", process::target_dir(root).join("debug/wavehub"))
                    .env("WAVEHUB_STATIC_DIR", root.join("dist"))
                    .env("CHROMIUM_PATH", tools::chromium_path()),
                "e2e tests",
            );
            steps.push(Step::tests("e2e tests (Chromium, real server)", t, e2e));
        }
    }

    process::print_summary(&steps, started.elapsed());
    if steps.iter().all(Step::ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
