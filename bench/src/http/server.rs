//! `wavehub serve` on a free loopback port for a benchmark, stopped when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How to start the benchmark's server: the binary, its data and static dirs, where its log goes,
/// and the first admin's password (used only when the database has no account yet).
pub struct ServerSpec {
    pub bin: PathBuf,
    pub data: PathBuf,
    pub static_dir: PathBuf,
    pub log: PathBuf,
    pub admin_password: &'static str,
    /// `--database-url`, when the database is not the data dir's SQLite file.
    pub database_url: Option<String>,
}

impl ServerSpec {
    pub fn start(&self) -> Result<Server, String> {
        Server::start(self)
    }
}

/// `wavehub serve` on a free loopback port, stopped (SIGTERM) when dropped.
pub struct Server {
    child: Child,
    pub url: String,
    pub addr: String,
}

impl Server {
    pub fn start(spec: &ServerSpec) -> Result<Server, String> {
        let mut serve = Command::new(&spec.bin);
        serve
            .current_dir(&spec.data)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&spec.data)
            .arg("--static-dir")
            .arg(&spec.static_dir)
            .env("WAVEHUB_ADMIN_PASSWORD", spec.admin_password)
            .env("WAVEHUB_LOG", "warn");
        if let Some(url) = &spec.database_url {
            serve.arg("--database-url").arg(url);
        }
        Server::spawn(serve, &spec.log)
    }

    /// Starts `serve` (a `wavehub serve` command), its stderr into `log`, and waits for the line
    /// that says where it listens.
    pub fn spawn(mut serve: Command, log: &Path) -> Result<Server, String> {
        let log_file = std::fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = serve
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {:?}: {e}", serve.get_program()))?;
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, receiver) = mpsc::channel();
        // Reads the line with the URL, then keeps reading so the server never blocks on stdout.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("Wavehub is listening on ") {
                    let _ = sender.send(url.trim().to_owned());
                }
            }
        });
        let mut server = Server { child, url: String::new(), addr: String::new() };
        match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(url) => {
                server.addr = url.trim_start_matches("http://").to_owned();
                server.url = url;
                Ok(server)
            }
            Err(_) => Err(format!("the server did not start within 60 s; see {}", log.display())),
        }
    }

    /// Stops the server at once (SIGKILL): SQLite cannot cancel a query that is running, and a
    /// graceful stop would wait for it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
