//! `cargo xtask bench catalog [--api-only]`: the app store's catalog with 100,000 app rows, over
//! HTTP under load and in headless Chromium.
//!
//! 1. tools: `wrk` (Debian's package), and unless `--api-only` the web app's build tools, Chromium
//!    and `npm ci` in `bench/catalog/` (playwright-core);
//! 2. builds the server (release) and, unless `--api-only`, the web app into `dist/`;
//! 3. seeds `target/bench-data/catalog-100k/` with `wavehub seed-catalog` when it is missing (kept
//!    for later runs while a marker file matches the seeder and the migrations);
//! 4. starts `wavehub serve` on a free loopback port with that data dir and a static dir holding a
//!    copy of `dist/`, signs in as `admin`, creates a plain user, makes an API token for each, and
//!    writes a JSON file of exactly the bytes of the default catalog page's answer into the static dir;
//! 5. for each URL, on a freshly started server (so requests left running by the previous run cannot
//!    slow it): one timed request, then `wrk -t2 -c32 -d10s --latency` unless that request took more
//!    than 30 s: the catalog queries as each caller, beside the static file (the floor for serving
//!    those bytes), `GET /api/v1/health` and `GET /api/v1/me` (the token check alone);
//! 6. `bench/catalog/run.mjs`: the catalog page's time to its first result card, beside a raw
//!    fetch() of the same query from the page;
//! 7. prints one report and writes it with the date and the machine to `docs/bench-catalog.md`.

use crate::process::{command, run};
use crate::tools;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const USAGE: &str = "bench catalog [--api-only]";
const COMMAND: &str = "cargo xtask bench catalog";

/// App rows (name+version) in the seeded catalog.
const APPS: usize = 100_000;
/// The seeded data dir under `target/bench-data/`, and the marker written once seeding finished.
const DATA_DIR: &str = "catalog-100k";
const SEEDED_MARKER: &str = "seeded-by-xtask";
/// What the seeded data depends on: when any of these files changes, the next run seeds again.
const SEED_INPUTS: &[&str] = &["crates/server/migrations", "crates/server/src/seed.rs"];
/// The first admin's password, given to `seed-catalog` and `serve` (both create `admin` only when
/// the database has no account yet).
const ADMIN: &str = "admin";
const ADMIN_PASSWORD: &str = "bench-admin-password";
/// The plain user the benchmark creates (or finds) through the API.
const USER: &str = "bench-user";
const USER_PASSWORD: &str = "bench-user-password";

/// The catalog page's query (the web app's default view) and the variants measured. The search
/// prefix and category are ones the seeder makes common (`wavehub_server::seed::COMMON_WORD`,
/// `POPULAR_CATEGORY`).
const DEFAULT_QUERY: &str = "latest=true&visibility=ALL_USERS&page_size=24";
const SEARCH_PREFIX: &str = "forec";
const CATEGORY: &str = "Finance";
const DEEP_PAGE: u64 = 2000;
const PAGE_SIZE: u64 = 24;
/// The static peer's file name inside the static dir.
const STATIC_PEER: &str = "bench-catalog-page.json";

/// wrk's settings: 2 threads (the machine has 2 cores), 32 connections, 10 s. The timeout is
/// raised from wrk's 2 s so slow answers count in the latencies instead of as errors.
const WRK_ARGS: &[&str] = &["-t2", "-c32", "-d10s", "--latency", "--timeout", "30s"];
/// Page loads measured in Chromium (after one warm-up load).
const PAGE_LOADS: u32 = 10;
/// How long the first request of a load run may take; a URL slower than this is not load-tested
/// (its server is killed instead, since SQLite cannot stop a running query).
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long sign-in and the setup's requests may take.
const SETUP_TIMEOUT: Duration = Duration::from_secs(120);

