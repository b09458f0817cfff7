//! The page's side: a pool of engine workers. Packaging hands the files out in path order, a few
//! per worker at a time, and assembles the zip as the data comes back (in path order, whatever
//! order it comes back in) with core's [`Assembler`]; checking sends the bundle to one worker.
//! The page only routes messages and joins bytes, so no task of its own grows with the files.

use crate::protocol::{self, Message};
use crate::{js_message, read_failed};
use futures_channel::mpsc;
use futures_util::StreamExt;
use js_sys::{Array, Uint8Array};
use std::collections::HashMap;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wavehub_core::api::Finding;
use wavehub_core::bundle::BundleReport;
use wavehub_core::package::{Assembler, FileEntry};
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Worker};

/// The most workers a pool starts: beyond this, reading the files and joining the data on the
/// page is the limit, not deflate.
pub const MAX_WORKERS: usize = 8;

/// Jobs each worker holds at once: one running, one waiting, so it never idles between files.
const JOBS_PER_WORKER: usize = 2;

/// Pending parts are joined into one `Blob` once they hold this much: the `Blob` constructor
/// copies the bytes, so joining a little at a time keeps each copy (and the page's task) short.
const JOIN_EVERY_BYTES: u64 = 4 << 20;

/// One file to package.
pub struct PackFile {
    pub path: String,
    /// The size the plan was made with; the worker reads this many bytes (a file that changed size
    /// since is reported, as the packager does).
    pub size: u64,
    pub source: Source,
}

/// Where a file's bytes are.
pub enum Source {
    /// A `File` (the upload page's case): the worker reads it.
    Blob(Blob),
    /// Bytes the page holds already: copied to the worker with the message.
    Bytes(Uint8Array),
}

/// What packaging made: the bundle, and the findings about files that could not go in.
pub struct Packaged {
    pub bundle: Blob,
    pub findings: Vec<Finding>,
}

/// A checked bundle: the report (without image bytes) and the icon and screenshots as `Blob`s.
pub struct Checked {
    pub report: BundleReport,
    pub images: Vec<(String, Blob)>,
    /// The LongDescription as the app page shows it (`markdown::to_safe_html` without links to
    /// the bundle's files), rendered in the worker.
    pub description_html: Option<String>,
}

/// How far packaging has got: file bytes done (compressed, or being compressed), and the file the
/// bundle waits for next.
pub struct PackProgress<'a> {
    pub bytes_done: u64,
    pub files_done: usize,
    pub next_path: Option<&'a str>,
}

enum Event {
    Message { worker: usize, message: Message },
    /// The worker's script failed to load, or its code threw (a panic): the pool cannot go on.
    Error(String),
}

/// Running engine workers; dropping the pool terminates them (cancelling whatever they do).
pub struct Pool {
    workers: Vec<Worker>,
    events: mpsc::UnboundedReceiver<Event>,
    _handlers: Vec<(Closure<dyn FnMut(MessageEvent)>, Closure<dyn FnMut(web_sys::Event)>)>,
    next_job: u32,
}

impl Drop for Pool {
    fn drop(&mut self) {
        for worker in &self.workers {
            worker.terminate();
        }
    }
}

/// The workers to start for `files` files: one per core the browser reports, at most
/// [`MAX_WORKERS`], at least one.
pub fn workers_for(files: usize) -> usize {
    let cores = web_sys::window().map(|w| w.navigator().hardware_concurrency()).unwrap_or(1.0);
    (cores as usize).clamp(1, MAX_WORKERS).min(files.max(1))
}

