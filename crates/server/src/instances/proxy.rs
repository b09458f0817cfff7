//! The apps origin: serves every running instance under `/instances/<id>/` through an
//! authenticating reverse proxy (docs/instances.md, "The proxy").
//!
//! Signing in here goes through the console: `GET /api/v1/instances/{id}/open` on the console
//! mints a one-use ticket ([`open_location`]) and sends the browser to `/_wavehub/auth` on this
//! origin, which exchanges it for an app session cookie ([`APPS_COOKIE`]). The console's own
//! cookie never works here: apps run code we do not control, so they must not see it, and on a
//! separate domain the browser would not send it anyway.
//!
//! Every request is checked again (session, instance visibility, status) before it is forwarded,
//! so a change of visibility or a terminate applies at once; an open websocket is checked every
//! [`WEBSOCKET_RECHECK`].

use crate::accounts::auth::{self, Caller, Credential, SESSION_COOKIE};
use crate::db::{self, Db};
use crate::http::error::{ApiError, ApiResult};
use crate::instances;
use crate::{on_conn, on_db};
use crate::instances::runner::{Upstream, UpstreamKind};
use crate::http::state::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode, Uri, Version};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;
use std::net::SocketAddr;
use std::time::Duration;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use wavehub_core::api::API_PREFIX;
use wavehub_core::instances::{base_path, InstanceStatus};

/// The apps origin's session cookie (its value is an app session id; the table keeps its hash).
pub const APPS_COOKIE: &str = "wavehub_apps";
/// Where a ticket is exchanged for an app session.
pub const AUTH_PATH: &str = "/_wavehub/auth";
/// How long a ticket minted by the console is good for: long enough for a redirect, short enough
/// that a link copied out of the address bar is useless.
pub const TICKET_LIFETIME: chrono::Duration = chrono::Duration::seconds(60);
/// How often an open websocket's visitor is checked again (visibility, session, instance status).
pub const WEBSOCKET_RECHECK: Duration = Duration::from_secs(2);

/// Marks a request that one server's proxy forwards to the server running the instance: that one
/// serves it or says it is not running, and never forwards it again.
const PEER_HEADER: HeaderName = HeaderName::from_static("x-wavehub-peer");

/// `--internal-url` as recorded with instances: `http://HOST:PORT`, without a path.
pub fn check_internal_url(url: &str) -> anyhow::Result<String> {
    let url = url.trim().trim_end_matches('/');
    let authority = url.strip_prefix("http://").unwrap_or_default();
    let port = authority.rsplit_once(':').and_then(|(host, port)| (!host.is_empty()).then(|| port.parse::<u16>().ok()).flatten());
    if authority.contains(['/', '?', '#', '@']) || port.is_none() {
        anyhow::bail!(
            "--internal-url must be http://HOST:PORT, the address the other Wavehub servers reach this one's --apps-listen at \
             (e.g. http://10.0.0.5:8081), not `{url}`"
        );
    }
    Ok(url.to_owned())
}

/// Query values: everything but unreserved characters and `/` is percent-encoded (`/` stays
/// readable; it is allowed in a query).
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~').remove(b'/');

/// Percent-encodes one query parameter value.
pub fn encode_query_value(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

#[derive(Clone)]
struct Proxy {
    state: AppState,
    client: Client<HttpConnector, Body>,
}

/// The HTTP client for instances and the other Wavehub servers (one pool for the process).
pub fn peer_client() -> &'static Client<HttpConnector, Body> {
    static CLIENT: std::sync::OnceLock<Client<HttpConnector, Body>> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        // Upstreams are on loopback or the servers' own network: a connect that takes longer than
        // this will not succeed.
        connector.set_connect_timeout(Some(Duration::from_secs(5)));
        Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build(connector)
    })
}

/// The apps origin's whole router.
pub fn router(state: AppState) -> Router {
    let client = peer_client().clone();
    // No compression and none of the console's security headers (X-Frame-Options: DENY would stop
    // apps that are meant to be embedded): responses are the app's own.
    Router::new()
        .route(AUTH_PATH, get(exchange_ticket))
        .route(instances::logs::PEER_LOGS_PATH, get(peer_logs))
        .route("/instances/{id}", any(add_slash))
        .route("/instances/{id}/", any(serve_instance))
        .route("/instances/{id}/{*rest}", any(serve_instance))
        .fallback(nothing_here)
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(tracing::Level::INFO))
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .with_state(Proxy { state, client })
}

