//! What the console's answers carry: the web app's Content-Security-Policy (no inline script but
//! trunk's loader, by hash; no framing), CDN-style caching and precompressed assets, the API's
//! own headers, and 415 for bodies that do not say they are JSON.

mod common;

use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use common::{TestApp, ADMIN_PASSWORD};
use sha2::{Digest, Sha256};

/// An `index.html` the way trunk writes it: the inline module loader and hashed assets.
const INDEX: &str = "<!DOCTYPE html><html><head><title>Wavehub</title>\n<script type=\"module\">\n\
                     import init from '/wavehub-web-0123456789abcdef.js';\nawait init();\n</script>\n\
                     <link rel=\"stylesheet\" href=\"/main-9a3969bd50c17ab.css\"></head><body></body></html>";
const WASM_JS: &str = "/wavehub-web-0123456789abcdef.js";

/// A server whose web app folder holds [`INDEX`], a hashed script with brotli and gzip copies
/// (their bytes mark which one was sent), and a file without a hash.
async fn server_with_built_web_app() -> (TestApp, tempfile::TempDir) {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), INDEX).unwrap();
    std::fs::write(dist.path().join(&WASM_JS[1..]), "export default function init() {}").unwrap();
    std::fs::write(dist.path().join(format!("{}.br", &WASM_JS[1..])), "brotli bytes").unwrap();
    std::fs::write(dist.path().join(format!("{}.gz", &WASM_JS[1..])), "gzip bytes").unwrap();
    std::fs::write(dist.path().join("robots.txt"), "User-agent: *\n").unwrap();
    let static_dir = dist.path().to_path_buf();
    let app = TestApp::with_config(|config| config.static_dir = static_dir).await;
    (app, dist)
}

async fn get(app: &TestApp, path: &str, headers: &[(header::HeaderName, &str)]) -> common::Reply {
    let mut request = TestApp::request_as(Method::GET, path, None);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    app.send_request(request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn pages_allow_only_the_loader_script_by_its_hash_and_no_framing() {
    let (app, _dist) = server_with_built_web_app().await;
    let loader = "\nimport init from '/wavehub-web-0123456789abcdef.js';\nawait init();\n";
    use base64::Engine as _;
    let hash = format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(loader)));
    for path in ["/", "/apps/42", "/admin/secrets"] {
        let page = get(&app, path, &[]).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let policy = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.contains(&format!("script-src 'self' 'wasm-unsafe-eval' {hash};")), "{path}: {policy}");
        for directive in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "style-src 'self';"] {
            assert!(policy.contains(directive), "{path}: {directive} in {policy}");
        }
        assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");
        assert_eq!(page.headers[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(page.headers[header::CACHE_CONTROL], "private, no-cache");
    }
}

#[tokio::test]
async fn index_html_revalidates_with_its_etag() {
    let (app, _dist) = server_with_built_web_app().await;
    let first = get(&app, "/", &[]).await;
    let etag = first.headers[header::ETAG].to_str().unwrap().to_owned();
    assert_eq!(first.text, INDEX);
    let again = get(&app, "/catalog", &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.bytes.is_empty());
    let weak = get(&app, "/", &[(header::IF_NONE_MATCH, &format!("\"other\", W/{etag}"))]).await;
    assert_eq!(weak.status, StatusCode::NOT_MODIFIED);
    let changed = get(&app, "/", &[(header::IF_NONE_MATCH, "\"an-older-build\"")]).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_eq!(changed.text, INDEX);
}

/// The first paint's key in a page, if it has one.
fn first_paint_key(page: &common::Reply) -> Option<String> {
    let rest = page.text.split("<meta name=\"wavehub-first-paint\" content=\"").nth(1)?;
    Some(rest.split('"').next().unwrap().to_owned())
}

