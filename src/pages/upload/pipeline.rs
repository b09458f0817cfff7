//! What happens after a drop: find the files, package them, check the bundle, look the version up,
//! upload. Packaging and checking run in the bundle engine's Web Workers (`wavehub-engine`), one
//! pool per run, so the page only routes their messages: it updates the progress bar, and stops as
//! soon as a newer drop (or "Start over", or leaving the page) has made the run stale, which drops
//! the pool and so terminates its workers.

use super::browser::{self, DroppedItem, PickedFile, Sent};
use super::model::{self, FileTree};
use crate::api::{self, ApiError};
use leptos::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use wasm_bindgen::JsCast;
use wavehub_core::api::Finding;
use wavehub_core::appignore::{AppIgnore, APPIGNORE_FILE};
use wavehub_core::apps::{AppDetail, Visibility};
use wavehub_core::bundle::BundleReport;
use wavehub_core::package::{self, FileMeta};
use wavehub_engine::pool::{self, Checked as EngineChecked, PackProgress};
use wavehub_engine::{read_failed, PackFile, Pool};
use web_sys::{Blob, File, FileSystemEntry, XmlHttpRequest};

/// What the person chose.
pub enum Input {
    Dropped(Vec<DroppedItem>),
    /// The folder picker's files (`webkitRelativePath` starts with the folder's name).
    Folder(Vec<File>),
    /// The file picker's files: several files, or one `.wave`/`.zip`.
    Files(Vec<File>),
}

/// The choice, sorted out.
enum Source {
    Bundle(File),
    Files { files: Vec<PickedFile>, unlisted: Vec<(String, String)> },
}

/// The progress bar's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub label: String,
    pub done: f64,
    pub total: f64,
}

impl Step {
    fn new(label: impl Into<String>, done: u64, total: u64) -> Self {
        Step { label: label.into(), done: done as f64, total: total as f64 }
    }
}

/// A checked bundle, ready to preview, download and upload.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The report without its image bytes (they became the object URLs below).
    pub report: BundleReport,
    /// Errors first, then warnings.
    pub findings: Vec<Finding>,
    pub download_url: Option<String>,
    pub download_name: String,
    pub icon_url: Option<String>,
    pub screenshot_urls: Vec<String>,
    pub bundle_size: u64,
    /// The LongDescription rendered (sanitized) by the engine's worker: up to 1 MiB of Markdown
    /// would hold the page's thread too long.
    pub description_html: Option<String>,
}

impl Checked {
    /// Name and version, when the manifest could be read.
    pub fn name_version(&self) -> Option<(String, String)> {
        self.report.manifest.as_ref().map(|m| (m.app.name.clone(), m.app.version.clone()))
    }
}

/// Whether this name+version is in the catalog already (as far as the caller can see).
#[derive(Debug, Clone, PartialEq)]
pub enum Existing {
    NotChecked,
    Checking,
    Free,
    Taken { id: i64 },
    /// The look-up failed; the server's 409 still catches a taken version.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum UploadState {
    Idle,
    Sending { loaded: f64, total: f64 },
    Done(Box<AppDetail>),
    Failed(ApiError),
    /// The author pressed Cancel; the server keeps nothing of an upload that stops.
    Cancelled,
}

/// One run of the pipeline; stale once a newer one starts.
#[derive(Clone)]
struct Run {
    counter: Arc<AtomicU64>,
    mine: u64,
}

impl Run {
    fn current(&self) -> bool {
        self.counter.load(Ordering::SeqCst) == self.mine
    }
}

