//! wavehub-core: the rules Wavehub enforces and the types its API speaks.
//!
//! Nothing here does I/O, so the same code runs in the browser (wasm32) and on the server and CLI
//! (native). A rule lives here once and every caller uses it; the server never trusts the browser's
//! verdict and re-runs the same function.

pub mod accounts;
pub mod api;
pub mod audit;
pub mod appignore;
pub mod apps;
pub mod archive;
pub mod bundle;
pub mod instances;
pub mod manifest;
pub mod markdown;
pub mod package;
pub mod runtime_images;
pub mod secrets;
pub mod tags;
pub mod text;
pub mod web_entry;
