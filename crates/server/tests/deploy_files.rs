//! `deploy/` (the compose file and the Kubernetes manifests) against the server it deploys. No
//! container engine runs here, so what can drift is checked without one: every setting the files
//! give is one the server reads, every YAML file parses, and there are several servers.

use serde_norway::Value;
use std::path::{Path, PathBuf};

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy")
}

fn deploy_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![deploy_dir()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every `"WAVEHUB_…"` string literal in the server's sources: the variables it reads.
fn variables_the_server_reads() -> Vec<String> {
    let mut found = Vec::new();
    let mut folders = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                found.extend(text.split("\"WAVEHUB_").skip(1).filter_map(|rest| rest.split_once('"')).map(|(name, _)| format!("WAVEHUB_{name}")));
            }
        }
    }
    found
}

fn variables_named_in(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in text.match_indices("WAVEHUB_") {
        let name: String = text[at..].chars().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_').collect();
        names.push(name);
    }
    names
}

/// Variables the deploy files set or ask for that belong to the files themselves, not the server.
const DEPLOY_ONLY: &[&str] = &["WAVEHUB_S3_KEY_ID", "WAVEHUB_S3_SECRET", "WAVEHUB_BUCKET"];

#[test]
fn every_wavehub_variable_in_deploy_is_one_the_server_reads() {
    let read = variables_the_server_reads();
    let mut unknown = Vec::new();
    for file in deploy_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for name in variables_named_in(&text) {
            if !read.contains(&name) && !DEPLOY_ONLY.contains(&name.as_str()) {
                unknown.push(format!("{}: {name}", file.display()));
            }
        }
    }
    assert!(unknown.is_empty(), "variables no server code reads (a typo, or a renamed flag):\n{}", unknown.join("\n"));
}

#[test]
fn every_yaml_file_parses_and_there_are_several_servers() {
    let mut parsed = 0;
    for file in deploy_files().into_iter().filter(|f| f.extension().is_some_and(|e| e == "yaml")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let value: Value = serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(value.is_mapping(), "{} is not a YAML mapping", file.display());
        parsed += 1;
    }
    assert!(parsed >= 7, "the compose file and the Kubernetes manifests ({parsed} found)");

    let compose: Value = serde_norway::from_str(&std::fs::read_to_string(deploy_dir().join("compose.yaml")).unwrap()).unwrap();
    let internal_urls: Vec<&str> = compose["services"]
        .as_mapping()
        .unwrap()
        .values()
        .filter_map(|service| service["environment"]["WAVEHUB_INTERNAL_URL"].as_str())
        .collect();
    assert_eq!(internal_urls.len(), 2, "two servers, each with its own internal address");
    assert_ne!(internal_urls[0], internal_urls[1]);

    let deployment: Value = serde_norway::from_str(&std::fs::read_to_string(deploy_dir().join("k8s/deployment.yaml")).unwrap()).unwrap();
    assert!(deployment["spec"]["replicas"].as_u64().unwrap() >= 2, "several replicas");
}

#[test]
fn the_garage_init_script_is_valid_shell() {
    let status = std::process::Command::new("sh").arg("-n").arg(deploy_dir().join("garage-init.sh")).status().unwrap();
    assert!(status.success(), "sh -n deploy/garage-init.sh");
}
