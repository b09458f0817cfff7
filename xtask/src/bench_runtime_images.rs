//! `cargo xtask bench runtime-images [--api-only]`: a workspace's runtime images list with 10,000
//! images × 20 versions, over HTTP under load and in headless Chromium.
//!
//! 1. tools: `wrk` (Debian's package), and unless `--api-only` the web app's build tools, Chromium
//!    and `npm ci` in `bench/runtime-images/` (playwright-core);
//! 2. builds the server (release) and, unless `--api-only`, the web app into `dist/`;
//! 3. seeds `target/bench-data/runtime-images-10k/` with `wavehub-seed runtime-images` when it is
//!    missing (kept for later runs while a marker file matches the seeder, the runtime images code
//!    and the migrations): workspace `bench` with its admin and a member, 10,000 images of 20
//!    versions each, 500 more in `default`, and a few platform images;
//! 4. starts `wavehub serve` on a free loopback port with that data dir and a static dir holding a
//!    copy of `dist/`, makes API tokens for the platform admin and the member, and writes a JSON file
//!    of exactly the bytes of the default list page's answer into the static dir;
//! 5. for each URL, on a freshly started server: one timed request, then `wrk -t2 -c32 -d10s
//!    --latency` unless that request took more than 30 s: the list's default page as each caller,
//!    then as the member a state filter, a name filter, newest first, a deep page, 500 per page, one
//!    image and its 20 versions, beside the static file, `GET /api/v1/health` and `GET /api/v1/me`;
//! 6. `bench/runtime-images/run.mjs`: `/admin/runtime-images?ws=bench`'s time to its first table
//!    row, beside a raw fetch() of the same query from the page, as the member and the admin;
//! 7. prints one report and writes it with the date and the machine to
//!    `docs/bench-runtime-images.md`.

use crate::bench_http::{
    build_server, code_version, ensure_seeded, inputs_digest, json_number, json_string, load_runs, machine, now_utc,
    page_timing, prepare_static_dir, shown, tools_line, Api, HttpResponse, Report, ReportKind, ServerSpec, Target,
    PAGE_LOADS, SETUP_TIMEOUT, WRK_ARGS,
};
use crate::process::command;
use crate::tools;
use std::path::Path;
use std::time::Instant;

pub const USAGE: &str = "bench runtime-images [--api-only]";
const COMMAND: &str = "cargo xtask bench runtime-images";

/// Images in the benchmark's workspace, and versions per image.
const IMAGES: usize = 10_000;
const VERSIONS: usize = 20;
/// The seeded data dir under `target/bench-data/`.
const DATA_DIR: &str = "runtime-images-10k";
/// What the seeded data depends on: when any of these files changes, the next run seeds again.
const SEED_INPUTS: &[&str] = &[
    "crates/server/migrations",
    "crates/seed/src/lib.rs",
    "crates/seed/src/runtime_images.rs",
    "bench/src/rng.rs",
    "crates/server/src/runtime_images.rs",
    "crates/server/src/bootstrap.rs",
];
/// The first admin (a platform admin), created by the seeder when the database has no account.
const ADMIN: &str = "admin";
const ADMIN_PASSWORD: &str = "bench-admin-password";
/// The workspace's member (`wavehub_seed::runtime_images::MEMBER`); the seeder gives it
/// and the workspace's admin this password.
const MEMBER: &str = "bench-member";
const USER_PASSWORD: &str = "bench-user-password";
/// The seeded workspace (`wavehub_seed::runtime_images::WORKSPACE`) and a name fragment many
/// of its images have (`COMMON_FRAGMENT`).
const WORKSPACE: &str = "bench";
const NAME_FRAGMENT: &str = "scorer";
/// The list's default page size (the API's and the page's), the deep page, and the largest page.
const PAGE_SIZE: u64 = 50;
const DEEP_PAGE: u64 = 150;
const BIG_PAGE_SIZE: u64 = 500;
/// The static peer's file name inside the static dir.
const STATIC_PEER: &str = "bench-runtime-images-page.json";

