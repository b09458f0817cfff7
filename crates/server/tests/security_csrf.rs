//! Cross-site writes (issue 13, item 2): a page on another origin (or another port of the same
//! site, like the apps origin) must not import, terminate, sign out or change runtime images with
//! the visitor's session cookie. The console's own pages, and bearer-token clients, keep working.

mod common;

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use common::{TestApp, ADMIN_PASSWORD};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;
use wavehub_core::package::package_files;
use wavehub_server::on_db;

const CONSOLE: &str = "http://127.0.0.1:8080";
const EVIL: &str = "http://evil.example";
const WS: &str = "/api/v1/workspaces/default";

/// Where a request says it comes from.
#[derive(Clone, Copy, Debug)]
enum From {
    /// Neither `Origin` nor `Sec-Fetch-Site` (curl, the CLI, old clients).
    Nowhere,
    Origin(&'static str),
    SecFetchSite(&'static str),
}

#[derive(Clone, Copy, Debug)]
enum Auth<'a> {
    Cookie(&'a str),
    Bearer(&'a str),
}

/// The request bodies the web app and the CLI send.
enum Payload {
    Empty,
    Json(Value),
    Zip(Vec<u8>),
    /// What an HTML form on another site can send without a CORS preflight.
    Text(&'static str),
}

struct Reply {
    status: StatusCode,
    body: Value,
    content_type: String,
}

async fn send(app: &TestApp, method: Method, path: &str, from: From, auth: Option<Auth<'_>>, payload: Payload) -> Reply {
    let mut request = Request::builder().method(method).uri(path).header(header::HOST, "127.0.0.1:8080");
    request = match from {
        From::Nowhere => request,
        From::Origin(origin) => request.header(header::ORIGIN, origin),
        From::SecFetchSite(site) => request.header("sec-fetch-site", site),
    };
    request = match auth {
        Some(Auth::Cookie(cookie)) => request.header(header::COOKIE, cookie),
        Some(Auth::Bearer(token)) => request.header(header::AUTHORIZATION, format!("Bearer {token}")),
        None => request,
    };
    let request = match payload {
        Payload::Empty => request.body(Body::empty()),
        Payload::Json(json) => request.header(header::CONTENT_TYPE, "application/json").body(Body::from(json.to_string())),
        Payload::Zip(bytes) => request.header(header::CONTENT_TYPE, "application/zip").body(Body::from(bytes)),
        Payload::Text(text) => request.header(header::CONTENT_TYPE, "text/plain").body(Body::from(text)),
    }
    .unwrap();
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null), content_type }
}

/// A small valid bundle; `version` keeps imports apart.
fn bundle(version: &str) -> Vec<u8> {
    let toml = format!(
        "[App]\nName = \"ai.wavehub.csrf\"\nVersion = \"{version}\"\nTitle = \"CSRF\"\nDescription = \"d\"\n\n\
         [Runtime]\nModule = \"app\"\n"
    );
    package_files(&[("app.toml".to_owned(), toml.into_bytes()), ("app.py".to_owned(), b"print('hi')\n".to_vec())]).unwrap()
}

/// A running instance row (no process: terminate only has to find it running).
async fn running_instance(app: &TestApp, app_id: i64) -> i64 {
    let now = wavehub_server::db::now();
    on_db!(&app.state.db, |pool| sqlx::query_scalar(
        "INSERT INTO instances (app_id, owner_id, visibility, status, created_at, updated_at) \
         VALUES ($1, (SELECT id FROM users WHERE username = 'admin'), 'PRIVATE', 'running', $2, $3) RETURNING id",
    )
    .bind(app_id)
    .bind(&now)
    .bind(&now).fetch_one(pool).await)
    .unwrap()
}

/// A server with an imported app, a running instance of it and runtime image `py` in `default`;
/// returns the admin's cookie too.
async fn world() -> (TestApp, String, i64, i64) {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let imported = send(&app, Method::POST, "/api/v1/apps", From::Nowhere, Some(Auth::Cookie(&admin)), Payload::Zip(bundle("0.0.1"))).await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.body);
    let app_id = imported.body["id"].as_i64().unwrap();
    let instance = running_instance(&app, app_id).await;
    let image = json!({"uid": "py", "name": "Python", "docker_image": "python:v3.12.0"});
    let created = send(&app, Method::POST, &format!("{WS}/runtime-images"), From::Nowhere, Some(Auth::Cookie(&admin)), Payload::Json(image)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    (app, admin, app_id, instance)
}

fn assert_refused(reply: &Reply, what: &str, because: &str) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{what}: {}", reply.body);
    assert_eq!(reply.content_type, "application/problem+json", "{what}");
    let detail = reply.body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(because) && detail.contains(CONSOLE), "{what}: the problem says why: {detail}");
}