// ---------------------------------------------------------------------------------------------
// The console's side: `GET /api/v1/instances/{id}/open`.

/// Where `GET /instances/{id}/open` sends a signed-in caller: the apps origin's ticket exchange,
/// with a fresh ticket for this caller and instance. 404 when the caller may not see it, 409 when
/// it is not running.
pub async fn open_location(state: &AppState, caller: &Caller, id: i64, next: Option<&str>) -> ApiResult<String> {
    let instance = instances::get(state, caller, id).await?;
    if instance.status != InstanceStatus::Running {
        return Err(ApiError::Conflict(format!("Instance {id} is {}, not running; there is nothing to open.", instance.status.as_str())));
    }
    let next = instance_next(id, next);
    let ticket = mint_ticket(&state.db, caller.user_id, id).await?;
    Ok(format!("{}{AUTH_PATH}?ticket={ticket}&next={}", state.config.apps_url, encode_query_value(&next)))
}

/// What `GET /instances/{id}/open` shows a signed-in visitor it cannot send on: the apps origin's
/// own pages (403 not shared, 404 missing, 410 ended, 503 starting), since this is a browser
/// navigation, not an API call.
pub async fn open_refusal(state: &AppState, caller: &Caller, id: i64) -> Response {
    match access(state, caller, id).await {
        Ok(Access::Visible(_)) => {
            let mut response = page(StatusCode::SERVICE_UNAVAILABLE, "Starting", &format!("<p>Instance {id} is still starting; this page reloads.</p>"));
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            response.headers_mut().insert(HeaderName::from_static("refresh"), HeaderValue::from_static("2"));
            response
        }
        Ok(refused) => refusal_page(&refused, caller, id, &state.config.public_url),
        Err(error) => internal_error(error),
    }
}

/// The page for a visitor who may not (or can no longer) reach instance `id`: the same on the
/// apps origin and from the console's `open`.
fn refusal_page(access: &Access, caller: &Caller, id: i64, console: &str) -> Response {
    match access {
        Access::Forbidden => {
            // Neither the app's name nor its owner: the visitor may not know it exists as more than a number.
            let body = format!(
                "<p>Instance {id} is not yours and its owner has not shared it with everyone; you are signed in as <b>{}</b>.</p>\
                 <p><a href=\"{}/instances\">Your instances</a></p>",
                html_escape(&caller.username),
                html_escape(console)
            );
            page(StatusCode::FORBIDDEN, "Not shared with you", &body)
        }
        Access::Ended => {
            let body = format!("<p>Instance {id} has ended. Start the app again from <a href=\"{}/instances\">Wavehub</a>.</p>", html_escape(console));
            page(StatusCode::GONE, "This app has ended", &body)
        }
        Access::Missing | Access::Visible(_) => page(StatusCode::NOT_FOUND, "No such app", &format!("<p>There is no instance {id}.</p>")),
    }
}

/// Where `GET /instances/{id}/open` sends a visitor who is not signed in: the console's sign-in
/// page, which comes back to the same `open` (with the same `next`).
pub fn sign_in_location(state: &AppState, id: i64, next: Option<&str>) -> String {
    let mut open = format!("{API_PREFIX}/instances/{id}/open");
    if let Some(next) = next.filter(|next| is_path_under(next, &base_path(id))) {
        open.push_str("?next=");
        open.push_str(&encode_query_value(next));
    }
    format!("{}/login?next={}", state.config.public_url, encode_query_value(&open))
}

/// `next` when it is a path inside instance `id`, else the instance's base path: a ticket link
/// must not become a way to send someone elsewhere.
pub fn instance_next(id: i64, next: Option<&str>) -> String {
    let base = base_path(id);
    match next {
        Some(next) if is_path_under(next, &base) => next.to_owned(),
        _ => base,
    }
}

