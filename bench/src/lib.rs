//! wavehub-bench: the benchmarks behind `cargo xtask bench` (bundle, catalog, runtime-images).
//!
//! - [`data`]: the generated app folder and bundles (seeded, the same bytes everywhere);
//! - `native` (not on wasm32): our packager and both validation passes timed beside `zip -6` and
//!   `unzip -t`;
//! - `wasm` (wasm32 only): the entry points `bench/web/` calls in headless Chromium, where fflate and
//!   JSZip run on the same files;
//! - [`report`]: the table printed and written to `docs/bench-bundle.md`;
//! - `http` (not on wasm32): the HTTP benchmarks behind `cargo xtask bench catalog` and `bench
//!   runtime-images`, one [`http::Scenario`] each: load runs with wrk, the page timed in Chromium, the
//!   report (`docs/bench-catalog.md`, `docs/bench-runtime-images.md`);
//! - `host` and `table` (not on wasm32): every report's machine and date line, and its tables.

pub mod data;
pub mod model;
pub mod rng;

#[cfg(not(target_arch = "wasm32"))]
pub mod host;
#[cfg(not(target_arch = "wasm32"))]
pub mod http;
#[cfg(not(target_arch = "wasm32"))]
pub mod native;
#[cfg(not(target_arch = "wasm32"))]
pub mod report;
#[cfg(not(target_arch = "wasm32"))]
pub mod table;
#[cfg(target_arch = "wasm32")]
mod wasm;
