//! A real server for tests: the full router over a real SQLite database in a temporary folder,
//! called in-process with `tower::ServiceExt::oneshot`.

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

/// A real `width`×`height` PNG, one colour: imports decode icons and screenshots.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("a PNG header");
    writer.write_image_data(&vec![90; (width * height * 3) as usize]).expect("PNG pixels");
    writer.finish().expect("a PNG");
    bytes
}

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    _dir: std::sync::Arc<TempDir>,
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
        let dir = tempfile::tempdir().unwrap();
        let static_dir = dir.path().join("dist");
        std::fs::create_dir_all(&static_dir).unwrap();
        std::fs::write(static_dir.join("index.html"), "<!doctype html><title>Wavehub</title>").unwrap();
        std::fs::write(static_dir.join("app.js"), "console.log('hi')").unwrap();
        let db = wavehub_server::db::open(dir.path()).await.unwrap();
        let mut config = Config::new(dir.path().to_path_buf(), static_dir);
        configure(&mut config);
        let state = AppState::new(db, config);
        let app = TestApp { router: http::router(state.clone()), state, _dir: std::sync::Arc::new(dir) };
        app.add_user("admin", ADMIN_PASSWORD, &[Role::Admin]).await;
        app
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
        let db = wavehub_server::db::open(self.data_dir()).await.unwrap();
        let state = AppState::new(db, (*self.state.config).clone());
        TestApp { router: http::router(state.clone()), state, _dir: self._dir.clone() }
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