/// The four writes the issue names, as a page on another site would make them (a form can send
/// `text/plain` or nothing, without a preflight), each refused, and nothing changed.
async fn cross_site_writes_are_refused(from: From, because: &str) {
    let (app, admin, _, instance) = world().await;
    let cookie = Some(Auth::Cookie(&admin));
    let import = send(&app, Method::POST, "/api/v1/apps", from, cookie, Payload::Zip(bundle("6.6.6"))).await;
    assert_refused(&import, "import", because);
    let terminate = send(&app, Method::POST, &format!("/api/v1/instances/{instance}/terminate"), from, cookie, Payload::Empty).await;
    assert_refused(&terminate, "terminate", because);
    let logout = send(&app, Method::POST, "/api/v1/auth/logout", from, cookie, Payload::Text("x")).await;
    assert_refused(&logout, "logout", because);
    for action in ["disable", "deprecate"] {
        let path = format!("{WS}/runtime-images/py/{action}");
        let reply = send(&app, Method::POST, &path, from, cookie, Payload::Text("{\"reason\": \"x\"}")).await;
        assert_refused(&reply, action, because);
    }
    let delete = send(&app, Method::DELETE, &format!("{WS}/runtime-images/py"), from, cookie, Payload::Empty).await;
    assert_refused(&delete, "delete image", because);

    // Nothing happened: one app, the instance runs, the session lives, the image is active.
    let apps = send(&app, Method::GET, "/api/v1/apps", From::Nowhere, cookie, Payload::Empty).await;
    assert_eq!(apps.body["total"], 1, "{}", apps.body);
    let got = send(&app, Method::GET, &format!("/api/v1/instances/{instance}"), From::Nowhere, cookie, Payload::Empty).await;
    assert_eq!(got.body["status"], "running", "{}", got.body);
    let image = send(&app, Method::GET, &format!("{WS}/runtime-images/py"), From::Nowhere, cookie, Payload::Empty).await;
    assert_eq!(image.status, StatusCode::OK, "the session still works: {}", image.body);
    assert_eq!(image.body["state"], "ACTIVE", "{}", image.body);
}

#[tokio::test]
async fn writes_with_another_origin_are_refused() {
    cross_site_writes_are_refused(From::Origin(EVIL), EVIL).await;
}

#[tokio::test]
async fn writes_from_the_apps_origin_are_refused() {
    // Same site (cookies go along despite SameSite=Strict), another origin.
    cross_site_writes_are_refused(From::Origin("http://127.0.0.1:8081"), "http://127.0.0.1:8081").await;
    cross_site_writes_are_refused(From::Origin("null"), "null").await;
}

#[tokio::test]
async fn writes_that_sec_fetch_site_calls_cross_site_are_refused() {
    cross_site_writes_are_refused(From::SecFetchSite("cross-site"), "cross-site").await;
    cross_site_writes_are_refused(From::SecFetchSite("same-site"), "same-site").await;
}

/// The console's own pages send `Origin` (or at least `Sec-Fetch-Site: same-origin`) with every write.
#[tokio::test]
async fn the_consoles_own_writes_work() {
    for from in [From::Origin(CONSOLE), From::SecFetchSite("same-origin"), From::Origin("http://wavehub.internal:8080")] {
        let (app, admin, _, instance) = world().await;
        // Reached by another name: the request's own Host is its origin too.
        let host = matches!(from, From::Origin("http://wavehub.internal:8080"));
        let cookie = Some(Auth::Cookie(&admin));
        let call = async |method: Method, path: &str, payload: Payload| {
            if host {
                let request = Request::builder()
                    .method(method)
                    .uri(path)
                    .header(header::HOST, "wavehub.internal:8080")
                    .header(header::ORIGIN, "http://wavehub.internal:8080")
                    .header(header::COOKIE, &admin);
                let request = match payload {
                    Payload::Zip(bytes) => request.header(header::CONTENT_TYPE, "application/zip").body(Body::from(bytes)),
                    Payload::Json(json) => request.header(header::CONTENT_TYPE, "application/json").body(Body::from(json.to_string())),
                    _ => request.body(Body::empty()),
                }
                .unwrap();
                let response = app.router.clone().oneshot(request).await.unwrap();
                let status = response.status();
                let bytes = response.into_body().collect().await.unwrap().to_bytes();
                Reply { status, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null), content_type: String::new() }
            } else {
                send(&app, method, path, from, cookie, payload).await
            }
        };
        let import = call(Method::POST, "/api/v1/apps", Payload::Zip(bundle("1.0.0"))).await;
        assert_eq!(import.status, StatusCode::CREATED, "{from:?} import: {}", import.body);
        let terminate = call(Method::POST, &format!("/api/v1/instances/{instance}/terminate"), Payload::Empty).await;
        assert_eq!(terminate.status, StatusCode::OK, "{from:?} terminate: {}", terminate.body);
        assert_eq!(terminate.body["status"], "terminated");
        let disable = call(Method::POST, &format!("{WS}/runtime-images/py/disable"), Payload::Json(json!({"reason": "CVE"}))).await;
        assert_eq!(disable.status, StatusCode::OK, "{from:?} disable: {}", disable.body);
        let enable = call(Method::POST, &format!("{WS}/runtime-images/py/enable"), Payload::Empty).await;
        assert_eq!((enable.status, &enable.body["state"]), (StatusCode::OK, &json!("ACTIVE")), "{from:?} enable: {}", enable.body);
        let logout = call(Method::POST, "/api/v1/auth/logout", Payload::Empty).await;
        assert_eq!(logout.status, StatusCode::NO_CONTENT, "{from:?} logout: {}", logout.body);
        let me = send(&app, Method::GET, "/api/v1/me", From::Nowhere, cookie, Payload::Empty).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "{from:?}: signed out");
    }
}