/// The page's state, shared by the views and the pipeline.
#[derive(Clone)]
pub struct Ctx {
    pub progress: RwSignal<Option<Step>>,
    pub tree: RwSignal<Option<FileTree>>,
    /// What went wrong before there was a bundle to check (an unreadable folder, nothing dropped).
    pub problem: RwSignal<Option<String>>,
    pub checked: RwSignal<Option<Checked>>,
    pub existing: RwSignal<Existing>,
    pub visibility: RwSignal<Visibility>,
    pub upload: RwSignal<UploadState>,
    /// The bundle's bytes, as a Blob (a dropped `.wave` is its own File).
    bundle: StoredValue<Option<Blob>, LocalStorage>,
    request: StoredValue<Option<XmlHttpRequest>, LocalStorage>,
    /// Bumped by every new run, "Start over" and leaving the page; stale runs stop at their next step.
    generation: Arc<AtomicU64>,
    /// Object URLs in use (download link, icon, screenshots), revoked when replaced.
    urls: Arc<Mutex<Vec<String>>>,
}

impl Ctx {
    pub fn new() -> Self {
        let ctx = Ctx {
            progress: RwSignal::new(None),
            tree: RwSignal::new(None),
            problem: RwSignal::new(None),
            checked: RwSignal::new(None),
            existing: RwSignal::new(Existing::NotChecked),
            visibility: RwSignal::new(Visibility::Private),
            upload: RwSignal::new(UploadState::Idle),
            bundle: StoredValue::new_local(None),
            request: StoredValue::new_local(None),
            generation: Arc::new(AtomicU64::new(0)),
            urls: Arc::new(Mutex::new(Vec::new())),
        };
        let (generation, urls) = (ctx.generation.clone(), ctx.urls.clone());
        on_cleanup(move || {
            generation.fetch_add(1, Ordering::SeqCst);
            revoke_all(&urls);
        });
        ctx
    }

    /// Whether the Upload button may be pressed.
    pub fn can_upload(&self) -> bool {
        let valid = self.checked.with(|c| c.as_ref().is_some_and(|c| c.report.valid && c.report.manifest.is_some()));
        let free = matches!(self.existing.get(), Existing::Free | Existing::Unknown(_));
        let idle = matches!(self.upload.get(), UploadState::Idle | UploadState::Failed(_) | UploadState::Cancelled);
        valid && free && idle
    }

    /// Stops the upload in flight; the bundle stays checked, ready to send again.
    pub fn cancel_upload(&self) {
        if let Some(request) = self.request.try_update_value(Option::take).flatten() {
            self.upload.set(UploadState::Cancelled);
            let _ = request.abort();
        }
    }

    /// Forgets everything ("Start over").
    pub fn start_over(&self) {
        self.begin();
        self.visibility.set(Visibility::Private);
    }

    /// Starts packaging and checking what was chosen; a run still going is cancelled.
    pub fn start(&self, input: Input) {
        let run = self.begin();
        let ctx = self.clone();
        leptos::task::spawn_local(async move { ctx.process(run, input).await });
    }

    /// Cancels the run in flight (and an upload), clears the results, and returns the new run.
    fn begin(&self) -> Run {
        let mine = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        if let Some(request) = self.request.try_update_value(Option::take).flatten() {
            let _ = request.abort();
        }
        self.bundle.set_value(None);
        revoke_all(&self.urls);
        self.progress.set(None);
        self.tree.set(None);
        self.problem.set(None);
        self.checked.set(None);
        self.existing.set(Existing::NotChecked);
        self.upload.set(UploadState::Idle);
        Run { counter: self.generation.clone(), mine }
    }

    fn fail(&self, run: &Run, message: String) {
        if run.current() {
            self.progress.set(None);
            self.problem.set(Some(message));
        }
    }

    async fn process(&self, run: Run, input: Input) {
        self.progress.set(Some(Step::new("Reading what you chose…", 0, 0)));
        let source = match self.resolve(&run, input).await {
            Ok(Some(source)) => source,
            Ok(None) => return,
            Err(message) => return self.fail(&run, message),
        };
        if !run.current() {
            return;
        }
        match source {
            Source::Bundle(file) => {
                let name = file.name();
                let Some(mut pool) = self.start_engine(&run, 1).await else { return };
                self.check(run, &mut pool, file.unchecked_into(), name, Vec::new(), true).await;
            }
            Source::Files { files, unlisted } => self.package(run, files, unlisted).await,
        }
    }

