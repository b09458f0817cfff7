//! Several servers on one PostgreSQL database and one S3 bucket: two real `wavehub serve`
//! processes, each with a data dir of its own (they keep nothing there the other needs), on a
//! PostgreSQL cluster and a Garage node the test starts (`cargo xtask test` installs both).

mod common;

use common::{ServedBinary, ADMIN_PASSWORD};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::ObjectStore;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use futures_util::StreamExt;
use wavehub_core::package::package_files;
use wavehub_testkit::garage::{self, Garage};
use wavehub_testkit::Postgres;

/// The bundles' folder in the bucket.
const PREFIX: &str = "scale-out";

struct Services {
    _postgres: Postgres,
    garage: Garage,
    database_url: String,
    blob_store: String,
}

impl Services {
    fn start() -> Services {
        let postgres = Postgres::start().unwrap_or_else(|e| panic!("this test needs PostgreSQL (`cargo xtask services`): {e}"));
        let garage = Garage::start().unwrap_or_else(|e| panic!("this test needs Garage (`cargo xtask services`): {e}"));
        let database_url = postgres.create_database().unwrap();
        let blob_store = format!("s3://{}/{PREFIX}?endpoint={}&region={}", garage::BUCKET, garage.endpoint, garage::REGION);
        Services { _postgres: postgres, garage, database_url, blob_store }
    }

    /// A server on the shared database and bucket.
    fn server(&self) -> ServedBinary {
        let env = [("AWS_ACCESS_KEY_ID", self.garage.access_key_id.as_str()), ("AWS_SECRET_ACCESS_KEY", self.garage.secret_access_key.as_str())];
        ServedBinary::start_with_env(&["--database-url", &self.database_url, "--blob-store", &self.blob_store], &env, |_| {})
    }

    fn bucket(&self) -> AmazonS3 {
        // As the server does (reqwest's rustls has no crypto of its own here).
        let _ = rustls::crypto::ring::default_provider().install_default();
        AmazonS3Builder::new()
            .with_endpoint(&self.garage.endpoint)
            .with_region(garage::REGION)
            .with_bucket_name(garage::BUCKET)
            .with_access_key_id(&self.garage.access_key_id)
            .with_secret_access_key(&self.garage.secret_access_key)
            .with_allow_http(true)
            .build()
            .unwrap()
    }

    /// The digests of the bundles in the bucket.
    async fn stored(&self) -> Vec<String> {
        let listed: Vec<_> = self.bucket().list(Some(&ObjectPath::from(PREFIX))).collect().await;
        let mut names: Vec<String> = listed.into_iter().map(|o| o.unwrap().location.filename().unwrap().to_owned()).collect();
        names.sort();
        names
    }
}

fn bundle(name: &str, version: &str) -> Vec<u8> {
    let toml = format!("[App]\nName = \"{name}\"\nVersion = \"{version}\"\nTitle = \"Scaled out\"\nDescription = \"On two servers.\"\n\n[Runtime]\nModule = \"app\"\n");
    package_files(&[("app.toml".to_owned(), toml.into_bytes()), ("app.py".to_owned(), b"print('hi')\n".to_vec())]).unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes))
}

/// `POST /api/v1/apps` with a bundle: the status.
fn import(server: &ServedBinary, token: &str, bytes: &[u8]) -> u16 {
    let request = ureq::post(&format!("{}/api/v1/apps?visibility=PRIVATE", server.url))
        .set("Authorization", &format!("Bearer {token}"))
        .set("Content-Type", "application/zip");
    match request.send_bytes(bytes) {
        Ok(response) => response.status(),
        Err(ureq::Error::Status(status, _)) => status,
        Err(error) => panic!("import: {error}"),
    }
}