pub fn catalog(root: &Path, args: &[String]) -> Result<(), String> {
    let api_only = match args {
        [] => false,
        [flag] if flag == "--api-only" => true,
        _ => return Err(format!("usage: cargo xtask {USAGE}")),
    };
    let started = Instant::now();
    let step = |what: &str| println!("xtask: {what} ({:.0} s)", started.elapsed().as_secs_f64());

    step("checking the tools");
    tools::ensure_wrk(root)?;
    // The page half needs the web app, Chromium and playwright-core; without them the API half
    // still runs and the command fails at the end.
    let page_ready = if api_only {
        Err("skipped (--api-only)".to_owned())
    } else {
        step("building the web app (for the page timing)");
        tools::ensure_build_tools(root)
            .and_then(|()| crate::build_web(root))
            .and_then(|()| tools::ensure_chromium(root))
            .and_then(|()| tools::ensure_npm_packages(&root.join("bench/catalog"), "bench/catalog"))
    };
    if let Err(message) = &page_ready {
        println!("xtask: the page timing will not run: {message}");
    }

    let code = code_version(root);
    step("building the server (release)");
    run(command(root, "cargo").args(["build", "--release", "--package", "wavehub-server"]), "cargo build")?;
    let bench_data = root.join("target/bench-data");
    // A copy: another build on the machine may relink target/release/wavehub during the runs.
    let server_bin = bench_data.join("catalog-wavehub");
    std::fs::create_dir_all(&bench_data).map_err(|e| format!("cannot create {}: {e}", bench_data.display()))?;
    std::fs::copy(target_dir(root).join("release/wavehub"), &server_bin)
        .map_err(|e| format!("cannot copy the server binary to {}: {e}", server_bin.display()))?;

    let data = bench_data.join(DATA_DIR);
    let marker = std::fs::read_to_string(data.join(SEEDED_MARKER)).unwrap_or_default();
    let wanted_marker = format!("{APPS} apps, seeder and schema {:016x}", inputs_digest(root, SEED_INPUTS)?);
    let seeding = if marker.lines().next() == Some(wanted_marker.as_str()) {
        step(&format!("reusing the seeded catalog in {}", shown(root, &data)));
        None
    } else {
        step(&format!("seeding {APPS} app rows into {} (first run only)", shown(root, &data)));
        let _ = std::fs::remove_dir_all(&data);
        let seeded = Instant::now();
        run(
            command(root, &server_bin)
                .args(["seed-catalog", "--apps", &APPS.to_string(), "--data-dir"])
                .arg(&data)
                .env("WAVEHUB_ADMIN_PASSWORD", ADMIN_PASSWORD),
            "wavehub seed-catalog",
        )?;
        let took = seeded.elapsed();
        std::fs::write(data.join(SEEDED_MARKER), format!("{wanted_marker}\nseeded in {:.1} s\n", took.as_secs_f64()))
            .map_err(|e| format!("cannot write the seeding marker: {e}"))?;
        Some(took)
    };

    let static_dir = bench_data.join("catalog-web");
    prepare_static_dir(root, &static_dir)?;
    let log = bench_data.join("catalog-server.log");
    let start_server = || Server::start(&server_bin, &data, &static_dir, &log);
    step("starting the server, signing in, making API tokens");
    let server = start_server()?;
    let api = Api { addr: server.addr.clone(), timeout: SETUP_TIMEOUT };
    let admin_token = api.token(ADMIN, ADMIN_PASSWORD)?;
    let created = api.call(
        "POST",
        "/api/v1/users",
        Some(&admin_token),
        None,
        Some(&format!(r#"{{"username":"{USER}","password":"{USER_PASSWORD}","roles":["user"]}}"#)),
    )?;
    if created.status != 201 && created.status != 409 {
        return Err(format!("POST /api/v1/users answered {}: {}", created.status, created.text()));
    }
    let user_token = api.token(USER, USER_PASSWORD)?;

    // The static peer is exactly the default page's answer; its total gives the deep page.
    let default_path = format!("/api/v1/apps?{DEFAULT_QUERY}");
    let default_page = api.get_ok(&default_path, &user_token)?;
    let total = json_number(&default_page.text(), "total").ok_or("the catalog answer has no total")?;
    let first_id = json_number(&default_page.text(), "id").ok_or("the default catalog page is empty")?;
    std::fs::write(static_dir.join(STATIC_PEER), &default_page.body)
        .map_err(|e| format!("cannot write the static peer file: {e}"))?;
    server.kill();

    let search_path = format!("/api/v1/apps?q={SEARCH_PREFIX}&{DEFAULT_QUERY}");
    let category_path = format!("/api/v1/apps?category={CATEGORY}&{DEFAULT_QUERY}");
    let last_page = total.div_ceil(PAGE_SIZE).max(1);
    let deep_page = DEEP_PAGE.min(last_page);
    let deep_path = format!("/api/v1/apps?{DEFAULT_QUERY}&page={deep_page}");
    let detail_path = format!("/api/v1/apps/{first_id}");
    let mut facts = Vec::new();
    if deep_page < DEEP_PAGE {
        facts.push(format!("page {DEEP_PAGE} is past the end ({total} results, {last_page} pages): the deep page is the last one"));
    }

    let mut targets: Vec<Target> = vec![
        Target::new("static JSON file, same bytes as the default page (peer)", "-", &format!("/{STATIC_PEER}"), None),
        Target::new("GET /api/v1/health (peer)", "-", "/api/v1/health", None),
        Target::new("GET /api/v1/me (the token check alone)", "user", "/api/v1/me", Some(&user_token)),
    ];
    for (caller, token) in [("admin", &admin_token), ("user", &user_token)] {
        targets.push(Target::new("catalog: default page", caller, &default_path, Some(token)));
        targets.push(Target::new(&format!("catalog: search \"{SEARCH_PREFIX}\""), caller, &search_path, Some(token)));
        targets.push(Target::new(&format!("catalog: category {CATEGORY}"), caller, &category_path, Some(token)));
        targets.push(Target::new(&format!("catalog: deep page {deep_page}"), caller, &deep_path, Some(token)));
        targets.push(Target::new("app detail", caller, &detail_path, Some(token)));
    }

    step(&format!("load runs: {} URLs, each on a fresh server: one request, then wrk {}", targets.len(), WRK_ARGS.join(" ")));
    let load_before = load_average();
    let mut rows = Vec::new();
    for target in &targets {
        rows.push(load_run(root, &start_server, target)?);
    }
    let load_after = load_average();

    let page = match page_ready {
        Err(message) => Err(message),
        Ok(()) => {
            step(&format!("timing the catalog page in headless Chromium ({PAGE_LOADS} loads)"));
            start_server().and_then(|server| page_timing(root, &server.url))
        }
    };
    if let Err(message) = &page {
        println!("xtask: the page timing did not run: {message}; reporting the API numbers only");
    }

    let tools_line = {
        let mut parts = vec![first_line(command(root, "wrk").arg("-v")).unwrap_or_else(|| "wrk".into())];
        if let Ok(page) = &page {
            parts.extend(page.info.iter().filter(|(k, _)| k == "chromium" || k == "node").map(|(k, v)| match k.as_str() {
                "chromium" => format!("Chromium {v}"),
                _ => format!("Node {v}"),
            }));
        }
        parts.iter().map(|p| p.split(" Copyright").next().unwrap_or(p).trim().to_owned()).collect::<Vec<_>>().join(", ")
    };
    let seeded_line = match seeding {
        Some(took) => format!("seeded in this run in {:.1} s (wavehub seed-catalog)", took.as_secs_f64()),
        None => format!("reused from an earlier run ({})", marker.lines().nth(1).unwrap_or("").trim()),
    };
    let report = Report {
        date: now_utc(),
        machine: machine(),
        tools: tools_line,
        load: format!(
            "1-minute load average {} and {} at the start and end of the load runs (other work on the machine skews the numbers)",
            load_before.unwrap_or_else(|| "?".into()),
            load_after.unwrap_or_else(|| "?".into())
        ),
        data: format!("{APPS} app rows in {}, {seeded_line}", shown(root, &data)),
        code,
        elapsed_secs: started.elapsed().as_secs_f64(),
        rows,
        page: page.as_ref().ok().cloned(),
        facts,
    };
    let text = report.render();
    println!();
    print!("{text}");
    println!();
    let doc = root.join("docs/bench-catalog.md");
    std::fs::write(&doc, report.markdown(&text)).map_err(|e| format!("cannot write {}: {e}", doc.display()))?;
    println!("xtask: wrote docs/bench-catalog.md; the benchmark took {:.0} s", started.elapsed().as_secs_f64());
    if report.rows.iter().filter_map(|row| row.result.as_ref()).any(|r| r.errors > 0 || r.non_2xx > 0) {
        return Err("some requests failed (see the table's notes)".into());
    }
    page.map(drop)
}

/// One URL on a fresh server: one timed request (its answer is checked), then wrk unless that
/// request took longer than [`PROBE_TIMEOUT`]. The server is killed afterwards, so requests still
/// running when wrk stops cannot slow the next run.
fn load_run(root: &Path, start_server: &dyn Fn() -> Result<Server, String>, target: &Target) -> Result<LoadRow, String> {
    let server = start_server()?;
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
    if target.path.starts_with("/api/v1/apps?") {
        let text = answer.text();
        let total = json_number(&text, "total").unwrap_or(0);
        let items = text.matches("\"has_icon\"").count();
        if items == 0 {
            return Err(format!("{} as {} found no apps; the seeded data does not fit the query", target.what, target.caller));
        }
        row.note = format!("total {total}, {items} items");
    }

    let url = format!("http://{}{}", server.addr, target.path);
    let mut wrk = command(root, "wrk");
    wrk.args(WRK_ARGS);
    if let Some(token) = &target.token {
        wrk.arg("-H").arg(format!("Authorization: Bearer {token}"));
    }
    wrk.arg(&url);
    let output = wrk.stderr(Stdio::inherit()).output().map_err(|e| format!("cannot start wrk: {e}"))?;
    server.kill();
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

/// A digest (64-bit FNV-1a) of the files under `paths` (relative to the root), with their paths, in
/// path order: the seeded data is reused only while it matches.
fn inputs_digest(root: &Path, paths: &[&str]) -> Result<u64, String> {
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

struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn update(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Cargo's target folder: `CARGO_TARGET_DIR` when set, else `target/` at the root.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// A path relative to the root, for messages.
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// The static dir the server serves: a copy of `dist/` (the page timing needs the web app), or a
/// placeholder `index.html` when it is not built (the server serves files only when one exists).
fn prepare_static_dir(root: &Path, dir: &Path) -> Result<(), String> {
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

/// `wavehub serve` on a free loopback port, stopped (SIGTERM) when dropped.
struct Server {
    child: Child,
    url: String,
    addr: String,
}

/// The error text of a request that got no answer in time.
const TIMED_OUT: &str = "no answer within";

impl Server {
    fn start(bin: &Path, data: &Path, static_dir: &Path, log: &Path) -> Result<Server, String> {
        let log_file = std::fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let mut child = command(data, bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .arg("--static-dir")
            .arg(static_dir)
            .env("WAVEHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("WAVEHUB_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
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
}

impl Server {
    /// Stops the server at once (SIGKILL): SQLite cannot cancel a query that is running, and a
    /// graceful stop would wait for it.
    fn kill(mut self) {
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

/// An HTTP answer.
#[derive(Debug, PartialEq, Eq)]
struct HttpResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpResponse {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Parses a whole HTTP/1.1 answer (the connection was closed after it): status line, headers, and
/// the body, de-chunked when it came in chunks.
fn parse_response(raw: &[u8]) -> Result<HttpResponse, String> {
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
struct Api {
    addr: String,
    timeout: Duration,
}

impl Api {
    fn call(&self, method: &str, path: &str, token: Option<&str>, cookie: Option<&str>, json: Option<&str>) -> Result<HttpResponse, String> {
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

    fn get_ok(&self, path: &str, token: &str) -> Result<HttpResponse, String> {
        let token = (!token.is_empty()).then_some(token);
        let answer = self.call("GET", path, token, None, None)?;
        if answer.status != 200 {
            return Err(format!("GET {path} answered {}: {}", answer.status, answer.text()));
        }
        Ok(answer)
    }

    /// Signs in and makes an API token: `POST /auth/login`, then `POST /tokens` with the session.
    fn token(&self, username: &str, password: &str) -> Result<String, String> {
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
        let name = format!("bench-catalog {}", now_utc());
        let created = self.call("POST", "/api/v1/tokens", None, Some(&cookie), Some(&format!(r#"{{"name":"{name}"}}"#)))?;
        if created.status != 201 {
            return Err(format!("POST /api/v1/tokens as {username} answered {}: {}", created.status, created.text()));
        }
        json_string(&created.text(), "token").ok_or_else(|| format!("no token in {}", created.text()))
    }
}

/// The first `"key": "value"` in a JSON text (values without escapes, as tokens are).
fn json_string(json: &str, key: &str) -> Option<String> {
    let rest = after_key(json, key)?.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// The first `"key": number` in a JSON text.
fn json_number(json: &str, key: &str) -> Option<u64> {
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

/// One URL the load runs hit.
struct Target {
    what: String,
    caller: &'static str,
    path: String,
    token: Option<String>,
}

impl Target {
    fn new(what: &str, caller: &'static str, path: &str, token: Option<&String>) -> Target {
        Target { what: what.to_owned(), caller, path: path.to_owned(), token: token.cloned() }
    }
}

/// What one wrk run reports.
#[derive(Debug, Clone, PartialEq)]
struct WrkResult {
    requests: u64,
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Answers outside 2xx/3xx.
    non_2xx: u64,
    /// Socket errors: connect, read, write and timeouts together.
    errors: u64,
}

/// Parses wrk's output (with `--latency`).
fn parse_wrk(output: &str) -> Result<WrkResult, String> {
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
fn parse_duration_ms(text: &str) -> Result<f64, String> {
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

/// One row of the load table.
#[derive(Debug, Clone)]
struct LoadRow {
    what: String,
    caller: String,
    /// The size of one answer.
    bytes: usize,
    /// The first request on the fresh server, alone; NaN when it got no answer in time.
    first_ms: f64,
    note: String,
    /// `None` when the URL was too slow to load-test.
    result: Option<WrkResult>,
}

/// The browser half's results.
#[derive(Debug, Clone, Default)]
struct PageTiming {
    /// `(user, measure, milliseconds of each run)`.
    results: Vec<(String, String, Vec<f64>)>,
    info: Vec<(String, String)>,
}

/// Parses run.mjs's stdout: `result\tUSER\tMEASURE\tms,ms,...` and `info\tKEY\tVALUE` lines.
fn parse_page_output(output: &str) -> Result<PageTiming, String> {
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

fn page_timing(root: &Path, url: &str) -> Result<PageTiming, String> {
    let output = command(root.join("bench/catalog"), "node")
        .arg("run.mjs")
        .args(["--url", url, "--loads", &PAGE_LOADS.to_string()])
        .args(["--warmup", "1", "--user"])
        .arg(format!("{USER}:{USER_PASSWORD}"))
        .env("CHROMIUM_PATH", tools::chromium_path())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start node: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("bench/catalog/run.mjs failed ({})", output.status));
    }
    parse_page_output(&text)
}

/// The median (the mean of the middle two for an even count).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// A number with `decimals` decimals, or `-` when there is none.
fn number(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        "-".into()
    }
}

/// `ours / peer` with two decimals, or empty when there is nothing to compare with.
fn ratio(ours: f64, peer: f64) -> String {
    if peer > 0.0 && ours.is_finite() && peer.is_finite() {
        format!("{:.2}", ours / peer)
    } else {
        String::new()
    }
}

/// A table of left-aligned text columns and right-aligned number columns (as in the bundle bench).
struct Table {
    header: Vec<&'static str>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(columns: &[(&'static str, bool)]) -> Self {
        Table { header: columns.iter().map(|c| c.0).collect(), right: columns.iter().map(|c| c.1).collect(), rows: Vec::new() }
    }

    fn render(&self, out: &mut String) {
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

/// Everything the report shows.
struct Report {
    date: String,
    machine: String,
    tools: String,
    load: String,
    data: String,
    /// The commit measured, and whether the server or web app had uncommitted changes.
    code: String,
    elapsed_secs: f64,
    rows: Vec<LoadRow>,
    page: Option<PageTiming>,
    facts: Vec<String>,
}

/// The page measures, in the order and words the table shows them.
const PAGE_MEASURES: &[(&str, &str)] = &[
    ("first-card", "first .app-grid article in the DOM, from navigation start"),
    ("api-start", "  the page sends GET /api/v1/apps (after wasm start and GET /me)"),
    ("api-duration", "  that request, start to last byte (Resource Timing)"),
    ("after-api", "  last byte to first card (decode and render)"),
    ("raw-fetch", "raw fetch() of the same URL from the page (peer)"),
];

impl Report {
    fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "Wavehub catalog benchmark");
        let _ = writeln!(out, "date:    {}", self.date);
        let _ = writeln!(out, "machine: {}", self.machine);
        let _ = writeln!(out, "tools:   {}", self.tools);
        let _ = writeln!(out, "load:    {}", self.load);
        let _ = writeln!(out, "data:    {}", self.data);
        let _ = writeln!(out, "code:    {}", self.code);
        let _ = writeln!(out, "command: {COMMAND} (took {:.0} s up to this report, builds and seeding included)", self.elapsed_secs);
        let _ = writeln!(out);

        let _ = writeln!(
            out,
            "Catalog API under load: wrk {} on loopback, one URL at a time; API rows authenticate with `Authorization: Bearer <API token>`",
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
                let _ = writeln!(out, "Catalog page in headless Chromium: not measured in this run");
            }
            Some(page) => {
                let _ = writeln!(
                    out,
                    "Catalog page in headless Chromium: `/` signed in as the plain user, warm HTTP cache (one load first), {PAGE_LOADS} loads; ms"
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
                    let values = |measure: &str| {
                        page.results.iter().find(|(u, m, _)| u == user && m == measure).map(|(_, _, v)| v.as_slice())
                    };
                    let peer = values("raw-fetch").map(median);
                    for (measure, label) in PAGE_MEASURES {
                        let Some(values) = values(measure) else { continue };
                        let med = median(values);
                        let shown_ratio = match (*measure, peer) {
                            ("first-card" | "api-duration", Some(peer)) => ratio(med, peer),
                            _ => String::new(),
                        };
                        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
                        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        table.rows.push(vec![
                            (*label).to_owned(),
                            if user == USER { "user".into() } else { user.to_owned() },
                            values.len().to_string(),
                            format!("{med:.1}"),
                            format!("{min:.1}"),
                            format!("{max:.1}"),
                            shown_ratio,
                        ]);
                    }
                }
                table.render(&mut out);
                if let Some((_, url)) = page.info.iter().find(|(k, _)| k == "api-url") {
                    let _ = writeln!(out, "(the page's query: {url}; the ratio is median ÷ the raw fetch's median)");
                }
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "Notes");
        for fact in &self.facts {
            let _ = writeln!(out, "- {fact}");
        }
        let _ = writeln!(out, "- \"admin\" sees every row (its visibility condition is `1 = 1`); \"user\" is a plain user, whose condition is `visibility = 'ALL_USERS' OR owner_id = ?`; the catalog's own `visibility=ALL_USERS` filter applies to both");
        let _ = writeln!(out, "- every token-authenticated request also writes `api_tokens.last_used_at` (compare the `GET /api/v1/me` rows with health)");
        let _ = writeln!(out, "- wrk sends no Accept-Encoding, so answers are not compressed; the browser's are (gzip)");
        let _ = writeln!(out, "- the static file is served by tower-http's ServeDir, which opens and reads it on tokio's blocking thread pool for every request: small API answers can be faster than it");
        let _ = writeln!(out, "- the machine is shared: other builds and tests ran at the same time, so the numbers are noisy; compare rows of one run, not runs");
        out
    }

    fn markdown(&self, text: &str) -> String {
        format!(
            "# Catalog benchmark\n\nMeasured by `{COMMAND}` on {} ({}). The command overwrites this file with the numbers \
             of its run; nothing here is typed by hand.\n\n```text\n{text}```\n",
            self.date, self.machine
        )
    }
}

/// The commit being measured (`git rev-parse --short HEAD`), noting uncommitted changes to what is
/// measured: the server, the rules crate and the web app.
fn code_version(root: &Path) -> String {
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
fn load_average() -> Option<String> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next().map(str::to_owned)
}

/// "2 CPUs (nproc), AMD EPYC, 24 GiB RAM, linux x86_64", as the bundle bench writes it.
fn machine() -> String {
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
fn now_utc() -> String {
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
mod tests {
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

    fn row(what: &str, caller: &str, rps: f64, p50: f64) -> LoadRow {
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
    fn the_report_compares_each_row_with_the_static_file() {
        let mut slow = row("catalog: default page", "user", 50.0, 400.0);
        slow.result.as_mut().unwrap().errors = 2;
        let mut too_slow = row("catalog: search", "user", 0.0, 0.0);
        (too_slow.result, too_slow.first_ms, too_slow.bytes, too_slow.note) = (None, f64::NAN, 0, "no answer within 30 s".into());
        let report = Report {
            date: "2026-11-23 04:02 UTC".into(),
            machine: "2 CPUs".into(),
            tools: "wrk 4.1.0".into(),
            load: "1.0 and 2.0".into(),
            data: "100000 app rows".into(),
            code: "24576aa".into(),
            elapsed_secs: 200.0,
            rows: vec![row("static", "-", 10_000.0, 2.0), slow, too_slow],
            page: Some(PageTiming {
                results: vec![
                    (USER.into(), "first-card".into(), vec![900.0, 1000.0, 1100.0]),
                    (USER.into(), "raw-fetch".into(), vec![200.0, 250.0, 300.0]),
                ],
                info: vec![("api-url".into(), "/api/v1/apps?x".into())],
            }),
            facts: vec!["a fact".into()],
        };
        let text = report.render();
        let catalog = text.lines().find(|l| l.starts_with("catalog: default page")).unwrap();
        assert!(catalog.contains("0.01") && catalog.contains("200.00") && catalog.contains("2 socket errors/timeouts"), "{catalog}");
        let search = text.lines().find(|l| l.starts_with("catalog: search")).unwrap();
        assert_eq!(search.split_whitespace().filter(|w| *w == "-").count(), 8, "{search}");  // bytes, first ms and the six wrk columns
        assert!(search.ends_with("no answer within 30 s"), "{search}");
        let static_row = text.lines().find(|l| l.starts_with("static ")).unwrap();
        assert!(!static_row.contains("1.00"), "the peer has no ratio with itself: {static_row}");
        let first = text.lines().find(|l| l.starts_with("first .app-grid article")).unwrap();
        assert!(first.contains("1000.0") && first.contains("4.00") && first.contains("user"), "{first}");
        assert!(text.contains("- a fact"));
        let markdown = report.markdown(&text);
        assert!(markdown.starts_with("# Catalog benchmark\n\nMeasured by `cargo xtask bench catalog` on 2026-11-23 04:02 UTC (2 CPUs)."));
        assert!(markdown.ends_with("```\n"));
    }

    #[test]
    fn fnv1a_and_the_seed_inputs_digest() {
        let mut digest = Fnv1a::new();
        digest.update(b"a");
        assert_eq!(digest.0, 0xaf63_dc4c_8601_ec8c, "the published FNV-1a 64 value of \"a\"");
        let root = crate::repo_root();
        let first = inputs_digest(&root, SEED_INPUTS).unwrap();
        assert_eq!(first, inputs_digest(&root, SEED_INPUTS).unwrap());
        assert_ne!(first, inputs_digest(&root, &["crates/server/migrations"]).unwrap());
        assert!(inputs_digest(&root, &["no/such/folder"]).is_err());
    }

    #[test]
    fn dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}
