//! A real server for tests: the full router over a real database, called in-process with
//! `tower::ServiceExt::oneshot`. The database is SQLite in the test's temporary folder, or, when
//! `WAVEHUB_TEST_DATABASE_URL` names a PostgreSQL server (`cargo xtask test --postgres` sets it), a
//! PostgreSQL database of the test's own on that server.

#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;
use wavehub_core::accounts::{NewUser, Role};
use wavehub_server::accounts::users::insert_user;
use wavehub_server::http;
use wavehub_server::http::state::{AppState, Config};

pub const ADMIN_PASSWORD: &str = "admin-password";

/// A real `width`×`height` PNG, one colour: imports decode icons and screenshots. The core crate's
/// tests make theirs with the same file.
#[path = "../../../core/tests/support/png_image.rs"]
mod png_image;
#[allow(unused_imports)] // as `dead_code` above: not every test file makes images
pub use png_image::png;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    _dir: std::sync::Arc<TempDir>,
    /// On PostgreSQL: the test's database, dropped after the last server on it.
    database: Option<std::sync::Arc<TestDatabase>>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl TestApp {
    /// A fresh server with one admin (`admin` / [`ADMIN_PASSWORD`]) and a web app folder holding
    /// an `index.html`.
    pub async fn new() -> TestApp {
        Self::with_config(|_| {}).await
    }

    /// Like [`TestApp::new`], with settings changed by `configure`.
    pub async fn with_config(configure: impl FnOnce(&mut Config)) -> TestApp {
        let app = Self::without_users(test_database_url().as_deref(), configure).await;
        app.add_user("admin", ADMIN_PASSWORD, &[Role::Admin]).await;
        app
    }

    /// A fresh server with no users, on a new database of the PostgreSQL server `postgres` (see
    /// [`test_database_url`]), or on SQLite in its folder when `None`.
    pub async fn without_users(postgres: Option<&str>, configure: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let static_dir = dir.path().join("dist");
        std::fs::create_dir_all(&static_dir).unwrap();
        std::fs::write(static_dir.join("index.html"), "<!doctype html><title>Wavehub</title>").unwrap();
        std::fs::write(static_dir.join("app.js"), "console.log('hi')").unwrap();
        let (db, database) = match postgres {
            Some(server) => {
                let database = TestDatabase::create(server).await;
                (wavehub_server::db::open_postgres(&database.url).await.unwrap(), Some(std::sync::Arc::new(database)))
            }
            None => (wavehub_server::db::open(dir.path()).await.unwrap(), None),
        };
        let mut config = Config::new(dir.path().to_path_buf(), static_dir);
        if let Some(database) = &database {
            config.database = wavehub_server::db::DatabaseLocation::Postgres(database.url.clone());
        }
        configure(&mut config);
        let state = AppState::new(db, config);
        TestApp { router: http::router(state.clone()), state, _dir: std::sync::Arc::new(dir), database }
    }

    pub async fn add_user(&self, username: &str, password: &str, roles: &[Role]) {
        let user = NewUser { username: username.into(), password: password.into(), roles: roles.to_vec() };
        insert_user(&self.state.db, &user).await.unwrap();
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>, auth: Option<&str>) -> Reply {
        let request = Self::request(method, path, auth);
        let request = match body {
            Some(json) => request.header(header::CONTENT_TYPE, "application/json").body(Body::from(serde_json::to_vec(&json).unwrap())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        self.send(request).await
    }

    /// A call whose body is raw bytes, as bundle uploads are.
    pub async fn call_bytes(&self, method: Method, path: &str, bytes: Vec<u8>, auth: Option<&str>) -> Reply {
        let request = Self::request(method, path, auth).header(header::CONTENT_TYPE, "application/zip").body(Body::from(bytes)).unwrap();
        self.send(request).await
    }

    /// The path where the server keeps this test's data.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// A second server on this one's database and data folder, with its own connections and
    /// caches: two `wavehub serve` behind one load balancer.
    #[allow(dead_code)]
    pub async fn second_server(&self) -> TestApp {
        let db = match &self.database {
            Some(database) => wavehub_server::db::open_postgres(&database.url).await.unwrap(),
            None => wavehub_server::db::open(self.data_dir()).await.unwrap(),
        };
        let state = AppState::new(db, (*self.state.config).clone());
        TestApp { router: http::router(state.clone()), state, _dir: self._dir.clone(), database: self.database.clone() }
    }

    fn request(method: Method, path: &str, auth: Option<&str>) -> axum::http::request::Builder {
        let request = Request::builder().method(method).uri(path);
        match auth {
            Some(auth) if auth.starts_with("wh_") || auth.starts_with("Bearer") => {
                request.header(header::AUTHORIZATION, format!("Bearer {}", auth.trim_start_matches("Bearer ")))
            }
            Some(cookie) => request.header(header::COOKIE, cookie),
            None => request,
        }
    }

    async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply { status, headers, body, text, bytes: bytes.to_vec() }
    }

    /// Signs in and returns the `Cookie` header value that carries the session.
    pub async fn sign_in(&self, username: &str, password: &str) -> String {
        let reply = self
            .call(Method::POST, "/api/v1/auth/login", Some(serde_json::json!({"username": username, "password": password})), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "sign-in as {username} failed: {}", reply.text);
        let set_cookie = reply.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        set_cookie.split(';').next().unwrap().to_owned()
    }
}

/// The PostgreSQL server the API tests run on (`WAVEHUB_TEST_DATABASE_URL`, a URL whose user may
/// create databases), or `None` for SQLite.
pub fn test_database_url() -> Option<String> {
    std::env::var("WAVEHUB_TEST_DATABASE_URL").ok().filter(|url| !url.trim().is_empty())
}

/// One test's PostgreSQL database: a copy of a migrated template (a copy takes milliseconds, migrating
/// takes far longer), dropped when the last server on it goes.
pub struct TestDatabase {
    server: String,
    name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create(server: &str) -> TestDatabase {
        let template = Self::template(server).await;
        let mut random = [0u8; 6];
        getrandom::fill(&mut random).unwrap();
        let name = format!("wavehub_t_{}_{}", std::process::id(), hex::encode(random));
        let mut admin = Self::admin(server).await;
        sqlx::query(&format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"")).execute(&mut admin).await.unwrap();
        sqlx::Connection::close(admin).await.ok();
        TestDatabase { server: server.to_owned(), url: with_database(server, &name), name }
    }

    async fn admin(server: &str) -> sqlx::PgConnection {
        use sqlx::Connection;
        sqlx::PgConnection::connect(server)
            .await
            .unwrap_or_else(|e| panic!("WAVEHUB_TEST_DATABASE_URL: cannot connect to the PostgreSQL server the tests run on: {e}"))
    }

    /// The template of this build's migrations, made once per server: its name holds a hash of the
    /// migrations, so a changed migration gets a new one. Test processes that start at once take turns
    /// (an advisory lock), and it is built under another name and renamed, so an interrupted build
    /// never leaves a half-migrated template behind.
    async fn template(server: &str) -> String {
        static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
        TEMPLATE
            .get_or_init(|| async {
                use sha2::Digest;
                let mut hash = sha2::Sha256::new();
                for migration in wavehub_server::db::POSTGRES_MIGRATIONS.iter() {
                    hash.update(migration.version.to_le_bytes());
                    hash.update(&migration.checksum);
                }
                let name = format!("wavehub_template_{}", &hex::encode(hash.finalize())[..16]);
                let mut admin = Self::admin(server).await;
                sqlx::query("SELECT pg_advisory_lock(hashtextextended('wavehub test template', 0))").execute(&mut admin).await.unwrap();
                let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)")
                    .bind(&name)
                    .fetch_one(&mut admin)
                    .await
                    .unwrap();
                if !exists {
                    let building = format!("{name}_building");
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)")).execute(&mut admin).await.unwrap();
                    sqlx::query(&format!("CREATE DATABASE \"{building}\"")).execute(&mut admin).await.unwrap();
                    let db = wavehub_server::db::open_postgres(&with_database(server, &building)).await.unwrap();
                    db.close().await;
                    sqlx::query(&format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\"")).execute(&mut admin).await.unwrap();
                }
                sqlx::Connection::close(admin).await.ok();
                name
            })
            .await
            .clone()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop is not async, and the test's runtime may be single-threaded: a runtime of its own on
        // a thread of its own. FORCE ends the connections the test's pools still hold.
        let (server, name) = (self.server.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let mut admin = TestDatabase::admin(&server).await;
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut admin).await.map(drop)
            })
        });
        let _ = dropped.join();
    }
}

