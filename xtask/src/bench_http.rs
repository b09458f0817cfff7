//! What the HTTP benchmarks (`bench catalog`, `bench runtime-images`) share: the seeded data dir
//! and its marker, `wavehub serve` on a free loopback port, a minimal HTTP client for sign-in and
//! checks, one load run per URL on a fresh server (one probe request, then wrk), the browser
//! script's output, and the report (header, load table with ratios to the static peer, page
//! table, notes) with the machine, the load average and the commit.

use crate::process::{command, run};
use crate::tools;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// wrk's settings: 2 threads (the machine has 2 cores), 32 connections, 10 s. The timeout is
/// raised from wrk's 2 s so slow answers count in the latencies instead of as errors.
pub const WRK_ARGS: &[&str] = &["-t2", "-c32", "-d10s", "--latency", "--timeout", "30s"];
/// Page loads measured in Chromium (after one warm-up load).
pub const PAGE_LOADS: u32 = 10;
/// How long the first request of a load run may take; a URL slower than this is not load-tested
/// (its server is killed instead, since SQLite cannot stop a running query).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long sign-in and the setup's requests may take.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(120);
/// The marker file written into a seeded data dir once seeding finished.
const SEEDED_MARKER: &str = "seeded-by-xtask";

// ---- the seeded data and the server ---------------------------------------------------------

/// Where `target/bench-data/` is, and the server binary copied there: another build on the machine
/// may relink `target/release/wavehub` during the runs. Builds the server and the benchmarks'
/// seeder `wavehub-seed` (release) first.
pub fn build_server(root: &Path, copy_name: &str) -> Result<(PathBuf, PathBuf), String> {
    run(command(root, "cargo").args(["build", "--release", "--package", "wavehub-server", "--package", "wavehub-seed"]), "cargo build")?;
    let bench_data = root.join("target/bench-data");
    let server_bin = bench_data.join(copy_name);
    std::fs::create_dir_all(&bench_data).map_err(|e| format!("cannot create {}: {e}", bench_data.display()))?;
    std::fs::copy(target_dir(root).join("release/wavehub"), &server_bin)
        .map_err(|e| format!("cannot copy the server binary to {}: {e}", server_bin.display()))?;
    Ok((bench_data, server_bin))
}

/// A data dir seeded by a `wavehub seed-...` command: made in this run, or reused.
pub struct Seeded {
    /// How long seeding took when it ran in this run.
    pub took: Option<Duration>,
    /// The marker's second line, from the run that seeded it.
    pub earlier: String,
}

impl Seeded {
    /// `seeded in this run in 21.4 s (wavehub seed-catalog)` or `reused from an earlier run (...)`.
    pub fn line(&self, seeder: &str) -> String {
        match self.took {
            Some(took) => format!("seeded in this run in {:.1} s ({seeder})", took.as_secs_f64()),
            None => format!("reused from an earlier run ({})", self.earlier),
        }
    }
}

/// Reuses `data` when its marker's first line is `wanted` (what was seeded, and the digest of the
/// seeder and the schema); otherwise empties it and runs `seed`, then writes the marker. `what` is
/// `[the reused data, the data to seed]` for the progress lines, e.g. `["catalog", "100000 app rows"]`.
pub fn ensure_seeded(
    root: &Path,
    data: &Path,
    wanted: &str,
    what: [&str; 2],
    step: &dyn Fn(&str),
    seed: &mut std::process::Command,
    seeder: &str,
) -> Result<Seeded, String> {
    let marker = std::fs::read_to_string(data.join(SEEDED_MARKER)).unwrap_or_default();
    if marker.lines().next() == Some(wanted) {
        step(&format!("reusing the seeded {} in {}", what[0], shown(root, data)));
        return Ok(Seeded { took: None, earlier: marker.lines().nth(1).unwrap_or("").trim().to_owned() });
    }
    step(&format!("seeding {} into {} (first run only)", what[1], shown(root, data)));
    let _ = std::fs::remove_dir_all(data);
    let seeded = Instant::now();
    run(seed, seeder)?;
    let took = seeded.elapsed();
    std::fs::write(data.join(SEEDED_MARKER), format!("{wanted}\nseeded in {:.1} s\n", took.as_secs_f64()))
        .map_err(|e| format!("cannot write the seeding marker: {e}"))?;
    Ok(Seeded { took: Some(took), earlier: String::new() })
}

/// A digest (64-bit FNV-1a) of the files under `paths` (relative to the root), with their paths, in
/// path order: the seeded data is reused only while it matches.
pub fn inputs_digest(root: &Path, paths: &[&str]) -> Result<u64, String> {
    let mut files = Vec::new();
    for path in paths {
        collect_files(&root.join(path), &mut files).map_err(|e| format!("cannot read {path}: {e}"))?;
    }
    files.sort();
    let mut digest = Fnv1a::new();
    for file in files {
        digest.update(shown(root, &file).as_bytes());
        digest.update(&std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?);
    }
    Ok(digest.0)
}