#[tokio::test]
async fn the_front_page_carries_its_first_paint_key_for_a_signed_in_browser() {
    let (app, _dist) = server_with_built_web_app().await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let key_of = |session: String| {
        let app = &app;
        async move { first_paint_key(&get(app, "/", &[(header::COOKIE, &session)]).await) }
    };
    let visitor = get(&app, "/", &[]).await;
    assert_eq!((visitor.text.as_str(), first_paint_key(&visitor)), (INDEX, None), "a visitor gets the page as built");

    let front = get(&app, "/", &[(header::COOKIE, &admin)]).await;
    let key = first_paint_key(&front).expect("a key for a signed-in browser");
    assert_eq!(front.text, INDEX.replace("</head>", &format!("<meta name=\"wavehub-first-paint\" content=\"{key}\">\n</head>")));
    assert_eq!(front.headers[header::CACHE_CONTROL], "private, no-cache");
    assert_eq!(front.headers[header::VARY], "cookie");
    assert_ne!(front.headers[header::ETAG], visitor.headers[header::ETAG]);
    let etag = front.headers[header::ETAG].to_str().unwrap().to_owned();
    let again = get(&app, "/", &[(header::COOKIE, &admin), (header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED, "nothing changed: the same key, the same ETag");
    // Only the front page has a first paint, and only a browser's session gets one.
    for path in ["/?q=churn", "/login", "/apps/42"] {
        assert_eq!(first_paint_key(&get(&app, path, &[(header::COOKIE, &admin)]).await), None, "{path}");
    }
    let token = app.call(Method::POST, "/api/v1/tokens", Some(serde_json::json!({"name": "t"})), Some(&admin)).await;
    let bearer = format!("Bearer {}", token.body["token"].as_str().unwrap());
    assert_eq!(first_paint_key(&get(&app, "/", &[(header::AUTHORIZATION, &bearer)]).await), None);

    // Anything the front page shows moves it: a new tag, a tag's color, the catalog's rows.
    let created = app.call(Method::POST, "/api/v1/tags", Some(serde_json::json!({"name": "PAINT", "color": "#112233"})), Some(&admin)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let after_tag = key_of(admin.clone()).await.unwrap();
    assert_ne!(after_tag, key);
    app.call(Method::PATCH, "/api/v1/tags/PAINT", Some(serde_json::json!({"color": "#445566"})), Some(&admin)).await;
    let after_color = key_of(admin.clone()).await.unwrap();
    assert_ne!(after_color, after_tag);
    let user = serde_json::json!({"username": "plain", "password": "a long enough password", "roles": ["user"]});
    assert_eq!(app.call(Method::POST, "/api/v1/users", Some(user), Some(&admin)).await.status, StatusCode::CREATED);
    let after_users = key_of(admin.clone()).await.unwrap();
    assert_ne!(after_users, after_color, "a new user moves the catalog's change count");
    // Another user's key is theirs; a signed-out session has none.
    let plain = app.sign_in("plain", "a long enough password").await;
    assert_ne!(key_of(plain.clone()).await.unwrap(), after_users);
    app.call(Method::POST, "/api/v1/auth/logout", None, Some(&plain)).await;
    assert_eq!(key_of(plain).await, None);
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_sent_precompressed_as_the_browser_prefers() {
    let (app, _dist) = server_with_built_web_app().await;
    let brotli = get(&app, WASM_JS, &[(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")]).await;
    assert_eq!(brotli.status, StatusCode::OK);
    assert_eq!(brotli.text, "brotli bytes");
    assert_eq!(brotli.headers[header::CONTENT_ENCODING], "br");
    assert_eq!(brotli.headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
    assert!(brotli.headers[header::CONTENT_TYPE].to_str().unwrap().contains("javascript"), "{:?}", brotli.headers);
    assert!(brotli.headers.get_all(header::VARY).iter().any(|v| v.to_str().unwrap().to_ascii_lowercase().contains("accept-encoding")));

    let gzip = get(&app, WASM_JS, &[(header::ACCEPT_ENCODING, "gzip")]).await;
    assert_eq!((gzip.text.as_str(), &gzip.headers[header::CONTENT_ENCODING]), ("gzip bytes", &"gzip".parse().unwrap()));
    let plain = get(&app, WASM_JS, &[]).await;
    assert_eq!(plain.text, "export default function init() {}");
    assert!(plain.headers.get(header::CONTENT_ENCODING).is_none());

    // A file trunk did not name by its content may change under the same name.
    let robots = get(&app, "/robots.txt", &[]).await;
    assert_eq!(robots.headers[header::CACHE_CONTROL], "no-cache");
    // A hashed name that is not there is a page of the web app, which must not be cached for a year.
    let missing = get(&app, "/gone-0123456789abcdef.js", &[]).await;
    assert_eq!(missing.headers[header::CACHE_CONTROL], "private, no-cache");
}

#[tokio::test]
async fn api_answers_are_never_cached_rendered_or_framed() {
    let (app, _dist) = server_with_built_web_app().await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    for (path, auth) in [("/api/v1/health", None), ("/api/v1/me", Some(admin.as_str())), ("/api/v1/nope", None)] {
        let reply = app.call(Method::GET, path, None, auth).await;
        assert_eq!(reply.headers.get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap()), Some("no-store"), "{path}: {:?}", reply.headers);
        assert_eq!(reply.headers[header::CONTENT_SECURITY_POLICY], "default-src 'none'; frame-ancestors 'none'", "{path}");
        assert_eq!(reply.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
    }
    assert!(app.call(Method::GET, "/api/v1/health", None, None).await.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
}

#[tokio::test]
async fn the_console_behind_https_asks_for_https_only() {
    let app = TestApp::with_config(|config| config.public_url = "https://wavehub.example.com".into()).await;
    let reply = app.call(Method::GET, "/api/v1/health", None, None).await;
    assert_eq!(reply.headers[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000");
}

#[tokio::test]
async fn bodies_that_do_not_say_they_are_json_get_415() {
    let app = TestApp::new().await;
    let admin = app.sign_in("admin", ADMIN_PASSWORD).await;
    let send = |path: &'static str, content_type: Option<&'static str>, body: &'static str| {
        let mut request = TestApp::request_as(Method::POST, path, Some(&admin));
        if let Some(content_type) = content_type {
            request = request.header(header::CONTENT_TYPE, content_type);
        }
        app.send_request(request.body(Body::from(body)).unwrap())
    };
    // An endpoint whose body is required...
    let login = send("/api/v1/auth/login", Some("text/plain"), r#"{"username":"admin","password":"x"}"#).await;
    assert_eq!(login.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", login.text);
    assert!(login.text.contains("Content-Type: application/json"), "{}", login.text);
    // ...and one whose body is optional: a body must be JSON and say so; no body at all is fine.
    let launch = "/api/v1/apps/999/instances";
    for content_type in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let reply = send(launch, content_type, r#"{"visibility":"PRIVATE"}"#).await;
        assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type:?}: {}", reply.text);
        assert_eq!(reply.headers[header::CONTENT_TYPE], "application/problem+json");
    }
    assert_eq!(send(launch, Some("application/json; charset=utf-8"), r#"{}"#).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send(launch, Some("text/plain"), "").await.status, StatusCode::NOT_FOUND, "an empty body is no body");
}

#[tokio::test]
async fn each_path_gets_the_page_that_holds_it_with_that_pages_own_policy() {
    let (mut app, dist) = server_with_built_web_app().await;
    let console_loader = "\nimport init from '/wavehub-console-0123456789abcdef.js';\nawait init();\n";
    let console = format!("<!DOCTYPE html><html><head><title>Wavehub</title>\n<script type=\"module\">{console_loader}</script></head><body></body></html>");
    std::fs::write(dist.path().join("console.html"), &console).unwrap();
    // The pages are read when the router is made, as when the server starts.
    app.router = wavehub_server::http::router(app.state.clone());
    use base64::Engine as _;
    let console_hash = format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(console_loader)));
    for path in ["/upload", "/instances", "/admin/secrets", "/admin/runtime-images/default/x", "/apps/by-name/demo/rollout", "/account/tokens"] {
        let page = get(&app, path, &[]).await;
        assert_eq!((page.status, page.text.as_str()), (StatusCode::OK, console.as_str()), "{path}");
        let policy = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(policy.contains(&console_hash), "{path}: {policy}");
    }
    for path in ["/", "/apps/42", "/login", "/no/such/page"] {
        let page = get(&app, path, &[]).await;
        assert_eq!((page.status, page.text.as_str()), (StatusCode::OK, INDEX), "{path}");
        assert!(!page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().contains(&console_hash), "{path}");
    }
}

#[tokio::test]
async fn pages_have_the_browser_preload_what_their_code_asks_for_first() {
    let (app, _dist) = server_with_built_web_app().await;
    let me = "</api/v1/me>; rel=preload; as=fetch; crossorigin=anonymous";
    let tags = "</api/v1/tags>; rel=preload; as=fetch; crossorigin=anonymous";
    let front_page = "</api/v1/apps?visibility=ALL_USERS&latest=true&page=1&page_size=24>; rel=preload; as=fetch; crossorigin=anonymous";
    let front = get(&app, "/", &[]).await;
    assert_eq!(front.headers[header::LINK], format!("{me}, {tags}, {front_page}").as_str());
    // The preloaded answers are the API's own: the session check and the catalog's first page.
    let session = app.sign_in("admin", ADMIN_PASSWORD).await;
    let apps = app.call(Method::GET, "/api/v1/apps?visibility=ALL_USERS&latest=true&page=1&page_size=24", None, Some(&session)).await;
    assert_eq!(apps.status, StatusCode::OK, "{}", apps.text);
    let etag = front.headers[header::ETAG].to_str().unwrap().to_owned();
    let revalidated = get(&app, "/", &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    assert_eq!(revalidated.headers[header::LINK], format!("{me}, {tags}, {front_page}").as_str(), "a warm visit preloads too");
    assert_eq!(get(&app, "/?q=churn", &[]).await.headers[header::LINK], format!("{me}, {tags}").as_str());
    for path in ["/apps/42", "/login", "/upload"] {
        assert_eq!(get(&app, path, &[]).await.headers[header::LINK], me, "{path}");
    }
    let asset = get(&app, WASM_JS, &[]).await;
    assert!(!asset.headers.contains_key(header::LINK), "files preload nothing");
}
