//! The worker's side: answers the page's `compress` and `check` messages, one at a time. A small
//! `File` to compress is read whole as soon as its job arrives ([`READ_AHEAD_MAX`]); larger files
//! and bundles are read a chunk at a time with `FileReaderSync` (a worker may block; the page may not).

use crate::protocol::{self, Message};
use crate::{js_message, CHUNK};
use js_sys::{Array, Uint8Array};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wavehub_core::archive::IntegrityCheck;
use wavehub_core::bundle::{BundleOptions, StructuralCheck, StructuralOutcome};
use wavehub_core::package::FileCompressor;
use web_sys::{Blob, BlobPropertyBag, DedicatedWorkerGlobalScope, FileReaderSync, MessageEvent};

/// A check reports its progress every this many bytes (the integrity pass runs at 150+ MB/s).
const CHECK_PROGRESS_EVERY: u64 = 8 * CHUNK;

/// Files up to this size are read with `Blob.arrayBuffer()` when their job arrives: the browser
/// reads the worker's next file while it deflates this one. (Read with `FileReaderSync`, each file
/// waited for its reads, about a third of packaging a folder of small files.) Larger files are read
/// a chunk at a time, so no worker holds one whole.
const READ_AHEAD_MAX: u64 = 16 << 20;

/// What a worker keeps between messages: the compressor's tables and the buffers, so each file
/// does not allocate them again.
struct State {
    scope: DedicatedWorkerGlobalScope,
    reader: FileReaderSync,
    compressor: FileCompressor,
    chunk: Vec<u8>,
    out: Vec<u8>,
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// The worker's `main`: listens, then tells the page it is ready (messages sent before a
/// listener exists would be lost, so the page waits for this).
pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reader = match FileReaderSync::new() {
        Ok(reader) => reader,
        Err(error) => wasm_bindgen::throw_str(&format!("no FileReaderSync: {}", js_message(&error))),
    };
    STATE.with(|state| {
        *state.borrow_mut() =
            Some(State { scope: scope.clone(), reader, compressor: FileCompressor::new(), chunk: Vec::new(), out: Vec::new() })
    });
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| receive(Message::from_value(event.data())));
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&Message::new(protocol::READY, 0).0);
}

/// A message from the page: a job for a small `File` waits for its bytes ([`READ_AHEAD_MAX`]),
/// which then stand in for the `File`; any other runs now.
fn receive(message: Message) {
    let source = message.get("source");
    let small_file = message.kind() == protocol::COMPRESS && (message.number("size") as u64) <= READ_AHEAD_MAX;
    let Some(file) = source.dyn_ref::<Blob>().filter(|_| small_file) else {
        return with_state(|state| state.handle(message));
    };
    let read = wasm_bindgen_futures::JsFuture::from(file.array_buffer());
    wasm_bindgen_futures::spawn_local(async move {
        match read.await {
            Ok(buffer) => with_state(|state| state.handle(message.set("source", &Uint8Array::new(&buffer)))),
            Err(error) => with_state(|state| {
                let unreadable = Message::new(protocol::UNREADABLE, message.job()).set("error", &js_message(&error).into());
                let _ = state.scope.post_message(&unreadable.0);
            }),
        }
    });
}

fn with_state(work: impl FnOnce(&mut State)) {
    STATE.with(|state| {
        if let Some(state) = state.borrow_mut().as_mut() {
            work(state);
        }
    })
}

impl State {
    fn handle(&mut self, message: Message) {
        let job = message.job();
        let source = message.get("source");
        let answer = match message.kind().as_str() {
            protocol::COMPRESS => self.compress(job, &message.text("path"), message.number("size") as u64, &source),
            protocol::CHECK => self.check(job, source.unchecked_ref()),
            other => Err(Message::new(protocol::FAILED, job).set("error", &format!("unknown message {other:?}").into())),
        };
        let (message, transfer) = match answer {
            Ok(answer) => answer,
            Err(message) => (message, Array::new()),
        };
        let _ = self.scope.post_message_with_transfer(&message.0, &transfer);
    }

