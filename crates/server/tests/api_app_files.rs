//! A version's own files behind its description: the rendered description points its relative
//! pictures and links at them, and `GET /apps/{id}/files/{path}` serves them to whoever may see the
//! version, pictures inline and everything else as a download, never as a page.

mod common;

use axum::http::{Method, StatusCode};
use common::{png, TestApp};
use serde_json::json;
use wavehub_core::accounts::Role;
use wavehub_core::package::package_files;

const APPS: &str = "/api/v1/apps";


const ABOUT: &str = "# Guide\n\n![The flow](img/flow.png)\n\n[Manual](../manual.pdf) · [Page](page.html) · [Gone](gone.txt)\n\n\
    <details><summary>Internals</summary>\n\nH<sub>2</sub>O\n\n</details>\n\n\
    <img src=\"https://tracker.example/p.gif\" alt=\"pixel\"> <img src=\"../logo.svg\" width=\"64\" onerror=\"alert(1)\">\n";

fn bundle(extra: Vec<(String, Vec<u8>)>) -> Vec<u8> {
    let toml = "[App]\nName = \"ai.wavehub.files\"\nVersion = \"1.0.0\"\nTitle = \"Files\"\nDescription = \"Has files.\"\n\
                LongDescription = \"docs/about.md\"\n\n[Runtime]\nModule = \"app\"\n";
    let mut files = vec![
        ("app.toml".to_owned(), toml.as_bytes().to_vec()),
        ("app.py".to_owned(), b"print('hi')\n".to_vec()),
        ("docs/about.md".to_owned(), ABOUT.as_bytes().to_vec()),
        ("docs/img/flow.png".to_owned(), png(640, 400)),
        ("manual.pdf".to_owned(), b"%PDF-1.4 a manual".to_vec()),
        ("docs/page.html".to_owned(), b"<script>alert(document.cookie)</script>".to_vec()),
        ("logo.svg".to_owned(), b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec()),
    ];
    files.extend(extra);
    package_files(&files).unwrap()
}

async fn store_with_app(extra: Vec<(String, Vec<u8>)>) -> (TestApp, String, String, i64) {
    let app = TestApp::new().await;
    app.add_user("author", "author-password", &[Role::Author]).await;
    app.add_user("user", "user-password", &[Role::User]).await;
    let author = app.sign_in("author", "author-password").await;
    let user = app.sign_in("user", "user-password").await;
    let reply = app.call_bytes(Method::POST, APPS, bundle(extra), Some(&author)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = reply.body["id"].as_i64().unwrap();
    (app, author, user, id)
}

#[tokio::test]
async fn the_description_shows_the_bundles_pictures_and_links_its_files() {
    let (app, author, _, id) = store_with_app(Vec::new()).await;
    let reply = app.call(Method::GET, &format!("{APPS}/{id}"), None, Some(&author)).await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = reply.body["long_description_html"].as_str().expect("rendered by the server");
    let files = format!("{APPS}/{id}/files");
    // Relative to the description's own folder (docs/), `..` walked.
    assert!(html.contains(&format!("<img src=\"{files}/docs/img/flow.png\" alt=\"The flow\" loading=\"lazy\">")), "{html}");
    assert!(html.contains(&format!("<a href=\"{files}/manual.pdf\" download>Manual</a>")), "{html}");
    assert!(html.contains(&format!("<a href=\"{files}/docs/page.html\" download>Page</a>")), "{html}");
    assert!(html.contains(&format!("<img src=\"{files}/logo.svg\" alt=\"\" width=\"64\" loading=\"lazy\">")), "{html}");
    // A file the bundle lacks leads nowhere; outside pictures are never fetched; handlers never pass.
    assert!(html.contains("<a href=\"#\">Gone</a>"), "{html}");
    assert!(html.contains("<details><summary>Internals</summary>") && html.contains("H<sub>2</sub>O"), "{html}");
    assert!(!html.contains("tracker.example") && html.contains("pixel"), "{html}");
    assert!(!html.contains("onerror") && !html.contains("<script"), "{html}");
    // The Markdown as written is still there for API clients.
    assert!(reply.body["long_description"].as_str().unwrap().starts_with("# Guide"));
}

#[tokio::test]
async fn pictures_are_served_inline_and_other_files_only_as_downloads() {
    let (app, author, _, id) = store_with_app(Vec::new()).await;
    let get = |path: &str| {
        let url = format!("{APPS}/{id}/files/{path}");
        let (app, author) = (&app, &author);
        async move { app.call(Method::GET, &url, None, Some(author)).await }
    };

    let picture = get("docs/img/flow.png").await;
    assert_eq!(picture.status, StatusCode::OK, "{}", picture.text);
    assert_eq!(picture.bytes, png(640, 400));
    assert_eq!(picture.headers["content-type"], "image/png");
    assert_eq!(picture.headers["content-disposition"], "inline");
    assert_eq!(picture.headers["cache-control"], "private, max-age=3600");
    assert_eq!(picture.headers["x-content-type-options"], "nosniff");

    // Opened on its own, an SVG runs nothing: a sandboxed document with no script source.
    let svg = get("logo.svg").await;
    assert_eq!(svg.headers["content-type"], "image/svg+xml");
    let policy = svg.headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("default-src 'none'") && policy.contains("sandbox") && !policy.contains("script-src"), "{policy}");

    // HTML from a bundle is never a page of the site.
    let page = get("docs/page.html").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers["content-type"], "application/octet-stream");
    assert_eq!(page.headers["content-disposition"], "attachment; filename=\"page.html\"");
    let pdf = get("manual.pdf").await;
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert_eq!(pdf.headers["content-disposition"], "attachment; filename=\"manual.pdf\"");
    assert_eq!(pdf.bytes, b"%PDF-1.4 a manual");
}

#[tokio::test]
async fn only_the_bundles_own_files_and_only_for_those_who_may_see_the_version() {
    let (app, author, user, id) = store_with_app(Vec::new()).await;
    let path = format!("{APPS}/{id}/files/manual.pdf");
    // PRIVATE: a 404 to others, as the version itself is.
    assert_eq!(app.call(Method::GET, &path, None, Some(&user)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.call(Method::GET, &path, None, None).await.status, StatusCode::UNAUTHORIZED);
    let shared = app.call(Method::PATCH, &format!("{APPS}/{id}"), Some(json!({"visibility": "ALL_USERS"})), Some(&author)).await;
    assert_eq!(shared.status, StatusCode::OK);
    assert_eq!(app.call(Method::GET, &path, None, Some(&user)).await.status, StatusCode::OK);

    // Folders, missing names and paths out of the bundle are all "no such file", naming it.
    for missing in ["docs", "docs/", "nothing.txt", "..%2F..%2Fsecret.key", "docs/..%2Fmanual.pdf"] {
        let reply = app.call(Method::GET, &format!("{APPS}/{id}/files/{missing}"), None, Some(&user)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}: {}", reply.text);
        assert!(reply.body["detail"].as_str().unwrap().contains("ai.wavehub.files 1.0.0 has no file"), "{}", reply.text);
    }
}

#[tokio::test]
async fn a_file_too_large_to_serve_alone_points_at_the_bundle() {
    let big = vec![0u8; (wavehub_server::store::app_files::MAX_SERVED_FILE + 1) as usize];
    let (app, author, _, id) = store_with_app(vec![("data/big.bin".to_owned(), big)]).await;
    let reply = app.call(Method::GET, &format!("{APPS}/{id}/files/data/big.bin"), None, Some(&author)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text);
    assert!(reply.body["detail"].as_str().unwrap().contains("download the whole bundle"), "{}", reply.text);
}