/// True when `path` starts with `prefix` and a browser cannot resolve it anywhere else: printable
/// ASCII only (no header injection), no backslashes (`/\host`), no dot segments (`..`, `%2e%2e`).
pub fn is_path_under(path: &str, prefix: &str) -> bool {
    let no_dot_segments = || {
        let path = path.split(['?', '#']).next().unwrap_or_default();
        path.split('/').all(|segment| {
            let segment = segment.to_ascii_lowercase().replace("%2e", ".");
            segment != "." && segment != ".."
        })
    };
    prefix.starts_with('/')
        && path.starts_with(prefix)
        && path.bytes().all(|b| b.is_ascii_graphic())
        && !path.contains('\\')
        && no_dot_segments()
}

/// Stores a one-use ticket for `user_id` to open `instance_id` and returns it. Expired tickets
/// are swept here.
pub async fn mint_ticket(db: &Db, user_id: i64, instance_id: i64) -> ApiResult<String> {
    let ticket = auth::random_secret();
    let now = chrono::Utc::now();
    let mut tx = db.begin_write().await?;
    on_conn!(&mut tx, |c| {
        sqlx::query("DELETE FROM app_tickets WHERE expires_at <= $1").bind(db::timestamp(now)).execute(&mut *c).await?;
        sqlx::query("INSERT INTO app_tickets (ticket_hash, user_id, instance_id, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(auth::secret_hash(&ticket))
            .bind(user_id)
            .bind(instance_id)
            .bind(db::timestamp(now + TICKET_LIFETIME))
            .execute(&mut *c)
            .await?;
    });
    tx.commit().await?;
    Ok(ticket)
}

// ---------------------------------------------------------------------------------------------
// The apps origin's own endpoints.

#[derive(Debug, Deserialize)]
struct TicketParams {
    ticket: Option<String>,
    next: Option<String>,
}

/// `GET /_wavehub/auth?ticket=&next=`: exchanges a ticket (once) for an app session cookie and
/// sends the browser on to `next`.
async fn exchange_ticket(State(proxy): State<Proxy>, headers: HeaderMap, Query(params): Query<TicketParams>) -> Response {
    match exchange(&proxy.state, &headers, &params).await {
        Ok(response) => response,
        Err(error) => internal_error(error),
    }
}

async fn exchange(state: &AppState, headers: &HeaderMap, params: &TicketParams) -> ApiResult<Response> {
    let expired = || {
        let console = &state.config.public_url;
        page(
            StatusCode::FORBIDDEN,
            "This link has expired",
            &format!(
                "<p>Links that open an app work once, for a minute. Open the app again from <a href=\"{}/instances\">Wavehub</a>.</p>",
                html_escape(console)
            ),
        )
    };
    let Some(ticket) = params.ticket.as_deref().filter(|t| !t.is_empty()) else {
        return Ok(expired());
    };
    let now = chrono::Utc::now();
    let mut tx = state.db.begin_write().await?;
    // Deleting it in the same transaction that reads it makes the ticket single-use even when
    // two requests race with it.
    let row: Option<(i64, i64, String)> = on_conn!(&mut tx, |c| {
        sqlx::query_as("DELETE FROM app_tickets WHERE ticket_hash = $1 RETURNING user_id, instance_id, expires_at")
            .bind(auth::secret_hash(ticket))
            .fetch_optional(c)
            .await
    })?;
    let Some((user_id, instance_id, _)) = row.filter(|(_, _, expires_at)| expires_at.as_str() > db::timestamp(now).as_str()) else {
        // Committed all the same: an expired ticket is gone too.
        tx.commit().await?;
        return Ok(expired());
    };
    let session_id = auth::random_secret();
    on_conn!(&mut tx, |c| {
        sqlx::query("DELETE FROM app_sessions WHERE expires_at <= $1").bind(db::timestamp(now)).execute(&mut *c).await?;
        // A session this browser had before is replaced, not left behind.
        if let Some(old) = cookie_value(headers, APPS_COOKIE) {
            sqlx::query("DELETE FROM app_sessions WHERE id_hash = $1").bind(auth::secret_hash(&old)).execute(&mut *c).await?;
        }
        sqlx::query("INSERT INTO app_sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(auth::secret_hash(&session_id))
            .bind(user_id)
            .bind(db::timestamp(now))
            .bind(db::timestamp(now + state.config.session_lifetime))
            .execute(&mut *c)
            .await?;
    });
    tx.commit().await?;

    let next = match params.next.as_deref() {
        Some(next) if is_path_under(next, "/instances/") => next.to_owned(),
        _ => base_path(instance_id),
    };
    // Lax, not Strict: the first request after the console's redirect is a cross-site navigation
    // when the apps origin is on another domain, and must carry the cookie.
    let secure = if state.config.secure_cookies { "; Secure" } else { "" };
    let cookie = format!("{APPS_COOKIE}={session_id}; HttpOnly; Path=/; SameSite=Lax{secure}");
    let mut response = see_other(&next);
    let headers = response.headers_mut();
    headers.insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("hex ids make a valid header"));
    // The ticket is in this URL: keep it out of Referer headers.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(response)
}

/// `/instances/{id}` → `/instances/{id}/`: relative URLs in the app resolve against the slash form.
async fn add_slash(uri: Uri) -> Response {
    let query = uri.query().map(|q| format!("?{q}")).unwrap_or_default();
    let location = format!("{}/{query}", uri.path());
    let mut response = StatusCode::MOVED_PERMANENTLY.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

async fn nothing_here(State(proxy): State<Proxy>) -> Response {
    let console = html_escape(&proxy.state.config.public_url);
    page(StatusCode::NOT_FOUND, "Nothing here", &format!("<p>Apps are opened from <a href=\"{console}/instances\">Wavehub</a>.</p>"))
}

// ---------------------------------------------------------------------------------------------
// Serving an instance.

/// Who is visiting: the user of the app session whose id hashes to `id_hash` (the
/// [`APPS_COOKIE`]'s), while it lasts.
async fn visitor_by_hash(db: &Db, id_hash: &str) -> ApiResult<Option<Caller>> {
    let row: Option<(i64, String)> = on_db!(db, |pool| {
        sqlx::query_as(
            "SELECT s.user_id, u.username FROM app_sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_at > $2",
        )
        .bind(id_hash)
        .bind(db::now())
        .fetch_optional(pool)
        .await
    })?;
    let Some((user_id, username)) = row else { return Ok(None) };
    let roles = auth::load_roles(db, user_id).await?;
    // `Session` holds the app session's hash here; this caller never leaves the proxy (it only
    // answers "may they see this instance"), so it cannot be taken for a console session.
    Ok(Some(Caller { user_id, username, roles, credential: Credential::Session(id_hash.to_owned()) }))
}

/// What the visitor may do with the instance right now.
enum Access {
    /// Visible and live: its status (running or starting).
    Visible(InstanceStatus),
    /// No such instance at all.
    Missing,
    /// It exists; the visitor may not see it.
    Forbidden,
    /// Visible, but ended (terminated or failed).
    Ended,
}

async fn access(state: &AppState, caller: &Caller, id: i64) -> ApiResult<Access> {
    match instances::get(state, caller, id).await {
        Ok(instance) if instance.status.is_live() => Ok(Access::Visible(instance.status)),
        Ok(_) => Ok(Access::Ended),
        Err(ApiError::NotFound(_)) => {
            let exists: Option<i64> =
                on_db!(&state.db, |pool| sqlx::query_scalar("SELECT id FROM instances WHERE id = $1").bind(id).fetch_optional(pool).await)?;
            Ok(if exists.is_some() { Access::Forbidden } else { Access::Missing })
        }
        Err(other) => Err(other),
    }
}

/// The instance id in `/instances/<id>/...`, in its canonical form only (`07` is not `7`: the app
/// knows its base path exactly).
fn instance_id(path: &str) -> Option<i64> {
    let rest = path.strip_prefix("/instances/")?;
    let segment = rest.split('/').next()?;
    let id: i64 = segment.parse().ok()?;
    (id > 0 && id.to_string() == segment).then_some(id)
}

/// `/instances/{id}/` and everything under it, any method.
async fn serve_instance(State(proxy): State<Proxy>, request: Request) -> Response {
    match serve(&proxy, request).await {
        Ok(response) => response,
        Err(error) => internal_error(error),
    }
}

async fn serve(proxy: &Proxy, request: Request) -> ApiResult<Response> {
    let state = &proxy.state;
    let console = &state.config.public_url;
    let Some(id) = instance_id(request.uri().path()) else {
        return Ok(page(StatusCode::NOT_FOUND, "No such app", "<p>There is no instance at this address.</p>"));
    };
    let session_hash = cookie_value(request.headers(), APPS_COOKIE).map(|id| auth::secret_hash(&id));
    let caller = match &session_hash {
        Some(hash) => visitor_by_hash(&state.db, hash).await?,
        None => None,
    };
    let (Some(caller), Some(session_hash)) = (caller, session_hash) else {
        // A page load signs in through the console and comes back; a script's POST cannot follow
        // that (and must not be replayed), so it gets a plain 401.
        if request.method() == Method::GET || request.method() == Method::HEAD {
            let here = request.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
            return Ok(see_other(&format!("{console}{API_PREFIX}/instances/{id}/open?next={}", encode_query_value(here))));
        }
        return Ok(page(StatusCode::UNAUTHORIZED, "Sign in first", &format!("<p>Open this app from <a href=\"{}/instances\">Wavehub</a>.</p>", html_escape(console))));
    };
    let status = match access(state, &caller, id).await? {
        Access::Visible(status) => status,
        refused => return Ok(refusal_page(&refused, &caller, id, console)),
    };
    let Some(upstream) = state.runner.upstream(id) else {
        if let Some(server_url) = run_elsewhere(state, id, request.headers()).await? {
            // The server that runs it is reached by name: resolved now, as its address may move.
            let authority = server_url.trim_start_matches("http://");
            let Some(address) = tokio::net::lookup_host(authority).await.ok().and_then(|mut found| found.next()) else {
                tracing::warn!(instance = id, %server_url, "the server that runs the instance cannot be resolved");
                return Ok(page(StatusCode::BAD_GATEWAY, "The app does not answer", "<p>The server that runs this app cannot be reached. Try again in a moment.</p>"));
            };
            return Ok(forward(proxy, request, Upstream { address, kind: UpstreamKind::Peer }, id, session_hash).await);
        }
        if status == InstanceStatus::Starting {
            let mut response = page(StatusCode::SERVICE_UNAVAILABLE, "Starting", "<p>The app is starting; this page reloads when it is ready.</p><script>setTimeout(() => location.reload(), 2000)</script>");
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
            return Ok(response);
        }
        return Ok(page(StatusCode::NOT_FOUND, "Not running", &format!("<p>Instance {id} is not running here.</p>")));
    };
    Ok(forward(proxy, request, upstream, id, session_hash).await)
}

/// The `--internal-url` of the other server that runs instance `id`, when another one does and the
/// request did not come from a server already.
async fn run_elsewhere(state: &AppState, id: i64, headers: &HeaderMap) -> ApiResult<Option<String>> {
    if headers.contains_key(PEER_HEADER) {
        return Ok(None);
    }
    instances::run_by_other_server(state, id, true).await
}

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1), and must not be
/// forwarded.
const HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

pub(crate) fn remove_hop_by_hop(headers: &mut HeaderMap) {
    let listed: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in listed.iter().chain(HOP_BY_HOP.iter()) {
        headers.remove(name);
    }
}

fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    has_token(headers, header::CONNECTION, "upgrade") && has_token(headers, header::UPGRADE, "websocket")
}

