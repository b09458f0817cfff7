//! `wavehub`: the server and the command line (see shared/API.md, "CLI").

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use wavehub_server::cli::{self, remote};
use wavehub_server::serve::{self, ServeOptions};
use wavehub_server::http::state::Config;

#[derive(Parser)]
#[command(name = "wavehub", version, about = "Wavehub: an app store for Wave apps and a console for runtime images")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: the API under /api/v1 and the web app.
    Serve(Box<ServeArgs>),
    /// Validate a folder or a .wave file exactly as the server would (exit 0 valid, 1 invalid, 2 error).
    Check {
        /// An app folder (with app.toml at its top) or a .wave/.zip file.
        path: PathBuf,
        /// Print `{valid, errors, warnings, manifest}` as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Package a folder into a .wave (honours .appignore), validate it, and print its path.
    Bundle {
        /// The app folder; the current folder when left out.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Where to write the bundle; `<Name>.<Version>.wave` in the current folder by default.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Check a folder or .wave file, package it when needed, and upload it (token from WAVEHUB_TOKEN).
    Import {
        /// An app folder or a .wave/.zip file.
        path: PathBuf,
        /// The Wavehub server, e.g. http://127.0.0.1:8080.
        #[arg(long, env = "WAVEHUB_SERVER")]
        server: String,
        /// PRIVATE (only you and admins) or ALL_USERS (the catalog).
        #[arg(short = 'v', long, default_value = "PRIVATE")]
        visibility: String,
    },
    /// App versions on a server: list, run, change visibility (token from WAVEHUB_TOKEN).
    Apps {
        #[command(subcommand)]
        action: AppsAction,
        /// The Wavehub server, e.g. http://127.0.0.1:8080.
        #[arg(long, env = "WAVEHUB_SERVER", global = true, default_value = "http://127.0.0.1:8080")]
        server: String,
    },
    /// Your app instances on a server: list them, read or follow their logs.
    Instances {
        #[command(subcommand)]
        action: InstancesAction,
        /// The Wavehub server, e.g. http://127.0.0.1:8080.
        #[arg(long, env = "WAVEHUB_SERVER", global = true, default_value = "http://127.0.0.1:8080")]
        server: String,
    },
    /// Re-seal every secret value under a new key and replace the key file (stop the server first).
    RotateSecretKey {
        /// The server's data dir.
        #[arg(long, env = "WAVEHUB_DATA_DIR", default_value = "wavehub-data")]
        data_dir: PathBuf,
        /// The key file, when it is not DATA_DIR/secret.key.
        #[arg(long, env = "WAVEHUB_SECRET_KEY_FILE")]
        secret_key_file: Option<PathBuf>,
        /// The server's database, when it is not DATA_DIR/wavehub.db (as `serve --database-url`).
        #[arg(long, env = "WAVEHUB_DATABASE_URL")]
        database_url: Option<wavehub_server::db::DatabaseLocation>,
    },
}

#[derive(Subcommand)]
enum AppsAction {
    /// The app versions you can see.
    List,
    /// Launch an instance of app version ID and wait until it runs.
    Run {
        id: i64,
        /// PRIVATE (you and admins) or ALL_USERS.
        #[arg(short = 'v', long, default_value = "PRIVATE")]
        visibility: String,
    },
    /// Change the visibility of app version ID (owner or admin).
    Update {
        id: i64,
        #[arg(short = 'v', long)]
        visibility: String,
        /// Why: kept in the app's history; required to make an ALL_USERS version PRIVATE.
        #[arg(short = 'r', long)]
        reason: Option<String>,
    },
}

#[derive(Subcommand)]
enum InstancesAction {
    /// Your instances.
    List,
    /// The log of instance ID; `-f` follows it until the instance ends.
    Logs {
        id: i64,
        #[arg(short = 'f', long)]
        follow: bool,
    },
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on (`127.0.0.1:0` picks a free port).
    #[arg(long, env = "WAVEHUB_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Where app instances are served: a second origin, so an app's pages can never act as the
    /// visitor inside the console (default: the --listen host, the next port).
    #[arg(long, env = "WAVEHUB_APPS_LISTEN")]
    apps_listen: Option<String>,
    /// The console's public URL when it is not http://<--listen> (e.g. behind a TLS proxy).
    #[arg(long, env = "WAVEHUB_PUBLIC_URL")]
    public_url: Option<String>,
    /// The apps origin's public URL when it is not http://<--apps-listen>, e.g. https://apps.example.com.
    #[arg(long, env = "WAVEHUB_APPS_URL")]
    apps_url: Option<String>,
    /// Where the other Wavehub servers on the same database reach this one's --apps-listen, e.g.
    /// http://10.0.0.5:8081: they forward visitors of the instances this server runs to it.
    #[arg(long, env = "WAVEHUB_INTERNAL_URL")]
    internal_url: Option<String>,
    /// Folder for the database (by default) and bundle blobs; created when missing.
    #[arg(long, env = "WAVEHUB_DATA_DIR", default_value = "wavehub-data")]
    data_dir: PathBuf,
    /// The database, when it is not DATA_DIR/wavehub.db: postgres://USER:PASSWORD@HOST:PORT/DATABASE
    /// (several servers share it), or a SQLite file (PATH or sqlite:PATH).
    #[arg(long, env = "WAVEHUB_DATABASE_URL")]
    database_url: Option<wavehub_server::db::DatabaseLocation>,
    /// Where bundles are kept (default DATA_DIR/blobs): a folder, or an S3-compatible bucket,
    /// s3://BUCKET[/PREFIX][?endpoint=URL&region=NAME] (or AWS_ENDPOINT_URL, AWS_REGION; credentials
    /// from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY).
    #[arg(long, env = "WAVEHUB_BLOB_STORE")]
    blob_store: Option<wavehub_server::store::blobs::BlobLocation>,
    /// The built web app (trunk's output folder).
    #[arg(long, env = "WAVEHUB_STATIC_DIR", default_value = "dist")]
    static_dir: PathBuf,
    /// Also load demo apps and users.
    #[arg(long, env = "WAVEHUB_DEMO", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    demo: bool,
    /// The platform's runtime images: a YAML file shaped like the Helm values
    /// (config.deployer.composition.runtimeImages), applied at every start.
    #[arg(long, env = "WAVEHUB_BOOTSTRAP")]
    bootstrap: Option<PathBuf>,
    /// Mark the session cookie Secure: set this when Wavehub is served over HTTPS.
    #[arg(long, env = "WAVEHUB_SECURE_COOKIES", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    secure_cookies: bool,
    /// The package index instances install requirements.txt from (default: pip's own configuration).
    #[arg(long, env = "WAVEHUB_PIP_INDEX_URL")]
    pip_index_url: Option<String>,
    /// One more argument for every pip install (repeatable), e.g. --pip-arg=--extra-index-url=URL.
    #[arg(long = "pip-arg", env = "WAVEHUB_PIP_ARGS", value_delimiter = ' ', allow_hyphen_values = true)]
    pip_args: Vec<String>,
    /// Offline mode: install requirements only from this folder of wheels (and the bundle's own).
    #[arg(long, env = "WAVEHUB_WHEELHOUSE")]
    wheelhouse: Option<PathBuf>,
    /// A pip constraints file for every install (default: `starlette<1`, which keeps apps on
    /// h2o-wave older than 1.8.9 running).
    #[arg(long, env = "WAVEHUB_PIP_CONSTRAINTS")]
    pip_constraints: Option<PathBuf>,
    /// The h2o-wave release whose Wave server (waved) serves every Wave app instance.
    #[arg(long, env = "WAVEHUB_WAVE_VERSION", default_value = wavehub_server::instances::runner::DEFAULT_WAVE_VERSION)]
    wave_version: String,
    /// Run app code without the sandbox, with the server's own rights: only where every app is
    /// trusted (a developer's machine without bubblewrap).
    #[arg(long, env = "WAVEHUB_NO_SANDBOX", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    no_sandbox: bool,
    /// The key that seals secret values (default DATA_DIR/secret.key, created on the first start;
    /// WAVEHUB_SECRET_KEY, 64 hex digits, overrides both).
    #[arg(long, env = "WAVEHUB_SECRET_KEY_FILE")]
    secret_key_file: Option<PathBuf>,
    /// Write an access log: one JSON object per request on stdout (time, method, path, status,
    /// latency_ms, client, user_id). Request lines on stderr are at debug (`WAVEHUB_LOG=tower_http=debug`).
    #[arg(long, env = "WAVEHUB_ACCESS_LOG", value_parser = clap::builder::BoolishValueParser::new(), action = clap::ArgAction::SetTrue)]
    access_log: bool,
    /// How long a sign-in lasts, in hours.
    #[arg(long, env = "WAVEHUB_SESSION_HOURS", default_value_t = 168, value_parser = clap::value_parser!(u32).range(1..=8760))]
    session_hours: u32,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = match cli.command {
        Command::Check { path, json } => return cli::check(&path, json),
        Command::Bundle { dir, output } => return cli::bundle(&dir, output),
        Command::Import { path, server, visibility } => {
            return cli::import(&path, &server, &visibility, std::env::var("WAVEHUB_TOKEN").ok())
        }
        Command::Apps { action, server } => {
            let remote = remote::Remote { server, token: std::env::var("WAVEHUB_TOKEN").ok() };
            return match action {
                AppsAction::List => remote::apps_list(&remote),
                AppsAction::Run { id, visibility } => remote::apps_run(&remote, id, &visibility),
                AppsAction::Update { id, visibility, reason } => remote::apps_update(&remote, id, &visibility, reason),
            };
        }
        Command::Instances { action, server } => {
            let remote = remote::Remote { server, token: std::env::var("WAVEHUB_TOKEN").ok() };
            return match action {
                InstancesAction::List => remote::instances_list(&remote),
                InstancesAction::Logs { id, follow } => remote::instances_logs(&remote, id, follow),
            };
        }
        Command::RotateSecretKey { data_dir, secret_key_file, database_url } => {
            let database = database_url.unwrap_or(wavehub_server::db::DatabaseLocation::DataDir);
            return rotate_secret_key(&data_dir, secret_key_file.as_deref(), &database);
        }
        Command::Serve(args) => args,
    };
    init_logging(args.access_log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&anyhow::anyhow!("cannot start the async runtime: {error}")),
    };
    let mut config = Config::new(args.data_dir, args.static_dir);
    config.blob_store = args.blob_store;
    config.database = args.database_url.unwrap_or(wavehub_server::db::DatabaseLocation::DataDir);
    config.secure_cookies = args.secure_cookies;
    config.session_lifetime = chrono::Duration::hours(i64::from(args.session_hours));
    config.launch.pip_index_url = args.pip_index_url;
    config.launch.pip_args = args.pip_args.into_iter().filter(|a| !a.is_empty()).collect();
    config.launch.wheelhouse = args.wheelhouse.map(|p| std::path::absolute(&p).unwrap_or(p));
    config.launch.constraints = args.pip_constraints.map(|p| std::path::absolute(&p).unwrap_or(p));
    config.launch.wave_version = args.wave_version;
    config.launch.sandbox = !args.no_sandbox;
    config.secret_key_file = args.secret_key_file;
    config.internal_url = args.internal_url;
    let options = ServeOptions {
        listen: args.listen,
        apps_listen: args.apps_listen,
        public_url: args.public_url,
        apps_url: args.apps_url,
        config,
        admin_password: std::env::var("WAVEHUB_ADMIN_PASSWORD").ok(),
        demo: args.demo,
        bootstrap: args.bootstrap,
    };
    match runtime.block_on(serve::run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

fn rotate_secret_key(data_dir: &std::path::Path, key_file: Option<&std::path::Path>, database: &wavehub_server::db::DatabaseLocation) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&anyhow::anyhow!("cannot start the async runtime: {error}")),
    };
    match runtime.block_on(wavehub_server::store::sealing::rotate(data_dir, key_file, database)) {
        Ok((count, path)) => {
            println!("re-sealed {count} secret values; the new key is in {} (the old one beside it, .old: delete it once backups no longer need it)", path.display());
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error),
    }
}

/// The server's log on stderr, filtered by `WAVEHUB_LOG` (default `info`), and with `access_log`
/// the access log on stdout: its events' messages alone, one JSON object per line.
fn init_logging(access_log: bool) {
    use tracing_subscriber::filter::{EnvFilter, Targets};
    use tracing_subscriber::prelude::*;
    use wavehub_server::http::ACCESS_LOG_TARGET;
    let access_off = format!("{ACCESS_LOG_TARGET}=off").parse().expect("a valid directive");
    let filter = EnvFilter::try_from_env("WAVEHUB_LOG").unwrap_or_else(|_| "info".into()).add_directive(access_off);
    let log = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_filter(filter);
    let access = access_log.then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stdout)
            .with_ansi(false)
            .without_time()
            .with_level(false)
            .with_target(false)
            .with_filter(Targets::new().with_target(ACCESS_LOG_TARGET, tracing::Level::INFO))
    });
    tracing_subscriber::registry().with(log).with(access).init();
}

/// One line on stderr, the causes joined, and exit 1.
fn fail(error: &anyhow::Error) -> ExitCode {
    let causes: Vec<String> = error.chain().map(ToString::to_string).collect();
    eprintln!("wavehub: {}", causes.join(": "));
    ExitCode::FAILURE
}
