//! `POST /api/v1/bundles/validate` over a real server: the same verdict the CLI gives, nothing kept.

mod common;

use axum::http::{Method, StatusCode};
use common::{TestApp, ADMIN_PASSWORD};
use wavehub_core::package::package_files;

const VALIDATE: &str = "/api/v1/bundles/validate";

fn bundle(app_toml: &str) -> Vec<u8> {
    package_files(&[
        ("app.toml".to_owned(), app_toml.as_bytes().to_vec()),
        ("app.py".to_owned(), b"print('hi')\n".to_vec()),
    ])
    .unwrap()
}

const GOOD: &str = "[App]\nName = \"ai.wavehub.api\"\nVersion = \"1.2.3\"\nTitle = \"API\"\n\n[Runtime]\nModule = \"app\"\n";

fn uploads_left(app: &TestApp) -> usize {
    std::fs::read_dir(app.data_dir().join("uploads")).map(|dir| dir.count()).unwrap_or(0)
}

#[tokio::test]
async fn validation_needs_a_signed_in_caller() {
    let app = TestApp::new().await;
    let reply = app.call_bytes(Method::POST, VALIDATE, bundle(GOOD), None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_good_bundle_gets_a_valid_report_and_nothing_is_kept() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("admin", ADMIN_PASSWORD).await;
    let reply = app.call_bytes(Method::POST, VALIDATE, bundle(GOOD), Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["valid"], true, "{}", reply.text);
    assert_eq!(reply.body["manifest"]["app"]["version"], "1.2.3");
    assert_eq!(reply.body["files"].as_array().map(Vec::len), Some(2));
    assert_eq!(uploads_left(&app), 0);
}

#[tokio::test]
async fn a_bad_bundle_gets_findings_with_positions() {
    let app = TestApp::new().await;
    let cookie = app.sign_in("admin", ADMIN_PASSWORD).await;
    let reply = app.call_bytes(Method::POST, VALIDATE, bundle(&GOOD.replace("1.2.3", "{{VERSION}}")), Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body["valid"], false);
    let error = &reply.body["errors"][0];
    assert_eq!(error["file"], "app.toml");
    assert_eq!(error["path"], "App.Version");
    assert_eq!(error["line"], 3);

    let reply = app.call_bytes(Method::POST, VALIDATE, b"not a zip at all".to_vec(), Some(&cookie)).await;
    assert_eq!(reply.body["valid"], false);
    assert!(reply.body["errors"][0]["code"].as_str().unwrap().starts_with("archive."), "{}", reply.text);
    assert_eq!(uploads_left(&app), 0);
}

#[tokio::test]
async fn an_empty_or_oversized_upload_is_refused_and_leaves_nothing() {
    let app = TestApp::with_config(|config| config.max_bundle_bytes = 1000).await;
    let cookie = app.sign_in("admin", ADMIN_PASSWORD).await;
    let reply = app.call_bytes(Method::POST, VALIDATE, Vec::new(), Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = app.call_bytes(Method::POST, VALIDATE, vec![0; 5000], Some(&cookie)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text);
    assert_eq!(reply.headers["content-type"], "application/problem+json");
    assert_eq!(uploads_left(&app), 0);
}
