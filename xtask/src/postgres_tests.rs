//! `cargo xtask test --postgres [-- TEST-ARGS]`: the server's API tests on PostgreSQL. A throwaway
//! cluster (wavehub-testkit) with a role that may create databases but is no superuser, as on a
//! real server; `WAVEHUB_TEST_DATABASE_URL` names it, so each `TestApp` gets a database of its own
//! (tests/common/mod.rs). `cargo xtask test` runs these steps after the native tests.

use crate::process::{self, Step};
use crate::tools;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

/// The role and database the tests connect as (the cluster's superuser makes them).
const ROLE: &str = "wavehub_test";

pub fn run(root: &Path, test_args: &[String]) -> ExitCode {
    let started = Instant::now();
    let steps = steps(root, test_args);
    process::print_summary(&steps, started.elapsed());
    if steps.iter().all(Step::ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The cluster and the API tests on it, as steps of a test run (`cargo xtask test` runs them
/// after the native tests, which ran the same tests on SQLite).
pub fn steps(root: &Path, test_args: &[String]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();

    let t = Instant::now();
    let cluster = tools::ensure_postgres(root).and_then(|()| start());
    let binaries = api_test_binaries(root);
    let setup = match (&cluster, &binaries) {
        (Ok(_), Ok(_)) => Ok(()),
        (Err(e), _) | (_, Err(e)) => Err(e.clone()),
    };
    steps.push(Step::work("PostgreSQL cluster", t, setup));

    if let (Ok((_cluster, url)), Ok(binaries)) = (&cluster, &binaries) {
        println!("xtask: the API tests on {url}: {}", binaries.join(", "));
        let mut cargo = process::command(root, "cargo");
        cargo.args(["test", "--package", "wavehub-server", "--no-fail-fast"]);
        for binary in binaries {
            cargo.args(["--test", binary]);
        }
        // What follows `--` goes to the test binaries (a name filter, --test-threads).
        let rest = test_args.strip_prefix(["--".to_owned()].as_slice()).unwrap_or(test_args);
        if !rest.is_empty() {
            cargo.arg("--").args(rest);
        }
        cargo.env("WAVEHUB_TEST_DATABASE_URL", url);
        let t = Instant::now();
        steps.push(Step::tests("API tests on PostgreSQL", t, process::run_counting(&mut cargo, "cargo test (PostgreSQL)")));
    }
    // The cluster stops here (dropped), after the tests.
    drop(cluster);
    steps
}

/// A new cluster with the tests' role and database, and the URL the tests take.
fn start() -> Result<(wavehub_testkit::Postgres, String), String> {
    let cluster = wavehub_testkit::Postgres::start()?;
    cluster.psql(&format!("CREATE ROLE {ROLE} LOGIN CREATEDB"))?;
    cluster.psql(&format!("CREATE DATABASE {ROLE} OWNER {ROLE}"))?;
    let url = format!("postgres://{ROLE}@127.0.0.1:{}/{ROLE}", cluster.port());
    Ok((cluster, url))
}

/// The server's test binaries that run on `TestApp` (so on PostgreSQL when asked), by file name:
/// a new API test file is picked up without a change here.
fn api_test_binaries(root: &Path) -> Result<Vec<String>, String> {
    let folder = root.join("crates/server/tests");
    let entries = std::fs::read_dir(&folder).map_err(|e| format!("cannot read {}: {e}", folder.display()))?;
    let mut binaries: Vec<String> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .filter(|path| std::fs::read_to_string(path).is_ok_and(|text| text.contains("TestApp") || text.contains("store().await")))
        .filter_map(|path| path.file_stem().and_then(|stem| stem.to_str()).map(str::to_owned))
        .collect();
    binaries.sort();
    if binaries.is_empty() {
        return Err(format!("no test file in {} uses TestApp", folder.display()));
    }
    Ok(binaries)
}

#[cfg(test)]
mod tests {
    #[test]
    fn finds_the_api_test_binaries_and_leaves_the_others_out() {
        let binaries = super::api_test_binaries(&crate::repo_root()).unwrap();
        for api in ["api_apps", "api_accounts", "postgres_schema"] {
            assert!(binaries.iter().any(|b| b == api), "{api}: {binaries:?}");
        }
        for other in ["code_shape", "cli_serve"] {
            assert!(!binaries.iter().any(|b| b == other), "{other}: {binaries:?}");
        }
    }
}
