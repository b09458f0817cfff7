//! wavehub-bench: the bundle engine's benchmark behind `cargo xtask bench bundle`.
//!
//! - [`data`]: the generated app folder and bundles (seeded, the same bytes everywhere);
//! - `native` (not on wasm32): our packager and both validation passes timed beside `zip -6` and
//!   `unzip -t`;
//! - `wasm` (wasm32 only): the entry points `bench/web/` calls in headless Chromium, where fflate and
//!   JSZip run on the same files;
//! - [`report`]: the table printed and written to `docs/bench-bundle.md`.

pub mod data;
pub mod model;
pub mod rng;

#[cfg(not(target_arch = "wasm32"))]
pub mod native;
#[cfg(not(target_arch = "wasm32"))]
pub mod report;
#[cfg(target_arch = "wasm32")]
mod wasm;
