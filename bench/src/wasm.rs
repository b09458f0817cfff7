//! The browser entry points (`wasm-bindgen --target web`), called by `bench/web/bench.js`. They are
//! thin: the page's JavaScript does what the upload page will do (hold the files, slice a `Blob`),
//! and the engine does the rest exactly as on the server.

use wasm_bindgen::prelude::*;
use wavehub_core::archive::{Directory, IntegrityCheck};
use wavehub_core::bundle::{BundleOptions, StructuralCheck};
use wavehub_core::package::{plan, FileMeta, Packager};

fn js_error(finding: wavehub_core::api::Finding) -> JsError {
    JsError::new(&format!("{}: {}", finding.code, finding.message))
}

/// The order to add the files in: indices into `paths` (one path per line) of the files the plan
/// includes, sorted as the packager wants them.
#[wasm_bindgen]
pub fn plan_order(paths: &str, sizes: &[f64]) -> Vec<u32> {
    let metas: Vec<FileMeta> = paths
        .split('\n')
        .zip(sizes)
        .map(|(path, size)| FileMeta { path: path.to_owned(), size: *size as u64 })
        .collect();
    let index: std::collections::HashMap<&str, u32> =
        paths.split('\n').enumerate().map(|(i, p)| (p, i as u32)).collect();
    plan(&metas, None).included.iter().map(|meta| index[meta.path.as_str()]).collect()
}

/// Packages the files as the upload page does: a [`wavehub_engine::Pool`] started from `script`
/// with the page's number of workers (the start is part of the time, as it is on the page), in the
/// plan's order. `sources` holds one `Blob` (what the page reads, as it reads `File`s) or one
/// `Uint8Array` (bytes in memory, as the peers get them) per path of `paths` (one per line).
#[wasm_bindgen]
pub async fn pool_package(script: String, paths: String, sources: js_sys::Array) -> Result<web_sys::Blob, JsError> {
    use wasm_bindgen::JsCast;
    use wavehub_engine::{PackFile, Pool, Source};
    let paths: Vec<&str> = paths.split('\n').collect();
    let sources: Vec<Source> = sources
        .iter()
        .map(|source| match source.dyn_into::<js_sys::Uint8Array>() {
            Ok(bytes) => Source::Bytes(bytes),
            Err(blob) => Source::Blob(blob.unchecked_into()),
        })
        .collect();
    let sizes: Vec<f64> = sources
        .iter()
        .map(|source| match source {
            Source::Bytes(bytes) => f64::from(bytes.length()),
            Source::Blob(blob) => blob.size(),
        })
        .collect();
    let mut files: Vec<PackFile> = Vec::new();
    for i in plan_order(&paths.join("\n"), &sizes) {
        let i = i as usize;
        let source = match &sources[i] {
            Source::Bytes(bytes) => Source::Bytes(bytes.clone()),
            Source::Blob(blob) => Source::Blob(blob.clone()),
        };
        files.push(PackFile { path: paths[i].to_owned(), size: sizes[i] as u64, source });
    }
    let workers = wavehub_engine::pool::workers_for(files.len());
    let mut pool = Pool::start(&script, workers).await.map_err(|e| JsError::new(&e))?;
    let packaged = pool.package(&files, |_| true).await.map_err(|e| JsError::new(&e))?;
    let packaged = packaged.ok_or_else(|| JsError::new("stopped"))?;
    if let Some(finding) = packaged.findings.first() {
        return Err(JsError::new(&format!("{}: {}", finding.code, finding.message)));
    }
    Ok(packaged.bundle)
}

/// [`Packager`], one whole file per call.
#[wasm_bindgen]
pub struct BenchPackager(Option<Packager>);

#[wasm_bindgen]
impl BenchPackager {
    #[wasm_bindgen(constructor)]
    pub fn new(total_bytes: f64) -> BenchPackager {
        BenchPackager(Some(Packager::new(total_bytes as u64)))
    }

