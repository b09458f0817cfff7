//! Uploads and connections that do not end by themselves (issue 13, item 4): a declared size over the
//! limit is refused before the body is read, a stalled or endless upload ends with 408 and leaves no
//! file, a crash's leftover upload files go at the next start, a JSON body over the limit is a 413,
//! and a client that never finishes its headers is disconnected.

mod common;

use axum::body::{Body, Bytes};
use axum::http::{header, Method, StatusCode};
use common::{TestApp, ADMIN_PASSWORD};
use futures_util::StreamExt;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const APPS: &str = "/api/v1/apps";

fn upload_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    match std::fs::read_dir(app.state.config.upload_dir()) {
        Ok(entries) => entries.flatten().map(|entry| entry.path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// A body of endless 1 KiB chunks that notes whether anyone read it.
fn endless_body(read: Arc<AtomicBool>) -> Body {
    let chunks = futures_util::stream::repeat_with(move || {
        read.store(true, Ordering::SeqCst);
        Ok::<_, std::io::Error>(Bytes::from(vec![b'x'; 1024]))
    });
    Body::from_stream(chunks)
}

#[tokio::test]
async fn a_declared_length_over_the_limit_is_refused_before_the_body_is_read() {
    let app = TestApp::with_config(|config| config.max_bundle_bytes = 64 * 1024).await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let read = Arc::new(AtomicBool::new(false));
    let request = TestApp::request_as(Method::POST, APPS, Some(&admin))
        .header(header::CONTENT_TYPE, "application/zip")
        .header(header::CONTENT_LENGTH, (10u64 << 30).to_string())
        .body(endless_body(read.clone()))
        .unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(10), app.send_request(request)).await.expect("answered at once");
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/problem+json");
    assert!(reply.body["detail"].as_str().unwrap().contains("larger than this server accepts"), "{}", reply.text);
    assert!(!read.load(Ordering::SeqCst), "not a byte of the body was read");
    assert!(upload_files(&app).is_empty(), "no upload file was even created");
}

#[tokio::test]
async fn a_stalled_upload_ends_with_408_within_the_idle_timeout_and_leaves_no_file() {
    let app = TestApp::with_config(|config| config.upload_idle_timeout = Duration::from_millis(500)).await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    // 64 KiB, then nothing, forever: a client that stopped sending but keeps the connection.
    let first = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(vec![b'P'; 64 * 1024]))]);
    let body = Body::from_stream(first.chain(futures_util::stream::pending()));
    let request = TestApp::request_as(Method::POST, APPS, Some(&admin))
        .header(header::CONTENT_TYPE, "application/zip")
        .body(body)
        .unwrap();
    let started = Instant::now();
    let reply = tokio::time::timeout(Duration::from_secs(10), app.send_request(request))
        .await
        .expect("a stalled upload must end by itself");
    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT, "{}", reply.text);
    assert!(started.elapsed() < Duration::from_secs(3), "ended after {:?}", started.elapsed());
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/problem+json");
    let detail = reply.body["detail"].as_str().unwrap();
    assert!(detail.contains("no bytes of the upload arrived") && detail.contains("65536 bytes"), "{detail}");
    assert!(upload_files(&app).is_empty(), "the temporary file is removed: {:?}", upload_files(&app));
}

#[tokio::test]
async fn an_upload_that_trickles_in_forever_ends_at_the_deadline() {
    let app = TestApp::with_config(|config| {
        config.upload_idle_timeout = Duration::from_secs(1);
        config.upload_deadline = Duration::from_millis(1500);
    })
    .await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    // A byte every 100 ms: never idle long enough for the idle timeout.
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let drip = futures_util::stream::unfold((), move |()| {
        let counter = counter.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            counter.fetch_add(1, Ordering::SeqCst);
            Some((Ok::<_, std::io::Error>(Bytes::from_static(b"d")), ()))
        }
    });
    let request = TestApp::request_as(Method::POST, APPS, Some(&admin))
        .header(header::CONTENT_TYPE, "application/zip")
        .body(Body::from_stream(drip))
        .unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(10), app.send_request(request)).await.expect("the deadline ends it");
    assert_eq!(reply.status, StatusCode::REQUEST_TIMEOUT, "{}", reply.text);
    assert!(reply.body["detail"].as_str().unwrap().contains("took longer than"), "{}", reply.text);
    assert!(sent.load(Ordering::SeqCst) >= 10, "the body kept coming");
    assert!(upload_files(&app).is_empty());
}

