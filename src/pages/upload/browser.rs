//! The browser's side of the upload page: giving the event loop a turn, reading `File`s and `Blob`s,
//! walking dropped folders, object URLs, and the upload itself (XMLHttpRequest, for its upload
//! progress events, which `fetch` does not have).

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wavehub_core::appignore::default_ignore;
use web_sys::{
    Blob, BlobPropertyBag, DataTransfer, File, FileSystemDirectoryEntry, FileSystemEntry, FileSystemFileEntry,
    ProgressEvent, XmlHttpRequest,
};

/// The sentence a JavaScript error carries (one helper with the engine's pool).
pub use wavehub_engine::js_message;

/// Resolves on the next task (`setTimeout(0)`): the browser paints and handles input in between.
pub async fn next_task() {
    let promise = Promise::new(&mut |resolve, _reject| {
        let scheduled =
            web_sys::window().map(|window| window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0));
        if !matches!(scheduled, Some(Ok(_))) {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Hands the event loop a turn whenever the work since the last turn took longer than a frame's
/// share, so heavy loops keep the page responsive without paying `setTimeout`'s minimum delay
/// (4 ms once nested) for each of thousands of small files.
pub struct Pacer {
    last: f64,
}

/// Milliseconds of work between turns.
const WORK_SLICE_MS: f64 = 12.0;

impl Default for Pacer {
    fn default() -> Self {
        Pacer::new()
    }
}

impl Pacer {
    pub fn new() -> Self {
        Pacer { last: js_sys::Date::now() }
    }

    pub async fn breathe(&mut self) {
        if js_sys::Date::now() - self.last >= WORK_SLICE_MS {
            next_task().await;
            self.last = js_sys::Date::now();
        }
    }
}

/// Bytes `[start, end)` of a file or blob.
pub async fn read_range(blob: &Blob, start: u64, end: u64) -> Result<Vec<u8>, String> {
    let slice = blob.slice_with_f64_and_f64(start as f64, end as f64).map_err(|e| js_message(&e))?;
    let buffer = JsFuture::from(slice.array_buffer()).await.map_err(|e| js_message(&e))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// A file's text (UTF-8, invalid bytes replaced).
pub async fn read_text(blob: &Blob) -> Result<String, String> {
    let text = JsFuture::from(blob.text()).await.map_err(|e| js_message(&e))?;
    Ok(text.as_string().unwrap_or_default())
}

/// The size of a blob in bytes.
pub fn blob_len(blob: &Blob) -> u64 {
    blob.size().max(0.0) as u64
}

/// A new blob holding a copy of `bytes`.
pub fn blob_from_bytes(bytes: &[u8], media_type: &str) -> Result<Blob, String> {
    let options = BlobPropertyBag::new();
    options.set_type(media_type);
    // SAFETY: the view over wasm memory is only read by the Blob constructor, which copies it
    // before returning; nothing allocates in between.
    let view = unsafe { Uint8Array::view(bytes) };
    let parts = Array::of1(&view);
    Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(|e| js_message(&e))
}

/// An object URL for a blob; revoke it with [`revoke_url`] when it is replaced.
pub fn object_url(blob: &Blob) -> Option<String> {
    web_sys::Url::create_object_url_with_blob(blob).ok()
}

pub fn revoke_url(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// A file the person chose, with its path in the bundle.
pub struct PickedFile {
    pub path: String,
    pub file: File,
}

/// What a drop holds, taken while the drop event runs (the browser empties it afterwards).
pub enum DroppedItem {
    Entry(FileSystemEntry),
    File(File),
}

/// The dropped files and folders. Folders need `webkitGetAsEntry` (every current browser has it);
/// without it only plain files come through.
pub fn dropped_items(transfer: &DataTransfer) -> Vec<DroppedItem> {
    let mut items = Vec::new();
    let list = transfer.items();
    for index in 0..list.length() {
        let Some(item) = list.get(index) else { continue };
        if item.kind() != "file" {
            continue;
        }
        match item.webkit_get_as_entry() {
            Ok(Some(entry)) => items.push(DroppedItem::Entry(entry)),
            _ => {
                if let Ok(Some(file)) = item.get_as_file() {
                    items.push(DroppedItem::File(file));
                }
            }
        }
    }
    if items.is_empty() {
        if let Some(files) = transfer.files() {
            items.extend((0..files.length()).filter_map(|index| files.get(index)).map(DroppedItem::File));
        }
    }
    items
}

/// The files of a file input.
pub fn input_files(input: &web_sys::HtmlInputElement) -> Vec<File> {
    input.files().map(|list| (0..list.length()).filter_map(|index| list.get(index)).collect()).unwrap_or_default()
}

/// `File.webkitRelativePath`: the path below the picked folder's parent (`myapp/src/app.py`).
pub fn relative_path(file: &File) -> String {
    js_sys::Reflect::get(file, &JsValue::from_str("webkitRelativePath"))
        .ok()
        .and_then(|path| path.as_string())
        .unwrap_or_default()
}

/// What walking dropped folders found.
#[derive(Default)]
pub struct Walked {
    pub files: Vec<PickedFile>,
    /// Folders not walked into because they are always left out (`.git/`, `venv/`): path with a
    /// trailing `/`, and the reason. The CLI does not walk them either.
    pub unlisted: Vec<(String, String)>,
}

/// Walks dropped entries into files with bundle paths. A single dropped folder is the app folder
/// (its own name is not part of the paths); otherwise each dropped folder keeps its name.
/// `on_progress` gets the number of files found so far and returns false to stop (the result is
/// then `Ok(None)`).
pub async fn walk_entries(
    top: Vec<FileSystemEntry>,
    mut on_progress: impl FnMut(usize) -> bool,
) -> Result<Option<Walked>, String> {
    let mut walked = Walked::default();
    let mut folders: Vec<(FileSystemDirectoryEntry, String)> = Vec::new();
    if let [only] = top.as_slice() {
        if only.is_directory() {
            folders.push((only.clone().unchecked_into(), String::new()));
        }
    }
    if folders.is_empty() {
        for entry in &top {
            visit(entry, "", &mut walked, &mut folders).await?;
        }
    }
    let mut pacer = Pacer::new();
    while let Some((folder, prefix)) = folders.pop() {
        let reader = folder.create_reader();
        loop {
            // readEntries hands out a batch at a time (100 in Chromium) until it returns none.
            let batch = read_entries(&reader).await?;
            if batch.length() == 0 {
                break;
            }
            for value in batch.iter() {
                let entry: FileSystemEntry = value.unchecked_into();
                visit(&entry, &prefix, &mut walked, &mut folders).await?;
            }
            if !on_progress(walked.files.len()) {
                return Ok(None);
            }
            pacer.breathe().await;
        }
    }
    Ok(Some(walked))
}

/// Takes in one entry: a file is read for its `File`, a folder is queued (or noted as unlisted
/// when it is always left out).
async fn visit(
    entry: &FileSystemEntry,
    prefix: &str,
    walked: &mut Walked,
    folders: &mut Vec<(FileSystemDirectoryEntry, String)>,
) -> Result<(), String> {
    let path = super::model::child_path(prefix, &entry.name());
    if entry.is_directory() {
        match default_ignore(&path, true) {
            Some(reason) => walked.unlisted.push((format!("{path}/"), reason.to_string())),
            None => folders.push((entry.clone().unchecked_into(), format!("{path}/"))),
        }
    } else if entry.is_file() {
        let file_entry: &FileSystemFileEntry = entry.unchecked_ref();
        let file = entry_file(file_entry).await.map_err(|message| format!("{path}: {message}"))?;
        walked.files.push(PickedFile { path, file });
    }
    Ok(())
}

async fn read_entries(reader: &web_sys::FileSystemDirectoryReader) -> Result<Array, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        if let Err(error) = reader.read_entries_with_callback_and_callback(&resolve, &reject) {
            let _ = reject.call1(&JsValue::NULL, &error);
        }
    });
    let entries = JsFuture::from(promise).await.map_err(|e| js_message(&e))?;
    Ok(entries.unchecked_into())
}

/// The `File` behind a dropped file entry.
pub async fn entry_file(entry: &FileSystemFileEntry) -> Result<File, String> {
    let promise = Promise::new(&mut |resolve, reject| entry.file_with_callback_and_callback(&resolve, &reject));
    let file = JsFuture::from(promise).await.map_err(|e| js_message(&e))?;
    Ok(file.unchecked_into())
}

/// How an upload ended.
pub enum Sent {
    /// The server answered: status and body text.
    Answered { status: u16, body: String },
    /// No answer (network down, server gone, or aborted).
    NoAnswer,
}

/// POSTs `body` to `url` with XMLHttpRequest, reporting `(loaded, total)` bytes as they are sent.
/// `started` receives the request, so the caller can abort it.
pub async fn send_with_progress(
    url: &str,
    body: &Blob,
    content_type: &str,
    on_progress: impl FnMut(f64, f64) + 'static,
    started: impl FnOnce(XmlHttpRequest),
) -> Result<Sent, String> {
    let request = XmlHttpRequest::new().map_err(|e| js_message(&e))?;
    request.open("POST", url).map_err(|e| js_message(&e))?;
    request.set_request_header("Content-Type", content_type).map_err(|e| js_message(&e))?;
    let upload = request.upload().map_err(|e| js_message(&e))?;
    let mut on_progress = on_progress;
    let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |event: ProgressEvent| {
        if event.length_computable() {
            on_progress(event.loaded(), event.total());
        }
    });
    upload.set_onprogress(Some(progress.as_ref().unchecked_ref()));
    // `loadend` follows `load`, `error`, `abort` and `timeout` alike.
    let finished = Promise::new(&mut |resolve, _reject| request.set_onloadend(Some(&resolve)));
    request.send_with_opt_blob(Some(body)).map_err(|e| js_message(&e))?;
    started(request.clone());
    let _ = JsFuture::from(finished).await;
    upload.set_onprogress(None);
    request.set_onloadend(None);
    drop(progress);
    let status = request.status().unwrap_or(0);
    if status == 0 {
        return Ok(Sent::NoAnswer);
    }
    let body = request.response_text().ok().flatten().unwrap_or_default();
    Ok(Sent::Answered { status, body })
}