/// The report's words.
static KIND: ReportKind = ReportKind {
    title: "Wavehub runtime images benchmark",
    doc_title: "Runtime images benchmark",
    command: COMMAND,
    api: "Runtime images API",
    page: "Runtime images page",
    page_scope: "`/admin/runtime-images?ws=bench`, signed in",
    page_measures: &[
        ("first-row", "first table.images-table tbody tr in the DOM, from navigation start"),
        ("workspaces-end", "  GET /api/v1/workspaces answered (the workspace picker, loaded alongside)"),
        ("api-start", "  the page sends GET .../runtime-images (after wasm start and GET /me)"),
        ("api-duration", "  that request, start to last byte (Resource Timing)"),
        ("after-api", "  last byte to first row (decode and render 50 rows)"),
        ("raw-fetch", "raw fetch() of the same URL from the page (peer)"),
    ],
    page_compared: &["first-row", "api-duration"],
    callers: &[(MEMBER, "member")],
    notes: &[
        "\"admin\" is the platform admin (acts as admin of every workspace, no membership row); \"member\" is a plain user with a `member` row for `bench`; both list `bench`'s images and the platform's (`workspace_id IN ('bench', 'global')`); only `can_manage` differs in their answers",
        "every list request reads the change mark of `runtime_images` and reuses the filter's count while the mark has not moved (`SELECT count(*)` otherwise; the trigram index finds a name filter of 3 characters or more), then the page's keys from the order's index (`LIMIT ? OFFSET ?`), then those rows; before them the workspace access check (one joined lookup). Each row runs on a fresh server, so its first request counts",
        "every token-authenticated request also writes `api_tokens.last_used_at` at most once a minute (compare the `GET /api/v1/me` row with health)",
        "wrk sends no Accept-Encoding, so answers are not compressed; the browser's are (gzip)",
        "the static file is served by tower-http's ServeDir, which opens and reads it on tokio's blocking thread pool for every request: small API answers can be faster than it",
        "the machine is shared: other builds and tests ran at the same time, so the numbers are noisy; compare rows of one run, not runs",
    ],
};

