//! Bundle rules: what a `.wave` must hold, checked over the archive and the manifest together.
//!
//! Checking runs in two passes, like the archive reader underneath:
//! - [`StructuralCheck`] reads the end of the file, the central directory and the few entries the
//!   rules need (app.toml, the LongDescription file, requirements.txt, the icon and screenshots). It
//!   is a state machine that asks for byte ranges ([`StructuralCheck::next_read`]) so the browser can
//!   answer from a `File` asynchronously and the server from a file on disk; its time does not grow
//!   with the size of the bundle.
//! - [`IntegrityCheck`](crate::archive::IntegrityCheck) then streams every byte (CRCs, sizes).
//!
//! [`check_bundle_bytes`] runs both over bytes in memory, as the CLI and the server do.

mod images;
pub mod requirements;
pub mod served;

pub use images::{decode_problem, sniff, ImageInfo, ImageKind};
pub use requirements::{check_wheels, wheel_references, WheelReference, REQUIREMENTS_FILE};

use crate::api::{Finding, Severity};
use crate::archive::{self, CentralDirectoryLocation, Directory, Entry, IntegrityCheck, Limits};
use crate::manifest::{self, Manifest, ManifestOptions};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The manifest's name at the archive root.
pub const MANIFEST_FILE: &str = "app.toml";
const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Limits and settings for checking a bundle. The defaults are what the server enforces.
#[derive(Debug, Clone)]
pub struct BundleOptions {
    pub archive: Limits,
    pub manifest: ManifestOptions,
    pub max_manifest_bytes: u64,
    pub max_long_description_bytes: u64,
    pub max_requirements_bytes: u64,
    pub max_icon_bytes: u64,
    /// Above this the icon is accepted with a warning: the platform's guideline is under 100 KB.
    pub icon_guideline_bytes: u64,
    pub max_screenshot_bytes: u64,
    pub max_screenshots: usize,
}

impl Default for BundleOptions {
    fn default() -> Self {
        BundleOptions {
            archive: Limits::default(),
            manifest: ManifestOptions::default(),
            max_manifest_bytes: MIB,
            max_long_description_bytes: MIB,
            max_requirements_bytes: MIB,
            max_icon_bytes: MIB,
            icon_guideline_bytes: 100 * KIB,
            max_screenshot_bytes: 5 * MIB,
            max_screenshots: 20,
        }
    }
}

/// One file of the bundle, as the file tree shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleFile {
    pub path: String,
    pub size: u64,
    pub compressed_size: u64,
}

/// An image taken from the bundle (icon or screenshot), bytes included for previews and import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleImage {
    pub path: String,
    pub kind: ImageKind,
    pub bytes: Vec<u8>,
}

/// The verdict on a bundle: `wavehub check --json` prints it and `POST /bundles/validate` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleReport {
    pub valid: bool,
    pub errors: Vec<Finding>,
    pub warnings: Vec<Finding>,
    pub manifest: Option<Manifest>,
    /// Every file entry (directories left out), in archive order.
    #[serde(default)]
    pub files: Vec<BundleFile>,
    #[serde(default)]
    pub uncompressed_size: u64,
    /// Path of the icon, when there is a valid one.
    #[serde(default)]
    pub icon: Option<String>,
    /// Paths of the valid screenshots, in the order the catalog shows them.
    #[serde(default)]
    pub screenshots: Vec<String>,
    /// The LongDescription file's Markdown text.
    #[serde(default)]
    pub long_description: Option<String>,
    /// The icon and screenshot bytes (not serialized: the API serves them as images).
    #[serde(skip)]
    pub images: Vec<BundleImage>,
}

impl BundleReport {
    fn from_findings(findings: Vec<Finding>) -> Self {
        let mut report = BundleReport {
            valid: true,
            errors: Vec::new(),
            warnings: Vec::new(),
            manifest: None,
            files: Vec::new(),
            uncompressed_size: 0,
            icon: None,
            screenshots: Vec::new(),
            long_description: None,
            images: Vec::new(),
        };
        report.add(findings);
        report
    }

    /// Sorts findings into errors and warnings; any error makes the bundle invalid.
    pub fn add(&mut self, findings: impl IntoIterator<Item = Finding>) {
        for finding in findings {
            match finding.severity {
                Severity::Error => {
                    self.valid = false;
                    self.errors.push(finding);
                }
                Severity::Warning => self.warnings.push(finding),
            }
        }
    }