/// `url` with its database (the path) replaced by `database`.
pub fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a postgres:// URL");
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let query = rest[authority_end..].find('?').map_or("", |at| &rest[authority_end + at..]);
    format!("{scheme}://{}/{database}{query}", &rest[..authority_end])
}

/// A store's people, signed in: admin, `author` and `other` (authors), `user` (a plain user).
pub struct Store {
    pub app: TestApp,
    pub admin: String,
    pub author: String,
    pub other: String,
    pub user: String,
}

/// A fresh server with the people of [`Store`].
pub async fn store() -> Store {
    let app = TestApp::new().await;
    app.add_user("author", "author-password", &[Role::Author]).await;
    app.add_user("other", "other-password", &[Role::Author]).await;
    app.add_user("user", "user-password", &[Role::User]).await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let author = app.sign_in("author", "author-password").await;
    let other = app.sign_in("other", "other-password").await;
    let user = app.sign_in("user", "user-password").await;
    Store { app, admin, author, other, user }
}

impl Store {
    /// A JSON call as `who` (a cookie).
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>, who: &str) -> Reply {
        self.app.call(method, path, body, Some(who)).await
    }
}

impl TestApp {
    /// A request to `path` carrying `auth` as [`TestApp::call`] sends it, for tests that choose the
    /// headers and body themselves.
    pub fn request_as(method: Method, path: &str, auth: Option<&str>) -> axum::http::request::Builder {
        Self::request(method, path, auth)
    }