    pub fn add_file(&mut self, path: &str, bytes: &[u8]) -> Result<(), JsError> {
        let packager = self.0.as_mut().ok_or_else(|| JsError::new("finished already"))?;
        packager.add_file(path, bytes).map_err(js_error)
    }

    /// The bundle (copied out of wasm memory into a `Uint8Array`).
    pub fn finish(&mut self) -> Result<Vec<u8>, JsError> {
        Ok(self.0.take().ok_or_else(|| JsError::new("finished already"))?.finish())
    }
}

/// CRC-32 of some bytes, to compare the page's bundle with the native one (not timed).
#[wasm_bindgen]
pub fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// Both validation passes over a file the page reads in slices: the structural pass asks for ranges
/// (`next_start`/`next_end`, `provide`), then the integrity pass takes the whole file in order
/// (`start_integrity`, `feed`, `finish_integrity`).
#[wasm_bindgen]
pub struct BenchValidator {
    file_len: u64,
    structural: Option<StructuralCheck>,
    /// Owned through a raw pointer because `integrity` borrows it; freed in `Drop` after `integrity`.
    directory: *mut Directory,
    integrity: Option<IntegrityCheck<'static>>,
}

#[wasm_bindgen]
impl BenchValidator {
    #[wasm_bindgen(constructor)]
    pub fn new(file_len: f64) -> BenchValidator {
        let file_len = file_len as u64;
        BenchValidator {
            file_len,
            structural: Some(StructuralCheck::new(file_len, BundleOptions::default())),
            directory: std::ptr::null_mut(),
            integrity: None,
        }
    }

    /// Start of the next range the structural pass wants, or -1 when it is done.
    pub fn next_start(&self) -> f64 {
        self.structural.as_ref().and_then(StructuralCheck::next_read).map_or(-1.0, |(start, _)| start as f64)
    }

    pub fn next_end(&self) -> f64 {
        self.structural.as_ref().and_then(StructuralCheck::next_read).map_or(-1.0, |(_, end)| end as f64)
    }

    pub fn provide(&mut self, bytes: &[u8]) {
        if let Some(check) = self.structural.as_mut() {
            check.provide(bytes);
        }
    }

    /// Ends the structural pass; returns the error codes (empty when the bundle is valid so far).
    pub fn finish_structural(&mut self) -> Result<String, JsError> {
        let outcome = self.structural.take().ok_or_else(|| JsError::new("the structural pass is over"))?.finish();
        let codes: Vec<&str> = outcome.report.errors.iter().map(|f| f.code.as_str()).collect();
        if let Some(directory) = outcome.directory {
            self.free_directory();
            self.directory = Box::into_raw(Box::new(directory));
        }
        Ok(codes.join(", "))
    }

    /// Starts (or restarts) the integrity pass over the directory the structural pass read.
    pub fn start_integrity(&mut self) -> Result<(), JsError> {
        self.integrity = None;
        if self.directory.is_null() {
            return Err(JsError::new("no directory: the structural pass failed or did not run"));
        }
        // SAFETY: `directory` came from `Box::into_raw` and is freed only in `free_directory`, which
        // drops `integrity` (the only borrower) first; the box's contents never move.
        let directory: &'static Directory = unsafe { &*self.directory };
        self.integrity = Some(IntegrityCheck::new(directory, self.file_len));
        Ok(())
    }

    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        let check = self.integrity.as_mut().ok_or_else(|| JsError::new("call start_integrity first"))?;
        check.feed(chunk).map_err(js_error)
    }

    pub fn finish_integrity(&mut self) -> Result<(), JsError> {
        let check = self.integrity.take().ok_or_else(|| JsError::new("call start_integrity first"))?;
        check.finish().map_err(js_error)
    }
}

impl BenchValidator {
    fn free_directory(&mut self) {
        self.integrity = None;
        if !self.directory.is_null() {
            // SAFETY: see `start_integrity`; nothing borrows it once `integrity` is gone.
            drop(unsafe { Box::from_raw(self.directory) });
            self.directory = std::ptr::null_mut();
        }
    }
}

impl Drop for BenchValidator {
    fn drop(&mut self) {
        self.free_directory();
    }
}
