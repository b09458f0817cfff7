//! A one-node Garage (a real, distributed S3-compatible object store, from crates.io), with one
//! bucket and one key allowed to read and write it; the server is killed when dropped.

use crate::scratch::Scratch;
use crate::{free_port, run};
use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// The bucket made at start, and the region the S3 API answers for.
pub const BUCKET: &str = "wavehub";
pub const REGION: &str = "garage";

pub struct Garage {
    scratch: Scratch,
    server: Child,
    /// `http://127.0.0.1:<port>`: the S3 API, path-style.
    pub endpoint: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl Garage {
    /// Starts a node, gives it the whole (one-node) layout, makes [`BUCKET`] and a key for it.
    pub fn start() -> Result<Self, String> {
        let scratch = Scratch::new("garage")?;
        let (rpc_port, s3_port) = (free_port()?, free_port()?);
        let config = format!(
            "metadata_dir = \"{dir}/meta\"\ndata_dir = \"{dir}/data\"\ndb_engine = \"sqlite\"\nreplication_factor = 1\n\
             rpc_bind_addr = \"127.0.0.1:{rpc_port}\"\nrpc_public_addr = \"127.0.0.1:{rpc_port}\"\nrpc_secret = \"{secret}\"\n\n\
             [s3_api]\ns3_region = \"{REGION}\"\napi_bind_addr = \"127.0.0.1:{s3_port}\"\nroot_domain = \".s3.garage.localhost\"\n",
            dir = scratch.path().display(),
            secret = random_hex(32)?,
        );
        let config_file = scratch.path().join("garage.toml");
        std::fs::write(&config_file, config).map_err(|e| format!("cannot write {}: {e}", config_file.display()))?;
        let log = std::fs::File::create(scratch.path().join("garage.log")).map_err(|e| e.to_string())?;
        let server = Command::new(garage_binary())
            .arg("-c")
            .arg(&config_file)
            .arg("server")
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start garage ({e}): `cargo xtask tools` installs it with `cargo install garage`"))?;
        let cli = move || {
            let mut command = Command::new(garage_binary());
            command.arg("-c").arg(&config_file);
            command
        };
        let mut garage = Garage { scratch, server, endpoint: format!("http://127.0.0.1:{s3_port}"), access_key_id: String::new(), secret_access_key: String::new() };

        // `node id` reads the node's key file, which the server writes first; the layout needs its
        // RPC port, which can take longer to open on a busy machine.
        let node_id = garage.wait_for(|| run(cli().args(["node", "id", "-q"]), "garage node id"))?;
        let node_id = String::from_utf8_lossy(&node_id.stdout);
        let node_id = node_id.trim().split('@').next().unwrap_or_default().to_owned();
        garage.wait_for(|| run(cli().args(["layout", "assign", "-z", "dc1", "-c", "1G", &node_id]), "garage layout assign"))?;
        run(cli().args(["layout", "apply", "--version", "1"]), "garage layout apply")?;
        run(cli().args(["bucket", "create", BUCKET]), "garage bucket create")?;
        let key = run(cli().args(["key", "create", "wavehub-tests"]), "garage key create")?;
        let key = String::from_utf8_lossy(&key.stdout).into_owned();
        garage.access_key_id = field(&key, "Key ID")?;
        garage.secret_access_key = field(&key, "Secret key")?;
        run(cli().args(["bucket", "allow", "--read", "--write", "--owner", BUCKET, "--key", "wavehub-tests"]), "garage bucket allow")?;
        Ok(garage)
    }

    /// Retries `step` for up to 30 s while the server starts; the log says why when it never does.
    fn wait_for<T>(&mut self, mut step: impl FnMut() -> Result<T, String>) -> Result<T, String> {
        let started = Instant::now();
        loop {
            match step() {
                Ok(value) => return Ok(value),
                Err(error) if started.elapsed() > Duration::from_secs(30) || self.server.try_wait().ok().flatten().is_some() => {
                    let mut log = String::new();
                    let _ = std::fs::File::open(self.scratch.path().join("garage.log")).and_then(|mut f| f.read_to_string(&mut log));
                    return Err(format!("garage did not start: {error}\n{log}"));
                }
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }
}

impl Drop for Garage {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// `garage` on PATH, else where `cargo install` puts it.
fn garage_binary() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"));
    let installed = home.join("bin/garage");
    if installed.is_file() {
        installed
    } else {
        PathBuf::from("garage")
    }
}

/// The value after `name:` on a line of `garage key create`'s answer.
fn field(text: &str, name: &str) -> Result<String, String> {
    text.lines()
        .find_map(|line| line.trim().strip_prefix(name).and_then(|rest| rest.trim_start().strip_prefix(':')))
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .ok_or_else(|| format!("no `{name}:` in garage's answer:\n{text}"))
}

/// `bytes` random bytes as hex, from the kernel.
fn random_hex(bytes: usize) -> Result<String, String> {
    let mut buffer = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut buffer)).map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_one_node_store_serves_s3_and_refuses_anonymous_requests() {
        let garage = Garage::start().unwrap();
        assert!(garage.access_key_id.starts_with("GK"), "{}", garage.access_key_id);
        assert_eq!(garage.secret_access_key.len(), 64);
        // The S3 API answers on its port: an unsigned listing of the bucket is refused, in S3's words.
        let address = garage.endpoint.trim_start_matches("http://").to_owned();
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(stream, "GET /{BUCKET}/ HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
        assert!(answer.contains("<Code>AccessDenied</Code>") || answer.contains("<Error>"), "{answer}");
        let folder = garage.scratch.path().to_path_buf();
        drop(garage);
        assert!(!folder.exists(), "its folder is gone");
    }

    #[test]
    fn reads_the_key_from_garages_answer() {
        let answer = "==== ACCESS KEY INFORMATION ====\nKey ID:              GK31c2f218a2e44f485b94239e\nKey name:            wavehub-tests\nSecret key:          b892c0665f0ada8a4755dae98baa3b133590e11dae3bcc1f9d769d67f16c3835\n";
        assert_eq!(field(answer, "Key ID").unwrap(), "GK31c2f218a2e44f485b94239e");
        assert_eq!(field(answer, "Secret key").unwrap(), "b892c0665f0ada8a4755dae98baa3b133590e11dae3bcc1f9d769d67f16c3835");
        assert!(field(answer, "Nothing").is_err());
    }
}
