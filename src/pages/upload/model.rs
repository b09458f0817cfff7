//! The upload page's rules that need no browser: what was dropped, the file tree, how findings read,
//! the previews, and whether a version is taken. Plain functions, tested natively.

use crate::components::format::count;
use wavehub_core::api::Finding;
use wavehub_core::apps::{AppDetail, AppRuntime, AppSummary, AppVersion, CatalogText, Visibility};
use wavehub_core::bundle::{BundleFile, BundleReport};
use wavehub_core::manifest::Manifest;
use wavehub_core::package::Plan;

/// What the preview's "Created" line says: nothing is imported before the upload.
pub const NOT_YET_IMPORTED: &str = "not yet imported";

/// The most rows the file list shows; a folder of thousands of files would make the page crawl.
pub const MAX_TREE_ROWS: usize = 2000;

/// Whether a single file is taken as a bundle as it is (`.wave` or `.zip`, any case).
pub fn is_bundle_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".wave") || lower.ends_with(".zip")
}

/// A picked folder's file path without the folder's own name: `myapp/src/app.py` (the browser's
/// `webkitRelativePath`) gives `src/app.py`, so `app.toml` sits at the bundle's root. `None` for a
/// path with nothing below its first folder.
pub fn strip_first_component(relative_path: &str) -> Option<&str> {
    let (_, rest) = relative_path.trim_start_matches('/').split_once('/')?;
    (!rest.is_empty()).then_some(rest)
}

/// `prefix` (empty, or ending with `/`) and a name.
pub fn child_path(prefix: &str, name: &str) -> String {
    format!("{prefix}{name}")
}

/// One line of the file list: a file that goes in, or a file or folder left out and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    /// The path in the bundle; a left-out folder ends with `/`.
    pub path: String,
    /// Bytes (for a left-out folder: of the files in it that were listed, when known).
    pub size: u64,
    /// Why it stays out, in words ("left out by .appignore (line 3: `*.log`)"); `None` when it goes in.
    pub excluded: Option<String>,
    /// For a left-out folder: how many files it holds, when the folder was listed.
    pub files: Option<u64>,
}

impl TreeRow {
    /// The folders above the entry (`src/pages/`), and its own name (`app.py`, or `cache/`).
    pub fn split(&self) -> (&str, &str) {
        let trimmed = self.path.trim_end_matches('/');
        match trimmed.rfind('/') {
            Some(slash) => (&self.path[..=slash], &self.path[slash + 1..]),
            None => ("", self.path.as_str()),
        }
    }

    /// How deep the entry is: 0 at the root.
    pub fn depth(&self) -> usize {
        self.path.trim_end_matches('/').matches('/').count()
    }
}

/// The file list of what was dropped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileTree {
    /// Sorted by path.
    pub rows: Vec<TreeRow>,
    /// Files that go into the bundle.
    pub included: usize,
    /// Entries left out (a left-out folder counts once, as the list shows it).
    pub left_out: usize,
    /// True when the list is a bundle's content (nothing is left out of a bundle).
    pub from_bundle: bool,
}

impl FileTree {
    /// From a folder's packaging plan (with the folders never walked into already added to it, as
    /// the CLI adds them, so both count the same).
    pub fn from_plan(plan: &Plan) -> FileTree {
        let mut rows: Vec<TreeRow> = plan
            .included
            .iter()
            .map(|file| TreeRow { path: file.path.clone(), size: file.size, excluded: None, files: None })
            .collect();
        rows.extend(plan.excluded.iter().map(|excluded| TreeRow {
            path: excluded.path.clone(),
            size: excluded.bytes,
            excluded: Some(exclusion_text(&excluded.reason)),
            // A folder never walked into has no count to show.
            files: (excluded.path.ends_with('/') && excluded.files > 0).then_some(excluded.files),
        }));
        rows.sort_by(|a, b| a.path.cmp(&b.path));
        let left_out = plan.excluded.len();
        FileTree { rows, included: plan.included.len(), left_out, from_bundle: false }
    }

    /// From a bundle's directory, as the structural check read it.
    pub fn from_bundle(files: &[BundleFile]) -> FileTree {
        let mut rows: Vec<TreeRow> = files
            .iter()
            .map(|file| TreeRow { path: file.path.clone(), size: file.size, excluded: None, files: None })
            .collect();
        rows.sort_by(|a, b| a.path.cmp(&b.path));
        FileTree { included: rows.len(), rows, left_out: 0, from_bundle: true }
    }

    /// "12 files, 2 left out" for a folder; "12 files in the bundle" for a bundle.
    pub fn count_line(&self) -> String {
        let files = count(self.included as u64, "file", "files");
        if self.from_bundle {
            format!("{files} in the bundle")
        } else {
            format!("{files}, {} left out", self.left_out)
        }
    }
}