    /// The bytes of an image the report names.
    pub fn image(&self, path: &str) -> Option<&BundleImage> {
        self.images.iter().find(|image| image.path == path)
    }
}

/// An entry the structural pass still has to read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Wanted {
    Manifest,
    LongDescription(String),
    Requirements,
    Icon(String),
    Screenshot(String),
}

enum Step {
    Tail,
    CentralDirectory(CentralDirectoryLocation),
    Entries,
    Done,
}

/// The structural pass as a state machine: ask [`next_read`](Self::next_read) for a byte range,
/// hand the bytes to [`provide`](Self::provide), repeat until it returns `None`, then
/// [`finish`](Self::finish).
pub struct StructuralCheck {
    file_len: u64,
    options: BundleOptions,
    step: Step,
    directory: Option<Directory>,
    wanted: VecDeque<Wanted>,
    findings: Vec<Finding>,
    manifest: Option<Manifest>,
    long_description: Option<String>,
    icon: Option<String>,
    screenshots: Vec<String>,
    images: Vec<BundleImage>,
}

/// What the structural pass leaves: the report so far, and the directory the integrity pass walks.
pub struct StructuralOutcome {
    pub report: BundleReport,
    /// `None` when the archive itself could not be read.
    pub directory: Option<Directory>,
}

impl StructuralCheck {
    pub fn new(file_len: u64, options: BundleOptions) -> Self {
        StructuralCheck {
            file_len,
            options,
            step: Step::Tail,
            directory: None,
            wanted: VecDeque::new(),
            findings: Vec::new(),
            manifest: None,
            long_description: None,
            icon: None,
            screenshots: Vec::new(),
            images: Vec::new(),
        }
    }

    /// The byte range `[start, end)` to read next, or `None` when the pass is done.
    pub fn next_read(&self) -> Option<(u64, u64)> {
        match &self.step {
            Step::Tail => Some((self.file_len.saturating_sub(archive::TAIL_LEN), self.file_len)),
            Step::CentralDirectory(location) => {
                Some((location.offset, location.offset.saturating_add(location.size)))
            }
            Step::Entries => {
                let wanted = self.wanted.front()?;
                let entry = self.directory.as_ref()?.find(self.wanted_name(wanted))?;
                Some(entry.byte_range())
            }
            Step::Done => None,
        }
    }

    /// The bytes of the range [`next_read`](Self::next_read) asked for.
    pub fn provide(&mut self, bytes: &[u8]) {
        match std::mem::replace(&mut self.step, Step::Done) {
            Step::Tail => match archive::locate_central_directory(self.file_len, bytes) {
                Ok(location) => self.step = Step::CentralDirectory(location),
                Err(finding) => self.findings.push(finding),
            },
            Step::CentralDirectory(location) => {
                match archive::read_central_directory(self.file_len, &location, bytes, &self.options.archive) {
                    Ok(directory) => {
                        self.plan_reads(&directory);
                        self.directory = Some(directory);
                        self.step = Step::Entries;
                    }
                    Err(findings) => self.findings.extend(findings),
                }
            }
            Step::Entries => {
                if let Some(wanted) = self.wanted.pop_front() {
                    self.read_wanted(&wanted, bytes);
                }
                self.step = Step::Entries;
            }
            Step::Done => {}
        }
        if matches!(self.step, Step::Entries) && self.wanted.is_empty() {
            self.step = Step::Done;
        }
    }

    pub fn finish(self) -> StructuralOutcome {
        let mut report = BundleReport::from_findings(self.findings);
        if let Some(directory) = &self.directory {
            report.files = directory
                .entries
                .iter()
                .filter(|entry| !entry.is_dir)
                .map(|entry| BundleFile {
                    path: entry.name.clone(),
                    size: entry.uncompressed_size,
                    compressed_size: entry.compressed_size,
                })
                .collect();
            report.uncompressed_size = directory.total_uncompressed();
        }
        report.manifest = self.manifest;
        report.long_description = self.long_description;
        report.icon = self.icon;
        report.screenshots = self.screenshots;
        report.images = self.images;
        StructuralOutcome { report, directory: self.directory }
    }