    /// Sorts the choice out: one `.wave`/`.zip` is a bundle; anything else is a folder's files.
    async fn resolve(&self, run: &Run, input: Input) -> Result<Option<Source>, String> {
        let files = match input {
            Input::Files(files) => {
                if let [only] = files.as_slice() {
                    if model::is_bundle_name(&only.name()) {
                        return Ok(Some(Source::Bundle(only.clone())));
                    }
                }
                files.into_iter().map(|file| PickedFile { path: file.name(), file }).collect()
            }
            Input::Folder(files) => files
                .into_iter()
                .map(|file| {
                    let relative = browser::relative_path(&file);
                    let path = model::strip_first_component(&relative).map(str::to_owned).unwrap_or_else(|| file.name());
                    PickedFile { path, file }
                })
                .collect(),
            Input::Dropped(items) => return self.resolve_drop(run, items).await,
        };
        Ok(Some(Source::Files { files, unlisted: Vec::new() }))
    }

    async fn resolve_drop(&self, run: &Run, items: Vec<DroppedItem>) -> Result<Option<Source>, String> {
        if let [only] = items.as_slice() {
            let single_bundle = match only {
                DroppedItem::File(file) if model::is_bundle_name(&file.name()) => Some(file.clone()),
                DroppedItem::Entry(entry) if entry.is_file() && model::is_bundle_name(&entry.name()) => {
                    let entry: &web_sys::FileSystemFileEntry = entry.unchecked_ref();
                    Some(file_of(entry).await?)
                }
                _ => None,
            };
            if let Some(file) = single_bundle {
                return Ok(Some(Source::Bundle(file)));
            }
        }
        let mut entries: Vec<FileSystemEntry> = Vec::new();
        let mut loose: Vec<PickedFile> = Vec::new();
        for item in items {
            match item {
                DroppedItem::Entry(entry) => entries.push(entry),
                DroppedItem::File(file) => loose.push(PickedFile { path: file.name(), file }),
            }
        }
        let progress = self.progress;
        let walking = run.clone();
        let walked = browser::walk_entries(entries, move |found| {
            if walking.current() {
                progress.set(Some(Step::new(format!("Reading the folder… {}", crate::components::format::count(found as u64, "file", "files")), 0, 0)));
            }
            walking.current()
        })
        .await?;
        let Some(mut walked) = walked else { return Ok(None) };
        walked.files.extend(loose);
        Ok(Some(Source::Files { files: walked.files, unlisted: walked.unlisted }))
    }