impl Pool {
    /// Starts `count` workers from `script` (normally [`crate::WORKER_SCRIPT`]) and waits until
    /// each is ready.
    pub async fn start(script: &str, count: usize) -> Result<Pool, String> {
        let (sender, events) = mpsc::unbounded();
        let script_owned = script.to_owned();
        let mut pool = Pool { workers: Vec::new(), events, _handlers: Vec::new(), next_job: 1 };
        for index in 0..count.max(1) {
            let worker = Worker::new(script).map_err(|e| format!("cannot start a worker: {}", js_message(&e)))?;
            let to_page = sender.clone();
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let _ = to_page.unbounded_send(Event::Message { worker: index, message: Message::from_value(event.data()) });
            });
            let to_page = sender.clone();
            // A plain `Event` when the script could not be loaded; an `ErrorEvent` when its code threw.
            let script = script_owned.clone();
            let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
                let message = js_sys::Reflect::get(&event, &"message".into()).ok().and_then(|m| m.as_string());
                let message = message.filter(|m| !m.is_empty()).unwrap_or_else(|| format!("{script} could not be loaded"));
                let _ = to_page.unbounded_send(Event::Error(message));
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            pool.workers.push(worker);
            pool._handlers.push((on_message, on_error));
        }
        let mut ready = 0;
        while ready < pool.workers.len() {
            match pool.next_event().await? {
                (_, message) if message.kind() == protocol::READY => ready += 1,
                _ => {}
            }
        }
        Ok(pool)
    }

    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    async fn next_event(&mut self) -> Result<(usize, Message), String> {
        match self.events.next().await {
            Some(Event::Message { worker, message }) => Ok((worker, message)),
            Some(Event::Error(message)) => Err(format!("the engine worker stopped: {message}")),
            None => Err("the engine workers are gone".to_owned()),
        }
    }

    fn post(&mut self, worker: usize, message: Message) -> Result<u32, String> {
        let job = self.next_job;
        self.next_job += 1;
        let message = message.set("job", &JsValue::from(job));
        self.workers[worker].post_message(&message.0).map_err(|e| js_message(&e))?;
        Ok(job)
    }

    /// Packages `files` (in the plan's order) into a bundle, byte for byte the one `wavehub bundle`
    /// writes from the same files. `progress` is called after every message; returning false stops
    /// (the result is then `Ok(None)`). `Err` means the workers failed, not a file.
    pub async fn package(
        &mut self,
        files: &[PackFile],
        mut progress: impl FnMut(PackProgress) -> bool,
    ) -> Result<Option<Packaged>, String> {
        let mut assembler = Assembler::new();
        let mut bundle = BlobJoiner::default();
        let mut findings = Vec::new();
        // Jobs handed out: job number → (file index, worker).
        let mut jobs: HashMap<u32, (usize, usize)> = HashMap::new();
        let mut load = vec![0usize; self.workers.len()];
        let mut done: HashMap<usize, Message> = HashMap::new();
        let mut partial: HashMap<u32, u64> = HashMap::new();
        let (mut next_out, mut next_in, mut bytes_finished) = (0, 0, 0u64);
        // Packaging stops at the first file that fails the whole bundle (too many files, too large).
        let mut stopped = false;
        while next_in < files.len() && !stopped {
            while next_out < files.len() {
                let Some(worker) = (0..load.len()).filter(|w| load[*w] < JOBS_PER_WORKER).min_by_key(|w| load[*w]) else {
                    break;
                };
                let file = &files[next_out];
                let message = Message::new(protocol::COMPRESS, 0)
                    .set("path", &file.path.as_str().into())
                    .set("size", &(file.size as f64).into())
                    .set("source", match &file.source {
                        Source::Blob(blob) => blob.as_ref(),
                        Source::Bytes(bytes) => bytes.as_ref(),
                    });
                let job = self.post(worker, message)?;
                jobs.insert(job, (next_out, worker));
                load[worker] += 1;
                next_out += 1;
            }
            let (_, message) = self.next_event().await?;
            let Some(&(index, worker)) = jobs.get(&message.job()) else { continue };
            if message.kind() == protocol::PROGRESS {
                partial.insert(message.job(), message.number("done") as u64);
            } else {
                jobs.remove(&message.job());
                partial.remove(&message.job());
                load[worker] -= 1;
                bytes_finished += files[index].size;
                done.insert(index, message);
            }
            // Lay out every file whose turn it is.
            while let Some(message) = done.remove(&next_in) {
                let file = &files[next_in];
                next_in += 1;
                let finding = match assembler.check_next(&file.path, file.size) {
                    Err(finding) => Some(finding),
                    Ok(()) => add(&mut assembler, &mut bundle, file, &message).err(),
                };
                if let Some(finding) = finding {
                    stopped = ends_packaging(&finding);
                    findings.push(finding);
                    if stopped {
                        break;
                    }
                }
            }
            let bytes_done = bytes_finished + partial.values().sum::<u64>();
            let next_path = files.get(next_in).map(|f| f.path.as_str());
            if !progress(PackProgress { bytes_done, files_done: next_in, next_path }) {
                return Ok(None);
            }
        }
        bundle.push(&Uint8Array::from(assembler.finish().as_slice()));
        Ok(Some(Packaged { bundle: bundle.finish()?, findings }))
    }

    /// Both passes of the bundle check, in a worker. `progress` gets the bytes checked so far and
    /// returns false to stop (`Ok(None)`). `Err` is a message: the bundle could not be read, or the
    /// workers failed.
    pub async fn check(&mut self, bundle: &Blob, mut progress: impl FnMut(u64) -> bool) -> Result<Option<Checked>, String> {
        let job = self.post(0, Message::new(protocol::CHECK, 0).set("source", bundle))?;
        loop {
            let (_, message) = self.next_event().await?;
            if message.job() != job {
                continue;
            }
            match message.kind().as_str() {
                protocol::PROGRESS => {
                    if !progress(message.number("done") as u64) {
                        return Ok(None);
                    }
                }
                protocol::CHECKED => {
                    let report: BundleReport =
                        serde_json::from_str(&message.text("report")).map_err(|e| format!("the engine's report: {e}"))?;
                    let images = Array::from(&message.get("images"))
                        .iter()
                        .map(|pair| {
                            let pair = Array::from(&pair);
                            (pair.get(0).as_string().unwrap_or_default(), pair.get(1).unchecked_into::<Blob>())
                        })
                        .collect();
                    let description_html = message.get("description_html").as_string();
                    return Ok(Some(Checked { report, images, description_html }));
                }
                protocol::UNREADABLE => return Err(message.text("error")),
                _ => return Err(format!("the engine failed: {}", message.text("error"))),
            }
        }
    }
}

