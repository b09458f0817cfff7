//! The bundle engine in Web Workers, so the page never blocks on it.
//!
//! - The worker (`src/main.rs`, [`worker`]) packages one file at a time (the stored-or-deflated
//!   choice, deflate and CRC-32: core's [`FileCompressor`]) and checks whole bundles (both passes
//!   and the rules: core's `StructuralCheck` and `IntegrityCheck`), reading `File`s and `Blob`s
//!   with `FileReaderSync`.
//! - The page's [`pool::Pool`] starts the workers, hands out the files in parallel and lays the zip
//!   out around their data with core's [`Assembler`], in path order, so the bundle is byte for byte
//!   the one `wavehub bundle` writes.
//!
//! [`FileCompressor`]: wavehub_core::package::FileCompressor
//! [`Assembler`]: wavehub_core::package::Assembler

pub mod pool;
mod protocol;
pub mod worker;

pub use pool::{Checked, PackFile, Packaged, Pool, Source};

/// Where the worker's script is: the loader trunk writes for `data-loader-shim` (the worker's
/// files are not content-hashed: trunk names them after the binary).
pub const WORKER_SCRIPT: &str = "/wavehub-engine_loader.js";

/// How much of a file is read (and packaged or checked) at a time.
pub const CHUNK: u64 = 1 << 20;

/// The finding for a file the browser could not read.
pub fn read_failed(path: &str, message: &str) -> wavehub_core::api::Finding {
    wavehub_core::api::Finding::error(
        "package.read_failed",
        path,
        format!("{path} could not be read ({message}); check that it still exists and is readable, then choose the folder again"),
    )
    .in_file(path)
}

/// The sentence a JavaScript error carries (`Error`, `DOMException`, `ErrorEvent`), or its text.
pub fn js_message(error: &wasm_bindgen::JsValue) -> String {
    use wasm_bindgen::JsCast;
    if let Some(error) = error.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    js_sys::Reflect::get(error, &wasm_bindgen::JsValue::from_str("message"))
        .ok()
        .and_then(|message| message.as_string())
        .filter(|message| !message.is_empty())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}