    /// Applies `.appignore`, packages the files that go in (a chunk at a time), then checks the result.
    async fn package(&self, run: Run, files: Vec<PickedFile>, unlisted: Vec<(String, String)>) {
        if files.is_empty() && unlisted.is_empty() {
            return self.fail(&run, "Nothing to package: no files were chosen, or the folder is empty.".to_owned());
        }
        let metas: Vec<FileMeta> =
            files.iter().map(|f| FileMeta { path: f.path.clone(), size: browser::blob_len(&f.file) }).collect();
        let mut findings: Vec<Finding> = Vec::new();
        let appignore = match files.iter().find(|f| f.path == APPIGNORE_FILE) {
            Some(found) => match browser::read_text(&found.file).await {
                Ok(text) => Some(text),
                Err(message) => {
                    findings.push(read_failed(APPIGNORE_FILE, &message));
                    None
                }
            },
            None => None,
        };
        if !run.current() {
            return;
        }
        if let Some(text) = &appignore {
            findings.extend(AppIgnore::parse(text).problems().iter().cloned());
        }
        let mut plan = package::plan(&metas, appignore.as_deref());
        for (folder, reason) in unlisted {
            plan.add_unwalked_folder(&folder, reason);
        }
        self.tree.set(Some(FileTree::from_plan(&plan)));

        let by_path: HashMap<&str, &File> = files.iter().map(|f| (f.path.as_str(), &f.file)).collect();
        let pack_files: Vec<PackFile> = plan
            .included
            .iter()
            .filter_map(|meta| {
                let file = by_path.get(meta.path.as_str())?;
                Some(PackFile { path: meta.path.clone(), size: meta.size, source: wavehub_engine::Source::Blob((*file).clone().unchecked_into()) })
            })
            .collect();
        let count = pack_files.len();
        let total_bytes = plan.total_bytes;
        self.progress.set(Some(Step::new("Starting the bundle engine…", 0, total_bytes)));
        let Some(mut pool) = self.start_engine(&run, pool::workers_for(count)).await else { return };
        let progress = self.progress;
        let packaging = run.clone();
        let packaged = pool
            .package(&pack_files, move |done: PackProgress| {
                if !packaging.current() {
                    return false;
                }
                let label = match done.next_path {
                    Some(path) => format!("Packaging file {} of {count}: {path}", done.files_done + 1),
                    None => "Finishing the bundle…".to_owned(),
                };
                progress.set(Some(Step::new(label, done.bytes_done, total_bytes)));
                true
            })
            .await;
        let packaged = match packaged {
            Ok(Some(packaged)) => packaged,
            Ok(None) => return,
            Err(message) => return self.fail(&run, format!("Packaging failed: {message}")),
        };
        findings.extend(packaged.findings);
        if !run.current() {
            return;
        }
        self.check(run, &mut pool, packaged.bundle, "app.wave".to_owned(), findings, false).await;
    }

    /// Starts the workers that package and check; `None` (with the problem shown) when they cannot start.
    async fn start_engine(&self, run: &Run, workers: usize) -> Option<Pool> {
        let started = Pool::start(wavehub_engine::WORKER_SCRIPT, workers).await;
        if !run.current() {
            return None;
        }
        match started {
            Ok(pool) => Some(pool),
            Err(message) => {
                self.fail(run, format!("The bundle engine could not start ({message}); reload the page and try again."));
                None
            }
        }
    }

    /// Both passes of the bundle check (in a worker, reading the blob in slices), then the
    /// previews and the version look-up. `findings` (from packaging) join the report's.
    async fn check(&self, run: Run, pool: &mut Pool, blob: Blob, file_name: String, findings: Vec<Finding>, is_bundle: bool) {
        let len = browser::blob_len(&blob);
        self.progress.set(Some(Step::new("Checking the bundle…", 0, len)));
        let progress = self.progress;
        let checking = run.clone();
        let checked = pool
            .check(&blob, move |done| {
                if checking.current() {
                    if let Some(step) = progress.write().as_mut() {
                        step.done = done as f64;
                    }
                }
                checking.current()
            })
            .await;
        if !run.current() {
            return;
        }
        let EngineChecked { mut report, images, description_html } = match checked {
            Ok(Some(checked)) => checked,
            Ok(None) => return,
            Err(message) => return self.fail(&run, format!("Could not read {file_name}: {message}")),
        };
        if is_bundle {
            self.tree.set(Some(FileTree::from_bundle(&report.files)));
        }
        report.add(findings);
        self.show(&run, blob, file_name, report, images, description_html);
        self.look_up_version(run).await;
    }

