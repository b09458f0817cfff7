//! The real H2O MLOps Python client (`h2o-mlops`, from the package index into a venv) against the
//! real `wavehub serve`: every snippet of the runtime-images document, each result checked against
//! what the console's API shows (docs/mlops-client.md; the script is
//! `fixtures/mlops_client_snippets.py`).

mod common;

use common::{ServedBinary, ADMIN_PASSWORD};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The client version the adapter was measured against (shared/spec/mlops-client.md).
const CLIENT_VERSION: &str = "1.6.5";

/// The platform's images: one the platform disabled (the ceiling), one it deprecated, one active
/// with a version it disabled.
const PLATFORM_FILE: &str = r#"config:
  deployer:
    composition:
      runtimeImages:
        legacy-scorer:
          displayName: "Legacy Scorer"
          state: DISABLED
          stateReason: "End of support"
          versions:
            - image: {repository: "h2oai/legacy-scorer", tag: "0.4.2"}
        old-scorer:
          displayName: "Old Scorer"
          state: DEPRECATED
          stateReason: "Superseded"
          versions:
            - image: {repository: "h2oai/old-scorer", tag: "1.0.0"}
        mojo-scorer:
          displayName: "MOJO Scorer"
          state: ACTIVE
          versions:
            - image: {repository: "h2oai/mojo-scorer", tag: "1.5.4"}
            - image: {repository: "h2oai/mojo-scorer", tag: "1.6.0"}
              state: DISABLED
              stateReason: "CVE-2026-1234"
"#;

/// A venv with `h2o-mlops==CLIENT_VERSION`, made once per target dir with Debian's
/// `/usr/bin/python3` and pip as configured on the machine; a half-made one is made again.
fn client_python() -> PathBuf {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("h2o-mlops-{CLIENT_VERSION}"));
    let python = venv.join("bin/python");
    let done = venv.join(".installed");
    if done.exists() {
        return python;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let made = Command::new("/usr/bin/python3").args(["-m", "venv"]).arg(&venv).status().expect("/usr/bin/python3");
    assert!(made.success(), "python3 -m venv failed: Debian's python3-venv is needed (cargo xtask test installs it)");
    let installed = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", &format!("h2o-mlops=={CLIENT_VERSION}")])
        .status()
        .unwrap();
    assert!(installed.success(), "pip install h2o-mlops=={CLIENT_VERSION} failed");
    std::fs::write(&done, CLIENT_VERSION).unwrap();
    python
}

#[test]
fn the_h2o_mlops_client_runs_every_runtime_images_snippet() {
    let python = client_python();
    let server = ServedBinary::start(&["--bootstrap", "platform.yaml"], |folder| {
        std::fs::write(folder.join("platform.yaml"), PLATFORM_FILE).unwrap();
    });
    // People and workspaces, made the way an admin makes them in the console.
    let admin = server.token_for("admin", ADMIN_PASSWORD);
    for (user, role) in [("owner", "admin"), ("reader", "member")] {
        let (status, body) = server.api(&admin, "POST", "/users", Some(json!({"username": user, "password": "password-123", "roles": ["user"]})));
        assert_eq!(status, 201, "{body}");
        let (status, body) = server.api(&admin, "PUT", &format!("/workspaces/default/members/{user}"), Some(json!({"role": role})));
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = server.api(&admin, "POST", "/workspaces", Some(json!({"id": "research", "name": "Research"})));
    assert_eq!(status, 201, "{body}");
    let owner = server.token_for("owner", "password-123");
    let reader = server.token_for("reader", "password-123");

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mlops_client_snippets.py");
    let output = Command::new(&python)
        .arg(&script)
        .args([&server.url, &owner, &admin, &reader])
        .env("PYTHONUNBUFFERED", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the snippets failed:\n{stdout}\n{stderr}");
    // The script counts its checks; a run that skipped some would hide a break.
    let passed: usize = stdout
        .lines()
        .find_map(|line| line.strip_prefix("checks passed: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no summary line:\n{stdout}\n{stderr}"));
    assert!(passed >= 100, "only {passed} checks ran:\n{stdout}");
    println!("h2o-mlops {CLIENT_VERSION}: {passed} checks passed");

    // What the client did is what the console shows afterwards, too.
    let uid = stdout.lines().find_map(|line| line.strip_prefix("updated image: ")).expect("the updated image's uid");
    let (_, image) = server.api(&reader, "GET", &format!("/workspaces/default/runtime-images/{uid}"), None);
    assert_eq!((&image["name"], &image["current_version"]), (&json!("Updated Name"), &json!("v3.0.0")), "{image}");
    // Wire details the client depends on but the snippets do not reach: a zero count is the
    // string "0", never left out; a method the server does not have is a 404 that says so.
    let runtime = format!("{}/api/mlops/runtime/v1/workspaces/default/runtimeImages", server.url);
    let none: serde_json::Value = ureq::get(&format!("{runtime}:count"))
        .query("filter", "display_name = 'No such name'")
        .set("Authorization", &format!("Bearer {reader}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap();
    assert_eq!(none, json!({"count": "0"}));
    match ureq::post(&format!("{runtime}/{uid}:explode")).set("Authorization", &format!("Bearer {owner}")).call() {
        Err(ureq::Error::Status(404, reply)) => assert!(reply.into_string().unwrap().contains("no method `:explode`")),
        other => panic!("an unknown method: {other:?}"),
    }
    let (_, legacy) = server.api(&reader, "GET", "/workspaces/default/runtime-images/legacy-scorer", None);
    assert_eq!(legacy["state"], "DISABLED", "the refused enable changed nothing: {legacy}");
}
