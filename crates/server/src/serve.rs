//! `wavehub serve`: bind, open the data dir, make sure an admin exists, serve until Ctrl-C/SIGTERM.

use crate::routes;
use crate::routes::users::insert_user;
use crate::state::{AppState, Config};
use anyhow::{bail, Context};
use sqlx::SqlitePool;
use tokio::net::TcpListener;
use wavehub_core::accounts::{check_password, NewUser, Role};

/// The account the first start creates.
pub const FIRST_ADMIN: &str = "admin";

pub struct ServeOptions {
    pub listen: String,
    pub config: Config,
    /// `WAVEHUB_ADMIN_PASSWORD`: the first admin's password, if chosen.
    pub admin_password: Option<String>,
    pub demo: bool,
    /// The platform's runtime images (`--bootstrap FILE`), applied at every start.
    pub bootstrap: Option<std::path::PathBuf>,
}

pub async fn run(options: ServeOptions) -> anyhow::Result<()> {
    // Bind first: a busy port is the most common start-up failure and should cost nothing.
    let listener = bind(&options.listen).await?;
    let address = listener.local_addr()?;
    let config = options.config;

    std::fs::create_dir_all(config.data_dir.join(crate::blobs::BLOB_DIR))
        .with_context(|| format!("cannot create the data dir {}", config.data_dir.display()))?;
    let db = crate::db::open(&config.data_dir).await?;
    let first_admin = ensure_first_admin(&db, options.admin_password).await?;
    let orphans = crate::instances::mark_orphans(&db).await?;
    if orphans > 0 {
        tracing::warn!(orphans, "instances that ran under the previous server process are marked failed");
    }
    let shutdown = shutdown_signal().context("cannot listen for Ctrl-C and SIGTERM")?;
    let bootstrap_file = options.bootstrap.clone().or_else(|| options.demo.then(crate::demo::demo_bootstrap_file));
    let bootstrap_line = match &bootstrap_file {
        Some(path) => {
            let applied = crate::bootstrap::apply_file(&db, path).await?;
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
    let state = AppState::new(db, config);
    let demo_lines = if options.demo { crate::demo::load(&state, &crate::demo::demo_dir()).await? } else { Vec::new() };
    let app = routes::router(state.clone());

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
    for line in bootstrap_line.into_iter().chain(demo_lines) {
        announce(line);
    }
    // Tests and scripts wait for this exact line: the server answers from here on.
    announce(format!("Wavehub is listening on {url}"));

    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    state.db.close().await;
    announce("Wavehub stopped.".into());
    Ok(())
}

async fn bind(listen: &str) -> anyhow::Result<TcpListener> {
    match TcpListener::bind(listen).await {
        Ok(listener) => Ok(listener),
        Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {
            let port = listen.rsplit(':').next().unwrap_or(listen);
            bail!("cannot listen on {listen}: port {port} is already in use; stop the other server or choose another port with --listen")
        }
        Err(error) => bail!("cannot listen on {listen}: {error}"),
    }
}

enum FirstAdmin {
    AlreadyThere,
    CreatedWithGivenPassword,
    CreatedWithRandomPassword(String),
}

/// On the first start (no users at all) creates `admin`.
async fn ensure_first_admin(db: &SqlitePool, given_password: Option<String>) -> anyhow::Result<FirstAdmin> {
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(db).await?;
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
            let password = crate::auth::random_password();
            (password.clone(), FirstAdmin::CreatedWithRandomPassword(password))
        }
    };
    let admin = NewUser { username: FIRST_ADMIN.into(), password, roles: vec![Role::Admin] };
    insert_user(db, &admin).await.map_err(|e| anyhow::anyhow!("cannot create the first admin: {e}"))?;
    Ok(outcome)
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