/// The value of the first cookie called `name` in the request's Cookie headers.
fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

/// Cookies of Wavehub's own that an app must neither receive nor set.
fn is_wavehub_cookie(name: &str) -> bool {
    let name = name.trim();
    name == SESSION_COOKIE || name == APPS_COOKIE || name.starts_with("__Host-wavehub") || name.starts_with("__Secure-wavehub")
}

/// The request's Cookie headers without Wavehub's cookies, as one header (`None` when nothing is left).
fn app_cookies(headers: &HeaderMap) -> Option<HeaderValue> {
    let kept: Vec<&str> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .map(str::trim)
        .filter(|pair| !pair.is_empty() && !is_wavehub_cookie(pair.split('=').next().unwrap_or_default()))
        .collect();
    (!kept.is_empty()).then(|| HeaderValue::from_str(&kept.join("; ")).ok()).flatten()
}

/// The request as the upstream gets it: its path per [`UpstreamKind`], the browser's headers minus
/// hop-by-hop ones and Wavehub's credentials, `Host` untouched, `X-Forwarded-*` added.
fn upstream_request(state: &AppState, request: Request, upstream: Upstream, id: i64, websocket: bool) -> (Request, Option<hyper::upgrade::OnUpgrade>) {
    let (mut parts, body) = request.into_parts();
    let client_ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(address)| address.ip());
    let client_upgrade = websocket.then(|| parts.extensions.remove::<hyper::upgrade::OnUpgrade>()).flatten();

    let path_and_query = parts.uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let prefix = format!("/instances/{id}");
    let path_and_query = match upstream.kind {
        UpstreamKind::Wave | UpstreamKind::Peer => path_and_query.to_owned(),
        // A plain app serves from `/`: `/instances/7/x?y` → `/x?y`, `/instances/7/` → `/`.
        UpstreamKind::Plain => match path_and_query.strip_prefix(&prefix) {
            Some(rest) if rest.starts_with('/') => rest.to_owned(),
            Some(rest) => format!("/{rest}"),
            None => "/".to_owned(),
        },
    };
    let uri = Uri::builder()
        .scheme("http")
        .authority(upstream.address.to_string())
        .path_and_query(path_and_query)
        .build()
        .expect("a socket address and a path taken from a valid URI make a valid URI");

    let headers = &mut parts.headers;
    let upgrade_value = headers.get(header::UPGRADE).cloned();
    remove_hop_by_hop(headers);
    // The browser's `100-continue` is answered by this server already.
    headers.remove(header::EXPECT);
    headers.remove(header::AUTHORIZATION);
    // Meant for the apps listener itself, never for an app or another server's proxy.
    headers.remove(instances::logs::CLAIM_HEADER);
    if upstream.kind == UpstreamKind::Peer {
        // The server that runs the instance checks the visitor's apps session again.
        headers.insert(PEER_HEADER, HeaderValue::from_static("1"));
    } else {
        headers.remove(PEER_HEADER);
        match app_cookies(headers) {
            Some(cookies) => headers.insert(header::COOKIE, cookies),
            None => headers.remove(header::COOKIE),
        };
    }
    if websocket {
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, upgrade_value.unwrap_or_else(|| HeaderValue::from_static("websocket")));
    }
    // waved refuses a websocket whose Origin differs from Host: Host stays what the browser sent
    // (HTTP/2 has only `:authority`, in the URI).
    let host = headers.get(header::HOST).cloned().or_else(|| parts.uri.authority().and_then(|a| HeaderValue::from_str(a.as_str()).ok()));
    if let Some(host) = &host {
        headers.insert(header::HOST, host.clone());
        headers.insert(HeaderName::from_static("x-forwarded-host"), host.clone());
    }
    let x_forwarded_for = HeaderName::from_static("x-forwarded-for");
    if let Some(ip) = client_ip {
        let earlier: Vec<&str> = headers.get_all(&x_forwarded_for).iter().filter_map(|v| v.to_str().ok()).collect();
        let value = earlier.into_iter().map(str::to_owned).chain([ip.to_string()]).collect::<Vec<_>>().join(", ");
        headers.insert(&x_forwarded_for, HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_str(&ip.to_string()).expect("an IP is a valid header")));
    }
    let proto = if state.config.apps_url.starts_with("https:") { "https" } else { "http" };
    headers.insert(HeaderName::from_static("x-forwarded-proto"), HeaderValue::from_static(proto));
    let x_forwarded_prefix = HeaderName::from_static("x-forwarded-prefix");
    headers.remove(&x_forwarded_prefix);
    if upstream.kind == UpstreamKind::Plain {
        headers.insert(x_forwarded_prefix, HeaderValue::from_str(&prefix).expect("digits"));
    }
    parts.uri = uri;
    // The upstream speaks HTTP/1.1, whatever the browser used.
    parts.version = Version::HTTP_11;
    let body = if websocket { Body::empty() } else { body };
    (Request::from_parts(parts, body), client_upgrade)
}

