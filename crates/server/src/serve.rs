//! `wavehub serve`: bind, open the data dir, make sure an admin exists, serve until Ctrl-C/SIGTERM.

use crate::http;
use crate::accounts::users::{insert_user, InsertUserError};
use crate::db::Db;
use crate::http::state::{AppState, Config};
use crate::on_db;
use anyhow::{bail, Context};
use std::future::IntoFuture;
use tokio::net::TcpListener;
use wavehub_core::accounts::{check_password, NewUser, Role};

/// The account the first start creates.
pub const FIRST_ADMIN: &str = "admin";

pub struct ServeOptions {
    pub listen: String,
    /// Where instances are served (the apps origin); by default the console's port + 1.
    pub apps_listen: Option<String>,
    /// The console's public URL, when it is not `http://<listen>` (behind a TLS proxy).
    pub public_url: Option<String>,
    /// The apps origin's public URL, when it is not `http://<apps listen>`.
    pub apps_url: Option<String>,
    pub config: Config,
    /// `WAVEHUB_ADMIN_PASSWORD`: the first admin's password, if chosen.
    pub admin_password: Option<String>,
    pub demo: bool,
    /// The platform's runtime images (`--bootstrap FILE`), applied at every start.
    pub bootstrap: Option<std::path::PathBuf>,
}

