//! A throwaway PostgreSQL cluster: `initdb` into a folder of its own, `pg_ctl start` on a free
//! loopback port, password-less (`trust`) for its one user; `pg_ctl stop` when dropped.

use crate::scratch::Scratch;
use crate::{free_port, run};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// The cluster's superuser, and the database made with it.
const USER: &str = "wavehub";

pub struct Postgres {
    scratch: Scratch,
    bin: PathBuf,
    port: u16,
    /// PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user.
    as_postgres_user: bool,
}

impl Postgres {
    /// Starts a new cluster with one database, `wavehub`.
    pub fn start() -> Result<Self, String> {
        let bin = bin_dir()?;
        let scratch = Scratch::new("postgres")?;
        let as_postgres_user = is_root();
        if as_postgres_user {
            run(Command::new("chown").arg("postgres:").arg(scratch.path()), "giving the cluster's folder to the postgres user")?;
        }
        let mut cluster = Postgres { scratch, bin, port: 0, as_postgres_user };
        let data = cluster.data_dir();
        run(
            cluster.tool("initdb").arg("-D").arg(&data).args(["-U", USER, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]),
            "initdb",
        )?;
        cluster.port = free_port()?;
        // A test cluster: nothing needs to survive a crash, so nothing waits for the disk.
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            cluster.port,
            cluster.scratch.path().display()
        );
        let log = cluster.scratch.path().join("postgres.log");
        run(cluster.tool("pg_ctl").arg("-D").arg(&data).arg("-l").arg(&log).args(["-w", "-t", "60", "-o", &options, "start"]), "pg_ctl start")
            .map_err(|e| format!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()))?;
        run(cluster.client("createdb").arg(USER), "createdb")?;
        Ok(cluster)
    }

    /// The URL of the `wavehub` database.
    pub fn url(&self) -> String {
        self.database_url(USER)
    }

    /// Makes a new empty database and returns its URL: one per test, so tests sharing the cluster
    /// never see each other's rows.
    pub fn create_database(&self) -> Result<String, String> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!("test_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        run(self.client("createdb").arg(&name), "createdb")?;
        Ok(self.database_url(&name))
    }

    /// Runs one SQL statement with `psql` in database `wavehub` and returns what it printed
    /// (unaligned, tuples only).
    pub fn psql(&self, sql: &str) -> Result<String, String> {
        let output = run(self.client("psql").args(["-X", "-A", "-t", "-d", USER, "-c", sql]), "psql")?;
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    fn database_url(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    fn data_dir(&self) -> PathBuf {
        self.scratch.path().join("data")
    }

    /// One of the cluster's programs, run as the user that owns it.
    fn tool(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    /// A client program connected to this cluster over TCP, as its superuser.
    fn client(&self, name: &str) -> Command {
        let mut command = Command::new(self.bin.join(name));
        command.args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER]);
        command
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.port != 0 {
            let _ = self.tool("pg_ctl").arg("-D").arg(self.data_dir()).args(["-m", "immediate", "-w", "stop"]).output();
        }
    }
}

/// Debian's `/usr/lib/postgresql/<version>/bin`, the newest version installed.
fn bin_dir() -> Result<PathBuf, String> {
    let root = Path::new("/usr/lib/postgresql");
    let versions = std::fs::read_dir(root).map(|dir| dir.flatten().map(|entry| entry.path()).collect::<Vec<_>>()).unwrap_or_default();
    let newest = versions
        .into_iter()
        .filter(|path| path.join("bin/initdb").is_file())
        .max_by_key(|path| path.file_name().and_then(|n| n.to_str()).and_then(|n| n.parse::<u32>().ok()).unwrap_or(0));
    newest.map(|path| path.join("bin")).ok_or_else(|| {
        "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): `cargo xtask tools` installs Debian's postgresql".to_owned()
    })
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throwaway_cluster_answers_on_its_port_keeps_databases_apart_and_goes_away() {
        let cluster = Postgres::start().unwrap();
        assert_eq!(cluster.psql("SELECT 40 + 2").unwrap(), "42");
        assert!(cluster.url().starts_with("postgres://wavehub@127.0.0.1:"));
        let (one, two) = (cluster.create_database().unwrap(), cluster.create_database().unwrap());
        assert_ne!(one, two);
        let listed = cluster.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'test\\_%'").unwrap();
        assert!(listed.parse::<u32>().unwrap() >= 2, "{listed}");
        let (port, folder) = (cluster.port(), cluster.scratch.path().to_path_buf());
        drop(cluster);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err(), "the cluster stopped");
        assert!(!folder.exists(), "its folder is gone");
    }
}
