//! `cargo xtask bench catalog [--api-only]`: the app store's catalog with 100,000 app rows, over
//! HTTP under load and in headless Chromium.
//!
//! 1. tools: `wrk` (Debian's package), and unless `--api-only` the web app's build tools, Chromium
//!    and `npm ci` in `bench/catalog/` (playwright-core);
//! 2. builds the server (release) and, unless `--api-only`, the web app into `dist/`;
//! 3. seeds `target/bench-data/catalog-100k/` with `wavehub-seed catalog` when it is missing (kept
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
//!
//! The server, HTTP client, load runs and report are shared with `bench runtime-images` (`bench_http.rs`).

use crate::bench_http::{
    build_server, code_version, ensure_seeded, inputs_digest, json_number, load_run_during, load_runs, machine, now_utc, page_timing,
    prepare_static_dir, shown, tools_line, Api, HttpResponse, Report, ReportKind, ServerSpec, Target,
    SETUP_TIMEOUT, WRK_ARGS,
};
use crate::process::command;
use crate::tools;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub const USAGE: &str = "bench catalog [--api-only]";
const COMMAND: &str = "cargo xtask bench catalog";

/// App rows (name+version) in the seeded catalog.
const APPS: usize = 100_000;
/// The seeded data dir under `target/bench-data/`.
const DATA_DIR: &str = "catalog-100k";
/// What the seeded data depends on: when any of these files changes, the next run seeds again.
const SEED_INPUTS: &[&str] = &["crates/server/migrations", "crates/seed/src/lib.rs", "crates/seed/src/catalog.rs", "bench/src/rng.rs"];
/// The first admin's password, given to `wavehub-seed catalog` and `serve` (both create `admin` only when
/// the database has no account yet).
const ADMIN: &str = "admin";
const ADMIN_PASSWORD: &str = "bench-admin-password";
/// The plain user the benchmark creates (or finds) through the API.
const USER: &str = "bench-user";
const USER_PASSWORD: &str = "bench-user-password";

/// The catalog page's query (the web app's default view) and the variants measured. The search
/// prefix and category are ones the seeder makes common (`wavehub_seed::catalog::COMMON_WORD`,
/// `POPULAR_CATEGORY`).
const DEFAULT_QUERY: &str = "latest=true&visibility=ALL_USERS&page_size=24";
const SEARCH_PREFIX: &str = "forec";
/// The search typed one letter at a time: each prefix is a new query, measured on a fresh server
/// (a cold cache) like every row.
const TYPED_PREFIXES: &[&str] = &["f", "fo", "for", "fore", "forec"];
/// How often the "reads under writes" row changes an app (`PATCH /apps/{id}`) while wrk reads.
const WRITE_EVERY: Duration = Duration::from_secs(1);
const CATEGORY: &str = "Finance";
const DEEP_PAGE: u64 = 2000;
const PAGE_SIZE: u64 = 24;
/// The static peer's file name inside the static dir.
const STATIC_PEER: &str = "bench-catalog-page.json";