/// The packaging plan's reason as the file list shows it: "left out by .appignore (line 3: `*.log`)"
/// or "left out by default (Git metadata, `.git/`)".
pub fn exclusion_text(reason: &str) -> String {
    if let Some(rule) = reason.strip_prefix("ignored by .appignore ") {
        return format!("left out by .appignore ({rule})");
    }
    // "what, always left out (`pattern`)", or "virtual environment (contains pyvenv.cfg), always left out".
    let rule = reason.replace(", always left out", "");
    let rule = match rule.strip_suffix(')').and_then(|r| r.rsplit_once(" (")) {
        Some((what, detail)) => format!("{what}, {detail}"),
        None => rule,
    };
    format!("left out by default ({rule})")
}

/// Where a finding is: `app.toml:3:9`, `app.toml:3`, or the path (or file) when it has no position;
/// `bundle` for findings about the archive as a whole.
pub fn finding_location(finding: &Finding) -> String {
    let file = finding.file.as_deref().filter(|f| !f.is_empty());
    match (finding.line, finding.column) {
        (Some(line), Some(column)) => format!("{}:{line}:{column}", file.unwrap_or(&finding.path)),
        (Some(line), None) => format!("{}:{line}", file.unwrap_or(&finding.path)),
        _ if !finding.path.is_empty() => finding.path.clone(),
        _ => file.unwrap_or("bundle").to_owned(),
    }
}

/// A finding on one line: `app.toml:3:9 error Version must be ...`.
pub fn finding_line(finding: &Finding) -> String {
    format!("{} {} {}", finding_location(finding), finding.severity.as_str(), finding.message)
}

/// Errors first, then warnings, each in the order they were found.
pub fn ordered_findings(report: &BundleReport) -> Vec<Finding> {
    report.errors.iter().chain(report.warnings.iter()).cloned().collect()
}

/// Findings the server reported (422) that the browser's check did not: the server may run with other
/// settings, and what it says must be shown.
pub fn new_findings(local: &[Finding], server: &[Finding]) -> Vec<Finding> {
    server
        .iter()
        .filter(|theirs| {
            !local.iter().any(|ours| {
                ours.code == theirs.code
                    && ours.path == theirs.path
                    && ours.line == theirs.line
                    && ours.column == theirs.column
            })
        })
        .cloned()
        .collect()
}

/// "2 errors, 1 warning".
pub fn findings_summary(errors: usize, warnings: usize) -> String {
    format!("{}, {}", count(errors as u64, "error", "errors"), count(warnings as u64, "warning", "warnings"))
}

/// The status of a bundle without errors.
pub fn ready_line(name: &str, version: &str, warnings: usize) -> String {
    match warnings {
        0 => format!("{name} {version} is valid and ready to upload."),
        n => format!("{name} {version} is valid and ready to upload ({}).", count(n as u64, "warning", "warnings")),
    }
}

/// The id of `version` among a name's versions the caller sees, when it is there.
pub fn existing_version(versions: &[AppVersion], version: &str) -> Option<i64> {
    versions.iter().find(|v| v.version == version).map(|v| v.id)
}

/// The catalog card and app page as they will look once imported: the catalog's text comes from
/// `CatalogText::from_manifest`, the function the server stores at import.
pub fn preview_detail(
    manifest: &Manifest,
    report: &BundleReport,
    owner: Option<String>,
    visibility: Visibility,
    bundle_size: u64,
) -> AppDetail {
    let text = CatalogText::from_manifest(manifest);
    let summary = AppSummary {
        id: 0,
        name: manifest.app.name.clone(),
        version: manifest.app.version.clone(),
        title: text.title,
        description: text.description,
        category: text.category,
        keywords: text.keywords,
        tags: text.tags,
        owner,
        visibility,
        created_at: NOT_YET_IMPORTED.to_owned(),
        has_icon: report.icon.is_some(),
    };
    AppDetail {
        summary,
        long_description: report.long_description.clone(),
        // The engine's worker renders it (the page sets it from the check's `description_html`).
        long_description_html: None,
        runtime: AppRuntime::from_manifest(manifest),
        screenshots: report.screenshots.len() as u32,
        bundle_size,
        sha256: String::new(),
        can_manage: false,
    }
}

/// `POST /apps?visibility=...`: where the upload goes.
pub fn upload_path(visibility: Visibility) -> String {
    format!("/apps?visibility={}", visibility.as_str())
}

/// `done / total` between 0 and 1 (1 when there is nothing to do).
pub fn fraction(done: f64, total: f64) -> f64 {
    if total <= 0.0 {
        1.0
    } else {
        (done / total).clamp(0.0, 1.0)
    }
}

