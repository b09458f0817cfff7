//! `wavehub serve --blob-store s3://…` against a real S3 store (a one-node Garage, started here):
//! bundles go to the bucket and come back from it, a refused import leaves no object, a delete removes
//! it, and a store that cannot be used stops the start with a message that names the flag.

mod common;

use common::{ServedBinary, ADMIN_PASSWORD};
use futures_util::StreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::ObjectStore;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::time::{Duration, Instant};
use wavehub_core::package::package_files;
use wavehub_testkit::garage::{self, Garage};

const PREFIX: &str = "api-tests";

fn start_garage() -> Garage {
    Garage::start().unwrap_or_else(|error| panic!("this test needs Garage, a real S3 store (`cargo xtask services` installs it): {error}"))
}

fn bundle(version: &str, readme: &str) -> Vec<u8> {
    let toml = format!(
        "[App]\nName = \"ai.wavehub.s3\"\nVersion = \"{version}\"\nTitle = \"Stored in S3\"\nDescription = \"Kept in a bucket.\"\n\
         LongDescription = \"README.md\"\n\n[Runtime]\nModule = \"app\"\n"
    );
    let files = vec![
        ("app.toml".to_owned(), toml.into_bytes()),
        ("app.py".to_owned(), b"print('hi')\n".to_vec()),
        ("README.md".to_owned(), readme.as_bytes().to_vec()),
        ("data/table.csv".to_owned(), b"a,b\n1,2\n".to_vec()),
    ];
    package_files(&files).unwrap()
}

/// The bucket as the test sees it, with the same key the server has.
fn bucket(garage: &Garage) -> AmazonS3 {
    // As the server does (reqwest's rustls has no crypto of its own here).
    let _ = rustls::crypto::ring::default_provider().install_default();
    AmazonS3Builder::new()
        .with_endpoint(&garage.endpoint)
        .with_region(garage::REGION)
        .with_bucket_name(garage::BUCKET)
        .with_access_key_id(&garage.access_key_id)
        .with_secret_access_key(&garage.secret_access_key)
        .with_allow_http(true)
        .build()
        .unwrap()
}

async fn objects(bucket: &AmazonS3) -> Vec<String> {
    let mut keys: Vec<String> = bucket.list(Some(&ObjectPath::from(PREFIX))).map(|meta| meta.unwrap().location.to_string()).collect().await;
    keys.sort();
    keys
}

fn key_of(bytes: &[u8]) -> String {
    let sha256 = hex::encode(Sha256::digest(bytes));
    format!("{PREFIX}/{}/{sha256}", &sha256[..2])
}

/// A request with the token; the status and the body's bytes, whatever the status.
fn call(server: &ServedBinary, token: &str, method: &str, path: &str, body: Option<&[u8]>) -> (u16, Vec<u8>) {
    let request = ureq::request(method, &format!("{}/api/v1{path}", server.url)).set("Authorization", &format!("Bearer {token}"));
    let reply = match body {
        Some(bytes) => request.set("Content-Type", "application/zip").send_bytes(bytes),
        None => request.call(),
    };
    let response = match reply {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("{method} {path}: {error}"),
    };
    let status = response.status();
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut response.into_reader(), &mut bytes).unwrap();
    (status, bytes)
}

#[tokio::test(flavor = "multi_thread")]
async fn bundles_live_in_the_bucket_from_import_to_delete() {
    let garage = start_garage();
    let bucket = bucket(&garage);
    let store = format!("s3://{}/{PREFIX}?endpoint={}&region={}", garage::BUCKET, garage.endpoint, garage::REGION);
    let env = [("AWS_ACCESS_KEY_ID", garage.access_key_id.as_str()), ("AWS_SECRET_ACCESS_KEY", garage.secret_access_key.as_str())];
    let server = tokio::task::block_in_place(|| ServedBinary::start_with_env(&["--blob-store", &store], &env, |_| {}));
    let data_dir = server.folder.path().join("wavehub-data");
    assert!(!data_dir.join("blobs").exists(), "no blob folder beside an object store");
    let token = server.token_for("admin", ADMIN_PASSWORD);

    let first = bundle("1.0.0", "# Hello\n\nSee [the table](data/table.csv).\n");
    let (status, body) = call(&server, &token, "POST", "/apps?visibility=ALL_USERS", Some(&first));
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let id = serde_json::from_slice::<Value>(&body).unwrap()["id"].as_i64().unwrap();
    assert_eq!(objects(&bucket).await, vec![key_of(&first)], "one object, named by its digest");

    // This server's cached copy gone (as on a second server): the download streams from the bucket.
    std::fs::remove_dir_all(data_dir.join("blob-cache")).unwrap();
    let (status, downloaded) = call(&server, &token, "GET", &format!("/apps/{id}/bundle"), None);
    assert_eq!(status, 200);
    assert!(downloaded == first, "the download is the imported bundle, byte for byte");
    assert!(!data_dir.join("blob-cache").exists() || std::fs::read_dir(data_dir.join("blob-cache")).unwrap().next().is_none());

    // A version's files are read out of the zip: fetched into the cache once, then read there.
    let (status, table) = call(&server, &token, "GET", &format!("/apps/{id}/files/data/table.csv"), None);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&table));
    assert_eq!(table, b"a,b\n1,2\n");
    let sha256 = hex::encode(Sha256::digest(&first));
    assert!(data_dir.join("blob-cache").join(&sha256[..2]).join(&sha256).is_file());
    let (status, page) = call(&server, &token, "GET", &format!("/apps/{id}"), None);
    assert_eq!(status, 200);
    let html = serde_json::from_slice::<Value>(&page).unwrap()["long_description_html"].as_str().unwrap().to_owned();
    assert!(html.contains(&format!("/api/v1/apps/{id}/files/data/table.csv")), "the description links the bundle's file: {html}");

    // The same name and version with other bytes: the blob was stored before the conflict was found,
    // and is gone again.
    let clash = bundle("1.0.0", "# Other words\n");
    let (status, body) = call(&server, &token, "POST", "/apps", Some(&clash));
    assert_eq!(status, 409, "{}", String::from_utf8_lossy(&body));
    assert_eq!(objects(&bucket).await, vec![key_of(&first)], "the refused import left no object");
    // The stored bytes again: refused too, and the object (which version 1.0.0 uses) stays.
    let (status, body) = call(&server, &token, "POST", "/apps", Some(&first));
    assert_eq!(status, 409, "the same bundle is the same version: {}", String::from_utf8_lossy(&body));
    assert_eq!(objects(&bucket).await, vec![key_of(&first)], "a refused import of stored bytes keeps the object");

    let (status, body) = call(&server, &token, "DELETE", &format!("/apps/{id}"), None);
    assert_eq!(status, 204, "{}", String::from_utf8_lossy(&body));
    assert!(objects(&bucket).await.is_empty(), "the delete removed the object");
    assert!(!data_dir.join("blob-cache").join(&sha256[..2]).join(&sha256).exists(), "and the cached copy");
}