fn collect_files(path: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if std::fs::metadata(path)?.is_dir() {
        for entry in std::fs::read_dir(path)? {
            collect_files(&entry?.path(), files)?;
        }
    } else {
        files.push(path.to_path_buf());
    }
    Ok(())
}

pub struct Fnv1a(pub u64);

impl Fnv1a {
    pub fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    pub fn update(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Cargo's target folder: `CARGO_TARGET_DIR` when set, else `target/` at the root.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// A path relative to the root, for messages.
pub fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// The static dir the server serves: a copy of `dist/` (the page timing needs the web app), or a
/// placeholder `index.html` when it is not built (the server serves files only when one exists).
pub fn prepare_static_dir(root: &Path, dir: &Path) -> Result<(), String> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let dist = root.join("dist");
    if dist.join("index.html").is_file() {
        copy_dir(&dist, dir).map_err(|e| format!("cannot copy dist/ to {}: {e}", dir.display()))
    } else {
        std::fs::write(dir.join("index.html"), "<!doctype html><title>Wavehub bench</title>\n")
            .map_err(|e| format!("cannot write {}: {e}", dir.display()))
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&target)?;
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// How to start the benchmark's server: the binary, its data and static dirs, where its log goes,
/// and the first admin's password (used only when the database has no account yet).
pub struct ServerSpec {
    pub bin: PathBuf,
    pub data: PathBuf,
    pub static_dir: PathBuf,
    pub log: PathBuf,
    pub admin_password: &'static str,
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

/// The error text of a request that got no answer in time.
pub const TIMED_OUT: &str = "no answer within";

impl Server {
    fn start(spec: &ServerSpec) -> Result<Server, String> {
        let mut serve = command(&spec.data, &spec.bin);
        serve
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&spec.data)
            .arg("--static-dir")
            .arg(&spec.static_dir)
            .env("WAVEHUB_ADMIN_PASSWORD", spec.admin_password)
            .env("WAVEHUB_LOG", "warn");
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
        let _ = command(".", "kill").args(["-TERM", &self.child.id().to_string()]).status();
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

// ---- a minimal HTTP client -------------------------------------------------------------------

/// An HTTP answer.
#[derive(Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Parses a whole HTTP/1.1 answer (the connection was closed after it): status line, headers, and
/// the body, de-chunked when it came in chunks.
pub fn parse_response(raw: &[u8]) -> Result<HttpResponse, String> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no end of headers in the answer")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("bad status line `{status_line}`"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    let mut response = HttpResponse { status, headers, body: Vec::new() };
    let rest = &raw[split + 4..];
    response.body = if response.header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        dechunk(rest)?
    } else if let Some(length) = response.header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        rest.get(..length).ok_or("the answer is shorter than its Content-Length")?.to_vec()
    } else {
        rest.to_vec()
    };
    Ok(response)
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").ok_or("a chunk has no size line")?;
        let size_text = String::from_utf8_lossy(&rest[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| format!("bad chunk size `{size_text}`"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        body.extend_from_slice(rest.get(..size).ok_or("a chunk is cut short")?);
        rest = rest.get(size + 2..).unwrap_or_default();
    }
}

/// A minimal HTTP/1.1 client for loopback calls (sign-in, tokens, checks): one request per
/// connection, no TLS, no compression.
pub struct Api {
    pub addr: String,
    pub timeout: Duration,
}

impl Api {
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, cookie: Option<&str>, json: Option<&str>) -> Result<HttpResponse, String> {
        let fail = |e: std::io::Error| format!("{method} {path}: {e}");
        let mut stream = TcpStream::connect(&self.addr).map_err(fail)?;
        stream.set_read_timeout(Some(self.timeout)).map_err(fail)?;
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if let Some(token) = token {
            let _ = write!(request, "Authorization: Bearer {token}\r\n");
        }
        if let Some(cookie) = cookie {
            let _ = write!(request, "Cookie: {cookie}\r\n");
        }
        let body = json.unwrap_or("");
        if json.is_some() {
            let _ = write!(request, "Content-Type: application/json\r\nContent-Length: {}\r\n", body.len());
        }
        request.push_str("\r\n");
        request.push_str(body);
        stream.write_all(request.as_bytes()).map_err(fail)?;
        let mut raw = Vec::new();
        if let Err(error) = stream.read_to_end(&mut raw) {
            return Err(match error.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                    format!("{method} {path}: {TIMED_OUT} {} s", self.timeout.as_secs())
                }
                _ => fail(error),
            });
        }
        parse_response(&raw).map_err(|e| format!("{method} {path}: {e}"))
    }

    pub fn get_ok(&self, path: &str, token: &str) -> Result<HttpResponse, String> {
        let token = (!token.is_empty()).then_some(token);
        let answer = self.call("GET", path, token, None, None)?;
        if answer.status != 200 {
            return Err(format!("GET {path} answered {}: {}", answer.status, answer.text()));
        }
        Ok(answer)
    }

