//! Serves the built web app (trunk's `dist/`) the way a CDN would. Paths that are not files get
//! one of the app's two pages, `index.html` (the catalog) or `console.html` (the tools), chosen by
//! core's [`WebEntry::for_path`], so a link such as `/apps/42` opens the app, whose router shows
//! the page.
//!
//! - Files trunk names by their content hash (`main-9a3969bd50c17ab.css`) never change: they are
//!   cached for a year, `immutable`. Everything else is revalidated (`no-cache`).
//! - `cargo xtask` writes a brotli and a gzip copy beside each asset (`x.wasm.br`, `x.wasm.gz`);
//!   the one the browser's `Accept-Encoding` prefers is sent as is.
//! - The two pages are read once at start and served with an ETag and the Content-Security-Policy,
//!   which allows their inline loader script by hash and nothing else inline.
//! - A page's answer names the API requests its code sends first (`Link: rel=preload`, from core's
//!   [`WebEntry::first_requests`]), so the browser fetches them while it loads the code.
//! - The catalog's front page, to a signed-in browser, carries the key of its first paint
//!   ([`first_paint_key`]).

use crate::http::state::AppState;
use crate::on_db;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get_service, MethodRouter};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use tower_http::services::ServeDir;
use wavehub_core::web_entry::WebEntry;

/// How long a browser keeps a content-hashed file: a year, the longest caches honour.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The service for every non-API path.
pub fn service(state: &AppState) -> MethodRouter<AppState> {
    let static_dir = &state.config.static_dir;
    let Some(pages) = EntryPages::read(static_dir) else {
        tracing::warn!(dir = %static_dir.display(), "no built web app here; `cargo xtask serve` builds it");
        return get_service(tower::service_fn(|_req| async { Ok::<_, std::convert::Infallible>(not_built().into_response()) }));
    };
    let pages = Arc::new(pages);
    let files = ServeDir::new(static_dir)
        // `/` is the web app's page like any other path, with its policy: not ServeDir's plain copy.
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(tower::service_fn({
            let state = state.clone();
            move |request: Request| {
                let (pages, state) = (pages.clone(), state.clone());
                async move {
                    let page = pages.for_path(request.uri().path());
                    let (parts, body) = request.into_parts();
                    let key = if page.is_catalog { first_paint_key(&state, &parts, &page.etag).await } else { None };
                    Ok::<_, std::convert::Infallible>(page.respond(&Request::from_parts(parts, body), key.as_deref()))
                }
            }
        }));
    get_service(files).layer(middleware::from_fn(cache_policy))
}

/// The web app's two pages as built.
struct EntryPages {
    catalog: IndexPage,
    /// Missing from a `dist/` built before the split: the catalog page then answers for every path
    /// (its router says "not found" for the console's, rather than loading itself again).
    console: Option<IndexPage>,
}

impl EntryPages {
    /// `None` when the web app is not built (no `index.html`).
    fn read(static_dir: &Path) -> Option<Self> {
        let read = |entry: WebEntry| {
            let html = std::fs::read_to_string(static_dir.join(entry.html_file())).ok()?;
            Some(IndexPage { is_catalog: entry == WebEntry::Catalog, ..IndexPage::new(html) })
        };
        let catalog = read(WebEntry::Catalog)?;
        let console = read(WebEntry::Console);
        if console.is_none() {
            tracing::warn!(dir = %static_dir.display(), "the web app has no console.html; rebuild it with `cargo xtask build`");
        }
        Some(EntryPages { catalog, console })
    }

    fn for_path(&self, path: &str) -> &IndexPage {
        match WebEntry::for_path(path) {
            WebEntry::Console => self.console.as_ref().unwrap_or(&self.catalog),
            WebEntry::Catalog => &self.catalog,
        }
    }
}