pub async fn run(options: ServeOptions) -> anyhow::Result<()> {
    // Bind first: a busy port is the most common start-up failure and should cost nothing.
    let listener = bind(&options.listen, "--listen").await?;
    let address = listener.local_addr()?;
    let apps_listen = options.apps_listen.clone().unwrap_or_else(|| default_apps_listen(&options.listen));
    let apps_listener = bind(&apps_listen, "--apps-listen").await?;
    let apps_address = apps_listener.local_addr()?;
    let mut config = options.config;
    config.public_url = options.public_url.clone().unwrap_or_else(|| format!("http://{address}")).trim_end_matches('/').to_owned();
    config.apps_url = options.apps_url.clone().unwrap_or_else(|| format!("http://{apps_address}")).trim_end_matches('/').to_owned();
    if let Some(url) = &config.internal_url {
        config.internal_url = Some(crate::instances::proxy::check_internal_url(url)?);
    }

    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create the data dir {}", config.data_dir.display()))?;
    // Resolved once, here: instances run in folders of their own, where a relative data dir
    // (the default, `wavehub-data`) would point somewhere else.
    config.data_dir = std::fs::canonicalize(&config.data_dir)
        .with_context(|| format!("cannot resolve the data dir {}", config.data_dir.display()))?;
    if let Some(folder) = config.launch.sandbox.then(|| crate::instances::runner::sandbox::unreachable_for_instances(&config.data_dir)).flatten() {
        // Said at start, not only at the first launch.
        announce(format!("Warning: {}", crate::instances::runner::sandbox::unreachable_reason(&folder)));
    }
    // Reached now, so a wrong bucket or key stops the start instead of the first import.
    let blobs = crate::store::blobs::BlobStore::open(config.blob_store.as_ref(), &config.data_dir).await?;
    crate::store::uploads::remove_leftovers(&config);
    let db = crate::db::connect(&config.database, &config.data_dir).await?;
    let (sealer, key_source) = crate::store::sealing::SecretBox::load_or_create(&config.data_dir, config.secret_key_file.as_deref())?;
    if let crate::store::sealing::KeySource::Created(path) = &key_source {
        announce(format!("Created the key that seals secret values: {} (back it up apart from the database; docs/secrets.md)", path.display()));
    }
    let sealed = crate::store::secrets::seal_plain_values(&db, &sealer).await?;
    if sealed > 0 {
        tracing::warn!(sealed, "secret values stored in plain text by an older Wavehub are sealed now");
    }
    let first_admin = ensure_first_admin(&db, options.admin_password).await?;
    let orphans = crate::instances::mark_orphans(&db, config.internal_url.as_deref()).await?;
    if orphans > 0 {
        tracing::warn!(orphans, "instances that ran under this server's previous process are marked failed");
    }
    let shutdown = shutdown_signal().context("cannot listen for Ctrl-C and SIGTERM")?;
    let bootstrap_file = options.bootstrap.clone().or_else(|| options.demo.then(crate::store::demo::demo_bootstrap_file));
    let bootstrap_line = match &bootstrap_file {
        Some(path) => {
            let applied = crate::runtime_images::bootstrap::apply_file(&db, path).await?;
            Some(format!(
                "Platform runtime images from {}: {} in the file ({} new), {} disabled because they left it.",
                path.display(),
                applied.images,
                applied.created,
                applied.removed
            ))
        }
        None => None,
    };
    let blobs_line = config.blob_store.is_some().then(|| format!("Bundles are kept in {}.", blobs.describe()));
    let database_line = (config.database != crate::db::DatabaseLocation::DataDir).then(|| format!("The database is {}.", config.database));
    let state = AppState::with_blobs(db, config, sealer, blobs);
    let demo_lines = if options.demo { crate::store::demo::load(&state, &crate::store::demo::demo_dir()).await? } else { Vec::new() };
    // Before the first request, so the first search anyone types is not the one that waits for it.
    crate::store::catalog::load_shared_rows(&state).await.map_err(|e| anyhow::anyhow!("cannot read the shared catalog: {e}"))?;
    // In the background: listing a large bucket takes a while, and nothing waits for it.
    let sweeping = state.clone();
    tokio::spawn(async move {
        match crate::store::catalog::remove_orphan_blobs(&sweeping).await {
            Ok(0) => {}
            Ok(removed) => tracing::warn!(removed, "removed blobs that killed imports left behind"),
            Err(error) => tracing::error!(error = %error, "cannot sweep the blob store for blobs killed imports left"),
        }
    });
    tokio::spawn(crate::instances::watch_ended_elsewhere(state.clone()));
    let app = http::router(state.clone());
    let apps = crate::instances::proxy::router(state.clone());

    let url = format!("http://{address}");
    match first_admin {
        FirstAdmin::AlreadyThere => announce(format!("Sign in at {url} with your account.")),
        FirstAdmin::CreatedWithGivenPassword => {
            announce(format!("Created the first account: `{FIRST_ADMIN}`, with the password from WAVEHUB_ADMIN_PASSWORD."));
            announce(format!("Sign in at {url} as `{FIRST_ADMIN}`."));
        }
        FirstAdmin::CreatedWithRandomPassword(password) => {
            announce(format!("Created the first account: `{FIRST_ADMIN}`, password: {password}"));
            announce("(shown only this once; set WAVEHUB_ADMIN_PASSWORD before the first start to choose it)".into());
            announce(format!("Sign in at {url} as `{FIRST_ADMIN}`."));
        }
    }
    for line in database_line.into_iter().chain(blobs_line).chain(bootstrap_line).chain(demo_lines) {
        announce(line);
    }
    announce(format!("Apps open at {} (a separate origin; see docs/instances.md before exposing it)", state.config.apps_url));
    // Tests and scripts wait for this exact line: the server answers from here on.
    announce(format!("Wavehub is listening on {url}"));

    let (stop_console, stop_apps) = shutdown_pair(shutdown);
    let apps_server = axum::serve(apps_listener, apps.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(stop_apps);
    let console_server = serve_console(listener, app, state.config.header_read_timeout, stop_console);
    let (console, apps) = tokio::join!(console_server, apps_server.into_future());
    console?;
    apps?;
    state.runner.stop_all().await;
    state.db.close().await;
    announce("Wavehub stopped.".into());
    Ok(())
}

/// The console's HTTP/1.1 server: what `axum::serve` does, plus a limit on how long a client may
/// take to send a request's headers (`axum::serve` sets none, so a client that opened connections and
/// sent nothing held them forever). The same limit closes keep-alive connections left idle that
/// long. Handlers can read the client's address (`ConnectInfo<SocketAddr>`). Stops taking
/// connections when `shutdown` ends, then waits for the requests in flight.
pub async fn serve_console(
    listener: TcpListener,
    app: axum::Router,
    header_read_timeout: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let (stop_sender, stop) = tokio::sync::watch::channel(false);
    // Every connection holds a sender; `recv` ends when the last one is gone.
    let (open_sender, mut all_closed) = tokio::sync::mpsc::channel::<()>(1);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // A client that gave up is its own business; anything else (no file descriptors
                    // left) passes, so wait a moment instead of spinning, as axum::serve does.
                    if !matches!(error.kind(), std::io::ErrorKind::ConnectionAborted | std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionRefused) {
                        tracing::error!(%error, "cannot accept a connection");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = app.clone().map_request(move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(axum::extract::ConnectInfo(remote));
            request
        });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let mut stop = stop.clone();
        let open = open_sender.clone();
        tokio::spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(header_read_timeout);
            let connection = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
            tokio::pin!(connection);
            let mut stopping = false;
            loop {
                tokio::select! {
                    result = connection.as_mut() => {
                        if let Err(error) = result {
                            tracing::debug!(%error, %remote, "connection ended");
                        }
                        break;
                    }
                    _ = stop.wait_for(|stopped| *stopped), if !stopping => {
                        stopping = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(open);
        });
    }
    drop(listener);
    let _ = stop_sender.send(true);
    drop(open_sender);
    let _ = all_closed.recv().await;
    Ok(())
}

async fn bind(listen: &str, flag: &str) -> anyhow::Result<TcpListener> {
    match TcpListener::bind(listen).await {
        Ok(listener) => Ok(listener),
        Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
            let port = listen.rsplit(':').next().unwrap_or(listen);
            bail!("cannot listen on {listen}: port {port} is already in use; stop the other server or choose another port with {flag}")
        }
        Err(error) => bail!("cannot listen on {listen} ({flag}): {error}"),
    }
}