    /// Signs in and makes an API token named `<label> <date>`: `POST /auth/login`, then
    /// `POST /tokens` with the session.
    pub fn token(&self, username: &str, password: &str, label: &str) -> Result<String, String> {
        let login = self.call(
            "POST",
            "/api/v1/auth/login",
            None,
            None,
            Some(&format!(r#"{{"username":"{username}","password":"{password}"}}"#)),
        )?;
        if login.status != 200 {
            return Err(format!("signing in as {username} answered {}: {}", login.status, login.text()));
        }
        let cookie = login
            .header("set-cookie")
            .and_then(|value| value.split(';').next())
            .ok_or_else(|| format!("signing in as {username} set no cookie"))?
            .to_owned();
        let name = format!("{label} {}", now_utc());
        let created = self.call("POST", "/api/v1/tokens", None, Some(&cookie), Some(&format!(r#"{{"name":"{name}"}}"#)))?;
        if created.status != 201 {
            return Err(format!("POST /api/v1/tokens as {username} answered {}: {}", created.status, created.text()));
        }
        json_string(&created.text(), "token").ok_or_else(|| format!("no token in {}", created.text()))
    }
}

/// The first `"key": "value"` in a JSON text (values without escapes, as tokens are).
pub fn json_string(json: &str, key: &str) -> Option<String> {
    let rest = after_key(json, key)?.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// The first `"key": number` in a JSON text.
pub fn json_number(json: &str, key: &str) -> Option<u64> {
    let rest = after_key(json, key)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn after_key<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let pattern = format!("\"{key}\"");
    let mut from = 0;
    while let Some(found) = json[from..].find(&pattern) {
        let rest = json[from + found + pattern.len()..].trim_start();
        if let Some(value) = rest.strip_prefix(':') {
            return Some(value.trim_start());
        }
        from += found + pattern.len();
    }
    None
}

// ---- load runs ------------------------------------------------------------------------------

/// One URL the load runs hit.
pub struct Target {
    pub what: String,
    pub caller: &'static str,
    pub path: String,
    pub token: Option<String>,
}

impl Target {
    pub fn new(what: &str, caller: &'static str, path: &str, token: Option<&String>) -> Target {
        Target { what: what.to_owned(), caller, path: path.to_owned(), token: token.cloned() }
    }
}

/// What one wrk run reports.
#[derive(Debug, Clone, PartialEq)]
pub struct WrkResult {
    pub requests: u64,
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Answers outside 2xx/3xx.
    pub non_2xx: u64,
    /// Socket errors: connect, read, write and timeouts together.
    pub errors: u64,
}

/// One row of the load table.
#[derive(Debug, Clone)]
pub struct LoadRow {
    pub what: String,
    pub caller: String,
    /// The size of one answer.
    pub bytes: usize,
    /// The first request on the fresh server, alone; NaN when it got no answer in time.
    pub first_ms: f64,
    pub note: String,
    /// `None` when the URL was too slow to load-test.
    pub result: Option<WrkResult>,
}

/// Every target in turn, each on a fresh server (see [`load_run`]), with the 1-minute load average
/// before and after.
pub fn load_runs(
    root: &Path,
    server: &ServerSpec,
    targets: &[Target],
    check: &dyn Fn(&Target, &HttpResponse) -> Result<String, String>,
) -> Result<(Vec<LoadRow>, String), String> {
    let before = load_average();
    let mut rows = Vec::new();
    for target in targets {
        rows.push(load_run(root, server, target, check)?);
    }
    let after = load_average();
    Ok((rows, load_line(before, after)))
}

/// One URL on a fresh server: one timed request (its answer is checked by `check`, which returns
/// the row's note), then wrk unless that request took longer than [`PROBE_TIMEOUT`]. The server is
/// killed afterwards, so requests still running when wrk stops cannot slow the next run.
pub fn load_run(
    root: &Path,
    spec: &ServerSpec,
    target: &Target,
    check: &dyn Fn(&Target, &HttpResponse) -> Result<String, String>,
) -> Result<LoadRow, String> {
    load_run_during(root, spec, target, check, None)
}

/// Other work on the server while wrk runs: called with the server's address and a flag that is
/// set when wrk is done; its text joins the row's note.
pub type Background<'a> = dyn Fn(&str, &AtomicBool) -> Result<String, String> + Sync + 'a;

/// [`load_run`], with `background` running beside wrk (e.g. writes, to measure reads under them).
pub fn load_run_during(
    root: &Path,
    spec: &ServerSpec,
    target: &Target,
    check: &dyn Fn(&Target, &HttpResponse) -> Result<String, String>,
    background: Option<&Background<'_>>,
) -> Result<LoadRow, String> {
    let server = spec.start()?;
    let api = Api { addr: server.addr.clone(), timeout: PROBE_TIMEOUT };
    let mut row = LoadRow {
        what: target.what.clone(),
        caller: target.caller.to_owned(),
        bytes: 0,
        first_ms: f64::NAN,
        note: String::new(),
        result: None,
    };
    let probe_started = Instant::now();
    let answer = match api.call("GET", &target.path, target.token.as_deref(), None, None) {
        Ok(answer) => answer,
        Err(message) if message.contains(TIMED_OUT) => {
            row.note = format!("no answer within {} s: not load-tested", PROBE_TIMEOUT.as_secs());
            println!("  {:<58} {:<5} {}", target.what, target.caller, row.note);
            server.kill();
            return Ok(row);
        }
        Err(message) => return Err(message),
    };
    row.first_ms = probe_started.elapsed().as_secs_f64() * 1000.0;
    if answer.status != 200 {
        return Err(format!("GET {} as {} answered {}: {}", target.path, target.caller, answer.status, answer.text()));
    }
    row.bytes = answer.body.len();
    row.note = check(target, &answer)?;

    let url = format!("http://{}{}", server.addr, target.path);
    let mut wrk = command(root, "wrk");
    wrk.args(WRK_ARGS);
    if let Some(token) = &target.token {
        wrk.arg("-H").arg(format!("Authorization: Bearer {token}"));
    }
    wrk.arg(&url);
    let stop = AtomicBool::new(false);
    let (output, during) = std::thread::scope(|scope| {
        let during = background.map(|work| scope.spawn(|| work(&server.addr, &stop)));
        let output = wrk.stderr(Stdio::inherit()).output();
        stop.store(true, Ordering::SeqCst);
        (output, during.map(|handle| handle.join().unwrap_or_else(|_| Err("the background work panicked".into()))))
    });
    let output = output.map_err(|e| format!("cannot start wrk: {e}"))?;
    server.kill();
    if let Some(during) = during {
        let during = during?;
        row.note = if row.note.is_empty() { during } else { format!("{}; {during}", row.note) };
    }
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("wrk {url} failed ({}):\n{text}", output.status));
    }
    let result = parse_wrk(&text).map_err(|e| format!("wrk {url}: {e}\n{text}"))?;
    println!(
        "  {:<58} {:<5} first {:>8.1} ms, {:>9.1} req/s, p50 {:>8.2} ms, p99 {:>8.2} ms ({} requests)",
        target.what, target.caller, row.first_ms, result.requests_per_sec, result.p50_ms, result.p99_ms, result.requests
    );
    row.result = Some(result);
    Ok(row)
}

/// Parses wrk's output (with `--latency`).
pub fn parse_wrk(output: &str) -> Result<WrkResult, String> {
    let mut result = WrkResult { requests: 0, requests_per_sec: f64::NAN, p50_ms: f64::NAN, p99_ms: f64::NAN, non_2xx: 0, errors: 0 };
    for line in output.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => result.p50_ms = parse_duration_ms(value)?,
            ["99%", value] => result.p99_ms = parse_duration_ms(value)?,
            ["Requests/sec:", value] => {
                result.requests_per_sec = value.parse().map_err(|_| format!("bad Requests/sec `{value}`"))?
            }
            [count, "requests", "in", ..] => result.requests = count.parse().map_err(|_| format!("bad request count `{count}`"))?,
            ["Non-2xx", "or", "3xx", "responses:", count] => result.non_2xx = count.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                // "connect 0, read 0, write 0, timeout 12"
                result.errors = rest.iter().filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok()).sum();
            }
            _ => {}
        }
    }
    if result.requests_per_sec.is_nan() || result.p50_ms.is_nan() || result.p99_ms.is_nan() {
        return Err("no Requests/sec or latency distribution in wrk's output (was --latency given?)".into());
    }
    if result.requests == 0 {
        // wrk prints zeros for a run in which no request finished.
        (result.p50_ms, result.p99_ms) = (f64::NAN, f64::NAN);
    }
    Ok(result)
}