/// Sets `Cache-Control` on the files: a year for content-hashed names, revalidation for the rest.
/// `index.html` (also the answer for unknown paths) sets its own. Says that the bytes depend on
/// `Accept-Encoding`, for caches between: ServeDir picks a precompressed copy by it without saying.
async fn cache_policy(request: Request, next: Next) -> Response {
    let hashed = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    if (status.is_success() || status == StatusCode::NOT_MODIFIED) && !response.headers().contains_key(header::CACHE_CONTROL) {
        let policy = if hashed { IMMUTABLE } else { "no-cache" };
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
        response.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Whether trunk named this file by its content: `name-<hash>.ext` or `name-<hash>_bg.wasm`, the
/// hash 12 to 16 lowercase hex digits (trunk drops leading zeros).
fn is_content_hashed(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or_default();
    let Some((stem, _extension)) = file.rsplit_once('.') else { return false };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((_name, hash)) = stem.rsplit_once('-') else { return false };
    (12..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// One of the pages as built (`index.html`, `console.html`), with what its answers carry.
struct IndexPage {
    html: axum::body::Bytes,
    etag: HeaderValue,
    policy: HeaderValue,
    /// `index.html`, whose front page has a first paint.
    is_catalog: bool,
}

/// The `<meta>` that carries the first paint's key (read by index.html's inline script).
const FIRST_PAINT_META: &str = "wavehub-first-paint";

impl IndexPage {
    fn new(html: String) -> Self {
        let policy = content_security_policy(&html);
        IndexPage {
            etag: etag_of(html.as_bytes()),
            policy: HeaderValue::from_str(&policy).expect("the policy is ASCII"),
            html: html.into(),
            is_catalog: false,
        }
    }

    /// Answers with the page as built, or with the first paint's key in its head.
    fn respond(&self, request: &Request, first_paint_key: Option<&str>) -> Response {
        let (html, etag) = match first_paint_key {
            None => (self.html.clone(), self.etag.clone()),
            Some(key) => {
                let meta = format!("<meta name=\"{FIRST_PAINT_META}\" content=\"{key}\">\n</head>");
                let html = String::from_utf8_lossy(&self.html).replacen("</head>", &meta, 1);
                let etag = etag_of(html.as_bytes());
                (html.into(), etag)
            }
        };
        let readable = request.method() == Method::GET || request.method() == Method::HEAD;
        let mut response = if !readable {
            StatusCode::METHOD_NOT_ALLOWED.into_response()
        } else if matches_etag(&etag, request.headers().get(header::IF_NONE_MATCH)) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            Html(Body::from(html)).into_response()
        };
        let headers = response.headers_mut();
        // Per browser (the key is the signed-in user's): revalidated each time, never shared.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
        headers.insert(header::VARY, HeaderValue::from_static("cookie"));
        headers.insert(header::ETAG, etag);
        headers.insert(header::CONTENT_SECURITY_POLICY, self.policy.clone());
        if readable {
            let uri = request.uri();
            headers.insert(header::LINK, preload_links(&WebEntry::first_requests(uri.path(), uri.query().unwrap_or_default())));
        }
        response
    }
}

fn etag_of(html: &[u8]) -> HeaderValue {
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(html))[..32]);
    HeaderValue::from_str(&etag).expect("hex is a valid header value")
}

/// `If-None-Match` holding `etag` (weak or strong, alone or in a list) or `*`.
fn matches_etag(etag: &HeaderValue, if_none_match: Option<&HeaderValue>) -> bool {
    let Some(Ok(tags)) = if_none_match.map(|value| value.to_str()) else { return false };
    let ours = etag.to_str().unwrap_or_default();
    tags.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == ours)
}

