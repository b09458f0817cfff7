//! The apps origin's authenticating reverse proxy, end to end: the console and the apps origin
//! served on real ports over one SQLite database, a real upstream (an echo server with a websocket)
//! that a test runner names as the instances' address, and a real HTTP client (ureq) that does
//! what a browser does, one redirect at a time.

mod common;

use axum::extract::ws::{Message as WsMessage, WebSocketUpgrade};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::TestApp;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use wavehub_core::accounts::Role;
use wavehub_server::instances::runner::{LaunchPlan, Runner, StatusSink, Upstream, UpstreamKind};
use wavehub_server::http::state::AppState;
use wavehub_server::on_db;

const PASSWORD: &str = "a long enough password 1";

// ---------------------------------------------------------------------------------------------
// The world: console, apps origin, upstream, runner.

/// Names a fixed upstream for the instances it was told about; launches nothing.
#[derive(Default)]
struct TestRunner {
    upstreams: Mutex<HashMap<i64, Upstream>>,
}

impl Runner for TestRunner {
    fn launch(&self, _plan: LaunchPlan, _sink: StatusSink) {}
    fn stop(&self, instance_id: i64) -> futures_util::future::BoxFuture<'static, ()> {
        self.upstreams.lock().unwrap().remove(&instance_id);
        Box::pin(async {})
    }
    fn stop_all(&self) -> futures_util::future::BoxFuture<'static, ()> {
        Box::pin(async {})
    }
    fn log_path(&self, instance_id: i64) -> PathBuf {
        PathBuf::from(format!("/nonexistent/{instance_id}.log"))
    }
    fn upstream(&self, instance_id: i64) -> Option<Upstream> {
        self.upstreams.lock().unwrap().get(&instance_id).copied()
    }
    fn is_active(&self, instance_id: i64) -> bool {
        self.upstreams.lock().unwrap().contains_key(&instance_id)
    }
    fn active_ids(&self) -> Vec<i64> {
        self.upstreams.lock().unwrap().keys().copied().collect()
    }
}

struct World {
    app: TestApp,
    runner: Arc<TestRunner>,
    /// `http://127.0.0.1:<port>` of the console and of the apps origin.
    console: String,
    apps: String,
    upstream: SocketAddr,
    signals: Arc<Signals>,
    app_id: i64,
}