/// The CLI and scripts use an API token and send no Origin; a token request is never a forgery
/// (a page cannot add `Authorization` without a preflight), so even a stray Origin does not matter.
#[tokio::test]
async fn bearer_token_writes_work_without_origin() {
    let (app, admin, _, instance) = world().await;
    let made = send(&app, Method::POST, "/api/v1/tokens", From::Origin(CONSOLE), Some(Auth::Cookie(&admin)), Payload::Json(json!({"name": "ci"}))).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let token = made.body["token"].as_str().unwrap().to_owned();
    let bearer = Some(Auth::Bearer(&token));
    let import = send(&app, Method::POST, "/api/v1/apps", From::Nowhere, bearer, Payload::Zip(bundle("2.0.0"))).await;
    assert_eq!(import.status, StatusCode::CREATED, "{}", import.body);
    let reason = Payload::Json(json!({"reason": "CVE"}));
    let disable = send(&app, Method::POST, &format!("{WS}/runtime-images/py/disable"), From::Nowhere, bearer, reason).await;
    assert_eq!(disable.status, StatusCode::OK, "{}", disable.body);
    let enable = send(&app, Method::POST, &format!("{WS}/runtime-images/py/enable"), From::Origin(EVIL), bearer, Payload::Empty).await;
    assert_eq!(enable.status, StatusCode::OK, "{}", enable.body);
    let terminate = send(&app, Method::POST, &format!("/api/v1/instances/{instance}/terminate"), From::Nowhere, bearer, Payload::Empty).await;
    assert_eq!(terminate.status, StatusCode::OK, "{}", terminate.body);
    let logout = send(&app, Method::POST, "/api/v1/auth/logout", From::Nowhere, bearer, Payload::Empty).await;
    assert_eq!(logout.status, StatusCode::NO_CONTENT, "{}", logout.body);
}

/// Signing in from another site (login CSRF: the victim ends up in the attacker's account) is
/// refused; plain POSTs without Origin (the CLI, the tests) and the console's own page sign in.
#[tokio::test]
async fn sign_in_from_another_origin_is_refused() {
    let app = TestApp::new().await;
    let credentials = || Payload::Json(json!({"username": "admin", "password": ADMIN_PASSWORD}));
    let evil = send(&app, Method::POST, "/api/v1/auth/login", From::Origin(EVIL), None, credentials()).await;
    assert_refused(&evil, "login", EVIL);
    let cross = send(&app, Method::POST, "/api/v1/auth/login", From::SecFetchSite("cross-site"), None, credentials()).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    for from in [From::Nowhere, From::Origin(CONSOLE), From::SecFetchSite("same-origin")] {
        let reply = send(&app, Method::POST, "/api/v1/auth/login", from, None, credentials()).await;
        assert_eq!(reply.status, StatusCode::OK, "{from:?}: {}", reply.body);
    }
}

/// Reading is not a write: GETs with any Origin are answered as before.
#[tokio::test]
async fn reads_are_not_checked() {
    let (app, admin, _, _) = world().await;
    let reply = send(&app, Method::GET, "/api/v1/me", From::Origin(EVIL), Some(Auth::Cookie(&admin)), Payload::Empty).await;
    assert_eq!(reply.status, StatusCode::OK);
}
