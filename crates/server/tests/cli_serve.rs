//! `wavehub serve` as a person runs it: the real binary, a real port, a real data dir.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "common/listening.rs"]
mod listening;

const BINARY: &str = env!("CARGO_BIN_EXE_wavehub");

/// Starts `wavehub serve` and returns it with its stdout lines up to the "listening" line.
fn start(data_dir: &std::path::Path, admin_password: Option<&str>) -> (Child, Vec<String>, String) {
    let mut command = Command::new(BINARY);
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--static-dir", "no-such-dist"])
        .arg("--data-dir")
        .arg(data_dir)
        .env("WAVEHUB_LOG", "warn")
        .env_remove("WAVEHUB_ADMIN_PASSWORD")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(password) = admin_password {
        command.env("WAVEHUB_ADMIN_PASSWORD", password);
    }
    let mut child = command.spawn().unwrap();
    let (lines, url) = listening::until_listening(child.stdout.take().unwrap());
    let address = url.trim_start_matches("http://").to_owned();
    (child, lines, address)
}

/// A plain HTTP/1.1 GET; returns the status line and body.
fn get(address: &str, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

fn stop(mut child: Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn first_start_prints_a_random_admin_password_once_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (child, lines, address) = start(dir.path(), None);
    let announced = lines.iter().find_map(|l| l.strip_prefix("Created the first account: `admin`, password: "));
    let password = announced.unwrap_or_else(|| panic!("no password in {lines:?}"));
    assert_eq!(password.len(), 20);
    assert!(dir.path().join("wavehub.db").is_file() && dir.path().join("blobs").is_dir());

    let (status, body) = get(&address, "/api/v1/health");
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("\"ok\""));
    // Without a built web app, pages say how to build it instead of failing silently.
    let (status, body) = get(&address, "/");
    assert!(status.contains("503"), "{status}");
    assert!(body.contains("cargo xtask serve"));
    assert!(stop(child).success(), "SIGTERM is a graceful, successful stop");

    // The second start keeps the account and prints no password.
    let (child, lines, _) = start(dir.path(), None);
    assert!(lines.iter().all(|l| !l.contains("password:")), "{lines:?}");
    assert!(stop(child).success());
}

#[test]
fn a_busy_port_is_one_line_naming_the_port_and_a_failing_exit() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BINARY)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(dir.path())
        .env("WAVEHUB_LOG", "warn")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.contains(&format!("port {port} is already in use")), "{stderr}");
    assert!(output.stdout.is_empty(), "nothing else happened");
    assert!(!dir.path().join("wavehub.db").exists(), "no database was created");
}

#[test]
fn an_unacceptable_admin_password_stops_the_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir.path())
        .env("WAVEHUB_ADMIN_PASSWORD", "short")
        .env("WAVEHUB_LOG", "warn")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("WAVEHUB_ADMIN_PASSWORD is not acceptable"), "{stderr}");
}

#[test]
fn a_bad_bootstrap_file_stops_the_start_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("values.yaml");
    std::fs::write(
        &file,
        "config:\n  deployer:\n    composition:\n      runtimeImages:\n        scorer:\n          displayname: typo\n",
    )
    .unwrap();
    let output = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--bootstrap")
        .arg(&file)
        .env("WAVEHUB_ADMIN_PASSWORD", "long-enough-password")
        .env("WAVEHUB_LOG", "warn")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains(&format!("{}:6:11: ", file.display())), "{stderr}");
    assert!(stderr.contains("unknown field `displayname`"), "{stderr}");
}

#[test]
fn the_bootstrap_file_is_applied_at_start_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("values.yaml");
    std::fs::write(
        &file,
        "config:\n  deployer:\n    composition:\n      runtimeImages:\n        scorer:\n          versions:\n            - image: {repository: \"h2oai/scorer\", tag: \"v1.5.4\"}\n",
    )
    .unwrap();
    let mut command = Command::new(BINARY);
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--static-dir", "no-such-dist", "--bootstrap"])
        .arg(&file)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .env("WAVEHUB_LOG", "warn")
        .env("WAVEHUB_ADMIN_PASSWORD", "long-enough-password")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = command.spawn().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    while !printed.contains("listening on") {
        assert!(stdout.read_line(&mut printed).unwrap() > 0, "server exited early: {printed}");
    }
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    child.wait().unwrap();
    assert!(printed.contains("Platform runtime images from") && printed.contains(": 1 in the file (1 new)"), "{printed}");
}