/// Drops the upstream's attempts to set Wavehub's cookies.
fn remove_wavehub_set_cookies(headers: &mut HeaderMap) {
    let kept: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter(|value| {
            let name = value.to_str().ok().and_then(|v| v.split(['=', ';']).next()).unwrap_or_default();
            !is_wavehub_cookie(name)
        })
        .cloned()
        .collect();
    headers.remove(header::SET_COOKIE);
    for value in kept {
        headers.append(header::SET_COOKIE, value);
    }
}

async fn forward(proxy: &Proxy, request: Request, upstream: Upstream, id: i64, session_hash: String) -> Response {
    let websocket = is_websocket_upgrade(request.headers());
    let (outgoing, client_upgrade) = upstream_request(&proxy.state, request, upstream, id, websocket);
    let mut response = match proxy.client.request(outgoing).await {
        Ok(response) => response,
        Err(error) => {
            tracing::warn!(instance = id, address = %upstream.address, %error, "the instance does not answer");
            return page(StatusCode::BAD_GATEWAY, "The app does not answer", "<p>The app is not answering right now. Try again in a moment; if it goes on, restart it from Wavehub.</p>");
        }
    };
    remove_wavehub_set_cookies(response.headers_mut());

    if websocket && response.status() == StatusCode::SWITCHING_PROTOCOLS {
        let upstream_upgrade = hyper::upgrade::on(&mut response);
        let Some(client_upgrade) = client_upgrade else {
            // The browser's connection cannot be taken over (not HTTP/1.1): a 101 would leave it hanging.
            return page(StatusCode::BAD_GATEWAY, "No websocket", "<p>This connection cannot carry the app's websocket.</p>");
        };
        tokio::spawn(splice(proxy.state.clone(), id, session_hash, client_upgrade, upstream_upgrade));
        // The 101 keeps its Connection/Upgrade/Sec-WebSocket-* headers: they are the handshake.
        let (parts, _) = response.into_parts();
        return Response::from_parts(parts, Body::empty());
    }
    let (mut parts, body) = response.into_parts();
    remove_hop_by_hop(&mut parts.headers);
    // Streamed as it arrives: a download of hundreds of MB is never held in memory.
    Response::from_parts(parts, Body::new(body))
}

