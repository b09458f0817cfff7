//! `cargo xtask bench runtime-images`: a workspace's runtime images list with 10,000 images × 20
//! versions (`wavehub-seed runtime-images`: workspace `bench` with its admin and a member, 500 more
//! images in `default`, a few platform images), over HTTP under load and in headless Chromium
//! (`bench/runtime-images/run.mjs`).
//!
//! The URLs, each on a freshly started server: the list's default page as each caller, then as the
//! member a state filter, a name filter, newest first, a deep page, 500 per page, one image and its
//! 20 versions, beside the static file, `GET /api/v1/health` and `GET /api/v1/me`. The page:
//! `/admin/runtime-images?ws=bench`'s time to its first table row, beside a raw fetch() of the same
//! query from the page, as the member and the admin.

use super::client::{items, json_u64, Api, HttpResponse};
use super::load::Target;
use super::page::PageTiming;
use super::report::ReportKind;
use super::scenario::{deep_page, peer_targets, write_static_peer, Plan, Scenario, Seed, ADMIN, ADMIN_PASSWORD, USER_PASSWORD};
use std::path::Path;

const COMMAND: &str = "cargo xtask bench runtime-images";

/// Images in the benchmark's workspace, and versions per image.
const IMAGES: usize = 10_000;
const VERSIONS: usize = 20;
/// What the seeded data depends on: when any of these files changes, the next run seeds again.
pub const SEED_INPUTS: &[&str] = &[
    "crates/server/migrations",
    "crates/seed/src/lib.rs",
    "crates/seed/src/runtime_images.rs",
    "bench/src/rng.rs",
    "crates/server/src/runtime_images",
];
/// The workspace's member (`wavehub_seed::runtime_images::MEMBER`); the seeder gives it and the
/// workspace's admin [`USER_PASSWORD`]. The platform admin is [`ADMIN`].
const MEMBER: &str = "bench-member";
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
static WORDS: ReportKind = ReportKind {
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
    ],
};

/// The runtime images benchmark.
pub fn scenario() -> Scenario {
    Scenario {
        name: "runtime-images",
        words: &WORDS,
        doc: "docs/bench-runtime-images.md",
        seed: Seed {
            args: vec!["--images".into(), IMAGES.to_string(), "--versions".into(), VERSIONS.to_string()],
            env: vec![("WAVEHUB_BENCH_PASSWORD", USER_PASSWORD)],
            data_dir: "runtime-images-10k",
            inputs: SEED_INPUTS,
            marker: format!("{IMAGES} images × {VERSIONS} versions"),
            reused: "runtime images",
            seeding: format!("{IMAGES} images × {VERSIONS} versions"),
            data: format!(
                "{IMAGES} images × {VERSIONS} versions in workspace `{WORKSPACE}` (plus {} in `default` and 5 platform images)",
                IMAGES / 20
            ),
        },
        page_folder: "bench/runtime-images",
        page_what: "the runtime images page",
        page_args: ["--ws", WORKSPACE, "--user", &format!("{MEMBER}:{USER_PASSWORD}"), "--user", &format!("{ADMIN}:{ADMIN_PASSWORD}")]
            .map(str::to_owned)
            .to_vec(),
        plan,
        check: check_answer,
        page_facts,
        also_on_postgres: false,
    }
}

/// Tokens for the platform admin and the member, the static peer (the member's default page), and
/// the URLs.
fn plan(api: &Api, static_dir: &Path) -> Result<Plan, String> {
    let admin_token = api.token(ADMIN, ADMIN_PASSWORD, "bench-runtime-images")?;
    let member_token = api.token(MEMBER, USER_PASSWORD, "bench-runtime-images")?;

    // The static peer is exactly the default page's answer (as the member); the total gives the
    // deep page; the oldest image is one of the workspace's own (platform images were made at
    // seeding time), with all its versions.
    let list = format!("/api/v1/workspaces/{WORKSPACE}/runtime-images");
    let default_page = write_static_peer(api, static_dir, STATIC_PEER, &list, &member_token)?;
    let total = json_u64(&default_page, "total").ok_or("the list's answer has no total")?;
    let oldest = api.get_ok(&format!("{list}?sort=created&page_size=1"), &member_token)?.json()?;
    let uid = oldest["items"][0]["uid"].as_str().ok_or("the workspace has no images")?.to_owned();

    let mut facts = vec![format!(
        "the list's default page (sort by name, {PAGE_SIZE} per page) has {total} images: `{WORKSPACE}`'s and the platform's; the image rows use `{uid}`, the oldest"
    )];
    let deep_page = deep_page(DEEP_PAGE, total, PAGE_SIZE, "images", &mut facts);

    let image = format!("{list}/{uid}");
    let mut targets = peer_targets(STATIC_PEER, "member", &member_token);
    targets.push(Target::new("list: default page (name A-Z, 50)", "admin", &list, Some(&admin_token)));
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
    Ok(Plan { targets, facts, under_writes: None })
}

/// How many table rows the page showed to each user.
fn page_facts(page: &PageTiming) -> Vec<String> {
    let shown = page.info.iter().filter_map(|(key, rows)| Some((key.strip_prefix("rows-")?, rows)));
    shown.map(|(user, rows)| format!("the page showed {rows} table rows to {user}")).collect()
}

/// A list must hold images and a version list versions (else the seeded data does not fit the
/// query); the note says how many.
fn check_answer(target: &Target, answer: &HttpResponse) -> Result<String, String> {
    let path = target.path.split('?').next().unwrap_or_default();
    let empty = || Err(format!("{} as {} found nothing; the seeded data does not fit the query", target.what, target.caller));
    if path.ends_with("/runtime-images") {
        let list = answer.json()?;
        let (total, items) = (json_u64(&list, "total").unwrap_or(0), items(&list));
        if items == 0 {
            return empty();
        }
        Ok(format!("total {total}, {items} items"))
    } else if path.ends_with("/versions") {
        let items = items(&answer.json()?);
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
    use crate::http::page::PageTiming;
    use crate::http::report::{tests::row, Report};

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
        assert!(check_answer(&target("/api/v1/workspaces/bench/runtime-images/a/versions"), &answer(r#"{"items":[]}"#)).is_err());
    }

    #[test]
    fn the_scenario_seeds_the_workspace_and_times_the_page_as_member_and_admin() {
        let scenario = scenario();
        assert_eq!((scenario.name, scenario.doc, scenario.seed.data_dir), ("runtime-images", "docs/bench-runtime-images.md", "runtime-images-10k"));
        assert_eq!(scenario.seed.args, ["--images", "10000", "--versions", "20"]);
        assert_eq!(scenario.seed.env, [("WAVEHUB_BENCH_PASSWORD", USER_PASSWORD)]);
        assert_eq!(scenario.seed.marker, "10000 images × 20 versions");
        assert_eq!(
            scenario.seed.data,
            "10000 images × 20 versions in workspace `bench` (plus 500 in `default` and 5 platform images)"
        );
        assert_eq!(scenario.page_args, ["--ws", "bench", "--user", "bench-member:bench-user-password", "--user", "admin:bench-admin-password"]);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        assert!(SEED_INPUTS.iter().all(|input| root.join(input).exists()), "every seed input exists");
        let page = PageTiming { results: Vec::new(), info: vec![("rows-member".into(), "50".into()), ("chromium".into(), "1".into())] };
        assert_eq!((scenario.page_facts)(&page), ["the page showed 50 table rows to member"]);
    }

    #[test]
    fn the_report_names_the_member_and_compares_the_first_row_with_the_raw_fetch() {
        let report = Report {
            kind: &WORDS,
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
