//! `cargo xtask bench launch`: the time from Launch to the first render of a Wave app
//! (`demo/apps/hello-wave`) in headless Chromium, through Wavehub and, as the peer, started by hand
//! the way a developer does with `wave run`.
//!
//! 1. tools: Chromium, `npm ci` in `bench/launch/` (playwright-core), and what the server's runner
//!    needs (bubblewrap, Python's venv);
//! 2. builds the server (release); creates the peer's venv with h2o-wave once, outside the timing,
//!    in `target/bench-data/launch-peer-venv/` (kept while the requirements and the Python match);
//! 3. cold: [`COLD_RUNS`] times, `wavehub serve` on a fresh data dir (no environment, no waved
//!    yet), `wavehub import` of the app with an API token, then `bench/launch/run.mjs wavehub`: one
//!    launch timed to `running` and to the header title on the page opened through
//!    `/api/v1/instances/{id}/open`; after the first cold launch, on the same server, the warm runs
//!    (terminate, launch again: the same requirements);
//! 4. the peers: `wave run --no-reload app` in the ready venv, and cold by hand (`python -m venv`,
//!    `pip install -r requirements.txt`, `wave run`, timed whole);
//! 5. prints one report and writes it with the date and the machine to `docs/bench-launch.md`.
//!
//! Every process started here ends with the benchmark, failed or not: the server stops its
//! instances when it is dropped (SIGTERM), Playwright closes Chromium when Node exits, and each
//! `wave run` runs in a process group of its own that Node kills and, once Node has exited, this
//! kills again.

use crate::bench_http::{build_server, code_version};
use wavehub_bench::host::{load_average, machine, now_utc};
use wavehub_bench::http::client::{Api, SETUP_TIMEOUT};
use wavehub_bench::http::page::{parse_page_output, PageTiming};
use wavehub_bench::http::report::{median, number, ratio};
use wavehub_bench::http::scenario::{ADMIN, ADMIN_PASSWORD};
use wavehub_bench::http::seeded::{ensure_seeded, inputs_digest, prepare_static_dir, shown};
use wavehub_bench::http::server::{Server, ServerSpec};
use wavehub_bench::table::Table;
use crate::process::{command, output_line, succeeds};
use crate::tools;
use std::fmt::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

pub const USAGE: &str = "bench launch";
const COMMAND: &str = "cargo xtask bench launch";

/// The app launched, and the title its header card shows.
const APP: &str = "demo/apps/hello-wave";
/// Cold runs download everything, so few; warm runs and the warm peer are cheap.
const COLD_RUNS: usize = 2;
const WARM_RUNS: usize = 5;
/// The target for a warm launch, Launch to first render.
const WARM_TARGET_SECS: f64 = 3.0;
/// The Python the server's runner uses (`runner::packages::python`); the peers use it too.
const PYTHON: &str = "/usr/bin/python3";

/// The table's rows: the key `run.mjs` reports under, and the label.
const ROWS: &[(&str, &str)] = &[
    ("cold", "cold: fresh data dir"),
    ("warm", "warm: same requirements again"),
    ("peer-warm", "peer warm: wave run, venv ready"),
    ("peer-cold", "peer cold: venv + pip + wave run"),
];

/// Where the time goes: a label and the measure of each row that has it (the columns follow `ROWS`).
const STAGES: &[(&str, [&str; 4])] = &[
    ("preparing: unpack the bundle", ["step-preparing", "step-preparing", "", ""]),
    ("installing packages: venv + pip, or the cached env", ["step-installing_packages", "step-installing_packages", "", ""]),
    ("  by hand: python -m venv", ["", "", "", "venv"]),
    ("  by hand: pip install -r requirements.txt", ["", "", "", "pip"]),
    ("starting Wave: waved (fetched once when missing)", ["step-starting_wave", "step-starting_wave", "", ""]),
    ("waiting for the app to register with waved", ["step-waiting_for_app", "step-waiting_for_app", "", ""]),
    ("  by hand: wave run until the app registers", ["", "", "wave-run", "wave-run"]),
    ("= running (API status / waved logs app_add)", ["running", "running", "running", "running"]),
    ("running -> Wave page committed (open, ticket, redirects)", ["committed", "committed", "committed", "committed"]),
    ("running -> header title in the DOM", ["after-running", "after-running", "after-running", "after-running"]),
    ("= first render", ["render", "render", "render", "render"]),
];