/// Joins the browser's and the upstream's upgraded connections. Bytes are copied as they are, so
/// frames of any size pass. The socket is closed when the visitor loses access (a visibility
/// change, a signed-out session, the instance ended).
async fn splice(
    state: AppState,
    id: i64,
    session_hash: String,
    client: hyper::upgrade::OnUpgrade,
    upstream: hyper::upgrade::OnUpgrade,
) {
    let (client, upstream) = tokio::join!(client, upstream);
    let (client, upstream) = match (client, upstream) {
        (Ok(client), Ok(upstream)) => (client, upstream),
        (client, upstream) => {
            tracing::debug!(instance = id, client = ?client.err(), upstream = ?upstream.err(), "websocket upgrade failed");
            return;
        }
    };
    let (mut client, mut upstream) = (TokioIo::new(client), TokioIo::new(upstream));
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
        _ = access_lost(&state, id, &session_hash) => {
            tracing::info!(instance = id, "websocket closed: the visitor may no longer see the instance");
        }
    }
}

/// Returns once the app session has ended or no longer sees `id` as a live instance.
async fn access_lost(state: &AppState, id: i64, session_hash: &str) {
    loop {
        tokio::time::sleep(WEBSOCKET_RECHECK).await;
        let still = match visitor_by_hash(&state.db, session_hash).await {
            Ok(Some(caller)) => access(state, &caller, id).await.map(|a| matches!(a, Access::Visible(_))),
            Ok(None) => Ok(false),
            Err(error) => Err(error),
        };
        match still {
            Ok(true) => {}
            Ok(false) => return,
            // A busy database is not a reason to cut someone off; the next check decides.
            Err(error) => tracing::warn!(instance = id, ?error, "cannot check a websocket's visitor"),
        }
    }
}