/// The report's words.
static KIND: ReportKind = ReportKind {
    title: "Wavehub catalog benchmark",
    doc_title: "Catalog benchmark",
    command: COMMAND,
    api: "Catalog API",
    page: "Catalog page",
    page_scope: "`/` signed in as the plain user",
    page_measures: &[
        ("first-card", "first .app-grid article in the DOM, from navigation start"),
        ("api-start", "  the page sends GET /api/v1/apps (after wasm start and GET /me)"),
        ("api-duration", "  that request, start to last byte (Resource Timing)"),
        ("after-api", "  last byte to first card (decode and render)"),
        ("raw-fetch", "raw fetch() of the same URL from the page (peer)"),
        ("cold-first-card", "first visit: first card, nothing cached, 20 Mbit/s, 40 ms latency"),
        ("first-visit-kb", "first visit: KB downloaded before the first API request (compressed)"),
    ],
    page_compared: &["first-card", "api-duration"],
    callers: &[(USER, "user")],
    notes: &[
        "\"admin\" sees every row (its visibility condition is `1 = 1`); \"user\" is a plain user, whose condition is `visibility = 'ALL_USERS' OR owner_id = ?`; the catalog's own `visibility=ALL_USERS` filter applies to both",
        "every token-authenticated request also writes `api_tokens.last_used_at` (compare the `GET /api/v1/me` rows with health)",
        "wrk sends no Accept-Encoding, so answers are not compressed; the browser's are (gzip)",
        "the static file is served by tower-http's ServeDir, which opens and reads it on tokio's blocking thread pool for every request: small API answers can be faster than it",
        "the machine is shared: other builds and tests ran at the same time, so the numbers are noisy; compare rows of one run, not runs",
    ],
};

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
    let (bench_data, server_bin) = build_server(root, "catalog-wavehub")?;

    let data = bench_data.join(DATA_DIR);
    let wanted_marker = format!("{APPS} apps, seeder and schema {:016x}", inputs_digest(root, SEED_INPUTS)?);
    let seeded = ensure_seeded(
        root,
        &data,
        &wanted_marker,
        ["catalog", &format!("{APPS} app rows")],
        &step,
        command(root, crate::bench_http::target_dir(root).join("release/wavehub-seed"))
            .args(["catalog", "--apps", &APPS.to_string(), "--data-dir"])
            .arg(&data)
            .env("WAVEHUB_ADMIN_PASSWORD", ADMIN_PASSWORD),
        "wavehub-seed catalog",
    )?;

    let static_dir = bench_data.join("catalog-web");
    prepare_static_dir(root, &static_dir)?;
    let spec = ServerSpec {
        bin: server_bin,
        data: data.clone(),
        static_dir: static_dir.clone(),
        log: bench_data.join("catalog-server.log"),
        admin_password: ADMIN_PASSWORD,
    };
    step("starting the server, signing in, making API tokens");
    let server = spec.start()?;
    let api = Api { addr: server.addr.clone(), timeout: SETUP_TIMEOUT };
    let admin_token = api.token(ADMIN, ADMIN_PASSWORD, "bench-catalog")?;
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
    let user_token = api.token(USER, USER_PASSWORD, "bench-catalog")?;

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
        if caller == "admin" {
            targets.push(Target::new(&format!("catalog: search \"{SEARCH_PREFIX}\""), caller, &search_path, Some(token)));
        } else {
            for prefix in TYPED_PREFIXES {
                let path = format!("/api/v1/apps?q={prefix}&{DEFAULT_QUERY}");
                targets.push(Target::new(&format!("catalog: search \"{prefix}\" (typed)"), caller, &path, Some(token)));
            }
        }
        targets.push(Target::new(&format!("catalog: category {CATEGORY}"), caller, &category_path, Some(token)));
        targets.push(Target::new(&format!("catalog: deep page {deep_page}"), caller, &deep_path, Some(token)));
        targets.push(Target::new("app detail", caller, &detail_path, Some(token)));
    }

    step(&format!("load runs: {} URLs, each on a fresh server: one request, then wrk {}", targets.len() + 1, WRK_ARGS.join(" ")));
    let (mut rows, load) = load_runs(root, &spec, &targets, &check_answer)?;

    // Reads under writes: the user's default page again, while admin changes the visibility of
    // the page's first app once a second (each change moves the shared catalog's counts).
    let writes = |addr: &str, stop: &AtomicBool| write_loop(addr, &admin_token, first_id, stop);
    let under_writes = Target::new("catalog: default page, one PATCH a second", "user", &default_path, Some(&user_token));
    let mut row = load_run_during(root, &spec, &under_writes, &check_answer, Some(&writes))?;
    let read_only = rows.iter().position(|r| r.what == "catalog: default page" && r.caller == "user").ok_or("no read-only row")?;
    if let (Some(ours), Some(alone)) = (&row.result, &rows[read_only].result) {
        let share = 100.0 * ours.requests_per_sec / alone.requests_per_sec;
        row.note = format!("{}; {share:.0}% of the read-only row's req/s", row.note);
        facts.push(format!(
            "reads under one write a second: {:.1} req/s beside {:.1} req/s read-only ({share:.0}%; the issue's bar is 80%)",
            ours.requests_per_sec, alone.requests_per_sec
        ));
    }
    rows.insert(read_only + 1, row);

    let page = match page_ready {
        Err(message) => Err(message),
        Ok(()) => {
            step(&format!("timing the catalog page in headless Chromium ({} loads)", crate::bench_http::PAGE_LOADS));
            spec.start().and_then(|server| page_timing(root, "bench/catalog", &server.url, &["--user".into(), format!("{USER}:{USER_PASSWORD}")]))
        }
    };
    match &page {
        Err(message) => println!("xtask: the page timing did not run: {message}; reporting the API numbers only"),
        Ok(page) => facts.extend(first_load_facts(page)),
    }

    let report = Report {
        kind: &KIND,
        date: now_utc(),
        machine: machine(),
        tools: tools_line(root, page.as_ref().ok()),
        load,
        data: format!("{APPS} app rows in {}, {}", shown(root, &data), seeded.line("wavehub-seed catalog")),
        code,
        elapsed_secs: started.elapsed().as_secs_f64(),
        rows,
        page: page.as_ref().ok().cloned(),
        facts,
    };
    report.finish(root, "docs/bench-catalog.md", started)?;
    page.map(drop)
}