/// wrk's durations: `812.00us`, `1.23ms`, `2.01s`, `1.50m`.
pub fn parse_duration_ms(text: &str) -> Result<f64, String> {
    let split = text.find(|c: char| c.is_ascii_alphabetic()).ok_or_else(|| format!("no unit in `{text}`"))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| format!("bad number in `{text}`"))?;
    let factor = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return Err(format!("unknown unit in `{text}`")),
    };
    Ok(number * factor)
}

// ---- the browser half -----------------------------------------------------------------------

/// The browser half's results.
#[derive(Debug, Clone, Default)]
pub struct PageTiming {
    /// `(user, measure, milliseconds of each run)`.
    pub results: Vec<(String, String, Vec<f64>)>,
    pub info: Vec<(String, String)>,
}

/// Parses a page script's stdout: `result\tUSER\tMEASURE\tms,ms,...` and `info\tKEY\tVALUE` lines.
pub fn parse_page_output(output: &str) -> Result<PageTiming, String> {
    let mut timing = PageTiming::default();
    for line in output.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["result", user, measure, values] => {
                let values = values
                    .split(',')
                    .map(|v| v.trim().parse::<f64>().map_err(|_| format!("bad number `{v}` in `{line}`")))
                    .collect::<Result<Vec<f64>, String>>()?;
                timing.results.push(((*user).to_owned(), (*measure).to_owned(), values));
            }
            ["info", key, value] => timing.info.push(((*key).to_owned(), (*value).to_owned())),
            _ => {}
        }
    }
    if timing.results.is_empty() {
        return Err("the page timing printed no results".into());
    }
    Ok(timing)
}