/// [`instances::logs::PEER_LOGS_PATH`]: another server forwards an instance's log request here
/// with a claim for its caller, whose rights are checked again here.
async fn peer_logs(
    State(proxy): State<Proxy>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Query(params): Query<instances::routes::LogParams>,
    headers: HeaderMap,
) -> Response {
    let claim = headers.get(instances::logs::CLAIM_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    instances::logs::respond_to_peer(proxy.state.clone(), claim, id, params.follow).await.into_response()
}

// ---------------------------------------------------------------------------------------------
// Small pages and redirects.

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let value = HeaderValue::from_str(location).unwrap_or_else(|_| HeaderValue::from_static("/"));
    response.headers_mut().insert(header::LOCATION, value);
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A short HTML page of the proxy's own (not the app's).
fn page(status: StatusCode, title: &str, body_html: &str) -> Response {
    const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}";
    // No script at all; the one style sheet above, by its hash; not framed by anyone.
    static POLICY: std::sync::OnceLock<HeaderValue> = std::sync::OnceLock::new();
    let policy = POLICY.get_or_init(|| {
        let style = crate::http::web_app::hash_source(STYLE);
        let policy = format!("default-src 'none'; style-src {style}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
        HeaderValue::from_str(&policy).expect("base64 is a valid header value")
    });
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>{STYLE}</style></head><body><h1>{title}</h1>{body_html}</body></html>",
        title = html_escape(title)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, policy.clone());
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