/// Adds a compressed file (the worker's answer) to the bundle, or says why it cannot go in.
fn add(assembler: &mut Assembler, bundle: &mut BlobJoiner, file: &PackFile, message: &Message) -> Result<(), Finding> {
    let parse = |text: String| serde_json::from_str::<Finding>(&text).ok();
    match message.kind().as_str() {
        protocol::COMPRESSED => {
            let entry: FileEntry = serde_json::from_str(&message.text("entry"))
                .map_err(|e| Finding::error("package.engine_failed", &file.path, format!("the engine's answer: {e}")))?;
            let header = assembler.add(&file.path, &entry)?;
            bundle.push(&Uint8Array::from(header.as_slice()));
            bundle.push(&message.get("data").unchecked_into());
            Ok(())
        }
        protocol::UNREADABLE => Err(read_failed(&file.path, &message.text("error"))),
        _ => Err(parse(message.text("finding")).unwrap_or_else(|| {
            Finding::error("package.engine_failed", &file.path, format!("the engine failed: {}", message.text("error")))
        })),
    }
}

/// Packaging cannot go on after these: every later file would fail the same way.
pub fn ends_packaging(finding: &Finding) -> bool {
    matches!(finding.code.as_str(), "package.too_many_files" | "package.too_large")
}

/// The bundle as it grows: small parts gathered, then joined into a `Blob` a few MiB at a time
/// (a `Blob` made of `Blob`s refers to them, without copying).
#[derive(Default)]
struct BlobJoiner {
    joined: Vec<Blob>,
    pending: Vec<JsValue>,
    pending_bytes: u64,
}

impl BlobJoiner {
    fn push(&mut self, bytes: &Uint8Array) {
        self.pending_bytes += u64::from(bytes.length());
        self.pending.push(bytes.into());
        if self.pending_bytes >= JOIN_EVERY_BYTES {
            if let Ok(blob) = blob_of(&self.pending.drain(..).collect()) {
                self.joined.push(blob);
            }
            self.pending_bytes = 0;
        }
    }

    fn finish(mut self) -> Result<Blob, String> {
        let parts: Array = self.joined.drain(..).map(JsValue::from).chain(self.pending.drain(..)).collect();
        blob_of(&parts)
    }
}

fn blob_of(parts: &Array) -> Result<Blob, String> {
    let options = BlobPropertyBag::new();
    options.set_type("application/zip");
    Blob::new_with_u8_array_sequence_and_options(parts, &options).map_err(|e| js_message(&e))
}