pub fn runtime_images(root: &Path, args: &[String]) -> Result<(), String> {
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
            .and_then(|()| tools::ensure_npm_packages(&root.join("bench/runtime-images"), "bench/runtime-images"))
    };
    if let Err(message) = &page_ready {
        println!("xtask: the page timing will not run: {message}");
    }

    let code = code_version(root);
    step("building the server (release)");
    let (bench_data, server_bin) = build_server(root, "runtime-images-wavehub")?;

    let data = bench_data.join(DATA_DIR);
    let wanted_marker =
        format!("{IMAGES} images × {VERSIONS} versions, seeder and schema {:016x}", inputs_digest(root, SEED_INPUTS)?);
    let seeded = ensure_seeded(
        root,
        &data,
        &wanted_marker,
        ["runtime images", &format!("{IMAGES} images × {VERSIONS} versions")],
        &step,
        command(root, crate::bench_http::target_dir(root).join("release/wavehub-seed"))
            .args(["runtime-images", "--images", &IMAGES.to_string(), "--versions", &VERSIONS.to_string(), "--data-dir"])
            .arg(&data)
            .env("WAVEHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("WAVEHUB_BENCH_PASSWORD", USER_PASSWORD),
        "wavehub-seed runtime-images",
    )?;

    let static_dir = bench_data.join("runtime-images-web");
    prepare_static_dir(root, &static_dir)?;
    let spec = ServerSpec {
        bin: server_bin,
        data: data.clone(),
        static_dir: static_dir.clone(),
        log: bench_data.join("runtime-images-server.log"),
        admin_password: ADMIN_PASSWORD,
    };
    step("starting the server, signing in, making API tokens");
    let server = spec.start()?;
    let api = Api { addr: server.addr.clone(), timeout: SETUP_TIMEOUT };
    let admin_token = api.token(ADMIN, ADMIN_PASSWORD, "bench-runtime-images")?;
    let member_token = api.token(MEMBER, USER_PASSWORD, "bench-runtime-images")?;

    // The static peer is exactly the default page's answer (as the member); the total gives the
    // deep page; the oldest image is one of the workspace's own (platform images were made at
    // seeding time), with all its versions.
    let list = format!("/api/v1/workspaces/{WORKSPACE}/runtime-images");
    let default_page = api.get_ok(&list, &member_token)?;
    let total = json_number(&default_page.text(), "total").ok_or("the list's answer has no total")?;
    std::fs::write(static_dir.join(STATIC_PEER), &default_page.body)
        .map_err(|e| format!("cannot write the static peer file: {e}"))?;
    let oldest = api.get_ok(&format!("{list}?sort=created&page_size=1"), &member_token)?;
    let uid = json_string(&oldest.text(), "uid").ok_or("the workspace has no images")?;
    server.kill();

    let last_page = total.div_ceil(PAGE_SIZE).max(1);
    let deep_page = DEEP_PAGE.min(last_page);
    let mut facts = vec![format!(
        "the list's default page (sort by name, {PAGE_SIZE} per page) has {total} images: `{WORKSPACE}`'s and the platform's; the image rows use `{uid}`, the oldest"
    )];
    if deep_page < DEEP_PAGE {
        facts.push(format!("page {DEEP_PAGE} is past the end ({total} images, {last_page} pages): the deep page is the last one"));
    }

    let image = format!("{list}/{uid}");
    let mut targets: Vec<Target> = vec![
        Target::new("static JSON file, same bytes as the default page (peer)", "-", &format!("/{STATIC_PEER}"), None),
        Target::new("GET /api/v1/health (peer)", "-", "/api/v1/health", None),
        Target::new("GET /api/v1/me (the token check alone)", "member", "/api/v1/me", Some(&member_token)),
        Target::new("list: default page (name A-Z, 50)", "admin", &list, Some(&admin_token)),
    ];
    for (what, path) in [
        ("list: default page (name A-Z, 50)".to_owned(), list.clone()),
        ("list: state=DEPRECATED".to_owned(), format!("{list}?state=DEPRECATED")),
        (format!("list: name=\"{NAME_FRAGMENT}\""), format!("{list}?name={NAME_FRAGMENT}")),
        ("list: sort=-created (newest first)".to_owned(), format!("{list}?sort=-created")),
        (format!("list: deep page {deep_page}"), format!("{list}?page={deep_page}")),
        (format!("list: page_size={BIG_PAGE_SIZE}"), format!("{list}?page_size={BIG_PAGE_SIZE}")),
        ("one image".to_owned(), image.clone()),
        (format!("its versions ({VERSIONS})"), format!("{image}/versions")),
    ] {
        targets.push(Target::new(&what, "member", &path, Some(&member_token)));
    }

    step(&format!("load runs: {} URLs, each on a fresh server: one request, then wrk {}", targets.len(), WRK_ARGS.join(" ")));
    let (rows, load) = load_runs(root, &spec, &targets, &check_answer)?;

    let page = match page_ready {
        Err(message) => Err(message),
        Ok(()) => {
            step(&format!("timing the runtime images page in headless Chromium ({PAGE_LOADS} loads per user)"));
            let users = ["--ws".to_owned(), WORKSPACE.to_owned(), "--user".into(), format!("{MEMBER}:{USER_PASSWORD}"), "--user".into(), format!("{ADMIN}:{ADMIN_PASSWORD}")];
            spec.start().and_then(|server| page_timing(root, "bench/runtime-images", &server.url, &users))
        }
    };
    if let Err(message) = &page {
        println!("xtask: the page timing did not run: {message}; reporting the API numbers only");
    }
    if let Ok(page) = &page {
        for (key, rows) in page.info.iter().filter(|(k, _)| k.starts_with("rows-")) {
            facts.push(format!("the page showed {rows} table rows to {}", &key["rows-".len()..]));
        }
    }

    let report = Report {
        kind: &KIND,
        date: now_utc(),
        machine: machine(),
        tools: tools_line(root, page.as_ref().ok()),
        load,
        data: format!(
            "{IMAGES} images × {VERSIONS} versions in workspace `{WORKSPACE}` (plus {} in `default` and 5 platform images) in {}, {}",
            IMAGES / 20,
            shown(root, &data),
            seeded.line("wavehub-seed runtime-images")
        ),
        code,
        elapsed_secs: started.elapsed().as_secs_f64(),
        rows,
        page: page.as_ref().ok().cloned(),
        facts,
    };
    report.finish(root, "docs/bench-runtime-images.md", started)?;
    page.map(drop)
}