/// The key of the catalog's first paint, for a signed-in browser at `/`: it names the user (and so
/// what they may see and their top bar), the catalog's change count, the tags as they are (chips
/// show their titles, colors and descriptions; there are few) and the page as built, so it moves
/// whenever anything the front page shows may have changed. index.html's inline script shows the
/// front page as this browser last drew it (kept in its localStorage under this key) while the code
/// loads, and only when the keys match: never another user's page, never an older catalog. `None`
/// elsewhere, and for visitors.
async fn first_paint_key(state: &AppState, request: &axum::http::request::Parts, page_etag: &HeaderValue) -> Option<String> {
    if request.uri.path() != "/" || request.uri.query().is_some() || request.method != Method::GET {
        return None;
    }
    let session = crate::accounts::auth::session_cookie(request, state.config.secure_cookies)?;
    let caller = crate::accounts::auth::caller_from_session(&state.db, &session).await.ok()?;
    let version: i64 = on_db!(&state.db, |pool| sqlx::query_scalar("SELECT version FROM catalog_version").fetch_one(pool).await).ok()?;
    let tags: Vec<(String, String, String, String)> = on_db!(&state.db, |pool| {
        sqlx::query_as("SELECT name, title, color, description FROM tags ORDER BY name").fetch_all(pool).await
    })
    .ok()?;
    let named = format!("{}:{version}:{tags:?}:{}", caller.user_id, page_etag.to_str().unwrap_or_default());
    Some(hex::encode(Sha256::digest(named.as_bytes()))[..24].to_owned())
}

/// The web app's policy: its own files only; the inline loader trunk writes into `index.html`
/// allowed by its SHA-256 (no `'unsafe-inline'`); WebAssembly compiled from its own files
/// (`'wasm-unsafe-eval'`); no framing by any page (clickjacking).
fn content_security_policy(index_html: &str) -> String {
    let script_hashes: String = inline_scripts(index_html).map(|script| format!(" {}", hash_source(script))).collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{script_hashes}; style-src 'self'; \
         img-src 'self' data: blob:; connect-src 'self'; worker-src 'self' blob:; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// A Content-Security-Policy source that allows exactly this inline script or style text:
/// `'sha256-<base64 of its SHA-256>'`.
pub fn hash_source(text: &str) -> String {
    use base64::Engine as _;
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes())))
}

/// The text of each `<script>` without a `src`, exactly as the browser hashes it (between the
/// tags). trunk writes them in lowercase.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, rest) = rest.split_once('>')?;
        let (text, _) = rest.split_once("</script>")?;
        (!attributes.contains("src=")).then_some(text)
    })
}

/// `Link` preloading same-origin API requests, made as the web app's `fetch` makes them (CORS
/// mode, cookies sent to the same origin) so that the browser hands it the preloaded answers.
fn preload_links(paths: &[String]) -> HeaderValue {
    let links: Vec<String> = paths.iter().map(|path| format!("<{path}>; rel=preload; as=fetch; crossorigin=anonymous")).collect();
    HeaderValue::from_str(&links.join(", ")).expect("API paths are ASCII")
}

fn not_built() -> impl IntoResponse {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html(
            "<!doctype html><title>Wavehub</title><h1>The web app is not built</h1>\
             <p>Run <code>cargo xtask serve</code>, which builds it and starts the server, or pass \
             <code>--static-dir</code> pointing at a built <code>dist/</code> folder. The API is up at \
             <a href=\"/api/v1/health\">/api/v1/health</a>.</p>",
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_hashed_names_are_recognised() {
        for hashed in ["/main-9a3969bd50c17ab.css", "/wavehub-web-bb92cfa0cdb777b_bg.wasm", "/wavehub-web-bb92cfa0cdb777b.js", "/favicon-b901b4b298b6861.svg"] {
            assert!(is_content_hashed(hashed), "{hashed}");
        }
        for plain in ["/index.html", "/robots.txt", "/apps/42", "/main.css", "/my-app.js", "/x-ABCDEF012345.js", "/snippets/x-1.js"] {
            assert!(!is_content_hashed(plain), "{plain}");
        }
    }

    #[test]
    fn the_policy_allows_exactly_the_inline_loader_by_its_hash() {
        let html = "<html><head><script type=\"module\">\nimport init from '/a.js';\n</script>\
                    <script src=\"/x.js\"></script></head><body><script>alert(1)</script></body></html>";
        let scripts: Vec<&str> = inline_scripts(html).collect();
        assert_eq!(scripts, ["\nimport init from '/a.js';\n", "alert(1)"]);
        let policy = content_security_policy(html);
        // `echo -n "alert(1)" | openssl dgst -sha256 -binary | base64`
        assert!(policy.contains("'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-inline"));
    }
}