#[tokio::test]
async fn a_json_body_over_the_limit_is_a_413() {
    let app = TestApp::new().await;
    // Sign-in needs no account: anyone can send this.
    let padding = "x".repeat(3 << 20);
    let body = serde_json::json!({"username": "admin", "password": padding});
    let reply = app.call(Method::POST, "/api/v1/auth/login", Some(body), None).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/problem+json");
    // And the optional-JSON bodies (an action's reason) too.
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let request = TestApp::request_as(Method::POST, "/api/v1/workspaces/default/runtime-images/none/disable", Some(&admin))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(format!("{{\"reason\": \"{padding}\"}}")))
        .unwrap();
    let reply = app.send_request(request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text);
}

/// The console server (`serve_console`, what `wavehub serve` runs) on a free port, over `app`.
async fn console(app: &TestApp, header_read_timeout: Duration) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let router = app.router.clone();
    tokio::spawn(wavehub_server::serve::serve_console(listener, router, header_read_timeout, async move {
        let _ = stopped.await;
    }));
    (address, stop)
}

/// Sends `head` (and nothing more) and returns what the server answered before closing, or `None`
/// when it kept the connection open for `wait`.
fn answer_to(address: std::net::SocketAddr, head: &str, wait: Duration) -> Option<String> {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => Some(String::from_utf8_lossy(&answer).into_owned()),
        Err(error) if matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => None,
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => Some(String::from_utf8_lossy(&answer).into_owned()),
        Err(error) => panic!("{error}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = TestApp::new().await;
    let (address, _stop) = console(&app, Duration::from_millis(500)).await;
    let started = Instant::now();
    let answer = tokio::task::spawn_blocking(move || answer_to(address, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n", Duration::from_secs(10)))
        .await
        .unwrap();
    let answer = answer.expect("the server closes the connection");
    assert!(answer.is_empty(), "nothing is answered to half a request: {answer}");
    assert!(started.elapsed() < Duration::from_secs(5), "closed after {:?}", started.elapsed());
    // A whole request is answered as before.
    let answer = tokio::task::spawn_blocking(move || {
        answer_to(address, "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration::from_secs(10))
    })
    .await
    .unwrap()
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_a_real_connection_a_declared_length_over_the_limit_is_answered_without_the_body() {
    let app = TestApp::with_config(|config| config.max_bundle_bytes = 1 << 20).await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let (address, _stop) = console(&app, Duration::from_secs(30)).await;
    // Both endpoints that take a bundle: import and validate. Headers only; the body never comes.
    for path in [APPS, "/api/v1/bundles/validate"] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nCookie: {admin}\r\nContent-Type: application/zip\r\nContent-Length: {}\r\n\r\n",
            5u64 << 30
        );
        let started = Instant::now();
        let answer = tokio::task::spawn_blocking(move || answer_to(address, &head, Duration::from_secs(10))).await.unwrap();
        let answer = answer.unwrap_or_else(|| panic!("{path}: the server waited for the body"));
        assert!(answer.starts_with("HTTP/1.1 413"), "{path}: {answer}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
}

#[test]
fn leftover_upload_files_are_removed_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let uploads = dir.path().join("uploads");
    std::fs::create_dir_all(&uploads).unwrap();
    // What 3 interrupted uploads left: NamedTempFile's names, some bytes.
    for name in [".tmpAbC123", ".tmpXyZ789", ".tmp000000"] {
        std::fs::write(uploads.join(name), vec![0u8; 100_000]).unwrap();
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wavehub"))
        .args(["serve", "--listen", "127.0.0.1:0", "--static-dir", "no-such-dist"])
        .arg("--data-dir")
        .arg(dir.path())
        .env("WAVEHUB_LOG", "warn")
        .env("WAVEHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut printed = Vec::new();
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).unwrap() == 0 {
            let _ = child.kill();
            panic!("the server exited early; printed {printed:?}");
        }
        if line.starts_with("Wavehub is listening on ") {
            break;
        }
        printed.push(line);
    }
    let left: Vec<_> = std::fs::read_dir(&uploads).unwrap().flatten().map(|entry| entry.file_name()).collect();
    let _ = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    assert!(left.is_empty(), "left after start: {left:?}");
    assert!(uploads.is_dir(), "the folder itself stays");
}