    fn wanted_name<'a>(&'a self, wanted: &'a Wanted) -> &'a str {
        match wanted {
            Wanted::Manifest => MANIFEST_FILE,
            Wanted::Requirements => REQUIREMENTS_FILE,
            Wanted::LongDescription(name) | Wanted::Icon(name) | Wanted::Screenshot(name) => name,
        }
    }

    /// Decides, from the names alone, which entries to read, and reports what is missing.
    fn plan_reads(&mut self, directory: &Directory) {
        match directory.find(MANIFEST_FILE) {
            Some(entry) if entry.uncompressed_size > self.options.max_manifest_bytes => {
                self.findings.push(too_large(MANIFEST_FILE, entry, self.options.max_manifest_bytes));
            }
            Some(_) => self.wanted.push_back(Wanted::Manifest),
            None => self.findings.push(missing_manifest(directory)),
        }
        if let Some(entry) = directory.find(REQUIREMENTS_FILE) {
            if entry.uncompressed_size > self.options.max_requirements_bytes {
                self.findings.push(too_large(REQUIREMENTS_FILE, entry, self.options.max_requirements_bytes));
            } else {
                self.wanted.push_back(Wanted::Requirements);
            }
        }
        self.plan_images(directory);
    }

    fn plan_images(&mut self, directory: &Directory) {
        let mut icons: Vec<&Entry> = static_files(directory, "icon").collect();
        icons.sort_by(|a, b| a.name.cmp(&b.name));
        match icons.split_first() {
            None => self.findings.push(Finding::warning(
                "bundle.icon.missing",
                "static/icon.png",
                "the bundle has no icon, so the catalog shows a placeholder; add a square PNG or JPEG at static/icon.png",
            )),
            Some((icon, others)) => {
                if !others.is_empty() {
                    let names: Vec<&str> = others.iter().map(|entry| entry.name.as_str()).collect();
                    self.findings.push(
                        Finding::warning(
                            "bundle.icon.several",
                            &icon.name,
                            format!("several files start with static/icon; {} is used and {} ignored: keep one icon", icon.name, names.join(", ")),
                        )
                        .in_file(&icon.name),
                    );
                }
                if icon.uncompressed_size > self.options.max_icon_bytes {
                    self.findings.push(too_large(&icon.name, icon, self.options.max_icon_bytes));
                } else {
                    self.wanted.push_back(Wanted::Icon(icon.name.clone()));
                }
            }
        }
        let mut screenshots: Vec<&Entry> = static_files(directory, "screenshot").collect();
        screenshots.sort_by(|a, b| a.name.cmp(&b.name));
        if screenshots.len() > self.options.max_screenshots {
            self.findings.push(Finding::warning(
                "bundle.screenshot.too_many",
                "static/",
                format!(
                    "the bundle has {} screenshots; the catalog shows the first {} (by name), remove the rest",
                    screenshots.len(),
                    self.options.max_screenshots
                ),
            ));
            screenshots.truncate(self.options.max_screenshots);
        }
        for screenshot in screenshots {
            if screenshot.uncompressed_size > self.options.max_screenshot_bytes {
                self.findings.push(too_large(&screenshot.name, screenshot, self.options.max_screenshot_bytes));
            } else {
                self.wanted.push_back(Wanted::Screenshot(screenshot.name.clone()));
            }
        }
    }

    fn read_wanted(&mut self, wanted: &Wanted, bytes: &[u8]) {
        let Some(directory) = &self.directory else { return };
        let name = self.wanted_name(wanted).to_owned();
        let Some(entry) = directory.find(&name) else { return };
        let max_len = entry.uncompressed_size;
        let content = match archive::extract_entry(entry, bytes, max_len) {
            Ok(content) => content,
            Err(finding) => {
                self.findings.push(finding);
                return;
            }
        };
        match wanted {
            Wanted::Manifest => self.read_manifest(&content),
            Wanted::Requirements => match text_of(REQUIREMENTS_FILE, &content) {
                Ok(text) => {
                    let findings = check_wheels(text, |path| directory.find(path).is_some_and(|e| !e.is_dir));
                    self.findings.extend(findings);
                }
                Err(finding) => self.findings.push(finding),
            },
            Wanted::LongDescription(path) => match text_of(path, &content) {
                Ok(text) => self.long_description = Some(text.to_owned()),
                Err(finding) => self.findings.push(finding),
            },
            Wanted::Icon(path) => self.read_icon(path, content),
            Wanted::Screenshot(path) => self.read_screenshot(path, content),
        }
    }

