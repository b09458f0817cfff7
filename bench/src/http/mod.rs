//! The HTTP benchmarks (`cargo xtask bench catalog`, `cargo xtask bench runtime-images`): one
//! [`Scenario`] each ([`catalog::scenario`], [`runtime_images::scenario`]), run by
//! [`scenario::run`] once xtask has installed the tools and built the server and the seeder:
//!
//! 1. seeds a data dir with `wavehub-seed` ([`seeded`]), reused while its marker matches;
//! 2. starts `wavehub serve` ([`server`]), signs in and plans the URLs ([`client`], the scenario's
//!    `plan`), writing the static peer: a file of exactly the default page's bytes;
//! 3. for each URL, on a freshly started server: one timed request, then wrk ([`load`]);
//! 4. the page in headless Chromium (`bench/<scenario>/run.mjs`, [`page`]);
//! 5. the report, printed and written to `docs/bench-<scenario>.md` ([`report`]).
//!
//! `cargo xtask bench launch` and the schemathesis step use the server, client and report parts too.

pub mod catalog;
pub mod client;
pub mod load;
pub mod page;
pub mod report;
pub mod runtime_images;
pub mod scenario;
pub mod seeded;
pub mod server;

pub use scenario::{Env, Plan, Scenario, Seed, UnderWrites};

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How to start the tools xtask installed: the PATH that finds them (wrk, node) and Chromium.
#[derive(Debug, Clone)]
pub struct Tools {
    pub path: OsString,
    pub chromium: PathBuf,
}

impl Tools {
    /// `program` run in `dir` with the tools' PATH.
    pub fn command(&self, dir: impl AsRef<Path>, program: &str) -> Command {
        let mut command = Command::new(program);
        command.current_dir(dir).env("PATH", &self.path);
        command
    }
}