/// `kill -9` of the server while a bundle is arriving: no row names it and no object holds it.
#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_during_an_upload_leaves_no_row_and_no_object() {
    use std::io::Write;
    let garage = start_garage();
    let bucket = bucket(&garage);
    let store = format!("s3://{}/{PREFIX}-killed?endpoint={}&region={}", garage::BUCKET, garage.endpoint, garage::REGION);
    let env = [("AWS_ACCESS_KEY_ID", garage.access_key_id.as_str()), ("AWS_SECRET_ACCESS_KEY", garage.secret_access_key.as_str())];
    let mut server = tokio::task::block_in_place(|| ServedBinary::start_with_env(&["--blob-store", &store], &env, |_| {}));
    let token = server.token_for("admin", ADMIN_PASSWORD);
    let bytes = bundle("1.0.0", "# Half sent\n");
    let authority = server.url.trim_start_matches("http://").to_owned();
    let mut upload = std::net::TcpStream::connect(&authority).unwrap();
    write!(
        upload,
        "POST /api/v1/apps HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/zip\r\nContent-Length: {}\r\n\r\n",
        bytes.len()
    )
    .unwrap();
    upload.write_all(&bytes[..bytes.len() / 2]).unwrap();
    upload.flush().unwrap();
    // The server is reading the body (its upload file exists) when it is killed.
    let uploads = server.folder.path().join("wavehub-data/uploads");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_dir(&uploads).map(|mut files| files.next().is_none()).unwrap_or(true) {
        assert!(Instant::now() < deadline, "the upload never reached the server");
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill_hard();

    let prefix = ObjectPath::from(format!("{PREFIX}-killed"));
    let left: Vec<_> = bucket.list(Some(&prefix)).collect().await;
    assert!(left.is_empty(), "no object: {left:?}");
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", server.folder.path().join("wavehub-data/wavehub.db").display())).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM apps").fetch_one(&db).await.unwrap();
    assert_eq!(rows, 0, "no row");
}

/// Runs `wavehub serve` with `args` and `env`; it must exit (not serve) within 30 s: its stderr.
fn refused_start(args: &[&str], env: &[(&str, &str)]) -> String {
    let folder = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wavehub"))
        .args(["serve", "--listen", "127.0.0.1:0", "--static-dir", "no-such-dist"])
        .args(args)
        .envs(env.iter().copied())
        .env("WAVEHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env_remove("WAVEHUB_DATA_DIR")
        .current_dir(folder.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("wavehub serve {args:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(!status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    stderr
}

#[test]
fn a_store_that_cannot_be_used_stops_the_start_and_says_why() {
    let unparsable = refused_start(&["--blob-store", "gs://bucket"], &[]);
    assert!(unparsable.contains("--blob-store") && unparsable.contains("s3://BUCKET"), "{unparsable}");
    let garage = start_garage();
    let store = format!("s3://{}?endpoint={}&region={}", garage::BUCKET, garage.endpoint, garage::REGION);
    let wrong_key =
        refused_start(&["--blob-store", &store], &[("AWS_ACCESS_KEY_ID", &garage.access_key_id), ("AWS_SECRET_ACCESS_KEY", "wrong")]);
    assert!(wrong_key.contains("cannot reach the blob store s3://wavehub (--blob-store)"), "{wrong_key}");
    let no_bucket = format!("s3://no-such-bucket?endpoint={}&region={}", garage.endpoint, garage::REGION);
    let env = [("AWS_ACCESS_KEY_ID", garage.access_key_id.as_str()), ("AWS_SECRET_ACCESS_KEY", garage.secret_access_key.as_str())];
    let missing = refused_start(&["--blob-store", &no_bucket], &env);
    assert!(missing.contains("cannot reach the blob store s3://no-such-bucket"), "{missing}");
}
