//! The API step of `cargo xtask test`: the OpenAPI document a real server publishes
//! (`GET /api/v1/openapi.json`) is checked by `openapi-spec-validator`, then schemathesis sends
//! every operation in it generated requests (valid and invalid) and checks the answers against it:
//! no 5xx, only documented statuses, content types, headers and bodies, 401 without credentials.
//!
//! Both tools come from the package index into a virtual environment under `target/`, named after
//! their pinned versions (made once, reused). The server is the debug `wavehub` the step before
//! built, started with `--demo` in a temporary folder with its default relative data dir; its first
//! admin signs in and makes an API token, as a person would (README: "Run it"), and schemathesis
//! uses that token.

use wavehub_bench::http::client::Api;
use wavehub_bench::http::server::Server;
use crate::process::{command, run, Counts};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// Pinned, so every run tests with the same rules; the venv's name follows them.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";
const VALIDATOR: &str = "openapi-spec-validator==0.9.0";
/// Test cases per operation and phase: one to two minutes on two cores for the ~70 operations.
const MAX_EXAMPLES: &str = "60";
/// A fixed seed keeps the gate reproducible; run schemathesis by hand with other seeds to explore.
const SEED: &str = "20261204";
const ADMIN_PASSWORD: &str = "schemathesis-admin";

/// Operations schemathesis must not call, and why: each would take away the credential the whole
/// run uses, and every later request would be a 401.
const EXCLUDED_OPERATIONS: &[(&str, &str)] = &[
    // Generated ids are small numbers, and the run's own token has id 1.
    ("delete_token", "revokes the run's own API token"),
];

/// Checks left out, and why.
const EXCLUDED_CHECKS: &[(&str, &str)] = &[
    // "Schema-valid request rejected": the schemas give the shapes (types, enums, required fields,
    // paging bounds), not every rule behind a 422: a name's syntax, a password's length, a
    // semver tag in a docker reference, a body that is a real zip archive. Those rules live in
    // wavehub-core and answer 422 with findings, which the other checks do hold to the schema.
    ("positive_data_acceptance", "422s for rules JSON Schema does not carry (names, passwords, zip archives)"),
];