    fn read_manifest(&mut self, content: &[u8]) {
        let text = match text_of(MANIFEST_FILE, content) {
            Ok(text) => text,
            Err(finding) => {
                self.findings.push(finding);
                return;
            }
        };
        let check = manifest::check_manifest(text, &self.options.manifest);
        self.findings.extend(check.findings);
        let Some(manifest) = check.manifest else { return };
        if let Some(directory) = &self.directory {
            let (findings, long_description) = check_against_files(&manifest, directory, self.options.max_long_description_bytes);
            self.findings.extend(findings);
            self.findings.extend(check_file_paths(&manifest));
            if let Some(path) = long_description {
                // Read it next, before the images, so previews can show it early.
                self.wanted.push_front(Wanted::LongDescription(path));
            }
        }
        self.manifest = Some(manifest);
    }

    fn read_icon(&mut self, path: &str, bytes: Vec<u8>) {
        let Some(info) = sniff(&bytes) else {
            self.findings.push(not_an_image("bundle.icon.not_image", path));
            return;
        };
        if let Some(problem) = decode_problem(&bytes, info.kind) {
            self.findings.push(does_not_decode("bundle.icon.undecodable", path, info.kind, &problem));
            return;
        }
        if let Some((width, height)) = info.dimensions {
            if width != height || !(400..=1000).contains(&width) {
                self.findings.push(
                    Finding::warning(
                        "bundle.icon.dimensions",
                        path,
                        format!("the icon is {width}×{height} px; the catalog looks best with a square icon 400 to 1000 px wide"),
                    )
                    .in_file(path),
                );
            }
        }
        if bytes.len() as u64 > self.options.icon_guideline_bytes {
            self.findings.push(
                Finding::warning(
                    "bundle.icon.large",
                    path,
                    format!(
                        "the icon is {} KB; keep it under {} KB so the catalog loads fast",
                        bytes.len() as u64 / KIB,
                        self.options.icon_guideline_bytes / KIB
                    ),
                )
                .in_file(path),
            );
        }
        self.icon = Some(path.to_owned());
        self.images.push(BundleImage { path: path.to_owned(), kind: info.kind, bytes });
    }

    fn read_screenshot(&mut self, path: &str, bytes: Vec<u8>) {
        let Some(info) = sniff(&bytes) else {
            self.findings.push(not_an_image("bundle.screenshot.not_image", path));
            return;
        };
        if let Some(problem) = decode_problem(&bytes, info.kind) {
            self.findings.push(does_not_decode("bundle.screenshot.undecodable", path, info.kind, &problem));
            return;
        }
        self.screenshots.push(path.to_owned());
        self.images.push(BundleImage { path: path.to_owned(), kind: info.kind, bytes });
    }
}

/// Files directly in `static/` whose names start with `prefix` (`static/icon.png`, `static/screenshot-1.jpg`).
fn static_files<'a>(directory: &'a Directory, prefix: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
    directory.entries.iter().filter(move |entry| {
        !entry.is_dir
            && entry
                .name
                .strip_prefix("static/")
                .is_some_and(|rest| !rest.contains('/') && rest.starts_with(prefix))
    })
}

