//! Cross-site request forgery: a page on another origin must not make the browser change
//! anything with the console's session cookie.
//!
//! `SameSite=Strict` is not enough here: apps are served on another port or host of the same
//! *site* (the apps origin), and a request from one of their pages is same-site, so it carries the
//! cookie. What a browser cannot fake is where the request comes from: every browser sends
//! `Origin` with a POST, PUT, PATCH or DELETE (and current ones `Sec-Fetch-Site` with every request).
//! So a state-changing request is refused with 403 when
//!
//! - its `Origin` is not the console's own: [`Config::public_url`](crate::http::state::Config) or the
//!   request's own `Host` (see [`same_origin`] on why that is safe); `Origin: null` (sandboxed
//!   frames, some redirects) is not the console's;
//! - it has no `Origin` and its `Sec-Fetch-Site` is anything but `same-origin`.
//!
//! Passed untouched:
//!
//! - safe methods (GET, HEAD, OPTIONS): they change nothing;
//! - requests with an `Authorization` header (the CLI, scripts): they are authenticated by the
//!   token, never by the cookie (see [`crate::accounts::auth::Caller`]), and a page on another origin cannot
//!   add that header without a CORS preflight, which this server never grants;
//! - requests with neither `Origin` nor `Sec-Fetch-Site`: they are not made by a browser page (curl,
//!   the CLI, the tests), or by one too old to send either. This is the rule of Go's
//!   `http.CrossOriginProtection` too.
//!
//! The check does not depend on whether a cookie came along: `POST /auth/login` from another
//! origin is refused as well (login CSRF, signing the victim in as the attacker).

use crate::http::error::problem_response;
use crate::http::state::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, Uri};
use axum::middleware::Next;
use axum::response::Response;
use wavehub_core::api::Problem;

/// The middleware: refuses cross-origin state-changing requests with a 403 problem.
pub async fn refuse_cross_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if let Err(refusal) = check(request.method(), request.headers(), request.uri(), &state.config.public_url) {
        tracing::warn!(
            method = %request.method(),
            path = request.uri().path(),
            origin = ?refusal.origin,
            "cross-origin request refused"
        );
        return problem_response(&Problem::new(403, refusal.detail));
    }
    next.run(request).await
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What the request said about where it came from (`Origin`, or `Sec-Fetch-Site: …`).
    pub origin: String,
    /// The problem's detail.
    pub detail: String,
}

/// `Ok` when the request may go on, see the module's documentation.
pub fn check(method: &Method, headers: &HeaderMap, uri: &Uri, public_url: &str) -> Result<(), Refusal> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE) {
        return Ok(());
    }
    if headers.contains_key(header::AUTHORIZATION) {
        return Ok(());
    }
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .or_else(|| uri.authority().map(|authority| authority.as_str()));
    let console = origin_of(public_url).unwrap_or_else(|| public_url.to_owned());
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = String::from_utf8_lossy(origin.as_bytes()).into_owned();
        if same_origin(&origin, &console, host) {
            return Ok(());
        }
        let detail = format!(
            "This request comes from a page on another origin ({origin}); the console accepts changes only from \
             its own pages ({console}). Scripts and command-line tools send an API token (`Authorization: Bearer …`) \
             instead of the session cookie."
        );
        return Err(Refusal { origin, detail });
    }
    match headers.get("sec-fetch-site").map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()) {
        Some(site) if site.eq_ignore_ascii_case("same-origin") => Ok(()),
        Some(site) => {
            let detail = format!(
                "This request does not come from the console's own pages (Sec-Fetch-Site: {site}); the console \
                 accepts changes only from its own pages ({console}). Scripts and command-line tools send an API \
                 token (`Authorization: Bearer …`) instead of the session cookie."
            );
            Err(Refusal { origin: format!("Sec-Fetch-Site: {site}"), detail })
        }
        None => Ok(()),
    }
}