impl World {
    async fn new() -> World {
        let console_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let apps_listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let console = format!("http://{}", console_listener.local_addr().unwrap());
        let apps = format!("http://{}", apps_listener.local_addr().unwrap());
        let (c, a) = (console.clone(), apps.clone());
        let app = TestApp::with_config(move |config| {
            config.public_url = c;
            config.apps_url = a;
        })
        .await;
        let runner = Arc::new(TestRunner::default());
        let mut state: AppState = app.state.clone();
        state.runner = runner.clone();
        let console_router = wavehub_server::http::router(state.clone());
        let apps_router = wavehub_server::instances::proxy::router(state.clone());
        tokio::spawn(async move { axum::serve(console_listener, console_router).await.unwrap() });
        tokio::spawn(async move {
            axum::serve(apps_listener, apps_router.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap()
        });
        let signals = Arc::new(Signals::default());
        let upstream = start_upstream(signals.clone()).await;
        app.add_user("owner", PASSWORD, &[Role::User]).await;
        app.add_user("other", PASSWORD, &[Role::User]).await;
        let now = wavehub_server::db::now();
        let app_id: i64 = on_db!(&app.state.db, |pool| sqlx::query_scalar(
            "INSERT INTO apps (name, version, version_key, title, sort_title, description, keywords, owner_id, visibility, sha256, bundle_size, created_at, updated_at) \
             VALUES ('secret-sauce', '1.0.0', '1.0.0', 'Secret Sauce', 'secret sauce', 'd', '[]', NULL, 'ALL_USERS', 'x', 1, $1, $2) RETURNING id",
        )
        .bind(&now)
        .bind(&now).fetch_one(pool).await)
        .unwrap();
        World { app, runner, console, apps, upstream, signals, app_id }
    }

    async fn user_id(&self, username: &str) -> i64 {
        on_db!(&self.app.state.db, |pool| sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(username).fetch_one(pool).await).unwrap()
    }

    /// An instance row of `owner`'s, with the runner pointing at the upstream when it runs.
    async fn instance(&self, owner: &str, visibility: &str, status: &str, kind: Option<UpstreamKind>) -> i64 {
        let now = wavehub_server::db::now();
        let id: i64 = on_db!(&self.app.state.db, |pool| sqlx::query_scalar(
            "INSERT INTO instances (app_id, owner_id, visibility, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(self.app_id)
        .bind(self.user_id(owner).await)
        .bind(visibility)
        .bind(status)
        .bind(&now)
        .bind(&now).fetch_one(pool).await)
        .unwrap();
        if let Some(kind) = kind {
            self.runner.upstreams.lock().unwrap().insert(id, Upstream { address: self.upstream, kind });
        }
        id
    }

    async fn set_visibility(&self, id: i64, visibility: &str) {
        on_db!(&self.app.state.db, |pool| sqlx::query("UPDATE instances SET visibility = $1 WHERE id = $2").bind(visibility).bind(id).execute(pool).await.map(drop)).unwrap();
    }

    /// Signs in on the console over HTTP; returns the `Cookie` value of the console session.
    async fn sign_in(&self, username: &str) -> String {
        let password = if username == "admin" { common::ADMIN_PASSWORD } else { PASSWORD };
        let body = serde_json::to_vec(&json!({"username": username, "password": password})).unwrap();
        let reply = call("POST", &format!("{}/api/v1/auth/login", self.console), &[("Content-Type", "application/json")], Some(body)).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        cookie_pair(reply.header("set-cookie").unwrap()).to_owned()
    }

    /// Follows `/open` on the console to the ticket exchange; returns the exchange's URL.
    async fn ticket_url(&self, console_cookie: &str, id: i64, next: Option<&str>) -> String {
        let query = next.map(|n| format!("?next={}", wavehub_server::instances::proxy::encode_query_value(n))).unwrap_or_default();
        let reply = call("GET", &format!("{}/api/v1/instances/{id}/open{query}", self.console), &[("Cookie", console_cookie)], None).await;
        assert_eq!(reply.status, 303, "{}", reply.text());
        let location = reply.header("location").unwrap().to_owned();
        assert!(location.starts_with(&format!("{}/_wavehub/auth?ticket=", self.apps)), "{location}");
        location
    }

    /// Signs `username` in on the apps origin through instance `id`; returns the apps cookie pair.
    async fn apps_cookie(&self, username: &str, id: i64) -> String {
        let console_cookie = self.sign_in(username).await;
        let ticket_url = self.ticket_url(&console_cookie, id, None).await;
        let reply = call("GET", &ticket_url, &[], None).await;
        assert_eq!(reply.status, 303, "{}", reply.text());
        cookie_pair(reply.header("set-cookie").unwrap()).to_owned()
    }
}

fn cookie_pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').filter_map(|pair| pair.split_once('=')).find(|(n, _)| *n == name).map(|(_, v)| wavehub_core::text::percent_decode(v).expect("a query value in UTF-8"))
}

// ---------------------------------------------------------------------------------------------
// The HTTP client: ureq, redirects not followed, on the blocking pool.

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn all(&self, name: &str) -> Vec<&str> {
        self.headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str()).collect()
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.text()))
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().redirects(0).build()
}

fn reply_of(result: Result<ureq::Response, ureq::Error>) -> (u16, Vec<(String, String)>, ureq::Response) {
    let response = match result {
        Ok(response) => response,
        Err(ureq::Error::Status(_, response)) => response,
        Err(error) => panic!("{error}"),
    };
    let headers = response
        .headers_names()
        .into_iter()
        .flat_map(|name| response.all(&name).into_iter().map(|v| (name.clone(), v.to_owned())).collect::<Vec<_>>())
        .collect();
    (response.status(), headers, response)
}

