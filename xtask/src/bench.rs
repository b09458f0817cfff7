//! `cargo xtask bench bundle`: the bundle engine's benchmark, natively and in headless Chromium.
//!
//! 1. tools: the wasm target, wasm-bindgen-cli (Cargo.lock's version), wasm-opt, Chromium, `zip` and
//!    `unzip`, and `npm ci` in `bench/web/` (fflate, JSZip, playwright-core);
//! 2. builds `wavehub-bench` natively (release) and for wasm32 twice: `release` (the one compared with
//!    the peers) and `web-release` + `wasm-opt -Oz` (how the web app ships), each through
//!    `wasm-bindgen --target web` into `target/bench-wasm/`;
//!    It also builds the engine worker (`wavehub-engine`) the way `console.html` has trunk build it
//!    (profile `web-release`, `wasm-bindgen --target no-modules`, `wasm-opt -Oz`, trunk's loader
//!    shim) into `target/bench-wasm/engine/`, and the `wavehub` CLI, whose `wavehub bundle` the
//!    workers' bundle must equal;
//! 3. `wavehub-bench native`: generates the data into `target/bench-data/` (reused when present) and
//!    times ours beside `zip -6` and `unzip -t`;
//! 4. `bench/web/run.mjs`: the same in Chromium beside fflate and JSZip;
//! 5. `wavehub-bench report`: prints the table and writes `docs/bench-bundle.md`.

use crate::process::target_dir;
use crate::process::{command, run};
use crate::tools;
use std::path::Path;
use std::time::Instant;

pub const USAGE: &str = "bench <bundle | catalog [--api-only] | runtime-images [--api-only] | launch>";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const COMMAND: &str = "cargo xtask bench bundle";

pub fn bench(root: &Path, args: &[String]) -> Result<(), String> {
    match args {
        [what] if what == "bundle" => bundle(root),
        [what, rest @ ..] if what == "catalog" => crate::bench_http::http(root, wavehub_bench::http::catalog::scenario(), rest),
        [what, rest @ ..] if what == "runtime-images" => {
            crate::bench_http::http(root, wavehub_bench::http::runtime_images::scenario(), rest)
        }
        [what, rest @ ..] if what == "launch" => crate::bench_launch::launch(root, rest),
        _ => Err(format!("usage: cargo xtask {USAGE}")),
    }
}

/// A wasm build of the bench crate: cargo profile, folder name under `target/bench-wasm/`, the
/// wasm-opt level (none for `release`: -O3 gained nothing measurable there), and what it is
/// ("short name: details"; the table's rows show the short name, its notes the details).
struct WasmBuild {
    profile: &'static str,
    name: &'static str,
    wasm_opt: Option<&'static str>,
    label: &'static str,
}

const WASM_BUILDS: &[WasmBuild] = &[
    WasmBuild {
        profile: "release",
        name: "release",
        wasm_opt: None,
        label: "release build: cargo build --release (opt-level 3), no wasm-opt; the build compared with the peers",
    },
    WasmBuild {
        profile: "web-release",
        name: "web-release",
        wasm_opt: Some("-Oz"),
        label: "web-release build: the web app's profile (opt-level z, LTO, one codegen unit, panic=abort) \
                then wasm-opt -Oz, as the web app ships",
    },
];

/// The engine worker as `console.html` builds it: `data-cargo-profile-release` and `data-wasm-opt`
/// of its `<link data-type="worker">`.
const ENGINE_PROFILE: &str = "web-release";
const ENGINE_WASM_OPT: &str = "-Oz";
/// What trunk 0.21 writes for `data-loader-shim` with `--target no-modules`: the worker's script.
const ENGINE_LOADER: &str = r#"importScripts("./wavehub-engine.js");wasm_bindgen("./wavehub-engine_bg.wasm");"#;

/// What rustc's wasm32 target emits by default, for wasm-opt.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

