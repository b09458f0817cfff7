//! Real services for Wavehub's tests, started on free loopback ports in a folder of their own and
//! stopped (the folder removed) when dropped:
//! - [`Postgres`]: a throwaway PostgreSQL cluster of Debian's packages (`initdb` + `pg_ctl`);
//! - [`Garage`]: a one-node Garage, a real S3-compatible object store, with a bucket and a key.
//!
//! Installing them is `cargo xtask`'s job (Debian's `postgresql`; `cargo install garage`); when
//! one is missing, starting it says how to get it.

pub mod garage;
pub mod postgres;
mod scratch;

pub use garage::Garage;
pub use postgres::Postgres;

use std::net::TcpListener;
use std::process::{Command, Output};

/// A loopback port nothing listens on right now.
pub fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free loopback port: {e}"))?;
    listener.local_addr().map(|address| address.port()).map_err(|e| e.to_string())
}

/// Runs `command` to completion: its output when it exits 0, otherwise an error naming `what`
/// with what it printed.
fn run(command: &mut Command, what: &str) -> Result<Output, String> {
    let output = command.output().map_err(|e| format!("{what}: cannot start {:?}: {e}", command.get_program()))?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