fn call_blocking(method: &str, url: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> Reply {
    let mut request = agent().request(method, url);
    for (name, value) in headers {
        request = request.set(name, value);
    }
    let result = match body {
        Some(body) => request.send_bytes(&body),
        None => request.call(),
    };
    let (status, headers, response) = reply_of(result);
    let mut body = Vec::new();
    response.into_reader().take(1 << 30).read_to_end(&mut body).unwrap();
    Reply { status, headers, body }
}

async fn call(method: &str, url: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> Reply {
    let (method, url) = (method.to_owned(), url.to_owned());
    let headers: Vec<(String, String)> = headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect();
    tokio::task::spawn_blocking(move || {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        call_blocking(&method, &url, &headers, body)
    })
    .await
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// The upstream: echoes requests, streams bodies, sets cookies, echoes websocket messages.

#[derive(Default)]
struct Signals {
    /// The test has read the first part of `/drip`: the upstream may send the rest.
    release_download: Notify,
    /// The upstream has received the first part of an `/upload-drip`.
    upload_started: Mutex<Option<std::sync::mpsc::Sender<()>>>,
}

async fn start_upstream(signals: Arc<Signals>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = Router::new()
        .route("/instances/{id}/_s/", get(websocket_echo))
        .route("/_s/", get(websocket_echo))
        .fallback(upstream_handler)
        .with_state(signals);
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

/// Refuses a socket whose Origin is not on the Host it was sent to, as waved does.
async fn websocket_echo(headers: HeaderMap, ws: WebSocketUpgrade) -> Response {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if origin.split("://").nth(1) != Some(host.as_str()) {
        return (StatusCode::FORBIDDEN, format!("origin {origin} is not host {host}")).into_response();
    }
    ws.on_upgrade(|mut socket| async move {
        while let Some(Ok(message)) = socket.recv().await {
            match message {
                WsMessage::Close(_) => break,
                WsMessage::Ping(_) | WsMessage::Pong(_) => {}
                echo => {
                    if socket.send(echo).await.is_err() {
                        break;
                    }
                }
            }
        }
    })
    .into_response()
}

const CHUNK: usize = 1 << 20;

async fn upstream_handler(State(signals): State<Arc<Signals>>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    if path.ends_with("/big") {
        // `bytes` bytes of a repeating pattern, in 1 MiB chunks.
        let total: usize = query.strip_prefix("bytes=").unwrap().parse().unwrap();
        let chunks = futures_util::stream::iter((0..total.div_ceil(CHUNK)).map(move |i| {
            let size = CHUNK.min(total - i * CHUNK);
            Ok::<_, std::io::Error>(axum::body::Bytes::from((0..size).map(|j| (j % 251) as u8).collect::<Vec<u8>>()))
        }));
        return axum::body::Body::from_stream(chunks).into_response();
    }
    if path.ends_with("/drip") {
        // "first|", then waits for the test to have read it through the proxy: a proxy that holds
        // the body back until it is complete gets "late" (after 10 s) instead of "rest".
        let chunks = futures_util::stream::unfold(0, move |step| {
            let signals = signals.clone();
            async move {
                match step {
                    0 => Some((Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b"first|")), 1)),
                    1 => {
                        let released = tokio::time::timeout(Duration::from_secs(10), signals.release_download.notified()).await.is_ok();
                        Some((Ok(axum::body::Bytes::from_static(if released { b"rest" } else { b"late" })), 2))
                    }
                    _ => None,
                }
            }
        });
        return axum::body::Body::from_stream(chunks).into_response();
    }
    if path.ends_with("/upload") || path.ends_with("/upload-drip") {
        let mut body = request.into_body().into_data_stream();
        let mut total = 0usize;
        let mut checksum = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.unwrap();
            if total == 0 {
                if let Some(sender) = signals.upload_started.lock().unwrap().take() {
                    let _ = sender.send(());
                }
            }
            checksum = chunk.iter().fold(checksum, |sum, b| sum.wrapping_mul(31).wrapping_add(u64::from(*b)));
            total += chunk.len();
        }
        return axum::Json(json!({"bytes": total, "checksum": checksum})).into_response();
    }
    if path.ends_with("/set-cookie") {
        let mut response = "cookies".into_response();
        for cookie in ["wavehub_session=x; Path=/", "app_pref=dark; Path=/", "wavehub_apps=y", "__Host-wavehub-csrf=z; Secure; Path=/"] {
            response.headers_mut().append(header::SET_COOKIE, cookie.parse().unwrap());
        }
        return response;
    }
    let mut headers = serde_json::Map::new();
    for (name, value) in request.headers() {
        let values = headers.entry(name.as_str()).or_insert_with(|| Value::Array(Vec::new()));
        values.as_array_mut().unwrap().push(Value::String(value.to_str().unwrap_or("?").to_owned()));
    }
    let path_and_query = request.uri().path_and_query().map(|pq| pq.as_str().to_owned()).unwrap_or_default();
    axum::Json(json!({"method": request.method().as_str(), "path": path_and_query, "headers": headers})).into_response()
}

fn echoed_header<'a>(echo: &'a Value, name: &str) -> Option<&'a str> {
    echo["headers"][name].as_array().map(|values| {
        assert_eq!(values.len(), 1, "{name} sent {} times", values.len());
        values[0].as_str().unwrap()
    })
}