/// Runs the step: venv, server, token, validator, schemathesis. The counts are the operations
/// schemathesis tested (passed when the run passed) and the document's validation.
pub fn run_step(root: &Path) -> (Counts, Result<(), String>) {
    let mut counts = Counts::default();
    let outcome = (|| {
        let venv = ensure_venv(root)?;
        let work = std::env::temp_dir().join(format!("wavehub-schemathesis-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
        let result = against_server(root, &venv, &work, &mut counts);
        let _ = std::fs::remove_dir_all(&work);
        result
    })();
    (counts, outcome)
}

/// A venv with both tools under `target/`, made when missing.
fn ensure_venv(root: &Path) -> Result<PathBuf, String> {
    let name = format!("schemathesis-venv-{}-{}", SCHEMATHESIS.replace("==", "-"), VALIDATOR.replace("==", "-"));
    let venv = root.join("target").join(name);
    let ready = venv.join(".installed");
    if ready.exists() {
        return Ok(venv);
    }
    println!("xtask: installing {SCHEMATHESIS} and {VALIDATOR} into {}", venv.display());
    let _ = std::fs::remove_dir_all(&venv);
    run(command(root, "/usr/bin/python3").args(["-m", "venv"]).arg(&venv), "python3 -m venv")?;
    run(
        command(root, venv.join("bin/pip")).args(["install", "--quiet", "--disable-pip-version-check", SCHEMATHESIS, VALIDATOR]),
        "pip install schemathesis",
    )?;
    std::fs::write(&ready, "").map_err(|e| format!("cannot write {}: {e}", ready.display()))?;
    Ok(venv)
}

fn against_server(root: &Path, venv: &Path, work: &Path, counts: &mut Counts) -> Result<(), String> {
    let mut serve = command(work, crate::process::target_dir(root).join("debug/wavehub"));
    serve
        // The demo data gives the operations real resources to answer about (see schemathesis.toml).
        .args(["serve", "--listen", "127.0.0.1:0", "--demo", "--static-dir"])
        .arg(root.join("dist"))
        .env("WAVEHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("WAVEHUB_LOG", "warn");
    // The caller's settings must not move the data dir or the listeners.
    for name in ["WAVEHUB_DATA_DIR", "WAVEHUB_LISTEN", "WAVEHUB_APPS_LISTEN", "WAVEHUB_PUBLIC_URL", "WAVEHUB_APPS_URL"] {
        serve.env_remove(name);
    }
    let log = work.join("server.log");
    let server = Server::spawn(serve, &log)?;
    let api = Api::new(&server.addr, Duration::from_secs(30));
    let token = api.token("admin", ADMIN_PASSWORD, "schemathesis")?;
    let document = format!("{}/api/v1/openapi.json", server.url);

    // The validator reads files, not URLs.
    let served = api.get_ok("/api/v1/openapi.json", "")?;
    let file = work.join("openapi.json");
    std::fs::write(&file, &served.body).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    run(command(work, venv.join("bin/openapi-spec-validator")).arg(&file), "openapi-spec-validator")?;
    counts.passed += 1;

    let mut schemathesis = command(work, venv.join("bin/schemathesis"));
    schemathesis
        .arg("--config-file")
        .arg(root.join("xtask/schemathesis.toml"))
        .args(["run", &document, "--max-examples", MAX_EXAMPLES, "--seed", SEED])
        // One worker: with two threads, hypothesis' lambda descriptions sometimes crash the run on
        // Python 3.11 ("AST constructor recursion depth mismatch"), a tool error, not a finding.
        .args(["--workers", "1"])
        // Findings accepted for now, each with why (`reason`); a new finding still fails the step.
        .arg("--baseline")
        .arg(root.join("xtask/schemathesis-baseline.json"))
        .args(["--report", "junit", "--report-dir"])
        .arg(root.join("target/schemathesis-report"))
        .env("WAVEHUB_TOKEN", &token)
        // No colours or progress bars in a log.
        .env("NO_COLOR", "1");
    for (operation, _why) in EXCLUDED_OPERATIONS {
        schemathesis.args(["--exclude-operation-id", operation]);
    }
    let checks: Vec<&str> = EXCLUDED_CHECKS.iter().map(|(check, _why)| *check).collect();
    schemathesis.args(["--exclude-checks", &checks.join(",")]);
    let outcome = run_echoing(&mut schemathesis, counts);
    if outcome.is_err() {
        // What the server said about the failing requests (5xx causes are logged there).
        let tail: Vec<String> = std::fs::read_to_string(&log).unwrap_or_default().lines().rev().take(40).map(str::to_owned).collect();
        eprintln!("xtask: the server's log (last lines):");
        tail.iter().rev().for_each(|line| eprintln!("  {line}"));
    }
    drop(server);
    outcome
}

/// Runs schemathesis, echoing its output, and counts from its summary: `Tested: N` operations,
/// and `N failures` on the closing line.
fn run_echoing(schemathesis: &mut std::process::Command, counts: &mut Counts) -> Result<(), String> {
    let mut child = schemathesis.stdout(Stdio::piped()).spawn().map_err(|e| format!("cannot start schemathesis: {e}"))?;
    let (mut tested, mut failures) = (0, 0);
    for line in BufReader::new(child.stdout.take().expect("stdout is piped")).lines().map_while(Result::ok) {
        println!("{line}");
        if let Some(n) = line.trim().strip_prefix("Tested: ") {
            tested = n.trim().parse().unwrap_or(0);
        }
        if line.starts_with('=') {
            if let Some(n) = line.split_whitespace().zip(line.split_whitespace().skip(1)).find(|(_, w)| w.starts_with("failure")) {
                failures = n.0.parse().unwrap_or(1);
            }
        }
    }
    let status = child.wait().map_err(|e| format!("schemathesis: {e}"))?;
    if status.success() && tested > 0 {
        counts.passed += tested;
        Ok(())
    } else {
        counts.failed += failures.max(1);
        Err(format!("schemathesis found problems ({status}); see above"))
    }
}