/// The page's numbers beside the issue's bars (issue 16): what a first visit downloads, and when
/// its first card appears, cold and warm.
fn first_load_facts(page: &crate::bench_http::PageTiming) -> Vec<String> {
    let median_of = |measure: &str| {
        page.results.iter().find(|(user, m, _)| user == USER && m == measure).map(|(_, _, values)| crate::bench_http::median(values))
    };
    let mut facts = Vec::new();
    if let Some(kb) = median_of("first-visit-kb") {
        facts.push(format!("first visit to the catalog: {kb:.1} KB compressed before the app's first API request (the bar is 300 KB)"));
    }
    if let (Some(cold), Some(warm)) = (median_of("cold-first-card"), median_of("first-card")) {
        facts.push(format!(
            "first card, median of {}: {cold:.0} ms on a first visit over 20 Mbit/s with 40 ms latency (the bar is 500 ms), {warm:.0} ms warm (the bar is 80 ms)",
            crate::bench_http::PAGE_LOADS
        ));
    }
    facts
}

/// Until `stop`: `PATCH /api/v1/apps/{id}` every [`WRITE_EVERY`], PRIVATE and back to ALL_USERS,
/// ending on ALL_USERS (the data dir is reused by later runs). Its note is how many writes ran.
fn write_loop(addr: &str, token: &str, id: u64, stop: &AtomicBool) -> Result<String, String> {
    let api = Api { addr: addr.to_owned(), timeout: SETUP_TIMEOUT };
    let path = format!("/api/v1/apps/{id}");
    let patch = |private: bool| -> Result<(), String> {
        let body = if private { r#"{"visibility":"PRIVATE","reason":"bench: reads under writes"}"# } else { r#"{"visibility":"ALL_USERS"}"# };
        let answer = api.call("PATCH", &path, Some(token), None, Some(body))?;
        if answer.status != 200 {
            return Err(format!("PATCH {path} answered {}: {}", answer.status, answer.text()));
        }
        Ok(())
    };
    let (mut writes, mut slowest) = (0u32, Duration::ZERO);
    let mut next = Instant::now() + WRITE_EVERY;
    while !stop.load(Ordering::SeqCst) {
        if Instant::now() < next {
            std::thread::sleep(Duration::from_millis(20));
            continue;
        }
        next += WRITE_EVERY;
        let started = Instant::now();
        patch(writes % 2 == 0)?;
        slowest = slowest.max(started.elapsed());
        writes += 1;
    }
    if writes % 2 == 1 {
        patch(false)?;
    }
    Ok(format!("{writes} PATCHes, slowest {:.0} ms", slowest.as_secs_f64() * 1000.0))
}

/// A catalog answer must hold apps (else the seeded data does not fit the query); its note is the
/// total and the count of items.
fn check_answer(target: &Target, answer: &HttpResponse) -> Result<String, String> {
    if !target.path.starts_with("/api/v1/apps?") {
        return Ok(String::new());
    }
    let text = answer.text();
    let total = json_number(&text, "total").unwrap_or(0);
    let items = text.matches("\"has_icon\"").count();
    if items == 0 {
        return Err(format!("{} as {} found no apps; the seeded data does not fit the query", target.what, target.caller));
    }
    Ok(format!("total {total}, {items} items"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_http::tests::row;
    use crate::bench_http::PageTiming;

    #[test]
    fn the_report_compares_each_row_with_the_static_file() {
        let mut slow = row("catalog: default page", "user", 50.0, 400.0);
        slow.result.as_mut().unwrap().errors = 2;
        let mut too_slow = row("catalog: search", "user", 0.0, 0.0);
        (too_slow.result, too_slow.first_ms, too_slow.bytes, too_slow.note) = (None, f64::NAN, 0, "no answer within 30 s".into());
        let report = Report {
            kind: &KIND,
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
        assert!(text.starts_with("Wavehub catalog benchmark\ndate:    2026-11-23 04:02 UTC\n"));
        assert!(text.contains("\nCatalog API under load: wrk -t2 -c32 -d10s --latency --timeout 30s on loopback"));
        assert!(text.contains("\nCatalog page in headless Chromium: `/` signed in as the plain user, warm HTTP cache (one load first) except first visits, 10 loads each; ms unless a row says KB\n"));
        assert!(text.contains("- a fact\n- \"admin\" sees every row"));
        let markdown = report.markdown(&text);
        assert!(markdown.starts_with("# Catalog benchmark\n\nMeasured by `cargo xtask bench catalog` on 2026-11-23 04:02 UTC (2 CPUs)."));
        assert!(markdown.ends_with("```\n"));
    }

    #[test]
    fn only_catalog_answers_need_apps() {
        let answer = |body: &str| HttpResponse { status: 200, headers: Vec::new(), body: body.as_bytes().to_vec() };
        let target = |path: &str| Target::new("t", "user", path, None);
        assert_eq!(check_answer(&target("/api/v1/health"), &answer("{}")).unwrap(), "");
        let page = r#"{"items":[{"id":1,"has_icon":true},{"id":2,"has_icon":false}],"total":7}"#;
        assert_eq!(check_answer(&target("/api/v1/apps?x"), &answer(page)).unwrap(), "total 7, 2 items");
        assert!(check_answer(&target("/api/v1/apps?x"), &answer(r#"{"items":[],"total":0}"#)).unwrap_err().contains("found no apps"));
    }
}