    /// Sends a request built by the test.
    pub async fn send_request(&self, request: Request<Body>) -> Reply {
        self.send(request).await
    }
}

/// The real `wavehub serve` binary on a free loopback port, started as a person starts it: in a
/// fresh folder, with the default relative data dir (`wavehub-data`) and the first admin's password
/// from `WAVEHUB_ADMIN_PASSWORD` ([`ADMIN_PASSWORD`]). Stopped (SIGTERM) when dropped.
pub struct ServedBinary {
    child: std::process::Child,
    pub folder: TempDir,
    /// `http://127.0.0.1:PORT`, as the server announced it.
    pub url: String,
}

impl ServedBinary {
    /// Starts it with `args` after `serve --listen 127.0.0.1:0`; `prepare` may write files into the
    /// folder first (a `--bootstrap` file, say), relative paths in `args` name them.
    pub fn start(args: &[&str], prepare: impl FnOnce(&std::path::Path)) -> ServedBinary {
        Self::start_with_env(args, &[], prepare)
    }

    /// [`ServedBinary::start`] with more environment variables (an object store's credentials, say).
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)], prepare: impl FnOnce(&std::path::Path)) -> ServedBinary {
        use std::io::{BufRead, BufReader};
        let folder = tempfile::tempdir().unwrap();
        prepare(folder.path());
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wavehub"))
            .args(["serve", "--listen", "127.0.0.1:0", "--static-dir", "no-such-dist"])
            .args(args)
            .envs(env.iter().copied())
            .current_dir(folder.path())
            .env("WAVEHUB_LOG", "warn")
            .env("WAVEHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env_remove("WAVEHUB_DATA_DIR")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let url = loop {
            let mut line = String::new();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "the server exited before it listened");
            if let Some(url) = line.trim().strip_prefix("Wavehub is listening on ") {
                break url.to_owned();
            }
        };
        // Keep reading stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || stdout.lines().for_each(drop));
        ServedBinary { child, folder, url }
    }

    /// `kill -9`: the server stops at once, in the middle of whatever it does.
    #[allow(dead_code)]
    pub fn kill_hard(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Signs in over HTTP and returns the session's `Cookie` header value.
    pub fn sign_in(&self, username: &str, password: &str) -> String {
        let login = ureq::post(&format!("{}/api/v1/auth/login", self.url))
            .send_json(serde_json::json!({"username": username, "password": password}))
            .unwrap_or_else(|error| panic!("sign-in as {username} failed: {error}"));
        login.header("set-cookie").unwrap().split(';').next().unwrap().to_owned()
    }

    /// What a user does to get an API token: sign in, then `POST /api/v1/tokens` from the console.
    pub fn token_for(&self, username: &str, password: &str) -> String {
        let cookie = self.sign_in(username, password);
        let created: Value = ureq::post(&format!("{}/api/v1/tokens", self.url))
            .set("Cookie", &cookie)
            .set("Origin", &self.url)
            .send_json(serde_json::json!({"name": "h2o-mlops"}))
            .unwrap()
            .into_json()
            .unwrap();
        created["token"].as_str().unwrap().to_owned()
    }

    /// A console API call (`/api/v1{path}`) with a bearer token; the answer's status and JSON.
    pub fn api(&self, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let request = ureq::request(method, &format!("{}/api/v1{path}", self.url)).set("Authorization", &format!("Bearer {token}"));
        let reply = match body {
            Some(body) => request.send_json(body),
            None => request.call(),
        };
        let response = match reply {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(error) => panic!("{method} {path}: {error}"),
        };
        (response.status(), response.into_json().unwrap_or(Value::Null))
    }
}

impl Drop for ServedBinary {
    fn drop(&mut self) {
        // SIGTERM, so it stops as it does for a person (Child::kill would SIGKILL); not again
        // after `kill_hard`.
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = std::process::Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        }
        let _ = self.child.wait();
    }
}