/// "42%".
pub fn percent(done: f64, total: f64) -> String {
    format!("{}%", (fraction(done, total) * 100.0).floor() as u32)
}

/// What the visibility options say.
pub fn visibility_label(visibility: Visibility) -> &'static str {
    match visibility {
        Visibility::Private => "Private — only you and admins",
        Visibility::AllUsers => "All users — listed in the catalog",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavehub_core::bundle::{check_bundle_bytes, BundleOptions};
    use wavehub_core::manifest::AppSection;
    use wavehub_core::package::{package_files, plan, FileMeta};

    fn meta(path: &str, size: u64) -> FileMeta {
        FileMeta { path: path.into(), size }
    }

    #[test]
    fn bundles_are_recognised_by_extension_whatever_the_case() {
        for name in ["app.wave", "APP.WAVE", "x.1.0.zip", "a.Zip"] {
            assert!(is_bundle_name(name), "{name}");
        }
        for name in ["app.py", "wave", "zip", "app.wave.txt", "app.toml"] {
            assert!(!is_bundle_name(name), "{name}");
        }
    }

    #[test]
    fn a_picked_folder_loses_its_own_name() {
        assert_eq!(strip_first_component("myapp/app.toml"), Some("app.toml"));
        assert_eq!(strip_first_component("myapp/src/app.py"), Some("src/app.py"));
        assert_eq!(strip_first_component("/myapp/static/icon.png"), Some("static/icon.png"));
        assert_eq!(strip_first_component("app.toml"), None);
        assert_eq!(strip_first_component("myapp/"), None);
        assert_eq!(child_path("", "app.toml"), "app.toml");
        assert_eq!(child_path("src/", "app.py"), "src/app.py");
    }

    #[test]
    fn the_tree_marks_what_appignore_and_the_defaults_leave_out() {
        let files = [
            meta("app.toml", 120),
            meta("src/app.py", 900),
            meta("notes.log", 40),
            meta("__pycache__/app.cpython-312.pyc", 10),
            meta("__pycache__/x.cpython-312.pyc", 10),
            meta(".appignore", 6),
        ];
        let mut plan = plan(&files, Some("*.log\n"));
        plan.add_unwalked_folder(".git", "Git metadata, always left out (`.git/`)".to_owned());
        let tree = FileTree::from_plan(&plan);
        let paths: Vec<&str> = tree.rows.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, [".appignore", ".git/", "__pycache__/", "app.toml", "notes.log", "src/app.py"]);
        assert_eq!(tree.count_line(), "3 files, 3 left out");
        let excluded: Vec<(&str, &str)> =
            tree.rows.iter().filter_map(|r| Some((r.path.as_str(), r.excluded.as_deref()?))).collect();
        assert_eq!(
            excluded,
            [
                (".git/", "left out by default (Git metadata, `.git/`)"),
                ("__pycache__/", "left out by default (Python bytecode cache, `__pycache__/`)"),
                ("notes.log", "left out by .appignore (line 1: `*.log`)"),
            ]
        );
        let pycache = tree.rows.iter().find(|r| r.path == "__pycache__/").unwrap();
        assert_eq!((pycache.files, pycache.size), (Some(2), 20));
        assert_eq!(tree.rows.iter().find(|r| r.path == ".git/").unwrap().files, None);
    }

    #[test]
    fn virtual_environments_read_as_default_exclusions() {
        assert_eq!(
            exclusion_text("virtual environment (contains pyvenv.cfg), always left out"),
            "left out by default (virtual environment, contains pyvenv.cfg)"
        );
    }

    #[test]
    fn tree_rows_split_into_folder_and_name() {
        let row = |path: &str| TreeRow { path: path.into(), size: 0, excluded: None, files: None };
        assert_eq!(row("src/pages/app.py").split(), ("src/pages/", "app.py"));
        assert_eq!(row("app.toml").split(), ("", "app.toml"));
        assert_eq!(row("build/cache/").split(), ("build/", "cache/"));
        assert_eq!(row("src/pages/app.py").depth(), 2);
        assert_eq!(row("cache/").depth(), 0);
    }

    #[test]
    fn a_bundle_tree_leaves_nothing_out() {
        let files = [
            BundleFile { path: "src/app.py".into(), size: 5, compressed_size: 5 },
            BundleFile { path: "app.toml".into(), size: 1, compressed_size: 1 },
        ];
        let tree = FileTree::from_bundle(&files);
        assert_eq!(tree.rows[0].path, "app.toml");
        assert_eq!(tree.count_line(), "2 files in the bundle");
        assert_eq!(FileTree::from_bundle(&files[..1]).count_line(), "1 file in the bundle");
    }

    #[test]
    fn findings_begin_with_where_they_are() {
        let at = Finding::error("manifest.version.invalid", "App.Version", "Version must be semver, e.g. 1.0.0")
            .in_file("app.toml")
            .at(wavehub_core::text::Position { line: 3, column: 11 });
        assert_eq!(finding_line(&at), "app.toml:3:11 error Version must be semver, e.g. 1.0.0");
        let mut line_only = at.clone();
        line_only.column = None;
        assert_eq!(finding_location(&line_only), "app.toml:3");
        let no_position = Finding::warning("bundle.icon.missing", "static/icon.png", "add an icon");
        assert_eq!(finding_line(&no_position), "static/icon.png warning add an icon");
        let archive_wide = Finding::error("archive.not_zip", "", "not a zip");
        assert_eq!(finding_location(&archive_wide), "bundle");
        assert_eq!(finding_location(&Finding::error("x", "", "y").in_file("app.toml")), "app.toml");
    }

    #[test]
    fn server_findings_already_shown_are_not_repeated() {
        let ours = Finding::error("a", "app.toml", "x");
        let theirs = vec![ours.clone(), Finding::error("b", "Env[0].Name", "not allowed here")];
        let added = new_findings(&[ours], &theirs);
        assert_eq!(added.len(), 1);
        assert_eq!(added[0].code, "b");
    }

    #[test]
    fn summaries_and_status_lines() {
        assert_eq!(findings_summary(1, 0), "1 error, 0 warnings");
        assert_eq!(findings_summary(2, 1), "2 errors, 1 warning");
        assert_eq!(ready_line("ai.example.app", "1.0.0", 0), "ai.example.app 1.0.0 is valid and ready to upload.");
        assert_eq!(ready_line("a", "1.0.0", 2), "a 1.0.0 is valid and ready to upload (2 warnings).");
    }

    #[test]
    fn a_version_is_taken_when_the_caller_sees_it() {
        let version = |id, v: &str| AppVersion {
            id,
            version: v.into(),
            title: "T".into(),
            owner: None,
            visibility: Visibility::Private,
            created_at: String::new(),
            instances: 0,
        };
        let versions = [version(7, "1.1.0"), version(3, "1.0.0")];
        assert_eq!(existing_version(&versions, "1.0.0"), Some(3));
        assert_eq!(existing_version(&versions, "1.0.1"), None);
        assert_eq!(existing_version(&[], "1.0.0"), None);
    }

    #[test]
    fn progress_numbers() {
        assert_eq!(fraction(5.0, 10.0), 0.5);
        assert_eq!(fraction(0.0, 0.0), 1.0);
        assert_eq!(fraction(20.0, 10.0), 1.0);
        assert_eq!(percent(1.0, 3.0), "33%");
        assert_eq!(upload_path(Visibility::AllUsers), "/apps?visibility=ALL_USERS");
        assert_eq!(visibility_label(Visibility::Private), "Private — only you and admins");
    }

    #[test]
    fn previews_show_what_the_server_will_store() {
        let manifest_text = "[App]\nName = \"ai.example.app\"\nVersion = \"1.0.0\"\nTitle = \"Example\"\n\
            Description = \"Does things\"\nCategory = \" Data \"\nLongDescription = \"about.md\"\n\
            Tags = [\"DEMO\", \" \"]\n\n[Runtime]\nModule = \"app\"\n";
        let bundle = package_files(&[
            ("app.toml".into(), manifest_text.as_bytes().to_vec()),
            ("app.py".into(), b"print('hi')\n".to_vec()),
            ("about.md".into(), b"# About\n".to_vec()),
        ])
        .unwrap();
        let report = check_bundle_bytes(&bundle, &BundleOptions::default());
        assert!(report.valid, "{:?}", report.errors);
        let manifest = report.manifest.clone().unwrap();
        let detail = preview_detail(&manifest, &report, Some("alice".into()), Visibility::AllUsers, bundle.len() as u64);
        assert_eq!(detail.summary.title, "Example");
        assert_eq!(detail.summary.category.as_deref(), Some("Data"));
        assert_eq!(detail.summary.tags, ["DEMO"]);
        assert_eq!(detail.summary.owner.as_deref(), Some("alice"));
        assert_eq!(detail.summary.created_at, NOT_YET_IMPORTED);
        assert!(!detail.summary.has_icon);
        assert_eq!(detail.long_description.as_deref(), Some("# About\n"));
        assert_eq!(detail.runtime.module.as_deref(), Some("app"));
        assert_eq!(detail.bundle_size, bundle.len() as u64);

        let bare = Manifest::new(AppSection { name: "n".into(), version: "0.1.0".into(), ..AppSection::default() });
        let detail = preview_detail(&bare, &report, None, Visibility::Private, 0);
        assert_eq!(detail.summary.title, "n", "the title falls back to the name");
        assert_eq!(detail.summary.description, "");
    }
}