/// Runs `node run.mjs --url URL --loads N --warmup 1 ARGS...` in `folder` (a bench page script)
/// and parses what it prints.
pub fn page_timing(root: &Path, folder: &str, url: &str, args: &[String]) -> Result<PageTiming, String> {
    let output = command(root.join(folder), "node")
        .arg("run.mjs")
        .args(["--url", url, "--loads", &PAGE_LOADS.to_string()])
        .args(["--warmup", "1"])
        .args(args)
        .env("CHROMIUM_PATH", tools::chromium_path())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start node: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("{folder}/run.mjs failed ({})", output.status));
    }
    parse_page_output(&text)
}

// ---- numbers and tables ---------------------------------------------------------------------

/// The median (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// A number with `decimals` decimals, or `-` when there is none.
pub fn number(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        "-".into()
    }
}

/// `ours / peer` with two decimals, or empty when there is nothing to compare with.
pub fn ratio(ours: f64, peer: f64) -> String {
    if peer > 0.0 && ours.is_finite() && peer.is_finite() {
        format!("{:.2}", ours / peer)
    } else {
        String::new()
    }
}

/// A table of left-aligned text columns and right-aligned number columns (as in the bundle bench).
pub struct Table {
    header: Vec<&'static str>,
    right: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(columns: &[(&'static str, bool)]) -> Self {
        Table { header: columns.iter().map(|c| c.0).collect(), right: columns.iter().map(|c| c.1).collect(), rows: Vec::new() }
    }

    pub fn render(&self, out: &mut String) {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| self.rows.iter().map(|r| r[i].chars().count()).chain([self.header[i].chars().count()]).max().unwrap_or(0))
            .collect();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, cell)| if self.right[i] { format!("{cell:>w$}", w = widths[i]) } else { format!("{cell:<w$}", w = widths[i]) })
                .collect();
            parts.join("  ").trim_end().to_owned()
        };
        let header: Vec<String> = self.header.iter().map(|h| (*h).to_owned()).collect();
        let _ = writeln!(out, "{}", line(&header));
        let _ = writeln!(out, "{}", line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>()));
        for row in &self.rows {
            let _ = writeln!(out, "{}", line(row));
        }
    }
}

// ---- the report -----------------------------------------------------------------------------

/// What one benchmark's report says besides its numbers.
pub struct ReportKind {
    /// The first line, e.g. `Wavehub catalog benchmark`.
    pub title: &'static str,
    /// The Markdown file's heading, e.g. `Catalog benchmark`.
    pub doc_title: &'static str,
    pub command: &'static str,
    /// What is load-tested, e.g. `Catalog API`.
    pub api: &'static str,
    /// What is timed in the browser, e.g. `Catalog page`.
    pub page: &'static str,
    /// Which page, as whom, e.g. `` `/` signed in as the plain user ``.
    pub page_scope: &'static str,
    /// The page measures `(key, label)` in the table's order; `raw-fetch` is the peer.
    pub page_measures: &'static [(&'static str, &'static str)],
    /// The measures given a ratio to the raw fetch.
    pub page_compared: &'static [&'static str],
    /// Usernames shown under another name in the page table's `as` column.
    pub callers: &'static [(&'static str, &'static str)],
    /// Notes after the run's own facts.
    pub notes: &'static [&'static str],
}

/// Everything the report shows.
pub struct Report {
    pub kind: &'static ReportKind,
    pub date: String,
    pub machine: String,
    pub tools: String,
    pub load: String,
    pub data: String,
    /// The commit measured, and whether the server or web app had uncommitted changes.
    pub code: String,
    pub elapsed_secs: f64,
    pub rows: Vec<LoadRow>,
    pub page: Option<PageTiming>,
    pub facts: Vec<String>,
}

