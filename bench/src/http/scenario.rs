//! One HTTP benchmark as data: what to seed, which URLs to load (planned against the seeded server),
//! how to check their answers, which page to time, and the report's words. [`run`] does the rest the
//! same way for every scenario.

use super::client::{Api, HttpResponse, SETUP_TIMEOUT};
use super::load::{load_run_during, load_runs, Background, LoadRow, Target, WRK_ARGS};
use super::page::{page_timing, PageTiming, PAGE_LOADS};
use super::report::{tools_line, Report, ReportKind};
use super::seeded::{ensure_seeded, inputs_digest, prepare_static_dir, shown};
use super::server::ServerSpec;
use super::Tools;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The first admin, made by the seeder or `serve` when the database has no account yet (both take
/// the password from `WAVEHUB_ADMIN_PASSWORD`), and the password of the users a scenario makes.
pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "bench-admin-password";
pub const USER_PASSWORD: &str = "bench-user-password";

/// An HTTP benchmark.
pub struct Scenario {
    /// `catalog` or `runtime-images`: the seeder's subcommand, and the name of the static dir
    /// (`<name>-web`) and the server's log (`<name>-server.log`) under `target/bench-data/`.
    pub name: &'static str,
    /// The report's words (title, command, page measures, notes).
    pub words: &'static ReportKind,
    /// Where the report goes, relative to the root (`docs/bench-catalog.md`).
    pub doc: &'static str,
    pub seed: Seed,
    /// The page script's folder (`bench/catalog`), and what it times, for the progress line.
    pub page_folder: &'static str,
    pub page_what: &'static str,
    /// The page script's arguments besides the URL and the loads (`--user NAME:PASSWORD`, ...).
    pub page_args: Vec<String>,
    /// Signs in on the seeded server, writes the static peer into the static dir, and plans the URLs.
    pub plan: fn(&Api, &Path) -> Result<Plan, String>,
    /// Checks a probe's answer (the seeded data must fit the query); returns the row's note.
    pub check: fn(&Target, &HttpResponse) -> Result<String, String>,
    /// Facts the page's numbers give (e.g. beside the bars).
    pub page_facts: fn(&PageTiming) -> Vec<String>,
    /// Whether the load runs are made again on PostgreSQL, with the same data, beside SQLite's.
    pub also_on_postgres: bool,
}

/// What `wavehub-seed` makes for a scenario, and what the data depends on.
pub struct Seed {
    /// The seeder's arguments after its subcommand (`--apps 100000`).
    pub args: Vec<String>,
    /// More of the seeder's environment (the admin's password is always given).
    pub env: Vec<(&'static str, &'static str)>,
    /// The data dir's name under `target/bench-data/`.
    pub data_dir: &'static str,
    /// When any of these files changes, the next run seeds again.
    pub inputs: &'static [&'static str],
    /// The marker's words before the digest (`100000 apps`).
    pub marker: String,
    /// The progress lines' words for the data reused (`catalog`) and seeded (`100000 app rows`).
    pub reused: &'static str,
    pub seeding: String,
    /// The report's `data:` line, before `in DIR, seeded ...`.
    pub data: String,
}

/// What a scenario loads, planned on the seeded server.
pub struct Plan {
    /// The rows in order; the first is the static peer every row is compared with.
    pub targets: Vec<Target>,
    /// Facts for the report's notes (e.g. what the deep page is).
    pub facts: Vec<String>,
    pub under_writes: Option<UnderWrites>,
}