fn internal_error(error: ApiError) -> Response {
    if let ApiError::Internal(cause) = &error {
        tracing::error!(error = ?cause, "internal error on the apps origin");
    }
    page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "<p>Something went wrong on the server; the details are in its log.</p>")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_inside_the_instance() {
        assert_eq!(instance_next(7, Some("/instances/7/page?x=1")), "/instances/7/page?x=1");
        for hostile in ["/instances/8/", "https://evil.example/", "//evil.example/", "/instances/7/../8/", "/instances/7/%2E%2e/8/", "/instances/7/\\x", "/instances/7/ x", "/instances/7", "/instances/7/\r\nSet-Cookie: a=b"] {
            assert_eq!(instance_next(7, Some(hostile)), "/instances/7/", "{hostile:?}");
        }
        assert_eq!(instance_next(7, None), "/instances/7/");
    }

    #[test]
    fn an_internal_url_is_http_host_and_port() {
        assert_eq!(check_internal_url("http://10.0.0.5:8081/").unwrap(), "http://10.0.0.5:8081");
        assert_eq!(check_internal_url("http://wavehub-1.wavehub:8081").unwrap(), "http://wavehub-1.wavehub:8081");
        assert_eq!(check_internal_url("http://[::1]:8081").unwrap(), "http://[::1]:8081");
        for bad in ["10.0.0.5:8081", "https://10.0.0.5:8081", "http://10.0.0.5", "http://:8081", "http://h:8081/apps", "http://u@h:1", "http://h:99999"] {
            let error = check_internal_url(bad).unwrap_err().to_string();
            assert!(error.contains("--internal-url must be http://HOST:PORT") && error.contains(bad.trim_end_matches('/')), "{bad}: {error}");
        }
    }

    #[test]
    fn instance_ids_are_canonical() {
        assert_eq!(instance_id("/instances/7/"), Some(7));
        assert_eq!(instance_id("/instances/7/_s/"), Some(7));
        assert_eq!(instance_id("/instances/07/"), None);
        assert_eq!(instance_id("/instances/-1/"), None);
        assert_eq!(instance_id("/instances/x/"), None);
    }

    #[test]
    fn wavehub_cookies_are_filtered_both_ways() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("wavehub_session=a; app=1; wavehub_apps=b"));
        headers.append(header::COOKIE, HeaderValue::from_static("__Host-wavehub-x=c; other=2"));
        assert_eq!(app_cookies(&headers).unwrap(), "app=1; other=2");
        headers.remove(header::COOKIE);
        headers.insert(header::COOKIE, HeaderValue::from_static("wavehub_apps=b"));
        assert!(app_cookies(&headers).is_none());

        let mut response = HeaderMap::new();
        for cookie in ["wavehub_session=x; Path=/", "app=1", "wavehub_apps=y", "__Host-wavehub-z=1; Secure"] {
            response.append(header::SET_COOKIE, HeaderValue::from_static(cookie));
        }
        remove_wavehub_set_cookies(&mut response);
        assert_eq!(response.get_all(header::SET_COOKIE).iter().collect::<Vec<_>>(), ["app=1"]);
    }

    #[test]
    fn hop_by_hop_headers_go_with_what_connection_names() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, x-private"));
        headers.insert("x-private", HeaderValue::from_static("1"));
        headers.insert(header::TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        headers.insert("x-kept", HeaderValue::from_static("1"));
        remove_hop_by_hop(&mut headers);
        assert_eq!(headers.keys().map(|k| k.as_str()).collect::<Vec<_>>(), ["x-kept"]);
    }
}