impl Report {
    pub fn render(&self) -> String {
        let kind = self.kind;
        let mut out = String::new();
        let _ = writeln!(out, "{}", kind.title);
        let _ = writeln!(out, "date:    {}", self.date);
        let _ = writeln!(out, "machine: {}", self.machine);
        let _ = writeln!(out, "tools:   {}", self.tools);
        let _ = writeln!(out, "load:    {}", self.load);
        let _ = writeln!(out, "data:    {}", self.data);
        let _ = writeln!(out, "code:    {}", self.code);
        let _ = writeln!(out, "command: {} (took {:.0} s up to this report, builds and seeding included)", kind.command, self.elapsed_secs);
        let _ = writeln!(out);

        let _ = writeln!(
            out,
            "{} under load: wrk {} on loopback, one URL at a time; API rows authenticate with `Authorization: Bearer <API token>`",
            kind.api,
            WRK_ARGS.join(" ")
        );
        let mut table = Table::new(&[
            ("what", false),
            ("as", false),
            ("bytes", true),
            ("first ms", true),
            ("requests", true),
            ("req/s", true),
            ("p50 ms", true),
            ("p99 ms", true),
            ("req/s ÷ static", true),
            ("p50 ÷ static", true),
            ("note", false),
        ]);
        let peer = self.rows.first().and_then(|row| row.result.clone());
        for (i, row) in self.rows.iter().enumerate() {
            let mut notes = Vec::new();
            if !row.note.is_empty() {
                notes.push(row.note.clone());
            }
            let bytes = if row.bytes == 0 { "-".to_owned() } else { row.bytes.to_string() };
            let mut cells = vec![row.what.clone(), row.caller.clone(), bytes, number(row.first_ms, 1)];
            match &row.result {
                None => cells.extend(std::iter::repeat_n("-".to_owned(), 6)),
                Some(r) => {
                    if r.non_2xx > 0 {
                        notes.push(format!("{} non-2xx answers", r.non_2xx));
                    }
                    if r.errors > 0 {
                        notes.push(format!("{} socket errors/timeouts", r.errors));
                    }
                    if r.requests == 0 {
                        notes.push("no request finished during the run".into());
                    }
                    let (req_ratio, p50_ratio) = match &peer {
                        Some(peer) if i > 0 => (ratio(r.requests_per_sec, peer.requests_per_sec), ratio(r.p50_ms, peer.p50_ms)),
                        _ => (String::new(), String::new()),
                    };
                    cells.extend([
                        r.requests.to_string(),
                        number(r.requests_per_sec, 1),
                        number(r.p50_ms, 2),
                        number(r.p99_ms, 2),
                        req_ratio,
                        p50_ratio,
                    ]);
                }
            }
            cells.push(notes.join("; "));
            table.rows.push(cells);
        }
        table.render(&mut out);
        let _ = writeln!(
            out,
            "(each URL on a freshly started server: \"first ms\" is its first request alone, then wrk; ratios against the first row, the same bytes as the default page served as a file: req/s below 1 and p50 above 1 mean slower than the file)"
        );
        let _ = writeln!(out);

        match &self.page {
            None => {
                let _ = writeln!(out, "{} in headless Chromium: not measured in this run", kind.page);
            }
            Some(page) => self.render_page(page, &mut out),
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "Notes");
        for fact in &self.facts {
            let _ = writeln!(out, "- {fact}");
        }
        for note in kind.notes {
            let _ = writeln!(out, "- {note}");
        }
        out
    }

    fn render_page(&self, page: &PageTiming, out: &mut String) {
        let kind = self.kind;
        let _ = writeln!(
            out,
            "{} in headless Chromium: {}, warm HTTP cache (one load first) except first visits, {PAGE_LOADS} loads each; ms unless a row says KB",
            kind.page, kind.page_scope
        );
        let mut table = Table::new(&[
            ("measure", false),
            ("as", false),
            ("runs", true),
            ("median", true),
            ("min", true),
            ("max", true),
            ("÷ raw fetch", true),
        ]);
        let mut users: Vec<&str> = Vec::new();
        for (user, _, _) in &page.results {
            if !users.contains(&user.as_str()) {
                users.push(user);
            }
        }
        for user in users {
            let values = |measure: &str| page.results.iter().find(|(u, m, _)| u == user && m == measure).map(|(_, _, v)| v.as_slice());
            let peer = values("raw-fetch").map(median);
            let shown_user = kind.callers.iter().find(|(name, _)| *name == user).map_or(user, |(_, label)| *label);
            for (measure, label) in kind.page_measures {
                let Some(values) = values(measure) else { continue };
                let med = median(values);
                let shown_ratio = match peer {
                    Some(peer) if kind.page_compared.contains(measure) => ratio(med, peer),
                    _ => String::new(),
                };
                let min = values.iter().copied().fold(f64::INFINITY, f64::min);
                let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                table.rows.push(vec![
                    (*label).to_owned(),
                    shown_user.to_owned(),
                    values.len().to_string(),
                    format!("{med:.1}"),
                    format!("{min:.1}"),
                    format!("{max:.1}"),
                    shown_ratio,
                ]);
            }
        }
        table.render(out);
        if let Some((_, url)) = page.info.iter().find(|(k, _)| k == "api-url") {
            let _ = writeln!(out, "(the page's query: {url}; the ratio is median ÷ the raw fetch's median)");
        }
    }

    pub fn markdown(&self, text: &str) -> String {
        format!(
            "# {}\n\nMeasured by `{}` on {} ({}). The command overwrites this file with the numbers \
             of its run; nothing here is typed by hand.\n\n```text\n{text}```\n",
            self.kind.doc_title, self.kind.command, self.date, self.machine
        )
    }