/// A list must hold images and a version list versions (else the seeded data does not fit the
/// query); the note says how many.
fn check_answer(target: &Target, answer: &HttpResponse) -> Result<String, String> {
    let text = answer.text();
    let path = target.path.split('?').next().unwrap_or_default();
    let empty = || Err(format!("{} as {} found nothing; the seeded data does not fit the query", target.what, target.caller));
    if path.ends_with("/runtime-images") {
        let total = json_number(&text, "total").unwrap_or(0);
        let items = text.matches("\"can_manage\"").count();
        if items == 0 {
            return empty();
        }
        Ok(format!("total {total}, {items} items"))
    } else if path.ends_with("/versions") {
        let items = text.matches("\"is_current\"").count();
        if items == 0 {
            return empty();
        }
        Ok(format!("{items} versions"))
    } else {
        Ok(String::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench_http::tests::row;
    use crate::bench_http::PageTiming;

    #[test]
    fn answers_are_checked_by_what_they_list() {
        let answer = |body: &str| HttpResponse { status: 200, headers: Vec::new(), body: body.as_bytes().to_vec() };
        let target = |path: &str| Target::new("t", "member", path, None);
        let list = r#"{"items":[{"uid":"a","can_manage":false},{"uid":"b","can_manage":false}],"total":10005,"page":1,"page_size":50}"#;
        assert_eq!(check_answer(&target("/api/v1/workspaces/bench/runtime-images?state=DEPRECATED"), &answer(list)).unwrap(), "total 10005, 2 items");
        assert_eq!(check_answer(&target("/api/v1/workspaces/bench/runtime-images"), &answer(list)).unwrap(), "total 10005, 2 items");
        let empty = r#"{"items":[],"total":0,"page":1,"page_size":50}"#;
        assert!(check_answer(&target("/api/v1/workspaces/bench/runtime-images?name=x"), &answer(empty)).is_err());
        let versions = r#"{"items":[{"version":"v1.0.0","is_current":true}],"total":1,"current_version":"v1.0.0"}"#;
        assert_eq!(check_answer(&target("/api/v1/workspaces/bench/runtime-images/a/versions"), &answer(versions)).unwrap(), "1 versions");
        assert_eq!(check_answer(&target("/api/v1/workspaces/bench/runtime-images/a"), &answer("{}")).unwrap(), "");
    }

    #[test]
    fn the_report_names_the_member_and_compares_the_first_row_with_the_raw_fetch() {
        let report = Report {
            kind: &KIND,
            date: "2026-12-02 01:00 UTC".into(),
            machine: "2 CPUs".into(),
            tools: "wrk 4.1.0".into(),
            load: "1.0 and 2.0".into(),
            data: "10000 images".into(),
            code: "abc1234".into(),
            elapsed_secs: 100.0,
            rows: vec![row("static", "-", 10_000.0, 2.0), row("list: default page (name A-Z, 50)", "member", 500.0, 60.0)],
            page: Some(PageTiming {
                results: vec![
                    (MEMBER.into(), "first-row".into(), vec![300.0, 310.0, 320.0]),
                    (MEMBER.into(), "raw-fetch".into(), vec![10.0, 10.0, 10.0]),
                    (ADMIN.into(), "first-row".into(), vec![400.0]),
                ],
                info: vec![("api-url".into(), "/api/v1/workspaces/bench/runtime-images?".into())],
            }),
            facts: Vec::new(),
        };
        let text = report.render();
        assert!(text.starts_with("Wavehub runtime images benchmark\n"));
        let list = text.lines().find(|l| l.starts_with("list: default page")).unwrap();
        assert!(list.contains("0.05") && list.contains("30.00"), "{list}");
        let member = text.lines().find(|l| l.starts_with("first table.images-table tbody tr") && l.contains("member")).unwrap();
        assert!(member.contains("310.0") && member.contains("31.00"), "{member}");
        assert!(text.lines().any(|l| l.starts_with("first table.images-table") && l.contains(" admin ")));
        assert!(report.markdown(&text).starts_with("# Runtime images benchmark\n\nMeasured by `cargo xtask bench runtime-images` on"));
    }
}