/// The manifest's references to files, checked against the archive's names. Returns the findings
/// and the LongDescription path to read when it exists.
fn check_against_files(manifest: &Manifest, directory: &Directory, max_long_description: u64) -> (Vec<Finding>, Option<String>) {
    let mut findings = Vec::new();
    let at = |finding: Finding, toml_path: &str| match manifest.position_of(toml_path) {
        Some(position) => finding.in_file(MANIFEST_FILE).at(position),
        None => finding.in_file(MANIFEST_FILE),
    };
    let mut long_description = None;
    if let Some(written) = manifest.app.long_description.as_deref() {
        let path = written.trim_start_matches("./");
        match directory.find(path).filter(|entry| !entry.is_dir) {
            None => findings.push(at(
                Finding::error(
                    "bundle.long_description.missing",
                    "App.LongDescription",
                    format!("LongDescription names `{written}`, which is not in the bundle; add the Markdown file at `{path}` or fix the path"),
                ),
                "App.LongDescription",
            )),
            Some(entry) if entry.uncompressed_size > max_long_description => {
                findings.push(too_large(path, entry, max_long_description));
            }
            Some(_) => long_description = Some(path.to_owned()),
        }
    }
    if let Some(mount) = manifest.runtime.volume_mount.as_deref() {
        let folder = mount.trim_matches('/');
        let prefix = format!("{folder}/");
        if !folder.is_empty() && directory.entries.iter().any(|entry| entry.name.starts_with(&prefix)) {
            findings.push(at(
                Finding::error(
                    "bundle.volume_mount.exists",
                    "Runtime.VolumeMount",
                    format!("VolumeMount `{mount}` is a folder in the bundle, and the volume would hide its files; mount the volume somewhere else, e.g. `/data`"),
                ),
                "Runtime.VolumeMount",
            ));
        }
    }
    if manifest.runs_python_module() {
        if let Some(module) = manifest.runtime.module.as_deref() {
            let base = module.replace('.', "/");
            let candidates = [format!("{base}.py"), format!("{base}/__main__.py"), format!("{base}/__init__.py")];
            if !candidates.iter().any(|name| directory.find(name).is_some()) {
                findings.push(at(
                    Finding::error(
                        "bundle.module.missing",
                        "Runtime.Module",
                        format!("Module `{module}` is not in the bundle: add `{base}.py` (or a `{base}/` package), or fix Module"),
                    ),
                    "Runtime.Module",
                ));
            }
        }
    }
    if manifest.runs_python_module() && directory.find(PACKAGES_FILE).is_some_and(|entry| !entry.is_dir) {
        findings.push(
            Finding::warning(
                "bundle.packages_txt.not_installed",
                PACKAGES_FILE,
                "packages.txt lists Debian packages, which Wavehub does not install per instance (app code never runs \
                 as root here): ask the admin to install them on the server, or use pip wheels that bundle the \
                 libraries; an app missing one fails at start with an error naming the library",
            )
            .in_file(PACKAGES_FILE),
        );
    }
    (findings, long_description)
}

/// `[[File]]` Paths an instance could not write: a `..` folder (out of the app's folder), an empty
/// folder name (`conf//a`, a trailing `/`), or a name too long for a file system. The runner refuses
/// them at launch; refusing them here says so at import, naming the entry.
fn check_file_paths(manifest: &Manifest) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, file) in manifest.files.iter().enumerate() {
        if file.path.is_empty() {
            continue; // the manifest check reported it
        }
        let toml_path = format!("File[{}].Path", index + 1);
        let shown = archive::shorten_name(&file.path);
        let relative = file.path.trim_start_matches('/');
        let problem = if relative.split('/').any(|part| part == "..") {
            Some((
                "bundle.file_path.not_plain",
                format!("Path `{shown}` has a `..` folder, which would put the file outside the instance's folders; write the path without `..`"),
            ))
        } else if relative.split('/').any(str::is_empty) {
            Some((
                "bundle.file_path.not_plain",
                format!("Path `{shown}` has an empty folder name (`//`) or ends with `/`; write the path plainly, e.g. `config/settings.json`"),
            ))
        } else {
            archive::name_too_long(relative).map(|why| {
                ("bundle.file_path.too_long", format!("Path `{shown}` {why}, so no instance could write it; choose a shorter path"))
            })
        };
        if let Some((code, message)) = problem {
            let finding = Finding::error(code, &toml_path, message).in_file(MANIFEST_FILE);
            findings.push(match manifest.position_of(&toml_path) {
                Some(position) => finding.at(position),
                None => finding,
            });
        }
    }
    findings
}

/// Debian packages the platform installs per instance (`apt-get install`); see
/// `bundle.packages_txt.not_installed`.
pub const PACKAGES_FILE: &str = "packages.txt";

fn missing_manifest(directory: &Directory) -> Finding {
    let one_folder_down = directory.entries.iter().find_map(|entry| {
        let (folder, file) = entry.name.split_once('/')?;
        (file == MANIFEST_FILE).then_some(folder)
    });
    if let Some(folder) = one_folder_down {
        return Finding::error(
            "bundle.manifest.in_folder",
            MANIFEST_FILE,
            format!("app.toml is inside the folder `{folder}/`: you zipped the folder, zip its contents instead (or run `wavehub bundle {folder}`)"),
        );
    }
    let other_case = directory.entries.iter().find(|entry| entry.name.eq_ignore_ascii_case(MANIFEST_FILE));
    if let Some(entry) = other_case {
        return Finding::error(
            "bundle.manifest.name_case",
            &entry.name,
            format!("the manifest is named `{}`; rename it to `app.toml` (lower case)", entry.name),
        );
    }
    Finding::error(
        "bundle.manifest.missing",
        MANIFEST_FILE,
        "the bundle has no app.toml at its root; every Wave app needs one (see the app.toml reference)",
    )
}