/// The apps origin's default address: the console's host, the next port (`:0` stays `:0`).
fn default_apps_listen(listen: &str) -> String {
    match listen.rsplit_once(':') {
        Some((host, port)) => match port.parse::<u16>() {
            Ok(0) => format!("{host}:0"),
            Ok(port) => format!("{host}:{}", port.wrapping_add(1)),
            Err(_) => listen.to_owned(),
        },
        None => listen.to_owned(),
    }
}

/// One shutdown signal, for two servers.
fn shutdown_pair(
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> (impl std::future::Future<Output = ()> + Send + 'static, impl std::future::Future<Output = ()> + Send + 'static) {
    let (sender, receiver) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = sender.send(true);
    });
    let wait = |mut receiver: tokio::sync::watch::Receiver<bool>| async move {
        let _ = receiver.wait_for(|stopped| *stopped).await;
    };
    (wait(receiver.clone()), wait(receiver))
}

enum FirstAdmin {
    AlreadyThere,
    CreatedWithGivenPassword,
    CreatedWithRandomPassword(String),
}

/// On the first start (no users at all) creates `admin`.
async fn ensure_first_admin(db: &Db, given_password: Option<String>) -> anyhow::Result<FirstAdmin> {
    let users: i64 = on_db!(db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await)?;
    if users > 0 {
        return Ok(FirstAdmin::AlreadyThere);
    }
    let (password, outcome) = match given_password.filter(|p| !p.is_empty()) {
        Some(password) => {
            if let Some(finding) = check_password(&password).first() {
                bail!("WAVEHUB_ADMIN_PASSWORD is not acceptable: {}", finding.message);
            }
            (password, FirstAdmin::CreatedWithGivenPassword)
        }
        None => {
            let password = crate::accounts::auth::random_password();
            (password.clone(), FirstAdmin::CreatedWithRandomPassword(password))
        }
    };
    let admin = NewUser { username: FIRST_ADMIN.into(), password, roles: vec![Role::Admin] };
    match insert_user(db, &admin).await {
        Ok(_) => Ok(outcome),
        // Another server starting on the same empty database created it after the count.
        Err(InsertUserError::Taken(_)) => Ok(FirstAdmin::AlreadyThere),
        Err(e) => Err(anyhow::anyhow!("cannot create the first admin: {e}")),
    }
}

/// Registers the Ctrl-C and SIGTERM handlers now, and returns a future that ends at the first of
/// them. Registering before the "listening" line matters: a script that sends SIGTERM as soon as
/// it reads that line must get a graceful stop, not the default action (killed).
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{signal, SignalKind};
        (signal(SignalKind::interrupt())?, signal(SignalKind::terminate())?)
    };
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c().await.ok();
        tracing::info!("shutting down: finishing requests in flight");
    })
}

/// Prints a line for the person who started the server. A closed stdout (the terminal went away,
/// a pipe's reader stopped) must not crash a running server, so write errors are ignored.
fn announce(line: String) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two servers starting on one empty database: both start, one of them made the admin.
    #[tokio::test]
    async fn two_first_starts_make_one_admin() {
        let data = tempfile::tempdir().unwrap();
        let db = crate::db::open(data.path()).await.unwrap();
        let password = || Some("a long enough password 1".to_owned());
        let (a, b) = tokio::join!(ensure_first_admin(&db, password()), ensure_first_admin(&db, password()));
        let created = [a.unwrap(), b.unwrap()].iter().filter(|outcome| !matches!(outcome, FirstAdmin::AlreadyThere)).count();
        assert_eq!(created, 1);
        let users: i64 = on_db!(&db, |pool| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await).unwrap();
        assert_eq!(users, 1);
    }
}