    /// Bytes `[start, end)` of a `Blob` (read) or a `Uint8Array` (sent with the message), into
    /// `self.chunk`; fewer when the source is shorter.
    fn read(&mut self, source: &JsValue, start: u64, end: u64) -> Result<(), String> {
        let view = match source.dyn_ref::<Uint8Array>() {
            Some(bytes) => {
                let len = u64::from(bytes.length());
                bytes.subarray(start.min(len) as u32, end.min(len) as u32)
            }
            None => {
                let blob: &Blob = source.unchecked_ref();
                let slice = blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(|e| js_message(&e))?;
                let buffer = self.reader.read_as_array_buffer(&slice).map_err(|e| js_message(&e))?;
                Uint8Array::new(&buffer)
            }
        };
        self.chunk.resize(view.length() as usize, 0);
        view.copy_to(&mut self.chunk);
        Ok(())
    }

    fn progress(&self, job: u32, done: u64) {
        let _ = self.scope.post_message(&Message::new(protocol::PROGRESS, job).set("done", &(done as f64).into()).0);
    }

    /// One file's entry data: `compressed` with the entry (JSON) and the data (transferred), or
    /// `unreadable`, or `failed` with the finding (JSON).
    fn compress(&mut self, job: u32, path: &str, size: u64, source: &JsValue) -> Result<(Message, Array), Message> {
        let failed = |finding: wavehub_core::api::Finding| {
            Message::new(protocol::FAILED, job).set("finding", &serde_json::to_string(&finding).unwrap_or_default().into())
        };
        self.out.clear();
        self.compressor.start(path, size, &self.out);
        let mut offset = 0;
        while offset < size {
            let end = (offset + CHUNK).min(size);
            if let Err(message) = self.read(source, offset, end) {
                return Err(Message::new(protocol::UNREADABLE, job).set("error", &message.into()));
            }
            self.compressor.write(&self.chunk, &mut self.out).map_err(failed)?;
            offset = end;
            if offset < size {
                self.progress(job, offset);
            }
        }
        let entry = self.compressor.finish(&mut self.out).map_err(failed)?;
        let data = Uint8Array::new_with_length(self.out.len() as u32);
        data.copy_from(&self.out);
        let message = Message::new(protocol::COMPRESSED, job)
            .set("entry", &serde_json::to_string(&entry).unwrap_or_default().into())
            .set("data", &data);
        Ok((message, Array::of1(&data.buffer())))
    }

    /// Both passes of the bundle check over the blob: `checked` with the report (JSON, without
    /// the images) and the images as `Blob`s, or `unreadable`.
    fn check(&mut self, job: u32, blob: &Blob) -> Result<(Message, Array), Message> {
        let unreadable = |message: String| Message::new(protocol::UNREADABLE, job).set("error", &message.into());
        let len = blob.size().max(0.0) as u64;
        let mut structural = StructuralCheck::new(len, BundleOptions::default());
        while let Some((start, end)) = structural.next_read() {
            self.read(blob.as_ref(), start, end.min(len)).map_err(unreadable)?;
            structural.provide(&self.chunk);
        }
        let StructuralOutcome { mut report, directory } = structural.finish();
        if let Some(directory) = &directory {
            let mut integrity = IntegrityCheck::new(directory, len);
            let mut offset = 0;
            let mut failure = None;
            let mut reported = 0;
            while offset < len {
                let end = (offset + CHUNK).min(len);
                self.read(blob.as_ref(), offset, end).map_err(unreadable)?;
                if let Err(finding) = integrity.feed(&self.chunk) {
                    failure = Some(finding);
                    break;
                }
                offset = end;
                if offset - reported >= CHECK_PROGRESS_EVERY {
                    self.progress(job, offset);
                    reported = offset;
                }
            }
            if let Err(finding) = failure.map_or_else(|| integrity.finish(), Err) {
                report.add([finding]);
            }
        }
        let images = Array::new();
        for image in std::mem::take(&mut report.images) {
            let options = BlobPropertyBag::new();
            options.set_type(image.kind.media_type());
            let bytes = Uint8Array::from(image.bytes.as_slice());
            let Ok(blob) = Blob::new_with_u8_array_sequence_and_options(&Array::of1(&bytes), &options) else { continue };
            images.push(&Array::of2(&image.path.into(), &blob));
        }
        // The preview's description, rendered here: up to 1 MiB of Markdown.
        let description_html =
            report.long_description.as_deref().map(|markdown| wavehub_core::markdown::to_safe_html(markdown, None));
        let message = Message::new(protocol::CHECKED, job)
            .set("report", &serde_json::to_string(&report).unwrap_or_default().into())
            .set("images", &images)
            .set("description_html", &description_html.map_or(JsValue::NULL, JsValue::from));
        Ok((message, Array::new()))
    }
}