fn bundle(root: &Path) -> Result<(), String> {
    let started = Instant::now();
    let step = |what: &str| println!("xtask: {what} ({:.0} s)", started.elapsed().as_secs_f64());

    step("checking the tools");
    tools::ensure_wasm_target(root)?;
    let wasm_bindgen = tools::wasm_bindgen_version(root)?;
    tools::ensure_cargo_tool(root, "wasm-bindgen", "wasm-bindgen-cli", &wasm_bindgen, false)?;
    tools::ensure_wasm_opt(root)?;
    tools::ensure_chromium(root)?;
    tools::ensure_zip(root)?;
    tools::ensure_npm_packages(&root.join("bench/web"), "bench/web")?;

    step("building wavehub-bench (native, release)");
    run(
        command(root, "cargo").args(["build", "--release", "--package", "wavehub-bench", "--bin", "wavehub-bench"]),
        "cargo build",
    )?;
    let target = target_dir(root);
    let wasm_out = root.join("target/bench-wasm");
    for build in WASM_BUILDS {
        step(&format!("building wavehub-bench for the browser ({})", build.profile));
        run(
            command(root, "cargo").args([
                "build",
                "--profile",
                build.profile,
                "--package",
                "wavehub-bench",
                "--lib",
                "--target",
                WASM_TARGET,
            ]),
            "cargo build (wasm32)",
        )?;
        let out = wasm_out.join(build.name);
        let _ = std::fs::remove_dir_all(&out);
        let wasm = target.join(WASM_TARGET).join(build.profile).join("wavehub_bench.wasm");
        run(command(root, "wasm-bindgen").args(["--target", "web", "--out-dir"]).arg(&out).arg(&wasm), "wasm-bindgen")?;
        if let Some(level) = build.wasm_opt {
            let file = out.join("wavehub_bench_bg.wasm");
            run(command(root, "wasm-opt").arg(level).args(WASM_FEATURES).arg(&file).arg("-o").arg(&file), "wasm-opt")?;
        }
    }
    step("building the engine worker (as console.html has trunk build it)");
    let engine_dir = wasm_out.join("engine");
    build_engine_worker(root, &target, &engine_dir)?;
    step("building the wavehub CLI (its `wavehub bundle` is the reference)");
    run(command(root, "cargo").args(["build", "--package", "wavehub-server", "--bin", "wavehub"]), "cargo build")?;

    let bench_bin = target.join("release/wavehub-bench");
    let data = root.join("target/bench-data");
    let native_json = data.join("native.json");
    let browser_json = data.join("browser.json");
    step("generating the data (first run only) and measuring natively");
    run(command(root, &bench_bin).arg("native").arg(&data).arg(&native_json), "wavehub-bench native")?;

    step("measuring in headless Chromium");
    let mut node = command(root.join("bench/web"), "node");
    node.arg("run.mjs").arg("--data").arg(&data);
    for build in WASM_BUILDS {
        let mut spec = std::ffi::OsString::from(format!("{}=", build.name));
        spec.push(wasm_out.join(build.name));
        spec.push(format!("={}", build.label));
        node.arg("--wasm").arg(spec);
    }
    node.arg("--engine").arg(&engine_dir).arg("--cli").arg(target.join("debug/wavehub"));
    node.arg("--native").arg(&native_json).arg("--out").arg(&browser_json).env("CHROMIUM_PATH", tools::chromium_path());
    // A failed browser run still leaves the native table; the command then fails at the end.
    let browser = run(&mut node, "the browser benchmark (bench/web/run.mjs)");
    if let Err(message) = &browser {
        println!("xtask: {message}; reporting the native numbers only");
    }

    step("report");
    println!();
    run(
        command(root, &bench_bin)
            .env("WAVEHUB_BENCH_ELAPSED_SECS", format!("{:.0}", started.elapsed().as_secs_f64()))
            .arg("report")
            .arg(&data)
            .arg(&native_json)
            .arg(if browser.is_ok() { browser_json.as_os_str() } else { "-".as_ref() })
            .arg(root.join("docs/bench-bundle.md"))
            .arg(COMMAND),
        "wavehub-bench report",
    )?;
    println!();
    println!("xtask: wrote docs/bench-bundle.md; the benchmark took {:.0} s", started.elapsed().as_secs_f64());
    browser
}

/// The engine worker into `out`: the files trunk puts in `dist/` for it.
fn build_engine_worker(root: &Path, target: &Path, out: &Path) -> Result<(), String> {
    run(
        command(root, "cargo").args([
            "build",
            "--profile",
            ENGINE_PROFILE,
            "--package",
            "wavehub-engine",
            "--bin",
            "wavehub-engine",
            "--target",
            WASM_TARGET,
        ]),
        "cargo build (engine worker)",
    )?;
    let _ = std::fs::remove_dir_all(out);
    let wasm = target.join(WASM_TARGET).join(ENGINE_PROFILE).join("wavehub-engine.wasm");
    run(
        command(root, "wasm-bindgen")
            .args(["--target", "no-modules", "--no-typescript", "--out-name", "wavehub-engine", "--out-dir"])
            .arg(out)
            .arg(&wasm),
        "wasm-bindgen (engine worker)",
    )?;
    let file = out.join("wavehub-engine_bg.wasm");
    run(command(root, "wasm-opt").arg(ENGINE_WASM_OPT).args(WASM_FEATURES).arg(&file).arg("-o").arg(&file), "wasm-opt")?;
    std::fs::write(out.join("wavehub-engine_loader.js"), ENGINE_LOADER)
        .map_err(|e| format!("cannot write the engine loader: {e}"))
}