const NOTES: &[&str] = &[
    "cold: a fresh data dir per run, so the Python environment is created and pip downloads and installs requirements.txt (--no-cache-dir), and waved is fetched (`pip download` of the h2o-wave wheel, which pip's own cache in the server user's home may serve)",
    "warm: the same server after the first cold launch; each run terminates the previous instance and launches again, so the environment (DATA_DIR/cache/envs/<key>) and waved are reused",
    "to running: from just before the launch POST until a poll of GET /api/v1/instances/{id} (every 25 ms) sees `running`; the steps are as those polls saw them, so a step shorter than a poll counts towards the one before",
    "first render: the header card's title in the DOM, reported by a MutationObserver through a binding into Node, so every time is on Node's clock; then the title is checked to be visible (not timed); every run opens a new tab, and its Wave files are on a new path or port, so no run reuses another's cache",
    "the peers by hand: `<venv>/bin/wave run --no-reload app` in a copy of the app folder on free ports (it starts waved from the venv); running = waved logs `app_add`; the page is waved's own address. `wave run` sleeps 1 s after starting waved before it starts the app (h2o_wave/cli.py)",
    "the machine is shared: other builds and tests ran at the same time, so the numbers are noisy; compare rows of one run, not runs",
];

pub fn launch(root: &Path, args: &[String]) -> Result<(), String> {
    if !args.is_empty() {
        return Err(format!("usage: cargo xtask {USAGE}"));
    }
    let started = Instant::now();
    let step = |what: &str| println!("xtask: {what} ({:.0} s)", started.elapsed().as_secs_f64());

    step("checking the tools");
    tools::ensure_chromium(root)?;
    tools::ensure_npm_packages(&root.join("bench/launch"), "bench/launch")?;
    ensure_runner_tools(root)?;

    let code = code_version(root);
    step("building the server (release)");
    let (bench_data, server_bin) = build_server(root, "launch-wavehub")?;
    let app = root.join(APP);
    let requirements = app.join("requirements.txt");
    let python = output_line(command(root, PYTHON).arg("--version")).unwrap_or_else(|| "Python ?".into());

    let peer_venv = bench_data.join("launch-peer-venv");
    let wanted_marker = format!("h2o-wave venv, {python}, requirements {:016x}", inputs_digest(root, &[&format!("{APP}/requirements.txt")])?);
    let peer_seeded = ensure_seeded(
        root,
        &peer_venv,
        &wanted_marker,
        ["peer venv", "the peer venv (python -m venv, pip install -r requirements.txt)"],
        &step,
        command(root, "sh")
            .args(["-c", r#""$0" -m venv "$1" && "$1/bin/pip" install -q --disable-pip-version-check --no-input -r "$2""#])
            .arg(PYTHON)
            .arg(&peer_venv)
            .arg(&requirements),
        "creating the peer venv",
    )?;

    let static_dir = bench_data.join("launch-web");
    prepare_static_dir(root, &static_dir)?;
    let spec = ServerSpec {
        bin: server_bin,
        data: bench_data.join("launch-data"),
        static_dir,
        log: bench_data.join("launch-server.log"),
        admin_password: ADMIN_PASSWORD,
        database_url: None,
    };
    let load_before = load_average();
    let mut timing = PageTiming::default();
    for cold in 1..=COLD_RUNS {
        let warm = if cold == 1 { WARM_RUNS } else { 0 };
        step(&format!("cold launch {cold}/{COLD_RUNS} on a fresh data dir{}", if warm > 0 { format!(", then {warm} warm launches") } else { String::new() }));
        let _ = std::fs::remove_dir_all(&spec.data);
        std::fs::create_dir_all(&spec.data).map_err(|e| format!("cannot create {}: {e}", spec.data.display()))?;
        // Dropped at the end of each pass, failed or not: SIGTERM, and the server stops its instances.
        let server = spec.start()?;
        let app_id = import(root, &spec, &server, &app)?;
        let user = format!("{ADMIN}:{ADMIN_PASSWORD}");
        let found = browser(root, &["wavehub", "--url", &server.url, "--user", &user, "--app", &app_id, "--cold", "1", "--warm", &warm.to_string()])?;
        merge(&mut timing, found);
    }
    let waved = std::fs::read_dir(spec.data.join("cache/wave"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .next()
        .unwrap_or_else(|| "?".into());

    let (venv, work) = (peer_venv.display().to_string(), bench_data.join("launch-peer-app").display().to_string());
    step(&format!("peer warm: wave run in the ready venv, {WARM_RUNS} runs"));
    merge(&mut timing, browser(root, &["peer", "--venv", &venv, "--app-dir", &app.display().to_string(), "--work", &work, "--runs", &WARM_RUNS.to_string()])?);
    step(&format!("peer cold: venv + pip install + wave run, {COLD_RUNS} runs"));
    let cold_venv = bench_data.join("launch-peer-cold-venv").display().to_string();
    let runs = COLD_RUNS.to_string();
    merge(&mut timing, browser(root, &["peer-cold", "--python", PYTHON, "--venv", &cold_venv, "--app-dir", &app.display().to_string(), "--work", &work, "--runs", &runs])?);
    let load_after = load_average();

    let info = |key: &str| timing.info.iter().find(|(k, _)| k == key).map_or("?", |(_, v)| v.as_str()).to_owned();
    let mut text = String::new();
    let _ = writeln!(text, "Wavehub launch benchmark");
    let _ = writeln!(text, "date:    {}", now_utc());
    let _ = writeln!(text, "machine: {}", machine());
    let _ = writeln!(text, "tools:   Chromium {}, Node {}, {python} ({PYTHON}), waved {waved} (Wavehub's and the venv's h2o-wave)", info("chromium"), info("node"));
    let _ = writeln!(
        text,
        "load:    1-minute load average {} and {} at the start and end of the runs (other work on the machine skews the numbers)",
        load_before.unwrap_or_else(|| "?".into()),
        load_after.unwrap_or_else(|| "?".into())
    );
    let _ = writeln!(
        text,
        "app:     {APP} (requirements.txt: {}), imported with `wavehub import`; peer venv in {} {}",
        std::fs::read_to_string(&requirements).unwrap_or_default().trim(),
        shown(root, &peer_venv),
        peer_seeded.line("python -m venv, pip install").replace("seeded", "made")
    );
    let _ = writeln!(text, "code:    {code}");
    let _ = writeln!(text, "command: {COMMAND} (took {:.0} s up to this report, builds included)", started.elapsed().as_secs_f64());
    let _ = writeln!(text);
    render(&timing, &mut text);
    let _ = writeln!(text);
    let _ = writeln!(text, "Notes");
    for note in NOTES {
        let _ = writeln!(text, "- {note}");
    }

    println!();
    print!("{text}");
    println!();
    let doc = "docs/bench-launch.md";
    let markdown = format!(
        "# Launch benchmark\n\nMeasured by `{COMMAND}` on {} ({}). The command overwrites this file with the numbers of its \
         run; nothing here is typed by hand.\n\n```text\n{text}```\n",
        now_utc(),
        machine()
    );
    std::fs::write(root.join(doc), markdown).map_err(|e| format!("cannot write {doc}: {e}"))?;
    println!("xtask: wrote {doc}; the benchmark took {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The runner sandboxes every process with bubblewrap and creates environments with Python's venv
/// (with pip: Debian's python3-venv); without them no instance starts.
fn ensure_runner_tools(root: &Path) -> Result<(), String> {
    let ready = || Path::new("/usr/bin/bwrap").is_file() && succeeds(command(root, PYTHON).args(["-c", "import ensurepip, venv"]));
    if ready() {
        return Ok(());
    }
    println!("xtask: installing bubblewrap and python3-venv from Debian's packages");
    tools::apt_install(root, &["bubblewrap", "python3-venv"])?;
    if ready() {
        Ok(())
    } else {
        Err("bubblewrap or Python's venv is still missing after installing them".into())
    }
}

/// Imports the app with `wavehub import` and an API token of the admin; returns its id.
fn import(root: &Path, spec: &ServerSpec, server: &Server, app: &Path) -> Result<String, String> {
    let token = Api::new(&server.addr, SETUP_TIMEOUT).token(ADMIN, ADMIN_PASSWORD, "bench-launch")?;
    let output = command(root, &spec.bin)
        .arg("import")
        .arg(app)
        .args(["--server", &server.url])
        .env("WAVEHUB_TOKEN", token)
        .output()
        .map_err(|e| format!("cannot start wavehub import: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    // "imported NAME VERSION as app ID (VISIBILITY): URL"
    let id: String = text.split(" as app ").nth(1).unwrap_or_default().chars().take_while(char::is_ascii_digit).collect();
    if !output.status.success() || id.is_empty() {
        return Err(format!("wavehub import {} failed ({}): {text}{}", shown(root, app), output.status, String::from_utf8_lossy(&output.stderr)));
    }
    Ok(id)
}

/// Runs `node run.mjs ARGS` and parses what it prints; then kills every process group it reported
/// (`wave run` and what it started), in case Node died before it could.
fn browser(root: &Path, args: &[&str]) -> Result<PageTiming, String> {
    let child = command(root.join("bench/launch"), "node")
        .arg("run.mjs")
        .args(args)
        .env("CHROMIUM_PATH", tools::chromium_path())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start node: {e}"))?;
    let output = child.wait_with_output().map_err(|e| format!("bench/launch/run.mjs: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    for group in text.lines().filter_map(|l| l.strip_prefix("group\t")) {
        succeeds(command(root, "kill").args(["-KILL", "--", &format!("-{group}")]));
    }
    if !output.status.success() {
        return Err(format!("bench/launch/run.mjs {} failed ({})", args[0], output.status));
    }
    parse_page_output(&text)
}

/// Adds one script's results to the others (the same row and measure from two runs of the script
/// become one list).
fn merge(into: &mut PageTiming, from: PageTiming) {
    for (row, measure, values) in from.results {
        match into.results.iter_mut().find(|(r, m, _)| *r == row && *m == measure) {
            Some((_, _, existing)) => existing.extend(values),
            None => into.results.push((row, measure, values)),
        }
    }
    into.info.extend(from.info);
}

/// The main table (median, min and max per row; each row's first render against its peer), the
/// target line, and where the time goes.
fn render(timing: &PageTiming, out: &mut String) {
    let values = |row: &str, measure: &str| {
        timing.results.iter().find(|(r, m, _)| r == row && m == measure).map(|(_, _, v)| v.as_slice()).unwrap_or_default()
    };
    let secs = |ms: f64| number(ms / 1000.0, 2);
    let _ = writeln!(out, "Launch to first render of {APP} in headless Chromium; seconds, median (min, max) of the runs");
    let mut table = Table::new(&[
        ("what", false),
        ("runs", true),
        ("to running", true),
        ("min", true),
        ("max", true),
        ("to first render", true),
        ("min", true),
        ("max", true),
        ("÷ peer", true),
        ("peer", false),
    ]);
    for (row, label) in ROWS {
        let mut cells = vec![(*label).to_owned(), values(row, "render").len().to_string()];
        for measure in ["running", "render"] {
            let v = values(row, measure);
            let min = v.iter().copied().fold(f64::INFINITY, f64::min);
            let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            cells.extend([secs(median(v)), secs(min), secs(max)]);
        }
        let peer = match *row {
            "cold" => "peer-cold",
            "warm" => "peer-warm",
            _ => "",
        };
        let shown_ratio = if peer.is_empty() { String::new() } else { ratio(median(values(row, "render")), median(values(peer, "render"))) };
        cells.extend([shown_ratio, peer.replace('-', " ")]);
        table.rows.push(cells);
    }
    table.render(out);
    let _ = writeln!(out, "(to running: Wavehub's API says `running`, or the peer's waved logs `app_add`; ÷ peer: the first render's median ÷ that of the peer row named)");
    let warm = median(values("warm", "render")) / 1000.0;
    let met = if warm <= WARM_TARGET_SECS { "met" } else { "NOT met" };
    let _ = writeln!(out, "target: warm launch to first render ≤ {WARM_TARGET_SECS:.1} s: {met} (median {warm:.2} s)");
    let _ = writeln!(out);

    let _ = writeln!(out, "Where the time goes; seconds, medians");
    let mut stages = Table::new(&[("stage", false), ("cold", true), ("warm", true), ("peer warm", true), ("peer cold", true)]);
    for (label, measures) in STAGES {
        let mut cells = vec![(*label).to_owned()];
        for ((row, _), measure) in ROWS.iter().zip(measures) {
            cells.push(if measure.is_empty() { String::new() } else { secs(median(values(row, measure))) });
        }
        stages.rows.push(cells);
    }
    stages.render(out);
}