// ---------------------------------------------------------------------------------------------
// The tests.

#[tokio::test(flavor = "multi_thread")]
async fn an_owner_opens_an_instance_from_the_console_and_the_app_gets_no_wavehub_credentials() {
    let world = World::new().await;
    let id = world.instance("owner", "PRIVATE", "running", Some(UpstreamKind::Wave)).await;
    let console_cookie = world.sign_in("owner").await;

    // The console's `open` (deep link kept) → the ticket exchange → the app, with an apps cookie.
    let ticket_url = world.ticket_url(&console_cookie, id, Some(&format!("/instances/{id}/page?x=1"))).await;
    assert_eq!(query_param(&ticket_url, "next").unwrap(), format!("/instances/{id}/page?x=1"));
    let exchanged = call("GET", &ticket_url, &[], None).await;
    assert_eq!(exchanged.status, 303, "{}", exchanged.text());
    assert_eq!(exchanged.header("location"), Some(format!("/instances/{id}/page?x=1").as_str()));
    let set_cookie = exchanged.header("set-cookie").unwrap();
    assert!(set_cookie.starts_with("wavehub_apps="), "{set_cookie}");
    for attribute in ["HttpOnly", "Path=/", "SameSite=Lax"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "{set_cookie}");
    let apps_cookie = cookie_pair(set_cookie).to_owned();

    // The browser sends everything it has; the app sees only its own cookie.
    let cookies = format!("{apps_cookie}; {console_cookie}; app_pref=dark");
    let reply = call(
        "GET",
        &format!("{}/instances/{id}/page?x=1", world.apps),
        &[("Cookie", &cookies), ("Authorization", "Bearer wh_not_for_the_app"), ("X-Forwarded-Prefix", "/forged")],
        None,
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(reply.header("x-frame-options").is_none(), "the console's headers stay on the console");
    let echo = reply.json();
    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["path"], format!("/instances/{id}/page?x=1"), "a Wave upstream gets the path unchanged");
    assert_eq!(echoed_header(&echo, "cookie"), Some("app_pref=dark"));
    assert_eq!(echoed_header(&echo, "authorization"), None);
    let apps_host = world.apps.strip_prefix("http://").unwrap();
    assert_eq!(echoed_header(&echo, "host"), Some(apps_host), "Host is the browser's, not the upstream's");
    assert_eq!(echoed_header(&echo, "x-forwarded-host"), Some(apps_host));
    assert_eq!(echoed_header(&echo, "x-forwarded-for"), Some("127.0.0.1"));
    assert_eq!(echoed_header(&echo, "x-forwarded-proto"), Some("http"));
    assert_eq!(echoed_header(&echo, "x-forwarded-prefix"), None, "only plain upstreams get a prefix");

    // Without other cookies the Cookie header is gone; other methods and bodies pass.
    let reply = call("POST", &format!("{}/instances/{id}/form", world.apps), &[("Cookie", &apps_cookie)], Some(b"a=1".to_vec())).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let echo = reply.json();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echoed_header(&echo, "cookie"), None);
    assert_eq!(echoed_header(&echo, "content-length"), Some("3"));

    // The console's cookie alone does not open the app: the visitor goes through `open` again.
    let reply = call("GET", &format!("{}/instances/{id}/", world.apps), &[("Cookie", &console_cookie)], None).await;
    assert_eq!(reply.status, 303);

    // The base path without its slash gets it, query kept.
    let reply = call("GET", &format!("{}/instances/{id}?a=b", world.apps), &[], None).await;
    assert_eq!(reply.status, 301);
    assert_eq!(reply.header("location"), Some(format!("/instances/{id}/?a=b").as_str()));

    // A bearer token opens it the same way as the console's cookie.
    let token_reply = call(
        "POST",
        &format!("{}/api/v1/tokens", world.console),
        &[("Cookie", &console_cookie), ("Content-Type", "application/json")],
        Some(br#"{"name": "script"}"#.to_vec()),
    )
    .await;
    assert!(token_reply.status == 200 || token_reply.status == 201, "{}", token_reply.text());
    let token = token_reply.json()["token"].as_str().unwrap().to_owned();
    let reply = call("GET", &format!("{}/api/v1/instances/{id}/open", world.console), &[("Authorization", &format!("Bearer {token}"))], None).await;
    assert_eq!(reply.status, 303);
    assert!(reply.header("location").unwrap().starts_with(&format!("{}/_wavehub/auth?ticket=", world.apps)));
}

