//! `wavehub-seed`: fills a data dir with generated data for the HTTP benchmarks (`cargo xtask bench
//! catalog`, `cargo xtask bench runtime-images`). Not for real servers, and not part of `wavehub`.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use wavehub_seed::{catalog, runtime_images};

#[derive(Parser)]
#[command(name = "wavehub-seed", about = "Fill a Wavehub data dir with generated benchmark data (not for real servers)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// App rows for `cargo xtask bench catalog` (first admin from WAVEHUB_ADMIN_PASSWORD).
    Catalog {
        /// The data dir to fill; created when missing. It must not hold seeded apps yet.
        #[arg(long)]
        data_dir: PathBuf,
        /// The database, when it is not DATA_DIR/wavehub.db (as `wavehub serve --database-url`).
        #[arg(long)]
        database_url: Option<String>,
        /// How many app rows (name+version) to insert.
        #[arg(long, default_value_t = 100_000)]
        apps: usize,
        /// The generator's seed: the same seed and count give the same catalog.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Runtime images for `cargo xtask bench runtime-images` (first admin from
    /// WAVEHUB_ADMIN_PASSWORD, the workspace's users from WAVEHUB_BENCH_PASSWORD).
    RuntimeImages {
        /// The data dir to fill; created when missing. Its workspace `bench` must have no images yet.
        #[arg(long)]
        data_dir: PathBuf,
        /// How many images to put in workspace `bench` (and a twentieth as many in `default`).
        #[arg(long, default_value_t = 10_000)]
        images: usize,
        /// How many versions each image gets.
        #[arg(long, default_value_t = 20)]
        versions: usize,
        /// The generator's seed: the same arguments give the same images.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let admin_password = std::env::var("WAVEHUB_ADMIN_PASSWORD").ok();
    match Cli::parse().command {
        Command::Catalog { data_dir, database_url, apps, seed } => wavehub_seed::run(
            catalog::seed_catalog(&data_dir, database_url.as_deref(), apps, seed, admin_password),
            |report| report.summary(&data_dir),
        ),
        Command::RuntimeImages { data_dir, images, versions, seed } => {
            let user_password = std::env::var("WAVEHUB_BENCH_PASSWORD").ok();
            wavehub_seed::run(runtime_images::seed(&data_dir, images, versions, seed, admin_password, user_password), |report| {
                report.summary(&data_dir)
            })
        }
    }
}