/// A read measured again while `writes` runs beside wrk, compared with its read-only row.
pub struct UnderWrites {
    pub target: Target,
    /// The read-only row (`what`, `as`) it is compared with; its row goes right after that one.
    pub read_only: (String, &'static str),
    /// The writes in the fact's words (`one write a second`), and the bar in percent of the
    /// read-only row's requests per second.
    pub label: &'static str,
    pub bar_percent: u32,
    pub writes: Box<Background<'static>>,
}

/// What xtask hands over once the tools are installed and the binaries built.
pub struct Env {
    pub root: PathBuf,
    pub tools: Tools,
    /// Copies of `wavehub` and `wavehub-seed` (another build may relink the originals meanwhile).
    pub server_bin: PathBuf,
    pub seeder_bin: PathBuf,
    /// `target/bench-data/`.
    pub bench_data: PathBuf,
    /// The commit measured (see the report's `code:` line).
    pub code: String,
    /// Whether the page half can run (the web app, Chromium and the page script's packages).
    pub page_ready: Result<(), String>,
    pub started: Instant,
}

impl Env {
    /// A progress line: `xtask: <what> (<seconds since the start> s)`.
    pub fn step(&self, what: &str) {
        println!("xtask: {what} ({:.0} s)", self.started.elapsed().as_secs_f64());
    }
}

/// Seeds (or reuses) the data, plans on a started server, runs the load runs, times the page and
/// writes the report. Fails at the end when requests failed or the page half did not run.
pub fn run(scenario: &Scenario, env: &Env) -> Result<(), String> {
    let root = env.root.as_path();
    let seed = &scenario.seed;
    let data = env.bench_data.join(seed.data_dir);
    let wanted_marker = format!("{}, seeder and schema {:016x}", seed.marker, inputs_digest(root, seed.inputs)?);
    let seeder = format!("wavehub-seed {}", scenario.name);
    let mut seeding = Command::new(&env.seeder_bin);
    seeding.arg(scenario.name).args(&seed.args).arg("--data-dir").arg(&data).env("WAVEHUB_ADMIN_PASSWORD", ADMIN_PASSWORD).envs(seed.env.iter().copied());
    let seeded = ensure_seeded(root, &data, &wanted_marker, [seed.reused, &seed.seeding], &|what| env.step(what), &mut seeding, &seeder)?;

    let name = scenario.name;
    let static_dir = env.bench_data.join(format!("{name}-web"));
    prepare_static_dir(root, &static_dir)?;
    let spec = ServerSpec {
        bin: env.server_bin.clone(),
        data: data.clone(),
        static_dir: static_dir.clone(),
        log: env.bench_data.join(format!("{name}-server.log")),
        admin_password: ADMIN_PASSWORD,
        database_url: None,
    };
    env.step("starting the server, signing in, making API tokens");
    let server = spec.start()?;
    let plan = (scenario.plan)(&Api::new(&server.addr, SETUP_TIMEOUT), &static_dir)?;
    server.kill();
    let Plan { targets, mut facts, under_writes } = plan;

    let urls = targets.len() + usize::from(under_writes.is_some());
    env.step(&format!("load runs: {urls} URLs, each on a fresh server: one request, then wrk {}", WRK_ARGS.join(" ")));
    let (mut rows, load) = load_runs(&env.tools, root, &spec, &targets, &scenario.check)?;
    if let Some(under) = under_writes {
        if let Some(fact) = run_under_writes(env, &spec, &under, &scenario.check, &mut rows)? {
            facts.push(fact);
        }
    }
    if scenario.also_on_postgres {
        let (postgres_rows, postgres_facts) = on_postgres(scenario, env, &static_dir, &rows)?;
        rows.extend(postgres_rows);
        facts.extend(postgres_facts);
    }

    let page = match &env.page_ready {
        Err(message) => Err(message.clone()),
        Ok(()) => {
            env.step(&format!("timing {} in headless Chromium ({PAGE_LOADS} loads per user)", scenario.page_what));
            spec.start().and_then(|server| page_timing(&env.tools, root, scenario.page_folder, &server.url, &scenario.page_args))
        }
    };
    match &page {
        Err(message) => println!("xtask: the page timing did not run: {message}; reporting the API numbers only"),
        Ok(page) => facts.extend((scenario.page_facts)(page)),
    }

    let report = Report {
        kind: scenario.words,
        date: crate::host::now_utc(),
        machine: crate::host::machine(),
        tools: tools_line(&env.tools, root, page.as_ref().ok()),
        load,
        data: format!("{} in {}, {}", seed.data, shown(root, &data), seeded.line(&seeder)),
        code: env.code.clone(),
        elapsed_secs: env.started.elapsed().as_secs_f64(),
        rows,
        page: page.as_ref().ok().cloned(),
        facts,
    };
    report.finish(root, scenario.doc, env.started)?;
    page.map(drop)
}

/// The read of `under` measured again with its writes beside it, put in `rows` right after its
/// read-only row, its note saying what share of that row's requests per second it kept; the fact
/// that compares the two with the bar, when both rows were load-tested.
fn run_under_writes(
    env: &Env,
    spec: &ServerSpec,
    under: &UnderWrites,
    check: &dyn Fn(&Target, &HttpResponse) -> Result<String, String>,
    rows: &mut Vec<LoadRow>,
) -> Result<Option<String>, String> {
    let mut row = load_run_during(&env.tools, &env.root, spec, &under.target, check, Some(&*under.writes))?;
    let (what, caller) = &under.read_only;
    let read_only = rows.iter().position(|r| &r.what == what && r.caller == *caller).ok_or("no read-only row")?;
    let mut fact = None;
    if let (Some(ours), Some(alone)) = (&row.result, &rows[read_only].result) {
        let share = 100.0 * ours.requests_per_sec / alone.requests_per_sec;
        row.note = format!("{}; {share:.0}% of the read-only row's req/s", row.note);
        fact = Some(format!(
            "reads under {}: {:.1} req/s beside {:.1} req/s read-only ({share:.0}%; the issue's bar is {}%)",
            under.label, ours.requests_per_sec, alone.requests_per_sec, under.bar_percent
        ));
    }
    rows.insert(read_only + 1, row);
    Ok(fact)
}

/// The load runs again on PostgreSQL: a throwaway cluster (wavehub-testkit), seeded anew with the
/// same arguments, and a server on it. The peers (files, health) measure no database and are not
/// run again. Each row is marked "[PostgreSQL]" and its note gives SQLite's row beside it.
fn on_postgres(scenario: &Scenario, env: &Env, static_dir: &Path, sqlite_rows: &[LoadRow]) -> Result<(Vec<LoadRow>, Vec<String>), String> {
    let root = env.root.as_path();
    env.step("PostgreSQL: starting a throwaway cluster");
    let cluster = wavehub_testkit::Postgres::start()?;
    let url = cluster.create_database()?;
    let data = env.bench_data.join(format!("{}-postgres", scenario.seed.data_dir));
    let _ = std::fs::remove_dir_all(&data);
    env.step(&format!("PostgreSQL: seeding {}", scenario.seed.seeding));
    let seeded_at = Instant::now();
    let seeding = Command::new(&env.seeder_bin)
        .arg(scenario.name)
        .args(&scenario.seed.args)
        .arg("--data-dir")
        .arg(&data)
        .arg("--database-url")
        .arg(&url)
        .env("WAVEHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .envs(scenario.seed.env.iter().copied())
        .status()
        .map_err(|e| format!("cannot start the seeder: {e}"))?;
    if !seeding.success() {
        return Err(format!("the seeder failed on PostgreSQL ({seeding})"));
    }
    let seeding_secs = seeded_at.elapsed().as_secs_f64();
    let spec = ServerSpec {
        bin: env.server_bin.clone(),
        data,
        static_dir: static_dir.to_path_buf(),
        log: env.bench_data.join(format!("{}-postgres-server.log", scenario.name)),
        admin_password: ADMIN_PASSWORD,
        database_url: Some(url),
    };
    env.step("PostgreSQL: starting the server, signing in, making API tokens");
    let server = spec.start()?;
    let plan = (scenario.plan)(&Api::new(&server.addr, SETUP_TIMEOUT), static_dir)?;
    server.kill();
    let targets: Vec<Target> = plan.targets.into_iter().filter(|t| !t.what.ends_with("(peer)")).collect();
    env.step(&format!("PostgreSQL: load runs, {} URLs", targets.len() + usize::from(plan.under_writes.is_some())));
    let (mut rows, _) = load_runs(&env.tools, root, &spec, &targets, &scenario.check)?;
    let mut facts = vec![format!("PostgreSQL {}: a throwaway cluster, seeded in {seeding_secs:.0} s", postgres_version(&cluster))];
    if let Some(under) = plan.under_writes {
        if let Some(fact) = run_under_writes(env, &spec, &under, &scenario.check, &mut rows)? {
            facts.push(format!("PostgreSQL, {fact}"));
        }
    }
    for row in &mut rows {
        if let Some(twin) = sqlite_rows.iter().find(|r| r.what == row.what && r.caller == row.caller) {
            let sqlite = match &twin.result {
                Some(result) => format!("SQLite: first {:.1} ms, {:.0} req/s, p99 {:.2} ms", twin.first_ms, result.requests_per_sec, result.p99_ms),
                None => format!("SQLite: first {:.1} ms", twin.first_ms),
            };
            row.note = if row.note.is_empty() { sqlite } else { format!("{}; {sqlite}", row.note) };
        }
        row.what = format!("{} [PostgreSQL]", row.what);
    }
    Ok((rows, facts))
}

/// `PostgreSQL 15.x`'s version number, for the report.
fn postgres_version(cluster: &wavehub_testkit::Postgres) -> String {
    cluster.psql("SHOW server_version").map(|v| v.trim().to_owned()).unwrap_or_else(|_| "(version unknown)".into())
}

/// Fetches `path` as the caller of `token`, writes its exact bytes into the static dir as the
/// static peer `name`, and returns the answer's JSON (the plans read its total and first item).
pub fn write_static_peer(api: &Api, static_dir: &Path, name: &str, path: &str, token: &str) -> Result<serde_json::Value, String> {
    let answer = api.get_ok(path, token)?;
    std::fs::write(static_dir.join(name), &answer.body).map_err(|e| format!("cannot write the static peer file: {e}"))?;
    answer.json()
}

/// The peers every HTTP benchmark's table starts with: the static peer `static_peer` (the same bytes
/// as the default page, served as a file), `GET /api/v1/health`, and `GET /api/v1/me` as `caller`
/// (the token check alone).
pub fn peer_targets(static_peer: &str, caller: &'static str, token: &String) -> Vec<Target> {
    vec![
        Target::new("static JSON file, same bytes as the default page (peer)", "-", &format!("/{static_peer}"), None),
        Target::new("GET /api/v1/health (peer)", "-", "/api/v1/health", None),
        Target::new("GET /api/v1/me (the token check alone)", caller, "/api/v1/me", Some(token)),
    ]
}

/// The deep page: `wanted`, or the last page when there are fewer (with a fact saying so).
pub fn deep_page(wanted: u64, total: u64, page_size: u64, what: &str, facts: &mut Vec<String>) -> u64 {
    let last_page = total.div_ceil(page_size).max(1);
    if last_page < wanted {
        facts.push(format!("page {wanted} is past the end ({total} {what}, {last_page} pages): the deep page is the last one"));
    }
    wanted.min(last_page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deep_page_past_the_end_is_the_last_one() {
        let mut facts = Vec::new();
        assert_eq!(deep_page(150, 10_005, 50, "images", &mut facts), 150);
        assert!(facts.is_empty());
        assert_eq!(deep_page(2000, 100, 24, "results", &mut facts), 5);
        assert_eq!(facts, ["page 2000 is past the end (100 results, 5 pages): the deep page is the last one"]);
        assert_eq!(deep_page(3, 0, 24, "results", &mut Vec::new()), 1);
    }
}