#[tokio::test(flavor = "multi_thread")]
async fn another_user_gets_403_on_a_private_instance_and_in_once_it_is_shared() {
    let world = World::new().await;
    let private = world.instance("owner", "PRIVATE", "running", Some(UpstreamKind::Wave)).await;
    let others_own = world.instance("other", "PRIVATE", "running", Some(UpstreamKind::Wave)).await;
    let cookie = world.apps_cookie("other", others_own).await;
    let url = format!("{}/instances/{private}/", world.apps);

    let reply = call("GET", &url, &[("Cookie", &cookie)], None).await;
    assert_eq!(reply.status, 403);
    assert!(reply.text().contains("other"), "{}", reply.text());
    assert!(!reply.text().contains("Secret Sauce") && !reply.text().contains("secret-sauce"), "the app's name stays hidden: {}", reply.text());

    // The console does not open it for them either: the same page (a browser navigation, not JSON).
    let console_cookie = world.sign_in("other").await;
    let reply = call("GET", &format!("{}/api/v1/instances/{private}/open", world.console), &[("Cookie", &console_cookie)], None).await;
    assert_eq!(reply.status, 403);
    assert!(reply.text().contains("Not shared with you") && !reply.text().contains("Secret Sauce"), "{}", reply.text());

    // Shared, then private again: each request is checked anew.
    world.set_visibility(private, "ALL_USERS").await;
    let reply = call("GET", &url, &[("Cookie", &cookie)], None).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    world.set_visibility(private, "PRIVATE").await;
    assert_eq!(call("GET", &url, &[("Cookie", &cookie)], None).await.status, 403);

    // An admin sees it.
    let admin_cookie = world.apps_cookie("admin", private).await;
    assert_eq!(call("GET", &url, &[("Cookie", &admin_cookie)], None).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn anonymous_visitors_are_sent_to_the_console_to_sign_in() {
    let world = World::new().await;
    let id = world.instance("owner", "ALL_USERS", "running", Some(UpstreamKind::Wave)).await;

    let reply = call("GET", &format!("{}/instances/{id}/page?x=1", world.apps), &[], None).await;
    assert_eq!(reply.status, 303);
    let location = reply.header("location").unwrap();
    assert_eq!(location, format!("{}/api/v1/instances/{id}/open?next=/instances/{id}/page%3Fx%3D1", world.console));
    // A stale or forged apps cookie is no session.
    let reply = call("GET", &format!("{}/instances/{id}/", world.apps), &[("Cookie", "wavehub_apps=forged")], None).await;
    assert_eq!(reply.status, 303);
    // A POST cannot be replayed after signing in: 401.
    assert_eq!(call("POST", &format!("{}/instances/{id}/x", world.apps), &[], Some(b"x".to_vec())).await.status, 401);

    // The console's `open` without a session sends the browser to sign in and come back.
    let reply = call("GET", &format!("{}/api/v1/instances/{id}/open?next=/instances/{id}/page", world.console), &[], None).await;
    assert_eq!(reply.status, 303);
    let location = reply.header("location").unwrap();
    assert!(location.starts_with(&format!("{}/login?next=", world.console)), "{location}");
    assert_eq!(query_param(location, "next").unwrap(), format!("/api/v1/instances/{id}/open?next=/instances/{id}/page"));
    let reply = call("GET", &format!("{}/api/v1/instances/{id}/open", world.console), &[("Cookie", "wavehub_session=expired")], None).await;
    assert_eq!(reply.status, 303);
    assert_eq!(query_param(reply.header("location").unwrap(), "next").unwrap(), format!("/api/v1/instances/{id}/open"));
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_ended_starting_and_unreachable_instances() {
    let world = World::new().await;
    let running = world.instance("owner", "PRIVATE", "running", Some(UpstreamKind::Wave)).await;
    let cookie = world.apps_cookie("owner", running).await;
    let get = |id: i64| {
        let url = format!("{}/instances/{id}/", world.apps);
        let cookie = cookie.clone();
        async move { call("GET", &url, &[("Cookie", &cookie)], None).await }
    };

    assert_eq!(get(9999).await.status, 404);

    let terminated = world.instance("owner", "PRIVATE", "terminated", None).await;
    let reply = get(terminated).await;
    assert_eq!(reply.status, 410);
    assert!(reply.text().contains(&format!("{}/instances", world.console)), "{}", reply.text());
    // An ended instance gets no traffic even if the runner still names an address.
    let failed = world.instance("owner", "PRIVATE", "failed", Some(UpstreamKind::Wave)).await;
    assert_eq!(get(failed).await.status, 410);

    let starting = world.instance("owner", "PRIVATE", "starting", None).await;
    let reply = get(starting).await;
    assert_eq!(reply.status, 503);
    assert_eq!(reply.header("retry-after"), Some("2"));

    let unknown_to_the_runner = world.instance("owner", "PRIVATE", "running", None).await;
    assert_eq!(get(unknown_to_the_runner).await.status, 404);

    let gone = world.instance("owner", "PRIVATE", "running", None).await;
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap();
    world.runner.upstreams.lock().unwrap().insert(gone, Upstream { address: closed, kind: UpstreamKind::Wave });
    let reply = get(gone).await;
    assert_eq!(reply.status, 502);
    assert!(reply.header("content-type").unwrap().starts_with("text/html"));

    // The console will not open what does not run.
    let console_cookie = world.sign_in("owner").await;
    let reply = call("GET", &format!("{}/api/v1/instances/{terminated}/open", world.console), &[("Cookie", &console_cookie)], None).await;
    assert_eq!(reply.status, 410, "{}", reply.text());
    assert!(reply.text().contains("This app has ended"));
    let reply = call("GET", &format!("{}/api/v1/instances/9999/open", world.console), &[("Cookie", &console_cookie)], None).await;
    assert_eq!(reply.status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_works_once_and_not_after_it_expires() {
    let world = World::new().await;
    let id = world.instance("owner", "PRIVATE", "running", Some(UpstreamKind::Wave)).await;
    let console_cookie = world.sign_in("owner").await;

    let ticket_url = world.ticket_url(&console_cookie, id, None).await;
    let ticket = query_param(&ticket_url, "ticket").unwrap();
    let stored: Vec<String> = on_db!(&world.app.state.db, |pool| sqlx::query_scalar("SELECT ticket_hash FROM app_tickets").fetch_all(pool).await).unwrap();
    assert_eq!(stored, [wavehub_server::accounts::auth::secret_hash(&ticket)], "tickets are stored hashed");
    assert_eq!(call("GET", &ticket_url, &[], None).await.status, 303);
    let again = call("GET", &ticket_url, &[], None).await;
    assert_eq!(again.status, 403);
    assert!(again.header("set-cookie").is_none());
    assert!(again.text().contains("expired") && again.text().contains(&format!("{}/instances", world.console)), "{}", again.text());

    let ticket_url = world.ticket_url(&console_cookie, id, None).await;
    on_db!(&world.app.state.db, |pool| sqlx::query("UPDATE app_tickets SET expires_at = '2000-01-01T00:00:00Z'").execute(pool).await.map(drop)).unwrap();
    assert_eq!(call("GET", &ticket_url, &[], None).await.status, 403);

    for url in [format!("{}/_wavehub/auth", world.apps), format!("{}/_wavehub/auth?ticket=nonsense", world.apps)] {
        assert_eq!(call("GET", &url, &[], None).await.status, 403, "{url}");
    }
    // An app session ends with its lifetime.
    let cookie = world.apps_cookie("owner", id).await;
    let url = format!("{}/instances/{id}/", world.apps);
    assert_eq!(call("GET", &url, &[("Cookie", &cookie)], None).await.status, 200);
    on_db!(&world.app.state.db, |pool| sqlx::query("UPDATE app_sessions SET expires_at = '2000-01-01T00:00:00Z'").execute(pool).await.map(drop)).unwrap();
    assert_eq!(call("GET", &url, &[("Cookie", &cookie)], None).await.status, 303);
}

#[tokio::test(flavor = "multi_thread")]
async fn next_cannot_point_off_the_instance() {
    let world = World::new().await;
    let id = world.instance("owner", "PRIVATE", "running", Some(UpstreamKind::Wave)).await;
    let other = world.instance("owner", "PRIVATE", "running", Some(UpstreamKind::Wave)).await;
    let console_cookie = world.sign_in("owner").await;
    let base = format!("/instances/{id}/");

    for hostile in [
        format!("/instances/{other}/"),
        "https://evil.example/".to_owned(),
        "//evil.example/x".to_owned(),
        format!("/instances/{id}/../../_wavehub/auth"),
        format!("/instances/{id}/%2e%2e/%2e%2e/x"),
        format!("/instances/{id}"),
    ] {
        let ticket_url = world.ticket_url(&console_cookie, id, Some(&hostile)).await;
        assert_eq!(query_param(&ticket_url, "next").unwrap(), base, "{hostile}");
    }

    // The exchange checks `next` too: only paths under /instances/.
    for (hostile, expected) in [
        ("https://evil.example/", base.clone()),
        ("//evil.example/", base.clone()),
        ("/_wavehub/auth", base.clone()),
        ("/\\evil.example", base.clone()),
        ("/instances/../x", base.clone()),
    ] {
        let ticket_url = world.ticket_url(&console_cookie, id, None).await;
        let ticket = query_param(&ticket_url, "ticket").unwrap();
        let url = format!("{}/_wavehub/auth?ticket={ticket}&next={}", world.apps, wavehub_server::instances::proxy::encode_query_value(hostile));
        let reply = call("GET", &url, &[], None).await;
        assert_eq!(reply.status, 303);
        assert_eq!(reply.header("location"), Some(expected.as_str()), "{hostile}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_upstream_sees_the_path_without_the_prefix() {
    let world = World::new().await;
    let id = world.instance("owner", "PRIVATE", "running", Some(UpstreamKind::Plain)).await;
    let cookie = world.apps_cookie("owner", id).await;

    let echo = call("GET", &format!("{}/instances/{id}/x/y?z=1", world.apps), &[("Cookie", &cookie)], None).await.json();
    assert_eq!(echo["path"], "/x/y?z=1");
    assert_eq!(echoed_header(&echo, "x-forwarded-prefix"), Some(format!("/instances/{id}").as_str()));
    let echo = call("GET", &format!("{}/instances/{id}/", world.apps), &[("Cookie", &cookie)], None).await.json();
    assert_eq!(echo["path"], "/");
    let echo = call("GET", &format!("{}/instances/{id}/?q=1", world.apps), &[("Cookie", &cookie)], None).await.json();
    assert_eq!(echo["path"], "/?q=1");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_cannot_set_wavehub_cookies() {
    let world = World::new().await;
    let id = world.instance("owner", "PRIVATE", "running", Some(UpstreamKind::Wave)).await;
    let cookie = world.apps_cookie("owner", id).await;
    let reply = call("GET", &format!("{}/instances/{id}/set-cookie", world.apps), &[("Cookie", &cookie)], None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.all("set-cookie"), ["app_pref=dark; Path=/"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_stream_through_both_ways() {
    let world = World::new().await;
    let id = world.instance("owner", "PRIVATE", "running", Some(UpstreamKind::Wave)).await;
    let cookie = world.apps_cookie("owner", id).await;

    // Download: the first part arrives before the upstream has sent the rest.
    let url = format!("{}/instances/{id}/drip", world.apps);
    let (signals, c) = (world.signals.clone(), cookie.clone());
    let body = tokio::task::spawn_blocking(move || {
        let (status, _, response) = reply_of(agent().get(&url).set("Cookie", &c).call());
        assert_eq!(status, 200);
        let mut reader = response.into_reader();
        let mut first = [0u8; 6];
        reader.read_exact(&mut first).unwrap();
        signals.release_download.notify_one();
        let mut rest = String::new();
        reader.read_to_string(&mut rest).unwrap();
        format!("{}{rest}", String::from_utf8_lossy(&first))
    })
    .await
    .unwrap();
    assert_eq!(body, "first|rest", "the proxy held the response back");

    // A large download, byte for byte.
    let total = 64 << 20;
    let reply = call("GET", &format!("{}/instances/{id}/big?bytes={total}", world.apps), &[("Cookie", &cookie)], None).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.len(), total);
    assert!(reply.body.iter().enumerate().all(|(i, b)| *b == ((i % CHUNK) % 251) as u8));

    // Upload (chunked, of unknown length): the upstream gets the first part while the client still
    // holds the rest back.
    let (sender, receiver) = std::sync::mpsc::channel();
    *world.signals.upload_started.lock().unwrap() = Some(sender);
    let held_back_in_vain = Arc::new(AtomicBool::new(false));
    let total = 64 << 20;
    let reader = DripReader { sent: 0, total, first: 64 << 10, started: Some(receiver), timed_out: held_back_in_vain.clone() };
    let url = format!("{}/instances/{id}/upload-drip", world.apps);
    let c = cookie.clone();
    let echo: Value = tokio::task::spawn_blocking(move || {
        let (status, _, response) = reply_of(agent().post(&url).set("Cookie", &c).send(reader));
        assert_eq!(status, 200);
        response.into_json().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(echo["bytes"], total);
    let expected = (0..total).fold(0u64, |sum, i| sum.wrapping_mul(31).wrapping_add(u64::from(pattern(i))));
    assert_eq!(echo["checksum"], expected);
    assert!(!held_back_in_vain.load(Ordering::SeqCst), "the proxy waited for the whole upload before forwarding it");
}

fn pattern(i: usize) -> u8 {
    (i % 253) as u8
}

/// `total` bytes of [`pattern`]; after the first `first` bytes it waits (up to 10 s) until the
/// upstream says it has them.
struct DripReader {
    sent: usize,
    total: usize,
    first: usize,
    started: Option<std::sync::mpsc::Receiver<()>>,
    timed_out: Arc<AtomicBool>,
}

impl Read for DripReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.sent == self.first {
            if let Some(started) = self.started.take() {
                if started.recv_timeout(Duration::from_secs(10)).is_err() {
                    self.timed_out.store(true, Ordering::SeqCst);
                }
            }
        }
        let limit = if self.sent < self.first { self.first } else { self.total };
        let n = buf.len().min(limit - self.sent);
        for (k, byte) in buf[..n].iter_mut().enumerate() {
            *byte = pattern(self.sent + k);
        }
        self.sent += n;
        Ok(n)
    }
}

async fn websocket(world: &World, id: i64, cookie: Option<&str>) -> Result<tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>, tokio_tungstenite::tungstenite::Error> {
    let url = format!("{}/instances/{id}/_s/", world.apps.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    request.headers_mut().insert("Origin", world.apps.parse().unwrap());
    if let Some(cookie) = cookie {
        request.headers_mut().insert("Cookie", cookie.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request).await.map(|(socket, _)| socket)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_websocket_frame_of_3_mb_round_trips_through_the_proxy() {
    let world = World::new().await;
    let id = world.instance("owner", "PRIVATE", "running", Some(UpstreamKind::Wave)).await;
    let cookie = world.apps_cookie("owner", id).await;

    let mut socket = websocket(&world, id, Some(&cookie)).await.expect("the handshake goes through (Host kept, so Origin matches)");
    socket.send(Message::text("+ /instances/ #")).await.unwrap();
    assert_eq!(socket.next().await.unwrap().unwrap(), Message::text("+ /instances/ #"));
    let big: Vec<u8> = (0..3 * 1024 * 1024).map(|i| (i % 241) as u8).collect();
    socket.send(Message::binary(big.clone())).await.unwrap();
    match socket.next().await.unwrap().unwrap() {
        Message::Binary(bytes) => assert!(bytes[..] == big[..], "the 3 MB frame came back changed"),
        other => panic!("expected the binary frame back, got {other:?}"),
    }
    socket.close(None).await.unwrap();

    // Without a session there is no socket.
    assert!(websocket(&world, id, None).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open_websocket_closes_when_its_visitor_loses_access() {
    let world = World::new().await;
    let id = world.instance("owner", "ALL_USERS", "running", Some(UpstreamKind::Wave)).await;
    let cookie = world.apps_cookie("other", id).await;
    let mut socket = websocket(&world, id, Some(&cookie)).await.unwrap();
    socket.send(Message::text("hi")).await.unwrap();
    assert_eq!(socket.next().await.unwrap().unwrap(), Message::text("hi"));

    world.set_visibility(id, "PRIVATE").await;
    let recheck = wavehub_server::instances::proxy::WEBSOCKET_RECHECK;
    let ended = tokio::time::timeout(recheck * 3, async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the socket stayed open after the instance was made private");
}