    /// Prints the report, writes it to `doc` (relative to the root), and fails when requests failed.
    pub fn finish(&self, root: &Path, doc: &str, started: Instant) -> Result<(), String> {
        let text = self.render();
        println!();
        print!("{text}");
        println!();
        let path = root.join(doc);
        std::fs::write(&path, self.markdown(&text)).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("xtask: wrote {doc}; the benchmark took {:.0} s", started.elapsed().as_secs_f64());
        if self.rows.iter().filter_map(|row| row.result.as_ref()).any(|r| r.errors > 0 || r.non_2xx > 0) {
            return Err("some requests failed (see the table's notes)".into());
        }
        Ok(())
    }
}

/// `wrk debian/4.1.0-3+b2 [epoll], Chromium 156.0, Node v20`: wrk's version, and the browser's and
/// Node's when the page half ran.
pub fn tools_line(root: &Path, page: Option<&PageTiming>) -> String {
    let mut parts = vec![first_line(command(root, "wrk").arg("-v")).unwrap_or_else(|| "wrk".into())];
    if let Some(page) = page {
        parts.extend(page.info.iter().filter(|(k, _)| k == "chromium" || k == "node").map(|(k, v)| match k.as_str() {
            "chromium" => format!("Chromium {v}"),
            _ => format!("Node {v}"),
        }));
    }
    parts.iter().map(|p| p.split(" Copyright").next().unwrap_or(p).trim().to_owned()).collect::<Vec<_>>().join(", ")
}

/// The report's `load:` line from the load averages before and after the load runs.
pub fn load_line(before: Option<String>, after: Option<String>) -> String {
    format!(
        "1-minute load average {} and {} at the start and end of the load runs (other work on the machine skews the numbers)",
        before.unwrap_or_else(|| "?".into()),
        after.unwrap_or_else(|| "?".into())
    )
}

/// The commit being measured (`git rev-parse --short HEAD`), noting uncommitted changes to what is
/// measured: the server, the rules crate and the web app.
pub fn code_version(root: &Path) -> String {
    let Some(commit) = crate::process::output_line(command(root, "git").args(["rev-parse", "--short", "HEAD"])) else {
        return "unknown (not a git checkout)".into();
    };
    let measured = ["crates/server", "crates/core", "src", "style", "index.html"];
    let status = command(root, "git").args(["status", "--porcelain", "--"]).args(measured).output();
    match status {
        Ok(out) if out.status.success() && out.stdout.is_empty() => format!("commit {commit}"),
        Ok(out) if out.status.success() => format!("commit {commit} with uncommitted changes to the server or web app"),
        _ => format!("commit {commit}"),
    }
}

/// The first line a command prints on stdout or stderr, whatever its exit status (`wrk -v` exits 1).
fn first_line(command: &mut std::process::Command) -> Option<String> {
    let output = command.output().ok()?;
    let text = if output.stdout.is_empty() { output.stderr } else { output.stdout };
    String::from_utf8_lossy(&text).lines().next().map(str::to_owned)
}

/// The 1-minute load average, from /proc/loadavg.
pub fn load_average() -> Option<String> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next().map(str::to_owned)
}

/// "2 CPUs (nproc), AMD EPYC, 24 GiB RAM, linux x86_64", as the bundle bench writes it.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split_once(':')).map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let line = info.lines().find(|l| l.starts_with("MemTotal:"))?.to_owned();
            let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!(", {:.0} GiB RAM", kib as f64 / (1024.0 * 1024.0)))
        })
        .unwrap_or_default();
    format!("{cpus} CPUs (nproc), {model}{memory}, {} {}", std::env::consts::OS, std::env::consts::ARCH)
}

/// The current UTC time as `YYYY-MM-DD HH:MM UTC`.
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02} UTC", rest / 3600, rest % 3600 / 60)
}

/// Days since 1970-01-01 to a date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const WRK_OUTPUT: &str = "Running 10s test @ http://127.0.0.1:40123/api/v1/apps?latest=true
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    52.31ms   10.20ms 180.00ms   80.00%
    Req/Sec   305.12     40.00   400.00     70.00%
  Latency Distribution
     50%   50.12ms
     75%   58.00ms
     90%   66.00ms
     99%    1.20s
  6100 requests in 10.01s, 120.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    609.39