/// Whether `origin` (an `Origin` header) is the console: its public URL, or `http(s)://<Host>`.
///
/// Accepting the request's own `Host` is safe: the browser sets `Host` from the URL it sends the
/// request to and `Origin` from the page that makes it, and a page cannot choose either. A page on
/// evil.example sending to the console has `Origin: https://evil.example` and the console's
/// `Host`; the two agree only when the page is on the console's own origin. (A page that rebinds
/// its own name to the console's address gets `Host: evil.example` and `Origin: https://evil.example`
/// to agree, but then the browser sends evil.example's cookies, never the console's session.)
/// Clients that are not browsers can send any `Host` and `Origin`, but they do not hold a
/// visitor's cookie, which is what this check protects. Either scheme is accepted with `Host`
/// because behind a TLS proxy the server cannot tell which one the browser used.
fn same_origin(origin: &str, console: &str, host: Option<&str>) -> bool {
    let Some(origin) = origin_of(origin) else { return false };
    if origin == console {
        return true;
    }
    host.is_some_and(|host| {
        ["http", "https"].iter().any(|scheme| origin_of(&format!("{scheme}://{host}")).as_deref() == Some(origin.as_str()))
    })
}

/// `scheme://host[:port]` of an http(s) URL, lower case, without the scheme's default port, or
/// `None` for anything else (`null`, other schemes, user info).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default().to_ascii_lowercase();
    if authority.is_empty() || authority.contains('@') || authority.chars().any(char::is_whitespace) {
        return None;
    }
    let authority = match (scheme.as_str(), authority.rsplit_once(':')) {
        ("http", Some((host, "80"))) | ("https", Some((host, "443"))) => host.to_owned(),
        _ => authority,
    };
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const CONSOLE: &str = "http://127.0.0.1:8080";

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(*name, HeaderValue::from_static(value));
        }
        headers
    }

    fn verdict(method: Method, pairs: &[(&'static str, &'static str)]) -> Result<(), Refusal> {
        check(&method, &headers(pairs), &Uri::from_static("/api/v1/auth/logout"), CONSOLE)
    }

    #[test]
    fn origins_are_normalised() {
        assert_eq!(origin_of("HTTP://Example.COM:80/x?y").as_deref(), Some("http://example.com"));
        assert_eq!(origin_of("https://example.com:443").as_deref(), Some("https://example.com"));
        assert_eq!(origin_of("https://example.com:8443/").as_deref(), Some("https://example.com:8443"));
        assert_eq!(origin_of("http://[::1]:8080").as_deref(), Some("http://[::1]:8080"));
        for bad in ["null", "", "file:///x", "http://", "http://user@host", "chrome-extension://abc"] {
            assert_eq!(origin_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_consoles_own_origin_and_host_pass() {
        assert!(verdict(Method::POST, &[("origin", "http://127.0.0.1:8080")]).is_ok());
        assert!(verdict(Method::DELETE, &[("origin", "http://wavehub.internal"), ("host", "wavehub.internal")]).is_ok());
        assert!(verdict(Method::PUT, &[("origin", "https://wavehub.example.com"), ("host", "wavehub.example.com")]).is_ok());
        assert!(verdict(Method::POST, &[("sec-fetch-site", "same-origin")]).is_ok());
    }

    #[test]
    fn other_origins_are_refused() {
        for origin in ["http://evil.example", "null", "http://127.0.0.1:8081", "https://127.0.0.1:8080.evil.example"] {
            let refusal = verdict(Method::POST, &[("origin", origin), ("host", "127.0.0.1:8080")]).unwrap_err();
            assert!(refusal.detail.contains(origin), "{refusal:?}");
        }
        // Origin wins over Sec-Fetch-Site.
        assert!(verdict(Method::PATCH, &[("origin", "http://evil.example"), ("sec-fetch-site", "same-origin")]).is_err());
        for site in ["cross-site", "same-site", "none"] {
            let refusal = verdict(Method::POST, &[("sec-fetch-site", site)]).unwrap_err();
            assert!(refusal.detail.contains(site), "{refusal:?}");
        }
    }

    #[test]
    fn safe_methods_tokens_and_non_browsers_pass() {
        assert!(verdict(Method::GET, &[("origin", "http://evil.example")]).is_ok());
        assert!(verdict(Method::POST, &[("origin", "http://evil.example"), ("authorization", "Bearer wh_x")]).is_ok());
        assert!(verdict(Method::POST, &[]).is_ok());
    }
}