/// The names in a catalog page, as `token`'s user sees it.
fn names(server: &ServedBinary, token: &str, query: &str) -> Vec<String> {
    let (status, page) = server.api(token, "GET", &format!("/apps?{query}"), None);
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_on_one_postgres_and_one_bucket_act_as_one() {
    let services = Services::start();
    // Started together: the first migrates the empty database, the other waits for it; one admin.
    let (one, two) = tokio::task::block_in_place(|| std::thread::scope(|s| {
        let second = s.spawn(|| services.server());
        (services.server(), second.join().unwrap())
    }));

    // A sign-in on one is valid on the other.
    let cookie = one.sign_in("admin", ADMIN_PASSWORD);
    let me = ureq::get(&format!("{}/api/v1/me", two.url)).set("Cookie", &cookie).call().unwrap();
    assert_eq!(me.into_json::<Value>().unwrap()["username"], "admin");
    let admin_one = one.token_for("admin", ADMIN_PASSWORD);
    let admin_two = two.token_for("admin", ADMIN_PASSWORD);
    let (status, _) = one.api(&admin_one, "POST", "/users", Some(json!({"username": "viewer", "password": "viewer-password", "roles": ["user"]})));
    assert_eq!(status, 201);
    let viewer_one = one.token_for("viewer", "viewer-password");

    // An import on one is in the other's catalog at once; a visibility change on the other is
    // seen by the first at once.
    assert_eq!(import(&one, &admin_one, &bundle("ai.wavehub.shared", "1.0.0")), 201);
    assert_eq!(names(&two, &admin_two, "q=ai.wavehub.shared"), ["ai.wavehub.shared"]);
    assert!(names(&one, &viewer_one, "latest=true&visibility=ALL_USERS").is_empty(), "private so far");
    let (_, found) = two.api(&admin_two, "GET", "/apps?q=ai.wavehub.shared", None);
    let id = found["items"][0]["id"].as_i64().unwrap();
    let (status, _) = two.api(&admin_two, "PATCH", &format!("/apps/{id}"), Some(json!({"visibility": "ALL_USERS"})));
    assert_eq!(status, 200);
    assert_eq!(names(&one, &viewer_one, "latest=true&visibility=ALL_USERS"), ["ai.wavehub.shared"]);

    // 20 imports of one name and version at once, split across both: exactly one is stored.
    let contested = bundle("ai.wavehub.contested", "1.0.0");
    let statuses: Vec<u16> = tokio::task::block_in_place(|| std::thread::scope(|s| {
        let imports: Vec<_> = (0..20)
            .map(|i| {
                let (server, token) = if i % 2 == 0 { (&one, &admin_one) } else { (&two, &admin_two) };
                let contested = &contested;
                s.spawn(move || import(server, token, contested))
            })
            .collect();
        imports.into_iter().map(|i| i.join().unwrap()).collect()
    }));
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "one created: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19, "the rest refused as existing: {statuses:?}");
    let (_, versions) = one.api(&admin_one, "GET", "/apps?q=ai.wavehub.contested", None);
    assert_eq!(versions["total"], 1, "{versions}");
    let mut expected = vec![sha256_hex(&bundle("ai.wavehub.shared", "1.0.0")), sha256_hex(&contested)];
    expected.sort();
    assert_eq!(services.stored().await, expected, "one object per stored bundle");

    // kill -9 of one server while a bundle arrives: no row and no object.
    drop(two);
    let mut one = one;
    let half_sent = bundle("ai.wavehub.killed", "1.0.0");
    let authority = one.url.trim_start_matches("http://").to_owned();
    let mut upload = std::net::TcpStream::connect(&authority).unwrap();
    use std::io::Write;
    write!(
        upload,
        "POST /api/v1/apps HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {admin_one}\r\nContent-Type: application/zip\r\nContent-Length: {}\r\n\r\n",
        half_sent.len()
    )
    .unwrap();
    upload.write_all(&half_sent[..half_sent.len() / 2]).unwrap();
    upload.flush().unwrap();
    let uploads = one.folder.path().join("wavehub-data/uploads");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_dir(&uploads).map(|mut files| files.next().is_none()).unwrap_or(true) {
        assert!(Instant::now() < deadline, "the upload never reached the server");
        std::thread::sleep(Duration::from_millis(20));
    }
    one.kill_hard();
    let three = tokio::task::block_in_place(|| services.server());
    let admin_three = three.token_for("admin", ADMIN_PASSWORD);
    let (_, killed) = three.api(&admin_three, "GET", "/apps?q=ai.wavehub.killed", None);
    assert_eq!(killed["total"], 0, "no row: {killed}");
    assert_eq!(services.stored().await, expected, "no object");
}