    /// Turns the report into what the page shows: object URLs for the download and the images.
    fn show(
        &self,
        run: &Run,
        blob: Blob,
        file_name: String,
        report: BundleReport,
        images: Vec<(String, Blob)>,
        description_html: Option<String>,
    ) {
        if !run.current() {
            return;
        }
        let image_url = |path: &str| {
            let (_, image) = images.iter().find(|(image_path, _)| image_path == path)?;
            browser::object_url(image)
        };
        let icon_url = report.icon.as_deref().and_then(image_url);
        let screenshot_urls: Vec<String> = report.screenshots.iter().filter_map(|path| image_url(path)).collect();
        let download_url = browser::object_url(&blob);
        if let Ok(mut urls) = self.urls.lock() {
            urls.extend(icon_url.iter().chain(&screenshot_urls).chain(&download_url).cloned());
        }
        let download_name = match &report.manifest {
            Some(manifest) => package::bundle_file_name(&manifest.app.name, &manifest.app.version),
            None => file_name,
        };
        let checked = Checked {
            findings: model::ordered_findings(&report),
            report,
            download_url,
            download_name,
            icon_url,
            screenshot_urls,
            bundle_size: browser::blob_len(&blob),
            description_html,
        };
        self.bundle.set_value(Some(blob));
        self.progress.set(None);
        self.checked.set(Some(checked));
    }

    /// Is this name+version in the catalog already? Only what the caller may see can be found; the
    /// server's 409 is the backstop for the rest.
    async fn look_up_version(&self, run: Run) {
        let Some((name, version)) = self.checked.with_untracked(|c| c.as_ref().and_then(Checked::name_version)) else {
            return;
        };
        self.existing.set(Existing::Checking);
        let answer = api::app_versions(&name).await;
        if !run.current() {
            return;
        }
        self.existing.set(match answer {
            Ok(versions) => match model::existing_version(&versions, &version) {
                Some(id) => Existing::Taken { id },
                None => Existing::Free,
            },
            Err(ApiError::NotFound(_)) => Existing::Free,
            Err(error) => Existing::Unknown(error.to_string()),
        });
    }

    /// Sends the bundle (`POST /apps?visibility=`), with the upload's progress.
    pub fn send(&self) {
        if !untrack(|| self.can_upload()) {
            return;
        }
        let Some(blob) = self.bundle.get_value() else { return };
        let run = Run { counter: self.generation.clone(), mine: self.generation.load(Ordering::SeqCst) };
        let url = api::url(&model::upload_path(self.visibility.get_untracked()));
        let (upload, request) = (self.upload, self.request);
        upload.set(UploadState::Sending { loaded: 0.0, total: browser::blob_len(&blob) as f64 });
        leptos::task::spawn_local(async move {
            let progress_run = run.clone();
            let on_progress = move |loaded: f64, total: f64| {
                if progress_run.current() {
                    upload.set(UploadState::Sending { loaded, total });
                }
            };
            let sent = browser::send_with_progress(&url, &blob, "application/zip", on_progress, |xhr| {
                request.set_value(Some(xhr));
            })
            .await;
            // A newer run, or Cancel, has the last word.
            if !run.current() || matches!(upload.get_untracked(), UploadState::Cancelled) {
                return;
            }
            request.set_value(None);
            upload.set(match sent {
                Err(message) => UploadState::Failed(ApiError::Network(message)),
                Ok(Sent::NoAnswer) => UploadState::Failed(ApiError::Network("the upload got no answer".to_owned())),
                Ok(Sent::Answered { status, body }) if (200..300).contains(&status) => {
                    match serde_json::from_str::<AppDetail>(&body) {
                        Ok(app) => UploadState::Done(Box::new(app)),
                        Err(error) => UploadState::Failed(ApiError::Decode(error.to_string())),
                    }
                }
                Ok(Sent::Answered { status, body }) => UploadState::Failed(ApiError::from_response(status, &body)),
            });
        });
    }
}


async fn file_of(entry: &web_sys::FileSystemFileEntry) -> Result<File, String> {
    browser::entry_file(entry).await.map_err(|message| format!("{}: {message}", entry.name()))
}

fn revoke_all(urls: &Mutex<Vec<String>>) {
    if let Ok(mut urls) = urls.lock() {
        for url in urls.drain(..) {
            browser::revoke_url(&url);
        }
    }
}