fn too_large(path: &str, entry: &Entry, limit: u64) -> Finding {
    Finding::error(
        "bundle.file.too_large",
        path,
        format!("{path} is {} bytes; the limit is {} bytes, make it smaller", entry.uncompressed_size, limit),
    )
    .in_file(path)
}

fn not_an_image(code: &str, path: &str) -> Finding {
    Finding::error(code, path, format!("{path} is not a PNG or JPEG image (whatever its name says); save it as PNG or JPEG"))
        .in_file(path)
}

fn does_not_decode(code: &str, path: &str, kind: ImageKind, problem: &str) -> Finding {
    let format = match kind {
        ImageKind::Png => "PNG",
        ImageKind::Jpeg => "JPEG",
    };
    Finding::error(
        code,
        path,
        format!("{path} starts like a {format} image but does not decode ({problem}); export it again from an image editor"),
    )
    .in_file(path)
}

/// UTF-8 text of a file the rules read, without a byte-order mark.
fn text_of<'a>(path: &str, bytes: &'a [u8]) -> Result<&'a str, Finding> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|error| {
        Finding::error(
            "bundle.file.not_utf8",
            path,
            format!("{path} is not UTF-8 text (invalid byte at offset {}); save it as UTF-8", error.valid_up_to()),
        )
        .in_file(path)
    })
}

/// Both passes over a bundle held in memory: what `wavehub check` and the server run.
pub fn check_bundle_bytes(bytes: &[u8], options: &BundleOptions) -> BundleReport {
    let mut structural = StructuralCheck::new(bytes.len() as u64, options.clone());
    while let Some((start, end)) = structural.next_read() {
        let slice = usize::try_from(start)
            .ok()
            .zip(usize::try_from(end).ok())
            .and_then(|(start, end)| bytes.get(start..end))
            .unwrap_or(&[]);
        structural.provide(slice);
    }
    let StructuralOutcome { mut report, directory } = structural.finish();
    if let Some(directory) = directory {
        let mut integrity = IntegrityCheck::new(&directory, bytes.len() as u64);
        let verdict = integrity.feed(bytes).and_then(|()| integrity.finish());
        if let Err(finding) = verdict {
            report.add([finding]);
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors_of(file_path: &str) -> Vec<Finding> {
        let toml = format!("[App]\nName = \"a\"\nVersion = \"1.0.0\"\n[Runtime]\nModule = \"app\"\n[[File]]\nPath = \"{file_path}\"\nValue = \"x\"\n");
        let files = [("app.toml".to_owned(), toml.into_bytes()), ("app.py".to_owned(), b"".to_vec())];
        let bytes = crate::package::package_files(&files).unwrap();
        check_bundle_bytes(&bytes, &BundleOptions::default()).errors
    }

    #[test]
    fn file_paths_an_instance_could_not_write_are_refused() {
        for (path, code) in [
            ("../conf/a.json", "bundle.file_path.not_plain"),
            ("/etc/../../x/a", "bundle.file_path.not_plain"),
            ("conf//a.json", "bundle.file_path.not_plain"),
            ("conf/a/", "bundle.file_path.not_plain"),
        ] {
            let errors = errors_of(path);
            let found = errors.iter().find(|f| f.code == code).unwrap_or_else(|| panic!("{path}: {errors:?}"));
            assert_eq!(found.path, "File[1].Path");
            assert_eq!(found.file.as_deref(), Some(MANIFEST_FILE));
            assert!(found.line.is_some() && found.message.contains(path), "{found:?}");
        }
        let long = format!("conf/{}", "x".repeat(256));
        assert!(errors_of(&long).iter().any(|f| f.code == "bundle.file_path.too_long"));
        for fine in ["conf/a.json", "/etc/conf/b", "./conf/a.json", &format!("conf/{}", "x".repeat(255))] {
            assert!(errors_of(fine).is_empty(), "{fine}: {:?}", errors_of(fine));
        }
    }
}