Transfer/sec:     11.99MB
";

    #[test]
    fn parses_wrk_output() {
        let result = parse_wrk(WRK_OUTPUT).unwrap();
        assert_eq!(
            result,
            WrkResult { requests: 6100, requests_per_sec: 609.39, p50_ms: 50.12, p99_ms: 1200.0, non_2xx: 4, errors: 3 }
        );
        assert!(parse_wrk("Running 10s test @ x\n  Requests/sec: 12\n").unwrap_err().contains("--latency"));
        let none_finished = "  Latency Distribution\n     50%    0.00us\n     99%    0.00us\n  0 requests in 10.00s, 0.00B read\nRequests/sec:      0.00\n";
        let result = parse_wrk(none_finished).unwrap();
        assert_eq!(result.requests, 0);
        assert!(result.p50_ms.is_nan() && result.p99_ms.is_nan(), "no latency without a finished request");
    }

    #[test]
    fn parses_wrk_durations() {
        for (text, ms) in [("812.00us", 0.812), ("1.23ms", 1.23), ("2.01s", 2010.0), ("1.50m", 90_000.0)] {
            let parsed = parse_duration_ms(text).unwrap();
            assert!((parsed - ms).abs() < 1e-9, "{text}: {parsed}");
        }
        assert!(parse_duration_ms("12").is_err());
        assert!(parse_duration_ms("3.0d").is_err());
    }

    #[test]
    fn parses_plain_and_chunked_http_answers() {
        let plain = parse_response(b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\nContent-Length: 13\r\nset-cookie: a=b; Path=/\r\n\r\n{\"token\":\"x\"}").unwrap();
        assert_eq!(plain.status, 201);
        assert_eq!(plain.header("Set-Cookie"), Some("a=b; Path=/"));
        assert_eq!(plain.text(), "{\"token\":\"x\"}");
        let chunked = parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3;x=y\r\n:1}\r\n0\r\n\r\n").unwrap();
        assert_eq!(chunked.text(), "{\"a\":1}");
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
    }

    #[test]
    fn finds_json_values_by_key() {
        let page = r#"{"items":[{"id":42,"name":"ai.bench.app-1","tags":["X"]},{"id":43}],"total": 50123,"page":1}"#;
        assert_eq!(json_number(page, "id"), Some(42));
        assert_eq!(json_number(page, "total"), Some(50123));
        assert_eq!(json_number(page, "missing"), None);
        assert_eq!(json_string(r#"{"token":"wh_abc","info":{"id":3}}"#, "token").as_deref(), Some("wh_abc"));
        // A key's name inside a value is not the key.
        assert_eq!(json_string(r#"{"name":"token","token":"wh_x"}"#, "token").as_deref(), Some("wh_x"));
    }

    #[test]
    fn parses_the_page_scripts_lines() {
        let timing = parse_page_output("info\tchromium\t156.0\nnoise\nresult\tbench-user\tfirst-card\t10.5,12.0,11.0\n").unwrap();
        assert_eq!(timing.info, [("chromium".to_owned(), "156.0".to_owned())]);
        assert_eq!(timing.results, [("bench-user".to_owned(), "first-card".to_owned(), vec![10.5, 12.0, 11.0])]);
        assert!(parse_page_output("result\tu\tm\t1,x\n").is_err());
        assert!(parse_page_output("info\ta\tb\n").is_err());
    }

    #[test]
    fn medians_and_ratios() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(ratio(50.0, 200.0), "0.25");
        assert_eq!(ratio(1.0, 0.0), "");
        assert_eq!(ratio(f64::NAN, 1.0), "");
    }

    #[test]
    fn tables_align_text_left_and_numbers_right() {
        let mut table = Table::new(&[("what", false), ("req/s", true), ("note", false)]);
        table.rows.push(vec!["static".into(), "12345.6".into(), String::new()]);
        table.rows.push(vec!["catalog ÷".into(), "7.0".into(), "slow".into()]);
        let mut out = String::new();
        table.render(&mut out);
        assert_eq!(
            out,
            "what         req/s  note\n---------  -------  ----\nstatic     12345.6\ncatalog ÷      7.0  slow\n"
        );
    }

    /// A load row with these numbers (for the benches' report tests).
    pub(crate) fn row(what: &str, caller: &str, rps: f64, p50: f64) -> LoadRow {
        LoadRow {
            what: what.into(),
            caller: caller.into(),
            bytes: 100,
            first_ms: p50,
            note: String::new(),
            result: Some(WrkResult { requests: 10, requests_per_sec: rps, p50_ms: p50, p99_ms: p50 * 2.0, non_2xx: 0, errors: 0 }),
        }
    }

    #[test]
    fn fnv1a_and_the_inputs_digest() {
        let mut digest = Fnv1a::new();
        digest.update(b"a");
        assert_eq!(digest.0, 0xaf63_dc4c_8601_ec8c, "the published FNV-1a 64 value of \"a\"");
        let root = crate::repo_root();
        let inputs = ["crates/server/migrations", "crates/seed/src"];
        let first = inputs_digest(&root, &inputs).unwrap();
        assert_eq!(first, inputs_digest(&root, &inputs).unwrap());
        assert_ne!(first, inputs_digest(&root, &["crates/server/migrations"]).unwrap());
        assert!(inputs_digest(&root, &["no/such/folder"]).is_err());
    }

    #[test]
    fn load_lines_and_dates() {
        assert!(load_line(Some("1.5".into()), None).starts_with("1-minute load average 1.5 and ? at the start"));
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert!(now_utc().ends_with(" UTC"));
    }
}
